//! One time base: milliseconds since the Unix epoch (UTC).
//!
//! Messages carry `secMark` (`DSecond`), the milliseconds within the current UTC minute
//! (0..=59999; 60000..=65535 are reserved, e.g. for leap seconds or "unavailable"). The
//! minute itself is not sent, so it is recovered from the time of reception: of the three
//! candidates in the previous, current and next minute, the one nearest the reception time.

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// The `secMark` of an instant: its milliseconds within its UTC minute (DE_DSecond), the
/// inverse of [`resolve_sec_mark`].
pub fn sec_mark(t: Millis) -> u16 {
    t.rem_euclid(60_000) as u16
}

/// The absolute generation time of a message with `sec_mark` received at `received_at`, or
/// `None` when `sec_mark` is not a millisecond of a minute.
pub fn resolve_sec_mark(sec_mark: u16, received_at: Millis) -> Option<Millis> {
    if sec_mark >= 60_000 {
        return None;
    }
    let minute = received_at.div_euclid(60_000) * 60_000;
    [minute - 60_000, minute, minute + 60_000]
        .into_iter()
        .map(|m| m + i64::from(sec_mark))
        .min_by_key(|t| (t - received_at).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_mark_resolves_across_the_minute_wrap() {
        let minute = 1_728_952_200_000; // 2024-10-15 00:30:00 UTC
        // Generated 59.9 s into the previous minute, received 0.1 s into this one.
        assert_eq!(resolve_sec_mark(59_900, minute + 100), Some(minute - 100));
        // Generated 0.05 s into the next minute by a clock slightly ahead.
        assert_eq!(resolve_sec_mark(50, minute + 59_990), Some(minute + 60_050));
        assert_eq!(
            resolve_sec_mark(12_345, minute + 12_400),
            Some(minute + 12_345)
        );
        assert_eq!(resolve_sec_mark(60_000, minute), None);
    }
}
