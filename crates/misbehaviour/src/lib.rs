//! Misbehaviour detection: catching the devices that hold valid credentials and report what
//! is not there (docs/misbehaviour.md).
//!
//! ```text
//! admitted BSM -> Detector::judge -> each enabled check (checks.rs) -> findings
//!                                  -> the sender's trust score -> flagged / quarantined
//!                                  -> reports (one per sender and kind a second) and
//!                                     quarantine changes, for the store, the API and the map
//! ```
//!
//! The detector sits between admission and the world: the pipeline asks it about every
//! vehicle's report, with what the world knows around it ([`Around`]), before the report may
//! move a track. A quarantined sender's reports move nothing, and no advisory rests on it.
//! It works on what remains when there is no MAP and no RSU in range (the sender's own
//! reports over time), and the same whether the report came signed or unsigned, UPER or
//! JSON: it sees observations, after decoding.

#![warn(missing_docs)]

mod camera;
pub mod checks;
mod generations;
mod handover;
mod kalman;
mod moving_as_one;

pub use checks::{
    Around, Beacon, Check, Finding, History, Kind, Neighbour, ReplayIndex, Reported,
    ReportedMotion, Thresholds,
};
pub use handover::SenderRecord;
pub use moving_as_one::LockstepIndex;

use roadcloud_world::{Millis, Observation};
use serde::{Deserialize, Serialize};

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// How findings become decisions (docs/misbehaviour.md#decisions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrustRules {
    /// What one failed check takes off the sender's trust score (which starts at 1), times
    /// how far past its limit the report lies, up to [`max_excess`](Self::max_excess) times.
    pub penalty: f64,
    /// Most times the penalty one finding costs.
    pub max_excess: f64,
    /// How much trust returns each second without a finding.
    pub recovery_per_s: f64,
    /// At or below this score the sender is quarantined: one physically impossible report
    /// (a finding [`max_excess`](Self::max_excess) times past its limit, costing 0.6) is
    /// enough; lesser findings take two or more.
    pub quarantine_at: f64,
    /// At or above this score, a quarantined sender is released...
    pub release_at: f64,
    /// ... once it reports itself at least this far from where it was quarantined, metres
    /// (0: at once). A liar frozen where it was caught (VeReMi's `eventual_stop` and
    /// `constant_position`) is consistent with itself from then on, and would otherwise get
    /// its trust back by time alone and its ghost become an obstacle again; an honest
    /// sender quarantined by mistake is released when it drives on.
    pub release_after_moving_m: f64,
}

impl Default for TrustRules {
    fn default() -> Self {
        TrustRules {
            penalty: 0.2,
            max_excess: 3.0,
            recovery_per_s: 0.1,
            quarantine_at: 0.4,
            release_at: 0.9,
            release_after_moving_m: 5.0,
        }
    }
}

/// What the detector may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Nothing: reports are not checked.
    Off,
    /// Check, score and report, but quarantine no one (while a zone's thresholds are being
    /// set from its own traffic).
    Monitor,
    /// Check, score, report, and quarantine: the default, since an advisory resting on a
    /// liar is a false alarm at best.
    #[default]
    Enforce,
}

/// The detector's settings.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectorConfig {
    /// What it may do.
    pub mode: Mode,
    /// The checks' parameters.
    pub thresholds: Thresholds,
    /// How findings become decisions.
    pub trust: TrustRules,
}

/// A check's state ([`Detector::checks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckState {
    /// Which check.
    pub kind: Kind,
    /// Whether its findings cost trust (off, it still runs and counts).
    pub enabled: bool,
    /// Whether one finding takes all of a sender's trust.
    pub conclusive: bool,
    /// Findings so far.
    pub found: u64,
}

/// What a report led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing (the check's switch is off: counted only).
    None,
    /// The sender's trust score fell; it is still believed.
    Flagged,
    /// The sender is quarantined.
    Quarantined,
}

impl Action {
    /// The name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::None => "none",
            Action::Flagged => "flagged",
            Action::Quarantined => "quarantined",
        }
    }
}

/// A position a report rests on: what the sender said, when.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Generation time, ms since the epoch.
    pub at: Millis,
    /// Where, in the zone's local frame, metres east.
    pub east_m: f64,
    /// Metres north.
    pub north_m: f64,
    /// Reported speed, m/s.
    pub speed_mps: Option<f64>,
    /// Reported heading, degrees.
    pub heading_deg: Option<f64>,
}

