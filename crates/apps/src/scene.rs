//! What an application sees: one tile's participants predicted to one instant, with the
//! lanes, signal states and road events around them, and the geometry the scenarios share.

use roadcloud_world::events::{EventKind, RoadEvent};
use roadcloud_world::lanes::{LaneIndex, LaneMatch, LaneRef};
use roadcloud_world::map::{Intersection, Lane, NodeId};
use roadcloud_world::obstacles::Obstacle;
use roadcloud_world::paths::{Meeting, Path, Signal, Start};
use roadcloud_world::requests::ClearTheWay;
use roadcloud_world::signals::{Phase, PhaseStep, SignalState};
use roadcloud_world::tracks::{TileView, angle_between, extend_box, predict_with};
use roadcloud_world::{Millis, ParticipantKind, Point, Track};

/// The maps the pipeline keeps (the same hasher as the world's).
pub type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Who an advisory is about: a vehicle by its id, a participant only roadside units see,
/// or an RSI event or sign.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParticipantId {
    /// A vehicle's 8-octet id.
    Vehicle([u8; 8]),
    /// A track without a vehicle id (`track-N`).
    Track(u64),
    /// An RSI event or sign: its RSU, kind and id there.
    Rsi {
        /// The announcing RSU.
        rsu: [u8; 8],
        /// Sign (true) or event.
        sign: bool,
        /// Its id there.
        id: u8,
    },
    /// An obstacle a sensor reports (SSM, T/CSAE 157-2020): the sensor and its id there.
    Obstacle {
        /// The RSU or vehicle that reports it.
        sensor: [u8; 8],
        /// Its id there (`obsId`).
        id: u16,
    },
}

fn hex(id: &[u8; 8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

impl std::fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParticipantId::Vehicle(v) => f.write_str(&hex(v)),
            ParticipantId::Track(n) => write!(f, "track-{n}"),
            ParticipantId::Rsi { rsu, sign, id } => write!(
                f,
                "{}:{}:{id}",
                if *sign { "sign" } else { "event" },
                hex(rsu)
            ),
            ParticipantId::Obstacle { sensor, id } => write!(f, "obstacle:{}:{id}", hex(sensor)),
        }
    }
}

/// A participant as the applications see it: predicted to the scene's instant.
#[derive(Debug, Clone)]
pub struct SceneParticipant<'a> {
    /// Its track.
    pub track: &'a Track,
    /// Its id.
    pub id: ParticipantId,
    /// Where it is at the scene's instant.
    pub position: Point,
    /// Speed, m/s (0 when unknown).
    pub speed_mps: f64,
    /// Heading at the scene's instant, degrees clockwise from north.
    pub heading_deg: Option<f64>,
    /// Longitudinal acceleration, m/s² (0 when unknown).
    pub accel_mps2: f64,
    /// Its lane, when matched.
    pub lane: Option<LaneMatch>,
    /// Whether it lies in the tile (a mirrored neighbour's participant is seen, never
    /// advised: its own tile does that).
    pub own: bool,
    /// Its heading as a unit vector (east, north), computed once for every comparison.
    dir: Option<(f64, f64)>,
    /// Its path along MAP lanes, computed when an application first asks ([`Scene::path`]).
    path: std::cell::OnceCell<Option<Path>>,
    /// The shape of its trail, computed when [`on_predicted_path`] first asks.
    trail_curve: std::cell::OnceCell<Option<TrailCurve>>,
    /// When the scene's instant is, for prediction.
    now: Millis,
    /// Its index in the scene's `participants`.
    index: u32,
}

impl SceneParticipant<'_> {
    /// The vehicle an advisory about it can go to: a motor vehicle of this tile that reports
    /// itself (only those have a downlink; the Day-1 scenarios advise drivers, and a
    /// pedestrian's or cyclist's own messages, PSM, make them seen, not advised).
    pub fn target(&self) -> Option<[u8; 8]> {
        (self.own && self.is_vehicle() && self.track.self_reported())
            .then_some(self.track.vehicle)
            .flatten()
    }

    /// Where it will be `dt_s` seconds after the scene's instant.
    pub fn predict(&self, dt_s: f64) -> Point {
        self.track
            .predict(self.now + (dt_s * 1000.0).round() as Millis)
    }

    /// Whether it is a motor vehicle.
    pub fn is_vehicle(&self) -> bool {
        self.track.kind == ParticipantKind::Vehicle
    }

    /// Whether it is a pedestrian or a cyclist.
    pub fn is_vulnerable(&self) -> bool {
        matches!(
            self.track.kind,
            ParticipantKind::Pedestrian | ParticipantKind::Cyclist
        )
    }

    /// Its length, metres (a passenger car's 4.5 m when unknown).
    pub fn length_m(&self) -> f64 {
        self.track.length_m.unwrap_or(4.5)
    }

    /// Its width, metres (1.8 m when unknown).
    pub fn width_m(&self) -> f64 {
        self.track.width_m.unwrap_or(1.8)
    }

    /// The turn signal it shows (DE_ExteriorLights): None for none, and for both at once,
    /// hazard lights, which say nothing of the way.
    pub fn turn_signal(&self) -> Option<Signal> {
        let status = self.track.status;
        match (status.left_turn_signal, status.right_turn_signal) {
            (true, false) => Some(Signal::Left),
            (false, true) => Some(Signal::Right),
            _ => None,
        }
    }

    /// The cosine of the angle between its heading and `other`'s (1 same direction, -1
    /// oncoming), without trigonometry; None when either has no heading.
    pub fn heading_cos(&self, other: &SceneParticipant) -> Option<f64> {
        cos_between(self.dir, other.dir)
    }

    /// The other participant as an advisory names it.
    pub fn as_other(&self) -> crate::Other {
        crate::Other {
            id: self.id.clone(),
            kind: self.track.kind.as_str(),
            position: self.position,
        }
    }
}

/// Where `rv` is seen from `hv`: metres ahead along `hv`'s heading, metres to its right,
/// and the angle between their headings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relative {
    /// Metres ahead (negative: behind).
    pub ahead_m: f64,
    /// Metres to the right (negative: left).
    pub right_m: f64,
    /// Degrees between the headings (0: same direction, 180: oncoming); 0 when `rv` has
    /// none.
    pub heading_diff_deg: f64,
}

