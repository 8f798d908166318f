//! The checks, each a small unit with its parameters and the source of its rule.
//!
//! The catalogue follows F2MD's plausibility and consistency checks ("mdChecks": Kamel et al.,
//! *Simulation Framework for Misbehavior Detection in Vehicular Networks*, IEEE TVT 2020;
//! So, Petit and Starobinski, *Integrating plausibility checks and machine learning for
//! misbehavior detection in VANET*, ICMLA 2018), applied to a sender's own reports over time
//! instead of to what one receiver heard, and extended with the cloud's view: the other
//! participants (overlap) and the RSUs' cameras (phantom). F2MD's thresholds were set for its
//! simulated towns (25 m/s, 3 m/s² acceleration, 4.5 m/s² braking); roadcloud's defaults are
//! set for what real vehicles do on urban roads and motorways, named in [`Thresholds`].

pub use crate::generations::Generations;
use crate::kalman::Kalman;
use crate::moving_as_one::{LockstepIndex, MovingAsOne};
use roadcloud_per::jer::hex;
use roadcloud_world::{Millis, Observation, Point, tracks};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::collections::VecDeque;

/// What a check found wrong: the kind of misbehaviour it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A speed no vehicle drives.
    SpeedPlausibility,
    /// An acceleration or braking no vehicle does.
    AccelerationPlausibility,
    /// Moved further since its last report than its speed allows.
    PositionConsistency,
    /// Its speed changed faster than any vehicle accelerates or brakes.
    SpeedConsistency,
    /// Its speed changed otherwise than its own reported acceleration says.
    SpeedAccelerationConsistency,
    /// Its positions and its reported speed disagree (it says it moves and stands, or the
    /// reverse, or at another speed).
    PositionSpeedConsistency,
    /// It moves in another direction than its heading.
    PositionHeadingConsistency,
    /// It reports more often than a vehicle does (BSM at most 10 Hz, T/CSAE 53-2020 §5.3).
    BeaconFrequency,
    /// A generation time not after its last one: a replay of its own reports.
    TimeConsistency,
    /// Its track, filtered, does not predict where it says it is.
    KalmanConsistency,
    /// It stands where another vehicle says it stands.
    Overlap,
    /// It is where an RSU's camera looks, and the camera sees nothing there.
    Phantom,
    /// Its reports repeat, position for position, what another vehicle reported a moment
    /// before: another device's trajectory replayed under its id.
    Replay,
    /// An OBU sent under another vehicle's id (admission refuses the message as spoofed):
    /// one device posing as several, a Sybil attack.
    Sybil,
    /// Its reports arrive late, every one of them, for a second or more: held back and
    /// sent on.
    Delayed,
    /// An RSU's camera sees the connected vehicles consistently off their own reports: a
    /// miscalibrated or lying camera. About the RSU.
    CameraOffset,
    /// Its reports are made at another id's moments, at its speed, heading and
    /// acceleration, report after report: one box's ghosts under several devices'
    /// credentials (a Sybil no link gives away).
    MovingAsOne,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 17] = [
        Kind::SpeedPlausibility,
        Kind::AccelerationPlausibility,
        Kind::PositionConsistency,
        Kind::SpeedConsistency,
        Kind::SpeedAccelerationConsistency,
        Kind::PositionSpeedConsistency,
        Kind::PositionHeadingConsistency,
        Kind::BeaconFrequency,
        Kind::TimeConsistency,
        Kind::KalmanConsistency,
        Kind::Overlap,
        Kind::Phantom,
        Kind::Replay,
        Kind::Sybil,
        Kind::Delayed,
        Kind::CameraOffset,
        Kind::MovingAsOne,
    ];

    /// The name in reports, metrics and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SpeedPlausibility => "speed_plausibility",
            Kind::AccelerationPlausibility => "acceleration_plausibility",
            Kind::PositionConsistency => "position_consistency",
            Kind::SpeedConsistency => "speed_consistency",
            Kind::SpeedAccelerationConsistency => "speed_acceleration_consistency",
            Kind::PositionSpeedConsistency => "position_speed_consistency",
            Kind::PositionHeadingConsistency => "position_heading_consistency",
            Kind::BeaconFrequency => "beacon_frequency",
            Kind::TimeConsistency => "time_consistency",
            Kind::KalmanConsistency => "kalman_consistency",
            Kind::Overlap => "overlap",
            Kind::Phantom => "phantom",
            Kind::Replay => "replay",
            Kind::Sybil => "sybil",
            Kind::Delayed => "delayed",
            Kind::CameraOffset => "camera_offset",
            Kind::MovingAsOne => "moving_as_one",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The checks' parameters. Defaults are documented in docs/misbehaviour.md with their
