//! CIP, cooperative intersection passing (T/CSAE 157-2020, the no-signal intersection
//! passing scenario, the RSC's `no-signalIntersectionPassing` coordination): the vehicles
//! coming to a junction without signals say how they will pass it (a VIR whose
//! `currentBehavior` is intersectionStraightThrough, -TurnLeft, -TurnRight or -UTurn); the
//! cloud puts them in a crossing order and gives each a time to enter the junction and the
//! speed that brings it there then.
//!
//! Principle ([`schedule`], a pure rule tested from tables):
//! - Each vehicle's earliest entry is when it reaches its stop line at its speed, speeding up
//!   towards the limit at `accel_mps2` where it is slower.
//! - First come, first served: vehicles are taken in order of earliest entry, and within an
//!   approach lane in their order along it (nobody overtakes in its lane).
//! - A vehicle's slot is its earliest entry, and no sooner than `follow_s` after the vehicle
//!   ahead in its lane, and no sooner than `clear_s` after any vehicle scheduled before it
//!   whose movement conflicts with its own (their paths across the junction cross, or they
//!   lead onto the same link). Movements that do not conflict share the junction.
//! - Its advised speed is what brings it to the stop line at its slot; a slot so far off that
//!   the speed would fall below `crawl_mps` means: stop at the line and go at the slot.
//!
//! Two conflicting vehicles are never given slots less than `clear_s` apart (a table test and
//! a randomised check hold it). The pipeline gathers the vehicles of each junction and sends
//! the RSCs.

use crate::scene::Scene;
use crate::{Advisory, App, plugin};
use roadcloud_world::Point;
use serde::{Deserialize, Serialize};

/// CIP's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Conflicting vehicles enter the junction at least this far apart, seconds: the time one
    /// takes to clear the other's path.
    pub clear_s: f64,
    /// A vehicle enters at least this long after the one ahead of it in its lane, seconds.
    pub follow_s: f64,
    /// How fast a vehicle slower than the limit is taken to speed up, m/s².
    pub accel_mps2: f64,
    /// Vehicles this close to their stop line (in distance) are scheduled, metres.
    pub horizon_m: f64,
    /// Below this advised speed a vehicle is told to stop at the line and go at its slot, m/s.
    pub crawl_mps: f64,
    /// How long a declaration stands, ms: it is answered unless older, and the vehicle is
    /// scheduled with the others until then (a vehicle declares about once a second: it must
    /// stay in the schedule between two of its declarations).
    pub max_age_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            clear_s: 3.0,
            follow_s: 1.5,
            accel_mps2: 1.5,
            horizon_m: 150.0,
            crawl_mps: 2.0,
            max_age_ms: 2_500,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("CIP", "cooperative intersection passing", evaluate)
}

/// CIP advises nobody unasked: it schedules the vehicles that declare how they pass
/// ([`schedule`]).
fn evaluate(_: &Params, _: &Scene, _: &mut Vec<Advisory>) {}

/// A movement across a junction: from the end of an approach lane to the start of the lane
/// it leads onto.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Movement {
    /// Which approach lane it comes from (any id the caller keeps apart per lane).
    pub lane: u32,
    /// The link it leads onto (any id the caller keeps apart per link).
    pub exit: u32,
    /// Where it enters the junction (the approach lane's stop line).
    pub from: Point,
    /// Where it leaves (the start of the lane it leads onto).
    pub to: Point,
}

impl Movement {
    /// Whether two movements cannot pass at once: from different approach lanes, their paths
    /// across the junction cross or they lead onto the same link.
    pub fn conflicts(&self, other: &Movement) -> bool {
        if self.lane == other.lane {
            return false;
        }
        self.exit == other.exit || crosses(self.from, self.to, other.from, other.to)
    }
}

/// Whether segments `a`-`b` and `c`-`d` cross (touching counts).
fn crosses(a: Point, b: Point, c: Point, d: Point) -> bool {
    let side = |p: Point, q: Point, r: Point| {
        (q.east_m - p.east_m) * (r.north_m - p.north_m)
            - (q.north_m - p.north_m) * (r.east_m - p.east_m)
    };
    let (d1, d2) = (side(c, d, a), side(c, d, b));
    let (d3, d4) = (side(a, b, c), side(a, b, d));
    d1 * d2 <= 0.0 && d3 * d4 <= 0.0
}

/// A vehicle coming to the junction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Approaching {
    /// Its movement.
    pub movement: Movement,
    /// Its distance to the stop line, metres.
    pub distance_m: f64,
    /// Its speed, m/s.
    pub speed_mps: f64,
    /// The speed limit of its approach, m/s.
    pub limit_mps: f64,
}

