//! Sensor data sharing in the co-simulation (issue 18): a share of SUMO's equipped vehicles
//! ask roadcloud, once a second, what lies on the road ahead (VIR `Req-SensorSharing`), as
//! the demo's cars do; and what each of them could not see itself is taken from SUMO's exact
//! state, so that the answers (SSMs) can be scored: the share of hidden vehicles delivered
//! to the vehicles that asked about them.
//!
//! Ground truth: the area is the road ahead of the requester, [`AHEAD_M`] along its heading
//! and [`HALF_WIDTH_M`] either side of it. A vehicle whose centre lies there is hidden from
//! the requester when the line of sight from the requester's driver (1.5 m behind its front
//! bumper) to that centre crosses another vehicle's body (SUMO's box: its length and width
//! along its angle), or when it is farther than [`SENSOR_RANGE_M`]; otherwise it is seen.
//! This is SUMO's geometry, not roadcloud's model of it (SDS takes bodies as circles and
//! knows only what was reported).

use crate::bridge::{Bridge, PersonSample, VehicleSample, device_id};
use crate::cosim::Step;
use roadcloud_csae as csae;
use roadcloud_sim::messages::sensor_sharing_request;
use roadcloud_world::{Millis, Point};
use std::collections::HashMap;

/// How far ahead a vehicle asks about, metres (as the demo's cars).
pub const AHEAD_M: f64 = 150.0;
/// Half the width of the road it asks about, metres.
pub const HALF_WIDTH_M: f64 = 7.0;
/// How far a vehicle's own sensors see, metres (SDS's default `sensor_range_m`).
pub const SENSOR_RANGE_M: f64 = 150.0;
/// The driver's eye behind the front bumper, metres.
const EYE_BEHIND_FRONT_M: f64 = 1.5;

/// One request and what SUMO says the requester could and could not see.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    /// Simulation time it was sent, seconds.
    pub at_s: f64,
    /// The requester (SUMO id).
    pub requester: String,
    /// The vehicles in its area hidden from it (SUMO ids).
    pub hidden: Vec<String>,
    /// The vehicles in its area it sees.
    pub seen: Vec<String>,
    /// Where the pedestrians in its area hidden from it were (the bridge's local frame):
    /// they reach roadcloud through RSU cameras without an id, so an answer is matched to
    /// them by place ([`PEDESTRIAN_MATCH_M`]).
    pub hidden_pedestrians: Vec<Point>,
    /// How many pedestrians in its area it sees.
    pub seen_pedestrians: usize,
}

/// How near a pedestrian shared in an answer must be to where a hidden one was at the
/// request to be taken for it, metres: a walker covers about 1.4 m in the second an answer
/// may take, and an RSU camera's place has its own error.
pub const PEDESTRIAN_MATCH_M: f64 = 3.0;

/// The requests a share of the equipped vehicles send, and their ground truth.
#[derive(Debug, Default)]
pub struct SdsProbe {
    /// The share of equipped vehicles that ask, 0 to 1 (drawn from their ids).
    pub share: f64,
    /// Every request sent, with its ground truth.
    pub asked: Vec<Asked>,
    last: HashMap<String, f64>,
}

/// A vehicle's body as a rectangle: its centre, unit heading (x, y) and half sizes.
struct Body {
    centre: (f64, f64),
    dir: (f64, f64),
    half_length: f64,
    half_width: f64,
}

impl Body {
    fn of(v: &VehicleSample) -> Body {
        let a = v.angle_deg.to_radians();
        // SUMO's angle: clockwise from north (the network's y axis).
        let dir = (a.sin(), a.cos());
        Body {
            centre: (
                v.x - dir.0 * v.length_m / 2.0,
                v.y - dir.1 * v.length_m / 2.0,
            ),
            dir,
            half_length: v.length_m / 2.0,
            half_width: v.width_m / 2.0,
        }
    }

    /// Whether the segment from `a` to `b` crosses the body (slab test in its own frame).
    fn crosses(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let local = |p: (f64, f64)| {
            let (dx, dy) = (p.0 - self.centre.0, p.1 - self.centre.1);
            (
                dx * self.dir.0 + dy * self.dir.1,
                -dx * self.dir.1 + dy * self.dir.0,
            )
        };
        let (p, q) = (local(a), local(b));
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        for (start, delta, half) in [
            (p.0, q.0 - p.0, self.half_length),
            (p.1, q.1 - p.1, self.half_width),
        ] {
            if delta.abs() < 1e-12 {
                if start.abs() > half {
                    return false;
                }
                continue;
            }
            let (mut lo, mut hi) = ((-half - start) / delta, (half - start) / delta);
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            t0 = t0.max(lo);
            t1 = t1.min(hi);
            if t0 > t1 {
                return false;
            }
        }
        true
    }
}

