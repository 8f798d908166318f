//! ICW, intersection collision warning (T/CSAE 53-2020): two vehicles on crossing paths will
//! reach the crossing point at nearly the same time.
//!
//! Principle: time to intersection. Each vehicle's path is its heading line; where the two
//! lines cross (headings `min_angle_deg` to `180 - min_angle_deg` apart), each vehicle's
//! time to the crossing point at its speed is computed. When both arrive within `horizon_s`
//! and within `time_gap_s` of each other, the host is warned, with the time to the crossing
//! point as time to collision; alerted below `ttc_alert_s`.
//!
//! Where MAP knows the junction, the crossing must be at it: two vehicles matched to lanes
//! must approach the same intersection, and one not matched to a lane (in the junction's box)
//! must be within `box_radius_m` of the intersection the other approaches; heading lines that
//! cross elsewhere (two approaches to different junctions of a grid, a turning vehicle's
//! tangent) are no conflict.
//!
//! A vehicle turning faster than `max_yaw_rate_dps` is on a curve, and one with a turn signal
//! on is about to turn: its heading line is not its path, and the conflicts of turning
//! vehicles are LTA's.
//!
//! A vehicle that will stop before the crossing point is not on its way to it: one braking
//! hard enough to stop short of it (its deceleration, not its speed alone), or one whose
//! signal (SPAT, through its MAP lane) will show red or yellow when it reaches its stop line
//! and that it can stop for at `stop_decel_mps2`, or whose MAP lane gives way at its stop
//! line (DE_AllowedManeuvers `yieldAllwaysRequired` or `goWithHalt`: a minor road at an
//! unsignalised junction) and that can stop there at `stop_decel_mps2`. The conflicts left
//! are those of a vehicle that cannot or does not stop; the red-light runner itself is
//! RLVW's.

use crate::scene::{Light, Scene, SceneParticipant};
use crate::{Advisory, App, Severity, plugin};
use serde::{Deserialize, Serialize};

/// ICW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far to look for crossing traffic, metres.
    pub range_m: f64,
    /// Smallest angle between paths that counts as crossing, degrees.
    pub min_angle_deg: f64,
    /// How far ahead in time to look, seconds.
    pub horizon_s: f64,
    /// Arrival times this close count as a conflict, seconds.
    pub time_gap_s: f64,
    /// Time to the crossing point below which to alert, seconds.
    pub ttc_alert_s: f64,
    /// Speed below which a vehicle is not on its way, m/s.
    pub min_speed_mps: f64,
    /// Whether a vehicle that its signal stops before the crossing is left out.
    pub respect_signals: bool,
    /// Deceleration at which a vehicle can still stop for red or yellow, m/s².
    pub stop_decel_mps2: f64,
    /// How far from an intersection's centre a vehicle off its lanes is in its box, metres.
    pub box_radius_m: f64,
    /// Yaw rate above which a vehicle is turning, degrees per second.
    pub max_yaw_rate_dps: f64,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            range_m: 150.0,
            min_angle_deg: 45.0,
            horizon_s: 6.0,
            time_gap_s: 1.0,
            ttc_alert_s: 2.5,
            min_speed_mps: 2.0,
            respect_signals: true,
            stop_decel_mps2: 3.0,
            box_radius_m: 30.0,
            max_yaw_rate_dps: 6.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("ICW", "intersection collision warning", evaluate)
}

/// Distances along each heading line to where the two lines cross, metres (None when they
/// are parallel or the crossing lies behind either).
pub(crate) fn crossing(a: &SceneParticipant, b: &SceneParticipant) -> Option<(f64, f64)> {
    let (ha, hb) = (a.heading_deg?.to_radians(), b.heading_deg?.to_radians());
    let (ua, ub) = ((ha.sin(), ha.cos()), (hb.sin(), hb.cos()));
    let denom = ua.0 * ub.1 - ua.1 * ub.0;
    if denom.abs() < 1e-6 {
        return None;
    }
    let (de, dn) = (
        b.position.east_m - a.position.east_m,
        b.position.north_m - a.position.north_m,
    );
    // a + s * ua = b + t * ub
    let s = (de * ub.1 - dn * ub.0) / denom;
    let t = (de * ua.1 - dn * ua.0) / denom;
    (s >= 0.0 && t >= 0.0).then_some((s, t))
}

