//! The stages a message passes: decoding (the stateless half of admission, on every core),
//! the world stage (the single writer: admission's stateful half, the world, the
//! applications, the downlinks), and the tick that lets time pass and hands the journal to
//! the live feed and the store.

use crate::http::live;
use crate::http::series::Series;
use crate::http::views;
use crate::node::SharedWorld;
use anyhow::{Context, Result};
use roadcloud_admission::keeping_up::{OnDemand, Thinning};
use roadcloud_admission::{Decoded, Reason, Rejection, Security};
use roadcloud_csae::MessageFrame;
use roadcloud_store::Writer;
use roadcloud_transport::{
    DeviceId, Downlinks, Frame, MessageKind, now_micros, now_millis, rsu_downlink_topic,
    vehicle_advice_topic,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

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
pub(crate) fn decode(
    mut frames: mpsc::Receiver<Frame>,
    decoded: mpsc::Sender<DecodedBatch>,
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
                batch.clear();
                // Bounded: when the world falls behind, decoding waits, then the frame
                // channel fills, then the MQTT link waits.
                if decoded.blocking_send(out).is_err() {
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

/// The world stage, the single writer: admission's stateful half and the world update,
/// one lock per batch; then, when no batch waits, the applications for the vehicles that
/// reported, for at most `apps_slice`, and their advisories out on the vehicles' downlinks
/// (JSON), and the RSIs they call for on the RSUs' downlinks (UPER).
pub(crate) async fn ingest(
    mut decoded: mpsc::Receiver<DecodedBatch>,
    world: SharedWorld,
    mut mqtt: Option<Box<dyn Downlinks>>,
    apps_slice: Option<Duration>,
    apps_settle_ms: i64,
) {
    let mut log = RejectionLog {
        last: HashMap::new(),
    };
    loop {
        // Wait for frames; when none come, the applications still finish what waits.
        let batch = match tokio::time::timeout(Duration::from_millis(10), decoded.recv()).await {
            Ok(Some(batch)) => batch,
            Ok(None) => return,
            Err(_) => Vec::new(),
        };
        let advisories = {
            let mut w = world.write().expect("world lock");
            let had_frames = !batch.is_empty();
            for (d, topic) in batch {
                if let Err(r) = w.pipeline.ingest_decoded(d) {
                    log.note(r.reason, &topic, &r.detail);
                }
            }
            if had_frames {
                w.pipeline.finish_batch(now_micros());
            }
            // Ingest first: while batches wait, the applications wait (their vehicles stay
            // noted), so an overload delays advisories instead of dropping messages.
            let Some(apps_slice) = apps_slice.filter(|_| decoded.is_empty()) else {
                continue;
            };
            let started = Instant::now();
            let advisories = w.pipeline.evaluate_until(now_millis(), apps_settle_ms, || {
                started.elapsed() >= apps_slice
            });
            let frame = w.pipeline.frame;
            let mut out: Vec<(String, Vec<u8>)> = advisories
                .iter()
                .map(|a| {
                    (
                        vehicle_advice_topic(DeviceId(a.target)),
                        views::advisory(&frame, a).to_string().into_bytes(),
                    )
                })
                .collect();
            for d in w.pipeline.take_downlinks() {
                match roadcloud_csae::encode(&MessageFrame::RsiFrame(d.rsi)) {
                    Ok(uper) => out.push((rsu_downlink_topic(d.rsu, MessageKind::Rsi), uper)),
                    Err(e) => tracing::warn!("RSI for RSU {} not encoded: {e}", d.rsu),
                }
            }
            out
        };
        if let Some(link) = mqtt.as_mut() {
            for (topic, payload) in advisories {
                if let Err(e) = link.publish(topic, payload) {
                    tracing::warn!("downlink not published: {e}");
                }
            }
        }
    }
}

/// Every 100 ms: lets time pass in the world, and hands what changed to the live feed and
/// the store; every second, samples the rates for the charts; every `sample_every`, stores
/// each live participant's position. When `stop` turns true, hands on what the world
/// journalled since the last tick and returns: a node shut down keeps everything it took in.
pub(crate) async fn tick(
    world: SharedWorld,
    feeds: live::Feeds,
    series: Arc<Mutex<Series>>,
    writer: Writer,
    sample_every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut interval = tokio::time::interval(Duration::from_millis(100));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_look = now_millis();
    let mut next_sample = Instant::now();
    let mut next_series = Instant::now();
    loop {
        let last = tokio::select! {
            _ = interval.tick() => false,
            _ = stop.wait_for(|stop| *stop) => true,
        };
        let now = now_millis();
        let sample = Instant::now() >= next_sample;
        if sample {
            next_sample += sample_every;
        }
        let mut records = {
            let mut w = world.write().expect("world lock");
            w.pipeline.expire(now);
            let journal = w.pipeline.take_journal();
            feeds.publish(&w.pipeline, &journal, last_look, now);
            if Instant::now() >= next_series {
                // From now, not from the last due time: after a stall, no burst of samples.
                next_series = Instant::now() + Duration::from_secs(1);
                series.lock().expect("series lock").sample(&w.pipeline, now);
            }
            let mut records = live::records(&w.pipeline, &journal);
            if sample {
                records.extend(live::trajectory_samples(
                    &w.pipeline,
                    now - sample_every.as_millis() as i64,
                ));
            }
            records
        };
        last_look = now;
        if !records.is_empty() {
            // Waits while the store's queue is full: the disk sets the pace, nothing is
            // dropped.
            let w = writer.clone();
            let result =
                tokio::task::spawn_blocking(move || w.write(std::mem::take(&mut records))).await;
            if !matches!(result, Ok(Ok(()))) {
                tracing::error!("the store has stopped; records are no longer kept");
            }
        }
        if last {
            return;
        }
    }
}
