//! The built-in zone's road network: a grid of signalised four-arm intersections near Anting,
//! Jiading, and one without signals where a minor road crosses, its MAP (T/CSAE 53-2020
//! `MapData`, one node per intersection) and its signal plans.
//!
//! Every road is straight, two-way, with three lanes each way on every approach, as the
//! public MAP vector draws them: lane 1 (leftmost) turns left, lane 2 goes straight, lane 3
//! goes straight or right. Traffic keeps right. Stop lines are [`STOP_LINE_M`] from the
//! intersection's centre.

use crate::messages::to_1e7;
use roadcloud_csae as csae;
use roadcloud_world::units;
use roadcloud_world::{LocalFrame, Millis, Point};

/// The zone origin: the demo intersection of the public vectors, Anting, Jiading.
pub const ORIGIN: (f64, f64) = (31.2866, 121.1655);
/// The MAP region (`RoadRegulatorID`) of the zone's nodes.
pub const REGION: u16 = 310;
/// Distance from an intersection's centre to its stop lines, metres.
pub const STOP_LINE_M: f64 = 20.0;
/// Width of every lane, metres.
pub const LANE_WIDTH_M: f64 = 3.5;
/// Lanes each way.
pub const LANES: u8 = 3;

/// Which way a road runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// West to east, at a fixed northing.
    EastWest,
    /// South to north, at a fixed easting.
    NorthSouth,
}

/// A straight two-way road through the zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Road {
    /// Its name, for people.
    pub name: &'static str,
    /// Which way it runs.
    pub axis: Axis,
    /// Its northing (east-west roads) or easting (north-south roads), metres.
    pub at_m: f64,
    /// Where it starts and ends along its axis, metres.
    pub from_m: f64,
    /// Where it ends.
    pub to_m: f64,
    /// Its speed limit, m/s.
    pub limit_mps: f64,
    /// A minor road: its traffic gives way at junctions without signals.
    pub minor: bool,
}

/// One direction of a road: what a vehicle follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// The road, an index into [`Network::roads`].
    pub road: usize,
    /// Along the axis (east or north), or against it.
    pub forward: bool,
}

/// An intersection.
#[derive(Debug, Clone, PartialEq)]
pub struct Junction {
    /// Its node id in region [`REGION`].
    pub node: u16,
    /// Its name.
    pub name: &'static str,
    /// Its centre.
    pub centre: Point,
    /// Its signal plan's offset, seconds (a green wave along the main road).
    pub offset_s: f64,
    /// The RSU that stands at it: its id.
    pub rsu: [u8; 8],
    /// Traffic lights control it; without, the minor road gives way, and vehicles that ask
    /// pass by roadcloud's slots (CIP).
    pub signalised: bool,
}

/// The signal plan every intersection runs, seconds: for each phase in turn, green, yellow,
/// all red. Phases as in the MAP vector: 1 north-south straight and right, 2 north-south
/// left, 3 east-west straight and right, 4 east-west left.
pub const PLAN: [(u8, f64, f64, f64); 4] = [
    (1, 25.0, 3.0, 2.0),
    (2, 10.0, 3.0, 2.0),
    (3, 25.0, 3.0, 2.0),
    (4, 10.0, 3.0, 2.0),
];

/// The plan's cycle, seconds.
pub fn cycle_s() -> f64 {
    PLAN.iter().map(|(_, g, y, r)| g + y + r).sum()
}

/// An on-ramp's acceleration lane beside a flow's lanes: lane [`MERGE_LANE`], from where
/// the ramp joins to where the lane ends; its vehicles must merge into lane [`LANES`]
/// before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MergeLane {
    /// The flow it runs beside.
    pub flow: Flow,
    /// Where it begins along the flow, metres.
    pub from_m: f64,
    /// Where it ends.
    pub to_m: f64,
}

/// The acceleration lane's number: right of the flow's [`LANES`].
pub const MERGE_LANE: u8 = LANES + 1;

