#![no_main]
//! Fuzzes the COER decoder of IEEE 1609.2 signed messages, and the verifier behind it: hostile
//! octets never panic; whatever decodes re-encodes to the very same octets (the decoder takes
//! the canonical encoding only, so a signature cannot be moved to another encoding).
use roadcloud_security::asn::Ieee1609Dot2Data;
use roadcloud_security::oer::{from_coer, to_coer};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(value) = from_coer::<Ieee1609Dot2Data>(data) {
        assert_eq!(to_coer(&value), data);
    }
    // The verifier with an empty trust store takes every path up to the certificate lookup.
    let store = roadcloud_security::trust::TrustStore::new();
    let _ = store.verify(data, 1_796_083_200_000);
});
