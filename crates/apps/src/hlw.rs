//! HLW, hazardous location warning (T/CSAE 53-2020): the host is about to enter the zone of a
//! road event an RSU announces in RSI (road works, an accident, ice, ...).
//!
//! Principle: zone membership along the path. The host's path ahead (its heading, `range_m`
//! in steps of 5 m) is tested against each event's zone: within `eventRadius` of its position,
//! or within the half width (`pathRadius`) of one of its reference paths. Warning when the
//! host will be in the zone within `warning_time_s` at its speed (or is in it), information
//! when further.
//!
//! Obstacles that sensors report (SSM's `DetectedObstacleList`, T/CSAE 157-2020 sensor data
//! sharing: a cone, a fallen load, a rock) are hazards of the same kind, without a zone: an
//! obstacle is on the host's way when it lies within `obstacle_clearance_m` of the space the
//! host sweeps along its predicted path (half the host's width, half the obstacle's, 0.3 m
//! when not reported, and the clearance), up to `range_m` ahead. The path is MAP's (its lanes
//! and its next connection, [`Scene::path`]) where MAP places the host, else its heading for
//! `range_m`. An obstacle in the lane beside is not warned of: a driver passes it. Only the
//! nearest obstacle on the way is advised: a row of cones is one hazard to a driver.

use crate::scene::{ParticipantId, Scene, SceneParticipant, distance_to_zone};
use crate::{Advisory, App, Other, Severity, plugin};
use roadcloud_world::events::EventKind;
use roadcloud_world::obstacles::Obstacle;
use roadcloud_world::paths::Path;
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
    /// How far beside the space the host sweeps an obstacle may lie and still be on its way,
    /// metres.
    pub obstacle_clearance_m: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            range_m: 300.0,
            warning_time_s: 10.0,
            valid_ms: 2_000,
            obstacle_clearance_m: 0.5,
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
            let severity = severity(p, hv, d);
            let what = e.description.as_deref().unwrap_or("road event");
            out.push(
                Advisory::new("HLW", severity, hv, target, scene, p.valid_ms)
                    .about(rsi_other(e))
                    .distance(d)
                    .detail(format!("hazard (event {}) in {d:.0} m: {what}", e.code)),
            );
        }
        // The nearest obstacle on its way: a row of cones is one hazard to a driver.
        if let Some((d, o)) = nearest_obstacle(p, scene, hv) {
            out.push(
                Advisory::new("HLW", severity(p, hv, d), hv, target, scene, p.valid_ms)
                    .about(obstacle_other(o))
                    .distance(d)
                    .detail(format!(
                        "obstacle ({}) in {d:.0} m on your way",
                        o.kind.asn_name()
                    )),
            );
        }
    }
}

/// A warning when the host reaches the hazard `d_m` ahead within `warning_time_s` at its
/// speed (or is there), information otherwise.
fn severity(p: &Params, hv: &SceneParticipant, d_m: f64) -> Severity {
    let t = if hv.speed_mps > 0.5 {
        d_m / hv.speed_mps
    } else {
        f64::INFINITY
    };
    if d_m == 0.0 || t <= p.warning_time_s {
        Severity::Warning
    } else {
        Severity::Info
    }
}

/// The nearest obstacle on the host's way within `range_m`, and how far ahead along its
/// predicted path it lies, metres (its near edge, 0 when the host is at it).
fn nearest_obstacle<'o>(
    p: &Params,
    scene: &Scene<'o>,
    hv: &SceneParticipant,
) -> Option<(f64, &'o Obstacle)> {
    // Only what may be in range is located on the path, and the path is drawn once.
    let near: Vec<&Obstacle> = scene
        .obstacles
        .iter()
        .copied()
        .filter(|o| o.position.distance_to(hv.position) <= p.range_m + hv.length_m())
        .collect();
    if near.is_empty() {
        return None;
    }
    let straight;
    let path = match scene.path(hv) {
        Some(path) => path,
        None => {
            straight = Path::straight(hv.position, hv.heading_deg?, p.range_m);
            &straight
        }
    };
    near.into_iter()
        .filter_map(|o| {
            let (along_m, beside_m) = path.locate(o.position)?;
            let reach_m =
                hv.width_m() / 2.0 + o.width_m.unwrap_or(0.3) / 2.0 + p.obstacle_clearance_m;
            if beside_m > reach_m || along_m > p.range_m {
                return None;
            }
            let near_edge_m = along_m - hv.length_m() / 2.0 - o.length_m.unwrap_or(0.3) / 2.0;
            Some((near_edge_m.max(0.0), o))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
}

/// An obstacle as the other party of an advisory.
fn obstacle_other(o: &Obstacle) -> Other {
    Other {
        id: ParticipantId::Obstacle {
            sensor: o.sensor,
            id: o.id,
        },
        kind: "obstacle",
        position: o.position,
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
