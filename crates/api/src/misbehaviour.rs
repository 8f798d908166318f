//! Misbehaviour detection: reports, quarantine, and the checks' switches (docs/misbehaviour.md).

use crate::Millis;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A device found lying, with the reports that show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Report {
    /// The device, 16 hex digits.
    pub device: String,
    /// The check that found it (`/api/v1/misbehaviour/checks` lists them).
    pub kind: String,
    /// When.
    pub at: Millis,
    /// What was found, for people.
    pub detail: String,
    /// The reports it rests on.
    pub evidence: Vec<Evidence>,
    /// What it led to: `none` (the check is off), `scored`, `quarantined`, ...
    pub action: String,
    /// The device's trust after it, 0 to 1.
    pub trust: f64,
}

/// One report a misbehaviour finding rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    /// Its generation time.
    pub at: Millis,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Its speed, m/s.
    pub speed_mps: Option<f64>,
    /// Its heading, degrees.
    pub heading_deg: Option<f64>,
}

/// `GET /api/v1/misbehaviour`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportList {
    /// How many reports.
    pub count: usize,
    /// Newest first.
    pub reports: Vec<Report>,
    /// The devices quarantined now.
    pub quarantined: Vec<String>,
}

/// A check's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Check {
    /// Which check.
    pub kind: String,
    /// Whether its findings cost trust (off, it still runs and counts).
    pub enabled: bool,
    /// Whether one finding takes all of a sender's trust.
    pub conclusive: bool,
    /// Findings so far.
    pub found: u64,
}

/// `GET /api/v1/misbehaviour/checks`: each check and the detector's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Checks {
    /// `off`, `monitor` or `enforce`.
    pub mode: String,
    /// Where the cameras look, for the phantom check.
    pub camera_cells: CameraCells,
    /// Each check.
    pub checks: Vec<Check>,
    /// The checks' parameters (docs/misbehaviour.md).
    #[schema(value_type = Object)]
    pub thresholds: Value,
    /// How findings become decisions.
    #[schema(value_type = Object)]
    pub trust: Value,
}

/// The 10 m cells in which a camera has detected a vehicle, and how many of them the
/// cameras cover (docs/misbehaviour.md#phantom).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CameraCells {
    /// Cells with a detection.
    pub detected_in: usize,
    /// Cells covered.
    pub covered: usize,
}
