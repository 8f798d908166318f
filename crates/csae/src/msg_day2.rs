//! ASN.1 module `MsgDayII` of T/CSAE 157-2020: the Day II message container.
//!
//! ```asn1
//! MessageFrameExt ::= SEQUENCE {
//!     messageId MESSAGE-ID-AND-TYPE.&id({MessageTypes}),
//!     value MESSAGE-ID-AND-TYPE.&Type({MessageTypes}{@.messageId}),
//!     ...
//! }
//! ```
//!
//! `value` is an open type whose type `messageId` selects. Decoding resolves it into a typed
//! [`Day2Message`], not opaque octets. An id the standard does not (yet) define is kept as
//! [`Day2Message::Unknown`] with its octets, since the information object set is extensible.

use crate::*;
use roadcloud_per::{
    AsnType, BitReader, BitWriter, Error, Generate, Jer, Result, Uper, arbitrary, jer,
    serde_json::{Map, Value},
    uper,
};

/// `ExtMsgID ::= INTEGER (0..32767)`: which Day II message a [`MessageFrameExt`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 32767), name = "ExtMsgID")]
pub struct ExtMsgId(pub u16);

impl ExtMsgId {
    /// `testData ExtMsgID ::= 0`.
    pub const TEST_DATA: Self = Self(0);
    /// `rtcmData ExtMsgID ::= 10`.
    pub const RTCM_DATA: Self = Self(10);
    /// `rscData ExtMsgID ::= 11`.
    pub const RSC_DATA: Self = Self(11);
    /// `ssmData ExtMsgID ::= 12`.
    pub const SSM_DATA: Self = Self(12);
    /// `virData ExtMsgID ::= 13`.
    pub const VIR_DATA: Self = Self(13);
    /// `pamData ExtMsgID ::= 14`.
    pub const PAM_DATA: Self = Self(14);
    /// `psmData ExtMsgID ::= 15`.
    pub const PSM_DATA: Self = Self(15);
    /// `clpmmData ExtMsgID ::= 16`.
    pub const CLPMM_DATA: Self = Self(16);
    /// `vpmData ExtMsgID ::= 17`.
    pub const VPM_DATA: Self = Self(17);
}

/// A Day II message, typed by its `messageId` (the information object set `MessageTypes`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // mirrors the standard; a frame is short-lived
pub enum Day2Message {
    /// `TestMsg`, id 0.
    TestMsg(TestMsg),
    /// `RTCMcorrections`, id 10.
    RtcmCorrections(RTCMcorrections),
    /// `RoadsideCoordination` (RSC), id 11.
    RoadsideCoordination(RoadsideCoordination),
    /// `SensorSharingMsg` (SSM), id 12.
    SensorSharing(SensorSharingMsg),
    /// `VehIntentionAndRequest` (VIR), id 13.
    VehIntentionAndRequest(VehIntentionAndRequest),
    /// `PAMData`, id 14.
    Pam(PAMData),
    /// `PersonalSafetyMessage` (PSM), id 15.
    PersonalSafety(PersonalSafetyMessage),
    /// `CLPMM` (platooning management), id 16.
    Clpmm(Clpmm),
    /// `VehiclePaymentMessage` (VPM), id 17.
    VehiclePayment(VehiclePaymentMessage),
    /// A message id this version of the standard does not define, with its UPER octets.
    Unknown {
        /// Its `messageId`.
        message_id: ExtMsgId,
        /// The open type's contents.
        octets: Vec<u8>,
    },
}

/// Calls `$mac` with the list of known Day II messages: (id constant, variant, type).
macro_rules! for_each_day2 {
    ($mac:ident) => {
        $mac! {
            (TEST_DATA, TestMsg, TestMsg),
            (RTCM_DATA, RtcmCorrections, RTCMcorrections),
            (RSC_DATA, RoadsideCoordination, RoadsideCoordination),
            (SSM_DATA, SensorSharing, SensorSharingMsg),
            (VIR_DATA, VehIntentionAndRequest, VehIntentionAndRequest),
            (PAM_DATA, Pam, PAMData),
            (PSM_DATA, PersonalSafety, PersonalSafetyMessage),
            (CLPMM_DATA, Clpmm, Clpmm),
            (VPM_DATA, VehiclePayment, VehiclePaymentMessage)
        }
    };
}

