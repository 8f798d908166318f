//! The HTTP API: `/api/v1/...`, `/metrics`, `/healthz`.

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
use roadcloud_pipeline::ShardStats;
use roadcloud_store::AdvisoryQuery;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write;

/// The OpenAPI description of every route below.
const OPENAPI: &str = include_str!("openapi.json");

mod registry;

/// The API's routes over the shared world and the store.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/api/v1/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .route("/metrics", get(metrics))
        .route("/api/v1/participants", get(participants))
        .route("/api/v1/participants/{id}", get(participant))
        .route("/api/v1/devices", get(devices))
        .route("/api/v1/intersections", get(intersections))
        .route("/api/v1/events", get(events))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/cluster", get(cluster))
        .route("/api/v1/stats/latency", get(latency))
        .route("/api/v1/stats/series", get(series))
        .route("/api/v1/live", get(live::handler))
        .route("/api/v1/history/trajectories/{id}", get(history_trajectory))
        .route("/api/v1/history/events", get(history_events))
        .route("/api/v1/history/devices", get(history_devices))
        .route("/api/v1/apps", get(apps))
        .route("/api/v1/apps/{id}", get(app).put(configure_app))
        .route("/api/v1/advisories", get(advisories))
        .route("/api/v1/misbehaviour", get(misbehaviour))
        .route("/api/v1/misbehaviour/checks", get(misbehaviour_checks))
        .route(
            "/api/v1/misbehaviour/checks/{kind}",
            get(misbehaviour_check).put(switch_misbehaviour_check),
        )
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/v2x", get(v2x))
        .route("/api/v1/v2x/crl", axum::routing::post(push_crl))
        .route("/api/v1/login", axum::routing::post(auth::login))
        .route("/api/v1/whoami", get(auth::whoami))
        .merge(registry::router())
        .with_state(state)
}

/// `/healthz`, `/metrics` and the counters of `/api/v1/stats`, for `--monitor-listen` (no
/// login there: counts and latencies, never a position or an id).
pub fn monitor_router(state: ApiState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/stats/latency", get(latency))
        .with_state(state)
}

/// `GET /api/v1/audit?after=SEQ&limit=N`: the latest changes operators made, newest first.
async fn audit(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
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
    let entries = state
        .registry
        .audit_log(after, limit.min(1_000))
        .map_err(internal)?;
    let list: Vec<Value> = entries
        .into_iter()
        .map(|e| {
            json!({
                "seq": e.seq, "at": e.at, "actor": e.actor, "source": e.source,
                "action": e.action, "target": e.target,
                "detail": e.detail.and_then(|d| serde_json::from_str::<Value>(&d).ok()),
            })
        })
        .collect();
    Ok(Json(json!({ "count": list.len(), "entries": list })))
}

async fn participants(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let bbox = q
        .get("bbox")
        .map(|b| parse_bbox(b))
        .transpose()
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))?;
    let mut list: Vec<Value> = state
        .world
        .read(move |w| {
            let p = &w.pipeline;
            // Filter on the position first: only the participants listed are turned into
            // JSON.
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
    list.sort_by_key(|p| p["track"].as_u64());
    Ok(Json(json!({ "count": list.len(), "participants": list })))
}

/// In a cluster: this node's participants marked as its own, and the other nodes'
/// (within `bbox`), each vehicle once (a vehicle crossing to another node's tiles is, for
/// a moment, in both: the newer report stands).
fn merge_cluster(list: &mut Vec<Value>, cluster: &ClusterApi, bbox: Option<[f64; 4]>) {
    for p in list.iter_mut() {
        p["node"] = json!(cluster.node_id);
    }
    let views = cluster.views.borrow().clone();
    let mut at: HashMap<String, usize> = list
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((p["id"].as_str()?.to_string(), i)))
        .collect();
    for (node, view) in &views.by_node {
        for p in &view.participants {
            if bbox.is_some_and(|b| !in_bbox(b, p.lat_deg, p.lon_deg)) {
                continue;
            }
            let row = crate::cluster::remote_participant(node, p);
            match at.get(&p.id) {
                Some(&i) if list[i]["at"].as_i64() >= Some(p.at_ms) => {}
                Some(&i) => list[i] = row,
                None => {
                    at.insert(p.id.clone(), list.len());
                    list.push(row);
                }
            }
        }
    }
}

