//! The Day-2 services end to end over MQTT (issue 18): a vehicle's VIR in, the answer on
//! its downlink, decoded as a device would.

mod common;

use common::*;
use roadcloud_csae::{Day2Message, EquipmentType, MessageFrame, ParticipantType, decode, encode};
use roadcloud_signals::{Action, PriorityCommand};
use roadcloud_sim::messages::{
    Detection, PriorityAsk, VehicleState, bsm, sensor_sharing_request, signal_priority_request,
    spat, ssm,
};
use roadcloud_transport::now_millis;
use roadcloud_world::{LocalFrame, Point};
use rumqttc::{MqttOptions, QoS};
use std::time::{Duration, Instant};

const ASKER: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 1];
const TRUCK: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 2];
const HIDDEN: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 3];
const FARTHER: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 4];

fn at(north_m: f64) -> Point {
    Point {
        east_m: 700.0,
        north_m,
    }
}

fn publish(c: &rumqttc::Client, id: [u8; 8], message: &str, frame: &MessageFrame) {
    c.publish(
        format!("V2X/OBU/{}/{message}/UP", hex(&id)),
        QoS::AtLeastOnce,
        false,
        encode(frame).unwrap(),
    )
    .unwrap();
}

/// The ids an SSM shares.
fn shared(frame: &MessageFrame) -> Vec<[u8; 8]> {
    let MessageFrame::MsgFrameExt(e) = frame else {
        panic!("not a Day II message: {frame:?}")
    };
    let Day2Message::SensorSharing(s) = &e.value else {
        panic!("not an SSM: {e:?}")
    };
    s.participants
        .iter()
        .flat_map(|l| l.0.iter())
        .filter_map(|d| d.ptc.id)
        .collect()
}

/// A car asks what lies on the 200 m of road ahead; a truck 20 m ahead hides cars 45 m and
/// 70 m ahead. The answer, an SSM on the asker's downlink, shares the hidden cars, not the
/// truck it sees nor itself; once the asker's own SSM reports the nearer hidden car, only
/// the farther one is sent, and that SSM's detection is one of the nearer car's sources.
#[test]
fn a_sensor_sharing_request_is_answered_with_what_the_vehicle_cannot_see() {
    let s = start();
    let frame = LocalFrame::new(31.2866, 121.1655);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut o = MqttOptions::new("asker-downlink", "127.0.0.1", s.mqtt);
    o.set_keep_alive(Duration::from_secs(5));
    let (sub, mut conn) = rumqttc::Client::new(o, 100);
    sub.subscribe(format!("V2X/OBU/{}/+/DOWN", hex(&ASKER)), QoS::AtLeastOnce)
        .unwrap();
    std::thread::spawn(move || {
        let _client = sub;
        for ev in conn.iter() {
            if let Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) = ev
                && p.topic.ends_with("/SSM/DOWN")
                && tx.send(p.payload.to_vec()).is_err()
            {
                return;
            }
        }
    });
    let c = client(s.mqtt, "cars");
    let road = vec![(vec![at(500.0), at(700.0)], 4.0)];
    let mut asker_reports_hidden = false;
    let mut answers = Vec::new();
    let start = Instant::now();
    let mut req = 0u8;
    // First the answer with the hidden car; then, with the asker's SSM, one without it.
    while start.elapsed() < Duration::from_secs(15) {
        let now = now_millis();
        for (id, north_m) in [
            (ASKER, 500.0),
            (TRUCK, 520.0),
            (HIDDEN, 545.0),
            (FARTHER, 570.0),
        ] {
            let car = VehicleState::car(id, at(north_m), 0.0, 0.0);
            publish(
                &c,
                id,
                "BSM",
                &MessageFrame::BsmFrame(bsm(&frame, &car, 0, now)),
            );
        }
        if asker_reports_hidden {
            let seen = Detection {
                kind: ParticipantType::Motor,
                ptc_id: 7,
                position: at(545.0),
                heading_deg: 0.0,
                speed_mps: 0.0,
                size_m: (1.8, 4.6),
            };
            let own = ssm(
                &frame,
                ASKER,
                EquipmentType::Obu,
                at(500.0),
                &[seen],
                0,
                now,
            );
            publish(&c, ASKER, "SSM", &own);
        }
        std::thread::sleep(Duration::from_millis(100));
        req = req.wrapping_add(1);
        let vir = sensor_sharing_request(&frame, ASKER, at(500.0), req, &road, now_millis());
        publish(
            &c,
            ASKER,
            "VIR",
            &MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
                value: Day2Message::VehIntentionAndRequest(vir),
            }),
        );
        std::thread::sleep(Duration::from_millis(100));
        for payload in rx.try_iter() {
            answers.push(shared(&decode(&payload).expect("the answer decodes")));
        }
        if !asker_reports_hidden
            && answers
                .iter()
                .any(|a| a.contains(&HIDDEN) && a.contains(&FARTHER))
        {
            asker_reports_hidden = true;
            answers.clear();
        }
        if asker_reports_hidden && answers.len() >= 3 {
            break;
        }
    }
    assert!(asker_reports_hidden, "the hidden cars were never shared");
    assert!(answers.len() >= 3, "{answers:?}");
    for a in &answers {
        assert!(!a.contains(&TRUCK) && !a.contains(&ASKER), "{a:?}");
    }
    // Once its SSM is fused, the asker is not told of what it reports itself.
    assert!(
        answers.iter().rev().take(2).all(|a| a == &[FARTHER]),
        "{answers:?}"
    );
    let p = get_json(s.http, &format!("/api/v1/participants/{}", hex(&HIDDEN)));
    let sources: Vec<&str> = p["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&format!("sensor:{}", hex(&ASKER)).as_str()),
        "{p}"
    );
}

