//! The HTTP API: `/api/v1/...`, `/metrics`, `/healthz`.

use crate::commands::serve::SharedWorld;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use roadcloud_admission::Reason;
use roadcloud_world::{SourceKey, Track};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write;

/// The OpenAPI description of every route below.
const OPENAPI: &str = include_str!("openapi.json");

/// The API's routes over the shared world.
pub fn router(world: SharedWorld) -> Router {
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
        .with_state(world)
}

fn hex(id: &[u8; 8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// The participant's public id: its vehicle id when known, else `track-N`.
fn public_id(t: &Track) -> String {
    t.vehicle
        .as_ref()
        .map(hex)
        .unwrap_or_else(|| format!("track-{}", t.id.0))
}

fn participant_json(frame: &roadcloud_world::LocalFrame, t: &Track) -> Value {
    let (lat, lon) = frame.to_wgs84(t.position);
    let mut sources: Vec<String> = t
        .sources
        .keys()
        .map(|k| match k {
            SourceKey::Vehicle(_) => "self".to_string(),
            SourceKey::Roadside { rsu, .. } => format!("rsu:{}", hex(rsu)),
        })
        .collect();
    sources.sort();
    json!({
        "id": public_id(t),
        "track": t.id.0,
        "type": t.kind.as_str(),
        "vehicle_class": t.vehicle_class,
        "lat": lat,
        "lon": lon,
        "speed_mps": t.motion.speed_mps,
        "heading_deg": t.motion.heading_deg,
        "accel_mps2": t.motion.accel_long_mps2,
        "yaw_rate_dps": t.motion.yaw_rate_dps,
        "width_m": t.width_m,
        "length_m": t.length_m,
        "lane": Value::Null,
        "sources": sources,
        "fused": t.self_reported() && t.roadside_detected() || t.sources.len() > 1,
        "at": t.at,
        "updated_at": t.updated_at,
    })
}

async fn participants(
    State(world): State<SharedWorld>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let bbox = match q.get("bbox").map(|b| parse_bbox(b)).transpose() {
        Ok(b) => b,
        Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
    };
    let w = world.read().expect("world lock");
    let mut list: Vec<Value> = w
        .tracks
        .iter()
        .map(|t| participant_json(&w.frame, t))
        .filter(|p| match bbox {
            Some([min_lon, min_lat, max_lon, max_lat]) => {
                let (lat, lon) = (
                    p["lat"].as_f64().unwrap_or(f64::NAN),
                    p["lon"].as_f64().unwrap_or(f64::NAN),
                );
                lat >= min_lat && lat <= max_lat && lon >= min_lon && lon <= max_lon
            }
            None => true,
        })
        .collect();
    list.sort_by_key(|p| p["track"].as_u64());
    Json(json!({ "count": list.len(), "participants": list })).into_response()
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

async fn participant(State(world): State<SharedWorld>, Path(id): Path<String>) -> Response {
    let w = world.read().expect("world lock");
    match w.tracks.iter().find(|t| public_id(t) == id) {
        Some(t) => Json(participant_json(&w.frame, t)).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no participant {id}")})),
        )
            .into_response(),
    }
}

async fn devices(State(world): State<SharedWorld>) -> Json<Value> {
    let w = world.read().expect("world lock");
    let mut list: Vec<Value> = w
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
            })
        })
        .collect();
    list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    Json(json!({ "count": list.len(), "devices": list }))
}

async fn stats(State(world): State<SharedWorld>) -> Json<Value> {
    let w = world.read().expect("world lock");
    let rejected: serde_json::Map<String, Value> = w
        .admission
        .rejections()
        .iter()
        .map(|(r, n)| (r.as_str().to_string(), json!(n)))
        .collect();
    Json(json!({
        "started_at": w.started_at,
        "received": w.counters.received,
        "admitted": w.counters.admitted,
        "admitted_by_kind": w.counters.admitted_by_kind,
        "rejected": rejected,
        "observations": w.counters.observations,
        "participants": w.tracks.len(),
        "devices": w.admission.devices().len(),
    }))
}

