//! Decode and encode speed of one MessageFrame per Day I message type and SSM, on the public
//! vectors: `cargo bench -p roadcloud-csae --bench codec`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use roadcloud_csae::{MessageFrame, decode, encode};
use std::hint::black_box;

/// The vectors measured, one per message type.
const VECTORS: &[(&str, &str)] = &[
    ("BSM", "csae53-2020/bsm_01_passenger_car"),
    ("MAP", "csae53-2020/map_01_anting_4arm"),
    ("SPAT", "csae53-2020/spat_01_anting_counting"),
    ("RSM", "csae53-2020/rsm_01_three_participants"),
    ("RSI", "csae53-2020/rsi_03_event_and_signs"),
    ("SSM", "csae157-2020/ssm_01_rsu_sensor_sharing"),
];

fn codec(c: &mut Criterion) {
    for (kind, name) in VECTORS {
        let bytes = roadcloud_testkit::vector_bytes(name);
        let frame: MessageFrame = decode(&bytes).unwrap();
        let mut g = c.benchmark_group(*kind);
        g.throughput(Throughput::Elements(1));
        g.bench_function("decode", |b| {
            b.iter(|| decode::<MessageFrame>(black_box(&bytes)).unwrap())
        });
        g.bench_function("encode", |b| b.iter(|| encode(black_box(&frame)).unwrap()));
        g.finish();
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
