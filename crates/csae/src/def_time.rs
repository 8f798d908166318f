//! ASN.1 module `DefTime` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `DSecond ::= INTEGER (0..65535)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 65535))]
pub struct DSecond(pub u16);

/// `DYear ::= INTEGER (0..4095)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 4095))]
pub struct DYear(pub u16);

/// `DMonth ::= INTEGER (0..12)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 12))]
pub struct DMonth(pub u8);

/// `DDay ::= INTEGER (0..31)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 31))]
pub struct DDay(pub u8);

/// `DHour ::= INTEGER (0..31)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 31))]
pub struct DHour(pub u8);

/// `DMinute ::= INTEGER (0..60)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 60))]
pub struct DMinute(pub u8);

/// `DTimeOffset ::= INTEGER (-840..840)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-840, 840))]
pub struct DTimeOffset(pub i16);

/// `DDateTime ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct DDateTime {
    pub year: Option<DYear>,
    pub month: Option<DMonth>,
    pub day: Option<DDay>,
    pub hour: Option<DHour>,
    pub minute: Option<DMinute>,
    pub second: Option<DSecond>,
    pub offset: Option<DTimeOffset>,
}

/// `MinuteOfTheYear ::= INTEGER (0..527040)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 527040))]
pub struct MinuteOfTheYear(pub u32);

/// `TimeMark ::= INTEGER (0..36001)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 36001))]
pub struct TimeMark(pub u16);

/// `TimeOffset ::= INTEGER (1..65535)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(1, 65535))]
pub struct TimeOffset(pub u16);

/// `TimeConfidence ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum TimeConfidence {
    Unavailable = 0,
    #[asn(name = "time-100-000")]
    Time100_000 = 1,
    #[asn(name = "time-050-000")]
    Time050_000 = 2,
    #[asn(name = "time-020-000")]
    Time020_000 = 3,
    #[asn(name = "time-010-000")]
    Time010_000 = 4,
    #[asn(name = "time-002-000")]
    Time002_000 = 5,
    #[asn(name = "time-001-000")]
    Time001_000 = 6,
    #[asn(name = "time-000-500")]
    Time000_500 = 7,
    #[asn(name = "time-000-200")]
    Time000_200 = 8,
    #[asn(name = "time-000-100")]
    Time000_100 = 9,
    #[asn(name = "time-000-050")]
    Time000_050 = 10,
    #[asn(name = "time-000-020")]
    Time000_020 = 11,
    #[asn(name = "time-000-010")]
    Time000_010 = 12,
    #[asn(name = "time-000-005")]
    Time000_005 = 13,
    #[asn(name = "time-000-002")]
    Time000_002 = 14,
    #[asn(name = "time-000-001")]
    Time000_001 = 15,
    #[asn(name = "time-000-000-5")]
    Time000_000_5 = 16,
    #[asn(name = "time-000-000-2")]
    Time000_000_2 = 17,
    #[asn(name = "time-000-000-1")]
    Time000_000_1 = 18,
    #[asn(name = "time-000-000-05")]
    Time000_000_05 = 19,
    #[asn(name = "time-000-000-02")]
    Time000_000_02 = 20,
    #[asn(name = "time-000-000-01")]
    Time000_000_01 = 21,
    #[asn(name = "time-000-000-005")]
    Time000_000_005 = 22,
    #[asn(name = "time-000-000-002")]
    Time000_000_002 = 23,
    #[asn(name = "time-000-000-001")]
    Time000_000_001 = 24,
    #[asn(name = "time-000-000-000-5")]
    Time000_000_000_5 = 25,
    #[asn(name = "time-000-000-000-2")]
    Time000_000_000_2 = 26,
    #[asn(name = "time-000-000-000-1")]
    Time000_000_000_1 = 27,
    #[asn(name = "time-000-000-000-05")]
    Time000_000_000_05 = 28,
    #[asn(name = "time-000-000-000-02")]
    Time000_000_000_02 = 29,
    #[asn(name = "time-000-000-000-01")]
    Time000_000_000_01 = 30,
    #[asn(name = "time-000-000-000-005")]
    Time000_000_000_005 = 31,
    #[asn(name = "time-000-000-000-002")]
    Time000_000_000_002 = 32,
    #[asn(name = "time-000-000-000-001")]
    Time000_000_000_001 = 33,
    #[asn(name = "time-000-000-000-000-5")]
    Time000_000_000_000_5 = 34,
    #[asn(name = "time-000-000-000-000-2")]
    Time000_000_000_000_2 = 35,
    #[asn(name = "time-000-000-000-000-1")]
    Time000_000_000_000_1 = 36,
    #[asn(name = "time-000-000-000-000-05")]
    Time000_000_000_000_05 = 37,
    #[asn(name = "time-000-000-000-000-02")]
    Time000_000_000_000_02 = 38,
    #[asn(name = "time-000-000-000-000-01")]
    Time000_000_000_000_01 = 39,
}
