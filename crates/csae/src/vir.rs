//! ASN.1 module `VIR` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `VehIntentionAndRequest ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct VehIntentionAndRequest {
    pub msg_cnt: MsgCount,
    pub id: [u8; 8],
    pub sec_mark: DSecond,
    pub ref_pos: Position3D,
    pub int_and_req: IARData,
}

/// `IARData ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct IARData {
    pub current_pos: Option<PathPlanningPoint>,
    #[asn(name = "path-Planning")]
    pub path_planning: Option<PathPlanning>,
    pub current_behavior: Option<DriveBehavior>,
    #[asn(seq_of(1, 8))]
    pub reqs: Option<Vec<DriveRequest>>,
}

/// `PathPlanning ::= SEQUENCE (SIZE(1..100)) OF PathPlanningPoint`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 100))]
pub struct PathPlanning(pub Vec<PathPlanningPoint>);

/// `PathPlanningPoint ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PathPlanningPoint {
    pub pos_in_map: Option<ReferenceLink>,
    pub pos: PositionOffsetLLV,
    pub pos_accuracy: Option<PositionConfidenceSet>,
    pub speed: Option<Speed>,
    pub speed_cfd: Option<SpeedConfidence>,
    pub heading: Option<Heading>,
    pub heading_cfd: Option<HeadingConfidence>,
    pub accel_set: Option<AccelerationSet4Way>,
    pub acc4_way_confidence: Option<AccSet4WayConfidence>,
    pub estimated_time: Option<TimeOffset>,
    pub time_confidence: Option<Confidence>,
}

/// `DriveBehavior ::= BIT STRING (SIZE(14, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(14, 14, ext))]
pub struct DriveBehavior(pub BitString);

impl DriveBehavior {
    /// Bit `goStraightForward`.
    pub const GO_STRAIGHT_FORWARD: usize = 0;
    /// Bit `laneChangingToLeft`.
    pub const LANE_CHANGING_TO_LEFT: usize = 1;
    /// Bit `laneChangingToRight`.
    pub const LANE_CHANGING_TO_RIGHT: usize = 2;
    /// Bit `rampIn`.
    pub const RAMP_IN: usize = 3;
    /// Bit `rampOut`.
    pub const RAMP_OUT: usize = 4;
    /// Bit `intersectionStraightThrough`.
    pub const INTERSECTION_STRAIGHT_THROUGH: usize = 5;
    /// Bit `intersectionTurnLeft`.
    pub const INTERSECTION_TURN_LEFT: usize = 6;
    /// Bit `intersectionTurnRight`.
    pub const INTERSECTION_TURN_RIGHT: usize = 7;
    /// Bit `intersectionUTurn`.
    pub const INTERSECTION_U_TURN: usize = 8;
    /// Bit `stop-and-go`.
    pub const STOP_AND_GO: usize = 9;
    /// Bit `stop`.
    pub const STOP: usize = 10;
    /// Bit `slow-down`.
    pub const SLOW_DOWN: usize = 11;
    /// Bit `speed-up`.
    pub const SPEED_UP: usize = 12;
    /// Bit `parking`.
    pub const PARKING: usize = 13;
}

/// `DriveRequest ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct DriveRequest {
    #[asn(name = "reqID", integer(0, 255))]
    pub req_id: u8,
    pub status: ReqStatus,
    pub req_priority: Option<[u8; 1]>,
    pub target_veh: Option<[u8; 8]>,
    #[asn(name = "targetRSU")]
    pub target_rsu: Option<[u8; 8]>,
    pub info: Option<ReqInfo>,
    pub life_time: Option<TimeOffset>,
}

/// `ReqInfo ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(missing_docs)]
pub enum ReqInfo {
    LaneChange(ReqLaneChange),
    ClearTheWay(ReqClearTheWay),
    SignalPriority(ReqSignalPriority),
    SensorSharing(ReqSensorSharing),
    Parking(ReqParkingArea),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}

/// `ReqStatus ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum ReqStatus {
    Unknown = 0,
    Request = 1,
    Comfirmed = 2,
    Cancel = 3,
    Complete = 4,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `Req-LaneChange ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "Req-LaneChange")]
#[allow(missing_docs)]
pub struct ReqLaneChange {
    pub upstream_node: NodeReferenceID,
    pub downstream_node: NodeReferenceID,
    pub target_lane: LaneID,
}

/// `Req-ClearTheWay ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "Req-ClearTheWay")]
#[allow(missing_docs)]
pub struct ReqClearTheWay {
    pub upstream_node: NodeReferenceID,
    pub downstream_node: NodeReferenceID,
    pub target_lane: LaneID,
    pub related_path: Option<ReferencePath>,
    pub t_begin: Option<DDateTime>,
    pub t_end: Option<DDateTime>,
}

/// `Req-SignalPriority ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "Req-SignalPriority")]
#[allow(missing_docs)]
pub struct ReqSignalPriority {
    pub intersection_id: NodeReferenceID,
    pub required_mov: MovementEx,
    pub estimated_arrival_time: Option<TimeOffset>,
    #[asn(integer(0, 10000))]
    pub distance2_intersection: Option<u16>,
}

/// `Req-SensorSharing ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "Req-SensorSharing")]
#[allow(missing_docs)]
pub struct ReqSensorSharing {
    pub detect_area: ReferencePathList,
}

/// `ParkingRequest ::= BIT STRING (SIZE(12, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(12, 12, ext))]
pub struct ParkingRequest(pub BitString);

impl ParkingRequest {
    /// Bit `enter`.
    pub const ENTER: usize = 0;
    /// Bit `exit`.
    pub const EXIT: usize = 1;
    /// Bit `park`.
    pub const PARK: usize = 2;
    /// Bit `pay`.
    pub const PAY: usize = 3;
    /// Bit `unloadPassenger`.
    pub const UNLOAD_PASSENGER: usize = 4;
    /// Bit `pickupPassenger`.
    pub const PICKUP_PASSENGER: usize = 5;
    /// Bit `unloadCargo`.
    pub const UNLOAD_CARGO: usize = 6;
    /// Bit `loadCargo`.
    pub const LOAD_CARGO: usize = 7;
    /// Bit `reserved1`.
    pub const RESERVED1: usize = 8;
    /// Bit `reverved2`.
    pub const REVERVED2: usize = 9;
    /// Bit `reserved3`.
    pub const RESERVED3: usize = 10;
    /// Bit `reverved4`.
    pub const REVERVED4: usize = 11;
}

/// `Req-ParkingArea ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "Req-ParkingArea")]
#[allow(missing_docs)]
pub struct ReqParkingArea {
    pub vehicle_class: VehicleClassification,
    pub req: ParkingRequest,
    pub parking_type: Option<ParkingType>,
    #[asn(name = "expectedParkingSlotID", integer(0, 65535))]
    pub expected_parking_slot_id: Option<u16>,
}
