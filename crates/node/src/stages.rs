//! The stages a message passes: decoding (the stateless half of admission, on every core),
//! the world stage (the single writer: admission's stateful half, the world, the
//! applications, the downlinks), and the tick that lets time pass and hands the journal to
//! the live feed and the store.

use crate::http::views;
use crate::node::World;
use crate::rtcm::CorrectionsRelay;
use crate::sinks::{JournalSink, Tick};
use anyhow::{Context, Result};
use roadcloud_admission::keeping_up::{self, OnDemand, Thinning, Verification};
use roadcloud_admission::{Decoded, Reason, Rejection, Security};
use roadcloud_corrections::Corrections;
use roadcloud_csae::MessageFrame;
use roadcloud_transport::{
    Ack, DeviceId, Downlinks, Frame, MessageKind, now_micros, now_millis, rsu_downlink_topic,
    signal_priority_topic, vehicle_advice_topic, vehicle_downlink_topic,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// The next message of differential corrections; never, without a source.
async fn next_corrections(relay: &mut Option<CorrectionsRelay>) -> Option<Corrections> {
    match relay {
        Some(r) => r.inbox.recv().await,
        None => std::future::pending().await,
    }
}

/// Logs rejections at most once a second per reason, with how many were folded in.
struct RejectionLog {
    /// Per reason: when it was last logged, and how many were suppressed since.
    last: HashMap<Reason, (Instant, u64)>,
}

impl RejectionLog {
    fn note(&mut self, reason: Reason, topic: &str, detail: &str) {
        let now = Instant::now();
        match self.last.get_mut(&reason) {
            Some((at, suppressed)) if now.duration_since(*at) < Duration::from_secs(1) => {
                *suppressed += 1;
            }
            entry => {
                let suppressed = entry.map_or(0, |(_, n)| *n);
                tracing::warn!(
                    reason = reason.as_str(),
                    topic,
                    suppressed,
                    "rejected: {detail}"
                );
                self.last.insert(reason, (now, 0));
            }
        }
    }
}

/// Frames per batch through the decode and world stages.
const BATCH: usize = 256;

/// A batch of frames through the stateless half of admission, each with its topic for the
/// log.
pub(crate) type DecodedBatch = Vec<(Result<Decoded, Rejection>, String)>;

/// The stateless half of admission (topic, signature, decoding, sender), one batch at a time,
/// handed to the world stage, in two lanes (docs/security.md#keeping-up):
///
/// - the **decoding thread** takes each batch of frames, decides what each asks (shed, or
///   its signature's check deferred, or verified in full), and decodes the ones that need
///   no signature checked there and then, itself: a decode costs a microsecond or two, and
///   spread over rayon's workers (as it was) their spinning while idle cost more than they
///   shared (about 7 % of a node's CPU time at 100,000 messages a second on two cores, and
///   the world stage then fell behind and shed 4-5 %; docs/scale.md). On a node of many
///   cores one decoding thread bounds the rate (docs/scale.md, Not built yet);
/// - the **verifying lane**, a thread of its own with a pool of its own, verifies the rest
///   in full (RSU messages, new vehicles and certificates, a vehicle's BSM each interval),
///   a few frames at a time spread over every core, each few handed on as it is done.
///
/// Verifying a signature costs tens of times what decoding does (SM2: about 0.13 ms), so a
/// batch decoded and verified together waited for its costliest frames: a vehicle's BSM
/// that needs no check was as late as the batch's verifications made it. In two lanes, it
/// is not. Each device's messages still reach the world in the order they came: while one
/// of a device's frames is in the verifying lane, its later frames follow it there.
///
/// The frames' acknowledgement tokens ([`roadcloud_transport::Ack`]) go with their batch
/// ([`Handoff`]).
pub(crate) fn decode(
    mut frames: mpsc::Receiver<Frame>,
    handoff: Handoff,
    security: Arc<Security>,
    mut on_demand: OnDemand,
) -> Result<()> {
    let (to_verify, verified) = verifying_lane(
        handoff.clone(),
        security.clone(),
        OnDemand::new(on_demand.interval_ms()),
    )?;
    std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let mut thinning = Thinning::new();
            // Per topic, how many of its frames are in the verifying lane.
            let mut in_lane: HashMap<String, usize> = HashMap::new();
            let mut lane_len = 0usize;
            while frames.blocking_recv_many(&mut batch, BATCH) > 0 {
                for (topic, received_at, verification) in verified.try_iter() {
                    on_demand.note_verification(&topic, received_at, verification);
                    lane_len -= 1;
                    if let Some(n) = in_lane.get_mut(&topic) {
                        *n -= 1;
                        if *n == 0 {
                            in_lane.remove(&topic);
                        }
                    }
                }
                // The batch's first frame waited longest.
                let now = roadcloud_transport::now_millis();
                thinning.set_wait(batch.first().map_or(0, |f| now - f.received_at));
                let detail = thinning.detail();
                let verifier_busy = lane_len >= LANE_BUSY;
                // What each frame asks: shed, decoded without a signature, or its signature's
                // check deferred (for the signer of its vehicle's last verified BSM), here; or
                // verified in full, in the lane, as are the frames of a device with one there
                // already.
                let mut here: Vec<(Frame, Plan)> = Vec::with_capacity(batch.len());
                let mut lane: Vec<(Frame, bool)> = Vec::new();
                for f in batch.drain(..) {
                    if !thinning.keeps(&f) {
                        here.push((f, Plan::Shed));
                        continue;
                    }
                    if let Some(n) = in_lane.get_mut(&f.topic) {
                        *n += 1;
                        lane.push((f, true));
                        continue;
                    }
                    if !roadcloud_admission::may_verify(&f) {
                        here.push((f, Plan::Decode));
                        continue;
                    }
                    match on_demand.defer_for(&f, verifier_busy) {
                        Some(signer) => here.push((f, Plan::Defer(signer))),
                        None => {
                            *in_lane.entry(f.topic.clone()).or_default() += 1;
                            lane.push((f, false));
                        }
                    }
                }
                let out: DecodedBatch = here
                    .iter()
                    .map(|(f, plan)| {
                        let d = match plan {
                            Plan::Shed => roadcloud_admission::shed(f, &detail),
                            Plan::Decode => roadcloud_admission::decode_secured(f, &security),
                            Plan::Defer(signer) => roadcloud_admission::decode_secured_deferring(
                                f,
                                &security,
                                Some(*signer),
                            ),
                        };
                        (d, f.topic.clone())
                    })
                    .collect();
                let kept: Vec<Ack> = here.iter_mut().filter_map(|(f, _)| f.ack.take()).collect();
                // Bounded: when the world falls behind, decoding waits.
                if !out.is_empty() && handoff.send(out, kept).is_err() {
                    return;
                }
                // After this batch's own frames are handed on: a device's earlier frames
                // here reach the world before its later ones the lane verifies.
                lane_len += lane.len();
                // Bounded: when the lane falls behind, decoding waits, then the frame
                // channel fills (and thinning starts), then the MQTT link waits.
                if !lane.is_empty() && to_verify.send(lane).is_err() {
                    return;
                }
            }
        })
        .context("cannot start the decoding thread")?;
    Ok(())
}

