//! Cooperative merging in the co-simulation (issue 18): SUMO's vehicles on a lane that ends
//! (an on-ramp's acceleration lane) ask roadcloud for a gap in the lane beside, as equipped
//! vehicles would ([`MergingVehicles`]); the RSCs roadcloud answers with are carried out over
//! TraCI: the merging vehicle keeps the speed it is given and changes lanes in its window,
//! the vehicle behind the gap slows as asked until the window ends. [`MergeWatch`] records
//! every merge, equipped or not, with or without roadcloud, for `roadcloud eval-merge`.

use crate::bridge::{Bridge, REGION, device_id};
use crate::cosim::Step;
use crate::net::Net;
use crate::traci::{Set, ids};
use roadcloud_csae as csae;
use roadcloud_sim::messages::{LaneChangeAsk, lane_change_request};

pub use roadcloud_sim::messages::{Coordination, coordinations};
use roadcloud_world::Millis;
use std::collections::{BTreeMap, HashMap};

/// How often a merging vehicle repeats its request while it has no window, seconds.
pub const ASK_EVERY_S: f64 = 0.5;
/// The slowest speed a request's life is reckoned at, m/s.
const LIFE_MIN_SPEED_MPS: f64 = 5.0;

/// The lanes of `net` that end where their edge goes on: a lane without a connection
/// beside one with (an acceleration lane), each with the index of the lane to its left.
pub fn ending_lanes(net: &Net) -> HashMap<String, u8> {
    let leads_on = |id: &str| net.connections.iter().any(|c| c.from_lane == id);
    net.lanes
        .values()
        .filter(|l| !l.sidewalk && !leads_on(&l.id))
        .filter_map(|l| {
            let left = net
                .lanes
                .values()
                .find(|o| o.edge == l.edge && o.index == l.index + 1 && !o.sidewalk)?;
            leads_on(&left.id).then(|| (l.id.clone(), left.index))
        })
        .collect()
}

/// An order being carried out, in simulated seconds.
#[derive(Debug, Clone, PartialEq)]
struct Order {
    speed: SpeedHold,
    /// Change lanes (to this index) from then on.
    change: Option<(f64, u8)>,
    until_s: f64,
    changed: bool,
}

/// How fast a vehicle told a new speed by roadcloud reaches it, m/s²: the planners'
/// `accel_mps2` (docs/apps.md, CLC and CIP).
const ORDER_ACCEL_MPS2: f64 = 1.5;

/// A speed roadcloud asked of a vehicle, carried out over TraCI: reached at
/// [`ORDER_ACCEL_MPS2`] (a slow-down over the time that takes), then held.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SpeedHold {
    speed_mps: f64,
    /// The vehicle reaches the speed then (None: not begun).
    reached_s: Option<f64>,
    /// The speed is held (set, not ramping).
    held: bool,
}

impl SpeedHold {
    /// `speed_mps`, not begun.
    pub(crate) fn new(speed_mps: f64) -> SpeedHold {
        SpeedHold {
            speed_mps,
            reached_s: None,
            held: false,
        }
    }

    /// The TraCI set due for vehicle `id`, going at `speed_now` at `time_s`: the slow-down
    /// at first, the held speed once reached, else none.
    pub(crate) fn step(
        &mut self,
        id: &str,
        speed_now: f64,
        time_s: f64,
    ) -> Option<(u8, String, Set)> {
        match self.reached_s {
            None => {
                let ramp_s = ((speed_now - self.speed_mps).abs() / ORDER_ACCEL_MPS2).max(0.1);
                self.reached_s = Some(time_s + ramp_s);
                Some((
                    ids::CMD_SLOWDOWN,
                    id.to_string(),
                    Set::Compound(vec![Set::Double(self.speed_mps), Set::Double(ramp_s)]),
                ))
            }
            Some(t) if time_s >= t && !self.held => {
                self.held = true;
                Some((ids::VAR_SPEED, id.to_string(), Set::Double(self.speed_mps)))
            }
            _ => None,
        }
    }
}

/// What a merging vehicle asked last.
#[derive(Debug, Default)]
struct Asked {
    at_s: f64,
    msg_cnt: u8,
}

/// SUMO's vehicles on lanes that end, as equipped vehicles asking for a gap (VIR
/// `Req-LaneChange`, `currentBehavior` rampIn) every [`ASK_EVERY_S`] while they have no
/// window, and carrying out the RSCs they and the vehicles asked to make room receive.
#[derive(Debug, Default)]
pub struct MergingVehicles {
    ending: HashMap<String, u8>,
    asked: HashMap<String, Asked>,
    orders: HashMap<String, Order>,
    /// Requests sent.
    pub sent: u64,
    /// Windows received.
    pub windows: u64,
    /// Slow-downs received.
    pub slowdowns: u64,
}

