//! Devices' messages through a NATS server: the subjects nats-server's MQTT support gives
//! the topics of [`crate::topic`] (each `/` a `.`: `V2X/OBU/{id}/BSM/UP` is
//! `V2X.OBU.{id}.BSM.UP`), so devices may connect to nats-server over MQTT, or gateways
//! publish there over NATS, and roadcloud reads them as a client. Downlinks go back on the
//! subjects of their topics.
//!
//! What comes in core NATS is not acknowledged to anybody: as with UDP, a message lost
//! before roadcloud took it is not sent again.

use crate::source::{Source, SourceError, Started, Starting};
use crate::{DownlinkError, Downlinks, Frame, Transport, now_millis};
use futures_util::StreamExt;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// How roadcloud reaches a NATS server, and proves itself there.
///
/// A link is *secured* when it is encrypted (a `tls://` address, or a CA given, which makes
/// TLS required) and authenticated (an NKey seed, or a user and password or a token in the
/// address: `nats://USER:PASSWORD@HOST:PORT`, `nats://TOKEN@HOST:PORT`). Whoever can
/// publish on an open link can feed every node decoded uplinks it trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NatsLink {
    /// `nats://HOST:PORT` or `tls://HOST:PORT`, credentials optional.
    pub url: String,
    /// A file holding the NKey seed (`SU...`) of roadcloud's NATS user.
    pub nkey: Option<PathBuf>,
    /// The CA certificate (PEM) the server's certificate chains to; given, TLS is
    /// required.
    pub ca: Option<PathBuf>,
}

impl NatsLink {
    /// A link to `url` with no NKey and the system's view of TLS.
    pub fn new(url: impl Into<String>) -> NatsLink {
        NatsLink {
            url: url.into(),
            ..NatsLink::default()
        }
    }

    /// The parsed address; an error names what is wrong with it.
    fn address(&self) -> Result<async_nats::ServerAddr, String> {
        self.url.parse::<async_nats::ServerAddr>().map_err(|e| {
            format!(
                "{} is not a NATS address ({e}): give nats://HOST:PORT or tls://HOST:PORT",
                self.url
            )
        })
    }

    /// Whether the link is encrypted and authenticated.
    pub fn secured(&self) -> Result<bool, String> {
        let a = self.address()?;
        let encrypted = a.tls_required() || self.ca.is_some();
        let authenticated = self.nkey.is_some() || a.username().is_some();
        Ok(encrypted && authenticated)
    }

    /// Whether the server is beyond this machine (its host is not a loopback address or
    /// `localhost`).
    pub fn remote(&self) -> Result<bool, String> {
        let a = self.address()?;
        let host = a.host().trim_matches(['[', ']']);
        Ok(!(host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())))
    }

    /// The address without its credentials, for logs and errors.
    pub fn shown(&self) -> String {
        match self.url.split_once('@') {
            Some((scheme_and_secret, host)) => {
                let scheme = scheme_and_secret
                    .split_once("://")
                    .map_or("nats", |(s, _)| s);
                format!("{scheme}://***@{host}")
            }
            None => self.url.clone(),
        }
    }

    /// Connects as `name`, within 10 s; fails saying what to check.
    pub async fn connect(&self, name: String) -> Result<async_nats::Client, String> {
        let shown = self.shown();
        let mut options = async_nats::ConnectOptions::new().name(name);
        if let Some(path) = &self.nkey {
            let seed = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the NKey seed {}: {e}", path.display()))?;
            options = options.nkey(seed.trim().to_string());
        }
        if let Some(ca) = &self.ca {
            options = options.add_root_certificates(ca.clone()).require_tls(true);
        }
        tokio::time::timeout(Duration::from_secs(10), options.connect(&self.url))
            .await
            .map_err(|_| format!("the NATS server at {shown} did not answer within 10 s"))?
            .map_err(|e| format!("cannot connect to the NATS server at {shown}: {e}"))
    }
}

/// The subjects of every uplink: [`crate::mqtt::UPLINK_FILTERS`] as nats-server maps them.
pub const UPLINK_SUBJECTS: [&str; 2] = ["V2X.*.*.*.UP", "V2X.*.*.*.UP.JSON"];

/// The MQTT topic of a NATS subject, as nats-server maps one to the other.
pub fn topic_of(subject: &str) -> String {
    subject.replace('.', "/")
}

/// The NATS subject of an MQTT topic.
pub fn subject_of(topic: &str) -> String {
    topic.replace('/', ".")
}

/// Downlinks waiting to be published, at most: beyond, a downlink is refused, not queued.
const DOWNLINK_QUEUE: usize = 4_096;

