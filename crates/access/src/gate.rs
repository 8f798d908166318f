//! The decision at MQTT CONNECT: who the client is, or why it is refused (issue 14, item 1).
//!
//! A device proves who it is with a TLS client certificate whose subject common name is its
//! identity (`obu:5a1f3c7e00a1b2c3`), issued by the zone's CA (the TLS layer checks the
//! chain), or, where it cannot hold one, with its identity as MQTT user name and a password
//! the registry keeps as an Argon2id hash. An unknown or disabled device is refused, and so is
//! a certificate other than the one the registry holds for the device (revoked or superseded).

use crate::acl::Principal;
use crate::device::{Device, Identity};
use crate::secret::verify_password;
use arc_swap::ArcSwap;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The client certificate a TLS client presented (its chain already verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedCertificate {
    /// The subject's common name, if it has one.
    pub subject_cn: Option<String>,
    /// SHA-256 of the certificate (DER), lowercase hex.
    pub sha256: String,
}

/// What a client says at CONNECT.
#[derive(Debug, Clone, Copy)]
pub struct Hello<'a> {
    /// The MQTT client id.
    pub client_id: &'a str,
    /// The MQTT user name, if given.
    pub username: Option<&'a str>,
    /// The MQTT password, if given.
    pub password: Option<&'a str>,
    /// The TLS client certificate, if the connection is TLS and the client presented one.
    pub certificate: Option<&'a PresentedCertificate>,
}

/// Why a client is refused, at the TLS handshake or at CONNECT: the label of
/// `roadcloud_mqtt_refused_total{reason}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectRefusal {
    /// Neither a client certificate nor a user name and password.
    NoCredentials,
    /// The identity named is not in the registry (or is not `KIND:ID`).
    UnknownDevice,
    /// The device is in the registry, disabled (e.g. revoked by `roadcloud pki revoke`).
    DisabledDevice,
    /// The password does not match (or the device has none).
    WrongPassword,
    /// The certificate names a registered device but is not the certificate the registry
    /// holds for it: a revoked or superseded one.
    ReplacedCertificate,
    /// The TLS handshake failed on the client certificate: not from the zone's CA, expired,
    /// or on the CA's revocation list.
    UntrustedCertificate,
    /// The TLS handshake failed otherwise (not TLS, no common version or cipher, timeout).
    TlsHandshake,
    /// Not MQTT 3.1.1, or no CONNECT in time.
    Protocol,
    /// The connection limit is reached.
    TooManyConnections,
}

impl ConnectRefusal {
    /// Every reason, in a fixed order for counters.
    pub const ALL: [ConnectRefusal; 9] = [
        ConnectRefusal::NoCredentials,
        ConnectRefusal::UnknownDevice,
        ConnectRefusal::DisabledDevice,
        ConnectRefusal::WrongPassword,
        ConnectRefusal::ReplacedCertificate,
        ConnectRefusal::UntrustedCertificate,
        ConnectRefusal::TlsHandshake,
        ConnectRefusal::Protocol,
        ConnectRefusal::TooManyConnections,
    ];

    /// Its position in [`ConnectRefusal::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectRefusal::NoCredentials => "no_credentials",
            ConnectRefusal::UnknownDevice => "unknown_device",
            ConnectRefusal::DisabledDevice => "disabled_device",
            ConnectRefusal::WrongPassword => "wrong_password",
            ConnectRefusal::ReplacedCertificate => "replaced_certificate",
            ConnectRefusal::UntrustedCertificate => "untrusted_certificate",
            ConnectRefusal::TlsHandshake => "tls_handshake",
            ConnectRefusal::Protocol => "protocol",
            ConnectRefusal::TooManyConnections => "too_many_connections",
        }
    }
}

/// Decides at CONNECT who a client is.
pub trait Gatekeeper: Send + Sync + 'static {
    /// Who the client is, or why it is refused. May take milliseconds (a password hash):
    /// callers run it off the async threads.
    fn admit(&self, hello: &Hello<'_>) -> Result<Principal, ConnectRefusal>;

    /// Whether a client admitted as `principal` may stay connected (its device has not been
    /// disabled or removed since).
    fn still_admitted(&self, principal: &Principal) -> bool;

    /// A number that changes whenever the answers of [`Gatekeeper::still_admitted`] may
    /// have changed.
    fn generation(&self) -> u64 {
        0
    }
}

