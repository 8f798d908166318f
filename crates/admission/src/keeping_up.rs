//! Keeping up with signed traffic (docs/security.md#keeping-up): the decoding stage's two
//! policies for when verifying every signature would cost more than the cores have.
//!
//! - [`OnDemand`]: a vehicle's BSM signed by the certificate its previous BSMs verified
//!   under is admitted with its signature's check deferred ([`Signed::pending`]), except
//!   one per interval, which is verified in full; each vehicle's interval starts at its own
//!   phase, so that vehicles that came at once are not all verified at once each interval
//!   after. The world stage checks a deferred
//!   signature before the message starts a track and before an advisory rests on the
//!   vehicle; the rest only move a track a verified message started.
//! - [`Thinning`]: when frames have waited 100 ms to be decoded, a vehicle's BSMs are
//!   thinned to one per interval and the rest shed, so what is taken is not later still.
//!
//! Both touch only a vehicle's own BSMs (topic `V2X/OBU/{id}/BSM/UP`): RSU messages (MAP,
//! SPAT, RSI, RSM, forwarded BSMs) are always verified and always taken.

use crate::{Decoded, Reason, Rejection, Signed};
use roadcloud_transport::Frame;
use std::hash::BuildHasher;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Most senders either policy remembers; past it, it forgets them all (they are verified,
/// or taken, once more).
const MAX_SENDERS: usize = 1 << 20;

/// Whether a frame is a vehicle's own BSM, by its topic.
fn vehicle_bsm(f: &Frame) -> bool {
    f.topic.starts_with("V2X/OBU/") && f.topic.ends_with("/BSM/UP")
}

/// Verify on demand (module docs).
#[derive(Debug)]
pub struct OnDemand {
    interval_ms: Option<i64>,
    /// Per topic (one vehicle), the certificate its last verified BSM was signed by, and
    /// when it came.
    established: HashMap<String, ([u8; 8], i64)>,
    /// Gives each vehicle the phase of its intervals: seeded per process, so a sender
    /// cannot tell from its topic which of its messages will be verified.
    phases: foldhash::fast::RandomState,
}

impl OnDemand {
    /// Verifies one BSM per vehicle each `interval_ms` in full and defers the others'
    /// checks; `None`: verifies every message.
    pub fn new(interval_ms: Option<i64>) -> Self {
        OnDemand {
            interval_ms,
            established: HashMap::default(),
            phases: foldhash::fast::RandomState::default(),
        }
    }

    /// The certificate whose signature on `f` may be deferred: the one its sender's
    /// last verified BSM was signed by, less than an interval ago and within the same of
    /// the vehicle's intervals (or less than half an interval ago). `None`: verify in full.
    ///
    /// The intervals are the vehicle's own, offset by a phase from its topic: a thousand
    /// vehicles that came within the same 100 ms (a bench's start, a ferry unloading) would
    /// otherwise each be verified again in that same 100 ms of every interval after, a burst
    /// the cores take far longer to verify than the rest of the interval's traffic (SM2:
    /// about 0.13 ms each on the reference machine), delaying every message behind it.
    ///
    /// When `verifier_busy` (signatures wait to be verified), a vehicle's BSM due for its
    /// interval's check is deferred all the same, up to [`MAX_STRETCH`] intervals after its
    /// last verified one: what must be verified (RSU messages, new vehicles and
    /// certificates) goes first, and the intervals stretch to what the cores can verify
    /// instead of messages being shed.
    pub fn defer_for(&self, f: &Frame, verifier_busy: bool) -> Option<[u8; 8]> {
        let interval = self.interval_ms.filter(|i| *i > 0)?;
        if !vehicle_bsm(f) {
            return None;
        }
        let phase = (self.phases.hash_one(&f.topic) % interval as u64) as i64;
        let slot = |t: i64| (t + phase).div_euclid(interval);
        let (signer, at) = self.established.get(&f.topic)?;
        let age = f.received_at - at;
        // Half an interval at least between two checks: a vehicle verified just before
        // its phase's boundary is not verified again right after it (it moves to its phase
        // over its next two checks).
        let due = age >= interval || (age >= interval / 2 && slot(*at) != slot(f.received_at));
        let defer = if verifier_busy {
            (0..interval * MAX_STRETCH).contains(&age)
        } else {
            age >= 0 && !due
        };
        defer.then_some(*signer)
    }

    /// The certificate the last verified BSM on `topic` was signed by, however long ago;
    /// `None` when none verified (or verifying every message).
    pub fn signer_of(&self, topic: &str) -> Option<[u8; 8]> {
        self.established.get(topic).map(|(signer, _)| *signer)
    }

    /// How often a vehicle's BSM is verified in full; `None`: every message is.
    pub fn interval_ms(&self) -> Option<i64> {
        self.interval_ms
    }

    /// Takes the outcome of decoding `f` in full ([`verification`]).
    pub fn note(&mut self, f: &Frame, d: &Result<Decoded, Rejection>) {
        self.note_verification(&f.topic, f.received_at, verification(f, d));
    }

    /// Takes what the verification in full of the vehicle BSM on `topic` received at
    /// `received_at` told ([`verification`]): a signature that held establishes its signer
    /// for the next interval; a forged one ends what was established, so that the vehicle's
    /// next BSMs are verified in full until one holds (busy or not: a forger caught once is
    /// not deferred for the rest of a stretched interval).
    pub fn note_verification(&mut self, topic: &str, received_at: i64, v: Verification) {
        if self.interval_ms.is_none() {
            return;
        }
        match v {
            Verification::Holds(signer) => {
                if self.established.len() >= MAX_SENDERS && !self.established.contains_key(topic) {
                    self.established.clear();
                }
                self.established
                    .insert(topic.to_owned(), (signer, received_at));
            }
            Verification::Forged => {
                self.established.remove(topic);
            }
            Verification::Neither => {}
        }
    }
}

/// How many of its intervals a vehicle's BSMs may go unverified while the verifier is busy
/// ([`OnDemand::defer_for`]); past it, one is verified whatever waits.
pub const MAX_STRETCH: i64 = 5;

/// What a frame's verification in full tells verify on demand of its vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// A vehicle's own BSM whose signature held, under this certificate: it establishes
    /// the vehicle's signer.
    Holds([u8; 8]),
    /// A vehicle's own BSM whose signature failed (`bad_signature`).
    Forged,
    /// Anything else (not a vehicle's BSM, deferred, unsigned, or turned away for another
    /// reason): it changes nothing.
    Neither,
}

