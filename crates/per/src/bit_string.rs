//! BIT STRING values.

use crate::bits::{BitReader, BitWriter};
use crate::error::Result;
use std::fmt;

/// A BIT STRING: `len` bits, bit 0 first (the most significant bit of the first octet).
///
/// The first 64 bits live in a word, which holds every root size of the C-V2X message set,
/// so decoding one is a single read and never allocates; longer strings (extensions) spill
/// into `tail`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct BitString {
    /// Bits 0..64, bit 0 the most significant; unused bits are zero.
    head: u64,
    /// Bits 64.., eight to an octet, most significant first; unused bits are zero.
    tail: Vec<u8>,
    len: usize,
}

impl BitString {
    /// `len` zero bits.
    pub fn zeros(len: usize) -> Self {
        BitString {
            head: 0,
            tail: vec![0; len.saturating_sub(64).div_ceil(8)],
            len,
        }
    }

    /// `len` bits taken from `bytes`, bit 0 first; bits past `len` are ignored.
    ///
    /// Returns `None` when `bytes` holds fewer than `len` bits.
    pub fn from_bytes(bytes: &[u8], len: usize) -> Option<Self> {
        if bytes.len() * 8 < len {
            return None;
        }
        let mut b = BitString::zeros(len);
        for i in 0..len {
            if bytes[i / 8] & (0x80 >> (i % 8)) != 0 {
                b.set(i, true);
            }
        }
        Some(b)
    }

    /// A bit string of `len` bits with the named bits `set` switched on.
    pub fn with_bits(len: usize, set: &[usize]) -> Self {
        let mut b = BitString::zeros(len);
        for &i in set {
            b.set(i, true);
        }
        b
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no bits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bit `i`; bits past the end read as zero (X.680 22.7: trailing zero bits are not
    /// significant for named bits).
    pub fn get(&self, i: usize) -> bool {
        if i >= self.len {
            false
        } else if i < 64 {
            self.head & (1u64 << (63 - i)) != 0
        } else {
            let j = i - 64;
            self.tail[j / 8] & (0x80 >> (j % 8)) != 0
        }
    }

    /// Sets bit `i`, growing the string when `i` is past the end.
    pub fn set(&mut self, i: usize, on: bool) {
        if i >= self.len {
            self.len = i + 1;
            self.tail.resize(self.len.saturating_sub(64).div_ceil(8), 0);
        }
        if i < 64 {
            let m = 1u64 << (63 - i);
            if on { self.head |= m } else { self.head &= !m }
        } else {
            let j = i - 64;
            let m = 0x80u8 >> (j % 8);
            if on {
                self.tail[j / 8] |= m
            } else {
                self.tail[j / 8] &= !m
            }
        }
    }

    /// Appends the low `k` (at most 8) bits of `value`, most significant first.
    pub fn push_bits(&mut self, value: u8, k: usize) {
        for j in (0..k).rev() {
            let i = self.len;
            self.set(i, (value >> j) & 1 == 1);
        }
    }

    /// Appends `n` bits read from `r`.
    #[inline(always)]
    pub(crate) fn read_from(&mut self, r: &mut BitReader<'_>, n: usize) -> Result<()> {
        r.ensure(n)?;
        if self.len == 0 && n <= 64 {
            // Every root size in the message set: one read.
            if n > 0 {
                self.head = r.read_bits(n as u32)? << (64 - n);
            }
            self.len = n;
            return Ok(());
        }
        for _ in 0..n {
            let bit = r.read_bit()?;
            let i = self.len;
            self.set(i, bit);
        }
        Ok(())
    }

    /// Writes bits `a..b`.
    #[inline(always)]
    pub(crate) fn write_to(&self, w: &mut BitWriter, a: usize, b: usize) {
        if a == 0 && b <= 64 {
            if b > 0 {
                w.write_bits(self.head >> (64 - b), b as u32);
            }
            return;
        }
        for i in a..b {
            w.write_bit(self.get(i));
        }
    }

    /// The bits as octets, the last one padded with zero bits.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.head.to_be_bytes().to_vec();
        out.extend_from_slice(&self.tail);
        out.truncate(self.len.div_ceil(8));
        out
    }
}

impl fmt::Debug for BitString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BitString(")?;
        for i in 0..self.len {
            f.write_str(if self.get(i) { "1" } else { "0" })?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_past_the_first_word_spill_into_the_tail() {
        let mut b = BitString::zeros(70);
        b.set(0, true);
        b.set(63, true);
        b.set(64, true);
        b.set(69, true);
        assert_eq!(b.to_bytes(), vec![0x80, 0, 0, 0, 0, 0, 0, 0x01, 0x84]);
        assert_eq!(BitString::from_bytes(&b.to_bytes(), 70), Some(b.clone()));
        b.set(69, false);
        assert!(!b.get(69) && b.get(64) && !b.get(200));
    }
}
