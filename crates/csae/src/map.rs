//! ASN.1 module `Map` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `MapData ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct MapData {
    pub msg_cnt: MsgCount,
    pub time_stamp: Option<MinuteOfTheYear>,
    pub nodes: NodeList,
}

/// `NodeList ::= SEQUENCE (SIZE(1..32)) OF Node`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct NodeList(pub Vec<Node>);

/// `Node ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct Node {
    pub name: Option<DescriptiveName>,
    pub id: NodeReferenceID,
    pub ref_pos: Position3D,
    pub in_links: Option<LinkList>,
    #[asn(name = "inLinks-ex", extension)]
    pub in_links_ex: Option<LinkExList>,
    #[asn(extension)]
    pub prohibitedzone: Option<ProhibitedZone>,
}

/// `DescriptiveName ::= IA5String (SIZE(1..63))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(ia5(1, 63))]
pub struct DescriptiveName(pub String);

/// `NodeReferenceID ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct NodeReferenceID {
    pub region: Option<RoadRegulatorID>,
    pub id: NodeID,
}

/// `RoadRegulatorID ::= INTEGER (0..65535)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 65535))]
pub struct RoadRegulatorID(pub u16);

/// `NodeID ::= INTEGER (0..65535)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 65535))]
pub struct NodeID(pub u16);

/// `LinkList ::= SEQUENCE (SIZE(1..32)) OF Link`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct LinkList(pub Vec<Link>);

/// `Link ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct Link {
    pub name: Option<DescriptiveName>,
    pub upstream_node_id: NodeReferenceID,
    pub speed_limits: Option<SpeedLimitList>,
    pub link_width: LaneWidth,
    pub points: Option<PointList>,
    pub movements: Option<MovementList>,
    pub lanes: LaneList,
}

/// `MovementList ::= SEQUENCE (SIZE(1..32)) OF Movement`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct MovementList(pub Vec<Movement>);

/// `Movement ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct Movement {
    pub remote_intersection: NodeReferenceID,
    pub phase_id: Option<PhaseID>,
}

/// `LaneList ::= SEQUENCE (SIZE(1..32)) OF Lane`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct LaneList(pub Vec<Lane>);

/// `Lane ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct Lane {
    #[asn(name = "laneID")]
    pub lane_id: LaneID,
    pub lane_width: Option<LaneWidth>,
    pub lane_attributes: Option<LaneAttributes>,
    pub maneuvers: Option<AllowedManeuvers>,
    pub connects_to: Option<ConnectsToList>,
    pub speed_limits: Option<SpeedLimitList>,
    pub points: Option<PointList>,
}

/// `LaneID ::= INTEGER (0..255)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 255))]
pub struct LaneID(pub u8);

/// `LaneWidth ::= INTEGER (0..32767)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 32767))]
pub struct LaneWidth(pub u16);

/// `ConnectsToList ::= SEQUENCE (SIZE(1..8)) OF Connection`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 8))]
pub struct ConnectsToList(pub Vec<Connection>);

/// `Connection ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct Connection {
    pub remote_intersection: NodeReferenceID,
    pub connecting_lane: Option<ConnectingLane>,
    pub phase_id: Option<PhaseID>,
}

/// `ConnectingLane ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct ConnectingLane {
    pub lane: LaneID,
    pub maneuver: Option<AllowedManeuvers>,
}

/// `AllowedManeuvers ::= BIT STRING (SIZE(12))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(12, 12))]
pub struct AllowedManeuvers(pub BitString);

impl AllowedManeuvers {
    /// Bit `maneuverStraightAllowed`.
    pub const MANEUVER_STRAIGHT_ALLOWED: usize = 0;
    /// Bit `maneuverLeftAllowed`.
    pub const MANEUVER_LEFT_ALLOWED: usize = 1;
    /// Bit `maneuverRightAllowed`.
    pub const MANEUVER_RIGHT_ALLOWED: usize = 2;
    /// Bit `maneuverUTurnAllowed`.
    pub const MANEUVER_U_TURN_ALLOWED: usize = 3;
    /// Bit `maneuverLeftTurnOnRedAllowed`.
    pub const MANEUVER_LEFT_TURN_ON_RED_ALLOWED: usize = 4;
    /// Bit `maneuverRightTurnOnRedAllowed`.
    pub const MANEUVER_RIGHT_TURN_ON_RED_ALLOWED: usize = 5;
    /// Bit `maneuverLaneChangeAllowed`.
    pub const MANEUVER_LANE_CHANGE_ALLOWED: usize = 6;
    /// Bit `maneuverNoStoppingAllowed`.
    pub const MANEUVER_NO_STOPPING_ALLOWED: usize = 7;
    /// Bit `yieldAllwaysRequired`.
    pub const YIELD_ALLWAYS_REQUIRED: usize = 8;
    /// Bit `goWithHalt`.
    pub const GO_WITH_HALT: usize = 9;
    /// Bit `caution`.
    pub const CAUTION: usize = 10;
    /// Bit `reserved1`.
    pub const RESERVED1: usize = 11;
}

