//! `Ieee1609Dot2CrlBaseTypes` and `Ieee1609Dot2Crl` (IEEE 1609.2-2016 clause 7.3): the
//! contents of a certificate revocation list. A `SecuredCrl` is an [`Ieee1609Dot2Data`]
//! signed under PSID [`CRL_PSID`] whose unsecured payload is a [`CrlContents`].
//!
//! [`Ieee1609Dot2Data`]: super::dot2::Ieee1609Dot2Data

use super::base::*;
use crate::oer::{Coer, Reader, Writer, decode_seq_of, encode_seq_of};
use roadcloud_per::{ErrorKind, Result};

/// `CrlPsid ::= Psid(256)`.
pub const CRL_PSID: Psid = 256;

/// `CrlContents`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlContents {
    /// `crlSeries`.
    pub crl_series: CrlSeries,
    /// `crlCraca`: the HashedId8 of the CA whose certificates the list revokes.
    pub crl_craca: HashedId8,
    /// `issueDate`.
    pub issue_date: Time32,
    /// `nextCrl`.
    pub next_crl: Time32,
    /// `priorityInfo`: `priority` (its extension additions are not kept).
    pub priority: Option<u8>,
    /// `typeSpecific`.
    pub type_specific: CrlType,
}

/// `CrlContents.typeSpecific`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CrlType {
    FullHashCrl(ToBeSignedHashIdCrl),
    DeltaHashCrl(ToBeSignedHashIdCrl),
    /// Linkage-value CRLs, kept as their encoding: roadcloud's test-zone PKI revokes by
    /// digest (see docs/security.md).
    FullLinkedCrl(Vec<u8>),
    DeltaLinkedCrl(Vec<u8>),
    Unknown(UnknownExtension),
}

/// `ToBeSignedHashIdCrl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToBeSignedHashIdCrl {
    /// `crlSerial`.
    pub crl_serial: u32,
    /// `entries`.
    pub entries: Vec<HashBasedRevocationInfo>,
}

/// `HashBasedRevocationInfo`: the HashedId10 of a revoked certificate and when it would
/// have expired anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashBasedRevocationInfo {
    /// `id`.
    pub id: HashedId10,
    /// `expiry`.
    pub expiry: Time32,
}

impl Coer for HashBasedRevocationInfo {
    fn encode(&self, w: &mut Writer) {
        w.octets(&self.id);
        self.expiry.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(HashBasedRevocationInfo {
            id: r.array()?,
            expiry: u32::decode(r)?,
        })
    }
}

impl Coer for ToBeSignedHashIdCrl {
    fn encode(&self, w: &mut Writer) {
        w.preamble(Some(false), &[]);
        self.crl_serial.encode(w);
        encode_seq_of(w, &self.entries);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let [ext] = r.preamble::<1>()?;
        let v = ToBeSignedHashIdCrl {
            crl_serial: u32::decode(r)?,
            entries: decode_seq_of(r, 14).map_err(|e| e.in_component("entries"))?,
        };
        if ext {
            Extensions::decode(r)?;
        }
        Ok(v)
    }
}

/// The only CRL `version`.
const CRL_VERSION: u8 = 1;

impl Coer for CrlContents {
    fn encode(&self, w: &mut Writer) {
        w.u8(CRL_VERSION);
        self.crl_series.encode(w);
        w.octets(&self.crl_craca);
        self.issue_date.encode(w);
        self.next_crl.encode(w);
        w.preamble(Some(false), &[self.priority.is_some()]);
        if let Some(p) = self.priority {
            w.u8(p);
        }
        match &self.type_specific {
            CrlType::FullHashCrl(c) => {
                w.choice_tag(0);
                c.encode(w);
            }
            CrlType::DeltaHashCrl(c) => {
                w.choice_tag(1);
                c.encode(w);
            }
            CrlType::FullLinkedCrl(b) => {
                w.choice_tag(2);
                w.octets(b);
            }
            CrlType::DeltaLinkedCrl(b) => {
                w.choice_tag(3);
                w.octets(b);
            }
            CrlType::Unknown(u) => encode_unknown(u, 4, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let version = r.u8()?;
        if version != CRL_VERSION {
            return Err(bad(
                ErrorKind::OutOfRange {
                    value: i128::from(version),
                    lo: 1,
                    hi: 1,
                },
                r,
            )
            .in_component("version"));
        }
        let crl_series = u16::decode(r)?;
        let crl_craca = r.array()?;
        let issue_date = u32::decode(r)?;
        let next_crl = u32::decode(r)?;
        let [ext, has_priority] = r.preamble::<2>()?;
        let priority = has_priority.then(|| r.u8()).transpose()?;
        if ext {
            Extensions::decode(r)?;
        }
        let type_specific = match r.choice_tag()? {
            0 => CrlType::FullHashCrl(ToBeSignedHashIdCrl::decode(r)?),
            1 => CrlType::DeltaHashCrl(ToBeSignedHashIdCrl::decode(r)?),
            // A linkage-value CRL is the last component: the rest of the input.
            2 => CrlType::FullLinkedCrl(r.take(r.remaining())?.to_vec()),
            3 => CrlType::DeltaLinkedCrl(r.take(r.remaining())?.to_vec()),
            index => CrlType::Unknown(decode_unknown(index, 4, r)?),
        };
        Ok(CrlContents {
            crl_series,
            crl_craca,
            issue_date,
            next_crl,
            priority,
            type_specific,
        })
    }
}