const AMBULANCE: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x11];
const CAR: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x12];
const JUNCTION_RSU: [u8; 8] = *b"RSU\0\0\0\x07\0";

/// The RSC on a vehicle's downlink: whether it grants signal priority, and the refusal's
/// reason when it does not.
fn coordination(payload: &[u8]) -> (bool, Option<String>) {
    let MessageFrame::MsgFrameExt(e) = decode(payload).expect("the RSC decodes") else {
        panic!("not a Day II message")
    };
    let Day2Message::RoadsideCoordination(rsc) = &e.value else {
        panic!("not an RSC: {e:?}")
    };
    let info = rsc.coordinates.as_ref().unwrap()[0].info.as_ref().unwrap();
    let granted = info
        .0
        .get(roadcloud_csae::CoordinationInfo::SIGNAL_PRIORITY);
    let lane = &rsc.lane_coordinates.as_ref().unwrap()[0];
    assert_eq!(lane.target_lane.upstream_node_id.id.0, 7);
    let why = match &lane.description {
        Some(roadcloud_csae::Description::TextString(t)) => Some(t.clone()),
        _ => None,
    };
    (granted, why)
}

/// An ambulance on a call asks for the green at junction 7 (its RSU sends the junction's
/// SPAT); a car asks too. The junction's RSU gets the preemption command for the
/// ambulance's signal group, the ambulance an RSC granting it, the car an RSC refusing it
/// (not a priority vehicle); once the ambulance reports the junction passed (status
/// complete), the RSU gets the release.
#[test]
fn an_ambulance_gets_the_green_and_the_junction_its_plan_back() {
    let s = start();
    let frame = LocalFrame::new(31.2866, 121.1655);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut o = MqttOptions::new("priority-downlinks", "127.0.0.1", s.mqtt);
    o.set_keep_alive(Duration::from_secs(5));
    let (sub, mut conn) = rumqttc::Client::new(o, 100);
    for topic in [
        format!("V2X/RSU/{}/PRIORITY/DOWN", hex(&JUNCTION_RSU)),
        format!("V2X/OBU/{}/RSC/DOWN", hex(&AMBULANCE)),
        format!("V2X/OBU/{}/RSC/DOWN", hex(&CAR)),
    ] {
        sub.subscribe(topic, QoS::AtLeastOnce).unwrap();
    }
    std::thread::spawn(move || {
        let _client = sub;
        for ev in conn.iter() {
            if let Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) = ev
                && tx.send((p.topic.clone(), p.payload.to_vec())).is_err()
            {
                return;
            }
        }
    });
    let c = client(s.mqtt, "priority");
    let ask = |complete| PriorityAsk {
        req_id: 3,
        junction: (310, 7),
        towards: (310, 8),
        phase_id: 2,
        eta_s: 10.0,
        distance_m: 150.0,
        complete,
    };
    let (mut commands, mut ambulance, mut car) = (Vec::new(), Vec::new(), Vec::new());
    let start = Instant::now();
    let mut passed = false;
    while start.elapsed() < Duration::from_secs(15) {
        let now = now_millis();
        let mut amb = VehicleState::car(AMBULANCE, at(350.0), 0.0, 15.0);
        amb.class = 60;
        amb.flags.emergency = true;
        for v in [amb, VehicleState::car(CAR, at(330.0), 0.0, 15.0)] {
            publish(
                &c,
                v.id,
                "BSM",
                &MessageFrame::BsmFrame(bsm(&frame, &v, 0, now)),
            );
        }
        let spat = spat(
            (310, 7),
            &[(2, roadcloud_csae::LightState::Red, now + 20_000)],
            0,
            now,
        );
        c.publish(
            format!("V2X/RSU/{}/SPAT/UP", hex(&JUNCTION_RSU)),
            QoS::AtLeastOnce,
            false,
            encode(&MessageFrame::SpatFrame(spat)).unwrap(),
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        for (id, complete) in [(AMBULANCE, passed), (CAR, false)] {
            let vir =
                signal_priority_request(&frame, id, at(350.0), 1, &[ask(complete)], now_millis());
            publish(
                &c,
                id,
                "VIR",
                &MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
                    value: Day2Message::VehIntentionAndRequest(vir),
                }),
            );
        }
        std::thread::sleep(Duration::from_millis(100));
        for (topic, payload) in rx.try_iter() {
            if topic.ends_with("/PRIORITY/DOWN") {
                commands.push(PriorityCommand::from_json(&payload).expect("a command"));
            } else if topic.contains(&hex(&AMBULANCE)) {
                ambulance.push(coordination(&payload));
            } else {
                car.push(coordination(&payload));
            }
        }
        passed = !ambulance.is_empty();
        if commands.iter().any(|c| c.action == Action::Release) {
            break;
        }
    }
    assert!(
        !commands.is_empty(),
        "no command reached the junction's RSU"
    );
    let first = &commands[0];
    assert_eq!(first.action, Action::Preempt, "{commands:?}");
    assert_eq!(
        (first.junction.region, first.junction.id, first.phase_id),
        (310, 7, 2)
    );
    assert_eq!(first.vehicle, hex(&AMBULANCE));
    assert!(first.hold_until_ms > first.issued_at_ms);
    assert_eq!(ambulance.first(), Some(&(true, None)), "{ambulance:?}");
    assert!(
        car.first().is_some_and(|(granted, why)| !granted
            && why
                .as_deref()
                .is_some_and(|w| w.contains("only emergency vehicles"))),
        "{car:?}"
    );
    assert_eq!(car.len(), 1, "a refusal is told once: {car:?}");
    assert!(
        commands
            .iter()
            .any(|c| c.action == Action::Release && c.vehicle == hex(&AMBULANCE)),
        "no release after the ambulance passed: {commands:?}"
    );
    let (_, metrics) = get(s.http, "/metrics").expect("metrics");
    assert!(
        metrics.contains("roadcloud_pvp_grants_total 1\n"),
        "{metrics}"
    );
}
