//! Nodes started in process through the library: each on ports of its own choosing, each
//! its own world, and a shutdown that frees the ports and keeps what came in.

use roadcloud_csae::{DSecond, MessageFrame};
use roadcloud_node::{ListenOrOff, Node, NodeConfig, NodeHandle};
use roadcloud_transport::now_millis;
use rumqttc::{AsyncClient, MqttOptions, QoS};
use std::net::SocketAddr;
use std::time::Duration;

/// A node on loopback with every port chosen by the system, its data in `dir`.
fn config(dir: &std::path::Path) -> NodeConfig {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    NodeConfig {
        mqtt_listen: ListenOrOff(Some(any)),
        udp_listen: ListenOrOff(Some(any)),
        http_listen: any,
        data_dir: dir.to_path_buf(),
        allow_unsigned: true,
        ..NodeConfig::default()
    }
}

/// The number of participants in `node`'s world.
async fn participants(node: &NodeHandle) -> usize {
    node.world(|w| w.pipeline.tracks().len()).await.unwrap()
}

/// A vehicle's MQTT client on `mqtt`, and the BSM of the reference vector to send.
fn obu(mqtt: SocketAddr) -> (AsyncClient, roadcloud_csae::BasicSafetyMessage) {
    let mut options = MqttOptions::new("obu", "127.0.0.1", mqtt.port());
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut events) = AsyncClient::new(options, 16);
    tokio::spawn(async move { while events.poll().await.is_ok() {} });
    let MessageFrame::BsmFrame(bsm) = roadcloud_testkit::vector53("bsm_01_passenger_car") else {
        panic!("the vector is a BSM")
    };
    (client, bsm)
}

/// An HTTP GET over a plain socket: the status code.
async fn status(addr: SocketAddr, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).await.unwrap();
    response[9..12].parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_in_one_process_each_with_its_own_world_and_ports() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Node::start(config(dir_a.path())).await.unwrap();
    let b = Node::start(config(dir_b.path())).await.unwrap();
    let (bound_a, bound_b) = (a.bound().clone(), b.bound().clone());
    for addr in [bound_a.mqtt, bound_a.udp, Some(bound_a.http)] {
        assert_ne!(addr.unwrap().port(), 0, "the bound port, not the asked one");
    }
    assert_ne!(bound_a.http, bound_b.http);
    assert_eq!(status(bound_a.http, "/healthz").await, 200);

    // A vehicle reports to node A only.
    let (client, mut bsm) = obu(bound_a.mqtt.unwrap());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while participants(&a).await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no participant in node A"
        );
        bsm.sec_mark = DSecond((now_millis() % 60_000) as u16);
        let payload = roadcloud_csae::encode(&MessageFrame::BsmFrame(bsm.clone())).unwrap();
        let topic = "V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP";
        client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(participants(&b).await, 0, "node B saw nothing");

    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
    // The listeners are closed: their ports can be bound again.
    for addr in [bound_a.mqtt.unwrap(), bound_a.http, bound_b.http] {
        std::net::TcpListener::bind(addr).unwrap();
    }
    std::net::UdpSocket::bind(bound_a.udp.unwrap()).unwrap();
    // What node A took in is on disk: the vehicle came online.
    let (store, _writer, _thread) = roadcloud_store::Store::open(dir_a.path()).unwrap();
    let status = store.device_status(None, 0, i64::MAX, 10).unwrap();
    assert!(
        status.iter().any(|s| s.device == "5a1f3c7e00a1b2c3"),
        "stored: {status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_that_fails_half_way_leaves_nothing_listening() {
    let dir = tempfile::tempdir().unwrap();
    // The HTTP address is taken: start fails after MQTT and UDP are already listening.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
    };
    let (mqtt, udp) = (free(), free());
    let config = NodeConfig {
        mqtt_listen: ListenOrOff(Some(mqtt)),
        udp_listen: ListenOrOff(Some(udp)),
        http_listen: taken.local_addr().unwrap(),
        ..config(dir.path())
    };
    let e = Node::start(config)
        .await
        .err()
        .expect("the HTTP address is taken");
    assert!(format!("{e:#}").contains("--http-listen"), "{e:#}");
    // The ports are released once the aborted tasks are dropped, at their next poll.
    tokio::time::sleep(Duration::from_millis(200)).await;
    std::net::TcpListener::bind(mqtt).expect("MQTT stopped");
    std::net::UdpSocket::bind(udp).expect("UDP stopped");
}

/// `vehicle`'s track (id, metres east) and each shard's (tracks, tracks handed over).
async fn track_and_shards(
    node: &NodeHandle,
    vehicle: [u8; 8],
) -> (Option<(roadcloud_world::TrackId, f64)>, Vec<(usize, u64)>) {
    node.world(move |w| {
        let p = &w.pipeline;
        let track = p.tracks().by_vehicle(vehicle);
        let shards = p.shard_stats();
        let shards = shards.iter().map(|s| (s.tracks, s.handed_over));
        (track.map(|t| (t.id, t.position.east_m)), shards.collect())
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vehicle_crossing_a_shard_border_keeps_its_track() {
    let dir = tempfile::tempdir().unwrap();
    // Stripes one tile (300 m) wide: the border at 300 m east of the origin parts shard 0
    // from shard 1.
    let node = Node::start(NodeConfig {
        workers: 2,
        shard_stripe_tiles: 1,
        ..config(dir.path())
    })
    .await
    .unwrap();
    let (client, mut bsm) = obu(node.bound().mqtt.unwrap());
    // Eastbound at 20 m/s (DE_Speed 0.02 m/s, DE_Heading 0.0125 degree), from 270 m east of
    // the origin: 1e-7 degree of longitude is 9.5 mm there.
    bsm.pos.lat.0 = 312_866_000 + 900;
    bsm.speed.0 = 1_000;
    bsm.heading.0 = 7_200;
    bsm.accel_set.long.0 = 0;
    let start_long = 1_211_655_000 + 28_400;
    let mut first = None;
    let mut crossed = None;
    for step in 0..40 {
        bsm.sec_mark = DSecond((now_millis() % 60_000) as u16);
        // 2 m per 100 ms.
        bsm.pos.long.0 = start_long + step * 210;
        let payload = roadcloud_csae::encode(&MessageFrame::BsmFrame(bsm.clone())).unwrap();
        client
            .publish(
                "V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP",
                QoS::AtLeastOnce,
                false,
                payload,
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (track, shards) = track_and_shards(&node, bsm.id).await;
        match track {
            Some((id, east)) if east < 300.0 => {
                first.get_or_insert((id, shards));
            }
            Some((id, east)) if east > 305.0 => {
                crossed = Some((id, shards));
                break;
            }
            _ => {}
        }
    }
    let (before, shards_before) = first.expect("the vehicle was tracked west of the border");
    let (after, shards_after) = crossed.expect("the vehicle crossed the border");
    assert_eq!(before, after, "one track, one id, on both sides");
    assert_eq!(shards_before[0].0, 1, "shard 0 owned it: {shards_before:?}");
    assert_eq!(
        shards_after[1].0, 1,
        "shard 1 owns it now: {shards_after:?}"
    );
    assert_eq!(shards_after[0].1, 1, "handed over once: {shards_after:?}");
    node.shutdown().await.unwrap();
}
