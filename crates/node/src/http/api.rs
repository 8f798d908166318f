//! The HTTP API: `/api/v1/...`, `/metrics`, `/healthz`.
//!
//! Every handler answers with a type of [`roadcloud_api`] and carries its OpenAPI
//! description (`#[utoipa::path]`); the routes are registered through
//! [`utoipa_axum::router::OpenApiRouter`], so the document served at `/api/v1/openapi.json`
//! lists exactly the routes served, with the schemas of what they answer.

use crate::cluster::ClusterApi;
use crate::http::ApiState;
use crate::http::auth::{self, Caller};
use crate::http::{live, views};
use crate::stages::Stopped;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use roadcloud_admission::Reason;
use roadcloud_admission::Security;
use roadcloud_api::apps::{AdvisoryList, App, AppChange, AppList};
use roadcloud_api::cluster::{Cluster, ClusterNode};
use roadcloud_api::history::{
    AuditEntry, AuditLog, DeviceStatusChange, DeviceStatusList, EventChange, EventChangeList,
    Trajectory, TrajectoryPoint,
};
use roadcloud_api::misbehaviour::{CameraCells, Check, Checks, ReportList};
use roadcloud_api::stats::{
    CrlTaken, Exposure, LatencyHistogram, LatencySummary, Series, ShardStats as ShardLoad,
    Signatures, Stats, Stored, TrustStore, WorldBusy,
};
use roadcloud_api::zone::{
    CarParkList, DeviceActivity, DeviceActivityList, GapList, IntersectionList, LaneRule,
    LaneRuleChange, LaneRuleList, ObstacleList, Participant, ParticipantList, RoadEventList,
};
use roadcloud_api::{ApiError as ErrorBody, Switch};
use roadcloud_pipeline::ShardStats;
use roadcloud_store::AdvisoryQuery;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::LazyLock;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod registry;

/// The document's frame: what the API is, its units, and how callers authenticate; the
/// paths and schemas come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "roadcloud API",
        description = "The live digital twin of a C-V2X pilot zone: participants (fused tracks), \
            intersections with signal state, road events, devices, pipeline statistics, the \
            cooperative applications with the advisories they send, misbehaviour detection, \
            and the registry of devices and operators. Positions are WGS-84 degrees; speeds \
            m/s; headings degrees clockwise from true north; times milliseconds since the Unix \
            epoch (UTC). Generated from roadcloud's handlers and the types of roadcloud-api."
    ),
    modifiers(&Authentication),
    security(("bearer" = []), ("cookie" = []))
)]
struct ApiDoc;

/// The two ways a caller shows who it is.
struct Authentication;

impl utoipa::Modify for Authentication {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "When serve runs with --pki (or the --tls-* files): a token from \
                         `roadcloud users add`, POST /api/v1/login or POST \
                         /api/v1/registry/users/{name}/tokens. Reading needs viewer, changes \
                         operator, the registry and CRLs admin. Without TLS nobody is asked.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                auth::COOKIE,
                "The token POST /api/v1/login sets, for the web map.",
            ))),
        );
    }
}

/// Every documented route, with its handler.
fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .routes(routes!(metrics))
        .routes(routes!(participants))
        .routes(routes!(participant))
        .routes(routes!(devices))
        .routes(routes!(intersections))
        .routes(routes!(events))
        .routes(routes!(obstacles))
        .routes(routes!(gaps))
        .routes(routes!(car_parks))
        .routes(routes!(lane_rules, set_lane_rule, lift_lane_rule))
        .routes(routes!(stats))
        .routes(routes!(cluster))
        .routes(routes!(latency))
        .routes(routes!(series))
        .routes(routes!(live::handler))
        .routes(routes!(history_trajectory))
        .routes(routes!(history_events))
        .routes(routes!(history_devices))
        .routes(routes!(apps))
        .routes(routes!(app, configure_app))
        .routes(routes!(advisories))
        .routes(routes!(misbehaviour))
        .routes(routes!(misbehaviour_checks))
        .routes(routes!(misbehaviour_check, switch_misbehaviour_check))
        .routes(routes!(audit))
        .routes(routes!(v2x))
        .routes(routes!(push_crl))
        .routes(routes!(auth::login))
        .routes(routes!(auth::whoami))
        .merge(registry::routes())
}

/// The OpenAPI document of every route [`router`] serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}

/// The document as served, made once.
static OPENAPI: LazyLock<String> = LazyLock::new(crate::openapi_json);

/// The API's routes over the shared world and the store.
pub fn router(state: ApiState) -> Router {
    routes().split_for_parts().0.with_state(state)
}

/// `/healthz`, `/metrics` and the counters of `/api/v1/stats`, for `--monitor-listen` (no
/// login there: counts and latencies, never a position or an id).
pub fn monitor_router(state: ApiState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/stats/latency", get(latency))
        .with_state(state)
}

/// Liveness: `ok` while the node serves.
#[utoipa::path(get, path = "/healthz", tag = "node",
    responses((status = 200, description = "the node serves", body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok\n"
}

/// This document (OpenAPI 3.1), generated from the handlers and the types of roadcloud-api.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "node",
    responses((status = 200, description = "the OpenAPI document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI.as_str(),
    )
}

/// The audit log: every change operators made, newest first: who (actor), from where
/// (source), what (action: `app.switch`, `app.configure`, `user.login`, `device.put`, ...),
/// on what (target) and the change (detail).
#[utoipa::path(get, path = "/api/v1/audit", tag = "access",
    params(
        ("after" = Option<i64>, Query, description = "Only entries after this sequence number."),
        ("limit" = Option<u32>, Query, description = "At most this many (100; at most 1,000)."),
    ),
    responses(
        (status = 200, description = "the entries", body = AuditLog),
        (status = 400, description = "a malformed query", body = ErrorBody),
    ))]
async fn audit(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<AuditLog>, ApiError> {
    let after = q
        .get("after")
        .map_or(Ok(0), |a| a.parse::<i64>())
        .map_err(|_| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "after must be a sequence number".into(),
            )
        })?;
    let limit = q
        .get("limit")
        .map_or(Ok(100), |a| a.parse::<u32>())
        .map_err(|_| ApiError(StatusCode::BAD_REQUEST, "limit must be a number".into()))?;
    let entries: Vec<AuditEntry> = state
        .registry
        .audit_log(after, limit.min(1_000))
        .map_err(internal)?
        .into_iter()
        .map(|e| AuditEntry {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            source: e.source,
            action: e.action,
            target: e.target,
            detail: e
                .detail
                .and_then(|d| serde_json::from_str::<Value>(&d).ok()),
        })
        .collect();
    Ok(Json(AuditLog {
        count: entries.len(),
        entries,
    }))
}

/// Every live participant (in a cluster, the whole zone's: each node's own and the
/// others', marked with their node), by track number.
#[utoipa::path(get, path = "/api/v1/participants", tag = "zone",
    params(("bbox" = Option<String>, Query, description = "minLon,minLat,maxLon,maxLat in degrees, e.g. 121.16,31.28,121.17,31.29")),
    responses(
        (status = 200, description = "the participants", body = ParticipantList),
        (status = 400, description = "a malformed bbox", body = ErrorBody),
    ))]
async fn participants(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<ParticipantList>, ApiError> {
    let bbox = q
        .get("bbox")
        .map(|b| parse_bbox(b))
        .transpose()
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))?;
    let mut list: Vec<Participant> = state
        .world
        .read(move |w| {
            let p = &w.pipeline;
            // Filter on the position first: only the participants listed are converted.
            p.tracks()
                .iter()
                .filter(|t| {
                    bbox.is_none_or(|b| {
                        let (lat, lon) = p.frame.to_wgs84(t.position);
                        in_bbox(b, lat, lon)
                    })
                })
                .map(|t| views::participant(&p.frame, t))
                .collect()
        })
        .await?;
    if let Some(cluster) = &state.cluster {
        merge_cluster(&mut list, cluster, bbox);
    }
    list.sort_by_key(|p| p.track);
    Ok(Json(ParticipantList {
        count: list.len(),
        participants: list,
    }))
}

