//! The node as a member of a cluster (docs/scale.md#cluster): its membership, the tasks
//! that share its downlinks and its view of the zone, and what the API reads of the
//! others.

use crate::http::views;
use crate::stages::WorldRef;
use futures_util::future::BoxFuture;
use roadcloud_api::zone::Participant;
use roadcloud_apps::gate::Standing;
use roadcloud_apps::{ParticipantId, Severity};
use roadcloud_cluster::Cluster;
use roadcloud_cluster::leases::{ClusterStatus, Membership, TileState};
use roadcloud_cluster::route::DecodedBatch;
use roadcloud_cluster::share::Views;
use roadcloud_misbehaviour::{Reported, ReportedMotion, SenderRecord};
use roadcloud_pipeline::ShardPlan;
use roadcloud_wire::{About, MirrorBatch, SenderHandover, SenderReport, StandingAdvisory};
use roadcloud_wire::{ParticipantView, ZoneView};
use roadcloud_world::{TileGrid, Track};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often a node shows the others its participants.
const VIEW_EVERY: Duration = Duration::from_millis(500);

/// How often a node sends the others its tracks near their tiles (the tick's pace).
const MIRROR_EVERY: Duration = Duration::from_millis(100);

/// How near another node's tiles a sender's last report lies for the detector's record of
/// it to go to that node, metres: the tracks go from further (the mirror margin, for the
/// applications there to see across), but the record is needed only once the sender
/// crosses, and 20 m is half a second ahead at 40 m/s, five batches. Each record carries
/// its sender's last 2.5 s of reports (about 1.3 KB at 10 Hz), so the margin is kept small.
const HANDOVER_MARGIN_M: f64 = 20.0;

/// A node's part in its cluster, for the node's handle to end.
pub(crate) struct Member {
    pub membership: Option<Membership>,
    /// The downlink relay, the readers of views and mirrors, and the publishers of this
    /// node's view and mirrors.
    pub tasks: Vec<JoinHandle<()>>,
}

impl Member {
    /// Leaves the cluster (its partitions go to the others at once) and stops the tasks.
    pub async fn leave(mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
        if let Some(m) = self.membership.take() {
            m.leave().await;
        }
    }
}

impl Drop for Member {
    /// A node whose start failed after it joined: its tasks stop, and its membership (whose
    /// stop signal goes with it) gives its leases up in the background.
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// What the API reads of the cluster.
#[derive(Clone)]
pub(crate) struct ClusterApi {
    /// This node's id.
    pub node_id: String,
    /// The nodes, partitions and lags, as of the last round.
    pub status: watch::Receiver<Arc<ClusterStatus>>,
    /// The other nodes' participants.
    pub views: watch::Receiver<Arc<Views>>,
}

/// The cluster's look at the node's world: tracks by partition for snapshots, and a
/// snapshot taken in, through the world stage's inbox.
pub(crate) struct WorldTiles {
    pub world: WorldRef,
    /// How the cluster deals tiles to partitions.
    pub plan: ShardPlan,
}

impl TileState for WorldTiles {
    fn snapshot(&self, partitions: Vec<u16>) -> BoxFuture<'static, Vec<(u16, Vec<Track>)>> {
        let (world, plan) = (self.world.clone(), self.plan);
        Box::pin(async move {
            world
                .read(move |w| {
                    let mut by: BTreeMap<u16, Vec<Track>> =
                        partitions.into_iter().map(|p| (p, Vec::new())).collect();
                    for t in w.pipeline.tracks().iter() {
                        if let Some(list) = by.get_mut(&plan.owner(t.tile)) {
                            list.push(t.clone());
                        }
                    }
                    by.into_iter().collect()
                })
                .await
                .unwrap_or_default()
        })
    }

    fn restore(&self, tracks: Vec<Track>, first: DecodedBatch) -> BoxFuture<'static, usize> {
        let world = self.world.clone();
        Box::pin(async move {
            world
                .write(move |w| {
                    let p = &mut w.pipeline;
                    let taken = p.restore_tracks(tracks);
                    // Rejections are counted by admission, as any other.
                    for (d, _) in first {
                        let _ = p.ingest_decoded(d);
                    }
                    p.finish_batch(roadcloud_transport::now_micros());
                    taken
                })
                .await
                .unwrap_or(0)
        })
    }
}

