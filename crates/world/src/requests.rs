//! Vehicles' requests (VIR, T/CSAE 157-2020 `VehIntentionAndRequest`): what a vehicle asks
//! the road for, in the local frame. The Day-2 services answer them.

use crate::geo::{LocalFrame, Point};
use crate::lanes::{LaneRef, Turn};
use crate::map::NodeId;
use crate::parking::{ParkingGoal, type_mask};
use crate::time::{Millis, instant_of, resolve_sec_mark};
use crate::units;
use roadcloud_csae as csae;

/// One request of a vehicle.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The vehicle asking.
    pub vehicle: [u8; 8],
    /// Its id for the request (`reqID`), echoed in the answer.
    pub req_id: u8,
    /// Where the vehicle was when it asked (`refPos`).
    pub position: Point,
    /// When it asked (its `secMark`), ms since the epoch.
    pub generated_at: Millis,
    /// What it asks.
    pub asks: Asks,
}

/// What a request asks.
#[derive(Debug, Clone, PartialEq)]
pub enum Asks {
    /// `Req-SensorSharing`: what lies in these areas, each a path with its half width,
    /// metres.
    SensorSharing {
        /// The paths of `detectArea`.
        area: Vec<(Vec<Point>, f64)>,
    },
    /// `Req-SignalPriority`: a junction's green for a movement.
    SignalPriority {
        /// The junction (`intersectionId`).
        intersection: NodeId,
        /// The signal group of the movement (`requiredMov.phaseId`), when given.
        phase: Option<u8>,
        /// Where the movement leads (`requiredMov.remoteIntersection`).
        towards: NodeId,
        /// How long until the vehicle arrives, ms (`estimatedArrivalTime`, 10 ms units).
        arrives_in_ms: Option<i64>,
        /// Its distance to the junction, metres (`distance2Intersection`, 0.1 m units).
        distance_m: Option<f64>,
        /// The vehicle withdraws the request: status cancel or complete.
        withdrawn: bool,
    },
    /// `Req-LaneChange`: a gap in another lane of its link (cooperative lane change), or,
    /// when the vehicle says it is entering from a ramp (`currentBehavior` rampIn), in the
    /// lane it merges into (cooperative merge).
    LaneChange {
        /// The lane it asks for: `targetLane` on the link from `upstreamNode` to
        /// `downstreamNode`.
        target: LaneRef,
        /// It merges from a ramp (`currentBehavior` rampIn).
        merge: bool,
        /// How long the request stands, ms (`lifeTime`, 10 ms units), when given.
        life_ms: Option<i64>,
        /// The vehicle withdraws the request: status cancel or complete.
        withdrawn: bool,
    },
    /// How the vehicle will pass the junction ahead (`currentBehavior`
    /// intersectionStraightThrough, -TurnLeft, -TurnRight or -UTurn): at a junction without
    /// signals, cooperative intersection passing gives it a slot.
    IntersectionPassing {
        /// The way it turns there.
        turn: Turn,
    },
    /// `Req-ClearTheWay`: an emergency vehicle asks that a lane be cleared ahead of it, in a
    /// window of time.
    ClearTheWay {
        /// The lane: `targetLane` on the link from `upstreamNode` to `downstreamNode`.
        lane: LaneRef,
        /// When the window opens (`tBegin`), ms since the epoch, when given.
        begin_ms: Option<Millis>,
        /// When it closes (`tEnd`), when given.
        end_ms: Option<Millis>,
        /// The vehicle withdraws the request: status cancel or complete.
        withdrawn: bool,
    },
    /// `Req-ParkingArea`: a slot in the car park it comes to, or the way out of it.
    Parking {
        /// What it asks for (`req`, `parkingType`, `expectedParkingSlotID`).
        goal: ParkingGoal,
        /// The RSU it addressed (`targetRSU`), when it did: the car park it announces.
        rsu: Option<[u8; 8]>,
        /// The vehicle withdraws the request: status cancel or complete (it parked, or
        /// left).
        withdrawn: bool,
    },
}

/// A lane an emergency vehicle asked to have cleared ahead of it (`Req-ClearTheWay`), and
/// when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClearTheWay {
    /// The emergency vehicle.
    pub vehicle: [u8; 8],
    /// The lane.
    pub lane: LaneRef,
    /// From when, ms since the epoch.
    pub from_ms: Millis,
    /// Until when.
    pub until_ms: Millis,
}

