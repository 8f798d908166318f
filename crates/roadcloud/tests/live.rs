//! The live feed: a WebSocket client gets a snapshot, then updates as devices publish.

mod common;

use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};
use tungstenite::Message;

fn next_json(ws: &mut tungstenite::WebSocket<std::net::TcpStream>) -> Value {
    loop {
        match ws.read().expect("a message from the live feed") {
            Message::Text(t) => return serde_json::from_str(&t).expect("JSON"),
            Message::Close(_) => panic!("the live feed closed"),
            _ => {}
        }
    }
}

#[test]
fn the_live_feed_streams_a_snapshot_then_what_changes() {
    let s = start_with(&["--track-ttl-ms", "300"]);
    let stream = std::net::TcpStream::connect(("127.0.0.1", s.http)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (mut ws, _) =
        tungstenite::client(format!("ws://127.0.0.1:{}/api/v1/live", s.http), stream).unwrap();
    let first = next_json(&mut ws);
    assert_eq!(first["type"], "snapshot");
    assert_eq!(first["participants"], serde_json::json!([]));

    // A vehicle and an RSU's road appear in updates.
    let c = client(s.mqtt, "live-test");
    let (rsu, map, mut spat, rsi) = road_vectors();
    let vehicle = vehicle_id(5);
    let (mut saw_vehicle, mut saw_intersection, mut saw_event, mut track) =
        (false, false, false, None);
    let start = Instant::now();
    while !(saw_vehicle && saw_intersection && saw_event) {
        assert!(start.elapsed() < Duration::from_secs(15), "updates missing");
        publish_bsm(&c, 5);
        publish_road(&c, &rsu, &map, &mut spat, &rsi);
        let u = next_json(&mut ws);
        if u["type"] != "update" {
            continue;
        }
        for p in u["participants"].as_array().unwrap() {
            if p["id"] == vehicle.as_str() {
                saw_vehicle = true;
                track = p["track"].as_u64();
                assert_eq!(p["type"], "vehicle");
                assert_eq!(p["speed_mps"], 12.5);
            }
        }
        saw_intersection |= u["intersections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == "310/1001" && !x["signal"].is_null());
        saw_event |= u["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["change"] == "appeared" && e["event"]["code"] == 401);
    }
    // Silent now: the track's removal is announced.
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < Duration::from_secs(5), "no removal");
        let u = next_json(&mut ws);
        if u["removed"]
            .as_array()
            .is_some_and(|r| r.iter().any(|t| t.as_u64() == track))
        {
            break;
        }
    }
}

#[test]
fn the_map_view_sends_participants_as_rows_and_devices_as_they_come_online() {
    let s = start();
    let stream = std::net::TcpStream::connect(("127.0.0.1", s.http)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (mut ws, _) = tungstenite::client(
        format!("ws://127.0.0.1:{}/api/v1/live?view=map", s.http),
        stream,
    )
    .unwrap();
    assert_eq!(next_json(&mut ws)["type"], "snapshot");
    let c = client(s.mqtt, "live-map-test");
    let vehicle = vehicle_id(7);
    let (mut row, mut online) = (None, false);
    let start = Instant::now();
    while row.is_none() || !online {
        assert!(start.elapsed() < Duration::from_secs(15), "updates missing");
        publish_bsm(&c, 7);
        let u = next_json(&mut ws);
        row = row.or_else(|| {
            u["participants"]
                .as_array()?
                .iter()
                .find(|p| p[1] == vehicle.as_str())
                .cloned()
        });
        online |= u["devices"].as_array().is_some_and(|d| {
            d.iter()
                .any(|d| d["device"] == vehicle.as_str() && d["status"] == "online")
        });
    }
    // [track, id, type, lat, lon, heading_deg, speed_mps, source, length_m, width_m], as
    // the API has the same participant.
    let row = row.unwrap();
    let api = get_json(s.http, &format!("/api/v1/participants/{vehicle}"));
    assert_eq!(row[0], api["track"]);
    assert_eq!(row[2], "vehicle");
    assert!((row[3].as_f64().unwrap() - api["lat"].as_f64().unwrap()).abs() < 1e-6);
    assert!((row[4].as_f64().unwrap() - api["lon"].as_f64().unwrap()).abs() < 1e-6);
    assert_eq!(row[6], 12.5);
    assert_eq!(row[7], "self");
    assert_eq!(row.as_array().unwrap().len(), 10);

    let stream = std::net::TcpStream::connect(("127.0.0.1", s.http)).unwrap();
    match tungstenite::client(
        format!("ws://127.0.0.1:{}/api/v1/live?view=satellite", s.http),
        stream,
    ) {
        Err(tungstenite::handshake::HandshakeError::Failure(tungstenite::Error::Http(r))) => {
            assert_eq!(r.status(), 400, "an unknown view is refused")
        }
        other => panic!(
            "an unknown view must be refused, got {:?}",
            other.map(|_| ())
        ),
    }
}
