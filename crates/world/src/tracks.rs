//! Tracks: one per road participant, fused from every source that reports it.
//!
//! A vehicle's own BSMs and the detections of it by any number of RSUs become one [`Track`].
//! Association, in order:
//! 1. a BSM joins the track of its vehicle id;
//! 2. an RSU detection joins the track its (RSU, `ptcId`) was bound to before, or the track of
//!    the vehicle id the RSU reports with it;
//! 3. otherwise it joins the nearest track of a compatible kind that passes the gates
//!    (position, speed and heading, after predicting the track to the detection's time), and
//!    the (RSU, `ptcId`) is bound to it;
//! 4. otherwise it starts a track.
//!
//! The fused state is the mean of each source's latest report, all predicted to the newest
//! report's time; a source that has not reported for `source_ttl_ms` drops out, and a track
//! with no source left expires.

use crate::geo::Point;
use crate::lanes::{LaneMatch, LaneRef};
use crate::observe::{Motion, Observation, ObservationSource, ParticipantKind, VehicleStatus};
use crate::tiles::{TileGrid, TileId};
use crate::time::Millis;
/// Maps keyed by what devices send (ids in topics and messages): a fast hash, but seeded per
/// process, so no one can precompute colliding ids to slow a map down.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Parameters of association and expiry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackConfig {
    /// A source's report counts for this long, milliseconds.
    pub source_ttl_ms: Millis,
    /// Position gate: metres between a detection and a predicted track.
    pub gate_position_m: f64,
    /// Speed gate: m/s between a detection and a track.
    pub gate_speed_mps: f64,
    /// Heading gate: degrees between a detection and a track (checked when both move faster
    /// than 1 m/s; a standing object's heading means little).
    pub gate_heading_deg: f64,
    /// Side of a tile, metres.
    pub tile_size_m: f64,
    /// How far beyond its border a tile's view reaches into its neighbours, metres.
    pub mirror_margin_m: f64,
}

impl Default for TrackConfig {
    fn default() -> Self {
        TrackConfig {
            source_ttl_ms: 1_000,
            gate_position_m: 3.0,
            gate_speed_mps: 3.0,
            gate_heading_deg: 45.0,
            tile_size_m: 300.0,
            mirror_margin_m: 300.0,
        }
    }
}

/// How far a vehicle's first report under a new id may lie from where its old id's track
/// predicts it, metres, to continue that track (a pseudonym change, see `Tracks::hand_over`):
/// tighter than the association gate, as nothing else vouches for the link.
pub const HANDOVER_GATE_M: f64 = 2.5;
/// The heading gate of a handover, degrees.
pub const HANDOVER_GATE_HEADING_DEG: f64 = 20.0;
/// How long the old id must have been silent, milliseconds: about half a BSM interval
/// (T/CSAE 53-2020: 10 Hz), so a vehicle still sending under its old id is never taken over.
pub const HANDOVER_MIN_SILENCE_MS: Millis = 50;

/// A track's id, unique across the shards of a zone (and the nodes of a cluster) for the life
/// of the process: the origin that started the track (a shard, see [`Tracks::with_origin`])
/// in bits 40 to 51, a sequence below. It stays below 2^52, so JSON readers that hold numbers
/// as doubles (the web map) read it exactly, and a track keeps it wherever it moves.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct TrackId(pub u64);

impl TrackId {
    /// Where the origin starts.
    const ORIGIN_SHIFT: u32 = 40;
    /// The largest origin.
    pub const MAX_ORIGIN: u16 = 0x0FFF;

    /// The `sequence`th id of `origin` (an origin above [`TrackId::MAX_ORIGIN`] is cut to its
    /// low bits; a sequence is cut to 40 bits, a trillion tracks).
    pub fn new(origin: u16, sequence: u64) -> TrackId {
        TrackId(
            (u64::from(origin & Self::MAX_ORIGIN) << Self::ORIGIN_SHIFT)
                | (sequence & ((1 << Self::ORIGIN_SHIFT) - 1)),
        )
    }

    /// The origin that started the track.
    pub fn origin(self) -> u16 {
        ((self.0 >> Self::ORIGIN_SHIFT) as u16) & Self::MAX_ORIGIN
    }
}

/// Which source a report came from: a vehicle itself, or one RSU's detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SourceKey {
    /// The vehicle's own BSMs.
    Vehicle([u8; 8]),
    /// One RSU's detections of one participant.
    Roadside {
        /// The RSU.
        rsu: [u8; 8],
        /// The RSU's participant id.
        ptc_id: u16,
    },
}

impl SourceKey {
    fn of(o: &Observation) -> SourceKey {
        match o.source {
            ObservationSource::SelfReport { vehicle } => SourceKey::Vehicle(vehicle),
            ObservationSource::Roadside { rsu, ptc_id, .. } => SourceKey::Roadside { rsu, ptc_id },
        }
    }
}

/// One road participant as roadcloud knows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Track {
    /// Its id.
    pub id: TrackId,
    /// The vehicle's own id, when it sends BSMs or an RSU reports it.
    pub vehicle: Option<[u8; 8]>,
    /// What it is.
    pub kind: ParticipantKind,
    /// `BasicVehicleClass`, when known.
    pub vehicle_class: Option<u8>,
    /// Fused position at `at`.
    pub position: Point,
    /// Fused motion.
    pub motion: Motion,
    /// Width, metres.
    pub width_m: Option<f64>,
    /// Length, metres.
    pub length_m: Option<f64>,
    /// What the vehicle says of its own state (its latest BSM), when it sends BSMs.
    pub status: VehicleStatus,
    /// The instant the fused state refers to (the newest report's generation time).
    pub at: Millis,
    /// When roadcloud last received a report of it.
    pub updated_at: Millis,
    /// The latest report of each source (a handful at most: a list beats a map here, in
    /// time and in memory).
    pub sources: Vec<(SourceKey, Observation)>,
    /// The tile its position lies in.
    pub tile: TileId,
    /// The cell of [`Tracks::near`]'s index its position lies in.
    near_cell: NearCell,
    /// The lane it drives in, when MAP knows one there (see [`crate::lanes`]).
    pub lane: Option<LaneMatch>,
    /// The lane it drove in last: in an intersection, where no lane is matched, the lane it
    /// came from, whose connections it is on (see [`crate::paths`]).
    pub last_lane: Option<LaneRef>,
    /// Whether it reported itself since the applications last looked at it.
    pub awaiting_apps: bool,
    /// Where it has been: its path, for telling what drives in its lane where no MAP does.
    pub trail: Trail,
    /// Its latest reports' longitudinal accelerations: for telling a brake that lasts from
    /// one report's reading.
    #[serde(default)]
    pub accel_history: AccelHistory,
    /// Whether this is a read-only copy of a track another shard owns (see
    /// [`Tracks::put_mirror`]).
    mirror: bool,
}

