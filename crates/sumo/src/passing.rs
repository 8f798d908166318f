//! Cooperative intersection passing in the co-simulation (issue 18): SUMO's vehicles coming
//! to a junction without signals say how they will pass it, as equipped vehicles would
//! ([`PassingVehicles`]: a VIR with the intersection behaviour of their route's next turn);
//! the slots roadcloud answers with (RSC) are carried out over TraCI: the vehicle comes to
//! its stop line at its slot (each step at the speed that covers what is left in the time
//! left, or stopping at the line when that would be a crawl) and, holding a slot, goes by the
//! slot rather than by SUMO's right of way; once through the junction SUMO drives it again.

use crate::bridge::{Bridge, device_id};
use crate::cosim::Step;
use crate::net::Net;
use crate::traci::{Set, ids};
use roadcloud_csae as csae;
use roadcloud_sim::messages::{
    CRAWL_MPS, DECLARE_EVERY_S, DECLARE_WITHIN_M, passing_intention, vir_uplink,
};
use roadcloud_world::Millis;
use std::collections::{HashMap, HashSet};

/// SUMO's speed mode that checks safe speed, acceleration and deceleration but not the right
/// of way at junctions (bit 3 off): a vehicle with a slot goes by its slot.
const SPEED_MODE_BY_SLOT: i32 = 0b10111;
/// How a vehicle stopping at its line for its slot brakes, m/s².
const STOP_DECEL_MPS2: f64 = 2.0;
/// A vehicle stopping for its slot stops this far short of its line, metres.
const STOP_SHORT_M: f64 = 1.0;

/// A slot being carried out.
#[derive(Debug, Clone, PartialEq)]
struct Held {
    /// The speed set last, m/s.
    set_mps: Option<f64>,
    /// The slot's beginning, simulated seconds: from then on it goes.
    enter_s: f64,
    /// The slot's end.
    until_s: f64,
    /// The approach lane it holds the slot from.
    lane: String,
}

/// SUMO's vehicles coming to junctions without signals, as equipped vehicles declaring how
/// they pass (every [`DECLARE_EVERY_S`] within [`DECLARE_WITHIN_M`] of the stop line) and
/// carrying out the slots they receive.
#[derive(Debug, Default)]
pub struct PassingVehicles {
    /// The lanes that end at a junction without signals, with their lengths (metres).
    approaches: HashMap<String, f64>,
    /// Each vehicle's route (edges), as SUMO gave it.
    pub routes: HashMap<String, Vec<String>>,
    declared_at: HashMap<String, f64>,
    held: HashMap<String, Held>,
    /// Vehicles that went by a slot and are to get SUMO's right of way back once through.
    through: HashSet<String>,
    /// Declarations sent.
    pub sent: u64,
    /// Slots received.
    pub slots: u64,
}

impl PassingVehicles {
    /// The vehicles of `net`'s junctions without signals.
    pub fn new(net: &Net) -> PassingVehicles {
        let signalised: HashSet<&str> = net.signalised().iter().map(|j| j.id.as_str()).collect();
        let approaches = net
            .lanes
            .values()
            .filter(|l| !l.sidewalk)
            .filter(|l| {
                net.edges.get(&l.edge).is_some_and(|(_, to)| {
                    !signalised.contains(to.as_str())
                        && net.connections.iter().any(|c| c.from_lane == l.id)
                })
            })
            .map(|l| (l.id.clone(), l.length_m()))
            .collect();
        PassingVehicles {
            approaches,
            ..PassingVehicles::default()
        }
    }

