//! GLOSA, green light optimal speed advisory (T/CSAE 53-2020): the speed band that reaches
//! the stop line while the light is green.
//!
//! Principle: the host's lane (MAP) gives the distance `d` to the stop line and its phase;
//! SPAT gives that phase's coming states. For the first green window `[start, end]` that can
//! be reached within `[min_speed_mps, limit]` (the lane's limit, else `max_speed_mps`), the
//! advice is `[d / (end - now), d / (start - now)]` clipped to those bounds. A red or yellow
//! without a following state is taken to turn green at its likely end and stay green at
//! least `assumed_green_s`.

use crate::scene::{Light, Scene};
use crate::{Advisory, App, Severity, plugin};
use roadcloud_world::Millis;
use serde::{Deserialize, Serialize};

/// GLOSA's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// The slowest speed worth advising, m/s.
    pub min_speed_mps: f64,
    /// The fastest, where the lane gives no limit, m/s.
    pub max_speed_mps: f64,
    /// Distance to the stop line within which to advise, metres.
    pub range_m: f64,
    /// Minimum green assumed after a red that SPAT gives no successor for, seconds.
    pub assumed_green_s: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_speed_mps: 5.0,
            max_speed_mps: 16.7,
            range_m: 300.0,
            assumed_green_s: 5.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("GLOSA", "green light optimal speed advisory", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        let Some(lane) = hv.lane.filter(|l| !l.against) else {
            continue;
        };
        let d = lane.to_stop_line_m;
        if !hv.is_vehicle() || d > p.range_m || d < 5.0 {
            continue;
        }
        let Some(steps) = scene.phase_steps(&lane) else {
            continue;
        };
        let limit = lane.speed_limit_mps.unwrap_or(p.max_speed_mps);
        // Green windows, in order.
        let mut windows: Vec<(Millis, Millis)> = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let start = s.start.unwrap_or(scene.now);
            match (Light::of(s), s.likely_end) {
                (Light::Go, Some(end)) => windows.push((start, end)),
                (Light::Stop | Light::Yellow, Some(end)) if i + 1 == steps.len() => {
                    windows.push((end, end + (p.assumed_green_s * 1000.0) as Millis));
                }
                _ => {}
            }
        }
        let band = windows.iter().find_map(|&(start, end)| {
            let t_end = (end - scene.now) as f64 / 1000.0;
            if t_end <= 0.0 {
                return None;
            }
            let t_start = ((start - scene.now) as f64 / 1000.0).max(0.0);
            let hi = if t_start > 0.0 {
                d / t_start
            } else {
                f64::INFINITY
            }
            .min(limit);
            let lo = (d / t_end).max(p.min_speed_mps);
            (lo <= hi).then_some((lo, hi, t_start, t_end))
        });
        let Some((lo, hi, t_start, t_end)) = band else {
            continue;
        };
        let mut a = Advisory::new("GLOSA", Severity::Info, hv, target, scene, p.valid_ms)
            .distance(d)
            .detail(format!(
                "{:.0}-{:.0} km/h reaches the stop line ({d:.0} m) on green \
                 ({t_start:.0}-{t_end:.0} s from now)",
                lo * 3.6,
                hi * 3.6
            ));
        a.advised_speed_mps = Some((lo, hi));
        out.push(a);
    }
}