/// sources.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Fastest plausible speed, m/s (252 km/h; F2MD: 25 m/s for its town).
    pub max_speed_mps: f64,
    /// Strongest plausible acceleration, m/s² (F2MD: 3.0).
    pub max_accel_mps2: f64,
    /// Strongest plausible braking, m/s² (about 1.1 g; F2MD: 4.5).
    pub max_decel_mps2: f64,
    /// What a position may be off by (GNSS error), metres.
    pub position_tolerance_m: f64,
    /// What a speed may be off by, m/s.
    pub speed_tolerance_mps: f64,
    /// What the distance between two positions a second or so apart may be off by, metres:
    /// the errors of GNSS fixes that close in time are largely the same (satellites,
    /// atmosphere, multipath), so they mostly cancel in a displacement; automotive
    /// receivers give velocity to 0.1-0.2 m/s.
    pub displacement_tolerance_m: f64,
    /// What a speed change over the baseline may differ from the reported acceleration's
    /// integral by, m/s (an accelerometer's bias, a slope's share of gravity, sampling).
    pub speed_acceleration_tolerance_mps: f64,
    /// How far a direction of travel may lie from the heading, degrees.
    pub heading_tolerance_deg: f64,
    /// Over how long the speed and direction of travel are taken from positions,
    /// milliseconds, so that GNSS noise averages out (F2MD's POS_HEADING_TIME: 1.1 s).
    pub baseline_ms: Millis,
    /// Most reports of one sender in any second (BSM at 10 Hz, with jitter).
    pub max_beacons_per_s: usize,
    /// The Kalman check's gate: the normalised innovation squared above which a position is
    /// implausible (χ² with 2 degrees of freedom; 18.4 is the 99.99 % quantile).
    pub kalman_gate: f64,
    /// Two vehicles' reported centres closer than this overlap, metres.
    pub overlap_m: f64,
    /// A place is covered by the roadside cameras where a roadside detection was fused
    /// with the track of at least this share of the vehicles that passed (camera.rs
    /// `Coverage`)...
    pub coverage_share: f64,
    /// ... out of at least this many.
    pub coverage_visits: u32,
    /// How long a vehicle may go unseen where a camera looks before it is a phantom,
    /// milliseconds.
    pub phantom_after_ms: Millis,
    /// Two reports this close, metres (with the same speed and heading to the standard's
    /// resolution), are one report twice: a replay.
    pub replay_match_m: f64,
    /// How long before a report another's may be that it repeats, milliseconds: a follower
    /// reaches a leader's place its gap and its length later, over a second at any speed
    /// (the 1 s reaction-time headway and more), so a repeat within a second is a replay.
    pub replay_within_ms: Millis,
    /// A report older than this on arrival is late, milliseconds.
    pub late_after_ms: Millis,
    /// How long every report of a sender must arrive late before it is delayed on
    /// purpose, milliseconds (one late report is a slow link).
    pub delayed_for_ms: Millis,
    /// A roadside detection is paired with the one connected vehicle within this distance
    /// of it, metres (camera.rs): a camera further off shows as phantoms instead.
    pub camera_match_m: f64,
    /// A camera whose detections lie further than this off the vehicles' own reports, on
    /// average, is miscalibrated, metres (GNSS and camera errors of a metre or so each
    /// average out over many pairs).
    pub camera_offset_m: f64,
    /// Pairs that must be in the window before a camera is judged.
    pub camera_pairs: usize,
    /// Vehicles they must come from (one vehicle's GNSS error is not the camera's).
    pub camera_vehicles: usize,
    /// How far back a camera's pairs count, milliseconds.
    pub camera_window_ms: Millis,
    /// Reports in a row an id must make at another's moments and motion to move as one
    /// with it (moving_as_one.rs): half a second at 10 Hz.
    pub moving_as_one_reports: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_speed_mps: 70.0,
            max_accel_mps2: 8.0,
            max_decel_mps2: 11.0,
            position_tolerance_m: 3.0,
            speed_tolerance_mps: 3.0,
            displacement_tolerance_m: 1.5,
            speed_acceleration_tolerance_mps: 1.5,
            heading_tolerance_deg: 45.0,
            baseline_ms: 1_000,
            max_beacons_per_s: 15,
            kalman_gate: 18.4,
            overlap_m: 1.2,
            coverage_share: 0.9,
            coverage_visits: 20,
            phantom_after_ms: 3_000,
            replay_match_m: 0.05,
            replay_within_ms: 1_000,
            late_after_ms: 500,
            delayed_for_ms: 1_000,
            camera_match_m: 6.0,
            camera_offset_m: 2.0,
            camera_pairs: 20,
            camera_vehicles: 4,
            camera_window_ms: 30_000,
            moving_as_one_reports: 6,
        }
    }
}

/// What the checks keep of a sender's report: when it was made, where and how the sender
/// said it moved. A third of an [`Observation`]'s size: every sender's history of a busy
/// zone is read on each of its reports, and the less of it there is, the more of it stays
/// in the processor's caches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reported {
    /// When the sender measured it, ms since the epoch.
    pub generated_at: Millis,
    /// Where it said it was.
    pub position: Point,
    /// How it said it moved.
    pub motion: ReportedMotion,
}

/// The part of a report's [`roadcloud_world::observe::Motion`] the checks read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportedMotion {
    /// Speed, m/s.
    pub speed_mps: Option<f64>,
    /// Heading, degrees clockwise from north.
    pub heading_deg: Option<f64>,
    /// Longitudinal acceleration, m/s².
    pub accel_long_mps2: Option<f64>,
}

