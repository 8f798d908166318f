//! The two signature algorithms of LTE-V2X security, behind one small interface:
//!
//! - **SM2 with SM3** (GB/T 32918.2, GM/T 0003.2), as YD/T 3957-2021 requires in China, with the
//!   signer identity of GM/T 0009-2012 §10 (`1234567812345678`) in the Z value;
//! - **ECDSA over NIST P-256 with SHA-256** (FIPS 186-4), as IEEE 1609.2 defines it.
//!
//! Signing is RustCrypto's (`sm2`, `p256`: deterministic nonces, RFC 6979). Verifying P-256 is
//! ring's (assembly, the faster of the two on this machine: `cargo bench -p
//! roadcloud-security`); SM2 is RustCrypto's, the only maintained SM2 in Rust.
//!
//! What is signed (IEEE 1609.2-2016 5.3.1.2.2, and the same construction for SM2 in
//! 1609.2-2022 / YD/T 3957-2021): the octets `H(tbs) || H(signer)`, where `tbs` is the COER of
//! `ToBeSignedData` (or of `ToBeSignedCertificate`), `signer` the COER of the signing
//! certificate (empty for a self-signed one) and `H` the signature's hash (SHA-256 or SM3);
//! the signature algorithm then hashes those 64 octets itself.

use crate::asn::{EccP256CurvePoint, EcdsaP256Signature, EcsigP256Signature, HashAlgorithm};
use crate::asn::{PublicVerificationKey, Signature};
use sha2::Digest as _;
use std::fmt;

/// The signer identity of GM/T 0009-2012 §10 used in the SM2 Z value when none is agreed.
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

/// A signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// SM2 with SM3.
    Sm2,
    /// ECDSA over NIST P-256 with SHA-256.
    EcdsaP256,
}

impl Algorithm {
    /// The hash that goes with the algorithm.
    pub fn hash(self) -> HashAlgorithm {
        match self {
            Algorithm::Sm2 => HashAlgorithm::Sm3,
            Algorithm::EcdsaP256 => HashAlgorithm::Sha256,
        }
    }

    /// The name used on the command line and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sm2 => "sm2",
            Algorithm::EcdsaP256 => "p256",
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sm2" => Ok(Algorithm::Sm2),
            "p256" | "ecdsa-p256" => Ok(Algorithm::EcdsaP256),
            _ => Err(format!("unknown algorithm {s:?}: use sm2 or p256")),
        }
    }
}

/// `H(data)` for the 256-bit hashes; `None` for one this implementation does not have.
pub fn hash(algorithm: HashAlgorithm, data: &[u8]) -> Option<[u8; 32]> {
    match algorithm {
        HashAlgorithm::Sha256 => Some(sha2::Sha256::digest(data).into()),
        HashAlgorithm::Sm3 => Some(sm3::Sm3::digest(data).into()),
        _ => None,
    }
}

/// The octets a signature covers: `H(tbs) || H(signer)` (module docs).
pub fn signing_input(algorithm: HashAlgorithm, tbs: &[u8], signer: &[u8]) -> Option<[u8; 64]> {
    signing_input_with(algorithm, tbs, &hash(algorithm, signer)?)
}

/// The octets a signature covers when the signer's certificate hash is already known.
pub fn signing_input_with(
    algorithm: HashAlgorithm,
    tbs: &[u8],
    signer_hash: &[u8; 32],
) -> Option<[u8; 64]> {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&hash(algorithm, tbs)?);
    out[32..].copy_from_slice(signer_hash);
    Some(out)
}

/// Why a key could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

/// A public key that checks signatures.
#[derive(Clone)]
pub enum VerifyingKey {
    /// SM2.
    Sm2(Box<Sm2VerifyingKey>),
    /// P-256, as the uncompressed SEC 1 point ring takes.
    EcdsaP256(Box<[u8; 65]>),
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({})", self.algorithm().as_str())
    }
}

impl VerifyingKey {
    /// The key a certificate's `PublicVerificationKey` names; fails for a point not on the
    /// curve and for algorithms roadcloud does not verify (brainpool, P-384).
    pub fn from_public(key: &PublicVerificationKey) -> Result<Self, KeyError> {
        match key {
            PublicVerificationKey::EcdsaNistP256(p) => Self::from_point(Algorithm::EcdsaP256, p),
            PublicVerificationKey::EcsigSm2(p) => Self::from_point(Algorithm::Sm2, p),
            PublicVerificationKey::EcdsaBrainpoolP256r1(_) => {
                Err(KeyError("brainpoolP256r1 keys are not supported".into()))
            }
            PublicVerificationKey::Unknown(u) => Err(KeyError(format!(
                "verification key extension alternative {} is not supported",
                u.index
            ))),
        }
    }

