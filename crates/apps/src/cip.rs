//! CIP, cooperative intersection passing (T/CSAE 157-2020, the no-signal intersection
//! passing scenario, the RSC's `no-signalIntersectionPassing` coordination): the vehicles
//! coming to a junction without signals say how they will pass it (a VIR whose
//! `currentBehavior` is intersectionStraightThrough, -TurnLeft, -TurnRight or -UTurn); the
//! cloud puts them in a crossing order and gives each a time to enter the junction and the
//! speed that brings it there then.
//!
//! Principle ([`schedule`], a pure rule tested from tables):
//! - Each vehicle's earliest entry is when it reaches its stop line at its speed, speeding
//!   up towards the limit at `accel_mps2` where it is slower.
//! - The vehicles whose entry is settled (in the junction already, told to enter within
//!   `commit_s`, or standing first in their lanes with nothing holding them back:
//!   [`Slot::settles`]; the caller keeps these until they have crossed) keep their slots; the
//!   others are taken one at a time from the heads of their approach lanes (nobody
//!   overtakes in its lane), each time the one whose going first delays the heads least,
//!   each head's delay counted for every vehicle in its queue. So the junction serves
//!   whoever can use it next without holding up more: a gap in the main road's stream goes
//!   to the side road, a car that would start from its stop line just ahead of a passing
//!   platoon waits for it. A vehicle already `max_delay_s` later than it could first have
//!   entered goes before the others: nobody waits for ever.
//! - A vehicle's slot keeps `follow_s` after the vehicle ahead in its lane and, where its
//!   path meets an earlier vehicle's path ([`Movement::meets`]: curves from stop line to
//!   where the movement leaves, meeting where they cross or come within `meet_m`; two
//!   movements onto one lane meet where it begins), a post-encroachment time of `pet_s`: it
//!   reaches the conflict area (`conflict_m` either side of where they meet) at the soonest
//!   (speeding up at `launch_mps2` from its entry speed) that long after the earlier
//!   vehicle's rear has left it at the latest (entering at its entry speed, no faster than
//!   `turn_mps` when it turns, speeding up at `accel_mps2`). The clearance of a pair thus
//!   follows from where their paths cross and how fast each crosses: a vehicle that starts
//!   from its stop line needs more room than one that passes at speed.
//! - Its advised speed is what brings it to the stop line at its slot (its entry speed); a
//!   slot so far off that the speed would fall below `crawl_mps` means: stop at the line
//!   and go at the slot (entry speed 0).
//!
//! A randomised check holds that no two conflicting vehicles are ever where their paths meet
//! less than `pet_s` apart by these kinematics. The pipeline gathers the vehicles of
//! each junction, keeps the settled slots and sends the RSCs.

use crate::scene::Scene;
use crate::{Advisory, App, plugin};
use roadcloud_world::Point;
use roadcloud_world::paths::{segments_closest, turn_curve};
use serde::{Deserialize, Serialize};

/// CIP's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Post-encroachment time kept at every crossing of two vehicles' paths, seconds: the
    /// later reaches the conflict area at least this long after the earlier has left it.
    pub pet_s: f64,
    /// Two paths whose centre lines come this close conflict, metres (a vehicle's width and a
    /// margin).
    pub meet_m: f64,
    /// The conflict area reaches this far along each path either side of where they meet,
    /// metres (half a vehicle's width and a margin).
    pub conflict_m: f64,
    /// A vehicle's length, metres.
    pub length_m: f64,
    /// A vehicle enters at least this long after the one ahead of it in its lane, seconds.
    pub follow_s: f64,
    /// How fast a vehicle slower than the limit is taken to speed up, m/s²: to its earliest
    /// entry, and across the junction when it is to clear another's path.
    pub accel_mps2: f64,
    /// The hardest a vehicle is taken to speed up towards a crossing it is to reach after
    /// another, m/s² (its soonest arrival there).
    pub launch_mps2: f64,
    /// A turning vehicle is taken to cross no faster than this, m/s.
    pub turn_mps: f64,
    /// A vehicle told to enter within this long keeps its slot, seconds: a vehicle's slot
    /// changes only while it is further off than its next declaration (vehicles declare
    /// about once a second).
    pub commit_s: f64,
    /// A vehicle this much later than its first earliest entry goes before the others,
    /// seconds.
    pub max_delay_s: f64,
    /// Vehicles this close to their stop line (in distance) are scheduled, metres.
    pub horizon_m: f64,
    /// Below this advised speed a vehicle is told to stop at the line and go at its slot, m/s.
    pub crawl_mps: f64,
    /// How long a declaration stands, ms: it is answered unless older, and the vehicle is
    /// scheduled with the others until then (a vehicle declares about once a second: it must
    /// stay in the schedule between two of its declarations).
    pub max_age_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            pet_s: 1.5,
            meet_m: 2.5,
            conflict_m: 2.0,
            length_m: 5.0,
            follow_s: 1.5,
            accel_mps2: 1.5,
            launch_mps2: 3.0,
            turn_mps: 7.0,
            commit_s: 1.5,
            max_delay_s: 20.0,
            horizon_m: 150.0,
            crawl_mps: 2.0,
            max_age_ms: 2_500,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("CIP", "cooperative intersection passing", evaluate)
}

/// CIP advises nobody unasked: it schedules the vehicles that declare how they pass
/// ([`schedule`]).
fn evaluate(_: &Params, _: &Scene, _: &mut Vec<Advisory>) {}