/// Where the decoding stage hands its batches on.
#[derive(Clone)]
pub(crate) enum Handoff {
    /// To the node's world stage; a batch's acknowledgement tokens are let go once it is
    /// handed on.
    World(mpsc::Sender<DecodedBatch>),
    /// To a cluster's router, each batch with its frames' acknowledgement tokens, which it
    /// lets go once the stream has the batch.
    Router(mpsc::Sender<(DecodedBatch, Vec<Ack>)>),
}

impl Handoff {
    /// Hands `batch` on, waiting while the receiver is full; fails once it is gone.
    fn send(&self, batch: DecodedBatch, acks: Vec<Ack>) -> Result<(), Stopped> {
        match self {
            Handoff::World(tx) => tx.blocking_send(batch).map_err(|_| Stopped),
            Handoff::Router(tx) => tx.blocking_send((batch, acks)).map_err(|_| Stopped),
        }
    }
}

/// What the decoding thread does with a frame it keeps ([`decode`]).
enum Plan {
    /// Shed: more came than the cores can verify (thinning).
    Shed,
    /// Decoded; no signature to verify (unsigned, JSON, a heartbeat).
    Decode,
    /// Decoded with every check but its signature's, deferred for this signer.
    Defer([u8; 8]),
}

/// Frames in the verifying lane from which it counts as busy: a vehicle's BSM due for its
/// interval's check is then deferred ([`OnDemand::defer_for`]). About 20 ms of SM2
/// verifications on two cores.
const LANE_BUSY: usize = 128;

/// The verifying threads' niceness (Linux: per thread), above the process's 0.
const VERIFY_NICENESS: i32 = 10;

/// Batches the verifying lane holds before the decoding thread waits for it.
const LANE_BATCHES: usize = 8;

