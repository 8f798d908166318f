//! The closed loop: SUMO's drivers heed roadcloud's advisories as drivers would, so that a
//! run with roadcloud can be compared with one without (`roadcloud eval --respond`).
//!
//! Which vehicles carry an OBU ([`equipped`]) and each driver's reaction time
//! ([`reaction_s`], 1 to 1.5 s) are drawn from the vehicle's id, so every run of a scenario
//! draws the same. A driver who receives a warning or an alert of a safety application
//! slows down after its reaction time, as the advisory asks, at [`ALERT_DECEL_MPS2`] on an
//! alert and [`WARNING_DECEL_MPS2`] on a warning:
//! - warned of a vehicle ahead in its lane (FCW, EBW, AVW: [`AHEAD`]), the driver brakes
//!   evenly down to that vehicle's speed (the advisory's distance over its time to
//!   collision gives it), so as to reach it [`STANDSTILL_GAP_M`] behind it, or at the
//!   advisory's deceleration when it is already that close; a driver who finds itself no
//!   faster than that vehicle by the time it reacts does nothing;
//! - warned of a red light (RLVW), the driver brakes evenly to a stop at the stop line
//!   (T/CSAE 53-2020 RLVW: the warning is to keep the driver from entering on red);
//! - otherwise (a crossing, a left turn, a pedestrian) it slows for [`RESPONSE_S`].
//!
//! While it reacts, SUMO's own driver still brakes as hard as the traffic needs
//! ([`SPEED_MODE_REACTING`]).

use crate::bridge::device_id;
use crate::traci::{Set, ids};
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
/// How long a driver keeps slowing for a crossing, a turn or a pedestrian, seconds.
pub const RESPONSE_S: f64 = 1.5;
/// The applications that warn of a vehicle ahead in the host's lane: the driver brakes
/// evenly down to its speed. Slowing for [`RESPONSE_S`] and then letting SUMO's driver
/// speed up again took it back towards the queue it had been warned of, and braking to a
/// stop far short of one let SUMO's driver creep up to it at up to 5 m/s, each another
/// conflict under 1.5 s (docs/sumo.md#the-closed-loop---respond).
pub const AHEAD: [&str; 3] = ["FCW", "EBW", "AVW"];
/// The gap a driver braking for a vehicle ahead means to keep to it, metres: SUMO's
/// default `minGap`, the gap its drivers keep when they stop in a queue.
pub const STANDSTILL_GAP_M: f64 = 2.5;
/// SUMO's speed mode for a driver carrying out a reaction: its default but for bit 2
/// ("regard maximum deceleration"). With that bit SUMO keeps a commanded speed, its own
/// safe speed included, within the vehicle's `decel`: a driver slowing on a warning could
/// not brake harder for a car cutting in, and struck it where SUMO's driver alone would
/// have braked up to its emergency deceleration (measured on a two-vehicle road: 4.5
/// m/s² and a collision with bit 2, SUMO's safe speed without it). The reaction itself
/// never asks more than [`ALERT_DECEL_MPS2`].
pub const SPEED_MODE_REACTING: i32 = 0b11011;

/// The set that puts vehicle `sumo_id` in [`SPEED_MODE_REACTING`].
pub fn reacting_mode(sumo_id: &str) -> (u8, String, Set) {
    (
        ids::VAR_SPEEDSETMODE,
        sumo_id.to_string(),
        Set::Int(SPEED_MODE_REACTING),
    )
}

/// What a driver heard: the fields of an advisory its reaction rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    /// The application (`FCW`, `RLVW`, ...).
    pub scenario: String,
    /// `info`, `warning` or `alert`.
    pub severity: String,
    /// The distance to what it is about (RLVW: the stop line), metres.
    pub distance_m: Option<f64>,
    /// The time to collision it gives, seconds.
    pub ttc_s: Option<f64>,
}

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
    /// The driver's speed then, m/s.
    speed_mps: f64,
    due_s: f64,
    vehicle: String,
    decel_mps2: f64,
    /// To stop at the line this far ahead when heard (RLVW), metres.
    stop_line_m: Option<f64>,
    /// The vehicle ahead it was warned of ([`AHEAD`]): its distance when heard, metres,
    /// and its speed, m/s.
    ahead: Option<(f64, f64)>,
}

