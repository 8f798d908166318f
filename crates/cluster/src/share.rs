//! What every node shares with the others over plain NATS subjects: downlinks (each node
//! relays the others' to its own MQTT front end, where the device may be connected), views
//! of its participants (so every node's API lists the whole zone), and its tracks near
//! other nodes' tiles (border mirrors).

use crate::{Cluster, DOWNLINK_SUBJECT, VIEW_SUBJECT, mirror_subject};
use anyhow::{Context, Result};
use futures_util::StreamExt;
use roadcloud_transport::{DownlinkError, Downlinks};
use roadcloud_wire::{Downlink, MirrorBatch, SenderHandover, StandingAdvisory, ZoneView};
use roadcloud_world::Track;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Downlinks published on the node's own way out and, for the other nodes' front ends, on
/// the cluster's downlink subject.
struct SharedDownlinks {
    local: Option<Box<dyn Downlinks>>,
    cluster: mpsc::Sender<(String, Vec<u8>)>,
}

impl Downlinks for SharedDownlinks {
    fn publish(&mut self, topic: String, payload: Vec<u8>) -> Result<(), DownlinkError> {
        let local = match self.local.as_mut() {
            Some(l) => l.publish(topic.clone(), payload.clone()),
            None => Ok(()),
        };
        self.cluster
            .try_send((topic, payload))
            .map_err(|e| DownlinkError(format!("downlink not queued for the cluster: {e}")))?;
        local
    }
}

/// Publishes what the world stage gave the cluster, in order.
async fn publish_downlinks(cluster: Cluster, mut out: mpsc::Receiver<(String, Vec<u8>)>) {
    let from_node = cluster.config.node_id.clone();
    while let Some((topic, payload)) = out.recv().await {
        let d = Downlink {
            from_node: from_node.clone(),
            topic,
            payload,
        };
        if let Err(e) = cluster
            .client
            .publish(DOWNLINK_SUBJECT, roadcloud_wire::encode(&d).into())
            .await
        {
            tracing::warn!("downlink not shared with the cluster: {e}");
        }
    }
}

/// The views of the other nodes' participants, by node id, each as last received.
#[derive(Debug, Clone, Default)]
pub struct Views {
    /// The latest view of each other node.
    pub by_node: BTreeMap<String, ZoneView>,
}

impl Cluster {
    /// The node's way out: `local` (its own front end or external broker, if any), and the
    /// cluster's downlink subject.
    pub fn downlinks(&self, local: Option<Box<dyn Downlinks>>) -> Box<dyn Downlinks> {
        // As many as the front end's router queues: the world stage never waits on NATS.
        let (tx, rx) = mpsc::channel(16_384);
        tokio::spawn(publish_downlinks(self.clone(), rx));
        Box::new(SharedDownlinks { local, cluster: tx })
    }

    /// Relays the other nodes' downlinks to `local` (this node's MQTT front end), until
    /// the task is aborted.
    pub async fn relay_downlinks(&self, mut local: Box<dyn Downlinks>) -> Result<JoinHandle<()>> {
        let mut sub = self
            .client
            .subscribe(DOWNLINK_SUBJECT)
            .await
            .context("cannot subscribe to the cluster's downlinks")?;
        let me = self.config.node_id.clone();
        Ok(tokio::spawn(async move {
            while let Some(m) = sub.next().await {
                match roadcloud_wire::decode::<Downlink>(&m.payload) {
                    Ok(d) if d.from_node == me => {}
                    Ok(d) => {
                        if let Err(e) = local.publish(d.topic, d.payload) {
                            tracing::warn!("a cluster downlink not relayed: {e}");
                        }
                    }
                    Err(e) => tracing::warn!("a cluster downlink dropped: {e}"),
                }
            }
        }))
    }

    /// Sends `node` this node's tracks near its tiles, to hold as mirrors, with what this
    /// node last sent their vehicles for each condition that stands, and what its
    /// misbehaviour detector knows of the senders near those tiles.
    pub async fn publish_mirrors(
        &self,
        node: &str,
        tracks: Vec<Track>,
        standing: Vec<StandingAdvisory>,
        senders: Vec<SenderHandover>,
    ) -> Result<()> {
        let batch = MirrorBatch {
            from_node: self.config.node_id.clone(),
            tracks,
            standing,
            senders,
        };
        self.client
            .publish(mirror_subject(node), roadcloud_wire::encode(&batch).into())
            .await
            .context("cannot send border mirrors")
    }

    /// The other nodes' tracks near this node's tiles, as they come (a bounded queue: when
    /// the world stage falls behind, older batches are dropped, as newer copies follow).
    pub async fn mirrors(&self) -> Result<(mpsc::Receiver<MirrorBatch>, JoinHandle<()>)> {
        let mut sub = self
            .client
            .subscribe(mirror_subject(&self.config.node_id))
            .await
            .context("cannot subscribe to the border mirrors")?;
        let (tx, rx) = mpsc::channel(16);
        let task = tokio::spawn(async move {
            while let Some(m) = sub.next().await {
                match roadcloud_wire::decode::<MirrorBatch>(&m.payload) {
                    Ok(batch) => {
                        if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(batch) {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!("border mirrors dropped: {e}"),
                }
            }
        });
        Ok((rx, task))
    }

    /// Publishes this node's view of its participants to the others.
    pub async fn publish_view(&self, view: &ZoneView) -> Result<()> {
        self.client
            .publish(VIEW_SUBJECT, roadcloud_wire::encode(view).into())
            .await
            .context("cannot publish the zone view")
    }

    /// The other nodes' views as they come; a node's view is dropped once older than two
    /// leases (the node is gone, or its partitions went to others).
    pub async fn views(&self) -> Result<(watch::Receiver<Arc<Views>>, JoinHandle<()>)> {
        let mut sub = self
            .client
            .subscribe(VIEW_SUBJECT)
            .await
            .context("cannot subscribe to the zone views")?;
        let me = self.config.node_id.clone();
        let keep_ms = 2 * self.config.lease.as_millis() as i64;
        let (tx, rx) = watch::channel(Arc::new(Views::default()));
        let task = tokio::spawn(async move {
            let mut views = Views::default();
            while let Some(m) = sub.next().await {
                match roadcloud_wire::decode::<ZoneView>(&m.payload) {
                    Ok(v) if v.node_id == me => {}
                    Ok(v) => {
                        let now = roadcloud_transport::now_millis();
                        views.by_node.retain(|_, v| now - v.at_ms <= keep_ms);
                        views.by_node.insert(v.node_id.clone(), v);
                        tx.send_replace(Arc::new(views.clone()));
                    }
                    Err(e) => tracing::warn!("a zone view dropped: {e}"),
                }
            }
        });
        Ok((rx, task))
    }
}