    /// The key at `point` on the curve of `algorithm`.
    pub fn from_point(algorithm: Algorithm, point: &EccP256CurvePoint) -> Result<Self, KeyError> {
        let sec1 = point
            .to_sec1()
            .ok_or_else(|| KeyError("a public key must be a compressed or full point".into()))?;
        match algorithm {
            Algorithm::Sm2 => sm2::PublicKey::from_sec1_bytes(&sec1)
                .map(|k| VerifyingKey::Sm2(Box::new(Sm2VerifyingKey::new(k))))
                .map_err(|_| KeyError("not a point of the SM2 curve".into())),
            Algorithm::EcdsaP256 => {
                let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map_err(|_| KeyError("not a point of P-256".into()))?;
                let full = k.to_sec1_point(false);
                let bytes: [u8; 65] = full
                    .as_bytes()
                    .try_into()
                    .map_err(|_| KeyError("P-256 point of the wrong size".into()))?;
                Ok(VerifyingKey::EcdsaP256(Box::new(bytes)))
            }
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            VerifyingKey::Sm2(_) => Algorithm::Sm2,
            VerifyingKey::EcdsaP256(_) => Algorithm::EcdsaP256,
        }
    }

    /// The key as a certificate carries it (compressed point).
    pub fn to_public(&self) -> PublicVerificationKey {
        match self {
            VerifyingKey::Sm2(k) => {
                use sm2::elliptic_curve::sec1::ToSec1Point;
                let p = k.public.to_sec1_point(true);
                PublicVerificationKey::EcsigSm2(
                    EccP256CurvePoint::from_sec1(p.as_bytes()).expect("compressed SM2 point"),
                )
            }
            VerifyingKey::EcdsaP256(full) => {
                let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(&full[..])
                    .expect("checked when made");
                let p = k.to_sec1_point(true);
                PublicVerificationKey::EcdsaNistP256(
                    EccP256CurvePoint::from_sec1(p.as_bytes()).expect("compressed P-256 point"),
                )
            }
        }
    }

    /// Whether `signature` is this key's over `message` (the 64 octets of
    /// [`signing_input`]). A signature of the other algorithm never verifies.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        match (self, signature) {
            (VerifyingKey::Sm2(k), Signature::Sm2Signature(s)) => {
                k.verify(message, &s.r_sig, &s.s_sig)
            }
            (VerifyingKey::EcdsaP256(k), Signature::EcdsaNistP256Signature(s)) => {
                // 1609.2 6.3.29: rSig is usually x-only; r is the x coordinate either way.
                let Some(r) = s.r_sig.x() else {
                    return false;
                };
                let mut sig = [0u8; 64];
                sig[..32].copy_from_slice(r);
                sig[32..].copy_from_slice(&s.s_sig);
                ring::signature::UnparsedPublicKey::new(
                    &ring::signature::ECDSA_P256_SHA256_FIXED,
                    &k[..],
                )
                .verify(message, &sig)
                .is_ok()
            }
            _ => false,
        }
    }
}

/// An SM2 public key with what checking its signatures needs worked out once: its `Z` value
/// and a table of multiples of its point.
///
/// Verification is GB/T 32918.2-2016 §7.1 (steps B1 to B7) done here rather than by the
/// `sm2` crate's `VerifyingKey`, for speed: the crate computes `[s]G + [t]P` in constant
/// time, which signing needs and a verification does not (the key, the signature and the
/// message are public); `sm2_vartime` computes it in variable time, as ring and OpenSSL
/// verify ECDSA (`cargo bench -p roadcloud-security`: `verify/sm2` against
/// `verify/sm2_constant_time`). Signature checks are what bounds a zone of signing vehicles
/// (docs/security.md#keeping-up). Tests check the standard's annex A example and agreement
/// with the crate on random keys, messages and signatures.
#[derive(Clone)]
pub struct Sm2VerifyingKey {
    public: sm2::PublicKey,
    /// `Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)`, GB/T 32918.2-2016
    /// §5.5, with the default identity ([`SM2_DEFAULT_ID`]).
    z: [u8; 32],
    multiples: crate::sm2_vartime::OddMultiples,
}

