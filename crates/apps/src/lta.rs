//! LTA, left turn assist (T/CSAE 53-2020): the host turns left across oncoming traffic that
//! will be where the turn crosses its path too soon.
//!
//! Principle: conflict on the turn's path. Where MAP gives the host a path across its
//! intersection ([`crate::scene::Scene::path`]) that turns left, and it is within `approach_m`
//! of its stop line or past it, each oncoming vehicle (headings at least `oncoming_deg` apart)
//! whose own path crosses the turn is a conflict when it reaches the crossing point within
//! `gap_s` and is there while the host could be: the host from when its front could reach the
//! point, speeding up into the turn at `turn_accel_mps2` up to `turn_speed_mps` (on at its
//! speed, when faster: a driver turning left slows for the turn; on SUMO's grid half of LTA's
//! advisories with nothing behind them went to a host still on its approach, about an
//! oncoming car already crossing the junction), to when its rear has left it going on
//! as it goes, the oncoming vehicle at its speed, either occupancy widened by `time_gap_s`.
//!
//! Without such a path (no MAP there, none beyond the stop line, or a lane whose way on is
//! not known), gap acceptance at the intersection's reference point: the host intends to turn
//! left when its MAP lane allows a left turn and not straight on, or its left turn signal is
//! on; it is near the intersection (within `approach_m` of its stop line, or without a lane
//! within `approach_m` of the intersection's reference point). An oncoming vehicle
//! approaching the same intersection, not signalling a turn, that will reach its
//! reference point within `gap_s` is a conflict when it gets there while the host could be
//! crossing its path: not before the host could get there accelerating at `turn_accel_mps2`
//! (less a second), nor after the host, going on as it goes, has had `clear_s` to clear the
//! oncoming lanes. Where the path says the host does not turn left, or the host signals left
//! where its lane does not go left (a lane change), there is no such guess, nor for a host
//! that has left its lane into the intersection on no connection MAP draws (a left-turner
//! at the place where it waits for its gap, off the connection's curve): measured on the
//! grid, every such guess had nothing behind it (26 of 26 in a 180 s run, docs/apps.md).
//!
//! Either way an oncoming vehicle that turns left too (its path, its lane or its turn
//! signal) is not a conflict: opposing left turns pass beside each other, and signal plans
//! run them together. Measured on the arterial scenario, every LTA advisory about an oncoming
//! car signalling left had nothing behind it (47 of 47 in a 360 s run, docs/apps.md).
//!
//! Either way the host is the first left-turner of its lane: one queued behind another
//! left-turner before the stop line follows it through the gap it picks, and is the host once
//! that one has crossed the line (on the arterial scenario, half of LTA's advisories with
//! nothing behind them went to a host with a vehicle ahead of it in its lane).
//!
//! Either way the host must be moving (at least `min_speed_mps`) or pulling away (speeding up
//! at `starting_mps2` or more): a driver waiting to turn sees the oncoming traffic and is not
//! turning into it; measured on SUMO traffic, where turning drivers wait for their gap, the
//! advisories to waiting drivers had no conflict behind them (docs/apps.md). A driver who
//! sets off from waiting has chosen a gap, and it is then that a gap too short needs saying:
//! at `min_speed_mps` alone such a driver, at 2.5 m/s², was warned a second after setting off,
//! too late for most of the grid's missed left-turn conflicts. And neither the host nor the
//! oncoming vehicle may be one that will stop before the crossing ([`Scene::stops_before`],
//! as ICW): a left-turner held at its red light, an oncoming car at its red while the turn
//! has its green arrow.

use crate::scene::{Scene, SceneParticipant, relative, time_to_cover};
use crate::{Advisory, App, Severity, plugin};
use roadcloud_world::paths::{Path, Signal};
use roadcloud_world::{LaneMatch, Turn};
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
    /// The host's speed below which it is waiting, not turning, m/s...
    pub min_speed_mps: f64,
    /// ... unless it speeds up at least this much: it is setting off into the turn, m/s².
    pub starting_mps2: f64,
    /// The acceleration a turning driver may take to get across first, m/s².
    pub turn_accel_mps2: f64,
    /// ... up to this speed at most: a driver turning left slows for the turn rather than
    /// speeding into it, m/s.
    pub turn_speed_mps: f64,
    /// Without a path across the intersection: the time the host needs from reaching the
    /// intersection's centre to clear the oncoming lanes, seconds.
    pub clear_s: f64,
    /// Along paths: how much the host's and the oncoming vehicle's occupancies of the
    /// crossing point may miss each other and still be a conflict, seconds.
    pub time_gap_s: f64,
    /// Deceleration at which a vehicle can still stop for red or yellow, m/s².
    pub stop_decel_mps2: f64,
    /// Deceleration above which a vehicle facing yellow is slowing down to stop, m/s².
    pub slowing_mps2: f64,
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
            min_speed_mps: 2.0,
            starting_mps2: 1.0,
            turn_accel_mps2: 2.0,
            turn_speed_mps: 8.0,
            clear_s: 3.0,
            time_gap_s: 1.0,
            stop_decel_mps2: 3.0,
            slowing_mps2: 1.0,
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

