//! The built-in zone end to end, in process: its devices' messages go through the codec,
//! admission and the world as they would over MQTT, and every scripted situation must bring
//! its application's advisory.

use bytes::Bytes;
use roadcloud_apps::{Advisory, ParticipantId};
use roadcloud_pipeline::{Pipeline, PipelineConfig};
use roadcloud_sim::{Script, Zone, ZoneConfig};
use roadcloud_transport::{Frame, Transport};
use std::collections::BTreeMap;

/// Runs the zone for `seconds` at 10 Hz; returns it and every advisory sent.
fn run(seconds: u32) -> (Zone, Pipeline, Vec<Advisory>) {
    let mut zone = Zone::anting(ZoneConfig::default());
    let mut pipeline = Pipeline::new(PipelineConfig::default());
    // A fixed start (2026-11-28 00:00 UTC): the signals' plan runs on absolute time, so the
    // same start gives the same run; ZONE_START_OFFSET_MS shifts it, to try other timings.
    let mut now = 1_795_824_000_000
        + std::env::var("ZONE_START_OFFSET_MS").map_or(0, |v| v.parse::<i64>().unwrap());
    let mut sent = Vec::new();
    for _ in 0..seconds * 10 {
        now += 100;
        sent.extend(step(&mut zone, &mut pipeline, now));
    }
    (zone, pipeline, sent)
}

/// The zone moves on to `now` (0.1 s), its devices' messages go in through the codec as they
/// would over MQTT, and the pipeline evaluates: the advisories.
fn step(zone: &mut Zone, pipeline: &mut Pipeline, now: i64) -> Vec<Advisory> {
    zone.step(0.1, now);
    for (topic, message) in zone.messages(now) {
        let frame = Frame {
            transport: Transport::Mqtt,
            topic: topic.clone(),
            payload: Bytes::from(roadcloud_csae::encode(&message).expect("encodes")),
            received_at: now,
            ack: None,
        };
        if let Err(r) = pipeline.ingest(&frame) {
            panic!("{topic} rejected: {r:?}");
        }
    }
    pipeline.expire(now);
    pipeline.evaluate(now)
}

#[test]
fn every_scripted_situation_brings_its_advisory() {
    let (zone, pipeline, sent) = run(170);
    assert_eq!(pipeline.intersections.len(), 5, "the five junctions' MAP");
    assert!(
        zone.vehicles() > 30,
        "traffic: {} vehicles",
        zone.vehicles()
    );
    let scripted = zone.scripted();
    assert!(scripted.len() >= Script::ALL.len(), "{scripted:?}");
    let mut missing = Vec::new();
    for &(script, actor) in scripted.iter().take(Script::ALL.len()) {
        // BSW/LCW advisories are BSW or LCW.
        let ids: &[&str] = match script.scenario() {
            "BSW/LCW" => &["BSW", "LCW"],
            s => &[s],
        };
        // About the scripted one: it is advised, or it is what another is advised of.
        let about = |a: &Advisory| {
            a.target == actor
                || a.others
                    .iter()
                    .any(|o| o.id == ParticipantId::Vehicle(actor))
        };
        if !sent.iter().any(|a| ids.contains(&a.scenario) && about(a)) {
            missing.push(script);
        }
    }
    let counts = sent
        .iter()
        .fold(BTreeMap::<&str, usize>::new(), |mut m, a| {
            *m.entry(a.scenario).or_default() += 1;
            m
        });
    assert!(
        missing.is_empty(),
        "no advisory about {missing:?}; sent {counts:?}"
    );
    // And the zone's standing features: road works, the sign, signals, queues.
    for s in ["HLW", "IVS", "GLOSA", "TJW"] {
        assert!(counts.contains_key(s), "no {s}; sent {counts:?}");
    }
}

/// The zone's junction without signals (Moyu Rd / Anzhi Rd) end to end: the equipped cars
/// coming to it declare how they pass (VIR), roadcloud's CIP answers each with a slot (an RSC
/// on its downlink, here through the codec as over MQTT), the cars carry their slots out,
/// the minor road's cars give way to the rest, and no two vehicles of the crossing roads are
/// in the crossing at once.
#[test]
fn the_junction_without_signals_is_passed_by_slots() {
    use roadcloud_csae::{Day2Message, MessageFrame};
    let mut zone = Zone::anting(ZoneConfig {
        script_every_s: 1e9,
        ..ZoneConfig::default()
    });
    let mut pipeline = Pipeline::new(PipelineConfig::default());
    let mut now = 1_795_824_000_000;
    for _ in 0..1_200 {
        now += 100;
        step(&mut zone, &mut pipeline, now);
        for d in pipeline.take_vehicle_downlinks() {
            let bytes = roadcloud_csae::encode(&d.frame).expect("encodes");
            if let Ok(MessageFrame::MsgFrameExt(e)) = roadcloud_csae::decode(&bytes)
                && let Day2Message::RoadsideCoordination(rsc) = e.value
            {
                zone.coordinate(d.vehicle.0, &rsc, now);
            }
        }
    }
    let slots = pipeline.service_counts().cip_slots;
    let p = zone.passing;
    assert!(slots > 0, "no slots: {p:?}");
    assert!(
        p.entered >= 10 && p.from_minor > 0 && p.by_slot > 0,
        "{p:?}, {slots} slots"
    );
    assert_eq!(p.conflict_steps, 0, "{p:?}");
}
