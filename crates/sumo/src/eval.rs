//! roadcloud's warnings against what happened in SUMO, application by application: which
//! situations each warned of and how early, and which of its warnings had nothing behind
//! them.
//!
//! Every application's ground truth becomes [`Situation`]s: SSM's conflicts (car-following
//! ones for FCW, crossing ones for ICW, or for LTA when one of the pair turned left) and the
//! bridge's own [`crate::truth::Event`]s (EBW, RLVW, LCW, VRUCW). A situation is critical
//! when it is one a driver must be warned of (for SSM's and pedestrian encounters: a minimum
//! TTC under [`Criteria::critical_ttc_s`]); it was warned of when its target received the
//! application's advisory about it between [`Situation::from_s`] and
//! [`Situation::deadline_s`]. An advisory is backed when its target had a situation of that
//! application around it (from `from_s` to `until_s`) or, for advisories about another
//! vehicle, any SSM conflict with that vehicle within [`Criteria::window_s`].

use crate::ssm::{Conflict, Encounter};
use crate::truth::{Found, Lanes, edge_lane};
use std::collections::HashMap;

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
    /// The time to collision it gave, seconds, when it gave one.
    pub ttc_s: Option<f64>,
}

/// Until when the simulation shows each vehicle: SUMO removes a vehicle at the end of its
/// route (at the network's border, where the real road goes on) and the run ends at its last
/// step. An advisory whose conflict would come after its target or the vehicle it is about
/// has gone cannot be judged from what SUMO recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    /// Each vehicle's last step in the run, seconds.
    pub last_s: HashMap<String, f64>,
}

impl Seen {
    /// Whether `vehicle` was gone from the simulation before `t`.
    pub fn gone_before(&self, vehicle: &str, t: f64) -> bool {
        self.last_s.get(vehicle).is_none_or(|last| *last < t)
    }
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

/// The applications evaluated, in the report's order.
pub const SCENARIOS: [&str; 7] = ["FCW", "ICW", "LTA", "LCW", "EBW", "RLVW", "VRUCW"];

/// The host speed from which a forward collision warning system must operate: ISO
/// 15623:2013 (adopted as GB/T 33577-2017) requires the minimum operating speed V_min to be
/// at most 11.1 m/s (40 km/h); car-following conflicts of a slower follower lie outside the
/// range the standard requires and are counted apart, m/s.
pub const FCW_MIN_SPEED_MPS: f64 = 11.1;

/// Whether `c` is a car-following conflict whose follower drove slower than
/// [`FCW_MIN_SPEED_MPS`] at its lowest TTC: outside the range FCW's standard requires.
pub fn below_fcw_range(c: &Conflict) -> bool {
    c.follower
        .as_ref()
        .is_some_and(|(_, v)| *v < FCW_MIN_SPEED_MPS)
}

/// How long before entering its junction a red-light runner may be warned, seconds (RLVW
/// looks that far ahead).
pub const RLVW_AHEAD_S: f64 = 8.0;
/// How long after a hard braking began its follower may still be warned in time, seconds
/// (a driver's brake reaction time to brake lights).
pub const EBW_REACTION_S: f64 = 1.0;
/// How long before a lane change its LCW may come, seconds.
pub const LCW_AHEAD_S: f64 = 5.0;

/// An application's advisories that a situation of another application of the same pair
/// backs as well: (the advisory's application, the situation's). FCW predicts a leader's
/// lasting brake (the decelerating lead vehicle of ISO 15623's tests): the gap closes once
/// the leader has slowed. SSM's TTC and DRAC take both vehicles at their present speeds and
/// see nothing while the speeds are still together, and SUMO's drivers, who react at once,
/// keep them together; the bridge's EBW situation (the leader braking harder than 4 m/s²
/// with this follower within 3 s, from SUMO's exact decelerations) is that conflict. On the
/// motorway scenario most of FCW's advisories without an SSM conflict were about a leader
/// braking at 4 to 9 m/s² 10 to 25 m ahead.
pub const ALSO_BACKED_BY: [(&str, &str); 1] = [("FCW", "EBW")];

/// Critical situations by severity: minimum TTC under 1 s, 1 to 1.5 s, 1.5 s to the limit.
pub const BINS: [(f64, f64); 3] = [(0.0, 1.0), (1.0, 1.5), (1.5, 2.0)];

/// Something an application should warn of, in one form for all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    /// The application.
    pub scenario: &'static str,
    /// The vehicle to warn (for SSM's conflicts, either of the pair).
    pub target: String,
    /// The vehicle it is about; None when the advisory's other party cannot be told (a
    /// pedestrian seen by a camera, a red light).
    pub other: Option<String>,
    /// Whether a warning to `other` about `target` counts too (SSM's pairs).
    pub either_way: bool,
    /// From when an advisory is about it.
    pub from_s: f64,
    /// The latest a warning helps.
    pub deadline_s: f64,
    /// Until when an advisory is about it.
    pub until_s: f64,
    /// The moment lead times are measured to.
    pub key_s: f64,
    /// The minimum TTC, when the situation has one.
    pub ttc_s: Option<f64>,
    /// Whether a driver must be warned of it.
    pub critical: bool,
    /// Whether it lies in the operating range the application's standard requires.
    pub in_range: bool,
}

