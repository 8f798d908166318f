//! Cross-source: an RSU's camera against the vehicles' own reports. A camera that sees the
//! connected vehicles in its view consistently off their self-reports, the same way for
//! vehicle after vehicle, is miscalibrated or lies (docs/misbehaviour.md#camera-offset).
//!
//! Each roadside detection of a vehicle is paired with the self-report of the one connected
//! vehicle it can be: the only one within [`Thresholds::camera_match_m`] of it once its last
//! report is carried forward to the detection's time (a second one nearly as close makes the
//! pairing ambiguous, and it is left out). The offsets of the pairs of the last
//! [`Thresholds::camera_window_ms`] are averaged: one vehicle's GNSS error, or an honest
//! camera's noise, averages out over several vehicles; a camera's own error does not.

use crate::checks::{Finding, Thresholds};
use roadcloud_world::{Millis, Point};
use std::collections::VecDeque;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// One detection paired with a self-report: where the camera saw the vehicle, less where
/// the vehicle said it was at that time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pair {
    /// The detection's time, ms since the epoch.
    pub at: Millis,
    /// The vehicle it was paired with.
    pub vehicle: [u8; 8],
    /// Detection less self-report, metres east.
    pub east_m: f64,
    /// Metres north.
    pub north_m: f64,
}

/// One camera's recent pairs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Calibration {
    pairs: VecDeque<Pair>,
}

/// At most this many pairs are kept per camera (a camera over a queue sees many).
const PAIRS_MAX: usize = 1_024;

impl Calibration {
    /// Adds a pair, and forgets those older than the window before `pair.at`.
    pub fn add(&mut self, pair: Pair, t: &Thresholds) {
        self.pairs.push_back(pair);
        while self.pairs.len() > PAIRS_MAX
            || self
                .pairs
                .front()
                .is_some_and(|p| pair.at - p.at > t.camera_window_ms)
        {
            self.pairs.pop_front();
        }
    }

    /// The finding when the pairs of the window, from enough vehicles, lie off by more than
    /// [`Thresholds::camera_offset_m`] on average, and that average stands clear of their
    /// spread (three standard errors): else `None`.
    pub fn check(&self, t: &Thresholds) -> Option<Finding> {
        let n = self.pairs.len();
        if n < t.camera_pairs {
            return None;
        }
        let mut vehicles: Vec<[u8; 8]> = self.pairs.iter().map(|p| p.vehicle).collect();
        vehicles.sort_unstable();
        vehicles.dedup();
        if vehicles.len() < t.camera_vehicles {
            return None;
        }
        let nf = n as f64;
        let (e, no) = self
            .pairs
            .iter()
            .fold((0.0, 0.0), |(e, no), p| (e + p.east_m, no + p.north_m));
        let (e, no) = (e / nf, no / nf);
        let spread = (self
            .pairs
            .iter()
            .map(|p| (p.east_m - e).powi(2) + (p.north_m - no).powi(2))
            .sum::<f64>()
            / (nf - 1.0))
            .sqrt();
        let offset = e.hypot(no);
        let standard_error = spread / nf.sqrt();
        if offset <= 3.0 * standard_error {
            return None;
        }
        Finding::beyond(offset, t.camera_offset_m, || {
            format!(
                "its camera sees the connected vehicles {offset:.1} m off their own reports, \
                 towards {:.0}° ({n} detections of {} vehicles in {:.0} s, spread {spread:.1} m)",
                e.atan2(no).to_degrees().rem_euclid(360.0),
                vehicles.len(),
                t.camera_window_ms as f64 / 1000.0,
            )
        })
    }
}

/// Where `report` puts its vehicle at `at`: carried along its speed and heading (at most
/// 300 ms; beyond that it is not paired).
pub(crate) fn carried_to(report: &crate::checks::Reported, at: Millis) -> Option<Point> {
    let dt_ms = at - report.generated_at;
    if dt_ms.abs() > 300 {
        return None;
    }
    let dt = dt_ms as f64 / 1000.0;
    let v = report.motion.speed_mps.unwrap_or(0.0);
    let h = report.motion.heading_deg.unwrap_or(0.0).to_radians();
    Some(Point {
        east_m: report.position.east_m + v * dt * h.sin(),
        north_m: report.position.north_m + v * dt * h.cos(),
    })
}

