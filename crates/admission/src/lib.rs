//! Admission: what may enter the world model.
//!
//! A [`Frame`] is admitted when its topic is an uplink topic, its payload decodes as a
//! `MessageFrame` of the kind the topic names, its sender matches the topic (a vehicle cannot
//! publish as another vehicle or as an RSU), its generation time is within the configured
//! window of the reception time (the minute wrap of `secMark` handled), and its sender is
//! within its rate. Every rejection is counted per reason and per device.
//!
//! With a [`Security`] policy ([`decode_secured`]), a UPER payload must be a signed message
//! (IEEE 1609.2 `SignedData`, YD/T 3957-2021 §6.4) that the zone's trust store verifies, under
//! an AID its topic's message may come under, its claims (emergency status, position) within
//! what its certificate permits; the same signed message twice is a replay. Unsigned payloads,
//! and JSON topics, pass only when the policy allows unsigned input (`--allow-unsigned`).

#![warn(missing_docs)]

pub mod keeping_up;

use roadcloud_csae::{Day2Message, MessageFrame};
use roadcloud_security::profile;
use roadcloud_security::trust::{Failure, PendingSignature, TrustStore};
use roadcloud_transport::{DeviceId, DeviceKind, Encoding, Frame, MessageKind, Topic};
use roadcloud_world::resolve_sec_mark;
use std::sync::Arc;
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
    /// Not signed, where signatures are required.
    Unsigned,
    /// The signature does not verify.
    BadSignature,
    /// Signed by the digest of a certificate never seen.
    UnknownSigner,
    /// The signer's certificate does not chain to the zone's roots.
    UntrustedChain,
    /// Outside the certificate's validity, or past the message's expiry.
    Expired,
    /// The signer's certificate is revoked.
    Revoked,
    /// The certificate does not permit the message or what it claims.
    NotPermitted,
    /// The same signed message again.
    Replayed,
    /// The message's position is outside the certificate's region.
    OutsideRegion,
    /// Not taken while more arrived than the cores could verify: a vehicle's BSMs are
    /// thinned (its next one is taken), see docs/security.md#keeping-up.
    Shed,
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
            Reason::Unsigned => "unsigned",
            Reason::BadSignature => "bad_signature",
            Reason::UnknownSigner => "unknown_signer",
            Reason::UntrustedChain => "untrusted_chain",
            Reason::Expired => "expired",
            Reason::Revoked => "revoked",
            Reason::NotPermitted => "not_permitted",
            Reason::Replayed => "replayed",
            Reason::OutsideRegion => "outside_region",
            Reason::Shed => "shed",
        }
    }

    /// The reason of a verification failure.
    pub fn of_failure(f: &Failure) -> Reason {
        match f {
            Failure::Unsigned => Reason::Unsigned,
            Failure::Malformed(_) => Reason::Undecodable,
            Failure::BadSignature => Reason::BadSignature,
            Failure::UnknownSigner(_) => Reason::UnknownSigner,
            Failure::UntrustedChain(_) => Reason::UntrustedChain,
            Failure::Expired => Reason::Expired,
            Failure::Revoked => Reason::Revoked,
            Failure::NotPermitted(_) => Reason::NotPermitted,
            Failure::OutsideRegion => Reason::OutsideRegion,
            Failure::Stale(_) => Reason::Stale,
            Failure::Future(_) => Reason::Future,
        }
    }

    /// Every reason.
    pub const ALL: [Reason; 18] = [
        Reason::Topic,
        Reason::Undecodable,
        Reason::WrongMessage,
        Reason::Spoofed,
        Reason::Stale,
        Reason::Future,
        Reason::NoTime,
        Reason::RateLimited,
        Reason::Unsigned,
        Reason::BadSignature,
        Reason::UnknownSigner,
        Reason::UntrustedChain,
        Reason::Expired,
        Reason::Revoked,
        Reason::NotPermitted,
        Reason::Replayed,
        Reason::OutsideRegion,
        Reason::Shed,
    ];
}