/// A driver's reaction, due after its reaction time: it looks at the road again (ending a
/// moment of looking away, [`crate::distraction`]) and slows down as the advisory asks.
#[derive(Debug, Clone, PartialEq)]
pub struct Reaction {
    /// SUMO's id of the vehicle.
    pub vehicle: String,
    /// Down to this speed (m/s) over these seconds (TraCI's `slowDown`); none when the
    /// driver finds nothing to slow for.
    pub slow_down: Option<(f64, f64)>,
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
    /// Vehicle `sumo_id`, driving at `speed_mps`, heard an advisory at `at_s`.
    pub fn advise(&mut self, at_s: f64, sumo_id: &str, speed_mps: f64, heard: &Heard) {
        let scenario = heard.scenario.as_str();
        if !SLOWING.contains(&scenario) {
            return;
        }
        let decel_mps2 = match heard.severity.as_str() {
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
        // The vehicle ahead closes at its distance over the time to collision.
        let ahead = match (heard.distance_m, heard.ttc_s) {
            (Some(d), Some(ttc)) if AHEAD.contains(&scenario) && ttc > 0.0 => {
                Some((d, (speed_mps - d / ttc).max(0.0)))
            }
            _ => None,
        };
        self.pending.push(Pending {
            heard_s: at_s,
            speed_mps,
            due_s,
            vehicle: sumo_id.to_string(),
            decel_mps2,
            stop_line_m: heard.distance_m.filter(|_| scenario == "RLVW"),
            ahead,
        });
    }

    /// The reactions due at `now_s`, given each vehicle's speed now.
    pub fn due(&mut self, now_s: f64, speed_mps: &HashMap<&str, f64>) -> Vec<Reaction> {
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
            let slow_down = match (stop_over_s, p.ahead) {
                (Some(over_s), _) => Some((0.0, over_s)),
                // No longer faster than the vehicle ahead: nothing to slow for.
                (None, Some((_, ahead_mps))) if v <= ahead_mps + 0.1 => None,
                (None, Some((gap_m, ahead_mps))) => {
                    // The gap left once the driver reacts (closed meanwhile at about the
                    // speeds heard, an underestimate if it slowed), braked over evenly to
                    // the other's speed; harder if that leaves too little.
                    let closing_mps = v - ahead_mps;
                    let left_m = gap_m - (p.speed_mps - ahead_mps) * (now_s - p.heard_s);
                    let decel_mps2 = if left_m > STANDSTILL_GAP_M + 1.0 {
                        closing_mps.powi(2) / (2.0 * (left_m - STANDSTILL_GAP_M))
                    } else {
                        p.decel_mps2
                    };
                    Some((ahead_mps, closing_mps / decel_mps2.max(0.5)))
                }
                (None, None) => Some(((v - p.decel_mps2 * RESPONSE_S).max(0.0), RESPONSE_S)),
            };
            out.push(Reaction {
                vehicle: p.vehicle.clone(),
                slow_down,
            });
            false
        });
        for r in &out {
            if let Some((_, over_s)) = r.slow_down {
                self.reacting_until
                    .insert(r.vehicle.clone(), now_s + over_s);
                self.reactions += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slowing of each reaction that has one.
    fn commands(due: Vec<Reaction>) -> Vec<(String, f64, f64)> {
        due.into_iter()
            .filter_map(|r| r.slow_down.map(|(v, s)| (r.vehicle, v, s)))
            .collect()
    }

    fn due_of(
        r: &mut Responder,
        now_s: f64,
        speeds: &HashMap<&str, f64>,
    ) -> Vec<(String, f64, f64)> {
        commands(r.due(now_s, speeds))
    }

    fn heard(scenario: &str, severity: &str, distance_m: Option<f64>) -> Heard {
        Heard {
            scenario: scenario.into(),
            severity: severity.into(),
            distance_m,
            ttc_s: None,
        }
    }

    #[test]
    fn drivers_react_once_after_their_reaction_time() {
        let mut r = Responder::default();
        let t = reaction_s("a");
        assert!((1.0..1.5).contains(&t));
        r.advise(10.0, "a", 10.0, &heard("FCW", "alert", Some(20.0)));
        r.advise(10.1, "a", 10.0, &heard("FCW", "alert", Some(18.0))); // a repeat: one reaction
        r.advise(10.0, "b", 10.0, &heard("GLOSA", "info", None)); // no slowing asked
        r.advise(10.0, "b", 10.0, &heard("DNPW", "warning", None)); // not overtaking asked
        let speeds = HashMap::from([("a", 10.0), ("b", 10.0)]);
        assert!(due_of(&mut r, 10.0 + t - 0.05, &speeds).is_empty());
        let due = due_of(&mut r, 10.0 + t + 0.05, &speeds);
        assert_eq!(
            due,
            vec![("a".to_string(), 10.0 - 4.0 * RESPONSE_S, RESPONSE_S)]
        );
        assert!(due_of(&mut r, 20.0, &speeds).is_empty());
        assert_eq!(r.reactions, 1);
    }

    #[test]
    fn a_driver_warned_of_a_red_light_brakes_to_a_stop_at_the_line() {
        let mut r = Responder::default();
        let t = reaction_s("c");
        // 40 m from the line at 10 m/s: after the reaction 40 - 10 t are left, braked over
        // evenly in 2 (40 - 10 t) / 10 s; and nothing more while it brakes.
        r.advise(10.0, "c", 10.0, &heard("RLVW", "warning", Some(40.0)));
        let speeds = HashMap::from([("c", 10.0)]);
        let due = due_of(&mut r, 10.0 + t, &speeds);
        let over_s = 2.0 * (40.0 - 10.0 * t) / 10.0;
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].1, (due[0].2 - over_s).abs() < 1e-9), (0.0, true));
        r.advise(
            10.0 + t + 1.0,
            "c",
            10.0,
            &heard("RLVW", "alert", Some(20.0)),
        );
        assert!(due_of(&mut r, 10.0 + 2.0 * t + 1.1, &speeds).is_empty());
        // Already at the line when it reacts: the usual slowing.
        r.advise(30.0, "c", 10.0, &heard("RLVW", "alert", Some(5.0)));
        let due = due_of(&mut r, 30.0 + t, &speeds);
        assert_eq!(due[0].2, RESPONSE_S);
    }

    #[test]
    fn a_driver_warned_of_a_vehicle_ahead_brakes_evenly_to_its_speed() {
        let mut r = Responder::default();
        let t = reaction_s("d");
        // 60 m behind a vehicle, colliding in 6 s: closing at 10 m/s, so the vehicle ahead
        // is standing. By the reaction 60 - 10 t are left: the driver, down to 8 m/s,
        // brakes evenly to a stop the standstill gap behind it.
        let ahead = |scenario: &str, gap_m: f64, ttc_s| Heard {
            ttc_s: Some(ttc_s),
            ..heard(scenario, "warning", Some(gap_m))
        };
        r.advise(10.0, "d", 10.0, &ahead("FCW", 60.0, 6.0));
        let due = due_of(&mut r, 10.0 + t, &HashMap::from([("d", 8.0)]));
        let decel = 64.0 / (2.0 * (60.0 - 10.0 * t - STANDSTILL_GAP_M));
        assert_eq!((due[0].1, due.len()), (0.0, 1));
        assert!((due[0].2 - 8.0 / decel).abs() < 1e-9, "{due:?}");
        // Already at it when reacting: braking as the warning asks.
        r.advise(30.0, "d", 10.0, &ahead("EBW", 12.0, 1.2));
        let due = due_of(&mut r, 30.0 + t, &HashMap::from([("d", 10.0)]));
        assert_eq!(due, vec![("d".to_string(), 0.0, 10.0 / WARNING_DECEL_MPS2)]);
        // Closing at 5 m/s from 10 m/s: the vehicle ahead does 5 m/s; by the reaction the
        // driver is down to 4 m/s (SUMO's driver braked): nothing to do.
        r.advise(50.0, "d", 10.0, &ahead("AVW", 20.0, 4.0));
        let looked = Reaction {
            vehicle: "d".into(),
            slow_down: None,
        };
        assert_eq!(r.due(50.0 + t, &HashMap::from([("d", 4.0)])), [looked]);
        // A crossing: slowing for a while.
        r.advise(70.0, "d", 10.0, &ahead("ICW", 20.0, 2.0));
        let due = due_of(&mut r, 70.0 + t, &HashMap::from([("d", 10.0)]));
        assert_eq!(due[0].2, RESPONSE_S);
        assert_eq!(r.reactions, 3);
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
