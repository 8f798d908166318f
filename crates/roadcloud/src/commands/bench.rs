//! `roadcloud bench`: drives an MQTT broker with a simulated fleet and measures what arrives.
//!
//! Two ways to measure:
//! - against a running `roadcloud serve` (the default): the server counts what it admitted and
//!   keeps an ingest latency histogram (BSM generation to world update), read through its API
//!   before and after the run;
//!   and subscribes to the vehicles' downlinks to measure the advice's delay end to end (from
//!   the BSM an advisory rests on, its `reported_at`, to the advisory's arrival);
//! - `--subscribe`: against any broker (Mosquitto, nats-server's MQTT listener, ...), this
//!   command also subscribes to every uplink and measures delivery and latency itself, the
//!   same way (generation time, from the BSM's secMark, to receipt).

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use roadcloud_access::Identity;
use roadcloud_pipeline::LatencyHistogram;
use roadcloud_sim::{DeviceKeys, Fleet};
use roadcloud_transport::mqtt::parse_url;
use roadcloud_transport::{now_micros, now_millis};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Drive an MQTT broker with N simulated vehicles sending BSM and RSUs sending RSM and SPAT,
/// and measure the sustained message rate, loss and ingest latency.
///
/// Each vehicle publishes a UPER BSM to V2X/OBU/{id}/BSM/UP at --rate-hz, spread evenly in
/// time over --connections MQTT connections (QoS 0). Each of --rsus roadside units publishes,
/// at --rsu-rate-hz over one more connection, an RSM of the vehicles its camera sees (within
/// 150 m) and a SPAT of its intersection. Against roadcloud (default) the figures come from
/// the server's API (admitted messages; latency from each BSM's generation to the world
/// update), and the bench listens on every V2X/OBU/+/ADVICE/DOWN for the end-to-end delay of
/// the advice (from the generation of the report an advisory rests on, its reported_at, to
/// its arrival here). With --subscribe the bench subscribes to the broker itself and measures delivery,
/// for brokers that are not roadcloud.
///
/// Examples:
///   roadcloud serve &  roadcloud bench --vehicles 5000 --seconds 20
///   roadcloud bench --broker mqtt://127.0.0.1:1884 --subscribe --label mosquitto
///   roadcloud bench --broker mqtts://localhost:8883 --pki pki --data-dir roadcloud-data \
///       --api http://127.0.0.1:9100      (over TLS; the API read on serve's --monitor-listen)
///   roadcloud bench --storm 10000 --broker mqtts://localhost:8883 --pki pki
///   bench/mqtt/compare.sh     (roadcloud, Mosquitto and nats-server, side by side)
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct BenchArgs {
    /// The broker devices publish to.
    #[arg(long, default_value = "mqtt://127.0.0.1:1883")]
    pub broker: String,
    /// The roadcloud API to read figures from (ignored with --subscribe).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub api: String,
    /// Measure delivery by subscribing to the broker instead of asking roadcloud.
    #[arg(long)]
    pub subscribe: bool,
    /// Where the traffic comes from: `circles`, synthetic vehicles driving circles around
    /// the origin (BSM only, any number); `zone`, the demo's simulated zone (its vehicles,
    /// pedestrians, RSUs and signals, all its messages; --vehicles spread over its 8 traffic
    /// directions); `sumo`, a SUMO scenario (--sumocfg) co-simulated in real time, as
    /// `roadcloud sim sumo` does. With zone and sumo, --rate-hz, --rsus and --rsu-rate-hz do
    /// not apply.
    #[arg(long, value_enum, default_value_t = Traffic::Circles)]
    pub traffic: Traffic,
    /// The SUMO scenario for --traffic sumo (SUMO from SUMO_HOME).
    #[arg(long, value_name = "FILE", required_if_eq("traffic", "sumo"))]
    pub sumocfg: Option<std::path::PathBuf>,
    /// Simulated vehicles.
    #[arg(long, default_value_t = 5_000)]
    pub vehicles: usize,
    /// The first simulated vehicle's number: two load generators, each given a range of
    /// its own (`--first-vehicle 0 --vehicles 2500`, `--first-vehicle 2500 --vehicles
    /// 2500`), drive one fleet (to two nodes of a cluster, say).
    #[arg(long, default_value_t = 0)]
    pub first_vehicle: usize,
    /// BSMs per second per vehicle.
    #[arg(long, default_value_t = 10.0)]
    pub rate_hz: f64,
    /// Simulated roadside units, each sending RSM and SPAT.
    #[arg(long, default_value_t = 20)]
    pub rsus: usize,
    /// RSM and SPAT per second per RSU.
    #[arg(long, default_value_t = 10.0)]
    pub rsu_rate_hz: f64,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 3)]
    pub warmup_seconds: u64,
    /// MQTT connections the vehicles share.
    #[arg(long, default_value_t = 8)]
    pub connections: usize,
    /// Zone origin latitude, degrees.
    #[arg(long, default_value_t = 31.2866)]
    pub origin_lat: f64,
    /// Zone origin longitude, degrees.
    #[arg(long, default_value_t = 121.1655)]
    pub origin_lon: f64,
    /// Name of the system under test in the result line.
    #[arg(long, default_value = "roadcloud")]
    pub label: String,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// The zone's PKI (`roadcloud pki init`), for --broker mqtts://: the bench trusts its CA
    /// and issues and registers (in --data-dir, the server's) a certificate per connection.
    /// As the topic ACL lets a device publish only on its own topics, the vehicles' BSMs then
    /// go out as an RSU's forwards (V2X/RSU/{rsuId}/BSM/UP, one bench RSU per connection),
    /// each simulated RSU has its own connection, and no advisories are listened to.
    #[arg(long, value_name = "DIR")]
    pub pki: Option<std::path::PathBuf>,
    /// The zone's V2X PKI folder (`roadcloud pki v2x init`; the server runs with
    /// --v2x-trust on it): each bench device gets a certificate and signs what it sends, by
    /// digest with the full certificate once a second. Without it, messages go unsigned (the
    /// server must then run with --allow-unsigned).
    #[arg(long, value_name = "DIR")]
    pub v2x_pki: Option<std::path::PathBuf>,
    /// Make (with --v2x-pki, sign) the whole run's messages before it starts (on every
    /// core), then only send them, each at its time: signing, which devices do in their own
    /// hardware, takes none of the cores the server runs on. An unsigned run with
    /// --presign sends the same way, the baseline a signed one compares with. Circles
    /// traffic only; memory grows with the run (about 250 bytes a message).
    #[arg(long)]
    pub presign: bool,
    /// The server's data directory, where --pki registers the bench's devices.
    #[arg(long, value_name = "DIR", default_value = "roadcloud-data")]
    pub data_dir: std::path::PathBuf,
    /// Instead of traffic, a connection storm: open this many idle MQTT connections at once
    /// (CONNECT, nothing published), report how long until all are CONNACKed, and hold them
    /// for --seconds (to read the server's memory meanwhile).
    #[arg(long, value_name = "N")]
    pub storm: Option<usize>,
}

