//! Differential corrections for the zone (T/CSAE 157-2020, differential data service): RTCM 3
//! from a configured source (an NTRIP caster's mountpoint or a base station's TCP stream),
//! checked frame by frame (CRC-24Q) and packed, as they come, into `RTCMcorrections`
//! messages of at most five frames each, for the RSUs to broadcast and the vehicles to feed
//! their GNSS receivers.
//!
//! - [`rtcm3`]: the RTCM 3 framing, resynchronising on a damaged stream;
//! - [`ntrip`]: the source's connection (NTRIP 1 and 2, or plain TCP);
//! - [`station`]: the reference station's position from its 1005/1006, which bounds who the
//!   corrections serve (the baseline);
//! - [`Packer`] and [`run`]: frames to messages, and the task that reconnects with back-off.
//!
//! Who receives each message is the caller's choice (roadcloud's world stage sends them to
//! the RSUs and vehicles within [`CorrectionsConfig::max_baseline_km`] of the station,
//! [`reaches`]).

#![warn(missing_docs)]

pub mod ntrip;
pub mod rtcm3;
pub mod station;

use ntrip::{SourceUrl, Stream};
use roadcloud_csae as csae;
use rtcm3::{Frame, Framer};
use serde::{Deserialize, Serialize};
use station::Station;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// Frames in one `RTCMcorrections` at most (`corrections SEQUENCE (SIZE(1..5))`).
pub const FRAMES_PER_MESSAGE: usize = 5;

/// How long the stream may pause before the frames held are sent: a base station sends an
/// epoch's frames back to back, then waits for the next epoch (typically a second).
const EPOCH_GAP: Duration = Duration::from_millis(50);

/// A source that sends nothing for this long is taken as dead and reconnected.
const STALE: Duration = Duration::from_secs(30);

/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Who receives the corrections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The RSUs, on `V2X/RSU/{id}/RTCM/DOWN`, to broadcast over PC5.
    Rsus,
    /// The vehicles that report themselves (BSM), on `V2X/OBU/{id}/RTCM/DOWN`.
    Vehicles,
}

/// What the relay does.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionsConfig {
    /// Where the corrections come from.
    pub source: SourceUrl,
    /// Who receives them.
    pub to: Vec<Target>,
    /// Only RSUs and vehicles within this distance of the reference station receive its
    /// corrections, km; before its position is known (no 1005/1006 yet), all do.
    pub max_baseline_km: f64,
}

/// One message for the downlinks, and the station it comes from as last known.
#[derive(Debug, Clone, PartialEq)]
pub struct Corrections {
    /// The message, each frame whole (preamble to CRC) in a `payload`, its message number
    /// as `rtcmID`.
    pub message: csae::RTCMcorrections,
    /// The reference station, once a 1005 or 1006 has told its position.
    pub station: Option<Station>,
}

/// Whether a receiver at `distance_m` from the station is served: within the baseline, or
/// anywhere while the station's position is unknown.
pub fn reaches(config: &CorrectionsConfig, distance_m: Option<f64>) -> bool {
    distance_m.is_none_or(|d| d <= config.max_baseline_km * 1000.0)
}

/// Frames to messages: at most [`FRAMES_PER_MESSAGE`] each, a message counter that wraps
/// at 128 (`MsgCount`), and the station from the latest 1005/1006.
#[derive(Debug, Default)]
pub struct Packer {
    held: Vec<Frame>,
    msg_cnt: u8,
    station: Option<Station>,
}

impl Packer {
    /// A packer with nothing held.
    pub fn new() -> Packer {
        Packer::default()
    }

    /// Takes `frame`; a message when it completes one.
    pub fn push(&mut self, frame: Frame) -> Option<Corrections> {
        if let Some(s) = Station::of(&frame) {
            self.station = Some(s);
        }
        self.held.push(frame);
        (self.held.len() >= FRAMES_PER_MESSAGE).then(|| self.flush())?
    }

    /// The frames held, as a message; `None` when none are.
    pub fn flush(&mut self) -> Option<Corrections> {
        if self.held.is_empty() {
            return None;
        }
        let corrections = self
            .held
            .drain(..)
            .map(|f| csae::RTCMmsg {
                // RTCM 10403.2 holds every message of 3.0 and 3.1 and is the newest RTCM 3
                // revision the standard's enumeration names.
                rev: Some(csae::RTCMRevision::RtcmRev3_2),
                rtcm_id: f.message_number().map(csae::Rtcmid),
                // A frame is at most 1,029 octets: within RTCM-Payload's 2,047.
                payload: csae::RTCMPayload(f.as_bytes().to_vec()),
            })
            .collect();
        let message = csae::RTCMcorrections {
            msg_cnt: csae::MsgCount(self.msg_cnt),
            corrections,
        };
        self.msg_cnt = (self.msg_cnt + 1) % 128;
        Some(Corrections {
            message,
            station: self.station,
        })
    }
}

/// What the relay's source did, for the metrics.
#[derive(Debug, Default)]
pub struct Counters {
    /// Frames that checked.
    pub frames: AtomicU64,
    /// Octets skipped (noise, damaged frames).
    pub skipped_octets: AtomicU64,
    /// Messages handed on.
    pub messages: AtomicU64,
    /// Messages dropped because the receiver was behind (corrections age fast: the next
    /// epoch's replace them).
    pub dropped: AtomicU64,
    /// Connections made to the source.
    pub connections: AtomicU64,
    /// 1 while connected.
    pub connected: AtomicU64,
    /// Messages sent to RSUs (one per RSU and message), by whoever delivers them.
    pub sent_to_rsus: AtomicU64,
    /// Messages sent to vehicles (one per vehicle and message).
    pub sent_to_vehicles: AtomicU64,
}

