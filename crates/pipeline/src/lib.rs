//! The in-process pipeline: a [`Frame`] goes through admission and into the world model.
//!
//! ```text
//! Frame -> Admission (decode, sender, time window, rate) -> misbehaviour -> route -> tile shards: Tracks
//!                                                        \-> MAP / SPAT / RSI (zone-wide)
//!                                                        \-> Journal (for the store and the live feed)
//! evaluate: each shard's tiles that changed -> Scene -> applications -> quarantine, advisory gate -> advisories
//!                                                                                              \-> RSI relay -> RSU downlinks
//! ```
//!
//! [`Pipeline`] holds everything one writer owns: the state kept per device (admission,
//! misbehaviour, the advisory gate) and zone-wide (MAP, SPAT, RSI, RSU positions), and the
//! tile shards ([`shards`]), whose steps it runs side by side on every core. It does no I/O
//! and reads no clock except through the times it is given, so a benchmark or a test drives
//! it exactly as the server does. What changed since the last look is kept in a [`Journal`]
//! that the server drains to the store and to the live feed.

#![warn(missing_docs)]

mod latency;
mod parking;
mod relay;
mod services;
pub mod shards;

pub use latency::LatencyHistogram;
pub use parking::{Held, ParkingCounts};
pub use relay::{RelayConfig, RsuDownlink};
use roadcloud_world::parking::CarPark;
pub use services::{
    CLOUD_ID, GapGrant, RsuCoordination, ServiceCounts, SignalDownlink, VehicleDownlink,
};
pub use shards::{Scenes, ShardMessage, ShardPlan, ShardStats, ZoneTracks};

use roadcloud_admission::{Admission, AdmissionConfig, Admitted, Decoded, Rejection, Uplink};
use roadcloud_apps::gate::{AdvisoryGate, Passed};
use roadcloud_apps::{Advisory, ParticipantId, Registry};
use roadcloud_csae::MessageFrame;
use roadcloud_misbehaviour::{
    Around, Detector, DetectorConfig, Mode, QuarantineChange, Report, Verdict,
};
use roadcloud_security::trust::{PendingSignature, TrustStore};
use roadcloud_transport::{DeviceId, DeviceKind, Frame, MessageKind};
use roadcloud_world::events::{EventKind, RoadEvent, events_from_rsi};
use roadcloud_world::map::{Intersection, NodeId, intersections_from_map};
use roadcloud_world::signals::{SignalState, signals_from_spat};
use roadcloud_world::{
    LaneIndex, LocalFrame, Millis, Point, Track, TrackConfig, TrackId, observe_bsm, observe_psm,
    observe_rsm, observe_ssm, obstacles::Obstacle, units,
};
use shards::{Shards, ZoneWide};
use std::sync::Arc;
/// Maps keyed by what devices send (ids in topics and messages): a fast hash, but seeded per
/// process, so no one can precompute colliding ids to slow a map down.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Settings of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PipelineConfig {
    /// Latitude of the zone origin, degrees.
    pub origin_lat: f64,
    /// Longitude of the zone origin, degrees.
    pub origin_lon: f64,
    /// Admission limits.
    pub admission: AdmissionConfig,
    /// Association and expiry of tracks.
    pub tracks: TrackConfig,
    /// How long a signal state stands without a new SPAT, milliseconds.
    pub signal_ttl_ms: Millis,
    /// How long an RSI event stands without being announced again, milliseconds.
    pub event_ttl_ms: Millis,
    /// How often a standing advisory is sent again, milliseconds (and zone-wide
    /// information to an RSU).
    pub advisory_repeat_ms: Millis,
    /// Zone-wide information to RSUs.
    pub relay: RelayConfig,
    /// Misbehaviour detection.
    pub misbehaviour: DetectorConfig,
    /// How the tiles are dealt to shards.
    pub shards: ShardPlan,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            origin_lat: 31.2866,
            origin_lon: 121.1655,
            admission: AdmissionConfig::default(),
            tracks: TrackConfig::default(),
            signal_ttl_ms: 5_000,
            event_ttl_ms: 60_000,
            advisory_repeat_ms: 1_000,
            relay: RelayConfig::default(),
            misbehaviour: DetectorConfig::default(),
            shards: ShardPlan::default(),
        }
    }
}

/// Counters of the pipeline, for the API and metrics.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    /// Frames received.
    pub received: u64,
    /// Frames admitted.
    pub admitted: u64,
    /// Frames admitted by message kind, indexed by [`MessageKind::index`].
    pub admitted_by_kind: [u64; MessageKind::ALL.len()],
    /// Observations applied to the tracks.
    pub observations: u64,
    /// Reports of quarantined vehicles, not applied.
    pub quarantined_reports: u64,
    /// How long whatever runs the pipeline spent taking batches in (admission, the world
    /// update), microseconds; counted by it (the node's world stage).
    pub ingest_busy_us: u64,
    /// How long it spent on the applications (and their advisories' way to the
    /// downlinks), microseconds.
    pub apps_busy_us: u64,
}

