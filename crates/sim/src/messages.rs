//! Messages as devices send them, built from a participant's state in SI units in the zone's
//! local frame: the one place the simulator converts to the standard's units (through
//! `roadcloud_world::units`, the inverse of what roadcloud reads).

use roadcloud_csae as csae;
use roadcloud_world::{LocalFrame, Millis, Point, units};

/// A vehicle's state, as its OBU reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VehicleState {
    /// Its 8-octet id.
    pub id: [u8; 8],
    /// Where it is, local frame.
    pub position: Point,
    /// Heading, degrees clockwise from north.
    pub heading_deg: f64,
    /// Speed, m/s.
    pub speed_mps: f64,
    /// Longitudinal acceleration, m/s².
    pub accel_mps2: f64,
    /// Yaw rate, degrees/s clockwise.
    pub yaw_rate_dps: f64,
    /// `BasicVehicleClass` (10 passenger car, 60.. emergency).
    pub class: u8,
    /// Width and length, metres.
    pub size_m: (f64, f64),
    /// What it says of itself.
    pub flags: VehicleFlags,
}

/// What a vehicle says of its state: lights, brakes, events, emergency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VehicleFlags {
    /// Left turn signal on.
    pub left_signal: bool,
    /// Right turn signal on.
    pub right_signal: bool,
    /// Hazard lights on.
    pub hazard: bool,
    /// Brake pedal pressed.
    pub brake: bool,
    /// `eventHardBraking`.
    pub hard_braking: bool,
    /// ABS engaged.
    pub abs: bool,
    /// `eventDisabledVehicle`.
    pub disabled: bool,
    /// On an emergency call: siren and light bar in use.
    pub emergency: bool,
}

impl VehicleState {
    /// A passenger car at `position` driving `heading_deg` at `speed_mps`.
    pub fn car(id: [u8; 8], position: Point, heading_deg: f64, speed_mps: f64) -> Self {
        VehicleState {
            id,
            position,
            heading_deg,
            speed_mps,
            accel_mps2: 0.0,
            yaw_rate_dps: 0.0,
            class: 10,
            size_m: (1.8, 4.6),
            flags: VehicleFlags::default(),
        }
    }
}

/// Latitude and longitude, 1e-7 degree, of a local point.
pub fn to_1e7(frame: &LocalFrame, p: Point) -> (i32, i32) {
    let (lat, lon) = frame.to_1e7(p);
    (lat as i32, lon as i32)
}

/// A local point as a `Position3D` (no elevation).
fn position3d(frame: &LocalFrame, p: Point) -> csae::Position3D {
    let (lat, lon) = to_1e7(frame, p);
    csae::Position3D {
        lat: csae::Latitude(lat),
        long: csae::Longitude(lon),
        elevation: None,
    }
}

/// The secMark of an instant: milliseconds within its UTC minute (DE_DSecond).
pub use roadcloud_world::time::sec_mark;

fn size(m: (f64, f64)) -> csae::VehicleSize {
    // DE_VehicleWidth, DE_VehicleLength: centimetres.
    csae::VehicleSize {
        width: csae::VehicleWidth((m.0 * 100.0).round().clamp(0.0, 1023.0) as u16),
        length: csae::VehicleLength((m.1 * 100.0).round().clamp(0.0, 4095.0) as u16),
        height: None,
    }
}

