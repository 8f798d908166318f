//! Decode and encode speed of one MessageFrame per Day I message type and SSM, on the public
//! vectors: `cargo bench -p roadcloud-csae --bench codec`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use roadcloud_csae::{MessageFrame, decode, encode};
use std::hint::black_box;
use std::path::PathBuf;

/// The vectors measured, one per message type.
const VECTORS: &[(&str, &str)] = &[
    ("BSM", "csae53-2020/bsm_01_passenger_car"),
    ("MAP", "csae53-2020/map_01_anting_4arm"),
    ("SPAT", "csae53-2020/spat_01_anting_counting"),
    ("RSM", "csae53-2020/rsm_01_three_participants"),
    ("RSI", "csae53-2020/rsi_03_event_and_signs"),
    ("SSM", "csae157-2020/ssm_01_rsu_sensor_sharing"),
];

fn vector(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("ROADCLOUD_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/vectors")
        });
    let text = std::fs::read_to_string(dir.join(format!("{name}.uper.hex")))
        .unwrap_or_else(|e| panic!("vector {name}: {e}"));
    roadcloud_per::jer::unhex(text.trim()).expect("hex")
}

fn codec(c: &mut Criterion) {
    for (kind, name) in VECTORS {
        let bytes = vector(name);
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
