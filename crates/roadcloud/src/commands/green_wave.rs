//! `roadcloud eval-green-wave`: the emergency green wave measured in SUMO, the same
//! scenario run without and with roadcloud's signal priority (PVP).

use super::sumo::{CosimArgs, without_and_with};
use anyhow::{Context, Result, bail};
use clap::Args;
use roadcloud_sumo::tripinfo::Trip;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Measure the emergency green wave in SUMO: emergency vehicles' travel times along a
/// corridor of signalised junctions without and with roadcloud's signal priority, and what
/// it costs the other traffic.
///
/// Runs the co-simulation (as `roadcloud sim sumo`) twice on the scenario: once with PVP
/// (priority vehicle passing) switched off, once with it on. SUMO's emergency vehicles
/// (vClass emergency, obeying the lights) ask, with VIRs, for the green at each signalised
/// junction of their route within 1,000 m; roadcloud grants each junction as the vehicle
/// comes within 25 s of it and sends the priority command to the junction's RSU
/// (`V2X/RSU/{id}/PRIORITY/DOWN`), which SUMO's traffic lights carry out over TraCI. SUMO's
/// trip output gives each vehicle's travel time and time loss: the emergency vehicles'
/// travel times (compared over those that finished in both runs), and the other vehicles'
/// time loss, apart for those that enter or leave by a cross street (an edge not on any
/// emergency vehicle's route) and those that stay on the corridor; a trip unfinished at the
/// run's end counts with the time it had lost by then.
///
/// Examples:
///   source scripts/sumo.sh
///   roadcloud eval-green-wave --sumocfg scenarios/corridor/corridor.sumocfg --allow-unsigned
///   roadcloud eval-green-wave --sumocfg scenarios/corridor/corridor.sumocfg --speed 2 \
///     --report-json green-wave.json
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct GreenWaveArgs {
    #[command(flatten)]
    pub cosim: CosimArgs,
    /// Write the figures as JSON here too.
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
}

/// One run's figures.
#[derive(Debug, Default)]
struct Figures {
    emergency: Vec<Trip>,
    cross: Vec<Trip>,
    corridor: Vec<Trip>,
    requests: u64,
    commands: u64,
    commands_refused: u64,
}

/// The mean of `v`; None when empty.
pub(crate) fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn finished(trips: &[Trip]) -> impl Iterator<Item = &Trip> {
    trips.iter().filter(|t| !t.unfinished)
}

impl Figures {
    fn of(trips: Vec<Trip>, emergency: &BTreeSet<String>, corridor: &BTreeSet<String>) -> Self {
        let mut f = Figures::default();
        for t in trips {
            if emergency.contains(&t.id) {
                f.emergency.push(t);
            } else if corridor.contains(&t.depart_edge)
                && (t.unfinished || corridor.contains(&t.arrival_edge))
            {
                f.corridor.push(t);
            } else {
                f.cross.push(t);
            }
        }
        f
    }

    fn emergency_travel_s(&self) -> Option<f64> {
        mean(finished(&self.emergency).map(|t| t.duration_s))
    }

    /// The mean travel time of the emergency vehicles among `ids`.
    fn emergency_travel_of_s(&self, ids: &BTreeSet<&str>) -> Option<f64> {
        mean(
            finished(&self.emergency)
                .filter(|t| ids.contains(t.id.as_str()))
                .map(|t| t.duration_s),
        )
    }

    fn json(&self) -> Value {
        let group = |trips: &[Trip]| {
            json!({
                "finished": finished(trips).count(),
                "unfinished": trips.iter().filter(|t| t.unfinished).count(),
                "mean_travel_s": mean(finished(trips).map(|t| t.duration_s)),
                // Unfinished trips with what they had lost by the run's end.
                "mean_time_loss_s": mean(trips.iter().map(|t| t.time_loss_s)),
            })
        };
        json!({
            "emergency": group(&self.emergency),
            "emergency_trips": self.emergency.iter().map(|t| json!({
                "id": t.id, "depart_s": t.depart_s, "travel_s": t.duration_s,
                "time_loss_s": t.time_loss_s, "unfinished": t.unfinished,
            })).collect::<Vec<_>>(),
            "cross_streets": group(&self.cross),
            "corridor": group(&self.corridor),
            "priority_requests": self.requests,
            "priority_commands": self.commands,
            "priority_commands_refused": self.commands_refused,
        })
    }
}

