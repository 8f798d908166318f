//! The Day-2 services end to end over MQTT (issue 18): a vehicle's VIR in, the answer on
//! its downlink, decoded as a device would.

mod common;

use common::*;
use roadcloud_csae::{Day2Message, EquipmentType, MessageFrame, ParticipantType, decode, encode};
use roadcloud_signals::{Action, PriorityCommand};
use roadcloud_sim::messages::{
    Detection, LaneChangeAsk, PriorityAsk, VehicleState, bsm, lane_change_request,
    passing_intention, rsm, sensor_sharing_request, signal_priority_request, spat, ssm,
    ssm_of_obstacles,
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

/// Publishes `frame` on vehicle `id`'s `message` uplink, as its OBU would.
fn publish(c: &rumqttc::Client, id: [u8; 8], message: &str, frame: &MessageFrame) {
    publish_up(c, "OBU", id, message, frame);
}

/// Publishes `frame` on the `message` uplink of device `id` of `kind` (`OBU` or `RSU`).
fn publish_up(c: &rumqttc::Client, kind: &str, id: [u8; 8], message: &str, frame: &MessageFrame) {
    c.publish(
        format!("V2X/{kind}/{}/{message}/UP", hex(&id)),
        QoS::AtLeastOnce,
        false,
        encode(frame).unwrap(),
    )
    .unwrap();
}

/// Publishes `frame` on RSU `rsu`'s `message` uplink, as the RSU would.
fn publish_rsu(c: &rumqttc::Client, rsu: [u8; 8], message: &str, frame: &MessageFrame) {
    publish_up(c, "RSU", rsu, message, frame);
}

/// What reaches the downlinks a test client subscribed to: (topic, payload).
type Downlinks = std::sync::mpsc::Receiver<(String, Vec<u8>)>;

/// Subscribes client `name` to `topics` (as the devices of a test would), and hands what
/// reaches them over.
fn downlinks(port: u16, name: &str, topics: &[String]) -> Downlinks {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut o = MqttOptions::new(name, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(5));
    let (sub, mut conn) = rumqttc::Client::new(o, 100);
    for topic in topics {
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
    rx
}

/// Publishes vehicle `id`'s VIR on its uplink.
fn publish_vir(c: &rumqttc::Client, id: [u8; 8], vir: roadcloud_csae::VehIntentionAndRequest) {
    publish(
        c,
        id,
        "VIR",
        &MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
            value: Day2Message::VehIntentionAndRequest(vir),
        }),
    );
}

/// Publishes `map` on an RSU's `topic`, as the RSU would.
fn publish_map(c: &rumqttc::Client, topic: &str, map: &roadcloud_csae::MapData) {
    c.publish(
        topic,
        QoS::AtLeastOnce,
        false,
        encode(&MessageFrame::MapFrame(map.clone())).unwrap(),
    )
    .unwrap();
}