/// A participant's recent path: its fused positions, one at least [`Trail::SPACING_M`] from
/// the next, the newest [`Trail::POINTS`] of them (about a hundred metres), oldest first.
///
/// Where no MAP gives lanes, a vehicle drives in another's lane when it is on the path the
/// other took, not when their headings merely agree: the path is the evidence (as a BSM's
/// `pathHistory` is an OBU's, T/CSAE 53-2020 DF_PathHistory).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(from = "TrailPoints", into = "TrailPoints")]
pub struct Trail {
    points: std::collections::VecDeque<Point>,
    /// The box around the points (south-west, north-east corners), kept as they change:
    /// the applications ask it of every neighbour in every scene, the points change a few
    /// times a second.
    bounds: Option<(Point, Point)>,
}

/// A [`Trail`]'s serialised form: its points (the box follows from them).
#[derive(serde::Serialize, serde::Deserialize)]
struct TrailPoints {
    points: std::collections::VecDeque<Point>,
}

impl From<TrailPoints> for Trail {
    fn from(t: TrailPoints) -> Trail {
        let mut trail = Trail {
            points: t.points,
            bounds: None,
        };
        trail.bounds = bounding_box(trail.points());
        trail
    }
}

impl From<Trail> for TrailPoints {
    fn from(t: Trail) -> TrailPoints {
        TrailPoints { points: t.points }
    }
}

/// The box around `points` (south-west, north-east corners); None without points.
pub fn bounding_box(mut points: impl Iterator<Item = Point>) -> Option<(Point, Point)> {
    let first = points.next()?;
    Some(points.fold((first, first), |(sw, ne), q| extend_box((sw, ne), q)))
}

/// The box `(sw, ne)` grown to hold `q`.
pub fn extend_box((sw, ne): (Point, Point), q: Point) -> (Point, Point) {
    (
        Point {
            east_m: sw.east_m.min(q.east_m),
            north_m: sw.north_m.min(q.north_m),
        },
        Point {
            east_m: ne.east_m.max(q.east_m),
            north_m: ne.north_m.max(q.north_m),
        },
    )
}

impl Trail {
    /// Metres between kept points.
    pub const SPACING_M: f64 = 3.0;
    /// Points kept.
    pub const POINTS: usize = 32;

    /// Notes a position.
    pub fn push(&mut self, p: Point) {
        if self
            .points
            .back()
            .is_some_and(|last| last.distance2_to(p) < Self::SPACING_M * Self::SPACING_M)
        {
            return;
        }
        let dropped = (self.points.len() == Self::POINTS)
            .then(|| self.points.pop_front())
            .flatten();
        self.points.push_back(p);
        // The box shrinks only when a point on its edge was dropped.
        self.bounds = match (self.bounds, dropped) {
            (Some(b), None) => Some(extend_box(b, p)),
            _ => bounding_box(self.points()),
        };
    }

    /// The box around its points (south-west, north-east corners); None while it has none.
    pub fn bounds(&self) -> Option<(Point, Point)> {
        self.bounds
    }

    /// How many points it keeps now.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether it has no point yet.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Its `i`-th point, oldest first.
    pub fn get(&self, i: usize) -> Option<Point> {
        self.points.get(i).copied()
    }

    /// The points, oldest first.
    pub fn points(&self) -> impl DoubleEndedIterator<Item = Point> + ExactSizeIterator + '_ {
        self.points.iter().copied()
    }
}

/// A participant's longitudinal accelerations of its latest [`AccelHistory::REPORTS`]
/// reports, with their generation times, oldest first.
///
/// One report's acceleration says little of the next: a driver keeping a speed varies it by
/// a metre per second squared or two from moment to moment, an OBU's sensor adds its noise,
/// and a brake that lasts is what carries a vehicle to a stop.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccelHistory {
    reports: std::collections::VecDeque<(Millis, f64)>,
}

impl AccelHistory {
    /// Reports kept: a second of BSMs at T/CSAE 53-2020's 10 Hz.
    pub const REPORTS: usize = 10;

    /// Notes the acceleration `accel_mps2` of the report generated at `at`; one generated at
    /// the same instant as the newest replaces it, an older one is left out.
    pub fn push(&mut self, at: Millis, accel_mps2: f64) {
        match self.reports.back_mut() {
            Some(last) if last.0 == at => {
                last.1 = accel_mps2;
                return;
            }
            Some(last) if last.0 > at => return,
            _ => {}
        }
        if self.reports.len() == Self::REPORTS {
            self.reports.pop_front();
        }
        self.reports.push_back((at, accel_mps2));
    }

    /// How long it has decelerated at `decel_mps2` or more, milliseconds: from the first of
    /// the unbroken run of such reports that ends with the latest to the latest (0 when only
    /// the latest is one); None when the latest is not, or there is none.
    pub fn braking_for_ms(&self, decel_mps2: f64) -> Option<Millis> {
        let braking = |(_, a): &&(Millis, f64)| *a <= -decel_mps2;
        let (latest, _) = self.reports.back().filter(braking)?;
        let first = self
            .reports
            .iter()
            .rev()
            .take_while(braking)
            .last()
            .map_or(*latest, |(at, _)| *at);
        Some(latest - first)
    }
}

impl Track {
    /// Whether this is a read-only copy of a track another shard owns: it is seen (in tile
    /// views and searches around a place) but never updated, expired or evaluated here.
    pub fn is_mirror(&self) -> bool {
        self.mirror
    }

    /// Whether its own vehicle reports it (BSM).
    pub fn self_reported(&self) -> bool {
        self.sources
            .iter()
            .any(|(k, _)| matches!(k, SourceKey::Vehicle(_)))
    }

    /// Whether an RSU detects it.
    pub fn roadside_detected(&self) -> bool {
        self.sources
            .iter()
            .any(|(k, _)| matches!(k, SourceKey::Roadside { .. }))
    }

