//! The trust store and the verifier: which certificates roadcloud believes, which it has
//! revoked, and whether a signed message holds.
//!
//! - **Roots** are self-signed certificates a zone installs (a folder of `.coer` files, see
//!   [`TrustStore::load_dir`]); each one's self-signature is checked when it is added.
//! - **Every other certificate** is verified once, against an issuer already believed, and
//!   kept by its digest (HashedId8): a message signed "by digest", as vehicles send most of
//!   theirs, then costs one signature check.
//! - **CRLs** (1609.2 clause 7.3, hash-based) are signed by a certificate permitted the CRL
//!   PSID; loading one takes effect at once, for certificates already believed too.
//!
//! The checks of a signed message follow IEEE 1609.2-2016 5.2 and YD/T 3957-2021 §6.4 (see
//! [`TrustStore::verify`]); each failure names its [`Failure`] reason.

use crate::asn::*;
use crate::crypto::{VerifyingKey, hash, signing_input_with};
use crate::oer::{from_coer, to_coer};
use crate::region;
use crate::time::{time32_from_unix_ms, time64_from_unix_ms};
use arc_swap::ArcSwap;
use roadcloud_per::jer::hex;
use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Why a signed message, a certificate or a CRL was not believed. Each is a rejection reason
/// of admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Not a signed message (an unsecured payload, or not an SPDU at all).
    Unsigned,
    /// An SPDU that does not decode, or lacks what 1609.2 requires of a signed message.
    Malformed(String),
    /// The signature does not verify.
    BadSignature,
    /// Signed by digest, and the certificate of that digest was never seen.
    UnknownSigner(HashedId8),
    /// The certificate does not chain to a root, or its chain breaks a rule.
    UntrustedChain(String),
    /// Outside the certificate's validity, or past the message's own expiry.
    Expired,
    /// The certificate, or one of its issuers, is on a CRL.
    Revoked,
    /// The certificate does not permit what the message is or claims.
    NotPermitted(String),
    /// The message's position lies outside the certificate's region.
    OutsideRegion,
    /// Generated longer ago than the receiver's window allows (milliseconds before
    /// reception): checked before the signature, so a late message costs no verification.
    Stale(i64),
    /// Generated further ahead of reception than the receiver's window allows, milliseconds.
    Future(i64),
}

impl Failure {
    /// The name used in metrics and the API.
    pub fn as_str(&self) -> &'static str {
        match self {
            Failure::Unsigned => "unsigned",
            Failure::Malformed(_) => "undecodable",
            Failure::BadSignature => "bad_signature",
            Failure::UnknownSigner(_) => "unknown_signer",
            Failure::UntrustedChain(_) => "untrusted_chain",
            Failure::Expired => "expired",
            Failure::Revoked => "revoked",
            Failure::NotPermitted(_) => "not_permitted",
            Failure::OutsideRegion => "outside_region",
            Failure::Stale(_) => "stale",
            Failure::Future(_) => "future",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unsigned => f.write_str("not a signed message"),
            Failure::Malformed(d) => write!(f, "not a valid signed message: {d}"),
            Failure::BadSignature => f.write_str("the signature does not verify"),
            Failure::UnknownSigner(d) => write!(
                f,
                "signed by certificate {} which was never seen (it comes in full once a second)",
                hex(d)
            ),
            Failure::UntrustedChain(d) => write!(f, "certificate not trusted: {d}"),
            Failure::Expired => f.write_str("outside the certificate's validity or past expiry"),
            Failure::Revoked => f.write_str("the certificate is revoked"),
            Failure::NotPermitted(d) => write!(f, "not permitted: {d}"),
            Failure::OutsideRegion => {
                f.write_str("the position is outside the certificate's region")
            }
            Failure::Stale(ms) => write!(f, "generated {ms} ms before reception"),
            Failure::Future(ms) => write!(f, "generated {ms} ms after reception"),
        }
    }
}

impl std::error::Error for Failure {}

