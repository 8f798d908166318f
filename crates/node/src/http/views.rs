//! The JSON form of what the world holds, one function per thing: the API, the live feed
//! and the store all show a participant, an intersection or an event the same way.

use roadcloud_api::apps::{Advisory, AdvisoryOther, SpeedBand};
use roadcloud_api::misbehaviour::{Evidence, Report};
use roadcloud_api::zone::{self, EventPath, LatLon, Participant, Signal};
use roadcloud_pipeline::{Held, Pipeline};
use roadcloud_world::events::{EventKind, RoadEvent};
use roadcloud_world::map::Intersection;
use roadcloud_world::parking::CarParkKey;
use roadcloud_world::{LaneMatch, LaneRef, LocalFrame, Point, SourceKey, Track};
use serde_json::{Value, json};

/// A gap granted for a lane change or a merge.
pub fn gap(g: &roadcloud_pipeline::GapGrant) -> zone::Gap {
    zone::Gap {
        vehicle: g.vehicle.to_string(),
        kind: if g.merge { "merge" } else { "lane_change" }.to_string(),
        target_lane: lane_id(&g.target),
        begin_ms: g.begin_ms,
        end_ms: g.end_ms,
        speed_mps: g.speed_mps,
        yielding: g.yielding.map(|(d, _)| d.to_string()),
        yielding_speed_mps: g.yielding.map(|(_, v)| v),
    }
}

/// The movements of DE_AllowedManeuvers' bits 0 to 3, as the API names them.
pub const MANEUVERS: [&str; 4] = ["straight", "left", "right", "u_turn"];

/// An operator's lane rule.
pub fn lane_rule(r: &roadcloud_world::requests::LaneRule) -> zone::LaneRule {
    use roadcloud_world::requests::LaneUse;
    let (lane_use, maneuvers) = match r.lane_use {
        LaneUse::Closed => ("closed", Vec::new()),
        LaneUse::Reassigned { maneuvers } => (
            "reassigned",
            (0..4)
                .filter(|b| maneuvers & (1 << b) != 0)
                .map(|b| MANEUVERS[b].to_string())
                .collect(),
        ),
    };
    zone::LaneRule {
        lane: lane_id(&r.lane),
        lane_use: lane_use.to_string(),
        maneuvers,
        reason: r.reason.clone(),
        since_ms: r.since,
        until_ms: r.until,
        version: r.version,
    }
}

/// The operators' lane rules in force, by lane.
pub fn lane_rules(p: &Pipeline) -> Vec<zone::LaneRule> {
    p.lane_rules().map(lane_rule).collect()
}

/// A lane id as [`lane_id`] writes it (`{node}:{upstream}:{lane}`, nodes `region/id`).
pub fn parse_lane_id(s: &str) -> Option<LaneRef> {
    let node = |t: &str| {
        let (region, id) = t.split_once('/')?;
        Some(roadcloud_world::map::NodeId {
            region: region.parse().ok()?,
            id: id.parse().ok()?,
        })
    };
    let mut parts = s.split(':');
    let (n, u, l) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(LaneRef {
        node: node(n)?,
        upstream: node(u)?,
        lane: l.parse().ok()?,
    })
}

/// The gaps granted now, by vehicle.
pub fn gaps(p: &Pipeline) -> Vec<zone::Gap> {
    p.gap_grants().map(gap).collect()
}

