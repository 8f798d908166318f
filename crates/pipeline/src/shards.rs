//! Tile shards: the zone's tracks cut by tile, each part owned by one shard.
//!
//! State has three partition keys (docs/architecture.md#shards): per device (admission,
//! misbehaviour, the advisory gate: [`crate::Pipeline`] keeps them), zone-wide (MAP, SPAT,
//! RSI, RSU positions: also the pipeline's, lent to every shard read-only), and per tile:
//! the tracks, what waits for the applications and the applications' scenes, which this
//! module cuts into shards. A `Shard` owns the tracks of its tiles and holds read-only
//! mirrors of its neighbours' tracks near its tiles, so each tile's view is whole. Shards
//! share nothing: everything that crosses from one to another is a [`ShardMessage`] (a
//! report for a track another shard owns, a track that crossed into another shard's tiles,
//! a mirror), the messages a cluster will carry between nodes. The pipeline runs the shards'
//! steps side by side on every core (rayon) and passes their messages between steps.

use crate::HashMap;
use roadcloud_apps::{Advisory, Registry, Scene};
use roadcloud_world::events::RoadEvent;
use roadcloud_world::map::{Intersection, NodeId};
use roadcloud_world::signals::SignalState;
use roadcloud_world::{
    LaneIndex, Millis, Observation, ParticipantKind, Point, TileGrid, TileId, TileView, Track,
    TrackConfig, TrackId, Tracks, Update,
};
use std::collections::VecDeque;

/// How the zone's tiles are dealt to shards: stripes of tile columns, dealt in turn.
///
/// Stripes rather than single tiles: a track is mirrored into a neighbour when it lies
/// within the mirror margin of that neighbour's tiles (a whole tile column at the default
/// margin of one tile), so with stripes a few tiles wide most tracks are nobody's mirror,
/// while a city's traffic still spreads over every shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardPlan {
    /// How many shards, 1 to [`ShardPlan::MAX_SHARDS`].
    pub shards: u16,
    /// How many tile columns a stripe is wide, at least 1.
    pub stripe_tiles: u16,
    /// The track-id origin of shard 0 (shard `i` starts ids of `first_origin + i`): 0 in
    /// one process; in a cluster, the node's slot times [`ShardPlan::MAX_SHARDS`], so no
    /// two nodes ever give one id.
    pub first_origin: u16,
}

impl Default for ShardPlan {
    fn default() -> Self {
        ShardPlan {
            shards: 1,
            stripe_tiles: 4,
            first_origin: 0,
        }
    }
}

impl ShardPlan {
    /// The most shards (a track's mirrors are noted in a 64-bit set).
    pub const MAX_SHARDS: u16 = 64;

    /// The shard that owns `tile`.
    pub fn owner(&self, tile: TileId) -> u16 {
        if self.shards <= 1 {
            return 0;
        }
        let stripe = tile.east.div_euclid(i32::from(self.stripe_tiles.max(1)));
        stripe.rem_euclid(i32::from(self.shards)) as u16
    }

    /// The shards (or a cluster's partitions) that own a tile whose view reaches `p` (it
    /// lies within `margin_m` of the tile; the test [`Tracks::view`] makes), as a set of
    /// bits.
    pub fn near(&self, grid: &TileGrid, p: Point, margin_m: f64) -> u64 {
        grid.tiles_near(p, margin_m)
            .filter(|t| grid.within(*t, p, margin_m))
            .map(|t| self.owner(t))
            .fold(0, |set, s| set | (1 << s))
    }

    /// [`ShardPlan::near`], but for `me`.
    fn mirrors_for(&self, grid: &TileGrid, p: Point, margin_m: f64, me: u16) -> u64 {
        self.near(grid, p, margin_m) & !(1 << me)
    }
}

/// What crosses from one shard to another (or from the pipeline to a shard).
#[derive(Debug, Clone)]
pub enum ShardMessage {
    /// A report to apply (routed by its vehicle's track, or by where it lies).
    Observe(Observation),
    /// A report another shard found to belong to a track this shard owns: applied here,
    /// never passed on again.
    Join(Observation),
    /// A track whose position now lies in the receiver's tiles, whole (id, sources, trail,
    /// lane, whether the applications owe it a look), with the shards that hold a mirror of
    /// it.
    Adopt {
        /// The track.
        track: Box<Track>,
        /// The shards that mirror it, as bits.
        mirrored_by: u64,
    },
    /// The latest state of a track the sender owns, near the receiver's tiles.
    Mirror(Box<Track>),
    /// A track the receiver mirrors is no longer near its tiles, or gone.
    Unmirror(TrackId),
}