/// How many points a movement's path across the junction has.
const PATH_POINTS: usize = 13;

/// A movement across a junction: from the end of an approach lane to the start of the lane
/// it leads onto, along a curve (a quadratic Bézier leaving the stop line along the approach
/// lane's heading and joining the exit lane along its heading, as the paths across an
/// intersection are predicted in `roadcloud_world::paths`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Movement {
    /// Which approach lane it comes from (any id the caller keeps apart per lane).
    pub lane: u32,
    /// The lane it leads onto (any id the caller keeps apart per lane).
    pub exit: u32,
    /// It turns (left, right or back): it crosses no faster than `turn_mps`.
    pub turns: bool,
    /// Its path, from the stop line to where it leaves.
    path: [Point; PATH_POINTS],
    /// Metres along the path at each point.
    along_m: [f64; PATH_POINTS],
}

impl Movement {
    /// The movement from approach lane `lane` onto link `exit`: from its stop line `from`,
    /// heading `from_heading_deg`, to `to`, where the lane it leads onto begins heading
    /// `to_heading_deg` (degrees clockwise from north).
    pub fn new(
        (lane, exit): (u32, u32),
        (from, from_heading_deg): (Point, f64),
        (to, to_heading_deg): (Point, f64),
        turns: bool,
    ) -> Movement {
        let path: [Point; PATH_POINTS] = turn_curve((from, from_heading_deg), (to, to_heading_deg));
        let mut along_m = [0.0; PATH_POINTS];
        for i in 1..PATH_POINTS {
            along_m[i] = along_m[i - 1] + path[i - 1].distance_to(path[i]);
        }
        Movement {
            lane,
            exit,
            turns,
            path,
            along_m,
        }
    }

    /// Whether two movements cannot pass at once: from different approach lanes, their paths
    /// come within `meet_m` of each other or they lead onto the same lane.
    pub fn conflicts(&self, other: &Movement, meet_m: f64) -> bool {
        self.lane != other.lane && self.meets(other, meet_m).is_some()
    }

    /// Its path's length across the junction, metres.
    pub fn length_m(&self) -> f64 {
        self.along_m[PATH_POINTS - 1]
    }

    /// Where its path meets `other`'s, the metres along each from its stop line: where they
    /// first cross, else where they come closest if that is within `meet_m` (their centre
    /// lines that close: two vehicles there would touch, as opposing left turns passing each
    /// other); movements onto the same lane meet where it begins, if not before.
    pub fn meets(&self, other: &Movement, meet_m: f64) -> Option<(f64, f64)> {
        let at =
            |m: &Movement, k: usize, f: f64| m.along_m[k] + f * (m.along_m[k + 1] - m.along_m[k]);
        let mut nearest: Option<(f64, f64, f64)> = None;
        for i in 0..PATH_POINTS - 1 {
            for j in 0..PATH_POINTS - 1 {
                let (d, s, t) = segments_closest(
                    self.path[i],
                    self.path[i + 1],
                    other.path[j],
                    other.path[j + 1],
                );
                if d == 0.0 {
                    return Some((at(self, i, s), at(other, j, t)));
                }
                if d < meet_m && nearest.is_none_or(|n| d < n.0) {
                    nearest = Some((d, at(self, i, s), at(other, j, t)));
                }
            }
        }
        nearest
            .map(|(_, a, b)| (a, b))
            .or_else(|| (self.exit == other.exit).then(|| (self.length_m(), other.length_m())))
    }
}

/// A vehicle coming to the junction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Approaching {
    /// Its movement.
    pub movement: Movement,
    /// Its distance to the stop line, metres.
    pub distance_m: f64,
    /// Its speed, m/s.
    pub speed_mps: f64,
    /// The speed limit of its approach, m/s.
    pub limit_mps: f64,
    /// When it could first have entered, as first scheduled, seconds from now (negative when
    /// past); its delay is how much later its earliest entry is now.
    pub due_s: f64,
    /// It hears its slot: it declared how it passes. One that did not (a vehicle without an
    /// OBU that an RSU's camera sees) is scheduled for what the rules of the road make it do.
    pub told: bool,
    /// Its approach gives way at the junction (MAP's maneuvers: a minor road). A vehicle not
    /// told that gives way takes the gaps the others leave (it is scheduled after them), and
    /// once `max_delay_s` late it is scheduled as a told vehicle would be (a gap is made for
    /// it); one not told on a road with the right of way enters at its earliest behind the
    /// vehicle ahead of it, whatever the others do, and the others are scheduled around it.
    pub gives_way: bool,
}

impl Approaching {
    /// It goes by its right of way and hears no slot: nobody can hold it back but the vehicle
    /// ahead of it in its lane.
    pub fn keeps_right_of_way(&self) -> bool {
        !self.told && !self.gives_way
    }

    /// When it can enter at the earliest, seconds from now: reaching its stop line at its
    /// speed, speeding up towards the limit at `accel_mps2`.
    pub fn earliest_s(&self, p: &Params) -> f64 {
        earliest_s(
            self.distance_m.max(0.0),
            self.speed_mps,
            self.limit_mps,
            p.accel_mps2,
        )
    }
}

