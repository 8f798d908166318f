//! A zone for scenario tests: devices send messages as they would (UPER MessageFrames on
//! their topics), the pipeline admits them into the world, and the applications evaluate
//! each tile's scene.

#![allow(dead_code)]

use bytes::Bytes;
use roadcloud_apps::{Advisory, Registry, Scene, Severity};
use roadcloud_csae::{LightState, MessageFrame};
use roadcloud_pipeline::{Pipeline, PipelineConfig};
use roadcloud_sim::messages::{self, Detection, VehicleState};
use roadcloud_transport::{DeviceId, DeviceKind, Frame, MessageKind, Topic, Transport};
use roadcloud_world::{LocalFrame, Millis, Point};

/// The RSU of the test intersection.
pub const RSU: [u8; 8] = *b"RSU-AT01";

pub fn p(east_m: f64, north_m: f64) -> Point {
    Point { east_m, north_m }
}

/// A vehicle id from a number.
pub fn id(n: u8) -> [u8; 8] {
    [0x5a, 0, 0, 0, 0, 0, 0, n]
}

pub struct Zone {
    pub pipeline: Pipeline,
    pub frame: LocalFrame,
    pub now: Millis,
    /// The vehicles that have reported, with the path they came along.
    seen: std::collections::HashSet<[u8; 8]>,
}

/// Seconds of a vehicle's past a scenario gives it when it first reports: a vehicle on the
/// road has come from somewhere, and its track's path is the applications' evidence of its
/// lane where MAP gives none.
pub const HISTORY_S: u32 = 10;

impl Zone {
    /// An empty zone around the MAP vector's intersection (node 310/1001 at the origin).
    /// A scenario is one moment, its vehicles' past an invented straight drive at their
    /// speed (a car braking hard now braked in no earlier report): misbehaviour detection,
    /// which would rightly quarantine such a vehicle under its default, runs in monitor mode
    /// (it has tests of its own).
    pub fn new() -> Zone {
        let mut config = PipelineConfig::default();
        config.misbehaviour.mode = roadcloud_misbehaviour::Mode::Monitor;
        let pipeline = Pipeline::new(config);
        let frame = pipeline.frame;
        Zone {
            pipeline,
            frame,
            now: roadcloud_transport::now_millis(),
            seen: std::collections::HashSet::new(),
        }
    }

    /// With the MAP vector: node 310/1001 at the origin, four approaches of three lanes
    /// (lane 1 left turn, 2 straight, 3 straight and right), 60 km/h.
    pub fn with_map() -> Zone {
        let mut z = Zone::new();
        let MessageFrame::MapFrame(map) = roadcloud_testkit::vector53("map_01_anting_4arm") else {
            panic!("a MAP")
        };
        z.send(
            DeviceKind::Rsu,
            RSU,
            MessageKind::Map,
            MessageFrame::MapFrame(map),
        );
        z
    }

    /// A zone whose MAP is `intersections`, as if their MAPs had come in (for road layouts
    /// the MAP vector does not have).
    pub fn with_intersections(intersections: Vec<roadcloud_world::map::Intersection>) -> Zone {
        let mut z = Zone::new();
        for x in intersections {
            z.pipeline.intersections.insert(x.id, x);
        }
        z.pipeline.lanes = roadcloud_world::LaneIndex::new(z.pipeline.intersections.values());
        z
    }

    /// Marks the lanes of the approach through `at` heading `heading_deg` as giving way at
    /// their stop line (DE_AllowedManeuvers bit 8, `yieldAllwaysRequired`), as MAP would
    /// for a minor road.
    pub fn give_way(&mut self, at: Point, heading_deg: f64) {
        let m = self
            .pipeline
            .lanes
            .locate(at, Some(heading_deg))
            .expect("a lane there");
        let x = self
            .pipeline
            .intersections
            .get_mut(&m.lane.node)
            .expect("its intersection");
        for link in x.links.iter_mut().filter(|l| l.upstream == m.lane.upstream) {
            for lane in &mut link.lanes {
                lane.maneuvers = Some(lane.maneuvers.unwrap_or(0) | 1 << 8);
            }
        }
    }

