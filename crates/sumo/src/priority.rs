//! Priority vehicles in the co-simulation (issue 18): SUMO's emergency vehicles ask
//! roadcloud for the green at the signalised junctions of their route ahead, as an
//! equipped ambulance would ([`PriorityVehicles`]), and SUMO's traffic lights carry out
//! roadcloud's priority commands ([`TraciSignals`], a [`SignalController`] over TraCI).

use crate::bridge::{Bridge, REGION, VehicleSample, device_id};
use crate::cosim::Step;
use crate::net::Net;
use crate::traci::{Set, ids};
use roadcloud_csae as csae;
use roadcloud_signals::{Action, ControllerError, PriorityCommand, SignalController};
use roadcloud_sim::messages::{PriorityAsk, signal_priority_request};
use roadcloud_world::Millis;
use std::collections::HashMap;

/// How far ahead a vehicle asks, metres: `distance2Intersection` reaches 1,000 m.
pub const ASK_AHEAD_M: f64 = 1_000.0;
/// How often a priority vehicle repeats its requests, seconds (and at once when it has
/// passed a junction).
pub const ASK_EVERY_S: f64 = 1.0;
/// The slowest speed an arrival time is reckoned at, m/s: a vehicle held up in a queue
/// still means to go on.
const ETA_MIN_SPEED_MPS: f64 = 5.0;

/// What a priority vehicle asked last.
#[derive(Debug, Default)]
struct Asked {
    at_s: f64,
    junctions: Vec<PriorityAsk>,
    /// The index of its route's edge it was on last (inside a junction it is on none).
    route_index: usize,
    msg_cnt: u8,
}

/// SUMO's emergency vehicles as equipped priority vehicles: each asks (VIR
/// `Req-SignalPriority`) for the green on its movement at each signalised junction of its
/// route within [`ASK_AHEAD_M`], once a second and at once when it has passed one, which it
/// then reports complete.
#[derive(Debug, Default)]
pub struct PriorityVehicles {
    /// Each emergency vehicle's route (edges), as SUMO gave it.
    pub routes: HashMap<String, Vec<String>>,
    /// Every emergency vehicle seen in the run.
    pub seen: std::collections::BTreeSet<String>,
    asked: HashMap<String, Asked>,
    /// Requests sent.
    pub sent: u64,
}

impl PriorityVehicles {
    /// The emergency vehicles of `step` whose route is not known yet.
    pub fn unrouted<'a>(&self, step: &'a Step) -> Vec<&'a str> {
        step.vehicles
            .iter()
            .filter(|v| v.class == "emergency" && !self.routes.contains_key(&v.id))
            .map(|v| v.id.as_str())
            .collect()
    }

    /// The VIRs the emergency vehicles send after `step`, at `now_ms`; `equipped` says
    /// which carry an OBU.
    pub fn requests(
        &mut self,
        bridge: &Bridge,
        step: &Step,
        now_ms: Millis,
        equipped: impl Fn(&str) -> bool,
    ) -> Vec<(String, csae::MessageFrame)> {
        let (net, frame) = (bridge.net(), &bridge.frame);
        let present: std::collections::HashSet<&str> =
            step.vehicles.iter().map(|v| v.id.as_str()).collect();
        self.routes.retain(|id, _| present.contains(id.as_str()));
        self.asked.retain(|id, _| present.contains(id.as_str()));
        let mut out = Vec::new();
        for v in &step.vehicles {
            if v.class != "emergency" {
                continue;
            }
            self.seen.insert(v.id.clone());
            if !equipped(&v.id) {
                continue;
            }
            let Some(route) = self.routes.get(&v.id) else {
                continue;
            };
            let asked = self.asked.entry(v.id.clone()).or_default();
            let route_index = net
                .lanes
                .get(&v.lane)
                .and_then(|l| {
                    route
                        .iter()
                        .skip(asked.route_index)
                        .position(|e| *e == l.edge)
                })
                .map_or(asked.route_index, |k| asked.route_index + k);
            // A junction drops out of those ahead only when the vehicle reaches the route's
            // next edge: until then, or the next second, nothing is to be said.
            if route_index == asked.route_index && step.time_s - asked.at_s < ASK_EVERY_S - 1e-6 {
                continue;
            }
            let ahead = junctions_ahead(net, route, route_index, v);
            let passed: Vec<PriorityAsk> = asked
                .junctions
                .iter()
                .filter(|a| !ahead.iter().any(|b| b.junction == a.junction))
                .map(|a| PriorityAsk {
                    complete: true,
                    ..*a
                })
                .collect();
            if passed.is_empty() && step.time_s - asked.at_s < ASK_EVERY_S - 1e-6 {
                asked.route_index = route_index;
                continue;
            }
            let mut asks = passed;
            asks.extend(ahead.iter().copied());
            asks.truncate(8);
            asked.at_s = step.time_s;
            asked.route_index = route_index;
            asked.junctions = ahead;
            if asks.is_empty() {
                continue;
            }
            asked.msg_cnt = (asked.msg_cnt + 1) % 128;
            let id = device_id(&v.id);
            let at = bridge.local(v.x, v.y);
            let vir = signal_priority_request(frame, id, at, asked.msg_cnt, &asks, now_ms);
            self.sent += 1;
            out.push(roadcloud_sim::messages::vir_uplink(vir));
        }
        out
    }
}