/// `GET /api/v1/cluster`: the nodes alive, the partitions each holds, their lag
/// (uplinks routed to them not yet taken in) and participants; outside a cluster,
/// `in_cluster` false and no nodes.
async fn cluster(State(state): State<ApiState>) -> Json<Value> {
    let Some(cluster) = &state.cluster else {
        return Json(json!({
            "in_cluster": false,
            "hint": "start nodes with --cluster nats://HOST:PORT and --node-id NAME to share a zone",
            "nodes": [],
        }));
    };
    let status = cluster.status.borrow().clone();
    let now = roadcloud_transport::now_millis();
    let nodes: Vec<Value> = status
        .nodes
        .iter()
        .map(|n| {
            json!({
                "node_id": n.node_id,
                "slot": n.slot,
                "http": n.http,
                "mqtt": n.mqtt,
                "partitions": n.partitions,
                "lag": n.lag,
                "participants": n.participants,
                "age_ms": now - n.at_ms,
            })
        })
        .collect();
    Json(json!({
        "in_cluster": true,
        "node_id": status.node_id,
        "partition_count": status.partition_count,
        "partitions": status.partitions,
        "nodes": nodes,
    }))
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

async fn participant(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
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

async fn devices(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let mut list: Vec<Value> = state
        .world
        .read(|w| {
            w.pipeline
                .admission
                .devices()
                .iter()
                .map(|(id, d)| {
                    let rejected: serde_json::Map<String, Value> = d
                        .rejected
                        .iter()
                        .map(|(r, n)| (r.as_str().to_string(), json!(n)))
                        .collect();
                    json!({
                        "id": id.to_string(),
                        "kind": d.kind.map(|k| k.as_str()),
                        "admitted": d.admitted,
                        "rejected": rejected,
                        "last_seen": d.last_seen,
                        "last_message": d.last_message.map(|m| m.as_str()),
                        "online": d.online,
                        "rate_per_s": d.rate_per_s(),
                    })
                })
                .collect()
        })
        .await?;
    list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    Ok(Json(json!({ "count": list.len(), "devices": list })))
}

async fn stats(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let security = state.security.clone();
    let mut v = state.world.read(move |w| world_stats(w, &security)).await?;
    v["stored"] = stored_json(&state);
    v["exposure"] = json!(state.exposure);
    Ok(Json(v))
}

/// What `/api/v1/stats` tells of the world: counters, latency, signatures.
fn world_stats(w: &crate::World, security: &Security) -> Value {
    let p = &w.pipeline;
    let rejected: serde_json::Map<String, Value> = p
        .admission
        .rejections()
        .iter()
        .map(|(r, n)| (r.as_str().to_string(), json!(n)))
        .collect();
    json!({
        "started_at": w.started_at,
        "received": p.counters.received,
        "admitted": p.counters.admitted,
        "admitted_by_kind": p.counters.admitted_by_kind().collect::<std::collections::BTreeMap<_, _>>(),
        "rejected": rejected,
        "observations": p.counters.observations,
        "participants": p.tracks().len(),
        "devices": p.admission.devices().len(),
        "ingest_latency_ms": {
            "count": p.latency.total(),
            "p50": p.latency.percentile_ms(50.0),
            "p99": p.latency.percentile_ms(99.0),
            "p999": p.latency.percentile_ms(99.9),
        },
        "advisories_sent": p.advisories_sent,
        "signatures": signatures_json(security, p),
        "shards": p.shard_stats().iter().map(|s| json!({
            "tracks": s.tracks,
            "mirrors": s.mirrors,
            "handed_over": s.handed_over,
            "dropped": s.dropped,
        })).collect::<Vec<_>>(),
    })
}

/// What admission asks of signatures and how much it verified (shown on the web map's
/// header and in /api/v1/stats).
fn signatures_json(security: &Security, p: &roadcloud_pipeline::Pipeline) -> Value {
    let s = p.admission.signatures();
    json!({
        "required": !security.allow_unsigned,
        "verified": s.verified,
        "deferred": s.deferred,
        "verified_later": s.verified_later,
        "failed_later": s.failed_later,
        "unsigned": s.unsigned,
        "verified_share": s.verified_share(),
        "certificates": security.store.len(),
        "revoked": security.store.revoked_count(),
    })
}

/// `GET /api/v1/v2x`: the trust store: whether signatures are required, the certificates it
/// holds, how many are revoked, and what it has checked.
async fn v2x(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    use std::sync::atomic::Ordering::Relaxed;
    let security = state.security.clone();
    let mut v = state
        .world
        .read(move |w| signatures_json(&security, &w.pipeline))
        .await?;
    let c = &state.security.store.counters;
    v["signatures_checked"] = json!(c.signatures_checked.load(Relaxed));
    v["certificates_learned"] = json!(c.certificates_learned.load(Relaxed));
    v["certificate_cache_hits"] = json!(c.certificate_cache_hits.load(Relaxed));
    Ok(Json(v))
}

/// `POST /api/v1/v2x/crl` with a signed CRL (IEEE 1609.2 `SecuredCrl`, COER octets) as the
/// body: taken at once, no restart; operators and admins only, and audited.
async fn push_crl(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({ "revoked": revoked })))
}

