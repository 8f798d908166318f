//! An MA that takes batches as MQTT messages: `mqtts://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC`
//! (or `mqtt://` on a private link), each batch published at QoS 1 and taken once the broker
//! has acknowledged it (PUBACK, MQTT 3.1.1 §4.3.2).

use crate::Endpoint;
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a batch may wait for the broker's acknowledgement.
const ACK_WITHIN: Duration = Duration::from_secs(10);

/// The largest batch the client sends, octets (500 reports with their evidence fit).
const MAX_PACKET: usize = 4 * 1024 * 1024;

/// An MQTT address of an MA, parsed.
#[derive(Clone, PartialEq, Eq)]
pub struct MqttUrl {
    /// The broker's host.
    pub host: String,
    /// Its port (8883 for `mqtts`, 1883 for `mqtt` when left out).
    pub port: u16,
    /// Over TLS.
    pub tls: bool,
    /// The topic each batch is published to.
    pub topic: String,
    /// User name and password for CONNECT, when given.
    pub credentials: Option<(String, String)>,
}

impl MqttUrl {
    /// Parses `mqtts://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC` or `mqtt://...`; the error says
    /// what is wrong and what is meant.
    pub fn parse(s: &str) -> Result<MqttUrl, String> {
        let shape = "mqtts://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC or, on a private link, mqtt://...";
        let url = url::Url::parse(s).map_err(|e| format!("{s:?} is not a URL ({e}): {shape}"))?;
        let (tls, default_port) = match url.scheme() {
            "mqtts" => (true, 8883),
            "mqtt" => (false, 1883),
            other => return Err(format!("{s:?}: unknown scheme {other:?}: {shape}")),
        };
        let host = url
            .host_str()
            .ok_or_else(|| format!("{s:?} names no host: {shape}"))?
            .trim_matches(['[', ']'])
            .to_string();
        let decode = |p: &str| -> String {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into()
        };
        let topic = decode(url.path().trim_start_matches('/'));
        // A topic to publish to names no wildcard (MQTT 3.1.1 §4.7.1); a URL's `#` and `?`
        // start a fragment and a query, which an MQTT address has not.
        let wildcard = topic.contains(['+', '#']) || url.fragment().is_some();
        if topic.is_empty() || wildcard || url.query().is_some() {
            return Err(format!("{s:?} names no topic to publish to: {shape}"));
        }
        let credentials = (!url.username().is_empty())
            .then(|| (decode(url.username()), decode(url.password().unwrap_or(""))));
        Ok(MqttUrl {
            host,
            port: url.port().unwrap_or(default_port),
            tls,
            topic,
            credentials,
        })
    }
}

/// Shown without the password, for logs.
impl fmt::Display for MqttUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", if self.tls { "mqtts" } else { "mqtt" })?;
        if let Some((user, _)) = &self.credentials {
            write!(f, "{user}:***@")?;
        }
        write!(f, "{}:{}/{}", self.host, self.port, self.topic)
    }
}

impl fmt::Debug for MqttUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What the connection's task tells the endpoint.
#[derive(Debug)]
enum Heard {
    /// A PUBLISH went out with this packet id.
    Sent(u16),
    /// The broker acknowledged this packet id.
    Acked(u16),
    /// The connection failed (rumqttc tries again).
    Failed(String),
}

/// An MA behind an MQTT broker (module docs). One task keeps the connection (rumqttc
/// reconnects after a failure); batches go one at a time.
pub struct MqttEndpoint {
    url: MqttUrl,
    client: AsyncClient,
    heard: mpsc::Receiver<Heard>,
    connection: tokio::task::AbortHandle,
}

