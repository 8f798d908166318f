//! ASN.1 module `VehBrake` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `BrakeSystemStatus ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct BrakeSystemStatus {
    pub brake_padel: Option<BrakePedalStatus>,
    pub wheel_brakes: Option<BrakeAppliedStatus>,
    pub traction: Option<TractionControlStatus>,
    pub abs: Option<AntiLockBrakeStatus>,
    pub scs: Option<StabilityControlStatus>,
    pub brake_boost: Option<BrakeBoostApplied>,
    pub aux_brakes: Option<AuxiliaryBrakeStatus>,
}

/// `BrakePedalStatus ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum BrakePedalStatus {
    Unavailable = 0,
    Off = 1,
    On = 2,
}

/// `BrakeAppliedStatus ::= BIT STRING (SIZE(5))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(5, 5))]
pub struct BrakeAppliedStatus(pub BitString);

impl BrakeAppliedStatus {
    /// Bit `unavailable`.
    pub const UNAVAILABLE: usize = 0;
    /// Bit `leftFront`.
    pub const LEFT_FRONT: usize = 1;
    /// Bit `leftRear`.
    pub const LEFT_REAR: usize = 2;
    /// Bit `rightFront`.
    pub const RIGHT_FRONT: usize = 3;
    /// Bit `rightRear`.
    pub const RIGHT_REAR: usize = 4;
}

/// `BrakeBoostApplied ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum BrakeBoostApplied {
    Unavailable = 0,
    Off = 1,
    On = 2,
}

/// `TractionControlStatus ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum TractionControlStatus {
    Unavailable = 0,
    Off = 1,
    On = 2,
    Engaged = 3,
}

/// `AntiLockBrakeStatus ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum AntiLockBrakeStatus {
    Unavailable = 0,
    Off = 1,
    On = 2,
    Engaged = 3,
}

/// `StabilityControlStatus ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum StabilityControlStatus {
    Unavailable = 0,
    Off = 1,
    On = 2,
    Engaged = 3,
}

/// `AuxiliaryBrakeStatus ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum AuxiliaryBrakeStatus {
    Unavailable = 0,
    Off = 1,
    On = 2,
    Reserved = 3,
}
