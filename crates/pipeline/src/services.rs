//! The Day-2 services' side of the pipeline (T/CSAE 157-2020): vehicles' requests (VIR)
//! wait here until the applications' turn, when each is answered from the live world and
//! its answer queued for the vehicle's downlink.

use crate::parking::Parking;
use roadcloud_apps::Registry;
use roadcloud_apps::cip;
use roadcloud_apps::clc;
use roadcloud_apps::dlm;
use roadcloud_apps::gspa;
use roadcloud_apps::pvp;
use roadcloud_apps::sds::{self, Seen};
use roadcloud_csae::{Day2Message, MessageFrame};
use roadcloud_signals::{Action, Junction, PriorityCommand};
use roadcloud_transport::{DeviceId, MessageKind};
use roadcloud_world::map::NodeId;
use roadcloud_world::obstacles::Obstacle;
use roadcloud_world::requests::{
    Asks, ClearTheWay, GapPlan, LaneChangeAnswer, LaneRule, PassingSlot, PriorityAnswer, Request,
    Yielding, lane_change_answer, lane_rule_answer, passing_answer, priority_answer,
    sensor_sharing_answer,
};
use roadcloud_world::tracks::SourceKey;
use roadcloud_world::{LaneIndex, LaneRef, LocalFrame, Millis, Point, Track};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Requests waiting at most: beyond, the oldest goes (a flood of requests cannot grow the
/// queue).
const MAX_WAITING: usize = 1_024;

/// How long a lane to clear stands without `tEnd`: a vehicle repeats its requests about
/// once a second.
const CLEAR_STANDS_MS: Millis = 3_000;

/// How long a lane to clear stands at most, whatever its `tEnd`.
const CLEAR_MAX_MS: Millis = 600_000;

/// Requests answered in one applications' turn at most: the others wait for the next turn
/// (or expire), so a burst of requests cannot hold the world stage.
const MAX_PER_TURN: usize = 64;

/// The id roadcloud sends its own messages under (an SSM's `id`): "RDCLOUD" and a version
/// byte, in no device's range.
pub const CLOUD_ID: [u8; 8] = *b"RDCLOUD\x01";

/// A message for one vehicle's downlink (`V2X/OBU/{id}/{MSG}/DOWN`).
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleDownlink {
    /// The vehicle.
    pub vehicle: DeviceId,
    /// Which message (the topic's segment).
    pub message: MessageKind,
    /// The message.
    pub frame: MessageFrame,
}

/// An RSC for an RSU to broadcast over PC5 (`V2X/RSU/{id}/RSC/DOWN`).
#[derive(Debug, Clone, PartialEq)]
pub struct RsuCoordination {
    /// The RSU.
    pub rsu: DeviceId,
    /// The RSC, its `id` the RSU's.
    pub frame: MessageFrame,
}

/// A priority command for the signal controller of a junction, through its RSU
/// (`V2X/RSU/{id}/PRIORITY/DOWN`).
#[derive(Debug, Clone, PartialEq)]
pub struct SignalDownlink {
    /// The RSU of the junction (the device whose SPAT announces it).
    pub rsu: DeviceId,
    /// The command.
    pub command: PriorityCommand,
}

/// Counts of what the services did, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServiceCounts {
    /// Sensor sharing requests answered.
    pub sds_answered: u64,
    /// Participants shared in SDS's answers, in all.
    pub sds_shared: u64,
    /// Obstacles shared in SDS's answers, in all.
    pub sds_obstacles_shared: u64,
    /// Junctions granted to priority vehicles.
    pub pvp_granted: u64,
    /// Priority requests refused.
    pub pvp_refused: u64,
    /// Grants ended (passed, withdrawn, held too long, outranked).
    pub pvp_ended: u64,
    /// Lane changes granted a gap (CLC).
    pub clc_granted: u64,
    /// Lane change requests refused.
    pub clc_refused: u64,
    /// Merges granted a gap (CVM).
    pub cvm_granted: u64,
    /// Merge requests refused.
    pub cvm_refused: u64,
    /// Vehicles asked to slow down to make a gap.
    pub gaps_made: u64,
    /// Vehicles told of an operator's lane rule (DLM), each telling counted.
    pub lane_rules_told: u64,
    /// RSCs of an operator's lane rule sent to RSUs to broadcast (DLM).
    pub lane_rules_broadcast: u64,
    /// Slots given to vehicles at junctions without signals (CIP), each counted.
    pub cip_slots: u64,
}

/// A gap granted to a vehicle for a lane change or a merge, while its window lasts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapGrant {
    /// The vehicle changing lanes.
    pub vehicle: DeviceId,
    /// The request it answers (`reqID`).
    pub req_id: u8,
    /// The lane it changes into.
    pub target: LaneRef,
    /// A merge from a ramp (CVM), else a lane change (CLC).
    pub merge: bool,
    /// The window, ms since the epoch.
    pub begin_ms: Millis,
    /// Its end.
    pub end_ms: Millis,
    /// The speed asked of the vehicle, m/s.
    pub speed_mps: f64,
    /// The vehicle asked to slow down to make the gap, if any, and its speed, m/s.
    pub yielding: Option<(DeviceId, f64)>,
}

/// Requests waiting for an answer, and the answers waiting to go out.
#[derive(Default)]
pub(crate) struct Services {
    waiting: VecDeque<Request>,
    answers: Vec<VehicleDownlink>,
    signal_commands: Vec<SignalDownlink>,
    msg_cnt: u8,
    /// The junctions held for priority vehicles.
    junctions: pvp::Junctions,
    /// The RSU each grant's command went to, to release it there.
    granted_through: BTreeMap<NodeId, DeviceId>,
    /// The last refusal told each vehicle for each junction: told once, not every turn.
    refusals_told: HashMap<([u8; 8], NodeId), pvp::Refused>,
    /// Where each standing priority request's movement leads, and where its vehicle asked
    /// from, by vehicle and junction.
    towards: HashMap<([u8; 8], NodeId), (NodeId, Point)>,
    /// The gaps granted whose window has not ended, by vehicle.
    gaps: BTreeMap<[u8; 8], GapGrant>,
    /// The last refusal told each vehicle for each lane change request: told once.
    gap_refusals_told: HashMap<([u8; 8], u8), clc::Refused>,
    /// The operators' lane rules in force (DLM), by lane.
    lane_rules: BTreeMap<LaneRef, LaneRule>,
    /// Who was told which version of each lane's rule, and when.
    rules_told: HashMap<([u8; 8], LaneRef), (u32, Millis)>,
    /// Rules lifted since the last turn: those told of them hear it.
    rules_lifted: Vec<LaneRule>,
    /// Which RSU was given which lane's rule (as it was then), and when.
    rules_broadcast: HashMap<(DeviceId, LaneRef), (LaneRule, Millis)>,
    /// RSCs for RSUs to broadcast, waiting to go out.
    rsu_coordinations: Vec<RsuCoordination>,
    /// The last version given to each lane's rule.
    rule_versions: HashMap<LaneRef, u32>,
    /// How each vehicle declared it will pass the junction ahead (CIP), and when.
    passing: HashMap<[u8; 8], (roadcloud_world::Turn, Millis)>,
    /// The vehicles that declared since the last turn: they are answered.
    declared: Vec<[u8; 8]>,
    /// When each declared vehicle could first have entered its junction (CIP: its delay is
    /// how much later it can now).
    passing_due: HashMap<[u8; 8], Millis>,
    /// The same for the vehicles that did not declare (seen by a camera), by track.
    unguided_due: HashMap<roadcloud_world::tracks::TrackId, Millis>,
    /// The slots settled (coming within CIP's `commit_s`, or of a vehicle standing with
    /// nothing holding it back), by vehicle, kept until the vehicle has crossed: they hold
    /// whatever is scheduled after them.
    settled: HashMap<[u8; 8], Settled>,
    /// The car parks and the slots held for vehicles (GSPA).
    pub parking: Parking,
    /// The lanes emergency vehicles asked to have cleared (PVP, `Req-ClearTheWay`), one per
    /// vehicle.
    clear_the_way: Vec<ClearTheWay>,
    /// Junctions whose grant began or ended since the last look (the live map redraws them).
    pub junctions_changed: Vec<NodeId>,
    /// What the services did.
    pub counts: ServiceCounts,
}