async fn latency(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let v = state
        .world
        .read(|w| {
            let h = &w.pipeline.latency;
            json!({
                "bucket_ms": 0.1,
                "count": h.total(),
                "buckets": h.buckets().map(|(i, n)| json!([i, n])).collect::<Vec<_>>(),
            })
        })
        .await?;
    Ok(Json(v))
}

/// The last ten minutes, a sample a second (crate::http::series).
async fn series(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let v = state
        .world
        .read(|w| {
            let samples: Vec<&crate::http::series::Sample> = w.series.samples().collect();
            json!({"interval_ms": 1000, "count": samples.len(), "samples": samples})
        })
        .await?;
    Ok(Json(v))
}

fn stored_json(state: &ApiState) -> Value {
    let c = state.store.stored().counts();
    json!({
        "trajectories": c.trajectories,
        "events": c.events,
        "device_status": c.device_status,
        "advisories": c.advisories,
        "misbehaviour": c.misbehaviour,
        "last_commit_at": state.store.stored().last_commit_at.load(std::sync::atomic::Ordering::Acquire),
    })
}

/// One metric of one value in the Prometheus text format: its help, its type, its value.
fn metric(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    use std::fmt::Write;
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    let _ = writeln!(out, "{name} {value}");
}

async fn metrics(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let security = state.security.clone();
    let mut out = state
        .world
        .read(move |w| world_metrics(w, &security))
        .await?;
    broker_metrics(&mut out, &state);
    if let Some(c) = &state.cluster {
        cluster_metrics(&mut out, c);
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
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

async fn intersections(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let now = roadcloud_transport::now_millis();
    let mut list: Vec<Value> = state
        .world
        .read(move |w| {
            let p = &w.pipeline;
            p.intersections
                .values()
                .map(|x| views::intersection(p, x, now))
                .collect()
        })
        .await?;
    list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    Ok(Json(json!({ "count": list.len(), "intersections": list })))
}

async fn events(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let mut list: Vec<Value> = state
        .world
        .read(|w| {
            let p = &w.pipeline;
            p.events
                .values()
                .map(|e| views::event(&p.frame, e))
                .collect()
        })
        .await?;
    list.sort_by(|a, b| {
        (a["rsu"].as_str(), a["kind"].as_str(), a["id"].as_u64()).cmp(&(
            b["rsu"].as_str(),
            b["kind"].as_str(),
            b["id"].as_u64(),
        ))
    });
    Ok(Json(json!({ "count": list.len(), "events": list })))
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
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
                ApiError(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "{k} must be an integer (ms since the epoch for from and to), got {v:?}"
                    ),
                )
            }),
        }
    };
    Ok(Window {
        from: num("from", 0)?,
        to: num("to", i64::MAX)?,
        limit: num("limit", 1_000)?.clamp(1, 100_000) as u32,
    })
}

