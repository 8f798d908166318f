//! Each application against a table of situations, built from messages as devices send them:
//! cases that must warn (with the severity they must reach) and the near misses that must
//! not. The intersection is the MAP vector's (node 310/1001 at the origin); driving south
//! on its north approach, lane 1 (left turn) lies at east +3.5 m, lane 2 (straight, phase 1)
//! at +0.125 m and lane 3 at -3.375 m; the stop line is 20 m north of the node.

mod common;

use common::*;
use roadcloud_apps::Severity::{self, Alert, Info, Warning};
use roadcloud_csae::{LightState, MessageFrame};
use roadcloud_sim::messages::{VehicleFlags, VehicleState};
use roadcloud_transport::{DeviceKind, MessageKind};
use roadcloud_world::{Millis, Point};

const SOUTH: f64 = 180.0;
const NORTH: f64 = 0.0;

fn car(n: u8, east: f64, north: f64, heading: f64, speed: f64) -> VehicleState {
    VehicleState::car(id(n), p(east, north), heading, speed)
}

fn with(v: VehicleState, f: impl FnOnce(&mut VehicleState)) -> VehicleState {
    let mut v = v;
    f(&mut v);
    v
}

fn flags(f: VehicleFlags) -> impl FnOnce(&mut VehicleState) {
    move |v| v.flags = f
}

fn zone(map: bool, vehicles: &[VehicleState]) -> Zone {
    let mut z = if map { Zone::with_map() } else { Zone::new() };
    for v in vehicles {
        z.vehicle(*v);
    }
    z
}

fn case(name: &'static str, expect: Option<Severity>, setup: fn() -> Zone) -> Case {
    Case {
        name,
        setup,
        expect,
        ttc_s: None,
    }
}

/// A case whose advisory must also give a time to collision between `lo` and `hi` seconds.
fn timed(name: &'static str, expect: Severity, ttc_s: (f64, f64), setup: fn() -> Zone) -> Case {
    Case {
        ttc_s: Some(ttc_s),
        ..case(name, Some(expect), setup)
    }
}

/// Car 1 at 15 m/s 15 m behind car 2 at the same speed, which brakes at 4 m/s²: in every
/// report it sent (`lasting`), or only in one 100 ms after a report that did not.
fn behind_a_braking_car(lasting: bool) -> Zone {
    let leader = car(2, 0.125, 135.0, SOUTH, 15.0);
    let braking = with(leader, |v| v.accel_mps2 = -4.0);
    let mut z = zone(
        true,
        &[
            car(1, 0.125, 150.0, SOUTH, 15.0),
            if lasting { braking } else { leader },
        ],
    );
    if !lasting {
        z.now += 100;
        z.vehicle(with(braking, |v| v.position.north_m -= 1.5));
    }
    z
}

/// A road north through node 2 at the origin, nodes every 200 m (1 south, 3 north): the link
/// from 1 has lanes 1 and 2 (east 1.75 and 5.25 m), each leading into the same lane of the
/// link on to 3, which has a third lane beside them (east 8.75 m), as below an on-ramp.
/// Car 1 drives north in lane 2 at 20 m/s, 20 m short of node 2; car 2, 5 m/s, drove along
/// that lane through the node, and ends 17 m past it in lane `ends_in` of the link on.
fn beyond_a_node(ends_in: u8) -> Zone {
    use roadcloud_world::map::{Connection, Intersection, Lane, Link, NodeId};
    let node = |id| NodeId { region: 1, id };
    let east = |lane: u8| 1.75 + 3.5 * f64::from(lane - 1);
    let lane = |id: u8, from: f64, to: f64, connects_to| Lane {
        id,
        width_m: Some(3.5),
        maneuvers: None,
        points: vec![p(east(id), from), p(east(id), to)],
        connects_to,
        speed_limit_mps: None,
    };
    let onward = |l| {
        vec![Connection {
            remote: node(3),
            lane: Some(l),
            phase: None,
        }]
    };
    let link = |upstream, lanes| Link {
        name: None,
        upstream: node(upstream),
        width_m: 10.5,
        points: Vec::new(),
        speed_limit_mps: None,
        lanes,
    };
    let x = |id, north: f64, links| Intersection {
        id: node(id),
        name: None,
        position: p(0.0, north),
        position_1e7: (0, 0),
        links,
    };
    let mut z = Zone::with_intersections(vec![
        x(
            2,
            0.0,
            vec![link(
                1,
                vec![
                    lane(1, -200.0, -10.0, onward(1)),
                    lane(2, -200.0, -10.0, onward(2)),
                ],
            )],
        ),
        x(
            3,
            200.0,
            vec![link(
                2,
                (1..=3).map(|l| lane(l, 10.0, 190.0, Vec::new())).collect(),
            )],
        ),
    ]);
    z.vehicle(car(2, east(2), 12.0, NORTH, 5.0));
    z.now += 1_000;
    z.vehicle(car(2, east(ends_in), 17.0, NORTH, 5.0));
    z.vehicle(car(1, east(2), -20.0, NORTH, 20.0));
    z
}

