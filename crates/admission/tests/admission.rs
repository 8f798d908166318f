//! Spoofed senders, stale and future messages, undecodable payloads and floods are turned
//! away and counted; everyone else keeps getting through.

use bytes::Bytes;
use roadcloud_admission::{Admission, AdmissionConfig, Reason, Uplink};
use roadcloud_csae::{BasicSafetyMessage, DSecond, MessageFrame, encode};
use roadcloud_transport::{DeviceId, Frame, Transport};

const MINUTE: i64 = 1_728_952_200_000;

fn bsm() -> BasicSafetyMessage {
    let MessageFrame::BsmFrame(b) = roadcloud_testkit::vector53("bsm_01_passenger_car") else {
        panic!()
    };
    b
}

/// The BSM of vehicle `id`, generated `sec_mark` ms into the minute, received at `at`.
fn frame(topic_id: [u8; 8], id: [u8; 8], sec_mark: u16, at: i64) -> Frame {
    let mut b = bsm();
    b.id = id;
    b.sec_mark = DSecond(sec_mark);
    Frame {
        transport: Transport::Mqtt,
        topic: format!("V2X/OBU/{}/BSM/UP", DeviceId(topic_id)),
        payload: Bytes::from(encode(&MessageFrame::BsmFrame(b)).unwrap()),
        received_at: at,
        ack: None,
    }
}

#[test]
fn a_fresh_bsm_from_its_own_vehicle_is_admitted() {
    let mut a = Admission::new(AdmissionConfig::default());
    let v = [1; 8];
    assert!(a.admit(&frame(v, v, 12_345, MINUTE + 12_400)).is_ok());
    // Across the minute wrap: generated at 59.95 s, received 0.1 s into the next minute.
    assert!(a.admit(&frame(v, v, 59_950, MINUTE + 60_100)).is_ok());
    assert_eq!(a.devices()[&DeviceId(v)].admitted, 2);
}

#[test]
fn each_bad_frame_is_rejected_for_its_reason_and_counted() {
    let mut a = Admission::new(AdmissionConfig::default());
    let (v, w) = ([1; 8], [2; 8]);
    let at = MINUTE + 30_000;
    let cases = [
        (frame(v, w, 30_000, at), Reason::Spoofed),
        (frame(v, v, 25_000, at), Reason::Stale),
        (frame(v, v, 31_000, at), Reason::Future),
        (frame(v, v, 60_001, at), Reason::NoTime),
        (
            Frame {
                payload: Bytes::from_static(&[0x00, 0x01]),
                ..frame(v, v, 30_000, at)
            },
            Reason::Undecodable,
        ),
        (
            Frame {
                topic: format!("V2X/OBU/{}/RSM/UP", DeviceId(v)),
                ..frame(v, v, 30_000, at)
            },
            Reason::Topic,
        ),
        (
            Frame {
                topic: format!("V2X/RSU/{}/RSM/UP", DeviceId(v)),
                ..frame(v, v, 30_000, at)
            },
            Reason::WrongMessage,
        ),
    ];
    for (f, reason) in &cases {
        let r = a.admit(f).unwrap_err();
        assert_eq!(r.reason, *reason, "{}: {}", f.topic, r.detail);
    }
    let counts = a.rejections();
    for (_, reason) in &cases {
        assert_eq!(counts.get(reason), Some(&1), "{reason:?}");
    }
    assert_eq!(a.devices()[&DeviceId(v)].rejected[&Reason::Spoofed], 1);
}

#[test]
fn an_rsu_may_forward_other_vehicles_bsms() {
    let mut a = Admission::new(AdmissionConfig::default());
    let mut f = frame([9; 8], [1; 8], 30_000, MINUTE + 30_050);
    f.topic = format!("V2X/RSU/{}/BSM/UP", DeviceId([9; 8]));
    assert!(a.admit(&f).is_ok());
}

#[test]
fn a_flood_from_one_device_is_limited_and_others_still_get_through() {
    let config = AdmissionConfig::default();
    let mut a = Admission::new(config);
    let (flooder, other) = ([1; 8], [2; 8]);
    let at = MINUTE + 30_000;
    let admitted = (0..1_000)
        .filter(|_| a.admit(&frame(flooder, flooder, 30_000, at)).is_ok())
        .count();
    assert_eq!(admitted as f64, config.burst);
    assert_eq!(
        a.rejections()[&Reason::RateLimited],
        1_000 - admitted as u64
    );
    assert!(a.admit(&frame(other, other, 30_000, at)).is_ok());
    // A second later the flooder has earned `rate_per_s` more messages.
    let later = (0..1_000)
        .filter(|_| {
            a.admit(&frame(flooder, flooder, 31_000, at + 1_000))
                .is_ok()
        })
        .count();
    assert_eq!(later as f64, config.rate_per_s);
}

#[test]
fn an_rsu_heartbeat_is_admitted_and_keeps_it_online() {
    let mut a = Admission::new(AdmissionConfig::default());
    let rsu = DeviceId([7; 8]);
    let hb = |at| Frame {
        transport: Transport::Mqtt,
        topic: format!("V2X/RSU/{rsu}/HB/UP"),
        payload: Bytes::from_static(b"anything"),
        received_at: at,
        ack: None,
    };
    let first = a.admit(&hb(MINUTE)).expect("admitted");
    assert!(matches!(first.message, Uplink::Heartbeat));
    assert!(first.came_online);
    // Heartbeats every 5 s keep it online past the 10 s of silence that would end it.
    for k in 1..=4 {
        a.admit(&hb(MINUTE + k * 5_000)).unwrap();
        assert!(a.expire(MINUTE + k * 5_000 + 1).is_empty());
    }
    assert!(a.devices()[&rsu].online);
    assert_eq!(a.expire(MINUTE + 40_000).len(), 1);
    // A vehicle has no heartbeat topic.
    let obu = Frame {
        topic: format!("V2X/OBU/{rsu}/HB/UP"),
        ..hb(MINUTE)
    };
    assert!(a.admit(&obu).is_err());
}
