//! Fuzz target: the `repository` property of `consign::properties`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| consign::properties::run("repository", data));
