//! ASN.1 module `VehSize` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `VehicleSize ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct VehicleSize {
    pub width: VehicleWidth,
    pub length: VehicleLength,
    pub height: Option<VehicleHeight>,
}

/// `VehicleWidth ::= INTEGER (0..1023)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 1023))]
pub struct VehicleWidth(pub u16);

/// `VehicleLength ::= INTEGER (0..4095)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 4095))]
pub struct VehicleLength(pub u16);

/// `VehicleHeight ::= INTEGER (0..127)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 127))]
pub struct VehicleHeight(pub u8);