/// One shard: the tracks of its tiles (and mirrors of its neighbours' near them), the
/// vehicles that wait for the applications, its in- and outbox.
pub(crate) struct Shard {
    index: u16,
    pub(crate) tracks: Tracks,
    /// Vehicles that reported themselves since the applications last looked, by tile (each
    /// once, however long the applications wait: the track's `awaiting_apps` flag).
    dirty: HashMap<TileId, Vec<TrackId>>,
    /// The tiles of `dirty`, in the order they first had a vehicle waiting, and since when.
    dirty_order: VecDeque<(TileId, Millis)>,
    pub(crate) inbox: Vec<ShardMessage>,
    /// Messages for other shards, by shard.
    outbox: Vec<(u16, ShardMessage)>,
    /// Reports found to belong to tracks other shards own, with those tracks.
    foreign: Vec<(TrackId, Observation)>,
    /// The shards that hold a mirror of each own track that has any, as bits.
    mirrored_by: HashMap<TrackId, u64>,
    /// Own tracks changed since the mirrors were last sent.
    changed: Vec<TrackId>,
    /// Reports passed on to this shard that belonged to yet another shard's track: dropped.
    dropped: u64,
    /// Tracks handed to other shards.
    handed_over: u64,
    /// What the applications looked at: see [`Scenes`].
    scenes: Scenes,
}

/// What the applications of a shard looked at: the scenes built (the view of a group of
/// tiles with reporting vehicles at an instant), the tiles and participants in them and the
/// vehicles they advised. A scene's cost grows with its participants, an
/// application's with its vehicles (docs/scale.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scenes {
    /// Scenes built.
    pub built: u64,
    /// Tiles in them, in all (a scene takes several tiles at once).
    pub tiles: u64,
    /// Participants in them, in all.
    pub participants: u64,
    /// Vehicles advised in them (each vehicle that reported since its tile's last scene).
    pub targets: u64,
}

/// One shard's figures, for the API and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardStats {
    /// Tracks it owns.
    pub tracks: usize,
    /// Mirrors of other shards' tracks it holds.
    pub mirrors: usize,
    /// Tracks it handed to other shards (their participants crossed its border).
    pub handed_over: u64,
    /// Reports passed to it for a track that had moved on again: dropped.
    pub dropped: u64,
    /// What its applications looked at.
    pub scenes: Scenes,
}

/// What is zone-wide (one copy, lent to every shard read-only).
pub(crate) struct ZoneWide<'a> {
    pub lanes: &'a LaneIndex,
    pub intersections: &'a HashMap<NodeId, Intersection>,
    pub signals: &'a HashMap<NodeId, SignalState>,
    pub events: &'a HashMap<crate::EventKey, RoadEvent>,
    pub apps: &'a Registry,
    /// The lanes emergency vehicles asked to have cleared.
    pub clear_the_way: &'a [roadcloud_world::requests::ClearTheWay],
    /// The obstacles sensors report.
    pub obstacles: &'a roadcloud_world::obstacles::Obstacles,
}

impl Shard {
    fn new(index: u16, config: TrackConfig, plan: &ShardPlan) -> Shard {
        Shard {
            index,
            // One shard has no neighbour to tell of its changes.
            tracks: if plan.shards > 1 {
                Tracks::with_origin(config, plan.first_origin + index)
            } else {
                Tracks::new(config).starting_ids_at(plan.first_origin)
            },
            dirty: HashMap::default(),
            dirty_order: VecDeque::new(),
            inbox: Vec::new(),
            outbox: Vec::new(),
            foreign: Vec::new(),
            mirrored_by: HashMap::default(),
            changed: Vec::new(),
            dropped: 0,
            handed_over: 0,
            scenes: Scenes::default(),
        }
    }