/// `LaneAttributes ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct LaneAttributes {
    pub share_with: Option<LaneSharing>,
    pub lane_type: LaneTypeAttributes,
}

/// `LaneSharing ::= BIT STRING (SIZE(10))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(10, 10))]
pub struct LaneSharing(pub BitString);

impl LaneSharing {
    /// Bit `overlappingLaneDescriptionProvided`.
    pub const OVERLAPPING_LANE_DESCRIPTION_PROVIDED: usize = 0;
    /// Bit `multipleLanesTreatedAsOneLane`.
    pub const MULTIPLE_LANES_TREATED_AS_ONE_LANE: usize = 1;
    /// Bit `otherNonMotorizedTrafficTypes`.
    pub const OTHER_NON_MOTORIZED_TRAFFIC_TYPES: usize = 2;
    /// Bit `individualMotorizedVehicleTraffic`.
    pub const INDIVIDUAL_MOTORIZED_VEHICLE_TRAFFIC: usize = 3;
    /// Bit `busVehicleTraffic`.
    pub const BUS_VEHICLE_TRAFFIC: usize = 4;
    /// Bit `taxiVehicleTraffic`.
    pub const TAXI_VEHICLE_TRAFFIC: usize = 5;
    /// Bit `pedestriansTraffic`.
    pub const PEDESTRIANS_TRAFFIC: usize = 6;
    /// Bit `cyclistVehicleTraffic`.
    pub const CYCLIST_VEHICLE_TRAFFIC: usize = 7;
    /// Bit `trackedVehicleTraffic`.
    pub const TRACKED_VEHICLE_TRAFFIC: usize = 8;
    /// Bit `pedestrianTraffic`.
    pub const PEDESTRIAN_TRAFFIC: usize = 9;
}

/// `LaneTypeAttributes ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(missing_docs)]
pub enum LaneTypeAttributes {
    Vehicle(LaneAttributesVehicle),
    Crosswalk(LaneAttributesCrosswalk),
    BikeLane(LaneAttributesBike),
    Sidewalk(LaneAttributesSidewalk),
    Median(LaneAttributesBarrier),
    Striping(LaneAttributesStriping),
    TrackedVehicle(LaneAttributesTrackedVehicle),
    Parking(LaneAttributesParking),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}

/// `LaneAttributes-Vehicle ::= BIT STRING (SIZE(8, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(8, 8, ext), name = "LaneAttributes-Vehicle")]
pub struct LaneAttributesVehicle(pub BitString);

impl LaneAttributesVehicle {
    /// Bit `isVehicleRevocableLane`.
    pub const IS_VEHICLE_REVOCABLE_LANE: usize = 0;
    /// Bit `isRampLane`.
    pub const IS_RAMP_LANE: usize = 1;
    /// Bit `hovLaneUseOnly`.
    pub const HOV_LANE_USE_ONLY: usize = 2;
    /// Bit `restrictedToBusUse`.
    pub const RESTRICTED_TO_BUS_USE: usize = 3;
    /// Bit `restrictedToTaxiUse`.
    pub const RESTRICTED_TO_TAXI_USE: usize = 4;
    /// Bit `restrictedFromPublicUse`.
    pub const RESTRICTED_FROM_PUBLIC_USE: usize = 5;
    /// Bit `emergencyLane`.
    pub const EMERGENCY_LANE: usize = 6;
    /// Bit `permissionOnRequest`.
    pub const PERMISSION_ON_REQUEST: usize = 7;
}

/// `LaneAttributes-Crosswalk ::= BIT STRING (SIZE(16))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(16, 16), name = "LaneAttributes-Crosswalk")]
pub struct LaneAttributesCrosswalk(pub BitString);

