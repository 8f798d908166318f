//! `roadcloud serve`: the platform in one process.
//!
//! ```text
//! MQTT (front end or external) -------\
//! UDP from RSUs -----------------------+-> Frame channel (bounded) -> pipeline (admission, world)
//!                                                                          |
//!                         journal every 100 ms: live feed (WebSocket), store (SQLite, WAL)
//!                                                                          |
//!                                                   HTTP API reads the world and the store
//! ```

use crate::series::Series;
use crate::{api, auth, live, views, web};
use anyhow::{Context, Result, bail};
use clap::Args;
use roadcloud_access::{Exposure, Listener};
use roadcloud_access::{Gatekeeper, OpenGate, RegistryGate};
use roadcloud_admission::keeping_up::{OnDemand, Thinning};
use roadcloud_admission::{AdmissionConfig, Decoded, Reason, Rejection, Security};
use roadcloud_broker::{BrokerConfig, BrokerStats};
use roadcloud_csae::MessageFrame;
use roadcloud_misbehaviour::Mode as MisbehaviourMode;
use roadcloud_pipeline::{Pipeline, PipelineConfig, RelayConfig};
use roadcloud_security::trust::TrustStore;
use roadcloud_store::Registry;
use roadcloud_store::{Store, Writer};
use roadcloud_tls::TlsFiles;
use roadcloud_transport::mqtt::ExternalBroker;
use roadcloud_transport::{
    DeviceId, Downlinks, Frame, MessageKind, now_micros, now_millis, rsu_downlink_topic,
    vehicle_advice_topic,
};
use roadcloud_world::TrackConfig;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Run the platform: MQTT (its own front end, or a client of an external broker), UDP from RSUs,
/// admission, the world model, the 16 Day-1 cooperative applications, the store and the
/// HTTP API.
///
/// Devices publish on the topics of the RSU-to-centre convention
/// (V2X/RSU/{rsuId}/{BSM|RSM|SPAT|MAP|RSI}/UP, V2X/OBU/{vehicleId}/{BSM|VIR}/UP; append /JSON
/// for the JSON form). Advisories go to V2X/OBU/{vehicleId}/ADVICE/DOWN as JSON. The web map
/// is at http://HTTP_LISTEN/, the live world at /api/v1/participants, the applications at
/// /api/v1/apps.
///
/// With --pki DIR (from `roadcloud pki init`), MQTT speaks TLS and lets in only the
/// registry's devices (a client certificate from the zone's CA, or a password), each on its
/// own topics; the API and web map speak HTTPS and ask operators to log in (docs/security.md).
/// Listening beyond loopback (e.g. 0.0.0.0) without TLS and authentication is refused
/// unless --insecure is given.
///
/// Every setting can also come from a TOML file (--config), keyed by the flag's name:
///   http-listen = "127.0.0.1:9090"
/// A flag on the command line wins over the file. Each application's switch and parameters
/// come from its table there (docs/apps.md):
///   [apps.FCW]
///   ttc_warning_s = 3.0
///
/// Examples:
///   roadcloud serve --mqtt-listen 127.0.0.1:1883 --http-listen 127.0.0.1:8080
///   roadcloud serve --pki pki --mqtt-listen 0.0.0.0:8883 --http-listen 0.0.0.0:8443
///   roadcloud serve --mqtt-listen 0.0.0.0:1883 --insecure    (a lab: no TLS, no authentication)
///   roadcloud serve --config roadcloud.toml
///   roadcloud serve --broker mqtt://127.0.0.1:1883 --data-dir /var/lib/roadcloud
///   mosquitto_pub -h 127.0.0.1 -t V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP/JSON -f bsm.json
#[derive(Args, Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[command(verbatim_doc_comment)]
pub struct ServeArgs {
    /// Read settings from this TOML file (keys are the flags' names, e.g. http-listen).
    #[arg(long, value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Where roadcloud's MQTT front end listens (over TLS with --pki: 8883 by convention), or
    /// `off` (UDP or --broker only).
    #[arg(long, default_value = "127.0.0.1:1883")]
    pub mqtt_listen: ListenOrOff,
    /// Use this external MQTT broker (mqtt://HOST:PORT, or mqtts://HOST:PORT with --pki:
    /// its CA and roadcloud's client certificate) instead of roadcloud's own front end.
    #[arg(long, value_name = "URL")]
    pub broker: Option<String>,
    /// Where RSUs send UDP datagrams of UPER MessageFrames, or `off`.
    #[arg(long, default_value = "127.0.0.1:5555")]
    pub udp_listen: ListenOrOff,
    /// Where the HTTP API listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub http_listen: SocketAddr,
    /// Where the database (roadcloud.db, SQLite in WAL mode) is kept.
    #[arg(long, default_value = "roadcloud-data", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Lanes for the places no RSU's MAP covers: the zone's road network as a SUMO network
    /// (.net.xml, placed with netconvert --proj.utm; netconvert makes one from OpenDRIVE or
    /// OpenStreetMap). Every road section becomes a MAP link, as an RSU would send it.
    #[arg(long, value_name = "FILE")]
    pub road_network: Option<PathBuf>,
    /// How long stored events, device changes, trajectories and advisories are kept, hours.
    #[arg(long, default_value_t = 168.0)]
    pub retention_hours: f64,
    /// How often each participant's position is stored, milliseconds (1000: 1 Hz).
    #[arg(long, default_value_t = 1_000)]
    pub trajectory_interval_ms: u64,
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
    /// Side of a map tile, metres (the unit the applications evaluate and a cluster shards).
    #[arg(long, default_value_t = 300.0)]
    pub tile_size_m: f64,
    /// How far a tile's view reaches across its border into its neighbours, metres: at
    /// least the longest range of the applications (300 m by default), so a vehicle near a
    /// border sees what lies beyond it.
    #[arg(long, default_value_t = 300.0)]
    pub mirror_margin_m: f64,
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
    /// How long a device may stay silent before it is stored as offline, milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub device_offline_ms: i64,
    /// The zone's PKI folder (`roadcloud pki init`): its CA checks devices' client
    /// certificates, its server certificate serves MQTT over TLS and HTTPS, and devices and
    /// operators must authenticate. Same as the four --tls-* files below.
    #[arg(long, value_name = "DIR")]
    pub pki: Option<PathBuf>,
    /// Your own CA certificate (PEM) for devices' client certificates, instead of --pki.
    #[arg(long, value_name = "FILE", requires_all = ["tls_cert", "tls_key"], conflicts_with = "pki")]
    pub tls_ca: Option<PathBuf>,
    /// Your own server certificate chain (PEM), instead of --pki.
    #[arg(long, value_name = "FILE", requires = "tls_ca")]
    pub tls_cert: Option<PathBuf>,
    /// Your own server private key (PEM), instead of --pki.
    #[arg(long, value_name = "FILE", requires = "tls_ca")]
    pub tls_key: Option<PathBuf>,
    /// Your CA's certificate revocation list (PEM), optional.
    #[arg(long, value_name = "FILE", requires = "tls_ca")]
    pub tls_crl: Option<PathBuf>,
    /// Where /healthz and /metrics are also served, plain HTTP without login, for
    /// monitoring (keep it on a management network), or `off`.
    #[arg(long, default_value = "off")]
    pub monitor_listen: ListenOrOff,
    /// The zone's V2X trust folder (`roadcloud pki v2x init DIR` makes a test zone's): its
    /// root certificates (roots/), the CA certificates it publishes (certs/) and its CRLs
    /// (crl/, taken again whenever they change). Every UPER uplink must then be a message
    /// signed under it (IEEE 1609.2 / YD/T 3957-2021, SM2 or ECDSA P-256).
    #[arg(long, value_name = "DIR")]
    pub v2x_trust: Option<PathBuf>,
    /// Admit unsigned messages too (bare UPER MessageFrames, and the JSON topics), for labs
    /// and devices without V2X certificates; signed ones must still verify. Without
    /// --v2x-trust, nothing can be signed, so `serve` needs one of the two. Named in the log
    /// and on the web map's header.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Which signatures are verified as messages arrive (docs/security.md#keeping-up):
    /// `on-demand` verifies every RSU message, every message that would start a track, and
    /// one BSM per vehicle each --verify-interval-ms in full; the others' signatures are
    /// checked before an advisory rests on their vehicle. `all` verifies every message as
    /// it arrives.
    #[arg(long, value_enum, default_value_t = VerifyPolicy::OnDemand)]
    pub verify: VerifyPolicy,
    /// With --verify on-demand: how often a vehicle's BSM is verified in full, milliseconds.
    #[arg(long, default_value_t = 1_000)]
    pub verify_interval_ms: i64,
    /// Misbehaviour detection (docs/misbehaviour.md): `monitor` checks every vehicle's
    /// reports and reports what fails (GET /api/v1/misbehaviour, /metrics); `enforce` also
    /// quarantines a vehicle whose trust falls (its reports move nothing, no advisory rests
    /// on it); `off`.
    #[arg(long, value_enum, default_value_t = MisbehaviourMode::Monitor)]
    pub misbehaviour: MisbehaviourMode,
    /// Export the stored misbehaviour reports to a misbehaviour authority: POSTs of JSON
    /// batches to this http:// address, each report at least once, through the MA's outages
    /// and roadcloud's restarts (docs/misbehaviour.md#export).
    #[arg(long, value_name = "URL")]
    pub ma_url: Option<String>,
    /// Listen beyond loopback without TLS or authentication, for labs: anyone on the network
    /// can then read every vehicle, invent one and switch applications off. Without it,
    /// `serve` refuses to listen on anything but loopback unsecured. Named in the log and on
    /// the web map's header.
    #[arg(long)]
    pub insecure: bool,
    /// Run without the applications: ingest, world, store and API only (to measure them
    /// alone, or where another system gives the advice).
    #[arg(long)]
    pub no_apps: bool,
    /// How long the applications may run after each batch of messages, milliseconds: they
    /// take the tiles whose vehicles reported first, and the rest wait for the next batch,
    /// so ingest latency stays bounded however busy the zone.
    #[arg(long, default_value_t = 2.0)]
    pub apps_slice_ms: f64,
    /// How long a tile's first reporting vehicle waits for the others before the
    /// applications look at the tile, milliseconds: one scene then serves them all, at the
    /// cost of that much delay. 0: none; under load the tiles wait for the applications'
    /// slice anyway, and scenes serve many vehicles without it.
    #[arg(long, default_value_t = 0)]
    pub apps_settle_ms: i64,
    /// How often a condition that stands is advised again, milliseconds.
    #[arg(long, default_value_t = 1_000)]
    pub advisory_repeat_ms: i64,
    /// RSUs within this distance of a hazard, sign or jam that vehicles are advised of get it
    /// on their downlink as RSI (`V2X/RSU/{rsuId}/RSI/DOWN`) to broadcast, metres; 0: none.
    #[arg(long, default_value_t = 500.0)]
    pub rsi_relay_radius_m: f64,
    /// The RSI `eventType` a traffic jam is announced with: T/CSAE 53-2020 takes event types
    /// from GB/T 29100-2012; give the code your zone's devices use.
    #[arg(long, default_value_t = 707)]
    pub jam_event_type: u16,
    /// The applications' settings, from the config file only: a table per application id
    /// (`[apps.FCW]`, `[apps."BSW/LCW"]`) with `enabled` and any of its parameters
    /// (docs/apps.md).
    #[arg(skip)]
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub apps: toml::Table,
}

