//! AVW, abnormal vehicle warning (T/CSAE 53-2020): a stopped, crawling or disabled vehicle on
//! the host's path, or one with its hazard lights on.
//!
//! Principle: a vehicle ahead in the lane within `range_m` that has its hazard lights on,
//! reports itself disabled (flat tyre, air bag, `eventDisabledVehicle`), or moves slower than
//! `slow_mps` where traffic is not meant to stop (not within `queue_m` of a stop line);
//! the host must be moving at `min_speed_mps` or more. A vehicle waiting at a stop line is
//! normal traffic, not abnormal.

use crate::scene::{Scene, near};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// AVW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Speed below which a vehicle counts as stopped or crawling, m/s.
    pub slow_mps: f64,
    /// Distance to a stop line within which a slow vehicle is queueing, metres.
    pub queue_m: f64,
    /// How far ahead to look, metres.
    pub range_m: f64,
    /// Where MAP does not give both lanes, how far from the path the other vehicle took the
    /// host may be and still drive in its lane, metres (see `Scene::gap_ahead`).
    pub path_tolerance_m: f64,
    /// The host's speed below which there is no warning, m/s.
    pub min_speed_mps: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            slow_mps: 2.0,
            queue_m: 60.0,
            range_m: 200.0,
            path_tolerance_m: 1.2,
            min_speed_mps: 8.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("AVW", "abnormal vehicle warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    // Only the abnormal ones are worth the geometry.
    let abnormal = scene.select(|rv| {
        let s = rv.track.status;
        rv.is_vehicle() && (s.hazard_lights || s.disabled || rv.speed_mps < p.slow_mps)
    });
    if abnormal.is_empty() {
        return;
    }
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() || hv.speed_mps < p.min_speed_mps {
            continue;
        }
        for rv in near(hv, &abnormal, p.range_m) {
            let s = rv.track.status;
            let queueing = rv.lane.is_some_and(|l| l.to_stop_line_m <= p.queue_m);
            let why = if s.hazard_lights {
                "hazard lights on"
            } else if s.disabled {
                "disabled"
            } else if rv.speed_mps < p.slow_mps && !queueing {
                "stopped"
            } else {
                continue;
            };
            let Some(gap) = scene.gap_ahead(hv, rv, p.path_tolerance_m) else {
                continue;
            };
            out.push(
                Advisory::new("AVW", Severity::Warning, hv, target, scene, p.valid_ms)
                    .about(rv.as_other())
                    .distance(gap.max(0.0))
                    .ttc(gap.max(0.0) / hv.speed_mps)
                    .detail(format!("vehicle {gap:.0} m ahead {why}")),
            );
        }
    }
}