/// A rejection: why, and a detail for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Why.
    pub reason: Reason,
    /// What exactly (e.g. the decoder's error).
    pub detail: String,
    /// For a message an OBU sent under another id ([`Reason::Spoofed`]): who sent it and as
    /// whom. Over an authenticated link only that OBU publishes on its topic, so it is a
    /// device posing as another (a Sybil; docs/misbehaviour.md#sybil).
    pub impostor: Option<Impostor>,
}

/// An OBU that sent a message under another vehicle's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Impostor {
    /// The OBU (its topic's device).
    pub device: DeviceId,
    /// The id the message carried.
    pub claimed: [u8; 8],
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
    /// Its signature, when the check was deferred: to be checked
    /// ([`TrustStore::complete`]) before the message starts a track or an advisory rests on
    /// it, and the outcome given to [`Admission::settle`].
    pub pending: Option<PendingSignature>,
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
    /// Its signature, when it came signed and verified.
    pub signature: Option<Signed>,
}

/// What admission keeps of a signature that holds (or whose check is deferred).
#[derive(Debug, Clone)]
pub struct Signed {
    /// What tells this signed message from every other (its signature's `s`), for replays.
    pub fingerprint: u128,
    /// The AID it was signed under.
    pub psid: u64,
    /// The signer certificate's HashedId8.
    pub signer: [u8; 8],
    /// The signature itself, when its check was deferred ([`decode_secured_deferring`]):
    /// whoever acts on the message checks it first
    /// ([`TrustStore::complete`]).
    pub pending: Option<PendingSignature>,
}

/// What admission asks of signatures (module docs).
#[derive(Debug, Clone)]
pub struct Security {
    /// The zone's trust store.
    pub store: Arc<TrustStore>,
    /// Whether unsigned payloads and JSON topics are admitted (`--allow-unsigned`).
    pub allow_unsigned: bool,
    /// The generation-time window (oldest and furthest ahead, milliseconds), checked on a
    /// signed message's header before its signature: a late message costs no verification.
    /// `None`: only the stateful half's check of `secMark`.
    pub window: Option<(i64, i64)>,
}

/// The stateless half of admission: the topic parses, the payload decodes as the message
/// the topic names, and its sender matches the topic. It fails only for a topic that names
/// no device (nothing to count the rejection against); every other rejection travels in
/// [`Decoded::message`] to be counted by [`Admission::admit_decoded`].
pub fn decode(frame: &Frame) -> Result<Decoded, Rejection> {
    decode_with(frame, |topic| (decode_message(topic, &frame.payload), None))
}

/// [`decode`] under a [`Security`] policy: a UPER payload is verified first (module docs);
/// verification is the costly part, and stateless, so it runs on the decoding threads.
pub fn decode_secured(frame: &Frame, security: &Security) -> Result<Decoded, Rejection> {
    decode_secured_deferring(frame, security, None)
}

/// [`decode_secured`], verifying on demand (docs/security.md#keeping-up): when the message is
/// signed by `defer_for` (a certificate whose signature from this sender verified a moment
/// ago), every check is made but the signature's, which travels in [`Signed::pending`] for
/// the world stage to check before the message starts a track or an advisory rests on it.
pub fn decode_secured_deferring(
    frame: &Frame,
    security: &Security,
    defer_for: Option<[u8; 8]>,
) -> Result<Decoded, Rejection> {
    decode_with(frame, |topic| {
        if topic.message == MessageKind::Heartbeat {
            return (decode_message(topic, &frame.payload), None);
        }
        match topic.encoding {
            Encoding::Json if security.allow_unsigned => {
                (decode_message(topic, &frame.payload), None)
            }
            Encoding::Json => (
                Err(reject(
                    Reason::Unsigned,
                    "JSON uplinks are unsigned; send signed UPER, or run with --allow-unsigned",
                )),
                None,
            ),
            Encoding::Uper => match verify_and_decode(topic, frame, security, defer_for) {
                Ok((m, signature)) => (Ok(m), signature),
                Err(r) => (Err(r), None),
            },
        }
    })
}