impl Sm2VerifyingKey {
    fn new(public: sm2::PublicKey) -> Self {
        use primeorder::PrimeCurveParams;
        use sm2::elliptic_curve::PrimeField as _;
        use sm2::elliptic_curve::point::AffineCoordinates;
        use sm3::Digest as _;
        let point = public.as_affine();
        let mut z = sm3::Sm3::new();
        // ENTL_A: the identity's length in bits, two octets.
        z.update(((SM2_DEFAULT_ID.len() * 8) as u16).to_be_bytes());
        z.update(SM2_DEFAULT_ID);
        z.update(sm2::Sm2::EQUATION_A.to_repr());
        z.update(sm2::Sm2::EQUATION_B.to_repr());
        z.update(sm2::Sm2::GENERATOR.0.to_repr());
        z.update(sm2::Sm2::GENERATOR.1.to_repr());
        z.update(point.x());
        z.update(point.y());
        Sm2VerifyingKey {
            multiples: crate::sm2_vartime::OddMultiples::of_key(&public),
            public,
            z: z.finalize().into(),
        }
    }

    /// Whether `(r, s)` is this key's signature over `message` (GB/T 32918.2-2016 §7.1).
    fn verify(&self, message: &[u8], r: &[u8; 32], s: &[u8; 32]) -> bool {
        use sm2::elliptic_curve::PrimeField as _;
        use sm2::elliptic_curve::ops::Reduce;
        use sm3::Digest as _;
        // B1, B2: r and s in [1, n-1].
        let scalar = |bytes: &[u8; 32]| {
            Option::<sm2::Scalar>::from(sm2::Scalar::from_repr((*bytes).into()))
                .filter(|k| !bool::from(k.is_zero()))
        };
        let (Some(r), Some(s)) = (scalar(r), scalar(s)) else {
            return false;
        };
        // B3, B4: e = SM3(Z_A || M), reduced modulo n.
        let e: [u8; 32] = sm3::Sm3::new_with_prefix(self.z)
            .chain_update(message)
            .finalize()
            .into();
        let e = <sm2::Scalar as Reduce<sm2::FieldBytes>>::reduce(&e.into());
        // B5: t = r + s mod n, not zero.
        let t = r + s;
        if bool::from(t.is_zero()) {
            return false;
        }
        // B6: (x1, y1) = [s]G + [t]P, not the point at infinity.
        let Some(x1) = crate::sm2_vartime::x_of_s_g_plus_t_p(&s, &t, &self.multiples) else {
            return false;
        };
        // B7: R = e + x1 mod n equals r.
        r == e + <sm2::Scalar as Reduce<sm2::FieldBytes>>::reduce(&x1)
    }
}

/// A private key that signs. Behind [`Signer`] so a hardware security module can take its
/// place.
#[derive(Clone)]
pub enum SigningKey {
    /// SM2.
    Sm2(Box<sm2::dsa::SigningKey>),
    /// P-256.
    EcdsaP256(Box<p256::ecdsa::SigningKey>),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, ..)", self.algorithm().as_str())
    }
}

/// What signs: a key in memory ([`SigningKey`]) or, where a zone keeps its keys in hardware,
/// a security module behind the same two calls.
pub trait Signer: Send + Sync {
    /// The algorithm.
    fn algorithm(&self) -> Algorithm;
    /// The signature over `message` (the 64 octets of [`signing_input`]).
    fn sign(&self, message: &[u8]) -> Signature;
}

