//! SUMO's state as devices would report it: each vehicle an OBU sending BSM, each junction a
//! road leads into an RSU sending MAP of the road sections that end there, RSM of the
//! pedestrians its camera sees and, at a signalised junction, SPAT (from the traffic light's
//! state). A share of the vehicles may lie ([`roadcloud_sim::attack`]).

use crate::net::{Junction, Net};
use roadcloud_csae as csae;
use roadcloud_sim::messages::{self, Detection, VehicleFlags, VehicleState};
use roadcloud_sim::{AttackConfig, Attackers};
use roadcloud_transport::{DeviceId, DeviceKind, MessageKind, Topic};
use roadcloud_world::{LocalFrame, Millis, Point};
use std::collections::{HashMap, VecDeque};

/// The MAP region of the nodes the bridge derives from a SUMO network.
pub const REGION: u16 = 310;
/// How far an RSU's camera sees pedestrians (and vehicles, with `roadside_vehicles`), metres.
pub const CAMERA_RANGE_M: f64 = 150.0;

/// A vehicle as SUMO has it after a step.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleSample {
    /// SUMO's id.
    pub id: String,
    /// Front bumper, network coordinates (SUMO's reference point).
    pub x: f64,
    /// Its y.
    pub y: f64,
    /// Speed, m/s.
    pub speed_mps: f64,
    /// Heading, degrees clockwise from north.
    pub angle_deg: f64,
    /// Acceleration, m/s².
    pub accel_mps2: f64,
    /// Length, metres.
    pub length_m: f64,
    /// Width, metres.
    pub width_m: f64,
    /// SUMO's vehicle class (`passenger`, `emergency`, ...).
    pub class: String,
    /// SUMO's signal bits (0 right blinker, 1 left, 2 hazard, 3 brake light).
    pub signals: i32,
    /// The lane it is on (`edge_index`, or `:junction_...` inside a junction).
    pub lane: String,
    /// Its front bumper's distance from the lane's start, metres.
    pub lane_pos_m: f64,
}

/// A pedestrian as SUMO has it after a step.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonSample {
    /// SUMO's id.
    pub id: String,
    /// Position, network coordinates.
    pub x: f64,
    /// Its y.
    pub y: f64,
    /// Speed, m/s.
    pub speed_mps: f64,
    /// Heading, degrees clockwise from north.
    pub angle_deg: f64,
}

/// A traffic light's state after a step.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalSample {
    /// The traffic light's id (the junction's, as netconvert names them).
    pub tls: String,
    /// One character per controlled link (`rRyYgGoOus`).
    pub state: String,
    /// When it switches next, simulation seconds.
    pub next_switch_s: f64,
    /// The index of the program's phase it is in.
    pub phase: usize,
}

/// A SUMO vehicle's 8-octet device id: `S` and seven octets of the FNV-1a hash of its id.
pub fn device_id(sumo_id: &str) -> [u8; 8] {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sumo_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut id = h.to_be_bytes();
    id[0] = b'S';
    id
}

/// The RSU of a junction: `RSU` and the node number.
pub fn rsu_id(j: &Junction) -> [u8; 8] {
    let mut id = *b"RSU\0\0\0\0\0";
    id[3..7].copy_from_slice(&u32::from(j.node).to_be_bytes());
    id
}

/// The light a SUMO signal character shows.
pub fn light(c: char) -> csae::LightState {
    match c {
        'G' => csae::LightState::ProtectedGreen,
        'g' | 's' => csae::LightState::PermissiveGreen,
        'y' | 'Y' => csae::LightState::Yellow,
        'r' | 'R' | 'u' => csae::LightState::Red,
        'o' => csae::LightState::FlashingYellow,
        'O' => csae::LightState::Dark,
        _ => csae::LightState::Unavailable,
    }
}

