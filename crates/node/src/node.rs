//! [`Node::start`]: binds every listener, wires the stages and the background tasks, and
//! returns a [`NodeHandle`] to the running node.

use crate::cluster::{BorderMirrors, ClusterApi, Member, WorldTiles, take_mirrors};
use crate::config::{NodeConfig, SourceConfig};
use crate::http::{self, ApiState, api, live};
use crate::reload;
use crate::rtcm::CorrectionsRelay;
use crate::sinks::{JournalSink, SeriesSink, StoreSink};
use crate::stages::{self, Stopped, WorldRef, WorldStage, WorldStageConfig};
use anyhow::{Context, Result, bail};
use roadcloud_access::{Exposure, Gatekeeper, OpenGate, RegistryGate};
use roadcloud_admission::Security;
use roadcloud_admission::keeping_up::OnDemand;
use roadcloud_broker::{BrokerConfig, BrokerHandle, FrontEnd};
use roadcloud_cluster::leases::{Addresses, Membership};
use roadcloud_cluster::route::Partitioner;
use roadcloud_pipeline::Pipeline;
use roadcloud_security::trust::TrustStore;
use roadcloud_store::{Registry, Store};
use roadcloud_transport::nats::NatsSource;
use roadcloud_transport::source::{MqttClientSource, UdpSource};
use roadcloud_transport::{Downlinks, EveryDownlink, Frame, Source, Started, now_millis};
use roadcloud_world::TileGrid;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::{AbortHandle, JoinHandle, JoinSet};

/// What the world stage owns: the pipeline, and when the node started.
pub struct World {
    /// The pipeline's state: admission, tracks, intersections, signals, events.
    pub pipeline: Pipeline,
    /// When the node started, ms since the epoch.
    pub started_at: i64,
}

/// The addresses a node listens on, as bound (port 0 in the config: the port chosen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// roadcloud's own MQTT front end; `None` when off or with an external broker.
    pub mqtt: Option<SocketAddr>,
    /// UDP from RSUs; `None` when off.
    pub udp: Option<SocketAddr>,
    /// The HTTP (or HTTPS) API and the web map.
    pub http: SocketAddr,
    /// `/healthz` and `/metrics` without login; `None` when off.
    pub monitor: Option<SocketAddr>,
}

/// A roadcloud node: see [`Node::start`].
pub struct Node;

/// A running node: where it listens, a look at its world, and its shutdown.
///
/// Dropping the handle without [`NodeHandle::shutdown`] leaves the node running on its
/// runtime until the runtime ends.
pub struct NodeHandle {
    bound: Bound,
    tls: bool,
    world: WorldRef,
    /// Turns true to stop the HTTP servers (gracefully), and the world stage once it has
    /// taken in every batch.
    stop_servers: watch::Sender<bool>,
    stop_world: watch::Sender<bool>,
    /// What takes traffic in: stopped first on shutdown, so the stages drain.
    sources: Vec<Started>,
    world_stage: JoinHandle<()>,
    /// Writes the world stage's journal to the store.
    store_journal: JoinHandle<()>,
    servers: JoinSet<Result<()>>,
    /// Reloads, retention, the misbehaviour export: stopped on shutdown.
    background: JoinSet<()>,
    store_thread: std::thread::JoinHandle<()>,
    /// The node's part in its cluster, if in one.
    member: Option<Member>,
}

