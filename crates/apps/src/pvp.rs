//! PVP, priority vehicle passing (T/CSAE 157-2020, the Day-2 scenario of priority vehicles
//! at signalised junctions): an emergency vehicle or a bus asks, in a VIR with
//! `Req-SignalPriority`, for a junction's green on its movement; the cloud has the
//! junction's signal controller serve it, one vehicle per junction at a time, and tells the
//! vehicle with an RSC. An emergency vehicle that names every signalised junction of its
//! route ahead gets a green wave: each junction turns green as the vehicle comes within
//! `activate_s` of it, in sequence, and goes back to its plan once the vehicle has passed.
//!
//! Principle, per junction:
//! - A request counts from when its vehicle is `activate_s` (its `estimatedArrivalTime`,
//!   or its distance at its speed) or `activate_m` from the stop line; before, the junction
//!   keeps its plan (a green held for a vehicle a minute away is a red for everybody else).
//! - An emergency vehicle on a call preempts: the controller clears the junction (yellow)
//!   and turns its movement green. A bus gets only an extension: the green its movement
//!   has now is held, a red is not cut short (conditional priority, as transit priority
//!   works in practice).
//! - One grant per junction: a junction held for one vehicle refuses another's request
//!   (the RSC says why), unless the newcomer outranks it (an emergency vehicle over a bus),
//!   whose grant then replaces the bus's. Among requests arriving together, the higher rank
//!   goes first, then the earlier arrival.
//! - A grant ends when its vehicle stops asking for the junction for `passed_ms` (it has
//!   passed it, or cancelled), when it asks with status cancel or complete, or after
//!   `hold_max_s` whatever happens: no junction stays held for a vehicle that stopped, and
//!   the controller gets the grant's end with it, so a controller that loses the cloud
//!   returns to its plan by itself.
//!
//! The pipeline keeps the grants and sends the controllers' commands and the vehicles'
//! RSCs; [`arbitrate`] is the pure rule, tested from tables.
//!
//! Clear the way: a vehicle ahead of an emergency vehicle on a call within `clear_ahead_m`,
//! in the lane the emergency vehicle's `Req-ClearTheWay` names while its window stands, else
//! in the emergency vehicle's own lane (MAP's, or its path where MAP does not tell:
//! [`Scene::gap_ahead`]), is told to make way (an advisory of PVP on its downlink; EVW warns every
//! vehicle the emergency vehicle approaches, this one only those in the lane, which must
//! leave it).

use crate::scene::{Scene, SceneParticipant, near};
use crate::{Advisory, App, Severity, plugin};
use roadcloud_world::Millis;
use roadcloud_world::map::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// PVP's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// A request counts when its vehicle is this close in time to the stop line, seconds:
    /// long enough for a junction to clear (yellow, all red) and its queue to move off.
    pub activate_s: f64,
    /// Or this close in distance, metres.
    pub activate_m: f64,
    /// A grant ends when its vehicle has not asked for this long, ms.
    pub passed_ms: i64,
    /// No junction is held longer than this for one vehicle, seconds.
    pub hold_max_s: f64,
    /// How long a request stands unanswered before it is dropped, ms.
    pub max_age_ms: i64,
    /// A vehicle this far ahead of an emergency vehicle on a call in its lane is told to
    /// clear the way, metres.
    pub clear_ahead_m: f64,
    /// How far from the emergency vehicle's path a vehicle may be and still be in its lane,
    /// metres (where MAP does not tell).
    pub path_tolerance_m: f64,
    /// How long a clear-the-way advisory stands, ms.
    pub valid_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            activate_s: 25.0,
            activate_m: 250.0,
            passed_ms: 2_500,
            hold_max_s: 60.0,
            max_age_ms: 1_000,
            clear_ahead_m: 150.0,
            path_tolerance_m: 1.2,
            valid_ms: 2_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("PVP", "priority vehicle passing", evaluate)
}

