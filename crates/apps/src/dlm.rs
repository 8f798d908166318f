//! DLM, dynamic lane management (T/CSAE 157-2020, the RSC's lane coordination with
//! `dynamicLaneManagement` and `laneRestriction`): an operator closes a lane or gives it
//! over to other movements (`PUT /api/v1/lanes/{lane}`), and every vehicle coming along the
//! lane's link is told, with an RSC, before it gets there; when the rule is lifted or runs
//! out, those told hear that it no longer holds.
//!
//! Principle: a vehicle is told when it reports itself (it has a downlink) on the rule's link,
//! in any of its lanes (a vehicle beside a closed lane must not move into it), going the
//! link's way, within `notify_m` of the link's end ([`concerns`]); once per version of the
//! rule, and again after `repeat_ms` while it is still there (an RSC heard once may be
//! missed). The pipeline keeps the rules (`crates/pipeline/src/services.rs`); the RSC's
//! contents are `roadcloud_world::requests::lane_rule_answer`.

use crate::scene::Scene;
use crate::{Advisory, App, plugin};
use roadcloud_world::{LaneMatch, LaneRef};
use serde::{Deserialize, Serialize};

/// DLM's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// A vehicle is told this far from the end of the rule's link at most, metres.
    pub notify_m: f64,
    /// A vehicle still on the link is told again after this long, ms.
    pub repeat_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            notify_m: 500.0,
            repeat_ms: 10_000,
        }
    }
}

pub(crate) fn app() -> Box<dyn App> {
    plugin("DLM", "dynamic lane management", evaluate)
}

/// DLM advises nobody of its own: it tells the operators' rules.
fn evaluate(_: &Params, _: &Scene, _: &mut Vec<Advisory>) {}

/// Whether a vehicle matched to lane `m` is to be told of a rule for `lane`.
pub fn concerns(p: &Params, lane: &LaneRef, m: &LaneMatch) -> bool {
    m.lane.node == lane.node
        && m.lane.upstream == lane.upstream
        && !m.against
        && m.to_stop_line_m <= p.notify_m
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadcloud_world::map::NodeId;

    #[test]
    fn who_is_told() {
        let p = Params::default();
        let lane = |node, upstream, lane| LaneRef {
            node: NodeId {
                region: 1,
                id: node,
            },
            upstream: NodeId {
                region: 1,
                id: upstream,
            },
            lane,
        };
        let closed = lane(7, 6, 3);
        let at = |l: LaneRef, to_stop_line_m: f64, against: bool| LaneMatch {
            lane: l,
            offset_m: 0.0,
            to_stop_line_m,
            lane_heading_deg: 90.0,
            against,
            speed_limit_mps: None,
        };
        let cases = [
            (
                "in the lane, 100 m before the end",
                at(closed, 100.0, false),
                true,
            ),
            (
                "in the lane beside, same link",
                at(lane(7, 6, 2), 100.0, false),
                true,
            ),
            (
                "on the link but 800 m back",
                at(lane(7, 6, 2), 800.0, false),
                false,
            ),
            ("against the link's way", at(closed, 100.0, true), false),
            (
                "on the opposite link",
                at(lane(6, 7, 3), 100.0, false),
                false,
            ),
            (
                "on another approach to the junction",
                at(lane(7, 8, 3), 50.0, false),
                false,
            ),
        ];
        for (name, m, expect) in cases {
            assert_eq!(concerns(&p, &closed, &m), expect, "{name}");
        }
    }
}