impl ClearTheWay {
    /// Whether it stands at `now`.
    pub fn stands(&self, now: Millis) -> bool {
        (self.from_ms..self.until_ms).contains(&now)
    }
}

/// Half the width of the road along a vehicle's planned path that concerns it: its lane and
/// half of each lane beside (3.5 m lanes), m.
pub const PLANNED_PATH_HALF_WIDTH_M: f64 = 5.25;

/// A vehicle's planned path (`IARData.path-Planning`, offsets from `refPos`), from where it
/// is (`position`), with [`PLANNED_PATH_HALF_WIDTH_M`]; `None` when it plans none.
fn planned_path(
    frame: &LocalFrame,
    vir: &csae::VehIntentionAndRequest,
    position: Point,
) -> Option<(Vec<Point>, f64)> {
    let planned = vir.int_and_req.path_planning.as_ref()?;
    let r = (i64::from(vir.ref_pos.lat.0), i64::from(vir.ref_pos.long.0));
    let points: Vec<Point> = std::iter::once(position)
        .chain(
            planned
                .0
                .iter()
                .map(|p| frame.at_offset(r, &p.pos.offset_ll)),
        )
        .collect();
    (points.len() >= 2).then_some((points, PLANNED_PATH_HALF_WIDTH_M))
}

/// The requests a VIR carries that a service answers, of the kinds roadcloud serves: those
/// still in force (`status` request or confirmed), and signal priority requests withdrawn
/// (cancel, complete), which end what they asked for.
pub fn requests_from_vir(
    frame: &LocalFrame,
    vir: &csae::VehIntentionAndRequest,
    received_at: Millis,
) -> Vec<Request> {
    let Some(generated_at) = resolve_sec_mark(vir.sec_mark.0, received_at) else {
        return Vec::new();
    };
    let position = frame.from_1e7((vir.ref_pos.lat.0.into(), vir.ref_pos.long.0.into()));
    let mut out: Vec<Request> = vir
        .int_and_req
        .reqs
        .iter()
        .flatten()
        .filter_map(|r| {
            let in_force = matches!(
                r.status,
                csae::ReqStatus::Request | csae::ReqStatus::Comfirmed
            );
            let withdrawn = matches!(
                r.status,
                csae::ReqStatus::Cancel | csae::ReqStatus::Complete
            );
            let merge = vir
                .int_and_req
                .current_behavior
                .as_ref()
                .is_some_and(|b| b.0.get(csae::DriveBehavior::RAMP_IN));
            let asks = match r.info.as_ref()? {
                csae::ReqInfo::SensorSharing(s) if in_force => {
                    let mut area =
                        crate::events::reference_paths(frame, &vir.ref_pos, &s.detect_area);
                    // What lies along the path it plans (`IARData.path-Planning`) concerns it
                    // too (T/CSAE 157-2020 sensor data sharing: its region or its path).
                    area.extend(planned_path(frame, vir, position));
                    Asks::SensorSharing { area }
                }
                csae::ReqInfo::SignalPriority(p) if in_force || withdrawn => {
                    Asks::SignalPriority {
                        intersection: NodeId::from(&p.intersection_id),
                        phase: p.required_mov.phase_id.map(|x| x.0).filter(|x| *x != 0),
                        towards: NodeId::from(&p.required_mov.remote_intersection),
                        // DE_TimeOffset: 10 ms units.
                        arrives_in_ms: p.estimated_arrival_time.map(|t| i64::from(t.0) * 10),
                        // 0.1 m units (T/CSAE 157-2020 Req-SignalPriority).
                        distance_m: p.distance2_intersection.map(|d| f64::from(d) / 10.0),
                        withdrawn,
                    }
                }
                csae::ReqInfo::LaneChange(c) if in_force || withdrawn => Asks::LaneChange {
                    target: LaneRef {
                        node: NodeId::from(&c.downstream_node),
                        upstream: NodeId::from(&c.upstream_node),
                        lane: c.target_lane.0,
                    },
                    merge,
                    // DE_TimeOffset: 10 ms units.
                    life_ms: r.life_time.map(|t| i64::from(t.0) * 10),
                    withdrawn,
                },
                csae::ReqInfo::ClearTheWay(c) if in_force || withdrawn => Asks::ClearTheWay {
                    lane: LaneRef {
                        node: NodeId::from(&c.downstream_node),
                        upstream: NodeId::from(&c.upstream_node),
                        lane: c.target_lane.0,
                    },
                    begin_ms: c.t_begin.as_ref().and_then(|t| instant_of(t, generated_at)),
                    end_ms: c.t_end.as_ref().and_then(|t| instant_of(t, generated_at)),
                    withdrawn,
                },
                csae::ReqInfo::Parking(p) if in_force || withdrawn => {
                    let bit = |i| p.req.0.get(i);
                    let goal = if bit(csae::ParkingRequest::EXIT) {
                        ParkingGoal::Exit
                    } else if bit(csae::ParkingRequest::ENTER) || bit(csae::ParkingRequest::PARK) {
                        ParkingGoal::Park {
                            // `unknown` (bit 0) asks for nothing in particular.
                            types: p
                                .parking_type
                                .as_ref()
                                .map(|t| type_mask(t) & !1)
                                .filter(|m| *m != 0),
                            slot: p.expected_parking_slot_id,
                        }
                    } else {
                        // Paying, loading and the like: nothing a car park's guidance does.
                        return None;
                    };
                    Asks::Parking {
                        goal,
                        rsu: r.target_rsu,
                        withdrawn,
                    }
                }
                _ => return None,
            };
            Some(Request {
                vehicle: vir.id,
                req_id: r.req_id,
                position,
                generated_at,
                asks,
            })
        })
        .collect();
    // DriveBehavior bits 5 to 8: how it passes the junction ahead.
    let passing = [
        (
            csae::DriveBehavior::INTERSECTION_STRAIGHT_THROUGH,
            Turn::Straight,
        ),
        (csae::DriveBehavior::INTERSECTION_TURN_LEFT, Turn::Left),
        (csae::DriveBehavior::INTERSECTION_TURN_RIGHT, Turn::Right),
        (csae::DriveBehavior::INTERSECTION_U_TURN, Turn::UTurn),
    ]
    .into_iter()
    .find(|(bit, _)| {
        vir.int_and_req
            .current_behavior
            .as_ref()
            .is_some_and(|b| b.0.get(*bit))
    });
    if let Some((_, turn)) = passing {
        out.push(Request {
            vehicle: vir.id,
            req_id: 0,
            position,
            generated_at,
            asks: Asks::IntersectionPassing { turn },
        });
    }
    out
}

