//! The building blocks of ASN.1 Unaligned PER (ITU-T X.691, UNALIGNED variant), each a pair of
//! functions that the derived codecs call. Clause numbers refer to X.691 (02/2021).

use crate::bit_string::BitString;
use crate::bits::{BitReader, BitWriter};
use crate::error::{Error, ErrorKind, Result};

/// A SIZE constraint: `lo..=hi` (`hi` `None` when unbounded), possibly extensible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Lower bound.
    pub lo: u32,
    /// Upper bound, `None` for `SIZE(lo..MAX)` or no constraint.
    pub hi: Option<u32>,
    /// Whether the constraint carries an extension marker (`SIZE(lo..hi, ...)`).
    pub ext: bool,
}

impl Size {
    /// `SIZE(lo..hi)`.
    pub const fn range(lo: u32, hi: u32) -> Self {
        Size {
            lo,
            hi: Some(hi),
            ext: false,
        }
    }
    /// `SIZE(lo..hi, ...)`.
    pub const fn extensible(lo: u32, hi: u32) -> Self {
        Size {
            lo,
            hi: Some(hi),
            ext: true,
        }
    }
    /// No size constraint.
    pub const UNBOUNDED: Size = Size {
        lo: 0,
        hi: None,
        ext: false,
    };

    fn in_root(&self, n: usize) -> bool {
        n >= self.lo as usize && self.hi.is_none_or(|hi| n <= hi as usize)
    }

    fn check(&self, n: usize) -> Result<()> {
        if self.ext || self.in_root(n) {
            Ok(())
        } else {
            Err(self.size_error(n))
        }
    }

    #[cold]
    fn size_error(&self, n: usize) -> Error {
        Error::new(ErrorKind::SizeOutOfRange {
            size: n as u64,
            lo: self.lo,
            hi: self.hi,
        })
    }
}

/// Number of bits for a constrained whole number whose range is `0..=span` (10.5.7, UNALIGNED:
/// always the minimum number of bits, whatever the range).
#[inline]
pub const fn bits_for_span(span: u64) -> u32 {
    64 - span.leading_zeros()
}

#[cold]
fn out_of_range(value: i128, lo: i64, hi: i64) -> Error {
    Error::new(ErrorKind::OutOfRange { value, lo, hi })
}

/// Decodes an INTEGER constrained to `lo..=hi` (10.5), extensible when `ext` (10.5.1: a bit,
/// then an unconstrained whole number outside the root).
#[inline(always)]
pub fn decode_integer(r: &mut BitReader<'_>, lo: i64, hi: i64, ext: bool) -> Result<i64> {
    let start = r.position();
    if ext && r.read_bit()? {
        return decode_unconstrained_integer(r);
    }
    let span = (i128::from(hi) - i128::from(lo)) as u64;
    let offset = r.read_bits(bits_for_span(span))?;
    if offset > span {
        return Err(Error::at_bit(
            ErrorKind::OutOfRange {
                value: i128::from(lo) + i128::from(offset),
                lo,
                hi,
            },
            start,
        ));
    }
    Ok((i128::from(lo) + i128::from(offset)) as i64)
}

/// Encodes an INTEGER constrained to `lo..=hi`, extensible when `ext`.
#[inline(always)]
pub fn encode_integer(w: &mut BitWriter, value: i64, lo: i64, hi: i64, ext: bool) -> Result<()> {
    let in_root = value >= lo && value <= hi;
    if ext {
        w.write_bit(!in_root);
        if !in_root {
            encode_unconstrained_integer(w, value);
            return Ok(());
        }
    } else if !in_root {
        return Err(out_of_range(i128::from(value), lo, hi));
    }
    let span = (i128::from(hi) - i128::from(lo)) as u64;
    let offset = (i128::from(value) - i128::from(lo)) as u64;
    w.write_bits(offset, bits_for_span(span));
    Ok(())
}

/// Checks an INTEGER against its constraint without encoding it (used by JSON and generators).
pub fn check_integer(value: i64, lo: i64, hi: i64, ext: bool) -> Result<()> {
    if ext || (value >= lo && value <= hi) {
        Ok(())
    } else {
        Err(out_of_range(i128::from(value), lo, hi))
    }
}