impl Node {
    /// Starts a node on the current tokio runtime (multi-threaded: decoding runs on a thread
    /// of its own): opens the store and the registry, binds every listener the config
    /// names, and starts the stages. Fails, with what to change, when a setting is refused
    /// (listening beyond loopback unsecured without `insecure`, no trust anchors without
    /// `allow_unsigned`), a file cannot be read or an address cannot be bound; nothing
    /// keeps running then.
    pub async fn start(config: NodeConfig) -> Result<NodeHandle> {
        let config = &config;
        // Before anything binds: refuse to be open to the network by accident.
        let exposure = exposure(config)?;
        if let Exposure::Insecure { exposed } = &exposure {
            tracing::warn!(
                "--insecure: open to the network without TLS or authentication: {}; anyone \
                 who can reach these addresses can read every vehicle and send as any device",
                exposed.join(", ")
            );
        }
        let security = Arc::new(security(config)?);
        let cluster = match config.cluster_config() {
            Some(c) => {
                let url = c.link.shown();
                let joined = roadcloud_cluster::Cluster::join(c).await?;
                tracing::info!(
                    "joined the cluster at {url} as {} (track-id slot {})",
                    joined.config().node_id,
                    joined.slot()
                );
                Some(joined)
            }
            None => None,
        };
        let mut pipeline = config.pipeline()?.with_trust_store(security.store.clone());
        if let Some(path) = &config.road_network {
            let nodes = road_network(&mut pipeline, path)?;
            tracing::info!("lanes of {nodes} nodes from {}", path.display());
        }
        let (store, writer, store_thread) = Store::open(&config.data_dir).with_context(|| {
            format!(
                "cannot open the store in {} (choose another place with --data-dir)",
                config.data_dir.display()
            )
        })?;
        let store = Arc::new(store);
        tracing::info!("storing in {}", store.path().display());
        let registry = Arc::new(Registry::open(&config.data_dir).with_context(|| {
            format!("cannot open the registry in {}", config.data_dir.display())
        })?);
        let partitioner = cluster
            .as_ref()
            .map(|c| Partitioner::new(pipeline.frame, config.tile_size_m, c.config().plan()));
        let world = World {
            pipeline,
            started_at: now_millis(),
        };
        let mut background = JoinSet::new();
        if let Some(dir) = &config.v2x_trust {
            background.spawn(reload::reload_crls(dir.clone(), security.store.clone()));
        }

        // Bounded: when the world falls behind, the MQTT link waits instead of queueing
        // without limit.
        let (frames_tx, frames_rx) = mpsc::channel::<Frame>(16_384);
        let tls = config.tls_files();
        // From here on, what runs is stopped again if a later step fails.
        let mut running = Running::default();
        // The sources the config lists, each behind `Source`; the front end's handle (its
        // address, counters and shutdown) is kept for the API and the cluster.
        let mut front_end = None;
        let mut sources: Vec<(SourceConfig, Box<dyn Source>)> = Vec::new();
        for s in config.source_configs()? {
            let source: Box<dyn Source> = match &s {
                SourceConfig::Mqtt { listen } => {
                    let f = front_end_source(
                        config,
                        *listen,
                        cluster.is_some(),
                        &registry,
                        &mut background,
                    )?;
                    front_end = Some(f.handle());
                    Box::new(f)
                }
                SourceConfig::MqttClient { url } => Box::new(MqttClientSource {
                    url: url.clone(),
                    // Unique per node: a broker lets one connection per client id.
                    client_id: client_name(config),
                    tls: match &tls {
                        Some(files) => Some(files.client_config().context(
                            "cannot set up TLS towards the external broker (check --pki)",
                        )?),
                        None => None,
                    },
                }),
                SourceConfig::Udp { listen } => Box::new(UdpSource { listen: *listen }),
                SourceConfig::Nats { url } => Box::new(NatsSource {
                    link: config.nats_link(url),
                    name: client_name(config),
                }),
            };
            sources.push((s, source));
        }
        let mut udp = None;
        let mut ways_out: Vec<Box<dyn Downlinks>> = Vec::new();
        for (s, source) in sources {
            let mut started = source.start(frames_tx.clone()).await?;
            tracing::info!("{}", started.description);
            if matches!(s, SourceConfig::Udp { .. }) && udp.is_none() {
                udp = started.local_addr;
            }
            ways_out.extend(started.downlinks.take());
            running.sources.push(started);
        }
        // Decoding ends once every source has let go of the channel.
        drop(frames_tx);
        let front_end = front_end.and_then(|h| h.get().cloned());
        let downlinks: Option<Box<dyn Downlinks>> = match ways_out.len() {
            0 => None,
            1 => ways_out.pop(),
            _ => Some(Box::new(EveryDownlink(ways_out))),
        };
        // In a cluster, the node that finds an advisory may not hold the device's
        // connection: every node relays the others' downlinks to its own front end (with an
        // external broker or NATS, every node's advisories reach it directly).
        let mut cluster_tasks = Vec::new();
        let downlinks = match (&cluster, &front_end) {
            (Some(c), Some(front_end)) => {
                cluster_tasks.push(c.relay_downlinks(Box::new(front_end.clone())).await?);
                Some(c.downlinks(downlinks))
            }
            _ => downlinks,
        };

        let feeds = live::Feeds::new(64);
        let (decoded_tx, decoded_rx) = mpsc::channel::<stages::DecodedBatch>(8);
        // In a cluster, what is decoded here goes to the partitions' owners (this node
        // among them) through the stream; signatures are checked in full here, as the owner
        // cannot complete a deferred check.
        let (handoff, verify_interval) = match (&cluster, partitioner) {
            (Some(c), Some(partitioner)) => {
                let (tx, rx) = mpsc::channel(8);
                // Ends by itself once decoding has (the node's shutdown), after routing
                // what is left.
                tokio::spawn(roadcloud_cluster::route::run_router(
                    c.clone(),
                    partitioner,
                    rx,
                    decoded_tx.clone(),
                ));
                (stages::Handoff::Router(tx), None)
            }
            _ => (
                stages::Handoff::World(decoded_tx.clone()),
                config.verify.interval_ms(config.verify_interval_ms),
            ),
        };
        stages::decode(
            frames_rx,
            handoff,
            security.clone(),
            OnDemand::new(verify_interval),
        )?;
        // The journal's sinks: the live feed, the charts, the store.
        let (store_sink, store_journal) = StoreSink::new(
            writer,
            Duration::from_millis(config.trajectory_interval_ms.max(100)),
        );
        running.stages.push(store_journal.abort_handle());
        let (series_sink, series) = SeriesSink::new();
        let sinks: Vec<Box<dyn JournalSink>> = vec![
            Box::new(feeds.clone()),
            Box::new(series_sink),
            Box::new(store_sink),
        ];
        // Differential corrections: the source's task reads and frames, the world stage
        // (which knows the RSUs and vehicles) sends.
        let corrections = match config.corrections_config()? {
            Some(c) => {
                let (tx, inbox) = mpsc::channel(16);
                let counters = Arc::new(roadcloud_corrections::Counters::default());
                tracing::info!("relaying RTCM corrections from {}", c.source);
                background.spawn(roadcloud_corrections::run(
                    c.source.clone(),
                    tx,
                    counters.clone(),
                ));
                Some(CorrectionsRelay {
                    inbox,
                    config: c,
                    counters,
                })
            }
            None => None,
        };
        let corrections_counters = corrections.as_ref().map(|c| c.counters.clone());
        // Advisories go out on the vehicles' downlinks as soon as the world stage finds
        // them.
        let (stage, world) = WorldStage::new(
            world,
            decoded_rx,
            downlinks,
            corrections,
            sinks,
            WorldStageConfig {
                apps_slice: (!config.no_apps)
                    .then(|| Duration::from_secs_f64(config.apps_slice_ms.max(0.1) / 1000.0)),
                apps_settle_ms: config.apps_settle_ms.max(0),
            },
        );
        let (stop_world, world_stopped) = watch::channel(false);
        let world_stage = stage.spawn(world_stopped)?;
        running.stages.push(world_stage.abort_handle());
        background.spawn(reload::retain(
            store.clone(),
            (config.retention_hours * 3_600_000.0) as i64,
        ));
        if let Some(url) = &config.ma_url {
            background.spawn(misbehaviour_export(config, url, store.clone())?);
        }

        let listener = tokio::net::TcpListener::bind(config.http_listen)
            .await
            .with_context(|| {
                format!(
                    "cannot listen for HTTP on {} (choose another address with --http-listen)",
                    config.http_listen
                )
            })?;
        let http = listener.local_addr()?;
        // Joins the cluster's rounds once the node's addresses are known (its record gives
        // them).
        let (member, cluster_api) = match &cluster {
            Some(c) => {
                let participants = Arc::new(AtomicU64::new(0));
                let membership = Membership::start(
                    c.clone(),
                    Addresses {
                        http: reachable(http).to_string(),
                        mqtt: front_end
                            .as_ref()
                            .map(|b| reachable(b.local_addr()).to_string()),
                    },
                    participants.clone(),
                    decoded_tx.clone(),
                    Arc::new(WorldTiles {
                        world: world.clone(),
                        plan: c.config().plan(),
                    }),
                )
                .await?;
                let (views, reader) = c.views().await?;
                cluster_tasks.push(reader);
                let (mirrors, reader) = c.mirrors().await?;
                cluster_tasks.push(reader);
                cluster_tasks.push(tokio::spawn(take_mirrors(mirrors, world.clone())));
                cluster_tasks.push(tokio::spawn(
                    BorderMirrors {
                        cluster: c.clone(),
                        world: world.clone(),
                        status: membership.status(),
                        plan: c.config().plan(),
                        grid: TileGrid::new(config.tile_size_m),
                        margin_m: config.mirror_margin_m,
                    }
                    .run(),
                ));
                cluster_tasks.push(tokio::spawn(crate::cluster::share_view(
                    c.clone(),
                    world.clone(),
                    participants,
                )));
                let api = ClusterApi {
                    node_id: c.config().node_id.clone(),
                    status: membership.status(),
                    views,
                };
                let member = Member {
                    membership: Some(membership),
                    tasks: std::mem::take(&mut cluster_tasks),
                };
                (Some(member), Some(api))
            }
            None => (None, None),
        };
        // The world stage drains once every sender is gone: the decoding stage's (or the
        // router's) and the cluster's consumers'.
        drop(decoded_tx);
        let state = ApiState {
            world: world.clone(),
            store,
            live: feeds,
            series,
            exposure,
            registry,
            auth_required: tls.is_some(),
            broker: front_end.as_ref().map(|b| b.stats().clone()),
            corrections: corrections_counters,
            logins: Arc::default(),
            security,
            cluster: cluster_api,
        };
        let (stop_servers, servers_stopped) = watch::channel(false);
        let stopped = move || {
            let mut rx = servers_stopped.clone();
            async move {
                let _ = rx.wait_for(|stop| *stop).await;
            }
        };
        let mut servers = JoinSet::new();
        let mut monitor = None;
        if let Some(addr) = config.monitor_listen.0 {
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
                format!(
                    "cannot listen on {addr} (choose another address with --monitor-listen, or off)"
                )
            })?;
            monitor = Some(listener.local_addr()?);
            tracing::info!(
                "/healthz and /metrics also on http://{}/",
                listener.local_addr()?
            );
            let server = axum::serve(listener, api::monitor_router(state.clone()))
                .with_graceful_shutdown(stopped());
            servers.spawn(async move { server.await.context("the monitor server failed") });
        }
        let app = http::app(state);
        match &tls {
            Some(files) => {
                let config = files
                    .https_server_config()
                    .context("cannot set up HTTPS (check --pki, or --tls-cert and --tls-key)")?;
                let listener = roadcloud_tls::TlsListener::new(listener, config)
                    .context("cannot start the HTTPS listener")?;
                let server = axum::serve(listener, app).with_graceful_shutdown(stopped());
                servers.spawn(async move { server.await.context("the HTTPS server failed") });
            }
            None => {
                let server = axum::serve(listener, app).with_graceful_shutdown(stopped());
                servers.spawn(async move { server.await.context("the HTTP server failed") });
            }
        }
        let sources = running.started();
        Ok(NodeHandle {
            bound: Bound {
                mqtt: front_end.as_ref().map(BrokerHandle::local_addr),
                udp,
                http,
                monitor,
            },
            tls: tls.is_some(),
            world,
            stop_servers,
            stop_world,
            sources,
            world_stage,
            store_journal,
            servers,
            background,
            store_thread,
            member,
        })
    }
}

