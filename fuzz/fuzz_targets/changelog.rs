//! Fuzz target: the `changelog` property of `consign::properties`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| consign::properties::run("changelog", data));