/// The zone's roads and intersections.
#[derive(Debug, Clone)]
pub struct Network {
    /// Its frame (origin [`ORIGIN`]).
    pub frame: LocalFrame,
    /// The roads.
    pub roads: Vec<Road>,
    /// The intersections, where the roads cross.
    pub junctions: Vec<Junction>,
    /// The on-ramp's acceleration lane, if the zone has one.
    pub merge: Option<MergeLane>,
}

impl Network {
    /// Four signalised intersections 400 m apart on two east-west and two north-south roads,
    /// each reaching 300 m beyond: Boyuan Road (60 km/h) and, to the north, Moyu Road, limited
    /// to 40 km/h past a school. 120 m east of Anhong Road (short of the road works on Moyu
    /// Road), Anzhi Road, a minor road (30 km/h) from 150 m south of Moyu Road to 300 m north
    /// of it, crosses Moyu Road without signals. An on-ramp joins Boyuan Road eastbound between Anhong Road and
    /// Anyan Road: its acceleration lane runs from 120 m to 300 m east of Anhong Road.
    pub fn anting() -> Network {
        let road = |name, axis, at_m, limit_kmh: f64| Road {
            name,
            axis,
            at_m,
            from_m: -300.0,
            to_m: 700.0,
            limit_mps: limit_kmh / 3.6,
            minor: false,
        };
        let roads = vec![
            road("Boyuan Rd", Axis::EastWest, 0.0, 60.0),
            road("Moyu Rd", Axis::EastWest, 400.0, 40.0),
            road("Anhong Rd", Axis::NorthSouth, 0.0, 60.0),
            road("Anyan Rd", Axis::NorthSouth, 400.0, 60.0),
            Road {
                from_m: 250.0,
                minor: true,
                ..road("Anzhi Rd", Axis::NorthSouth, 120.0, 30.0)
            },
        ];
        let junction = |node: u16, name, e, n, offset_s| Junction {
            node,
            name,
            centre: Point {
                east_m: e,
                north_m: n,
            },
            offset_s,
            rsu: {
                let mut id = *b"RSU-AT00";
                id[6] = b'0' + (node / 10 % 10) as u8;
                id[7] = b'0' + (node % 10) as u8;
                id
            },
            signalised: true,
        };
        let junctions = vec![
            junction(2001, "Boyuan Rd / Anhong Rd", 0.0, 0.0, 0.0),
            junction(2002, "Boyuan Rd / Anyan Rd", 400.0, 0.0, 25.0),
            junction(2003, "Moyu Rd / Anhong Rd", 0.0, 400.0, 45.0),
            junction(2004, "Moyu Rd / Anyan Rd", 400.0, 400.0, 70.0),
            Junction {
                signalised: false,
                ..junction(2005, "Moyu Rd / Anzhi Rd", 120.0, 400.0, 0.0)
            },
        ];
        Network {
            frame: LocalFrame::new(ORIGIN.0, ORIGIN.1),
            roads,
            junctions,
            // Boyuan Rd eastbound enters the zone 300 m west of Anhong Rd.
            merge: Some(MergeLane {
                flow: Flow {
                    road: 0,
                    forward: true,
                },
                from_m: 420.0,
                to_m: 600.0,
            }),
        }
    }

    /// Every flow: each road both ways.
    pub fn flows(&self) -> Vec<Flow> {
        (0..self.roads.len())
            .flat_map(|road| [true, false].map(|forward| Flow { road, forward }))
            .collect()
    }

    /// The length of a flow, metres.
    pub fn length_m(&self, f: Flow) -> f64 {
        let r = &self.roads[f.road];
        r.to_m - r.from_m
    }

    /// The unit vector of travel of a flow (east, north).
    pub fn direction(&self, f: Flow) -> (f64, f64) {
        let sign = if f.forward { 1.0 } else { -1.0 };
        match self.roads[f.road].axis {
            Axis::EastWest => (sign, 0.0),
            Axis::NorthSouth => (0.0, sign),
        }
    }