impl From<&Observation> for Reported {
    fn from(o: &Observation) -> Self {
        Reported {
            generated_at: o.generated_at,
            position: o.position,
            motion: ReportedMotion {
                speed_mps: o.motion.speed_mps,
                heading_deg: o.motion.heading_deg,
                accel_long_mps2: o.motion.accel_long_mps2,
            },
        }
    }
}

/// What is known of one sender's reports: the recent ones, and its filtered track.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Its reports of the last two seconds or so, oldest first.
    pub recent: VecDeque<Reported>,
    pub(crate) kalman: Option<Kalman>,
    /// Since when it has been where a camera looks without being seen, ms.
    pub(crate) unseen_since: Option<Millis>,
    /// Since when every report of it has arrived late, ms (generation time).
    pub(crate) late_since: Option<Millis>,
    /// The vehicle its previous report stood on, if any.
    pub(crate) overlapped: Option<[u8; 8]>,
    /// The coverage cell it is in, and whether a roadside detection has been fused with
    /// its track since it entered it.
    pub(crate) visit: Option<((i32, i32), bool)>,
    /// When the detector first heard it (since it was last forgotten), ms.
    pub(crate) since: Millis,
    /// The vehicles that drove through it while it stood, each with when it last did,
    /// over the last minute.
    pub(crate) driven_through_by: SmallVec<[([u8; 8], Millis); 2]>,
}

impl History {
    /// Its newest report before the one being checked.
    pub fn last(&self) -> Option<&Reported> {
        self.recent.back()
    }
}

/// Another participant near the sender, as the world has it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Its vehicle id, if it reports itself.
    pub vehicle: Option<[u8; 8]>,
    /// Where it is.
    pub position: Point,
    /// When it was last reported there, ms since the epoch.
    pub at: Millis,
    /// Its speed there, m/s, if known.
    pub speed_mps: Option<f64>,
}

/// A vehicle reporting less than this stands, m/s.
pub const STANDING_MPS: f64 = 0.5;
/// A vehicle at this speed or more overlapping one that stands drives through it, m/s.
pub const DRIVING_THROUGH_MPS: f64 = 3.0;

/// Whether a vehicle at `mover_mps` overlapping one at `stander_mps` drives through it.
pub fn drives_through(mover_mps: Option<f64>, stander_mps: Option<f64>) -> bool {
    mover_mps.is_some_and(|v| v >= DRIVING_THROUGH_MPS)
        && stander_mps.is_some_and(|v| v < STANDING_MPS)
}

/// What the world knows around a report: the other participants near it, and whether an
/// RSU's camera looks there and sees the sender.
#[derive(Debug, Clone, Default)]
pub struct Around {
    /// Participants within a few metres.
    pub neighbours: Vec<Neighbour>,
    /// The RSU whose camera covers the place, if the caller knows one; else the detector
    /// decides from where the cameras have seen the vehicles (camera.rs `Coverage`).
    pub covering_rsu: Option<[u8; 8]>,
    /// Whether a roadside detection is fused with the sender's track.
    pub seen_by_roadside: bool,
}

/// The reports of the last moments of every vehicle moving at 1 m/s or more, filed by their
/// speed and heading in the standard's units (DE_Speed 0.02 m/s, DE_Heading 0.0125°) and the
/// square metre they lie in: a replay repeats a report to the standard's resolution, so it
/// is found with a lookup or four, not by going through the reports of every vehicle around.
/// The place is part of the key because many vehicles can share one motion (a fleet driving
/// in step, a flood of copies): by motion alone, one bucket held every one of them, and each
/// report went through it (5,000 vehicles in step: 125,000 entries per report, the pipeline
/// bench at 2,600 BSMs a second).
///
/// Nearly every report gets a bucket of its own, and the buckets come and go with the
/// reports (a zone of 5,000 vehicles at 10 Hz files 125,000 reports in 2.5 s). Removed one
/// by one, they left a hash table of tombstones that rehashed itself whole every few
/// seconds, holding the world's writer for 50 to 100 ms at 60,000 reports a second (which
/// the benchmark saw as bursts of loss); so the reports are filed in two generations, each
/// `REPLAY_KEEP_MS` (2.5 s) long ([`Generations`]).
#[derive(Debug, Default)]
pub struct ReplayIndex {
    /// Nearly every bucket holds one report (above), kept inline: no allocation per report
    /// filed, and one memory access less per lookup.
    by_motion: Generations<ReplayKey, SmallVec<[Indexed; 1]>, REPLAY_KEEP_MS>,
}

/// Where the [`ReplayIndex`] files a report: speed and heading in the standard's units, and
/// the cell of [`REPLAY_CELL_M`] (east, north) its position lies in.
type ReplayKey = (i64, i64, i64, i64);

/// The side of the [`ReplayIndex`]'s cells, metres: a replay lies within
/// [`Thresholds::replay_match_m`] (5 cm) of what it repeats, so a lookup takes one cell, or
/// up to four at a corner.
const REPLAY_CELL_M: f64 = 1.0;

fn replay_cell(x_m: f64) -> i64 {
    (x_m / REPLAY_CELL_M).floor() as i64
}

/// One report in the [`ReplayIndex`].
#[derive(Debug, Clone, Copy)]
struct Indexed {
    vehicle: [u8; 8],
    generated_at: Millis,
    position: Point,
}

