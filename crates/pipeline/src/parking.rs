//! GSPA's side of the pipeline: the car parks their RSUs announce (PAM), the slots held for
//! the vehicles guided to them, and the answers (`roadcloud_apps::gspa` finds the way).
//!
//! A slot given to a vehicle is held for it: no other vehicle is sent there, and the PAMs
//! roadcloud sends show it reserved. The hold ends when the car park reports the slot
//! occupied (the vehicle parked, or another did: a vehicle that asks again then gets
//! another slot), when the vehicle withdraws (status cancel or complete) or asks for the way
//! out, or `hold_ms` after its last request.

use crate::services::{ServiceInputs, VehicleDownlink};
use roadcloud_apps::gspa::{self, Guidance};
use roadcloud_csae::{Day2Message, MessageFrame, MessageFrameExt, PAMNodeID, ParkingGuide};
use roadcloud_transport::{DeviceId, MessageKind};
use roadcloud_world::parking::{CarPark, CarParkKey, ParkingGoal, SlotState};
use roadcloud_world::requests::Request;
use roadcloud_world::{LocalFrame, Millis};
use std::collections::{BTreeMap, HashMap};

/// Car parks kept at most: a PAM for one more replaces the one heard from longest ago.
const MAX_CAR_PARKS: usize = 256;

/// A slot held for a vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// The car park.
    pub car_park: CarParkKey,
    /// The slot.
    pub slot: u16,
    /// Until when, ms since the epoch.
    pub until: Millis,
}

/// What GSPA did, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParkingCounts {
    /// Vehicles guided to a slot, each answer counted.
    pub guided: u64,
    /// Vehicles guided out.
    pub guided_out: u64,
    /// Requests answered without guidance (no free slot, no way).
    pub refused: u64,
}

/// The car parks and the slots held.
#[derive(Debug, Default)]
pub(crate) struct Parking {
    car_parks: BTreeMap<CarParkKey, CarPark>,
    held: HashMap<[u8; 8], Held>,
    pub counts: ParkingCounts,
}

impl Parking {
    /// Takes a car park's PAM: it replaces what was known of the car park; slots held that
    /// the car park now reports occupied are held no longer.
    pub(crate) fn take_pam(
        &mut self,
        frame: &LocalFrame,
        rsu: DeviceId,
        pam: &roadcloud_csae::PAMData,
        at: Millis,
    ) {
        let park = CarPark::from_pam(frame, rsu.0, pam, at);
        let key = park.key;
        self.held.retain(|_, h| {
            h.car_park != key
                || park
                    .slot(h.slot)
                    .is_some_and(|s| s.state != SlotState::Occupied)
        });
        if self.car_parks.len() >= MAX_CAR_PARKS
            && !self.car_parks.contains_key(&key)
            && let Some(oldest) = self
                .car_parks
                .values()
                .min_by_key(|p| p.updated_at)
                .map(|p| p.key)
        {
            self.car_parks.remove(&oldest);
        }
        self.car_parks.insert(key, park);
    }

    /// The car parks known.
    pub(crate) fn car_parks(&self) -> impl Iterator<Item = &CarPark> {
        self.car_parks.values()
    }

    /// The slots held, by vehicle.
    pub(crate) fn holds(&self) -> Vec<([u8; 8], Held)> {
        self.held.iter().map(|(v, h)| (*v, *h)).collect()
    }

    /// The slots held in `key`.
    pub(crate) fn held_in(&self, key: CarParkKey) -> Vec<u16> {
        self.held
            .values()
            .filter(|h| h.car_park == key)
            .map(|h| h.slot)
            .collect()
    }

    /// Whether holds are to be looked at.
    pub(crate) fn has_work(&self) -> bool {
        !self.held.is_empty()
    }

    /// Ends every hold (GSPA switched off).
    pub(crate) fn release_all(&mut self) {
        self.held.clear();
    }

    /// Ends the holds whose time has passed.
    pub(crate) fn expire(&mut self, now: Millis) {
        self.held.retain(|_, h| h.until > now);
    }

    /// Answers `r` (a `Req-ParkingArea`): the PAM of the car park the vehicle comes to,
    /// with its guidance when there is a way; nothing when no car park is near.
    pub(crate) fn answer(
        &mut self,
        p: &gspa::Params,
        z: &ServiceInputs<'_>,
        r: &Request,
        (goal, rsu, withdrawn): (ParkingGoal, Option<[u8; 8]>, bool),
        msg_cnt: u8,
    ) -> Option<VehicleDownlink> {
        if withdrawn || goal == ParkingGoal::Exit {
            self.held.remove(&r.vehicle);
        }
        if withdrawn {
            return None;
        }
        let at = z.position_of(r.vehicle, r.position);
        // The car park the vehicle addressed through its RSU, else the nearest.
        let park = self
            .car_parks
            .values()
            .filter(|c| c.distance_m(at) <= p.near_m)
            .min_by(|a, b| {
                (Some(a.key.rsu) != rsu)
                    .cmp(&(Some(b.key.rsu) != rsu))
                    .then(a.distance_m(at).total_cmp(&b.distance_m(at)))
            })?;
        let key = park.key;
        let mine = self.held.get(&r.vehicle).filter(|h| h.car_park == key);
        let others: Vec<u16> = self
            .held
            .iter()
            .filter(|(v, h)| **v != r.vehicle && h.car_park == key)
            .map(|(_, h)| h.slot)
            .collect();
        // The slot already held for it stays its own while free: a vehicle repeating its
        // request is not sent elsewhere.
        let goal = match (goal, mine) {
            (ParkingGoal::Park { types, .. }, Some(h)) => ParkingGoal::Park {
                types,
                slot: Some(h.slot),
            },
            (g, _) => g,
        };
        let guidance = gspa::guide(park, at, &goal, |s| {
            s.state == SlotState::Available && !others.contains(&s.id)
        });
        let guide = match &guidance {
            Ok(Guidance { path, slot }) => {
                match slot {
                    Some(slot) => {
                        self.held.insert(
                            r.vehicle,
                            Held {
                                car_park: key,
                                slot: *slot,
                                until: z.now + p.hold_ms,
                            },
                        );
                        self.counts.guided += 1;
                    }
                    None => self.counts.guided_out += 1,
                }
                Some(ParkingGuide {
                    veh_id: r.vehicle,
                    drive_path: path.iter().map(|n| PAMNodeID(*n)).collect(),
                    target_parking_slot: *slot,
                })
            }
            // The PAM without guidance for the vehicle: the car park's statuses show it
            // why (no slot free of its type), and the count says how often.
            Err(_) => {
                if matches!(goal, ParkingGoal::Park { .. }) {
                    self.held.remove(&r.vehicle);
                }
                self.counts.refused += 1;
                None
            }
        };
        let held = self.held_in(key);
        let park = &self.car_parks[&key];
        let pam = park.pam_for(&held, guide, msg_cnt, z.now);
        Some(VehicleDownlink {
            vehicle: DeviceId(r.vehicle),
            message: MessageKind::Pam,
            frame: MessageFrame::MsgFrameExt(MessageFrameExt {
                value: Day2Message::Pam(pam),
            }),
        })
    }
}
