//! Car parks as their PAM describes them (T/CSAE 157-2020 `PAMData`, sent up by the car
//! park's RSU on `V2X/RSU/{id}/PAM/UP`): the nodes of its drive network (entrances, exits,
//! junctions of aisles, ramps between floors, with positions), the drives between them (each
//! from its `upstreamPAMNodeId` to the node that lists it in `inDrives`) and the parking
//! slots along each drive with their type and status. Each PAM the car park sends replaces
//! what was known of it: its slots' statuses are the car park's occupancy.
//!
//! Converted once, here: positions to the local frame, `ParkingType` bits to a mask, so the
//! guidance service (`roadcloud_apps::gspa`) reads plain values. The PAM itself is kept too:
//! the answer to a vehicle is the car park's own PAM with its guidance added.

use crate::{LocalFrame, Millis, Point};
use roadcloud_csae as csae;

/// Which car park: the RSU that announces it and its `parkingLotInfo.id` (0 when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CarParkKey {
    /// The announcing RSU.
    pub rsu: [u8; 8],
    /// The car park's id.
    pub lot: u16,
}

/// A slot's status (`SlotStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotState {
    /// Not known.
    Unknown,
    /// Free.
    Available,
    /// A vehicle stands in it.
    Occupied,
    /// Held (by the car park, or by roadcloud for a vehicle it guides there).
    Reserved,
}

/// A parking slot along a drive.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// `slotID`, unique in the car park.
    pub id: u16,
    /// Its `ParkingType` bits: bit `i` of the standard's BIT STRING is `1 << i`
    /// (`ordinary` 1, `disabled` 2, `mini` 3, `attached` 4, `charging` 5, ...).
    pub types: u16,
    /// Its status as the car park last announced it.
    pub state: SlotState,
}

/// A node of the car park's drive network (`PAMNode`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParkNode {
    /// `id`, unique in the car park.
    pub id: u16,
    /// Where it is, local frame.
    pub position: Point,
    /// Its floor (`floor`, 0 when absent).
    pub floor: i16,
    /// Vehicles come in here (`attributes` entrance).
    pub entrance: bool,
    /// Vehicles leave here (`attributes` exit).
    pub exit: bool,
    /// Closed (`attributes` blocked): no way leads through it.
    pub blocked: bool,
}

/// A drive (an aisle or a ramp) from one node to another, one way.
#[derive(Debug, Clone, PartialEq)]
pub struct Drive {
    /// The node it leaves (`upstreamPAMNodeId`).
    pub from: u16,
    /// The node it leads to (the node listing it in `inDrives`).
    pub to: u16,
    /// Its length, m (straight between its nodes).
    pub length_m: f64,
    /// The slots along it.
    pub slots: Vec<Slot>,
}

/// A car park, as its latest PAM describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CarPark {
    /// Which car park.
    pub key: CarParkKey,
    /// Its name (`parkingLotInfo.name`).
    pub name: Option<String>,
    /// The nodes of its drive network.
    pub nodes: Vec<ParkNode>,
    /// Its drives; those from a node the PAM does not list are left out.
    pub drives: Vec<Drive>,
    /// The PAM as it came.
    pub pam: csae::PAMData,
    /// When it came, ms since the epoch.
    pub updated_at: Millis,
}

impl CarPark {
    /// The car park `rsu`'s PAM describes, received at `at`.
    pub fn from_pam(frame: &LocalFrame, rsu: [u8; 8], pam: &csae::PAMData, at: Millis) -> Self {
        let info = &pam.parking_lot_info;
        let bit = |a: &Option<csae::PAMNodeAttributes>, i| a.as_ref().is_some_and(|a| a.0.get(i));
        let nodes: Vec<ParkNode> = pam
            .pam_nodes
            .0
            .iter()
            .map(|n| ParkNode {
                id: n.id.0,
                position: frame.from_1e7((n.ref_pos.lat.0.into(), n.ref_pos.long.0.into())),
                floor: n.floor.unwrap_or(0),
                entrance: bit(&n.attributes, csae::PAMNodeAttributes::ENTRANCE),
                exit: bit(&n.attributes, csae::PAMNodeAttributes::EXIT),
                blocked: bit(&n.attributes, csae::PAMNodeAttributes::BLOCKED),
            })
            .collect();
        let at_node = |id: u16| nodes.iter().find(|n| n.id == id).map(|n| n.position);
        let mut drives = Vec::new();
        for n in &pam.pam_nodes.0 {
            for d in n.in_drives.iter().flat_map(|l| l.0.iter()) {
                let (Some(a), Some(b)) = (at_node(d.upstream_pam_node_id.0), at_node(n.id.0))
                else {
                    continue;
                };
                drives.push(Drive {
                    from: d.upstream_pam_node_id.0,
                    to: n.id.0,
                    length_m: a.distance_to(b),
                    slots: d
                        .parking_slots
                        .iter()
                        .flat_map(|s| s.0.iter())
                        .map(|s| Slot {
                            id: s.slot_id,
                            types: type_mask(&s.parking_type),
                            state: match s.status {
                                csae::SlotStatus::Available => SlotState::Available,
                                csae::SlotStatus::Occupied => SlotState::Occupied,
                                csae::SlotStatus::Reserved => SlotState::Reserved,
                                _ => SlotState::Unknown,
                            },
                        })
                        .collect(),
                });
            }
        }
        CarPark {
            key: CarParkKey {
                rsu,
                lot: info.id.unwrap_or(0),
            },
            name: info.name.as_ref().map(|n| n.0.clone()),
            nodes,
            drives,
            pam: pam.clone(),
            updated_at: at,
        }
    }

