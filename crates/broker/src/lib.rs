//! roadcloud's MQTT front end.
//!
//! Devices connect to it as to any MQTT 3.1.1 broker, in plain TCP or TLS. It is not a
//! general broker: it exists so that roadcloud decides at the door who gets in and what
//! passes (issue 14, items 1 and 2):
//! - at the TLS handshake, the client certificate's chain (the zone's CA, its revocation
//!   list), then at CONNECT who the client is ([`Gatekeeper`]);
//! - at PUBLISH, whether the client may send on that topic ([`roadcloud_access::Principal::may_publish`]):
//!   what it may is handed to the pipeline as a [`Frame`], the rest is dropped and counted;
//! - at SUBSCRIBE, whether the client may read that filter ([`roadcloud_access::Principal::may_subscribe`]):
//!   a refused filter gets the SUBACK failure code and nothing is ever delivered on it.
//!
//! Uplinks are never relayed to other clients: only roadcloud reads them. Downlinks are what
//! roadcloud publishes ([`BrokerHandle::publish`]), delivered at QoS 0 to the subscribers
//! whose filters match.
//!
//! Each connection is one task (its socket, its read buffer, a small outbox); the
//! subscriptions are owned by one router task that takes typed messages from a bounded inbox
//! (the `router` module). An idle connection holds a few kilobytes and no read buffer.

#![warn(missing_docs)]

mod connection;
mod router;
mod tls;

pub use tls::peer_certificate;

use roadcloud_access::{ConnectRefusal, Gatekeeper};
pub use roadcloud_transport::mqtt::BrokerError;
use roadcloud_transport::{DownlinkError, Downlinks, Frame};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// How the front end listens and what it allows.
#[derive(Clone)]
pub struct BrokerConfig {
    /// Where MQTT clients connect.
    pub listen: SocketAddr,
    /// TLS (with client certificates, as the server config's verifier asks), or plain TCP.
    /// A new configuration sent on the watch (a new revocation list) takes new connections
    /// at once, and each open connection checks its client certificate again under it.
    pub tls: Option<tokio::sync::watch::Receiver<roadcloud_tls::MqttTls>>,
    /// Largest packet accepted, octets (a MAP of a big intersection is a few KB).
    pub max_packet_size: usize,
    /// Most simultaneous connections; more are closed at once and counted.
    pub max_connections: usize,
    /// How long a new connection has to finish TLS and send CONNECT.
    pub connect_timeout: Duration,
    /// How many downlink packets wait for a slow client before more are dropped.
    pub outbox_packets: usize,
    /// Acknowledge a QoS 1 or 2 publish only once roadcloud has kept it (the frame's
    /// [`roadcloud_transport::Ack`]: in a cluster, once the stream has it); one not kept
    /// closes the connection, and the client sends it again on its next. `false`: once it is
    /// in roadcloud's inbox.
    pub ack_when_kept: bool,
}

impl BrokerConfig {
    /// Defaults for `listen`: plain TCP, 64 KiB packets, 20,000 connections.
    pub fn new(listen: SocketAddr) -> BrokerConfig {
        BrokerConfig {
            listen,
            tls: None,
            max_packet_size: 64 * 1024,
            max_connections: 20_000,
            connect_timeout: Duration::from_secs(10),
            outbox_packets: 64,
            ack_when_kept: false,
        }
    }
}

/// What the front end has done, for `/metrics`.
#[derive(Debug, Default)]
pub struct BrokerStats {
    /// Clients connected now (after CONNACK).
    pub connected: AtomicUsize,
    /// Clients admitted since start.
    pub admitted: AtomicU64,
    refused: [AtomicU64; ConnectRefusal::ALL.len()],
    last_logged_s: [AtomicI64; ConnectRefusal::ALL.len()],
    /// PUBLISH packets dropped by the ACL.
    pub publish_denied: AtomicU64,
    /// SUBSCRIBE filters refused by the ACL.
    pub subscribe_denied: AtomicU64,
    /// Downlink packets dropped because a client's outbox was full.
    pub downlinks_dropped: AtomicU64,
    /// Connections closed because their device was disabled or removed, or their client
    /// certificate revoked, while connected.
    pub disconnected_revoked: AtomicU64,
}

