//! ASN.1 module `VehStatus` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `TransmissionState ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum TransmissionState {
    Neutral = 0,
    Park = 1,
    ForwardGears = 2,
    ReverseGears = 3,
    Reserved1 = 4,
    Reserved2 = 5,
    Reserved3 = 6,
    Unavailable = 7,
}

/// `VehicleEventFlags ::= BIT STRING (SIZE(13, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(13, 13, ext))]
pub struct VehicleEventFlags(pub BitString);

impl VehicleEventFlags {
    /// Bit `eventHazardLights`.
    pub const EVENT_HAZARD_LIGHTS: usize = 0;
    /// Bit `eventStopLineViolation`.
    pub const EVENT_STOP_LINE_VIOLATION: usize = 1;
    /// Bit `eventABSactivated`.
    pub const EVENT_ABS_ACTIVATED: usize = 2;
    /// Bit `eventTractionControlLoss`.
    pub const EVENT_TRACTION_CONTROL_LOSS: usize = 3;
    /// Bit `eventStabilityControlactivated`.
    pub const EVENT_STABILITY_CONTROLACTIVATED: usize = 4;
    /// Bit `eventHazardousMaterials`.
    pub const EVENT_HAZARDOUS_MATERIALS: usize = 5;
    /// Bit `eventReserved1`.
    pub const EVENT_RESERVED1: usize = 6;
    /// Bit `eventHardBraking`.
    pub const EVENT_HARD_BRAKING: usize = 7;
    /// Bit `eventLightsChanged`.
    pub const EVENT_LIGHTS_CHANGED: usize = 8;
    /// Bit `eventWipersChanged`.
    pub const EVENT_WIPERS_CHANGED: usize = 9;
    /// Bit `eventFlatTire`.
    pub const EVENT_FLAT_TIRE: usize = 10;
    /// Bit `eventDisabledVehicle`.
    pub const EVENT_DISABLED_VEHICLE: usize = 11;
    /// Bit `eventAirBagDeployment`.
    pub const EVENT_AIR_BAG_DEPLOYMENT: usize = 12;
}

/// `ExteriorLights ::= BIT STRING (SIZE(9, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(9, 9, ext))]
pub struct ExteriorLights(pub BitString);

impl ExteriorLights {
    /// Bit `lowBeamHeadlightsOn`.
    pub const LOW_BEAM_HEADLIGHTS_ON: usize = 0;
    /// Bit `highBeamHeadlightsOn`.
    pub const HIGH_BEAM_HEADLIGHTS_ON: usize = 1;
    /// Bit `leftTurnSignalOn`.
    pub const LEFT_TURN_SIGNAL_ON: usize = 2;
    /// Bit `rightTurnSignalOn`.
    pub const RIGHT_TURN_SIGNAL_ON: usize = 3;
    /// Bit `hazardSignalOn`.
    pub const HAZARD_SIGNAL_ON: usize = 4;
    /// Bit `automaticLightControlOn`.
    pub const AUTOMATIC_LIGHT_CONTROL_ON: usize = 5;
    /// Bit `daytimeRunningLightsOn`.
    pub const DAYTIME_RUNNING_LIGHTS_ON: usize = 6;
    /// Bit `fogLightOn`.
    pub const FOG_LIGHT_ON: usize = 7;
    /// Bit `parkingLightsOn`.
    pub const PARKING_LIGHTS_ON: usize = 8;
}
