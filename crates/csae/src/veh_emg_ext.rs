//! ASN.1 module `VehEmgExt` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `VehicleEmergencyExtensions ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct VehicleEmergencyExtensions {
    pub response_type: Option<ResponseType>,
    pub siren_use: Option<SirenInUse>,
    pub lights_use: Option<LightbarInUse>,
}

/// `ResponseType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum ResponseType {
    NotInUseOrNotEquipped = 0,
    Emergency = 1,
    NonEmergency = 2,
    Pursuit = 3,
    Stationary = 4,
    SlowMoving = 5,
    StopAndGoMovement = 6,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `SirenInUse ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum SirenInUse {
    Unavailable = 0,
    NotInUse = 1,
    InUse = 2,
    Reserved = 3,
}

/// `LightbarInUse ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum LightbarInUse {
    Unavailable = 0,
    NotInUse = 1,
    InUse = 2,
    YellowCautionLights = 3,
    SchooldBusLights = 4,
    ArrowSignsActive = 5,
    SlowMovingVehicle = 6,
    FreqStops = 7,
}
