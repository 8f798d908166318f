//! roadcloud's HTTP API (`/api/v1/...`) as types: what each route answers and what it
//! takes, one type per JSON object, each with its OpenAPI schema ([`utoipa::ToSchema`]).
//!
//! The node builds its answers from these types, and the OpenAPI document it serves at
//! `/api/v1/openapi.json` is generated from them and from its handlers, so the document
//! and the answers cannot drift apart. Clients (the tests, `roadcloud eval`, scripts in
//! Rust) read the answers back into the same types.
//!
//! Units as everywhere in the API: positions WGS-84 degrees, speeds m/s, headings degrees
//! clockwise from true north, times milliseconds since the Unix epoch (UTC).

pub mod access;
pub mod apps;
pub mod cluster;
pub mod history;
pub mod misbehaviour;
pub mod stats;
pub mod zone;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Milliseconds since the Unix epoch (UTC).
pub type Millis = i64;

/// An error answer: what went wrong and, as a rule, what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// The message.
    pub error: String,
}

/// `{"enabled": bool}`: switches something on or off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    /// On or off.
    pub enabled: bool,
}