/// In a cluster: this node's participants marked as its own, and the other nodes'
/// (within `bbox`), each vehicle once (a vehicle crossing to another node's tiles is, for
/// a moment, in both: the newer report stands).
fn merge_cluster(list: &mut Vec<Participant>, cluster: &ClusterApi, bbox: Option<[f64; 4]>) {
    for p in list.iter_mut() {
        p.node = Some(cluster.node_id.clone());
    }
    let views = cluster.views.borrow().clone();
    let mut at: HashMap<String, usize> = list
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    for (node, view) in &views.by_node {
        for p in &view.participants {
            if bbox.is_some_and(|b| !in_bbox(b, p.lat_deg, p.lon_deg)) {
                continue;
            }
            match at.get(&p.id) {
                Some(&i) if list[i].at >= p.at_ms => {}
                Some(&i) => list[i] = crate::cluster::remote_participant(node, p),
                None => {
                    at.insert(p.id.clone(), list.len());
                    list.push(crate::cluster::remote_participant(node, p));
                }
            }
        }
    }
}

/// The cluster: the nodes alive, the tile partitions each holds, their lag (uplinks routed
/// to them not yet taken in) and participants; outside a cluster, `in_cluster` false and
/// no nodes.
#[utoipa::path(get, path = "/api/v1/cluster", tag = "node",
    responses((status = 200, description = "the cluster", body = Cluster)))]
async fn cluster(State(state): State<ApiState>) -> Json<Cluster> {
    let Some(cluster) = &state.cluster else {
        return Json(Cluster {
            in_cluster: false,
            hint: Some(
                "start nodes with --cluster nats://HOST:PORT and --node-id NAME to share a zone"
                    .into(),
            ),
            node_id: None,
            partition_count: None,
            partitions: None,
            nodes: Vec::new(),
        });
    };
    let status = cluster.status.borrow().clone();
    let now = roadcloud_transport::now_millis();
    let nodes = status
        .nodes
        .iter()
        .map(|n| ClusterNode {
            node_id: n.node_id.clone(),
            slot: n.slot,
            http: n.http.clone(),
            mqtt: n.mqtt.clone(),
            partitions: n.partitions.clone(),
            lag: n.lag,
            participants: n.participants,
            age_ms: now - n.at_ms,
        })
        .collect();
    Json(Cluster {
        in_cluster: true,
        hint: None,
        node_id: Some(status.node_id.clone()),
        partition_count: Some(status.partition_count),
        partitions: Some(status.partitions.clone()),
        nodes,
    })
}

/// Whether WGS-84 `lat`, `lon` (degrees) lie in `[minLon, minLat, maxLon, maxLat]`.
fn in_bbox([min_lon, min_lat, max_lon, max_lat]: [f64; 4], lat: f64, lon: f64) -> bool {
    lat >= min_lat && lat <= max_lat && lon >= min_lon && lon <= max_lon
}

fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("bbox must be minLon,minLat,maxLon,maxLat in degrees, got {s:?}"))?;
    match v.as_slice() {
        [a, b, c, d] if a <= c && b <= d => Ok([*a, *b, *c, *d]),
        _ => Err(format!(
            "bbox must be minLon,minLat,maxLon,maxLat with min <= max, got {s:?}"
        )),
    }
}

/// One participant of this node.
#[utoipa::path(get, path = "/api/v1/participants/{id}", tag = "zone",
    params(("id" = String, Path, description = "The vehicle id as 16 hex digits, or track-N.")),
    responses(
        (status = 200, description = "the participant", body = Participant),
        (status = 404, description = "no such participant", body = ErrorBody),
    ))]
async fn participant(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Participant>, ApiError> {
    let wanted = id.clone();
    let found = state
        .world
        .read(move |w| {
            let p = &w.pipeline;
            // `{vehicle id in hex}` or `track-{n}`, as views::public_id writes them.
            let found = match wanted.strip_prefix("track-") {
                Some(n) => n
                    .parse()
                    .ok()
                    .and_then(|n| p.tracks().get(roadcloud_world::TrackId(n)))
                    .filter(|t| t.vehicle.is_none()),
                None => roadcloud_transport::DeviceId::parse(&wanted)
                    .and_then(|d| p.tracks().by_vehicle(d.0)),
            };
            found.map(|t| views::participant(&p.frame, t))
        })
        .await?;
    found
        .map(Json)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no participant {id}")))
}

/// Rejections by reason, as the API names the reasons.
fn by_reason<'a>(
    counts: impl IntoIterator<Item = (&'a Reason, &'a u64)>,
) -> std::collections::BTreeMap<String, u64> {
    counts
        .into_iter()
        .map(|(r, n)| (r.as_str().to_string(), *n))
        .collect()
}

/// RSUs and vehicles seen: messages admitted, rejections by reason, last seen.
#[utoipa::path(get, path = "/api/v1/devices", tag = "zone",
    responses((status = 200, description = "the devices", body = DeviceActivityList)))]
async fn devices(State(state): State<ApiState>) -> Result<Json<DeviceActivityList>, ApiError> {
    let mut list: Vec<DeviceActivity> = state
        .world
        .read(|w| {
            w.pipeline
                .admission
                .devices()
                .iter()
                .map(|(id, d)| DeviceActivity {
                    id: id.to_string(),
                    kind: d.kind.map(|k| k.as_str().to_string()),
                    admitted: d.admitted,
                    rejected: by_reason(&d.rejected),
                    last_seen: d.last_seen,
                    last_message: d.last_message.map(|m| m.as_str().to_string()),
                    online: d.online,
                    rate_per_s: d.rate_per_s(),
                })
                .collect()
        })
        .await?;
    list.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Json(DeviceActivityList {
        count: list.len(),
        devices: list,
    }))
}

/// The node's counters: messages, admission, participants, ingest latency (from each BSM's
/// generation time to the end of the batch that applied it), advisories, signatures,
/// shards, rows committed to the store (what is counted there survives a crash), and how
/// the platform is reachable.
#[utoipa::path(get, path = "/api/v1/stats", tag = "node",
    responses((status = 200, description = "the counters", body = Stats)))]
async fn stats(State(state): State<ApiState>) -> Result<Json<Stats>, ApiError> {
    let security = state.security.clone();
    let stored = stored(&state);
    let exposure = match &state.exposure {
        roadcloud_access::Exposure::Protected => Exposure::Protected,
        roadcloud_access::Exposure::Insecure { exposed } => Exposure::Insecure {
            exposed: exposed.clone(),
        },
    };
    let stats = state
        .world
        .read(move |w| {
            let p = &w.pipeline;
            Stats {
                started_at: w.started_at,
                received: p.counters.received,
                admitted: p.counters.admitted,
                admitted_by_kind: p
                    .counters
                    .admitted_by_kind()
                    .map(|(k, n)| (k.to_string(), n))
                    .collect(),
                rejected: by_reason(&p.admission.rejections()),
                observations: p.counters.observations,
                participants: p.tracks().len(),
                devices: p.admission.devices().len(),
                ingest_latency_ms: summary(&p.latency),
                advice_latency_ms: summary(&p.advice_latency),
                world_busy_s: WorldBusy {
                    ingest: p.counters.ingest_busy_us as f64 / 1e6,
                    apps: p.counters.apps_busy_us as f64 / 1e6,
                },
                advisories_sent: p
                    .advisories_sent
                    .iter()
                    .map(|(k, n)| (k.to_string(), *n))
                    .collect(),
                signatures: signatures(&security, p),
                shards: p
                    .shard_stats()
                    .iter()
                    .map(|s| ShardLoad {
                        tracks: s.tracks,
                        mirrors: s.mirrors,
                        handed_over: s.handed_over,
                        dropped: s.dropped,
                        scenes: s.scenes.built,
                        scene_tiles: s.scenes.tiles,
                        scene_participants: s.scenes.participants,
                        scene_targets: s.scenes.targets,
                    })
                    .collect(),
                stored,
                exposure,
            }
        })
        .await?;
    Ok(Json(stats))
}

/// What admission asks of signatures and how much it verified (shown on the web map's
/// header and in /api/v1/stats).
fn signatures(security: &Security, p: &roadcloud_pipeline::Pipeline) -> Signatures {
    let s = p.admission.signatures();
    Signatures {
        required: !security.allow_unsigned,
        verified: s.verified,
        deferred: s.deferred,
        verified_later: s.verified_later,
        failed_later: s.failed_later,
        unsigned: s.unsigned,
        verified_share: s.verified_share(),
        certificates: security.store.len(),
        revoked: security.store.revoked_count(),
    }
}

