//! VRUCW, vulnerable road user collision warning (T/CSAE 53-2020): a pedestrian or cyclist
//! (from RSM, or a PSM-sending device) and the host are on course to meet.
//!
//! Principle: closest approach. Both are predicted (speed, acceleration, yaw rate) over
//! `horizon_s` in steps of 0.1 s; when they come within `conflict_m` (plus half the host's
//! width) the time to that moment is the time to collision. Warning below `ttc_warning_s`,
//! alert below `ttc_alert_s`. A host that will stop before the meeting point is not on its
//! way to it: braking short of it, or held at a stop line before it by red, by yellow while
//! slowing, or by its lane giving way, with room to stop at `stop_decel_mps2`
//! ([`Scene::stops_before`], as ICW): pedestrians cross in front of the cars their green
//! holds at red.

use crate::scene::{Scene, closest_approach, near};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// VRUCW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far to look for vulnerable road users, metres.
    pub range_m: f64,
    /// Distance beyond half the host's width that counts as a conflict, metres.
    pub conflict_m: f64,
    /// Prediction horizon, seconds.
    pub horizon_s: f64,
    /// Time to collision below which to warn, seconds.
    pub ttc_warning_s: f64,
    /// Time to collision below which to alert, seconds.
    pub ttc_alert_s: f64,
    /// The host's speed below which there is no warning, m/s.
    pub min_speed_mps: f64,
    /// Deceleration at which the host can still stop for red or yellow, m/s².
    pub stop_decel_mps2: f64,
    /// Deceleration above which a host facing yellow is slowing down to stop, m/s².
    pub slowing_mps2: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            range_m: 100.0,
            conflict_m: 1.0,
            horizon_s: 5.0,
            ttc_warning_s: 4.0,
            ttc_alert_s: 2.0,
            min_speed_mps: 1.0,
            stop_decel_mps2: 3.0,
            slowing_mps2: 1.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("VRUCW", "vulnerable road user collision warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    let vulnerable = scene.select(|o| o.is_vulnerable());
    if vulnerable.is_empty() {
        return;
    }
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() || hv.speed_mps < p.min_speed_mps {
            continue;
        }
        for vru in near(hv, &vulnerable, p.range_m) {
            let (t, d) = closest_approach(hv, vru, p.horizon_s, 0.1);
            if d > hv.width_m() / 2.0 + p.conflict_m || t > p.ttc_warning_s {
                continue;
            }
            let to_meeting_m = hv.position.distance_to(hv.predict(t));
            if scene.stops_before(hv, to_meeting_m, p.stop_decel_mps2, p.slowing_mps2) {
                continue;
            }
            let severity = if t <= p.ttc_alert_s {
                Severity::Alert
            } else {
                Severity::Warning
            };
            let now_d = hv.position.distance_to(vru.position);
            out.push(
                Advisory::new("VRUCW", severity, hv, target, scene, p.valid_ms)
                    .about(vru.as_other())
                    .ttc(t)
                    .distance(now_d)
                    .detail(format!(
                        "{} {now_d:.0} m away, on course to meet in {t:.1} s",
                        vru.track.kind.as_str()
                    )),
            );
        }
    }
}
