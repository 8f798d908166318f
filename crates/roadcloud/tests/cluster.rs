//! Two `roadcloud serve` nodes as one cluster on a real nats-server with JetStream (issue 17
//! items 4 and 5): they share the tiles, each takes device traffic over MQTT and routes it
//! to the tile's holder, each API lists the whole zone; when one is killed (`kill -9`) the
//! other takes its tiles over within the lease, tracks its vehicles under the same track ids
//! (from the dead node's snapshot), and takes in every uplink the front end acknowledged
//! meanwhile.
//!
//! Needs the `nats-server` binary (Debian package `nats-server`; `scripts/test.sh` installs
//! it), found on PATH, in /usr/sbin, or at $NATS_SERVER.

mod common;

use common::acl::system_binary;
use common::*;
use roadcloud_csae::{MessageFrame, encode};
use roadcloud_sim::messages::{VehicleState, bsm};
use roadcloud_transport::now_millis;
use roadcloud_world::{LocalFrame, Point};
use rumqttc::{MqttOptions, QoS};
use serde_json::Value;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const LEASE_MS: u64 = 1_500;
/// Metres east of the zone origin a partition's stripe starts (16 partitions, stripes of 4
/// tiles of 300 m, dealt in turn).
const STRIPE_M: f64 = 1_200.0;

fn nats_server(dir: &std::path::Path) -> (Nats, String) {
    let port = free_port();
    (
        nats_server_on(dir, port),
        format!("nats://127.0.0.1:{port}"),
    )
}

/// A nats-server with JetStream on `port`, keeping its streams in `dir`.
fn nats_server_on(dir: &std::path::Path, port: u16) -> Nats {
    let child = Command::new(system_binary("nats-server", "NATS_SERVER"))
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nats-server");
    let nats = Nats(child);
    wait_until(Duration::from_secs(10), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    nats
}

/// Node `id` of the cluster at `url`, with misbehaviour detection only watching unless
/// `extra` says otherwise (the border test's pair stops and starts from one report to the
/// next).
fn node(url: &str, id: &str, extra: &[&str]) -> Server {
    let lease_ms = LEASE_MS.to_string();
    let mut args = vec!["--cluster", url, "--node-id", id, "--lease-ms", &lease_ms];
    if !extra.contains(&ONE_MOMENT_REPEATED[0]) {
        args.extend_from_slice(&ONE_MOMENT_REPEATED);
    }
    args.extend_from_slice(extra);
    start_with(&args)
}

/// A nats-server, node A, then node B once A holds every partition, and once the two
/// share them out, eight each.
fn two_nodes() -> (tempfile::TempDir, Nats, Server, Server) {
    two_nodes_with(&[])
}

/// As [`two_nodes`], each node started with `extra` flags too.
fn two_nodes_with(extra: &[&str]) -> (tempfile::TempDir, Nats, Server, Server) {
    let dir = tempfile::tempdir().unwrap();
    let (nats, url) = nats_server(dir.path());
    let a = node(&url, "node-a", extra);
    wait_until(Duration::from_secs(10), || {
        cluster(&a)["partitions"].as_array().unwrap().len() == 16
    });
    let b = node(&url, "node-b", extra);
    wait_until(Duration::from_secs(15), || {
        let h = holdings(&a);
        h.len() == 2 && h.iter().all(|(_, p)| p.len() == 8)
    });
    (dir, nats, a, b)
}

fn cluster(s: &Server) -> Value {
    get_json(s.http, "/api/v1/cluster")
}

/// The partitions each node holds, by node id, as `s` sees them.
fn holdings(s: &Server) -> Vec<(String, Vec<u64>)> {
    cluster(s)["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let parts = n["partitions"].as_array().unwrap();
            (
                n["node_id"].as_str().unwrap().to_string(),
                parts.iter().map(|p| p.as_u64().unwrap()).collect(),
            )
        })
        .collect()
}

/// Vehicle `id`'s BSM, generated now, at `p` (metres from the zone origin), heading
/// `heading_deg` at `speed_mps`.
fn bsm_at(id: [u8; 8], p: Point, heading_deg: f64, speed_mps: f64) -> Vec<u8> {
    let frame = LocalFrame::new(31.2866, 121.1655);
    let car = VehicleState::car(id, p, heading_deg, speed_mps);
    encode(&MessageFrame::BsmFrame(bsm(&frame, &car, 0, now_millis()))).unwrap()
}

/// Vehicle `id`'s BSM in the middle of `partition`'s first stripe, heading north.
fn bsm_in(id: [u8; 8], partition: u64, north_m: f64) -> Vec<u8> {
    let east_m = partition as f64 * STRIPE_M + STRIPE_M / 2.0;
    bsm_at(id, Point { east_m, north_m }, 0.0, 10.0)
}