/// A vehicle's slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// Its place in the crossing order, 0 first.
    pub order: usize,
    /// When it is to enter the junction, seconds from now.
    pub enter_s: f64,
    /// The speed that brings it to the stop line then, m/s.
    pub speed_mps: f64,
    /// It is to stop at the line and go at its slot (the speed would be below `crawl_mps`).
    pub stop_first: bool,
}

/// How long a vehicle at `v` m/s takes to cover `d` metres speeding up at `a` to `limit`.
fn earliest_s(d: f64, v: f64, limit: f64, a: f64) -> f64 {
    let v = v.max(0.0);
    let limit = limit.max(v).max(0.1);
    // Distance to reach the limit.
    let ramp_s = (limit - v) / a.max(1e-3);
    let ramp_m = v * ramp_s + 0.5 * a * ramp_s * ramp_s;
    if d <= ramp_m {
        // v t + a t² / 2 = d
        (-v + (v * v + 2.0 * a * d).sqrt()) / a.max(1e-3)
    } else {
        ramp_s + (d - ramp_m) / limit
    }
}

/// The crossing order and each vehicle's slot, in the order of `vehicles`.
pub fn schedule(p: &Params, vehicles: &[Approaching]) -> Vec<Slot> {
    let earliest: Vec<f64> = vehicles
        .iter()
        .map(|v| {
            earliest_s(
                v.distance_m.max(0.0),
                v.speed_mps,
                v.limit_mps,
                p.accel_mps2,
            )
        })
        .collect();
    // First come, first served; within a lane, nearest the line first.
    let mut order: Vec<usize> = (0..vehicles.len()).collect();
    order.sort_by(|&a, &b| {
        earliest[a]
            .total_cmp(&earliest[b])
            .then(vehicles[a].distance_m.total_cmp(&vehicles[b].distance_m))
    });
    // A vehicle behind another in its lane cannot go before it: it takes its place after.
    let mut ordered: Vec<usize> = Vec::with_capacity(order.len());
    for &i in &order {
        let lane = vehicles[i].movement.lane;
        let at = ordered
            .iter()
            .position(|&j| {
                vehicles[j].movement.lane == lane && vehicles[j].distance_m > vehicles[i].distance_m
            })
            .unwrap_or(ordered.len());
        ordered.insert(at, i);
    }
    let mut slots = vec![
        Slot {
            order: 0,
            enter_s: 0.0,
            speed_mps: 0.0,
            stop_first: false,
        };
        vehicles.len()
    ];
    let mut done: Vec<usize> = Vec::with_capacity(ordered.len());
    for (k, &i) in ordered.iter().enumerate() {
        let v = &vehicles[i];
        let mut t = earliest[i];
        for &j in &done {
            let u = &vehicles[j];
            let gap = if u.movement.lane == v.movement.lane {
                p.follow_s
            } else if u.movement.conflicts(&v.movement) {
                p.clear_s
            } else {
                continue;
            };
            t = t.max(slots[j].enter_s + gap);
        }
        let speed = if t > 0.0 {
            (v.distance_m.max(0.0) / t).min(v.limit_mps)
        } else {
            v.speed_mps
        };
        slots[i] = Slot {
            order: k,
            enter_s: t,
            speed_mps: speed,
            stop_first: speed < p.crawl_mps && v.distance_m > 1.0,
        };
        done.push(i);
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A four-arm junction 20 m across: approaches from the south, west, north and east; a
    /// movement by its approach and where it goes.
    fn movement(from: char, to: char) -> Movement {
        let arm = |c: char| match c {
            'S' => (
                0u32,
                Point {
                    east_m: 3.0,
                    north_m: -10.0,
                },
                Point {
                    east_m: -3.0,
                    north_m: -10.0,
                },
            ),
            'W' => (
                1,
                Point {
                    east_m: -10.0,
                    north_m: -3.0,
                },
                Point {
                    east_m: -10.0,
                    north_m: 3.0,
                },
            ),
            'N' => (
                2,
                Point {
                    east_m: -3.0,
                    north_m: 10.0,
                },
                Point {
                    east_m: 3.0,
                    north_m: 10.0,
                },
            ),
            _ => (
                3,
                Point {
                    east_m: 10.0,
                    north_m: 3.0,
                },
                Point {
                    east_m: 10.0,
                    north_m: -3.0,
                },
            ),
        };
        // In on the right of the arm (keeping right), out on the other side.
        let (lane, entry, _) = arm(from);
        let (exit, _, out) = arm(to);
        Movement {
            lane,
            exit: exit + 10,
            from: entry,
            to: out,
        }
    }

    fn car(from: char, to: char, distance_m: f64, speed_mps: f64) -> Approaching {
        Approaching {
            movement: movement(from, to),
            distance_m,
            speed_mps,
            limit_mps: 13.9,
        }
    }

    #[test]
    fn conflicts() {
        // (from, to) pairs: straight is S->N, a left from the south is S->W.
        let cases = [
            (('S', 'N'), ('W', 'E'), true, "crossing straights"),
            (('S', 'N'), ('N', 'S'), false, "opposing straights"),
            (
                ('S', 'W'),
                ('N', 'S'),
                true,
                "a left across the opposing straight",
            ),
            (
                ('S', 'E'),
                ('N', 'S'),
                false,
                "a right and the opposing straight",
            ),
            (
                ('S', 'E'),
                ('W', 'E'),
                true,
                "a right onto the link a straight goes to",
            ),
            (('S', 'E'), ('N', 'W'), false, "two rights"),
            (
                ('S', 'N'),
                ('S', 'N'),
                false,
                "one lane: following, not conflicting",
            ),
        ];
        for ((a, b), (c, d), expect, name) in cases {
            assert_eq!(movement(a, b).conflicts(&movement(c, d)), expect, "{name}");
            assert_eq!(movement(c, d).conflicts(&movement(a, b)), expect, "{name}");
        }
    }

    #[test]
    fn scenarios() {
        let p = Params::default();
        // Two crossing cars arriving together: the nearer goes first, the other 3 s after.
        let s = schedule(&p, &[car('S', 'N', 50.0, 10.0), car('W', 'E', 40.0, 10.0)]);
        assert_eq!((s[1].order, s[0].order), (0, 1));
        let first = earliest_s(40.0, 10.0, 13.9, p.accel_mps2);
        assert!((s[1].enter_s - first).abs() < 1e-9, "{s:?}");
        assert!((s[0].enter_s - (first + p.clear_s)).abs() < 1e-9, "{s:?}");
        assert!((s[0].speed_mps - 50.0 / s[0].enter_s).abs() < 1e-9);
        // Opposing straights share the junction: both at their earliest.
        let s = schedule(&p, &[car('S', 'N', 50.0, 10.0), car('N', 'S', 50.0, 10.0)]);
        let both = earliest_s(50.0, 10.0, 13.9, p.accel_mps2);
        assert!((s[0].enter_s - both).abs() < 1e-9 && (s[1].enter_s - both).abs() < 1e-9);
        // First come, first served: the crossing car, there before the second of the queue,
        // goes between them, each conflicting pair clear_s apart.
        let s = schedule(
            &p,
            &[
                car('S', 'N', 20.0, 10.0),
                car('S', 'N', 30.0, 10.0),
                car('W', 'E', 25.0, 10.0),
            ],
        );
        assert_eq!((s[0].order, s[2].order, s[1].order), (0, 1, 2), "{s:?}");
        assert!(
            (s[2].enter_s - s[0].enter_s - p.clear_s).abs() < 1e-9,
            "{s:?}"
        );
        assert!(
            (s[1].enter_s - s[2].enter_s - p.clear_s).abs() < 1e-9,
            "{s:?}"
        );
        // A car behind another in its lane never goes first, however fast.
        let s = schedule(&p, &[car('S', 'N', 30.0, 2.0), car('S', 'N', 40.0, 13.9)]);
        assert!(s[1].enter_s >= s[0].enter_s + 1.5 - 1e-9, "{s:?}");
        // A slot far off: stop at the line first.
        let s = schedule(
            &p,
            &[
                car('W', 'E', 10.0, 10.0),
                car('E', 'W', 10.0, 10.0),
                car('N', 'S', 12.0, 10.0),
                car('S', 'N', 3.0, 1.0),
            ],
        );
        assert!(s[3].stop_first, "{s:?}");
    }

    #[test]
    fn conflicting_vehicles_are_never_given_slots_closer_than_clear_s() {
        let p = Params::default();
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        let arms = ['S', 'W', 'N', 'E'];
        for _ in 0..300 {
            let n = 1 + (next() * 12.0) as usize;
            let cars: Vec<Approaching> = (0..n)
                .map(|_| {
                    let from = arms[(next() * 4.0) as usize % 4];
                    let mut to = arms[(next() * 4.0) as usize % 4];
                    if to == from {
                        to = arms[(arms.iter().position(|a| *a == from).unwrap() + 2) % 4];
                    }
                    car(from, to, 5.0 + 145.0 * next(), 14.0 * next())
                })
                .collect();
            let s = schedule(&p, &cars);
            for i in 0..n {
                assert!(s[i].enter_s >= 0.0 && s[i].speed_mps <= cars[i].limit_mps + 1e-9);
                for j in 0..n {
                    if i != j && cars[i].movement.conflicts(&cars[j].movement) {
                        assert!(
                            (s[i].enter_s - s[j].enter_s).abs() >= p.clear_s - 1e-9,
                            "{:?} and {:?}: {:?} {:?}",
                            cars[i],
                            cars[j],
                            s[i],
                            s[j]
                        );
                    }
                }
            }
        }
    }
}