/// What the verifying lane tells the decoding thread of each frame it took, in order: its
/// topic, when it came, and what its verification tells of its vehicle
/// ([`roadcloud_admission::keeping_up::verification`]).
type LaneDone = (String, i64, Verification);

/// The verifying lane's inbox: batches of frames, each marked `true` when it is only there
/// because an earlier frame of its device is.
type LaneInbox = std::sync::mpsc::SyncSender<Vec<(Frame, bool)>>;

/// Starts the verifying lane ([`decode`]): a thread taking batches of frames to verify in
/// full, spread over a pool of its own (so that the decoding thread's batches never wait
/// behind its work in a shared one), handing each batch to the world stage and its acks on,
/// then telling the decoding thread what it verified. `on_demand` is the lane's own record
/// of what it verified, under the decoding thread's policy (empty when every message is
/// verified).
fn verifying_lane(
    handoff: Handoff,
    security: Arc<Security>,
    on_demand: OnDemand,
) -> Result<(LaneInbox, std::sync::mpsc::Receiver<LaneDone>)> {
    let (to_verify, batches) = std::sync::mpsc::sync_channel::<Vec<(Frame, bool)>>(LANE_BATCHES);
    // Unbounded, but never longer than the frames in the lane, which is bounded.
    let (done, verified) = std::sync::mpsc::channel();
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("verify-{i}"))
        // Below the other stages' threads: when the cores are short, the world stage and
        // the decoding thread go first, and the lane's backlog stretches the vehicles'
        // intervals (OnDemand::defer_for) rather than delaying every message.
        .start_handler(|_| {
            let _ = rustix::process::setpriority_process(
                Some(rustix::thread::gettid()),
                VERIFY_NICENESS,
            );
        })
        .build()
        .context("cannot start the verifying threads")?;
    std::thread::Builder::new()
        .name("verify".into())
        .spawn(move || {
            // Each batch is verified and handed on a few verifications at a time (two per
            // core), so that a frame waits for the verifications of its few neighbours, not
            // of its whole batch.
            let chunk_len = 2 * pool.current_num_threads();
            let mut lane = Lane {
                pool,
                security,
                handoff,
                done,
                on_demand,
            };
            for mut batch in batches {
                let mut rest = batch.as_mut_slice();
                while !rest.is_empty() {
                    let (chunk, after) = rest.split_at_mut(lane.chunk_end(rest, chunk_len));
                    if lane.verify(chunk).is_err() {
                        return;
                    }
                    rest = after;
                }
            }
        })
        .context("cannot start the verifying thread")?;
    Ok((to_verify, verified))
}

/// The verifying lane's thread ([`verifying_lane`]).
struct Lane {
    pool: rayon::ThreadPool,
    security: Arc<Security>,
    handoff: Handoff,
    done: std::sync::mpsc::Sender<LaneDone>,
    /// What the lane itself verified: per vehicle, the certificate its last BSM verified
    /// under ([`OnDemand::signer_of`]). The decoding thread's own record learns of it only
    /// once the lane has handed the frame on, and the lane needs it for its next chunk.
    on_demand: OnDemand,
}

impl Lane {
    /// Where the next chunk of `frames` ends: after `verifications` frames the lane would
    /// verify in full (a chained frame whose vehicle it has a certificate of is deferred,
    /// and costs about what decoding does), or at the end.
    fn chunk_end(&self, frames: &[(Frame, bool)], verifications: usize) -> usize {
        let mut full = 0;
        for (i, (f, chained)) in frames.iter().enumerate() {
            if self.deferred_for(f, *chained).is_none() {
                full += 1;
                if full == verifications {
                    return i + 1;
                }
            }
        }
        frames.len()
    }

    /// The certificate a frame's signature check is deferred for: a frame only in the lane
    /// because an earlier one of its device is (`chained`), whose vehicle's last BSM the
    /// lane verified; `None`: verified in full.
    fn deferred_for(&self, f: &Frame, chained: bool) -> Option<[u8; 8]> {
        chained
            .then(|| self.on_demand.signer_of(&f.topic))
            .flatten()
    }

