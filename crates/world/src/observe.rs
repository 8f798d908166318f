//! From messages to observations: where the standard's units end.
//!
//! An [`Observation`] is one report of one road participant, in SI units in the zone's local
//! frame, with the time it was generated and received. A vehicle's BSM gives one; an RSU's
//! RSM gives one per detected participant.

use crate::geo::{LocalFrame, Point};
use crate::time::{Millis, resolve_sec_mark};
use crate::units;
use roadcloud_csae as csae;

/// What kind of road user an observation is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ParticipantKind {
    /// A motor vehicle.
    Vehicle,
    /// A pedestrian.
    Pedestrian,
    /// A cyclist or other non-motorised vehicle.
    Cyclist,
    /// Not known.
    Unknown,
}

impl ParticipantKind {
    /// The lowercase name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantKind::Vehicle => "vehicle",
            ParticipantKind::Pedestrian => "pedestrian",
            ParticipantKind::Cyclist => "cyclist",
            ParticipantKind::Unknown => "unknown",
        }
    }

    /// From RSM's `ParticipantType`, refined by the `BasicVehicleClass` when present
    /// (T/CSAE 53-2020 leaves pedestrians and cyclists to `otherTraveler-*` classes).
    fn from_rsm(t: csae::ParticipantType, class: Option<u8>) -> Self {
        match (t, class) {
            (_, Some(82..=84 | 86)) => ParticipantKind::Pedestrian,
            (_, Some(85)) => ParticipantKind::Cyclist,
            (csae::ParticipantType::Motor, _) => ParticipantKind::Vehicle,
            (csae::ParticipantType::NonMotor, _) => ParticipantKind::Cyclist,
            (csae::ParticipantType::Pedestrian, _) => ParticipantKind::Pedestrian,
            _ => ParticipantKind::Unknown,
        }
    }
}

/// Who reported an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ObservationSource {
    /// The participant itself (a vehicle's BSM).
    SelfReport {
        /// The vehicle's temporary id (BSM `id`).
        vehicle: [u8; 8],
    },
    /// A roadside unit's sensors (RSM).
    Roadside {
        /// The RSU's id (RSM `id`).
        rsu: [u8; 8],
        /// The RSU's local id of the participant (`ptcId`).
        ptc_id: u16,
        /// The participant's own id when the RSU knows it (`ParticipantData.id`), e.g. a
        /// connected vehicle it also hears.
        vehicle: Option<[u8; 8]>,
    },
}

/// How a participant moves, SI units.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Motion {
    /// Speed over ground, m/s; `None` when unavailable.
    pub speed_mps: Option<f64>,
    /// Heading, degrees clockwise from true north; `None` when unavailable.
    pub heading_deg: Option<f64>,
    /// Longitudinal acceleration, m/s², positive forward.
    pub accel_long_mps2: Option<f64>,
    /// Lateral acceleration, m/s², positive to the right.
    pub accel_lat_mps2: Option<f64>,
    /// Yaw rate, degrees/s, positive clockwise.
    pub yaw_rate_dps: Option<f64>,
}

/// What a vehicle says of its own state in its BSM: brakes (DF_BrakeSystemStatus), events
/// (DE_VehicleEventFlags), lights (DE_ExteriorLights) and emergency use
/// (DF_VehicleEmergencyExtensions). Roadside detections know none of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct VehicleStatus {
    /// The brake pedal is pressed.
    pub brake_pedal: bool,
    /// `eventHardBraking`.
    pub hard_braking: bool,
    /// ABS engaged, or `eventABSactivated`.
    pub abs_active: bool,
    /// Traction control engaged, or `eventTractionControlLoss`.
    pub traction_active: bool,
    /// Stability control engaged, or `eventStabilityControlactivated`.
    pub stability_active: bool,
    /// Hazard lights on (`hazardSignalOn`, or `eventHazardLights`).
    pub hazard_lights: bool,
    /// `eventDisabledVehicle`, `eventFlatTire` or `eventAirBagDeployment`.
    pub disabled: bool,
    /// Left turn signal on.
    pub left_turn_signal: bool,
    /// Right turn signal on.
    pub right_turn_signal: bool,
    /// An emergency vehicle on an emergency response: `responseType` emergency or pursuit,
    /// or siren or light bar in use.
    pub emergency: bool,
}

