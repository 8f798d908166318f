//! The applications' cost: every one of the 16 Day-1 applications over one tile's scene with
//! 100 and with 1,000 participants.
//!
//! `cargo bench -p roadcloud-apps --bench apps` prints, per size:
//! - `evaluate_all/N`: one full re-evaluation (scene built, every application run);
//! - `update_and_evaluate/N`: one world update as `serve` runs it: one vehicle's BSM through
//!   the pipeline, then the applications over the tile it changed, through the gate.
//!
//! With mimalloc, the allocator `roadcloud serve` runs with.

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use roadcloud_apps::{Registry, Scene};
use roadcloud_csae::MessageFrame;
use roadcloud_pipeline::{Pipeline, PipelineConfig};
use roadcloud_sim::messages::{VehicleState, bsm};
use roadcloud_transport::{DeviceId, DeviceKind, Frame, MessageKind, Topic, Transport};
use roadcloud_world::{Point, TileId};

// The allocator `roadcloud serve` runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn frame(topic: String, m: MessageFrame, now: i64) -> Frame {
    Frame {
        transport: Transport::Mqtt,
        topic,
        payload: Bytes::from(roadcloud_csae::encode(&m).expect("encodes")),
        received_at: now,
        ack: None,
    }
}

/// `n` vehicles in tile (0, 0) (300 m square north-east of the intersection), in rows
/// heading north and south at 8 to 16 m/s, with the MAP vector's intersection at the tile's
/// corner.
fn zone(n: usize) -> (Pipeline, Vec<VehicleState>, i64) {
    let mut p = Pipeline::new(PipelineConfig::default());
    let now = roadcloud_transport::now_millis();
    let map = roadcloud_testkit::vector53("map_01_anting_4arm");
    let rsu = DeviceId(*b"RSU-AT01");
    p.ingest(&frame(
        Topic::uplink(DeviceKind::Rsu, rsu, MessageKind::Map),
        map,
        now,
    ))
    .expect("MAP admitted");
    let cars: Vec<VehicleState> = (0..n)
        .map(|i| {
            let column = (i % 40) as f64;
            let row = (i / 40) as f64;
            let north_bound = i % 2 == 0;
            VehicleState::car(
                (0x5b00_0000_0000_0000_u64 | i as u64).to_be_bytes(),
                Point {
                    east_m: 5.0 + column * 7.0,
                    north_m: 5.0 + row * (290.0 / (n as f64 / 40.0).ceil()),
                },
                if north_bound { 0.0 } else { 180.0 },
                8.0 + (i % 9) as f64,
            )
        })
        .collect();
    for v in &cars {
        let m = MessageFrame::BsmFrame(bsm(&p.frame, v, 0, now));
        p.ingest(&frame(
            Topic::uplink(DeviceKind::Obu, DeviceId(v.id), MessageKind::Bsm),
            m,
            now,
        ))
        .expect("BSM admitted");
    }
    (p, cars, now)
}

fn apps(c: &mut Criterion) {
    let mut g = c.benchmark_group("apps");
    for n in [100, 1_000] {
        let (mut p, cars, now) = zone(n);
        let tile = TileId { east: 0, north: 0 };
        assert_eq!(p.tracks().view(tile).own.len(), n, "every car in the tile");
        let registry = Registry::new();
        let mut out = Vec::new();
        g.bench_with_input(BenchmarkId::new("evaluate_all", n), &n, |b, _| {
            b.iter(|| {
                let view = p.tracks().view(tile);
                let scene = Scene::new(
                    now,
                    &view,
                    &p.lanes,
                    &p.intersections,
                    &p.signals,
                    p.events.values(),
                );
                out.clear();
                registry.evaluate(&scene, &mut out);
                std::hint::black_box(out.len())
            })
        });
        let mut t = now;
        let mut i = 0;
        g.bench_with_input(BenchmarkId::new("update_and_evaluate", n), &n, |b, _| {
            b.iter(|| {
                t += 1;
                let v = &cars[i % cars.len()];
                i += 1;
                let m = MessageFrame::BsmFrame(bsm(&p.frame, v, 0, t));
                let f = frame(
                    Topic::uplink(DeviceKind::Obu, DeviceId(v.id), MessageKind::Bsm),
                    m,
                    t,
                );
                let _ = p.ingest(&f);
                std::hint::black_box(p.evaluate(t).len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, apps);
criterion_main!(benches);
