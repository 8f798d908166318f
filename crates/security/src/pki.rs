//! A test zone's V2X PKI: enough of a security credential management system (SCMS) to sign
//! and verify a zone's traffic, not a real one (docs/security.md says what it leaves out).
//!
//! On disk, in one folder:
//!
//! | path | what |
//! |---|---|
//! | `roots/root.coer` | the self-signed root CA; it also signs the CRL |
//! | `certs/eca.coer`, `certs/pca.coer` | the enrolment CA (RSUs' certificates) and the pseudonym CA (vehicles') |
//! | `crl/crl.coer` | the current full hash-based CRL, signed by the root |
//! | `devices/{name}.coer`, `.key` | devices' certificates and keys |
//! | `private/*.key` | the CAs' keys (owner-readable only) |
//! | `revoked.txt` | the HashedId10 of each revoked certificate and its expiry, a line each |
//!
//! [`crate::trust::TrustStore::load_dir`] reads the same folder: a zone's receivers need
//! `roots/`, `certs/` and `crl/`, never `private/` or `devices/`.

use crate::asn::*;
use crate::crypto::{Algorithm, Signer, SigningKey};
use crate::profile;
use crate::sign::{Credential, SignerForm, signed_data, write_key};
use crate::time::time32_from_unix_ms;
use crate::trust::certificate_digests;
use roadcloud_per::jer::{hex, unhex};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a device certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRole {
    /// A roadside unit: MAP, SPAT, RSI, RSM (issued by the enrolment CA, named).
    Rsu,
    /// A vehicle's pseudonym certificate: ordinary BSMs and the Day-2 messages (issued by the
    /// pseudonym CA, with a random id).
    Obu,
    /// An emergency or priority vehicle's: the vehicle's, plus the special-vehicle BSM AIDs.
    Emergency,
}

impl std::str::FromStr for DeviceRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "rsu" => Ok(DeviceRole::Rsu),
            "obu" => Ok(DeviceRole::Obu),
            "emergency" => Ok(DeviceRole::Emergency),
            _ => Err(format!("unknown role {s:?}: use rsu, obu or emergency")),
        }
    }
}

impl DeviceRole {
    /// The AIDs its certificate permits.
    pub fn aids(self) -> Vec<Psid> {
        match self {
            DeviceRole::Rsu => profile::RSU_AIDS.to_vec(),
            DeviceRole::Obu => profile::OBU_AIDS.to_vec(),
            DeviceRole::Emergency => profile::OBU_AIDS
                .iter()
                .chain(profile::EMERGENCY_AIDS.iter())
                .copied()
                .collect(),
        }
    }
}

/// What a new certificate says.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its id.
    pub id: CertificateId,
    /// Validity start, Unix milliseconds.
    pub start_unix_ms: i64,
    /// How long it is valid.
    pub duration: Duration,
    /// Where it may be used (`None`: the issuer's region).
    pub region: Option<GeographicRegion>,
    /// What it may sign.
    pub app_permissions: Vec<Psid>,
    /// What it may certify (CAs only): `None` for an end entity, `Some(None)` for everything.
    pub issue: Option<Option<Vec<Psid>>>,
}

fn permissions(aids: &[Psid]) -> Option<Vec<PsidSsp>> {
    (!aids.is_empty()).then(|| {
        aids.iter()
            .map(|p| PsidSsp {
                psid: *p,
                ssp: None,
            })
            .collect()
    })
}

