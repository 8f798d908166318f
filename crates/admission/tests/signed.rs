//! Signed messages under a zone's trust store: what holds is admitted, each failure is
//! rejected for its reason and counted, a replay is caught, and unsigned input passes only
//! when the policy allows it.

use bytes::Bytes;
use roadcloud_admission::{
    Admission, AdmissionConfig, Reason, Security, decode_secured, decode_secured_deferring,
};
use roadcloud_csae::{BasicSafetyMessage, DSecond, MessageFrame, encode};
use roadcloud_security::crypto::Algorithm;
use roadcloud_security::pki::{DeviceRole, ZonePki};
use roadcloud_security::profile::{AID_BSM, AID_BSM_SPECIAL, AID_MAP};
use roadcloud_security::sign::{Credential, Header, SignerForm, sign};
use roadcloud_security::trust::TrustStore;
use roadcloud_transport::{DeviceId, Frame, Transport};
use std::sync::Arc;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn bsm(vector: &str, id: [u8; 8], now: i64) -> Vec<u8> {
    let MessageFrame::BsmFrame(mut b) = roadcloud_testkit::vector53(vector) else {
        panic!()
    };
    let b: &mut BasicSafetyMessage = &mut b;
    b.id = id;
    b.sec_mark = DSecond((now % 60_000) as u16);
    encode(&MessageFrame::BsmFrame(b.clone())).unwrap()
}

fn frame(id: [u8; 8], payload: Vec<u8>, now: i64) -> Frame {
    Frame {
        transport: Transport::Mqtt,
        topic: format!("V2X/OBU/{}/BSM/UP", DeviceId(id)),
        payload: Bytes::from(payload),
        received_at: now,
        ack: None,
    }
}

struct Zone {
    _dir: tempfile::TempDir,
    pki: ZonePki,
    security: Security,
}

fn zone(allow_unsigned: bool) -> Zone {
    let dir = tempfile::tempdir().unwrap();
    let pki = ZonePki::init(dir.path(), Algorithm::Sm2, None, now_ms()).unwrap();
    let store = Arc::new(TrustStore::load_dir(dir.path()).unwrap());
    Zone {
        _dir: dir,
        pki,
        security: Security {
            store,
            allow_unsigned,
            window: Some((2_000, 500)),
        },
    }
}

fn signed(payload: &[u8], aid: u64, now: i64, who: &Credential, form: SignerForm) -> Vec<u8> {
    let header = Header::at(now);
    sign(payload, aid, header, who, form)
}

#[test]
fn signed_bsms_are_admitted_and_every_failure_is_counted() {
    let z = zone(false);
    let now = now_ms();
    let car = z
        .pki
        .issue_device("car", DeviceRole::Obu, None, now, false)
        .unwrap();
    let id = [7; 8];
    let mut a = Admission::new(AdmissionConfig::default());
    let mut admit = |f: &Frame| a.admit_decoded(decode_secured(f, &z.security).unwrap());

    let plain = bsm("bsm_01_passenger_car", id, now);
    let first = signed(&plain, AID_BSM, now, &car, SignerForm::Certificate);
    admit(&frame(id, first.clone(), now)).unwrap();
    admit(&frame(
        id,
        signed(&plain, AID_BSM, now + 1, &car, SignerForm::Digest),
        now + 1,
    ))
    .unwrap();

    let reject = |r: Result<_, roadcloud_admission::Rejection>| r.unwrap_err().reason;
    // The same signed message again.
    assert_eq!(reject(admit(&frame(id, first, now + 2))), Reason::Replayed);
    // Unsigned.
    assert_eq!(
        reject(admit(&frame(id, plain.clone(), now))),
        Reason::Unsigned
    );
    // A BSM under the MAP's AID (which a vehicle's certificate does not permit anyway).
    let wrong_aid = signed(&plain, AID_MAP, now, &car, SignerForm::Digest);
    assert_eq!(
        reject(admit(&frame(id, wrong_aid, now))),
        Reason::NotPermitted
    );
    // An ambulance's BSM signed by an ordinary car.
    let ambulance = bsm("bsm_02_ambulance", id, now);
    let claim = signed(&ambulance, AID_BSM, now, &car, SignerForm::Digest);
    assert_eq!(reject(admit(&frame(id, claim, now))), Reason::NotPermitted);
    // A tampered signature.
    let mut forged = signed(&plain, AID_BSM, now + 3, &car, SignerForm::Digest);
    let n = forged.len();
    forged[n - 1] ^= 0x40;
    assert_eq!(reject(admit(&frame(id, forged, now))), Reason::BadSignature);
    // Generated 5 s ago: late, refused on its header before any signature is checked.
    let checked = z
        .security
        .store
        .counters
        .signatures_checked
        .load(std::sync::atomic::Ordering::Relaxed);
    let late = signed(&plain, AID_BSM, now - 5_000, &car, SignerForm::Digest);
    assert_eq!(reject(admit(&frame(id, late, now))), Reason::Stale);
    assert_eq!(
        z.security
            .store
            .counters
            .signatures_checked
            .load(std::sync::atomic::Ordering::Relaxed),
        checked
    );
    // A certificate never seen, by digest.
    let stranger = z
        .pki
        .issue_device("x", DeviceRole::Obu, None, now, false)
        .unwrap();
    let unknown = signed(&plain, AID_BSM, now, &stranger, SignerForm::Digest);
    assert_eq!(
        reject(admit(&frame(id, unknown, now))),
        Reason::UnknownSigner
    );
    // JSON topics carry no signature.
    let json = Frame {
        topic: format!("V2X/OBU/{}/BSM/UP/JSON", DeviceId(id)),
        ..frame(id, b"{}".to_vec(), now)
    };
    assert_eq!(reject(admit(&json)), Reason::Unsigned);
    // Revoked, once the CRL is loaded into the running store.
    z.pki.revoke(&car.encoded, now).unwrap();
    let crl = std::fs::read(z.pki.dir().join("crl/crl.coer")).unwrap();
    z.security.store.load_crl(&crl).unwrap();
    let after = signed(&plain, AID_BSM, now + 4, &car, SignerForm::Digest);
    assert_eq!(reject(admit(&frame(id, after, now))), Reason::Revoked);

    let stats = &a.devices()[&DeviceId(id)];
    assert_eq!(stats.admitted, 2);
    for r in [
        Reason::Replayed,
        Reason::Unsigned,
        Reason::NotPermitted,
        Reason::BadSignature,
        Reason::UnknownSigner,
        Reason::Revoked,
    ] {
        assert!(stats.rejected.get(&r).copied().unwrap_or(0) >= 1, "{r:?}");
    }
    assert_eq!((a.signatures().verified, a.signatures().unsigned), (2, 0));
}

