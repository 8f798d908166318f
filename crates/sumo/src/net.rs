//! A SUMO network (`.net.xml`): its projection back to WGS-84, and its signalised
//! junctions as T/CSAE 53-2020 MAP nodes.
//!
//! A network placed at real coordinates keeps, in `<location>`, the proj.4 definition it was
//! projected with (UTM here) and the offset added to the projected coordinates; network
//! coordinates minus the offset are UTM easting and northing, which [`Utm::to_wgs84`] takes
//! back to latitude and longitude.

use quick_xml::Reader;
use quick_xml::events::Event;
use roadcloud_csae as csae;
use roadcloud_world::units;
use std::collections::HashMap;
use std::path::Path;

/// A UTM zone of WGS-84.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Utm {
    /// The zone, 1 to 60.
    pub zone: u8,
    /// Southern hemisphere (`+south`).
    pub south: bool,
}

impl Utm {
    /// Latitude and longitude, degrees, of an easting and northing, metres (the inverse
    /// transverse Mercator series of Snyder, "Map Projections: A Working Manual", 1987,
    /// eq. 8-12 to 8-18: millimetres within a zone).
    pub fn to_wgs84(&self, easting: f64, northing: f64) -> (f64, f64) {
        const A: f64 = 6_378_137.0;
        const F: f64 = 1.0 / 298.257_223_563;
        const K0: f64 = 0.9996;
        let e2 = F * (2.0 - F);
        let ep2 = e2 / (1.0 - e2);
        let x = easting - 500_000.0;
        let y = if self.south {
            northing - 10_000_000.0
        } else {
            northing
        };
        let m = y / K0;
        let mu = m / (A * (1.0 - e2 / 4.0 - 3.0 * e2 * e2 / 64.0 - 5.0 * e2.powi(3) / 256.0));
        let e1 = (1.0 - (1.0 - e2).sqrt()) / (1.0 + (1.0 - e2).sqrt());
        let phi1 = mu
            + (3.0 * e1 / 2.0 - 27.0 * e1.powi(3) / 32.0) * (2.0 * mu).sin()
            + (21.0 * e1 * e1 / 16.0 - 55.0 * e1.powi(4) / 32.0) * (4.0 * mu).sin()
            + (151.0 * e1.powi(3) / 96.0) * (6.0 * mu).sin()
            + (1097.0 * e1.powi(4) / 512.0) * (8.0 * mu).sin();
        let (s, c, t) = (phi1.sin(), phi1.cos(), phi1.tan());
        let n1 = A / (1.0 - e2 * s * s).sqrt();
        let t1 = t * t;
        let c1 = ep2 * c * c;
        let r1 = A * (1.0 - e2) / (1.0 - e2 * s * s).powf(1.5);
        let d = x / (n1 * K0);
        let lat = phi1
            - (n1 * t / r1)
                * (d * d / 2.0
                    - (5.0 + 3.0 * t1 + 10.0 * c1 - 4.0 * c1 * c1 - 9.0 * ep2) * d.powi(4) / 24.0
                    + (61.0 + 90.0 * t1 + 298.0 * c1 + 45.0 * t1 * t1
                        - 252.0 * ep2
                        - 3.0 * c1 * c1)
                        * d.powi(6)
                        / 720.0);
        let lon0 = f64::from(self.zone) * 6.0 - 183.0;
        let lon = lon0
            + ((d - (1.0 + 2.0 * t1 + c1) * d.powi(3) / 6.0
                + (5.0 - 2.0 * c1 + 28.0 * t1 - 3.0 * c1 * c1 + 8.0 * ep2 + 24.0 * t1 * t1)
                    * d.powi(5)
                    / 120.0)
                / c)
                .to_degrees();
        (lat.to_degrees(), lon)
    }

    /// The meridian convergence at an easting and northing, degrees: the true azimuth of
    /// grid north (the direction of growing northing), negative west of the zone's central
    /// meridian in the northern hemisphere. Found from two points 100 m apart on the grid,
    /// which is within a thousandth of a degree of the closed form.
    pub fn convergence_deg(&self, easting: f64, northing: f64) -> f64 {
        let (lat0, lon0) = self.to_wgs84(easting, northing);
        let (lat1, lon1) = self.to_wgs84(easting, northing + 100.0);
        let east = (lon1 - lon0).to_radians() * lat0.to_radians().cos();
        let north = (lat1 - lat0).to_radians();
        east.atan2(north).to_degrees()
    }
}

