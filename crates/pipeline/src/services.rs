//! The Day-2 services' side of the pipeline (T/CSAE 157-2020): vehicles' requests (VIR)
//! wait here until the applications' turn, when each is answered from the live world and
//! its answer queued for the vehicle's downlink.

use roadcloud_apps::Registry;
use roadcloud_apps::sds::{self, Seen};
use roadcloud_csae::{Day2Message, MessageFrame};
use roadcloud_transport::{DeviceId, MessageKind};
use roadcloud_world::requests::{Asks, Request, sensor_sharing_answer};
use roadcloud_world::tracks::SourceKey;
use roadcloud_world::{LocalFrame, Millis, Track};
use std::collections::VecDeque;

/// Requests waiting at most: beyond, the oldest goes (a flood of requests cannot grow the
/// queue).
const MAX_WAITING: usize = 1_024;

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

    /// Answers every waiting request from `tracks` (the zone's live tracks) at `now`.
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
        while let Some(r) = self.waiting.pop_front() {
            if now - r.generated_at > p.max_age_ms {
                continue;
            }
            let Asks::SensorSharing { area } = &r.asks;
            // Where the requester is now: its track, else where it asked from.
            let from = tracks
                .iter()
                .find(|t| t.vehicle == Some(r.vehicle))
                .map_or(r.position, |t| t.position);
            let seen: Vec<Seen> = tracks
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
                .map(|i| tracks[i])
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