impl Evidence {
    fn of(o: &checks::Reported) -> Self {
        Evidence {
            at: o.generated_at,
            east_m: o.position.east_m,
            north_m: o.position.north_m,
            speed_mps: o.motion.speed_mps,
            heading_deg: o.motion.heading_deg,
        }
    }
}

/// A misbehaviour report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The vehicle id the reports were sent under.
    pub device: [u8; 8],
    /// The check that failed.
    pub kind: Kind,
    /// When it was found (the failing report's arrival), ms since the epoch.
    pub at: Millis,
    /// What is wrong.
    pub detail: String,
    /// The reports it rests on: the sender's last few, the failing one last.
    pub evidence: Vec<Evidence>,
    /// What it led to.
    pub action: Action,
    /// The sender's trust score after it.
    pub trust: f64,
}

/// A sender entering or leaving quarantine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QuarantineChange {
    /// The vehicle id.
    pub device: [u8; 8],
    /// Whether it is quarantined from now (else released).
    pub quarantined: bool,
    /// When, ms since the epoch.
    pub at: Millis,
}

/// Whether a report may act on the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Believed.
    Trusted,
    /// Its sender is quarantined: it moves nothing.
    Quarantined,
    /// A check found something, and the report's deferred signature then failed: not the
    /// sender's, it moves nothing and counts against no one ([`Detector::judge_vouched`]).
    Unvouched,
}

/// Reports of the last two seconds or so are kept per sender.
const HISTORY_MS: Millis = 2_500;
/// At most this many reports are kept per sender (a DoS sends many).
const HISTORY_MAX: usize = 64;
/// One report per sender and kind in this long; findings between count all the same.
const REPORT_EVERY_MS: Millis = 1_000;
/// The side of the cells the detector files senders in by their last position, metres
/// (a roadside detection's vehicle is looked for in the cells around it).
const CELL_M: f64 = 50.0;
/// How long a vehicle that drove through a standing sender counts against it, ms.
const DRIVEN_THROUGH_KEPT_MS: Millis = 60_000;
/// A sender silent this long is forgotten (a quarantined one too: its reports, should it
/// come back, are judged afresh, which its first lies quarantine again).
const FORGET_AFTER_MS: Millis = 60_000;

#[derive(Debug, Clone)]
struct Sender {
    history: History,
    trust: f64,
    trust_at: Millis,
    quarantined: bool,
    last_report: [Millis; Kind::ALL.len()],
    last_seen: Millis,
    cell: (i32, i32),
    /// How often it has been quarantined: each time past the first, its trust returns at
    /// half the rate (a repeat offender proves itself longer).
    quarantines: u32,
    /// Where it said it was when last quarantined (see
    /// [`TrustRules::release_after_moving_m`]).
    quarantined_where: Option<roadcloud_world::Point>,
}

impl Sender {
    /// A sender first heard at `since` (generation time), its report arriving at
    /// `last_seen`: fully trusted.
    fn new(since: Millis, last_seen: Millis) -> Sender {
        Sender {
            history: History {
                since,
                ..History::default()
            },
            trust: 1.0,
            trust_at: since,
            quarantined: false,
            last_report: [Millis::MIN / 2; Kind::ALL.len()],
            last_seen,
            cell: (i32::MIN, i32::MIN),
            quarantines: 0,
            quarantined_where: None,
        }
    }

    /// Whether this sender is to be believed at least as much as `other`: fewer
    /// quarantines, or as many and a trust score at least as high.
    fn at_least_as_trusted_as(&self, other: &Sender) -> bool {
        match self.quarantines.cmp(&other.quarantines) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Equal => self.trust >= other.trust,
            std::cmp::Ordering::Greater => false,
        }
    }
}

fn cell_of(p: roadcloud_world::Point) -> (i32, i32) {
    (
        (p.east_m / CELL_M).floor() as i32,
        (p.north_m / CELL_M).floor() as i32,
    )
}

