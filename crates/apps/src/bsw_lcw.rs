//! BSW/LCW, blind spot warning and lane change warning (T/CSAE 53-2020).
//!
//! Principle: a vehicle in the next lane (same direction, `min_lateral_m` to `max_lateral_m`
//! to the side, or the neighbouring MAP lane of the same approach) in the host's blind zone
//! (from `blind_behind_m` behind the host's rear to its front) gives BSW, information; with
//! the turn signal towards it, LCW, a warning. A vehicle in the next lane coming up from
//! behind that will reach the host's rear within `closing_s`, or that would follow the host
//! within `min_gap_s` once it changed, also gives LCW when the signal is on towards it.

use crate::scene::{Brief, Scene, relative};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// BSW/LCW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Nearest lateral distance of the next lane's vehicles, metres.
    pub min_lateral_m: f64,
    /// Farthest, metres.
    pub max_lateral_m: f64,
    /// How far behind the host's rear the blind zone reaches, metres.
    pub blind_behind_m: f64,
    /// A vehicle closing from behind within this warns a lane change, seconds.
    pub closing_s: f64,
    /// A vehicle behind within this time gap (the gap over its speed) warns a lane change:
    /// the change would leave it that close behind, seconds.
    pub min_gap_s: f64,
    /// The host's speed below which there is no warning, m/s.
    pub min_speed_mps: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_lateral_m: 1.5,
            max_lateral_m: 5.0,
            blind_behind_m: 8.0,
            closing_s: 3.0,
            min_gap_s: 1.0,
            min_speed_mps: 3.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("BSW/LCW", "blind spot and lane change warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() || hv.speed_mps < p.min_speed_mps {
            continue;
        }
        let status = hv.track.status;
        let half = hv.length_m() / 2.0;
        // Within 30 degrees of the host's heading (tested exactly below): a cheap test first.
        let same_way = |rv: &Brief| rv.heading_cos(hv).is_none_or(|c| c > 0.86);
        for rv in scene.around_where(hv, 60.0, |rv| rv.is_vehicle() && same_way(rv)) {
            let Some(r) = relative(hv, rv) else { continue };
            if r.heading_diff_deg > 30.0 {
                continue;
            }
            let next_lane = match (hv.lane, rv.lane) {
                (Some(a), Some(b))
                    if a.lane.node == b.lane.node && a.lane.upstream == b.lane.upstream =>
                {
                    a.lane.lane.abs_diff(b.lane.lane) == 1
                }
                _ => (p.min_lateral_m..=p.max_lateral_m).contains(&r.right_m.abs()),
            };
            if !next_lane {
                continue;
            }
            let left = r.right_m < 0.0;
            let signalling = if left {
                status.left_turn_signal
            } else {
                status.right_turn_signal
            };
            // Its front against the host's rear: in the blind zone, or coming up fast.
            let rv_front = r.ahead_m + rv.length_m() / 2.0;
            let in_blind_zone = rv_front >= -half - p.blind_behind_m && r.ahead_m <= half;
            let closing = hv.speed_mps - rv.speed_mps * r.heading_diff_deg.to_radians().cos();
            let behind_gap = -half - rv_front;
            let coming = behind_gap > 0.0
                && ((closing < 0.0 && behind_gap / -closing <= p.closing_s)
                    || behind_gap < p.min_gap_s * rv.speed_mps);
            let (scenario, severity) = match (in_blind_zone, coming, signalling) {
                (true, _, false) => ("BSW", Severity::Info),
                (true, _, true) | (false, true, true) => ("LCW", Severity::Warning),
                _ => continue,
            };
            let side = if left { "left" } else { "right" };
            let mut a = Advisory::new(scenario, severity, hv, target, scene, p.valid_ms)
                .about(rv.as_other())
                .distance(hv.position.distance_to(rv.position))
                .detail(format!("vehicle in the {side} lane beside or behind you"));
            if coming && closing < 0.0 {
                a = a.ttc(behind_gap / -closing);
            }
            out.push(a);
        }
    }
}