/// What [`Node::start`] has set running: stopped again when a later step fails (the guard
/// is dropped on the error's way out), so a start that fails leaves nothing listening.
/// The background tasks and the servers are in `JoinSet`s, which abort theirs when
/// dropped; decoding ends by itself once the sources are gone.
#[derive(Default)]
struct Running {
    /// The sources: the MQTT front end, UDP, an external broker's or NATS's readers.
    sources: Vec<Started>,
    /// The world stage and the journal's writer.
    stages: Vec<AbortHandle>,
}

impl Running {
    /// Start succeeded: the sources, for the node's handle to stop first.
    fn started(mut self) -> Vec<Started> {
        self.stages.clear();
        std::mem::take(&mut self.sources)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for source in self.sources.drain(..) {
            source.stop();
        }
        for task in &self.stages {
            task.abort();
        }
    }
}

impl NodeHandle {
    /// Where the node listens.
    pub fn bound(&self) -> &Bound {
        &self.bound
    }

    /// The web map's address (`https` when the API is served over TLS).
    pub fn map_address(&self) -> String {
        map_address(self.bound.http, self.tls)
    }

    /// Whether the API is served over TLS, with operators' logins.
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// Runs `f` on the live world in the world stage, between two batches, and returns
    /// what it gives (the stage waits while `f` runs: keep it short). Fails once the node
    /// is shutting down.
    pub async fn world<R: Send + 'static>(
        &self,
        f: impl FnOnce(&World) -> R + Send + 'static,
    ) -> Result<R> {
        self.world
            .read(f)
            .await
            .map_err(|Stopped| anyhow::anyhow!("the node is shutting down"))
    }

    /// Waits until a server of the node fails (an error), or stops by itself (`Ok`).
    pub async fn failed(&mut self) -> Result<()> {
        match self.servers.join_next().await {
            Some(Ok(result)) => result,
            Some(Err(e)) => Err(anyhow::anyhow!("a server of the node stopped: {e}")),
            None => std::future::pending().await,
        }
    }

    /// Stops the node and waits until it has stopped: takes no more traffic, lets what was
    /// taken in pass the stages, puts the last records on disk, closes the store, and
    /// stops the API (its open connections get up to 5 s to finish).
    pub async fn shutdown(mut self) -> Result<()> {
        for source in self.sources.drain(..) {
            source.stop();
        }
        // The partitions go to the other nodes at once, and their consumers stop.
        if let Some(member) = self.member.take() {
            member.leave().await;
        }
        // The stages drain: with the sources gone the frame channel closes, decoding ends,
        // and the world stage ends when its last batch is in, after a last tick.
        let _ = self.stop_world.send(true);
        if tokio::time::timeout(Duration::from_secs(10), &mut self.world_stage)
            .await
            .is_err()
        {
            tracing::warn!("the world stage did not drain within 10 s; stopped");
            self.world_stage.abort();
        }
        let _ = (&mut self.store_journal).await;
        self.background.shutdown().await;
        let _ = self.stop_servers.send(true);
        let mut failed = Ok(());
        let servers = async {
            while let Some(done) = self.servers.join_next().await {
                if let Ok(Err(e)) = done {
                    failed = Err(e);
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(5), servers)
            .await
            .is_err()
        {
            self.servers.shutdown().await;
        }
        // The writer thread stops once the journal's handle to it is gone, after its last
        // commit.
        let store_thread = self.store_thread;
        let _ = tokio::task::spawn_blocking(move || store_thread.join()).await;
        tracing::info!("stopped");
        failed
    }
}

/// How the node is reachable, checked before anything binds or connects: listeners beyond
/// loopback without TLS and authentication, and links to NATS servers beyond this machine
/// that are not encrypted and authenticated (whoever publishes on such a link feeds every
/// node of a cluster uplinks it trusts), are refused unless `insecure`.
fn exposure(config: &NodeConfig) -> Result<Exposure> {
    let mut exposure = Exposure::check(&config.listeners()?, config.insecure)?;
    let mut open = Vec::new();
    for (flag, link) in config.nats_links()? {
        if link.remote().map_err(anyhow::Error::msg)?
            && !link.secured().map_err(anyhow::Error::msg)?
        {
            open.push(format!("{flag} {}", link.shown()));
        }
    }
    if open.is_empty() {
        return Ok(exposure);
    }
    if !config.insecure {
        bail!(
            "refusing a link to a NATS server beyond this machine without TLS and \
             authentication ({}): whoever can publish there could feed this node uplinks it \
             trusts. Give the server's CA with --nats-ca (or a tls:// address) and roadcloud's \
             credentials with --nats-nkey FILE (or nats://USER:PASSWORD@HOST:PORT), or, in a \
             lab, pass --insecure",
            open.join(", ")
        );
    }
    match &mut exposure {
        Exposure::Insecure { exposed } => exposed.extend(open),
        Exposure::Protected => exposure = Exposure::Insecure { exposed: open },
    }
    Ok(exposure)
}

/// roadcloud's MQTT front end on `listen`: over TLS, admitting the registry's devices,
/// with the node's PKI (the TLS files and the registry are watched for changes by tasks
/// in `background`); open to any client without. In a cluster (`ack_when_kept`), a
/// device's QoS 1 publish is acknowledged once the cluster's stream has it.
fn front_end_source(
    config: &NodeConfig,
    listen: SocketAddr,
    ack_when_kept: bool,
    registry: &Arc<Registry>,
    background: &mut JoinSet<()>,
) -> Result<FrontEnd> {
    let mut broker_config = BrokerConfig::new(listen);
    broker_config.ack_when_kept = ack_when_kept;
    let gate: Arc<dyn Gatekeeper> = match config.tls_files() {
        Some(files) => {
            let mqtt_tls = files.mqtt_server_config().context(
                "cannot set up MQTT over TLS (check --pki, or --tls-ca, --tls-cert and --tls-key)",
            )?;
            let (tls_tx, tls_rx) = watch::channel(mqtt_tls);
            background.spawn(reload::reload_tls_crl(files.clone(), tls_tx));
            broker_config.tls = Some(tls_rx);
            let gate = Arc::new(RegistryGate::new(registry.devices()?));
            if gate.is_empty() {
                tracing::warn!(
                    "the device registry is empty: no device can connect; register them with \
                     `roadcloud pki issue` or `roadcloud devices add`"
                );
            }
            background.spawn(reload::reload_registry(registry.clone(), gate.clone()));
            gate
        }
        None => Arc::new(OpenGate),
    };
    Ok(FrontEnd::new(broker_config, gate))
}

/// The node's name as a client of another server (an external broker, NATS): unique per
/// node in a cluster, as a broker lets one connection per client id.
fn client_name(config: &NodeConfig) -> String {
    match &config.node_id {
        Some(id) => format!("roadcloud-{id}"),
        None => "roadcloud".to_string(),
    }
}

/// The export of the stored misbehaviour reports to the MA at `url` (docs/misbehaviour.md#export):
/// HTTP or MQTT by the scheme, over TLS trusting `--ma-ca` (or `--pki`'s CA) and presenting
/// `--pki`'s client certificate.
fn misbehaviour_export(
    config: &NodeConfig,
    url: &str,
    store: Arc<roadcloud_store::Store>,
) -> Result<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>> {
    // The MA's certificate is issued by --ma-ca, else by the zone's CA.
    let files = config.tls_files();
    let ca = config.ma_ca.as_ref().or(files.as_ref().map(|f| &f.ca));
    let identity = files.as_ref().and_then(|f| f.client.as_ref());
    let tls = match ca {
        Some(ca) => Some(roadcloud_tls::client_config(ca, identity).with_context(|| {
            format!(
                "cannot set up TLS towards the misbehaviour authority with the CA {} (check \
                 --ma-ca, or --pki)",
                ca.display()
            )
        })?),
        None => None,
    };
    let export = roadcloud_ma::ExportConfig::new("roadcloud", &config.data_dir);
    let fail = |e: String| anyhow::anyhow!("--ma-url: {e}");
    if url.starts_with("mqtt://") || url.starts_with("mqtts://") {
        let client_id = format!("{}-ma-export", client_name(config));
        let endpoint = roadcloud_ma::MqttEndpoint::new(url, &client_id, tls).map_err(fail)?;
        exporting(store, endpoint, export).map_err(fail)
    } else {
        let endpoint = roadcloud_ma::HttpEndpoint::new(url, tls).map_err(fail)?;
        exporting(store, endpoint, export).map_err(fail)
    }
}

/// The exporter of `store`'s reports to `endpoint`, to run in the background.
fn exporting<E: roadcloud_ma::Endpoint + 'static>(
    store: Arc<roadcloud_store::Store>,
    endpoint: E,
    export: roadcloud_ma::ExportConfig,
) -> Result<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>, String> {
    tracing::info!("exporting misbehaviour reports to {}", endpoint.describe());
    Ok(Box::pin(
        roadcloud_ma::Exporter::new(store, endpoint, export)?.run(),
    ))
}

