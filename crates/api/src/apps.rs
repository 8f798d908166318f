//! The applications (Day-1 scenarios of T/CSAE 53-2020) and the advisories they send.

use crate::Millis;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// An application with its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct App {
    /// Its id: the scenario's (`FCW`, `ICW`, ...; `BSW/LCW` sends as `BSW` or `LCW`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Its parameters, units in their names (docs/apps.md).
    #[schema(value_type = Object)]
    pub params: Map<String, Value>,
    /// Advisories it has sent.
    pub advisories_sent: u64,
}

/// `GET /api/v1/apps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AppList {
    /// How many.
    pub count: usize,
    /// In the order they run.
    pub apps: Vec<App>,
}

/// `PUT /api/v1/apps/{id}`: switches an application, changes its parameters, or both.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppChange {
    /// On or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Parameters to change, by name (the others keep their values); a value out of its
    /// range is refused with the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub params: Option<Map<String, Value>>,
}

/// What an application tells one vehicle, as it is published on the vehicle's downlink
/// topic and stored (docs/apps.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Advisory {
    /// The scenario (`FCW`, `ICW`, ...).
    pub scenario: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// The vehicle it is for, 16 hex digits.
    pub target: String,
    /// The target's latitude at `at`, degrees.
    pub lat: f64,
    /// The target's longitude at `at`, degrees.
    pub lon: f64,
    /// The participants, events or signs it is about.
    pub others: Vec<AdvisoryOther>,
    /// Time to collision (or to the conflict), seconds.
    pub ttc_s: Option<f64>,
    /// Distance to the other participant, the hazard or the stop line, metres.
    pub distance_m: Option<f64>,
    /// The advised speed band (GLOSA; the limit for SLW).
    pub advised_speed_mps: Option<SpeedBand>,
    /// The generation time of the target's newest report it rests on.
    pub reported_at: Millis,
    /// The instant it refers to.
    pub at: Millis,
    /// When it no longer holds unless renewed.
    pub expires_at: Millis,
    /// A sentence for people.
    pub detail: String,
}

/// A participant, event or sign an advisory is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdvisoryOther {
    /// Its id as the API names it.
    pub id: String,
    /// `vehicle`, `pedestrian`, `cyclist`, `unknown`, `event` or `sign`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
}

/// A speed band, m/s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SpeedBand {
    /// The lowest speed.
    pub min: f64,
    /// The highest speed.
    pub max: f64,
}

/// `GET /api/v1/advisories`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdvisoryList {
    /// How many.
    pub count: usize,
    /// Newest first.
    pub advisories: Vec<Advisory>,
}