/// `rv` in `hv`'s frame; None when `hv` has no heading.
pub fn relative(hv: &SceneParticipant, rv: &SceneParticipant) -> Option<Relative> {
    let (s, c) = hv.dir?;
    let (de, dn) = (
        rv.position.east_m - hv.position.east_m,
        rv.position.north_m - hv.position.north_m,
    );
    Some(Relative {
        ahead_m: de * s + dn * c,
        right_m: de * c - dn * s,
        heading_diff_deg: rv
            .heading_deg
            .map_or(0.0, |r| angle_between(hv.heading_deg.unwrap_or(r), r)),
    })
}

/// The participants of `selected` other than `hv` within `range_m` of it.
pub fn near<'s, 'a>(
    hv: &'s SceneParticipant<'a>,
    selected: &'s [&'s SceneParticipant<'a>],
    range_m: f64,
) -> impl Iterator<Item = &'s SceneParticipant<'a>> {
    let r2 = range_m * range_m;
    selected
        .iter()
        .copied()
        .filter(move |p| p.track.id != hv.track.id && p.position.distance2_to(hv.position) <= r2)
}

/// Whether `rv` drives in `hv`'s lane as far as the two vehicles alone tell (without MAP's
/// connections: [`Scene::gap_ahead`] adds them): when MAP matches both to the same lane.
/// Where MAP does not tell (either is off MAP's lanes, or they are on different links, as
/// on both sides of a node), `rv` is in the lane when `hv` is on the path `rv` took
/// ([`on_path_of`]): the applications do not guess a vehicle ahead from headings alone; or
/// `rv` is on the path `hv`'s own trail says it is on ([`on_predicted_path`]: a stopped
/// vehicle has no path to offer). When neither path reaches, the evidence is too weak and
/// the answer is no. `path_tolerance_m` is how far from a path a vehicle may be.
fn in_lane_by_paths(hv: &SceneParticipant, rv: &SceneParticipant, path_tolerance_m: f64) -> bool {
    match (&hv.lane, &rv.lane) {
        (Some(a), Some(b)) if a.lane == b.lane => true,
        // Side by side on one link: another lane.
        (Some(a), Some(b)) if a.lane.node == b.lane.node && a.lane.upstream == b.lane.upstream => {
            false
        }
        _ => {
            on_path_of(hv.position, rv, path_tolerance_m)
                || on_predicted_path(hv, rv.position, path_tolerance_m)
        }
    }
}