/// What admission asks of signatures, from `v2x_trust` and `allow_unsigned`.
fn security(config: &NodeConfig) -> Result<Security> {
    let store = match &config.v2x_trust {
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
        None if config.allow_unsigned => TrustStore::new(),
        None => bail!(
            "signed messages are required, and no trust anchors were given: pass the zone's \
             V2X trust folder with --v2x-trust DIR (make a test zone's with `roadcloud pki v2x \
             init DIR`), or admit unsigned messages with --allow-unsigned (labs only)"
        ),
    };
    if config.allow_unsigned {
        tracing::warn!(
            "--allow-unsigned: unsigned messages are admitted; any device that can publish \
             can say anything, unverified"
        );
    }
    Ok(Security {
        store: Arc::new(store),
        allow_unsigned: config.allow_unsigned,
        window: Some((config.max_age_ms, config.max_future_ms)),
    })
}

/// Takes the MAP of every node of a SUMO road network into the pipeline's lanes; the number
/// of nodes.
fn road_network(pipeline: &mut Pipeline, path: &Path) -> Result<usize> {
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

/// The web map's address for a listen address.
fn map_address(listen: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{}/", reachable(listen))
}

/// Where a client on this machine reaches a listen address: a wildcard (`0.0.0.0`, `::`)
/// on the loopback.
pub fn reachable(listen: SocketAddr) -> SocketAddr {
    match listen.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => (Ipv4Addr::LOCALHOST, listen.port()).into(),
        ip if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, listen.port()).into(),
        _ => listen,
    }
}
