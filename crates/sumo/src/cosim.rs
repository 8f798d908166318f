//! SUMO as a child process driven step by step over TraCI: where every vehicle, pedestrian
//! and traffic light is after each step.

use crate::bridge::{PersonSample, SignalSample, VehicleSample};
use crate::traci::{Client, Value, ids};
use std::collections::{HashMap, HashSet};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to start SUMO.
#[derive(Debug, Clone)]
pub struct SumoOptions {
    /// `SUMO_HOME`: the binary is `$SUMO_HOME/bin/sumo`.
    pub sumo_home: PathBuf,
    /// The `.sumocfg` file.
    pub config: PathBuf,
    /// Step length, seconds.
    pub step_s: f64,
    /// Where SUMO's SSM device writes its conflicts, when it is to run on every vehicle.
    pub ssm_file: Option<PathBuf>,
    /// How long a lane change takes, seconds (`--lanechange.duration`); None: SUMO's
    /// default, a lane's width in one step.
    pub lane_change_s: Option<f64>,
    /// More SUMO options.
    pub extra: Vec<String>,
}

/// The vehicle variables the bridge subscribes to.
const VEHICLE_VARS: [u8; 10] = [
    ids::VAR_POSITION,
    ids::VAR_SPEED,
    ids::VAR_ANGLE,
    ids::VAR_ACCELERATION,
    ids::VAR_LENGTH,
    ids::VAR_WIDTH,
    ids::VAR_VEHICLECLASS,
    ids::VAR_SIGNALS,
    ids::VAR_LANE_ID,
    ids::VAR_LANEPOSITION,
];

/// What one step brought.
#[derive(Debug, Clone, Default)]
pub struct Step {
    /// Simulation time after the step, seconds.
    pub time_s: f64,
    /// Vehicles in the network.
    pub vehicles: Vec<VehicleSample>,
    /// Pedestrians.
    pub persons: Vec<PersonSample>,
    /// Traffic lights.
    pub signals: Vec<SignalSample>,
    /// Vehicles that collided in this step (SUMO counts each party).
    pub colliding: u32,
    /// Nothing is left to simulate.
    pub done: bool,
}

/// How long [`Sumo::close`] waits for SUMO to write its outputs and exit.
pub const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Has the kernel end SUMO when the thread that started it ends, whatever ends it (a
/// `kill -9` of roadcloud included): a co-simulation never leaves SUMO behind.
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut Command) {
    let parent = std::process::id();
    // SAFETY: runs in the child between fork and exec, where only async-signal-safe calls
    // are allowed; prctl is a plain system call.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // roadcloud ended before the line above took effect.
            if libc::getppid() as u32 != parent {
                return Err(io::Error::other("roadcloud ended while starting SUMO"));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut Command) {}

/// A running SUMO.
pub struct Sumo {
    child: Child,
    client: Client,
    step_s: f64,
    time_s: f64,
    subscribed: HashSet<String>,
    tls: Vec<String>,
}

/// The network file a `.sumocfg` names.
pub fn net_file(config: &Path) -> io::Result<PathBuf> {
    let text = std::fs::read_to_string(config)?;
    let at = text.find("<net-file").ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} names no <net-file>", config.display()),
        )
    })?;
    let value = text[at..]
        .split("value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "<net-file> without a value"))?;
    Ok(config.parent().unwrap_or(Path::new(".")).join(value))
}