impl SigningKey {
    /// A new random key.
    pub fn generate(algorithm: Algorithm) -> Self {
        loop {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).expect("the operating system's random numbers");
            if let Ok(k) = Self::from_bytes(algorithm, &bytes) {
                return k;
            }
        }
    }

    /// The key whose secret scalar is `bytes` (big-endian).
    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<Self, KeyError> {
        match algorithm {
            Algorithm::Sm2 => sm2::dsa::SigningKey::from_slice(SM2_DEFAULT_ID, bytes)
                .map(|k| SigningKey::Sm2(Box::new(k)))
                .map_err(|_| KeyError("not an SM2 private key".into())),
            Algorithm::EcdsaP256 => p256::ecdsa::SigningKey::from_slice(bytes)
                .map(|k| SigningKey::EcdsaP256(Box::new(k)))
                .map_err(|_| KeyError("not a P-256 private key".into())),
        }
    }

    /// The secret scalar, big-endian.
    pub fn to_bytes(&self) -> [u8; 32] {
        match self {
            SigningKey::Sm2(k) => k.to_bytes().into(),
            SigningKey::EcdsaP256(k) => k.to_bytes().into(),
        }
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::Sm2(k) => VerifyingKey::Sm2(Box::new(Sm2VerifyingKey::new(
                sm2::PublicKey::from(k.verifying_key()),
            ))),
            SigningKey::EcdsaP256(k) => {
                let full = k.verifying_key().to_sec1_point(false);
                VerifyingKey::EcdsaP256(Box::new(
                    full.as_bytes()
                        .try_into()
                        .expect("uncompressed P-256 point"),
                ))
            }
        }
    }
}

impl Signer for SigningKey {
    fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Sm2(_) => Algorithm::Sm2,
            SigningKey::EcdsaP256(_) => Algorithm::EcdsaP256,
        }
    }

    fn sign(&self, message: &[u8]) -> Signature {
        match self {
            SigningKey::Sm2(k) => {
                use sm2::dsa::signature::Signer as _;
                let s: sm2::dsa::Signature = k.sign(message);
                Signature::Sm2Signature(EcsigP256Signature {
                    r_sig: s.r_bytes().into(),
                    s_sig: s.s_bytes().into(),
                })
            }
            SigningKey::EcdsaP256(k) => {
                use p256::ecdsa::signature::Signer as _;
                let s: p256::ecdsa::Signature = k.sign(message);
                let (r, s) = s.split_bytes();
                Signature::EcdsaNistP256Signature(EcdsaP256Signature {
                    r_sig: EccP256CurvePoint::XOnly(r.into()),
                    s_sig: s.into(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the `sm2` crate's own (constant-time) verification says of a signature.
    fn crate_says(key: &SigningKey, message: &[u8], r: &[u8; 32], s: &[u8; 32]) -> bool {
        use sm2::dsa::signature::Verifier;
        let SigningKey::Sm2(k) = key else {
            unreachable!("an SM2 key")
        };
        sm2::dsa::Signature::from_scalars(*r, *s)
            .is_ok_and(|sig| k.verifying_key().verify(message, &sig).is_ok())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// roadcloud's SM2 verification agrees with the `sm2` crate's on genuine signatures,
        /// on signatures of another message, with a flipped bit of r or s, and under another
        /// key.
        #[test]
        fn sm2_verification_agrees_with_the_sm2_crate(
            secret in any::<[u8; 32]>(),
            other_secret in any::<[u8; 32]>(),
            message in proptest::collection::vec(any::<u8>(), 0..100),
            bit in 0usize..512,
        ) {
            let Ok(key) = SigningKey::from_bytes(Algorithm::Sm2, &secret) else {
                return Ok(());
            };
            let Signature::Sm2Signature(sig) = key.sign(&message) else {
                unreachable!("an SM2 signature")
            };
            let ours = key.verifying_key();
            let check = |m: &[u8], r: [u8; 32], s: [u8; 32]| {
                let signature = Signature::Sm2Signature(EcsigP256Signature { r_sig: r, s_sig: s });
                (ours.verify(m, &signature), crate_says(&key, m, &r, &s))
            };
            prop_assert_eq!(check(&message, sig.r_sig, sig.s_sig), (true, true));
            let mut other = message.clone();
            other.push(0);
            prop_assert_eq!(check(&other, sig.r_sig, sig.s_sig), (false, false));
            let (mut r, mut s) = (sig.r_sig, sig.s_sig);
            if bit < 256 {
                r[bit / 8] ^= 1 << (bit % 8);
            } else {
                s[(bit - 256) / 8] ^= 1 << (bit % 8);
            }
            prop_assert_eq!(check(&message, r, s), (false, false));
            if let Ok(other_key) = SigningKey::from_bytes(Algorithm::Sm2, &other_secret) {
                let signature = Signature::Sm2Signature(sig);
                prop_assert_eq!(
                    other_key.verifying_key().verify(&message, &signature),
                    other_secret == secret
                );
            }
        }
    }
}
