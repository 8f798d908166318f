//! `Ieee1609Dot2` (IEEE 1609.2-2016 clause 6.3 with 1609.2b): the secured protocol data unit
//! and the certificate, as YD/T 3957-2021 §6.4 and §6.5 profile them for LTE-V2X.

use super::base::*;
use crate::oer::{Coer, Reader, Writer, decode_seq_of, encode_seq_of};
use roadcloud_per::{ErrorKind, Result};

/// `Ieee1609Dot2Data`: `protocolVersion` is always 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ieee1609Dot2Data {
    /// `content`.
    pub content: Ieee1609Dot2Content,
}

impl Ieee1609Dot2Data {
    /// The payload a signed message carries (unsecured data inside signed data), without
    /// verifying anything: for routing a datagram before admission verifies it.
    pub fn signed_payload(&self) -> Option<&[u8]> {
        match &self.content {
            Ieee1609Dot2Content::SignedData(s) => s.unsecured_payload(),
            _ => None,
        }
    }
}

impl SignedData {
    /// The payload when it is unsecured data, as messages and CRLs carry it.
    pub fn unsecured_payload(&self) -> Option<&[u8]> {
        match &self.tbs_data.payload.data.as_deref()?.content {
            Ieee1609Dot2Content::UnsecuredData(p) => Some(p),
            _ => None,
        }
    }
}

/// The only `protocolVersion` 1609.2 defines.
pub const PROTOCOL_VERSION: u8 = 3;

impl Coer for Ieee1609Dot2Data {
    fn encode(&self, w: &mut Writer) {
        w.u8(PROTOCOL_VERSION);
        self.content.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let version = r.u8().map_err(|e| e.in_component("protocolVersion"))?;
        if version != PROTOCOL_VERSION {
            return Err(bad(
                ErrorKind::OutOfRange {
                    value: i128::from(version),
                    lo: 3,
                    hi: 3,
                },
                r,
            )
            .in_component("protocolVersion"));
        }
        Ok(Ieee1609Dot2Data {
            content: Ieee1609Dot2Content::decode(r).map_err(|e| e.in_component("content"))?,
        })
    }
}

/// `Ieee1609Dot2Content`. `encryptedData` is not taken: roadcloud receives broadcast
/// messages, which 1609.2 signs but does not encrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ieee1609Dot2Content {
    /// `unsecuredData`.
    UnsecuredData(Vec<u8>),
    /// `signedData`.
    SignedData(Box<SignedData>),
    /// `signedCertificateRequest`.
    SignedCertificateRequest(Vec<u8>),
    /// An extension alternative.
    Unknown(UnknownExtension),
}

impl Coer for Ieee1609Dot2Content {
    fn encode(&self, w: &mut Writer) {
        match self {
            Ieee1609Dot2Content::UnsecuredData(d) => {
                w.choice_tag(0);
                w.octets_with_length(d);
            }
            Ieee1609Dot2Content::SignedData(s) => {
                w.choice_tag(1);
                s.encode(w);
            }
            Ieee1609Dot2Content::SignedCertificateRequest(d) => {
                w.choice_tag(3);
                w.octets_with_length(d);
            }
            Ieee1609Dot2Content::Unknown(u) => encode_unknown(u, 4, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => Ieee1609Dot2Content::UnsecuredData(
                r.octets_with_length(0, usize::MAX)
                    .map_err(|e| e.in_component("unsecuredData"))?
                    .to_vec(),
            ),
            1 => Ieee1609Dot2Content::SignedData(Box::new(
                SignedData::decode(r).map_err(|e| e.in_component("signedData"))?,
            )),
            2 => {
                return Err(bad(ErrorKind::UnknownAlternative { index: 2 }, r)
                    .in_component("encryptedData (not supported)"));
            }
            3 => Ieee1609Dot2Content::SignedCertificateRequest(
                r.octets_with_length(0, usize::MAX)?.to_vec(),
            ),
            index => Ieee1609Dot2Content::Unknown(decode_unknown(index, 4, r)?),
        })
    }
}

/// `SignedData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedData {
    /// `hashId`: the hash of the signature's input (SHA-256 with P-256, SM3 with SM2).
    pub hash_id: HashAlgorithm,
    /// `tbsData`.
    pub tbs_data: ToBeSignedData,
    /// `signer`.
    pub signer: SignerIdentifier,
    /// `signature`.
    pub signature: Signature,
}

