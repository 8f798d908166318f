//! The closed loop: SUMO's drivers heed roadcloud's advisories as drivers would, so that a
//! run with roadcloud can be compared with one without (`roadcloud eval --respond`).
//!
//! Which vehicles carry an OBU ([`equipped`]) and each driver's reaction time
//! ([`reaction_s`], 1 to 1.5 s) are drawn from the vehicle's id, so every run of a scenario
//! draws the same. A driver who receives a warning or an alert of a safety application
//! slows down after its reaction time, as the advisory asks: an alert by braking at
//! [`ALERT_DECEL_MPS2`], a warning at [`WARNING_DECEL_MPS2`], for [`RESPONSE_S`].

use crate::bridge::device_id;
use std::collections::HashMap;

/// The applications whose advisories ask a driver to slow down or stop.
pub const SLOWING: [&str; 9] = [
    "FCW", "ICW", "LTA", "EBW", "VRUCW", "RLVW", "AVW", "CLW", "DNPW",
];
/// Deceleration a driver brakes with on an alert, m/s².
pub const ALERT_DECEL_MPS2: f64 = 4.0;
/// Deceleration a driver slows with on a warning, m/s².
pub const WARNING_DECEL_MPS2: f64 = 2.5;
/// How long a driver keeps slowing, seconds.
pub const RESPONSE_S: f64 = 1.5;

/// A number in [0, 1) drawn from a SUMO id and a salt.
fn draw(sumo_id: &str, salt: u8) -> f64 {
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
    due_s: f64,
    vehicle: String,
    decel_mps2: f64,
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
    /// Vehicle `sumo_id` received an advisory of `scenario` with `severity` at `at_s`.
    pub fn advise(&mut self, at_s: f64, sumo_id: &str, scenario: &str, severity: &str) {
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
            due_s,
            vehicle: sumo_id.to_string(),
            decel_mps2,
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
            if let Some(v) = speed_mps.get(p.vehicle.as_str()) {
                out.push((
                    p.vehicle.clone(),
                    (v - p.decel_mps2 * RESPONSE_S).max(0.0),
                    RESPONSE_S,
                ));
            }
            false
        });
        for (v, ..) in &out {
            self.reacting_until.insert(v.clone(), now_s + RESPONSE_S);
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
        r.advise(10.0, "a", "FCW", "alert");
        r.advise(10.1, "a", "FCW", "alert"); // a repeat: one reaction
        r.advise(10.0, "b", "GLOSA", "info"); // no slowing asked
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
    fn a_share_of_vehicles_is_equipped() {
        let n = (0..10_000)
            .filter(|i| equipped(&format!("veh{i}"), 0.3))
            .count();
        assert!((2_700..3_300).contains(&n), "{n}");
        assert!(equipped("anything", 1.0));
    }
}
