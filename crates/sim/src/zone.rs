//! The built-in zone's traffic: vehicles that follow their lanes and obey the signals,
//! pedestrians on the crossings, cyclists at the kerb, and the roadside units that watch them,
//! all reporting as devices do (BSM, PSM, RSM, SPAT, MAP, RSI). Among ordinary traffic,
//! [`Script`]ed situations come in turn, each one that an application must warn of.
//!
//! Vehicles follow the Intelligent Driver Model (Treiber, Hennecke and Helbing, 2000): a
//! stopped leader, a red or yellow light they can stop for, or a pedestrian in their lane is
//! something to stop behind. Roadside cameras see everyone within [`CAMERA_RANGE_M`], with
//! position noise and a fixed processing latency.

use crate::attack::{AttackConfig, Attackers};
use crate::car_park::{self, CarPark};
use crate::messages::{
    self, CRAWL_MPS, DECLARE_EVERY_S, DECLARE_WITHIN_M, Detection, VehicleFlags, VehicleState,
};
use crate::network::{self, Flow, LANE_WIDTH_M, Network, STOP_LINE_M};
use crate::rng::Rng;
use roadcloud_csae as csae;
use roadcloud_transport::{DeviceId, DeviceKind, MessageKind, Topic};
use roadcloud_world::events::{EventKind, RoadEvent, rsi_announcing};
use roadcloud_world::obstacles::Obstacle;
use roadcloud_world::parking::ParkingGoal;
use roadcloud_world::{Millis, Point};

/// How far an RSU's camera sees, metres.
pub const CAMERA_RANGE_M: f64 = 150.0;
/// How old a camera's detections are when its RSM goes out, milliseconds.
pub const CAMERA_LATENCY_MS: Millis = 100;
/// Standard deviation of a camera's position error, metres.
pub const CAMERA_NOISE_M: f64 = 0.3;
/// How far ahead a driver notices a pedestrian in the lane, metres: late, as the accident
/// record has it, which is why VRUCW exists.
const NOTICE_M: f64 = 30.0;

/// Moyu Road's index in the network's roads.
const MOYU_RD: usize = 1;
/// The junction whose RSU announces the car park (Moyu Rd / Anyan Rd).
const CAR_PARK_JUNCTION: u16 = 2004;
/// Mixed into the zone's seed for the car park's own draws.
const CAR_PARK_SEED: u64 = 0x5041_524b;
/// The share of the car park's slots taken when the demo starts.
const CAR_PARK_OCCUPIED: f64 = 0.7;
/// How often the next car on Moyu Road starts looking for a place, steps (every 15 s in the
/// demo).
const PARK_EVERY_STEPS: u64 = 150;
/// How far before the car park's entrance a car may start looking, metres.
const PARK_SEEK_M: f64 = 150.0;
/// DF_ParticipantList holds at most 16 participants (T/CSAE 53-2020).
const MAX_PARTICIPANTS: usize = 16;

/// A situation among ordinary traffic that an application must warn of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// A driver who does not see the queue ahead until late (FCW).
    Distracted,
    /// A vehicle that brakes hard in front of followers (EBW).
    HardBrake,
    /// A vehicle that breaks down in its lane, hazard lights on (AVW).
    Breakdown,
    /// A vehicle whose ABS engages on a slippery patch (CLW).
    Skid,
    /// A driver who runs the red light (RLVW).
    RedRunner,
    /// A driver well above the limit on the 40 km/h road (SLW).
    Speeder,
    /// An ambulance on call, lights and siren, through the reds (EVW).
    Emergency,
    /// A driver signalling to change lanes with a car beside it (BSW/LCW).
    LaneChange,
    /// A pedestrian crossing against the light in front of traffic (VRUCW).
    Jaywalker,
    /// A driver in the left-turn lane of the junction without signals, signalling left, with
    /// an oncoming car coming to the junction with it (LTA).
    LeftTurn,
    /// A driver signalling to overtake through the oncoming lane, a car coming in it (DNPW).
    Overtake,
}

/// How far ahead a demo car asks about, metres.
const SDS_AHEAD_M: f64 = 150.0;
/// Half the width of the road it asks about (two lanes either side), metres.
const SDS_HALF_WIDTH_M: f64 = 7.0;

impl Script {
    /// Every script, in the order they come.
    pub const ALL: [Script; 11] = [
        Script::Distracted,
        Script::HardBrake,
        Script::Breakdown,
        Script::Skid,
        Script::RedRunner,
        Script::Speeder,
        Script::Emergency,
        Script::LaneChange,
        Script::Jaywalker,
        Script::LeftTurn,
        Script::Overtake,
    ];

    /// The application that must warn of it.
    pub fn scenario(self) -> &'static str {
        match self {
            Script::Distracted => "FCW",
            Script::HardBrake => "EBW",
            Script::Breakdown => "AVW",
            Script::Skid => "CLW",
            Script::RedRunner => "RLVW",
            Script::Speeder => "SLW",
            Script::Emergency => "EVW",
            Script::LaneChange => "BSW/LCW",
            Script::Jaywalker => "VRUCW",
            Script::LeftTurn => "LTA",
            Script::Overtake => "DNPW",
        }
    }
}

/// How much traffic, and how often something happens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoneConfig {
    /// Vehicles on each direction of each road, at most.
    pub vehicles_per_flow: usize,
    /// Share of vehicles that send BSM; the others only the cameras see.
    pub equipped_share: f64,
    /// A scripted situation every this many seconds.
    pub script_every_s: f64,
    /// Seed of the random choices (the same seed, the same traffic).
    pub seed: u64,
}

impl Default for ZoneConfig {
    fn default() -> Self {
        ZoneConfig {
            vehicles_per_flow: 10,
            equipped_share: 0.7,
            script_every_s: 12.0,
            seed: 2026,
        }
    }
}

/// A vehicle of the zone.
#[derive(Debug, Clone)]
struct Car {
    serial: u32,
    id: [u8; 8],
    flow: Flow,
    lane: f64,
    s: f64,
    v: f64,
    a: f64,
    v0: f64,
    equipped: bool,
    class: u8,
    script: Option<Script>,
    age_s: f64,
    flags: VehicleFlags,
    /// Parked (broken down) until this age, seconds.
    stopped_until_s: f64,
    /// The junctions an ambulance asked for the green at last (PVP).
    asked: Vec<usize>,
    /// When it asked last, seconds of its age.
    asked_at_s: f64,
    /// What roadcloud's coordination (RSC) asks of it now (CLC, CVM).
    order: Option<Order>,
    /// It looks for a place in the car park ahead (GSPA), and asks for one.
    seeks_parking: bool,
    /// Its slot at the junction without signals ahead (CIP's RSC).
    slot: Option<Slot>,
    /// When it last declared how it passes a junction without signals, seconds of its age.
    declared_at_s: f64,
}

/// A slot at a junction without signals (CIP): come to the stop line as it begins, go then.
/// It holds until the vehicle is through: roadcloud keeps a settled slot for a vehicle late
/// to it, and schedules the others after it (a vehicle that gave way again once its slot's
/// time was over would wait for vehicles that wait for it).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    /// The junction, by index.
    junction: usize,
    /// When the vehicle may enter.
    enter_ms: Millis,
}

/// What happened at the zone's junctions without signals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassingCounts {
    /// Vehicles that entered such a junction (over its stop line).
    pub entered: u64,
    /// ... of them, from the minor road.
    pub from_minor: u64,
    /// ... of them, in a slot roadcloud gave them (CIP).
    pub by_slot: u64,
    /// Steps (0.1 s in the demo) in which vehicles of both roads were in the square where
    /// the roads cross at once: a conflict; there should be none.
    pub conflict_steps: u64,
}

/// What a vehicle coming to a junction without signals does now.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Passing {
    /// Goes on.
    Go,
    /// Comes at this speed, to be at the line as its slot begins.
    Arrive { speed_mps: f64 },
    /// Stops at the line.
    Wait,
}

/// What an RSC asks of a vehicle, until `until_ms`: keep `speed_mps`, and, for the vehicle
/// merging, change lanes from `change_from_ms` on.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Order {
    speed_mps: f64,
    change_from_ms: Option<Millis>,
    until_ms: Millis,
}

/// How often a car comes off the on-ramp, steps (of 0.1 s in the demo: every 20 s).
const MERGE_EVERY_STEPS: u64 = 200;
/// How long a lane change takes, seconds.
const CHANGE_S: f64 = 3.0;
/// How often a merging car repeats its request while it has no window, seconds.
const MERGE_ASK_EVERY_S: f64 = 0.5;
/// The gap a merging driver takes by itself, without roadcloud's window, metres ahead and
/// behind in the lane it merges into: a driver merging on their own judgement wants room.
const OWN_GAP_M: (f64, f64) = (20.0, 15.0);

/// Mixed into the seed for the minor road's traffic.
const MINOR_ROAD_SEED: u64 = 0x616e_7a68_6900;
/// A vehicle at its line whose slot begins within this is about to go, ms.
const READY_MS: Millis = 2_000;
/// A driver giving way lets a vehicle on the priority road pass that would reach the
/// junction's centre within this time, seconds.
const GIVE_WAY_S: f64 = 6.0;

/// How long the zone's signals show yellow before a preempted green, and all red after a
/// released one, seconds: the plan's yellow.
const CLEARANCE_MS: Millis = 3_000;
/// How far ahead an ambulance asks for the green, metres (`distance2Intersection`'s reach).
const PRIORITY_AHEAD_M: f64 = 1_000.0;