/// A listen address, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl std::fmt::Display for ListenOrOff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(a) => write!(f, "{a}"),
            None => f.write_str("off"),
        }
    }
}

impl Serialize for ListenOrOff {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ListenOrOff {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl ServeArgs {
    /// The TLS files, from --pki or the --tls-* flags; `None` without TLS.
    pub(crate) fn tls_files(&self) -> Option<TlsFiles> {
        match (&self.pki, &self.tls_ca, &self.tls_cert, &self.tls_key) {
            (Some(dir), ..) => Some(TlsFiles::in_pki_dir(dir)),
            (None, Some(ca), Some(cert), Some(key)) => Some(TlsFiles {
                ca: ca.clone(),
                cert: cert.clone(),
                key: key.clone(),
                crl: self.tls_crl.clone(),
                client: None,
            }),
            _ => None,
        }
    }

    /// The network listeners these settings open; with TLS, MQTT and HTTP are secured
    /// (TLS, and only authenticated devices and operators).
    fn listeners(&self) -> Vec<Listener> {
        let secured = self.tls_files().is_some();
        // With an external broker, --mqtt-listen opens nothing.
        let mqtt = self.mqtt_listen.0.filter(|_| self.broker.is_none());
        [
            ("--mqtt-listen", mqtt, secured),
            // UDP has no TLS, but where every message must be signed (--v2x-trust without
            // --allow-unsigned), what arrives is verified end to end.
            (
                "--udp-listen",
                self.udp_listen.0,
                self.v2x_trust.is_some() && !self.allow_unsigned,
            ),
            ("--http-listen", Some(self.http_listen), secured),
            // Counts and latencies only, never a position or an id: issue 14 lets health and
            // metrics stay open on an address of their own.
            ("--monitor-listen", self.monitor_listen.0, true),
        ]
        .into_iter()
        .filter_map(|(flag, addr, secured)| {
            Some(Listener {
                flag,
                addr: addr?,
                secured,
            })
        })
        .collect()
    }