impl Coer for SignedData {
    fn encode(&self, w: &mut Writer) {
        self.hash_id.encode(w);
        self.tbs_data.encode(w);
        self.signer.encode(w);
        self.signature.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(SignedData {
            hash_id: HashAlgorithm::decode(r).map_err(|e| e.in_component("hashId"))?,
            tbs_data: ToBeSignedData::decode(r).map_err(|e| e.in_component("tbsData"))?,
            signer: SignerIdentifier::decode(r).map_err(|e| e.in_component("signer"))?,
            signature: Signature::decode(r).map_err(|e| e.in_component("signature"))?,
        })
    }
}

/// `ToBeSignedData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToBeSignedData {
    /// `payload`.
    pub payload: SignedDataPayload,
    /// `headerInfo`.
    pub header_info: HeaderInfo,
}

impl Coer for ToBeSignedData {
    fn encode(&self, w: &mut Writer) {
        self.payload.encode(w);
        self.header_info.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(ToBeSignedData {
            payload: SignedDataPayload::decode(r).map_err(|e| e.in_component("payload"))?,
            header_info: HeaderInfo::decode(r).map_err(|e| e.in_component("headerInfo"))?,
        })
    }
}

/// `SignedDataPayload`: the data, or the hash of data sent apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDataPayload {
    /// `data`.
    pub data: Option<Box<Ieee1609Dot2Data>>,
    /// `extDataHash` (`HashedData`): `sha256HashedData`, or an extension alternative.
    pub ext_data_hash: Option<HashedData>,
    /// Extension additions (1609.2-2022 adds `omitted`).
    pub extensions: Extensions,
}

/// `HashedData`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum HashedData {
    Sha256HashedData([u8; 32]),
    Unknown(UnknownExtension),
}

impl Coer for HashedData {
    fn encode(&self, w: &mut Writer) {
        match self {
            HashedData::Sha256HashedData(h) => {
                w.choice_tag(0);
                w.octets(h);
            }
            HashedData::Unknown(u) => encode_unknown(u, 1, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => HashedData::Sha256HashedData(r.array()?),
            index => HashedData::Unknown(decode_unknown(index, 1, r)?),
        })
    }
}

impl Coer for SignedDataPayload {
    fn encode(&self, w: &mut Writer) {
        w.preamble(
            Some(self.extensions.present()),
            &[self.data.is_some(), self.ext_data_hash.is_some()],
        );
        if let Some(d) = &self.data {
            d.encode(w);
        }
        if let Some(h) = &self.ext_data_hash {
            h.encode(w);
        }
        if self.extensions.present() {
            self.extensions.encode(w);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let [ext, has_data, has_hash] = r.preamble::<3>()?;
        let data = if has_data {
            Some(Box::new(
                Ieee1609Dot2Data::decode(r).map_err(|e| e.in_component("data"))?,
            ))
        } else {
            None
        };
        let ext_data_hash = has_hash.then(|| HashedData::decode(r)).transpose()?;
        let extensions = if ext {
            Extensions::decode(r)?
        } else {
            Extensions::default()
        };
        if data.is_none() && ext_data_hash.is_none() && !extensions.present() {
            return Err(bad(ErrorKind::MissingComponent, r).in_component("data"));
        }
        Ok(SignedDataPayload {
            data,
            ext_data_hash,
            extensions,
        })
    }
}

/// `HeaderInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderInfo {
    /// `psid`: the application (AID) of the payload.
    pub psid: Psid,
    /// `generationTime`.
    pub generation_time: Option<Time64>,
    /// `expiryTime`.
    pub expiry_time: Option<Time64>,
    /// `generationLocation`.
    pub generation_location: Option<ThreeDLocation>,
    /// `p2pcdLearningRequest`: the HashedId3 of a certificate the sender lacks.
    pub p2pcd_learning_request: Option<HashedId3>,
    /// `missingCrlIdentifier`: `cracaId` and `crlSeries` (its own extension additions are not
    /// kept).
    pub missing_crl_identifier: Option<(HashedId3, CrlSeries)>,
    /// `encryptionKey`.
    pub encryption_key: Option<EncryptionKey>,
    /// `inlineP2pcdRequest` (extension addition 1).
    pub inline_p2pcd_request: Option<Vec<HashedId3>>,
    /// `requestedCertificate` (extension addition 2): a certificate another device asked
    /// for.
    pub requested_certificate: Option<Box<Certificate>>,
    /// `pduFunctionalType` (extension addition 3).
    pub pdu_functional_type: Option<u8>,
    /// Additions after these three, as they came.
    pub more_extensions: Vec<Option<Vec<u8>>>,
}