/// The V2X trust store: whether signatures are required (not under `--allow-unsigned`),
/// the certificates it holds, how many are revoked, and what it has checked.
#[utoipa::path(get, path = "/api/v1/v2x", tag = "security",
    responses((status = 200, description = "the trust store", body = TrustStore)))]
async fn v2x(State(state): State<ApiState>) -> Result<Json<TrustStore>, ApiError> {
    use std::sync::atomic::Ordering::Relaxed;
    let security = state.security.clone();
    let signatures = state
        .world
        .read(move |w| signatures(&security, &w.pipeline))
        .await?;
    let c = &state.security.store.counters;
    Ok(Json(TrustStore {
        signatures,
        signatures_checked: c.signatures_checked.load(Relaxed),
        certificates_learned: c.certificates_learned.load(Relaxed),
        certificate_cache_hits: c.certificate_cache_hits.load(Relaxed),
    }))
}

/// Takes a signed CRL at once, no restart (admins): the body is an IEEE 1609.2
/// `SecuredCrl` in COER (a full or delta hash-based CRL signed by a certificate of the
/// zone permitted PSID 256, as `roadcloud pki v2x revoke` writes to `crl/crl.coer`).
/// Certificates it lists are refused from the next message on. Audited as `v2x.crl`.
#[utoipa::path(post, path = "/api/v1/v2x/crl", tag = "security",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the SecuredCrl, COER"),
    responses(
        (status = 200, description = "the certificates it revoked", body = CrlTaken),
        (status = 400, description = "the CRL is malformed, unsigned, or not signed by a trusted CRL signer", body = ErrorBody),
    ))]
async fn push_crl(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Result<Json<CrlTaken>, ApiError> {
    let revoked = state.security.store.load_crl(&body).map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("CRL not taken ({}): {e}", e.as_str()),
        )
    })?;
    tracing::info!(by = caller.name(), revoked, "CRL taken");
    record_change(
        &state,
        &caller,
        "v2x.crl",
        "crl",
        Some(&format!("{revoked} revoked")),
    )?;
    Ok(Json(CrlTaken { revoked }))
}

/// A histogram's count and percentiles.
fn summary(h: &roadcloud_pipeline::LatencyHistogram) -> LatencySummary {
    LatencySummary {
        count: h.total(),
        p50: h.percentile_ms(50.0),
        p99: h.percentile_ms(99.0),
        p999: h.percentile_ms(99.9),
    }
}

/// A latency histogram, in 0.1 ms buckets, the non-empty ones only; bucket 20000 holds
/// everything from 2 s. Two readings subtracted give a time window's histogram (`roadcloud
/// bench` does this). `of=ingest` (the default): every admitted BSM's latency from its
/// generation time (`secMark`, 1 ms resolution) to the end of the batch that applied it to
/// the world; `of=advice`: every advisory's, from the generation of the report it rests on
/// to its hand-off to the downlinks.
#[utoipa::path(get, path = "/api/v1/stats/latency", tag = "node",
    params(("of" = Option<String>, Query, description = "`ingest` (default) or `advice`.")),
    responses(
        (status = 200, description = "the histogram", body = LatencyHistogram),
        (status = 400, description = "`of` is neither `ingest` nor `advice`", body = ErrorBody),
    ))]
async fn latency(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<LatencyHistogram>, ApiError> {
    let advice = match q.get("of").map(String::as_str) {
        None | Some("ingest") => false,
        Some("advice") => true,
        Some(other) => {
            return Err(bad_request(format!(
                "of must be ingest or advice, got {other:?}"
            )));
        }
    };
    let v = state
        .world
        .read(move |w| {
            let p = &w.pipeline;
            let h = if advice {
                &p.advice_latency
            } else {
                &p.latency
            };
            LatencyHistogram {
                bucket_ms: 0.1,
                count: h.total(),
                buckets: h.buckets().map(|(i, n)| [i as u64, n]).collect(),
            }
        })
        .await?;
    Ok(Json(v))
}

/// The last ten minutes, a sample a second, oldest first (the web map's charts).
#[utoipa::path(get, path = "/api/v1/stats/series", tag = "node",
    responses((status = 200, description = "the samples", body = Series)))]
async fn series(State(state): State<ApiState>) -> Json<Series> {
    let samples = state.series.borrow().to_vec();
    Json(Series {
        interval_ms: 1000,
        count: samples.len(),
        samples,
    })
}

/// Rows committed to the store, and when the last commit was.
fn stored(state: &ApiState) -> Stored {
    let c = state.store.stored().counts();
    Stored {
        trajectories: c.trajectories,
        events: c.events,
        device_status: c.device_status,
        advisories: c.advisories,
        misbehaviour: c.misbehaviour,
        last_commit_at: state
            .store
            .stored()
            .last_commit_at
            .load(std::sync::atomic::Ordering::Acquire),
    }
}

/// One metric of one value in the Prometheus text format: its help, its type, its value.
fn metric(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    use std::fmt::Write;
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    let _ = writeln!(out, "{name} {value}");
}

/// Prometheus metrics (text exposition format): messages, admission, signatures, latency,
/// participants, advisories, misbehaviour, the MQTT front end, the cluster.
#[utoipa::path(get, path = "/metrics", tag = "node",
    responses((status = 200, description = "the metrics", body = String, content_type = "text/plain; version=0.0.4")))]
async fn metrics(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let security = state.security.clone();
    let mut out = state
        .world
        .read(move |w| world_metrics(w, &security))
        .await?;
    broker_metrics(&mut out, &state);
    if let Some(c) = &state.corrections {
        corrections_metrics(&mut out, c);
    }
    if let Some(c) = &state.cluster {
        cluster_metrics(&mut out, c);
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}

/// The bucket bounds of the latency histograms in `/metrics`, seconds (the API's
/// `/api/v1/stats/latency` has them all, 0.1 ms apart).
const LATENCY_BOUNDS_S: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
];

/// A latency histogram as a Prometheus histogram: the buckets of [`LATENCY_BOUNDS_S`]; its
/// sum takes each latency at its 0.1 ms bucket's middle.
fn latency_metric(
    out: &mut String,
    name: &str,
    help: &str,
    h: &roadcloud_pipeline::LatencyHistogram,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} histogram");
    for le in LATENCY_BOUNDS_S {
        let n = h.count_below_ms(le * 1000.0);
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {n}");
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", h.total());
    let _ = writeln!(out, "{name}_sum {}", h.sum_s());
    let _ = writeln!(out, "{name}_count {}", h.total());
}

