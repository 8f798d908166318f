//! The embedded MQTT broker (rumqttd): devices connect to it as to any broker, and roadcloud
//! reads everything published under `V2X/` through an in-process link, without a network hop.

use crate::{Frame, Transport, now_millis};
use rumqttd::local::{LinkRx, LinkTx};
use rumqttd::{Broker, Config, ConnectionSettings, Notification, RouterConfig, ServerSettings};
use std::collections::HashMap;
use std::net::SocketAddr;
use tokio::sync::mpsc;

/// Settings of the embedded broker.
#[derive(Debug, Clone)]
pub struct BrokerSettings {
    /// Where MQTT 3.1.1 clients connect.
    pub listen: SocketAddr,
    /// Largest payload accepted, octets (a MAP of a big intersection is a few KB).
    pub max_payload_size: usize,
    /// Most simultaneous connections.
    pub max_connections: usize,
}

impl Default for BrokerSettings {
    fn default() -> Self {
        BrokerSettings {
            listen: SocketAddr::from(([0, 0, 0, 0], 1883)),
            max_payload_size: 64 * 1024,
            max_connections: 20_000,
        }
    }
}

/// Why the broker could not start.
#[derive(Debug)]
pub struct BrokerError(String);

impl std::fmt::Display for BrokerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BrokerError {}

/// A running embedded broker.
pub struct EmbeddedBroker {
    tx: LinkTx,
}

impl EmbeddedBroker {
    /// Starts the broker on its own threads and forwards every message published under `V2X/`
    /// to `frames` (a bounded channel: when roadcloud falls behind, the link waits, and the
    /// broker's own per-connection limits push back on publishers).
    pub fn start(
        settings: &BrokerSettings,
        frames: mpsc::Sender<Frame>,
    ) -> Result<EmbeddedBroker, BrokerError> {
        // Fail early, with a clear message, if the port is taken (rumqttd would only log it).
        std::net::TcpListener::bind(settings.listen).map_err(|e| {
            BrokerError(format!(
                "cannot listen for MQTT on {}: {e} (choose another address with --mqtt-listen)",
                settings.listen
            ))
        })?;
        let connections = ConnectionSettings {
            connection_timeout_ms: 60_000,
            max_payload_size: settings.max_payload_size,
            max_inflight_count: 500,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
        };
        let server = ServerSettings {
            name: "v4".into(),
            listen: settings.listen,
            tls: None,
            next_connection_delay_ms: 0,
            connections,
        };
        let config = Config {
            id: 0,
            router: RouterConfig {
                max_connections: settings.max_connections,
                max_outgoing_packet_count: 1_000,
                max_segment_size: 100 * 1024 * 1024,
                max_segment_count: 10,
                custom_segment: None,
                initialized_filters: None,
                shared_subscriptions_strategy: Default::default(),
            },
            v4: Some(HashMap::from([("v4".to_string(), server)])),
            v5: None,
            ws: None,
            cluster: None,
            console: None,
            bridge: None,
            prometheus: None,
            metrics: None,
        };
        let mut broker = Broker::new(config);
        let (mut tx, rx) = broker
            .link("roadcloud-ingress")
            .map_err(|e| BrokerError(format!("cannot link to the embedded broker: {e}")))?;
        tx.subscribe("V2X/#")
            .map_err(|e| BrokerError(format!("cannot subscribe to V2X/#: {e}")))?;
        std::thread::Builder::new()
            .name("mqtt-broker".into())
            .spawn(move || {
                if let Err(e) = broker.start() {
                    tracing::error!("embedded MQTT broker stopped: {e}");
                }
            })
            .map_err(|e| BrokerError(format!("cannot start the broker thread: {e}")))?;
        tokio::spawn(forward(rx, frames));
        Ok(EmbeddedBroker { tx })
    }

    /// Publishes `payload` on `topic` to every subscriber (downlinks to devices).
    pub fn publish(&mut self, topic: String, payload: Vec<u8>) -> Result<(), BrokerError> {
        self.tx
            .try_publish(topic, payload)
            .map(|_| ())
            .map_err(|e| BrokerError(format!("publish failed: {e}")))
    }
}

async fn forward(mut rx: LinkRx, frames: mpsc::Sender<Frame>) {
    loop {
        match rx.next().await {
            Ok(Some(Notification::Forward(f))) => {
                let Ok(topic) = String::from_utf8(f.publish.topic.to_vec()) else {
                    continue;
                };
                let frame = Frame {
                    transport: Transport::Mqtt,
                    topic,
                    payload: f.publish.payload,
                    received_at: now_millis(),
                };
                if frames.send(frame).await.is_err() {
                    return; // roadcloud is shutting down
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!("embedded broker link closed: {e}");
                return;
            }
        }
    }
}
