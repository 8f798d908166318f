//! Road events and signs from RSI (DF_RTEData, DF_RTSData of T/CSAE 53-2020), placed in the
//! local frame and on the one time base.

use crate::geo::{LocalFrame, Point};
use crate::signals::{self, resolve_moy};
use crate::time::Millis;
use crate::units;
use roadcloud_csae as csae;

/// Whether an RSI entry is a traffic event or a traffic sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A road traffic event (`rtes`, `eventType`).
    Event,
    /// A road traffic sign (`rtss`, `signType`).
    Sign,
}

/// One event or sign, as an RSU announced it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadEvent {
    /// Event or sign.
    pub kind: EventKind,
    /// The announcing RSU.
    pub rsu: [u8; 8],
    /// Its id within the RSU's messages (`rteId` / `rtsId`).
    pub local_id: u8,
    /// `eventType` or `signType` (national code tables).
    pub code: u16,
    /// Where it is.
    pub position: Point,
    /// Radius of its zone, metres (`eventRadius`, DE_Radius in 0.1 m).
    pub radius_m: Option<f64>,
    /// Its reference paths (polylines in the local frame) and their half widths, metres.
    pub paths: Vec<(Vec<Point>, f64)>,
    /// Who reported an event (`eventSource`); `None` for signs, which have none.
    pub source: Option<csae::EventSource>,
    /// Text, when given as IA5 (`textString`); GB2312 text is kept as hex.
    pub description: Option<String>,
    /// Priority (`RSIPriority`, one octet; smaller is higher in the standard's use).
    pub priority: Option<u8>,
    /// When it starts and ends, when given.
    pub start: Option<Millis>,
    /// When it ends.
    pub end: Option<Millis>,
    /// When roadcloud last received it.
    pub received_at: Millis,
}

fn description(d: &csae::Description) -> String {
    match d {
        csae::Description::TextString(s) => s.clone(),
        csae::Description::TextGB2312(b) => {
            format!(
                "gb2312:{}",
                b.iter().map(|x| format!("{x:02x}")).collect::<String>()
            )
        }
    }
}

/// A `ReferencePathList`'s paths (offsets from `ref_pos`) in the local frame, each with its
/// half width, metres (`Radius`: 0.1 m, DE_Radius).
pub fn reference_paths(
    frame: &LocalFrame,
    ref_pos: &csae::Position3D,
    list: &csae::ReferencePathList,
) -> Vec<(Vec<Point>, f64)> {
    let r = (i64::from(ref_pos.lat.0), i64::from(ref_pos.long.0));
    list.0
        .iter()
        .map(|p| {
            let pts = p
                .active_path
                .0
                .iter()
                .map(|o| frame.at_offset(r, &o.offset_ll))
                .collect();
            (pts, f64::from(p.path_radius.0) / 10.0)
        })
        .collect()
}

/// The events and signs an RSI gives.
pub fn events_from_rsi(
    frame: &LocalFrame,
    rsi: &csae::RoadSideInformation,
    received_at: Millis,
) -> Vec<RoadEvent> {
    let r = (i64::from(rsi.ref_pos.lat.0), i64::from(rsi.ref_pos.long.0));
    let here = |o: Option<&csae::PositionOffsetLLV>| match o {
        Some(o) => frame.at_offset(r, &o.offset_ll),
        None => frame.from_1e7(r),
    };
    let paths = |list: Option<&csae::ReferencePathList>| {
        list.map(|l| reference_paths(frame, &rsi.ref_pos, l))
            .unwrap_or_default()
    };
    let times = |t: Option<&csae::RSITimeDetails>| {
        let at = |m: Option<csae::MinuteOfTheYear>| m.map(|m| resolve_moy(m.0, 0, received_at));
        t.map_or((None, None), |t| (at(t.start_time), at(t.end_time)))
    };
    // What events and signs share: where, which paths, what text, how urgent, when.
    let entry = |kind,
                 local_id,
                 code: u16,
                 pos,
                 paths_of,
                 text: Option<&csae::Description>,
                 prio: Option<csae::RSIPriority>,
                 t| {
        let (start, end) = times(t);
        RoadEvent {
            kind,
            rsu: rsi.id,
            local_id,
            code,
            position: here(pos),
            radius_m: None,
            source: None,
            paths: paths(paths_of),
            description: text.map(description),
            priority: prio.map(|p| p.0[0]),
            start,
            end,
            received_at,
        }
    };
    let mut out = Vec::new();
    for e in rsi.rtes.iter().flat_map(|l| &l.0) {
        out.push(RoadEvent {
            radius_m: e.event_radius.map(|r| f64::from(r.0) / 10.0),
            source: Some(e.event_source),
            ..entry(
                EventKind::Event,
                e.rte_id,
                e.event_type.0,
                e.event_pos.as_ref(),
                e.reference_paths.as_ref(),
                e.description.as_ref(),
                e.priority,
                e.time_details.as_ref(),
            )
        });
    }
    for s in rsi.rtss.iter().flat_map(|l| &l.0) {
        out.push(entry(
            EventKind::Sign,
            s.rts_id,
            s.sign_type.0,
            s.sign_pos.as_ref(),
            s.reference_paths.as_ref(),
            s.description.as_ref(),
            s.priority,
            s.time_details.as_ref(),
        ));
    }
    out
}

