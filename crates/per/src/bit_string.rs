//! BIT STRING values.

use smallvec::SmallVec;
use std::fmt;

/// A BIT STRING: `len` bits, bit 0 the most significant bit of the first octet.
///
/// Up to 64 bits live inline (every root size in the C-V2X message set fits), so decoding one
/// does not allocate.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct BitString {
    bytes: SmallVec<[u8; 8]>,
    len: usize,
}

impl BitString {
    /// `len` zero bits.
    pub fn zeros(len: usize) -> Self {
        BitString {
            bytes: SmallVec::from_elem(0, len.div_ceil(8)),
            len,
        }
    }

    /// `len` bits taken from `bytes`, bit 0 first; bits past `len` are cleared.
    ///
    /// Returns `None` when `bytes` holds fewer than `len` bits.
    pub fn from_bytes(bytes: &[u8], len: usize) -> Option<Self> {
        let n = len.div_ceil(8);
        if bytes.len() < n {
            return None;
        }
        let mut b = BitString {
            bytes: SmallVec::from_slice(&bytes[..n]),
            len,
        };
        if len % 8 != 0 {
            let last = b.bytes.len() - 1;
            b.bytes[last] &= 0xffu8 << (8 - len % 8);
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
        i < self.len && self.bytes[i / 8] & (0x80 >> (i % 8)) != 0
    }

    /// Sets bit `i`, growing the string when `i` is past the end.
    pub fn set(&mut self, i: usize, on: bool) {
        if i >= self.len {
            self.len = i + 1;
            self.bytes.resize(self.len.div_ceil(8), 0);
        }
        if on {
            self.bytes[i / 8] |= 0x80 >> (i % 8);
        } else {
            self.bytes[i / 8] &= !(0x80 >> (i % 8));
        }
    }

    /// Appends the low `k` (at most 8) bits of `value`, most significant first.
    pub fn push_bits(&mut self, value: u8, k: usize) {
        for j in (0..k).rev() {
            let i = self.len;
            self.set(i, (value >> j) & 1 == 1);
        }
    }

    /// The octets, padded with zero bits.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
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