/// An MQTT client that counts the broker's acknowledgements of its QoS 1 publishes.
fn counting_client(port: u16, name: &str) -> (rumqttc::Client, Arc<AtomicUsize>) {
    let mut o = MqttOptions::new(name, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(5));
    let (c, mut conn) = rumqttc::Client::new(o, 1_000);
    let acked = Arc::new(AtomicUsize::new(0));
    let counter = acked.clone();
    std::thread::spawn(move || {
        for ev in conn.iter() {
            match ev {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_))) => {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                Err(_) => return,
                _ => {}
            }
        }
    });
    (c, acked)
}

fn publish(c: &rumqttc::Client, id: [u8; 8], payload: Vec<u8>) {
    c.publish(
        format!("V2X/OBU/{}/BSM/UP", hex(&id)),
        QoS::AtLeastOnce,
        false,
        payload,
    )
    .unwrap();
}

/// The track `s` lists vehicle `id` under, tracked by `node`.
fn track_of(s: &Server, id: [u8; 8], node: &str) -> Option<u64> {
    get_json(s.http, "/api/v1/participants")["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == hex(&id) && p["node"] == node)
        .map(|p| p["track"].as_u64().unwrap())
}

/// The participants `s` lists, as (id, node).
fn listed(s: &Server) -> Vec<(String, String)> {
    get_json(s.http, "/api/v1/participants")["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["node"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn two_nodes_share_the_zone_and_one_takes_over_when_the_other_is_killed() {
    let (_dir, _nats, mut a, b) = two_nodes();
    let (_, metrics) = get(a.http, "/metrics").unwrap();
    assert!(
        metrics.contains("roadcloud_cluster_nodes 2")
            && metrics.contains("roadcloud_cluster_partitions_held 8")
            && metrics.contains("roadcloud_cluster_lag{node=\"node-b\"}"),
        "{metrics}"
    );
    let held = holdings(&b);
    let of = |node: &str| held.iter().find(|(n, _)| n == node).unwrap().1.clone();
    let (part_a, part_b) = (of("node-a")[0], of("node-b")[0]);

    // v1 reports to node A from B's tiles; v2 to node B from A's tiles: each node routes
    // the other's traffic to it.
    let (v1, v2, v3) = (
        [0x5a, 0xc1, 0, 0, 0, 0, 0, 1],
        [0x5a, 0xc1, 0, 0, 0, 0, 0, 2],
        [0x5a, 0xc1, 0, 0, 0, 0, 0, 3],
    );
    let (on_a, _) = counting_client(a.mqtt, "v1-on-a");
    let (on_b, _) = counting_client(b.mqtt, "v2-on-b");
    let mut north = 0.0;
    let mut step = |c1: &rumqttc::Client, c2: &rumqttc::Client| {
        north += 1.0;
        publish(c1, v1, bsm_in(v1, part_b, north));
        publish(c2, v2, bsm_in(v2, part_a, north));
        std::thread::sleep(Duration::from_millis(100));
    };
    let both = |s: &Server| {
        let l = listed(s);
        l.contains(&(hex(&v1), "node-b".into())) && l.contains(&(hex(&v2), "node-a".into()))
    };
    let start = Instant::now();
    while !(both(&a) && both(&b)) {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "one zone in both APIs"
        );
        step(&on_a, &on_b);
    }

    let v2_track = track_of(&b, v2, "node-a").unwrap();

    // kill -9 of node A.
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let killed = Instant::now();
    // Meanwhile v3, in A's tiles, sends 30 acknowledged BSMs to B: none may be lost.
    let (v3_on_b, acked) = counting_client(b.mqtt, "v3-on-b");
    for n in 0..30 {
        publish(&v3_on_b, v3, bsm_in(v3, part_a, 100.0 + n as f64));
    }
    // v1 reconnects, to B.
    let (v1_on_b, _) = counting_client(b.mqtt, "v1-on-b");
    let mut taken_over = None;
    while taken_over.is_none() || !listed(&b).contains(&(hex(&v2), "node-b".into())) {
        assert!(
            killed.elapsed() < Duration::from_secs(20),
            "node B takes node A's tiles and vehicles over: {:?}",
            holdings(&b)
        );
        if taken_over.is_none() {
            let h = holdings(&b);
            if h.len() == 1 && h[0].1.len() == 16 {
                taken_over = Some(killed.elapsed());
            }
        }
        step(&v1_on_b, &on_b);
    }
    let taken_over = taken_over.unwrap();
    eprintln!("node B held all 16 partitions {taken_over:?} after node A was killed");
    // Within about the lease (entries expire two thirds of a lease after their last
    // renewal, the others look every third): 1.5-1.6 s here; with two leases of slack for a
    // machine busy with other tests.
    assert!(
        taken_over < Duration::from_millis(LEASE_MS * 3),
        "takeover in {taken_over:?}"
    );
    let l = listed(&b);
    assert!(l.contains(&(hex(&v1), "node-b".into())), "{l:?}");
    // v2 kept its track: node B took node A's snapshot of the tiles in with the first
    // reports it read for them.
    assert_eq!(track_of(&b, v2, "node-b"), Some(v2_track));

    // Every acknowledged BSM of v3 reached its tiles' new holder: admitted, or turned away
    // for a reason (too old by then, too fast), each counted.
    wait_until(Duration::from_secs(10), || {
        acked.load(Ordering::SeqCst) == 30
    });
    let counted = || {
        get_json(b.http, "/api/v1/devices")["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == hex(&v3))
            .map_or(0, |d| {
                d["admitted"].as_u64().unwrap()
                    + d["rejected"]
                        .as_object()
                        .unwrap()
                        .values()
                        .map(|n| n.as_u64().unwrap())
                        .sum::<u64>()
            })
    };
    wait_until(Duration::from_secs(10), || counted() >= 30);
    assert_eq!(counted(), 30);
}

#[test]
fn a_node_outside_a_cluster_says_so() {
    let s = start();
    let c = cluster(&s);
    assert_eq!(c["in_cluster"], false, "{c}");
    assert!(c["hint"].as_str().unwrap().contains("--cluster"), "{c}");
}

/// Vehicle `id`'s BSM at `east_m`, 300 m north of the origin, heading east.
fn bsm_east(id: [u8; 8], east_m: f64, speed_mps: f64) -> Vec<u8> {
    let north_m = 300.0;
    bsm_at(id, Point { east_m, north_m }, 90.0, speed_mps)
}

/// The nodes west and east of the border at east = 0 m, as `s` sees them: west of it is
/// stripe -1 (partition 15), east of it stripe 0 (partition 0), held by different nodes.
fn border_nodes(s: &Server) -> (String, String) {
    let held = holdings(s);
    let holder = |p: u64| {
        held.iter()
            .find(|(_, ps)| ps.contains(&p))
            .unwrap()
            .0
            .clone()
    };
    let (west, east) = (holder(15), holder(0));
    assert_ne!(west, east, "{held:?}");
    (west, east)
}

#[test]
fn tracks_and_warnings_cross_the_border_between_two_nodes() {
    let (_dir, _nats, a, b) = two_nodes();
    let (west, east) = border_nodes(&a);
    let feed = advisory_feed(a.mqtt, "feed");
    let (c, _) = counting_client(b.mqtt, "pair");
    let (follower, leader) = (
        [0x5a, 0xc2, 0, 0, 0, 0, 0, 1],
        [0x5a, 0xc2, 0, 0, 0, 0, 0, 2],
    );

    // Both drive east at 15 m/s, 20 m apart, until the leader is 12 m past the border.
    let start = Instant::now();
    let mut before = None;
    loop {
        let leader_east = -60.0 + 15.0 * start.elapsed().as_secs_f64();
        if leader_east >= 12.0 {
            break;
        }
        publish(&c, leader, bsm_east(leader, leader_east, 15.0));
        publish(&c, follower, bsm_east(follower, leader_east - 20.0, 15.0));
        if leader_east < -10.0 {
            before = track_of(&b, leader, &west).or(before);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = before.expect("the leader tracked by the west node before the border");

    // Then the leader stands 12 m past the border and the follower, 8 m before it, says it
    // drives at 10 m/s: 2 s to collision, seen only across the border.
    let mut crossed = false;
    let mut warned = false;
    let start = Instant::now();
    while !(crossed && warned) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the leader kept its track ({crossed}) and the follower was warned ({warned})"
        );
        publish(&c, leader, bsm_east(leader, 12.0, 0.0));
        publish(&c, follower, bsm_east(follower, -8.0, 10.0));
        std::thread::sleep(Duration::from_millis(100));
        crossed = crossed || track_of(&a, leader, &east) == Some(before);
        warned = warned
            || feed
                .try_iter()
                .any(|v| v["scenario"] == "FCW" && v["target"] == hex(&follower));
    }
    // The follower is still the west node's: the warning came from there.
    assert!(track_of(&a, follower, &west).is_some());
}

/// A warning that stands is not sent again as new when its vehicle crosses into another
/// node's tiles: the node taking the vehicle over has what the other node sent it (with the
/// border mirrors) and goes on from there. Advisories here are refreshed only every 8 s and
/// EVW's stand 10 s, so in the 6 s of the drive the host gets one EVW, from the node it
/// starts on; a node that started its gate afresh sent a second at the crossing.
#[test]
fn a_standing_warning_is_not_sent_again_where_its_vehicle_crosses_to_another_node() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("roadcloud.toml");
    std::fs::write(&config, "[apps.EVW]\nvalid_ms = 10000\n").unwrap();
    let config = config.to_str().unwrap();
    let (_dir, _nats, a, b) = two_nodes_with(&["--advisory-repeat-ms", "8000", "--config", config]);
    let (_, east) = border_nodes(&a);
    let feed = advisory_feed(a.mqtt, "feed");
    let (c, _) = counting_client(b.mqtt, "drive");
    let (host, ambulance) = (
        [0x5a, 0xc3, 0, 0, 0, 0, 0, 1],
        [0x5a, 0xc3, 0, 0, 0, 0, 0, 2],
    );
    let frame = LocalFrame::new(31.2866, 121.1655);
    let at = |east_m| Point {
        east_m,
        north_m: 300.0,
    };

    // The host drives east at 15 m/s from 40 m west of the border (east = 0 m) to 50 m
    // past it; an ambulance on a call follows 160 m behind at 20 m/s, coming closer.
    let start = Instant::now();
    let (mut evw, mut crossed_at) = (Vec::new(), None);
    loop {
        let t = start.elapsed().as_secs_f64();
        let host_east = -40.0 + 15.0 * t;
        if host_east >= 50.0 {
            break;
        }
        let mut amb = VehicleState::car(ambulance, at(host_east - 160.0 - 5.0 * t), 90.0, 20.0);
        amb.class = 60;
        amb.flags.emergency = true;
        let car = VehicleState::car(host, at(host_east), 90.0, 15.0);
        for v in [car, amb] {
            let m = MessageFrame::BsmFrame(bsm(&frame, &v, 0, now_millis()));
            publish(&c, v.id, encode(&m).unwrap());
        }
        std::thread::sleep(Duration::from_millis(100));
        if crossed_at.is_none() && track_of(&a, host, &east).is_some() {
            crossed_at = Some(start.elapsed());
        }
        evw.extend(
            feed.try_iter()
                .filter(|v| v["scenario"] == "EVW" && v["target"] == hex(&host))
                .map(|_| start.elapsed()),
        );
    }
    let crossed_at = crossed_at.expect("the host's track went to the east node");
    std::thread::sleep(Duration::from_millis(500));
    evw.extend(
        feed.try_iter()
            .filter(|v| v["scenario"] == "EVW" && v["target"] == hex(&host))
            .map(|_| start.elapsed()),
    );
    assert!(
        evw.first().is_some_and(|t| *t < crossed_at),
        "warned before the crossing ({crossed_at:?}): {evw:?}"
    );
    assert_eq!(
        evw.len(),
        1,
        "one EVW, not one more where the host crossed at {crossed_at:?}: {evw:?}"
    );
}

/// The vehicles `s`'s own misbehaviour detector holds quarantined.
fn quarantined(s: &Server) -> Vec<String> {
    get_json(s.http, "/api/v1/misbehaviour")["quarantined"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect()
}

/// A liar quarantined by one node is still quarantined when it drives into another node's
/// tiles: the node it leaves hands the detector's record of it over with the border
/// mirrors. A node that started it afresh trusted it there from its first honest report,
/// and tracked it.
#[test]
fn a_liar_quarantined_on_one_node_stays_quarantined_across_the_border() {
    let (_dir, _nats, a, b) = two_nodes_with(&["--misbehaviour", "enforce"]);
    let (west, east) = border_nodes(&a);
    let node_named = |name: &str| if name == "node-a" { &a } else { &b };
    let (c, _) = counting_client(a.mqtt, "liar");
    let liar = [0x5a, 0xc4, 0, 0, 0, 0, 0, 1];

    // It drives east at 15 m/s from 40 m west of the border (east = 0 m) to 30 m past it;
    // for its first second it says it drives at 120 m/s (the detector's limit is 70).
    let start = Instant::now();
    let mut quarantined_west = false;
    let mut crossed_at = None;
    loop {
        let t = start.elapsed().as_secs_f64();
        let east_m = -40.0 + 15.0 * t;
        if east_m >= 30.0 {
            break;
        }
        let said_mps = if t < 1.0 { 120.0 } else { 15.0 };
        publish(&c, liar, bsm_east(liar, east_m, said_mps));
        std::thread::sleep(Duration::from_millis(100));
        if east_m < -5.0 {
            quarantined_west =
                quarantined_west || quarantined(node_named(&west)).contains(&hex(&liar));
        } else if crossed_at.is_none() {
            crossed_at = Some(start.elapsed());
        }
    }
    assert!(quarantined_west, "the west node quarantined the liar");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        quarantined(node_named(&east)).contains(&hex(&liar)),
        "the east node holds it quarantined {:?} after it crossed",
        crossed_at.map(|c| start.elapsed() - c)
    );
    // Its reports there moved nothing: no track.
    assert_eq!(track_of(&a, liar, &east), None, "{:?}", listed(&a));
}

#[test]
fn a_publish_is_acknowledged_only_once_the_stream_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let nats = nats_server_on(dir.path(), port);
    let url = format!("nats://127.0.0.1:{port}");
    let a = node(&url, "node-a", &[]);
    wait_until(Duration::from_secs(10), || {
        cluster(&a)["partitions"].as_array().unwrap().len() == 16
    });
    let car = [0x5a, 0xc3, 0, 0, 0, 0, 0, 1];
    let (c, acked) = counting_client(a.mqtt, "car");
    publish(&c, car, bsm_east(car, 100.0, 10.0));
    wait_until(Duration::from_secs(10), || {
        acked.load(Ordering::SeqCst) == 1
    });

    // The stream goes away: the node takes the next publishes in, but acknowledges none.
    drop(nats);
    std::thread::sleep(Duration::from_millis(300));
    for n in 0..3 {
        publish(&c, car, bsm_east(car, 101.0 + n as f64, 10.0));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        acked.load(Ordering::SeqCst),
        1,
        "acknowledged without the stream"
    );

    // It comes back: they are kept, then acknowledged (sent again by the client if the node
    // gave up on them meanwhile).
    let _nats = nats_server_on(dir.path(), port);
    wait_until(Duration::from_secs(40), || {
        acked.load(Ordering::SeqCst) >= 4
    });
}

