//! ASN.1 module `DefAcceleration` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `AccelerationSet4Way ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct AccelerationSet4Way {
    pub long: Acceleration,
    pub lat: Acceleration,
    pub vert: VerticalAcceleration,
    pub yaw: YawRate,
}

/// `Acceleration ::= INTEGER (-2000..2001)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-2000, 2001))]
pub struct Acceleration(pub i16);

/// `VerticalAcceleration ::= INTEGER (-127..127)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-127, 127))]
pub struct VerticalAcceleration(pub i8);

/// `YawRate ::= INTEGER (-32767..32767)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-32767, 32767))]
pub struct YawRate(pub i16);