impl MergingVehicles {
    /// The merging vehicles of `net`.
    pub fn new(net: &Net) -> MergingVehicles {
        MergingVehicles {
            ending: ending_lanes(net),
            ..MergingVehicles::default()
        }
    }

    /// The VIRs the merging vehicles send after `step`, at `now_ms`; `equipped` says which
    /// carry an OBU.
    pub fn requests(
        &mut self,
        bridge: &Bridge,
        step: &Step,
        now_ms: Millis,
        equipped: impl Fn(&str) -> bool,
    ) -> Vec<(String, csae::MessageFrame)> {
        let net = bridge.net();
        let mut out = Vec::new();
        let node = |junction: &str| net.junctions.get(junction).map_or(0, |j| j.node);
        for v in &step.vehicles {
            let Some(&left) = self.ending.get(&v.lane) else {
                continue;
            };
            if !equipped(&v.id) || self.orders.contains_key(&v.id) {
                continue;
            }
            let asked = self.asked.entry(v.id.clone()).or_insert(Asked {
                at_s: f64::NEG_INFINITY,
                msg_cnt: 0,
            });
            if step.time_s - asked.at_s < ASK_EVERY_S - 1e-6 {
                continue;
            }
            let (Some(lane), Some((from, to))) = (
                net.lanes.get(&v.lane),
                net.lanes.get(&v.lane).and_then(|l| net.edges.get(&l.edge)),
            ) else {
                continue;
            };
            let room_m = (lane.length_m() - v.lane_pos_m).max(0.0);
            asked.at_s = step.time_s;
            asked.msg_cnt = (asked.msg_cnt + 1) % 128;
            let ask = LaneChangeAsk {
                req_id: 1,
                upstream: (REGION, node(from)),
                downstream: (REGION, node(to)),
                // MAP's LaneID is SUMO's index + 1 (Net::map).
                lane: left + 1,
                merge: true,
                life_s: room_m / v.speed_mps.max(LIFE_MIN_SPEED_MPS),
                complete: false,
            };
            let id = device_id(&v.id);
            let at = bridge.local(v.x, v.y);
            let vir = lane_change_request(&bridge.frame, id, at, asked.msg_cnt, &ask, now_ms);
            self.sent += 1;
            out.push(roadcloud_sim::messages::vir_uplink(vir));
        }
        out
    }

    /// Takes what an RSC asks of SUMO vehicle `vehicle`, heard at `time_s`.
    pub fn hear(&mut self, vehicle: &str, lane: &str, c: Coordination, time_s: f64) {
        match c {
            Coordination::Change {
                speed_mps,
                begin_s,
                end_s,
            } => {
                let Some(&left) = self.ending.get(lane) else {
                    return;
                };
                self.windows += 1;
                self.orders.insert(
                    vehicle.to_string(),
                    Order {
                        speed: SpeedHold::new(speed_mps),
                        change: Some((time_s + begin_s, left)),
                        until_s: time_s + end_s,
                        changed: false,
                    },
                );
            }
            // A slot at a junction is for the passing vehicles (crate::passing).
            Coordination::Pass { .. } => {}
            Coordination::Yield { speed_mps, end_s } => {
                self.slowdowns += 1;
                // A vehicle already changing lanes keeps its own order.
                if self.orders.get(vehicle).is_some_and(|o| o.change.is_some()) {
                    return;
                }
                self.orders.insert(
                    vehicle.to_string(),
                    Order {
                        speed: SpeedHold::new(speed_mps),
                        change: None,
                        until_s: time_s + end_s,
                        changed: false,
                    },
                );
            }
        }
    }

    /// After each step: the TraCI vehicle sets due. A vehicle under an order goes to its
    /// speed as a `SpeedHold` has it, then keeps it
    /// (SUMO's own safe-speed checks still apply); a merging one is told to change lanes once
    /// its window opens; when the order ends, or the vehicle has left the lane that ends, SUMO
    /// takes its speed back.
    pub fn step(&mut self, step: &Step) -> Vec<(u8, String, Set)> {
        let here: HashMap<&str, (&str, f64)> = step
            .vehicles
            .iter()
            .map(|v| (v.id.as_str(), (v.lane.as_str(), v.speed_mps)))
            .collect();
        let mut sets = Vec::new();
        self.orders.retain(|id, o| {
            let Some(&(lane, speed)) = here.get(id.as_str()) else {
                return false;
            };
            let merged = o.change.is_some() && !self.ending.contains_key(lane);
            if step.time_s >= o.until_s || merged {
                sets.push((ids::VAR_SPEED, id.clone(), Set::Double(-1.0)));
                return false;
            }
            sets.extend(o.speed.step(id, speed, step.time_s));
            if let Some((at_s, index)) = o.change
                && step.time_s >= at_s
                && !o.changed
            {
                o.changed = true;
                sets.push((
                    ids::CMD_CHANGELANE,
                    id.clone(),
                    Set::Compound(vec![
                        Set::Byte(index),
                        Set::Double((o.until_s - step.time_s).max(0.1)),
                    ]),
                ));
            }
            true
        });
        self.asked.retain(|id, _| here.contains_key(id.as_str()));
        sets
    }
}

