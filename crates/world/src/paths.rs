//! Predicted paths: where a vehicle will drive in the next seconds, along its MAP lane, across
//! its intersection on the connection it will take, and on along the lane it leads to.
//!
//! A vehicle in a left-turn lane follows the turn, not the straight line of its heading. Which
//! connection a vehicle takes is read, in this order, from its turn signal (DE_ExteriorLights
//! `leftTurnSignalOn` / `rightTurnSignalOn`, T/CSAE 53-2020), from the one way its lane
//! allows, or straight on where that is one of the ways. A lane with several ways and no
//! signal to choose between them, or a signal for a way the lane does not go (a lane change
//! ahead, perhaps into a turning lane), gives a path that ends at its stop line: beyond it
//! nothing is known, and a conflict there is not predicted (better silent than a guess).
//!
//! Across the intersection the path is a quadratic Bézier curve from the lane's end to the
//! downstream lane's start, its control point where the two lanes' directions meet: the arc
//! a driver takes, close enough for a conflict test at vehicle scale.

use crate::geo::Point;
use crate::lanes::{LaneGeometry, LaneIndex, LaneMatch, LaneRef, Turn};
use crate::tracks::angle_between;

/// Points on the curve across an intersection.
const CURVE_SEGMENTS: usize = 8;
/// How far from a connection's curve a vehicle in the intersection may be and still be taken
/// to follow it, metres.
const ON_CURVE_M: f64 = 3.0;
/// How far a vehicle in the intersection may head off a connection's curve where it passes
/// by and still be taken to follow it, degrees.
const ON_CURVE_DEG: f64 = 30.0;
/// How much nearer a vehicle in the intersection must be to one connection's curve than to
/// another's that turns another way for the path to follow it, metres: where the curves
/// leave a lane together (a left turn and a U-turn, straight on and a right turn) the
/// vehicle's place does not tell them apart, and a guessed way makes conflicts that are not.
const CURVE_CHOICE_M: f64 = 1.0;

/// A turn signal that is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Left turn signal.
    Left,
    /// Right turn signal.
    Right,
}

impl Signal {
    /// The ways a driver signalling so may take at the intersection ahead, in the order to
    /// take them when a lane allows several (DE_ExteriorLights has one left turn signal for
    /// a left turn and a U-turn).
    pub fn turns(self) -> &'static [Turn] {
        match self {
            Signal::Left => &[Turn::Left, Turn::UTurn],
            Signal::Right => &[Turn::Right],
        }
    }
}

/// Where a vehicle's path starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Start {
    /// In a lane, matched by [`LaneIndex::locate`].
    InLane(LaneMatch),
    /// In an intersection, having left this lane (its last match) on one of its connections,
    /// heading this way (when known).
    Leaving {
        /// The lane it left.
        lane: LaneRef,
        /// Its heading, degrees clockwise from north.
        heading_deg: Option<f64>,
    },
}

/// A predicted path, from the vehicle on.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    points: Vec<Point>,
    /// Metres along the path at each point.
    s_m: Vec<f64>,
    /// The lanes it drives along, each with the metres along the path at which it enters it
    /// (0 for the lane it is in).
    lanes: Vec<(LaneRef, f64)>,
    /// The way it turns at the intersection ahead, when it is known.
    pub turn: Option<Turn>,
}

/// Where two paths meet: the first point of the first path that the second also passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Meeting {
    /// Metres along the first path.
    pub s_m: f64,
    /// Metres along the second path.
    pub other_s_m: f64,
    /// Whether the paths merge into one lane there (rather than cross).
    pub merge: bool,
    /// The angle between the paths there, degrees (0 for a merge).
    pub angle_deg: f64,
}

impl Path {
    /// A straight line from `from` along `heading_deg` for `length_m`: the path of a vehicle
    /// no MAP places.
    pub fn straight(from: Point, heading_deg: f64, length_m: f64) -> Path {
        let (s, c) = heading_deg.to_radians().sin_cos();
        let to = Point {
            east_m: from.east_m + s * length_m,
            north_m: from.north_m + c * length_m,
        };
        Path {
            points: vec![from, to],
            s_m: vec![0.0, length_m],
            lanes: Vec::new(),
            turn: None,
        }
    }

