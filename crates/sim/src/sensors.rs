//! What a vehicle's sensors read of its true motion: the small errors every real OBU's
//! speed, heading, acceleration and yaw rate carry.
//!
//! A simulator knows each vehicle's motion exactly, and a car-following model brings a
//! queue's followers to its leader's speed to the last digit; two real cars never report
//! the same speed, heading and acceleration report after report, whatever they do. The
//! misbehaviour detector relies on that (several ids moving as one are one sender's
//! ghosts, docs/misbehaviour.md#moving-as-one), and so must the traffic it is tested on.
//!
//! Errors of a good automotive receiver and inertial unit (σ): speed 0.05 m/s (GNSS Doppler
//! velocity is given to 0.05-0.1 m/s), heading 0.1° while moving, acceleration
//! 0.05 m/s², yaw rate 0.1°/s. A vehicle standing still reads none: its wheels say 0 and
//! its heading is held, as receivers hold it below walking pace. Positions are left as they
//! are: a GNSS fix's error wanders slowly and is shared by nearby receivers, and the
//! applications' and the detector's tolerances are set for it.

use crate::messages::VehicleState;
use crate::rng::Rng;
use roadcloud_world::Millis;

/// σ of the speed's error, m/s.
const SPEED_SIGMA_MPS: f64 = 0.05;
/// σ of the heading's error, degrees.
const HEADING_SIGMA_DEG: f64 = 0.1;
/// σ of the longitudinal acceleration's error, m/s².
const ACCEL_SIGMA_MPS2: f64 = 0.05;
/// σ of the yaw rate's error, degrees/s.
const YAW_RATE_SIGMA_DPS: f64 = 0.1;

/// What the sensors of the vehicle in `truth` read at `now_ms` (module docs): the same for
/// the same vehicle and moment in every run.
pub fn measured(truth: &VehicleState, now_ms: Millis) -> VehicleState {
    if truth.speed_mps <= 0.0 {
        return *truth;
    }
    let mut draw = Rng(Rng(u64::from_be_bytes(truth.id)).next() ^ now_ms as u64);
    VehicleState {
        speed_mps: (truth.speed_mps + SPEED_SIGMA_MPS * draw.normal()).max(0.0),
        heading_deg: (truth.heading_deg + HEADING_SIGMA_DEG * draw.normal()).rem_euclid(360.0),
        accel_mps2: truth.accel_mps2 + ACCEL_SIGMA_MPS2 * draw.normal(),
        yaw_rate_dps: truth.yaw_rate_dps + YAW_RATE_SIGMA_DPS * draw.normal(),
        ..*truth
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadcloud_world::Point;

    fn car(id: u8, speed_mps: f64) -> VehicleState {
        VehicleState {
            id: [id; 8],
            position: Point {
                east_m: 0.0,
                north_m: 0.0,
            },
            heading_deg: 90.0,
            speed_mps,
            accel_mps2: 0.0,
            yaw_rate_dps: 0.0,
            class: 10,
            size_m: (1.8, 4.5),
            flags: Default::default(),
        }
    }

    #[test]
    fn a_standing_car_reads_its_truth_and_two_moving_cars_read_apart() {
        assert_eq!(measured(&car(1, 0.0), 100), car(1, 0.0));
        // Two cars at one speed, heading and acceleration, read at the same moments: in
        // the standard's units (0.02 m/s, 0.0125°) they read the same at most now and then.
        let units = |s: VehicleState| {
            (
                (s.speed_mps / 0.02).round() as i64,
                (s.heading_deg / 0.0125).round() as i64,
            )
        };
        let same = (0..100)
            .filter(|k| {
                units(measured(&car(1, 12.0), k * 100)) == units(measured(&car(2, 12.0), k * 100))
            })
            .count();
        assert!(same <= 3, "{same} of 100 alike");
        // The errors are small and unbiased.
        let speeds: Vec<f64> = (0..1000)
            .map(|k| measured(&car(3, 12.0), k * 100).speed_mps)
            .collect();
        let mean = speeds.iter().sum::<f64>() / speeds.len() as f64;
        assert!((mean - 12.0).abs() < 0.01, "{mean}");
        assert!(speeds.iter().all(|v| (v - 12.0).abs() < 0.3));
        // The same vehicle and moment read the same in every run.
        assert_eq!(measured(&car(1, 12.0), 500), measured(&car(1, 12.0), 500));
    }
}
