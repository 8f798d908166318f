//! ASN.1 module `DefMotion` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `Speed ::= INTEGER (0..8191)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 8191))]
pub struct Speed(pub u16);

/// `Heading ::= INTEGER (0..28800)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 28800))]
pub struct Heading(pub u16);

/// `CoarseHeading ::= INTEGER (0..240)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 240))]
pub struct CoarseHeading(pub u8);

/// `SteeringWheelAngle ::= INTEGER (-126..127)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-126, 127))]
pub struct SteeringWheelAngle(pub i8);

/// `MotionConfidenceSet ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct MotionConfidenceSet {
    pub speed_cfd: Option<SpeedConfidence>,
    pub heading_cfd: Option<HeadingConfidence>,
    pub steer_cfd: Option<SteeringWheelAngleConfidence>,
}

/// `HeadingConfidence ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum HeadingConfidence {
    Unavailable = 0,
    Prec10deg = 1,
    Prec05deg = 2,
    Prec01deg = 3,
    #[asn(name = "prec0-1deg")]
    Prec0_1deg = 4,
    #[asn(name = "prec0-05deg")]
    Prec0_05deg = 5,
    #[asn(name = "prec0-01deg")]
    Prec0_01deg = 6,
    #[asn(name = "prec0-0125deg")]
    Prec0_0125deg = 7,
}

/// `SpeedConfidence ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum SpeedConfidence {
    Unavailable = 0,
    Prec100ms = 1,
    Prec10ms = 2,
    Prec5ms = 3,
    Prec1ms = 4,
    #[asn(name = "prec0-1ms")]
    Prec0_1ms = 5,
    #[asn(name = "prec0-05ms")]
    Prec0_05ms = 6,
    #[asn(name = "prec0-01ms")]
    Prec0_01ms = 7,
}

/// `SteeringWheelAngleConfidence ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum SteeringWheelAngleConfidence {
    Unavailable = 0,
    Prec2deg = 1,
    Prec1deg = 2,
    #[asn(name = "prec0-02deg")]
    Prec0_02deg = 3,
}