    /// Verifies `chunk` on the pool, hands it on, then tells the decoding thread of each
    /// frame. A frame that is only in the lane because an earlier one of its device is
    /// (`true` beside it) has its signature's check deferred as the decoding thread would
    /// have, for the certificate the lane verified its vehicle's last BSM under: it would
    /// otherwise cost a full verification for having come while its vehicle's was made.
    fn verify(&mut self, chunk: &mut [(Frame, bool)]) -> Result<(), Stopped> {
        use rayon::prelude::*;
        let security = &self.security;
        let lane = &*self;
        let mut out: DecodedBatch = self.pool.install(|| {
            chunk
                .par_iter()
                .map(|(f, chained)| {
                    let d = roadcloud_admission::decode_secured_deferring(
                        f,
                        security,
                        lane.deferred_for(f, *chained),
                    );
                    (d, f.topic.clone())
                })
                .collect()
        });
        // A message signed by digest may have been checked, on another core, before the
        // same chunk's message carrying that certificate in full was: once the chunk's
        // certificates are all learned, such messages are checked again.
        for (d, (f, _)) in out.iter_mut().zip(chunk.iter()) {
            if unknown_signer(&d.0) {
                d.0 = roadcloud_admission::decode_secured(f, security);
            }
        }
        let told: Vec<LaneDone> = chunk
            .iter()
            .zip(&out)
            .map(|((f, _), (d, _))| {
                let v = keeping_up::verification(f, d);
                (f.topic.clone(), f.received_at, v)
            })
            .collect();
        for (topic, received_at, v) in &told {
            self.on_demand.note_verification(topic, *received_at, *v);
        }
        let kept: Vec<Ack> = chunk.iter_mut().filter_map(|(f, _)| f.ack.take()).collect();
        self.handoff.send(out, kept)?;
        // Only once the world has the frames may the device's later frames take the
        // decoding thread's lane. (Once the decoding thread has ended, the lane still
        // hands on what it holds: nothing is told, nothing lost.)
        for t in told {
            let _ = self.done.send(t);
        }
        Ok(())
    }
}

/// Whether a decoded frame was turned away for a signer certificate not (yet) seen.
fn unknown_signer(d: &Result<Decoded, Rejection>) -> bool {
    matches!(d, Ok(Decoded { message: Err(r), .. }) if r.reason == Reason::UnknownSigner)
}

/// A look at the world or a change to it, run by the world stage between two batches; it
/// sends its own answer back.
type Job = Box<dyn FnOnce(&mut World) + Send>;

/// The world stage stopped (the node is shutting down): the job did not run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopped;

/// The way to the world for everyone but the world stage: each read or change is a job in
/// the stage's bounded inbox, run between two batches; nothing else touches the world, and
/// no lock is shared.
#[derive(Clone)]
pub(crate) struct WorldRef {
    jobs: mpsc::Sender<Job>,
}

impl WorldRef {
    /// Runs `f` on the world in the world stage and returns what it gives; waits while the
    /// stage finishes its batch. Keep `f` short: the stage takes no message while it runs.
    pub(crate) async fn read<R: Send + 'static>(
        &self,
        f: impl FnOnce(&World) -> R + Send + 'static,
    ) -> Result<R, Stopped> {
        self.write(move |w| f(w)).await
    }

    /// Runs `f` on the world, which it may change (a switch, a parameter).
    pub(crate) async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut World) -> R + Send + 'static,
    ) -> Result<R, Stopped> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |w| {
            let _ = tx.send(f(w));
        });
        self.jobs.send(job).await.map_err(|_| Stopped)?;
        rx.await.map_err(|_| Stopped)
    }
}

/// How the world stage runs (from the node's config).
pub(crate) struct WorldStageConfig {
    /// How long the applications may run after a batch; `None`: no applications.
    pub apps_slice: Option<Duration>,
    /// How long a tile's first reporting vehicle waits for the others, ms.
    pub apps_settle_ms: i64,
}

/// The world stage, the single writer: it owns the world and takes, from bounded inboxes,
/// decoded batches (admission's stateful half and the world update), jobs (the API's reads
/// and changes), differential corrections to relay (from the RTCM source's task) and its
/// own tick. When no batch waits, it runs the applications for the
/// vehicles that reported, for at most `apps_slice`, and sends their advisories out on the
/// vehicles' downlinks (JSON), and the RSIs they call for on the RSUs' downlinks (UPER).
/// Every 100 ms it lets time pass and hands the journal to its sinks (the live feed, the
/// charts, the store). It stops once `stop` is true and every batch is in, after a
/// last tick: a node shut down keeps everything it took in.
pub(crate) struct WorldStage {
    world: World,
    decoded: mpsc::Receiver<DecodedBatch>,
    jobs: mpsc::Receiver<Job>,
    downlinks: Option<Box<dyn Downlinks>>,
    /// The differential corrections to relay, when a source is configured.
    corrections: Option<CorrectionsRelay>,
    /// Where each tick's journal goes: the live feed, the charts, the store.
    sinks: Vec<Box<dyn JournalSink>>,
    config: WorldStageConfig,
    log: RejectionLog,
    /// When the tick last looked, ms since the epoch.
    last_look: i64,
    /// The newest arrival among the frames taken (ms since the epoch), and how long after
    /// it came the world took it: the world's lag behind its intake.
    taken_up_to: i64,
    lag_ms: i64,
}

