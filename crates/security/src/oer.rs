//! Canonical Octet Encoding Rules (COER, ITU-T X.696 clause 8 with the canonical rules of
//! clause 9), the wire format of IEEE 1609.2 and of YD/T 3957-2021's secured messages.
//!
//! Each ASN.1 type of [`crate::asn`] implements [`Coer`] by hand, component by component,
//! with these primitives. The decoder accepts only the canonical encoding (shortest lengths
//! and integers, zero padding bits, DEFAULT values absent), so one value has exactly one
//! encoding: a signature over a value's encoding and a digest of a certificate cannot be
//! moved to another byte string that decodes to the same value. Decoding never panics and
//! never allocates more than the input can hold.

use roadcloud_per::{Error, ErrorKind, Result};

/// A type with a COER encoding.
pub trait Coer: Sized {
    /// Appends the encoding of `self`; fails if `self` breaks a constraint.
    fn encode(&self, w: &mut Writer);
    /// Reads one value.
    fn decode(r: &mut Reader<'_>) -> Result<Self>;
}

/// Encodes a complete value.
pub fn to_coer<T: Coer>(value: &T) -> Vec<u8> {
    let mut w = Writer::default();
    value.encode(&mut w);
    w.into_bytes()
}

/// Decodes a complete value: octets left over after it are an error.
pub fn from_coer<T: Coer>(bytes: &[u8]) -> Result<T> {
    let mut r = Reader::new(bytes);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// Where encodings are written.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// The octets written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// One octet.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Octets as they are (a fixed-size OCTET STRING, or a part already encoded).
    pub fn octets(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    /// A length determinant (X.696 8.6): short form below 128, else the long form with the
    /// fewest octets.
    pub fn length(&mut self, n: usize) {
        if n < 128 {
            self.buf.push(n as u8);
        } else {
            let bytes = (n as u64).to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            self.buf.push(0x80 | (8 - skip) as u8);
            self.buf.extend_from_slice(&bytes[skip..]);
        }
    }

    /// A variable-size OCTET STRING: its length, then its octets (X.696 17.3).
    pub fn octets_with_length(&mut self, v: &[u8]) {
        self.length(v.len());
        self.octets(v);
    }

    /// A non-negative INTEGER with no fixed size (e.g. `Psid ::= INTEGER (0..MAX)`): a length,
    /// then the fewest octets (at least one), X.696 10.3 b.
    pub fn uint_var(&mut self, v: u64) {
        let bytes = v.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
        self.length(8 - skip);
        self.octets(&bytes[skip..]);
    }

    /// An unconstrained INTEGER: a length, then the fewest two's-complement octets
    /// (X.696 10.4 b).
    pub fn int_var(&mut self, v: i64) {
        let bytes = v.to_be_bytes();
        let mut skip = 0;
        while skip < 7 {
            let (b, next) = (bytes[skip], bytes[skip + 1]);
            if (b == 0 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0) {
                skip += 1;
            } else {
                break;
            }
        }
        self.length(8 - skip);
        self.octets(&bytes[skip..]);
    }

    /// The quantity field of a SEQUENCE OF (X.696 20.6): the fewest octets of the count,
    /// preceded by their number.
    pub fn quantity(&mut self, n: usize) {
        self.uint_var(n as u64);
    }

    /// A SEQUENCE's preamble (X.696 16.2): the extension bit when the type is extensible,
    /// then one bit per OPTIONAL or DEFAULT component, padded with zeros to whole octets.
    pub fn preamble(&mut self, extension: Option<bool>, present: &[bool]) {
        let bits = extension.into_iter().chain(present.iter().copied());
        let mut octet = 0u8;
        let mut n = 0;
        for bit in bits {
            octet |= u8::from(bit) << (7 - n);
            n += 1;
            if n == 8 {
                self.buf.push(octet);
                octet = 0;
                n = 0;
            }
        }
        if n > 0 {
            self.buf.push(octet);
        }
    }

    /// A CHOICE's tag (X.696 8.7): context-specific class, the alternative's index (its
    /// automatic tag number).
    pub fn choice_tag(&mut self, index: u64) {
        if index < 63 {
            self.buf.push(0x80 | index as u8);
        } else {
            self.buf.push(0x80 | 0x3F);
            // Tag numbers of 63 and above in 7-bit groups, high bit set on all but the last.
            let mut groups = Vec::new();
            let mut v = index;
            loop {
                groups.push((v & 0x7F) as u8);
                v >>= 7;
                if v == 0 {
                    break;
                }
            }
            for (i, g) in groups.iter().rev().enumerate() {
                let more = i + 1 < groups.len();
                self.buf.push(g | if more { 0x80 } else { 0 });
            }
        }
    }

    /// An open type (X.696 8.8): the encoding written by `f`, preceded by its length. Carries
    /// extension alternatives and extension additions.
    pub fn open_type(&mut self, f: impl FnOnce(&mut Writer)) {
        let mut inner = Writer::default();
        f(&mut inner);
        self.octets_with_length(&inner.buf);
    }

    /// The extension-additions presence bitmap of a SEQUENCE (X.696 16.4): a BIT STRING with
    /// its length and count of unused bits.
    pub fn extension_bitmap(&mut self, present: &[bool]) {
        let octets = present.len().div_ceil(8);
        self.length(octets + 1);
        self.u8((octets * 8 - present.len()) as u8);
        let mut v = vec![0u8; octets];
        for (i, p) in present.iter().enumerate() {
            if *p {
                v[i / 8] |= 0x80 >> (i % 8);
            }
        }
        self.octets(&v);
    }
}

/// Where encodings are read from.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

fn at(kind: ErrorKind, pos: usize) -> Error {
    Error::at_bit(kind, pos * 8)
}

impl<'a> Reader<'a> {
    /// A reader of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// Octets read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Octets left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Fails unless every octet was read.
    pub fn finish(&self) -> Result<()> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(at(ErrorKind::TrailingOctets { octets: n as u64 }, self.pos)),
        }
    }