/// The RSC a downlink carried, decoded as a device would.
fn rsc_of(payload: &[u8]) -> roadcloud_csae::RoadsideCoordination {
    let MessageFrame::MsgFrameExt(e) = decode(payload).expect("the RSC decodes") else {
        panic!("not a Day II message")
    };
    let Day2Message::RoadsideCoordination(rsc) = e.value else {
        panic!("not an RSC: {e:?}")
    };
    rsc
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
    let rx = downlinks(
        s.mqtt,
        "asker-downlink",
        &[format!("V2X/OBU/{}/+/DOWN", hex(&ASKER))],
    );
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
        publish_vir(&c, ASKER, vir);
        std::thread::sleep(Duration::from_millis(100));
        for (_, payload) in rx.try_iter().filter(|(t, _)| t.ends_with("/SSM/DOWN")) {
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

const CAMERA_RSU: [u8; 8] = *b"RSU\0\0\0\x05\0";

/// A car asks what lies on the 300 m of road ahead; an RSU's sensors report a traffic cone
/// 190 m ahead of it, beyond its own sensors' 150 m, and a roadblock 40 m ahead, in plain
/// sight. The answer shares the cone, where the RSU saw it, and not the roadblock.
#[test]
fn an_obstacle_the_vehicle_cannot_see_is_shared_with_it() {
    let s = start();
    let frame = LocalFrame::new(31.2866, 121.1655);
    let rx = downlinks(
        s.mqtt,
        "obstacle-downlink",
        &[format!("V2X/OBU/{}/SSM/DOWN", hex(&ASKER))],
    );
    let c = client(s.mqtt, "obstacles");
    let road = vec![(vec![at(500.0), at(800.0)], 4.0)];
    let obstacle = |id, kind, north_m, now| roadcloud_world::obstacles::Obstacle {
        sensor: CAMERA_RSU,
        id,
        kind,
        position: at(north_m),
        width_m: Some(0.4),
        length_m: Some(0.4),
        height_m: Some(0.7),
        generated_at: now,
        received_at: now,
    };
    let start = Instant::now();
    let mut shared = None;
    let mut req = 0u8;
    while shared.is_none() && start.elapsed() < Duration::from_secs(10) {
        let now = now_millis();
        let car = VehicleState::car(ASKER, at(500.0), 0.0, 0.0);
        publish(
            &c,
            ASKER,
            "BSM",
            &MessageFrame::BsmFrame(bsm(&frame, &car, 0, now)),
        );
        let cone = obstacle(7, roadcloud_csae::ObstacleType::Trafficcone, 690.0, now);
        let block = obstacle(
            8,
            roadcloud_csae::ObstacleType::TrafficRoadblock,
            540.0,
            now,
        );
        let report = ssm_of_obstacles(
            &frame,
            CAMERA_RSU,
            EquipmentType::Rsu,
            at(700.0),
            &[cone, block],
            0,
            now,
        );
        publish_rsu(&c, CAMERA_RSU, "SSM", &report);
        std::thread::sleep(Duration::from_millis(100));
        req = req.wrapping_add(1);
        let vir = sensor_sharing_request(&frame, ASKER, at(500.0), req, &road, now_millis());
        publish_vir(&c, ASKER, vir);
        std::thread::sleep(Duration::from_millis(200));
        for (_, payload) in rx.try_iter() {
            let MessageFrame::MsgFrameExt(e) = decode(&payload).expect("the answer decodes") else {
                panic!("not a Day II message")
            };
            let Day2Message::SensorSharing(answer) = e.value else {
                panic!("not an SSM: {e:?}")
            };
            if answer.obstacles.is_some() {
                shared = Some(roadcloud_world::obstacles::observe_obstacles(
                    &frame,
                    &answer,
                    now_millis(),
                ));
            }
        }
    }
    let shared = shared.expect("an answer with obstacles");
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].kind, roadcloud_csae::ObstacleType::Trafficcone);
    assert!(
        shared[0].position.distance_to(at(690.0)) < 0.1,
        "{shared:?}"
    );
    assert_eq!(
        metric(s.http, "roadcloud_obstacles"),
        Some(2.0),
        "both obstacles known"
    );
    assert!(metric(s.http, "roadcloud_sds_obstacles_shared_total").is_some_and(|n| n >= 1.0));
    // The API lists both, where the RSU saw them.
    let listed = get_json(s.http, "/api/v1/obstacles");
    assert_eq!(listed["count"], 2, "{listed}");
    let cone = &listed["obstacles"][0];
    assert_eq!(
        (
            cone["sensor"].as_str(),
            cone["id"].as_u64(),
            cone["kind"].as_str()
        ),
        (
            Some(hex(&CAMERA_RSU).as_str()),
            Some(7),
            Some("trafficcone")
        ),
        "{listed}"
    );
    let (lat, lon) = frame.to_wgs84(at(690.0));
    assert!(
        (cone["lat"].as_f64().unwrap() - lat).abs() < 1e-6
            && (cone["lon"].as_f64().unwrap() - lon).abs() < 1e-6,
        "{listed}"
    );
    assert_eq!(cone["height_m"], 0.7, "{listed}");
    assert_eq!(
        listed["obstacles"][1]["kind"], "traffic-roadblock",
        "{listed}"
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
    let rx = downlinks(
        s.mqtt,
        "priority-downlinks",
        &[
            format!("V2X/RSU/{}/PRIORITY/DOWN", hex(&JUNCTION_RSU)),
            format!("V2X/OBU/{}/RSC/DOWN", hex(&AMBULANCE)),
            format!("V2X/OBU/{}/RSC/DOWN", hex(&CAR)),
        ],
    );
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
        publish_rsu(&c, JUNCTION_RSU, "SPAT", &MessageFrame::SpatFrame(spat));
        std::thread::sleep(Duration::from_millis(100));
        for (id, complete) in [(AMBULANCE, passed), (CAR, false)] {
            let vir =
                signal_priority_request(&frame, id, at(350.0), 1, &[ask(complete)], now_millis());
            publish_vir(&c, id, vir);
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

const MERGING: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x21];
const MAINLINE: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x22];
const AHEAD: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x23];

