//! Several ids moving as one: a Sybil that holds several devices' credentials.
//!
//! A Sybil with one device's credentials sends its ghosts over that device's link, and
//! admission finds it (`sybil`). One holding several devices' credentials (stolen keys, a
//! batch of tampered OBUs in one box) sends each ghost under a device of its own, and no
//! link ties them together; but one box makes them all from the same moment's reading of its
//! own sensors, so its ghosts report at its very moments, at its speed, heading and
//! acceleration, report after report (VeReMi's grid Sybil: the ghosts copy the attacker's
//! motion and shift its position). Two real vehicles never do: each OBU stamps its messages
//! by its own clock's phase within the 100 ms BSM period, and the errors of each car's
//! speed, heading and acceleration sensors are its own (0.05 m/s, 0.1°, 0.05 m/s²), so even
//! a platoon's cars agree to the standard's resolution (0.02 m/s, 0.0125°, 0.01 m/s²) at
//! the same millisecond only now and then, never six reports in a row.
//!
//! Of two ids moving as one, the one first heard later is reported (with a tie, both): an
//! attacker's own car, heard before its ghosts appeared, is not, nor is an honest vehicle
//! whose reports a liar copies under new ids with their generation times.

use crate::checks::{
    Beacon, Check, Finding, Generations, Kind, Reported, Thresholds, motion_units,
};
use roadcloud_per::jer::hex;
use roadcloud_world::Millis;
use smallvec::SmallVec;

/// Where the [`LockstepIndex`] files a report: its generation time, and its speed, heading
/// and longitudinal acceleration in the standard's units (T/CSAE 53-2020 DE_Speed 0.02 m/s,
/// DE_Heading 0.0125°, DE_Acceleration 0.01 m/s²; `i64::MIN` where it gives none).
type LockstepKey = (Millis, i64, i64, i64);

/// How long reports stay in the [`LockstepIndex`], ms: the reports a check reads (six at
/// 10 Hz, half a second), with room for reports arriving out of order.
const LOCKSTEP_KEEP_MS: Millis = 2_000;

/// At most this many ids are filed under one key: a flood of copies (thousands of ids
/// made by one box) costs a bounded lookup; the first ids filed are enough to find it.
const BUCKET_MAX: usize = 16;

/// One id filed in the [`LockstepIndex`].
#[derive(Debug, Clone, Copy)]
struct Filed {
    vehicle: [u8; 8],
    /// When the detector first heard it, ms.
    since: Millis,
}

/// The reports of the last moments of every vehicle moving at 1 m/s or more, filed by
/// their generation time and motion to the standard's resolution (`LockstepKey`): the
/// ids moving as one with a report are those in its bucket, found with one lookup.
#[derive(Debug, Default)]
pub struct LockstepIndex {
    /// Two ids seldom share a key (module docs): nearly every bucket holds one, inline.
    by_moment: Generations<LockstepKey, SmallVec<[Filed; 1]>, LOCKSTEP_KEEP_MS>,
}

impl LockstepIndex {
    /// Where a report is filed: its generation time, its [`motion_units`] and its
    /// acceleration's; none where those give none.
    fn key(o: &Reported) -> Option<LockstepKey> {
        let (v, h) = motion_units(o)?;
        let a = o
            .motion
            .accel_long_mps2
            .map_or(i64::MIN, |a| (a / 0.01).round() as i64);
        Some((o.generated_at, v, h, a))
    }

    /// Files vehicle `vehicle`'s report `o`; `since` is when it was first heard.
    pub fn insert(&mut self, vehicle: [u8; 8], since: Millis, o: &Reported) {
        let Some(key) = Self::key(o) else { return };
        let bucket = self.by_moment.entry(key);
        if bucket.len() < BUCKET_MAX && bucket.iter().all(|f| f.vehicle != vehicle) {
            bucket.push(Filed { vehicle, since });
        }
    }

    /// Lets time pass to `now` ([`Generations`]).
    pub fn expire(&mut self, now: Millis) {
        self.by_moment.expire(now);
    }

    /// The ids filed with `o`'s key.
    fn alike(&self, o: &Reported) -> impl Iterator<Item = &Filed> {
        Self::key(o)
            .into_iter()
            .flat_map(|k| self.by_moment.get(&k))
            .flatten()
    }

    /// Whether `vehicle` is filed with `o`'s key.
    fn holds(&self, o: &Reported, vehicle: [u8; 8]) -> bool {
        self.alike(o).any(|f| f.vehicle == vehicle)
    }
}

/// Its last [`Thresholds::moving_as_one_reports`] reports were made at another id's moments,
/// at its speed, heading and acceleration to the standard's resolution, and it was heard
/// no earlier than that id (module docs). The sender's earlier reports are compared, not
/// this one: the other id's report of this moment may still be on its way.
pub struct MovingAsOne;

impl Check for MovingAsOne {
    fn kind(&self) -> Kind {
        Kind::MovingAsOne
    }
    fn check(&self, b: &Beacon<'_>, t: &Thresholds) -> Option<Finding> {
        let need = t.moving_as_one_reports.max(2);
        let recent = &b.history.recent;
        if recent.len() < need {
            return None;
        }
        let last = recent.back()?;
        let since = b.history.since;
        b.lockstep
            .alike(last)
            .filter(|f| f.vehicle != b.vehicle && since >= f.since)
            .find(|f| {
                recent
                    .iter()
                    .rev()
                    .skip(1)
                    .take(need - 1)
                    .all(|r| b.lockstep.holds(r, f.vehicle))
            })
            .map(|f| {
                Finding::new(
                    format!(
                        "its last {need} reports were made at vehicle {}'s moments, at its \
                         speed, heading and acceleration",
                        hex(&f.vehicle)
                    ),
                    3.0,
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ReportedMotion;
    use roadcloud_world::Point;

    fn report(east_m: f64, speed_mps: f64, at: Millis) -> Reported {
        Reported {
            generated_at: at,
            position: Point {
                east_m,
                north_m: 0.0,
            },
            motion: ReportedMotion {
                speed_mps: Some(speed_mps),
                heading_deg: Some(90.0),
                accel_long_mps2: Some(0.0),
            },
        }
    }

    #[test]
    fn ids_are_filed_by_moment_and_motion_and_a_flood_is_bounded() {
        let mut index = LockstepIndex::default();
        index.insert([1; 8], 0, &report(0.0, 10.0, 1_000));
        index.insert([2; 8], 0, &report(50.0, 10.0, 1_000));
        // Another moment, another speed, standing: apart.
        index.insert([3; 8], 0, &report(0.0, 10.0, 1_001));
        index.insert([4; 8], 0, &report(0.0, 10.02, 1_000));
        index.insert([5; 8], 0, &report(0.0, 0.0, 1_000));
        let alike: Vec<[u8; 8]> = index
            .alike(&report(9.0, 10.0, 1_000))
            .map(|f| f.vehicle)
            .collect();
        assert_eq!(alike, vec![[1; 8], [2; 8]]);
        for v in 0..1_000u32 {
            index.insert(
                (u64::from(v) << 8).to_be_bytes(),
                0,
                &report(0.0, 20.0, 2_000),
            );
        }
        assert_eq!(index.alike(&report(0.0, 20.0, 2_000)).count(), BUCKET_MAX);
    }
}
