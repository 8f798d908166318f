//! Signing as a zone's devices do: every simulated vehicle and RSU gets a certificate from
//! the zone's V2X PKI the first time it sends, and what it sends goes out as a signed
//! message (IEEE 1609.2 `SignedData`, YD/T 3957-2021 §6.4): by the certificate's digest,
//! the full certificate once a second per device, as 1609.2 devices do.

use roadcloud_csae::{self as csae, Day2Message, MessageFrame};
use roadcloud_security::asn::Psid;
use roadcloud_security::pki::{DeviceRole, ZonePki};
use roadcloud_security::profile;
use roadcloud_security::sign::{Credential, Header, SignerForm, sign};
use roadcloud_transport::Topic;
use std::collections::HashMap;

/// How often a device sends its certificate in full, milliseconds.
const FULL_CERTIFICATE_EVERY_MS: i64 = 1_000;

struct Device {
    credential: Credential,
    role: DeviceRole,
    last_full_ms: i64,
}

/// The zone's devices' keys, made as they first send (module docs).
pub struct DeviceKeys {
    pki: ZonePki,
    devices: HashMap<[u8; 8], Device>,
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKeys({} devices)", self.devices.len())
    }
}

/// The certificate a device signs `message` under, and the AID (profile): an emergency
/// vehicle's BSM needs the special-vehicle AID; `None` for a message of a newer version.
pub fn signed_as(message: &MessageFrame) -> Option<(DeviceRole, Psid)> {
    Some(match message {
        MessageFrame::BsmFrame(b) if roadcloud_world::VehicleStatus::of_bsm(b).emergency => {
            (DeviceRole::Emergency, profile::AID_BSM_SPECIAL)
        }
        MessageFrame::BsmFrame(_) => (DeviceRole::Obu, profile::AID_BSM),
        MessageFrame::MapFrame(_) => (DeviceRole::Rsu, profile::AID_MAP),
        MessageFrame::SpatFrame(_) => (DeviceRole::Rsu, profile::AID_SPAT),
        MessageFrame::RsiFrame(_) => (DeviceRole::Rsu, profile::AID_RSI_DYNAMIC),
        MessageFrame::RsmFrame(_) => (DeviceRole::Rsu, profile::AID_RSM),
        MessageFrame::MsgFrameExt(_) => (DeviceRole::Obu, profile::AID_DAY2),
        MessageFrame::UnknownExtension(_) => return None,
    })
}

/// Who signs a message: the id it carries, else its topic's device.
fn sender(topic: &str, message: &MessageFrame) -> Option<[u8; 8]> {
    let device = Topic::parse(topic).ok()?.device.0;
    Some(match message {
        MessageFrame::BsmFrame(b) => b.id,
        MessageFrame::RsiFrame(r) => r.id,
        MessageFrame::RsmFrame(r) => r.id,
        MessageFrame::MsgFrameExt(e) => match &e.value {
            Day2Message::VehIntentionAndRequest(v) => v.id,
            Day2Message::PersonalSafety(p) => p.id,
            _ => device,
        },
        _ => device,
    })
}

impl DeviceKeys {
    /// The keys of the zone whose PKI is `pki`.
    pub fn new(pki: ZonePki) -> Self {
        DeviceKeys {
            pki,
            devices: HashMap::new(),
        }
    }

    /// The keys of the zone whose PKI is in `dir`.
    pub fn open(dir: &std::path::Path) -> Result<Self, String> {
        ZonePki::open(dir).map(DeviceKeys::new)
    }

    /// `message`, sent on `topic` at `now_ms`, encoded and signed by its sender.
    pub fn sign(
        &mut self,
        topic: &str,
        message: &MessageFrame,
        now_ms: i64,
    ) -> Result<Vec<u8>, String> {
        let (id, job) = self.prepare(topic, message, now_ms)?;
        Ok(job.sign(&self.devices[&id].credential))
    }

