//! Fuzz target: the `bump` property of `consign::properties`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| consign::properties::run("bump", data));