/// How long reports stay in the [`ReplayIndex`], ms: a report and the two before it, each
/// matched to reports up to [`Thresholds::replay_within_ms`] before it, with room for
/// reports arriving out of order.
const REPLAY_KEEP_MS: Millis = 2_500;

/// A moving report's speed and heading in the standard's units (DE_Speed 0.02 m/s,
/// DE_Heading 0.0125°), as the replay and lockstep indexes file it; none below 1 m/s (a car
/// standing still repeats itself, and whoever stood there before it; a queue's cars all
/// read 0) or without a heading.
pub(crate) fn motion_units(o: &Reported) -> Option<(i64, i64)> {
    let v = o.motion.speed_mps.filter(|v| *v >= 1.0)?;
    let h = o.motion.heading_deg?.rem_euclid(360.0);
    Some(((v / 0.02).round() as i64, (h / 0.0125).round() as i64))
}

impl ReplayIndex {
    /// Where a report is filed: its [`motion_units`] and the cell its position lies in.
    fn key(o: &Reported) -> Option<ReplayKey> {
        let (v, h) = motion_units(o)?;
        Some((
            v,
            h,
            replay_cell(o.position.east_m),
            replay_cell(o.position.north_m),
        ))
    }

    /// Files vehicle `vehicle`'s report `o`.
    pub fn insert(&mut self, vehicle: [u8; 8], o: &Reported) {
        let Some(key) = Self::key(o) else { return };
        let bucket = self.by_motion.entry(key);
        bucket.retain(|e| o.generated_at - e.generated_at <= REPLAY_KEEP_MS);
        bucket.push(Indexed {
            vehicle,
            generated_at: o.generated_at,
            position: o.position,
        });
    }

    /// Lets time pass to `now` ([`Generations`]). The replay check looks only at reports
    /// within its window, so one kept longer is never matched for that.
    pub fn expire(&mut self, now: Millis) {
        self.by_motion.expire(now);
    }

    /// The vehicles other than `vehicle` whose reports `o` repeats: the same speed and
    /// heading to the standard's resolution, within [`Thresholds::replay_match_m`] of its
    /// position, made up to [`Thresholds::replay_within_ms`] before it; each with how long
    /// before.
    fn repeated<'a>(
        &'a self,
        vehicle: [u8; 8],
        o: &'a Reported,
        t: &'a Thresholds,
    ) -> impl Iterator<Item = ([u8; 8], Millis)> + 'a {
        let p = o.position;
        let r = t.replay_match_m.max(0.0);
        let (e0, e1) = (replay_cell(p.east_m - r), replay_cell(p.east_m + r));
        let (n0, n1) = (replay_cell(p.north_m - r), replay_cell(p.north_m + r));
        motion_units(o)
            .into_iter()
            .flat_map(move |(v, h)| {
                (n0..=n1).flat_map(move |n| (e0..=e1).map(move |e| (v, h, e, n)))
            })
            .flat_map(|k| self.by_motion.get(&k))
            .flatten()
            .filter(move |e| {
                let lag = o.generated_at - e.generated_at;
                e.vehicle != vehicle
                    && lag > 0
                    && lag <= t.replay_within_ms
                    && e.position.distance_to(o.position) <= t.replay_match_m
            })
            .map(move |e| (e.vehicle, o.generated_at - e.generated_at))
    }
}

/// One report to check: the sender's vehicle id, the report, its history and what lies
/// around it.
#[derive(Debug)]
pub struct Beacon<'a> {
    /// The vehicle id it was sent under.
    pub vehicle: [u8; 8],
    /// The report.
    pub report: &'a Observation,
    /// The sender's earlier reports.
    pub history: &'a History,
    /// What the world knows around it.
    pub around: &'a Around,
    /// Every vehicle's reports of the last moments, for the replay check.
    pub replays: &'a ReplayIndex,
    /// The same by moment and motion, for the moving-as-one check.
    pub lockstep: &'a LockstepIndex,
    /// The report as the checks keep it.
    pub reported: Reported,
    /// The reports over the baseline, oldest first and this one last, with the seconds they
    /// span ([`Beacon::new`]): three checks read it, and it is gathered once.
    pub baseline: Option<(Vec<Reported>, f64)>,
}

impl<'a> Beacon<'a> {
    /// The beacon of vehicle `vehicle`'s `report`, its baseline gathered under `t`.
    pub fn new(
        vehicle: [u8; 8],
        report: &'a Observation,
        history: &'a History,
        around: &'a Around,
        replays: &'a ReplayIndex,
        lockstep: &'a LockstepIndex,
        t: &Thresholds,
    ) -> Beacon<'a> {
        let reported = Reported::from(report);
        Beacon {
            vehicle,
            report,
            history,
            around,
            replays,
            lockstep,
            reported,
            baseline: baseline(reported, history, t),
        }
    }
}

/// What a failed check found: a sentence saying what is wrong, and how far beyond its
/// limit the report lies.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What is wrong.
    pub detail: String,
    /// How many times the limit the report's deviation is (at least 1): a physically
    /// impossible report costs more trust than one just past a limit.
    pub excess: f64,
}

