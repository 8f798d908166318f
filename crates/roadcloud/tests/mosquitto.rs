//! roadcloud as a client of a real Mosquitto: devices publish to Mosquitto, roadcloud
//! (`--broker mqtt://...`, its own broker off) reads every uplink from it.
//!
//! Needs the `mosquitto` binary (Debian package `mosquitto`; `scripts/test.sh` installs it),
//! found on PATH, in /usr/sbin, or at $MOSQUITTO.

mod common;

use common::*;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn mosquitto_binary() -> PathBuf {
    let candidates = std::env::var_os("MOSQUITTO")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join("mosquitto"))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        )
        .chain([PathBuf::from("/usr/sbin/mosquitto")]);
    for c in candidates {
        if c.is_file() {
            return c;
        }
    }
    panic!("mosquitto not found: install it (apt-get install mosquitto) or set MOSQUITTO");
}

/// A Mosquitto on a free loopback port, stopped when dropped.
struct Mosquitto {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mosquitto() -> Mosquitto {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
    )
    .unwrap();
    let child = Command::new(mosquitto_binary())
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mosquitto");
    wait_until(Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    Mosquitto {
        child,
        port,
        _dir: dir,
    }
}

#[test]
fn devices_publishing_to_mosquitto_reach_the_world() {
    let broker = mosquitto();
    let s = start_with(&[
        "--broker",
        &format!("mqtt://127.0.0.1:{}", broker.port),
        "--mqtt-listen",
        "off",
    ]);
    // roadcloud's own MQTT front end is off: nothing listens on its port.
    assert!(std::net::TcpStream::connect(("127.0.0.1", s.mqtt)).is_err());
    let c = client(broker.port, "devices");
    let (rsu, map, mut spat, rsi) = road_vectors();
    wait_until(Duration::from_secs(15), || {
        for n in 0..3 {
            publish_bsm(&c, n);
        }
        publish_road(&c, &rsu, &map, &mut spat, &rsi);
        std::thread::sleep(Duration::from_millis(100));
        get_json(s.http, "/api/v1/participants")["count"] == 3
            && get_json(s.http, "/api/v1/intersections")["count"].as_u64() >= Some(1)
            && get_json(s.http, "/api/v1/events")["count"] == 3
    });
    // Positions and units as the vectors give them: vehicle 2 is 2 × 900e-7 degrees north of
    // the BSM vector's 31.2875 N, 121.16552 E, at 12.5 m/s.
    let p = get_json(s.http, &format!("/api/v1/participants/{}", vehicle_id(2)));
    assert!((p["lat"].as_f64().unwrap() - 31.28768).abs() < 1e-9, "{p}");
    assert!((p["lon"].as_f64().unwrap() - 121.16552).abs() < 1e-9, "{p}");
    assert_eq!(p["speed_mps"], 12.5);
    let devices = get_json(s.http, "/api/v1/devices");
    assert_eq!(devices["count"], 4, "{devices}");
}

#[test]
fn a_broker_that_is_not_there_is_a_clear_error() {
    let port = free_port();
    let out = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args([
            "serve",
            "--allow-unsigned",
            "--broker",
            &format!("mqtt://127.0.0.1:{port}"),
            "--http-listen",
            &format!("127.0.0.1:{}", free_port()),
            "--udp-listen",
            "off",
            "--data-dir",
        ])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect to the MQTT broker"), "{err}");
}

/// With an external broker, the ACL `roadcloud devices export-acl --format mosquitto`
/// generates from the registry holds there too: Mosquitto over TLS with the zone's client
/// certificates (the CN as user name), roadcloud its client over TLS (`--broker mqtts://`
/// with its own certificate from the PKI). A device's own uplink reaches the world, another
/// device's does not; `#`, `V2X/#`, uplinks and another device's downlink bring nothing; the
/// follower of a closing pair gets its advisory on its own downlink.
#[test]
fn the_generated_acl_holds_on_mosquitto() {
    use common::tls::*;
    use rumqttc::QoS;
    let dir = tempfile::tempdir().unwrap();
    let (pki, data) = (dir.path().join("pki"), dir.path().join("data"));
    roadcloud(&["pki", "init", "--dir", &pki.display().to_string()], None);
    let (a, b) = (0xb1, 0xb2);
    let a_cert = issue(&pki, &data, &format!("obu:{}", vehicle_id(a)));
    let b_cert = issue(&pki, &data, &format!("obu:{}", vehicle_id(b)));
    let rsu = "5253552d41543031";
    let rsu_cert = issue(&pki, &data, &format!("rsu:{rsu}"));
    let follower_cert = issue(&pki, &data, &format!("obu:{}", hex(&FOLLOWER)));
    let viewer = add_user(&data, "vic", "viewer", None);
    let acl = roadcloud(
        &[
            "devices",
            "export-acl",
            "--format",
            "mosquitto",
            "--data-dir",
            &data.display().to_string(),
        ],
        None,
    );
    assert!(
        acl.contains(&format!("user obu:{}", vehicle_id(a))),
        "{acl}"
    );
    let acl_file = dir.path().join("acl.conf");
    std::fs::write(&acl_file, &acl).unwrap();
    let port = free_port();
    let conf = dir.path().join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\n\
             cafile {ca}\ncertfile {cert}\nkeyfile {key}\n\
             require_certificate true\nuse_identity_as_username true\n\
             allow_anonymous false\nacl_file {acl}\npersistence false\n\
             # Under a test runner as root, keep reading the test's private files.\nuser root\n",
            ca = pki.join("ca.crt").display(),
            cert = pki.join("server.crt").display(),
            key = pki.join("server.key").display(),
            acl = acl_file.display(),
        ),
    )
    .unwrap();
    let log_path = dir.path().join("mosquitto.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = Command::new(mosquitto_binary())
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start mosquitto");
    let _broker = Mosquitto {
        child,
        port,
        _dir: tempfile::tempdir().unwrap(),
    };
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "Mosquitto did not start: {}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let s = serve_secured(
        &pki,
        &data,
        &[
            "--broker",
            &format!("mqtts://localhost:{port}"),
            "--mqtt-listen",
            "off",
        ],
    );
    let (a_client, a_rx) = mqtt_connect(port, "a", &certified(&s.ca, &a_cert)).unwrap();
    publish_until(
        &a_client,
        Duration::from_secs(15),
        || bsm_of(a),
        || has_participant(&s, &viewer, &vehicle_id(a)),
    );
    for filter in [
        "#".to_string(),
        "V2X/#".into(),
        "V2X/+/+/+/UP".into(),
        format!("V2X/OBU/{}/ADVICE/DOWN", vehicle_id(b)),
        format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER)),
    ] {
        a_client.subscribe(filter, QoS::AtMostOnce).unwrap();
    }
    // A posing as B.
    for _ in 0..5 {
        let (topic, payload) = bsm_of(b);
        a_client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .unwrap();
    }
    let (f_client, f_rx) =
        mqtt_connect(port, "follower", &certified(&s.ca, &follower_cert)).unwrap();
    f_client
        .subscribe(
            format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER)),
            QoS::AtMostOnce,
        )
        .unwrap();
    let (rsu_client, _r) = mqtt_connect(port, "rsu", &certified(&s.ca, &rsu_cert)).unwrap();
    let (b_client, _b) = mqtt_connect(port, "b", &certified(&s.ca, &b_cert)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let advisory = follower_advised(&rsu_client, rsu, &b_client, b, &f_rx);
    assert_eq!(
        advisory.topic,
        format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER))
    );
    assert!(
        receives_publish(&a_rx, Duration::from_secs(2)).is_none(),
        "A received a message not its own through Mosquitto"
    );
    // B appeared from its own publishes, not before.
    publish_until(
        &b_client,
        Duration::from_secs(15),
        || bsm_of(b),
        || has_participant(&s, &viewer, &vehicle_id(b)),
    );
}
