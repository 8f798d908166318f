//! [`NodeConfig`]: every setting of a node, one field per `roadcloud serve` flag.
//!
//! The same struct is the flags (clap) and the config file (serde, keyed by the flags'
//! names): a setting has one name, one default and one description, whichever way it
//! comes in. A library user takes [`NodeConfig::default`] (the flags' defaults) and changes
//! what it needs.

use anyhow::{Result, bail};
use clap::Args;
use roadcloud_access::Listener;
use roadcloud_admission::AdmissionConfig;
use roadcloud_cluster::ClusterConfig;
use roadcloud_corrections::CorrectionsConfig;
use roadcloud_corrections::ntrip::SourceUrl;
use roadcloud_misbehaviour::Mode as MisbehaviourMode;
use roadcloud_pipeline::{Pipeline, PipelineConfig, RelayConfig, ShardPlan};
use roadcloud_tls::TlsFiles;
use roadcloud_transport::nats::NatsLink;
use roadcloud_world::TrackConfig;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Every setting of a node: where it listens, where it keeps its data, the zone, admission,
/// security, misbehaviour detection and the applications.
#[derive(Args, Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct NodeConfig {
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
    /// Also take devices' messages from this NATS server (nats://HOST:PORT; credentials as
    /// nats://USER:PASSWORD@HOST:PORT): the subjects of the uplink topics as nats-server's
    /// MQTT support names them (V2X.OBU.{id}.BSM.UP for V2X/OBU/{id}/BSM/UP), so devices
    /// may connect to nats-server over MQTT; downlinks go back on their subjects.
    #[arg(long, value_name = "URL")]
    pub nats_uplinks: Option<String>,
    /// More sources, from the config file only: a `[[sources]]` table each, with `kind`
    /// `udp` (`listen`), `mqtt-client` (`url`) or `nats` (`url`), besides those of the
    /// flags above (docs/architecture.md#sources).
    #[arg(skip)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceConfig>,
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
    /// Tile shards: the tiles are dealt to this many shards, whose applications run side by
    /// side on as many cores (docs/architecture.md#shards), 1 to 64. One by default: on a
    /// two-core machine two shards were measured slower (the per-device half, misbehaviour
    /// detection above all, is not sharded yet); try more where cores are spare.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub workers: u16,
    /// How many tile columns wide a shard's stripe is (stripes are dealt to the shards in
    /// turn): wider stripes mirror fewer participants into neighbours, narrower ones spread a
    /// small zone over more shards.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub shard_stripe_tiles: u16,
    /// Join a cluster of nodes on this NATS server (nats://HOST:PORT, JetStream enabled;
    /// credentials as nats://USER:PASSWORD@HOST:PORT): the tiles are shared among the
    /// nodes alive, any node takes device traffic (docs/scale.md#cluster). Needs --node-id.
    #[arg(long, value_name = "URL", requires = "node_id")]
    pub cluster: Option<String>,
    /// This node's name in the cluster, unique: letters, digits, '-' and '_', at most 32.
    #[arg(long, value_name = "NAME")]
    pub node_id: Option<String>,
    /// roadcloud's NKey seed (a file holding `SU...`) for every NATS server it connects to
    /// (--cluster, --nats-uplinks): the server's `authorization { users: [{ nkey: U... }] }`.
    /// Credentials may also be in the address: nats://USER:PASSWORD@HOST:PORT.
    #[arg(long, value_name = "FILE")]
    pub nats_nkey: Option<PathBuf>,
    /// The CA certificate (PEM) of the NATS servers' TLS certificates: TLS is then
    /// required on every NATS link (a tls:// address asks for it too). A link to a NATS
    /// server beyond this machine must be encrypted and authenticated, or --insecure.
    #[arg(long, value_name = "FILE")]
    pub nats_ca: Option<PathBuf>,
    /// Within how long a node that dies has its tiles taken over, milliseconds: its leases
    /// expire two thirds of this after their last renewal, and the others look every third.
    /// The same on every node of a cluster.
    #[arg(long, default_value_t = 3_000, value_parser = clap::value_parser!(u64).range(300..))]
    pub lease_ms: u64,
    /// How many partitions a cluster deals its tiles to (stripes of --shard-stripe-tiles
    /// tile columns), the same on every node, 1 to 64; the most nodes that share the work.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub cluster_partitions: u16,
    /// JetStream replicas of the cluster's stream and buckets: 1 for one nats-server, 3 for
    /// a NATS cluster of three.
    #[arg(long, default_value_t = 1)]
    pub cluster_replicas: usize,
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
    /// With --verify on-demand: how often a vehicle's BSM is verified in full, milliseconds
    /// (each vehicle at a phase of its own; up to five times as long while signatures wait
    /// to be verified).
    #[arg(long, default_value_t = 1_000)]
    pub verify_interval_ms: i64,
    /// Misbehaviour detection (docs/misbehaviour.md): `enforce` checks every vehicle's
    /// reports, reports what fails (GET /api/v1/misbehaviour, /metrics) and quarantines a
    /// vehicle whose trust falls (its reports move nothing, no advisory rests on it);
    /// `monitor` checks and reports but quarantines no one (while a zone's thresholds are
    /// set from its own traffic); `off`.
    #[arg(long, value_enum, default_value_t = MisbehaviourMode::Enforce)]
    pub misbehaviour: MisbehaviourMode,
    /// Export the stored misbehaviour reports to a misbehaviour authority: POSTs of JSON
    /// batches to this https:// address, or PUBLISHes at QoS 1 through the MA's MQTT broker
    /// to `mqtts://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC` (on a private link, http:// or
    /// mqtt://); each report at least once, through the MA's outages and roadcloud's
    /// restarts (docs/misbehaviour.md#export). Over TLS the MA's certificate must be issued
    /// by --ma-ca, or by the CA of --pki; roadcloud presents --pki's client certificate to an
    /// MA that asks for one.
    #[arg(long, value_name = "URL")]
    pub ma_url: Option<String>,
    /// The CA (PEM) that issued the misbehaviour authority's certificate, when it is not the
    /// zone's own (--pki): a national or provincial PKI's MA, for one.
    #[arg(long, value_name = "FILE", requires = "ma_url")]
    pub ma_ca: Option<PathBuf>,
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
    /// Relay differential GNSS corrections (RTCM 3) from this source, as T/CSAE 157-2020
    /// RTCMcorrections: `ntrip://[USER:PASSWORD@]HOST[:PORT]/MOUNTPOINT` (an NTRIP caster's
    /// mountpoint, port 2101 by default) or tcp://HOST:PORT (a base station's raw RTCM 3
    /// stream); docs/apps.md#rtcm-differential-corrections.
    #[arg(long, value_name = "URL")]
    pub rtcm_source: Option<String>,
    /// Who gets the corrections: `rsus` (V2X/RSU/{id}/RTCM/DOWN, to broadcast), `vehicles`
    /// (V2X/OBU/{id}/RTCM/DOWN, each vehicle that reports itself), or both, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "rsus")]
    pub rtcm_to: Vec<roadcloud_corrections::Target>,
    /// Only the RSUs and vehicles within this distance of the reference station (from its
    /// 1005 or 1006 message) get its corrections, km: an RTK baseline much longer loses its
    /// fix. Before the station's position is known, all do.
    #[arg(long, default_value_t = 20.0)]
    pub rtcm_max_baseline_km: f64,
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

