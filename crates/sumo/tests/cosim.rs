//! The real SUMO (from `SUMO_HOME`, installed by scripts/sumo.sh) on the bundled scenario,
//! driven over TraCI: vehicles, pedestrians and traffic lights come back, and what the bridge
//! makes of them is valid UPER that the world reads.

use roadcloud_sumo::bridge::Bridge;
use roadcloud_sumo::cosim::{Sumo, SumoOptions, net_file};
use roadcloud_sumo::net::Net;
use std::path::PathBuf;

fn sumo_home() -> PathBuf {
    PathBuf::from(std::env::var("SUMO_HOME").expect(
        "SUMO_HOME must point at SUMO 1.28 (scripts/test.sh installs it: source scripts/sumo.sh)",
    ))
}

#[test]
fn sumo_steps_and_its_state_becomes_messages() {
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/anting-grid/anting-grid.sumocfg");
    let net = Net::read(&net_file(&config).unwrap()).unwrap();
    let mut bridge = Bridge::new(net);
    let mut sumo = Sumo::start(&SumoOptions {
        sumo_home: sumo_home(),
        config,
        step_s: 0.1,
        ssm_file: None,
        lane_change_s: Some(2.0),
        extra: Vec::new(),
    })
    .unwrap();
    let mut last = Default::default();
    let (mut max_vehicles, mut max_persons, mut messages) = (0, 0, 0);
    for k in 0..600 {
        let s: roadcloud_sumo::cosim::Step = sumo.step().unwrap();
        max_vehicles = max_vehicles.max(s.vehicles.len());
        max_persons = max_persons.max(s.persons.len());
        let now = 1_795_824_000_000 + (s.time_s * 1000.0) as i64;
        for (topic, m) in bridge.messages(&s, 0.1, now, k % 10 == 0) {
            let bytes = roadcloud_csae::encode(&m).unwrap_or_else(|e| panic!("{topic}: {e}"));
            assert!(roadcloud_csae::decode::<roadcloud_csae::MessageFrame>(&bytes).is_ok());
            messages += 1;
        }
        last = s;
    }
    assert!((last.time_s - 60.0).abs() < 1e-6, "{}", last.time_s);
    assert!(max_vehicles > 20, "{max_vehicles} vehicles");
    assert!(max_persons > 0, "no pedestrians");
    assert_eq!(last.signals.len(), 9);
    assert!(
        last.vehicles
            .iter()
            .all(|v| v.speed_mps >= 0.0 && v.length_m > 1.0)
    );
    assert!(messages > 5_000, "{messages}");
    sumo.close().unwrap();
}
