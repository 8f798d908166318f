//! The demo zone's car park (T/CSAE 157-2020 guidance in a parking area): "Moyu Rd P1",
//! south of Moyu Road just west of Anyan Road, announced by the junction's RSU with PAM
//! once a second. Its occupancy changes by itself (parked cars leave, at random); cars on
//! Moyu Road that look for a place ask roadcloud for a slot, and a car guided to
//! one turns in (it leaves the road) and, once it has driven the way it was given, stands
//! in its slot, which the car park then reports occupied.
//!
//! ```text
//!   Moyu Rd  ============== 1 (entrance) === 6 (exit) ====
//!                           |                ^
//!       3 <---- slots 101-110 ---- 2         |
//!       |                                    |
//!       4 ---- slots 201-210 ----> 5 --------'
//! ```

use crate::messages;
use crate::rng::Rng;
use roadcloud_csae as csae;
use roadcloud_world::parking::{Drive, ParkNode, Slot, SlotState};
use roadcloud_world::{LocalFrame, Millis, Point};

/// The car park's id (`parkingLotInfo.id`).
pub const CAR_PARK_ID: u16 = 1;
/// Its name.
pub const CAR_PARK_NAME: &str = "Moyu Rd P1";
/// Where its entrance is, local frame: Moyu Road's south kerb, 70 m west of Anyan Road.
pub const ENTRANCE: Point = Point {
    east_m: 330.0,
    north_m: 388.0,
};
/// How fast a car drives in the car park, m/s.
const DRIVE_MPS: f64 = 3.0;
/// A parked car leaves within a second with this chance (a stay of 5 minutes on average).
const LEAVE_PER_S: f64 = 1.0 / 300.0;

/// `ParkingType` bits.
const ORDINARY: u16 = 1 << 1;
const DISABLED: u16 = 1 << 2;
const CHARGING: u16 = 1 << 5;

/// A car on its way to its slot.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Arriving {
    slot: u16,
    at_ms: Millis,
}

/// The car park, its slots and the cars coming in.
#[derive(Debug, Clone)]
pub struct CarPark {
    /// Its own draws, so that the car park leaves the rest of the zone as it would be
    /// without it.
    rng: Rng,
    nodes: Vec<ParkNode>,
    drives: Vec<Drive>,
    arriving: Vec<Arriving>,
    msg_cnt: u8,
    /// Cars guided to a slot (each counted once).
    pub guided: u64,
}

impl CarPark {
    /// The car park, its slots taken at random with chance `occupied` each, its draws from
    /// `seed`.
    pub(crate) fn moyu(seed: u64, occupied: f64) -> CarPark {
        let mut rng = Rng(seed);
        let node = |id, east_m, north_m, entrance, exit| ParkNode {
            id,
            position: Point { east_m, north_m },
            floor: 0,
            entrance,
            exit,
            blocked: false,
        };
        let nodes = vec![
            node(1, ENTRANCE.east_m, ENTRANCE.north_m, true, false),
            node(2, 330.0, 360.0, false, false),
            node(3, 250.0, 360.0, false, false),
            node(4, 250.0, 330.0, false, false),
            node(5, 330.0, 330.0, false, false),
            node(6, 350.0, 388.0, false, true),
        ];
        let mut slots = |first: u16, kept: &[(u16, u16)]| -> Vec<Slot> {
            (first..first + 10)
                .map(|id| Slot {
                    id,
                    types: kept
                        .iter()
                        .find(|(k, _)| *k == id)
                        .map_or(ORDINARY, |(_, t)| ORDINARY | *t),
                    state: if rng.unit() < occupied {
                        SlotState::Occupied
                    } else {
                        SlotState::Available
                    },
                })
                .collect()
        };
        let north = slots(101, &[(101, DISABLED), (102, DISABLED)]);
        let south = slots(201, &[(209, CHARGING), (210, CHARGING)]);
        let at = |id: u16| nodes[usize::from(id) - 1].position;
        let drive = |from, to, slots| Drive {
            from,
            to,
            length_m: at(from).distance_to(at(to)),
            slots,
        };
        let drives = vec![
            drive(1, 2, Vec::new()),
            drive(2, 3, north),
            drive(3, 4, Vec::new()),
            drive(4, 5, south),
            drive(5, 6, Vec::new()),
        ];
        CarPark {
            rng,
            nodes,
            drives,
            arriving: Vec::new(),
            msg_cnt: 0,
            guided: 0,
        }
    }

