//! CLC and CVM, cooperative lane change and cooperative vehicle merging (T/CSAE 157-2020,
//! the Day-2 scenarios of the same names): a vehicle asks, in a VIR with `Req-LaneChange`,
//! for a place in another lane of its link (CLC), or, coming from an on-ramp
//! (`currentBehavior` rampIn, or a lane MAP shows ending where its link goes on), for a
//! place in the lane it must merge into (CVM). The cloud finds a gap in that lane and
//! answers with an RSC: the window to change in, the speed the requester keeps to meet the
//! gap, and, when the vehicle behind the gap must make room, a slower speed for it; or a
//! refusal with its reason when no safe gap comes within the request's time.
//!
//! Principle ([`plan`], a pure rule tested from tables):
//! - Every gap between two vehicles of the target lane near the requester (and before the
//!   first, after the last) is a candidate. The vehicle ahead of a gap is never asked to
//!   change its speed; the requester may change its own by up to `speed_change_mps` (a
//!   merging one may speed up to the lane's limit: an acceleration lane is there for it), the
//!   vehicle behind the gap may be asked to slow by up to `slow_mps` when it can hear the
//!   cloud (it has a vehicle id), each reaching its new speed at `accel_mps2`.
//! - A gap is safe at a moment when the requester has at least `headway_s` of its own speed
//!   (and never less than `min_gap_m`) to the vehicle ahead of the gap, and the vehicle
//!   behind has as much of its speed to the requester; and, where one closes on the other,
//!   room besides to fall back to the other's speed braking at `comfort_decel_mps2` (a car
//!   merging slowly in front of a faster one leaves it that room). The gap must stay safe for
//!   the whole lane change, `change_s`; a merging vehicle must also finish it before its lane
//!   ends.
//! - A gap the target lane's traffic leaves as it drives comes first: only when none comes
//!   within the request's time is the vehicle behind a gap asked to slow (every slow-down in
//!   dense traffic travels back up the lane). Then the earliest window wins; among windows
//!   that open together, the one that slows the others least, then has the requester drive
//!   nearest the speed of the lane it joins (the vehicle ahead of the gap's, else the one
//!   behind's, else its own). Nothing found within the request's time (`lifeTime`, else
//!   `horizon_s`): refused, for the vehicle to ask again.
//!
//! The pipeline answers the requests and sends the RSCs (to the requester, and to the
//! vehicle asked to make room); the RSC's contents are
//! `roadcloud_world::requests::lane_change_answer`.

use crate::scene::Scene;
use crate::{Advisory, App, plugin};
use serde::{Deserialize, Serialize};

/// CLC's and CVM's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// The time gap the requester needs to the vehicle ahead of it in the target lane, and
    /// the vehicle behind to the requester, seconds of their speed.
    pub headway_s: f64,
    /// And never less than this, metres (bumper to bumper).
    pub min_gap_m: f64,
    /// How long a lane change takes: the gap must stay safe this long, seconds.
    pub change_s: f64,
    /// How much faster or slower the requester may be asked to drive, m/s.
    pub speed_change_mps: f64,
    /// How much the vehicle behind a gap may be asked to slow, m/s.
    pub slow_mps: f64,
    /// How fast a vehicle reaches a new speed, m/s².
    pub accel_mps2: f64,
    /// How hard a vehicle closing on the one ahead may have to brake to fall back to its
    /// speed, m/s² (comfortable braking): the gap must hold that too.
    pub comfort_decel_mps2: f64,
    /// The window is sought this far ahead when the request names no `lifeTime`, seconds.
    pub horizon_s: f64,
    /// Only the target lane's vehicles this close to the requester (along the lane) count,
    /// metres.
    pub consider_m: f64,
    /// How long a request stands unanswered before it is dropped, ms.
    pub max_age_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            headway_s: 1.0,
            min_gap_m: 5.0,
            change_s: 3.0,
            speed_change_mps: 4.0,
            slow_mps: 4.0,
            accel_mps2: 1.5,
            comfort_decel_mps2: 2.0,
            horizon_s: 8.0,
            consider_m: 200.0,
            max_age_ms: 1_000,
        }
    }
}

pub(crate) fn lane_change_app() -> Box<dyn App> {
    plugin("CLC", "cooperative lane change", evaluate)
}

pub(crate) fn merge_app() -> Box<dyn App> {
    plugin("CVM", "cooperative vehicle merging", evaluate)
}