    /// The heading of a flow, degrees clockwise from north.
    pub fn heading_deg(&self, f: Flow) -> f64 {
        let (e, n) = self.direction(f);
        e.atan2(n).to_degrees().rem_euclid(360.0)
    }

    /// The point `s_m` along flow `f` (from where it enters the zone), `offset_m` to the
    /// right of the road's centre line.
    pub fn point(&self, f: Flow, s_m: f64, offset_m: f64) -> Point {
        let r = &self.roads[f.road];
        let (de, dn) = self.direction(f);
        // Right of the travel direction (east, north) is (north, -east).
        let (re, rn) = (dn, -de);
        let along = if f.forward {
            r.from_m + s_m
        } else {
            r.to_m - s_m
        };
        let (e, n) = match r.axis {
            Axis::EastWest => (along, r.at_m),
            Axis::NorthSouth => (r.at_m, along),
        };
        Point {
            east_m: e + re * offset_m,
            north_m: n + rn * offset_m,
        }
    }

    /// The centre of lane `lane` (1 leftmost) at `s_m` along flow `f`.
    pub fn lane_point(&self, f: Flow, lane: f64, s_m: f64) -> Point {
        self.point(f, s_m, (lane - 0.5) * LANE_WIDTH_M)
    }

    /// Where along flow `f` a point on its axis lies.
    fn along(&self, f: Flow, axis_m: f64) -> f64 {
        let r = &self.roads[f.road];
        if f.forward {
            axis_m - r.from_m
        } else {
            r.to_m - axis_m
        }
    }

    /// The intersections flow `f` passes, in order, each with the position of its stop line
    /// along the flow.
    pub fn stops(&self, f: Flow) -> Vec<(usize, f64)> {
        let r = &self.roads[f.road];
        let mut out: Vec<(usize, f64)> = self
            .junctions
            .iter()
            .enumerate()
            .filter_map(|(i, j)| {
                let (on, axis_m) = match r.axis {
                    Axis::EastWest => (j.centre.north_m, j.centre.east_m),
                    Axis::NorthSouth => (j.centre.east_m, j.centre.north_m),
                };
                ((on - r.at_m).abs() < 1.0).then(|| (i, self.along(f, axis_m) - STOP_LINE_M))
            })
            .collect();
        out.sort_by(|a, b| a.1.total_cmp(&b.1));
        out
    }

    /// The first junction without signals whose stop line lies ahead of `s_m` along flow
    /// `f`, and where its stop line lies.
    pub(crate) fn unsignalised_ahead(&self, f: Flow, s_m: f64) -> Option<(usize, f64)> {
        self.stops(f)
            .into_iter()
            .find(|&(j, stop)| !self.junctions[j].signalised && stop > s_m)
    }

    /// The straight-through phase of flow `f`'s approaches.
    pub fn straight_phase(&self, f: Flow) -> u8 {
        match self.roads[f.road].axis {
            Axis::NorthSouth => 1,
            Axis::EastWest => 3,
        }
    }

    /// The left-turn phase of flow `f`'s approaches.
    pub fn left_phase(&self, f: Flow) -> u8 {
        self.straight_phase(f) + 1
    }