/// The cosine of the angle between two headings given as unit vectors (east, north); None
/// when either is missing.
fn cos_between(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<f64> {
    let ((s1, c1), (s2, c2)) = (a?, b?);
    Some(s1 * s2 + c1 * c2)
}

/// The bumper-to-bumper gap, metres, from `hv` to a participant at `position` heading `dir`
/// (east, north) `length_m` long, when that is ahead along `hv`'s heading, its rear ahead of
/// `hv`'s front (a vehicle beside the host, mid lane change, is not ahead of it), heading
/// within 30 degrees of it (one without a heading is taken to go the same way); None
/// otherwise, and when `hv` has no heading.
fn gap_by_geometry(
    hv: &SceneParticipant,
    position: Point,
    dir: Option<(f64, f64)>,
    length_m: f64,
) -> Option<f64> {
    let (s, c) = hv.dir?;
    let (de, dn) = (
        position.east_m - hv.position.east_m,
        position.north_m - hv.position.north_m,
    );
    let ahead_m = de * s + dn * c;
    if ahead_m <= 0.0 || cos_between(hv.dir, dir).is_some_and(|cos| cos < COS_30) {
        return None;
    }
    let gap_m = ahead_m - (hv.length_m() + length_m) / 2.0;
    (gap_m > 0.0).then_some(gap_m)
}

/// How many lanes on [`Scene::gap_ahead`] follows MAP's connections from the host's lane to
/// find the other's: a road section's link and the next one or two, more than the 150 m
/// the applications look ahead on all but the shortest links.
pub const CONNECTION_HOPS: usize = 3;

/// Whether `p` lies on the path `hv` is on: its own trail's curvature carried forward from
/// where it is, within `tolerance_m`, at most [`PATH_REACH`] times as far ahead as the trail
/// reaches back (the history is the evidence of the road's shape; it tells little beyond
/// its own length). A trail shorter than [`MIN_PATH_M`] tells nothing.
pub fn on_predicted_path(hv: &SceneParticipant, p: Point, tolerance_m: f64) -> bool {
    // Called for every pair a scene compares: the trail's shape is worked out once per
    // participant and scene.
    let Some(c) = hv.trail_curve.get_or_init(|| TrailCurve::of(hv)) else {
        return false;
    };
    // `p` in the frame of the trail's end: metres ahead along its last heading and right.
    let (de, dn) = (
        p.east_m - hv.position.east_m,
        p.north_m - hv.position.north_m,
    );
    let ahead = de * c.sin + dn * c.cos;
    let right = de * c.cos - dn * c.sin;
    // Clockwise (positive) curvature bends the path to the right: y = k x² / 2.
    ahead > 0.0
        && ahead <= c.reach_m
        && (right - c.curvature * ahead * ahead / 2.0).abs() <= tolerance_m
}

/// The shape of a participant's trail that [`on_predicted_path`] carries forward.
#[derive(Debug, Clone, Copy)]
struct TrailCurve {
    /// Sine and cosine of the trail's last heading (its last segment's).
    sin: f64,
    cos: f64,
    /// Radians per metre, clockwise positive: the turn from the trail's first segment's
    /// heading to its last's over its length.
    curvature: f64,
    /// How far ahead the path is carried, metres.
    reach_m: f64,
}

impl TrailCurve {
    /// The shape of `v`'s trail; None when it is too short to tell anything.
    fn of(v: &SceneParticipant) -> Option<TrailCurve> {
        // Read the trail in place, not into a copy.
        let trail = &v.track.trail;
        let n = trail.len();
        let (first, second, before_last, last) = (
            trail.get(0)?,
            trail.get(1)?,
            trail.get(n.wrapping_sub(2))?,
            trail.get(n.wrapping_sub(1))?,
        );
        let length_m: f64 = trail
            .points()
            .zip(trail.points().skip(1))
            .map(|(a, b)| a.distance_to(b))
            .sum();
        if length_m < MIN_PATH_M || n < 3 {
            return None;
        }
        // Headings of the trail's first and last segments, and the curvature between them.
        let bearing = |a: Point, b: Point| (b.east_m - a.east_m).atan2(b.north_m - a.north_m);
        let h0 = bearing(first, second);
        let h1 = bearing(before_last, last);
        let turn = (h1 - h0 + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
            - std::f64::consts::PI;
        let (sin, cos) = h1.sin_cos();
        Some(TrailCurve {
            sin,
            cos,
            curvature: turn / length_m,
            reach_m: PATH_REACH * length_m,
        })
    }
}

/// The shortest trail that says where a vehicle's road goes, metres.
pub const MIN_PATH_M: f64 = 20.0;
/// How many times its own length a trail is carried forward.
pub const PATH_REACH: f64 = 2.0;

/// Whether `p` lies on the path `rv` took to where it is now (its [`Trail`], then its
/// position): within `tolerance_m` of it, beside a segment of it rather than beyond its
/// oldest end (a path that does not reach back to `p` says nothing about it).
///
/// [`Trail`]: roadcloud_world::Trail
pub fn on_path_of(p: Point, rv: &SceneParticipant, tolerance_m: f64) -> bool {
    let path = || rv.track.trail.points().chain(std::iter::once(rv.position));
    let (sw, ne) = match rv.track.trail.bounds() {
        Some(b) => extend_box(b, rv.position),
        None => (rv.position, rv.position),
    };
    if p.east_m < sw.east_m - tolerance_m
        || p.east_m > ne.east_m + tolerance_m
        || p.north_m < sw.north_m - tolerance_m
        || p.north_m > ne.north_m + tolerance_m
    {
        return false;
    }
    path().zip(path().skip(1)).any(|(a, b)| {
        let (de, dn) = (b.east_m - a.east_m, b.north_m - a.north_m);
        let len2 = de * de + dn * dn;
        if len2 == 0.0 {
            return false;
        }
        let t = ((p.east_m - a.east_m) * de + (p.north_m - a.north_m) * dn) / len2;
        if !(0.0..=1.0).contains(&t) {
            return false;
        }
        let foot = Point {
            east_m: a.east_m + t * de,
            north_m: a.north_m + t * dn,
        };
        foot.distance2_to(p) <= tolerance_m * tolerance_m
    })
}

/// cos 30 degrees: the heading gate of "the same direction".
const COS_30: f64 = 0.866_025_403_784_438_6;

/// Whether `v` brakes (harder than 0.5 m/s²) hard enough to stop within `s_m`.
pub fn braking_short_of(v: &SceneParticipant, s_m: f64) -> bool {
    let speed = v.speed_mps.max(0.1);
    v.accel_mps2 < -0.5 && speed * speed / (2.0 * -v.accel_mps2) < s_m
}

/// When a follower closes a `gap_m` to a leader, seconds, within `horizon_s`: both move on
/// with their speeds and accelerations, and a braking participant stops rather than reverses
/// (the enhanced time to collision, which unlike gap over closing speed sees a leader brake).
pub fn time_to_close(
    gap_m: f64,
    follower: (f64, f64),
    leader: (f64, f64),
    horizon_s: f64,
) -> Option<f64> {
    if gap_m <= 0.0 {
        return Some(0.0);
    }
    let travelled = |(v, a): (f64, f64), t: f64| {
        // Distance covered in t with v, a, stopping at 0.
        let t_stop = if a < 0.0 { v / -a } else { f64::INFINITY };
        let t = t.min(t_stop);
        v * t + 0.5 * a * t * t
    };
    let step = 0.05;
    let steps = (horizon_s / step).ceil() as usize;
    (1..=steps)
        .map(|i| i as f64 * step)
        .find(|&t| gap_m + travelled(leader, t) - travelled(follower, t) <= 0.0)
}

/// Seconds to cover `d` metres from speed `v` with acceleration `a` (None if it stops first).
pub fn time_to_cover(d: f64, v: f64, a: f64) -> Option<f64> {
    if d <= 0.0 {
        return Some(0.0);
    }
    if a.abs() < 1e-6 {
        return (v > 0.0).then(|| d / v);
    }
    let disc = v * v + 2.0 * a * d;
    (disc >= 0.0).then(|| (-v + disc.sqrt()) / a)
}

/// When two participants come closest within `horizon_s` (each moving on with its speed,
/// acceleration and yaw rate), and how close, metres: (seconds from now, distance).
pub fn closest_approach(
    a: &SceneParticipant,
    b: &SceneParticipant,
    horizon_s: f64,
    step_s: f64,
) -> (f64, f64) {
    let steps = (horizon_s / step_s).ceil().max(0.0) as usize;
    (0..=steps)
        .map(|i| {
            let t = i as f64 * step_s;
            (t, a.predict(t).distance_to(b.predict(t)))
        })
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .unwrap_or((0.0, a.position.distance_to(b.position)))
}

/// Distance from `p` to a polyline, metres.
pub fn distance_to_polyline(p: Point, line: &[Point]) -> f64 {
    match line {
        [] => f64::INFINITY,
        [only] => only.distance_to(p),
        _ => line
            .windows(2)
            .map(|w| distance_to_segment(p, w[0], w[1]))
            .fold(f64::INFINITY, f64::min),
    }
}

fn distance_to_segment(p: Point, a: Point, b: Point) -> f64 {
    let (de, dn) = (b.east_m - a.east_m, b.north_m - a.north_m);
    let len2 = de * de + dn * dn;
    if len2 == 0.0 {
        return a.distance_to(p);
    }
    let t = (((p.east_m - a.east_m) * de + (p.north_m - a.north_m) * dn) / len2).clamp(0.0, 1.0);
    p.distance_to(Point {
        east_m: a.east_m + t * de,
        north_m: a.north_m + t * dn,
    })
}

/// Whether a participant at `p` heading `heading_deg` lies in an RSI event's or sign's zone:
/// within its radius of its position, or within the half width of one of its reference paths
/// while travelling along it (a reference path runs in the direction of the traffic it is
/// for, DF_ReferencePath; heading within 90 degrees of the path's nearest segment).
pub fn in_zone(e: &RoadEvent, p: Point, heading_deg: Option<f64>) -> bool {
    e.radius_m.is_some_and(|r| e.position.distance_to(p) <= r)
        || e.paths.iter().any(|(line, half)| {
            // The nearest segment, found once: its distance is the path's, and its direction
            // the one to travel along.
            let nearest = line
                .windows(2)
                .map(|w| (distance_to_segment(p, w[0], w[1]), w))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let (distance, along) = match nearest {
                Some((d, w)) => {
                    let dir = w[0].heading_to_deg(w[1]);
                    (d, heading_deg.is_none_or(|h| angle_between(h, dir) <= 90.0))
                }
                // A path of one point: its distance, in no direction.
                None => (distance_to_polyline(p, line), true),
            };
            along && distance <= *half
        })
}

/// How far ahead along its heading `hv` enters `e`'s zone, metres, looking `range_m` ahead in
/// steps of `step_m`; 0 when it is inside already.
pub fn distance_to_zone(
    hv: &SceneParticipant,
    e: &RoadEvent,
    range_m: f64,
    step_m: f64,
) -> Option<f64> {
    let h = hv.heading_deg.unwrap_or(0.0).to_radians();
    let steps = (range_m / step_m).ceil() as usize;
    (0..=steps).map(|i| i as f64 * step_m).find(|d| {
        in_zone(
            e,
            Point {
                east_m: hv.position.east_m + d * h.sin(),
                north_m: hv.position.north_m + d * h.cos(),
            },
            hv.heading_deg,
        )
    })
}

/// What the neighbour searches ([`Scene::around_where`]) test a participant by before
/// reading it: its [`SceneParticipant`]'s position, heading, speed, length and kind, kept
/// in one small array (a tile's participants fill hundreds of cache lines, their briefs a
/// few, and most neighbours a search passes over are turned away).
#[derive(Debug, Clone, Copy)]
pub struct Brief {
    /// Its index in the scene's `participants`.
    pub index: u32,
    /// As [`SceneParticipant::position`].
    pub position: Point,
    /// As [`SceneParticipant::speed_mps`].
    pub speed_mps: f64,
    /// As [`SceneParticipant::length_m`].
    pub length_m: f64,
    /// Its heading as a unit vector (east, north).
    dir: Option<(f64, f64)>,
    /// What kind of road user it is.
    pub kind: ParticipantKind,
    /// Whether [`Scene::path`] can give it a path: only where MAP places it (in its lane's
    /// direction), or placed it last (a vehicle that left its lane into the junction).
    pub may_have_path: bool,
    /// The sector of the axis it moves along ([`axis_sector`]), for
    /// [`Scene::around_across`]; None for one a search must always see (no heading, or a
    /// MAP path that may turn it).
    axis_sector: Option<u8>,
}

impl Brief {
    fn of(v: &SceneParticipant) -> Brief {
        let may_have_path = path_start(v).is_some();
        Brief {
            index: v.index,
            position: v.position,
            speed_mps: v.speed_mps,
            length_m: v.length_m(),
            dir: v.dir,
            kind: v.track.kind,
            may_have_path,
            axis_sector: v.dir.filter(|_| !may_have_path).map(axis_sector),
        }
    }

    /// Whether it is a motor vehicle.
    pub fn is_vehicle(&self) -> bool {
        self.kind == ParticipantKind::Vehicle
    }

    /// As [`SceneParticipant::heading_cos`], between `hv` and this participant.
    pub fn heading_cos(&self, hv: &SceneParticipant) -> Option<f64> {
        cos_between(hv.dir, self.dir)
    }

    /// The bumper-to-bumper gap, metres, when this participant is ahead of `hv` along its
    /// heading (its rear ahead of `hv`'s front) and heads within 30 degrees of it (one
    /// without a heading is taken to go the same way); None otherwise. The geometric half of
    /// [`Scene::gap_ahead`], which also asks whether the two are in one lane.
    pub fn gap_ahead_of(&self, hv: &SceneParticipant) -> Option<f64> {
        gap_by_geometry(hv, self.position, self.dir, self.length_m)
    }
}

/// One tile's world at one instant, as every application sees it.
pub struct Scene<'a> {
    /// The instant every participant is predicted to, ms since the epoch.
    pub now: Millis,
    /// The participants: the tile's own, then its neighbours' near the border.
    pub participants: Vec<SceneParticipant<'a>>,
    /// Lanes, for matching positions.
    pub lanes: &'a LaneIndex,
    /// Intersections from MAP.
    pub intersections: &'a Map<NodeId, Intersection>,
    /// Signal state from SPAT.
    pub signals: &'a Map<NodeId, SignalState>,
    /// RSI events and signs in force.
    pub events: Vec<&'a RoadEvent>,
    /// The lanes emergency vehicles asked to have cleared (`Req-ClearTheWay`).
    pub clear_the_way: &'a [ClearTheWay],
    /// The obstacles sensors report on the road (SSM's `DetectedObstacleList`).
    pub obstacles: Vec<&'a Obstacle>,
    /// The participants that may be advised this time (indexes into `participants`; those
    /// that do not report themselves are passed over when read).
    targets: Vec<u32>,
    /// Participants by cell, for neighbour searches.
    grid: Grid,
}

/// How many sectors [`axis_sector`] divides the axes of headings into (a heading and its opposite
/// share an axis): 30 degrees each.
const AXIS_SECTORS: usize = 6;
/// The width of an axis sector, degrees.
const AXIS_SECTOR_DEG: f64 = 180.0 / AXIS_SECTORS as f64;

/// The axis sector of a heading given as its unit vector (east, north): 0 for within 15
/// degrees of north-south, then 30-degree sectors clockwise. Without trigonometry: the
/// sectors' borders are at tangents 0.268 (15 degrees), 1 (45) and 3.732 (75).
fn axis_sector((s, c): (f64, f64)) -> u8 {
    // The axis, folded onto the northern half: (s, c) and (-s, -c) share one.
    let (s, c) = if c < 0.0 { (-s, -c) } else { (s, c) };
    const TAN_15: f64 = 0.267_949_192_431_122_7;
    const TAN_75: f64 = 3.732_050_807_568_877;
    let (a, east) = (s.abs(), s > 0.0);
    if a <= TAN_15 * c {
        0
    } else if a <= c {
        if east { 1 } else { 5 }
    } else if a <= TAN_75 * c {
        if east { 2 } else { 4 }
    } else {
        3
    }
}

/// Two vehicles' times at the place where their paths meet ([`Path::meets`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeetingTimes {
    /// When the first of them would be in the conflict area while the other is too: the time
    /// to collision, seconds (0 when both are in it already).
    pub ttc_s: f64,
    /// When the host's front reaches the conflict area, seconds.
    pub host_arrives_s: f64,
    /// When the other's front reaches it, seconds.
    pub other_arrives_s: f64,
}

