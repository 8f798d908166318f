//! Misbehaviour detection in `serve` (issue 16): a vehicle whose reports jump about is
//! reported, with the evidence, through the API, the store and /metrics; under `--misbehaviour
//! enforce` (the default) it is quarantined, its reports stop moving its track, and the
//! quarantine is stored as its status; the reports reach a misbehaviour authority.

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

/// The liar sends its BSMs number `ns` on its own topic, at 10 Hz.
fn lies(c: &rumqttc::Client, ns: std::ops::Range<i64>) {
    let topic = format!("V2X/OBU/{}/BSM/UP", hex(&LIAR));
    for n in ns {
        c.publish(&topic, QoS::AtLeastOnce, false, lie(n)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Under `serve`'s default mode, enforce.
#[test]
fn a_lying_vehicle_is_reported_and_under_enforce_quarantined() {
    let s = start();
    let c = client(s.mqtt, "liar");
    lies(&c, 0..30);
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
    lies(&c, 30..60);
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

/// Each check has a runtime switch, as the applications have: with every check switched
/// off through the API the liar is still reported (action `none`, each check counting) and
/// never quarantined; a check that does not exist, or a body that is not a switch, is
/// refused with what to give.
#[test]
fn checks_switched_off_through_the_api_report_and_quarantine_no_one() {
    let s = start_with(&["--misbehaviour", "enforce"]);
    let checks = get_json(s.http, "/api/v1/misbehaviour/checks");
    assert_eq!(checks["mode"], "enforce", "{checks}");
    let kinds: Vec<String> = checks["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        kinds.iter().any(|k| k == "position_consistency"),
        "{checks}"
    );
    for kind in &kinds {
        let path = format!("/api/v1/misbehaviour/checks/{kind}");
        let (status, body) = request(s.http, "PUT", &path, r#"{"enabled": false}"#).unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(get_json(s.http, &path)["enabled"], false);
    }
    let c = client(s.mqtt, "liar");
    lies(&c, 0..30);
    let mut reports = serde_json::Value::Null;
    wait_until(Duration::from_secs(10), || {
        reports = get_json(s.http, "/api/v1/misbehaviour");
        reports["count"].as_u64().unwrap_or(0) > 0
    });
    assert!(
        reports["reports"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["action"] == "none"),
        "{reports}"
    );
    assert_eq!(reports["quarantined"], serde_json::json!([]), "{reports}");
    let position = get_json(s.http, "/api/v1/misbehaviour/checks/position_consistency");
    assert!(position["found"].as_u64().unwrap() > 0, "{position}");
    // Switched back on, the next lies cost trust.
    let (status, _) = request(
        s.http,
        "PUT",
        "/api/v1/misbehaviour/checks/position_consistency",
        r#"{"enabled": true}"#,
    )
    .unwrap();
    assert_eq!(status, 200);
    lies(&c, 30..40);
    wait_until(Duration::from_secs(10), || {
        get_json(s.http, "/api/v1/misbehaviour")["quarantined"][0] == hex(&LIAR)
    });
    let (status, body) = request(
        s.http,
        "PUT",
        "/api/v1/misbehaviour/checks/nonsense",
        r#"{"enabled": false}"#,
    )
    .unwrap();
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("overlap"), "{body}");
    let (status, body) = request(
        s.http,
        "PUT",
        "/api/v1/misbehaviour/checks/overlap",
        r#"{"on": 1}"#,
    )
    .unwrap();
    assert_eq!(status, 400, "{body}");
}

/// Cross-source: two RSUs' cameras see the same six connected vehicles, one of them 4 m
/// east of where the vehicles say they are. That camera is reported (`camera_offset`, about
/// the RSU) and under enforce quarantined; the calibrated one and the vehicles are not.
#[test]
fn a_camera_off_the_vehicles_own_reports_is_reported() {
    use roadcloud_csae::ParticipantType;
    use roadcloud_sim::messages::{Detection, rsm};
    const OFF: [u8; 8] = [0x52, 0x53, 0x55, 0, 0, 0, 0x0c, 1];
    const TRUE: [u8; 8] = [0x52, 0x53, 0x55, 0, 0, 0, 0x0c, 2];
    let s = start_with(&["--misbehaviour", "enforce"]);
    let c = client(s.mqtt, "road");
    let frame = LocalFrame::new(31.2866, 121.1655);
    let rsu_at = Point {
        east_m: 350.0,
        north_m: 330.0,
    };
    for step in 0..40u8 {
        let now = now_millis();
        let cars: Vec<VehicleState> = (0..6u8)
            .map(|k| {
                VehicleState::car(
                    [0x5c, 0xa5, 0, 0, 0, 0, 0, k],
                    Point {
                        east_m: 300.0 + 20.0 * f64::from(k),
                        north_m: 300.0 + f64::from(step),
                    },
                    0.0,
                    // Each at a speed of its own (cars at one speed, heading and
                    // acceleration at the same moments move as one: a Sybil's ghosts).
                    10.0 + 0.3 * f64::from(k),
                )
            })
            .collect();
        for car in &cars {
            let bsm = bsm(&frame, car, step, now);
            let topic = format!("V2X/OBU/{}/BSM/UP", hex(&car.id));
            c.publish(
                topic,
                QoS::AtMostOnce,
                false,
                encode(&MessageFrame::BsmFrame(bsm)).unwrap(),
            )
            .unwrap();
        }
        for (rsu, east_m) in [(OFF, 4.0), (TRUE, 0.0)] {
            let seen: Vec<Detection> = cars
                .iter()
                .map(|car| Detection {
                    kind: ParticipantType::Motor,
                    ptc_id: u16::from(car.id[7]),
                    position: Point {
                        east_m: car.position.east_m + east_m,
                        ..car.position
                    },
                    heading_deg: 0.0,
                    speed_mps: 10.0,
                    size_m: (1.8, 4.6),
                })
                .collect();
            let m = rsm(&frame, rsu, rsu_at, &seen, step, now);
            let topic = format!("V2X/RSU/{}/RSM/UP", hex(&rsu));
            c.publish(
                topic,
                QoS::AtMostOnce,
                false,
                encode(&MessageFrame::RsmFrame(m)).unwrap(),
            )
            .unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut reports = serde_json::Value::Null;
    wait_until(Duration::from_secs(10), || {
        reports = get_json(s.http, "/api/v1/misbehaviour");
        reports["quarantined"][0] == hex(&OFF)
    });
    let list = reports["reports"].as_array().unwrap();
    assert!(!list.is_empty(), "{reports}");
    for r in list {
        assert_eq!(r["device"], hex(&OFF), "{reports}");
        assert_eq!(r["kind"], "camera_offset", "{reports}");
    }
    assert!(
        list[0]["detail"].as_str().unwrap().contains("4.0 m off"),
        "{reports}"
    );
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
    lies(&c, 0..20);
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

/// `--ma-url mqtts://HOST:PORT/TOPIC` with `--ma-ca`: the reports reach an MA behind a real
/// Mosquitto whose certificate a CA of the MA's own issued (not the zone's), as QoS 1
/// messages on its topic. Without a CA to trust, `serve` refuses to start and says what to
/// give.
#[test]
fn reports_are_exported_through_the_mas_mqtt_broker_under_its_own_ca() {
    use common::tls::{Credentials, mqtt_connect};
    let dir = tempfile::tempdir().unwrap();
    let ma_pki = dir.path().join("ma-pki");
    roadcloud_tls::pki::init(&ma_pki, &["localhost".into(), "127.0.0.1".into()]).unwrap();
    let ma_ca = ma_pki.join("ca.crt");
    let broker = common::acl::mosquitto(
        dir.path(),
        &format!(
            "cafile {ca}\ncertfile {cert}\nkeyfile {key}\n\
             allow_anonymous true\npersistence false\n\
             # Under a test runner as root, keep reading the test's private files.\nuser root\n",
            ca = ma_ca.display(),
            cert = ma_pki.join("server.crt").display(),
            key = ma_pki.join("server.key").display(),
        ),
    );
    let url = format!("mqtts://localhost:{}/ma/reports", broker.port);
    // The MA reads its topic.
    let creds = Credentials {
        ca: Some(&ma_ca),
        cert: None,
        login: None,
    };
    let (ma, taken) = mqtt_connect(broker.port, "ma", &creds).unwrap();
    ma.subscribe("ma/reports", QoS::AtLeastOnce).unwrap();
    // No CA to trust: a clear refusal.
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(["serve", "--allow-unsigned", "--data-dir"])
        .arg(dir.path().join("refused"))
        .args(["--http-listen", "127.0.0.1:0", "--mqtt-listen", "off"])
        .args(["--udp-listen", "off", "--ma-url", &url])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("--ma-ca"), "{why}");
    let s = start_with(&["--ma-url", &url, "--ma-ca", ma_ca.to_str().unwrap()]);
    let c = client(s.mqtt, "liar");
    lies(&c, 0..20);
    let mut batches = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !batches.iter().any(|b: &serde_json::Value| {
        b["reports"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["device"] == hex(&LIAR)))
    }) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match taken.recv_timeout(left) {
            Ok(rumqttc::Packet::Publish(p)) => {
                assert_eq!(p.topic, "ma/reports");
                batches.push(serde_json::from_slice(&p.payload).unwrap());
            }
            Ok(_) => {}
            Err(_) => panic!("no report about the liar reached the MA: {batches:?}"),
        }
    }
    assert!(batches.iter().all(|b| b["reporter"] == "roadcloud"));
}
