//! Distracted drivers. SUMO's drivers never look away: a Krauss driver sees its leader at
//! every step and brakes in time, so a forward collision warning can only reach a driver
//! already braking (docs/sumo.md#the-closed-loop---respond) and the closed loop measures
//! nothing a warning is for. With `--distracted S`, SUMO's drivers look away for moments
//! that make up a share S of their driving: a moment begins at a step drawn from the
//! vehicle's id and the step's time (so every run has the same ones, whatever the traffic
//! does), lasts [`MIN_S`] to [`MAX_S`] (drawn the same way), and while it lasts the driver
//! holds its speed and does not brake for the vehicle ahead (TraCI speed mode
//! [`SPEED_MODE_LOOKING_AWAY`]); it still stops for red lights and gives way at junctions,
//! which SUMO's junction model handles apart. The moment ends when its time is up or when the
//! driver reacts to a warning ([`DistractedDrivers::heed`], the closed loop), and SUMO drives
//! it again.

use crate::cosim::{Step, Sumo};
use crate::traci::{Set, default_driving, ids};
use std::collections::{BTreeMap, HashSet};
use std::io;

/// The shortest moment of looking away, seconds.
pub const MIN_S: f64 = 1.0;
/// The longest, seconds.
pub const MAX_S: f64 = 3.0;
/// Below this speed a driver does not start looking away (it stands, or creeps in a
/// queue), m/s.
pub const MIN_SPEED_MPS: f64 = 5.0;
/// SUMO's speed mode of a driver looking away: maximum acceleration and deceleration (bits 1
/// and 2), the right of way at junctions (bit 3) and the braking for a red light (bit 4)
/// kept; the safe speed (bit 0), which brakes for the vehicle ahead, off.
pub const SPEED_MODE_LOOKING_AWAY: i32 = 0b11110;

