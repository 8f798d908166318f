//! ASN.1 module `BSM` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `BasicSafetyMessage ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct BasicSafetyMessage {
    pub msg_cnt: MsgCount,
    pub id: [u8; 8],
    pub sec_mark: DSecond,
    pub time_confidence: Option<TimeConfidence>,
    pub pos: Position3D,
    pub pos_accuracy: Option<PositionalAccuracy>,
    pub pos_confidence: Option<PositionConfidenceSet>,
    pub transmission: TransmissionState,
    pub speed: Speed,
    pub heading: Heading,
    pub angle: Option<SteeringWheelAngle>,
    pub motion_cfd: Option<MotionConfidenceSet>,
    pub accel_set: AccelerationSet4Way,
    pub brakes: BrakeSystemStatus,
    pub size: VehicleSize,
    pub vehicle_class: VehicleClassification,
    pub safety_ext: Option<VehicleSafetyExtensions>,
    pub emergency_ext: Option<VehicleEmergencyExtensions>,
}
