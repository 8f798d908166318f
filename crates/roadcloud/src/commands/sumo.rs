//! `roadcloud sim sumo` and `roadcloud eval`: Eclipse SUMO co-simulation. SUMO's vehicles
//! become OBUs sending BSM, its junctions RSUs sending MAP, SPAT and RSM of its
//! pedestrians, all over MQTT to roadcloud; the advisories that come back are collected, and
//! `eval` compares them with the conflicts SUMO's SSM device records and the bridge's own
//! ground truth (`roadcloud_sumo::truth`).

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use roadcloud_node::{ListenOrOff, Node, NodeConfig};
use roadcloud_security::crypto::Algorithm;
use roadcloud_security::pki::ZonePki;
use roadcloud_signals::{PriorityCommand, SignalController as _};
use roadcloud_sim::{Attack, AttackConfig, Attackers, DeviceKeys, Label};
use roadcloud_sumo::bridge::{Bridge, device_id};
use roadcloud_sumo::cosim::{Sumo, SumoOptions, net_file, scenario_end};
use roadcloud_sumo::distraction::DistractedDrivers;
use roadcloud_sumo::eval::{self, Criteria, Received, Situation};
use roadcloud_sumo::net::Net;
use roadcloud_sumo::priority::{PriorityVehicles, TraciSignals};
use roadcloud_sumo::respond::{Heard, Responder};
use roadcloud_sumo::runners::RedLightRunners;
use roadcloud_sumo::truth::{Found, Truth};
use roadcloud_transport::mqtt::parse_broker_url;
use roadcloud_transport::now_millis;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Simulators that drive roadcloud.
#[derive(Args, Debug, Clone)]
pub struct SimArgs {
    #[command(subcommand)]
    pub command: SimCommand,
}

/// A simulator.
#[derive(Subcommand, Debug, Clone)]
pub enum SimCommand {
    Sumo(SumoArgs),
}

/// Co-simulate with Eclipse SUMO: SUMO runs the traffic, roadcloud hears it as devices.
///
/// Starts $SUMO_HOME/bin/sumo on the scenario and drives it over TraCI at 10 Hz (one step of
/// 0.1 s at a time). Each vehicle becomes an OBU publishing BSM (its centre, speed, heading,
/// acceleration, yaw rate, blinkers and brake light); each junction a road leads into an RSU
/// publishing MAP of the road sections that end there (derived from the network: lanes with
/// their shapes, connections, give-way and signal groups), RSM of the pedestrians within
/// 150 m and, at a signalised junction, SPAT (the traffic light's state, each signal group's
/// time to change). With --equipped only a share of the vehicles send; with --respond their
/// drivers heed the advisories. The network must be placed at real coordinates (netconvert
/// --proj.utm): positions are geographic. The advisories that come back on the vehicles'
/// downlinks are counted (and written with --advisories-out).
///
/// Without --broker, roadcloud runs in this process (its MQTT front end, a temporary store,
/// API on --http-listen).
///
/// Examples:
///   source scripts/sumo.sh
///   roadcloud sim sumo --sumocfg scenarios/anting-grid/anting-grid.sumocfg
///   roadcloud sim sumo --net my.net.xml --routes my.rou.xml --speed 0 --seconds 300
///   roadcloud sim sumo --sumocfg x.sumocfg --broker mqtt://127.0.0.1:1883
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct SumoArgs {
    #[command(flatten)]
    pub cosim: CosimArgs,
}

