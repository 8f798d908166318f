//! Hostile octets: damaged signed messages and certificates never panic the decoder or the
//! verifier, and whatever decodes re-encodes to the very same octets (canonical COER only).

use proptest::prelude::*;
use roadcloud_security::asn::{Certificate, Ieee1609Dot2Data};
use roadcloud_security::crypto::Algorithm;
use roadcloud_security::oer::{from_coer, to_coer};
use roadcloud_security::pki::{DeviceRole, ZonePki};
use roadcloud_security::profile::AID_BSM;
use roadcloud_security::sign::{Header, SignerForm, sign};
use roadcloud_security::trust::TrustStore;
use std::sync::OnceLock;

const NOW: i64 = 1_796_083_200_000;

struct Fixture {
    store: TrustStore,
    spdu: Vec<u8>,
    certificate: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let pki = ZonePki::init(dir.path(), Algorithm::EcdsaP256, None, NOW).unwrap();
        let store = TrustStore::load_dir(dir.path()).unwrap();
        let car = pki
            .issue_device("car", DeviceRole::Obu, None, NOW, false)
            .unwrap();
        let header = Header::at(NOW);
        let spdu = sign(&[0x11; 40], AID_BSM, header, &car, SignerForm::Certificate);
        store
            .verify(&spdu, NOW)
            .expect("the undamaged message verifies");
        Fixture {
            store,
            spdu,
            certificate: car.encoded.clone(),
        }
    })
}

fn check(bytes: &[u8]) {
    if let Ok(v) = from_coer::<Ieee1609Dot2Data>(bytes) {
        assert_eq!(to_coer(&v), bytes, "a decoded value re-encodes as it came");
    }
    if let Ok(c) = from_coer::<Certificate>(bytes) {
        assert_eq!(to_coer(&c), bytes);
    }
    let _ = fixture().store.verify(bytes, NOW);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn damaged_messages_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let f = fixture();
        for base in [&f.spdu, &f.certificate] {
            let mut bytes = base.clone();
            for (i, v) in &edits {
                let i = i % bytes.len();
                bytes[i] = *v;
            }
            check(&bytes);
            check(&bytes[..cut % bytes.len()]);
        }
    }

    #[test]
    fn random_octets_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes);
    }
}
