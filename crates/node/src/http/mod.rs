//! The node's HTTP side: the REST API and its OpenAPI document, operator logins, the live
//! feed over WebSocket and the web map, over one shared [`ApiState`].

pub(crate) mod api;
pub(crate) mod auth;
pub(crate) mod live;
pub(crate) mod series;
pub(crate) mod views;
pub(crate) mod web;

use crate::stages::WorldRef;
use roadcloud_access::Exposure;
use roadcloud_admission::Security;
use roadcloud_broker::BrokerStats;
use roadcloud_store::{Registry, Store};
use std::sync::Arc;

/// What the HTTP handlers share.
#[derive(Clone)]
pub(crate) struct ApiState {
    /// The live world, in the world stage.
    pub world: WorldRef,
    /// The store.
    pub store: Arc<Store>,
    /// The live feed: every 100 ms, what changed, as JSON text, in each view.
    pub live: live::Feeds,
    /// The last ten minutes, a sample a second (the charts' sink publishes them).
    pub series: tokio::sync::watch::Receiver<Arc<[series::Sample]>>,
    /// How the platform is reachable (shown by the API and the web map).
    pub exposure: Exposure,
    /// The device registry, operator accounts and the audit log.
    pub registry: Arc<Registry>,
    /// Whether operators must log in (the API is served over TLS).
    pub auth_required: bool,
    /// The MQTT front end's counters, when it runs.
    pub broker: Option<Arc<BrokerStats>>,
    /// The differential corrections' counters, when a source is configured.
    pub corrections: Option<Arc<roadcloud_corrections::Counters>>,
    /// Failed logins per client address.
    pub logins: Arc<auth::LoginThrottle>,
    /// What admission asks of signatures, and the zone's trust store.
    pub security: Arc<Security>,
    /// The cluster, when the node is in one.
    pub cluster: Option<crate::cluster::ClusterApi>,
}

/// The API, the web map and the login check in front of both, as one service that knows
/// each client's address (for the login throttle).
pub(crate) fn app(
    state: ApiState,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, auth::ClientAddr> {
    api::router(state.clone())
        .merge(web::router())
        .layer(axum::middleware::from_fn_with_state(state, auth::layer))
        .into_make_service_with_connect_info::<auth::ClientAddr>()
}