/// 10.8: an unconstrained whole number, a length in octets then two's complement.
fn decode_unconstrained_integer(r: &mut BitReader<'_>) -> Result<i64> {
    let start = r.position();
    let (len, more) = decode_general_length(r)?;
    if more || len == 0 {
        return Err(Error::at_bit(ErrorKind::InvalidLength, start));
    }
    if len > 8 {
        return Err(Error::at_bit(
            ErrorKind::IntegerTooLarge { octets: len as u64 },
            start,
        ));
    }
    let raw = r.read_bits(len as u32 * 8)?;
    let shift = 64 - len as u32 * 8;
    Ok(((raw << shift) as i64) >> shift)
}

fn encode_unconstrained_integer(w: &mut BitWriter, value: i64) {
    let mut len = 8u32;
    while len > 1 {
        let shift = 64 - (len - 1) * 8;
        if (value << shift) >> shift == value {
            len -= 1;
        } else {
            break;
        }
    }
    encode_general_length(w, len as usize);
    w.write_bits(value as u64, len * 8);
}

/// 11.9.3.8 and 11.9.4: a general length determinant. Returns the length and whether it was a
/// fragment (a multiple of 16K units with more to follow).
pub fn decode_general_length(r: &mut BitReader<'_>) -> Result<(usize, bool)> {
    let start = r.position();
    let first = r.read_bits(8)? as usize;
    if first & 0x80 == 0 {
        Ok((first, false))
    } else if first & 0x40 == 0 {
        let second = r.read_bits(8)? as usize;
        Ok((((first & 0x3f) << 8) | second, false))
    } else {
        let m = first & 0x3f;
        if !(1..=4).contains(&m) {
            return Err(Error::at_bit(ErrorKind::InvalidLength, start));
        }
        Ok((m * 16384, true))
    }
}

/// Writes a general length determinant for `n` < 16384.
fn encode_general_length(w: &mut BitWriter, n: usize) {
    debug_assert!(n < 16384);
    if n < 128 {
        w.write_bits(n as u64, 8);
    } else {
        w.write_bits(0x8000 | n as u64, 16);
    }
}

/// 11.6: a normally small non-negative whole number.
pub fn decode_normally_small(r: &mut BitReader<'_>) -> Result<u64> {
    if !r.read_bit()? {
        return r.read_bits(6);
    }
    let start = r.position();
    let (len, more) = decode_general_length(r)?;
    if more || len == 0 || len > 8 {
        return Err(Error::at_bit(ErrorKind::InvalidLength, start));
    }
    r.read_bits(len as u32 * 8)
}

/// Writes a normally small non-negative whole number.
pub fn encode_normally_small(w: &mut BitWriter, n: u64) {
    if n < 64 {
        w.write_bits(n, 7);
    } else {
        w.write_bit(true);
        let len = (bits_for_span(n).div_ceil(8)).max(1);
        encode_general_length(w, len as usize);
        w.write_bits(n, len * 8);
    }
}