/// A frame not decoded at all because the decoding stage sheds load: counted against its
/// sender as [`Reason::Shed`].
pub fn shed(frame: &Frame, detail: &str) -> Result<Decoded, Rejection> {
    decode_with(frame, |_| (Err(reject(Reason::Shed, detail)), None))
}

/// The frame's topic, and what `message` makes of the frame under it; fails only for a
/// topic that names no device.
fn decode_with(
    frame: &Frame,
    message: impl FnOnce(&Topic) -> (Result<Message, Rejection>, Option<Signed>),
) -> Result<Decoded, Rejection> {
    let topic = Topic::parse(&frame.topic).map_err(|e| reject(Reason::Topic, e.to_string()))?;
    let (message, signature) = message(&topic);
    Ok(Decoded {
        topic,
        received_at: frame.received_at,
        message,
        signature,
    })
}

/// Whether decoding `frame` may verify a signature, the costly part of decoding: its payload
/// looks like a signed message. A bare `MessageFrame`, a JSON payload or a heartbeat is
/// decoded without one.
pub fn may_verify(frame: &Frame) -> bool {
    looks_signed(&frame.payload)
}

/// Whether a payload looks like a 1609.2 SPDU (protocol version 3, then a CHOICE tag) rather
/// than a bare `MessageFrame`.
fn looks_signed(payload: &[u8]) -> bool {
    payload.len() > 2 && payload[0] == 3 && payload[1] & 0xC0 == 0x80
}

type Message = (Uplink, Option<u16>);

fn verify_and_decode(
    topic: &Topic,
    frame: &Frame,
    security: &Security,
    defer_for: Option<[u8; 8]>,
) -> Result<(Message, Option<Signed>), Rejection> {
    let verified = match security.store.verify_deferring(
        &frame.payload,
        frame.received_at,
        security.window,
        defer_for,
    ) {
        Ok(v) => v,
        Err(Failure::Unsigned | Failure::Malformed(_)) if security.allow_unsigned => {
            return decode_message(topic, &frame.payload).map(|m| (m, None));
        }
        Err(Failure::Malformed(_)) if !looks_signed(&frame.payload) => {
            return Err(reject(
                Reason::Unsigned,
                "not a signed message; sign it (IEEE 1609.2), or run with --allow-unsigned",
            ));
        }
        Err(f) => return Err(reject(Reason::of_failure(&f), f.to_string())),
    };
    let kind = match topic.message {
        MessageKind::Bsm => profile::Message::Bsm,
        MessageKind::Map => profile::Message::Map,
        MessageKind::Spat => profile::Message::Spat,
        MessageKind::Rsi => profile::Message::Rsi,
        MessageKind::Rsm => profile::Message::Rsm,
        _ => profile::Message::Day2,
    };
    if !kind.allows(verified.psid) {
        return Err(reject(
            Reason::NotPermitted,
            format!(
                "{} is not sent under AID {}",
                topic.message.as_str(),
                verified.psid
            ),
        ));
    }
    let message = decode_message(topic, &verified.payload)?;
    if let (Uplink::Message(frame), _) = &message {
        // Claims the certificate must back (YD/T 3707 AIDs; 1609.2 5.2.4.3.x consistency).
        if let MessageFrame::BsmFrame(b) = frame
            && !profile::may_claim_emergency(verified.psid)
            && roadcloud_world::VehicleStatus::of_bsm(b).emergency
        {
            return Err(reject(
                Reason::NotPermitted,
                "claims an emergency vehicle's status without a special-vehicle AID",
            ));
        }
        if let Some((lat, lon)) = position(frame)
            && !verified.position_allowed(lat, lon)
        {
            return Err(reject(
                Reason::OutsideRegion,
                "the message's position is outside its certificate's region",
            ));
        }
    }
    Ok((
        message,
        Some(Signed {
            fingerprint: verified.fingerprint,
            psid: verified.psid,
            signer: verified.signer.digest,
            pending: verified.pending,
        }),
    ))
}