impl LaneAttributesCrosswalk {
    /// Bit `crosswalkRevocableLane`.
    pub const CROSSWALK_REVOCABLE_LANE: usize = 0;
    /// Bit `bicyleUseAllowed`.
    pub const BICYLE_USE_ALLOWED: usize = 1;
    /// Bit `isXwalkFlyOverLane`.
    pub const IS_XWALK_FLY_OVER_LANE: usize = 2;
    /// Bit `fixedCycleTime`.
    pub const FIXED_CYCLE_TIME: usize = 3;
    /// Bit `biDirectionalCycleTimes`.
    pub const BI_DIRECTIONAL_CYCLE_TIMES: usize = 4;
    /// Bit `hasPushToWalkButton`.
    pub const HAS_PUSH_TO_WALK_BUTTON: usize = 5;
    /// Bit `audioSupport`.
    pub const AUDIO_SUPPORT: usize = 6;
    /// Bit `rfSignalRequestPresent`.
    pub const RF_SIGNAL_REQUEST_PRESENT: usize = 7;
    /// Bit `unsignalizedSegmentsPresent`.
    pub const UNSIGNALIZED_SEGMENTS_PRESENT: usize = 8;
}

/// `LaneAttributes-Bike ::= BIT STRING (SIZE(16))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(16, 16), name = "LaneAttributes-Bike")]
pub struct LaneAttributesBike(pub BitString);

impl LaneAttributesBike {
    /// Bit `bikeRevocableLane`.
    pub const BIKE_REVOCABLE_LANE: usize = 0;
    /// Bit `pedestrianUseAllowed`.
    pub const PEDESTRIAN_USE_ALLOWED: usize = 1;
    /// Bit `isBikeFlyOverLane`.
    pub const IS_BIKE_FLY_OVER_LANE: usize = 2;
    /// Bit `fixedCycleTime`.
    pub const FIXED_CYCLE_TIME: usize = 3;
    /// Bit `biDirectionalCycleTimes`.
    pub const BI_DIRECTIONAL_CYCLE_TIMES: usize = 4;
    /// Bit `isolatedByBarrier`.
    pub const ISOLATED_BY_BARRIER: usize = 5;
    /// Bit `unsignalizedSegmentsPresent`.
    pub const UNSIGNALIZED_SEGMENTS_PRESENT: usize = 6;
}

/// `LaneAttributes-Sidewalk ::= BIT STRING (SIZE(16))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(16, 16), name = "LaneAttributes-Sidewalk")]
pub struct LaneAttributesSidewalk(pub BitString);

impl LaneAttributesSidewalk {
    /// Bit `sidewalk-RevocableLane`.
    pub const SIDEWALK_REVOCABLE_LANE: usize = 0;
    /// Bit `bicyleUseAllowed`.
    pub const BICYLE_USE_ALLOWED: usize = 1;
    /// Bit `isSidewalkFlyOverLane`.
    pub const IS_SIDEWALK_FLY_OVER_LANE: usize = 2;
    /// Bit `walkBikes`.
    pub const WALK_BIKES: usize = 3;
}

/// `LaneAttributes-Barrier ::= BIT STRING (SIZE(16))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(16, 16), name = "LaneAttributes-Barrier")]
pub struct LaneAttributesBarrier(pub BitString);

impl LaneAttributesBarrier {
    /// Bit `median-RevocableLane`.
    pub const MEDIAN_REVOCABLE_LANE: usize = 0;
    /// Bit `median`.
    pub const MEDIAN: usize = 1;
    /// Bit `whiteLineHashing`.
    pub const WHITE_LINE_HASHING: usize = 2;
    /// Bit `stripedLines`.
    pub const STRIPED_LINES: usize = 3;
    /// Bit `doubleStripedLines`.
    pub const DOUBLE_STRIPED_LINES: usize = 4;
    /// Bit `trafficCones`.
    pub const TRAFFIC_CONES: usize = 5;
    /// Bit `constructionBarrier`.
    pub const CONSTRUCTION_BARRIER: usize = 6;
    /// Bit `trafficChannels`.
    pub const TRAFFIC_CHANNELS: usize = 7;
    /// Bit `lowCurbs`.
    pub const LOW_CURBS: usize = 8;
    /// Bit `highCurbs`.
    pub const HIGH_CURBS: usize = 9;
}

/// `LaneAttributes-Striping ::= BIT STRING (SIZE(16))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(16, 16), name = "LaneAttributes-Striping")]
pub struct LaneAttributesStriping(pub BitString);

impl LaneAttributesStriping {
    /// Bit `stripeToConnectingLanesRevocableLane`.
    pub const STRIPE_TO_CONNECTING_LANES_REVOCABLE_LANE: usize = 0;
    /// Bit `stripeDrawOnLeft`.
    pub const STRIPE_DRAW_ON_LEFT: usize = 1;
    /// Bit `stripeDrawOnRight`.
    pub const STRIPE_DRAW_ON_RIGHT: usize = 2;
    /// Bit `stripeToConnectingLanesLeft`.
    pub const STRIPE_TO_CONNECTING_LANES_LEFT: usize = 3;
    /// Bit `stripeToConnectingLanesRight`.
    pub const STRIPE_TO_CONNECTING_LANES_RIGHT: usize = 4;
    /// Bit `stripeToConnectingLanesAhead`.
    pub const STRIPE_TO_CONNECTING_LANES_AHEAD: usize = 5;
}

