#![no_main]
//! Fuzzes what cluster nodes read from each other (roadcloud-wire): hostile octets never
//! panic nor allocate beyond their length; whatever decodes as a message encodes to octets
//! that decode and encode to the same octets (compared as octets: a snapshot's floats may be
//! NaN).
use roadcloud_wire::{
    Downlink, MirrorBatch, NodeRecord, TileSnapshot, UplinkBatch, ZoneView, decode, encode,
};

fn round_trip<M: roadcloud_wire::Message>(data: &[u8]) {
    if let Ok(m) = decode::<M>(data) {
        let octets = encode(&m);
        let again = decode::<M>(&octets).expect("what was encoded decodes");
        assert_eq!(encode(&again), octets);
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    round_trip::<UplinkBatch>(data);
    round_trip::<Downlink>(data);
    round_trip::<NodeRecord>(data);
    round_trip::<ZoneView>(data);
    round_trip::<TileSnapshot>(data);
    round_trip::<MirrorBatch>(data);
});
