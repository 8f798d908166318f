//! ICW, intersection collision warning (T/CSAE 53-2020): two vehicles on crossing paths will
//! be at the crossing point at the same time.
//!
//! Principle: time to collision along predicted paths. Each vehicle's path follows its MAP lane,
//! the connection it will take across the intersection (its turn signal, its lane's one way,
//! or straight on: [`roadcloud_world::paths`]) and the lane beyond. Where the host's path first
//! meets the other's, crossing at `min_angle_deg` or more or merging into one lane, each
//! vehicle occupies the conflict area from when its front reaches it until its rear has left,
//! at its present speed; when the two occupancies overlap (each widened by `time_gap_s`)
//! within `horizon_s`, the host is warned, with the time until both are in it as time to
//! collision, and alerted below `ttc_alert_s`. That is the conflict SUMO's SSM measures for
//! crossing and merging encounters, predicted the same way (docs/apps.md).
//!
//! Where MAP does not place a vehicle, its path is its heading line, unless it turns faster
//! than `max_yaw_rate_dps` or signals a turn (then its heading line is not its path, and it
//! has none); two heading lines cross anywhere, so a crossing counts only at one junction as
//! far as MAP tells: two vehicles matched to lanes must approach the same intersection, one
//! not matched to a lane must be within `box_radius_m` of the intersection the other
//! approaches.
//!
//! A host turning left across an oncoming vehicle is LTA's. A vehicle that will stop before
//! the conflict point is not on its way to it: one braking hard enough to stop short of it,
//! or one whose signal (SPAT, through its MAP lane) will show red when it reaches its stop
//! line and that can stop for it at `stop_decel_mps2` (for yellow, only one that is already
//! slowing down by more than `slowing_mps2`), or whose MAP lane gives way
//! at its stop line (DE_AllowedManeuvers `yieldAllwaysRequired` or `goWithHalt`: a minor road
//! at an unsignalised junction) and that can stop there at `stop_decel_mps2`. The conflicts
//! left are those of a vehicle that cannot or does not stop; the red-light runner itself is
//! RLVW's.

use crate::scene::{Brief, Scene, SceneParticipant, braking_short_of, meeting_times};
use crate::{Advisory, App, Severity, plugin};
use roadcloud_world::Turn;
use roadcloud_world::paths::Path;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::OnceCell;

/// Headings more than about 150 degrees apart are oncoming: cos 150°.
const ONCOMING_COS: f64 = 0.866;

/// ICW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far to look for crossing traffic, metres.
    pub range_m: f64,
    /// Smallest angle at which paths cross to count (merging paths always do), degrees.
    pub min_angle_deg: f64,
    /// Time to collision within which to warn, seconds.
    pub horizon_s: f64,
    /// How much each vehicle's occupancy of the conflict area is widened, seconds: two that
    /// miss each other by less are a conflict.
    pub time_gap_s: f64,
    /// Time to collision below which to alert, seconds.
    pub ttc_alert_s: f64,
    /// Speed below which a vehicle is not on its way, m/s.
    pub min_speed_mps: f64,
    /// Whether a vehicle that its signal stops before the crossing is left out.
    pub respect_signals: bool,
    /// Deceleration at which a vehicle can still stop for red or yellow, m/s².
    pub stop_decel_mps2: f64,
    /// Deceleration above which a vehicle facing yellow is slowing down to stop, m/s².
    pub slowing_mps2: f64,
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
            horizon_s: 4.5,
            time_gap_s: 0.5,
            ttc_alert_s: 2.5,
            min_speed_mps: 2.0,
            respect_signals: true,
            stop_decel_mps2: 3.0,
            slowing_mps2: 1.0,
            box_radius_m: 30.0,
            max_yaw_rate_dps: 6.0,
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("ICW", "intersection collision warning", evaluate)
}

/// Whether `v`, `s_m` from the crossing point, will stop before it ([`Scene::stops_before`];
/// with `respect_signals` off, only by braking).
fn stops_before(p: &Params, scene: &Scene, v: &SceneParticipant, s_m: f64) -> bool {
    if p.respect_signals {
        scene.stops_before(v, s_m, p.stop_decel_mps2, p.slowing_mps2)
    } else {
        braking_short_of(v, s_m)
    }
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

/// A vehicle's path: along MAP where MAP places it; else, where nothing does, its heading line
/// if it is not turning (on a curve, or its blinker on: DE_ExteriorLights), for want of
/// anything better; else none.
fn path_of<'s>(
    p: &Params,
    scene: &'s Scene,
    v: &'s SceneParticipant,
) -> Option<(Cow<'s, Path>, bool)> {
    if let Some(path) = scene.path(v) {
        return Some((Cow::Borrowed(path), true));
    }
    let status = v.track.status;
    let turning = status.left_turn_signal
        || status.right_turn_signal
        || v.track
            .motion
            .yaw_rate_dps
            .is_some_and(|y| y.abs() > p.max_yaw_rate_dps);
    if turning || v.lane.is_some() {
        return None;
    }
    let length_m = v.speed_mps * p.horizon_s + v.length_m();
    Some((
        Cow::Owned(Path::straight(v.position, v.heading_deg?, length_m)),
        false,
    ))
}

