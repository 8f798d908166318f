//! The Day-2 services' side of the pipeline (T/CSAE 157-2020): vehicles' requests (VIR)
//! wait here until the applications' turn, when each is answered from the live world and
//! its answer queued for the vehicle's downlink.

use roadcloud_apps::Registry;
use roadcloud_apps::pvp;
use roadcloud_apps::sds::{self, Seen};
use roadcloud_csae::{Day2Message, MessageFrame};
use roadcloud_signals::{Action, Junction, PriorityCommand};
use roadcloud_transport::{DeviceId, MessageKind};
use roadcloud_world::map::NodeId;
use roadcloud_world::requests::{
    Asks, PriorityAnswer, Request, priority_answer, sensor_sharing_answer,
};
use roadcloud_world::tracks::SourceKey;
use roadcloud_world::{LocalFrame, Millis, Point, Track};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Requests waiting at most: beyond, the oldest goes (a flood of requests cannot grow the
/// queue).
const MAX_WAITING: usize = 1_024;

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
    /// Junctions granted to priority vehicles.
    pub pvp_granted: u64,
    /// Priority requests refused.
    pub pvp_refused: u64,
    /// Grants ended (passed, withdrawn, held too long, outranked).
    pub pvp_ended: u64,
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
    pub apps: &'a Registry,
    /// The RSU announcing each junction's signals (its SPAT's sender).
    pub signal_rsus: &'a crate::HashMap<NodeId, DeviceId>,
    pub now: Millis,
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
    fn position_of(&self, vehicle: [u8; 8], asked_from: Point) -> Point {
        self.track_of(vehicle).map_or(asked_from, |t| t.position)
    }
}

impl Services {
    /// Keeps `request` for the next answering turn, if a service that answers it is on.
    pub(crate) fn ask(&mut self, request: Request, apps: &Registry) {
        let service = match request.asks {
            Asks::SensorSharing { .. } => "SDS",
            Asks::SignalPriority { .. } => "PVP",
        };
        if apps.enabled(service) != Some(true) {
            return;
        }
        if self.waiting.len() == MAX_WAITING {
            self.waiting.pop_front();
        }
        self.waiting.push_back(request);
    }

    /// Whether a turn has work: a request waits, or a junction is held (its grant may end).
    pub(crate) fn has_work(&self) -> bool {
        !self.waiting.is_empty() || !self.junctions.grants.is_empty()
    }

    /// Answers the waiting requests from the zone at `now`, at most [`MAX_PER_TURN`] of
    /// them; those older than their service's `max_age_ms` are dropped. Grants of priority
    /// vehicles that ended are released.
    pub(crate) fn answer(&mut self, z: &ServiceInputs<'_>) {
        let sds = z.apps.params::<sds::Params>("SDS");
        let pvp = z.apps.params::<pvp::Params>("PVP");
        let mut wants = Vec::new();
        let mut answered = 0;
        while answered < MAX_PER_TURN
            && let Some(r) = self.waiting.pop_front()
        {
            let max_age_ms = match (&r.asks, &sds, &pvp) {
                (Asks::SensorSharing { .. }, Some(p), _) => p.max_age_ms,
                (Asks::SignalPriority { .. }, _, Some(p)) => p.max_age_ms,
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
            .collect();
        let chosen: Vec<&Track> = sds::hidden(p, from, area, &seen)
            .into_iter()
            .map(|i| weighed[i])
            .collect();
        self.counts.sds_answered += 1;
        self.counts.sds_shared += chosen.len() as u64;
        // Nothing hidden there: an SSM needs at least one participant, so no answer.
        let Some(ssm) =
            sensor_sharing_answer(z.frame, CLOUD_ID, from, &chosen, self.next_msg_cnt(), z.now)
        else {
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

    /// The junctions held for priority vehicles now.
    pub(crate) fn grants(&self) -> &BTreeMap<NodeId, pvp::Grant> {
        &self.junctions.grants
    }
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
        let at = |now| ServiceInputs {
            frame: &frame,
            tracks: &[],
            apps: &apps,
            signal_rsus: &rsus,
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
                apps: &apps,
                signal_rsus: &rsus,
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