impl Finding {
    /// A finding `excess` times past its limit.
    pub fn new(detail: String, excess: f64) -> Self {
        Finding {
            detail,
            excess: excess.max(1.0),
        }
    }

    /// A finding when `value` lies past `limit`, `value / limit` times past it; `detail`
    /// says what is wrong.
    pub fn beyond(value: f64, limit: f64, detail: impl FnOnce() -> String) -> Option<Finding> {
        (value > limit).then(|| Finding::new(detail(), value / limit))
    }
}

/// One check (module docs): whether a report holds, and if not, why.
pub trait Check: Send + Sync {
    /// What it finds.
    fn kind(&self) -> Kind;
    /// `None` when the report holds.
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding>;
    /// Whether its findings are ones no honest device produces, so that the sender loses
    /// all its trust at once (a replayed trajectory).
    fn conclusive(&self) -> bool {
        false
    }
}

/// Every check, in the order they run.
pub fn catalogue() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(SpeedPlausibility),
        Box::new(AccelerationPlausibility),
        Box::new(TimeConsistency),
        Box::new(BeaconFrequency),
        Box::new(PositionConsistency),
        Box::new(SpeedConsistency),
        Box::new(SpeedAccelerationConsistency),
        Box::new(PositionSpeedConsistency),
        Box::new(PositionHeadingConsistency),
        Box::new(KalmanConsistency),
        Box::new(Overlap),
        Box::new(Phantom),
        Box::new(Replay),
        Box::new(Delayed),
        Box::new(MovingAsOne),
    ]
}

/// The previous report and the seconds since it, when both are usable (a later
/// generation time, within `max_s`).
fn since_last<'a>(b: &'a Beacon<'_>, max_s: f64) -> Option<(&'a Reported, f64)> {
    let last = b.history.last()?;
    let dt = (b.report.generated_at - last.generated_at) as f64 / 1000.0;
    (dt > 0.0 && dt <= max_s).then_some((last, dt))
}

/// The reports over the baseline: the sender's newest report at least
/// [`Thresholds::baseline_ms`] before this one, those after it, and this one, oldest first;
/// with the seconds they span. `None` without one that old, or when it is over twice the
/// baseline (a gap in its reports).
fn baseline(report: Reported, history: &History, t: &Thresholds) -> Option<(Vec<Reported>, f64)> {
    let now = report.generated_at;
    let i = history
        .recent
        .iter()
        .rposition(|o| now - o.generated_at >= t.baseline_ms)?;
    let dt_ms = now - history.recent[i].generated_at;
    (dt_ms <= 2 * t.baseline_ms).then(|| {
        let span = history
            .recent
            .range(i..)
            .copied()
            .chain(std::iter::once(report))
            .collect();
        (span, dt_ms as f64 / 1000.0)
    })
}

/// A finding when a condition has held since `since` for at least `for_ms` by the report's
/// generation time; `detail` says what, given the seconds it has lasted.
fn lasting(
    b: &Beacon<'_>,
    since: Option<Millis>,
    for_ms: Millis,
    detail: impl FnOnce(f64) -> String,
) -> Option<Finding> {
    let lasted = b.report.generated_at - since?;
    (lasted >= for_ms).then(|| Finding::new(detail(lasted as f64 / 1000.0), 1.0))
}

/// Reported speed no vehicle drives (F2MD "speed plausibility").
pub struct SpeedPlausibility;

impl Check for SpeedPlausibility {
    fn kind(&self) -> Kind {
        Kind::SpeedPlausibility
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let v = b.report.motion.speed_mps?;
        Finding::beyond(v, t.max_speed_mps, || {
            format!("reports {v:.1} m/s, above {} m/s", t.max_speed_mps)
        })
    }
}

/// Reported acceleration no vehicle does (F2MD "acceleration plausibility").
pub struct AccelerationPlausibility;

impl Check for AccelerationPlausibility {
    fn kind(&self) -> Kind {
        Kind::AccelerationPlausibility
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let a = b.report.motion.accel_long_mps2?;
        let limit = if a >= 0.0 {
            t.max_accel_mps2
        } else {
            t.max_decel_mps2
        };
        Finding::beyond(a.abs(), limit, || {
            format!(
                "reports {a:.1} m/s², outside -{} .. {} m/s²",
                t.max_decel_mps2, t.max_accel_mps2
            )
        })
    }
}

/// A generation time not after the sender's last one: its own reports replayed, or sent
/// out of order (1609.2 devices stamp each message with its generation time).
pub struct TimeConsistency;

impl Check for TimeConsistency {
    fn kind(&self) -> Kind {
        Kind::TimeConsistency
    }
    fn check(&self, b: &Beacon<'_>, _: &Thresholds) -> Option<Finding> {
        let last = b.history.last()?;
        (b.report.generated_at <= last.generated_at).then(|| {
            Finding::new(
                format!(
                    "generated {} ms before its previous report",
                    last.generated_at - b.report.generated_at
                ),
                1.0,
            )
        })
    }
}

/// More reports in a second than a vehicle sends (F2MD "beacon frequency"; DoS attacks).
pub struct BeaconFrequency;