/// A vehicle's entry into the junction: settled (in the junction, or told to enter within
/// `commit_s`) or scheduled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pass {
    /// Its movement.
    pub movement: Movement,
    /// When it enters (entered, when negative), seconds from now.
    pub enter_s: f64,
    /// Its speed at the stop line, m/s (0: from a stop).
    pub entry_mps: f64,
    /// The speed limit of its approach, m/s.
    pub limit_mps: f64,
}

impl Pass {
    /// The speed it crosses at the most, m/s.
    fn cap_mps(&self, p: &Params) -> f64 {
        if self.movement.turns {
            self.limit_mps.min(p.turn_mps)
        } else {
            self.limit_mps
        }
    }

    /// When its rear has left the conflict area around the point `along_m` past its stop
    /// line, at the latest, seconds from now.
    fn clears_s(&self, p: &Params, along_m: f64) -> f64 {
        let cap = self.cap_mps(p);
        self.enter_s
            + earliest_s(
                along_m + p.conflict_m + p.length_m,
                self.entry_mps.min(cap),
                cap,
                p.accel_mps2,
            )
    }

    /// When it has crossed the junction (its rear past where its movement leaves), seconds
    /// from now.
    pub fn through_s(&self, p: &Params) -> f64 {
        self.clears_s(p, self.movement.length_m() - p.conflict_m)
    }
}

/// How soon after entering at `entry_mps` a vehicle reaches the conflict area around the
/// point `along_m` past its stop line, at the soonest, seconds.
fn reaches_s(p: &Params, along_m: f64, entry_mps: f64, limit_mps: f64) -> f64 {
    earliest_s(
        (along_m - p.conflict_m).max(0.0),
        entry_mps,
        limit_mps,
        p.launch_mps2,
    )
}

/// Where each pair of the movements scheduled together meets ([`Movement::meets`]), worked
/// out once per schedule.
struct Meetings {
    n: usize,
    at: Vec<Option<(f64, f64)>>,
}

impl Meetings {
    fn new(p: &Params, moves: &[Movement]) -> Meetings {
        let n = moves.len();
        let mut at = vec![None; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j && moves[i].lane != moves[j].lane {
                    at[i * n + j] = moves[i].meets(&moves[j], p.meet_m);
                }
            }
        }
        Meetings { n, at }
    }

    /// Where movement `i` meets movement `j`: metres along each.
    fn get(&self, i: usize, j: usize) -> Option<(f64, f64)> {
        self.at[i * self.n + j]
    }
}

/// An entry placed in the schedule, with its movement's place among the [`Meetings`].
#[derive(Debug, Clone, Copy)]
struct Placed {
    pass: Pass,
    k: usize,
    /// It keeps its right of way whatever it is told ([`Approaching::keeps_right_of_way`]):
    /// placed before the others, who may still go ahead of it where they clear its path in
    /// time.
    regardless: bool,
}

/// Whether the vehicle of movement `k` entering at `enter_s` (at `entry_mps`) has left where
/// its path meets `later`'s `pet_s` before `later` can reach it.
fn clears_before(
    p: &Params,
    meetings: &Meetings,
    later: &Placed,
    (k, movement): (usize, Movement),
    (enter_s, entry_mps, limit_mps): (f64, f64, f64),
) -> bool {
    let Some((along, along_later)) = meetings.get(k, later.k) else {
        return true;
    };
    let pass = Pass {
        movement,
        enter_s,
        entry_mps,
        limit_mps,
    };
    pass.clears_s(p, along) + p.pet_s
        <= later.pass.enter_s
            + reaches_s(p, along_later, later.pass.entry_mps, later.pass.limit_mps)
}

/// The soonest the vehicle of movement `k` (of the [`Meetings`]) entering at `entry_mps` may
/// enter after `earlier`, seconds from now (minus infinity when their paths are apart).
fn after(
    p: &Params,
    meetings: &Meetings,
    earlier: &Placed,
    (k, lane): (usize, u32),
    entry_mps: f64,
    limit_mps: f64,
) -> f64 {
    if earlier.pass.movement.lane == lane {
        return earlier.pass.enter_s + p.follow_s;
    }
    match meetings.get(earlier.k, k) {
        Some((along_earlier, along)) => {
            earlier.pass.clears_s(p, along_earlier) + p.pet_s
                - reaches_s(p, along, entry_mps, limit_mps)
        }
        None => f64::NEG_INFINITY,
    }
}

/// A vehicle's slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// Its place in the crossing order of those yet to enter, 0 first.
    pub order: usize,
    /// When it is to enter the junction, seconds from now.
    pub enter_s: f64,
    /// The speed that brings it to the stop line then, m/s.
    pub speed_mps: f64,
    /// It is to stop at the line and go at its slot (the speed would be below `crawl_mps`).
    pub stop_first: bool,
    /// When it has crossed the junction, seconds from now.
    pub through_s: f64,
    /// No vehicle of those scheduled is ahead of it in its lane: nobody it must wait for
    /// before it can enter but those whose entries are settled.
    pub first_in_lane: bool,
}

impl Slot {
    /// Its speed at the stop line, m/s (0: from a stop).
    pub fn entry_mps(&self) -> f64 {
        if self.stop_first { 0.0 } else { self.speed_mps }
    }