impl BrokerStats {
    /// Clients refused since start, by reason.
    pub fn refused(&self) -> impl Iterator<Item = (ConnectRefusal, u64)> + '_ {
        ConnectRefusal::ALL
            .into_iter()
            .map(|r| (r, self.refused[r.index()].load(Ordering::Relaxed)))
    }

    /// Counts a refusal and logs it, at most once a second per reason.
    fn refuse(&self, reason: ConnectRefusal, peer: SocketAddr, detail: &str) {
        self.refused[reason.index()].fetch_add(1, Ordering::Relaxed);
        let now_s = roadcloud_transport::now_millis() / 1_000;
        let last = &self.last_logged_s[reason.index()];
        let prev = last.load(Ordering::Relaxed);
        if prev != now_s
            && last
                .compare_exchange(prev, now_s, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                reason = reason.as_str(),
                %peer,
                "MQTT client refused: {detail} (logged at most once a second per reason; \
                 roadcloud_mqtt_refused_total counts all)"
            );
        }
    }
}

/// What every connection task shares: read-only settings and handles, and the counters.
struct Shared {
    config: BrokerConfig,
    gate: Arc<dyn Gatekeeper>,
    uplinks: mpsc::Sender<Frame>,
    router: mpsc::Sender<router::Command>,
    stats: Arc<BrokerStats>,
    /// Connections open now, including those not yet admitted.
    open: AtomicUsize,
    /// The gate's generation: connections look at their admission again when it changes.
    generations: tokio::sync::watch::Receiver<u64>,
    /// Password checks (Argon2, tens of milliseconds of CPU each) running at once: at most
    /// one per core, so a flood of CONNECTs with passwords cannot take every core.
    password_checks: tokio::sync::Semaphore,
}

/// A running front end.
#[derive(Clone)]
pub struct BrokerHandle {
    router: mpsc::Sender<router::Command>,
    stats: Arc<BrokerStats>,
    local_addr: SocketAddr,
    /// The accepting task and the one passing the gate's generation on.
    tasks: Arc<[tokio::task::AbortHandle; 2]>,
}

impl BrokerHandle {
    /// Where it listens (the port chosen, when the config asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Its counters.
    pub fn stats(&self) -> &Arc<BrokerStats> {
        &self.stats
    }

    /// Stops the front end: accepts no more connections (the port is free again) and
    /// closes those open, each at its next wake-up (they watch the gate's generation,
    /// whose sender goes).
    pub fn shutdown(&self) {
        for task in self.tasks.iter() {
            task.abort();
        }
    }
}

impl Downlinks for BrokerHandle {
    /// Queues `payload` on `topic` for every subscriber whose filter matches; fails only
    /// when the router's inbox is full (the caller does not wait).
    fn publish(&mut self, topic: String, payload: Vec<u8>) -> Result<(), DownlinkError> {
        self.router
            .try_send(router::Command::Publish {
                topic,
                payload: payload.into(),
            })
            .map_err(|e| DownlinkError(format!("downlink not queued: {e}")))
    }
}

/// Starts the front end: binds `config.listen`, then accepts connections in the background,
/// admitting clients through `gate` and handing every permitted uplink to `uplinks` (a
/// bounded channel: when roadcloud falls behind, the connection's reads wait).
pub async fn start(
    config: BrokerConfig,
    gate: Arc<dyn Gatekeeper>,
    uplinks: mpsc::Sender<Frame>,
) -> Result<BrokerHandle, BrokerError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| {
            BrokerError(format!(
                "cannot listen for MQTT on {}: {e} (choose another address with --mqtt-listen)",
                config.listen
            ))
        })?;
    let local_addr = listener
        .local_addr()
        .map_err(|e| BrokerError(format!("cannot read the MQTT listen address: {e}")))?;
    let stats = Arc::new(BrokerStats::default());
    let (router_tx, router_rx) = mpsc::channel(65_536);
    tokio::spawn(router::run(router_rx, stats.clone()));
    let (generation_tx, generations) = tokio::sync::watch::channel(gate.generation());
    let watching = tokio::spawn(watch_gate(gate.clone(), generation_tx));
    let shared = Arc::new(Shared {
        config,
        gate,
        uplinks,
        router: router_tx.clone(),
        stats: stats.clone(),
        open: AtomicUsize::new(0),
        generations,
        password_checks: tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        ),
    });
    let accepting = tokio::spawn(accept(listener, shared));
    Ok(BrokerHandle {
        router: router_tx,
        stats,
        local_addr,
        tasks: Arc::new([accepting.abort_handle(), watching.abort_handle()]),
    })
}

