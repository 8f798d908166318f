//! Signed messages end to end (issue 15): `serve --v2x-trust` admits what the zone's
//! certificates sign, over MQTT and UDP, and turns away every other message for its reason,
//! counted in /metrics; a certificate revoked while it runs is refused from the CRL on.

mod common;

use common::*;
use roadcloud_csae::{DSecond, MessageFrame, encode};
use roadcloud_security::asn::{
    CircularRegion, GeographicRegion, Latitude, Longitude, TwoDLocation,
};
use roadcloud_security::crypto::Algorithm;
use roadcloud_security::pki::{DeviceRole, ZonePki};
use roadcloud_security::profile::{AID_BSM, AID_MAP, AID_RSI_DYNAMIC, AID_RSM, AID_SPAT};
use roadcloud_security::sign::{Credential, Header, SignerForm, sign};
use roadcloud_transport::{DeviceId, now_millis};
use rumqttc::QoS;
use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

fn signed_at(
    frame: &MessageFrame,
    aid: u64,
    at_ms: i64,
    who: &Credential,
    form: SignerForm,
) -> Vec<u8> {
    let header = Header::at(at_ms);
    sign(&encode(frame).unwrap(), aid, header, who, form)
}

/// How a device's `n`-th beacon names its signer: the certificate in full once a second (every
/// tenth beacon at 10 Hz), its digest otherwise, as 1609.2 devices do.
fn beacon_form(n: u32) -> SignerForm {
    if n.is_multiple_of(10) {
        SignerForm::Certificate
    } else {
        SignerForm::Digest
    }
}

fn signed(frame: &MessageFrame, aid: u64, who: &Credential, form: SignerForm) -> Vec<u8> {
    signed_at(frame, aid, now_millis(), who, form)
}

/// Vehicle `id`'s BSM as of now, `north` × 10 m north of the vector's position.
fn bsm(id: [u8; 8], north: i32) -> MessageFrame {
    let MessageFrame::BsmFrame(mut b) = vector("bsm_01_passenger_car") else {
        panic!()
    };
    b.id = id;
    b.sec_mark = DSecond(sec_mark_now());
    b.pos.lat.0 += north * 900;
    MessageFrame::BsmFrame(b)
}

fn metric(http: u16, line: &str) -> u64 {
    let (_, text) = get(http, "/metrics").expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.trim().parse().ok())
        .unwrap_or(0)
}

fn rejected(http: u16, reason: &str) -> u64 {
    metric(
        http,
        &format!("roadcloud_frames_rejected_total{{reason=\"{reason}\"}}"),
    )
}

fn beijing() -> GeographicRegion {
    GeographicRegion::CircularRegion(CircularRegion {
        center: TwoDLocation {
            latitude: Latitude(399_042_000),
            longitude: Longitude(1_164_074_000),
        },
        radius: 10_000,
    })
}

/// A test zone whose CAs were made a month ago (so a certificate can have expired).
fn zone(dir: &Path) -> ZonePki {
    ZonePki::init(
        &dir.join("v2x"),
        Algorithm::Sm2,
        None,
        now_millis() - 30 * DAY_MS,
    )
    .unwrap()
}

const DAY_MS: i64 = 86_400_000;

