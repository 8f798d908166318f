//! The live feed (`/api/v1/live`, a WebSocket) and what the store keeps of each change.
//!
//! A client first gets a `snapshot` of the whole world, then an `update` every 100 ms with the
//! participants that changed (keyed by `track`), the tracks that went (`removed`), the
//! intersections whose MAP or signal state changed, events that appeared, changed or
//! ended, devices that came online or went offline, and the advisories sent. A client too
//! slow for the feed gets a fresh snapshot instead of the updates it missed.
//!
//! Two views of the same feed: `full` (the default) shows each participant as the API does;
//! `map` (`/api/v1/live?view=map`, what the web map reads) as a row of what a map draws, a
//! fifth of the bytes, so 5,000 participants at 10 Hz stay cheap to send and to parse.

use crate::http::ApiState;
use crate::http::views;
use crate::sinks::{JournalSink, Pending, Tick};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use roadcloud_pipeline::{DeviceChange, Journal, Pipeline};
use roadcloud_store::DeviceStatus;
use roadcloud_transport::now_millis;
use roadcloud_world::{Millis, Track};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

/// How the feed shows participants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// As the API does ([`views::participant`]).
    Full,
    /// As rows of what a map draws ([`views::participant_row`]).
    Map,
}

impl View {
    fn participant(self, p: &Pipeline, t: &Track) -> Value {
        match self {
            View::Full => json!(views::participant(&p.frame, t)),
            View::Map => views::participant_row(&p.frame, t),
        }
    }
}

/// The live feed's two views, each built only while somebody listens to it.
#[derive(Clone)]
pub struct Feeds {
    full: broadcast::Sender<Arc<str>>,
    map: broadcast::Sender<Arc<str>>,
}

impl Feeds {
    /// Both views, each holding at most `capacity` updates for a slow client.
    pub fn new(capacity: usize) -> Self {
        Feeds {
            full: broadcast::channel(capacity).0,
            map: broadcast::channel(capacity).0,
        }
    }

    fn sender(&self, view: View) -> &broadcast::Sender<Arc<str>> {
        match view {
            View::Full => &self.full,
            View::Map => &self.map,
        }
    }

    /// Sends what the journal says changed to each view that has listeners.
    fn publish(&self, p: &Pipeline, j: &Journal, since: Millis, now: Millis) {
        for view in [View::Full, View::Map] {
            let tx = self.sender(view);
            if tx.receiver_count() > 0 {
                let _ = tx.send(update(p, j, since, now, view).into());
            }
        }
    }
}

/// The whole world as one message.
pub fn snapshot(p: &Pipeline, now: Millis, view: View) -> String {
    json!({
        "type": "snapshot",
        "at": now,
        "participants": p.tracks().iter().map(|t| view.participant(p, t)).collect::<Vec<_>>(),
        "intersections": p.intersections.values().map(|x| views::intersection(p, x, now)).collect::<Vec<_>>(),
        "events": p.events.values().map(|e| views::event(&p.frame, e)).collect::<Vec<_>>(),
        "quarantined": p.misbehaviour.quarantined().map(|d| views::hex(&d)).collect::<Vec<_>>(),
        "gaps": views::gaps(p),
        "lane_rules": views::lane_rules(p),
        "car_parks": views::car_park_marks(p),
        "obstacles": views::obstacle_marks(p),
    })
    .to_string()
}

/// What changed since `since`, as one message.
pub fn update(p: &Pipeline, j: &Journal, since: Millis, now: Millis, view: View) -> String {
    let participants: Vec<Value> = p
        .tracks()
        .iter()
        .filter(|t| t.updated_at > since)
        .map(|t| view.participant(p, t))
        .collect();
    let intersections: Vec<Value> = j
        .intersections_touched
        .iter()
        .map(|id| match p.intersections.get(id) {
            Some(x) => json!(views::intersection(p, x, now)),
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
        "devices": j.devices.iter().map(|d| {
            let d = device_status(d);
            json!({"device": d.device, "kind": d.kind, "status": d.status, "at": d.at})
        }).collect::<Vec<_>>(),
        "advisories": j.advisories.iter().map(|a| views::advisory(&p.frame, a)).collect::<Vec<_>>(),
        "misbehaviour": j.misbehaviour.iter().map(|r| views::misbehaviour(&p.frame, r)).collect::<Vec<_>>(),
        "quarantine": j.quarantine.iter().map(|c| {
            json!({"device": views::hex(&c.device), "quarantined": c.quarantined, "at": c.at})
        }).collect::<Vec<_>>(),
        "gaps": views::gaps(p),
        "lane_rules": views::lane_rules(p),
        "car_parks": views::car_park_marks(p),
        "obstacles": views::obstacle_marks(p),
    })
    .to_string()
}

