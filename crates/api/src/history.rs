//! What the store keeps: trajectories, road event changes, device status changes, the
//! audit log.

use crate::Millis;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// `GET /api/v1/history/trajectories/{id}`: a participant's stored trajectory, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Trajectory {
    /// The participant's id.
    pub participant: String,
    /// How many samples.
    pub count: usize,
    /// Oldest first.
    pub points: Vec<TrajectoryPoint>,
}

/// One sample of a trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrajectoryPoint {
    /// The instant.
    pub at: Millis,
    /// `vehicle`, `pedestrian`, `cyclist` or `unknown`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Speed, m/s.
    pub speed_mps: Option<f64>,
    /// Heading, degrees.
    pub heading_deg: Option<f64>,
    /// The matched lane's id.
    pub lane: Option<String>,
}

/// `GET /api/v1/history/events`: changes of road events and signs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventChangeList {
    /// How many.
    pub count: usize,
    /// Newest first.
    pub events: Vec<EventChange>,
}

/// A road event or sign appearing, changing or ending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventChange {
    /// `appeared`, `changed` or `ended`.
    pub change: String,
    /// When the change was seen.
    pub at: Millis,
    /// `event` or `sign`.
    pub kind: String,
    /// The announcing RSU, hex.
    pub rsu: String,
    /// Its id within the RSU's messages.
    pub id: u8,
    /// `eventType` or `signType`.
    pub code: u16,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Radius of its zone, metres.
    pub radius_m: Option<f64>,
    /// Its text.
    pub description: Option<String>,
    /// When it starts.
    pub start: Option<Millis>,
    /// When it ends.
    pub end: Option<Millis>,
}

/// `GET /api/v1/history/devices`: device status changes, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeviceStatusList {
    /// How many.
    pub count: usize,
    /// Newest first.
    pub changes: Vec<DeviceStatusChange>,
}

/// A device going online or offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeviceStatusChange {
    /// The device, hex.
    pub device: String,
    /// `rsu` or `obu`.
    pub kind: String,
    /// `online` or `offline`.
    pub status: String,
    /// When.
    pub at: Millis,
}

/// `GET /api/v1/audit`: the changes operators made, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    /// How many.
    pub count: usize,
    /// Newest first.
    pub entries: Vec<AuditEntry>,
}

/// One change an operator made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Its sequence number.
    pub seq: i64,
    /// When.
    pub at: Millis,
    /// Who: the user name, or `cli` for the command line on the server.
    pub actor: String,
    /// From where: the client's address, or `cli`.
    pub source: String,
    /// What was done, e.g. `app.switch`, `device.put`, `user.token`.
    pub action: String,
    /// On what, e.g. `FCW` or `obu:5a1f3c7e00a1b2c3`.
    pub target: String,
    /// The change itself, e.g. `{"enabled": false}`.
    #[schema(value_type = Option<Object>)]
    pub detail: Option<Value>,
}