    pub fn send(&mut self, kind: DeviceKind, device: [u8; 8], m: MessageKind, frame: MessageFrame) {
        self.send_at(kind, device, m, frame, self.now);
    }

    fn send_at(
        &mut self,
        kind: DeviceKind,
        device: [u8; 8],
        m: MessageKind,
        frame: MessageFrame,
        received_at: Millis,
    ) {
        let f = Frame {
            transport: Transport::Mqtt,
            topic: Topic::uplink(kind, DeviceId(device), m),
            payload: Bytes::from(roadcloud_csae::encode(&frame).expect("encodes")),
            received_at,
            ack: None,
        };
        self.pipeline.ingest(&f).expect("admitted");
    }

    /// A vehicle reports itself; the first time, with the [`HISTORY_S`] seconds it drove
    /// straight at its speed to get there (one BSM a second, each received when sent).
    pub fn vehicle(&mut self, v: VehicleState) {
        if self.seen.insert(v.id) && v.speed_mps > 0.0 {
            let (s, c) = v.heading_deg.to_radians().sin_cos();
            for k in (1..=HISTORY_S).rev() {
                let back = v.speed_mps * f64::from(k);
                let then = self.now - Millis::from(k) * 1_000;
                let past = VehicleState {
                    position: p(v.position.east_m - back * s, v.position.north_m - back * c),
                    ..v
                };
                let bsm = messages::bsm(&self.frame, &past, 0, then);
                self.send_at(
                    DeviceKind::Obu,
                    v.id,
                    MessageKind::Bsm,
                    MessageFrame::BsmFrame(bsm),
                    then,
                );
            }
        }
        let bsm = messages::bsm(&self.frame, &v, 0, self.now);
        self.send(
            DeviceKind::Obu,
            v.id,
            MessageKind::Bsm,
            MessageFrame::BsmFrame(bsm),
        );
    }

    /// RSU `rsu`, standing at `at`, reports what its camera sees: one pedestrian waiting at
    /// its pole (an RSM lists at least one participant).
    pub fn rsu_at(&mut self, rsu: [u8; 8], at: Point) {
        let d = Detection::pedestrian(1, at, 0.0, 0.0);
        let rsm = messages::rsm(&self.frame, rsu, at, &[d], 0, self.now);
        self.send(
            DeviceKind::Rsu,
            rsu,
            MessageKind::Rsm,
            MessageFrame::RsmFrame(rsm),
        );
    }

