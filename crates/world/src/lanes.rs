//! Lane matching: which lane of MAP a participant drives in, and how far it has to the
//! lane's end (the stop line).
//!
//! Each lane becomes a centre line in the local frame. When MAP gives a lane its own points
//! (DF_Lane `points`), they are its centre line. Otherwise the centre line is derived from
//! the link's: DF_Link `points` run along the centre of the directed link (from upstream
//! towards the intersection) and `linkWidth` is its width, so the lanes share that width side
//! by side, the first of the list leftmost (innermost in right-hand traffic), each as wide
//! as its `laneWidth` (or an equal share of `linkWidth`). The reference vector
//! `map_01_anting_4arm` is drawn this way: each link's width is the sum of its lanes' widths,
//! and lane 1 is the left-turn lane.
//!
//! A participant matches a lane when it is within half the lane's width of the centre line
//! (plus a tolerance for GNSS error) and, when it moves, heads along the lane within the
//! heading gate. Among several, the nearest centre line wins.

use crate::geo::Point;
use crate::map::{Intersection, NodeId};
use crate::tracks::angle_between;

/// Metres a participant may be outside its lane's half-width and still match it: GNSS
/// error of a few decimetres and lane-keeping.
const LATERAL_TOLERANCE_M: f64 = 0.5;
/// Degrees between a moving participant's heading and the lane's direction, at most.
const HEADING_GATE_DEG: f64 = 45.0;
/// Side of the cells of the spatial index, metres.
const CELL_M: f64 = 20.0;

/// A lane: the intersection it leads into, the link's upstream node, and its `LaneID`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct LaneRef {
    /// The intersection the lane leads into.
    pub node: NodeId,
    /// The node its link comes from: with `node`, the approach (direction of travel).
    pub upstream: NodeId,
    /// `LaneID` within the link.
    pub lane: u8,
}

/// A participant matched to a lane.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LaneMatch {
    /// The lane.
    pub lane: LaneRef,
    /// Metres right (positive) or left of the lane's centre line.
    pub offset_m: f64,
    /// Metres along the centre line to its end, the stop line at the intersection.
    pub to_stop_line_m: f64,
    /// The lane's direction there, degrees clockwise from north.
    pub lane_heading_deg: f64,
    /// Whether the participant moves against the lane's direction (a wrong-way driver, or
    /// a vehicle overtaking in the oncoming lane).
    pub against: bool,
    /// The lane's speed limit (the lane's own, else the link's), m/s.
    pub speed_limit_mps: Option<f64>,
}

/// A lane's centre line and what matching needs of it.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneGeometry {
    /// Which lane.
    pub lane: LaneRef,
    /// Centre line, upstream first.
    pub centre: Vec<Point>,
    /// Width, metres.
    pub width_m: f64,
    /// Speed limit, m/s.
    pub speed_limit_mps: Option<f64>,
    /// Where it leads across its intersection: the downstream lanes MAP connects it to
    /// (DF_Connection `remoteIntersection` and `connectingLane`: the lane of the link from this
    /// intersection to the remote one), each with the way the movement turns. Only
    /// connections to lanes whose geometry is known are kept.
    pub connections: Vec<(LaneRef, Turn)>,
    /// The ways MAP says it goes where the lanes it connects to are not known (from
    /// DE_AllowedManeuvers: bit 0 straight, 1 left, 2 right, 3 U-turn); empty where MAP says
    /// nothing of where it leads (the end of the mapped road).
    pub ways_beyond: Vec<Turn>,
    /// Metres from each point of `centre` to its end.
    pub(crate) to_end_m: Vec<f64>,
}

/// Which way a movement across an intersection turns, from the directions in which its lanes
/// meet (MAP's DF_ConnectingLane `maneuver` is optional, and the geometry is always there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Within 30 degrees of straight on.
    Straight,
    /// To the left (right-hand traffic: across the oncoming lanes).
    Left,
    /// To the right.
    Right,
    /// Back, more than 150 degrees.
    UTurn,
}

impl Turn {
    /// The turn from heading `from_deg` to heading `to_deg` (degrees clockwise from north).
    pub fn between(from_deg: f64, to_deg: f64) -> Turn {
        let d = crate::tracks::turn_deg(from_deg, to_deg);
        if d.abs() <= 30.0 {
            Turn::Straight
        } else if d.abs() >= 150.0 {
            Turn::UTurn
        } else if d < 0.0 {
            Turn::Left
        } else {
            Turn::Right
        }
    }
}

