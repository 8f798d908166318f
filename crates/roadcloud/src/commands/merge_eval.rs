//! `roadcloud eval-merge`: cooperative merging (CVM) measured in SUMO, the same on-ramp
//! scenario run without and with it.

use super::green_wave::{mean, secs};
use super::sumo::{CosimArgs, MergeOutcome, without_and_with};
use anyhow::{Context, Result, bail};
use clap::Args;
use roadcloud_sumo::merge::Merge;
use roadcloud_sumo::tripinfo::Trip;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Measure cooperative merging in SUMO: how the vehicles of an on-ramp merge without and
/// with roadcloud's gaps (CVM), and what it costs the mainline.
///
/// Runs the co-simulation (as `roadcloud sim sumo`) twice on the scenario: once with CVM
/// (cooperative vehicle merging) switched off, once with it on. Every equipped vehicle on a
/// lane that ends where its road goes on (an on-ramp's acceleration lane) asks twice a
/// second, with a VIR (`Req-LaneChange`, `currentBehavior` rampIn), for a gap in the lane
/// beside; roadcloud answers with an RSC: the window, the speed to keep and, when the vehicle
/// behind the gap must make room, its slower speed. SUMO's vehicles carry these out over
/// TraCI (SUMO's own lane-change safety still applies). Every vehicle that drove on such a
/// lane is recorded: a merge succeeds when it left the lane for the mainline without
/// stopping on it (never below 1 m/s); the merge time runs from entering the lane to
/// leaving it. SUMO's trip output gives each vehicle's time loss: the ramp vehicles' (the
/// merge delay) and the mainline's (what making gaps costs), a trip unfinished at the run's
/// end counted with what it had lost by then. Hard braking (harder than 3.5 m/s²) on the
/// section of the acceleration lane, every vehicle counted, tells how rough the merges
/// were.
///
/// Examples:
///   source scripts/sumo.sh
///   roadcloud eval-merge --sumocfg scenarios/onramp/onramp.sumocfg --allow-unsigned
///   roadcloud eval-merge --sumocfg scenarios/onramp/onramp.sumocfg --report-json merge.json
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct MergeEvalArgs {
    #[command(flatten)]
    pub cosim: CosimArgs,
    /// Write the figures as JSON here too.
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
}

/// Below this a vehicle has stopped on its acceleration lane, m/s: a merge failed on the
/// move.
const STOPPED_MPS: f64 = 1.0;

/// One run's figures.
#[derive(Debug, Default)]
struct Figures {
    /// Merges decided (the vehicle left the lane, or the run ended with it stopped there).
    merged: Vec<Merge>,
    /// Vehicles still on the lane at the run's end.
    pending: usize,
    ramp_trips: Vec<Trip>,
    main_trips: Vec<Trip>,
    requests: u64,
    windows: u64,
    slowdowns: u64,
    hard_braking_s: f64,
}

impl Figures {
    fn of(m: MergeOutcome, trips: Vec<Trip>) -> Self {
        let mut f = Figures {
            requests: m.requests,
            windows: m.windows,
            slowdowns: m.slowdowns,
            hard_braking_s: m.hard_braking_s,
            ..Figures::default()
        };
        for merge in m.merges.values() {
            if merge.merged_s.is_some() {
                f.merged.push(*merge);
            } else {
                f.pending += 1;
            }
        }
        for t in trips {
            if m.merges.contains_key(&t.id) {
                f.ramp_trips.push(t);
            } else {
                f.main_trips.push(t);
            }
        }
        f
    }

    fn succeeded(&self) -> usize {
        self.merged
            .iter()
            .filter(|m| m.min_speed_mps >= STOPPED_MPS)
            .count()
    }

    fn success_rate(&self) -> Option<f64> {
        (!self.merged.is_empty()).then(|| self.succeeded() as f64 / self.merged.len() as f64)
    }

    fn merge_time_s(&self) -> Option<f64> {
        mean(
            self.merged
                .iter()
                .filter_map(|m| Some(m.merged_s? - m.entered_s?)),
        )
    }

    fn along_m(&self) -> Option<f64> {
        mean(self.merged.iter().map(|m| m.along_m))
    }

    fn loss(trips: &[Trip]) -> Option<f64> {
        mean(trips.iter().map(|t| t.time_loss_s))
    }

    fn json(&self) -> Value {
        json!({
            "merged": self.merged.len(),
            "still_on_the_lane_at_the_end": self.pending,
            "succeeded_without_stopping": self.succeeded(),
            "success_rate": self.success_rate(),
            "mean_merge_time_s": self.merge_time_s(),
            "mean_merged_at_m": self.along_m(),
            "ramp_vehicles": {"trips": self.ramp_trips.len(), "mean_time_loss_s": Self::loss(&self.ramp_trips)},
            "mainline_vehicles": {"trips": self.main_trips.len(), "mean_time_loss_s": Self::loss(&self.main_trips)},
            "requests": self.requests,
            "windows": self.windows,
            "slowdowns": self.slowdowns,
            "hard_braking_vehicle_s": self.hard_braking_s,
        })
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1} %", 100.0 * v))
}

/// `roadcloud eval-merge`.
pub fn run(args: &MergeEvalArgs) -> Result<()> {
    let mut runs = Vec::new();
    for (out, trips, _) in without_and_with(&args.cosim, "CVM", "cooperative merging", false)? {
        if out.merging.merges.is_empty() {
            bail!(
                "no vehicle drove on a lane that ends (an on-ramp's acceleration lane): nothing to measure"
            );
        }
        runs.push(Figures::of(out.merging, trips));
    }
    let (without, with) = (&runs[0], &runs[1]);
    println!("| | without CVM | with CVM |");
    println!("| --- | --- | --- |");
    let row = |name: &str, a: String, b: String| println!("| {name} | {a} | {b} |");
    let lane = |f: &Figures| format!("{} ({} still on it at the end)", f.merged.len(), f.pending);
    row("vehicles merged", lane(without), lane(with));
    let success = |f: &Figures| format!("{} ({})", pct(f.success_rate()), f.succeeded());
    row("merged without stopping", success(without), success(with));
    row(
        "mean merge time (on the acceleration lane)",
        secs(without.merge_time_s()),
        secs(with.merge_time_s()),
    );
    let at = |f: &Figures| f.along_m().map_or("-".into(), |m| format!("{m:.0} m"));
    row(
        "mean place of the merge along the lane",
        at(without),
        at(with),
    );
    let loss = |trips: &[Trip]| {
        format!(
            "{} ({} trips, {} unfinished)",
            secs(Figures::loss(trips)),
            trips.len(),
            trips.iter().filter(|t| t.unfinished).count()
        )
    };
    row(
        "ramp vehicles: mean time loss (merge delay)",
        loss(&without.ramp_trips),
        loss(&with.ramp_trips),
    );
    row(
        "mainline vehicles: mean time loss",
        loss(&without.main_trips),
        loss(&with.main_trips),
    );
    let braking = |f: &Figures| format!("{:.1} s", f.hard_braking_s);
    row(
        "hard braking on the merge section (vehicle-seconds)",
        braking(without),
        braking(with),
    );
    row(
        "requests (VIR) / windows / slow-downs (RSC)",
        format!(
            "{} / {} / {}",
            without.requests, without.windows, without.slowdowns
        ),
        format!("{} / {} / {}", with.requests, with.windows, with.slowdowns),
    );
    if let Some(path) = &args.report_json {
        let doc = json!({
            "scenario": args.cosim.scenario_name(),
            "without": without.json(),
            "with": with.json(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