    /// A pedestrian's phone reports its holder (PSM).
    pub fn walker(&mut self, device: [u8; 8], at: Point, heading_deg: f64, speed_mps: f64) {
        let who = Detection::pedestrian(0, at, heading_deg, speed_mps);
        let psm = messages::psm(&self.frame, device, &who, 0, self.now);
        self.send(
            DeviceKind::Obu,
            device,
            MessageKind::Psm,
            MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
                value: roadcloud_csae::Day2Message::PersonalSafety(psm),
            }),
        );
    }

    /// The RSU's camera sees a pedestrian.
    pub fn pedestrian(&mut self, ptc_id: u16, at: Point, heading_deg: f64, speed_mps: f64) {
        let d = Detection::pedestrian(ptc_id, at, heading_deg, speed_mps);
        let rsm = messages::rsm(&self.frame, RSU, p(0.0, 0.0), &[d], 0, self.now);
        self.send(
            DeviceKind::Rsu,
            RSU,
            MessageKind::Rsm,
            MessageFrame::RsmFrame(rsm),
        );
    }

    /// The RSU's camera sees obstacles on the road: each a 0.3 m traffic cone at its place
    /// (an SSM's obstacle list, T/CSAE 157-2020).
    pub fn cones(&mut self, at: &[Point]) {
        let cones: Vec<roadcloud_world::obstacles::Obstacle> = at
            .iter()
            .enumerate()
            .map(|(k, &position)| roadcloud_world::obstacles::Obstacle {
                sensor: RSU,
                id: k as u16,
                kind: roadcloud_csae::ObstacleType::Trafficcone,
                position,
                width_m: Some(0.3),
                length_m: Some(0.3),
                height_m: Some(0.7),
                generated_at: self.now,
                received_at: self.now,
            })
            .collect();
        let ssm = messages::ssm_of_obstacles(
            &self.frame,
            RSU,
            roadcloud_csae::EquipmentType::Rsu,
            p(0.0, 0.0),
            &cones,
            0,
            self.now,
        );
        self.send(DeviceKind::Rsu, RSU, MessageKind::Ssm, ssm);
    }

    /// The intersection's signals: (phase, light, ms until it changes).
    pub fn signals(&mut self, phases: &[(u8, LightState, Millis)]) {
        let spat = messages::spat((310, 1001), phases, 0, self.now);
        self.send(
            DeviceKind::Rsu,
            RSU,
            MessageKind::Spat,
            MessageFrame::SpatFrame(spat),
        );
    }

    /// An RSI vector, its time details dropped (they name a day long past).
    pub fn rsi(&mut self, name: &str) {
        let MessageFrame::RsiFrame(mut rsi) = roadcloud_testkit::vector53(name) else {
            panic!("an RSI")
        };
        for e in rsi.rtes.iter_mut().flat_map(|l| l.0.iter_mut()) {
            e.time_details = None;
        }
        for s in rsi.rtss.iter_mut().flat_map(|l| l.0.iter_mut()) {
            s.time_details = None;
        }
        let id = rsi.id;
        self.send(
            DeviceKind::Rsu,
            id,
            MessageKind::Rsi,
            MessageFrame::RsiFrame(rsi),
        );
    }

    /// What application `app` (alone) advises, over every tile.
    pub fn advisories(&self, app: &str) -> Vec<Advisory> {
        let mut registry = Registry::new();
        for a in roadcloud_apps::all() {
            registry
                .configure(a.id(), Some(a.id() == app), None)
                .unwrap();
        }
        let p = &self.pipeline;
        let mut out = Vec::new();
        for tile in p.tracks().tiles() {
            let view = p.tracks().view(tile);
            let scene = Scene::new(
                self.now,
                &view,
                &p.lanes,
                &p.intersections,
                &p.signals,
                p.events.values(),
            )
            .with_clear_the_way(p.clear_the_way())
            .with_obstacles(p.obstacles.iter());
            registry.evaluate(&scene, &mut out);
        }
        out
    }
}

/// One case of a scenario table: a name, how the zone is set up, and the severity the
/// target vehicle must get (None: no advisory of the application at all).
pub struct Case {
    pub name: &'static str,
    pub setup: fn() -> Zone,
    pub expect: Option<Severity>,
    /// The time to collision the advisory must give, seconds (lowest, highest), when the
    /// case states one.
    pub ttc_s: Option<(f64, f64)>,
}

/// Runs a table: each case's advisories of `app` for vehicle 1.
pub fn run(app: &str, cases: &[Case]) {
    let mut failed = Vec::new();
    for c in cases {
        let zone = (c.setup)();
        let got = zone.advisories(app);
        let mine: Vec<&Advisory> = got.iter().filter(|a| a.target == id(1)).collect();
        let severity = mine.iter().map(|a| a.severity).max();
        if severity != c.expect {
            failed.push(format!(
                "{app} / {}: expected {:?}, got {:?} {:#?}",
                c.name, c.expect, severity, mine
            ));
        }
        if let Some((lo, hi)) = c.ttc_s {
            let ttc = mine.iter().find_map(|a| a.ttc_s);
            if !ttc.is_some_and(|t| (lo..=hi).contains(&t)) {
                failed.push(format!(
                    "{app} / {}: time to collision {ttc:?}, expected {lo}-{hi} s",
                    c.name
                ));
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