/// The one candidate a detection at `seen` can be: the nearest, within `match_m`, when the
/// next is at least twice as far and 2 m further. `candidates` are (vehicle, where it was).
pub(crate) fn unambiguous(
    seen: Point,
    candidates: impl Iterator<Item = ([u8; 8], Point)>,
    match_m: f64,
) -> Option<([u8; 8], Point)> {
    let mut best: Option<(f64, [u8; 8], Point)> = None;
    let mut second = f64::INFINITY;
    for (v, p) in candidates {
        let d = p.distance_to(seen);
        match best {
            Some((b, _, _)) if d >= b => second = second.min(d),
            _ => {
                if let Some((b, _, _)) = best {
                    second = second.min(b);
                }
                best = Some((d, v, p));
            }
        }
    }
    let (d, v, p) = best?;
    (d <= match_m && second >= (2.0 * d).max(d + 2.0)).then_some((v, p))
}

/// Where the roadside cameras see the connected vehicles, learned from the vehicles
/// themselves: in cells of [`COVERAGE_CELL_M`] where a camera has detected a vehicle, the
/// share of the vehicles' visits (from entering the cell to leaving it) during which a
/// roadside detection was fused with their track. A visit counts once, when it ends: a
/// ghost standing in one place all along weighs no more than a car driving through. An RSM
/// says what a camera sees, not where it looks: a camera facing one approach does not see
/// the other three, and one that reports pedestrians only sees no car anywhere. Where the
/// share is high, a vehicle the cameras do not see is not there (the phantom check).
#[derive(Debug, Clone, Default)]
pub(crate) struct Coverage {
    cells: HashMap<(i32, i32), Cell>,
    /// When each RSU's latest RSM came.
    rsm_at: HashMap<[u8; 8], Millis>,
}

/// One cell's record.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    /// Visits of (unquarantined) vehicles to it.
    present: u32,
    /// Of those, the ones a roadside detection was fused with.
    seen: u32,
    /// The RSU whose camera last detected a vehicle in it.
    camera: [u8; 8],
}

/// The side of the coverage cells, metres.
pub(crate) const COVERAGE_CELL_M: f64 = 10.0;
/// A cell's counts are halved at this many visits: what a camera sees changes (it is
/// turned, it fails), and the share follows within a few hundred visits.
const COVERAGE_HALVE_AT: u32 = 512;
/// A camera is taken to look no longer when its RSU has sent no RSM for this long, ms.
const CAMERA_SILENT_AFTER_MS: Millis = 1_000;

/// The coverage cell `p` lies in.
pub(crate) fn coverage_cell(p: Point) -> (i32, i32) {
    (
        (p.east_m / COVERAGE_CELL_M).floor() as i32,
        (p.north_m / COVERAGE_CELL_M).floor() as i32,
    )
}

impl Coverage {
    /// RSU `rsu` sent an RSM at `at`.
    pub fn rsm(&mut self, rsu: [u8; 8], at: Millis) {
        self.rsm_at.insert(rsu, at);
    }

    /// RSU `rsu`'s camera detected a vehicle at `p`: its cell is one a camera looks at.
    pub fn detected(&mut self, rsu: [u8; 8], p: Point) {
        self.cells.entry(coverage_cell(p)).or_default().camera = rsu;
    }

    /// A vehicle's visit to `cell` ended, `seen` by the roadside during it or not. Counted
    /// only where a camera has detected a vehicle (the cells stay as many as the cameras
    /// see).
    pub fn visited(&mut self, cell: (i32, i32), seen: bool) {
        if let Some(c) = self.cells.get_mut(&cell) {
            c.present += 1;
            c.seen += u32::from(seen);
            if c.present >= COVERAGE_HALVE_AT {
                c.present /= 2;
                c.seen /= 2;
            }
        }
    }

    /// The RSU whose camera covers `p` at `now`: its cell has had enough visits, enough
    /// of them seen, and the camera that detected a vehicle there last is still sending.
    pub fn covering(&self, p: Point, now: Millis, t: &Thresholds) -> Option<[u8; 8]> {
        let c = self.cells.get(&coverage_cell(p))?;
        let live = self
            .rsm_at
            .get(&c.camera)
            .is_some_and(|at| now - at <= CAMERA_SILENT_AFTER_MS);
        (live
            && c.present >= t.coverage_visits
            && f64::from(c.seen) >= t.coverage_share * f64::from(c.present))
        .then_some(c.camera)
    }

