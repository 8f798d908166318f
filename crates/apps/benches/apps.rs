//! The applications' cost: every application of the registry (the 16 Day-1 applications
//! and the Day-2 services' parts that run on the scene) over one tile's scene with 100 and
//! with 1,000 participants.
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

/// How far along its column a car drives before it leaves the tile, metres.
const COLUMN_M: f64 = 290.0;

/// The `n` cars of the zone: in columns 7 m apart across tile (0, 0) (300 m square
/// north-east of the intersection), every other column heading north, the rest south, at 8
/// to 16 m/s (one speed per column), spread along their columns. Each drives its column at
/// its speed, and one that reaches the tile's edge leaves it and a new car (a new id)
/// enters where it came in: the tile always holds `n` cars that move as their reports say.
/// (Cars that stood still while reporting a speed, as this bench's once did, are taken for
/// liars by misbehaviour detection within a second and their reports left out: the bench
/// then measured a pipeline that applied nothing.)
struct Cars {
    n: usize,
    /// When the run started, ms since the epoch.
    start: i64,
}

impl Cars {
    /// Car `i`'s state `t` ms since the epoch.
    fn at(&self, i: usize, t: i64) -> VehicleState {
        let column = (i % 40) as f64;
        let rows = (self.n as f64 / 40.0).ceil();
        // One speed per column: its cars keep their distances.
        let speed = 8.0 + (i % 40 % 9) as f64;
        let driven = (i / 40) as f64 * (COLUMN_M / rows) + speed * (t - self.start) as f64 / 1e3;
        let lap = (driven / COLUMN_M).floor() as u64;
        let along = driven - lap as f64 * COLUMN_M;
        let north_bound = (i % 40).is_multiple_of(2);
        VehicleState::car(
            (0x5b00_0000_0000_0000_u64 | lap << 24 | i as u64).to_be_bytes(),
            Point {
                east_m: 5.0 + column * 7.0,
                north_m: if north_bound {
                    5.0 + along
                } else {
                    5.0 + COLUMN_M - along
                },
            },
            if north_bound { 0.0 } else { 180.0 },
            speed,
        )
    }
}

/// The zone: the MAP vector's intersection at tile (0, 0)'s corner and `n` cars' first
/// BSMs ([`Cars`]).
fn zone(n: usize) -> (Pipeline, Cars) {
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
    let cars = Cars { n, start: now };
    for i in 0..n {
        report(&mut p, &cars.at(i, now), now);
    }
    (p, cars)
}

/// A car's BSM at `t`, through the pipeline.
fn report(p: &mut Pipeline, v: &VehicleState, t: i64) {
    let m = MessageFrame::BsmFrame(bsm(&p.frame, v, 0, t));
    // Counted, and checked after the run: every report is admitted.
    let _ = p.ingest(&frame(
        Topic::uplink(DeviceKind::Obu, DeviceId(v.id), MessageKind::Bsm),
        m,
        t,
    ));
}

fn apps(c: &mut Criterion) {
    let mut g = c.benchmark_group("apps");
    for n in [100, 1_000] {
        let (mut p, cars) = zone(n);
        let now = cars.start;
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
        // Each iteration is a millisecond of the zone's time: a car reports every `n` ms
        // (10 Hz at 100 cars, 1 Hz at 1,000).
        let mut t = now;
        let mut i = 0;
        g.bench_with_input(BenchmarkId::new("update_and_evaluate", n), &n, |b, _| {
            b.iter(|| {
                t += 1;
                let v = cars.at(i % n, t);
                i += 1;
                // A car's first report after leaving the tile starts a new track; the rest
                // move theirs. Nothing is turned away or quarantined (checked below).
                report(&mut p, &v, t);
                // The server's tick lets time pass every 100 ms: the tracks of cars that
                // left go.
                if t % 100 == 0 {
                    p.expire(t);
                }
                std::hint::black_box(p.evaluate(t).len())
            })
        });
        assert_eq!(
            p.counters.quarantined_reports, 0,
            "no car taken for a liar: every report moved its track"
        );
        assert_eq!(
            p.counters.admitted, p.counters.received,
            "every report admitted"
        );
        let tracks = p.tracks().view(tile).own.len();
        assert!(
            tracks < 2 * n,
            "{tracks} tracks in the tile at the end: the cars that left are gone (each car leaves \
             within 40 s, the bench runs hundreds of seconds of the zone's time)"
        );
    }
    g.finish();
}

criterion_group!(benches, apps);
criterion_main!(benches);