/// A junction of the zone whose signals serve a priority vehicle (roadcloud's command).
#[derive(Debug, Clone, PartialEq)]
struct Preempted {
    /// The phase served.
    phase: u8,
    /// For whom (the command's `vehicle`).
    vehicle: String,
    /// The phases that were green when it began: yellow until `green_from`.
    clearing: Vec<u8>,
    /// When the served phase turns green.
    green_from: Millis,
    /// When it ends at the latest (the command's `hold_until_ms`).
    until: Millis,
}

/// A pedestrian or cyclist.
#[derive(Debug, Clone)]
struct Walker {
    serial: u32,
    id: [u8; 8],
    position: Point,
    heading_deg: f64,
    speed_mps: f64,
    left_m: f64,
    cyclist: bool,
    /// Carries a phone that sends PSM.
    phone: bool,
    msg: u8,
}

/// The zone, moving.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The road network.
    pub network: Network,
    config: ZoneConfig,
    rng: Rng,
    /// The minor road's traffic's random stream.
    minor_rng: Rng,
    cars: Vec<Car>,
    walkers: Vec<Walker>,
    serial: u32,
    t_s: f64,
    next_script_s: f64,
    scripts_started: usize,
    /// Each scripted situation started, with the id of the one it is about.
    scripted: Vec<(Script, [u8; 8])>,
    steps: u64,
    rsu_msg: Vec<u8>,
    /// Which of the equipped vehicles lie, and how (none unless set); their BSMs go through
    /// it, and it counts them.
    pub attackers: Attackers,
    /// Junctions serving a priority vehicle, by index.
    preempted: std::collections::HashMap<usize, Preempted>,
    /// Junctions just released: all red until then, by index, with the phase that was held
    /// (yellow meanwhile).
    releasing: std::collections::HashMap<usize, (u8, Millis)>,
    /// The car park on Moyu Road (GSPA).
    pub car_park: CarPark,
    /// A car is to start looking for a place in it.
    parking_due: bool,
    /// What happened at the junctions without signals.
    pub passing: PassingCounts,
}

impl Zone {
    /// The Anting zone, empty, its traffic to come.
    pub fn anting(config: ZoneConfig) -> Zone {
        let network = Network::anting();
        let rsus = network.junctions.len();
        Zone {
            network,
            config,
            rng: Rng(config.seed),
            minor_rng: Rng(config.seed ^ MINOR_ROAD_SEED),
            car_park: CarPark::moyu(config.seed ^ CAR_PARK_SEED, CAR_PARK_OCCUPIED),
            // The first car to come by looks for a place.
            parking_due: true,
            passing: PassingCounts::default(),
            cars: Vec::new(),
            walkers: Vec::new(),
            serial: 0,
            t_s: 0.0,
            next_script_s: config.script_every_s / 2.0,
            scripts_started: 0,
            scripted: Vec::new(),
            steps: 0,
            rsu_msg: vec![0; rsus],
            attackers: Attackers::new(AttackConfig::default()),
            preempted: Default::default(),
            releasing: Default::default(),
        }
    }

    /// Vehicles in the zone now.
    pub fn vehicles(&self) -> usize {
        self.cars.len()
    }

    /// Pedestrians and cyclists in the zone now.
    pub fn walkers(&self) -> usize {
        self.walkers.len()
    }

    /// The scripted situations started so far, in order, each with the device id of the
    /// vehicle or pedestrian it is about.
    pub fn scripted(&self) -> &[(Script, [u8; 8])] {
        &self.scripted
    }

    fn next_serial(&mut self) -> u32 {
        self.serial += 1;
        self.serial
    }

    /// Moves everything on by `dt_s` seconds; `now_ms` is the time the signals show.
    pub fn step(&mut self, dt_s: f64, now_ms: Millis) {
        self.expire_priority(now_ms);
        self.t_s += dt_s;
        self.steps += 1;
        self.drive(dt_s, now_ms);
        self.walk(dt_s);
        self.spawn(now_ms);
        self.car_park.step(dt_s, now_ms);
        // Every PARK_EVERY_STEPS, the next car to come by starts looking for a place.
        self.parking_due |= self.steps.is_multiple_of(PARK_EVERY_STEPS);
        if self.parking_due && self.look_for_parking() {
            self.parking_due = false;
        }
    }

    /// How far car `c` is before the car park's entrance on Moyu Road, either way, metres
    /// (negative once past it); `None` for a car on another road.
    fn before_car_park_m(network: &Network, c: &Car) -> Option<f64> {
        let east_m = network.lane_point(c.flow, c.lane, c.s).east_m;
        let ahead = car_park::ENTRANCE.east_m - east_m;
        (c.flow.road == MOYU_RD).then_some(if c.flow.forward { ahead } else { -ahead })
    }

    /// A car on Moyu Road, either way, before the car park, starts looking for a place;
    /// false when none is there.
    fn look_for_parking(&mut self) -> bool {
        let network = &self.network;
        if let Some(c) = self.cars.iter_mut().find(|c| {
            c.equipped
                && c.script.is_none()
                && c.order.is_none()
                && !c.seeks_parking
                && Self::before_car_park_m(network, c)
                    .is_some_and(|m| (30.0..PARK_SEEK_M).contains(&m))
        }) {
            c.seeks_parking = true;
            return true;
        }
        false
    }

    /// The cars looking for a place ask for one (VIR `Req-ParkingArea`, T/CSAE 157-2020),
    /// once a second, until they pass the entrance.
    fn parking_requests(&mut self, now_ms: Millis) -> Vec<(String, csae::MessageFrame)> {
        let frame = self.network.frame;
        let mut out = Vec::new();
        for c in self.cars.iter_mut().filter(|c| c.seeks_parking) {
            let position = self.network.lane_point(c.flow, c.lane, c.s);
            if Self::before_car_park_m(&self.network, c).is_none_or(|m| m < 0.0) {
                c.seeks_parking = false;
                continue;
            }
            let goal = ParkingGoal::Park {
                types: None,
                slot: None,
            };
            let vir = messages::parking_request(&frame, c.id, position, 1, goal, false, now_ms);
            out.push(messages::vir_uplink(vir));
        }
        out
    }

    /// What roadcloud answered `vehicle`'s parking request (its PAM): guided to a slot, it
    /// turns into the car park (it leaves the road) and stands in the slot once it has
    /// driven the way; without guidance it drives on.
    pub fn parking_guidance(&mut self, vehicle: [u8; 8], pam: &csae::PAMData, now_ms: Millis) {
        let Some(i) = self
            .cars
            .iter()
            .position(|c| c.id == vehicle && c.seeks_parking)
        else {
            return;
        };
        let guide = pam
            .parking_area_guidance
            .iter()
            .flatten()
            .find(|g| g.veh_id == vehicle);
        let path: Vec<u16> = guide
            .map(|g| g.drive_path.iter().map(|n| n.0).collect())
            .unwrap_or_default();
        match guide.and_then(|g| g.target_parking_slot) {
            Some(slot) if self.car_park.guide(&path, slot, now_ms) => {
                self.cars.remove(i);
            }
            _ => self.cars[i].seeks_parking = false,
        }
    }

    fn drive(&mut self, dt_s: f64, now_ms: Millis) {
        let accel: Vec<f64> = (0..self.cars.len())
            .map(|i| self.acceleration(i, now_ms))
            .collect();
        let merging_by_itself: Vec<bool> = (0..self.cars.len())
            .map(|i| self.may_merge_by_itself(i))
            .collect();
        let target = f64::from(network::LANES);
        for ((c, a), own_gap) in self.cars.iter_mut().zip(accel).zip(merging_by_itself) {
            c.age_s += dt_s;
            c.a = a;
            let v = (c.v + a * dt_s).max(0.0);
            let before_s = c.s;
            c.s += (c.v + v) / 2.0 * dt_s;
            c.v = v;
            // Into a junction without signals: over its stop line, by a slot or not.
            for (j, stop) in self.network.stops(c.flow) {
                if !self.network.junctions[j].signalised && before_s <= stop && c.s > stop {
                    self.passing.entered += 1;
                    if self.network.roads[c.flow.road].minor {
                        self.passing.from_minor += 1;
                    }
                    if c.slot.is_some_and(|slot| slot.junction == j) {
                        self.passing.by_slot += 1;
                    }
                }
            }
            // A merging car moves over in its window (or by itself, given room), a lane's
            // width in CHANGE_S.
            let window = c
                .order
                .is_some_and(|o| o.change_from_ms.is_some_and(|t| now_ms >= t));
            if c.lane > target && (window || own_gap || c.lane < target + 0.99) {
                c.lane = (c.lane - dt_s / CHANGE_S).max(target);
            }
            if c.order.is_some_and(|o| {
                now_ms >= o.until_ms || (o.change_from_ms.is_some() && c.lane <= target)
            }) {
                c.order = None;
            }
            // A slot ends once the car is through its junction.
            if c.slot.is_some_and(|slot| {
                self.network
                    .stops(c.flow)
                    .iter()
                    .any(|&(j, stop)| j == slot.junction && c.s > stop + 2.0 * STOP_LINE_M)
            }) {
                c.slot = None;
            }
        }
        self.passing.conflict_steps += self.crossing_conflicts() as u64;
        let network = &self.network;
        self.cars.retain(|c| {
            c.s < network.length_m(c.flow)
                && !(c.script == Some(Script::Breakdown)
                    && c.age_s > c.stopped_until_s
                    && c.stopped_until_s > 0.0)
        });
    }

