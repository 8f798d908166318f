//! Intersections from MAP, signal state from SPAT and events from RSI, on the public vectors.

use roadcloud_csae::MessageFrame;
use roadcloud_world::events::{EventKind, RoadEvent, events_from_rsi, rsi_announcing};
use roadcloud_world::map::{NodeId, intersections_from_map};
use roadcloud_world::signals::signals_from_spat;
use roadcloud_world::{LaneIndex, LocalFrame, ParticipantKind, Point, observe_bsm, observe_rsm};

fn frame() -> LocalFrame {
    LocalFrame::new(31.2866, 121.1655)
}

const MINUTE: i64 = roadcloud_testkit::VECTORS_MINUTE;

#[test]
fn map_gives_the_intersection_its_links_lanes_and_connections() {
    let MessageFrame::MapFrame(map) = roadcloud_testkit::vector53("map_01_anting_4arm") else {
        panic!()
    };
    let xs = intersections_from_map(&frame(), &map);
    let x = xs
        .iter()
        .find(|x| {
            x.id == NodeId {
                region: 310,
                id: 1001,
            }
        })
        .expect("node 310/1001");
    assert!(
        x.position.east_m.abs() < 1e-9 && x.position.north_m.abs() < 1e-9,
        "the origin"
    );
    assert_eq!(x.links.len(), 4);
    assert!(x.links.iter().all(|l| l.lanes.len() == 3));
    let north = &x.links[0];
    assert_eq!(
        north.upstream,
        NodeId {
            region: 310,
            id: 1002
        }
    );
    // 18000 x 1e-7 degree north of the node: about 199.6 m.
    assert!(
        (north.points[0].north_m - 199.57).abs() < 0.1,
        "{:?}",
        north.points
    );
    assert_eq!(north.speed_limit_mps, Some(833.0 / 50.0));
    assert_eq!(north.width_m, 10.25);
    let lane = &north.lanes[0];
    assert_eq!((lane.id, lane.width_m), (1, Some(3.25)));
    assert_eq!(
        lane.connects_to[0].remote,
        NodeId {
            region: 310,
            id: 1003
        }
    );
    assert_eq!(lane.connects_to[0].phase, Some(2));
}

#[test]
fn spat_gives_each_phase_its_light_and_absolute_times() {
    let MessageFrame::SpatFrame(spat) = roadcloud_testkit::vector53("spat_01_anting_counting")
    else {
        panic!()
    };
    let s = &signals_from_spat(&spat, MINUTE + 12_450)[0];
    assert_eq!(
        s.intersection,
        NodeId {
            region: 310,
            id: 1001
        }
    );
    // moy 414750 + timeStamp 12400 ms.
    assert_eq!(s.generated_at, MINUTE + 12_400);
    let p1 = s.phases.iter().find(|p| p.id == 1).unwrap();
    let now = p1.at(s.generated_at).unwrap();
    assert_eq!(now.light, "permissive-green");
    // Counting likelyEndTime 182 x 0.1 s after the timestamp.
    assert_eq!(now.likely_end, Some(MINUTE + 12_400 + 18_200));
    assert_eq!(p1.at(MINUTE + 12_400 + 19_000).unwrap().light, "yellow");
    assert_eq!(p1.at(MINUTE + 12_400 + 25_000).unwrap().light, "red");
}

#[test]
fn utc_timing_resolves_within_the_hour() {
    let MessageFrame::SpatFrame(spat) = roadcloud_testkit::vector53("spat_02_utc_timing") else {
        panic!()
    };
    let s = &signals_from_spat(&spat, MINUTE + 12_450)[0];
    for p in &s.phases {
        for step in &p.steps {
            if let (Some(a), Some(b)) = (step.start, step.likely_end) {
                assert!(b >= a && (a - s.generated_at).abs() < 3_600_000, "{step:?}");
            }
        }
    }
}

#[test]
fn rsi_gives_events_and_signs_with_zones() {
    let MessageFrame::RsiFrame(rsi) = roadcloud_testkit::vector53("rsi_03_event_and_signs") else {
        panic!()
    };
    let evs = events_from_rsi(&frame(), &rsi, MINUTE + 60_000);
    let works = evs.iter().find(|e| e.kind == EventKind::Event).unwrap();
    assert_eq!(works.code, 401);
    assert_eq!(works.radius_m, Some(30.0));
    assert_eq!(
        works.description.as_deref(),
        Some("Road works: right lane closed")
    );
    assert_eq!(works.paths[0].0.len(), 3);
    assert_eq!(works.paths[0].1, 8.0);
    // startTime 414150 is minute 414150 of 2024: ten hours before the vectors' minute.
    assert_eq!(works.start, Some(MINUTE - 600 * 60_000));
    let signs: Vec<_> = evs.iter().filter(|e| e.kind == EventKind::Sign).collect();
    assert_eq!(signs.len(), 2);
    assert_eq!(signs[0].code, 85);
}

