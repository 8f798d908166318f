//! Obstacles on the road: what RSUs' and vehicles' sensors report in an SSM's
//! `DetectedObstacleList` (T/CSAE 157-2020 sensor data sharing): traffic cones, scattered
//! goods, rockfall, an open inspection shaft. They are not road participants (they have no
//! track and no trail); roadcloud keeps the last report of each while its sender goes on
//! reporting it, and shares those in a requester's area with the vehicles that ask (SDS).

use crate::geo::{LocalFrame, Point};
use crate::time::{Millis, resolve_sec_mark};
use crate::{observe, units};
use roadcloud_csae as csae;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// One obstacle as its sender last reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct Obstacle {
    /// The RSU or vehicle that reports it.
    pub sensor: [u8; 8],
    /// Its id there (`obsId`, unique to the sender).
    pub id: u16,
    /// What it is (`ObstacleType`).
    pub kind: csae::ObstacleType,
    /// Where it is, in the zone's local frame.
    pub position: Point,
    /// Width, metres (`ObjectSize`, in 10 cm), when reported.
    pub width_m: Option<f64>,
    /// Length, metres, when reported.
    pub length_m: Option<f64>,
    /// Height, metres, when reported.
    pub height_m: Option<f64>,
    /// When the sender measured it.
    pub generated_at: Millis,
    /// When roadcloud received it.
    pub received_at: Millis,
}

/// `SizeValue`: 10 cm units (T/CSAE 157-2020 SensorSharing); 0 is no size.
fn size_m(v: csae::SizeValue) -> Option<f64> {
    (v.0 != 0).then(|| f64::from(v.0) / 10.0)
}

/// The obstacles an SSM reports, each positioned from the message's `sensorPos`; one whose
/// `secMark` is no millisecond of a minute is left out.
pub fn observe_obstacles(
    frame: &LocalFrame,
    ssm: &csae::SensorSharingMsg,
    received_at: Millis,
) -> Vec<Obstacle> {
    let (ref_lat, ref_lon) = (
        i64::from(ssm.sensor_pos.lat.0),
        i64::from(ssm.sensor_pos.long.0),
    );
    ssm.obstacles
        .iter()
        .flat_map(|l| l.0.iter())
        .filter_map(|o| {
            let generated_at = resolve_sec_mark(o.sec_mark.0, received_at)?;
            let (lat, lon) = units::resolve_offset_ll(ref_lat, ref_lon, &o.pos.offset_ll);
            Some(Obstacle {
                sensor: ssm.id,
                id: o.obs_id,
                kind: o.obs_type,
                position: observe::position(frame, lat, lon),
                width_m: size_m(o.size.width),
                length_m: size_m(o.size.length),
                height_m: o.size.height.and_then(size_m),
                generated_at,
                received_at,
            })
        })
        .collect()
}

/// The obstacles known now, by sender and id: each the last report of it, until its sender
/// has not reported it for [`Obstacles::KEEP_MS`].
#[derive(Debug, Clone, Default)]
pub struct Obstacles {
    by_key: HashMap<([u8; 8], u16), Obstacle>,
}

impl Obstacles {
    /// How long an obstacle stays after its last report, ms: sensors report at 10 Hz, and
    /// an obstacle cleared away should not stay on a vehicle's screen for long.
    pub const KEEP_MS: Millis = 3_000;
    /// The most obstacles kept (reports of new ones beyond are dropped until some expire):
    /// a sender cannot fill memory with invented ones.
    pub const MAX: usize = 4_096;

    /// Takes in a report, unless an older one of the same obstacle (by generation time)
    /// or the table is full.
    pub fn put(&mut self, o: Obstacle) {
        let full = self.by_key.len() >= Self::MAX;
        match self.by_key.entry((o.sensor, o.id)) {
            Entry::Occupied(mut known) => {
                if known.get().generated_at <= o.generated_at {
                    known.insert(o);
                }
            }
            Entry::Vacant(v) if !full => {
                v.insert(o);
            }
            Entry::Vacant(_) => {}
        }
    }

    /// Lets time pass to `now`: obstacles not reported for [`Self::KEEP_MS`] go.
    pub fn expire(&mut self, now: Millis) {
        self.by_key
            .retain(|_, o| now - o.received_at <= Self::KEEP_MS);
    }

    /// The obstacles known, in no order.
    pub fn iter(&self) -> impl Iterator<Item = &Obstacle> {
        self.by_key.values()
    }

