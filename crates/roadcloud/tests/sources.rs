//! The sources a node takes messages from, each behind `roadcloud_transport::Source` and
//! wired from the settings: a NATS server (`--nats-uplinks`), and the sources a config
//! file's `[[sources]]` tables add to those of the flags.
//!
//! Needs the `nats-server` binary (Debian package `nats-server`; `scripts/test.sh` installs
//! it), found on PATH, in /usr/sbin, or at $NATS_SERVER.

mod common;

use common::*;
use roadcloud_csae::{MessageFrame, encode};
use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

/// Devices connect over MQTT to nats-server (its MQTT support), which names their topics
/// as subjects; roadcloud reads those as a NATS client, and its advisories reach the
/// devices the same way back.
#[test]
fn devices_reach_roadcloud_through_a_nats_server() {
    let dir = tempfile::tempdir().unwrap();
    let (nats_port, mqtt_port) = (free_port(), free_port());
    // nats-server's MQTT needs JetStream and a server name.
    let conf = format!(
        "server_name: roadcloud_sources\nlisten: 127.0.0.1:{nats_port}\n\
         jetstream {{ store_dir: \"{}\" }}\nmqtt {{ listen: 127.0.0.1:{mqtt_port} }}\n",
        dir.path().join("js").display()
    );
    let _nats = nats_server_with(dir.path(), &conf, &[nats_port, mqtt_port]);
    let s = start_with(&[
        "--mqtt-listen",
        "off",
        "--nats-uplinks",
        &format!("nats://127.0.0.1:{nats_port}"),
        ONE_MOMENT_REPEATED[0],
        ONE_MOMENT_REPEATED[1],
    ]);
    let feed = advisory_feed(mqtt_port, "feed");
    let c = client(mqtt_port, "pair");
    let mut warned = false;
    wait_until(Duration::from_secs(15), || {
        publish_closing_pair(&c);
        std::thread::sleep(Duration::from_millis(100));
        warned = warned
            || feed
                .try_iter()
                .any(|v| v["scenario"] == "FCW" && v["target"] == hex(&FOLLOWER));
        warned
    });
    let ps = get_json(s.http, "/api/v1/participants");
    assert!(
        ps["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == hex(&LEADER)),
        "{ps}"
    );
}

/// A config file's `[[sources]]` add to the flags' sources: here a second UDP listener,
/// which takes an RSU's datagrams as the first does.
#[test]
fn a_config_files_sources_add_to_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let second = free_udp_port();
    let config = dir.path().join("roadcloud.toml");
    std::fs::write(
        &config,
        format!("[[sources]]\nkind = \"udp\"\nlisten = \"127.0.0.1:{second}\"\n"),
    )
    .unwrap();
    let s = start_with(&["--config", config.to_str().unwrap()]);
    let MessageFrame::RsmFrame(mut rsm) = vector("rsm_01_three_participants") else {
        panic!()
    };
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    wait_until(Duration::from_secs(10), || {
        for p in &mut rsm.participants.0 {
            p.sec_mark = roadcloud_csae::DSecond(sec_mark_now());
        }
        let datagram = encode(&MessageFrame::RsmFrame(rsm.clone())).unwrap();
        udp.send_to(&datagram, ("127.0.0.1", second)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        get_json(s.http, "/api/v1/stats")["admitted_by_kind"]["RSM"].as_u64() >= Some(1)
    });
    // The flags' own UDP listener still listens too.
    assert!(UdpSocket::bind(("127.0.0.1", s.udp)).is_err());

    // A second MQTT front end is refused, saying what to do.
    std::fs::write(
        &config,
        "[[sources]]\nkind = \"mqtt\"\nlisten = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(["serve", "--allow-unsigned", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("one MQTT front end"), "{err}");
}