    /// [`sign`](Self::sign) for many messages, in the order they are sent, the signing
    /// spread over every core (a benchmark signs its whole run beforehand this way, so that
    /// signing, which devices do in their own hardware, takes none of the platform's cores
    /// while it runs).
    pub fn sign_many(
        &mut self,
        messages: &[(String, MessageFrame, i64)],
    ) -> Result<Vec<Vec<u8>>, String> {
        use rayon::prelude::*;
        let jobs = messages
            .iter()
            .map(|(topic, message, now_ms)| self.prepare(topic, message, *now_ms))
            .collect::<Result<Vec<_>, String>>()?;
        Ok(jobs
            .par_iter()
            .map(|(id, job)| job.sign(&self.devices[id].credential))
            .collect())
    }

    /// Everything [`sign`](Self::sign) needs but the signature: the sender's certificate
    /// issued if it has none (or one of another role), and whether it goes in full.
    fn prepare(
        &mut self,
        topic: &str,
        message: &MessageFrame,
        now_ms: i64,
    ) -> Result<([u8; 8], SigningJob), String> {
        let payload = csae::encode(message).map_err(|e| e.to_string())?;
        let (role, aid) = signed_as(message)
            .ok_or_else(|| format!("{topic}: a message of a newer version has no AID"))?;
        let id = sender(topic, message).ok_or_else(|| format!("{topic}: not an uplink topic"))?;
        let stale = self.devices.get(&id).is_some_and(|d| d.role != role);
        if stale || !self.devices.contains_key(&id) {
            let name = format!("{}-{}", role_name(role), roadcloud_transport::DeviceId(id));
            let credential = self.pki.issue_device(&name, role, None, now_ms, false)?;
            self.devices.insert(
                id,
                Device {
                    credential,
                    role,
                    last_full_ms: i64::MIN / 2,
                },
            );
        }
        let device = self.devices.get_mut(&id).expect("inserted above");
        let form = if now_ms - device.last_full_ms >= FULL_CERTIFICATE_EVERY_MS {
            device.last_full_ms = now_ms;
            SignerForm::Certificate
        } else {
            SignerForm::Digest
        };
        Ok((
            id,
            SigningJob {
                payload,
                aid,
                header: Header::at(now_ms),
                form,
            },
        ))
    }

    /// Gives the device `id` a new pseudonym certificate from its next message on, as a
    /// vehicle does every few minutes (YD/T 3957-2021 pseudonym certificates).
    pub fn change_pseudonym(&mut self, id: [u8; 8]) {
        self.devices.remove(&id);
    }
}

/// One message to sign, all but its signer's key.
struct SigningJob {
    payload: Vec<u8>,
    aid: Psid,
    header: Header,
    form: SignerForm,
}

impl SigningJob {
    fn sign(&self, credential: &Credential) -> Vec<u8> {
        sign(&self.payload, self.aid, self.header, credential, self.form)
    }
}

fn role_name(role: DeviceRole) -> &'static str {
    match role {
        DeviceRole::Rsu => "rsu",
        DeviceRole::Obu => "obu",
        DeviceRole::Emergency => "emergency",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadcloud_security::crypto::Algorithm;
    use roadcloud_security::trust::TrustStore;

    #[test]
    fn the_zone_signs_and_the_store_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let now = 1_795_800_012_345;
        let pki = ZonePki::init(dir.path(), Algorithm::Sm2, None, now).unwrap();
        let store = TrustStore::load_dir(dir.path()).unwrap();
        let mut keys = DeviceKeys::new(pki);
        let mut zone = crate::Zone::anting(crate::ZoneConfig::default());
        zone.step(0.1, now);
        let messages = zone.messages(now);
        assert!(!messages.is_empty());
        for (topic, m) in &messages {
            let spdu = keys.sign(topic, m, now).unwrap();
            let v = store.verify(&spdu, now).unwrap();
            assert_eq!(csae::decode::<MessageFrame>(&v.payload).unwrap(), *m);
        }
    }
}