/// `EncryptionKey` (not extensible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncryptionKey {
    /// `public`.
    Public(PublicEncryptionKey),
    /// `symmetric` (`SymmetricEncryptionKey`): `aes128Ccm` or an extension alternative.
    Symmetric(SymmetricEncryptionKey),
}

/// `SymmetricEncryptionKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum SymmetricEncryptionKey {
    Aes128Ccm([u8; 16]),
    Unknown(UnknownExtension),
}

impl Coer for EncryptionKey {
    fn encode(&self, w: &mut Writer) {
        match self {
            EncryptionKey::Public(k) => {
                w.choice_tag(0);
                k.encode(w);
            }
            EncryptionKey::Symmetric(SymmetricEncryptionKey::Aes128Ccm(k)) => {
                w.choice_tag(1);
                w.choice_tag(0);
                w.octets(k);
            }
            EncryptionKey::Symmetric(SymmetricEncryptionKey::Unknown(u)) => {
                w.choice_tag(1);
                encode_unknown(u, 1, w);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => EncryptionKey::Public(PublicEncryptionKey::decode(r)?),
            1 => EncryptionKey::Symmetric(match r.choice_tag()? {
                0 => SymmetricEncryptionKey::Aes128Ccm(r.array()?),
                index => SymmetricEncryptionKey::Unknown(decode_unknown(index, 1, r)?),
            }),
            index => return Err(bad(ErrorKind::UnknownAlternative { index }, r)),
        })
    }
}

impl Coer for HeaderInfo {
    fn encode(&self, w: &mut Writer) {
        let mut additions: Vec<Option<Vec<u8>>> = vec![
            self.inline_p2pcd_request.as_ref().map(|v| {
                let mut w = Writer::default();
                encode_seq_of(&mut w, v);
                w.into_bytes()
            }),
            self.requested_certificate
                .as_ref()
                .map(|c| crate::oer::to_coer(c.as_ref())),
            self.pdu_functional_type.map(|t| vec![t]),
        ];
        additions.extend(self.more_extensions.iter().cloned());
        let ext = Extensions(additions);
        let present = ext.present();
        w.preamble(
            Some(present),
            &[
                self.generation_time.is_some(),
                self.expiry_time.is_some(),
                self.generation_location.is_some(),
                self.p2pcd_learning_request.is_some(),
                self.missing_crl_identifier.is_some(),
                self.encryption_key.is_some(),
            ],
        );
        w.uint_var(self.psid);
        if let Some(t) = self.generation_time {
            t.encode(w);
        }
        if let Some(t) = self.expiry_time {
            t.encode(w);
        }
        if let Some(l) = &self.generation_location {
            l.encode(w);
        }
        if let Some(h) = &self.p2pcd_learning_request {
            w.octets(h);
        }
        if let Some((craca, series)) = &self.missing_crl_identifier {
            w.preamble(Some(false), &[]);
            w.octets(craca);
            series.encode(w);
        }
        if let Some(k) = &self.encryption_key {
            k.encode(w);
        }
        if present {
            ext.encode(w);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let [ext, gt, et, gl, p2, mc, ek] = r.preamble::<7>()?;
        let mut h = HeaderInfo {
            psid: r.uint_var().map_err(|e| e.in_component("psid"))?,
            ..HeaderInfo::default()
        };
        if gt {
            h.generation_time = Some(u64::decode(r).map_err(|e| e.in_component("generationTime"))?);
        }
        if et {
            h.expiry_time = Some(u64::decode(r).map_err(|e| e.in_component("expiryTime"))?);
        }
        if gl {
            h.generation_location =
                Some(ThreeDLocation::decode(r).map_err(|e| e.in_component("generationLocation"))?);
        }
        if p2 {
            h.p2pcd_learning_request = Some(r.array()?);
        }
        if mc {
            let [more] = r.preamble::<1>()?;
            let craca = r.array()?;
            let series = u16::decode(r)?;
            if more {
                // Not kept (the header would not re-encode as signed): refused instead.
                return Err(bad(ErrorKind::UnknownExtension { index: 0 }, r)
                    .in_component("missingCrlIdentifier"));
            }
            h.missing_crl_identifier = Some((craca, series));
        }
        if ek {
            h.encryption_key =
                Some(EncryptionKey::decode(r).map_err(|e| e.in_component("encryptionKey"))?);
        }
        if ext {
            let mut additions = Extensions::decode(r)?.0.into_iter();
            if let Some(Some(v)) = additions.next() {
                let mut ir = Reader::new(&v);
                h.inline_p2pcd_request = Some(decode_seq_of(&mut ir, 3)?);
                ir.finish()?;
            }
            if let Some(Some(v)) = additions.next() {
                h.requested_certificate = Some(Box::new(
                    crate::oer::from_coer(&v)
                        .map_err(|e| e.in_component("requestedCertificate"))?,
                ));
            }
            if let Some(Some(v)) = additions.next() {
                let [t] = <[u8; 1]>::try_from(v.as_slice())
                    .map_err(|_| bad(ErrorKind::InvalidLength, r))?;
                h.pdu_functional_type = Some(t);
            }
            h.more_extensions = additions.collect();
        }
        Ok(h)
    }
}

/// `SignerIdentifier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerIdentifier {
    /// `digest`: the HashedId8 of the signing certificate, which the receiver must know.
    Digest(HashedId8),
    /// `certificate`: the signing certificate (a SEQUENCE OF; 1609.2 sends exactly one).
    Certificate(Vec<Certificate>),
    /// `self`: self-signed.
    SelfSigned,
    /// An extension alternative.
    Unknown(UnknownExtension),
}

