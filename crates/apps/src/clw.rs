//! CLW, control loss warning (T/CSAE 53-2020): a vehicle near the host's path loses grip.
//!
//! Principle: a vehicle ahead within `range_m`, in the host's lane or the next ones (within
//! `lateral_m` of its heading line), whose ABS, traction control or stability control is at
//! work (DF_BrakeSystemStatus engaged, or the matching DE_VehicleEventFlags).

use crate::scene::{Scene, near, relative};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// CLW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far ahead to look, metres.
    pub range_m: f64,
    /// How far to either side of the host's heading line, metres.
    pub lateral_m: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            range_m: 300.0,
            lateral_m: 6.0,
            valid_ms: 2_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("CLW", "control loss warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    let slipping = scene.select(|rv| rv.track.status.control_loss());
    if slipping.is_empty() {
        return;
    }
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() {
            continue;
        }
        for rv in near(hv, &slipping, p.range_m) {
            let Some(r) = relative(hv, rv) else { continue };
            if r.ahead_m <= 0.0 || r.right_m.abs() > p.lateral_m {
                continue;
            }
            out.push(
                Advisory::new("CLW", Severity::Warning, hv, target, scene, p.valid_ms)
                    .about(rv.as_other())
                    .distance(r.ahead_m)
                    .detail(format!(
                        "vehicle {:.0} m ahead losing control (ABS/TCS/ESC active)",
                        r.ahead_m
                    )),
            );
        }
    }
}
