//! SDS, sensor data sharing (T/CSAE 157-2020, the Day-2 scenario "sensor data sharing"): a
//! vehicle asks, in a VIR with `Req-SensorSharing`, what lies in an area (paths with their
//! widths); the cloud answers with an SSM of the participants there that the vehicle cannot
//! see itself.
//!
//! Principle: of the participants the world knows in the requested area (within a path's
//! half width of it), those the requester does not
//! see: farther than `sensor_range_m`, or hidden behind another participant (its body, a
//! circle of half its length, at least `min_occluder_m` across, lies across the line of
//! sight and nearer); never the requester itself, nor what the requester's own sensors
//! already report (a track its SSM detections are fused into). Nearest first, at most
//! `max_objects`. Source: T/CSAE 157-2020 sensor data sharing (SDS); the answer is the SSM
//! the standard defines for it.
//!
//! SDS sends no advisory: the pipeline answers each request through [`hidden`] and sends
//! the SSM on the vehicle's downlink; the registry holds its switch and parameters as it
//! does the Day-1 applications'.

use crate::scene::{Scene, distance_to_polyline};
use crate::{Advisory, App, plugin};
use roadcloud_world::Point;
use serde::{Deserialize, Serialize};

/// SDS's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far a vehicle's own sensors see, metres: beyond, everything is hidden from it.
    pub sensor_range_m: f64,
    /// The smallest body that hides what lies behind it, metres across.
    pub min_occluder_m: f64,
    /// A body of unknown size is taken this long, metres.
    pub default_length_m: f64,
    /// At most this many participants and obstacles in one answer (DetectedPTCList allows
    /// 512, DetectedObstacleList 64). 32: on
    /// the arterial scenario, 16 left a quarter of the hidden vehicles undelivered
    /// (docs/apps.md).
    pub max_objects: usize,
    /// How long a request stands unanswered before it is dropped, ms.
    pub max_age_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            sensor_range_m: 150.0,
            min_occluder_m: 1.5,
            default_length_m: 4.5,
            max_objects: 32,
            max_age_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("SDS", "sensor data sharing", evaluate)
}

/// SDS advises nobody: it answers requests ([`hidden`]).
fn evaluate(_: &Params, _: &Scene, _: &mut Vec<Advisory>) {}

/// A participant as SDS weighs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    /// Where it is.
    pub position: Point,
    /// Its length, metres, when known.
    pub length_m: Option<f64>,
    /// Its width, metres, when known.
    pub width_m: Option<f64>,
    /// It is the requester.
    pub is_requester: bool,
    /// The requester's own sensors report it.
    pub reported_by_requester: bool,
}

impl Seen {
    /// The radius of the circle taken for its body.
    fn radius_m(&self, p: &Params) -> f64 {
        let across = self
            .length_m
            .into_iter()
            .chain(self.width_m)
            .fold(0.0_f64, f64::max);
        let across = if across > 0.0 {
            across
        } else {
            p.default_length_m
        };
        across / 2.0
    }
}

