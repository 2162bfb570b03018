//! Fuzz target: the `manifest_merge` property of `consign::properties`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| consign::properties::run("manifest_merge", data));