/// What a co-simulation runs on.
#[derive(Args, Debug, Clone)]
pub struct CosimArgs {
    /// The SUMO configuration (.sumocfg).
    #[arg(long, required_unless_present = "net", conflicts_with_all = ["net", "routes"])]
    pub sumocfg: Option<PathBuf>,
    /// A SUMO network (.net.xml), with --routes, instead of --sumocfg.
    #[arg(long, requires = "routes")]
    pub net: Option<PathBuf>,
    /// Route files (comma separated), with --net.
    #[arg(long)]
    pub routes: Option<String>,
    /// Where SUMO is installed (scripts/sumo.sh installs it and sets SUMO_HOME).
    #[arg(long, env = "SUMO_HOME")]
    pub sumo_home: PathBuf,
    /// A roadcloud broker to publish to, instead of running roadcloud in this process.
    #[arg(long, value_name = "URL")]
    pub broker: Option<String>,
    /// With --broker: the zone's V2X PKI folder (`roadcloud pki v2x init`) whose CAs issue
    /// the simulated devices' certificates, so they sign what they send; without it they send
    /// unsigned messages (the platform must then run with --allow-unsigned). Without --broker
    /// the embedded platform and its devices share a test zone's PKI made for the run.
    #[arg(long, value_name = "DIR", requires = "broker")]
    pub v2x_pki: Option<PathBuf>,
    /// The simulated devices send unsigned messages, and the roadcloud in this process
    /// admits them (its --allow-unsigned): for machines that cannot sign and verify every
    /// vehicle's messages in real time, which a co-simulation must keep for its timing (and
    /// misbehaviour detection's judgement of motion against time) to mean anything.
    #[arg(long, conflicts_with = "v2x_pki")]
    pub allow_unsigned: bool,
    /// The API address of the roadcloud run in this process.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub http_listen: SocketAddr,
    /// Simulated seconds per wall second: 1 is real time, 0 as fast as it goes. A step's
    /// messages go out at, and carry, the step's moment of the run (the wall clock at
    /// sending with 0), so roadcloud's own timing (advisory repeats, track expiry, latency)
    /// stays in wall time: evaluate at real time, and run faster to measure the
    /// co-simulation's throughput.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Stop after this many simulated seconds (default: at the scenario's `<end>` time, or
    /// when SUMO has nothing left). SIGINT or SIGTERM stop it at once, SUMO with it.
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Write each advisory received, with the simulation time it arrived, as JSON lines.
    #[arg(long, value_name = "FILE")]
    pub advisories_out: Option<PathBuf>,
    /// The applications' settings for the roadcloud run in this process: a config file's
    /// `[apps.ID]` tables (as `roadcloud serve --config` reads them).
    #[arg(long, value_name = "FILE")]
    pub apps_config: Option<PathBuf>,
    /// The share of SUMO's vehicles that carry an OBU (send BSM, receive advisories), 0 to
    /// 1; which ones is drawn from their ids, the same in every run.
    #[arg(long, default_value_t = 1.0, value_parser = share)]
    pub equipped: f64,
    /// The RSUs' cameras report the vehicles within 150 m of them (RSM), equipped or not, as
    /// well as the pedestrians: roadcloud fuses them with the vehicles' own BSMs and sees the
    /// vehicles without an OBU (cooperative intersection passing schedules those around the
    /// equipped ones; docs/sumo.md).
    #[arg(long)]
    pub roadside_vehicles: bool,
    /// Closed loop: SUMO's drivers heed the advisories they receive, after a reaction time
    /// of 1 to 1.5 s drawn per driver, through TraCI: warned of a vehicle ahead (FCW, EBW,
    /// AVW), braking evenly to its speed; of a red light, braking to a stop at the line;
    /// otherwise braking on an alert (4 m/s²) and slowing on a warning (2.5 m/s²) for 1.5 s
    /// (docs/sumo.md#the-closed-loop---respond). `roadcloud eval --respond` also runs the
    /// scenario without roadcloud and compares conflicts and collisions.
    #[arg(long)]
    pub respond: bool,
    /// The share of SUMO's drivers who run red lights, 0 to 1 (drawn from their ids, the same
    /// in every run): coming up to a light that turns yellow or red within 40 m of its stop
    /// line at 5 m/s or more, such a driver keeps its speed and enters on red (behind its
    /// leader still). SUMO's own drivers never do, so red light violation warnings (RLVW)
    /// have nothing to be measured against without it (docs/sumo.md, "How SUMO is driven").
    /// A runner who heeds a warning (--respond) stops for that light.
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    pub red_light_runners: f64,
    /// The share of their driving SUMO's drivers spend looking away, 0 to 1: moments of 1 to
    /// 3 s, drawn from the vehicle's id and the time (the same in every run), in which the
    /// driver holds its speed and does not brake for the vehicle ahead; a warning it reacts
    /// to (--respond) ends the moment. SUMO's own drivers never look away, so a forward
    /// collision warning only reaches drivers already braking without it
    /// (docs/sumo.md#the-closed-loop---respond).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    pub distracted: f64,
    /// The share of the equipped vehicles that lie, 0 to 1 (docs/misbehaviour.md#attackers):
    /// each, 5 s after it first sends, attacks with one of --attacks, taken in turn. They
    /// are labelled; `roadcloud eval` scores the detector against them. With attackers (or
    /// `--misbehaviour enforce`) SUMO's lane changes take 2 s instead of one step, as the
    /// misbehaviour checks need, and SSM then records few lane-change conflicts
    /// (docs/sumo.md).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    pub attackers: f64,
    /// The attacks (comma separated VeReMi Extension names, as docs/misbehaviour.md lists
    /// them: constant_position, ..., dos_disruptive_sybil); all of them by default.
    #[arg(long, value_delimiter = ',', value_parser = attack)]
    pub attacks: Vec<Attack>,
    /// Misbehaviour detection in the roadcloud run in this process (`off`, `monitor`,
    /// `enforce`, as `roadcloud serve --misbehaviour`): `monitor` unless given, for SUMO's
    /// one-step lane changes and runs faster than real time are motion no car makes, which
    /// `enforce` (serve's default) quarantines; `enforce` also makes lane changes take 2 s.
    #[arg(long, value_enum, value_name = "MODE")]
    pub misbehaviour: Option<roadcloud_misbehaviour::Mode>,
    /// Where SUMO writes each vehicle's trip (`--tripinfo-output`), for the commands that
    /// measure travel times.
    #[arg(skip)]
    pub tripinfo: Option<PathBuf>,
    /// Where SUMO writes every vehicle's and person's trajectory (its FCD output, each
    /// step, with the vehicles' signal bits), to look into why a situation was missed or an
    /// advisory had nothing behind it.
    #[arg(long, value_name = "FILE")]
    pub fcd_out: Option<PathBuf>,
    /// Applications switched on or off over the settings (`[apps.ID] enabled`), for the
    /// commands that compare runs with and without one.
    #[arg(skip)]
    pub apps_switched: Vec<(String, bool)>,
    /// The share of equipped vehicles that ask, once a second, what lies on the road ahead
    /// (sensor data sharing), for the command that scores the answers.
    #[arg(skip)]
    pub sds_share: f64,
    /// Open loop: the vehicles and junctions carry out nothing roadcloud sends them (no RSC
    /// coordination, no signal priority command), so SUMO's traffic is SUMO's own, the same
    /// in every run. `roadcloud eval` without `--respond` runs so: otherwise cooperative
    /// intersection passing drove the equipped vehicles at junctions without signals by the
    /// slots it gave them, as they came in time, and no two runs had the same traffic.
    #[arg(skip)]
    pub open_loop: bool,
}

impl CosimArgs {
    /// The scenario as the reports name it: the `.sumocfg`, else the network.
    pub(crate) fn scenario_name(&self) -> String {
        self.sumocfg
            .as_deref()
            .or(self.net.as_deref())
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    /// How long SUMO's lane changes take: 2 s, as drivers make them, when misbehaviour
    /// detection judges the run (`--attackers`, or `--misbehaviour enforce`), for SUMO's
    /// default moves a vehicle a lane's width in one step, which no car does and which the
    /// checks rightly find implausible; otherwise SUMO's default, which its SSM device is
    /// built for: with lane changes over 2 s SSM records almost none of the conflicts lane
    /// changes make (on the bundled motorway, 2 in 600 s instead of 188).
    fn lane_change_s(&self) -> Option<f64> {
        let judged = self.attackers > 0.0
            || self.misbehaviour == Some(roadcloud_misbehaviour::Mode::Enforce);
        judged.then_some(2.0)
    }
}

pub(crate) fn attack(s: &str) -> Result<Attack, String> {
    Attack::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Attack::ALL.iter().map(|a| a.as_str()).collect();
        format!("no attack {s:?}: one of {}", names.join(", "))
    })
}

pub(crate) fn share(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not a share between 0 and 1"))
    }
}

/// Evaluate roadcloud's warnings against what happened in SUMO, application by application.
///
/// Runs the co-simulation (as `roadcloud sim sumo`) with SUMO's SSM device on every vehicle
/// (TTC and DRAC, thresholds 4 s and 3 m/s²) and watches SUMO's exact state for what SSM does
/// not record: hard braking ahead of close followers (EBW), entries on red and hard stops for
/// red (RLVW; a hard stop backs an advisory but needed none), lane
/// changes into occupied gaps (LCW), pedestrians on collision course (VRUCW), and which way
/// vehicles turn (SSM's crossing conflicts with a left turner are LTA's, the others ICW's;
/// car-following ones FCW's). For each application: critical situations (minimum TTC under
/// --critical-ttc-s where there is one), which of them its advisory reached the target in
/// time (at least --lead-s before the minimum-TTC moment), and its advisories with nothing
/// behind them within --window-s; of those, the ones whose vehicle left the simulation
/// before their conflict could come are not judged, and precision is over the rest. FCW's car-following conflicts below 11.1 m/s lie outside
/// the operating range ISO 15623 requires and are counted apart (recall_all keeps them).
/// Prints the tables and writes a report with plots to --report-dir; --report-json writes
/// the figures (all applications together at the top, each in "applications"). Stops at the
/// scenario's `<end>`; on SIGINT or SIGTERM, at once, with the report of what ran marked
/// partial, and exit status 1. The ground truth is defined in docs/sumo.md.
///
/// An open loop unless --respond: the vehicles and junctions carry out nothing roadcloud
/// sends (advisories, RSC coordination, signal priority commands), so every run of a
/// scenario has SUMO's own traffic and the same situations to be warned of.
///
/// With --attackers, a share of the vehicles lie (the VeReMi Extension attacks, labelled),
/// and the report adds how misbehaviour detection fared: per attack, the attackers detected
/// and how soon, the honest vehicles reported, and the advisories resting on attackers
/// (misbehaviour.json; every report in misbehaviour.jsonl). See docs/misbehaviour.md.
///
/// Examples:
///   source scripts/sumo.sh
///   roadcloud eval --sumocfg scenarios/anting-grid/anting-grid.sumocfg --seconds 180
///   roadcloud eval --sumocfg scenarios/motorway/motorway.sumocfg --report-json eval.json
///   roadcloud eval --sumocfg scenarios/anting-grid/anting-grid.sumocfg --allow-unsigned \
///     --attackers 0.1 --misbehaviour enforce
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct EvalArgs {
    #[command(flatten)]
    pub cosim: CosimArgs,
    /// Where the report (report.md, SVG plots, ssm.xml, advisories.jsonl, and to look into
    /// advisories and misses advisory_lanes.jsonl and situations.jsonl) goes.
    #[arg(long, default_value = "eval-report")]
    pub report_dir: PathBuf,
    /// Write the figures as JSON here too.
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Conflicts with a minimum TTC below this are critical, seconds.
    #[arg(long, default_value_t = 2.0)]
    pub critical_ttc_s: f64,
    /// A warning must come this long before the minimum-TTC moment, seconds.
    #[arg(long, default_value_t = 1.0)]
    pub lead_s: f64,
    /// How far from a conflict a warning may be and still be about it, seconds.
    #[arg(long, default_value_t = 2.0)]
    pub window_s: f64,
    /// With --respond: the co-simulation carries out only the drivers' reactions to
    /// advisories, not what the Day-2 services send (intersection passing's slots, merges,
    /// signal priority), so that the warnings' effect on the road is measured apart from
    /// theirs (docs/sumo.md#the-closed-loop---respond).
    #[arg(long, requires = "respond")]
    pub warnings_only: bool,
}