/// `LaneAttributes-TrackedVehicle ::= BIT STRING (SIZE(16))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(16, 16), name = "LaneAttributes-TrackedVehicle")]
pub struct LaneAttributesTrackedVehicle(pub BitString);

impl LaneAttributesTrackedVehicle {
    /// Bit `spec-RevocableLane`.
    pub const SPEC_REVOCABLE_LANE: usize = 0;
    /// Bit `spec-commuterRailRoadTrack`.
    pub const SPEC_COMMUTER_RAIL_ROAD_TRACK: usize = 1;
    /// Bit `spec-lightRailRoadTrack`.
    pub const SPEC_LIGHT_RAIL_ROAD_TRACK: usize = 2;
    /// Bit `spec-heavyRailRoadTrack`.
    pub const SPEC_HEAVY_RAIL_ROAD_TRACK: usize = 3;
    /// Bit `spec-otherRailType`.
    pub const SPEC_OTHER_RAIL_TYPE: usize = 4;
}

/// `LaneAttributes-Parking ::= BIT STRING (SIZE(16))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(16, 16), name = "LaneAttributes-Parking")]
pub struct LaneAttributesParking(pub BitString);

impl LaneAttributesParking {
    /// Bit `parkingRevocableLane`.
    pub const PARKING_REVOCABLE_LANE: usize = 0;
    /// Bit `parallelParkingInUse`.
    pub const PARALLEL_PARKING_IN_USE: usize = 1;
    /// Bit `headInParkingInUse`.
    pub const HEAD_IN_PARKING_IN_USE: usize = 2;
    /// Bit `doNotParkZone`.
    pub const DO_NOT_PARK_ZONE: usize = 3;
    /// Bit `parkingForBusUse`.
    pub const PARKING_FOR_BUS_USE: usize = 4;
    /// Bit `parkingForTaxiUse`.
    pub const PARKING_FOR_TAXI_USE: usize = 5;
    /// Bit `noPublicParkingUse`.
    pub const NO_PUBLIC_PARKING_USE: usize = 6;
}

/// `SpeedLimitList ::= SEQUENCE (SIZE(1..9)) OF RegulatorySpeedLimit`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 9))]
pub struct SpeedLimitList(pub Vec<RegulatorySpeedLimit>);

/// `RegulatorySpeedLimit ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct RegulatorySpeedLimit {
    pub r#type: SpeedLimitType,
    pub speed: Speed,
}

/// `SpeedLimitType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum SpeedLimitType {
    Unknown = 0,
    MaxSpeedInSchoolZone = 1,
    MaxSpeedInSchoolZoneWhenChildrenArePresent = 2,
    MaxSpeedInConstructionZone = 3,
    VehicleMinSpeed = 4,
    VehicleMaxSpeed = 5,
    VehicleNightMaxSpeed = 6,
    TruckMinSpeed = 7,
    TruckMaxSpeed = 8,
    TruckNightMaxSpeed = 9,
    VehiclesWithTrailersMinSpeed = 10,
    VehiclesWithTrailersMaxSpeed = 11,
    VehiclesWithTrailersNightMaxSpeed = 12,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `PointList ::= SEQUENCE (SIZE(2..31)) OF RoadPoint`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(2, 31))]
pub struct PointList(pub Vec<RoadPoint>);

/// `RoadPoint ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct RoadPoint {
    pub pos_offset: PositionOffsetLLV,
}

/// `LinkExList ::= SEQUENCE (SIZE(1..32)) OF LinkEx`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct LinkExList(pub Vec<LinkEx>);

/// `LinkEx ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct LinkEx {
    pub name: Option<DescriptiveName>,
    pub upstream_node_id: NodeReferenceID,
    pub speed_limits: Option<SpeedLimitList>,
    pub link_width: Option<LaneWidth>,
    pub ref_line: Option<PointList>,
    #[asn(name = "movements-ex")]
    pub movements_ex: Option<MovementExList>,
    pub sections: SectionList,
}

/// `MovementExList ::= SEQUENCE (SIZE(1..32)) OF MovementEx`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct MovementExList(pub Vec<MovementEx>);

/// `MovementEx ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct MovementEx {
    pub remote_intersection: NodeReferenceID,
    pub phase_id: Option<PhaseID>,
    #[asn(name = "turn-direction")]
    pub turn_direction: Option<Maneuver>,
}