    /// The node `id`.
    pub fn node(&self, id: u16) -> Option<&ParkNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Every slot, with the drive it lies along.
    pub fn slots(&self) -> impl Iterator<Item = (&Drive, &Slot)> {
        self.drives
            .iter()
            .flat_map(|d| d.slots.iter().map(move |s| (d, s)))
    }

    /// The slot `id`.
    pub fn slot(&self, id: u16) -> Option<&Slot> {
        self.slots().map(|(_, s)| s).find(|s| s.id == id)
    }

    /// Where vehicles come in: its first entrance node, else its first node.
    pub fn entrance(&self) -> Option<Point> {
        self.nodes
            .iter()
            .find(|n| n.entrance)
            .or(self.nodes.first())
            .map(|n| n.position)
    }

    /// How many slots a vehicle may be guided to: available, and not among `held` (those
    /// held for vehicles already guided).
    pub fn free_slots(&self, held: &[u16]) -> usize {
        self.slots()
            .filter(|(_, s)| s.state == SlotState::Available && !held.contains(&s.id))
            .count()
    }

    /// How far `p` is from the car park: from its nearest node, m.
    pub fn distance_m(&self, p: Point) -> f64 {
        self.nodes
            .iter()
            .map(|n| n.position.distance_to(p))
            .fold(f64::INFINITY, f64::min)
    }

    /// The PAM for one vehicle (T/CSAE 157-2020 PAM with `parkingAreaGuidance`): the car
    /// park's own, the slots in `held` (those roadcloud holds for vehicles it guides) shown
    /// reserved, and `guide` for the vehicle when there is one.
    pub fn pam_for(
        &self,
        held: &[u16],
        guide: Option<csae::ParkingGuide>,
        msg_cnt: u8,
        now: Millis,
    ) -> csae::PAMData {
        let mut pam = self.pam.clone();
        pam.msg_cnt = csae::MsgCount(msg_cnt % 128);
        pam.time_stamp = Some(csae::MinuteOfTheYear(crate::signals::minute_of_year(now)));
        for n in &mut pam.pam_nodes.0 {
            for d in n.in_drives.iter_mut().flat_map(|l| l.0.iter_mut()) {
                for s in d.parking_slots.iter_mut().flat_map(|l| l.0.iter_mut()) {
                    if held.contains(&s.slot_id) && s.status == csae::SlotStatus::Available {
                        s.status = csae::SlotStatus::Reserved;
                    }
                }
            }
        }
        pam.parking_area_guidance = guide.map(|g| vec![g]);
        pam
    }
}

/// The bits of a `ParkingType` as a mask (bit `i` is `1 << i`).
pub fn type_mask(t: &csae::ParkingType) -> u16 {
    (0..10)
        .filter(|&i| t.0.get(i))
        .fold(0u16, |m, i| m | (1 << i))
}

/// The `ParkingType` of a mask as [`type_mask`] makes it.
pub fn parking_type(mask: u16) -> csae::ParkingType {
    let bits: Vec<usize> = (0..10).filter(|i| mask & (1 << i) != 0).collect();
    csae::ParkingType(csae::BitString::with_bits(10, &bits))
}

/// What a vehicle asks of a car park (`Req-ParkingArea`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParkingGoal {
    /// A slot (`req` enter or park): of these `ParkingType` bits when given (a mask as
    /// [`type_mask`]), this slot if free (`expectedParkingSlotID`).
    Park {
        /// The types it asks for.
        types: Option<u16>,
        /// The slot it would like.
        slot: Option<u16>,
    },
    /// The way out (`req` exit).
    Exit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_bits_become_a_mask() {
        let t = csae::ParkingType(csae::BitString::with_bits(
            10,
            &[csae::ParkingType::ORDINARY, csae::ParkingType::CHARGING],
        ));
        assert_eq!(type_mask(&t), (1 << 1) | (1 << 5));
        assert_eq!(parking_type((1 << 1) | (1 << 5)), t);
    }
}
