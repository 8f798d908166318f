//! EBW, emergency brake warning (T/CSAE 53-2020): a vehicle ahead on the host's path brakes
//! hard, possibly hidden behind others.
//!
//! Principle: a vehicle ahead in the lane (up to `range_m`, not only the nearest) that reports
//! `eventHardBraking`, or decelerates at `hard_decel_mps2` or more, warns the vehicles behind
//! it when they would reach it within `max_headway_s` at their speed (farther back, a driver
//! has the time to see the brake lights ahead and brake in turn); an alert when the host would
//! close the gap within `ttc_alert_s`.

use crate::scene::{Scene, near, time_to_close};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// EBW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Deceleration that counts as hard braking, m/s² (positive).
    pub hard_decel_mps2: f64,
    /// How far ahead to look, metres.
    pub range_m: f64,
    /// Where MAP does not give both lanes, how far from the path the other vehicle took the
    /// host may be and still drive in its lane, metres (see `Scene::gap_ahead`).
    pub path_tolerance_m: f64,
    /// Only vehicles that would reach the braking vehicle within this at their speed are
    /// warned (a time headway), seconds.
    pub max_headway_s: f64,
    /// Time to collision below which to alert, seconds.
    pub ttc_alert_s: f64,
    /// The host's speed below which there is no warning, m/s.
    pub min_speed_mps: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            hard_decel_mps2: 4.0,
            range_m: 200.0,
            path_tolerance_m: 1.2,
            max_headway_s: 3.0,
            ttc_alert_s: 2.7,
            min_speed_mps: 3.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("EBW", "emergency brake warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    let braking = scene.select(|rv| {
        rv.is_vehicle()
            && rv.speed_mps >= 0.5
            && (rv.track.status.hard_braking || rv.accel_mps2 <= -p.hard_decel_mps2)
    });
    if braking.is_empty() {
        return;
    }
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() || hv.speed_mps < p.min_speed_mps {
            continue;
        }
        for rv in near(hv, &braking, p.range_m) {
            let Some(gap) = scene
                .gap_ahead(hv, rv, p.path_tolerance_m)
                .filter(|g| *g <= p.max_headway_s * hv.speed_mps)
            else {
                continue;
            };
            let ttc = time_to_close(
                gap,
                (hv.speed_mps, hv.accel_mps2),
                (rv.speed_mps, rv.accel_mps2),
                10.0,
            );
            let severity = match ttc {
                Some(t) if t <= p.ttc_alert_s => Severity::Alert,
                _ => Severity::Warning,
            };
            let mut a = Advisory::new("EBW", severity, hv, target, scene, p.valid_ms)
                .about(rv.as_other())
                .distance(gap.max(0.0))
                .detail(format!(
                    "vehicle {gap:.0} m ahead braking hard ({:.1} m/s²)",
                    -rv.accel_mps2
                ));
            if let Some(t) = ttc {
                a = a.ttc(t);
            }
            out.push(a);
        }
    }
}
