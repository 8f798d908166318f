//! Routing: each uplink past the stateless half of admission goes to the partition that
//! owns the tile it concerns, on the stream, in batches; and back from the wire.

use crate::{Cluster, ZONE_SUBJECT, partition_subject};
use roadcloud_admission::{Decoded, Rejection, Signed, Uplink};
use roadcloud_csae::{Day2Message, MessageFrame};
use roadcloud_pipeline::ShardPlan;
use roadcloud_transport::{Ack, Topic};
use roadcloud_wire::{Signature, UplinkBatch, UplinkBody};
use roadcloud_world::units::degrees_from_1e7;
use roadcloud_world::{LocalFrame, TileGrid};
use std::collections::BTreeMap;
use tokio::sync::mpsc;

/// Frames through the stateless half of admission, each with its topic (as the node's
/// decoding stage hands them on).
pub type DecodedBatch = Vec<(Result<Decoded, Rejection>, String)>;

/// Where an uplink goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Destination {
    /// The partition that owns the tile it lies in: a vehicle's or a pedestrian's own
    /// report, a sensor's perception (an RSM's or SSM's, by its reference position), a
    /// vehicle's requests (VIR, by its position).
    Partition(u16),
    /// Every node: MAP, SPAT, RSI (zone-wide state, replicated), heartbeats.
    Zone,
}

impl Destination {
    /// Its subject on the stream.
    pub fn subject(self) -> String {
        match self {
            Destination::Partition(p) => partition_subject(p),
            Destination::Zone => ZONE_SUBJECT.into(),
        }
    }
}

/// Which partition a place belongs to: the zone's frame, its tiles, and how tiles are
/// dealt (the same settings on every node of a cluster).
#[derive(Debug, Clone)]
pub struct Partitioner {
    frame: LocalFrame,
    grid: TileGrid,
    plan: ShardPlan,
}

impl Partitioner {
    /// Over the zone whose frame is `frame`, in tiles of `tile_size_m`, dealt by `plan`.
    pub fn new(frame: LocalFrame, tile_size_m: f64, plan: ShardPlan) -> Self {
        Partitioner {
            frame,
            grid: TileGrid::new(tile_size_m),
            plan,
        }
    }

    /// Where `uplink` goes.
    pub fn destination(&self, uplink: &Uplink) -> Destination {
        let Uplink::Message(m) = uplink else {
            return Destination::Zone;
        };
        match place_1e7(m) {
            Some((lat, lon)) => {
                let p = self
                    .frame
                    .to_local(degrees_from_1e7(lat.into()), degrees_from_1e7(lon.into()));
                Destination::Partition(self.plan.owner(self.grid.tile_of(p)))
            }
            None => Destination::Zone,
        }
    }
}

/// Where a message that moves tracks, or asks about them, lies (latitude and longitude,
/// 1e-7 degree as T/CSAE 53-2020 `Position3D` gives them); `None` for zone-wide state.
fn place_1e7(m: &MessageFrame) -> Option<(i32, i32)> {
    match m {
        MessageFrame::BsmFrame(b) => Some((b.pos.lat.0, b.pos.long.0)),
        MessageFrame::RsmFrame(r) => Some((r.ref_pos.lat.0, r.ref_pos.long.0)),
        MessageFrame::MsgFrameExt(e) => match &e.value {
            Day2Message::PersonalSafety(p) => Some((p.pos.lat.0, p.pos.long.0)),
            // A sensor's detections go to the tile of the sensor, as an RSM's do.
            Day2Message::SensorSharing(s) => Some((s.sensor_pos.lat.0, s.sensor_pos.long.0)),
            // A vehicle's requests go to the holder of its tile, which answers them once
            // (with its tiles and the mirrors near them).
            Day2Message::VehIntentionAndRequest(v) => Some((v.ref_pos.lat.0, v.ref_pos.long.0)),
            _ => None,
        },
        MessageFrame::MapFrame(_)
        | MessageFrame::SpatFrame(_)
        | MessageFrame::RsiFrame(_)
        | MessageFrame::UnknownExtension(_) => None,
    }
}

/// A decoded uplink in its wire form and where it goes; `None` for what stays on the node
/// that took it in: a rejection (counted there), or a message whose signature's check was
/// deferred (only that node holds what completes it).
pub fn to_wire(
    d: &Decoded,
    topic: &str,
    partitioner: &Partitioner,
) -> Option<(Destination, roadcloud_wire::Uplink)> {
    let Ok((uplink, sec_mark)) = &d.message else {
        return None;
    };
    if d.signature.as_ref().is_some_and(|s| s.pending.is_some()) {
        return None;
    }
    let body = match uplink {
        Uplink::Message(m) => UplinkBody::MessageFrame(roadcloud_csae::encode(m).ok()?),
        Uplink::Heartbeat => UplinkBody::Heartbeat,
    };
    let destination = partitioner.destination(uplink);
    Some((
        destination,
        roadcloud_wire::Uplink {
            topic: topic.to_string(),
            received_at_ms: d.received_at,
            body,
            sec_mark: *sec_mark,
            signature: d.signature.as_ref().map(|s| Signature {
                fingerprint: s.fingerprint,
                psid: s.psid,
                signer: s.signer,
            }),
        },
    ))
}