/// The SSM (T/CSAE 157-2020 `SensorSharingMsg`) that shares `tracks` and `obstacles` with
/// a vehicle at `at`, as `sender` (roadcloud's id) at `now`: each track a participant of the
/// fused view (`source` integrated), positioned from the vehicle's place (`sensorPos`), so
/// the offsets stay short. At most 512 participants (DF_DetectedPTCList) and 64 obstacles
/// (DF_DetectedObstacleList); `None` for none of either.
pub fn sensor_sharing_answer(
    frame: &LocalFrame,
    sender: [u8; 8],
    at: Point,
    tracks: &[&crate::Track],
    obstacles: &[&crate::obstacles::Obstacle],
    msg_cnt: u8,
    now: Millis,
) -> Option<csae::SensorSharingMsg> {
    if tracks.is_empty() && obstacles.is_empty() {
        return None;
    }
    let (ref_lat, ref_lon) = frame.to_1e7(at);
    let sec_mark = |t: Millis| csae::DSecond(crate::time::sec_mark(t));
    let participants: Vec<_> = tracks
        .iter()
        .take(512)
        .map(|t| {
            let (lat, lon) = frame.to_1e7(t.position);
            let ptc_type = match t.kind {
                crate::ParticipantKind::Vehicle => csae::ParticipantType::Motor,
                crate::ParticipantKind::Pedestrian => csae::ParticipantType::Pedestrian,
                crate::ParticipantKind::Cyclist => csae::ParticipantType::NonMotor,
                crate::ParticipantKind::Unknown => csae::ParticipantType::Unknown,
            };
            // DE_VehicleWidth, DE_VehicleLength: centimetres.
            let cm = |m: Option<f64>, max: f64| {
                (m.unwrap_or(0.0) * 100.0).round().clamp(0.0, max) as u16
            };
            detected(csae::ParticipantData {
                ptc_type,
                // Unique in the answer: the low bits of the zone-wide track id.
                ptc_id: (t.id.0 & 0xffff) as u16,
                source: csae::SourceType::Integrated,
                id: t.vehicle,
                sec_mark: sec_mark(t.at),
                pos: units::offset_llv(ref_lat, ref_lon, lat, lon),
                pos_confidence: units::NO_POSITION_CONFIDENCE,
                transmission: None,
                speed: t
                    .motion
                    .speed_mps
                    // 8191: unavailable (DE_Speed).
                    .map_or(csae::Speed(8191), units::speed_from_mps),
                heading: t
                    .motion
                    .heading_deg
                    // 28800: unavailable (DE_Heading).
                    .map_or(csae::Heading(28800), units::heading_from_deg),
                angle: None,
                motion_cfd: None,
                accel_set: None,
                size: csae::VehicleSize {
                    width: csae::VehicleWidth(cm(t.width_m, 1023.0)),
                    length: csae::VehicleLength(cm(t.length_m, 4095.0)),
                    height: None,
                },
                vehicle_class: None,
            })
        })
        .collect();
    Some(csae::SensorSharingMsg {
        msg_cnt: csae::MsgCount(msg_cnt % 128),
        id: sender,
        equipment_type: csae::EquipmentType::Unknown,
        sec_mark: sec_mark(now),
        sensor_pos: csae::Position3D {
            lat: csae::Latitude(ref_lat as i32),
            long: csae::Longitude(ref_lon as i32),
            elevation: None,
        },
        detected_region: None,
        participants: (!participants.is_empty()).then_some(csae::DetectedPTCList(participants)),
        obstacles: (!obstacles.is_empty()).then(|| {
            csae::DetectedObstacleList(
                obstacles
                    .iter()
                    .take(64)
                    .zip(1u16..)
                    .map(|(o, id)| {
                        crate::obstacles::detected_obstacle(frame, ref_lat, ref_lon, o, id)
                    })
                    .collect(),
            )
        }),
        rtes: None,
    })
}