    /// The next `n` octets.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(at(
                ErrorKind::UnexpectedEnd {
                    needed_bits: n as u64 * 8,
                    available_bits: self.remaining() as u64 * 8,
                },
                self.pos,
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// One octet.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// An ENUMERATED value: one octet for 0..=127 (X.696 11.3); the long form, for values a
    /// 1609.2 type never has, is an error.
    pub fn enumerated(&mut self) -> Result<u8> {
        let start = self.pos;
        match self.u8()? {
            v if v < 0x80 => Ok(v),
            v => Err(at(
                ErrorKind::UnknownExtension {
                    index: u64::from(v),
                },
                start,
            )),
        }
    }

    /// Exactly `N` octets (a fixed-size OCTET STRING or a fixed-size integer).
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A length determinant, canonical form only; never more than the input left.
    pub fn length(&mut self) -> Result<usize> {
        let start = self.pos;
        let first = self.u8()?;
        let n = if first < 0x80 {
            usize::from(first)
        } else {
            let k = usize::from(first & 0x7F);
            if k == 0 || k > 8 {
                return Err(at(ErrorKind::InvalidLength, start));
            }
            let bytes = self.take(k)?;
            if bytes[0] == 0 {
                return Err(at(ErrorKind::InvalidLength, start));
            }
            let v = bytes.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
            if v < 128 {
                return Err(at(ErrorKind::InvalidLength, start));
            }
            usize::try_from(v).unwrap_or(usize::MAX)
        };
        if n > self.remaining() {
            return Err(at(
                ErrorKind::LengthExceedsInput {
                    length: n as u64,
                    available_bits: self.remaining() as u64 * 8,
                },
                start,
            ));
        }
        Ok(n)
    }