/// A way messages come in ([`roadcloud_transport::Source`]), as the config names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SourceConfig {
    /// roadcloud's own MQTT front end (`--mqtt-listen`; one per node, with the node's TLS
    /// and device registry).
    Mqtt {
        /// Where it listens.
        listen: SocketAddr,
    },
    /// An external MQTT broker's uplinks (`--broker`).
    MqttClient {
        /// `mqtt://HOST:PORT`, or `mqtts://HOST:PORT` with the node's PKI.
        url: String,
    },
    /// UDP datagrams from RSUs (`--udp-listen`).
    Udp {
        /// Where it listens.
        listen: SocketAddr,
    },
    /// A NATS server's uplink subjects (`--nats-uplinks`).
    Nats {
        /// `nats://HOST:PORT`.
        url: String,
    },
}

impl SourceConfig {
    /// The flag (or config table) it comes from, for errors and the exposure check.
    pub fn flag(&self) -> &'static str {
        match self {
            SourceConfig::Mqtt { .. } => "--mqtt-listen",
            SourceConfig::MqttClient { .. } => "--broker",
            SourceConfig::Udp { .. } => "--udp-listen",
            SourceConfig::Nats { .. } => "--nats-uplinks",
        }
    }
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

impl NodeConfig {
    /// The differential corrections' relay, from the --rtcm-* flags; `None` without
    /// --rtcm-source.
    pub fn corrections_config(&self) -> Result<Option<CorrectionsConfig>> {
        let Some(url) = &self.rtcm_source else {
            return Ok(None);
        };
        let source = SourceUrl::parse(url).map_err(|e| anyhow::anyhow!("--rtcm-source: {e}"))?;
        if self.rtcm_max_baseline_km.is_nan() || self.rtcm_max_baseline_km <= 0.0 {
            bail!("--rtcm-max-baseline-km must be above 0 (a distance in km)");
        }
        Ok(Some(CorrectionsConfig {
            source,
            to: self.rtcm_to.clone(),
            max_baseline_km: self.rtcm_max_baseline_km,
        }))
    }