/// The world's metrics in the Prometheus text format: frames, admission, signatures,
/// latency, participants, advisories, misbehaviour.
fn world_metrics(w: &crate::World, security: &Security) -> String {
    let p = &w.pipeline;
    let mut out = String::new();
    let c = &p.counters;
    let _ = writeln!(
        out,
        "# HELP roadcloud_frames_received_total Frames received from devices."
    );
    let _ = writeln!(out, "# TYPE roadcloud_frames_received_total counter");
    let _ = writeln!(out, "roadcloud_frames_received_total {}", c.received);
    let _ = writeln!(
        out,
        "# HELP roadcloud_frames_admitted_total Frames admitted, by message kind."
    );
    let _ = writeln!(out, "# TYPE roadcloud_frames_admitted_total counter");
    for (k, n) in c.admitted_by_kind() {
        let _ = writeln!(
            out,
            "roadcloud_frames_admitted_total{{message=\"{k}\"}} {n}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP roadcloud_advisories_sent_total Advisories sent to vehicles, by scenario."
    );
    let _ = writeln!(out, "# TYPE roadcloud_advisories_sent_total counter");
    for (k, n) in &p.advisories_sent {
        let _ = writeln!(
            out,
            "roadcloud_advisories_sent_total{{scenario=\"{k}\"}} {n}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP roadcloud_frames_rejected_total Frames rejected by admission, by reason."
    );
    let _ = writeln!(out, "# TYPE roadcloud_frames_rejected_total counter");
    let rejected = p.admission.rejections();
    for r in Reason::ALL {
        let _ = writeln!(
            out,
            "roadcloud_frames_rejected_total{{reason=\"{}\"}} {}",
            r.as_str(),
            rejected.get(&r).copied().unwrap_or(0)
        );
    }
    let signatures = p.admission.signatures();
    {
        use std::sync::atomic::Ordering::Relaxed;
        let store = &security.store;
        for (name, kind, help, v) in [
            (
                "roadcloud_messages_verified_total",
                "counter",
                "Messages admitted with their signature verified on arrival.",
                signatures.verified,
            ),
            (
                "roadcloud_messages_deferred_total",
                "counter",
                "Messages admitted with their signature's check deferred (--verify on-demand).",
                signatures.deferred,
            ),
            (
                "roadcloud_signatures_verified_later_total",
                "counter",
                "Deferred signature checks made before a track or an advisory rested on them, \
                 that held.",
                signatures.verified_later,
            ),
            (
                "roadcloud_signatures_failed_later_total",
                "counter",
                "Deferred signature checks that failed (the vehicle's reports were undone).",
                signatures.failed_later,
            ),
            (
                "roadcloud_messages_unsigned_total",
                "counter",
                "Messages admitted unsigned (--allow-unsigned, RSU heartbeats).",
                signatures.unsigned,
            ),
            (
                "roadcloud_signatures_checked_total",
                "counter",
                "Signatures checked: messages, certificates and CRLs.",
                store.counters.signatures_checked.load(Relaxed),
            ),
            (
                "roadcloud_v2x_certificates",
                "gauge",
                "Certificates in the trust store (roots, CAs and devices' seen so far).",
                store.len() as u64,
            ),
            (
                "roadcloud_v2x_revoked",
                "gauge",
                "Certificates revoked by the loaded CRLs.",
                store.revoked_count() as u64,
            ),
        ] {
            metric(&mut out, name, kind, help, v);
        }
        if let Some(share) = signatures.verified_share() {
            metric(
                &mut out,
                "roadcloud_messages_verified_share",
                "gauge",
                "Share of the signed messages admitted whose signature was checked, on \
                 arrival or later.",
                share,
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP roadcloud_misbehaviour_findings_total Failed misbehaviour checks, by kind."
    );
    let _ = writeln!(out, "# TYPE roadcloud_misbehaviour_findings_total counter");
    for (kind, n) in p.misbehaviour.found() {
        let _ = writeln!(
            out,
            "roadcloud_misbehaviour_findings_total{{kind=\"{}\"}} {n}",
            kind.as_str()
        );
    }
    metric(
        &mut out,
        "roadcloud_quarantined_devices",
        "gauge",
        "Vehicles quarantined now.",
        p.misbehaviour.quarantined().count(),
    );
    metric(
        &mut out,
        "roadcloud_quarantined_reports_total",
        "counter",
        "Reports of quarantined vehicles, not applied.",
        p.counters.quarantined_reports,
    );
    latency_metric(
        &mut out,
        "roadcloud_ingest_latency_seconds",
        "From each admitted BSM's generation (secMark) to the end of the batch that applied it to the world.",
        &p.latency,
    );
    latency_metric(
        &mut out,
        "roadcloud_advice_latency_seconds",
        "From the generation of the report each advisory rests on to its hand-off to the downlinks.",
        &p.advice_latency,
    );
    let services = p.service_counts();
    metric(
        &mut out,
        "roadcloud_sds_requests_answered_total",
        "counter",
        "Sensor-sharing requests (VIR) answered (T/CSAE 157-2020 SDS).",
        services.sds_answered,
    );
    metric(
        &mut out,
        "roadcloud_sds_participants_shared_total",
        "counter",
        "Participants shared in the answers to sensor-sharing requests.",
        services.sds_shared,
    );
    metric(
        &mut out,
        "roadcloud_sds_obstacles_shared_total",
        "counter",
        "Obstacles (an SSM's DetectedObstacleList) shared in the answers to sensor-sharing requests.",
        services.sds_obstacles_shared,
    );
    metric(
        &mut out,
        "roadcloud_obstacles",
        "gauge",
        "Obstacles on the road known now (from SSMs' obstacle lists).",
        p.obstacles.len(),
    );
    metric(
        &mut out,
        "roadcloud_pvp_grants_total",
        "counter",
        "Junctions granted to priority vehicles (PVP: signal priority, T/CSAE 157-2020).",
        services.pvp_granted,
    );
    metric(
        &mut out,
        "roadcloud_pvp_refusals_total",
        "counter",
        "Signal priority requests refused.",
        services.pvp_refused,
    );
    for (name, help, value) in [
        (
            "roadcloud_clc_grants_total",
            "Lane changes granted a gap (CLC: cooperative lane change, T/CSAE 157-2020).",
            services.clc_granted,
        ),
        (
            "roadcloud_clc_refusals_total",
            "Lane change requests refused (no safe gap, not beside the lane, ...).",
            services.clc_refused,
        ),
        (
            "roadcloud_cvm_grants_total",
            "Merges granted a gap (CVM: cooperative vehicle merging, T/CSAE 157-2020).",
            services.cvm_granted,
        ),
        (
            "roadcloud_cvm_refusals_total",
            "Merge requests refused.",
            services.cvm_refused,
        ),
        (
            "roadcloud_gaps_made_total",
            "Vehicles asked to slow down to make a gap for a lane change or a merge.",
            services.gaps_made,
        ),
        (
            "roadcloud_cip_slots_total",
            "Slots given to vehicles at junctions without signals (CIP: cooperative intersection passing).",
            services.cip_slots,
        ),
        (
            "roadcloud_lane_rules_told_total",
            "RSCs telling vehicles of an operator's lane rule (DLM: closed or reassigned lanes).",
            services.lane_rules_told,
        ),
        (
            "roadcloud_lane_rules_broadcast_total",
            "RSCs of an operator's lane rule sent to the RSUs near it to broadcast (DLM).",
            services.lane_rules_broadcast,
        ),
        (
            "roadcloud_gspa_guided_total",
            "PAMs guiding a vehicle to a parking slot (GSPA: guidance in a parking area).",
            p.parking_counts().guided,
        ),
        (
            "roadcloud_gspa_guided_out_total",
            "PAMs guiding a vehicle out of a car park (GSPA).",
            p.parking_counts().guided_out,
        ),
        (
            "roadcloud_gspa_refused_total",
            "Parking requests answered without guidance: no free slot of the type asked for, or no way (GSPA).",
            p.parking_counts().refused,
        ),
    ] {
        metric(&mut out, name, "counter", help, value);
    }
    metric(
        &mut out,
        "roadcloud_car_parks",
        "gauge",
        "Car parks whose RSU announced them (PAM).",
        p.car_parks().count(),
    );
    metric(
        &mut out,
        "roadcloud_lane_rules",
        "gauge",
        "Operators' lane rules in force (DLM).",
        p.lane_rules().count(),
    );
    metric(
        &mut out,
        "roadcloud_pvp_held_junctions",
        "gauge",
        "Junctions held for priority vehicles now.",
        p.priority_grants().len(),
    );
    metric(
        &mut out,
        "roadcloud_participants",
        "gauge",
        "Live tracked participants.",
        p.tracks().len(),
    );
    metric(
        &mut out,
        "roadcloud_devices",
        "gauge",
        "Devices seen since start.",
        p.admission.devices().len(),
    );
    let _ = writeln!(
        out,
        "# HELP roadcloud_world_busy_seconds_total Time the world stage (the single writer) spent taking batches in and on the applications."
    );
    let _ = writeln!(out, "# TYPE roadcloud_world_busy_seconds_total counter");
    for (step, us) in [("ingest", c.ingest_busy_us), ("apps", c.apps_busy_us)] {
        let _ = writeln!(
            out,
            "roadcloud_world_busy_seconds_total{{step=\"{step}\"}} {}",
            us as f64 / 1e6
        );
    }
    let shards = p.shard_stats();
    for (name, kind, help, value) in [
        (
            "roadcloud_shard_tracks",
            "gauge",
            "Participants a tile shard owns.",
            (|s: &ShardStats| s.tracks as u64) as fn(&ShardStats) -> u64,
        ),
        (
            "roadcloud_shard_mirrors",
            "gauge",
            "Mirrors of its neighbours' participants a tile shard holds.",
            |s| s.mirrors as u64,
        ),
        (
            "roadcloud_shard_handed_over_total",
            "counter",
            "Participants a tile shard handed to another (they crossed its border).",
            |s| s.handed_over,
        ),
        (
            "roadcloud_shard_dropped_total",
            "counter",
            "Reports passed to a shard for a participant that had moved on again: dropped.",
            |s| s.dropped,
        ),
        (
            "roadcloud_shard_scenes_total",
            "counter",
            "Scenes (the view of a group of tiles at an instant) a tile shard's applications looked at.",
            |s| s.scenes.built,
        ),
        (
            "roadcloud_shard_scene_tiles_total",
            "counter",
            "Tiles in those scenes, in all.",
            |s| s.scenes.tiles,
        ),
        (
            "roadcloud_shard_scene_participants_total",
            "counter",
            "Participants in those scenes, in all.",
            |s| s.scenes.participants,
        ),
        (
            "roadcloud_shard_scene_targets_total",
            "counter",
            "Vehicles advised in those scenes, in all.",
            |s| s.scenes.targets,
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (i, s) in shards.iter().enumerate() {
            let _ = writeln!(out, "{name}{{shard=\"{i}\"}} {}", value(s));
        }
    }
    out
}

/// The MQTT front end's metrics, when it runs.
/// The cluster as this node last saw it: nodes alive, the partitions this node holds, and
/// each node's lag.
fn cluster_metrics(out: &mut String, c: &ClusterApi) {
    let status = c.status.borrow().clone();
    for (name, help, value) in [
        (
            "roadcloud_cluster_nodes",
            "Nodes alive in the cluster, this one among them.",
            status.nodes.len() as u64,
        ),
        (
            "roadcloud_cluster_partitions_held",
            "Tile partitions this node holds.",
            status.partitions.len() as u64,
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        let _ = writeln!(out, "{name} {value}");
    }
    let _ = writeln!(
        out,
        "# HELP roadcloud_cluster_lag Uplinks routed to a node's partitions and not yet taken in, by node."
    );
    let _ = writeln!(out, "# TYPE roadcloud_cluster_lag gauge");
    for n in &status.nodes {
        let _ = writeln!(
            out,
            "roadcloud_cluster_lag{{node=\"{}\"}} {}",
            n.node_id, n.lag
        );
    }
}

/// The differential corrections' relay: its source, and what it sent to whom.
fn corrections_metrics(out: &mut String, c: &roadcloud_corrections::Counters) {
    use std::sync::atomic::Ordering::Relaxed;
    for (name, kind, help, v) in [
        (
            "roadcloud_rtcm_source_connected",
            "gauge",
            "1 while the RTCM source (--rtcm-source) is connected.",
            c.connected.load(Relaxed),
        ),
        (
            "roadcloud_rtcm_source_connections_total",
            "counter",
            "Connections made to the RTCM source.",
            c.connections.load(Relaxed),
        ),
        (
            "roadcloud_rtcm_frames_total",
            "counter",
            "RTCM 3 frames received whose CRC checked.",
            c.frames.load(Relaxed),
        ),
        (
            "roadcloud_rtcm_skipped_octets_total",
            "counter",
            "Octets of the RTCM stream skipped (noise, damaged frames).",
            c.skipped_octets.load(Relaxed),
        ),
        (
            "roadcloud_rtcm_messages_total",
            "counter",
            "RTCMcorrections messages made from the frames.",
            c.messages.load(Relaxed),
        ),
        (
            "roadcloud_rtcm_dropped_total",
            "counter",
            "RTCMcorrections messages dropped while the world stage was behind.",
            c.dropped.load(Relaxed),
        ),
    ] {
        metric(out, name, kind, help, v);
    }
    let _ = writeln!(
        out,
        "# HELP roadcloud_rtcm_sent_total RTCMcorrections messages sent, one per receiver, by receiver kind."
    );
    let _ = writeln!(out, "# TYPE roadcloud_rtcm_sent_total counter");
    let _ = writeln!(
        out,
        "roadcloud_rtcm_sent_total{{to=\"rsus\"}} {}",
        c.sent_to_rsus.load(Relaxed)
    );
    let _ = writeln!(
        out,
        "roadcloud_rtcm_sent_total{{to=\"vehicles\"}} {}",
        c.sent_to_vehicles.load(Relaxed)
    );
}

fn broker_metrics(out: &mut String, state: &ApiState) {
    if let Some(b) = &state.broker {
        use std::sync::atomic::Ordering::Relaxed;
        let _ = writeln!(
            out,
            "# HELP roadcloud_mqtt_refused_total MQTT clients refused at the TLS handshake or CONNECT, by reason."
        );
        let _ = writeln!(out, "# TYPE roadcloud_mqtt_refused_total counter");
        for (r, n) in b.refused() {
            let _ = writeln!(
                out,
                "roadcloud_mqtt_refused_total{{reason=\"{}\"}} {n}",
                r.as_str()
            );
        }
        for (name, kind, help, v) in [
            (
                "roadcloud_mqtt_connected",
                "gauge",
                "MQTT clients connected.",
                b.connected.load(Relaxed) as u64,
            ),
            (
                "roadcloud_mqtt_admitted_total",
                "counter",
                "MQTT clients admitted.",
                b.admitted.load(Relaxed),
            ),
            (
                "roadcloud_mqtt_publish_denied_total",
                "counter",
                "PUBLISH packets the topic ACL dropped.",
                b.publish_denied.load(Relaxed),
            ),
            (
                "roadcloud_mqtt_subscribe_denied_total",
                "counter",
                "SUBSCRIBE filters the topic ACL refused.",
                b.subscribe_denied.load(Relaxed),
            ),
            (
                "roadcloud_mqtt_downlinks_dropped_total",
                "counter",
                "Downlinks dropped for a client that did not read them.",
                b.downlinks_dropped.load(Relaxed),
            ),
            (
                "roadcloud_mqtt_disconnected_revoked_total",
                "counter",
                "Connections closed because their device was disabled.",
                b.disconnected_revoked.load(Relaxed),
            ),
        ] {
            metric(out, name, kind, help, v);
        }
    }
}

/// Intersections from MAP, with links, lanes and the current SPAT state per phase, by id.
#[utoipa::path(get, path = "/api/v1/intersections", tag = "zone",
    responses((status = 200, description = "the intersections", body = IntersectionList)))]
async fn intersections(State(state): State<ApiState>) -> Result<Json<IntersectionList>, ApiError> {
    let now = roadcloud_transport::now_millis();
    let mut list: Vec<_> = state
        .world
        .read(move |w| {
            let p = &w.pipeline;
            p.intersections
                .values()
                .map(|x| views::intersection(p, x, now))
                .collect()
        })
        .await?;
    list.sort_by(|a: &roadcloud_api::zone::Intersection, b| a.id.cmp(&b.id));
    Ok(Json(IntersectionList {
        count: list.len(),
        intersections: list,
    }))
}

/// Road events and signs from RSI, by RSU, kind and id.
#[utoipa::path(get, path = "/api/v1/events", tag = "zone",
    responses((status = 200, description = "the events and signs", body = RoadEventList)))]
async fn events(State(state): State<ApiState>) -> Result<Json<RoadEventList>, ApiError> {
    let mut list: Vec<_> = state
        .world
        .read(|w| {
            let p = &w.pipeline;
            p.events
                .values()
                .map(|e| views::event(&p.frame, e))
                .collect()
        })
        .await?;
    list.sort_by(|a: &roadcloud_api::zone::RoadEvent, b| {
        (&a.rsu, &a.kind, a.id).cmp(&(&b.rsu, &b.kind, b.id))
    });
    Ok(Json(RoadEventList {
        count: list.len(),
        events: list,
    }))
}

/// Obstacles on the road that RSUs' and vehicles' sensors report (SSM), by sensor and id:
/// each as last reported, while its sensor goes on reporting it.
#[utoipa::path(get, path = "/api/v1/obstacles", tag = "zone",
    responses((status = 200, description = "the obstacles", body = ObstacleList)))]