/// Where a message says it (or its sender) is, 1e-7 degree.
fn position(frame: &MessageFrame) -> Option<(i32, i32)> {
    let p = match frame {
        MessageFrame::BsmFrame(b) => &b.pos,
        MessageFrame::RsmFrame(r) => &r.ref_pos,
        MessageFrame::RsiFrame(r) => &r.ref_pos,
        _ => return None,
    };
    Some((p.lat.0, p.long.0))
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
#[derive(Debug)]
pub struct Admission {
    config: AdmissionConfig,
    devices: HashMap<DeviceId, DeviceStats>,
    /// Rejections whose sender is unknown (unparsable topic), by reason.
    anonymous: HashMap<Reason, u64>,
    /// Signed messages admitted lately, to drop replays.
    replays: ReplayWindow,
    signatures: Signatures,
}

/// How the messages admitted were signed and verified (docs/security.md#keeping-up).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signatures {
    /// Admitted with a signature verified before admission.
    pub verified: u64,
    /// Admitted with the signature's check deferred (verify on demand).
    pub deferred: u64,
    /// Deferred checks made later, because the message was about to start a track or an
    /// advisory was about to rest on it, that held.
    pub verified_later: u64,
    /// Deferred checks made later that failed: what the message said was undone.
    pub failed_later: u64,
    /// Admitted unsigned (`--allow-unsigned`, and RSU heartbeats, which carry nothing).
    pub unsigned: u64,
}

impl Signatures {
    /// The share of signed messages whose signature was checked, before admission or later;
    /// `None` before any.
    pub fn verified_share(&self) -> Option<f64> {
        let signed = self.verified + self.deferred;
        (signed > 0).then(|| (self.verified + self.verified_later) as f64 / signed as f64)
    }
}

/// The fingerprints of the signed messages admitted in the last two windows: a replay older
/// than that fails the generation-time window instead.
#[derive(Debug, Default)]
struct ReplayWindow {
    current: std::collections::HashSet<u128, foldhash::fast::RandomState>,
    previous: std::collections::HashSet<u128, foldhash::fast::RandomState>,
    started_at: i64,
    window_ms: i64,
}

impl ReplayWindow {
    fn rotate(&mut self, now: i64) {
        if now - self.started_at >= self.window_ms {
            self.previous = std::mem::take(&mut self.current);
            if now - self.started_at >= 2 * self.window_ms {
                self.previous.clear();
            }
            self.started_at = now;
        }
    }

    fn seen(&mut self, fingerprint: u128, now: i64) -> bool {
        self.rotate(now);
        self.current.contains(&fingerprint) || self.previous.contains(&fingerprint)
    }

    fn remember(&mut self, fingerprint: u128, now: i64) {
        self.rotate(now);
        self.current.insert(fingerprint);
    }
}

fn reject(reason: Reason, detail: impl Into<String>) -> Rejection {
    Rejection {
        reason,
        detail: detail.into(),
        impostor: None,
    }
}

impl Default for Admission {
    fn default() -> Self {
        Admission::new(AdmissionConfig::default())
    }
}

impl Admission {
    /// An admission stage with `config`.
    pub fn new(config: AdmissionConfig) -> Self {
        Admission {
            config,
            devices: HashMap::default(),
            anonymous: HashMap::default(),
            replays: ReplayWindow {
                window_ms: config.max_age_ms + config.max_future_ms,
                ..ReplayWindow::default()
            },
            signatures: Signatures::default(),
        }
    }