/// A link to a NATS server beyond this machine must be encrypted and authenticated; one to
/// a server that asks for TLS and an NKey works with `--nats-ca` and `--nats-nkey`, and not
/// without the NKey.
#[test]
fn the_nats_link_is_encrypted_and_authenticated_beyond_this_machine() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let serve = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_roadcloud"))
            .args(["serve", "--allow-unsigned", "--data-dir"])
            .arg(&data)
            .args(extra)
            .output()
            .unwrap()
    };
    // Refused before anything connects, naming the fix.
    let out = serve(&["--cluster", "nats://10.255.255.1:4222", "--node-id", "a"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for fix in [
        "--nats-ca",
        "--nats-nkey",
        "--insecure",
        "--cluster nats://10.255.255.1",
    ] {
        assert!(err.contains(fix), "{fix}: {err}");
    }

    // A nats-server that asks for TLS (the zone's PKI) and an NKey.
    let pki = dir.path().join("pki");
    let made = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(["pki", "init", "--dir"])
        .arg(&pki)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let user = nkeys::KeyPair::new_user();
    let seed = dir.path().join("roadcloud.nk");
    std::fs::write(&seed, user.seed().unwrap()).unwrap();
    let port = free_port();
    let conf = format!(
        "listen: 127.0.0.1:{port}\njetstream {{ store_dir: \"{js}\" }}\n\
             tls {{ cert_file: \"{cert}\"\n key_file: \"{key}\" }}\n\
             authorization {{ users: [ {{ nkey: \"{public}\" }} ] }}\n",
        js = dir.path().join("js").display(),
        cert = pki.join("server.crt").display(),
        key = pki.join("server.key").display(),
        public = user.public_key(),
    );
    let _nats = nats_server_with(dir.path(), &conf, &[port]);
    let url = format!("tls://localhost:{port}");
    let ca = pki.join("ca.crt");
    let ca = ca.to_str().unwrap();
    // Without the NKey the server turns the node away.
    let out = serve(&["--cluster", &url, "--node-id", "a", "--nats-ca", ca]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect to the NATS server"), "{err}");
    // With it, the node joins.
    let s = start_with(&[
        "--cluster",
        &url,
        "--node-id",
        "a",
        "--nats-ca",
        ca,
        "--nats-nkey",
        seed.to_str().unwrap(),
    ]);
    wait_until(Duration::from_secs(10), || {
        cluster(&s)["partitions"].as_array().unwrap().len() == 16
    });
}
