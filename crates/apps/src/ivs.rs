//! IVS, in-vehicle signage (T/CSAE 53-2020): the traffic signs an RSU announces in RSI,
//! shown in the vehicle when they apply to it.
//!
//! Principle: zone membership along the path, as for HLW: a sign applies when the host's path
//! ahead (up to `range_m`) enters its zone (its radius, or its reference paths' half width,
//! which name the lanes and direction it is for).

use crate::hlw::rsi_other;
use crate::scene::{Scene, distance_to_zone};
use crate::{Advisory, App, Severity, plugin};
use roadcloud_world::events::EventKind;
use serde::{Deserialize, Serialize};

/// IVS's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far ahead to look, metres.
    pub range_m: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            range_m: 300.0,
            valid_ms: 5_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("IVS", "in-vehicle signage", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        for s in scene.rsi(EventKind::Sign) {
            let Some(d) = distance_to_zone(hv, s, p.range_m, 5.0) else {
                continue;
            };
            out.push(
                Advisory::new("IVS", Severity::Info, hv, target, scene, p.valid_ms)
                    .about(rsi_other(s))
                    .distance(d)
                    .detail(format!("sign {} in {d:.0} m", s.code)),
            );
        }
    }
}
