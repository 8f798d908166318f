//! `roadcloud eval`'s report: the table it prints, `report.md` with its SVG plots, and the
//! JSON figures (all applications together at the top level, each application beside).

use super::sumo::Outcome;
use anyhow::{Context, Result};
use roadcloud_sumo::eval::{self, AppReport, BINS, Criteria, Report};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;

/// An evaluation's report, ready to print and write.
pub(crate) struct Written<'a> {
    /// The scenario (its file).
    pub scenario: &'a str,
    /// The co-simulation.
    pub out: &'a Outcome,
    /// The figures.
    pub report: &'a Report,
    /// What counted.
    pub criteria: Criteria,
    /// With `--respond`: the run with drivers heeding roadcloud against SUMO alone.
    pub closed_loop: Option<ClosedLoop>,
}

/// The closed loop's figures: the road with roadcloud (drivers heeding its advisories) and
/// without it.
pub(crate) struct ClosedLoop {
    /// The share of vehicles equipped.
    pub equipped: f64,
    /// How long the run without roadcloud went, simulated seconds.
    pub without_simulated_s: f64,
    /// Conflicts with a minimum TTC under 1.5 s, without roadcloud.
    pub severe_without: Severe,
    /// ... and with it.
    pub severe_with: Severe,
    /// Vehicles in collisions without roadcloud.
    pub colliding_without: u64,
    /// ... and with it.
    pub colliding_with: u64,
    /// Vehicles that entered a junction on red without roadcloud (red light runners).
    pub red_entries_without: usize,
    /// ... and with it.
    pub red_entries_with: usize,
    /// Drivers' reactions to advisories.
    pub reactions: usize,
    /// Moments the drivers looked away without roadcloud (--distracted).
    pub looking_away_without: u64,
    /// ... and with it, and of them those a warning ended.
    pub looking_away_with: (u64, u64),
}

/// The conflicts of a run with a minimum TTC under
/// [`SEVERE_TTC_S`](super::sumo::SEVERE_TTC_S).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Severe {
    /// All of them.
    pub all: usize,
    /// Of them, the car-following conflicts whose follower drove slower than forward
    /// collision warning's operating range requires (ISO 15623 / GB/T 33577: 11.1 m/s,
    /// [`FCW_MIN_SPEED_MPS`](roadcloud_sumo::eval::FCW_MIN_SPEED_MPS)): mostly SUMO's
    /// drivers stopping behind a queue, counted apart as the applications' figures count
    /// them (docs/apps.md).
    pub slow_following: usize,
}

impl Severe {
    /// Those inside the operating range: all but the slow car-following ones.
    pub fn in_range(&self) -> usize {
        self.all - self.slow_following
    }
}

/// How many fewer with roadcloud than without, as a share of those without.
fn fewer(without: usize, with: usize) -> Option<f64> {
    (without > 0).then(|| 1.0 - with as f64 / without as f64)
}

impl ClosedLoop {
    /// How many fewer severe conflicts with roadcloud, as a share of those without.
    pub fn reduction(&self) -> Option<f64> {
        fewer(self.severe_without.all, self.severe_with.all)
    }

    /// ... of those inside the operating range ([`Severe::in_range`]).
    pub fn reduction_in_range(&self) -> Option<f64> {
        fewer(self.severe_without.in_range(), self.severe_with.in_range())
    }
}

/// A reduction for people: "12.0 % fewer", "8.0 % more", or "-" when there was nothing
/// to reduce.
fn change(reduction: Option<f64>) -> String {
    match reduction {
        None => "-".to_string(),
        Some(r) if r < 0.0 => format!("{} more", pct(Some(-r))),
        r => format!("{} fewer", pct(r)),
    }
}

/// A plot's file suffix, its severity bins and its lead times.
type Plot<'a> = (String, &'a [(usize, usize)], Vec<f64>);

fn pct(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{:.1} %", 100.0 * v))
}

fn sec(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.2} s"))
}

fn lead_json(sorted: &[f64]) -> Value {
    let p = |q: f64| {
        let n = sorted.len();
        (n > 0).then(|| sorted[(((q / 100.0) * (n as f64 - 1.0)).round() as usize).min(n - 1)])
    };
    json!({"count": sorted.len(), "p10": p(10.0), "p50": p(50.0), "p90": p(90.0)})
}