/// DE_AllowedManeuvers bits 8 (`yieldAllwaysRequired`) and 9 (`goWithHalt`): the lane
/// gives way at its stop line (a minor road's give-way or stop sign).
const GIVES_WAY: u16 = (1 << 8) | (1 << 9);

/// Whether `v`, `s_m` from the crossing point, will stop before it: braking to a stop short of
/// it, held by its signal, or on a lane that gives way (MAP's maneuvers) with room to stop
/// at `stop_decel_mps2`: a driver who must give way and can is taken to (the one who cannot
/// stop, or is already past the line, is still a conflict).
fn stops_before(p: &Params, scene: &Scene, v: &SceneParticipant, s_m: f64) -> bool {
    let speed = v.speed_mps.max(0.1);
    if v.accel_mps2 < -0.5 && speed * speed / (2.0 * -v.accel_mps2) < s_m {
        return true;
    }
    if !p.respect_signals {
        return false;
    }
    let Some(lane) = v.lane.as_ref().filter(|l| !l.against) else {
        return false;
    };
    let to_stop = lane.to_stop_line_m;
    // Only a stop line between it and the crossing holds it back.
    if to_stop < 0.0 || to_stop > s_m {
        return false;
    }
    let can_stop = speed * speed / (2.0 * p.stop_decel_mps2) <= to_stop;
    let gives_way = scene
        .lane(lane)
        .and_then(|l| l.maneuvers)
        .is_some_and(|m| m & GIVES_WAY != 0);
    let arrival = scene.now + (to_stop / speed * 1_000.0) as i64;
    can_stop
        && (gives_way
            || matches!(
                scene.signal_for(lane, arrival),
                Some((_, Light::Stop | Light::Yellow, _))
            ))
}

/// Whether the two can meet at one junction, as far as MAP tells (see the module's doc).
fn same_junction(p: &Params, scene: &Scene, a: &SceneParticipant, b: &SceneParticipant) -> bool {
    let in_box = |v: &SceneParticipant, node| {
        scene
            .intersections
            .get(node)
            .is_some_and(|x| x.position.distance_to(v.position) <= p.box_radius_m)
    };
    match (&a.lane, &b.lane) {
        (Some(la), Some(lb)) => la.lane.node == lb.lane.node,
        (Some(la), None) => in_box(b, &la.lane.node),
        (None, Some(lb)) => in_box(a, &lb.lane.node),
        (None, None) => true,
    }
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    let max_cos = p.min_angle_deg.to_radians().cos();
    for (hv, target) in scene.targets() {
        if !hv.is_vehicle() || hv.speed_mps < p.min_speed_mps {
            continue;
        }
        // On a curve, or about to turn (its blinker on, DE_ExteriorLights): its heading
        // line is not its path.
        let turning = |v: &SceneParticipant| {
            let status = v.track.status;
            status.left_turn_signal
                || status.right_turn_signal
                || v.track
                    .motion
                    .yaw_rate_dps
                    .is_some_and(|y| y.abs() > p.max_yaw_rate_dps)
        };
        if turning(hv) {
            continue;
        }
        let moving = |rv: &crate::SceneParticipant| {
            rv.is_vehicle() && rv.speed_mps >= p.min_speed_mps && !turning(rv)
        };
        for rv in scene.around_where(hv, p.range_m, moving) {
            // Crossing: |cos| of the angle between the headings at most cos(min_angle).
            let Some(cos) = hv.heading_cos(rv) else {
                continue;
            };
            if cos.abs() > max_cos {
                continue;
            }
            let Some((s_hv, s_rv)) = crossing(hv, rv) else {
                continue;
            };
            let (t_hv, t_rv) = (s_hv / hv.speed_mps, s_rv / rv.speed_mps);
            if t_hv > p.horizon_s || t_rv > p.horizon_s || (t_hv - t_rv).abs() > p.time_gap_s {
                continue;
            }
            if !same_junction(p, scene, hv, rv)
                || stops_before(p, scene, hv, s_hv)
                || stops_before(p, scene, rv, s_rv)
            {
                continue;
            }
            let severity = if t_hv <= p.ttc_alert_s {
                Severity::Alert
            } else {
                Severity::Warning
            };
            out.push(
                Advisory::new("ICW", severity, hv, target, scene, p.valid_ms)
                    .about(rv.as_other())
                    .ttc(t_hv)
                    .distance(s_hv)
                    .detail(format!(
                        "crossing vehicle: you reach the conflict point in {t_hv:.1} s, it in {t_rv:.1} s"
                    )),
            );
        }
    }
}
