//! The world tells misbehaviour detection whether a roadside detection is fused with a
//! vehicle's track, and the detector learns from the traffic where the cameras look: after
//! 25 cars driving past an RSU's camera were seen by it, a car that says it drives there,
//! unseen, is reported a phantom; one far from where the camera has seen anything is not.

mod common;

use common::*;
use roadcloud_csae::{MessageFrame, ParticipantType};
use roadcloud_sim::messages::{self, Detection, VehicleState};
use roadcloud_transport::{DeviceKind, MessageKind};

const CAMERA_RSU: [u8; 8] = *b"RSU-C001";

/// The camera's RSM: what it sees, and the pedestrian waiting at its pole (an RSM lists at
/// least one participant).
fn camera_sees(z: &mut Zone, cars: &[&VehicleState]) {
    let pole = p(10.0, 400.0);
    let seen: Vec<Detection> = std::iter::once(Detection::pedestrian(1, pole, 0.0, 0.0))
        .chain(cars.iter().map(|c| Detection {
            kind: ParticipantType::Motor,
            ptc_id: 100 + u16::from(c.id[7]),
            position: c.position,
            heading_deg: c.heading_deg,
            speed_mps: c.speed_mps,
            size_m: (1.8, 4.6),
        }))
        .collect();
    let rsm = messages::rsm(&z.frame, CAMERA_RSU, pole, &seen, 0, z.now);
    z.send(
        DeviceKind::Rsu,
        CAMERA_RSU,
        MessageKind::Rsm,
        MessageFrame::RsmFrame(rsm),
    );
}

#[test]
fn a_vehicle_unseen_where_the_camera_sees_the_others_is_a_phantom_and_one_far_away_is_not() {
    let mut z = Zone::new();
    // 25 cars, one after another, southbound at 10 m/s past the camera for 3 s, each seen.
    for k in 0..25u8 {
        for step in 0..30 {
            z.now += 100;
            let car = VehicleState::car(id(10 + k), p(0.0, 415.0 - f64::from(step)), 180.0, 10.0);
            camera_sees(&mut z, &[&car]);
            z.vehicle(car);
        }
    }
    let honest = z.pipeline.take_journal().misbehaviour;
    assert!(honest.is_empty(), "{honest:#?}");
    // Then one the camera does not see drives the same way, and another far from it.
    for step in 0..50 {
        z.now += 100;
        camera_sees(&mut z, &[]);
        z.vehicle(VehicleState::car(
            id(1),
            p(0.0, 415.0 - 0.5 * f64::from(step)),
            180.0,
            5.0,
        ));
        z.vehicle(VehicleState::car(
            id(2),
            p(0.0, 2_000.0 - 0.5 * f64::from(step)),
            180.0,
            5.0,
        ));
    }
    let reports = z.pipeline.take_journal().misbehaviour;
    let phantoms = |n: u8| {
        reports
            .iter()
            .filter(|r| r.kind.as_str() == "phantom" && r.device == id(n))
            .count()
    };
    assert!(phantoms(1) >= 1, "{reports:#?}");
    assert_eq!(phantoms(2), 0, "{reports:#?}");
}
