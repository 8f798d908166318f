//! LTA, left turn assist (T/CSAE 53-2020): the host turns left across oncoming traffic that
//! will reach the intersection too soon.
//!
//! Principle: gap acceptance. The host intends to turn left when its MAP lane allows a left
//! turn and not straight on, or its left turn signal is on; it is near the intersection (within
//! `approach_m` of its stop line, or without a lane within `approach_m` of the intersection's
//! reference point). An oncoming vehicle (headings at least `oncoming_deg` apart) approaching
//! the same intersection that will reach its reference point within `gap_s` is a conflict.

use crate::scene::{Scene, relative};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// LTA's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// The host's distance to its stop line (or the intersection) within which to assist,
    /// metres.
    pub approach_m: f64,
    /// Headings this far apart are oncoming, degrees.
    pub oncoming_deg: f64,
    /// Oncoming traffic reaching the intersection within this is a conflict, seconds.
    pub gap_s: f64,
    /// How far to look for oncoming traffic, metres.
    pub range_m: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            approach_m: 40.0,
            oncoming_deg: 150.0,
            gap_s: 5.0,
            range_m: 200.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("LTA", "left turn assist", evaluate)
}

/// `maneuvers` bits (DE_AllowedManeuvers): 0 straight, 1 left.
const STRAIGHT: u16 = 1 << 0;
const LEFT: u16 = 1 << 1;

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() {
            continue;
        }
        let lane_left = hv
            .lane
            .and_then(|m| scene.lane(&m))
            .and_then(|l| l.maneuvers)
            .is_some_and(|m| m & LEFT != 0 && m & STRAIGHT == 0);
        if !(lane_left || hv.track.status.left_turn_signal) {
            continue;
        }
        // The intersection it turns at, and whether it is near it.
        let node = match hv.lane {
            Some(m) if m.to_stop_line_m <= p.approach_m => scene.intersections.get(&m.lane.node),
            Some(_) => None,
            None => scene
                .intersections
                .values()
                .find(|x| x.position.distance_to(hv.position) <= p.approach_m),
        };
        let Some(node) = node else { continue };
        for rv in scene.around_where(hv, p.range_m, |rv| rv.is_vehicle() && rv.speed_mps >= 1.0) {
            let Some(r) = relative(hv, rv) else { continue };
            if r.heading_diff_deg < p.oncoming_deg || rv.speed_mps < 1.0 {
                continue;
            }
            let d = rv.position.distance_to(node.position);
            // It must be coming towards the intersection, not leaving it.
            if rv.predict(0.5).distance_to(node.position) >= d {
                continue;
            }
            let t = d / rv.speed_mps;
            if t > p.gap_s {
                continue;
            }
            out.push(
                Advisory::new("LTA", Severity::Warning, hv, target, scene, p.valid_ms)
                    .about(rv.as_other())
                    .ttc(t)
                    .distance(d)
                    .detail(format!(
                        "oncoming vehicle reaches the intersection in {t:.1} s: do not turn left yet"
                    )),
            );
        }
    }
}