impl LaneGeometry {
    fn new(lane: LaneRef, centre: Vec<Point>, width_m: f64, speed_limit_mps: Option<f64>) -> Self {
        let mut to_end_m = vec![0.0; centre.len()];
        for i in (0..centre.len().saturating_sub(1)).rev() {
            to_end_m[i] = to_end_m[i + 1] + centre[i].distance_to(centre[i + 1]);
        }
        LaneGeometry {
            lane,
            centre,
            width_m,
            speed_limit_mps,
            connections: Vec::new(),
            ways_beyond: Vec::new(),
            to_end_m,
        }
    }

    /// The direction of travel at its start and at its end, degrees clockwise from north.
    pub fn end_headings_deg(&self) -> (f64, f64) {
        let n = self.centre.len();
        (
            self.centre[0].heading_to_deg(self.centre[1]),
            self.centre[n - 2].heading_to_deg(self.centre[n - 1]),
        )
    }
}

/// The lanes of every known intersection, indexed by position.
#[derive(Debug, Clone, Default)]
pub struct LaneIndex {
    lanes: Vec<LaneGeometry>,
    by_ref: std::collections::HashMap<LaneRef, usize, foldhash::fast::RandomState>,
    /// Cell -> (lane, segment) pairs whose segment, widened by the lane's half-width,
    /// touches the cell.
    cells: std::collections::HashMap<(i32, i32), Vec<(u32, u32)>, foldhash::fast::RandomState>,
}

