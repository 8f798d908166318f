//! FCW, forward collision warning (T/CSAE 53-2020, scenario 1): the vehicle ahead in the same
//! lane and direction will be hit unless the host acts.
//!
//! Principle: the gap to the nearest vehicle ahead in the lane and the enhanced time to
//! collision ([`time_to_close`]: both keep their speed and acceleration, a braking leader
//! stops; the host's acceleration counts only when it brakes). A leader's deceleration
//! counts only when it is a brake that lasts: at least `leader_braking_mps2` in every report
//! of the last `leader_braking_ms`; otherwise the leader is taken as keeping its speed, and
//! the time is SUMO SSM's time to collision. Warning below `ttc_warning_s`, alert below
//! `ttc_alert_s`; 2.7 s is the warning threshold of the CAMP/NHTSA FCW test procedure,
//! 1.5 s leaves a normal driver's reaction and a hard brake.

use crate::scene::{Scene, time_to_close};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// FCW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Time to collision below which to warn, seconds.
    pub ttc_warning_s: f64,
    /// Time to collision below which to alert, seconds.
    pub ttc_alert_s: f64,
    /// Where MAP does not give both lanes, how far from the path the other vehicle took the
    /// host may be and still drive in its lane, metres (see `Scene::gap_ahead`).
    pub path_tolerance_m: f64,
    /// How far ahead to look, metres.
    pub range_m: f64,
    /// The host's speed below which there is no warning (queues, parking), m/s.
    pub min_speed_mps: f64,
    /// A leader's deceleration below this is taken as none, m/s²: speed keeping varies by
    /// a metre per second squared or two from moment to moment, and one report's reading
    /// of it carried on to a stop announces collisions that a second later are gone.
    pub leader_braking_mps2: f64,
    /// ... and so is a deceleration that has not lasted this long in the leader's reports,
    /// milliseconds (five BSMs at 10 Hz): on the motorway scenario nearly all FCW advisories
    /// rested on a leader's reading of 2.5 m/s² or more carried on to a stop, and two in
    /// three had no conflict behind them: in stop-and-go waves the leader slowed for a few
    /// tenths of a second and drove on (docs/apps.md).
    pub leader_braking_ms: i64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            ttc_warning_s: 2.7,
            ttc_alert_s: 1.5,
            path_tolerance_m: 1.2,
            range_m: 150.0,
            min_speed_mps: 3.0,
            leader_braking_mps2: 2.5,
            leader_braking_ms: 400,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("FCW", "forward collision warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() || hv.speed_mps < p.min_speed_mps {
            continue;
        }
        // The vehicle directly ahead: the nearest in the lane.
        let Some((gap, rv)) = scene.nearest_ahead(hv, p.range_m, p.path_tolerance_m) else {
            continue;
        };
        let brakes = rv
            .track
            .accel_history
            .braking_for_ms(p.leader_braking_mps2)
            .is_some_and(|ms| ms >= p.leader_braking_ms);
        let leader_accel = if rv.accel_mps2 < 0.0 && !brakes {
            0.0
        } else {
            rv.accel_mps2
        };
        // The host's own acceleration is taken only when it brakes: a driver speeding up
        // behind a car speeds up to a gap, not into it, and carrying a moment's
        // acceleration on made most of FCW's warnings on the motorway scenario (median TTC
        // 2.5 s at 17 m with SSM seeing no conflict).
        let Some(ttc) = time_to_close(
            gap,
            (hv.speed_mps, hv.accel_mps2.min(0.0)),
            (rv.speed_mps, leader_accel),
            p.ttc_warning_s,
        ) else {
            continue;
        };
        let severity = if ttc <= p.ttc_alert_s {
            Severity::Alert
        } else {
            Severity::Warning
        };
        out.push(
            Advisory::new("FCW", severity, hv, target, scene, p.valid_ms)
                .about(rv.as_other())
                .ttc(ttc)
                .distance(gap.max(0.0))
                .detail(format!(
                    "vehicle ahead {gap:.0} m, collision in {ttc:.1} s at this speed"
                )),
        );
    }
}
