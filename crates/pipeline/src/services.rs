//! The Day-2 services' side of the pipeline (T/CSAE 157-2020): vehicles' requests (VIR)
//! wait here until the applications' turn, when each is answered from the live world and
//! its answer queued for the vehicle's downlink.

use roadcloud_apps::Registry;
use roadcloud_apps::sds::{self, Seen};
use roadcloud_csae::{Day2Message, MessageFrame};
use roadcloud_transport::{DeviceId, MessageKind};
use roadcloud_world::requests::{Asks, Request, sensor_sharing_answer};
use roadcloud_world::tracks::SourceKey;
use roadcloud_world::{LocalFrame, Millis, Point, Track};
use std::collections::VecDeque;

/// Requests waiting at most: beyond, the oldest goes (a flood of requests cannot grow the
/// queue).
const MAX_WAITING: usize = 1_024;

/// Requests answered in one applications' turn at most: the others wait for the next turn
/// (or expire), so a burst of requests cannot hold the world stage.
const MAX_PER_TURN: usize = 64;

/// The id roadcloud sends its own messages under (an SSM's `id`): "RDCLOUD" and a version
/// byte, in no device's range.
pub const CLOUD_ID: [u8; 8] = *b"RDCLOUD\x01";

/// A message for one vehicle's downlink (`V2X/OBU/{id}/{MSG}/DOWN`).
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleDownlink {
    /// The vehicle.
    pub vehicle: DeviceId,
    /// Which message (the topic's segment).
    pub message: MessageKind,
    /// The message.
    pub frame: MessageFrame,
}

/// Requests waiting for an answer, and the answers waiting to go out.
#[derive(Default)]
pub(crate) struct Services {
    waiting: VecDeque<Request>,
    answers: Vec<VehicleDownlink>,
    msg_cnt: u8,
    /// Requests answered.
    pub answered: u64,
    /// Participants shared in the answers, in all.
    pub shared: u64,
}

impl Services {
    /// Keeps `request` for the next answering turn, if a service that answers it is on.
    pub(crate) fn ask(&mut self, request: Request, apps: &Registry) {
        let on = match request.asks {
            Asks::SensorSharing { .. } => apps.enabled("SDS") == Some(true),
        };
        if !on {
            return;
        }
        if self.waiting.len() == MAX_WAITING {
            self.waiting.pop_front();
        }
        self.waiting.push_back(request);
    }

    /// Whether a request waits.
    pub(crate) fn has_waiting(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// Answers the waiting requests from `tracks` (the zone's live tracks) at `now`, at most
    /// [`MAX_PER_TURN`] of them; those older than SDS's `max_age_ms` are dropped.
    pub(crate) fn answer(
        &mut self,
        frame: &LocalFrame,
        tracks: &[&Track],
        apps: &Registry,
        now: Millis,
    ) {
        let Some(p) = apps.params::<sds::Params>("SDS") else {
            self.waiting.clear();
            return;
        };
        let mut answered = 0;
        while answered < MAX_PER_TURN
            && let Some(r) = self.waiting.pop_front()
        {
            if now - r.generated_at > p.max_age_ms {
                continue;
            }
            answered += 1;
            let Asks::SensorSharing { area } = &r.asks;
            // Where the requester is now: its track, else where it asked from.
            let from = tracks
                .iter()
                .find(|t| t.vehicle == Some(r.vehicle))
                .map_or(r.position, |t| t.position);
            // Only what may be shared (in the area's bounding box) or may hide something
            // (within sensor range) is weighed.
            let bounds = Bounds::of(area);
            let weighed: Vec<&Track> = tracks
                .iter()
                .copied()
                .filter(|t| {
                    from.distance_to(t.position) <= p.sensor_range_m
                        || bounds.is_some_and(|b| b.holds(t.position))
                })
                .collect();
            let seen: Vec<Seen> = weighed
                .iter()
                .map(|t| Seen {
                    position: t.position,
                    length_m: t.length_m,
                    width_m: t.width_m,
                    is_requester: t.vehicle == Some(r.vehicle),
                    reported_by_requester: t.sources.iter().any(
                        |(k, _)| matches!(k, SourceKey::Roadside { rsu, .. } if *rsu == r.vehicle),
                    ),
                })
                .collect();
            let chosen: Vec<&Track> = sds::hidden(&p, from, area, &seen)
                .into_iter()
                .map(|i| weighed[i])
                .collect();
            self.answered += 1;
            self.shared += chosen.len() as u64;
            // Nothing hidden there: an SSM needs at least one participant, so no answer.
            let Some(ssm) =
                sensor_sharing_answer(frame, CLOUD_ID, from, &chosen, self.msg_cnt, now)
            else {
                continue;
            };
            self.msg_cnt = self.msg_cnt.wrapping_add(1) % 128;
            self.answers.push(VehicleDownlink {
                vehicle: DeviceId(r.vehicle),
                message: MessageKind::Ssm,
                frame: MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
                    value: Day2Message::SensorSharing(ssm),
                }),
            });
        }
    }

    /// Takes the answers queued since the last call.
    pub(crate) fn take_answers(&mut self) -> Vec<VehicleDownlink> {
        std::mem::take(&mut self.answers)
    }
}