#[test]
fn an_emergency_certificate_may_claim_emergency_status() {
    let z = zone(false);
    let now = now_ms();
    let ambulance = z
        .pki
        .issue_device("amb", DeviceRole::Emergency, None, now, false)
        .unwrap();
    let id = [9; 8];
    let payload = bsm("bsm_02_ambulance", id, now);
    let spdu = signed(
        &payload,
        AID_BSM_SPECIAL,
        now,
        &ambulance,
        SignerForm::Certificate,
    );
    let mut a = Admission::new(AdmissionConfig::default());
    a.admit_decoded(decode_secured(&frame(id, spdu, now), &z.security).unwrap())
        .unwrap();
}

#[test]
fn unsigned_input_passes_only_when_allowed() {
    let z = zone(true);
    let now = now_ms();
    let id = [3; 8];
    let mut a = Admission::new(AdmissionConfig::default());
    let plain = frame(id, bsm("bsm_01_passenger_car", id, now), now);
    a.admit_decoded(decode_secured(&plain, &z.security).unwrap())
        .unwrap();
    // Signed input still must hold.
    let car = z
        .pki
        .issue_device("car", DeviceRole::Obu, None, now, false)
        .unwrap();
    let mut forged = signed(&plain.payload, AID_BSM, now, &car, SignerForm::Certificate);
    let n = forged.len();
    forged[n - 1] ^= 1;
    let r = a
        .admit_decoded(decode_secured(&frame(id, forged, now), &z.security).unwrap())
        .unwrap_err();
    assert_eq!(r.reason, Reason::BadSignature);
    assert_eq!((a.signatures().verified, a.signatures().unsigned), (0, 1));
}

/// Verify on demand: a message by the signer it is deferred for is admitted with every check
/// made but the signature's, which travels with it; settled later, a forgery counts against
/// its sender. A message by another signer is verified in full.
#[test]
fn a_deferred_signature_is_checked_later_and_a_forgery_counted() {
    let z = zone(false);
    let now = now_ms();
    let car = z
        .pki
        .issue_device("car", DeviceRole::Obu, None, now, false)
        .unwrap();
    let id = [5; 8];
    let mut a = Admission::new(AdmissionConfig::default());
    let plain = bsm("bsm_01_passenger_car", id, now);
    // The certificate comes in full once, and is learned.
    let first = signed(&plain, AID_BSM, now, &car, SignerForm::Certificate);
    a.admit_decoded(decode_secured(&frame(id, first, now), &z.security).unwrap())
        .unwrap();
    let checked = || {
        z.security
            .store
            .counters
            .signatures_checked
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let before = checked();
    // A forgery by digest, deferred: admitted, no signature checked yet.
    let mut forged = signed(&plain, AID_BSM, now + 1, &car, SignerForm::Digest);
    let n = forged.len();
    forged[n - 1] ^= 1;
    let d = decode_secured_deferring(
        &frame(id, forged.clone(), now),
        &z.security,
        Some(car.digest),
    )
    .unwrap();
    let admitted = a.admit_decoded(d).unwrap();
    assert_eq!(checked(), before);
    let pending = admitted.pending.expect("deferred");
    let outcome = z.security.store.complete(&pending);
    assert!(outcome.is_err());
    a.settle(DeviceId(id), &outcome);
    assert_eq!(
        a.devices()[&DeviceId(id)].rejected[&Reason::BadSignature],
        1
    );
    // A genuine one, deferred, holds when checked.
    let good = signed(&plain, AID_BSM, now + 2, &car, SignerForm::Digest);
    let d = decode_secured_deferring(&frame(id, good, now), &z.security, Some(car.digest)).unwrap();
    let pending = a.admit_decoded(d).unwrap().pending.expect("deferred");
    let outcome = z.security.store.complete(&pending);
    assert!(outcome.is_ok());
    a.settle(DeviceId(id), &outcome);
    // Deferred for another signer: verified in full, and the forgery refused at once.
    let d = decode_secured_deferring(&frame(id, forged, now), &z.security, Some([0; 8])).unwrap();
    assert_eq!(a.admit_decoded(d).unwrap_err().reason, Reason::BadSignature);
    let s = a.signatures();
    assert_eq!(
        (s.verified, s.deferred, s.verified_later, s.failed_later),
        (1, 2, 1, 1)
    );
    assert_eq!(s.verified_share(), Some(2.0 / 3.0));
}