    /// Its points, from the vehicle on.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// Its length, metres.
    pub fn length_m(&self) -> f64 {
        self.s_m.last().copied().unwrap_or(0.0)
    }

    /// The lanes it drives along, with the metres at which it enters each.
    pub fn lanes(&self) -> &[(LaneRef, f64)] {
        &self.lanes
    }

    /// Where `p` lies beside the path: metres along it to the nearest point of it, and
    /// metres from there to `p`; None when that nearest point is the path's start and `p`
    /// lies behind it (a place behind the vehicle is not on its way).
    pub fn locate(&self, p: Point) -> Option<(f64, f64)> {
        let mut best: Option<(f64, f64)> = None;
        for (k, w) in self.points.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            let behind = (p.east_m - a.east_m) * (b.east_m - a.east_m)
                + (p.north_m - a.north_m) * (b.north_m - a.north_m)
                < 0.0;
            if k == 0 && behind {
                // Behind the start: only the rest of the path may hold it.
                continue;
            }
            let Some((foot, _, _)) = crate::lanes::foot_on(a, b, p) else {
                continue;
            };
            let off = foot.distance_to(p);
            if best.is_none_or(|(_, o)| off < o) {
                best = Some((self.s_m[k] + foot.distance_to(a), off));
            }
        }
        best
    }

    /// Whether the two paths start in one lane, or one drives into the lane the other is in:
    /// the one follows the other, and their conflict is a rear-end one, not a crossing.
    pub fn follows_or_leads(&self, other: &Path) -> bool {
        let first = |p: &Path| p.lanes.first().map(|(l, _)| *l);
        let has =
            |p: &Path, l: Option<LaneRef>| l.is_some_and(|l| p.lanes.iter().any(|x| x.0 == l));
        has(other, first(self)) || has(self, first(other))
    }

    /// Where this path first meets `other`: the first crossing of the two lines, or the start
    /// of a lane both enter from different lanes (a merge), whichever comes first along this
    /// path. None when they do not meet, or one follows the other ([`Path::follows_or_leads`]).
    pub fn meets(&self, other: &Path) -> Option<Meeting> {
        if self.follows_or_leads(other) {
            return None;
        }
        let merge = self.lanes.iter().skip(1).find_map(|&(lane, s_m)| {
            let &(_, other_s_m) = other.lanes.iter().skip(1).find(|(l, _)| *l == lane)?;
            Some(Meeting {
                s_m,
                other_s_m,
                merge: true,
                angle_deg: 0.0,
            })
        });
        let limit = merge.map_or(f64::INFINITY, |m| m.s_m);
        let (lo, hi) = bounds(&other.points);
        for i in 0..self.points.len().saturating_sub(1) {
            if self.s_m[i] > limit {
                break;
            }
            let (a, b) = (self.points[i], self.points[i + 1]);
            if a.east_m.max(b.east_m) < lo.east_m
                || a.east_m.min(b.east_m) > hi.east_m
                || a.north_m.max(b.north_m) < lo.north_m
                || a.north_m.min(b.north_m) > hi.north_m
            {
                continue;
            }
            for j in 0..other.points.len().saturating_sub(1) {
                let (c, d) = (other.points[j], other.points[j + 1]);
                if let Some((u, v)) = segments_cross(a, b, c, d) {
                    let s_m = self.s_m[i] + u * (self.s_m[i + 1] - self.s_m[i]);
                    // At the merge point itself the merge is what happens.
                    if s_m >= limit {
                        break;
                    }
                    return Some(Meeting {
                        s_m,
                        other_s_m: other.s_m[j] + v * (other.s_m[j + 1] - other.s_m[j]),
                        merge: false,
                        angle_deg: angle_between(a.heading_to_deg(b), c.heading_to_deg(d)),
                    });
                }
            }
        }
        merge
    }

    fn push(&mut self, p: Point) {
        match self.points.last() {
            Some(&last) => {
                let d = last.distance_to(p);
                if d < 1e-6 {
                    return;
                }
                self.s_m.push(self.length_m() + d);
            }
            None => self.s_m.push(0.0),
        }
        self.points.push(p);
    }
}