fn to_be_signed(req: &Request, key: &SigningKey, craca: HashedId3) -> ToBeSignedCertificate {
    ToBeSignedCertificate {
        id: req.id.clone(),
        craca_id: craca,
        crl_series: CRL_SERIES,
        validity_period: ValidityPeriod {
            start: time32_from_unix_ms(req.start_unix_ms),
            duration: req.duration,
        },
        region: req.region.clone(),
        assurance_level: None,
        app_permissions: permissions(&req.app_permissions),
        cert_issue_permissions: req.issue.as_ref().map(|scope| {
            vec![PsidGroupPermissions {
                subject_permissions: match scope {
                    None => SubjectPermissions::All,
                    Some(aids) => SubjectPermissions::Explicit(
                        aids.iter()
                            .map(|p| PsidSspRange {
                                psid: *p,
                                ssp_range: None,
                            })
                            .collect(),
                    ),
                },
                min_chain_length: 1,
                chain_length_range: 0,
                ee_type: EE_TYPE_APP,
            }]
        }),
        cert_request_permissions: None,
        can_request_rollover: false,
        encryption_key: None,
        verify_key_indicator: VerificationKeyIndicator::VerificationKey(
            key.verifying_key().to_public(),
        ),
        extensions: Extensions::default(),
    }
}

/// The CRL series every certificate of this PKI is in.
pub const CRL_SERIES: CrlSeries = 1;

/// A self-signed root.
pub fn root(req: &Request, key: SigningKey) -> Credential {
    let hash_id = key.algorithm().hash();
    // A root is its own CRACA; its HashedId3 is not known before it is signed, so it names
    // none (zeros), as 1609.2 6.4.8 allows for a root.
    let tbs = to_be_signed(req, &key, [0; 3]);
    let input = crate::crypto::signing_input(hash_id, &crate::oer::to_coer(&tbs), &[])
        .expect("256-bit hash");
    let signature = key.sign(&input);
    Credential::new(
        Certificate {
            certificate_type: CertificateType::Explicit,
            issuer: IssuerIdentifier::SelfSigned(hash_id),
            to_be_signed: tbs,
            signature: Some(signature),
        },
        Arc::new(key),
    )
}

/// A certificate for `key` issued by `issuer`, revocable by `craca` (the root).
pub fn issue(
    issuer: &Credential,
    craca: &HashedId8,
    req: &Request,
    key: &SigningKey,
) -> Certificate {
    let hash_id = issuer.key.algorithm().hash();
    let tbs = to_be_signed(req, key, craca[5..].try_into().expect("3 octets"));
    let input =
        crate::crypto::signing_input_with(hash_id, &crate::oer::to_coer(&tbs), &issuer.signer_hash)
            .expect("256-bit hash");
    Certificate {
        certificate_type: CertificateType::Explicit,
        issuer: match issuer.key.algorithm() {
            Algorithm::Sm2 => IssuerIdentifier::Sm3AndDigest(issuer.digest),
            Algorithm::EcdsaP256 => IssuerIdentifier::Sha256AndDigest(issuer.digest),
        },
        to_be_signed: tbs,
        signature: Some(issuer.key.sign(&input)),
    }
}

/// A signed full hash-based CRL of `entries`.
pub fn crl(
    signer: &Credential,
    craca: HashedId8,
    serial: u32,
    now_unix_ms: i64,
    entries: Vec<HashBasedRevocationInfo>,
) -> Vec<u8> {
    let issue_date = time32_from_unix_ms(now_unix_ms);
    let contents = CrlContents {
        crl_series: CRL_SERIES,
        crl_craca: craca,
        issue_date,
        next_crl: issue_date.saturating_add(7 * 24 * 3600),
        priority: None,
        type_specific: CrlType::FullHashCrl(ToBeSignedHashIdCrl {
            crl_serial: serial,
            entries,
        }),
    };
    signed_data(
        ToBeSignedData {
            payload: SignedDataPayload {
                data: Some(Box::new(Ieee1609Dot2Data {
                    content: Ieee1609Dot2Content::UnsecuredData(crate::oer::to_coer(&contents)),
                })),
                ext_data_hash: None,
                extensions: Extensions::default(),
            },
            header_info: HeaderInfo {
                psid: CRL_PSID,
                ..HeaderInfo::default()
            },
        },
        signer,
        SignerForm::Digest,
    )
}

const DAY_MS: i64 = 86_400_000;

/// A test zone's PKI in a folder (module docs).
#[derive(Debug)]
pub struct ZonePki {
    dir: PathBuf,
    root: Credential,
    eca: Credential,
    pca: Credential,
}