/// A lane of the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// Its id (`edge_index`).
    pub id: String,
    /// Its edge.
    pub edge: String,
    /// Its index on the edge (0 rightmost).
    pub index: u8,
    /// Speed limit, m/s.
    pub speed_mps: f64,
    /// Width, metres (SUMO's default 3.2 when not given).
    pub width_m: f64,
    /// Its centre line, network coordinates.
    pub shape: Vec<(f64, f64)>,
    /// Only pedestrians walk it.
    pub sidewalk: bool,
}

impl Lane {
    /// Its length along its shape, metres.
    pub fn length_m(&self) -> f64 {
        self.shape
            .windows(2)
            .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
            .sum()
    }
}

/// A connection from a lane to a lane across a junction.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// From lane (id).
    pub from_lane: String,
    /// To lane (id).
    pub to_lane: String,
    /// The traffic light controlling it and its link index there.
    pub signal: Option<(String, u16)>,
    /// Its direction: `s` straight, `l` left, `r` right, `t` turn, ...
    pub dir: char,
    /// The first internal lane it runs through inside the junction, when it has one.
    pub via: Option<String>,
    /// SUMO's link state: `M` major (priority), `m` minor (gives way), `s` stop, `w` all-way
    /// stop, `=` equal, `o`/`O` signal off, and for a traffic light's links its current
    /// light (`G`, `g`, `r`, ...).
    pub state: char,
}

/// A junction.
#[derive(Debug, Clone, PartialEq)]
pub struct Junction {
    /// Its id.
    pub id: String,
    /// Its node number in MAP (1, 2, ... in the file's order).
    pub node: u16,
    /// Whether a traffic light controls it.
    pub signalised: bool,
    /// Its centre, network coordinates.
    pub x: f64,
    /// Its centre's y.
    pub y: f64,
}

/// A SUMO network.
#[derive(Debug, Clone, PartialEq)]
pub struct Net {
    /// The projection.
    pub utm: Utm,
    /// Added to projected coordinates to make network coordinates.
    pub offset: (f64, f64),
    /// Junctions (internal ones left out), by id.
    pub junctions: HashMap<String, Junction>,
    /// Edges (internal ones left out): from and to junction ids.
    pub edges: HashMap<String, (String, String)>,
    /// Lanes by id.
    pub lanes: HashMap<String, Lane>,
    /// Connections between lanes of normal edges.
    pub connections: Vec<Connection>,
    /// Each traffic light's program: its phases' durations, seconds, and states.
    pub programs: HashMap<String, Vec<(f64, String)>>,
    /// Each traffic light's program id (`programID`, netconvert's `0`).
    pub program_ids: HashMap<String, String>,
}

/// At most `max` points of a lane's shape: all of them when they fit, else the first, the
/// last and evenly spaced ones between (MAP's `PointList` holds 2 to 31 points).
fn lane_points(shape: &[(f64, f64)], max: usize) -> impl Iterator<Item = &(f64, f64)> {
    let n = shape.len();
    let keep = n.min(max.max(2));
    (0..keep).map(move |k| {
        &shape[if keep < 2 {
            0
        } else {
            k * (n - 1) / (keep - 1)
        }]
    })
}

/// Why a network could not be read.
#[derive(Debug)]
pub struct NetError(pub String);

impl std::fmt::Display for NetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NetError {}

