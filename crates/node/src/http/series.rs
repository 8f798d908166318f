//! The last minutes of the platform's rates and latency, one sample a second, for the web
//! map's charts (`GET /api/v1/stats/series`). The counters in `/api/v1/stats` and
//! `/metrics` run since start; a chart of "now" needs what happened in each second.

use roadcloud_pipeline::{LatencyHistogram, Pipeline};
use roadcloud_world::Millis;
use std::collections::VecDeque;

/// What happened in one second, as `/api/v1/stats/series` gives it.
pub use roadcloud_api::stats::Sample;

/// The counters as they stood at the last sample.
struct Totals {
    at: Millis,
    received: u64,
    admitted: u64,
    rejected: u64,
    advisories: u64,
    latency: LatencyHistogram,
}

impl Totals {
    fn of(p: &Pipeline, at: Millis) -> Self {
        Totals {
            at,
            received: p.counters.received,
            admitted: p.counters.admitted,
            rejected: p.admission.rejections().values().sum(),
            advisories: p.advisories_sent.values().sum(),
            latency: p.latency.clone(),
        }
    }
}

/// A ring of samples.
pub struct Series {
    samples: VecDeque<Sample>,
    capacity: usize,
    last: Option<Totals>,
}

impl Series {
    /// Keeps the newest `capacity` samples.
    pub fn new(capacity: usize) -> Self {
        Series {
            samples: VecDeque::with_capacity(capacity),
            capacity,
            last: None,
        }
    }

    /// Takes a sample of what happened since the previous call (the first call only sets
    /// the start).
    pub fn sample(&mut self, p: &Pipeline, now: Millis) {
        let totals = Totals::of(p, now);
        if let Some(last) = self.last.as_ref() {
            let seconds = ((now - last.at) as f64 / 1000.0).max(1e-3);
            let rate = |now: u64, before: u64| now.saturating_sub(before) as f64 / seconds;
            let latency = totals.latency.since(&last.latency);
            if self.samples.len() == self.capacity {
                self.samples.pop_front();
            }
            self.samples.push_back(Sample {
                at: now,
                received_per_s: rate(totals.received, last.received),
                admitted_per_s: rate(totals.admitted, last.admitted),
                rejected_per_s: rate(totals.rejected, last.rejected),
                advisories_per_s: rate(totals.advisories, last.advisories),
                participants: p.tracks().len(),
                ingest_p50_ms: latency.percentile_ms(50.0),
                ingest_p99_ms: latency.percentile_ms(99.0),
            });
        }
        self.last = Some(totals);
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.samples.iter()
    }
}