impl WorldStage {
    /// The stage over `world`, and the way to it for the API.
    pub(crate) fn new(
        world: World,
        decoded: mpsc::Receiver<DecodedBatch>,
        downlinks: Option<Box<dyn Downlinks>>,
        corrections: Option<CorrectionsRelay>,
        sinks: Vec<Box<dyn JournalSink>>,
        config: WorldStageConfig,
    ) -> (WorldStage, WorldRef) {
        // A handful: the API's requests wait their turn rather than pile up.
        let (jobs_tx, jobs) = mpsc::channel(64);
        let stage = WorldStage {
            world,
            decoded,
            jobs,
            downlinks,
            corrections,
            sinks,
            config,
            log: RejectionLog {
                last: HashMap::new(),
            },
            last_look: now_millis(),
            taken_up_to: 0,
            lag_ms: 0,
        };
        (stage, WorldRef { jobs: jobs_tx })
    }

    /// Runs the stage on a thread of its own (a runtime of its own for its timers and
    /// channels) until `stop` is true and the decoded batches' channel has closed, or
    /// `stop`'s sender is gone; the handle's task ends when the stage does (aborting it
    /// leaves the stage to end that way).
    ///
    /// Not on the node's runtime: the stage is busy for milliseconds at a time (a batch, the
    /// applications' slice), and a task that holds a runtime's thread that long leaves the
    /// tasks queued behind it there (the MQTT connections' reads and the downlinks' writes)
    /// waiting for the other threads to steal them; at 50,000 messages a second on two
    /// cores, the advisories' way out of the node took longer than the applications
    /// (docs/scale.md). A thread of its own is preempted by the operating system instead.
    pub(crate) fn spawn(self, stop: watch::Receiver<bool>) -> Result<tokio::task::JoinHandle<()>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the world stage's runtime")?;
        let (done_tx, done) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("world".into())
            .spawn(move || {
                runtime.block_on(self.run(stop));
                let _ = done_tx.send(());
            })
            .context("cannot start the world stage's thread")?;
        Ok(tokio::spawn(async move {
            let _ = done.await;
        }))
    }

    /// Runs until `stop` is true and the decoded batches' channel has closed.
    pub(crate) async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let (mut drained, mut stopping) = (false, false);
        loop {
            // No branch has priority: under a flood of batches the tick and the API's jobs
            // still get their turns.
            tokio::select! {
                batch = self.decoded.recv(), if !drained => match batch {
                    Some(batch) => self.ingest(batch),
                    None => drained = true,
                },
                Some(job) = self.jobs.recv() => job(&mut self.world),
                Some(c) = next_corrections(&mut self.corrections) => self.relay_corrections(c),
                _ = tick.tick() => self.tick().await,
                changed = stop.changed(), if !stopping => {
                    // A dropped sender stops the stage too.
                    stopping = changed.is_err() || *stop.borrow_and_update();
                }
                // When no batch comes, the applications still finish what waits.
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
            if drained && stopping {
                self.tick().await;
                return;
            }
            // Ingest first: while batches wait, the applications wait (their vehicles stay
            // noted), so an overload delays advisories instead of dropping messages.
            if self.decoded.is_empty() {
                self.evaluate();
            }
        }
    }

    /// Admission's stateful half and the world update for one batch, and for the batches
    /// already waiting behind it, up to [`BATCH`] frames: in a cluster each partition's
    /// consumer hands on its share of a batch (a sixteenth, with 16 partitions), and the
    /// world's step after a batch (the shards' messages, the journal) is paid once for
    /// them all.
    fn ingest(&mut self, batch: DecodedBatch) {
        let started = Instant::now();
        let mut taken = batch.len();
        self.take(batch);
        while taken < BATCH {
            match self.decoded.try_recv() {
                Ok(more) => {
                    taken += more.len();
                    self.take(more);
                }
                Err(_) => break,
            }
        }
        if taken > 0 {
            self.world.pipeline.finish_batch(now_micros());
        }
        self.world.pipeline.counters.ingest_busy_us += started.elapsed().as_micros() as u64;
    }

    fn take(&mut self, batch: DecodedBatch) {
        let newest = batch
            .iter()
            .filter_map(|(d, _)| d.as_ref().ok())
            .map(|d| d.received_at)
            .max();
        for (d, topic) in batch {
            if let Err(r) = self.world.pipeline.ingest_decoded(d) {
                self.log.note(r.reason, &topic, &r.detail);
            }
        }
        if let Some(newest) = newest.filter(|n| *n > self.taken_up_to) {
            self.taken_up_to = newest;
            self.lag_ms = (now_millis() - newest).max(0);
        }
    }

    /// The applications for the vehicles that reported, for at most the slice, and what
    /// they call for out on the downlinks.
    fn evaluate(&mut self) {
        let Some(apps_slice) = self.config.apps_slice else {
            return;
        };
        let p = &mut self.world.pipeline;
        let started = Instant::now();
        let advisories = p.evaluate_until(now_millis(), self.config.apps_settle_ms, || {
            started.elapsed() >= apps_slice
        });
        let frame = p.frame;
        let mut out: Vec<(String, Vec<u8>)> = advisories
            .iter()
            .map(|a| {
                (
                    vehicle_advice_topic(DeviceId(a.target)),
                    // Plain fields and string keys: serialising cannot fail (a non-finite
                    // number is written as null).
                    serde_json::to_vec(&views::advisory(&frame, a))
                        .expect("an advisory serialises"),
                )
            })
            .collect();
        // The Day-2 services' answers, UPER on the vehicles' downlinks.
        for d in p.take_vehicle_downlinks() {
            match roadcloud_csae::encode(&d.frame) {
                Ok(uper) => out.push((vehicle_downlink_topic(d.vehicle, d.message), uper)),
                Err(e) => tracing::warn!(
                    "{} for vehicle {} not encoded: {e}",
                    d.message.as_str(),
                    d.vehicle
                ),
            }
        }
        // Lane rules (DLM) for the RSUs near them to broadcast, UPER.
        for c in p.take_rsu_coordinations() {
            match roadcloud_csae::encode(&c.frame) {
                Ok(uper) => out.push((rsu_downlink_topic(c.rsu, MessageKind::Rsc), uper)),
                Err(e) => tracing::warn!("RSC for RSU {} not encoded: {e}", c.rsu),
            }
        }
        // Priority vehicles: the junctions' controllers, through their RSUs, as JSON.
        for c in p.take_signal_commands() {
            out.push((signal_priority_topic(c.rsu), c.command.to_json()));
        }
        for d in p.take_downlinks() {
            match roadcloud_csae::encode(&MessageFrame::RsiFrame(d.rsi)) {
                Ok(uper) => out.push((rsu_downlink_topic(d.rsu, MessageKind::Rsi), uper)),
                Err(e) => tracing::warn!("RSI for RSU {} not encoded: {e}", d.rsu),
            }
        }
        if let Some(link) = self.downlinks.as_mut() {
            for (topic, payload) in out {
                if let Err(e) = link.publish(topic, payload) {
                    tracing::warn!("downlink not published: {e}");
                }
            }
        }
        p.note_advice_sent(&advisories, now_micros());
        p.counters.apps_busy_us += started.elapsed().as_micros() as u64;
    }

    /// Sends a message of differential corrections to the RSUs and vehicles near its
    /// reference station.
    fn relay_corrections(&mut self, c: Corrections) {
        let (Some(relay), Some(link)) = (&self.corrections, self.downlinks.as_mut()) else {
            return;
        };
        for (topic, payload) in relay.downlinks(&self.world.pipeline, c) {
            if let Err(e) = link.publish(topic, payload) {
                tracing::warn!("RTCM corrections not published: {e}");
            }
        }
    }

    /// Lets time pass in the world, and hands what changed to the sinks (the live feed,
    /// the charts, the store), waiting for what they must finish first.
    async fn tick(&mut self) {
        let now = now_millis();
        let w = &mut self.world;
        // Time passes for the world as far as it has taken in: a vehicle whose reports
        // wait in the stages behind it (the world late under a flood, or after a cold start
        // of signing vehicles) is not silent, and its track should not go for it. Gone, its
        // next report would start it again: a new participant to the applications, and,
        // its check deferred, a signature to check on this single writer before it starts
        // (at 5,000 SM2 vehicles, some 17,000 such checks in a 13 s run, which kept the
        // flood going for eight seconds).
        w.pipeline.expire(now - self.lag_ms);
        let journal = w.pipeline.take_journal();
        let tick = Tick {
            pipeline: &w.pipeline,
            journal: &journal,
            since: self.last_look,
            now,
        };
        let pending: Vec<_> = self
            .sinks
            .iter_mut()
            .filter_map(|s| s.take(&tick))
            .collect();
        self.last_look = now;
        for p in pending {
            p.await;
        }
    }
}