impl VehicleStatus {
    /// What a BSM says.
    pub fn of_bsm(bsm: &csae::BasicSafetyMessage) -> Self {
        use csae::{ExteriorLights as L, VehicleEventFlags as E};
        let b = &bsm.brakes;
        let ext = bsm.safety_ext.as_ref();
        let event = |bit| {
            ext.and_then(|x| x.events.as_ref())
                .is_some_and(|e| e.0.len() > bit && e.0.get(bit))
        };
        let light = |bit| {
            ext.and_then(|x| x.lights.as_ref())
                .is_some_and(|l| l.0.len() > bit && l.0.get(bit))
        };
        let emergency = bsm.emergency_ext.as_ref().is_some_and(|e| {
            matches!(
                e.response_type,
                Some(csae::ResponseType::Emergency | csae::ResponseType::Pursuit)
            ) || e.siren_use == Some(csae::SirenInUse::InUse)
                || e.lights_use == Some(csae::LightbarInUse::InUse)
        });
        VehicleStatus {
            brake_pedal: b.brake_padel == Some(csae::BrakePedalStatus::On),
            hard_braking: event(E::EVENT_HARD_BRAKING),
            abs_active: b.abs == Some(csae::AntiLockBrakeStatus::Engaged)
                || event(E::EVENT_ABS_ACTIVATED),
            traction_active: b.traction == Some(csae::TractionControlStatus::Engaged)
                || event(E::EVENT_TRACTION_CONTROL_LOSS),
            stability_active: b.scs == Some(csae::StabilityControlStatus::Engaged)
                || event(E::EVENT_STABILITY_CONTROLACTIVATED),
            hazard_lights: light(L::HAZARD_SIGNAL_ON) || event(E::EVENT_HAZARD_LIGHTS),
            disabled: event(E::EVENT_DISABLED_VEHICLE)
                || event(E::EVENT_FLAT_TIRE)
                || event(E::EVENT_AIR_BAG_DEPLOYMENT),
            left_turn_signal: light(L::LEFT_TURN_SIGNAL_ON),
            right_turn_signal: light(L::RIGHT_TURN_SIGNAL_ON),
            emergency,
        }
    }

    /// Whether ABS, traction or stability control is at work: the vehicle is losing grip.
    pub fn control_loss(&self) -> bool {
        self.abs_active || self.traction_active || self.stability_active
    }
}

/// One report of one road participant.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Observation {
    /// Who reported it.
    pub source: ObservationSource,
    /// What it is.
    pub kind: ParticipantKind,
    /// `BasicVehicleClass`, when reported.
    pub vehicle_class: Option<u8>,
    /// Where it was, in the zone's local frame.
    pub position: Point,
    /// Elevation above the ellipsoid, metres.
    pub elevation_m: Option<f64>,
    /// How it moved.
    pub motion: Motion,
    /// Width, metres.
    pub width_m: Option<f64>,
    /// Length, metres.
    pub length_m: Option<f64>,
    /// The vehicle's own state (BSM only; default for detections).
    pub status: VehicleStatus,
    /// When the sender measured it.
    pub generated_at: Millis,
    /// When roadcloud received it.
    pub received_at: Millis,
}

impl Observation {
    /// The vehicle id it carries: the sender's own, or the one an RSU reports with its
    /// detection.
    pub fn vehicle(&self) -> Option<[u8; 8]> {
        match self.source {
            ObservationSource::SelfReport { vehicle } => Some(vehicle),
            ObservationSource::Roadside { vehicle, .. } => vehicle,
        }
    }
}

/// Why a message gave no observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObserveError {
    /// `secMark` is not a millisecond of a minute (60000 and above).
    NoGenerationTime,
}

impl std::fmt::Display for ObserveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObserveError::NoGenerationTime => write!(f, "secMark gives no generation time"),
        }
    }
}

impl std::error::Error for ObserveError {}

/// A position in 1e-7 degrees, in the zone's local frame.
pub(crate) fn position(frame: &LocalFrame, lat_1e7: i64, lon_1e7: i64) -> Point {
    frame.to_local(
        units::degrees_from_1e7(lat_1e7),
        units::degrees_from_1e7(lon_1e7),
    )
}

fn accel(a: &csae::AccelerationSet4Way) -> (Option<f64>, Option<f64>, Option<f64>) {
    (
        units::acceleration_mps2(a.long),
        units::acceleration_mps2(a.lat),
        Some(units::yaw_rate_dps(a.yaw)),
    )
}

/// The observation a vehicle's BSM gives.
pub fn observe_bsm(
    frame: &LocalFrame,
    bsm: &csae::BasicSafetyMessage,
    received_at: Millis,
) -> Result<Observation, ObserveError> {
    let generated_at =
        resolve_sec_mark(bsm.sec_mark.0, received_at).ok_or(ObserveError::NoGenerationTime)?;
    let (accel_long_mps2, accel_lat_mps2, yaw_rate_dps) = accel(&bsm.accel_set);
    Ok(Observation {
        source: ObservationSource::SelfReport { vehicle: bsm.id },
        kind: match bsm.vehicle_class.classification.0 {
            82..=84 | 86 => ParticipantKind::Pedestrian,
            85 => ParticipantKind::Cyclist,
            _ => ParticipantKind::Vehicle,
        },
        vehicle_class: Some(bsm.vehicle_class.classification.0),
        position: position(frame, bsm.pos.lat.0.into(), bsm.pos.long.0.into()),
        elevation_m: bsm.pos.elevation.and_then(units::elevation_m),
        motion: Motion {
            speed_mps: units::speed_mps(bsm.speed),
            heading_deg: units::heading_deg(bsm.heading),
            accel_long_mps2,
            accel_lat_mps2,
            yaw_rate_dps,
        },
        width_m: units::size_cm_to_m(bsm.size.width.0),
        length_m: units::size_cm_to_m(bsm.size.length.0),
        status: VehicleStatus::of_bsm(bsm),
        generated_at,
        received_at,
    })
}

