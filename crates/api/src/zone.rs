//! The live zone: participants, intersections with their signals, road events, devices.

use crate::Millis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A participant: a fused track of a vehicle, pedestrian or cyclist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    /// Its vehicle id (16 hex digits) when known, else `track-N`.
    pub id: String,
    /// Its track number, unique across the zone's nodes.
    pub track: u64,
    /// `vehicle`, `pedestrian`, `cyclist` or `unknown`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `BasicVehicleClass` (T/CSAE 53-2020), when reported.
    pub vehicle_class: Option<u8>,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Speed, m/s.
    pub speed_mps: Option<f64>,
    /// Heading, degrees clockwise from true north.
    pub heading_deg: Option<f64>,
    /// Longitudinal acceleration, m/s².
    pub accel_mps2: Option<f64>,
    /// Yaw rate, degrees per second.
    pub yaw_rate_dps: Option<f64>,
    /// Width, metres.
    pub width_m: Option<f64>,
    /// Length, metres.
    pub length_m: Option<f64>,
    /// The lane it is matched to; null where no MAP (or road network) knows a lane.
    pub lane: Option<LaneMatch>,
    /// Where its state comes from: `self` (its own reports) and `sensor:{id}` (the
    /// detections of an RSU's sensors, by RSM or SSM, or of a vehicle's, by SSM), sorted.
    pub sources: Vec<String>,
    /// Whether more than one source is fused.
    pub fused: bool,
    /// The instant of the fused state.
    pub at: Millis,
    /// The last reception.
    pub updated_at: Millis,
    /// In a cluster: the node whose tiles hold it. Another node's participant carries only
    /// what the nodes share (id, track, type, position, speed, heading, `at`); its other
    /// fields are null or empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// A participant's matched lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LaneMatch {
    /// `{intersection}:{upstream}:{lane}`, e.g. `310/1001:310/1002:2`: the intersection,
    /// the approach and the lane.
    pub id: String,
    /// The intersection (MAP node) the lane leads to.
    pub intersection: String,
    /// The node the lane's link comes from.
    pub upstream: String,
    /// The lane's id within its link.
    pub lane: u8,
    /// Offset right of the lane's centre line, metres.
    pub offset_m: f64,
    /// Distance along the lane to its stop line, metres.
    pub to_stop_line_m: f64,
    /// Whether it moves against the lane's direction.
    pub against: bool,
    /// The lane's speed limit, m/s.
    pub speed_limit_mps: Option<f64>,
}

/// `GET /api/v1/participants`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ParticipantList {
    /// How many.
    pub count: usize,
    /// By track number.
    pub participants: Vec<Participant>,
}

/// An intersection (a MAP node) with its links, lanes and signal state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Intersection {
    /// `{region}/{id}`.
    pub id: String,
    /// Its name in the MAP.
    pub name: Option<String>,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// The links that lead to it.
    pub links: Vec<Link>,
    /// Its signal state now (from SPAT); null when no SPAT came.
    pub signal: Option<Signal>,
    /// The priority vehicle its signals serve now (PVP); null when none.
    pub priority: Option<PriorityGrant>,
}

/// A junction held for a priority vehicle (PVP, docs/apps.md#pvp-priority-vehicle-passing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PriorityGrant {
    /// The vehicle (16 hex digits).
    pub vehicle: String,
    /// `emergency` (preemption) or `transit` (extension).
    pub rank: String,
    /// The signal group (phase id) served.
    pub phase: u8,
    /// Since when, ms since the epoch.
    pub since_ms: i64,
    /// Until when at the latest, ms since the epoch.
    pub until_ms: i64,
}

/// `[lat, lon]` in degrees.
pub type LatLon = [f64; 2];

/// A link (road section) leading to an intersection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Link {
    /// Its name in the MAP.
    pub name: Option<String>,
    /// The node it comes from.
    pub upstream: String,
    /// Its width, metres.
    pub width_m: f64,
    /// Its speed limit, m/s.
    pub speed_limit_mps: Option<f64>,
    /// Its centre line, `[lat, lon]` each.
    #[schema(value_type = Vec<Vec<f64>>)]
    pub points: Vec<LatLon>,
    /// Its lanes.
    pub lanes: Vec<Lane>,
}

