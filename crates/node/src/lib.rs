//! A roadcloud node as a library.
//!
//! [`Node::start`] takes a [`NodeConfig`] (every setting of `roadcloud serve`, one field per
//! flag) and runs the platform on the current tokio runtime: MQTT (its own front end, or a
//! client of an external broker) and UDP ingest, admission, the world and the applications,
//! the store, the HTTP API and the web map. It returns once everything listens, with a
//! [`NodeHandle`]: the addresses actually bound (port 0 picks one), a look at the live world,
//! and [`NodeHandle::shutdown`], which stops the listeners and puts the last records on disk.
//!
//! ```text
//! MQTT (front end or external) -------\
//! UDP from RSUs -----------------------+-> Frame channel (bounded) -> decode (every core)
//!                                                                          |
//!                                              world stage (admission, world, applications)
//!                                                                          |
//!                         journal every 100 ms: live feed (WebSocket), store (SQLite, WAL)
//!                                                                          |
//!                                                   HTTP API reads the world and the store
//! ```
//!
//! The `roadcloud` binary only turns flags and config files into a [`NodeConfig`]; `demo`,
//! `sim sumo`, `eval` and the tests start their nodes here.

mod cluster;
mod config;
mod http;
mod node;
mod reload;
mod rtcm;
mod sinks;
mod stages;

pub use config::{ListenOrOff, NodeConfig, VerifyPolicy};
pub use node::{Bound, Node, NodeHandle, World, reachable};

/// The OpenAPI 3.1 document of the HTTP API, as a node serves it at
/// `/api/v1/openapi.json`: generated from the handlers and the types of [`roadcloud_api`].
pub fn openapi_json() -> String {
    http::api::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
}
