//! The ASN.1 types of IEEE 1609.2, one Rust type per ASN.1 type, each with its COER codec.

pub mod base;
pub mod crl;
pub mod dot2;

pub use base::*;
pub use crl::*;
pub use dot2::*;
