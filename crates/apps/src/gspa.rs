//! GSPA, guidance service in a parking area (T/CSAE 157-2020, 场站路径引导服务, with the
//! `PAM` message and the VIR's `Req-ParkingArea`): a vehicle coming to a car park asks for a
//! slot (or, inside, for the way out) and is answered with the car park's PAM carrying its
//! guidance: the nodes to drive through (`drivePath`) and the slot held for it
//! (`targetParkingSlot`).
//!
//! Principle ([`guide`]): the way to a slot starts at the car park's entrance nearest the
//! vehicle (a vehicle asking for a slot comes in by an entrance; at its node nearest the
//! vehicle when it names no entrance), the way out at its node nearest the vehicle, and
//! follows the drives (one way each, from `upstreamPAMNodeId` to the node listing the drive),
//! never through a blocked node; of the free slots of the types asked for, the one the
//! vehicle named (`expectedParkingSlotID`) if free, else the one nearest along the drives
//! (to the middle of its drive). Without a type asked for, slots kept for some (disabled,
//! charging, private) are left to those who ask for them. The way out leads to the nearest
//! exit. The pipeline keeps the car parks and the slots it holds for vehicles
//! (`crates/pipeline/src/parking.rs`), so two vehicles are never sent to one slot.

use crate::scene::Scene;
use crate::{Advisory, App, plugin};
use roadcloud_world::Point;
use roadcloud_world::parking::{CarPark, ParkingGoal, Slot};
use serde::{Deserialize, Serialize};

/// GSPA's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// A vehicle is guided in a car park no farther than this from one of its nodes, m.
    pub near_m: f64,
    /// A slot given to a vehicle is held for it this long after its last request, ms (or
    /// until the car park reports it occupied, or the vehicle withdraws).
    pub hold_ms: i64,
    /// A request older than this is dropped unanswered, ms.
    pub max_age_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            near_m: 300.0,
            hold_ms: 300_000,
            max_age_ms: 2_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("GSPA", "guidance service in parking area", evaluate)
}

/// GSPA advises nobody of its own: it answers requests.
fn evaluate(_: &Params, _: &Scene, _: &mut Vec<Advisory>) {}

/// `ParkingType` bits of the slots kept for some: `disabled` (2), `charging` (5),
/// `private` (9).
pub const KEPT: u16 = (1 << 2) | (1 << 5) | (1 << 9);

/// The most nodes a `drivePath` holds.
pub const MAX_PATH: usize = 32;

/// The guidance for one vehicle.
#[derive(Debug, Clone, PartialEq)]
pub struct Guidance {
    /// The nodes to drive through, in order (`drivePath`).
    pub path: Vec<u16>,
    /// The slot, when it asked for one (`targetParkingSlot`).
    pub slot: Option<u16>,
}

/// Why no guidance is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No free slot of the types asked for can be reached.
    NoSlot,
    /// No exit can be reached.
    NoExit,
    /// The car park has no node to start from (all blocked).
    NoWay,
}

impl Refused {
    /// Why, in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::NoSlot => "no free slot of the type asked for",
            Refused::NoExit => "no exit can be reached",
            Refused::NoWay => "the car park's drives are closed",
        }
    }
}

/// Whether a slot of `types` suits a request for `wanted` (a mask of `ParkingType` bits).
pub fn suits(types: u16, wanted: Option<u16>) -> bool {
    match wanted {
        Some(w) => types & w != 0,
        None => types & KEPT == 0,
    }
}

/// The guidance from `from` in `park` to `goal`; `free` says whether a slot may be given
/// (free in the car park and held for no other vehicle).
pub fn guide(
    park: &CarPark,
    from: Point,
    goal: &ParkingGoal,
    free: impl Fn(&Slot) -> bool,
) -> Result<Guidance, Refused> {
    let open = |id: u16| park.node(id).is_some_and(|n| !n.blocked);
    let entering =
        matches!(goal, ParkingGoal::Park { .. }) && park.nodes.iter().any(|n| n.entrance);
    let start = park
        .nodes
        .iter()
        .filter(|n| !n.blocked && (n.entrance || !entering))
        .min_by(|a, b| {
            a.position
                .distance_to(from)
                .total_cmp(&b.position.distance_to(from))
        })
        .ok_or(Refused::NoWay)?
        .id;
    let ways = shortest_ways(park, start, &open);
    let path_to = |id: u16| -> Option<Vec<u16>> {
        let mut path = vec![id];
        let mut at = id;
        while at != start {
            at = ways.iter().find(|w| w.node == at)?.via?;
            path.push(at);
        }
        path.reverse();
        Some(path)
    };
    let reached = |id: u16| ways.iter().find(|w| w.node == id).map(|w| w.distance_m);
    match goal {
        ParkingGoal::Park { types, slot } => {
            let mut best: Option<(bool, f64, u16, u16)> = None;
            for d in &park.drives {
                let (Some(to_drive), true) = (reached(d.from), open(d.to)) else {
                    continue;
                };
                for s in d.slots.iter().filter(|s| suits(s.types, *types) && free(s)) {
                    // The slot named comes first; then the nearest; then the lowest id.
                    let key = (*slot != Some(s.id), to_drive + d.length_m / 2.0, s.id, d.to);
                    if best.is_none_or(|b| (key.0, key.1, key.2) < (b.0, b.1, b.2)) {
                        best = Some(key);
                    }
                }
            }
            let (_, _, id, to) = best.ok_or(Refused::NoSlot)?;
            let from_node = park
                .drives
                .iter()
                .find(|d| d.to == to && d.slots.iter().any(|s| s.id == id))
                .map(|d| d.from)
                .ok_or(Refused::NoSlot)?;
            let mut path = path_to(from_node).ok_or(Refused::NoSlot)?;
            path.push(to);
            path.truncate(MAX_PATH);
            Ok(Guidance {
                path,
                slot: Some(id),
            })
        }
        ParkingGoal::Exit => {
            let exit = park
                .nodes
                .iter()
                .filter(|n| n.exit)
                .filter_map(|n| Some((reached(n.id)?, n.id)))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .ok_or(Refused::NoExit)?
                .1;
            let mut path = path_to(exit).ok_or(Refused::NoExit)?;
            path.truncate(MAX_PATH);
            Ok(Guidance { path, slot: None })
        }
    }
}