/// The car parks their RSUs announced, with the slots held for vehicles.
pub fn car_parks(p: &Pipeline) -> Vec<zone::CarPark> {
    use roadcloud_world::parking::SlotState;
    const TYPES: [&str; 10] = [
        "unknown", "ordinary", "disabled", "mini", "attached", "charging", "stereo", "lady",
        "extended", "private",
    ];
    let holds = p.parking_holds();
    p.car_parks()
        .map(|c| {
            let held_for = |slot: u16| {
                holds
                    .iter()
                    .find(|(_, h)| h.car_park == c.key && h.slot == slot)
                    .map(|(v, _)| hex(v))
            };
            let slots: Vec<zone::ParkingSlot> = c
                .slots()
                .map(|(d, s)| zone::ParkingSlot {
                    id: s.id,
                    types: (0..10)
                        .filter(|i| s.types & (1 << i) != 0)
                        .map(|i| TYPES[i].to_string())
                        .collect(),
                    status: match s.state {
                        SlotState::Available => "available",
                        SlotState::Occupied => "occupied",
                        SlotState::Reserved => "reserved",
                        SlotState::Unknown => "unknown",
                    }
                    .to_string(),
                    held_for: held_for(s.id),
                    drive: format!("{}-{}", d.from, d.to),
                })
                .collect();
            zone::CarPark {
                rsu: hex(&c.key.rsu),
                id: c.key.lot,
                name: c.name.clone(),
                position: latlon(&p.frame, c.entrance().unwrap_or_default()),
                free: c.free_slots(&held_in(&holds, c.key)),
                slots,
                updated_ms: c.updated_at,
            }
        })
        .collect()
}

/// The slots held in car park `key`, of the holds `holds`.
fn held_in(holds: &[([u8; 8], Held)], key: CarParkKey) -> Vec<u16> {
    holds
        .iter()
        .filter(|(_, h)| h.car_park == key)
        .map(|(_, h)| h.slot)
        .collect()
}

/// The car parks as the live feed gives them to the web map, every 100 ms: `{"name",
/// "position", "free", "slots"}` each (the free slots of all), without the slots' views.
pub fn car_park_marks(p: &Pipeline) -> Vec<Value> {
    let holds = p.parking_holds();
    p.car_parks()
        .map(|c| {
            json!({
                "name": c.name,
                "position": latlon(&p.frame, c.entrance().unwrap_or_default()),
                "free": c.free_slots(&held_in(&holds, c.key)),
                "slots": c.slots().count(),
            })
        })
        .collect()
}

/// An 8-octet id as 16 lowercase hex digits, as in the topics.
pub fn hex(id: &[u8; 8]) -> String {
    roadcloud_transport::DeviceId(*id).to_string()
}

/// The participant's public id: its vehicle id when known, else `track-N`.
pub fn public_id(t: &Track) -> String {
    t.vehicle
        .as_ref()
        .map(hex)
        .unwrap_or_else(|| format!("track-{}", t.id.0))
}

/// `[lat, lon]` in degrees.
pub fn latlon(frame: &LocalFrame, p: Point) -> LatLon {
    let (lat, lon) = frame.to_wgs84(p);
    [lat, lon]
}

/// A lane's id: `{node}:{upstream node}:{lane}` (e.g. `310/1001:310/1002:2`), which names
/// the intersection, the approach and the lane.
pub fn lane_id(l: &LaneRef) -> String {
    format!("{}:{}:{}", l.node, l.upstream, l.lane)
}

/// A participant's matched lane.
pub fn lane(m: &LaneMatch) -> zone::LaneMatch {
    zone::LaneMatch {
        id: lane_id(&m.lane),
        intersection: m.lane.node.to_string(),
        upstream: m.lane.upstream.to_string(),
        lane: m.lane.lane,
        offset_m: m.offset_m,
        to_stop_line_m: m.to_stop_line_m,
        against: m.against,
        speed_limit_mps: m.speed_limit_mps,
    }
}

/// `self` (its own reports) and `sensor:{id}` (the detections of an RSU's sensors, by RSM
/// or SSM, or of a vehicle's, by SSM) for each source, sorted.
pub fn sources(t: &Track) -> Vec<String> {
    let mut sources: Vec<String> = t
        .sources
        .iter()
        .map(|(k, _)| match k {
            SourceKey::Vehicle(_) => "self".to_string(),
            SourceKey::Roadside { rsu, .. } => format!("sensor:{}", hex(rsu)),
        })
        .collect();
    sources.sort();
    sources
}

/// A participant.
pub fn participant(frame: &LocalFrame, t: &Track) -> Participant {
    let (lat, lon) = frame.to_wgs84(t.position);
    Participant {
        id: public_id(t),
        track: t.id.0,
        kind: t.kind.as_str().to_string(),
        vehicle_class: t.vehicle_class,
        lat,
        lon,
        speed_mps: t.motion.speed_mps,
        heading_deg: t.motion.heading_deg,
        accel_mps2: t.motion.accel_long_mps2,
        yaw_rate_dps: t.motion.yaw_rate_dps,
        width_m: t.width_m,
        length_m: t.length_m,
        lane: t.lane.as_ref().map(lane),
        sources: sources(t),
        fused: t.sources.len() > 1,
        at: t.at,
        updated_at: t.updated_at,
        node: None,
    }
}

