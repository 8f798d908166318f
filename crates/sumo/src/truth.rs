//! What really happened in SUMO, for the applications SUMO's SSM device does not measure:
//! hard braking ahead of a close follower (EBW), entering a junction on red or stopping hard
//! for it (RLVW), lane changes into an occupied gap and signals towards one (LCW), vehicles
//! and pedestrians on collision course (VRUCW),
//! and which way a vehicle turned at a junction (to tell LTA's crossings from ICW's).
//!
//! [`Truth`] watches every step of the co-simulation (exact positions, lanes and signal
//! states, not what the devices report) and writes [`Event`]s; [`crate::eval`] compares the
//! advisories with them. Each definition, and why, is in docs/sumo.md ("Ground truth").

use crate::bridge::VehicleSample;
use crate::cosim::Step;
use crate::eval::Seen;
use crate::net::Net;
use std::collections::{HashMap, HashSet};

/// Deceleration above which a leader brakes hard, m/s² (EBW's ground truth; the bridge's
/// BSM sets `hardBraking` at the same value).
pub const HARD_BRAKING_MPS2: f64 = 4.0;
/// Time headway within which a vehicle behind (directly or with others between) is
/// endangered by a hard braking ahead in its lane, s.
pub const EBW_HEADWAY_S: f64 = 3.0;
/// A lane change is into an occupied gap when the new follower is within this time gap, s.
pub const LCW_TIME_GAP_S: f64 = 1.0;
/// ... or closes on the changer within this time to collision, s.
pub const LCW_TTC_S: f64 = 3.0;
/// Pedestrian and vehicle are on collision course when, both keeping their velocity, the
/// pedestrian comes within this margin of the vehicle's body (its length by its width), m:
/// the pedestrian's half width (SUMO's pedestrians are 0.48 m wide), so that, as SSM's TTC
/// for two vehicles, the time counted is the time to contact. A wider margin counted the
/// pedestrians walking along the kerb beside a passing car (about 1 m from its side) as
/// being on collision course with it.
pub const VRU_MARGIN_M: f64 = 0.25;
/// How far ahead a pedestrian encounter is looked for, s.
pub const VRU_HORIZON_S: f64 = 4.0;
/// Deceleration beyond which a stop at a red light is a hard one, m/s²: the driver drove on
/// past where a comfortable stop was possible. ITE's practice for timing yellow intervals
/// takes 10 ft/s² (3.05 m/s²) as the deceleration a driver stops with; RLVW's comfortable
/// deceleration is 3 m/s² too.
pub const RED_STOP_DECEL_MPS2: f64 = 3.0;
/// A vehicle stopped within this of its lane's end stands at the stop line, m (SUMO stops a
/// metre short of it, a vehicle's position has tenths of a second of travel in it).
const AT_STOP_LINE_M: f64 = 6.0;

/// A situation an application should have warned of.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The scenario that warns of it (`EBW`, `RLVW`, `LCW`, `VRUCW`).
    pub scenario: &'static str,
    /// The SUMO id of the vehicle to be warned.
    pub target: String,
    /// What it is about: the other vehicle, or the pedestrian (a pedestrian's advisory
    /// names a roadside track, so VRUCW is matched by its target alone).
    pub other: Option<String>,
    /// When it began, simulation seconds.
    pub begin_s: f64,
    /// When it ended.
    pub end_s: f64,
    /// The moment it came to a head: the lowest TTC, the junction entered, the lane
    /// changed, the braking began.
    pub at_s: f64,
    /// Its measure at `at_s` (TTC s, deceleration m/s², time gap s), for the report.
    pub measure: f64,
    /// The driver averted it: a hard stop at a red light (RLVW) instead of entering on red,
    /// or a signalled lane change into an occupied gap not made (LCW). An advisory before
    /// it had something behind it (the driver would have run the red at the speed it was
    /// warned at, T/CSAE 53-2020 RLVW; would have changed into the gap), but it is not among
    /// the situations a warning was needed for (recall counts the entries on red and the
    /// changes made).
    pub averted: bool,
    /// Within its application's operating conditions; those outside are counted apart. An
    /// LCW lane change is when the changer signalled it: T/CSAE 53-2020 LCW warns a driver
    /// who means to change lanes, and the turn signal is what a BSM says of that intention.
    pub in_range: bool,
}