impl Situation {
    fn concerns(&self, w: &Received) -> bool {
        let other = w.other.as_deref();
        let direct = w.target == self.target
            && self
                .other
                .as_deref()
                .is_none_or(|o| other.is_none_or(|x| x == o));
        let reverse = self.either_way
            && self.other.as_deref() == Some(w.target.as_str())
            && other == Some(self.target.as_str());
        direct || reverse
    }

    /// Whether it backs advisory `w`: it concerns `w`, and `w` came from when it may be
    /// warned of to its end and the window after.
    fn backs(&self, w: &Received) -> bool {
        self.concerns(w) && w.at_s >= self.from_s && w.at_s <= self.until_s
    }
}

/// Which way a vehicle turned at the junction it was in or coming to at `t`: the junction it
/// was inside then (its last entry before), or else the next it entered, however long it
/// waited first (a left-turner gives way to the oncoming traffic at the stop line, a crossing
/// conflict's lowest TTC often comes before that).
fn turn_at(truth: &Found, vehicle: &str, t: f64) -> Option<char> {
    let entries = truth.movements.get(vehicle)?;
    let inside = truth
        .lanes
        .at(vehicle, t)
        .is_some_and(|l| l.starts_with(':'));
    if inside {
        entries.iter().rev().find(|m| m.at_s <= t)
    } else {
        entries.iter().find(|m| m.at_s > t)
    }
    .map(|m| m.dir)
}

/// Whether `a` and `b` drove side by side at `t`, on two lanes of one edge: SSM counts a
/// lane change into the gap ahead of a follower, or behind a leader, as a car-following
/// conflict from the moment the two share a lane.
fn side_by_side(lanes: &Lanes, a: &str, b: &str, t: f64) -> bool {
    let edge = |v: &str| lanes.at(v, t).and_then(edge_lane);
    matches!((edge(a), edge(b)), (Some((ea, ia)), Some((eb, ib))) if ea == eb && ia != ib)
}

