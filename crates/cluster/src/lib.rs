//! roadcloud nodes as one cluster on NATS JetStream (docs/scale.md#cluster).
//!
//! The zone's tiles are dealt to a fixed number of **partitions** (stripes of tile columns,
//! as a node deals them to its shards: [`ShardPlan`]). Each partition is held by one node at
//! a time through a **lease**, a key in a JetStream key-value bucket whose entries expire
//! unless renewed, so that a dead node's partitions are taken over within `--lease-ms`; the
//! nodes alive share the partitions evenly.
//!
//! - **Ingress**: any node takes device traffic. Past the stateless half of admission (its
//!   signature verified there), each uplink is routed by where it lies to its partition's
//!   subject of the `ROADCLOUD` stream ([`route`]); what concerns the whole zone (MAP, SPAT,
//!   RSI, heartbeats) goes to the zone's subject, which every node reads. Uplinks a node
//!   turned away are counted where they came in.
//! - **Ownership**: a partition's holder reads its subject through a durable consumer named
//!   after the partition, so a new holder goes on where the last one's acknowledgements
//!   stopped: an uplink the stream acknowledged is not lost when its node dies
//!   ([`leases`]).
//! - **Egress**: advisories are published where they are found and on a NATS subject every
//!   node relays to its own MQTT front end, so they reach a device whichever node holds
//!   its connection ([`share`]).
//! - **Snapshots**: each holder writes its partitions' tracks to a bucket every round; a new
//!   holder takes them in before it reads on, so tracks keep their ids and trails.
//! - **Border mirrors**: every 100 ms each node sends its tracks near another node's tiles
//!   to that node, which holds them as mirrors: its applications see across the border, and
//!   a vehicle crossing into its tiles keeps its track ([`share`]).
//! - **One zone in every API**: each node publishes a view of its participants twice a
//!   second; every node's API lists its own and the others' ([`share`]).
//!
//! What crosses is typed and versioned ([`roadcloud_wire`]).

pub mod leases;
pub mod route;
pub mod share;

use anyhow::{Context, Result, bail};
use async_nats::jetstream::{self, kv, stream};
use roadcloud_pipeline::ShardPlan;
use roadcloud_wire::NodeRecord;
use std::sync::Arc;
use std::time::Duration;

/// The stream every routed uplink passes through.
pub const STREAM: &str = "ROADCLOUD";
/// The bucket of partition leases (key `p{n}`: the holder's node id).
pub const LEASES_BUCKET: &str = "roadcloud-leases";
/// The bucket of node records (key: node id; value: a [`NodeRecord`]).
pub const NODES_BUCKET: &str = "roadcloud-nodes";
/// The bucket of tile snapshots (key `p{n}`: a [`roadcloud_wire::TileSnapshot`]).
pub const SNAPSHOTS_BUCKET: &str = "roadcloud-snapshots";
/// Advisories and RSIs for devices, for every node's front end.
pub const DOWNLINK_SUBJECT: &str = "roadcloud.downlink";
/// Each node's view of its participants.
pub const VIEW_SUBJECT: &str = "roadcloud.view";

/// The subject of the tracks other nodes mirror to `node`.
pub fn mirror_subject(node: &str) -> String {
    format!("roadcloud.mirror.{node}")
}
/// Uplinks that concern the whole zone.
pub const ZONE_SUBJECT: &str = "roadcloud.in.zone";

/// How long the stream keeps an uplink: long enough for a new holder to take up what its
/// predecessor left, short enough to bound the disk.
const STREAM_MAX_AGE: Duration = Duration::from_secs(600);

/// The subject of a partition's uplinks.
pub fn partition_subject(partition: u16) -> String {
    format!("roadcloud.in.p.{partition}")
}

/// How a node joins a cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// The NATS server (`nats://HOST:PORT`), JetStream enabled, and how the node proves
    /// itself there.
    pub link: roadcloud_transport::nats::NatsLink,
    /// This node's name, unique in the cluster: letters, digits, `-` and `_`, at most 32.
    pub node_id: String,
    /// Within how long a dead node's tiles are taken over: leases and node records expire
    /// two thirds of it after their last renewal (every third), and the others look every
    /// third. The same on every node (the buckets keep the first node's).
    pub lease: Duration,
    /// How many partitions the tiles are dealt to (the same on every node), 1 to 64.
    pub partitions: u16,
    /// How many tile columns a partition's stripe is wide.
    pub stripe_tiles: u16,
    /// JetStream replicas of the stream and the buckets (1 for one nats-server; 3 for a
    /// cluster of three).
    pub replicas: usize,
}

impl ClusterConfig {
    /// This node's slot, 0 to 63 (FNV-1a of its id, modulo 64): the high bits of the track
    /// ids it starts (times 64, plus the shard), so ids are unique across the cluster.
    pub fn slot(&self) -> u16 {
        slot_of(&self.node_id)
    }

    /// How the tiles are dealt to partitions.
    pub fn plan(&self) -> ShardPlan {
        ShardPlan {
            shards: self.partitions,
            stripe_tiles: self.stripe_tiles,
            first_origin: 0,
        }
    }
}

/// A node's membership in a cluster: its NATS connection, the stream and the buckets.
#[derive(Clone)]
pub struct Cluster {
    pub(crate) client: async_nats::Client,
    pub(crate) stream: stream::Stream,
    pub(crate) js: jetstream::Context,
    pub(crate) leases: kv::Store,
    pub(crate) nodes: kv::Store,
    pub(crate) snapshots: kv::Store,
    pub(crate) config: Arc<ClusterConfig>,
    slot: u16,
}