/// A vehicle entering a junction: when, where and which way.
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    /// Simulation seconds.
    pub at_s: f64,
    /// The junction's id.
    pub junction: String,
    /// SUMO's direction (`s`, `l`, `r`, `t`, ...).
    pub dir: char,
}

/// A connection through a junction: the junction, SUMO's direction, and the traffic light
/// and link index that control it.
type Through = (String, char, Option<(String, u16)>);

/// Each traffic light's state in a step: its id and SUMO's link characters.
type Lights<'s> = HashMap<&'s str, &'s [u8]>;

/// The character of link `link` of traffic light `tls` (`r`, `y`, `G`, ...), if it has one.
fn light(states: &Lights, (tls, link): &(String, u16)) -> Option<u8> {
    states
        .get(tls.as_str())
        .and_then(|st| st.get(usize::from(*link)))
        .copied()
}

/// Ongoing pedestrian encounter of a (vehicle, person) pair.
#[derive(Debug, Clone)]
struct Encounter {
    begin_s: f64,
    last_s: f64,
    min_ttc: (f64, f64),
}

/// Watches the steps of a co-simulation and collects the [`Event`]s.
pub struct Truth {
    /// `(from lane, via lane)` -> the connection's junction, direction and signal.
    via: HashMap<(String, String), Through>,
    lane_of: HashMap<String, String>,
    /// Lanes ending at a signalised stop line: their length and their connections' signals.
    stop_lines: HashMap<String, (f64, Vec<(String, u16)>)>,
    /// Vehicles braking harder than [`RED_STOP_DECEL_MPS2`] on such a lane: since when, and
    /// their hardest deceleration.
    hard_stops: HashMap<String, (f64, f64)>,
    ebw_open: HashMap<(String, String), usize>,
    /// Open signalled lane changes into an occupied gap, (changer, other) -> its event.
    intents_open: HashMap<(String, String), usize>,
    /// Each vehicle's signal bits in the step before.
    blinkers: HashMap<String, i32>,
    vru: HashMap<(String, String), Encounter>,
    events: Vec<Event>,
    movements: HashMap<String, Vec<Movement>>,
    lanes: Lanes,
    seen: Seen,
}

/// Every vehicle's lanes over time: (from when, lane), in order.
#[derive(Debug, Clone, Default)]
pub struct Lanes(HashMap<String, Vec<(f64, String)>>);

impl Lanes {
    /// Notes that `vehicle` entered `lane` at `t` (later than its entries before).
    pub fn enter(&mut self, vehicle: &str, t: f64, lane: &str) {
        self.0
            .entry(vehicle.to_string())
            .or_default()
            .push((t, lane.to_string()));
    }

    /// The lane `vehicle` was on at `t`.
    pub fn at(&self, vehicle: &str, t: f64) -> Option<&str> {
        let history = self.0.get(vehicle)?;
        let i = history.partition_point(|(from, _)| *from <= t);
        history.get(i.checked_sub(1)?).map(|(_, l)| l.as_str())
    }
}

/// How close `follower` is behind `changer` once `changer` is in its lane: the time gap or
/// time to collision below [`LCW_TIME_GAP_S`] or [`LCW_TTC_S`] (the smaller; zero when the
/// two overlap), or None when the gap is safe. SUMO's lane positions are the front
/// bumpers', along lanes of one edge, so they compare across its lanes.
fn too_close(changer: &VehicleSample, follower: &VehicleSample) -> Option<f64> {
    let gap = changer.lane_pos_m - changer.length_m - follower.lane_pos_m;
    if gap <= 0.0 {
        return Some(0.0);
    }
    let time_gap = if follower.speed_mps > 0.1 {
        gap / follower.speed_mps
    } else {
        f64::INFINITY
    };
    let closing = follower.speed_mps - changer.speed_mps;
    let ttc = if closing > 0.0 {
        gap / closing
    } else {
        f64::INFINITY
    };
    (time_gap < LCW_TIME_GAP_S || ttc < LCW_TTC_S).then_some(time_gap.min(ttc))
}