/// What a requester sees from its driver's seat: its area, and the other vehicles' bodies
/// that may stand in the way.
struct View<'a> {
    requester: &'a VehicleSample,
    me: Body,
    eye: (f64, f64),
    bodies: Vec<(&'a VehicleSample, Body)>,
}

impl<'a> View<'a> {
    fn of(requester: &'a VehicleSample, vehicles: &'a [VehicleSample]) -> View<'a> {
        let me = Body::of(requester);
        let eye = (
            requester.x - me.dir.0 * EYE_BEHIND_FRONT_M,
            requester.y - me.dir.1 * EYE_BEHIND_FRONT_M,
        );
        let bodies = vehicles
            .iter()
            .filter(|v| v.id != requester.id)
            .map(|v| (v, Body::of(v)))
            .collect();
        View {
            requester,
            me,
            eye,
            bodies,
        }
    }

    /// Whether `p` lies in the area the requester asks about.
    fn in_area(&self, p: (f64, f64)) -> bool {
        let (dx, dy) = (p.0 - self.requester.x, p.1 - self.requester.y);
        let ahead = dx * self.me.dir.0 + dy * self.me.dir.1;
        let aside = -dx * self.me.dir.1 + dy * self.me.dir.0;
        (0.0..=AHEAD_M).contains(&ahead) && aside.abs() <= HALF_WIDTH_M
    }

    /// Whether `p` is hidden from the requester: beyond its sensors, or behind a vehicle's
    /// body (other than `own`, the body at `p` itself).
    fn hides(&self, p: (f64, f64), own: Option<&str>) -> bool {
        let far = (p.0 - self.eye.0).hypot(p.1 - self.eye.1) > SENSOR_RANGE_M;
        far || self
            .bodies
            .iter()
            .any(|(o, ob)| Some(o.id.as_str()) != own && ob.crosses(self.eye, p))
    }
}

impl View<'_> {
    /// What the requester could and could not see of the vehicles in its area: (hidden,
    /// seen).
    fn vehicles(&self) -> (Vec<String>, Vec<String>) {
        let (mut hidden, mut seen) = (Vec::new(), Vec::new());
        for (v, b) in &self.bodies {
            if !self.in_area(b.centre) {
                continue;
            }
            if self.hides(b.centre, Some(&v.id)) {
                hidden.push(v.id.clone());
            } else {
                seen.push(v.id.clone());
            }
        }
        (hidden, seen)
    }

    /// What the requester could and could not see of `persons` in its area (a pedestrian
    /// hides nothing): (the hidden ones, how many it sees).
    fn pedestrians<'p>(&self, persons: &'p [PersonSample]) -> (Vec<&'p PersonSample>, usize) {
        let (mut hidden, mut seen) = (Vec::new(), 0);
        for p in persons.iter().filter(|p| self.in_area((p.x, p.y))) {
            if self.hides((p.x, p.y), None) {
                hidden.push(p);
            } else {
                seen += 1;
            }
        }
        (hidden, seen)
    }
}

/// What `requester` could and could not see of the vehicles in its area: (hidden, seen).
pub fn truth(requester: &VehicleSample, vehicles: &[VehicleSample]) -> (Vec<String>, Vec<String>) {
    View::of(requester, vehicles).vehicles()
}

/// What `requester` could and could not see of the pedestrians in its area (a pedestrian
/// hides nothing): (the hidden ones, how many it sees).
pub fn pedestrian_truth<'p>(
    requester: &VehicleSample,
    vehicles: &[VehicleSample],
    persons: &'p [PersonSample],
) -> (Vec<&'p PersonSample>, usize) {
    View::of(requester, vehicles).pedestrians(persons)
}

impl SdsProbe {
    /// A probe in which `share` of the equipped vehicles ask.
    pub fn new(share: f64) -> SdsProbe {
        SdsProbe {
            share,
            ..SdsProbe::default()
        }
    }

