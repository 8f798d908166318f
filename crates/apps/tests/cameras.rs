//! The world tells misbehaviour detection which RSU's camera looks where a vehicle says it is
//! (the RSUs that sent RSM lately, looked up in the tiles around the report): a vehicle that
//! says it drives past a camera, unseen by it, is reported a phantom; one far from every
//! camera is not.

mod common;

use common::*;
use roadcloud_sim::messages::VehicleState;

const CAMERA_RSU: [u8; 8] = *b"RSU-C001";

#[test]
fn a_vehicle_unseen_where_a_camera_looks_is_a_phantom_and_one_far_away_is_not() {
    let mut z = Zone::new();
    z.rsu_at(CAMERA_RSU, p(10.0, 400.0));
    // Southbound at 10 m/s, its last five seconds within 60 m of the camera.
    z.vehicle(VehicleState::car(id(1), p(0.0, 400.0), 180.0, 10.0));
    z.vehicle(VehicleState::car(id(2), p(0.0, 2_000.0), 180.0, 10.0));
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
