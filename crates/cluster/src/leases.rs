//! Partition leases, the node's record, and the consumers of the partitions a node holds.
//!
//! Every `lease / 3` a node writes its record and renews its leases (a compare-and-set on
//! the revision it holds, so two nodes never both renew one lease); then it hands over what
//! it holds beyond its share (`ceil(partitions / nodes alive)`) and takes free partitions up
//! to it. A node that dies stops renewing: its record and its leases expire two thirds of a
//! lease later, and the others take its partitions at their next round, within the lease. A partition's consumer is
//! durable and named after the partition, so its new holder reads on from the last
//! acknowledged uplink; an uplink handed to a holder that died unacknowledged is delivered
//! again after `lease` (`ack_wait`).
//!
//! Every round a holder also writes a snapshot of each of its partitions' tracks, and one more
//! as it hands a partition over; a new holder takes the last snapshot in together with the
//! first uplinks it reads (one step of the world, so no expiry passes between them): a
//! vehicle's track keeps its id, trail and lane across the change of holder.

use crate::route::{DecodedBatch, from_wire};
use crate::{Cluster, ZONE_SUBJECT, partition_subject};
use anyhow::{Context, Result};
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use roadcloud_wire::{NodeRecord, TileSnapshot, UplinkBatch};
use roadcloud_world::Track;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// What the node knows of the cluster, as of its last round.
#[derive(Debug, Clone, Default)]
pub struct ClusterStatus {
    /// This node's id.
    pub node_id: String,
    /// The partitions this node holds.
    pub partitions: Vec<u16>,
    /// The nodes alive, this one among them, by id.
    pub nodes: Vec<NodeRecord>,
    /// How many partitions the cluster has.
    pub partition_count: u16,
}

/// Where this node listens, for its record.
#[derive(Debug, Clone)]
pub struct Addresses {
    /// Its HTTP API.
    pub http: String,
    /// Its MQTT front end, if it runs one.
    pub mqtt: Option<String>,
}

/// What the cluster asks of the node's world (the node's world stage answers).
pub trait TileState: Send + Sync + 'static {
    /// The tracks of each of `partitions`, to snapshot.
    fn snapshot(&self, partitions: Vec<u16>) -> BoxFuture<'static, Vec<(u16, Vec<Track>)>>;

    /// Takes in the tracks of a partition just taken over and, in the same step, the first
    /// uplinks read for it; how many tracks were taken in.
    fn restore(&self, tracks: Vec<Track>, first: DecodedBatch) -> BoxFuture<'static, usize>;
}

/// A partition held: its lease's revision and its consumer.
struct Held {
    revision: u64,
    consumer: JoinHandle<()>,
    lag: Arc<AtomicU64>,
}

