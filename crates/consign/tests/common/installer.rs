//! The installer fixture: `my-tool`, released on GitHub as `o/r`, the
//! context every installer test starts from.
//!
//! This file is also the library's unit-test fixture
//! (`installer::test_support`, by `#[path]`), so both kinds of test build
//! the same context. It takes its names from its parent module, which
//! imports them from `consign` (here) or is `consign::installer` (there).
#![allow(dead_code)]

use std::collections::BTreeMap;

use super::{env_vars, InstallPathSpec, InstallerArtifact, InstallerContext, ReceiptSource};

/// `my-tool` `version`, its `artifacts` downloading from `download_url`:
/// installed into the Cargo home, the `MY_TOOL_*` variables, `mt` an alias
/// of `my-tool`, no success message, no updater, released on GitHub as `o/r`.
pub fn context(
    version: &str,
    download_url: &str,
    artifacts: Vec<InstallerArtifact>,
) -> InstallerContext {
    InstallerContext {
        app_name: "my-tool".to_string(),
        app_version: version.to_string(),
        download_url: download_url.to_string(),
        artifacts,
        install_paths: vec![InstallPathSpec::CargoHome],
        env: env_vars("my-tool"),
        aliases: BTreeMap::from([("my-tool".to_string(), vec!["mt".to_string()])]),
        success_msg: None,
        install_updater: false,
        source: github("o", "r"),
    }
}

/// Released on GitHub as `owner/name`.
pub fn github(owner: &str, name: &str) -> ReceiptSource {
    ReceiptSource {
        release_type: "github".to_string(),
        owner: Some(owner.to_string()),
        name: Some(name.to_string()),
    }
}

/// The archive of `my-tool` for `target` (its `os`, `arch` and `libc`):
/// `my-tool-{target}.tar.xz` (`.zip` with `my-tool.exe` on Windows), all
/// under `my-tool-{target}/`, whose sha256 is `sha256`; no glibc floor, no
/// updater.
pub fn artifact(target: &str, os: &str, arch: &str, libc: &str, sha256: &str) -> InstallerArtifact {
    let (format, exe) = if os == "windows" {
        (".zip", ".exe")
    } else {
        (".tar.xz", "")
    };
    InstallerArtifact {
        target: target.to_string(),
        os: os.to_string(),
        arch: arch.to_string(),
        libc: libc.to_string(),
        archive: format!("my-tool-{target}{format}"),
        format: format.to_string(),
        prefix: Some(format!("my-tool-{target}")),
        checksum_algo: Some("sha256".to_string()),
        checksum: Some(sha256.to_string()),
        binaries: vec![format!("my-tool{exe}")],
        glibc_floor: None,
        updater: None,
    }
}

/// [`artifact`] with a made-up checksum, needing glibc 2.17 if a gnu Linux
/// build: for tests that render and do not download.
pub fn rendered_artifact(target: &str, os: &str, arch: &str, libc: &str) -> InstallerArtifact {
    InstallerArtifact {
        glibc_floor: (libc == "gnu" && os == "linux").then(|| "2.17".to_string()),
        ..artifact(target, os, arch, libc, &format!("{:064x}", target.len()))
    }
}

/// `my-tool` 0.3.0 of the GitHub release `v0.3.0`, with gnu and musl
/// Linux builds and a macOS one of [`rendered_artifact`]s.
pub fn rendered_sample() -> InstallerContext {
    context(
        "0.3.0",
        "https://github.com/o/r/releases/download/v0.3.0/",
        vec![
            rendered_artifact("x86_64-unknown-linux-gnu", "linux", "x86_64", "gnu"),
            rendered_artifact("x86_64-unknown-linux-musl", "linux", "x86_64", "musl"),
            rendered_artifact("aarch64-apple-darwin", "macos", "aarch64", "none"),
        ],
    )
}

/// [`artifact`] for x86_64 Linux, needing glibc `floor` (gnu builds).
pub fn linux_artifact(
    target: &str,
    libc: &str,
    floor: Option<&str>,
    sha256: &str,
) -> InstallerArtifact {
    InstallerArtifact {
        glibc_floor: floor.map(str::to_string),
        ..artifact(target, "linux", "x86_64", libc, sha256)
    }
}
