//! What crosses between roadcloud's processes, in a compact binary form with a version.
//!
//! A cluster's nodes (docs/scale.md) hand each other decoded uplinks (by the tile they
//! concern), downlinks (to the node holding the device's connection), their own records
//! (which tiles they hold, how far behind they are), views of their tracks (so every
//! node's API answers for the whole zone), snapshots of a partition's tracks (so its next
//! holder goes on with them) and the tracks near another node's tiles (its border
//! mirrors). Each crosses as one [`Message`] in an envelope:
//!
//! ```text
//! octet 0     VERSION (4)
//! octet 1     the message's TAG
//! octets 2..  the message, postcard (serde's compact varint form)
//! ```
//!
//! A node refuses what another version wrote ([`WireError::Version`]) rather than
//! misreading it: nodes of one cluster run one version (a rolling upgrade bumps
//! [`VERSION`] only when a message changes shape). What a message carries that a standard
//! defines travels in the standard's own form (a MessageFrame as UPER), so this crate
//! needs no codec of its own for it.
//!
//! The bytes come from the network: decoding never panics, and refuses more than
//! [`MAX_LEN`] octets before reading them (serde caps a sequence's preallocation, so a
//! forged length costs no memory either).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The envelope's version, octet 0.
pub const VERSION: u8 = 4;

/// The most octets an envelope may have (NATS's default largest payload, 1 MiB).
pub const MAX_LEN: usize = 1 << 20;

/// A message that crosses processes: its tag tells it from the others in the envelope.
pub trait Message: Serialize + DeserializeOwned {
    /// The envelope's octet 1 for this message.
    const TAG: u8;
    /// Its name, for errors.
    const NAME: &'static str;
}

/// Why octets are not a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// Fewer than the envelope's two octets.
    Truncated,
    /// Written by another version of roadcloud.
    Version {
        /// The version found.
        found: u8,
    },
    /// Another message than the one expected.
    Tag {
        /// The message expected.
        expected: &'static str,
        /// The tag found.
        found: u8,
    },
    /// Longer than [`MAX_LEN`].
    TooLong(usize),
    /// The message's body does not decode.
    Body(String),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Truncated => f.write_str("shorter than the wire envelope (2 octets)"),
            WireError::Version { found } => write!(
                f,
                "written by wire version {found}, this node reads {VERSION}: run one roadcloud version in a cluster"
            ),
            WireError::Tag { expected, found } => {
                write!(f, "expected a {expected}, found message tag {found}")
            }
            WireError::TooLong(n) => write!(f, "{n} octets, more than {MAX_LEN}"),
            WireError::Body(e) => write!(f, "body does not decode: {e}"),
        }
    }
}

impl std::error::Error for WireError {}

/// `m` in its envelope.
pub fn encode<M: Message>(m: &M) -> Vec<u8> {
    let out = vec![VERSION, M::TAG];
    // Writing to a Vec fails only when serde fails, which these plain types never do.
    postcard::to_extend(m, out).expect("wire messages always serialise")
}

/// The message of type `M` in `bytes`.
pub fn decode<M: Message>(bytes: &[u8]) -> Result<M, WireError> {
    if bytes.len() > MAX_LEN {
        return Err(WireError::TooLong(bytes.len()));
    }
    let [version, tag, body @ ..] = bytes else {
        return Err(WireError::Truncated);
    };
    if *version != VERSION {
        return Err(WireError::Version { found: *version });
    }
    if *tag != M::TAG {
        return Err(WireError::Tag {
            expected: M::NAME,
            found: *tag,
        });
    }
    postcard::from_bytes(body).map_err(|e| WireError::Body(e.to_string()))
}

/// An uplink past the stateless half of admission (its topic parsed, its signature
/// verified, its payload decoded), on its way to the node that owns the tile it concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uplink {
    /// The topic it came on (`V2X/OBU/{id}/BSM/UP`, ...).
    pub topic: String,
    /// When the first node received it, ms since the Unix epoch.
    pub received_at_ms: i64,
    /// What it carries.
    pub body: UplinkBody,
    /// Its message's `secMark` (T/CSAE 53-2020 DSecond, ms within the minute), if it has
    /// one.
    pub sec_mark: Option<u16>,
    /// Its signature, when it came signed and was verified by the first node.
    pub signature: Option<Signature>,
}