    /// How the messages admitted were signed and verified.
    pub fn signatures(&self) -> Signatures {
        self.signatures
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
            signature,
        } = decoded;
        let config = self.config;
        // A replay is checked before the rate, so it costs the replaying device its tokens
        // too; it is remembered only once admitted, so a rejected copy does not shadow the
        // original.
        let replayed = message.is_ok()
            && signature
                .as_ref()
                .is_some_and(|s| self.replays.seen(s.fingerprint, received_at));
        let message = if replayed {
            Err(reject(
                Reason::Replayed,
                "the same signed message was already admitted",
            ))
        } else {
            message
        };
        let d = self.devices.entry(topic.device).or_default();
        // The rate is checked first, so a flooding device is counted as such whatever it
        // sends.
        let result = take_token(&config, d, &topic, received_at)
            .and(message)
            .and_then(|(m, sec_mark)| check_time(&config, sec_mark, received_at).map(|_| m));
        d.kind = Some(topic.kind);
        d.last_seen = received_at;
        let mut came_online = false;
        let mut pending = None;
        match &result {
            Ok(_) => {
                d.admitted += 1;
                match signature {
                    Some(s) => {
                        self.replays.remember(s.fingerprint, received_at);
                        match s.pending {
                            Some(p) => {
                                self.signatures.deferred += 1;
                                pending = Some(p);
                            }
                            None => self.signatures.verified += 1,
                        }
                    }
                    None => self.signatures.unsigned += 1,
                }
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
            pending,
        })
    }

    /// Counts the outcome of a deferred signature check (see [`Admitted::pending`]) against
    /// the device that sent it: a failure counts as that device's rejection.
    pub fn settle(&mut self, device: DeviceId, outcome: &Result<(), Failure>) {
        match outcome {
            Ok(()) => self.signatures.verified_later += 1,
            Err(f) => {
                self.signatures.failed_later += 1;
                let d = self.devices.entry(device).or_default();
                *d.rejected.entry(Reason::of_failure(f)).or_default() += 1;
            }
        }
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

fn decode_message(topic: &Topic, payload: &[u8]) -> Result<(Uplink, Option<u16>), Rejection> {
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
    decode_frame(topic, payload).map(|(m, sec_mark)| (Uplink::Message(m), sec_mark))
}

fn decode_frame(topic: &Topic, payload: &[u8]) -> Result<(MessageFrame, Option<u16>), Rejection> {
    let message: MessageFrame = match topic.encoding {
        Encoding::Uper => roadcloud_csae::decode(payload)
            .map_err(|e| reject(Reason::Undecodable, e.to_string()))?,
        Encoding::Json => {
            let v: serde_json::Value = serde_json::from_slice(payload)
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
        (
            MessageFrame::MsgFrameExt(e),
            kind @ (MessageKind::Vir | MessageKind::Psm | MessageKind::Ssm | MessageKind::Pam),
        ) => match (&e.value, kind) {
            // A PAM names no sender and carries only the minute it was made.
            (Day2Message::Pam(_), MessageKind::Pam) => (None, None),
            (Day2Message::VehIntentionAndRequest(v), MessageKind::Vir) => {
                (Some(v.id), Some(v.sec_mark.0))
            }
            (Day2Message::SensorSharing(s), MessageKind::Ssm) => (Some(s.id), Some(s.sec_mark.0)),
            (Day2Message::PersonalSafety(p), MessageKind::Psm) => (Some(p.id), Some(p.sec_mark.0)),
            _ => {
                return Err(reject(
                    Reason::WrongMessage,
                    format!("topic {} carries another Day II message", kind.as_str()),
                ));
            }
        },
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
        return Err(Rejection {
            impostor: (topic.kind == DeviceKind::Obu).then_some(Impostor {
                device: topic.device,
                claimed: id,
            }),
            ..reject(
                Reason::Spoofed,
                format!(
                    "message id {} is not the topic's {}",
                    DeviceId(id),
                    topic.device
                ),
            )
        });
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