    /// The VIRs the asking vehicles send after `step` at `now_ms` (each once a second), the
    /// ground truth of each kept in [`SdsProbe::asked`]; `equipped` says which carry an OBU.
    pub fn requests(
        &mut self,
        bridge: &Bridge,
        step: &Step,
        now_ms: Millis,
        equipped: impl Fn(&str) -> bool,
    ) -> Vec<(String, csae::MessageFrame)> {
        let mut out = Vec::new();
        if self.share <= 0.0 {
            return out;
        }
        for v in &step.vehicles {
            if !equipped(&v.id)
                || !crate::respond::equipped(&format!("{}\u{0}sds", v.id), self.share)
            {
                continue;
            }
            if self
                .last
                .get(&v.id)
                .is_some_and(|t| step.time_s - t < 1.0 - 1e-6)
            {
                continue;
            }
            self.last.insert(v.id.clone(), step.time_s);
            // One view of the requester's surroundings for both.
            let view = View::of(v, &step.vehicles);
            let (hidden, seen) = view.vehicles();
            let (hidden_pedestrians, seen_pedestrians) = view.pedestrians(&step.persons);
            let a = v.angle_deg.to_radians();
            let front = bridge.local(v.x, v.y);
            let ahead = bridge.local(v.x + a.sin() * AHEAD_M, v.y + a.cos() * AHEAD_M);
            let id = device_id(&v.id);
            let req_id = (step.time_s as u64 % 256) as u8;
            let vir = sensor_sharing_request(
                &bridge.frame,
                id,
                front,
                req_id,
                &[(vec![front, ahead], HALF_WIDTH_M)],
                now_ms,
            );
            self.asked.push(Asked {
                at_s: step.time_s,
                requester: v.id.clone(),
                hidden,
                seen,
                hidden_pedestrians: hidden_pedestrians
                    .iter()
                    .map(|p| bridge.local(p.x, p.y))
                    .collect(),
                seen_pedestrians,
            });
            out.push(roadcloud_sim::messages::vir_uplink(vir));
        }
        let present: std::collections::HashSet<&str> =
            step.vehicles.iter().map(|v| v.id.as_str()).collect();
        self.last.retain(|id, _| present.contains(id.as_str()));
        out
    }
}

/// How the answers fared against the ground truth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    /// Requests sent.
    pub requests: usize,
    /// Requests answered (an SSM came before the requester's next request; SDS sends none
    /// when it finds nothing hidden).
    pub answered: usize,
    /// Requests with at least one hidden vehicle in their area.
    pub needing: usize,
    /// Of those, answered.
    pub needing_answered: usize,
    /// (Request, hidden vehicle) pairs: what the requesters needed.
    pub hidden: usize,
    /// Of those, delivered in the request's answer.
    pub delivered: usize,
    /// Vehicles shared in the answers, in all.
    pub shared: usize,
    /// Of those, hidden from the requester (the rest it could see, or lay outside its area).
    pub shared_hidden: usize,
    /// (Request, hidden pedestrian) pairs.
    pub hidden_pedestrians: usize,
    /// Of those, delivered: a pedestrian shared in the request's answer within
    /// [`PEDESTRIAN_MATCH_M`] of where it was.
    pub delivered_pedestrians: usize,
    /// Pedestrians shared in the answers, in all.
    pub shared_pedestrians: usize,
    /// Of those, within [`PEDESTRIAN_MATCH_M`] of a pedestrian hidden from the requester.
    pub shared_pedestrians_hidden: usize,
}

/// An answer to a request: when it came (simulated seconds), the requester, the vehicles
/// it shares (SUMO ids) and where the pedestrians it shares are (the bridge's local frame).
pub type Answer = (f64, String, Vec<String>, Vec<Point>);

