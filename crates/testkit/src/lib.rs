//! Test support: the public reference vectors in `../shared/reference/vectors` beside the
//! repository, or wherever `ROADCLOUD_VECTORS` points; a real NTRIP caster ([`caster`]).

pub mod caster;

use roadcloud_csae::MessageFrame;
use std::path::PathBuf;

/// The folder of the reference vectors.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("ROADCLOUD_VECTORS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/vectors"),
    }
}

/// The UPER octets of vector `path` (e.g. `csae53-2020/bsm_01_passenger_car`); panics, failing
/// the test, if it is missing.
pub fn vector_bytes(path: &str) -> Vec<u8> {
    let file = vectors_dir().join(format!("{path}.uper.hex"));
    let hex = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("reference vector {}: {e}", file.display()));
    roadcloud_per::jer::unhex(hex.trim()).expect("vector hex")
}

/// The decoded `MessageFrame` of T/CSAE 53-2020 vector `name` (e.g. `bsm_01_passenger_car`).
pub fn vector53(name: &str) -> MessageFrame {
    roadcloud_csae::decode(&vector_bytes(&format!("csae53-2020/{name}"))).expect("vector decodes")
}

/// 2024-10-15 00:30:00 UTC in ms since the epoch: the minute the vectors were stamped in
/// (MinuteOfTheYear 414750).
pub const VECTORS_MINUTE: i64 = 1_728_952_200_000;