    fn pipeline_config(&self) -> PipelineConfig {
        PipelineConfig {
            origin_lat: self.origin_lat,
            origin_lon: self.origin_lon,
            admission: AdmissionConfig {
                max_age_ms: self.max_age_ms,
                max_future_ms: self.max_future_ms,
                rate_per_s: self.rate_per_s,
                burst: self.rate_per_s * 2.0,
                offline_after_ms: self.device_offline_ms,
                ..AdmissionConfig::default()
            },
            tracks: TrackConfig {
                source_ttl_ms: self.track_ttl_ms,
                tile_size_m: self.tile_size_m,
                mirror_margin_m: self.mirror_margin_m,
                ..TrackConfig::default()
            },
            signal_ttl_ms: self.signal_ttl_ms,
            event_ttl_ms: self.event_ttl_ms,
            advisory_repeat_ms: self.advisory_repeat_ms,
            relay: RelayConfig {
                radius_m: self.rsi_relay_radius_m,
                jam_event_type: self.jam_event_type,
                ..RelayConfig::default()
            },

            misbehaviour: roadcloud_misbehaviour::DetectorConfig {
                mode: self.misbehaviour,
                ..Default::default()
            },
        }
    }

    /// The pipeline, with the applications configured as the config file says.
    fn pipeline(&self) -> Result<Pipeline> {
        let mut p = Pipeline::new(self.pipeline_config());
        for (id, settings) in &self.apps {
            let mut settings = match serde_json::to_value(settings)? {
                serde_json::Value::Object(m) => m,
                _ => bail!("[apps.{id}] must be a table"),
            };
            let enabled = match settings.remove("enabled") {
                None => None,
                Some(serde_json::Value::Bool(b)) => Some(b),
                Some(v) => bail!("[apps.{id}] enabled must be true or false, not {v}"),
            };
            let params = (!settings.is_empty()).then(|| serde_json::Value::Object(settings));
            p.apps
                .configure(id, enabled, params.as_ref())
                .map_err(|e| anyhow::anyhow!("[apps.{id}]: {e}"))?;
        }
        Ok(p)
    }
}

/// Which signatures are verified as messages arrive (`--verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyPolicy {
    /// Every message, as it arrives.
    All,
    /// What acts at once, and a sample of the rest; the rest before it acts.
    OnDemand,
}

impl VerifyPolicy {
    /// The interval of [`OnDemand`] under this policy.
    fn interval_ms(self, interval_ms: i64) -> Option<i64> {
        match self {
            VerifyPolicy::All => None,
            VerifyPolicy::OnDemand => Some(interval_ms.max(0)),
        }
    }
}

/// The world as the API sees it: the pipeline, and when the server started.
pub struct World {
    /// The pipeline's state: admission, tracks, intersections, signals, events.
    pub pipeline: Pipeline,
    /// When the server started, ms since the epoch.
    pub started_at: i64,
}

/// The world, shared between the pipeline (the single writer) and the API.
pub type SharedWorld = Arc<RwLock<World>>;

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The live world.
    pub world: SharedWorld,
    /// The store.
    pub store: Arc<Store>,
    /// The live feed: every 100 ms, what changed, as JSON text, in each view.
    pub live: live::Feeds,
    /// The last ten minutes' rates and latency, a sample a second.
    pub series: Arc<Mutex<Series>>,
    /// How the platform is reachable (shown by the API and the web map).
    pub exposure: Exposure,
    /// The device registry, operator accounts and the audit log.
    pub registry: Arc<Registry>,
    /// Whether operators must log in (the API is served over TLS).
    pub auth_required: bool,
    /// The MQTT front end's counters, when it runs.
    pub broker: Option<Arc<BrokerStats>>,
    /// Failed logins per client address.
    pub logins: Arc<auth::LoginThrottle>,
    /// What admission asks of signatures, and the zone's trust store.
    pub security: Arc<Security>,
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

/// Runs the platform until stopped (what `run` and `demo` block on).
pub(crate) async fn serve(args: ServeArgs) -> Result<()> {
    // Before anything binds: refuse to be open to the network by accident.
    let exposure = Exposure::check(&args.listeners(), args.insecure)?;
    if let Exposure::Insecure { exposed } = &exposure {
        tracing::warn!(
            "--insecure: listening without TLS or authentication on {}; anyone who can reach \
             these addresses can read every vehicle and send as any device",
            exposed.join(", ")
        );
    }
    let (store, writer, store_thread) = Store::open(&args.data_dir).with_context(|| {
        format!(
            "cannot open the store in {} (choose another place with --data-dir)",
            args.data_dir.display()
        )
    })?;
    let store = Arc::new(store);
    tracing::info!("storing in {}", store.path().display());
    let security = Arc::new(security(&args)?);
    if let Some(dir) = &args.v2x_trust {
        tokio::spawn(reload_crls(dir.clone(), security.store.clone()));
    }
    let mut pipeline = args.pipeline()?.with_trust_store(security.store.clone());
    if let Some(path) = &args.road_network {
        let nodes = road_network(&mut pipeline, path)?;
        tracing::info!("lanes of {nodes} nodes from {}", path.display());
    }
    let world: SharedWorld = Arc::new(RwLock::new(World {
        pipeline,
        started_at: now_millis(),
    }));

    // Bounded: when the world falls behind, the MQTT link waits instead of queueing
    // without limit.
    let (frames_tx, frames_rx) = mpsc::channel::<Frame>(16_384);
    let registry = Arc::new(
        Registry::open(&args.data_dir)
            .with_context(|| format!("cannot open the registry in {}", args.data_dir.display()))?,
    );
    let tls = args.tls_files();
    let mut broker_stats = None;
    let mqtt: Option<Box<dyn Downlinks>> = match (&args.broker, args.mqtt_listen.0) {
        (Some(url), _) => {
            let client_tls = match &tls {
                Some(files) => Some(
                    files
                        .client_config()
                        .context("cannot set up TLS towards the external broker (check --pki)")?,
                ),
                None => None,
            };
            let b = ExternalBroker::connect(url, "roadcloud", client_tls, frames_tx.clone())
                .await
                .context("cannot use the external MQTT broker")?;
            tracing::info!("reading uplinks from the MQTT broker at {url}");
            Some(Box::new(b))
        }
        (None, Some(listen)) => {
            let mut config = BrokerConfig::new(listen);
            let gate: Arc<dyn Gatekeeper> = match &tls {
                Some(files) => {
                    let mqtt_tls = files.mqtt_server_config().context(
                        "cannot set up MQTT over TLS (check --pki, or --tls-ca, --tls-cert and --tls-key)",
                    )?;
                    let (tls_tx, tls_rx) = tokio::sync::watch::channel(mqtt_tls);
                    tokio::spawn(reload_tls_crl(files.clone(), tls_tx));
                    config.tls = Some(tls_rx);
                    let gate = Arc::new(RegistryGate::new(registry.devices()?));
                    if gate.is_empty() {
                        tracing::warn!(
                            "the device registry is empty: no device can connect; register \
                             them with `roadcloud pki issue` or `roadcloud devices add`"
                        );
                    }
                    tokio::spawn(reload_registry(registry.clone(), gate.clone()));
                    gate
                }
                None => Arc::new(OpenGate),
            };
            let b = roadcloud_broker::start(config, gate, frames_tx.clone())
                .await
                .context("cannot start the MQTT front end")?;
            let scheme = if tls.is_some() {
                "MQTT over TLS"
            } else {
                "MQTT"
            };
            tracing::info!("{scheme} listening on {}", b.local_addr());
            broker_stats = Some(b.stats().clone());
            Some(Box::new(b))
        }
        (None, None) => None,
    };
    if let Some(addr) = args.udp_listen.0 {
        let bound = roadcloud_transport::udp::listen(addr, frames_tx)
            .await
            .with_context(|| {
                format!("cannot listen for UDP on {addr} (choose another address with --udp-listen, or off)")
            })?;
        tracing::info!("UDP listening on {bound}");
    } else {
        drop(frames_tx);
    }

    let feeds = live::Feeds::new(64);
    let series = Arc::new(Mutex::new(Series::new(600)));
    let (decoded_tx, decoded_rx) = mpsc::channel::<DecodedBatch>(8);
    decode(
        frames_rx,
        decoded_tx,
        security.clone(),
        OnDemand::new(args.verify.interval_ms(args.verify_interval_ms)),
    )?;
    // Advisories go out on the vehicles' downlinks as soon as the world stage finds them.
    let ingest_task = tokio::spawn(ingest(
        decoded_rx,
        world.clone(),
        mqtt,
        (!args.no_apps).then(|| Duration::from_secs_f64(args.apps_slice_ms.max(0.1) / 1000.0)),
        args.apps_settle_ms.max(0),
    ));
    let tick_task = tokio::spawn(tick(
        world.clone(),
        feeds.clone(),
        series.clone(),
        writer,
        Duration::from_millis(args.trajectory_interval_ms.max(100)),
    ));
    tokio::spawn(retain(
        store.clone(),
        (args.retention_hours * 3_600_000.0) as i64,
    ));
    if let Some(url) = &args.ma_url {
        let endpoint =
            roadcloud_ma::HttpEndpoint::new(url).map_err(|e| anyhow::anyhow!("--ma-url: {e}"))?;
        let exporter = roadcloud_ma::Exporter::new(
            store.clone(),
            endpoint,
            roadcloud_ma::ExportConfig::new("roadcloud", &args.data_dir),
        )
        .map_err(|e| anyhow::anyhow!("--ma-url: {e}"))?;
        tracing::info!("exporting misbehaviour reports to {url}");
        tokio::spawn(exporter.run());
    }

    let listener = tokio::net::TcpListener::bind(args.http_listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen for HTTP on {} (choose another address with --http-listen)",
                args.http_listen
            )
        })?;
    let transports = match (&args.broker, args.mqtt_listen.0) {
        (Some(url), _) => format!("MQTT via {url}"),
        (None, Some(a)) if tls.is_some() => format!("MQTT over TLS on {a}"),
        (None, Some(a)) => format!("MQTT on {a}"),
        (None, None) => "MQTT off".to_string(),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "roadcloud is serving: {transports}, UDP on {}, API on {scheme}://{}/api/v1/, data in {}\n\
         web map: {}",
        args.udp_listen,
        args.http_listen,
        args.data_dir.display(),
        map_address(args.http_listen, tls.is_some()),
    );
    let state = AppState {
        world,
        store,
        live: feeds,
        series,
        exposure,
        registry,
        auth_required: tls.is_some(),
        broker: broker_stats,
        logins: Arc::default(),
        security,
    };
    if let Some(addr) = args.monitor_listen.0 {
        let monitor = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!(
                "cannot listen on {addr} (choose another address with --monitor-listen, or off)"
            )
        })?;
        tracing::info!("/healthz and /metrics also on http://{addr}/");
        tokio::spawn(
            axum::serve(monitor, api::monitor_router(state.clone()))
                .with_graceful_shutdown(shutdown_signal())
                .into_future(),
        );
    }
    let app = api::router(state.clone())
        .merge(web::router())
        .layer(axum::middleware::from_fn_with_state(state, auth::layer))
        .into_make_service_with_connect_info::<auth::ClientAddr>();
    match &tls {
        Some(files) => {
            let config = files
                .https_server_config()
                .context("cannot set up HTTPS (check --pki, or --tls-cert and --tls-key)")?;
            let listener = roadcloud_tls::TlsListener::new(listener, config)
                .context("cannot start the HTTPS listener")?;
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .context("HTTPS server failed")?;
        }
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("HTTP server failed")?,
    }
    ingest_task.abort();
    // The last records reach the disk before the process ends: the writer thread stops
    // once the tick task's handle to it is gone, after its last commit.
    tick_task.abort();
    let _ = tick_task.await;
    let _ = tokio::task::spawn_blocking(move || store_thread.join()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Takes the MAP of every node of a SUMO road network into the pipeline's lanes; the number
/// of nodes.
fn road_network(pipeline: &mut Pipeline, path: &std::path::Path) -> Result<usize> {
    let net = roadcloud_sumo::net::Net::read(path).with_context(|| {
        format!(
            "cannot take lanes from {} (a SUMO .net.xml)",
            path.display()
        )
    })?;
    let nodes = net.mapped();
    for j in &nodes {
        pipeline.add_map(&net.map(j, roadcloud_sumo::bridge::REGION, 0));
    }
    Ok(nodes.len())
}

/// Frames per batch through the decode and world stages.
const BATCH: usize = 256;

/// A batch of frames through the stateless half of admission, each with its topic for the
/// log.
type DecodedBatch = Vec<(Result<Decoded, Rejection>, String)>;

/// The stateless half of admission (topic, signature, decoding, sender), one batch at a time,
/// handed to the world stage. It runs on a thread of its own, and each batch is spread over
/// every core: verifying signatures is the costliest step of ingest (docs/security.md), and
/// the batch keeps its order, so each device's messages reach the world in the order they
/// came.
fn decode(
    mut frames: mpsc::Receiver<Frame>,
    decoded: mpsc::Sender<DecodedBatch>,
    security: Arc<Security>,
    mut on_demand: OnDemand,
) -> Result<()> {
    use rayon::prelude::*;
    std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let mut thinning = Thinning::new(BATCH);
            while frames.blocking_recv_many(&mut batch, BATCH) > 0 {
                thinning.set_backlog(frames.len());
                // What each frame asks: shed, or verified in full, or with its signature's
                // check deferred (for the signer of its vehicle's last verified BSM).
                let plan: Vec<Option<Option<[u8; 8]>>> = batch
                    .iter()
                    .map(|f| thinning.keeps(f).then(|| on_demand.defer_for(f)))
                    .collect();
                let detail = thinning.detail();
                let mut out: DecodedBatch = batch
                    .par_iter()
                    .zip(plan.par_iter())
                    .map(|(f, plan)| {
                        let d = match plan {
                            Some(defer_for) => roadcloud_admission::decode_secured_deferring(
                                f, &security, *defer_for,
                            ),
                            None => roadcloud_admission::shed(f, &detail),
                        };
                        (d, f.topic.clone())
                    })
                    .collect();
                // A message signed by digest may have been checked, on another core, before
                // the same batch's message carrying that certificate in full was: once the
                // batch's certificates are all learned, such messages are checked again.
                for (d, f) in out.iter_mut().zip(&batch) {
                    if unknown_signer(&d.0) {
                        d.0 = roadcloud_admission::decode_secured(f, &security);
                    }
                    on_demand.note(f, &d.0);
                }
                batch.clear();
                // Bounded: when the world falls behind, decoding waits, then the frame
                // channel fills, then the MQTT link waits.
                if decoded.blocking_send(out).is_err() {
                    return;
                }
            }
        })
        .context("cannot start the decoding thread")?;
    Ok(())
}