impl LaneIndex {
    /// The lanes of `intersections`.
    pub fn new<'a>(intersections: impl IntoIterator<Item = &'a Intersection>) -> Self {
        let mut index = LaneIndex::default();
        let mut connects = Vec::new();
        for x in intersections {
            for link in &x.links {
                let share = link.width_m / link.lanes.len().max(1) as f64;
                let widths: Vec<f64> = link
                    .lanes
                    .iter()
                    .map(|l| l.width_m.filter(|w| *w > 0.0).unwrap_or(share))
                    .collect();
                let total: f64 = widths.iter().sum();
                // The left edge of the link, as an offset to the right of its centre line.
                let mut left_edge_m = -total / 2.0;
                for (lane, &width) in link.lanes.iter().zip(&widths) {
                    let centre = if lane.points.len() >= 2 {
                        lane.points.clone()
                    } else {
                        offset_right(&link.points, left_edge_m + width / 2.0)
                    };
                    left_edge_m += width;
                    if centre.len() < 2 {
                        continue;
                    }
                    index.push(LaneGeometry::new(
                        LaneRef {
                            node: x.id,
                            upstream: link.upstream,
                            lane: lane.id,
                        },
                        centre,
                        width,
                        lane.speed_limit_mps.or(link.speed_limit_mps),
                    ));
                    connects.push((x.id, link.upstream, lane));
                }
            }
        }
        // Connections once every lane is known: a downstream lane may come in a later MAP.
        for (node, upstream, lane) in connects {
            let from = LaneRef {
                node,
                upstream,
                lane: lane.id,
            };
            let Some(&i) = index.by_ref.get(&from) else {
                continue;
            };
            let (_, end_deg) = index.lanes[i].end_headings_deg();
            let connections: Vec<(LaneRef, Turn)> = lane
                .connects_to
                .iter()
                .filter_map(|c| {
                    // The connecting lane lies on the link from this node to the remote one.
                    let down = LaneRef {
                        node: c.remote,
                        upstream: node,
                        lane: c.lane?,
                    };
                    let (start_deg, _) = index.geometry(&down)?.end_headings_deg();
                    Some((down, Turn::between(end_deg, start_deg)))
                })
                .collect();
            if connections.is_empty() {
                let bits = lane.maneuvers.unwrap_or(0);
                index.lanes[i].ways_beyond = [Turn::Straight, Turn::Left, Turn::Right, Turn::UTurn]
                    .into_iter()
                    .enumerate()
                    .filter(|(bit, _)| bits & (1 << bit) != 0)
                    .map(|(_, t)| t)
                    .collect();
            }
            index.lanes[i].connections = connections;
        }
        index
    }

    fn push(&mut self, g: LaneGeometry) {
        let li = self.lanes.len() as u32;
        let reach = g.width_m / 2.0 + LATERAL_TOLERANCE_M;
        for (si, w) in g.centre.windows(2).enumerate() {
            let (lo_e, hi_e) = (w[0].east_m.min(w[1].east_m), w[0].east_m.max(w[1].east_m));
            let (lo_n, hi_n) = (
                w[0].north_m.min(w[1].north_m),
                w[0].north_m.max(w[1].north_m),
            );
            let (c0, c1) = (cell(lo_e - reach), cell(hi_e + reach));
            let (r0, r1) = (cell(lo_n - reach), cell(hi_n + reach));
            // A lane segment is at most a few hundred metres: a bounded number of cells.
            for ce in c0..=c1 {
                for rn in r0..=r1 {
                    self.cells
                        .entry((ce, rn))
                        .or_default()
                        .push((li, si as u32));
                }
            }
        }
        self.by_ref.insert(g.lane, self.lanes.len());
        self.lanes.push(g);
    }

    /// A lane's geometry.
    pub fn geometry(&self, lane: &LaneRef) -> Option<&LaneGeometry> {
        self.by_ref.get(lane).map(|&i| &self.lanes[i])
    }

    /// Every lane.
    pub fn lanes(&self) -> &[LaneGeometry] {
        &self.lanes
    }

    /// Whether no lane is known.
    pub fn is_empty(&self) -> bool {
        self.lanes.is_empty()
    }

    /// Where `p` lies along `lane`: metres along its centre line to its end, and metres right
    /// (positive) or left of the centre line, from the nearest point of the centre line
    /// whatever the distance (a vehicle in the next lane has its place along this one).
    pub fn project(&self, lane: &LaneRef, p: Point) -> Option<(f64, f64)> {
        let g = self.geometry(lane)?;
        let mut best: Option<(f64, f64, f64)> = None;
        for (si, w) in g.centre.windows(2).enumerate() {
            let Some((foot, side, _)) = foot_on(w[0], w[1], p) else {
                continue;
            };
            let distance = foot.distance_to(p);
            if best.is_none_or(|(d, _, _)| distance < d) {
                best = Some((
                    distance,
                    g.to_end_m[si + 1] + foot.distance_to(w[1]),
                    -side * distance,
                ));
            }
        }
        best.map(|(_, to_end_m, offset_m)| (to_end_m, offset_m))
    }

    /// Whether `lane` ends where its link goes on: it leads nowhere (no connection, no
    /// manoeuvre) while another lane of its link leads on. An on-ramp's acceleration lane is
    /// one: its vehicles must merge before its end.
    pub fn ends(&self, lane: &LaneRef) -> bool {
        let leads_on = |g: &LaneGeometry| !g.connections.is_empty() || !g.ways_beyond.is_empty();
        self.geometry(lane).is_some_and(|g| !leads_on(g))
            && self.lanes.iter().any(|g| {
                g.lane.node == lane.node
                    && g.lane.upstream == lane.upstream
                    && g.lane.lane != lane.lane
                    && leads_on(g)
            })
    }

    /// The lane a participant at `p` heading `heading_deg` (when it moves) drives in.
    pub fn locate(&self, p: Point, heading_deg: Option<f64>) -> Option<LaneMatch> {
        let candidates = self.cells.get(&(cell(p.east_m), cell(p.north_m)))?;
        let mut best: Option<(f64, LaneMatch)> = None;
        for &(li, si) in candidates {
            let g = &self.lanes[li as usize];
            let (a, b) = (g.centre[si as usize], g.centre[si as usize + 1]);
            let Some((foot, side, _)) = foot_on(a, b, p) else {
                continue;
            };
            let distance = foot.distance_to(p);
            if distance > g.width_m / 2.0 + LATERAL_TOLERANCE_M {
                continue;
            }
            let lane_heading_deg = a.heading_to_deg(b);
            let against = match heading_deg {
                Some(h) => {
                    let off = angle_between(h, lane_heading_deg);
                    if off > HEADING_GATE_DEG && off < 180.0 - HEADING_GATE_DEG {
                        // Crossing the lane, not driving in it.
                        continue;
                    }
                    off >= 180.0 - HEADING_GATE_DEG
                }
                None => false,
            };
            let m = LaneMatch {
                lane: g.lane,
                offset_m: -side * distance,
                to_stop_line_m: g.to_end_m[si as usize + 1] + foot.distance_to(b),
                lane_heading_deg,
                against,
                speed_limit_mps: g.speed_limit_mps,
            };
            // A participant driving with the lane beats one driving against it at the same
            // distance.
            let score = distance + if against { 1.0 } else { 0.0 };
            if best.as_ref().is_none_or(|(s, _)| score < *s) {
                best = Some((score, m));
            }
        }
        best.map(|(_, m)| m)
    }
}

/// The point of segment `a`-`b` nearest `p`, which side of the segment `p` lies (the sign
/// of the cross product, negative to the right of the direction of travel) and how far along
/// the segment the point is (0 at `a`, 1 at `b`). None for a segment of no length.
pub(crate) fn foot_on(a: Point, b: Point, p: Point) -> Option<(Point, f64, f64)> {
    let (de, dn) = (b.east_m - a.east_m, b.north_m - a.north_m);
    let len2 = de * de + dn * dn;
    if len2 == 0.0 {
        return None;
    }
    let t = (((p.east_m - a.east_m) * de + (p.north_m - a.north_m) * dn) / len2).clamp(0.0, 1.0);
    let foot = Point {
        east_m: a.east_m + t * de,
        north_m: a.north_m + t * dn,
    };
    Some((
        foot,
        (de * (p.north_m - a.north_m) - dn * (p.east_m - a.east_m)).signum(),
        t,
    ))
}

