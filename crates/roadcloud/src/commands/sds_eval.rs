//! `roadcloud eval-sds`: sensor data sharing measured in SUMO, the answers scored against
//! what each asking vehicle could not see itself.

use super::sumo::{CosimArgs, cosimulate};
use anyhow::{Context, Result, bail};
use clap::Args;
use roadcloud_sumo::sds::score;
use serde_json::json;
use std::path::PathBuf;

/// Measure sensor data sharing in SUMO: the share of hidden vehicles delivered to the
/// vehicles that asked about them.
///
/// Runs the co-simulation (as `roadcloud sim sumo`) with a share of the equipped vehicles
/// (--sds-share) asking, once a second, what lies on the 150 m of road ahead of them (VIR
/// `Req-SensorSharing`, 7 m either side). At each request SUMO's exact state says which
/// vehicles there the requester could not see (the line of sight from its driver to their
/// centre crossing another vehicle's body, or farther than 150 m) and which it could. The
/// SSM that answers (before the requester's next request; SDS sends none when it finds
/// nothing hidden) is scored against that: hidden vehicles delivered (recall), and of the
/// vehicles shared, those that were hidden (precision: the others it could see itself, or
/// lay outside its area). Pedestrians the same way, apart: they reach roadcloud through RSU
/// cameras without an id, so a pedestrian shared counts for a hidden one within 3 m of where
/// that one was at the request.
///
/// Examples:
///   source scripts/sumo.sh
///   roadcloud eval-sds --sumocfg scenarios/anting-grid/anting-grid.sumocfg --allow-unsigned --seconds 180
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct SdsEvalArgs {
    #[command(flatten)]
    pub cosim: CosimArgs,
    /// The share of the equipped vehicles that ask, 0 to 1 (drawn from their ids).
    #[arg(long, default_value_t = 0.25, value_parser = super::sumo::share)]
    pub sds_share: f64,
    /// Write the figures as JSON here too.
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:.1} %", 100.0 * n as f64 / d as f64)
    }
}

/// `roadcloud eval-sds`.
pub fn run(args: &SdsEvalArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let scratch = tempfile::tempdir().context("cannot make a temporary directory")?;
    let mut cosim = args.cosim.clone();
    cosim.sds_share = args.sds_share;
    let out = runtime.block_on(cosimulate(cosim, None, scratch.path().to_path_buf(), None))?;
    if let Some(signal) = out.interrupted {
        bail!("interrupted by {signal} at {:.1} s simulated", out.sim_s);
    }
    let s = score(&out.sds_asked, &out.sds_answers, 1.0);
    println!(
        "simulated {:.1} s, up to {} vehicles",
        out.sim_s, out.max_vehicles
    );
    println!("| | |\n| --- | --- |");
    let count = |label: &str, n: usize| println!("| {label} | {n} |");
    let share = |label: &str, n: usize, of: usize| println!("| {label} | {n} ({}) |", pct(n, of));
    count("requests", s.requests);
    share("answered (an SSM within 1 s)", s.answered, s.requests);
    count("requests with a hidden vehicle in their area", s.needing);
    share("of those, answered", s.needing_answered, s.needing);
    count("hidden vehicles in the requested areas", s.hidden);
    share("of those, delivered", s.delivered, s.hidden);
    count("vehicles shared", s.shared);
    share(
        "of those, hidden from the requester",
        s.shared_hidden,
        s.shared,
    );
    count(
        "hidden pedestrians in the requested areas",
        s.hidden_pedestrians,
    );
    share(
        "of those, delivered (one shared within 3 m)",
        s.delivered_pedestrians,
        s.hidden_pedestrians,
    );
    count("pedestrians shared", s.shared_pedestrians);
    share(
        "of those, within 3 m of a hidden one",
        s.shared_pedestrians_hidden,
        s.shared_pedestrians,
    );
    if let Some(path) = &args.report_json {
        let scenario = args.cosim.scenario_name();
        let ratio = |n: usize, d: usize| (d > 0).then(|| n as f64 / d as f64);
        let doc = json!({
            "scenario": scenario,
            "simulated_s": out.sim_s,
            "sds_share": args.sds_share,
            "requests": s.requests,
            "answered": s.answered,
            "needing": s.needing,
            "needing_answered": s.needing_answered,
            "hidden": s.hidden,
            "delivered": s.delivered,
            "delivered_share": ratio(s.delivered, s.hidden),
            "shared": s.shared,
            "shared_hidden": s.shared_hidden,
            "shared_hidden_share": ratio(s.shared_hidden, s.shared),
            "hidden_pedestrians": s.hidden_pedestrians,
            "delivered_pedestrians": s.delivered_pedestrians,
            "delivered_pedestrians_share": ratio(s.delivered_pedestrians, s.hidden_pedestrians),
            "shared_pedestrians": s.shared_pedestrians,
            "shared_pedestrians_hidden": s.shared_pedestrians_hidden,
            "shared_pedestrians_hidden_share": ratio(s.shared_pedestrians_hidden, s.shared_pedestrians),
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