/// Clear the way: each vehicle ahead of an emergency vehicle on a call, in its lane within
/// `clear_ahead_m`, the nearest emergency vehicle's (the requests are answered apart:
/// [`arbitrate`]).
fn evaluate(p: &Params, scene: &Scene, out: &mut Vec<Advisory>) {
    let on_call = scene.select(|ev| ev.track.status.emergency);
    if on_call.is_empty() {
        return;
    }
    for (hv, target) in scene.targets() {
        let behind = near(hv, &on_call, p.clear_ahead_m)
            .filter_map(|ev| ahead_in_the_lane(p, scene, ev, hv).map(|g| (g, ev)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((gap, ev)) = behind {
            out.push(
                Advisory::new("PVP", Severity::Warning, hv, target, scene, p.valid_ms)
                    .about(ev.as_other())
                    .distance(gap)
                    .detail(format!(
                        "emergency vehicle {gap:.0} m behind in your lane: clear the way"
                    )),
            );
        }
    }
}

/// How far `hv` is ahead of emergency vehicle `ev`, within `clear_ahead_m`, in the lane
/// `ev` is to have cleared: the lane its `Req-ClearTheWay` names while the request stands
/// (`hv` matched to that lane, going its way, ahead along `ev`'s heading), else `ev`'s own
/// lane.
fn ahead_in_the_lane(
    p: &Params,
    scene: &Scene,
    ev: &SceneParticipant,
    hv: &SceneParticipant,
) -> Option<f64> {
    let asked = ev.track.vehicle.and_then(|v| {
        scene
            .clear_the_way
            .iter()
            .find(|c| c.vehicle == v && c.stands(scene.now))
    });
    let gap = match asked {
        Some(c) => {
            hv.lane
                .as_ref()
                .filter(|m| m.lane == c.lane && !m.against)?;
            let h = ev.heading_deg?.to_radians();
            let ahead = (hv.position.east_m - ev.position.east_m) * h.sin()
                + (hv.position.north_m - ev.position.north_m) * h.cos();
            (ahead > 0.0).then_some(ahead)?
        }
        None => scene.gap_ahead(ev, hv, p.path_tolerance_m)?,
    };
    (gap <= p.clear_ahead_m).then_some(gap)
}

/// Who may have priority, lowest first: the order is the rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    /// A bus (DE_BasicVehicleClass transit, 50 to 59): its green held, never a red cut.
    Transit,
    /// An emergency vehicle on a call (DF_VehicleEmergencyExtensions): preemption.
    Emergency,
}

impl Rank {
    /// `transit` or `emergency`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rank::Transit => "transit",
            Rank::Emergency => "emergency",
        }
    }
}

/// A vehicle's request for one junction, as PVP weighs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Want {
    /// The vehicle.
    pub vehicle: [u8; 8],
    /// Its request's id.
    pub req_id: u8,
    /// The junction.
    pub intersection: NodeId,
    /// The signal group (MAP's and SPAT's phase id) of its movement.
    pub phase: u8,
    /// Seconds until it reaches the stop line, when it can be told.
    pub eta_s: Option<f64>,
    /// Its distance to the stop line, metres, when given.
    pub distance_m: Option<f64>,
    /// Its rank; None: neither an emergency vehicle on a call nor a bus.
    pub rank: Option<Rank>,
    /// It withdraws the request (status cancel or complete).
    pub withdrawn: bool,
}

/// A junction held for a vehicle.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    /// The vehicle.
    pub vehicle: [u8; 8],
    /// Its request's id.
    pub req_id: u8,
    /// The signal group served.
    pub phase: u8,
    /// The vehicle's rank.
    pub rank: Rank,
    /// Since when.
    pub since: Millis,
    /// When the vehicle last asked.
    pub last_asked: Millis,
    /// When it ends at the latest.
    pub until: Millis,
}

