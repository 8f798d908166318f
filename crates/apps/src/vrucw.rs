//! VRUCW, vulnerable road user collision warning (T/CSAE 53-2020): a pedestrian or cyclist
//! (from RSM, or a PSM-sending device) and the host are on course to meet.
//!
//! Principle: closest approach. Both are predicted (speed, acceleration, yaw rate) over
//! `horizon_s` in steps of 0.1 s; when they come within `conflict_m` (plus half the host's
//! width) the time to that moment is the time to collision. Warning below `ttc_warning_s`,
//! alert below `ttc_alert_s`. A host that will stop before the meeting point is not on its
//! way to it: braking short of it, or held at a stop line before it by red, by yellow while
//! slowing, or by its lane giving way, with room to stop at `stop_decel_mps2`
//! ([`Scene::stops_before`], as ICW): pedestrians cross in front of the cars their green
//! holds at red.
//!
//! A pedestrian walking along the host's way (moving, but towards its path at less than
//! `entering_mps`) meets a host going straight (yaw rate under `turning_dps`) only if it is
//! in its way now: within half its width and `beside_m` of its path. Predicted 4 s ahead at
//! 15 m/s, a heading a tenth of a degree off (a good receiver's error) moves a car's path by
//! 0.1 m, a yaw rate a tenth of a degree a second off by 0.2 m: on SUMO's grid, where
//! pedestrians walk along the pavement about 1.6-1.7 m from the centre of the nearest lane,
//! just within `conflict_m` of a car's side (and beyond the ground truth's 0.25 m), such
//! errors brought more of them within it, and VRUCW's advisories doubled when the simulated
//! OBUs' readings got those errors (docs/apps.md). One standing beside the path of a host
//! going straight is judged the same way (`standing_beside`), unless the host signals a
//! turn (BSM `exteriorLights`): a host about to turn sweeps across the crossing the
//! pedestrian waits at, and the pedestrian may step out onto it, so it is judged by the
//! closest approach. On SUMO's arterial, where pedestrians wait at the kerb of crossings
//! without signals for a gap in the traffic, three in five advisories about a pedestrian
//! standing beside a host going straight had nothing behind them while every standing one
//! was judged by the closest approach; leaving them all out lost a fifth of the encounters
//! warned in time, most of them a car turning right onto the crossing the pedestrian
//! stepped onto, which signalled its turn (docs/apps.md). A
//! pedestrian standing beside a host going straight whose signal (SPAT, through its MAP
//! lane, driven in its direction) shows green when it gets there waits for the crossing's
//! own green, which comes with the host's red; one that steps out anyway is moving towards
//! the path, and judged so.