#[test]
fn fcw() {
    run(
        "FCW",
        &[
            // Gap 20 - 4.6 = 15.4 m, closing at 10 m/s: 1.54 s.
            timed(
                "closing on a slower car in the lane, 1.5-2.7 s",
                Warning,
                (1.5, 1.6),
                || {
                    zone(
                        true,
                        &[
                            car(1, 0.125, 100.0, SOUTH, 15.0),
                            car(2, 0.125, 80.0, SOUTH, 5.0),
                        ],
                    )
                },
            ),
            // Gap 7.4 m, closing at 15 m/s: 0.49 s.
            timed("closing fast, under 1.5 s", Alert, (0.45, 0.55), || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 100.0, SOUTH, 20.0),
                        car(2, 0.125, 88.0, SOUTH, 5.0),
                    ],
                )
            }),
            case("without MAP: the heading corridor", Some(Warning), || {
                zone(
                    false,
                    &[car(1, 0.0, 0.0, NORTH, 15.0), car(2, 0.5, 20.0, NORTH, 5.0)],
                )
            }),
            case(
                "near miss: the slower car is in the next lane",
                None,
                || {
                    zone(
                        true,
                        &[
                            car(1, 0.125, 100.0, SOUTH, 15.0),
                            car(2, -3.375, 80.0, SOUTH, 5.0),
                        ],
                    )
                },
            ),
            case("near miss: the car ahead is faster", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 100.0, SOUTH, 15.0),
                        car(2, 0.125, 80.0, SOUTH, 16.0),
                    ],
                )
            }),
            case("near miss: far enough (more than 2.7 s)", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 150.0, SOUTH, 15.0),
                        car(2, 0.125, 80.0, SOUTH, 5.0),
                    ],
                )
            }),
            case("near miss: the host stands", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 100.0, SOUTH, 0.0),
                        car(2, 0.125, 95.0, SOUTH, 0.0),
                    ],
                )
            }),
            // Gap 15 - 4.6 = 10.4 m, both at 15 m/s, the leader braking at 4 m/s² to a stop:
            // 10.4 = 2 t², 2.3 s.
            timed(
                "the car ahead brakes, and has braked in every report: its stop counts",
                Warning,
                (2.2, 2.4),
                || behind_a_braking_car(true),
            ),
            case(
                "near miss: the car ahead's latest report brakes, the one before did not",
                None,
                || behind_a_braking_car(false),
            ),
            // Gap 37 - 4.6 = 32.4 m, closing at 15 m/s: 2.2 s.
            case(
                "past a node, the car ahead in the lane MAP connects the host's lane to",
                Some(Warning),
                || beyond_a_node(2),
            ),
            case(
                "near miss: past a node, the car ahead moved into the lane beside it",
                None,
                || beyond_a_node(3),
            ),
            case(
                "near miss: a slower car beside, 2 m ahead, moving into the lane",
                None,
                || {
                    zone(
                        true,
                        &[
                            car(1, 0.125, 100.0, SOUTH, 15.0),
                            car(2, -1.2, 98.0, SOUTH, 13.0),
                        ],
                    )
                },
            ),
        ],
    );
}

#[test]
fn ebw() {
    run(
        "EBW",
        &[
            case("a car 40 m ahead brakes hard", Some(Warning), || {
                let b = with(car(2, 0.125, 110.0, SOUTH, 15.0), |v| {
                    v.accel_mps2 = -6.0;
                    v.flags.hard_braking = true;
                });
                zone(true, &[car(1, 0.125, 150.0, SOUTH, 15.0), b])
            }),
            case("it brakes hard close ahead: alert", Some(Alert), || {
                let b = with(car(2, 0.125, 125.0, SOUTH, 15.0), |v| v.accel_mps2 = -7.0);
                zone(true, &[car(1, 0.125, 150.0, SOUTH, 15.0), b])
            }),
            case("near miss: braking in the next lane", None, || {
                let b = with(car(2, -3.375, 100.0, SOUTH, 15.0), |v| v.accel_mps2 = -6.0);
                zone(true, &[car(1, 0.125, 150.0, SOUTH, 15.0), b])
            }),
            case("near miss: 80 m ahead, over 3 s away", None, || {
                let b = with(car(2, 0.125, 70.0, SOUTH, 15.0), |v| v.accel_mps2 = -6.0);
                zone(true, &[car(1, 0.125, 150.0, SOUTH, 15.0), b])
            }),
            case("near miss: gentle braking ahead", None, || {
                let b = with(car(2, 0.125, 100.0, SOUTH, 15.0), |v| v.accel_mps2 = -1.5);
                zone(true, &[car(1, 0.125, 150.0, SOUTH, 15.0), b])
            }),
            case("near miss: the braking car is behind", None, || {
                let b = with(car(2, 0.125, 180.0, SOUTH, 15.0), |v| v.accel_mps2 = -6.0);
                zone(true, &[car(1, 0.125, 150.0, SOUTH, 15.0), b])
            }),
        ],
    );
}

#[test]
fn avw() {
    run(
        "AVW",
        &[
            case("a car stopped mid-link ahead", Some(Warning), || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 250.0, SOUTH, 15.0),
                        car(2, 0.125, 150.0, SOUTH, 0.0),
                    ],
                )
            }),
            case("hazard lights on, still moving", Some(Warning), || {
                let b = with(
                    car(2, 0.125, 150.0, SOUTH, 8.0),
                    flags(VehicleFlags {
                        hazard: true,
                        ..VehicleFlags::default()
                    }),
                );
                zone(true, &[car(1, 0.125, 250.0, SOUTH, 15.0), b])
            }),
            case("near miss: queueing at the stop line", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 150.0, SOUTH, 15.0),
                        car(2, 0.125, 30.0, SOUTH, 0.0),
                    ],
                )
            }),
            case("near miss: stopped in another lane", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 250.0, SOUTH, 15.0),
                        car(2, -3.375, 150.0, SOUTH, 0.0),
                    ],
                )
            }),
            case("near miss: the host crawls too", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 250.0, SOUTH, 4.0),
                        car(2, 0.125, 150.0, SOUTH, 0.0),
                    ],
                )
            }),
        ],
    );
}

#[test]
fn clw() {
    run(
        "CLW",
        &[
            case("ABS engaged ahead in the next lane", Some(Warning), || {
                let b = with(car(2, -3.375, 150.0, SOUTH, 12.0), |v| v.flags.abs = true);
                zone(true, &[car(1, 0.125, 250.0, SOUTH, 15.0), b])
            }),
            case("near miss: ABS engaged behind", None, || {
                let b = with(car(2, 0.125, 280.0, SOUTH, 12.0), |v| v.flags.abs = true);
                zone(true, &[car(1, 0.125, 250.0, SOUTH, 15.0), b])
            }),
            case("near miss: nobody loses grip", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 250.0, SOUTH, 15.0),
                        car(2, 0.125, 150.0, SOUTH, 12.0),
                    ],
                )
            }),
        ],
    );
}