    /// Takes the inbox, then hands over the own tracks that left this shard's tiles.
    /// Applies the inbox; `forwarding`: a report for a mirror is kept to pass on to the
    /// track's owner (with other shards, or other nodes' tracks mirrored here).
    fn apply(&mut self, plan: &ShardPlan, lanes: &LaneIndex, forwarding: bool) {
        let mut inbox = std::mem::take(&mut self.inbox);
        for m in inbox.drain(..) {
            match m {
                ShardMessage::Observe(o) => self.observe(o, lanes, forwarding),
                ShardMessage::Join(o) => self.observe(o, lanes, false),
                ShardMessage::Adopt { track, mirrored_by } => {
                    let (id, awaiting, since) = (track.id, track.awaiting_apps, track.updated_at);
                    self.tracks.adopt(*track);
                    if mirrored_by != 0 {
                        self.mirrored_by.insert(id, mirrored_by);
                    }
                    if awaiting && let Some(t) = self.tracks.get(id) {
                        self.wait(t.tile, since, id);
                    }
                }
                ShardMessage::Mirror(t) => self.tracks.put_mirror(*t),
                ShardMessage::Unmirror(id) => {
                    self.tracks.drop_mirror(id);
                }
            }
        }
        // The inbox keeps its room: a batch of thousands of reports grown into a new one
        // each time copied every report once more and touched fresh memory.
        if self.inbox.is_empty() {
            self.inbox = inbox;
        }
        for id in self.tracks.take_touched() {
            let to = self.tracks.get(id).map(|t| plan.owner(t.tile));
            match to {
                Some(to) if to != self.index => {
                    let Some(track) = self.tracks.release(id) else {
                        continue;
                    };
                    let mirrored_by = self.mirrored_by.remove(&id).unwrap_or(0) & !(1 << to);
                    self.handed_over += 1;
                    self.outbox.push((
                        to,
                        ShardMessage::Adopt {
                            track: Box::new(track),
                            mirrored_by,
                        },
                    ));
                }
                _ => self.changed.push(id),
            }
        }
    }

    fn observe(&mut self, o: Observation, lanes: &LaneIndex, forwarding: bool) {
        // An observation has no heap part: the copy kept for passing it on is cheap.
        let kept = forwarding.then(|| o.clone());
        let id = match self.tracks.update(o) {
            Update::Created(id) | Update::Updated(id) => id,
            Update::Stale(_) => return,
            Update::Foreign(owner) => {
                match kept {
                    Some(o) => self.foreign.push((owner, o)),
                    None => self.dropped += 1,
                }
                return;
            }
        };
        // Once per vehicle until the applications have looked (the track keeps the flag):
        // the common report costs no more than this lookup.
        if let Some((tile, since)) = self.tracks.note_report(id) {
            self.wait(tile, since, id);
        }
        // Pedestrians walk on pavements and crossings, not in lanes.
        if !lanes.is_empty()
            && let Some(t) = self.tracks.get(id)
            && t.kind != ParticipantKind::Pedestrian
        {
            // A standing participant's heading says nothing of its lane's direction.
            let heading = t
                .motion
                .heading_deg
                .filter(|_| t.motion.speed_mps.is_some_and(|v| v > 1.0));
            let lane = lanes.locate(t.position, heading);
            self.tracks.set_lane(id, lane);
        }
    }

    /// Puts a vehicle in its tile's queue for the applications.
    fn wait(&mut self, tile: TileId, since: Millis, id: TrackId) {
        let waiting = self.dirty.entry(tile).or_default();
        if waiting.is_empty() {
            self.dirty_order.push_back((tile, since));
        }
        waiting.push(id);
    }

    /// Sends the changed own tracks to the shards whose tiles' views reach them, and tells
    /// those they no longer reach (or that are gone) to let go.
    fn send_mirrors(&mut self, plan: &ShardPlan) {
        let margin = self.tracks.config().mirror_margin_m;
        let mut changed = std::mem::take(&mut self.changed);
        changed.sort_unstable();
        changed.dedup();
        for id in changed {
            let before = self.mirrored_by.get(&id).copied().unwrap_or(0);
            let track = self.tracks.get(id);
            let now = track.map_or(0, |t| {
                plan.mirrors_for(self.tracks.grid(), t.position, margin, self.index)
            });
            if let Some(t) = track {
                for s in shards_in(now) {
                    self.outbox
                        .push((s, ShardMessage::Mirror(Box::new(t.clone()))));
                }
            }
            for s in shards_in(before & !now) {
                self.outbox.push((s, ShardMessage::Unmirror(id)));
            }
            if now == 0 {
                self.mirrored_by.remove(&id);
            } else {
                self.mirrored_by.insert(id, now);
            }
        }
    }

