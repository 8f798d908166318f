//! Admission: what may enter the world model.
//!
//! A [`Frame`] is admitted when its topic is an uplink topic, its payload decodes as a
//! `MessageFrame` of the kind the topic names, its sender matches the topic (a vehicle cannot
//! publish as another vehicle or as an RSU), its generation time is within the configured
//! window of the reception time (the minute wrap of `secMark` handled), and its sender is
//! within its rate. Every rejection is counted per reason and per device.

#![warn(missing_docs)]

use roadcloud_csae::{Day2Message, MessageFrame};
use roadcloud_transport::{DeviceId, DeviceKind, Encoding, Frame, MessageKind, Topic};
use roadcloud_world::resolve_sec_mark;
/// Maps keyed by what devices send (ids in topics and messages): a fast hash, but seeded per
/// process, so no one can precompute colliding ids to slow a map down.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Limits of admission.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdmissionConfig {
    /// Oldest generation time accepted, milliseconds before reception.
    pub max_age_ms: i64,
    /// Furthest generation time accepted in the future (sender clock ahead), milliseconds.
    pub max_future_ms: i64,
    /// Sustained messages per second per device (a vehicle sends BSM at 10 Hz; an RSU
    /// forwards many vehicles' BSMs, so RSUs get `rsu_rate_factor` times this).
    pub rate_per_s: f64,
    /// Messages a device may send at once above its rate.
    pub burst: f64,
    /// How many times a vehicle's rate an RSU may send.
    pub rsu_rate_factor: f64,
    /// How long a device may stay silent before it counts as offline, milliseconds.
    pub offline_after_ms: i64,
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        AdmissionConfig {
            max_age_ms: 2_000,
            max_future_ms: 500,
            rate_per_s: 20.0,
            burst: 40.0,
            rsu_rate_factor: 50.0,
            offline_after_ms: 10_000,
        }
    }
}

/// Why a frame was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The topic is not an uplink topic roadcloud takes.
    Topic,
    /// The payload does not decode.
    Undecodable,
    /// The frame is not the message its topic names.
    WrongMessage,
    /// The message's sender id is not the topic's device.
    Spoofed,
    /// Generated too long ago.
    Stale,
    /// Generated too far in the future.
    Future,
    /// No usable generation time (`secMark` 60000 and above).
    NoTime,
    /// Over the device's rate.
    RateLimited,
}

impl Reason {
    /// The name used in metrics and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Topic => "topic",
            Reason::Undecodable => "undecodable",
            Reason::WrongMessage => "wrong_message",
            Reason::Spoofed => "spoofed",
            Reason::Stale => "stale",
            Reason::Future => "future",
            Reason::NoTime => "no_time",
            Reason::RateLimited => "rate_limited",
        }
    }

    /// Every reason.
    pub const ALL: [Reason; 8] = [
        Reason::Topic,
        Reason::Undecodable,
        Reason::WrongMessage,
        Reason::Spoofed,
        Reason::Stale,
        Reason::Future,
        Reason::NoTime,
        Reason::RateLimited,
    ];
}

/// A rejection: why, and a detail for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Why.
    pub reason: Reason,
    /// What exactly (e.g. the decoder's error).
    pub detail: String,
}

/// What an admitted uplink carries.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every uplink is a message; boxing it would cost an allocation each"
)]
pub enum Uplink {
    /// A standard message.
    Message(MessageFrame),
    /// An RSU's heartbeat (`V2X/RSU/{id}/HB/UP`): it says the RSU is alive and changes
    /// nothing in the world. Its payload, which no standard defines, is not read.
    Heartbeat,
}

/// An admitted message.
#[derive(Debug, Clone)]
pub struct Admitted {
    /// Its topic.
    pub topic: Topic,
    /// What it carries.
    pub message: Uplink,
    /// When it was received, ms since the epoch.
    pub received_at: i64,
    /// Whether its sender was offline (never heard from, or silent too long) until now.
    pub came_online: bool,
}

/// A frame through the stateless half of admission ([`decode`]): its topic, and its message
/// or why it cannot be one. The stateful half ([`Admission::admit_decoded`]) takes it from
/// there; the two can run on different threads.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The frame's topic.
    pub topic: Topic,
    /// When it was received, ms since the epoch.
    pub received_at: i64,
    /// The message and its `secMark`, if it has one, or why it is turned away.
    pub message: Result<(Uplink, Option<u16>), Rejection>,
}

/// The stateless half of admission: the topic parses, the payload decodes as the message
/// the topic names, and its sender matches the topic. It fails only for a topic that names
/// no device (nothing to count the rejection against); every other rejection travels in
/// [`Decoded::message`] to be counted by [`Admission::admit_decoded`].
pub fn decode(frame: &Frame) -> Result<Decoded, Rejection> {
    let topic = Topic::parse(&frame.topic).map_err(|e| reject(Reason::Topic, e.to_string()))?;
    let message = decode_message(&topic, frame);
    Ok(Decoded {
        topic,
        received_at: frame.received_at,
        message,
    })
}