/// When `hv` and `rv`, driving on at their present speeds along paths that meet at `m`
/// (`m.s_m` along the host's), would be in the conflict area together: each occupies it from
/// when its front reaches it to when its rear has left it, the area being as long as the
/// other is wide at a crossing and as long as the other at a merge. This is the prediction
/// SUMO's SSM makes for crossing and merging conflicts (constant speeds along the vehicles'
/// routes). `margin_s` widens both occupancies, for what the prediction cannot know (the
/// speed's noise, a driver's hesitation). None when one will have left before the other
/// arrives.
pub fn meeting_times(
    hv: &SceneParticipant,
    rv: &SceneParticipant,
    m: &Meeting,
    margin_s: f64,
) -> Option<MeetingTimes> {
    let occupies = |v: &SceneParticipant, s_m: f64, other: &SceneParticipant| {
        let speed = v.speed_mps.max(0.1);
        let reach = v.length_m() / 2.0
            + if m.merge {
                other.length_m() / 2.0
            } else {
                other.width_m() / 2.0
            };
        ((s_m - reach) / speed, (s_m + reach) / speed)
    };
    let (a0, a1) = occupies(hv, m.s_m, rv);
    let (b0, b1) = occupies(rv, m.other_s_m, hv);
    if a0 > b1 + margin_s || b0 > a1 + margin_s {
        return None;
    }
    Some(MeetingTimes {
        ttc_s: a0.max(b0).max(0.0),
        host_arrives_s: a0.max(0.0),
        other_arrives_s: b0.max(0.0),
    })
}

