//! The applications end to end: vehicles publish BSMs over MQTT, the vehicle at risk receives
//! the advisory on its downlink topic, the API lists and stores it, and an application can be
//! switched off through the API.

mod common;

use common::*;
use roadcloud_csae::MessageFrame;
use roadcloud_sim::messages::{Detection, VehicleState, bsm, rsm};
use roadcloud_world::{LocalFrame, Point};
use rumqttc::{Event, MqttOptions, Packet, QoS};
use serde_json::Value;
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn the_vehicle_at_risk_gets_the_advisory_on_its_downlink_and_the_api_keeps_it() {
    let s = start_with(&ONE_MOMENT_REPEATED);
    // The follower's OBU listens on its downlink.
    let (tx, rx) = mpsc::channel::<Value>();
    let mut o = MqttOptions::new("obu-follower", "127.0.0.1", s.mqtt);
    o.set_keep_alive(Duration::from_secs(5));
    let (obu, mut conn) = rumqttc::Client::new(o, 100);
    obu.subscribe(
        format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER)),
        QoS::AtLeastOnce,
    )
    .unwrap();
    std::thread::spawn(move || {
        for ev in conn.iter() {
            if let Ok(Event::Incoming(Packet::Publish(p))) = ev
                && let Ok(v) = serde_json::from_slice(&p.payload)
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    let vehicles = client(s.mqtt, "vehicles");
    let deadline = Instant::now() + Duration::from_secs(15);
    let advisory = loop {
        assert!(Instant::now() < deadline, "no advisory arrived");
        publish_closing_pair(&vehicles);
        if let Ok(v) = rx.recv_timeout(Duration::from_millis(100))
            && v["scenario"] == "FCW"
        {
            break v;
        }
    };
    assert_eq!(advisory["target"], hex(&FOLLOWER));
    assert_eq!(advisory["others"][0]["id"], hex(&LEADER));
    let ttc = advisory["ttc_s"].as_f64().unwrap();
    assert!(ttc > 0.5 && ttc < 2.7, "{advisory}");
    assert!(advisory["expires_at"].as_i64() > advisory["at"].as_i64());
    assert!(["warning", "alert"].contains(&advisory["severity"].as_str().unwrap()));
    // The leader is not at risk: nothing for it.
    // Stored, and listed by scenario and vehicle.
    let mut listed = Value::Null;
    wait_until(Duration::from_secs(5), || {
        listed = get_json(
            s.http,
            &format!("/api/v1/advisories?scenario=FCW&vehicle={}", hex(&FOLLOWER)),
        );
        listed["count"].as_u64() >= Some(1)
    });
    assert_eq!(listed["advisories"][0]["scenario"], "FCW");
    // Its way through the node is counted: from the report it rests on to the downlink.
    let stats = get_json(s.http, "/api/v1/stats");
    let advice = &stats["advice_latency_ms"];
    // The world stage's load: its time on the applications, the scenes they looked at.
    assert!(
        stats["world_busy_s"]["apps"].as_f64() > Some(0.0),
        "{stats}"
    );
    assert!(
        stats["world_busy_s"]["ingest"].as_f64() > Some(0.0),
        "{stats}"
    );
    let shard = &stats["shards"][0];
    assert!(shard["scenes"].as_u64() >= Some(1), "{stats}");
    assert!(
        shard["scene_tiles"].as_u64() >= shard["scenes"].as_u64(),
        "a scene holds a tile at least: {stats}"
    );
    assert!(shard["scene_participants"].as_u64() >= Some(2), "{stats}");
    assert!(shard["scene_targets"].as_u64() >= Some(1), "{stats}");
    assert!(advice["count"].as_u64() >= Some(1), "{advice}");
    assert!(advice["p50"].as_f64().unwrap() < 2_000.0, "{advice}");
    let histogram = get_json(s.http, "/api/v1/stats/latency?of=advice");
    assert!(
        histogram["count"].as_u64() >= advice["count"].as_u64(),
        "{histogram}"
    );
    let (code, metrics) = get(s.http, "/metrics").unwrap();
    assert_eq!(code, 200);
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("roadcloud_advice_latency_seconds_count ") && !l.ends_with(" 0")),
        "{metrics}"
    );
    assert!(
        metrics.contains("roadcloud_world_busy_seconds_total{step=\"apps\"}")
            && metrics.contains("roadcloud_shard_scenes_total{shard=\"0\"}"),
        "{metrics}"
    );
    let (code, body) = get(s.http, "/api/v1/stats/latency?of=everything").unwrap();
    assert_eq!(code, 400, "{body}");
    let other = get_json(
        s.http,
        &format!("/api/v1/advisories?vehicle={}", hex(&LEADER)),
    );
    assert!(
        other["advisories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["scenario"] != "FCW"),
        "{other}"
    );

    // Switched off through the API, FCW stays silent while the others run on.
    let (status, body) =
        request(s.http, "PUT", "/api/v1/apps/FCW", r#"{"enabled": false}"#).unwrap();
    assert_eq!(status, 200, "{body}");
    let apps = get_json(s.http, "/api/v1/apps");
    let fcw = apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "FCW")
        .unwrap();
    assert_eq!(fcw["enabled"], false);
    assert!(fcw["advisories_sent"].as_u64() >= Some(1));
    let icw = apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "ICW")
        .unwrap();
    assert_eq!(icw["enabled"], true);
    // Let what was in flight arrive, then expect nothing more.
    std::thread::sleep(Duration::from_millis(300));
    while rx.try_recv().is_ok() {}
    let quiet_until = Instant::now() + Duration::from_millis(1_500);
    while Instant::now() < quiet_until {
        publish_closing_pair(&vehicles);
        if let Ok(v) = rx.recv_timeout(Duration::from_millis(100)) {
            assert_ne!(v["scenario"], "FCW", "FCW is off: {v}");
        }
    }
    // A wrong parameter is refused with the names of the right ones.
    let (status, body) = request(
        s.http,
        "PUT",
        "/api/v1/apps/FCW",
        r#"{"params": {"ttc": 3}}"#,
    )
    .unwrap();
    assert_eq!(status, 400);
    assert!(body.contains("ttc_warning_s"), "{body}");
    let (status, _) = request(s.http, "PUT", "/api/v1/apps/NOPE", r#"{"enabled": true}"#).unwrap();
    assert_eq!(status, 404);
}

/// A car 280 m north of the MAP vector's node, driving south towards the road works that
/// RSU-AT01 announces; a second RSU stands 400 m north, a third 3 km away.
#[test]
fn rsus_near_a_hazard_get_it_on_their_downlink_as_rsi() {
    let s = start();
    let frame = LocalFrame::new(31.2866, 121.1655);
    let north_rsu = *b"RSU-N002";
    let far_rsu = *b"RSU-F003";
    let (tx, rx) = mpsc::channel::<(String, Vec<u8>)>();
    let mut o = MqttOptions::new("rsus", "127.0.0.1", s.mqtt);
    o.set_keep_alive(Duration::from_secs(5));
    let (rsus, mut conn) = rumqttc::Client::new(o, 100);
    rsus.subscribe("V2X/RSU/+/RSI/DOWN", QoS::AtLeastOnce)
        .unwrap();
    std::thread::spawn(move || {
        for ev in conn.iter() {
            if let Ok(Event::Incoming(Packet::Publish(p))) = ev
                && tx.send((p.topic, p.payload.to_vec())).is_err()
            {
                return;
            }
        }
    });
    let MessageFrame::RsiFrame(mut works) = vector("rsi_01_roadworks") else {
        panic!("an RSI")
    };
    // The vector's time details name a day long past.
    for e in works.rtes.iter_mut().flat_map(|l| l.0.iter_mut()) {
        e.time_details = None;
    }
    let devices = client(s.mqtt, "devices");
    let publish = |topic: String, m: MessageFrame| {
        let _ = devices.try_publish(
            topic,
            QoS::AtMostOnce,
            false,
            roadcloud_csae::encode(&m).unwrap(),
        );
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut north_m = 280.0;
    let (topic, payload) = loop {
        assert!(Instant::now() < deadline, "no RSI arrived");
        let now = roadcloud_transport::now_millis();
        publish(
            format!("V2X/RSU/{}/RSI/UP", hex(&works.id)),
            MessageFrame::RsiFrame(works.clone()),
        );
        for (rsu, north) in [(north_rsu, 400.0), (far_rsu, 3_000.0)] {
            let at = Point {
                east_m: 10.0,
                north_m: north,
            };
            let pole = Detection::pedestrian(1, at, 0.0, 0.0);
            publish(
                format!("V2X/RSU/{}/RSM/UP", hex(&rsu)),
                MessageFrame::RsmFrame(rsm(&frame, rsu, at, &[pole], 0, now)),
            );
        }
        let car = VehicleState::car(
            FOLLOWER,
            Point {
                east_m: 0.125,
                north_m,
            },
            180.0,
            15.0,
        );
        north_m -= 1.5;
        publish(
            format!("V2X/OBU/{}/BSM/UP", hex(&FOLLOWER)),
            MessageFrame::BsmFrame(bsm(&frame, &car, 0, now)),
        );
        if let Ok(got) = rx.recv_timeout(Duration::from_millis(100)) {
            break got;
        }
    };
    assert_eq!(topic, format!("V2X/RSU/{}/RSI/DOWN", hex(&north_rsu)));
    let MessageFrame::RsiFrame(rsi) = roadcloud_csae::decode(&payload).unwrap() else {
        panic!("an RSI")
    };
    assert_eq!(rsi.id, north_rsu);
    let rte = &rsi.rtes.as_ref().unwrap().0[0];
    assert_eq!(rte.event_type, works.rtes.as_ref().unwrap().0[0].event_type);
    // Nothing for the announcing RSU nor for the far one.
    let until = Instant::now() + Duration::from_millis(500);
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Ok((topic, _)) = rx.recv_timeout(left) {
            assert_eq!(topic, format!("V2X/RSU/{}/RSI/DOWN", hex(&north_rsu)));
        }
    }
}