/// What roadcloud tells a vehicle of its request for a junction's signal priority.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityAnswer<'a> {
    /// The vehicle.
    pub vehicle: [u8; 8],
    /// Where it is (the RSC's `refPos`).
    pub at: Point,
    /// The junction and where the movement leads: the link the RSC names.
    pub link: (NodeId, NodeId),
    /// Granted until then (ms since the epoch), or refused for this reason.
    pub outcome: Result<Millis, &'a str>,
}

/// The RSC (T/CSAE 157-2020 `RoadsideCoordination`) answering a signal priority request, as
/// `sender` at `now`: the vehicle's coordination with `info` signalPriority set when
/// granted and no bit set when refused, and a lane coordination for the junction's link
/// (`targetLane` the link from the junction towards where the movement leads) with the
/// grant's time window (`tBegin`, `tEnd`) or the refusal's reason (`description`).
pub fn priority_answer(
    frame: &LocalFrame,
    sender: [u8; 8],
    answer: &PriorityAnswer<'_>,
    msg_cnt: u8,
    now: Millis,
) -> csae::RoadsideCoordination {
    let info = |granted: bool| {
        let set: &[usize] = if granted {
            &[csae::CoordinationInfo::SIGNAL_PRIORITY]
        } else {
            &[]
        };
        csae::CoordinationInfo(csae::BitString::with_bits(8, set))
    };
    let granted = answer.outcome.is_ok();
    let header = Rsc {
        frame,
        sender,
        at: answer.at,
        msg_cnt,
        now,
    };
    header.with(
        Some(vec![csae::VehicleCoordination {
            veh_id: answer.vehicle,
            drive_suggestion: None,
            path_guidance: None,
            info: Some(info(granted)),
        }]),
        csae::LaneCoordination {
            target_lane: csae::ReferenceLink {
                upstream_node_id: node_ref(answer.link.0),
                downstream_node_id: node_ref(answer.link.1),
                reference_lanes: None,
            },
            related_path: None,
            t_begin: granted.then(|| crate::time::date_time(now)),
            t_end: answer.outcome.ok().map(crate::time::date_time),
            recommended_speed: None,
            recommended_behavior: None,
            info: Some(info(granted)),
            description: answer
                .outcome
                .err()
                .map(|why| csae::Description::TextString(why.to_string())),
        },
    )
}

