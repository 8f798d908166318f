//! The MQTT front end against hostile and careless clients, over real sockets: garbage,
//! oversized packets and silent clients are closed and counted, and the next client is
//! served as if nothing happened.

use bytes::BytesMut;
use roadcloud_access::{ConnectRefusal, OpenGate};
use roadcloud_broker::{BrokerConfig, BrokerHandle};
use roadcloud_transport::Frame;
use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::v4::{Connect, Packet, Publish};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

async fn front_end() -> (BrokerHandle, mpsc::Receiver<Frame>) {
    let (tx, rx) = mpsc::channel(64);
    let mut config = BrokerConfig::new("127.0.0.1:0".parse().unwrap());
    config.max_packet_size = 4_096;
    config.connect_timeout = Duration::from_millis(500);
    let b = roadcloud_broker::start(config, Arc::new(OpenGate), tx)
        .await
        .unwrap();
    (b, rx)
}

fn encode(p: &Packet) -> Vec<u8> {
    let mut b = BytesMut::new();
    p.write(&mut b, usize::MAX).unwrap();
    b.to_vec()
}

/// Whether the server closes the connection within `wait` (reading whatever it sends).
async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 256];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// A client that connects and publishes one uplink; the frame arrives.
async fn a_good_client_gets_through(b: &BrokerHandle, rx: &mut mpsc::Receiver<Frame>) {
    let mut s = TcpStream::connect(b.local_addr()).await.unwrap();
    s.write_all(&encode(&Packet::Connect(Connect::new("good"))))
        .await
        .unwrap();
    let mut ack = [0u8; 4];
    s.read_exact(&mut ack).await.unwrap();
    assert_eq!(ack, [0x20, 2, 0, 0], "CONNACK accepted");
    let topic = "V2X/OBU/0000000000000001/BSM/UP";
    s.write_all(&encode(&Packet::Publish(Publish::new(
        topic,
        QoS::AtMostOnce,
        vec![1, 2, 3],
    ))))
    .await
    .unwrap();
    let f = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (f.topic.as_str(), &f.payload[..]),
        (topic, &[1u8, 2, 3][..])
    );
}

#[tokio::test]
async fn garbage_oversized_and_silent_clients_are_closed_and_counted() {
    let (b, mut rx) = front_end().await;

    // Not MQTT at all.
    let mut s = TcpStream::connect(b.local_addr()).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(2)).await);

    // A PUBLISH before CONNECT.
    let mut s = TcpStream::connect(b.local_addr()).await.unwrap();
    s.write_all(&encode(&Packet::Publish(Publish::new(
        "a",
        QoS::AtMostOnce,
        vec![0],
    ))))
    .await
    .unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(2)).await);

    // A CONNECT announcing 200 MB: refused from its header, nothing allocated for it.
    let mut s = TcpStream::connect(b.local_addr()).await.unwrap();
    s.write_all(&[0x10, 0xff, 0xff, 0xff, 0x7f]).await.unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(2)).await);

    // Connected, then an oversized PUBLISH: closed, nothing forwarded.
    let mut s = TcpStream::connect(b.local_addr()).await.unwrap();
    s.write_all(&encode(&Packet::Connect(Connect::new("big"))))
        .await
        .unwrap();
    let big = Publish::new(
        "V2X/OBU/0000000000000002/BSM/UP",
        QoS::AtMostOnce,
        vec![0; 8_000],
    );
    s.write_all(&encode(&Packet::Publish(big))).await.unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(2)).await);

    // Connected and silent past one and a half keep-alives (1 s).
    let mut s = TcpStream::connect(b.local_addr()).await.unwrap();
    let mut c = Connect::new("silent");
    c.keep_alive = 1;
    s.write_all(&encode(&Packet::Connect(c))).await.unwrap();
    let started = std::time::Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(4)).await);
    assert!(
        started.elapsed() >= Duration::from_millis(1_400),
        "{:?}",
        started.elapsed()
    );

    // Connected by TCP, never a CONNECT.
    let mut s = TcpStream::connect(b.local_addr()).await.unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(3)).await);

    let protocol = b
        .stats()
        .refused()
        .find(|(r, _)| *r == ConnectRefusal::Protocol)
        .unwrap()
        .1;
    assert!(protocol >= 4, "protocol refusals {protocol}");
    assert!(rx.try_recv().is_err(), "something was forwarded");

    // And the next client is served.
    a_good_client_gets_through(&b, &mut rx).await;
    assert_eq!(b.stats().admitted.load(Ordering::Relaxed), 3);
}

#[tokio::test]
async fn random_bytes_never_bring_it_down() {
    let (b, mut rx) = front_end().await;
    // A fixed-seed stream of random packets after a valid CONNECT, many clients in turn.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..200 {
        let mut s = TcpStream::connect(b.local_addr()).await.unwrap();
        if i % 2 == 0 {
            s.write_all(&encode(&Packet::Connect(Connect::new(format!("r{i}")))))
                .await
                .unwrap();
        }
        let mut junk = vec![0u8; 64 + (i * 37) % 512];
        for byte in &mut junk {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *byte = x as u8;
        }
        let _ = s.write_all(&junk).await;
        drop(s);
    }
    a_good_client_gets_through(&b, &mut rx).await;
}