/// Seconds with one decimal, `-` for none.
pub(crate) fn secs(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.1} s"))
}

/// `roadcloud eval-green-wave`.
pub fn run(args: &GreenWaveArgs) -> Result<()> {
    let mut runs = Vec::new();
    for (out, trips, _) in without_and_with(&args.cosim, "PVP", "signal priority", false)? {
        let p = &out.priority;
        if p.emergency.is_empty() {
            bail!("the scenario has no emergency vehicles (vClass emergency): nothing to measure");
        }
        let mut f = Figures::of(trips, &p.emergency, &p.corridor);
        f.requests = p.requests;
        f.commands = p.commands_taken;
        f.commands_refused = p.commands_refused;
        runs.push(f);
    }
    let (without, with) = (&runs[0], &runs[1]);
    // Compared over the emergency vehicles that finished in both runs.
    let done = |f: &Figures| -> BTreeSet<String> {
        finished(&f.emergency).map(|t| t.id.clone()).collect()
    };
    let (a, b) = (done(without), done(with));
    let both: BTreeSet<&str> = a.intersection(&b).map(String::as_str).collect();
    let paired = (
        without.emergency_travel_of_s(&both),
        with.emergency_travel_of_s(&both),
    );
    let shorter = match paired {
        (Some(a), Some(b)) if a > 0.0 => Some(1.0 - b / a),
        _ => None,
    };
    println!("| | without signal priority | with |");
    println!("| --- | --- | --- |");
    let row = |name: &str, a: String, b: String| println!("| {name} | {a} | {b} |");
    row(
        "emergency vehicles (finished / unfinished)",
        format!(
            "{} / {}",
            finished(&without.emergency).count(),
            without.emergency.len() - finished(&without.emergency).count()
        ),
        format!(
            "{} / {}",
            finished(&with.emergency).count(),
            with.emergency.len() - finished(&with.emergency).count()
        ),
    );
    row(
        "their mean travel time (finished)",
        secs(without.emergency_travel_s()),
        secs(with.emergency_travel_s()),
    );
    row(
        &format!("the same, of the {} finished in both runs", both.len()),
        secs(paired.0),
        secs(paired.1),
    );
    for (name, pick) in [
        ("cross streets' vehicles: mean time loss", 0usize),
        ("corridor vehicles: mean time loss", 1),
    ] {
        let loss = |f: &Figures| {
            let trips = if pick == 0 { &f.cross } else { &f.corridor };
            format!(
                "{} ({} trips, {} unfinished)",
                secs(mean(trips.iter().map(|t| t.time_loss_s))),
                trips.len(),
                trips.iter().filter(|t| t.unfinished).count()
            )
        };
        row(name, loss(without), loss(with));
    }
    row(
        "priority requests (VIR) / commands carried out",
        format!("{} / {}", without.requests, without.commands),
        format!("{} / {}", with.requests, with.commands),
    );
    match shorter {
        Some(s) => println!(
            "emergency travel time {:.1} % shorter with signal priority, over the {} emergency vehicles that finished in both runs (goal: at least 30 %)",
            100.0 * s,
            both.len()
        ),
        None => println!("emergency travel time: no finished trips to compare"),
    }
    if let Some(path) = &args.report_json {
        let scenario = args.cosim.scenario_name();
        let doc = json!({
            "scenario": scenario,
            "without": without.json(),
            "with": with.json(),
            "emergency_finished_in_both": both,
            "emergency_travel_s_of_those": {"without": paired.0, "with": paired.1},
            "emergency_travel_shorter": shorter,
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