/// What the services read of the zone in a turn.
pub(crate) struct ServiceInputs<'a> {
    pub frame: &'a LocalFrame,
    /// The zone's live tracks.
    pub tracks: &'a [&'a Track],
    /// The obstacles known on the zone's roads.
    pub obstacles: &'a [&'a Obstacle],
    pub apps: &'a Registry,
    /// The zone's lanes (MAP).
    pub lanes: &'a LaneIndex,
    /// The zone's intersections (MAP), by node.
    pub intersections: &'a crate::HashMap<NodeId, roadcloud_world::map::Intersection>,
    /// The RSU announcing each junction's signals (its SPAT's sender).
    pub signal_rsus: &'a crate::HashMap<NodeId, DeviceId>,
    /// Where each RSU stands (its latest RSM's or RSI's reference position).
    pub rsus: &'a crate::HashMap<DeviceId, Point>,
    pub now: Millis,
}

/// A vehicle's slot at a junction without signals, settled (CIP): the answer it was given
/// (its junction its approach lane's node, when it enters and is through) and what the rule
/// takes of it.
#[derive(Debug, Clone)]
struct Settled {
    slot: PassingSlot,
    movement: cip::Movement,
    entry_mps: f64,
    limit_mps: f64,
}

impl ServiceInputs<'_> {
    /// The track of `vehicle`'s own reports.
    fn track_of(&self, vehicle: [u8; 8]) -> Option<&Track> {
        self.tracks
            .iter()
            .copied()
            .find(|t| t.vehicle == Some(vehicle))
    }

    /// Where `vehicle` is now: its track's position, else where it asked from (`asked_from`).
    pub(crate) fn position_of(&self, vehicle: [u8; 8], asked_from: Point) -> Point {
        self.track_of(vehicle).map_or(asked_from, |t| t.position)
    }
}

impl Services {
    /// Keeps `request` for the next answering turn, if a service that answers it is on.
    pub(crate) fn ask(&mut self, request: Request, apps: &Registry) {
        let on = |id: &str| apps.enabled(id) == Some(true);
        // A lane to clear needs no answer: PVP's clear-the-way reads it in the scenes.
        if let Asks::ClearTheWay {
            lane,
            begin_ms,
            end_ms,
            withdrawn,
        } = request.asks
        {
            if on("PVP") {
                self.keep_clear(&request, lane, (begin_ms, end_ms), withdrawn);
            }
            return;
        }
        let served = match request.asks {
            Asks::SensorSharing { .. } => on("SDS"),
            Asks::SignalPriority { .. } => on("PVP"),
            // Which of the two is known only against MAP, at the answer.
            Asks::LaneChange { .. } => on("CLC") || on("CVM"),
            Asks::IntersectionPassing { .. } => on("CIP"),
            Asks::Parking { .. } => on("GSPA"),
            Asks::ClearTheWay { .. } => false,
        };
        if !served {
            return;
        }
        if self.waiting.len() == MAX_WAITING {
            self.waiting.pop_front();
        }
        self.waiting.push_back(request);
    }

    /// Whether a turn has work: a request waits, or a junction is held (its grant may end).
    pub(crate) fn has_work(&self) -> bool {
        !self.waiting.is_empty()
            || !self.junctions.grants.is_empty()
            || !self.gaps.is_empty()
            || !self.lane_rules.is_empty()
            || !self.rules_lifted.is_empty()
            || !self.declared.is_empty()
            || self.parking.has_work()
    }

    /// Answers the waiting requests from the zone at `now`, at most [`MAX_PER_TURN`] of
    /// them; those older than their service's `max_age_ms` are dropped. Grants of priority
    /// vehicles that ended are released.
    pub(crate) fn answer(&mut self, z: &ServiceInputs<'_>) {
        let sds = z.apps.params::<sds::Params>("SDS");
        let pvp = z.apps.params::<pvp::Params>("PVP");
        let clc = z.apps.params::<clc::Params>("CLC");
        let cvm = z.apps.params::<clc::Params>("CVM");
        let cip = z.apps.params::<cip::Params>("CIP");
        let gspa = z.apps.params::<gspa::Params>("GSPA");
        // Windows that ended.
        self.gaps.retain(|_, g| g.end_ms > z.now);
        self.clear_the_way.retain(|c| c.until_ms > z.now);
        let mut wants = Vec::new();
        let mut answered = 0;
        while answered < MAX_PER_TURN
            && let Some(r) = self.waiting.pop_front()
        {
            let max_age_ms = match (&r.asks, &sds, &pvp) {
                (Asks::SensorSharing { .. }, Some(p), _) => p.max_age_ms,
                (Asks::SignalPriority { .. }, _, Some(p)) => p.max_age_ms,
                (Asks::IntersectionPassing { .. }, _, _) => match &cip {
                    Some(p) => p.max_age_ms,
                    None => continue,
                },
                (Asks::Parking { .. }, _, _) => match &gspa {
                    Some(p) => p.max_age_ms,
                    None => continue,
                },
                (Asks::LaneChange { .. }, _, _) => match (&clc, &cvm) {
                    (Some(p), _) | (None, Some(p)) => p.max_age_ms,
                    (None, None) => continue,
                },
                // Its service was switched off since.
                _ => continue,
            };
            if z.now - r.generated_at > max_age_ms {
                continue;
            }
            answered += 1;
            match &r.asks {
                Asks::SensorSharing { area } => {
                    if let Some(p) = &sds {
                        self.share_sensed(p, z, &r, area);
                    }
                }
                Asks::SignalPriority { .. } => {
                    if let Some(w) = self.want(z, &r) {
                        wants.push(w);
                    }
                }
                Asks::LaneChange { .. } => self.coordinate_lane_change(z, &r, (&clc, &cvm)),
                Asks::IntersectionPassing { turn } => {
                    self.passing.insert(r.vehicle, (*turn, r.generated_at));
                    self.declared.push(r.vehicle);
                }
                Asks::Parking {
                    goal,
                    rsu,
                    withdrawn,
                } => {
                    if let Some(p) = &gspa {
                        let msg_cnt = self.next_msg_cnt();
                        let asked = (*goal, *rsu, *withdrawn);
                        self.answers
                            .extend(self.parking.answer(p, z, &r, asked, msg_cnt));
                    }
                }
                // Kept when asked (`ask`), never waiting.
                Asks::ClearTheWay { .. } => {}
            }
        }
        match &gspa {
            Some(_) => self.parking.expire(z.now),
            // GSPA off: no slot is held for anyone.
            None => self.parking.release_all(),
        }
        match &cip {
            Some(p) => self.schedule_junctions(p, z),
            None => {
                self.passing.clear();
                self.declared.clear();
                self.passing_due.clear();
                self.unguided_due.clear();
                self.settled.clear();
            }
        }
        match z.apps.params::<dlm::Params>("DLM") {
            Some(p) => {
                self.tell_lane_rules(&p, z);
                self.broadcast_lane_rules(&p, z);
            }
            // DLM off: nobody is told, and nothing is kept of whom was told.
            None => {
                self.rules_told.clear();
                self.rules_lifted.clear();
                self.rules_broadcast.clear();
            }
        }
        match &pvp {
            Some(p) => self.arbitrate(p, z, &wants),
            // PVP switched off: every junction back to its plan.
            None => {
                let held = std::mem::take(&mut self.junctions.grants);
                for (n, g) in held {
                    self.release(n, &g, z.now);
                }
            }
        }
    }