/// CLC and CVM advise nobody unasked: they answer requests ([`plan`]).
fn evaluate(_: &Params, _: &Scene, _: &mut Vec<Advisory>) {}

/// A vehicle as the planner sees it, on the target lane's axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mover {
    /// Its id, when it hears the cloud (it can be asked to slow down).
    pub vehicle: Option<[u8; 8]>,
    /// How far along the target lane its centre is, metres, growing in the direction of
    /// travel.
    pub along_m: f64,
    /// Its speed, m/s.
    pub speed_mps: f64,
    /// Its length, metres.
    pub length_m: f64,
}

/// What a requester asks, as the planner weighs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ask {
    /// The requester, projected on the target lane.
    pub requester: Mover,
    /// For a merge: how far its own lane goes on ahead of it, metres; the change must be
    /// over before.
    pub room_m: Option<f64>,
    /// The window must open within this long, seconds (the request's `lifeTime`).
    pub within_s: Option<f64>,
    /// The target lane's speed limit, m/s: nobody is asked to go faster.
    pub speed_limit_mps: Option<f64>,
}

/// The gap found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    /// The window opens this long from now, seconds.
    pub begin_s: f64,
    /// And closes then: `begin_s` + `change_s`.
    pub end_s: f64,
    /// The requester's speed, m/s.
    pub speed_mps: f64,
    /// Where the requester's centre is along the lane when the window opens, metres.
    pub along_at_begin_m: f64,
    /// The vehicle ahead of the gap (index into the lane's vehicles), if any.
    pub lead: Option<usize>,
    /// The vehicle behind it, if any, and the speed asked of it, m/s (its own when it need
    /// not slow).
    pub follower: Option<(usize, f64)>,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refused {
    /// No gap stays safe for a whole lane change within the request's time.
    NoSafeGap,
    /// The requester is not on a lane beside the target: not on its link, in it already, or
    /// further over than the next lane.
    NotBeside,
    /// The target lane is not in any MAP roadcloud has.
    UnknownLane,
    /// roadcloud has no track of the requester (no BSM of it).
    Unseen,
}

impl Refused {
    /// The reason as the RSC's `description` gives it.
    pub fn as_text(self) -> &'static str {
        match self {
            Refused::NoSafeGap => "no safe gap in the target lane within the request's time",
            Refused::NotBeside => "the target lane is not beside the vehicle's",
            Refused::UnknownLane => "the target lane is in no MAP",
            Refused::Unseen => "the vehicle is not seen (no BSM)",
        }
    }
}

/// How much faster a merging vehicle may be asked to drive at most, m/s (below the lane's
/// limit): from a ramp's speed to a motorway's.
const MERGE_SPEED_UP_MPS: f64 = 20.0;

/// Where a vehicle is `t` seconds on and how fast it goes, when it goes from `v0` to `v1`
/// at `accel` and keeps `v1` (or stops, never backwards).
fn advance(along_m: f64, v0: f64, v1: f64, accel: f64, t: f64) -> (f64, f64) {
    let ramp_s = ((v1 - v0).abs() / accel.max(1e-3)).min(t);
    let a = if v1 >= v0 { accel } else { -accel };
    let v_ramp = v0 + a * ramp_s;
    let x = along_m + v0 * ramp_s + 0.5 * a * ramp_s * ramp_s + v_ramp * (t - ramp_s);
    (x, v_ramp)
}

/// Speeds from `from` by steps of 1 m/s to `to` (either way), `to` included.
fn speeds(from: f64, to: f64) -> Vec<f64> {
    let n = (to - from).abs().ceil() as usize;
    let mut v: Vec<f64> = (0..=n)
        .map(|k| from + (to - from).signum() * k as f64)
        .collect();
    if let Some(last) = v.last_mut() {
        *last = to;
    }
    v.dedup();
    v
}

