//! The closed loop: SUMO's drivers heed roadcloud's advisories as drivers would, so that a
//! run with roadcloud can be compared with one without (`roadcloud eval --respond`).
//!
//! Which vehicles carry an OBU ([`equipped`]) and each driver's reaction time
//! ([`reaction_s`], 1 to 1.5 s) are drawn from the vehicle's id, so every run of a scenario
//! draws the same. A driver who receives a warning or an alert of a safety application
//! slows down after its reaction time, as the advisory asks: an alert by braking at
//! [`ALERT_DECEL_MPS2`], a warning at [`WARNING_DECEL_MPS2`], for [`RESPONSE_S`]; a red
//! light violation warning asks the driver to stop at the stop line, and the driver brakes
//! evenly to a stop there (T/CSAE 53-2020 RLVW: the warning is to keep the driver from
//! entering on red), not for a moment and then on towards the line.

use crate::bridge::device_id;
use std::collections::HashMap;

/// The applications whose advisories ask a driver to slow down or stop. Not DNPW: it asks
/// the driver not to overtake (T/CSAE 53-2020 DNPW), which SUMO's drivers never do through
/// the oncoming lane; braking on it would be a reaction nobody asked for. Nor BSW and LCW:
/// they ask the driver not to change lanes.
pub const SLOWING: [&str; 8] = ["FCW", "ICW", "LTA", "EBW", "VRUCW", "RLVW", "AVW", "CLW"];
/// Deceleration a driver brakes with on an alert, m/s².
pub const ALERT_DECEL_MPS2: f64 = 4.0;
/// Deceleration a driver slows with on a warning, m/s².
pub const WARNING_DECEL_MPS2: f64 = 2.5;
/// How long a driver keeps slowing, seconds.
pub const RESPONSE_S: f64 = 1.5;

/// A number in [0, 1) drawn from a SUMO id and a salt.
pub(crate) fn draw(sumo_id: &str, salt: u8) -> f64 {
    let id = device_id(&format!("{sumo_id}\u{0}{salt}"));
    f64::from(u32::from_be_bytes(id[4..8].try_into().expect("4 octets")))
        / (f64::from(u32::MAX) + 1.0)
}

/// Whether the vehicle carries an OBU, when a `fraction` of vehicles do.
pub fn equipped(sumo_id: &str, fraction: f64) -> bool {
    fraction >= 1.0 || draw(sumo_id, 1) < fraction
}

/// The driver's reaction time, seconds: 1 to 1.5 s.
pub fn reaction_s(sumo_id: &str) -> f64 {
    1.0 + 0.5 * draw(sumo_id, 2)
}

/// A reaction to come.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    /// When the advisory was heard.
    heard_s: f64,
    due_s: f64,
    vehicle: String,
    decel_mps2: f64,
    /// To stop at the line this far ahead when heard (RLVW), metres.
    stop_line_m: Option<f64>,
}

/// The drivers' reactions to advisories.
#[derive(Debug, Default)]
pub struct Responder {
    pending: Vec<Pending>,
    /// When each driver last started reacting: a driver reacts to a situation once, not to
    /// every repeat of its advisory.
    reacting_until: HashMap<String, f64>,
    /// Reactions carried out.
    pub reactions: usize,
}

impl Responder {
    /// Vehicle `sumo_id` received an advisory of `scenario` with `severity` at `at_s`, about
    /// something `distance_m` ahead (RLVW: its stop line).
    pub fn advise(
        &mut self,
        at_s: f64,
        sumo_id: &str,
        (scenario, severity): (&str, &str),
        distance_m: Option<f64>,
    ) {
        if !SLOWING.contains(&scenario) {
            return;
        }
        let decel_mps2 = match severity {
            "alert" => ALERT_DECEL_MPS2,
            "warning" => WARNING_DECEL_MPS2,
            _ => return,
        };
        let due_s = at_s + reaction_s(sumo_id);
        if self.reacting_until.get(sumo_id).is_some_and(|u| *u >= at_s)
            || self.pending.iter().any(|p| p.vehicle == sumo_id)
        {
            return;
        }
        self.pending.push(Pending {
            heard_s: at_s,
            due_s,
            vehicle: sumo_id.to_string(),
            decel_mps2,
            stop_line_m: distance_m.filter(|_| scenario == "RLVW"),
        });
    }