impl ZonePki {
    /// Creates the root, the enrolment CA, the pseudonym CA and an empty CRL in `dir`
    /// (which must not hold a PKI yet), valid from a day before `now_unix_ms`.
    pub fn init(
        dir: &Path,
        algorithm: Algorithm,
        region: Option<GeographicRegion>,
        now_unix_ms: i64,
    ) -> Result<Self, String> {
        if dir.join("roots/root.coer").exists() {
            return Err(format!(
                "{} already holds a V2X PKI; remove it first to start over",
                dir.display()
            ));
        }
        let start = now_unix_ms - DAY_MS;
        let root_key = SigningKey::generate(algorithm);
        let root = root(
            &Request {
                id: CertificateId::Name("roadcloud test zone root CA".into()),
                start_unix_ms: start,
                duration: Duration::Years(20),
                region: region.clone(),
                app_permissions: vec![CRL_PSID],
                issue: Some(None),
            },
            root_key.clone(),
        );
        let ca = |name: &str, aids: Vec<Psid>| -> (Credential, SigningKey) {
            let key = SigningKey::generate(algorithm);
            let cert = issue(
                &root,
                &root.digest,
                &Request {
                    id: CertificateId::Name(name.into()),
                    start_unix_ms: start,
                    duration: Duration::Years(10),
                    region: None,
                    app_permissions: Vec::new(),
                    issue: Some(Some(aids)),
                },
                &key,
            );
            (Credential::new(cert, Arc::new(key.clone())), key)
        };
        let (eca, eca_key) = ca("roadcloud test zone enrolment CA", DeviceRole::Rsu.aids());
        let (pca, pca_key) = ca(
            "roadcloud test zone pseudonym CA",
            DeviceRole::Emergency.aids(),
        );
        let io = |e: std::io::Error| format!("{}: {e}", dir.display());
        for sub in ["roots", "certs", "crl", "devices", "private"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(io)?;
        }
        std::fs::write(dir.join("roots/root.coer"), &root.encoded).map_err(io)?;
        std::fs::write(dir.join("certs/eca.coer"), &eca.encoded).map_err(io)?;
        std::fs::write(dir.join("certs/pca.coer"), &pca.encoded).map_err(io)?;
        for (name, key) in [("root", &root_key), ("eca", &eca_key), ("pca", &pca_key)] {
            write_key(&dir.join(format!("private/{name}.key")), key).map_err(io)?;
        }
        std::fs::write(dir.join("revoked.txt"), "").map_err(io)?;
        let pki = ZonePki {
            dir: dir.to_path_buf(),
            root,
            eca,
            pca,
        };
        pki.write_crl(now_unix_ms)?;
        Ok(pki)
    }

    /// Opens the PKI in `dir`, or makes one there ([`init`](Self::init)) if it holds none;
    /// whether it was made.
    pub fn open_or_init(
        dir: &Path,
        algorithm: Algorithm,
        now_unix_ms: i64,
    ) -> Result<(Self, bool), String> {
        if dir.join("roots/root.coer").exists() {
            Ok((Self::open(dir)?, false))
        } else {
            Ok((Self::init(dir, algorithm, None, now_unix_ms)?, true))
        }
    }

