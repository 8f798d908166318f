//! ASN.1 module `PAM` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `PAMData ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PAMData {
    pub msg_cnt: MsgCount,
    pub time_stamp: Option<MinuteOfTheYear>,
    pub parking_lot_info: ParkingLotInfo,
    pub pam_nodes: PAMNodeList,
    #[asn(seq_of(1, 16))]
    pub parking_area_guidance: Option<Vec<ParkingGuide>>,
}

/// `ParkingLotInfo ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct ParkingLotInfo {
    #[asn(integer(0, 65535))]
    pub id: Option<u16>,
    pub name: Option<DescriptiveName>,
    #[asn(integer(0, 65535))]
    pub number: Option<u16>,
    #[asn(integer(0, 256))]
    pub building_layer_num: Option<u16>,
    pub avp_type: Option<AVPType>,
}

/// `AVPType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum AVPType {
    P0 = 0,
    P1 = 1,
    P2 = 2,
    P3 = 3,
    P4 = 4,
    P5 = 5,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `PAMNodeList ::= SEQUENCE (SIZE(1..63)) OF PAMNode`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 63))]
pub struct PAMNodeList(pub Vec<PAMNode>);

/// `PAMNode ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PAMNode {
    pub id: PAMNodeID,
    pub ref_pos: Position3D,
    #[asn(integer(-128, 128))]
    pub floor: Option<i16>,
    pub attributes: Option<PAMNodeAttributes>,
    pub in_drives: Option<PAMDriveList>,
}

/// `PAMNodeID ::= INTEGER (0..65535)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 65535))]
pub struct PAMNodeID(pub u16);

/// `PAMNodeAttributes ::= BIT STRING (SIZE(8, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(8, 8, ext))]
pub struct PAMNodeAttributes(pub BitString);

impl PAMNodeAttributes {
    /// Bit `entrance`.
    pub const ENTRANCE: usize = 0;
    /// Bit `exit`.
    pub const EXIT: usize = 1;
    /// Bit `toUpstair`.
    pub const TO_UPSTAIR: usize = 2;
    /// Bit `toDownstair`.
    pub const TO_DOWNSTAIR: usize = 3;
    /// Bit `etc`.
    pub const ETC: usize = 4;
    /// Bit `mtc`.
    pub const MTC: usize = 5;
    /// Bit `passAfterPayment`.
    pub const PASS_AFTER_PAYMENT: usize = 6;
    /// Bit `blocked`.
    pub const BLOCKED: usize = 7;
}

/// `PAMDriveList ::= SEQUENCE (SIZE(1..63)) OF PAMDrive`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 63))]
pub struct PAMDriveList(pub Vec<PAMDrive>);

/// `PAMDrive ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PAMDrive {
    #[asn(name = "upstreamPAMNodeId")]
    pub upstream_pam_node_id: PAMNodeID,
    #[asn(name = "driveID", integer(0, 255))]
    pub drive_id: Option<u8>,
    pub twoway_sepration: Option<bool>,
    pub speed_limit: Option<Speed>,
    #[asn(integer(0, 100))]
    pub height_restriction: Option<u8>,
    pub drive_width: Option<LaneWidth>,
    #[asn(integer(0, 100))]
    pub lane_num: Option<u8>,
    pub points: Option<PointList>,
    pub movements: Option<PAMMovementList>,
    pub parking_slots: Option<ParkingSlots>,
}

/// `PAMMovementList ::= SEQUENCE (SIZE(1..32)) OF PAMNodeID`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct PAMMovementList(pub Vec<PAMNodeID>);

/// `ParkingSlots ::= SEQUENCE (SIZE(1..256)) OF ParkingSlot`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 256))]
pub struct ParkingSlots(pub Vec<ParkingSlot>);

/// `ParkingSlot ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct ParkingSlot {
    #[asn(name = "slotID", integer(0, 65535))]
    pub slot_id: u16,
    pub position: Option<ParkingSlotPosition>,
    pub sign: Option<DescriptiveName>,
    pub parking_type: ParkingType,
    pub status: SlotStatus,
    pub parking_space_theta: ParkingSpaceTheta,
    pub parking_lock: ParkingLock,
}

/// `ParkingSlotPosition ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct ParkingSlotPosition {
    pub top_left: PositionOffsetLLV,
    pub top_right: PositionOffsetLLV,
    pub bottom_left: PositionOffsetLLV,
}

/// `ParkingLock ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum ParkingLock {
    Unknown = 0,
    Nolock = 1,
    Locked = 2,
    Unlocked = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `ParkingSpaceTheta ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum ParkingSpaceTheta {
    Unknown = 0,
    Vertical = 1,
    Side = 2,
    Oblique = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `SlotStatus ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum SlotStatus {
    Unknown = 0,
    Available = 1,
    Occupied = 2,
    Reserved = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `ParkingType ::= BIT STRING (SIZE(10, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(10, 10, ext))]
pub struct ParkingType(pub BitString);

impl ParkingType {
    /// Bit `unknown`.
    pub const UNKNOWN: usize = 0;
    /// Bit `ordinary`.
    pub const ORDINARY: usize = 1;
    /// Bit `disabled`.
    pub const DISABLED: usize = 2;
    /// Bit `mini`.
    pub const MINI: usize = 3;
    /// Bit `attached`.
    pub const ATTACHED: usize = 4;
    /// Bit `charging`.
    pub const CHARGING: usize = 5;
    /// Bit `stereo`.
    pub const STEREO: usize = 6;
    /// Bit `lady`.
    pub const LADY: usize = 7;
    /// Bit `extended`.
    pub const EXTENDED: usize = 8;
    /// Bit `private`.
    pub const PRIVATE: usize = 9;
}

/// `ParkingGuide ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct ParkingGuide {
    pub veh_id: [u8; 8],
    #[asn(seq_of(1, 32))]
    pub drive_path: Vec<PAMNodeID>,
    #[asn(integer(0, 65535))]
    pub target_parking_slot: Option<u16>,
}