#[test]
fn hlw() {
    run(
        "HLW",
        &[
            case(
                "driving south into the road works' path",
                Some(Warning),
                || {
                    let mut z = zone(true, &[car(1, 0.125, 280.0, SOUTH, 15.0)]);
                    z.rsi("rsi_01_roadworks");
                    z
                },
            ),
            case("far enough that it is information", Some(Info), || {
                let mut z = zone(false, &[car(1, 0.0, 600.0, SOUTH, 10.0)]);
                z.rsi("rsi_01_roadworks");
                z
            }),
            case(
                "near miss: driving away from it, south of the node",
                None,
                || {
                    let mut z = zone(true, &[car(1, -0.125, -50.0, SOUTH, 15.0)]);
                    z.rsi("rsi_01_roadworks");
                    z
                },
            ),
            case("near miss: no event announced", None, || {
                zone(true, &[car(1, 0.125, 280.0, SOUTH, 15.0)])
            }),
            case(
                "a cone in its lane, 80 m ahead on MAP's lane",
                Some(Warning),
                || {
                    let mut z = zone(true, &[car(1, 0.125, 280.0, SOUTH, 15.0)]);
                    z.cones(&[p(0.4, 200.0)]);
                    z
                },
            ),
            case(
                "a cone ahead where no MAP is, on its heading",
                Some(Warning),
                || {
                    let mut z = zone(false, &[car(1, 0.0, 600.0, SOUTH, 15.0)]);
                    z.cones(&[p(-0.5, 500.0)]);
                    z
                },
            ),
            case("a cone 250 m ahead: information", Some(Info), || {
                let mut z = zone(false, &[car(1, 0.0, 600.0, SOUTH, 10.0)]);
                z.cones(&[p(0.0, 350.0)]);
                z
            }),
            case("near miss: cones in the next lane", None, || {
                let mut z = zone(true, &[car(1, 0.125, 280.0, SOUTH, 15.0)]);
                z.cones(&[p(-3.375, 200.0), p(-3.375, 190.0)]);
                z
            }),
            case("near miss: a cone behind it", None, || {
                let mut z = zone(true, &[car(1, 0.125, 280.0, SOUTH, 15.0)]);
                z.cones(&[p(0.125, 300.0)]);
                z
            }),
            case("near miss: a cone beyond its range", None, || {
                let mut z = zone(false, &[car(1, 0.0, 600.0, SOUTH, 10.0)]);
                z.cones(&[p(0.0, 250.0)]);
                z
            }),
        ],
    );
}

#[test]
fn hlw_advises_the_nearest_of_a_row_of_cones() {
    let mut z = zone(true, &[car(1, 0.125, 280.0, SOUTH, 15.0)]);
    z.cones(&[p(0.125, 185.0), p(0.125, 200.0), p(0.125, 215.0)]);
    let mine: Vec<_> = z
        .advisories("HLW")
        .into_iter()
        .filter(|a| a.target == id(1))
        .collect();
    assert_eq!(mine.len(), 1, "{mine:#?}");
    // Cone 2 stands at 215 m north, 65 m ahead of the car's centre.
    assert_eq!(
        mine[0].others[0].id,
        roadcloud_apps::ParticipantId::Obstacle { sensor: RSU, id: 2 }
    );
    let d = mine[0].distance_m.unwrap();
    assert!((62.0..65.0).contains(&d), "{d}");
}

#[test]
fn ivs() {
    run(
        "IVS",
        &[
            case(
                "northbound on the south approach, in the sign's path",
                Some(Info),
                || {
                    let mut z = zone(false, &[car(1, 0.0, -300.0, NORTH, 15.0)]);
                    z.rsi("rsi_02_speed_limit_sign");
                    z
                },
            ),
            case("near miss: southbound, the other direction", None, || {
                let mut z = zone(false, &[car(1, 0.0, -200.0, SOUTH, 15.0)]);
                z.rsi("rsi_02_speed_limit_sign");
                z
            }),
        ],
    );
}

#[test]
fn slw() {
    run(
        "SLW",
        &[
            case("72 km/h in a 60 km/h lane", Some(Warning), || {
                zone(true, &[car(1, 0.125, 150.0, SOUTH, 20.0)])
            }),
            case(
                "68 km/h under the RSI sign's 60, no MAP",
                Some(Warning),
                || {
                    let mut z = zone(false, &[car(1, 0.0, -250.0, NORTH, 19.0)]);
                    z.rsi("rsi_02_speed_limit_sign");
                    z
                },
            ),
            case("near miss: 58 km/h", None, || {
                zone(true, &[car(1, 0.125, 150.0, SOUTH, 16.0)])
            }),
            case("near miss: within the tolerance", None, || {
                let mut z = zone(false, &[car(1, 0.0, -250.0, NORTH, 17.5)]);
                z.rsi("rsi_02_speed_limit_sign");
                z
            }),
            case("near miss: no limit known", None, || {
                zone(false, &[car(1, 0.0, 150.0, SOUTH, 30.0)])
            }),
        ],
    );
}

