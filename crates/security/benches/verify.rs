//! Signature verifications per second per core, SM2 and P-256, and a signed message through
//! the whole verifier. `bench/security/speed.sh` runs this beside `openssl speed`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use roadcloud_security::crypto::{Algorithm, Signer, SigningKey, signing_input};
use roadcloud_security::pki::{DeviceRole, ZonePki};
use roadcloud_security::profile::AID_BSM;
use roadcloud_security::sign::{Header, SignerForm, sign};
use roadcloud_security::trust::TrustStore;
use std::hint::black_box;

fn signatures(c: &mut Criterion) {
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(1));
    let message =
        signing_input(roadcloud_security::asn::HashAlgorithm::Sha256, b"tbs", b"").expect("hash");
    for algorithm in [Algorithm::Sm2, Algorithm::EcdsaP256] {
        let key = SigningKey::generate(algorithm);
        let signature = key.sign(&message);
        let verifying = key.verifying_key();
        assert!(verifying.verify(&message, &signature));
        let name = match algorithm {
            Algorithm::Sm2 => "sm2",
            Algorithm::EcdsaP256 => "p256_ring",
        };
        g.bench_function(name, |b| {
            b.iter(|| assert!(verifying.verify(black_box(&message), black_box(&signature))))
        });
        // What a certificate's key costs once, when the certificate is first verified.
        let public = verifying.to_public();
        g.bench_function(format!("{name}_key"), |b| {
            b.iter(|| roadcloud_security::crypto::VerifyingKey::from_public(black_box(&public)))
        });
    }
    // SM2 through the `sm2` crate's own verification, constant time: what roadcloud's
    // variable-time one is measured against (`crypto::Sm2VerifyingKey`).
    {
        use sm2::dsa::signature::{Signer as _, Verifier as _};
        let key = sm2::dsa::SigningKey::from_slice(
            roadcloud_security::crypto::SM2_DEFAULT_ID,
            &[7u8; 32],
        )
        .expect("key");
        let signature: sm2::dsa::Signature = key.sign(&message);
        let verifying = key.verifying_key().clone();
        g.bench_function("sm2_constant_time", |b| {
            b.iter(|| {
                verifying
                    .verify(black_box(&message), black_box(&signature))
                    .unwrap()
            })
        });
    }
    // P-256 through RustCrypto, to compare with ring (module docs of `crypto`).
    {
        use p256::ecdsa::signature::{Signer as _, Verifier as _};
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("key");
        let signature: p256::ecdsa::Signature = key.sign(&message);
        let verifying = *key.verifying_key();
        g.bench_function("p256_rustcrypto", |b| {
            b.iter(|| {
                verifying
                    .verify(black_box(&message), black_box(&signature))
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn messages(c: &mut Criterion) {
    let mut g = c.benchmark_group("signed_bsm");
    g.throughput(Throughput::Elements(1));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    for algorithm in [Algorithm::Sm2, Algorithm::EcdsaP256] {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let pki = ZonePki::init(dir.path(), algorithm, None, now).expect("pki");
        let store = TrustStore::load_dir(dir.path()).expect("store");
        let car = pki
            .issue_device("car", DeviceRole::Obu, None, now, false)
            .expect("car");
        let header = Header::at(now);
        let payload = [0x5au8; 60];
        let full = sign(&payload, AID_BSM, header, &car, SignerForm::Certificate);
        store.verify(&full, now).expect("learned");
        let by_digest = sign(&payload, AID_BSM, header, &car, SignerForm::Digest);
        g.bench_function(format!("{}_by_digest", algorithm.as_str()), |b| {
            b.iter(|| store.verify(black_box(&by_digest), now).expect("verifies"))
        });
        g.bench_function(format!("{}_sign", algorithm.as_str()), |b| {
            b.iter(|| {
                sign(
                    black_box(&payload),
                    AID_BSM,
                    header,
                    &car,
                    SignerForm::Digest,
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, signatures, messages);
criterion_main!(benches);