    /// Where it will be at `t`, moving on with its speed, acceleration and yaw rate
    /// (constant turn rate and acceleration).
    pub fn predict(&self, t: Millis) -> Point {
        predict(self.position, &self.motion, (t - self.at) as f64 / 1000.0)
    }

    fn fuse(&mut self) {
        // One source (the common case): its report is the state.
        if let [(_, o)] = self.sources.as_slice() {
            self.position = o.position;
            self.motion = o.motion;
            self.width_m = o.width_m.or(self.width_m);
            self.length_m = o.length_m.or(self.length_m);
            if o.vehicle_class.is_some() {
                self.vehicle_class = o.vehicle_class;
            }
            if o.kind != ParticipantKind::Unknown {
                self.kind = o.kind;
            }
            self.status = o.status;
            self.at = o.generated_at;
            return;
        }
        let newest = self
            .sources
            .iter()
            .map(|(_, o)| o.generated_at)
            .max()
            .unwrap_or(self.at);
        let n = self.sources.len() as f64;
        let (mut e, mut nn, mut speed, mut sv, mut hx, mut hy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (_, o) in &self.sources {
            let p = predict(
                o.position,
                &o.motion,
                (newest - o.generated_at) as f64 / 1000.0,
            );
            e += p.east_m;
            nn += p.north_m;
            if let Some(s) = o.motion.speed_mps {
                speed += s;
                sv += 1.0;
            }
            if let Some(h) = o.motion.heading_deg {
                let w = o.motion.speed_mps.unwrap_or(1.0).max(0.1);
                hx += w * h.to_radians().sin();
                hy += w * h.to_radians().cos();
            }
        }
        self.position = Point {
            east_m: e / n,
            north_m: nn / n,
        };
        self.motion.speed_mps = (sv > 0.0).then(|| speed / sv);
        self.motion.heading_deg =
            (hx != 0.0 || hy != 0.0).then(|| hx.atan2(hy).to_degrees().rem_euclid(360.0));
        // Acceleration and yaw rate: a vehicle knows its own best; otherwise the newest.
        let best = self
            .sources
            .iter()
            .max_by_key(|(k, o)| (matches!(k, SourceKey::Vehicle(_)), o.generated_at))
            .map(|(_, o)| {
                (
                    o.motion,
                    o.width_m,
                    o.length_m,
                    o.vehicle_class,
                    o.kind,
                    o.status,
                )
            })
            .expect("a track has a source");
        let (motion, width_m, length_m, vehicle_class, kind, status) = best;
        self.status = status;
        self.motion.accel_long_mps2 = motion.accel_long_mps2;
        self.motion.accel_lat_mps2 = motion.accel_lat_mps2;
        self.motion.yaw_rate_dps = motion.yaw_rate_dps;
        self.width_m = width_m.or(self.width_m);
        self.length_m = length_m.or(self.length_m);
        if vehicle_class.is_some() {
            self.vehicle_class = vehicle_class;
        }
        if kind != ParticipantKind::Unknown {
            self.kind = kind;
        }
        self.at = newest;
    }
}

/// `p` moved on by `dt` seconds with `m` (constant turn rate and acceleration; a standing
/// object stays put, and speed never turns negative).
pub fn predict(p: Point, m: &Motion, dt: f64) -> Point {
    predict_with(p, m, dt, None)
}

/// As [`predict`], given the sine and cosine of `m`'s heading when the caller has them (a
/// scene works them out for every participant): a participant that does not turn is then
/// moved on without a second sine and cosine.
pub fn predict_with(p: Point, m: &Motion, dt: f64, heading_sin_cos: Option<(f64, f64)>) -> Point {
    let (Some(v0), Some(h0)) = (m.speed_mps, m.heading_deg) else {
        return p;
    };
    let a = m.accel_long_mps2.unwrap_or(0.0);
    // Time until a braking participant stops: it does not reverse.
    let dt_move = if a < 0.0 { dt.min(v0 / -a) } else { dt };
    let omega = m.yaw_rate_dps.unwrap_or(0.0).to_radians();
    let turn = omega * dt_move;
    if turn.abs() <= 0.5 {
        // Up to about 30 degrees of turn: the path is an arc, and its chord runs along the
        // mean heading with length arc x sinc(turn / 2). Closed form, one sine and cosine
        // (exact at constant speed; with acceleration the arc is slightly uneven, which over
        // so short a turn moves the end by millimetres).
        let d = v0 * dt_move + 0.5 * a * dt_move * dt_move;
        let half = turn / 2.0;
        let chord = if half.abs() < 1e-6 {
            d
        } else {
            d * half.sin() / half
        };
        let (s, c) = match heading_sin_cos {
            Some(sc) if half == 0.0 => sc,
            _ => (h0.to_radians() + half).sin_cos(),
        };
        return Point {
            east_m: p.east_m + chord * s,
            north_m: p.north_m + chord * c,
        };
    }
    // Turning: integrate in small steps, exact enough for the seconds that matter, and
    // robust when the turn rate is small.
    let steps = ((dt_move.abs() / 0.1).ceil() as usize).clamp(1, 100);
    let h = dt_move / steps as f64;
    let (mut e, mut n, mut v, mut th) = (p.east_m, p.north_m, v0, h0.to_radians());
    for _ in 0..steps {
        let v_mid = (v + 0.5 * a * h).max(0.0);
        let th_mid = th + 0.5 * omega * h;
        e += v_mid * th_mid.sin() * h;
        n += v_mid * th_mid.cos() * h;
        v = (v + a * h).max(0.0);
        th += omega * h;
    }
    Point {
        east_m: e,
        north_m: n,
    }
}

/// What an update did to the tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// A new track started.
    Created(TrackId),
    /// An existing track took the report.
    Updated(TrackId),
    /// The report was older than the source's latest one and was ignored.
    Stale(TrackId),
    /// The report belongs to a track another shard owns (held here as a mirror): nothing
    /// changed; the report is for that shard.
    Foreign(TrackId),
}

/// What a tile's applications see (or several tiles' at once): the tiles' own tracks, and
/// read-only mirrors of the neighbours' tracks within the mirror margin of their borders.
#[derive(Debug, Clone, Default)]
pub struct TileView<'a> {
    /// The tiles (usually one; several when their scene is built at once).
    pub tiles: Vec<TileId>,
    /// Tracks whose position lies in the tiles.
    pub own: Vec<&'a Track>,
    /// Tracks of neighbouring tiles near the borders.
    pub mirrored: Vec<&'a Track>,
}