/// `Maneuver ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum Maneuver {
    ManeuverStraight = 0,
    ManeuverLeftTurn = 1,
    ManeuverRightTurn = 2,
    ManeuverUTurn = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `SectionList ::= SEQUENCE (SIZE(1..16)) OF Section`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 16))]
pub struct SectionList(pub Vec<Section>);

/// `Section ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct Section {
    pub sec_id: SectionId,
    pub lanes: LaneExList,
}

/// `SectionId ::= INTEGER (1..63)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(1, 63))]
pub struct SectionId(pub u8);

/// `LaneExList ::= SEQUENCE (SIZE(1..32)) OF LaneEx`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct LaneExList(pub Vec<LaneEx>);

/// `LaneEx ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct LaneEx {
    #[asn(name = "laneRefID")]
    pub lane_ref_id: LaneRefID,
    pub lane_width: Option<LaneWidth>,
    pub lane_attributes: Option<LaneAttributes>,
    pub maneuvers: Option<AllowedManeuvers>,
    #[asn(name = "connectsTo-ex")]
    pub connects_to_ex: Option<ConnectsToExList>,
    pub speed_limits: Option<SpeedLimitList>,
    #[asn(name = "st-points")]
    pub st_points: Option<STPointList>,
    pub lane_line_type: Option<LaneLineType>,
}

/// `LaneLineType ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct LaneLineType {
    pub left_lane_line: DottedSolidMarkingLineType,
    pub right_lane_line: DottedSolidMarkingLineType,
}

/// `Dotted-SolidMarkingLineType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible, name = "Dotted-SolidMarkingLineType")]
#[allow(missing_docs)]
#[repr(u32)]
pub enum DottedSolidMarkingLineType {
    WhiteDottedLine = 0,
    WhiteSolidLine = 1,
    YellowDottedLine = 2,
    YellowSolidLine = 3,
    #[asn(name = "whiteDotted-solidLine")]
    WhiteDottedSolidLine = 4,
    #[asn(name = "whiteSotted-dottedLine")]
    WhiteSottedDottedLine = 5,
    #[asn(name = "yellowDotted-solidLine")]
    YellowDottedSolidLine = 6,
    #[asn(name = "yellowSotted-dottedLine")]
    YellowSottedDottedLine = 7,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `LaneRefID ::= INTEGER (-31..31)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-31, 31))]
pub struct LaneRefID(pub i8);

/// `ConnectsToExList ::= SEQUENCE (SIZE(1..32)) OF ConnectionEx`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct ConnectsToExList(pub Vec<ConnectionEx>);

/// `ConnectionEx ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct ConnectionEx {
    pub remote_intersection: NodeReferenceID,
    pub swl: Option<SignalWaitingLane>,
    #[asn(seq_of(1, 16))]
    pub connecting_lane: Option<Vec<ConnectingLaneEx>>,
    pub phase_id: Option<PhaseID>,
    #[asn(name = "turn-direction")]
    pub turn_direction: Option<Maneuver>,
}

/// `SignalWaitingLane ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct SignalWaitingLane {
    pub lane_width: LaneWidth,
    pub points: PointList,
    #[asn(seq_of(1, 7))]
    pub allowed_phase_ids: Option<Vec<PhaseID>>,
}

/// `ConnectingLaneEx ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct ConnectingLaneEx {
    #[asn(name = "target-section")]
    pub target_section: SectionId,
    #[asn(name = "target-lane")]
    pub target_lane: LaneRefID,
    pub connecting_lane_width: Option<LaneWidth>,
    pub connecting_lane_points: Option<PointList>,
    pub isolated_connecting_lane: Option<bool>,
}

/// `STPointList ::= SEQUENCE (SIZE(2..63)) OF ST-Point`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(2, 63))]
pub struct STPointList(pub Vec<STPoint>);

/// `ST-Point ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "ST-Point")]
#[allow(missing_docs)]
pub struct STPoint {
    #[asn(name = "s-axis", integer(-1024, 65535))]
    pub s_axis: i32,
    #[asn(name = "t-axis", integer(-32768, 32767))]
    pub t_axis: i16,
}

/// `ProhibitedZone ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct ProhibitedZone {
    pub central_circle_prohibited_zone: Option<Polygon>,
    #[asn(name = "non-motorVehicleProhibitedZones", seq_of(1, 16))]
    pub non_motor_vehicle_prohibited_zones: Option<Vec<Polygon>>,
    #[asn(seq_of(2, 16))]
    pub grid_line_marking_prohibited_zones: Option<Vec<Polygon>>,
}
