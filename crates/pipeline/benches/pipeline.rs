//! The in-process pipeline's throughput: UPER BSMs through admission (decode, sender, time
//! window, rate) into the tracks, as `roadcloud serve` runs them, one writer.
//!
//! `cargo bench -p roadcloud-pipeline` prints BSMs per second (criterion's `thrpt`);
//! `cargo bench -p roadcloud-pipeline -- shards` the writer with one tile shard and with two;
//! `cargo bench -p roadcloud-pipeline -- writer_only` the writer with misbehaviour detection
//! (enforce, the default) and without; `cargo bench -p roadcloud-pipeline -- with_apps` the
//! world stage's whole work, the applications included, on `roadcloud bench`'s fleet.

use bytes::Bytes;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use roadcloud_csae::{BasicSafetyMessage, MessageFrame};
use roadcloud_pipeline::{Pipeline, PipelineConfig, ShardPlan};
use roadcloud_transport::{DeviceId, DeviceKind, Frame, MessageKind, Topic, Transport};

// The allocator `roadcloud serve` runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Vehicles in the zone; each sends one BSM per step, as at 10 Hz.
const VEHICLES: usize = 5_000;

fn vehicles() -> Vec<BasicSafetyMessage> {
    let MessageFrame::BsmFrame(template) = roadcloud_testkit::vector53("bsm_01_passenger_car")
    else {
        panic!("the BSM vector is a BSM")
    };
    (0..VEHICLES)
        .map(|i| {
            let mut b = template.clone();
            b.id = (0x5000_0000_0000_0000_u64 + i as u64).to_be_bytes();
            // Spread over a 2 km square so association sees a realistic scene.
            b.pos.lat.0 = 312_866_000 + ((i % 70) as i32) * 2_700;
            b.pos.long.0 = 1_211_655_000 + ((i / 70) as i32) * 3_000;
            // Driving north, each column of the square at a steady speed of its own, 10 to
            // 12.8 m/s (DE_Speed 0.02 m/s), as `step` moves them: reports misbehaviour
            // detection finds consistent, as an honest fleet's are. Within a column each
            // vehicle stamps its reports at a phase of its own in the 100 ms period (`step`),
            // as OBUs do: no two of them move as one (a Sybil's ghosts would), and the
            // columns never meet.
            b.speed.0 = 500 + 2 * (i / 70) as u16;
            b.heading.0 = 0;
            b.accel_set.long.0 = 0;
            b
        })
        .collect()
}

/// One 10 Hz step of every vehicle at `t`: stamped and moved on, encoded as a device sends it.
fn step(vehicles: &mut [BasicSafetyMessage], t: i64) -> Vec<Frame> {
    vehicles
        .iter_mut()
        .enumerate()
        .map(|(i, b)| {
            // Its phase: generated up to 69 ms before the step's moment.
            b.sec_mark.0 = ((t - (i % 70) as i64).rem_euclid(60_000)) as u16;
            // 100 ms at its speed, in 1e-7 degree of latitude (11.1 mm).
            b.pos.lat.0 += (f64::from(b.speed.0) * 0.02 * 0.1 / 0.011_12).round() as i32;
            Frame {
                transport: Transport::Mqtt,
                topic: Topic::uplink(DeviceKind::Obu, DeviceId(b.id), MessageKind::Bsm),
                payload: Bytes::from(
                    roadcloud_csae::encode(&MessageFrame::BsmFrame(b.clone())).expect("encodes"),
                ),
                received_at: t,
                ack: None,
            }
        })
        .collect()
}