fn severity_json(by: &[(usize, usize)]) -> Value {
    BINS.iter()
        .zip(by)
        .map(|((lo, hi), (n, w))| {
            json!({"min_ttc_from_s": lo, "min_ttc_to_s": hi, "conflicts": n, "warned": w})
        })
        .collect()
}

impl Written<'_> {
    fn partial(&self) -> Option<String> {
        self.out.interrupted.map(|signal| {
            format!(
                "**partial**: interrupted by {signal} at {:.1} s simulated; the figures cover what ran",
                self.out.sim_s
            )
        })
    }

    /// The table printed and put in `report.md`.
    pub fn table(&self) -> String {
        let (r, k) = (self.report, self.criteria);
        let mut t = String::new();
        let _ = writeln!(
            t,
            "scenario: {}\nsimulated {:.0} s ({:.2}x real time), up to {} vehicles",
            self.scenario,
            self.out.sim_s,
            self.out.sim_s / self.out.wall_s.max(1e-9),
            self.out.max_vehicles
        );
        if self.out.red_light_runs > 0 {
            let _ = writeln!(
                t,
                "red light runners drove on at {} yellow or red lights",
                self.out.red_light_runs
            );
        }
        if let Some(p) = self.partial() {
            let _ = writeln!(t, "{p}");
        }
        let _ = writeln!(
            t,
            "\n| all applications | value |\n| --- | --- |\n\
             | SSM conflicts (TTC < 4 s, pair and begin once) | {} |\n\
             | critical situations in the applications' operating range | {} |\n\
             | ... warned in time | {} |\n| recall | {} |\n\
             | every critical situation (recall_all): warned / all | {} / {} ({}) |\n\
             | advisories evaluated | {} |\n| ... with nothing behind them | {} |\n\
             | ... of those, not judged (a vehicle of theirs left the simulation first) | {} |\n\
             | precision (of the advisories judged) | {} |\n",
            r.conflicts,
            r.critical(),
            r.warned(),
            pct(r.recall()),
            r.all.1,
            r.all.0,
            pct(r.recall_all()),
            r.advisories(),
            r.unbacked(),
            r.unjudged(),
            pct(r.precision()),
        );
        let _ = writeln!(
            t,
            "| application | critical | warned in time | recall | outside range: warned / all | lead time p10 / p50 / p90 | advisories | nothing behind | not judged | precision |\n\
             | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        );
        for a in &r.apps {
            let _ = writeln!(
                t,
                "| {} | {} | {} | {} | {} / {} | {} / {} / {} | {} | {} | {} | {} |",
                a.scenario,
                a.critical,
                a.warned,
                pct(a.recall()),
                a.out_of_range.1,
                a.out_of_range.0,
                sec(a.lead_percentile(10.0)),
                sec(a.lead_percentile(50.0)),
                sec(a.lead_percentile(90.0)),
                a.advisories,
                a.unbacked,
                a.unjudged,
                pct(a.precision()),
            );
        }
        for a in r.apps.iter().filter(|a| a.backed_by_another > 0) {
            let others: Vec<&str> = eval::ALSO_BACKED_BY
                .iter()
                .filter(|(app, _)| *app == a.scenario)
                .map(|(_, by)| *by)
                .collect();
            let _ = writeln!(
                t,
                "\n{}: {} of its advisories had only a situation of {} of the pair behind them",
                a.scenario,
                a.backed_by_another,
                others.join(", ")
            );
        }
        if let Some(c) = &self.closed_loop {
            let _ = writeln!(
                t,
                "\n| closed loop, {:.0} % of vehicles equipped | without roadcloud | with roadcloud |\n| --- | --- | --- |\n\
                 | conflicts with minimum TTC < {} s | {} | {} ({}) |\n\
                 | of them car-following with the follower below {} m/s (FCW's range) | {} | {} |\n\
                 | the others | {} | {} ({}) |\n\
                 | vehicles in collisions | {} | {} |\n\
                 | vehicles entering a junction on red | {} | {} |\n\
                 | drivers' reactions to advisories | - | {} |\n\
                 | moments drivers looked away (ended by a warning) | {} | {} ({}) |\n\
                 | simulated | {:.0} s | {:.0} s |",
                100.0 * c.equipped,
                super::sumo::SEVERE_TTC_S,
                c.severe_without.all,
                c.severe_with.all,
                change(c.reduction()),
                roadcloud_sumo::eval::FCW_MIN_SPEED_MPS,
                c.severe_without.slow_following,
                c.severe_with.slow_following,
                c.severe_without.in_range(),
                c.severe_with.in_range(),
                change(c.reduction_in_range()),
                c.colliding_without,
                c.colliding_with,
                c.red_entries_without,
                c.red_entries_with,
                c.reactions,
                c.looking_away_without,
                c.looking_away_with.0,
                c.looking_away_with.1,
                c.without_simulated_s,
                self.out.sim_s,
            );
        }
        let also: Vec<String> = eval::ALSO_BACKED_BY
            .iter()
            .map(|(app, by)| format!(" (nor, for {app}, a situation of {by} of the pair)"))
            .collect();
        let _ = writeln!(
            t,
            "\ncritical: minimum TTC under {} s (SSM, pedestrians), or as the application's ground truth defines it (docs/sumo.md); in time: at least {} s before the minimum-TTC moment; nothing behind: no situation of the application, nor an SSM conflict of the pair{}, within {} s; not judged: nothing behind it, and its target or the vehicle it is about left the simulation (its route ended, or the run did) before the time to collision it gave and {} s more",
            k.critical_ttc_s,
            k.lead_s,
            also.concat(),
            k.window_s,
            k.window_s
        );
        t
    }

    /// The figures as JSON.
    pub fn json(&self) -> Value {
        let r = self.report;
        let apps: serde_json::Map<String, Value> = r
            .apps
            .iter()
            .map(|a: &AppReport| {
                (
                    a.scenario.to_string(),
                    json!({
                        "critical": a.critical,
                        "warned": a.warned,
                        "recall": a.recall(),
                        "out_of_range": {"critical": a.out_of_range.0, "warned": a.out_of_range.1},
                        "conflicts_by_severity": severity_json(&a.by_severity),
                        "lead_time_s": lead_json(&a.lead_times_s),
                        "advisories": a.advisories,
                        "advisories_without_conflict": a.unbacked,
                        "advisories_not_judged": a.unjudged,
                        "advisories_backed_by_another": a.backed_by_another,
                        "precision": a.precision(),
                    }),
                )
            })
            .collect();
        json!({
            "scenario": self.scenario,
            "simulated_s": self.out.sim_s,
            "wall_s": self.out.wall_s,
            "partial": self.out.interrupted.is_some(),
            "interrupted_by": self.out.interrupted,
            "conflicts": r.conflicts,
            "critical": r.critical(),
            "warned": r.warned(),
            "recall": r.recall(),
            "critical_all": r.all.0,
            "warned_all": r.all.1,
            "recall_all": r.recall_all(),
            "lead_time_s": lead_json(&r.lead_times_s()),
            "advisories": r.advisories(),
            "advisories_without_conflict": r.unbacked(),
            "advisories_not_judged": r.unjudged(),
            "precision": r.precision(),
            "applications": apps,
            "advisories_by_scenario": self.out.by_scenario(),
            "vehicles_in_collisions": self.out.colliding,
            "red_light_runs": self.out.red_light_runs,
            "closed_loop": self.closed_loop.as_ref().map(|c| json!({
                "equipped": c.equipped,
                "severe_ttc_s": super::sumo::SEVERE_TTC_S,
                "without_roadcloud": {
                    "simulated_s": c.without_simulated_s,
                    "severe_conflicts": c.severe_without.all,
                    "severe_slow_following": c.severe_without.slow_following,
                    "vehicles_in_collisions": c.colliding_without,
                    "red_light_entries": c.red_entries_without,
                    "moments_looking_away": c.looking_away_without,
                },
                "with_roadcloud": {
                    "simulated_s": self.out.sim_s,
                    "severe_conflicts": c.severe_with.all,
                    "severe_slow_following": c.severe_with.slow_following,
                    "vehicles_in_collisions": c.colliding_with,
                    "red_light_entries": c.red_entries_with,
                    "reactions": c.reactions,
                    "moments_looking_away": c.looking_away_with.0,
                    "looking_away_ended_by_warnings": c.looking_away_with.1,
                },
                "severe_conflict_reduction": c.reduction(),
                "severe_in_range_reduction": c.reduction_in_range(),
            })),
        })
    }

    /// Writes `report.md`, the plots and (when asked) the JSON.
    pub fn write(&self, dir: &Path, json_path: Option<&Path>) -> Result<()> {
        let r = self.report;
        let svg = |name: &str, text: String| -> Result<()> {
            std::fs::write(dir.join(name), text)
                .with_context(|| format!("cannot write {}", dir.join(name).display()))
        };
        let ratio = |n: usize, w: usize| if n > 0 { w as f64 / n as f64 } else { 0.0 };
        let mut md = format!("# roadcloud eval\n\n{}\n", self.table());
        svg(
            "recall_by_application.svg",
            eval::bar_chart(
                "Recall by application (critical situations warned in time)",
                "share warned in time",
                &r.apps
                    .iter()
                    .map(|a| {
                        (
                            format!("{} ({})", a.scenario, a.critical),
                            ratio(a.critical, a.warned),
                        )
                    })
                    .collect::<Vec<_>>(),
                1.0,
            ),
        )?;
        svg(
            "precision_by_application.svg",
            eval::bar_chart(
                "Precision by application (advisories judged with a situation behind them)",
                "share backed",
                &r.apps
                    .iter()
                    .map(|a| {
                        (
                            format!("{} ({})", a.scenario, a.advisories - a.unjudged),
                            a.precision().unwrap_or(0.0),
                        )
                    })
                    .collect::<Vec<_>>(),
                1.0,
            ),
        )?;
        md += "![recall by application](recall_by_application.svg)\n\n![precision by application](precision_by_application.svg)\n\n";
        // Severity over the situations with a TTC, lead times over all: for all
        // applications together, then each one's own.
        let mut severity = vec![(0usize, 0usize); BINS.len()];
        for a in &r.apps {
            for (s, x) in severity.iter_mut().zip(&a.by_severity) {
                s.0 += x.0;
                s.1 += x.1;
            }
        }
        let plots: Vec<Plot> =
            std::iter::once(("".to_string(), severity.as_slice(), r.lead_times_s()))
                .chain(r.apps.iter().map(|a| {
                    (
                        format!("_{}", a.scenario),
                        a.by_severity.as_slice(),
                        a.lead_times_s.clone(),
                    )
                }))
                .collect();
        for (suffix, by, leads) in plots {
            let who = if suffix.is_empty() {
                "all applications".to_string()
            } else {
                suffix[1..].to_string()
            };
            if !by.is_empty() {
                let bars: Vec<(String, f64)> = BINS
                    .iter()
                    .zip(by)
                    .map(|((lo, hi), (n, w))| (format!("{lo}-{hi} s ({n})"), ratio(*n, *w)))
                    .collect();
                let name = format!("recall_by_severity{suffix}.svg");
                svg(
                    &name,
                    eval::bar_chart(
                        &format!("Recall by severity (minimum TTC), {who}"),
                        "share warned in time",
                        &bars,
                        1.0,
                    ),
                )?;
                md += &format!("![recall by severity, {who}]({name})\n\n");
            }
            let mut hist = [0usize; 7];
            for t in &leads {
                // Below 0: after the key moment (EBW can only follow the braking).
                hist[if *t < 0.0 {
                    0
                } else {
                    (t.floor() as usize + 1).min(6)
                }] += 1;
            }
            let bars: Vec<(String, f64)> = hist
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let label = match i {
                        0 => "< 0 s".to_string(),
                        6 => "5+ s".to_string(),
                        _ => format!("{}-{} s", i - 1, i),
                    };
                    (label, *n as f64)
                })
                .collect();
            let most = hist.iter().copied().max().unwrap_or(0).max(1) as f64;
            let name = format!("lead_times{suffix}.svg");
            svg(
                &name,
                eval::bar_chart(
                    &format!("Lead time of the first warning, {who}"),
                    "situations",
                    &bars,
                    most,
                ),
            )?;
            md += &format!("![lead times, {who}]({name})\n\n");
        }
        std::fs::write(dir.join("report.md"), md)
            .with_context(|| format!("cannot write {}", dir.join("report.md").display()))?;
        if let Some(path) = json_path {
            std::fs::write(path, serde_json::to_string_pretty(&self.json())? + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }
}