impl Coer for SignerIdentifier {
    fn encode(&self, w: &mut Writer) {
        match self {
            SignerIdentifier::Digest(d) => {
                w.choice_tag(0);
                w.octets(d);
            }
            SignerIdentifier::Certificate(c) => {
                w.choice_tag(1);
                encode_seq_of(w, c);
            }
            SignerIdentifier::SelfSigned => w.choice_tag(2),
            SignerIdentifier::Unknown(u) => encode_unknown(u, 3, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => SignerIdentifier::Digest(r.array()?),
            1 => SignerIdentifier::Certificate(
                decode_seq_of(r, 40).map_err(|e| e.in_component("certificate"))?,
            ),
            2 => SignerIdentifier::SelfSigned,
            index => SignerIdentifier::Unknown(decode_unknown(index, 3, r)?),
        })
    }
}

/// `Certificate` (`CertificateBase`): `version` is always 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// `type`.
    pub certificate_type: CertificateType,
    /// `issuer`.
    pub issuer: IssuerIdentifier,
    /// `toBeSigned`.
    pub to_be_signed: ToBeSignedCertificate,
    /// `signature`: present in explicit certificates.
    pub signature: Option<Signature>,
}

/// The only certificate `version` 1609.2-2016 defines.
pub const CERTIFICATE_VERSION: u8 = 3;

impl Coer for Certificate {
    fn encode(&self, w: &mut Writer) {
        w.preamble(None, &[self.signature.is_some()]);
        w.u8(CERTIFICATE_VERSION);
        self.certificate_type.encode(w);
        self.issuer.encode(w);
        self.to_be_signed.encode(w);
        if let Some(s) = &self.signature {
            s.encode(w);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let [has_signature] = r.preamble::<1>()?;
        let version = r.u8()?;
        if version != CERTIFICATE_VERSION {
            return Err(bad(
                ErrorKind::OutOfRange {
                    value: i128::from(version),
                    lo: 3,
                    hi: 3,
                },
                r,
            )
            .in_component("version"));
        }
        Ok(Certificate {
            certificate_type: CertificateType::decode(r).map_err(|e| e.in_component("type"))?,
            issuer: IssuerIdentifier::decode(r).map_err(|e| e.in_component("issuer"))?,
            to_be_signed: ToBeSignedCertificate::decode(r)
                .map_err(|e| e.in_component("toBeSigned"))?,
            signature: has_signature
                .then(|| Signature::decode(r))
                .transpose()
                .map_err(|e| e.in_component("signature"))?,
        })
    }
}

/// `CertificateType` (extensible ENUMERATED).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateType {
    /// `explicit`: carries its public key and its issuer's signature.
    Explicit,
    /// `implicit`: carries a reconstruction value (ECQV, 1609.2 5.3.2).
    Implicit,
    /// An extension value.
    Unknown(u8),
}