/// Uplinks from a NATS server, downlinks back to it.
pub struct NatsSource {
    /// The server, and how roadcloud proves itself there.
    pub link: NatsLink,
    /// roadcloud's connection name there.
    pub name: String,
}

impl Source for NatsSource {
    fn start(self: Box<Self>, frames: mpsc::Sender<Frame>) -> Starting {
        Box::pin(async move {
            let url = self.link.shown();
            let client = self.link.connect(self.name).await.map_err(|e| {
                SourceError(format!(
                    "{e} (is it running? check --nats-uplinks, --nats-nkey and --nats-ca)"
                ))
            })?;
            let mut subscriptions = Vec::new();
            for subject in UPLINK_SUBJECTS {
                let s = client.subscribe(subject).await.map_err(|e| {
                    SourceError(format!("cannot subscribe to {subject} at {url}: {e}"))
                })?;
                subscriptions.push(s);
            }
            // The client reconnects by itself, and subscribes again.
            let mut uplinks = futures_util::stream::select_all(subscriptions);
            let reader = tokio::spawn(async move {
                while let Some(m) = uplinks.next().await {
                    let frame = Frame {
                        transport: Transport::Nats,
                        topic: topic_of(m.subject.as_str()),
                        payload: m.payload,
                        received_at: now_millis(),
                        ack: None,
                    };
                    if frames.send(frame).await.is_err() {
                        return; // roadcloud is shutting down
                    }
                }
            });
            let (tx, mut rx) = mpsc::channel::<(String, Vec<u8>)>(DOWNLINK_QUEUE);
            let publisher = client.clone();
            let writer = tokio::spawn(async move {
                while let Some((topic, payload)) = rx.recv().await {
                    if let Err(e) = publisher.publish(subject_of(&topic), payload.into()).await {
                        tracing::warn!("downlink on {topic} not published to NATS: {e}");
                    }
                }
            });
            let reader_stop = reader.abort_handle();
            Ok(Started::new(
                format!("reading uplinks from the NATS server at {url}"),
                None,
                Some(Box::new(NatsDownlinks {
                    queue: tx,
                    _writer: DropAbort(writer.abort_handle()),
                })),
                move || reader_stop.abort(),
            ))
        })
    }
}

/// Downlinks to the NATS server, published in order by a task of their own.
struct NatsDownlinks {
    queue: mpsc::Sender<(String, Vec<u8>)>,
    _writer: DropAbort,
}

/// Stops the writer when the downlinks go.
struct DropAbort(tokio::task::AbortHandle);

impl Drop for DropAbort {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Downlinks for NatsDownlinks {
    fn publish(&mut self, topic: String, payload: Vec<u8>) -> Result<(), DownlinkError> {
        self.queue
            .try_send((topic, payload))
            .map_err(|e| DownlinkError(format!("the NATS downlink queue is full or closed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_secured_when_encrypted_and_authenticated() {
        let link = |url: &str, nkey: bool, ca: bool| NatsLink {
            url: url.into(),
            nkey: nkey.then(|| "seed".into()),
            ca: ca.then(|| "ca.crt".into()),
        };
        assert!(
            !link("nats://10.0.0.5:4222", false, false)
                .secured()
                .unwrap()
        );
        assert!(
            !link("nats://u:p@10.0.0.5:4222", false, false)
                .secured()
                .unwrap()
        );
        assert!(!link("tls://10.0.0.5:4222", false, false).secured().unwrap());
        assert!(
            link("tls://u:p@10.0.0.5:4222", false, false)
                .secured()
                .unwrap()
        );
        assert!(link("nats://10.0.0.5:4222", true, true).secured().unwrap());
        assert!(link("nats://10.0.0.5:4222", false, false).remote().unwrap());
        assert!(
            !link("nats://127.0.0.1:4222", false, false)
                .remote()
                .unwrap()
        );
        assert!(
            !link("nats://localhost:4222", false, false)
                .remote()
                .unwrap()
        );
        assert!(!link("nats://[::1]:4222", false, false).remote().unwrap());
        assert_eq!(
            link("nats://u:secret@h:1", false, false).shown(),
            "nats://***@h:1"
        );
    }

    #[test]
    fn subjects_and_topics_map_as_nats_server_maps_them() {
        assert_eq!(
            topic_of("V2X.OBU.5a1f3c7e00a1b2c3.BSM.UP"),
            "V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP"
        );
        assert_eq!(
            subject_of("V2X/RSU/0000000000000001/RSI/DOWN"),
            "V2X.RSU.0000000000000001.RSI.DOWN"
        );
        for f in crate::mqtt::UPLINK_FILTERS {
            let s = subject_of(f).replace('+', "*");
            assert!(UPLINK_SUBJECTS.contains(&s.as_str()), "{f}");
        }
    }
}