/// Whether a decoded frame was turned away for a signer certificate not (yet) seen.
fn unknown_signer(d: &Result<Decoded, Rejection>) -> bool {
    matches!(d, Ok(Decoded { message: Err(r), .. }) if r.reason == Reason::UnknownSigner)
}

/// What admission asks of signatures, from --v2x-trust and --allow-unsigned.
fn security(args: &ServeArgs) -> Result<Security> {
    let store = match &args.v2x_trust {
        Some(dir) => {
            let store = TrustStore::load_dir(dir).map_err(|e| {
                anyhow::anyhow!(
                    "cannot take the V2X trust anchors from {}: {e}",
                    dir.display()
                )
            })?;
            tracing::info!(
                "verifying signed messages against {} ({} certificates, {} revoked)",
                dir.display(),
                store.len(),
                store.revoked_count()
            );
            store
        }
        None if args.allow_unsigned => TrustStore::new(),
        None => bail!(
            "signed messages are required, and no trust anchors were given: pass the zone's \
             V2X trust folder with --v2x-trust DIR (make a test zone's with `roadcloud pki v2x \
             init DIR`), or admit unsigned messages with --allow-unsigned (labs only)"
        ),
    };
    if args.allow_unsigned {
        tracing::warn!(
            "--allow-unsigned: unsigned messages are admitted; any device that can publish \
             can say anything, unverified"
        );
    }
    Ok(Security {
        store: Arc::new(store),
        allow_unsigned: args.allow_unsigned,
        window: Some((args.max_age_ms, args.max_future_ms)),
    })
}

