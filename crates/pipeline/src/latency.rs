//! A fixed-bucket latency histogram: 0.1 ms buckets up to 2 s, and one above.
//!
//! Generation times in C-V2X messages have millisecond resolution (`secMark`), so finer
//! buckets would only pretend; a fixed array keeps recording allocation-free and O(1).

/// Bucket width, microseconds.
const BUCKET_US: i64 = 100;
/// Buckets below the overflow bucket (0 to 2 s).
const BUCKETS: usize = 20_000;

/// Counts of latencies, 0.1 ms resolution.
#[derive(Clone)]
pub struct LatencyHistogram {
    counts: Box<[u64]>,
    total: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            counts: vec![0; BUCKETS + 1].into_boxed_slice(),
            total: 0,
        }
    }
}

impl std::fmt::Debug for LatencyHistogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LatencyHistogram")
            .field("total", &self.total)
            .field("p50_ms", &self.percentile_ms(50.0))
            .field("p99_ms", &self.percentile_ms(99.0))
            .finish()
    }
}

impl LatencyHistogram {
    /// Counts one latency, microseconds (negative ones, from a sender clock ahead, count as 0).
    pub fn record_us(&mut self, us: i64) {
        let i = (us.max(0) / BUCKET_US) as usize;
        self.counts[i.min(BUCKETS)] += 1;
        self.total += 1;
    }

    /// How many were counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The latency below which `p` percent of the counted ones fall, milliseconds (the upper
    /// edge of its bucket; 2000 means beyond the histogram), or `None` when empty.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(((i.min(BUCKETS - 1) as i64 + 1) * BUCKET_US) as f64 / 1000.0);
            }
        }
        Some((BUCKETS as i64 * BUCKET_US) as f64 / 1000.0)
    }

    /// How many were counted below `ms` milliseconds (rounded down to a bucket edge; every
    /// one counted, from 2 s on).
    pub fn count_below_ms(&self, ms: f64) -> u64 {
        let edge = (ms * 1000.0 / BUCKET_US as f64).floor().max(0.0) as usize;
        if edge >= BUCKETS {
            return self.total;
        }
        self.counts[..edge].iter().sum()
    }

    /// The sum of the counted latencies, seconds, each taken at its bucket's middle (those
    /// beyond 2 s at 2 s).
    pub fn sum_s(&self) -> f64 {
        self.buckets()
            .map(|(i, n)| {
                let mid_us = if i >= BUCKETS {
                    (BUCKETS as i64 * BUCKET_US) as f64
                } else {
                    (i as f64 + 0.5) * BUCKET_US as f64
                };
                mid_us * n as f64 / 1e6
            })
            .sum()
    }

    /// The non-empty buckets: (index, count); bucket `i` holds latencies from `i` × 0.1 ms
    /// up to (`i` + 1) × 0.1 ms, and the last (index 20000) everything from 2 s.
    pub fn buckets(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (i, *n))
    }

    /// A histogram from [`buckets`](Self::buckets)' output (out-of-range indexes count in the
    /// last bucket).
    pub fn from_buckets(buckets: impl IntoIterator<Item = (usize, u64)>) -> Self {
        let mut h = LatencyHistogram::default();
        for (i, n) in buckets {
            h.counts[i.min(BUCKETS)] += n;
            h.total += n;
        }
        h
    }

    /// The counts gained since `earlier`, a copy of this histogram taken before.
    pub fn since(&self, earlier: &LatencyHistogram) -> LatencyHistogram {
        LatencyHistogram {
            counts: self
                .counts
                .iter()
                .zip(earlier.counts.iter())
                .map(|(a, b)| a.saturating_sub(*b))
                .collect(),
            total: self.total.saturating_sub(earlier.total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_bucket_upper_edges() {
        let mut h = LatencyHistogram::default();
        assert_eq!(h.percentile_ms(99.0), None);
        for us in [50, 150, 950, 1_050, 4_999] {
            h.record_us(us);
        }
        h.record_us(-3);
        h.record_us(10_000_000);
        assert_eq!(h.total(), 7);
        assert_eq!(h.percentile_ms(0.0), Some(0.1));
        assert_eq!(h.percentile_ms(50.0), Some(1.0));
        assert_eq!(h.percentile_ms(85.0), Some(5.0));
        assert_eq!(h.percentile_ms(100.0), Some(2000.0));
        let before = h.clone();
        h.record_us(2_000);
        let d = h.since(&before);
        assert_eq!((d.total(), d.percentile_ms(100.0)), (1, Some(2.1)));
        assert_eq!(h.count_below_ms(1.0), 4);
        assert_eq!(h.count_below_ms(2.05), 5);
        assert_eq!(h.count_below_ms(5_000.0), 8);
        assert!((h.sum_s() - 2.00925).abs() < 1e-9, "{}", h.sum_s());
        let again = LatencyHistogram::from_buckets(h.buckets());
        assert_eq!(again.total(), h.total());
        assert_eq!(again.percentile_ms(85.0), h.percentile_ms(85.0));
    }
}
