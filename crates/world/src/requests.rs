//! Vehicles' requests (VIR, T/CSAE 157-2020 `VehIntentionAndRequest`): what a vehicle asks
//! the road for, in the local frame. The Day-2 services answer them.

use crate::geo::{LocalFrame, Point};
use crate::map::NodeId;
use crate::time::{Millis, resolve_sec_mark};
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
    let position = frame.to_local(
        units::degrees_from_1e7(i64::from(vir.ref_pos.lat.0)),
        units::degrees_from_1e7(i64::from(vir.ref_pos.long.0)),
    );
    vir.int_and_req
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
            let asks = match r.info.as_ref()? {
                csae::ReqInfo::SensorSharing(s) if in_force => Asks::SensorSharing {
                    area: crate::events::reference_paths(frame, &vir.ref_pos, &s.detect_area),
                },
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
        .collect()
}

/// The SSM (T/CSAE 157-2020 `SensorSharingMsg`) that shares `tracks` with a vehicle at
/// `at`, as `sender` (roadcloud's id) at `now`: each track a participant of the fused view
/// (`source` integrated), positioned from the vehicle's place (`sensorPos`), so the offsets
/// stay short. At most 512 (DF_DetectedPTCList); `None` for none.
pub fn sensor_sharing_answer(
    frame: &LocalFrame,
    sender: [u8; 8],
    at: Point,
    tracks: &[&crate::Track],
    msg_cnt: u8,
    now: Millis,
) -> Option<csae::SensorSharingMsg> {
    if tracks.is_empty() {
        return None;
    }
    let (ref_lat, ref_lon) = frame.to_1e7(at);
    let sec_mark = |t: Millis| csae::DSecond(crate::time::sec_mark(t));
    let participants = tracks
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
                pos: csae::PositionOffsetLLV {
                    offset_ll: units::offset_ll(ref_lat, ref_lon, lat, lon),
                    offset_v: None,
                },
                pos_confidence: csae::PositionConfidenceSet {
                    pos: csae::PositionConfidence::Unavailable,
                    elevation: None,
                },
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
        participants: Some(csae::DetectedPTCList(participants)),
        obstacles: None,
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
    let (lat, lon) = frame.to_1e7(answer.at);
    let node = |n: NodeId| csae::NodeReferenceID {
        region: Some(csae::RoadRegulatorID(n.region)),
        id: csae::NodeID(n.id),
    };
    let info = |granted: bool| {
        let set: &[usize] = if granted {
            &[csae::CoordinationInfo::SIGNAL_PRIORITY]
        } else {
            &[]
        };
        csae::CoordinationInfo(csae::BitString::with_bits(8, set))
    };
    let granted = answer.outcome.is_ok();
    csae::RoadsideCoordination {
        msg_cnt: csae::MsgCount(msg_cnt % 128),
        id: sender,
        sec_mark: csae::DSecond(crate::time::sec_mark(now)),
        ref_pos: csae::Position3D {
            lat: csae::Latitude(lat as i32),
            long: csae::Longitude(lon as i32),
            elevation: None,
        },
        coordinates: Some(vec![csae::VehicleCoordination {
            veh_id: answer.vehicle,
            drive_suggestion: None,
            path_guidance: None,
            info: Some(info(granted)),
        }]),
        lane_coordinates: Some(vec![csae::LaneCoordination {
            target_lane: csae::ReferenceLink {
                upstream_node_id: node(answer.link.0),
                downstream_node_id: node(answer.link.1),
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
        }]),
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