async fn obstacles(State(state): State<ApiState>) -> Result<Json<ObstacleList>, ApiError> {
    let mut list: Vec<_> = state
        .world
        .read(|w| {
            let p = &w.pipeline;
            p.obstacles
                .iter()
                .map(|o| views::obstacle(&p.frame, o))
                .collect()
        })
        .await?;
    list.sort_by(|a: &roadcloud_api::zone::Obstacle, b| (&a.sensor, a.id).cmp(&(&b.sensor, b.id)));
    Ok(Json(ObstacleList {
        count: list.len(),
        obstacles: list,
    }))
}

/// The gaps granted for lane changes and merges (CLC, CVM) whose window has not ended, by
/// vehicle.
#[utoipa::path(get, path = "/api/v1/gaps", tag = "zone",
    responses((status = 200, description = "the gaps granted now", body = GapList)))]
async fn gaps(State(state): State<ApiState>) -> Result<Json<GapList>, ApiError> {
    let list = state.world.read(|w| views::gaps(&w.pipeline)).await?;
    Ok(Json(GapList {
        count: list.len(),
        gaps: list,
    }))
}

/// The car parks their RSUs announced (PAM), each slot with its status and the vehicle
/// roadcloud holds it for (GSPA).
#[utoipa::path(get, path = "/api/v1/car-parks", tag = "zone",
    responses((status = 200, description = "the car parks", body = CarParkList)))]