    /// What vehicle `i` does now: IDM towards its desired speed, behind what it must stop
    /// for, and its script.
    fn acceleration(&mut self, i: usize, now_ms: Millis) -> f64 {
        // IDM parameters: max acceleration, comfortable deceleration, time gap, jam gap.
        const A: f64 = 1.5;
        const B: f64 = 2.0;
        const T: f64 = 1.3;
        const S0: f64 = 2.5;
        let c = &self.cars[i];
        let script = c.script;
        // The nearest obstacle ahead in the lane: (gap, its speed).
        let mut obstacle: Option<(f64, f64)> = None;
        let mut consider = |gap: f64, v: f64| {
            if obstacle.is_none_or(|(g, _)| gap < g) {
                obstacle = Some((gap, v));
            }
        };
        for o in &self.cars {
            if o.serial != c.serial
                && o.flow == c.flow
                && (o.lane - c.lane).abs() < 0.6
                && o.s > c.s
            {
                consider(o.s - c.s - 4.6, o.v);
            }
        }
        // The next junction within reach: its signals, unless this driver ignores them; without
        // signals, its slot (CIP) or the right of way.
        let ignores_lights = matches!(script, Some(Script::RedRunner | Script::Emergency));
        // Lane 1 turns left: its own phase.
        let phase = if c.lane < 1.5 {
            self.network.left_phase(c.flow)
        } else {
            self.network.straight_phase(c.flow)
        };
        let mut slot_v0 = None;
        for (j, stop) in self.network.stops(c.flow) {
            let d = stop - c.s - 2.5;
            if !(-1.0..=150.0).contains(&d) {
                continue;
            }
            if !self.network.junctions[j].signalised {
                match self.passing(i, j, d, now_ms) {
                    Passing::Wait => consider(d.max(0.1), 0.0),
                    Passing::Arrive { speed_mps } => slot_v0 = Some(speed_mps),
                    Passing::Go => {}
                }
                break;
            }
            if !ignores_lights {
                let (light, _) = self.light(j, phase, now_ms);
                let must_stop = match light {
                    csae::LightState::ProtectedGreen | csae::LightState::PermissiveGreen => false,
                    // On yellow, stop if it can be done comfortably.
                    csae::LightState::Yellow => c.v * c.v / (2.0 * 3.0) < d,
                    _ => d > 0.0 || c.v < 1.0,
                };
                if must_stop {
                    consider(d.max(0.1), 0.0);
                }
            }
            break;
        }
        // The end of the acceleration lane, for a car still in it.
        if let Some(m) = self.network.merge.filter(|m| m.flow == c.flow)
            && c.lane > f64::from(network::LANES) + 0.5
        {
            consider((m.to_m - c.s - 2.5).max(0.1), 0.0);
        }
        // Pedestrians in the lane ahead.
        for w in &self.walkers {
            let ahead = self.along_lane(c, w.position);
            if let Some(gap) = ahead {
                consider(gap - 2.5, 0.0);
            }
        }
        // What roadcloud asked of it (a merge's speed, or a slower one to make a gap).
        // And its slot's, to be at the line as the slot begins.
        let v0 = c.order.map_or(c.v0, |o| o.speed_mps);
        let v0 = slot_v0.map_or(v0, |v: f64| v.min(v0));
        let (age, v) = (c.age_s, c.v);
        let accel = |obstacle: Option<(f64, f64)>, v0: f64| {
            let free = 1.0 - (v / v0.max(0.1)).powi(4);
            let interaction = obstacle.map_or(0.0, |(gap, vl)| {
                let s_star = S0 + (v * T + v * (v - vl) / (2.0 * (A * B).sqrt())).max(0.0);
                (s_star / gap.max(0.1)).powi(2)
            });
            (A * (free - interaction)).clamp(-9.0, A)
        };
        let c = &mut self.cars[i];
        match script {
            Some(Script::Distracted) => {
                // Sees the obstacle only once the time to reach it is under 1.6 s.
                let late = obstacle.filter(|&(gap, vl)| v > vl && gap / (v - vl) < 1.6);
                return if late.is_some() {
                    -7.0
                } else {
                    accel(None, v0)
                };
            }
            Some(Script::HardBrake) if (12.0..16.0).contains(&age) => {
                c.flags.hard_braking = v > 0.5;
                c.flags.brake = true;
                return if v > 0.0 { -6.5 } else { 0.0 };
            }
            Some(Script::HardBrake) => {
                c.flags.hard_braking = false;
                c.flags.brake = false;
            }
            Some(Script::Breakdown) if age >= 15.0 => {
                if c.stopped_until_s == 0.0 && v < 0.1 {
                    c.stopped_until_s = age + 40.0;
                }
                c.flags.hazard = true;
                c.flags.disabled = v < 0.5;
                return if v > 0.0 { -3.0 } else { 0.0 };
            }
            Some(Script::Skid) => {
                c.flags.abs = (10.0..14.0).contains(&age);
                if c.flags.abs {
                    c.flags.brake = true;
                    return -4.0;
                }
                c.flags.brake = false;
            }
            Some(Script::LeftTurn | Script::Overtake) => c.flags.left_signal = true,
            Some(Script::LaneChange) => {
                // Signals right for ten seconds; the car beside keeps it in its lane.
                c.flags.right_signal = (3.0..13.0).contains(&age);
            }
            _ => {}
        }
        let a = accel(obstacle, v0);
        c.flags.brake = a < -1.0;
        a
    }

    /// How many junctions without signals have vehicles of both their roads in the square
    /// where the roads cross (each vehicle 4.6 m long, its position its centre).
    fn crossing_conflicts(&self) -> usize {
        let half_m = f64::from(network::LANES) * LANE_WIDTH_M;
        (0..self.network.junctions.len())
            .filter(|&j| !self.network.junctions[j].signalised)
            .filter(|&j| {
                let roads: std::collections::BTreeSet<usize> = self
                    .cars
                    .iter()
                    .filter(|c| {
                        self.network.stops(c.flow).iter().any(|&(k, stop)| {
                            let to_centre = stop + STOP_LINE_M - c.s;
                            k == j && to_centre.abs() < half_m + 2.3
                        })
                    })
                    .map(|c| c.flow.road)
                    .collect();
                roads.len() > 1
            })
            .count()
    }

    /// What car `i`, `d_m` before its stop line at junction `j` (without signals), does at
    /// `now_ms`. Nobody enters while a vehicle of the crossing road is in the junction, nor
    /// ahead of a crossing vehicle coming up to it (within [`GIVE_WAY_S`], or at its line
    /// about to go, not waiting for a later slot) that goes first: of two with slots (CIP),
    /// the one whose slot begins first; otherwise the one on the priority road (a vehicle
    /// without a slot was not scheduled by roadcloud: no OBU, or no answer yet). A car with a
    /// slot comes to the line as the slot begins, stopping there when that would be a crawl,
    /// and goes then.
    fn passing(&self, i: usize, j: usize, d_m: f64, now_ms: Millis) -> Passing {
        let c = &self.cars[i];
        if d_m <= 0.0 {
            return Passing::Go;
        }
        let live = |slot: Option<Slot>| slot.filter(|s| s.junction == j);
        let slot = live(c.slot);
        let minor = self.network.roads[c.flow.road].minor;
        for o in self.cars.iter().filter(|o| o.flow.road != c.flow.road) {
            let Some((_, stop)) = self
                .network
                .stops(o.flow)
                .into_iter()
                .find(|(k, _)| *k == j)
            else {
                continue;
            };
            // How far it is before the junction's centre (negative once past).
            let to_centre = stop + STOP_LINE_M - o.s;
            if (-(STOP_LINE_M + 4.6)..STOP_LINE_M).contains(&to_centre) {
                return Passing::Wait;
            }
            // Coming: moving up within GIVE_WAY_S, or at its line about to go (not waiting
            // for a slot that begins later).
            let ready = live(o.slot).is_none_or(|s| s.enter_ms - now_ms < READY_MS);
            let coming = to_centre >= STOP_LINE_M
                && ((o.v > 1.0 && to_centre < o.v * GIVE_WAY_S)
                    || (to_centre < STOP_LINE_M + 10.0 && ready));
            let first = match (slot, live(o.slot)) {
                (Some(mine), Some(theirs)) => theirs.enter_ms < mine.enter_ms,
                _ => minor,
            };
            if coming && first {
                return Passing::Wait;
            }
        }
        match slot {
            Some(s) if now_ms < s.enter_ms => {
                let on_time_mps = d_m / ((s.enter_ms - now_ms) as f64 / 1e3);
                if on_time_mps >= CRAWL_MPS {
                    Passing::Arrive {
                        speed_mps: on_time_mps,
                    }
                } else {
                    Passing::Wait
                }
            }
            _ => Passing::Go,
        }
    }

    /// Whether car `i`, in the acceleration lane without a window, has room to merge on its
    /// own judgement ([`OWN_GAP_M`] in the lane beside).
    fn may_merge_by_itself(&self, i: usize) -> bool {
        let c = &self.cars[i];
        let target = f64::from(network::LANES);
        if c.lane <= target || c.order.is_some() {
            return false;
        }
        !self.cars.iter().any(|o| {
            o.serial != c.serial
                && o.flow == c.flow
                && (o.lane - target).abs() < 0.6
                && o.s - c.s < OWN_GAP_M.0
                && c.s - o.s < OWN_GAP_M.1
        })
    }