/// How far ahead in time a predicted path reaches, seconds: the longest horizon of the
/// applications that use paths.
pub const PATH_HORIZON_S: f64 = 8.0;
/// The shortest predicted path, metres: a slow vehicle's still reaches across its junction.
pub const PATH_MIN_M: f64 = 40.0;

/// Side of the cells of the scene's neighbour index, metres.
const CELL_M: f64 = 50.0;

fn cell_of(p: Point) -> (i32, i32) {
    (
        (p.east_m / CELL_M).floor() as i32,
        (p.north_m / CELL_M).floor() as i32,
    )
}

/// The participants' briefs sorted by cell (row by row), with where each cell starts: a
/// row's cells are one slice, so a search walks a few slices and hashes nothing.
#[derive(Debug, Default)]
struct Grid {
    /// The south-west cell.
    origin: (i32, i32),
    /// Cells east-west and north-south.
    size: (i32, i32),
    /// `starts[c]..starts[c + 1]` is cell c's part of `briefs`.
    starts: Vec<u32>,
    /// The participants' briefs sorted by cell: a search reads one contiguous array, not each
    /// participant.
    briefs: Vec<Brief>,
}

impl Grid {
    /// Cells in either direction at most; a scene spread wider gets coarser cells' worth of
    /// candidates, never an unbounded grid.
    const MAX_SIDE: i32 = 256;

    fn new(briefs: Vec<Brief>) -> Grid {
        let cells: Vec<(i32, i32)> = briefs.iter().map(|b| cell_of(b.position)).collect();
        let Some(&first) = cells.first() else {
            return Grid::default();
        };
        let (mut lo, mut hi) = (first, first);
        for &(e, n) in &cells {
            lo = (lo.0.min(e), lo.1.min(n));
            hi = (hi.0.max(e), hi.1.max(n));
        }
        let size = (
            (hi.0 - lo.0 + 1).min(Self::MAX_SIDE),
            (hi.1 - lo.1 + 1).min(Self::MAX_SIDE),
        );
        let index = |(e, n): (i32, i32)| {
            let x = (e - lo.0).clamp(0, size.0 - 1);
            let y = (n - lo.1).clamp(0, size.1 - 1);
            (y * size.0 + x) as usize
        };
        let mut starts = vec![0u32; (size.0 * size.1) as usize + 1];
        for &c in &cells {
            starts[index(c) + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; cells.len()];
        for (i, &c) in cells.iter().enumerate() {
            let k = index(c);
            order[next[k] as usize] = i as u32;
            next[k] += 1;
        }
        let briefs = order.iter().map(|&i| briefs[i as usize]).collect();
        Grid {
            origin: lo,
            size,
            starts,
            briefs,
        }
    }

    /// The briefs within `range_m` of `center`, cell row by cell row.
    fn near(&self, center: Point, range_m: f64) -> Near<'_> {
        self.near_in(center, range_m, (-range_m, -range_m), (range_m, range_m))
    }

    /// The briefs within `range_m` of `center` in the cells that the box from `center` +
    /// `sw` to `center` + `ne` (east and north offsets, metres) touches, cell row by cell row.
    fn near_in(&self, center: Point, range_m: f64, sw: (f64, f64), ne: (f64, f64)) -> Near<'_> {
        let (lo, hi) = (
            cell_of(Point {
                east_m: center.east_m + sw.0,
                north_m: center.north_m + sw.1,
            }),
            cell_of(Point {
                east_m: center.east_m + ne.0,
                north_m: center.north_m + ne.1,
            }),
        );
        // Clamped as the participants were: a query beyond the grid still reaches the
        // border cells that hold whatever lies beyond.
        let (w, h) = self.size;
        let (o0, o1) = self.origin;
        let (x0, x1, y0, y1) = if w > 0 && h > 0 {
            (
                (lo.0 - o0).clamp(0, w - 1),
                (hi.0 - o0).clamp(0, w - 1),
                (lo.1 - o1).clamp(0, h - 1),
                (hi.1 - o1).clamp(0, h - 1),
            )
        } else {
            (0, -1, 0, -1)
        };
        Near {
            grid: self,
            center,
            r2: range_m * range_m,
            rows: if x0 <= x1 { y0..y1 + 1 } else { 0..0 },
            columns: (x0, x1),
            row: [].iter(),
        }
    }
}

/// The briefs of [`Grid::near_in`]: a row's cells at a time, each brief tested for its
/// distance.
struct Near<'g> {
    grid: &'g Grid,
    center: Point,
    r2: f64,
    /// The cell rows still to search.
    rows: std::ops::Range<i32>,
    /// The first and last cell of each row searched.
    columns: (i32, i32),
    /// What is left of the row being searched.
    row: std::slice::Iter<'g, Brief>,
}

