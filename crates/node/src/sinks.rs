//! Journal sinks: where the world stage's journal goes each tick (every 100 ms), each
//! behind [`JournalSink`], as Vector's sinks are: the live feed ([`crate::http::live`]),
//! the charts' series ([`SeriesSink`]) and the store ([`StoreSink`]). The world stage
//! knows none of them; the node wires them when it starts.

use crate::http::series::{Sample, Series};
use crate::http::{live, views};
use futures_util::future::BoxFuture;
use roadcloud_pipeline::{Journal, Pipeline};
use roadcloud_store::{
    AdvisoryRecord, DeviceStatus, EventRecord, MisbehaviourRecord, Record, TrajectoryPoint, Writer,
};
use roadcloud_world::Millis;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// What a tick hands the sinks: the world after the tick, and what changed since the
/// last one.
pub(crate) struct Tick<'a> {
    /// The world's pipeline, after time has passed in it.
    pub pipeline: &'a Pipeline,
    /// What changed since the last tick.
    pub journal: &'a Journal,
    /// The last tick, ms since the epoch.
    pub since: Millis,
    /// This tick, ms since the epoch.
    pub now: Millis,
}

/// What a sink still has to do for a tick once it has taken it; the world stage waits for
/// it before it goes on (the store's disk sets the pace: nothing is dropped).
pub(crate) type Pending = BoxFuture<'static, ()>;

/// Where the journal goes.
pub(crate) trait JournalSink: Send {
    /// Takes one tick's changes; returns what must finish before the stage goes on, if
    /// anything.
    fn take(&mut self, tick: &Tick<'_>) -> Option<Pending>;
}

/// The web map's charts: a sample of the rates and the latency each second, the last ten
/// minutes of them published as a snapshot the API reads.
pub(crate) struct SeriesSink {
    series: Series,
    next: Instant,
    published: watch::Sender<Arc<[Sample]>>,
}

impl SeriesSink {
    /// Keeps ten minutes of samples; the API reads them from the receiver.
    pub(crate) fn new() -> (SeriesSink, watch::Receiver<Arc<[Sample]>>) {
        let (published, samples) = watch::channel(Arc::from(Vec::new()));
        let sink = SeriesSink {
            series: Series::new(600),
            next: Instant::now(),
            published,
        };
        (sink, samples)
    }
}

impl JournalSink for SeriesSink {
    fn take(&mut self, tick: &Tick<'_>) -> Option<Pending> {
        if Instant::now() >= self.next {
            // From now, not from the last due time: after a stall, no burst of samples.
            self.next = Instant::now() + Duration::from_secs(1);
            self.series.sample(tick.pipeline, tick.now);
            let samples: Arc<[Sample]> = self.series.samples().cloned().collect();
            self.published.send_replace(samples);
        }
        None
    }
}

/// The store: each tick's event changes, device changes, advisories and misbehaviour
/// reports, and every `sample_every` each live participant's position, written in order
/// by [`store_journal`]. A few ticks' records may wait; beyond, the world stage waits for
/// the disk.
pub(crate) struct StoreSink {
    records: mpsc::Sender<Vec<Record>>,
    sample_every: Duration,
    next_sample: Instant,
}

impl StoreSink {
    /// The sink, and the task that writes what it takes with `writer`.
    pub(crate) fn new(
        writer: Writer,
        sample_every: Duration,
    ) -> (StoreSink, tokio::task::JoinHandle<()>) {
        let (records, rx) = mpsc::channel(16);
        let task = tokio::spawn(store_journal(rx, writer));
        let sink = StoreSink {
            records,
            sample_every,
            next_sample: Instant::now(),
        };
        (sink, task)
    }
}

impl JournalSink for StoreSink {
    fn take(&mut self, tick: &Tick<'_>) -> Option<Pending> {
        let mut records = records(tick.pipeline, tick.journal);
        if Instant::now() >= self.next_sample {
            self.next_sample += self.sample_every;
            records.extend(trajectory_samples(
                tick.pipeline,
                tick.now - self.sample_every.as_millis() as i64,
            ));
        }
        if records.is_empty() {
            return None;
        }
        let tx = self.records.clone();
        Some(Box::pin(async move {
            if tx.send(records).await.is_err() {
                tracing::error!("the store has stopped; records are no longer kept");
            }
        }))
    }
}

/// Writes the store sink's records to the store, in order, until the sink is gone.
async fn store_journal(mut records: mpsc::Receiver<Vec<Record>>, writer: Writer) {
    while let Some(batch) = records.recv().await {
        let w = writer.clone();
        let result = tokio::task::spawn_blocking(move || w.write(batch)).await;
        if !matches!(result, Ok(Ok(()))) {
            tracing::error!("the store has stopped; records are no longer kept");
        }
    }
}

/// The store's records of a journal: event changes, device status changes (quarantine
/// among them), advisories and misbehaviour reports.
fn records(p: &Pipeline, j: &Journal) -> Vec<Record> {
    let events = j.events.iter().map(|c| {
        let (lat, lon) = p.frame.to_wgs84(c.event.position);
        Record::Event(EventRecord {
            rsu: views::hex(&c.event.rsu),
            kind: views::event_kind(c.event.kind).to_string(),
            local_id: c.event.local_id,
            code: c.event.code,
            change: c.change.as_str().to_string(),
            at: c.at,
            lat,
            lon,
            radius_m: c.event.radius_m,
            description: c.event.description.clone(),
            start: c.event.start,
            end: c.event.end,
        })
    });
    let devices = j
        .devices
        .iter()
        .map(|d| Record::DeviceStatus(live::device_status(d)));
    let advisories = j.advisories.iter().map(|a| {
        let (lat, lon) = p.frame.to_wgs84(a.position);
        Record::Advisory(AdvisoryRecord {
            scenario: a.scenario.to_string(),
            target: views::hex(&a.target),
            at: a.at,
            lat,
            lon,
            json: json!(views::advisory(&p.frame, a)).to_string(),
        })
    });
    let misbehaviour = j.misbehaviour.iter().map(|r| {
        Record::Misbehaviour(MisbehaviourRecord {
            device: views::hex(&r.device),
            kind: r.kind.as_str().to_string(),
            at: r.at,
            action: r.action.as_str().to_string(),
            json: json!(views::misbehaviour(&p.frame, r)).to_string(),
        })
    });
    // Quarantine and its end, as the vehicle's status.
    let quarantine = j.quarantine.iter().map(|c| {
        Record::DeviceStatus(DeviceStatus {
            device: views::hex(&c.device),
            kind: "obu".to_string(),
            status: if c.quarantined {
                "quarantined"
            } else {
                "released"
            }
            .to_string(),
            at: c.at,
        })
    });
    events
        .chain(devices)
        .chain(advisories)
        .chain(misbehaviour)
        .chain(quarantine)
        .collect()
}

/// One trajectory sample of each participant reported since `since`.
fn trajectory_samples(p: &Pipeline, since: Millis) -> Vec<Record> {
    p.tracks()
        .iter()
        .filter(|t| t.updated_at > since)
        .map(|t| {
            let (lat, lon) = p.frame.to_wgs84(t.position);
            Record::Trajectory(TrajectoryPoint {
                participant: views::public_id(t),
                kind: t.kind.as_str().to_string(),
                at: t.at,
                lat,
                lon,
                speed_mps: t.motion.speed_mps,
                heading_deg: t.motion.heading_deg,
                lane: t.lane.as_ref().map(|m| views::lane_id(&m.lane)),
            })
        })
        .collect()
}