async fn car_parks(State(state): State<ApiState>) -> Result<Json<CarParkList>, ApiError> {
    let list = state.world.read(|w| views::car_parks(&w.pipeline)).await?;
    Ok(Json(CarParkList {
        count: list.len(),
        car_parks: list,
    }))
}

/// The operators' lane rules in force (DLM: closed or reassigned lanes), by lane.
#[utoipa::path(get, path = "/api/v1/lane-rules", tag = "zone",
    responses((status = 200, description = "the lane rules in force", body = LaneRuleList)))]
async fn lane_rules(State(state): State<ApiState>) -> Result<Json<LaneRuleList>, ApiError> {
    let rules = state.world.read(|w| views::lane_rules(&w.pipeline)).await?;
    Ok(Json(LaneRuleList {
        count: rules.len(),
        rules,
    }))
}

/// Closes a lane or gives it over to other movements (DLM), in place of its rule before: the
/// vehicles coming along its link are told with an RSC (docs/apps.md).
#[utoipa::path(put, path = "/api/v1/lane-rules", tag = "zone",
    request_body = LaneRuleChange,
    responses(
        (status = 200, description = "the rule as it now stands", body = LaneRule),
        (status = 400, description = "a malformed body, an unknown movement, a reason not printable ASCII", body = ErrorBody),
        (status = 404, description = "no MAP roadcloud has holds the lane", body = ErrorBody),
    ))]
async fn set_lane_rule(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Result<Json<LaneRule>, ApiError> {
    use roadcloud_world::requests::{LaneRule as Rule, LaneUse};
    let change: LaneRuleChange = serde_json::from_slice(&body).map_err(|e| {
        bad_request(format!(
            "the body must be a JSON object {{\"lane\": \"310/2002:310/2001:3\", \"use\": \"closed\" or \"reassigned\", \"maneuvers\": [\"left\", ...], \"reason\": \"...\", \"until_ms\": ...}}: {e}"
        ))
    })?;
    let lane = views::parse_lane_id(&change.lane).ok_or_else(|| {
        bad_request(format!(
            "lane {:?} is not {{intersection}}:{{upstream}}:{{lane}}, e.g. 310/2002:310/2001:3 (a participant's lane id)",
            change.lane
        ))
    })?;
    let lane_use = match change.lane_use.as_str() {
        "closed" => LaneUse::Closed,
        "reassigned" => {
            let mut bits = 0u16;
            for m in &change.maneuvers {
                let b = views::MANEUVERS
                    .iter()
                    .position(|x| x == m)
                    .ok_or_else(|| {
                        bad_request(format!(
                            "unknown movement {m:?}: straight, left, right or u_turn"
                        ))
                    })?;
                bits |= 1 << b;
            }
            if bits == 0 {
                return Err(bad_request(
                    "a reassigned lane needs the movements it is to serve in \"maneuvers\"",
                ));
            }
            LaneUse::Reassigned { maneuvers: bits }
        }
        other => {
            return Err(bad_request(format!(
                "unknown use {other:?}: closed or reassigned (DELETE lifts a rule)"
            )));
        }
    };
    if let Some(why) = &change.reason
        && (why.is_empty() || why.len() > 200 || !why.bytes().all(|b| (0x20..0x7f).contains(&b)))
    {
        return Err(bad_request(
            "the reason must be 1 to 200 printable ASCII characters (the RSC's textString, IA5)",
        ));
    }
    let now = roadcloud_transport::now_millis();
    if change.until_ms.is_some_and(|u| u <= now) {
        return Err(bad_request("until_ms is past"));
    }
    let rule = Rule {
        lane,
        lane_use,
        reason: change.reason.clone(),
        since: now,
        until: change.until_ms,
        version: 0,
    };
    let set = state
        .world
        .write(move |w| {
            if w.pipeline.lanes.geometry(&lane).is_none() {
                return Err(ApiError(
                    StatusCode::NOT_FOUND,
                    format!("no MAP roadcloud has holds lane {}", views::lane_id(&lane)),
                ));
            }
            Ok(views::lane_rule(&w.pipeline.set_lane_rule(rule)))
        })
        .await??;
    tracing::info!(
        lane = set.lane,
        r#use = set.lane_use,
        by = caller.name(),
        "lane rule set"
    );
    record_change(
        &state,
        &caller,
        "lane.rule",
        &set.lane,
        Some(&json!(change).to_string()),
    )?;
    Ok(Json(set))
}

/// Lifts a lane's rule (DLM): the vehicles told of it hear that it no longer holds.
#[utoipa::path(delete, path = "/api/v1/lane-rules", tag = "zone",
    params(("lane" = String, Query, description = "The lane: {intersection}:{upstream}:{lane}, e.g. 310/2002:310/2001:3.")),
    responses(
        (status = 200, description = "the rule lifted", body = LaneRule),
        (status = 400, description = "no lane given, or a malformed one", body = ErrorBody),
        (status = 404, description = "the lane has no rule", body = ErrorBody),
    ))]
async fn lift_lane_rule(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<LaneRule>, ApiError> {
    let id = q
        .get("lane")
        .ok_or_else(|| bad_request("give the lane: ?lane={intersection}:{upstream}:{lane}"))?;
    let lane = views::parse_lane_id(id).ok_or_else(|| {
        bad_request(format!(
            "lane {id:?} is not {{intersection}}:{{upstream}}:{{lane}}, e.g. 310/2002:310/2001:3"
        ))
    })?;
    let lifted = state
        .world
        .write(move |w| {
            w.pipeline
                .lift_lane_rule(&lane)
                .map(|r| views::lane_rule(&r))
        })
        .await?
        .ok_or_else(|| {
            ApiError(
                StatusCode::NOT_FOUND,
                format!("lane {id} has no rule to lift"),
            )
        })?;
    tracing::info!(lane = lifted.lane, by = caller.name(), "lane rule lifted");
    record_change(&state, &caller, "lane.lift", &lifted.lane, None)?;
    Ok(Json(lifted))
}

/// An error answer: a status and a message saying what to do.
pub struct ApiError(StatusCode, String);

impl From<Stopped> for ApiError {
    fn from(_: Stopped) -> ApiError {
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is shutting down; try another node, or again once it is back".into(),
        )
    }
}

/// Writes an operator's change to the audit log: who (`caller`), from where, `action` on
/// `target`, and what it was (`detail`, JSON as a rule).
fn record_change(
    state: &ApiState,
    caller: &Caller,
    action: &str,
    target: &str,
    detail: Option<&str>,
) -> Result<(), ApiError> {
    state
        .registry
        .audit(caller.name(), &caller.source, action, target, detail)
        .map(|_| ())
        .map_err(internal)
}

/// A failure of the store or the registry behind a request: HTTP 500 with its message.
fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// A request the API cannot take: HTTP 400 with what is wrong.
fn bad_request(e: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, e.into())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(ErrorBody { error: self.1 })).into_response()
    }
}