/// A node reached from the start: how far along the drives, and from which node.
struct Way {
    node: u16,
    distance_m: f64,
    via: Option<u16>,
}

/// Dijkstra over the car park's drives from `start` (a car park has at most 63 nodes, so
/// a scan for the nearest unsettled node is enough).
fn shortest_ways(park: &CarPark, start: u16, open: &impl Fn(u16) -> bool) -> Vec<Way> {
    let mut ways = vec![Way {
        node: start,
        distance_m: 0.0,
        via: None,
    }];
    let mut settled: Vec<u16> = Vec::new();
    while let Some(at) = ways
        .iter()
        .filter(|w| !settled.contains(&w.node))
        .min_by(|a, b| a.distance_m.total_cmp(&b.distance_m))
        .map(|w| (w.node, w.distance_m))
    {
        settled.push(at.0);
        for d in park.drives.iter().filter(|d| d.from == at.0 && open(d.to)) {
            let distance_m = at.1 + d.length_m;
            match ways.iter_mut().find(|w| w.node == d.to) {
                Some(w) if w.distance_m <= distance_m => {}
                Some(w) => {
                    w.distance_m = distance_m;
                    w.via = Some(at.0);
                }
                None => ways.push(Way {
                    node: d.to,
                    distance_m,
                    via: Some(at.0),
                }),
            }
        }
    }
    ways
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadcloud_world::parking::{CarParkKey, Drive, ParkNode, SlotState};

    const ORDINARY: u16 = 1 << 1;
    const DISABLED: u16 = 1 << 2;
    const CHARGING: u16 = 1 << 5;

    fn node(id: u16, east_m: f64, north_m: f64) -> ParkNode {
        ParkNode {
            id,
            position: Point { east_m, north_m },
            floor: 0,
            entrance: id == 1,
            exit: id == 9,
            blocked: false,
        }
    }

    fn slot(id: u16, types: u16, state: SlotState) -> Slot {
        Slot { id, types, state }
    }

    fn drive(park: &[ParkNode], from: u16, to: u16, slots: Vec<Slot>) -> Drive {
        let at = |id| park.iter().find(|n| n.id == id).unwrap().position;
        Drive {
            from,
            to,
            length_m: at(from).distance_to(at(to)),
            slots,
        }
    }

    /// An entrance (1) leads to a junction (2); from there a short aisle to 3 (slots 30,
    /// 31) and a long aisle to 4 (slots 40 to 42); both lead on to the exit (9).
    ///
    /// ```text
    ///   1 --> 2 --> 3 --> 9
    ///          \         ^
    ///           `-> 4 --'
    /// ```
    fn car_park() -> CarPark {
        let nodes = vec![
            node(1, 0.0, 0.0),
            node(2, 20.0, 0.0),
            node(3, 40.0, 0.0),
            node(4, 20.0, 60.0),
            node(9, 60.0, 0.0),
        ];
        let drives = vec![
            drive(&nodes, 1, 2, vec![]),
            drive(
                &nodes,
                2,
                3,
                vec![
                    slot(30, ORDINARY, SlotState::Occupied),
                    slot(31, DISABLED, SlotState::Available),
                ],
            ),
            drive(
                &nodes,
                2,
                4,
                vec![
                    slot(40, ORDINARY, SlotState::Available),
                    slot(41, ORDINARY | CHARGING, SlotState::Available),
                    slot(42, ORDINARY, SlotState::Available),
                ],
            ),
            drive(&nodes, 3, 9, vec![]),
            drive(&nodes, 4, 9, vec![]),
        ];
        CarPark {
            key: CarParkKey {
                rsu: [0; 8],
                lot: 1,
            },
            name: None,
            nodes,
            drives,
            pam: roadcloud_csae::PAMData {
                msg_cnt: roadcloud_csae::MsgCount(0),
                time_stamp: None,
                parking_lot_info: roadcloud_csae::ParkingLotInfo {
                    id: Some(1),
                    name: None,
                    number: None,
                    building_layer_num: None,
                    avp_type: None,
                },
                pam_nodes: roadcloud_csae::PAMNodeList(vec![]),
                parking_area_guidance: None,
            },
            updated_at: 0,
        }
    }

    fn available(s: &Slot) -> bool {
        s.state == SlotState::Available
    }

    fn park(types: Option<u16>, slot: Option<u16>) -> ParkingGoal {
        ParkingGoal::Park { types, slot }
    }

    const AT_ENTRANCE: Point = Point {
        east_m: -5.0,
        north_m: 0.0,
    };

    #[test]
    fn scenarios() {
        let p = car_park();
        // (what, goal, slots held for others, blocked node, expected)
        type Case = (
            &'static str,
            ParkingGoal,
            &'static [u16],
            Option<u16>,
            Result<Guidance, Refused>,
        );
        let g = |path: &[u16], slot: Option<u16>| {
            Ok(Guidance {
                path: path.to_vec(),
                slot,
            })
        };
        let cases: [Case; 9] = [
            (
                "the nearest free ordinary slot, not the kept ones",
                park(None, None),
                &[],
                None,
                g(&[1, 2, 4], Some(40)),
            ),
            (
                "a slot held for another is not given",
                park(None, None),
                &[40],
                None,
                g(&[1, 2, 4], Some(42)),
            ),
            (
                "the slot named, when free",
                park(None, Some(42)),
                &[],
                None,
                g(&[1, 2, 4], Some(42)),
            ),
            (
                "the slot named, occupied: the nearest instead",
                park(None, Some(30)),
                &[],
                None,
                g(&[1, 2, 4], Some(40)),
            ),
            (
                "a disabled slot for who asks for one",
                park(Some(DISABLED), None),
                &[],
                None,
                g(&[1, 2, 3], Some(31)),
            ),
            (
                "a charging slot for who asks for one",
                park(Some(CHARGING), None),
                &[],
                None,
                g(&[1, 2, 4], Some(41)),
            ),
            (
                "no free slot of the type",
                park(None, None),
                &[40, 42],
                None,
                Err(Refused::NoSlot),
            ),
            (
                "no way through a blocked node",
                park(None, None),
                &[],
                Some(4),
                Err(Refused::NoSlot),
            ),
            (
                "the way out",
                ParkingGoal::Exit,
                &[],
                None,
                g(&[1, 2, 3, 9], None),
            ),
        ];
        for (what, goal, held, blocked, expected) in cases {
            let mut p = p.clone();
            if let Some(b) = blocked {
                p.nodes.iter_mut().find(|n| n.id == b).unwrap().blocked = true;
            }
            let got = guide(&p, AT_ENTRANCE, &goal, |s| {
                available(s) && !held.contains(&s.id)
            });
            assert_eq!(got, expected, "{what}");
        }
    }

    #[test]
    fn a_slot_is_reached_from_the_entrance_wherever_the_vehicle_asks_from() {
        let p = car_park();
        // Nearest the exit (node 9), from which no drive leads to a slot.
        let by_the_exit = Point {
            east_m: 62.0,
            north_m: 3.0,
        };
        assert_eq!(
            guide(&p, by_the_exit, &park(None, None), available),
            Ok(Guidance {
                path: vec![1, 2, 4],
                slot: Some(40)
            })
        );
        // With its entrance closed, no way in.
        let mut closed = p.clone();
        closed.nodes[0].blocked = true;
        assert_eq!(
            guide(&closed, by_the_exit, &park(None, None), available),
            Err(Refused::NoWay)
        );
    }

    #[test]
    fn the_way_out_from_inside_and_when_the_exit_is_closed() {
        let mut p = car_park();
        let at_4 = Point {
            east_m: 21.0,
            north_m: 58.0,
        };
        assert_eq!(
            guide(&p, at_4, &ParkingGoal::Exit, available),
            Ok(Guidance {
                path: vec![4, 9],
                slot: None
            })
        );
        p.nodes.iter_mut().find(|n| n.id == 9).unwrap().blocked = true;
        assert_eq!(
            guide(&p, at_4, &ParkingGoal::Exit, available),
            Err(Refused::NoExit)
        );
        for n in &mut p.nodes {
            n.blocked = true;
        }
        assert_eq!(
            guide(&p, at_4, &ParkingGoal::Exit, available),
            Err(Refused::NoWay)
        );
    }

    #[test]
    fn kept_slots_suit_only_who_asks() {
        assert!(suits(ORDINARY, None));
        assert!(!suits(ORDINARY | CHARGING, None));
        assert!(suits(ORDINARY | CHARGING, Some(CHARGING)));
        assert!(!suits(ORDINARY, Some(DISABLED)));
    }
}