/// What decoding `f` in full gave `d` tells [`OnDemand::note_verification`].
pub fn verification(f: &Frame, d: &Result<Decoded, Rejection>) -> Verification {
    if !vehicle_bsm(f) {
        return Verification::Neither;
    }
    match d {
        Ok(Decoded {
            message: Ok(_),
            signature:
                Some(Signed {
                    signer,
                    pending: None,
                    ..
                }),
            ..
        }) => Verification::Holds(*signer),
        Ok(Decoded {
            message: Err(r), ..
        }) if r.reason == Reason::BadSignature => Verification::Forged,
        _ => Verification::Neither,
    }
}

/// Load shedding (module docs). When the frames wait longer than [`THIN_AFTER_MS`] to be
/// decoded, verifying every message would only make them all later (and stale, and
/// refused): a vehicle's own BSMs are then thinned to one per interval, twice the wait
/// (200 ms at first, up to a second). What is taken is verified; what is shed counts as
/// [`Reason::Shed`] against its vehicle. The trigger is the wait, not how many frames wait:
/// a count that is a short wait at a busy node's rate (512 frames are 5 ms at 100,000 a
/// second) shed messages in every passing burst that the stages would have caught up with.
#[derive(Debug)]
pub struct Thinning {
    interval_ms: i64,
    last_kept: HashMap<String, i64>,
}

/// How long the oldest frame of a batch may have waited for decoding before vehicles' BSMs
/// are thinned, ms: a tenth of a second late is still worth a safety application's while.
pub const THIN_AFTER_MS: i64 = 100;

impl Default for Thinning {
    fn default() -> Self {
        Thinning::new()
    }
}

impl Thinning {
    /// Thinning that takes everything until told of a wait.
    pub fn new() -> Self {
        Thinning {
            interval_ms: 0,
            last_kept: HashMap::default(),
        }
    }