/// One step, through the stateless half of admission beforehand.
fn decoded_step(
    vehicles: &mut [BasicSafetyMessage],
    t: i64,
) -> Vec<Result<roadcloud_admission::Decoded, roadcloud_admission::Rejection>> {
    step(vehicles, t)
        .iter()
        .map(roadcloud_admission::decode)
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let mut vehicles = vehicles();
    let mut t = roadcloud_transport::now_millis();
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(VEHICLES as u64));
    // A world that already tracks every vehicle: the steady state of a busy zone.
    let mut p = Pipeline::new(PipelineConfig::default());
    for f in step(&mut vehicles, t) {
        p.ingest(&f).expect("admitted");
    }
    g.bench_function("bsm_5000_vehicles", |b| {
        b.iter_batched(
            || {
                // Each step 100 ms later, as at 10 Hz.
                t += 100;
                (step(&mut vehicles, t), t)
            },
            |(frames, t)| {
                for f in &frames {
                    let _ = p.ingest(f);
                }
                p.finish_batch(t * 1_000);
            },
            BatchSize::PerIteration,
        )
    });
    // As `roadcloud serve` runs it: one thread decodes (the stateless half of admission),
    // the single writer admits and updates the world, batches of 256 between them over a
    // bounded channel.
    g.bench_function("bsm_5000_vehicles_decode_thread", |b| {
        b.iter_batched(
            || {
                t += 100;
                (step(&mut vehicles, t), t)
            },
            |(frames, t)| {
                std::thread::scope(|s| {
                    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<_>>(8);
                    let frames = &frames;
                    s.spawn(move || {
                        for chunk in frames.chunks(256) {
                            let batch = chunk.iter().map(roadcloud_admission::decode).collect();
                            if tx.send(batch).is_err() {
                                return;
                            }
                        }
                    });
                    for batch in rx {
                        for d in batch {
                            let _ = p.ingest_decoded(d);
                        }
                    }
                });
                p.finish_batch(t * 1_000);
            },
            BatchSize::PerIteration,
        )
    });
    // The single writer alone (admission's stateful half and the world), frames decoded
    // beforehand: the ceiling of the two-stage pipeline; and the same with misbehaviour
    // detection off, what detection (enforce, the default) costs the writer. Same process,
    // same run: compare the two.
    for (name, mode) in [
        (
            "bsm_5000_vehicles_writer_only",
            roadcloud_misbehaviour::Mode::Enforce,
        ),
        (
            "bsm_5000_vehicles_writer_only_no_detection",
            roadcloud_misbehaviour::Mode::Off,
        ),
    ] {
        let mut config = PipelineConfig::default();
        config.misbehaviour.mode = mode;
        let mut p = Pipeline::new(config);
        for f in step(&mut vehicles, t) {
            p.ingest(&f).expect("admitted");
        }
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    t += 100;
                    (decoded_step(&mut vehicles, t), t)
                },
                |(decoded, t)| {
                    for d in decoded {
                        let _ = p.ingest_decoded(d);
                    }
                    p.finish_batch(t * 1_000);
                    // Time passes, as `serve`'s tick lets it: without it the detector's
                    // indexes of the last seconds' reports grew for the whole run.
                    p.expire(t);
                },
                BatchSize::PerIteration,
            )
        });
    }
    // The writer with its tiles dealt to one shard and to two (stripes of four tile columns,
    // the default: the fleet's 2 km spans seven, the two columns at the stripes' border are
    // mirrored), batches of 256 as `serve` takes them: what sharding costs the ingest (the
    // applications, which the shards run side by side, are not in this bench). Same
    // process, same run: compare the two.
    for shards in [1, 2] {
        let mut p = Pipeline::new(PipelineConfig {
            shards: ShardPlan {
                shards,
                ..ShardPlan::default()
            },
            ..PipelineConfig::default()
        });
        for f in step(&mut vehicles, t) {
            p.ingest(&f).expect("admitted");
        }
        g.bench_function(format!("bsm_5000_vehicles_writer_{shards}_shards"), |b| {
            b.iter_batched(
                || {
                    t += 100;
                    (decoded_step(&mut vehicles, t), t)
                },
                |(decoded, t)| {
                    let mut decoded = decoded.into_iter().peekable();
                    while decoded.peek().is_some() {
                        for d in decoded.by_ref().take(256) {
                            let _ = p.ingest_decoded(d);
                        }
                        p.finish_batch(t * 1_000);
                    }
                },
                BatchSize::PerIteration,
            )
        });
        assert_eq!(p.tracks().len(), VEHICLES, "one track per vehicle");
    }
    // The decoding alone, to see how the pipeline's time splits.
    let frames = step(&mut vehicles, t);
    g.bench_function("decode_5000_bsm", |b| {
        b.iter(|| {
            for f in &frames {
                std::hint::black_box(
                    roadcloud_csae::decode::<MessageFrame>(&f.payload).expect("decodes"),
                );
            }
        })
    });
    let admitted = p.counters.admitted;
    let received = p.counters.received;
    g.finish();
    assert_eq!(admitted, received, "every BSM of the bench is admitted");
}

