//! roadcloud's ingress and egress.
//!
//! Devices talk to roadcloud over MQTT using the topic layout of [`topic`] (the Chinese
//! RSU-to-centre convention for roadside units, an uplink/downlink pair per vehicle), or send
//! UDP datagrams ([`udp`]), or through a NATS server ([`nats`]). Each way in is a
//! [`Source`]; every message that arrives, by whatever way, becomes a [`Frame`] on a bounded
//! channel; what roadcloud sends back goes through a [`Downlinks`] sink (its own MQTT front
//! end, an external broker, [`mqtt`], or NATS).

#![warn(missing_docs)]

pub mod mqtt;
pub mod nats;
pub mod source;
pub mod topic;
pub mod udp;

pub use source::{Source, SourceError, Started};

pub use topic::{
    DeviceId, DeviceKind, Encoding, MessageKind, Topic, TopicError, rsu_downlink_topic,
    signal_priority_topic, vehicle_advice_topic, vehicle_downlink_topic,
};

use bytes::Bytes;

/// How a frame reached roadcloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// MQTT (roadcloud's front end or an external broker).
    Mqtt,
    /// UDP datagrams from an RSU.
    Udp,
    /// A NATS server's subjects.
    Nats,
    /// The HTTP API.
    Http,
}

/// One message as it arrived, before decoding: what the codec stage takes.
#[derive(Debug, Clone)]
pub struct Frame {
    /// How it arrived.
    pub transport: Transport,
    /// The MQTT topic (for UDP and HTTP, the equivalent topic of the sender).
    pub topic: String,
    /// The payload: UPER octets, or JSON text when the topic ends in `/JSON`.
    pub payload: Bytes,
    /// When roadcloud received it, milliseconds since the Unix epoch.
    pub received_at: i64,
    /// The sender waits for roadcloud to keep it (a QoS 1 publish to a node in a cluster):
    /// see [`Ack`]. `None`: nobody waits.
    pub ack: Option<Ack>,
}

/// A device's publish whose acknowledgement waits until roadcloud has kept it.
///
/// Whoever holds the frame's message passes this on with it; once every holder has let go,
/// the sender's receiver learns whether it was kept (`true`) or must be sent again
/// (`false`, when a holder called [`Ack::fail`]). In a cluster the front end acknowledges a
/// QoS 1 publish (MQTT 3.1.1 §4.3.2, PUBACK) only once the cluster's stream has it, so a
/// node killed after the acknowledgement loses nothing the device was told is in.
#[derive(Clone)]
pub struct Ack(std::sync::Arc<AckInner>);

struct AckInner {
    kept: Option<tokio::sync::oneshot::Sender<bool>>,
    failed: std::sync::atomic::AtomicBool,
}

impl Ack {
    /// A new token, and where its outcome comes.
    pub fn new() -> (Ack, tokio::sync::oneshot::Receiver<bool>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let inner = AckInner {
            kept: Some(tx),
            failed: std::sync::atomic::AtomicBool::new(false),
        };
        (Ack(std::sync::Arc::new(inner)), rx)
    }

    /// What it stands for was not kept: the sender must send it again.
    pub fn fail(&self) {
        self.0
            .failed
            .store(true, std::sync::atomic::Ordering::Release);
    }
}

impl Drop for AckInner {
    fn drop(&mut self) {
        if let Some(tx) = self.kept.take() {
            let _ = tx.send(!self.failed.load(std::sync::atomic::Ordering::Acquire));
        }
    }
}

impl std::fmt::Debug for Ack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ack")
    }
}

/// Where downlinks go: advisories to vehicles, RSIs to RSUs.
pub trait Downlinks: Send {
    /// Publishes `payload` on `topic`. Does not wait: fails when the way out is full.
    fn publish(&mut self, topic: String, payload: Vec<u8>) -> Result<(), DownlinkError>;
}

/// Several ways out at once: each downlink goes to every one of them, as a device reads
/// its downlinks wherever it is connected (roadcloud's front end, or a NATS server).
pub struct EveryDownlink(pub Vec<Box<dyn Downlinks>>);

impl Downlinks for EveryDownlink {
    /// Publishes on each; fails, naming why, when any of them refused.
    fn publish(&mut self, topic: String, payload: Vec<u8>) -> Result<(), DownlinkError> {
        let mut refused = Vec::new();
        for way in &mut self.0 {
            if let Err(e) = way.publish(topic.clone(), payload.clone()) {
                refused.push(e.0);
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(DownlinkError(refused.join("; ")))
        }
    }
}

/// Why a downlink was not sent.
#[derive(Debug)]
pub struct DownlinkError(pub String);

impl std::fmt::Display for DownlinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DownlinkError {}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Microseconds since the Unix epoch, now (for latencies finer than a millisecond).
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}