async fn metrics(State(world): State<SharedWorld>) -> Response {
    let w = world.read().expect("world lock");
    let mut out = String::new();
    let c = &w.counters;
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
    let mut kinds: Vec<_> = c.admitted_by_kind.iter().collect();
    kinds.sort();
    for (k, n) in kinds {
        let _ = writeln!(
            out,
            "roadcloud_frames_admitted_total{{message=\"{k}\"}} {n}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP roadcloud_frames_rejected_total Frames rejected by admission, by reason."
    );
    let _ = writeln!(out, "# TYPE roadcloud_frames_rejected_total counter");
    let rejected = w.admission.rejections();
    for r in Reason::ALL {
        let _ = writeln!(
            out,
            "roadcloud_frames_rejected_total{{reason=\"{}\"}} {}",
            r.as_str(),
            rejected.get(&r).copied().unwrap_or(0)
        );
    }
    let _ = writeln!(
        out,
        "# HELP roadcloud_participants Live tracked participants."
    );
    let _ = writeln!(out, "# TYPE roadcloud_participants gauge");
    let _ = writeln!(out, "roadcloud_participants {}", w.tracks.len());
    let _ = writeln!(out, "# HELP roadcloud_devices Devices seen since start.");
    let _ = writeln!(out, "# TYPE roadcloud_devices gauge");
    let _ = writeln!(out, "roadcloud_devices {}", w.admission.devices().len());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

fn latlon(frame: &roadcloud_world::LocalFrame, p: roadcloud_world::Point) -> Value {
    let (lat, lon) = frame.to_wgs84(p);
    json!([lat, lon])
}

async fn intersections(State(world): State<SharedWorld>) -> Json<Value> {
    let w = world.read().expect("world lock");
    let now = roadcloud_transport::now_millis();
    let mut list: Vec<Value> = w
        .intersections
        .values()
        .map(|x| {
            let (lat, lon) = w.frame.to_wgs84(x.position);
            let links: Vec<Value> = x
                .links
                .iter()
                .map(|l| {
                    json!({
                        "name": l.name,
                        "upstream": l.upstream.to_string(),
                        "width_m": l.width_m,
                        "speed_limit_mps": l.speed_limit_mps,
                        "points": l.points.iter().map(|p| latlon(&w.frame, *p)).collect::<Vec<_>>(),
                        "lanes": l.lanes.iter().map(|lane| json!({
                            "id": lane.id,
                            "width_m": lane.width_m,
                            "maneuvers": lane.maneuvers,
                            "speed_limit_mps": lane.speed_limit_mps,
                            "points": lane.points.iter().map(|p| latlon(&w.frame, *p)).collect::<Vec<_>>(),
                            "connects_to": lane.connects_to.iter().map(|c| json!({
                                "remote": c.remote.to_string(),
                                "lane": c.lane,
                                "phase": c.phase,
                            })).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let signal = w.signals.get(&x.id).map(|s| {
                json!({
                    "generated_at": s.generated_at,
                    "phases": s.phases.iter().map(|p| {
                        let step = p.at(now);
                        json!({
                            "id": p.id,
                            "light": step.map(|s| s.light),
                            "likely_end": step.and_then(|s| s.likely_end),
                            "time_to_change_s": step.and_then(|s| s.likely_end).map(|e| (e - now) as f64 / 1000.0),
                        })
                    }).collect::<Vec<_>>(),
                })
            });
            json!({
                "id": x.id.to_string(),
                "name": x.name,
                "lat": lat,
                "lon": lon,
                "links": links,
                "signal": signal,
            })
        })
        .collect();
    list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    Json(json!({ "count": list.len(), "intersections": list }))
}

async fn events(State(world): State<SharedWorld>) -> Json<Value> {
    let w = world.read().expect("world lock");
    let mut list: Vec<Value> = w
        .events
        .values()
        .map(|e| {
            let (lat, lon) = w.frame.to_wgs84(e.position);
            json!({
                "kind": match e.kind {
                    roadcloud_world::events::EventKind::Event => "event",
                    roadcloud_world::events::EventKind::Sign => "sign",
                },
                "rsu": hex(&e.rsu),
                "id": e.local_id,
                "code": e.code,
                "lat": lat,
                "lon": lon,
                "radius_m": e.radius_m,
                "paths": e.paths.iter().map(|(pts, half_width_m)| json!({
                    "points": pts.iter().map(|p| latlon(&w.frame, *p)).collect::<Vec<_>>(),
                    "half_width_m": half_width_m,
                })).collect::<Vec<_>>(),
                "description": e.description,
                "priority": e.priority,
                "start": e.start,
                "end": e.end,
                "received_at": e.received_at,
            })
        })
        .collect();
    list.sort_by(|a, b| {
        (a["rsu"].as_str(), a["kind"].as_str(), a["id"].as_u64()).cmp(&(
            b["rsu"].as_str(),
            b["kind"].as_str(),
            b["id"].as_u64(),
        ))
    });
    Json(json!({ "count": list.len(), "events": list }))
}