fn bounds(points: &[Point]) -> (Point, Point) {
    points.iter().fold(
        (
            Point {
                east_m: f64::INFINITY,
                north_m: f64::INFINITY,
            },
            Point {
                east_m: f64::NEG_INFINITY,
                north_m: f64::NEG_INFINITY,
            },
        ),
        |(lo, hi), p| {
            (
                Point {
                    east_m: lo.east_m.min(p.east_m),
                    north_m: lo.north_m.min(p.north_m),
                },
                Point {
                    east_m: hi.east_m.max(p.east_m),
                    north_m: hi.north_m.max(p.north_m),
                },
            )
        },
    )
}

/// Where segment a-b crosses segment c-d, as fractions along each; None when they do not
/// cross or are parallel (a shared stretch is a merge, found from the lanes).
fn segments_cross(a: Point, b: Point, c: Point, d: Point) -> Option<(f64, f64)> {
    let (r_e, r_n) = (b.east_m - a.east_m, b.north_m - a.north_m);
    let (s_e, s_n) = (d.east_m - c.east_m, d.north_m - c.north_m);
    let denom = r_e * s_n - r_n * s_e;
    if denom.abs() < 1e-9 {
        return None;
    }
    let (q_e, q_n) = (c.east_m - a.east_m, c.north_m - a.north_m);
    let u = (q_e * s_n - q_n * s_e) / denom;
    let v = (q_e * r_n - q_n * r_e) / denom;
    ((0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v)).then_some((u, v))
}

/// The distance between segments `a`-`b` and `c`-`d`, and how far along each (0 to 1) their
/// closest points lie: where they cross (distance 0), else an end of one and its foot on the
/// other.
pub fn segments_closest(a: Point, b: Point, c: Point, d: Point) -> (f64, f64, f64) {
    if let Some((u, v)) = segments_cross(a, b, c, d) {
        return (0.0, u, v);
    }
    // The distance from `p` to segment `x`-`y` and how far along it its foot lies.
    let foot = |p: Point, x: Point, y: Point| match crate::lanes::foot_on(x, y, p) {
        Some((q, _, f)) => (p.distance_to(q), f),
        None => (p.distance_to(x), 0.0),
    };
    let ends = [
        (foot(a, c, d), false, 0.0),
        (foot(b, c, d), false, 1.0),
        (foot(c, a, b), true, 0.0),
        (foot(d, a, b), true, 1.0),
    ];
    ends.into_iter()
        .map(|((dist, f), on_ab, end)| {
            if on_ab {
                (dist, f, end)
            } else {
                (dist, end, f)
            }
        })
        .min_by(|x, y| x.0.total_cmp(&y.0))
        .expect("four ends")
}

/// Which of a lane's ways on a vehicle takes (see the module's doc): `options` are its
/// connections, or its ways where the lanes beyond are unknown.
pub fn choose<T: Copy + PartialEq>(
    options: &[(T, Turn)],
    signal: Option<Signal>,
) -> Option<(T, Turn)> {
    let first = |turns: &[Turn]| {
        turns
            .iter()
            .find_map(|t| options.iter().find(|(_, x)| x == t).copied())
    };
    match signal {
        // A signal for a way the lane does not go announces a lane change, perhaps into a
        // lane that turns: the way on is not known.
        Some(signal) => first(signal.turns()),
        None => first(&[Turn::Straight]).or_else(|| {
            let (&(to, turn), rest) = options.split_first()?;
            rest.iter().all(|(_, t)| *t == turn).then_some((to, turn))
        }),
    }
}

