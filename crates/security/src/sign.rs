//! Signing messages as a zone's devices do: a payload wrapped in a 1609.2 `SignedData`
//! (YD/T 3957-2021 §6.4), signed by a certificate's key, the certificate given in full or by
//! its digest.

use crate::asn::*;
use crate::crypto::{Algorithm, Signer, SigningKey, signing_input_with};
use crate::oer::{from_coer, to_coer};
use crate::trust::certificate_digests;
use roadcloud_per::jer::{hex, unhex};
use std::path::Path;
use std::sync::Arc;

/// A certificate with the key that signs under it.
#[derive(Clone)]
pub struct Credential {
    /// The certificate.
    pub certificate: Certificate,
    /// Its COER encoding.
    pub encoded: Vec<u8>,
    /// Its HashedId8.
    pub digest: HashedId8,
    /// `H(certificate)` with its key's hash (the signer half of what it signs).
    pub signer_hash: [u8; 32],
    /// The key (a [`SigningKey`] in memory, or a hardware module behind [`Signer`]).
    pub key: Arc<dyn Signer>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential({})", hex(&self.digest))
    }
}

impl Credential {
    /// The credential of `certificate` and `key`.
    pub fn new(certificate: Certificate, key: Arc<dyn Signer>) -> Self {
        let encoded = to_coer(&certificate);
        let (digest, _) =
            certificate_digests(&certificate, &encoded).expect("a certificate this PKI issued");
        let signer_hash =
            crate::crypto::hash(key.algorithm().hash(), &encoded).expect("256-bit hash");
        Credential {
            certificate,
            encoded,
            digest,
            signer_hash,
            key,
        }
    }

    /// Reads a certificate (COER) and its key (the secret scalar in hex, of the algorithm
    /// the certificate's key names).
    pub fn from_files(cert_path: &Path, key_path: &Path) -> Result<Self, String> {
        let bytes =
            std::fs::read(cert_path).map_err(|e| format!("{}: {e}", cert_path.display()))?;
        let certificate: Certificate =
            from_coer(&bytes).map_err(|e| format!("{}: {e}", cert_path.display()))?;
        let hex = std::fs::read_to_string(key_path)
            .map_err(|e| format!("{}: {e}", key_path.display()))?;
        let secret = unhex(hex.trim()).map_err(|_| format!("{}: not hex", key_path.display()))?;
        let algorithm = match &certificate.to_be_signed.verify_key_indicator {
            VerificationKeyIndicator::VerificationKey(PublicVerificationKey::EcsigSm2(_)) => {
                Algorithm::Sm2
            }
            _ => Algorithm::EcdsaP256,
        };
        let key = SigningKey::from_bytes(algorithm, &secret)
            .map_err(|e| format!("{}: {e}", key_path.display()))?;
        Ok(Credential::new(certificate, Arc::new(key)))
    }

    /// Reads `name.coer` and `name.key` from `dir` ([`from_files`](Self::from_files)).
    pub fn load(dir: &Path, name: &str) -> Result<Self, String> {
        Self::from_files(
            &dir.join(format!("{name}.coer")),
            &dir.join(format!("{name}.key")),
        )
    }

    /// Writes `name.coer` and `name.key` into `dir` (the key readable by its owner only).
    pub fn save(&self, dir: &Path, name: &str, key: &SigningKey) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join(format!("{name}.coer")), &self.encoded)?;
        write_key(&dir.join(format!("{name}.key")), key)
    }
}

/// Writes a private key (its secret scalar in hex) to a file readable by its owner only.
pub(crate) fn write_key(path: &Path, key: &SigningKey) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)?
        .write_all(hex(&key.to_bytes()).as_bytes())
}

/// How a signed message names its signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerForm {
    /// By the certificate's HashedId8 (the usual case: 1609.2 sends the full certificate
    /// about once a second, or when a receiver asks).
    Digest,
    /// With the certificate in full.
    Certificate,
}

/// What goes into the header of a signed message besides the PSID.
#[derive(Debug, Clone, Copy, Default)]
pub struct Header {
    /// Generation time, Time64.
    pub generation_time: u64,
    /// Where it was generated.
    pub generation_location: Option<ThreeDLocation>,
}

impl Header {
    /// Generated at `unix_ms` (Unix milliseconds), no location.
    pub fn at(unix_ms: i64) -> Self {
        Header {
            generation_time: crate::time::time64_from_unix_ms(unix_ms),
            generation_location: None,
        }
    }
}

/// Signs `payload` (a UPER `MessageFrame`) under `psid`: the COER of an `Ieee1609Dot2Data`.
pub fn sign(
    payload: &[u8],
    psid: Psid,
    header: Header,
    credential: &Credential,
    form: SignerForm,
) -> Vec<u8> {
    let tbs_data = ToBeSignedData {
        payload: SignedDataPayload {
            data: Some(Box::new(Ieee1609Dot2Data {
                content: Ieee1609Dot2Content::UnsecuredData(payload.to_vec()),
            })),
            ext_data_hash: None,
            extensions: Extensions::default(),
        },
        header_info: HeaderInfo {
            psid,
            generation_time: Some(header.generation_time),
            generation_location: header.generation_location,
            ..HeaderInfo::default()
        },
    };
    signed_data(tbs_data, credential, form)
}

/// Signs `tbs_data` as it is.
pub fn signed_data(tbs_data: ToBeSignedData, credential: &Credential, form: SignerForm) -> Vec<u8> {
    let hash_id = credential.key.algorithm().hash();
    let input = signing_input_with(hash_id, &to_coer(&tbs_data), &credential.signer_hash)
        .expect("256-bit hash");
    let signature = credential.key.sign(&input);
    let signer = match form {
        SignerForm::Digest => SignerIdentifier::Digest(credential.digest),
        SignerForm::Certificate => {
            SignerIdentifier::Certificate(vec![credential.certificate.clone()])
        }
    };
    to_coer(&Ieee1609Dot2Data {
        content: Ieee1609Dot2Content::SignedData(Box::new(SignedData {
            hash_id,
            tbs_data,
            signer,
            signature,
        })),
    })
}