impl Coer for CertificateType {
    fn encode(&self, w: &mut Writer) {
        w.u8(match self {
            CertificateType::Explicit => 0,
            CertificateType::Implicit => 1,
            CertificateType::Unknown(v) => *v,
        });
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.enumerated()? {
            0 => CertificateType::Explicit,
            1 => CertificateType::Implicit,
            v => CertificateType::Unknown(v),
        })
    }
}

/// `IssuerIdentifier`: `sha256AndDigest`, `self`, then the additions `sha384AndDigest` and
/// (1609.2-2022 / YD/T 3957-2021) `sm3AndDigest` (index 3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum IssuerIdentifier {
    Sha256AndDigest(HashedId8),
    SelfSigned(HashAlgorithm),
    Sha384AndDigest(HashedId8),
    Sm3AndDigest(HashedId8),
    Unknown(UnknownExtension),
}

impl Coer for IssuerIdentifier {
    fn encode(&self, w: &mut Writer) {
        match self {
            IssuerIdentifier::Sha256AndDigest(d) => {
                w.choice_tag(0);
                w.octets(d);
            }
            IssuerIdentifier::SelfSigned(h) => {
                w.choice_tag(1);
                h.encode(w);
            }
            IssuerIdentifier::Sha384AndDigest(d) => {
                w.choice_tag(2);
                w.open_type(|w| w.octets(d));
            }
            IssuerIdentifier::Sm3AndDigest(d) => {
                w.choice_tag(3);
                w.open_type(|w| w.octets(d));
            }
            IssuerIdentifier::Unknown(u) => encode_unknown(u, 2, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => IssuerIdentifier::Sha256AndDigest(r.array()?),
            1 => IssuerIdentifier::SelfSigned(HashAlgorithm::decode(r)?),
            2 => IssuerIdentifier::Sha384AndDigest(r.open()?),
            3 => IssuerIdentifier::Sm3AndDigest(r.open()?),
            index => IssuerIdentifier::Unknown(decode_unknown(index, 2, r)?),
        })
    }
}

/// `ToBeSignedCertificate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToBeSignedCertificate {
    /// `id`.
    pub id: CertificateId,
    /// `cracaId`: the HashedId3 of the CA that revokes this certificate.
    pub craca_id: HashedId3,
    /// `crlSeries`.
    pub crl_series: CrlSeries,
    /// `validityPeriod`.
    pub validity_period: ValidityPeriod,
    /// `region`: absent means the issuer's.
    pub region: Option<GeographicRegion>,
    /// `assuranceLevel` (`SubjectAssurance`).
    pub assurance_level: Option<u8>,
    /// `appPermissions`: what the holder may sign.
    pub app_permissions: Option<Vec<PsidSsp>>,
    /// `certIssuePermissions`: what the holder may certify.
    pub cert_issue_permissions: Option<Vec<PsidGroupPermissions>>,
    /// `certRequestPermissions`.
    pub cert_request_permissions: Option<Vec<PsidGroupPermissions>>,
    /// `canRequestRollover`.
    pub can_request_rollover: bool,
    /// `encryptionKey`.
    pub encryption_key: Option<PublicEncryptionKey>,
    /// `verifyKeyIndicator`.
    pub verify_key_indicator: VerificationKeyIndicator,
    /// Extension additions (1609.2-2022 adds `flags`, `appExtensions`, ...), as they came.
    pub extensions: Extensions,
}