/// Of `known`, the indexes of those in `area` (paths with their half widths) the requester
/// at `from` does not see, nearest first, at most `max_objects`.
///
/// Only what lies within `sensor_range_m` can hide anything (a body beyond it hides what
/// the requester does not see anyway), so the occlusion test weighs those alone: its cost
/// grows with the participants in sensor range, not with the zone's.
pub fn hidden(p: &Params, from: Point, area: &[(Vec<Point>, f64)], known: &[Seen]) -> Vec<usize> {
    let in_range: Vec<usize> = (0..known.len())
        .filter(|&i| {
            !known[i].is_requester && from.distance_to(known[i].position) <= p.sensor_range_m
        })
        .collect();
    let mut out: Vec<(f64, usize)> = known
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_requester && !s.reported_by_requester)
        .filter(|(_, s)| in_area(s.position, area))
        .filter_map(|(i, s)| {
            let d = from.distance_to(s.position);
            let hidden = d > p.sensor_range_m || occluded(p, from, i, known, &in_range);
            hidden.then_some((d, i))
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.into_iter()
        .take(p.max_objects)
        .map(|(_, i)| i)
        .collect()
}

/// Whether `x` lies within a path's half width of it (a path of one point, which the
/// standard does not allow, DF_PathPointList, counts as a circle).
fn in_area(x: Point, area: &[(Vec<Point>, f64)]) -> bool {
    area.iter()
        .any(|(points, half_width_m)| distance_to_polyline(x, points) <= *half_width_m)
}

/// Whether another participant's body (among `occluders`, indexes into `known`) lies
/// across the line from `from` to `known[target]`, nearer than the target.
fn occluded(p: &Params, from: Point, target: usize, known: &[Seen], occluders: &[usize]) -> bool {
    let to = known[target].position;
    let d = from.distance_to(to);
    occluders.iter().any(|&i| {
        let o = &known[i];
        if i == target {
            return false;
        }
        let r = o.radius_m(p);
        if 2.0 * r < p.min_occluder_m {
            return false;
        }
        let (along, off) = along_and_off(o.position, from, to);
        // Between the two, and wholly nearer than the target's centre.
        along > 0.0 && along + r < d && off < r
    })
}

/// How far along the line from `a` to `b` the foot of `x` lies, and how far `x` is off it.
fn along_and_off(x: Point, a: Point, b: Point) -> (f64, f64) {
    let (dx, dy) = (b.east_m - a.east_m, b.north_m - a.north_m);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1e-9 {
        return (0.0, x.distance_to(a));
    }
    let (ux, uy) = (dx / len, dy / len);
    let (vx, vy) = (x.east_m - a.east_m, x.north_m - a.north_m);
    (vx * ux + vy * uy, (vx * uy - vy * ux).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(east_m: f64, north_m: f64) -> Point {
        Point { east_m, north_m }
    }

    fn car(east_m: f64, north_m: f64) -> Seen {
        Seen {
            position: at(east_m, north_m),
            length_m: Some(4.5),
            width_m: Some(1.8),
            is_requester: false,
            reported_by_requester: false,
        }
    }

    /// A straight road north of the requester, 4 m either side of its centre line.
    fn road_ahead() -> Vec<(Vec<Point>, f64)> {
        vec![(vec![at(0.0, 0.0), at(0.0, 300.0)], 4.0)]
    }

    #[test]
    fn what_hides_behind_a_vehicle_ahead_or_lies_beyond_range_is_shared() {
        let p = Params::default();
        let mut me = car(0.0, 0.0);
        me.is_requester = true;
        let known = [
            me,
            car(0.0, 20.0),  // 1: the truck ahead: seen
            car(0.0, 45.0),  // 2: behind it: hidden
            car(3.5, 15.0),  // 3: in the next lane, nearer than the truck: seen
            car(0.0, 200.0), // 4: beyond range (and behind): hidden
            car(20.0, 50.0), // 5: off the road asked about: not shared
        ];
        assert_eq!(hidden(&p, at(0.0, 0.0), &road_ahead(), &known), [2, 4]);
    }

    #[test]
    fn what_the_requester_reports_itself_is_not_sent_back() {
        let p = Params::default();
        let mut behind = car(0.0, 45.0);
        behind.reported_by_requester = true;
        let known = [car(0.0, 20.0), behind];
        assert!(hidden(&p, at(0.0, 0.0), &road_ahead(), &known).is_empty());
    }

    #[test]
    fn a_small_body_hides_nothing_and_the_answer_is_capped_nearest_first() {
        let p = Params {
            max_objects: 2,
            ..Params::default()
        };
        let mut pedestrian = car(0.0, 20.0);
        pedestrian.length_m = Some(0.5);
        pedestrian.width_m = Some(0.5);
        let known = [
            pedestrian,
            car(0.0, 45.0),
            car(0.0, 160.0),
            car(0.0, 170.0),
            car(0.0, 180.0),
        ];
        // The car at 45 m is seen past the pedestrian; of the three beyond range, the
        // nearest two.
        assert_eq!(hidden(&p, at(0.0, 0.0), &road_ahead(), &known), [2, 3]);
    }

    #[test]
    fn a_one_point_path_asks_for_a_circle() {
        let p = Params::default();
        let area = vec![(vec![at(0.0, 200.0)], 10.0)];
        let known = [car(5.0, 205.0), car(0.0, 230.0)];
        assert_eq!(hidden(&p, at(0.0, 0.0), &area, &known), [0]);
    }
}