/// No authentication: everyone is [`Principal::Anyone`] (loopback, or `--insecure`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OpenGate;

impl Gatekeeper for OpenGate {
    fn admit(&self, _: &Hello<'_>) -> Result<Principal, ConnectRefusal> {
        Ok(Principal::Anyone)
    }

    fn still_admitted(&self, _: &Principal) -> bool {
        true
    }
}

/// Admits the registry's enabled devices: the registry is a snapshot the platform replaces
/// when the store's registry changes ([`RegistryGate::replace`]).
#[derive(Default)]
pub struct RegistryGate {
    devices: ArcSwap<HashMap<Identity, Arc<Device>>>,
    generation: AtomicU64,
    /// Per device, the password hash last verified and the SHA-256 of the password that
    /// matched it: a device reconnecting with the same password costs a SHA-256, not another
    /// Argon2 (a zone's password devices reconnecting together after an outage would
    /// otherwise cost tens of milliseconds of CPU each).
    verified: std::sync::Mutex<HashMap<Identity, (String, String)>>,
    /// Argon2 verifications run so far.
    argon2_runs: AtomicU64,
}

impl RegistryGate {
    /// A gate over `devices`.
    pub fn new(devices: impl IntoIterator<Item = Device>) -> RegistryGate {
        let gate = RegistryGate::default();
        gate.replace(devices);
        gate
    }

    /// Replaces the registry; connected devices no longer in it, or disabled, are
    /// disconnected by the broker when it next asks [`Gatekeeper::still_admitted`].
    pub fn replace(&self, devices: impl IntoIterator<Item = Device>) {
        let map: HashMap<Identity, Arc<Device>> = devices
            .into_iter()
            .map(|d| (d.identity, Arc::new(d)))
            .collect();
        self.devices.store(Arc::new(map));
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// How many Argon2 password verifications it has run (the others were answered from the
    /// last verified password).
    pub fn argon2_runs(&self) -> u64 {
        self.argon2_runs.load(Ordering::Relaxed)
    }

    /// How many devices it knows.
    pub fn len(&self) -> usize {
        self.devices.load().len()
    }

    /// Whether it knows none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn enabled(&self, identity: &str) -> Result<Arc<Device>, ConnectRefusal> {
        let identity: Identity = identity
            .parse()
            .map_err(|_| ConnectRefusal::UnknownDevice)?;
        let device = self
            .devices
            .load()
            .get(&identity)
            .cloned()
            .ok_or(ConnectRefusal::UnknownDevice)?;
        if !device.enabled {
            return Err(ConnectRefusal::DisabledDevice);
        }
        Ok(device)
    }
}

impl Gatekeeper for RegistryGate {
    fn admit(&self, hello: &Hello<'_>) -> Result<Principal, ConnectRefusal> {
        if let Some(cert) = hello.certificate {
            let cn = cert
                .subject_cn
                .as_deref()
                .ok_or(ConnectRefusal::UnknownDevice)?;
            let device = self.enabled(cn)?;
            if device
                .certificate_sha256
                .as_ref()
                .is_some_and(|registered| *registered != cert.sha256)
            {
                return Err(ConnectRefusal::ReplacedCertificate);
            }
            return Ok(Principal::Device(device));
        }
        let (Some(user), Some(password)) = (hello.username, hello.password) else {
            return Err(ConnectRefusal::NoCredentials);
        };
        let device = self.enabled(user)?;
        let Some(phc) = &device.password_hash else {
            return Err(ConnectRefusal::WrongPassword);
        };
        let digest = crate::secret::sha256_hex(password.as_bytes());
        let lock = || self.verified.lock().unwrap_or_else(|p| p.into_inner());
        if lock()
            .get(&device.identity)
            .is_some_and(|(h, d)| h == phc && *d == digest)
        {
            return Ok(Principal::Device(device));
        }
        self.argon2_runs.fetch_add(1, Ordering::Relaxed);
        if !verify_password(password.as_bytes(), phc) {
            return Err(ConnectRefusal::WrongPassword);
        }
        lock().insert(device.identity, (phc.clone(), digest));
        Ok(Principal::Device(device))
    }

