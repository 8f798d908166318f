//! Road events and signs from RSI (DF_RTEData, DF_RTSData of T/CSAE 53-2020), placed in the
//! local frame and on the one time base.

use crate::geo::{LocalFrame, Point};
use crate::signals::resolve_moy;
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

/// The events and signs an RSI gives.
pub fn events_from_rsi(
    frame: &LocalFrame,
    rsi: &csae::RoadSideInformation,
    received_at: Millis,
) -> Vec<RoadEvent> {
    let r = (i64::from(rsi.ref_pos.lat.0), i64::from(rsi.ref_pos.long.0));
    let here = |o: Option<&csae::PositionOffsetLLV>| {
        let (lat, lon) = match o {
            Some(o) => units::resolve_offset_ll(r.0, r.1, &o.offset_ll),
            None => r,
        };
        frame.to_local(units::degrees_from_1e7(lat), units::degrees_from_1e7(lon))
    };
    let paths = |list: Option<&csae::ReferencePathList>| {
        list.map(|l| {
            l.0.iter()
                .map(|p| {
                    let pts = p.active_path.0.iter().map(|o| here(Some(o))).collect();
                    // `Radius`: 0.1 m (DE_Radius).
                    (pts, f64::from(p.path_radius.0) / 10.0)
                })
                .collect()
        })
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