/// The BSM a vehicle in state `v` sends at `now_ms`.
pub fn bsm(
    frame: &LocalFrame,
    v: &VehicleState,
    msg_count: u8,
    now_ms: Millis,
) -> csae::BasicSafetyMessage {
    let f = v.flags;
    let bits = |set: &[(bool, usize)], len| {
        let on: Vec<usize> = set.iter().filter(|(b, _)| *b).map(|(_, i)| *i).collect();
        csae::BitString::with_bits(len, &on)
    };
    let events = bits(
        &[
            (f.hazard, csae::VehicleEventFlags::EVENT_HAZARD_LIGHTS),
            (f.hard_braking, csae::VehicleEventFlags::EVENT_HARD_BRAKING),
            (f.abs, csae::VehicleEventFlags::EVENT_ABS_ACTIVATED),
            (f.disabled, csae::VehicleEventFlags::EVENT_DISABLED_VEHICLE),
        ],
        13,
    );
    let lights = bits(
        &[
            (f.left_signal, csae::ExteriorLights::LEFT_TURN_SIGNAL_ON),
            (f.right_signal, csae::ExteriorLights::RIGHT_TURN_SIGNAL_ON),
            (f.hazard, csae::ExteriorLights::HAZARD_SIGNAL_ON),
        ],
        9,
    );
    let any_event = f.hazard || f.hard_braking || f.abs || f.disabled;
    let any_light = f.left_signal || f.right_signal || f.hazard;
    csae::BasicSafetyMessage {
        msg_cnt: csae::MsgCount(msg_count % 128),
        id: v.id,
        sec_mark: csae::DSecond(sec_mark(now_ms)),
        time_confidence: None,
        pos: position3d(frame, v.position),
        pos_accuracy: None,
        pos_confidence: None,
        transmission: csae::TransmissionState::ForwardGears,
        speed: units::speed_from_mps(v.speed_mps),
        heading: units::heading_from_deg(v.heading_deg),
        angle: None,
        motion_cfd: None,
        accel_set: csae::AccelerationSet4Way {
            long: units::acceleration_from_mps2(v.accel_mps2),
            lat: csae::Acceleration(0),
            vert: csae::VerticalAcceleration(0),
            yaw: units::yaw_rate_from_dps(v.yaw_rate_dps),
        },
        brakes: csae::BrakeSystemStatus {
            brake_padel: Some(if f.brake || f.hard_braking {
                csae::BrakePedalStatus::On
            } else {
                csae::BrakePedalStatus::Off
            }),
            wheel_brakes: None,
            traction: None,
            abs: f.abs.then_some(csae::AntiLockBrakeStatus::Engaged),
            scs: None,
            brake_boost: None,
            aux_brakes: None,
        },
        size: size(v.size_m),
        vehicle_class: csae::VehicleClassification {
            classification: csae::BasicVehicleClass(v.class),
            fuel_type: None,
        },
        safety_ext: (any_event || any_light).then(|| csae::VehicleSafetyExtensions {
            events: any_event.then_some(csae::VehicleEventFlags(events)),
            path_history: None,
            path_prediction: None,
            lights: any_light.then_some(csae::ExteriorLights(lights)),
        }),
        emergency_ext: f.emergency.then_some(csae::VehicleEmergencyExtensions {
            response_type: Some(csae::ResponseType::Emergency),
            siren_use: Some(csae::SirenInUse::InUse),
            lights_use: Some(csae::LightbarInUse::InUse),
        }),
    }
}

/// The PSM (T/CSAE 157-2020) the device `id` of the pedestrian or cyclist (`non-motor`)
/// `who` sends at `now_ms`.
pub fn psm(
    frame: &LocalFrame,
    id: [u8; 8],
    who: &Detection,
    msg_count: u8,
    now_ms: Millis,
) -> csae::PersonalSafetyMessage {
    let cyclist = who.kind == csae::ParticipantType::NonMotor;
    csae::PersonalSafetyMessage {
        msg_cnt: csae::MsgCount(msg_count % 128),
        id,
        sec_mark: csae::DSecond(sec_mark(now_ms)),
        time_confidence: None,
        pos: position3d(frame, who.position),
        // DE_SemiMajorAxisAccuracy 0.05 m: a phone's GNSS, about 3 m.
        pos_accuracy: csae::PositionalAccuracy {
            semi_major: csae::SemiMajorAxisAccuracy(60),
            semi_minor: csae::SemiMinorAxisAccuracy(60),
            orientation: csae::SemiMajorAxisOrientation(0),
        },
        speed: units::speed_from_mps(who.speed_mps),
        heading: units::heading_from_deg(who.heading_deg),
        accel_set: None,
        path_history: None,
        path_planning: None,
        // 0.1 m: half the larger side.
        overall_radius: (who.size_m.0.max(who.size_m.1) * 5.0)
            .round()
            .clamp(0.0, 200.0) as u8,
        non_motor_data: csae::NonMotorData {
            basic_type: if cyclist {
                csae::PersonalDeviceUserType::Apedalcyclist
            } else {
                csae::PersonalDeviceUserType::Apedestrian
            },
            propulsion: None,
            cluster_size: None,
            attachment: None,
            personal_ext: None,
            road_worker_ext: None,
            personal_req: None,
        },
    }
}

/// A participant a roadside unit's sensors detect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// What it is.
    pub kind: csae::ParticipantType,
    /// The RSU's id for it.
    pub ptc_id: u16,
    /// Where it is, local frame.
    pub position: Point,
    /// Heading, degrees.
    pub heading_deg: f64,
    /// Speed, m/s.
    pub speed_mps: f64,
    /// Width and length, metres.
    pub size_m: (f64, f64),
}

impl Detection {
    /// A pedestrian (0.5 m by 0.5 m), as a camera or the person's phone reports one.
    pub fn pedestrian(ptc_id: u16, position: Point, heading_deg: f64, speed_mps: f64) -> Self {
        Detection {
            kind: csae::ParticipantType::Pedestrian,
            ptc_id,
            position,
            heading_deg,
            speed_mps,
            size_m: (0.5, 0.5),
        }
    }
}