    /// A variable-size OCTET STRING whose size lies in `lo..=hi`.
    pub fn octets_with_length(&mut self, lo: usize, hi: usize) -> Result<&'a [u8]> {
        let start = self.pos;
        let n = self.length()?;
        if n < lo || n > hi {
            return Err(at(
                ErrorKind::SizeOutOfRange {
                    size: n as u64,
                    lo: lo as u32,
                    hi: u32::try_from(hi).ok(),
                },
                start,
            ));
        }
        self.take(n)
    }

    /// A non-negative INTEGER with no fixed size, canonical (fewest octets).
    pub fn uint_var(&mut self) -> Result<u64> {
        let start = self.pos;
        let n = self.length()?;
        if n == 0 {
            return Err(at(ErrorKind::InvalidLength, start));
        }
        let bytes = self.take(n)?;
        if n > 1 && bytes[0] == 0 {
            return Err(at(ErrorKind::InvalidLength, start));
        }
        if n > 8 {
            return Err(at(ErrorKind::IntegerTooLarge { octets: n as u64 }, start));
        }
        Ok(bytes.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)))
    }

    /// An unconstrained INTEGER, canonical (fewest two's-complement octets).
    pub fn int_var(&mut self) -> Result<i64> {
        let start = self.pos;
        let n = self.length()?;
        if n == 0 {
            return Err(at(ErrorKind::InvalidLength, start));
        }
        if n > 8 {
            return Err(at(ErrorKind::IntegerTooLarge { octets: n as u64 }, start));
        }
        let bytes = self.take(n)?;
        if n > 1
            && ((bytes[0] == 0 && bytes[1] & 0x80 == 0)
                || (bytes[0] == 0xFF && bytes[1] & 0x80 != 0))
        {
            return Err(at(ErrorKind::InvalidLength, start));
        }
        let init = if bytes[0] & 0x80 != 0 { -1i64 } else { 0 };
        Ok(bytes.iter().fold(init, |a, b| (a << 8) | i64::from(*b)))
    }

    /// The quantity of a SEQUENCE OF. Each element takes at least `min_element_octets`, so a
    /// count the input cannot hold is refused before anything is allocated.
    pub fn quantity(&mut self, min_element_octets: usize) -> Result<usize> {
        let start = self.pos;
        let n = self.uint_var()?;
        let most = self.remaining() / min_element_octets.max(1);
        if n > most as u64 {
            return Err(at(
                ErrorKind::LengthExceedsInput {
                    length: n,
                    available_bits: self.remaining() as u64 * 8,
                },
                start,
            ));
        }
        Ok(n as usize)
    }

    /// A SEQUENCE's preamble of `bits` bits (the extension bit, if any, first): the bits, and
    /// an error when a padding bit is set.
    pub fn preamble<const BITS: usize>(&mut self) -> Result<[bool; BITS]> {
        let start = self.pos;
        let octets = BITS.div_ceil(8);
        let bytes = self.take(octets)?;
        let mut out = [false; BITS];
        for (i, bit) in out.iter_mut().enumerate() {
            *bit = bytes[i / 8] & (0x80 >> (i % 8)) != 0;
        }
        for i in BITS..octets * 8 {
            if bytes[i / 8] & (0x80 >> (i % 8)) != 0 {
                return Err(at(ErrorKind::InvalidLength, start));
            }
        }
        Ok(out)
    }

    /// A CHOICE's tag: the alternative's index. Only context-specific tags occur under
    /// AUTOMATIC TAGS.
    pub fn choice_tag(&mut self) -> Result<u64> {
        let start = self.pos;
        let first = self.u8()?;
        if first & 0xC0 != 0x80 {
            return Err(at(
                ErrorKind::UnknownAlternative {
                    index: u64::from(first),
                },
                start,
            ));
        }
        let low = u64::from(first & 0x3F);
        if low < 63 {
            return Ok(low);
        }
        let mut v = 0u64;
        for i in 0..9 {
            let b = self.u8()?;
            if i == 0 && b == 0x80 {
                return Err(at(ErrorKind::InvalidLength, start));
            }
            v = (v << 7) | u64::from(b & 0x7F);
            if b & 0x80 == 0 {
                if v < 63 {
                    return Err(at(ErrorKind::InvalidLength, start));
                }
                return Ok(v);
            }
        }
        Err(at(ErrorKind::InvalidLength, start))
    }

    /// An open type: its octets, for decoding with a reader of their own.
    pub fn open_type(&mut self) -> Result<&'a [u8]> {
        let n = self.length()?;
        self.take(n)
    }

    /// Decodes `T` from an open type; the value must fill it exactly.
    pub fn open<T: Coer>(&mut self) -> Result<T> {
        let start = self.pos;
        let inner = self.open_type()?;
        from_coer(inner).map_err(|e| e.offset_by(start * 8))
    }

    /// The extension-additions presence bitmap of a SEQUENCE.
    pub fn extension_bitmap(&mut self) -> Result<Vec<bool>> {
        let start = self.pos;
        let n = self.length()?;
        if n < 2 {
            return Err(at(ErrorKind::InvalidLength, start));
        }
        let unused = self.u8()?;
        if unused > 7 {
            return Err(at(ErrorKind::InvalidLength, start));
        }
        let bytes = self.take(n - 1)?;
        // Canonical: the unused trailing bits are zero.
        let last = bytes[bytes.len() - 1];
        if unused > 0 && last & ((1u8 << unused) - 1) != 0 {
            return Err(at(ErrorKind::InvalidLength, start));
        }
        let bits = bytes.len() * 8 - usize::from(unused);
        Ok((0..bits)
            .map(|i| bytes[i / 8] & (0x80 >> (i % 8)) != 0)
            .collect())
    }
}

