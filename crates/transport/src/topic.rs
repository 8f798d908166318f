//! The MQTT topic layout.
//!
//! | sender | uplink | downlink |
//! | --- | --- | --- |
//! | roadside unit | `V2X/RSU/{rsuId}/{BSM\|RSM\|SPAT\|MAP\|RSI}/UP` | `V2X/RSU/{rsuId}/{RSI\|RSM\|SSM\|MAP\|SPAT}/DOWN` |
//! | roadside unit heartbeat | `V2X/RSU/{rsuId}/HB/UP` | |
//! | vehicle | `V2X/OBU/{vehicleId}/{BSM\|VIR}/UP` | `V2X/OBU/{vehicleId}/ADVICE/DOWN` |
//!
//! `{rsuId}` and `{vehicleId}` are the 8-octet `id` the device puts in its messages, as 16
//! lowercase hex digits. The payload is a UPER `MessageFrame`; the same topic with `/JSON`
//! appended carries its JSON form. An RSU's `BSM/UP` forwards vehicles' BSMs it heard over
//! the air, so their ids need not be the RSU's.

use std::fmt;

/// A device's 8-octet id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(pub [u8; 8]);

impl DeviceId {
    /// From 16 hex digits (either case).
    pub fn parse(s: &str) -> Option<DeviceId> {
        fn nibble(b: u8) -> Option<u8> {
            match b {
                b'0'..=b'9' => Some(b - b'0'),
                b'a'..=b'f' => Some(b - b'a' + 10),
                b'A'..=b'F' => Some(b - b'A' + 10),
                _ => None,
            }
        }
        let s = s.as_bytes();
        if s.len() != 16 {
            return None;
        }
        let mut id = [0u8; 8];
        for (i, b) in id.iter_mut().enumerate() {
            *b = (nibble(s[2 * i])? << 4) | nibble(s[2 * i + 1])?;
        }
        Some(DeviceId(id))
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// What sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// A roadside unit (or the MEC behind it).
    Rsu,
    /// A vehicle's on-board unit.
    Obu,
}

impl DeviceKind {
    /// `RSU` or `OBU`, as in the topic.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Rsu => "RSU",
            DeviceKind::Obu => "OBU",
        }
    }
}

/// Which message a topic carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// Basic safety message.
    Bsm,
    /// Roadside safety message.
    Rsm,
    /// Signal phase and timing.
    Spat,
    /// Map data.
    Map,
    /// Roadside information.
    Rsi,
    /// Vehicle intention and request (Day II).
    Vir,
    /// Personal safety message (Day II): a pedestrian's or cyclist's device, or an RSU
    /// forwarding one it hears.
    Psm,
    /// RSU heartbeat.
    Heartbeat,
    /// Sensor sharing message (Day II, T/CSAE 157-2020): what an RSU's or a vehicle's
    /// sensors detect.
    Ssm,
    /// Roadside coordination (Day II, T/CSAE 157-2020): roadcloud's answer to a vehicle's
    /// request, on its downlink; no device sends one up.
    Rsc,
    /// Differential GNSS corrections (Day II, T/CSAE 157-2020 `RTCMcorrections`): what
    /// roadcloud relays from the zone's reference station to RSUs and vehicles, on their
    /// downlinks; no device sends one up.
    Rtcm,
    /// Parking area map (Day II, T/CSAE 157-2020 `PAMData`): a car park's drives, slots and
    /// occupancy, from its RSU; on a vehicle's downlink, with the guidance it asked for.
    Pam,
}

impl MessageKind {
    /// Every kind, in the order of [`MessageKind::index`].
    pub const ALL: [MessageKind; 12] = [
        MessageKind::Bsm,
        MessageKind::Rsm,
        MessageKind::Spat,
        MessageKind::Map,
        MessageKind::Rsi,
        MessageKind::Vir,
        MessageKind::Psm,
        MessageKind::Heartbeat,
        MessageKind::Ssm,
        MessageKind::Rsc,
        MessageKind::Rtcm,
        MessageKind::Pam,
    ];

    /// Its position in [`MessageKind::ALL`], for counters kept in an array.
    pub fn index(self) -> usize {
        self as usize
    }

    fn parse(s: &str) -> Option<MessageKind> {
        Some(match s {
            "BSM" => MessageKind::Bsm,
            "RSM" => MessageKind::Rsm,
            "SPAT" => MessageKind::Spat,
            "MAP" => MessageKind::Map,
            "RSI" => MessageKind::Rsi,
            "VIR" => MessageKind::Vir,
            "PSM" => MessageKind::Psm,
            "HB" => MessageKind::Heartbeat,
            "SSM" => MessageKind::Ssm,
            "RSC" => MessageKind::Rsc,
            "RTCM" => MessageKind::Rtcm,
            "PAM" => MessageKind::Pam,
            _ => return None,
        })
    }

    /// The topic segment.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Bsm => "BSM",
            MessageKind::Rsm => "RSM",
            MessageKind::Spat => "SPAT",
            MessageKind::Map => "MAP",
            MessageKind::Rsi => "RSI",
            MessageKind::Vir => "VIR",
            MessageKind::Psm => "PSM",
            MessageKind::Heartbeat => "HB",
            MessageKind::Ssm => "SSM",
            MessageKind::Rsc => "RSC",
            MessageKind::Rtcm => "RTCM",
            MessageKind::Pam => "PAM",
        }
    }
}

