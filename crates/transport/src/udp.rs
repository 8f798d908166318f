//! UDP from roadside units: each datagram is one UPER `MessageFrame`, signed (an IEEE 1609.2
//! `Ieee1609Dot2Data` carrying it) or not, as many RSUs forward what they hear and see.
//!
//! A datagram has no topic, so the sender is taken from the message: an RSM's or RSI's `id`
//! is the RSU's own, and the other messages are credited to the RSU that last sent an RSM or
//! RSI from the same address. The frame then goes on with the topic the RSU would have used
//! over MQTT, so admission treats both transports alike; a datagram from an address no RSU
//! has identified itself from gets a topic that admission rejects and counts.

use crate::topic::{DeviceId, DeviceKind, MessageKind, Topic};
use crate::{Frame, Transport, now_millis};
use bytes::Bytes;
use roadcloud_csae::MessageFrame;
use roadcloud_security::asn::Ieee1609Dot2Data;
use std::collections::HashMap;
use std::net::SocketAddr;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// How many sender addresses are remembered at most.
const MAX_SENDERS: usize = 65_536;

/// The message kind of a frame and the RSU id it carries, if any.
fn route(frame: &MessageFrame) -> (MessageKind, Option<DeviceId>) {
    match frame {
        MessageFrame::BsmFrame(_) => (MessageKind::Bsm, None),
        MessageFrame::MapFrame(_) => (MessageKind::Map, None),
        MessageFrame::RsmFrame(r) => (MessageKind::Rsm, Some(DeviceId(r.id))),
        MessageFrame::SpatFrame(_) => (MessageKind::Spat, None),
        MessageFrame::RsiFrame(r) => (MessageKind::Rsi, Some(DeviceId(r.id))),
        MessageFrame::MsgFrameExt(e) => match &e.value {
            roadcloud_csae::Day2Message::PersonalSafety(_) => (MessageKind::Psm, None),
            roadcloud_csae::Day2Message::Pam(_) => (MessageKind::Pam, None),
            roadcloud_csae::Day2Message::SensorSharing(s) => {
                (MessageKind::Ssm, Some(DeviceId(s.id)))
            }
            _ => (MessageKind::Vir, None),
        },
        // A message of a newer version: admission turns it away as the message its topic
        // does not name.
        MessageFrame::UnknownExtension(_) => (MessageKind::Bsm, None),
    }
}

/// A UDP listener forwarding datagrams: where it listens, and its task.
#[derive(Debug)]
pub struct Listening {
    /// The bound address (the port chosen, when asked for port 0).
    pub addr: SocketAddr,
    /// Stops the listener (and frees the port) when aborted.
    pub task: tokio::task::AbortHandle,
}

/// Binds `addr` and forwards each datagram as a [`Frame`] to `frames` from a spawned task,
/// until `frames` closes or the task is aborted.
pub async fn listen(addr: SocketAddr, frames: mpsc::Sender<Frame>) -> std::io::Result<Listening> {
    let socket = UdpSocket::bind(addr).await?;
    let local = socket.local_addr()?;
    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        let mut senders: HashMap<SocketAddr, DeviceId> = HashMap::new();
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                continue;
            };
            let payload = Bytes::copy_from_slice(&buf[..n]);
            // A signed message (IEEE 1609.2) is routed by the message it carries; admission
            // verifies it.
            let spdu = roadcloud_security::oer::from_coer::<Ieee1609Dot2Data>(&payload).ok();
            let inner = spdu
                .as_ref()
                .and_then(Ieee1609Dot2Data::signed_payload)
                .unwrap_or(&payload);
            let kind = match roadcloud_csae::decode::<MessageFrame>(inner) {
                Ok(frame) => {
                    let (kind, id) = route(&frame);
                    if let Some(id) = id {
                        // Source addresses can be forged: the map stays bounded, and an
                        // RSU forgotten when it fills names itself again with its next
                        // RSM or RSI.
                        if senders.len() >= MAX_SENDERS && !senders.contains_key(&from) {
                            senders.clear();
                        }
                        senders.insert(from, id);
                    }
                    kind
                }
                // Undecodable: still handed on, so admission counts it against the sender.
                Err(_) => MessageKind::Bsm,
            };
            let topic = match senders.get(&from) {
                Some(id) => Topic::uplink(DeviceKind::Rsu, *id, kind),
                None => format!("V2X/RSU/unidentified/{}/UP", kind.as_str()),
            };
            let frame = Frame {
                transport: Transport::Udp,
                topic,
                payload,
                received_at: now_millis(),
                ack: None,
            };
            if frames.send(frame).await.is_err() {
                return;
            }
        }
    });
    Ok(Listening {
        addr: local,
        task: task.abort_handle(),
    })
}
