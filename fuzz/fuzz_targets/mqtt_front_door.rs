//! What roadcloud's MQTT front end does with a client's bytes before anything is trusted:
//! frame packets with the packet size limit (rumqttc's MQTT 3.1.1 codec), ask the topic ACL
//! about every PUBLISH topic and SUBSCRIBE filter, as an open lab and as a registered
//! device; and read a client certificate's identity. None of it may panic or allocate
//! beyond the limit.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use roadcloud_access::{Device, Principal};
use rumqttc::mqttbytes::v4::Packet;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let _ = roadcloud_broker::peer_certificate(data);
    let device = Principal::Device(Arc::new(Device::new(
        "obu:5a1f3c7e00a1b2c3".parse().unwrap(),
    )));
    let mut buf = BytesMut::from(data);
    while let Ok(packet) = Packet::read(&mut buf, 64 * 1024) {
        match packet {
            Packet::Publish(p) => {
                for who in [&Principal::Anyone, &device] {
                    let _ = who.may_publish(&p.topic);
                }
            }
            Packet::Subscribe(s) => {
                for f in s.filters {
                    for who in [&Principal::Anyone, &device] {
                        let _ = who.may_subscribe(&f.path);
                    }
                }
            }
            _ => {}
        }
    }
});