/// An area's bounding box, widened by its paths' half widths.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    min: Point,
    max: Point,
}

impl Bounds {
    fn of(area: &[(Vec<Point>, f64)]) -> Option<Bounds> {
        let mut b: Option<Bounds> = None;
        for (points, half_width_m) in area {
            for p in points {
                let (lo, hi) = (
                    Point {
                        east_m: p.east_m - half_width_m,
                        north_m: p.north_m - half_width_m,
                    },
                    Point {
                        east_m: p.east_m + half_width_m,
                        north_m: p.north_m + half_width_m,
                    },
                );
                b = Some(match b {
                    None => Bounds { min: lo, max: hi },
                    Some(b) => Bounds {
                        min: Point {
                            east_m: b.min.east_m.min(lo.east_m),
                            north_m: b.min.north_m.min(lo.north_m),
                        },
                        max: Point {
                            east_m: b.max.east_m.max(hi.east_m),
                            north_m: b.max.north_m.max(hi.north_m),
                        },
                    },
                });
            }
        }
        b
    }

    fn holds(&self, p: Point) -> bool {
        (self.min.east_m..=self.max.east_m).contains(&p.east_m)
            && (self.min.north_m..=self.max.north_m).contains(&p.north_m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(vehicle: u8, generated_at: Millis) -> Request {
        let at = Point {
            east_m: 0.0,
            north_m: 0.0,
        };
        Request {
            vehicle: [vehicle; 8],
            req_id: 1,
            position: at,
            generated_at,
            asks: Asks::SensorSharing {
                area: vec![(
                    vec![
                        at,
                        Point {
                            east_m: 0.0,
                            north_m: 100.0,
                        },
                    ],
                    4.0,
                )],
            },
        }
    }

    #[test]
    fn a_burst_of_requests_is_answered_a_turn_at_a_time_and_old_ones_expire() {
        let apps = Registry::new();
        let frame = LocalFrame::new(31.2866, 121.1655);
        let mut s = Services::default();
        for v in 0..100 {
            s.ask(request(v, 1_000), &apps);
        }
        s.answer(&frame, &[], &apps, 1_100);
        assert_eq!(s.answered, MAX_PER_TURN as u64);
        // The rest are older than max_age_ms (1 s) by the next turn: dropped unanswered.
        s.answer(&frame, &[], &apps, 2_500);
        assert_eq!(s.answered, MAX_PER_TURN as u64);
        assert!(!s.has_waiting());
        // With SDS off, nothing waits.
        let mut off = Registry::new();
        off.configure("SDS", Some(false), None).unwrap();
        s.ask(request(1, 3_000), &off);
        assert!(!s.has_waiting());
    }
}