/// A lane of an edge between junctions, SUMO's `edge_index`: the edge and the lane's index
/// (SUMO numbers an edge's lanes from the right, 0 first); None for a lane inside a
/// junction (`:...`).
pub fn edge_lane(lane: &str) -> Option<(&str, u32)> {
    let (edge, index) = lane.rsplit_once('_')?;
    (!edge.starts_with(':'))
        .then(|| index.parse().ok().map(|i| (edge, i)))
        .flatten()
}

/// The side a vehicle's turn signal shows, from SUMO's signal bits (0 the right blinker, 1
/// the left, 2 the hazard lights, which flash both): +1 left (towards the higher lane
/// index), -1 right, None for neither or both.
fn blinker(signals: i32) -> Option<i32> {
    match signals & 0b111 {
        0b001 => Some(-1),
        0b010 => Some(1),
        _ => None,
    }
}

/// The open event of `key` in `open`, carried on to `t`; or, when none is open, `start()`
/// opened under `key`. Either way the event, to update.
fn carry_on<'e>(
    events: &'e mut Vec<Event>,
    open: &mut HashMap<(String, String), usize>,
    key: (String, String),
    t: f64,
    start: impl FnOnce() -> Event,
) -> &'e mut Event {
    let k = *open.entry(key).or_insert_with(|| {
        events.push(start());
        events.len() - 1
    });
    let e = &mut events[k];
    e.end_s = t;
    e
}

/// What [`Truth`] found in a run.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The events, in time order.
    pub events: Vec<Event>,
    /// Each vehicle's junction entries.
    pub movements: HashMap<String, Vec<Movement>>,
    /// Each vehicle's lanes over time.
    pub lanes: Lanes,
    /// Until when each vehicle was in the simulation.
    pub seen: Seen,
}

impl Truth {
    /// For network `net`.
    pub fn new(net: &Net) -> Truth {
        let via = net
            .connections
            .iter()
            .filter_map(|c| {
                let via = c.via.clone()?;
                let junction = net
                    .lanes
                    .get(&c.from_lane)
                    .and_then(|l| net.edges.get(&l.edge))
                    .map(|e| e.1.clone())?;
                Some((
                    (c.from_lane.clone(), via),
                    (junction, c.dir, c.signal.clone()),
                ))
            })
            .collect();
        let mut stop_lines: HashMap<String, (f64, Vec<(String, u16)>)> = HashMap::new();
        for c in &net.connections {
            let (Some(signal), Some(lane)) = (&c.signal, net.lanes.get(&c.from_lane)) else {
                continue;
            };
            stop_lines
                .entry(c.from_lane.clone())
                .or_insert_with(|| (lane.length_m(), Vec::new()))
                .1
                .push(signal.clone());
        }
        Truth {
            via,
            lane_of: HashMap::new(),
            stop_lines,
            hard_stops: HashMap::new(),
            ebw_open: HashMap::new(),
            intents_open: HashMap::new(),
            blinkers: HashMap::new(),
            vru: HashMap::new(),
            events: Vec::new(),
            movements: HashMap::new(),
            lanes: Lanes::default(),
            seen: Seen::default(),
        }
    }

    /// Takes one step's state.
    pub fn step(&mut self, s: &Step) {
        let t = s.time_s;
        // Vehicles by lane, from the back (SUMO's lane position is the front bumper's).
        let mut by_lane: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, v) in s.vehicles.iter().enumerate() {
            by_lane.entry(v.lane.as_str()).or_default().push(i);
        }
        for list in by_lane.values_mut() {
            list.sort_by(|a, b| {
                s.vehicles[*a]
                    .lane_pos_m
                    .total_cmp(&s.vehicles[*b].lane_pos_m)
            });
        }
        // The vehicle right behind `i` on its lane.
        let follower = |i: usize, lane: &str, pos: f64| -> Option<usize> {
            by_lane
                .get(lane)?
                .iter()
                .copied()
                .rfind(|&k| k != i && s.vehicles[k].lane_pos_m < pos)
        };

