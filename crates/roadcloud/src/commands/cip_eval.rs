//! `roadcloud eval-cip`: cooperative intersection passing (CIP) measured in SUMO, the same
//! junction without signals run by SUMO's priority rules and by roadcloud's slots.

use super::green_wave::{mean, secs};
use super::sumo::{CosimArgs, Run, without_and_with};
use anyhow::{Context, Result, bail};
use clap::Args;
use roadcloud_sumo::ssm::Encounter;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Measure cooperative intersection passing in SUMO: how many vehicles get through a
/// junction without signals, how long they lose and how close they come, by SUMO's priority
/// rules and by roadcloud's slots.
///
/// Runs the co-simulation (as `roadcloud sim sumo`) twice on the scenario, SUMO's SSM device
/// on every vehicle: once with CIP (cooperative intersection passing) switched off, the
/// vehicles giving way as SUMO's priority rules say; once with it on. Every equipped vehicle
/// within 150 m of the stop line of a junction without signals declares, once a second, how
/// it will pass it (VIR `currentBehavior`: the direction of its route's next turn); roadcloud
/// answers each with a slot (RSC), which SUMO carries out over TraCI: the vehicle keeps the
/// speed that brings it to its stop line as its slot begins, then goes by its slot rather than
/// by the right of way until it is through. The figures: trips finished by the end (the
/// throughput), mean time loss (SUMO's trip output, unfinished trips with what they had lost),
/// the crossing and merging conflicts SSM recorded with a time to collision under 1.5 s,
/// collisions, and the declarations and slots.
///
/// Examples:
///   source scripts/sumo.sh
///   roadcloud eval-cip --sumocfg scenarios/crossing/crossing.sumocfg --allow-unsigned
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct CipEvalArgs {
    #[command(flatten)]
    pub cosim: CosimArgs,
    /// Write the figures as JSON here too.
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
}

/// A conflict under this time to collision counts, seconds (as `roadcloud eval` counts the
/// conflicts it scores).
const CONFLICT_TTC_S: f64 = 1.5;

fn figures(run: &Run) -> Value {
    let (out, trips, conflicts) = run;
    let finished = trips.iter().filter(|t| !t.unfinished).count();
    let at_junction = conflicts
        .iter()
        .filter(|c| matches!(c.encounter, Encounter::Crossing | Encounter::Merging))
        .filter(|c| c.min_ttc.is_some_and(|(_, ttc)| ttc < CONFLICT_TTC_S))
        .count();
    json!({
        "trips_finished": finished,
        "trips_unfinished": trips.len() - finished,
        "mean_time_loss_s": mean(trips.iter().map(|t| t.time_loss_s)),
        "junction_conflicts": at_junction,
        "collisions": out.colliding,
        "declarations": out.passing.declarations,
        "slots": out.passing.slots,
    })
}

/// `roadcloud eval-cip`.
pub fn run(args: &CipEvalArgs) -> Result<()> {
    let runs = without_and_with(&args.cosim, "CIP", "cooperative intersection passing", true)?;
    if runs[1].0.passing.declarations == 0 {
        bail!("no vehicle came to a junction without signals: nothing to measure");
    }
    let (without, with) = (figures(&runs[0]), figures(&runs[1]));
    println!("| | SUMO's priority rules (CIP off) | CIP |");
    println!("| --- | --- | --- |");
    let row = |name: &str, key: &str| {
        let cell = |v: &Value| match &v[key] {
            Value::Number(n) if key.ends_with("_s") => secs(n.as_f64()),
            other => other.to_string(),
        };
        // Only durations end in _s: counts are printed as they are.
        println!("| {name} | {} | {} |", cell(&without), cell(&with));
    };
    row("trips finished by the end (throughput)", "trips_finished");
    row("trips unfinished", "trips_unfinished");
    row("mean time loss", "mean_time_loss_s");
    row(
        "crossing and merging conflicts, TTC under 1.5 s (SSM)",
        "junction_conflicts",
    );
    row("collisions (SUMO)", "collisions");
    row("declarations (VIR)", "declarations");
    row("slots (RSC)", "slots");
    if let Some(path) = &args.report_json {
        let doc = json!({
            "scenario": args.cosim.scenario_name(),
            "without": without,
            "with": with,
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
