//! The node's counters: `/api/v1/stats`, its latency histogram and its last ten minutes,
//! and the trust store's (`/api/v1/v2x`).

use crate::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `GET /api/v1/stats`: what the node took in and did since it started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    /// When the node started.
    pub started_at: Millis,
    /// Messages received.
    pub received: u64,
    /// Messages admitted.
    pub admitted: u64,
    /// Messages admitted, by message type (`BSM`, `MAP`, ...).
    pub admitted_by_kind: BTreeMap<String, u64>,
    /// Messages rejected, by reason (docs/admission.md).
    pub rejected: BTreeMap<String, u64>,
    /// Observations applied to the world (a BSM is one, an RSM one per participant).
    pub observations: u64,
    /// Live participants.
    pub participants: usize,
    /// Devices seen.
    pub devices: usize,
    /// From each BSM's generation time to the end of the batch that applied it.
    pub ingest_latency_ms: LatencySummary,
    /// From the generation of the report each advisory rests on to the advisory's hand-off
    /// to the downlinks.
    pub advice_latency_ms: LatencySummary,
    /// How long the world stage has been busy since the node started.
    pub world_busy_s: WorldBusy,
    /// Advisories sent, by scenario.
    pub advisories_sent: BTreeMap<String, u64>,
    /// What admission asks of signatures and what it verified.
    pub signatures: Signatures,
    /// Each tile shard of the node (`--workers`).
    pub shards: Vec<ShardStats>,
    /// Rows committed to the store: what is counted here survives a crash.
    pub stored: Stored,
    /// How the platform is reachable.
    pub exposure: Exposure,
}

/// A latency distribution's count and percentiles, ms (null before the first sample).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LatencySummary {
    /// Samples.
    pub count: u64,
    /// Median.
    pub p50: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// 99.9th percentile.
    pub p999: Option<f64>,
}

/// What admission asks of signatures (IEEE 1609.2 / YD/T 3957-2021) and how much it
/// verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Signatures {
    /// Whether unsigned messages are refused (no `--allow-unsigned`).
    pub required: bool,
    /// Signed messages verified on arrival.
    pub verified: u64,
    /// Signed messages admitted with their check deferred (docs/security.md, keeping up).
    pub deferred: u64,
    /// Deferred messages verified since.
    pub verified_later: u64,
    /// Deferred messages whose check failed since.
    pub failed_later: u64,
    /// Unsigned messages admitted.
    pub unsigned: u64,
    /// The share of signed messages verified; null before the first.
    pub verified_share: Option<f64>,
    /// Certificates in the trust store.
    pub certificates: usize,
    /// Certificates revoked.
    pub revoked: usize,
}

/// One tile shard's load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShardStats {
    /// Tracks it owns.
    pub tracks: usize,
    /// Mirrors of its neighbours' tracks near its borders.
    pub mirrors: usize,
    /// Tracks handed to another shard as they crossed a border.
    pub handed_over: u64,
    /// Observations it dropped.
    pub dropped: u64,
    /// Scenes (the view of a group of tiles at an instant) its applications looked at.
    pub scenes: u64,
    /// Tiles in those scenes, in all.
    pub scene_tiles: u64,
    /// Participants in those scenes, in all.
    pub scene_participants: u64,
    /// Vehicles advised in those scenes, in all.
    pub scene_targets: u64,
}

/// How long the world stage (the single writer) has been busy since the node started,
/// seconds: two readings apart give its load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorldBusy {
    /// Taking batches in: admission's stateful half, misbehaviour detection, the world
    /// update.
    pub ingest: f64,
    /// The applications, and their advisories' way to the downlinks.
    pub apps: f64,
}

/// Rows committed to the store, per table, and when the last commit was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Stored {
    /// Trajectory samples.
    pub trajectories: u64,
    /// Road event changes.
    pub events: u64,
    /// Device status changes.
    pub device_status: u64,
    /// Advisories.
    pub advisories: u64,
    /// Misbehaviour reports.
    pub misbehaviour: u64,
    /// The last commit; 0 before the first.
    pub last_commit_at: Millis,
}

/// How the platform is reachable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Exposure {
    /// Every listener beyond loopback is secured; the unsecured ones only this machine's
    /// users reach.
    Protected,
    /// Unsecured listeners beyond loopback, allowed by `--insecure`.
    Insecure {
        /// The exposed unsecured listeners, as `flag address`.
        exposed: Vec<String>,
    },
}

/// `GET /api/v1/stats/latency`: every admitted BSM's latency from its generation time
/// (`secMark`, 1 ms resolution) to the end of the batch that applied it to the world, or
/// (`?of=advice`) every advisory's from the generation of the report it rests on to its
/// hand-off to the downlinks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LatencyHistogram {
    /// A bucket's width, ms: bucket `i` holds `i * bucket_ms` up to `(i + 1) * bucket_ms`;
    /// the last bucket everything beyond.
    pub bucket_ms: f64,
    /// Samples.
    pub count: u64,
    /// The non-empty buckets, `[index, samples]` each.
    #[schema(value_type = Vec<Vec<u64>>)]
    pub buckets: Vec<[u64; 2]>,
}

/// `GET /api/v1/stats/series`: the last ten minutes, a sample a second, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Series {
    /// A sample's span, ms.
    pub interval_ms: u64,
    /// How many (up to 600).
    pub count: usize,
    /// Oldest first.
    pub samples: Vec<Sample>,
}

/// One second of the node's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Sample {
    /// The end of the second.
    pub at: Millis,
    /// Messages received per second.
    pub received_per_s: f64,
    /// Messages admitted per second.
    pub admitted_per_s: f64,
    /// Messages rejected per second.
    pub rejected_per_s: f64,
    /// Advisories sent per second.
    pub advisories_per_s: f64,
    /// Live participants at the end of the second.
    pub participants: usize,
    /// Median ingest latency of the second's admitted reports, ms; null when none.
    pub ingest_p50_ms: Option<f64>,
    /// Its 99th percentile, ms.
    pub ingest_p99_ms: Option<f64>,
}

/// `GET /api/v1/v2x`: the trust store, and what it has checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrustStore {
    /// What admission asks of signatures and what it verified.
    #[serde(flatten)]
    pub signatures: Signatures,
    /// Signatures checked (messages and certificates).
    pub signatures_checked: u64,
    /// Certificates learned from messages that carried them.
    pub certificates_learned: u64,
    /// Messages signed by digest whose certificate was already known.
    pub certificate_cache_hits: u64,
}

/// `POST /api/v1/v2x/crl`: what the CRL revoked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CrlTaken {
    /// Certificates it revoked.
    pub revoked: usize,
}
