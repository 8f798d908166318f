//! RLVW, red light violation warning (T/CSAE 53-2020): at its speed the host will cross the
//! stop line on red.
//!
//! Principle: stopping distance against the signal at arrival. The host's lane (MAP) gives the
//! distance to the stop line and the phase that governs it (the lane's connection), SPAT gives
//! that phase's state at the host's arrival time (its speed and acceleration, within
//! `horizon_s`). When the light will be red on arrival (arriving on yellow is allowed to a
//! vehicle that cannot stop safely) and the host is not already braking enough to stop
//! (deceleration needed `v²/2d` above what it brakes now), it is at risk of running the red
//! once the deceleration needed reaches `min_needed_decel_mps2`: farther out, a driver who
//! has not braked yet is not late. It is warned, and alerted when the deceleration needed
//! exceeds `comfort_decel_mps2`, so that only a hard stop avoids the violation. By default
//! both are 3 m/s² (every advisory an alert): the line at which ICW takes a driver facing red
//! to stop (its `stop_decel_mps2`), and the measured trade-off on SUMO traffic with drivers
//! who run red lights (docs/apps.md, RLVW): from 2 m/s² on, as many runners were warned in
//! time, with two and a half times the advisories to drivers who then stopped.

use crate::scene::{Light, Scene, time_to_cover};
use crate::{Advisory, App, Severity, plugin};
use roadcloud_world::Millis;
use serde::{Deserialize, Serialize};

/// RLVW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far ahead in time to look, seconds.
    pub horizon_s: f64,
    /// Deceleration a driver brakes with comfortably, m/s².
    pub comfort_decel_mps2: f64,
    /// The deceleration needed to stop at the line from which a driver who is not braking
    /// enough is at risk, m/s².
    pub min_needed_decel_mps2: f64,
    /// The host's speed below which there is no warning, m/s.
    pub min_speed_mps: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            horizon_s: 6.0,
            comfort_decel_mps2: 3.0,
            min_needed_decel_mps2: 3.0,
            min_speed_mps: 3.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("RLVW", "red light violation warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        let Some(lane) = hv.lane.filter(|l| !l.against) else {
            continue;
        };
        if !hv.is_vehicle() || hv.speed_mps < p.min_speed_mps {
            continue;
        }
        let d = lane.to_stop_line_m;
        let Some(t) = time_to_cover(d, hv.speed_mps, hv.accel_mps2).filter(|t| *t <= p.horizon_s)
        else {
            continue;
        };
        let arrival = scene.now + (t * 1000.0) as Millis;
        let Some((phase, light, light_name)) = scene.signal_for(&lane, arrival) else {
            continue;
        };
        if light != Light::Stop {
            continue;
        }
        let needed = hv.speed_mps * hv.speed_mps / (2.0 * d.max(0.1));
        // Already braking at least as hard as needed: it will stop. Not yet needing much:
        // not late yet.
        if -hv.accel_mps2 >= needed || needed < p.min_needed_decel_mps2 {
            continue;
        }
        let severity = if needed > p.comfort_decel_mps2 {
            Severity::Alert
        } else {
            Severity::Warning
        };
        out.push(
            Advisory::new("RLVW", severity, hv, target, scene, p.valid_ms)
                .ttc(t)
                .distance(d)
                .detail(format!(
                    "{} on phase {phase} when reaching the stop line in {t:.1} s ({d:.0} m); \
                     stopping needs {needed:.1} m/s²",
                    light_name
                )),
        );
    }
}