/// Decodes a length-prefixed run of `size`-constrained units (octets, bits, characters or
/// SEQUENCE OF elements), calling `read` for each chunk of `n` units. Handles the constrained
/// length (11.9.4.1), the extension bit, and 16K fragmentation of general lengths (11.9.3.8).
///
/// Before each chunk it checks that the input can hold `n * min_unit_bits` more bits, so a
/// forged length fails at once instead of allocating.
pub fn decode_sized<F>(
    r: &mut BitReader<'_>,
    size: Size,
    min_unit_bits: usize,
    mut read: F,
) -> Result<usize>
where
    F: FnMut(&mut BitReader<'_>, usize) -> Result<()>,
{
    let start = r.position();
    let extended = size.ext && r.read_bit()?;
    let constrained = !extended && size.hi.is_some_and(|hi| hi < 65536);
    if constrained {
        let n = decode_constrained_length(r, size.lo, size.hi.unwrap_or(0), start)?;
        check_fits(r, n, min_unit_bits)?;
        read(r, n)?;
        return Ok(n);
    }
    let mut total = 0usize;
    loop {
        let (n, more) = decode_general_length(r)?;
        check_fits(r, n, min_unit_bits)?;
        read(r, n)?;
        total += n;
        if !more {
            break;
        }
    }
    if !extended && !size.in_root(total) {
        return Err(Error::at_bit(
            ErrorKind::SizeOutOfRange {
                size: total as u64,
                lo: size.lo,
                hi: size.hi,
            },
            start,
        ));
    }
    Ok(total)
}

/// 11.9.4.1: a length constrained to `lo..=hi` (below 64K) as a constrained whole number;
/// nothing at all when `lo == hi`.
#[inline(always)]
fn decode_constrained_length(
    r: &mut BitReader<'_>,
    lo: u32,
    hi: u32,
    start: usize,
) -> Result<usize> {
    let span = u64::from(hi - lo);
    let offset = r.read_bits(bits_for_span(span))?;
    if offset > span {
        return Err(Error::at_bit(
            ErrorKind::SizeOutOfRange {
                size: u64::from(lo) + offset,
                lo,
                hi: Some(hi),
            },
            start,
        ));
    }
    Ok(lo as usize + offset as usize)
}

#[inline]
fn check_fits(r: &BitReader<'_>, n: usize, min_unit_bits: usize) -> Result<()> {
    let needed = n.saturating_mul(min_unit_bits);
    if needed > r.remaining() {
        return Err(Error::at_bit(
            ErrorKind::LengthExceedsInput {
                length: n as u64,
                available_bits: r.remaining() as u64,
            },
            r.position(),
        ));
    }
    Ok(())
}

/// Encodes the length of `n` units under `size`, calling `write(w, start, end)` for each run of
/// units, fragmented as 11.9.3.8 requires when the length is unconstrained.
pub fn encode_sized<F>(w: &mut BitWriter, size: Size, n: usize, mut write: F) -> Result<()>
where
    F: FnMut(&mut BitWriter, usize, usize) -> Result<()>,
{
    size.check(n)?;
    let in_root = size.in_root(n);
    if size.ext {
        w.write_bit(!in_root);
    }
    if in_root && size.hi.is_some_and(|hi| hi < 65536) {
        let hi = size.hi.unwrap_or(0);
        if size.lo != hi {
            w.write_bits(
                (n - size.lo as usize) as u64,
                bits_for_span(u64::from(hi - size.lo)),
            );
        }
        return write(w, 0, n);
    }
    let mut done = 0usize;
    loop {
        let left = n - done;
        if left >= 16384 {
            let m = (left / 16384).min(4);
            w.write_bits(0xc0 | m as u64, 8);
            write(w, done, done + m * 16384)?;
            done += m * 16384;
        } else {
            encode_general_length(w, left);
            write(w, done, n)?;
            return Ok(());
        }
    }
}

/// Decodes an OCTET STRING with a SIZE constraint (clause 17).
pub fn decode_octets(r: &mut BitReader<'_>, size: Size) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    decode_sized(r, size, 8, |r, n| r.read_octets_into(n, &mut out))?;
    Ok(out)
}

/// Encodes an OCTET STRING with a SIZE constraint.
pub fn encode_octets(w: &mut BitWriter, bytes: &[u8], size: Size) -> Result<()> {
    encode_sized(w, size, bytes.len(), |w, a, b| {
        w.write_octets(&bytes[a..b]);
        Ok(())
    })
}

/// Decodes a BIT STRING with a SIZE constraint (clause 16).
#[inline(always)]
pub fn decode_bits(r: &mut BitReader<'_>, size: Size) -> Result<BitString> {
    let mut out = BitString::default();
    // Every root size of the message set fits one word: read it without the general machinery.
    if let Some(hi) = size.hi.filter(|&hi| hi <= 64) {
        let start = r.position();
        if !(size.ext && r.read_bit()?) {
            let n = decode_constrained_length(r, size.lo, hi, start)?;
            out.read_from(r, n)?;
            return Ok(out);
        }
        // Outside the root: a general length follows the extension bit.
        let total = decode_sized(r, Size::UNBOUNDED, 1, |r, n| out.read_from(r, n))?;
        debug_assert_eq!(total, out.len());
        return Ok(out);
    }
    decode_sized(r, size, 1, |r, n| out.read_from(r, n))?;
    Ok(out)
}

/// Encodes a BIT STRING with a SIZE constraint.
#[inline(always)]
pub fn encode_bits(w: &mut BitWriter, bits: &BitString, size: Size) -> Result<()> {
    let n = bits.len();
    let in_short_root = |hi: &u32| *hi <= 64 && n >= size.lo as usize && n <= *hi as usize;
    if let Some(hi) = size.hi.filter(in_short_root) {
        // In the root and at most one word: the same fields as encode_sized, inline.
        if size.ext {
            w.write_bit(false);
        }
        w.write_bits(
            (n - size.lo as usize) as u64,
            bits_for_span(u64::from(hi - size.lo)),
        );
        bits.write_to(w, 0, n);
        return Ok(());
    }
    encode_sized(w, size, bits.len(), |w, a, b| {
        bits.write_to(w, a, b);
        Ok(())
    })
}

/// Decodes an IA5String with a SIZE constraint and no alphabet constraint: 7 bits a character
/// (30.5.3, UNALIGNED).
pub fn decode_ia5(r: &mut BitReader<'_>, size: Size) -> Result<String> {
    let mut out: Vec<u8> = Vec::new();
    decode_sized(r, size, 7, |r, n| {
        reserve_exact(&mut out, n);
        let mut left = n;
        // Eight characters at a time: one 56-bit read.
        while left > 0 {
            let k = left.min(8);
            let chunk = r.read_bits(7 * k as u32)?;
            for j in (0..k).rev() {
                out.push(((chunk >> (7 * j)) & 0x7f) as u8);
            }
            left -= k;
        }
        Ok(())
    })?;
    Ok(String::from_utf8(out).expect("7-bit characters are ASCII"))
}

/// Room for `n` more elements; the first call allocates exactly, avoiding the growth path.
#[inline]
fn reserve_exact<T>(v: &mut Vec<T>, n: usize) {
    if v.capacity() == 0 {
        *v = Vec::with_capacity(n);
    } else {
        v.reserve(n);
    }
}

/// Encodes an IA5String with a SIZE constraint.
pub fn encode_ia5(w: &mut BitWriter, s: &str, size: Size) -> Result<()> {
    check_ia5(s)?;
    encode_sized(w, size, s.len(), |w, a, b| {
        for chunk in s.as_bytes()[a..b].chunks(8) {
            let packed = chunk.iter().fold(0u64, |acc, &c| (acc << 7) | u64::from(c));
            w.write_bits(packed, 7 * chunk.len() as u32);
        }
        Ok(())
    })
}

/// Checks that every character is in IA5 (0..=127).
pub fn check_ia5(s: &str) -> Result<()> {
    if s.is_ascii() {
        return Ok(());
    }
    match s.chars().find(|c| !c.is_ascii()) {
        Some(character) => Err(Error::new(ErrorKind::InvalidCharacter { character })),
        None => Ok(()),
    }
}

/// Decodes a SEQUENCE OF with a SIZE constraint (clause 20), naming the failing element.
pub fn decode_seq_of<T, F>(r: &mut BitReader<'_>, size: Size, mut element: F) -> Result<Vec<T>>
where
    F: FnMut(&mut BitReader<'_>) -> Result<T>,
{
    let mut out: Vec<T> = Vec::new();
    decode_sized(r, size, 1, |r, n| {
        reserve_exact(&mut out, n);
        for _ in 0..n {
            let i = out.len();
            out.push(element(r).map_err(|e| e.in_element(i))?);
        }
        Ok(())
    })?;
    Ok(out)
}

/// Encodes a SEQUENCE OF with a SIZE constraint.
pub fn encode_seq_of<T, F>(w: &mut BitWriter, items: &[T], size: Size, mut element: F) -> Result<()>
where
    F: FnMut(&mut BitWriter, &T) -> Result<()>,
{
    encode_sized(w, size, items.len(), |w, a, b| {
        for (i, item) in items[a..b].iter().enumerate() {
            element(w, item).map_err(|e| e.in_element(a + i))?;
        }
        Ok(())
    })
}

/// Decodes an open type (clause 11.2): a general length in octets, then a complete encoding
/// that `inner` decodes from a window over exactly those octets.
pub fn decode_open_type<T, F>(r: &mut BitReader<'_>, inner: F) -> Result<T>
where
    F: FnOnce(&mut BitReader<'_>) -> Result<T>,
{
    let start = r.position();
    let (len, more) = decode_general_length(r)?;
    if !more {
        check_fits(r, len, 8)?;
        let mut window = r.split_window(len * 8)?;
        let value = inner(&mut window)?;
        check_padding(&window, len)?;
        return Ok(value);
    }
    // Fragmented (16K octets or more): gather the octets, then decode the copy.
    let mut bytes = Vec::new();
    check_fits(r, len, 8)?;
    r.read_octets_into(len, &mut bytes)?;
    loop {
        let (n, more) = decode_general_length(r)?;
        check_fits(r, n, 8)?;
        r.read_octets_into(n, &mut bytes)?;
        if !more {
            break;
        }
    }
    let mut window = BitReader::new(&bytes);
    let value = inner(&mut window).map_err(|e| e.offset_by(start))?;
    check_padding(&window, bytes.len())?;
    Ok(value)
}

/// After an open type's contents: only padding may remain (at most 7 bits, or the single
/// octet that stands for an empty encoding).
fn check_padding(window: &BitReader<'_>, octets: usize) -> Result<()> {
    let left = window.remaining();
    let consumed = octets * 8 - left;
    if left >= 8 && consumed > 0 {
        return Err(Error::at_bit(
            ErrorKind::TrailingOctets {
                octets: (left / 8) as u64,
            },
            window.position(),
        ));
    }
    Ok(())
}

/// Encodes an open type: `inner` writes a complete encoding, which is padded to whole octets
/// and written with its length (fragmented at 16K octets).
pub fn encode_open_type<F>(w: &mut BitWriter, inner: F) -> Result<()>
where
    F: FnOnce(&mut BitWriter) -> Result<()>,
{
    let mut tmp = BitWriter::with_capacity(256);
    inner(&mut tmp)?;
    let mut bytes = tmp.into_bytes();
    if bytes.is_empty() {
        bytes.push(0);
    }
    encode_octets(w, &bytes, Size::UNBOUNDED)
}

/// Skips an open type whose contents this implementation does not know.
pub fn skip_open_type(r: &mut BitReader<'_>) -> Result<()> {
    decode_open_type(r, |w| {
        let n = w.remaining();
        w.split_window(n).map(|_| ())
    })
}

/// Where a CHOICE or an extensible ENUMERATED points: a root index or an extension index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// An index among the root alternatives or values.
    Root(u64),
    /// An index among the extension additions.
    Extension(u64),
}

/// Decodes a CHOICE index (clause 23) or ENUMERATED index (clause 14) among `root` entries.
#[inline(always)]
pub fn decode_index(r: &mut BitReader<'_>, root: u64, ext: bool) -> Result<Index> {
    let start = r.position();
    if ext && r.read_bit()? {
        return Ok(Index::Extension(decode_normally_small(r)?));
    }
    let i = r.read_bits(bits_for_span(root - 1))?;
    if i >= root {
        return Err(Error::at_bit(
            ErrorKind::UnknownAlternative { index: i },
            start,
        ));
    }
    Ok(Index::Root(i))
}

/// Encodes a CHOICE or ENUMERATED index.
#[inline(always)]
pub fn encode_index(w: &mut BitWriter, index: Index, root: u64, ext: bool) {
    match index {
        Index::Root(i) => {
            if ext {
                w.write_bit(false);
            }
            w.write_bits(i, bits_for_span(root - 1));
        }
        Index::Extension(i) => {
            w.write_bit(true);
            encode_normally_small(w, i);
        }
    }
}

/// Decodes the extension additions of a SEQUENCE (19.7-19.9): the bit-map, then each present
/// addition as an open type. `known` additions are handed to `addition(reader, i)`; later ones,
/// from a newer version of the standard, are skipped.
pub fn decode_extension_additions<F>(
    r: &mut BitReader<'_>,
    known: usize,
    mut addition: F,
) -> Result<()>
where
    F: FnMut(&mut BitReader<'_>, usize) -> Result<()>,
{
    let start = r.position();
    let n = decode_normally_small(r)? as usize + 1;
    if n > r.remaining() {
        return Err(Error::at_bit(
            ErrorKind::LengthExceedsInput {
                length: n as u64,
                available_bits: r.remaining() as u64,
            },
            start,
        ));
    }
    let mut present = Vec::with_capacity(n);
    for _ in 0..n {
        present.push(r.read_bit()?);
    }
    for (i, p) in present.into_iter().enumerate() {
        if !p {
            continue;
        }
        if i < known {
            decode_open_type(r, |w| addition(w, i))?;
        } else {
            skip_open_type(r)?;
        }
    }
    Ok(())
}

/// Encodes the bit-map of `present.len()` extension additions; the caller then writes each
/// present one with [`encode_open_type`].
pub fn encode_extension_bitmap(w: &mut BitWriter, present: &[bool]) {
    encode_normally_small(w, present.len() as u64 - 1);
    for &p in present {
        w.write_bit(p);
    }
}

/// Decodes a complete top-level encoding: the value, then nothing but padding.
pub fn decode_complete<T, F>(bytes: &[u8], decode: F) -> Result<T>
where
    F: FnOnce(&mut BitReader<'_>) -> Result<T>,
{
    let mut r = BitReader::new(bytes);
    let value = decode(&mut r)?;
    let left = r.remaining();
    if left >= 8 {
        return Err(Error::at_bit(
            ErrorKind::TrailingOctets {
                octets: (left / 8) as u64,
            },
            r.position(),
        ));
    }
    Ok(value)
}

/// Encodes a complete top-level encoding, padded to whole octets (an empty one is one zero
/// octet, 11.1).
pub fn encode_complete<F>(capacity: usize, encode: F) -> Result<Vec<u8>>
where
    F: FnOnce(&mut BitWriter) -> Result<()>,
{
    let mut w = BitWriter::with_capacity(capacity);
    encode(&mut w)?;
    let mut bytes = w.into_bytes();
    if bytes.is_empty() {
        bytes.push(0);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip_int(v: i64, lo: i64, hi: i64, ext: bool) -> (usize, i64) {
        let mut w = BitWriter::new();
        encode_integer(&mut w, v, lo, hi, ext).unwrap();
        let bits = w.bit_len();
        let bytes = w.into_bytes();
        let mut r = BitReader::new(&bytes);
        (bits, decode_integer(&mut r, lo, hi, ext).unwrap())
    }

    #[test]
    fn constrained_integers_use_minimum_bits() {
        assert_eq!(
            roundtrip_int(312875000, -900000000, 900000001, false),
            (31, 312875000)
        );
        assert_eq!(roundtrip_int(3, 0, 3, false), (2, 3));
        assert_eq!(roundtrip_int(5, 5, 5, false), (0, 5));
        assert_eq!(
            roundtrip_int(-1, i64::from(i32::MIN), i64::from(i32::MAX), false).0,
            32
        );
    }

    #[test]
    fn extensible_integers_outside_the_root() {
        assert_eq!(
            roundtrip_int(4_294_967_296, 0, 4_294_967_295, true).1,
            4_294_967_296
        );
        assert_eq!(roundtrip_int(-129, 0, 127, true), (1 + 8 + 16, -129));
        assert_eq!(roundtrip_int(100, 0, 127, true), (8, 100));
    }

    #[test]
    fn out_of_range_is_an_error_not_a_wrap() {
        let e = encode_integer(&mut BitWriter::new(), 128, 0, 127, false).unwrap_err();
        assert_eq!(e.to_string(), "value 128 out of range 0..127");
        // 31 bits hold offsets past the Latitude range: decoding one must fail.
        let mut w = BitWriter::new();
        w.write_bits(1_800_000_002, 31);
        let bytes = w.into_bytes();
        let e =
            decode_integer(&mut BitReader::new(&bytes), -900000000, 900000001, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "value 900000002 out of range -900000000..900000001 at bit 0"
        );
    }

    #[test]
    fn fragmented_octet_strings_roundtrip() {
        for n in [0usize, 127, 128, 16383, 16384, 16385, 65536, 70000] {
            let data: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let mut w = BitWriter::new();
            w.write_bit(true); // misalign on purpose
            encode_octets(&mut w, &data, Size::UNBOUNDED).unwrap();
            let bytes = w.into_bytes();
            let mut r = BitReader::new(&bytes);
            assert!(r.read_bit().unwrap());
            assert_eq!(
                decode_octets(&mut r, Size::UNBOUNDED).unwrap(),
                data,
                "n = {n}"
            );
        }
    }

    #[test]
    fn forged_lengths_fail_before_allocating() {
        // 4 x 16K elements claimed by a two-octet input.
        let bytes = [0xc4, 0x00];
        let e = decode_seq_of(&mut BitReader::new(&bytes), Size::UNBOUNDED, |r| {
            r.read_bit()
        })
        .unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::LengthExceedsInput { .. }),
            "{e}"
        );
    }

    #[test]
    fn extensible_sizes_outside_the_root() {
        let size = Size::extensible(13, 13);
        let mut bits = BitString::default();
        for i in 0..20 {
            bits.push_bits(u8::from(i % 3 == 0), 1);
        }
        let mut w = BitWriter::new();
        encode_bits(&mut w, &bits, size).unwrap();
        let bytes = w.into_bytes();
        assert_eq!(
            decode_bits(&mut BitReader::new(&bytes), size).unwrap(),
            bits
        );
    }

    #[test]
    fn normally_small_numbers() {
        for n in [0u64, 1, 63, 64, 255, 256, 100_000] {
            let mut w = BitWriter::new();
            encode_normally_small(&mut w, n);
            let bytes = w.into_bytes();
            assert_eq!(
                decode_normally_small(&mut BitReader::new(&bytes)).unwrap(),
                n
            );
        }
    }
}