/// The RSM an RSU at `rsu_position` sends at `now_ms` of what it detects (at most 16, as
/// DF_ParticipantList allows).
pub fn rsm(
    frame: &LocalFrame,
    rsu: [u8; 8],
    rsu_position: Point,
    detections: &[Detection],
    msg_count: u8,
    now_ms: Millis,
) -> csae::RoadsideSafetyMessage {
    let ref_pos = position3d(frame, rsu_position);
    let participants = detections
        .iter()
        .take(16)
        .map(|d| participant(frame, &ref_pos, d, now_ms))
        .collect();
    csae::RoadsideSafetyMessage {
        msg_cnt: csae::MsgCount(msg_count % 128),
        id: rsu,
        ref_pos,
        participants: csae::ParticipantList(participants),
    }
}

/// The SSM (T/CSAE 157-2020 `SensorSharingMsg`) a device of `equipment` type at `position`
/// sends at `now_ms` of what its sensors detect, in a `MessageFrame`.
pub fn ssm(
    frame: &LocalFrame,
    sender: [u8; 8],
    equipment: csae::EquipmentType,
    position: Point,
    detections: &[Detection],
    msg_count: u8,
    now_ms: Millis,
) -> csae::MessageFrame {
    let sensor_pos = position3d(frame, position);
    let participants: Vec<csae::DetectedPTCData> = detections
        .iter()
        .take(512)
        .map(|d| roadcloud_world::requests::detected(participant(frame, &sensor_pos, d, now_ms)))
        .collect();
    csae::MessageFrame::MsgFrameExt(csae::MessageFrameExt {
        value: csae::Day2Message::SensorSharing(csae::SensorSharingMsg {
            msg_cnt: csae::MsgCount(msg_count % 128),
            id: sender,
            equipment_type: equipment,
            sec_mark: csae::DSecond(sec_mark(now_ms)),
            sensor_pos,
            detected_region: None,
            participants: (!participants.is_empty()).then_some(csae::DetectedPTCList(participants)),
            obstacles: None,
            rtes: None,
        }),
    })
}

/// The SSM a device of `equipment` type at `position` sends at `now_ms` of the obstacles its
/// sensors detect (DF_DetectedObstacleList, each under its own id; the first 64), and of no
/// participant, in a `MessageFrame`.
pub fn ssm_of_obstacles(
    frame: &LocalFrame,
    sender: [u8; 8],
    equipment: csae::EquipmentType,
    position: Point,
    obstacles: &[roadcloud_world::obstacles::Obstacle],
    msg_count: u8,
    now_ms: Millis,
) -> csae::MessageFrame {
    let mut m = ssm(frame, sender, equipment, position, &[], msg_count, now_ms);
    if let csae::MessageFrame::MsgFrameExt(csae::MessageFrameExt {
        value: csae::Day2Message::SensorSharing(s),
    }) = &mut m
    {
        let (lat, lon) = (
            i64::from(s.sensor_pos.lat.0),
            i64::from(s.sensor_pos.long.0),
        );
        let list: Vec<csae::DetectedObstacleData> = obstacles
            .iter()
            .take(64)
            .map(|o| roadcloud_world::obstacles::detected_obstacle(frame, lat, lon, o, o.id))
            .collect();
        s.obstacles = (!list.is_empty()).then_some(csae::DetectedObstacleList(list));
    }
    m
}

/// One detection as DF_ParticipantData, positioned from `ref_pos`.
fn participant(
    frame: &LocalFrame,
    ref_pos: &csae::Position3D,
    d: &Detection,
    now_ms: Millis,
) -> csae::ParticipantData {
    let (lat, lon) = to_1e7(frame, d.position);
    csae::ParticipantData {
        ptc_type: d.kind,
        ptc_id: d.ptc_id,
        source: csae::SourceType::Video,
        id: None,
        sec_mark: csae::DSecond(sec_mark(now_ms)),
        // Position-LL6: 24-bit offsets, up to 0.84 degree from the reference.
        pos: csae::PositionOffsetLLV {
            offset_ll: csae::PositionOffsetLL::PositionLL6(csae::PositionLL48B {
                lon: csae::OffsetLLB24(lon - ref_pos.long.0),
                lat: csae::OffsetLLB24(lat - ref_pos.lat.0),
            }),
            offset_v: None,
        },
        pos_confidence: csae::PositionConfidenceSet {
            pos: csae::PositionConfidence::A1m,
            elevation: None,
        },
        transmission: None,
        speed: units::speed_from_mps(d.speed_mps),
        heading: units::heading_from_deg(d.heading_deg),
        angle: None,
        motion_cfd: None,
        accel_set: None,
        size: size(d.size_m),
        vehicle_class: None,
    }
}