/// A car on the bundled on-ramp's acceleration lane (`scenarios/onramp`, its MAP from the
/// SUMO network as the co-simulation's RSU sends it) asks to merge into the mainline's
/// right lane, where two equipped cars drive at its speed, 22 m ahead of it and 8 m behind:
/// no gap opens by itself in time. The merging car gets an RSC on its downlink granting a
/// merge (cooperativeVehMerging, rampIn, a window and a speed); the car behind gets the same
/// RSC, asking it to slow down below its speed to make the gap. A car asking for a lane that is not beside its own (two lanes over) is
/// refused, with the reason.
#[test]
fn a_merging_car_gets_a_gap_and_the_car_beside_it_makes_room() {
    let s = start();
    let frame = LocalFrame::new(31.2866, 121.1655);
    let net = roadcloud_sumo::net::Net::read(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/onramp/onramp.net.xml"
    )))
    .expect("the on-ramp network");
    let drop = &net.junctions["drop"];
    let map = net.map(drop, 310, 0);
    // A place `along_m` down a lane of the network, in the zone's frame, with the lane's
    // heading.
    let on = |lane: &str, along_m: f64| {
        let shape = &net.lanes[lane].shape;
        let (a, b) = (shape[0], shape[shape.len() - 1]);
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let (x, y) = (
            a.0 + (b.0 - a.0) * along_m / len,
            a.1 + (b.1 - a.1) * along_m / len,
        );
        let (lat, lon) = net.to_wgs84(x, y);
        let grid_deg = (b.0 - a.0).atan2(b.1 - a.1).to_degrees();
        (
            frame.to_local(lat, lon),
            net.true_heading_deg(x, y, grid_deg),
        )
    };
    let rx = downlinks(
        s.mqtt,
        "merge-downlinks",
        &[
            format!("V2X/OBU/{}/RSC/DOWN", hex(&MERGING)),
            format!("V2X/OBU/{}/RSC/DOWN", hex(&MAINLINE)),
        ],
    );
    let c = client(s.mqtt, "merge");
    let node = |j: &str| (310, net.junctions[j].node);
    let ask = |lane: u8| LaneChangeAsk {
        req_id: 4,
        upstream: node("merge"),
        downstream: node("drop"),
        lane,
        merge: true,
        life_s: 8.0,
        complete: false,
    };
    let (mut merging, mut mainline) = (Vec::new(), Vec::new());
    let start = Instant::now();
    let mut along_m = 40.0;
    while start.elapsed() < Duration::from_secs(15) && (merging.len() < 2 || mainline.is_empty()) {
        publish_map(&c, "V2X/RSU/5253552d4d455247/MAP/UP", &map);
        let now = now_millis();
        for (id, lane, ahead_m) in [
            (MERGING, "accel_0", 0.0),
            (MAINLINE, "accel_1", -8.0),
            (AHEAD, "accel_1", 22.0),
        ] {
            let (p, heading) = on(lane, along_m + ahead_m);
            let v = VehicleState::car(id, p, heading, 20.0);
            publish(
                &c,
                id,
                "BSM",
                &MessageFrame::BsmFrame(bsm(&frame, &v, 0, now)),
            );
        }
        std::thread::sleep(Duration::from_millis(100));
        // MAP's lanes are SUMO's indices + 1: the car's own is 1, the mainline's right lane
        // 2, its left lane 3 (two lanes over: not beside).
        let (p, _) = on("accel_0", along_m);
        let lane = if merging.is_empty() { 2 } else { 3 };
        let vir = lane_change_request(&frame, MERGING, p, 1, &ask(lane), now_millis());
        publish_vir(&c, MERGING, vir);
        std::thread::sleep(Duration::from_millis(100));
        for (topic, payload) in rx.try_iter() {
            let rsc = rsc_of(&payload);
            if topic.contains(&hex(&MAINLINE)) {
                mainline.push(rsc);
            } else {
                merging.push(rsc);
            }
        }
        along_m += 4.0;
    }
    let granted = merging.first().expect("no RSC reached the merging car");
    let mine = &granted.coordinates.as_ref().unwrap()[0];
    assert_eq!(mine.veh_id, MERGING);
    let info = mine.info.as_ref().unwrap();
    assert!(
        info.0
            .get(roadcloud_csae::CoordinationInfo::COOPERATIVE_VEH_MERGING),
        "{granted:?}"
    );
    let suggestion = mine.drive_suggestion.as_ref().expect("a suggestion");
    assert!(
        suggestion
            .suggestion
            .0
            .get(roadcloud_csae::DriveBehavior::RAMP_IN)
    );
    let lane = &granted.lane_coordinates.as_ref().unwrap()[0];
    assert!(lane.t_begin.is_some() && lane.t_end.is_some() && lane.recommended_speed.is_some());
    assert_eq!(
        lane.target_lane.downstream_node_id.id.0,
        net.junctions["drop"].node
    );
    // The mainline car heard the same coordination: its part asks it to slow down.
    let theirs = mainline
        .first()
        .and_then(|r| r.coordinates.as_ref())
        .and_then(|c| c.iter().find(|v| v.veh_id == MAINLINE))
        .expect("the mainline car was not asked to make room");
    let slow = theirs.drive_suggestion.as_ref().unwrap();
    assert!(
        slow.suggestion
            .0
            .get(roadcloud_csae::DriveBehavior::SLOW_DOWN)
    );
    let speed = theirs.path_guidance.as_ref().unwrap().0[0].speed.unwrap();
    assert!(f64::from(speed.0) * 0.02 < 20.0, "{speed:?}");
    // Asking for the lane two over: refused, with the reason.
    let refused = merging.get(1).expect("no answer to the second request");
    let why = &refused.lane_coordinates.as_ref().unwrap()[0].description;
    assert!(
        matches!(why, Some(roadcloud_csae::Description::TextString(t)) if t.contains("not beside")),
        "{refused:?}"
    );
    let (_, metrics) = get(s.http, "/metrics").expect("metrics");
    assert!(
        metrics.contains("roadcloud_cvm_grants_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("roadcloud_gaps_made_total 1\n"),
        "{metrics}"
    );
}

/// The demo zone's network, the index of Boyuan Rd / Anyan Rd (node 2002) in it and its MAP
/// as its RSU sends it.
fn boyuan_anyan() -> (
    roadcloud_sim::network::Network,
    usize,
    roadcloud_csae::MapData,
) {
    let network = roadcloud_sim::network::Network::anting();
    let j = network
        .junctions
        .iter()
        .position(|x| x.node == 2002)
        .unwrap();
    let map = network.map(j, 0);
    (network, j, map)
}