/// When the simulation a `.sumocfg` sets ends (`<time>`'s `<end value=..>`), simulated
/// seconds; None when the file leaves it to SUMO's default (no end).
pub fn scenario_end(config: &Path) -> io::Result<Option<f64>> {
    let text = std::fs::read_to_string(config)?;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut end = None;
    loop {
        let ev = reader.read_event().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not XML: {e}", config.display()),
            )
        })?;
        let e = match &ev {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => e,
            quick_xml::events::Event::Eof => break,
            _ => continue,
        };
        if e.name().as_ref() != "end" {
            continue;
        }
        end = e
            .attributes()
            .filter_map(Result::ok)
            .find(|a| a.key.as_ref() == "value")
            .and_then(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()?
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            // SUMO takes a negative end as "no end".
            .filter(|v| *v >= 0.0);
    }
    Ok(end)
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Sumo {
    /// Starts `$SUMO_HOME/bin/sumo` on `options.config` with a TraCI port and connects.
    pub fn start(options: &SumoOptions) -> io::Result<Sumo> {
        let binary = options.sumo_home.join("bin").join("sumo");
        if !binary.exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "no SUMO binary at {} (install SUMO with scripts/sumo.sh and set SUMO_HOME)",
                    binary.display()
                ),
            ));
        }
        let port = free_port()?;
        let mut cmd = Command::new(&binary);
        cmd.arg("-c")
            .arg(&options.config)
            .args(["--remote-port", &port.to_string()])
            .args(["--step-length", &options.step_s.to_string()])
            .args(["--no-step-log", "true", "--no-warnings", "true"])
            .env("SUMO_HOME", &options.sumo_home)
            .env("PROJ_DATA", options.sumo_home.join("data/proj"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // Its own process group: a Ctrl-C at the terminal goes to roadcloud, which ends
            // SUMO itself after writing what ran, not to SUMO in the middle of a step.
            .process_group(0);
        die_with_parent(&mut cmd);
        if let Some(s) = options.lane_change_s {
            cmd.args(["--lanechange.duration", &s.to_string()]);
        }
        if let Some(f) = &options.ssm_file {
            // A crossing whose two vehicles pass the conflict point within 2 s of each other
            // (PET, SUMO's default threshold) is recorded too: the near miss of a driver who
            // turned across traffic, gave way late, or went first.
            cmd.args(["--device.ssm.probability", "1"])
                .args(["--device.ssm.measures", "TTC DRAC PET"])
                .args(["--device.ssm.thresholds", "4.0 3.0 2.0"])
                .args(["--device.ssm.trajectories", "false"])
                .arg("--device.ssm.file")
                .arg(f);
        }
        cmd.args(&options.extra);
        let mut child = cmd.spawn().map_err(|e| {
            io::Error::new(e.kind(), format!("cannot start {}: {e}", binary.display()))
        })?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut client = loop {
            match Client::connect(addr) {
                Ok(c) => break c,
                Err(e) => {
                    if let Some(status) = child.try_wait()? {
                        return Err(io::Error::other(format!(
                            "SUMO ended ({status}) before accepting TraCI: check {}",
                            options.config.display()
                        )));
                    }
                    if Instant::now() > deadline {
                        let _ = child.kill();
                        return Err(e);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        client.version()?;
        client.subscribe_many(
            ids::SUBSCRIBE_SIM,
            &[""],
            &[
                ids::VAR_DEPARTED_VEHICLES_IDS,
                ids::VAR_ARRIVED_VEHICLES_IDS,
                ids::VAR_MIN_EXPECTED_VEHICLES,
                ids::VAR_TIME,
                ids::VAR_COLLIDING_VEHICLES_NUMBER,
            ],
        )?;
        let tls = match client
            .get_many(&[(ids::GET_TL, ids::ID_LIST, "")])?
            .pop()
            .flatten()
        {
            Some(Value::StrList(l)) => l,
            _ => Vec::new(),
        };
        Ok(Sumo {
            child,
            client,
            step_s: options.step_s,
            time_s: 0.0,
            subscribed: HashSet::new(),
            tls,
        })
    }

    /// Runs one step and reads where everything is.
    pub fn step(&mut self) -> io::Result<Step> {
        let subs = self.client.step(0.0)?;
        let mut step = Step::default();
        let mut departed = Vec::new();
        let mut expected = 1.0;
        for ((response, obj), vars) in &subs {
            match *response {
                // Simulation variables.
                0xeb => {
                    if let Some(Value::StrList(l)) = vars.get(&ids::VAR_DEPARTED_VEHICLES_IDS) {
                        departed.extend(l.iter().cloned());
                    }
                    if let Some(Value::StrList(l)) = vars.get(&ids::VAR_ARRIVED_VEHICLES_IDS) {
                        for id in l {
                            self.subscribed.remove(id);
                        }
                    }
                    if let Some(t) = vars.get(&ids::VAR_TIME).and_then(Value::as_f64) {
                        self.time_s = t;
                    }
                    step.colliding = vars
                        .get(&ids::VAR_COLLIDING_VEHICLES_NUMBER)
                        .and_then(Value::as_f64)
                        .map_or(0, |n| n.max(0.0) as u32);
                    expected = vars
                        .get(&ids::VAR_MIN_EXPECTED_VEHICLES)
                        .and_then(Value::as_f64)
                        .unwrap_or(1.0);
                }
                // Vehicle variables.
                0xe4 => step.vehicles.push(vehicle(obj, vars)),
                _ => {}
            }
        }
        step.vehicles.sort_by(|a, b| a.id.cmp(&b.id));
        let new: Vec<&str> = departed
            .iter()
            .filter(|id| !self.subscribed.contains(*id))
            .map(String::as_str)
            .collect();
        self.client
            .subscribe_many(ids::SUBSCRIBE_VEHICLE, &new, &VEHICLE_VARS)?;
        self.subscribed.extend(new.iter().map(|s| s.to_string()));
        step.persons = self.persons()?;
        step.signals = self.signals()?;
        step.time_s = self.time_s;
        step.done = expected <= 0.0 && step.persons.is_empty();
        Ok(step)
    }

    fn persons(&mut self) -> io::Result<Vec<PersonSample>> {
        let ids_now = match self
            .client
            .get_many(&[(ids::GET_PERSON, ids::ID_LIST, "")])?
            .pop()
            .flatten()
        {
            Some(Value::StrList(l)) => l,
            _ => return Ok(Vec::new()),
        };
        let reads: Vec<(u8, u8, &str)> = ids_now
            .iter()
            .flat_map(|id| {
                [ids::VAR_POSITION, ids::VAR_SPEED, ids::VAR_ANGLE]
                    .map(|v| (ids::GET_PERSON, v, id.as_str()))
            })
            .collect();
        let values = self.client.get_many(&reads)?;
        Ok(ids_now
            .iter()
            .zip(values.chunks(3))
            .filter_map(|(id, v)| {
                let Some(Value::Pos2d(x, y)) = v[0].clone() else {
                    return None;
                };
                Some(PersonSample {
                    id: id.clone(),
                    x,
                    y,
                    speed_mps: v[1].as_ref().and_then(Value::as_f64).unwrap_or(0.0),
                    angle_deg: v[2].as_ref().and_then(Value::as_f64).unwrap_or(0.0),
                })
            })
            .collect())
    }

    fn signals(&mut self) -> io::Result<Vec<SignalSample>> {
        const CURRENT_PHASE: u8 = 0x28;
        let reads: Vec<(u8, u8, &str)> = self
            .tls
            .iter()
            .flat_map(|id| {
                [
                    ids::TL_RED_YELLOW_GREEN_STATE,
                    ids::TL_NEXT_SWITCH,
                    CURRENT_PHASE,
                ]
                .map(|v| (ids::GET_TL, v, id.as_str()))
            })
            .collect();
        let values = self.client.get_many(&reads)?;
        Ok(self
            .tls
            .iter()
            .zip(values.chunks(3))
            .filter_map(|(id, v)| {
                let Some(Value::Str(state)) = &v[0] else {
                    return None;
                };
                Some(SignalSample {
                    tls: id.clone(),
                    state: state.clone(),
                    next_switch_s: v[1].as_ref().and_then(Value::as_f64).unwrap_or(0.0),
                    phase: v[2]
                        .as_ref()
                        .and_then(Value::as_f64)
                        .unwrap_or(0.0)
                        .max(0.0) as usize,
                })
            })
            .collect())
    }

    /// Has vehicles slow down: (SUMO id, speed m/s, over seconds). Those that have left are
    /// skipped.
    pub fn slow_down(&mut self, orders: &[(&str, f64, f64)]) -> io::Result<usize> {
        self.client.slow_down_many(orders)
    }

    /// The edges of a vehicle's route; None when it has left.
    pub fn route(&mut self, vehicle: &str) -> io::Result<Option<Vec<String>>> {
        Ok(
            match self
                .client
                .get_many(&[(ids::GET_VEHICLE, ids::VAR_EDGES, vehicle)])?
                .pop()
                .flatten()
            {
                Some(Value::StrList(edges)) => Some(edges),
                _ => None,
            },
        )
    }

    /// Sets traffic lights' variables: (variable, traffic light, value); returns how many
    /// SUMO took.
    pub fn set_signals(&mut self, sets: &[(u8, String, crate::traci::Set)]) -> io::Result<usize> {
        let sets: Vec<(u8, &str, crate::traci::Set)> = sets
            .iter()
            .map(|(var, tls, v)| (*var, tls.as_str(), v.clone()))
            .collect();
        self.client.set_many(ids::SET_TL, &sets)
    }

    /// Sets vehicles' variables: (variable, SUMO vehicle id, value); those that have left
    /// are skipped. Returns how many SUMO took.
    pub fn set_vehicles(&mut self, sets: &[(u8, String, crate::traci::Set)]) -> io::Result<usize> {
        let sets: Vec<(u8, &str, crate::traci::Set)> = sets
            .iter()
            .map(|(var, id, v)| (*var, id.as_str(), v.clone()))
            .collect();
        self.client.set_many(ids::SET_VEHICLE, &sets)
    }

    /// The step length, seconds.
    pub fn step_s(&self) -> f64 {
        self.step_s
    }

    /// Ends the simulation (SUMO writes its outputs) and waits for SUMO to exit, ending it
    /// after [`CLOSE_WAIT`] if it has not.
    pub fn close(mut self) -> io::Result<()> {
        let closed = self.client.close();
        let deadline = Instant::now() + CLOSE_WAIT;
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        closed
    }
}

impl Drop for Sumo {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn vehicle(id: &str, vars: &HashMap<u8, Value>) -> VehicleSample {
    let f = |k| vars.get(&k).and_then(Value::as_f64).unwrap_or(0.0);
    let (x, y) = match vars.get(&ids::VAR_POSITION) {
        Some(Value::Pos2d(x, y)) => (*x, *y),
        _ => (0.0, 0.0),
    };
    VehicleSample {
        id: id.to_string(),
        x,
        y,
        speed_mps: f(ids::VAR_SPEED),
        angle_deg: f(ids::VAR_ANGLE),
        accel_mps2: f(ids::VAR_ACCELERATION),
        length_m: f(ids::VAR_LENGTH).max(1.0),
        width_m: f(ids::VAR_WIDTH).max(0.5),
        class: match vars.get(&ids::VAR_VEHICLECLASS) {
            Some(Value::Str(s)) => s.clone(),
            _ => String::new(),
        },
        signals: f(ids::VAR_SIGNALS) as i32,
        lane: match vars.get(&ids::VAR_LANE_ID) {
            Some(Value::Str(s)) => s.clone(),
            _ => String::new(),
        },
        lane_pos_m: f(ids::VAR_LANEPOSITION),
    }
}