/// The path a vehicle's front bumper took lately, in SUMO's coordinates, oldest first: its
/// centre lies on it, half its length back. A car's body follows its front around a turn;
/// SUMO's angle jumps where a lane's shape kinks (entering a junction), and a centre placed
/// back along the angle would jump by metres in a step, faster than the car drives.
#[derive(Debug, Clone, Default)]
struct FrontPath {
    points: VecDeque<(f64, f64)>,
}

/// How far a vehicle's front may move across its heading in one step and still be driving,
/// metres: more than a car moves in 0.1 s at any speed. SUMO's default lane change moves a
/// vehicle a lane's width sideways in one step, standing or not.
const SIDESTEP_M: f64 = 2.0;

impl FrontPath {
    /// Adds where the front is now, heading `angle_deg` (SUMO's), and forgets what lies
    /// further back than `keep_m` (and a little more) along the path. A step more than
    /// [`SIDESTEP_M`] across the heading moved the whole vehicle sideways (SUMO's lane change
    /// in one step): the path moves with it, so that the centre stays half a length behind
    /// the front in the new lane. Placed on the sideways step, a car standing at a stop line
    /// moved to the next lane was reported 0.7 m from the centre of the lane it had left.
    fn push(&mut self, front: (f64, f64), keep_m: f64, angle_deg: f64) {
        if let Some(&last) = self.points.back() {
            let (sin, cos) = angle_deg.to_radians().sin_cos();
            let (dx, dy) = (front.0 - last.0, front.1 - last.1);
            // Metres to the right of the heading.
            let across = dx * cos - dy * sin;
            if across.abs() > SIDESTEP_M {
                let (sx, sy) = (across * cos, -across * sin);
                for p in &mut self.points {
                    *p = (p.0 + sx, p.1 + sy);
                }
            }
        }
        let moved = self
            .points
            .back()
            .is_none_or(|b| (b.0 - front.0).hypot(b.1 - front.1) >= 0.01);
        if moved {
            self.points.push_back(front);
        }
        let mut length = 0.0;
        let mut keep = self.points.len();
        for (i, w) in self
            .points
            .iter()
            .rev()
            .zip(self.points.iter().rev().skip(1))
            .enumerate()
        {
            length += (w.0.0 - w.1.0).hypot(w.0.1 - w.1.1);
            keep = i + 2;
            if length > keep_m + 1.0 {
                break;
            }
        }
        while self.points.len() > keep {
            self.points.pop_front();
        }
    }

    /// The point `back_m` behind the front along the path; where the path is shorter (a
    /// vehicle just in), the rest goes back along `angle_deg` (SUMO's: clockwise from north)
    /// from its start.
    fn back_by(&self, back_m: f64, angle_deg: f64) -> (f64, f64) {
        let mut left = back_m;
        let mut it = self.points.iter().rev();
        let Some(&(mut x, mut y)) = it.next() else {
            return (0.0, 0.0);
        };
        for &(px, py) in it {
            let d = (x - px).hypot(y - py);
            if d >= left {
                let f = left / d;
                return (x + (px - x) * f, y + (py - y) * f);
            }
            left -= d;
            (x, y) = (px, py);
        }
        let h = angle_deg.to_radians();
        (x - h.sin() * left, y - h.cos() * left)
    }
}

/// The id an RSU's camera gives a SUMO vehicle or person (DF_ParticipantData `ptcId`,
/// 0..65534): from its device id, so the same one from every RSU and in every step.
fn ptc_id(sumo_id: &str) -> u16 {
    (u32::from_be_bytes(device_id(sumo_id)[4..].try_into().expect("4")) % 65_535) as u16
}