    /// The vehicles of `step` on an approach whose route is not known yet.
    pub fn unrouted<'a>(&self, step: &'a Step) -> Vec<&'a str> {
        step.vehicles
            .iter()
            .filter(|v| self.approaches.contains_key(&v.lane) && !self.routes.contains_key(&v.id))
            .map(|v| v.id.as_str())
            .collect()
    }

    /// The declarations (VIR) the vehicles send after `step` at `now_ms`; `equipped` says
    /// which carry an OBU.
    pub fn requests(
        &mut self,
        bridge: &Bridge,
        step: &Step,
        now_ms: Millis,
        equipped: impl Fn(&str) -> bool,
    ) -> Vec<(String, csae::MessageFrame)> {
        let net = bridge.net();
        let mut out = Vec::new();
        for v in &step.vehicles {
            if !self.approaches.contains_key(&v.lane) || !equipped(&v.id) {
                continue;
            }
            let Some(lane) = net.lanes.get(&v.lane) else {
                continue;
            };
            if lane.length_m() - v.lane_pos_m > DECLARE_WITHIN_M {
                continue;
            }
            if self
                .declared_at
                .get(&v.id)
                .is_some_and(|t| step.time_s - t < DECLARE_EVERY_S - 1e-6)
            {
                continue;
            }
            let Some(behaviour) = self.behaviour(net, &v.id, &v.lane) else {
                continue;
            };
            self.declared_at.insert(v.id.clone(), step.time_s);
            let msg_cnt = (step.time_s as u64 % 128) as u8;
            let vir = passing_intention(
                &bridge.frame,
                device_id(&v.id),
                bridge.local(v.x, v.y),
                msg_cnt,
                behaviour,
                now_ms,
            );
            self.sent += 1;
            out.push(vir_uplink(vir));
        }
        out
    }

    /// The intersection behaviour (DriveBehavior bit) of vehicle `id`'s next turn from `lane`:
    /// the direction of the connection onto its route's next edge.
    fn behaviour(&self, net: &Net, id: &str, lane: &str) -> Option<usize> {
        let route = self.routes.get(id)?;
        let edge = &net.lanes.get(lane)?.edge;
        let k = route.iter().position(|e| e == edge)?;
        let next = route.get(k + 1)?;
        let c = net.connections.iter().find(|c| {
            c.from_lane == lane && net.lanes.get(&c.to_lane).is_some_and(|l| l.edge == *next)
        })?;
        Some(match c.dir {
            'l' | 'L' => csae::DriveBehavior::INTERSECTION_TURN_LEFT,
            'r' | 'R' => csae::DriveBehavior::INTERSECTION_TURN_RIGHT,
            't' => csae::DriveBehavior::INTERSECTION_U_TURN,
            _ => csae::DriveBehavior::INTERSECTION_STRAIGHT_THROUGH,
        })
    }

    /// Takes a slot heard at `time_s` for SUMO vehicle `vehicle` on `lane`: come to the stop
    /// line as the slot begins, `enter_s` after the RSC's moment, and go then; the slot ends
    /// `until_s` after it. (Not the RSC's speed, what brought the vehicle to its line then
    /// from where it was: the vehicle works it out again each step from where it is.)
    pub fn hear(&mut self, vehicle: &str, lane: &str, (enter_s, until_s): (f64, f64), time_s: f64) {
        if !self.approaches.contains_key(lane) {
            return;
        }
        self.slots += 1;
        let set_mps = self.held.get(vehicle).and_then(|h| h.set_mps);
        self.held.insert(
            vehicle.to_string(),
            Held {
                set_mps,
                enter_s: time_s + enter_s,
                until_s: time_s + until_s,
                lane: lane.to_string(),
            },
        );
    }

    /// After each step: the TraCI vehicle sets due. A vehicle with a slot comes to its stop
    /// line as the slot begins: each step at the speed that covers the distance left in the
    /// time left, or, when that is below [`CRAWL_MPS`], braking to stop just short of the line
    /// (giving way as SUMO's rules say meanwhile); then SUMO drives it again, by its slot
    /// rather than the right of way, until it has left the junction. A slot that ends before
    /// the vehicle left its lane is dropped: SUMO's rules again.
    pub fn step(&mut self, step: &Step) -> Vec<(u8, String, Set)> {
        let here: HashMap<&str, (&str, f64)> = step
            .vehicles
            .iter()
            .map(|v| (v.id.as_str(), (v.lane.as_str(), v.lane_pos_m)))
            .collect();
        let approaches = &self.approaches;
        let mut sets = Vec::new();
        let mut through = Vec::new();
        self.held.retain(|id, h| {
            let Some(&(lane, pos_m)) = here.get(id.as_str()) else {
                return false;
            };
            let going = step.time_s >= h.enter_s;
            if lane != h.lane || going || step.time_s >= h.until_s {
                sets.push((ids::VAR_SPEED, id.clone(), Set::Double(-1.0)));
                if lane.starts_with(':') || (going && lane == h.lane) {
                    // Its slot: through the junction by it.
                    sets.push((
                        ids::VAR_SPEEDSETMODE,
                        id.clone(),
                        Set::Int(SPEED_MODE_BY_SLOT),
                    ));
                    through.push(id.clone());
                }
                return false;
            }
            let left_m = (approaches.get(lane).copied().unwrap_or(pos_m) - pos_m).max(0.0);
            let on_time = left_m / (h.enter_s - step.time_s);
            let speed = if on_time >= CRAWL_MPS {
                on_time
            } else {
                (2.0 * STOP_DECEL_MPS2 * (left_m - STOP_SHORT_M).max(0.0)).sqrt()
            };
            // SUMO keeps it within its limits and behind its leader; a set only when the speed
            // moved.
            if h.set_mps.is_none_or(|s| (s - speed).abs() > 0.05) {
                h.set_mps = Some(speed);
                sets.push((ids::VAR_SPEED, id.clone(), Set::Double(speed)));
            }
            true
        });
        self.through.extend(through);
        // Through the junction: SUMO's rules again.
        self.through.retain(|id| match here.get(id.as_str()) {
            Some((lane, _)) if lane.starts_with(':') || approaches.contains_key(*lane) => true,
            Some(_) => {
                sets.push((
                    ids::VAR_SPEEDSETMODE,
                    id.clone(),
                    Set::Int(ids::SPEED_MODE_DEFAULT),
                ));
                false
            }
            None => false,
        });
        let present: HashSet<&str> = here.keys().copied().collect();
        self.routes.retain(|id, _| present.contains(id.as_str()));
        self.declared_at
            .retain(|id, _| present.contains(id.as_str()));
        sets
    }
}
