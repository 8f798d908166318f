//! Road geometry from MAP: intersections (nodes), their inbound links and lanes, in the local
//! frame. Point offsets are relative to the node's reference position (DF_PointList of
//! T/CSAE 53-2020), each in 1e-7 degree.

use crate::geo::{LocalFrame, Point};
use crate::units;
use roadcloud_csae as csae;

/// A node's id: road regulator region and node id (DF_NodeReferenceID).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct NodeId {
    /// `region`, 0 when absent.
    pub region: u16,
    /// `id`.
    pub id: u16,
}

impl From<&csae::NodeReferenceID> for NodeId {
    fn from(n: &csae::NodeReferenceID) -> Self {
        NodeId {
            region: n.region.map_or(0, |r| r.0),
            id: n.id.0,
        }
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.region, self.id)
    }
}

/// Where a lane leads: the downstream node, the lane there, and the signal phase that governs
/// the movement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The node the movement leads to.
    pub remote: NodeId,
    /// The lane it enters there.
    pub lane: Option<u8>,
    /// The SPAT phase that controls it.
    pub phase: Option<u8>,
}

/// One lane of an inbound link.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// `LaneID`.
    pub id: u8,
    /// Width, metres.
    pub width_m: Option<f64>,
    /// Allowed maneuvers (bit 0 straight, 1 left, 2 right, 3 U-turn, ...).
    pub maneuvers: Option<u16>,
    /// Centre-line points, when the MAP gives them.
    pub points: Vec<Point>,
    /// Connections to downstream lanes.
    pub connects_to: Vec<Connection>,
    /// Speed limit, m/s.
    pub speed_limit_mps: Option<f64>,
}

impl Lane {
    /// DE_AllowedManeuvers bits 8 (`yieldAllwaysRequired`) and 9 (`goWithHalt`).
    const GIVES_WAY: u16 = (1 << 8) | (1 << 9);

    /// Whether the lane gives way at its stop line (MAP's maneuvers: a minor road's give-way
    /// or stop sign at a junction without signals).
    pub fn gives_way(&self) -> bool {
        self.maneuvers.is_some_and(|m| m & Lane::GIVES_WAY != 0)
    }
}

/// A link: the road from an upstream node into this intersection.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Its name, if given.
    pub name: Option<String>,
    /// The node it comes from.
    pub upstream: NodeId,
    /// Width, metres.
    pub width_m: f64,
    /// Reference line points, from upstream towards the intersection.
    pub points: Vec<Point>,
    /// Speed limit, m/s.
    pub speed_limit_mps: Option<f64>,
    /// The lanes.
    pub lanes: Vec<Lane>,
}

/// An intersection or road node, with its inbound links.
#[derive(Debug, Clone, PartialEq)]
pub struct Intersection {
    /// Its id.
    pub id: NodeId,
    /// Its name, if given.
    pub name: Option<String>,
    /// Reference position, local frame.
    pub position: Point,
    /// Reference position, 1e-7 degree (lat, lon).
    pub position_1e7: (i64, i64),
    /// Inbound links.
    pub links: Vec<Link>,
}

impl Intersection {
    /// Lane `id` of the link from `upstream`.
    pub fn lane(&self, upstream: NodeId, id: u8) -> Option<&Lane> {
        self.links
            .iter()
            .find(|l| l.upstream == upstream)?
            .lanes
            .iter()
            .find(|l| l.id == id)
    }
}

/// `LaneWidth`: centimetres.
fn width_m(w: csae::LaneWidth) -> f64 {
    f64::from(w.0) / 100.0
}

fn speed_limit(list: Option<&csae::SpeedLimitList>) -> Option<f64> {
    // The vehicle maximum if given, else the first limit.
    let list = &list?.0;
    list.iter()
        .find(|s| s.r#type == csae::SpeedLimitType::VehicleMaxSpeed)
        .or_else(|| list.first())
        .and_then(|s| units::speed_mps(s.speed))
}

fn points(frame: &LocalFrame, ref_1e7: (i64, i64), list: Option<&csae::PointList>) -> Vec<Point> {
    list.map(|l| {
        l.0.iter()
            .map(|p| frame.at_offset(ref_1e7, &p.pos_offset.offset_ll))
            .collect()
    })
    .unwrap_or_default()
}

fn bits_u16(b: &csae::BitString) -> u16 {
    (0..b.len().min(16))
        .filter(|&i| b.get(i))
        .fold(0, |acc, i| acc | (1 << i))
}

/// The intersections a MAP describes.
pub fn intersections_from_map(frame: &LocalFrame, map: &csae::MapData) -> Vec<Intersection> {
    map.nodes
        .0
        .iter()
        .map(|n| {
            let r = (i64::from(n.ref_pos.lat.0), i64::from(n.ref_pos.long.0));
            let links = n
                .in_links
                .as_ref()
                .map(|ls| {
                    ls.0.iter()
                        .map(|l| Link {
                            name: l.name.as_ref().map(|s| s.0.clone()),
                            upstream: NodeId::from(&l.upstream_node_id),
                            width_m: width_m(l.link_width),
                            points: points(frame, r, l.points.as_ref()),
                            speed_limit_mps: speed_limit(l.speed_limits.as_ref()),
                            lanes: l
                                .lanes
                                .0
                                .iter()
                                .map(|lane| Lane {
                                    id: lane.lane_id.0,
                                    width_m: lane.lane_width.map(width_m),
                                    maneuvers: lane.maneuvers.as_ref().map(|m| bits_u16(&m.0)),
                                    points: points(frame, r, lane.points.as_ref()),
                                    connects_to: lane
                                        .connects_to
                                        .as_ref()
                                        .map(|c| {
                                            c.0.iter()
                                                .map(|c| Connection {
                                                    remote: NodeId::from(&c.remote_intersection),
                                                    lane: c
                                                        .connecting_lane
                                                        .as_ref()
                                                        .map(|l| l.lane.0),
                                                    phase: c.phase_id.map(|p| p.0),
                                                })
                                                .collect()
                                        })
                                        .unwrap_or_default(),
                                    speed_limit_mps: speed_limit(lane.speed_limits.as_ref()),
                                })
                                .collect(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Intersection {
                id: NodeId::from(&n.id),
                name: n.name.as_ref().map(|s| s.0.clone()),
                position: frame
                    .to_local(units::degrees_from_1e7(r.0), units::degrees_from_1e7(r.1)),
                position_1e7: r,
                links,
            }
        })
        .collect()
}
