//! Random valid values, for property tests and structure-aware fuzzing: every value produced
//! satisfies the standard's constraints, so it must round-trip through every encoding.

use crate::bit_string::BitString;
use crate::uper::Size;
use arbitrary::{Result, Unstructured};

/// True one time in `n`, and false once the input is used up (unlike `Unstructured::ratio`,
/// which then says true and would make every list as long as it may be).
fn one_in(u: &mut Unstructured<'_>, n: u8) -> Result<bool> {
    Ok(u.int_in_range(1..=n)? == n)
}

/// An INTEGER in `lo..=hi`; for an extensible type, now and then one outside the root.
pub fn integer(u: &mut Unstructured<'_>, lo: i64, hi: i64, ext: bool) -> Result<i64> {
    if ext && one_in(u, 8)? {
        return u.arbitrary::<i64>();
    }
    // Favour the bounds: they are where encodings break.
    Ok(match u.int_in_range(0u8..=9)? {
        0 => lo,
        1 => hi,
        _ => u.int_in_range(lo..=hi)?,
    })
}

/// A size allowed by `size`: mostly small, sometimes the upper bound, and for an extensible
/// constraint sometimes outside the root.
pub fn size(u: &mut Unstructured<'_>, size: Size) -> Result<usize> {
    let lo = size.lo as usize;
    let hi = size.hi.map_or(lo + 200, |h| h as usize);
    if size.ext && one_in(u, 8)? {
        return u.int_in_range(hi + 1..=hi + 24);
    }
    if one_in(u, 10)? {
        return Ok(hi.min(lo + 600));
    }
    u.int_in_range(lo..=hi.min(lo + 3))
}

/// An OCTET STRING within its SIZE.
pub fn octets(u: &mut Unstructured<'_>, s: Size) -> Result<Vec<u8>> {
    let n = size(u, s)?;
    (0..n).map(|_| u.arbitrary::<u8>()).collect()
}

/// A BIT STRING within its SIZE.
pub fn bits(u: &mut Unstructured<'_>, s: Size) -> Result<BitString> {
    let n = size(u, s)?;
    let mut b = BitString::zeros(n);
    for i in 0..n {
        b.set(i, u.arbitrary()?);
    }
    Ok(b)
}

/// An IA5String within its SIZE.
pub fn ia5(u: &mut Unstructured<'_>, s: Size) -> Result<String> {
    let n = size(u, s)?;
    (0..n)
        .map(|_| Ok(char::from(u.int_in_range(0u8..=127)?)))
        .collect()
}

/// A SEQUENCE OF within its SIZE.
pub fn seq_of<T>(
    u: &mut Unstructured<'_>,
    s: Size,
    mut element: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let n = size(u, s)?;
    (0..n).map(|_| element(u)).collect()
}