/// What a co-simulation did.
pub(crate) struct Outcome {
    pub(crate) sim_s: f64,
    pub(crate) wall_s: f64,
    sumo_s: f64,
    steps: u64,
    pub(crate) max_vehicles: usize,
    published: u64,
    /// Advisories received: simulation time, the advisory.
    advisories: Vec<(f64, Value)>,
    /// SUMO ids by device id.
    ids: HashMap<[u8; 8], String>,
    /// The signal that stopped the run before its end, if one did.
    pub(crate) interrupted: Option<&'static str>,
    /// What happened that SSM does not record (when evaluating): events and movements.
    truth: Found,
    /// Vehicles that collided, as SUMO counts them (each party of a collision).
    pub(crate) colliding: u64,
    /// Drivers' reactions to advisories carried out (closed loop).
    pub(crate) reactions: usize,
    /// The attackers (with --attackers).
    labels: Vec<Label>,
    /// When each equipped vehicle was first and last seen, ms since the epoch.
    present: HashMap<[u8; 8], (i64, i64)>,
    /// The data directory of the roadcloud run in this process.
    data_dir: Option<PathBuf>,
    /// What the priority vehicles asked and the junctions did.
    pub(crate) priority: PriorityOutcome,
    /// The sensor-sharing requests sent, with their ground truth.
    pub(crate) sds_asked: Vec<roadcloud_sumo::sds::Asked>,
    /// The SSMs that came back: (simulation time, requester, the vehicles shared), as
    /// SUMO ids.
    pub(crate) sds_answers: Vec<SdsAnswer<String>>,
    /// What the merging vehicles asked and did.
    pub(crate) merging: MergeOutcome,
    /// What the vehicles at junctions without signals declared and got.
    pub(crate) passing: PassingOutcome,
    /// Yellow or red lights the runners (--red-light-runners) drove on at.
    pub(crate) red_light_runs: u64,
    /// Moments the drivers looked away (--distracted), and of them those a warning ended.
    pub(crate) looking_away: (u64, u64),
}

/// What the vehicles coming to junctions without signals declared and got.
#[derive(Debug, Default)]
pub(crate) struct PassingOutcome {
    /// Declarations (VIR) sent.
    pub(crate) declarations: u64,
    /// Slots (RSC) received.
    pub(crate) slots: u64,
}

/// What the vehicles on lanes that end (acceleration lanes) asked and how they merged.
#[derive(Debug, Default)]
pub(crate) struct MergeOutcome {
    /// VIRs they sent (lane change requests, rampIn).
    pub(crate) requests: u64,
    /// Windows they received (RSC).
    pub(crate) windows: u64,
    /// Slow-downs received by vehicles asked to make a gap.
    pub(crate) slowdowns: u64,
    /// Every merge, by SUMO vehicle id.
    pub(crate) merges: BTreeMap<String, roadcloud_sumo::merge::Merge>,
    /// Vehicle-seconds of hard braking on the sections with a lane that ends.
    pub(crate) hard_braking_s: f64,
}

/// An SSM answering a sensor-sharing request: (simulation time it came, the requester, the
/// vehicles it shares, where the pedestrians it shares are in the bridge's frame).
pub(crate) type SdsAnswer<Id> = (f64, Id, Vec<Id>, Vec<roadcloud_world::Point>);

/// What the priority vehicles asked and the junctions' controllers did in a run.
#[derive(Debug, Default)]
pub(crate) struct PriorityOutcome {
    /// VIRs the emergency vehicles sent.
    pub(crate) requests: u64,
    /// Priority commands the controllers carried out.
    pub(crate) commands_taken: u64,
    /// Priority commands they could not read or carry out.
    pub(crate) commands_refused: u64,
    /// The edges of the emergency vehicles' routes.
    pub(crate) corridor: std::collections::BTreeSet<String>,
    /// The emergency vehicles (SUMO ids).
    pub(crate) emergency: std::collections::BTreeSet<String>,
}

impl Outcome {
    /// The advisories received, counted by scenario.
    pub(crate) fn by_scenario(&self) -> BTreeMap<&str, usize> {
        let mut by = BTreeMap::new();
        for (_, a) in &self.advisories {
            *by.entry(a["scenario"].as_str().unwrap_or("?")).or_default() += 1;
        }
        by
    }
}

/// `roadcloud sim sumo`.
pub fn sim(args: &SimArgs) -> Result<()> {
    let SimCommand::Sumo(a) = &args.command;
    let runtime = runtime()?;
    let scratch = tempfile::tempdir().context("cannot make a temporary directory")?;
    let out = runtime.block_on(cosimulate(
        a.cosim.clone(),
        None,
        scratch.path().to_path_buf(),
        None,
    ))?;
    println!(
        "simulated {:.1} s in {:.1} s ({:.2}x real time; SUMO's own share {:.1} s), {} steps, up to {} vehicles, {} messages published",
        out.sim_s,
        out.wall_s,
        out.sim_s / out.wall_s.max(1e-9),
        out.sumo_s,
        out.steps,
        out.max_vehicles,
        out.published
    );
    println!(
        "advisories received: {} {:?}",
        out.advisories.len(),
        out.by_scenario()
    );
    println!(
        "vehicles in collisions: {}; drivers' reactions to advisories: {}; red light runners drove on at {} yellow or red lights; drivers looked away {} times, {} of them ended by a warning",
        out.colliding, out.reactions, out.red_light_runs, out.looking_away.0, out.looking_away.1
    );
    match out.interrupted {
        Some(signal) => bail!("interrupted by {signal} at {:.1} s simulated", out.sim_s),
        None => Ok(()),
    }
}