    /// Whether vehicle `v`'s slot settles (the caller keeps it, as the vehicle's entry,
    /// until the vehicle has crossed): it is to enter within `commit_s`; or it stands (below
    /// `crawl_mps`) with nothing holding it back, its slot at its earliest entry, and nobody
    /// ahead of it in its lane yet to enter. Standing, its slot would never come nearer, as
    /// it is reckoned from where the vehicle stands. But one behind a vehicle still to enter
    /// cannot enter first, whatever its own kinematics say: settled, it would come before that
    /// vehicle in every schedule after, which would wait for it, and it for that vehicle, for
    /// as long as a settled slot is kept (with half the vehicles equipped, the bundled
    /// crossing locked so: docs/sumo.md).
    pub fn settles(&self, p: &Params, v: &Approaching) -> bool {
        let unhindered = self.enter_s <= v.earliest_s(p) + 0.05;
        self.enter_s <= p.commit_s
            || (unhindered && self.first_in_lane && v.speed_mps < p.crawl_mps)
    }
}

/// How long a vehicle at `v` m/s takes to cover `d` metres speeding up at `a` to `limit`.
fn earliest_s(d: f64, v: f64, limit: f64, a: f64) -> f64 {
    let v = v.max(0.0);
    let limit = limit.max(v).max(0.1);
    // Distance to reach the limit.
    let ramp_s = (limit - v) / a.max(1e-3);
    let ramp_m = v * ramp_s + 0.5 * a * ramp_s * ramp_s;
    if d <= ramp_m {
        // v t + a t² / 2 = d
        (-v + (v * v + 2.0 * a * d).sqrt()) / a.max(1e-3)
    } else {
        ramp_s + (d - ramp_m) / limit
    }
}

/// The advised speed and whether to stop first, for a vehicle `d` metres from its line to
/// enter at `t` seconds from now.
fn advice(p: &Params, v: &Approaching, t: f64) -> (f64, bool) {
    let d = v.distance_m.max(0.0);
    let speed = if t > 0.0 {
        (d / t).min(v.limit_mps)
    } else {
        v.speed_mps
    };
    (speed, speed < p.crawl_mps && d > 1.0)
}