impl<'g> Iterator for Near<'g> {
    type Item = &'g Brief;

    fn next(&mut self) -> Option<&'g Brief> {
        loop {
            for b in self.row.by_ref() {
                if b.position.distance2_to(self.center) <= self.r2 {
                    return Some(b);
                }
            }
            let y = self.rows.next()?;
            let w = self.grid.size.0;
            let a = self.grid.starts[(y * w + self.columns.0) as usize] as usize;
            let b = self.grid.starts[(y * w + self.columns.1) as usize + 1] as usize;
            self.row = self.grid.briefs[a..b].iter();
        }
    }
}

impl<'a> Scene<'a> {
    /// The scene of a tile view at `now`.
    pub fn new(
        now: Millis,
        view: &TileView<'a>,
        lanes: &'a LaneIndex,
        intersections: &'a Map<NodeId, Intersection>,
        signals: &'a Map<NodeId, SignalState>,
        events: impl IntoIterator<Item = &'a RoadEvent>,
    ) -> Self {
        let own = view.own.iter().map(|t| (t, true));
        let mirrored = view.mirrored.iter().map(|t| (t, false));
        let participants: Vec<SceneParticipant<'a>> = own
            .chain(mirrored)
            .enumerate()
            .map(|(i, (t, own))| participant(t, own, now, i as u32))
            .collect();
        let grid = Grid::new(participants.iter().map(Brief::of).collect());
        // The candidates: the own vehicles (they come first). Whether one reports itself
        // (reading its sources) is asked of those kept ([`Scene::targets_indexed`]).
        let targets = (0..view.own.len() as u32)
            .filter(|&i| participants[i as usize].is_vehicle())
            .collect();
        Scene {
            now,
            participants,
            targets,
            grid,
            lanes,
            intersections,
            signals,
            events: events
                .into_iter()
                .filter(|e| e.start.is_none_or(|s| s <= now) && e.end.is_none_or(|x| x > now))
                .collect(),
            clear_the_way: &[],
            obstacles: Vec::new(),
        }
    }

    /// With the obstacles sensors report.
    pub fn with_obstacles(mut self, obstacles: impl IntoIterator<Item = &'a Obstacle>) -> Self {
        self.obstacles = obstacles.into_iter().collect();
        self
    }

    /// With the lanes emergency vehicles asked to have cleared.
    pub fn with_clear_the_way(mut self, lanes: &'a [ClearTheWay]) -> Self {
        self.clear_the_way = lanes;
        self
    }

    /// Advises only the vehicles for which `keep` holds (e.g. those whose own report woke
    /// the applications: the others were advised when they last reported).
    pub fn only_targets(mut self, keep: impl Fn(&Track) -> bool) -> Self {
        let participants = &self.participants;
        self.targets.retain(|&i| {
            let p = &participants[i as usize];
            keep(p.track) && p.target().is_some()
        });
        self
    }

    /// The participants an advisory goes to this time, with their vehicle ids.
    pub fn targets(&self) -> impl Iterator<Item = (&SceneParticipant<'a>, [u8; 8])> {
        self.targets_indexed().map(|(_, p, id)| (p, id))
    }

    /// As [`targets`](Self::targets), each with its index in `participants` (for what an
    /// application works out once per participant).
    pub fn targets_indexed(&self) -> impl Iterator<Item = (usize, &SceneParticipant<'a>, [u8; 8])> {
        self.targets.iter().filter_map(|&i| {
            let p = &self.participants[i as usize];
            p.target().map(|id| (i as usize, p, id))
        })
    }

