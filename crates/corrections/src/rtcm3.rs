//! RTCM 3 transport framing (RTCM Standard 10403.x, §4): what an NTRIP caster or a base
//! station streams is a sequence of frames
//!
//! ```text
//! 0xD3 | 6 reserved bits (0) | 10-bit payload length | payload | CRC-24Q (24 bits)
//! ```
//!
//! with the CRC over the header and the payload. A stream joined midway, cut by the
//! network or carrying noise resynchronises at the next preamble whose frame checks.

use crc::{CRC_24_LTE_A, Crc};

/// RTCM 3's CRC-24Q: polynomial 0x864CFB, initial value 0, no reflection, no final XOR
/// (catalogued as CRC-24/LTE-A, check value 0xCDE703).
const CRC24Q: Crc<u32> = Crc::<u32>::new(&CRC_24_LTE_A);

/// The preamble every frame starts with.
const PREAMBLE: u8 = 0xD3;

/// The longest payload the 10-bit length allows, octets.
pub const MAX_PAYLOAD: usize = 1023;

/// Header and CRC around a payload, octets.
const OVERHEAD: usize = 3 + 3;

/// CRC-24Q of `data`.
pub fn crc24q(data: &[u8]) -> u32 {
    CRC24Q.checksum(data)
}

/// One RTCM 3 frame, checked: preamble, length, payload and CRC, as on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame(Vec<u8>);

impl Frame {
    /// The frame around `payload` (at most [`MAX_PAYLOAD`] octets; `None` beyond).
    pub fn encode(payload: &[u8]) -> Option<Frame> {
        if payload.len() > MAX_PAYLOAD {
            return None;
        }
        let mut f = Vec::with_capacity(payload.len() + OVERHEAD);
        f.extend_from_slice(&[PREAMBLE, (payload.len() >> 8) as u8, payload.len() as u8]);
        f.extend_from_slice(payload);
        let crc = crc24q(&f);
        f.extend_from_slice(&crc.to_be_bytes()[1..]);
        Some(Frame(f))
    }

    /// The whole frame, preamble to CRC.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The message it carries, without header and CRC.
    pub fn payload(&self) -> &[u8] {
        &self.0[3..self.0.len() - 3]
    }

    /// The message number (DF002, the payload's first 12 bits); `None` for a payload
    /// shorter than that.
    pub fn message_number(&self) -> Option<u16> {
        match self.payload() {
            [a, b, ..] => Some((u16::from(*a) << 4) | (u16::from(*b) >> 4)),
            _ => None,
        }
    }
}

/// Finds frames in a byte stream fed in pieces. Holds at most one frame's worth of bytes
/// that do not yet make a frame, however the stream is cut.
#[derive(Debug, Default)]
pub struct Framer {
    pending: Vec<u8>,
    /// Octets skipped looking for a frame that checks (noise, a frame cut short, a bad
    /// CRC).
    pub skipped: u64,
}

impl Framer {
    /// A framer that has seen nothing yet.
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Takes `bytes` in and returns the frames they complete, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Frame> {
        self.pending.extend_from_slice(bytes);
        let mut frames = Vec::new();
        let mut at = 0;
        loop {
            // The next preamble; what comes before it cannot start a frame.
            match self.pending[at..].iter().position(|&b| b == PREAMBLE) {
                Some(i) => {
                    self.skipped += i as u64;
                    at += i;
                }
                None => {
                    self.skipped += (self.pending.len() - at) as u64;
                    at = self.pending.len();
                    break;
                }
            }
            let rest = &self.pending[at..];
            if rest.len() < 3 {
                break;
            }
            // The six bits after the preamble are reserved, 0: a preamble followed by
            // anything else is payload or noise.
            if rest[1] & 0xFC != 0 {
                self.skipped += 1;
                at += 1;
                continue;
            }
            let len = (usize::from(rest[1] & 0x03) << 8) | usize::from(rest[2]);
            if rest.len() < len + OVERHEAD {
                break;
            }
            let (body, crc) = rest[..len + OVERHEAD].split_at(len + 3);
            let sent = u32::from_be_bytes([0, crc[0], crc[1], crc[2]]);
            if crc24q(body) == sent {
                frames.push(Frame(rest[..len + OVERHEAD].to_vec()));
                at += len + OVERHEAD;
            } else {
                self.skipped += 1;
                at += 1;
            }
        }
        self.pending.drain(..at);
        frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_is_crc_24q() {
        assert_eq!(crc24q(b"123456789"), 0xCDE703);
    }

    #[test]
    fn frames_come_out_however_the_stream_is_cut() {
        let a = Frame::encode(&[0x3E, 0xD0, 1, 2, 3]).unwrap();
        let b = Frame::encode(&[0x43, 0x50, 0xD3, 0x00]).unwrap();
        let stream: Vec<u8> = [a.as_bytes(), b.as_bytes()].concat();
        for cut in 0..stream.len() {
            let mut f = Framer::new();
            let mut got = f.push(&stream[..cut]);
            got.extend(f.push(&stream[cut..]));
            assert_eq!(got, vec![a.clone(), b.clone()], "cut at {cut}");
            assert_eq!(f.skipped, 0);
        }
        assert_eq!(a.message_number(), Some(1005));
        assert_eq!(b.message_number(), Some(1077));
    }

    #[test]
    fn noise_and_a_bad_crc_are_skipped() {
        let a = Frame::encode(&[0x3E, 0xD0, 9]).unwrap();
        let mut bad = a.as_bytes().to_vec();
        *bad.last_mut().unwrap() ^= 1;
        let stream = [&[0xD3, 0xFF, 0x00, 7][..], &bad, a.as_bytes()].concat();
        let mut f = Framer::new();
        assert_eq!(f.push(&stream), vec![a]);
        assert_eq!(f.skipped, 4 + bad.len() as u64);
        assert!(f.pending.is_empty());
    }

    #[test]
    fn a_payload_longer_than_the_length_field_has_no_frame() {
        assert!(Frame::encode(&[0; MAX_PAYLOAD]).is_some());
        assert!(Frame::encode(&[0; MAX_PAYLOAD + 1]).is_none());
    }

    proptest::proptest! {
        #[test]
        fn any_stream_is_taken_without_panic_and_held_bounded(
            chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..600), 0..20)
        ) {
            let mut f = Framer::new();
            for c in &chunks {
                for frame in f.push(c) {
                    let (body, crc) = frame.as_bytes().split_at(frame.as_bytes().len() - 3);
                    proptest::prop_assert_eq!(&crc24q(body).to_be_bytes()[1..], crc);
                }
                proptest::prop_assert!(f.pending.len() < MAX_PAYLOAD + OVERHEAD);
            }
        }
    }
}