    /// Opens the PKI in `dir`.
    pub fn open(dir: &Path) -> Result<Self, String> {
        let load = |cert: &str, key: &str| {
            Credential::from_files(&dir.join(cert), &dir.join(key))
                .map_err(|e| format!("{e} (create a V2X PKI with `roadcloud pki v2x init`)"))
        };
        Ok(ZonePki {
            dir: dir.to_path_buf(),
            root: load("roots/root.coer", "private/root.key")?,
            eca: load("certs/eca.coer", "private/eca.key")?,
            pca: load("certs/pca.coer", "private/pca.key")?,
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The root's credential.
    pub fn root(&self) -> &Credential {
        &self.root
    }

    /// The algorithm of the zone.
    pub fn algorithm(&self) -> Algorithm {
        self.root.key.algorithm()
    }

    /// Issues a device certificate (RSU: a year, named; vehicle: a week, a random pseudonym
    /// id) valid from an hour before `now_unix_ms`. `save` writes it to `devices/{name}`.
    pub fn issue_device(
        &self,
        name: &str,
        role: DeviceRole,
        region: Option<GeographicRegion>,
        now_unix_ms: i64,
        save: bool,
    ) -> Result<Credential, String> {
        let key = SigningKey::generate(self.algorithm());
        let (issuer, id, duration) = match role {
            DeviceRole::Rsu => (
                &self.eca,
                CertificateId::Name(name.into()),
                Duration::Years(1),
            ),
            DeviceRole::Obu | DeviceRole::Emergency => {
                let mut id = [0u8; 8];
                getrandom::fill(&mut id).map_err(|e| e.to_string())?;
                (
                    &self.pca,
                    CertificateId::BinaryId(id.to_vec()),
                    Duration::Hours(168),
                )
            }
        };
        let cert = issue(
            issuer,
            &self.root.digest,
            &Request {
                id,
                start_unix_ms: now_unix_ms - 3_600_000,
                duration,
                region,
                app_permissions: role.aids(),
                issue: None,
            },
            &key,
        );
        let credential = Credential::new(cert, Arc::new(key.clone()));
        if save {
            credential
                .save(&self.dir.join("devices"), name, &key)
                .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        }
        Ok(credential)
    }

    /// Revokes the certificate `encoded` (its COER) and re-signs the CRL. Returns its
    /// HashedId10 in hex.
    pub fn revoke(&self, encoded: &[u8], now_unix_ms: i64) -> Result<String, String> {
        let cert: Certificate = crate::oer::from_coer(encoded).map_err(|e| e.to_string())?;
        let (_, id10) =
            certificate_digests(&cert, encoded).ok_or("hash algorithm not supported")?;
        let expiry = cert.to_be_signed.validity_period.end();
        let path = self.dir.join("revoked.txt");
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        let line = format!("{} {expiry}\n", hex(&id10));
        if !text.contains(&line) {
            text.push_str(&line);
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        self.write_crl(now_unix_ms)?;
        Ok(hex(&id10))
    }

    /// The revocation entries in `revoked.txt`.
    fn entries(&self) -> Result<Vec<HashBasedRevocationInfo>, String> {
        let path = self.dir.join("revoked.txt");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut parts = l.split_whitespace();
                let id = parts
                    .next()
                    .and_then(|h| unhex(h).ok())
                    .and_then(|v| <[u8; 10]>::try_from(v).ok());
                let expiry = parts.next().and_then(|e| e.parse::<u32>().ok());
                match (id, expiry) {
                    (Some(id), Some(expiry)) => Ok(HashBasedRevocationInfo { id, expiry }),
                    _ => Err(format!("{}: bad line {l:?}", path.display())),
                }
            })
            .collect()
    }

    /// Signs the CRL of `revoked.txt` into `crl/crl.coer`, its serial one more than before.
    fn write_crl(&self, now_unix_ms: i64) -> Result<(), String> {
        let path = self.dir.join("crl/crl.coer");
        let serial = std::fs::read(&path)
            .ok()
            .and_then(|b| crl_serial(&b))
            .map_or(1, |s| s + 1);
        let bytes = crl(
            &self.root,
            self.root.digest,
            serial,
            now_unix_ms,
            self.entries()?,
        );
        let tmp = path.with_extension("coer.tmp");
        std::fs::write(&tmp, &bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The serial of a signed CRL, if it decodes.
fn crl_serial(spdu: &[u8]) -> Option<u32> {
    let data: Ieee1609Dot2Data = crate::oer::from_coer(spdu).ok()?;
    match crate::oer::from_coer::<CrlContents>(data.signed_payload()?)
        .ok()?
        .type_specific
    {
        CrlType::FullHashCrl(l) | CrlType::DeltaHashCrl(l) => Some(l.crl_serial),
        _ => None,
    }
}
