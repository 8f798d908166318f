//! 1609.2 time (IEEE 1609.2-2016 6.4.11-6.4.13): TAI since 2004-01-01 00:00:00 UTC, so the
//! leap seconds since then count. Converted once, here, from the Unix milliseconds the rest
//! of roadcloud uses.

/// 2004-01-01 00:00:00 UTC in Unix seconds: the 1609.2 epoch.
pub const EPOCH_UNIX_S: i64 = 1_072_915_200;

/// The Unix times at which a leap second had been inserted since the epoch (IERS Bulletin C:
/// end of 2005, 2008, June 2012, June 2015, 2016; none announced since).
const LEAP_SECONDS_UNIX_S: [i64; 5] = [
    1_136_073_600,
    1_230_768_000,
    1_341_100_800,
    1_435_708_800,
    1_483_228_800,
];

fn leap_seconds(unix_s: i64) -> i64 {
    LEAP_SECONDS_UNIX_S.iter().filter(|t| unix_s >= **t).count() as i64
}

/// `Time64` (TAI microseconds since the epoch) of a Unix time in milliseconds; 0 before the
/// epoch.
pub fn time64_from_unix_ms(unix_ms: i64) -> u64 {
    let s = unix_ms.div_euclid(1000);
    let tai_us = (unix_ms - EPOCH_UNIX_S * 1000 + leap_seconds(s) * 1000) * 1000;
    u64::try_from(tai_us).unwrap_or(0)
}

/// The Unix time in milliseconds of a `Time64`.
pub fn unix_ms_from_time64(time64: u64) -> i64 {
    let tai_ms = (time64 / 1000) as i64 + EPOCH_UNIX_S * 1000;
    // The leap seconds before the instant: found from the TAI time, then checked once.
    let guess = tai_ms - leap_seconds(tai_ms / 1000) * 1000;
    tai_ms - leap_seconds(guess / 1000) * 1000
}

/// `Time32` (TAI seconds since the epoch) of a Unix time in milliseconds.
pub fn time32_from_unix_ms(unix_ms: i64) -> u32 {
    u32::try_from(time64_from_unix_ms(unix_ms) / 1_000_000).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_is_zero_and_leap_seconds_count() {
        assert_eq!(time64_from_unix_ms(EPOCH_UNIX_S * 1000), 0);
        // 2026-12-01 00:00:00 UTC: 5 leap seconds after the epoch.
        let unix_ms = 1_796_083_200_000;
        let t = time64_from_unix_ms(unix_ms);
        assert_eq!(t, ((1_796_083_200 - EPOCH_UNIX_S + 5) * 1_000_000) as u64);
        assert_eq!(unix_ms_from_time64(t), unix_ms);
        assert_eq!(time32_from_unix_ms(unix_ms), (t / 1_000_000) as u32);
    }
}
