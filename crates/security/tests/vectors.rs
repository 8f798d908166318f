//! Public test vectors of each algorithm, and the 1609.2 test certificate.

use roadcloud_security::asn::*;
use roadcloud_security::crypto::{
    Algorithm, SM2_DEFAULT_ID, Signer, SigningKey, VerifyingKey, hash,
};
use roadcloud_security::oer::{from_coer, to_coer};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

fn a32(s: &str) -> [u8; 32] {
    h(s).try_into().unwrap()
}

/// SM3 (GB/T 32905-2016, annex A): "abc" and "abcd" sixteen times.
#[test]
fn sm3_annex_a() {
    assert_eq!(
        hash(HashAlgorithm::Sm3, b"abc").unwrap().to_vec(),
        h("66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0")
    );
    assert_eq!(
        hash(HashAlgorithm::Sm3, &b"abcd".repeat(16))
            .unwrap()
            .to_vec(),
        h("debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732")
    );
}

/// SM2 signature (GB/T 32918.2-2016, annex A.2, on the curve of GB/T 32918.5, signer identity
/// `1234567812345678`): the example's signature verifies under the example's key, through
/// roadcloud's verification and the `sm2` crate's, and not once the message or the signature
/// changes.
#[test]
fn sm2_annex_a_signature_verifies() {
    use sm2::dsa::signature::Verifier;
    let x = h("09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020");
    let y = h("CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13");
    let point = [&[4u8][..], &x, &y].concat();
    let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, &point).unwrap();
    let r = a32("F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3");
    let s = a32("B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA");
    // The example's private key gives the example's public key.
    let d = h("3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8");
    let signing = SigningKey::from_bytes(Algorithm::Sm2, &d).unwrap();
    let ours = signing.verifying_key();
    let full = EccP256CurvePoint::Uncompressed {
        x: x.clone().try_into().unwrap(),
        y: y.clone().try_into().unwrap(),
    };
    assert_eq!(
        ours.to_public(),
        VerifyingKey::from_point(Algorithm::Sm2, &full)
            .unwrap()
            .to_public()
    );
    let sig = sm2::dsa::Signature::from_scalars(r, s).unwrap();
    key.verify(b"message digest", &sig).unwrap();
    assert!(key.verify(b"message digesT", &sig).is_err());
    let signature = |r, s| Signature::Sm2Signature(EcsigP256Signature { r_sig: r, s_sig: s });
    assert!(ours.verify(b"message digest", &signature(r, s)));
    assert!(!ours.verify(b"message digesT", &signature(r, s)));
    let mut other_r = r;
    other_r[31] ^= 1;
    assert!(!ours.verify(b"message digest", &signature(other_r, s)));
    assert!(!ours.verify(b"message digest", &signature([0; 32], s)));
    assert!(!ours.verify(b"message digest", &signature(r, [0xFF; 32])));
}

/// ECDSA P-256 with SHA-256 (RFC 6979 A.2.5, message "sample"): signing is deterministic, so
/// ours must give the RFC's r and s; ring verifies them.
#[test]
fn p256_rfc6979_sample() {
    let d = h("C9AFA9D8 45BA7516 6B5C2157 67B1D693 4E50C3DB 36E89B12 7B8A622B 120F6721");
    let key = SigningKey::from_bytes(Algorithm::EcdsaP256, &d).unwrap();
    let Signature::EcdsaNistP256Signature(sig) = key.sign(b"sample") else {
        panic!("a P-256 signature");
    };
    assert_eq!(
        sig.r_sig,
        EccP256CurvePoint::XOnly(a32(
            "EFD48B2A ACB6A8FD 1140DD9C D45E81D6 9D2C877B 56AAF991 C34D0EA8 4EAF3716"
        ))
    );
    assert_eq!(
        sig.s_sig,
        a32("F7CB1C94 2D657C41 D436C7A1 B6E29F65 F3E900DB B9AFF406 4DC4AB2F 843ACDA8")
    );
    let VerifyingKey::EcdsaP256(point) = key.verifying_key() else {
        panic!("a P-256 key");
    };
    assert_eq!(
        point[1..33].to_vec(),
        h("60FED4BA 255A9D31 C961EB74 C6356D68 C049B892 3B61FA6C E669622E 60F29FB6")
    );
    let verifying = key.verifying_key();
    let good = Signature::EcdsaNistP256Signature(sig);
    assert!(verifying.verify(b"sample", &good));
    assert!(!verifying.verify(b"Sample", &good));
}

/// The test certificate of the 1609.2 ASN.1 repository decodes to its value notation
/// (`TestCertificate.txt`) and re-encodes byte for byte.
#[test]
fn test_certificate_decodes_and_reencodes() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/asn1/ieee1609dot2/TestCertificate.coer.hex"
    ))
    .unwrap();
    let bytes = h(&text);
    let cert: Certificate = from_coer(&bytes).unwrap();
    let expected = Certificate {
        certificate_type: CertificateType::Implicit,
        issuer: IssuerIdentifier::Sha256AndDigest([1; 8]),
        to_be_signed: ToBeSignedCertificate {
            id: CertificateId::LinkageData(LinkageData {
                i_cert: 2,
                linkage_value: [3; 9],
                group_linkage_value: None,
            }),
            craca_id: [4; 3],
            crl_series: 5,
            validity_period: ValidityPeriod {
                start: 101_058_054,
                duration: Duration::Hours(169),
            },
            region: Some(GeographicRegion::IdentifiedRegion(vec![
                IdentifiedRegion::CountryOnly(124),
                IdentifiedRegion::CountryOnly(484),
                IdentifiedRegion::CountryOnly(840),
            ])),
            assurance_level: None,
            app_permissions: Some(vec![PsidSsp {
                psid: 32,
                ssp: None,
            }]),
            cert_issue_permissions: None,
            cert_request_permissions: None,
            can_request_rollover: false,
            encryption_key: None,
            verify_key_indicator: VerificationKeyIndicator::ReconstructionValue(
                EccP256CurvePoint::CompressedY1([8; 32]),
            ),
            extensions: Extensions::default(),
        },
        signature: None,
    };
    assert_eq!(cert, expected);
    assert_eq!(to_coer(&cert), bytes);
}