/// The SPAT of intersection `node` (region, id) at `now_ms`: each phase's current light and
/// the milliseconds until it ends, as countdown timing (0.1 s) relative to the timestamp.
pub fn spat(
    node: (u16, u16),
    phases: &[(u8, csae::LightState, Millis)],
    msg_count: u8,
    now_ms: Millis,
) -> csae::Spat {
    let phases = phases
        .iter()
        .map(|&(id, light, remaining_ms)| csae::Phase {
            id: csae::PhaseID(id),
            phase_states: csae::PhaseStateList(vec![csae::PhaseState {
                light,
                timing: Some(csae::TimeChangeDetails::Counting(csae::TimeCountingDown {
                    start_time: csae::TimeMark(0),
                    min_end_time: None,
                    max_end_time: None,
                    // TimeMark: 0.1 s, rounded up so the light never ends early.
                    likely_end_time: csae::TimeMark(
                        ((remaining_ms + 99) / 100).clamp(0, 36_000) as u16
                    ),
                    time_confidence: None,
                    next_start_time: None,
                    next_duration: None,
                })),
            }]),
        })
        .collect();
    csae::Spat {
        msg_cnt: csae::MsgCount(msg_count % 128),
        moy: None,
        time_stamp: Some(csae::DSecond(sec_mark(now_ms))),
        name: None,
        intersections: csae::IntersectionStateList(vec![csae::IntersectionState {
            intersection_id: csae::NodeReferenceID {
                region: Some(csae::RoadRegulatorID(node.0)),
                id: csae::NodeID(node.1),
            },
            status: csae::IntersectionStatusObject(csae::BitString::with_bits(
                16,
                &[csae::IntersectionStatusObject::FIXED_TIME_OPERATION],
            )),
            moy: None,
            time_stamp: None,
            time_confidence: None,
            phases: csae::PhaseList(phases),
        }]),
    }
}

/// A MAP node (region, node id) as a `NodeReferenceID`.
fn node((region, id): (u16, u16)) -> csae::NodeReferenceID {
    csae::NodeReferenceID {
        region: Some(csae::RoadRegulatorID(region)),
        id: csae::NodeID(id),
    }
}

/// One junction a priority vehicle asks a green of (T/CSAE 157-2020 `Req-SignalPriority`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriorityAsk {
    /// The request's id (`reqID`).
    pub req_id: u8,
    /// The junction (region, node id).
    pub junction: (u16, u16),
    /// Where its movement leads (region, node id): `requiredMov.remoteIntersection`.
    pub towards: (u16, u16),
    /// The signal group of the movement (`requiredMov.phaseId`).
    pub phase_id: u8,
    /// Seconds until the vehicle reaches the stop line.
    pub eta_s: f64,
    /// Its distance to the stop line, metres.
    pub distance_m: f64,
    /// The request stands (`request`) or is done with (`complete`: the vehicle passed).
    pub complete: bool,
}

/// A priority vehicle's VIR asking for a green at each of `asks` (at most 8, the nearest
/// first), at `now_ms`.
pub fn signal_priority_request(
    frame: &LocalFrame,
    vehicle: [u8; 8],
    position: Point,
    msg_cnt: u8,
    asks: &[PriorityAsk],
    now_ms: Millis,
) -> csae::VehIntentionAndRequest {
    let reqs = asks
        .iter()
        .take(8)
        .map(|a| {
            drive_request(
                a.req_id,
                a.complete,
                csae::ReqInfo::SignalPriority(csae::ReqSignalPriority {
                    intersection_id: node(a.junction),
                    required_mov: csae::MovementEx {
                        remote_intersection: node(a.towards),
                        phase_id: Some(csae::PhaseID(a.phase_id)),
                        turn_direction: None,
                    },
                    // DE_TimeOffset: 10 ms units, 1 to 65535.
                    estimated_arrival_time: Some(csae::TimeOffset(
                        (a.eta_s * 100.0).round().clamp(1.0, 65_535.0) as u16,
                    )),
                    // 0.1 m units, 0 to 10000.
                    distance2_intersection: Some(
                        (a.distance_m * 10.0).round().clamp(0.0, 10_000.0) as u16,
                    ),
                }),
            )
        })
        .collect::<Vec<_>>();
    vir(frame, vehicle, position, msg_cnt, None, reqs, now_ms)
}

/// A VIR (T/CSAE 157-2020 `VehIntentionAndRequest`) of vehicle `vehicle` at `position`,
/// made at `now_ms`: its `currentBehavior` bit `behaviour` if any, and its requests.
fn vir(
    frame: &LocalFrame,
    vehicle: [u8; 8],
    position: Point,
    msg_cnt: u8,
    behaviour: Option<usize>,
    reqs: Vec<csae::DriveRequest>,
    now_ms: Millis,
) -> csae::VehIntentionAndRequest {
    csae::VehIntentionAndRequest {
        msg_cnt: csae::MsgCount(msg_cnt % 128),
        id: vehicle,
        sec_mark: csae::DSecond(sec_mark(now_ms)),
        ref_pos: position3d(frame, position),
        int_and_req: csae::IARData {
            current_pos: None,
            path_planning: None,
            current_behavior: behaviour
                .map(|bit| csae::DriveBehavior(csae::BitString::with_bits(14, &[bit]))),
            reqs: (!reqs.is_empty()).then_some(reqs),
        },
    }
}