#[test]
fn rlvw() {
    run(
        "RLVW",
        &[
            // 35 m at 15 m/s: the stop line in 2.33 s; stopping needs 3.2 m/s², more than a
            // comfortable brake (3 m/s²), and the driver does not brake.
            timed(
                "red for 10 s, 35 m out at 15 m/s",
                Alert,
                (2.3, 2.4),
                || {
                    let mut z = zone(true, &[car(1, 0.125, 55.0, SOUTH, 15.0)]);
                    z.signals(&[(1, LightState::Red, 10_000), (2, LightState::Red, 10_000)]);
                    z
                },
            ),
            case("stopping needs a hard brake, 25 m out", Some(Alert), || {
                let mut z = zone(true, &[car(1, 0.125, 45.0, SOUTH, 15.0)]);
                z.signals(&[(1, LightState::Red, 10_000)]);
                z
            }),
            case("yellow now, red on arrival 35 m out", Some(Alert), || {
                let mut z = zone(true, &[car(1, 0.125, 55.0, SOUTH, 15.0)]);
                z.signals(&[(1, LightState::Yellow, 1_000)]);
                z
            }),
            // 40 m at 15 m/s: stopping needs 2.8 m/s², a comfortable stop.
            case(
                "near miss: red on arrival 40 m out, a comfortable stop still possible",
                None,
                || {
                    let mut z = zone(true, &[car(1, 0.125, 60.0, SOUTH, 15.0)]);
                    z.signals(&[(1, LightState::Red, 10_000)]);
                    z
                },
            ),
            case(
                "near miss: red on arrival 70 m out, not late to brake yet",
                None,
                || {
                    let mut z = zone(true, &[car(1, 0.125, 90.0, SOUTH, 15.0)]);
                    z.signals(&[(1, LightState::Red, 10_000)]);
                    z
                },
            ),
            case("near miss: arriving on yellow", None, || {
                let mut z = zone(true, &[car(1, 0.125, 50.0, SOUTH, 15.0)]);
                z.signals(&[(1, LightState::Yellow, 3_000)]);
                z
            }),
            case("near miss: green through arrival", None, || {
                let mut z = zone(true, &[car(1, 0.125, 55.0, SOUTH, 15.0)]);
                z.signals(&[(1, LightState::ProtectedGreen, 10_000)]);
                z
            }),
            case("near miss: already braking to stop", None, || {
                let b = with(car(1, 0.125, 50.0, SOUTH, 15.0), |v| v.accel_mps2 = -4.0);
                let mut z = zone(true, &[b]);
                z.signals(&[(1, LightState::Red, 10_000)]);
                z
            }),
            case("near miss: red ends before arrival", None, || {
                let mut z = zone(true, &[car(1, 0.125, 80.0, SOUTH, 15.0)]);
                z.signals(&[(1, LightState::Red, 2_000)]);
                z
            }),
            case(
                "near miss: the left-turn lane's phase is green",
                None,
                || {
                    let mut z = zone(true, &[car(1, 3.5, 55.0, SOUTH, 15.0)]);
                    z.signals(&[
                        (1, LightState::Red, 10_000),
                        (2, LightState::ProtectedGreen, 10_000),
                    ]);
                    z
                },
            ),
        ],
    );
}

#[test]
fn glosa() {
    run(
        "GLOSA",
        &[
            case("green for 15 s, 100 m out", Some(Info), || {
                let mut z = zone(true, &[car(1, 0.125, 120.0, SOUTH, 10.0)]);
                z.signals(&[(1, LightState::ProtectedGreen, 15_000)]);
                z
            }),
            case(
                "red for 8 s: slow down to arrive on green",
                Some(Info),
                || {
                    let mut z = zone(true, &[car(1, 0.125, 120.0, SOUTH, 14.0)]);
                    z.signals(&[(1, LightState::Red, 8_000)]);
                    z
                },
            ),
            case("near miss: red for 30 s, no useful speed", None, || {
                let mut z = zone(true, &[car(1, 0.125, 120.0, SOUTH, 10.0)]);
                z.signals(&[(1, LightState::Red, 30_000)]);
                z
            }),
            case("near miss: no SPAT", None, || {
                zone(true, &[car(1, 0.125, 120.0, SOUTH, 10.0)])
            }),
        ],
    );
}

/// Car 1 southbound at 10 m/s in the north approach's straight lane, `north_m` north of the
/// node, and pedestrian 7 at `at`, heading `heading_deg` at `speed_mps`; with phase 1 (the
/// car's) at `light` for 20 s when given.
fn car_and_pedestrian(
    north_m: f64,
    at: Point,
    heading_deg: f64,
    speed_mps: f64,
    light: Option<LightState>,
) -> Zone {
    let mut z = zone(true, &[car(1, 0.125, north_m, SOUTH, 10.0)]);
    z.pedestrian(7, at, heading_deg, speed_mps);
    if let Some(light) = light {
        z.signals(&[(1, light, 20_000)]);
    }
    z
}

#[test]
fn vrucw() {
    run(
        "VRUCW",
        &[
            // The car reaches the pedestrian's line as it gets there, in about 2.5 s.
            timed(
                "a pedestrian crossing in front, 2.5 s",
                Warning,
                (2.0, 2.8),
                || car_and_pedestrian(60.0, p(-3.5, 35.0), 90.0, 1.4, None),
            ),
            case(
                "a pedestrian whose phone sends PSM, crossing in front",
                Some(Warning),
                || {
                    let mut z = zone(true, &[car(1, 0.125, 60.0, SOUTH, 10.0)]);
                    z.walker(id(9), p(-3.5, 35.0), 90.0, 1.4);
                    z
                },
            ),
            case("closer: under 2 s", Some(Alert), || {
                car_and_pedestrian(50.0, p(-2.1, 35.0), 90.0, 1.4, None)
            }),
            // The stop line is 20 m ahead (y = 20), the pedestrian crosses 5 m past it.
            case(
                "a pedestrian crossing past the stop line, the car on green",
                Some(Warning),
                || {
                    car_and_pedestrian(
                        40.0,
                        p(-3.5, 15.0),
                        90.0,
                        1.4,
                        Some(LightState::ProtectedGreen),
                    )
                },
            ),
            case(
                "near miss: the same, the car held by red with room to stop",
                None,
                || {
                    // 20 m at 10 m/s: it stops at 2.5 m/s².
                    car_and_pedestrian(40.0, p(-3.5, 15.0), 90.0, 1.4, Some(LightState::Red))
                },
            ),
            case(
                "a pedestrian standing in the car's lane",
                Some(Warning),
                || car_and_pedestrian(60.0, p(-0.4, 30.0), SOUTH, 0.0, None),
            ),
            // Turning right at 15 degrees/s (a 30.6 m radius), its path reaches (-3.7, 15.3)
            // in 1.9 s; going straight on it would pass 3.8 m from it.
            case(
                "a car turning towards a pedestrian standing in its way",
                Some(Alert),
                || {
                    let turning = with(car(1, 0.125, 30.0, SOUTH, 8.0), |v| v.yaw_rate_dps = 15.0);
                    let mut z = zone(false, &[turning]);
                    z.pedestrian(7, p(-3.7, 15.3), SOUTH, 0.0);
                    z
                },
            ),
            // 1.6 m from the car's centre line: its path within `conflict_m` of the car's side
            // (1.9 m), beyond `beside_m` (1.4 m), and the car's heading 0.1 degrees off
            // towards it.
            case(
                "near miss: walking towards the car along the kerb, 1.6 m beside its path",
                None,
                || {
                    let mut z = zone(true, &[car(1, 0.125, 60.0, 180.1, 10.0)]);
                    z.pedestrian(7, p(-1.475, 30.0), NORTH, 1.4);
                    z
                },
            ),
            case(
                "near miss: a pedestrian standing at the kerb 1.6 m beside its path",
                None,
                || car_and_pedestrian(60.0, p(-1.475, 30.0), SOUTH, 0.0, None),
            ),
            // About to turn, the car sweeps across the crossing the pedestrian waits at.
            case(
                "the same, the car signalling a turn (the pedestrian may step out)",
                Some(Warning),
                || {
                    let signalling = with(car(1, 0.125, 60.0, SOUTH, 10.0), |v| {
                        v.flags.right_signal = true
                    });
                    let mut z = zone(true, &[signalling]);
                    z.pedestrian(7, p(-1.475, 30.0), SOUTH, 0.0);
                    z
                },
            ),
            case(
                "near miss: standing in its path, the car on green (the pedestrian waits for its own)",
                None,
                || {
                    car_and_pedestrian(
                        60.0,
                        p(-0.4, 30.0),
                        SOUTH,
                        0.0,
                        Some(LightState::ProtectedGreen),
                    )
                },
            ),
            // MAP places the car in the southbound lane driving north: the lane's green is
            // for the traffic it meets, not a green the pedestrian waits out.
            case(
                "a wrong-way car on the lane's green, a pedestrian standing in its path ahead",
                Some(Warning),
                || {
                    let mut z = zone(true, &[car(1, 0.125, 22.0, NORTH, 10.0)]);
                    z.pedestrian(7, p(0.5, 47.0), SOUTH, 0.0);
                    z.signals(&[(1, LightState::ProtectedGreen, 20_000)]);
                    z
                },
            ),
            case("near miss: walking along the pavement", None, || {
                car_and_pedestrian(60.0, p(-9.0, 40.0), SOUTH, 1.4, None)
            }),
            case("near miss: behind the car", None, || {
                car_and_pedestrian(60.0, p(-3.5, 75.0), 90.0, 1.4, None)
            }),
        ],
    );
}