        // EBW: a vehicle brakes harder than 4 m/s² with vehicles behind it within 3 s.
        let mut braking_now = HashSet::new();
        for (i, v) in s.vehicles.iter().enumerate() {
            if v.accel_mps2 > -HARD_BRAKING_MPS2 {
                continue;
            }
            braking_now.insert(v.id.clone());
            // Every vehicle behind in the lane within the headway (hidden ones too).
            let Some(lane) = by_lane.get(v.lane.as_str()) else {
                continue;
            };
            for &f in lane.iter().rev() {
                let fv = &s.vehicles[f];
                if f == i || fv.lane_pos_m >= v.lane_pos_m {
                    continue;
                }
                let gap = v.lane_pos_m - v.length_m - fv.lane_pos_m;
                if fv.speed_mps <= 1.0 || gap / fv.speed_mps >= EBW_HEADWAY_S {
                    continue;
                }
                let key = (fv.id.clone(), v.id.clone());
                carry_on(&mut self.events, &mut self.ebw_open, key, t, || Event {
                    scenario: "EBW",
                    target: fv.id.clone(),
                    other: Some(v.id.clone()),
                    begin_s: t,
                    end_s: t,
                    at_s: t,
                    measure: -v.accel_mps2,
                    averted: false,
                    in_range: true,
                });
            }
        }
        self.ebw_open
            .retain(|(_, leader), _| braking_now.contains(leader));
        // Each traffic light's state this step (SUMO's link characters).
        let states: Lights = s
            .signals
            .iter()
            .map(|g| (g.tls.as_str(), g.state.as_bytes()))
            .collect();
        self.red_stops(s, &by_lane, &states);
        self.lane_change_intents(s, &by_lane);

        // Lane changes, junction entries.
        let mut lanes_now = HashMap::with_capacity(s.vehicles.len());
        for (i, v) in s.vehicles.iter().enumerate() {
            lanes_now.insert(v.id.clone(), v.lane.clone());
            match self.seen.last_s.get_mut(&v.id) {
                Some(last) => *last = t,
                None => {
                    self.seen.last_s.insert(v.id.clone(), t);
                }
            }
            let before = self.lane_of.get(&v.id);
            if before != Some(&v.lane) {
                self.lanes.enter(&v.id, t, &v.lane);
            }
            let Some(before) = before else { continue };
            if *before == v.lane {
                continue;
            }
            if let Some((junction, dir, signal)) = self.via.get(&(before.clone(), v.lane.clone())) {
                self.movements
                    .entry(v.id.clone())
                    .or_default()
                    .push(Movement {
                        at_s: t,
                        junction: junction.clone(),
                        dir: *dir,
                    });
                // RLVW: in on red (SUMO's 'r' and 'R'; 'u' is red-yellow, about to go).
                let red = signal
                    .as_ref()
                    .and_then(|signal| light(&states, signal))
                    .is_some_and(|c| matches!(c, b'r' | b'R'));
                if red {
                    self.events.push(Event {
                        scenario: "RLVW",
                        target: v.id.clone(),
                        other: None,
                        begin_s: t,
                        end_s: t,
                        at_s: t,
                        measure: v.speed_mps,
                        averted: false,
                        in_range: true,
                    });
                }
                continue;
            }
            // LCW: a change between lanes of one edge, the new follower too close.
            let (Some((e0, i0)), Some((e1, i1))) = (edge_lane(before), edge_lane(&v.lane)) else {
                continue;
            };
            if e0 != e1 {
                continue;
            }
            let Some(f) = follower(i, &v.lane, v.lane_pos_m) else {
                continue;
            };
            let fv = &s.vehicles[f];
            if let Some(measure) = too_close(v, fv) {
                // Its turn signal towards the new lane, at the change or the step before.
                let towards = if i1 > i0 { 1 } else { -1 };
                let signalled = [Some(v.signals), self.blinkers.get(&v.id).copied()]
                    .into_iter()
                    .flatten()
                    .any(|bits| blinker(bits) == Some(towards));
                self.events.push(Event {
                    scenario: "LCW",
                    target: v.id.clone(),
                    other: Some(fv.id.clone()),
                    begin_s: t,
                    end_s: t,
                    at_s: t,
                    measure,
                    averted: false,
                    in_range: signalled,
                });
            }
        }
        self.lane_of = lanes_now;
        self.blinkers = s
            .vehicles
            .iter()
            .map(|v| (v.id.clone(), v.signals))
            .collect();