/// A certificate roadcloud believes: what verifying messages under it needs, worked out once.
#[derive(Debug)]
pub struct TrustedCertificate {
    /// Its HashedId8.
    pub digest: HashedId8,
    /// Its HashedId10 (what hash-based CRLs list).
    pub digest10: HashedId10,
    /// `H(certificate)` with the hash of its own key: the signer half of what it signs.
    pub signer_hash: [u8; 32],
    /// Its public key.
    pub key: VerifyingKey,
    /// Validity, Time32 seconds: start and end.
    pub valid: (u64, u64),
    /// Where it may be used: its own region, else its issuer's; `None` anywhere.
    pub region: Option<GeographicRegion>,
    /// What it may sign.
    pub app_permissions: Vec<PsidSsp>,
    /// What it may certify.
    pub issue_permissions: Vec<PsidGroupPermissions>,
    /// The HashedId10 of it and of each issuer up to the root, for revocation.
    pub chain: Vec<HashedId10>,
    /// Its `id`, for people.
    pub name: String,
    /// Its COER encoding.
    pub encoded: Vec<u8>,
    /// Whether it is a root.
    pub root: bool,
}

impl TrustedCertificate {
    /// The permission for `psid`, if it has one.
    pub fn permission(&self, psid: Psid) -> Option<&PsidSsp> {
        self.app_permissions.iter().find(|p| p.psid == psid)
    }

    fn may_issue(&self, psid: Psid) -> bool {
        self.issue_permissions
            .iter()
            .any(|g| match &g.subject_permissions {
                SubjectPermissions::All => true,
                SubjectPermissions::Explicit(v) => v.iter().any(|r| r.psid == psid),
                SubjectPermissions::Unknown(_) => false,
            })
    }

    fn may_issue_all(&self) -> bool {
        self.issue_permissions
            .iter()
            .any(|g| matches!(g.subject_permissions, SubjectPermissions::All))
    }
}

/// A signed message that holds.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The payload (the UPER `MessageFrame`).
    pub payload: Vec<u8>,
    /// The PSID (AID) it was signed under.
    pub psid: Psid,
    /// Its generation time, Time64.
    pub generation_time: u64,
    /// Its signer.
    pub signer: Arc<TrustedCertificate>,
    /// What tells this signed message from every other: the signature's `s`, whose first 16
    /// octets admission remembers to drop replays.
    pub fingerprint: u128,
    /// The signature, when its check was deferred
    /// ([`verify_deferring`](TrustStore::verify_deferring)); `None` when it verified.
    pub pending: Option<PendingSignature>,
}

/// A message's signature whose check was deferred: everything
/// [`TrustStore::complete`] needs, without the message.
#[derive(Debug, Clone)]
pub struct PendingSignature {
    /// The signer.
    pub signer: Arc<TrustedCertificate>,
    /// What was signed: `H(tbsData) || H(signer)`.
    input: [u8; 64],
    signature: Signature,
}

impl Verified {
    /// Whether the message's own position (1e-7 degree) lies in the signer's region.
    pub fn position_allowed(&self, lat: i32, lon: i32) -> bool {
        self.signer
            .region
            .as_ref()
            .is_none_or(|r| region::contains(r, lat, lon))
    }
}

/// What the store has done, for metrics.
#[derive(Debug, Default)]
pub struct Counters {
    /// Signatures checked (messages, certificates, CRLs).
    pub signatures_checked: AtomicU64,
    /// Certificates verified and kept.
    pub certificates_learned: AtomicU64,
    /// Certificates that came in full and were already known.
    pub certificate_cache_hits: AtomicU64,
}

/// Most certificates kept besides the roots: about a day of pseudonym changes of 50,000
/// vehicles. Past it, the end-entity certificates are forgotten (and learned again when they
/// next come in full).
const MAX_CERTIFICATES: usize = 1 << 21;

/// How far a message's generation time may lie ahead of roadcloud's clock, microseconds
/// (admission's own window is tighter; this one only guards the certificate checks).
const FUTURE_TOLERANCE_US: u64 = 5_000_000;

/// The last CRL of one CA and series: its serial and what it revokes.
type CrlState = (u32, HashSet<HashedId10>);