/// `roadcloud eval`.
pub fn eval(args: &EvalArgs) -> Result<()> {
    std::fs::create_dir_all(&args.report_dir).with_context(|| {
        format!(
            "cannot create the report directory {}",
            args.report_dir.display()
        )
    })?;
    let ssm = std::fs::canonicalize(&args.report_dir)?.join("ssm.xml");
    let runtime = runtime()?;
    let scratch = tempfile::tempdir().context("cannot make a temporary directory")?;
    // The closed loop's reference: the same scenario without roadcloud (SUMO alone, as
    // fast as it goes).
    let without = if args.cosim.respond {
        let path = std::fs::canonicalize(&args.report_dir)?.join("ssm-without-roadcloud.xml");
        let config = config_for(&args.cosim, scratch.path())?;
        let alone = runtime.block_on(sumo_alone(&args.cosim, &config, &path))?;
        let xml = std::fs::read_to_string(&path)
            .with_context(|| format!("SUMO wrote no SSM output at {}", path.display()))?;
        let conflicts = roadcloud_sumo::ssm::read(&xml).map_err(anyhow::Error::msg)?;
        Some((alone, conflicts))
    } else {
        None
    };
    let mut cosim = args.cosim.clone();
    // Open loop unless the drivers respond: the applications are measured against SUMO's
    // own traffic. With --warnings-only the drivers respond, the Day-2 services' commands
    // are not carried out.
    cosim.open_loop = !args.cosim.respond || args.warnings_only;
    cosim.advisories_out = Some(
        cosim
            .advisories_out
            .clone()
            .unwrap_or_else(|| args.report_dir.join("advisories.jsonl")),
    );
    let out = runtime.block_on(cosimulate(
        cosim,
        Some(ssm.clone()),
        scratch.path().to_path_buf(),
        None,
    ))?;
    let xml = std::fs::read_to_string(&ssm)
        .with_context(|| format!("SUMO wrote no SSM output at {}", ssm.display()))?;
    let conflicts = roadcloud_sumo::ssm::read(&xml).map_err(anyhow::Error::msg)?;
    let sumo_id = |hex: &str| -> Option<String> {
        let id = roadcloud_transport::DeviceId::parse(hex)?;
        out.ids.get(&id.0).cloned()
    };
    let received: Vec<Received> = out
        .advisories
        .iter()
        .filter_map(|(t, a)| {
            Some(Received {
                at_s: *t,
                scenario: a["scenario"].as_str()?.to_string(),
                target: sumo_id(a["target"].as_str()?)?,
                other: a["others"][0]["id"].as_str().and_then(sumo_id),
                ttc_s: a["ttc_s"].as_f64(),
            })
        })
        .collect();
    let criteria = Criteria {
        critical_ttc_s: args.critical_ttc_s,
        lead_s: args.lead_s,
        window_s: args.window_s,
    };
    let mut situations = eval::situations(&conflicts, &out.truth, criteria);
    // With a share of vehicles equipped, only what an equipped vehicle could be warned of
    // counts.
    let equipped = |v: &str| roadcloud_sumo::respond::equipped(v, args.cosim.equipped);
    situations.retain(|s| {
        equipped(&s.target) || (s.either_way && s.other.as_deref().is_some_and(equipped))
    });
    let r = eval::evaluate(
        &conflicts,
        &situations,
        &received,
        &out.truth.seen,
        criteria,
    );
    // What SUMO had as the lanes of an advisory's target and other when it arrived, and
    // whether it had something behind it (for the applications evaluated): to see why an
    // advisory had nothing behind it.
    let lanes_path = args.report_dir.join("advisory_lanes.jsonl");
    let mut lanes = String::new();
    for (w, backed) in received.iter().zip(&r.backed) {
        let lane = |v: &str| out.truth.lanes.at(v, w.at_s).unwrap_or("").to_string();
        lanes += &json!({
            "sim_s": w.at_s,
            "scenario": w.scenario,
            "target": w.target,
            "target_lane": lane(&w.target),
            "other": w.other,
            "other_lane": w.other.as_deref().map(lane),
            "backed": backed,
        })
        .to_string();
        lanes.push('\n');
    }
    std::fs::write(&lanes_path, lanes)
        .with_context(|| format!("cannot write {}", lanes_path.display()))?;
    write_situations(&args.report_dir, &situations, &r, &out.truth)?;
    let scenario = args.cosim.scenario_name();
    let closed_loop = without.map(|(alone, before)| {
        let severe = |c: &[roadcloud_sumo::ssm::Conflict]| {
            let severe: Vec<_> = c
                .iter()
                .filter(|c| c.min_ttc.is_some_and(|(_, v)| v < SEVERE_TTC_S))
                .collect();
            super::eval_report::Severe {
                all: severe.len(),
                slow_following: severe.iter().filter(|c| eval::below_fcw_range(c)).count(),
            }
        };
        super::eval_report::ClosedLoop {
            equipped: args.cosim.equipped,
            without_simulated_s: alone.sim_s,
            severe_without: severe(&before),
            severe_with: severe(&conflicts),
            colliding_without: alone.colliding,
            colliding_with: out.colliding,
            red_entries_without: alone.red_entries,
            red_entries_with: red_entries(&out.truth),
            reactions: out.reactions,
            looking_away_without: alone.looking_away,
            looking_away_with: out.looking_away,
        }
    });
    let report = super::eval_report::Written {
        scenario: &scenario,
        out: &out,
        report: &r,
        criteria,
        closed_loop,
    };
    print!("{}", report.table());
    report.write(&args.report_dir, args.report_json.as_deref())?;
    // A step's messages carry its moment of the run: a co-simulation slower than it was
    // asked to run sends them late.
    if args.cosim.speed > 0.0 && out.sim_s / out.wall_s.max(1e-9) < 0.95 * args.cosim.speed {
        println!(
            "warning: the co-simulation ran at {:.2}x real time, not {}x: its messages went out later than the moments they carry, which shortens lead times and drops those older than admission's window; run with fewer vehicles, --allow-unsigned, or on a faster machine",
            out.sim_s / out.wall_s.max(1e-9),
            args.cosim.speed
        );
    }
    if !out.labels.is_empty() {
        match &out.data_dir {
            Some(dir) => {
                let figures = super::attack_eval::Figures::read(dir, &out.labels, &out.present)?;
                print!("{}", figures.text);
                figures.write(&args.report_dir)?;
            }
            None => println!(
                "misbehaviour: {} attackers; their reports are in the roadcloud at --broker (GET /api/v1/misbehaviour)",
                out.labels.len()
            ),
        }
    }
    println!("report in {}", args.report_dir.display());
    match out.interrupted {
        Some(signal) => bail!(
            "interrupted by {signal} at {:.1} s simulated: the report in {} covers what ran (marked partial)",
            out.sim_s,
            args.report_dir.display()
        ),
        None => Ok(()),
    }
}

