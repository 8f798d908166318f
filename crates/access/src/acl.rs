//! The topic ACL: what a connected client may publish and subscribe to (issue 14, item 2).
//!
//! A device publishes only on its own uplink topics (`V2X/{RSU|OBU}/{its id}/{MSG}/UP`, with
//! `/JSON` for the JSON form) for the messages the registry lets it send, and subscribes only
//! to its own downlinks (`V2X/{RSU|OBU}/{its id}/{MSG or +}/DOWN`). Nobody but roadcloud reads
//! uplinks or another device's downlinks. Without authentication (loopback, or `--insecure`)
//! every client is [`Principal::Anyone`], as on an open broker.

use crate::device::Device;
use roadcloud_transport::Topic;
use std::sync::Arc;

/// Who a connected client is, as far as the ACL cares.
#[derive(Debug, Clone)]
pub enum Principal {
    /// Anyone: no authentication is asked (loopback or `--insecure`); every uplink may be
    /// published and every downlink read.
    Anyone,
    /// A registered device, authenticated.
    Device(Arc<Device>),
}

impl Principal {
    /// Whether it may publish on `topic`. Only uplink topics are taken at all.
    pub fn may_publish(&self, topic: &str) -> bool {
        let Ok(t) = Topic::parse(topic) else {
            return false;
        };
        match self {
            Principal::Anyone => true,
            Principal::Device(d) => {
                t.kind == d.identity.class.topic_kind()
                    && t.device == d.identity.id
                    && d.may_send.contains(&t.message)
            }
        }
    }

    /// Whether it may subscribe to `filter`: anything for [`Principal::Anyone`]; for a
    /// device, only filters every match of which is one of its own downlinks:
    /// `V2X/{K}/{id}/{MSG}/DOWN` where `{MSG}` is a name or `+` (a `#`, or a `+` in any other
    /// place, would reach uplinks or other devices).
    pub fn may_subscribe(&self, filter: &str) -> bool {
        match self {
            Principal::Anyone => true,
            Principal::Device(d) => {
                let Some(rest) = filter.strip_prefix(d.topic_prefix().as_str()) else {
                    return false;
                };
                match rest.split_once('/') {
                    Some((message, "DOWN")) => {
                        message == "+" || (!message.is_empty() && !message.contains('#'))
                    }
                    _ => false,
                }
            }
        }
    }

    /// The device it is, if any.
    pub fn device(&self) -> Option<&Device> {
        match self {
            Principal::Anyone => None,
            Principal::Device(d) => Some(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Identity;
    use roadcloud_transport::MessageKind;

    fn obu() -> Principal {
        Principal::Device(Arc::new(Device::new(
            "obu:5a1f3c7e00a1b2c3".parse::<Identity>().unwrap(),
        )))
    }

    #[test]
    fn a_device_publishes_only_its_own_uplinks_of_its_messages() {
        let p = obu();
        assert!(p.may_publish("V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP"));
        assert!(p.may_publish("V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP/JSON"));
        // Its id in another case is the same device.
        assert!(p.may_publish("V2X/OBU/5A1F3C7E00A1B2C3/VIR/UP"));
        for denied in [
            "V2X/OBU/0000000000000001/BSM/UP",      // another vehicle
            "V2X/RSU/5a1f3c7e00a1b2c3/BSM/UP",      // posing as an RSU
            "V2X/OBU/5a1f3c7e00a1b2c3/PSM/UP",      // not among what it may send
            "V2X/OBU/5a1f3c7e00a1b2c3/ADVICE/DOWN", // a downlink
            "V2X/OBU/+/BSM/UP",
            "anything/else",
        ] {
            assert!(!p.may_publish(denied), "{denied}");
        }
        let Principal::Device(d) = p else {
            unreachable!()
        };
        let mut d = (*d).clone();
        d.may_send = vec![MessageKind::Psm];
        let p = Principal::Device(Arc::new(d));
        assert!(p.may_publish("V2X/OBU/5a1f3c7e00a1b2c3/PSM/UP"));
        assert!(!p.may_publish("V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP"));
    }

    #[test]
    fn a_device_subscribes_only_to_its_own_downlinks() {
        let p = obu();
        assert!(p.may_subscribe("V2X/OBU/5a1f3c7e00a1b2c3/ADVICE/DOWN"));
        assert!(p.may_subscribe("V2X/OBU/5a1f3c7e00a1b2c3/+/DOWN"));
        for denied in [
            "#",
            "V2X/#",
            "V2X/OBU/+/ADVICE/DOWN",
            "V2X/OBU/0000000000000001/ADVICE/DOWN",
            "V2X/OBU/5a1f3c7e00a1b2c3/#",
            "V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP",
            "V2X/OBU/5a1f3c7e00a1b2c3/+/+",
            "V2X/OBU/5a1f3c7e00a1b2c3/ADVICE/DOWN/#",
            "V2X/OBU/5a1f3c7e00a1b2c3//DOWN",
        ] {
            assert!(!p.may_subscribe(denied), "{denied}");
        }
    }

    #[test]
    fn anyone_may_do_anything_with_uplinks_and_downlinks() {
        assert!(Principal::Anyone.may_publish("V2X/OBU/0000000000000001/BSM/UP"));
        assert!(!Principal::Anyone.may_publish("V2X/OBU/0000000000000001/ADVICE/DOWN"));
        assert!(Principal::Anyone.may_subscribe("#"));
    }
}