/// The signalised junctions on `route` from its edge `index` on, within [`ASK_AHEAD_M`] of
/// vehicle `v`, the nearest first: each with the signal group of the movement onto the
/// route's next edge (from the vehicle's own lane on the edge it is on).
fn junctions_ahead(
    net: &Net,
    route: &[String],
    index: usize,
    v: &VehicleSample,
) -> Vec<PriorityAsk> {
    let mut out = Vec::new();
    let mut distance_m = 0.0;
    let speed = v.speed_mps.max(ETA_MIN_SPEED_MPS);
    for k in index..route.len().saturating_sub(1) {
        let (edge, next) = (&route[k], &route[k + 1]);
        let lanes: Vec<&crate::net::Lane> =
            net.lanes.values().filter(|l| l.edge == *edge).collect();
        let Some(first) = lanes.first() else { break };
        distance_m += if k == index {
            match net.lanes.get(&v.lane) {
                Some(l) if l.edge == *edge => (l.length_m() - v.lane_pos_m).max(0.0),
                // Inside the junction before it: the whole edge lies ahead.
                _ => first.length_m(),
            }
        } else {
            first.length_m()
        };
        if distance_m > ASK_AHEAD_M {
            break;
        }
        let Some((_, to)) = net.edges.get(edge) else {
            break;
        };
        let Some(j) = net.junctions.get(to).filter(|j| j.signalised) else {
            continue;
        };
        let towards = net
            .edges
            .get(next)
            .and_then(|(_, t)| net.junctions.get(t))
            .map_or(j.node, |t| t.node);
        // The movement's links, the vehicle's own lane's first.
        let mut links: Vec<&crate::net::Connection> = net
            .connections
            .iter()
            .filter(|c| {
                c.signal.is_some()
                    && net.lanes.get(&c.from_lane).is_some_and(|l| l.edge == *edge)
                    && net.lanes.get(&c.to_lane).is_some_and(|l| l.edge == *next)
            })
            .collect();
        links.sort_by_key(|c| c.from_lane != v.lane);
        let Some((tls, link)) = links.first().and_then(|c| c.signal.clone()) else {
            continue;
        };
        let Some(&group) = net.signal_groups(&tls).get(usize::from(link)) else {
            continue;
        };
        out.push(PriorityAsk {
            req_id: (k % 256) as u8,
            junction: (REGION, j.node),
            towards: (REGION, towards),
            phase_id: group,
            eta_s: distance_m / speed,
            distance_m,
            complete: false,
        });
    }
    out
}

/// How long a preemption shows its yellow before the served movement's green when the
/// program has no yellow phase to take it from, seconds.
pub const CLEARANCE_S: f64 = 3.0;

/// Where a junction's preemption or extension stands.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    /// The links that lose their green show yellow until `until_s`, then `phase` turns on.
    Clearing { until_s: f64, phase: usize },
    /// The program's `phase`, which serves the group, is held.
    Holding,
    /// An extension waits for the group's green (a red is not cut short).
    Waiting,
}

/// One junction served for a vehicle.
#[derive(Debug, Clone, PartialEq)]
struct Served {
    vehicle: String,
    group: u8,
    /// Preemption (else extension).
    preempt: bool,
    stage: Stage,
    /// The command's `hold_until_ms` in simulated seconds.
    until_s: f64,
}

/// A traffic light's program as its controller knows it.
#[derive(Debug, Clone, Default)]
struct Program {
    /// Its phases: duration, seconds, and state.
    phases: Vec<(f64, String)>,
    /// Its id (`programID`).
    id: String,
    /// Each link's signal group.
    groups: Vec<u8>,
}

