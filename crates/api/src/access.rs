//! Operators' logins and the registry of devices and users (docs/access.md).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Login {
    /// The user.
    pub name: String,
    /// Its password.
    pub password: String,
}

/// A login's answer: the token (also set as the web map's cookie).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoggedIn {
    /// The user.
    pub name: String,
    /// `viewer`, `operator` or `admin`.
    pub role: String,
    /// The bearer token.
    pub token: String,
}

/// `GET /api/v1/whoami`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    /// Whether the API asks for a login (it does when served over TLS).
    pub login_required: bool,
    /// The caller's user name; null when not logged in.
    pub name: Option<String>,
    /// Its role.
    pub role: Option<String>,
}

/// A device of the registry, without its secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegisteredDevice {
    /// `{kind}:{id}`, e.g. `obu:5a1f3c7e00a1b2c3`.
    pub identity: String,
    /// `obu`, `rsu` or `vru`.
    pub kind: String,
    /// Its 8-octet id, 16 hex digits.
    pub id: String,
    /// The message types it may send.
    pub may_send: Vec<String>,
    /// An RSU's fixed position.
    pub position: Option<Position>,
    /// Whether it may connect.
    pub enabled: bool,
    /// Whether it has a password (for devices without a certificate).
    pub password: bool,
    /// The SHA-256 of its client certificate, hex.
    pub certificate_sha256: Option<String>,
}

/// A WGS-84 position, degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Position {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// `GET /api/v1/registry/devices`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegisteredDeviceList {
    /// How many.
    pub count: usize,
    /// Each device.
    pub devices: Vec<RegisteredDevice>,
}

/// `PUT /api/v1/registry/devices/{identity}`: registers a device or changes one; each key
/// optional, null removes the position or the password.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct DeviceChange {
    /// Whether it may connect.
    pub enabled: Option<bool>,
    /// The message types it may send, e.g. `["BSM"]`.
    pub may_send: Option<Vec<String>>,
    /// An RSU's fixed position.
    pub position: Option<Position>,
    /// A password for a device without a certificate (at least 12 characters).
    pub password: Option<String>,
}

/// A user as the API shows it: never the password or a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// Its name.
    pub name: String,
    /// `viewer`, `operator` or `admin`.
    pub role: String,
    /// Whether it has a password for the web map's login.
    pub password: bool,
    /// How many API tokens it has.
    pub tokens: u64,
}

/// `GET /api/v1/registry/users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    /// How many.
    pub count: usize,
    /// Each user.
    pub users: Vec<User>,
}

/// `PUT /api/v1/registry/users/{name}`: creates a user (it needs a role) or changes one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct UserChange {
    /// `viewer`, `operator` or `admin`.
    pub role: Option<String>,
    /// A password for the web map's login; null removes it.
    pub password: Option<String>,
}

/// `DELETE /api/v1/registry/users/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserRemoved {
    /// The user removed.
    pub removed: String,
}

/// `POST /api/v1/registry/users/{name}/tokens`: a new token, shown in this answer only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewToken {
    /// The user.
    pub name: String,
    /// The token.
    pub token: String,
}

/// `DELETE /api/v1/registry/users/{name}/tokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokensRemoved {
    /// The user.
    pub name: String,
    /// How many tokens were forgotten.
    pub tokens_removed: u64,
}
