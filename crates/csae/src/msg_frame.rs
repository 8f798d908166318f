//! ASN.1 module `MsgFrame` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `MsgCount ::= INTEGER (0..127)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 127))]
pub struct MsgCount(pub u8);

/// `MessageFrame ::= CHOICE { bsmFrame, mapFrame, rsmFrame, spatFrame, rsiFrame, ...,
/// msgFrameExt, ... }`: the PDU of every C-V2X message. Day II messages (T/CSAE 157-2020)
/// travel as the extension alternative `msgFrameExt`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(clippy::large_enum_variant)] // a frame is short-lived; boxing would cost every BSM an allocation
pub enum MessageFrame {
    /// Basic safety message, from a vehicle.
    BsmFrame(BasicSafetyMessage),
    /// Map data: intersections, links and lanes, from a roadside unit or the cloud.
    MapFrame(MapData),
    /// Roadside safety message: participants detected by roadside sensors.
    RsmFrame(RoadsideSafetyMessage),
    /// Signal phase and timing.
    SpatFrame(Spat),
    /// Roadside information: events and signs.
    RsiFrame(RoadSideInformation),
    /// A Day II message (T/CSAE 157-2020), carried as an open type.
    #[asn(extension)]
    MsgFrameExt(MessageFrameExt),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}
