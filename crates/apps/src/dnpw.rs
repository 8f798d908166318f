//! DNPW, do not pass warning (T/CSAE 53-2020): the host signals to overtake through the
//! oncoming lane while oncoming traffic is too near.
//!
//! Principle: passing sight distance as time. With its left turn signal on (right-hand
//! traffic overtakes on the left) and away from an intersection's stop line (more than
//! `min_stop_line_m`, else the signal means a turn), the host looks for oncoming vehicles
//! (headings at least 150 degrees apart) ahead in the lane to its left (`min_lateral_m` to
//! `max_lateral_m` to the left). Meeting one within `passing_time_s` (the gap over the sum
//! of the speeds) is a warning.

use crate::scene::{Brief, Scene, relative};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// DNPW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Time an overtaking manoeuvre needs, seconds.
    pub passing_time_s: f64,
    /// Nearest lateral distance of the oncoming lane, metres (left of the host).
    pub min_lateral_m: f64,
    /// Farthest, metres.
    pub max_lateral_m: f64,
    /// How far ahead to look, metres.
    pub range_m: f64,
    /// Within this of a stop line a left signal means a turn, not an overtaking, metres.
    pub min_stop_line_m: f64,
    /// The host's speed below which there is no warning, m/s.
    pub min_speed_mps: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            passing_time_s: 10.0,
            min_lateral_m: 1.5,
            max_lateral_m: 6.0,
            range_m: 300.0,
            min_stop_line_m: 60.0,
            min_speed_mps: 5.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("DNPW", "do not pass warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle()
            || hv.speed_mps < p.min_speed_mps
            || !hv.track.status.left_turn_signal
            || hv
                .lane
                .is_some_and(|l| l.to_stop_line_m < p.min_stop_line_m)
        {
            continue;
        }
        // Oncoming, 150 degrees or more from the host's heading (tested exactly below): a
        // cheap test first.
        let oncoming = |rv: &Brief| rv.heading_cos(hv).is_some_and(|c| c < -0.86);
        for rv in scene.around_where(hv, p.range_m, |rv| rv.is_vehicle() && oncoming(rv)) {
            let Some(r) = relative(hv, rv) else { continue };
            let left = -r.right_m;
            if r.heading_diff_deg < 150.0
                || r.ahead_m <= 0.0
                || !(p.min_lateral_m..=p.max_lateral_m).contains(&left)
            {
                continue;
            }
            let t = r.ahead_m / (hv.speed_mps + rv.speed_mps).max(0.1);
            if t > p.passing_time_s {
                continue;
            }
            out.push(
                Advisory::new("DNPW", Severity::Warning, hv, target, scene, p.valid_ms)
                    .about(rv.as_other())
                    .ttc(t)
                    .distance(r.ahead_m)
                    .detail(format!(
                        "oncoming vehicle {:.0} m ahead, meeting in {t:.1} s: do not overtake",
                        r.ahead_m
                    )),
            );
        }
    }
}
