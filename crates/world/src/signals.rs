//! Signal state per intersection and phase, from SPAT, on the one time base.
//!
//! Timing comes in one of two forms (DF_TimeChangeDetails, T/CSAE 53-2020):
//! `counting` gives times in 0.1 s relative to the SPAT's own timestamp; `utcTiming` gives
//! `TimeMark`s, 0.1 s within the current UTC hour (36001 means unknown). Both become absolute
//! milliseconds here.

use crate::map::NodeId;
use crate::time::{Millis, resolve_sec_mark};
use roadcloud_csae as csae;

/// One state of a phase's sequence, with when it starts and ends.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseStep {
    /// The light, as the standard names it (`red`, `permissive-green`, `yellow`, ...).
    pub light: &'static str,
    /// When this state starts.
    pub start: Option<Millis>,
    /// When it most likely ends.
    pub likely_end: Option<Millis>,
    /// The earliest it may end.
    pub min_end: Option<Millis>,
    /// The latest it may end.
    pub max_end: Option<Millis>,
}

/// A phase and its sequence of states.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// `PhaseID`, as MAP's movements and connections refer to it.
    pub id: u8,
    /// The states, in the order SPAT gives them (the current one first).
    pub steps: Vec<PhaseStep>,
}

impl Phase {
    /// The state in force at `t`: the last step that has started; the first if none has.
    pub fn at(&self, t: Millis) -> Option<&PhaseStep> {
        self.steps
            .iter()
            .rev()
            .find(|s| s.start.is_some_and(|st| st <= t) && s.likely_end.is_none_or(|e| e > t))
            .or_else(|| self.steps.first())
    }
}

/// The signal state of one intersection.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalState {
    /// Which intersection.
    pub intersection: NodeId,
    /// Its phases.
    pub phases: Vec<Phase>,
    /// When the SPAT was generated.
    pub generated_at: Millis,
    /// When roadcloud received it.
    pub received_at: Millis,
}

/// Milliseconds since the epoch of the start of the UTC year that `t` falls in.
fn year_start(t: Millis) -> Millis {
    // Days since the epoch -> civil year (H. Hinnant's algorithm), then back to that Jan 1.
    let days = t.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    days_from_civil(year, 1, 1) * 86_400_000
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The absolute time of `MinuteOfTheYear` `moy` plus `DSecond` `ms`, in the year of
/// `received_at` (or the one before or after, whichever is nearest).
pub fn resolve_moy(moy: u32, ms: u16, received_at: Millis) -> Millis {
    let this = year_start(received_at);
    let prev = year_start(this - 1);
    let next = year_start(this + 366 * 86_400_000 + 1);
    [prev, this, next]
        .into_iter()
        .map(|y| y + i64::from(moy) * 60_000 + i64::from(ms))
        .min_by_key(|t| (t - received_at).abs())
        .expect("three candidates")
}

/// The `MinuteOfTheYear` (UTC) of an instant: the inverse of [`resolve_moy`].
pub fn minute_of_year(t: Millis) -> u32 {
    ((t - year_start(t)) / 60_000) as u32
}

/// The absolute time of a `TimeMark` (0.1 s within the UTC hour) nearest `near`.
fn resolve_time_mark(mark: u16, near: Millis) -> Option<Millis> {
    if mark >= 36_000 {
        return None;
    }
    let hour = near.div_euclid(3_600_000) * 3_600_000;
    [hour - 3_600_000, hour, hour + 3_600_000]
        .into_iter()
        .map(|h| h + i64::from(mark) * 100)
        .min_by_key(|t| (t - near).abs())
}

/// The signal states a SPAT gives, one per intersection.
pub fn signals_from_spat(spat: &csae::Spat, received_at: Millis) -> Vec<SignalState> {
    spat.intersections
        .0
        .iter()
        .map(|i| {
            let generated_at = match (i.moy.or(spat.moy), i.time_stamp.or(spat.time_stamp)) {
                (Some(moy), Some(ms)) => resolve_moy(moy.0, ms.0, received_at),
                (None, Some(ms)) => resolve_sec_mark(ms.0, received_at).unwrap_or(received_at),
                _ => received_at,
            };
            let phases = i
                .phases
                .0
                .iter()
                .map(|p| Phase {
                    id: p.id.0,
                    steps: p
                        .phase_states
                        .0
                        .iter()
                        .map(|s| step(s, generated_at))
                        .collect(),
                })
                .collect();
            SignalState {
                intersection: NodeId::from(&i.intersection_id),
                phases,
                generated_at,
                received_at,
            }
        })
        .collect()
}

fn step(s: &csae::PhaseState, at: Millis) -> PhaseStep {
    let rel = |t: csae::TimeMark| (t.0 < 36_001).then(|| at + i64::from(t.0) * 100);
    let abs = |t: csae::TimeMark| resolve_time_mark(t.0, at);
    let (start, likely_end, min_end, max_end) = match &s.timing {
        Some(csae::TimeChangeDetails::Counting(c)) => (
            rel(c.start_time),
            rel(c.likely_end_time),
            c.min_end_time.and_then(rel),
            c.max_end_time.and_then(rel),
        ),
        Some(csae::TimeChangeDetails::UtcTiming(u)) => (
            abs(u.start_utc_time),
            abs(u.likely_end_utc_time),
            u.min_end_utc_time.and_then(abs),
            u.max_end_utc_time.and_then(abs),
        ),
        // Timing of a newer version of the standard: the light stands, its times unknown.
        Some(csae::TimeChangeDetails::UnknownExtension(_)) | None => (None, None, None, None),
    };
    PhaseStep {
        light: s.light.asn_name(),
        start,
        likely_end,
        min_end,
        max_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_of_the_year_resolves_in_the_right_year() {
        // 2024-10-15 00:30 UTC is minute 414750 of 2024 (the vectors' timestamp).
        let t = 1_728_952_200_000;
        assert_eq!(resolve_moy(414_750, 0, t + 5_000), t);
        assert_eq!(minute_of_year(t + 59_999), 414_750);
        // Received just after New Year, generated in the last minute of the old year.
        let ny2025 = days_from_civil(2025, 1, 1) * 86_400_000;
        assert_eq!(
            resolve_moy(527_039, 30_000, ny2025 + 1_000),
            ny2025 - 30_000
        );
    }

    #[test]
    fn time_marks_resolve_within_the_hour() {
        let hour = 1_728_950_400_000; // 2024-10-15 00:00 UTC
        assert_eq!(
            resolve_time_mark(18_000, hour + 1_700_000),
            Some(hour + 1_800_000)
        );
        assert_eq!(
            resolve_time_mark(100, hour + 3_590_000),
            Some(hour + 3_610_000)
        );
        assert_eq!(resolve_time_mark(36_001, hour), None);
    }
}
