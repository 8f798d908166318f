//! The relay against a real NTRIP caster: RTKLIB's `str2str` serving a mountpoint (Debian
//! package rtklib, installed by scripts/test.sh), fed RTCM 3 on its standard input as a
//! base station would.

use roadcloud_corrections::ntrip::{ConnectError, SourceUrl, Stream};
use roadcloud_corrections::rtcm3::Frame;
use roadcloud_corrections::{Counters, run, station};
use roadcloud_testkit::caster::{Caster, MOUNTPOINT, PASSWORD, USER};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mountpoints_frames_come_out_as_rtcm_corrections() {
    let mut caster = Caster::start();
    let (tx, mut rx) = mpsc::channel(16);
    let counters = Arc::new(Counters::default());
    let source = SourceUrl::parse(&caster.good_url()).unwrap();
    let relay = tokio::spawn(run(source, tx, counters.clone()));
    // Wait for the relay to be connected: the caster drops what comes before.
    for _ in 0..200 {
        if counters
            .connected
            .load(std::sync::atomic::Ordering::Relaxed)
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // An epoch: the station, then six observation frames with noise between two of them;
    // then, after a pause, the next epoch's first frame.
    let arp = station::arp_1005(2301, 31.2837, 121.1655, 12.0);
    let obs: Vec<Frame> = (0..7u8)
        .map(|i| Frame::encode(&[0x43, 0x50, i, 0xD3, 0x00, 0x10]).unwrap())
        .collect();
    let mut epoch = arp.as_bytes().to_vec();
    for (i, f) in obs[..6].iter().enumerate() {
        if i == 3 {
            epoch.extend_from_slice(&[0xD3, 0xFF, 0x12, 0x00]);
        }
        epoch.extend_from_slice(f.as_bytes());
    }
    caster.send(&epoch);
    tokio::time::sleep(Duration::from_millis(300)).await;
    caster.send(obs[6].as_bytes());

    let mut got = Vec::new();
    while got.len() < 3 {
        let c = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("corrections within 10 s")
            .unwrap();
        got.push(c);
    }
    // Five frames in the first message, the epoch's other two after its pause, then the
    // next epoch's.
    let frames: Vec<Vec<Vec<u8>>> = got
        .iter()
        .map(|c| {
            c.message
                .corrections
                .iter()
                .map(|m| m.payload.0.clone())
                .collect()
        })
        .collect();
    let mut expected: Vec<Vec<u8>> = vec![arp.as_bytes().to_vec()];
    expected.extend(obs.iter().map(|f| f.as_bytes().to_vec()));
    assert_eq!(frames[0], expected[..5]);
    assert_eq!(frames[1], expected[5..7]);
    assert_eq!(frames[2], expected[7..]);
    assert_eq!(
        got[0].message.corrections[0].rtcm_id.map(|i| i.0),
        Some(1005)
    );
    assert_eq!(
        got[1].message.corrections[0].rtcm_id.map(|i| i.0),
        Some(1077)
    );
    let msg_cnts: Vec<u8> = got.iter().map(|c| c.message.msg_cnt.0).collect();
    assert_eq!(msg_cnts, [0, 1, 2]);
    let s = got[2]
        .station
        .expect("the station's position from its 1005");
    assert_eq!(s.id, 2301);
    assert!((s.lat_deg - 31.2837).abs() < 1e-7 && (s.lon_deg - 121.1655).abs() < 1e-7);
    assert_eq!(
        counters
            .skipped_octets
            .load(std::sync::atomic::Ordering::Relaxed),
        4
    );
    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), relay)
        .await
        .expect("the relay stops once nobody listens")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_mountpoint_or_password_says_so() {
    let caster = Caster::start();
    let url = |auth: &str, mountpoint| SourceUrl::parse(&caster.url(auth, mountpoint)).unwrap();
    match Stream::connect(&url(&format!("{USER}:{PASSWORD}@"), "JD02")).await {
        Err(ConnectError::NoMountpoint(offered)) => assert_eq!(offered, [MOUNTPOINT]),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("connected to a mountpoint the caster does not have"),
    }
    match Stream::connect(&url(&format!("{USER}:wrong@"), MOUNTPOINT)).await {
        Err(ConnectError::Unauthorized) => {}
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("connected with the wrong password"),
    }
    let e = ConnectError::NoMountpoint(vec!["JD01".into()]).to_string();
    assert!(e.contains("it offers: JD01"), "{e}");
}