/// The node's membership, running: see [`Membership::start`].
pub struct Membership {
    status: watch::Receiver<Arc<ClusterStatus>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Membership {
    /// Starts the node's rounds (record, leases, consumers) and its zone consumer; every
    /// uplink of a partition it holds, and of the zone, goes to `into` (the world stage).
    /// `participants` is the node's track count, for its record.
    pub async fn start(
        cluster: Cluster,
        addresses: Addresses,
        participants: Arc<AtomicU64>,
        into: mpsc::Sender<DecodedBatch>,
        tiles: Arc<dyn TileState>,
    ) -> Result<Membership> {
        let (status_tx, status) = watch::channel(Arc::new(ClusterStatus {
            node_id: cluster.config.node_id.clone(),
            partition_count: cluster.config.partitions,
            ..ClusterStatus::default()
        }));
        let (stop, stopped) = watch::channel(false);
        // Zone-wide state from now on: MAP, SPAT and RSI are sent again and again.
        let zone = spawn_consumer(
            &cluster,
            format!("zone-{}", cluster.config.node_id),
            ZONE_SUBJECT.into(),
            DeliverPolicy::New,
            Reader {
                into: into.clone(),
                lag: Arc::default(),
                restore: None,
            },
        );
        let rounds = Rounds {
            cluster,
            addresses,
            participants,
            into,
            tiles,
            held: BTreeMap::new(),
            status: status_tx,
        };
        let task = tokio::spawn(rounds.run(stopped, zone));
        Ok(Membership { status, stop, task })
    }

    /// The node's view of the cluster, renewed every round.
    pub fn status(&self) -> watch::Receiver<Arc<ClusterStatus>> {
        self.status.clone()
    }

    /// Leaves the cluster: stops the consumers, gives the leases and the record up (the
    /// others take the partitions at their next round, not a lease later).
    pub async fn leave(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

struct Rounds {
    cluster: Cluster,
    addresses: Addresses,
    participants: Arc<AtomicU64>,
    into: mpsc::Sender<DecodedBatch>,
    tiles: Arc<dyn TileState>,
    held: BTreeMap<u16, Held>,
    status: watch::Sender<Arc<ClusterStatus>>,
}

impl Rounds {
    async fn run(mut self, mut stopped: watch::Receiver<bool>, zone: JoinHandle<()>) {
        let every = (self.cluster.config.lease / 3).max(Duration::from_millis(100));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                // Asked to leave, or the membership dropped (the node's start failed).
                _ = stopped.changed() => break,
            }
            if let Err(e) = self.round().await {
                tracing::warn!("cluster round failed: {e:#}");
            }
        }
        zone.abort();
        let node_id = self.cluster.config.node_id.clone();
        let held: Vec<u16> = self.held.keys().copied().collect();
        for (_, h) in std::mem::take(&mut self.held) {
            h.consumer.abort();
        }
        // The last snapshots, then the leases: the next holders start from here.
        self.save_snapshots(held.clone()).await;
        for p in held {
            let _ = self.cluster.leases.delete(lease_key(p)).await;
        }
        let _ = self.cluster.nodes.delete(&node_id).await;
        tracing::info!("left the cluster");
    }

    async fn round(&mut self) -> Result<()> {
        let c = self.cluster.clone();
        let me = &c.config.node_id;
        let record = NodeRecord {
            node_id: me.clone(),
            slot: c.slot(),
            http: self.addresses.http.clone(),
            mqtt: self.addresses.mqtt.clone(),
            partitions: self.held.keys().copied().collect(),
            lag: self
                .held
                .values()
                .map(|h| h.lag.load(Ordering::Relaxed))
                .sum(),
            participants: self.participants.load(Ordering::Relaxed),
            at_ms: roadcloud_transport::now_millis(),
        };
        c.nodes
            .put(me, roadcloud_wire::encode(&record).into())
            .await
            .context("cannot write this node's record")?;
        // Renew first: a lease lost (expired while this node stalled, and taken) stops its
        // consumer at once.
        let mut lost = Vec::new();
        for (p, held) in self.held.iter_mut() {
            match c
                .leases
                .update(lease_key(*p), me.clone().into(), held.revision)
                .await
            {
                Ok(revision) => held.revision = revision,
                Err(e) => {
                    tracing::warn!("lost the lease on partition {p}: {e}");
                    lost.push(*p);
                }
            }
        }
        for p in lost {
            if let Some(h) = self.held.remove(&p) {
                h.consumer.abort();
            }
        }
        let nodes = c.node_records().await?;
        let share = c.config.partitions.div_ceil(nodes.len().max(1) as u16);
        // Beyond the share: handed over, from the highest, once their consumers have stopped
        // and their last snapshots are written with the others'.
        let mut handed_over = Vec::new();
        while self.held.len() > usize::from(share) {
            let Some((p, h)) = self.held.pop_last() else {
                break;
            };
            h.consumer.abort();
            handed_over.push(p);
        }
        let snapshots = self.held.keys().chain(&handed_over).copied().collect();
        self.save_snapshots(snapshots).await;
        for p in handed_over {
            let _ = c.leases.delete(lease_key(p)).await;
            tracing::info!("handed partition {p} over");
        }
        // Free partitions, up to the share.
        for p in 0..c.config.partitions {
            if self.held.len() >= usize::from(share) {
                break;
            }
            if self.held.contains_key(&p) {
                continue;
            }
            if let Ok(revision) = c.leases.create(lease_key(p), me.clone().into()).await {
                let lag = Arc::new(AtomicU64::new(0));
                let consumer = spawn_consumer(
                    &c,
                    format!("p{p}"),
                    partition_subject(p),
                    DeliverPolicy::All,
                    Reader {
                        into: self.into.clone(),
                        lag: lag.clone(),
                        restore: Some((self.load_snapshot(p).await, self.tiles.clone())),
                    },
                );
                tracing::info!("holding partition {p}");
                self.held.insert(
                    p,
                    Held {
                        revision,
                        consumer,
                        lag,
                    },
                );
            }
        }
        self.status.send_replace(Arc::new(ClusterStatus {
            node_id: me.clone(),
            partitions: self.held.keys().copied().collect(),
            nodes,
            partition_count: c.config.partitions,
        }));
        Ok(())
    }
}

impl Rounds {
    /// Writes the snapshots of `partitions` (a failure is logged: the next round writes
    /// again).
    async fn save_snapshots(&self, partitions: Vec<u16>) {
        if partitions.is_empty() {
            return;
        }
        let at_ms = roadcloud_transport::now_millis();
        for (partition, tracks) in self.tiles.snapshot(partitions).await {
            let n = tracks.len();
            let bytes = roadcloud_wire::encode(&TileSnapshot {
                partition,
                at_ms,
                tracks,
            });
            if bytes.len() > roadcloud_wire::MAX_LEN {
                tracing::warn!(
                    "the snapshot of partition {partition} ({n} tracks, {} octets) is larger \
                     than a NATS message: not kept; deal the tiles to more partitions",
                    bytes.len()
                );
                continue;
            }
            if let Err(e) = self
                .cluster
                .snapshots
                .put(lease_key(partition), bytes.into())
                .await
            {
                tracing::warn!("the snapshot of partition {partition} not kept: {e}");
            }
        }
    }