    /// How many cells a camera has detected a vehicle in, and how many of them are
    /// covered at `now`.
    pub fn extent(&self, now: Millis, t: &Thresholds) -> (usize, usize) {
        let covered = self
            .cells
            .keys()
            .filter(|&&(e, n)| {
                let centre = Point {
                    east_m: (f64::from(e) + 0.5) * COVERAGE_CELL_M,
                    north_m: (f64::from(n) + 0.5) * COVERAGE_CELL_M,
                };
                self.covering(centre, now, t).is_some()
            })
            .count();
        (self.cells.len(), covered)
    }

    /// Forgets the RSUs silent since `now - 60 s` (their cells stay, and cover nothing).
    pub fn expire(&mut self, now: Millis) {
        self.rsm_at.retain(|_, at| now - *at <= 60_000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(i: u64, east_m: f64, north_m: f64) -> Pair {
        Pair {
            at: i as Millis * 100,
            vehicle: [(i % 7) as u8; 8],
            east_m,
            north_m,
        }
    }

    /// Noise around zero: no finding; the same noise around 3 m east: one.
    #[test]
    fn an_offset_stands_out_of_the_noise() {
        let t = Thresholds::default();
        // Zero on average over whole cycles of 13.
        let noise = |i: u64| ((i % 13) as f64 - 6.0) / 13.0;
        let mut honest = Calibration::default();
        let mut off = Calibration::default();
        for i in 0..104 {
            honest.add(pair(i, 1.5 * noise(i), 1.5 * noise(i * 5)), &t);
            off.add(pair(i, 3.0 + 1.5 * noise(i), 1.5 * noise(i * 5)), &t);
        }
        assert!(honest.check(&t).is_none());
        let f = off.check(&t).expect("3 m east");
        assert!(f.detail.contains("towards 90°"), "{}", f.detail);
    }

    /// One vehicle's GNSS off by 5 m is not the camera's fault.
    #[test]
    fn one_vehicle_off_is_not_enough() {
        let t = Thresholds::default();
        let mut c = Calibration::default();
        for i in 0..100 {
            c.add(
                Pair {
                    vehicle: [1; 8],
                    ..pair(i, 5.0, 0.0)
                },
                &t,
            );
        }
        assert!(c.check(&t).is_none());
    }

    /// A cell where the cameras see the vehicles covers them while its camera sends; one
    /// where they do not (a camera that reports pedestrians only) covers nothing.
    #[test]
    fn coverage_is_where_the_vehicles_are_seen() {
        let t = Thresholds::default();
        let rsu = [0x52; 8];
        let p = |e: f64| Point {
            east_m: e,
            north_m: 5.0,
        };
        let mut c = Coverage::default();
        c.rsm(rsu, 0);
        c.detected(rsu, p(5.0));
        c.detected(rsu, p(15.0));
        for i in 0..100 {
            c.visited(coverage_cell(p(5.0)), true);
            c.visited(coverage_cell(p(15.0)), i % 3 == 0);
            // No camera detected a vehicle there: not counted.
            c.visited(coverage_cell(p(25.0)), false);
        }
        assert_eq!(c.covering(p(5.0), 500, &t), Some(rsu));
        assert_eq!(c.covering(p(15.0), 500, &t), None);
        assert_eq!(c.covering(p(25.0), 500, &t), None);
        assert_eq!(c.extent(500, &t), (2, 1));
        // The camera silent, it covers nothing.
        assert_eq!(c.covering(p(5.0), 1_500, &t), None);
    }

    /// In a queue, two cars 5 m apart: a detection between them pairs with neither.
    #[test]
    fn ambiguous_detections_are_left_out() {
        let p = |n: f64| Point {
            east_m: 0.0,
            north_m: n,
        };
        let queue = [([1; 8], p(0.0)), ([2; 8], p(5.0)), ([3; 8], p(10.0))];
        assert_eq!(unambiguous(p(2.5), queue.into_iter(), 6.0), None);
        assert_eq!(
            unambiguous(p(5.3), queue.into_iter(), 6.0),
            Some(([2; 8], p(5.0)))
        );
        assert_eq!(unambiguous(p(30.0), queue.into_iter(), 6.0), None);
    }
}
