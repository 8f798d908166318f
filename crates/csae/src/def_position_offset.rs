//! ASN.1 module `DefPositionOffset` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `PositionOffsetLLV ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct PositionOffsetLLV {
    #[asn(name = "offsetLL")]
    pub offset_ll: PositionOffsetLL,
    pub offset_v: Option<VerticalOffset>,
}

/// `OffsetLL-B12 ::= INTEGER (-2048..2047)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-2048, 2047), name = "OffsetLL-B12")]
pub struct OffsetLLB12(pub i16);

/// `OffsetLL-B14 ::= INTEGER (-8192..8191)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-8192, 8191), name = "OffsetLL-B14")]
pub struct OffsetLLB14(pub i16);

/// `OffsetLL-B16 ::= INTEGER (-32768..32767)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-32768, 32767), name = "OffsetLL-B16")]
pub struct OffsetLLB16(pub i16);

/// `OffsetLL-B18 ::= INTEGER (-131072..131071)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-131072, 131071), name = "OffsetLL-B18")]
pub struct OffsetLLB18(pub i32);

/// `OffsetLL-B22 ::= INTEGER (-2097152..2097151)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-2097152, 2097151), name = "OffsetLL-B22")]
pub struct OffsetLLB22(pub i32);

/// `OffsetLL-B24 ::= INTEGER (-8388608..8388607)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-8388608, 8388607), name = "OffsetLL-B24")]
pub struct OffsetLLB24(pub i32);

/// `Position-LL-24B ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, name = "Position-LL-24B")]
#[allow(missing_docs)]
pub struct PositionLL24B {
    pub lon: OffsetLLB12,
    pub lat: OffsetLLB12,
}

/// `Position-LL-28B ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, name = "Position-LL-28B")]
#[allow(missing_docs)]
pub struct PositionLL28B {
    pub lon: OffsetLLB14,
    pub lat: OffsetLLB14,
}

/// `Position-LL-32B ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, name = "Position-LL-32B")]
#[allow(missing_docs)]
pub struct PositionLL32B {
    pub lon: OffsetLLB16,
    pub lat: OffsetLLB16,
}

/// `Position-LL-36B ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, name = "Position-LL-36B")]
#[allow(missing_docs)]
pub struct PositionLL36B {
    pub lon: OffsetLLB18,
    pub lat: OffsetLLB18,
}

/// `Position-LL-44B ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, name = "Position-LL-44B")]
#[allow(missing_docs)]
pub struct PositionLL44B {
    pub lon: OffsetLLB22,
    pub lat: OffsetLLB22,
}

/// `Position-LL-48B ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, name = "Position-LL-48B")]
#[allow(missing_docs)]
pub struct PositionLL48B {
    pub lon: OffsetLLB24,
    pub lat: OffsetLLB24,
}

/// `Position-LLmD-64b ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, name = "Position-LLmD-64b")]
#[allow(missing_docs)]
pub struct PositionLLmD64b {
    pub lon: Longitude,
    pub lat: Latitude,
}

/// `PositionOffsetLL ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice)]
#[allow(missing_docs)]
pub enum PositionOffsetLL {
    #[asn(name = "position-LL1")]
    PositionLL1(PositionLL24B),
    #[asn(name = "position-LL2")]
    PositionLL2(PositionLL28B),
    #[asn(name = "position-LL3")]
    PositionLL3(PositionLL32B),
    #[asn(name = "position-LL4")]
    PositionLL4(PositionLL36B),
    #[asn(name = "position-LL5")]
    PositionLL5(PositionLL44B),
    #[asn(name = "position-LL6")]
    PositionLL6(PositionLL48B),
    #[asn(name = "position-LatLon")]
    PositionLatLon(PositionLLmD64b),
}

/// `VerticalOffset ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice)]
#[allow(missing_docs)]
pub enum VerticalOffset {
    Offset1(VertOffsetB07),
    Offset2(VertOffsetB08),
    Offset3(VertOffsetB09),
    Offset4(VertOffsetB10),
    Offset5(VertOffsetB11),
    Offset6(VertOffsetB12),
    Elevation(Elevation),
}

/// `VertOffset-B07 ::= INTEGER (-64..63)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-64, 63), name = "VertOffset-B07")]
pub struct VertOffsetB07(pub i8);

/// `VertOffset-B08 ::= INTEGER (-128..127)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-128, 127), name = "VertOffset-B08")]
pub struct VertOffsetB08(pub i8);

/// `VertOffset-B09 ::= INTEGER (-256..255)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-256, 255), name = "VertOffset-B09")]
pub struct VertOffsetB09(pub i16);

/// `VertOffset-B10 ::= INTEGER (-512..511)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-512, 511), name = "VertOffset-B10")]
pub struct VertOffsetB10(pub i16);

/// `VertOffset-B11 ::= INTEGER (-1024..1023)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-1024, 1023), name = "VertOffset-B11")]
pub struct VertOffsetB11(pub i16);

/// `VertOffset-B12 ::= INTEGER (-2048..2047)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-2048, 2047), name = "VertOffset-B12")]
pub struct VertOffsetB12(pub i16);