/// A MAP node as a `NodeReferenceID`.
fn node_ref(n: NodeId) -> csae::NodeReferenceID {
    csae::NodeReferenceID {
        region: Some(csae::RoadRegulatorID(n.region)),
        id: csae::NodeID(n.id),
    }
}

/// A lane as DF_ReferenceLink: its link, and the lane in `referenceLanes` (bit n is lane n,
/// bit 0 reserved: LaneID 1 to 15 fit; another has none).
fn lane_link(lane: LaneRef) -> csae::ReferenceLink {
    csae::ReferenceLink {
        upstream_node_id: node_ref(lane.upstream),
        downstream_node_id: node_ref(lane.node),
        reference_lanes: (1..=15).contains(&lane.lane).then(|| {
            csae::ReferenceLanes(csae::BitString::with_bits(16, &[usize::from(lane.lane)]))
        }),
    }
}

/// What every RSC roadcloud sends has: its sender, its place (`refPos`), its count and time.
struct Rsc<'a> {
    frame: &'a LocalFrame,
    sender: [u8; 8],
    at: Point,
    msg_cnt: u8,
    now: Millis,
}

impl Rsc<'_> {
    /// `t` as DE_TimeOffset from this message's secMark, 10 ms units (1 to 65535).
    fn offset(&self, t: Millis) -> csae::TimeOffset {
        csae::TimeOffset(((t - self.now) / 10).clamp(1, 65_535) as u16)
    }

    /// A one-point `pathGuidance`: be at `p` (on `in_map`, when given) at `t`, at
    /// `speed_mps`; positions as offsets from this message's `refPos`.
    fn guidance(
        &self,
        p: Point,
        in_map: Option<csae::ReferenceLink>,
        speed_mps: f64,
        t: Millis,
    ) -> csae::PathPlanning {
        let (ref_lat, ref_lon) = self.frame.to_1e7(self.at);
        let (lat, lon) = self.frame.to_1e7(p);
        csae::PathPlanning(vec![csae::PathPlanningPoint {
            pos_in_map: in_map,
            pos: units::offset_llv(ref_lat, ref_lon, lat, lon),
            pos_accuracy: None,
            speed: Some(units::speed_from_mps(speed_mps)),
            speed_cfd: None,
            heading: None,
            heading_cfd: None,
            accel_set: None,
            acc4_way_confidence: None,
            estimated_time: Some(self.offset(t)),
            time_confidence: None,
        }])
    }

    /// The RSC with these vehicles' coordinations and this lane's.
    fn with(
        &self,
        coordinates: Option<Vec<csae::VehicleCoordination>>,
        lane: csae::LaneCoordination,
    ) -> csae::RoadsideCoordination {
        let (lat, lon) = self.frame.to_1e7(self.at);
        csae::RoadsideCoordination {
            msg_cnt: csae::MsgCount(self.msg_cnt % 128),
            id: self.sender,
            sec_mark: csae::DSecond(crate::time::sec_mark(self.now)),
            ref_pos: csae::Position3D {
                lat: csae::Latitude(lat as i32),
                long: csae::Longitude(lon as i32),
                elevation: None,
            },
            coordinates,
            lane_coordinates: Some(vec![lane]),
        }
    }
}

/// A participant as DF_DetectedPTCData with nothing but the participant itself.
pub fn detected(ptc: csae::ParticipantData) -> csae::DetectedPTCData {
    csae::DetectedPTCData {
        ptc,
        obj_size_confidence: None,
        detected_ptc_type: None,
        type_confidence: None,
        acc4_way_confidence: None,
        status_duration: None,
        path_history: None,
        planning_list: None,
        tracking: None,
        polygon: None,
        type_related_ext: None,
    }
}

/// A gap roadcloud found for a lane change or a merge, as its RSC tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct GapPlan {
    /// The window to change lanes in, ms since the epoch.
    pub begin: Millis,
    /// Its end.
    pub end: Millis,
    /// The speed the requester keeps to reach the gap, m/s.
    pub speed_mps: f64,
    /// The target lane lies to the requester's left.
    pub to_left: bool,
    /// Where the requester is at the window's beginning.
    pub at_begin: Point,
    /// The vehicle behind the gap, when it is asked to slow down to make it.
    pub follower: Option<Yielding>,
}