const COMMUTER: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x31];

/// An operator closes lane 3 of Boyuan Rd eastbound into Anyan Rd (the built-in zone's MAP,
/// as its RSU sends it): a car on that link, in lane 2, gets an RSC on its downlink with the
/// lane's restriction and the reason; the rule is listed; once lifted, the car hears the lane
/// is open again. A lane in no MAP is refused.
#[test]
fn an_operator_closes_a_lane_and_the_cars_coming_are_told() {
    let s = start();
    let (network, j, map) = boyuan_anyan();
    let frame = network.frame;
    let rx = downlinks(
        s.mqtt,
        "commuter-downlink",
        &[format!("V2X/OBU/{}/RSC/DOWN", hex(&COMMUTER))],
    );
    // The junction's RSU hears the rule too, to broadcast it.
    let rsu = network.junctions[j].rsu;
    let rsu_rx = downlinks(
        s.mqtt,
        "rsu-downlink",
        &[format!("V2X/RSU/{}/RSC/DOWN", hex(&rsu))],
    );
    let c = client(s.mqtt, "commuter");
    let eastbound = network.flows()[0];
    let mut along_m = 520.0;
    let mut step = || {
        publish_map(&c, "V2X/RSU/5253552d41543032/MAP/UP", &map);
        let pole = network.junctions[j].centre;
        let waiting = Detection::pedestrian(1, pole, 0.0, 0.0);
        let rsm = rsm(&frame, rsu, pole, &[waiting], 0, now_millis());
        publish_rsu(&c, rsu, "RSM", &MessageFrame::RsmFrame(rsm));
        let at = network.lane_point(eastbound, 2.0, along_m);
        let v = VehicleState::car(COMMUTER, at, network.heading_deg(eastbound), 8.0);
        publish(
            &c,
            COMMUTER,
            "BSM",
            &MessageFrame::BsmFrame(bsm(&frame, &v, 0, now_millis())),
        );
        along_m += 0.8;
        std::thread::sleep(Duration::from_millis(100));
    };
    let lane = "310/2002:310/2001:3";
    let body = format!(r#"{{"lane": "{lane}", "use": "closed", "reason": "road works"}}"#);
    let mut status = 0;
    for _ in 0..50 {
        step();
        status = request(s.http, "PUT", "/api/v1/lane-rules", &body)
            .unwrap()
            .0;
        if status == 200 {
            break;
        }
    }
    assert_eq!(status, 200, "the lane rule was not taken");
    let rules = get_json(s.http, "/api/v1/lane-rules");
    assert_eq!(rules["count"], 1, "{rules}");
    assert_eq!(rules["rules"][0]["use"], "closed", "{rules}");
    // What the car hears: the lane coordination of the closed lane; the RSU hears the same
    // under its own id. `told` waits for an RSC saying `said`.
    let told = |rx: &Downlinks, step: &mut dyn FnMut(), said: &str| {
        for _ in 0..50 {
            step();
            while let Ok((_, payload)) = rx.try_recv() {
                let rsc = rsc_of(&payload);
                let lane = rsc.lane_coordinates.clone().unwrap().remove(0);
                if matches!(&lane.description, Some(roadcloud_csae::Description::TextString(t)) if t == said)
                {
                    return (rsc.id, lane);
                }
            }
        }
        panic!("no RSC saying {said:?} came");
    };
    let (to_car, closed) = told(&rx, &mut step, "lane closed: road works");
    assert_eq!(to_car, roadcloud_pipeline::CLOUD_ID);
    let (from_rsu, broadcast) = told(&rsu_rx, &mut step, "lane closed: road works");
    assert_eq!(from_rsu, rsu, "the RSU broadcasts under its own id");
    assert_eq!(broadcast.target_lane, closed.target_lane);
    assert_eq!(closed.target_lane.downstream_node_id.id.0, 2002);
    assert_eq!(closed.target_lane.upstream_node_id.id.0, 2001);
    assert!(
        closed
            .target_lane
            .reference_lanes
            .as_ref()
            .unwrap()
            .0
            .get(3)
    );
    let info = closed.info.as_ref().unwrap();
    assert!(
        info.0
            .get(roadcloud_csae::CoordinationInfo::DYNAMIC_LANE_MANAGEMENT)
    );
    assert!(
        info.0
            .get(roadcloud_csae::CoordinationInfo::LANE_RESTRICTION)
    );
    assert!(
        matches!(&closed.description, Some(roadcloud_csae::Description::TextString(t)) if t == "lane closed: road works"),
        "{closed:?}"
    );
    // Lifted: the car hears it.
    let (status, _) = request(
        s.http,
        "DELETE",
        &format!("/api/v1/lane-rules?lane={lane}"),
        "",
    )
    .unwrap();
    assert_eq!(status, 200);
    let (_, open) = told(&rx, &mut step, "lane open again");
    told(&rsu_rx, &mut step, "lane open again");
    assert!(
        !open
            .info
            .unwrap()
            .0
            .get(roadcloud_csae::CoordinationInfo::LANE_RESTRICTION)
    );
    assert_eq!(get_json(s.http, "/api/v1/lane-rules")["count"], 0);
    // A lane no MAP holds, and a malformed rule, are refused.
    let (status, _) = request(
        s.http,
        "PUT",
        "/api/v1/lane-rules",
        r#"{"lane": "310/9999:310/2001:3", "use": "closed"}"#,
    )
    .unwrap();
    assert_eq!(status, 404);
    let (status, body) = request(
        s.http,
        "PUT",
        "/api/v1/lane-rules",
        &format!(r#"{{"lane": "{lane}", "use": "reassigned", "maneuvers": ["sideways"]}}"#),
    )
    .unwrap();
    assert_eq!(status, 400);
    assert!(body.contains("straight, left, right or u_turn"), "{body}");
    assert!(metric(s.http, "roadcloud_lane_rules_told_total").is_some_and(|n| n >= 2.0));
    assert!(metric(s.http, "roadcloud_lane_rules_broadcast_total").is_some_and(|n| n >= 2.0));
}

/// Vehicle `id` at `at` declares it passes its junction straight through (a VIR).
fn declare_straight_through(c: &rumqttc::Client, frame: &LocalFrame, id: [u8; 8], at: Point) {
    let vir = passing_intention(
        frame,
        id,
        at,
        1,
        roadcloud_csae::DriveBehavior::INTERSECTION_STRAIGHT_THROUGH,
        now_millis(),
    );
    publish_vir(c, id, vir);
}

/// A CIP slot's place in the crossing order, as its RSC's lane coordination describes it
/// ("pass 2nd").
fn place_in_order(rsc: &roadcloud_csae::RoadsideCoordination) -> String {
    let Some(roadcloud_csae::Description::TextString(text)) =
        &rsc.lane_coordinates.as_ref().unwrap()[0].description
    else {
        panic!("no description")
    };
    text.clone()
}

const EASTBOUND: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x41];
const NORTHBOUND: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x42];

