//! TJW, traffic jam warning (T/CSAE 53-2020): congestion ahead in the host's lane.
//!
//! Principle: speeds of the tracks ahead. Among the vehicles ahead of the host in its lane
//! (within `range_m`), at least `min_vehicles` moving slower than `jam_speed_mps` make a jam;
//! a host approaching at `min_speed_mps` or more is warned, with the distance to the jam's
//! tail (the nearest slow vehicle).

use crate::scene::{Scene, near};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// TJW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Speed below which a vehicle is jammed, m/s.
    pub jam_speed_mps: f64,
    /// Jammed vehicles that make a jam.
    pub min_vehicles: usize,
    /// How far ahead to look, metres.
    pub range_m: f64,
    /// Where MAP does not give both lanes, how far from the path the other vehicle took the
    /// host may be and still drive in its lane, metres (see `Scene::gap_ahead`).
    pub path_tolerance_m: f64,
    /// The host's speed below which there is no warning (it is in the jam), m/s.
    pub min_speed_mps: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            jam_speed_mps: 3.0,
            min_vehicles: 3,
            range_m: 300.0,
            path_tolerance_m: 1.2,
            min_speed_mps: 8.0,
            valid_ms: 2_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("TJW", "traffic jam warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    let slow = scene.select(|rv| rv.is_vehicle() && rv.speed_mps < p.jam_speed_mps);
    if slow.len() < p.min_vehicles {
        return;
    }
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() || hv.speed_mps < p.min_speed_mps {
            continue;
        }
        let jammed: Vec<(f64, &crate::SceneParticipant)> = near(hv, &slow, p.range_m)
            .filter_map(|rv| scene.gap_ahead(hv, rv, p.path_tolerance_m).map(|g| (g, rv)))
            .collect();
        if jammed.len() < p.min_vehicles {
            continue;
        }
        let (tail, rv) = jammed
            .iter()
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .expect("at least min_vehicles");
        out.push(
            Advisory::new("TJW", Severity::Warning, hv, target, scene, p.valid_ms)
                .about(rv.as_other())
                .distance(tail.max(0.0))
                .detail(format!(
                    "traffic jam {tail:.0} m ahead ({} vehicles below {:.0} km/h)",
                    jammed.len(),
                    p.jam_speed_mps * 3.6
                )),
        );
    }
}
