#![no_main]
//! Fuzzes roadcloud's variable-time SM2 verification (`crypto::Sm2VerifyingKey`) against the
//! `sm2` crate's own: hostile keys, signatures and messages never panic, both say the same of
//! every one, and a signature made with a key drawn from the input verifies.
use roadcloud_security::asn::{EccP256CurvePoint, EcsigP256Signature, PublicVerificationKey};
use roadcloud_security::asn::Signature;
use roadcloud_security::crypto::{Algorithm, SM2_DEFAULT_ID, Signer, SigningKey, VerifyingKey};
use sm2::dsa::signature::Verifier;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // 1 octet for y's parity, 32 of x, 32 of r, 32 of s, then the message.
    if data.len() < 97 {
        return;
    }
    let x: [u8; 32] = data[1..33].try_into().unwrap();
    let r: [u8; 32] = data[33..65].try_into().unwrap();
    let s: [u8; 32] = data[65..97].try_into().unwrap();
    let message = &data[97..];
    let point = if data[0] & 1 == 0 {
        EccP256CurvePoint::CompressedY0(x)
    } else {
        EccP256CurvePoint::CompressedY1(x)
    };
    let signature = Signature::Sm2Signature(EcsigP256Signature { r_sig: r, s_sig: s });
    if let Ok(ours) = VerifyingKey::from_public(&PublicVerificationKey::EcsigSm2(point.clone())) {
        let sec1 = point.to_sec1().unwrap();
        let theirs = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, &sec1).unwrap();
        let crate_says = sm2::dsa::Signature::from_scalars(r, s)
            .is_ok_and(|sig| theirs.verify(message, &sig).is_ok());
        assert_eq!(ours.verify(message, &signature), crate_says);
    }
    if let Ok(key) = SigningKey::from_bytes(Algorithm::Sm2, &x) {
        let signature = key.sign(message);
        assert!(key.verifying_key().verify(message, &signature));
    }
});