/// An uplink from the wire, as the decoding stage would have handed it on (its signature
/// was verified by the node that took it in).
pub fn from_wire(
    u: roadcloud_wire::Uplink,
) -> Result<(Result<Decoded, Rejection>, String), String> {
    let topic = Topic::parse(&u.topic).map_err(|e| format!("topic {:?}: {e}", u.topic))?;
    let uplink = match u.body {
        UplinkBody::MessageFrame(uper) => Uplink::Message(
            roadcloud_csae::decode::<MessageFrame>(&uper)
                .map_err(|e| format!("MessageFrame on {}: {e}", u.topic))?,
        ),
        UplinkBody::Heartbeat => Uplink::Heartbeat,
    };
    let decoded = Decoded {
        topic,
        received_at: u.received_at_ms,
        message: Ok((uplink, u.sec_mark)),
        signature: u.signature.map(|s| Signed {
            fingerprint: s.fingerprint,
            psid: s.psid,
            signer: s.signer,
            pending: None,
        }),
    };
    Ok((Ok(decoded), u.topic))
}

/// Takes the decoding stage's batches and routes each uplink to its partition's subject
/// (one stream message per partition per batch, published side by side and each
/// acknowledged by the stream before the next batch); what stays local goes to `local`
/// (the node's world stage). Each batch comes with its frames' acknowledgement tokens:
/// they are let go once the stream has the batch (the devices' publishes are acknowledged
/// then), or failed when it did not take it. Ends when `decoded` closes.
pub async fn run_router(
    cluster: Cluster,
    partitioner: Partitioner,
    mut decoded: mpsc::Receiver<(DecodedBatch, Vec<Ack>)>,
    local: mpsc::Sender<DecodedBatch>,
) {
    while let Some((batch, kept)) = decoded.recv().await {
        let mut stays = DecodedBatch::new();
        let mut routed: BTreeMap<Destination, Vec<roadcloud_wire::Uplink>> = BTreeMap::new();
        for (d, topic) in batch {
            let wire = d
                .as_ref()
                .ok()
                .and_then(|d| to_wire(d, &topic, &partitioner));
            match wire {
                Some((to, u)) => routed.entry(to).or_default().push(u),
                None => stays.push((d, topic)),
            }
        }
        if !publish(&cluster, routed).await {
            for a in &kept {
                a.fail();
            }
        }
        if !stays.is_empty() && local.send(stays).await.is_err() {
            return;
        }
        drop(kept);
    }
}

/// Publishes each destination's uplinks as one stream message and waits for the stream's
/// acknowledgements; tries a failed publish twice more before giving it up (logged).
/// Whether the stream took them all.
async fn publish(
    cluster: &Cluster,
    routed: BTreeMap<Destination, Vec<roadcloud_wire::Uplink>>,
) -> bool {
    let sends = routed.into_iter().map(|(to, uplinks)| async move {
        let n = uplinks.len();
        let payload: bytes::Bytes = roadcloud_wire::encode(&UplinkBatch { uplinks }).into();
        let subject = to.subject();
        let mut last = String::new();
        for attempt in 0..3u64 {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
            }
            match cluster.js.publish(subject.clone(), payload.clone()).await {
                Ok(ack) => match ack.await {
                    Ok(_) => return true,
                    Err(e) => last = e.to_string(),
                },
                Err(e) => last = e.to_string(),
            }
        }
        tracing::error!(
            "{n} uplinks for {subject} not taken by the stream ({last}): the devices that \
             wait for an acknowledgement send them again"
        );
        false
    });
    futures_util::future::join_all(sends)
        .await
        .into_iter()
        .all(|ok| ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadcloud_csae::{EquipmentType, MessageFrameExt};
    use roadcloud_sim::messages::{VehicleState, bsm, sensor_sharing_request, ssm};
    use roadcloud_world::Point;

    #[test]
    fn a_sensors_detections_and_a_vehicles_requests_go_to_the_holder_of_their_tile() {
        let frame = LocalFrame::new(31.2866, 121.1655);
        let plan = ShardPlan {
            shards: 16,
            stripe_tiles: 4,
            first_origin: 0,
        };
        let partitioner = Partitioner::new(frame, 300.0, plan);
        let now = 1_700_000_000_000;
        for east_m in [-5_000.0, 150.0, 1_300.0, 7_000.0] {
            let p = Point {
                east_m,
                north_m: 200.0,
            };
            let of = |m: MessageFrame| partitioner.destination(&Uplink::Message(m));
            let car = VehicleState::car([1; 8], p, 0.0, 10.0);
            let own = of(MessageFrame::BsmFrame(bsm(&frame, &car, 0, now)));
            assert!(matches!(own, Destination::Partition(_)));
            let seen = of(ssm(&frame, [2; 8], EquipmentType::Rsu, p, &[], 0, now));
            let area = [(
                vec![
                    p,
                    Point {
                        east_m,
                        north_m: 300.0,
                    },
                ],
                4.0,
            )];
            let vir = sensor_sharing_request(&frame, [1; 8], p, 1, &area, now);
            let asks = of(MessageFrame::MsgFrameExt(MessageFrameExt {
                value: Day2Message::VehIntentionAndRequest(vir),
            }));
            assert_eq!((seen, asks), (own, own), "at {east_m} m");
        }
    }
}
