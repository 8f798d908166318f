//! roadcloud as a client of a real Mosquitto: devices publish to Mosquitto, roadcloud
//! (`--broker mqtt://...`, its own broker off) reads every uplink from it.
//!
//! Needs the `mosquitto` binary (Debian package `mosquitto`; `scripts/test.sh` installs it),
//! found on PATH, in /usr/sbin, or at $MOSQUITTO.

mod common;

use common::acl::Broker;
use common::*;
use std::process::Command;
use std::time::Duration;

/// A Mosquitto on a free loopback port, stopped when dropped.
fn mosquitto() -> Broker {
    let dir = tempfile::tempdir().unwrap();
    // Mosquitto has read its configuration once it listens: the folder may go.
    common::acl::mosquitto(dir.path(), "allow_anonymous true\npersistence false\n")
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
/// certificates (the CN as user name; `common::acl` says what is checked).
#[test]
fn the_generated_acl_holds_on_mosquitto() {
    common::acl::generated_acl_holds("mosquitto", |dir, pki, acl| {
        let acl_file = dir.join("acl.conf");
        std::fs::write(&acl_file, acl).unwrap();
        common::acl::mosquitto(
            dir,
            &format!(
                "cafile {ca}\ncertfile {cert}\nkeyfile {key}\n\
                 require_certificate true\nuse_identity_as_username true\n\
                 allow_anonymous false\nacl_file {acl}\npersistence false\n\
                 # Under a test runner as root, keep reading the test's private files.\nuser root\n",
                ca = pki.join("ca.crt").display(),
                cert = pki.join("server.crt").display(),
                key = pki.join("server.key").display(),
                acl = acl_file.display(),
            ),
        )
    });
}
