//! EVW, emergency vehicle warning (T/CSAE 53-2020): an emergency vehicle on a call is coming
//! towards the host; make way.
//!
//! Principle: an emergency vehicle (its BSM's DF_VehicleEmergencyExtensions: response type
//! emergency or pursuit, or siren or light bar in use) within `range_m` that is getting
//! closer to the host (its distance in `look_ahead_s` smaller than now). Alert within
//! `alert_m`.

use crate::scene::{Scene, near};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// EVW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far to look, metres.
    pub range_m: f64,
    /// Within this the advisory is an alert, metres.
    pub alert_m: f64,
    /// How far ahead to predict whether it comes closer, seconds.
    pub look_ahead_s: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            range_m: 300.0,
            alert_m: 80.0,
            look_ahead_s: 2.0,
            valid_ms: 2_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("EVW", "emergency vehicle warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    let on_call = scene.select(|ev| ev.track.status.emergency);
    if on_call.is_empty() {
        return;
    }
    for (hv, target) in scene.targets() {
        for ev in near(hv, &on_call, p.range_m) {
            let d = hv.position.distance_to(ev.position);
            let later = hv
                .predict(p.look_ahead_s)
                .distance_to(ev.predict(p.look_ahead_s));
            if later >= d {
                continue;
            }
            let severity = if d <= p.alert_m {
                Severity::Alert
            } else {
                Severity::Warning
            };
            let closing = (d - later) / p.look_ahead_s;
            out.push(
                Advisory::new("EVW", severity, hv, target, scene, p.valid_ms)
                    .about(ev.as_other())
                    .distance(d)
                    .ttc(d / closing)
                    .detail(format!(
                        "emergency vehicle {d:.0} m away approaching: make way"
                    )),
            );
        }
    }
}
