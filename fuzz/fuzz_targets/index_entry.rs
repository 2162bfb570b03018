//! Fuzz target: the `index_entry` property of `consign::properties`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| consign::properties::run("index_entry", data));