/// Why a grant ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    /// The vehicle stopped asking: it passed the junction.
    Passed,
    /// The vehicle withdrew its request.
    Withdrawn,
    /// `hold_max_s` ran out.
    HeldTooLong,
    /// A vehicle of higher rank took the junction.
    Outranked,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refused {
    /// The vehicle is neither an emergency vehicle on a call nor a bus.
    NotEligible,
    /// The junction is held for a vehicle of the same or higher rank.
    JunctionHeld,
    /// The junction was held for this vehicle as long as one may be (`hold_max_s`): not
    /// again until it has stopped asking.
    HeldTooLong,
    /// The request names no signal group (`requiredMov.phaseId`).
    NoSignalGroup,
    /// No RSU announces the junction's signals (no SPAT of it): no controller to ask.
    NoController,
}

impl Refused {
    /// In words, for the RSC's description.
    pub fn as_text(self) -> &'static str {
        match self {
            Refused::NotEligible => {
                "signal priority refused: only emergency vehicles on a call and buses have it"
            }
            Refused::JunctionHeld => {
                "signal priority refused: the junction is held for another priority vehicle"
            }
            Refused::HeldTooLong => {
                "signal priority refused: the junction was held for this vehicle as long as it may be"
            }
            Refused::NoSignalGroup => {
                "signal priority refused: the request names no signal group (requiredMov.phaseId)"
            }
            Refused::NoController => {
                "signal priority refused: no RSU announces this junction's signals"
            }
        }
    }
}

/// What changed at a junction.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The junction is now held for `grant`'s vehicle.
    Granted(NodeId, Grant),
    /// The grant ended.
    Ended(NodeId, Grant, Ended),
    /// The request was refused.
    Refused(NodeId, Want, Refused),
}

/// The junctions' state: who holds each, and who has held one as long as one may.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Junctions {
    /// The grant of each junction held.
    pub grants: BTreeMap<NodeId, Grant>,
    /// Vehicles whose grant ran out (`hold_max_s`), with when they last asked, by
    /// junction: refused there until they stop asking for `passed_ms`.
    spent: BTreeMap<(NodeId, [u8; 8]), Millis>,
}

/// Whether `w` is close enough to its junction to count.
fn due(p: &Params, w: &Want) -> bool {
    w.eta_s.is_some_and(|t| t <= p.activate_s) || w.distance_m.is_some_and(|d| d <= p.activate_m)
}