/// Every [`VIEW_EVERY`], this node's participants to the others, and their count to the
/// node's record.
pub(crate) async fn share_view(cluster: Cluster, world: WorldRef, participants: Arc<AtomicU64>) {
    let node_id = cluster.config().node_id.clone();
    let mut tick = tokio::time::interval(VIEW_EVERY);
    loop {
        tick.tick().await;
        let Ok(list) = world
            .read(|w| {
                let p = &w.pipeline;
                p.tracks()
                    .iter()
                    .map(|t| {
                        let (lat_deg, lon_deg) = p.frame.to_wgs84(t.position);
                        ParticipantView {
                            track: t.id.0,
                            id: views::public_id(t),
                            kind: t.kind.as_str().into(),
                            lat_deg,
                            lon_deg,
                            speed_mps: t.motion.speed_mps,
                            heading_deg: t.motion.heading_deg,
                            at_ms: t.at,
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .await
        else {
            return;
        };
        participants.store(list.len() as u64, Ordering::Relaxed);
        let view = ZoneView {
            node_id: node_id.clone(),
            at_ms: roadcloud_transport::now_millis(),
            participants: list,
        };
        if let Err(e) = cluster.publish_view(&view).await {
            tracing::warn!("{e:#}");
        }
    }
}

/// Where a node's tracks near other nodes' tiles go: every [`MIRROR_EVERY`], each own
/// track whose position lies within `margin_m` of a tile of a partition another node holds
/// goes to that node, with what the gate last sent its vehicle; and so does the
/// misbehaviour detector's record of each sender within [`HANDOVER_MARGIN_M`] of such a
/// tile.
pub(crate) struct BorderMirrors {
    pub cluster: Cluster,
    pub world: WorldRef,
    pub status: watch::Receiver<Arc<ClusterStatus>>,
    /// How the cluster deals tiles to partitions, and the tiles.
    pub plan: ShardPlan,
    pub grid: TileGrid,
    pub margin_m: f64,
}

impl BorderMirrors {
    pub(crate) async fn run(self) {
        let mut tick = tokio::time::interval(MIRROR_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            let status = self.status.borrow().clone();
            let set = |parts: &[u16]| parts.iter().fold(0u64, |s, p| s | (1 << p));
            let mine = set(&status.partitions);
            let others: Vec<(String, u64)> = status
                .nodes
                .iter()
                .filter(|n| n.node_id != status.node_id)
                .map(|n| (n.node_id.clone(), set(&n.partitions) & !mine))
                .filter(|(_, parts)| *parts != 0)
                .collect();
            if others.is_empty() {
                continue;
            }
            let (plan, grid, margin) = (self.plan, self.grid, self.margin_m);
            let Ok((near, standing, senders)) = self
                .world
                .read(move |w| {
                    let near: Vec<(u64, Track)> = w
                        .pipeline
                        .tracks()
                        .iter()
                        .filter_map(|t| {
                            let parts = plan.near(&grid, t.position, margin) & !mine;
                            (parts != 0).then(|| (parts, t.clone()))
                        })
                        .collect();
                    let vehicles = near.iter().filter_map(|(_, t)| t.vehicle).collect();
                    let standing = w.pipeline.standing_advisories(&vehicles);
                    // A sender this node judges (its last report lies in a tile of its
                    // own) about to cross to another node's tiles; quarantined ones too,
                    // which have no track to mirror.
                    let senders: Vec<(u64, SenderHandover)> = w
                        .pipeline
                        .misbehaviour
                        .records_where(|p| {
                            let parts = plan.near(&grid, p, HANDOVER_MARGIN_M) & !mine;
                            let own = mine & (1 << plan.owner(grid.tile_of(p))) != 0;
                            (own && parts != 0).then_some(parts)
                        })
                        .into_iter()
                        .map(|(parts, r)| (parts, sender_to_wire(r)))
                        .collect();
                    (near, standing, senders)
                })
                .await
            else {
                return;
            };
            for (node, parts) in others {
                let tracks: Vec<Track> = near
                    .iter()
                    .filter(|(p, _)| p & parts != 0)
                    .map(|(_, t)| t.clone())
                    .collect();
                let senders: Vec<SenderHandover> = senders
                    .iter()
                    .filter(|(p, _)| p & parts != 0)
                    .map(|(_, s)| s.clone())
                    .collect();
                if tracks.is_empty() && senders.is_empty() {
                    continue;
                }
                let theirs: std::collections::HashSet<[u8; 8]> =
                    tracks.iter().filter_map(|t| t.vehicle).collect();
                let standing = standing
                    .iter()
                    .filter(|s| theirs.contains(&s.target))
                    .map(standing_to_wire)
                    .collect();
                if let Err(e) = self
                    .cluster
                    .publish_mirrors(&node, tracks, standing, senders)
                    .await
                {
                    tracing::warn!("{e:#}");
                }
            }
        }
    }
}

/// Holds the other nodes' tracks near this node's tiles as mirrors, as they come, and
/// takes in what those nodes last sent their vehicles and what their detectors know of the
/// senders about to cross (the gate and the detector then go on where theirs left off,
/// should one of them cross into this node's tiles).
pub(crate) async fn take_mirrors(mut batches: mpsc::Receiver<MirrorBatch>, world: WorldRef) {
    while let Some(batch) = batches.recv().await {
        let now = roadcloud_transport::now_millis();
        let standing: Vec<Standing> = batch
            .standing
            .into_iter()
            .filter_map(standing_from_wire)
            .collect();
        let senders: Vec<SenderRecord> = batch.senders.into_iter().map(sender_from_wire).collect();
        let put = world
            .write(move |w| {
                w.pipeline.put_remote_mirrors(batch.tracks, now);
                w.pipeline.adopt_standing_advisories(standing);
                for r in senders {
                    w.pipeline.misbehaviour.adopt(r);
                }
            })
            .await;
        if put.is_err() {
            return;
        }
    }
}

/// What a gate last sent, as it crosses to another node.
fn standing_to_wire(s: &Standing) -> StandingAdvisory {
    StandingAdvisory {
        scenario: s.scenario.clone(),
        target: s.target,
        about: s.about.as_ref().map(|a| match a {
            ParticipantId::Vehicle(v) => About::Vehicle(*v),
            ParticipantId::Track(n) => About::Track(*n),
            ParticipantId::Rsi { rsu, sign, id } => About::Rsi {
                rsu: *rsu,
                sign: *sign,
                id: *id,
            },
            ParticipantId::Obstacle { sensor, id } => About::Obstacle {
                sensor: *sensor,
                id: *id,
            },
        }),
        at_ms: s.at,
        severity: match s.severity {
            Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Alert => 2,
        },
        expires_at_ms: s.expires_at,
    }
}

/// What this node's detector knows of a sender, as it crosses to another node.
fn sender_to_wire(r: SenderRecord) -> SenderHandover {
    SenderHandover {
        device: r.device,
        trust: r.trust,
        trust_at_ms: r.trust_at,
        quarantined: r.quarantined,
        quarantines: r.quarantines,
        quarantined_where: r.quarantined_where,
        last_seen_ms: r.last_seen,
        since_ms: r.since,
        unseen_since_ms: r.unseen_since,
        late_since_ms: r.late_since,
        driven_through_by: r.driven_through_by,
        recent: r
            .recent
            .into_iter()
            .map(|o| SenderReport {
                generated_at_ms: o.generated_at,
                position: o.position,
                speed_mps: o.motion.speed_mps,
                heading_deg: o.motion.heading_deg,
                accel_long_mps2: o.motion.accel_long_mps2,
            })
            .collect(),
    }
}

/// What another node's detector knew of a sender, as this node's detector takes it.
fn sender_from_wire(s: SenderHandover) -> SenderRecord {
    SenderRecord {
        device: s.device,
        trust: s.trust,
        trust_at: s.trust_at_ms,
        quarantined: s.quarantined,
        quarantines: s.quarantines,
        quarantined_where: s.quarantined_where,
        last_seen: s.last_seen_ms,
        since: s.since_ms,
        unseen_since: s.unseen_since_ms,
        late_since: s.late_since_ms,
        driven_through_by: s.driven_through_by,
        recent: s
            .recent
            .into_iter()
            .map(|o| Reported {
                generated_at: o.generated_at_ms,
                position: o.position,
                motion: ReportedMotion {
                    speed_mps: o.speed_mps,
                    heading_deg: o.heading_deg,
                    accel_long_mps2: o.accel_long_mps2,
                },
            })
            .collect(),
    }
}

/// What another node's gate last sent, as this node's gate takes it; None for a severity
/// this version does not know.
fn standing_from_wire(s: StandingAdvisory) -> Option<Standing> {
    Some(Standing {
        scenario: s.scenario,
        target: s.target,
        about: s.about.map(|a| match a {
            About::Vehicle(v) => ParticipantId::Vehicle(v),
            About::Track(n) => ParticipantId::Track(n),
            About::Rsi { rsu, sign, id } => ParticipantId::Rsi { rsu, sign, id },
            About::Obstacle { sensor, id } => ParticipantId::Obstacle { sensor, id },
        }),
        at: s.at_ms,
        severity: match s.severity {
            0 => Severity::Info,
            1 => Severity::Warning,
            2 => Severity::Alert,
            _ => return None,
        },
        expires_at: s.expires_at_ms,
    })
}

/// A participant of another node as the API lists participants: what the nodes share of
/// it (its view carries the fused state's instant only, so `updated_at` is that instant).
pub(crate) fn remote_participant(node_id: &str, p: &ParticipantView) -> Participant {
    Participant {
        id: p.id.clone(),
        track: p.track,
        kind: p.kind.clone(),
        vehicle_class: None,
        lat: p.lat_deg,
        lon: p.lon_deg,
        speed_mps: p.speed_mps,
        heading_deg: p.heading_deg,
        accel_mps2: None,
        yaw_rate_dps: None,
        width_m: None,
        length_m: None,
        lane: None,
        sources: Vec::new(),
        fused: false,
        at: p.at_ms,
        updated_at: p.at_ms,
        node: Some(node_id.to_string()),
    }
}
