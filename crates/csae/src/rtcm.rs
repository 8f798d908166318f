//! ASN.1 module `RTCM` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `RTCMcorrections ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct RTCMcorrections {
    pub msg_cnt: MsgCount,
    #[asn(seq_of(1, 5))]
    pub corrections: Vec<RTCMmsg>,
}

/// `RTCMmsg ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct RTCMmsg {
    pub rev: Option<RTCMRevision>,
    #[asn(name = "rtcmID")]
    pub rtcm_id: Option<Rtcmid>,
    pub payload: RTCMPayload,
}

/// `RTCM-ID ::= INTEGER (0..32767)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 32767), name = "RTCM-ID")]
pub struct Rtcmid(pub u16);

/// `RTCM-Payload ::= OCTET STRING (SIZE(1..2047))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(octets(1, 2047), name = "RTCM-Payload")]
pub struct RTCMPayload(pub Vec<u8>);

/// `RTCM-Revision ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible, name = "RTCM-Revision")]
#[allow(missing_docs)]
#[repr(u32)]
pub enum RTCMRevision {
    Unknown = 0,
    Reserved = 1,
    RtcmCMR = 2,
    #[asn(name = "rtcmCMR-Plus")]
    RtcmCMRPlus = 3,
    RtcmSAPOS = 4,
    #[asn(name = "rtcmSAPOS-Adv")]
    RtcmSAPOSAdv = 5,
    RtcmRTCA = 6,
    RtcmRAW = 7,
    RtcmRINEX = 8,
    RtcmSP3 = 9,
    RtcmBINEX = 10,
    #[asn(name = "rtcmRev2-x")]
    RtcmRev2X = 19,
    #[asn(name = "rtcmRev2-0")]
    RtcmRev2_0 = 20,
    #[asn(name = "rtcmRev2-1")]
    RtcmRev2_1 = 21,
    #[asn(name = "rtcmRev2-3")]
    RtcmRev2_3 = 23,
    #[asn(name = "rtcmRev3-0")]
    RtcmRev3_0 = 30,
    #[asn(name = "rtcmRev3-1")]
    RtcmRev3_1 = 31,
    #[asn(name = "rtcmRev3-2")]
    RtcmRev3_2 = 32,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}