/// The soonest vehicle `v` (movement `k` of the [`Meetings`]) can enter, at or after
/// `from_s`, keeping its distances to every entry in `before`, with its advice at that slot.
fn soonest(
    p: &Params,
    meetings: &Meetings,
    (v, k): (&Approaching, usize),
    from_s: f64,
    before: &[Placed],
) -> (f64, f64, bool) {
    // What slot `t` must keep to (the latest of what each earlier entry asks).
    let need = |t: f64| {
        let (speed, stop_first) = advice(p, v, t);
        let entry = if stop_first { 0.0 } else { speed };
        before
            .iter()
            // One that comes regardless may be gone ahead of, where there is time.
            .filter(|u| {
                !(u.regardless
                    && u.pass.movement.lane != v.movement.lane
                    && clears_before(p, meetings, u, (k, v.movement), (t, entry, v.limit_mps)))
            })
            .map(|u| after(p, meetings, u, (k, v.movement.lane), entry, v.limit_mps))
            .fold(f64::NEG_INFINITY, f64::max)
    };
    // The later the slot, the slower the vehicle comes and the later it reaches any
    // crossing, so what it must keep to only shrinks as `t` grows: climbing to what the
    // slot needs reaches a slot that keeps every distance, and the first such slot lies
    // between the last two steps.
    let (mut lo, mut hi) = (from_s, from_s);
    for _ in 0..64 {
        let n = need(hi);
        if n <= hi + 1e-9 {
            break;
        }
        (lo, hi) = (hi, n);
    }
    if hi > lo {
        for _ in 0..16 {
            let mid = 0.5 * (lo + hi);
            if need(mid) <= mid + 1e-9 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
    }
    let (speed, stop_first) = advice(p, v, hi);
    (hi, speed, stop_first)
}

/// The crossing order and each vehicle's slot, in the order of `vehicles`, around the
/// entries already `settled`.
pub fn schedule(p: &Params, settled: &[Pass], vehicles: &[Approaching]) -> Vec<Slot> {
    let moves: Vec<Movement> = settled
        .iter()
        .map(|s| s.movement)
        .chain(vehicles.iter().map(|v| v.movement))
        .collect();
    let meetings = Meetings::new(p, &moves);
    // Vehicle i's movement among the meetings.
    let k_of = |i: usize| settled.len() + i;
    let earliest: Vec<f64> = vehicles.iter().map(|v| v.earliest_s(p)).collect();
    // Each approach lane's queue, nearest the line first.
    let mut queues: Vec<Vec<usize>> = Vec::new();
    let mut by_distance: Vec<usize> = (0..vehicles.len()).collect();
    by_distance.sort_by(|&a, &b| vehicles[a].distance_m.total_cmp(&vehicles[b].distance_m));
    for i in by_distance {
        match queues
            .iter_mut()
            .find(|q| vehicles[q[0]].movement.lane == vehicles[i].movement.lane)
        {
            Some(q) => q.push(i),
            None => queues.push(vec![i]),
        }
    }
    for q in &mut queues {
        q.reverse(); // popped from the back
    }
    let first_in_lane: Vec<bool> = {
        let mut first = vec![false; vehicles.len()];
        for q in &queues {
            if let Some(&i) = q.last() {
                first[i] = true;
            }
        }
        first
    };
    let mut placed: Vec<Placed> = settled
        .iter()
        .enumerate()
        .map(|(k, pass)| Placed {
            pass: *pass,
            k,
            regardless: false,
        })
        .collect();
    let place = |i: usize, (t, speed, stop_first): (f64, f64, bool)| Placed {
        pass: Pass {
            movement: vehicles[i].movement,
            enter_s: t,
            entry_mps: if stop_first { 0.0 } else { speed },
            limit_mps: vehicles[i].limit_mps,
        },
        k: k_of(i),
        regardless: vehicles[i].keeps_right_of_way(),
    };
    let mut slots = vec![
        Slot {
            order: 0,
            enter_s: 0.0,
            speed_mps: 0.0,
            stop_first: false,
            through_s: 0.0,
            first_in_lane: false,
        };
        vehicles.len()
    ];
    let waiting_before = settled.iter().filter(|s| s.enter_s >= 0.0).count();
    let soonest_of = |i: usize, before: &[Placed]| {
        let v = &vehicles[i];
        if v.keeps_right_of_way() {
            let ahead: Vec<Placed> = before
                .iter()
                .filter(|u| u.pass.movement.lane == v.movement.lane)
                .copied()
                .collect();
            return soonest(p, &meetings, (v, k_of(i)), earliest[i], &ahead);
        }
        soonest(p, &meetings, (v, k_of(i)), earliest[i], before)
    };
    for order in waiting_before..waiting_before + vehicles.len() {
        // The heads of the queues, each at the soonest it can go.
        let heads: Vec<(usize, usize, (f64, f64, bool))> = queues
            .iter()
            .enumerate()
            .filter_map(|(qi, q)| q.last().map(|&i| (qi, i)))
            .map(|(qi, i)| (qi, i, soonest_of(i, &placed)))
            .collect();
        // Which goes next: one that keeps its right of way whatever it is told (it comes
        // anyway; the others must keep clear of it), the soonest of those first; one not
        // told that gives way only when no other is left; of the rest, one `max_delay_s` late
        // first; else the one whose going costs the heads the least delay, each head's
        // counted for its whole queue (a look one step ahead: a car about to start from its
        // stop line waits for the main road's next car when it would hold that car up longer
        // than it waits itself); then the sooner.
        let cost = |&(qi, i, slot): &(usize, usize, (f64, f64, bool))| {
            let mut with = placed.clone();
            with.push(place(i, slot));
            let own = (slot.0 - earliest[i]) * queues[qi].len() as f64;
            heads
                .iter()
                .filter(|h| h.0 != qi)
                .map(|&(qj, j, _)| {
                    let (tj, ..) = soonest_of(j, &with);
                    (tj - earliest[j]) * queues[qj].len() as f64
                })
                .sum::<f64>()
                + own
        };
        let late = |i: usize| earliest[i] - vehicles[i].due_s >= p.max_delay_s;
        let best = heads
            .iter()
            .map(|h| {
                let regardless = vehicles[h.1].keeps_right_of_way();
                // One not told that gives way takes the gaps the others leave; nobody is held
                // for it, until it is `max_delay_s` late.
                let waits = !vehicles[h.1].told && vehicles[h.1].gives_way && !late(h.1);
                // Its cost does not matter when it goes regardless.
                let cost = if regardless { 0.0 } else { cost(h) };
                (h, regardless, late(h.1), cost, waits)
            })
            .min_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(a.4.cmp(&b.4))
                    .then(b.2.cmp(&a.2))
                    .then(a.3.total_cmp(&b.3))
                    .then(a.0.2.0.total_cmp(&b.0.2.0))
            })
            .map(|(h, ..)| *h);
        let Some((qi, i, slot)) = best else {
            break;
        };
        queues[qi].pop();
        let entry = place(i, slot);
        slots[i] = Slot {
            order,
            enter_s: slot.0,
            speed_mps: slot.1,
            stop_first: slot.2,
            through_s: entry.pass.through_s(p),
            first_in_lane: first_in_lane[i],
        };
        placed.push(entry);
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A four-arm junction 20 m across: approaches from the south, west, north and east; a
    /// movement by its approach and where it goes.
    fn movement(from: char, to: char) -> Movement {
        // Each arm: its approach lane's id, where it enters (heading into the junction),
        // where one leaves by it (heading out), its heading in.
        let arm = |c: char| {
            let (lane, entry, out, heading_in) = match c {
                'S' => (0u32, (3.0, -10.0), (-3.0, -10.0), 0.0),
                'W' => (1, (-10.0, -3.0), (-10.0, 3.0), 90.0),
                'N' => (2, (-3.0, 10.0), (3.0, 10.0), 180.0),
                _ => (3, (10.0, 3.0), (10.0, -3.0), 270.0),
            };
            let point = |(east_m, north_m): (f64, f64)| Point { east_m, north_m };
            (lane, point(entry), point(out), heading_in)
        };
        // In on the right of the arm (keeping right), out on the other side.
        let (lane, entry, _, heading_in) = arm(from);
        let (exit, _, out, towards_it) = arm(to);
        Movement::new(
            (lane, exit + 10),
            (entry, heading_in),
            (out, (towards_it + 180.0) % 360.0),
            (lane + 2) % 4 != exit,
        )
    }

    fn car(from: char, to: char, distance_m: f64, speed_mps: f64) -> Approaching {
        Approaching {
            movement: movement(from, to),
            distance_m,
            speed_mps,
            limit_mps: 13.9,
            due_s: f64::INFINITY,
            told: true,
            gives_way: false,
        }
    }

    fn pass_of(v: &Approaching, s: &Slot) -> Pass {
        Pass {
            movement: v.movement,
            enter_s: s.enter_s,
            entry_mps: s.entry_mps(),
            limit_mps: v.limit_mps,
        }
    }

    /// The first moment, seconds after entering, a vehicle entering at `entry` and speeding
    /// up at `a` to `cap` has covered `d` metres: stepped out in hundredths of a second, apart
    /// from the planner's closed form.
    fn covered_at(d: f64, entry: f64, a: f64, cap: f64) -> f64 {
        let (mut t, mut x, mut v) = (0.0, 0.0, entry);
        while x < d {
            let next = (v + a * 0.01).min(cap.max(entry));
            x += 0.5 * (v + next) * 0.01;
            v = next;
            t += 0.01;
        }
        t
    }

    /// The post-encroachment time of `later` after `earlier` where their paths meet, by the
    /// rule's kinematics (the earlier leaving slowly, the later arriving fast), stepped out.
    fn pet(p: &Params, earlier: &Pass, later: &Pass) -> Option<f64> {
        let (d1, d2) = earlier.movement.meets(&later.movement, p.meet_m)?;
        let cap = if earlier.movement.turns {
            earlier.limit_mps.min(p.turn_mps)
        } else {
            earlier.limit_mps
        };
        let gone = earlier.enter_s
            + covered_at(
                d1 + p.conflict_m + p.length_m,
                earlier.entry_mps.min(cap),
                p.accel_mps2,
                cap,
            );
        let there = later.enter_s
            + covered_at(
                (d2 - p.conflict_m).max(0.0),
                later.entry_mps,
                p.launch_mps2,
                later.limit_mps,
            );
        Some(there - gone)
    }

    #[test]
    fn conflicts() {
        // (from, to) pairs: straight is S->N, a left from the south is S->W.
        let cases = [
            (('S', 'N'), ('W', 'E'), true, "crossing straights"),
            (('S', 'N'), ('N', 'S'), false, "opposing straights"),
            (
                ('S', 'W'),
                ('N', 'S'),
                true,
                "a left across the opposing straight",
            ),
            (
                ('S', 'E'),
                ('N', 'S'),
                false,
                "a right and the opposing straight",
            ),
            (
                ('S', 'E'),
                ('W', 'E'),
                true,
                "a right onto the lane a straight goes to",
            ),
            (('S', 'E'), ('N', 'W'), false, "two rights"),
            (
                ('S', 'W'),
                ('N', 'E'),
                true,
                "opposing lefts: they pass each other within a car's width",
            ),
            (
                ('S', 'W'),
                ('W', 'S'),
                false,
                "a left and the right from the arm it turns onto",
            ),
            (
                ('S', 'N'),
                ('S', 'N'),
                false,
                "one lane: following, not conflicting",
            ),
        ];
        let meet_m = Params::default().meet_m;
        for ((a, b), (c, d), expect, name) in cases {
            assert_eq!(
                movement(a, b).conflicts(&movement(c, d), meet_m),
                expect,
                "{name}"
            );
            assert_eq!(
                movement(c, d).conflicts(&movement(a, b), meet_m),
                expect,
                "{name}"
            );
        }
        // Where they meet: crossing straights 7 m and 13 m past their lines; onto one lane,
        // where it begins; opposing lefts where they pass, halfway.
        let (a, b) = movement('S', 'N')
            .meets(&movement('W', 'E'), meet_m)
            .unwrap();
        assert!((a - 7.0).abs() < 1e-9 && (b - 13.0).abs() < 1e-9, "{a} {b}");
        let right = movement('S', 'E');
        let (a, b) = right.meets(&movement('W', 'E'), meet_m).unwrap();
        assert!((a - right.length_m()).abs() < 1e-9 && (b - 20.0).abs() < 1e-9);
        let left = movement('S', 'W');
        let (a, b) = left.meets(&movement('N', 'E'), meet_m).unwrap();
        let half = left.length_m() / 2.0;
        assert!((a - half).abs() < 1.0 && (b - half).abs() < 1.0, "{a} {b}");
        // A turn's path is a curve: longer than its chord, shorter than the way round by the
        // corner where its headings' lines meet, and about the quarter circle between.
        let length = right.length_m();
        assert!(length > 7.0 * 2f64.sqrt() && length < 14.0, "{length}");
        assert!(
            (length - 7.0 * std::f64::consts::FRAC_PI_2).abs() < 0.5,
            "{length}"
        );
    }

    #[test]
    fn scenarios() {
        let p = Params::default();
        // Two crossing cars: the nearer goes first at its earliest, the other as soon as it
        // reaches the crossing pet_s after the first has left it.
        let cars = [car('S', 'N', 50.0, 10.0), car('W', 'E', 40.0, 10.0)];
        let s = schedule(&p, &[], &cars);
        assert_eq!((s[1].order, s[0].order), (0, 1));
        assert!(
            (s[1].enter_s - cars[1].earliest_s(&p)).abs() < 1e-9,
            "{s:?}"
        );
        assert!(s[0].enter_s > cars[0].earliest_s(&p), "{s:?}");
        let kept = pet(&p, &pass_of(&cars[1], &s[1]), &pass_of(&cars[0], &s[0])).unwrap();
        assert!((kept - p.pet_s).abs() < 0.05, "{kept} {s:?}");
        // Closer than a fixed 3 s would have them: the first crosses at speed.
        assert!(s[0].enter_s - s[1].enter_s < 3.0, "{s:?}");
        // Opposing straights share the junction: both at their earliest.
        let cars = [car('S', 'N', 50.0, 10.0), car('N', 'S', 50.0, 10.0)];
        let s = schedule(&p, &[], &cars);
        let both = cars[0].earliest_s(&p);
        assert!((s[0].enter_s - both).abs() < 1e-9 && (s[1].enter_s - both).abs() < 1e-9);
        // A car about to start from its stop line (3 m short of it, stopped) and the main
        // road's two cars: it would cross before the second, but starting from a stop it
        // would hold that car up for seconds; it waits for it and loses a fraction of that.
        let cars = [
            car('S', 'N', 10.0, 10.0),
            car('W', 'E', 3.0, 0.0),
            car('S', 'N', 25.0, 10.0),
        ];
        let s = schedule(&p, &[], &cars);
        assert_eq!((s[0].order, s[2].order, s[1].order), (0, 1, 2), "{s:?}");
        let unhindered = cars[2].earliest_s(&p).max(s[0].enter_s + p.follow_s);
        assert!((s[2].enter_s - unhindered).abs() < 1e-9, "{s:?}");
        assert!(
            s[1].stop_first && s[1].enter_s - cars[1].earliest_s(&p) < 0.5,
            "{s:?}"
        );
        // ... unless it is already max_delay_s late: then it goes first.
        let mut late = cars;
        late[1].due_s = -p.max_delay_s;
        let s = schedule(&p, &[], &late);
        assert_eq!(s[1].order, 0, "{s:?}");
        // A car behind another in its lane never goes first, however fast.
        let s = schedule(
            &p,
            &[],
            &[car('S', 'N', 30.0, 2.0), car('S', 'N', 40.0, 13.9)],
        );
        assert!(s[1].enter_s >= s[0].enter_s + p.follow_s - 1e-9, "{s:?}");
        // A slot far off: stop at the line first.
        let s = schedule(
            &p,
            &[],
            &[
                car('W', 'E', 10.0, 10.0),
                car('E', 'W', 10.0, 10.0),
                car('N', 'S', 12.0, 10.0),
                car('S', 'N', 3.0, 1.0),
            ],
        );
        assert!(s[3].stop_first, "{s:?}");
        // A settled entry holds: a car in the junction since a second ago, crossing slowly,
        // keeps a crossing car back; its order counts only those yet to enter.
        let inside = Pass {
            movement: movement('W', 'E'),
            enter_s: -1.0,
            entry_mps: 2.0,
            limit_mps: 13.9,
        };
        let cars = [car('S', 'N', 5.0, 10.0)];
        let s = schedule(&p, &[inside], &cars);
        assert!(
            s[0].enter_s > cars[0].earliest_s(&p) && s[0].order == 0,
            "{s:?}"
        );
        assert!(pet(&p, &inside, &pass_of(&cars[0], &s[0])).unwrap() >= p.pet_s - 0.05);
    }

    #[test]
    fn a_vehicle_behind_one_still_to_enter_does_not_settle_its_slot() {
        let p = Params::default();
        // Two cars standing in the north approach's lane: the first, at its line, turning left
        // across the main road, held for a main road car 15 m out; the second, 10.3 m back,
        // going straight on. (The bundled crossing's lock, read from a run with half the
        // vehicles equipped: the second settled standing, and the first waited for it.)
        let first = car('N', 'E', 2.7, 0.0);
        let second = car('N', 'S', 10.3, 0.0);
        let main = car('E', 'W', 15.0, 12.0);
        let s = schedule(&p, &[], &[first, second, main]);
        assert!(s[0].enter_s > first.earliest_s(&p) + 0.05, "held: {s:?}");
        assert!(s[0].enter_s > p.commit_s, "{s:?}");
        // The second's slot is its earliest entry, as if nothing held it back...
        assert!((s[1].enter_s - second.earliest_s(&p)).abs() < 0.05, "{s:?}");
        assert!(s[0].first_in_lane && !s[1].first_in_lane, "{s:?}");
        // ... but the first is still to enter: neither settles.
        assert!(!s[0].settles(&p, &first), "{s:?}");
        assert!(!s[1].settles(&p, &second), "{s:?}");
        // With the main road car gone, the first settles: it stands, first in its lane,
        // nothing holding it back.
        let s = schedule(&p, &[], &[first, second]);
        assert!(s[0].settles(&p, &first), "{s:?}");
        // And the second, once the first has entered (it is no longer scheduled).
        let s = schedule(&p, &[], &[second]);
        assert!(s[0].first_in_lane && s[0].settles(&p, &second), "{s:?}");
        // One moving does not settle so, however unhindered: its slot comes nearer.
        let moving = car('N', 'S', 40.0, 10.0);
        let s = schedule(&p, &[], &[moving]);
        assert!(!s[0].settles(&p, &moving), "{s:?}");
    }

    #[test]
    fn vehicles_not_told_are_scheduled_as_the_rules_of_the_road_make_them_go() {
        let p = Params::default();
        // A side road's car (told) 10 m from its line and a main road car without an OBU
        // 40 m out: told or not, the main road car would wait for the side road's car...
        let side = car('W', 'E', 10.0, 10.0);
        let mut main = car('S', 'N', 40.0, 10.0);
        let s = schedule(&p, &[], &[side, main]);
        assert_eq!((s[0].order, s[1].order), (0, 1), "{s:?}");
        // ... but one not told keeps its right of way: it enters at its earliest, and the side
        // road's car goes after it, keeping the post-encroachment time.
        main.told = false;
        let s = schedule(&p, &[], &[side, main]);
        assert_eq!((s[1].order, s[0].order), (0, 1), "{s:?}");
        assert!((s[1].enter_s - main.earliest_s(&p)).abs() < 1e-9, "{s:?}");
        let kept = pet(&p, &pass_of(&main, &s[1]), &pass_of(&side, &s[0])).unwrap();
        assert!(kept >= p.pet_s - 0.05, "{kept}");
        // Far enough off, it leaves the side road's car time to cross ahead of it.
        let far = Approaching {
            distance_m: 140.0,
            ..main
        };
        let s = schedule(&p, &[], &[side, far]);
        assert!((s[0].enter_s - side.earliest_s(&p)).abs() < 1e-9, "{s:?}");
        assert!((s[1].enter_s - far.earliest_s(&p)).abs() < 1e-9, "{s:?}");
        let kept = pet(&p, &pass_of(&side, &s[0]), &pass_of(&far, &s[1])).unwrap();
        assert!(kept >= p.pet_s - 0.05, "{kept}");
        // Behind a told car in its lane, it can go no sooner than that car lets it.
        let ahead = car('S', 'N', 20.0, 2.0);
        let s = schedule(&p, &[], &[ahead, main]);
        assert!(s[1].enter_s >= s[0].enter_s + p.follow_s - 1e-9, "{s:?}");
        // A side road's car not told gives way: it takes the gap the told main road car leaves
        // (nobody is held for it)...
        let mut unequipped_side = side;
        unequipped_side.told = false;
        unequipped_side.gives_way = true;
        let s = schedule(&p, &[], &[unequipped_side, car('S', 'N', 40.0, 10.0)]);
        assert_eq!((s[1].order, s[0].order), (0, 1), "{s:?}");
        // ... until it is max_delay_s late: then it is scheduled as a told one would be.
        unequipped_side.due_s = unequipped_side.earliest_s(&p) - p.max_delay_s;
        let mut late_side = side;
        late_side.due_s = unequipped_side.due_s;
        let told = schedule(&p, &[], &[late_side, car('S', 'N', 40.0, 10.0)]);
        let not_told = schedule(&p, &[], &[unequipped_side, car('S', 'N', 40.0, 10.0)]);
        assert_eq!(told, not_told);
        assert_eq!(not_told[0].order, 0, "{not_told:?}");
    }

    #[test]
    fn conflicting_vehicles_are_never_at_a_crossing_less_than_pet_s_apart() {
        let p = Params::default();
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        let arms = ['S', 'W', 'N', 'E'];
        let pick = |next: &mut dyn FnMut() -> f64| {
            let from = arms[(next() * 4.0) as usize % 4];
            let mut to = arms[(next() * 4.0) as usize % 4];
            if to == from {
                to = arms[(arms.iter().position(|a| *a == from).unwrap() + 2) % 4];
            }
            (from, to)
        };
        for _ in 0..300 {
            let n = 1 + (next() * 12.0) as usize;
            let mut cars = Vec::new();
            for _ in 0..n {
                let (from, to) = pick(&mut next);
                let mut c = car(from, to, 5.0 + 145.0 * next(), 14.0 * next());
                c.due_s = 30.0 * next() - 25.0;
                cars.push(c);
            }
            // Up to two settled entries, in the junction or about to be, apart from each
            // other (the caller settles them so).
            let mut settled: Vec<Pass> = Vec::new();
            for _ in 0..(next() * 3.0) as usize {
                let (from, to) = pick(&mut next);
                let m = movement(from, to);
                if settled
                    .iter()
                    .all(|k| k.movement.lane != m.lane && !k.movement.conflicts(&m, p.meet_m))
                {
                    settled.push(Pass {
                        movement: m,
                        enter_s: -2.0 + 3.0 * next(),
                        entry_mps: 14.0 * next(),
                        limit_mps: 13.9,
                    });
                }
            }
            let s = schedule(&p, &settled, &cars);
            let mut passes: Vec<(Pass, usize)> = settled.iter().map(|s| (*s, 0)).collect();
            for (i, c) in cars.iter().enumerate() {
                assert!(s[i].enter_s >= 0.0 && s[i].speed_mps <= c.limit_mps + 1e-9);
                passes.push((pass_of(c, &s[i]), 1 + s[i].order));
            }
            // In the order of entry (settled first), every later vehicle keeps its distance
            // to every earlier one.
            passes.sort_by_key(|(_, order)| *order);
            for (k, (later, _)) in passes.iter().enumerate() {
                for (earlier, _) in &passes[..k] {
                    if earlier.movement.lane == later.movement.lane {
                        assert!(later.enter_s >= earlier.enter_s + p.follow_s - 1e-9);
                    } else if let Some(kept) = pet(&p, earlier, later) {
                        assert!(kept >= p.pet_s - 0.05, "{kept}: {earlier:?} then {later:?}");
                    }
                }
            }
        }
    }
}
