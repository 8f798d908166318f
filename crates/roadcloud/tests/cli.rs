//! The `decode` and `encode` commands, run as a user runs them.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn roadcloud(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run roadcloud");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn vectors() -> Vec<PathBuf> {
    let dir = roadcloud_testkit::vectors_dir();
    let mut out = Vec::new();
    for sub in ["csae53-2020", "csae157-2020"] {
        for e in std::fs::read_dir(dir.join(sub)).expect("reference vectors beside the repository")
        {
            let p = e.unwrap().path();
            if p.to_string_lossy().ends_with(".uper.hex") {
                out.push(p);
            }
        }
    }
    assert!(out.len() >= 14);
    out
}

#[test]
fn decode_then_encode_reproduces_every_vector_byte_for_byte() {
    for hex_file in vectors() {
        let hex = std::fs::read_to_string(&hex_file).unwrap();
        let decoded = roadcloud(&["decode", hex_file.to_str().unwrap()], b"");
        assert!(
            decoded.status.success(),
            "{}: {}",
            hex_file.display(),
            String::from_utf8_lossy(&decoded.stderr)
        );
        let encoded = roadcloud(&["encode", "-"], &decoded.stdout);
        assert!(
            encoded.status.success(),
            "{}: {}",
            hex_file.display(),
            String::from_utf8_lossy(&encoded.stderr)
        );
        assert_eq!(
            String::from_utf8(encoded.stdout).unwrap(),
            hex,
            "{}",
            hex_file.display()
        );
    }
}

#[test]
fn decode_takes_hex_on_the_command_line_and_binary_on_stdin() {
    let hex_file = vectors()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("bsm_03"))
        .unwrap();
    let hex = std::fs::read_to_string(&hex_file).unwrap();
    let a = roadcloud(&["decode", "--compact", "--hex", hex.trim()], b"");
    let bytes = roadcloud_per::jer::unhex(hex.trim()).unwrap();
    let b = roadcloud(
        &["decode", "--compact", "--input-format", "binary", "-"],
        &bytes,
    );
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert!(String::from_utf8_lossy(&a.stdout).starts_with("{\"bsmFrame\":{"));
}

#[test]
fn encode_accepts_a_vector_file_and_writes_binary() {
    let json = vectors()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("ssm_01"))
        .map(|p| PathBuf::from(p.to_string_lossy().replace(".uper.hex", ".json")))
        .unwrap();
    let hex =
        std::fs::read_to_string(json.to_string_lossy().replace(".json", ".uper.hex")).unwrap();
    let out = roadcloud(&["encode", "--binary", json.to_str().unwrap()], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, roadcloud_per::jer::unhex(hex.trim()).unwrap());
}

#[test]
fn bad_input_is_a_clear_error_and_a_failure_status_never_a_panic() {
    let cases: &[(&[&str], &[u8], &str)] = &[
        (
            &["decode", "--hex", "07e2"],
            b"",
            "MessageFrame.bsmFrame.msgCnt: input ends too early",
        ),
        (&["decode", "--hex", "zz"], b"", "not valid hex"),
        (&["decode", "-"], b"", "the input is empty"),
        (
            &["decode", "/nonexistent/frame.hex"],
            b"",
            "cannot read /nonexistent/frame.hex",
        ),
        (
            &["decode", "--input-format", "binary", "-"],
            &[0xff; 40],
            "MessageFrame",
        ),
        (&["encode", "-"], b"{not json", "not valid JSON"),
        (
            &["encode", "-"],
            b"{\"bsmFrame\": {}}",
            "MessageFrame.bsmFrame.msgCnt: required component is missing",
        ),
        (
            &["encode", "-"],
            b"{\"spatFrame\": {\"msgCnt\": 128, \"intersections\": []}}",
            "MessageFrame.spatFrame.msgCnt: value 128 out of range 0..127",
        ),
        (
            &["encode", "-"],
            b"{\"carFrame\": {}}",
            "unknown identifier \"carFrame\"",
        ),
    ];
    for (args, stdin, expected) in cases {
        let out = roadcloud(args, stdin);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// The binary turns transparent huge pages off for its process (main.rs: they stalled the
/// world's writer), whatever the command; checked while `encode` waits for its input.
#[cfg(target_os = "linux")]
#[test]
fn transparent_huge_pages_are_off_for_the_process() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(["encode", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run roadcloud");
    let status = format!("/proc/{}/status", child.id());
    let thp = || {
        std::fs::read_to_string(&status)
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("THP_enabled:").map(|v| v.trim().to_string()))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = thp();
    while seen.as_deref() != Some("0") && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        seen = thp();
    }
    drop(child.stdin.take());
    let _ = child.wait();
    assert_eq!(seen.as_deref(), Some("0"), "THP_enabled in {status}");
}
