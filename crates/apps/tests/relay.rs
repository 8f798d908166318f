//! Zone-wide information reaches the RSUs around it as standard RSI: a hazard one RSU
//! announced goes to the others near it, a jam found in the tracks goes to the RSUs near its
//! tail, each at most once per repeat interval.

mod common;

use common::*;
use roadcloud_csae::MessageFrame;
use roadcloud_pipeline::RsuDownlink;
use roadcloud_sim::messages::VehicleState;
use roadcloud_transport::DeviceId;
use roadcloud_world::events::{EventKind, events_from_rsi};

const NORTH_RSU: [u8; 8] = *b"RSU-N002";
const FAR_RSU: [u8; 8] = *b"RSU-F003";

fn car(n: u8, east: f64, north: f64, speed: f64) -> VehicleState {
    VehicleState::car(id(n), p(east, north), 180.0, speed)
}

/// Each downlink after UPER and back, as the RSU would read it.
fn on_the_wire(d: &RsuDownlink) -> roadcloud_csae::RoadSideInformation {
    let bytes = roadcloud_csae::encode(&MessageFrame::RsiFrame(d.rsi.clone())).unwrap();
    let MessageFrame::RsiFrame(rsi) = roadcloud_csae::decode(&bytes).unwrap() else {
        panic!("an RSI")
    };
    rsi
}

#[test]
fn a_hazard_goes_to_the_other_rsus_near_it() {
    let mut z = Zone::with_map();
    z.rsu_at(NORTH_RSU, p(10.0, 400.0));
    z.rsu_at(FAR_RSU, p(10.0, 3_000.0));
    z.rsi("rsi_01_roadworks");
    z.vehicle(car(1, 0.125, 280.0, 15.0));
    let advisories = z.pipeline.evaluate(z.now);
    assert!(
        advisories.iter().any(|a| a.scenario == "HLW"),
        "{advisories:#?}"
    );
    let down = z.pipeline.take_downlinks();
    // Not to RSU-AT01, which announced it, nor to the RSU 3 km away.
    assert_eq!(
        down.iter().map(|d| d.rsu).collect::<Vec<_>>(),
        vec![DeviceId(NORTH_RSU)]
    );
    let rsi = on_the_wire(&down[0]);
    assert_eq!(rsi.id, NORTH_RSU);
    let relayed = events_from_rsi(&z.frame, &rsi, z.now);
    let original = z.pipeline.events.values().next().unwrap();
    assert_eq!(relayed.len(), 1);
    assert_eq!(
        (relayed[0].kind, relayed[0].code),
        (EventKind::Event, original.code)
    );
    assert!(relayed[0].position.distance_to(original.position) < 0.02);
    assert_eq!(relayed[0].paths.len(), original.paths.len());

    // Within the repeat interval the RSU is not told again.
    z.now += 100;
    z.vehicle(car(1, 0.125, 278.5, 15.0));
    z.pipeline.evaluate(z.now);
    assert!(z.pipeline.take_downlinks().is_empty());
}

#[test]
fn a_jam_goes_to_the_rsus_near_its_tail() {
    let mut z = Zone::new();
    z.rsu_at(NORTH_RSU, p(10.0, 400.0));
    z.rsu_at(FAR_RSU, p(10.0, 3_000.0));
    for v in [
        car(1, 0.0, 300.0, 15.0),
        car(2, 0.0, 150.0, 1.0),
        car(3, 0.0, 140.0, 1.0),
        car(4, 0.0, 130.0, 0.5),
    ] {
        z.vehicle(v);
    }
    let advisories = z.pipeline.evaluate(z.now);
    assert!(
        advisories.iter().any(|a| a.scenario == "TJW"),
        "{advisories:#?}"
    );
    let down = z.pipeline.take_downlinks();
    assert_eq!(
        down.iter().map(|d| d.rsu).collect::<Vec<_>>(),
        vec![DeviceId(NORTH_RSU)]
    );
    let jam = &events_from_rsi(&z.frame, &on_the_wire(&down[0]), z.now)[0];
    assert_eq!(
        jam.code,
        z.pipeline.config().relay.jam_event_type,
        "{jam:#?}"
    );
    // At the tail: the nearest crawling car to the host, 150 m north.
    assert!(jam.position.distance_to(p(0.0, 150.0)) < 5.0, "{jam:#?}");
}

#[test]
fn no_rsu_near_no_downlink() {
    let mut z = Zone::with_map();
    z.rsu_at(FAR_RSU, p(10.0, 3_000.0));
    z.rsi("rsi_01_roadworks");
    z.vehicle(car(1, 0.125, 280.0, 15.0));
    assert!(!z.pipeline.evaluate(z.now).is_empty());
    assert!(z.pipeline.take_downlinks().is_empty());
}
