//! Memory the world holds per tracked participant: heap bytes in use after N vehicles' BSMs
//! are ingested, less before, divided by N (counted by a wrapping global allocator).
//!
//! `cargo run --release -p roadcloud-pipeline --example memory_per_participant [N]`

use bytes::Bytes;
use roadcloud_csae::MessageFrame;
use roadcloud_pipeline::{Pipeline, PipelineConfig};
use roadcloud_transport::{DeviceId, DeviceKind, Frame, MessageKind, Topic, Transport};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static IN_USE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        IN_USE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        IN_USE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        IN_USE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N, a number of vehicles"))
        .unwrap_or(50_000);
    let MessageFrame::BsmFrame(template) = roadcloud_testkit::vector53("bsm_01_passenger_car")
    else {
        panic!("the BSM vector is a BSM")
    };
    let now = roadcloud_transport::now_millis();
    let frames: Vec<Frame> = (0..n)
        .map(|i| {
            let mut b = template.clone();
            b.id = (0x5000_0000_0000_0000_u64 + i as u64).to_be_bytes();
            b.sec_mark.0 = (now % 60_000) as u16;
            b.pos.lat.0 += (i % 300) as i32 * 900;
            b.pos.long.0 += (i / 300) as i32 * 1_000;
            Frame {
                transport: Transport::Mqtt,
                topic: Topic::uplink(DeviceKind::Obu, DeviceId(b.id), MessageKind::Bsm),
                payload: Bytes::from(roadcloud_csae::encode(&MessageFrame::BsmFrame(b)).unwrap()),
                received_at: now,
                ack: None,
            }
        })
        .collect();
    let mut p = Pipeline::new(PipelineConfig::default());
    let before = IN_USE.load(Ordering::Relaxed);
    for f in &frames {
        p.ingest(f).expect("admitted");
    }
    p.finish_batch(now * 1_000);
    let after = IN_USE.load(Ordering::Relaxed);
    assert_eq!(p.tracks().len(), n);
    println!(
        "{n} participants: {} bytes of heap in the world, {} bytes per participant \
         (tracks, indexes and admission's per-device state)",
        after - before,
        (after - before) / n as isize
    );
}