/// TLS towards the broker: the CA to trust, and a device certificate per connection.
struct BenchTls {
    pki: std::path::PathBuf,
    registry: roadcloud_store::Registry,
}

impl BenchTls {
    fn new(args: &BenchArgs) -> Result<Option<BenchTls>> {
        let Some(pki) = &args.pki else {
            return Ok(None);
        };
        let registry = roadcloud_store::Registry::open(&args.data_dir)
            .with_context(|| format!("cannot open the registry in {}", args.data_dir.display()))?;
        Ok(Some(BenchTls {
            pki: pki.clone(),
            registry,
        }))
    }

    /// A client configuration presenting a new certificate for `identity`, registered.
    fn device(&self, identity: &Identity) -> Result<Arc<roadcloud_tls::rustls::ClientConfig>> {
        let issued = roadcloud_tls::pki::issue(&self.pki, identity, 7)?;
        let mut d = roadcloud_access::Device::new(*identity);
        d.certificate_sha256 = Some(issued.sha256.clone());
        self.registry.put_device(&d)?;
        let mut files = roadcloud_tls::TlsFiles::in_pki_dir(&self.pki);
        files.client = Some((issued.cert, issued.key));
        Ok(files.client_config()?)
    }

    /// roadcloud's own client certificate (for a subscriber on a broker that is not roadcloud).
    fn own(&self) -> Result<Arc<roadcloud_tls::rustls::ClientConfig>> {
        Ok(roadcloud_tls::TlsFiles::in_pki_dir(&self.pki).client_config()?)
    }
}

/// The identity of the bench's RSU `n` (its connection `n`'s).
fn bench_rsu(n: usize) -> Identity {
    Identity {
        class: roadcloud_access::DeviceClass::Rsu,
        id: roadcloud_transport::DeviceId((0x6265_6e63_6800_0000 | n as u64).to_be_bytes()),
    }
}

/// Where the bench's traffic comes from.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traffic {
    /// Synthetic vehicles on circles.
    Circles,
    /// The demo's simulated zone.
    Zone,
    /// A SUMO scenario.
    Sumo,
}