/// Every live track, with association and expiry, indexed by tile.
///
/// In a zone cut into shards (see `roadcloud-pipeline`), each shard's `Tracks` owns the
/// tracks of its tiles and holds read-only mirrors of its neighbours' tracks near its
/// tiles: mirrors are seen by [`Tracks::view`] and [`Tracks::near`], and a report that
/// belongs to one is not applied ([`Update::Foreign`]); [`Tracks::iter`], [`Tracks::get`],
/// [`Tracks::by_vehicle`] and [`Tracks::len`] are about the own tracks only.
#[derive(Debug, Default)]
pub struct Tracks {
    config: TrackConfig,
    grid: TileGrid,
    tracks: HashMap<TrackId, Track>,
    by_source: HashMap<SourceKey, TrackId>,
    by_vehicle: HashMap<[u8; 8], TrackId>,
    by_tile: PlaceIndex<TileId>,
    /// The tracks by cells of [`NEAR_CELL_M`]: what lies within a few metres or tens of
    /// metres (misbehaviour's neighbours, association, pseudonym changes) is found among
    /// the tracks of a few cells instead of a tile's hundreds.
    by_cell: PlaceIndex<NearCell>,
    /// Tracks merged into others or forgotten since the last [`Tracks::expire`].
    gone: Vec<TrackId>,
    /// The origin of the tracks started here (see [`TrackId`]).
    origin: u16,
    /// The sequence of the next track started here.
    next_id: u64,
    /// How many of `tracks` are mirrors.
    mirrors: usize,
    /// Whether changes to own tracks are noted for [`Tracks::take_touched`].
    noting: bool,
    /// Own tracks changed (or gone) since the last [`Tracks::take_touched`].
    touched: Vec<TrackId>,
}

impl Tracks {
    /// No tracks yet.
    pub fn new(config: TrackConfig) -> Self {
        Tracks {
            config,
            grid: TileGrid::new(config.tile_size_m),
            ..Tracks::default()
        }
    }

    /// No tracks yet; the tracks started here take ids of `origin` (a shard's number, so
    /// that no two shards ever give one id), and changes to them are noted for
    /// [`Tracks::take_touched`] (what a shard sends its neighbours' mirrors).
    pub fn with_origin(config: TrackConfig, origin: u16) -> Self {
        Tracks {
            origin,
            noting: true,
            ..Tracks::new(config)
        }
    }

    /// The same tracks, whose new ones take ids of `origin` (see [`TrackId`]); changes are
    /// noted only with [`Tracks::with_origin`].
    pub fn starting_ids_at(mut self, origin: u16) -> Self {
        self.origin = origin;
        self
    }

    /// The settings.
    pub fn config(&self) -> &TrackConfig {
        &self.config
    }

    /// The tile grid.
    pub fn grid(&self) -> &TileGrid {
        &self.grid
    }

    /// The live tracks (own, not mirrors).
    pub fn iter(&self) -> impl Iterator<Item = &Track> {
        self.tracks.values().filter(|t| !t.mirror)
    }

    /// An own track by id.
    pub fn get(&self, id: TrackId) -> Option<&Track> {
        self.tracks.get(&id).filter(|t| !t.mirror)
    }

    /// The own track of a vehicle, by its id.
    pub fn by_vehicle(&self, vehicle: [u8; 8]) -> Option<&Track> {
        self.by_vehicle.get(&vehicle).and_then(|id| self.get(*id))
    }