/// A participant as the web map draws it, one array (`/api/v1/live?view=map`):
/// `[track, id, type, lat, lon, heading_deg, speed_mps, source, length_m, width_m]`, where
/// source is `self` (its own reports), `roadside` (one RSU's perception) or `fused` (more
/// than one source). Positions to 1e-7 degree (1 cm), as the standard's `Latitude` unit.
pub fn participant_row(frame: &LocalFrame, t: &Track) -> Value {
    let (lat, lon) = frame.to_wgs84(t.position);
    let source = match t.sources.as_slice() {
        [(SourceKey::Vehicle(_), _)] => "self",
        [] | [_] => "roadside",
        _ => "fused",
    };
    json!([
        t.id.0,
        public_id(t),
        t.kind.as_str(),
        round_to(lat, 1e7),
        round_to(lon, 1e7),
        t.motion.heading_deg.map(|h| round_to(h, 10.0)),
        t.motion.speed_mps.map(|v| round_to(v, 100.0)),
        source,
        t.length_m.map(|l| round_to(l, 100.0)),
        t.width_m.map(|w| round_to(w, 100.0)),
    ])
}

/// An advisory as it is published to the vehicle and stored (docs/apps.md).
pub fn advisory(frame: &LocalFrame, a: &roadcloud_apps::Advisory) -> Advisory {
    let (lat, lon) = frame.to_wgs84(a.position);
    Advisory {
        scenario: a.scenario.to_string(),
        severity: a.severity.as_str().to_string(),
        target: hex(&a.target),
        lat,
        lon,
        others: a
            .others
            .iter()
            .map(|o| {
                let (lat, lon) = frame.to_wgs84(o.position);
                AdvisoryOther {
                    id: o.id.to_string(),
                    kind: o.kind.to_string(),
                    lat,
                    lon,
                }
            })
            .collect(),
        ttc_s: a.ttc_s.map(round2),
        distance_m: a.distance_m.map(round2),
        advised_speed_mps: a.advised_speed_mps.map(|(min, max)| SpeedBand {
            min: round2(min),
            max: round2(max),
        }),
        reported_at: a.reported_at,
        at: a.at,
        expires_at: a.expires_at,
        detail: a.detail.clone(),
    }
}

/// A misbehaviour report as the API, the live feed and the store give it: the positions of
/// its evidence in WGS-84.
pub fn misbehaviour(frame: &LocalFrame, r: &roadcloud_misbehaviour::Report) -> Report {
    Report {
        device: hex(&r.device),
        kind: r.kind.as_str().to_string(),
        at: r.at,
        detail: r.detail.clone(),
        evidence: r
            .evidence
            .iter()
            .map(|e| {
                let (lat, lon) = frame.to_wgs84(roadcloud_world::Point {
                    east_m: e.east_m,
                    north_m: e.north_m,
                });
                Evidence {
                    at: e.at,
                    lat,
                    lon,
                    speed_mps: e.speed_mps.map(round2),
                    heading_deg: e.heading_deg.map(round2),
                }
            })
            .collect(),
        action: r.action.as_str().to_string(),
        trust: round2(r.trust),
    }
}

fn round2(x: f64) -> f64 {
    round_to(x, 100.0)
}

/// `x` rounded to 1/`per_unit`.
fn round_to(x: f64, per_unit: f64) -> f64 {
    (x * per_unit).round() / per_unit
}

/// `event` or `sign`.
pub fn event_kind(k: EventKind) -> &'static str {
    match k {
        EventKind::Event => "event",
        EventKind::Sign => "sign",
    }
}