fn shape(s: &str) -> Vec<(f64, f64)> {
    s.split_whitespace()
        .filter_map(|p| {
            let (x, y) = p.split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect()
}

impl Net {
    /// Reads a `.net.xml` file.
    pub fn read(path: &Path) -> Result<Net, NetError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| NetError(format!("cannot read {}: {e}", path.display())))?;
        Net::parse(&text).map_err(|e| NetError(format!("{}: {}", path.display(), e.0)))
    }

    /// Parses a network's XML.
    pub fn parse(xml: &str) -> Result<Net, NetError> {
        let mut reader = Reader::from_str(xml);
        let mut net = Net {
            utm: Utm {
                zone: 0,
                south: false,
            },
            offset: (0.0, 0.0),
            junctions: HashMap::new(),
            edges: HashMap::new(),
            lanes: HashMap::new(),
            connections: Vec::new(),
            programs: HashMap::new(),
            program_ids: HashMap::new(),
        };
        let mut program: Option<String> = None;
        let mut edge: Option<String> = None;
        let mut nodes = 0u16;
        loop {
            let ev = reader
                .read_event()
                .map_err(|e| NetError(format!("not XML: {e}")))?;
            let (e, empty) = match &ev {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(e) if e.name().as_ref() == "edge" => {
                    edge = None;
                    continue;
                }
                Event::End(e) if e.name().as_ref() == "tlLogic" => {
                    program = None;
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            let attrs: HashMap<String, String> = e
                .attributes()
                .filter_map(Result::ok)
                .map(|a| {
                    (
                        a.key.as_ref().to_string(),
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map(|v| v.into_owned())
                            .unwrap_or_default(),
                    )
                })
                .collect();
            let get = |k: &str| attrs.get(k).map(String::as_str).unwrap_or("");
            match e.name().as_ref() {
                "location" => {
                    let proj = get("projParameter");
                    let zone = proj
                        .split_whitespace()
                        .find_map(|p| p.strip_prefix("+zone="))
                        .and_then(|z| z.parse().ok())
                        .ok_or_else(|| {
                            NetError(format!(
                                "the network is not placed in a UTM zone (projParameter \"{proj}\"): build it with netconvert --proj.utm"
                            ))
                        })?;
                    net.utm = Utm {
                        zone,
                        south: proj.contains("+south"),
                    };
                    let o = shape(get("netOffset"));
                    net.offset = *o.first().ok_or_else(|| NetError("no netOffset".into()))?;
                }
                "edge" if get("function").is_empty() => {
                    let id = get("id").to_string();
                    net.edges
                        .insert(id.clone(), (get("from").to_string(), get("to").to_string()));
                    if !empty {
                        edge = Some(id);
                    }
                }
                "edge" => {
                    edge = None;
                }
                "lane" => {
                    if let Some(edge) = &edge {
                        let id = get("id").to_string();
                        net.lanes.insert(
                            id.clone(),
                            Lane {
                                id,
                                edge: edge.clone(),
                                index: get("index").parse().unwrap_or(0),
                                speed_mps: get("speed").parse().unwrap_or(13.89),
                                width_m: get("width").parse().unwrap_or(3.2),
                                shape: shape(get("shape")),
                                sidewalk: get("allow") == "pedestrian",
                            },
                        );
                    }
                }
                "junction" if get("type") != "internal" => {
                    nodes += 1;
                    net.junctions.insert(
                        get("id").to_string(),
                        Junction {
                            id: get("id").to_string(),
                            node: nodes,
                            signalised: get("type").starts_with("traffic_light"),
                            x: get("x").parse().unwrap_or(0.0),
                            y: get("y").parse().unwrap_or(0.0),
                        },
                    );
                }
                "tlLogic" => {
                    // The first program of each traffic light is the one SUMO runs.
                    let id = get("id").to_string();
                    if !net.programs.contains_key(&id) {
                        net.programs.insert(id.clone(), Vec::new());
                        net.program_ids
                            .insert(id.clone(), get("programID").to_string());
                        program = Some(id);
                    }
                }
                "phase" => {
                    if let Some(p) = program.as_ref().and_then(|id| net.programs.get_mut(id)) {
                        p.push((
                            get("duration").parse().unwrap_or(0.0),
                            get("state").to_string(),
                        ));
                    }
                }
                "connection" if !get("from").starts_with(':') => {
                    let lane = |edge: &str, i: &str| format!("{edge}_{i}");
                    net.connections.push(Connection {
                        from_lane: lane(get("from"), get("fromLane")),
                        to_lane: lane(get("to"), get("toLane")),
                        signal: (!get("tl").is_empty())
                            .then(|| Some((get("tl").to_string(), get("linkIndex").parse().ok()?)))
                            .flatten(),
                        dir: get("dir").chars().next().unwrap_or('s'),
                        via: Some(get("via").to_string()).filter(|v| !v.is_empty()),
                        state: get("state").chars().next().unwrap_or('M'),
                    });
                }
                _ => {}
            }
        }
        if net.utm.zone == 0 {
            return Err(NetError(
                "no <location> with a projection: build the network with netconvert --proj.utm"
                    .into(),
            ));
        }
        Ok(net)
    }

    /// The signal groups of traffic light `tls`: for each link index, its group (1, 2, ...),
    /// links whose light is the same in every phase of the program sharing one. SPAT
    /// announces groups as its phases (T/CSAE 53-2020 allows 16), MAP names them.
    pub fn signal_groups(&self, tls: &str) -> Vec<u8> {
        let Some(program) = self.programs.get(tls).filter(|p| !p.is_empty()) else {
            return Vec::new();
        };
        let links = program.iter().map(|(_, s)| s.len()).min().unwrap_or(0);
        let column = |i: usize| -> String {
            program
                .iter()
                .map(|(_, s)| s.as_bytes()[i].to_ascii_lowercase() as char)
                .collect()
        };
        let mut groups: Vec<String> = Vec::new();
        (0..links)
            .map(|i| {
                let c = column(i);
                let g = groups.iter().position(|x| *x == c).unwrap_or_else(|| {
                    groups.push(c);
                    groups.len() - 1
                });
                u8::try_from(g + 1).unwrap_or(u8::MAX)
            })
            .collect()
    }

    /// Latitude and longitude, degrees, of a network position.
    pub fn to_wgs84(&self, x: f64, y: f64) -> (f64, f64) {
        self.utm.to_wgs84(x - self.offset.0, y - self.offset.1)
    }

    /// A direction at a network position, SUMO's way (degrees clockwise from the network's y
    /// axis, which is grid north), as a heading clockwise from true north, as T/CSAE 53-2020
    /// DE_Heading has it: the two differ by the meridian convergence, about a degree in
    /// Anting (1.8° west of UTM zone 51's central meridian), which over the 60 m a
    /// prediction looks ahead moves a vehicle a metre sideways.
    pub fn true_heading_deg(&self, x: f64, y: f64, grid_deg: f64) -> f64 {
        let convergence = self
            .utm
            .convergence_deg(x - self.offset.0, y - self.offset.1);
        (grid_deg + convergence).rem_euclid(360.0)
    }

    /// The signalised junctions, in node order.
    pub fn signalised(&self) -> Vec<&Junction> {
        let mut v: Vec<&Junction> = self.junctions.values().filter(|j| j.signalised).collect();
        v.sort_by_key(|j| j.node);
        v
    }

    /// The junctions some road (an edge with a lane for vehicles) leads into, in node order:
    /// MAP nodes whose links, together, cover every road section of the network (T/CSAE
    /// 53-2020 MAP describes links between nodes, not only intersections).
    pub fn mapped(&self) -> Vec<&Junction> {
        let mut v: Vec<&Junction> = self
            .junctions
            .values()
            .filter(|j| !self.road_lanes_into(&j.id).is_empty())
            .collect();
        v.sort_by_key(|j| j.node);
        v
    }

    /// The lanes for vehicles of the edges that end at junction `id`, by edge id then index.
    fn road_lanes_into(&self, id: &str) -> Vec<&Lane> {
        let mut v: Vec<&Lane> = self
            .lanes
            .values()
            .filter(|l| !l.sidewalk && l.shape.len() >= 2)
            .filter(|l| self.edges.get(&l.edge).is_some_and(|e| e.1 == id))
            .collect();
        v.sort_by(|a, b| a.edge.cmp(&b.edge).then(a.index.cmp(&b.index)));
        v
    }

    /// The MAP an RSU at junction `j` sends: its node and the lanes of the roads that end
    /// there, each with its own centre line (SUMO's lane shape), its connections, whether it
    /// gives way and, for signalised ones, the phase: the link's signal group
    /// ([`Net::signal_groups`]), as the bridge's SPAT numbers them.
    pub fn map(&self, j: &Junction, region: u16, msg_count: u8) -> csae::MapData {
        let node_ref = |id: u16| csae::NodeReferenceID {
            region: Some(csae::RoadRegulatorID(region)),
            id: csae::NodeID(id),
        };
        let ll = |x: f64, y: f64| {
            let (lat, lon) = self.to_wgs84(x, y);
            (units::degrees_to_1e7(lat), units::degrees_to_1e7(lon))
        };
        let r = ll(j.x, j.y);
        let point = |&(x, y): &(f64, f64)| {
            let (lat, lon) = ll(x, y);
            csae::RoadPoint {
                pos_offset: csae::PositionOffsetLLV {
                    offset_ll: units::offset_ll(r.0, r.1, lat, lon),
                    offset_v: None,
                },
            }
        };
        // Lanes entering this junction, grouped by edge, with their connections (a road that
        // ends here, at the network's edge, has lanes without any).
        let mut by_edge: Vec<(&str, Vec<&Lane>)> = Vec::new();
        for l in self.road_lanes_into(&j.id) {
            match by_edge.last_mut() {
                Some((e, lanes)) if *e == l.edge => lanes.push(l),
                _ => by_edge.push((l.edge.as_str(), vec![l])),
            }
        }
        let node_of = |junction: &str| self.junctions.get(junction).map_or(0, |j| j.node);
        let mut links = Vec::new();
        for (edge, edge_lanes) in by_edge {
            let (from, _) = &self.edges[edge];
            let conns: Vec<&Connection> = self
                .connections
                .iter()
                .filter(|c| edge_lanes.iter().any(|l| l.id == c.from_lane))
                .collect();
            let lanes: Vec<csae::Lane> = edge_lanes
                .iter()
                .map(|l| {
                    let connects: Vec<csae::Connection> = conns
                        .iter()
                        .filter(|c| c.from_lane == l.id)
                        .filter_map(|c| {
                            let to = self.lanes.get(&c.to_lane)?;
                            let (_, beyond) = self.edges.get(&to.edge)?;
                            Some(csae::Connection {
                                remote_intersection: node_ref(node_of(beyond)),
                                connecting_lane: Some(csae::ConnectingLane {
                                    lane: csae::LaneID(to.index + 1),
                                    maneuver: None,
                                }),
                                phase_id: c
                                    .signal
                                    .as_ref()
                                    .and_then(|(tls, i)| {
                                        self.signal_groups(tls).get(usize::from(*i)).copied()
                                    })
                                    .filter(|g| *g <= 16)
                                    .map(csae::PhaseID),
                            })
                        })
                        .take(16)
                        .collect();
                    // AllowedManeuvers: bit 0 straight, 1 left, 2 right, 3 U-turn.
                    let mut bits: Vec<usize> = conns
                        .iter()
                        .filter(|c| c.from_lane == l.id)
                        .filter_map(|c| match c.dir {
                            's' => Some(0),
                            'l' | 'L' => Some(1),
                            'r' | 'R' => Some(2),
                            't' => Some(3),
                            _ => None,
                        })
                        .collect();
                    // A lane all of whose connections give way (SUMO's minor links) or stop
                    // gives way at its line: DE_AllowedManeuvers `yieldAllwaysRequired` (8),
                    // and `goWithHalt` (9) for a stop.
                    let own: Vec<&&Connection> =
                        conns.iter().filter(|c| c.from_lane == l.id).collect();
                    if !own.is_empty() && own.iter().all(|c| matches!(c.state, 'm' | 's' | 'w')) {
                        bits.push(8);
                        if own.iter().all(|c| matches!(c.state, 's' | 'w')) {
                            bits.push(9);
                        }
                    }
                    bits.sort_unstable();
                    bits.dedup();
                    csae::Lane {
                        lane_id: csae::LaneID(l.index + 1),
                        lane_width: Some(csae::LaneWidth((l.width_m * 100.0).round() as u16)),
                        lane_attributes: None,
                        maneuvers: Some(csae::AllowedManeuvers(csae::BitString::with_bits(
                            12, &bits,
                        ))),
                        connects_to: (!connects.is_empty())
                            .then_some(csae::ConnectsToList(connects)),
                        speed_limits: None,
                        points: Some(csae::PointList(
                            lane_points(&l.shape, 31).map(point).collect(),
                        )),
                    }
                })
                .collect();
            let lane_ids: Vec<&str> = edge_lanes.iter().map(|l| l.id.as_str()).collect();
            if lanes.is_empty() {
                continue;
            }
            let speed = lane_ids
                .iter()
                .filter_map(|id| self.lanes.get(*id))
                .map(|l| l.speed_mps)
                .fold(0.0, f64::max);
            let width: f64 = lane_ids
                .iter()
                .filter_map(|id| self.lanes.get(*id))
                .map(|l| l.width_m)
                .sum();
            links.push(csae::Link {
                name: Some(csae::DescriptiveName(edge.chars().take(63).collect())),
                upstream_node_id: node_ref(node_of(from)),
                speed_limits: Some(csae::SpeedLimitList(vec![csae::RegulatorySpeedLimit {
                    r#type: csae::SpeedLimitType::VehicleMaxSpeed,
                    speed: units::speed_from_mps(speed),
                }])),
                link_width: csae::LaneWidth((width * 100.0).round().min(32_767.0) as u16),
                points: None,
                movements: None,
                lanes: csae::LaneList(lanes.into_iter().take(32).collect()),
            });
        }
        csae::MapData {
            msg_cnt: csae::MsgCount(msg_count % 128),
            time_stamp: None,
            nodes: csae::NodeList(vec![csae::Node {
                name: Some(csae::DescriptiveName(j.id.chars().take(63).collect())),
                id: node_ref(j.node),
                ref_pos: csae::Position3D {
                    lat: csae::Latitude(r.0 as i32),
                    long: csae::Longitude(r.1 as i32),
                    elevation: None,
                },
                in_links: (!links.is_empty())
                    .then_some(csae::LinkList(links.into_iter().take(32).collect())),
                in_links_ex: None,
                prohibitedzone: None,
            }]),
        }
    }
}
