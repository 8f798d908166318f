//! `roadcloud serve` end to end: a real MQTT client publishes to its MQTT front end, and the
//! HTTP API shows what the platform made of it.

mod common;

use common::*;
use roadcloud_csae::{DSecond, MessageFrame, encode};
use roadcloud_transport::DeviceId;
use rumqttc::QoS;
use serde_json::Value;
use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn a_published_bsm_becomes_a_participant_with_correct_units() {
    let s = start();
    let MessageFrame::BsmFrame(mut bsm) = vector("bsm_01_passenger_car") else {
        panic!()
    };
    let id = "5a1f3c7e00a1b2c3";
    let c = client(s.mqtt, "obu-test");
    // Publish the vector re-stamped to now, a few times (the first may race the subscription).
    wait_until(Duration::from_secs(10), || {
        bsm.sec_mark = DSecond(sec_mark_now());
        let payload = encode(&MessageFrame::BsmFrame(bsm.clone())).unwrap();
        c.publish(
            format!("V2X/OBU/{id}/BSM/UP"),
            QoS::AtLeastOnce,
            false,
            payload,
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        get_json(s.http, "/api/v1/participants")["count"] == 1
    });
    let p = get_json(s.http, &format!("/api/v1/participants/{id}"));
    assert_eq!(p["type"], "vehicle");
    assert!((p["lat"].as_f64().unwrap() - 31.2875).abs() < 1e-9, "{p}");
    assert!((p["lon"].as_f64().unwrap() - 121.16552).abs() < 1e-9, "{p}");
    assert_eq!(p["speed_mps"], 12.5);
    assert_eq!(p["heading_deg"], 180.0);
    assert_eq!(p["sources"], serde_json::json!(["self"]));
    // Outside a bounding box it is not listed; inside it is.
    let outside = get_json(s.http, "/api/v1/participants?bbox=121.0,31.0,121.1,31.1");
    assert_eq!(outside["count"], 0);
    let inside = get_json(
        s.http,
        "/api/v1/participants?bbox=121.16,31.28,121.17,31.29",
    );
    assert_eq!(inside["count"], 1);
    assert_eq!(
        get(s.http, "/api/v1/participants?bbox=nonsense").unwrap().0,
        400
    );
    assert_eq!(
        get(s.http, "/api/v1/participants/0000000000000000")
            .unwrap()
            .0,
        404
    );
}

#[test]
fn bad_senders_are_rejected_counted_and_everyone_else_still_served() {
    let s = start();
    let MessageFrame::BsmFrame(mut bsm) = vector("bsm_01_passenger_car") else {
        panic!()
    };
    let c = client(s.mqtt, "mixed");
    let honest = "5a1f3c7e00a1b2c3";
    let spoofer = "0102030405060708";
    wait_until(Duration::from_secs(10), || {
        bsm.sec_mark = DSecond(sec_mark_now());
        let good = encode(&MessageFrame::BsmFrame(bsm.clone())).unwrap();
        // Spoofed: vehicle 0102... publishes a BSM carrying another vehicle's id.
        c.publish(
            format!("V2X/OBU/{spoofer}/BSM/UP"),
            QoS::AtLeastOnce,
            false,
            good.clone(),
        )
        .unwrap();
        // Undecodable payload.
        c.publish(
            format!("V2X/OBU/{spoofer}/BSM/UP"),
            QoS::AtLeastOnce,
            false,
            vec![0xff, 0x00],
        )
        .unwrap();
        // Stale: generated 10 s ago.
        let mut old = bsm.clone();
        old.sec_mark = DSecond(((u32::from(sec_mark_now()) + 50_000) % 60_000) as u16);
        let stale = encode(&MessageFrame::BsmFrame(old)).unwrap();
        c.publish(
            format!("V2X/OBU/{honest}/BSM/UP"),
            QoS::AtLeastOnce,
            false,
            stale,
        )
        .unwrap();
        c.publish(
            format!("V2X/OBU/{honest}/BSM/UP"),
            QoS::AtLeastOnce,
            false,
            good,
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let st = get_json(s.http, "/api/v1/stats");
        st["rejected"]["spoofed"].as_u64() >= Some(1)
            && st["rejected"]["undecodable"].as_u64() >= Some(1)
            && st["rejected"]["stale"].as_u64() >= Some(1)
            && st["participants"] == 1
    });
    let devices = get_json(s.http, "/api/v1/devices");
    let spoof = devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == spoofer)
        .unwrap();
    assert!(
        spoof["rejected"]["spoofed"].as_u64().unwrap() >= 1,
        "{spoof}"
    );
    assert_eq!(spoof["admitted"], 0);
    let (code, metrics) = get(s.http, "/metrics").unwrap();
    assert_eq!(code, 200);
    assert!(
        metrics.contains("roadcloud_frames_rejected_total{reason=\"spoofed\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("roadcloud_participants 1"), "{metrics}");
}

#[test]
fn a_vehicle_seen_by_two_rsus_is_one_participant_with_three_sources() {
    let s = start();
    let MessageFrame::BsmFrame(mut bsm) = vector("bsm_01_passenger_car") else {
        panic!()
    };
    let MessageFrame::RsmFrame(mut rsm) = vector("rsm_01_three_participants") else {
        panic!()
    };
    // Make the RSM's first participant the BSM vehicle: at the same place, same motion.
    rsm.participants.0.truncate(1);
    let p = &mut rsm.participants.0[0];
    p.ptc_type = roadcloud_csae::ParticipantType::Motor;
    p.vehicle_class = Some(bsm.vehicle_class.clone());
    p.pos.offset_ll =
        roadcloud_csae::PositionOffsetLL::PositionLatLon(roadcloud_csae::PositionLLmD64b {
            lon: bsm.pos.long,
            lat: bsm.pos.lat,
        });
    p.speed = bsm.speed;
    p.heading = bsm.heading;
    let c = client(s.mqtt, "rsus");
    wait_until(Duration::from_secs(10), || {
        let now = sec_mark_now();
        bsm.sec_mark = DSecond(now);
        c.publish(
            "V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP",
            QoS::AtLeastOnce,
            false,
            encode(&MessageFrame::BsmFrame(bsm.clone())).unwrap(),
        )
        .unwrap();
        for rsu in [[0x11u8; 8], [0x22u8; 8]] {
            let mut r = rsm.clone();
            r.id = rsu;
            r.participants.0[0].sec_mark = DSecond(now);
            let topic = format!("V2X/RSU/{}/RSM/UP", DeviceId(rsu));
            c.publish(
                topic,
                QoS::AtLeastOnce,
                false,
                encode(&MessageFrame::RsmFrame(r)).unwrap(),
            )
            .unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
        let ps = get_json(s.http, "/api/v1/participants");
        ps["count"] == 1 && ps["participants"][0]["sources"].as_array().map(Vec::len) == Some(3)
    });
}

#[test]
fn json_topics_and_udp_datagrams_are_ingested_too() {
    let s = start();
    // A BSM in its JSON form on the /JSON topic.
    let MessageFrame::BsmFrame(mut bsm) = vector("bsm_03_minimal") else {
        panic!()
    };
    let c = client(s.mqtt, "json");
    let id = DeviceId(bsm.id).to_string();
    // An RSU sending its RSM over UDP.
    let MessageFrame::RsmFrame(mut rsm) = vector("rsm_01_three_participants") else {
        panic!()
    };
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    wait_until(Duration::from_secs(10), || {
        bsm.sec_mark = DSecond(sec_mark_now());
        let json = roadcloud_per::to_json(&MessageFrame::BsmFrame(bsm.clone())).to_string();
        c.publish(
            format!("V2X/OBU/{id}/BSM/UP/JSON"),
            QoS::AtLeastOnce,
            false,
            json,
        )
        .unwrap();
        for p in &mut rsm.participants.0 {
            p.sec_mark = DSecond(sec_mark_now());
        }
        let datagram = encode(&MessageFrame::RsmFrame(rsm.clone())).unwrap();
        udp.send_to(&datagram, ("127.0.0.1", s.udp)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let st = get_json(s.http, "/api/v1/stats");
        st["admitted_by_kind"]["BSM"].as_u64() >= Some(1)
            && st["admitted_by_kind"]["RSM"].as_u64() >= Some(1)
    });
    let ps = get_json(s.http, "/api/v1/participants");
    assert!(
        ps["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id.as_str()),
        "{ps}"
    );
    let rsu = DeviceId(rsm.id).to_string();
    let devices = get_json(s.http, "/api/v1/devices");
    assert!(
        devices["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == rsu.as_str() && d["kind"] == "RSU"),
        "{devices}"
    );
}

#[test]
fn an_rsu_that_only_sends_heartbeats_is_online() {
    let s = start();
    let rsu = DeviceId([0x4b; 8]).to_string();
    let c = client(s.mqtt, "heartbeat");
    wait_until(Duration::from_secs(10), || {
        c.publish(
            format!("V2X/RSU/{rsu}/HB/UP"),
            QoS::AtLeastOnce,
            false,
            "alive",
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let devices = get_json(s.http, "/api/v1/devices");
        devices["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == rsu.as_str() && d["kind"] == "RSU" && d["online"] == true)
    });
    let st = get_json(s.http, "/api/v1/stats");
    assert!(st["admitted_by_kind"]["HB"].as_u64() >= Some(1), "{st}");
    assert_eq!(
        st["rejected"]["wrong_message"].as_u64().unwrap_or(0),
        0,
        "{st}"
    );
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut s = start();
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let start = Instant::now();
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn map_spat_and_rsi_show_as_intersections_signals_and_events() {
    let s = start();
    let c = client(s.mqtt, "rsu-road");
    let (rsu, map, mut spat, rsi) = road_vectors();
    wait_until(Duration::from_secs(10), || {
        publish_road(&c, &rsu, &map, &mut spat, &rsi);
        std::thread::sleep(Duration::from_millis(100));
        let xs = get_json(s.http, "/api/v1/intersections");
        let evs = get_json(s.http, "/api/v1/events");
        xs["count"].as_u64() >= Some(1)
            && xs["intersections"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| !x["signal"].is_null())
            && evs["count"] == 3
    });
    let xs = get_json(s.http, "/api/v1/intersections");
    let x = xs["intersections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "310/1001")
        .unwrap();
    assert!((x["lat"].as_f64().unwrap() - 31.2866).abs() < 1e-9);
    assert_eq!(x["links"].as_array().unwrap().len(), 4);
    let phase1 = x["signal"]["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == 1)
        .unwrap();
    assert_eq!(phase1["light"], "permissive-green", "{phase1}");
    let ttc = phase1["time_to_change_s"].as_f64().unwrap();
    assert!(ttc > 0.0 && ttc <= 18.2, "{phase1}");
    let evs = get_json(s.http, "/api/v1/events");
    let works = evs["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "event")
        .unwrap();
    assert_eq!(works["code"], 401);
    assert_eq!(works["radius_m"], 30.0);
    // With MAP known, a vehicle is matched to its lane: the BSM vector's car drives south in
    // the left-turn lane of the north approach.
    let mut car = Value::Null;
    wait_until(Duration::from_secs(10), || {
        publish_bsm(&c, 0);
        std::thread::sleep(Duration::from_millis(100));
        car = get_json(s.http, &format!("/api/v1/participants/{}", vehicle_id(0)));
        !car["lane"].is_null()
    });
    assert_eq!(car["lane"]["id"], "310/1001:310/1002:1", "{car}");
    assert!(
        (car["lane"]["to_stop_line_m"].as_f64().unwrap() - 80.0).abs() < 1.0,
        "{car}"
    );
    let lanes = &x["links"][0]["lanes"];
    assert_eq!(
        lanes[0]["centre_line"].as_array().unwrap().len(),
        3,
        "{lanes}"
    );
}

#[test]
fn every_route_the_openapi_document_describes_is_served() {
    let s = start();
    let doc = get_json(s.http, "/api/v1/openapi.json");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert!(paths.len() >= 9, "{paths:?}");
    for p in paths {
        // Every documented path answers; a path parameter gets a value naming nothing.
        let templated = p.contains('{');
        let concrete: String = p
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "0000000000000000"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let (code, body) = get(s.http, &concrete).unwrap();
        let expected = if doc["paths"][p]["get"].is_null() {
            405 // served, for another method (POST /api/v1/login, PUT .../devices/{identity})
        } else if p == "/api/v1/live" {
            400 // a plain GET is not a WebSocket upgrade
        } else if templated && !p.contains("/history/") {
            404
        } else {
            200
        };
        assert_eq!(code, expected, "{p}: {body}");
    }
    // And an undocumented path does not.
    assert_eq!(get(s.http, "/api/v1/nothing").unwrap().0, 404);
}

#[test]
fn signal_state_and_events_expire_when_their_senders_fall_silent() {
    let s = start_with(&["--signal-ttl-ms", "500", "--event-ttl-ms", "500"]);
    let c = client(s.mqtt, "rsu-silent");
    let MessageFrame::SpatFrame(mut spat) = vector("spat_01_anting_counting") else {
        panic!()
    };
    let MessageFrame::RsiFrame(mut rsi) = vector("rsi_02_speed_limit_sign") else {
        panic!()
    };
    for t in rsi.rtss.iter_mut().flat_map(|l| l.0.iter_mut()) {
        t.time_details = None;
    }
    let MessageFrame::MapFrame(map) = vector("map_01_anting_4arm") else {
        panic!()
    };
    let rsu = DeviceId(rsi.id).to_string();
    c.publish(
        format!("V2X/RSU/{rsu}/MAP/UP"),
        QoS::AtLeastOnce,
        false,
        encode(&MessageFrame::MapFrame(map)).unwrap(),
    )
    .unwrap();
    let mut published = Instant::now();
    wait_until(Duration::from_secs(10), || {
        restamp_spat(&mut spat);
        c.publish(
            format!("V2X/RSU/{rsu}/SPAT/UP"),
            QoS::AtLeastOnce,
            false,
            encode(&MessageFrame::SpatFrame(spat.clone())).unwrap(),
        )
        .unwrap();
        c.publish(
            format!("V2X/RSU/{rsu}/RSI/UP"),
            QoS::AtLeastOnce,
            false,
            encode(&MessageFrame::RsiFrame(rsi.clone())).unwrap(),
        )
        .unwrap();
        published = Instant::now();
        std::thread::sleep(Duration::from_millis(50));
        let st = get_json(s.http, "/api/v1/stats");
        st["admitted_by_kind"]["SPAT"].as_u64() >= Some(1)
            && get_json(s.http, "/api/v1/events")["count"].as_u64() >= Some(1)
    });
    // Silent now: within a second both are gone.
    let signal_of_1001 = || {
        let xs = get_json(s.http, "/api/v1/intersections");
        xs["intersections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == "310/1001")
            .map(|x| x["signal"].clone())
    };
    wait_until(Duration::from_secs(3), || {
        get_json(s.http, "/api/v1/events")["count"] == 0
            && signal_of_1001().is_some_and(|sig| sig.is_null())
    });
    assert!(published.elapsed() >= Duration::from_millis(500));
}

#[test]
fn the_stats_series_has_a_sample_a_second_of_what_came_in() {
    let s = start();
    let c = client(s.mqtt, "series-test");
    wait_until(Duration::from_secs(15), || {
        publish_bsm(&c, 3);
        std::thread::sleep(Duration::from_millis(100));
        get_json(s.http, "/api/v1/stats/series")["samples"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["admitted_per_s"].as_f64() > Some(0.0) && x["participants"] == 1)
    });
    let series = get_json(s.http, "/api/v1/stats/series");
    assert_eq!(series["interval_ms"], 1000);
    let samples = series["samples"].as_array().unwrap();
    assert_eq!(series["count"].as_u64(), Some(samples.len() as u64));
    for pair in samples.windows(2) {
        let gap = pair[1]["at"].as_i64().unwrap() - pair[0]["at"].as_i64().unwrap();
        assert!((900..=1_500).contains(&gap), "a sample a second: {gap} ms");
    }
    let busy = samples
        .iter()
        .find(|x| x["admitted_per_s"].as_f64() > Some(0.0))
        .unwrap();
    // At most 10 BSMs a second from one vehicle, and their latency measured.
    assert!(busy["admitted_per_s"].as_f64().unwrap() <= 12.0, "{busy}");
    assert!(busy["ingest_p99_ms"].as_f64().is_some(), "{busy}");
    assert_eq!(busy["rejected_per_s"], 0.0);
}

#[test]
fn a_road_network_file_gives_lanes_where_no_rsu_sends_map() {
    let net = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/motorway/motorway.net.xml");
    let s = start_with(&["--road-network", net.to_str().unwrap()]);
    let x = get_json(s.http, "/api/v1/intersections");
    let nodes = x["intersections"].as_array().expect("a list");
    // The merge, the diverge, the motorway's end and the off-ramp's: every junction a road
    // leads into.
    assert_eq!(nodes.len(), 4, "{x}");
    let lanes: usize = nodes
        .iter()
        .flat_map(|n| n["links"].as_array().unwrap())
        .map(|l| l["lanes"].as_array().unwrap().len())
        .sum();
    // 3 + 1 into the merge, 4 into the diverge, 3 to the end, 1 to the off-ramp's end.
    assert_eq!(lanes, 12, "{x}");
}

#[test]
fn serving_the_network_without_tls_or_authentication_is_refused_unless_insecure() {
    let dir = tempfile::tempdir().unwrap();
    let (mqtt, http) = (free_port(), free_port());
    let out = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args([
            "serve",
            "--allow-unsigned",
            "--mqtt-listen",
            &format!("0.0.0.0:{mqtt}"),
        ])
        .args(["--http-listen", &format!("127.0.0.1:{http}")])
        .args(["--udp-listen", "off", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("--mqtt-listen 0.0.0.0:{mqtt}")),
        "{err}"
    );
    assert!(err.contains("--insecure"), "{err}");
    // Nothing was bound or written before the refusal.
    assert!(std::net::TcpListener::bind(("0.0.0.0", mqtt)).is_ok());
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());

    // With --insecure it starts, and says so.
    let s = start_with(&[
        "--mqtt-listen",
        &format!("0.0.0.0:{mqtt}"),
        "--udp-listen",
        "off",
        "--insecure",
    ]);
    let exposure = &get_json(s.http, "/api/v1/stats")["exposure"];
    assert_eq!(exposure["mode"], "insecure", "{exposure}");
    assert_eq!(
        exposure["exposed"],
        serde_json::json!([format!("--mqtt-listen 0.0.0.0:{mqtt}")])
    );
    // The defaults are loopback: protected.
    drop(s);
    let s = start();
    assert_eq!(
        get_json(s.http, "/api/v1/stats")["exposure"]["mode"],
        "protected"
    );
}
