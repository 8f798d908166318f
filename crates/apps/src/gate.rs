//! Advisories that reach a vehicle: one per condition, not one per evaluation.
//!
//! The applications run ten times a second and say what holds now. A condition that persists
//! (the same scenario, target and other participant) becomes one advisory: sent when it first
//! holds, again when its severity rises, and otherwise refreshed at most every `repeat_ms`
//! while it holds, each time with a later expiry. When it stops holding, no cancellation is
//! needed: the last advisory expires. That expiry is the hysteresis: a condition that flickers
//! for a cycle does not make the vehicle's warning flicker.

use crate::{Advisory, ParticipantId, Severity};
use roadcloud_world::Millis;

type Key = (&'static str, [u8; 8], Option<ParticipantId>);

/// What was last sent for one condition.
#[derive(Debug, Clone, Copy)]
struct Sent {
    at: Millis,
    severity: Severity,
    expires_at: Millis,
}

/// Why an advisory goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    /// Its condition did not stand (first time, or its last advisory had expired).
    New,
    /// Its condition stands, and its severity rose.
    Rose,
    /// Its condition stands as it was: sent again, `repeat_ms` after the last, for a later
    /// expiry. It tells the vehicle nothing it was not told.
    Refresh,
}

/// Lets an advisory through when it says something new.
#[derive(Debug)]
pub struct AdvisoryGate {
    repeat_ms: Millis,
    sent: std::collections::HashMap<Key, Sent, foldhash::fast::RandomState>,
}

impl AdvisoryGate {
    /// A gate that refreshes a standing condition at most every `repeat_ms`.
    pub fn new(repeat_ms: Millis) -> Self {
        AdvisoryGate {
            repeat_ms,
            sent: Default::default(),
        }
    }

    /// Whether `a` goes out, and why (if so, it is remembered as sent).
    pub fn admit(&mut self, a: &Advisory) -> Option<Passed> {
        let key = a.key();
        let passed = match self.sent.get(&key) {
            None => Some(Passed::New),
            Some(s) if a.at >= s.expires_at => Some(Passed::New),
            Some(s) if a.severity > s.severity => Some(Passed::Rose),
            Some(s) if a.at - s.at >= self.repeat_ms => Some(Passed::Refresh),
            Some(_) => None,
        };
        if passed.is_some() {
            self.sent.insert(
                key,
                Sent {
                    at: a.at,
                    severity: a.severity,
                    expires_at: a.expires_at,
                },
            );
        }
        passed
    }

    /// Forgets conditions whose last advisory expired before `now`.
    pub fn expire(&mut self, now: Millis) {
        self.sent.retain(|_, s| s.expires_at > now);
    }

    /// How many conditions stand.
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    /// Whether none stands.
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadcloud_world::Point;

    fn fcw(at: Millis, severity: Severity) -> Advisory {
        Advisory {
            scenario: "FCW",
            severity,
            target: [1; 8],
            position: Point::default(),
            others: vec![crate::Other {
                id: ParticipantId::Vehicle([2; 8]),
                kind: "vehicle",
                position: Point::default(),
            }],
            ttc_s: Some(2.0),
            distance_m: Some(20.0),
            advised_speed_mps: None,
            reported_at: at - 20,
            at,
            expires_at: at + 1_000,
            detail: String::new(),
        }
    }

    #[test]
    fn a_standing_condition_is_refreshed_at_the_repeat_rate_and_a_rising_one_at_once() {
        let mut g = AdvisoryGate::new(500);
        assert_eq!(g.admit(&fcw(0, Severity::Warning)), Some(Passed::New));
        assert_eq!(g.admit(&fcw(100, Severity::Warning)), None);
        assert_eq!(g.admit(&fcw(400, Severity::Info)), None);
        assert_eq!(g.admit(&fcw(450, Severity::Alert)), Some(Passed::Rose));
        assert_eq!(g.admit(&fcw(900, Severity::Alert)), None);
        assert_eq!(g.admit(&fcw(950, Severity::Alert)), Some(Passed::Refresh));
        assert_eq!(
            g.admit(&fcw(1_950, Severity::Alert)),
            Some(Passed::New),
            "the last one expired (not yet forgotten)"
        );
        g.expire(3_000);
        assert!(g.is_empty());
        assert_eq!(g.admit(&fcw(3_100, Severity::Warning)), Some(Passed::New));
    }
}