/// The trust store and verifier (module docs). Shared by every decoding thread: lookups
/// take a read lock of the certificate map; learning a certificate, rarely, a write lock.
#[derive(Default)]
pub struct TrustStore {
    roots: RwLock<HashMap<HashedId8, Arc<TrustedCertificate>>>,
    known: RwLock<HashMap<HashedId8, Arc<TrustedCertificate>>>,
    crls: RwLock<HashMap<(HashedId8, CrlSeries), CrlState>>,
    revoked: ArcSwap<HashSet<HashedId10>>,
    /// What the store has done.
    pub counters: Counters,
}

impl fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustStore")
            .field("roots", &self.roots.read().map(|r| r.len()).unwrap_or(0))
            .field("known", &self.known.read().map(|r| r.len()).unwrap_or(0))
            .field("revoked", &self.revoked.load().len())
            .finish()
    }
}

/// The hash a certificate's digest is taken with: its issuer's (1609.2 6.4.3).
fn digest_hash(cert: &Certificate) -> Option<HashAlgorithm> {
    match cert.issuer {
        IssuerIdentifier::Sha256AndDigest(_) => Some(HashAlgorithm::Sha256),
        IssuerIdentifier::Sm3AndDigest(_) => Some(HashAlgorithm::Sm3),
        IssuerIdentifier::SelfSigned(h) => Some(h),
        _ => None,
    }
}

/// A certificate's HashedId8 and HashedId10 from its encoding.
pub fn certificate_digests(cert: &Certificate, encoded: &[u8]) -> Option<(HashedId8, HashedId10)> {
    let h = hash(digest_hash(cert)?, encoded)?;
    Some((
        h[24..].try_into().expect("8 octets"),
        h[22..].try_into().expect("10 octets"),
    ))
}

fn untrusted(detail: impl Into<String>) -> Failure {
    Failure::UntrustedChain(detail.into())
}

fn id_name(id: &CertificateId) -> String {
    match id {
        CertificateId::Name(n) => n.clone(),
        CertificateId::BinaryId(b) => hex(b),
        CertificateId::LinkageData(l) => format!("linkage {}", hex(&l.linkage_value)),
        CertificateId::None => "(none)".into(),
        CertificateId::Unknown(_) => "(unknown id)".into(),
    }
}

impl TrustStore {
    /// An empty store: it trusts nothing until roots are added.
    pub fn new() -> Self {
        TrustStore::default()
    }

