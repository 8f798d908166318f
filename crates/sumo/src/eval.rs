//! roadcloud's collision warnings against SUMO's conflicts: which conflicts were warned of,
//! how early, and which warnings had no conflict behind them.
//!
//! A conflict is critical when its minimum TTC is under [`Criteria::critical_ttc_s`]; it was
//! warned of when the vehicles of the pair received a warning about each other (FCW, ICW)
//! at least [`Criteria::lead_s`] before the minimum-TTC moment (and not more than
//! [`Criteria::window_s`] before the conflict began). A warning is backed when SUMO recorded
//! a conflict (TTC under its threshold, 4 s) of that pair within [`Criteria::window_s`] of it.

/// A warning as a vehicle received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// Simulation time it arrived, seconds.
    pub at_s: f64,
    /// Its scenario.
    pub scenario: String,
    /// The SUMO id of the vehicle it went to.
    pub target: String,
    /// The SUMO id of the vehicle it is about, when it is about one.
    pub other: Option<String>,
}

/// What counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Criteria {
    /// Conflicts with a minimum TTC below this are critical, seconds.
    pub critical_ttc_s: f64,
    /// A warning must come this long before the minimum-TTC moment, seconds.
    pub lead_s: f64,
    /// How far around a conflict a warning may be and still be about it, seconds.
    pub window_s: f64,
}

impl Default for Criteria {
    fn default() -> Self {
        Criteria {
            critical_ttc_s: 2.0,
            lead_s: 1.0,
            window_s: 2.0,
        }
    }
}

/// The scenarios measured: warnings about another vehicle.
pub const SCENARIOS: [&str; 2] = ["FCW", "ICW"];

/// Critical conflicts by severity: minimum TTC under 1 s, 1 to 1.5 s, 1.5 s to the limit.
pub const BINS: [(f64, f64); 3] = [(0.0, 1.0), (1.0, 1.5), (1.5, 2.0)];

/// The figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// Conflicts SUMO recorded (pair and begin once).
    pub conflicts: usize,
    /// Of them, critical.
    pub critical: usize,
    /// Critical and warned of in time.
    pub warned: usize,
    /// `warned / critical`.
    pub recall: Option<f64>,
    /// Per severity bin: (critical, warned in time).
    pub by_severity: Vec<(usize, usize)>,
    /// Lead times of the critical conflicts' first warnings (before the minimum-TTC moment),
    /// seconds, sorted.
    pub lead_times_s: Vec<f64>,
    /// Warnings (FCW, ICW) about another vehicle.
    pub advisories: usize,
    /// Of them, with no conflict of their pair near them.
    pub unbacked: usize,
    /// `1 - unbacked / advisories`.
    pub precision: Option<f64>,
}

impl Report {
    /// The `p`-th percentile of the lead times, seconds.
    pub fn lead_percentile(&self, p: f64) -> Option<f64> {
        let n = self.lead_times_s.len();
        (n > 0).then(|| {
            let i = ((p / 100.0) * (n as f64 - 1.0)).round() as usize;
            self.lead_times_s[i.min(n - 1)]
        })
    }
}

fn same_pair(c: &crate::ssm::Conflict, a: &str, b: &str) -> bool {
    (c.ego == a && c.foe == b) || (c.ego == b && c.foe == a)
}