/// How the payload is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UPER octets.
    Uper,
    /// JSON text (topic suffix `/JSON`).
    Json,
}

/// A parsed uplink topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    /// Who sent it.
    pub kind: DeviceKind,
    /// The sender's id.
    pub device: DeviceId,
    /// What it carries.
    pub message: MessageKind,
    /// How the payload is written.
    pub encoding: Encoding,
}

/// Why a topic is not an uplink topic roadcloud takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicError {
    /// Not of the form `V2X/{RSU|OBU}/{id}/{MSG}/UP[/JSON]`.
    Layout,
    /// The id is not 16 hex digits.
    DeviceId,
    /// The message is not one this sender may send.
    Message,
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TopicError::Layout => "topic is not V2X/{RSU|OBU}/{id}/{MSG}/UP[/JSON]",
            TopicError::DeviceId => "device id in topic is not 16 hex digits",
            TopicError::Message => "message type not accepted from this sender on this topic",
        })
    }
}

impl std::error::Error for TopicError {}

impl Topic {
    /// Parses an uplink topic.
    pub fn parse(topic: &str) -> Result<Topic, TopicError> {
        let mut parts = topic.split('/');
        let (Some("V2X"), Some(kind), Some(id), Some(msg), Some("UP")) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(TopicError::Layout);
        };
        let encoding = match (parts.next(), parts.next()) {
            (None, _) => Encoding::Uper,
            (Some("JSON"), None) => Encoding::Json,
            _ => return Err(TopicError::Layout),
        };
        let kind = match kind {
            "RSU" => DeviceKind::Rsu,
            "OBU" => DeviceKind::Obu,
            _ => return Err(TopicError::Layout),
        };
        let device = DeviceId::parse(id).ok_or(TopicError::DeviceId)?;
        let message = MessageKind::parse(msg).ok_or(TopicError::Message)?;
        let allowed = match kind {
            DeviceKind::Obu => matches!(
                message,
                MessageKind::Bsm | MessageKind::Vir | MessageKind::Psm | MessageKind::Ssm
            ),
            DeviceKind::Rsu => !matches!(
                message,
                MessageKind::Vir | MessageKind::Rsc | MessageKind::Rtcm
            ),
        };
        if !allowed {
            return Err(TopicError::Message);
        }
        Ok(Topic {
            kind,
            device,
            message,
            encoding,
        })
    }

    /// The uplink topic of `kind` device `device` for `message`, UPER payload.
    pub fn uplink(kind: DeviceKind, device: DeviceId, message: MessageKind) -> String {
        format!("V2X/{}/{}/{}/UP", kind.as_str(), device, message.as_str())
    }
}

/// A vehicle's downlink topic for advisories.
pub fn vehicle_advice_topic(vehicle: DeviceId) -> String {
    format!("V2X/OBU/{vehicle}/ADVICE/DOWN")
}

/// A vehicle's downlink topic for `message` (a Day-2 service's answer: `SSM`, ...).
pub fn vehicle_downlink_topic(vehicle: DeviceId, message: MessageKind) -> String {
    format!("V2X/OBU/{vehicle}/{}/DOWN", message.as_str())
}

/// An RSU's downlink topic for the priority commands of its junction's signal controller
/// (`roadcloud_signals::PriorityCommand`, JSON).
pub fn signal_priority_topic(rsu: DeviceId) -> String {
    format!("V2X/RSU/{rsu}/PRIORITY/DOWN")
}

/// An RSU's downlink topic for `message`.
pub fn rsu_downlink_topic(rsu: DeviceId, message: MessageKind) -> String {
    format!("V2X/RSU/{rsu}/{}/DOWN", message.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_layout() {
        let t = Topic::parse("V2X/RSU/5253552d41543031/RSM/UP").unwrap();
        assert_eq!(t.kind, DeviceKind::Rsu);
        assert_eq!(t.device.to_string(), "5253552d41543031");
        assert_eq!(t.message, MessageKind::Rsm);
        assert_eq!(t.encoding, Encoding::Uper);
        let t = Topic::parse("V2X/OBU/5A1F3C7E00A1B2C3/BSM/UP/JSON").unwrap();
        assert_eq!((t.kind, t.encoding), (DeviceKind::Obu, Encoding::Json));
        assert_eq!(
            Topic::uplink(t.kind, t.device, t.message),
            "V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP"
        );
    }

    #[test]
    fn rejects_what_does_not_fit() {
        assert_eq!(
            Topic::parse("V2X/OBU/5a1f3c7e00a1b2c3/RSM/UP"),
            Err(TopicError::Message)
        );
        assert_eq!(
            Topic::parse("V2X/OBU/5a1f3c7e/BSM/UP"),
            Err(TopicError::DeviceId)
        );
        assert_eq!(
            Topic::parse("V2X/OBU/5a1f3c7e00a1b2c3/BSM/DOWN"),
            Err(TopicError::Layout)
        );
        assert_eq!(
            Topic::parse("V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP/XML"),
            Err(TopicError::Layout)
        );
        assert_eq!(Topic::parse("foo"), Err(TopicError::Layout));
        // Only roadcloud sends corrections and coordination: no device sends them up.
        for m in ["RTCM", "RSC"] {
            for k in ["OBU", "RSU"] {
                assert_eq!(
                    Topic::parse(&format!("V2X/{k}/5a1f3c7e00a1b2c3/{m}/UP")),
                    Err(TopicError::Message)
                );
            }
        }
    }
}