/// Turns SUMO's state into the messages devices send.
pub struct Bridge {
    net: Net,
    /// The junctions with an RSU: every junction a road leads into ([`Net::mapped`]). Its
    /// MAP covers the road sections that end there, its camera the pedestrians around it,
    /// and at a signalised junction it sends SPAT too.
    rsus: Vec<Junction>,
    /// The frame positions go through (around the network's junctions).
    pub frame: LocalFrame,
    /// Each vehicle's angle in the step before and the path its front bumper took lately.
    previous: HashMap<String, (f64, FrontPath)>,
    msg_count: HashMap<[u8; 8], u8>,
    /// The share of vehicles that carry an OBU (1: all); the others send nothing
    /// ([`crate::respond::equipped`] picks them).
    pub equipped: f64,
    /// Which of the equipped vehicles lie, and how (none unless set).
    pub attackers: Attackers,
    /// Whether the RSUs' cameras report the vehicles around them too (every vehicle within
    /// [`CAMERA_RANGE_M`], equipped or not, as a roadside camera sees them), not only the
    /// pedestrians: roadcloud then fuses them with the vehicles' own reports and sees the
    /// vehicles without an OBU.
    pub roadside_vehicles: bool,
}

impl Bridge {
    /// A bridge for network `net`.
    pub fn new(net: Net) -> Bridge {
        let frame = Bridge::frame_of(&net);
        Bridge {
            rsus: net.mapped().into_iter().cloned().collect(),
            net,
            frame,
            previous: HashMap::new(),
            msg_count: HashMap::new(),
            equipped: 1.0,
            attackers: Attackers::new(AttackConfig::default()),
            roadside_vehicles: false,
        }
    }

    /// The network.
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// The local frame a bridge of `net` places its messages in: centred on the mean of
    /// its junctions.
    pub fn frame_of(net: &Net) -> LocalFrame {
        let (mut lat, mut lon, mut n) = (0.0, 0.0, 0.0);
        for j in net.junctions.values() {
            let (a, o) = net.to_wgs84(j.x, j.y);
            lat += a;
            lon += o;
            n += 1.0;
        }
        LocalFrame::new(lat / f64::max(n, 1.0), lon / f64::max(n, 1.0))
    }

    /// A network position in the frame messages are written from.
    pub fn local(&self, x: f64, y: f64) -> Point {
        let (lat, lon) = self.net.to_wgs84(x, y);
        self.frame.to_local(lat, lon)
    }

    fn next_count(&mut self, device: [u8; 8]) -> u8 {
        let c = self.msg_count.entry(device).or_default();
        *c = (*c + 1) % 128;
        *c
    }

    /// A traffic light's signal groups as SPAT phases: each group's light and the time until
    /// it changes (to the program's next phase, and on through the phases that keep it).
    fn spat_phases(&self, s: &SignalSample, sim_s: f64) -> Vec<(u8, csae::LightState, Millis)> {
        let groups = self.net.signal_groups(&s.tls);
        let program = self.net.programs.get(&s.tls);
        let state = s.state.as_bytes();
        let mut out: Vec<(u8, csae::LightState, Millis)> = Vec::new();
        for (i, &g) in groups.iter().enumerate() {
            if g > 16 || out.iter().any(|p| p.0 == g) {
                continue;
            }
            let Some(&c) = state.get(i) else { continue };
            let mut remaining = (s.next_switch_s - sim_s).max(0.0);
            if let Some(p) = program.filter(|p| !p.is_empty()) {
                for k in 1..p.len() {
                    let (duration, next) = &p[(s.phase + k) % p.len()];
                    if next.as_bytes().get(i) != Some(&c) {
                        break;
                    }
                    remaining += duration;
                }
            }
            out.push((g, light(c as char), (remaining * 1_000.0) as Millis));
        }
        out.sort_by_key(|p| p.0);
        out
    }