/// The curve across an intersection from the end of `from` to the start of `to`.
fn curve(from: &LaneGeometry, to: &LaneGeometry) -> [Point; CURVE_SEGMENTS + 1] {
    let (_, end_deg) = from.end_headings_deg();
    let (start_deg, _) = to.end_headings_deg();
    turn_curve(
        (from.centre[from.centre.len() - 1], end_deg),
        (to.centre[0], start_deg),
    )
}

/// `N` points of the curve across an intersection from `from`, heading `from_deg`, to `to`,
/// heading `to_deg` (degrees clockwise from north): a quadratic Bézier whose control point is
/// where the two headings' lines meet ahead of `from` and behind `to`, or the midpoint where
/// they do not (straight on, or back).
pub fn turn_curve<const N: usize>(
    (p0, from_deg): (Point, f64),
    (p2, to_deg): (Point, f64),
) -> [Point; N] {
    let (u, w) = (
        from_deg.to_radians().sin_cos(),
        to_deg.to_radians().sin_cos(),
    );
    // p0 + s * u = p2 - t * w, both forward: s * u + t * w = p2 - p0, by Cramer's rule.
    let denom = u.0 * w.1 - u.1 * w.0;
    let (de, dn) = (p2.east_m - p0.east_m, p2.north_m - p0.north_m);
    let mid = Point {
        east_m: (p0.east_m + p2.east_m) / 2.0,
        north_m: (p0.north_m + p2.north_m) / 2.0,
    };
    let p1 = if denom.abs() < 1e-6 {
        mid
    } else {
        let s = (de * w.1 - dn * w.0) / denom;
        let t = (u.0 * dn - u.1 * de) / denom;
        if s > 0.0 && t > 0.0 {
            Point {
                east_m: p0.east_m + s * u.0,
                north_m: p0.north_m + s * u.1,
            }
        } else {
            mid
        }
    };
    std::array::from_fn(|i| {
        let t = i as f64 / (N.max(2) - 1) as f64;
        let (a, b, c) = ((1.0 - t) * (1.0 - t), 2.0 * (1.0 - t) * t, t * t);
        Point {
            east_m: a * p0.east_m + b * p1.east_m + c * p2.east_m,
            north_m: a * p0.north_m + b * p1.north_m + c * p2.north_m,
        }
    })
}

/// The connection of lane `g` that a vehicle at `at` in the intersection is on, and the rest
/// of its curve: one whose curve passes within [`ON_CURVE_M`], headed within [`ON_CURVE_DEG`]
/// of the vehicle's heading, going the way its turn signal says when one of them does; None
/// when no curve fits, or two that turn different ways fit about as well
/// ([`CURVE_CHOICE_M`]).
fn leaving_on(
    index: &LaneIndex,
    g: &LaneGeometry,
    at: Point,
    heading_deg: Option<f64>,
    signal: Option<Signal>,
) -> Option<(LaneRef, Turn, Vec<Point>)> {
    struct Fit {
        distance_m: f64,
        down: LaneRef,
        turn: Turn,
        curve: [Point; CURVE_SEGMENTS + 1],
        /// The curve's point nearest the vehicle.
        nearest: usize,
    }
    let mut fits: Vec<Fit> = g
        .connections
        .iter()
        .filter_map(|&(down, turn)| {
            let c = curve(g, index.geometry(&down)?);
            let (i, d) = c
                .iter()
                .enumerate()
                .map(|(i, p)| (i, p.distance_to(at)))
                .min_by(|a, b| a.1.total_cmp(&b.1))?;
            let tangent_deg = if i + 1 < c.len() {
                c[i].heading_to_deg(c[i + 1])
            } else {
                c[i - 1].heading_to_deg(c[i])
            };
            let heading_fits =
                heading_deg.is_none_or(|h| angle_between(h, tangent_deg) <= ON_CURVE_DEG);
            (d <= ON_CURVE_M && heading_fits).then_some(Fit {
                distance_m: d,
                down,
                turn,
                curve: c,
                nearest: i,
            })
        })
        .collect();
    let signalled = signal.map_or(&[][..], Signal::turns);
    if fits.iter().any(|f| signalled.contains(&f.turn)) {
        fits.retain(|f| signalled.contains(&f.turn));
    }
    fits.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    let mut fits = fits.into_iter();
    let best = fits.next()?;
    if fits.any(|f| f.turn != best.turn && f.distance_m - best.distance_m < CURVE_CHOICE_M) {
        return None;
    }
    Some((
        best.down,
        best.turn,
        best.curve[best.nearest + 1..].to_vec(),
    ))
}