/// One request of a VIR: standing (`request`) or done with (`complete`).
fn drive_request(req_id: u8, complete: bool, info: csae::ReqInfo) -> csae::DriveRequest {
    csae::DriveRequest {
        req_id,
        status: if complete {
            csae::ReqStatus::Complete
        } else {
            csae::ReqStatus::Request
        },
        req_priority: None,
        target_veh: None,
        target_rsu: None,
        info: Some(info),
        life_time: None,
    }
}

/// The VIR (T/CSAE 157-2020 `VehIntentionAndRequest`) in which vehicle `vehicle` at
/// `position` asks at `now_ms`, as request `req_id`, what lies in `area` (paths in the local
/// frame, each with its half width, metres): one `Req-SensorSharing`.
pub fn sensor_sharing_request(
    frame: &LocalFrame,
    vehicle: [u8; 8],
    position: Point,
    req_id: u8,
    area: &[(Vec<Point>, f64)],
    now_ms: Millis,
) -> csae::VehIntentionAndRequest {
    let ref_pos = position3d(frame, position);
    let (ref_lat, ref_lon) = (i64::from(ref_pos.lat.0), i64::from(ref_pos.long.0));
    let paths =
        area.iter()
            .take(8)
            .map(|(points, half_width_m)| {
                let offsets = points
                    .iter()
                    .take(32)
                    .map(|p| {
                        let (lat, lon) = to_1e7(frame, *p);
                        csae::PositionOffsetLLV {
                            offset_ll: units::offset_ll(ref_lat, ref_lon, lat.into(), lon.into()),
                            offset_v: None,
                        }
                    })
                    .collect();
                csae::ReferencePath {
                    active_path: csae::PathPointList(offsets),
                    // DE_Radius: 0.1 m.
                    path_radius: csae::Radius(
                        (half_width_m * 10.0).round().clamp(0.0, 65_535.0) as u16
                    ),
                }
            })
            .collect();
    let ask = csae::ReqInfo::SensorSharing(csae::ReqSensorSharing {
        detect_area: csae::ReferencePathList(paths),
    });
    let reqs = vec![drive_request(req_id, false, ask)];
    vir(frame, vehicle, position, req_id, None, reqs, now_ms)
}

/// A vehicle's request for a place in another lane (T/CSAE 157-2020 `Req-LaneChange`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaneChangeAsk {
    /// The request's id (`reqID`).
    pub req_id: u8,
    /// The target link's upstream node (region, node id).
    pub upstream: (u16, u16),
    /// Its downstream node.
    pub downstream: (u16, u16),
    /// The target lane (`LaneID`).
    pub lane: u8,
    /// The vehicle enters from a ramp (`currentBehavior` rampIn): a merge.
    pub merge: bool,
    /// How long the request stands, seconds (`lifeTime`).
    pub life_s: f64,
    /// The request stands (`request`) or is done with (`complete`: the vehicle changed).
    pub complete: bool,
}

/// The VIR in which vehicle `vehicle` at `position` asks at `now_ms` for a gap in another
/// lane: one `Req-LaneChange`, with `currentBehavior` rampIn for a merge.
pub fn lane_change_request(
    frame: &LocalFrame,
    vehicle: [u8; 8],
    position: Point,
    msg_cnt: u8,
    ask: &LaneChangeAsk,
    now_ms: Millis,
) -> csae::VehIntentionAndRequest {
    let info = csae::ReqInfo::LaneChange(csae::ReqLaneChange {
        upstream_node: node(ask.upstream),
        downstream_node: node(ask.downstream),
        target_lane: csae::LaneID(ask.lane),
    });
    let mut req = drive_request(ask.req_id, ask.complete, info);
    // DE_TimeOffset: 10 ms units, 1 to 65535.
    req.life_time = Some(csae::TimeOffset(
        (ask.life_s * 100.0).round().clamp(1.0, 65_535.0) as u16,
    ));
    let merge = ask.merge.then_some(csae::DriveBehavior::RAMP_IN);
    vir(frame, vehicle, position, msg_cnt, merge, vec![req], now_ms)
}

/// What a merging vehicle is told to do, read from an RSC.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Coordination {
    /// Change into the target lane in the window, keeping `speed_mps`.
    Change {
        /// The speed to keep, m/s.
        speed_mps: f64,
        /// The window opens this long after the RSC's moment, seconds.
        begin_s: f64,
        /// And closes then.
        end_s: f64,
    },
    /// Slow to `speed_mps` until `end_s` after the RSC's moment (making a gap).
    Yield {
        /// The speed to keep, m/s.
        speed_mps: f64,
        /// Until then, seconds.
        end_s: f64,
    },
    /// Pass the junction ahead in a slot: keep `speed_mps` to reach the stop line as the slot
    /// begins, `begin_s` after the RSC's moment; the slot ends at `end_s`.
    Pass {
        /// The speed to keep, m/s.
        speed_mps: f64,
        /// The slot begins this long after the RSC's moment, seconds.
        begin_s: f64,
        /// And ends then.
        end_s: f64,
    },
}

