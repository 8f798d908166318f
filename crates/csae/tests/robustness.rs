//! Hostile input: every prefix of every vector, random octets and bit-flipped vectors give an
//! error or a value that re-encodes consistently. Never a panic.

mod common;

use proptest::prelude::*;
use roadcloud_csae::{MessageFrame, decode, encode};

/// Decoding either fails or yields a value that encodes and decodes back to itself.
fn check(bytes: &[u8]) {
    if let Ok(frame) = decode::<MessageFrame>(bytes) {
        let again = encode(&frame).expect("a decoded value always encodes");
        let back: MessageFrame = decode(&again).expect("its encoding decodes");
        assert_eq!(back, frame);
    }
}

#[test]
fn every_prefix_of_every_vector_is_an_error() {
    for v in common::all() {
        for n in 0..v.bytes.len() {
            let prefix = &v.bytes[..n];
            // A strict prefix lacks bits the value needs, except where only padding was cut.
            if let Ok(frame) = decode::<MessageFrame>(prefix) {
                panic!("{}: prefix of {n} octets decoded to {frame:?}", v.name);
            }
        }
    }
}

#[test]
fn every_single_bit_flip_of_every_vector_is_handled() {
    for v in common::all() {
        for bit in 0..v.bytes.len() * 8 {
            let mut b = v.bytes.clone();
            b[bit / 8] ^= 0x80 >> (bit % 8);
            check(&b);
        }
    }
}

#[test]
fn forged_huge_lengths_fail_fast() {
    // msgFrameExt whose open type claims 4 x 16K octets, and nothing behind it.
    let e = decode::<MessageFrame>(&[0x80, 0xc4, 0x00, 0x00]).unwrap_err();
    assert!(e.to_string().contains("cannot fit"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5_000, ..ProptestConfig::default() })]

    #[test]
    fn random_octets(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes);
    }

    #[test]
    fn vectors_with_random_damage(which in 0usize..14, flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let all = common::all();
        let mut b = all[which % all.len()].bytes.clone();
        for (pos, x) in flips {
            let n = b.len();
            b[pos % n] ^= x;
        }
        check(&b);
    }
}