/// What admission knows of one device.
#[derive(Debug, Clone, Default)]
pub struct DeviceStats {
    /// RSU or OBU.
    pub kind: Option<DeviceKind>,
    /// Messages admitted.
    pub admitted: u64,
    /// Rejections by reason.
    pub rejected: HashMap<Reason, u64>,
    /// When it last sent anything, ms since the epoch.
    pub last_seen: i64,
    /// Its last admitted message's kind.
    pub last_message: Option<MessageKind>,
    /// Whether it counts as online: admitted recently (see [`Admission::expire`]).
    pub online: bool,
    /// Admitted messages per second over the last full second.
    rate_per_s: f64,
    /// The second being counted: when it began and how many so far.
    window: (i64, u32),
    /// Token bucket: tokens left and when last refilled.
    tokens: f64,
    refilled_at: i64,
}

impl DeviceStats {
    /// Admitted messages per second, over the last counted second.
    pub fn rate_per_s(&self) -> f64 {
        self.rate_per_s
    }
}

/// The admission stage.
#[derive(Debug, Default)]
pub struct Admission {
    config: AdmissionConfig,
    devices: HashMap<DeviceId, DeviceStats>,
    /// Rejections whose sender is unknown (unparsable topic), by reason.
    anonymous: HashMap<Reason, u64>,
}

fn reject(reason: Reason, detail: impl Into<String>) -> Rejection {
    Rejection {
        reason,
        detail: detail.into(),
    }
}

impl Admission {
    /// An admission stage with `config`.
    pub fn new(config: AdmissionConfig) -> Self {
        Admission {
            config,
            ..Admission::default()
        }
    }

    /// What is known of each device.
    pub fn devices(&self) -> &HashMap<DeviceId, DeviceStats> {
        &self.devices
    }

    /// Rejections by reason, all devices together.
    pub fn rejections(&self) -> HashMap<Reason, u64> {
        let mut out = self.anonymous.clone();
        for d in self.devices.values() {
            for (r, n) in &d.rejected {
                *out.entry(*r).or_default() += n;
            }
        }
        out
    }

    /// Admits or rejects one frame, counting the outcome: [`decode`], then
    /// [`admit_decoded`](Self::admit_decoded).
    pub fn admit(&mut self, frame: &Frame) -> Result<Admitted, Rejection> {
        let decoded = decode(frame).inspect_err(|r| self.count_anonymous(r))?;
        self.admit_decoded(decoded)
    }

    /// Counts a rejection of [`decode`] that names no device.
    pub fn count_anonymous(&mut self, r: &Rejection) {
        *self.anonymous.entry(r.reason).or_default() += 1;
    }

    /// The stateful half of admission: the sender's rate, and the generation time's window.
    /// Counts the outcome, including a rejection [`decode`] found.
    pub fn admit_decoded(&mut self, decoded: Decoded) -> Result<Admitted, Rejection> {
        let Decoded {
            topic,
            received_at,
            message,
        } = decoded;
        let config = self.config;
        let d = self.devices.entry(topic.device).or_default();
        // The rate is checked first, so a flooding device is counted as such whatever it
        // sends.
        let result = take_token(&config, d, &topic, received_at)
            .and(message)
            .and_then(|(m, sec_mark)| check_time(&config, sec_mark, received_at).map(|_| m));
        d.kind = Some(topic.kind);
        d.last_seen = received_at;
        let mut came_online = false;
        match &result {
            Ok(_) => {
                d.admitted += 1;
                d.last_message = Some(topic.message);
                came_online = !d.online;
                d.online = true;
                let (start, n) = d.window;
                let elapsed = received_at - start;
                if elapsed >= 1_000 {
                    // A window that ended long ago says the rate was low, not n per second.
                    d.rate_per_s = f64::from(n) * 1_000.0 / elapsed as f64;
                    d.window = (received_at, 1);
                } else {
                    d.window.1 += 1;
                }
            }
            Err(r) => *d.rejected.entry(r.reason).or_default() += 1,
        }
        result.map(|message| Admitted {
            topic,
            message,
            received_at,
            came_online,
        })
    }

    /// Lets time pass to `now`: devices silent for longer than `offline_after_ms` go
    /// offline. Returns them.
    pub fn expire(&mut self, now: i64) -> Vec<(DeviceId, DeviceKind)> {
        let after = self.config.offline_after_ms;
        let mut gone = Vec::new();
        for (id, d) in &mut self.devices {
            if d.online && now - d.last_seen > after {
                d.online = false;
                if let Some(kind) = d.kind {
                    gone.push((*id, kind));
                }
            }
        }
        gone
    }
}

