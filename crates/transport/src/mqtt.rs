//! MQTT ingress and egress.
//!
//! By default roadcloud embeds a broker (rumqttd): devices connect to it as to any broker, and
//! roadcloud reads every uplink through an in-process link, without a network hop. With an
//! external broker (Mosquitto, EMQX, NATS's MQTT listener) roadcloud is a client of it
//! instead ([`ExternalBroker`]). Either way uplinks become [`Frame`]s on one bounded channel,
//! and [`MqttLink::publish`] sends downlinks.

use crate::{Frame, Transport, now_millis};
use rumqttd::local::{LinkRx, LinkTx};
use rumqttd::{Broker, Config, ConnectionSettings, Notification, RouterConfig, ServerSettings};
use std::collections::HashMap;
use std::net::SocketAddr;
use tokio::sync::mpsc;

/// The topic filters of every uplink: `V2X/{RSU|OBU}/{id}/{MSG}/UP`, and the same with
/// `/JSON` (downlink topics end in `/DOWN` and are not read back).
pub const UPLINK_FILTERS: [&str; 2] = ["V2X/+/+/+/UP", "V2X/+/+/+/UP/JSON"];

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
        for filter in UPLINK_FILTERS {
            tx.subscribe(filter)
                .map_err(|e| BrokerError(format!("cannot subscribe to {filter}: {e}")))?;
        }
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
            // The router parks a link whose buffer filled up; it resumes when told the link
            // has caught up (what rumqttd's own network links do).
            Ok(Some(Notification::Unschedule)) => {
                if let Err(e) = rx.wake().await {
                    tracing::error!("embedded broker link closed: {e}");
                    return;
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

/// An external broker roadcloud is a client of.
pub struct ExternalBroker {
    client: rumqttc::AsyncClient,
}

/// `mqtt://HOST:PORT` (port 1883 when left out) as host and port.
pub fn parse_broker_url(url: &str) -> Result<(String, u16), BrokerError> {
    let bad = || {
        BrokerError(format!(
            "broker address {url:?} is not of the form mqtt://HOST:PORT (e.g. mqtt://127.0.0.1:1883)"
        ))
    };
    let rest = url.strip_prefix("mqtt://").ok_or_else(bad)?;
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
        None => (rest, 1883),
    };
    if host.is_empty() || host.contains('/') {
        return Err(bad());
    }
    Ok((host.trim_matches(['[', ']']).to_string(), port))
}

impl ExternalBroker {
    /// Connects to the broker at `url` (`mqtt://HOST:PORT`) as `client_id`, subscribes to
    /// every uplink at QoS 1, and forwards what arrives to `frames`. The connection is kept up
    /// in the background: after a broker restart roadcloud reconnects and subscribes again.
    /// Fails when the first connection cannot be made.
    pub async fn connect(
        url: &str,
        client_id: &str,
        frames: mpsc::Sender<Frame>,
    ) -> Result<ExternalBroker, BrokerError> {
        use rumqttc::{Event, MqttOptions, Packet, QoS};
        let (host, port) = parse_broker_url(url)?;
        let mut options = MqttOptions::new(client_id, host, port);
        options.set_keep_alive(std::time::Duration::from_secs(30));
        options.set_max_packet_size(64 * 1024, 64 * 1024);
        options.set_clean_session(true);
        let (client, mut events) = rumqttc::AsyncClient::new(options, 1_024);
        // Acknowledgements and downlinks go out at once, not after Nagle's delay.
        events.network_options.set_tcp_nodelay(true);
        // The first connection decides whether the address is right.
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(BrokerError(format!(
                        "cannot connect to the MQTT broker at {url}: {e} (is it running? check --broker)"
                    )));
                }
            }
        }
        let subscribe = {
            let client = client.clone();
            move || {
                let client = client.clone();
                async move {
                    for filter in UPLINK_FILTERS {
                        if let Err(e) = client.subscribe(filter, QoS::AtLeastOnce).await {
                            tracing::error!("cannot subscribe to {filter}: {e}");
                        }
                    }
                }
            }
        };
        subscribe().await;
        let url = url.to_string();
        tokio::spawn(async move {
            loop {
                match events.poll().await {
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let frame = Frame {
                            transport: Transport::Mqtt,
                            topic: p.topic,
                            payload: p.payload,
                            received_at: now_millis(),
                        };
                        if frames.send(frame).await.is_err() {
                            return; // roadcloud is shutting down
                        }
                    }
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        tracing::info!("reconnected to the MQTT broker at {url}");
                        tokio::spawn(subscribe());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!("MQTT broker at {url}: {e}; retrying in 1 s");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(ExternalBroker { client })
    }
}

/// Where downlinks go: the embedded broker, or the external one.
pub enum MqttLink {
    /// The embedded broker.
    Embedded(EmbeddedBroker),
    /// An external broker.
    External(ExternalBroker),
}

impl MqttLink {
    /// Publishes `payload` on `topic` (QoS 0 on the embedded broker's link, QoS 1 to an
    /// external broker). Fails when the link's queue is full rather than waiting.
    pub fn publish(&mut self, topic: String, payload: Vec<u8>) -> Result<(), BrokerError> {
        match self {
            MqttLink::Embedded(b) => b.publish(topic, payload),
            MqttLink::External(b) => b
                .client
                .try_publish(topic, rumqttc::QoS::AtLeastOnce, false, payload)
                .map_err(|e| BrokerError(format!("publish failed: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_broker_url;

    #[test]
    fn broker_urls() {
        assert_eq!(
            parse_broker_url("mqtt://127.0.0.1:1884").unwrap(),
            ("127.0.0.1".to_string(), 1884)
        );
        assert_eq!(
            parse_broker_url("mqtt://broker.local").unwrap(),
            ("broker.local".to_string(), 1883)
        );
        assert_eq!(
            parse_broker_url("mqtt://[::1]:1883").unwrap(),
            ("::1".to_string(), 1883)
        );
        for bad in ["127.0.0.1:1883", "mqtt://", "mqtt://h:x", "tcp://h:1"] {
            let e = parse_broker_url(bad).unwrap_err().to_string();
            assert!(e.contains("mqtt://HOST:PORT"), "{e}");
        }
    }
}