    /// A second passes (`dt_s` of it): parked cars leave by chance, cars that have driven
    /// their way stand in their slots.
    pub(crate) fn step(&mut self, dt_s: f64, now_ms: Millis) {
        let coming: Vec<u16> = self.arriving.iter().map(|a| a.slot).collect();
        for s in self.drives.iter_mut().flat_map(|d| d.slots.iter_mut()) {
            if s.state == SlotState::Occupied
                && !coming.contains(&s.id)
                && self.rng.unit() < LEAVE_PER_S * dt_s
            {
                s.state = SlotState::Available;
            }
        }
        let (parked, still): (Vec<Arriving>, Vec<Arriving>) =
            self.arriving.iter().partition(|a| a.at_ms <= now_ms);
        self.arriving = still;
        for a in parked {
            if let Some(s) = self
                .drives
                .iter_mut()
                .flat_map(|d| d.slots.iter_mut())
                .find(|s| s.id == a.slot)
            {
                s.state = SlotState::Occupied;
            }
        }
    }

    /// The car park's PAM as its RSU announces it now.
    pub(crate) fn pam(&mut self, frame: &LocalFrame, now_ms: Millis) -> csae::PAMData {
        self.msg_cnt = (self.msg_cnt + 1) % 128;
        messages::pam(
            frame,
            CAR_PARK_ID,
            CAR_PARK_NAME,
            &self.nodes,
            &self.drives,
            self.msg_cnt,
            now_ms,
        )
    }

    /// A car is guided along `path` (PAM node ids) to `slot` at `now_ms`: it arrives there
    /// after driving the way. False when the way or the slot is not one of this car park's.
    pub(crate) fn guide(&mut self, path: &[u16], slot: u16, now_ms: Millis) -> bool {
        let at = |id: u16| self.nodes.iter().find(|n| n.id == id).map(|n| n.position);
        let Some(points) = path.iter().map(|n| at(*n)).collect::<Option<Vec<Point>>>() else {
            return false;
        };
        if !self
            .drives
            .iter()
            .any(|d| d.slots.iter().any(|s| s.id == slot))
        {
            return false;
        }
        let length_m: f64 = points.windows(2).map(|w| w[0].distance_to(w[1])).sum();
        self.arriving.push(Arriving {
            slot,
            at_ms: now_ms + (length_m / DRIVE_MPS * 1e3) as Millis,
        });
        self.guided += 1;
        true
    }

    /// How many slots are free (available in the car park's own count).
    pub fn available(&self) -> usize {
        self.drives
            .iter()
            .flat_map(|d| &d.slots)
            .filter(|s| s.state == SlotState::Available)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guided_car_stands_in_its_slot_once_it_has_driven_there() {
        let mut p = CarPark::moyu(7, 0.0);
        assert_eq!(p.available(), 20);
        // 1 -> 2 -> 3: 28 m and 80 m, at 3 m/s.
        assert!(p.guide(&[1, 2, 3], 105, 0));
        assert!(!p.guide(&[1, 9], 105, 0));
        assert!(!p.guide(&[1, 2], 999, 0));
        p.step(0.0, 30_000);
        assert_eq!(p.available(), 20);
        p.step(0.0, 36_000);
        assert_eq!(p.available(), 19);
        let pam = p.pam(&LocalFrame::new(31.2866, 121.1655), 36_000);
        let park = roadcloud_world::parking::CarPark::from_pam(
            &LocalFrame::new(31.2866, 121.1655),
            [0; 8],
            &pam,
            36_000,
        );
        assert_eq!(park.slot(105).unwrap().state, SlotState::Occupied);
        assert_eq!(park.name.as_deref(), Some(CAR_PARK_NAME));
    }
}