/// The front end as one of a node's sources ([`roadcloud_transport::Source`]): started
/// with the node's other sources, its handle (its address, counters and shutdown) is
/// kept in [`FrontEnd::handle`] once it runs.
pub struct FrontEnd {
    config: BrokerConfig,
    gate: Arc<dyn Gatekeeper>,
    handle: Arc<std::sync::OnceLock<BrokerHandle>>,
}

impl FrontEnd {
    /// The front end these settings describe, not yet started.
    pub fn new(config: BrokerConfig, gate: Arc<dyn Gatekeeper>) -> FrontEnd {
        FrontEnd {
            config,
            gate,
            handle: Arc::default(),
        }
    }

    /// Where its handle is kept once it has started.
    pub fn handle(&self) -> Arc<std::sync::OnceLock<BrokerHandle>> {
        self.handle.clone()
    }
}

impl roadcloud_transport::Source for FrontEnd {
    fn start(
        self: Box<Self>,
        frames: mpsc::Sender<Frame>,
    ) -> roadcloud_transport::source::Starting {
        Box::pin(async move {
            let scheme = if self.config.tls.is_some() {
                "MQTT over TLS"
            } else {
                "MQTT"
            };
            let b = start(self.config, self.gate, frames).await.map_err(|e| {
                roadcloud_transport::SourceError(format!("cannot start the MQTT front end: {e}"))
            })?;
            let _ = self.handle.set(b.clone());
            let stop = b.clone();
            Ok(roadcloud_transport::Started::new(
                format!("{scheme} listening on {}", b.local_addr()),
                Some(b.local_addr()),
                Some(Box::new(b)),
                move || stop.shutdown(),
            ))
        })
    }
}

/// Every second, passes a change of the gate's generation on to the connections (one timer
/// for all of them, instead of one each).
async fn watch_gate(gate: Arc<dyn Gatekeeper>, tx: tokio::sync::watch::Sender<u64>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let now = gate.generation();
        tx.send_if_modified(|g| std::mem::replace(g, now) != now);
        if tx.is_closed() {
            return;
        }
    }
}

/// Accepts connections until aborted ([`BrokerHandle::shutdown`]); each gets its own task.
async fn accept(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors, mostly: wait rather than spin.
                tracing::warn!("MQTT accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if shared.open.load(Ordering::Acquire) >= shared.config.max_connections {
            shared.stats.refuse(
                ConnectRefusal::TooManyConnections,
                peer,
                "connection limit reached",
            );
            continue;
        }
        shared.open.fetch_add(1, Ordering::AcqRel);
        let _ = tcp.set_nodelay(true);
        let s = shared.clone();
        // Each mode its own task, sized for its own state: a plain connection does not carry
        // room for TLS, and the handshake's state lives on the heap only while it runs.
        match s.config.tls.clone() {
            None => {
                tokio::spawn(async move {
                    connection::run(tcp, peer, None, &s).await;
                    s.open.fetch_sub(1, Ordering::AcqRel);
                });
            }
            Some(tls) => {
                let tls = tls.borrow().config.clone();
                tokio::spawn(async move {
                    let handshake = Box::pin(tls::handshake(tcp, peer, tls, &s)).await;
                    if let Some((stream, cert)) = handshake {
                        connection::run(stream, peer, cert, &s).await;
                    }
                    s.open.fetch_sub(1, Ordering::AcqRel);
                });
            }
        }
    }
}