/// Two cars come to Boyuan Rd / Anyan Rd (the built-in zone's MAP, no SPAT: a junction
/// without signals for roadcloud), one eastbound 40 m and one northbound 50 m from their
/// stop lines, both going straight on (VIR `currentBehavior` intersectionStraightThrough):
/// their paths cross, so each gets an RSC with a slot (no-signalIntersectionPassing, the
/// straight-through suggestion, a speed and the time to enter), one first and one second,
/// the second timed to reach the crossing of their paths CIP's `pet_s` (1.5 s) after the first
/// has left it: at these speeds and this junction's size, more than a second after the first.
#[test]
fn two_cars_crossing_at_a_junction_without_signals_get_slots_apart() {
    let s = start();
    let (network, _, map) = boyuan_anyan();
    let frame = network.frame;
    let rx = downlinks(
        s.mqtt,
        "crossing-downlinks",
        &[
            format!("V2X/OBU/{}/RSC/DOWN", hex(&EASTBOUND)),
            format!("V2X/OBU/{}/RSC/DOWN", hex(&NORTHBOUND)),
        ],
    );
    let c = client(s.mqtt, "crossing");
    let flows = network.flows();
    // Boyuan Rd eastbound meets Anyan Rd at 680 m, Anyan Rd northbound meets Boyuan Rd at
    // 280 m: 40 m and 50 m short of their stop lines (apart, so that which goes first does
    // not hang on a tie).
    let cars = [(EASTBOUND, flows[0], 640.0), (NORTHBOUND, flows[6], 230.0)];
    let mut slots: std::collections::BTreeMap<[u8; 8], (i64, String)> = Default::default();
    // Each car's latest answer, once each has been answered twice: a car whose declaration
    // arrives before the other's is first in a schedule of one until the other declares.
    let mut answers: std::collections::BTreeMap<[u8; 8], usize> = Default::default();
    for _ in 0..50 {
        publish_map(&c, "V2X/RSU/5253552d41543032/MAP/UP", &map);
        let now = now_millis();
        for (id, flow, along) in cars {
            let at = network.lane_point(flow, 2.0, along);
            let v = VehicleState::car(id, at, network.heading_deg(flow), 10.0);
            publish(
                &c,
                id,
                "BSM",
                &MessageFrame::BsmFrame(bsm(&frame, &v, 0, now)),
            );
        }
        std::thread::sleep(Duration::from_millis(100));
        for (id, flow, along) in cars {
            declare_straight_through(&c, &frame, id, network.lane_point(flow, 2.0, along));
        }
        std::thread::sleep(Duration::from_millis(150));
        for (topic, payload) in rx.try_iter() {
            let rsc = rsc_of(&payload);
            let mine = &rsc.coordinates.as_ref().unwrap()[0];
            let id = if topic.contains(&hex(&EASTBOUND)) {
                EASTBOUND
            } else {
                NORTHBOUND
            };
            assert_eq!(mine.veh_id, id);
            assert!(
                mine.info
                    .as_ref()
                    .unwrap()
                    .0
                    .get(roadcloud_csae::CoordinationInfo::NO_SIGNAL_INTERSECTION_PASSING)
            );
            let suggestion = &mine.drive_suggestion.as_ref().unwrap().suggestion;
            assert!(
                suggestion
                    .0
                    .get(roadcloud_csae::DriveBehavior::INTERSECTION_STRAIGHT_THROUGH)
            );
            let point = &mine.path_guidance.as_ref().unwrap().0[0];
            // When to enter: the RSC's secMark plus estimatedTime (10 ms units), ms of the
            // minute.
            let enter = i64::from(rsc.sec_mark.0) + i64::from(point.estimated_time.unwrap().0) * 10;
            slots.insert(id, (enter, place_in_order(&rsc)));
            *answers.entry(id).or_default() += 1;
        }
        if answers.len() == 2 && answers.values().all(|n| *n >= 2) {
            break;
        }
    }
    assert_eq!(slots.len(), 2, "not both told: {slots:?}");
    let (a, b) = (&slots[&EASTBOUND], &slots[&NORTHBOUND]);
    // Apart by more than a second (less half a second for the two answers' times), across a
    // minute's turn.
    let apart = (a.0 - b.0)
        .rem_euclid(60_000)
        .min((b.0 - a.0).rem_euclid(60_000));
    assert!(apart >= 500, "slots {apart} ms apart: {slots:?}");
    let mut order: Vec<&str> = [&a.1, &b.1].iter().map(|t| t.as_str()).collect();
    order.sort();
    assert_eq!(order, ["pass 1st", "pass 2nd"], "{slots:?}");
    assert!(metric(s.http, "roadcloud_cip_slots_total").is_some_and(|n| n >= 2.0));
}