impl Check for BeaconFrequency {
    fn kind(&self) -> Kind {
        Kind::BeaconFrequency
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        // By generation time: a burst of reports queued on the way (a reconnecting link)
        // arrives at once, and was sent at the device's pace; reports stamped faster than
        // the clock runs are refused by admission's future window.
        let since = b.report.generated_at - 1_000;
        // The history is in generation order (only later reports join it): count back from
        // the newest.
        let n = 1 + b
            .history
            .recent
            .iter()
            .rev()
            .take_while(|o| o.generated_at > since)
            .count();
        Finding::beyond(n as f64, t.max_beacons_per_s as f64, || {
            format!("{n} reports within a second, above {}", t.max_beacons_per_s)
        })
    }
}

/// Moved further since its last report than its speeds and the strongest acceleration
/// allow (F2MD "position consistency", "position speed max consistency").
pub struct PositionConsistency;

impl Check for PositionConsistency {
    fn kind(&self) -> Kind {
        Kind::PositionConsistency
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let (last, dt) = since_last(b, 2.0)?;
        let moved = b.report.position.distance_to(last.position);
        let v = b
            .report
            .motion
            .speed_mps
            .unwrap_or(0.0)
            .max(last.motion.speed_mps.unwrap_or(0.0));
        let max = (v + t.max_accel_mps2 * dt) * dt + t.position_tolerance_m;
        Finding::beyond(moved, max, || {
            format!("moved {moved:.1} m in {dt:.2} s, at most {max:.1} m")
        })
    }
}

/// Its speed changed faster than a vehicle accelerates or brakes (F2MD "speed
/// consistency").
pub struct SpeedConsistency;

impl Check for SpeedConsistency {
    fn kind(&self) -> Kind {
        Kind::SpeedConsistency
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let (last, dt) = since_last(b, 2.0)?;
        let (v0, v1) = (last.motion.speed_mps?, b.report.motion.speed_mps?);
        let dv = v1 - v0;
        let limit = if dv >= 0.0 {
            t.max_accel_mps2
        } else {
            t.max_decel_mps2
        } * dt
            + t.speed_tolerance_mps;
        Finding::beyond(dv.abs(), limit, || {
            format!("speed {v0:.1} -> {v1:.1} m/s in {dt:.2} s, at most {limit:.1} m/s apart")
        })
    }
}

/// Its speed changed over the baseline (a second) otherwise than its own reported
/// longitudinal acceleration says (the integral of the reported accelerations, T/CSAE 53-2020
/// DF_AccelerationSet4Way): a speed lie that stays put while the vehicle brakes or speeds up
/// (VeReMi "constant speed"), or that varies while it cruises.
pub struct SpeedAccelerationConsistency;

impl Check for SpeedAccelerationConsistency {
    fn kind(&self) -> Kind {
        Kind::SpeedAccelerationConsistency
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let (span, _) = b.baseline.as_ref()?;
        // A vehicle at a standstill reads its accelerometer, not its speed: the speed stays
        // at 0 whatever it says. So the span is taken from a moving report up to the first
        // standing one: a car that stopped braked its speed away, and one that says it
        // stopped from a crawl in a tenth of a second without braking (VeReMi "eventual
        // stop" begun at a crawl, which `speed_consistency`'s 3 m/s tolerance lets by) did
        // not.
        let stands = |o: &Reported| o.motion.speed_mps.is_none_or(|v| v < STANDING_MPS);
        if stands(&span[0]) {
            return None;
        }
        let end = span.iter().position(stands).unwrap_or(span.len() - 1);
        let moving = &span[..=end];
        let mut integral = 0.0;
        for w in moving.windows(2) {
            let (a0, a1) = (w[0].motion.accel_long_mps2?, w[1].motion.accel_long_mps2?);
            let step = (w[1].generated_at - w[0].generated_at) as f64 / 1000.0;
            integral += (a0 + a1) / 2.0 * step;
        }
        let dv = moving[end].motion.speed_mps.unwrap_or(0.0) - span[0].motion.speed_mps?;
        let dt = (moving[end].generated_at - span[0].generated_at) as f64 / 1000.0;
        let off = (dv - integral).abs();
        Finding::beyond(off, t.speed_acceleration_tolerance_mps, || {
            format!("speed changed {dv:+.1} m/s in {dt:.2} s, its accelerations {integral:+.1} m/s")
        })
    }
}

/// Its positions and its reported speeds disagree: the distance between two reports is
/// not what the mean of their speeds covers in the time between (F2MD "position speed
/// consistency"). Taken over the baseline (a second), so that GNSS noise averages out.
pub struct PositionSpeedConsistency;

impl Check for PositionSpeedConsistency {
    fn kind(&self) -> Kind {
        Kind::PositionSpeedConsistency
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let (span, dt) = b.baseline.as_ref()?;
        let dt = *dt;
        let moved = b.report.position.distance_to(span[0].position);
        // The mean reported speed over the span, from every report in it.
        let speeds: Vec<f64> = span.iter().filter_map(|o| o.motion.speed_mps).collect();
        if speeds.is_empty() {
            return None;
        }
        let reported = speeds.iter().sum::<f64>() / speeds.len() as f64;
        let derived = moved / dt;
        let slack = t.speed_tolerance_mps + t.displacement_tolerance_m / dt;
        Finding::beyond((derived - reported).abs(), slack, || {
            format!(
                "moved at {derived:.1} m/s over {dt:.2} s, reports {reported:.1} m/s \
                 (at most {slack:.1} apart)"
            )
        })
    }
}

