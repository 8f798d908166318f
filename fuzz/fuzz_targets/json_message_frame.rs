#![no_main]
//! Fuzzes the JSON reader of `MessageFrame` (what `roadcloud encode` and the HTTP API take).
libfuzzer_sys::fuzz_target!(|data: &[u8]| roadcloud_fuzz::json_roundtrip::<roadcloud_csae::MessageFrame>(data));
