//! `GET /api/v1/cluster`: the nodes that share the zone (docs/scale.md).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The cluster as this node sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cluster {
    /// Whether the node is in a cluster (`--cluster`).
    pub in_cluster: bool,
    /// Outside a cluster: how to form one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// This node's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// How many partitions the zone's tiles are dealt to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_count: Option<u16>,
    /// The partitions this node holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitions: Option<Vec<u16>>,
    /// The nodes alive.
    pub nodes: Vec<ClusterNode>,
}

/// A node of the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClusterNode {
    /// Its id (`--node-id`).
    pub node_id: String,
    /// Its track-id slot.
    pub slot: u16,
    /// Where its API listens.
    pub http: String,
    /// Where its MQTT front end listens.
    pub mqtt: Option<String>,
    /// The partitions it holds.
    pub partitions: Vec<u16>,
    /// Uplinks routed to its partitions it has not yet taken in.
    pub lag: u64,
    /// Its participants.
    pub participants: u64,
    /// How old its record is, ms.
    pub age_ms: i64,
}