/// Decodes a SEQUENCE OF `T`, each element at least `min_octets` long.
pub fn decode_seq_of<T: Coer>(r: &mut Reader<'_>, min_octets: usize) -> Result<Vec<T>> {
    let n = r.quantity(min_octets)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(T::decode(r).map_err(|e| e.in_element(i))?);
    }
    Ok(out)
}

/// Encodes a SEQUENCE OF `T`.
pub fn encode_seq_of<T: Coer>(w: &mut Writer, items: &[T]) {
    w.quantity(items.len());
    for i in items {
        i.encode(w);
    }
}

macro_rules! fixed_uint {
    ($($t:ty),*) => {$(
        /// A fixed-size unsigned INTEGER (`Uint8`, `Uint16`, `Uint32`, `Uint64`): its octets,
        /// big-endian, no length (X.696 10.3 a).
        impl Coer for $t {
            fn encode(&self, w: &mut Writer) {
                w.octets(&self.to_be_bytes());
            }
            fn decode(r: &mut Reader<'_>) -> Result<Self> {
                Ok(<$t>::from_be_bytes(r.array()?))
            }
        }
    )*};
}
fixed_uint!(u8, u16, u32, u64);

/// A fixed-size OCTET STRING: its octets, no length (X.696 17.1).
impl<const N: usize> Coer for [u8; N] {
    fn encode(&self, w: &mut Writer) {
        w.octets(self);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.array()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_canonical() {
        for n in [0usize, 1, 127, 128, 255, 256, 65_535, 70_000] {
            let mut w = Writer::default();
            w.length(n);
            let mut bytes = w.into_bytes();
            let header = bytes.len();
            bytes.resize(header + n, 0);
            let mut r = Reader::new(&bytes);
            assert_eq!(r.length().unwrap(), n);
        }
        // 5 in the long form is valid BER but not canonical.
        assert!(Reader::new(&[0x81, 0x05, 0, 0, 0, 0, 0]).length().is_err());
        // A length the input cannot hold.
        assert!(Reader::new(&[0x82, 0xFF, 0xFF]).length().is_err());
    }

    #[test]
    fn integers_round_trip_in_fewest_octets() {
        for v in [0u64, 1, 32, 127, 128, 255, 256, 0x20_40_95, u64::MAX] {
            let mut w = Writer::default();
            w.uint_var(v);
            let b = w.into_bytes();
            assert_eq!(Reader::new(&b).uint_var().unwrap(), v);
        }
        assert!(Reader::new(&[2, 0, 32]).uint_var().is_err());
        for v in [0i64, 1, -1, 127, 128, -128, -129, i64::MIN, i64::MAX] {
            let mut w = Writer::default();
            w.int_var(v);
            let b = w.into_bytes();
            assert_eq!(Reader::new(&b).int_var().unwrap(), v, "{b:?}");
        }
    }

    #[test]
    fn choice_tags_beyond_62_take_more_octets() {
        for index in [0u64, 5, 62, 63, 200, 100_000] {
            let mut w = Writer::default();
            w.choice_tag(index);
            let b = w.into_bytes();
            assert_eq!(Reader::new(&b).choice_tag().unwrap(), index);
        }
    }

    #[test]
    fn preamble_padding_must_be_zero() {
        let mut w = Writer::default();
        w.preamble(Some(false), &[true, false, true]);
        assert_eq!(w.into_bytes(), [0b0101_0000]);
        assert_eq!(
            Reader::new(&[0b0101_0000]).preamble::<4>().unwrap(),
            [false, true, false, true]
        );
        assert!(Reader::new(&[0b0101_0001]).preamble::<4>().is_err());
    }

    #[test]
    fn a_huge_quantity_is_refused_before_allocating() {
        let mut r = Reader::new(&[0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]);
        assert!(decode_seq_of::<u16>(&mut r, 2).is_err());
    }
}
