//! ASN.1 module `RSC` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `RoadsideCoordination ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct RoadsideCoordination {
    pub msg_cnt: MsgCount,
    pub id: [u8; 8],
    pub sec_mark: DSecond,
    pub ref_pos: Position3D,
    #[asn(seq_of(1, 16))]
    pub coordinates: Option<Vec<VehicleCoordination>>,
    #[asn(seq_of(1, 8))]
    pub lane_coordinates: Option<Vec<LaneCoordination>>,
}

/// `LaneCoordination ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct LaneCoordination {
    pub target_lane: ReferenceLink,
    pub related_path: Option<ReferencePath>,
    pub t_begin: Option<DDateTime>,
    pub t_end: Option<DDateTime>,
    pub recommended_speed: Option<Speed>,
    pub recommended_behavior: Option<DriveBehavior>,
    pub info: Option<CoordinationInfo>,
    pub description: Option<Description>,
}

/// `VehicleCoordination ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct VehicleCoordination {
    pub veh_id: [u8; 8],
    pub drive_suggestion: Option<DriveSuggestion>,
    pub path_guidance: Option<PathPlanning>,
    pub info: Option<CoordinationInfo>,
}

/// `CoordinationInfo ::= BIT STRING (SIZE(8, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(8, 8, ext))]
pub struct CoordinationInfo(pub BitString);

impl CoordinationInfo {
    /// Bit `cooperativeLaneChanging`.
    pub const COOPERATIVE_LANE_CHANGING: usize = 0;
    /// Bit `cooperativeVehMerging`.
    pub const COOPERATIVE_VEH_MERGING: usize = 1;
    /// Bit `laneChangingAtIntersection`.
    pub const LANE_CHANGING_AT_INTERSECTION: usize = 2;
    /// Bit `no-signalIntersectionPassing`.
    pub const NO_SIGNAL_INTERSECTION_PASSING: usize = 3;
    /// Bit `dynamicLaneManagement`.
    pub const DYNAMIC_LANE_MANAGEMENT: usize = 4;
    /// Bit `laneReservation`.
    pub const LANE_RESERVATION: usize = 5;
    /// Bit `laneRestriction`.
    pub const LANE_RESTRICTION: usize = 6;
    /// Bit `signalPriority`.
    pub const SIGNAL_PRIORITY: usize = 7;
}

/// `DriveSuggestion ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct DriveSuggestion {
    pub suggestion: DriveBehavior,
    pub life_time: Option<TimeOffset>,
    pub related_link: Option<ReferenceLink>,
    pub related_path: Option<ReferencePath>,
}