    /// Tiles with at least one track (own or mirror).
    pub fn tiles(&self) -> impl Iterator<Item = TileId> + '_ {
        self.by_tile.keys().copied()
    }

    /// The tracks (own and mirrors) whose position lies in `tile`.
    pub fn in_tile(&self, tile: TileId) -> impl Iterator<Item = &Track> {
        self.by_tile
            .get(&tile)
            .into_iter()
            .flatten()
            .filter_map(|id| self.tracks.get(id))
    }

    /// The tracks (own and mirrors) within `radius_m` of `p` (at their last reported
    /// position).
    pub fn near(&self, p: Point, radius_m: f64) -> impl Iterator<Item = &Track> {
        let (lo, hi) = (
            near_cell(Point {
                east_m: p.east_m - radius_m,
                north_m: p.north_m - radius_m,
            }),
            near_cell(Point {
                east_m: p.east_m + radius_m,
                north_m: p.north_m + radius_m,
            }),
        );
        // A wide search is cheaper by tiles than by a great many cells, most of them empty.
        let by_cells = (hi.0 - lo.0 + 1) * (hi.1 - lo.1 + 1) <= MAX_NEAR_CELLS;
        let cells = by_cells
            .then(|| {
                (lo.1..=hi.1)
                    .flat_map(move |n| (lo.0..=hi.0).map(move |e| (e, n)))
                    .filter_map(|c| self.by_cell.get(&c))
                    .flatten()
                    .filter_map(|id| self.tracks.get(id))
            })
            .into_iter()
            .flatten();
        let tiles = (!by_cells)
            .then(|| {
                self.grid
                    .tiles_near(p, radius_m)
                    .flat_map(move |t| self.in_tile(t))
            })
            .into_iter()
            .flatten();
        cells
            .chain(tiles)
            .filter(move |t| t.position.distance_to(p) <= radius_m)
    }

    /// What `tile`'s applications see: its tracks and the neighbours' near its border.
    pub fn view(&self, tile: TileId) -> TileView<'_> {
        self.view_of(&[tile])
    }

    /// What the applications of several tiles see at once, in one scene: the tiles' own
    /// tracks, and the tracks within the mirror margin of any of them. A participant near
    /// two of the tiles is in the view once, where a view per tile would hold it in each:
    /// the applications' scene is built once for all of them.
    pub fn view_of(&self, tiles: &[TileId]) -> TileView<'_> {
        let margin = self.config.mirror_margin_m;
        let mut view = TileView {
            tiles: tiles.to_vec(),
            ..TileView::default()
        };
        // A mirror lies in a tile of its owner's; one in these tiles (the moment before
        // its owner hands it over) is seen, not evaluated.
        for &t in tiles {
            for track in self.in_tile(t) {
                if track.mirror {
                    view.mirrored.push(track);
                } else {
                    view.own.push(track);
                }
            }
        }
        // The neighbouring tiles the margin reaches, each with the view's tiles it borders
        // (a track there is seen when it lies within the margin of one of those). Bounded so
        // that no configuration overflows the tile numbers; a margin that wide would be
        // millions of tiles to look at anyway.
        let reach = (margin / self.grid.size_m()).ceil().clamp(0.0, 4_096.0) as i32;
        let mut sorted = tiles.to_vec();
        sorted.sort_unstable();
        let mut borders: Vec<(TileId, TileId)> = Vec::new();
        for &t in &sorted {
            for north in t.north - reach..=t.north + reach {
                for east in t.east - reach..=t.east + reach {
                    let n = TileId { east, north };
                    if sorted.binary_search(&n).is_err() && self.by_tile.contains_key(&n) {
                        borders.push((n, t));
                    }
                }
            }
        }
        borders.sort_unstable();
        for group in borders.chunk_by(|a, b| a.0 == b.0) {
            view.mirrored
                .extend(self.in_tile(group[0].0).filter(|track| {
                    group
                        .iter()
                        .any(|&(_, t)| self.grid.within(t, track.position, margin))
                }));
        }
        view
    }

    /// Notes that a track's vehicle reported itself, for the applications: the tile to look
    /// at and when the report came, the first time since they last looked (None after that,
    /// or for a track no vehicle reports).
    pub fn note_report(&mut self, id: TrackId) -> Option<(TileId, Millis)> {
        let t = self.tracks.get_mut(&id)?;
        if t.awaiting_apps || !t.self_reported() {
            return None;
        }
        t.awaiting_apps = true;
        Some((t.tile, t.updated_at))
    }

    /// The applications have looked at these tracks.
    pub fn clear_reports(&mut self, ids: &[TrackId]) {
        for id in ids {
            if let Some(t) = self.tracks.get_mut(id) {
                t.awaiting_apps = false;
            }
        }
    }

    /// Sets the lane a track drives in (lane matching needs MAP, which the tracks do not
    /// hold).
    pub fn set_lane(&mut self, id: TrackId, lane: Option<LaneMatch>) {
        if let Some(t) = self.tracks.get_mut(&id) {
            if let Some(m) = lane.filter(|m| !m.against) {
                t.last_lane = Some(m.lane);
            }
            t.lane = lane;
        }
    }

    /// How many own tracks are live.
    pub fn len(&self) -> usize {
        self.tracks.len() - self.mirrors
    }

    /// How many mirrors of other shards' tracks are held.
    pub fn mirrors(&self) -> usize {
        self.mirrors
    }

    /// Whether no own track is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The own tracks changed or gone since the last call (each once), when changes are
    /// noted (see [`Tracks::with_origin`]).
    pub fn take_touched(&mut self) -> Vec<TrackId> {
        let mut ids = std::mem::take(&mut self.touched);
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn note(&mut self, id: TrackId) {
        if self.noting {
            self.touched.push(id);
        }
    }

    /// Holds `track`, a track another shard owns, as a read-only mirror (replacing an older
    /// copy); ignored if the track is owned here.
    pub fn put_mirror(&mut self, mut track: Track) {
        track.mirror = true;
        // The owner's applications look at it, not this shard's.
        track.awaiting_apps = false;
        let same_ids = match self.tracks.get(&track.id) {
            Some(old) if !old.mirror => return,
            Some(old) => {
                old.vehicle == track.vehicle
                    && old.sources.len() == track.sources.len()
                    && old
                        .sources
                        .iter()
                        .zip(&track.sources)
                        .all(|((a, _), (b, _))| a == b)
            }
            None => false,
        };
        if same_ids && let Some(slot) = self.tracks.get_mut(&track.id) {
            // The common case, a mirror moved on: its ids are filed already, and its place
            // is filed anew only when it changed.
            track.tile = slot.tile;
            track.near_cell = slot.near_cell;
            *slot = track;
            refile(&self.grid, &mut self.by_tile, &mut self.by_cell, slot);
            return;
        }
        self.drop_mirror(track.id);
        self.file(track);
        self.mirrors += 1;
    }

    /// Lets go of the mirror of track `id`; whether there was one.
    pub fn drop_mirror(&mut self, id: TrackId) -> bool {
        if !self.tracks.get(&id).is_some_and(|t| t.mirror) {
            return false;
        }
        self.mirrors -= 1;
        self.take_out(id).is_some()
    }

    /// The mirror of track `id` (another shard's or node's), if one is held here.
    pub fn mirror(&self, id: TrackId) -> Option<&Track> {
        self.tracks.get(&id).filter(|t| t.mirror)
    }

    /// Takes own track `id` out, whole (sources, trail, lane, whether the applications owe it
    /// a look), for the shard its position now lies in ([`Tracks::adopt`]); it is not gone
    /// from the zone, so it is not reported by [`Tracks::expire`].
    pub fn release(&mut self, id: TrackId) -> Option<Track> {
        self.get(id)?;
        self.take_out(id)
    }

    /// Owns `track` from now on, as another shard released it (its mirror here, if any,
    /// gives way).
    pub fn adopt(&mut self, mut track: Track) {
        self.drop_mirror(track.id);
        if self.tracks.contains_key(&track.id) {
            return;
        }
        track.mirror = false;
        let id = track.id;
        self.file(track);
        self.note(id);
    }

    /// Puts a track in the map and every index (its tile and cell from its position; a
    /// mirror takes a vehicle id or an RSU's binding only where no own track holds it).
    fn file(&mut self, mut track: Track) {
        track.tile = self.grid.tile_of(track.position);
        track.near_cell = near_cell(track.position);
        let id = track.id;
        self.by_tile.entry(track.tile).or_default().push(id);
        self.by_cell.entry(track.near_cell).or_default().push(id);
        let own = !track.mirror;
        let tracks = &self.tracks;
        let free = |held: Option<&TrackId>| own || held.is_none_or(|h| !tracks.contains_key(h));
        for (k, _) in &track.sources {
            if matches!(k, SourceKey::Roadside { .. }) && free(self.by_source.get(k)) {
                self.by_source.insert(*k, id);
            }
        }
        if let Some(v) = track.vehicle
            && free(self.by_vehicle.get(&v))
        {
            self.by_vehicle.insert(v, id);
        }
        self.tracks.insert(id, track);
    }

    /// Takes track `id` out of the map and every index.
    fn take_out(&mut self, id: TrackId) -> Option<Track> {
        let t = self.tracks.remove(&id)?;
        self.unfile(&t);
        for (k, _) in &t.sources {
            if self.by_source.get(k) == Some(&id) {
                self.by_source.remove(k);
            }
        }
        if let Some(v) = t.vehicle
            && self.by_vehicle.get(&v) == Some(&id)
        {
            self.by_vehicle.remove(&v);
        }
        Some(t)
    }

    /// Takes one observation.
    pub fn update(&mut self, o: Observation) -> Update {
        let key = SourceKey::of(&o);
        let vehicle = o.vehicle();
        // A vehicle's own reports are found by its id alone; `by_source` holds the roadside
        // sources.
        let bound = match key {
            SourceKey::Vehicle(_) => None,
            SourceKey::Roadside { .. } => self.by_source.get(&key),
        };
        // The indexes only ever name live tracks (expiry and merging keep them so).
        let mut renamed = None;
        let found = bound
            .or_else(|| vehicle.and_then(|v| self.by_vehicle.get(&v)))
            .copied()
            .or_else(|| match key {
                SourceKey::Roadside { .. } => self.nearest_gated(&o, true),
                SourceKey::Vehicle(v) => self.hand_over(v, &o).map(|(id, old)| {
                    renamed = Some(old);
                    id
                }),
            });
        if let Some(id) = found
            && self.tracks.get(&id).is_some_and(|t| t.mirror)
        {
            return Update::Foreign(id);
        }
        if let (Some(id), Some(old)) = (found, renamed) {
            self.drop_old_pseudonym(id, old);
        }
        let id = found.unwrap_or_else(|| {
            let id = TrackId::new(self.origin, self.next_id);
            self.next_id += 1;
            id
        });
        let mut created = false;
        let track = self.tracks.entry(id).or_insert_with(|| {
            created = true;
            let tile = self.grid.tile_of(o.position);
            self.by_tile.entry(tile).or_default().push(id);
            let cell = near_cell(o.position);
            self.by_cell.entry(cell).or_default().push(id);
            Track {
                id,
                vehicle: None,
                kind: o.kind,
                vehicle_class: o.vehicle_class,
                position: o.position,
                motion: o.motion,
                width_m: o.width_m,
                length_m: o.length_m,
                status: o.status,
                at: o.generated_at,
                updated_at: o.received_at,
                sources: Vec::with_capacity(1),
                tile,
                near_cell: cell,
                lane: None,
                last_lane: None,
                awaiting_apps: false,
                trail: Trail::default(),
                accel_history: AccelHistory::default(),
                mirror: false,
            }
        });
        let slot = track.sources.iter().position(|(k, _)| *k == key);
        if let Some(i) = slot
            && track.sources[i].1.generated_at > o.generated_at
        {
            return Update::Stale(id);
        }
        // The indexes change only when a source or a vehicle id joins the track.
        if let Some(v) = vehicle
            && track.vehicle != Some(v)
        {
            track.vehicle = Some(v);
            self.by_vehicle.insert(v, id);
        }
        if slot.is_none() && matches!(key, SourceKey::Roadside { .. }) {
            self.by_source.insert(key, id);
        }
        track.updated_at = track.updated_at.max(o.received_at);
        match slot {
            Some(i) => track.sources[i].1 = o,
            None => track.sources.push((key, o)),
        }
        track.fuse();
        let at = track.position;
        track.trail.push(at);
        if let Some(a) = track.motion.accel_long_mps2 {
            track.accel_history.push(track.at, a);
        }
        let roadside_only = !track.self_reported();
        refile(&self.grid, &mut self.by_tile, &mut self.by_cell, track);
        self.note(id);
        // A roadside-only track may be a participant another track already follows (the
        // RSU saw it before its own BSMs arrived, or before another RSU did): once the two
        // pass the gates, they become one.
        if roadside_only
            && let Some(o) = self.tracks[&id]
                .sources
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, o)| o.clone())
            && let Some(into) = self.nearest_gated(&o, false)
            && self.merge(id, into)
        {
            return Update::Updated(into);
        }
        if created {
            Update::Created(id)
        } else {
            Update::Updated(id)
        }
    }

    /// A vehicle id never seen before may be a known vehicle under a new pseudonym
    /// (YD/T 3957-2021: pseudonym certificates change every few minutes, and the BSM's `id`
    /// with them): the track whose vehicle fell silent just before, and which this first
    /// report continues where the track predicts (within [`HANDOVER_GATE_M`], at its speed
    /// and heading), takes the new id and drops the old one. It stays one participant, with
    /// its history and its advisories. Two vehicles are never that close, so a vehicle that
    /// only appears next to a silent one is not mistaken for it. Returns the track and its
    /// old id (see [`Tracks::drop_old_pseudonym`]); the track may be a mirror.
    fn hand_over(&self, new: [u8; 8], o: &Observation) -> Option<(TrackId, [u8; 8])> {
        let c = &self.config;
        let mut best: Option<(f64, TrackId, [u8; 8])> = None;
        for t in self.near(
            o.position,
            HANDOVER_GATE_M + 60.0 * c.source_ttl_ms as f64 / 1000.0,
        ) {
            let Some(old) = t.vehicle.filter(|v| *v != new) else {
                continue;
            };
            let Some((_, last)) = t
                .sources
                .iter()
                .find(|(k, _)| *k == SourceKey::Vehicle(old))
            else {
                continue;
            };
            let silent_ms = o.generated_at - last.generated_at;
            if !(HANDOVER_MIN_SILENCE_MS..=c.source_ttl_ms).contains(&silent_ms) {
                continue;
            }
            let d = predict(last.position, &last.motion, silent_ms as f64 / 1000.0)
                .distance_to(o.position);
            let speed_ok = match (last.motion.speed_mps, o.motion.speed_mps) {
                (Some(a), Some(b)) => (a - b).abs() <= c.gate_speed_mps,
                _ => false,
            };
            let heading_ok = match (last.motion.heading_deg, o.motion.heading_deg) {
                (Some(a), Some(b)) => angle_between(a, b) <= HANDOVER_GATE_HEADING_DEG,
                _ => o.motion.speed_mps.is_some_and(|v| v < 1.0),
            };
            if d <= HANDOVER_GATE_M && speed_ok && heading_ok && best.is_none_or(|b| d < b.0) {
                best = Some((d, t.id, old));
            }
        }
        best.map(|(_, id, old)| (id, old))
    }

    /// A track that continues under a new pseudonym lets go of the old one.
    fn drop_old_pseudonym(&mut self, id: TrackId, old: [u8; 8]) {
        if let Some(track) = self.tracks.get_mut(&id) {
            track.sources.retain(|(k, _)| *k != SourceKey::Vehicle(old));
            track.vehicle = None;
            self.by_vehicle.remove(&old);
        }
    }

    /// Puts a track in the tile and the cell its position now lies in.
    fn retile(&mut self, id: TrackId) {
        let Some(track) = self.tracks.get_mut(&id) else {
            return;
        };
        refile(&self.grid, &mut self.by_tile, &mut self.by_cell, track);
    }

    /// Moves every source of track `from` into track `into` and drops `from`, unless they
    /// cannot be one participant: an RSU feeds both (it tells its participants apart), or
    /// they carry different vehicle ids.
    fn merge(&mut self, from: TrackId, into: TrackId) -> bool {
        let (Some(a), Some(b)) = (self.tracks.get(&from), self.tracks.get(&into)) else {
            return false;
        };
        let shared_rsu = a.sources.iter().any(|(ka, _)| {
            b.sources.iter().any(|(kb, _)| match (ka, kb) {
                (SourceKey::Roadside { rsu: x, .. }, SourceKey::Roadside { rsu: y, .. }) => x == y,
                _ => false,
            })
        });
        let other_vehicle = matches!((a.vehicle, b.vehicle), (Some(x), Some(y)) if x != y);
        if from == into || shared_rsu || other_vehicle {
            return false;
        }
        let a = self.tracks.remove(&from).expect("present");
        self.unfile(&a);
        for (k, _) in &a.sources {
            if matches!(k, SourceKey::Roadside { .. }) {
                self.by_source.insert(*k, into);
            }
        }
        if let Some(v) = a.vehicle {
            self.by_vehicle.insert(v, into);
        }
        let b = self.tracks.get_mut(&into).expect("present");
        b.vehicle = b.vehicle.or(a.vehicle);
        b.updated_at = b.updated_at.max(a.updated_at);
        b.sources.extend(a.sources);
        b.fuse();
        self.retile(into);
        self.gone.push(from);
        self.note(from);
        self.note(into);
        true
    }

    /// Takes a track that is gone out of the indexes by place.
    fn unfile(&mut self, t: &Track) {
        remove_id(&mut self.by_tile, t.id, t.tile);
        remove_id(&mut self.by_cell, t.id, t.near_cell);
    }

    /// The nearest track a roadside detection passes the gates of (among the mirrors too, or
    /// the own tracks only).
    fn nearest_gated(&self, o: &Observation, mirrors_too: bool) -> Option<TrackId> {
        let c = &self.config;
        // Tracks are found by the tiles around the detection; a track that moved since its
        // last report stays within reach, as the search adds what a fast vehicle covers in
        // the source TTL.
        let reach = c.gate_position_m + 60.0 * c.source_ttl_ms as f64 / 1000.0;
        self.near(o.position, reach)
            .filter(|t| mirrors_too || !t.mirror)
            .filter(|t| compatible(t.kind, o.kind))
            // An RSU never reports one participant twice: skip tracks it already feeds.
            .filter(|t| !t.sources.iter().any(|(k, _)| same_rsu(k, &o.source)))
            .filter_map(|t| {
                let d = t.predict(o.generated_at).distance_to(o.position);
                let speed_ok = match (t.motion.speed_mps, o.motion.speed_mps) {
                    (Some(a), Some(b)) => (a - b).abs() <= c.gate_speed_mps,
                    _ => true,
                };
                let heading_ok = match (t.motion, o.motion) {
                    (
                        Motion {
                            heading_deg: Some(a),
                            speed_mps: Some(va),
                            ..
                        },
                        Motion {
                            heading_deg: Some(b),
                            speed_mps: Some(vb),
                            ..
                        },
                    ) if va > 1.0 && vb > 1.0 => angle_between(a, b) <= c.gate_heading_deg,
                    _ => true,
                };
                (d <= c.gate_position_m && speed_ok && heading_ok).then_some((d, t.id))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, id)| id)
    }

    /// Forgets what a vehicle said of itself (its reports turned out not to be its own: a
    /// signature checked late failed): its self-report leaves its track, and the track goes
    /// if nothing else (an RSU's detection) holds it. Returns the track it was on.
    pub fn forget_vehicle(&mut self, vehicle: [u8; 8]) -> Option<TrackId> {
        let id = self.by_vehicle(vehicle)?.id;
        self.by_vehicle.remove(&vehicle);
        self.note(id);
        let t = self.tracks.get_mut(&id)?;
        t.sources.retain(|(k, _)| *k != SourceKey::Vehicle(vehicle));
        if t.vehicle == Some(vehicle) {
            t.vehicle = None;
        }
        if t.sources.is_empty() {
            if let Some(t) = self.tracks.remove(&id) {
                self.unfile(&t);
            }
            self.by_source.retain(|_, x| *x != id);
            self.gone.push(id);
        } else {
            t.fuse();
            self.retile(id);
        }
        Some(id)
    }

    /// Drops sources silent for longer than the TTL at `now`, and tracks left with none.
    /// Returns the ids of the tracks that are gone: expired, or merged into another or
    /// forgotten since the last call.
    pub fn expire(&mut self, now: Millis) -> Vec<TrackId> {
        let ttl = self.config.source_ttl_ms;
        let merged = std::mem::take(&mut self.gone);
        let mut gone = Vec::new();
        let mut moved = Vec::new();
        // A mirror goes when its owner says so.
        for t in self.tracks.values_mut().filter(|t| !t.mirror) {
            let before = t.sources.len();
            t.sources.retain(|(_, o)| now - o.received_at <= ttl);
            if t.sources.is_empty() {
                gone.push(t.id);
            } else if t.sources.len() != before {
                t.fuse();
                moved.push(t.id);
            }
        }
        for id in moved {
            self.retile(id);
            self.note(id);
        }
        if !gone.is_empty() {
            for id in &gone {
                if let Some(t) = self.tracks.remove(id) {
                    self.unfile(&t);
                }
                self.note(*id);
            }
            let gone_set: std::collections::HashSet<TrackId, foldhash::fast::RandomState> =
                gone.iter().copied().collect();
            self.by_source.retain(|_, id| !gone_set.contains(id));
            self.by_vehicle.retain(|_, id| !gone_set.contains(id));
        }
        gone.extend(merged);
        gone
    }
}

