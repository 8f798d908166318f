//! `roadcloud demo` from the outside: the simulated zone's devices publish over MQTT, the
//! platform fills with participants, intersections and events, and its applications advise.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

#[test]
fn the_demo_shows_the_zone_busy_and_advised() {
    let s = start_demo(&["--script-every-s", "4"]);
    // Within a minute: traffic, the five intersections (four with signals), the RSI, and
    // advisories of the standing features and of several scripted situations.
    let mut stats = Value::Null;
    let mut scenarios = BTreeSet::new();
    wait_until(Duration::from_secs(60), || {
        stats = get_json(s.http, "/api/v1/stats");
        scenarios = stats["advisories_sent"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        ["GLOSA", "HLW", "IVS", "FCW", "EBW", "RLVW"]
            .iter()
            .all(|k| scenarios.contains(*k))
    });
    assert!(stats["participants"].as_u64() > Some(30), "{stats}");
    assert!(
        stats["rejected"].as_object().is_some_and(|r| r.is_empty()),
        "{stats}"
    );
    let x = get_json(s.http, "/api/v1/intersections");
    let nodes = x["intersections"].as_array().unwrap();
    assert_eq!(nodes.len(), 5, "{x}");
    // Four with signals; Moyu Rd / Anzhi Rd has none.
    let phases = |n: &Value| n["signal"]["phases"].as_array().map(Vec::len);
    assert_eq!(
        nodes.iter().filter(|n| phases(n) == Some(4)).count(),
        4,
        "{x}"
    );
    // At Moyu Rd / Anzhi Rd cars declare how they pass and are given slots (CIP).
    wait_until(Duration::from_secs(30), || {
        metric(s.http, "roadcloud_cip_slots_total").is_some_and(|n| n > 0.0)
    });
    // Cars ask what they cannot see (VIR), and the platform answers (SDS).
    wait_until(Duration::from_secs(20), || {
        metric(s.http, "roadcloud_sds_requests_answered_total").is_some_and(|n| n > 0.0)
    });
    // A car off the on-ramp asks for a gap to merge into, and gets one (CVM).
    wait_until(Duration::from_secs(30), || {
        metric(s.http, "roadcloud_cvm_grants_total").is_some_and(|n| n > 0.0)
    });
    // The car park on Moyu Rd is announced (PAM), and a car looking for a place is guided
    // to one (GSPA).
    wait_until(Duration::from_secs(40), || {
        metric(s.http, "roadcloud_gspa_guided_total").is_some_and(|n| n > 0.0)
    });
    let parks = get_json(s.http, "/api/v1/car-parks");
    assert_eq!(parks["count"], 1, "{parks}");
    assert_eq!(
        parks["car_parks"][0]["slots"].as_array().map(Vec::len),
        Some(20)
    );
    let stats = get_json(s.http, "/api/v1/stats");
    assert!(
        stats["admitted_by_kind"]["VIR"].as_u64() > Some(0),
        "{stats}"
    );
    let events = get_json(s.http, "/api/v1/events");
    assert_eq!(events["count"], 2, "{events}");
    // Pedestrians and cyclists are there too, seen by the cameras or by their phones.
    let mut kinds = BTreeSet::new();
    wait_until(Duration::from_secs(30), || {
        let p = get_json(s.http, "/api/v1/participants");
        kinds = p["participants"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| x["type"].as_str().map(str::to_string))
            .collect();
        kinds.contains("vehicle") && kinds.contains("pedestrian")
    });
}
