//! cargo-binstall against a real consign release: the script installs with
//! the real `cargo binstall` from a loopback server (`.ci/run` installs it;
//! without it the test fails, see `common::tools`). The metadata's
//! template expansion is unit-tested in `installer::binstall`, and `init`'s
//! metadata is checked against the planned URLs in `tests/init.rs`.

mod common;

use std::path::Path;
use std::process::Command;

use common::tools::{self, require_tools};

fn script() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/binstall/install-with-binstall.sh"
    ))
}

#[test]
fn script_passes_shellcheck() {
    require_tools!("shellcheck");
    let out = Command::new("shellcheck").arg(script()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn real_cargo_binstall_installs_the_release() {
    require_tools!("cargo-binstall");
    let out = Command::new("bash")
        .arg(script())
        .arg(env!("CARGO_BIN_EXE_consign"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {}
        _ => panic!("{}\n{stderr}", String::from_utf8_lossy(&out.stdout)),
    }
}