/// What an RSC asks of each vehicle it names: a lane change or merge (`driveSuggestion`
/// laneChangingToLeft, -Right or rampIn, with the speed and the window's opening in its
/// `pathGuidance`), a slow-down, or a slot at a junction (`info`
/// no-signalIntersectionPassing). Refusals (no suggestion) ask nothing.
pub fn coordinations(rsc: &csae::RoadsideCoordination) -> Vec<([u8; 8], Coordination)> {
    let mut out = Vec::new();
    for c in rsc.coordinates.iter().flatten() {
        let Some(s) = &c.drive_suggestion else {
            continue;
        };
        // DE_TimeOffset: 10 ms units.
        let end_s = s.life_time.map_or(0.0, |t| f64::from(t.0) / 100.0);
        let point = c.path_guidance.as_ref().and_then(|p| p.0.first());
        // DE_Speed: 0.02 m/s units.
        let speed_mps = point.and_then(|p| p.speed).map(|v| f64::from(v.0) * 0.02);
        let begin_s = point
            .and_then(|p| p.estimated_time)
            .map_or(0.0, |t| f64::from(t.0) / 100.0);
        let bit = |b: usize| s.suggestion.0.get(b);
        let Some(speed_mps) = speed_mps else { continue };
        let passing = c.info.as_ref().is_some_and(|i| {
            i.0.get(csae::CoordinationInfo::NO_SIGNAL_INTERSECTION_PASSING)
        });
        if passing {
            out.push((
                c.veh_id,
                Coordination::Pass {
                    speed_mps,
                    begin_s,
                    end_s,
                },
            ));
        } else if bit(csae::DriveBehavior::RAMP_IN)
            || bit(csae::DriveBehavior::LANE_CHANGING_TO_LEFT)
            || bit(csae::DriveBehavior::LANE_CHANGING_TO_RIGHT)
        {
            out.push((
                c.veh_id,
                Coordination::Change {
                    speed_mps,
                    begin_s,
                    end_s,
                },
            ));
        } else if bit(csae::DriveBehavior::SLOW_DOWN) {
            out.push((c.veh_id, Coordination::Yield { speed_mps, end_s }));
        }
    }
    out
}

/// How far before the stop line of a junction without signals an equipped vehicle declares
/// how it passes (CIP's `horizon_m`), metres.
pub const DECLARE_WITHIN_M: f64 = 150.0;
/// How often it repeats its declaration, seconds.
pub const DECLARE_EVERY_S: f64 = 1.0;
/// Below this speed a vehicle that would be early for its slot stops at the line and waits
/// for it (CIP's `crawl_mps`), m/s.
pub const CRAWL_MPS: f64 = 2.0;

/// The VIR in which vehicle `vehicle` at `position` says at `now_ms` how it will pass the
/// junction ahead: `currentBehavior` with `behaviour` (a DriveBehavior bit:
/// intersectionStraightThrough, -TurnLeft, -TurnRight or -UTurn), no request (T/CSAE
/// 157-2020, the no-signal intersection passing scenario).
pub fn passing_intention(
    frame: &LocalFrame,
    vehicle: [u8; 8],
    position: Point,
    msg_cnt: u8,
    behaviour: usize,
    now_ms: Millis,
) -> csae::VehIntentionAndRequest {
    vir(
        frame,
        vehicle,
        position,
        msg_cnt,
        Some(behaviour),
        Vec::new(),
        now_ms,
    )
}

/// The VIR in which emergency vehicle `vehicle` at `position` asks at `now_ms` that `lane`
/// be cleared ahead of it (T/CSAE 157-2020 `Req-ClearTheWay`: the lane `lane` of the link
/// from `upstream` to `downstream`, nodes as (region, id)), within `window` (`tBegin`,
/// `tEnd`, ms since the epoch) when given.
pub fn clear_the_way_request(
    frame: &LocalFrame,
    vehicle: [u8; 8],
    position: Point,
    req_id: u8,
    (upstream, downstream, lane): ((u16, u16), (u16, u16), u8),
    window: Option<(Millis, Millis)>,
    now_ms: Millis,
) -> csae::VehIntentionAndRequest {
    use roadcloud_world::time::date_time;
    let info = csae::ReqInfo::ClearTheWay(csae::ReqClearTheWay {
        upstream_node: node(upstream),
        downstream_node: node(downstream),
        target_lane: csae::LaneID(lane),
        related_path: None,
        t_begin: window.map(|(b, _)| date_time(b)),
        t_end: window.map(|(_, e)| date_time(e)),
    });
    let reqs = vec![drive_request(req_id, false, info)];
    vir(frame, vehicle, position, req_id, None, reqs, now_ms)
}