/// A lane of a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lane {
    /// Its id within the link.
    pub id: u8,
    /// The centre line lane matching uses (the MAP's own points, or derived from the
    /// link's), `[lat, lon]` each.
    #[schema(value_type = Option<Vec<Vec<f64>>>)]
    pub centre_line: Option<Vec<LatLon>>,
    /// Its width, metres.
    pub width_m: Option<f64>,
    /// `AllowedManeuvers` bits (T/CSAE 53-2020).
    pub maneuvers: Option<u16>,
    /// Its speed limit, m/s.
    pub speed_limit_mps: Option<f64>,
    /// The MAP's points of the lane, `[lat, lon]` each.
    #[schema(value_type = Vec<Vec<f64>>)]
    pub points: Vec<LatLon>,
    /// Where it leads.
    pub connects_to: Vec<Connection>,
}

/// Where a lane leads, and the signal phase that lets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Connection {
    /// The node it leads to.
    pub remote: String,
    /// The lane there.
    pub lane: Option<u8>,
    /// The signal phase of the movement.
    pub phase: Option<u8>,
}

/// An intersection's signal state (SPAT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Signal {
    /// When the SPAT was generated.
    pub generated_at: Millis,
    /// Each phase now.
    pub phases: Vec<Phase>,
}

/// One signal phase now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Phase {
    /// The phase id.
    pub id: u8,
    /// The light as T/CSAE 53-2020 names it (`red`, `permissive-green`, `yellow`, ...);
    /// null when the SPAT says nothing of now.
    pub light: Option<String>,
    /// When it most likely ends.
    pub likely_end: Option<Millis>,
    /// Seconds until then.
    pub time_to_change_s: Option<f64>,
}

/// `GET /api/v1/intersections`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntersectionList {
    /// How many.
    pub count: usize,
    /// By id.
    pub intersections: Vec<Intersection>,
}

/// A road event or sign (RSI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoadEvent {
    /// `event` or `sign`.
    pub kind: String,
    /// The RSU that announces it, hex.
    pub rsu: String,
    /// Its id within the RSU's messages.
    pub id: u8,
    /// `eventType` or `signType` (T/CSAE 53-2020).
    pub code: u16,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// The radius of its zone, metres.
    pub radius_m: Option<f64>,
    /// The paths it applies to.
    pub paths: Vec<EventPath>,
    /// Its text.
    pub description: Option<String>,
    /// Its priority.
    pub priority: Option<u8>,
    /// When it starts.
    pub start: Option<Millis>,
    /// When it ends.
    pub end: Option<Millis>,
    /// When it was last received.
    pub received_at: Millis,
}

/// A path a road event or sign applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventPath {
    /// `[lat, lon]` each.
    #[schema(value_type = Vec<Vec<f64>>)]
    pub points: Vec<LatLon>,
    /// Half its width, metres.
    pub half_width_m: f64,
}

/// A gap granted for a lane change or a merge (CLC, CVM: docs/apps.md), while its window
/// lasts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Gap {
    /// The vehicle changing lanes (16 hex digits).
    pub vehicle: String,
    /// `merge` (CVM, from a ramp) or `lane_change` (CLC).
    pub kind: String,
    /// The lane it changes into: `{intersection}:{upstream}:{lane}`, as a participant's lane.
    pub target_lane: String,
    /// When the window opens, ms since the epoch.
    pub begin_ms: i64,
    /// When it closes.
    pub end_ms: i64,
    /// The speed asked of the vehicle, m/s.
    pub speed_mps: f64,
    /// The vehicle asked to slow down to make the gap (16 hex digits), if any.
    pub yielding: Option<String>,
    /// Its speed asked, m/s.
    pub yielding_speed_mps: Option<f64>,
}

/// `GET /api/v1/gaps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GapList {
    /// How many.
    pub count: usize,
    /// By vehicle.
    pub gaps: Vec<Gap>,
}

/// An obstacle on the road as its sensor last reported it (an SSM's `DetectedObstacleList`,
/// T/CSAE 157-2020): kept while the sensor goes on reporting it, shared with the vehicles
/// that ask (SDS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Obstacle {
    /// The RSU or vehicle whose sensors report it, hex.
    pub sensor: String,
    /// Its id there (`obsId`).
    pub id: u16,
    /// What it is (`ObstacleType`, as the standard names it: `trafficcone`,
    /// `goods-scattered`, ...).
    pub kind: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Width, metres, when reported.
    pub width_m: Option<f64>,
    /// Length, metres, when reported.
    pub length_m: Option<f64>,
    /// Height, metres, when reported.
    pub height_m: Option<f64>,
    /// When the sensor measured it.
    pub generated_at: Millis,
    /// When roadcloud received the report.
    pub received_at: Millis,
}

/// `GET /api/v1/obstacles`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ObstacleList {
    /// How many.
    pub count: usize,
    /// By sensor and id.
    pub obstacles: Vec<Obstacle>,
}