/// The situations of SSM's conflicts and of what the bridge found ([`Found`]): its events,
/// and the vehicles' junction entries and lanes that tell what a conflict was.
pub fn situations(conflicts: &[Conflict], truth: &Found, k: Criteria) -> Vec<Situation> {
    let events = &truth.events;
    // Each vehicle's hard stops at a red light (RLVW's averted situations): from when it
    // began to brake to when it stood.
    let mut red_stops: HashMap<&str, Vec<(f64, f64)>> = HashMap::new();
    for e in events.iter().filter(|e| e.scenario == "RLVW" && e.averted) {
        red_stops
            .entry(e.target.as_str())
            .or_default()
            .push((e.begin_s, e.end_s));
    }
    let stopped_at_red = |v: &str, t: f64| {
        red_stops
            .get(v)
            .is_some_and(|stops| stops.iter().any(|(b, e)| t >= b - k.window_s && t <= *e))
    };
    let mut out = Vec::new();
    for c in conflicts {
        let Some((t_min, ttc)) = c.min_ttc else {
            continue;
        };
        let scenario = match c.encounter {
            Encounter::Following => "FCW",
            Encounter::Crossing => {
                let left = |v: &str| turn_at(truth, v, t_min).is_some_and(|d| d == 'l');
                if left(&c.ego) || left(&c.foe) {
                    "LTA"
                } else {
                    "ICW"
                }
            }
            // Merges at junctions and encounters SSM does not classify: no application of
            // their own; they count in `recall_all`.
            Encounter::Merging | Encounter::Other => "",
        };
        let (target, other) = match &c.follower {
            Some((f, _)) if *f == c.foe => (c.foe.clone(), c.ego.clone()),
            _ => (c.ego.clone(), c.foe.clone()),
        };
        out.push(Situation {
            scenario,
            target,
            other: Some(other),
            either_way: true,
            from_s: c.begin_s - k.window_s,
            deadline_s: t_min - k.lead_s,
            until_s: c.end_s + k.window_s,
            key_s: t_min,
            ttc_s: Some(ttc),
            // A crossing one of whose vehicles came on at its speed to its red and stopped
            // hard at the stop line was the red's: SSM's TTC took that vehicle on into a
            // junction it never entered, and RLVW's ground truth counts the stop. It backs
            // advisories about the pair, as the stop backs RLVW's, but is no miss.
            critical: ttc < k.critical_ttc_s
                && !(c.encounter == Encounter::Crossing
                    && (stopped_at_red(&c.ego, t_min) || stopped_at_red(&c.foe, t_min))),
            // FCW warns of a vehicle ahead in the host's lane (T/CSAE 53-2020's FCW): a
            // conflict that began with a lane change less than the lead time before its
            // lowest TTC leaves no FCW the time to warn (it is LCW's: the bridge's truth
            // counts the change into an occupied gap there).
            in_range: scenario != "FCW"
                || (!below_fcw_range(c)
                    && !side_by_side(&truth.lanes, &c.ego, &c.foe, t_min - k.lead_s)),
        });
    }
    for e in events {
        let (from_s, deadline_s, until_s, ttc_s, critical) = match e.scenario {
            "EBW" => (
                e.begin_s - 0.5,
                e.begin_s + EBW_REACTION_S,
                e.end_s + k.window_s,
                None,
                true,
            ),
            // A signalled change into an occupied gap, not made: advisories while it lasted
            // (and the usual window around it) have something behind them.
            "LCW" if e.averted => (
                e.begin_s - k.window_s,
                e.at_s - k.lead_s,
                e.end_s + k.window_s,
                None,
                false,
            ),
            "RLVW" | "LCW" => (
                e.at_s
                    - if e.scenario == "RLVW" {
                        RLVW_AHEAD_S
                    } else {
                        LCW_AHEAD_S
                    },
                e.at_s - k.lead_s,
                e.at_s + k.window_s,
                None,
                !e.averted,
            ),
            _ => (
                e.begin_s - k.window_s,
                e.at_s - k.lead_s,
                e.end_s + k.window_s,
                Some(e.measure),
                e.measure < k.critical_ttc_s,
            ),
        };
        out.push(Situation {
            scenario: e.scenario,
            target: e.target.clone(),
            // A pedestrian's advisory names a camera's track, not SUMO's person.
            other: e.other.clone().filter(|_| e.scenario != "VRUCW"),
            either_way: false,
            from_s,
            deadline_s,
            until_s,
            key_s: e.at_s,
            ttc_s,
            critical,
            in_range: e.in_range,
        });
    }
    out
}

/// One application's figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppReport {
    /// The application.
    pub scenario: &'static str,
    /// Critical situations in its operating range.
    pub critical: usize,
    /// Of them, warned of in time.
    pub warned: usize,
    /// Critical situations outside its operating range, and how many of them were warned.
    pub out_of_range: (usize, usize),
    /// Per severity bin (for situations with a TTC): (critical, warned in time).
    pub by_severity: Vec<(usize, usize)>,
    /// Lead times of the first warning before the key moment, seconds, sorted.
    pub lead_times_s: Vec<f64>,
    /// Its advisories.
    pub advisories: usize,
    /// Of them, with nothing behind them.
    pub unbacked: usize,
    /// Of those, the ones that cannot be judged: their target or the vehicle they are about
    /// left the simulation (or the run ended) before the conflict they foresaw could come
    /// ([`Seen`]).
    pub unjudged: usize,
    /// Its advisories backed only by a situation of another application of the pair
    /// ([`ALSO_BACKED_BY`]).
    pub backed_by_another: usize,
}

impl AppReport {
    /// `warned / critical`.
    pub fn recall(&self) -> Option<f64> {
        (self.critical > 0).then(|| self.warned as f64 / self.critical as f64)
    }

