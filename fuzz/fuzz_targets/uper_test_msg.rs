#![no_main]
//! Fuzzes the UPER decoder of `TestMsg`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| roadcloud_fuzz::uper_roundtrip::<roadcloud_csae::TestMsg>(data));