fn cell(x: f64) -> i32 {
    (x / CELL_M).floor() as i32
}

/// `line` moved `d` metres to the right of its direction of travel: each point along the
/// mean of the normals of the segments that meet there.
fn offset_right(line: &[Point], d: f64) -> Vec<Point> {
    let normal = |a: Point, b: Point| {
        let (de, dn) = (b.east_m - a.east_m, b.north_m - a.north_m);
        let len = de.hypot(dn);
        if len == 0.0 {
            (0.0, 0.0)
        } else {
            // Heading vector (de, dn) turned 90 degrees clockwise.
            (dn / len, -de / len)
        }
    };
    (0..line.len())
        .map(|i| {
            let before = (i > 0).then(|| normal(line[i - 1], line[i]));
            let after = (i + 1 < line.len()).then(|| normal(line[i], line[i + 1]));
            let (ne, nn) = match (before, after) {
                (Some(x), Some(y)) => {
                    let (e, n) = (x.0 + y.0, x.1 + y.1);
                    let len = e.hypot(n);
                    if len == 0.0 { x } else { (e / len, n / len) }
                }
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) => (0.0, 0.0),
            };
            Point {
                east_m: line[i].east_m + d * ne,
                north_m: line[i].north_m + d * nn,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::{Lane, Link};

    fn p(east_m: f64, north_m: f64) -> Point {
        Point { east_m, north_m }
    }

    /// A southbound approach from 200 m north into node 1 at the origin, three lanes of
    /// 3.5 m, 50 km/h on the link.
    fn southbound() -> Intersection {
        let lane = |id| Lane {
            id,
            width_m: Some(3.5),
            maneuvers: None,
            points: Vec::new(),
            connects_to: Vec::new(),
            speed_limit_mps: None,
        };
        Intersection {
            id: NodeId { region: 1, id: 1 },
            name: None,
            position: p(0.0, 0.0),
            position_1e7: (0, 0),
            links: vec![Link {
                name: None,
                upstream: NodeId { region: 1, id: 2 },
                width_m: 10.5,
                points: vec![p(0.0, 200.0), p(0.0, 100.0), p(0.0, 10.0)],
                speed_limit_mps: Some(13.89),
                lanes: vec![lane(1), lane(2), lane(3)],
            }],
        }
    }

    #[test]
    fn lanes_share_the_link_width_leftmost_first() {
        let index = LaneIndex::new([&southbound()]);
        // Driving south, left is east: lane 1 centred 3.5 m east of the link's centre line,
        // lane 2 on it, lane 3 3.5 m west.
        let m = index.locate(p(3.35, 50.0), Some(180.0)).expect("lane 1");
        assert_eq!(m.lane.lane, 1);
        assert!((m.offset_m - 0.15).abs() < 1e-9, "{}", m.offset_m);
        assert!((m.to_stop_line_m - 40.0).abs() < 1e-9);
        assert_eq!(m.lane_heading_deg, 180.0);
        assert!(!m.against);
        assert_eq!(m.speed_limit_mps, Some(13.89));
        let m = index.locate(p(-3.0, 150.0), Some(181.0)).expect("lane 3");
        assert_eq!(m.lane.lane, 3);
        assert!((m.to_stop_line_m - 140.0).abs() < 1e-9);
    }

    #[test]
    fn off_the_lanes_crossing_them_or_past_the_stop_line_is_no_match() {
        let index = LaneIndex::new([&southbound()]);
        // Beyond the link's west edge.
        assert_eq!(index.locate(p(-6.0, 50.0), Some(180.0)), None);
        // Crossing the lanes westward.
        assert_eq!(index.locate(p(-1.0, 50.0), Some(270.0)), None);
        // In the intersection, beyond the stop line.
        assert_eq!(index.locate(p(-5.0, -5.0), Some(180.0)), None);
    }

    #[test]
    fn driving_against_the_lane_is_flagged_and_standing_still_matches() {
        let index = LaneIndex::new([&southbound()]);
        let m = index.locate(p(0.5, 50.0), Some(2.0)).expect("lane 2");
        assert_eq!(m.lane.lane, 2);
        assert!(m.against);
        let m = index.locate(p(0.5, 50.0), None).expect("lane 2");
        assert!(!m.against);
    }
}