/// A car without an OBU that the junction's RSU camera sees on Boyuan Rd eastbound, 60 m
/// from its stop line, and a car 30 m from its stop line on Anyan Rd northbound that
/// declares how it passes. Had both declared, the nearer would go first; the one that did
/// not declare hears no slot and keeps its right of way (neither road gives way in this
/// MAP), so the declaring car's slot is second, after it.
#[test]
fn a_car_only_a_camera_sees_is_scheduled_as_the_rules_make_it_go() {
    let s = start();
    let (network, j, map) = boyuan_anyan();
    let frame = network.frame;
    let junction = &network.junctions[j];
    let rx = downlinks(
        s.mqtt,
        "camera-crossing-downlinks",
        &[format!("V2X/OBU/{}/RSC/DOWN", hex(&NORTHBOUND))],
    );
    let c = client(s.mqtt, "camera-crossing");
    let flows = network.flows();
    let mut told = Vec::new();
    for count in 0..50u8 {
        publish_map(&c, "V2X/RSU/5253552d41543032/MAP/UP", &map);
        let now = now_millis();
        let unequipped = Detection {
            kind: ParticipantType::Motor,
            ptc_id: 9,
            position: network.lane_point(flows[0], 2.0, 620.0),
            heading_deg: network.heading_deg(flows[0]),
            speed_mps: 10.0,
            size_m: (1.8, 4.6),
        };
        let seen = rsm(
            &frame,
            junction.rsu,
            junction.centre,
            &[unequipped],
            count,
            now,
        );
        publish_rsu(&c, junction.rsu, "RSM", &MessageFrame::RsmFrame(seen));
        let at = network.lane_point(flows[6], 2.0, 250.0);
        let car = VehicleState::car(NORTHBOUND, at, network.heading_deg(flows[6]), 10.0);
        publish(
            &c,
            NORTHBOUND,
            "BSM",
            &MessageFrame::BsmFrame(bsm(&frame, &car, 0, now)),
        );
        std::thread::sleep(Duration::from_millis(100));
        declare_straight_through(&c, &frame, NORTHBOUND, at);
        std::thread::sleep(Duration::from_millis(150));
        for (_, payload) in rx.try_iter() {
            told.push(place_in_order(&rsc_of(&payload)));
        }
        if told.len() >= 3 {
            break;
        }
    }
    assert!(told.len() >= 3, "not told: {told:?}");
    // Once the camera's car is in the world (the first answer may come before).
    assert_eq!(
        told.last().map(String::as_str),
        Some("pass 2nd"),
        "{told:?}"
    );
}

const NEAR_RSU: [u8; 8] = *b"RSU\0\0\0\x21\0";
const FAR_RSU: [u8; 8] = *b"RSU\0\0\0\x22\0";
const ROVER: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x31];

/// The RTCM frames (whole, preamble to CRC) an `RTCMcorrections` downlink carries.
fn rtcm_frames(payload: &[u8]) -> Vec<Vec<u8>> {
    let MessageFrame::MsgFrameExt(e) = decode(payload).expect("the corrections decode") else {
        panic!("not a Day II message")
    };
    let Day2Message::RtcmCorrections(c) = e.value else {
        panic!("not RTCMcorrections: {e:?}")
    };
    c.corrections.into_iter().map(|m| m.payload.0).collect()
}