/// The side of [`Tracks::near`]'s cells, metres: a misbehaviour check's few metres fall in
/// one to four cells, association's and a pseudonym change's tens of metres in a handful.
pub const NEAR_CELL_M: f64 = 32.0;

/// A search spanning more cells than this goes by tiles (a default tile of 300 m spans about
/// 90 cells).
const MAX_NEAR_CELLS: i32 = 64;

/// A cell of [`NEAR_CELL_M`] (east, north) in the local frame.
type NearCell = (i32, i32);

fn near_cell(p: Point) -> NearCell {
    (
        (p.east_m / NEAR_CELL_M).floor() as i32,
        (p.north_m / NEAR_CELL_M).floor() as i32,
    )
}

/// Tracks by the place they lie in (a tile, a cell).
type PlaceIndex<K> = std::collections::HashMap<K, Vec<TrackId>, foldhash::fast::RandomState>;

/// Files `track` under the tile and the cell its position now lies in (after its position
/// changed).
fn refile(
    grid: &TileGrid,
    by_tile: &mut PlaceIndex<TileId>,
    by_cell: &mut PlaceIndex<NearCell>,
    track: &mut Track,
) {
    let tile = grid.tile_of(track.position);
    if tile != track.tile {
        let old = std::mem::replace(&mut track.tile, tile);
        move_id(by_tile, track.id, old, tile);
    }
    let cell = near_cell(track.position);
    if cell != track.near_cell {
        let old = std::mem::replace(&mut track.near_cell, cell);
        move_id(by_cell, track.id, old, cell);
    }
}