fn decode_message(topic: &Topic, frame: &Frame) -> Result<(Uplink, Option<u16>), Rejection> {
    if topic.message == MessageKind::Heartbeat {
        // The topic layout gives heartbeats to RSUs only; what they carry has no time to
        // check (the rate limit still applies).
        return match topic.kind {
            DeviceKind::Rsu => Ok((Uplink::Heartbeat, None)),
            DeviceKind::Obu => Err(reject(
                Reason::WrongMessage,
                "only roadside units send heartbeats",
            )),
        };
    }
    decode_frame(topic, frame).map(|(m, sec_mark)| (Uplink::Message(m), sec_mark))
}

fn decode_frame(topic: &Topic, frame: &Frame) -> Result<(MessageFrame, Option<u16>), Rejection> {
    let message: MessageFrame = match topic.encoding {
        Encoding::Uper => roadcloud_csae::decode(&frame.payload)
            .map_err(|e| reject(Reason::Undecodable, e.to_string()))?,
        Encoding::Json => {
            let v: serde_json::Value = serde_json::from_slice(&frame.payload)
                .map_err(|e| reject(Reason::Undecodable, format!("not JSON: {e}")))?;
            roadcloud_per::from_json(&v).map_err(|e| reject(Reason::Undecodable, e.to_string()))?
        }
    };
    let (sender, sec_mark) = match (&message, topic.message) {
        (MessageFrame::BsmFrame(b), MessageKind::Bsm) => (Some(b.id), Some(b.sec_mark.0)),
        (MessageFrame::RsmFrame(r), MessageKind::Rsm) => {
            (Some(r.id), r.participants.0.first().map(|p| p.sec_mark.0))
        }
        (MessageFrame::RsiFrame(r), MessageKind::Rsi) => (Some(r.id), None),
        (MessageFrame::SpatFrame(s), MessageKind::Spat) => (None, s.time_stamp.map(|t| t.0)),
        (MessageFrame::MapFrame(_), MessageKind::Map) => (None, None),
        (MessageFrame::MsgFrameExt(e), kind @ (MessageKind::Vir | MessageKind::Psm)) => {
            match (&e.value, kind) {
                (Day2Message::VehIntentionAndRequest(v), MessageKind::Vir) => {
                    (Some(v.id), Some(v.sec_mark.0))
                }
                (Day2Message::PersonalSafety(p), MessageKind::Psm) => {
                    (Some(p.id), Some(p.sec_mark.0))
                }
                _ => {
                    return Err(reject(
                        Reason::WrongMessage,
                        format!("topic {} carries another Day II message", kind.as_str()),
                    ));
                }
            }
        }
        _ => {
            return Err(reject(
                Reason::WrongMessage,
                format!("topic {} carries another message", topic.message.as_str()),
            ));
        }
    };
    // An RSU forwards the BSMs and PSMs of those it hears, so only a device's own BSM or PSM,
    // and an RSU's own RSM and RSI, must carry the topic's id.
    let must_match = !(topic.kind == DeviceKind::Rsu
        && matches!(topic.message, MessageKind::Bsm | MessageKind::Psm));
    if let Some(id) = sender
        && must_match
        && id != topic.device.0
    {
        return Err(reject(
            Reason::Spoofed,
            format!(
                "message id {} is not the topic's {}",
                DeviceId(id),
                topic.device
            ),
        ));
    }
    Ok((message, sec_mark))
}

fn check_time(
    config: &AdmissionConfig,
    sec_mark: Option<u16>,
    received_at: i64,
) -> Result<(), Rejection> {
    if let Some(sm) = sec_mark {
        let generated = resolve_sec_mark(sm, received_at)
            .ok_or_else(|| reject(Reason::NoTime, format!("secMark {sm}")))?;
        let age = received_at - generated;
        if age > config.max_age_ms {
            return Err(reject(
                Reason::Stale,
                format!("generated {age} ms before reception"),
            ));
        }
        if -age > config.max_future_ms {
            return Err(reject(
                Reason::Future,
                format!("generated {} ms after reception", -age),
            ));
        }
    }
    Ok(())
}

fn take_token(
    c: &AdmissionConfig,
    d: &mut DeviceStats,
    topic: &Topic,
    now: i64,
) -> Result<(), Rejection> {
    let factor = if topic.kind == DeviceKind::Rsu {
        c.rsu_rate_factor
    } else {
        1.0
    };
    let (rate, burst) = (c.rate_per_s * factor, c.burst * factor);
    if d.refilled_at == 0 {
        d.tokens = burst;
    } else {
        let dt = (now - d.refilled_at).max(0) as f64 / 1000.0;
        d.tokens = (d.tokens + dt * rate).min(burst);
    }
    d.refilled_at = now;
    if d.tokens < 1.0 {
        return Err(reject(
            Reason::RateLimited,
            format!("over {rate} messages/s"),
        ));
    }
    d.tokens -= 1.0;
    Ok(())
}
