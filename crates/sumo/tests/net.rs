//! The bundled scenario's network: its projection takes junctions back to the longitudes and
//! latitudes they were drawn at, its signalised junctions make MAPs the world reads, and the
//! MAPs of all junctions cover every road section of each bundled scenario.

use roadcloud_sumo::bridge::REGION;
use roadcloud_sumo::net::Net;
use roadcloud_world::map::intersections_from_map;
use roadcloud_world::{LaneIndex, LocalFrame};
use std::path::PathBuf;

fn scenario(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/anting-grid")
        .join(file)
}

#[test]
fn junctions_go_back_to_where_they_were_drawn() {
    let net = Net::read(&scenario("anting-grid.net.xml")).unwrap();
    assert_eq!((net.utm.zone, net.utm.south), (51, false));
    // The plain node file gives each node's longitude (x) and latitude (y).
    let nodes = std::fs::read_to_string(scenario("grid.nod.xml")).unwrap();
    let mut checked = 0;
    for line in nodes.lines().filter(|l| l.contains("<node ")) {
        let attr = |k: &str| {
            let at = line.find(&format!(" {k}=\"")).unwrap() + k.len() + 3;
            line[at..].split('"').next().unwrap().to_string()
        };
        let j = &net.junctions[&attr("id")];
        let (lat, lon) = net.to_wgs84(j.x, j.y);
        let (want_lon, want_lat): (f64, f64) =
            (attr("x").parse().unwrap(), attr("y").parse().unwrap());
        // 1e-6 degree is about 0.1 m.
        assert!(
            (lat - want_lat).abs() < 1e-6 && (lon - want_lon).abs() < 1e-6,
            "{} {lat} {lon}",
            j.id
        );
        checked += 1;
    }
    assert_eq!(checked, net.junctions.len());
}

#[test]
fn signalised_junctions_make_maps_the_world_reads() {
    let net = Net::read(&scenario("anting-grid.net.xml")).unwrap();
    let signalised = net.signalised();
    assert_eq!(signalised.len(), 9);
    let frame = LocalFrame::new(31.2866, 121.1655);
    let mut nodes = Vec::new();
    for j in &signalised {
        let groups = net.signal_groups(&j.id);
        assert!(
            !groups.is_empty() && groups.iter().all(|g| *g <= 16),
            "{}: {groups:?}",
            j.id
        );
        let map = net.map(j, REGION, 0);
        let bytes = roadcloud_csae::encode(&map).unwrap();
        let map: roadcloud_csae::MapData = roadcloud_csae::decode(&bytes).unwrap();
        nodes.extend(intersections_from_map(&frame, &map));
    }
    assert_eq!(nodes.len(), 9);
    // Every inner junction has four approaches of three vehicle lanes with their phases.
    for x in &nodes {
        assert_eq!(x.links.len(), 4, "{:?}", x.id);
        for l in &x.links {
            assert_eq!(l.lanes.len(), 3, "{:?}", x.id);
            assert!(
                l.lanes
                    .iter()
                    .all(|lane| lane.connects_to.iter().all(|c| c.phase.is_some()))
            );
        }
    }
    assert!(!LaneIndex::new(nodes.iter()).is_empty());
}

/// Every road lane of a bundled network: lane matching on the MAPs its RSUs send finds each
/// lane's middle in that lane, heading its way.
fn every_road_section_is_mapped(name: &str) {
    let net = Net::read(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../scenarios")
            .join(name)
            .join(format!("{name}.net.xml")),
    )
    .unwrap();
    let bridge = roadcloud_sumo::bridge::Bridge::new(net.clone());
    let frame = bridge.frame;
    let mut nodes = Vec::new();
    for j in net.mapped() {
        let bytes = roadcloud_csae::encode(&net.map(j, REGION, 0)).unwrap();
        let map: roadcloud_csae::MapData = roadcloud_csae::decode(&bytes).unwrap();
        nodes.extend(intersections_from_map(&frame, &map));
    }
    let index = LaneIndex::new(nodes.iter());
    let mut checked = 0;
    for lane in net.lanes.values().filter(|l| !l.sidewalk) {
        let (a, b) = (lane.shape[0], lane.shape[lane.shape.len() - 1]);
        let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let (lat, lon) = net.to_wgs84(mid.0, mid.1);
        let heading = (b.0 - a.0).atan2(b.1 - a.1).to_degrees().rem_euclid(360.0);
        let m = index
            .locate(frame.to_local(lat, lon), Some(heading))
            .unwrap_or_else(|| panic!("{name}: lane {} is on no MAP lane", lane.id));
        assert_eq!(m.lane.lane, lane.index + 1, "{name}: {}", lane.id);
        assert!(!m.against, "{name}: {}", lane.id);
        checked += 1;
    }
    assert!(checked > 10, "{name}: {checked} lanes");
}

#[test]
fn every_road_section_of_the_bundled_scenarios_is_mapped() {
    for name in ["anting-grid", "arterial", "motorway"] {
        every_road_section_is_mapped(name);
    }
}

#[test]
fn grid_north_is_turned_to_true_north_by_the_meridian_convergence() {
    let utm = roadcloud_sumo::net::Utm {
        zone: 51,
        south: false,
    };
    // About Anting: 170 km west of zone 51's central meridian (123° E).
    let (e, n) = (330_000.0, 3_463_000.0);
    let (lat, lon) = utm.to_wgs84(e, n);
    // The closed form: tan γ = tan(λ - λ0) sin φ.
    let expected = ((lon - 123.0).to_radians().tan() * lat.to_radians().sin())
        .atan()
        .to_degrees();
    let gamma = utm.convergence_deg(e, n);
    assert!(gamma < -0.9 && gamma > -1.0, "{gamma}");
    assert!(
        (gamma - expected).abs() < 0.005,
        "{gamma} against {expected}"
    );
    // On the central meridian grid north is true north.
    assert!(utm.convergence_deg(500_000.0, n).abs() < 1e-6);
}