/// What an [`Uplink`] carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum UplinkBody {
    /// A MessageFrame, UPER-encoded (T/CSAE 53-2020 §5; also when it came as JSON).
    MessageFrame(Vec<u8>),
    /// An RSU's heartbeat.
    Heartbeat,
}

/// What admission keeps of a verified signature (IEEE 1609.2 `SignedData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// What tells this signed message from every other (its signature's `s`), for
    /// replays.
    pub fingerprint: u128,
    /// The PSID (AID) it was signed under.
    pub psid: u64,
    /// The signer certificate's HashedId8.
    pub signer: [u8; 8],
}

/// The uplinks one node routed to one tile partition from one batch, in the order they
/// came (so a device's messages stay in order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UplinkBatch {
    /// The uplinks.
    pub uplinks: Vec<Uplink>,
}

impl Message for UplinkBatch {
    const TAG: u8 = 1;
    const NAME: &'static str = "uplink batch";
}

/// A message to a device, from the node that found it to the node holding the device's
/// connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Downlink {
    /// The node that sent it (it has published it on its own front end already).
    pub from_node: String,
    /// The device's downlink topic.
    pub topic: String,
    /// The payload (JSON advisory, or UPER MessageFrame).
    pub payload: Vec<u8>,
}

impl Message for Downlink {
    const TAG: u8 = 2;
    const NAME: &'static str = "downlink";
}

/// A node's record in the cluster: who it is, where it listens, what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// Its `--node-id`.
    pub node_id: String,
    /// Its slot (0 to 63): the high bits of the track ids it starts.
    pub slot: u16,
    /// Its HTTP API's address.
    pub http: String,
    /// Its MQTT front end's address, if it runs one.
    pub mqtt: Option<String>,
    /// The tile partitions it holds leases on.
    pub partitions: Vec<u16>,
    /// Uplinks routed to its partitions and not yet taken in.
    pub lag: u64,
    /// Tracks in its world.
    pub participants: u64,
    /// When it wrote this record, ms since the Unix epoch.
    pub at_ms: i64,
}

impl Message for NodeRecord {
    const TAG: u8 = 3;
    const NAME: &'static str = "node record";
}

/// A node's participants, as the API lists them, for the other nodes' APIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneView {
    /// The node whose participants these are.
    pub node_id: String,
    /// When it took the view, ms since the Unix epoch.
    pub at_ms: i64,
    /// Its participants.
    pub participants: Vec<ParticipantView>,
}

impl Message for ZoneView {
    const TAG: u8 = 4;
    const NAME: &'static str = "zone view";
}

/// One participant in a [`ZoneView`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipantView {
    /// Its track id.
    pub track: u64,
    /// Its public id (the vehicle's id in hex, or the track's).
    pub id: String,
    /// Its kind (`vehicle`, `pedestrian`, ...).
    pub kind: String,
    /// WGS-84 latitude, degrees.
    pub lat_deg: f64,
    /// WGS-84 longitude, degrees.
    pub lon_deg: f64,
    /// Speed, m/s; `None`: unavailable.
    pub speed_mps: Option<f64>,
    /// Heading, degrees clockwise from north; `None`: unavailable.
    pub heading_deg: Option<f64>,
    /// When it was last seen, ms since the Unix epoch.
    pub at_ms: i64,
}

/// The tracks of one tile partition as its holder last saw them, for whoever holds it next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileSnapshot {
    /// The partition.
    pub partition: u16,
    /// When it was taken, ms since the Unix epoch.
    pub at_ms: i64,
    /// Its tracks, whole (sources, trail, lane).
    pub tracks: Vec<roadcloud_world::Track>,
}

impl Message for TileSnapshot {
    const TAG: u8 = 5;
    const NAME: &'static str = "tile snapshot";
}

/// A node's tracks that lie near tiles another node holds, for that node to hold as
/// mirrors (so its applications see across the border, and it takes a track over when the
/// vehicle crosses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirrorBatch {
    /// The node that owns them.
    pub from_node: String,
    /// The tracks, whole.
    pub tracks: Vec<roadcloud_world::Track>,
    /// What the owner last sent their vehicles for each condition that stands, so that
    /// the node taking one over does not send a standing warning again as new.
    pub standing: Vec<StandingAdvisory>,
    /// What the owner's misbehaviour detector knows of the senders whose last report lies
    /// near the other node's tiles, so that a liar quarantined here is still quarantined
    /// there, and the checks there compare its first reports with its last ones here.
    pub senders: Vec<SenderHandover>,
}

