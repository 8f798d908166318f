//! `roadcloud sim sumo` and `roadcloud eval` against the real SUMO (SUMO_HOME, installed by
//! scripts/sumo.sh) on the bundled scenario: advisories come back, and the evaluation's
//! report is written with figures that add up.

mod common;

use common::free_port;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn scenario() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/anting-grid/anting-grid.sumocfg")
}

fn roadcloud(args: &[&str]) -> std::process::Output {
    assert!(
        std::env::var_os("SUMO_HOME").is_some(),
        "SUMO_HOME must point at SUMO 1.28 (source scripts/sumo.sh)"
    );
    Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(args)
        .output()
        .expect("roadcloud runs")
}

#[test]
fn a_short_cosimulation_brings_advisories_back() {
    let http = format!("127.0.0.1:{}", free_port());
    let out = roadcloud(&[
        "sim",
        "sumo",
        "--sumocfg",
        scenario().to_str().unwrap(),
        "--speed",
        "2",
        "--seconds",
        "40",
        "--http-listen",
        &http,
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("simulated 40.0 s"), "{text}");
    let received: usize = text
        .split("advisories received: ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a count of advisories");
    assert!(received > 0, "{text}");
}

#[test]
fn the_evaluation_writes_its_report_and_the_counts_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("eval.json");
    let http = format!("127.0.0.1:{}", free_port());
    let out = roadcloud(&[
        "eval",
        "--sumocfg",
        scenario().to_str().unwrap(),
        "--speed",
        "2",
        "--seconds",
        "60",
        "--http-listen",
        &http,
        "--report-dir",
        dir.path().to_str().unwrap(),
        "--report-json",
        json.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "report.md",
        "recall_by_severity.svg",
        "lead_times.svg",
        "ssm.xml",
        "advisories.jsonl",
    ] {
        assert!(dir.path().join(f).exists(), "no {f}");
    }
    let e: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let n = |k: &str| e[k].as_u64().unwrap_or_else(|| panic!("{k} in {e}"));
    assert!(n("conflicts") > 0, "{e}");
    assert!(
        n("critical") <= n("conflicts") && n("warned") <= n("critical"),
        "{e}"
    );
    let bins: u64 = e["conflicts_by_severity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["conflicts"].as_u64().unwrap())
        .sum();
    assert_eq!(bins, n("critical"), "{e}");
    assert!(n("advisories_without_conflict") <= n("advisories"), "{e}");
    if let Some(p) = e["precision"].as_f64() {
        let want = 1.0 - n("advisories_without_conflict") as f64 / n("advisories") as f64;
        assert!((p - want).abs() < 1e-9, "{e}");
    }
    // Every advisory the vehicles received was written down.
    let lines = std::fs::read_to_string(dir.path().join("advisories.jsonl")).unwrap();
    let by: u64 = e["advisories_by_scenario"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(lines.lines().count() as u64, by);
    assert!(by > 0);
}
