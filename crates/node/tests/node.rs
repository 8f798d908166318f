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
    let mqtt = bound_a.mqtt.unwrap();
    let mut options = MqttOptions::new("obu", "127.0.0.1", mqtt.port());
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut events) = AsyncClient::new(options, 16);
    tokio::spawn(async move { while events.poll().await.is_ok() {} });
    let MessageFrame::BsmFrame(mut bsm) = roadcloud_testkit::vector53("bsm_01_passenger_car")
    else {
        panic!("the vector is a BSM")
    };
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