impl Coer for ToBeSignedCertificate {
    fn encode(&self, w: &mut Writer) {
        w.preamble(
            Some(self.extensions.present()),
            &[
                self.region.is_some(),
                self.assurance_level.is_some(),
                self.app_permissions.is_some(),
                self.cert_issue_permissions.is_some(),
                self.cert_request_permissions.is_some(),
                self.can_request_rollover,
                self.encryption_key.is_some(),
            ],
        );
        self.id.encode(w);
        w.octets(&self.craca_id);
        self.crl_series.encode(w);
        self.validity_period.encode(w);
        if let Some(v) = &self.region {
            v.encode(w);
        }
        if let Some(v) = self.assurance_level {
            w.u8(v);
        }
        if let Some(v) = &self.app_permissions {
            encode_seq_of(w, v);
        }
        if let Some(v) = &self.cert_issue_permissions {
            encode_seq_of(w, v);
        }
        if let Some(v) = &self.cert_request_permissions {
            encode_seq_of(w, v);
        }
        if let Some(v) = &self.encryption_key {
            v.encode(w);
        }
        self.verify_key_indicator.encode(w);
        if self.extensions.present() {
            self.extensions.encode(w);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let [ext, region, assurance, app, issue, request, rollover, enc] = r.preamble::<8>()?;
        let c = ToBeSignedCertificate {
            id: CertificateId::decode(r).map_err(|e| e.in_component("id"))?,
            craca_id: r.array().map_err(|e| e.in_component("cracaId"))?,
            crl_series: u16::decode(r).map_err(|e| e.in_component("crlSeries"))?,
            validity_period: ValidityPeriod::decode(r)
                .map_err(|e| e.in_component("validityPeriod"))?,
            region: region
                .then(|| GeographicRegion::decode(r))
                .transpose()
                .map_err(|e| e.in_component("region"))?,
            assurance_level: assurance.then(|| r.u8()).transpose()?,
            app_permissions: app
                .then(|| decode_seq_of(r, 2))
                .transpose()
                .map_err(|e| e.in_component("appPermissions"))?,
            cert_issue_permissions: issue
                .then(|| decode_seq_of(r, 2))
                .transpose()
                .map_err(|e| e.in_component("certIssuePermissions"))?,
            cert_request_permissions: request
                .then(|| decode_seq_of(r, 2))
                .transpose()
                .map_err(|e| e.in_component("certRequestPermissions"))?,
            can_request_rollover: rollover,
            encryption_key: enc
                .then(|| PublicEncryptionKey::decode(r))
                .transpose()
                .map_err(|e| e.in_component("encryptionKey"))?,
            verify_key_indicator: VerificationKeyIndicator::decode(r)
                .map_err(|e| e.in_component("verifyKeyIndicator"))?,
            extensions: if ext {
                Extensions::decode(r)?
            } else {
                Extensions::default()
            },
        };
        if c.app_permissions.is_none()
            && c.cert_issue_permissions.is_none()
            && c.cert_request_permissions.is_none()
        {
            return Err(bad(ErrorKind::MissingComponent, r).in_component("appPermissions"));
        }
        Ok(c)
    }
}

/// `CertificateId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateId {
    /// `linkageData`: a pseudonym certificate's linkage value.
    LinkageData(LinkageData),
    /// `name` (`Hostname ::= UTF8String (SIZE(0..255))`).
    Name(String),
    /// `binaryId` (1..64 octets).
    BinaryId(Vec<u8>),
    /// `none`.
    None,
    /// An extension alternative.
    Unknown(UnknownExtension),
}

impl Coer for CertificateId {
    fn encode(&self, w: &mut Writer) {
        match self {
            CertificateId::LinkageData(l) => {
                w.choice_tag(0);
                l.encode(w);
            }
            CertificateId::Name(n) => {
                w.choice_tag(1);
                w.octets_with_length(n.as_bytes());
            }
            CertificateId::BinaryId(b) => {
                w.choice_tag(2);
                w.octets_with_length(b);
            }
            CertificateId::None => w.choice_tag(3),
            CertificateId::Unknown(u) => encode_unknown(u, 4, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => CertificateId::LinkageData(LinkageData::decode(r)?),
            1 => {
                let b = r.octets_with_length(0, 255)?;
                CertificateId::Name(
                    String::from_utf8(b.to_vec())
                        .map_err(|_| bad(ErrorKind::Json { expected: "UTF-8" }, r))?,
                )
            }
            2 => CertificateId::BinaryId(r.octets_with_length(1, 64)?.to_vec()),
            3 => CertificateId::None,
            index => CertificateId::Unknown(decode_unknown(index, 4, r)?),
        })
    }
}

