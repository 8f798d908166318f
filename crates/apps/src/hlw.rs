//! HLW, hazardous location warning (T/CSAE 53-2020): the host is about to enter the zone of a
//! road event an RSU announces in RSI (road works, an accident, ice, ...).
//!
//! Principle: zone membership along the path. The host's path ahead (its heading, `range_m`
//! in steps of 5 m) is tested against each event's zone: within `eventRadius` of its position,
//! or within the half width (`pathRadius`) of one of its reference paths. Warning when the
//! host will be in the zone within `warning_time_s` at its speed (or is in it), information
//! when further.

use crate::scene::{ParticipantId, Scene, distance_to_zone};
use crate::{Advisory, App, Other, Severity, plugin};
use roadcloud_world::events::EventKind;
use serde::{Deserialize, Serialize};

/// HLW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far ahead to look, metres.
    pub range_m: f64,
    /// Time to the zone below which the advisory is a warning, seconds.
    pub warning_time_s: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            range_m: 300.0,
            warning_time_s: 10.0,
            valid_ms: 2_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("HLW", "hazardous location warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        for e in scene.rsi(EventKind::Event) {
            let Some(d) = distance_to_zone(hv, e, p.range_m, 5.0) else {
                continue;
            };
            let t = if hv.speed_mps > 0.5 {
                d / hv.speed_mps
            } else {
                f64::INFINITY
            };
            let severity = if d == 0.0 || t <= p.warning_time_s {
                Severity::Warning
            } else {
                Severity::Info
            };
            let what = e.description.as_deref().unwrap_or("road event");
            out.push(
                Advisory::new("HLW", severity, hv, target, scene, p.valid_ms)
                    .about(rsi_other(e))
                    .distance(d)
                    .detail(format!("hazard (event {}) in {d:.0} m: {what}", e.code)),
            );
        }
    }
}

/// An RSI event or sign as the other party of an advisory.
pub(crate) fn rsi_other(e: &roadcloud_world::events::RoadEvent) -> Other {
    let sign = e.kind == EventKind::Sign;
    Other {
        id: ParticipantId::Rsi {
            rsu: e.rsu,
            sign,
            id: e.local_id,
        },
        kind: if sign { "sign" } else { "event" },
        position: e.position,
    }
}
