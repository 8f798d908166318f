//! ASN.1 module `RSM` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `RoadsideSafetyMessage ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct RoadsideSafetyMessage {
    pub msg_cnt: MsgCount,
    pub id: [u8; 8],
    pub ref_pos: Position3D,
    pub participants: ParticipantList,
}

/// `ParticipantList ::= SEQUENCE (SIZE(1..16)) OF ParticipantData`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 16))]
pub struct ParticipantList(pub Vec<ParticipantData>);

/// `ParticipantData ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct ParticipantData {
    pub ptc_type: ParticipantType,
    #[asn(integer(0, 65535))]
    pub ptc_id: u16,
    pub source: SourceType,
    pub id: Option<[u8; 8]>,
    pub sec_mark: DSecond,
    pub pos: PositionOffsetLLV,
    pub pos_confidence: PositionConfidenceSet,
    pub transmission: Option<TransmissionState>,
    pub speed: Speed,
    pub heading: Heading,
    pub angle: Option<SteeringWheelAngle>,
    pub motion_cfd: Option<MotionConfidenceSet>,
    pub accel_set: Option<AccelerationSet4Way>,
    pub size: VehicleSize,
    pub vehicle_class: Option<VehicleClassification>,
}

/// `ParticipantType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum ParticipantType {
    Unknown = 0,
    Motor = 1,
    #[asn(name = "non-motor")]
    NonMotor = 2,
    Pedestrian = 3,
    Rsu = 4,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `SourceType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum SourceType {
    Unknown = 0,
    Selfinfo = 1,
    V2x = 2,
    Video = 3,
    MicrowaveRadar = 4,
    Loop = 5,
    Lidar = 6,
    Integrated = 7,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}
