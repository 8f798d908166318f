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
use std::borrow::Cow;

/// A condition: scenario, target and the first other participant. The scenario is the
/// application's own name, or one another node's gate named ([`AdvisoryGate::adopt`]).
type Key = (Cow<'static, str>, [u8; 8], Option<ParticipantId>);

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

/// What a gate last sent for one condition, as it leaves the gate ([`AdvisoryGate::standing`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The advisory's scenario (`FCW`, ...).
    pub scenario: String,
    /// The vehicle it went to.
    pub target: [u8; 8],
    /// The first other participant it was about.
    pub about: Option<ParticipantId>,
    /// When it was sent, ms since the epoch.
    pub at: Millis,
    /// Its severity.
    pub severity: Severity,
    /// When it expires, ms since the epoch.
    pub expires_at: Millis,
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
        let (scenario, target, other) = a.key();
        let key = (Cow::Borrowed(scenario), target, other);
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

    /// What was last sent for each condition of the vehicles for which `of` holds: for the
    /// node that takes a vehicle over in a cluster (docs/scale.md), so that a warning that
    /// stands is not sent again as new where the vehicle crosses.
    pub fn standing(&self, of: impl Fn([u8; 8]) -> bool) -> Vec<Standing> {
        self.sent
            .iter()
            .filter(|((_, target, _), _)| of(*target))
            .map(|((scenario, target, about), s)| Standing {
                scenario: scenario.to_string(),
                target: *target,
                about: about.clone(),
                at: s.at,
                severity: s.severity,
                expires_at: s.expires_at,
            })
            .collect()
    }

    /// Takes in what another gate sent for a condition ([`standing`](Self::standing)),
    /// unless this one sent it later.
    pub fn adopt(&mut self, s: Standing) {
        let sent = Sent {
            at: s.at,
            severity: s.severity,
            expires_at: s.expires_at,
        };
        self.sent
            .entry((Cow::Owned(s.scenario), s.target, s.about))
            .and_modify(|mine| {
                if sent.at > mine.at {
                    *mine = sent;
                }
            })
            .or_insert(sent);
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

    #[test]
    fn a_gate_that_adopts_another_ones_conditions_does_not_send_them_again_as_new() {
        let mut west = AdvisoryGate::new(500);
        assert_eq!(west.admit(&fcw(0, Severity::Warning)), Some(Passed::New));
        assert!(
            west.standing(|v| v == [2; 8]).is_empty(),
            "another vehicle's"
        );
        let standing = west.standing(|v| v == [1; 8]);
        assert_eq!(standing.len(), 1);
        let mut east = AdvisoryGate::new(500);
        for s in standing {
            east.adopt(s);
        }
        assert_eq!(east.admit(&fcw(100, Severity::Warning)), None);
        assert_eq!(
            east.admit(&fcw(500, Severity::Warning)),
            Some(Passed::Refresh)
        );
        // An older copy does not undo what this gate sent since.
        east.adopt(west.standing(|_| true).remove(0));
        assert_eq!(east.admit(&fcw(600, Severity::Warning)), None);
    }
}
