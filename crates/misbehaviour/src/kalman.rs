//! A constant-velocity Kalman filter of a sender's positions, east and north apart: what the
//! Kalman consistency check asks of a new position is how far it lies from the prediction,
//! in units of the prediction's own uncertainty (the normalised innovation squared).

use roadcloud_world::{Millis, Point};

/// Spread of the unmodelled acceleration, m/s² (braking and turning).
const ACCEL_SIGMA_MPS2: f64 = 3.0;
/// Spread of a reported position, metres (GNSS).
const POSITION_SIGMA_M: f64 = 1.5;

/// One axis: position and velocity, and their covariance.
#[derive(Debug, Clone, Copy)]
struct Axis {
    p: f64,
    v: f64,
    /// Covariance `[[pp, pv], [pv, vv]]`.
    pp: f64,
    pv: f64,
    vv: f64,
}

impl Axis {
    fn new(p: f64) -> Self {
        Axis {
            p,
            v: 0.0,
            pp: POSITION_SIGMA_M * POSITION_SIGMA_M,
            pv: 0.0,
            // Unknown velocity at first: up to about 40 m/s either way.
            vv: 40.0 * 40.0,
        }
    }

    /// The state predicted `dt` seconds on.
    fn predicted(&self, dt: f64) -> Axis {
        let q = ACCEL_SIGMA_MPS2 * ACCEL_SIGMA_MPS2;
        let (dt2, dt3, dt4) = (dt * dt, dt * dt * dt, dt * dt * dt * dt);
        Axis {
            p: self.p + self.v * dt,
            v: self.v,
            pp: self.pp + 2.0 * dt * self.pv + dt2 * self.vv + q * dt4 / 4.0,
            pv: self.pv + dt * self.vv + q * dt3 / 2.0,
            vv: self.vv + q * dt2,
        }
    }

    /// Innovation and its variance for a measured position.
    fn innovation(&self, z: f64) -> (f64, f64) {
        (z - self.p, self.pp + POSITION_SIGMA_M * POSITION_SIGMA_M)
    }

    fn updated(&self, z: f64) -> Axis {
        let (y, s) = self.innovation(z);
        let (kp, kv) = (self.pp / s, self.pv / s);
        Axis {
            p: self.p + kp * y,
            v: self.v + kv * y,
            pp: (1.0 - kp) * self.pp,
            pv: (1.0 - kp) * self.pv,
            vv: self.vv - kv * self.pv,
        }
    }
}

/// The filter (module docs).
#[derive(Debug, Clone, Copy)]
pub struct Kalman {
    east: Axis,
    north: Axis,
    at: Millis,
}

/// Longest gap the filter bridges, milliseconds; after it, it starts again.
const MAX_GAP_MS: Millis = 3_000;

impl Kalman {
    /// A filter starting at `p`, at `at`.
    pub fn new(p: Point, at: Millis) -> Self {
        Kalman {
            east: Axis::new(p.east_m),
            north: Axis::new(p.north_m),
            at,
        }
    }

    /// The normalised innovation squared of position `p` at `at`; `None` when `at` is not
    /// after the filter's time or too long after it.
    pub fn innovation(&self, p: Point, at: Millis) -> Option<f64> {
        let dt_ms = at - self.at;
        if dt_ms <= 0 || dt_ms > MAX_GAP_MS {
            return None;
        }
        let dt = dt_ms as f64 / 1000.0;
        let (ye, se) = self.east.predicted(dt).innovation(p.east_m);
        let (yn, sn) = self.north.predicted(dt).innovation(p.north_m);
        Some(ye * ye / se + yn * yn / sn)
    }

    /// Takes position `p` at `at` (a filter that cannot bridge the gap starts again there).
    pub fn update(&mut self, p: Point, at: Millis) {
        let dt_ms = at - self.at;
        if dt_ms <= 0 {
            return;
        }
        if dt_ms > MAX_GAP_MS {
            *self = Kalman::new(p, at);
            return;
        }
        let dt = dt_ms as f64 / 1000.0;
        self.east = self.east.predicted(dt).updated(p.east_m);
        self.north = self.north.predicted(dt).updated(p.north_m);
        self.at = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_drive_stays_within_the_gate_and_a_jump_does_not() {
        let mut k = Kalman::new(
            Point {
                east_m: 0.0,
                north_m: 0.0,
            },
            0,
        );
        let mut worst: f64 = 0.0;
        for i in 1..50 {
            // 15 m/s north, with ±0.5 m of noise.
            let noise = if i % 2 == 0 { 0.5 } else { -0.5 };
            let p = Point {
                east_m: noise,
                north_m: 1.5 * i as f64 + noise,
            };
            if i > 5 {
                worst = worst.max(k.innovation(p, i * 100).unwrap());
            }
            k.update(p, i * 100);
        }
        assert!(worst < 18.4, "{worst}");
        let jump = Point {
            east_m: 0.0,
            north_m: 1.5 * 50.0 + 10.0,
        };
        assert!(k.innovation(jump, 5_000).unwrap() > 18.4);
    }
}