impl Counters {
    /// Frames admitted per message kind (`BSM`, `RSM`, ...), kinds never admitted left out.
    pub fn admitted_by_kind(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        MessageKind::ALL
            .iter()
            .zip(self.admitted_by_kind)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| (k.as_str(), n))
    }
}

/// How an event or a device changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// First seen (an event announced, a device heard from).
    Appeared,
    /// Announced again with different content.
    Changed,
    /// Ended, expired, or fell silent.
    Ended,
}

impl Change {
    /// The name used in the store and the live feed.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Appeared => "appeared",
            Change::Changed => "changed",
            Change::Ended => "ended",
        }
    }
}

/// An event or sign that appeared, changed or ended.
#[derive(Debug, Clone, PartialEq)]
pub struct EventChange {
    /// What happened to it.
    pub change: Change,
    /// The event as it stands (as it last stood, when it ended).
    pub event: RoadEvent,
    /// When.
    pub at: Millis,
}

/// A device that came online or went offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceChange {
    /// Which.
    pub device: DeviceId,
    /// RSU or OBU.
    pub kind: DeviceKind,
    /// Online (true) or offline.
    pub online: bool,
    /// When.
    pub at: Millis,
}

/// What changed since the journal was last taken. (Tracks created or updated are those
/// whose `updated_at` is later than the last look; a journal entry per BSM would cost more
/// than the look.)
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Journal {
    /// Tracks that expired.
    pub tracks_removed: Vec<TrackId>,
    /// Intersections whose MAP or signal state changed.
    pub intersections_touched: std::collections::HashSet<NodeId, foldhash::fast::RandomState>,
    /// Events and signs that appeared, changed or ended.
    pub events: Vec<EventChange>,
    /// Devices that came online or went offline.
    pub devices: Vec<DeviceChange>,
    /// Advisories sent.
    pub advisories: Vec<Advisory>,
    /// Misbehaviour reports.
    pub misbehaviour: Vec<Report>,
    /// Vehicles quarantined or released.
    pub quarantine: Vec<QuarantineChange>,
}

/// The vehicles an advisory rests on: its target, and the vehicles it is about.
fn vehicles_of(a: &Advisory) -> impl Iterator<Item = [u8; 8]> + '_ {
    std::iter::once(a.target).chain(a.others.iter().filter_map(|o| match o.id {
        ParticipantId::Vehicle(v) => Some(v),
        _ => None,
    }))
}

/// A vehicle whose reports move no track is seen by the roadside when a roadside detection
/// lies this close to where it says it is, metres (a camera's and a GNSS error together).
const UNTRACKED_SEEN_WITHIN_M: f64 = 3.0;

/// The key of an event: its RSU, whether event or sign, and its id there.
pub type EventKey = ([u8; 8], EventKind, u8);

/// Everything the pipeline's single writer owns: the state kept per device and zone-wide,
/// and the tile shards (see [`shards`]), whose steps it runs side by side.
pub struct Pipeline {
    config: PipelineConfig,
    /// The zone's frame.
    pub frame: LocalFrame,
    /// Admission state and per-device statistics.
    pub admission: Admission,
    /// The tile shards, with the live tracks.
    shards: Shards,
    /// Intersections from MAP.
    pub intersections: HashMap<NodeId, Intersection>,
    /// Their lanes, for lane matching.
    pub lanes: LaneIndex,
    /// Latest signal state from SPAT.
    pub signals: HashMap<NodeId, SignalState>,
    /// The RSU whose SPAT announces each junction: the way to its signal controller.
    pub signal_rsus: HashMap<NodeId, DeviceId>,
    /// Road events and signs from RSI.
    pub events: HashMap<EventKey, RoadEvent>,
    /// Obstacles on the road, from SSMs' obstacle lists (shared with the vehicles that ask,
    /// SDS).
    pub obstacles: roadcloud_world::obstacles::Obstacles,
    /// Counters.
    pub counters: Counters,
    /// Ingest latency: from a BSM's generation to the end of the batch that applied it.
    pub latency: LatencyHistogram,
    /// Advice latency at the node: from the generation of the report each advisory rests on
    /// (its `reported_at`) to the advisory's hand-off to the downlinks
    /// ([`note_advice_sent`](Self::note_advice_sent)). What a vehicle sees adds the way
    /// from its report to the node and from the downlink to it.
    pub advice_latency: LatencyHistogram,
    /// The applications.
    pub apps: Registry,
    /// Misbehaviour detection, between admission and the world.
    pub misbehaviour: Detector,
    /// Advisories sent, by scenario.
    pub advisories_sent: std::collections::BTreeMap<&'static str, u64>,
    gate: AdvisoryGate,
    /// Where each RSU is (the reference position of its latest RSM or RSI).
    pub rsus: HashMap<DeviceId, Point>,
    relay: relay::RsiRelay,
    downlinks: Vec<RsuDownlink>,
    /// Vehicles' requests (VIR) waiting for the Day-2 services, and their answers.
    services: services::Services,
    journal: Journal,
    /// Generation times of the BSMs of the batch in progress.
    batch_generated: Vec<Millis>,
    /// What checks signatures deferred by the decoding stage.
    trust: Arc<TrustStore>,
    /// Vehicles whose newest report was admitted with its signature's check deferred, with
    /// the device that sent it and that signature, and the report's before it
    /// (docs/security.md#keeping-up): checked before an advisory rests on the vehicle.
    unverified: HashMap<[u8; 8], Unverified>,
    /// Vehicles with a self-report routed to the shards in the batch in progress, not yet
    /// applied: a deferred report behind it does not start the vehicle's track.
    routed: HashSet<[u8; 8]>,
}

