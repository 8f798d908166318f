//! Bit-level reading and writing, most significant bit first, as X.691 lays out UPER.

use crate::error::{Error, ErrorKind, Result};

/// Reads bits from a byte slice, bounded by a bit window so an open type can be decoded in
/// place without copying.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> BitReader<'a> {
    /// A reader over all of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        BitReader {
            data,
            pos: 0,
            end: data.len() * 8,
        }
    }

    /// The bit offset of the next bit to read, from the start of the underlying input.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// How many bits are left before the end of the window.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// A reader over the next `bits` bits; `self` skips past them.
    pub fn split_window(&mut self, bits: usize) -> Result<BitReader<'a>> {
        self.ensure(bits)?;
        let window = BitReader {
            data: self.data,
            pos: self.pos,
            end: self.pos + bits,
        };
        self.pos += bits;
        Ok(window)
    }

    /// Fails unless at least `bits` bits are left.
    #[inline]
    pub fn ensure(&self, bits: usize) -> Result<()> {
        if bits > self.remaining() {
            return Err(self.end_error(bits));
        }
        Ok(())
    }

    #[cold]
    fn end_error(&self, bits: usize) -> Error {
        Error::at_bit(
            ErrorKind::UnexpectedEnd {
                needed_bits: bits as u64,
                available_bits: self.remaining() as u64,
            },
            self.pos,
        )
    }

    /// Reads one bit.
    #[inline(always)]
    pub fn read_bit(&mut self) -> Result<bool> {
        if self.pos >= self.end {
            return Err(self.end_error(1));
        }
        let bit = (self.data[self.pos >> 3] >> (7 - (self.pos & 7))) & 1;
        self.pos += 1;
        Ok(bit == 1)
    }

    /// Reads `n` bits (at most 64) as an unsigned number, first bit most significant.
    #[inline(always)]
    pub fn read_bits(&mut self, n: u32) -> Result<u64> {
        debug_assert!(n <= 64);
        let shift = (self.pos & 7) as u32;
        if n == 0 {
            return Ok(0);
        }
        if n as usize <= self.end - self.pos && n + shift <= 64 {
            let byte = self.pos >> 3;
            let word = match self.data.get(byte..byte + 8) {
                Some(w) => u64::from_be_bytes(w.try_into().expect("eight octets")),
                None => self.padded_word(byte),
            };
            self.pos += n as usize;
            return Ok((word << shift) >> (64 - n));
        }
        self.read_bits_slow(n)
    }

    /// The eight octets from `byte`, zero past the end of the input.
    #[inline]
    fn padded_word(&self, byte: usize) -> u64 {
        let len = self.data.len();
        if len >= 8 && byte < len {
            // The input's last word, shifted so that `byte` leads.
            let last = &self.data[len - 8..];
            let w = u64::from_be_bytes(last.try_into().expect("eight octets"));
            return w << ((byte - (len - 8)) * 8);
        }
        let mut buf = [0u8; 8];
        let avail = &self.data[byte.min(self.data.len())..];
        let k = avail.len().min(8);
        buf[..k].copy_from_slice(&avail[..k]);
        u64::from_be_bytes(buf)
    }

    /// Zero bits, fields that straddle nine octets, and errors.
    #[cold]
    #[inline(never)]
    fn read_bits_slow(&mut self, n: u32) -> Result<u64> {
        if n as usize > self.remaining() {
            return Err(self.end_error(n as usize));
        }
        if n == 0 {
            return Ok(0);
        }
        let hi = self.read_bits(n - 32)?;
        let lo = self.read_bits(32)?;
        Ok(hi << 32 | lo)
    }

    /// Reads `n` whole octets (not necessarily aligned) into `out`.
    pub fn read_octets_into(&mut self, n: usize, out: &mut Vec<u8>) -> Result<()> {
        let bits = n.checked_mul(8).ok_or_else(|| self.end_error(usize::MAX))?;
        self.ensure(bits)?;
        if out.capacity() == 0 {
            *out = Vec::with_capacity(n);
        }
        if self.pos & 7 == 0 {
            let start = self.pos >> 3;
            out.extend_from_slice(&self.data[start..start + n]);
            self.pos += bits;
        } else {
            out.reserve(n);
            let mut chunks = n / 4;
            while chunks > 0 {
                out.extend_from_slice(&(self.read_bits(32)? as u32).to_be_bytes());
                chunks -= 1;
            }
            for _ in 0..n % 4 {
                out.push(self.read_bits(8)? as u8);
            }
        }
        Ok(())
    }

    /// Reads exactly `out.len()` octets.
    pub fn read_octets_exact(&mut self, out: &mut [u8]) -> Result<()> {
        self.ensure(out.len() * 8)?;
        if self.pos & 7 == 0 {
            let start = self.pos >> 3;
            out.copy_from_slice(&self.data[start..start + out.len()]);
            self.pos += out.len() * 8;
        } else {
            let mut chunks = out.chunks_exact_mut(4);
            for c in &mut chunks {
                c.copy_from_slice(&(self.read_bits(32)? as u32).to_be_bytes());
            }
            for b in chunks.into_remainder() {
                *b = self.read_bits(8)? as u8;
            }
        }
        Ok(())
    }
}