#[test]
fn signed_messages_are_admitted_over_mqtt_and_udp_and_every_failure_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let pki = zone(dir.path());
    let now = now_millis();
    let car = pki
        .issue_device("car", DeviceRole::Obu, None, now, true)
        .unwrap();
    let (rsu_id, map, mut spat, rsi) = road_vectors();
    let rsu = pki
        .issue_device(&rsu_id, DeviceRole::Rsu, None, now, true)
        .unwrap();
    let trust = dir.path().join("v2x");
    // Every signature checked on arrival, so that each failure is refused as it comes (on
    // demand, a forged BSM of a known vehicle is caught later: the next test).
    let s = start_with(&["--v2x-trust", trust.to_str().unwrap(), "--verify", "all"]);
    let c = client(s.mqtt, "signed-test");
    let car_id = [0x5a, 0x51, 0, 0, 0, 0, 0, 1];
    let car_topic = format!("V2X/OBU/{}/BSM/UP", hex(&car_id));
    let publish = |topic: &str, payload: Vec<u8>| {
        c.publish(topic, QoS::AtLeastOnce, false, payload).unwrap();
    };

    // Every kind signed, by certificate: admitted.
    let MessageFrame::RsmFrame(mut rsm) = vector("rsm_01_three_participants") else {
        panic!()
    };
    rsm.id = DeviceId::parse(&rsu_id).unwrap().0;
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut north = 0;
    wait_until(Duration::from_secs(15), || {
        north += 1;
        publish(
            &car_topic,
            signed(&bsm(car_id, north), AID_BSM, &car, SignerForm::Certificate),
        );
        restamp_spat(&mut spat);
        for (kind, frame, aid) in [
            ("MAP", MessageFrame::MapFrame(map.clone()), AID_MAP),
            ("SPAT", MessageFrame::SpatFrame(spat.clone()), AID_SPAT),
            ("RSI", MessageFrame::RsiFrame(rsi.clone()), AID_RSI_DYNAMIC),
        ] {
            publish(
                &format!("V2X/RSU/{rsu_id}/{kind}/UP"),
                signed(&frame, aid, &rsu, SignerForm::Certificate),
            );
        }
        for p in &mut rsm.participants.0 {
            p.sec_mark = DSecond(sec_mark_now());
        }
        let datagram = signed(
            &MessageFrame::RsmFrame(rsm.clone()),
            AID_RSM,
            &rsu,
            SignerForm::Certificate,
        );
        udp.send_to(&datagram, ("127.0.0.1", s.udp)).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let stats = get_json(s.http, "/api/v1/stats");
        let by = &stats["admitted_by_kind"];
        ["BSM", "MAP", "SPAT", "RSI", "RSM"]
            .iter()
            .all(|k| by[*k].as_u64().unwrap_or(0) >= 1)
    });
    let stats = get_json(s.http, "/api/v1/stats");
    assert_eq!(stats["signatures"]["required"], true, "{stats}");
    assert_eq!(stats["signatures"]["unsigned"], 0, "{stats}");

    // By digest, once the certificate was seen: admitted.
    let before = metric(s.http, "roadcloud_messages_verified_total");
    north += 1;
    publish(
        &car_topic,
        signed(&bsm(car_id, north), AID_BSM, &car, SignerForm::Digest),
    );
    wait_until(Duration::from_secs(5), || {
        metric(s.http, "roadcloud_messages_verified_total") > before
    });

    // Each failure, crafted.
    let other = ZonePki::init(&dir.path().join("other"), Algorithm::Sm2, None, now).unwrap();
    let stranger = other
        .issue_device("x", DeviceRole::Obu, None, now, false)
        .unwrap();
    let unseen = pki
        .issue_device("unseen", DeviceRole::Obu, None, now, false)
        .unwrap();
    let far = pki
        .issue_device("far", DeviceRole::Obu, Some(beijing()), now, false)
        .unwrap();
    // A pseudonym certificate of ten days ago: its week is over.
    let old = pki
        .issue_device("old", DeviceRole::Obu, None, now - 10 * DAY_MS, false)
        .unwrap();
    let mut next = || {
        north += 1;
        bsm(car_id, north)
    };
    let mut tampered = signed(&next(), AID_BSM, &car, SignerForm::Digest);
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x10;
    let twice = signed(&next(), AID_BSM, &car, SignerForm::Digest);
    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        ("unsigned", car_topic.clone(), encode(&next()).unwrap()),
        ("bad_signature", car_topic.clone(), tampered),
        (
            "unknown_signer",
            car_topic.clone(),
            signed(&next(), AID_BSM, &unseen, SignerForm::Digest),
        ),
        (
            "untrusted_chain",
            car_topic.clone(),
            signed(&next(), AID_BSM, &stranger, SignerForm::Certificate),
        ),
        // A pseudonym certificate whose week is over.
        (
            "expired",
            car_topic.clone(),
            signed(&next(), AID_BSM, &old, SignerForm::Certificate),
        ),
        // Generated 5 s ago: refused on its header, before its signature is checked.
        (
            "stale",
            car_topic.clone(),
            signed_at(
                &next(),
                AID_BSM,
                now_millis() - 5_000,
                &car,
                SignerForm::Digest,
            ),
        ),
        // A vehicle's certificate does not permit a MAP.
        (
            "not_permitted",
            format!("V2X/RSU/{rsu_id}/MAP/UP"),
            signed(
                &MessageFrame::MapFrame(map.clone()),
                AID_MAP,
                &car,
                SignerForm::Digest,
            ),
        ),
        (
            "outside_region",
            car_topic.clone(),
            signed(&next(), AID_BSM, &far, SignerForm::Certificate),
        ),
        ("replayed", car_topic.clone(), twice.clone()),
    ];
    publish(&car_topic, twice);
    for (reason, topic, payload) in cases {
        let before = rejected(s.http, reason);
        publish(&topic, payload);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while rejected(s.http, reason) <= before {
            if std::time::Instant::now() > deadline {
                let (_, m) = get(s.http, "/metrics").unwrap();
                let counts: Vec<&str> = m
                    .lines()
                    .filter(|l| l.starts_with("roadcloud_frames_rejected_total"))
                    .collect();
                panic!("no rejection as {reason}: {counts:#?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    // Revoked while serving: the CRL file changes, serve takes it within seconds.
    pki.revoke(&car.encoded, now_millis()).unwrap();
    wait_until(Duration::from_secs(10), || {
        publish(
            &car_topic,
            signed(&next(), AID_BSM, &car, SignerForm::Digest),
        );
        std::thread::sleep(Duration::from_millis(200));
        rejected(s.http, "revoked") > 0
    });
    let v2x = get_json(s.http, "/api/v1/v2x");
    assert_eq!(v2x["revoked"], 1, "{v2x}");
}

/// A vehicle changes its pseudonym certificate and its BSM id mid-drive (YD/T 3957-2021): it
/// stays one participant, the same track, and its forward collision warnings go on, now to
/// its new id.
#[test]
fn a_vehicle_changing_pseudonym_stays_one_participant_and_keeps_its_advisories() {
    let dir = tempfile::tempdir().unwrap();
    let pki = zone(dir.path());
    let now = now_millis();
    let first = pki
        .issue_device("first", DeviceRole::Obu, None, now, false)
        .unwrap();
    let second = pki
        .issue_device("second", DeviceRole::Obu, None, now, false)
        .unwrap();
    let leader = pki
        .issue_device("leader", DeviceRole::Obu, None, now, false)
        .unwrap();
    let trust = dir.path().join("v2x");
    let s = start_with(&[
        "--v2x-trust",
        trust.to_str().unwrap(),
        ONE_MOMENT_REPEATED[0],
        ONE_MOMENT_REPEATED[1],
    ]);

    let rx = advisory_feed(s.mqtt, "obus");
    let c = client(s.mqtt, "vehicles");
    let new_id = [0x5a, 0xfc, 0, 0, 0, 0, 0, 9];
    // Round `n` of the closing pair, the follower under `id` and `cert`.
    let round = |id: [u8; 8], cert: &Credential, n: u32| {
        for (who, payload) in closing_pair() {
            let MessageFrame::BsmFrame(mut b) = roadcloud_csae::decode(&payload).unwrap() else {
                panic!()
            };
            let signer = if who == FOLLOWER {
                b.id = id;
                cert
            } else {
                &leader
            };
            // The certificate in full once a second, as devices send it.
            let form = beacon_form(n);
            let topic = format!("V2X/OBU/{}/BSM/UP", hex(&b.id));
            let spdu = signed(&MessageFrame::BsmFrame(b), AID_BSM, signer, form);
            c.publish(topic, QoS::AtMostOnce, false, spdu).unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let fcw_to = |rx: &std::sync::mpsc::Receiver<serde_json::Value>, id: &[u8; 8]| {
        rx.try_iter()
            .any(|v| v["scenario"] == "FCW" && v["target"] == hex(id))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    for n in 0.. {
        assert!(
            std::time::Instant::now() < deadline,
            "no FCW before the change"
        );
        round(FOLLOWER, &first, n);
        if fcw_to(&rx, &FOLLOWER) {
            break;
        }
    }
    let track =
        get_json(s.http, &format!("/api/v1/participants/{}", hex(&FOLLOWER)))["track"].clone();
    assert!(track.is_u64(), "{track}");

    // The change: a new certificate (sent in full first) and a new id, from the next beacon.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    for n in 0.. {
        assert!(
            std::time::Instant::now() < deadline,
            "no FCW after the change"
        );
        round(new_id, &second, n);
        let count = get_json(s.http, "/api/v1/participants")["count"]
            .as_u64()
            .unwrap();
        assert!(
            count <= 2,
            "a pseudonym change made a new participant: {count}"
        );
        if fcw_to(&rx, &new_id) {
            break;
        }
    }
    let p = get_json(s.http, &format!("/api/v1/participants/{}", hex(&new_id)));
    assert_eq!(p["track"], track, "the same track under the new id: {p}");
}

/// Verify on demand (the default): a forged BSM of a vehicle whose genuine BSMs verified a
/// moment ago is let in with its signature's check deferred, and caught before a warning
/// rests on it: no FCW goes out about the forged leader, its reports are undone and the
/// forgery counted. The same pair signed genuinely is warned.
#[test]
fn on_demand_a_forged_bsm_is_caught_before_an_advisory_rests_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let pki = zone(dir.path());
    let now = now_millis();
    let leader = pki
        .issue_device("leader", DeviceRole::Obu, None, now, false)
        .unwrap();
    let follower = pki
        .issue_device("follower", DeviceRole::Obu, None, now, false)
        .unwrap();
    let trust = dir.path().join("v2x");
    // Ten seconds between a vehicle's checks (at least five after its first): every
    // forged BSM of the two seconds below is deferred, whatever the leader's phase.
    let s = start_with(&[
        "--v2x-trust",
        trust.to_str().unwrap(),
        "--verify-interval-ms",
        "10000",
        ONE_MOMENT_REPEATED[0],
        ONE_MOMENT_REPEATED[1],
    ]);
    let advice = advisory_feed(s.mqtt, "obus");
    let c = client(s.mqtt, "vehicles");
    let pair = || {
        let mut p = closing_pair();
        // The leader first, so that the follower's report finds the leader's newest.
        p.sort_by_key(|(id, _)| *id != LEADER);
        p
    };
    let publish = |id: [u8; 8], payload: &[u8], who: &Credential, form, forge: bool| {
        let mut spdu = sign(payload, AID_BSM, Header::at(now_millis()), who, form);
        if forge {
            // The signature's last octet.
            let n = spdu.len();
            spdu[n - 1] ^= 1;
        }
        c.publish(
            format!("V2X/OBU/{}/BSM/UP", hex(&id)),
            QoS::AtMostOnce,
            false,
            spdu,
        )
        .unwrap();
    };
    let fcw = |rx: &std::sync::mpsc::Receiver<serde_json::Value>| {
        rx.try_iter()
            .any(|v| v["scenario"] == "FCW" && v["target"] == hex(&FOLLOWER))
    };
    // The leader's genuine BSM, its certificate in full: verified, its track started.
    let (_, genuine) = pair().remove(0);
    publish(LEADER, &genuine, &leader, SignerForm::Certificate, false);
    std::thread::sleep(Duration::from_millis(100));
    // Then, for two seconds, forged leader BSMs beside the follower's genuine ones.
    for n in 0..20 {
        for (id, payload) in pair() {
            if id == LEADER {
                publish(id, &payload, &leader, SignerForm::Digest, true);
            } else {
                let form = beacon_form(n);
                publish(id, &payload, &follower, form, false);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
        assert!(!fcw(&advice), "an FCW rested on a forged BSM");
    }
    wait_until(Duration::from_secs(5), || {
        metric(s.http, "roadcloud_signatures_failed_later_total") >= 1
    });
    assert!(rejected(s.http, "bad_signature") >= 1);
    let stats = get_json(s.http, "/api/v1/stats");
    assert!(
        stats["signatures"]["deferred"].as_u64().unwrap() >= 1,
        "{stats}"
    );
    // Signed genuinely, the same pair is warned.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    for n in 0.. {
        assert!(std::time::Instant::now() < deadline, "no FCW when genuine");
        for (id, payload) in pair() {
            let who = if id == LEADER { &leader } else { &follower };
            let form = beacon_form(n);
            publish(id, &payload, who, form, false);
        }
        std::thread::sleep(Duration::from_millis(100));
        if fcw(&advice) {
            break;
        }
    }
}

/// Verify on demand under `--misbehaviour enforce`: BSMs forged under an honest vehicle's
/// id, each placed 60 m off its road, are let in with their signatures' check deferred; the
/// check is made before their findings count, so they cost the honest vehicle nothing: no
/// report about it, no quarantine, its track goes on. The same jumps signed by the vehicle's
/// own key quarantine it (the test can fail).
#[test]
fn on_demand_a_forged_bsm_costs_the_vehicle_it_names_no_trust() {
    let dir = tempfile::tempdir().unwrap();
    let pki = zone(dir.path());
    let now = now_millis();
    let car = pki
        .issue_device("car", DeviceRole::Obu, None, now, false)
        .unwrap();
    let trust = dir.path().join("v2x");
    let s = start_with(&[
        "--v2x-trust",
        trust.to_str().unwrap(),
        "--misbehaviour",
        "enforce",
    ]);
    let c = client(s.mqtt, "vehicles");
    const CAR: [u8; 8] = [0x5a, 0x33, 0, 0, 0, 0, 0, 1];
    let frame = roadcloud_world::LocalFrame::new(31.2866, 121.1655);
    // Report `n`: driving north at 15 m/s from 300 m north, or 60 m east of that.
    let report = |n: u32, off_m: f64| {
        let v = roadcloud_sim::messages::VehicleState::car(
            CAR,
            roadcloud_world::Point {
                east_m: 300.0 + off_m,
                north_m: 300.0 + 1.5 * f64::from(n),
            },
            0.0,
            15.0,
        );
        let b = roadcloud_sim::messages::bsm(&frame, &v, (n % 128) as u8, now_millis());
        encode(&MessageFrame::BsmFrame(b)).unwrap()
    };
    let publish = |payload: &[u8], form, forge: bool| {
        let mut spdu = sign(payload, AID_BSM, Header::at(now_millis()), &car, form);
        if forge {
            let n = spdu.len();
            spdu[n - 1] ^= 1;
        }
        c.publish(
            format!("V2X/OBU/{}/BSM/UP", hex(&CAR)),
            QoS::AtMostOnce,
            false,
            spdu,
        )
        .unwrap();
    };
    let about_car = || {
        get_json(
            s.http,
            &format!("/api/v1/misbehaviour?device={}", hex(&CAR)),
        )["count"]
            .as_u64()
            .unwrap()
    };
    // Three seconds of the car's genuine BSMs, and between them a forger's, 60 m off.
    for n in 0..30 {
        publish(&report(n, 0.0), beacon_form(n), false);
        std::thread::sleep(Duration::from_millis(50));
        publish(&report(n, 60.0), SignerForm::Digest, true);
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_until(Duration::from_secs(5), || {
        rejected(s.http, "bad_signature") >= 1
    });
    assert_eq!(about_car(), 0, "a forgery cost the car trust");
    let (status, body) = get(s.http, &format!("/api/v1/participants/{}", hex(&CAR))).unwrap();
    assert_eq!(status, 200, "the car's track ended: {body}");
    // The same jumps under the car's own signature are its own lies.
    for n in 30..60 {
        publish(&report(n, 0.0), beacon_form(n), false);
        std::thread::sleep(Duration::from_millis(50));
        publish(&report(n, 60.0), SignerForm::Digest, false);
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_until(Duration::from_secs(5), || {
        get_json(s.http, "/api/v1/misbehaviour")["quarantined"][0] == hex(&CAR)
    });
    assert!(about_car() > 0);
}

/// One message from the command line, as a user runs it: a test zone's PKI, an ambulance's
/// certificate, its BSM signed (under the special-vehicle AID, as its emergency status
/// needs) and verified; once revoked, verification fails with the reason.
#[test]
fn sign_and_verify_from_the_command_line() {
    use common::tls::roadcloud;
    let dir = tempfile::tempdir().unwrap();
    let v2x = dir.path().join("v2x");
    let v2x = v2x.to_str().unwrap();
    roadcloud(&["pki", "v2x", "init", "--dir", v2x], None);
    roadcloud(
        &[
            "pki",
            "v2x",
            "issue",
            "--dir",
            v2x,
            "--name",
            "amb",
            "--role",
            "emergency",
        ],
        None,
    );
    let vector = roadcloud_testkit::vectors_dir().join("csae53-2020/bsm_02_ambulance.json");
    let spdu = roadcloud(
        &[
            "sign",
            "--dir",
            v2x,
            "--name",
            "amb",
            vector.to_str().unwrap(),
        ],
        None,
    );
    let out = roadcloud(&["verify", "--trust", v2x], Some(&spdu));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["aid"], 113, "{v}");
    assert!(v["message"]["bsmFrame"].is_object(), "{v}");

    let cert = dir.path().join("v2x/devices/amb.coer");
    roadcloud(
        &[
            "pki",
            "v2x",
            "revoke",
            "--dir",
            v2x,
            "--certificate",
            cert.to_str().unwrap(),
        ],
        None,
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(["verify", "--trust", v2x])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(spdu.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not verified (revoked)"), "{err}");
}
