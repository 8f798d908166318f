//! SLW, speed limit warning (T/CSAE 53-2020): the host drives faster than the limit where it
//! is.
//!
//! Principle: the limit is the lane's (MAP `speedLimits`, the lane's own or else its link's)
//! or that of an RSI speed-limit sign whose zone the host is in (sign types
//! `speed_limit_sign_types`, the value read from the sign's description, e.g. GB2312 "限速60",
//! in km/h); the lowest applies. Warning when the speed exceeds it by more than
//! `tolerance_mps`. The advisory carries the limit as the top of `advised_speed_mps`.

use crate::scene::{Scene, in_zone};
use crate::{Advisory, App, Severity, plugin};
use roadcloud_world::events::EventKind;
use serde::{Deserialize, Serialize};

/// SLW's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How far above the limit a vehicle may go before the warning, m/s.
    pub tolerance_mps: f64,
    /// RSI `signType`s that are speed limits (GB 5768.2 codes).
    pub speed_limit_sign_types: Vec<u16>,
    /// How long an advisory stands, milliseconds.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            tolerance_mps: 1.4,
            speed_limit_sign_types: vec![85],
            valid_ms: 1_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("SLW", "speed limit warning", evaluate)
}

/// The limit a sign's description states, km/h: "限速60" (as GB2312 or text), "60 km/h".
pub(crate) fn sign_limit_kmh(description: &str) -> Option<f64> {
    let text = match description.strip_prefix("gb2312:") {
        // 限速 in GB2312 is cf de cb d9; the digits that follow are ASCII.
        Some(hex) => {
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        None => description.to_string(),
    };
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|v: &f64| *v > 0.0 && *v < 200.0)
}

fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    for (hv, target) in scene.targets() {
        let from_lane = hv.lane.and_then(|l| l.speed_limit_mps);
        let from_sign = scene
            .rsi(EventKind::Sign)
            .filter(|s| {
                p.speed_limit_sign_types.contains(&s.code)
                    && in_zone(s, hv.position, hv.heading_deg)
            })
            .filter_map(|s| s.description.as_deref().and_then(sign_limit_kmh))
            .map(|kmh| kmh / 3.6)
            .reduce(f64::min);
        let limit = match (from_lane, from_sign) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(l) => l,
                None => continue,
            },
        };
        if hv.speed_mps <= limit + p.tolerance_mps {
            continue;
        }
        let mut a =
            Advisory::new("SLW", Severity::Warning, hv, target, scene, p.valid_ms).detail(format!(
                "{:.0} km/h where the limit is {:.0} km/h",
                hv.speed_mps * 3.6,
                limit * 3.6
            ));
        a.advised_speed_mps = Some((0.0, limit));
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn limits_are_read_from_gb2312_and_text() {
        assert_eq!(super::sign_limit_kmh("gb2312:cfdecbd93630"), Some(60.0));
        assert_eq!(super::sign_limit_kmh("限速40"), Some(40.0));
        assert_eq!(super::sign_limit_kmh("no limit"), None);
    }
}