/// A number in [0, 1) drawn from a SUMO id, a step and a salt: the id's hash and the step
/// through SplitMix64's finaliser, as consecutive steps must draw independently.
fn draw_at(sumo_id: &str, step: u64, salt: u8) -> f64 {
    let mut h = u64::from_be_bytes(crate::bridge::device_id(sumo_id))
        ^ (u64::from(salt) << 56)
        ^ step.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The drivers of a run who look away now and then.
#[derive(Debug, Default)]
pub struct DistractedDrivers {
    /// The share of driving time spent looking away.
    share: f64,
    /// The drivers looking away now: until when, simulated seconds (ordered, so that the
    /// sets go to SUMO in the same order in every run).
    looking_away: BTreeMap<String, f64>,
    /// Moments of looking away begun.
    pub moments: u64,
    /// Moments a warning ended.
    pub ended_by_warnings: u64,
}

impl DistractedDrivers {
    /// Drivers who look away for a `share` (0 to 1) of their driving; none at 0.
    pub fn new(share: f64) -> Self {
        DistractedDrivers {
            share,
            ..Self::default()
        }
    }

    /// Whether vehicle `sumo_id`'s driver looks away now.
    pub fn looking_away(&self, sumo_id: &str) -> bool {
        self.looking_away.contains_key(sumo_id)
    }

    /// After each step: the TraCI vehicle sets due. Moments that are over end; a driver
    /// moving at [`MIN_SPEED_MPS`] or more begins one with the chance that makes the share.
    pub fn step(&mut self, step: &Step, step_s: f64) -> Vec<(u8, String, Set)> {
        let mut sets = Vec::new();
        if self.share <= 0.0 {
            return sets;
        }
        let now_s = step.time_s;
        let present: HashSet<&str> = step.vehicles.iter().map(|v| v.id.as_str()).collect();
        self.looking_away.retain(|id, until_s| {
            let here = present.contains(id.as_str());
            if here && *until_s <= now_s + 1e-9 {
                sets.extend(default_driving(id));
            }
            here && *until_s > now_s + 1e-9
        });
        // A moment lasts (MIN_S + MAX_S) / 2 on average, and none begins during one: a driver
        // who begins one at a step with chance c looks away for x / (1 + x) of the time, x
        // = c mean / step.
        let mean_s = (MIN_S + MAX_S) / 2.0;
        let chance = if self.share >= 1.0 {
            1.0
        } else {
            (self.share / (1.0 - self.share) * step_s / mean_s).min(1.0)
        };
        let tick = (now_s / step_s).round() as u64;
        for v in &step.vehicles {
            if v.speed_mps < MIN_SPEED_MPS
                || self.looking_away.contains_key(&v.id)
                || draw_at(&v.id, tick, 4) >= chance
            {
                continue;
            }
            let for_s = MIN_S + (MAX_S - MIN_S) * draw_at(&v.id, tick, 5);
            self.looking_away.insert(v.id.clone(), now_s + for_s);
            self.moments += 1;
            sets.push((
                ids::VAR_SPEEDSETMODE,
                v.id.clone(),
                Set::Int(SPEED_MODE_LOOKING_AWAY),
            ));
            sets.push((ids::VAR_SPEED, v.id.clone(), Set::Double(v.speed_mps)));
        }
        sets
    }

    /// After each step of `sumo`: carries out [`DistractedDrivers::step`].
    pub fn drive(&mut self, sumo: &mut Sumo, step: &Step) -> io::Result<()> {
        let sets = self.step(step, sumo.step_s());
        sumo.set_vehicles(&sets)?;
        Ok(())
    }

    /// Vehicle `sumo_id`'s driver reacts to a warning: it looks at the road again.
    pub fn heed(&mut self, sumo_id: &str) -> Vec<(u8, String, Set)> {
        match self.looking_away.remove(sumo_id) {
            Some(_) => {
                self.ended_by_warnings += 1;
                default_driving(sumo_id).into()
            }
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::car;

    fn step(time_s: f64, vehicles: &[(&str, f64)]) -> Step {
        Step {
            time_s,
            vehicles: vehicles
                .iter()
                .map(|(id, speed_mps)| car(id, "e_0", 0.0, *speed_mps))
                .collect(),
            ..Step::default()
        }
    }

    fn modes(sets: &[(u8, String, Set)]) -> Vec<(String, i32)> {
        sets.iter()
            .filter_map(|(var, id, v)| match v {
                Set::Int(m) if *var == ids::VAR_SPEEDSETMODE => Some((id.clone(), *m)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn drivers_look_away_for_the_share_of_their_driving_the_same_in_every_run() {
        let run = || {
            let mut d = DistractedDrivers::new(0.1);
            let ids: Vec<String> = (0..50).map(|i| format!("veh{i}")).collect();
            let (mut away, mut log) = (0usize, Vec::new());
            for k in 0..6_000u32 {
                let t = f64::from(k) * 0.1;
                let v: Vec<(&str, f64)> = ids.iter().map(|i| (i.as_str(), 10.0)).collect();
                log.push(modes(&d.step(&step(t, &v), 0.1)));
                away += ids.iter().filter(|i| d.looking_away(i)).count();
            }
            (away as f64 / (50.0 * 6_000.0), log, d.moments)
        };
        let (share, log, moments) = run();
        // A tenth of the time, give or take the draws.
        assert!((0.07..0.13).contains(&share), "{share}");
        assert!(moments > 100, "{moments}");
        assert!(run().1 == log, "a second run looked away otherwise");
        // Nobody starts looking away standing, and at 0 nobody does.
        let mut d = DistractedDrivers::new(0.1);
        for k in 0..1_000u32 {
            assert!(
                d.step(&step(f64::from(k) * 0.1, &[("a", 0.0)]), 0.1)
                    .is_empty()
            );
        }
        let mut d = DistractedDrivers::new(0.0);
        assert!(d.step(&step(0.0, &[("a", 10.0)]), 0.1).is_empty());
    }

    #[test]
    fn a_warning_ends_the_moment() {
        let mut d = DistractedDrivers::new(1.0);
        let sets = d.step(&step(0.0, &[("a", 10.0)]), 0.1);
        assert_eq!(modes(&sets), [("a".to_string(), SPEED_MODE_LOOKING_AWAY)]);
        assert!(d.looking_away("a"));
        assert_eq!(
            modes(&d.heed("a")),
            [("a".to_string(), ids::SPEED_MODE_DEFAULT)]
        );
        assert!(!d.looking_away("a") && d.heed("a").is_empty());
        assert_eq!(d.ended_by_warnings, 1);
        // Otherwise it ends when its time is up: at most MAX_S later.
        let mut d = DistractedDrivers::new(1.0);
        d.step(&step(0.0, &[("b", 10.0)]), 0.1);
        let ended = (1..=40).find(|k| {
            let sets = d.step(&step(f64::from(*k) * 0.1, &[("b", 0.0)]), 0.1);
            modes(&sets) == [("b".to_string(), ids::SPEED_MODE_DEFAULT)]
        });
        assert!(ended.is_some_and(|k| (10..=30).contains(&k)), "{ended:?}");
    }
}