    /// Carries out what an RSC heard on vehicle `vehicle`'s downlink at `now_ms` asks of it:
    /// a merge's window and speed, or a slower speed to make a gap (CLC, CVM), or a slot at
    /// the junction without signals ahead (CIP). An RSC for a vehicle the zone does not have,
    /// or asking nothing of it, changes nothing.
    pub fn coordinate(
        &mut self,
        vehicle: [u8; 8],
        rsc: &csae::RoadsideCoordination,
        now_ms: Millis,
    ) {
        let Some(c) = self.cars.iter_mut().find(|c| c.id == vehicle) else {
            return;
        };
        let ms = |s: f64| now_ms + (s * 1e3).round() as Millis;
        for (id, what) in messages::coordinations(rsc) {
            if id != vehicle {
                continue;
            }
            c.order = Some(match what {
                messages::Coordination::Change {
                    speed_mps,
                    begin_s,
                    end_s,
                } => Order {
                    speed_mps,
                    change_from_ms: Some(ms(begin_s)),
                    until_ms: ms(end_s),
                },
                messages::Coordination::Yield { speed_mps, end_s } => Order {
                    speed_mps,
                    change_from_ms: None,
                    until_ms: ms(end_s),
                },
                // A slot at the junction without signals ahead (CIP).
                messages::Coordination::Pass { begin_s, .. } => {
                    c.slot = self
                        .network
                        .unsignalised_ahead(c.flow, c.s)
                        .map(|(junction, _)| Slot {
                            junction,
                            enter_ms: ms(begin_s),
                        });
                    continue;
                }
            });
        }
    }

    /// The declarations of the equipped cars coming to a junction without signals, each a VIR
    /// with its movement's intersection behaviour (T/CSAE 157-2020 cooperative intersection
    /// passing; the zone's cars go straight on), every [`DECLARE_EVERY_S`](messages::DECLARE_EVERY_S) within
    /// [`DECLARE_WITHIN_M`](messages::DECLARE_WITHIN_M) of the stop line. Scripted cars keep to their scripts.
    fn passing_declarations(&mut self, now_ms: Millis) -> Vec<(String, csae::MessageFrame)> {
        let frame = self.network.frame;
        let mut out = Vec::new();
        for c in &mut self.cars {
            if !c.equipped
                || c.script.is_some()
                || c.age_s - c.declared_at_s < DECLARE_EVERY_S - 1e-6
            {
                continue;
            }
            let network = &self.network;
            if !network
                .unsignalised_ahead(c.flow, c.s)
                .is_some_and(|(_, stop)| stop - c.s <= DECLARE_WITHIN_M)
            {
                continue;
            }
            c.declared_at_s = c.age_s;
            let vir = messages::passing_intention(
                &frame,
                c.id,
                network.lane_point(c.flow, c.lane, c.s),
                (c.age_s * 10.0) as u8,
                csae::DriveBehavior::INTERSECTION_STRAIGHT_THROUGH,
                now_ms,
            );
            out.push(messages::vir_uplink(vir));
        }
        out
    }

    /// The merging cars' requests for a gap (VIR `Req-LaneChange`, `currentBehavior` rampIn,
    /// T/CSAE 157-2020), every [`MERGE_ASK_EVERY_S`] while they have no window.
    fn merge_requests(&mut self, now_ms: Millis) -> Vec<(String, csae::MessageFrame)> {
        let Some(m) = self.network.merge else {
            return Vec::new();
        };
        let Some(&(j, _)) = self
            .network
            .stops(m.flow)
            .iter()
            .find(|(_, stop)| *stop >= m.to_m)
        else {
            return Vec::new();
        };
        let node = self.network.junctions[j].node;
        let upstream = self.network.neighbour(j, m.flow, false);
        let frame = self.network.frame;
        let mut out = Vec::new();
        for k in 0..self.cars.len() {
            let c = &self.cars[k];
            if c.flow != m.flow
                || c.lane <= f64::from(network::LANES) + 0.5
                || c.order.is_some()
                || !c.equipped
                || c.age_s - c.asked_at_s < MERGE_ASK_EVERY_S
            {
                continue;
            }
            let ask = messages::LaneChangeAsk {
                req_id: 1,
                upstream: (network::REGION, upstream),
                downstream: (network::REGION, node),
                lane: network::LANES,
                merge: true,
                life_s: (m.to_m - c.s) / c.v.max(5.0),
                complete: false,
            };
            let position = self.network.lane_point(c.flow, c.lane, c.s);
            let (id, msg_cnt) = (c.id, (c.age_s * 2.0) as u8);
            self.cars[k].asked_at_s = self.cars[k].age_s;
            let vir = messages::lane_change_request(&frame, id, position, msg_cnt, &ask, now_ms);
            out.push(messages::vir_uplink(vir));
        }
        out
    }

    /// How far ahead of car `c`, in its lane, point `p` lies, when it does within the
    /// [`NOTICE_M`] a driver takes to notice someone stepping into the lane.
    fn along_lane(&self, c: &Car, p: Point) -> Option<f64> {
        let (de, dn) = self.network.direction(c.flow);
        let here = self.network.lane_point(c.flow, c.lane, c.s);
        let (x, y) = (p.east_m - here.east_m, p.north_m - here.north_m);
        let ahead = x * de + y * dn;
        let lateral = x * dn - y * de;
        (ahead > 0.0 && ahead < NOTICE_M && lateral.abs() < LANE_WIDTH_M * 0.6).then_some(ahead)
    }

    fn walk(&mut self, dt_s: f64) {
        for w in &mut self.walkers {
            let d = w.speed_mps * dt_s;
            let h = w.heading_deg.to_radians();
            w.position.east_m += d * h.sin();
            w.position.north_m += d * h.cos();
            w.left_m -= d;
        }
        self.walkers.retain(|w| w.left_m > 0.0);
    }

    fn spawn(&mut self, now_ms: Millis) {
        // Ordinary traffic: each flow keeps up to its share, entering when the entry is clear.
        for f in self.network.flows() {
            // The minor road's traffic, lighter, draws from its own stream: the main roads'
            // arrivals stay what the seed gave them before the minor road was built.
            let minor = self.network.roads[f.road].minor;
            let draw = |z: &mut Zone| {
                if minor {
                    z.minor_rng.unit()
                } else {
                    z.rng.unit()
                }
            };
            let here = self.cars.iter().filter(|c| c.flow == f).count();
            let every = if minor { 0.04 } else { 0.08 };
            if here >= self.config.vehicles_per_flow || draw(self) > every {
                continue;
            }
            let lane = if draw(self) < 0.5 { 2.0 } else { 3.0 };
            if self
                .cars
                .iter()
                .any(|c| c.flow == f && (c.lane - lane).abs() < 0.6 && c.s < 25.0)
            {
                continue;
            }
            let limit = self.network.roads[f.road].limit_mps;
            let v0 = limit * (0.85 + 0.2 * draw(self));
            let equipped = draw(self) < self.config.equipped_share;
            self.add_car(f, lane, 0.0, v0, equipped, None);
        }
        // A car off the on-ramp now and then, into the acceleration lane when it is clear.
        if let Some(m) = self.network.merge
            && self.steps % MERGE_EVERY_STEPS == MERGE_EVERY_STEPS / 2
            && !self.cars.iter().any(|c| {
                c.flow == m.flow
                    && c.lane > f64::from(network::LANES) + 0.5
                    && c.s < m.from_m + 30.0
            })
        {
            let limit = self.network.roads[m.flow.road].limit_mps;
            let lane = f64::from(network::MERGE_LANE);
            self.add_car(m.flow, lane, m.from_m, limit * 0.95, true, None);
        }
        // Pedestrians cross with their light: along a road whose straight phase is green.
        if self.steps.is_multiple_of(50) {
            let signalised: Vec<usize> = (0..self.network.junctions.len())
                .filter(|&j| self.network.junctions[j].signalised)
                .collect();
            let j = signalised[(self.rng.next() % signalised.len() as u64) as usize];
            for (phase, crossing_ns) in [(3u8, true), (1u8, false)] {
                let (light, end) = self.network.light(j, phase, now_ms);
                if light == csae::LightState::ProtectedGreen && end - now_ms > 15_000 {
                    let phone = self.rng.unit() < 0.3;
                    self.add_crossing(j, crossing_ns, phone);
                    break;
                }
            }
        }
        // A cyclist at the kerb now and then.
        if self.steps % 120 == 60 {
            let flows = self.network.flows();
            let f = flows[(self.rng.next() % flows.len() as u64) as usize];
            let serial = self.next_serial();
            let position =
                self.network
                    .point(f, 0.0, f64::from(network::LANES) * LANE_WIDTH_M + 1.5);
            self.walkers.push(Walker {
                serial,
                id: walker_id(serial),
                position,
                heading_deg: self.network.heading_deg(f),
                speed_mps: 4.5,
                left_m: self.network.length_m(f),
                cyclist: true,
                phone: false,
                msg: 0,
            });
        }
        if self.t_s >= self.next_script_s {
            self.next_script_s += self.config.script_every_s;
            let script = Script::ALL[self.scripts_started % Script::ALL.len()];
            self.scripts_started += 1;
            self.start(script, now_ms);
            let actor = self
                .cars
                .iter()
                .rev()
                .find(|c| c.script == Some(script))
                .map(|c| c.id);
            let actor = actor.or_else(|| self.walkers.last().map(|w| w.id));
            if let Some(id) = actor {
                self.scripted.push((script, id));
            }
        }
    }

