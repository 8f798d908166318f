//! Partition leases, the node's record, and the consumers of the partitions a node holds.
//!
//! Every `lease / 3` a node writes its record and renews its leases (a compare-and-set on
//! the revision it holds, so two nodes never both renew one lease); then it hands over what
//! it holds beyond its share (`ceil(partitions / nodes alive)`) and takes free partitions up
//! to it. A node that dies stops renewing: its record and its leases expire after `lease`,
//! and the others take its partitions at their next round. A partition's consumer is
//! durable and named after the partition, so its new holder reads on from the last
//! acknowledged uplink; an uplink handed to a holder that died unacknowledged is delivered
//! again after `lease` (`ack_wait`).

use crate::route::{DecodedBatch, from_wire};
use crate::{Cluster, ZONE_SUBJECT, partition_subject};
use anyhow::{Context, Result};
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use futures_util::StreamExt;
use roadcloud_wire::{NodeRecord, UplinkBatch};
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
            into.clone(),
            Arc::default(),
        );
        let rounds = Rounds {
            cluster,
            addresses,
            participants,
            into,
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
                _ = stopped.changed() => break,
            }
            if let Err(e) = self.round().await {
                tracing::warn!("cluster round failed: {e:#}");
            }
        }
        zone.abort();
        let node_id = self.cluster.config.node_id.clone();
        for (p, held) in std::mem::take(&mut self.held) {
            held.consumer.abort();
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
        // Beyond the share: handed over, from the highest.
        while self.held.len() > usize::from(share) {
            let Some((p, h)) = self.held.pop_last() else {
                break;
            };
            h.consumer.abort();
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
                    self.into.clone(),
                    lag.clone(),
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

/// A partition's key in the leases bucket.
fn lease_key(partition: u16) -> String {
    format!("p{partition}")
}

/// The most stream messages (each a router's batch for the partition) handed to the world
/// stage as one batch.
const READY_CHUNK: usize = 32;

/// Reads `subject` through the durable consumer `name` into `into`, acknowledging each
/// stream message once its uplinks are in the world stage's inbox; starts again after an
/// error.
fn spawn_consumer(
    cluster: &Cluster,
    name: String,
    subject: String,
    deliver_policy: DeliverPolicy,
    into: mpsc::Sender<DecodedBatch>,
    lag: Arc<AtomicU64>,
) -> JoinHandle<()> {
    let cluster = cluster.clone();
    tokio::spawn(async move {
        loop {
            match consume(&cluster, &name, &subject, deliver_policy, &into, &lag).await {
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
    into: &mpsc::Sender<DecodedBatch>,
    lag: &AtomicU64,
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
    while let Some(chunk) = messages.next().await {
        let mut batch = DecodedBatch::new();
        let mut taken = Vec::with_capacity(chunk.len());
        for m in chunk {
            let m = m.map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Ok(info) = m.info() {
                lag.store(info.pending, Ordering::Relaxed);
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
        // Bounded: when the world stage falls behind, the stream keeps the rest.
        if into.send(batch).await.is_err() {
            return Ok(());
        }
        for m in taken {
            m.ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    Ok(())
}