    /// The MAP an intersection's RSU sends: its node with its four approaches.
    pub fn map(&self, junction: usize, msg_count: u8) -> csae::MapData {
        let j = &self.junctions[junction];
        let node_ref = |id: u16| csae::NodeReferenceID {
            region: Some(csae::RoadRegulatorID(REGION)),
            id: csae::NodeID(id),
        };
        let (ref_lat, ref_lon) = to_1e7(&self.frame, j.centre);
        let mut links = Vec::new();
        for f in self.flows() {
            let Some(&(_, stop)) = self.stops(f).iter().find(|(i, _)| *i == junction) else {
                continue;
            };
            // The approach starts where the previous intersection's box ends, or at the edge.
            let start = self
                .stops(f)
                .iter()
                .map(|&(_, s)| s + 2.0 * STOP_LINE_M)
                .filter(|&s| s < stop)
                .fold(0.0, f64::max);
            let centre_offset = f64::from(LANES) * LANE_WIDTH_M / 2.0;
            let offset = |p: Point| {
                let (lat, lon) = to_1e7(&self.frame, p);
                csae::RoadPoint {
                    pos_offset: csae::PositionOffsetLLV {
                        offset_ll: units::offset_ll(
                            ref_lat.into(),
                            ref_lon.into(),
                            lat.into(),
                            lon.into(),
                        ),
                        offset_v: None,
                    },
                }
            };
            let points = vec![
                offset(self.point(f, start, centre_offset)),
                offset(self.point(f, stop, centre_offset)),
            ];
            let upstream = self.neighbour(junction, f, false);
            let straight = self.neighbour(junction, f, true);
            // Turning left from flow f leads onto the crossing road's flow to the left.
            let (left_node, right_node) = self.turn_targets(junction, f);
            // Without signals no phase governs a movement, and the minor road's lanes give way
            // (DE_AllowedManeuvers bit 8, `yieldAllwaysRequired`).
            let phase = |p: u8| j.signalised.then_some(p);
            let (straight_phase, left_phase) =
                (phase(self.straight_phase(f)), phase(self.left_phase(f)));
            let gives_way: &[usize] = if !j.signalised && self.roads[f.road].minor {
                &[8]
            } else {
                &[]
            };
            let maneuvers =
                |bits: &[usize]| csae::AllowedManeuvers(csae::BitString::with_bits(12, bits));
            let connection =
                |node: u16, lane: u8, phase: Option<u8>, bit: usize| csae::Connection {
                    remote_intersection: node_ref(node),
                    connecting_lane: Some(csae::ConnectingLane {
                        lane: csae::LaneID(lane),
                        maneuver: Some(maneuvers(&[bit])),
                    }),
                    phase_id: phase.map(csae::PhaseID),
                };
            // Where the link carries the acceleration lane, every lane of it has its own
            // centre line (MAP's lane `points`): a lane without would be placed by sharing
            // the link's width among all lanes, the acceleration lane's too.
            let merge = self
                .merge
                .filter(|m| m.flow == f && start <= m.from_m && m.to_m <= stop);
            let centre = |id: u8, from: f64, to: f64| {
                csae::PointList(
                    [from, to]
                        .map(|s| offset(self.lane_point(f, f64::from(id), s)))
                        .to_vec(),
                )
            };
            let lane = |id: u8, bits: &[usize], connects: Vec<csae::Connection>| csae::Lane {
                lane_id: csae::LaneID(id),
                lane_width: Some(csae::LaneWidth((LANE_WIDTH_M * 100.0) as u16)),
                lane_attributes: Some(csae::LaneAttributes {
                    share_with: None,
                    lane_type: csae::LaneTypeAttributes::Vehicle(csae::LaneAttributesVehicle(
                        csae::BitString::with_bits(8, &[]),
                    )),
                }),
                maneuvers: Some(maneuvers(&[bits, gives_way].concat())),
                connects_to: (!connects.is_empty()).then_some(csae::ConnectsToList(connects)),
                speed_limits: None,
                points: merge.map(|_| centre(id, start, stop)),
            };
            // AllowedManeuvers: bit 0 straight, 1 left, 2 right (DE_AllowedManeuvers).
            let mut lanes = vec![
                lane(1, &[1], vec![connection(left_node, 1, left_phase, 1)]),
                lane(2, &[0], vec![connection(straight, 2, straight_phase, 0)]),
                lane(
                    3,
                    &[0, 2],
                    vec![
                        connection(straight, 3, straight_phase, 0),
                        connection(right_node, 3, None, 2),
                    ],
                ),
            ];
            // The acceleration lane leads nowhere: no connection, no manoeuvre.
            if let Some(m) = merge {
                lanes.push(csae::Lane {
                    points: Some(centre(MERGE_LANE, m.from_m, m.to_m)),
                    ..lane(MERGE_LANE, &[], Vec::new())
                });
            }
            let limit = self.roads[f.road].limit_mps;
            links.push(csae::Link {
                name: Some(csae::DescriptiveName(format!(
                    "{} {}",
                    self.roads[f.road].name,
                    compass(self.heading_deg(f))
                ))),
                upstream_node_id: node_ref(upstream),
                speed_limits: Some(csae::SpeedLimitList(vec![csae::RegulatorySpeedLimit {
                    r#type: csae::SpeedLimitType::VehicleMaxSpeed,
                    speed: units::speed_from_mps(limit),
                }])),
                link_width: csae::LaneWidth((f64::from(LANES) * LANE_WIDTH_M * 100.0) as u16),
                points: Some(csae::PointList(points)),
                movements: Some(csae::MovementList(vec![
                    csae::Movement {
                        remote_intersection: node_ref(straight),
                        phase_id: straight_phase.map(csae::PhaseID),
                    },
                    csae::Movement {
                        remote_intersection: node_ref(left_node),
                        phase_id: left_phase.map(csae::PhaseID),
                    },
                    csae::Movement {
                        remote_intersection: node_ref(right_node),
                        phase_id: None,
                    },
                ])),
                lanes: csae::LaneList(lanes),
            });
        }
        csae::MapData {
            msg_cnt: csae::MsgCount(msg_count % 128),
            time_stamp: None,
            nodes: csae::NodeList(vec![csae::Node {
                name: Some(csae::DescriptiveName(j.name.to_string())),
                id: node_ref(j.node),
                ref_pos: csae::Position3D {
                    lat: csae::Latitude(ref_lat),
                    long: csae::Longitude(ref_lon),
                    elevation: None,
                },
                in_links: Some(csae::LinkList(links)),
                in_links_ex: None,
                prohibitedzone: None,
            }]),
        }
    }