    /// Among the roads' directions, the first whose vehicle entering now reaches its first
    /// stop line (at its speed limit, give or take 2 s) when `when` holds there.
    fn arriving_when(
        &self,
        now_ms: Millis,
        when: impl Fn(&Zone, Flow, usize, Millis) -> bool,
    ) -> Option<Flow> {
        self.network.flows().into_iter().find(|&f| {
            let v0 = self.network.roads[f.road].limit_mps;
            let (j, stop) = self.network.stops(f)[0];
            if !self.network.junctions[j].signalised {
                return false;
            }
            let arrive = now_ms + (stop / v0 * 1_000.0) as Millis;
            [arrive - 2_000, arrive + 3_000]
                .iter()
                .all(|&t| when(self, f, j, t))
        })
    }

    fn add_car(
        &mut self,
        flow: Flow,
        lane: f64,
        s: f64,
        v0: f64,
        equipped: bool,
        script: Option<Script>,
    ) {
        let serial = self.next_serial();
        let mut id = [0x5a, 0x11, 0, 0, 0, 0, 0, 0];
        id[4..].copy_from_slice(&serial.to_be_bytes());
        self.cars.push(Car {
            serial,
            id,
            flow,
            lane,
            s,
            v: v0 * 0.8,
            a: 0.0,
            v0,
            equipped,
            class: if script == Some(Script::Emergency) {
                60
            } else {
                10
            },
            script,
            age_s: 0.0,
            flags: VehicleFlags {
                emergency: script == Some(Script::Emergency),
                ..VehicleFlags::default()
            },
            stopped_until_s: 0.0,
            asked: Vec::new(),
            asked_at_s: f64::NEG_INFINITY,
            order: None,
            seeks_parking: false,
            slot: None,
            declared_at_s: f64::NEG_INFINITY,
        });
    }

    /// A pedestrian crossing an arm of junction `j`: an arm of its north-south road when
    /// `crossing_ns`, else of its east-west road.
    fn add_crossing(&mut self, j: usize, crossing_ns: bool, phone: bool) {
        let c = self.network.junctions[j].centre;
        let half = f64::from(network::LANES) * LANE_WIDTH_M + 2.0;
        // The crossing lies just inside the stop line, on a random arm.
        let side = if self.rng.unit() < 0.5 { 1.0 } else { -1.0 };
        let d = STOP_LINE_M - 4.0;
        let (start, heading) = if crossing_ns {
            // Across a north-south road, on its north or south arm, walking east or west.
            (
                Point {
                    east_m: c.east_m - side * half,
                    north_m: c.north_m + side * d,
                },
                if side > 0.0 { 90.0 } else { 270.0 },
            )
        } else {
            (
                Point {
                    east_m: c.east_m + side * d,
                    north_m: c.north_m + side * half,
                },
                if side > 0.0 { 180.0 } else { 0.0 },
            )
        };
        let serial = self.next_serial();
        self.walkers.push(Walker {
            serial,
            id: walker_id(serial),
            position: start,
            heading_deg: heading,
            speed_mps: 1.3 + 0.3 * self.rng.unit(),
            left_m: 2.0 * half,
            cyclist: false,
            phone,
            msg: 0,
        });
    }

    fn start(&mut self, script: Script, now_ms: Millis) {
        let flows = self.network.flows();
        // Boyuan Rd eastbound and westbound carry most scripts; the speeder takes Moyu Rd.
        let main = flows[self.scripts_started % 2];
        let limit = |z: &Zone, f: Flow| z.network.roads[f.road].limit_mps;
        match script {
            Script::RedRunner => {
                // Straight on from the left-turn lane, empty of other traffic so no queue
                // holds it, on a road where it will reach its first stop line on red.
                let f = self
                    .arriving_when(now_ms, |z, f, j, t| {
                        z.network.light(j, z.network.left_phase(f), t).0 == csae::LightState::Red
                    })
                    .unwrap_or(main);
                let v0 = limit(self, f);
                self.add_car(f, 1.0, 0.0, v0, true, Some(script));
            }
            Script::Speeder => {
                let moyu = flows[2 + self.scripts_started % 2];
                let v0 = limit(self, moyu) * 1.6;
                self.add_car(moyu, 2.0, 0.0, v0, true, Some(script));
            }
            Script::LeftTurn => {
                // At the junction without signals (Moyu Rd / Anzhi Rd), where a left turn
                // yields to oncoming traffic: at a signalised one the left-turn lane has its
                // own phase, and a left-turner held at its red arrow is no LTA situation.
                // Both cars start past the junction before (75 m short of the stop line, as
                // far as the 80 m between Anhong Rd's box and the line allow), the turner in
                // the left-turn lane, so that they come to the crossing together.
                let moyu = flows[2 + self.scripts_started % 2];
                let oncoming = Flow {
                    forward: !moyu.forward,
                    ..moyu
                };
                let v0 = limit(self, moyu);
                for (f, lane, script) in [(moyu, 1.0, Some(script)), (oncoming, 2.0, None)] {
                    if let Some((_, stop)) = self.network.unsignalised_ahead(f, 0.0) {
                        self.add_car(f, lane, stop - 75.0, v0, true, script);
                    }
                }
            }
            Script::Overtake => {
                // On the road's inner lane, meeting a car in the oncoming inner lane.
                let oncoming = Flow {
                    forward: !main.forward,
                    ..main
                };
                let v0 = limit(self, main);
                self.add_car(main, 1.0, 0.0, v0, true, Some(script));
                // Just past the far side of the first junction, 260 m ahead, coming on.
                let first = self.network.stops(main)[0].1;
                let s = self.network.length_m(oncoming) - first - 2.0 * STOP_LINE_M;
                self.add_car(oncoming, 1.0, s, v0, true, None);
            }
            Script::HardBrake | Script::Skid => {
                let v0 = limit(self, main);
                self.add_car(main, 2.0, 60.0, v0, true, Some(script));
                self.add_car(main, 2.0, 30.0, v0, true, None);
                self.add_car(main, 2.0, 0.0, v0, true, None);
            }
            Script::LaneChange => {
                let v0 = limit(self, main);
                self.add_car(main, 2.0, 10.0, v0, true, Some(script));
                self.add_car(main, 3.0, 5.0, v0, true, None);
                let n = self.cars.len();
                self.cars[n - 1].v = self.cars[n - 2].v;
                self.cars[n - 1].v0 = self.cars[n - 2].v0;
            }
            Script::Jaywalker => {
                // Steps off the kerb ahead of a car coming at speed, to cross its road while its
                // traffic has green.
                let Some(c) = self
                    .cars
                    .iter()
                    .filter(|c| c.equipped && c.script.is_none() && c.v > 6.0)
                    .find(|c| {
                        // Nothing else to stop for before the crossing, and road enough.
                        let reach = c.s + c.v * 5.0;
                        reach < self.network.length_m(c.flow)
                            && self
                                .network
                                .stops(c.flow)
                                .iter()
                                .all(|&(_, stop)| stop < c.s || stop > reach)
                    })
                else {
                    return;
                };
                let kerb = f64::from(network::LANES) * LANE_WIDTH_M + 1.0;
                // Where it reaches the car's lane as the car gets there.
                let walk_s = (kerb - (c.lane - 0.5) * LANE_WIDTH_M) / 1.4;
                let position = self.network.point(c.flow, c.s + c.v * walk_s, kerb);
                let heading_deg = (self.network.heading_deg(c.flow) + 270.0).rem_euclid(360.0);
                let serial = self.next_serial();
                self.walkers.push(Walker {
                    serial,
                    id: walker_id(serial),
                    position,
                    heading_deg,
                    speed_mps: 1.4,
                    left_m: 2.0 * kerb,
                    cyclist: false,
                    phone: true,
                    msg: 0,
                });
            }
            _ => {
                let hurry = if script == Script::Emergency {
                    1.25
                } else {
                    1.0
                };
                let v0 = limit(self, main) * hurry;
                self.add_car(main, 2.0, 0.0, v0, true, Some(script));
            }
        }
    }