/// A device's change of status as it is stored and sent.
pub(crate) fn device_status(d: &DeviceChange) -> DeviceStatus {
    DeviceStatus {
        device: d.device.to_string(),
        kind: d.kind.as_str().to_ascii_lowercase(),
        status: if d.online { "online" } else { "offline" }.to_string(),
        at: d.at,
    }
}

/// The live world over a WebSocket. The first text message is a snapshot:
/// `{"type": "snapshot", "at", "participants", "intersections", "events", "quarantined",
/// "gaps", "lane_rules", "car_parks", "obstacles"}`;
/// then every 100 ms an update: `{"type": "update", "at", "participants"` (those reported
/// since the last update, keyed by `track`), `"removed"` (track numbers that expired),
/// `"intersections"` (MAP or signal state changed), `"events"` (`[{"change":
/// appeared|changed|ended, "event"}]`), `"devices"` (`[{"device", "kind", "status":
/// online|offline, "at"}]`), `"advisories"` (sent since the last update, as on the
/// vehicles' downlinks), `"misbehaviour"` (reports), `"quarantine"` (`[{"device",
/// "quarantined", "at"}]`), `"gaps"` (every gap granted now for a lane change or a merge,
/// as `/api/v1/gaps` lists them), `"lane_rules"` (every operator's lane rule in force, as
/// `/api/v1/lane-rules` lists them), `"car_parks"` (every car park announced: `{"name",
/// "position", "free", "slots"}`, from `/api/v1/car-parks`), `"obstacles"` (every obstacle on
/// the road that sensors report, `[lat, lon, kind]`, from `/api/v1/obstacles`)`}`. A client that falls behind gets a fresh snapshot. With
/// `view=map` (what the web map reads) each participant is a row `[track, id, type, lat,
/// lon, heading_deg, speed_mps, source (self|roadside|fused), length_m, width_m]`.
#[utoipa::path(get, path = "/api/v1/live", tag = "zone",
    params(("view" = Option<String>, Query, description = "full (the default): participants as in /api/v1/participants; map: participants as rows.")),
    responses(
        (status = 101, description = "switching to the WebSocket protocol"),
        (status = 400, description = "not a WebSocket upgrade request, or an unknown view"),
    ))]
pub async fn handler(
    ws: WebSocketUpgrade,
    Query(q): Query<HashMap<String, String>>,
    State(state): State<ApiState>,
) -> Response {
    let view = match q.get("view").map(String::as_str) {
        None | Some("full") => View::Full,
        Some("map") => View::Map,
        Some(other) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("view must be full or map, not {other:?}\n"),
            )
                .into_response();
        }
    };
    ws.on_upgrade(move |socket| stream(socket, state, view))
}

/// A subscription to the live feed and a snapshot of the world, taken together in the
/// world stage: the updates the stage sends next follow this snapshot, none falls between.
async fn subscribe(
    state: &ApiState,
    view: View,
) -> Result<(broadcast::Receiver<Arc<str>>, String), crate::stages::Stopped> {
    let sender = state.live.sender(view).clone();
    state
        .world
        .read(move |w| {
            let rx = sender.subscribe();
            (rx, snapshot(&w.pipeline, now_millis(), view))
        })
        .await
}

async fn stream(mut socket: WebSocket, state: ApiState, view: View) {
    let Ok((mut rx, first)) = subscribe(&state, view).await else {
        return;
    };
    if socket.send(Message::Text(first.into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            msg = rx.recv() => {
                let text: Arc<str> = match msg {
                    Ok(t) => t,
                    Err(RecvError::Lagged(_)) => match subscribe(&state, view).await {
                        Ok((fresh, snap)) => {
                            rx = fresh;
                            snap.into()
                        }
                        Err(_) => return,
                    },
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

impl JournalSink for Feeds {
    /// Sends each view that has listeners what changed in the tick; a slow listener misses
    /// updates and gets a fresh snapshot, so the world stage never waits for one.
    fn take(&mut self, tick: &Tick<'_>) -> Option<Pending> {
        self.publish(tick.pipeline, tick.journal, tick.since, tick.now);
        None
    }
}
