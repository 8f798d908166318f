//! The subscriptions, owned by one task: connections add and remove theirs, roadcloud's
//! downlinks are matched against them.
//!
//! A device's filters all begin with its own `V2X/{K}/{id}` (the ACL allows nothing else),
//! so filters whose first three levels have no wildcard are indexed by them and a downlink
//! looks only at its own device's; the rest (an unauthenticated lab client's `#`) are
//! scanned for every downlink.

use crate::BrokerStats;
use bytes::{Bytes, BytesMut};
use rumqttc::mqttbytes::QoS;
use rumqttc::mqttbytes::matches;
use rumqttc::mqttbytes::v4::Publish;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::mpsc;

/// A connection's id within the front end.
pub(crate) type ConnectionId = u64;

/// What the router is told.
pub(crate) enum Command {
    /// `connection` subscribes to `filter` (already allowed by the ACL); packets for it go
    /// to `outbox`.
    Subscribe {
        connection: ConnectionId,
        filter: String,
        outbox: mpsc::Sender<Bytes>,
    },
    /// `connection` unsubscribes from `filter`.
    Unsubscribe {
        connection: ConnectionId,
        filter: String,
    },
    /// `connection` has closed.
    Closed { connection: ConnectionId },
    /// roadcloud publishes a downlink.
    Publish { topic: String, payload: Bytes },
}

struct Subscription {
    connection: ConnectionId,
    filter: String,
    outbox: mpsc::Sender<Bytes>,
}

#[derive(Default)]
struct Subscriptions {
    /// By the filter's first three levels, when they have no wildcard.
    by_device: HashMap<String, Vec<Subscription>>,
    /// Filters with a wildcard in their first three levels.
    wild: Vec<Subscription>,
    /// Each connection's filters, to remove them when it closes.
    of_connection: HashMap<ConnectionId, Vec<String>>,
}

/// The first three levels of a topic or filter (`V2X/OBU/{id}`), if it has that many.
fn device_key(s: &str) -> Option<&str> {
    let mut ends = s.match_indices('/').map(|(i, _)| i);
    let (_, _, third) = (ends.next()?, ends.next()?, ends.next()?);
    Some(&s[..third])
}

impl Subscriptions {
    fn add(&mut self, s: Subscription) {
        let filters = self.of_connection.entry(s.connection).or_default();
        if filters.contains(&s.filter) {
            return; // MQTT 3.1.1 §3.8.4: a repeated filter replaces the old one
        }
        filters.push(s.filter.clone());
        match device_key(&s.filter).filter(|k| !k.contains(['+', '#'])) {
            Some(k) => self.by_device.entry(k.to_string()).or_default().push(s),
            None => self.wild.push(s),
        }
    }

    fn remove(&mut self, connection: ConnectionId, filter: &str) {
        let keep = |s: &Subscription| !(s.connection == connection && s.filter == filter);
        match device_key(filter).filter(|k| !k.contains(['+', '#'])) {
            Some(k) => {
                if let Some(v) = self.by_device.get_mut(k) {
                    v.retain(keep);
                    if v.is_empty() {
                        self.by_device.remove(k);
                    }
                }
            }
            None => self.wild.retain(keep),
        }
        if let Some(fs) = self.of_connection.get_mut(&connection) {
            fs.retain(|f| f != filter);
        }
    }

    fn close(&mut self, connection: ConnectionId) {
        for f in self.of_connection.remove(&connection).unwrap_or_default() {
            self.remove(connection, &f);
        }
    }

    /// Every subscription matching `topic`, one per connection.
    fn matching(&self, topic: &str) -> Vec<&Subscription> {
        let mut out: Vec<&Subscription> = Vec::new();
        let own = device_key(topic)
            .and_then(|k| self.by_device.get(k))
            .into_iter()
            .flatten();
        for s in own.chain(&self.wild) {
            if matches(topic, &s.filter) && !out.iter().any(|o| o.connection == s.connection) {
                out.push(s);
            }
        }
        out
    }
}

/// Runs the router until every sender is gone.
pub(crate) async fn run(mut inbox: mpsc::Receiver<Command>, stats: Arc<BrokerStats>) {
    let mut subs = Subscriptions::default();
    while let Some(command) = inbox.recv().await {
        match command {
            Command::Subscribe {
                connection,
                filter,
                outbox,
            } => subs.add(Subscription {
                connection,
                filter,
                outbox,
            }),
            Command::Unsubscribe { connection, filter } => subs.remove(connection, &filter),
            Command::Closed { connection } => subs.close(connection),
            Command::Publish { topic, payload } => {
                let targets = subs.matching(&topic);
                if targets.is_empty() {
                    continue;
                }
                // Encoded once, shared by every subscriber.
                let mut buf = BytesMut::with_capacity(topic.len() + payload.len() + 8);
                if Publish::from_bytes(topic, QoS::AtMostOnce, payload)
                    .write(&mut buf)
                    .is_err()
                {
                    continue;
                }
                let packet = buf.freeze();
                for s in targets {
                    // A client that does not read loses downlinks, never stalls the others.
                    if s.outbox.try_send(packet.clone()).is_err() {
                        stats.downlinks_dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(connection: ConnectionId, filter: &str) -> (Subscription, mpsc::Receiver<Bytes>) {
        let (tx, rx) = mpsc::channel(4);
        (
            Subscription {
                connection,
                filter: filter.into(),
                outbox: tx,
            },
            rx,
        )
    }

    #[test]
    fn downlinks_reach_the_matching_filters_once_per_connection() {
        let mut s = Subscriptions::default();
        let (a, _ra) = sub(1, "V2X/OBU/0000000000000001/ADVICE/DOWN");
        let (a2, _ra2) = sub(1, "V2X/OBU/0000000000000001/+/DOWN");
        let (b, _rb) = sub(2, "V2X/OBU/0000000000000002/ADVICE/DOWN");
        let (w, _rw) = sub(3, "V2X/OBU/+/ADVICE/DOWN");
        for x in [a, a2, b, w] {
            s.add(x);
        }
        let mut got: Vec<_> = s
            .matching("V2X/OBU/0000000000000001/ADVICE/DOWN")
            .iter()
            .map(|x| x.connection)
            .collect();
        got.sort();
        assert_eq!(got, vec![1, 3]);
        s.close(1);
        assert_eq!(s.matching("V2X/OBU/0000000000000001/ADVICE/DOWN").len(), 1);
        s.remove(3, "V2X/OBU/+/ADVICE/DOWN");
        assert_eq!(s.matching("V2X/OBU/0000000000000002/ADVICE/DOWN").len(), 1);
        assert!(s.wild.is_empty());
    }

    #[test]
    fn device_keys() {
        assert_eq!(device_key("V2X/OBU/01/ADVICE/DOWN"), Some("V2X/OBU/01"));
        assert_eq!(device_key("V2X/OBU"), None);
        assert_eq!(device_key("#"), None);
    }
}