    /// The last snapshot of `partition`'s tracks; none when there is none, or it is
    /// unreadable (logged).
    async fn load_snapshot(&self, partition: u16) -> Vec<Track> {
        match self.cluster.snapshots.get(lease_key(partition)).await {
            Ok(Some(bytes)) => match roadcloud_wire::decode::<TileSnapshot>(&bytes) {
                Ok(s) => {
                    tracing::info!(
                        "partition {partition}: {} tracks from a snapshot {} ms old",
                        s.tracks.len(),
                        roadcloud_transport::now_millis() - s.at_ms
                    );
                    s.tracks
                }
                Err(e) => {
                    tracing::warn!("the snapshot of partition {partition} does not decode: {e}");
                    Vec::new()
                }
            },
            Ok(None) => Vec::new(),
            Err(e) => {
                tracing::warn!("the snapshot of partition {partition} not read: {e}");
                Vec::new()
            }
        }
    }
}

/// A partition's key in the leases bucket.
fn lease_key(partition: u16) -> String {
    format!("p{partition}")
}

/// The most stream messages (each a router's batch for the partition) handed to the world
/// stage as one batch.
const READY_CHUNK: usize = 32;

/// Where a consumer's uplinks go.
struct Reader {
    /// The world stage's inbox.
    into: mpsc::Sender<DecodedBatch>,
    /// Uplinks on the subject not yet read.
    lag: Arc<AtomicU64>,
    /// A snapshot to take in with the first uplinks (a partition just taken over).
    restore: Option<(Vec<Track>, Arc<dyn TileState>)>,
}

/// How long a new holder waits for its partition's first uplinks to take its snapshot in
/// with; then the snapshot goes in alone.
const RESTORE_WAIT: Duration = Duration::from_millis(200);

/// Reads `subject` through the durable consumer `name` into `reader`, acknowledging each
/// stream message once its uplinks are in the world stage's inbox; starts again after an
/// error.
fn spawn_consumer(
    cluster: &Cluster,
    name: String,
    subject: String,
    deliver_policy: DeliverPolicy,
    mut reader: Reader,
) -> JoinHandle<()> {
    let cluster = cluster.clone();
    tokio::spawn(async move {
        loop {
            match consume(&cluster, &name, &subject, deliver_policy, &mut reader).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!("reading {subject} failed, again in 1 s: {e:#}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}

async fn consume(
    cluster: &Cluster,
    name: &str,
    subject: &str,
    deliver_policy: DeliverPolicy,
    reader: &mut Reader,
) -> Result<()> {
    let consumer = cluster
        .stream
        .get_or_create_consumer::<pull::Config>(
            name,
            pull::Config {
                durable_name: Some(name.into()),
                filter_subject: subject.into(),
                ack_policy: AckPolicy::Explicit,
                ack_wait: cluster.config.lease.max(Duration::from_secs(1)),
                deliver_policy,
                ..Default::default()
            },
        )
        .await
        .with_context(|| format!("cannot bind the consumer {name}"))?;
    // What has come by the time the world stage is ready goes in as one batch.
    let mut messages = consumer
        .messages()
        .await
        .with_context(|| format!("cannot read the consumer {name}"))?
        .ready_chunks(READY_CHUNK);
    loop {
        let chunk = if reader.restore.is_some() {
            match tokio::time::timeout(RESTORE_WAIT, messages.next()).await {
                Ok(chunk) => chunk,
                Err(_) => Some(Vec::new()),
            }
        } else {
            messages.next().await
        };
        let Some(chunk) = chunk else { break };
        let mut batch = DecodedBatch::new();
        let mut taken = Vec::with_capacity(chunk.len());
        for m in chunk {
            let m = m.map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Ok(info) = m.info() {
                reader.lag.store(info.pending, Ordering::Relaxed);
            }
            match roadcloud_wire::decode::<UplinkBatch>(&m.payload) {
                Ok(b) => batch.extend(b.uplinks.into_iter().filter_map(|u| {
                    from_wire(u)
                        .map_err(|e| tracing::warn!("an uplink from {subject} dropped: {e}"))
                        .ok()
                })),
                Err(e) => tracing::warn!("a message on {subject} dropped: {e}"),
            }
            taken.push(m);
        }
        if let Some((tracks, tiles)) = reader.restore.take() {
            let n = tracks.len();
            let taken = tiles.restore(tracks, batch).await;
            tracing::info!("{subject}: took {taken} of the snapshot's {n} tracks in");
        } else if reader.into.send(batch).await.is_err() {
            // Bounded: when the world stage falls behind, the stream keeps the rest.
            return Ok(());
        }
        for m in taken {
            m.ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    Ok(())
}
