//! cargo-binstall against a real consign release: the script installs with
//! the real `cargo binstall` from a loopback server when it is installed
//! (it needs a newer Rust than this machine's to build). The metadata's
//! template expansion is unit-tested in `installer::binstall`, and `init`'s
//! metadata is checked against the planned URLs in `tests/init.rs`.

use std::path::Path;
use std::process::Command;

fn script() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/binstall/install-with-binstall.sh"
    ))
}

#[test]
fn script_passes_shellcheck() {
    let out = Command::new("shellcheck").arg(script()).output();
    match out {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        ),
        Err(e) => assert!(std::env::var_os("CI").is_none(), "CI needs shellcheck: {e}"),
    }
}

#[test]
fn real_cargo_binstall_installs_the_release() {
    let out = Command::new("bash")
        .arg(script())
        .arg(env!("CARGO_BIN_EXE_consign"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {}
        Some(77) => println!("note: {}", stderr.trim()),
        _ => panic!("{}\n{stderr}", String::from_utf8_lossy(&out.stdout)),
    }
}