/// Scores `asked` against the SSMs that came ([`Answer`]). An answer belongs to the
/// requester's latest request sent before it arrived and within `window_s`.
pub fn score(asked: &[Asked], answers: &[Answer], window_s: f64) -> Score {
    let mut s = Score {
        requests: asked.len(),
        ..Score::default()
    };
    let mut by_requester: HashMap<&str, Vec<&Asked>> = HashMap::new();
    for a in asked {
        by_requester
            .entry(a.requester.as_str())
            .or_default()
            .push(a);
    }
    let near = |p: &Point, q: &Point| p.distance_to(*q) <= PEDESTRIAN_MATCH_M;
    let mut answered: HashMap<(&str, u64), Vec<&str>> = HashMap::new();
    let mut walkers: HashMap<(&str, u64), Vec<Point>> = HashMap::new();
    for (at, requester, shared, pedestrians) in answers {
        let Some(a) = by_requester.get(requester.as_str()).and_then(|v| {
            v.iter()
                .rev()
                .find(|a| a.at_s <= *at && at - a.at_s <= window_s)
        }) else {
            continue;
        };
        let key = (a.requester.as_str(), a.at_s.to_bits());
        let entry = answered.entry(key).or_default();
        entry.extend(shared.iter().map(String::as_str));
        s.shared += shared.len();
        s.shared_hidden += shared.iter().filter(|x| a.hidden.contains(x)).count();
        walkers.entry(key).or_default().extend(pedestrians);
        s.shared_pedestrians += pedestrians.len();
        s.shared_pedestrians_hidden += pedestrians
            .iter()
            .filter(|p| a.hidden_pedestrians.iter().any(|h| near(p, h)))
            .count();
    }
    s.answered = answered.len();
    for a in asked {
        s.hidden += a.hidden.len();
        s.needing += usize::from(!a.hidden.is_empty());
        if let Some(got) = answered.get(&(a.requester.as_str(), a.at_s.to_bits())) {
            s.delivered += a
                .hidden
                .iter()
                .filter(|h| got.contains(&h.as_str()))
                .count();
            s.needing_answered += usize::from(!a.hidden.is_empty());
        }
        s.hidden_pedestrians += a.hidden_pedestrians.len();
        if let Some(got) = walkers.get(&(a.requester.as_str(), a.at_s.to_bits())) {
            s.delivered_pedestrians += a
                .hidden_pedestrians
                .iter()
                .filter(|h| got.iter().any(|p| near(p, h)))
                .count();
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn car(id: &str, x: f64, y: f64, length_m: f64) -> VehicleSample {
        VehicleSample {
            id: id.into(),
            x,
            y,
            speed_mps: 10.0,
            angle_deg: 0.0,
            accel_mps2: 0.0,
            length_m,
            width_m: 2.0,
            class: "passenger".into(),
            signals: 0,
            lane: String::new(),
            lane_pos_m: 0.0,
        }
    }

    /// Northbound: a truck 20 m ahead hides the car 45 m ahead in its lane; the car in the
    /// next lane is seen; the car behind and the one far to the side are outside the area.
    #[test]
    fn what_a_body_hides_is_hidden() {
        let me = car("me", 0.0, 0.0, 4.5);
        let all = vec![
            me.clone(),
            car("truck", 0.0, 28.0, 12.0),
            car("hidden", 0.0, 50.0, 4.5),
            car("beside", 3.5, 40.0, 4.5),
            car("behind", 0.0, -20.0, 4.5),
            car("away", 20.0, 40.0, 4.5),
        ];
        let (hidden, seen) = truth(&me, &all);
        assert_eq!(hidden, vec!["hidden".to_string()]);
        let mut seen = seen;
        seen.sort();
        assert_eq!(seen, vec!["beside".to_string(), "truck".to_string()]);
        // A pedestrian crossing behind the truck is hidden; one beside it, in the open, is
        // seen; one behind the requester is outside the area.
        let person = |id: &str, x, y| PersonSample {
            id: id.into(),
            x,
            y,
            speed_mps: 1.4,
            angle_deg: 90.0,
        };
        let persons = vec![
            person("behind the truck", 0.5, 40.0),
            person("in the open", 6.0, 20.0),
            person("behind me", 0.0, -10.0),
        ];
        let (hidden, seen) = pedestrian_truth(&me, &all, &persons);
        let hidden: Vec<&str> = hidden.iter().map(|p| p.id.as_str()).collect();
        assert_eq!((hidden, seen), (vec!["behind the truck"], 1));
    }

    #[test]
    fn answers_are_scored_against_the_request_they_follow() {
        let asked = vec![
            Asked {
                at_s: 10.0,
                requester: "a".into(),
                hidden: vec!["x".into(), "y".into()],
                seen: vec!["z".into()],
                hidden_pedestrians: vec![Point {
                    east_m: 50.0,
                    north_m: 10.0,
                }],
                seen_pedestrians: 0,
            },
            Asked {
                at_s: 11.0,
                requester: "a".into(),
                hidden: vec!["x".into()],
                seen: vec![],
                hidden_pedestrians: vec![],
                seen_pedestrians: 1,
            },
        ];
        let at = |east_m| Point {
            east_m,
            north_m: 10.0,
        };
        let answers = vec![
            (
                10.3,
                "a".to_string(),
                vec!["x".to_string(), "z".to_string()],
                // 2 m from the hidden pedestrian: it; 10 m: another.
                vec![at(52.0), at(60.0)],
            ),
            // Too late for 11.0.
            (13.5, "a".to_string(), vec!["x".to_string()], vec![]),
        ];
        let s = score(&asked, &answers, 1.0);
        assert_eq!(
            s,
            Score {
                requests: 2,
                answered: 1,
                needing: 2,
                needing_answered: 1,
                hidden: 3,
                delivered: 1,
                shared: 2,
                shared_hidden: 1,
                hidden_pedestrians: 1,
                delivered_pedestrians: 1,
                shared_pedestrians: 2,
                shared_pedestrians_hidden: 1,
            }
        );
    }
}