/// Runs the bench and prints the result.
pub fn run(args: &BenchArgs) -> Result<()> {
    if args.vehicles == 0 || args.rate_hz <= 0.0 || args.connections == 0 {
        bail!("--vehicles, --rate-hz and --connections must be positive");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(bench(args.clone()))?;
    if args.json {
        println!("{result}");
    } else {
        print_table(&[result]);
    }
    Ok(())
}

/// The advisories that reached the vehicles' downlinks, and their delay.
#[derive(Default)]
struct AdviceState {
    latency: std::sync::Mutex<LatencyHistogram>,
}

/// How many connections listen to the advice of a fleet whose vehicles are known (each
/// with its share of the vehicles' topics, as the vehicles' own connections would): one
/// connection for all of them sees its outbox at the server overflow whenever the
/// applications send a burst, and measures its own queue more than the advice's way.
const ADVICE_LISTENERS: usize = 8;

/// Listens on the vehicles' advice downlinks and records each advisory's delay from the
/// report it rests on: on `vehicles`' own topics (`V2X/OBU/{id}/ADVICE/DOWN`), spread over
/// [`ADVICE_LISTENERS`] connections, or, when the vehicles are not known beforehand (the
/// zone's and SUMO's traffic), on every vehicle's, over one.
async fn listen_to_advice(
    broker: &str,
    vehicles: Option<Vec<[u8; 8]>>,
) -> Result<Arc<AdviceState>> {
    let state = Arc::new(AdviceState::default());
    let shares: Vec<Vec<String>> = match vehicles {
        Some(ids) => {
            let mut shares = vec![Vec::new(); ADVICE_LISTENERS.min(ids.len()).max(1)];
            let n = shares.len();
            for (k, id) in ids.into_iter().enumerate() {
                shares[k % n].push(roadcloud_transport::vehicle_advice_topic(
                    roadcloud_transport::DeviceId(id),
                ));
            }
            shares
        }
        None => vec![vec!["V2X/OBU/+/ADVICE/DOWN".to_string()]],
    };
    for (k, topics) in shares.into_iter().enumerate() {
        let (client, mut events) =
            connect(broker, &format!("roadcloud-bench-advice-{k}"), None).await?;
        // A thousand filters to a SUBSCRIBE: each packet well below the server's 64 KiB.
        for chunk in topics.chunks(1_000) {
            client
                .subscribe_many(
                    chunk
                        .iter()
                        .map(|t| rumqttc::SubscribeFilter::new(t.clone(), QoS::AtMostOnce)),
                )
                .await
                .context("cannot subscribe to the downlinks")?;
        }
        let s = state.clone();
        tokio::spawn(async move {
            while let Ok(ev) = events.poll().await {
                if let Event::Incoming(Packet::Publish(p)) = ev {
                    let now_us = now_micros();
                    if let Ok(a) = serde_json::from_slice::<Value>(&p.payload)
                        && let Some(reported) = a["reported_at"].as_i64()
                    {
                        s.latency
                            .lock()
                            .expect("latency lock")
                            .record_us(now_us - reported * 1_000);
                    }
                }
            }
        });
    }
    Ok(state)
}

fn percentiles(h: &LatencyHistogram) -> Value {
    json!({
        "count": h.total(),
        "p50": h.percentile_ms(50.0),
        "p90": h.percentile_ms(90.0),
        "p99": h.percentile_ms(99.0),
        "p999": h.percentile_ms(99.9),
    })
}

/// Prints results as a table, one line each.
pub fn print_table(results: &[Value]) {
    println!(
        "{:<12} {:>8} {:>9} {:>9} {:>11} {:>8} {:>7} {:>7} {:>7} {:>8}",
        "system",
        "offered",
        "sent/s",
        "deliv/s",
        "lost",
        "loss%",
        "p50ms",
        "p90ms",
        "p99ms",
        "p99.9ms"
    );
    for r in results {
        let ms = |k: &str| {
            r["latency_ms"][k]
                .as_f64()
                .map_or("-".to_string(), |v| format!("{v:.1}"))
        };
        println!(
            "{:<12} {:>8} {:>9.0} {:>9.0} {:>11} {:>8.3} {:>7} {:>7} {:>7} {:>8}",
            r["system"].as_str().unwrap_or("?"),
            r["offered_per_s"].as_u64().unwrap_or(0),
            r["sent_per_s"].as_f64().unwrap_or(0.0),
            r["delivered_per_s"].as_f64().unwrap_or(0.0),
            r["lost"].as_u64().unwrap_or(0),
            r["loss_percent"].as_f64().unwrap_or(0.0),
            ms("p50"),
            ms("p90"),
            ms("p99"),
            ms("p999"),
        );
    }
    for r in results {
        let a = &r["advice_latency_ms"];
        if a["count"].as_u64().is_some_and(|n| n > 0) {
            println!(
                "{:<12} advisories received {}: BSM to advisory p50 {:.1} p90 {:.1} p99 {:.1} p99.9 {:.1} ms",
                r["system"].as_str().unwrap_or("?"),
                a["count"],
                a["p50"].as_f64().unwrap_or(f64::NAN),
                a["p90"].as_f64().unwrap_or(f64::NAN),
                a["p99"].as_f64().unwrap_or(f64::NAN),
                a["p999"].as_f64().unwrap_or(f64::NAN),
            );
        }
        let w = &r["world"];
        if let (Some(i), Some(a)) = (
            w["ingest_busy_share"].as_f64(),
            w["apps_busy_share"].as_f64(),
        ) {
            println!(
                "{:<12} world stage busy: ingest {:.0} %, applications {:.0} %; {:.0} scenes/s of {:.1} tiles, {:.0} participants and {:.1} vehicles advised each",
                "",
                100.0 * i,
                100.0 * a,
                w["scenes_per_s"].as_f64().unwrap_or(0.0),
                w["tiles_per_scene"].as_f64().unwrap_or(f64::NAN),
                w["participants_per_scene"].as_f64().unwrap_or(f64::NAN),
                w["targets_per_scene"].as_f64().unwrap_or(f64::NAN),
            );
        }
        let n = &r["advice_at_server_ms"];
        if n["count"].as_u64().is_some_and(|n| n > 0) {
            println!(
                "{:<12} of which at the server (to its downlinks) p50 {:.1} p90 {:.1} p99 {:.1} p99.9 {:.1} ms",
                "",
                n["p50"].as_f64().unwrap_or(f64::NAN),
                n["p90"].as_f64().unwrap_or(f64::NAN),
                n["p99"].as_f64().unwrap_or(f64::NAN),
                n["p999"].as_f64().unwrap_or(f64::NAN),
            );
        }
    }
}

/// What the system under test reports: messages delivered so far and the latency histogram.
struct Reading {
    delivered: u64,
    latency: LatencyHistogram,
    /// The share of signed messages whose signature the server checked (its API only).
    verified_share: Option<f64>,
    /// Messages the server received and turned away, every reason (its API only).
    refused: Option<u64>,
    /// The server's advice latency, to the hand-off to its downlinks (its API only).
    advice_at_server: Option<LatencyHistogram>,
    /// The server's world stage: its busy time and its applications' scenes (its API only).
    world: Option<WorldReading>,
}

/// What a roadcloud server's world stage has done since it started (`/api/v1/stats`).
#[derive(Debug, Clone, Copy, Default)]
struct WorldReading {
    /// Seconds busy taking batches in.
    ingest_s: f64,
    /// Seconds busy on the applications.
    apps_s: f64,
    /// Scenes built, the tiles and participants in them and the vehicles they advised,
    /// every shard.
    scenes: u64,
    scene_tiles: u64,
    scene_participants: u64,
    scene_targets: u64,
}

impl WorldReading {
    fn of(stats: &Value) -> Option<WorldReading> {
        let busy = &stats["world_busy_s"];
        let shards = stats["shards"].as_array()?;
        let sum = |k: &str| shards.iter().filter_map(|s| s[k].as_u64()).sum();
        Some(WorldReading {
            ingest_s: busy["ingest"].as_f64()?,
            apps_s: busy["apps"].as_f64()?,
            scenes: sum("scenes"),
            scene_tiles: sum("scene_tiles"),
            scene_participants: sum("scene_participants"),
            scene_targets: sum("scene_targets"),
        })
    }

    /// What the stage did from `earlier` to this reading, `seconds` apart.
    fn since(&self, earlier: &WorldReading, seconds: f64) -> Value {
        let scenes = self.scenes.saturating_sub(earlier.scenes);
        let per_scene =
            |n: u64, m: u64| (scenes > 0).then(|| n.saturating_sub(m) as f64 / scenes as f64);
        json!({
            "ingest_busy_share": (self.ingest_s - earlier.ingest_s) / seconds,
            "apps_busy_share": (self.apps_s - earlier.apps_s) / seconds,
            "scenes_per_s": scenes as f64 / seconds,
            "tiles_per_scene": per_scene(self.scene_tiles, earlier.scene_tiles),
            "participants_per_scene": per_scene(self.scene_participants, earlier.scene_participants),
            "targets_per_scene": per_scene(self.scene_targets, earlier.scene_targets),
        })
    }
}

/// Reads the counters of roadcloud's API or of the bench's own subscriber.
enum Meter {
    Api(String),
    Subscriber(Arc<SubscriberState>),
}

#[derive(Default)]
struct SubscriberState {
    delivered: AtomicU64,
    latency: std::sync::Mutex<LatencyHistogram>,
}

impl Meter {
    async fn read(&self) -> Result<Reading> {
        match self {
            Meter::Subscriber(s) => Ok(Reading {
                delivered: s.delivered.load(Ordering::Acquire),
                latency: s.latency.lock().expect("latency lock").clone(),
                verified_share: None,
                refused: None,
                advice_at_server: None,
                world: None,
            }),
            Meter::Api(base) => {
                let base = base.clone();
                tokio::task::spawn_blocking(move || -> Result<Reading> {
                    let stats = http_get_json(&base, "/api/v1/stats")?;
                    let histogram = |of: &str| -> Result<LatencyHistogram> {
                        let lat = http_get_json(&base, &format!("/api/v1/stats/latency?of={of}"))?;
                        let buckets = lat["buckets"]
                            .as_array()
                            .context("latency buckets missing")?
                            .iter()
                            .filter_map(|b| Some((b[0].as_u64()? as usize, b[1].as_u64()?)));
                        Ok(LatencyHistogram::from_buckets(buckets))
                    };
                    Ok(Reading {
                        delivered: stats["admitted"].as_u64().unwrap_or(0),
                        latency: histogram("ingest")?,
                        // A server from before the advice histogram answers every
                        // `of` with its ingest histogram: asked only of one that has it.
                        advice_at_server: if stats["advice_latency_ms"].is_object() {
                            Some(histogram("advice")?)
                        } else {
                            None
                        },
                        world: WorldReading::of(&stats),
                        verified_share: stats["signatures"]["verified_share"].as_f64(),
                        refused: stats["rejected"]
                            .as_object()
                            .map(|r| r.values().filter_map(Value::as_u64).sum()),
                    })
                })
                .await?
            }
        }
    }
}

/// A plain HTTP/1.1 GET of JSON (the bench needs nothing more than this).
fn http_get_json(base: &str, path: &str) -> Result<Value> {
    use std::io::{Read, Write};
    let hostport = base
        .strip_prefix("http://")
        .context("--api must start with http://")?
        .trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(hostport).with_context(|| {
        format!("cannot reach the roadcloud API at {base} (is roadcloud serve running? see --api)")
    })?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("malformed HTTP answer")?;
    if !head.starts_with("HTTP/1.1 200") {
        bail!("{base}{path}: {}", head.lines().next().unwrap_or(""));
    }
    // axum answers with a content length, not chunks, for these JSON bodies.
    serde_json::from_str(body).with_context(|| format!("{base}{path}: not JSON"))
}

async fn connect(
    broker: &str,
    id: &str,
    tls: Option<Arc<roadcloud_tls::rustls::ClientConfig>>,
) -> Result<(AsyncClient, rumqttc::EventLoop)> {
    let (host, port, wants_tls) = parse_url(broker)?;
    let mut o = MqttOptions::new(id, host, port);
    match (wants_tls, tls) {
        (true, Some(config)) => o.set_transport(rumqttc::Transport::tls_with_config(
            rumqttc::TlsConfiguration::Rustls(config),
        )),
        (true, None) => bail!("{broker} is MQTT over TLS: give --pki"),
        (false, _) => &mut o,
    };
    o.set_keep_alive(Duration::from_secs(30));
    o.set_max_packet_size(64 * 1024, 64 * 1024);
    let (client, mut events) = AsyncClient::new(o, 4_096);
    events.network_options.set_tcp_nodelay(true);
    // In a connection storm the server may take seconds to answer everyone; a device would
    // wait rather than give up after rumqttc's default 5 s.
    events.network_options.set_connection_timeout(60);
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => return Ok((client, events)),
            Ok(_) => {}
            Err(e) => {
                bail!("cannot connect to {broker}: {e} (is the broker running? see --broker)")
            }
        }
    }
}

