//! The differential corrections' way out (T/CSAE 157-2020 differential data service): the
//! source's task (`roadcloud_corrections::run`) hands messages to the world stage, which
//! knows the RSUs and vehicles and sends each message to those within the baseline of the
//! reference station.

use roadcloud_corrections::{Corrections, CorrectionsConfig, Counters, Target, reaches};
use roadcloud_csae::{Day2Message, MessageFrame, MessageFrameExt};
use roadcloud_pipeline::Pipeline;
use roadcloud_transport::{DeviceId, MessageKind, rsu_downlink_topic, vehicle_downlink_topic};
use roadcloud_world::tracks::SourceKey;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::mpsc;

/// The world stage's side of the relay: its inbox from the source's task, and whom to send
/// to.
pub(crate) struct CorrectionsRelay {
    /// Messages from the source's task (bounded: the task drops, and counts, what does not
    /// fit).
    pub inbox: mpsc::Receiver<Corrections>,
    /// Whom, within what baseline.
    pub config: CorrectionsConfig,
    /// The relay's counters, shared with the source's task and the metrics.
    pub counters: Arc<Counters>,
}

impl CorrectionsRelay {
    /// The message `c` for each downlink it goes to: the RSUs (by the reference position
    /// of their latest RSM or RSI) and the vehicles that report themselves (by their
    /// track), within the baseline of the station.
    pub(crate) fn downlinks(&self, p: &Pipeline, c: Corrections) -> Vec<(String, Vec<u8>)> {
        let station = c.station.map(|s| p.frame.to_local(s.lat_deg, s.lon_deg));
        let served = |at| reaches(&self.config, station.map(|s| s.distance_to(at)));
        let mut topics = Vec::new();
        if self.config.to.contains(&Target::Rsus) {
            topics.extend(
                p.rsus
                    .iter()
                    .filter(|(_, at)| served(**at))
                    .map(|(rsu, _)| rsu_downlink_topic(*rsu, MessageKind::Rtcm)),
            );
        }
        let to_rsus = topics.len() as u64;
        if self.config.to.contains(&Target::Vehicles) {
            topics.extend(p.tracks().iter().filter_map(|t| {
                let v = t.vehicle?;
                let reports = t.sources.iter().any(|(k, _)| *k == SourceKey::Vehicle(v));
                (reports && served(t.position))
                    .then(|| vehicle_downlink_topic(DeviceId(v), MessageKind::Rtcm))
            }));
        }
        if topics.is_empty() {
            return Vec::new();
        }
        let frame = MessageFrame::MsgFrameExt(MessageFrameExt {
            value: Day2Message::RtcmCorrections(c.message),
        });
        let uper = match roadcloud_csae::encode(&frame) {
            Ok(uper) => uper,
            Err(e) => {
                tracing::warn!("RTCM corrections not encoded: {e}");
                return Vec::new();
            }
        };
        let counters = &self.counters;
        counters.sent_to_rsus.fetch_add(to_rsus, Ordering::Relaxed);
        counters
            .sent_to_vehicles
            .fetch_add(topics.len() as u64 - to_rsus, Ordering::Relaxed);
        topics.into_iter().map(|t| (t, uper.clone())).collect()
    }
}
