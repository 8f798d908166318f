//! The device registry's entries.
//!
//! A device is known by its class and its 8-octet id, written as its identity
//! `{class}:{id}` (`obu:5a1f3c7e00a1b2c3`): the subject common name of its TLS client
//! certificate and the MQTT user name of a device that logs in with a password instead.

use roadcloud_transport::{DeviceId, DeviceKind, MessageKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of device the registry knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceClass {
    /// A vehicle's on-board unit.
    Obu,
    /// A roadside unit (or the MEC behind it).
    Rsu,
    /// A vulnerable road user's device (a pedestrian's or cyclist's): it sends PSM on the
    /// vehicle topic layout (`V2X/OBU/{id}/PSM/UP`, docs/topics.md).
    Vru,
}

impl DeviceClass {
    /// Every class.
    pub const ALL: [DeviceClass; 3] = [DeviceClass::Obu, DeviceClass::Rsu, DeviceClass::Vru];

    /// `obu`, `rsu` or `vru`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::Obu => "obu",
            DeviceClass::Rsu => "rsu",
            DeviceClass::Vru => "vru",
        }
    }

    /// The sender kind in its topics (`V2X/{RSU|OBU}/...`).
    pub fn topic_kind(self) -> DeviceKind {
        match self {
            DeviceClass::Rsu => DeviceKind::Rsu,
            DeviceClass::Obu | DeviceClass::Vru => DeviceKind::Obu,
        }
    }

    /// What a device of this class sends unless the registry says otherwise: an OBU its
    /// BSMs and requests, an RSU what it perceives, broadcasts and forwards, and its car
    /// park's PAM (docs/topics.md), a VRU device its PSMs.
    pub fn default_messages(self) -> Vec<MessageKind> {
        use MessageKind::*;
        match self {
            DeviceClass::Obu => vec![Bsm, Vir, Ssm],
            DeviceClass::Rsu => vec![Bsm, Rsm, Spat, Map, Rsi, Psm, Heartbeat, Ssm, Pam],
            DeviceClass::Vru => vec![Psm],
        }
    }
}

impl fmt::Display for DeviceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DeviceClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        DeviceClass::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("{s:?} is not a device kind: give obu, rsu or vru"))
    }
}

/// Who a device is: `{class}:{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    /// Its class.
    pub class: DeviceClass,
    /// Its 8-octet id, as in its messages and topics.
    pub id: DeviceId,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.class, self.id)
    }
}

impl std::str::FromStr for Identity {
    type Err = String;
    /// `obu:5a1f3c7e00a1b2c3` (16 hex digits after the class).
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a device: give KIND:ID, e.g. obu:5a1f3c7e00a1b2c3");
        let (class, id) = s.split_once(':').ok_or_else(bad)?;
        Ok(Identity {
            class: class.parse().map_err(|_| bad())?,
            id: DeviceId::parse(id).ok_or_else(bad)?,
        })
    }
}

/// Parses a message list as the registry writes it: `BSM,VIR` (topic segments).
pub fn parse_messages(s: &str) -> Result<Vec<MessageKind>, String> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let m = MessageKind::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(part))
            .ok_or_else(|| {
                let all: Vec<&str> = MessageKind::ALL.iter().map(|m| m.as_str()).collect();
                format!(
                    "{part:?} is not a message type: give any of {}",
                    all.join(",")
                )
            })?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    Ok(out)
}

/// Writes a message list as [`parse_messages`] reads it.
pub fn format_messages(messages: &[MessageKind]) -> String {
    let v: Vec<&str> = messages.iter().map(|m| m.as_str()).collect();
    v.join(",")
}

/// One entry of the device registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// Who it is.
    pub identity: Identity,
    /// The messages it may send (its uplink topics' message segments).
    pub may_send: Vec<MessageKind>,
    /// Where an RSU stands: WGS-84 latitude and longitude, degrees.
    pub position: Option<(f64, f64)>,
    /// Whether it may connect; a disabled device is refused at CONNECT.
    pub enabled: bool,
    /// Its password as an Argon2id PHC string, for a device without a client certificate.
    pub password_hash: Option<String>,
    /// SHA-256 of its registered client certificate (DER), lowercase hex: any other
    /// certificate naming it (a revoked or superseded one) is refused.
    pub certificate_sha256: Option<String>,
}

impl Device {
    /// A device of `identity` that may send its class's default messages, enabled, with no
    /// credentials yet.
    pub fn new(identity: Identity) -> Device {
        Device {
            identity,
            may_send: identity.class.default_messages(),
            position: None,
            enabled: true,
            password_hash: None,
            certificate_sha256: None,
        }
    }

    /// Its uplink topics' prefix: `V2X/{RSU|OBU}/{id}/`.
    pub fn topic_prefix(&self) -> String {
        format!(
            "V2X/{}/{}/",
            self.identity.class.topic_kind().as_str(),
            self.identity.id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_read_as_they_are_written() {
        let i: Identity = "OBU:5A1F3C7E00A1B2C3".parse().unwrap();
        assert_eq!(i.to_string(), "obu:5a1f3c7e00a1b2c3");
        assert_eq!(i.to_string().parse::<Identity>().unwrap(), i);
        for bad in ["5a1f3c7e00a1b2c3", "car:5a1f3c7e00a1b2c3", "obu:5a1f"] {
            let e = bad.parse::<Identity>().unwrap_err();
            assert!(e.contains("KIND:ID"), "{e}");
        }
    }

    #[test]
    fn message_lists() {
        let m = parse_messages("bsm, VIR,BSM").unwrap();
        assert_eq!(m, vec![MessageKind::Bsm, MessageKind::Vir]);
        assert_eq!(format_messages(&m), "BSM,VIR");
        assert!(parse_messages("BSM,CAM").unwrap_err().contains("CAM"));
    }
}
