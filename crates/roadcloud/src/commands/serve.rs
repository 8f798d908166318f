//! `roadcloud serve`: the platform in one process.
//!
//! ```text
//! embedded MQTT broker -> Frame channel (bounded) -> admission -> world (tracks) -> HTTP API
//! ```

use crate::api;
use anyhow::{Context, Result};
use clap::Args;
use roadcloud_admission::{Admission, AdmissionConfig, Admitted, Reason};
use roadcloud_csae::MessageFrame;
use roadcloud_transport::mqtt::{BrokerSettings, EmbeddedBroker};
use roadcloud_transport::{Frame, now_millis};
use roadcloud_world::events::{EventKind, RoadEvent, events_from_rsi};
use roadcloud_world::map::{Intersection, NodeId, intersections_from_map};
use roadcloud_world::signals::{SignalState, signals_from_spat};
use roadcloud_world::{LocalFrame, TrackConfig, Tracks, observe_bsm, observe_rsm};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Run the platform: embedded MQTT broker, admission, world model and HTTP API.
///
/// Devices publish to the embedded broker on the topics of the RSU-to-centre convention
/// (V2X/RSU/{rsuId}/{BSM|RSM|SPAT|MAP|RSI}/UP, V2X/OBU/{vehicleId}/{BSM|VIR}/UP; append /JSON
/// for the JSON form). The live world is at http://HTTP_LISTEN/api/v1/participants.
///
/// Example:
///   roadcloud serve --mqtt-listen 0.0.0.0:1883 --http-listen 127.0.0.1:8080
///   mosquitto_pub -h 127.0.0.1 -t V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP/JSON -f bsm.json
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct ServeArgs {
    /// Where the embedded MQTT broker listens.
    #[arg(long, default_value = "0.0.0.0:1883")]
    pub mqtt_listen: SocketAddr,
    /// Where RSUs send UDP datagrams of UPER MessageFrames, or `off`.
    #[arg(long, default_value = "0.0.0.0:5555")]
    pub udp_listen: ListenOrOff,
    /// Where the HTTP API listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub http_listen: SocketAddr,
    /// Latitude of the zone origin, degrees (the local east-north frame's centre).
    #[arg(long, default_value_t = 31.2866)]
    pub origin_lat: f64,
    /// Longitude of the zone origin, degrees.
    #[arg(long, default_value_t = 121.1655)]
    pub origin_lon: f64,
    /// Oldest message accepted, milliseconds between generation and reception.
    #[arg(long, default_value_t = 2_000)]
    pub max_age_ms: i64,
    /// Latest message accepted, milliseconds a sender's clock may run ahead.
    #[arg(long, default_value_t = 500)]
    pub max_future_ms: i64,
    /// Sustained messages per second per vehicle (RSUs get 50 times this).
    #[arg(long, default_value_t = 20.0)]
    pub rate_per_s: f64,
    /// How long a source's report keeps a track alive, milliseconds.
    #[arg(long, default_value_t = 1_000)]
    pub track_ttl_ms: i64,
    /// How long an intersection's signal state stands without a new SPAT, milliseconds
    /// (RSUs send SPAT several times a second; a silent controller's state must not linger).
    #[arg(long, default_value_t = 5_000)]
    pub signal_ttl_ms: i64,
    /// How long an RSI event or sign stands without being announced again, milliseconds
    /// (an event whose end time has passed goes at once).
    #[arg(long, default_value_t = 60_000)]
    pub event_ttl_ms: i64,
}

/// A listen address, or `off`.
#[derive(Debug, Clone, Copy)]
pub struct ListenOrOff(pub Option<SocketAddr>);

impl std::str::FromStr for ListenOrOff {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "off" {
            return Ok(ListenOrOff(None));
        }
        s.parse()
            .map(|a| ListenOrOff(Some(a)))
            .map_err(|e| format!("{e}: give ADDR:PORT, e.g. 0.0.0.0:5555, or off"))
    }
}

/// Counters of the pipeline, for `/api/v1/stats` and `/metrics`.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    /// Frames received, by transport.
    pub received: u64,
    /// Frames admitted.
    pub admitted: u64,
    /// Frames admitted by message kind.
    pub admitted_by_kind: HashMap<&'static str, u64>,
    /// Observations applied to the tracks.
    pub observations: u64,
}

/// Everything the pipeline writes and the API reads.
pub struct World {
    /// The zone's frame.
    pub frame: LocalFrame,
    /// Admission state and per-device statistics.
    pub admission: Admission,
    /// The live tracks.
    pub tracks: Tracks,
    /// Intersections from MAP, by node.
    pub intersections: HashMap<NodeId, Intersection>,
    /// Latest signal state from SPAT, by node.
    pub signals: HashMap<NodeId, SignalState>,
    /// Road events and signs from RSI, by (RSU, event or sign, local id).
    pub events: HashMap<([u8; 8], EventKind, u8), RoadEvent>,
    /// Pipeline counters.
    pub counters: Counters,
    /// When the server started, ms since the epoch.
    pub started_at: i64,
}

/// The world, shared between the pipeline (the single writer) and the API.
pub type SharedWorld = Arc<RwLock<World>>;