    /// The applications for the vehicles of this shard's tiles that reported, in the order
    /// their tiles first had one waiting, taking only tiles whose first vehicle has waited
    /// `settle_ms`, until `stop` says so (asked after each scene). The tiles waiting are
    /// taken a group at a time ([`Shard::next_group`]) into one scene: neighbouring tiles'
    /// views overlap (a 300 m tile with a 300 m margin sees nine tiles' area), and a scene
    /// per tile built each participant again for every tile that saw it.
    fn evaluate_tiles(
        &mut self,
        now: Millis,
        settle_ms: Millis,
        stop: &(impl Fn() -> bool + Sync),
        zone: &ZoneWide<'_>,
    ) -> Vec<Advisory> {
        let mut out = Vec::new();
        loop {
            let group = self.next_group(now, settle_ms);
            if group.is_empty() {
                break;
            }
            let tiles: Vec<TileId> = group.iter().map(|g| g.0).collect();
            let view = self.tracks.view_of(&tiles);
            let scene = Scene::new(
                now,
                &view,
                zone.lanes,
                zone.intersections,
                zone.signals,
                zone.events.values(),
            )
            .with_clear_the_way(zone.clear_the_way)
            .with_obstacles(zone.obstacles.iter())
            .only_targets(|t| t.awaiting_apps);
            zone.apps.evaluate(&scene, &mut out);
            self.scenes.built += 1;
            self.scenes.tiles += tiles.len() as u64;
            self.scenes.participants += scene.participants.len() as u64;
            self.scenes.targets += scene.targets().count() as u64;
            for (_, since, woke) in group {
                // A vehicle that crossed into a tile outside the group after it reported
                // waits there: this scene did not hold it (one handed to another shard
                // waits there).
                let (here, moved): (Vec<TrackId>, Vec<TrackId>) = woke
                    .into_iter()
                    .partition(|id| self.tracks.get(*id).is_none_or(|t| tiles.contains(&t.tile)));
                self.tracks.clear_reports(&here);
                for id in moved {
                    if let Some(t) = self.tracks.get(id) {
                        self.wait(t.tile, since, id);
                    }
                }
            }
            if stop() {
                break;
            }
        }
        out
    }

    /// The next tiles for one scene, with since when and which vehicles wait in each: the
    /// first tile ready (its first vehicle has waited `settle_ms`), then the other tiles
    /// ready within [`GROUP_REACH_M`] of it (east and north), in their order, until
    /// [`GROUP_TARGETS`] vehicles wait in them. Tiles near each other share much of their
    /// views, and one scene for all of them builds each participant once.
    fn next_group(
        &mut self,
        now: Millis,
        settle_ms: Millis,
    ) -> Vec<(TileId, Millis, Vec<TrackId>)> {
        let reach = (GROUP_REACH_M / self.tracks.grid().size_m())
            .floor()
            .clamp(0.0, 64.0) as i32;
        let mut group: Vec<(TileId, Millis, Vec<TrackId>)> = Vec::new();
        let mut waiting = 0;
        let mut k = 0;
        while k < self.dirty_order.len() && waiting < GROUP_TARGETS {
            let (tile, since) = self.dirty_order[k];
            if now - since < settle_ms {
                // The order is by since: none after it is ready either.
                break;
            }
            let near_first = group.first().is_none_or(|f| {
                (f.0.east - tile.east).abs() <= reach && (f.0.north - tile.north).abs() <= reach
            });
            if !near_first {
                k += 1;
                continue;
            }
            self.dirty_order.remove(k);
            if let Some(woke) = self.dirty.remove(&tile) {
                waiting += woke.len();
                group.push((tile, since, woke));
            }
        }
        group
    }
}

