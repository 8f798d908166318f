//! Roadside units of the synthetic zone: each watches a circle of road with a camera and
//! reports the vehicles it sees in RSM, and controls the signals of the intersection it
//! stands at, which it announces in SPAT.

use crate::Fleet;
use crate::messages::{self, Detection};
use roadcloud_csae as csae;
use roadcloud_transport::{DeviceId, DeviceKind, MessageKind, Topic};
use roadcloud_world::Point;

/// How far an RSU's camera sees, metres.
const RANGE_M: f64 = 150.0;
/// DF_ParticipantList holds at most 16 participants (T/CSAE 53-2020).
const MAX_PARTICIPANTS: usize = 16;
/// The signal plan: cycle, green and yellow of each of the two phases, seconds.
const CYCLE_S: i64 = 60;
const GREEN_S: i64 = 27;
const YELLOW_S: i64 = 3;

/// One roadside unit.
#[derive(Debug, Clone)]
pub struct Rsu {
    /// Its 8-octet id.
    pub id: [u8; 8],
    /// Where it stands: metres east and north of the origin.
    pub east_m: f64,
    /// Metres north of the origin.
    pub north_m: f64,
    /// The id of the intersection it controls (region 310).
    pub node: u16,
    msg_count: u8,
}

impl Rsu {
    fn next_count(&mut self) -> csae::MsgCount {
        let c = self.msg_count;
        self.msg_count = (c + 1) % 128;
        csae::MsgCount(c)
    }
}

/// `n` RSUs on a ring of 100 to 1,400 m around the origin, where the fleet drives.
pub fn rsus(n: usize) -> Vec<Rsu> {
    (0..n)
        .map(|i| {
            let angle = std::f64::consts::TAU * i as f64 / n as f64;
            let radius = 100.0 + 1_300.0 * ((i * 7) % n.max(1)) as f64 / n.max(1) as f64;
            Rsu {
                id: (0x5200_0000_0000_0000_u64 | i as u64).to_be_bytes(),
                east_m: radius * angle.cos(),
                north_m: radius * angle.sin(),
                node: 2_000 + i as u16,
                msg_count: 0,
            }
        })
        .collect()
}

/// The light of phase 1 (north-south) or 2 (east-west) at `t_ms`, and when it ends, ms.
fn light(phase: u8, t_ms: i64) -> (csae::LightState, i64) {
    let cycle_ms = CYCLE_S * 1_000;
    // Phase 2 runs half a cycle after phase 1.
    let shift = if phase == 1 { 0 } else { cycle_ms / 2 };
    let into = (t_ms - shift).rem_euclid(cycle_ms);
    let start = t_ms - into;
    let (green, yellow) = (GREEN_S * 1_000, YELLOW_S * 1_000);
    if into < green {
        (csae::LightState::ProtectedGreen, start + green)
    } else if into < green + yellow {
        (csae::LightState::Yellow, start + green + yellow)
    } else {
        (csae::LightState::Red, start + cycle_ms)
    }
}

impl Fleet {
    /// RSU `rsu`'s RSM at `t_s` seconds into the run, generated at `now_ms`: the vehicles
    /// within its camera's range, nearest first (its camera does not know their ids). None
    /// when it sees no one.
    pub fn rsm(
        &self,
        rsu: &mut Rsu,
        t_s: f64,
        now_ms: i64,
    ) -> Option<(String, csae::MessageFrame)> {
        let mut seen: Vec<(f64, usize, crate::Pose)> = self
            .vehicles
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let p = v.pose(t_s);
                let d = (p.east_m - rsu.east_m).hypot(p.north_m - rsu.north_m);
                (d <= RANGE_M).then_some((d, i, p))
            })
            .collect();
        if seen.is_empty() {
            return None;
        }
        seen.sort_by(|a, b| a.0.total_cmp(&b.0));
        seen.truncate(MAX_PARTICIPANTS);
        let detections: Vec<Detection> = seen
            .iter()
            .map(|&(_, i, p)| Detection {
                kind: csae::ParticipantType::Motor,
                ptc_id: (i % 65_536) as u16,
                position: Point {
                    east_m: p.east_m,
                    north_m: p.north_m,
                },
                heading_deg: p.heading_deg,
                speed_mps: self.vehicles[i].speed_mps,
                size_m: (1.8, 4.6),
            })
            .collect();
        let at = Point {
            east_m: rsu.east_m,
            north_m: rsu.north_m,
        };
        let count = rsu.next_count().0;
        let rsm = messages::rsm(&self.frame, rsu.id, at, &detections, count, now_ms);
        Some((
            Topic::uplink(DeviceKind::Rsu, DeviceId(rsu.id), MessageKind::Rsm),
            csae::MessageFrame::RsmFrame(rsm),
        ))
    }
}

/// RSU `rsu`'s SPAT at `now_ms`: its intersection's two phases on a fixed 60 s plan (27 s
/// green, 3 s yellow, 30 s red, the second phase half a cycle later), with countdown timing
/// relative to the SPAT's timestamp.
pub fn spat(rsu: &mut Rsu, now_ms: i64) -> (String, csae::MessageFrame) {
    let phases: Vec<_> = [1u8, 2]
        .into_iter()
        .map(|id| {
            let (light, end) = light(id, now_ms);
            (id, light, end - now_ms)
        })
        .collect();
    let count = rsu.next_count().0;
    let spat = messages::spat((310, rsu.node), &phases, count, now_ms);
    (
        Topic::uplink(DeviceKind::Rsu, DeviceId(rsu.id), MessageKind::Spat),
        csae::MessageFrame::SpatFrame(spat),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rsu_reports_the_vehicles_in_its_range_and_its_signals() {
        let mut fleet = Fleet::new(2_000, 31.2866, 121.1655);
        let mut units = rsus(10);
        let now = 1_795_800_012_345;
        let mut reported = 0;
        for r in &mut units {
            if let Some((topic, frame)) = fleet.rsm(r, 5.0, now) {
                let bytes = csae::encode(&frame).expect("a valid RSM");
                let csae::MessageFrame::RsmFrame(rsm) = csae::decode(&bytes).unwrap() else {
                    panic!("an RSM")
                };
                assert_eq!(Topic::parse(&topic).unwrap().device.0, rsm.id);
                assert!((1..=16).contains(&rsm.participants.0.len()));
                reported += 1;
            }
            let (topic, frame) = spat(r, now);
            let bytes = csae::encode(&frame).expect("a valid SPAT");
            assert!(matches!(
                csae::decode(&bytes).unwrap(),
                csae::MessageFrame::SpatFrame(_)
            ));
            assert!(topic.ends_with("/SPAT/UP"));
        }
        assert!(reported > 0, "2,000 vehicles pass some RSU");
        let _ = fleet.bsm(0, 5.0, now);
    }

    #[test]
    fn the_signal_plan_cycles_green_yellow_red_and_the_phases_alternate() {
        assert_eq!(light(1, 0), (csae::LightState::ProtectedGreen, 27_000));
        assert_eq!(light(1, 28_000), (csae::LightState::Yellow, 30_000));
        assert_eq!(light(1, 31_000), (csae::LightState::Red, 60_000));
        assert_eq!(light(2, 0), (csae::LightState::Red, 30_000));
        assert_eq!(light(2, 30_000), (csae::LightState::ProtectedGreen, 57_000));
    }
}