    /// The node a flow comes from (`ahead` false) or goes on to (`ahead` true) at a junction:
    /// the neighbouring intersection, or a node at the zone's edge (`9xyz`).
    pub(crate) fn neighbour(&self, junction: usize, f: Flow, ahead: bool) -> u16 {
        let stops = self.stops(f);
        let k = stops
            .iter()
            .position(|(i, _)| *i == junction)
            .expect("the flow passes the junction");
        let other = if ahead {
            stops.get(k + 1)
        } else {
            k.checked_sub(1).and_then(|k| stops.get(k))
        };
        match other {
            Some(&(i, _)) => self.junctions[i].node,
            None => edge_node(self.junctions[junction].node, self.heading_deg(f), ahead),
        }
    }

    /// Where turning left and right from flow `f` at a junction leads.
    fn turn_targets(&self, junction: usize, f: Flow) -> (u16, u16) {
        let h = self.heading_deg(f);
        let towards = |heading: f64| {
            self.flows()
                .into_iter()
                .find(|&g| {
                    (self.heading_deg(g) - heading).rem_euclid(360.0) < 1.0
                        && self.stops(g).iter().any(|(i, _)| *i == junction)
                })
                .map(|g| self.neighbour(junction, g, true))
                .unwrap_or(0)
        };
        (
            towards((h + 270.0).rem_euclid(360.0)),
            towards((h + 90.0).rem_euclid(360.0)),
        )
    }