impl Cluster {
    /// Connects to the NATS server, makes the stream and buckets if they are not there yet,
    /// and takes this node's slot. Fails, saying what to change, when the server cannot be
    /// reached or has no JetStream, the node id is malformed, or a live node has the same
    /// slot.
    pub async fn join(config: ClusterConfig) -> Result<Cluster> {
        check_node_id(&config.node_id)?;
        if !(1..=ShardPlan::MAX_SHARDS).contains(&config.partitions) {
            bail!(
                "--cluster-partitions must be 1 to {}, not {}",
                ShardPlan::MAX_SHARDS,
                config.partitions
            );
        }
        let client = config
            .link
            .connect(format!("roadcloud {}", config.node_id))
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "{e} (start nats-server with -js, or check --cluster, --nats-nkey and \
                     --nats-ca)"
                )
            })?;
        let js = jetstream::new(client.clone());
        let stream = js
            .get_or_create_stream(stream::Config {
                name: STREAM.into(),
                subjects: vec!["roadcloud.in.>".into()],
                max_age: STREAM_MAX_AGE,
                storage: stream::StorageType::File,
                num_replicas: config.replicas,
                ..Default::default()
            })
            .await
            .with_context(|| {
                format!(
                    "cannot make the {STREAM} stream on {} (is JetStream enabled: nats-server -js?)",
                    config.link.shown()
                )
            })?;
        // Entries live two thirds of a lease: renewed every third, a live node's survive one
        // late round, and a dead node's are taken over (at the next third) within a lease.
        let expiry = config.lease * 2 / 3;
        let leases = bucket(&js, LEASES_BUCKET, expiry, &config).await?;
        let nodes = bucket(&js, NODES_BUCKET, expiry, &config).await?;
        // As long as the stream keeps what a snapshot's successor reads on from.
        let snapshots = bucket(&js, SNAPSHOTS_BUCKET, STREAM_MAX_AGE, &config).await?;
        let slot = config.slot();
        let cluster = Cluster {
            client,
            stream,
            js,
            leases,
            nodes,
            snapshots,
            config: Arc::new(config),
            slot,
        };
        for other in cluster.node_records().await? {
            if other.slot == slot && other.node_id != cluster.config.node_id {
                bail!(
                    "node {} is alive with the same track-id slot ({slot}) as {}: choose \
                     another --node-id",
                    other.node_id,
                    cluster.config.node_id
                );
            }
        }
        Ok(cluster)
    }

    /// This node's slot ([`ClusterConfig::slot`]).
    pub fn slot(&self) -> u16 {
        self.slot
    }

    /// How the node joined.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// The records of the nodes alive (whose record has not expired).
    pub async fn node_records(&self) -> Result<Vec<NodeRecord>> {
        use futures_util::StreamExt;
        let mut keys = self.nodes.keys().await.context("cannot list the nodes")?;
        let mut out = Vec::new();
        while let Some(key) = keys.next().await {
            let Ok(key) = key else { continue };
            let Ok(Some(entry)) = self.nodes.entry(key).await else {
                continue;
            };
            if entry.operation != kv::Operation::Put {
                continue;
            }
            match roadcloud_wire::decode::<NodeRecord>(&entry.value) {
                Ok(r) => out.push(r),
                Err(e) => tracing::warn!("a node record does not decode: {e}"),
            }
        }
        out.sort_by(|a, b| a.node_id.cmp(&b.node_id));
        Ok(out)
    }
}

/// A key-value bucket whose entries expire after `max_age`, made if missing.
///
/// Made as the stream a bucket is (`KV_{name}`, one message per key, the rest as
/// `Context::create_key_value` sets it) rather than through `create_key_value`, which asks
/// for the account's information first in a form nats-server 2.9 (Debian's) does not give.
async fn bucket(
    js: &jetstream::Context,
    name: &str,
    max_age: Duration,
    config: &ClusterConfig,
) -> Result<kv::Store> {
    if let Ok(store) = js.get_key_value(name).await {
        return Ok(store);
    }
    let made = js
        .get_or_create_stream(stream::Config {
            name: format!("KV_{name}"),
            subjects: vec![format!("$KV.{name}.>")],
            max_messages_per_subject: 1,
            max_age,
            storage: stream::StorageType::File,
            num_replicas: config.replicas,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::New,
            ..Default::default()
        })
        .await;
    if let Err(e) = made {
        bail!("cannot make the key-value bucket {name}: {e}");
    }
    js.get_key_value(name)
        .await
        .with_context(|| format!("cannot open the key-value bucket {name}"))
}

/// A node id fit for NATS names (consumers and keys): letters, digits, `-`, `_`.
fn check_node_id(id: &str) -> Result<()> {
    if id.is_empty()
        || id.len() > 32
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        bail!("--node-id must be 1 to 32 letters, digits, '-' or '_', not {id:?}");
    }
    Ok(())
}

/// A node id's slot: FNV-1a of its name, modulo 64.
fn slot_of(id: &str) -> u16 {
    let mut h: u32 = 0x811c_9dc5;
    for b in id.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h % 64) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_are_checked_and_slotted() {
        assert!(check_node_id("node-a_1").is_ok());
        for bad in ["", "a.b", "a b", "a>", &"x".repeat(33)] {
            assert!(check_node_id(bad).is_err(), "{bad:?}");
        }
        assert_ne!(slot_of("node-a"), slot_of("node-b"));
        assert!(slot_of("anything") < 64);
    }
}