/// The query parameters of a history query, as the OpenAPI document shows them; [`window`]
/// reads them (with errors that say what is wrong).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct WindowParams {
    /// From this instant, ms since the Unix epoch (default: the beginning).
    from: Option<i64>,
    /// To this instant, ms since the Unix epoch (default: now and later).
    to: Option<i64>,
    /// At most this many rows (1,000; at most 100,000).
    limit: Option<u32>,
}

/// `from`, `to` (ms since the epoch) and `limit` of a history query.
struct Window {
    from: i64,
    to: i64,
    limit: u32,
}

fn window(q: &HashMap<String, String>) -> Result<Window, ApiError> {
    let num = |k: &str, default: i64| -> Result<i64, ApiError> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                bad_request(format!(
                    "{k} must be an integer (ms since the epoch for from and to), got {v:?}"
                ))
            }),
        }
    };
    Ok(Window {
        from: num("from", 0)?,
        to: num("to", i64::MAX)?,
        limit: num("limit", 1_000)?.clamp(1, 100_000) as u32,
    })
}

/// Stored misbehaviour reports, newest first, and the devices quarantined now
/// (docs/misbehaviour.md).
#[utoipa::path(get, path = "/api/v1/misbehaviour", tag = "misbehaviour",
    params(
        ("device" = Option<String>, Query, description = "Only this device (16 hex digits)."),
        ("kind" = Option<String>, Query, description = "Only this check (/api/v1/misbehaviour/checks lists them)."),
        WindowParams,
    ),
    responses(
        (status = 200, description = "the reports and the devices quarantined", body = ReportList),
        (status = 400, description = "a parameter is malformed", body = ErrorBody),
    ))]
async fn misbehaviour(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<ReportList>, ApiError> {
    let w = window(&q)?;
    let kind = q.get("kind").cloned();
    if let Some(k) = &kind
        && roadcloud_misbehaviour::Kind::parse(k).is_none()
    {
        return Err(bad_request(format!(
            "kind {k:?} is none of {}",
            check_names()
        )));
    }
    let query_ = roadcloud_store::MisbehaviourQuery {
        device: q.get("device").map(|s| s.to_ascii_lowercase()),
        kind,
        from: w.from,
        to: w.to,
        limit: w.limit,
    };
    let list = query(&state, move |s| s.misbehaviour(&query_)).await?;
    let reports = stored_json(list.iter().map(|r| r.json.as_str()))?;
    let quarantined: Vec<String> = state
        .world
        .read(|w| {
            w.pipeline
                .misbehaviour
                .quarantined()
                .map(|d| views::hex(&d))
                .collect()
        })
        .await?;
    Ok(Json(ReportList {
        count: reports.len(),
        reports,
        quarantined,
    }))
}

/// Rows the store keeps as the JSON the API gave them, read back into their type; a row
/// that is not (written by another version of roadcloud) is an error that says so.
fn stored_json<'a, T: serde::de::DeserializeOwned>(
    rows: impl Iterator<Item = &'a str>,
) -> Result<Vec<T>, ApiError> {
    rows.map(|json| {
        serde_json::from_str(json).map_err(|e| {
            internal(format!(
                "a stored row is not in this version's form ({e}); query a narrower window"
            ))
        })
    })
    .collect()
}

/// The misbehaviour checks' states, and the detector's mode, where the cameras look (for
/// the phantom check), its parameters and trust rules.
fn checks(d: &roadcloud_misbehaviour::Detector) -> Checks {
    let (detected_in, covered) = d.camera_coverage(roadcloud_transport::now_millis());
    let config = d.config();
    Checks {
        mode: json!(config.mode).as_str().unwrap_or_default().to_string(),
        camera_cells: CameraCells {
            detected_in,
            covered,
        },
        checks: d.checks().map(check).collect(),
        thresholds: json!(config.thresholds),
        trust: json!(config.trust),
    }
}

fn check(c: roadcloud_misbehaviour::CheckState) -> Check {
    Check {
        kind: c.kind.as_str().to_string(),
        enabled: c.enabled,
        conclusive: c.conclusive,
        found: c.found,
    }
}

/// The misbehaviour checks' names, for the errors that list them.
fn check_names() -> String {
    roadcloud_misbehaviour::Kind::ALL
        .map(|k| k.as_str())
        .join(", ")
}

fn check_kind(name: &str) -> Result<roadcloud_misbehaviour::Kind, ApiError> {
    roadcloud_misbehaviour::Kind::parse(name).ok_or_else(|| {
        ApiError(
            StatusCode::NOT_FOUND,
            format!(
                "no misbehaviour check {name:?}; the checks are {} (see /api/v1/misbehaviour/checks)",
                check_names()
            ),
        )
    })
}

fn check_of(d: &roadcloud_misbehaviour::Detector, kind: roadcloud_misbehaviour::Kind) -> Check {
    check(
        d.checks()
            .find(|c| c.kind == kind)
            .expect("every kind is listed"),
    )
}

/// Each misbehaviour check, on or off, and the detector's settings.
#[utoipa::path(get, path = "/api/v1/misbehaviour/checks", tag = "misbehaviour",
    responses((status = 200, description = "the checks and the settings", body = Checks)))]
async fn misbehaviour_checks(State(state): State<ApiState>) -> Result<Json<Checks>, ApiError> {
    let v = state
        .world
        .read(|w| checks(&w.pipeline.misbehaviour))
        .await?;
    Ok(Json(v))
}

/// One misbehaviour check.
#[utoipa::path(get, path = "/api/v1/misbehaviour/checks/{kind}", tag = "misbehaviour",
    params(("kind" = String, Path, description = "The check, e.g. position_jump.")),
    responses(
        (status = 200, description = "the check", body = Check),
        (status = 404, description = "no such check", body = ErrorBody),
    ))]
async fn misbehaviour_check(
    State(state): State<ApiState>,
    Path(kind): Path<String>,
) -> Result<Json<Check>, ApiError> {
    let kind = check_kind(&kind)?;
    let v = state
        .world
        .read(move |w| check_of(&w.pipeline.misbehaviour, kind))
        .await?;
    Ok(Json(v))
}

/// Switches a misbehaviour check on or off (off, it still runs and counts; its findings
/// cost no trust), as the applications' switches do. Operators only; audited as
/// `misbehaviour.switch`.
#[utoipa::path(put, path = "/api/v1/misbehaviour/checks/{kind}", tag = "misbehaviour",
    params(("kind" = String, Path, description = "The check, e.g. position_jump.")),
    request_body = Switch,
    responses(
        (status = 200, description = "the check as it now stands", body = Check),
        (status = 400, description = "a malformed body", body = ErrorBody),
        (status = 404, description = "no such check", body = ErrorBody),
    ))]
async fn switch_misbehaviour_check(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Check>, ApiError> {
    let kind = check_kind(&kind)?;
    let Switch { enabled } = serde_json::from_slice(&body).map_err(|e| {
        bad_request(format!(
            "give {{\"enabled\": true}} or {{\"enabled\": false}} ({e})"
        ))
    })?;
    let check = state
        .world
        .write(move |w| {
            w.pipeline.misbehaviour.set_enabled(kind, enabled);
            check_of(&w.pipeline.misbehaviour, kind)
        })
        .await?;
    tracing::info!(
        check = kind.as_str(),
        enabled,
        by = caller.name(),
        "misbehaviour check switched"
    );
    record_change(
        &state,
        &caller,
        "misbehaviour.switch",
        kind.as_str(),
        Some(&json!(Switch { enabled }).to_string()),
    )?;
    Ok(Json(check))
}

/// Runs a store query off the async threads.
async fn query<T: Send + 'static>(
    state: &ApiState,
    f: impl FnOnce(&roadcloud_store::Store) -> roadcloud_store::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(internal)?
        .map_err(internal)
}

/// A participant's stored trajectory, oldest first: a sample every
/// `--trajectory-interval-ms` (1 Hz by default) while it is reported, kept for
/// `--retention-hours`.
#[utoipa::path(get, path = "/api/v1/history/trajectories/{id}", tag = "history",
    params(
        ("id" = String, Path, description = "The participant's id as in /api/v1/participants (vehicle id in hex, or track-N)."),
        WindowParams,
    ),
    responses(
        (status = 200, description = "the trajectory", body = Trajectory),
        (status = 400, description = "a parameter is malformed", body = ErrorBody),
    ))]