/// How far from the first tile of a group (east or north) the others may lie, metres: five
/// tiles of the default 300 m, a group of eleven by eleven tiles at most, whose scene with
/// the 300 m margin covers 3.9 km square (a scene's neighbour index is a grid over its
/// participants' box, see `roadcloud_apps::scene`, which wants the box bounded). On
/// `roadcloud bench`'s fleet (`cargo bench -p roadcloud-pipeline -- with_apps`), groups
/// this wide cost the world stage less per vehicle than groups of three by three or five
/// by five tiles: the vehicles that report together are spread over the zone, and one
/// scene of a wide group builds each participant once for all of them.
const GROUP_REACH_M: f64 = 1_500.0;

/// How many waiting vehicles one scene takes at most (a tile's vehicles go together, so a
/// scene may take a few more): the applications cost about ten microseconds per vehicle,
/// and the stage asks whether its slice (2 ms by default) is spent only after each scene,
/// while batches of messages wait. At 100,400 msgs/s, 512 vehicles to a scene held ingest
/// up for longer (its p99 77-149 ms against 56-68 ms with 128, one run lost 4 % of the
/// messages), and a cost per vehicle no lower.
const GROUP_TARGETS: usize = 128;

/// The shards of `set`.
fn shards_in(set: u64) -> impl Iterator<Item = u16> {
    (0..64u16).filter(move |s| set & (1 << s) != 0)
}

/// How long another node's track stays mirrored here without a new copy, ms: its node
/// sends one every 100 ms while the track lies near this node's tiles.
pub const REMOTE_MIRROR_TTL_MS: Millis = 500;

/// Every shard of the zone, and the plan they follow.
pub(crate) struct Shards {
    pub(crate) plan: ShardPlan,
    pub(crate) list: Vec<Shard>,
    /// Other nodes' tracks mirrored here (a cluster's border mirrors): when each copy
    /// came, and the shards that hold it.
    remote: HashMap<TrackId, (Millis, u64)>,
}

/// How many rounds of passing messages a step takes at most: a report passed to the owner
/// of its track may move the track into a third shard's tiles (one more round); a longer
/// chain waits for the next step.
const ROUNDS: usize = 4;

/// The least work (messages, tracks) the shards' steps run side by side for. Applying a
/// report costs about a microsecond, and a fork and join from outside the pool (the world
/// stage runs on a tokio thread) two thread wake-ups of tens of microseconds each: on this
/// project's two-core machine, a batch of 256 reports applied side by side was slower than
/// one after the other (`cargo bench -p roadcloud-pipeline -- writer_2`: 96,000 against
/// 116,000 BSM/s). The applications, tens of microseconds per vehicle, always run side by
/// side.
const PARALLEL_FROM: usize = 4_096;

impl Shards {
    pub(crate) fn new(plan: ShardPlan, config: TrackConfig) -> Shards {
        let plan = ShardPlan {
            shards: plan.shards.clamp(1, ShardPlan::MAX_SHARDS),
            stripe_tiles: plan.stripe_tiles.max(1),
            first_origin: plan.first_origin,
        };
        Shards {
            remote: HashMap::default(),
            plan,
            list: (0..plan.shards)
                .map(|i| Shard::new(i, config, &plan))
                .collect(),
        }
    }

    /// Runs `f` on every shard, side by side on every core when there are several and
    /// `work` (messages, tracks) is worth waking a core for: a fork and join costs tens of
    /// microseconds of thread wake-ups, more than a handful of hand-overs or mirrors.
    fn each<R: Send>(&mut self, work: usize, f: impl Fn(&mut Shard) -> R + Sync) -> Vec<R> {
        use rayon::prelude::*;
        if self.list.len() == 1 || work < PARALLEL_FROM {
            return self.list.iter_mut().map(f).collect();
        }
        self.list.par_iter_mut().map(&f).collect()
    }

    /// Messages waiting in the inboxes.
    fn inboxes(&self) -> usize {
        self.list.iter().map(|s| s.inbox.len()).sum()
    }

    /// Where a report goes: to the shard that owns its vehicle's track, or else to the owner
    /// of the tile it lies in.
    pub(crate) fn route(&mut self, o: Observation) {
        let shard = if self.list.len() == 1 {
            0
        } else {
            o.vehicle()
                .and_then(|v| self.owner_by(|t| t.by_vehicle(v).is_some()))
                .unwrap_or_else(|| self.owner_of_place(o.position))
        };
        self.list[shard].inbox.push(ShardMessage::Observe(o));
    }

