//! The misbehaviour detector against a run's labelled attackers (`roadcloud eval
//! --attackers`, `roadcloud demo --attackers --seconds`): detection per attack, false
//! reports on honest vehicles, and the advisories that rested on an attacker, read from the
//! run's store.

use anyhow::{Context, Result};
use roadcloud_per::jer::hex;
use roadcloud_sim::{Label, Reported, Score};
use roadcloud_store::{AdvisoryQuery, MisbehaviourQuery, Store};
use roadcloud_transport::DeviceId;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;

/// The figures, as text, JSON, and every report as JSON lines.
pub(crate) struct Figures {
    /// The table to print.
    pub(crate) text: String,
    json: Value,
    /// Each report, with the attack of the vehicle it is about (`null`: honest).
    lines: String,
}

impl Figures {
    /// Reads the reports and advisories stored in `data_dir` and scores them against
    /// `labels`; `present` is when each vehicle was first and last seen.
    pub(crate) fn read(
        data_dir: &Path,
        labels: &[Label],
        present: &HashMap<[u8; 8], (i64, i64)>,
    ) -> Result<Figures> {
        let (store, writer, handle) = Store::open(data_dir)
            .map_err(|e| anyhow::anyhow!("cannot open the run's store: {e}"))?;
        let records = store
            .misbehaviour(&MisbehaviourQuery {
                from: 0,
                to: i64::MAX,
                limit: u32::MAX,
                ..Default::default()
            })
            .map_err(|e| anyhow::anyhow!("cannot read the misbehaviour reports: {e}"))?;
        let advisories = store
            .advisories(&AdvisoryQuery {
                from: 0,
                to: i64::MAX,
                limit: u32::MAX,
                ..Default::default()
            })
            .map_err(|e| anyhow::anyhow!("cannot read the advisories: {e}"))?;
        drop(writer);
        let _ = handle.join();
        let attack_of: HashMap<String, &str> = labels
            .iter()
            .flat_map(|l| l.ids.iter().map(move |id| (hex(id), l.attack.as_str())))
            .collect();
        let mut lines = String::new();
        for r in &records {
            let report: Value = serde_json::from_str(&r.json).unwrap_or(Value::Null);
            lines += &json!({"attack": attack_of.get(&r.device), "report": report}).to_string();
            lines.push('\n');
        }
        // Reports of a check switched off (action `none`) cost no trust and count for
        // nothing.
        let reports: Vec<Reported> = records
            .into_iter()
            .filter(|r| r.action != "none")
            .filter_map(|r| {
                Some(Reported {
                    vehicle: DeviceId::parse(&r.device)?.0,
                    kind: r.kind,
                    at_ms: r.at,
                })
            })
            .collect();
        let score = Score::of(labels, &reports, present);
        // Advisories resting on an attacker (for it, or about one of its ids) once it lied,
        // by its attack, and whether the detector had reported it yet.
        let first_report: HashMap<[u8; 8], i64> =
            reports.iter().fold(HashMap::new(), |mut m, r| {
                let at = m.entry(r.vehicle).or_insert(r.at_ms);
                *at = (*at).min(r.at_ms);
                m
            });
        let liars: HashMap<[u8; 8], &Label> = labels
            .iter()
            .filter(|l| l.lied)
            .flat_map(|l| l.ids.iter().map(move |id| (*id, l)))
            .collect();
        let reported_at = |l: &Label| l.ids.iter().filter_map(|id| first_report.get(id)).min();
        let ids = |v: &Value| v.as_str().and_then(DeviceId::parse).map(|d| d.0);
        let lied = |id: [u8; 8], at: i64| liars.get(&id).filter(|l| at >= l.onset_ms).copied();
        // (to an attacker, about one to an honest vehicle)
        let (mut to_attackers, mut about_attackers) = (0, 0);
        let mut by_attack: std::collections::BTreeMap<&str, [u64; 3]> = Default::default();
        for r in &advisories {
            let Ok(a) = serde_json::from_str::<Value>(&r.json) else {
                continue;
            };
            let (liar, to) = if let Some(l) = ids(&a["target"]).and_then(|id| lied(id, r.at)) {
                to_attackers += 1;
                (l, true)
            } else if let Some(l) = a["others"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| ids(&o["id"]))
                .find_map(|id| lied(id, r.at))
            {
                about_attackers += 1;
                (l, false)
            } else {
                continue;
            };
            let counts = by_attack.entry(liar.attack.as_str()).or_default();
            counts[usize::from(!to)] += 1;
            if reported_at(liar).is_none_or(|at| r.at < *at) {
                counts[2] += 1;
            }
        }
        let resting = to_attackers + about_attackers;
        let before: u64 = by_attack.values().map(|c| c[2]).sum();
        let mut text = format!(
            "misbehaviour: {} attackers among {} equipped vehicles\n",
            labels.iter().filter(|l| l.lied).count(),
            present.len()
        );
        text += &score.table();
        text += &format!(
            "advisories resting on an attacker after its onset: {resting} of {} \
             ({about_attackers} to honest vehicles about one, {to_attackers} to attackers; \
             {before} before the attacker's first report)\n",
            advisories.len()
        );
        text += &by_attack
            .iter()
            .map(|(attack, [to, about, before])| {
                format!("  {attack}: {about} about, {to} to, {before} before its first report\n")
            })
            .collect::<String>();
        let attacks: serde_json::Map<String, Value> = score
            .attacks
            .iter()
            .map(|(a, s)| {
                (
                    a.as_str().to_string(),
                    json!({
                        "attackers": s.attackers,
                        "detected": s.detected,
                        "within_1s": s.within_1s,
                        "detection_rate_1s": s.rate_within_1s(),
                        "shown": s.shown,
                        "within_1s_of_showing": s.within_1s_of_showing,
                        "detection_rate_1s_of_showing": s.rate_within_1s_of_showing(),
                        "median_delay_ms": s.median_delay_ms(),
                        "kinds": s.kinds,
                    }),
                )
            })
            .collect();
        let json = json!({
            "attacks": attacks,
            "honest": score.honest,
            "honest_reported": score.honest_reported,
            "honest_reported_share": score.honest_reported_share(),
            "false_reports": score.false_reports,
            "false_reports_per_vehicle_hour": score.false_per_hour(),
            "false_reports_by_kind": score.false_kinds,
            "honest_vehicle_hours": score.honest_hours,
            "advisories": advisories.len(),
            "advisories_resting_on_attackers": resting,
            "advisories_about_attackers_to_honest": about_attackers,
            "advisories_to_attackers": to_attackers,
            "advisories_before_first_report": before,
            "advisories_by_attack": by_attack
                .iter()
                .map(|(attack, [to, about, before])| {
                    (
                        attack.to_string(),
                        json!({"about": about, "to": to, "before_first_report": before}),
                    )
                })
                .collect::<serde_json::Map<_, _>>(),
        });
        Ok(Figures { text, json, lines })
    }

    /// Writes `misbehaviour.json` (the figures) and `misbehaviour.jsonl` (the reports) into
    /// `dir`.
    pub(crate) fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("misbehaviour.json");
        std::fs::write(&path, serde_json::to_string_pretty(&self.json)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let path = dir.join("misbehaviour.jsonl");
        std::fs::write(&path, &self.lines)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}