#[test]
fn icw() {
    run(
        "ICW",
        &[
            // The host is 45.1 m from the crossing point at 12 m/s; its front reaches the
            // crossing car's path 2.25 + 0.9 m earlier: 3.50 s.
            timed(
                "southbound and westbound reach the crossing together",
                Warning,
                (3.45, 3.55),
                || {
                    zone(
                        true,
                        &[
                            car(1, 0.125, 45.0, SOUTH, 12.0),
                            car(2, 40.0, -0.125, 270.0, 12.0),
                        ],
                    )
                },
            ),
            case("both under 2.5 s", Some(Alert), || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 25.0, SOUTH, 12.0),
                        car(2, 25.0, -0.125, 270.0, 12.0),
                    ],
                )
            }),
            case(
                "near miss: the crossing car must give way and can stop",
                None,
                || {
                    let mut z = zone(true, &[car(1, 0.125, 45.0, SOUTH, 12.0)]);
                    z.give_way(p(50.0, -0.125), 270.0);
                    z.vehicle(car(2, 50.0, -0.125, 270.0, 12.0));
                    z
                },
            ),
            case(
                "it must give way but is too close to stop",
                Some(Warning),
                || {
                    let mut z = zone(true, &[car(1, 0.125, 35.0, SOUTH, 12.0)]);
                    z.give_way(p(25.0, -0.125), 270.0);
                    z.vehicle(car(2, 25.0, -0.125, 270.0, 12.0));
                    z
                },
            ),
            case("near miss: the crossing car signals a turn", None, || {
                let turner = with(car(2, 40.0, -0.125, 270.0, 12.0), |v| {
                    v.flags.right_signal = true
                });
                zone(true, &[car(1, 0.125, 45.0, SOUTH, 12.0), turner])
            }),
            case("near miss: the crossing car waits", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 45.0, SOUTH, 12.0),
                        car(2, 30.0, -0.125, 270.0, 0.0),
                    ],
                )
            }),
            case(
                "near miss: the crossing car has red and time to stop",
                None,
                || {
                    // 40 m from its stop line at 12 m/s: it stops at 1.8 m/s².
                    let mut z = zone(
                        true,
                        &[
                            car(1, 0.125, 45.0, SOUTH, 12.0),
                            car(2, 60.0, -0.125, 270.0, 12.0),
                        ],
                    );
                    // Phase 1 (north approach, straight) green, phase 3 (east approach) red.
                    z.signals(&[
                        (1, LightState::ProtectedGreen, 20_000),
                        (3, LightState::Red, 20_000),
                    ]);
                    z
                },
            ),
            case(
                "the crossing car has yellow and time to stop, but does not slow down",
                Some(Warning),
                || {
                    let mut z = zone(
                        true,
                        &[
                            car(1, 0.125, 45.0, SOUTH, 12.0),
                            car(2, 55.0, -0.125, 270.0, 12.0),
                        ],
                    );
                    z.signals(&[
                        (1, LightState::ProtectedGreen, 20_000),
                        (3, LightState::Yellow, 20_000),
                    ]);
                    z
                },
            ),
            case(
                "near miss: the crossing car has yellow and slows down for it",
                None,
                || {
                    let slowing = with(car(2, 55.0, -0.125, 270.0, 12.0), |v| v.accel_mps2 = -1.1);
                    let mut z = zone(true, &[car(1, 0.125, 45.0, SOUTH, 12.0), slowing]);
                    z.signals(&[
                        (1, LightState::ProtectedGreen, 20_000),
                        (3, LightState::Yellow, 20_000),
                    ]);
                    z
                },
            ),
            case(
                "the crossing car has red but brakes too late for it",
                Some(Alert),
                || {
                    let mut z = zone(
                        true,
                        &[
                            car(1, 0.125, 25.0, SOUTH, 12.0),
                            car(2, 25.0, -0.125, 270.0, 12.0),
                        ],
                    );
                    // Red from now on, but it is 5 m from its stop line at 12 m/s.
                    z.signals(&[
                        (1, LightState::ProtectedGreen, 20_000),
                        (3, LightState::Red, 20_000),
                    ]);
                    z
                },
            ),
            case(
                "near miss: the lines cross, but not at the junction the host approaches",
                None,
                || {
                    // Westbound on a street 30 m north of the node, off the MAP's lanes.
                    zone(
                        true,
                        &[
                            car(1, 0.125, 60.0, SOUTH, 12.0),
                            car(2, 40.0, 30.0, 270.0, 12.0),
                        ],
                    )
                },
            ),
            case(
                "near miss: no MAP, the host is turning, its heading line is not its path",
                None,
                || {
                    zone(
                        false,
                        &[
                            with(car(1, 0.125, 45.0, SOUTH, 12.0), |v| v.yaw_rate_dps = 15.0),
                            car(2, 40.0, -0.125, 270.0, 12.0),
                        ],
                    )
                },
            ),
            case("near miss: it arrives long after", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 25.0, SOUTH, 12.0),
                        car(2, 120.0, -0.125, 270.0, 12.0),
                    ],
                )
            }),
            case("near miss: the same direction", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 45.0, SOUTH, 12.0),
                        car(2, -3.375, 45.0, SOUTH, 12.0),
                    ],
                )
            }),
        ],
    );
}

