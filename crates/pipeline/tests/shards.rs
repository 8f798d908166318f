//! Tile shards, the golden test (issue 17): a recorded zone replayed through one shard and
//! through several gives the same tracks and the same advisories, step by step, while its
//! vehicles cross the shards' borders.

use bytes::Bytes;
use roadcloud_apps::{Advisory, ParticipantId};
use roadcloud_pipeline::{Pipeline, PipelineConfig, ShardPlan};
use roadcloud_sim::{Zone, ZoneConfig};
use roadcloud_transport::{Frame, Transport};

/// The built-in zone's messages for `seconds` at 10 Hz, step by step: a recording. With
/// `minor_road_east_m`, its minor road (Anzhi Rd) and the junction without signals where it
/// crosses Moyu Rd lie that far east instead.
fn record(seconds: u32, minor_road_east_m: Option<f64>) -> Vec<(i64, Vec<Frame>)> {
    let mut zone = Zone::anting(ZoneConfig::default());
    if let Some(east_m) = minor_road_east_m {
        let net = &mut zone.network;
        let road = net
            .roads
            .iter_mut()
            .find(|r| r.minor)
            .expect("a minor road");
        road.at_m = east_m;
        let junction = net
            .junctions
            .iter_mut()
            .find(|j| !j.signalised)
            .expect("a junction without signals");
        junction.centre.east_m = east_m;
    }
    // A fixed start (2026-11-28 00:00 UTC): the signal plans run on absolute time.
    let mut now = 1_795_824_000_000;
    (0..seconds * 10)
        .map(|_| {
            now += 100;
            zone.step(0.1, now);
            let frames = zone
                .messages(now)
                .into_iter()
                .map(|(topic, message)| Frame {
                    transport: Transport::Mqtt,
                    topic,
                    payload: Bytes::from(roadcloud_csae::encode(&message).expect("encodes")),
                    received_at: now,
                    ack: None,
                })
                .collect();
            (now, frames)
        })
        .collect()
}

/// An advisory as the vehicle gets it, with the ids of tracks that carry no vehicle id left
/// out (each run numbers its tracks in its own way).
fn advisory_key(a: &Advisory) -> String {
    let others: Vec<String> = a
        .others
        .iter()
        .map(|o| match &o.id {
            ParticipantId::Track(_) => "track".to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    format!(
        "{} {:?} {:02x?} {others:?} ttc {:?} d {:?}",
        a.scenario,
        a.severity,
        a.target,
        a.ttc_s.map(|t| (t * 100.0).round()),
        a.distance_m.map(|d| (d * 100.0).round()),
    )
}

/// What the world holds: each track's vehicle (or kind) and position to the centimetre.
fn world_key(p: &Pipeline) -> Vec<String> {
    let mut tracks: Vec<String> = p
        .tracks()
        .iter()
        .map(|t| {
            format!(
                "{:02x?}/{:?} {:.2} {:.2} lane {:?}",
                t.vehicle, t.kind, t.position.east_m, t.position.north_m, t.lane
            )
        })
        .collect();
    tracks.sort();
    tracks
}

/// Replays `recording` in batches of 64 frames, as `serve` takes them, through a pipeline
/// with `plan`: each step's advisories (sorted) and world.
fn replay(recording: &[(i64, Vec<Frame>)], plan: ShardPlan) -> (Pipeline, Vec<Vec<String>>) {
    let mut p = Pipeline::new(PipelineConfig {
        shards: plan,
        ..PipelineConfig::default()
    });
    let mut steps = Vec::new();
    for (now, frames) in recording {
        for batch in frames.chunks(64) {
            for f in batch {
                if let Err(r) = p.ingest_decoded(roadcloud_admission::decode(f)) {
                    panic!("{} rejected: {r:?}", f.topic);
                }
            }
            p.finish_batch(now * 1_000);
        }
        p.expire(*now);
        let mut advisories: Vec<String> = p.evaluate(*now).iter().map(advisory_key).collect();
        advisories.sort();
        advisories.push("--- world".into());
        advisories.extend(world_key(&p));
        steps.push(advisories);
    }
    (p, steps)
}

#[test]
fn one_shard_and_three_give_the_same_tracks_and_advisories() {
    same_in_one_shard_and_three(None);
}

/// With the minor road 200 m east (where it lay in a first layout), a camera's report of an
/// unequipped car near a shard border was passed on to its track's owner in the round in
/// which that shard handed the track to another: it went to the owner of where it lay, which
/// did not have the track, and was dropped, and from step 405 the track's position differed
/// by half a metre between one shard and three. It now follows its track to the shard
/// adopting it.
#[test]
fn a_report_follows_its_track_handed_over_in_the_same_round() {
    same_in_one_shard_and_three(Some(200.0));
}

fn same_in_one_shard_and_three(minor_road_east_m: Option<f64>) {
    let recording = record(90, minor_road_east_m);
    let (one, expected) = replay(&recording, ShardPlan::default());
    // Stripes one tile wide: the zone's five junctions fall in different shards, and every
    // vehicle crosses borders.
    let (three, got) = replay(
        &recording,
        ShardPlan {
            shards: 3,
            stripe_tiles: 1,
            ..ShardPlan::default()
        },
    );
    let stats = three.shard_stats();
    assert!(
        stats.iter().all(|s| s.tracks > 0 && s.mirrors > 0),
        "every shard owns tracks and mirrors its neighbours': {stats:?}"
    );
    let handed: u64 = stats.iter().map(|s| s.handed_over).sum();
    assert!(handed > 20, "vehicles crossed shard borders: {stats:?}");
    let advisories: usize = expected
        .iter()
        .map(|s| s.iter().take_while(|l| !l.starts_with("---")).count())
        .sum();
    assert!(advisories > 100, "the zone brings advisories: {advisories}");
    for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
        assert_eq!(e, g, "step {i} differs ({stats:?})");
    }
    assert_eq!(one.tracks().len(), three.tracks().len());
    assert_eq!(one.counters.observations, three.counters.observations);
}

#[test]
fn a_track_id_tells_the_shard_that_started_it() {
    let recording = record(10, None);
    let (p, _) = replay(
        &recording,
        ShardPlan {
            shards: 2,
            stripe_tiles: 1,
            ..ShardPlan::default()
        },
    );
    let origins: std::collections::BTreeSet<u16> =
        p.tracks().iter().map(|t| t.id.origin()).collect();
    assert_eq!(origins, [0, 1].into(), "tracks were started in both shards");
    let ids: std::collections::HashSet<_> = p.tracks().iter().map(|t| t.id).collect();
    assert_eq!(ids.len(), p.tracks().len(), "no id given twice");
}
