//! The encoding runtime behind roadcloud's C-V2X message types.
//!
//! Message types are plain Rust structs and enums that mirror their ASN.1 definitions one to
//! one; `#[derive(Asn)]` gives each of them three abilities from one description:
//!
//! - [`Uper`]: ASN.1 Unaligned PER (X.691), the wire format of T/CSAE 53-2020 and 157-2020;
//! - [`Jer`]: the JSON form used by the reference vectors and by people;
//! - [`Generate`]: random values that satisfy every constraint, for property tests and fuzzing.
//!
//! Constraints (ranges, sizes, extension markers, optional components) are checked on encode
//! and on decode alike; a value out of range is an [`Error`] naming its ASN.1 path and, when
//! decoding, its bit offset. Decoding never panics and never allocates more than the input can
//! justify.

#![warn(missing_docs)]

mod bit_string;
pub mod bits;
mod error;
pub mod generate;
pub mod jer;
pub mod uper;

pub use arbitrary;
pub use bit_string::BitString;
pub use bits::{BitReader, BitWriter};
pub use error::{Error, ErrorKind, PathSegment, Result};
pub use roadcloud_per_derive::Asn;
pub use serde_json;

use arbitrary::Unstructured;
use serde_json::Value;

/// An alternative of an extensible CHOICE that this version of the standard does not define,
/// from a newer one (X.691 23.8): its extension index and its encoding as it came, so it
/// re-encodes unchanged. Shown in JSON as `{"unknownExtension": {"index": n, "encoding":
/// "hex"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownExtension {
    /// The index among the CHOICE's extension alternatives.
    pub index: u64,
    /// The alternative's encoding (the open type's octets).
    pub encoding: Vec<u8>,
}

/// A type defined by an ASN.1 module.
pub trait AsnType {
    /// The type's name as the standard spells it, e.g. `BasicSafetyMessage`.
    const NAME: &'static str;
}

/// Unaligned PER encoding and decoding (X.691).
pub trait Uper: Sized {
    /// Appends the encoding of `self`; fails if `self` breaks a constraint.
    fn encode_uper(&self, w: &mut BitWriter) -> Result<()>;
    /// Reads one value.
    fn decode_uper(r: &mut BitReader<'_>) -> Result<Self>;
}

/// The JSON form of a value.
pub trait Jer: Sized {
    /// The JSON value.
    fn to_jer(&self) -> Value;
    /// Reads the JSON value; fails if it has the wrong shape or breaks a constraint.
    fn from_jer(v: &Value) -> Result<Self>;
}

/// Random values that satisfy every constraint of the type.
pub trait Generate: Sized {
    /// A value drawn from `u`.
    fn generate(u: &mut Unstructured<'_>) -> arbitrary::Result<Self>;
}

/// Encodes a complete top-level value (a PDU) to UPER octets.
pub fn to_uper<T: Uper + AsnType>(value: &T) -> Result<Vec<u8>> {
    uper::encode_complete(1024, |w| value.encode_uper(w)).map_err(|e| e.in_component(T::NAME))
}

/// Decodes a complete top-level value (a PDU) from UPER octets: anything but padding after the
/// value is an error.
pub fn from_uper<T: Uper + AsnType>(bytes: &[u8]) -> Result<T> {
    uper::decode_complete(bytes, T::decode_uper).map_err(|e| e.in_component(T::NAME))
}

/// The JSON form of a top-level value.
pub fn to_json<T: Jer>(value: &T) -> Value {
    value.to_jer()
}

/// Reads a top-level value from its JSON form; errors name the path from `T`.
pub fn from_json<T: Jer + AsnType>(v: &Value) -> Result<T> {
    T::from_jer(v).map_err(|e| e.in_component(T::NAME))
}

/// Conversions between Rust integers and ASN.1 INTEGER values.
pub trait AsnInt: Copy {
    /// Widens to `i64`.
    fn to_i64(self) -> i64;
    /// Narrows from `i64`, failing when the value does not fit.
    fn from_i64(v: i64) -> Result<Self>;
}

macro_rules! asn_int {
    ($($t:ty),*) => {$(
        impl AsnInt for $t {
            #[inline]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline]
            fn from_i64(v: i64) -> Result<Self> {
                <$t>::try_from(v).map_err(|_| {
                    Error::new(ErrorKind::OutOfRange {
                        value: i128::from(v),
                        lo: <$t>::MIN as i64,
                        hi: <$t>::MAX as i64,
                    })
                })
            }
        }
    )*};
}
asn_int!(i8, u8, i16, u16, i32, u32, i64);

/// BOOLEAN (clause 12): one bit.
impl Uper for bool {
    #[inline]
    fn encode_uper(&self, w: &mut BitWriter) -> Result<()> {
        w.write_bit(*self);
        Ok(())
    }
    #[inline]
    fn decode_uper(r: &mut BitReader<'_>) -> Result<Self> {
        r.read_bit()
    }
}

impl Jer for bool {
    fn to_jer(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_jer(v: &Value) -> Result<Self> {
        jer::bool_from(v)
    }
}

impl Generate for bool {
    fn generate(u: &mut Unstructured<'_>) -> arbitrary::Result<Self> {
        u.arbitrary()
    }
}

/// OCTET STRING (SIZE(N)): exactly N octets, no length (17.6).
impl<const N: usize> Uper for [u8; N] {
    #[inline]
    fn encode_uper(&self, w: &mut BitWriter) -> Result<()> {
        w.write_octets(self);
        Ok(())
    }
    #[inline]
    fn decode_uper(r: &mut BitReader<'_>) -> Result<Self> {
        let mut out = [0u8; N];
        r.read_octets_exact(&mut out)?;
        Ok(out)
    }
}

impl<const N: usize> Jer for [u8; N] {
    fn to_jer(&self) -> Value {
        jer::octets_to(self)
    }
    fn from_jer(v: &Value) -> Result<Self> {
        let b = jer::octets_from(v, uper::Size::range(N as u32, N as u32))?;
        Ok(b.try_into().expect("size checked"))
    }
}

impl<const N: usize> Generate for [u8; N] {
    fn generate(u: &mut Unstructured<'_>) -> arbitrary::Result<Self> {
        let mut out = [0u8; N];
        u.fill_buffer(&mut out)?;
        Ok(out)
    }
}