    /// The participants other than `hv` within `range_m` of it whose [`Brief`] `keep` holds
    /// for: a search reads only the briefs of those it passes over.
    pub fn around_where<'s>(
        &'s self,
        hv: &'s SceneParticipant<'a>,
        range_m: f64,
        keep: impl Fn(&Brief) -> bool + 's,
    ) -> impl Iterator<Item = &'s SceneParticipant<'a>> {
        self.around_indexed_where(hv, range_m, keep).map(|(_, p)| p)
    }

    /// As [`around_where`](Self::around_where), each with its index in `participants`.
    pub fn around_indexed_where<'s>(
        &'s self,
        hv: &'s SceneParticipant<'a>,
        range_m: f64,
        keep: impl Fn(&Brief) -> bool + 's,
    ) -> impl Iterator<Item = (usize, &'s SceneParticipant<'a>)> {
        self.grid
            .near(hv.position, range_m)
            .filter(move |b| b.index != hv.index && keep(b))
            .map(|b| (b.index as usize, &self.participants[b.index as usize]))
    }

    /// What [`around_indexed_where`](Self::around_indexed_where) gives, in its order, less
    /// some participants that move along `hv`'s axis (the same way or the opposite way)
    /// within `skip_along_deg` degrees and that MAP places on no path (which might turn
    /// them): what a search for crossing traffic never wants. It leaves out those in the
    /// host's 30-degree sector of axes (north-south within 15 degrees, then every 30
    /// degrees) when `skip_along_deg` is over 31 degrees, and none otherwise; the caller
    /// still tests those it gets.
    pub fn around_across<'s>(
        &'s self,
        hv: &'s SceneParticipant<'a>,
        range_m: f64,
        skip_along_deg: Option<f64>,
        keep: impl Fn(&Brief) -> bool + 's,
    ) -> impl Iterator<Item = (usize, &'s SceneParticipant<'a>)> {
        let own_sector = hv
            .dir
            .filter(|_| skip_along_deg.is_some_and(|d| d > AXIS_SECTOR_DEG + 1.0))
            .map(axis_sector);
        // A search of the cells around the host, its sector's briefs passed over: the
        // briefs carry their sectors, so a scene of many tiles costs a host no more than a
        // scene of one.
        self.around_indexed_where(hv, range_m, move |b| {
            (own_sector.is_none() || b.axis_sector != own_sector) && keep(b)
        })
    }

    /// The participants for which `keep` holds: for conditions that are rare (an emergency
    /// vehicle, a skid, a hard brake), one pass over the scene and then only these are
    /// compared with each vehicle, not every neighbour of every vehicle.
    pub fn select(
        &self,
        keep: impl Fn(&SceneParticipant<'a>) -> bool,
    ) -> Vec<&SceneParticipant<'a>> {
        self.participants.iter().filter(|p| keep(p)).collect()
    }

    /// A vehicle's predicted path along MAP lanes and across its next intersection
    /// ([`roadcloud_world::paths`]), [`PATH_HORIZON_S`] long at its speed (at least
    /// [`PATH_MIN_M`]); None where MAP does not place it (then an application falls back on
    /// what it knows without lanes, or stays silent). Computed once per scene.
    pub fn path<'s>(&self, v: &'s SceneParticipant<'a>) -> Option<&'s Path> {
        v.path
            .get_or_init(|| {
                let start = path_start(v)?;
                let length_m = (v.speed_mps * PATH_HORIZON_S).max(PATH_MIN_M);
                self.lanes
                    .path(v.position, start, v.turn_signal(), length_m)
            })
            .as_ref()
    }

    /// The MAP lane a match names.
    pub fn lane(&self, m: &LaneMatch) -> Option<&'a Lane> {
        self.intersections
            .get(&m.lane.node)?
            .lane(m.lane.upstream, m.lane.lane)
    }

    /// The bumper-to-bumper gap, metres, when `rv` drives ahead of `hv` in its lane, None
    /// otherwise: ahead along `hv`'s heading (its rear ahead of `hv`'s front: a vehicle beside
    /// the host, mid lane change, is not ahead of it) heading within 30 degrees of it, in its
    /// lane as the paths the two vehicles show tell (`in_lane_by_paths`), and, where MAP
    /// matches them to lanes of different links, each driving with its lane, and says where
    /// the host's lane leads, in a lane MAP connects the host's lane to (DF_Connection, within
    /// [`CONNECTION_HOPS`] lanes). The path a vehicle drove or the curve of the host's trail
    /// may pass a lane beside the host's: on the motorway scenario an on-ramp's curve carried
    /// forward met the cars in the main road's lanes it merges beside, and a car that had
    /// just changed lanes had a trail through the host's lane.
    pub fn gap_ahead(
        &self,
        hv: &SceneParticipant,
        rv: &SceneParticipant,
        path_tolerance_m: f64,
    ) -> Option<f64> {
        let gap_m = gap_by_geometry(hv, rv.position, rv.dir, rv.length_m())?;
        self.in_lane_ahead(hv, rv, path_tolerance_m)
            .then_some(gap_m)
    }

    /// The vehicle directly ahead of `hv` in its lane within `range_m` (the nearest that
    /// [`gap_ahead`](Self::gap_ahead) finds ahead), with the gap to it, metres. The lane
    /// tests, the dear part, are made only for a vehicle nearer than the nearest found so
    /// far, and only the half of the range ahead of the host is searched.
    pub fn nearest_ahead(
        &self,
        hv: &SceneParticipant<'a>,
        range_m: f64,
        path_tolerance_m: f64,
    ) -> Option<(f64, &SceneParticipant<'a>)> {
        let (s, c) = hv.dir?;
        // Only the half of the range ahead of the host can hold a vehicle ahead: the box
        // around that half disc, its arc reaching `range_m` on a side the heading faces.
        let r = range_m;
        let sw = (
            if s <= 0.0 { -r } else { -r * c.abs() },
            if c <= 0.0 { -r } else { -r * s.abs() },
        );
        let ne = (
            if s >= 0.0 { r } else { r * c.abs() },
            if c >= 0.0 { r } else { r * s.abs() },
        );
        let mut nearest: Option<(f64, &SceneParticipant<'a>)> = None;
        for b in self.grid.near_in(hv.position, range_m, sw, ne) {
            if b.index == hv.index || !b.is_vehicle() {
                continue;
            }
            let Some(gap_m) = b.gap_ahead_of(hv) else {
                continue;
            };
            if nearest.is_some_and(|(g, _)| g <= gap_m) {
                continue;
            }
            let rv = &self.participants[b.index as usize];
            if self.in_lane_ahead(hv, rv, path_tolerance_m) {
                nearest = Some((gap_m, rv));
            }
        }
        nearest
    }

    /// Whether `rv`, ahead of `hv` ([`gap_ahead`](Self::gap_ahead)'s geometric test), is in
    /// its lane: as the two vehicles' own paths tell, and where MAP matches them to lanes of
    /// different links, each driving with its lane, in a lane MAP connects the host's to.
    fn in_lane_ahead(
        &self,
        hv: &SceneParticipant,
        rv: &SceneParticipant,
        path_tolerance_m: f64,
    ) -> bool {
        if !in_lane_by_paths(hv, rv, path_tolerance_m) {
            return false;
        }
        match (&hv.lane, &rv.lane) {
            // A match against a lane's direction is no lane of the vehicle's own (a vehicle
            // leaving a junction whose outgoing lanes no MAP has matches the incoming lane
            // beside its way).
            (Some(a), Some(b)) if a.lane != b.lane && !a.against && !b.against => {
                self.leads_to(a.lane, b.lane)
            }
            _ => true,
        }
    }

    /// Whether lane `to` may be where lane `from` leads, as far as MAP's connections tell
    /// within [`CONNECTION_HOPS`] lanes. Not when `to` is on another link into the same node
    /// (another approach, or a road merging beside), nor when the connections reach `to`'s
    /// link but not `to` (a lane beside the one the host's lane leads to). Where MAP does not
    /// say how far on a lane leads, or `to` lies beyond the lanes followed, it may.
    fn leads_to(&self, from: LaneRef, to: LaneRef) -> bool {
        let on_link_of_to = |l: &LaneRef| l.node == to.node && l.upstream == to.upstream;
        if from.node == to.node {
            return false;
        }
        let mut frontier = vec![from];
        let mut unknown_beyond = false;
        for _ in 0..CONNECTION_HOPS {
            let mut next = Vec::new();
            for lane in &frontier {
                match self.lanes.geometry(lane) {
                    Some(g) if !g.connections.is_empty() => {
                        next.extend(g.connections.iter().map(|(l, _)| *l));
                    }
                    _ => unknown_beyond = true,
                }
            }
            if next.contains(&to) {
                return true;
            }
            if next.iter().any(on_link_of_to) {
                return false;
            }
            next.sort_unstable();
            next.dedup();
            frontier = next;
        }
        unknown_beyond || !frontier.is_empty()
    }

    /// Whether `v`, `s_m` along its way from a point, will stop before it: braking to a
    /// stop short of it ([`braking_short_of`]), or held at a stop line between it and the
    /// point, with room to stop there at `stop_decel_mps2`, by its lane giving way (MAP's
    /// maneuvers: a minor road at a junction without signals) or by its signal: red when it
    /// gets there, or yellow when it is already slowing down by more than `slowing_mps2` (at
    /// yellow a driver who can go on usually does, SUMO's drivers too, and one who will stop
    /// is braking by then). A driver who must stop and can is taken to; the one who cannot,
    /// or is already past the line, is not.
    pub fn stops_before(
        &self,
        v: &SceneParticipant,
        s_m: f64,
        stop_decel_mps2: f64,
        slowing_mps2: f64,
    ) -> bool {
        if braking_short_of(v, s_m) {
            return true;
        }
        let Some(lane) = v.lane.as_ref().filter(|l| !l.against) else {
            return false;
        };
        let to_stop = lane.to_stop_line_m;
        // Only a stop line between it and the point holds it back.
        if to_stop < 0.0 || to_stop > s_m {
            return false;
        }
        let speed = v.speed_mps.max(0.1);
        let can_stop = speed * speed / (2.0 * stop_decel_mps2) <= to_stop;
        let gives_way = self.lane(lane).is_some_and(|l| l.gives_way());
        let arrival = self.now + (to_stop / speed * 1_000.0) as i64;
        let held = match self.signal_for(lane, arrival) {
            Some((_, Light::Stop, _)) => true,
            Some((_, Light::Yellow, _)) => v.accel_mps2 < -slowing_mps2,
            _ => false,
        };
        can_stop && (gives_way || held)
    }

    /// The signal phase that governs a lane (the phase of its first connection that names
    /// one) and its state at `t`, when SPAT says what it will be then (None past the last
    /// state SPAT gives an end for, except that red follows yellow, as GB 14886 sequences
    /// them): the phase, the light's class and its name.
    pub fn signal_for(&self, m: &LaneMatch, t: Millis) -> Option<(u8, Light, &'static str)> {
        let phase = self.phase(m)?;
        let phase_id = phase.id;
        let step = phase
            .steps
            .iter()
            .find(|s| s.start.is_none_or(|st| st <= t) && s.likely_end.is_none_or(|e| e > t));
        match step {
            Some(s) => Some((phase_id, Light::of(s), s.light)),
            None => match phase.steps.last() {
                Some(last) if Light::of(last) == Light::Yellow => {
                    Some((phase_id, Light::Stop, "red"))
                }
                _ => None,
            },
        }
    }

    /// The phase's states in order (current first), for looking ahead.
    pub fn phase_steps(&self, m: &LaneMatch) -> Option<&'a [PhaseStep]> {
        self.phase(m).map(|p| p.steps.as_slice())
    }

    /// The signal phase that governs a lane: the phase of its first connection that names
    /// one, as SPAT last gave it.
    fn phase(&self, m: &LaneMatch) -> Option<&'a Phase> {
        let phase_id = self.lane(m)?.connects_to.iter().find_map(|c| c.phase)?;
        self.signals
            .get(&m.lane.node)?
            .phases
            .iter()
            .find(|p| p.id == phase_id)
    }

    /// The events or signs of `kind` in force.
    pub fn rsi(&self, kind: EventKind) -> impl Iterator<Item = &'a RoadEvent> + '_ {
        self.events.iter().copied().filter(move |e| e.kind == kind)
    }
}

