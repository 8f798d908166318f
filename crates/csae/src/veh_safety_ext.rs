//! ASN.1 module `VehSafetyExt` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `VehicleSafetyExtensions ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct VehicleSafetyExtensions {
    pub events: Option<VehicleEventFlags>,
    pub path_history: Option<PathHistory>,
    pub path_prediction: Option<PathPrediction>,
    pub lights: Option<ExteriorLights>,
}

/// `PathHistory ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PathHistory {
    pub initial_position: Option<FullPositionVector>,
    #[asn(name = "currGNSSstatus")]
    pub curr_gnss_status: Option<GNSSstatus>,
    pub crumb_data: PathHistoryPointList,
}

/// `FullPositionVector ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct FullPositionVector {
    pub utc_time: Option<DDateTime>,
    pub pos: Position3D,
    pub heading: Option<Heading>,
    pub transmission: Option<TransmissionState>,
    pub speed: Option<Speed>,
    pub pos_accuracy: Option<PositionConfidenceSet>,
    pub time_confidence: Option<TimeConfidence>,
    pub motion_cfd: Option<MotionConfidenceSet>,
}

/// `GNSSstatus ::= BIT STRING (SIZE(8))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(8, 8))]
pub struct GNSSstatus(pub BitString);

impl GNSSstatus {
    /// Bit `unavailable`.
    pub const UNAVAILABLE: usize = 0;
    /// Bit `isHealthy`.
    pub const IS_HEALTHY: usize = 1;
    /// Bit `isMonitored`.
    pub const IS_MONITORED: usize = 2;
    /// Bit `baseStationType`.
    pub const BASE_STATION_TYPE: usize = 3;
    /// Bit `aPDOPofUnder5`.
    pub const A_PDO_POF_UNDER5: usize = 4;
    /// Bit `inViewOfUnder5`.
    pub const IN_VIEW_OF_UNDER5: usize = 5;
    /// Bit `localCorrectionsPresent`.
    pub const LOCAL_CORRECTIONS_PRESENT: usize = 6;
    /// Bit `networkCorrectionsPresent`.
    pub const NETWORK_CORRECTIONS_PRESENT: usize = 7;
}

/// `PathHistoryPointList ::= SEQUENCE (SIZE(1..23)) OF PathHistoryPoint`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 23))]
pub struct PathHistoryPointList(pub Vec<PathHistoryPoint>);

/// `PathHistoryPoint ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PathHistoryPoint {
    pub llv_offset: PositionOffsetLLV,
    pub time_offset: TimeOffset,
    pub speed: Option<Speed>,
    pub pos_accuracy: Option<PositionConfidenceSet>,
    pub heading: Option<CoarseHeading>,
}

/// `PathPrediction ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PathPrediction {
    pub radius_of_curve: RadiusOfCurvature,
    pub confidence: Confidence,
}

/// `Confidence ::= INTEGER (0..200)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 200))]
pub struct Confidence(pub u8);

/// `RadiusOfCurvature ::= INTEGER (-32767..32767)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(-32767, 32767))]
pub struct RadiusOfCurvature(pub i16);