    /// Of the advisories that can be judged, the share with something behind them:
    /// `1 - (unbacked - unjudged) / (advisories - unjudged)`.
    pub fn precision(&self) -> Option<f64> {
        judged_share(self.advisories, self.unbacked, self.unjudged)
    }

    /// The `p`-th percentile of the lead times, seconds.
    pub fn lead_percentile(&self, p: f64) -> Option<f64> {
        percentile(&self.lead_times_s, p)
    }
}

/// `1 - (unbacked - unjudged) / (advisories - unjudged)`, when any advisory can be judged.
fn judged_share(advisories: usize, unbacked: usize, unjudged: usize) -> Option<f64> {
    let judged = advisories - unjudged;
    (judged > 0).then(|| 1.0 - (unbacked - unjudged) as f64 / judged as f64)
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    (n > 0).then(|| {
        let i = ((p / 100.0) * (n as f64 - 1.0)).round() as usize;
        sorted[i.min(n - 1)]
    })
}

/// The figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// Conflicts SUMO's SSM recorded (pair and begin once).
    pub conflicts: usize,
    /// Per application.
    pub apps: Vec<AppReport>,
    /// Every critical situation, in range or not, and SSM's critical conflicts of kinds no
    /// application covers (merges): how many, and how many were warned by any application.
    pub all: (usize, usize),
    /// Each critical situation (its index in the situations evaluated) with the first
    /// warning of it by its application (by any, for the kinds no application covers), from
    /// when it may be warned of to its key moment: to look up why one was missed.
    pub first_warnings: Vec<(usize, Option<f64>)>,
    /// Each advisory evaluated, in the order given: whether it had something behind it
    /// ([`backed`]); None for an application not evaluated.
    pub backed: Vec<Option<bool>>,
}

impl Report {
    /// Critical situations in range, all applications.
    pub fn critical(&self) -> usize {
        self.apps.iter().map(|a| a.critical).sum()
    }

    /// Of them, warned in time.
    pub fn warned(&self) -> usize {
        self.apps.iter().map(|a| a.warned).sum()
    }

    /// All applications' advisories.
    pub fn advisories(&self) -> usize {
        self.apps.iter().map(|a| a.advisories).sum()
    }

    /// Of them, with nothing behind them.
    pub fn unbacked(&self) -> usize {
        self.apps.iter().map(|a| a.unbacked).sum()
    }

    /// Of those, the ones that cannot be judged.
    pub fn unjudged(&self) -> usize {
        self.apps.iter().map(|a| a.unjudged).sum()
    }

    /// All applications together, situations in range: warned / critical.
    pub fn recall(&self) -> Option<f64> {
        let c = self.critical();
        (c > 0).then(|| self.warned() as f64 / c as f64)
    }

    /// Every critical situation: warned / critical.
    pub fn recall_all(&self) -> Option<f64> {
        (self.all.0 > 0).then(|| self.all.1 as f64 / self.all.0 as f64)
    }

    /// Every application's lead times together, sorted, seconds.
    pub fn lead_times_s(&self) -> Vec<f64> {
        let mut all: Vec<f64> = self
            .apps
            .iter()
            .flat_map(|a| a.lead_times_s.iter().copied())
            .collect();
        all.sort_by(f64::total_cmp);
        all
    }

    /// All applications together, of the advisories that can be judged: the share with
    /// something behind them.
    pub fn precision(&self) -> Option<f64> {
        judged_share(self.advisories(), self.unbacked(), self.unjudged())
    }
}

/// Whether advisory `w` has something behind it: a situation of its application among
/// `situations` that concerns it, from when it may be warned of to its end and the window
/// after, or any conflict of its pair within the window.
pub fn backed<'s>(
    w: &Received,
    situations: impl IntoIterator<Item = &'s Situation>,
    conflicts: &[Conflict],
    k: Criteria,
) -> bool {
    let own = situations
        .into_iter()
        .any(|s| s.scenario == w.scenario && s.backs(w));
    own || w.other.as_deref().is_some_and(|o| {
        conflicts.iter().any(|c| {
            ((c.ego == w.target && c.foe == o) || (c.foe == w.target && c.ego == o))
                && w.at_s >= c.begin_s - k.window_s
                && w.at_s <= c.end_s + k.window_s
        })
    })
}

