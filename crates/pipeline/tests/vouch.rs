//! Verify on demand in the world stage (docs/security.md#keeping-up): the deferred
//! signatures an advisory rests on are checked before it goes when it starts a condition or
//! raises its severity, and not before a refresh of a condition that stands (it tells the
//! vehicle nothing new); a forged report fails that check and no advisory rests on it.

use bytes::Bytes;
use roadcloud_admission::{Security, decode_secured_deferring};
use roadcloud_apps::gate::{AdvisoryGate, Passed};
use roadcloud_pipeline::{Pipeline, PipelineConfig};
use roadcloud_security::crypto::Algorithm;
use roadcloud_security::pki::{DeviceRole, ZonePki};
use roadcloud_security::profile::AID_BSM;
use roadcloud_security::sign::{Credential, Header, SignerForm, sign};
use roadcloud_security::trust::TrustStore;
use roadcloud_transport::{DeviceId, Frame, Transport};
use roadcloud_world::{LocalFrame, Point};
use std::sync::Arc;

const FOLLOWER: [u8; 8] = [0xf0, 0, 0, 0, 0, 0, 0, 1];
const LEADER: [u8; 8] = [0x1e, 0, 0, 0, 0, 0, 0, 2];
const REPEAT_MS: i64 = 300;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

struct Road {
    _dir: tempfile::TempDir,
    security: Security,
    frame: LocalFrame,
    follower: Credential,
    leader: Credential,
    pipeline: Pipeline,
    start: i64,
}

impl Road {
    fn new(start: i64) -> Road {
        let dir = tempfile::tempdir().unwrap();
        let pki = ZonePki::init(dir.path(), Algorithm::EcdsaP256, None, start).unwrap();
        let issue = |name| {
            pki.issue_device(name, DeviceRole::Obu, None, start, false)
                .unwrap()
        };
        let (follower, leader) = (issue("follower"), issue("leader"));
        let store = Arc::new(TrustStore::load_dir(dir.path()).unwrap());
        let config = PipelineConfig {
            advisory_repeat_ms: REPEAT_MS,
            ..PipelineConfig::default()
        };
        Road {
            _dir: dir,
            frame: LocalFrame::new(config.origin_lat, config.origin_lon),
            pipeline: Pipeline::new(config).with_trust_store(store.clone()),
            security: Security {
                store,
                allow_unsigned: false,
                window: None,
            },
            follower,
            leader,
            start,
        }
    }

    /// One vehicle's signed BSM at `t`, taken in: in full (its certificate, verified) when
    /// `first`, else by digest with the check deferred; `forged` spoils its signature.
    fn report(&mut self, t: i64, step: u8, leader: bool, first: bool, forged: bool) {
        // Both north along the same line, the follower at 15 m/s closing on the leader at
        // 5 m/s, 40 m ahead at the start.
        let s = (t - self.start) as f64 / 1000.0;
        let (id, north_m, speed, who) = if leader {
            (LEADER, 540.0 + 5.0 * s, 5.0, &self.leader)
        } else {
            (FOLLOWER, 500.0 + 15.0 * s, 15.0, &self.follower)
        };
        let v = roadcloud_sim::messages::VehicleState::car(
            id,
            Point {
                east_m: 500.0,
                north_m,
            },
            0.0,
            speed,
        );
        let bsm = roadcloud_sim::messages::bsm(&self.frame, &v, step, t);
        let payload = roadcloud_csae::encode(&roadcloud_csae::MessageFrame::BsmFrame(bsm)).unwrap();
        let form = if first {
            SignerForm::Certificate
        } else {
            SignerForm::Digest
        };
        let mut spdu = sign(&payload, AID_BSM, Header::at(t), who, form);
        if forged {
            let n = spdu.len();
            spdu[n - 1] ^= 1;
        }
        let frame = Frame {
            transport: Transport::Mqtt,
            topic: format!("V2X/OBU/{}/BSM/UP", DeviceId(id)),
            payload: Bytes::from(spdu),
            received_at: t,
            ack: None,
        };
        let defer_for = (!first).then_some(who.digest);
        let decoded = decode_secured_deferring(&frame, &self.security, defer_for);
        self.pipeline.ingest_decoded(decoded).unwrap();
    }

