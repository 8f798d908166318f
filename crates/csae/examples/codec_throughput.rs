//! Messages per second for decoding and encoding UPER MessageFrames, one line per file, for
//! scripts (bench/asn1c/compare.sh prints these beside asn1c's):
//!
//!     cargo run --release -p roadcloud-csae --example codec_throughput -- \
//!         [--seconds S] [--only decode|encode] FILE.uper.hex...
//!
//! Output lines: `NAME decode MSGS_PER_S encode MSGS_PER_S BYTES`.

use roadcloud_csae::{MessageFrame, decode, encode};

// The allocator the roadcloud binary ships with, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Runs `f` in batches until `budget` has passed; returns calls per second. With a fixed
/// `COUNT` (env `CODEC_COUNT`, for instruction counting under callgrind) it runs exactly that
/// many calls instead.
fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    if let Some(count) = std::env::var("CODEC_COUNT")
        .ok()
        .and_then(|c| c.parse::<u64>().ok())
    {
        let start = Instant::now();
        for _ in 0..count {
            f();
        }
        return count as f64 / start.elapsed().as_secs_f64();
    }
    // Warm up caches and the branch predictor first.
    let warm = Instant::now();
    while warm.elapsed() < budget / 10 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..1000 {
            f();
        }
        n += 1000;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut seconds = 2.0f64;
    if let Some(i) = args.iter().position(|a| a == "--seconds") {
        seconds = args[i + 1].parse().expect("--seconds takes a number");
        args.drain(i..=i + 1);
    }
    if args.is_empty() {
        eprintln!("usage: codec_throughput [--seconds S] FILE.uper.hex...");
        std::process::exit(2);
    }
    let mut only = None;
    if let Some(i) = args.iter().position(|a| a == "--only") {
        only = Some(args[i + 1].clone());
        args.drain(i..=i + 1);
    }
    let budget = Duration::from_secs_f64(seconds);
    for path in args {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let bytes = roadcloud_per::jer::unhex(text.trim()).expect("hex");
        let frame: MessageFrame = decode(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        let dec = if only.as_deref() == Some("encode") {
            0.0
        } else {
            rate(budget, || {
                black_box(decode::<MessageFrame>(black_box(&bytes)).unwrap());
            })
        };
        let enc = if only.as_deref() == Some("decode") {
            0.0
        } else {
            rate(budget, || {
                black_box(encode(black_box(&frame)).unwrap());
            })
        };
        let name = std::path::Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".uper.hex")
            .to_string();
        println!("{name} decode {dec:.0} encode {enc:.0} {}", bytes.len());
    }
}