#[cfg(test)]
mod lane_tests {
    use super::*;
    use roadcloud_admission::Uplink;
    use roadcloud_security::crypto::Algorithm;
    use roadcloud_security::pki::{DeviceRole, ZonePki};
    use roadcloud_security::profile::AID_BSM;
    use roadcloud_security::sign::{Header, SignerForm, sign};
    use roadcloud_security::trust::TrustStore;
    use roadcloud_transport::Transport;

    /// What the world got of each vehicle's BSMs, in the order it got them: the BSM's
    /// secMark, and whether its signature's check was deferred, or why it was turned away.
    type Seen = HashMap<String, Vec<(u16, Result<bool, Reason>)>>;

    /// Two vehicles' BSMs, `each` of each, all come at once through the two lanes, verified
    /// on demand each `interval_ms` (`None`: every one); those `forged` (vehicle 0 or 1,
    /// secMark) have a spoiled signature.
    fn through_the_lanes(
        each: u16,
        interval_ms: Option<i64>,
        forged: impl Fn(usize, u16) -> bool,
    ) -> Seen {
        let dir = tempfile::tempdir().unwrap();
        let now = now_millis();
        let pki = ZonePki::init(dir.path(), Algorithm::Sm2, None, now).unwrap();
        let security = Arc::new(Security {
            store: Arc::new(TrustStore::load_dir(dir.path()).unwrap()),
            allow_unsigned: false,
            window: Some((2_000, 500)),
        });
        let cars: Vec<[u8; 8]> = vec![[1; 8], [2; 8]];
        let credentials: Vec<_> = cars
            .iter()
            .map(|id| {
                pki.issue_device(&format!("car-{}", id[0]), DeviceRole::Obu, None, now, false)
                    .unwrap()
            })
            .collect();
        let (frames_tx, frames_rx) = mpsc::channel(1024);
        for i in 0..each {
            for (n, (id, credential)) in cars.iter().zip(&credentials).enumerate() {
                let MessageFrame::BsmFrame(mut b) =
                    roadcloud_testkit::vector53("bsm_01_passenger_car")
                else {
                    panic!("a BSM vector")
                };
                b.id = *id;
                b.sec_mark = roadcloud_csae::DSecond(i);
                let payload = roadcloud_csae::encode(&MessageFrame::BsmFrame(b)).unwrap();
                let form = if i == 0 {
                    SignerForm::Certificate
                } else {
                    SignerForm::Digest
                };
                let mut spdu = sign(&payload, AID_BSM, Header::at(now), credential, form);
                if forged(n, i) {
                    let last = spdu.len() - 1;
                    spdu[last] ^= 1;
                }
                frames_tx
                    .try_send(Frame {
                        transport: Transport::Mqtt,
                        topic: format!("V2X/OBU/{}/BSM/UP", DeviceId(*id)),
                        payload: spdu.into(),
                        received_at: now,
                        ack: None,
                    })
                    .unwrap();
            }
        }
        drop(frames_tx);
        let (tx, mut rx) = mpsc::channel(8);
        decode(
            frames_rx,
            Handoff::World(tx),
            security,
            OnDemand::new(interval_ms),
        )
        .unwrap();
        let mut got = Seen::new();
        while let Some(batch) = rx.blocking_recv() {
            for (d, topic) in batch {
                let d = d.unwrap();
                let seen = match &d.message {
                    Ok((Uplink::Message(MessageFrame::BsmFrame(b)), _)) => {
                        let deferred = d.signature.expect("signed").pending.is_some();
                        (b.sec_mark.0, Ok(deferred))
                    }
                    Ok(other) => panic!("not a BSM: {other:?}"),
                    // The order of turned-away frames is told by their place.
                    Err(r) => (u16::MAX, Err(r.reason)),
                };
                got.entry(topic).or_default().push(seen);
            }
        }
        got
    }

