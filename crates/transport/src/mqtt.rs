//! roadcloud as a client of an external MQTT broker (Mosquitto, EMQX, NATS's MQTT listener):
//! it subscribes to every uplink and publishes downlinks there. (Devices connecting to
//! roadcloud itself meet its own front end, the `roadcloud-broker` crate.) Uplinks become
//! [`Frame`]s on a bounded channel; downlinks go out through [`crate::Downlinks`].

use crate::{Frame, Transport, now_millis};
use tokio::sync::mpsc;

/// The topic filters of every uplink: `V2X/{RSU|OBU}/{id}/{MSG}/UP`, and the same with
/// `/JSON` (downlink topics end in `/DOWN` and are not read back).
pub const UPLINK_FILTERS: [&str; 2] = ["V2X/+/+/+/UP", "V2X/+/+/+/UP/JSON"];

/// Why a broker could not be started (roadcloud's front end) or reached (an external one).
#[derive(Debug)]
pub struct BrokerError(pub String);

impl std::fmt::Display for BrokerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BrokerError {}

/// An external broker roadcloud is a client of.
pub struct ExternalBroker {
    client: rumqttc::AsyncClient,
    /// The task reading uplinks from the broker.
    uplinks: tokio::task::AbortHandle,
}

/// `mqtt://HOST:PORT` (port 1883 when left out) as host and port.
pub fn parse_broker_url(url: &str) -> Result<(String, u16), BrokerError> {
    match parse_url(url)? {
        (host, port, false) => Ok((host, port)),
        (_, _, true) => Err(BrokerError(format!(
            "broker address {url:?}: this command speaks plain MQTT only; give mqtt://HOST:PORT"
        ))),
    }
}

/// `mqtt://HOST:PORT` (port 1883 when left out) or `mqtts://HOST:PORT` (MQTT over TLS, port
/// 8883 when left out) as host, port and whether it is TLS.
pub fn parse_url(url: &str) -> Result<(String, u16, bool), BrokerError> {
    let bad = || {
        BrokerError(format!(
            "broker address {url:?} is not of the form mqtt://HOST:PORT or mqtts://HOST:PORT \
             (e.g. mqtt://127.0.0.1:1883)"
        ))
    };
    let (rest, tls, default_port) =
        match (url.strip_prefix("mqtt://"), url.strip_prefix("mqtts://")) {
            (Some(r), _) => (r, false, 1883),
            (_, Some(r)) => (r, true, 8883),
            _ => return Err(bad()),
        };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
        None => (rest, default_port),
    };
    if host.is_empty() || host.contains('/') {
        return Err(bad());
    }
    Ok((host.trim_matches(['[', ']']).to_string(), port, tls))
}

impl ExternalBroker {
    /// Connects to the broker at `url` (`mqtt://HOST:PORT`, or `mqtts://HOST:PORT` with
    /// `tls`: the CA to trust and roadcloud's client certificate) as `client_id`, subscribes
    /// to every uplink at QoS 1, and forwards what arrives to `frames`. The connection is kept
    /// up in the background: after a broker restart roadcloud reconnects and subscribes again.
    /// Fails when the first connection cannot be made.
    pub async fn connect(
        url: &str,
        client_id: &str,
        tls: Option<std::sync::Arc<tokio_rustls::rustls::ClientConfig>>,
        frames: mpsc::Sender<Frame>,
    ) -> Result<ExternalBroker, BrokerError> {
        use rumqttc::{Event, MqttOptions, Packet, QoS};
        let (host, port, wants_tls) = parse_url(url)?;
        let mut options = MqttOptions::new(client_id, host, port);
        match (wants_tls, tls) {
            (true, Some(config)) => {
                options.set_transport(rumqttc::Transport::tls_with_config(
                    rumqttc::TlsConfiguration::Rustls(config),
                ));
            }
            (true, None) => {
                return Err(BrokerError(format!(
                    "{url} is MQTT over TLS: give --pki (its CA and roadcloud's client certificate)"
                )));
            }
            (false, _) => {}
        }
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
        let uplinks = tokio::spawn(async move {
            loop {
                match events.poll().await {
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let frame = Frame {
                            transport: Transport::Mqtt,
                            topic: p.topic,
                            payload: p.payload,
                            received_at: now_millis(),
                            ack: None,
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
        Ok(ExternalBroker {
            client,
            uplinks: uplinks.abort_handle(),
        })
    }

    /// The task reading uplinks: aborted, roadcloud reads no more from the broker (it can
    /// still publish downlinks until the client is dropped).
    pub fn uplinks(&self) -> tokio::task::AbortHandle {
        self.uplinks.clone()
    }
}

impl crate::Downlinks for ExternalBroker {
    /// Publishes at QoS 1; fails when the client's queue is full rather than waiting.
    fn publish(&mut self, topic: String, payload: Vec<u8>) -> Result<(), crate::DownlinkError> {
        self.client
            .try_publish(topic, rumqttc::QoS::AtLeastOnce, false, payload)
            .map_err(|e| crate::DownlinkError(format!("publish failed: {e}")))
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
        for bad in [
            "127.0.0.1:1883",
            "mqtt://",
            "mqtt://h:x",
            "tcp://h:1",
            "mqtts://h:1",
        ] {
            let e = parse_broker_url(bad).unwrap_err().to_string();
            assert!(e.contains("mqtt://HOST:PORT"), "{e}");
        }
        assert_eq!(
            super::parse_url("mqtts://broker.local").unwrap(),
            ("broker.local".to_string(), 8883, true)
        );
    }
}