impl Pipeline {
    /// An empty world with `config`.
    pub fn new(config: PipelineConfig) -> Self {
        Pipeline {
            config,
            frame: LocalFrame::new(config.origin_lat, config.origin_lon),
            admission: Admission::new(config.admission),
            shards: Shards::new(config.shards, config.tracks),
            intersections: HashMap::default(),
            lanes: LaneIndex::default(),
            signals: HashMap::default(),
            signal_rsus: HashMap::default(),
            events: HashMap::default(),
            obstacles: Default::default(),
            counters: Counters::default(),
            latency: LatencyHistogram::default(),
            advice_latency: LatencyHistogram::default(),
            apps: Registry::new(),
            misbehaviour: Detector::new(config.misbehaviour),
            advisories_sent: Default::default(),
            gate: AdvisoryGate::new(config.advisory_repeat_ms),
            rsus: HashMap::default(),
            relay: relay::RsiRelay::new(config.relay),
            downlinks: Vec::new(),
            services: services::Services::default(),
            journal: Journal::default(),
            batch_generated: Vec::new(),
            trust: Arc::new(TrustStore::new()),
            unverified: HashMap::default(),
            routed: HashSet::default(),
        }
    }

    /// Checks the signatures the decoding stage deferred with `trust` (the store they were
    /// found in, so revocations since count).
    pub fn with_trust_store(mut self, trust: Arc<TrustStore>) -> Self {
        self.trust = trust;
        self
    }

