//! Zone-wide information to the RSUs around it, as standard RSI on their downlink
//! (`V2X/RSU/{rsuId}/RSI/DOWN`): what a vehicle learns from its advisory, every vehicle in
//! radio range of those RSUs hears over PC5, equipped with the cloud link or not.
//!
//! - A hazard (HLW) or a sign (IVS) one RSU announced goes to the other RSUs within
//!   [`RelayConfig::radius_m`] of it, so it is heard before the vehicles reach the RSU that
//!   saw it.
//! - A jam (TJW), which no device announces (roadcloud finds it in the tracks), becomes an
//!   `RTEData` of [`RelayConfig::jam_event_type`] at the jam's tail, sent to the RSUs near it.
//!
//! An item is relayed while an advisory about it stands, that is while vehicles are on their
//! way to it, and to each RSU at most once per repeat interval.

use crate::{EventKey, HashMap};
use roadcloud_apps::{Advisory, ParticipantId};
use roadcloud_csae as csae;
use roadcloud_transport::DeviceId;
use roadcloud_world::events::{EventKind, RoadEvent, rsi_announcing};
use roadcloud_world::{LocalFrame, Millis, Point};
use std::collections::hash_map::Entry;

/// What is relayed to which RSUs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelayConfig {
    /// RSUs within this distance of an item receive it, metres; 0 relays nothing.
    pub radius_m: f64,
    /// The `eventType` of a jam's `RTEData`. T/CSAE 53-2020 takes event types from
    /// GB/T 29100-2012, whose table is not public; set the zone's own code.
    pub jam_event_type: u16,
    /// The radius given to a jam's zone, metres.
    pub jam_radius_m: f64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            radius_m: 500.0,
            jam_event_type: 707,
            jam_radius_m: 50.0,
        }
    }
}

/// An RSI for one RSU to broadcast.
#[derive(Debug, Clone, PartialEq)]
pub struct RsuDownlink {
    /// The RSU, as in its topics.
    pub rsu: DeviceId,
    /// What it is to broadcast (its `id` is the RSU's).
    pub rsi: csae::RoadSideInformation,
}

/// What a relayed item is: an announced event or sign, or a jam (by 100 m cell of its tail,
/// so that one jam is one item whichever vehicle is last in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Item {
    Announced(EventKey),
    Jam(i64, i64),
}

/// The relay's memory: what went to which RSU when, and each RSU's message count.
#[derive(Debug, Default)]
pub(crate) struct RsiRelay {
    config: RelayConfig,
    sent: HashMap<(DeviceId, Item), Millis>,
    msg_cnt: HashMap<DeviceId, u8>,
}

impl RsiRelay {
    pub(crate) fn new(config: RelayConfig) -> Self {
        RsiRelay {
            config,
            ..RsiRelay::default()
        }
    }

    /// The RSIs that `advisories` call for, to the RSUs at `rsus`, leaving out what each RSU
    /// had less than `repeat_ms` ago.
    pub(crate) fn relay(
        &mut self,
        advisories: &[Advisory],
        events: &HashMap<EventKey, RoadEvent>,
        rsus: &HashMap<DeviceId, Point>,
        frame: &LocalFrame,
        now: Millis,
        repeat_ms: Millis,
    ) -> Vec<RsuDownlink> {
        if self.config.radius_m <= 0.0 || rsus.is_empty() {
            return Vec::new();
        }
        let mut items: Vec<(Item, RoadEvent)> = Vec::new();
        for a in advisories {
            let Some(other) = a.others.first() else {
                continue;
            };
            let item = match (a.scenario, &other.id) {
                ("HLW" | "IVS", &ParticipantId::Rsi { rsu, sign, id }) => {
                    let kind = if sign {
                        EventKind::Sign
                    } else {
                        EventKind::Event
                    };
                    events
                        .get(&(rsu, kind, id))
                        .map(|e| (Item::Announced((rsu, kind, id)), e.clone()))
                }
                ("TJW", _) => Some(self.jam(other.position, now)),
                _ => None,
            };
            if let Some(item) = item.filter(|i| !items.iter().any(|(k, _)| *k == i.0)) {
                items.push(item);
            }
        }
        let radius2 = self.config.radius_m * self.config.radius_m;
        let mut by_rsu: HashMap<DeviceId, Vec<(u8, &RoadEvent)>> = HashMap::default();
        for (item, e) in &items {
            for (rsu, at) in rsus {
                // The announcing RSU broadcasts it already.
                if rsu.0 == e.rsu || at.distance2_to(e.position) > radius2 {
                    continue;
                }
                match self.sent.entry((*rsu, *item)) {
                    Entry::Occupied(last) if now - *last.get() < repeat_ms => continue,
                    Entry::Occupied(mut last) => {
                        last.insert(now);
                    }
                    Entry::Vacant(v) => {
                        v.insert(now);
                    }
                }
                let list = by_rsu.entry(*rsu).or_default();
                list.push((local_id(item, list), e));
            }
        }
        let mut out = Vec::new();
        for (rsu, list) in by_rsu {
            let cnt = self.msg_cnt.entry(rsu).or_default();
            for rsi in rsi_announcing(frame, rsu.0, rsus[&rsu], &list, *cnt, now) {
                *cnt = (*cnt + 1) % 128;
                out.push(RsuDownlink { rsu, rsi });
            }
        }
        out
    }

    /// A jam whose tail is at `tail`, as an event.
    fn jam(&self, tail: Point, now: Millis) -> (Item, RoadEvent) {
        let cell = |m: f64| (m / 100.0).floor() as i64;
        let item = Item::Jam(cell(tail.east_m), cell(tail.north_m));
        let event = RoadEvent {
            kind: EventKind::Event,
            rsu: [0; 8],
            local_id: 0,
            code: self.config.jam_event_type,
            position: tail,
            radius_m: Some(self.config.jam_radius_m),
            paths: Vec::new(),
            source: Some(csae::EventSource::Detection),
            description: Some("traffic jam".into()),
            priority: None,
            start: None,
            end: None,
            received_at: now,
        };
        (item, event)
    }

    /// Forgets what was sent long ago, and the RSUs that went offline.
    pub(crate) fn expire(&mut self, now: Millis, repeat_ms: Millis, gone: &[DeviceId]) {
        self.sent
            .retain(|(rsu, _), t| now - *t < 10 * repeat_ms && !gone.contains(rsu));
        self.msg_cnt.retain(|rsu, _| !gone.contains(rsu));
    }
}

/// The `rteId`/`rtsId` of `item` in an RSU's message: stable from one broadcast to the next
/// (vehicles tell entries apart by it), the next free one where two items would share it.
fn local_id(item: &Item, taken: &[(u8, &RoadEvent)]) -> u8 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    // A fixed hasher: the id must not change with the process's seed.
    let h = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
    let first = h.hash_one(item) as u8;
    (0..=255u8)
        .map(|i| first.wrapping_add(i))
        .find(|id| taken.iter().all(|(t, _)| t != id))
        .unwrap_or(first)
}