/// The world stage's whole work as `roadcloud serve` does it at 50,000 BSM/s: the 5,000
/// vehicles of `roadcloud bench`'s fleet (circles of 50 m to 1.5 km around the origin, as
/// `Fleet` drives them), each reporting once in a 100 ms step at a phase of its own, taken in
/// batches, and after each batch the applications for every vehicle that reported (each
/// batch's vehicles are the scenes' targets). Per BSM, this is what an advisory costs the
/// single writer; the smaller the batch, the fewer vehicles share a scene.
fn with_apps(c: &mut Criterion) {
    let mut fleet = roadcloud_sim::Fleet::new(VEHICLES, 31.2866, 121.1655);
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(VEHICLES as u64));
    g.sample_size(20);
    let t0 = roadcloud_transport::now_millis();
    // One step from `t`: every vehicle's BSM, generated at its phase, in that order.
    let mut step = move |t: i64| -> Vec<(i64, Frame)> {
        let mut frames: Vec<(i64, Frame)> = (0..VEHICLES)
            .map(|i| {
                let at = t + (i % 100) as i64;
                let (topic, frame) = fleet.bsm(i, (at - t0) as f64 / 1000.0, at);
                let payload = roadcloud_csae::encode(&frame).expect("encodes");
                (
                    at,
                    Frame {
                        transport: Transport::Mqtt,
                        topic,
                        payload: Bytes::from(payload),
                        received_at: at,
                        ack: None,
                    },
                )
            })
            .collect();
        frames.sort_by_key(|(at, _)| *at);
        frames
    };
    for batch in [64, 256] {
        let mut config = PipelineConfig::default();
        // As `roadcloud bench` runs `serve`.
        config.misbehaviour.mode = roadcloud_misbehaviour::Mode::Monitor;
        let mut p = Pipeline::new(config);
        let mut t = t0;
        for (_, f) in step(t) {
            let _ = p.ingest(&f);
        }
        let before = p.shard_stats()[0].scenes;
        g.bench_function(format!("bsm_5000_vehicles_with_apps_batch_{batch}"), |b| {
            b.iter_batched(
                || {
                    t += 100;
                    (step(t), t)
                },
                |(frames, t)| {
                    for chunk in frames.chunks(batch) {
                        for (_, f) in chunk {
                            let _ = p.ingest(f);
                        }
                        let now = chunk.last().map_or(t, |(at, _)| *at);
                        p.finish_batch(now * 1_000);
                        std::hint::black_box(p.evaluate(now));
                    }
                    p.expire(t);
                },
                BatchSize::PerIteration,
            )
        });
        // What the scenes were like: the cost per vehicle follows from how many vehicles
        // one scene serves and how many participants it is built of.
        let after = p.shard_stats()[0].scenes;
        let built = (after.built - before.built).max(1) as f64;
        eprintln!(
            "batches of {batch}: {:.0} participants and {:.1} vehicles advised per scene, {:.1} tiles",
            (after.participants - before.participants) as f64 / built,
            (after.targets - before.targets) as f64 / built,
            (after.tiles - before.tiles) as f64 / built,
        );
    }
    g.finish();
}

criterion_group!(benches, pipeline, with_apps);
criterion_main!(benches);