    /// SDS: the participants in `area` the requester cannot see, as an SSM on its downlink.
    fn share_sensed(
        &mut self,
        p: &sds::Params,
        z: &ServiceInputs<'_>,
        r: &Request,
        area: &[(Vec<Point>, f64)],
    ) {
        let from = z.position_of(r.vehicle, r.position);
        // Only what may be shared (in the area's bounding box) or may hide something
        // (within sensor range) is weighed.
        let bounds = Bounds::of(area);
        let weighed: Vec<&Track> = z
            .tracks
            .iter()
            .copied()
            .filter(|t| {
                from.distance_to(t.position) <= p.sensor_range_m
                    || bounds.is_some_and(|b| b.holds(t.position))
            })
            .collect();
        let obstacles: Vec<&Obstacle> = z
            .obstacles
            .iter()
            .copied()
            .filter(|o| bounds.is_some_and(|b| b.holds(o.position)))
            .collect();
        // The obstacles are weighed as the participants are (hidden behind a body, or
        // beyond the requester's sensors); being low, most hide nothing themselves.
        let seen: Vec<Seen> = weighed
            .iter()
            .map(|t| Seen {
                position: t.position,
                length_m: t.length_m,
                width_m: t.width_m,
                is_requester: t.vehicle == Some(r.vehicle),
                reported_by_requester: t.sources.iter().any(
                    |(k, _)| matches!(k, SourceKey::Roadside { rsu, .. } if *rsu == r.vehicle),
                ),
            })
            .chain(obstacles.iter().map(|o| Seen {
                position: o.position,
                length_m: o.length_m,
                width_m: o.width_m,
                is_requester: false,
                reported_by_requester: o.sensor == r.vehicle,
            }))
            .collect();
        let (mut chosen, mut chosen_obstacles): (Vec<&Track>, Vec<&Obstacle>) = (vec![], vec![]);
        for i in sds::hidden(p, from, area, &seen) {
            match weighed.get(i) {
                Some(t) => chosen.push(t),
                None => chosen_obstacles.push(obstacles[i - weighed.len()]),
            }
        }
        self.counts.sds_answered += 1;
        self.counts.sds_shared += chosen.len() as u64;
        self.counts.sds_obstacles_shared += chosen_obstacles.len() as u64;
        // Nothing hidden there: an SSM needs something to share, so no answer.
        let Some(ssm) = sensor_sharing_answer(
            z.frame,
            CLOUD_ID,
            from,
            &chosen,
            &chosen_obstacles,
            self.next_msg_cnt(),
            z.now,
        ) else {
            return;
        };
        self.answers.push(VehicleDownlink {
            vehicle: DeviceId(r.vehicle),
            message: MessageKind::Ssm,
            frame: MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
                value: Day2Message::SensorSharing(ssm),
            }),
        });
    }

    /// CLC or CVM: a gap in the target lane for the requester (and a slower speed for the
    /// vehicle behind it when it must make room), or the reason there is none, as an RSC on
    /// the requester's downlink and on the yielding vehicle's. A request is a merge when the
    /// vehicle says it comes from a ramp or MAP shows its lane ending; its service (CVM or
    /// CLC) must be on. A vehicle that asks again while its window lasts is not answered
    /// again; one refused is told once per reason.
    fn coordinate_lane_change(
        &mut self,
        z: &ServiceInputs<'_>,
        r: &Request,
        (clc, cvm): (&Option<clc::Params>, &Option<clc::Params>),
    ) {
        let Asks::LaneChange {
            target,
            merge,
            life_ms,
            withdrawn,
        } = r.asks
        else {
            return;
        };
        let track = z.track_of(r.vehicle);
        let own = track.and_then(|t| t.lane);
        let merge = merge || own.is_some_and(|m| z.lanes.ends(&m.lane));
        let Some(p) = (if merge { cvm } else { clc }) else {
            return;
        };
        if withdrawn {
            if self
                .gaps
                .get(&r.vehicle)
                .is_some_and(|g| g.req_id == r.req_id)
            {
                self.gaps.remove(&r.vehicle);
            }
            return;
        }
        if self
            .gaps
            .get(&r.vehicle)
            .is_some_and(|g| g.req_id == r.req_id && g.target == target)
        {
            return;
        }
        let planned = match (track, own) {
            (None, _) => Err(clc::Refused::Unseen),
            _ if z.lanes.geometry(&target).is_none() => Err(clc::Refused::UnknownLane),
            (Some(t), Some(m))
                if m.lane.node == target.node
                    && m.lane.upstream == target.upstream
                    && m.lane.lane != target.lane =>
            {
                self.plan_gap(
                    p,
                    z,
                    (t, &m),
                    &Wanted {
                        target,
                        merge,
                        life_ms,
                    },
                )
            }
            _ => Err(clc::Refused::NotBeside),
        };
        let from = z.position_of(r.vehicle, r.position);
        let outcome = match planned {
            Ok(plan) => {
                if merge {
                    self.counts.cvm_granted += 1;
                } else {
                    self.counts.clc_granted += 1;
                }
                self.gap_refusals_told.remove(&(r.vehicle, r.req_id));
                self.gaps.insert(
                    r.vehicle,
                    GapGrant {
                        vehicle: DeviceId(r.vehicle),
                        req_id: r.req_id,
                        target,
                        merge,
                        begin_ms: plan.begin,
                        end_ms: plan.end,
                        speed_mps: plan.speed_mps,
                        yielding: plan.follower.map(|y| (DeviceId(y.vehicle), y.speed_mps)),
                    },
                );
                Ok(plan)
            }
            Err(why) => {
                if merge {
                    self.counts.cvm_refused += 1;
                } else {
                    self.counts.clc_refused += 1;
                }
                if self.gap_refusals_told.len() > MAX_WAITING {
                    self.gap_refusals_told.clear();
                }
                if self.gap_refusals_told.insert((r.vehicle, r.req_id), why) == Some(why) {
                    return;
                }
                Err(why.as_text())
            }
        };
        let yielding = outcome.as_ref().ok().and_then(|g| g.follower);
        if yielding.is_some() {
            self.counts.gaps_made += 1;
        }
        let answer = LaneChangeAnswer {
            vehicle: r.vehicle,
            at: from,
            target,
            merge,
            outcome,
        };
        let msg_cnt = self.next_msg_cnt();
        let rsc = lane_change_answer(z.frame, CLOUD_ID, &answer, msg_cnt, z.now);
        let frame = MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
            value: Day2Message::RoadsideCoordination(rsc),
        });
        // The vehicle asked to make room hears the same coordination.
        if let Some(y) = yielding {
            self.answers.push(VehicleDownlink {
                vehicle: DeviceId(y.vehicle),
                message: MessageKind::Rsc,
                frame: frame.clone(),
            });
        }
        self.answers.push(VehicleDownlink {
            vehicle: DeviceId(r.vehicle),
            message: MessageKind::Rsc,
            frame,
        });
    }

    /// The gap for requester `t` (in lane `own`) as `w` asks, from the target lane's
    /// vehicles now: each placed along the target lane (where it was at its last report, moved
    /// on at its speed to now).
    fn plan_gap(
        &self,
        p: &clc::Params,
        z: &ServiceInputs<'_>,
        (t, own): (&Track, &roadcloud_world::LaneMatch),
        w: &Wanted,
    ) -> Result<GapPlan, clc::Refused> {
        let (target, merge, life_ms) = (w.target, w.merge, w.life_ms);
        let moved =
            |x: &Track| x.motion.speed_mps.unwrap_or(0.0) * (z.now - x.at).max(0) as f64 / 1e3;
        let mover = |x: &Track, to_end_m: f64| clc::Mover {
            vehicle: x.vehicle,
            along_m: -to_end_m + moved(x),
            speed_mps: x.motion.speed_mps.unwrap_or(0.0),
            length_m: x.length_m.unwrap_or(4.5),
        };
        let (to_end_m, offset_m) = z
            .lanes
            .project(&target, t.position)
            .ok_or(clc::Refused::UnknownLane)?;
        // Beside: the target lane's centre line within one and a half of its widths (the
        // next lane's, not one further over).
        let width_m = z.lanes.geometry(&target).map_or(3.5, |g| g.width_m);
        if offset_m.abs() > 1.5 * width_m {
            return Err(clc::Refused::NotBeside);
        }
        let in_lane: Vec<&Track> = z
            .tracks
            .iter()
            .copied()
            .filter(|x| x.lane.is_some_and(|m| m.lane == target && !m.against))
            .collect();
        let mut lane: Vec<clc::Mover> = in_lane
            .iter()
            .map(|x| mover(x, x.lane.map_or(0.0, |m| m.to_stop_line_m)))
            .collect();
        // The gaps granted already into this lane hold: a vehicle asked to make room is
        // taken at the speed asked of it, and one granted a gap is taken as in the lane (at
        // its speed; it is not asked again), so no two vehicles get the same gap.
        for g in self
            .gaps
            .values()
            .filter(|g| g.vehicle.0 != t.vehicle.unwrap_or_default())
        {
            if let Some((y, v)) = g.yielding
                && let Some(i) = in_lane.iter().position(|x| x.vehicle == Some(y.0))
            {
                lane[i].speed_mps = lane[i].speed_mps.min(v);
            }
            if g.target == target
                && let Some(x) = z.track_of(g.vehicle.0)
                && let Some((to_end_m, _)) = z.lanes.project(&target, x.position)
                && !in_lane.iter().any(|y| y.id == x.id)
            {
                lane.push(clc::Mover {
                    vehicle: None,
                    speed_mps: g.speed_mps,
                    ..mover(x, to_end_m)
                });
            }
        }
        let ask = clc::Ask {
            requester: mover(t, to_end_m),
            room_m: merge.then(|| (own.to_stop_line_m - moved(t)).max(0.0)),
            within_s: life_ms.map(|ms| ms as f64 / 1e3),
            speed_limit_mps: z.lanes.geometry(&target).and_then(|g| g.speed_limit_mps),
        };
        let g = clc::plan(p, &ask, &lane)?;
        let ahead = |x: &Track, d: f64| {
            let h = x
                .lane
                .map_or(x.motion.heading_deg.unwrap_or(0.0), |m| m.lane_heading_deg)
                .to_radians();
            Point {
                east_m: x.position.east_m + d * h.sin(),
                north_m: x.position.north_m + d * h.cos(),
            }
        };
        let ms = |s: f64| z.now + (s * 1e3).round() as Millis;
        let follower = g.follower.and_then(|(i, vf)| {
            let f = in_lane.get(i)?;
            // Only a vehicle that must slow is told.
            let slows = vf < lane[i].speed_mps - 0.05;
            Some(Yielding {
                vehicle: f.vehicle.filter(|_| slows)?,
                speed_mps: vf,
                at_begin: ahead(f, moved(f) + vf * g.begin_s),
            })
        });
        Ok(GapPlan {
            begin: ms(g.begin_s),
            end: ms(g.end_s),
            speed_mps: g.speed_mps,
            // Right of the target lane's centre line: the target lies to the left.
            to_left: offset_m > 0.0,
            at_begin: ahead(t, moved(t) + g.along_at_begin_m - ask.requester.along_m),
            follower,
        })
    }

    /// CIP's turn: the junctions without signals that vehicles declared how they pass since
    /// the last turn are scheduled, each with every vehicle that declared lately (within
    /// `max_age_ms`) and is within `horizon_m` of its stop line there, and every other vehicle
    /// there (one that did not declare, seen by a camera: scheduled for what the rules of the
    /// road make it do, told nothing), around the slots settled before (kept until their
    /// vehicles have crossed); those that declared since the last turn, and those whose slot
    /// settles now, get their slot in an RSC.
    fn schedule_junctions(&mut self, p: &cip::Params, z: &ServiceInputs<'_>) {
        self.passing
            .retain(|_, (_, at)| z.now - *at <= p.max_age_ms);
        let passing = &self.passing;
        self.passing_due.retain(|v, _| passing.contains_key(v));
        // A settled slot holds until its vehicle has crossed, whatever the rule's kinematics
        // said (a vehicle held up by the one ahead crosses later): gone from its approach
        // lane and out of the junction (further from its centre than its stop line is). A
        // minute at most.
        self.settled.retain(|v, s| {
            let Some(t) = z.track_of(*v) else {
                return false;
            };
            let on_approach = t
                .lane
                .is_some_and(|m| m.lane == s.slot.approach && !m.against);
            let inside = z.intersections.get(&s.slot.approach.node).is_some_and(|x| {
                t.position.distance_to(x.position) < s.slot.stop_line.distance_to(x.position) + 2.0
            });
            z.now - s.slot.enter <= 60_000 && (on_approach || inside)
        });
        let declared: std::collections::HashSet<[u8; 8]> = self.declared.drain(..).collect();
        if declared.is_empty() {
            return;
        }
        let secs = |at: Millis| (at - z.now) as f64 / 1e3;
        // Each vehicle's approach and movement, by junction.
        struct Entry<'t> {
            track: &'t Track,
            approach: LaneRef,
            stop_line: Point,
            turn: roadcloud_world::Turn,
            approaching: cip::Approaching,
        }
        let mut by_junction: BTreeMap<NodeId, Vec<Entry<'_>>> = BTreeMap::new();
        let key = |l: &LaneRef| {
            // Any id kept apart per lane (per link for exits) serves the rule.
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(l, &mut h);
            std::hash::Hasher::finish(&h) as u32
        };
        // Those that declared, with the turn they declared; and the vehicles that did not
        // (without an OBU: an RSU's camera sees them), with the turn their lane or their
        // signal makes likeliest, scheduled for what the rules of the road make them do.
        let told = self
            .passing
            .iter()
            .filter_map(|(v, (turn, _))| Some((z.track_of(*v)?, *turn, true)));
        let not_told = z
            .tracks
            .iter()
            .copied()
            .filter(|t| {
                t.kind == roadcloud_world::ParticipantKind::Vehicle
                    && t.vehicle.is_none_or(|v| !self.passing.contains_key(&v))
            })
            .filter_map(|t| Some((t, likely_turn(z, t)?, false)));
        let mut unguided = std::collections::HashSet::new();
        for (t, turn, told) in told.chain(not_told) {
            let turn = &turn;
            let Some(m) = t
                .lane
                .filter(|m| !m.against && m.to_stop_line_m <= p.horizon_m)
            else {
                continue;
            };
            // Signals decide at a signalised junction.
            if z.signal_rsus.contains_key(&m.lane.node) {
                continue;
            }
            let Some(g) = z.lanes.geometry(&m.lane) else {
                continue;
            };
            let Some(&stop_line) = g.centre.last() else {
                continue;
            };
            // Where its turn leads: the lane MAP connects it to that turns so, else (the lane
            // beyond in no MAP roadcloud has) a point past the junction's centre the turn's
            // way, as far as the stop line is before it. Keyed by the lane it leads onto:
            // movements into different lanes of one link meet only where their paths do
            // (lanes side by side at a motorway merge are not in each other's way).
            let exit = g
                .connections
                .iter()
                .find(|(_, t)| t == turn)
                .and_then(|(l, _)| {
                    z.lanes
                        .geometry(l)
                        .map(|d| (*l, (d.centre[0], d.end_headings_deg().0)))
                })
                .or_else(|| {
                    z.intersections
                        .get(&m.lane.node)
                        .map(|x| turned_exit(x.position, stop_line, m.lane_heading_deg, *turn))
                        .map(|(p, heading)| {
                            let way = ((heading.rem_euclid(360.0) / 90.0).round() as u16) % 4;
                            (
                                LaneRef {
                                    node: m.lane.node,
                                    upstream: m.lane.node,
                                    lane: 100 + way as u8,
                                },
                                (p, heading),
                            )
                        })
                });
            let Some((exit_link, exit)) = exit else {
                continue;
            };
            let mut approaching = cip::Approaching {
                movement: cip::Movement::new(
                    (key(&m.lane), key(&exit_link)),
                    (stop_line, g.end_headings_deg().1),
                    exit,
                    *turn != roadcloud_world::Turn::Straight,
                ),
                distance_m: m.to_stop_line_m,
                speed_mps: t.motion.speed_mps.unwrap_or(0.0),
                limit_mps: m.speed_limit_mps.unwrap_or(13.9),
                due_s: 0.0,
                told,
                gives_way: gives_way(z, &m.lane),
            };
            let earliest = approaching.earliest_s(p);
            let first = z.now + (earliest * 1e3).round() as Millis;
            approaching.due_s = secs(match t.vehicle.filter(|_| told) {
                Some(vehicle) => *self.passing_due.entry(vehicle).or_insert(first),
                None => {
                    unguided.insert(t.id);
                    *self.unguided_due.entry(t.id).or_insert(first)
                }
            });
            by_junction.entry(m.lane.node).or_default().push(Entry {
                track: t,
                approach: m.lane,
                stop_line,
                turn: *turn,
                approaching,
            });
        }
        self.unguided_due.retain(|t, _| unguided.contains(t));
        let mut out = Vec::new();
        for (junction, entries) in &by_junction {
            if !entries
                .iter()
                .any(|e| e.track.vehicle.is_some_and(|v| declared.contains(&v)))
            {
                continue;
            }
            // The settled slots hold; their vehicles are told them again. One late to its
            // slot enters when it can from where it is; one still in the junction when it
            // should be through is taken as entering now at its speed.
            let settled: Vec<cip::Pass> = self
                .settled
                .iter()
                .filter(|(_, s)| s.slot.approach.node == *junction)
                .map(|(v, s)| {
                    let settled = cip::Pass {
                        movement: s.movement,
                        enter_s: secs(s.slot.enter),
                        entry_mps: s.entry_mps,
                        limit_mps: s.limit_mps,
                    };
                    let Some(t) = z.track_of(*v) else {
                        return settled;
                    };
                    let speed_mps = t.motion.speed_mps.unwrap_or(0.0);
                    match t.lane.filter(|m| m.lane == s.slot.approach && !m.against) {
                        Some(m) if s.slot.enter < z.now => {
                            let late = cip::Approaching {
                                movement: s.movement,
                                distance_m: m.to_stop_line_m,
                                speed_mps,
                                limit_mps: s.limit_mps,
                                due_s: 0.0,
                                told: true,
                                gives_way: false,
                            };
                            cip::Pass {
                                enter_s: late.earliest_s(p),
                                entry_mps: speed_mps,
                                ..settled
                            }
                        }
                        None if s.slot.clear <= z.now => cip::Pass {
                            enter_s: 0.0,
                            entry_mps: speed_mps,
                            ..settled
                        },
                        _ => settled,
                    }
                })
                .collect();
            let (held, free): (Vec<&Entry<'_>>, Vec<&Entry<'_>>) = entries.iter().partition(|e| {
                e.track
                    .vehicle
                    .is_some_and(|v| self.settled.contains_key(&v))
            });
            for e in held {
                if let Some(v) = e.track.vehicle.filter(|v| declared.contains(v)) {
                    let mut slot = self.settled[&v].slot.clone();
                    slot.at = e.track.position;
                    out.push(slot);
                }
            }
            let vehicles: Vec<cip::Approaching> = free.iter().map(|e| e.approaching).collect();
            let slots = cip::schedule(p, &settled, &vehicles);
            for (e, s) in free.iter().zip(slots) {
                let Some(v) = e.track.vehicle.filter(|_| e.approaching.told) else {
                    continue;
                };
                let ms = |secs: f64| z.now + (secs * 1e3).round() as Millis;
                // Its slot settles when it comes within `commit_s`, or when it stands first
                // in its lane with nothing holding it back ([`cip::Slot::settles`]).
                let settles = s.settles(p, &e.approaching);
                // Told when it declared, or when its slot settles: a vehicle whose turn comes
                // is told at once, whoever declared (were only those who declared now settled,
                // each vehicle could be second in every schedule made at its own declaration,
                // and nobody would ever go).
                if !settles && !declared.contains(&v) {
                    continue;
                }
                let slot = PassingSlot {
                    vehicle: v,
                    at: e.track.position,
                    approach: e.approach,
                    stop_line: e.stop_line,
                    turn: e.turn,
                    enter: ms(s.enter_s),
                    clear: ms(s.through_s),
                    speed_mps: s.speed_mps,
                    stop_first: s.stop_first,
                    order: s.order + 1,
                };
                // Told to enter soon: it keeps this slot until it is through.
                if settles {
                    self.settled.insert(
                        v,
                        Settled {
                            slot: slot.clone(),
                            movement: e.approaching.movement,
                            entry_mps: s.entry_mps(),
                            limit_mps: e.approaching.limit_mps,
                        },
                    );
                }
                out.push(slot);
            }
        }
        for slot in out {
            self.counts.cip_slots += 1;
            let msg_cnt = self.next_msg_cnt();
            let rsc = passing_answer(z.frame, CLOUD_ID, &slot, msg_cnt, z.now);
            self.answers.push(VehicleDownlink {
                vehicle: DeviceId(slot.vehicle),
                message: MessageKind::Rsc,
                frame: MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
                    value: Day2Message::RoadsideCoordination(rsc),
                }),
            });
        }
    }

    /// Puts `rule` in force for its lane (in place of the lane's rule before, if any); it
    /// gets the lane's next version.
    pub(crate) fn set_lane_rule(&mut self, mut rule: LaneRule) -> &LaneRule {
        let version = self.rule_versions.entry(rule.lane).or_default();
        *version += 1;
        rule.version = *version;
        let lane = rule.lane;
        self.lane_rules.insert(lane, rule);
        &self.lane_rules[&lane]
    }

    /// Lifts the rule of `lane`, if it has one; those told of it hear it at the next turn.
    pub(crate) fn lift_lane_rule(&mut self, lane: &LaneRef) -> Option<LaneRule> {
        let rule = self.lane_rules.remove(lane)?;
        self.rules_lifted.push(rule.clone());
        Some(rule)
    }

    /// The operators' lane rules in force.
    pub(crate) fn lane_rules(&self) -> impl Iterator<Item = &LaneRule> {
        self.lane_rules.values()
    }

    /// DLM's turn: rules that ran out are lifted; each vehicle on a rule's link is told of the
    /// rule (once per version, again after `repeat_ms`); those told of a rule lifted hear it.
    fn tell_lane_rules(&mut self, p: &dlm::Params, z: &ServiceInputs<'_>) {
        let ended: Vec<LaneRef> = self
            .lane_rules
            .values()
            .filter(|r| r.until.is_some_and(|u| u <= z.now))
            .map(|r| r.lane)
            .collect();
        for lane in ended {
            self.lift_lane_rule(&lane);
        }
        let mut out = Vec::new();
        for rule in std::mem::take(&mut self.rules_lifted) {
            // Any still on the link that were told, whatever version.
            for t in z.tracks {
                let Some(v) = t.vehicle else { continue };
                if self.rules_told.remove(&(v, rule.lane)).is_some()
                    && t.lane.is_some_and(|m| dlm::concerns(p, &rule.lane, &m))
                {
                    out.push((v, t.position, rule.clone(), true));
                }
            }
            self.rules_told.retain(|(_, lane), _| *lane != rule.lane);
        }
        for rule in self.lane_rules.values() {
            for t in z.tracks {
                let (Some(v), Some(m)) = (t.vehicle, t.lane) else {
                    continue;
                };
                if !dlm::concerns(p, &rule.lane, &m) {
                    continue;
                }
                let due = self
                    .rules_told
                    .get(&(v, rule.lane))
                    .is_none_or(|&(version, at)| {
                        version != rule.version || z.now - at >= p.repeat_ms
                    });
                if due {
                    self.rules_told
                        .insert((v, rule.lane), (rule.version, z.now));
                    out.push((v, t.position, rule.clone(), false));
                }
            }
        }
        // Vehicles gone from the zone are forgotten.
        if self.rules_told.len() > 4 * MAX_WAITING {
            let live: std::collections::HashSet<[u8; 8]> =
                z.tracks.iter().filter_map(|t| t.vehicle).collect();
            self.rules_told.retain(|(v, _), _| live.contains(v));
        }
        for (vehicle, at, rule, lifted) in out {
            self.counts.lane_rules_told += 1;
            let msg_cnt = self.next_msg_cnt();
            let rsc = lane_rule_answer(z.frame, CLOUD_ID, &rule, at, lifted, msg_cnt, z.now);
            self.answers.push(VehicleDownlink {
                vehicle: DeviceId(vehicle),
                message: MessageKind::Rsc,
                frame: MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
                    value: Day2Message::RoadsideCoordination(rsc),
                }),
            });
        }
    }

    /// DLM over PC5: each rule in force goes to the RSUs within `notify_m` of its junction,
    /// on their `RSC/DOWN` to broadcast (its `id` the RSU's, positions from the RSU), so
    /// that vehicles without a link to roadcloud hear it too: each version once, again every
    /// `repeat_ms`, and that it is lifted when it is.
    fn broadcast_lane_rules(&mut self, p: &dlm::Params, z: &ServiceInputs<'_>) {
        let mut out = Vec::new();
        let lifted: Vec<(DeviceId, LaneRef)> = self
            .rules_broadcast
            .keys()
            .filter(|(_, lane)| !self.lane_rules.contains_key(lane))
            .copied()
            .collect();
        for key in lifted {
            if let Some((rule, _)) = self.rules_broadcast.remove(&key) {
                out.push((key.0, rule, true));
            }
        }
        for rule in self.lane_rules.values() {
            let Some(x) = z.intersections.get(&rule.lane.node) else {
                continue;
            };
            for (rsu, at) in z.rsus {
                if at.distance_to(x.position) > p.notify_m {
                    continue;
                }
                let key = (*rsu, rule.lane);
                let due = self.rules_broadcast.get(&key).is_none_or(|(told, when)| {
                    told.version != rule.version || z.now - when >= p.repeat_ms
                });
                if due {
                    self.rules_broadcast.insert(key, (rule.clone(), z.now));
                    out.push((*rsu, rule.clone(), false));
                }
            }
        }
        for (rsu, rule, lifted) in out {
            let at = z.rsus.get(&rsu).copied().unwrap_or_default();
            let msg_cnt = self.next_msg_cnt();
            let rsc = lane_rule_answer(z.frame, rsu.0, &rule, at, lifted, msg_cnt, z.now);
            self.counts.lane_rules_broadcast += 1;
            self.rsu_coordinations.push(RsuCoordination {
                rsu,
                frame: MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
                    value: Day2Message::RoadsideCoordination(rsc),
                }),
            });
        }
    }

    /// Takes the RSCs for RSUs to broadcast queued since the last call.
    pub(crate) fn take_rsu_coordinations(&mut self) -> Vec<RsuCoordination> {
        std::mem::take(&mut self.rsu_coordinations)
    }

    /// Keeps `request`'s lane to clear in place of its vehicle's before (none when
    /// `withdrawn`): from `tBegin` (else now) until `tEnd` (else [`CLEAR_STANDS_MS`] on, as a
    /// vehicle repeats its requests), at most [`CLEAR_MAX_MS`] on.
    fn keep_clear(
        &mut self,
        request: &Request,
        lane: LaneRef,
        (begin_ms, end_ms): (Option<Millis>, Option<Millis>),
        withdrawn: bool,
    ) {
        let at = request.generated_at;
        self.clear_the_way
            .retain(|c| c.vehicle != request.vehicle && c.until_ms > at);
        let until_ms = end_ms
            .unwrap_or(at + CLEAR_STANDS_MS)
            .min(at + CLEAR_MAX_MS);
        let from_ms = begin_ms.unwrap_or(at);
        if withdrawn || until_ms <= from_ms {
            return;
        }
        if self.clear_the_way.len() == MAX_WAITING {
            self.clear_the_way.remove(0);
        }
        self.clear_the_way.push(ClearTheWay {
            vehicle: request.vehicle,
            lane,
            from_ms,
            until_ms,
        });
    }

    /// The lanes emergency vehicles asked to have cleared, whose time has not passed.
    pub(crate) fn clear_the_way(&self) -> &[ClearTheWay] {
        &self.clear_the_way
    }

    fn next_msg_cnt(&mut self) -> u8 {
        let n = self.msg_cnt;
        self.msg_cnt = (self.msg_cnt + 1) % 128;
        n
    }

    /// A signal priority request as PVP weighs it: its rank from the requester's track (an
    /// emergency vehicle on a call, a bus), its arrival time as of now. A request naming
    /// no signal group, or for a junction whose RSU roadcloud does not know, is refused
    /// here.
    fn want(&mut self, z: &ServiceInputs<'_>, r: &Request) -> Option<pvp::Want> {
        let Asks::SignalPriority {
            intersection,
            phase,
            towards,
            arrives_in_ms,
            distance_m,
            withdrawn,
        } = r.asks
        else {
            return None;
        };
        let track = z.track_of(r.vehicle);
        let rank = track.and_then(|t| {
            if t.status.emergency {
                Some(pvp::Rank::Emergency)
            } else if t
                .vehicle_class
                .is_some_and(|c| TRANSIT_CLASSES.contains(&c))
            {
                Some(pvp::Rank::Transit)
            } else {
                None
            }
        });
        let w = pvp::Want {
            vehicle: r.vehicle,
            req_id: r.req_id,
            intersection,
            phase: phase.unwrap_or(0),
            // The arrival time as the vehicle gave it, less the time since it asked.
            eta_s: arrives_in_ms.map(|ms| (ms - (z.now - r.generated_at)).max(0) as f64 / 1e3),
            distance_m,
            rank,
            withdrawn,
        };
        let refused = if phase.is_none() {
            Some(pvp::Refused::NoSignalGroup)
        } else if !z.signal_rsus.contains_key(&intersection) {
            Some(pvp::Refused::NoController)
        } else {
            None
        };
        if let Some(why) = refused {
            if !withdrawn {
                self.tell_refusal(z, &w, (towards, r.position), why);
            }
            return None;
        }
        self.towards
            .insert((r.vehicle, intersection), (towards, r.position));
        Some(w)
    }

    /// PVP's turn: what changed at the junctions goes to their controllers and to the
    /// vehicles.
    fn arbitrate(&mut self, p: &pvp::Params, z: &ServiceInputs<'_>, wants: &[pvp::Want]) {
        for change in pvp::arbitrate(p, &mut self.junctions, wants, z.now) {
            match change {
                pvp::Change::Granted(n, g) => {
                    let Some(rsu) = z.signal_rsus.get(&n).copied() else {
                        continue;
                    };
                    self.counts.pvp_granted += 1;
                    self.junctions_changed.push(n);
                    self.refusals_told.remove(&(g.vehicle, n));
                    self.signal_commands.push(SignalDownlink {
                        rsu,
                        command: command(n, &g, action_of(g.rank), z.now),
                    });
                    self.granted_through.insert(n, rsu);
                    let (towards, from) = self.asked(g.vehicle, n);
                    self.tell(z, g.vehicle, from, (n, towards), Ok(g.until));
                }
                pvp::Change::Ended(n, g, _) => self.release(n, &g, z.now),
                pvp::Change::Refused(n, w, why) => {
                    let asked = self.asked(w.vehicle, n);
                    self.tell_refusal(z, &w, asked, why);
                }
            }
        }
        // Forget the movements of requests no longer standing.
        let junctions = &self.junctions;
        self.towards
            .retain(|(v, n), _| junctions.grants.get(n).is_some_and(|g| g.vehicle == *v));
        if self.refusals_told.len() > MAX_WAITING {
            self.refusals_told.clear();
        }
    }

    /// Where `vehicle`'s movement through junction `n` leads and where it asked from (every
    /// request weighed this turn has them).
    fn asked(&self, vehicle: [u8; 8], n: NodeId) -> (NodeId, Point) {
        self.towards
            .get(&(vehicle, n))
            .copied()
            .unwrap_or((n, Point::default()))
    }

    /// A grant ended: its junction back to the plan.
    fn release(&mut self, n: NodeId, g: &pvp::Grant, now: Millis) {
        self.counts.pvp_ended += 1;
        self.junctions_changed.push(n);
        if let Some(rsu) = self.granted_through.remove(&n) {
            self.signal_commands.push(SignalDownlink {
                rsu,
                command: command(n, g, Action::Release, now),
            });
        }
    }

    /// Tells a vehicle its request was refused, once per junction and reason.
    fn tell_refusal(
        &mut self,
        z: &ServiceInputs<'_>,
        w: &pvp::Want,
        (towards, from): (NodeId, Point),
        why: pvp::Refused,
    ) {
        self.counts.pvp_refused += 1;
        if self.refusals_told.insert((w.vehicle, w.intersection), why) == Some(why) {
            return;
        }
        self.tell(
            z,
            w.vehicle,
            from,
            (w.intersection, towards),
            Err(why.as_text()),
        );
    }

    /// An RSC for `vehicle` (which asked from `from`) about the junction of `link`.
    fn tell(
        &mut self,
        z: &ServiceInputs<'_>,
        vehicle: [u8; 8],
        from: Point,
        link: (NodeId, NodeId),
        outcome: Result<Millis, &str>,
    ) {
        let at = z.position_of(vehicle, from);
        let answer = PriorityAnswer {
            vehicle,
            at,
            link,
            outcome,
        };
        let msg_cnt = self.next_msg_cnt();
        let rsc = priority_answer(z.frame, CLOUD_ID, &answer, msg_cnt, z.now);
        self.answers.push(VehicleDownlink {
            vehicle: DeviceId(vehicle),
            message: MessageKind::Rsc,
            frame: MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
                value: Day2Message::RoadsideCoordination(rsc),
            }),
        });
    }

    /// Takes the answers queued since the last call.
    pub(crate) fn take_answers(&mut self) -> Vec<VehicleDownlink> {
        std::mem::take(&mut self.answers)
    }

    /// Takes the signal controllers' commands queued since the last call.
    pub(crate) fn take_signal_commands(&mut self) -> Vec<SignalDownlink> {
        std::mem::take(&mut self.signal_commands)
    }

    /// The gaps granted whose window has not ended.
    pub(crate) fn gaps(&self) -> impl Iterator<Item = &GapGrant> {
        self.gaps.values()
    }

    /// The junctions held for priority vehicles now.
    pub(crate) fn grants(&self) -> &BTreeMap<NodeId, pvp::Grant> {
        &self.junctions.grants
    }
}