    /// What the zone's devices send at `now_ms` after the last step: every equipped
    /// vehicle's BSM, every phone's PSM, and each RSU's RSM and SPAT; each RSU's MAP and RSI,
    /// and a quarter of the equipped vehicles' sensor-sharing requests (VIR), once a second. Topics as the RSU-to-centre convention has them.
    pub fn messages(&mut self, now_ms: Millis) -> Vec<(String, csae::MessageFrame)> {
        let frame = self.network.frame;
        let mut out = Vec::new();
        let states: Vec<VehicleState> = self
            .cars
            .iter()
            .filter(|c| c.equipped)
            .map(|c| VehicleState {
                id: c.id,
                position: self.network.lane_point(c.flow, c.lane, c.s),
                heading_deg: self.network.heading_deg(c.flow),
                speed_mps: c.v,
                accel_mps2: c.a,
                yaw_rate_dps: 0.0,
                class: c.class,
                size_m: (1.8, 4.6),
                flags: c.flags,
            })
            .collect();
        out.extend(self.attackers.bsms(&frame, &states, now_ms));
        // Once a second, a quarter of the equipped cars (by id) ask what lies on the 150 m
        // of road ahead that they cannot see (T/CSAE 157-2020 sensor data sharing).
        if self.steps % 10 == 1 {
            for v in states.iter().filter(|v| v.id[7] % 4 == 0) {
                let h = v.heading_deg.to_radians();
                let ahead = Point {
                    east_m: v.position.east_m + SDS_AHEAD_M * h.sin(),
                    north_m: v.position.north_m + SDS_AHEAD_M * h.cos(),
                };
                let area = [(vec![v.position, ahead], SDS_HALF_WIDTH_M)];
                let vir = messages::sensor_sharing_request(
                    &frame,
                    v.id,
                    v.position,
                    (self.steps / 10 % 256) as u8,
                    &area,
                    now_ms,
                );
                out.push(messages::vir_uplink(vir));
            }
        }
        out.extend(self.priority_requests(now_ms));
        out.extend(self.merge_requests(now_ms));
        out.extend(self.passing_declarations(now_ms));
        if self.steps % 10 == 1 {
            out.extend(self.parking_requests(now_ms));
        }
        for w in &mut self.walkers {
            if !w.phone {
                continue;
            }
            w.msg = (w.msg + 1) % 128;
            let psm = messages::psm(&frame, w.id, &detection(w), w.msg, now_ms);
            out.push((
                Topic::uplink(DeviceKind::Obu, DeviceId(w.id), MessageKind::Psm),
                csae::MessageFrame::MsgFrameExt(csae::MessageFrameExt {
                    value: csae::Day2Message::PersonalSafety(psm),
                }),
            ));
        }
        let once_a_second = self.steps % 10 == 1;
        for j in 0..self.network.junctions.len() {
            let rsu = self.network.junctions[j].rsu;
            let at = self.rsu_position(j);
            let topic = |m| Topic::uplink(DeviceKind::Rsu, DeviceId(rsu), m);
            for rsm in self.rsm(j, now_ms) {
                out.push((topic(MessageKind::Rsm), csae::MessageFrame::RsmFrame(rsm)));
            }
            if self.network.junctions[j].signalised {
                let phases: Vec<(u8, csae::LightState, Millis)> = network::PLAN
                    .iter()
                    .map(|&(p, ..)| {
                        let (light, end) = self.light(j, p, now_ms);
                        (p, light, end - now_ms)
                    })
                    .collect();
                let node = (network::REGION, self.network.junctions[j].node);
                let count = self.next_rsu_count(j);
                out.push((
                    topic(MessageKind::Spat),
                    csae::MessageFrame::SpatFrame(messages::spat(node, &phases, count, now_ms)),
                ));
            }
            if once_a_second {
                let count = self.next_rsu_count(j);
                out.push((
                    topic(MessageKind::Map),
                    csae::MessageFrame::MapFrame(self.network.map(j, count)),
                ));
                // The car park beside Moyu Rd / Anyan Rd is announced by that junction's RSU.
                if self.network.junctions[j].node == CAR_PARK_JUNCTION {
                    let pam = self.car_park.pam(&frame, now_ms);
                    out.push((
                        topic(MessageKind::Pam),
                        csae::MessageFrame::MsgFrameExt(csae::MessageFrameExt {
                            value: csae::Day2Message::Pam(pam),
                        }),
                    ));
                }
                // Its camera sees the cones that close the road works' lane (T/CSAE
                // 157-2020 sensor data sharing: an SSM's obstacle list).
                let cones = self.road_works_cones(j, now_ms);
                if !cones.is_empty() {
                    let count = self.next_rsu_count(j);
                    out.push((
                        topic(MessageKind::Ssm),
                        messages::ssm_of_obstacles(
                            &frame,
                            rsu,
                            csae::EquipmentType::Rsu,
                            at,
                            &cones,
                            count,
                            now_ms,
                        ),
                    ));
                }
                let events = self.announcements(j, now_ms);
                if !events.is_empty() {
                    let items: Vec<(u8, &RoadEvent)> =
                        events.iter().map(|e| (e.local_id, e)).collect();
                    let count = self.next_rsu_count(j);
                    for rsi in rsi_announcing(&frame, rsu, at, &items, count, now_ms) {
                        out.push((topic(MessageKind::Rsi), csae::MessageFrame::RsiFrame(rsi)));
                    }
                }
            }
        }
        out
    }

    /// The light of `phase` at junction `j` at `t_ms`, and when it changes: the plan's, unless
    /// a priority vehicle is served there (the clearance's yellow, then its phase green and
    /// the others red) or was until just now (all red but the released phase's yellow).
    pub fn light(&self, j: usize, phase: u8, t_ms: Millis) -> (csae::LightState, Millis) {
        use csae::LightState::{ProtectedGreen, Red, Yellow};
        if let Some(p) = self.preempted.get(&j) {
            if t_ms < p.green_from {
                return if p.clearing.contains(&phase) {
                    (Yellow, p.green_from)
                } else {
                    (Red, p.green_from)
                };
            }
            return if phase == p.phase {
                (ProtectedGreen, p.until)
            } else {
                (Red, p.until + CLEARANCE_MS)
            };
        }
        if let Some(&(held, until)) = self.releasing.get(&j)
            && t_ms < until
        {
            return if phase == held {
                (Yellow, until)
            } else {
                (Red, until)
            };
        }
        self.network.light(j, phase, t_ms)
    }

    /// Whether phase `phase` of junction `j` shows green at `t_ms`.
    fn green(&self, j: usize, phase: u8, t_ms: Millis) -> bool {
        self.light(j, phase, t_ms).0 == csae::LightState::ProtectedGreen
    }

    /// Carries out a priority command of roadcloud for one of the zone's junctions, at
    /// `now_ms` (the zone is its signals' controller: docs/signals.md).
    pub fn command(
        &mut self,
        c: &roadcloud_signals::PriorityCommand,
        now_ms: Millis,
    ) -> Result<(), roadcloud_signals::ControllerError> {
        use roadcloud_signals::{Action, ControllerError};
        let j = (c.junction.region == network::REGION)
            .then(|| {
                self.network
                    .junctions
                    .iter()
                    .position(|x| x.node == c.junction.id)
            })
            .flatten()
            .ok_or_else(|| {
                ControllerError::Unknown(format!(
                    "no junction {}/{} in the zone",
                    c.junction.region, c.junction.id
                ))
            })?;
        if !self.network.junctions[j].signalised {
            return Err(ControllerError::Unknown(format!(
                "junction {} has no signals",
                c.junction.id
            )));
        }
        if !network::PLAN.iter().any(|p| p.0 == c.phase_id) {
            return Err(ControllerError::Unknown(format!(
                "no phase {} at junction {}",
                c.phase_id, c.junction.id
            )));
        }
        self.expire_priority(now_ms);
        match c.action {
            Action::Release => {
                if self
                    .preempted
                    .get(&j)
                    .is_some_and(|p| p.vehicle == c.vehicle)
                {
                    self.release(j, now_ms);
                }
            }
            Action::Preempt | Action::Extend => {
                let shown: Vec<u8> = network::PLAN
                    .iter()
                    .map(|p| p.0)
                    .filter(|&p| self.green(j, p, now_ms))
                    .collect();
                // An extension holds a green shown now; a red is not cut short.
                if c.action == Action::Extend && !shown.contains(&c.phase_id) {
                    return Ok(());
                }
                let clearing: Vec<u8> = shown.into_iter().filter(|&p| p != c.phase_id).collect();
                self.releasing.remove(&j);
                self.preempted.insert(
                    j,
                    Preempted {
                        phase: c.phase_id,
                        vehicle: c.vehicle.clone(),
                        green_from: if clearing.is_empty() {
                            now_ms
                        } else {
                            now_ms + CLEARANCE_MS
                        },
                        clearing,
                        until: c.hold_until_ms,
                    },
                );
            }
        }
        Ok(())
    }

    /// Ends junction `j`'s preemption at `now_ms`: the served phase's yellow, then the plan.
    fn release(&mut self, j: usize, now_ms: Millis) {
        if let Some(p) = self.preempted.remove(&j)
            && now_ms >= p.green_from
        {
            self.releasing.insert(j, (p.phase, now_ms + CLEARANCE_MS));
        }
    }

    /// Preemptions whose hold ran out end by themselves.
    fn expire_priority(&mut self, now_ms: Millis) {
        let due: Vec<usize> = self
            .preempted
            .iter()
            .filter(|(_, p)| now_ms >= p.until)
            .map(|(j, _)| *j)
            .collect();
        for j in due {
            self.release(j, now_ms);
        }
        self.releasing.retain(|_, (_, until)| now_ms < *until);
    }

    /// The ambulances' requests for the green (VIR `Req-SignalPriority`, T/CSAE 157-2020) at
    /// the junctions ahead within [`PRIORITY_AHEAD_M`], once a second and at once when one
    /// has passed a junction, which it then reports complete.
    fn priority_requests(&mut self, now_ms: Millis) -> Vec<(String, csae::MessageFrame)> {
        let frame = self.network.frame;
        let mut out = Vec::new();
        for i in 0..self.cars.len() {
            let c = &self.cars[i];
            if c.script != Some(Script::Emergency) || !c.equipped {
                continue;
            }
            let ahead: Vec<(usize, f64)> = self
                .network
                .stops(c.flow)
                .into_iter()
                .filter(|&(j, stop)| {
                    self.network.junctions[j].signalised
                        && stop > c.s - 1.0
                        && stop - c.s <= PRIORITY_AHEAD_M
                })
                .collect();
            let passed: Vec<usize> = c
                .asked
                .iter()
                .copied()
                .filter(|j| !ahead.iter().any(|(k, _)| k == j))
                .collect();
            if passed.is_empty() && c.age_s - c.asked_at_s < 1.0 {
                continue;
            }
            let phase = self.network.straight_phase(c.flow);
            let ask = |j: usize, distance_m: f64, complete: bool| messages::PriorityAsk {
                req_id: j as u8,
                junction: (network::REGION, self.network.junctions[j].node),
                towards: (network::REGION, self.network.neighbour(j, c.flow, true)),
                phase_id: phase,
                eta_s: distance_m / c.v.max(5.0),
                distance_m,
                complete,
            };
            let mut asks: Vec<messages::PriorityAsk> =
                passed.iter().map(|&j| ask(j, 0.0, true)).collect();
            asks.extend(
                ahead
                    .iter()
                    .map(|&(j, stop)| ask(j, (stop - c.s).max(0.0), false)),
            );
            let position = self.network.lane_point(c.flow, c.lane, c.s);
            let msg_cnt = (c.age_s * 10.0) as u8;
            let (id, age_s) = (c.id, c.age_s);
            let c = &mut self.cars[i];
            c.asked = ahead.iter().map(|(j, _)| *j).collect();
            c.asked_at_s = age_s;
            if asks.is_empty() {
                continue;
            }
            let vir =
                messages::signal_priority_request(&frame, id, position, msg_cnt, &asks, now_ms);
            out.push(messages::vir_uplink(vir));
        }
        out
    }

