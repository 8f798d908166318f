//! ASN.1 module `SensorSharing` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `SensorSharingMsg ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct SensorSharingMsg {
    pub msg_cnt: MsgCount,
    pub id: [u8; 8],
    pub equipment_type: EquipmentType,
    pub sec_mark: DSecond,
    pub sensor_pos: Position3D,
    pub detected_region: Option<DetectedRegion>,
    pub participants: Option<DetectedPTCList>,
    pub obstacles: Option<DetectedObstacleList>,
    pub rtes: Option<RTEList>,
}

/// `DetectedRegion ::= SEQUENCE (SIZE(1..8)) OF Polygon`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 8))]
pub struct DetectedRegion(pub Vec<Polygon>);

/// `EquipmentType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum EquipmentType {
    Unknown = 0,
    Rsu = 1,
    Obu = 2,
    Vru = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `DetectedPTCList ::= SEQUENCE (SIZE(1..512)) OF DetectedPTCData`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 512))]
pub struct DetectedPTCList(pub Vec<DetectedPTCData>);

/// `DetectedPTCData ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct DetectedPTCData {
    pub ptc: ParticipantData,
    pub obj_size_confidence: Option<ObjectSizeConfidence>,
    #[asn(name = "detectedPTCType")]
    pub detected_ptc_type: Option<DetectedPTCType>,
    pub type_confidence: Option<Confidence>,
    pub acc4_way_confidence: Option<AccSet4WayConfidence>,
    pub status_duration: Option<TimeOffset>,
    pub path_history: Option<PathHistory>,
    pub planning_list: Option<PlanningList>,
    #[asn(integer(1, 65535))]
    pub tracking: Option<u16>,
    pub polygon: Option<Polygon>,
    #[asn(name = "type-relatedExt")]
    pub type_related_ext: Option<DetectedPTCDataTypeRelatedExt>,
}

/// The type written inline for `type-relatedExt` in `DetectedPTCData`: CHOICE.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(missing_docs)]
pub enum DetectedPTCDataTypeRelatedExt {
    MotorExt(MotorDataExtension),
    #[asn(name = "non-motorExt")]
    NonMotorExt(NonMotorDataExtension),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}

/// `PlanningList ::= SEQUENCE (SIZE(1..8)) OF Planning`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 8))]
pub struct PlanningList(pub Vec<Planning>);

/// `Planning ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct Planning {
    pub duration: Option<PlanningDuration>,
    pub plan_confidence: Option<Confidence>,
    pub driving_behavior: Option<DriveBehavior>,
    pub path_planning: Option<PathPlanning>,
}

/// `PlanningDuration ::= INTEGER (0..600)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 600))]
pub struct PlanningDuration(pub u16);

/// `AccSet4WayConfidence ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct AccSet4WayConfidence {
    pub lon_acc_confidence: AccConfidence,
    pub lat_acc_confidence: AccConfidence,
    pub vert_acc_confidence: AccConfidence,
    pub yaw_rate_con: AngularVConfidence,
}

/// `AccConfidence ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum AccConfidence {
    Unavailable = 0,
    Prec100deg = 1,
    Prec10deg = 2,
    Prec5deg = 3,
    Prec1deg = 4,
    #[asn(name = "prec0-1deg")]
    Prec0_1deg = 5,
    #[asn(name = "prec0-05deg")]
    Prec0_05deg = 6,
    #[asn(name = "prec0-01deg")]
    Prec0_01deg = 7,
}

/// `DetectedPTCType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum DetectedPTCType {
    Unknown = 0,
    #[asn(name = "unknown-movable")]
    UnknownMovable = 1,
    #[asn(name = "unknown-unmovable")]
    UnknownUnmovable = 2,
    Car = 3,
    Van = 4,
    Truck = 5,
    Bus = 6,
    Cyclist = 7,
    Motorcyclist = 8,
    Tricyclist = 9,
    Pedestrian = 10,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `MotorDataExtension ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct MotorDataExtension {
    pub lights: Option<ExteriorLights>,
    pub veh_attitude: Option<Attitude>,
    pub veh_attitude_confidence: Option<AttitudeConfidence>,
    pub veh_ang_vel: Option<AngularVelocity>,
    pub veh_ang_vel_confidence: Option<AngularVelocityConfidence>,
}

/// `Polygon ::= SEQUENCE (SIZE(4..32)) OF PositionOffsetLLV`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(4, 32))]
pub struct Polygon(pub Vec<PositionOffsetLLV>);

/// `Attitude ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct Attitude {
    pub pitch: Pitch,
    pub roll: Roll,
    pub yaw: Yaw,
}

/// `Pitch ::= INTEGER (-7200..7200)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-7200, 7200))]
pub struct Pitch(pub i16);

/// `Roll ::= INTEGER (-7200..7200)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-7200, 7200))]
pub struct Roll(pub i16);

/// `Yaw ::= INTEGER (-14400..14400)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-14400, 14400))]
pub struct Yaw(pub i16);

/// `AttitudeConfidence ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct AttitudeConfidence {
    pub pitch_confidence: HeadingConfidence,
    pub roll_rate_confidence: HeadingConfidence,
    pub yaw_rate: HeadingConfidence,
}