/// The earliest safe gap for `ask` among the target lane's vehicles `lane` (in any order),
/// or why there is none.
pub fn plan(p: &Params, ask: &Ask, lane: &[Mover]) -> Result<Gap, Refused> {
    let r = ask.requester;
    let limit = ask.speed_limit_mps.unwrap_or(f64::INFINITY);
    // Near vehicles, front first.
    let mut near: Vec<usize> = (0..lane.len())
        .filter(|&i| (lane[i].along_m - r.along_m).abs() <= p.consider_m)
        .collect();
    near.sort_by(|&a, &b| lane[b].along_m.total_cmp(&lane[a].along_m));
    // Candidate gaps: (ahead, behind), front to back.
    let gaps: Vec<(Option<usize>, Option<usize>)> = (0..=near.len())
        .map(|k| (k.checked_sub(1).map(|j| near[j]), near.get(k).copied()))
        .collect();
    // The requester's speeds, its own first: faster up to the limit, slower down to a stop.
    // A merging vehicle may be asked any speed up to the limit: an acceleration lane is
    // there to reach the mainline's speed.
    let faster = if ask.room_m.is_some() {
        MERGE_SPEED_UP_MPS
    } else {
        p.speed_change_mps
    };
    let up = (r.speed_mps + faster).min(limit).max(r.speed_mps);
    let down = (r.speed_mps - p.speed_change_mps).max(0.0);
    let mut own: Vec<f64> = speeds(r.speed_mps, up);
    own.extend(speeds(r.speed_mps, down).into_iter().skip(1));
    let within_s = ask
        .within_s
        .unwrap_or(p.horizon_s)
        .min(p.horizon_s.max(0.0));
    // First a gap the lane's traffic leaves as it drives; only when none comes in time, one
    // that a vehicle slows down to make.
    for make_room in [false, true] {
        if let Some(g) = earliest(p, ask, lane, &gaps, &own, within_s, make_room) {
            return Ok(g);
        }
    }
    Err(Refused::NoSafeGap)
}

/// The earliest safe gap among `gaps`, the requester driving at one of `own` speeds, the
/// vehicles behind the gaps at theirs or, with `make_room`, slowed as far as `slow_mps`.
fn earliest(
    p: &Params,
    ask: &Ask,
    lane: &[Mover],
    gaps: &[(Option<usize>, Option<usize>)],
    own: &[f64],
    within_s: f64,
    make_room: bool,
) -> Option<Gap> {
    let r = ask.requester;
    let limit = ask.speed_limit_mps.unwrap_or(f64::INFINITY);
    let step_s = 0.5;
    let mut begin = 0.0;
    while begin + 1e-9 <= within_s {
        let mut best: Option<((f64, f64), Gap)> = None;
        for &(lead, follower) in gaps {
            let follower_speeds = match follower.map(|i| &lane[i]) {
                Some(f) if make_room && f.vehicle.is_some() => {
                    speeds(f.speed_mps, (f.speed_mps - p.slow_mps).max(0.0))
                }
                Some(f) => vec![f.speed_mps],
                None => vec![0.0],
            };
            for &vr in own {
                for &vf in &follower_speeds {
                    if !safe_through(p, ask, lane, (lead, follower), (vr, vf), begin) {
                        continue;
                    }
                    let slowed = follower.map_or(0.0, |i| lane[i].speed_mps - vf);
                    let flow_mps = lead
                        .or(follower)
                        .map_or(r.speed_mps, |i| lane[i].speed_mps)
                        .min(limit);
                    let cost = (slowed, (vr - flow_mps).abs());
                    if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                        let (along_at_begin_m, _) =
                            advance(r.along_m, r.speed_mps, vr, p.accel_mps2, begin);
                        best = Some((
                            cost,
                            Gap {
                                begin_s: begin,
                                end_s: begin + p.change_s,
                                speed_mps: vr,
                                along_at_begin_m,
                                lead,
                                follower: follower.map(|i| (i, vf)),
                            },
                        ));
                    }
                }
            }
        }
        if let Some((_, g)) = best {
            return Some(g);
        }
        begin += step_s;
    }
    None
}

/// The gap a vehicle at `v_back` needs behind one at `v_front`, bumper to bumper, metres:
/// `headway_s` of its speed (at least `min_gap_m`), and, when it is faster, the distance it
/// closes while braking at `comfort_decel_mps2` to the front one's speed.
fn needed_m(p: &Params, v_back: f64, v_front: f64) -> f64 {
    let closing = (v_back * v_back - v_front * v_front).max(0.0) / (2.0 * p.comfort_decel_mps2);
    (p.headway_s * v_back).max(p.min_gap_m) + closing
}