    fn next_rsu_count(&mut self, j: usize) -> u8 {
        let c = self.rsu_msg[j];
        self.rsu_msg[j] = (c + 1) % 128;
        c
    }

    /// Where junction `j`'s RSU stands: on a pole at its north-east corner.
    pub fn rsu_position(&self, j: usize) -> Point {
        let c = self.network.junctions[j].centre;
        Point {
            east_m: c.east_m + 14.0,
            north_m: c.north_m + 14.0,
        }
    }

    /// What junction `j`'s camera sees, as RSMs of at most 16 participants, nearest first:
    /// positions with noise, as they were [`CAMERA_LATENCY_MS`] ago.
    fn rsm(&mut self, j: usize, now_ms: Millis) -> Vec<csae::RoadsideSafetyMessage> {
        let at = self.rsu_position(j);
        let seen_at = now_ms - CAMERA_LATENCY_MS;
        let back_s = CAMERA_LATENCY_MS as f64 / 1_000.0;
        let mut seen: Vec<(f64, Detection)> = Vec::new();
        for c in &self.cars {
            let p = self
                .network
                .lane_point(c.flow, c.lane, (c.s - c.v * back_s).max(0.0));
            seen.push((
                p.distance_to(at),
                Detection {
                    kind: csae::ParticipantType::Motor,
                    ptc_id: (c.serial % 65_536) as u16,
                    position: p,
                    heading_deg: self.network.heading_deg(c.flow),
                    speed_mps: c.v,
                    size_m: (1.8, 4.6),
                },
            ));
        }
        for w in &self.walkers {
            let mut d = detection(w);
            let h = w.heading_deg.to_radians();
            d.position.east_m -= w.speed_mps * back_s * h.sin();
            d.position.north_m -= w.speed_mps * back_s * h.cos();
            seen.push((d.position.distance_to(at), d));
        }
        seen.retain(|(d, _)| *d <= CAMERA_RANGE_M);
        seen.sort_by(|a, b| a.0.total_cmp(&b.0));
        let rsu = self.network.junctions[j].rsu;
        let mut out = Vec::new();
        let noisy: Vec<Detection> = seen
            .into_iter()
            .map(|(_, mut d)| {
                d.position.east_m += CAMERA_NOISE_M * self.rng.normal();
                d.position.north_m += CAMERA_NOISE_M * self.rng.normal();
                d
            })
            .collect();
        for chunk in noisy.chunks(MAX_PARTICIPANTS) {
            let count = self.next_rsu_count(j);
            out.push(messages::rsm(
                &self.network.frame,
                rsu,
                at,
                chunk,
                count,
                seen_at,
            ));
        }
        out
    }

    /// The traffic cones junction `j`'s RSU sees: junction 2003's, four in Moyu Rd's
    /// eastbound right lane, 5 m apart, 480-495 m along it, leading to the road works (at
    /// 500 m, 200 m east of the junction).
    fn road_works_cones(&self, j: usize, now_ms: Millis) -> Vec<Obstacle> {
        if self.network.junctions[j].node != 2003 {
            return Vec::new();
        }
        let moyu_east = Flow {
            road: 1,
            forward: true,
        };
        let right = f64::from(network::LANES);
        (0..4u16)
            .map(|k| Obstacle {
                sensor: self.network.junctions[j].rsu,
                id: k + 1,
                kind: csae::ObstacleType::Trafficcone,
                position: self
                    .network
                    .lane_point(moyu_east, right, 480.0 + 5.0 * f64::from(k)),
                width_m: Some(0.4),
                length_m: Some(0.4),
                height_m: Some(0.7),
                generated_at: now_ms,
                received_at: now_ms,
            })
            .collect()
    }

    /// The events and signs junction `j`'s RSU announces: junction 2003's, on Moyu Rd, the
    /// road works 200 m east of it and the 40 km/h school-zone sign where Moyu Rd enters the
    /// zone from the west.
    fn announcements(&self, j: usize, now_ms: Millis) -> Vec<RoadEvent> {
        let moyu_east = Flow {
            road: 1,
            forward: true,
        };
        let node = self.network.junctions[j].node;
        let half = f64::from(network::LANES) * LANE_WIDTH_M / 2.0;
        let event = |kind, local_id, code, s: f64, radius_m, text: &str| RoadEvent {
            kind,
            rsu: self.network.junctions[j].rsu,
            local_id,
            code,
            position: self.network.point(moyu_east, s, half),
            radius_m,
            paths: vec![(
                vec![
                    self.network.point(moyu_east, s - 80.0, half),
                    self.network.point(moyu_east, s + 20.0, half),
                ],
                half + 0.5,
            )],
            source: (kind == EventKind::Event).then_some(csae::EventSource::Government),
            description: Some(text.to_string()),
            priority: None,
            start: None,
            end: None,
            received_at: now_ms,
        };
        if node != 2003 {
            return Vec::new();
        }
        vec![
            // eventType 401: road works (GB/T 29100, as in the public vectors); 500 m along
            // Moyu Rd eastbound is 200 m east of junction 2003.
            event(
                EventKind::Event,
                1,
                401,
                500.0,
                Some(30.0),
                "Road works: right lane closed",
            ),
            // signType 85: speed limit (GB 5768.2).
            event(
                EventKind::Sign,
                2,
                85,
                150.0,
                None,
                "Speed limit 40 km/h (school)",
            ),
        ]
    }
}

fn walker_id(serial: u32) -> [u8; 8] {
    let mut id = [0x50, 0x45, 0x44, 0, 0, 0, 0, 0];
    id[4..].copy_from_slice(&serial.to_be_bytes());
    id
}