/// Whether `lane` gives way at its junction, as MAP says
/// ([`roadcloud_world::map::Lane::gives_way`]).
fn gives_way(z: &ServiceInputs<'_>, lane: &LaneRef) -> bool {
    z.intersections
        .get(&lane.node)
        .and_then(|x| x.lane(lane.upstream, lane.lane))
        .is_some_and(|l| l.gives_way())
}

/// The way a vehicle that did not say how it passes its junction will likeliest go: as its
/// turn signal says, else straight on where its lane goes straight, else its lane's one way
/// (None when it is on no lane).
fn likely_turn(z: &ServiceInputs<'_>, t: &Track) -> Option<roadcloud_world::Turn> {
    use roadcloud_world::Turn;
    if t.status.left_turn_signal {
        return Some(Turn::Left);
    }
    if t.status.right_turn_signal {
        return Some(Turn::Right);
    }
    let g = z.lanes.geometry(&t.lane?.lane)?;
    let ways: Vec<Turn> = g
        .connections
        .iter()
        .map(|(_, turn)| *turn)
        .chain(g.ways_beyond.iter().copied())
        .collect();
    if ways.is_empty() || ways.contains(&Turn::Straight) {
        return Some(Turn::Straight);
    }
    ways.first().copied()
}

/// Where a movement from `stop_line` (heading `heading_deg`) turning `turn` leaves a junction
/// centred on `centre`, and its heading there: past the centre the turn's way as far as the
/// stop line is before it, as far to the right of its new way as the stop line is of the old.
fn turned_exit(
    centre: Point,
    stop_line: Point,
    heading_deg: f64,
    turn: roadcloud_world::Turn,
) -> (Point, f64) {
    use roadcloud_world::Turn;
    let out_deg = heading_deg
        + match turn {
            Turn::Straight => 0.0,
            Turn::Left => -90.0,
            Turn::Right => 90.0,
            Turn::UTurn => 180.0,
        };
    let unit = |deg: f64| {
        let r = deg.to_radians();
        (r.sin(), r.cos())
    };
    let (ue, un) = unit(heading_deg);
    let (de, dn) = (
        centre.east_m - stop_line.east_m,
        centre.north_m - stop_line.north_m,
    );
    // Along the way in to the centre, and to the right of it (right normal (n, -e)).
    let ahead = de * ue + dn * un;
    let right = -(de * un - dn * ue);
    let (we, wn) = unit(out_deg);
    (
        Point {
            east_m: centre.east_m + we * ahead + wn * right,
            north_m: centre.north_m + wn * ahead - we * right,
        },
        out_deg,
    )
}