/// Reads `source` for as long as `out` is open: connects (again after any failure, waiting
/// 1 s, doubling to 30 s), frames what comes, and hands each message on without waiting
/// (dropped, and counted, when `out` is full).
pub async fn run(source: SourceUrl, out: mpsc::Sender<Corrections>, counters: Arc<Counters>) {
    let mut backoff = Duration::from_secs(1);
    let mut packer = Packer::new();
    while !out.is_closed() {
        match Stream::connect(&source).await {
            Ok(mut stream) => {
                tracing::info!("RTCM corrections from {source}");
                counters.connections.fetch_add(1, Ordering::Relaxed);
                counters.connected.store(1, Ordering::Relaxed);
                let ended = relay(&mut stream, &mut packer, &out, &counters).await;
                counters.connected.store(0, Ordering::Relaxed);
                if out.is_closed() {
                    return;
                }
                tracing::warn!("RTCM source {source}: {ended}; reconnecting");
                // It had worked: start the back-off afresh.
                backoff = Duration::from_secs(1);
            }
            Err(e) => tracing::warn!(
                "RTCM source {source}: {e}; trying again in {} s",
                backoff.as_secs()
            ),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = out.closed() => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Relays one connection's stream until it ends; why it ended.
async fn relay(
    stream: &mut Stream,
    packer: &mut Packer,
    out: &mpsc::Sender<Corrections>,
    counters: &Counters,
) -> String {
    let mut framer = Framer::new();
    let mut buf = Vec::with_capacity(4096);
    let hand_on = |c: Corrections| match out.try_send(c) {
        Ok(()) => counters.messages.fetch_add(1, Ordering::Relaxed),
        Err(_) => counters.dropped.fetch_add(1, Ordering::Relaxed),
    };
    let mut quiet = Duration::ZERO;
    loop {
        let read = tokio::select! {
            r = tokio::time::timeout(EPOCH_GAP, stream.read(&mut buf)) => r,
            _ = out.closed() => return "roadcloud is stopping".into(),
        };
        match read {
            Err(_) => {
                // A pause: the epoch is over, send what is held.
                if let Some(c) = packer.flush() {
                    hand_on(c);
                }
                quiet += EPOCH_GAP;
                if quiet >= STALE {
                    return format!("nothing for {} s", STALE.as_secs());
                }
            }
            Ok(Ok(0)) => {
                if let Some(c) = packer.flush() {
                    hand_on(c);
                }
                return "the source closed the stream".into();
            }
            Ok(Ok(_)) => {
                quiet = Duration::ZERO;
                let before = framer.skipped;
                for f in framer.push(&buf) {
                    counters.frames.fetch_add(1, Ordering::Relaxed);
                    if let Some(c) = packer.push(f) {
                        hand_on(c);
                    }
                }
                counters
                    .skipped_octets
                    .fetch_add(framer.skipped - before, Ordering::Relaxed);
            }
            Ok(Err(e)) => return e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u8) -> Frame {
        Frame::encode(&[0x43, 0x50, n]).unwrap()
    }

    #[test]
    fn five_frames_make_a_message_and_a_pause_sends_the_rest() {
        let mut p = Packer::new();
        for n in 0..4 {
            assert_eq!(p.push(frame(n)), None);
        }
        let c = p.push(frame(4)).unwrap();
        assert_eq!(c.message.corrections.len(), 5);
        assert_eq!(c.message.msg_cnt.0, 0);
        assert_eq!(c.message.corrections[0].rtcm_id, Some(csae::Rtcmid(1077)));
        assert_eq!(c.message.corrections[2].payload.0, frame(2).as_bytes());
        assert_eq!(c.station, None);
        assert_eq!(p.flush(), None);
        p.push(station::arp_1005(7, 31.28, 121.17, 10.0));
        let c = p.flush().unwrap();
        assert_eq!((c.message.corrections.len(), c.message.msg_cnt.0), (1, 1));
        assert_eq!(c.station.map(|s| s.id), Some(7));
        // The message is one the codec sends.
        let wire = csae::encode(&csae::MessageFrame::MsgFrameExt(csae::MessageFrameExt {
            value: csae::Day2Message::RtcmCorrections(c.message.clone()),
        }))
        .unwrap();
        match csae::decode(&wire).unwrap() {
            csae::MessageFrame::MsgFrameExt(e) => {
                assert_eq!(e.value, csae::Day2Message::RtcmCorrections(c.message))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_counter_wraps_at_128() {
        let mut p = Packer::new();
        let mut last = 0;
        for n in 0..130u32 {
            p.push(frame(n as u8));
            last = p.flush().unwrap().message.msg_cnt.0;
        }
        assert_eq!(last, 1);
    }

    #[test]
    fn the_baseline_bounds_who_is_served() {
        let c = CorrectionsConfig {
            source: SourceUrl::parse("tcp://h:1").unwrap(),
            to: vec![Target::Rsus],
            max_baseline_km: 20.0,
        };
        assert!(reaches(&c, None));
        assert!(reaches(&c, Some(19_999.0)));
        assert!(!reaches(&c, Some(20_001.0)));
    }
}