/// The observation a pedestrian's or cyclist's own PSM gives (T/CSAE 157-2020): a
/// self-report, as a vehicle's BSM is, of a vulnerable road user.
pub fn observe_psm(
    frame: &LocalFrame,
    psm: &csae::PersonalSafetyMessage,
    received_at: Millis,
) -> Result<Observation, ObserveError> {
    use csae::PersonalDeviceUserType as T;
    let generated_at =
        resolve_sec_mark(psm.sec_mark.0, received_at).ok_or(ObserveError::NoGenerationTime)?;
    let (accel_long_mps2, accel_lat_mps2, yaw_rate_dps) = match &psm.accel_set {
        Some(a) => accel(a),
        None => (None, None, None),
    };
    // `overallRadius`: 0.1 m; the device's user fills a circle of it.
    let diameter_m = (psm.overall_radius > 0).then(|| f64::from(psm.overall_radius) / 5.0);
    Ok(Observation {
        source: ObservationSource::SelfReport { vehicle: psm.id },
        kind: match psm.non_motor_data.basic_type {
            T::Apedestrian | T::Aroadworker => ParticipantKind::Pedestrian,
            T::Apedalcyclist => ParticipantKind::Cyclist,
            T::Unavailable | T::AnANIMAL | T::UnknownExtension(_) => ParticipantKind::Unknown,
        },
        vehicle_class: None,
        position: position(frame, psm.pos.lat.0.into(), psm.pos.long.0.into()),
        elevation_m: psm.pos.elevation.and_then(units::elevation_m),
        motion: Motion {
            speed_mps: units::speed_mps(psm.speed),
            heading_deg: units::heading_deg(psm.heading),
            accel_long_mps2,
            accel_lat_mps2,
            yaw_rate_dps,
        },
        width_m: diameter_m,
        length_m: diameter_m,
        status: VehicleStatus::default(),
        generated_at,
        received_at,
    })
}

/// The observations an RSU's RSM gives, one per participant; a participant without a valid
/// `secMark` is left out.
pub fn observe_rsm(
    frame: &LocalFrame,
    rsm: &csae::RoadsideSafetyMessage,
    received_at: Millis,
) -> Vec<Observation> {
    observe_detected(
        frame,
        rsm.id,
        &rsm.ref_pos,
        rsm.participants.0.iter(),
        received_at,
    )
}

/// The participants a sensor sharing message (SSM, T/CSAE 157-2020) reports, as an RSM's
/// are: each a detection by the sender's sensors, positioned from its `sensorPos`.
pub fn observe_ssm(
    frame: &LocalFrame,
    ssm: &csae::SensorSharingMsg,
    received_at: Millis,
) -> Vec<Observation> {
    let detected = ssm
        .participants
        .iter()
        .flat_map(|l| l.0.iter().map(|d| &d.ptc));
    observe_detected(frame, ssm.id, &ssm.sensor_pos, detected, received_at)
}

/// Detections of `sensor` (an RSU's, or a vehicle's shared by SSM) at offsets from
/// `ref_pos`.
fn observe_detected<'a>(
    frame: &LocalFrame,
    sensor: [u8; 8],
    ref_pos: &csae::Position3D,
    participants: impl Iterator<Item = &'a csae::ParticipantData>,
    received_at: Millis,
) -> Vec<Observation> {
    let ref_lat = i64::from(ref_pos.lat.0);
    let ref_lon = i64::from(ref_pos.long.0);
    participants
        .filter_map(|p| {
            let generated_at = resolve_sec_mark(p.sec_mark.0, received_at)?;
            let (lat, lon) = units::resolve_offset_ll(ref_lat, ref_lon, &p.pos.offset_ll);
            let class = p.vehicle_class.as_ref().map(|c| c.classification.0);
            let (accel_long_mps2, accel_lat_mps2, yaw_rate_dps) = match &p.accel_set {
                Some(a) => accel(a),
                None => (None, None, None),
            };
            Some(Observation {
                source: ObservationSource::Roadside {
                    rsu: sensor,
                    ptc_id: p.ptc_id,
                    vehicle: p.id,
                },
                kind: ParticipantKind::from_rsm(p.ptc_type, class),
                vehicle_class: class,
                position: position(frame, lat, lon),
                elevation_m: ref_pos.elevation.and_then(units::elevation_m),
                motion: Motion {
                    speed_mps: units::speed_mps(p.speed),
                    heading_deg: units::heading_deg(p.heading),
                    accel_long_mps2,
                    accel_lat_mps2,
                    yaw_rate_dps,
                },
                width_m: units::size_cm_to_m(p.size.width.0),
                length_m: units::size_cm_to_m(p.size.length.0),
                status: VehicleStatus::default(),
                generated_at,
                received_at,
            })
        })
        .collect()
}