/// Whether the gap between `lead` and `follower` stays safe from `begin` through the lane
/// change, the requester driving at `vr` and the follower at `vf`; and, for a merge, the
/// change is over before the requester's lane ends.
fn safe_through(
    p: &Params,
    ask: &Ask,
    lane: &[Mover],
    (lead, follower): (Option<usize>, Option<usize>),
    (vr, vf): (f64, f64),
    begin: f64,
) -> bool {
    let r = ask.requester;
    let a = p.accel_mps2;
    let end = begin + p.change_s;
    if let Some(room) = ask.room_m {
        let (x, _) = advance(r.along_m, r.speed_mps, vr, a, end);
        if x - r.along_m + r.length_m / 2.0 > room {
            return false;
        }
    }
    let mut t = begin;
    loop {
        let (xr, v_r) = advance(r.along_m, r.speed_mps, vr, a, t);
        if let Some(i) = lead {
            let l = &lane[i];
            let (xl, _) = advance(l.along_m, l.speed_mps, l.speed_mps, a, t);
            let gap = (xl - l.length_m / 2.0) - (xr + r.length_m / 2.0);
            if gap < needed_m(p, v_r, l.speed_mps) {
                return false;
            }
        }
        if let Some(i) = follower {
            let f = &lane[i];
            let (xf, v_f) = advance(f.along_m, f.speed_mps, vf, a, t);
            let gap = (xr - r.length_m / 2.0) - (xf + f.length_m / 2.0);
            if gap < needed_m(p, v_f, v_r) {
                return false;
            }
        }
        if t >= end - 1e-9 {
            return true;
        }
        t = (t + 0.5).min(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn car(id: Option<u8>, along_m: f64, speed_mps: f64) -> Mover {
        Mover {
            vehicle: id.map(|i| [i; 8]),
            along_m,
            speed_mps,
            length_m: 4.5,
        }
    }

    fn ask(along_m: f64, speed_mps: f64, room_m: Option<f64>) -> Ask {
        Ask {
            requester: car(Some(1), along_m, speed_mps),
            room_m,
            within_s: None,
            speed_limit_mps: Some(33.3),
        }
    }

    /// Whether the plan's gap is safe when checked independently: bumper-to-bumper
    /// distances at every 0.1 s of the window, with the speeds the plan asks for.
    fn check_safe(p: &Params, a: &Ask, lane: &[Mover], g: &Gap) {
        let mut t = g.begin_s;
        while t <= g.end_s + 1e-9 {
            let (xr, v_r) = advance(
                a.requester.along_m,
                a.requester.speed_mps,
                g.speed_mps,
                p.accel_mps2,
                t,
            );
            if let Some(i) = g.lead {
                let l = &lane[i];
                let xl = l.along_m + l.speed_mps * t;
                let gap = xl - l.length_m / 2.0 - xr - a.requester.length_m / 2.0;
                // And room to fall back to a slower vehicle's speed, braking comfortably.
                let closing =
                    (v_r * v_r - l.speed_mps * l.speed_mps).max(0.0) / (2.0 * p.comfort_decel_mps2);
                assert!(
                    gap >= (p.headway_s * v_r).max(p.min_gap_m) + closing - 1e-6,
                    "{gap} at {t}"
                );
            }
            if let Some((i, vf)) = g.follower {
                let f = &lane[i];
                let (xf, v_f) = advance(f.along_m, f.speed_mps, vf, p.accel_mps2, t);
                let gap = xr - a.requester.length_m / 2.0 - xf - f.length_m / 2.0;
                let closing = (v_f * v_f - v_r * v_r).max(0.0) / (2.0 * p.comfort_decel_mps2);
                assert!(
                    gap >= (p.headway_s * v_f).max(p.min_gap_m) + closing - 1e-6,
                    "{gap} at {t}"
                );
            }
            t += 0.1;
        }
    }

    #[test]
    fn scenarios() {
        let p = Params::default();
        // (name, ask, target lane, expected: Ok((when the window opens, s, lead, follower
        // slowed?)) or Err)
        type Expect = Result<(std::ops::RangeInclusive<f64>, Option<usize>, bool), Refused>;
        let cases: Vec<(&str, Ask, Vec<Mover>, Expect)> = vec![
            (
                "an empty lane: at once, at its own speed",
                ask(0.0, 25.0, None),
                vec![],
                Ok((0.0..=0.0, None, false)),
            ),
            (
                "a wide gap beside it: at once",
                ask(0.0, 25.0, None),
                vec![car(Some(2), 60.0, 25.0), car(Some(3), -60.0, 25.0)],
                Ok((0.0..=0.0, Some(0), false)),
            ),
            (
                "a car level with it, equipped: it speeds up and the other slows, 5 s to open",
                ask(0.0, 25.0, None),
                vec![car(Some(2), 0.0, 25.0)],
                Ok((3.0..=5.0, None, true)),
            ),
            (
                "a silent platoon at 12 m spacing level with it: no gap inside, none at its \
                 ends within 8 s",
                ask(0.0, 20.0, None),
                (0..5)
                    .map(|k| car(None, 24.0 - 12.0 * k as f64, 20.0))
                    .collect(),
                Err(Refused::NoSafeGap),
            ),
            (
                "a silent car 10 m ahead at its speed: it drops back behind it",
                ask(0.0, 20.0, None),
                vec![car(None, 10.0, 20.0)],
                Ok((2.0..=5.0, Some(0), false)),
            ),
            (
                "a merge with 30 m left beside a dense silent queue at its own speed: refused",
                ask(0.0, 15.0, Some(30.0)),
                (0..12)
                    .map(|k| car(None, 60.0 - 12.0 * k as f64, 15.0))
                    .collect(),
                Err(Refused::NoSafeGap),
            ),
            (
                "an equipped queue at 25 m spacing, 120 m left: the car behind a gap slows",
                ask(0.0, 15.0, Some(120.0)),
                (0..8)
                    .map(|k| car(Some(10 + k), 62.5 - 25.0 * k as f64, 15.0))
                    .collect(),
                Ok((0.5..=4.5, Some(2), true)),
            ),
            (
                "a gap that only opens later: the window waits for it",
                ask(0.0, 20.0, None),
                vec![car(None, 8.0, 24.0), car(None, -30.0, 20.0)],
                Ok((3.0..=5.0, Some(0), false)),
            ),
        ];
        for (name, a, lane, expect) in cases {
            let got = plan(&p, &a, &lane);
            match (&got, &expect) {
                (Ok(g), Ok((begin, lead, slowed))) => {
                    assert!(begin.contains(&g.begin_s), "{name}: {got:?}");
                    if lead.is_some() || g.lead.is_some() {
                        assert_eq!(g.lead, *lead, "{name}: {got:?}");
                    }
                    let did_slow = g.follower.is_some_and(|(i, v)| v < lane[i].speed_mps);
                    if *slowed {
                        assert!(
                            did_slow || g.speed_mps != a.requester.speed_mps,
                            "{name}: {got:?}"
                        );
                    } else {
                        assert!(!did_slow, "{name}: {got:?}");
                    }
                    check_safe(&p, &a, &lane, g);
                }
                (Err(e), Err(x)) => assert_eq!(e, x, "{name}"),
                _ => panic!("{name}: got {got:?}, expected {expect:?}"),
            }
        }
    }

    #[test]
    fn no_unsafe_gap_is_ever_granted() {
        // Random lanes and requesters (a fixed linear congruential sequence): whatever is
        // granted is safe through its window, checked independently of the planner.
        let p = Params::default();
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        let (mut granted, mut refused) = (0, 0);
        for _ in 0..400 {
            let v = 5.0 + 25.0 * next();
            let room = (next() < 0.5).then(|| 20.0 + 150.0 * next());
            let a = ask(0.0, v, room);
            let n = (next() * 10.0) as usize;
            let lane: Vec<Mover> = (0..n)
                .map(|k| {
                    let id = (next() < 0.5).then_some(k as u8 + 2);
                    car(id, -100.0 + 200.0 * next(), 5.0 + 25.0 * next())
                })
                .collect();
            match plan(&p, &a, &lane) {
                Ok(g) => {
                    granted += 1;
                    check_safe(&p, &a, &lane, &g);
                    if let Some(room) = room {
                        let (x, _) = advance(0.0, v, g.speed_mps, p.accel_mps2, g.end_s);
                        assert!(x + a.requester.length_m / 2.0 <= room + 1e-6);
                    }
                }
                Err(_) => refused += 1,
            }
        }
        assert!(
            granted > 100 && refused > 10,
            "{granted} granted, {refused} refused"
        );
    }

    #[test]
    fn a_vehicle_is_never_asked_above_the_limit_or_below_a_stop() {
        let p = Params::default();
        let a = Ask {
            speed_limit_mps: Some(26.0),
            ..ask(0.0, 25.0, None)
        };
        let lane = vec![car(Some(2), 0.0, 25.0)];
        let g = plan(&p, &a, &lane).unwrap();
        assert!(g.speed_mps <= 26.0);
        assert!(g.follower.is_none_or(|(_, v)| v >= 0.0));
    }
}
