#![no_main]
//! Fuzzes the UPER decoder of `VehiclePaymentMessage`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| roadcloud_fuzz::uper_roundtrip::<roadcloud_csae::VehiclePaymentMessage>(data));