/// A vehicle asked to slow down to make a gap, until the window's end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Yielding {
    /// The vehicle.
    pub vehicle: [u8; 8],
    /// The speed to keep, m/s.
    pub speed_mps: f64,
    /// Where it is at the window's beginning.
    pub at_begin: Point,
}

/// What roadcloud tells a vehicle of its lane change or merge request.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneChangeAnswer<'a> {
    /// The vehicle.
    pub vehicle: [u8; 8],
    /// Where it is (the RSC's `refPos`).
    pub at: Point,
    /// The lane it asked for.
    pub target: LaneRef,
    /// A merge from a ramp (else a lane change).
    pub merge: bool,
    /// The gap, or refused for this reason.
    pub outcome: Result<GapPlan, &'a str>,
}

/// The RSC (T/CSAE 157-2020 `RoadsideCoordination`) answering a lane change or merge
/// request, as `sender` at `now`. Granted: the requester's coordination suggests the change
/// (`driveSuggestion` laneChangingToLeft or -Right, rampIn for a merge) for the window, on
/// the target link, with a one-point `pathGuidance`: where it will be and the speed to keep
/// when the window opens; the vehicle behind the gap, when it must make room, gets its own
/// coordination (`slow-down`, its speed in its `pathGuidance`) in the same message; the lane
/// coordination names the target lane (`referenceLanes`), the window (`tBegin`, `tEnd`) and
/// the requester's speed. Refused: no bit in `info`, the reason in `description`.
pub fn lane_change_answer(
    frame: &LocalFrame,
    sender: [u8; 8],
    answer: &LaneChangeAnswer<'_>,
    msg_cnt: u8,
    now: Millis,
) -> csae::RoadsideCoordination {
    let rsc = Rsc {
        frame,
        sender,
        at: answer.at,
        msg_cnt,
        now,
    };
    let link = lane_link(answer.target);
    let kind = if answer.merge {
        csae::CoordinationInfo::COOPERATIVE_VEH_MERGING
    } else {
        csae::CoordinationInfo::COOPERATIVE_LANE_CHANGING
    };
    let info = |granted: bool| {
        let set: &[usize] = if granted { &[kind] } else { &[] };
        csae::CoordinationInfo(csae::BitString::with_bits(8, set))
    };
    let behaviour = |bit: usize| csae::DriveBehavior(csae::BitString::with_bits(14, &[bit]));
    let (coordinates, lane) = match &answer.outcome {
        Ok(g) => {
            let change = if answer.merge {
                csae::DriveBehavior::RAMP_IN
            } else if g.to_left {
                csae::DriveBehavior::LANE_CHANGING_TO_LEFT
            } else {
                csae::DriveBehavior::LANE_CHANGING_TO_RIGHT
            };
            let mut coordinates = vec![csae::VehicleCoordination {
                veh_id: answer.vehicle,
                drive_suggestion: Some(csae::DriveSuggestion {
                    suggestion: behaviour(change),
                    life_time: Some(rsc.offset(g.end)),
                    related_link: Some(link.clone()),
                    related_path: None,
                }),
                path_guidance: Some(rsc.guidance(g.at_begin, None, g.speed_mps, g.begin)),
                info: Some(info(true)),
            }];
            if let Some(y) = g.follower {
                coordinates.push(csae::VehicleCoordination {
                    veh_id: y.vehicle,
                    drive_suggestion: Some(csae::DriveSuggestion {
                        suggestion: behaviour(csae::DriveBehavior::SLOW_DOWN),
                        life_time: Some(rsc.offset(g.end)),
                        related_link: Some(link.clone()),
                        related_path: None,
                    }),
                    path_guidance: Some(rsc.guidance(y.at_begin, None, y.speed_mps, g.begin)),
                    info: Some(info(true)),
                });
            }
            let lane = csae::LaneCoordination {
                target_lane: link,
                related_path: None,
                t_begin: Some(crate::time::date_time(g.begin)),
                t_end: Some(crate::time::date_time(g.end)),
                recommended_speed: Some(units::speed_from_mps(g.speed_mps)),
                recommended_behavior: Some(behaviour(change)),
                info: Some(info(true)),
                description: None,
            };
            (coordinates, lane)
        }
        Err(why) => (
            vec![csae::VehicleCoordination {
                veh_id: answer.vehicle,
                drive_suggestion: None,
                path_guidance: None,
                info: Some(info(false)),
            }],
            csae::LaneCoordination {
                target_lane: link,
                related_path: None,
                t_begin: None,
                t_end: None,
                recommended_speed: None,
                recommended_behavior: None,
                info: Some(info(false)),
                description: Some(csae::Description::TextString(why.to_string())),
            },
        ),
    };
    rsc.with(Some(coordinates), lane)
}