    /// The light of `phase` at junction `j` at `t_ms` (ms since the epoch), and when it
    /// changes, ms since the epoch.
    pub fn light(&self, j: usize, phase: u8, t_ms: Millis) -> (csae::LightState, Millis) {
        let cycle_ms = (cycle_s() * 1_000.0) as Millis;
        let offset_ms = (self.junctions[j].offset_s * 1_000.0) as Millis;
        let into = (t_ms - offset_ms).rem_euclid(cycle_ms);
        let cycle_start = t_ms - into;
        let mut start = 0;
        for (id, g, y, r) in PLAN {
            let (g, y, r) = (
                (g * 1e3) as Millis,
                (y * 1e3) as Millis,
                (r * 1e3) as Millis,
            );
            if id == phase {
                let at = |ms: Millis| cycle_start + ms;
                return if into < start {
                    (csae::LightState::Red, at(start))
                } else if into < start + g {
                    (csae::LightState::ProtectedGreen, at(start + g))
                } else if into < start + g + y {
                    (csae::LightState::Yellow, at(start + g + y))
                } else {
                    (csae::LightState::Red, at(cycle_ms + start))
                };
            }
            start += g + y + r;
        }
        (csae::LightState::Dark, t_ms + cycle_ms)
    }
}

/// A node at the zone's edge, beyond junction `node` in the direction of `heading_deg` (for
/// a flow leaving, `ahead`) or behind it (a flow entering).
fn edge_node(node: u16, heading_deg: f64, ahead: bool) -> u16 {
    let h = if ahead {
        heading_deg
    } else {
        (heading_deg + 180.0).rem_euclid(360.0)
    };
    // 9 then the junction's last two digits then the side: 1 north, 2 east, 3 south, 4 west.
    9_000 + (node % 100) * 10 + ((h / 90.0).round() as u16 % 4) + 1
}

fn compass(heading_deg: f64) -> &'static str {
    ["northbound", "eastbound", "southbound", "westbound"]
        [(heading_deg / 90.0).round() as usize % 4]
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadcloud_world::LaneIndex;
    use roadcloud_world::map::intersections_from_map;

    #[test]
    fn the_map_puts_each_flow_in_its_lanes() {
        let net = Network::anting();
        let mut nodes = Vec::new();
        for j in 0..net.junctions.len() {
            let map = net.map(j, 0);
            // On the wire and back, as an RSU sends it.
            let bytes = roadcloud_csae::encode(&map).unwrap();
            let map: csae::MapData = roadcloud_csae::decode(&bytes).unwrap();
            nodes.extend(intersections_from_map(&net.frame, &map));
        }
        assert_eq!(nodes.len(), 5);
        assert!(nodes.iter().all(|x| x.links.len() == 4));
        let lanes = LaneIndex::new(nodes.iter());
        for f in net.flows() {
            for &(j, stop) in &net.stops(f) {
                for lane in 1..=3u8 {
                    let p = net.lane_point(f, f64::from(lane), stop - 30.0);
                    let m = lanes
                        .locate(p, Some(net.heading_deg(f)))
                        .unwrap_or_else(|| panic!("{f:?} lane {lane} before junction {j}"));
                    assert_eq!(m.lane.lane, lane, "{f:?} at junction {j}");
                    assert_eq!(m.lane.node.id, net.junctions[j].node);
                    assert!((m.to_stop_line_m - 30.0).abs() < 0.5, "{m:?}");
                    let limit = net.roads[f.road].limit_mps;
                    assert!(m.speed_limit_mps.is_some_and(|v| (v - limit).abs() < 0.05));
                }
            }
        }
    }

    #[test]
    fn crossing_phases_are_never_green_together() {
        let net = Network::anting();
        for j in 0..net.junctions.len() {
            for t in (0..90_000).step_by(250) {
                let green: Vec<u8> = PLAN
                    .iter()
                    .map(|p| p.0)
                    .filter(|&p| net.light(j, p, t).0 == csae::LightState::ProtectedGreen)
                    .collect();
                assert!(green.len() <= 1, "junction {j} at {t} ms: {green:?}");
                for (p, ..) in PLAN {
                    let (_, end) = net.light(j, p, t);
                    assert!(end > t && end - t <= 90_000);
                }
            }
        }
    }
}
