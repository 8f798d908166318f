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
use tokio::sync::mpsc;

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
    /// `nats://HOST:PORT` (credentials as `nats://USER:PASSWORD@HOST:PORT`; `tls://` for
    /// TLS).
    pub url: String,
    /// roadcloud's connection name there.
    pub name: String,
}

impl Source for NatsSource {
    fn start(self: Box<Self>, frames: mpsc::Sender<Frame>) -> Starting {
        Box::pin(async move {
            let url = self.url;
            let client = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                async_nats::ConnectOptions::new()
                    .name(self.name)
                    .connect(&url),
            )
            .await
            .map_err(|_| SourceError(format!("the NATS server at {url} did not answer within 10 s (is it running? check --nats-uplinks)")))?
            .map_err(|e| SourceError(format!("cannot connect to the NATS server at {url}: {e} (check --nats-uplinks)")))?;
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