/// Weighs this turn's `wants` against the junctions' state at `now`, updating it, and says
/// what changed. A request not yet due changes nothing (it is asked again).
pub fn arbitrate(p: &Params, state: &mut Junctions, wants: &[Want], now: Millis) -> Vec<Change> {
    let Junctions { grants, spent } = state;
    let mut changes = Vec::new();
    for w in wants {
        if let Some(last) = spent.get_mut(&(w.intersection, w.vehicle)) {
            *last = now;
        }
    }
    spent.retain(|_, last| now - *last <= p.passed_ms);
    // The holders asking again, or withdrawing.
    for w in wants {
        let Some(g) = grants.get_mut(&w.intersection) else {
            continue;
        };
        if g.vehicle != w.vehicle {
            continue;
        }
        if w.withdrawn {
            let g = grants.remove(&w.intersection).expect("held");
            changes.push(Change::Ended(w.intersection, g, Ended::Withdrawn));
        } else {
            g.last_asked = now;
        }
    }
    // Grants whose vehicle went, or that have lasted long enough.
    let ended: Vec<(NodeId, Ended)> = grants
        .iter()
        .filter_map(|(n, g)| {
            if now >= g.until {
                Some((*n, Ended::HeldTooLong))
            } else if now - g.last_asked > p.passed_ms {
                Some((*n, Ended::Passed))
            } else {
                None
            }
        })
        .collect();
    for (n, why) in ended {
        let g = grants.remove(&n).expect("held");
        if why == Ended::HeldTooLong {
            spent.insert((n, g.vehicle), g.last_asked);
        }
        changes.push(Change::Ended(n, g, why));
    }
    // New requests, the higher rank first, then the earlier arrival.
    let mut new: Vec<&Want> = wants
        .iter()
        .filter(|w| !w.withdrawn && due(p, w))
        .filter(|w| {
            grants
                .get(&w.intersection)
                .is_none_or(|g| g.vehicle != w.vehicle)
        })
        .collect();
    new.sort_by(|a, b| {
        b.rank.cmp(&a.rank).then(
            a.eta_s
                .unwrap_or(f64::MAX)
                .total_cmp(&b.eta_s.unwrap_or(f64::MAX)),
        )
    });
    for w in new {
        let Some(rank) = w.rank else {
            changes.push(Change::Refused(
                w.intersection,
                w.clone(),
                Refused::NotEligible,
            ));
            continue;
        };
        if spent.contains_key(&(w.intersection, w.vehicle)) {
            changes.push(Change::Refused(
                w.intersection,
                w.clone(),
                Refused::HeldTooLong,
            ));
            continue;
        }
        match grants.get(&w.intersection) {
            // The same vehicle's request twice in one turn (two VIRs queued).
            Some(g) if g.vehicle == w.vehicle => continue,
            Some(g) if g.rank >= rank => {
                changes.push(Change::Refused(
                    w.intersection,
                    w.clone(),
                    Refused::JunctionHeld,
                ));
                continue;
            }
            Some(_) => {
                let g = grants.remove(&w.intersection).expect("held");
                changes.push(Change::Ended(w.intersection, g, Ended::Outranked));
            }
            None => {}
        }
        let g = Grant {
            vehicle: w.vehicle,
            req_id: w.req_id,
            phase: w.phase,
            rank,
            since: now,
            last_asked: now,
            until: now + (p.hold_max_s * 1_000.0) as Millis,
        };
        grants.insert(w.intersection, g.clone());
        changes.push(Change::Granted(w.intersection, g));
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: NodeId = NodeId { region: 1, id: 1 };
    const B: NodeId = NodeId { region: 1, id: 2 };

    fn want(vehicle: u8, at: NodeId, eta_s: f64, rank: Option<Rank>) -> Want {
        Want {
            vehicle: [vehicle; 8],
            req_id: 1,
            intersection: at,
            phase: 2,
            eta_s: Some(eta_s),
            distance_m: None,
            rank,
            withdrawn: false,
        }
    }

    fn kinds(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| match c {
                Change::Granted(n, g) => format!("granted {} to {}", n.id, g.vehicle[0]),
                Change::Ended(n, g, why) => format!("ended {} of {} {why:?}", n.id, g.vehicle[0]),
                Change::Refused(n, w, why) => {
                    format!("refused {} to {} {why:?}", n.id, w.vehicle[0])
                }
            })
            .collect()
    }

    /// Rows: the requests of one turn and what changes, turn after turn.
    #[test]
    fn scenario_table() {
        let p = Params::default();
        let em = Some(Rank::Emergency);
        let bus = Some(Rank::Transit);
        type Row = (Millis, Vec<Want>, Vec<&'static str>);
        let rows: Vec<(&str, Vec<Row>)> = vec![
            (
                "an emergency vehicle far off waits, then is granted, then passes",
                vec![
                    (0, vec![want(1, A, 40.0, em)], vec![]),
                    (15_000, vec![want(1, A, 24.0, em)], vec!["granted 1 to 1"]),
                    (16_000, vec![want(1, A, 23.0, em)], vec![]),
                    // It stopped asking: passed once passed_ms went by.
                    (18_000, vec![], vec![]),
                    (19_000, vec![], vec!["ended 1 of 1 Passed"]),
                ],
            ),
            (
                "a green wave: each junction as the vehicle comes near it",
                vec![
                    (
                        0,
                        vec![want(1, A, 10.0, em), want(1, B, 35.0, em)],
                        vec!["granted 1 to 1"],
                    ),
                    (
                        2_000,
                        vec![want(1, A, 8.0, em), want(1, B, 33.0, em)],
                        vec![],
                    ),
                    // Past A, it asks for B only.
                    (
                        9_000,
                        vec![want(1, B, 26.0, em)],
                        vec!["ended 1 of 1 Passed"],
                    ),
                    (10_000, vec![want(1, B, 24.0, em)], vec!["granted 2 to 1"]),
                ],
            ),
            (
                "two emergency vehicles at one junction: the first keeps it",
                vec![
                    (0, vec![want(1, A, 10.0, em)], vec!["granted 1 to 1"]),
                    (
                        1_000,
                        vec![want(1, A, 9.0, em), want(2, A, 5.0, em)],
                        vec!["refused 1 to 2 JunctionHeld"],
                    ),
                ],
            ),
            (
                "arriving together, the earlier arrival goes first",
                vec![(
                    0,
                    vec![want(1, A, 12.0, em), want(2, A, 6.0, em)],
                    vec!["granted 1 to 2", "refused 1 to 1 JunctionHeld"],
                )],
            ),
            (
                "an emergency vehicle outranks a bus",
                vec![
                    (0, vec![want(3, A, 10.0, bus)], vec!["granted 1 to 3"]),
                    (
                        1_000,
                        vec![want(3, A, 9.0, bus), want(1, A, 15.0, em)],
                        vec!["ended 1 of 3 Outranked", "granted 1 to 1"],
                    ),
                    (
                        2_000,
                        vec![want(3, A, 8.0, bus), want(1, A, 14.0, em)],
                        vec!["refused 1 to 3 JunctionHeld"],
                    ),
                ],
            ),
            (
                "a vehicle's two requests in one turn are one",
                vec![(
                    0,
                    vec![want(1, A, 12.0, em), want(1, A, 11.9, em)],
                    vec!["granted 1 to 1"],
                )],
            ),
            (
                "a car is not eligible",
                vec![(
                    0,
                    vec![want(5, A, 5.0, None)],
                    vec!["refused 1 to 5 NotEligible"],
                )],
            ),
            (
                "withdrawn, the junction goes back at once",
                vec![
                    (0, vec![want(1, A, 5.0, em)], vec!["granted 1 to 1"]),
                    (
                        500,
                        vec![Want {
                            withdrawn: true,
                            ..want(1, A, 4.0, em)
                        }],
                        vec!["ended 1 of 1 Withdrawn"],
                    ),
                ],
            ),
            (
                "never held beyond hold_max_s, however long the vehicle asks",
                vec![
                    (0, vec![want(1, A, 5.0, em)], vec!["granted 1 to 1"]),
                    (30_000, vec![want(1, A, 5.0, em)], vec![]),
                    (
                        60_000,
                        vec![want(1, A, 5.0, em)],
                        vec!["ended 1 of 1 HeldTooLong", "refused 1 to 1 HeldTooLong"],
                    ),
                    // Others may have it; it may once it has stopped asking.
                    (61_000, vec![want(2, A, 5.0, em)], vec!["granted 1 to 2"]),
                    (70_000, vec![], vec!["ended 1 of 2 Passed"]),
                    (71_000, vec![want(1, A, 5.0, em)], vec!["granted 1 to 1"]),
                ],
            ),
            (
                "close in distance counts when the time is not given",
                vec![(
                    0,
                    vec![Want {
                        eta_s: None,
                        distance_m: Some(200.0),
                        ..want(1, A, 0.0, em)
                    }],
                    vec!["granted 1 to 1"],
                )],
            ),
        ];
        for (name, turns) in rows {
            let mut state = Junctions::default();
            for (now, wants, expected) in turns {
                let got = kinds(&arbitrate(&p, &mut state, &wants, now));
                assert_eq!(got, expected, "{name} at {now} ms");
            }
        }
    }
}