    /// The reactions due at `now_s`: (SUMO id, target speed m/s, over seconds), given each
    /// vehicle's speed now.
    pub fn due(&mut self, now_s: f64, speed_mps: &HashMap<&str, f64>) -> Vec<(String, f64, f64)> {
        let mut out = Vec::new();
        self.pending.retain(|p| {
            if p.due_s > now_s {
                return true;
            }
            let Some(&v) = speed_mps.get(p.vehicle.as_str()) else {
                return false;
            };
            // Stopping at the line: what is left of it once the driver reacts (driven on at
            // about its speed meanwhile), braked over evenly.
            let stop_over_s = p
                .stop_line_m
                .map(|d| d - v * (now_s - p.heard_s))
                .filter(|left_m| *left_m > 1.0 && v > 0.5)
                .map(|left_m| 2.0 * left_m / v);
            out.push(match stop_over_s {
                Some(over_s) => (p.vehicle.clone(), 0.0, over_s),
                None => (
                    p.vehicle.clone(),
                    (v - p.decel_mps2 * RESPONSE_S).max(0.0),
                    RESPONSE_S,
                ),
            });
            false
        });
        for (v, _, over_s) in &out {
            self.reacting_until.insert(v.clone(), now_s + over_s);
        }
        self.reactions += out.len();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drivers_react_once_after_their_reaction_time() {
        let mut r = Responder::default();
        let t = reaction_s("a");
        assert!((1.0..1.5).contains(&t));
        r.advise(10.0, "a", ("FCW", "alert"), Some(20.0));
        r.advise(10.1, "a", ("FCW", "alert"), Some(18.0)); // a repeat: one reaction
        r.advise(10.0, "b", ("GLOSA", "info"), None); // no slowing asked
        r.advise(10.0, "b", ("DNPW", "warning"), None); // not overtaking asked
        let speeds = HashMap::from([("a", 10.0), ("b", 10.0)]);
        assert!(r.due(10.0 + t - 0.05, &speeds).is_empty());
        let due = r.due(10.0 + t + 0.05, &speeds);
        assert_eq!(
            due,
            vec![("a".to_string(), 10.0 - 4.0 * RESPONSE_S, RESPONSE_S)]
        );
        assert!(r.due(20.0, &speeds).is_empty());
        assert_eq!(r.reactions, 1);
    }

    #[test]
    fn a_driver_warned_of_a_red_light_brakes_to_a_stop_at_the_line() {
        let mut r = Responder::default();
        let t = reaction_s("c");
        // 40 m from the line at 10 m/s: after the reaction 40 - 10 t are left, braked over
        // evenly in 2 (40 - 10 t) / 10 s; and nothing more while it brakes.
        r.advise(10.0, "c", ("RLVW", "warning"), Some(40.0));
        let speeds = HashMap::from([("c", 10.0)]);
        let due = r.due(10.0 + t, &speeds);
        let over_s = 2.0 * (40.0 - 10.0 * t) / 10.0;
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].1, (due[0].2 - over_s).abs() < 1e-9), (0.0, true));
        r.advise(10.0 + t + 1.0, "c", ("RLVW", "alert"), Some(20.0));
        assert!(r.due(10.0 + 2.0 * t + 1.1, &speeds).is_empty());
        // Already at the line when it reacts: the usual slowing.
        r.advise(30.0, "c", ("RLVW", "alert"), Some(5.0));
        let due = r.due(30.0 + t, &speeds);
        assert_eq!(due[0].2, RESPONSE_S);
    }

    #[test]
    fn a_share_of_vehicles_is_equipped() {
        let n = (0..10_000)
            .filter(|i| equipped(&format!("veh{i}"), 0.3))
            .count();
        assert!((2_700..3_300).contains(&n), "{n}");
        assert!(equipped("anything", 1.0));
    }
}