/// [`connect`], retrying for a few seconds while the server has not yet reloaded the
/// registry that holds a certificate just issued.
async fn connect_registered(
    broker: &str,
    id: &str,
    tls: Option<Arc<roadcloud_tls::rustls::ClientConfig>>,
) -> Result<(AsyncClient, rumqttc::EventLoop)> {
    let started = Instant::now();
    loop {
        match connect(broker, id, tls.clone()).await {
            Ok(c) => return Ok(c),
            Err(_) if tls.is_some() && started.elapsed() < Duration::from_secs(6) => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Opens `n` idle connections at once and measures how long until each is CONNACKed (or
/// refused), then holds them all for `--seconds`.
async fn storm(args: &BenchArgs, n: usize, tls: Option<&BenchTls>) -> Result<Value> {
    // One device for all of them (each connection its own client id), as the reconnecting
    // OBUs of a zone would present theirs.
    let config = match tls {
        Some(t) => Some(t.device(&bench_rsu(0xff_fff0))?),
        None => None,
    };
    if config.is_some() {
        // Let the server reload the registry with the certificate just issued.
        connect_registered(&args.broker, "roadcloud-storm-probe", config.clone()).await?;
    }
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Duration, String>>(n.max(1));
    // Every connection is held until the bench lets them all go together, --seconds after
    // the last CONNACK: the server's memory is then read with all of them open.
    let (release_tx, release) = tokio::sync::watch::channel(false);
    for i in 0..n {
        let tx = tx.clone();
        let broker = args.broker.clone();
        let config = config.clone();
        let mut release = release.clone();
        tokio::spawn(async move {
            let result = connect(&broker, &format!("roadcloud-storm-{i}"), config).await;
            match result {
                Ok((_client, mut events)) => {
                    let _ = tx.send(Ok(started.elapsed())).await;
                    // Idle: only the keep-alive's pings, until released.
                    tokio::select! {
                        _ = async { while events.poll().await.is_ok() {} } => {}
                        _ = release.wait_for(|go| *go) => {}
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string())).await;
                }
            }
        });
    }
    drop(tx);
    let (mut acked, mut failed, mut last, mut first_error) = (0usize, 0usize, Duration::ZERO, None);
    let deadline = Duration::from_secs(120);
    while acked + failed < n {
        match tokio::time::timeout(deadline.saturating_sub(started.elapsed()), rx.recv()).await {
            Ok(Some(Ok(at))) => {
                acked += 1;
                last = last.max(at);
            }
            Ok(Some(Err(e))) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
            _ => break,
        }
    }
    let result = json!({
        "system": args.label,
        "storm_connections": n,
        "connacked": acked,
        "failed": failed,
        "all_connacked_s": (acked == n).then_some(last.as_secs_f64()),
        "last_connack_s": last.as_secs_f64(),
        "first_error": first_error,
        "tls": tls.is_some(),
    });
    if !args.quiet {
        eprintln!(
            "{}: {acked} of {n} connections CONNACKed, the last after {:.2} s; holding them {} s",
            args.label,
            last.as_secs_f64(),
            args.seconds
        );
    }
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let _ = release_tx.send(true);
    Ok(result)
}

/// Publishes one frame as a device does (UPER, QoS 0) and counts it; false once the
/// connection is gone.
async fn publish(
    client: &AsyncClient,
    topic: String,
    frame: &roadcloud_csae::MessageFrame,
    sent: &AtomicU64,
    keys: Option<&mut DeviceKeys>,
) -> bool {
    // Signed as the device would sign it (--v2x-pki), else the bare MessageFrame.
    let payload = match keys {
        Some(k) => match k.sign(&topic, frame, now_millis()) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: cannot sign: {e}");
                return false;
            }
        },
        None => unsigned(frame),
    };
    publish_bytes(client, topic, payload, sent).await
}

/// What a device without a certificate sends: the bare `MessageFrame`, UPER.
fn unsigned(frame: &roadcloud_csae::MessageFrame) -> Vec<u8> {
    roadcloud_csae::encode(frame).expect("the simulator builds valid messages")
}

/// Publishes one encoded frame (QoS 0) and counts it; false once the connection is gone.
async fn publish_bytes(
    client: &AsyncClient,
    topic: String,
    payload: Vec<u8>,
    sent: &AtomicU64,
) -> bool {
    let ok = client
        .publish(topic, QoS::AtMostOnce, false, payload)
        .await
        .is_ok();
    if ok {
        sent.fetch_add(1, Ordering::Relaxed);
    }
    ok
}

/// What one publishing task sends in a --presign run.
#[derive(Clone)]
enum Publisher {
    /// Connection `c`'s vehicles (`c`, `c + C`, ...), on their own topics or forwarded by
    /// the bench RSU of `forward_topic`.
    Vehicles {
        c: usize,
        forward_topic: Option<String>,
    },
    /// These RSUs' RSM and SPAT.
    Rsus(Vec<roadcloud_sim::Rsu>),
}

/// A publishing task's whole run, made beforehand (--presign): when each message goes
/// out (ms since the epoch), its topic and its bytes.
type Schedule = Vec<(i64, String, Vec<u8>)>;

/// What `publisher` sends in the `total_ms` from `t0_ms`, as the live loops would make it:
/// each message at its time, with that time as its generation time.
fn scheduled_messages(
    args: &BenchArgs,
    publisher: &Publisher,
    t0_ms: i64,
    total_ms: i64,
) -> Vec<(String, roadcloud_csae::MessageFrame, i64)> {
    let mut fleet = Fleet::numbered_from(
        args.first_vehicle,
        args.vehicles,
        args.origin_lat,
        args.origin_lon,
    );
    let mut out = Vec::new();
    match publisher {
        Publisher::Vehicles { c, forward_topic } => {
            let mine: Vec<usize> = (*c..args.vehicles).step_by(args.connections).collect();
            let per_s = mine.len() as f64 * args.rate_hz;
            let n = (per_s * total_ms as f64 / 1000.0) as usize;
            for m in 0..n {
                let at = t0_ms + (m as f64 * 1000.0 / per_s) as i64;
                let (topic, frame) =
                    fleet.bsm(mine[m % mine.len()], (at - t0_ms) as f64 / 1000.0, at);
                out.push((forward_topic.clone().unwrap_or(topic), frame, at));
            }
        }
        Publisher::Rsus(units) => {
            let mut units = units.clone();
            let ticks = (args.rsu_rate_hz * total_ms as f64 / 1000.0) as usize;
            for k in 0..ticks {
                let at = t0_ms + (k as f64 * 1000.0 / args.rsu_rate_hz) as i64;
                let t_s = (at - t0_ms) as f64 / 1000.0;
                for (topic, frame) in rsu_tick(&fleet, &mut units, t_s, at) {
                    out.push((topic, frame, at));
                }
            }
        }
    }
    out
}

/// What the RSUs send at one tick, `t_s` into the run: each one's RSM of the fleet it sees,
/// and its SPAT.
fn rsu_tick(
    fleet: &Fleet,
    units: &mut [roadcloud_sim::Rsu],
    t_s: f64,
    now_ms: i64,
) -> Vec<(String, roadcloud_csae::MessageFrame)> {
    let mut out = Vec::new();
    for r in units {
        let spat = roadcloud_sim::spat(r, now_ms);
        out.extend(fleet.rsm(r, t_s, now_ms));
        out.push(spat);
    }
    out
}

/// Makes (signs, with --v2x-pki) every message of the run beforehand (--presign), one
/// schedule per publisher. The run starts when that is done: its start is set from a
/// measured rate, with room to spare, as the generation times must be the times the
/// messages go out.
fn presign(
    args: &BenchArgs,
    publishers: &[Publisher],
    total: Duration,
) -> Result<(i64, Vec<Schedule>)> {
    let total_ms = total.as_millis() as i64;
    let make = |messages: &[(String, roadcloud_csae::MessageFrame, i64)]| match device_keys(args)? {
        Some(mut keys) => keys
            .sign_many(messages)
            .map_err(|e| anyhow::anyhow!("cannot sign: {e}")),
        None => Ok(messages
            .iter()
            .map(|(_, frame, _)| unsigned(frame))
            .collect()),
    };
    // The rate, from a sample of the first publisher's messages.
    let sample: Vec<_> = scheduled_messages(args, &publishers[0], now_millis(), total_ms)
        .into_iter()
        .take(400)
        .collect();
    let timer = Instant::now();
    make(&sample)?;
    let per_message_s = timer.elapsed().as_secs_f64() / sample.len().max(1) as f64;
    let count: usize = publishers
        .iter()
        .map(|s| scheduled_messages(args, s, 0, total_ms).len())
        .sum();
    let lead_ms = (count as f64 * per_message_s * 1_300.0) as i64 + 3_000;
    let t0_ms = now_millis() + lead_ms;
    eprintln!(
        "making {count} messages beforehand (about {:.0} s); the run starts then",
        lead_ms as f64 / 1000.0
    );
    let schedules = publishers
        .iter()
        .map(|s| {
            let messages = scheduled_messages(args, s, t0_ms, total_ms);
            let payloads = make(&messages)?;
            Ok(messages
                .into_iter()
                .zip(payloads)
                .map(|((topic, _, at), payload)| (at, topic, payload))
                .collect())
        })
        .collect::<Result<Vec<Schedule>>>()?;
    if now_millis() > t0_ms {
        bail!(
            "making the messages beforehand took longer than measured ({} ms late): they \
             would go out stale; run again, or shorter",
            now_millis() - t0_ms
        );
    }
    Ok((t0_ms, schedules))
}

/// Sends a presigned schedule, each message at its time.
async fn replay(client: AsyncClient, schedule: Schedule, sent: Arc<AtomicU64>) {
    for (at, topic, payload) in schedule {
        let wait_ms = at - now_millis();
        if wait_ms > 0 {
            tokio::time::sleep(Duration::from_millis(wait_ms as u64)).await;
        }
        if !publish_bytes(&client, topic, payload, &sent).await {
            return;
        }
    }
}

/// The devices' keys when --v2x-pki names the zone's PKI: one set per publishing task, each
/// task signing for its own devices.
fn device_keys(args: &BenchArgs) -> Result<Option<DeviceKeys>> {
    args.v2x_pki
        .as_ref()
        .map(|dir| DeviceKeys::open(dir))
        .transpose()
        .map_err(|e| anyhow::anyhow!("cannot open the V2X PKI (--v2x-pki): {e}"))
}

/// The demo zone stepped at 10 Hz, its messages published over `--connections`
/// connections in turn.
async fn zone_traffic(
    args: &BenchArgs,
    started: Instant,
    total: Duration,
    sent: Arc<AtomicU64>,
) -> Result<tokio::task::JoinHandle<()>> {
    let mut clients = Vec::new();
    for c in 0..args.connections {
        let (client, mut events) =
            connect(&args.broker, &format!("roadcloud-bench-{c}"), None).await?;
        tokio::spawn(async move { while events.poll().await.is_ok() {} });
        clients.push(client);
    }
    let config = roadcloud_sim::ZoneConfig {
        vehicles_per_flow: args.vehicles.div_ceil(8),
        ..roadcloud_sim::ZoneConfig::default()
    };
    let mut keys = device_keys(args)?;
    Ok(tokio::spawn(async move {
        let mut zone = roadcloud_sim::Zone::anting(config);
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut next = 0;
        while started.elapsed() < total {
            tick.tick().await;
            let now = now_millis();
            zone.step(0.1, now);
            for (topic, frame) in zone.messages(now) {
                next = (next + 1) % clients.len();
                if !publish(&clients[next], topic, &frame, &sent, keys.as_mut()).await {
                    return;
                }
            }
        }
    }))
}

async fn bench(args: BenchArgs) -> Result<Value> {
    let tls = BenchTls::new(&args)?;
    if let Some(n) = args.storm {
        return storm(&args, n, tls.as_ref()).await;
    }
    if tls.is_some() && args.traffic != Traffic::Circles {
        bail!("--pki drives the circles traffic only");
    }
    // Under --pki every connection is a device with its own certificate: all are issued and
    // registered before the run, and the server's registry reload awaited once.
    let rsu_units = roadcloud_sim::rsus(args.rsus);
    let (vehicle_tls, rsu_tls) = match &tls {
        Some(t) => {
            let vehicles = (0..args.connections)
                .map(|c| t.device(&bench_rsu(c)).map(Some))
                .collect::<Result<Vec<_>>>()?;
            let rsus = rsu_units
                .iter()
                .map(|u| {
                    t.device(&Identity {
                        class: roadcloud_access::DeviceClass::Rsu,
                        id: roadcloud_transport::DeviceId(u.id),
                    })
                    .map(Some)
                })
                .collect::<Result<Vec<_>>>()?;
            if let Some(last) = rsus.last().or(vehicles.last()) {
                connect_registered(&args.broker, "roadcloud-bench-probe", last.clone()).await?;
            }
            (vehicles, rsus)
        }
        None => (vec![None; args.connections], vec![None]),
    };
    let meter = if args.subscribe {
        let state = Arc::new(SubscriberState::default());
        let own = tls.as_ref().map(BenchTls::own).transpose()?;
        let (client, mut events) = connect(&args.broker, "roadcloud-bench-sub", own).await?;
        client
            .subscribe("V2X/+/+/+/UP", QoS::AtMostOnce)
            .await
            .context("cannot subscribe")?;
        let s = state.clone();
        tokio::spawn(async move {
            while let Ok(ev) = events.poll().await {
                if let Event::Incoming(Packet::Publish(p)) = ev {
                    let now_us = now_micros();
                    if let Ok(roadcloud_csae::MessageFrame::BsmFrame(b)) =
                        roadcloud_csae::decode(&p.payload)
                        && let Some(g) =
                            roadcloud_world::resolve_sec_mark(b.sec_mark.0, now_us / 1_000)
                    {
                        s.latency
                            .lock()
                            .expect("latency lock")
                            .record_us(now_us - g * 1_000);
                    }
                    s.delivered.fetch_add(1, Ordering::AcqRel);
                }
            }
        });
        // Let the subscription settle before the first publish.
        tokio::time::sleep(Duration::from_millis(300)).await;
        Meter::Subscriber(state)
    } else {
        Meter::Api(args.api.clone())
    };

    // Under the topic ACL a device reads only its own downlink: no advice to listen to.
    let advice = if args.subscribe || tls.is_some() {
        None
    } else {
        let vehicles = (args.traffic == Traffic::Circles).then(|| {
            Fleet::numbered_from(
                args.first_vehicle,
                args.vehicles,
                args.origin_lat,
                args.origin_lon,
            )
            .vehicles
            .iter()
            .map(|v| v.id)
            .collect()
        });
        Some(listen_to_advice(&args.broker, vehicles).await?)
    };
    let advice_reading = || {
        advice.as_ref().map_or_else(LatencyHistogram::default, |a| {
            a.latency.lock().expect("latency lock").clone()
        })
    };
    let total = Duration::from_secs(args.warmup_seconds + args.seconds);
    // What each publishing task of the circles traffic sends: its vehicles, then each group
    // of RSUs.
    let forward_topic = |c: usize| {
        tls.is_some()
            .then(|| format!("V2X/RSU/{}/BSM/UP", bench_rsu(c).id))
    };
    let rsu_groups: Vec<Vec<roadcloud_sim::Rsu>> =
        if args.traffic == Traffic::Circles && args.rsus > 0 && args.rsu_rate_hz > 0.0 {
            // One connection for all the RSUs; under the ACL, one each (a device publishes
            // only on its own topics).
            match &tls {
                Some(_) => rsu_units.into_iter().map(|u| vec![u]).collect(),
                None => vec![rsu_units],
            }
        } else {
            Vec::new()
        };
    let mut presigned = if args.presign {
        if args.traffic != Traffic::Circles {
            bail!("--presign makes the circles traffic only");
        }
        let publishers: Vec<Publisher> = (0..args.connections)
            .map(|c| Publisher::Vehicles {
                c,
                forward_topic: forward_topic(c),
            })
            .chain(rsu_groups.iter().cloned().map(Publisher::Rsus))
            .collect();
        let (t0_ms, schedules) = presign(&args, &publishers, total)?;
        tokio::time::sleep(Duration::from_millis((t0_ms - now_millis()).max(0) as u64)).await;
        Some(schedules.into_iter())
    } else {
        None
    };
    let start_reading = meter.read().await?;
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let start_ms = now_millis();
    let mut tasks = Vec::new();
    let scratch = tempfile::tempdir().context("cannot make a temporary directory")?;
    match args.traffic {
        Traffic::Zone => tasks.push(zone_traffic(&args, started, total, sent.clone()).await?),
        Traffic::Sumo => {
            let cosim = crate::commands::sumo::CosimArgs {
                sumocfg: args.sumocfg.clone(),
                net: None,
                routes: None,
                sumo_home: std::env::var_os("SUMO_HOME")
                    .context("--traffic sumo needs SUMO_HOME (source scripts/sumo.sh)")?
                    .into(),
                broker: Some(args.broker.clone()),
                v2x_pki: args.v2x_pki.clone(),
                allow_unsigned: false,
                http_listen: ([127, 0, 0, 1], 0).into(),
                speed: 1.0,
                seconds: Some(total.as_secs_f64()),
                advisories_out: None,
                apps_config: None,
                equipped: 1.0,
                roadside_vehicles: false,
                respond: false,
                red_light_runners: 0.0,
                distracted: 0.0,
                attackers: 0.0,
                attacks: Vec::new(),
                misbehaviour: None,
                tripinfo: None,
                fcd_out: None,
                apps_switched: Vec::new(),
                sds_share: 0.0,
                open_loop: false,
            };
            let run = crate::commands::sumo::cosimulate(
                cosim,
                None,
                scratch.path().to_path_buf(),
                Some(sent.clone()),
            );
            tasks.push(tokio::spawn(async move {
                if let Err(e) = run.await {
                    eprintln!("error: SUMO traffic: {e:#}");
                }
            }));
        }
        Traffic::Circles => {}
    }
    for c in (0..args.connections).filter(|_| args.traffic == Traffic::Circles) {
        let config = vehicle_tls[c].clone();
        // Under the ACL, connection c is a bench RSU forwarding the BSMs it hears.
        let forward_topic = forward_topic(c);
        let (client, mut events) =
            connect(&args.broker, &format!("roadcloud-bench-{c}"), config).await?;
        tokio::spawn(async move { while events.poll().await.is_ok() {} });
        if let Some(schedule) = presigned.as_mut().and_then(Iterator::next) {
            tasks.push(tokio::spawn(replay(client, schedule, sent.clone())));
            continue;
        }
        // Vehicles c, c + C, c + 2C, ... publish on connection c.
        let mine: Vec<usize> = (c..args.vehicles).step_by(args.connections).collect();
        let sent = sent.clone();
        let args = args.clone();
        let mut keys = device_keys(&args)?;
        tasks.push(tokio::spawn(async move {
            let mut fleet = Fleet::numbered_from(
                args.first_vehicle,
                args.vehicles,
                args.origin_lat,
                args.origin_lon,
            );
            let per_s = mine.len() as f64 * args.rate_hz;
            let mut tick = tokio::time::interval(Duration::from_millis(5));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let (mut due, mut cursor) = (0.0_f64, 0usize);
            let mut last = Instant::now();
            while started.elapsed() < total {
                tick.tick().await;
                let now = Instant::now();
                due += per_s * now.duration_since(last).as_secs_f64();
                last = now;
                while due >= 1.0 {
                    due -= 1.0;
                    let i = mine[cursor];
                    cursor = (cursor + 1) % mine.len();
                    let now_ms = now_millis();
                    let (topic, frame) = fleet.bsm(i, (now_ms - start_ms) as f64 / 1000.0, now_ms);
                    let topic = forward_topic.clone().unwrap_or(topic);
                    if !publish(&client, topic, &frame, &sent, keys.as_mut()).await {
                        return;
                    }
                }
            }
        }));
    }

    for (g, (units, config)) in rsu_groups.into_iter().zip(rsu_tls).enumerate() {
        let (client, mut events) =
            connect(&args.broker, &format!("roadcloud-bench-rsus-{g}"), config).await?;
        tokio::spawn(async move { while events.poll().await.is_ok() {} });
        if let Some(schedule) = presigned.as_mut().and_then(Iterator::next) {
            tasks.push(tokio::spawn(replay(client, schedule, sent.clone())));
            continue;
        }
        let sent = sent.clone();
        let args = args.clone();
        let mut keys = device_keys(&args)?;
        tasks.push(tokio::spawn(async move {
            let fleet = Fleet::numbered_from(
                args.first_vehicle,
                args.vehicles,
                args.origin_lat,
                args.origin_lon,
            );
            let mut units = units;
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rsu_rate_hz));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            while started.elapsed() < total {
                tick.tick().await;
                let now_ms = now_millis();
                let t_s = (now_ms - start_ms) as f64 / 1000.0;
                for (topic, frame) in rsu_tick(&fleet, &mut units, t_s, now_ms) {
                    if !publish(&client, topic, &frame, &sent, keys.as_mut()).await {
                        return;
                    }
                }
            }
        }));
    }

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total.as_secs())
    };
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} s  {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(format!("{} warm-up", args.label));
    let mut measured_from: Option<(Reading, u64, Instant)> = None;
    let mut advice_from = LatencyHistogram::default();
    let mut last_sent = 0;
    while started.elapsed() < total {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let s = sent.load(Ordering::Relaxed);
        bar.set_position(started.elapsed().as_secs().min(total.as_secs()));
        bar.set_message(format!("{} msgs/s sent", s - last_sent));
        last_sent = s;
        if measured_from.is_none() && started.elapsed() >= Duration::from_secs(args.warmup_seconds)
        {
            measured_from = Some((meter.read().await?, s, Instant::now()));
            advice_from = advice_reading();
            bar.set_prefix(format!("{} measuring", args.label));
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let (from, sent_from, measure_start) = match measured_from {
        Some(m) => m,
        None => (meter.read().await?, 0, started),
    };
    let measured_s = measure_start.elapsed().as_secs_f64();
    let sent_total = sent.load(Ordering::Relaxed);
    let at_end = meter.read().await?;
    let advice_latency = advice_reading().since(&advice_from);
    // Let what is in flight arrive before counting the lost.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let drained = meter.read().await?;
    bar.finish_and_clear();

    let delivered_total = drained.delivered - start_reading.delivered;
    let lost = sent_total.saturating_sub(delivered_total);
    let latency = at_end.latency.since(&from.latency);
    // RSMs go out only when an RSU sees someone: the offered rate counts them all. The
    // zone's traffic varies: what it sent is what it offered.
    let offered = match args.traffic {
        Traffic::Circles => (args.vehicles as f64 * args.rate_hz
            + 2.0 * args.rsus as f64 * args.rsu_rate_hz)
            .round() as u64,
        Traffic::Zone | Traffic::Sumo => {
            ((sent_total - sent_from) as f64 / measured_s).round() as u64
        }
    };
    Ok(json!({
        "system": args.label,
        "vehicles": args.vehicles,
        "rate_hz": args.rate_hz,
        "connections": args.connections,
        "rsus": args.rsus,
        "offered_per_s": offered,
        "measured_s": measured_s,
        "sent": sent_total,
        "sent_per_s": (sent_total - sent_from) as f64 / measured_s,
        "delivered": delivered_total,
        "delivered_per_s": (at_end.delivered - from.delivered) as f64 / measured_s,
        "lost": lost,
        "loss_percent": if sent_total > 0 { 100.0 * lost as f64 / sent_total as f64 } else { 0.0 },
        "latency_ms": percentiles(&latency),
        "advice_latency_ms": percentiles(&advice_latency),
        // The world stage's load over the measured time.
        "world": at_end
            .world
            .as_ref()
            .zip(from.world.as_ref())
            .map(|(end, from)| end.since(from, measured_s)),
        // The server's share of it: to the hand-off to its downlinks.
        "advice_at_server_ms": at_end
            .advice_at_server
            .as_ref()
            .zip(from.advice_at_server.as_ref())
            .map(|(end, from)| percentiles(&end.since(from))),
        "verified_share": drained.verified_share,
        // What the server itself turned away from the end of the warm-up (and in the
        // drain): the loss of a sustained rate, without a cold start's (a signing zone's
        // first seconds verify every vehicle's certificate).
        "refused_after_warmup": drained.refused.zip(from.refused).map(|(d, f)| d.saturating_sub(f)),
    }))
}