/// What a node's misbehaviour detector knows of one sender, as the sender crosses to
/// another node (docs/misbehaviour.md#in-a-cluster).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SenderHandover {
    /// The vehicle id.
    pub device: [u8; 8],
    /// Its trust score, 0 to 1.
    pub trust: f64,
    /// When the score was last brought up to date, ms since the Unix epoch.
    pub trust_at_ms: i64,
    /// Whether it is quarantined.
    pub quarantined: bool,
    /// How often it has been quarantined.
    pub quarantines: u32,
    /// Where it said it was when last quarantined.
    pub quarantined_where: Option<roadcloud_world::Point>,
    /// When its last report arrived, ms since the Unix epoch.
    pub last_seen_ms: i64,
    /// When it was first heard, ms since the Unix epoch.
    pub since_ms: i64,
    /// Since when it has been where a camera looks without being seen, ms since the Unix
    /// epoch.
    pub unseen_since_ms: Option<i64>,
    /// Since when every report of it has arrived late, ms since the Unix epoch.
    pub late_since_ms: Option<i64>,
    /// The vehicles that drove through it while it stood, with when they last did (ms
    /// since the Unix epoch).
    pub driven_through_by: Vec<([u8; 8], i64)>,
    /// Its reports of the last seconds, oldest first.
    pub recent: Vec<SenderReport>,
}

/// One report in a [`SenderHandover`]: when, where, and how the sender said it moved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SenderReport {
    /// When the sender measured it, ms since the Unix epoch.
    pub generated_at_ms: i64,
    /// Where, in the zone's local frame.
    pub position: roadcloud_world::Point,
    /// Speed, m/s.
    pub speed_mps: Option<f64>,
    /// Heading, degrees clockwise from north.
    pub heading_deg: Option<f64>,
    /// Longitudinal acceleration, m/s².
    pub accel_long_mps2: Option<f64>,
}

/// What a node last sent a vehicle for one condition (an application's scenario, the
/// vehicle, the first participant it was about).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandingAdvisory {
    /// The scenario (`FCW`, `EVW`, ...).
    pub scenario: String,
    /// The vehicle it went to.
    pub target: [u8; 8],
    /// Whom it was about.
    pub about: Option<About>,
    /// When it was sent, ms since the Unix epoch.
    pub at_ms: i64,
    /// Its severity: 0 info, 1 warning, 2 alert.
    pub severity: u8,
    /// When it expires, ms since the Unix epoch.
    pub expires_at_ms: i64,
}

/// Whom a [`StandingAdvisory`] was about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum About {
    /// A vehicle, by its id.
    Vehicle([u8; 8]),
    /// A track without a vehicle id.
    Track(u64),
    /// An RSI event or sign: its RSU, whether a sign, its id there.
    Rsi {
        /// The announcing RSU.
        rsu: [u8; 8],
        /// Sign (true) or event.
        sign: bool,
        /// Its id there.
        id: u8,
    },
    /// An obstacle a sensor reports: the sensor, its id there (since version 4).
    Obstacle {
        /// The RSU or vehicle that reports it.
        sensor: [u8; 8],
        /// Its id there.
        id: u16,
    },
}

impl Message for MirrorBatch {
    const TAG: u8 = 6;
    const NAME: &'static str = "mirror batch";
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn uplink(topic: String, uper: Vec<u8>, signed: Option<u128>) -> Uplink {
        Uplink {
            topic,
            received_at_ms: 1_764_000_000_123,
            body: UplinkBody::MessageFrame(uper),
            sec_mark: Some(59_999),
            signature: signed.map(|fingerprint| Signature {
                fingerprint,
                psid: 0x20,
                signer: [7; 8],
            }),
        }
    }