fn participant<'a>(t: &'a Track, own: bool, now: Millis, index: u32) -> SceneParticipant<'a> {
    let dt = (now - t.at) as f64 / 1000.0;
    let speed0 = t.motion.speed_mps.unwrap_or(0.0);
    let accel = t.motion.accel_long_mps2.unwrap_or(0.0);
    let turn_deg = t.motion.yaw_rate_dps.unwrap_or(0.0) * dt;
    // A heading in range as it is (DE_Heading's 0 to 359.9875 degrees) skips the division.
    let heading_deg = t.motion.heading_deg.map(|h| {
        let h = h + turn_deg;
        if (0.0..360.0).contains(&h) {
            h
        } else {
            h.rem_euclid(360.0)
        }
    });
    let dir = heading_deg.map(|h| h.to_radians().sin_cos());
    // Without a turn, the heading now is the reported one, and so is its sine and cosine.
    let straight = dir.filter(|_| turn_deg == 0.0);
    let position = predict_with(t.position, &t.motion, dt, straight);
    SceneParticipant {
        track: t,
        id: match t.vehicle {
            Some(v) => ParticipantId::Vehicle(v),
            None => ParticipantId::Track(t.id.0),
        },
        position,
        speed_mps: (speed0 + accel * dt.max(0.0)).max(0.0),
        heading_deg,
        accel_mps2: accel,
        lane: t.lane,
        own,
        dir,
        path: std::cell::OnceCell::new(),
        trail_curve: std::cell::OnceCell::new(),
        now,
        index,
    }
}

/// Where a participant's path along MAP starts ([`Scene::path`]): in its lane, or leaving
/// the lane MAP placed it in last; None where MAP does not place it, or places it against
/// its lane's direction.
fn path_start(v: &SceneParticipant) -> Option<Start> {
    match (v.lane, v.track.last_lane) {
        (Some(m), _) if !m.against => Some(Start::InLane(m)),
        (Some(_), _) => None,
        (None, Some(last)) => Some(Start::Leaving {
            lane: last,
            heading_deg: v.heading_deg,
        }),
        (None, None) => None,
    }
}

/// The light of a phase step in the three classes the scenarios need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    /// May go (`permissive-green`, `protected-green`, `flashing-green`).
    Go,
    /// Yellow: stop if you can.
    Yellow,
    /// Must stop (`red`, `flashing-red`).
    Stop,
    /// Dark, unavailable or flashing yellow: no guidance.
    Unknown,
}

impl Light {
    /// The class of a step's light (its name as the standard spells it).
    pub fn of(step: &PhaseStep) -> Light {
        match step.light {
            "permissive-green" | "protected-green" | "flashing-green" => Light::Go,
            "yellow" => Light::Yellow,
            "red" | "flashing-red" => Light::Stop,
            _ => Light::Unknown,
        }
    }
}