impl Drop for MqttEndpoint {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

impl MqttEndpoint {
    /// An endpoint at `url` (module docs), as MQTT client `client_id`; `mqtts` needs `tls`
    /// (the CA to trust and, for a broker that asks, the client certificate). Connects in
    /// the background: a broker that cannot be reached fails the deliveries, with why.
    /// Needs a tokio runtime.
    pub fn new(
        url: &str,
        client_id: &str,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> Result<Self, String> {
        let url = MqttUrl::parse(url)?;
        let mut options = MqttOptions::new(client_id, url.host.clone(), url.port);
        match (url.tls, tls) {
            (true, Some(tls)) => options.set_transport(rumqttc::Transport::tls_with_config(
                rumqttc::TlsConfiguration::Rustls(tls),
            )),
            (true, None) => {
                return Err(format!(
                    "{url}: mqtts needs the CA that issued the MA's broker's certificate: give \
                     --ma-ca, or the zone's PKI (--pki) if it issued it"
                ));
            }
            (false, _) => &mut options,
        };
        if let Some((user, password)) = &url.credentials {
            options.set_credentials(user, password);
        }
        options.set_keep_alive(Duration::from_secs(30));
        options.set_max_packet_size(MAX_PACKET, 64 * 1024);
        options.set_clean_session(true);
        let (client, mut events) = AsyncClient::new(options, 16);
        let (tell, heard) = mpsc::channel(64);
        let connection = tokio::spawn(async move {
            loop {
                let heard = match events.poll().await {
                    Ok(Event::Outgoing(Outgoing::Publish(pkid))) => Heard::Sent(pkid),
                    Ok(Event::Incoming(Packet::PubAck(ack))) => Heard::Acked(ack.pkid),
                    Ok(_) => continue,
                    Err(e) => {
                        // rumqttc connects again at the next poll.
                        let _ = tell.try_send(Heard::Failed(e.to_string()));
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                // The endpoint waits for one batch at a time: what it is not waiting for
                // may go.
                let _ = tell.try_send(heard);
            }
        })
        .abort_handle();
        Ok(MqttEndpoint {
            url,
            client,
            heard,
            connection,
        })
    }
}

impl Endpoint for MqttEndpoint {
    async fn deliver(&mut self, body: Vec<u8>) -> Result<(), String> {
        // What was heard about earlier batches is over.
        let mut failure = None;
        while let Ok(h) = self.heard.try_recv() {
            if let Heard::Failed(e) = h {
                failure = Some(e);
            }
        }
        let deadline = tokio::time::Instant::now() + ACK_WITHIN;
        tokio::time::timeout_at(
            deadline,
            self.client
                .publish(self.url.topic.clone(), QoS::AtLeastOnce, false, body),
        )
        .await
        .map_err(|_| "the MQTT client's queue stayed full".to_string())?
        .map_err(|e| e.to_string())?;
        let mut sent = None;
        loop {
            match tokio::time::timeout_at(deadline, self.heard.recv()).await {
                Ok(Some(Heard::Sent(pkid))) => sent = Some(pkid),
                Ok(Some(Heard::Acked(pkid))) if sent == Some(pkid) => return Ok(()),
                Ok(Some(Heard::Acked(_))) => {}
                Ok(Some(Heard::Failed(e))) => failure = Some(e),
                Ok(None) => return Err("the MQTT connection's task ended".into()),
                Err(_) => {
                    return Err(match failure {
                        Some(e) => format!("no acknowledgement within 10 s ({e})"),
                        None => "no acknowledgement within 10 s".into(),
                    });
                }
            }
        }
    }

    fn describe(&self) -> String {
        self.url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::MqttUrl;

    #[test]
    fn mqtt_urls() {
        let u = MqttUrl::parse("mqtts://ma:p%40ss@ma.zone.example/misbehaviour/reports").unwrap();
        assert_eq!(u.host, "ma.zone.example");
        assert_eq!(u.port, 8883);
        assert!(u.tls);
        assert_eq!(u.topic, "misbehaviour/reports");
        assert_eq!(u.credentials, Some(("ma".into(), "p@ss".into())));
        assert_eq!(
            u.to_string(),
            "mqtts://ma:***@ma.zone.example:8883/misbehaviour/reports"
        );
        let plain = MqttUrl::parse("mqtt://127.0.0.1:1884/ma").unwrap();
        assert_eq!(
            (plain.port, plain.tls, plain.credentials),
            (1884, false, None)
        );
        for bad in [
            "mqtts://ma.example",
            "mqtts://ma.example/",
            "mqtts://ma.example/reports/#",
            "mqtts://ma.example/+/reports",
            "mqtts://ma.example/reports%2F%23",
            "mqtts://ma.example/reports?qos=2",
            "tcp://ma.example/reports",
            "ma.example/reports",
        ] {
            assert!(MqttUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
