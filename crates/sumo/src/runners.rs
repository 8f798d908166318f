//! Drivers who run red lights. SUMO's drivers never enter a junction on red (they brake for
//! a red or yellow light as late as their deceleration allows, and always in time), so a red
//! light violation warning (RLVW) had nothing to be measured against. A share of SUMO's
//! drivers ([`runner`], drawn from the vehicle's id as [`crate::respond::equipped`] is) is
//! made to drive on when its light turns yellow or red as it comes up to the stop line, as
//! an inattentive driver does: within [`RUN_WITHIN_M`] of the line at [`RUN_MIN_MPS`] or
//! faster, it keeps its speed and SUMO's red light no longer holds it (TraCI speed mode
//! [`SPEED_MODE_THROUGH_RED`]); it still keeps its distance to the vehicle ahead. Past the
//! junction SUMO drives it again. A runner who heeds a warning ([`RedLightRunners::heed`],
//! the closed loop), or stops short of its line all the same ([`STOPPED_MPS`]), is attentive
//! again for that light.

use crate::cosim::{Step, Sumo};
use crate::net::Net;
use crate::respond::draw;
use crate::traci::{Set, default_driving, ids};
use std::collections::{HashMap, HashSet};
use std::io;

/// How near its stop line a runner must be when its light turns against it, metres: further
/// back, even an inattentive driver sees the queue or the light in time.
pub const RUN_WITHIN_M: f64 = 40.0;
/// A runner already slower than this is stopping anyway (for a queue or the light), m/s.
pub const RUN_MIN_MPS: f64 = 5.0;
/// A runner that comes down to this speed before its line has stopped after all (for a
/// vehicle or a pedestrian in its way, SUMO's safe speed), m/s: a driver who stands at a red
/// light has seen it, and SUMO's red light holds it again.
pub const STOPPED_MPS: f64 = 0.1;
/// SUMO's speed mode of a runner: safe speed (its leader), maximum acceleration and
/// deceleration kept (bits 0 to 2); the right of way at junctions (bit 3) and the hard
/// braking to avoid passing a red light (bit 4) off, which is what lets it pass a red light.
pub const SPEED_MODE_THROUGH_RED: i32 = 0b00111;

/// Whether the driver of vehicle `sumo_id` runs red lights, when a `fraction` of drivers do.
pub fn runner(sumo_id: &str, fraction: f64) -> bool {
    fraction > 0.0 && (fraction >= 1.0 || draw(sumo_id, 3) < fraction)
}

/// A signal's state forbids entering: red or yellow (SUMO's `r`, `y`, and their capitals).
fn against(state: u8) -> bool {
    matches!(state, b'r' | b'R' | b'y' | b'Y')
}

/// A lane that ends at a traffic light: its length (metres) and its links, each the edge it
/// leads to, the traffic light and the link's index there.
type Approach = (f64, Vec<(String, String, u16)>);

/// The drivers of a co-simulation who run red lights.
#[derive(Debug, Default)]
pub struct RedLightRunners {
    fraction: f64,
    /// The lanes that end at a traffic light.
    approaches: HashMap<String, Approach>,
    /// Each runner's route (edges), as SUMO gave it.
    pub routes: HashMap<String, Vec<String>>,
    /// The runners passing a light: the approach lane they run it from.
    running: HashMap<String, String>,
    /// (vehicle, approach lane) where the driver heeded a warning, or stopped while running:
    /// no run there.
    attentive: HashSet<(String, String)>,
    /// Runs begun.
    pub runs: u64,
}

impl RedLightRunners {
    /// A `fraction` (0 to 1) of the drivers in `net` run red lights.
    pub fn new(net: &Net, fraction: f64) -> RedLightRunners {
        let mut approaches: HashMap<String, Approach> = HashMap::new();
        if fraction > 0.0 {
            for c in &net.connections {
                let (Some((tls, link)), Some(from), Some(to)) = (
                    c.signal.as_ref(),
                    net.lanes.get(&c.from_lane),
                    net.lanes.get(&c.to_lane),
                ) else {
                    continue;
                };
                approaches
                    .entry(c.from_lane.clone())
                    .or_insert_with(|| (from.length_m(), Vec::new()))
                    .1
                    .push((to.edge.clone(), tls.clone(), *link));
            }
        }
        RedLightRunners {
            fraction,
            approaches,
            ..RedLightRunners::default()
        }
    }