impl LaneIndex {
    /// The path of a vehicle at `from`, `length_m` long at most (see the module's doc); None
    /// when `start`'s lane is unknown, or a vehicle in an intersection is on none of its
    /// lane's connections.
    pub fn path(
        &self,
        from: Point,
        start: Start,
        signal: Option<Signal>,
        length_m: f64,
    ) -> Option<Path> {
        let mut path = Path {
            points: Vec::with_capacity(64),
            s_m: Vec::with_capacity(64),
            lanes: Vec::with_capacity(3),
            turn: None,
        };
        path.push(from);
        let mut signal = signal;
        let mut lane = match start {
            Start::InLane(m) => {
                let g = self.geometry(&m.lane)?;
                path.lanes.push((m.lane, 0.0));
                // The centre line's points still ahead.
                for (i, &p) in g.centre.iter().enumerate() {
                    if g.to_end_m[i] < m.to_stop_line_m {
                        path.push(p);
                    }
                }
                g
            }
            Start::Leaving { lane, heading_deg } => {
                let g = self.geometry(&lane)?;
                // The turn signal was for this intersection's way.
                let (down, turn, rest) = leaving_on(self, g, from, heading_deg, signal.take())?;
                path.turn = Some(turn);
                for p in rest {
                    path.push(p);
                }
                let g = self.geometry(&down)?;
                let s = path.length_m();
                path.lanes.push((down, s));
                for &p in &g.centre[1..] {
                    path.push(p);
                }
                g
            }
        };
        // On across intersections while the way on is known: the signal tells the first turn
        // only.
        while path.length_m() < length_m && path.lanes.len() < 4 {
            let signal = signal.take();
            if lane.connections.is_empty() {
                // Where the lanes beyond are unknown, the way is known only as a turn: straight
                // on goes on as the lane points, a turn's path ends here. Where MAP says
                // nothing of where the lane leads, the mapped road ends and the road goes on.
                let ways: Vec<((), Turn)> = lane.ways_beyond.iter().map(|&t| ((), t)).collect();
                let way = if ways.is_empty() {
                    Some(Turn::Straight)
                } else {
                    choose(&ways, signal).map(|(_, t)| t)
                };
                if path.turn.is_none() {
                    path.turn = way;
                }
                if way == Some(Turn::Straight) {
                    let (_, end_deg) = lane.end_headings_deg();
                    let last = *path.points.last()?;
                    let rest = length_m - path.length_m();
                    let on = Path::straight(last, end_deg, rest);
                    path.push(on.points[1]);
                }
                break;
            }
            let Some((down, turn)) = choose(&lane.connections, signal) else {
                break;
            };
            let Some(next) = self.geometry(&down) else {
                break;
            };
            if path.turn.is_none() {
                path.turn = Some(turn);
            }
            for p in &curve(lane, next)[1..] {
                path.push(*p);
            }
            let s = path.length_m();
            path.lanes.push((down, s));
            for &p in &next.centre[1..] {
                path.push(p);
            }
            lane = next;
        }
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::{Connection, Intersection, Lane, Link, NodeId};

    fn p(east_m: f64, north_m: f64) -> Point {
        Point { east_m, north_m }
    }

    fn node(id: u16) -> NodeId {
        NodeId { region: 1, id }
    }

    fn lane(id: u8, points: Vec<Point>, connects_to: Vec<Connection>) -> Lane {
        Lane {
            id,
            width_m: Some(3.5),
            maneuvers: None,
            points,
            connects_to,
            speed_limit_mps: None,
        }
    }

    fn to(remote: u16, lane: u8) -> Connection {
        Connection {
            remote: node(remote),
            lane: Some(lane),
            phase: None,
        }
    }

    fn link(upstream: u16, lanes: Vec<Lane>) -> Link {
        Link {
            name: None,
            upstream: node(upstream),
            width_m: 3.5 * lanes.len() as f64,
            points: Vec::new(),
            speed_limit_mps: None,
            lanes,
        }
    }

    /// A crossroads, node 1 at the origin, with four neighbours 100 m away (2 north, 3 east,
    /// 4 south, 5 west). From the south: lane 1 turns left (to the west), lane 2 goes
    /// straight or right. From the west: lane 1 goes straight on east.
    fn crossroads() -> Vec<Intersection> {
        let x = |id, position, links| Intersection {
            id: node(id),
            name: None,
            position,
            position_1e7: (0, 0),
            links,
        };
        vec![
            x(
                1,
                p(0.0, 0.0),
                vec![
                    link(
                        4,
                        vec![
                            lane(1, vec![p(-1.75, -100.0), p(-1.75, -10.0)], vec![to(5, 1)]),
                            lane(
                                2,
                                vec![p(1.75, -100.0), p(1.75, -10.0)],
                                vec![to(2, 1), to(3, 1)],
                            ),
                        ],
                    ),
                    link(
                        5,
                        vec![lane(
                            1,
                            vec![p(-100.0, -1.75), p(-10.0, -1.75)],
                            vec![to(3, 1)],
                        )],
                    ),
                ],
            ),
            // The lanes leaving node 1, as the neighbours' MAPs have them.
            x(
                2,
                p(0.0, 100.0),
                vec![link(
                    1,
                    vec![lane(1, vec![p(1.75, 10.0), p(1.75, 90.0)], vec![])],
                )],
            ),
            x(
                3,
                p(100.0, 0.0),
                vec![link(
                    1,
                    vec![lane(1, vec![p(10.0, -1.75), p(90.0, -1.75)], vec![])],
                )],
            ),
            x(
                5,
                p(-100.0, 0.0),
                vec![link(
                    1,
                    vec![lane(1, vec![p(-10.0, 1.75), p(-90.0, 1.75)], vec![])],
                )],
            ),
        ]
    }

    fn start(index: &LaneIndex, at: Point, heading: f64) -> Start {
        Start::InLane(index.locate(at, Some(heading)).expect("in a lane"))
    }

    #[test]
    fn connections_know_their_turn() {
        let xs = crossroads();
        let index = LaneIndex::new(&xs);
        let from_south = |l| LaneRef {
            node: node(1),
            upstream: node(4),
            lane: l,
        };
        let turns = |l| {
            index
                .geometry(&from_south(l))
                .unwrap()
                .connections
                .iter()
                .map(|c| c.1)
                .collect::<Vec<_>>()
        };
        assert_eq!(turns(1), vec![Turn::Left]);
        assert_eq!(turns(2), vec![Turn::Straight, Turn::Right]);
    }

    #[test]
    fn a_left_turn_lane_follows_the_turn_and_crosses_the_oncoming_path() {
        let xs = crossroads();
        let index = LaneIndex::new(&xs);
        let at = p(-1.75, -40.0);
        let path = index.path(at, start(&index, at, 0.0), None, 80.0).unwrap();
        assert_eq!(path.turn, Some(Turn::Left));
        // It ends west of the junction, on the westbound lane.
        let end = *path.points().last().unwrap();
        assert!(
            end.east_m < -10.0 && (end.north_m - 1.75).abs() < 0.5,
            "{end:?}"
        );
        // The straight-on traffic from the west crosses it in the junction.
        let w = p(-40.0, -1.75);
        let west = index.path(w, start(&index, w, 90.0), None, 80.0).unwrap();
        assert_eq!(west.turn, Some(Turn::Straight));
        let m = path.meets(&west).expect("the paths cross");
        assert!(!m.merge);
        assert!(m.s_m > 30.0 && m.s_m < 45.0, "{m:?}");
        assert!(m.other_s_m > 30.0 && m.other_s_m < 45.0, "{m:?}");
    }

    #[test]
    fn the_signal_chooses_the_way_and_no_signal_means_straight_on() {
        let xs = crossroads();
        let index = LaneIndex::new(&xs);
        let at = p(1.75, -40.0);
        let s = start(&index, at, 0.0);
        let straight = index.path(at, s, None, 80.0).unwrap();
        assert_eq!(straight.turn, Some(Turn::Straight));
        let right = index.path(at, s, Some(Signal::Right), 80.0).unwrap();
        assert_eq!(right.turn, Some(Turn::Right));
        // Turning right from the south merges with the traffic from the west going east.
        let w = p(-40.0, -1.75);
        let west = index.path(w, start(&index, w, 90.0), None, 80.0).unwrap();
        let m = right.meets(&west).expect("they merge");
        assert!(m.merge);
        assert!(straight.meets(&west).is_some_and(|m| !m.merge));
        // Left signal on a lane with no left turn: a lane change, and the way on unknown;
        // the path ends at the stop line, 30 m on.
        let left = index.path(at, s, Some(Signal::Left), 80.0).unwrap();
        assert_eq!(left.turn, None);
        assert!((left.length_m() - 30.0).abs() < 1e-9, "{}", left.length_m());
    }

    #[test]
    fn in_the_intersection_the_path_follows_the_connection_it_is_on() {
        let xs = crossroads();
        let index = LaneIndex::new(&xs);
        let lane = LaneRef {
            node: node(1),
            upstream: node(4),
            lane: 2,
        };
        // Halfway round the right turn.
        let g = index.geometry(&lane).unwrap();
        let down = g.connections.iter().find(|c| c.1 == Turn::Right).unwrap().0;
        let c = curve(g, index.geometry(&down).unwrap());
        // The arc bends towards the corner where the two lanes' lines meet, (1.75, -1.75):
        // its middle is a quarter of the way from the chord's middle to there.
        assert!(c[4].distance_to(p(3.8125, -3.8125)) < 1e-9, "{:?}", c[4]);
        let leaving = |heading| Start::Leaving {
            lane,
            heading_deg: Some(heading),
        };
        let along = c[4].heading_to_deg(c[5]);
        let path = index.path(c[4], leaving(along), None, 50.0).unwrap();
        assert_eq!(path.turn, Some(Turn::Right));
        assert_eq!(path.lanes()[0].0, down);
        // There, heading back south-west: on neither curve.
        assert!(index.path(c[4], leaving(225.0), None, 50.0).is_none());
        // Far from every connection: no path.
        assert!(
            index
                .path(p(30.0, 30.0), leaving(along), None, 50.0)
                .is_none()
        );
        // Just past the stop line, where the right turn and straight on have not parted yet:
        // the place does not tell which, and nothing is predicted; the right turn signal does.
        let early = p(1.85, -8.0);
        assert!(index.path(early, leaving(5.0), None, 50.0).is_none());
        let signalled = index
            .path(early, leaving(5.0), Some(Signal::Right), 50.0)
            .unwrap();
        assert_eq!(signalled.turn, Some(Turn::Right));
    }

    #[test]
    fn vehicles_in_one_lane_follow_each_other_and_do_not_meet() {
        let xs = crossroads();
        let index = LaneIndex::new(&xs);
        let (a, b) = (p(-1.75, -60.0), p(-1.75, -30.0));
        let pa = index.path(a, start(&index, a, 0.0), None, 80.0).unwrap();
        let pb = index.path(b, start(&index, b, 0.0), None, 80.0).unwrap();
        assert!(pa.follows_or_leads(&pb));
        assert_eq!(pa.meets(&pb), None);
    }
}