impl World {
    fn apply(&mut self, a: Admitted) {
        self.counters.admitted += 1;
        let kind = a.topic.message.as_str();
        *self.counters.admitted_by_kind.entry(kind).or_default() += 1;
        let observations = match &a.message {
            MessageFrame::BsmFrame(b) => observe_bsm(&self.frame, b, a.received_at)
                .into_iter()
                .collect(),
            MessageFrame::RsmFrame(r) => observe_rsm(&self.frame, r, a.received_at),
            MessageFrame::MapFrame(m) => {
                for x in intersections_from_map(&self.frame, m) {
                    self.intersections.insert(x.id, x);
                }
                Vec::new()
            }
            MessageFrame::SpatFrame(sp) => {
                for st in signals_from_spat(sp, a.received_at) {
                    self.signals.insert(st.intersection, st);
                }
                Vec::new()
            }
            MessageFrame::RsiFrame(r) => {
                for e in events_from_rsi(&self.frame, r, a.received_at) {
                    self.events.insert((e.rsu, e.kind, e.local_id), e);
                }
                Vec::new()
            }
            // Day II messages (VIR) enter the applications in later work.
            MessageFrame::MsgFrameExt(_) => Vec::new(),
        };
        for o in observations {
            self.counters.observations += 1;
            self.tracks.update(o);
        }
    }
}

/// Logs rejections at most once a second per reason, with how many were folded in.
struct RejectionLog {
    /// Per reason: when it was last logged, and how many were suppressed since.
    last: HashMap<Reason, (Instant, u64)>,
}

impl RejectionLog {
    fn note(&mut self, reason: Reason, topic: &str, detail: &str) {
        let now = Instant::now();
        match self.last.get_mut(&reason) {
            Some((at, suppressed)) if now.duration_since(*at) < Duration::from_secs(1) => {
                *suppressed += 1;
            }
            entry => {
                let suppressed = entry.map_or(0, |(_, n)| *n);
                tracing::warn!(
                    reason = reason.as_str(),
                    topic,
                    suppressed,
                    "rejected: {detail}"
                );
                self.last.insert(reason, (now, 0));
            }
        }
    }
}

/// Runs `roadcloud serve` until SIGINT or SIGTERM.
pub fn run(args: &ServeArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args.clone()))
}

async fn serve(args: ServeArgs) -> Result<()> {
    let world: SharedWorld = Arc::new(RwLock::new(World {
        frame: LocalFrame::new(args.origin_lat, args.origin_lon),
        admission: Admission::new(AdmissionConfig {
            max_age_ms: args.max_age_ms,
            max_future_ms: args.max_future_ms,
            rate_per_s: args.rate_per_s,
            burst: args.rate_per_s * 2.0,
            ..AdmissionConfig::default()
        }),
        tracks: Tracks::new(TrackConfig {
            source_ttl_ms: args.track_ttl_ms,
            ..TrackConfig::default()
        }),
        intersections: HashMap::new(),
        signals: HashMap::new(),
        events: HashMap::new(),
        counters: Counters::default(),
        started_at: now_millis(),
    }));

    // Bounded: when the world falls behind, the broker link waits instead of queueing
    // without limit.
    let (frames_tx, frames_rx) = mpsc::channel::<Frame>(16_384);
    let settings = BrokerSettings {
        listen: args.mqtt_listen,
        ..BrokerSettings::default()
    };
    let _broker = EmbeddedBroker::start(&settings, frames_tx.clone())
        .context("cannot start the MQTT broker")?;
    tracing::info!("MQTT broker listening on {}", args.mqtt_listen);
    if let Some(addr) = args.udp_listen.0 {
        let bound = roadcloud_transport::udp::listen(addr, frames_tx)
            .await
            .with_context(|| {
                format!("cannot listen for UDP on {addr} (choose another address with --udp-listen, or off)")
            })?;
        tracing::info!("UDP listening on {bound}");
    }

    tokio::spawn(ingest(frames_rx, world.clone()));
    tokio::spawn(expire(world.clone(), args.signal_ttl_ms, args.event_ttl_ms));

    let listener = tokio::net::TcpListener::bind(args.http_listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen for HTTP on {} (choose another address with --http-listen)",
                args.http_listen
            )
        })?;
    tracing::info!(
        "HTTP API on http://{}/api/v1/participants",
        args.http_listen
    );
    println!(
        "roadcloud is serving: MQTT on {}, UDP on {}, API on http://{}/api/v1/",
        args.mqtt_listen,
        args.udp_listen
            .0
            .map_or("off".to_string(), |a| a.to_string()),
        args.http_listen
    );
    axum::serve(listener, api::router(world))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("HTTP server failed")?;
    tracing::info!("stopped");
    Ok(())
}

async fn ingest(mut frames: mpsc::Receiver<Frame>, world: SharedWorld) {
    let mut log = RejectionLog {
        last: HashMap::new(),
    };
    let mut batch = Vec::with_capacity(256);
    // Take frames in batches: one lock per batch, not per message.
    while frames.recv_many(&mut batch, 256).await > 0 {
        let mut w = world.write().expect("world lock");
        for f in batch.drain(..) {
            w.counters.received += 1;
            match w.admission.admit(&f) {
                Ok(a) => w.apply(a),
                Err(r) => log.note(r.reason, &f.topic, &r.detail),
            }
        }
    }
}

async fn expire(world: SharedWorld, signal_ttl_ms: i64, event_ttl_ms: i64) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tick.tick().await;
        let now = now_millis();
        let mut w = world.write().expect("world lock");
        w.tracks.expire(now);
        w.signals
            .retain(|_, s| now - s.received_at <= signal_ttl_ms);
        w.events.retain(|_, e| {
            now - e.received_at <= event_ttl_ms && e.end.is_none_or(|end| end > now)
        });
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
