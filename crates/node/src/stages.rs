//! The stages a message passes: decoding (the stateless half of admission, on every core),
//! the world stage (the single writer: admission's stateful half, the world, the
//! applications, the downlinks), and the tick that lets time pass and hands the journal to
//! the live feed and the store.

use crate::http::views;
use crate::node::World;
use crate::rtcm::CorrectionsRelay;
use crate::sinks::{JournalSink, Tick};
use anyhow::{Context, Result};
use roadcloud_admission::keeping_up::{OnDemand, Thinning};
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
/// handed to the world stage. It runs on a thread of its own, and each batch is spread over
/// every core: verifying signatures is the costliest step of ingest (docs/security.md), and
/// the batch keeps its order, so each device's messages reach the world in the order they
/// came.
///
/// The frames' acknowledgement tokens ([`roadcloud_transport::Ack`]) go, a batch's at a
/// time and right after the batch, to `acks` (a cluster's router, which lets go of them once
/// the stream has the batch); without it, they are let go once the batch is handed on.
pub(crate) fn decode(
    mut frames: mpsc::Receiver<Frame>,
    decoded: mpsc::Sender<DecodedBatch>,
    acks: Option<mpsc::Sender<Vec<Ack>>>,
    security: Arc<Security>,
    mut on_demand: OnDemand,
) -> Result<()> {
    use rayon::prelude::*;
    std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let mut thinning = Thinning::new(BATCH);
            while frames.blocking_recv_many(&mut batch, BATCH) > 0 {
                thinning.set_backlog(frames.len());
                // What each frame asks: shed, or verified in full, or with its signature's
                // check deferred (for the signer of its vehicle's last verified BSM).
                let plan: Vec<Option<Option<[u8; 8]>>> = batch
                    .iter()
                    .map(|f| thinning.keeps(f).then(|| on_demand.defer_for(f)))
                    .collect();
                let detail = thinning.detail();
                let mut out: DecodedBatch = batch
                    .par_iter()
                    .zip(plan.par_iter())
                    .map(|(f, plan)| {
                        let d = match plan {
                            Some(defer_for) => roadcloud_admission::decode_secured_deferring(
                                f, &security, *defer_for,
                            ),
                            None => roadcloud_admission::shed(f, &detail),
                        };
                        (d, f.topic.clone())
                    })
                    .collect();
                // A message signed by digest may have been checked, on another core, before
                // the same batch's message carrying that certificate in full was: once the
                // batch's certificates are all learned, such messages are checked again.
                for (d, f) in out.iter_mut().zip(&batch) {
                    if unknown_signer(&d.0) {
                        d.0 = roadcloud_admission::decode_secured(f, &security);
                    }
                    on_demand.note(f, &d.0);
                }
                let kept: Vec<Ack> = batch.iter_mut().filter_map(|f| f.ack.take()).collect();
                batch.clear();
                // Bounded: when the world falls behind, decoding waits, then the frame
                // channel fills, then the MQTT link waits.
                if decoded.blocking_send(out).is_err() {
                    return;
                }
                if let Some(acks) = &acks
                    && acks.blocking_send(kept).is_err()
                {
                    return;
                }
            }
        })
        .context("cannot start the decoding thread")?;
    Ok(())
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
        };
        (stage, WorldRef { jobs: jobs_tx })
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
    }

    fn take(&mut self, batch: DecodedBatch) {
        for (d, topic) in batch {
            if let Err(r) = self.world.pipeline.ingest_decoded(d) {
                self.log.note(r.reason, &topic, &r.detail);
            }
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
        w.pipeline.expire(now);
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