/// `AngularVelocity ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct AngularVelocity {
    pub pitch_rate: PitchRate,
    pub roll_rate: RollRate,
    pub yaw_rate: YawRate,
}

/// `PitchRate ::= INTEGER (-32767..32767)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-32767, 32767))]
pub struct PitchRate(pub i16);

/// `RollRate ::= INTEGER (-32767..32767)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-32767, 32767))]
pub struct RollRate(pub i16);

/// `AngularVelocityConfidence ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct AngularVelocityConfidence {
    pub pitch_rate: AngularVConfidence,
    pub roll_rate: AngularVConfidence,
    pub yaw_rate: AngularVConfidence,
}

/// `AngularVConfidence ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum AngularVConfidence {
    Unavailable = 0,
    Prec100deg = 1,
    Prec10deg = 2,
    Prec5deg = 3,
    Prec1deg = 4,
    #[asn(name = "prec0-1deg")]
    Prec0_1deg = 5,
    #[asn(name = "prec0-05deg")]
    Prec0_05deg = 6,
    #[asn(name = "prec0-01deg")]
    Prec0_01deg = 7,
}

/// `Non-motorDataExtension ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "Non-motorDataExtension")]
#[allow(missing_docs)]
pub struct NonMotorDataExtension {
    #[asn(integer(0, 200))]
    pub overall_radius: u8,
    #[asn(name = "non-motorData")]
    pub non_motor_data: NonMotorData,
}

/// `DetectedObstacleList ::= SEQUENCE (SIZE(1..64)) OF DetectedObstacleData`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 64))]
pub struct DetectedObstacleList(pub Vec<DetectedObstacleData>);

/// `DetectedObstacleData ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct DetectedObstacleData {
    pub obs_type: ObstacleType,
    pub obj_type_confidence: Option<Confidence>,
    #[asn(integer(0, 65535))]
    pub obs_id: u16,
    pub source: SourceType,
    pub sec_mark: DSecond,
    pub pos: PositionOffsetLLV,
    pub pos_confidence: PositionConfidenceSet,
    pub speed: Speed,
    pub speed_cfd: Option<SpeedConfidence>,
    pub heading: Heading,
    pub heading_cfd: Option<HeadingConfidence>,
    pub ver_speed: Option<Speed>,
    pub ver_speed_confidence: Option<SpeedConfidence>,
    pub accel_set: Option<AccelerationSet4Way>,
    pub size: ObjectSize,
    pub obj_size_confidence: Option<ObjectSizeConfidence>,
    #[asn(integer(1, 65535))]
    pub tracking: Option<u16>,
    pub polygon: Option<Polygon>,
}

/// `ObstacleType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum ObstacleType {
    Unknown = 0,
    Rockfall = 1,
    Landslide = 2,
    #[asn(name = "animal-intrusion")]
    AnimalIntrusion = 3,
    #[asn(name = "liquid-spill")]
    LiquidSpill = 4,
    #[asn(name = "goods-scattered")]
    GoodsScattered = 5,
    Trafficcone = 6,
    #[asn(name = "safety-triangle")]
    SafetyTriangle = 7,
    #[asn(name = "traffic-roadblock")]
    TrafficRoadblock = 8,
    #[asn(name = "inspection-shaft-without-cover")]
    InspectionShaftWithoutCover = 9,
    #[asn(name = "unknown-fragments")]
    UnknownFragments = 10,
    #[asn(name = "unknown-hard-object")]
    UnknownHardObject = 11,
    #[asn(name = "unknown-soft-object")]
    UnknownSoftObject = 12,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `ObjectSize ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct ObjectSize {
    pub width: SizeValue,
    pub length: SizeValue,
    pub height: Option<SizeValue>,
}

/// `SizeValue ::= INTEGER (0..1023)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 1023))]
pub struct SizeValue(pub u16);

/// `ObjectSizeConfidence ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct ObjectSizeConfidence {
    pub width_conf: SizeValueConfidence,
    pub length_conf: SizeValueConfidence,
    pub height_conf: Option<SizeValueConfidence>,
}

/// `SizeValueConfidence ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum SizeValueConfidence {
    Unavailable = 0,
    #[asn(name = "size-100-00")]
    Size100_00 = 1,
    #[asn(name = "size-050-00")]
    Size050_00 = 2,
    #[asn(name = "size-020-00")]
    Size020_00 = 3,
    #[asn(name = "size-010-00")]
    Size010_00 = 4,
    #[asn(name = "size-005-00")]
    Size005_00 = 5,
    #[asn(name = "size-002-00")]
    Size002_00 = 6,
    #[asn(name = "size-001-00")]
    Size001_00 = 7,
    #[asn(name = "size-000-50")]
    Size000_50 = 8,
    #[asn(name = "size-000-20")]
    Size000_20 = 9,
    #[asn(name = "size-000-10")]
    Size000_10 = 10,
    #[asn(name = "size-000-05")]
    Size000_05 = 11,
    #[asn(name = "size-000-02")]
    Size000_02 = 12,
    #[asn(name = "size-000-01")]
    Size000_01 = 13,
}