/// How an operator has a lane used now (dynamic lane management).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneUse {
    /// Closed: nobody drives in it (works, an incident, a lane kept for an emergency).
    Closed,
    /// Given over to other movements: DE_AllowedManeuvers bits as MAP has them (0 straight,
    /// 1 left, 2 right, 3 U-turn), e.g. a straight lane made a left-turn lane at the evening
    /// peak.
    Reassigned {
        /// The movements it now serves.
        maneuvers: u16,
    },
}

/// An operator's rule for one lane, from `since` until `until` (or until lifted).
#[derive(Debug, Clone, PartialEq)]
pub struct LaneRule {
    /// The lane.
    pub lane: LaneRef,
    /// How it is to be used.
    pub lane_use: LaneUse,
    /// Why, for the drivers (the RSC's `description`).
    pub reason: Option<String>,
    /// In force from then, ms since the epoch.
    pub since: Millis,
    /// Until then, if it ends by itself.
    pub until: Option<Millis>,
    /// Each change of the lane's rule has the next version: a vehicle told one version is
    /// told the next.
    pub version: u32,
}

/// The RSC (T/CSAE 157-2020 `RoadsideCoordination`) telling a vehicle at `at` of `rule`, as
/// `sender` at `now`: a lane coordination for the rule's lane (`targetLane` its link with
/// the lane in `referenceLanes`), in force from `tBegin` to `tEnd`; `info`
/// dynamicLaneManagement, with laneRestriction for a closed lane; for a reassigned lane the
/// movements it now serves as `recommendedBehavior` (intersectionStraightThrough,
/// -TurnLeft, -TurnRight, -UTurn); the reason in `description`. `lifted` tells that the rule
/// no longer holds (`tEnd` now, no restriction).
pub fn lane_rule_answer(
    frame: &LocalFrame,
    sender: [u8; 8],
    rule: &LaneRule,
    at: Point,
    lifted: bool,
    msg_cnt: u8,
    now: Millis,
) -> csae::RoadsideCoordination {
    let mut info = vec![csae::CoordinationInfo::DYNAMIC_LANE_MANAGEMENT];
    let mut behaviour = None;
    let text = match (rule.lane_use, lifted) {
        (_, true) => "lane open again".to_string(),
        (LaneUse::Closed, false) => {
            info.push(csae::CoordinationInfo::LANE_RESTRICTION);
            "lane closed".to_string()
        }
        (LaneUse::Reassigned { maneuvers }, false) => {
            // AllowedManeuvers bits 0..3 to DriveBehavior's intersection bits 5..8.
            let bits: Vec<usize> = (0..4)
                .filter(|b| maneuvers & (1 << b) != 0)
                .map(|b| csae::DriveBehavior::INTERSECTION_STRAIGHT_THROUGH + b)
                .collect();
            behaviour = Some(csae::DriveBehavior(csae::BitString::with_bits(14, &bits)));
            let names: Vec<&str> = (0..4)
                .filter(|b| maneuvers & (1 << b) != 0)
                .map(|b| ["straight", "left", "right", "U-turn"][b])
                .collect();
            format!("lane now for: {}", names.join(", "))
        }
    };
    let description = match (&rule.reason, lifted) {
        (Some(why), false) => format!("{text}: {why}"),
        _ => text,
    };
    Rsc {
        frame,
        sender,
        at,
        msg_cnt,
        now,
    }
    .with(
        None,
        csae::LaneCoordination {
            target_lane: lane_link(rule.lane),
            related_path: None,
            t_begin: Some(crate::time::date_time(rule.since.min(now))),
            t_end: if lifted {
                Some(crate::time::date_time(now))
            } else {
                rule.until.map(crate::time::date_time)
            },
            recommended_speed: None,
            recommended_behavior: behaviour,
            info: Some(csae::CoordinationInfo(csae::BitString::with_bits(8, &info))),
            // Description's textString holds 1 to 512 IA5 characters; the API takes reasons
            // of at most 200.
            description: Some(csae::Description::TextString(
                description.chars().take(512).collect(),
            )),
        },
    )
}

