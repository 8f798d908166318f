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

/// An instant as DF_DDateTime (T/CSAE 53-2020): UTC year, month, day, hour, minute, and
/// the milliseconds within the minute (DE_DSecond); offset 0.
pub fn date_time(t: Millis) -> roadcloud_csae::DDateTime {
    use roadcloud_csae as csae;
    let days = t.div_euclid(86_400_000);
    let in_day = t.rem_euclid(86_400_000);
    // The proleptic Gregorian date of a day count since 1970-01-01, by eras of 400 years
    // (146,097 days), the year taken to start on 1 March so that February's leap day ends it.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    csae::DDateTime {
        // DE_DYear is 0..4095.
        year: Some(csae::DYear(year.clamp(0, 4_095) as u16)),
        month: Some(csae::DMonth(month as u8)),
        day: Some(csae::DDay(day as u8)),
        hour: Some(csae::DHour((in_day / 3_600_000) as u8)),
        minute: Some(csae::DMinute((in_day / 60_000 % 60) as u8)),
        second: Some(csae::DSecond(sec_mark(t))),
        offset: Some(csae::DTimeOffset(0)),
    }
}

/// The instant a DF_DDateTime (T/CSAE 53-2020) names, ms since the epoch: the fields it
/// leaves out are those of `near` (UTC), and its `offset` (DE_DTimeOffset, minutes from
/// UTC of the local time the other fields give) is taken off. `None` for a field out of
/// its calendar range (month 13, hour 24, a DE_DSecond of 60,000 or more).
pub fn instant_of(d: &roadcloud_csae::DDateTime, near: Millis) -> Option<Millis> {
    let n = date_time(near);
    let field = |given: Option<i64>, default: Option<i64>| given.or(default);
    let year = field(d.year.map(|y| y.0.into()), n.year.map(|y| y.0.into()))?;
    let month = field(d.month.map(|m| m.0.into()), n.month.map(|m| m.0.into()))?;
    let day = field(d.day.map(|x| x.0.into()), n.day.map(|x| x.0.into()))?;
    let hour = field(d.hour.map(|h| h.0.into()), n.hour.map(|h| h.0.into()))?;
    let minute = field(d.minute.map(|m| m.0.into()), n.minute.map(|m| m.0.into()))?;
    let ms = field(d.second.map(|s| s.0.into()), n.second.map(|s| s.0.into()))?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || ms > 59_999
    {
        return None;
    }
    // The day count since 1970-01-01 of a proleptic Gregorian date: `date_time`'s, undone.
    let y = year - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let offset_min = d.offset.map_or(0, |o| i64::from(o.0));
    Some(days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + ms - offset_min * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_of_undoes_date_time() {
        for t in [0, 1_709_251_198_500, 1_796_256_000_000, 951_782_400_123] {
            assert_eq!(instant_of(&date_time(t), 0), Some(t), "{t}");
        }
        // Beijing time (UTC+8, 480 minutes) names the instant 8 hours earlier in UTC.
        let mut d = date_time(1_796_256_000_000);
        d.offset = Some(roadcloud_csae::DTimeOffset(480));
        assert_eq!(instant_of(&d, 0), Some(1_796_256_000_000 - 8 * 3_600_000));
        // Fields left out are those of the moment it is read at.
        let near = 1_796_256_000_000 + 5 * 3_600_000;
        let only_time = roadcloud_csae::DDateTime {
            year: None,
            month: None,
            day: None,
            hour: Some(roadcloud_csae::DHour(7)),
            minute: Some(roadcloud_csae::DMinute(30)),
            second: Some(roadcloud_csae::DSecond(0)),
            offset: None,
        };
        assert_eq!(
            instant_of(&only_time, near),
            Some(1_796_256_000_000 + 7 * 3_600_000 + 30 * 60_000)
        );
        let mut bad = date_time(0);
        bad.month = Some(roadcloud_csae::DMonth(13));
        assert_eq!(instant_of(&bad, 0), None);
        bad = date_time(0);
        bad.second = Some(roadcloud_csae::DSecond(60_000));
        assert_eq!(instant_of(&bad, 0), None);
    }

    #[test]
    fn date_time_is_the_utc_calendar() {
        // 2024-02-29 23:59:58.5 UTC, a leap day.
        let d = date_time(1_709_251_198_500);
        assert_eq!(
            (
                d.year.unwrap().0,
                d.month.unwrap().0,
                d.day.unwrap().0,
                d.hour.unwrap().0,
                d.minute.unwrap().0,
                d.second.unwrap().0
            ),
            (2024, 2, 29, 23, 59, 58_500)
        );
        let d = date_time(0);
        assert_eq!(
            (d.year.unwrap().0, d.month.unwrap().0, d.day.unwrap().0),
            (1970, 1, 1)
        );
        // 2026-12-03 00:00:00 UTC.
        let d = date_time(1_796_256_000_000);
        assert_eq!(
            (d.year.unwrap().0, d.month.unwrap().0, d.day.unwrap().0),
            (2026, 12, 3)
        );
    }

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
