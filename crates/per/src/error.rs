//! One error type for every way a value can fail to cross the wire.
//!
//! An [`Error`] names the ASN.1 path of the component that failed (for example
//! `MessageFrame.bsmFrame.pos.lat`), what was wrong, and, when decoding UPER, the bit offset
//! in the input where the failing component starts. The path is collected while the error
//! travels up through the containers, so the happy path pays nothing for it.

use std::fmt;

/// What went wrong, without the where.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[allow(missing_docs)] // each variant's doc describes its fields
pub enum ErrorKind {
    /// An INTEGER outside its constraint `lo..=hi`.
    OutOfRange { value: i128, lo: i64, hi: i64 },
    /// A SIZE (number of octets, bits, characters or elements) outside its constraint.
    SizeOutOfRange { size: u64, lo: u32, hi: Option<u32> },
    /// The input ended before the component did.
    UnexpectedEnd {
        needed_bits: u64,
        available_bits: u64,
    },
    /// A length that the remaining input cannot possibly hold (caught before allocating).
    LengthExceedsInput { length: u64, available_bits: u64 },
    /// Whole octets left over after the top-level value or inside an open type.
    TrailingOctets { octets: u64 },
    /// A CHOICE or ENUMERATED index that this version of the standard does not define.
    UnknownAlternative { index: u64 },
    /// An extension alternative or value this version of the standard does not define.
    UnknownExtension { index: u64 },
    /// A length determinant form that X.691 does not allow here.
    InvalidLength,
    /// An integer too large for this implementation (more than 8 octets).
    IntegerTooLarge { octets: u64 },
    /// A character outside the permitted alphabet (IA5String: 0..=127).
    InvalidCharacter { character: char },
    /// JSON of the wrong shape: `expected` says what the standard's JSON form needs here.
    Json { expected: &'static str },
    /// A required SEQUENCE component is missing from JSON.
    MissingComponent,
    /// A JSON object member that the type does not have.
    UnknownComponent { name: String },
    /// An ENUMERATED or CHOICE identifier the type does not have.
    UnknownIdentifier { name: String },
    /// A hex string that is not valid hex.
    InvalidHex,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::OutOfRange { value, lo, hi } => {
                write!(f, "value {value} out of range {lo}..{hi}")
            }
            ErrorKind::SizeOutOfRange { size, lo, hi } => match hi {
                Some(hi) => write!(f, "size {size} out of range {lo}..{hi}"),
                None => write!(f, "size {size} below minimum {lo}"),
            },
            ErrorKind::UnexpectedEnd {
                needed_bits,
                available_bits,
            } => write!(
                f,
                "input ends too early: {needed_bits} more bits needed, {available_bits} left"
            ),
            ErrorKind::LengthExceedsInput {
                length,
                available_bits,
            } => write!(
                f,
                "length {length} cannot fit in the {available_bits} bits left in the input"
            ),
            ErrorKind::TrailingOctets { octets } => {
                write!(f, "{octets} unexpected octet(s) after the end of the value")
            }
            ErrorKind::UnknownAlternative { index } => {
                write!(f, "alternative index {index} is not defined")
            }
            ErrorKind::UnknownExtension { index } => {
                write!(
                    f,
                    "extension index {index} is not defined by this version of the standard"
                )
            }
            ErrorKind::InvalidLength => write!(f, "invalid length determinant"),
            ErrorKind::IntegerTooLarge { octets } => {
                write!(
                    f,
                    "integer of {octets} octets is too large (at most 8 supported)"
                )
            }
            ErrorKind::InvalidCharacter { character } => {
                write!(
                    f,
                    "character {character:?} is not allowed (IA5String takes 0..=127)"
                )
            }
            ErrorKind::Json { expected } => write!(f, "expected {expected}"),
            ErrorKind::MissingComponent => write!(f, "required component is missing"),
            ErrorKind::UnknownComponent { name } => {
                write!(f, "unknown component {name:?}")
            }
            ErrorKind::UnknownIdentifier { name } => write!(f, "unknown identifier {name:?}"),
            ErrorKind::InvalidHex => write!(f, "invalid hex string"),
        }
    }
}

/// One step of an ASN.1 path: a component or alternative name, or a SEQUENCE OF index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A type, component or alternative name as the standard spells it.
    Name(&'static str),
    /// The position of an element in a SEQUENCE OF.
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    /// Innermost segment first; reversed when displayed.
    path: Vec<PathSegment>,
    bit: Option<u64>,
}

/// An encoding, decoding or JSON conversion error, with the path and bit offset where it
/// happened.
///
/// Boxed so that `Result<T, Error>` stays one pointer wide on the hot path.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

impl Error {
    /// An error of `kind` with no position yet.
    #[cold]
    pub fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner {
            kind,
            path: Vec::new(),
            bit: None,
        }))
    }

    /// An error of `kind` at bit offset `bit` of the input.
    #[cold]
    pub fn at_bit(kind: ErrorKind, bit: usize) -> Self {
        let mut e = Error::new(kind);
        e.0.bit = Some(bit as u64);
        e
    }

    /// Prefixes the path with a component, alternative or type name.
    #[cold]
    pub fn in_component(mut self, name: &'static str) -> Self {
        self.0.path.push(PathSegment::Name(name));
        self
    }

    /// Prefixes the path with a SEQUENCE OF element index.
    #[cold]
    pub fn in_element(mut self, index: usize) -> Self {
        self.0.path.push(PathSegment::Index(index));
        self
    }

    /// Shifts the bit offset by `base` bits (used when an inner value was decoded from a copy).
    #[cold]
    pub fn offset_by(mut self, base: usize) -> Self {
        if let Some(bit) = self.0.bit.as_mut() {
            *bit += base as u64;
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The bit offset in the input where the failing component starts, when decoding UPER.
    pub fn bit(&self) -> Option<u64> {
        self.0.bit
    }

    /// The ASN.1 path, outermost first, e.g. `MessageFrame.bsmFrame.pos.lat`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.0.path.iter().rev() {
            match seg {
                PathSegment::Name(n) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(n);
                }
                PathSegment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}", self.0.kind)?;
        if let Some(bit) = self.0.bit {
            write!(f, " at bit {bit}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// Shorthand used throughout the codecs.
pub type Result<T, E = Error> = std::result::Result<T, E>;