/// A vehicle's slot to pass a junction without signals (cooperative intersection passing).
#[derive(Debug, Clone, PartialEq)]
pub struct PassingSlot {
    /// The vehicle.
    pub vehicle: [u8; 8],
    /// Where it is (the RSC's `refPos`).
    pub at: Point,
    /// Its approach lane.
    pub approach: LaneRef,
    /// Its stop line (the approach lane's end).
    pub stop_line: Point,
    /// The way it turns.
    pub turn: Turn,
    /// When it is to enter the junction, ms since the epoch.
    pub enter: Millis,
    /// Until when the junction is its, ms since the epoch.
    pub clear: Millis,
    /// The speed that brings it to the stop line then, m/s.
    pub speed_mps: f64,
    /// It is to stop at the line and go at its slot.
    pub stop_first: bool,
    /// Its place in the crossing order, 1 first.
    pub order: usize,
}

/// The RSC (T/CSAE 157-2020 `RoadsideCoordination`) giving a vehicle its slot at a junction
/// without signals, as `sender` at `now`: its coordination suggests how it passes (the
/// intersection behaviour it declared, or stop-and-go when it is to stop at the line first)
/// until its slot ends, on its approach link, with a one-point `pathGuidance`: the stop
/// line, the speed that brings it there, and when (`estimatedTime`); the lane coordination
/// names its approach lane with the slot (`tBegin`, `tEnd`) and the speed; `info`
/// no-signalIntersectionPassing; its place in the order in `description`.
pub fn passing_answer(
    frame: &LocalFrame,
    sender: [u8; 8],
    slot: &PassingSlot,
    msg_cnt: u8,
    now: Millis,
) -> csae::RoadsideCoordination {
    let info = csae::CoordinationInfo(csae::BitString::with_bits(
        8,
        &[csae::CoordinationInfo::NO_SIGNAL_INTERSECTION_PASSING],
    ));
    let bit = if slot.stop_first {
        csae::DriveBehavior::STOP_AND_GO
    } else {
        match slot.turn {
            Turn::Straight => csae::DriveBehavior::INTERSECTION_STRAIGHT_THROUGH,
            Turn::Left => csae::DriveBehavior::INTERSECTION_TURN_LEFT,
            Turn::Right => csae::DriveBehavior::INTERSECTION_TURN_RIGHT,
            Turn::UTurn => csae::DriveBehavior::INTERSECTION_U_TURN,
        }
    };
    let behaviour = csae::DriveBehavior(csae::BitString::with_bits(14, &[bit]));
    let link = lane_link(slot.approach);
    let rsc = Rsc {
        frame,
        sender,
        at: slot.at,
        msg_cnt,
        now,
    };
    rsc.with(
        Some(vec![csae::VehicleCoordination {
            veh_id: slot.vehicle,
            drive_suggestion: Some(csae::DriveSuggestion {
                suggestion: behaviour.clone(),
                life_time: Some(rsc.offset(slot.clear)),
                related_link: Some(link.clone()),
                related_path: None,
            }),
            path_guidance: Some(rsc.guidance(
                slot.stop_line,
                Some(link.clone()),
                slot.speed_mps,
                slot.enter,
            )),
            info: Some(info.clone()),
        }]),
        csae::LaneCoordination {
            target_lane: link,
            related_path: None,
            t_begin: Some(crate::time::date_time(slot.enter)),
            t_end: Some(crate::time::date_time(slot.clear)),
            recommended_speed: Some(units::speed_from_mps(slot.speed_mps)),
            recommended_behavior: Some(behaviour),
            info: Some(info),
            description: Some(csae::Description::TextString(format!(
                "pass {}{}",
                ordinal(slot.order),
                if slot.stop_first {
                    ", stop at the line first"
                } else {
                    ""
                }
            ))),
        },
    )
}

/// 1st, 2nd, 3rd, 4th, ...
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