    /// Holds `track`, another node's, as a mirror in every shard whose tiles' views reach
    /// it (replacing an older copy). A track this node owns gives way when the other node's
    /// copy is newer (the vehicle crossed into its tiles and it took the track over): the
    /// id returned is gone from this node. A vehicle tracked here under another id keeps
    /// that track (two copies of one vehicle would be a ghost to warn of).
    pub(crate) fn put_remote(&mut self, track: Track, now: Millis) -> Option<TrackId> {
        let id = track.id;
        let mut gone = None;
        // The shards holding a copy: as another node's track, or as this node's own track's
        // in-process mirrors (those not reached by the new copy must let go).
        let mut before = self.remote.get(&id).map_or(0, |r| r.1);
        if let Some(owner) = self.owner_by(|t| t.get(id).is_some()) {
            let ours = self.list[owner]
                .tracks
                .get(id)
                .map_or(Millis::MAX, |t| t.updated_at);
            if track.updated_at <= ours {
                return None;
            }
            let shard = &mut self.list[owner];
            shard.tracks.release(id);
            before |= shard.mirrored_by.remove(&id).unwrap_or(0);
            gone = Some(id);
        } else if let Some(v) = track.vehicle
            && self.owner_by(|t| t.by_vehicle(v).is_some()).is_some()
        {
            self.forget_remote(id);
            return None;
        }
        let margin = self.list[0].tracks.config().mirror_margin_m;
        let grid = *self.list[0].tracks.grid();
        let holders = self.plan.near(&grid, track.position, margin);
        for s in shards_in(before & !holders) {
            self.list[usize::from(s)].tracks.drop_mirror(id);
        }
        if holders == 0 {
            self.remote.remove(&id);
            return gone;
        }
        for s in shards_in(holders) {
            self.list[usize::from(s)].tracks.put_mirror(track.clone());
        }
        self.remote.insert(id, (now, holders));
        gone
    }