/// It moves in another direction than its heading (F2MD "position heading consistency"),
/// taken over the baseline (a second) of travel when it moved at least five metres in it.
pub struct PositionHeadingConsistency;

impl Check for PositionHeadingConsistency {
    fn kind(&self) -> Kind {
        Kind::PositionHeadingConsistency
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let heading = b.report.motion.heading_deg?;
        if b.report.motion.speed_mps? < 3.0 {
            return None;
        }
        let (span, _) = b.baseline.as_ref()?;
        let then = span[0];
        let (de, dn) = (
            b.report.position.east_m - then.position.east_m,
            b.report.position.north_m - then.position.north_m,
        );
        if de.hypot(dn) < 5.0 {
            return None;
        }
        let travel = de.atan2(dn).to_degrees().rem_euclid(360.0);
        // The heading halfway: on a curve the chord points between the two headings.
        let mid = then.motion.heading_deg.map_or(heading, |h0| {
            (h0 + tracks::turn_deg(h0, heading) / 2.0).rem_euclid(360.0)
        });
        let off = tracks::angle_between(travel, mid);
        Finding::beyond(off, t.heading_tolerance_deg, || {
            format!("travels towards {travel:.0}°, heads {mid:.0}° ({off:.0}° apart)")
        })
    }
}

/// Its track, through a constant-velocity Kalman filter of its positions, does not predict
/// where it says it is (F2MD "Kalman position consistency").
pub struct KalmanConsistency;

impl Check for KalmanConsistency {
    fn kind(&self) -> Kind {
        Kind::KalmanConsistency
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let k = b.history.kalman.as_ref()?;
        let nis = k.innovation(b.report.position, b.report.generated_at)?;
        Finding::beyond(nis, t.kalman_gate, || {
            format!("innovation {nis:.1} beyond the gate {}", t.kalman_gate)
        })
    }
}

/// Whether neighbour `n` stands where `report` says its sender stands, reported there within
/// [`OVERLAP_FRESH_MS`] of it (a track coasting on after its vehicle left, at the end of its
/// route, is no one in the way).
pub(crate) fn overlaps(n: &Neighbour, report: &Observation, t: &Thresholds) -> bool {
    (n.at - report.generated_at).abs() <= OVERLAP_FRESH_MS
        && n.position.distance_to(report.position) < t.overlap_m
}

/// How close in time two reports must be to stand in one place together, milliseconds (one
/// BSM interval and its jitter).
pub const OVERLAP_FRESH_MS: Millis = 150;

/// It stands where another vehicle says it stands, two reports in a row (F2MD
/// "intersection check"; Sybil ghosts placed on real vehicles, a stopped ghost traffic
/// drives through; one report is a lane change seen by two GNSS receivers' errors). A
/// standing vehicle that vehicles drive through is not there: each further vehicle that
/// has driven through it counts once more against it (one liar's ghost passing a real car
/// in a queue is one vehicle; the cars of a lane driving through a frozen ghost are many).
pub struct Overlap;

impl Check for Overlap {
    fn kind(&self) -> Kind {
        Kind::Overlap
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let other = b.around.neighbours.iter().find(|n| {
            n.vehicle.is_some_and(|v| v != b.vehicle)
                && n.vehicle == b.history.overlapped
                && overlaps(n, b.report, t)
        })?;
        let d = other.position.distance_to(b.report.position);
        let id = other.vehicle.unwrap_or_default();
        if !drives_through(other.speed_mps, b.report.motion.speed_mps) {
            return Some(Finding::new(
                format!("{d:.1} m from vehicle {}", hex(&id)),
                1.0,
            ));
        }
        let movers = 1 + b
            .history
            .driven_through_by
            .iter()
            .filter(|(v, _)| *v != id)
            .count();
        Some(Finding::new(
            format!(
                "{d:.1} m from vehicle {}, which drives through it at {:.1} m/s; {movers} \
                 vehicles have in the last minute",
                hex(&id),
                other.speed_mps.unwrap_or_default()
            ),
            movers as f64,
        ))
    }
}

/// It has been where an RSU's camera looks for a while, and the camera has not seen it: a
/// cross-check no on-board detector can make.
pub struct Phantom;

impl Check for Phantom {
    fn kind(&self) -> Kind {
        Kind::Phantom
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let rsu = b.around.covering_rsu?;
        lasting(b, b.history.unseen_since, t.phantom_after_ms, |s| {
            format!(
                "in view of RSU {}'s camera for {s:.1} s, and not seen by it",
                hex(&rsu)
            )
        })
    }
}

/// Its last three reports repeat, each to the standard's resolution (position 1e-7°, speed
/// 0.02 m/s, heading 0.0125°; T/CSAE 53-2020 DF_Position3D, DE_Speed, DE_Heading), reports
/// another vehicle made before: a trajectory replayed (VeReMi "data replay"). A vehicle
/// following another drives through its places, but not at its very speed and heading at
/// each of them, three reports in a row; one standing still is not checked.
pub struct Replay;