    /// What the devices send after `step` (of `dt_s` seconds), at `now_ms`: every
    /// vehicle's BSM, every RSU's RSM and (signalised junctions') SPAT, and, with
    /// `with_map`, every RSU's MAP.
    pub fn messages(
        &mut self,
        step: &crate::cosim::Step,
        dt_s: f64,
        now_ms: Millis,
        with_map: bool,
    ) -> Vec<(String, csae::MessageFrame)> {
        let (vehicles, persons, signals) = (&step.vehicles, &step.persons, &step.signals);
        let sim_s = step.time_s;
        let mut out = Vec::with_capacity(vehicles.len() + 3 * signals.len());
        let mut seen = HashMap::with_capacity(vehicles.len());
        let mut states = Vec::with_capacity(vehicles.len());
        for v in vehicles {
            if !crate::respond::equipped(&v.id, self.equipped) {
                continue;
            }
            let id = device_id(&v.id);
            let (yaw_rate_dps, mut path) = match self.previous.remove(&v.id) {
                Some((a, path)) => (
                    roadcloud_world::tracks::turn_deg(a, v.angle_deg) / dt_s.max(1e-3),
                    path,
                ),
                None => (0.0, FrontPath::default()),
            };
            // SUMO places a vehicle by its front bumper; a BSM by its centre.
            path.push((v.x, v.y), v.length_m / 2.0, v.angle_deg);
            let (x, y) = path.back_by(v.length_m / 2.0, v.angle_deg);
            let centre = self.local(x, y);
            seen.insert(v.id.clone(), (v.angle_deg, path));
            let emergency = v.class == "emergency";
            let state = VehicleState {
                id,
                position: centre,
                heading_deg: self.net.true_heading_deg(x, y, v.angle_deg),
                speed_mps: v.speed_mps,
                accel_mps2: v.accel_mps2,
                yaw_rate_dps,
                // BasicVehicleClass: 10 passenger car, 60 emergency (as the demo zone's).
                class: if emergency { 60 } else { 10 },
                size_m: (v.width_m, v.length_m),
                flags: VehicleFlags {
                    right_signal: v.signals & 1 != 0,
                    left_signal: v.signals & 2 != 0,
                    hazard: v.signals & 4 != 0,
                    brake: v.signals & 8 != 0,
                    hard_braking: v.accel_mps2 < -4.0,
                    emergency,
                    ..VehicleFlags::default()
                },
            };
            states.push(state);
        }
        self.previous = seen;
        out.extend(self.attackers.bsms(&self.frame, &states, now_ms));
        // Each pedestrian: its PTC id, where it is, its sample and its true heading.
        let walkers: Vec<(u16, Point, &PersonSample, f64)> = persons
            .iter()
            .map(|p| {
                let heading_deg = self.net.true_heading_deg(p.x, p.y, p.angle_deg);
                (ptc_id(&p.id), self.local(p.x, p.y), p, heading_deg)
            })
            .collect();
        // Each vehicle, as a camera sees it (with --roadside-vehicles): its PTC id, its
        // centre and its true heading.
        let cars: Vec<(u16, Point, &VehicleSample, f64)> = vehicles
            .iter()
            .filter(|_| self.roadside_vehicles)
            .map(|v| {
                let h = v.angle_deg.to_radians();
                let half = v.length_m / 2.0;
                let (x, y) = (v.x - h.sin() * half, v.y - h.cos() * half);
                let heading_deg = self.net.true_heading_deg(x, y, v.angle_deg);
                (ptc_id(&v.id), self.local(x, y), v, heading_deg)
            })
            .collect();
        // Out of `self` while its RSUs count their messages.
        let rsus = std::mem::take(&mut self.rsus);
        for j in &rsus {
            let rsu = rsu_id(j);
            let at = self.local(j.x, j.y);
            let topic = |m| Topic::uplink(DeviceKind::Rsu, DeviceId(rsu), m);
            if with_map {
                let count = self.next_count(rsu);
                out.push((
                    topic(MessageKind::Map),
                    csae::MessageFrame::MapFrame(self.net.map(j, REGION, count)),
                ));
            }
            if let Some(s) = signals.iter().find(|s| s.tls == j.id) {
                let phases = self.spat_phases(s, sim_s);
                if !phases.is_empty() {
                    let count = self.next_count(rsu);
                    let node = (REGION, j.node);
                    out.push((
                        topic(MessageKind::Spat),
                        csae::MessageFrame::SpatFrame(messages::spat(node, &phases, count, now_ms)),
                    ));
                }
            }
            let mut seen: Vec<(f64, Detection)> = walkers
                .iter()
                .map(|&(ptc_id, p, s, heading_deg)| {
                    (
                        p.distance_to(at),
                        Detection::pedestrian(ptc_id, p, heading_deg, s.speed_mps),
                    )
                })
                .chain(cars.iter().map(|&(ptc_id, p, v, heading_deg)| {
                    (
                        p.distance_to(at),
                        Detection {
                            kind: csae::ParticipantType::Motor,
                            ptc_id,
                            position: p,
                            heading_deg,
                            speed_mps: v.speed_mps,
                            size_m: (v.width_m, v.length_m),
                        },
                    )
                }))
                .filter(|(d, _)| *d <= CAMERA_RANGE_M)
                .collect();
            seen.sort_by(|a, b| a.0.total_cmp(&b.0));
            let detections: Vec<Detection> = seen.into_iter().map(|(_, d)| d).collect();
            for chunk in detections.chunks(16) {
                let count = self.next_count(rsu);
                out.push((
                    topic(MessageKind::Rsm),
                    csae::MessageFrame::RsmFrame(messages::rsm(
                        &self.frame,
                        rsu,
                        at,
                        chunk,
                        count,
                        now_ms,
                    )),
                ));
            }
        }
        self.rsus = rsus;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::FrontPath;

    fn near(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).hypot(a.1 - b.1) < 1e-9
    }