/// What a lane change or merge request asks, as the planner takes it.
struct Wanted {
    target: LaneRef,
    merge: bool,
    life_ms: Option<i64>,
}

/// DE_BasicVehicleClass's transit classes (T/CSAE 53-2020, as SAE J2735: 50 to 59, buses
/// of every kind): the vehicles PVP gives an extension.
const TRANSIT_CLASSES: std::ops::RangeInclusive<u8> = 50..=59;

/// What a grant of `rank` asks of the controller.
fn action_of(rank: pvp::Rank) -> Action {
    match rank {
        pvp::Rank::Emergency => Action::Preempt,
        pvp::Rank::Transit => Action::Extend,
    }
}

/// The controller's command for grant `g` of junction `n`.
fn command(n: NodeId, g: &pvp::Grant, action: Action, now: Millis) -> PriorityCommand {
    PriorityCommand {
        junction: Junction {
            region: n.region,
            id: n.id,
        },
        phase_id: g.phase,
        action,
        vehicle: DeviceId(g.vehicle).to_string(),
        request_id: g.req_id,
        hold_until_ms: g.until,
        issued_at_ms: now,
    }
}

/// An area's bounding box, widened by its paths' half widths.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    min: Point,
    max: Point,
}

impl Bounds {
    fn of(area: &[(Vec<Point>, f64)]) -> Option<Bounds> {
        let mut b: Option<Bounds> = None;
        for (points, half_width_m) in area {
            for p in points {
                let (lo, hi) = (
                    Point {
                        east_m: p.east_m - half_width_m,
                        north_m: p.north_m - half_width_m,
                    },
                    Point {
                        east_m: p.east_m + half_width_m,
                        north_m: p.north_m + half_width_m,
                    },
                );
                b = Some(match b {
                    None => Bounds { min: lo, max: hi },
                    Some(b) => Bounds {
                        min: Point {
                            east_m: b.min.east_m.min(lo.east_m),
                            north_m: b.min.north_m.min(lo.north_m),
                        },
                        max: Point {
                            east_m: b.max.east_m.max(hi.east_m),
                            north_m: b.max.north_m.max(hi.north_m),
                        },
                    },
                });
            }
        }
        b
    }

