//! Sources: the ways messages come in, each behind [`Source`], as Vector's sources are.
//!
//! A node starts the sources its configuration lists (roadcloud's MQTT front end, an
//! external MQTT broker, UDP from RSUs, a NATS server) through this one trait: each binds
//! or connects, hands every message it takes in to the node's bounded frame channel as a
//! [`Frame`], and may carry downlinks back to the devices that read through it.

use crate::{Downlinks, Frame};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use tokio::sync::mpsc;

/// What a source's start comes to, later.
pub type Starting = Pin<Box<dyn Future<Output = Result<Started, SourceError>> + Send>>;

/// A way messages come in.
pub trait Source: Send {
    /// Binds or connects, and from then on sends each message taken in to `frames` (a
    /// bounded channel: when it is full, the source waits, and so do its devices). Fails,
    /// saying what to change, when it cannot bind or reach what it needs.
    fn start(self: Box<Self>, frames: mpsc::Sender<Frame>) -> Starting;
}

/// A running source.
pub struct Started {
    /// What it is and where, for the log: `UDP on 127.0.0.1:5555`.
    pub description: String,
    /// The address it listens on (the port chosen, when asked for port 0); `None` for a
    /// client of another server.
    pub local_addr: Option<SocketAddr>,
    /// Where devices that reach roadcloud through it read their downlinks; `None` when
    /// they cannot (UDP).
    pub downlinks: Option<Box<dyn Downlinks>>,
    /// Stops it taking messages in.
    stop: Box<dyn FnOnce() + Send>,
}

impl Started {
    /// A running source, and how to stop it.
    pub fn new(
        description: String,
        local_addr: Option<SocketAddr>,
        downlinks: Option<Box<dyn Downlinks>>,
        stop: impl FnOnce() + Send + 'static,
    ) -> Started {
        Started {
            description,
            local_addr,
            downlinks,
            stop: Box::new(stop),
        }
    }

    /// Stops taking messages in (what was taken in still goes on through the node). Its
    /// downlinks, taken out before, may still publish until dropped.
    pub fn stop(self) {
        (self.stop)()
    }
}

/// Why a source did not start: what went wrong and what to change.
#[derive(Debug)]
pub struct SourceError(pub String);

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SourceError {}

/// UDP datagrams from RSUs ([`crate::udp`]).
pub struct UdpSource {
    /// Where to listen.
    pub listen: SocketAddr,
}

impl Source for UdpSource {
    fn start(self: Box<Self>, frames: mpsc::Sender<Frame>) -> Starting {
        Box::pin(async move {
            let listening = crate::udp::listen(self.listen, frames)
                .await
                .map_err(|e| {
                    SourceError(format!(
                        "cannot listen for UDP on {}: {e} (choose another address with --udp-listen, or off)",
                        self.listen
                    ))
                })?;
            let task = listening.task;
            Ok(Started::new(
                format!("UDP listening on {}", listening.addr),
                Some(listening.addr),
                None,
                move || task.abort(),
            ))
        })
    }
}

/// The uplinks of an external MQTT broker, and the way to its subscribers
/// ([`crate::mqtt::ExternalBroker`]).
pub struct MqttClientSource {
    /// `mqtt://HOST:PORT` or `mqtts://HOST:PORT`.
    pub url: String,
    /// roadcloud's client id there.
    pub client_id: String,
    /// For `mqtts://`: the CA to trust and roadcloud's client certificate.
    pub tls: Option<std::sync::Arc<tokio_rustls::rustls::ClientConfig>>,
}

impl Source for MqttClientSource {
    fn start(self: Box<Self>, frames: mpsc::Sender<Frame>) -> Starting {
        Box::pin(async move {
            let b =
                crate::mqtt::ExternalBroker::connect(&self.url, &self.client_id, self.tls, frames)
                    .await
                    .map_err(|e| {
                        SourceError(format!("cannot use the external MQTT broker: {e}"))
                    })?;
            let uplinks = b.uplinks();
            Ok(Started::new(
                format!("reading uplinks from the MQTT broker at {}", self.url),
                None,
                Some(Box::new(b)),
                move || uplinks.abort(),
            ))
        })
    }
}