/// The VIR in which vehicle `vehicle` at `position` asks at `now_ms` for a parking slot
/// (`goal` park: `req` park, of `types` when given, ParkingType bits as
/// `roadcloud_world::parking::type_mask` makes them, slot `slot` if free) or for the way out
/// of the car park (`req` exit): one `Req-ParkingArea` (T/CSAE 157-2020, guidance in a
/// parking area). `complete` withdraws it (the vehicle parked, or left).
pub fn parking_request(
    frame: &LocalFrame,
    vehicle: [u8; 8],
    position: Point,
    req_id: u8,
    goal: roadcloud_world::parking::ParkingGoal,
    complete: bool,
    now_ms: Millis,
) -> csae::VehIntentionAndRequest {
    use roadcloud_world::parking::ParkingGoal;
    let (req_bit, types, slot) = match goal {
        ParkingGoal::Park { types, slot } => (csae::ParkingRequest::PARK, types, slot),
        ParkingGoal::Exit => (csae::ParkingRequest::EXIT, None, None),
    };
    let info = csae::ReqInfo::Parking(csae::ReqParkingArea {
        vehicle_class: csae::VehicleClassification {
            classification: csae::BasicVehicleClass(10),
            fuel_type: None,
        },
        req: csae::ParkingRequest(csae::BitString::with_bits(12, &[req_bit])),
        parking_type: types.map(roadcloud_world::parking::parking_type),
        expected_parking_slot_id: slot,
    });
    let reqs = vec![drive_request(req_id, complete, info)];
    vir(frame, vehicle, position, req_id, None, reqs, now_ms)
}

/// A car park's PAM (T/CSAE 157-2020 `PAMData`) as its RSU announces it: car park `id`
/// named `name`, its `nodes` and `drives` (with their slots and statuses) in the local
/// frame; `roadcloud_world::parking::CarPark::from_pam` reads it back.
pub fn pam(
    frame: &LocalFrame,
    id: u16,
    name: &str,
    nodes: &[roadcloud_world::parking::ParkNode],
    drives: &[roadcloud_world::parking::Drive],
    msg_cnt: u8,
    now_ms: Millis,
) -> csae::PAMData {
    use roadcloud_world::parking::SlotState;
    let pam_node = |n: &roadcloud_world::parking::ParkNode| {
        let attributes: Vec<usize> = [
            (n.entrance, csae::PAMNodeAttributes::ENTRANCE),
            (n.exit, csae::PAMNodeAttributes::EXIT),
            (n.blocked, csae::PAMNodeAttributes::BLOCKED),
        ]
        .into_iter()
        .filter_map(|(on, bit)| on.then_some(bit))
        .collect();
        let in_drives: Vec<csae::PAMDrive> = drives
            .iter()
            .filter(|d| d.to == n.id)
            .take(63)
            .map(|d| csae::PAMDrive {
                upstream_pam_node_id: csae::PAMNodeID(d.from),
                drive_id: None,
                twoway_sepration: None,
                speed_limit: None,
                height_restriction: None,
                drive_width: None,
                lane_num: None,
                points: None,
                movements: None,
                parking_slots: (!d.slots.is_empty()).then(|| {
                    csae::ParkingSlots(
                        d.slots
                            .iter()
                            .take(256)
                            .map(|s| csae::ParkingSlot {
                                slot_id: s.id,
                                position: None,
                                sign: None,
                                parking_type: roadcloud_world::parking::parking_type(s.types),
                                status: match s.state {
                                    SlotState::Available => csae::SlotStatus::Available,
                                    SlotState::Occupied => csae::SlotStatus::Occupied,
                                    SlotState::Reserved => csae::SlotStatus::Reserved,
                                    SlotState::Unknown => csae::SlotStatus::Unknown,
                                },
                                parking_space_theta: csae::ParkingSpaceTheta::Vertical,
                                parking_lock: csae::ParkingLock::Nolock,
                            })
                            .collect(),
                    )
                }),
            })
            .collect();
        csae::PAMNode {
            id: csae::PAMNodeID(n.id),
            ref_pos: position3d(frame, n.position),
            floor: (n.floor != 0).then_some(n.floor),
            attributes: (!attributes.is_empty())
                .then(|| csae::PAMNodeAttributes(csae::BitString::with_bits(8, &attributes))),
            in_drives: (!in_drives.is_empty()).then_some(csae::PAMDriveList(in_drives)),
        }
    };
    let slots: usize = drives.iter().map(|d| d.slots.len()).sum();
    csae::PAMData {
        msg_cnt: csae::MsgCount(msg_cnt % 128),
        time_stamp: Some(csae::MinuteOfTheYear(
            roadcloud_world::signals::minute_of_year(now_ms),
        )),
        parking_lot_info: csae::ParkingLotInfo {
            id: Some(id),
            name: Some(csae::DescriptiveName(name.to_string())),
            number: Some(slots.min(65_535) as u16),
            building_layer_num: None,
            avp_type: None,
        },
        pam_nodes: csae::PAMNodeList(nodes.iter().take(63).map(pam_node).collect()),
        parking_area_guidance: None,
    }
}

