//! Vehicles' requests read from their VIRs (T/CSAE 157-2020), as the simulator writes them.

use roadcloud_csae as csae;
use roadcloud_sim::messages::{parking_request, sensor_sharing_request};
use roadcloud_world::parking::ParkingGoal;
use roadcloud_world::requests::{Asks, PLANNED_PATH_HALF_WIDTH_M, requests_from_vir};
use roadcloud_world::{LocalFrame, Point, units};

const NOW: i64 = 1_700_000_000_000;

fn at(east_m: f64, north_m: f64) -> Point {
    Point { east_m, north_m }
}

fn near(a: Point, b: Point) -> bool {
    a.distance_to(b) < 0.05
}

/// A sensor-sharing request covers the area asked about and, when the vehicle sends its
/// planned path, the road along that path too.
#[test]
fn sensor_sharing_covers_the_area_and_the_planned_path() {
    let frame = LocalFrame::new(31.2866, 121.1655);
    let from = at(10.0, 20.0);
    let area = [(vec![from, at(10.0, 120.0)], 4.0)];
    let mut vir = sensor_sharing_request(&frame, [7; 8], from, 3, &area, NOW);
    let asked = |vir: &csae::VehIntentionAndRequest| match &requests_from_vir(&frame, vir, NOW)[..]
    {
        [r] => match &r.asks {
            Asks::SensorSharing { area } => area.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    let only_area = asked(&vir);
    assert_eq!(only_area.len(), 1);
    assert!((only_area[0].1 - 4.0).abs() < 1e-9);

    // It turns right 30 m ahead: its planned path, offsets from its refPos.
    let offset = |p: Point| {
        let ((lat, lon), (rlat, rlon)) = (frame.to_1e7(p), frame.to_1e7(from));
        csae::PositionOffsetLLV {
            offset_ll: units::offset_ll(rlat, rlon, lat, lon),
            offset_v: None,
        }
    };
    let planned = [at(10.0, 50.0), at(60.0, 50.0)];
    vir.int_and_req.path_planning = Some(csae::PathPlanning(
        planned
            .iter()
            .map(|p| csae::PathPlanningPoint {
                pos_in_map: None,
                pos: offset(*p),
                pos_accuracy: None,
                speed: None,
                speed_cfd: None,
                heading: None,
                heading_cfd: None,
                accel_set: None,
                acc4_way_confidence: None,
                estimated_time: None,
                time_confidence: None,
            })
            .collect(),
    ));
    let with_path = asked(&vir);
    assert_eq!(with_path.len(), 2, "{with_path:?}");
    let (path, half_width_m) = &with_path[1];
    assert_eq!(*half_width_m, PLANNED_PATH_HALF_WIDTH_M);
    assert_eq!(path.len(), 3);
    assert!(near(path[0], from), "{path:?}");
    assert!(
        near(path[1], planned[0]) && near(path[2], planned[1]),
        "{path:?}"
    );
}

/// `Req-ParkingArea`: park (with the types and slot asked for) or exit; cancel or complete
/// withdraws.
#[test]
fn parking_requests_ask_for_a_slot_or_the_way_out() {
    let frame = LocalFrame::new(31.2866, 121.1655);
    let from = at(0.0, 0.0);
    for (goal, complete) in [
        (
            ParkingGoal::Park {
                types: None,
                slot: None,
            },
            false,
        ),
        (
            ParkingGoal::Park {
                types: Some(1 << 5),
                slot: Some(42),
            },
            false,
        ),
        (ParkingGoal::Exit, false),
        (ParkingGoal::Exit, true),
    ] {
        let vir = parking_request(&frame, [9; 8], from, 1, goal, complete, NOW);
        let got = requests_from_vir(&frame, &vir, NOW);
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].asks,
            Asks::Parking {
                goal,
                rsu: None,
                withdrawn: complete,
            }
        );
    }
}