/// A parking slot of a car park (GSPA, docs/apps.md#gspa-guidance-in-a-parking-area).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ParkingSlot {
    /// Its `slotID`.
    pub id: u16,
    /// Its types (`ParkingType` bits set): `ordinary`, `disabled`, `mini`, `attached`,
    /// `charging`, `stereo`, `lady`, `extended`, `private`, `unknown`.
    pub types: Vec<String>,
    /// As the car park reports it: `available`, `occupied`, `reserved` or `unknown`.
    pub status: String,
    /// The vehicle roadcloud guides to it (16 hex digits), while it holds the slot for it.
    pub held_for: Option<String>,
    /// The drive it lies along, `{from}-{to}` (PAM node ids).
    pub drive: String,
}

/// A car park as its RSU's latest PAM describes it, with the slots roadcloud holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CarPark {
    /// The RSU that announces it (16 hex digits).
    pub rsu: String,
    /// Its `parkingLotInfo.id` (0 when absent).
    pub id: u16,
    /// Its name.
    pub name: Option<String>,
    /// Where its entrance is (its first entrance node, else its first node), `[lat, lon]`.
    #[schema(value_type = Vec<f64>)]
    pub position: LatLon,
    /// Its slots.
    pub slots: Vec<ParkingSlot>,
    /// Slots free for vehicles to be guided to: available and held for nobody.
    pub free: usize,
    /// When its PAM came, ms since the epoch.
    pub updated_ms: i64,
}

/// `GET /api/v1/car-parks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CarParkList {
    /// How many.
    pub count: usize,
    /// By RSU and id.
    pub car_parks: Vec<CarPark>,
}

/// An operator's rule for a lane (DLM, docs/apps.md#dlm-dynamic-lane-management).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LaneRule {
    /// The lane: `{intersection}:{upstream}:{lane}`, as a participant's lane.
    pub lane: String,
    /// `closed`, or `reassigned` (to `maneuvers`).
    #[serde(rename = "use")]
    pub lane_use: String,
    /// For a reassigned lane, the movements it now serves: `straight`, `left`, `right`,
    /// `u_turn`.
    pub maneuvers: Vec<String>,
    /// Why, for the drivers.
    pub reason: Option<String>,
    /// In force since, ms since the epoch.
    pub since_ms: i64,
    /// Until then, if it ends by itself.
    pub until_ms: Option<i64>,
    /// The lane's rule's version: each change has the next.
    pub version: u32,
}

/// `PUT /api/v1/lane-rules`: a lane's rule, in place of its rule before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LaneRuleChange {
    /// The lane: `{intersection}:{upstream}:{lane}`, as a participant's lane.
    pub lane: String,
    /// `closed`, or `reassigned`.
    #[serde(rename = "use")]
    pub lane_use: String,
    /// For `reassigned`: the movements it is to serve (`straight`, `left`, `right`,
    /// `u_turn`), at least one.
    #[serde(default)]
    pub maneuvers: Vec<String>,
    /// Why, for the drivers: printable ASCII (the RSC's `textString`), at most 200
    /// characters.
    #[serde(default)]
    pub reason: Option<String>,
    /// Until then (ms since the epoch); none: until lifted.
    #[serde(default)]
    pub until_ms: Option<i64>,
}

/// `GET /api/v1/lane-rules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LaneRuleList {
    /// How many.
    pub count: usize,
    /// By lane.
    pub rules: Vec<LaneRule>,
}

/// `GET /api/v1/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoadEventList {
    /// How many.
    pub count: usize,
    /// By RSU, kind and id.
    pub events: Vec<RoadEvent>,
}

/// A device (RSU, OBU, VRU device) as admission has seen it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeviceActivity {
    /// Its id, 16 hex digits.
    pub id: String,
    /// `rsu`, `obu`, ...; null before its first admitted message.
    pub kind: Option<String>,
    /// Messages admitted.
    pub admitted: u64,
    /// Messages rejected, by reason.
    pub rejected: std::collections::BTreeMap<String, u64>,
    /// When it was last heard.
    pub last_seen: Millis,
    /// The type of its last message.
    pub last_message: Option<String>,
    /// Whether it is online (heard within `--device-offline-ms`).
    pub online: bool,
    /// Its recent message rate, per second.
    pub rate_per_s: f64,
}

/// `GET /api/v1/devices`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeviceActivityList {
    /// How many.
    pub count: usize,
    /// By id.
    pub devices: Vec<DeviceActivity>,
}