    /// Lets go of other nodes' tracks whose copies stopped coming (they left this node's
    /// tiles' reach, or are gone).
    pub(crate) fn expire_remote(&mut self, now: Millis) {
        let stale: Vec<TrackId> = self
            .remote
            .iter()
            .filter(|(_, (at, _))| now - at > REMOTE_MIRROR_TTL_MS)
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            self.forget_remote(id);
        }
    }

    /// Drops another node's track `id` from every shard holding it; its last copy.
    fn forget_remote(&mut self, id: TrackId) -> Option<Track> {
        let (_, holders) = self.remote.remove(&id)?;
        let copy =
            shards_in(holders).find_map(|s| self.list[usize::from(s)].tracks.mirror(id).cloned());
        for s in shards_in(holders) {
            self.list[usize::from(s)].tracks.drop_mirror(id);
        }
        copy
    }

    /// Takes `track` in from outside (a snapshot of a tile another node held), for the
    /// shard that owns its tile; `false` when a track already holds its id or its vehicle
    /// (the vehicle reported here first: its track here stands).
    pub(crate) fn restore(&mut self, track: Track) -> bool {
        let taken = |t: &Tracks| {
            t.get(track.id).is_some() || track.vehicle.is_some_and(|v| t.by_vehicle(v).is_some())
        };
        if self.owner_by(taken).is_some() {
            return false;
        }
        let shard = self.owner_of_place(track.position);
        self.list[shard].inbox.push(ShardMessage::Adopt {
            track: Box::new(track),
            mirrored_by: 0,
        });
        true
    }

    /// The shard whose tracks `owns` says yes to.
    fn owner_by(&self, owns: impl Fn(&Tracks) -> bool) -> Option<usize> {
        self.list.iter().position(|s| owns(&s.tracks))
    }

    /// The shard that owns the tile `p` lies in.
    fn owner_of_place(&self, p: Point) -> usize {
        let tile = self.list[0].tracks.grid().tile_of(p);
        usize::from(self.plan.owner(tile))
    }

    /// Applies every shard's inbox and passes the messages that follow (reports for other
    /// shards' tracks, tracks handed over, then mirrors) until none is left.
    pub(crate) fn settle(&mut self, lanes: &LaneIndex) {
        let plan = self.plan;
        let forwarding = plan.shards > 1 || !self.remote.is_empty();
        for _ in 0..ROUNDS {
            self.each(self.inboxes(), |s| s.apply(&plan, lanes, forwarding));
            if self.deliver() == 0 {
                break;
            }
        }
        if self.list.len() > 1 {
            let changed = self.list.iter().map(|s| s.changed.len()).sum();
            self.each(changed, |s| s.send_mirrors(&plan));
            if self.deliver() > 0 {
                // Mirrors only: nothing changes hands, nothing is passed on.
                self.each(self.inboxes(), |s| s.apply(&plan, lanes, forwarding));
            }
        }
    }

    /// Moves every outbox's messages, and the reports found to be other shards', into the
    /// inboxes they are for; how many.
    fn deliver(&mut self) -> usize {
        let mut moved = 0;
        for i in 0..self.list.len() {
            for (to, m) in std::mem::take(&mut self.list[i].outbox) {
                self.list[usize::from(to)].inbox.push(m);
                moved += 1;
            }
        }
        for i in 0..self.list.len() {
            for (track, o) in std::mem::take(&mut self.list[i].foreign) {
                // The track's owner, or the shard it is being handed to (its report is
                // applied there after the hand-over); if it went, the owner of where it lies.
                let adopting = |s: &Shard| {
                    s.inbox
                        .iter()
                        .any(|m| matches!(m, ShardMessage::Adopt { track: t, .. } if t.id == track))
                };
                let to = match self
                    .owner_by(|t| t.get(track).is_some())
                    .or_else(|| self.list.iter().position(adopting))
                {
                    Some(to) => to,
                    None => {
                        let to = self.owner_of_place(o.position);
                        // Another node's track, reported here: its vehicle crossed into
                        // this node's tiles, and the track (id, trail, lane) is taken over.
                        if let Some(t) = self.forget_remote(track) {
                            self.list[to].inbox.push(ShardMessage::Adopt {
                                track: Box::new(t),
                                mirrored_by: 0,
                            });
                            moved += 1;
                        }
                        to
                    }
                };
                self.list[to].inbox.push(ShardMessage::Join(o));
                moved += 1;
            }
        }
        moved
    }

    /// Lets time pass in every shard: returns the tracks that are gone.
    pub(crate) fn expire(&mut self, now: Millis, lanes: &LaneIndex) -> Vec<TrackId> {
        let tracks = self.list.iter().map(|s| s.tracks.len()).sum();
        let gone = self.each(tracks, |s| s.tracks.expire(now)).concat();
        // Expiry moves a track that lost a source (it is fused anew): it may cross a border.
        self.settle(lanes);
        gone
    }

    /// The applications in every shard (side by side), their advisories in shard order.
    pub(crate) fn evaluate_until(
        &mut self,
        now: Millis,
        settle_ms: Millis,
        stop: &(impl Fn() -> bool + Sync),
        zone: &ZoneWide<'_>,
    ) -> Vec<Advisory> {
        // The applications cost tens of microseconds per vehicle: worth a core.
        self.each(PARALLEL_FROM, |s| {
            s.evaluate_tiles(now, settle_ms, stop, zone)
        })
        .concat()
    }

    /// Forgets what `vehicle` said of itself (see [`Tracks::forget_vehicle`]) in the shard
    /// that owns its track.
    pub(crate) fn forget_vehicle(&mut self, vehicle: [u8; 8]) {
        for s in &mut self.list {
            if s.tracks.forget_vehicle(vehicle).is_some() {
                return;
            }
        }
    }

    /// Each shard's figures.
    pub(crate) fn stats(&self) -> Vec<ShardStats> {
        self.list
            .iter()
            .map(|s| ShardStats {
                tracks: s.tracks.len(),
                mirrors: s.tracks.mirrors(),
                handed_over: s.handed_over,
                dropped: s.dropped,
                scenes: s.scenes,
            })
            .collect()
    }
}

/// The zone's tracks, over every shard: what the API, the live feed and the checks read.
#[derive(Clone, Copy)]
pub struct ZoneTracks<'a> {
    shards: &'a Shards,
}

impl<'a> ZoneTracks<'a> {
    pub(crate) fn new(shards: &'a Shards) -> Self {
        ZoneTracks { shards }
    }