/// SUMO's traffic lights as the junctions' signal controllers, driven over TraCI.
///
/// Preemption: when the program's phase shows the group green, it is held (its remaining
/// duration set to the hold); otherwise the links losing their green show yellow for
/// as long as the program's own yellow (the rest as they are), then the program's phase that serves the group
/// with the most green turns on and is held. Extension: the group's green, when shown, is
/// held. Release (or the hold's end): the held phase ends within a second and the program
/// goes on from there, its own program again.
#[derive(Debug, Default)]
pub struct TraciSignals {
    /// Traffic light ids by MAP node id.
    by_node: HashMap<u16, String>,
    /// Each traffic light's program: phases (duration, state), program id, groups.
    programs: HashMap<String, Program>,
    /// Each traffic light's state and phase after the last step.
    now: HashMap<String, (String, usize)>,
    time_s: f64,
    served: HashMap<String, Served>,
    sets: Vec<(u8, String, Set)>,
    /// Commands carried out.
    pub carried_out: u64,
}

fn green(c: u8) -> bool {
    matches!(c, b'G' | b'g')
}

impl TraciSignals {
    /// The controllers of `net`'s traffic lights.
    pub fn new(net: &Net) -> TraciSignals {
        let mut t = TraciSignals::default();
        for j in net.signalised() {
            if let Some(p) = net.programs.get(&j.id) {
                t.by_node.insert(j.node, j.id.clone());
                t.programs.insert(
                    j.id.clone(),
                    Program {
                        phases: p.clone(),
                        id: net.program_ids.get(&j.id).cloned().unwrap_or_default(),
                        groups: net.signal_groups(&j.id),
                    },
                );
            }
        }
        t
    }

