//! roadcloud's TLS (issue 14, item 3).
//!
//! - [`pki`]: a zone's own private PKI in a folder: a CA, the server's certificate, a
//!   certificate per device whose subject common name is the device's identity
//!   (`obu:5a1f3c7e00a1b2c3`), and the CA's revocation list.
//! - [`config`]: the rustls server configurations built from such files (or from an
//!   operator's own CA and certificates): MQTT asks for client certificates, HTTPS does not.
//! - [`listener`]: an HTTPS listener the HTTP API serves on.

#![warn(missing_docs)]

pub mod config;
pub mod listener;
pub mod pki;

pub use config::{MqttTls, TlsError, TlsFiles, client_config};
pub use listener::TlsListener;
/// The rustls this crate builds its configurations with.
pub use tokio_rustls::rustls;