        // VRUCW: vehicle and pedestrian on collision course within the horizon.
        let mut seen = HashSet::new();
        for v in &s.vehicles {
            if v.speed_mps < 1.0 {
                continue;
            }
            let h = v.angle_deg.to_radians();
            let (sin, cos) = h.sin_cos();
            let (cx, cy) = (v.x - sin * v.length_m / 2.0, v.y - cos * v.length_m / 2.0);
            let body = (
                v.length_m / 2.0 + VRU_MARGIN_M,
                v.width_m / 2.0 + VRU_MARGIN_M,
            );
            for p in &s.persons {
                let (dx, dy) = (p.x - cx, p.y - cy);
                let reach = v.speed_mps * VRU_HORIZON_S + 10.0;
                if dx * dx + dy * dy > reach * reach {
                    continue;
                }
                // In the vehicle's frame: metres ahead and to the right, and how they change.
                let a = p.angle_deg.to_radians();
                let (pvx, pvy) = (a.sin() * p.speed_mps, a.cos() * p.speed_mps);
                let ahead = (dx * sin + dy * cos, (pvx * sin + pvy * cos) - v.speed_mps);
                let right = (dx * cos - dy * sin, pvx * cos - pvy * sin);
                let Some(ttc) = time_to_body(ahead, right, body, VRU_HORIZON_S) else {
                    continue;
                };
                let key = (v.id.clone(), p.id.clone());
                seen.insert(key.clone());
                let e = self.vru.entry(key).or_insert(Encounter {
                    begin_s: t,
                    last_s: t,
                    min_ttc: (t, ttc),
                });
                e.last_s = t;
                if ttc < e.min_ttc.1 {
                    e.min_ttc = (t, ttc);
                }
            }
        }
        let ended: Vec<(String, String)> = self
            .vru
            .keys()
            .filter(|k| !seen.contains(*k))
            .cloned()
            .collect();
        for k in ended {
            if let Some(e) = self.vru.remove(&k) {
                self.close_vru(k, e);
            }
        }
    }

    /// LCW, averted: a vehicle signals a lane change (SUMO's blinker, which its lane-change
    /// model sets while it wants to change) towards a lane of its edge where a vehicle is
    /// beside it, or behind it within [`LCW_TIME_GAP_S`] or [`LCW_TTC_S`] (one situation per
    /// such vehicle). T/CSAE 53-2020 LCW warns the driver who means to change lanes into
    /// such a gap; SUMO's drivers wait for a safe one, so such an intention rarely becomes a
    /// change, but a warning of it is right. It backs advisories; recall counts the changes
    /// made.
    fn lane_change_intents(&mut self, s: &Step, by_lane: &HashMap<&str, Vec<usize>>) {
        let t = s.time_s;
        let mut open = HashSet::new();
        for v in &s.vehicles {
            let (Some(towards), Some((edge, index))) = (blinker(v.signals), edge_lane(&v.lane))
            else {
                continue;
            };
            let Some(index) = index.checked_add_signed(towards) else {
                continue;
            };
            let Some(next) = by_lane.get(format!("{edge}_{index}").as_str()) else {
                continue;
            };
            // Each vehicle beside it (reaching past its front), and each behind it that would
            // follow it too close.
            for other in next.iter().map(|&k| &s.vehicles[k]) {
                let measure = if other.lane_pos_m > v.lane_pos_m {
                    if other.lane_pos_m - other.length_m >= v.lane_pos_m {
                        continue;
                    }
                    0.0
                } else {
                    let Some(measure) = too_close(v, other) else {
                        continue;
                    };
                    measure
                };
                let key = (v.id.clone(), other.id.clone());
                open.insert(key.clone());
                let e = carry_on(&mut self.events, &mut self.intents_open, key, t, || Event {
                    scenario: "LCW",
                    target: v.id.clone(),
                    other: Some(other.id.clone()),
                    begin_s: t,
                    end_s: t,
                    at_s: t,
                    measure,
                    averted: true,
                    in_range: true,
                });
                e.measure = e.measure.min(measure);
            }
        }
        self.intents_open.retain(|k, _| open.contains(k));
    }

    /// RLVW, averted: a vehicle first on its lane brakes harder than [`RED_STOP_DECEL_MPS2`]
    /// and comes to a stop at the lane's stop line while none of the lane's lights shows
    /// green. SUMO's drivers brake for a red light at the last moment; until they do, nothing
    /// tells them from one who will run it.
    fn red_stops(&mut self, s: &Step, by_lane: &HashMap<&str, Vec<usize>>, states: &Lights) {
        let t = s.time_s;
        let mut on_approach = HashSet::new();
        for (i, v) in s.vehicles.iter().enumerate() {
            let Some((length_m, signals)) = self.stop_lines.get(&v.lane) else {
                continue;
            };
            on_approach.insert(v.id.as_str());
            if v.accel_mps2 < -RED_STOP_DECEL_MPS2 {
                let e = self.hard_stops.entry(v.id.clone()).or_insert((t, 0.0));
                e.1 = e.1.max(-v.accel_mps2);
            } else if v.accel_mps2 > 0.0 && v.speed_mps > 0.5 {
                self.hard_stops.remove(&v.id);
            }
            if v.speed_mps >= 0.1 {
                continue;
            }
            let Some((begin_s, decel)) = self.hard_stops.remove(&v.id) else {
                continue;
            };
            let first = by_lane[v.lane.as_str()].last() == Some(&i);
            let green = signals
                .iter()
                .any(|signal| light(states, signal).is_some_and(|c| matches!(c, b'g' | b'G')));
            if first && !green && length_m - v.lane_pos_m <= AT_STOP_LINE_M {
                self.events.push(Event {
                    scenario: "RLVW",
                    target: v.id.clone(),
                    other: None,
                    begin_s,
                    end_s: t,
                    at_s: begin_s,
                    measure: decel,
                    averted: true,
                    in_range: true,
                });
            }
        }
        self.hard_stops
            .retain(|id, _| on_approach.contains(id.as_str()));
    }

    fn close_vru(&mut self, (vehicle, person): (String, String), e: Encounter) {
        self.events.push(Event {
            scenario: "VRUCW",
            target: vehicle,
            other: Some(person),
            begin_s: e.begin_s,
            end_s: e.last_s,
            at_s: e.min_ttc.0,
            measure: e.min_ttc.1,
            averted: false,
            in_range: true,
        });
    }

    /// What was found, once the run is over (encounters still open end with it).
    pub fn finish(mut self) -> Found {
        let open: Vec<_> = self.vru.drain().collect();
        for (k, e) in open {
            self.close_vru(k, e);
        }
        self.events.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        Found {
            events: self.events,
            movements: self.movements,
            lanes: self.lanes,
            seen: self.seen,
        }
    }
}