async fn history_trajectory(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Trajectory>, ApiError> {
    let w = window(&q)?;
    let id2 = id.clone();
    let points = query(&state, move |s| s.trajectory(&id2, w.from, w.to, w.limit)).await?;
    Ok(Json(Trajectory {
        participant: id,
        count: points.len(),
        points: points
            .into_iter()
            .map(|p| TrajectoryPoint {
                at: p.at,
                kind: p.kind,
                lat: p.lat,
                lon: p.lon,
                speed_mps: p.speed_mps,
                heading_deg: p.heading_deg,
                lane: p.lane,
            })
            .collect(),
    }))
}

/// Stored changes of road events and signs, newest first: a row each time one appears,
/// changes or ends.
#[utoipa::path(get, path = "/api/v1/history/events", tag = "history",
    params(
        WindowParams,
    ),
    responses(
        (status = 200, description = "the changes", body = EventChangeList),
        (status = 400, description = "a parameter is malformed", body = ErrorBody),
    ))]
async fn history_events(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<EventChangeList>, ApiError> {
    let w = window(&q)?;
    let list = query(&state, move |s| s.events(w.from, w.to, w.limit)).await?;
    let events: Vec<EventChange> = list
        .into_iter()
        .map(|e| EventChange {
            change: e.change,
            at: e.at,
            kind: e.kind,
            rsu: e.rsu,
            id: e.local_id,
            code: e.code,
            lat: e.lat,
            lon: e.lon,
            radius_m: e.radius_m,
            description: e.description,
            start: e.start,
            end: e.end,
        })
        .collect();
    Ok(Json(EventChangeList {
        count: events.len(),
        events,
    }))
}

/// Stored device status changes (online, offline), newest first: a device is online from
/// its first admitted message until it is silent for `--device-offline-ms`.
#[utoipa::path(get, path = "/api/v1/history/devices", tag = "history",
    params(
        ("device" = Option<String>, Query, description = "Only this device (16 hex digits)."),
        WindowParams,
    ),
    responses(
        (status = 200, description = "the changes", body = DeviceStatusList),
        (status = 400, description = "a parameter is malformed", body = ErrorBody),
    ))]
async fn history_devices(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<DeviceStatusList>, ApiError> {
    let w = window(&q)?;
    let device = q.get("device").cloned();
    let list = query(&state, move |s| {
        s.device_status(device.as_deref(), w.from, w.to, w.limit)
    })
    .await?;
    let changes: Vec<DeviceStatusChange> = list
        .into_iter()
        .map(|d| DeviceStatusChange {
            device: d.device,
            kind: d.kind,
            status: d.status,
            at: d.at,
        })
        .collect();
    Ok(Json(DeviceStatusList {
        count: changes.len(),
        changes,
    }))
}

/// Each application with its state and how many advisories it sent.
fn app_list(p: &roadcloud_pipeline::Pipeline) -> Vec<App> {
    p.apps
        .describe()
        .into_iter()
        .map(|d| {
            // BSW/LCW sends as BSW or LCW.
            let advisories_sent =
                d.id.split('/')
                    .map(|s| p.advisories_sent.get(s).copied().unwrap_or(0))
                    .sum();
            App {
                id: d.id.to_string(),
                title: d.title.to_string(),
                enabled: d.enabled,
                params: d.params,
                advisories_sent,
            }
        })
        .collect()
}

/// The applications (Day-1 scenarios): each one's id, title, whether it is on, its
/// parameters (units in their names; docs/apps.md) and how many advisories it has sent.
#[utoipa::path(get, path = "/api/v1/apps", tag = "apps",
    responses((status = 200, description = "the applications", body = AppList)))]
async fn apps(State(state): State<ApiState>) -> Result<Json<AppList>, ApiError> {
    let apps = state.world.read(|w| app_list(&w.pipeline)).await?;
    Ok(Json(AppList {
        count: apps.len(),
        apps,
    }))
}

fn find_app(p: &roadcloud_pipeline::Pipeline, name: &str) -> Result<App, ApiError> {
    let id = p
        .apps
        .id_of(name)
        .map_err(|e| ApiError(StatusCode::NOT_FOUND, format!("{e}; see /api/v1/apps")))?;
    Ok(app_list(p)
        .into_iter()
        .find(|a| a.id == id)
        .expect("every registered application is listed"))
}

/// One application.
#[utoipa::path(get, path = "/api/v1/apps/{id}", tag = "apps",
    params(("id" = String, Path, description = "The application, e.g. FCW.")),
    responses(
        (status = 200, description = "the application", body = App),
        (status = 404, description = "no such application", body = ErrorBody),
    ))]
async fn app(State(state): State<ApiState>, Path(id): Path<String>) -> Result<Json<App>, ApiError> {
    state
        .world
        .read(move |w| find_app(&w.pipeline, &id))
        .await?
        .map(Json)
}

/// Switches an application on or off and changes its parameters (operators): takes
/// effect at the next evaluation without touching the other applications; nothing
/// changes when anything in the body is wrong. Audited as `app.switch` or
/// `app.configure`.
#[utoipa::path(put, path = "/api/v1/apps/{id}", tag = "apps",
    params(("id" = String, Path, description = "The application, e.g. FCW.")),
    request_body = AppChange,
    responses(
        (status = 200, description = "the application as it now stands", body = App),
        (status = 400, description = "a malformed body, or a parameter out of its range", body = ErrorBody),
        (status = 404, description = "no such application", body = ErrorBody),
    ))]
async fn configure_app(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<App>, ApiError> {
    let change: AppChange = serde_json::from_slice(&body).map_err(|e| {
        bad_request(format!(
            "the body must be a JSON object {{\"enabled\": bool, \"params\": {{...}}}}, either optional: {e}"
        ))
    })?;
    let app = {
        let (id, change) = (id.clone(), change.clone());
        state
            .world
            .write(move |w| {
                find_app(&w.pipeline, &id)?;
                let params = change.params.map(Value::Object);
                w.pipeline
                    .apps
                    .configure(&id, change.enabled, params.as_ref())
                    .map_err(bad_request)?;
                find_app(&w.pipeline, &id)
            })
            .await??
    };
    tracing::info!(
        app = id,
        enabled = app.enabled,
        by = caller.name(),
        "application configured"
    );
    // Who changed what, when and from where: kept before the change is confirmed.
    let action = if change.params.is_some() {
        "app.configure"
    } else {
        "app.switch"
    };
    record_change(
        &state,
        &caller,
        action,
        &id,
        Some(&json!(change).to_string()),
    )?;
    Ok(Json(app))
}

/// Stored advisories, newest first: each as it was published on
/// `V2X/OBU/{vehicleId}/ADVICE/DOWN` (docs/apps.md).
#[utoipa::path(get, path = "/api/v1/advisories", tag = "apps",
    params(
        ("scenario" = Option<String>, Query, description = "Only this scenario (FCW, ..., BSW or LCW)."),
        ("vehicle" = Option<String>, Query, description = "Only for this vehicle (16 hex digits, as in its topic)."),
        ("bbox" = Option<String>, Query, description = "minLon,minLat,maxLon,maxLat: only where the vehicle was in this box."),
        WindowParams,
    ),
    responses(
        (status = 200, description = "the advisories", body = AdvisoryList),
        (status = 400, description = "a parameter is malformed", body = ErrorBody),
    ))]
async fn advisories(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<AdvisoryList>, ApiError> {
    let w = window(&q)?;
    let bbox = q
        .get("bbox")
        .map(|b| parse_bbox(b))
        .transpose()
        .map_err(bad_request)?
        .map(|b| (b[0], b[1], b[2], b[3]));
    let query_ = AdvisoryQuery {
        scenario: q.get("scenario").map(|s| s.to_ascii_uppercase()),
        target: q.get("vehicle").map(|s| s.to_ascii_lowercase()),
        from: w.from,
        to: w.to,
        bbox,
        limit: w.limit,
    };
    let list = query(&state, move |s| s.advisories(&query_)).await?;
    let advisories = stored_json(list.iter().map(|a| a.json.as_str()))?;
    Ok(Json(AdvisoryList {
        count: advisories.len(),
        advisories,
    }))
}