    /// The links of group `g` of traffic light `tls`.
    fn links(&self, tls: &str, g: u8) -> Vec<usize> {
        self.programs
            .get(tls)
            .map(|p| {
                p.groups
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| **x == g)
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The program's phase serving all of `links`, with the most green.
    fn serving_phase(&self, tls: &str, links: &[usize]) -> Option<usize> {
        self.programs
            .get(tls)?
            .phases
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| {
                links
                    .iter()
                    .all(|&i| s.as_bytes().get(i).is_some_and(|c| green(*c)))
            })
            .max_by_key(|(_, (_, s))| s.bytes().filter(|c| *c == b'G').count())
            .map(|(k, _)| k)
    }

    /// The program's yellow: its longest phase with a yellow and no green, seconds.
    fn clearance_s(&self, tls: &str) -> f64 {
        self.programs
            .get(tls)
            .and_then(|p| {
                p.phases
                    .iter()
                    .filter(|(_, s)| s.contains(['y', 'Y']) && !s.bytes().any(green))
                    .map(|(d, _)| *d)
                    .max_by(f64::total_cmp)
            })
            .unwrap_or(CLEARANCE_S)
    }

    /// Whether traffic light `tls` shows all of `links` green now.
    fn shows_green(&self, tls: &str, links: &[usize]) -> bool {
        self.now.get(tls).is_some_and(|(state, _)| {
            links
                .iter()
                .all(|&i| state.as_bytes().get(i).is_some_and(|c| green(*c)))
        })
    }

    fn hold(&mut self, tls: &str, until_s: f64) {
        self.sets.push((
            ids::TL_PHASE_DURATION,
            tls.to_string(),
            Set::Double((until_s - self.time_s).max(0.0)),
        ));
    }

    /// Starts clearing traffic light `tls` for `links`: the links that lose their green show
    /// yellow (the rest as they are) for the program's yellow; then the program's phase
    /// serving `links` turns on.
    fn clear_for(&mut self, tls: &str, links: &[usize]) -> Result<Stage, ControllerError> {
        let phase = self.serving_phase(tls, links).ok_or_else(|| {
            ControllerError::Failed(format!("no phase of {tls}'s program serves those links"))
        })?;
        let target = self.programs[tls].phases[phase].1.as_bytes().to_vec();
        let (state, _) = self.now.get(tls).cloned().unwrap_or_default();
        let clearing: String = state
            .bytes()
            .enumerate()
            .map(|(i, c)| {
                if green(c) && !target.get(i).is_some_and(|t| green(*t)) {
                    'y'
                } else {
                    c as char
                }
            })
            .collect();
        self.sets.push((
            ids::TL_RED_YELLOW_GREEN_STATE,
            tls.to_string(),
            Set::Str(clearing),
        ));
        Ok(Stage::Clearing {
            until_s: self.time_s + self.clearance_s(tls),
            phase,
        })
    }

    /// Back to the program: the phase shown (or cleared for) ends within a second.
    fn release(&mut self, tls: &str, s: &Served) {
        match s.stage {
            Stage::Clearing { phase, .. } => {
                let program = self
                    .programs
                    .get(tls)
                    .map(|p| p.id.clone())
                    .unwrap_or_default();
                self.sets
                    .push((ids::TL_PROGRAM, tls.to_string(), Set::Str(program)));
                self.sets
                    .push((ids::TL_PHASE_INDEX, tls.to_string(), Set::Int(phase as i32)));
                self.sets
                    .push((ids::TL_PHASE_DURATION, tls.to_string(), Set::Double(1.0)));
            }
            Stage::Holding => {
                self.sets
                    .push((ids::TL_PHASE_DURATION, tls.to_string(), Set::Double(1.0)));
            }
            Stage::Waiting => {}
        }
    }

    /// After each step: the lights as they are, and the TraCI sets due (clearances that
    /// end, extensions whose green came, holds that ran out), with those the commands since
    /// the last step asked for.
    pub fn step(&mut self, step: &Step) -> Vec<(u8, String, Set)> {
        self.time_s = step.time_s;
        for s in &step.signals {
            self.now.insert(s.tls.clone(), (s.state.clone(), s.phase));
        }
        let tls: Vec<String> = self.served.keys().cloned().collect();
        for t in tls {
            let s = self.served[&t].clone();
            if self.time_s >= s.until_s {
                self.served.remove(&t);
                self.release(&t, &s);
                continue;
            }
            let links = self.links(&t, s.group);
            match s.stage {
                Stage::Clearing { until_s, phase } if self.time_s >= until_s => {
                    let program = self
                        .programs
                        .get(&t)
                        .map(|p| p.id.clone())
                        .unwrap_or_default();
                    self.sets
                        .push((ids::TL_PROGRAM, t.clone(), Set::Str(program)));
                    self.sets
                        .push((ids::TL_PHASE_INDEX, t.clone(), Set::Int(phase as i32)));
                    self.hold(&t, s.until_s);
                    self.served.get_mut(&t).expect("served").stage = Stage::Holding;
                }
                Stage::Waiting if self.shows_green(&t, &links) => {
                    self.hold(&t, s.until_s);
                    self.served.get_mut(&t).expect("served").stage = Stage::Holding;
                }
                // The program moved on before the hold took (a command crossing a phase's
                // end): a preemption clears for its phase again, an extension waits.
                Stage::Holding if !self.shows_green(&t, &links) => {
                    let stage = if s.preempt {
                        self.clear_for(&t, &links).unwrap_or(Stage::Waiting)
                    } else {
                        Stage::Waiting
                    };
                    self.served.get_mut(&t).expect("served").stage = stage;
                }
                _ => {}
            }
        }
        std::mem::take(&mut self.sets)
    }
}

impl SignalController for TraciSignals {
    fn command(&mut self, c: &PriorityCommand) -> Result<(), ControllerError> {
        if c.junction.region != REGION {
            return Err(ControllerError::Unknown(format!(
                "region {} (this network's is {REGION})",
                c.junction.region
            )));
        }
        let tls = self.by_node.get(&c.junction.id).cloned().ok_or_else(|| {
            ControllerError::Unknown(format!("no traffic light at node {}", c.junction.id))
        })?;
        let links = self.links(&tls, c.phase_id);
        if links.is_empty() {
            return Err(ControllerError::Unknown(format!(
                "no signal group {} at node {}",
                c.phase_id, c.junction.id
            )));
        }
        let until_s = self.time_s + (c.hold_until_ms - c.issued_at_ms).max(0) as f64 / 1e3;
        self.carried_out += 1;
        match c.action {
            Action::Release => {
                if let Some(s) = self
                    .served
                    .get(&tls)
                    .filter(|s| s.vehicle == c.vehicle)
                    .cloned()
                {
                    self.served.remove(&tls);
                    self.release(&tls, &s);
                }
            }
            Action::Extend => {
                let stage = if self.shows_green(&tls, &links) {
                    self.hold(&tls, until_s);
                    Stage::Holding
                } else {
                    Stage::Waiting
                };
                self.served.insert(
                    tls,
                    Served {
                        vehicle: c.vehicle.clone(),
                        group: c.phase_id,
                        preempt: false,
                        stage,
                        until_s,
                    },
                );
            }
            Action::Preempt => {
                let stage = if self.shows_green(&tls, &links) {
                    self.hold(&tls, until_s);
                    Stage::Holding
                } else {
                    self.clear_for(&tls, &links)?
                };
                self.served.insert(
                    tls,
                    Served {
                        vehicle: c.vehicle.clone(),
                        group: c.phase_id,
                        preempt: true,
                        stage,
                        until_s,
                    },
                );
            }
        }
        Ok(())
    }
}