/// Compares `received` warnings with `conflicts`.
pub fn evaluate(conflicts: &[crate::ssm::Conflict], received: &[Received], k: Criteria) -> Report {
    let warnings: Vec<&Received> = received
        .iter()
        .filter(|r| SCENARIOS.contains(&r.scenario.as_str()) && r.other.is_some())
        .collect();
    let mut r = Report {
        conflicts: conflicts.len(),
        by_severity: vec![(0, 0); BINS.len()],
        advisories: warnings.len(),
        ..Report::default()
    };
    for c in conflicts {
        let Some((t_min, ttc)) = c.min_ttc.filter(|(_, v)| *v < k.critical_ttc_s) else {
            continue;
        };
        r.critical += 1;
        let first = warnings
            .iter()
            .filter(|w| same_pair(c, &w.target, w.other.as_deref().unwrap_or("")))
            .filter(|w| w.at_s >= c.begin_s - k.window_s && w.at_s <= t_min)
            .map(|w| w.at_s)
            .reduce(f64::min);
        let in_time = first.is_some_and(|t| t_min - t >= k.lead_s);
        if let Some(t) = first {
            r.lead_times_s.push(t_min - t);
        }
        if in_time {
            r.warned += 1;
        }
        if let Some(bin) = BINS.iter().position(|(lo, hi)| (*lo..*hi).contains(&ttc)) {
            r.by_severity[bin].0 += 1;
            r.by_severity[bin].1 += usize::from(in_time);
        }
    }
    r.lead_times_s.sort_by(f64::total_cmp);
    r.unbacked = warnings
        .iter()
        .filter(|w| {
            let other = w.other.as_deref().unwrap_or("");
            !conflicts.iter().any(|c| {
                same_pair(c, &w.target, other)
                    && w.at_s >= c.begin_s - k.window_s
                    && w.at_s <= c.end_s + k.window_s
            })
        })
        .count();
    r.recall = (r.critical > 0).then(|| r.warned as f64 / r.critical as f64);
    r.precision = (r.advisories > 0).then(|| 1.0 - r.unbacked as f64 / r.advisories as f64);
    r
}

/// An SVG bar chart: `bars` of (label, value), values scaled to `max`.
pub fn bar_chart(title: &str, y_label: &str, bars: &[(String, f64)], max: f64) -> String {
    let (w, h, left, bottom) = (560.0, 320.0, 60.0, 50.0);
    let plot_w = w - left - 20.0;
    let plot_h = h - bottom - 40.0;
    let bw = plot_w / bars.len().max(1) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{title}</text>\n\
         <text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">{y_label}</text>\n\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n",
        w / 2.0,
        40.0 + plot_h / 2.0,
        40.0 + plot_h / 2.0,
        40.0 + plot_h,
        left + plot_w,
        40.0 + plot_h
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let bh = if max > 0.0 {
            plot_h * (v / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let x = left + i as f64 * bw + bw * 0.15;
        let y = 40.0 + plot_h - bh;
        s += &format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#3b7dd8\"/>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            bw * 0.7,
            x + bw * 0.35,
            40.0 + plot_h + 18.0,
            x + bw * 0.35,
            y - 4.0,
            if *v == v.trunc() {
                format!("{v}")
            } else {
                format!("{v:.2}")
            }
        );
    }
    s + "</svg>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssm::Conflict;

    fn conflict(a: &str, b: &str, begin: f64, t_min: f64, ttc: f64) -> Conflict {
        Conflict {
            begin_s: begin,
            end_s: t_min + 2.0,
            ego: a.into(),
            foe: b.into(),
            min_ttc: Some((t_min, ttc)),
        }
    }

    fn warn(at: f64, target: &str, other: &str) -> Received {
        Received {
            at_s: at,
            scenario: "FCW".into(),
            target: target.into(),
            other: Some(other.into()),
        }
    }

    #[test]
    fn warned_in_time_late_or_not_at_all_and_warnings_without_a_conflict() {
        let conflicts = [
            conflict("a", "b", 10.0, 14.0, 0.8), // warned 3 s ahead
            conflict("c", "d", 20.0, 22.0, 1.2), // warned 0.5 s ahead: too late
            conflict("e", "f", 30.0, 33.0, 1.8), // not warned
            conflict("g", "h", 40.0, 41.0, 3.0), // not critical
        ];
        let received = [
            warn(11.0, "b", "a"),
            warn(21.5, "c", "d"),
            warn(41.0, "g", "h"),
            warn(70.0, "x", "y"), // nothing behind it
        ];
        let r = evaluate(&conflicts, &received, Criteria::default());
        assert_eq!((r.conflicts, r.critical, r.warned), (4, 3, 1));
        assert_eq!(r.by_severity, vec![(1, 1), (1, 0), (1, 0)]);
        assert_eq!(r.lead_times_s, vec![0.5, 3.0]);
        assert_eq!((r.advisories, r.unbacked), (4, 1));
        assert_eq!(r.recall, Some(1.0 / 3.0));
        assert_eq!(r.precision, Some(0.75));
    }
}