/// Moves `id` from one key's list to another's in an index of tracks by place.
fn move_id<K: std::hash::Hash + Eq>(index: &mut PlaceIndex<K>, id: TrackId, from: K, to: K) {
    remove_id(index, id, from);
    index.entry(to).or_default().push(id);
}

/// Takes `id` out of `key`'s list in an index of tracks by place (and the list, once empty).
fn remove_id<K: std::hash::Hash + Eq>(index: &mut PlaceIndex<K>, id: TrackId, key: K) {
    if let Some(ids) = index.get_mut(&key) {
        if let Some(i) = ids.iter().position(|x| *x == id) {
            ids.swap_remove(i);
        }
        if ids.is_empty() {
            index.remove(&key);
        }
    }
}

fn same_rsu(k: &SourceKey, s: &ObservationSource) -> bool {
    matches!((k, s), (SourceKey::Roadside { rsu: a, .. }, ObservationSource::Roadside { rsu: b, .. }) if a == b)
}

fn compatible(a: ParticipantKind, b: ParticipantKind) -> bool {
    a == b || a == ParticipantKind::Unknown || b == ParticipantKind::Unknown
}

/// The turn from heading `from_deg` to heading `to_deg`, degrees in [-180, 180), positive
/// clockwise (to the right).
pub fn turn_deg(from_deg: f64, to_deg: f64) -> f64 {
    (to_deg - from_deg + 540.0).rem_euclid(360.0) - 180.0
}