impl Check for Replay {
    fn kind(&self) -> Kind {
        Kind::Replay
    }
    fn conclusive(&self) -> bool {
        true
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        // A vehicle standing still repeats itself, and whoever stood there before it.
        if b.history.recent.len() < 2 || b.report.motion.speed_mps.is_none_or(|v| v < 1.0) {
            return None;
        }
        let earlier: Vec<&Reported> = b.history.recent.iter().rev().take(2).collect();
        b.replays
            .repeated(b.vehicle, &b.reported, t)
            .find(|(other, _)| {
                earlier.iter().all(|m| {
                    b.replays
                        .repeated(b.vehicle, m, t)
                        .any(|(v, _)| v == *other)
                })
            })
            .map(|(other, lag)| {
                Finding::new(
                    format!(
                        "its last {} reports repeat vehicle {}'s of {lag} ms before",
                        earlier.len() + 1,
                        hex(&other),
                    ),
                    1.0,
                )
            })
    }
}

/// Every report of the sender for a while arrived late: held back and sent on (VeReMi
/// "delayed messages"). One late report is a slow link, and admission drops any older
/// than its window; a steady delay is chosen.
pub struct Delayed;

impl Check for Delayed {
    fn kind(&self) -> Kind {
        Kind::Delayed
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let age = b.report.received_at - b.report.generated_at;
        if age <= t.late_after_ms {
            return None;
        }
        lasting(b, b.history.late_since, t.delayed_for_ms, |s| {
            format!("every report for {s:.1} s arrived late, this one {age} ms")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vehicle's report at `east` m, moving north at `speed` m/s, generated at `at`.
    fn report(east: f64, speed: f64, at: Millis) -> Reported {
        Reported {
            generated_at: at,
            position: Point {
                east_m: east,
                north_m: 0.0,
            },
            motion: ReportedMotion {
                speed_mps: Some(speed),
                heading_deg: Some(0.0),
                accel_long_mps2: None,
            },
        }
    }

    #[test]
    fn the_replay_index_keeps_each_report_its_window_and_at_most_twice_that() {
        let mut index = ReplayIndex::default();
        let t0 = 1_000_000;
        // 50 vehicles at 10 Hz for 6 s, each at its own speed, time passing as the world's
        // tick lets it (every 100 ms).
        for step in 0..60 {
            let at = t0 + step * 100;
            index.expire(at);
            for v in 0..50u8 {
                index.insert([v; 8], &report(f64::from(v) * 10.0, 5.0 + f64::from(v), at));
            }
        }
        let now = t0 + 5_900;
        let filed: Vec<Millis> = index
            .by_motion
            .values()
            .flatten()
            .map(|e| e.generated_at)
            .collect();
        // Every report of the last 2.5 s is there, none older than 5 s.
        for step in 0..60 {
            let at = t0 + step * 100;
            let n = filed.iter().filter(|g| **g == at).count();
            if now - at <= REPLAY_KEEP_MS {
                assert_eq!(n, 50, "filed at {at}");
            }
            if now - at > 2 * REPLAY_KEEP_MS {
                assert_eq!(n, 0, "filed at {at}");
            }
        }
        // A replay of vehicle 3's report by vehicle 7, 300 ms later, is found.
        let replay = report(30.0, 8.0, now + 300);
        let t = Thresholds::default();
        let found: Vec<_> = index.repeated([7; 8], &replay, &t).collect();
        assert!(
            found.iter().any(|(v, lag)| *v == [3; 8] && *lag == 300),
            "{found:?}"
        );
        // Everything goes in time: two generations on.
        index.expire(now + REPLAY_KEEP_MS);
        index.expire(now + 2 * REPLAY_KEEP_MS);
        assert_eq!(index.by_motion.values().count(), 0);
    }

    #[test]
    fn vehicles_moving_in_step_do_not_share_a_bucket_and_a_replay_across_a_cell_border_is_found() {
        let mut index = ReplayIndex::default();
        let t0 = 1_000_000;
        // 1,000 vehicles 3 m apart, all at 10 m/s due north, for 2 s.
        for step in 0..20 {
            for v in 0..1_000u32 {
                let mut o = report(f64::from(v) * 3.0, 10.0, t0 + step * 100);
                o.position.north_m = step as f64;
                index.insert((u64::from(v) | 1 << 40).to_be_bytes(), &o);
            }
        }
        let largest = index.by_motion.values().map(|b| b.len()).max();
        assert_eq!(largest, Some(1), "one report per place and motion");
        // A report 1 cm west of a cell border, replayed 2 cm east of it by another id.
        let mut original = report(0.99, 10.0, t0 + 5_000);
        original.position.north_m = 500.0;
        index.insert([1; 8], &original);
        let mut replay = report(1.02, 10.0, t0 + 5_200);
        replay.position.north_m = 500.0;
        let t = Thresholds::default();
        let found: Vec<_> = index.repeated([2; 8], &replay, &t).collect();
        assert_eq!(found, vec![([1; 8], 200)]);
    }
}