#[test]
fn events_announced_again_by_another_rsu_read_back_the_same() {
    let MessageFrame::RsiFrame(rsi) = roadcloud_testkit::vector53("rsi_03_event_and_signs") else {
        panic!()
    };
    let now = MINUTE + 60_000;
    let evs = events_from_rsi(&frame(), &rsi, now);
    let items: Vec<(u8, &RoadEvent)> = evs.iter().zip(10..).map(|(e, id)| (id, e)).collect();
    // Another RSU 400 m east announces them relative to its own position.
    let rsu = *b"RSU-B002";
    let at = Point {
        east_m: 400.0,
        north_m: 20.0,
    };
    let out = rsi_announcing(&frame(), rsu, at, &items, 127, now);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].msg_cnt.0, 127);
    let m = MessageFrame::RsiFrame(out[0].clone());
    let back = roadcloud_csae::decode(&roadcloud_csae::encode(&m).unwrap()).unwrap();
    let MessageFrame::RsiFrame(back) = back else {
        panic!()
    };
    let again = events_from_rsi(&frame(), &back, now);
    assert_eq!(again.len(), evs.len());
    for (a, (id, e)) in again.iter().zip(&items) {
        assert_eq!(
            (a.rsu, a.local_id, a.kind, a.code),
            (rsu, *id, e.kind, e.code)
        );
        // 1e-7 degree is about a centimetre.
        assert!(a.position.distance_to(e.position) < 0.02);
        assert_eq!(a.radius_m, e.radius_m);
        assert_eq!(a.description, e.description);
        assert_eq!(
            (a.start, a.end, a.priority, a.source),
            (e.start, e.end, e.priority, e.source)
        );
        assert_eq!(a.paths.len(), e.paths.len());
        for ((pa, wa), (pe, we)) in a.paths.iter().zip(&e.paths) {
            assert_eq!(wa, we);
            assert!(pa.iter().zip(pe).all(|(x, y)| x.distance_to(*y) < 0.02));
        }
    }
}

#[test]
fn vehicles_of_the_vectors_match_the_lanes_of_the_map() {
    let MessageFrame::MapFrame(map) = roadcloud_testkit::vector53("map_01_anting_4arm") else {
        panic!()
    };
    let lanes = LaneIndex::new(&intersections_from_map(&frame(), &map));
    let node = |id| NodeId { region: 310, id };
    // The BSM's car drives south on the north approach, 1.9 m east of the link's centre
    // line: the leftmost lane, the left-turn lane.
    let MessageFrame::BsmFrame(bsm) = roadcloud_testkit::vector53("bsm_01_passenger_car") else {
        panic!()
    };
    let car = observe_bsm(&frame(), &bsm, MINUTE + 10_000).expect("observes");
    let m = lanes
        .locate(car.position, car.motion.heading_deg)
        .expect("on a lane");
    assert_eq!(
        (m.lane.node, m.lane.upstream, m.lane.lane),
        (node(1001), node(1002), 1)
    );
    assert!(!m.against);
    assert!((m.to_stop_line_m - 80.0).abs() < 1.0, "{m:?}");
    assert_eq!(m.speed_limit_mps, Some(833.0 * 0.02));
    // The RSM's motor vehicle drives west on the east approach, 3.3 m right of its centre
    // line: the rightmost lane. Its pedestrian stands in the intersection: no lane.
    let MessageFrame::RsmFrame(rsm) = roadcloud_testkit::vector53("rsm_01_three_participants")
    else {
        panic!()
    };
    let seen = observe_rsm(&frame(), &rsm, MINUTE + 10_000);
    let motor = seen
        .iter()
        .find(|o| o.kind == ParticipantKind::Vehicle)
        .unwrap();
    let m = lanes
        .locate(motor.position, motor.motion.heading_deg)
        .expect("on a lane");
    assert_eq!(
        (m.lane.node, m.lane.upstream, m.lane.lane),
        (node(1001), node(1003), 3)
    );
    let walker = seen
        .iter()
        .find(|o| o.kind == ParticipantKind::Pedestrian)
        .unwrap();
    assert_eq!(lanes.locate(walker.position, None), None);
}