    /// The TLS files, from --pki or the --tls-* flags; `None` without TLS.
    pub fn tls_files(&self) -> Option<TlsFiles> {
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

    /// The sources these settings start, in order: those of the flags (the MQTT front end,
    /// or an external broker instead; UDP; NATS), then the config file's `[[sources]]`.
    /// Fails when the file asks for a second MQTT front end.
    pub fn source_configs(&self) -> Result<Vec<SourceConfig>> {
        let mut list = Vec::new();
        match (&self.broker, self.mqtt_listen.0) {
            // With an external broker, --mqtt-listen opens nothing.
            (Some(url), _) => list.push(SourceConfig::MqttClient { url: url.clone() }),
            (None, Some(listen)) => list.push(SourceConfig::Mqtt { listen }),
            (None, None) => {}
        }
        if let Some(listen) = self.udp_listen.0 {
            list.push(SourceConfig::Udp { listen });
        }
        if let Some(url) = &self.nats_uplinks {
            list.push(SourceConfig::Nats { url: url.clone() });
        }
        for s in &self.sources {
            if matches!(s, SourceConfig::Mqtt { .. }) {
                bail!(
                    "[[sources]] kind = \"mqtt\": a node has one MQTT front end; set mqtt-listen instead"
                );
            }
            list.push(s.clone());
        }
        Ok(list)
    }

    /// The network listeners these settings open; with TLS, MQTT and HTTP are secured
    /// (TLS, and only authenticated devices and operators).
    pub(crate) fn listeners(&self) -> Result<Vec<Listener>> {
        let secured = self.tls_files().is_some();
        let mut listeners: Vec<(&'static str, Option<SocketAddr>, bool)> = self
            .source_configs()?
            .into_iter()
            .filter_map(|s| match s {
                SourceConfig::Mqtt { listen } => Some(("--mqtt-listen", Some(listen), secured)),
                // UDP has no TLS, but where every message must be signed (--v2x-trust
                // without --allow-unsigned), what arrives is verified end to end.
                SourceConfig::Udp { listen } => Some((
                    "--udp-listen",
                    Some(listen),
                    self.v2x_trust.is_some() && !self.allow_unsigned,
                )),
                // Clients of another server: they listen on nothing.
                SourceConfig::MqttClient { .. } | SourceConfig::Nats { .. } => None,
            })
            .collect();
        listeners.extend([
            ("--http-listen", Some(self.http_listen), secured),
            // Counts and latencies only, never a position or an id: issue 14 lets health and
            // metrics stay open on an address of their own.
            ("--monitor-listen", self.monitor_listen.0, true),
        ]);
        Ok(listeners
            .into_iter()
            .filter_map(|(flag, addr, secured)| {
                Some(Listener {
                    flag,
                    addr: addr?,
                    secured,
                })
            })
            .collect())
    }

    /// The link to the NATS server at `url`, with the node's NATS credentials and CA.
    pub fn nats_link(&self, url: &str) -> NatsLink {
        NatsLink {
            url: url.to_string(),
            nkey: self.nats_nkey.clone(),
            ca: self.nats_ca.clone(),
        }
    }

    /// The links to NATS servers these settings open (the cluster's, the NATS sources'),
    /// each with the flag that names it.
    pub fn nats_links(&self) -> Result<Vec<(&'static str, NatsLink)>> {
        let mut links: Vec<(&'static str, NatsLink)> = self
            .cluster
            .iter()
            .map(|url| ("--cluster", self.nats_link(url)))
            .collect();
        for s in self.source_configs()? {
            if let SourceConfig::Nats { url } = s {
                links.push(("--nats-uplinks", self.nats_link(&url)));
            }
        }
        Ok(links)
    }

    /// How the node joins its cluster; `None` without --cluster.
    pub fn cluster_config(&self) -> Option<ClusterConfig> {
        Some(ClusterConfig {
            link: self.nats_link(self.cluster.as_ref()?),
            node_id: self.node_id.clone().unwrap_or_default(),
            lease: std::time::Duration::from_millis(self.lease_ms),
            partitions: self.cluster_partitions,
            stripe_tiles: self.shard_stripe_tiles,
            replicas: self.cluster_replicas.max(1),
        })
    }

    /// The pipeline's settings.
    pub fn pipeline_config(&self) -> PipelineConfig {
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
            shards: ShardPlan {
                shards: self.workers,
                stripe_tiles: self.shard_stripe_tiles,
                // In a cluster, ids of the node's slot: unique across nodes.
                first_origin: self
                    .cluster_config()
                    .map_or(0, |c| c.slot() * ShardPlan::MAX_SHARDS),
            },
        }
    }

    /// The pipeline, with the applications configured as the config file says.
    pub(crate) fn pipeline(&self) -> Result<Pipeline> {
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
    pub(crate) fn interval_ms(self, interval_ms: i64) -> Option<i64> {
        match self {
            VerifyPolicy::All => None,
            VerifyPolicy::OnDemand => Some(interval_ms.max(0)),
        }
    }
}

impl Default for NodeConfig {
    /// The flags' defaults: what `roadcloud serve` with no flags runs.
    fn default() -> NodeConfig {
        let command = NodeConfig::augment_args(clap::Command::new("node"));
        let matches = command
            .try_get_matches_from(["node"])
            .expect("every setting has a default");
        <NodeConfig as clap::FromArgMatches>::from_arg_matches(&matches)
            .expect("the defaults parse")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_sources_come_first_then_the_files() {
        let mut c = NodeConfig {
            nats_uplinks: Some("nats://127.0.0.1:4222".into()),
            sources: vec![SourceConfig::Udp {
                listen: "127.0.0.1:5556".parse().unwrap(),
            }],
            ..NodeConfig::default()
        };
        let kinds: Vec<&str> = c
            .source_configs()
            .unwrap()
            .iter()
            .map(SourceConfig::flag)
            .collect();
        assert_eq!(
            kinds,
            [
                "--mqtt-listen",
                "--udp-listen",
                "--nats-uplinks",
                "--udp-listen"
            ]
        );
        // Both UDP listeners are listeners; the NATS client is not.
        let udp = c
            .listeners()
            .unwrap()
            .iter()
            .filter(|l| l.flag == "--udp-listen")
            .count();
        assert_eq!(udp, 2);
        // An external broker replaces the front end.
        c.broker = Some("mqtt://127.0.0.1:1883".into());
        assert!(matches!(
            c.source_configs().unwrap()[0],
            SourceConfig::MqttClient { .. }
        ));
        c.sources.push(SourceConfig::Mqtt {
            listen: "127.0.0.1:1884".parse().unwrap(),
        });
        let e = c.source_configs().unwrap_err().to_string();
        assert!(e.contains("one MQTT front end"), "{e}");
    }
}
