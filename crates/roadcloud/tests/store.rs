//! What `roadcloud serve` reports as stored survives `kill -9`; device status changes are
//! stored; settings come from a TOML file with flags winning.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const VEHICLES: u64 = 20;

fn stored(s: &Server) -> Value {
    get_json(s.http, "/api/v1/stats")["stored"].clone()
}

fn trajectory_ats(s: &Server, vehicle: &str) -> BTreeSet<i64> {
    get_json(
        s.http,
        &format!("/api/v1/history/trajectories/{vehicle}?limit=100000"),
    )["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["at"].as_i64().unwrap())
        .collect()
}

#[test]
fn what_the_api_reported_as_stored_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    // Its vehicles repeat one moment (common::publish_bsm): detection would quarantine them
    // within a second, before their trajectories are stored.
    let s = start_in(
        dir.path(),
        &[
            &["--trajectory-interval-ms", "200"][..],
            &ONE_MOMENT_REPEATED,
        ]
        .concat(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    // Load: 20 vehicles at 10 Hz and an RSU announcing its road, until the kill and after.
    let load = {
        let (stop, port) = (stop.clone(), s.mqtt);
        std::thread::spawn(move || {
            let c = client(port, "load");
            let (rsu, map, mut spat, rsi) = road_vectors();
            while !stop.load(Ordering::Relaxed) {
                for n in 0..VEHICLES {
                    publish_bsm(&c, n);
                }
                publish_road(&c, &rsu, &map, &mut spat, &rsi);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    // Watch what the API reports as stored for a while, under load.
    let vehicle = vehicle_id(7);
    let mut reported = (Value::Null, BTreeSet::new());
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) || reported.1.len() < 5 {
        assert!(start.elapsed() < Duration::from_secs(20), "nothing stored");
        reported = (stored(&s), trajectory_ats(&s, &vehicle));
        std::thread::sleep(Duration::from_millis(150));
    }
    let (counts, ats) = reported;
    let events_reported = get_json(s.http, "/api/v1/history/events")["count"].clone();
    // Then kill -9, mid-load, and start again on the same data directory.
    let mut s = s;
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    let s2 = start_in(dir.path(), &ONE_MOMENT_REPEATED);
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
    let after = stored(&s2);
    for table in ["trajectories", "events", "device_status"] {
        assert!(
            after[table].as_u64() >= counts[table].as_u64(),
            "{table}: reported {} before the kill, {} after",
            counts[table],
            after[table]
        );
    }
    assert!(
        counts["trajectories"].as_u64() >= Some(VEHICLES * 5),
        "{counts}"
    );
    assert!(counts["events"].as_u64() >= Some(3), "{counts}");
    assert!(
        counts["device_status"].as_u64() >= Some(VEHICLES),
        "{counts}"
    );
    let ats_after = trajectory_ats(&s2, &vehicle);
    assert!(
        ats.is_subset(&ats_after),
        "samples reported before the kill are missing: {:?}",
        ats.difference(&ats_after).collect::<Vec<_>>()
    );
    assert!(
        get_json(s2.http, "/api/v1/history/events?limit=100000")["count"].as_u64()
            >= events_reported.as_u64()
    );
    drop(s);
}

#[test]
fn devices_going_online_and_offline_are_stored() {
    let s = start_with(&["--device-offline-ms", "300"]);
    let c = client(s.mqtt, "obu-brief");
    let vehicle = vehicle_id(3);
    let path = format!("/api/v1/history/devices?device={vehicle}");
    wait_until(Duration::from_secs(10), || {
        publish_bsm(&c, 3);
        std::thread::sleep(Duration::from_millis(50));
        get_json(s.http, &path)["count"].as_u64() >= Some(1)
    });
    // Silent now: it goes offline, and that is stored too (newest first).
    wait_until(Duration::from_secs(5), || {
        get_json(s.http, &path)["changes"][0]["status"] == "offline"
    });
    let changes = get_json(s.http, &path)["changes"].clone();
    let statuses: Vec<&str> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses[..2], ["offline", "online"], "{changes}");
    assert_eq!(changes[0]["kind"], "obu");
    // A malformed window is a clear 400.
    let (code, body) = get(s.http, "/api/v1/history/devices?from=yesterday").unwrap();
    assert_eq!(code, 400);
    assert!(body.contains("from must be an integer"), "{body}");
}

#[test]
fn settings_come_from_the_config_file_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let (mqtt, file_http, flag_http) = (free_port(), free_port(), free_port());
    let config = dir.path().join("roadcloud.toml");
    std::fs::write(
        &config,
        format!(
            "mqtt-listen = \"127.0.0.1:{mqtt}\"\nhttp-listen = \"127.0.0.1:{file_http}\"\n\
             udp-listen = \"off\"\ndata-dir = \"{}\"\nrate-per-s = 5.0\n\
             [apps.FCW]\nttc_warning_s = 3.0\n[apps.\"BSW/LCW\"]\nenabled = false\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(["serve", "--allow-unsigned", "--config"])
        .arg(&config)
        .args(["--http-listen", &format!("127.0.0.1:{flag_http}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(Duration::from_secs(20), || {
        get(flag_http, "/healthz").is_some_and(|(c, _)| c == 200)
    });
    assert!(get(file_http, "/healthz").is_none(), "the flag wins");
    // The applications' tables are in force.
    let apps = get_json(flag_http, "/api/v1/apps");
    let app = |id: &str| {
        apps["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(app("FCW")["params"]["ttc_warning_s"], 3.0);
    assert_eq!(app("FCW")["enabled"], true);
    assert_eq!(app("BSW/LCW")["enabled"], false);
    // The file's MQTT address and rate limit are in force: a burst of 30 BSMs from one
    // vehicle gets 10 through (burst = 2 × 5/s) and the rest rate-limited.
    let c = client(mqtt, "config-test");
    wait_until(Duration::from_secs(10), || {
        publish_bsm(&c, 1);
        std::thread::sleep(Duration::from_millis(100));
        get_json(flag_http, "/api/v1/stats")["admitted"].as_u64() >= Some(1)
    });
    for _ in 0..30 {
        publish_bsm(&c, 1);
    }
    wait_until(Duration::from_secs(10), || {
        get_json(flag_http, "/api/v1/stats")["rejected"]["rate_limited"].as_u64() >= Some(10)
    });
    assert!(dir.path().join("data/roadcloud.db").exists());
    child.kill().unwrap();
    child.wait().unwrap();

    // An unknown key is an error that names it and lists the right ones.
    std::fs::write(&config, "http_listen = \"127.0.0.1:1\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(["serve", "--allow-unsigned", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown setting \"http_listen\"") && err.contains("http-listen"),
        "{err}"
    );
    // So is an application's unknown parameter.
    std::fs::write(&config, "[apps.FCW]\nttc = 3.0\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(["serve", "--allow-unsigned", "--config"])
        .arg(&config)
        .args(["--mqtt-listen", "off", "--udp-listen", "off"])
        .arg("--data-dir")
        .arg(dir.path().join("data2"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[apps.FCW]") && err.contains("ttc_warning_s"),
        "{err}"
    );
}