    /// How many are known.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether none is known.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

/// An obstacle as DF_DetectedObstacleData, positioned from (`ref_lat`, `ref_lon`), in
/// 1e-7 degrees, for an SSM that shares it under `obs_id` (unique in that SSM: two senders
/// may use one id).
pub fn detected_obstacle(
    frame: &LocalFrame,
    ref_lat: i64,
    ref_lon: i64,
    o: &Obstacle,
    obs_id: u16,
) -> csae::DetectedObstacleData {
    let (lat, lon) = frame.to_1e7(o.position);
    // SizeValue: 10 cm, 0 to 1023.
    let size = |m: Option<f64>| {
        csae::SizeValue((m.unwrap_or(0.0) * 10.0).round().clamp(0.0, 1023.0) as u16)
    };
    csae::DetectedObstacleData {
        obs_type: o.kind,
        obj_type_confidence: None,
        obs_id,
        source: csae::SourceType::Integrated,
        sec_mark: csae::DSecond(crate::time::sec_mark(o.generated_at)),
        pos: units::offset_llv(ref_lat, ref_lon, lat, lon),
        pos_confidence: units::NO_POSITION_CONFIDENCE,
        speed: csae::Speed(0),
        speed_cfd: None,
        // 28800: unavailable (DE_Heading).
        heading: csae::Heading(28800),
        heading_cfd: None,
        ver_speed: None,
        ver_speed_confidence: None,
        accel_set: None,
        size: csae::ObjectSize {
            width: size(o.width_m),
            length: size(o.length_m),
            height: o.height_m.map(|h| size(Some(h))),
        },
        obj_size_confidence: None,
        tracking: None,
        polygon: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::sensor_sharing_answer;

    fn cone(sensor: [u8; 8], id: u16, east_m: f64, at: Millis) -> Obstacle {
        Obstacle {
            sensor,
            id,
            kind: csae::ObstacleType::Trafficcone,
            position: Point {
                east_m,
                north_m: 200.0,
            },
            width_m: Some(0.4),
            length_m: Some(0.4),
            height_m: Some(0.7),
            generated_at: at,
            received_at: at + 30,
        }
    }

    /// An obstacle shared in an SSM comes back from its octets where it was, as it was.
    #[test]
    fn an_obstacle_shared_in_an_ssm_reads_back_as_it_was() {
        let frame = LocalFrame::new(31.2866, 121.1655);
        let now = 1_764_000_012_345;
        let o = cone([1; 8], 40, 3.5, now - 100);
        let at = Point {
            east_m: 0.0,
            north_m: 0.0,
        };
        let ssm = sensor_sharing_answer(&frame, [9; 8], at, &[], &[&o], 5, now).unwrap();
        assert!(ssm.participants.is_none());
        let frame_out = csae::MessageFrame::MsgFrameExt(csae::MessageFrameExt {
            value: csae::Day2Message::SensorSharing(ssm),
        });
        let octets = csae::encode(&frame_out).unwrap();
        let csae::MessageFrame::MsgFrameExt(e) = csae::decode(&octets).unwrap() else {
            panic!("not a Day II message")
        };
        let csae::Day2Message::SensorSharing(back) = e.value else {
            panic!("not an SSM")
        };
        let seen = observe_obstacles(&frame, &back, now + 20);
        assert_eq!(seen.len(), 1);
        let s = &seen[0];
        assert_eq!(s.sensor, [9; 8], "the sharer is the sender");
        assert_eq!(s.id, 1, "numbered in the answer");
        assert_eq!(s.kind, csae::ObstacleType::Trafficcone);
        assert!(
            s.position.distance_to(o.position) < 0.05,
            "{:?}",
            s.position
        );
        assert_eq!(
            (s.width_m, s.length_m, s.height_m),
            (Some(0.4), Some(0.4), Some(0.7))
        );
        assert_eq!(s.generated_at, o.generated_at);
        // Nothing to share, no answer.
        assert!(sensor_sharing_answer(&frame, [9; 8], at, &[], &[], 5, now).is_none());
    }

    #[test]
    fn obstacles_are_kept_while_reported_and_bounded() {
        let mut k = Obstacles::default();
        k.put(cone([1; 8], 1, 0.0, 1_000));
        // An older report of it changes nothing; a newer one moves it.
        k.put(cone([1; 8], 1, 5.0, 900));
        assert_eq!(k.iter().next().unwrap().position.east_m, 0.0);
        k.put(cone([1; 8], 1, 1.0, 1_100));
        assert_eq!(k.iter().next().unwrap().position.east_m, 1.0);
        // Another sender's obstacle of the same id is another obstacle.
        k.put(cone([2; 8], 1, 0.0, 1_100));
        assert_eq!(k.len(), 2);
        k.expire(1_130 + Obstacles::KEEP_MS);
        assert_eq!(k.len(), 2);
        k.expire(1_131 + Obstacles::KEEP_MS);
        assert!(k.is_empty());
        for i in 0..Obstacles::MAX + 10 {
            k.put(cone([3; 8], i as u16, 0.0, 2_000));
        }
        assert_eq!(k.len(), Obstacles::MAX);
    }
}