/// One vehicle's merge as it happened: a vehicle seen on a ramp that feeds a lane that ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Merge {
    /// When it reached the section where its lane ends, simulated seconds.
    pub entered_s: Option<f64>,
    /// When it was first on another lane of that section (or beyond), if it was.
    pub merged_s: Option<f64>,
    /// How far along the section it was when it merged (or got, if it has not), metres.
    pub along_m: f64,
    /// Its lowest speed on the ramp and the lane that ends, m/s.
    pub min_speed_mps: f64,
}

/// Braking harder than this is hard braking, m/s² (a deceleration a driver feels as an
/// emergency, well past the 2 to 3 m/s² of ordinary braking).
pub const HARD_BRAKING_MPS2: f64 = 3.5;

/// Every merge of a run (each vehicle seen on a ramp lane that feeds a lane that ends), and
/// how long vehicles braked hard on the sections where those lanes end. SUMO may change
/// lanes within the step a vehicle enters the section, so a merge is told by the lanes a
/// vehicle is seen on: the ramp, then the section's lane that ends (maybe never), then
/// another lane of the section or beyond.
#[derive(Debug, Default)]
pub struct MergeWatch {
    ending: HashMap<String, u8>,
    /// The lanes that lead into a lane that ends.
    ramps: std::collections::HashSet<String>,
    /// The edges that carry a lane that ends.
    sections: std::collections::HashSet<String>,
    last_s: Option<f64>,
    /// The merges by SUMO vehicle id.
    pub merges: BTreeMap<String, Merge>,
    /// Vehicle-seconds of hard braking ([`HARD_BRAKING_MPS2`]) on those sections, every
    /// vehicle counted.
    pub hard_braking_s: f64,
}

impl MergeWatch {
    /// Watches the lanes of `net` that end.
    pub fn new(net: &Net) -> MergeWatch {
        let ending = ending_lanes(net);
        let ramps = net
            .connections
            .iter()
            .filter(|c| ending.contains_key(&c.to_lane))
            .map(|c| c.from_lane.clone())
            .collect();
        let sections = ending
            .keys()
            .filter_map(|id| net.lanes.get(id).map(|l| l.edge.clone()))
            .collect();
        MergeWatch {
            ending,
            ramps,
            sections,
            ..MergeWatch::default()
        }
    }

    /// Records a step.
    pub fn step(&mut self, step: &Step) {
        let dt = step.time_s - self.last_s.unwrap_or(step.time_s);
        self.last_s = Some(step.time_s);
        for v in &step.vehicles {
            let edge = v.lane.rsplit_once('_').map_or("", |(e, _)| e);
            let on_section = self.sections.contains(edge);
            if v.accel_mps2 < -HARD_BRAKING_MPS2 && on_section {
                self.hard_braking_s += dt;
            }
            let new = || Merge {
                entered_s: None,
                merged_s: None,
                along_m: 0.0,
                min_speed_mps: v.speed_mps,
            };
            if self.ramps.contains(&v.lane) {
                let m = self.merges.entry(v.id.clone()).or_insert_with(new);
                m.min_speed_mps = m.min_speed_mps.min(v.speed_mps);
                continue;
            }
            let Some(m) = self.merges.get_mut(&v.id).filter(|m| m.merged_s.is_none()) else {
                continue;
            };
            if self.ending.contains_key(&v.lane) {
                m.entered_s.get_or_insert(step.time_s);
                m.along_m = m.along_m.max(v.lane_pos_m);
                m.min_speed_mps = m.min_speed_mps.min(v.speed_mps);
            } else if !v.lane.starts_with(':') {
                // On another lane of the section (or beyond it): merged.
                m.entered_s.get_or_insert(step.time_s);
                m.merged_s = Some(step.time_s);
                if on_section {
                    m.along_m = m.along_m.max(v.lane_pos_m);
                }
            }
        }
    }
}