/// Differential corrections from an NTRIP caster's mountpoint (RTKLIB's str2str) reach, as
/// RTCMcorrections, the RSU and the vehicle near the reference station, frame for frame, and
/// not the RSU 50 km away (beyond the 20 km baseline).
#[test]
fn differential_corrections_reach_the_rsus_and_vehicles_near_the_station() {
    use roadcloud_corrections::{rtcm3::Frame, station};
    let mut caster = roadcloud_testkit::caster::Caster::start();
    let source = caster.good_url();
    let s = start_with(&["--rtcm-source", &source, "--rtcm-to", "rsus,vehicles"]);
    let frame = LocalFrame::new(31.2866, 121.1655);
    let rx = downlinks(
        s.mqtt,
        "rtcm-downlinks",
        &[
            "V2X/RSU/+/RTCM/DOWN".to_string(),
            "V2X/OBU/+/RTCM/DOWN".to_string(),
        ],
    );
    let c = client(s.mqtt, "zone");
    let near = at(600.0);
    let far = Point {
        east_m: 700.0,
        north_m: 50_000.0,
    };
    let (lat, lon) = frame.to_wgs84(near);
    let epoch: Vec<Frame> = [station::arp_1005(2301, lat, lon, 10.0)]
        .into_iter()
        .chain((0..2u8).map(|i| Frame::encode(&[0x43, 0x50, i, 0xAA]).unwrap()))
        .collect();
    let epoch_bytes: Vec<Vec<u8>> = epoch.iter().map(|f| f.as_bytes().to_vec()).collect();
    let mut got: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    let topic = |kind: &str, id: &[u8; 8]| format!("V2X/{kind}/{}/RTCM/DOWN", hex(id));
    let (near_topic, far_topic, rover_topic) = (
        topic("RSU", &NEAR_RSU),
        topic("RSU", &FAR_RSU),
        topic("OBU", &ROVER),
    );
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let now = now_millis();
        for (rsu, at) in [(NEAR_RSU, near), (FAR_RSU, far)] {
            let seen = Detection {
                kind: ParticipantType::Motor,
                ptc_id: 1,
                position: Point {
                    east_m: at.east_m + 30.0,
                    north_m: at.north_m,
                },
                heading_deg: 0.0,
                speed_mps: 0.0,
                size_m: (1.8, 4.6),
            };
            let rsm = rsm(&frame, rsu, at, &[seen], 0, now);
            publish_rsu(&c, rsu, "RSM", &MessageFrame::RsmFrame(rsm));
        }
        let rover = VehicleState::car(ROVER, at(610.0), 0.0, 0.0);
        publish(
            &c,
            ROVER,
            "BSM",
            &MessageFrame::BsmFrame(bsm(&frame, &rover, 0, now)),
        );
        caster.send(&epoch_bytes.concat());
        std::thread::sleep(Duration::from_millis(300));
        got.extend(rx.try_iter().map(|(t, p)| (t, rtcm_frames(&p))));
        let to = |t: &str| got.iter().filter(|(g, _)| g == t).count();
        if to(&near_topic) >= 2 && to(&rover_topic) >= 2 {
            break;
        }
    }
    for t in [&near_topic, &rover_topic] {
        let theirs: Vec<_> = got.iter().filter(|(g, _)| g == t).collect();
        assert!(theirs.len() >= 2, "{t}: {got:?}");
        // An epoch's three frames, in one message, as the station sent them.
        for (_, frames) in theirs {
            assert_eq!(frames, &epoch_bytes, "{t}");
        }
    }
    assert!(
        got.iter().all(|(t, _)| t != &far_topic),
        "the RSU 50 km away got corrections"
    );
    assert!(metric(s.http, "roadcloud_rtcm_frames_total").unwrap() >= 6.0);
    assert_eq!(metric(s.http, "roadcloud_rtcm_source_connected"), Some(1.0));
}

const CAR_PARK_RSU: [u8; 8] = *b"RSU\0\0\0\x41\0";
const PARKER_A: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x41];
const PARKER_B: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x42];
const PARKER_C: [u8; 8] = [0x5d, 0x55, 0, 0, 0, 0, 0, 0x43];

/// The guidance a PAM on a vehicle's downlink gives it: the nodes to drive through and the
/// slot; `None` when it carries none for the vehicle.
fn guidance_of(payload: &[u8], vehicle: [u8; 8]) -> Option<(Vec<u16>, Option<u16>)> {
    let MessageFrame::MsgFrameExt(e) = decode(payload).expect("the PAM decodes") else {
        panic!("not a Day II message")
    };
    let Day2Message::Pam(pam) = e.value else {
        panic!("not a PAM: {e:?}")
    };
    pam.parking_area_guidance?
        .into_iter()
        .find(|g| g.veh_id == vehicle)
        .map(|g| {
            (
                g.drive_path.iter().map(|n| n.0).collect(),
                g.target_parking_slot,
            )
        })
}