/// An obstacle on the road.
pub fn obstacle(frame: &LocalFrame, o: &roadcloud_world::obstacles::Obstacle) -> zone::Obstacle {
    let (lat, lon) = frame.to_wgs84(o.position);
    zone::Obstacle {
        sensor: hex(&o.sensor),
        id: o.id,
        kind: o.kind.asn_name().to_string(),
        lat,
        lon,
        width_m: o.width_m,
        length_m: o.length_m,
        height_m: o.height_m,
        generated_at: o.generated_at,
        received_at: o.received_at,
    }
}

/// The obstacles as the web map draws them: `[lat, lon, kind]` each.
pub fn obstacle_marks(p: &Pipeline) -> Vec<serde_json::Value> {
    p.obstacles
        .iter()
        .map(|o| {
            let (lat, lon) = p.frame.to_wgs84(o.position);
            serde_json::json!([lat, lon, o.kind.asn_name()])
        })
        .collect()
}

/// A road event or sign.
pub fn event(frame: &LocalFrame, e: &RoadEvent) -> zone::RoadEvent {
    let (lat, lon) = frame.to_wgs84(e.position);
    zone::RoadEvent {
        kind: event_kind(e.kind).to_string(),
        rsu: hex(&e.rsu),
        id: e.local_id,
        code: e.code,
        lat,
        lon,
        radius_m: e.radius_m,
        paths: e
            .paths
            .iter()
            .map(|(pts, half_width_m)| EventPath {
                points: points(frame, pts),
                half_width_m: *half_width_m,
            })
            .collect(),
        description: e.description.clone(),
        priority: e.priority,
        start: e.start,
        end: e.end,
        received_at: e.received_at,
    }
}

/// Each point as `[lat, lon]`.
fn points(frame: &LocalFrame, points: &[Point]) -> Vec<LatLon> {
    points.iter().map(|p| latlon(frame, *p)).collect()
}

/// An intersection's signal state at `now`; `None` before its first SPAT.
pub fn signal(p: &Pipeline, x: &roadcloud_world::map::NodeId, now: i64) -> Option<Signal> {
    let s = p.signals.get(x)?;
    Some(Signal {
        generated_at: s.generated_at,
        phases: s
            .phases
            .iter()
            .map(|ph| {
                let step = ph.at(now);
                let likely_end = step.and_then(|s| s.likely_end);
                zone::Phase {
                    id: ph.id,
                    light: step.map(|s| s.light.to_string()),
                    likely_end,
                    time_to_change_s: likely_end.map(|e| (e - now) as f64 / 1000.0),
                }
            })
            .collect(),
    })
}

/// An intersection with its links and lanes, and its signal state at `now`.
pub fn intersection(p: &Pipeline, x: &Intersection, now: i64) -> zone::Intersection {
    let frame = &p.frame;
    let (lat, lon) = frame.to_wgs84(x.position);
    let links = x
        .links
        .iter()
        .map(|l| zone::Link {
            name: l.name.clone(),
            upstream: l.upstream.to_string(),
            width_m: l.width_m,
            speed_limit_mps: l.speed_limit_mps,
            points: points(frame, &l.points),
            lanes: l
                .lanes
                .iter()
                .map(|lane| zone::Lane {
                    id: lane.id,
                    // The centre line lane matching uses: the MAP's own points, or derived
                    // from the link's (see roadcloud_world::lanes).
                    centre_line: p
                        .lanes
                        .geometry(&LaneRef {
                            node: x.id,
                            upstream: l.upstream,
                            lane: lane.id,
                        })
                        .map(|g| points(frame, &g.centre)),
                    width_m: lane.width_m,
                    maneuvers: lane.maneuvers,
                    speed_limit_mps: lane.speed_limit_mps,
                    points: points(frame, &lane.points),
                    connects_to: lane
                        .connects_to
                        .iter()
                        .map(|c| zone::Connection {
                            remote: c.remote.to_string(),
                            lane: c.lane,
                            phase: c.phase,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    zone::Intersection {
        id: x.id.to_string(),
        name: x.name.clone(),
        lat,
        lon,
        links,
        signal: signal(p, &x.id, now),
        priority: p.priority_grants().get(&x.id).map(|g| zone::PriorityGrant {
            vehicle: hex(&g.vehicle),
            rank: g.rank.as_str().to_string(),
            phase: g.phase,
            since_ms: g.since,
            until_ms: g.until,
        }),
    }
}