    fn holds(&self, p: Point) -> bool {
        (self.min.east_m..=self.max.east_m).contains(&p.east_m)
            && (self.min.north_m..=self.max.north_m).contains(&p.north_m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(vehicle: u8, generated_at: Millis) -> Request {
        let at = Point {
            east_m: 0.0,
            north_m: 0.0,
        };
        Request {
            vehicle: [vehicle; 8],
            req_id: 1,
            position: at,
            generated_at,
            asks: Asks::SensorSharing {
                area: vec![(
                    vec![
                        at,
                        Point {
                            east_m: 0.0,
                            north_m: 100.0,
                        },
                    ],
                    4.0,
                )],
            },
        }
    }

    #[test]
    fn a_burst_of_requests_is_answered_a_turn_at_a_time_and_old_ones_expire() {
        let apps = Registry::new();
        let frame = LocalFrame::new(31.2866, 121.1655);
        let mut s = Services::default();
        for v in 0..100 {
            s.ask(request(v, 1_000), &apps);
        }
        let rsus = crate::HashMap::default();
        let lanes = LaneIndex::default();
        let intersections = crate::HashMap::default();
        let no_rsus = crate::HashMap::default();
        let at = |now| ServiceInputs {
            frame: &frame,
            tracks: &[],
            obstacles: &[],
            apps: &apps,
            lanes: &lanes,
            intersections: &intersections,
            signal_rsus: &rsus,
            rsus: &no_rsus,
            now,
        };
        s.answer(&at(1_100));
        assert_eq!(s.counts.sds_answered, MAX_PER_TURN as u64);
        // The rest are older than max_age_ms (1 s) by the next turn: dropped unanswered.
        s.answer(&at(2_500));
        assert_eq!(s.counts.sds_answered, MAX_PER_TURN as u64);
        assert!(!s.has_work());
        // With SDS off, nothing waits.
        let mut off = Registry::new();
        off.configure("SDS", Some(false), None).unwrap();
        s.ask(request(1, 3_000), &off);
        assert!(!s.has_work());
    }

    #[test]
    fn a_turn_leaves_the_junction_on_its_right_side() {
        use roadcloud_world::Turn;
        let centre = Point::default();
        // Eastbound, 20 m before the centre, 5 m right of the axis (south).
        let stop = Point {
            east_m: -20.0,
            north_m: -5.0,
        };
        let cases = [
            (Turn::Straight, (20.0, -5.0), 90.0),
            (Turn::Left, (5.0, 20.0), 0.0),
            (Turn::Right, (-5.0, -20.0), 180.0),
            (Turn::UTurn, (-20.0, 5.0), 270.0),
        ];
        for (turn, (e, n), heading) in cases {
            let (p, h) = turned_exit(centre, stop, 90.0, turn);
            assert!(
                (p.east_m - e).abs() < 1e-9 && (p.north_m - n).abs() < 1e-9,
                "{turn:?}: {p:?}"
            );
            assert!((h.rem_euclid(360.0) - heading).abs() < 1e-9, "{turn:?}");
        }
    }

    #[test]
    fn a_priority_request_no_controller_can_serve_is_refused_once() {
        let apps = Registry::new();
        let frame = LocalFrame::new(31.2866, 121.1655);
        let rsus = crate::HashMap::default();
        let mut s = Services::default();
        let junction = NodeId { region: 1, id: 3 };
        let ask = |now| Request {
            vehicle: [9; 8],
            req_id: 2,
            position: Point::default(),
            generated_at: now,
            asks: Asks::SignalPriority {
                intersection: junction,
                phase: Some(2),
                towards: NodeId { region: 1, id: 4 },
                arrives_in_ms: Some(5_000),
                distance_m: None,
                withdrawn: false,
            },
        };
        for now in [1_000, 2_000] {
            s.ask(ask(now), &apps);
            s.answer(&ServiceInputs {
                frame: &frame,
                tracks: &[],
                obstacles: &[],
                apps: &apps,
                lanes: &LaneIndex::default(),
                intersections: &crate::HashMap::default(),
                signal_rsus: &rsus,
                rsus: &crate::HashMap::default(),
                now,
            });
        }
        let answers = s.take_answers();
        assert_eq!(answers.len(), 1, "told once");
        assert_eq!(answers[0].message, MessageKind::Rsc);
        let MessageFrame::MsgFrameExt(e) = &answers[0].frame else {
            panic!("not an RSC")
        };
        let Day2Message::RoadsideCoordination(rsc) = &e.value else {
            panic!("not an RSC")
        };
        let lane = &rsc.lane_coordinates.as_ref().unwrap()[0];
        assert!(matches!(
            &lane.description,
            Some(roadcloud_csae::Description::TextString(t)) if t.contains("no RSU")
        ));
        assert_eq!(lane.target_lane.upstream_node_id.id.0, 3);
        assert!(s.take_signal_commands().is_empty());
        assert_eq!(s.counts.pvp_refused, 2);
    }
}