use crate::scene::{Light, Scene, SceneParticipant, closest_approach, near, relative};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// VRUCW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far to look for vulnerable road users, metres.
    pub range_m: f64,
    /// Distance beyond half the host's width that counts as a conflict, metres.
    pub conflict_m: f64,
    /// Prediction horizon, seconds.
    pub horizon_s: f64,
    /// Time to collision below which to warn, seconds.
    pub ttc_warning_s: f64,
    /// Time to collision below which to alert, seconds.
    pub ttc_alert_s: f64,
    /// The host's speed below which there is no warning, m/s.
    pub min_speed_mps: f64,
    /// Deceleration at which the host can still stop for red or yellow, m/s².
    pub stop_decel_mps2: f64,
    /// Deceleration above which a host facing yellow is slowing down to stop, m/s².
    pub slowing_mps2: f64,
    /// A pedestrian moving towards the host's path slower than this is not stepping into
    /// it, and one slower than this is standing, m/s.
    pub entering_mps: f64,
    /// A host turning at this yaw rate or more sweeps a path of its own, degrees/s.
    pub turning_dps: f64,
    /// A pedestrian walking along the host's way is in it within this of the host's side,
    /// metres.
    pub beside_m: f64,
    /// Whether a pedestrian standing beside the path of a host going straight and
    /// signalling no turn (beyond `beside_m` of its side) is left out until it moves
    /// towards the path, as one walking along; else it is judged by the closest approach,
    /// as one that may step out.
    pub standing_beside: bool,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            range_m: 100.0,
            conflict_m: 1.0,
            horizon_s: 5.0,
            ttc_warning_s: 4.0,
            ttc_alert_s: 2.0,
            min_speed_mps: 1.0,
            stop_decel_mps2: 3.0,
            slowing_mps2: 1.0,
            entering_mps: 0.3,
            turning_dps: 2.0,
            beside_m: 0.5,
            standing_beside: true,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("VRUCW", "vulnerable road user collision warning", evaluate)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    let vulnerable = scene.select(|o| o.is_vulnerable());
    if vulnerable.is_empty() {
        return;
    }
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() || hv.speed_mps < p.min_speed_mps {
            continue;
        }
        for vru in near(hv, &vulnerable, p.range_m) {
            if beside_path(p, hv, vru) {
                continue;
            }
            let (t, d) = closest_approach(hv, vru, p.horizon_s, 0.1);
            if d > hv.width_m() / 2.0 + p.conflict_m || t > p.ttc_warning_s {
                continue;
            }
            if waits_for_its_green(p, scene, hv, vru, t) {
                continue;
            }
            let to_meeting_m = hv.position.distance_to(hv.predict(t));
            if scene.stops_before(hv, to_meeting_m, p.stop_decel_mps2, p.slowing_mps2) {
                continue;
            }
            let severity = if t <= p.ttc_alert_s {
                Severity::Alert
            } else {
                Severity::Warning
            };
            let now_d = hv.position.distance_to(vru.position);
            out.push(
                Advisory::new("VRUCW", severity, hv, target, scene, p.valid_ms)
                    .about(vru.as_other())
                    .ttc(t)
                    .distance(now_d)
                    .detail(format!(
                        "{} {now_d:.0} m away, on course to meet in {t:.1} s",
                        vru.track.kind.as_str()
                    )),
            );
        }
    }
}

/// Whether host `hv` turns: at `turning_dps` or more it sweeps a path of its own.
fn turning(p: &Params, hv: &SceneParticipant) -> bool {
    hv.track.motion.yaw_rate_dps.unwrap_or(0.0).abs() >= p.turning_dps
}

/// Whether host `hv` signals a turn.
fn signalling(hv: &SceneParticipant) -> bool {
    let status = &hv.track.status;
    status.left_turn_signal || status.right_turn_signal
}

/// Whether `vru` stands: slower than `entering_mps`.
fn standing(p: &Params, vru: &SceneParticipant) -> bool {
    vru.speed_mps < p.entering_mps
}

/// Whether `vru` stands at the kerb of a host going straight on its green: it waits for the
/// crossing's own green, which comes with the host's red (module docs).
fn waits_for_its_green(
    p: &Params,
    scene: &Scene,
    hv: &SceneParticipant,
    vru: &SceneParticipant,
    meet_s: f64,
) -> bool {
    if turning(p, hv) || !standing(p, vru) {
        return false;
    }
    let meeting = scene.now + (meet_s * 1_000.0) as i64;
    // A host driving against its lane's direction has no green of its own: the lane's signal
    // is for the traffic it meets (as RLVW and `Scene::stops_before` read it).
    hv.lane
        .as_ref()
        .filter(|m| !m.against)
        .and_then(|m| scene.signal_for(m, meeting))
        .is_some_and(|(_, light, _)| light == Light::Go)
}

/// Whether `vru` is beside the path of host `hv` going straight, more than `beside_m` from
/// the host's side: walking, not stepping into it; or standing (with `standing_beside`),
/// the host signalling no turn (module docs).
fn beside_path(p: &Params, hv: &SceneParticipant, vru: &SceneParticipant) -> bool {
    let standing = standing(p, vru);
    if turning(p, hv) || (standing && (!p.standing_beside || signalling(hv))) {
        return false;
    }
    let (Some(r), Some(heading)) = (relative(hv, vru), hv.heading_deg) else {
        return false;
    };
    let Some(h) = vru.heading_deg.filter(|_| !standing) else {
        // Standing, it is beside the path if it is not in it; moving, its way unknown, it
        // may be stepping in.
        return standing && r.right_m.abs() > hv.width_m() / 2.0 + p.beside_m;
    };
    // The pedestrian's speed to the host's right.
    let right_mps = vru.speed_mps * (h - heading).to_radians().sin();
    let entering = -right_mps * r.right_m.signum() >= p.entering_mps;
    !entering && r.right_m.abs() > hv.width_m() / 2.0 + p.beside_m
}