/// `situations.jsonl` in the report folder: each critical situation, when it was first warned
/// of and the SUMO lanes of its pair at its key moment, to see why one was missed.
fn write_situations(
    dir: &Path,
    situations: &[Situation],
    report: &eval::Report,
    truth: &Found,
) -> Result<()> {
    let path = dir.join("situations.jsonl");
    let mut text = String::new();
    for &(i, first) in &report.first_warnings {
        let s = &situations[i];
        let lane = |v: &str| truth.lanes.at(v, s.key_s).unwrap_or("").to_string();
        text += &json!({
            "application": if s.scenario.is_empty() { None } else { Some(s.scenario) },
            "target": s.target,
            "target_lane": lane(&s.target),
            "other": s.other,
            "other_lane": s.other.as_deref().map(lane),
            "key_s": s.key_s,
            "min_ttc_s": s.ttc_s,
            "in_range": s.in_range,
            "first_warning_s": first,
            "in_time": first.is_some_and(|t| t <= s.deadline_s),
        })
        .to_string();
        text.push('\n');
    }
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// When a run on `config` stops, simulated seconds: the scenario's own end, unless --seconds
/// ends it sooner (None: when SUMO has nothing left).
fn run_limit(args: &CosimArgs, config: &Path) -> Result<Option<f64>> {
    let end = scenario_end(config).with_context(|| format!("cannot read {}", config.display()))?;
    Ok(match (args.seconds, end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// Conflicts with a minimum TTC under this count in the closed loop's comparison, seconds.
pub(crate) const SEVERE_TTC_S: f64 = 1.5;

/// What SUMO alone did on the scenario (the closed loop's reference).
struct Alone {
    /// Simulated seconds.
    sim_s: f64,
    /// Vehicles in collisions.
    colliding: u64,
    /// Vehicles that entered a junction on red.
    red_entries: usize,
    /// Moments the drivers looked away (--distracted).
    looking_away: u64,
}

/// Vehicles that entered a junction on red (RLVW's ground truth).
fn red_entries(found: &Found) -> usize {
    found
        .events
        .iter()
        .filter(|e| e.scenario == "RLVW" && !e.averted)
        .count()
}

/// SUMO alone on the scenario, with SSM, to the same end as the co-simulation. The same
/// drivers run red lights (--red-light-runners) as in the co-simulation.
async fn sumo_alone(args: &CosimArgs, config: &Path, ssm: &Path) -> Result<Alone> {
    let limit = run_limit(args, config)?;
    let net = Net::read(&net_file(config)?)?;
    let mut runners = RedLightRunners::new(&net, args.red_light_runners);
    let mut distracted = DistractedDrivers::new(args.distracted);
    let mut truth = Truth::new(&net);
    let options = SumoOptions {
        sumo_home: args.sumo_home.clone(),
        config: config.to_path_buf(),
        step_s: 0.1,
        ssm_file: Some(ssm.to_path_buf()),
        lane_change_s: args.lane_change_s(),
        extra: Vec::new(),
    };
    let stop = stop_on_signal();
    tokio::task::spawn_blocking(move || -> Result<Alone> {
        let mut sumo = Sumo::start(&options)?;
        let (mut sim_s, mut colliding) = (0.0, 0u64);
        while stop.get().is_none() {
            let s = sumo.step()?;
            sim_s = s.time_s;
            colliding += u64::from(s.colliding);
            truth.step(&s);
            runners.drive(&mut sumo, &s)?;
            distracted.drive(&mut sumo, &s)?;
            if s.done || limit.is_some_and(|l| sim_s >= l - 1e-9) {
                break;
            }
        }
        sumo.close()?;
        Ok(Alone {
            sim_s,
            colliding,
            red_entries: red_entries(&truth.finish()),
            looking_away: distracted.moments,
        })
    })
    .await?
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// A `.sumocfg` for a network and routes given alone.
fn config_for(args: &CosimArgs, scratch: &Path) -> Result<PathBuf> {
    if let Some(c) = &args.sumocfg {
        return Ok(c.clone());
    }
    let (Some(net), Some(routes)) = (&args.net, &args.routes) else {
        bail!("give --sumocfg, or --net and --routes");
    };
    let abs =
        |p: &Path| std::fs::canonicalize(p).with_context(|| format!("no file {}", p.display()));
    let routes: Vec<String> = routes
        .split(',')
        .map(|r| abs(Path::new(r)).map(|p| p.display().to_string()))
        .collect::<Result<_>>()?;
    let path = scratch.join("scenario.sumocfg");
    std::fs::write(
        &path,
        format!(
            "<configuration><input><net-file value=\"{}\"/><route-files value=\"{}\"/></input></configuration>\n",
            abs(net)?.display(),
            routes.join(",")
        ),
    )?;
    Ok(path)
}

/// Runs SUMO against roadcloud (in this process unless --broker) and collects the
/// advisories.
pub(crate) async fn cosimulate(
    args: CosimArgs,
    ssm: Option<PathBuf>,
    scratch: PathBuf,
    sent: Option<Arc<AtomicU64>>,
) -> Result<Outcome> {
    let args = &args;
    let config = config_for(args, &scratch)?;
    let net = Net::read(&net_file(&config)?)?;
    let data_dir = args
        .broker
        .is_none()
        .then(|| scratch.join("roadcloud-data"));
    let mut node = None;
    let (host, port) = match &args.broker {
        Some(url) => parse_broker_url(url)?,
        None => {
            let v2x = scratch.join("v2x");
            ZonePki::open_or_init(&v2x, Algorithm::Sm2, now_millis())
                .map_err(|e| anyhow::anyhow!("cannot make the run's V2X PKI: {e}"))?;
            let mut config = NodeConfig {
                mqtt_listen: ListenOrOff(Some(SocketAddr::from(([127, 0, 0, 1], 0)))),
                http_listen: args.http_listen,
                udp_listen: ListenOrOff(None),
                data_dir: scratch.join("roadcloud-data"),
                allow_unsigned: args.allow_unsigned,
                v2x_trust: (!args.allow_unsigned).then_some(v2x),
                // Faster than real time, each vehicle sends 10 BSMs per simulated second in
                // less than a wall second: the rate limit scales with the speed.
                rate_per_s: if args.speed > 0.0 {
                    20.0 * args.speed.max(1.0)
                } else {
                    1e9
                },
                ..NodeConfig::default()
            };
            // SUMO's drivers change lanes in one step, which no car does, and a run faster
            // than real time crowds the messages' stamps (every vehicle then seems faster
            // than it says): under enforce, misbehaviour detection would rightly quarantine
            // honest vehicles. Monitor unless asked (docs/sumo.md).
            config.misbehaviour = args
                .misbehaviour
                .unwrap_or(roadcloud_misbehaviour::Mode::Monitor);
            if let Some(path) = &args.apps_config {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let table: toml::Table = text
                    .parse()
                    .with_context(|| format!("{} is not TOML", path.display()))?;
                if let Some(toml::Value::Table(apps)) = table.get("apps") {
                    config.apps = apps.clone();
                }
            }
            for (id, on) in &args.apps_switched {
                let entry = config
                    .apps
                    .entry(id.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(t) = entry {
                    t.insert("enabled".into(), toml::Value::Boolean(*on));
                }
            }
            let started = Node::start(config)
                .await
                .context("cannot start roadcloud")?;
            let mqtt = started.bound().mqtt.context("the node's MQTT front end")?;
            node = Some(started);
            ("127.0.0.1".to_string(), mqtt.port())
        }
    };
    // The vehicles' downlinks, read as their OBUs would.
    let sim_time = Arc::new(AtomicU64::new(0f64.to_bits()));
    let advisories: Arc<Mutex<Vec<(f64, Value)>>> = Arc::default();
    let client = connect(&host, port, "roadcloud-sumo-bridge").await?;
    let (listener, mut events) = {
        let mut o = MqttOptions::new("roadcloud-sumo-obus", host.clone(), port);
        o.set_keep_alive(Duration::from_secs(30));
        o.set_max_packet_size(1 << 20, 1 << 20);
        AsyncClient::new(o, 1_024)
    };
    listener
        .subscribe("V2X/OBU/+/ADVICE/DOWN", QoS::AtMostOnce)
        .await?;
    // The junctions' signal controllers, as their RSUs hear roadcloud's priority commands,
    // and the coordinations (lane changes, merges, slots) for the vehicles: in the open loop
    // nothing hears them, and nothing is carried out.
    if !args.open_loop {
        listener
            .subscribe("V2X/RSU/+/PRIORITY/DOWN", QoS::AtLeastOnce)
            .await?;
        listener
            .subscribe("V2X/OBU/+/RSC/DOWN", QoS::AtMostOnce)
            .await?;
    }
    let (coordination_tx, coordinations) =
        std::sync::mpsc::channel::<(f64, [u8; 8], roadcloud_sumo::merge::Coordination)>();
    // The answers to sensor-sharing requests: (time, requester, the vehicles shared, where
    // the pedestrians shared are), in the frame the bridge writes its messages from.
    let sds_answers: Arc<Mutex<Vec<SdsAnswer<[u8; 8]>>>> = Arc::default();
    let sds_frame = Bridge::frame_of(&net);
    if args.sds_share > 0.0 {
        listener
            .subscribe("V2X/OBU/+/SSM/DOWN", QoS::AtMostOnce)
            .await?;
    }
    let (commands_tx, commands) = std::sync::mpsc::channel::<Vec<u8>>();
    // Advisories as the drivers hear them, for the closed loop: (time, target, what).
    let (heard_tx, heard) = std::sync::mpsc::channel::<(f64, String, Heard)>();
    {
        let (sim_time, advisories) = (sim_time.clone(), advisories.clone());
        let sds_answers = sds_answers.clone();
        let respond = args.respond;
        tokio::spawn(async move {
            loop {
                match events.poll().await {
                    Ok(Event::Incoming(Packet::Publish(p)))
                        if p.topic.ends_with("/PRIORITY/DOWN") =>
                    {
                        let _ = commands_tx.send(p.payload.to_vec());
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) if p.topic.ends_with("/RSC/DOWN") => {
                        // An OBU reads its own vehicle's part of the coordination.
                        let t = f64::from_bits(sim_time.load(Ordering::Acquire));
                        let own = p
                            .topic
                            .split('/')
                            .nth(2)
                            .and_then(roadcloud_transport::DeviceId::parse);
                        for (vehicle, c) in rsc_coordinations(&p.payload) {
                            if own.is_some_and(|d| d.0 == vehicle) {
                                let _ = coordination_tx.send((t, vehicle, c));
                            }
                        }
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) if p.topic.ends_with("/SSM/DOWN") => {
                        let t = f64::from_bits(sim_time.load(Ordering::Acquire));
                        let requester = p
                            .topic
                            .split('/')
                            .nth(2)
                            .and_then(roadcloud_transport::DeviceId::parse);
                        if let (Some(requester), Some((vehicles, pedestrians))) =
                            (requester, shared_participants(&sds_frame, &p.payload))
                        {
                            sds_answers.lock().expect("answers").push((
                                t,
                                requester.0,
                                vehicles,
                                pedestrians,
                            ));
                        }
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        if let Ok(a) = serde_json::from_slice::<Value>(&p.payload) {
                            let t = f64::from_bits(sim_time.load(Ordering::Acquire));
                            if respond {
                                let text = |k: &str| a[k].as_str().unwrap_or("").to_string();
                                let heard = Heard {
                                    scenario: text("scenario"),
                                    severity: text("severity"),
                                    distance_m: a["distance_m"].as_f64(),
                                    ttc_s: a["ttc_s"].as_f64(),
                                };
                                let _ = heard_tx.send((t, text("target"), heard));
                            }
                            advisories.lock().expect("advisories").push((t, a));
                        }
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<(String, Vec<u8>)>>(4);
    let options = SumoOptions {
        sumo_home: args.sumo_home.clone(),
        config: config.clone(),
        step_s: 0.1,
        ssm_file: ssm,
        lane_change_s: args.lane_change_s(),
        extra: args
            .tripinfo
            .iter()
            .flat_map(|p| {
                [
                    "--tripinfo-output".to_string(),
                    p.display().to_string(),
                    // Trips still running at the end are counted (as unfinished).
                    "--tripinfo-output.write-unfinished".to_string(),
                    "true".to_string(),
                ]
            })
            .chain(
                // With each vehicle's signal bits: the turn signal a lane change had.
                args.fcd_out.iter().flat_map(|p| {
                    [
                        "--fcd-output".to_string(),
                        p.display().to_string(),
                        "--fcd-output.signals".to_string(),
                        "true".to_string(),
                    ]
                }),
            )
            .collect(),
    };
    let limit = run_limit(args, &config)?;
    let (speed, equipped, sds_share) = (args.speed, args.equipped, args.sds_share);
    let roadside_vehicles = args.roadside_vehicles;
    let red_light_runners = args.red_light_runners;
    let distracted_share = args.distracted;
    let attack_config = AttackConfig::new(args.attackers, &args.attacks);
    let stop = stop_on_signal();
    let clock = sim_time.clone();
    // The simulated devices' keys: the embedded platform's PKI, or the one --v2x-pki names.
    let mut keys = match (&args.broker, &args.v2x_pki) {
        _ if args.allow_unsigned => None,
        (None, _) => Some(scratch.join("v2x")),
        (Some(_), dir) => dir.clone(),
    }
    .map(|dir| DeviceKeys::open(&dir))
    .transpose()
    .map_err(|e| anyhow::anyhow!("cannot open the V2X PKI: {e}"))?;
    let driver = tokio::task::spawn_blocking(move || -> Result<Outcome> {
        let mut truth = options.ssm_file.is_some().then(|| Truth::new(&net));
        let mut signals = TraciSignals::new(&net);
        let mut priority = PriorityVehicles::default();
        let mut sds = roadcloud_sumo::sds::SdsProbe::new(sds_share);
        let mut merging = roadcloud_sumo::merge::MergingVehicles::new(&net);
        let mut merges = roadcloud_sumo::merge::MergeWatch::new(&net);
        let mut passing = roadcloud_sumo::passing::PassingVehicles::new(&net);
        let mut runners = RedLightRunners::new(&net, red_light_runners);
        let mut distracted = DistractedDrivers::new(distracted_share);
        let mut corridor = std::collections::BTreeSet::new();
        let (mut commands_refused, mut commands_taken) = (0u64, 0u64);
        let mut bridge = Bridge::new(net);
        bridge.equipped = equipped;
        bridge.roadside_vehicles = roadside_vehicles;
        bridge.attackers = Attackers::new(attack_config);
        let mut responder = Responder::default();
        let mut colliding = 0u64;
        let mut sumo = Sumo::start(&options)?;
        let started = Instant::now();
        let started_ms = now_millis();
        // The simulated time the run starts from (a scenario may begin later than 0).
        let mut begin_s = None;
        let (mut steps, mut max_vehicles, mut sumo_s) = (0u64, 0usize, 0.0);
        let mut ids: HashMap<[u8; 8], String> = HashMap::new();
        let mut sim_s = 0.0;
        let mut interrupted = None;
        loop {
            if let Some(signal) = stop.get() {
                interrupted = Some(signal);
                break;
            }
            let t0 = Instant::now();
            let s = sumo.step()?;
            sumo_s += t0.elapsed().as_secs_f64();
            steps += 1;
            sim_s = s.time_s;
            clock.store(sim_s.to_bits(), Ordering::Release);
            max_vehicles = max_vehicles.max(s.vehicles.len());
            colliding += u64::from(s.colliding);
            let speeds: HashMap<&str, f64> = s
                .vehicles
                .iter()
                .map(|v| (v.id.as_str(), v.speed_mps))
                .collect();
            // The closed loop: drivers heed what they heard, after their reaction time.
            while let Ok((t, target, what)) = heard.try_recv() {
                let sumo_id =
                    roadcloud_transport::DeviceId::parse(&target).and_then(|d| ids.get(&d.0));
                if let Some((v, speed_mps)) =
                    sumo_id.and_then(|v| Some((v, *speeds.get(v.as_str())?)))
                {
                    responder.advise(t, v, speed_mps, &what);
                }
            }
            let reactions = responder.due(s.time_s, &speeds);
            // A driver who reacts is attentive: a red light runner among them stops for it, a
            // driver looking away looks at the road again. And while it slows, SUMO's driver
            // in it still brakes as hard as traffic needs.
            let mut heeding = Vec::new();
            let mut orders = Vec::new();
            for r in &reactions {
                let Some(x) = s.vehicles.iter().find(|x| x.id == r.vehicle) else {
                    continue;
                };
                heeding.extend(runners.heed(&x.id, &x.lane));
                heeding.extend(distracted.heed(&x.id));
                if let Some((speed_mps, over_s)) = r.slow_down {
                    heeding.push(roadcloud_sumo::respond::reacting_mode(&x.id));
                    orders.push((x.id.as_str(), speed_mps, over_s));
                }
            }
            sumo.set_vehicles(&heeding)?;
            if !orders.is_empty() {
                sumo.slow_down(&orders)?;
            }
            if let Some(truth) = truth.as_mut() {
                truth.step(&s);
            }
            // The junctions' controllers carry out roadcloud's priority commands.
            while let Ok(payload) = commands.try_recv() {
                match PriorityCommand::from_json(&payload).and_then(|c| signals.command(&c)) {
                    Ok(()) => commands_taken += 1,
                    Err(e) => {
                        commands_refused += 1;
                        tracing::warn!("priority command not carried out: {e}");
                    }
                }
            }
            sumo.set_signals(&signals.step(&s))?;
            // The merging vehicles and those asked to make room carry out their RSCs.
            merges.step(&s);
            while let Ok((t, vehicle, c)) = coordinations.try_recv() {
                let Some(v) = ids.get(&vehicle) else { continue };
                let lane = s
                    .vehicles
                    .iter()
                    .find(|x| x.id == *v)
                    .map_or("", |x| x.lane.as_str());
                match c {
                    roadcloud_sumo::merge::Coordination::Pass { begin_s, end_s, .. } => {
                        passing.hear(v, lane, (begin_s, end_s), t)
                    }
                    _ => merging.hear(v, lane, c, t),
                }
            }
            sumo.set_vehicles(&merging.step(&s))?;
            sumo.set_vehicles(&passing.step(&s))?;
            for v in passing.unrouted(&s) {
                if let Some(route) = sumo.route(v)? {
                    passing.routes.insert(v.to_string(), route);
                }
            }
            runners.drive(&mut sumo, &s)?;
            distracted.drive(&mut sumo, &s)?;
            for v in priority.unrouted(&s) {
                if let Some(route) = sumo.route(v)? {
                    corridor.extend(route.iter().cloned());
                    priority.routes.insert(v.to_string(), route);
                }
            }
            for v in &s.vehicles {
                ids.entry(device_id(&v.id)).or_insert_with(|| v.id.clone());
            }
            // Paced, a step's messages go out at its moment of the run (start + its simulated
            // time / speed), stamped with that moment: a device's clock follows its own time.
            // A run that falls behind and catches up then sends late messages, instead of
            // messages whose stamps crowd together (every vehicle seeming to move faster than
            // it says, which misbehaviour detection rightly flagged).
            let begin_s = *begin_s.get_or_insert(sim_s - sumo.step_s());
            let now = if speed > 0.0 {
                let due = Duration::from_secs_f64(((sim_s - begin_s) / speed).max(0.0));
                // In slices, so that a signal is heard at once even when running slowly.
                while let Some(wait) = due.checked_sub(started.elapsed()) {
                    if stop.get().is_some() {
                        break;
                    }
                    std::thread::sleep(wait.min(Duration::from_millis(50)));
                }
                started_ms + due.as_millis() as i64
            } else {
                now_millis()
            };
            let mut messages = bridge.messages(&s, sumo.step_s(), now, steps % 10 == 1);
            let is_equipped = |v: &str| roadcloud_sumo::respond::equipped(v, equipped);
            messages.extend(priority.requests(&bridge, &s, now, is_equipped));
            messages.extend(sds.requests(&bridge, &s, now, is_equipped));
            messages.extend(merging.requests(&bridge, &s, now, is_equipped));
            messages.extend(passing.requests(&bridge, &s, now, is_equipped));
            let batch: Vec<(String, Vec<u8>)> = messages
                .into_iter()
                .filter_map(|(topic, m)| {
                    let payload = match keys.as_mut() {
                        Some(k) => k.sign(&topic, &m, now).ok()?,
                        None => roadcloud_csae::encode(&m).ok()?,
                    };
                    Some((topic, payload))
                })
                .collect();
            if tx.blocking_send(batch).is_err() {
                bail!("the MQTT link closed");
            }
            if s.done || limit.is_some_and(|l| sim_s >= l - 1e-9) {
                break;
            }
        }
        let wall_s = started.elapsed().as_secs_f64();
        sumo.close()?;
        Ok(Outcome {
            sim_s,
            wall_s,
            sumo_s,
            steps,
            max_vehicles,
            published: 0,
            advisories: Vec::new(),
            ids,
            interrupted,
            truth: truth.map(Truth::finish).unwrap_or_default(),
            colliding,
            reactions: responder.reactions,
            red_light_runs: runners.runs,
            looking_away: (distracted.moments, distracted.ended_by_warnings),
            labels: bridge.attackers.labels().cloned().collect(),
            present: bridge.attackers.present().clone(),
            data_dir: None,
            priority: PriorityOutcome {
                requests: priority.sent,
                commands_taken,
                commands_refused,
                corridor,
                emergency: priority.seen,
            },
            sds_asked: sds.asked,
            sds_answers: Vec::new(),
            merging: MergeOutcome {
                requests: merging.sent,
                windows: merging.windows,
                slowdowns: merging.slowdowns,
                merges: merges.merges,
                hard_braking_s: merges.hard_braking_s,
            },
            passing: PassingOutcome {
                declarations: passing.sent,
                slots: passing.slots,
            },
        })
    });
    let mut published = 0u64;
    while let Some(batch) = rx.recv().await {
        for (topic, payload) in batch {
            client
                .publish(topic, QoS::AtMostOnce, false, payload)
                .await
                .context("cannot publish to the broker")?;
            published += 1;
            if let Some(sent) = &sent {
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let mut out = driver.await??;
    out.data_dir = data_dir;
    // The last advisories on their way (not when told to stop: then at once).
    if out.interrupted.is_none() {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
    }
    out.published = published;
    out.advisories = std::mem::take(&mut *advisories.lock().expect("advisories"));
    let sumo_id = |d: &[u8; 8]| out.ids.get(d).cloned();
    out.sds_answers = std::mem::take(&mut *sds_answers.lock().expect("answers"))
        .into_iter()
        .filter_map(|(t, requester, shared, pedestrians)| {
            Some((
                t,
                sumo_id(&requester)?,
                shared.iter().filter_map(sumo_id).collect(),
                pedestrians,
            ))
        })
        .collect();
    // What the run's messages caused reaches the store before anyone reads it.
    if let Some(node) = node {
        node.shutdown().await?;
    }
    if let Some(path) = &args.advisories_out {
        let mut text = String::new();
        for (t, a) in &out.advisories {
            text += &json!({"sim_s": t, "advisory": a}).to_string();
            text.push('\n');
        }
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(out)
}

/// What an SSM on a downlink shares: the vehicles (their ids) and where the pedestrians are
/// (in `frame`); None when it is not an SSM.
fn shared_participants(
    frame: &roadcloud_world::LocalFrame,
    payload: &[u8],
) -> Option<(Vec<[u8; 8]>, Vec<roadcloud_world::Point>)> {
    let roadcloud_csae::MessageFrame::MsgFrameExt(e) = roadcloud_csae::decode(payload).ok()? else {
        return None;
    };
    let roadcloud_csae::Day2Message::SensorSharing(s) = e.value else {
        return None;
    };
    let vehicles = s
        .participants
        .iter()
        .flat_map(|l| l.0.iter())
        .filter_map(|d| d.ptc.id)
        .collect();
    let pedestrians = roadcloud_world::observe::observe_ssm(frame, &s, 0)
        .into_iter()
        .filter(|o| o.kind == roadcloud_world::ParticipantKind::Pedestrian)
        .map(|o| o.position)
        .collect();
    Some((vehicles, pedestrians))
}

/// One run of [`without_and_with`]: its outcome, SUMO's trips, and the conflicts SUMO's SSM
/// device recorded (when asked for).
pub(crate) type Run = (
    Outcome,
    Vec<roadcloud_sumo::tripinfo::Trip>,
    Vec<roadcloud_sumo::ssm::Conflict>,
);

/// The co-simulation run twice, with application `app` switched off and then on (named
/// `what` in the progress lines), each with SUMO's trip output and, with `ssm`, its SSM
/// device on every vehicle.
pub(crate) fn without_and_with(
    cosim: &CosimArgs,
    app: &str,
    what: &str,
    ssm: bool,
) -> Result<Vec<Run>> {
    let runtime = runtime()?;
    let mut runs = Vec::new();
    for on in [false, true] {
        let scratch = tempfile::tempdir().context("cannot make a temporary directory")?;
        let trips_path = scratch.path().join("tripinfo.xml");
        let mut cosim = cosim.clone();
        cosim.tripinfo = Some(trips_path.clone());
        cosim.apps_switched = vec![(app.to_string(), on)];
        let label = if on { "with" } else { "without" };
        println!("running {label} {what} ...");
        let ssm_path = ssm.then(|| scratch.path().join("ssm.xml"));
        let out = runtime.block_on(cosimulate(
            cosim,
            ssm_path.clone(),
            scratch.path().to_path_buf(),
            None,
        ))?;
        if let Some(signal) = out.interrupted {
            bail!("interrupted by {signal} at {:.1} s simulated", out.sim_s);
        }
        let xml = std::fs::read_to_string(&trips_path)
            .with_context(|| format!("SUMO wrote no trip output at {}", trips_path.display()))?;
        let trips = roadcloud_sumo::tripinfo::read(&xml).map_err(anyhow::Error::msg)?;
        let conflicts = match &ssm_path {
            Some(p) => {
                let xml = std::fs::read_to_string(p)
                    .with_context(|| format!("SUMO wrote no SSM output at {}", p.display()))?;
                roadcloud_sumo::ssm::read(&xml).map_err(anyhow::Error::msg)?
            }
            None => Vec::new(),
        };
        runs.push((out, trips, conflicts));
    }
    Ok(runs)
}

/// What an RSC on a downlink asks of each vehicle it names; nothing when it is not an RSC.
fn rsc_coordinations(payload: &[u8]) -> Vec<([u8; 8], roadcloud_sumo::merge::Coordination)> {
    match roadcloud_csae::decode(payload) {
        Ok(roadcloud_csae::MessageFrame::MsgFrameExt(roadcloud_csae::MessageFrameExt {
            value: roadcloud_csae::Day2Message::RoadsideCoordination(rsc),
        })) => roadcloud_sumo::merge::coordinations(&rsc),
        _ => Vec::new(),
    }
}

/// Set by the first SIGINT or SIGTERM (its name): the co-simulation stops at its next step.
#[derive(Clone, Default)]
struct Stop(Arc<std::sync::OnceLock<&'static str>>);

impl Stop {
    /// The signal that asked to stop, once one has.
    fn get(&self) -> Option<&'static str> {
        self.0.get().copied()
    }
}

/// Listens for SIGINT and SIGTERM (a terminal's Ctrl-C, `timeout`, a service manager, a CI
/// runner) for the rest of the run.
fn stop_on_signal() -> Stop {
    let stop = Stop::default();
    let s = stop.clone();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return;
        };
        let name = tokio::select! {
            _ = int.recv() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        };
        let _ = s.0.set(name);
    });
    stop
}

/// An MQTT client, once the broker answers (roadcloud in this process starts beside it).
async fn connect(host: &str, port: u16, id: &str) -> Result<AsyncClient> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut o = MqttOptions::new(id, host, port);
        o.set_keep_alive(Duration::from_secs(30));
        o.set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut events) = AsyncClient::new(o, 4_096);
        let ok = loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => break true,
                Ok(_) => {}
                Err(_) => break false,
            }
        };
        if ok {
            tokio::spawn(async move { while events.poll().await.is_ok() {} });
            return Ok(client);
        }
        if Instant::now() > deadline {
            bail!("cannot connect to the MQTT broker at {host}:{port}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