/// Whether `v` will stop `s_m` before the crossing ([`Scene::stops_before`]).
fn stops(p: &Params, scene: &Scene, v: &SceneParticipant, s_m: f64) -> bool {
    scene.stops_before(v, s_m, p.stop_decel_mps2, p.slowing_mps2)
}

/// Whether `v` turns left at the intersection ahead, beside a host turning left rather than
/// across its way: its path (MAP's connection), its lane (one that goes left and not
/// straight on) or its turn signal says so. Opposing left turns are movements that go
/// together (a dual left-turn phase runs both).
fn turns_left(scene: &Scene, v: &SceneParticipant) -> bool {
    v.turn_signal() == Some(Signal::Left)
        || scene
            .path(v)
            .is_some_and(|path| path.turn == Some(Turn::Left))
        || left_only(scene, v)
}

/// Whether `v`'s MAP lane goes left and not straight on (DE_AllowedManeuvers).
fn left_only(scene: &Scene, v: &SceneParticipant) -> bool {
    v.lane
        .and_then(|m| scene.lane(&m))
        .and_then(|l| l.maneuvers)
        .is_some_and(|m| m & LEFT != 0 && m & STRAIGHT == 0)
}

/// Whether `hv` queues behind another left-turner: the nearest vehicle ahead of it in its
/// MAP lane, both driving with the lane and before the stop line, turns left too
/// ([`turns_left`]). That one picks the gap and the host follows it; once it has crossed the
/// stop line the host is first. Measured on the arterial scenario, half of LTA's advisories
/// with nothing behind them went to a host with a vehicle ahead of it in its lane, most of
/// them crawling in a queue that then stopped (docs/apps.md).
fn follows_left_turner(scene: &Scene, hv: &SceneParticipant) -> bool {
    let Some(own) = hv.lane.filter(|m| !m.against && m.to_stop_line_m > 0.0) else {
        return false;
    };
    let ahead = |m: &LaneMatch| {
        m.lane == own.lane && !m.against && (0.0..own.to_stop_line_m).contains(&m.to_stop_line_m)
    };
    scene
        .around_where(hv, own.to_stop_line_m + 1.0, |rv| rv.is_vehicle())
        .filter_map(|rv| rv.lane.filter(|m| ahead(m)).map(|m| (rv, m.to_stop_line_m)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .is_some_and(|(rv, _)| turns_left(scene, rv))
}

/// The soonest the host covers `d_m` from `v_mps`: speeding up at `turn_accel_mps2` to
/// `turn_speed_mps` at most, or at its speed when it goes faster.
fn soonest_s(p: &Params, d_m: f64, v_mps: f64) -> f64 {
    let cap = p.turn_speed_mps.max(v_mps).max(0.1);
    let a = p.turn_accel_mps2.max(1e-6);
    let t_cap = (cap - v_mps) / a;
    let d_cap = v_mps * t_cap + 0.5 * a * t_cap * t_cap;
    if d_m <= d_cap {
        time_to_cover(d_m, v_mps, a).unwrap_or(0.0)
    } else {
        t_cap + (d_m - d_cap) / cap
    }
}

/// The host's left turn along its predicted path ([`Scene::path`]): the oncoming vehicles
/// whose paths it crosses and that will be at the crossing point while it could be.
fn along_path(
    p: &Params,
    scene: &Scene,
    hv: &SceneParticipant,
    path: &Path,
    target: [u8; 8],
    out: &mut Vec<Advisory>,
) {
    for rv in scene.around_where(hv, p.range_m, |rv| rv.is_vehicle() && rv.speed_mps >= 1.0) {
        if !relative(hv, rv).is_some_and(|r| r.heading_diff_deg >= p.oncoming_deg) {
            continue;
        }
        if turns_left(scene, rv) {
            continue;
        }
        let Some(m) = scene.path(rv).and_then(|r| path.meets(r)) else {
            continue;
        };
        if m.merge || stops(p, scene, hv, m.s_m) || stops(p, scene, rv, m.other_s_m) {
            continue;
        }
        // The host is at the crossing from when its front could reach it, speeding up into
        // the turn (to a turning speed), until its rear leaves it going on as it goes; the
        // oncoming vehicle at its speed.
        let reach_hv = hv.length_m() / 2.0 + rv.width_m() / 2.0;
        let reach_rv = rv.length_m() / 2.0 + hv.width_m() / 2.0;
        let soonest = soonest_s(p, (m.s_m - reach_hv).max(0.0), hv.speed_mps);
        let latest = time_to_cover(m.s_m + reach_hv, hv.speed_mps, hv.accel_mps2.max(0.0))
            .unwrap_or(f64::INFINITY);
        let (arrives, leaves) = (
            (m.other_s_m - reach_rv) / rv.speed_mps,
            (m.other_s_m + reach_rv) / rv.speed_mps,
        );
        if arrives > p.gap_s || leaves < soonest - p.time_gap_s || arrives > latest + p.time_gap_s {
            continue;
        }
        let t = arrives.max(0.0);
        out.push(
            Advisory::new("LTA", Severity::Warning, hv, target, scene, p.valid_ms)
                .about(rv.as_other())
                .ttc(t)
                .distance(m.s_m)
                .detail(format!(
                    "oncoming vehicle reaches your turn's path in {t:.1} s: do not turn left yet"
                )),
        );
    }
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        let moving = hv.speed_mps >= p.min_speed_mps || hv.accel_mps2 >= p.starting_mps2;
        if !hv.is_vehicle() || !moving {
            continue;
        }
        // Queued behind another left-turner, the host follows it through the gap it picks.
        if follows_left_turner(scene, hv) {
            continue;
        }
        // Along its path where MAP gives one across the intersection, turning left there.
        let path = scene.path(hv);
        if let Some(path) =
            path.filter(|path| path.turn == Some(Turn::Left) && path.lanes().len() > 1)
        {
            if hv.lane.is_none_or(|m| m.to_stop_line_m <= p.approach_m) {
                along_path(p, scene, hv, path, target, out);
            }
            continue;
        }
        // Where the path tells the host's way and it is not a left turn, or the host signals
        // left where its lane does not go left (a lane change), a turn signal is no sign of a
        // left turn here. Measured on SUMO traffic, where drivers signal their lane changes,
        // such guesses were LTA's advisories to drivers going straight on.
        let known_otherwise = match path {
            Some(path) if path.turn.is_some() => path.turn != Some(Turn::Left),
            Some(_) => hv.track.status.left_turn_signal,
            None => false,
        };
        if known_otherwise {
            continue;
        }
        if !(left_only(scene, hv) || hv.track.status.left_turn_signal) {
            continue;
        }
        // The intersection it turns at, and whether it is near it; not for a host that has
        // left its lane into the intersection (see the module's docs).
        let node = match hv.lane {
            Some(m) if m.to_stop_line_m <= p.approach_m => scene.intersections.get(&m.lane.node),
            Some(_) => None,
            None if hv.track.last_lane.is_some() => None,
            None => scene
                .intersections
                .values()
                .find(|x| x.position.distance_to(hv.position) <= p.approach_m),
        };
        let Some(node) = node else { continue };
        // When the host could be at the intersection's centre: soonest if it speeds up into
        // the turn, latest going on as it goes.
        let to_centre = hv.position.distance_to(node.position);
        if stops(p, scene, hv, to_centre) {
            continue;
        }
        let soonest = time_to_cover(to_centre, hv.speed_mps, p.turn_accel_mps2).unwrap_or(0.0);
        let latest =
            time_to_cover(to_centre, hv.speed_mps, hv.accel_mps2.max(0.0)).unwrap_or(f64::INFINITY);
        for rv in scene.around_where(hv, p.range_m, |rv| rv.is_vehicle() && rv.speed_mps >= 1.0) {
            let Some(r) = relative(hv, rv) else { continue };
            // One signalling a right turn turns away from the host's way across.
            if r.heading_diff_deg < p.oncoming_deg
                || rv.speed_mps < 1.0
                || rv.turn_signal() == Some(Signal::Right)
                || turns_left(scene, rv)
            {
                continue;
            }
            let d = rv.position.distance_to(node.position);
            // It must be coming towards the intersection, not leaving it.
            if rv.predict(0.5).distance_to(node.position) >= d {
                continue;
            }
            let t = d / rv.speed_mps;
            if t > p.gap_s || t < soonest - 1.0 || t > latest + p.clear_s || stops(p, scene, rv, d)
            {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turning_host_speeds_up_to_the_turning_speed_at_most() {
        let p = Params::default();
        // From 6 m/s at 2 m/s²: 8 m/s after 1 s and 7 m, then 28 m at 8 m/s.
        assert!((soonest_s(&p, 35.0, 6.0) - 4.5).abs() < 1e-9);
        // Within the 7 m it speeds up over, as time_to_cover has it.
        assert!((soonest_s(&p, 5.0, 6.0) - time_to_cover(5.0, 6.0, 2.0).unwrap()).abs() < 1e-9);
        // Faster than the turning speed: on at its speed, not faster.
        assert!((soonest_s(&p, 36.0, 12.0) - 3.0).abs() < 1e-9);
        // From standing: 4 s and 16 m to 8 m/s, then 4 m at 8 m/s.
        assert!((soonest_s(&p, 20.0, 0.0) - 4.5).abs() < 1e-9);
    }
}
