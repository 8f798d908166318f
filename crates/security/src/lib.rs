//! roadcloud's secured messages: what a zone's devices sign over the air, verified end to end.
//!
//! China's LTE-V2X security (YD/T 3957-2021, certificates after GB/T 37376-2024) signs each
//! message with SM2/SM3 under short-lived pseudonym certificates, on the structures of IEEE
//! 1609.2; ECDSA P-256 with SHA-256 is 1609.2's own. This crate has:
//!
//! - [`asn`]: the 1609.2 types one to one, with their COER codec ([`oer`]); the SM2/SM3
//!   alternatives that 1609.2-2022 and YD/T 3957-2021 add to the 2016 modules are extension
//!   alternatives at the indices 1609.2-2022 gives them (`HashAlgorithm.sm3` 2,
//!   `IssuerIdentifier.sm3AndDigest` 3, `PublicVerificationKey.ecsigSm2` 4,
//!   `Signature.sm2Signature` 4);
//! - [`crypto`]: SM2 and P-256 signing and verification, behind a [`crypto::Signer`] trait a
//!   hardware security module can implement;
//! - [`trust`]: the trust store (roots, certificates verified once and kept by digest, CRLs)
//!   and the checks of a signed message, each failure a reason admission counts;
//! - [`sign`]: signing a message as a device does; [`pki`]: a test zone's certificate
//!   authorities; [`profile`]: the AIDs each message is signed under;
//! - [`region`] and [`time`]: 1609.2's geography and TAI time, converted once, here.

#![warn(missing_docs)]

pub mod asn;
pub mod crypto;
pub mod oer;
pub mod pki;
pub mod profile;
pub mod region;
pub mod sign;
mod sm2_vartime;
pub mod time;
pub mod trust;