/// Appends bits to a growing buffer, most significant bit first.
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    buf: Vec<u8>,
    /// Pending bits, right-aligned; fewer than 32 between calls.
    acc: u64,
    nacc: u32,
}

impl BitWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `bytes` octets.
    pub fn with_capacity(bytes: usize) -> Self {
        BitWriter {
            buf: Vec::with_capacity(bytes),
            acc: 0,
            nacc: 0,
        }
    }

    /// Number of bits written so far.
    #[inline]
    pub fn bit_len(&self) -> usize {
        self.buf.len() * 8 + self.nacc as usize
    }

    /// Writes one bit.
    #[inline]
    pub fn write_bit(&mut self, bit: bool) {
        self.write_bits(u64::from(bit), 1);
    }

    /// Writes the low `n` bits (at most 64) of `value`, most significant first.
    #[inline(always)]
    pub fn write_bits(&mut self, value: u64, n: u32) {
        debug_assert!(n <= 64);
        if n == 0 {
            return;
        }
        if n > 32 {
            return self.write_bits_wide(value, n);
        }
        // Fewer than 32 bits are pending, so 63 at most after this: flush whole words.
        self.acc = (self.acc << n) | (value & ((1u64 << n) - 1));
        self.nacc += n;
        if self.nacc >= 32 {
            self.nacc -= 32;
            let word = (self.acc >> self.nacc) as u32;
            self.buf.extend_from_slice(&word.to_be_bytes());
            self.acc &= (1u64 << self.nacc) - 1;
        }
    }

    #[inline(never)]
    fn write_bits_wide(&mut self, value: u64, n: u32) {
        self.write_bits(value >> 32, n - 32);
        self.write_bits(value & 0xffff_ffff, 32);
    }

    fn flush_octets(&mut self) {
        while self.nacc >= 8 {
            self.nacc -= 8;
            self.buf.push((self.acc >> self.nacc) as u8);
        }
        self.acc &= (1u64 << self.nacc) - 1;
    }

    /// Writes whole octets (aligned or not).
    pub fn write_octets(&mut self, bytes: &[u8]) {
        self.flush_octets();
        if self.nacc == 0 {
            self.buf.extend_from_slice(bytes);
        } else {
            let mut chunks = bytes.chunks_exact(4);
            for c in &mut chunks {
                self.write_bits(
                    u64::from(u32::from_be_bytes(c.try_into().expect("four octets"))),
                    32,
                );
            }
            for &b in chunks.remainder() {
                self.write_bits(u64::from(b), 8);
            }
        }
    }

    /// Appends everything another writer holds, bit for bit.
    pub fn append(&mut self, other: &BitWriter) {
        self.write_octets(&other.buf);
        self.write_bits(other.acc, other.nacc);
    }

    /// The octets written, the last one padded with zero bits.
    pub fn into_bytes(mut self) -> Vec<u8> {
        self.flush_octets();
        if self.nacc > 0 {
            self.buf.push((self.acc << (8 - self.nacc)) as u8);
        }
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn writer_and_reader_agree(fields in prop::collection::vec((any::<u64>(), 0u32..=64), 0..40)) {
            let mut w = BitWriter::new();
            for &(v, n) in &fields {
                w.write_bits(v, n);
            }
            let bits = w.bit_len();
            let bytes = w.into_bytes();
            prop_assert_eq!(bytes.len(), bits.div_ceil(8));
            let mut r = BitReader::new(&bytes);
            for &(v, n) in &fields {
                let mask = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
                prop_assert_eq!(r.read_bits(n).unwrap(), v & mask);
            }
            prop_assert!(r.remaining() < 8);
        }
    }

    #[test]
    fn reading_past_the_end_is_an_error_with_position() {
        let mut r = BitReader::new(&[0xff]);
        assert_eq!(r.read_bits(5).unwrap(), 0x1f);
        let e = r.read_bits(4).unwrap_err();
        assert_eq!(e.bit(), Some(5));
        assert!(e.to_string().contains("4 more bits needed, 3 left"), "{e}");
    }

    #[test]
    fn windows_bound_reads() {
        let data = [0xab, 0xcd, 0xef];
        let mut r = BitReader::new(&data);
        r.read_bits(4).unwrap();
        let mut w = r.split_window(8).unwrap();
        assert_eq!(w.read_bits(8).unwrap(), 0xbc);
        assert!(w.read_bit().is_err());
        assert_eq!(r.position(), 12);
        assert_eq!(r.read_bits(12).unwrap(), 0xdef);
    }
}