/// Whether a path turns at its junction.
fn turns(path: &Path) -> bool {
    matches!(path.turn, Some(Turn::Left | Turn::Right | Turn::UTurn))
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    let max_cos = p.min_angle_deg.to_radians().cos();
    let moving = |hv: &SceneParticipant| hv.is_vehicle() && hv.speed_mps >= p.min_speed_mps;
    // Each participant's path, worked out once for all the pairs it is in (a heading line
    // costs a sine, a cosine and an allocation; a tile of 100 vehicles has thousands of
    // pairs). Boxed, so the slots of a big scene evaluated for one target cost little.
    type Slot<'s> = OnceCell<Option<Box<(Cow<'s, Path>, bool)>>>;
    let paths: Vec<Slot> = scene.participants.iter().map(|_| OnceCell::new()).collect();
    let path = |i: usize| {
        paths[i]
            .get_or_init(|| path_of(p, scene, &scene.participants[i]).map(Box::new))
            .as_deref()
    };
    for (h, hv, target) in scene.targets_indexed() {
        if !moving(hv) {
            continue;
        }
        let Some((hv_path, hv_mapped)) = path(h) else {
            continue;
        };
        let hv_mapped = *hv_mapped;
        let hv_turns = turns(hv_path);
        // Two paths that do not turn, heading the same way or opposite ways, do not cross: a
        // cheap test that spares most pairs the walk along both paths. A vehicle MAP has
        // never placed has a heading line or no path, neither of which turns, so its path
        // need not be worked out to tell.
        let parallel = |c: Option<f64>| !hv_turns && c.is_some_and(|c| c.abs() > max_cos);
        let may_cross = |rv: &Brief| {
            rv.is_vehicle()
                && rv.speed_mps >= p.min_speed_mps
                && (rv.may_have_path || !parallel(rv.heading_cos(hv)))
        };
        let skip_along = (!hv_turns).then_some(p.min_angle_deg);
        for (r, rv) in scene.around_across(hv, p.range_m, skip_along, may_cross) {
            let parallel = parallel(hv.heading_cos(rv));
            let Some((rv_path, rv_mapped)) = path(r) else {
                continue;
            };
            let rv_mapped = *rv_mapped;
            if parallel && !turns(rv_path) {
                continue;
            }
            let Some(m) = hv_path.meets(rv_path) else {
                continue;
            };
            if !m.merge && m.angle_deg < p.min_angle_deg {
                continue;
            }
            // A host turning left across an oncoming vehicle is LTA's to assist.
            if hv_path.turn == Some(Turn::Left)
                && hv.heading_cos(rv).is_some_and(|c| c < -ONCOMING_COS)
            {
                continue;
            }
            // Heading lines cross anywhere: only at a junction MAP knows of (when it knows of
            // any) is their crossing a conflict.
            let both_mapped = hv_mapped && rv_mapped;
            if !both_mapped && !same_junction(p, scene, hv, rv) {
                continue;
            }
            let Some(t) = meeting_times(hv, rv, &m, p.time_gap_s) else {
                continue;
            };
            if t.ttc_s > p.horizon_s
                || stops_before(p, scene, hv, m.s_m)
                || stops_before(p, scene, rv, m.other_s_m)
            {
                continue;
            }
            let severity = if t.ttc_s <= p.ttc_alert_s {
                Severity::Alert
            } else {
                Severity::Warning
            };
            let (what, t_hv, t_rv) = (
                if m.merge { "merging" } else { "crossing" },
                t.host_arrives_s,
                t.other_arrives_s,
            );
            out.push(
                Advisory::new("ICW", severity, hv, target, scene, p.valid_ms)
                    .about(rv.as_other())
                    .ttc(t.ttc_s)
                    .distance(m.s_m)
                    .detail(format!(
                        "{what} vehicle: you reach the conflict point in {t_hv:.1} s, it in {t_rv:.1} s"
                    )),
            );
        }
    }
}