    /// Reads a zone's trust anchors and what else it has published from `dir`: every
    /// `*.coer` file in `dir/roots` is a root; every one in `dir/certs` a CA or device
    /// certificate to learn (in name order, issuers first where names say so); every one in
    /// `dir/crl` a CRL. Returns the store and how many certificates it holds.
    pub fn load_dir(dir: &Path) -> Result<Self, String> {
        let store = TrustStore::new();
        let read = |sub: &str| -> Result<Vec<(String, Vec<u8>)>, String> {
            let d = dir.join(sub);
            if !d.exists() {
                return Ok(Vec::new());
            }
            let mut out = Vec::new();
            let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "coer") {
                    let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                    out.push((p.display().to_string(), bytes));
                }
            }
            out.sort();
            Ok(out)
        };
        let roots = read("roots")?;
        if roots.is_empty() {
            return Err(format!(
                "no root certificate in {}: create a zone's V2X PKI with `roadcloud pki v2x init`",
                dir.join("roots").display()
            ));
        }
        for (name, bytes) in roots {
            store
                .add_root(&bytes)
                .map_err(|e| format!("root {name}: {e}"))?;
        }
        // Issuers may come after their subjects in name order: retry until nothing changes.
        let mut pending = read("certs")?;
        loop {
            let before = pending.len();
            let mut still = Vec::new();
            for (name, bytes) in pending {
                let ok = from_coer::<Certificate>(&bytes)
                    .map_err(|e| Failure::Malformed(e.to_string()))
                    .and_then(|c| store.learn(&c));
                if let Err(e) = ok {
                    still.push((name, bytes, e));
                }
            }
            if still.is_empty() {
                break;
            }
            if still.len() == before {
                let (name, _, e) = &still[0];
                return Err(format!("certificate {name}: {e}"));
            }
            pending = still.into_iter().map(|(n, b, _)| (n, b)).collect();
        }
        for (name, bytes) in read("crl")? {
            store
                .load_crl(&bytes)
                .map_err(|e| format!("CRL {name}: {e}"))?;
        }
        Ok(store)
    }

    /// Adds a self-signed root after checking its self-signature.
    pub fn add_root(&self, encoded: &[u8]) -> Result<Arc<TrustedCertificate>, Failure> {
        let cert: Certificate =
            from_coer(encoded).map_err(|e| Failure::Malformed(e.to_string()))?;
        let IssuerIdentifier::SelfSigned(_) = cert.issuer else {
            return Err(untrusted("a root must be self-signed"));
        };
        let key = explicit_key(&cert)?;
        let trusted = self.check(&cert, encoded.to_vec(), key, None)?;
        let t = Arc::new(trusted);
        self.roots
            .write()
            .expect("trust store lock")
            .insert(t.digest, t.clone());
        Ok(t)
    }

    /// The certificate of `digest`, root or learned.
    pub fn certificate(&self, digest: &HashedId8) -> Option<Arc<TrustedCertificate>> {
        if let Some(c) = self.known.read().expect("trust store lock").get(digest) {
            return Some(c.clone());
        }
        self.roots
            .read()
            .expect("trust store lock")
            .get(digest)
            .cloned()
    }

    /// How many certificates the store holds (roots included).
    pub fn len(&self) -> usize {
        self.known.read().map(|k| k.len()).unwrap_or(0)
            + self.roots.read().map(|r| r.len()).unwrap_or(0)
    }

    /// Whether the store holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many certificates are revoked.
    pub fn revoked_count(&self) -> usize {
        self.revoked.load().len()
    }

    /// Verifies `cert` against its issuer (which must already be believed) and keeps it; a
    /// certificate already kept is returned at the cost of a hash. Whether it is valid when
    /// used is for its user to check (a message's time, see [`verify`](Self::verify)).
    pub fn learn(&self, cert: &Certificate) -> Result<Arc<TrustedCertificate>, Failure> {
        let encoded = to_coer(cert);
        let (digest, _) = certificate_digests(cert, &encoded)
            .ok_or_else(|| untrusted("issuer hash algorithm not supported"))?;
        if let Some(known) = self.certificate(&digest) {
            self.counters
                .certificate_cache_hits
                .fetch_add(1, Ordering::Relaxed);
            return Ok(known);
        }
        let issuer_digest = match &cert.issuer {
            IssuerIdentifier::Sha256AndDigest(d) | IssuerIdentifier::Sm3AndDigest(d) => *d,
            IssuerIdentifier::SelfSigned(_) => {
                return Err(untrusted("a self-signed certificate that is not a root"));
            }
            _ => return Err(untrusted("issuer identifier not supported")),
        };
        let issuer = self
            .certificate(&issuer_digest)
            .ok_or_else(|| untrusted(format!("issuer {} unknown", hex(&issuer_digest))))?;
        let trusted = self.check(cert, encoded, explicit_key(cert)?, Some(&issuer))?;
        let t = Arc::new(trusted);
        let mut known = self.known.write().expect("trust store lock");
        if known.len() >= MAX_CERTIFICATES {
            known.retain(|_, c| !c.issue_permissions.is_empty());
        }
        known.insert(t.digest, t.clone());
        self.counters
            .certificates_learned
            .fetch_add(1, Ordering::Relaxed);
        Ok(t)
    }

    /// The checks of a certificate with key `key` against its issuer (1609.2 5.1.2.x; none:
    /// self-signed): the issuer's hash matches, the signature verifies, validity and region
    /// nest in the issuer's, and every permission is one the issuer may grant.
    fn check(
        &self,
        cert: &Certificate,
        encoded: Vec<u8>,
        key: VerifyingKey,
        issuer: Option<&TrustedCertificate>,
    ) -> Result<TrustedCertificate, Failure> {
        let tbs = &cert.to_be_signed;
        let (digest, digest10) = certificate_digests(cert, &encoded)
            .ok_or_else(|| untrusted("issuer hash algorithm not supported"))?;
        let issuer_key = issuer.map_or(&key, |i| &i.key);
        let signing_hash = issuer_key.algorithm().hash();
        if digest_hash(cert) != Some(signing_hash) {
            return Err(untrusted(
                "the issuer identifier's hash is not the issuer key's",
            ));
        }
        let signature = cert
            .signature
            .as_ref()
            .ok_or_else(|| untrusted("an explicit certificate must carry a signature"))?;
        // The issuer half of the input: H(issuer certificate), or H("") when self-signed.
        let issuer_hash = match issuer {
            Some(i) => i.signer_hash,
            None => hash(signing_hash, &[]).ok_or_else(|| untrusted("hash"))?,
        };
        let input = signing_input_with(signing_hash, &to_coer(tbs), &issuer_hash)
            .ok_or_else(|| untrusted("hash"))?;
        self.counters
            .signatures_checked
            .fetch_add(1, Ordering::Relaxed);
        if !issuer_key.verify(&input, signature) {
            return Err(Failure::BadSignature);
        }
        let start = u64::from(tbs.validity_period.start);
        let valid = (start, tbs.validity_period.end());
        let mut chain = vec![digest10];
        let mut region = tbs.region.clone();
        if let Some(issuer) = issuer {
            if valid.0 < issuer.valid.0 || valid.1 > issuer.valid.1 {
                return Err(untrusted("validity outside the issuer's"));
            }
            match (&region, &issuer.region) {
                (None, r) => region = r.clone(),
                (Some(own), Some(outer)) if !region::within(own, outer) => {
                    return Err(untrusted("region outside the issuer's"));
                }
                _ => {}
            }
            for p in tbs.app_permissions.iter().flatten() {
                if !issuer.may_issue(p.psid) {
                    return Err(untrusted(format!("issuer may not grant PSID {}", p.psid)));
                }
            }
            for g in tbs.cert_issue_permissions.iter().flatten() {
                let ok = match &g.subject_permissions {
                    SubjectPermissions::All => issuer.may_issue_all(),
                    SubjectPermissions::Explicit(v) => v.iter().all(|r| issuer.may_issue(r.psid)),
                    SubjectPermissions::Unknown(_) => false,
                };
                if !ok {
                    return Err(untrusted("issuer may not grant these issuing permissions"));
                }
            }
            chain.extend_from_slice(&issuer.chain);
        }
        let signer_hash =
            hash(key.algorithm().hash(), &encoded).ok_or_else(|| untrusted("hash"))?;
        Ok(TrustedCertificate {
            digest,
            digest10,
            signer_hash,
            key,
            valid,
            region,
            app_permissions: tbs.app_permissions.clone().unwrap_or_default(),
            issue_permissions: tbs.cert_issue_permissions.clone().unwrap_or_default(),
            chain,
            name: id_name(&tbs.id),
            encoded,
            root: issuer.is_none(),
        })
    }

    /// The certificate that signed `signed`: learned if it came in full, looked up if by
    /// digest.
    fn signer_of(&self, signed: &SignedData) -> Result<Arc<TrustedCertificate>, Failure> {
        match &signed.signer {
            SignerIdentifier::Digest(d) => self.certificate(d).ok_or(Failure::UnknownSigner(*d)),
            SignerIdentifier::Certificate(certs) => match certs.as_slice() {
                [cert] => self.learn(cert),
                _ => Err(Failure::Malformed(
                    "signer must be exactly one certificate".into(),
                )),
            },
            _ => Err(untrusted("a message must be signed by a certificate")),
        }
    }

    /// What checking that `signer` signed `signed` takes: the signature, over
    /// `H(tbsData) || H(signer)` with the hash of the signer's algorithm (which `hashId` must
    /// name). Fails only when `hashId` names another hash.
    fn signature_of(
        &self,
        signed: &SignedData,
        signer: &Arc<TrustedCertificate>,
    ) -> Result<PendingSignature, Failure> {
        let algorithm = signer.key.algorithm().hash();
        if signed.hash_id != algorithm {
            return Err(Failure::Malformed(
                "hashId is not the hash of the signer's algorithm".into(),
            ));
        }
        let input = signing_input_with(algorithm, &to_coer(&signed.tbs_data), &signer.signer_hash)
            .ok_or_else(|| Failure::Malformed("hash".into()))?;
        Ok(PendingSignature {
            signer: Arc::clone(signer),
            input,
            signature: signed.signature.clone(),
        })
    }

    fn is_revoked(&self, cert: &TrustedCertificate) -> bool {
        let revoked = self.revoked.load();
        !revoked.is_empty() && cert.chain.iter().any(|d| revoked.contains(d))
    }

    /// Verifies a signed message (an `Ieee1609Dot2Data` in COER) received at `now_unix_ms`.
    ///
    /// In order: it decodes, its content is `signedData` with a payload of unsecured data,
    /// a generation time and a signer certificate (learned if it came in full, looked up if
    /// by digest); the certificate is not revoked, covers the generation time and now, and
    /// permits the PSID; the generation location, if given, lies in the certificate's
    /// region; last, the signature verifies over `H(tbsData) || H(signer)`.
    pub fn verify(&self, spdu: &[u8], now_unix_ms: i64) -> Result<Verified, Failure> {
        self.verify_within(spdu, now_unix_ms, None)
    }

    /// [`verify`](Self::verify), refusing first, before any signature is checked, a message
    /// whose generation time lies outside `window` (milliseconds before and after
    /// `now_unix_ms`): under load, a late message costs a decode, not a verification.
    pub fn verify_within(
        &self,
        spdu: &[u8],
        now_unix_ms: i64,
        window: Option<(i64, i64)>,
    ) -> Result<Verified, Failure> {
        self.verify_deferring(spdu, now_unix_ms, window, None)
    }

    /// [`verify_within`](Self::verify_within), except that when the signer is `defer_for`
    /// (a certificate whose messages the caller verifies on demand, docs/security.md#keeping-up),
    /// every check is made but the signature's: the signature is returned in
    /// [`Verified::pending`], to be checked with [`complete`](Self::complete) before the
    /// message is acted on. Everything else (validity, revocation, permissions, region,
    /// the time window) holds when this returns.
    pub fn verify_deferring(
        &self,
        spdu: &[u8],
        now_unix_ms: i64,
        window: Option<(i64, i64)>,
        defer_for: Option<HashedId8>,
    ) -> Result<Verified, Failure> {
        let signed = open_signed(spdu)?;
        let payload = signed
            .unsecured_payload()
            .ok_or_else(|| {
                Failure::Malformed(
                    "the payload must be unsecured data inside the signed data".into(),
                )
            })?
            .to_vec();
        let header = &signed.tbs_data.header_info;
        let generation_time = header
            .generation_time
            .ok_or_else(|| Failure::Malformed("no generationTime".into()))?;
        let now64 = time64_from_unix_ms(now_unix_ms);
        let now32 = u64::from(time32_from_unix_ms(now_unix_ms));
        if let Some((max_age_ms, max_future_ms)) = window {
            let age_ms = (now64 as i64 - generation_time as i64) / 1_000;
            if age_ms > max_age_ms {
                return Err(Failure::Stale(age_ms));
            }
            if -age_ms > max_future_ms {
                return Err(Failure::Future(-age_ms));
            }
        }
        let signer = self.signer_of(&signed)?;
        if signer.root {
            return Err(Failure::NotPermitted("a root signs no messages".into()));
        }
        if self.is_revoked(&signer) {
            return Err(Failure::Revoked);
        }
        let gen32 = generation_time / 1_000_000;
        if !(signer.valid.0..signer.valid.1).contains(&gen32)
            || !(signer.valid.0..signer.valid.1).contains(&now32)
            || header.expiry_time.is_some_and(|e| e < now64)
            || generation_time > now64 + FUTURE_TOLERANCE_US
        {
            return Err(Failure::Expired);
        }
        if signer.permission(header.psid).is_none() {
            return Err(Failure::NotPermitted(format!(
                "certificate {} does not permit PSID {}",
                signer.name, header.psid
            )));
        }
        if let (Some(l), Some(r)) = (&header.generation_location, &signer.region)
            && !region::contains(r, l.latitude.0, l.longitude.0)
        {
            return Err(Failure::OutsideRegion);
        }
        let pending = self.signature_of(&signed, &signer)?;
        let pending = if defer_for == Some(signer.digest) {
            Some(pending)
        } else {
            // Its revocation was checked above.
            self.check_signature(&pending)?;
            None
        };
        let fingerprint = match &signed.signature {
            Signature::Sm2Signature(s) => s.s_sig,
            Signature::EcdsaNistP256Signature(s) | Signature::EcdsaBrainpoolP256r1Signature(s) => {
                s.s_sig
            }
            Signature::Unknown(_) => [0; 32],
        };
        Ok(Verified {
            payload,
            psid: header.psid,
            generation_time,
            signer,
            fingerprint: u128::from_be_bytes(fingerprint[..16].try_into().expect("16 octets")),
            pending,
        })
    }

    /// Checks a signature [`verify_deferring`](Self::verify_deferring) left pending: its
    /// signer not revoked since, and the signature itself.
    pub fn complete(&self, pending: &PendingSignature) -> Result<(), Failure> {
        if self.is_revoked(&pending.signer) {
            return Err(Failure::Revoked);
        }
        self.check_signature(pending)
    }

    /// Whether the signature holds (the signer's revocation is the caller's to check).
    fn check_signature(&self, pending: &PendingSignature) -> Result<(), Failure> {
        self.counters
            .signatures_checked
            .fetch_add(1, Ordering::Relaxed);
        if pending
            .signer
            .key
            .verify(&pending.input, &pending.signature)
        {
            Ok(())
        } else {
            Err(Failure::BadSignature)
        }
    }

    /// Loads a signed CRL (a `SecuredCrl`): it must be signed by a believed certificate that
    /// permits the CRL PSID. A full CRL replaces the earlier one of its CA and series, a delta
    /// adds to it. Takes effect at once. Returns how many certificates are now revoked.
    pub fn load_crl(&self, spdu: &[u8]) -> Result<usize, Failure> {
        let signed = open_signed(spdu)?;
        let body = signed
            .unsecured_payload()
            .ok_or_else(|| Failure::Malformed("a CRL's payload is unsecured data".into()))?;
        if signed.tbs_data.header_info.psid != CRL_PSID {
            return Err(Failure::NotPermitted(
                "a CRL is signed under PSID 256".into(),
            ));
        }
        let signer = self.signer_of(&signed)?;
        if signer.permission(CRL_PSID).is_none() {
            return Err(Failure::NotPermitted(format!(
                "certificate {} may not sign CRLs",
                signer.name
            )));
        }
        self.check_signature(&self.signature_of(&signed, &signer)?)?;
        let contents: CrlContents =
            from_coer(body).map_err(|e| Failure::Malformed(e.to_string()))?;
        let (full, list) = match &contents.type_specific {
            CrlType::FullHashCrl(l) => (true, l),
            CrlType::DeltaHashCrl(l) => (false, l),
            _ => {
                return Err(Failure::Malformed(
                    "only hash-based CRLs are taken (docs/security.md)".into(),
                ));
            }
        };
        let mut crls = self.crls.write().expect("trust store lock");
        let entry = crls
            .entry((contents.crl_craca, contents.crl_series))
            .or_default();
        if full {
            entry.1.clear();
        }
        entry.0 = list.crl_serial;
        entry.1.extend(list.entries.iter().map(|e| e.id));
        let all: HashSet<HashedId10> = crls.values().flat_map(|(_, s)| s.iter().copied()).collect();
        let n = all.len();
        self.revoked.store(Arc::new(all));
        Ok(n)
    }
}

/// The signed data of an SPDU: `Unsigned` for any other content.
fn open_signed(spdu: &[u8]) -> Result<Box<SignedData>, Failure> {
    let data: Ieee1609Dot2Data = from_coer(spdu).map_err(|e| Failure::Malformed(e.to_string()))?;
    match data.content {
        Ieee1609Dot2Content::SignedData(s) => Ok(s),
        _ => Err(Failure::Unsigned),
    }
}

fn explicit_key(cert: &Certificate) -> Result<VerifyingKey, Failure> {
    if cert.certificate_type != CertificateType::Explicit {
        return Err(untrusted(
            "implicit certificates are not supported (docs/security.md)",
        ));
    }
    match &cert.to_be_signed.verify_key_indicator {
        VerificationKeyIndicator::VerificationKey(k) => {
            VerifyingKey::from_public(k).map_err(|e| untrusted(e.0))
        }
        _ => Err(untrusted("an explicit certificate carries its key")),
    }
}