/// Builds the MQTT listener's TLS again whenever its X.509 revocation list changes (the
/// zone's CA publishes a new one, `roadcloud pki revoke`): new connections with a revoked
/// certificate are refused, and those open are closed, within seconds, without a restart.
/// A list that cannot be read (half written, say) keeps the last one, with a warning.
async fn reload_tls_crl(files: TlsFiles, tx: tokio::sync::watch::Sender<roadcloud_tls::MqttTls>) {
    let mut seen = files.crl_modified();
    let mut every = tokio::time::interval(Duration::from_secs(2));
    while !tx.is_closed() {
        every.tick().await;
        let modified = files.crl_modified();
        if modified.is_none() || modified == seen {
            continue;
        }
        seen = modified;
        match files.mqtt_server_config() {
            Ok(tls) => {
                tracing::info!("TLS revocation list {:?} taken again", files.crl);
                tx.send_replace(tls);
            }
            Err(e) => tracing::warn!("TLS revocation list not taken, the last one stays: {e}"),
        }
    }
}

/// Takes the zone's CRLs again whenever a file in `dir/crl` changes (a CA publishes a new
/// one, `roadcloud pki v2x revoke`): a revoked certificate is refused within seconds,
/// without a restart.
async fn reload_crls(dir: PathBuf, store: Arc<TrustStore>) {
    let crl_dir = dir.join("crl");
    let mut seen: HashMap<PathBuf, std::time::SystemTime> = HashMap::new();
    let mut every = tokio::time::interval(Duration::from_secs(2));
    loop {
        every.tick().await;
        let Ok(entries) = std::fs::read_dir(&crl_dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_none_or(|x| x != "coer") {
                continue;
            }
            let Ok(modified) = e.metadata().and_then(|m| m.modified()) else {
                continue;
            };
            let first = !seen.contains_key(&path);
            if seen.get(&path) == Some(&modified) {
                continue;
            }
            seen.insert(path.clone(), modified);
            if first {
                // Taken at start by TrustStore::load_dir.
                continue;
            }
            match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| store.load_crl(&b).map_err(|e| e.to_string()))
            {
                Ok(n) => tracing::info!("CRL {} taken: {n} certificates revoked", path.display()),
                Err(e) => tracing::warn!("CRL {} not taken: {e}", path.display()),
            }
        }
    }
}