    fn still_admitted(&self, principal: &Principal) -> bool {
        match principal {
            Principal::Anyone => false,
            Principal::Device(d) => {
                // A new certificate or password closes connections made with the old one.
                self.devices.load().get(&d.identity).is_some_and(|now| {
                    now.enabled
                        && now.certificate_sha256 == d.certificate_sha256
                        && now.password_hash == d.password_hash
                })
            }
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::hash_password;

    fn registry() -> RegistryGate {
        let mut cert = Device::new("obu:0000000000000001".parse().unwrap());
        cert.certificate_sha256 = Some("aa".into());
        let mut pw = Device::new("rsu:0000000000000002".parse().unwrap());
        pw.password_hash = Some(hash_password("s3cret").unwrap());
        let mut off = Device::new("obu:0000000000000003".parse().unwrap());
        off.enabled = false;
        off.password_hash = Some(hash_password("s3cret").unwrap());
        RegistryGate::new([cert, pw, off])
    }

    fn hello<'a>(
        user: Option<&'a str>,
        password: Option<&'a str>,
        certificate: Option<&'a PresentedCertificate>,
    ) -> Hello<'a> {
        Hello {
            client_id: "c",
            username: user,
            password,
            certificate,
        }
    }

    #[test]
    fn certificates_and_passwords_admit_registered_devices() {
        let g = registry();
        let cert = PresentedCertificate {
            subject_cn: Some("obu:0000000000000001".into()),
            sha256: "aa".into(),
        };
        let p = g.admit(&hello(None, None, Some(&cert))).unwrap();
        assert_eq!(
            p.device().unwrap().identity.to_string(),
            "obu:0000000000000001"
        );
        assert!(g.still_admitted(&p));
        let p = g
            .admit(&hello(Some("rsu:0000000000000002"), Some("s3cret"), None))
            .unwrap();
        assert!(p.device().is_some());
    }

    #[test]
    fn each_refusal_has_its_reason() {
        let g = registry();
        let other = PresentedCertificate {
            subject_cn: Some("obu:0000000000000001".into()),
            sha256: "bb".into(),
        };
        let unknown = PresentedCertificate {
            subject_cn: Some("obu:00000000000000ff".into()),
            sha256: "aa".into(),
        };
        for (h, want) in [
            (hello(None, None, None), ConnectRefusal::NoCredentials),
            (
                hello(Some("rsu:0000000000000002"), None, None),
                ConnectRefusal::NoCredentials,
            ),
            (
                hello(Some("rsu:0000000000000002"), Some("guess"), None),
                ConnectRefusal::WrongPassword,
            ),
            (
                hello(Some("obu:0000000000000001"), Some("s3cret"), None),
                ConnectRefusal::WrongPassword,
            ),
            (
                hello(Some("obu:0000000000000003"), Some("s3cret"), None),
                ConnectRefusal::DisabledDevice,
            ),
            (
                hello(Some("nobody"), Some("x"), None),
                ConnectRefusal::UnknownDevice,
            ),
            (
                hello(None, None, Some(&other)),
                ConnectRefusal::ReplacedCertificate,
            ),
            (
                hello(None, None, Some(&unknown)),
                ConnectRefusal::UnknownDevice,
            ),
        ] {
            assert_eq!(g.admit(&h).unwrap_err(), want, "{h:?}");
        }
    }

    #[test]
    fn a_password_verified_once_is_checked_fast_and_a_wrong_one_still_fails() {
        let g = registry();
        let ok = hello(Some("rsu:0000000000000002"), Some("s3cret"), None);
        for _ in 0..10 {
            assert!(g.admit(&ok).is_ok());
        }
        assert_eq!(g.argon2_runs(), 1);
        let wrong = hello(Some("rsu:0000000000000002"), Some("s3creT"), None);
        assert_eq!(g.admit(&wrong).unwrap_err(), ConnectRefusal::WrongPassword);
        // A new password in the registry: the old one no longer admits.
        let mut d = (*g
            .devices
            .load()
            .get(&"rsu:0000000000000002".parse().unwrap())
            .unwrap()
            .clone())
        .clone();
        d.password_hash = Some(hash_password("n3w").unwrap());
        g.replace([d]);
        assert_eq!(g.admit(&ok).unwrap_err(), ConnectRefusal::WrongPassword);
    }

    #[test]
    fn a_device_disabled_later_is_no_longer_admitted() {
        let g = registry();
        let p = g
            .admit(&hello(Some("rsu:0000000000000002"), Some("s3cret"), None))
            .unwrap();
        let before = g.generation();
        let mut d = p.device().unwrap().clone();
        d.enabled = false;
        g.replace([d]);
        assert_ne!(g.generation(), before);
        assert!(!g.still_admitted(&p));
    }
}