macro_rules! day2_impl {
    ($(($id:ident, $variant:ident, $ty:ty)),*) => {
        impl Day2Message {
            /// The `messageId` that identifies this message.
            pub fn message_id(&self) -> ExtMsgId {
                match self {
                    $(Day2Message::$variant(_) => ExtMsgId::$id,)*
                    Day2Message::Unknown { message_id, .. } => *message_id,
                }
            }

            /// Whether this version of the standard defines a message with id `id`.
            pub fn is_known(id: ExtMsgId) -> bool {
                matches!(id, $(ExtMsgId::$id)|*)
            }

            /// The ASN.1 name of the message type, or `None` for an unknown id.
            pub fn type_name(&self) -> Option<&'static str> {
                match self {
                    $(Day2Message::$variant(_) => Some(<$ty as AsnType>::NAME),)*
                    Day2Message::Unknown { .. } => None,
                }
            }

            fn encode_value(&self, w: &mut BitWriter) -> Result<()> {
                match self {
                    $(Day2Message::$variant(v) => v.encode_uper(w),)*
                    Day2Message::Unknown { octets, .. } => {
                        w.write_octets(octets);
                        Ok(())
                    }
                }
            }

            fn decode_value(id: ExtMsgId, r: &mut BitReader<'_>) -> Result<Self> {
                Ok(match id {
                    $(ExtMsgId::$id => Day2Message::$variant(<$ty>::decode_uper(r)?),)*
                    message_id => {
                        let mut octets = Vec::new();
                        let n = r.remaining() / 8;
                        r.read_octets_into(n, &mut octets)?;
                        r.split_window(r.remaining())?;
                        Day2Message::Unknown { message_id, octets }
                    }
                })
            }

            fn value_to_jer(&self) -> Value {
                match self {
                    $(Day2Message::$variant(v) => v.to_jer(),)*
                    Day2Message::Unknown { octets, .. } => jer::octets_to(octets),
                }
            }

            fn value_from_jer(id: ExtMsgId, v: &Value) -> Result<Self> {
                Ok(match id {
                    $(ExtMsgId::$id => Day2Message::$variant(<$ty>::from_jer(v)?),)*
                    message_id => Day2Message::Unknown {
                        message_id,
                        octets: jer::octets_from(v, uper::Size::UNBOUNDED)?,
                    },
                })
            }

            fn generate(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Self> {
                let all: &[fn(&mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Day2Message>] = &[
                    $(|u| Ok(Day2Message::$variant(<$ty>::generate(u)?)),)*
                ];
                (u.choose(all)?)(u)
            }
        }
    };
}
for_each_day2!(day2_impl);

/// `MessageFrameExt`: a Day II message and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageFrameExt {
    /// The message; its `messageId` follows from it.
    pub value: Day2Message,
}

impl MessageFrameExt {
    /// The `messageId` component.
    pub fn message_id(&self) -> ExtMsgId {
        self.value.message_id()
    }
}

impl AsnType for MessageFrameExt {
    const NAME: &'static str = "MessageFrameExt";
}

impl Uper for MessageFrameExt {
    fn encode_uper(&self, w: &mut BitWriter) -> Result<()> {
        w.write_bit(false); // no extension additions
        self.message_id()
            .encode_uper(w)
            .map_err(|e| e.in_component("messageId"))?;
        uper::encode_open_type(w, |w| self.value.encode_value(w))
            .map_err(|e| e.in_component("value"))
    }

    fn decode_uper(r: &mut BitReader<'_>) -> Result<Self> {
        let has_ext = r.read_bit()?;
        let id = ExtMsgId::decode_uper(r).map_err(|e| e.in_component("messageId"))?;
        let value = uper::decode_open_type(r, |r| Day2Message::decode_value(id, r))
            .map_err(|e| e.in_component("value"))?;
        if has_ext {
            uper::decode_extension_additions(r, 0, |_, _| Ok(()))?;
        }
        Ok(MessageFrameExt { value })
    }
}

/// JSON: `{"messageId": 12, "value": {...}}` with `value` in the JSON form of the message type
/// (X.697 encodes an open type as its actual value). On input `value` may also be the hex of
/// the message's UPER octets, as in the reference vectors.
impl Jer for MessageFrameExt {
    fn to_jer(&self) -> Value {
        let mut m = Map::new();
        m.insert("messageId".into(), self.message_id().to_jer());
        m.insert("value".into(), self.value.value_to_jer());
        Value::Object(m)
    }

    fn from_jer(v: &Value) -> Result<Self> {
        let o = jer::sequence(v, &["messageId", "value"])?;
        let id = ExtMsgId::from_jer(jer::required(o, "messageId")?)
            .map_err(|e| e.in_component("messageId"))?;
        let raw = jer::required(o, "value")?;
        let value = match raw.as_str() {
            // A known message given as the hex of its UPER octets, as the reference vectors do.
            Some(_) if Day2Message::is_known(id) => jer::octets_from(raw, uper::Size::UNBOUNDED)
                .and_then(|octets| {
                    uper::decode_complete(&octets, |r| Day2Message::decode_value(id, r))
                }),
            _ => Day2Message::value_from_jer(id, raw),
        }
        .map_err(|e: Error| e.in_component("value"))?;
        Ok(MessageFrameExt { value })
    }
}

impl Generate for MessageFrameExt {
    fn generate(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Self> {
        Ok(MessageFrameExt {
            value: Day2Message::generate(u)?,
        })
    }
}
