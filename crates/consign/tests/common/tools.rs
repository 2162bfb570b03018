//! External tools the tests run (ruby, npm, wixl, skopeo, shells, ...).
//!
//! A test never passes without running: when a tool it needs is missing,
//! [`require_tools!`] fails the test with `install X (see .ci/run)`. Only
//! `CONSIGN_TEST_SKIP_MISSING_TOOLS=1` (never set by CI) turns that into a
//! note and an early return, for a developer machine without the tools.
//!
//! This file is also included by the library's unit tests (`#[path]`), so
//! there is one rule for both.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The variable that lets a test with a missing tool pass without running.
pub const SKIP_VAR: &str = "CONSIGN_TEST_SKIP_MISSING_TOOLS";

/// `program` on `PATH` (or in `/usr/bin`, `/bin`), if it is there.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/bin")])
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Whether every tool in `tools` is installed. When one is not, this panics
/// with `install X (see .ci/run)`, unless [`SKIP_VAR`] is `1`: then it
/// prints a note and returns `false`, and the caller returns.
pub fn have(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| which(t).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let what = missing.join(", ");
    if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
        eprintln!("note: {what} not installed; {SKIP_VAR}=1, so this test does not run");
        return false;
    }
    panic!("install {what} (see .ci/run); {SKIP_VAR}=1 skips tests whose tools are missing");
}

/// Return from the test (only under `CONSIGN_TEST_SKIP_MISSING_TOOLS=1`) or
/// fail it unless every named tool is installed. Needs `tools` in scope.
#[allow(unused_macros)]
macro_rules! require_tools {
    ($($tool:expr),+ $(,)?) => {
        if !tools::have(&[$($tool),+]) {
            return;
        }
    };
}
#[allow(unused_imports)]
pub(crate) use require_tools;

/// Runs `cmd`, failing the test (with its status, stdout and stderr) unless
/// it exits 0; returns its output.
#[track_caller]
pub fn output_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The stdout of [`output_ok`], as text.
#[track_caller]
pub fn stdout_ok(cmd: &mut Command) -> String {
    String::from_utf8(output_ok(cmd).stdout).unwrap()
}
