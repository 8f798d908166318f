//! ASN.1 module `RSI` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `RoadSideInformation ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct RoadSideInformation {
    pub msg_cnt: MsgCount,
    pub moy: Option<MinuteOfTheYear>,
    pub id: [u8; 8],
    pub ref_pos: Position3D,
    pub rtes: Option<RTEList>,
    pub rtss: Option<RTSList>,
}

/// `RTEList ::= SEQUENCE (SIZE(1..8)) OF RTEData`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 8))]
pub struct RTEList(pub Vec<RTEData>);

/// `RTEData ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct RTEData {
    #[asn(integer(0, 255))]
    pub rte_id: u8,
    pub event_type: EventType,
    pub event_source: EventSource,
    pub event_pos: Option<PositionOffsetLLV>,
    pub event_radius: Option<Radius>,
    pub description: Option<Description>,
    pub time_details: Option<RSITimeDetails>,
    pub priority: Option<RSIPriority>,
    pub reference_paths: Option<ReferencePathList>,
    pub reference_links: Option<ReferenceLinkList>,
    pub event_confidence: Option<Confidence>,
}

/// `EventSource ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum EventSource {
    Unknown = 0,
    Police = 1,
    Government = 2,
    Meteorological = 3,
    Internet = 4,
    Detection = 5,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `EventType ::= INTEGER (0..65535)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 65535))]
pub struct EventType(pub u16);

/// `RSITimeDetails ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct RSITimeDetails {
    pub start_time: Option<MinuteOfTheYear>,
    pub end_time: Option<MinuteOfTheYear>,
    pub end_time_confidence: Option<TimeConfidence>,
}

/// `ReferencePathList ::= SEQUENCE (SIZE(1..8)) OF ReferencePath`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 8))]
pub struct ReferencePathList(pub Vec<ReferencePath>);

/// `ReferencePath ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct ReferencePath {
    pub active_path: PathPointList,
    pub path_radius: Radius,
}

/// `RTSList ::= SEQUENCE (SIZE(1..16)) OF RTSData`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 16))]
pub struct RTSList(pub Vec<RTSData>);

/// `RTSData ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct RTSData {
    #[asn(integer(0, 255))]
    pub rts_id: u8,
    pub sign_type: SignType,
    pub sign_pos: Option<PositionOffsetLLV>,
    pub description: Option<Description>,
    pub time_details: Option<RSITimeDetails>,
    pub priority: Option<RSIPriority>,
    pub reference_paths: Option<ReferencePathList>,
    pub reference_links: Option<ReferenceLinkList>,
    #[asn(extension)]
    pub auxiliary_sign: Option<AuxiliarySign>,
}

/// `AuxiliarySign ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct AuxiliarySign {
    pub sign_with_vehicle_type: Option<AuxiliarySignVehicleType>,
    pub sign_direction: Option<AuxiliarySignDirection>,
}

/// `AuxiliarySignVehicleType ::= BIT STRING (SIZE(5, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(5, 5, ext))]
pub struct AuxiliarySignVehicleType(pub BitString);

impl AuxiliarySignVehicleType {
    /// Bit `restrictedFromBus`.
    pub const RESTRICTED_FROM_BUS: usize = 0;
    /// Bit `vehicle`.
    pub const VEHICLE: usize = 1;
    /// Bit `truck`.
    pub const TRUCK: usize = 2;
    /// Bit `tractor`.
    pub const TRACTOR: usize = 3;
    /// Bit `private`.
    pub const PRIVATE: usize = 4;
}

/// `AuxiliarySignDirection ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum AuxiliarySignDirection {
    Straight = 0,
    LeftAndRight = 1,
    Right = 2,
    Left = 3,
    LeftFrontTurn = 4,
    RightFronTurn = 5,
    RightRearTurn = 6,
    LeftRearTurn = 7,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `Description ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice)]
#[allow(missing_docs)]
pub enum Description {
    TextString(#[asn(ia5(1, 512))] String),
    TextGB2312(#[asn(octets(2, 512))] Vec<u8>),
}

/// `ReferenceLinkList ::= SEQUENCE (SIZE(1..16)) OF ReferenceLink`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 16))]
pub struct ReferenceLinkList(pub Vec<ReferenceLink>);

/// `ReferenceLink ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct ReferenceLink {
    pub upstream_node_id: NodeReferenceID,
    pub downstream_node_id: NodeReferenceID,
    pub reference_lanes: Option<ReferenceLanes>,
}

/// `ReferenceLanes ::= BIT STRING (SIZE(16))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(16, 16))]
pub struct ReferenceLanes(pub BitString);

impl ReferenceLanes {
    /// Bit `reserved`.
    pub const RESERVED: usize = 0;
    /// Bit `lane1`.
    pub const LANE1: usize = 1;
    /// Bit `lane2`.
    pub const LANE2: usize = 2;
    /// Bit `lane3`.
    pub const LANE3: usize = 3;
    /// Bit `lane4`.
    pub const LANE4: usize = 4;
    /// Bit `lane5`.
    pub const LANE5: usize = 5;
    /// Bit `lane6`.
    pub const LANE6: usize = 6;
    /// Bit `lane7`.
    pub const LANE7: usize = 7;
    /// Bit `lane8`.
    pub const LANE8: usize = 8;
    /// Bit `lane9`.
    pub const LANE9: usize = 9;
    /// Bit `lane10`.
    pub const LANE10: usize = 10;
    /// Bit `lane11`.
    pub const LANE11: usize = 11;
    /// Bit `lane12`.
    pub const LANE12: usize = 12;
    /// Bit `lane13`.
    pub const LANE13: usize = 13;
    /// Bit `lane14`.
    pub const LANE14: usize = 14;
    /// Bit `lane15`.
    pub const LANE15: usize = 15;
}

/// `SignType ::= INTEGER (0..65535)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 65535))]
pub struct SignType(pub u16);

/// `PathPointList ::= SEQUENCE (SIZE(2..32)) OF PositionOffsetLLV`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(2, 32))]
pub struct PathPointList(pub Vec<PositionOffsetLLV>);

/// `Radius ::= INTEGER (0..65535)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 65535))]
pub struct Radius(pub u16);

/// `RSIPriority ::= OCTET STRING (SIZE(1))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Asn)]
#[asn(transparent)]
pub struct RSIPriority(pub [u8; 1]);