    /// The runners of `step` coming to a traffic light whose route is not known yet.
    pub fn unrouted<'a>(&self, step: &'a Step) -> Vec<&'a str> {
        step.vehicles
            .iter()
            .filter(|v| {
                self.approaches.contains_key(&v.lane)
                    && !self.routes.contains_key(&v.id)
                    && runner(&v.id, self.fraction)
            })
            .map(|v| v.id.as_str())
            .collect()
    }

    /// After each step: the TraCI vehicle sets due. A runner near its line whose light turns
    /// against it keeps its speed and passes the light; one that has left the junction, or
    /// stopped before its line all the same, is SUMO's again.
    pub fn step(&mut self, step: &Step) -> Vec<(u8, String, Set)> {
        let mut sets = Vec::new();
        if self.approaches.is_empty() {
            return sets;
        }
        let here: HashMap<&str, (&str, f64)> = step
            .vehicles
            .iter()
            .map(|v| (v.id.as_str(), (v.lane.as_str(), v.speed_mps)))
            .collect();
        let attentive = &mut self.attentive;
        self.running.retain(|id, from| match here.get(id.as_str()) {
            // Stopped short of its line (SUMO's safe speed, for someone in its way): it saw
            // the light after all. Left running, it drove into the junction on red from a
            // standstill once its way cleared, a start no warning could have come a second
            // ahead of (the grid's first runner, in a 180 s evaluation).
            Some((lane, speed)) if *lane == from.as_str() && *speed <= STOPPED_MPS => {
                attentive.insert((id.clone(), from.clone()));
                sets.extend(default_driving(id));
                false
            }
            Some((lane, _)) if lane.starts_with(':') || *lane == from.as_str() => true,
            Some(_) => {
                sets.extend(default_driving(id));
                false
            }
            None => false,
        });
        let states: HashMap<&str, &[u8]> = step
            .signals
            .iter()
            .map(|s| (s.tls.as_str(), s.state.as_bytes()))
            .collect();
        for v in &step.vehicles {
            let Some((length_m, links)) = self.approaches.get(&v.lane) else {
                continue;
            };
            if self.running.contains_key(&v.id)
                || length_m - v.lane_pos_m > RUN_WITHIN_M
                || v.speed_mps < RUN_MIN_MPS
                || !runner(&v.id, self.fraction)
                || self.attentive.contains(&(v.id.clone(), v.lane.clone()))
            {
                continue;
            }
            // Its light: the link onto its route's next edge.
            let Some(next) = self.routes.get(&v.id).and_then(|route| {
                let edge = v.lane.rsplit_once('_').map_or(v.lane.as_str(), |(e, _)| e);
                let k = route.iter().position(|e| e == edge)?;
                route.get(k + 1)
            }) else {
                continue;
            };
            let red = links.iter().any(|(to, tls, link)| {
                to == next
                    && states
                        .get(tls.as_str())
                        .and_then(|s| s.get(usize::from(*link)))
                        .is_some_and(|c| against(*c))
            });
            if !red {
                continue;
            }
            self.runs += 1;
            self.running.insert(v.id.clone(), v.lane.clone());
            sets.push((
                ids::VAR_SPEEDSETMODE,
                v.id.clone(),
                Set::Int(SPEED_MODE_THROUGH_RED),
            ));
            sets.push((ids::VAR_SPEED, v.id.clone(), Set::Double(v.speed_mps)));
        }
        let present: HashSet<&str> = here.keys().copied().collect();
        self.routes.retain(|id, _| present.contains(id.as_str()));
        self.attentive
            .retain(|(id, _)| present.contains(id.as_str()));
        sets
    }

    /// After each step of `sumo`: carries out [`RedLightRunners::step`] and asks SUMO the
    /// routes of the runners coming to a light.
    pub fn drive(&mut self, sumo: &mut Sumo, step: &Step) -> io::Result<()> {
        sumo.set_vehicles(&self.step(step))?;
        for v in self.unrouted(step) {
            if let Some(route) = sumo.route(v)? {
                self.routes.insert(v.to_string(), route);
            }
        }
        Ok(())
    }

    /// Vehicle `sumo_id`'s driver, on `lane`, reacts to a warning: it is attentive again on
    /// that approach (SUMO's red light holds it there), whether it was already running the
    /// light or not yet.
    pub fn heed(&mut self, sumo_id: &str, lane: &str) -> Vec<(u8, String, Set)> {
        if !self.approaches.contains_key(lane) {
            return Vec::new();
        }
        self.attentive
            .insert((sumo_id.to_string(), lane.to_string()));
        match self.running.remove(sumo_id) {
            Some(_) => default_driving(sumo_id).into(),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::SignalSample;
    use crate::testing::{car, grid};

    const LANE: &str = "n01_n11_1";

    /// Vehicle `v` on `lane` `left_m` short of its end at `speed_mps`, link 19 of `n11` showing
    /// `light` (the others green).
    fn step(net: &Net, lane: &str, left_m: f64, speed_mps: f64, light: u8) -> Step {
        let length_m = net.lanes.get(lane).map_or(0.0, |l| l.length_m());
        let mut state = vec![b'G'; 32];
        state[19] = light;
        Step {
            time_s: 10.0,
            vehicles: vec![car("v", lane, length_m - left_m, speed_mps)],
            persons: Vec::new(),
            signals: vec![SignalSample {
                tls: "n11".into(),
                state: String::from_utf8(state).unwrap(),
                next_switch_s: 20.0,
                phase: 0,
            }],
            colliding: 0,
            done: false,
        }
    }

    fn runners(net: &Net, fraction: f64) -> RedLightRunners {
        let mut r = RedLightRunners::new(net, fraction);
        r.routes
            .insert("v".into(), vec!["n01_n11".into(), "n11_n21".into()]);
        r
    }

    fn modes(sets: &[(u8, String, Set)]) -> Vec<i32> {
        sets.iter()
            .filter_map(|(var, _, v)| match (var, v) {
                (&ids::VAR_SPEEDSETMODE, Set::Int(m)) => Some(*m),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_runner_near_its_line_drives_on_at_red_and_is_sumos_again_past_the_junction() {
        let net = grid();
        let mut r = runners(&net, 1.0);
        assert_eq!(
            r.unrouted(&step(&net, LANE, 20.0, 10.0, b'r')),
            Vec::<&str>::new()
        );
        let sets = r.step(&step(&net, LANE, 20.0, 10.0, b'r'));
        assert_eq!(modes(&sets), vec![SPEED_MODE_THROUGH_RED]);
        assert!(sets.contains(&(ids::VAR_SPEED, "v".into(), Set::Double(10.0))));
        assert_eq!(r.runs, 1);
        // Once: not again on the next step, nor inside the junction.
        assert!(r.step(&step(&net, LANE, 10.0, 10.0, b'r')).is_empty());
        assert!(r.step(&step(&net, ":n11_19_0", 5.0, 10.0, b'r')).is_empty());
        let sets = r.step(&step(&net, "n11_n21_1", 100.0, 10.0, b'r'));
        assert_eq!(modes(&sets), vec![ids::SPEED_MODE_DEFAULT]);
        assert!(sets.contains(&(ids::VAR_SPEED, "v".into(), Set::Double(-1.0))));
        assert_eq!(r.runs, 1);
    }

    #[test]
    fn nobody_runs_a_green_light_nor_from_afar_nor_slowly_nor_when_not_a_runner() {
        let net = grid();
        for (fraction, left_m, speed_mps, light) in [
            (1.0, 20.0, 10.0, b'G'),
            (1.0, RUN_WITHIN_M + 5.0, 10.0, b'r'),
            (1.0, 20.0, RUN_MIN_MPS - 1.0, b'r'),
            (0.0, 20.0, 10.0, b'r'),
        ] {
            let mut r = runners(&net, fraction);
            assert!(
                r.step(&step(&net, LANE, left_m, speed_mps, light))
                    .is_empty(),
                "{fraction} {left_m} {speed_mps} {}",
                light as char
            );
            assert_eq!(r.runs, 0);
        }
        // Yellow is run too: the runner does not brake for it.
        let mut r = runners(&net, 1.0);
        assert_eq!(r.step(&step(&net, LANE, 20.0, 10.0, b'y')).len(), 2);
        // A runner whose route is not known yet is asked about, and runs nothing meanwhile.
        let mut r = RedLightRunners::new(&net, 1.0);
        let s = step(&net, LANE, 20.0, 10.0, b'r');
        assert_eq!(r.unrouted(&s), vec!["v"]);
        assert!(r.step(&s).is_empty());
    }

    #[test]
    fn a_runner_who_heeds_a_warning_stops_for_that_light() {
        let net = grid();
        // Warned before the light turned: no run on that approach.
        let mut r = runners(&net, 1.0);
        assert!(r.heed("v", LANE).is_empty());
        assert!(r.step(&step(&net, LANE, 20.0, 10.0, b'r')).is_empty());
        // Warned while running: SUMO's driver again.
        let mut r = runners(&net, 1.0);
        r.step(&step(&net, LANE, 20.0, 10.0, b'r'));
        assert_eq!(modes(&r.heed("v", LANE)), vec![ids::SPEED_MODE_DEFAULT]);
        assert!(r.step(&step(&net, LANE, 15.0, 9.0, b'r')).is_empty());
        // A warning elsewhere changes nothing.
        let mut r = runners(&net, 1.0);
        assert!(r.heed("v", "n11_n21_1").is_empty());
        assert_eq!(r.step(&step(&net, LANE, 20.0, 10.0, b'r')).len(), 2);
    }

    #[test]
    fn a_runner_who_stops_short_of_its_line_all_the_same_does_not_run_from_there() {
        let net = grid();
        let mut r = runners(&net, 1.0);
        r.step(&step(&net, LANE, 20.0, 10.0, b'r'));
        // Still rolling: still running.
        assert!(r.step(&step(&net, LANE, 5.0, 2.0, b'r')).is_empty());
        // Standing at its line: SUMO's driver again, and not a runner there when it drives
        // off while the light is still against it.
        let sets = r.step(&step(&net, LANE, 0.5, 0.0, b'r'));
        assert_eq!(modes(&sets), vec![ids::SPEED_MODE_DEFAULT]);
        assert!(r.step(&step(&net, LANE, 0.3, 6.0, b'r')).is_empty());
        assert_eq!(r.runs, 1);
    }

    #[test]
    fn a_share_of_drivers_run_red_lights() {
        let n = (0..10_000)
            .filter(|i| runner(&format!("veh{i}"), 0.1))
            .count();
        assert!((800..1_200).contains(&n), "{n}");
        assert!(!runner("anything", 0.0));
    }
}
