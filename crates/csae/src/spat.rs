//! ASN.1 module `SignalPhaseAndTiming` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `SPAT ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "SPAT")]
#[allow(missing_docs)]
pub struct Spat {
    pub msg_cnt: MsgCount,
    pub moy: Option<MinuteOfTheYear>,
    pub time_stamp: Option<DSecond>,
    pub name: Option<DescriptiveName>,
    pub intersections: IntersectionStateList,
}

/// `IntersectionStateList ::= SEQUENCE (SIZE(1..32)) OF IntersectionState`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct IntersectionStateList(pub Vec<IntersectionState>);

/// `IntersectionState ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct IntersectionState {
    pub intersection_id: NodeReferenceID,
    pub status: IntersectionStatusObject,
    pub moy: Option<MinuteOfTheYear>,
    pub time_stamp: Option<DSecond>,
    pub time_confidence: Option<TimeConfidence>,
    pub phases: PhaseList,
}

/// `IntersectionStatusObject ::= BIT STRING (SIZE(16))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(16, 16))]
pub struct IntersectionStatusObject(pub BitString);

impl IntersectionStatusObject {
    /// Bit `manualControlIsEnabled`.
    pub const MANUAL_CONTROL_IS_ENABLED: usize = 0;
    /// Bit `stopTimeIsActivated`.
    pub const STOP_TIME_IS_ACTIVATED: usize = 1;
    /// Bit `failureFlash`.
    pub const FAILURE_FLASH: usize = 2;
    /// Bit `preemptIsActive`.
    pub const PREEMPT_IS_ACTIVE: usize = 3;
    /// Bit `signalPriorityIsActive`.
    pub const SIGNAL_PRIORITY_IS_ACTIVE: usize = 4;
    /// Bit `fixedTimeOperation`.
    pub const FIXED_TIME_OPERATION: usize = 5;
    /// Bit `trafficDependentOperation`.
    pub const TRAFFIC_DEPENDENT_OPERATION: usize = 6;
    /// Bit `standbyOperation`.
    pub const STANDBY_OPERATION: usize = 7;
    /// Bit `failureMode`.
    pub const FAILURE_MODE: usize = 8;
    /// Bit `off`.
    pub const OFF: usize = 9;
    /// Bit `recentMAPmessageUpdate`.
    pub const RECENT_MA_PMESSAGE_UPDATE: usize = 10;
    /// Bit `recentChangeInMAPassignedLanesIDsUsed`.
    pub const RECENT_CHANGE_IN_MA_PASSIGNED_LANES_I_DS_USED: usize = 11;
    /// Bit `noValidMAPisAvailableAtThisTime`.
    pub const NO_VALID_MA_PIS_AVAILABLE_AT_THIS_TIME: usize = 12;
    /// Bit `noValidSPATisAvailableAtThisTime`.
    pub const NO_VALID_SPA_TIS_AVAILABLE_AT_THIS_TIME: usize = 13;
}

/// `PhaseList ::= SEQUENCE (SIZE(1..16)) OF Phase`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 16))]
pub struct PhaseList(pub Vec<Phase>);

/// `Phase ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct Phase {
    pub id: PhaseID,
    pub phase_states: PhaseStateList,
}

/// `PhaseStateList ::= SEQUENCE (SIZE(1..16)) OF PhaseState`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 16))]
pub struct PhaseStateList(pub Vec<PhaseState>);

/// `PhaseState ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PhaseState {
    pub light: LightState,
    pub timing: Option<TimeChangeDetails>,
}

/// `LightState ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum LightState {
    Unavailable = 0,
    Dark = 1,
    #[asn(name = "flashing-red")]
    FlashingRed = 2,
    Red = 3,
    #[asn(name = "flashing-green")]
    FlashingGreen = 4,
    #[asn(name = "permissive-green")]
    PermissiveGreen = 5,
    #[asn(name = "protected-green")]
    ProtectedGreen = 6,
    Yellow = 7,
    #[asn(name = "flashing-yellow")]
    FlashingYellow = 8,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `TimeChangeDetails ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(missing_docs)]
pub enum TimeChangeDetails {
    Counting(TimeCountingDown),
    UtcTiming(UTCTiming),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}

/// `UTCTiming ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct UTCTiming {
    #[asn(name = "startUTCTime")]
    pub start_utc_time: TimeMark,
    #[asn(name = "minEndUTCTime")]
    pub min_end_utc_time: Option<TimeMark>,
    #[asn(name = "maxEndUTCTime")]
    pub max_end_utc_time: Option<TimeMark>,
    #[asn(name = "likelyEndUTCTime")]
    pub likely_end_utc_time: TimeMark,
    pub time_confidence: Option<Confidence>,
    #[asn(name = "nextStartUTCTime")]
    pub next_start_utc_time: Option<TimeMark>,
    #[asn(name = "nextEndUTCTime")]
    pub next_end_utc_time: Option<TimeMark>,
}

/// `TimeCountingDown ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct TimeCountingDown {
    pub start_time: TimeMark,
    pub min_end_time: Option<TimeMark>,
    pub max_end_time: Option<TimeMark>,
    pub likely_end_time: TimeMark,
    pub time_confidence: Option<Confidence>,
    pub next_start_time: Option<TimeMark>,
    pub next_duration: Option<TimeMark>,
}

/// `PhaseID ::= INTEGER (0..255)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 255))]
pub struct PhaseID(pub u8);