/// A left-turner in the north approach's left-turn lane at 3 m/s and an oncoming car 50 m
/// south of the centre at 12 m/s, 4 s away, under the lights of phase 1 (straight on) and
/// phase 2 (the left turn).
fn turn_before_oncoming(straight: LightState, left: LightState) -> Zone {
    let mut z = zone(
        true,
        &[
            car(1, 3.5, 30.0, SOUTH, 3.0),
            car(2, -0.125, -50.0, NORTH, 12.0),
        ],
    );
    z.signals(&[(1, straight, 20_000), (2, left, 20_000)]);
    z
}

#[test]
fn lta() {
    run(
        "LTA",
        &[
            case(
                "in the left-turn lane, oncoming 4 s away",
                Some(Warning),
                || {
                    zone(
                        true,
                        &[
                            car(1, 3.5, 30.0, SOUTH, 3.0),
                            car(2, -0.125, -50.0, NORTH, 12.0),
                        ],
                    )
                },
            ),
            // Setting off from waiting in the intersection, 40 m before the oncoming car.
            case(
                "left signal, pulling away in the intersection, oncoming 3.3 s away",
                Some(Warning),
                || {
                    let a = with(car(1, 0.0, 10.0, SOUTH, 0.5), |v| {
                        v.flags.left_signal = true;
                        v.accel_mps2 = 2.5;
                    });
                    zone(true, &[a, car(2, -0.125, -40.0, NORTH, 12.0)])
                },
            ),
            case(
                "near miss: left signal, waiting in the intersection, oncoming 3.3 s away",
                None,
                || {
                    let a = with(car(1, 0.0, 10.0, SOUTH, 0.5), |v| {
                        v.flags.left_signal = true
                    });
                    zone(true, &[a, car(2, -0.125, -40.0, NORTH, 12.0)])
                },
            ),
            // It came down a lane of the north approach and has left it into the
            // intersection, but on none of the lane's connections: where it goes, MAP does
            // not say, and no guess is made (on SUMO's grid such hosts were left-turners at
            // the place where they wait for their gap, and every guess about them was
            // wrong). The oncoming car is in the south approach's straight lane.
            case(
                "near miss: left signal, in the intersection off its lane's connections",
                None,
                || {
                    let a = with(car(1, 0.0, 10.0, SOUTH, 3.0), |v| {
                        v.flags.left_signal = true
                    });
                    zone(true, &[a, car(2, -0.125, -40.0, NORTH, 12.0)])
                },
            ),
            // Car 3 is first in the left-turn lane, its front at the stop line (y = 20): it
            // picks the gap, car 1 follows it; once it has crossed the line car 1 is first.
            case(
                "near miss: queued behind a car standing at the stop line, oncoming 3.5 s away",
                None,
                || {
                    zone(
                        true,
                        &[
                            car(1, 3.5, 30.0, SOUTH, 3.0),
                            car(3, 3.5, 22.5, SOUTH, 0.0),
                            car(2, -0.125, -42.0, NORTH, 12.0),
                        ],
                    )
                },
            ),
            case(
                "behind a car that has crossed the stop line, oncoming 3.5 s away",
                Some(Warning),
                || {
                    zone(
                        true,
                        &[
                            car(1, 3.5, 30.0, SOUTH, 3.0),
                            car(3, 3.5, 17.0, SOUTH, 5.0),
                            car(2, -0.125, -42.0, NORTH, 12.0),
                        ],
                    )
                },
            ),
            case("near miss: oncoming far away", None, || {
                zone(
                    true,
                    &[
                        car(1, 3.5, 30.0, SOUTH, 3.0),
                        car(2, -0.125, -150.0, NORTH, 12.0),
                    ],
                )
            }),
            // The north approach: phase 1 straight on, phase 2 its left turn.
            case(
                "the turn and the oncoming car both on green, oncoming 4 s away",
                Some(Warning),
                || turn_before_oncoming(LightState::PermissiveGreen, LightState::PermissiveGreen),
            ),
            case(
                "near miss: the left-turner held by its red with room to stop",
                None,
                || turn_before_oncoming(LightState::PermissiveGreen, LightState::Red),
            ),
            // The oncoming car is 30 m from its stop line at 12 m/s: it stops at 2.4 m/s².
            case(
                "near miss: the oncoming car held by its red, the turn on its arrow",
                None,
                || turn_before_oncoming(LightState::Red, LightState::ProtectedGreen),
            ),
            case(
                "near miss: signalling left in a lane that goes straight on (a lane change)",
                None,
                || {
                    let a = with(car(1, 0.125, 30.0, SOUTH, 3.0), |v| {
                        v.flags.left_signal = true
                    });
                    zone(true, &[a, car(2, -0.125, -50.0, NORTH, 12.0)])
                },
            ),
            case(
                "near miss: in the intersection, the oncoming car signals a right turn",
                None,
                || {
                    let a = with(car(1, 0.0, 10.0, SOUTH, 3.0), |v| {
                        v.flags.left_signal = true
                    });
                    let b = with(car(2, -0.125, -40.0, NORTH, 12.0), |v| {
                        v.flags.right_signal = true
                    });
                    zone(true, &[a, b])
                },
            ),
            case("near miss: going straight", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 30.0, SOUTH, 3.0),
                        car(2, -0.125, -50.0, NORTH, 12.0),
                    ],
                )
            }),
            case(
                "near miss: the oncoming car is in its left-turn lane (opposing lefts)",
                None,
                || {
                    zone(
                        true,
                        &[
                            car(1, 3.5, 30.0, SOUTH, 3.0),
                            car(2, -3.5, -50.0, NORTH, 12.0),
                        ],
                    )
                },
            ),
            case(
                "near miss: in the intersection, the oncoming car signals left",
                None,
                || {
                    let a = with(car(1, 0.0, 10.0, SOUTH, 3.0), |v| {
                        v.flags.left_signal = true
                    });
                    let b = with(car(2, -0.125, -40.0, NORTH, 12.0), |v| {
                        v.flags.left_signal = true
                    });
                    zone(true, &[a, b])
                },
            ),
            case(
                "near miss: the other car leaves the intersection",
                None,
                || {
                    zone(
                        true,
                        &[
                            car(1, 3.5, 30.0, SOUTH, 3.0),
                            car(2, 3.0, 60.0, NORTH, 12.0),
                        ],
                    )
                },
            ),
        ],
    );
}