    /// The settings.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// The live tracks, over every shard.
    pub fn tracks(&self) -> ZoneTracks<'_> {
        ZoneTracks::new(&self.shards)
    }

    /// Holds tracks other nodes own that lie near this node's tiles as mirrors (a cluster's
    /// border mirrors), as of `now`: the applications see them, and a report of one of
    /// their vehicles here takes the track over. A track owned here gives way to a newer
    /// copy (its vehicle crossed into the other node's tiles). Copies not renewed within
    /// half a second go.
    pub fn put_remote_mirrors(&mut self, tracks: impl IntoIterator<Item = Track>, now: Millis) {
        self.apply_pending();
        for t in tracks {
            if let Some(gone) = self.shards.put_remote(t, now) {
                self.journal.tracks_removed.push(gone);
            }
        }
    }

    /// What the advisory gate last sent each of `vehicles` for each condition
    /// ([`AdvisoryGate::standing`]): goes with their tracks to the node that mirrors them,
    /// which may take them over.
    pub fn standing_advisories(
        &self,
        vehicles: &std::collections::HashSet<[u8; 8]>,
    ) -> Vec<roadcloud_apps::gate::Standing> {
        self.gate.standing(|v| vehicles.contains(&v))
    }

    /// Takes in what another node's gate sent the vehicles it mirrors here
    /// ([`AdvisoryGate::adopt`]): a warning that stands is not sent again as new when one
    /// of them crosses into this node's tiles.
    pub fn adopt_standing_advisories(
        &mut self,
        standing: impl IntoIterator<Item = roadcloud_apps::gate::Standing>,
    ) {
        for s in standing {
            self.gate.adopt(s);
        }
    }

    /// Takes in tracks another node kept (a snapshot of tiles taken over in a cluster):
    /// each keeps its id, trail and lane, unless a track here already holds its id or its
    /// vehicle. How many were taken in. A track whose time has passed goes at the next
    /// expiry, as any other.
    pub fn restore_tracks(&mut self, tracks: impl IntoIterator<Item = Track>) -> usize {
        let taken = tracks
            .into_iter()
            .filter_map(|t| self.shards.restore(t).then_some(()))
            .count();
        self.apply_pending();
        taken
    }

    /// Each shard's figures, in shard order.
    pub fn shard_stats(&self) -> Vec<ShardStats> {
        self.shards.stats()
    }

    /// Takes one frame: admits it and applies it, or counts its rejection (a batch of one:
    /// the world shows it at once).
    pub fn ingest(&mut self, frame: &Frame) -> Result<(), Rejection> {
        let r = self.ingest_decoded(roadcloud_admission::decode(frame));
        self.apply_pending();
        r
    }

    /// Takes one frame through [`roadcloud_admission::decode`] (the stateless half of
    /// admission, which another thread may run): admits it, or counts its rejection. Its
    /// observations reach the tracks at the end of the batch ([`Pipeline::finish_batch`]),
    /// all shards side by side; until then, admission and misbehaviour detection see the
    /// world as the batch found it.
    pub fn ingest_decoded(&mut self, decoded: Result<Decoded, Rejection>) -> Result<(), Rejection> {
        self.counters.received += 1;
        let decoded = decoded.inspect_err(|r| self.admission.count_anonymous(r))?;
        let a = self
            .admission
            .admit_decoded(decoded)
            .inspect_err(|r| self.note_impostor(r))?;
        if a.came_online {
            self.journal.devices.push(DeviceChange {
                device: a.topic.device,
                kind: a.topic.kind,
                online: true,
                at: a.received_at,
            });
        }
        self.apply(a);
        Ok(())
    }

    /// An OBU that sent under another vehicle's id is a Sybil (docs/misbehaviour.md#sybil).
    fn note_impostor(&mut self, r: &Rejection) {
        if let Some(i) = r.impostor {
            self.misbehaviour
                .impostor(i.device.0, i.claimed, roadcloud_transport::now_millis());
        }
    }

    /// Ends a batch of [`ingest_decoded`](Self::ingest_decoded) calls at `now_us`
    /// (microseconds since the epoch): its observations reach the tracks, and what it
    /// applied is visible from now, so its latency is counted now.
    pub fn finish_batch(&mut self, now_us: i64) {
        self.apply_pending();
        for g in self.batch_generated.drain(..) {
            self.latency.record_us(now_us - g * 1_000);
        }
    }

    /// Counts the advice latency of `advisories`, handed to the downlinks at `now_us`
    /// (microseconds since the epoch).
    pub fn note_advice_sent(&mut self, advisories: &[Advisory], now_us: i64) {
        for a in advisories {
            self.advice_latency
                .record_us(now_us - a.reported_at * 1_000);
        }
    }

    /// Applies the observations routed to the shards, and passes on what follows.
    fn apply_pending(&mut self) {
        self.shards.settle(&self.lanes);
        self.routed.clear();
    }

    fn apply(&mut self, mut a: Admitted) {
        if !self.vouch_for_admitted(&mut a) {
            return;
        }
        self.counters.admitted += 1;
        self.counters.admitted_by_kind[a.topic.message.index()] += 1;
        let message = match &a.message {
            Uplink::Message(m) => m,
            // A heartbeat keeps its RSU online (admission saw it), and changes nothing else.
            Uplink::Heartbeat => return,
        };
        let observations = match message {
            // The common case, without a list for its one observation.
            MessageFrame::BsmFrame(b) => {
                if let Ok(o) = observe_bsm(&self.frame, b, a.received_at) {
                    self.batch_generated.push(o.generated_at);
                    if self.misbehaviour.config().mode != Mode::Off {
                        match self.judge(b.id, &o) {
                            Verdict::Trusted => {}
                            Verdict::Quarantined => {
                                self.counters.quarantined_reports += 1;
                                return;
                            }
                            // Forged: admission has counted the bad signature.
                            Verdict::Unvouched => return,
                        }
                    }
                    self.routed.insert(b.id);
                    self.observe(o);
                }
                return;
            }
            MessageFrame::RsmFrame(r) => {
                self.locate_rsu(&a.topic, &r.ref_pos);
                let seen = observe_rsm(&self.frame, r, a.received_at);
                self.sensed(a.topic.device, seen, a.received_at)
            }
            MessageFrame::MapFrame(m) => {
                self.add_map(m);
                Vec::new()
            }
            MessageFrame::SpatFrame(sp) => {
                for st in signals_from_spat(sp, a.received_at) {
                    self.journal.intersections_touched.insert(st.intersection);
                    self.signal_rsus.insert(st.intersection, a.topic.device);
                    self.signals.insert(st.intersection, st);
                }
                Vec::new()
            }
            MessageFrame::RsiFrame(r) => {
                self.locate_rsu(&a.topic, &r.ref_pos);
                for e in events_from_rsi(&self.frame, r, a.received_at) {
                    self.put_event(e, a.received_at);
                }
                Vec::new()
            }
            MessageFrame::MsgFrameExt(e) => match &e.value {
                roadcloud_csae::Day2Message::PersonalSafety(p) => {
                    observe_psm(&self.frame, p, a.received_at)
                        .into_iter()
                        .collect()
                }
                // An RSU's or a vehicle's sensors, as an RSM's: the sender's detections.
                roadcloud_csae::Day2Message::SensorSharing(s) => {
                    self.locate_rsu(&a.topic, &s.sensor_pos);
                    for o in
                        roadcloud_world::obstacles::observe_obstacles(&self.frame, s, a.received_at)
                    {
                        self.obstacles.put(o);
                    }
                    let seen = observe_ssm(&self.frame, s, a.received_at);
                    self.sensed(a.topic.device, seen, a.received_at)
                }
                // A vehicle's requests wait for the services' turn.
                roadcloud_csae::Day2Message::VehIntentionAndRequest(v) => {
                    for r in
                        roadcloud_world::requests::requests_from_vir(&self.frame, v, a.received_at)
                    {
                        self.services.ask(r, &self.apps);
                    }
                    Vec::new()
                }
                // A car park's map and occupancy, for the guidance service (GSPA).
                roadcloud_csae::Day2Message::Pam(pam) => {
                    self.services
                        .parking
                        .take_pam(&self.frame, a.topic.device, pam, a.received_at);
                    Vec::new()
                }
                // The other Day II messages enter the services in later work.
                _ => Vec::new(),
            },
            // Admission takes only the messages its topics name.
            MessageFrame::UnknownExtension(_) => Vec::new(),
        };
        for o in observations {
            self.observe(o);
        }
    }

    /// A sensor's detections (an RSM's, an SSM's), unless misbehaviour detection has
    /// quarantined the sensor: a camera whose detections lie off the vehicles' own reports
    /// moves nothing under enforce (docs/misbehaviour.md#camera-offset).
    fn sensed(
        &mut self,
        sensor: DeviceId,
        seen: Vec<roadcloud_world::Observation>,
        received_at: Millis,
    ) -> Vec<roadcloud_world::Observation> {
        if self.misbehaviour.roadside(sensor.0, &seen, received_at) == Verdict::Quarantined {
            self.counters.quarantined_reports += 1;
            return Vec::new();
        }
        seen
    }

    /// Misbehaviour detection of one vehicle's report, with what the world knows around it:
    /// the participants within a few metres, and whether a roadside detection is fused with
    /// the vehicle's track (where the cameras look, the detector learns). A report admitted
    /// with its signature's check deferred has it checked before a finding counts against
    /// the vehicle (docs/misbehaviour.md#limits).
    fn judge(&mut self, vehicle: [u8; 8], o: &roadcloud_world::Observation) -> Verdict {
        let t = self.misbehaviour.config().thresholds;
        let reach = t.overlap_m.max(1.0);
        let tracks = self.tracks();
        let neighbours = tracks
            .near(o.position, reach)
            .filter(|n| n.vehicle != Some(vehicle))
            .map(|n| roadcloud_misbehaviour::Neighbour {
                vehicle: n.vehicle,
                position: n.position,
                at: n.at,
                speed_mps: n.motion.speed_mps,
            })
            .collect();
        let seen_by_roadside = match tracks.by_vehicle(vehicle) {
            Some(track) => track.roadside_detected(),
            // Its reports move no track (it is quarantined, or new): whether a camera sees
            // something where it says it is. Else a quarantined vehicle, its track gone,
            // would be a phantom to the cameras that see it.
            None => tracks
                .near(o.position, UNTRACKED_SEEN_WITHIN_M)
                .any(|t| t.roadside_detected()),
        };
        let around = Around {
            neighbours,
            covering_rsu: None,
            seen_by_roadside,
        };
        let (unverified, trust, admission) =
            (&mut self.unverified, &self.trust, &mut self.admission);
        self.misbehaviour
            .judge_vouched(vehicle, o, &around, || match unverified.remove(&vehicle) {
                None => true,
                Some((device, pending, previous)) => {
                    let holds = signature_holds(trust, admission, device, &pending);
                    // The forgery is not applied: the track is where the report before it
                    // put it, and that report's signature is again the one to check
                    // before an advisory rests on the vehicle.
                    if let (false, Some((device, pending))) = (holds, previous) {
                        unverified.insert(vehicle, (device, pending, None));
                    }
                    holds
                }
            })
    }

    /// Verify on demand, at admission (docs/security.md#keeping-up): a message whose
    /// signature check was deferred is checked now unless it is a BSM of a vehicle already
    /// tracked, or whose track an earlier report of the same batch starts (it then only
    /// moves that track, and is noted for [`Self::vouch`]). Whether it may be applied.
    ///
    /// The verifying lane hands on a vehicle's first BSM, verified, together with those
    /// that followed it there, deferred; the world takes several handoffs before their
    /// reports reach the tracks. Without the batch's own reports counted, each of those was
    /// checked here, on the single writer, as if it started the track.
    fn vouch_for_admitted(&mut self, a: &mut Admitted) -> bool {
        let vehicle = match &a.message {
            Uplink::Message(MessageFrame::BsmFrame(b)) => Some(b.id),
            _ => None,
        };
        let Some(pending) = a.pending.take() else {
            // A verified report of the vehicle supersedes an unverified one.
            if let Some(v) = vehicle {
                self.unverified.remove(&v);
            }
            return true;
        };
        match vehicle {
            Some(v) if self.routed.contains(&v) || self.tracks().by_vehicle(v).is_some() => {
                let previous = self.unverified.remove(&v).map(|(d, p, _)| (d, p));
                self.unverified
                    .insert(v, (a.topic.device, pending, previous));
                true
            }
            _ => signature_holds(&self.trust, &mut self.admission, a.topic.device, &pending),
        }
    }

    /// Whether an advisory is for, or about, a quarantined vehicle.
    fn rests_on_quarantined(&self, a: &Advisory) -> bool {
        vehicles_of(a).any(|v| self.misbehaviour.is_quarantined(v))
    }

    /// Checks the deferred signatures that the advisories which start or raise a
    /// condition rest on (their targets' and the vehicles' they are about), side by side
    /// on every core (an SM2 check takes about 0.13 ms, and an advisory often rests on two
    /// vehicles); keeps the advisories whose signatures all hold. `passed` says why each
    /// advisory went through the gate: a refresh of a standing condition tells the vehicle
    /// nothing new and is not a reason to check (docs/security.md#keeping-up); it goes
    /// only if no vehicle it rests on failed a check. A vehicle whose signature fails is
    /// forgotten: its self-report leaves the world.
    fn vouch(&mut self, advisories: &mut Vec<Advisory>, passed: &[Passed]) {
        use rayon::prelude::*;
        let mut checks = Vec::new();
        for (a, _) in advisories
            .iter()
            .zip(passed)
            .filter(|(_, p)| **p != Passed::Refresh)
        {
            for v in vehicles_of(a) {
                if let Some((device, pending, _)) = self.unverified.remove(&v) {
                    checks.push((v, device, pending));
                }
            }
        }
        if checks.is_empty() {
            return;
        }
        let trust = &self.trust;
        let outcomes: Vec<_> = checks
            .par_iter()
            .map(|(_, _, pending)| trust.complete(pending))
            .collect();
        let mut failed = Vec::new();
        for ((v, device, _), outcome) in checks.iter().zip(&outcomes) {
            self.admission.settle(*device, outcome);
            if outcome.is_err() {
                self.shards.forget_vehicle(*v);
                failed.push(*v);
            }
        }
        if !failed.is_empty() {
            advisories.retain(|a| vehicles_of(a).all(|v| !failed.contains(&v)));
            // Mirrors of the tracks that lost a vehicle's self-report follow.
            self.apply_pending();
        }
    }

    /// An RSU's position, from the reference position of what it sends about its
    /// surroundings (the RSU is at their centre).
    fn locate_rsu(&mut self, topic: &roadcloud_transport::Topic, at: &roadcloud_csae::Position3D) {
        if topic.kind == DeviceKind::Rsu {
            let p = self.frame.to_local(
                units::degrees_from_1e7(at.lat.0.into()),
                units::degrees_from_1e7(at.long.0.into()),
            );
            self.rsus.insert(topic.device, p);
        }
    }

    /// Takes a MAP's nodes and links into the zone's lanes, as an RSU's MAP or a road
    /// network file gives them (a node already known is replaced).
    pub fn add_map(&mut self, m: &roadcloud_csae::MapData) {
        let mut changed = false;
        for x in intersections_from_map(&self.frame, m) {
            // RSUs repeat their MAP every second; the lanes are rebuilt only when it says
            // something new.
            if self.intersections.get(&x.id) != Some(&x) {
                changed = true;
                self.journal.intersections_touched.insert(x.id);
                self.intersections.insert(x.id, x);
            }
        }
        if changed {
            self.lanes = LaneIndex::new(self.intersections.values());
        }
    }

    fn observe(&mut self, o: roadcloud_world::Observation) {
        self.counters.observations += 1;
        self.shards.route(o);
    }

    fn put_event(&mut self, e: RoadEvent, at: Millis) {
        let key = (e.rsu, e.kind, e.local_id);
        let change = match self.events.get(&key) {
            None => Some(Change::Appeared),
            // The same announcement repeated (RSUs repeat RSI several times a second).
            Some(old) if same_content(old, &e) => None,
            Some(_) => Some(Change::Changed),
        };
        if let Some(change) = change {
            self.journal.events.push(EventChange {
                change,
                event: e.clone(),
                at,
            });
        }
        self.events.insert(key, e);
    }

    /// Lets time pass to `now`: tracks whose sources fell silent, signal states without a new
    /// SPAT, events past their end or no longer announced, and silent devices go.
    pub fn expire(&mut self, now: Millis) {
        self.apply_pending();
        self.gate.expire(now);
        self.shards.expire_remote(now);
        let removed = self.shards.expire(now, &self.lanes);
        self.journal.tracks_removed.extend(removed);
        let tracks = ZoneTracks::new(&self.shards);
        self.unverified
            .retain(|v, _| tracks.by_vehicle(*v).is_some());
        self.misbehaviour.expire(now);
        self.obstacles.expire(now);
        let signal_ttl = self.config.signal_ttl_ms;
        let touched = &mut self.journal.intersections_touched;
        self.signals.retain(|id, s| {
            let keep = now - s.received_at <= signal_ttl;
            if !keep {
                touched.insert(*id);
            }
            keep
        });
        let signals = &self.signals;
        self.signal_rsus.retain(|id, _| signals.contains_key(id));
        let event_ttl = self.config.event_ttl_ms;
        let ended = &mut self.journal.events;
        self.events.retain(|_, e| {
            let keep = now - e.received_at <= event_ttl && e.end.is_none_or(|end| end > now);
            if !keep {
                ended.push(EventChange {
                    change: Change::Ended,
                    event: e.clone(),
                    at: now,
                });
            }
            keep
        });
        let offline = self.admission.expire(now);
        let gone: Vec<DeviceId> = offline
            .iter()
            .filter(|(_, k)| *k == DeviceKind::Rsu)
            .map(|(d, _)| *d)
            .collect();
        for d in &gone {
            self.rsus.remove(d);
        }
        self.relay
            .expire(now, self.config.advisory_repeat_ms, &gone);
        for (device, kind) in offline {
            self.journal.devices.push(DeviceChange {
                device,
                kind,
                online: false,
                at: now,
            });
        }
    }

    /// Runs the applications that are on, as at `now`, for every vehicle that reported
    /// itself since the last call (its report is the change that wakes them; the world
    /// around it is its tile's view), and returns the advisories that say something new
    /// (see [`AdvisoryGate`]); they are also kept in the journal for the store and the live
    /// feed.
    pub fn evaluate(&mut self, now: Millis) -> Vec<Advisory> {
        self.evaluate_until(now, 0, || false)
    }

    /// As [`evaluate`](Self::evaluate), tile by tile in the order their vehicles reported
    /// (each shard its own tiles, a group of them to a scene, the shards side by side),
    /// taking only tiles whose first vehicle has waited `settle_ms` (so that a busy tile's
    /// scene serves many vehicles, not one), until `stop` says so (asked after each scene);
    /// the tiles left wait for the next call. The server gives the applications a slice of time
    /// after each batch so that ingest latency stays bounded however busy the zone.
    pub fn evaluate_until(
        &mut self,
        now: Millis,
        settle_ms: Millis,
        stop: impl Fn() -> bool + Sync,
    ) -> Vec<Advisory> {
        self.apply_pending();
        let zone = ZoneWide {
            lanes: &self.lanes,
            intersections: &self.intersections,
            signals: &self.signals,
            events: &self.events,
            apps: &self.apps,
            clear_the_way: self.services.clear_the_way(),
            obstacles: &self.obstacles,
        };
        let mut out = self.shards.evaluate_until(now, settle_ms, &stop, &zone);
        // No advisory rests on a quarantined vehicle, nor goes to one.
        out.retain(|a| !self.rests_on_quarantined(a));
        let mut passed = Vec::with_capacity(out.len());
        out.retain(|a| {
            let p = self.gate.admit(a);
            passed.extend(p);
            p.is_some()
        });
        self.vouch(&mut out, &passed);
        for a in &out {
            *self.advisories_sent.entry(a.scenario).or_default() += 1;
        }
        let downlinks = self.relay.relay(
            &out,
            &self.events,
            &self.rsus,
            &self.frame,
            now,
            self.config.advisory_repeat_ms,
        );
        self.downlinks.extend(downlinks);
        self.journal.advisories.extend(out.iter().cloned());
        // The Day-2 services answer the requests that came since the last turn.
        if self.services.has_work() {
            let live: Vec<&Track> = ZoneTracks::new(&self.shards).iter().collect();
            let obstacles: Vec<&Obstacle> = self.obstacles.iter().collect();
            self.services.answer(&services::ServiceInputs {
                frame: &self.frame,
                tracks: &live,
                obstacles: &obstacles,
                apps: &self.apps,
                lanes: &self.lanes,
                intersections: &self.intersections,
                signal_rsus: &self.signal_rsus,
                rsus: &self.rsus,
                now,
            });
            self.journal
                .intersections_touched
                .extend(self.services.junctions_changed.drain(..));
        }
        out
    }

    /// Takes the answers of the Day-2 services queued since the last call, for the
    /// vehicles' downlinks (an SSM on `V2X/OBU/{id}/SSM/DOWN`, ...).
    pub fn take_vehicle_downlinks(&mut self) -> Vec<VehicleDownlink> {
        self.services.take_answers()
    }

    /// Takes the priority commands for junctions' signal controllers queued since the last
    /// call, for their RSUs' downlinks (`V2X/RSU/{id}/PRIORITY/DOWN`).
    pub fn take_signal_commands(&mut self) -> Vec<SignalDownlink> {
        self.services.take_signal_commands()
    }

    /// Takes the RSCs for RSUs to broadcast queued since the last call, for their downlinks
    /// (`V2X/RSU/{id}/RSC/DOWN`): the operators' lane rules (DLM).
    pub fn take_rsu_coordinations(&mut self) -> Vec<RsuCoordination> {
        self.services.take_rsu_coordinations()
    }

    /// What the Day-2 services did.
    pub fn service_counts(&self) -> ServiceCounts {
        self.services.counts
    }

    /// The lanes emergency vehicles asked to have cleared ahead of them (`Req-ClearTheWay`),
    /// for PVP's scenes.
    pub fn clear_the_way(&self) -> &[roadcloud_world::requests::ClearTheWay] {
        self.services.clear_the_way()
    }

    /// What the parking guidance (GSPA) did.
    pub fn parking_counts(&self) -> ParkingCounts {
        self.services.parking.counts
    }

    /// The car parks their RSUs announced (PAM).
    pub fn car_parks(&self) -> impl Iterator<Item = &CarPark> {
        self.services.parking.car_parks()
    }

    /// The slots held for the vehicles roadcloud guides to them (GSPA), by vehicle.
    pub fn parking_holds(&self) -> Vec<([u8; 8], Held)> {
        self.services.parking.holds()
    }

    /// The junctions held for priority vehicles now (PVP).
    pub fn priority_grants(
        &self,
    ) -> &std::collections::BTreeMap<NodeId, roadcloud_apps::pvp::Grant> {
        self.services.grants()
    }

    /// Puts an operator's rule for a lane in force (DLM), in place of the lane's rule before;
    /// the vehicles on its link are told at the next applications' turn. Returns the rule as
    /// it stands (with its version).
    pub fn set_lane_rule(
        &mut self,
        rule: roadcloud_world::requests::LaneRule,
    ) -> roadcloud_world::requests::LaneRule {
        self.services.set_lane_rule(rule).clone()
    }

    /// Lifts the rule of a lane (DLM); those told of it hear it. None when it had none.
    pub fn lift_lane_rule(
        &mut self,
        lane: &roadcloud_world::LaneRef,
    ) -> Option<roadcloud_world::requests::LaneRule> {
        self.services.lift_lane_rule(lane)
    }

    /// The operators' lane rules in force (DLM), by lane.
    pub fn lane_rules(&self) -> impl Iterator<Item = &roadcloud_world::requests::LaneRule> {
        self.services.lane_rules()
    }

    /// The gaps granted for lane changes and merges (CLC, CVM) whose window has not ended.
    pub fn gap_grants(&self) -> impl Iterator<Item = &GapGrant> {
        self.services.gaps()
    }

    /// Takes the RSIs that zone-wide advisories (hazards, signs, jams) called for since the
    /// last call, for the RSUs' downlinks (see [`RelayConfig`]).
    pub fn take_downlinks(&mut self) -> Vec<RsuDownlink> {
        std::mem::take(&mut self.downlinks)
    }

    /// Takes what changed since the last call.
    pub fn take_journal(&mut self) -> Journal {
        self.journal.misbehaviour = self.misbehaviour.take_reports();
        self.journal.quarantine = self.misbehaviour.take_changes();
        std::mem::take(&mut self.journal)
    }
}

/// A vehicle's newest report applied with its signature's check deferred: its sender and
/// signature, and the same of the report before it if that was deferred too (the track is
/// back where that one put it if the newest turns out forged).
type Unverified = (
    DeviceId,
    PendingSignature,
    Option<(DeviceId, PendingSignature)>,
);

/// Checks the signature a message of `device` was admitted without (verify on demand), and
/// tells admission how it went (a failure counts against the sender): whether it holds.
fn signature_holds(
    trust: &TrustStore,
    admission: &mut Admission,
    device: DeviceId,
    pending: &PendingSignature,
) -> bool {
    let outcome = trust.complete(pending);
    admission.settle(device, &outcome);
    outcome.is_ok()
}

fn same_content(a: &RoadEvent, b: &RoadEvent) -> bool {
    a.code == b.code
        && a.position == b.position
        && a.radius_m == b.radius_m
        && a.paths == b.paths
        && a.description == b.description
        && a.priority == b.priority
        && a.start == b.start
        && a.end == b.end
}