/// The detector (module docs): one per writer, fed every vehicle's report.
pub struct Detector {
    config: DetectorConfig,
    checks: Vec<Box<dyn Check>>,
    enabled: [bool; Kind::ALL.len()],
    senders: HashMap<[u8; 8], Sender>,
    /// The RSUs' cameras' pairs of detections and self-reports.
    cameras: HashMap<[u8; 8], camera::Calibration>,
    /// Where the cameras see the vehicles.
    coverage: camera::Coverage,
    /// Every vehicle's reports of the last moments, for the replay check.
    replays: ReplayIndex,
    /// The same by moment and motion, for the moving-as-one check.
    lockstep: LockstepIndex,
    /// Senders by the cell of their last report.
    cells: HashMap<(i32, i32), Vec<[u8; 8]>>,
    reports: Vec<Report>,
    changes: Vec<QuarantineChange>,
    found: [u64; Kind::ALL.len()],
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("senders", &self.senders.len())
            .field("quarantined", &self.quarantined().count())
            .finish()
    }
}

impl Default for Detector {
    fn default() -> Self {
        Detector::new(DetectorConfig::default())
    }
}

impl Detector {
    /// A detector with every check on.
    pub fn new(config: DetectorConfig) -> Self {
        let enabled = [true; Kind::ALL.len()];
        Detector {
            config,
            checks: checks::catalogue(),
            enabled,
            senders: HashMap::default(),
            cameras: HashMap::default(),
            coverage: camera::Coverage::default(),
            replays: ReplayIndex::default(),
            lockstep: LockstepIndex::default(),
            cells: HashMap::default(),
            reports: Vec::new(),
            changes: Vec::new(),
            found: [0; Kind::ALL.len()],
        }
    }

    /// The settings.
    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// Switches a check on or off. Off, it still runs and counts, but its findings cost
    /// no trust (reports say `none`).
    pub fn set_enabled(&mut self, kind: Kind, on: bool) {
        self.enabled[kind.index()] = on;
    }

    /// Whether a check is on.
    pub fn enabled(&self, kind: Kind) -> bool {
        self.enabled[kind.index()]
    }