    /// Round a right-angle corner the centre stays on the path the front took, where the
    /// angle (north, after the corner) would put it 1.5 m south of the road's corner.
    #[test]
    fn the_centre_follows_the_front_round_a_corner() {
        let mut p = FrontPath::default();
        for x in -10..=0 {
            p.push((f64::from(x), 0.0), 2.5, 90.0);
        }
        p.push((0.0, 1.0), 2.5, 0.0);
        assert!(
            near(p.back_by(2.5, 0.0), (-1.5, 0.0)),
            "{:?}",
            p.back_by(2.5, 0.0)
        );
        // What is further back than 3.5 m is forgotten.
        assert!(p.points.len() <= 6, "{:?}", p.points);
        // Standing still adds nothing.
        p.push((0.0, 1.0), 2.5, 0.0);
        assert!(near(p.back_by(2.5, 0.0), (-1.5, 0.0)));
    }

    /// A vehicle just in: its centre half its length back along its angle (east, 90°).
    #[test]
    fn a_new_vehicle_is_placed_back_along_its_angle() {
        let mut p = FrontPath::default();
        p.push((5.0, 7.0), 2.0, 90.0);
        assert!(
            near(p.back_by(2.0, 90.0), (3.0, 7.0)),
            "{:?}",
            p.back_by(2.0, 90.0)
        );
        p.push((6.0, 7.0), 2.0, 90.0);
        assert!(near(p.back_by(2.0, 90.0), (4.0, 7.0)));
    }

    /// SUMO's lane change in one step: a car standing at its stop line (heading north, front
    /// at y = 0) is moved 3.2 m east into the next lane, then a step later driven on.
    #[test]
    fn a_car_moved_into_the_next_lane_keeps_its_centre_behind_its_front() {
        let mut p = FrontPath::default();
        for y in -10..=0 {
            p.push((0.0, f64::from(y)), 2.5, 0.0);
        }
        p.push((3.2, 0.0), 2.5, 0.0);
        assert!(
            near(p.back_by(2.5, 0.0), (3.2, -2.5)),
            "{:?}",
            p.back_by(2.5, 0.0)
        );
        p.push((3.2, 1.0), 2.5, 0.0);
        assert!(
            near(p.back_by(2.5, 0.0), (3.2, -1.5)),
            "{:?}",
            p.back_by(2.5, 0.0)
        );
        // A step forward and a little across, as on a bend, is driving: the path stays.
        p.push((4.2, 2.5), 2.5, 0.0);
        assert!(p.points.contains(&(3.2, 1.0)), "{:?}", p.points);
    }
}