    /// Two vehicles' first BSMs, each followed at once by more: the first of each is
    /// verified in full in the lane, the ones behind it follow it there and reach the world
    /// in the order they came, and those the lane takes once it has verified the first have
    /// their checks deferred rather than each verified in full.
    #[test]
    fn a_vehicles_frames_behind_its_verification_keep_their_order_and_are_deferred() {
        const EACH: u16 = 80;
        let got = through_the_lanes(EACH, Some(1_000), |_, _| false);
        assert_eq!(got.len(), 2);
        for seen in got.values() {
            let order: Vec<u16> = seen.iter().map(|(i, _)| *i).collect();
            assert_eq!(
                order,
                (0..EACH).collect::<Vec<_>>(),
                "in the order they came"
            );
            assert_eq!(seen[0].1, Ok(false), "the first is verified in full");
            assert_eq!(
                seen.last().unwrap().1,
                Ok(true),
                "the last is deferred: {seen:?}"
            );
        }
    }

    /// A vehicle's second BSM, forged, verified in full beside its first (the lane had not
    /// yet verified the vehicle when it planned them): the vehicle's next BSM is verified in
    /// full, not deferred for the certificate its first established. The other vehicle's
    /// is deferred, so the test tells the two apart.
    #[test]
    fn a_forgery_found_in_the_lane_has_the_vehicles_next_bsm_verified_in_full() {
        let got = through_the_lanes(40, Some(1_000), |car, i| car == 1 && i == 1);
        let honest = &got[&format!("V2X/OBU/{}/BSM/UP", DeviceId([1; 8]))];
        let forger = &got[&format!("V2X/OBU/{}/BSM/UP", DeviceId([2; 8]))];
        assert_eq!(forger[1].1, Err(Reason::BadSignature), "{forger:?}");
        assert_eq!(
            (honest[2].1, forger[2].1),
            (Ok(true), Ok(false)),
            "{honest:?} {forger:?}"
        );
        assert_eq!(
            forger.last().unwrap().1,
            Ok(true),
            "deferred again once one held"
        );
    }

