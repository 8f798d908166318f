//! Access: who may reach roadcloud, which devices and operators get in, and what each may do.
//!
//! - [`exposure`]: Redis's protected mode: no listener beyond loopback without TLS and
//!   authentication unless `--insecure`.
//! - [`device`]: the device registry's entries: kind, id, what it may send, how it proves
//!   who it is.
//! - [`acl`]: what a connected client may publish and subscribe to.
//! - [`gate`]: the decision at MQTT CONNECT ([`Gatekeeper`]), and why a client is refused.
//! - [`operator`]: operator accounts, roles and API tokens.
//! - [`secret`]: salted slow password hashes (Argon2id) and random tokens.

#![warn(missing_docs)]

pub mod acl;
pub mod device;
pub mod exposure;
pub mod gate;
pub mod operator;
pub mod secret;

pub use acl::Principal;
pub use device::{Device, DeviceClass, Identity};
pub use exposure::{Exposure, Listener, Refusal};
pub use gate::{ConnectRefusal, Gatekeeper, Hello, OpenGate, PresentedCertificate, RegistryGate};
pub use operator::{Operator, Role};