    /// Every live track (each once, from the shard that owns it).
    pub fn iter(self) -> impl Iterator<Item = &'a Track> {
        self.shards.list.iter().flat_map(|s| s.tracks.iter())
    }

    /// A track by id.
    pub fn get(self, id: TrackId) -> Option<&'a Track> {
        self.shards.list.iter().find_map(|s| s.tracks.get(id))
    }

    /// The track of a vehicle, by its id.
    pub fn by_vehicle(self, vehicle: [u8; 8]) -> Option<&'a Track> {
        self.shards
            .list
            .iter()
            .find_map(|s| s.tracks.by_vehicle(vehicle))
    }

    /// How many tracks are live.
    pub fn len(self) -> usize {
        self.shards.list.iter().map(|s| s.tracks.len()).sum()
    }

    /// Whether no track is live.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The tile grid.
    pub fn grid(self) -> &'a TileGrid {
        self.shards.list[0].tracks.grid()
    }

    /// Tiles with at least one track.
    pub fn tiles(self) -> impl Iterator<Item = TileId> + 'a {
        let plan = self.shards.plan;
        self.shards
            .list
            .iter()
            .flat_map(move |s| s.tracks.tiles().filter(move |t| plan.owner(*t) == s.index))
    }

    /// What `tile`'s applications see (from the shard that owns it).
    pub fn view(self, tile: TileId) -> TileView<'a> {
        self.shards.list[usize::from(self.shards.plan.owner(tile))]
            .tracks
            .view(tile)
    }

    /// The tracks within `radius_m` of `p`, for a radius up to the mirror margin (the shard
    /// that owns the place sees that far beyond its tiles).
    pub fn near(self, p: Point, radius_m: f64) -> impl Iterator<Item = &'a Track> {
        let tile = self.grid().tile_of(p);
        self.shards.list[usize::from(self.shards.plan.owner(tile))]
            .tracks
            .near(p, radius_m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(east: i32, north: i32) -> TileId {
        TileId { east, north }
    }

    /// A shard of 300 m tiles with vehicles waiting in `waiting` (tile, since, how many).
    fn shard_waiting(waiting: &[(TileId, Millis, u64)]) -> Shard {
        let mut shard = Shard::new(0, TrackConfig::default(), &ShardPlan::default());
        let mut next = 0;
        for &(t, since, n) in waiting {
            for _ in 0..n {
                next += 1;
                shard.wait(t, since, TrackId::new(0, next));
            }
        }
        shard
    }

    fn tiles_of(group: &[(TileId, Millis, Vec<TrackId>)]) -> Vec<TileId> {
        group.iter().map(|g| g.0).collect()
    }

    #[test]
    fn a_group_takes_the_first_tile_ready_and_the_ready_tiles_near_it() {
        let reach = (GROUP_REACH_M / 300.0) as i32;
        let (a, far, near, late) = (
            tile(0, 0),
            tile(reach + 1, 0),
            tile(reach, -reach),
            tile(1, 0),
        );
        let mut shard = shard_waiting(&[(a, 10, 2), (far, 11, 1), (near, 12, 3), (late, 50, 1)]);
        // At 40 with 20 ms to settle: the tile whose first vehicle came at 50 is not ready.
        let group = shard.next_group(40, 20);
        assert_eq!(tiles_of(&group), vec![a, near]);
        assert_eq!(group[1].2.len(), 3, "its waiting vehicles");
        // The far tile kept its place, ahead of the later one.
        assert_eq!(tiles_of(&shard.next_group(40, 20)), vec![far]);
        assert!(shard.next_group(40, 20).is_empty());
        assert_eq!(tiles_of(&shard.next_group(70, 20)), vec![late]);
    }

    #[test]
    fn a_group_stops_at_its_share_of_waiting_vehicles() {
        let per_tile = GROUP_TARGETS as u64 / 2;
        let mut shard = shard_waiting(&[
            (tile(0, 0), 1, per_tile),
            (tile(1, 0), 2, per_tile),
            (tile(2, 0), 3, 1),
        ]);
        assert_eq!(
            tiles_of(&shard.next_group(10, 0)),
            vec![tile(0, 0), tile(1, 0)]
        );
        assert_eq!(tiles_of(&shard.next_group(10, 0)), vec![tile(2, 0)]);
    }
}
