//! ASN.1 module `DefPosition` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `Latitude ::= INTEGER (-900000000..900000001)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-900000000, 900000001))]
pub struct Latitude(pub i32);

/// `Longitude ::= INTEGER (-1799999999..1800000001)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-1799999999, 1800000001))]
pub struct Longitude(pub i32);

/// `Elevation ::= INTEGER (-4096..61439)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-4096, 61439))]
pub struct Elevation(pub i32);

/// `PositionConfidenceSet ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct PositionConfidenceSet {
    pub pos: PositionConfidence,
    pub elevation: Option<ElevationConfidence>,
}

/// `PositionConfidence ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum PositionConfidence {
    Unavailable = 0,
    A500m = 1,
    A200m = 2,
    A100m = 3,
    A50m = 4,
    A20m = 5,
    A10m = 6,
    A5m = 7,
    A2m = 8,
    A1m = 9,
    A50cm = 10,
    A20cm = 11,
    A10cm = 12,
    A5cm = 13,
    A2cm = 14,
    A1cm = 15,
}

/// `ElevationConfidence ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum ElevationConfidence {
    Unavailable = 0,
    #[asn(name = "elev-500-00")]
    Elev500_00 = 1,
    #[asn(name = "elev-200-00")]
    Elev200_00 = 2,
    #[asn(name = "elev-100-00")]
    Elev100_00 = 3,
    #[asn(name = "elev-050-00")]
    Elev050_00 = 4,
    #[asn(name = "elev-020-00")]
    Elev020_00 = 5,
    #[asn(name = "elev-010-00")]
    Elev010_00 = 6,
    #[asn(name = "elev-005-00")]
    Elev005_00 = 7,
    #[asn(name = "elev-002-00")]
    Elev002_00 = 8,
    #[asn(name = "elev-001-00")]
    Elev001_00 = 9,
    #[asn(name = "elev-000-50")]
    Elev000_50 = 10,
    #[asn(name = "elev-000-20")]
    Elev000_20 = 11,
    #[asn(name = "elev-000-10")]
    Elev000_10 = 12,
    #[asn(name = "elev-000-05")]
    Elev000_05 = 13,
    #[asn(name = "elev-000-02")]
    Elev000_02 = 14,
    #[asn(name = "elev-000-01")]
    Elev000_01 = 15,
}

/// `Position3D ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct Position3D {
    pub lat: Latitude,
    pub long: Longitude,
    pub elevation: Option<Elevation>,
}

/// `SemiMajorAxisAccuracy ::= INTEGER (0..255)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 255))]
pub struct SemiMajorAxisAccuracy(pub u8);

/// `SemiMinorAxisAccuracy ::= INTEGER (0..255)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 255))]
pub struct SemiMinorAxisAccuracy(pub u8);

/// `SemiMajorAxisOrientation ::= INTEGER (0..65535)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 65535))]
pub struct SemiMajorAxisOrientation(pub u16);

/// `PositionalAccuracy ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct PositionalAccuracy {
    pub semi_major: SemiMajorAxisAccuracy,
    pub semi_minor: SemiMinorAxisAccuracy,
    pub orientation: SemiMajorAxisOrientation,
}