/// The world stage, the single writer: admission's stateful half and the world update,
/// one lock per batch; then, when no batch waits, the applications for the vehicles that
/// reported, for at most `apps_slice`, and their advisories out on the vehicles' downlinks
/// (JSON), and the RSIs they call for on the RSUs' downlinks (UPER).
async fn ingest(
    mut decoded: mpsc::Receiver<DecodedBatch>,
    world: SharedWorld,
    mut mqtt: Option<Box<dyn Downlinks>>,
    apps_slice: Option<Duration>,
    apps_settle_ms: i64,
) {
    let mut log = RejectionLog {
        last: HashMap::new(),
    };
    loop {
        // Wait for frames; when none come, the applications still finish what waits.
        let batch = match tokio::time::timeout(Duration::from_millis(10), decoded.recv()).await {
            Ok(Some(batch)) => batch,
            Ok(None) => return,
            Err(_) => Vec::new(),
        };
        let advisories = {
            let mut w = world.write().expect("world lock");
            let had_frames = !batch.is_empty();
            for (d, topic) in batch {
                if let Err(r) = w.pipeline.ingest_decoded(d) {
                    log.note(r.reason, &topic, &r.detail);
                }
            }
            if had_frames {
                w.pipeline.finish_batch(now_micros());
            }
            // Ingest first: while batches wait, the applications wait (their vehicles stay
            // noted), so an overload delays advisories instead of dropping messages.
            let Some(apps_slice) = apps_slice.filter(|_| decoded.is_empty()) else {
                continue;
            };
            let started = Instant::now();
            let advisories = w.pipeline.evaluate_until(now_millis(), apps_settle_ms, || {
                started.elapsed() >= apps_slice
            });
            let frame = w.pipeline.frame;
            let mut out: Vec<(String, Vec<u8>)> = advisories
                .iter()
                .map(|a| {
                    (
                        vehicle_advice_topic(DeviceId(a.target)),
                        views::advisory(&frame, a).to_string().into_bytes(),
                    )
                })
                .collect();
            for d in w.pipeline.take_downlinks() {
                match roadcloud_csae::encode(&MessageFrame::RsiFrame(d.rsi)) {
                    Ok(uper) => out.push((rsu_downlink_topic(d.rsu, MessageKind::Rsi), uper)),
                    Err(e) => tracing::warn!("RSI for RSU {} not encoded: {e}", d.rsu),
                }
            }
            out
        };
        if let Some(link) = mqtt.as_mut() {
            for (topic, payload) in advisories {
                if let Err(e) = link.publish(topic, payload) {
                    tracing::warn!("downlink not published: {e}");
                }
            }
        }
    }
}