/// A vehicle's VIR as it goes out: on its `V2X/OBU/{id}/VIR/UP`, in a `MessageFrame`'s
/// `msgFrameExt`.
pub fn vir_uplink(vir: csae::VehIntentionAndRequest) -> (String, csae::MessageFrame) {
    use roadcloud_transport::{DeviceId, DeviceKind, MessageKind, Topic};
    (
        Topic::uplink(DeviceKind::Obu, DeviceId(vir.id), MessageKind::Vir),
        csae::MessageFrame::MsgFrameExt(csae::MessageFrameExt {
            value: csae::Day2Message::VehIntentionAndRequest(vir),
        }),
    )
}

#[cfg(test)]
mod coordination_tests {
    use super::*;

    #[test]
    fn a_car_parks_pam_reads_back_as_it_was_made() {
        use roadcloud_world::parking::{CarPark, Drive, ParkNode, Slot, SlotState};
        let frame = LocalFrame::new(31.3, 121.15);
        let node = |id, east_m, entrance, exit| ParkNode {
            id,
            position: Point {
                east_m,
                north_m: 10.0,
            },
            floor: 0,
            entrance,
            exit,
            blocked: false,
        };
        let nodes = vec![node(1, 0.0, true, false), node(2, 30.0, false, true)];
        let drives = vec![Drive {
            from: 1,
            to: 2,
            length_m: 30.0,
            slots: vec![
                Slot {
                    id: 7,
                    types: 1 << 1,
                    state: SlotState::Available,
                },
                Slot {
                    id: 8,
                    types: (1 << 1) | (1 << 5),
                    state: SlotState::Occupied,
                },
            ],
        }];
        let pam = pam(&frame, 3, "P3", &nodes, &drives, 0, 1_700_000_000_000);
        let wire = csae::encode(&csae::MessageFrame::MsgFrameExt(csae::MessageFrameExt {
            value: csae::Day2Message::Pam(pam.clone()),
        }))
        .unwrap();
        assert!(csae::decode::<csae::MessageFrame>(&wire).is_ok());
        let back = CarPark::from_pam(&frame, [9; 8], &pam, 0);
        assert_eq!((back.key.lot, back.name.as_deref()), (3, Some("P3")));
        assert_eq!(back.drives[0].slots, drives[0].slots);
        for (a, b) in back.nodes.iter().zip(&nodes) {
            assert_eq!((a.id, a.entrance, a.exit), (b.id, b.entrance, b.exit));
            assert!(a.position.distance_to(b.position) < 0.05);
        }
        assert!((back.drives[0].length_m - 30.0).abs() < 0.1);
    }

    #[test]
    fn an_rsc_window_and_slow_down_are_read_back() {
        use roadcloud_world::requests::{GapPlan, LaneChangeAnswer, Yielding, lane_change_answer};
        use roadcloud_world::{LaneRef, LocalFrame, Point, map::NodeId};
        let frame = LocalFrame::new(31.3, 121.15);
        let now = 1_700_000_000_000;
        let answer = LaneChangeAnswer {
            vehicle: [1; 8],
            at: Point::default(),
            target: LaneRef {
                node: NodeId { region: 1, id: 3 },
                upstream: NodeId { region: 1, id: 2 },
                lane: 2,
            },
            merge: true,
            outcome: Ok(GapPlan {
                begin: now + 1_500,
                end: now + 4_500,
                speed_mps: 24.0,
                to_left: true,
                at_begin: Point {
                    east_m: 30.0,
                    north_m: 0.0,
                },
                follower: Some(Yielding {
                    vehicle: [2; 8],
                    speed_mps: 20.0,
                    at_begin: Point::default(),
                }),
            }),
        };
        let rsc = lane_change_answer(&frame, [9; 8], &answer, 1, now);
        let got = coordinations(&rsc);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, [1; 8]);
        let Coordination::Change {
            speed_mps,
            begin_s,
            end_s,
        } = got[0].1
        else {
            panic!("{got:?}")
        };
        assert!((speed_mps - 24.0).abs() < 0.02 && (begin_s - 1.5).abs() < 0.011);
        assert!((end_s - 4.5).abs() < 0.011);
        assert_eq!(
            got[1],
            (
                [2; 8],
                Coordination::Yield {
                    speed_mps: 20.0,
                    end_s: 4.5
                }
            )
        );
        // A refusal asks nothing.
        let refused = LaneChangeAnswer {
            outcome: Err("no gap"),
            ..answer
        };
        assert!(coordinations(&lane_change_answer(&frame, [9; 8], &refused, 2, now)).is_empty());
    }
}