/// Whether a situation of another application backs advisory `w` ([`ALSO_BACKED_BY`]): one
/// of its pair, from when it may be warned of to its end and the window after.
fn backed_by_another(w: &Received, situations: &[Situation]) -> bool {
    situations.iter().any(|s| {
        ALSO_BACKED_BY.contains(&(w.scenario.as_str(), s.scenario))
            && w.other.is_some()
            && s.backs(w)
    })
}

/// Compares `received` warnings with the situations.
pub fn evaluate(
    conflicts: &[Conflict],
    situations: &[Situation],
    received: &[Received],
    seen: &Seen,
    k: Criteria,
) -> Report {
    let mut report = Report {
        conflicts: conflicts.len(),
        backed: vec![None; received.len()],
        ..Report::default()
    };
    // The first in-time warning of a situation among warnings `ws`, with its lead time.
    let first = |s: &Situation, ws: &[&Received]| -> Option<f64> {
        ws.iter()
            .filter(|w| s.concerns(w) && w.at_s >= s.from_s && w.at_s <= s.key_s.max(s.deadline_s))
            .map(|w| w.at_s)
            .reduce(f64::min)
    };
    let pair_warnings: Vec<&Received> = received
        .iter()
        .filter(|w| SCENARIOS.contains(&w.scenario.as_str()) && w.other.is_some())
        .collect();
    for scenario in SCENARIOS {
        let ws: Vec<&Received> = received.iter().filter(|w| w.scenario == scenario).collect();
        let mine: Vec<&Situation> = situations
            .iter()
            .filter(|s| s.scenario == scenario)
            .collect();
        let mut a = AppReport {
            scenario,
            advisories: ws.len(),
            ..AppReport::default()
        };
        let with_ttc = mine.iter().any(|s| s.ttc_s.is_some());
        if with_ttc {
            a.by_severity = vec![(0, 0); BINS.len()];
        }
        for s in mine.iter().filter(|s| s.critical) {
            let t = first(s, &ws);
            let in_time = t.is_some_and(|t| t <= s.deadline_s);
            if !s.in_range {
                a.out_of_range.0 += 1;
                a.out_of_range.1 += usize::from(in_time);
                continue;
            }
            a.critical += 1;
            a.warned += usize::from(in_time);
            if let Some(t) = t {
                a.lead_times_s.push(s.key_s - t);
            }
            if let Some(bin) = s
                .ttc_s
                .and_then(|v| BINS.iter().position(|(lo, hi)| (*lo..*hi).contains(&v)))
            {
                a.by_severity[bin].0 += 1;
                a.by_severity[bin].1 += usize::from(in_time);
            }
        }
        a.lead_times_s.sort_by(f64::total_cmp);
        let mut unbacked: Vec<&Received> = Vec::new();
        for (i, w) in received.iter().enumerate() {
            if w.scenario == scenario {
                let own = backed(w, mine.iter().copied(), conflicts, k);
                let by_another = !own && backed_by_another(w, situations);
                report.backed[i] = Some(own || by_another);
                a.backed_by_another += usize::from(by_another);
                if !(own || by_another) {
                    unbacked.push(w);
                }
            }
        }
        a.unbacked = unbacked.len();
        // The latest its conflict could have been recorded: its time to collision (or now)
        // and the window after it.
        a.unjudged = unbacked
            .iter()
            .filter(|w| {
                let by = w.at_s + w.ttc_s.unwrap_or(0.0) + k.window_s;
                seen.gone_before(&w.target, by)
                    || w.other.as_deref().is_some_and(|o| seen.gone_before(o, by))
            })
            .count();
        report.apps.push(a);
    }
    // Every critical situation, by any application's warning of the pair (or target).
    for (i, s) in situations.iter().enumerate().filter(|(_, s)| s.critical) {
        report.all.0 += 1;
        let ws: Vec<&Received> = if s.scenario.is_empty() {
            pair_warnings.clone()
        } else {
            received
                .iter()
                .filter(|w| w.scenario == s.scenario)
                .collect()
        };
        let t = first(s, &ws);
        report.all.1 += usize::from(t.is_some_and(|t| t <= s.deadline_s));
        report.first_warnings.push((i, t));
    }
    report
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
    use crate::truth::{Event, Movement};

    fn conflict(a: &str, b: &str, begin: f64, t_min: f64, ttc: f64, kind: Encounter) -> Conflict {
        Conflict {
            begin_s: begin,
            end_s: t_min + 2.0,
            ego: a.into(),
            foe: b.into(),
            min_ttc: Some((t_min, ttc)),
            min_pet: None,
            encounter: kind,
            follower: None,
        }
    }

    fn warn(at: f64, scenario: &str, target: &str, other: Option<&str>) -> Received {
        Received {
            at_s: at,
            scenario: scenario.into(),
            target: target.into(),
            other: other.map(Into::into),
            ttc_s: None,
        }
    }

    /// Conflicts of the pairs a-b, c-d and e-f of kind `kind`, each from 10 s, its lowest
    /// TTC `ttc` at `t_min`.
    fn three(kind: Encounter, t_min: f64, ttc: f64) -> [Conflict; 3] {
        [("a", "b"), ("c", "d"), ("e", "f")].map(|(x, y)| conflict(x, y, 10.0, t_min, ttc, kind))
    }

    fn found(events: &[Event]) -> Found {
        Found {
            events: events.to_vec(),
            ..Found::default()
        }
    }

    #[test]
    fn a_following_conflict_that_began_with_a_late_lane_change_is_not_fcws_to_warn() {
        let conflicts = three(Encounter::Following, 14.0, 0.8);
        let mut truth = Found::default();
        // b came into a's lane 0.5 s before the lowest TTC: side by side 1 s before it.
        truth.lanes.enter("a", 0.0, "main_0");
        truth.lanes.enter("b", 0.0, "main_1");
        truth.lanes.enter("b", 13.5, "main_0");
        // d came into c's lane 2 s before: c could have been warned.
        truth.lanes.enter("c", 0.0, "main_0");
        truth.lanes.enter("d", 0.0, "main_1");
        truth.lanes.enter("d", 12.0, "main_0");
        // e behind f, one edge further on (not side by side), and behind it inside a junction.
        truth.lanes.enter("e", 0.0, "in_0");
        truth.lanes.enter("f", 0.0, "out_1");
        truth.lanes.enter("f", 12.5, ":j_0_0");
        let s = situations(&conflicts, &truth, Criteria::default());
        let in_range: Vec<bool> = s.iter().map(|s| s.in_range).collect();
        assert_eq!(in_range, [false, true, true]);
    }

    /// Every vehicle named in the tests in the simulation until 100 s, and those of `gone`
    /// until the time given.
    fn seen(gone: &[(&str, f64)]) -> Seen {
        let mut last_s: HashMap<String, f64> = "abcdefghijqrxy"
            .chars()
            .map(|c| (c.to_string(), 100.0))
            .collect();
        last_s.extend(gone.iter().map(|(v, t)| (v.to_string(), *t)));
        Seen { last_s }
    }

    #[test]
    fn warned_in_time_late_or_not_at_all_and_warnings_without_a_conflict() {
        use Encounter::*;
        let mut slow = conflict("i", "j", 50.0, 52.0, 1.0, Following);
        slow.follower = Some(("j".into(), 4.0)); // a queue: outside FCW's range
        let conflicts = [
            conflict("a", "b", 10.0, 14.0, 0.8, Following), // warned 3 s ahead
            conflict("c", "d", 20.0, 22.0, 1.2, Following), // warned 0.5 s ahead: too late
            conflict("e", "f", 30.0, 33.0, 1.8, Crossing),  // not warned
            conflict("g", "h", 40.0, 41.0, 3.0, Following), // not critical
            slow,
        ];
        let received = [
            warn(11.0, "FCW", "b", Some("a")),
            warn(21.5, "FCW", "c", Some("d")),
            warn(41.0, "FCW", "g", Some("h")),
            warn(70.0, "FCW", "x", Some("y")), // nothing behind it
            warn(31.0, "FCW", "e", Some("f")), // the wrong application, but a real conflict
            // Nothing behind it, but the vehicle it is about left the simulation 1 s later,
            // before the conflict it foresaw in 1.5 s: not judged.
            Received {
                ttc_s: Some(1.5),
                ..warn(80.0, "FCW", "u", Some("v"))
            },
            // The same 3 s after it: judged, and nothing behind it.
            Received {
                ttc_s: Some(1.5),
                ..warn(80.0, "FCW", "u", Some("w"))
            },
        ];
        let k = Criteria::default();
        let s = situations(&conflicts, &Found::default(), k);
        let seen = seen(&[("u", 100.0), ("v", 81.0), ("w", 83.6)]);
        let r = evaluate(&conflicts, &s, &received, &seen, k);
        let fcw = &r.apps[0];
        assert_eq!(fcw.scenario, "FCW");
        assert_eq!((fcw.critical, fcw.warned, fcw.out_of_range), (2, 1, (1, 0)));
        assert_eq!(fcw.by_severity, vec![(1, 1), (1, 0), (0, 0)]);
        assert_eq!(fcw.lead_times_s, vec![0.5, 3.0]);
        assert_eq!((fcw.advisories, fcw.unbacked, fcw.unjudged), (7, 3, 1));
        assert_eq!(fcw.precision(), Some(1.0 - 2.0 / 6.0));
        // Each advisory's own verdict, in the order received.
        let verdicts = [true, true, true, false, true, false, false].map(Some);
        assert_eq!(r.backed, verdicts);
        let icw = &r.apps[1];
        assert_eq!((icw.critical, icw.warned), (1, 0));
        assert_eq!(r.recall(), Some(1.0 / 3.0));
        assert_eq!(r.all, (4, 1));
        assert_eq!(r.precision(), Some(1.0 - 2.0 / 6.0));
    }

    #[test]
    fn crossings_with_a_left_turn_are_lta_and_events_match_their_target() {
        let conflicts = three(Encounter::Crossing, 12.0, 1.5);
        let entry = |at_s: f64, junction: &str, dir: char| Movement {
            at_s,
            junction: junction.into(),
            dir,
        };
        let movements = HashMap::from([
            // In the junction at the lowest TTC, turning left.
            ("b".to_string(), vec![entry(11.0, "J", 'l')]),
            // Waiting 15 s at the stop line before turning left.
            ("d".to_string(), vec![entry(27.0, "J", 'l')]),
            // Turned left at the junction before, straight on at this one.
            (
                "f".to_string(),
                vec![entry(6.0, "I", 'l'), entry(13.0, "J", 's')],
            ),
        ]);
        let events = [Event {
            scenario: "RLVW",
            target: "r".into(),
            other: None,
            begin_s: 30.0,
            end_s: 30.0,
            at_s: 30.0,
            measure: 8.0,
            averted: false,
            in_range: true,
        }];
        let k = Criteria::default();
        let mut truth = Found {
            movements,
            ..found(&events)
        };
        truth.lanes.enter("b", 11.0, ":J_0_0");
        truth.lanes.enter("f", 6.0, ":I_0_0");
        truth.lanes.enter("f", 7.0, "i_j_0");
        let s = situations(&conflicts, &truth, k);
        let kinds: Vec<&str> = s.iter().take(3).map(|s| s.scenario).collect();
        assert_eq!(kinds, ["LTA", "LTA", "ICW"]);
        let received = [
            warn(9.0, "LTA", "a", Some("b")),
            warn(27.0, "RLVW", "r", None), // 3 s ahead of entering on red
            warn(50.0, "RLVW", "q", None), // nothing behind it
        ];
        let r = evaluate(&conflicts, &s, &received, &seen(&[]), k);
        let lta = r.apps.iter().find(|a| a.scenario == "LTA").unwrap();
        let rlvw = r.apps.iter().find(|a| a.scenario == "RLVW").unwrap();
        assert_eq!((lta.critical, lta.warned), (2, 1));
        assert_eq!((rlvw.critical, rlvw.warned, rlvw.unbacked), (1, 1, 1));
        assert_eq!(rlvw.lead_times_s, vec![3.0]);
    }

    #[test]
    fn a_leaders_hard_braking_backs_fcw_about_that_leader() {
        // Leader l braked harder than 4 m/s² 20-22 s with f behind it; SSM saw nothing.
        let events = [Event {
            scenario: "EBW",
            target: "f".into(),
            other: Some("l".into()),
            begin_s: 20.0,
            end_s: 22.0,
            at_s: 20.0,
            measure: 6.0,
            averted: false,
            in_range: true,
        }];
        let k = Criteria::default();
        let s = situations(&[], &found(&events), k);
        let received = [
            warn(20.5, "FCW", "f", Some("l")), // about the braking leader
            warn(20.5, "FCW", "f", Some("m")), // about another vehicle
            warn(30.0, "FCW", "f", Some("l")), // long after the braking
            warn(20.5, "LCW", "f", Some("l")), // LCW is not backed by EBW's situations
        ];
        let r = evaluate(&[], &s, &received, &seen(&[]), k);
        let app = |name: &str| r.apps.iter().find(|a| a.scenario == name).unwrap();
        let fcw = app("FCW");
        assert_eq!(
            (fcw.advisories, fcw.unbacked, fcw.backed_by_another),
            (3, 2, 1)
        );
        assert_eq!((app("LCW").unbacked, app("LCW").backed_by_another), (1, 0));
        assert_eq!(r.backed[..3], [Some(true), Some(false), Some(false)]);
    }

    #[test]
    fn a_hard_stop_at_red_backs_an_advisory_but_is_not_a_miss() {
        let events = [Event {
            scenario: "RLVW",
            target: "h".into(),
            other: None,
            begin_s: 40.0,
            end_s: 43.0,
            at_s: 40.0,
            measure: 4.5,
            averted: true,
            in_range: true,
        }];
        // SSM's crossings of h with g as h began to brake, and long after it stood; one
        // following h as it braked.
        let conflicts = [
            conflict("g", "h", 38.0, 39.5, 1.8, Encounter::Crossing),
            conflict("g", "h", 50.0, 52.0, 1.8, Encounter::Crossing),
            conflict("f", "h", 38.0, 39.5, 1.8, Encounter::Following),
        ];
        let k = Criteria::default();
        let s = situations(&conflicts, &found(&events), k);
        let critical: Vec<(&str, bool)> = s.iter().map(|s| (s.scenario, s.critical)).collect();
        assert_eq!(
            critical,
            [
                ("ICW", false),
                ("ICW", true),
                ("FCW", true),
                ("RLVW", false)
            ]
        );
        let received = [
            warn(38.0, "RLVW", "h", None),     // before the driver braked hard
            warn(60.0, "RLVW", "h", None),     // nothing behind it
            warn(38.5, "ICW", "g", Some("h")), // about the crossing h did not make
        ];
        let r = evaluate(&conflicts, &s, &received, &seen(&[]), k);
        let rlvw = r.apps.iter().find(|a| a.scenario == "RLVW").unwrap();
        assert_eq!((rlvw.critical, rlvw.warned, rlvw.unbacked), (0, 0, 1));
        let icw = r.apps.iter().find(|a| a.scenario == "ICW").unwrap();
        assert_eq!((icw.critical, icw.warned, icw.unbacked), (1, 0, 0));
        // Nor among all critical situations: the later crossing and the following one.
        assert_eq!(r.all, (2, 0));
    }

    #[test]
    fn lane_changes_signalled_or_not_and_signals_towards_an_occupied_gap() {
        let lcw = |target: &str, at_s: f64, end_s: f64, averted: bool, in_range: bool| Event {
            scenario: "LCW",
            target: target.into(),
            other: Some("f".into()),
            begin_s: at_s,
            end_s,
            at_s,
            measure: 0.5,
            averted,
            in_range,
        };
        let events = [
            lcw("a", 20.0, 20.0, false, true),  // signalled, warned 2 s ahead
            lcw("b", 30.0, 30.0, false, true),  // signalled, not warned
            lcw("c", 40.0, 40.0, false, false), // no turn signal: counted apart
            lcw("d", 50.0, 56.0, true, true),   // a signal towards the gap, no change
        ];
        let k = Criteria::default();
        let s = situations(&[], &found(&events), k);
        assert_eq!(
            s.iter()
                .map(|s| (s.critical, s.in_range))
                .collect::<Vec<_>>(),
            [(true, true), (true, true), (true, false), (false, true)]
        );
        let received = [
            warn(18.0, "LCW", "a", Some("f")),
            warn(55.0, "LCW", "d", Some("f")), // while the signal lasts
            warn(57.5, "LCW", "d", Some("f")), // within the window after it
            warn(61.0, "LCW", "d", Some("f")), // nothing behind it
        ];
        let r = evaluate(&[], &s, &received, &seen(&[]), k);
        let a = r.apps.iter().find(|a| a.scenario == "LCW").unwrap();
        assert_eq!((a.critical, a.warned, a.out_of_range), (2, 1, (1, 0)));
        assert_eq!((a.advisories, a.unbacked), (4, 1));
        assert_eq!(r.all, (3, 1));
    }
}