/// Every 100 ms: lets time pass in the world, and hands what changed to the live feed and
/// the store; every second, samples the rates for the charts; every `sample_every`, stores
/// each live participant's position.
async fn tick(
    world: SharedWorld,
    feeds: live::Feeds,
    series: Arc<Mutex<Series>>,
    writer: Writer,
    sample_every: Duration,
) {
    let mut interval = tokio::time::interval(Duration::from_millis(100));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_look = now_millis();
    let mut next_sample = Instant::now();
    let mut next_series = Instant::now();
    loop {
        interval.tick().await;
        let now = now_millis();
        let sample = Instant::now() >= next_sample;
        if sample {
            next_sample += sample_every;
        }
        let mut records = {
            let mut w = world.write().expect("world lock");
            w.pipeline.expire(now);
            let journal = w.pipeline.take_journal();
            feeds.publish(&w.pipeline, &journal, last_look, now);
            if Instant::now() >= next_series {
                // From now, not from the last due time: after a stall, no burst of samples.
                next_series = Instant::now() + Duration::from_secs(1);
                series.lock().expect("series lock").sample(&w.pipeline, now);
            }
            let mut records = live::records(&w.pipeline, &journal);
            if sample {
                records.extend(live::trajectory_samples(
                    &w.pipeline,
                    now - sample_every.as_millis() as i64,
                ));
            }
            records
        };
        last_look = now;
        if !records.is_empty() {
            // Waits while the store's queue is full: the disk sets the pace, nothing is
            // dropped.
            let w = writer.clone();
            let result =
                tokio::task::spawn_blocking(move || w.write(std::mem::take(&mut records))).await;
            if !matches!(result, Ok(Ok(()))) {
                tracing::error!("the store has stopped; records are no longer kept");
            }
        }
    }
}

