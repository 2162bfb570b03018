//! Starting kellnr (installed by `.ci/run`) for tests and benchmarks: bound
//! to 127.0.0.1 on a free port, with a temporary data directory and an
//! admin token, stopped on drop.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "kellnr_test_admin_token_0123456789";

pub struct Kellnr {
    child: Child,
    pub port: u16,
    _data: tempfile::TempDir,
}

impl Drop for Kellnr {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh kellnr (`KELLNR_BIN`, else `kellnr` on `PATH`), or `None` when
/// it is missing and `CONSIGN_TEST_SKIP_MISSING_TOOLS=1`.
pub fn kellnr() -> Option<Kellnr> {
    let bin = match std::env::var_os("KELLNR_BIN") {
        Some(p) => PathBuf::from(p),
        None if crate::common::tools::have(&["kellnr"]) => PathBuf::from("kellnr"),
        None => return None,
    };
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .arg("start")
        .env("KELLNR_LOCAL__IP", "127.0.0.1")
        .env("KELLNR_LOCAL__PORT", port.to_string())
        .env("KELLNR_ORIGIN__HOSTNAME", "127.0.0.1")
        .env("KELLNR_ORIGIN__PORT", port.to_string())
        .env("KELLNR_ORIGIN__PROTOCOL", "http")
        .env("KELLNR_REGISTRY__DATA_DIR", data.path())
        .env("KELLNR_SETUP__ADMIN_TOKEN", TOKEN)
        .env("KELLNR_SETUP__ADMIN_PWD", "consign-test")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let k = Kellnr {
        child,
        port,
        _data: data,
    };
    let url = format!("http://127.0.0.1:{port}/api/v1/crates/config.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if ureq::get(&url).call().is_ok_and(|r| r.status() == 200) {
            return Some(k);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("kellnr did not answer on {url} within 60s");
}

impl Kellnr {
    pub fn index(&self) -> String {
        format!("sparse+http://127.0.0.1:{}/api/v1/crates/", self.port)
    }
}