/// The host southbound at 100 m north at `host_mps`, signalling right, and a car in the lane
/// to its right `other_north_m` north (behind it) at `other_mps`.
fn signalling_right(host_mps: f64, other_north_m: f64, other_mps: f64) -> Zone {
    let a = with(car(1, 0.125, 100.0, SOUTH, host_mps), |v| {
        v.flags.right_signal = true
    });
    zone(true, &[a, car(2, -3.375, other_north_m, SOUTH, other_mps)])
}

#[test]
fn bsw_lcw() {
    run(
        "BSW/LCW",
        &[
            case(
                "a car beside and behind in the next lane: BSW",
                Some(Info),
                || {
                    zone(
                        true,
                        &[
                            car(1, 0.125, 100.0, SOUTH, 15.0),
                            car(2, -3.375, 104.0, SOUTH, 15.0),
                        ],
                    )
                },
            ),
            case("signalling right towards it: LCW", Some(Warning), || {
                signalling_right(15.0, 104.0, 15.0)
            }),
            case(
                "signalling right, a fast car coming up behind: LCW",
                Some(Warning),
                || signalling_right(12.0, 130.0, 22.0),
            ),
            case(
                "signalling right, a car at its speed 13 m behind (0.9 s): LCW",
                Some(Warning),
                || signalling_right(15.0, 118.0, 15.0),
            ),
            case(
                "near miss: signalling right, a car at its speed 25 m behind (1.7 s)",
                None,
                || signalling_right(15.0, 130.0, 15.0),
            ),
            case(
                "near miss: the next lane's car is well behind",
                None,
                || {
                    zone(
                        true,
                        &[
                            car(1, 0.125, 100.0, SOUTH, 15.0),
                            car(2, -3.375, 140.0, SOUTH, 15.0),
                        ],
                    )
                },
            ),
            case(
                "near miss: signalling the other way: still only BSW",
                Some(Info),
                || {
                    let a = with(car(1, 0.125, 100.0, SOUTH, 15.0), |v| {
                        v.flags.left_signal = true
                    });
                    zone(true, &[a, car(2, -3.375, 104.0, SOUTH, 15.0)])
                },
            ),
        ],
    );
}

#[test]
fn dnpw() {
    run(
        "DNPW",
        &[
            case("signalling left, oncoming 5 s away", Some(Warning), || {
                let a = with(car(1, 0.0, 0.0, NORTH, 15.0), |v| {
                    v.flags.left_signal = true
                });
                zone(false, &[a, car(2, -3.5, 150.0, SOUTH, 15.0)])
            }),
            case("near miss: no signal", None, || {
                zone(
                    false,
                    &[
                        car(1, 0.0, 0.0, NORTH, 15.0),
                        car(2, -3.5, 150.0, SOUTH, 15.0),
                    ],
                )
            }),
            case("near miss: oncoming too far to matter", None, || {
                let a = with(car(1, 0.0, 0.0, NORTH, 15.0), |v| {
                    v.flags.left_signal = true
                });
                zone(false, &[a, car(2, -3.5, 295.0, SOUTH, 10.0)])
            }),
        ],
    );
}

#[test]
fn tjw() {
    run(
        "TJW",
        &[
            case("three crawling cars 150 m ahead", Some(Warning), || {
                zone(
                    false,
                    &[
                        car(1, 0.0, 300.0, SOUTH, 15.0),
                        car(2, 0.0, 150.0, SOUTH, 1.0),
                        car(3, 0.0, 140.0, SOUTH, 1.0),
                        car(4, 0.0, 130.0, SOUTH, 0.5),
                    ],
                )
            }),
            case("near miss: only two", None, || {
                zone(
                    false,
                    &[
                        car(1, 0.0, 300.0, SOUTH, 15.0),
                        car(2, 0.0, 150.0, SOUTH, 1.0),
                        car(3, 0.0, 140.0, SOUTH, 1.0),
                    ],
                )
            }),
            case("near miss: the host is in the jam", None, || {
                zone(
                    false,
                    &[
                        car(1, 0.0, 160.0, SOUTH, 1.0),
                        car(2, 0.0, 150.0, SOUTH, 1.0),
                        car(3, 0.0, 140.0, SOUTH, 1.0),
                        car(4, 0.0, 130.0, SOUTH, 0.5),
                    ],
                )
            }),
        ],
    );
}

