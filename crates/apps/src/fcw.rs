//! FCW, forward collision warning (T/CSAE 53-2020, scenario 1): the vehicle ahead in the same
//! lane and direction will be hit unless the host acts.
//!
//! Principle: the gap to the nearest vehicle ahead in the lane and the enhanced time to
//! collision ([`time_to_close`]: both keep their speed and acceleration, a braking leader
//! stops). Warning below `ttc_warning_s`, alert below `ttc_alert_s`; 2.7 s is the warning
//! threshold of the CAMP/NHTSA FCW test procedure, 1.5 s leaves a normal driver's reaction
//! and a hard brake.

use crate::scene::{Scene, gap_ahead, time_to_close};
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
    /// Half the lane's width where MAP does not give lanes, metres.
    pub lane_half_width_m: f64,
    /// How far ahead to look, metres.
    pub range_m: f64,
    /// The host's speed below which there is no warning (queues, parking), m/s.
    pub min_speed_mps: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            ttc_warning_s: 2.7,
            ttc_alert_s: 1.5,
            lane_half_width_m: 1.8,
            range_m: 150.0,
            min_speed_mps: 3.0,
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
        let ahead = scene
            .around_where(hv, p.range_m, |rv| rv.is_vehicle())
            .filter_map(|rv| gap_ahead(hv, rv, p.lane_half_width_m).map(|g| (g, rv)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let Some((gap, rv)) = ahead else { continue };
        let Some(ttc) = time_to_close(
            gap,
            (hv.speed_mps, hv.accel_mps2),
            (rv.speed_mps, rv.accel_mps2),
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