/// `GET /api/v1/misbehaviour?device&kind&from&to&limit`: stored misbehaviour reports, newest
/// first, and the vehicles quarantined now.
async fn misbehaviour(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let w = window(&q)?;
    let kind = q.get("kind").cloned();
    if let Some(k) = &kind
        && roadcloud_misbehaviour::Kind::parse(k).is_none()
    {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("kind {k:?} is none of {}", check_names()),
        ));
    }
    let query_ = roadcloud_store::MisbehaviourQuery {
        device: q.get("device").map(|s| s.to_ascii_lowercase()),
        kind,
        from: w.from,
        to: w.to,
        limit: w.limit,
    };
    let list = query(&state, move |s| s.misbehaviour(&query_)).await?;
    let reports: Vec<Value> = list
        .iter()
        .map(|r| serde_json::from_str(&r.json).unwrap_or(Value::Null))
        .collect();
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
    Ok(Json(json!({
        "count": reports.len(),
        "reports": reports,
        "quarantined": quarantined,
    })))
}

/// The misbehaviour checks' states, and the detector's mode, where the cameras look (for
/// the phantom check), its parameters and trust rules.
fn checks_json(d: &roadcloud_misbehaviour::Detector) -> Value {
    let (cells, covered) = d.camera_coverage(roadcloud_transport::now_millis());
    json!({
        "mode": d.config().mode,
        "camera_cells": {"detected_in": cells, "covered": covered},
        "checks": d.checks().collect::<Vec<_>>(),
        "thresholds": d.config().thresholds,
        "trust": d.config().trust,
    })
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

fn check_json(d: &roadcloud_misbehaviour::Detector, kind: roadcloud_misbehaviour::Kind) -> Value {
    json!(
        d.checks()
            .find(|c| c.kind == kind)
            .expect("every kind is listed")
    )
}

/// `GET /api/v1/misbehaviour/checks`: each check, on or off, and the detector's settings.
async fn misbehaviour_checks(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let v = state
        .world
        .read(|w| checks_json(&w.pipeline.misbehaviour))
        .await?;
    Ok(Json(v))
}

/// `GET /api/v1/misbehaviour/checks/{kind}`: one check.
async fn misbehaviour_check(
    State(state): State<ApiState>,
    Path(kind): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let kind = check_kind(&kind)?;
    let v = state
        .world
        .read(move |w| check_json(&w.pipeline.misbehaviour, kind))
        .await?;
    Ok(Json(v))
}

/// `PUT /api/v1/misbehaviour/checks/{kind}` with `{"enabled": bool}`: switches a check on
/// or off (off, it still runs and counts; its findings cost no trust), as the applications'
/// switches do. Operators only; audited.
async fn switch_misbehaviour_check(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let kind = check_kind(&kind)?;
    let bad = |e: String| ApiError(StatusCode::BAD_REQUEST, e);
    let v: Value =
        serde_json::from_slice(&body).map_err(|e| bad(format!("the body must be JSON: {e}")))?;
    let Some(&Value::Bool(enabled)) = v
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("enabled"))
    else {
        return Err(bad(
            "give {\"enabled\": true} or {\"enabled\": false}".into()
        ));
    };
    let check = state
        .world
        .write(move |w| {
            w.pipeline.misbehaviour.set_enabled(kind, enabled);
            check_json(&w.pipeline.misbehaviour, kind)
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
        Some(&v.to_string()),
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

async fn history_trajectory(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let w = window(&q)?;
    let id2 = id.clone();
    let points = query(&state, move |s| s.trajectory(&id2, w.from, w.to, w.limit)).await?;
    Ok(Json(json!({
        "participant": id,
        "count": points.len(),
        "points": points.iter().map(|p| json!({
            "at": p.at,
            "type": p.kind,
            "lat": p.lat,
            "lon": p.lon,
            "speed_mps": p.speed_mps,
            "heading_deg": p.heading_deg,
            "lane": p.lane,
        })).collect::<Vec<_>>(),
    })))
}

async fn history_events(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let w = window(&q)?;
    let list = query(&state, move |s| s.events(w.from, w.to, w.limit)).await?;
    Ok(Json(json!({
        "count": list.len(),
        "events": list.iter().map(|e| json!({
            "change": e.change,
            "at": e.at,
            "kind": e.kind,
            "rsu": e.rsu,
            "id": e.local_id,
            "code": e.code,
            "lat": e.lat,
            "lon": e.lon,
            "radius_m": e.radius_m,
            "description": e.description,
            "start": e.start,
            "end": e.end,
        })).collect::<Vec<_>>(),
    })))
}

async fn history_devices(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let w = window(&q)?;
    let device = q.get("device").cloned();
    let list = query(&state, move |s| {
        s.device_status(device.as_deref(), w.from, w.to, w.limit)
    })
    .await?;
    Ok(Json(json!({
        "count": list.len(),
        "changes": list.iter().map(|d| json!({
            "device": d.device,
            "kind": d.kind,
            "status": d.status,
            "at": d.at,
        })).collect::<Vec<_>>(),
    })))
}

/// Each application with its state and how many advisories it sent.
fn apps_json(p: &roadcloud_pipeline::Pipeline) -> Vec<Value> {
    p.apps
        .describe()
        .into_iter()
        .map(|mut a| {
            // BSW/LCW sends as BSW or LCW.
            let id = a["id"].as_str().unwrap_or_default().to_string();
            let sent: u64 = id
                .split('/')
                .map(|s| p.advisories_sent.get(s).copied().unwrap_or(0))
                .sum();
            a["advisories_sent"] = json!(sent);
            a
        })
        .collect()
}

async fn apps(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let list = state.world.read(|w| apps_json(&w.pipeline)).await?;
    Ok(Json(json!({"count": list.len(), "apps": list})))
}

fn find_app(p: &roadcloud_pipeline::Pipeline, name: &str) -> Result<Value, ApiError> {
    let id = p
        .apps
        .id_of(name)
        .map_err(|e| ApiError(StatusCode::NOT_FOUND, format!("{e}; see /api/v1/apps")))?;
    Ok(apps_json(p)
        .into_iter()
        .find(|a| a["id"] == id)
        .expect("every registered application is listed"))
}

async fn app(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .world
        .read(move |w| find_app(&w.pipeline, &id))
        .await?
        .map(Json)
}

/// `PUT /api/v1/apps/{id}` with `{"enabled": bool, "params": {...}}`, either optional.
async fn configure_app(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let bad = |e: String| ApiError(StatusCode::BAD_REQUEST, e);
    let v: Value =
        serde_json::from_slice(&body).map_err(|e| bad(format!("the body must be JSON: {e}")))?;
    let Value::Object(o) = &v else {
        return Err(bad(
            "the body must be a JSON object: {\"enabled\": bool, \"params\": {...}}".into(),
        ));
    };
    if let Some(k) = o.keys().find(|k| *k != "enabled" && *k != "params") {
        return Err(bad(format!("unknown key {k}: give enabled and/or params")));
    }
    let enabled = match o.get("enabled") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(x) => return Err(bad(format!("enabled must be true or false, not {x}"))),
    };
    let params = o.get("params").cloned();
    let app = {
        let id = id.clone();
        state
            .world
            .write(move |w| {
                find_app(&w.pipeline, &id)?;
                w.pipeline
                    .apps
                    .configure(&id, enabled, params.as_ref())
                    .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))?;
                find_app(&w.pipeline, &id)
            })
            .await??
    };
    tracing::info!(
        app = id,
        enabled = app["enabled"].as_bool(),
        by = caller.name(),
        "application configured"
    );
    // Who changed what, when and from where: kept before the change is confirmed.
    let action = if o.contains_key("params") {
        "app.configure"
    } else {
        "app.switch"
    };
    record_change(&state, &caller, action, &id, Some(&v.to_string()))?;
    Ok(Json(app))
}

async fn advisories(
    State(state): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let w = window(&q)?;
    let bbox = q
        .get("bbox")
        .map(|b| parse_bbox(b))
        .transpose()
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))?
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
    let items: Vec<Value> = list
        .iter()
        .map(|a| serde_json::from_str(&a.json).unwrap_or(Value::Null))
        .collect();
    Ok(Json(json!({"count": items.len(), "advisories": items})))
}