/// The smaller angle between two headings, degrees.
pub fn angle_between(a: f64, b: f64) -> f64 {
    let d = (a - b).abs();
    // Headings lie in [0, 360): the remainder (a division) is needed only for others.
    let d = if d < 360.0 { d } else { d.rem_euclid(360.0) };
    d.min(360.0 - d)
}

#[cfg(test)]
mod tests {
    use super::{AccelHistory, Trail, bounding_box};
    use crate::geo::Point;

    #[test]
    fn a_trail_keeps_the_box_of_its_points() {
        let mut trail = Trail::default();
        assert_eq!(trail.bounds(), None);
        // A zigzag longer than the trail keeps: the first points, the box's west and south
        // edges, are dropped on the way.
        for k in 0..(Trail::POINTS * 2) {
            let p = Point {
                east_m: 5.0 * k as f64,
                north_m: if k % 2 == 0 { -4.0 } else { 4.0 } - k as f64,
            };
            trail.push(p);
            assert_eq!(trail.bounds(), bounding_box(trail.points()), "after {k}");
        }
        let (sw, ne) = trail.bounds().unwrap();
        assert_eq!(sw.east_m, 5.0 * Trail::POINTS as f64);
        assert_eq!(ne.east_m, 5.0 * (2 * Trail::POINTS - 1) as f64);
        // Its serialised form is its points: read back, the box is the same.
        let back: Trail = serde_json::from_str(&serde_json::to_string(&trail).unwrap()).unwrap();
        assert_eq!(back, trail);
    }

    #[test]
    fn a_brake_lasts_from_the_first_braking_report_of_the_latest_run() {
        let mut h = AccelHistory::default();
        assert_eq!(h.braking_for_ms(2.5), None, "no report");
        h.push(1_000, -3.0);
        h.push(1_100, 0.5);
        assert_eq!(h.braking_for_ms(2.5), None, "the latest does not brake");
        h.push(1_200, -2.6);
        assert_eq!(h.braking_for_ms(2.5), Some(0), "one report");
        h.push(1_300, -4.0);
        h.push(1_400, -3.0);
        assert_eq!(h.braking_for_ms(2.5), Some(200));
        assert_eq!(
            h.braking_for_ms(3.5),
            None,
            "the latest is gentler than 3.5"
        );
        // A report no newer than the latest: the same instant replaces it, an older one is
        // left out.
        h.push(1_400, -1.0);
        assert_eq!(h.braking_for_ms(2.5), None);
        h.push(1_350, -5.0);
        assert_eq!(h.braking_for_ms(2.5), None);
        // Only the latest REPORTS count.
        for k in 0..20 {
            h.push(2_000 + k * 100, -3.0);
        }
        let kept = AccelHistory::REPORTS as i64 - 1;
        assert_eq!(h.braking_for_ms(2.5), Some(kept * 100));
    }
}