/// The RSIs an RSU at `at` broadcasts to announce `items` (each with the `rteId`/`rtsId` to
/// give it), as many as the lists' bounds need (`RTEList` takes 8 events, `RTSList` 16 signs),
/// numbered from `msg_cnt` on: the inverse of [`events_from_rsi`], for the cloud's downlink to
/// an RSU. Positions are offsets from `at` in the shortest form; times are minutes of the year.
pub fn rsi_announcing(
    frame: &LocalFrame,
    rsu: [u8; 8],
    at: Point,
    items: &[(u8, &RoadEvent)],
    msg_cnt: u8,
    now: Millis,
) -> Vec<csae::RoadSideInformation> {
    let r = frame.to_1e7(at);
    let offset = |p: Point| {
        let (lat, lon) = frame.to_1e7(p);
        units::offset_llv(r.0, r.1, lat, lon)
    };
    // DE_Radius: 0.1 m.
    let radius = |m: f64| csae::Radius((m * 10.0).round().clamp(0.0, 65_535.0) as u16);
    let paths = |e: &RoadEvent| {
        let list: Vec<csae::ReferencePath> = e
            .paths
            .iter()
            .filter(|(pts, _)| pts.len() >= 2)
            .take(8)
            .map(|(pts, half_width)| csae::ReferencePath {
                active_path: csae::PathPointList(pts.iter().take(32).map(|p| offset(*p)).collect()),
                path_radius: radius(*half_width),
            })
            .collect();
        (!list.is_empty()).then_some(csae::ReferencePathList(list))
    };
    let text = |e: &RoadEvent| {
        let d = e.description.as_deref()?;
        Some(match d.strip_prefix("gb2312:") {
            Some(hex) => csae::Description::TextGB2312(
                (0..hex.len() / 2)
                    .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                    .take(512)
                    .collect(),
            ),
            None => {
                csae::Description::TextString(d.chars().filter(char::is_ascii).take(512).collect())
            }
        })
        .filter(|d| match d {
            csae::Description::TextString(s) => !s.is_empty(),
            csae::Description::TextGB2312(b) => b.len() >= 2,
        })
    };
    let times = |e: &RoadEvent| {
        let moy = |t: Option<Millis>| t.map(|t| csae::MinuteOfTheYear(signals::minute_of_year(t)));
        (e.start.is_some() || e.end.is_some()).then(|| csae::RSITimeDetails {
            start_time: moy(e.start),
            end_time: moy(e.end),
            end_time_confidence: None,
        })
    };
    let priority = |e: &RoadEvent| e.priority.map(|p| csae::RSIPriority([p]));
    let rtes: Vec<csae::RTEData> = items
        .iter()
        .filter(|(_, e)| e.kind == EventKind::Event)
        .map(|&(id, e)| csae::RTEData {
            rte_id: id,
            event_type: csae::EventType(e.code),
            event_source: e.source.unwrap_or(csae::EventSource::Unknown),
            event_pos: Some(offset(e.position)),
            event_radius: e.radius_m.map(radius),
            description: text(e),
            time_details: times(e),
            priority: priority(e),
            reference_paths: paths(e),
            reference_links: None,
            event_confidence: None,
        })
        .collect();
    let rtss: Vec<csae::RTSData> = items
        .iter()
        .filter(|(_, e)| e.kind == EventKind::Sign)
        .map(|&(id, e)| csae::RTSData {
            rts_id: id,
            sign_type: csae::SignType(e.code),
            sign_pos: Some(offset(e.position)),
            description: text(e),
            time_details: times(e),
            priority: priority(e),
            reference_paths: paths(e),
            reference_links: None,
            auxiliary_sign: None,
        })
        .collect();
    let (mut rtes, mut rtss) = (rtes.chunks(8), rtss.chunks(16));
    let mut out = Vec::new();
    for n in 0u8.. {
        let (e, s) = (rtes.next(), rtss.next());
        if e.is_none() && s.is_none() {
            break;
        }
        out.push(csae::RoadSideInformation {
            msg_cnt: csae::MsgCount(msg_cnt.wrapping_add(n) % 128),
            moy: Some(csae::MinuteOfTheYear(signals::minute_of_year(now))),
            id: rsu,
            ref_pos: csae::Position3D {
                lat: csae::Latitude(r.0 as i32),
                long: csae::Longitude(r.1 as i32),
                elevation: None,
            },
            rtes: e.map(|e| csae::RTEList(e.to_vec())),
            rtss: s.map(|s| csae::RTSList(s.to_vec())),
        });
    }
    out
}