/// Every two seconds, reloads the device registry into the gate when it has changed (the
/// command line changes it beside a running `serve`); a device disabled there is refused at
/// its next CONNECT and disconnected within seconds.
async fn reload_registry(registry: Arc<Registry>, gate: Arc<RegistryGate>) {
    let mut seen = registry.devices_version().ok();
    let mut interval = tokio::time::interval(Duration::from_secs(2));
    loop {
        interval.tick().await;
        let r = registry.clone();
        let reloaded = tokio::task::spawn_blocking(move || {
            let v = r.devices_version()?;
            Ok::<_, roadcloud_store::Error>((v, r.devices()?))
        })
        .await;
        match reloaded {
            Ok(Ok((v, devices))) if Some(v) != seen => {
                seen = Some(v);
                gate.replace(devices);
                tracing::info!("device registry reloaded: {} devices", gate.len());
            }
            Ok(Err(e)) => tracing::error!("cannot reload the device registry: {e}"),
            _ => {}
        }
    }
}

/// The web map's address for a listen address: a wildcard is reached on the loopback.
pub(crate) fn map_address(listen: SocketAddr, tls: bool) -> String {
    let host = match listen.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_string(),
        ip if ip.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{host}:{}/", listen.port())
}

/// Every minute, deletes what is older than the retention.
async fn retain(store: Arc<Store>, retention_ms: i64) {
    let mut interval = tokio::time::interval(Duration::from_secs(60));
    loop {
        interval.tick().await;
        let s = store.clone();
        let before = now_millis() - retention_ms;
        match tokio::task::spawn_blocking(move || s.prune(before)).await {
            Ok(Ok(n)) if n > 0 => tracing::info!("retention: deleted {n} stored rows"),
            Ok(Err(e)) => tracing::error!("retention: {e}"),
            _ => {}
        }
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
