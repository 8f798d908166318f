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

/// The standard output of a run that must have succeeded.
fn succeeded(out: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
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
    let text = succeeded(&out);
    assert!(text.contains("simulated 40.0 s"), "{text}");
    let received: usize = text
        .split("advisories received: ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a count of advisories");
    assert!(received > 0, "{text}");
}

/// Runs `roadcloud eval` on `sumocfg` for `seconds` simulated (and `extra` flags) and checks
/// that the report's figures add up; returns the JSON figures and what it printed.
fn evaluate_briefly(sumocfg: &std::path::Path, seconds: &str, extra: &[&str]) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    evaluate_briefly_into(dir.path(), sumocfg, seconds, extra)
}

/// As [`evaluate_briefly`], the report written to `dir`.
fn evaluate_briefly_into(
    dir: &std::path::Path,
    sumocfg: &std::path::Path,
    seconds: &str,
    extra: &[&str],
) -> (Value, String) {
    let json = dir.join("eval.json");
    let http = format!("127.0.0.1:{}", free_port());
    let mut args = vec![
        "eval",
        "--sumocfg",
        sumocfg.to_str().unwrap(),
        "--speed",
        "2",
        "--seconds",
        seconds,
        "--http-listen",
        &http,
        "--report-dir",
        dir.to_str().unwrap(),
        "--report-json",
        json.to_str().unwrap(),
    ];
    args.extend(extra);
    let text = succeeded(&roadcloud(&args));
    for f in [
        "report.md",
        "recall_by_severity.svg",
        "lead_times.svg",
        "recall_by_application.svg",
        "precision_by_application.svg",
        "lead_times_FCW.svg",
        "ssm.xml",
        "advisories.jsonl",
        "advisory_lanes.jsonl",
    ] {
        assert!(dir.join(f).exists(), "no {f}");
    }
    let e: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"));
    assert_eq!(e["partial"], false, "{e}");
    assert!(n(&e, "warned") <= n(&e, "critical"), "{e}");
    assert!(n(&e, "warned_all") <= n(&e, "critical_all"), "{e}");
    let apps = e["applications"].as_object().expect("applications");
    let (mut critical, mut warned, mut advisories, mut unbacked, mut unjudged) = (0, 0, 0, 0, 0);
    // Precision is the share backed of the advisories that can be judged.
    let precision = |advisories: u64, unbacked: u64, unjudged: u64| {
        1.0 - (unbacked - unjudged) as f64 / (advisories - unjudged) as f64
    };
    for (id, a) in apps {
        assert!(n(a, "warned") <= n(a, "critical"), "{id}: {a}");
        assert!(
            n(a, "advisories_not_judged") <= n(a, "advisories_without_conflict")
                && n(a, "advisories_without_conflict") <= n(a, "advisories"),
            "{id}: {a}"
        );
        // Severity bins, where the application's situations have a TTC, hold them all.
        let bins = a["conflicts_by_severity"].as_array().unwrap();
        if !bins.is_empty() {
            let sum: u64 = bins.iter().map(|b| b["conflicts"].as_u64().unwrap()).sum();
            assert_eq!(sum, n(a, "critical"), "{id}: {a}");
        }
        if let Some(p) = a["precision"].as_f64() {
            let want = precision(
                n(a, "advisories"),
                n(a, "advisories_without_conflict"),
                n(a, "advisories_not_judged"),
            );
            assert!((p - want).abs() < 1e-9, "{id}: {a}");
        }
        critical += n(a, "critical");
        warned += n(a, "warned");
        advisories += n(a, "advisories");
        unbacked += n(a, "advisories_without_conflict");
        unjudged += n(a, "advisories_not_judged");
        // Every advisory of the application the vehicles received is counted.
        assert_eq!(
            n(a, "advisories"),
            e["advisories_by_scenario"][id.as_str()]
                .as_u64()
                .unwrap_or(0),
            "{id}"
        );
    }
    assert_eq!(
        (critical, warned, advisories, unbacked, unjudged),
        (
            n(&e, "critical"),
            n(&e, "warned"),
            n(&e, "advisories"),
            n(&e, "advisories_without_conflict"),
            n(&e, "advisories_not_judged")
        ),
        "{e}"
    );
    if let Some(p) = e["precision"].as_f64() {
        assert!(
            (p - precision(advisories, unbacked, unjudged)).abs() < 1e-9,
            "{e}"
        );
    }
    // Every advisory the vehicles received was written down.
    let lines = std::fs::read_to_string(dir.join("advisories.jsonl")).unwrap();
    let by: u64 = e["advisories_by_scenario"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(lines.lines().count() as u64, by);
    assert!(by > 0);
    if e["closed_loop"].is_object() {
        assert!(dir.join("ssm-without-roadcloud.xml").exists());
    }
    (e, text)
}

fn bundled(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(name)
        .join(format!("{name}.sumocfg"))
}

/// Each application named has advisories in the report.
fn warns(e: &Value, apps: &[&str]) {
    for id in apps {
        assert!(
            e["applications"][id]["advisories"].as_u64().unwrap_or(0) > 0,
            "{id} sent no advisory: {e}"
        );
    }
}

#[test]
fn the_evaluation_of_the_grid_adds_up() {
    // A fifth of the drivers run red lights: RLVW has violations to warn of.
    let (e, text) = evaluate_briefly(&scenario(), "60", &["--red-light-runners", "0.2"]);
    assert!(e["conflicts"].as_u64().unwrap() > 0, "{e}");
    // ICW warns a few times a minute here: too few to require in 60 s.
    warns(&e, &["FCW", "LTA", "EBW", "VRUCW", "RLVW"]);
    let rlvw = &e["applications"]["RLVW"];
    assert!(e["red_light_runs"].as_u64().unwrap() > 0, "{e}");
    assert!(rlvw["critical"].as_u64().unwrap() > 0, "{rlvw}");
    assert!(rlvw["warned"].as_u64().unwrap() > 0, "{rlvw}");
    assert!(text.contains("red light runners drove on at"), "{text}");
}

#[test]
fn the_evaluation_of_the_arterial_adds_up() {
    // 90 s, not 60: the arterial fills from empty, and its first left-turner to meet oncoming
    // traffic on green comes after a minute (LTA's first advisory at 62-70 s in four runs);
    // before, the advisories of the first minute were to left-turners held at red.
    let (e, _) = evaluate_briefly(&bundled("arterial"), "90", &[]);
    assert!(e["conflicts"].as_u64().unwrap() > 0, "{e}");
    warns(&e, &["FCW", "LTA", "EBW", "VRUCW"]);
}

#[test]
fn the_evaluation_of_the_motorway_adds_up() {
    let (e, _) = evaluate_briefly(&bundled("motorway"), "60", &[]);
    warns(&e, &["EBW", "LCW"]);
}

#[test]
fn the_open_loop_evaluation_leaves_sumos_traffic_its_own() {
    // The arterial's side roads meet it at junctions without signals, where cooperative
    // intersection passing gives equipped vehicles slots from the first seconds on: carried
    // out, they made each run's traffic differ from the next from 5 s on.
    let run = || {
        let dir = tempfile::tempdir().unwrap();
        evaluate_briefly_into(dir.path(), &bundled("arterial"), "30", &[]);
        let ssm = std::fs::read_to_string(dir.path().join("ssm.xml")).unwrap();
        ssm.lines()
            .filter(|l| l.contains("<conflict"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (first, second) = (run(), run());
    assert!(!first.is_empty(), "no conflict in 30 s");
    assert_eq!(first, second, "two runs recorded different conflicts");
}

#[test]
fn the_scenario_end_time_ends_the_run() {
    // The grid's network and routes, ending at 12 s.
    let dir = tempfile::tempdir().unwrap();
    let grid = scenario().parent().unwrap().canonicalize().unwrap();
    let cfg = dir.path().join("short.sumocfg");
    std::fs::write(
        &cfg,
        format!(
            "<configuration><input><net-file value=\"{0}/anting-grid.net.xml\"/>\
             <route-files value=\"{0}/cars.rou.xml\"/></input>\
             <time><begin value=\"0\"/><end value=\"12\"/></time></configuration>\n",
            grid.display()
        ),
    )
    .unwrap();
    let http = format!("127.0.0.1:{}", free_port());
    let fcd = dir.path().join("fcd.xml");
    let out = roadcloud(&[
        "sim",
        "sumo",
        "--sumocfg",
        cfg.to_str().unwrap(),
        "--speed",
        "0",
        "--http-listen",
        &http,
        "--fcd-out",
        fcd.to_str().unwrap(),
    ]);
    let text = succeeded(&out);
    assert!(text.contains("simulated 12.0 s"), "{text}");
    // The trajectories, to the end.
    let fcd = std::fs::read_to_string(&fcd).unwrap();
    assert!(fcd.contains("<vehicle id="), "{fcd}");
    assert!(fcd.contains("<timestep time=\"11.90\""), "{fcd}");
}

/// The SUMO processes whose parent is `pid`.
fn sumo_children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some((comm, rest)) = stat.split_once(") ") else {
            continue;
        };
        let ppid = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if comm.ends_with("(sumo") && ppid == Some(pid) {
            out.push(child);
        }
    }
    out
}

/// Whether process `pid` is still there (and not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.split_once(") ").is_some_and(|(_, r)| !r.starts_with('Z')))
}

/// A roadcloud child process, killed if a test ends before it does.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts roadcloud with `args` and waits until its SUMO runs: (roadcloud, SUMO's pid).
fn start_cosimulation(args: &[&str]) -> (Running, u32) {
    assert!(
        std::env::var_os("SUMO_HOME").is_some(),
        "SUMO_HOME must be set"
    );
    let child = Running(
        Command::new(env!("CARGO_BIN_EXE_roadcloud"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("roadcloud runs"),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(&sumo) = sumo_children(child.0.id()).first() {
            return (child, sumo);
        }
        assert!(std::time::Instant::now() < deadline, "SUMO did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Waits up to `limit` for `child` to exit.
fn wait_for(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    None
}

#[test]
fn sigterm_stops_the_evaluation_with_a_partial_report_and_sumo_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("eval.json");
    let http = format!("127.0.0.1:{}", free_port());
    let (mut child, sumo) = start_cosimulation(&[
        "eval",
        "--sumocfg",
        scenario().to_str().unwrap(),
        "--speed",
        "1",
        "--http-listen",
        &http,
        "--report-dir",
        dir.path().to_str().unwrap(),
        "--report-json",
        json.to_str().unwrap(),
    ]);
    std::thread::sleep(std::time::Duration::from_secs(4));
    let sent = std::time::Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    // "Within a second" is the aim; the bound here leaves room for a loaded CI machine.
    let status = wait_for(&mut child.0, std::time::Duration::from_secs(10))
        .expect("roadcloud eval went on after SIGTERM");
    eprintln!("stopped {:?} after SIGTERM", sent.elapsed());
    assert!(
        !status.success(),
        "an interrupted evaluation says so in its status"
    );
    assert!(!alive(sumo), "SUMO ({sumo}) was left behind");
    let e: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(e["partial"], true, "{e}");
    assert_eq!(e["interrupted_by"], "SIGTERM", "{e}");
    let simulated = e["simulated_s"].as_f64().unwrap();
    assert!(simulated > 1.0 && simulated < 60.0, "{e}");
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(report.contains("partial"), "{report}");
}

#[test]
fn sumo_does_not_outlive_a_killed_roadcloud() {
    let http = format!("127.0.0.1:{}", free_port());
    let (mut child, sumo) = start_cosimulation(&[
        "sim",
        "sumo",
        "--sumocfg",
        scenario().to_str().unwrap(),
        "--speed",
        "1",
        "--http-listen",
        &http,
    ]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    child.0.kill().unwrap(); // SIGKILL: roadcloud cannot clean up
    child.0.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while alive(sumo) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!alive(sumo), "SUMO ({sumo}) outlived roadcloud");
}

/// `--warnings-only` says what it leaves out of the closed loop, so it needs one.
#[test]
fn warnings_only_needs_the_closed_loop() {
    let out = roadcloud(&["eval", "--sumocfg", "x.sumocfg", "--warnings-only"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--respond"), "{err}");
}

#[test]
fn the_closed_loop_compares_the_road_with_and_without_roadcloud() {
    let (e, text) = evaluate_briefly(
        &scenario(),
        "40",
        &[
            "--respond",
            "--equipped",
            "0.3",
            "--red-light-runners",
            "0.3",
            "--distracted",
            "0.1",
        ],
    );
    assert!(
        text.contains("closed loop, 30 % of vehicles equipped"),
        "{text}"
    );
    let c = &e["closed_loop"];
    assert_eq!(c["equipped"], 0.3, "{e}");
    // Both runs cover the same simulated time; SUMO alone wrote its own SSM output.
    assert_eq!(
        c["without_roadcloud"]["simulated_s"], c["with_roadcloud"]["simulated_s"],
        "{c}"
    );
    // Drivers heard advisories and reacted to some.
    assert!(
        c["with_roadcloud"]["reactions"].as_u64().unwrap() > 0,
        "{c}"
    );
    // SUMO alone has the same red light runners; with roadcloud, every entry on red is
    // counted, RLVW's critical situations only those of the equipped.
    let red = |k: &str| c[k]["red_light_entries"].as_u64().unwrap();
    assert!(red("without_roadcloud") > 0, "{c}");
    assert!(
        red("with_roadcloud") >= e["applications"]["RLVW"]["critical"].as_u64().unwrap(),
        "{e}"
    );
    let severe = |k: &str| c[k]["severe_conflicts"].as_u64().unwrap();
    assert!(
        severe("with_roadcloud") <= e["conflicts"].as_u64().unwrap(),
        "{e}"
    );
    // Each reduction is 1 - with / without, of all of them and of those in FCW's range (the
    // slow car-following ones counted apart).
    let slow = |k: &str| c[k]["severe_slow_following"].as_u64().unwrap();
    let in_range = |k: &str| severe(k) - slow(k);
    assert!(slow("with_roadcloud") <= severe("with_roadcloud"), "{c}");
    assert!(
        slow("without_roadcloud") <= severe("without_roadcloud"),
        "{c}"
    );
    for (count, key) in [
        (&severe as &dyn Fn(&str) -> u64, "severe_conflict_reduction"),
        (&in_range, "severe_in_range_reduction"),
    ] {
        if count("without_roadcloud") > 0 {
            let want = 1.0 - count("with_roadcloud") as f64 / count("without_roadcloud") as f64;
            assert!((c[key].as_f64().unwrap() - want).abs() < 1e-9, "{key}: {c}");
        }
    }
    assert!(text.contains("| the others |"), "{text}");
    // Drivers looked away in both runs; warnings ended some of the moments with roadcloud.
    let away = |k: &str| c[k]["moments_looking_away"].as_u64().unwrap();
    assert!(
        away("without_roadcloud") > 0 && away("with_roadcloud") > 0,
        "{c}"
    );
    assert!(
        c["with_roadcloud"]["looking_away_ended_by_warnings"]
            .as_u64()
            .unwrap()
            <= away("with_roadcloud"),
        "{c}"
    );
}

/// `roadcloud eval --attackers`: a share of SUMO's vehicles lie, each attack of the VeReMi
/// Extension catalogue taken in turn; the detector (enforcing) reports the attackers, under
/// the kinds that name their lies, and few honest vehicles. At real time: the detector
/// judges motion against the wall clock the messages are stamped with.
#[test]
fn the_detector_catches_the_attackers_of_a_short_cosimulation() {
    let dir = tempfile::tempdir().unwrap();
    let http = format!("127.0.0.1:{}", free_port());
    let text = succeeded(&roadcloud(&[
        "eval",
        "--sumocfg",
        scenario().to_str().unwrap(),
        "--seconds",
        "45",
        "--attackers",
        "0.4",
        "--misbehaviour",
        "enforce",
        // Signing and verifying every message would slow the co-simulation below real
        // time on CI's two cores, and honest motion with it.
        "--allow-unsigned",
        "--http-listen",
        &http,
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]));
    assert!(text.contains("misbehaviour: "), "{text}");
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("misbehaviour.json")).unwrap())
            .unwrap();
    let attacks = m["attacks"].as_object().expect("attacks");
    assert_eq!(attacks.len(), 20, "every attack had its attackers: {m}");
    // The kinds that name each attack's lie (docs/misbehaviour.md#attackers).
    let position = ["position_consistency", "position_speed_consistency"];
    let expected: &[(&str, &[&str])] = &[
        ("constant_position", &position),
        ("constant_position_offset", &position),
        ("random_position", &position),
        ("random_position_offset", &position),
        ("random_speed", &["speed_consistency"]),
        ("random_speed_offset", &["speed_consistency"]),
        ("eventual_stop", &["speed_consistency"]),
        ("disruptive", &position),
        ("data_replay", &["replay", "position_consistency"]),
        ("delayed_messages", &["time_consistency", "delayed"]),
        ("dos", &["beacon_frequency"]),
        ("dos_random", &["beacon_frequency"]),
        ("dos_disruptive", &["beacon_frequency"]),
        ("grid_sybil", &["sybil"]),
        ("grid_sybil_devices", &["moving_as_one"]),
        ("data_replay_sybil", &["sybil"]),
        ("dos_random_sybil", &["sybil"]),
        ("dos_disruptive_sybil", &["sybil"]),
    ];
    for (attack, kinds) in expected {
        let a = &attacks[*attack];
        let n = |k: &str| a[k].as_u64().unwrap();
        assert!(n("attackers") > 0, "{attack}: {a}");
        assert_eq!(n("detected"), n("attackers"), "{attack}: {a}");
        assert!(
            a["median_delay_ms"].as_i64().unwrap() <= 1_000,
            "{attack}: {a}"
        );
        assert!(
            kinds
                .iter()
                .any(|k| a["kinds"][*k].as_u64().unwrap_or(0) > 0),
            "{attack}: none of {kinds:?}: {a}"
        );
    }
    let share = m["honest_reported_share"].as_f64().unwrap();
    assert!(share <= 0.05, "{share} of the honest reported: {m}");
    assert!(dir.path().join("misbehaviour.jsonl").exists());
}

/// Runs `roadcloud {command}` (a two-run evaluation or eval-sds) on `sumocfg` for `seconds`
/// simulated at twice real time, unsigned, with `extra` flags; checks that its printed table
/// has the row `row`; returns the JSON figures it wrote.
fn evaluate_both_ways(
    command: &str,
    sumocfg: &std::path::Path,
    seconds: &str,
    extra: &[&str],
    row: &str,
) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("figures.json");
    let http = format!("127.0.0.1:{}", free_port());
    let mut args = vec![
        command,
        "--sumocfg",
        sumocfg.to_str().unwrap(),
        "--allow-unsigned",
        "--speed",
        "2",
        "--seconds",
        seconds,
        "--http-listen",
        &http,
        "--report-json",
        json.to_str().unwrap(),
    ];
    args.extend(extra);
    let text = succeeded(&roadcloud(&args));
    assert!(text.contains(&format!("| {row} |")), "{text}");
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

/// `roadcloud eval-green-wave` runs the corridor without and with signal priority: the
/// ambulance asks in both, only the run with PVP on has the junctions' controllers carry
/// out commands, and the figures are written.
#[test]
fn the_green_wave_evaluation_runs_both_ways() {
    let e = evaluate_both_ways(
        "eval-green-wave",
        &bundled("corridor"),
        "60",
        &[],
        "their mean travel time (finished)",
    );
    for run in ["without", "with"] {
        assert!(e[run]["priority_requests"].as_u64().unwrap() > 0, "{e}");
        assert_eq!(e[run]["priority_commands_refused"], 0, "{e}");
        assert_eq!(e[run]["emergency_trips"][0]["id"], "ambulance0", "{e}");
    }
    assert_eq!(e["without"]["priority_commands"], 0, "{e}");
    assert!(e["with"]["priority_commands"].as_u64().unwrap() > 0, "{e}");
}

/// `roadcloud eval-sds`: a share of the vehicles ask what lies ahead, the answers come and
/// are scored against SUMO's own geometry.
#[test]
fn the_sensor_sharing_evaluation_scores_answers() {
    let e = evaluate_both_ways(
        "eval-sds",
        &scenario(),
        "40",
        &["--sds-share", "0.5"],
        "of those, delivered",
    );
    let n = |k: &str| e[k].as_u64().unwrap();
    assert!(n("requests") > 50, "{e}");
    assert!(n("answered") > 0 && n("answered") <= n("requests"), "{e}");
    assert!(n("hidden") > 0, "{e}");
    assert!(
        n("delivered") <= n("hidden") && n("shared_hidden") <= n("shared"),
        "{e}"
    );
    assert!(
        n("delivered_pedestrians") <= n("hidden_pedestrians")
            && n("shared_pedestrians_hidden") <= n("shared_pedestrians"),
        "{e}"
    );
}

/// `roadcloud eval-merge` runs the on-ramp without and with cooperative merging: the merging
/// vehicles ask in both, only the run with CVM on has windows carried out, and every vehicle
/// from the ramp is recorded.
#[test]
fn the_merge_evaluation_runs_both_ways() {
    let e = evaluate_both_ways(
        "eval-merge",
        &bundled("onramp"),
        "60",
        &[],
        "merged without stopping",
    );
    for run in ["without", "with"] {
        assert!(e[run]["requests"].as_u64().unwrap() > 0, "{e}");
        assert!(e[run]["merged"].as_u64().unwrap() > 0, "{e}");
        assert!(
            e[run]["ramp_vehicles"]["trips"].as_u64().unwrap() > 0,
            "{e}"
        );
    }
    assert_eq!(e["without"]["windows"], 0, "{e}");
    assert!(e["with"]["windows"].as_u64().unwrap() > 0, "{e}");
}

/// `roadcloud eval-cip` runs the junction without signals by SUMO's rules and by CIP's
/// slots: the vehicles declare in both, only the run with CIP on gets slots, and SSM's
/// conflicts are counted.
#[test]
fn the_intersection_passing_evaluation_runs_both_ways() {
    let e = evaluate_both_ways(
        "eval-cip",
        &bundled("crossing"),
        "60",
        &[],
        "trips finished by the end (throughput)",
    );
    for run in ["without", "with"] {
        assert!(e[run]["declarations"].as_u64().unwrap() > 0, "{e}");
        assert!(e[run]["trips_finished"].as_u64().unwrap() > 0, "{e}");
        assert!(e[run]["junction_conflicts"].is_u64(), "{e}");
    }
    assert_eq!(e["without"]["slots"], 0, "{e}");
    assert!(e["with"]["slots"].as_u64().unwrap() > 0, "{e}");
}