    /// Each check's state, for the API: whether it is on, whether its finding alone
    /// quarantines, and how often it has found something.
    pub fn checks(&self) -> impl Iterator<Item = CheckState> + '_ {
        Kind::ALL.into_iter().map(|kind| CheckState {
            kind,
            enabled: self.enabled(kind),
            // `sybil` is no check on a report: admission finds the impostor.
            conclusive: kind == Kind::Sybil
                || self
                    .checks
                    .iter()
                    .any(|c| c.kind() == kind && c.conclusive()),
            found: self.found[kind.index()],
        })
    }

    /// Where the phantom check applies at `now`: the 10 m cells in which a camera has
    /// detected a vehicle, and how many of them the cameras cover (docs/misbehaviour.md#phantom).
    pub fn camera_coverage(&self, now: Millis) -> (usize, usize) {
        self.coverage.extent(now, &self.config.thresholds)
    }

    /// Findings of each kind so far.
    pub fn found(&self) -> impl Iterator<Item = (Kind, u64)> + '_ {
        Kind::ALL.into_iter().map(|k| (k, self.found[k.index()]))
    }

    /// Whether vehicle `id` is quarantined.
    pub fn is_quarantined(&self, id: [u8; 8]) -> bool {
        self.senders.get(&id).is_some_and(|s| s.quarantined)
    }

    /// The quarantined vehicles.
    pub fn quarantined(&self) -> impl Iterator<Item = [u8; 8]> + '_ {
        self.senders
            .iter()
            .filter(|(_, s)| s.quarantined)
            .map(|(id, _)| *id)
    }

    /// Vehicle `id`'s trust score, if it has sent anything lately.
    pub fn trust(&self, id: [u8; 8]) -> Option<f64> {
        self.senders.get(&id).map(|s| s.trust)
    }

    /// Judges one report of vehicle `id` with what lies `around` it: runs the checks,
    /// updates the sender's trust, and says whether the report may act.
    pub fn judge(&mut self, id: [u8; 8], report: &Observation, around: &Around) -> Verdict {
        self.judge_vouched(id, report, around, || true)
    }

    /// [`Self::judge`] for a report whose signature has not been checked yet (verify on
    /// demand, docs/security.md#keeping-up): `vouch` checks it, and is called only when a
    /// check finds something. A finding costs its sender trust only on a report the sender
    /// signed, or a forger could have an honest vehicle quarantined under its own id; a
    /// report whose signature fails is [`Verdict::Unvouched`] and leaves no trace here.
    pub fn judge_vouched(
        &mut self,
        id: [u8; 8],
        report: &Observation,
        around: &Around,
        vouch: impl FnOnce() -> bool,
    ) -> Verdict {
        let t = self.config.thresholds;
        let now = report.generated_at;
        let cell = cell_of(report.position);
        let covering = around.covering_rsu.or_else(|| {
            self.coverage
                .covering(report.position, report.received_at, &t)
        });
        let sender = self.enter(id, now, report.received_at);
        // The checks read these two; kept to be put back should the report prove forged.
        let before = (sender.history.unseen_since, sender.history.late_since);
        // Where a camera looks, how long it has not seen the sender.
        sender.history.unseen_since = match (covering, around.seen_by_roadside) {
            (Some(_), false) => sender.history.unseen_since.or(Some(now)),
            _ => None,
        };
        // Since when every report of it has arrived late.
        sender.history.late_since = (report.received_at - now > t.late_after_ms)
            .then(|| sender.history.late_since.unwrap_or(now));
        let findings = self.run_checks(id, report, around, covering);
        let sender = self.senders.get_mut(&id).expect("entered above");
        if !findings.is_empty() && !vouch() {
            (sender.history.unseen_since, sender.history.late_since) = before;
            return Verdict::Unvouched;
        }
        // The honest majority teaches where the cameras look: a visit to a cell counts
        // when the vehicle leaves it.
        let here = camera::coverage_cell(report.position);
        let seen = around.seen_by_roadside;
        let ended = match &mut sender.history.visit {
            Some((c, s)) if *c == here => {
                *s |= seen;
                None
            }
            visit => visit.replace((here, seen)),
        };
        if let Some((cell, seen)) = ended.filter(|_| !sender.quarantined) {
            self.coverage.visited(cell, seen);
        }
        let sender = self.senders.get_mut(&id).expect("entered above");
        if sender.cell != cell {
            let old = sender.cell;
            sender.cell = cell;
            if let Some(ids) = self.cells.get_mut(&old) {
                ids.retain(|i| *i != id);
            }
            self.cells.entry(cell).or_default().push(id);
        }
        self.decide(id, report.received_at, findings, Some(report));
        let sender = self.senders.get_mut(&id).expect("entered above");
        let overlapping = around
            .neighbours
            .iter()
            .find(|n| n.vehicle.is_some_and(|v| v != id) && checks::overlaps(n, report, &t));
        sender.history.overlapped = overlapping.and_then(|n| n.vehicle);
        let through = &mut sender.history.driven_through_by;
        through.retain(|(_, at)| now - *at <= DRIVEN_THROUGH_KEPT_MS);
        if let Some(n) =
            overlapping.filter(|n| checks::drives_through(n.speed_mps, report.motion.speed_mps))
        {
            let mover = n.vehicle.expect("found with one");
            match through.iter_mut().find(|(v, _)| *v == mover) {
                Some(seen) => seen.1 = now,
                None => through.push((mover, now)),
            }
        }
        // The report joins the history only if it is later (a replayed one would rewrite it).
        let h = &mut sender.history;
        if h.last()
            .is_none_or(|l| report.generated_at > l.generated_at)
        {
            match &mut h.kalman {
                Some(k) => k.update(report.position, report.generated_at),
                None => h.kalman = Some(kalman::Kalman::new(report.position, now)),
            }
            let kept = checks::Reported::from(report);
            h.recent.push_back(kept);
            self.replays.insert(id, &kept);
            self.lockstep.insert(id, h.since, &kept);
        }
        while h.recent.len() > HISTORY_MAX
            || h.recent
                .front()
                .is_some_and(|o| now - o.generated_at > HISTORY_MS)
        {
            h.recent.pop_front();
        }
        if sender.quarantined {
            Verdict::Quarantined
        } else {
            Verdict::Trusted
        }
    }

    /// Turns vehicle `id`'s findings, found at `now` (about `report`, when one is judged),
    /// into trust, reports and quarantine.
    fn decide(
        &mut self,
        id: [u8; 8],
        now: Millis,
        findings: Vec<(Kind, Finding, bool)>,
        report: Option<&Observation>,
    ) {
        let rules = self.config.trust;
        let Some(sender) = self.senders.get_mut(&id) else {
            return;
        };
        for (kind, finding, conclusive) in findings {
            self.found[kind.index()] += 1;
            let on = self.enabled[kind.index()];
            if on {
                let cost = if conclusive {
                    1.0
                } else {
                    rules.penalty * finding.excess.min(rules.max_excess)
                };
                sender.trust = (sender.trust - cost).max(0.0);
            }
            let entering = on
                && self.config.mode == Mode::Enforce
                && !sender.quarantined
                && sender.trust <= rules.quarantine_at + 1e-9;
            if entering {
                sender.quarantined = true;
                sender.quarantines += 1;
                sender.quarantined_where = report
                    .map(|r| r.position)
                    .or(sender.history.last().map(|r| r.position));
                self.changes.push(QuarantineChange {
                    device: id,
                    quarantined: true,
                    at: now,
                });
            }
            let action = match (on, sender.quarantined) {
                (false, _) => Action::None,
                (true, false) => Action::Flagged,
                (true, true) => Action::Quarantined,
            };
            let last = &mut sender.last_report[kind.index()];
            if entering || now - *last >= REPORT_EVERY_MS {
                *last = now;
                let evidence = sender
                    .history
                    .recent
                    .iter()
                    .rev()
                    .take(4)
                    .rev()
                    .copied()
                    .chain(report.map(checks::Reported::from))
                    .map(|r| Evidence::of(&r))
                    .collect();
                self.reports.push(Report {
                    device: id,
                    kind,
                    at: now,
                    detail: finding.detail,
                    evidence,
                    action,
                    trust: sender.trust,
                });
            }
        }
        // Released on a report of its own, away from where it was caught.
        let moved_on = report.is_some_and(|r| {
            sender
                .quarantined_where
                .is_none_or(|w| w.distance_to(r.position) >= rules.release_after_moving_m)
        });
        if sender.quarantined && sender.trust >= rules.release_at && moved_on {
            sender.quarantined = false;
            self.changes.push(QuarantineChange {
                device: id,
                quarantined: false,
                at: now,
            });
        }
    }

    /// RSU `rsu`'s roadside `detections` (one RSM's), received at `now`: each detection of
    /// a vehicle is paired with the self-report of the connected vehicle it can only be, and
    /// the camera is judged on its pairs of the last half minute (camera.rs). Whether its
    /// detections may act: a quarantined camera's move nothing.
    pub fn roadside(&mut self, rsu: [u8; 8], detections: &[Observation], now: Millis) -> Verdict {
        if self.config.mode == Mode::Off {
            return Verdict::Trusted;
        }
        let t = self.config.thresholds;
        let reach = (t.camera_match_m / CELL_M).ceil() as i32;
        let calibration = self.cameras.entry(rsu).or_default();
        self.coverage.rsm(rsu, now);
        let mut last = None;
        for d in detections {
            if d.kind != roadcloud_world::observe::ParticipantKind::Vehicle {
                continue;
            }
            self.coverage.detected(rsu, d.position);
            let (ce, cn) = cell_of(d.position);
            let senders = &self.senders;
            let candidates = (ce - reach..=ce + reach)
                .flat_map(|e| (cn - reach..=cn + reach).map(move |n| (e, n)))
                .filter_map(|c| self.cells.get(&c))
                .flatten()
                .filter_map(|v| {
                    let s = senders.get(v).filter(|s| !s.quarantined)?;
                    Some((*v, camera::carried_to(s.history.last()?, d.generated_at)?))
                });
            if let Some((vehicle, p)) =
                camera::unambiguous(d.position, candidates, t.camera_match_m)
            {
                calibration.add(
                    camera::Pair {
                        at: d.generated_at,
                        vehicle,
                        east_m: d.position.east_m - p.east_m,
                        north_m: d.position.north_m - p.north_m,
                    },
                    &t,
                );
                last = Some(d);
            }
        }
        let finding = last.and_then(|_| calibration.check(&t));
        self.enter(rsu, now, now);
        if let Some(f) = finding {
            self.decide(rsu, now, vec![(Kind::CameraOffset, f, false)], last);
        }
        if self.is_quarantined(rsu) {
            Verdict::Quarantined
        } else {
            Verdict::Trusted
        }
    }

    /// An OBU (`device`, its topic's) sent a message under vehicle id `claimed`, which
    /// admission refused as spoofed, at `now`: over an authenticated link only that OBU
    /// publishes there, so it poses as another vehicle (a Sybil). Conclusive: it loses all
    /// trust, and in enforce mode its own reports are quarantined.
    pub fn impostor(&mut self, device: [u8; 8], claimed: [u8; 8], now: Millis) {
        if self.config.mode == Mode::Off {
            return;
        }
        self.enter(device, now, now);
        let finding = Finding::new(
            format!(
                "OBU {} sent a message as vehicle {}",
                roadcloud_per::jer::hex(&device),
                roadcloud_per::jer::hex(&claimed)
            ),
            1.0,
        );
        self.decide(device, now, vec![(Kind::Sybil, finding, true)], None);
    }

    /// Vehicle `id`'s sender, entered if new, its trust returned with the time to `now`.
    fn enter(&mut self, id: [u8; 8], now: Millis, received_at: Millis) -> &mut Sender {
        let recovery = self.config.trust.recovery_per_s;
        let sender = self
            .senders
            .entry(id)
            .or_insert_with(|| Sender::new(now, received_at));
        sender.last_seen = received_at;
        // Trust returns with time, slower for a repeat offender.
        if now > sender.trust_at {
            let dt = (now - sender.trust_at) as f64 / 1000.0;
            let rate = recovery / f64::from(1u32 << sender.quarantines.saturating_sub(1).min(16));
            sender.trust = (sender.trust + rate * dt).min(1.0);
            sender.trust_at = now;
        }
        sender
    }

    /// Runs the checks on vehicle `id`'s report (its sender entered): the findings, each
    /// with whether it is conclusive.
    fn run_checks(
        &self,
        id: [u8; 8],
        report: &Observation,
        around: &Around,
        covering_rsu: Option<[u8; 8]>,
    ) -> Vec<(Kind, Finding, bool)> {
        let t = &self.config.thresholds;
        let sender = &self.senders[&id];
        // Two vehicles in one place: one of them lies, and the blame goes to the less
        // trusted; an honest vehicle driving through a liar's ghost is not reported. Trust
        // comes back with time, so a released liar standing where it was quarantined would
        // soon be as trusted as the honest cars driving through it: its record decides
        // first (fewer quarantines, more trusted), its score then. And a vehicle driving
        // through one that stands is not blamed for it, whatever their records: no car
        // drives through a standing one, so the standing one is not there (VeReMi's
        // `eventual_stop` and `constant_position` ghosts, whose stop from a walking pace no
        // check sees, or which were released), and each car driving through it counts
        // against it (checks.rs `Overlap`).
        let around = Around {
            neighbours: around
                .neighbours
                .iter()
                .filter(|n| {
                    n.vehicle
                        .and_then(|v| self.senders.get(&v))
                        .is_none_or(|s| {
                            !s.quarantined
                                && s.at_least_as_trusted_as(sender)
                                && !checks::drives_through(report.motion.speed_mps, n.speed_mps)
                        })
                })
                .copied()
                .collect(),
            covering_rsu,
            seen_by_roadside: around.seen_by_roadside,
        };
        let beacon = Beacon::new(
            id,
            report,
            &sender.history,
            &around,
            &self.replays,
            &self.lockstep,
            t,
        );
        self.checks
            .iter()
            .filter_map(|c| c.check(&beacon, t).map(|f| (c.kind(), f, c.conclusive())))
            .collect()
    }

    /// Forgets senders silent since `now - 60 s`.
    pub fn expire(&mut self, now: Millis) {
        let changes = &mut self.changes;
        let cells = &mut self.cells;
        self.senders.retain(|id, s| {
            let keep = now - s.last_seen <= FORGET_AFTER_MS;
            if !keep {
                if let Some(ids) = cells.get_mut(&s.cell) {
                    ids.retain(|i| i != id);
                }
                if s.quarantined {
                    changes.push(QuarantineChange {
                        device: *id,
                        quarantined: false,
                        at: now,
                    });
                }
            }
            keep
        });
        cells.retain(|_, ids| !ids.is_empty());
        let senders = &self.senders;
        self.cameras.retain(|rsu, _| senders.contains_key(rsu));
        self.coverage.expire(now);
        self.replays.expire(now);
        self.lockstep.expire(now);
    }

    /// The reports since the last call.
    pub fn take_reports(&mut self) -> Vec<Report> {
        std::mem::take(&mut self.reports)
    }

    /// The quarantine changes since the last call.
    pub fn take_changes(&mut self) -> Vec<QuarantineChange> {
        std::mem::take(&mut self.changes)
    }
}