    /// How long the oldest frame of the batch in hand waited to be decoded, ms.
    pub fn set_wait(&mut self, waited_ms: i64) {
        self.interval_ms = if waited_ms < THIN_AFTER_MS {
            0
        } else {
            (2 * waited_ms / 100 * 100).clamp(200, 1_000)
        };
    }

    /// Whether `f` is taken.
    pub fn keeps(&mut self, f: &Frame) -> bool {
        if self.interval_ms == 0 || !vehicle_bsm(f) {
            return true;
        }
        if self
            .last_kept
            .get(&f.topic)
            .is_some_and(|t| f.received_at - t < self.interval_ms)
        {
            return false;
        }
        if self.last_kept.len() >= MAX_SENDERS {
            self.last_kept.clear();
        }
        self.last_kept.insert(f.topic.clone(), f.received_at);
        true
    }

    /// What a shed frame's rejection says.
    pub fn detail(&self) -> String {
        format!(
            "more arrived than the cores could verify: one BSM per vehicle every {} ms taken",
            self.interval_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Uplink;
    use roadcloud_transport::{Topic, Transport};

    const CAR: &str = "V2X/OBU/5a00000000000001/BSM/UP";
    const RSU: &str = "V2X/RSU/5253552d41543031/RSM/UP";

    fn frame(topic: &str, at: i64) -> Frame {
        Frame {
            transport: Transport::Mqtt,
            topic: topic.into(),
            payload: Default::default(),
            received_at: at,
            ack: None,
        }
    }

    fn signed(f: &Frame, signer: [u8; 8]) -> Result<Decoded, Rejection> {
        Ok(Decoded {
            topic: Topic::parse(&f.topic).unwrap(),
            received_at: f.received_at,
            message: Ok((Uplink::Heartbeat, None)),
            signature: Some(Signed {
                fingerprint: 0,
                psid: 111,
                signer,
                pending: None,
            }),
        })
    }

    #[test]
    fn under_load_a_vehicles_bsms_are_thinned_and_rsu_messages_never() {
        let mut t = Thinning::new();
        // A short wait: everything is taken.
        t.set_wait(THIN_AFTER_MS - 1);
        assert!((0..10).all(|i| t.keeps(&frame(CAR, i * 100))));
        // 200 ms waited: one BSM per vehicle every 400 ms; RSMs all.
        t.set_wait(200);
        let kept = (10..30).filter(|i| t.keeps(&frame(CAR, i * 100))).count();
        assert_eq!(kept, 5, "2 s of 10 Hz BSMs at one per 400 ms");
        assert!((0..20).all(|i| t.keeps(&frame(RSU, i * 100))));
        // A flood: at most one a second.
        t.set_wait(5_000);
        let kept = (30..60).filter(|i| t.keeps(&frame(CAR, i * 100))).count();
        assert_eq!(kept, 3);
        // Caught up: everything again.
        t.set_wait(0);
        assert!((60..70).all(|i| t.keeps(&frame(CAR, i * 100))));
    }

    #[test]
    fn on_demand_verifies_one_bsm_per_interval_and_every_rsu_message() {
        let mut d = OnDemand::new(Some(1_000));
        let signer = [7; 8];
        // Nothing verified yet: the first is verified in full.
        let first = frame(CAR, 0);
        assert_eq!(d.defer_for(&first, false), None);
        d.note(&first, &signed(&first, signer));
        // Within the interval, deferred for that signer only; one verified per interval of
        // the vehicle's own (their phase is the vehicle's).
        let verified: Vec<i64> = (1..30)
            .map(|i| frame(CAR, i * 100))
            .filter(|f| {
                let defer = d.defer_for(f, false);
                assert!(defer.is_none_or(|s| s == signer));
                if defer.is_none() {
                    d.note(f, &signed(f, signer));
                }
                defer.is_none()
            })
            .map(|f| f.received_at)
            .collect();
        assert!(
            (2..=3).contains(&verified.len()) && (500..=1_000).contains(&verified[0]),
            "one in ten of 10 Hz BSMs, none within half an interval: {verified:?}"
        );
        assert!(
            verified
                .windows(2)
                .all(|w| (500..=1_000).contains(&(w[1] - w[0]))),
            "{verified:?}"
        );
        // RSU messages are never deferred, even once noted.
        let rsm = frame(RSU, 100);
        d.note(&rsm, &signed(&rsm, signer));
        assert_eq!(d.defer_for(&frame(RSU, 200), false), None);
        // Without an interval, everything is verified.
        let mut all = OnDemand::new(None);
        all.note(&first, &signed(&first, signer));
        assert_eq!(all.defer_for(&frame(CAR, 100), false), None);
    }

    #[test]
    fn vehicles_that_came_at_once_are_verified_spread_over_the_interval() {
        let mut d = OnDemand::new(Some(1_000));
        let cars: Vec<String> = (0..1_000)
            .map(|i| format!("V2X/OBU/{i:016x}/BSM/UP"))
            .collect();
        // A thousand vehicles' first BSMs within the same 100 ms, then at 10 Hz.
        let mut per_window = [0usize; 10];
        for tick in 0..30 {
            for (i, car) in cars.iter().enumerate() {
                let f = frame(car, tick * 100 + (i as i64 % 100));
                if d.defer_for(&f, false).is_none() {
                    d.note(&f, &signed(&f, [7; 8]));
                    if (20..30).contains(&tick) {
                        per_window[(tick - 20) as usize] += 1;
                    }
                }
            }
        }
        // In the third second, each vehicle once, and about a tenth in each 100 ms (not all
        // in the first, as they came).
        assert_eq!(per_window.iter().sum::<usize>(), 1_000, "{per_window:?}");
        assert!(
            per_window.iter().all(|n| (40..=170).contains(n)),
            "{per_window:?}"
        );
    }

    #[test]
    fn a_busy_verifier_stretches_the_interval_up_to_its_limit() {
        let mut d = OnDemand::new(Some(1_000));
        let first = frame(CAR, 0);
        d.note(&first, &signed(&first, [7; 8]));
        // Busy all along: nothing verified until MAX_STRETCH intervals have passed.
        let due = (1..80)
            .map(|i| frame(CAR, i * 100))
            .find(|f| d.defer_for(f, true).is_none())
            .map(|f| f.received_at);
        assert_eq!(due, Some(MAX_STRETCH * 1_000));
        // Not busy, the same BSM is due at its interval's end.
        assert_eq!(d.defer_for(&frame(CAR, 2_000), false), None);
        // A vehicle never verified is verified, busy or not.
        assert_eq!(
            d.defer_for(&frame("V2X/OBU/5a00000000000002/BSM/UP", 100), true),
            None
        );
    }

    #[test]
    fn a_forged_bsm_ends_the_deferral_until_one_holds() {
        let mut d = OnDemand::new(Some(1_000));
        let first = frame(CAR, 0);
        d.note(&first, &signed(&first, [7; 8]));
        assert_eq!(d.defer_for(&frame(CAR, 100), true), Some([7; 8]));
        // Its interval's check fails: every BSM after it is verified, busy or not.
        let forged = frame(CAR, 1_000);
        let bad = Ok(Decoded {
            message: Err(Rejection {
                reason: Reason::BadSignature,
                detail: String::new(),
                impostor: None,
            }),
            signature: None,
            ..signed(&forged, [7; 8]).unwrap()
        });
        assert_eq!(verification(&forged, &bad), Verification::Forged);
        d.note(&forged, &bad);
        assert_eq!(d.defer_for(&frame(CAR, 1_100), true), None);
        assert_eq!(d.defer_for(&frame(CAR, 1_200), false), None);
        // Until one holds.
        let good = frame(CAR, 1_300);
        d.note(&good, &signed(&good, [7; 8]));
        assert_eq!(d.defer_for(&frame(CAR, 1_400), true), Some([7; 8]));
        // Another rejection (not the signature's) changes nothing.
        let late = Ok(Decoded {
            message: Err(Rejection {
                reason: Reason::Stale,
                detail: String::new(),
                impostor: None,
            }),
            ..signed(&good, [7; 8]).unwrap()
        });
        assert_eq!(verification(&good, &late), Verification::Neither);
    }
}
