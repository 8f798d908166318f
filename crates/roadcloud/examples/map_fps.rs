//! The web map's frame rate with thousands of participants on screen.
//!
//! Starts `roadcloud serve` (the release binary next to this example), loads it with
//! `roadcloud bench` (N simulated vehicles publishing BSMs over MQTT), opens the map in
//! headless Chromium and reads, once a second, the frames drawn in the last second, the time
//! one frame takes to draw, and how many participants were drawn; prints the median and the
//! worst, and saves a screenshot.
//!
//! ```text
//! cargo build --release && cargo run --release --example map_fps -- 5000 10 30
//! ```
//! Arguments: vehicles (5000), their BSM rate in Hz (10), seconds to measure (30), then any
//! flags for `roadcloud serve` (e.g. `--no-apps`).

#[path = "../tests/common/browser.rs"]
mod browser;

use browser::Browser;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (vehicles, rate_hz, seconds) = (arg(0, 5000), arg(1, 10), arg(2, 30));
    let roadcloud = std::env::current_exe()
        .expect("this example's path")
        .parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join("roadcloud"))
        .filter(|p| p.exists())
        .expect("build roadcloud first: cargo build --release");
    let (mqtt, http) = (free_port(), free_port());
    let data = tempfile::tempdir().unwrap();
    let _serve = Running(
        Command::new(&roadcloud)
            .args(["serve", "--allow-unsigned", "--udp-listen", "off"])
            .args(["--mqtt-listen", &format!("127.0.0.1:{mqtt}")])
            .args(["--http-listen", &format!("127.0.0.1:{http}")])
            .arg("--data-dir")
            .arg(data.path())
            .args(args.iter().skip(3))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start roadcloud serve"),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _bench = Running(
        Command::new(&roadcloud)
            .args(["bench", "--quiet", "--warmup-seconds", "0"])
            .args(["--vehicles", &vehicles.to_string()])
            .args(["--rate-hz", &rate_hz.to_string()])
            .args(["--seconds", &(seconds + 60).to_string()])
            .args(["--broker", &format!("mqtt://127.0.0.1:{mqtt}")])
            .args(["--api", &format!("http://127.0.0.1:{http}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start roadcloud bench"),
    );
    let b = Browser::start().await;
    b.client
        .goto(&format!("http://127.0.0.1:{http}/"))
        .await
        .unwrap();
    let wanted = vehicles * 95 / 100;
    b.wait_for(
        &format!("{wanted} participants on the map"),
        Duration::from_secs(60),
        || async { b.stats().await["drawn"].as_u64().unwrap_or(0) >= wanted },
    )
    .await;
    let (mut fps, mut frame_ms, mut drawn) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..seconds {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let s = b.stats().await;
        fps.push(s["fps"].as_f64().unwrap_or(0.0));
        frame_ms.push(s["frameMs"].as_f64().unwrap_or(0.0));
        drawn.push(s["drawn"].as_f64().unwrap_or(0.0));
    }
    let flags: String = args
        .iter()
        .skip(3)
        .map(|f| f.trim_start_matches('-'))
        .collect::<Vec<_>>()
        .join("-");
    let shot = b
        .screenshot(&format!(
            "fps-{vehicles}-{rate_hz}hz{}{flags}",
            if flags.is_empty() { "" } else { "-" }
        ))
        .await;
    b.close().await;
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (lo_fps, hi_ms) = (
        fps.iter().copied().fold(f64::INFINITY, f64::min),
        frame_ms.iter().copied().fold(0.0, f64::max),
    );
    println!(
        "{vehicles} vehicles at {rate_hz} Hz, {seconds} s: participants drawn (median) {:.0}; \
         frames per second median {:.1}, lowest {:.1}; draw time per frame median {:.2} ms, \
         highest {:.2} ms; screenshot {}",
        median(&mut drawn),
        median(&mut fps),
        lo_fps,
        median(&mut frame_ms),
        hi_ms,
        shot.display()
    );
}