/// `PsidGroupPermissions`: what a CA may certify, with the DEFAULTs of 1609.2 6.4.28.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsidGroupPermissions {
    /// `subjectPermissions`.
    pub subject_permissions: SubjectPermissions,
    /// `minChainLength` (DEFAULT 1).
    pub min_chain_length: i64,
    /// `chainLengthRange` (DEFAULT 0).
    pub chain_length_range: i64,
    /// `eeType` (`EndEntityType`, BIT STRING SIZE(8), DEFAULT {app}): bit 0 (0x80) app,
    /// bit 1 (0x40) enroll.
    pub ee_type: u8,
}

/// `EndEntityType` `{app}`.
pub const EE_TYPE_APP: u8 = 0x80;

impl Coer for PsidGroupPermissions {
    fn encode(&self, w: &mut Writer) {
        // Canonical: a DEFAULT value is never encoded (X.696 9.x, X.680 25.7).
        let min = self.min_chain_length != 1;
        let range = self.chain_length_range != 0;
        let ee = self.ee_type != EE_TYPE_APP;
        w.preamble(None, &[min, range, ee]);
        self.subject_permissions.encode(w);
        if min {
            w.int_var(self.min_chain_length);
        }
        if range {
            w.int_var(self.chain_length_range);
        }
        if ee {
            w.u8(self.ee_type);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let [min, range, ee] = r.preamble::<3>()?;
        let p = PsidGroupPermissions {
            subject_permissions: SubjectPermissions::decode(r)?,
            min_chain_length: if min { r.int_var()? } else { 1 },
            chain_length_range: if range { r.int_var()? } else { 0 },
            ee_type: if ee { r.u8()? } else { EE_TYPE_APP },
        };
        if (min && p.min_chain_length == 1)
            || (range && p.chain_length_range == 0)
            || (ee && p.ee_type == EE_TYPE_APP)
        {
            return Err(bad(ErrorKind::InvalidLength, r).in_component("PsidGroupPermissions"));
        }
        Ok(p)
    }
}

/// `SubjectPermissions`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum SubjectPermissions {
    Explicit(Vec<PsidSspRange>),
    All,
    Unknown(UnknownExtension),
}

impl Coer for SubjectPermissions {
    fn encode(&self, w: &mut Writer) {
        match self {
            SubjectPermissions::Explicit(v) => {
                w.choice_tag(0);
                encode_seq_of(w, v);
            }
            SubjectPermissions::All => w.choice_tag(1),
            SubjectPermissions::Unknown(u) => encode_unknown(u, 2, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => SubjectPermissions::Explicit(decode_seq_of(r, 2)?),
            1 => SubjectPermissions::All,
            index => SubjectPermissions::Unknown(decode_unknown(index, 2, r)?),
        })
    }
}

/// `VerificationKeyIndicator`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationKeyIndicator {
    /// `verificationKey`: an explicit certificate's public key.
    VerificationKey(PublicVerificationKey),
    /// `reconstructionValue`: an implicit certificate's.
    ReconstructionValue(EccP256CurvePoint),
    /// An extension alternative.
    Unknown(UnknownExtension),
}

impl Coer for VerificationKeyIndicator {
    fn encode(&self, w: &mut Writer) {
        match self {
            VerificationKeyIndicator::VerificationKey(k) => {
                w.choice_tag(0);
                k.encode(w);
            }
            VerificationKeyIndicator::ReconstructionValue(p) => {
                w.choice_tag(1);
                p.encode(w);
            }
            VerificationKeyIndicator::Unknown(u) => encode_unknown(u, 2, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => VerificationKeyIndicator::VerificationKey(PublicVerificationKey::decode(r)?),
            1 => VerificationKeyIndicator::ReconstructionValue(EccP256CurvePoint::decode(r)?),
            index => VerificationKeyIndicator::Unknown(decode_unknown(index, 2, r)?),
        })
    }
}