    /// Every message verified (`--verify all`, and a cluster's nodes, whose partitions'
    /// owners cannot complete a deferred check): a vehicle's frames behind its first in the
    /// lane are verified in full too, none deferred.
    #[test]
    fn verifying_every_message_the_lane_defers_none() {
        let got = through_the_lanes(40, None, |_, _| false);
        assert_eq!(got.len(), 2);
        for seen in got.values() {
            assert_eq!(seen.len(), 40);
            assert!(seen.iter().all(|(_, d)| *d == Ok(false)), "{seen:?}");
        }
    }
}

#[cfg(test)]
mod clock_tests {
    use super::*;
    use roadcloud_pipeline::{Pipeline, PipelineConfig};
    use roadcloud_transport::Transport;

    const CAR: [u8; 8] = [0x5a, 0x11, 0, 0, 0, 0, 0, 1];

    /// A BSM of `CAR` generated and received at `at` (ms since the epoch).
    fn bsm_received_at(at: i64) -> (Result<Decoded, Rejection>, String) {
        let MessageFrame::BsmFrame(mut b) = roadcloud_testkit::vector53("bsm_01_passenger_car")
        else {
            panic!("a BSM vector")
        };
        b.id = CAR;
        b.sec_mark = roadcloud_csae::DSecond((at % 60_000) as u16);
        let topic = format!("V2X/OBU/{}/BSM/UP", DeviceId(CAR));
        let frame = Frame {
            transport: Transport::Mqtt,
            topic: topic.clone(),
            payload: roadcloud_csae::encode(&MessageFrame::BsmFrame(b))
                .unwrap()
                .into(),
            received_at: at,
            ack: None,
        };
        (roadcloud_admission::decode(&frame), topic)
    }

    /// A vehicle whose report reaches the world two seconds after it came (the stages
    /// behind it under a flood) keeps its track at the next tick: the world's time runs
    /// behind by its lag (fails with the tick expiring at the wall clock's time, checked).
    /// Silent from then on, it goes once its time has passed.
    #[tokio::test]
    async fn a_report_late_through_the_stages_does_not_make_its_vehicle_silent() {
        let now = now_millis();
        let world = World {
            pipeline: Pipeline::new(PipelineConfig::default()),
            started_at: now,
        };
        let (_decoded_tx, decoded_rx) = mpsc::channel(1);
        let (mut stage, _) = WorldStage::new(
            world,
            decoded_rx,
            None,
            None,
            Vec::new(),
            WorldStageConfig {
                apps_slice: None,
                apps_settle_ms: 0,
            },
        );
        stage.ingest(vec![bsm_received_at(now - 2_000)]);
        let tracked = |s: &WorldStage| s.world.pipeline.tracks().by_vehicle(CAR).is_some();
        assert!(tracked(&stage), "the report was admitted");
        stage.tick().await;
        assert!(tracked(&stage), "gone for being late");
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        stage.tick().await;
        assert!(
            !tracked(&stage),
            "silent for longer than its track keeps it"
        );
    }
}