#[test]
fn evw() {
    fn ambulance(north: f64, speed: f64, on_call: bool) -> VehicleState {
        with(car(2, 0.0, north, NORTH, speed), |v| {
            v.class = 65;
            v.flags.emergency = on_call;
        })
    }
    run(
        "EVW",
        &[
            case(
                "an ambulance on a call coming up from behind",
                Some(Warning),
                || {
                    zone(
                        false,
                        &[car(1, 0.0, 0.0, NORTH, 10.0), ambulance(-150.0, 20.0, true)],
                    )
                },
            ),
            case("close behind: alert", Some(Alert), || {
                zone(
                    false,
                    &[car(1, 0.0, 0.0, NORTH, 10.0), ambulance(-50.0, 20.0, true)],
                )
            }),
            case("near miss: not on a call", None, || {
                zone(
                    false,
                    &[
                        car(1, 0.0, 0.0, NORTH, 10.0),
                        ambulance(-150.0, 20.0, false),
                    ],
                )
            }),
            case("near miss: it drives away ahead", None, || {
                zone(
                    false,
                    &[car(1, 0.0, 0.0, NORTH, 10.0), ambulance(100.0, 20.0, true)],
                )
            }),
        ],
    );
}

/// PVP's clear the way: the vehicle ahead of an emergency vehicle on a call in its lane.
#[test]
fn pvp_clear_the_way() {
    fn ambulance(east: f64, north: f64, on_call: bool) -> VehicleState {
        with(car(2, east, north, SOUTH, 15.0), |v| {
            v.class = 60;
            v.flags.emergency = on_call;
        })
    }
    run(
        "PVP",
        &[
            case("a car ahead in the ambulance's lane", Some(Warning), || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 80.0, SOUTH, 10.0),
                        ambulance(0.125, 150.0, true),
                    ],
                )
            }),
            case("near miss: the car is in the next lane", None, || {
                zone(
                    true,
                    &[
                        car(1, -3.375, 80.0, SOUTH, 10.0),
                        ambulance(0.125, 150.0, true),
                    ],
                )
            }),
            case("near miss: the ambulance is ahead of the car", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 150.0, SOUTH, 10.0),
                        ambulance(0.125, 80.0, true),
                    ],
                )
            }),
            case("near miss: not on a call", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 80.0, SOUTH, 10.0),
                        ambulance(0.125, 150.0, false),
                    ],
                )
            }),
            case("near miss: farther than 150 m behind", None, || {
                zone(
                    true,
                    &[
                        car(1, 0.125, 0.0, SOUTH, 10.0),
                        ambulance(0.125, 200.0, true),
                    ],
                )
            }),
            // Its Req-ClearTheWay names a lane: that lane is cleared, not its own.
            case(
                "a car ahead in the lane the ambulance asks to clear",
                Some(Warning),
                || {
                    let mut z = zone(
                        true,
                        &[
                            car(1, -3.375, 80.0, SOUTH, 10.0),
                            ambulance(0.125, 150.0, true),
                        ],
                    );
                    ask_to_clear(&mut z, p(-3.375, 80.0), None);
                    z
                },
            ),
            case(
                "near miss: a car in the ambulance's lane, which it does not ask to clear",
                None,
                || {
                    let mut z = zone(
                        true,
                        &[
                            car(1, 0.125, 80.0, SOUTH, 10.0),
                            ambulance(0.125, 150.0, true),
                        ],
                    );
                    ask_to_clear(&mut z, p(-3.375, 80.0), None);
                    z
                },
            ),
            case(
                "near miss: the lane asked for, before its window opens",
                None,
                || {
                    let mut z = zone(
                        true,
                        &[
                            car(1, -3.375, 80.0, SOUTH, 10.0),
                            ambulance(0.125, 150.0, true),
                        ],
                    );
                    let later = z.now + 30_000;
                    ask_to_clear(&mut z, p(-3.375, 80.0), Some((later, later + 10_000)));
                    z
                },
            ),
        ],
    );
}

/// The ambulance (vehicle 2) at its place in [`pvp_clear_the_way`] asks that the lane
/// through `at` (southbound) be cleared, within `window` when given.
fn ask_to_clear(z: &mut Zone, at: Point, window: Option<(Millis, Millis)>) {
    let lane = z
        .pipeline
        .lanes
        .locate(at, Some(SOUTH))
        .expect("a lane there")
        .lane;
    let nodes = |n: roadcloud_world::map::NodeId| (n.region, n.id);
    let vir = roadcloud_sim::messages::clear_the_way_request(
        &z.frame,
        id(2),
        p(0.125, 150.0),
        1,
        (nodes(lane.upstream), nodes(lane.node), lane.lane),
        window,
        z.now,
    );
    z.send(
        DeviceKind::Obu,
        id(2),
        MessageKind::Vir,
        MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
            value: roadcloud_csae::Day2Message::VehIntentionAndRequest(vir),
        }),
    );
}

#[test]
fn every_application_is_registered_and_can_be_switched_and_reparameterised() {
    let mut r = roadcloud_apps::Registry::new();
    let ids: Vec<String> = r.describe().iter().map(|a| a.id.to_string()).collect();
    assert_eq!(
        ids,
        [
            "FCW", "ICW", "LTA", "BSW/LCW", "DNPW", "EBW", "AVW", "CLW", "HLW", "SLW", "RLVW",
            "VRUCW", "GLOSA", "IVS", "TJW", "EVW", "SDS", "PVP", "CLC", "CVM", "DLM", "CIP",
            "GSPA"
        ]
    );
    r.configure("fcw", Some(false), None).unwrap();
    assert_eq!(r.enabled("FCW"), Some(false));
    r.configure(
        "BSW-LCW",
        None,
        Some(&serde_json::json!({"closing_s": 4.0})),
    )
    .unwrap();
    let e = r
        .configure("FCW", Some(true), Some(&serde_json::json!({"ttc_warn": 1})))
        .unwrap_err();
    assert!(e.contains("ttc_warning_s"), "{e}");
    assert_eq!(r.enabled("FCW"), Some(false), "nothing changes on an error");
    assert!(r.configure("XYZ", Some(true), None).is_err());
}