fn detection(w: &Walker) -> Detection {
    Detection {
        kind: if w.cyclist {
            csae::ParticipantType::NonMotor
        } else {
            csae::ParticipantType::Pedestrian
        },
        ptc_id: (w.serial % 65_536) as u16,
        position: w.position,
        heading_deg: w.heading_deg,
        speed_mps: w.speed_mps,
        size_m: if w.cyclist { (0.6, 1.8) } else { (0.5, 0.5) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadcloud_signals::{Action, Junction, PriorityCommand};

    fn command(node: u16, phase: u8, action: Action, until: Millis) -> PriorityCommand {
        PriorityCommand {
            junction: Junction {
                region: network::REGION,
                id: node,
            },
            phase_id: phase,
            action,
            vehicle: "5a11000000000001".into(),
            request_id: 1,
            hold_until_ms: until,
            issued_at_ms: 0,
        }
    }

    fn greens(z: &Zone, j: usize, t: Millis) -> Vec<u8> {
        network::PLAN
            .iter()
            .map(|p| p.0)
            .filter(|&p| z.green(j, p, t))
            .collect()
    }

    /// A preemption of a phase shown red: the green phase turns yellow for the clearance,
    /// then the served phase alone is green until the release, then all red but its yellow,
    /// then the plan; never two phases green at once. An extension of a red changes
    /// nothing, and a junction the zone does not have is an error.
    #[test]
    fn the_zone_signals_serve_a_preemption_and_return_to_the_plan() {
        let mut z = Zone::anting(ZoneConfig::default());
        let j = 0;
        let node = z.network.junctions[j].node;
        // A moment when phase 1 is green, so phase 3 is red.
        let t0 = (0..90_000)
            .step_by(100)
            .find(|&t| greens(&z, j, t) == vec![1])
            .unwrap();
        z.command(&command(node, 3, Action::Extend, t0 + 60_000), t0)
            .unwrap();
        assert_eq!(greens(&z, j, t0 + 100), vec![1], "an extension cuts no red");
        z.command(&command(node, 3, Action::Preempt, t0 + 60_000), t0)
            .unwrap();
        assert_eq!(z.light(j, 1, t0 + 100).0, csae::LightState::Yellow);
        assert!(greens(&z, j, t0 + 100).is_empty());
        for t in (t0 + CLEARANCE_MS..t0 + 50_000).step_by(500) {
            assert_eq!(greens(&z, j, t), vec![3], "at {t}");
        }
        z.command(&command(node, 3, Action::Release, 0), t0 + 50_000)
            .unwrap();
        assert_eq!(z.light(j, 3, t0 + 50_100).0, csae::LightState::Yellow);
        assert!(greens(&z, j, t0 + 50_100).is_empty());
        let after = t0 + 50_000 + CLEARANCE_MS + 100;
        z.expire_priority(after);
        for p in network::PLAN.iter().map(|p| p.0) {
            assert_eq!(z.light(j, p, after), z.network.light(j, p, after));
        }
        assert!(
            z.command(&command(4242, 3, Action::Preempt, after), after)
                .is_err()
        );
        assert!(
            z.command(&command(node, 9, Action::Preempt, after), after)
                .is_err()
        );
    }

    /// A car off the on-ramp with a car beside it (no room to merge by itself) asks for a gap
    /// (VIR, rampIn, the lane beside); given a window by an RSC, it keeps to its lane until
    /// the window opens and is over in the lane beside before it closes.
    #[test]
    fn a_car_off_the_ramp_asks_for_a_gap_and_merges_in_its_window() {
        use roadcloud_world::requests::{GapPlan, LaneChangeAnswer, lane_change_answer};
        let mut z = Zone::anting(ZoneConfig {
            script_every_s: 1e9,
            ..ZoneConfig::default()
        });
        let m = z.network.merge.expect("the zone's on-ramp");
        // A car just off the ramp; nothing beside it yet.
        z.add_car(
            m.flow,
            f64::from(network::MERGE_LANE),
            m.from_m,
            16.0,
            true,
            None,
        );
        let id = z.cars.last().unwrap().id;
        // Its driver would merge by itself given room: keep a car beside it so it waits.
        z.add_car(
            m.flow,
            f64::from(network::LANES),
            m.from_m - 2.0,
            16.0,
            false,
            None,
        );
        let now = 1_795_824_000_000;
        z.step(0.1, now);
        let asks = z.merge_requests(now);
        assert_eq!(asks.len(), 1, "one request: {asks:?}");
        let csae::MessageFrame::MsgFrameExt(e) = &asks[0].1 else {
            panic!()
        };
        let csae::Day2Message::VehIntentionAndRequest(vir) = &e.value else {
            panic!()
        };
        let behaviour = vir.int_and_req.current_behavior.as_ref().unwrap();
        assert!(behaviour.0.get(csae::DriveBehavior::RAMP_IN));
        let Some(csae::ReqInfo::LaneChange(c)) = &vir.int_and_req.reqs.as_ref().unwrap()[0].info
        else {
            panic!()
        };
        assert_eq!(c.target_lane.0, network::LANES);
        // Asked again only after half a second.
        z.step(0.1, now + 100);
        assert!(z.merge_requests(now + 100).is_empty());
        // roadcloud's window: from 1 s on, for 3 s, at 15 m/s.
        let answer = LaneChangeAnswer {
            vehicle: id,
            at: Point::default(),
            target: roadcloud_world::LaneRef {
                node: roadcloud_world::map::NodeId {
                    region: c.downstream_node.region.unwrap().0,
                    id: c.downstream_node.id.0,
                },
                upstream: roadcloud_world::map::NodeId {
                    region: c.upstream_node.region.unwrap().0,
                    id: c.upstream_node.id.0,
                },
                lane: c.target_lane.0,
            },
            merge: true,
            outcome: Ok(GapPlan {
                begin: now + 1_100,
                end: now + 4_100,
                speed_mps: 15.0,
                to_left: true,
                at_begin: Point::default(),
                follower: None,
            }),
        };
        let rsc = lane_change_answer(&z.network.frame, [9; 8], &answer, 0, now + 100);
        z.coordinate(id, &rsc, now + 100);
        let lane_at = |z: &Zone| z.cars.iter().find(|c| c.id == id).map(|c| c.lane);
        for k in 2..10 {
            z.step(0.1, now + k * 100);
        }
        assert_eq!(
            lane_at(&z),
            Some(f64::from(network::MERGE_LANE)),
            "not before its window"
        );
        for k in 10..45 {
            z.step(0.1, now + k * 100);
        }
        assert_eq!(
            lane_at(&z),
            Some(f64::from(network::LANES)),
            "merged in its window"
        );
    }

    #[test]
    fn the_zone_map_has_the_acceleration_lane_ending_beside_lanes_that_go_on() {
        let z = Zone::anting(ZoneConfig::default());
        let frame = z.network.frame;
        let intersections: Vec<_> = (0..z.network.junctions.len())
            .flat_map(|j| {
                roadcloud_world::map::intersections_from_map(&frame, &z.network.map(j, 0))
            })
            .collect();
        let lanes = roadcloud_world::LaneIndex::new(&intersections);
        let m = z.network.merge.unwrap();
        let at = z
            .network
            .lane_point(m.flow, f64::from(network::MERGE_LANE), m.from_m + 50.0);
        let found = lanes
            .locate(at, Some(z.network.heading_deg(m.flow)))
            .unwrap();
        assert_eq!(found.lane.lane, network::MERGE_LANE);
        assert!(lanes.ends(&found.lane));
        // The lanes beside are where the cars drive, and go on.
        for lane in 1..=network::LANES {
            let p = z
                .network
                .lane_point(m.flow, f64::from(lane), m.from_m + 50.0);
            let l = lanes
                .locate(p, Some(z.network.heading_deg(m.flow)))
                .unwrap();
            assert_eq!(l.lane.lane, lane);
            assert!(l.offset_m.abs() < 0.01, "{l:?}");
            assert!(!lanes.ends(&l.lane));
        }
    }

    /// The scripted ambulance asks for the green at the junctions ahead of it, each with its
    /// straight-through phase, and reports each passed.
    #[test]
    fn the_ambulance_asks_for_the_junctions_ahead() {
        // No scripted situation (another ambulance) meanwhile.
        let mut z = Zone::anting(ZoneConfig {
            script_every_s: 1e9,
            ..ZoneConfig::default()
        });
        let flow = z.network.flows()[0];
        z.add_car(flow, 2.0, 0.0, 15.0, true, Some(Script::Emergency));
        let (mut asked, mut completed) = (Vec::new(), Vec::new());
        for k in 0..1_200 {
            let now = 1_795_824_000_000 + k * 100;
            z.step(0.1, now);
            for (topic, m) in z.priority_requests(now) {
                assert!(topic.ends_with("/VIR/UP"));
                let csae::MessageFrame::MsgFrameExt(e) = m else {
                    panic!()
                };
                let csae::Day2Message::VehIntentionAndRequest(vir) = e.value else {
                    panic!()
                };
                for r in vir.int_and_req.reqs.into_iter().flatten() {
                    let Some(csae::ReqInfo::SignalPriority(p)) = r.info else {
                        panic!()
                    };
                    assert_eq!(
                        p.required_mov.phase_id.map(|x| x.0),
                        Some(z.network.straight_phase(flow))
                    );
                    if r.status == csae::ReqStatus::Complete {
                        completed.push(p.intersection_id.id.0);
                    } else {
                        asked.push(p.intersection_id.id.0);
                    }
                }
            }
        }
        let stops: Vec<u16> = z
            .network
            .stops(flow)
            .iter()
            .map(|(j, _)| z.network.junctions[*j].node)
            .collect();
        assert!(!stops.is_empty());
        for n in &stops {
            assert!(asked.contains(n), "{n} never asked: {asked:?}");
            assert_eq!(
                completed.iter().filter(|c| *c == n).count(),
                1,
                "{completed:?}"
            );
        }
    }

    /// A car on Moyu Road looking for a place asks for one; guided to a slot, it turns into
    /// the car park and stands in its slot once it has driven there; refused, it drives on.
    #[test]
    fn a_car_looking_for_a_place_asks_and_turns_in_when_guided() {
        use roadcloud_world::parking::CarPark as Announced;
        let mut z = Zone::anting(ZoneConfig {
            script_every_s: 1e9,
            ..ZoneConfig::default()
        });
        // Every slot free.
        z.car_park = CarPark::moyu(1, 0.0);
        let flow = Flow {
            road: MOYU_RD,
            forward: true,
        };
        // Moyu Rd runs from 300 m west of Anhong Rd: 260 m east of it is 70 m before the
        // car park.
        z.add_car(flow, 1.0, 560.0, 11.0, true, None);
        let id = z.cars.last().unwrap().id;
        assert!(z.look_for_parking());
        assert!(z.cars.last().unwrap().seeks_parking);
        assert!(
            !z.look_for_parking(),
            "one at a time, and nobody else is there"
        );
        let asks = z.parking_requests(0);
        assert_eq!(asks.len(), 1);
        assert!(asks[0].0.ends_with("/VIR/UP"), "{}", asks[0].0);
        // Roadcloud's answer: the car park's PAM, with the way to slot 105 for it.
        let frame = z.network.frame;
        let mut pam = z.car_park.pam(&frame, 0);
        let free = z.car_park.available();
        pam.parking_area_guidance = Some(vec![csae::ParkingGuide {
            veh_id: id,
            drive_path: [1, 2, 3].map(csae::PAMNodeID).to_vec(),
            target_parking_slot: Some(105),
        }]);
        z.parking_guidance(id, &pam, 0);
        assert!(z.cars.iter().all(|c| c.id != id), "it turned in");
        assert_eq!(z.car_park.guided, 1);
        z.car_park.step(0.0, 60_000);
        assert_eq!(z.car_park.available(), free - 1);
        let announced = Announced::from_pam(&frame, [0; 8], &z.car_park.pam(&frame, 0), 0);
        assert_eq!(
            announced.slot(105).unwrap().state,
            roadcloud_world::parking::SlotState::Occupied
        );
        // Another, refused (no guidance for it), drives on.
        z.add_car(flow, 1.0, 560.0, 11.0, true, None);
        let other = z.cars.last().unwrap().id;
        assert!(z.look_for_parking());
        pam.parking_area_guidance = None;
        z.parking_guidance(other, &pam, 1_000);
        let c = z.cars.iter().find(|c| c.id == other).expect("on the road");
        assert!(!c.seeks_parking);
    }
}
