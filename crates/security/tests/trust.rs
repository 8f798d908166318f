//! The trust store against a test zone's PKI: every way a signed message can fail, and the
//! ways it holds.

use roadcloud_security::asn::*;
use roadcloud_security::crypto::Algorithm;
use roadcloud_security::oer::to_coer;
use roadcloud_security::pki::{DeviceRole, ZonePki};
use roadcloud_security::profile::{AID_BSM, AID_MAP};
use roadcloud_security::sign::{Header, SignerForm, sign};
use roadcloud_security::trust::{Failure, TrustStore};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Around Jiading, 20 km.
fn zone() -> GeographicRegion {
    GeographicRegion::CircularRegion(CircularRegion {
        center: TwoDLocation {
            latitude: Latitude(312_915_000),
            longitude: Longitude(1_211_643_000),
        },
        radius: 20_000,
    })
}

fn header(now: i64) -> Header {
    Header::at(now)
}

fn every_failure(algorithm: Algorithm) {
    let now = now_ms();
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let pki = ZonePki::init(dir, algorithm, Some(zone()), now).unwrap();
    assert!(
        ZonePki::init(dir, algorithm, None, now).is_err(),
        "init twice"
    );
    let store = TrustStore::load_dir(dir).unwrap();
    assert_eq!(store.len(), 3, "root and two CAs");

    let car = pki
        .issue_device("car", DeviceRole::Obu, None, now, true)
        .unwrap();
    let payload = b"a BSM's UPER octets";

    // By digest before the certificate was ever seen.
    let by_digest = sign(payload, AID_BSM, header(now), &car, SignerForm::Digest);
    assert_eq!(
        store.verify(&by_digest, now).unwrap_err(),
        Failure::UnknownSigner(car.digest)
    );
    // In full: learned and verified; then by digest it holds.
    let full = sign(payload, AID_BSM, header(now), &car, SignerForm::Certificate);
    let v = store.verify(&full, now).unwrap();
    assert_eq!(v.payload, payload);
    assert_eq!(v.psid, AID_BSM);
    let v2 = store.verify(&by_digest, now).unwrap();
    assert_ne!(v.fingerprint, 0);
    assert_eq!(v2.signer.digest, car.digest);

    // A tampered byte anywhere is rejected.
    for i in 0..full.len() {
        for flip in [0x01u8, 0x80] {
            let mut bad = full.clone();
            bad[i] ^= flip;
            assert!(
                store.verify(&bad, now).is_err(),
                "byte {i} flipped by {flip:#x} was accepted"
            );
        }
    }
    let mut forged = by_digest.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert_eq!(
        store.verify(&forged, now).unwrap_err(),
        Failure::BadSignature
    );

    // Unsigned.
    let unsecured = to_coer(&Ieee1609Dot2Data {
        content: Ieee1609Dot2Content::UnsecuredData(payload.to_vec()),
    });
    assert_eq!(
        store.verify(&unsecured, now).unwrap_err(),
        Failure::Unsigned
    );
    assert!(matches!(
        store.verify(b"\x00\x01 not an SPDU", now).unwrap_err(),
        Failure::Malformed(_)
    ));

    // A vehicle may not sign a MAP.
    let map = sign(payload, AID_MAP, header(now), &car, SignerForm::Digest);
    assert!(matches!(
        store.verify(&map, now).unwrap_err(),
        Failure::NotPermitted(_)
    ));
    // An RSU may.
    let rsu = pki
        .issue_device("rsu-1", DeviceRole::Rsu, None, now, true)
        .unwrap();
    let map = sign(payload, AID_MAP, header(now), &rsu, SignerForm::Certificate);
    store.verify(&map, now).unwrap();

    // Generated two weeks ago: past the pseudonym certificate's week.
    let old = sign(
        payload,
        AID_BSM,
        header(now - 14 * 86_400_000),
        &car,
        SignerForm::Digest,
    );
    assert_eq!(store.verify(&old, now).unwrap_err(), Failure::Expired);

    // Generated outside the zone's region.
    let far = Header {
        generation_location: Some(ThreeDLocation {
            latitude: Latitude(399_042_000),
            longitude: Longitude(1_164_074_000),
            elevation: 0,
        }),
        ..header(now)
    };
    let outside = sign(payload, AID_BSM, far, &car, SignerForm::Digest);
    assert_eq!(
        store.verify(&outside, now).unwrap_err(),
        Failure::OutsideRegion
    );
    assert!(v.position_allowed(312_900_000, 1_211_600_000));
    assert!(!v.position_allowed(399_042_000, 1_164_074_000));

    // Another zone's certificate does not chain.
    let other_temp = tempfile::tempdir().unwrap();
    let other_dir = other_temp.path();
    let other = ZonePki::init(other_dir, algorithm, None, now).unwrap();
    let stranger = other
        .issue_device("x", DeviceRole::Obu, None, now, false)
        .unwrap();
    let foreign = sign(
        payload,
        AID_BSM,
        header(now),
        &stranger,
        SignerForm::Certificate,
    );
    assert!(matches!(
        store.verify(&foreign, now).unwrap_err(),
        Failure::UntrustedChain(_)
    ));

    // Revoked: the CRL is loaded into the running store, and the learned certificate falls.
    pki.revoke(&car.encoded, now).unwrap();
    let crl = std::fs::read(dir.join("crl/crl.coer")).unwrap();
    assert_eq!(store.load_crl(&crl).unwrap(), 1);
    assert_eq!(store.verify(&by_digest, now).unwrap_err(), Failure::Revoked);
    // ... and a fresh store reading the folder agrees.
    let reread = TrustStore::load_dir(dir).unwrap();
    assert_eq!(reread.verify(&full, now).unwrap_err(), Failure::Revoked);
    // A CRL signed by a key the store does not trust is refused.
    let foreign_crl = std::fs::read(other_dir.join("crl/crl.coer")).unwrap();
    assert!(store.load_crl(&foreign_crl).is_err());
}

#[test]
fn sm2_zone() {
    every_failure(Algorithm::Sm2);
}

#[test]
fn p256_zone() {
    every_failure(Algorithm::EcdsaP256);
}
