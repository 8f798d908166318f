//! Misbehaviour detection in `serve` (issue 16, first part): a vehicle whose reports jump
//! about is reported, with the evidence, through the API, the store and /metrics; with
//! `--misbehaviour enforce` it is quarantined, its reports stop moving its track, and the
//! quarantine is stored as its status.

mod common;

use common::*;
use roadcloud_csae::{MessageFrame, encode};
use roadcloud_sim::messages::{VehicleState, bsm};
use roadcloud_transport::now_millis;
use roadcloud_world::{LocalFrame, Point};
use rumqttc::QoS;
use std::time::Duration;

const LIAR: [u8; 8] = [0x5a, 0x11, 0, 0, 0, 0, 0, 1];

/// The liar's BSM number `n`: driving north at 15 m/s, but every other report 60 m off.
fn lie(n: i64) -> Vec<u8> {
    let frame = LocalFrame::new(31.2866, 121.1655);
    let east = if n % 2 == 0 { 300.0 } else { 360.0 };
    let car = VehicleState::car(
        LIAR,
        Point {
            east_m: east,
            north_m: 300.0 + 1.5 * n as f64,
        },
        0.0,
        15.0,
    );
    encode(&MessageFrame::BsmFrame(bsm(&frame, &car, 0, now_millis()))).unwrap()
}

#[test]
fn a_lying_vehicle_is_reported_and_under_enforce_quarantined() {
    let s = start_with(&["--misbehaviour", "enforce"]);
    let c = client(s.mqtt, "liar");
    let topic = format!("V2X/OBU/{}/BSM/UP", hex(&LIAR));
    for n in 0..30 {
        c.publish(&topic, QoS::AtLeastOnce, false, lie(n)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut reports = serde_json::Value::Null;
    wait_until(Duration::from_secs(10), || {
        reports = get_json(
            s.http,
            &format!("/api/v1/misbehaviour?device={}", hex(&LIAR)),
        );
        reports["count"].as_u64().unwrap_or(0) > 0
    });
    let first = &reports["reports"][0];
    assert_eq!(first["device"], hex(&LIAR), "{reports}");
    assert!(first["evidence"].as_array().unwrap().len() >= 2, "{first}");
    assert!(
        reports["reports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "position_consistency"),
        "{reports}"
    );
    assert_eq!(reports["quarantined"][0], hex(&LIAR), "{reports}");
    // Its reports no longer move its track, which ends at its time-out though it still sends.
    for n in 30..60 {
        c.publish(&topic, QoS::AtLeastOnce, false, lie(n)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, body) = get(s.http, &format!("/api/v1/participants/{}", hex(&LIAR))).unwrap();
    assert_eq!(status, 404, "{body}");
    // Counted, and the quarantine stored as its status.
    let (_, metrics) = get(s.http, "/metrics").unwrap();
    assert!(
        metrics.contains("roadcloud_quarantined_devices 1"),
        "{metrics}"
    );
    wait_until(Duration::from_secs(5), || {
        get_json(
            s.http,
            &format!("/api/v1/history/devices?device={}", hex(&LIAR)),
        )
        .to_string()
        .contains("quarantined")
    });
    // A kind no check has is refused with the list.
    let (status, body) = get(s.http, "/api/v1/misbehaviour?kind=nonsense").unwrap();
    assert_eq!(status, 400, "{body}");
}

/// A misbehaviour authority on loopback: keeps the JSON bodies POSTed to it.
fn misbehaviour_authority() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/reports", listener.local_addr().unwrap());
    let taken = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let t = taken.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let t = t.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut len = 0;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; len];
                    reader.read_exact(&mut body).unwrap();
                    t.lock()
                        .unwrap()
                        .push(serde_json::from_slice(&body).unwrap());
                    if stream
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, taken)
}

/// `--ma-url`: the reports go to the misbehaviour authority as they are stored.
#[test]
fn reports_are_exported_to_the_misbehaviour_authority() {
    let (url, taken) = misbehaviour_authority();
    let s = start_with(&["--ma-url", &url]);
    let c = client(s.mqtt, "liar");
    let topic = format!("V2X/OBU/{}/BSM/UP", hex(&LIAR));
    for n in 0..20 {
        c.publish(&topic, QoS::AtLeastOnce, false, lie(n)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_until(Duration::from_secs(10), || {
        taken.lock().unwrap().iter().any(|batch| {
            batch["reports"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["device"] == hex(&LIAR)))
        })
    });
    let batches = taken.lock().unwrap().clone();
    assert!(
        batches.iter().all(|b| b["reporter"] == "roadcloud"),
        "{batches:?}"
    );
    let report = batches[0]["reports"][0].clone();
    assert!(
        report["evidence"].as_array().is_some_and(|e| !e.is_empty()),
        "{report}"
    );
    // Every stored report went, once.
    let stored = get_json(s.http, "/api/v1/misbehaviour?limit=1000")["count"]
        .as_u64()
        .unwrap();
    wait_until(Duration::from_secs(5), || {
        let sent: usize = taken
            .lock()
            .unwrap()
            .iter()
            .map(|b| b["reports"].as_array().unwrap().len())
            .sum();
        sent as u64 >= stored
    });
}