    #[test]
    fn a_batch_round_trips_in_a_compact_envelope() {
        let batch = UplinkBatch {
            uplinks: vec![
                uplink("V2X/OBU/0000000000000001/BSM/UP".into(), vec![1; 40], None),
                uplink(
                    "V2X/OBU/0000000000000002/BSM/UP".into(),
                    vec![2; 40],
                    Some(9),
                ),
            ],
        };
        let bytes = encode(&batch);
        assert_eq!(&bytes[..2], &[VERSION, UplinkBatch::TAG]);
        assert_eq!(decode::<UplinkBatch>(&bytes), Ok(batch));
        // Topic and payload dominate; the rest is a few varints per uplink.
        assert!(bytes.len() < 2 * (31 + 40 + 40), "{} octets", bytes.len());
    }

    #[test]
    fn another_version_or_message_is_refused() {
        let d = Downlink {
            from_node: "a".into(),
            topic: "t".into(),
            payload: vec![1],
        };
        let mut bytes = encode(&d);
        assert!(matches!(
            decode::<UplinkBatch>(&bytes),
            Err(WireError::Tag { found: 2, .. })
        ));
        bytes[0] = VERSION + 1;
        assert_eq!(
            decode::<Downlink>(&bytes),
            Err(WireError::Version { found: VERSION + 1 })
        );
        assert_eq!(decode::<Downlink>(&[1]), Err(WireError::Truncated));
        assert!(matches!(
            decode::<Downlink>(&vec![0; MAX_LEN + 1]),
            Err(WireError::TooLong(_))
        ));
    }

    #[test]
    fn standing_advisories_and_senders_travel_with_the_mirrors() {
        let batch = MirrorBatch {
            from_node: "node-a".into(),
            tracks: Vec::new(),
            standing: vec![
                StandingAdvisory {
                    scenario: "EVW".into(),
                    target: [1; 8],
                    about: Some(About::Vehicle([2; 8])),
                    at_ms: 1_764_000_000_000,
                    severity: 1,
                    expires_at_ms: 1_764_000_002_000,
                },
                StandingAdvisory {
                    scenario: "IVS".into(),
                    target: [1; 8],
                    about: Some(About::Rsi {
                        rsu: [3; 8],
                        sign: true,
                        id: 7,
                    }),
                    at_ms: 1_764_000_000_000,
                    severity: 0,
                    expires_at_ms: 1_764_000_001_000,
                },
            ],
            senders: vec![SenderHandover {
                device: [4; 8],
                trust: 0.25,
                trust_at_ms: 1_764_000_000_000,
                quarantined: true,
                quarantines: 1,
                quarantined_where: Some(roadcloud_world::Point {
                    east_m: -30.0,
                    north_m: 300.0,
                }),
                last_seen_ms: 1_764_000_000_020,
                since_ms: 1_763_999_990_000,
                unseen_since_ms: None,
                late_since_ms: Some(1_763_999_999_000),
                driven_through_by: vec![([5; 8], 1_763_999_999_500)],
                recent: vec![SenderReport {
                    generated_at_ms: 1_764_000_000_000,
                    position: roadcloud_world::Point {
                        east_m: -1.5,
                        north_m: 300.0,
                    },
                    speed_mps: Some(15.0),
                    heading_deg: Some(90.0),
                    accel_long_mps2: None,
                }],
            }],
        };
        assert_eq!(decode::<MirrorBatch>(&encode(&batch)), Ok(batch));
    }

    #[test]
    fn a_forged_length_costs_no_memory() {
        // An UplinkBatch claiming 2^63 uplinks, then nothing.
        let mut bytes = vec![VERSION, UplinkBatch::TAG];
        bytes.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert!(matches!(
            decode::<UplinkBatch>(&bytes),
            Err(WireError::Body(_))
        ));
    }

    proptest! {
        #[test]
        fn any_octets_decode_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode::<UplinkBatch>(&bytes);
            let _ = decode::<NodeRecord>(&bytes);
            let _ = decode::<ZoneView>(&bytes);
            let _ = decode::<Downlink>(&bytes);
            let _ = decode::<TileSnapshot>(&bytes);
            let _ = decode::<MirrorBatch>(&bytes);
        }

        #[test]
        fn uplinks_round_trip(topic in "[A-Z0-9/]{0,40}", uper in proptest::collection::vec(any::<u8>(), 0..100), signed in proptest::option::of(any::<u128>())) {
            let batch = UplinkBatch { uplinks: vec![uplink(topic, uper, signed)] };
            prop_assert_eq!(decode::<UplinkBatch>(&encode(&batch)), Ok(batch));
        }
    }
}