/// When a point `ahead` (metres, m/s) and `right` of a body's centre first lies within the
/// body's half length and half width `body`, within `horizon_s`; 0 when it is within now.
fn time_to_body(
    ahead: (f64, f64),
    right: (f64, f64),
    body: (f64, f64),
    horizon_s: f64,
) -> Option<f64> {
    // The interval of time each coordinate is within its half extent.
    let within = |(x, v): (f64, f64), half: f64| -> Option<(f64, f64)> {
        if v.abs() < 1e-9 {
            return (x.abs() <= half).then_some((0.0, f64::INFINITY));
        }
        let (t1, t2) = ((-half - x) / v, (half - x) / v);
        Some((t1.min(t2), t1.max(t2)))
    };
    let (a0, a1) = within(ahead, body.0)?;
    let (r0, r1) = within(right, body.1)?;
    let (from, to) = (a0.max(r0).max(0.0), a1.min(r1));
    (from <= to && from <= horizon_s).then_some(from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::{SignalSample, VehicleSample};
    use crate::testing::{car, grid};

    const LANE: &str = "n01_n11_1";

    fn vehicle(id: &str, lane_pos_m: f64, speed_mps: f64, accel_mps2: f64) -> VehicleSample {
        VehicleSample {
            accel_mps2,
            ..car(id, LANE, lane_pos_m, speed_mps)
        }
    }

    /// The events of vehicle `v` braking evenly at `decel_mps2` from 13 m/s to a stop
    /// `short_m` before its lane's end, every light of `n11` showing `light`; with `ahead`,
    /// another vehicle stands 10 m in front of where it stops.
    fn stopping(decel_mps2: f64, short_m: f64, light: u8, ahead: bool) -> Vec<Event> {
        let net = grid();
        let end_m = net.lanes[LANE].length_m() - short_m;
        let mut truth = Truth::new(&net);
        let mut speed = 13.0_f64;
        let mut t = 10.0;
        loop {
            let pos = end_m - speed * speed / (2.0 * decel_mps2);
            let mut vehicles = vec![vehicle("v", pos, speed, -decel_mps2)];
            if ahead {
                vehicles.push(vehicle("q", end_m + 10.0, 0.0, 0.0));
            }
            truth.step(&Step {
                time_s: t,
                vehicles,
                persons: Vec::new(),
                signals: vec![SignalSample {
                    tls: "n11".into(),
                    state: String::from_utf8(vec![light; 32]).unwrap(),
                    next_switch_s: 100.0,
                    phase: 0,
                }],
                colliding: 0,
                done: false,
            });
            if speed == 0.0 {
                break;
            }
            speed = (speed - decel_mps2 * 0.1).max(0.0);
            t += 0.1;
        }
        truth.finish().events
    }

    #[test]
    fn a_hard_stop_at_the_red_line_is_an_averted_red_light_violation() {
        let events = stopping(4.5, 1.0, b'r', false);
        assert_eq!(events.len(), 1, "{events:?}");
        let e = &events[0];
        assert_eq!(
            (e.scenario, e.averted, e.target.as_str()),
            ("RLVW", true, "v")
        );
        assert!((e.at_s - 10.0).abs() < 1e-9 && e.end_s > 12.8, "{e:?}");
        assert!((e.measure - 4.5).abs() < 1e-9);
        // Yellow too.
        assert_eq!(stopping(4.5, 1.0, b'y', false).len(), 1);
        // Not a comfortable stop, not on green, not short of the line (behind a queue's
        // gap), not behind another vehicle.
        assert!(stopping(2.5, 1.0, b'r', false).is_empty());
        assert!(stopping(4.5, 1.0, b'G', false).is_empty());
        assert!(stopping(4.5, 20.0, b'r', false).is_empty());
        assert!(
            stopping(4.5, 1.0, b'r', true)
                .iter()
                .all(|e| e.scenario != "RLVW")
        );
    }

    /// The events of `steps` steps, 0.1 s apart, each with `vehicles` (the changer first)
    /// moved on at their speeds.
    fn drive(vehicles: &[VehicleSample], steps: usize) -> Vec<Event> {
        let mut truth = Truth::new(&grid());
        for n in 0..steps {
            let dt = n as f64 * 0.1;
            let now = vehicles
                .iter()
                .map(|v| VehicleSample {
                    lane_pos_m: v.lane_pos_m + v.speed_mps * dt,
                    ..v.clone()
                })
                .collect();
            truth.step(&Step {
                time_s: 10.0 + dt,
                vehicles: now,
                persons: Vec::new(),
                signals: Vec::new(),
                colliding: 0,
                done: false,
            });
        }
        truth.finish().events
    }

    fn on(lane: &str, v: VehicleSample, signals: i32) -> VehicleSample {
        VehicleSample {
            lane: lane.into(),
            signals,
            ..v
        }
    }

    #[test]
    fn a_signal_towards_an_occupied_gap_is_an_averted_lane_change_conflict() {
        let changer = |signals| on("n01_n11_1", vehicle("v", 60.0, 10.0, 0.0), signals);
        let beside = on("n01_n11_2", vehicle("w", 58.0, 10.0, 0.0), 0);
        // Signalling left with a car beside: one situation while it lasts, about that car.
        let events = drive(&[changer(0b010), beside.clone()], 10);
        assert_eq!(events.len(), 1, "{events:?}");
        let e = &events[0];
        assert_eq!(
            (e.scenario, e.averted, e.target.as_str(), e.other.as_deref()),
            ("LCW", true, "v", Some("w"))
        );
        assert!((e.begin_s - 10.0).abs() < 1e-9 && (e.end_s - 10.9).abs() < 1e-9);
        assert_eq!(e.measure, 0.0);
        // Not signalling, signalling the other way into an empty lane, hazard lights.
        for signals in [0, 0b001, 0b111] {
            assert!(drive(&[changer(signals), beside.clone()], 5).is_empty());
        }
        // The one that would follow: 15 m behind the changer's rear at its speed is a safe
        // gap (1.5 s); coming up at 16 m/s it is not (0.94 s).
        let behind = |speed| on("n01_n11_2", vehicle("w", 40.0, speed, 0.0), 0);
        assert!(drive(&[changer(0b010), behind(10.0)], 1).is_empty());
        let events = drive(&[changer(0b010), behind(16.0)], 1);
        assert_eq!(events.len(), 1, "{events:?}");
        assert!((events[0].measure - 15.0 / 16.0).abs() < 1e-9);
        // A change made into that gap is a conflict to be warned of, within LCW's range when
        // the changer signalled it (here the step before), outside it when not.
        let change = |signals| {
            let mut truth = Truth::new(&grid());
            for (t, lane, signals) in [(10.0, "n01_n11_1", signals), (10.1, "n01_n11_2", 0)] {
                truth.step(&Step {
                    time_s: t,
                    vehicles: vec![
                        on(lane, vehicle("v", 60.0, 10.0, 0.0), signals),
                        behind(16.0),
                    ],
                    persons: Vec::new(),
                    signals: Vec::new(),
                    colliding: 0,
                    done: false,
                });
            }
            let made: Vec<Event> = truth
                .finish()
                .events
                .into_iter()
                .filter(|e| !e.averted)
                .collect();
            assert_eq!(made.len(), 1, "{made:?}");
            assert_eq!(
                (made[0].scenario, made[0].other.as_deref()),
                ("LCW", Some("w"))
            );
            made[0].in_range
        };
        assert!(change(0b010));
        assert!(!change(0));
        assert!(!change(0b001));
    }

    #[test]
    fn time_to_the_body() {
        // A pedestrian 10 m ahead on the centre line, the vehicle closing at 5 m/s; half
        // length 2.75 m: 1.45 s.
        let t = time_to_body((10.0, -5.0), (0.0, 0.0), (2.75, 1.4), 4.0).unwrap();
        assert!((t - 1.45).abs() < 1e-9);
        // Walking across from 3 m right at 1.5 m/s: in the path from 1.07 s, the front
        // there at 1.45 s.
        let t = time_to_body((10.0, -5.0), (3.0, -1.5), (2.75, 1.4), 4.0).unwrap();
        assert!((t - 1.45).abs() < 1e-9, "{t}");
        // On the pavement 4 m to the side, walking along: never.
        assert_eq!(
            time_to_body((10.0, -5.0), (4.0, 0.0), (2.75, 1.4), 4.0),
            None
        );
        // Behind, the vehicle driving away; too far ahead for the horizon.
        assert_eq!(
            time_to_body((-10.0, -5.0), (0.0, 0.0), (2.75, 1.4), 4.0),
            None
        );
        assert_eq!(
            time_to_body((40.0, -5.0), (0.0, 0.0), (2.75, 1.4), 4.0),
            None
        );
        assert_eq!(
            time_to_body((1.0, 0.0), (0.5, 0.0), (2.75, 1.4), 4.0),
            Some(0.0)
        );
    }
}
