//! The live feed (`/api/v1/live`, a WebSocket) and what the store keeps of each change.
//!
//! A client first gets a `snapshot` of the whole world, then an `update` every 100 ms with the
//! participants that changed (keyed by `track`), the tracks that went (`removed`), the
//! intersections whose MAP or signal state changed, events that appeared, changed or
//! ended, and the advisories sent. A client too slow for the feed gets a fresh snapshot instead of the updates it missed.

use crate::commands::serve::AppState;
use crate::views;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use roadcloud_pipeline::{Journal, Pipeline};
use roadcloud_store::{AdvisoryRecord, DeviceStatus, EventRecord, Record, TrajectoryPoint};
use roadcloud_transport::now_millis;
use roadcloud_world::Millis;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// The whole world as one message.
pub fn snapshot(p: &Pipeline, now: Millis) -> String {
    json!({
        "type": "snapshot",
        "at": now,
        "participants": p.tracks.iter().map(|t| views::participant(&p.frame, t)).collect::<Vec<_>>(),
        "intersections": p.intersections.values().map(|x| views::intersection(p, x, now)).collect::<Vec<_>>(),
        "events": p.events.values().map(|e| views::event(&p.frame, e)).collect::<Vec<_>>(),
    })
    .to_string()
}

/// What changed since `since`, as one message.
pub fn update(p: &Pipeline, j: &Journal, since: Millis, now: Millis) -> String {
    let participants: Vec<Value> = p
        .tracks
        .iter()
        .filter(|t| t.updated_at > since)
        .map(|t| views::participant(&p.frame, t))
        .collect();
    let intersections: Vec<Value> = j
        .intersections_touched
        .iter()
        .map(|id| match p.intersections.get(id) {
            Some(x) => views::intersection(p, x, now),
            // Signal state without MAP yet.
            None => json!({"id": id.to_string(), "signal": views::signal(p, id, now)}),
        })
        .collect();
    let events: Vec<Value> = j
        .events
        .iter()
        .map(|c| json!({"change": c.change.as_str(), "event": views::event(&p.frame, &c.event)}))
        .collect();
    json!({
        "type": "update",
        "at": now,
        "participants": participants,
        "removed": j.tracks_removed.iter().map(|t| t.0).collect::<Vec<_>>(),
        "intersections": intersections,
        "events": events,
        "advisories": j.advisories.iter().map(|a| views::advisory(&p.frame, a)).collect::<Vec<_>>(),
    })
    .to_string()
}

/// The store's records of a journal: event changes and device status changes.
pub fn records(p: &Pipeline, j: &Journal) -> Vec<Record> {
    let events = j.events.iter().map(|c| {
        let (lat, lon) = p.frame.to_wgs84(c.event.position);
        Record::Event(EventRecord {
            rsu: views::hex(&c.event.rsu),
            kind: views::event_kind(c.event.kind).to_string(),
            local_id: c.event.local_id,
            code: c.event.code,
            change: c.change.as_str().to_string(),
            at: c.at,
            lat,
            lon,
            radius_m: c.event.radius_m,
            description: c.event.description.clone(),
            start: c.event.start,
            end: c.event.end,
        })
    });
    let devices = j.devices.iter().map(|d| {
        Record::DeviceStatus(DeviceStatus {
            device: d.device.to_string(),
            kind: d.kind.as_str().to_ascii_lowercase(),
            status: if d.online { "online" } else { "offline" }.to_string(),
            at: d.at,
        })
    });
    let advisories = j.advisories.iter().map(|a| {
        let (lat, lon) = p.frame.to_wgs84(a.position);
        Record::Advisory(AdvisoryRecord {
            scenario: a.scenario.to_string(),
            target: views::hex(&a.target),
            at: a.at,
            lat,
            lon,
            json: views::advisory(&p.frame, a).to_string(),
        })
    });
    events.chain(devices).chain(advisories).collect()
}

/// One trajectory sample of each participant reported since `since`.
pub fn trajectory_samples(p: &Pipeline, since: Millis) -> Vec<Record> {
    p.tracks
        .iter()
        .filter(|t| t.updated_at > since)
        .map(|t| {
            let (lat, lon) = p.frame.to_wgs84(t.position);
            Record::Trajectory(TrajectoryPoint {
                participant: views::public_id(t),
                kind: t.kind.as_str().to_string(),
                at: t.at,
                lat,
                lon,
                speed_mps: t.motion.speed_mps,
                heading_deg: t.motion.heading_deg,
                lane: t.lane.as_ref().map(|m| views::lane_id(&m.lane)),
            })
        })
        .collect()
}

/// `GET /api/v1/live`: upgrades to a WebSocket and streams the world.
pub async fn handler(ws: WebSocketUpgrade, State(state): State<AppState>) -> Response {
    ws.on_upgrade(move |socket| stream(socket, state))
}

async fn stream(mut socket: WebSocket, state: AppState) {
    // Subscribe before the snapshot, so nothing falls between the two.
    let mut rx = state.live.subscribe();
    let snap = |state: &AppState| -> String {
        let w = state.world.read().expect("world lock");
        snapshot(&w.pipeline, now_millis())
    };
    if socket
        .send(Message::Text(snap(&state).into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            msg = rx.recv() => {
                let text: Arc<str> = match msg {
                    Ok(t) => t,
                    Err(RecvError::Lagged(_)) => snap(&state).into(),
                    Err(RecvError::Closed) => return,
                };
                if socket.send(Message::Text(text.as_ref().into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                // Clients only listen; pings are answered by axum, close ends the stream.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    }
}