    fn verified_later(&self) -> (u64, u64) {
        let s = self.pipeline.admission.signatures();
        (s.verified_later, s.failed_later)
    }
}

/// Two vehicles closing in a lane, signed, every report after the first deferred: the FCW
/// that starts the condition checks both vehicles' newest reports, its refresh checks none.
/// Then the leader's reports are forged: the check made when the FCW's severity would rise
/// fails, that FCW does not go, and none goes after (the leader's self-report left the
/// world, and its forged reports cannot start a track again). Fails if a refresh is checked
/// (two checks in a refresh's step) and if a forgery is let through a rise.
#[test]
fn a_condition_is_checked_when_it_starts_or_rises_and_not_when_it_is_refreshed() {
    let t0 = now_ms();
    let mut road = Road::new(t0);
    // The test's own gate, fed what the pipeline sent, says why each went (a gate's state
    // changes only with what it lets through, so it follows the pipeline's).
    let mut gate = AdvisoryGate::new(REPEAT_MS);
    let (mut started, mut refreshed, mut caught) = (0, 0, 0);
    for step in 0..40u8 {
        let t = t0 + 100 * i64::from(step);
        let forged = step >= 20;
        road.report(t, step, true, step == 0, forged);
        road.report(t, step, false, step == 0, false);
        road.pipeline.finish_batch(t * 1_000);
        let before = road.verified_later();
        let sent = road.pipeline.evaluate(t);
        let after = road.verified_later();
        let (held, failed) = (after.0 - before.0, after.1 - before.1);
        let mut new = false;
        for a in &sent {
            match gate.admit(a) {
                Some(Passed::New | Passed::Rose) => new = true,
                Some(Passed::Refresh) => refreshed += 1,
                None => panic!("step {step}: sent what the gate holds back: {a:?}"),
            }
        }
        if !forged {
            started += usize::from(new);
            // Both vehicles' newest reports came this step, with their checks deferred.
            let want = if new { 2 } else { 0 };
            assert_eq!(held + failed, want, "step {step}: {sent:?}");
        } else if held + failed > 0 {
            assert_eq!((held, failed), (1, 1), "step {step}");
            assert!(sent.is_empty(), "step {step}: rests on a forgery: {sent:?}");
            caught += 1;
        } else {
            assert!(!new, "step {step}: started or rose unchecked: {sent:?}");
        }
        if caught > 0 {
            assert!(sent.is_empty(), "step {step}: after the forgery: {sent:?}");
        }
    }
    assert!(started >= 1, "no condition started");
    assert!(
        refreshed >= 1,
        "no condition stood long enough to be refreshed"
    );
    assert_eq!(
        caught, 1,
        "the forgery was not caught when the FCW would rise"
    );
}

/// A vehicle's first BSM, verified, and the next ones, deferred, in the same batch (as the
/// verifying lane hands them on): the first starts the track, the others only move it, so
/// none is checked as a track's start (each was, before the batch's own reports counted).
#[test]
fn reports_behind_a_tracks_start_in_the_same_batch_are_not_checked_as_starts() {
    let t0 = now_ms();
    let mut road = Road::new(t0);
    for step in 0..4u8 {
        road.report(t0 + 100 * i64::from(step), step, true, step == 0, false);
    }
    assert_eq!(road.verified_later(), (0, 0));
    road.pipeline.finish_batch((t0 + 300) * 1_000);
    assert!(road.pipeline.tracks().by_vehicle(LEADER).is_some());
    // A forged one in a later batch, the track standing: deferred, not checked either
    // (it only moves the track until an advisory or the next check on arrival).
    road.report(t0 + 400, 4, true, false, true);
    assert_eq!(road.verified_later(), (0, 0));
}
