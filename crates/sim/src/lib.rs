//! Traffic for roadcloud: participants that move and report themselves as devices do.
//!
//! [`Fleet`] is synthetic load: vehicles driving circles of different radii around the zone
//! origin, each reporting a BSM at its rate, and roadside units reporting what their sensors
//! see of the vehicles near them in RSM. Everything is in the standard's units on the way out
//! (1e-7 degree, 0.02 m/s, 0.0125 degree, secMark), converted here, once.

#![warn(missing_docs)]

pub mod attack;
pub mod car_park;
pub mod messages;
pub mod network;
mod rng;
pub mod roadside;
pub mod sensors;
pub mod signing;
pub mod zone;

pub use attack::{Attack, AttackConfig, Attackers, Label, Reported, Score};
pub use messages::{Detection, VehicleFlags, VehicleState, sec_mark};
use roadcloud_world::{LocalFrame, Point};
pub use roadside::{Rsu, rsus, spat};
pub use signing::{DeviceKeys, signed_as};
pub use zone::{PassingCounts, Script, Zone, ZoneConfig};

use roadcloud_csae as csae;
use roadcloud_transport::{DeviceId, DeviceKind, MessageKind, Topic};

/// One simulated vehicle.
#[derive(Debug, Clone)]
pub struct Vehicle {
    /// Its 8-octet id.
    pub id: [u8; 8],
    /// Radius of its circle, metres.
    radius_m: f64,
    /// Where on the circle it starts, radians.
    phase: f64,
    /// Speed, m/s.
    pub speed_mps: f64,
    /// BSMs sent so far (MsgCount wraps at 128).
    msg_count: u8,
}

/// Where a vehicle is at a time: east and north of the origin, metres, and heading, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// East of the origin, metres.
    pub east_m: f64,
    /// North of the origin, metres.
    pub north_m: f64,
    /// Heading, degrees clockwise from north.
    pub heading_deg: f64,
}

impl Vehicle {
    /// Its pose `t_s` seconds into the run (driving counter-clockwise on its circle).
    pub fn pose(&self, t_s: f64) -> Pose {
        let angle = self.phase + self.speed_mps * t_s / self.radius_m;
        Pose {
            east_m: self.radius_m * angle.cos(),
            north_m: self.radius_m * angle.sin(),
            // Counter-clockwise motion: the velocity is 90 degrees left of the radius.
            heading_deg: (-(angle.to_degrees()) + 360.0).rem_euclid(360.0),
        }
    }
}

/// A synthetic fleet around a zone origin.
#[derive(Debug, Clone)]
pub struct Fleet {
    frame: LocalFrame,
    /// The vehicles.
    pub vehicles: Vec<Vehicle>,
}

impl Fleet {
    /// `n` vehicles on circles of 50 m to 1.5 km around the origin, at 5 to 20 m/s. The same
    /// `n` gives the same fleet.
    pub fn new(n: usize, origin_lat: f64, origin_lon: f64) -> Fleet {
        Fleet::numbered_from(0, n, origin_lat, origin_lon)
    }

    /// Vehicles `first` to `first + n - 1` of the fleet [`Fleet::new`] makes (ids, circles
    /// and speeds as there): two load generators with ranges apart drive one fleet.
    pub fn numbered_from(first: usize, n: usize, origin_lat: f64, origin_lon: f64) -> Fleet {
        let vehicles = (first..first + n)
            .map(|i| {
                // A cheap, fixed scramble of i: varied but reproducible.
                let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let u = |shift: u32| ((h >> shift) & 0xFFFF) as f64 / 65_535.0;
                Vehicle {
                    id: (0x5600_0000_0000_0000_u64 | i as u64).to_be_bytes(),
                    radius_m: 50.0 + 1_450.0 * u(0),
                    phase: std::f64::consts::TAU * u(16),
                    speed_mps: 5.0 + 15.0 * u(32),
                    msg_count: 0,
                }
            })
            .collect();
        Fleet {
            frame: LocalFrame::new(origin_lat, origin_lon),
            vehicles,
        }
    }

    /// Vehicle `i`'s BSM at `t_s` seconds into the run, generated at `now_ms` (ms since the
    /// epoch), and its topic.
    pub fn bsm(&mut self, i: usize, t_s: f64, now_ms: i64) -> (String, csae::MessageFrame) {
        let v = self.vehicles[i].clone();
        let pose = v.pose(t_s);
        let state = VehicleState {
            yaw_rate_dps: -(v.speed_mps / v.radius_m).to_degrees(),
            ..VehicleState::car(
                v.id,
                Point {
                    east_m: pose.east_m,
                    north_m: pose.north_m,
                },
                pose.heading_deg,
                v.speed_mps,
            )
        };
        let bsm = messages::bsm(&self.frame, &state, v.msg_count, now_ms);
        self.vehicles[i].msg_count = (v.msg_count + 1) % 128;
        (
            Topic::uplink(DeviceKind::Obu, DeviceId(v.id), MessageKind::Bsm),
            csae::MessageFrame::BsmFrame(bsm),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vehicle_moves_at_its_speed_along_its_heading() {
        let fleet = Fleet::new(10, 31.2866, 121.1655);
        for v in &fleet.vehicles {
            let (a, b) = (v.pose(10.0), v.pose(10.1));
            let (de, dn) = (b.east_m - a.east_m, b.north_m - a.north_m);
            let speed = (de * de + dn * dn).sqrt() / 0.1;
            assert!(
                (speed - v.speed_mps).abs() < 0.01,
                "{speed} {}",
                v.speed_mps
            );
            let course = de.atan2(dn).to_degrees().rem_euclid(360.0);
            let diff = (course - a.heading_deg).rem_euclid(360.0);
            assert!(
                diff.min(360.0 - diff) < 1.0,
                "course {course} heading {}",
                a.heading_deg
            );
        }
    }

    #[test]
    fn bsms_encode_and_carry_the_time_and_the_sender() {
        let mut fleet = Fleet::new(3, 31.2866, 121.1655);
        let now = 1_795_800_012_345;
        let (topic, frame) = fleet.bsm(2, 1.0, now);
        let bytes = csae::encode(&frame).expect("a valid BSM");
        let csae::MessageFrame::BsmFrame(b) = csae::decode(&bytes).unwrap() else {
            panic!("a BSM")
        };
        assert_eq!(b.sec_mark.0, 12_345);
        assert_eq!(topic, format!("V2X/OBU/{}/BSM/UP", DeviceId(b.id)));
        assert_eq!(Topic::parse(&topic).unwrap().device.0, b.id);
    }
}