/// A car park's RSU announces its drives and slots (PAM); three cars ask for a slot. The
/// first is guided to the nearest free ordinary slot, the second to the next (the first's is
/// held for it), the third, with no ordinary slot left (the disabled one is kept), gets the
/// car park's PAM without guidance. Once the car park reports the first car parked, it
/// asks for the way out and is guided to the exit.
#[test]
fn cars_are_guided_to_free_slots_in_a_car_park_and_out_again() {
    use roadcloud_world::parking::{Drive, ParkNode, ParkingGoal, Slot, SlotState};
    let s = start();
    let frame = LocalFrame::new(31.2866, 121.1655);
    let parkers = [PARKER_A, PARKER_B, PARKER_C];
    let topics: Vec<String> = parkers
        .iter()
        .map(|v| format!("V2X/OBU/{}/PAM/DOWN", hex(v)))
        .collect();
    let rx = downlinks(s.mqtt, "parkers", &topics);
    let c = client(s.mqtt, "car-park");
    let node = |id, east_m, entrance, exit| ParkNode {
        id,
        position: Point {
            east_m,
            north_m: 300.0,
        },
        floor: 0,
        entrance,
        exit,
        blocked: false,
    };
    let nodes = vec![
        node(1, 700.0, true, false),
        node(2, 730.0, false, false),
        node(3, 760.0, false, true),
    ];
    let ordinary = 1 << 1;
    let slot = |id, types, state| Slot { id, types, state };
    let drives = |a_parked: bool| {
        vec![
            Drive {
                from: 1,
                to: 2,
                length_m: 30.0,
                slots: vec![
                    slot(10, ordinary, SlotState::Occupied),
                    slot(
                        11,
                        ordinary,
                        if a_parked {
                            SlotState::Occupied
                        } else {
                            SlotState::Available
                        },
                    ),
                ],
            },
            Drive {
                from: 2,
                to: 3,
                length_m: 30.0,
                slots: vec![
                    slot(20, ordinary, SlotState::Available),
                    slot(21, 1 << 2, SlotState::Available),
                ],
            },
        ]
    };
    let announce = |a_parked: bool| {
        let pam = roadcloud_sim::messages::pam(
            &frame,
            1,
            "Boyuan P1",
            &nodes,
            &drives(a_parked),
            0,
            now_millis(),
        );
        let pam = MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
            value: Day2Message::Pam(pam),
        });
        publish_rsu(&c, CAR_PARK_RSU, "PAM", &pam);
    };
    let park = ParkingGoal::Park {
        types: None,
        slot: None,
    };
    let ask = |vehicle: [u8; 8], at: Point, goal, req_id: u8| {
        let car = VehicleState::car(vehicle, at, 0.0, 0.0);
        publish(
            &c,
            vehicle,
            "BSM",
            &MessageFrame::BsmFrame(bsm(&frame, &car, 0, now_millis())),
        );
        let vir = roadcloud_sim::messages::parking_request(
            &frame,
            vehicle,
            at,
            req_id,
            goal,
            false,
            now_millis(),
        );
        publish_vir(&c, vehicle, vir);
    };
    let at_entrance = Point {
        east_m: 695.0,
        north_m: 300.0,
    };
    // Answers by vehicle, as they come: (vehicle, guidance).
    type Guided = Option<(Vec<u16>, Option<u16>)>;
    let mut answers: Vec<([u8; 8], Guided)> = Vec::new();
    let collect = |answers: &mut Vec<_>| {
        for (topic, payload) in rx.try_iter() {
            let v = parkers
                .iter()
                .find(|v| topic.contains(&hex(v)))
                .copied()
                .unwrap();
            answers.push((v, guidance_of(&payload, v)));
        }
    };
    // One at a time, so the order of asking is the order of answering.
    let start = Instant::now();
    for (i, v) in parkers.iter().enumerate() {
        while !answers.iter().any(|(a, _)| a == v) {
            assert!(start.elapsed() < Duration::from_secs(20), "{answers:?}");
            announce(false);
            ask(*v, at_entrance, park, i as u8);
            std::thread::sleep(Duration::from_millis(300));
            collect(&mut answers);
        }
    }
    let first = |answers: &[([u8; 8], Guided)], v: [u8; 8]| {
        answers.iter().find(|(a, _)| *a == v).unwrap().1.clone()
    };
    assert_eq!(
        first(&answers, PARKER_A),
        Some((vec![1, 2], Some(11))),
        "{answers:?}"
    );
    assert_eq!(
        first(&answers, PARKER_B),
        Some((vec![1, 2, 3], Some(20))),
        "{answers:?}"
    );
    assert_eq!(first(&answers, PARKER_C), None, "{answers:?}");
    let car_parks = get_json(s.http, "/api/v1/car-parks");
    let slots = car_parks["car_parks"][0]["slots"]
        .as_array()
        .unwrap()
        .clone();
    let held_for = |id: u64| {
        slots
            .iter()
            .find(|s| s["id"] == id)
            .and_then(|s| s["held_for"].as_str().map(str::to_string))
    };
    assert_eq!(held_for(11), Some(hex(&PARKER_A)), "{car_parks}");
    assert_eq!(held_for(20), Some(hex(&PARKER_B)), "{car_parks}");
    assert_eq!(car_parks["car_parks"][0]["free"], 1, "{car_parks}");

    // A parks in 11; later it asks for the way out from its slot.
    announce(true);
    let in_slot = Point {
        east_m: 725.0,
        north_m: 303.0,
    };
    answers.clear();
    while !answers.iter().any(|(a, _)| *a == PARKER_A) {
        assert!(start.elapsed() < Duration::from_secs(30), "{answers:?}");
        ask(PARKER_A, in_slot, ParkingGoal::Exit, 9);
        std::thread::sleep(Duration::from_millis(300));
        collect(&mut answers);
    }
    assert_eq!(
        first(&answers, PARKER_A),
        Some((vec![2, 3], None)),
        "{answers:?}"
    );
    assert!(metric(s.http, "roadcloud_gspa_guided_total").unwrap() >= 2.0);
    assert!(metric(s.http, "roadcloud_gspa_refused_total").unwrap() >= 1.0);
}
