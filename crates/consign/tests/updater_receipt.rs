//! The install receipt consign's shell installer writes reads as axoupdater
//! expects: the installer runs for real under dash against a loopback
//! server, and the receipt is loaded with the `axoupdater` crate's own
//! receipt loading (`AxoUpdater::load_receipt`).
//!
//! One test in this file: it points axoupdater at the receipt through the
//! process environment (`AXOUPDATER_CONFIG_PATH`), which no other test here
//! shares.
#![cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use axoupdater::{AxoUpdater, ReleaseSourceType, Version};
use common::http::{Reply, Server};
use common::installer;
use common::tools::{self, which};
use consign::installer::shell::render;
use consign::installer::{InstallPathSpec, InstallerArtifact, InstallerContext, InstallerUpdater};
use sha2::{Digest, Sha256};

const TARGET: &str = "x86_64-unknown-linux-gnu";

#[test]
fn axoupdater_loads_the_receipt_of_consigns_shell_installer() {
    if !tools::have(&["dash", "tar", "xz"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    let stage = dir.path().join("stage/my-tool");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::create_dir_all(&stage).unwrap();
    for name in ["my-tool", "helper"] {
        let bin = stage.join(name);
        std::fs::write(&bin, format!("#!/bin/sh\necho {name}\n")).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let archive = www.join(format!("my-tool-{TARGET}.tar.xz"));
    let status = Command::new("tar")
        .arg("-cJf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path().join("stage"))
        .arg("my-tool")
        .status()
        .unwrap();
    assert!(status.success());
    let sha = |path: &std::path::Path| hex::encode(Sha256::digest(std::fs::read(path).unwrap()));
    let updater = www.join(format!("my-tool-{TARGET}-update"));
    std::fs::write(&updater, "#!/bin/sh\necho updater\n").unwrap();

    let root = www.clone();
    let server = Server::start(move |req| match req.route_file(&root) {
        ("ok", _, Some(file)) => Reply::new(200, std::fs::read(file).unwrap()),
        _ => Reply::new(404, "not found\n"),
    });
    let ctx = InstallerContext {
        artifacts: vec![InstallerArtifact {
            prefix: Some("my-tool".to_string()),
            binaries: vec!["my-tool".to_string(), "helper".to_string()],
            updater: Some(InstallerUpdater {
                artifact: format!("my-tool-{TARGET}-update"),
                checksum: Some(sha(&updater)),
            }),
            ..installer::artifact(TARGET, "linux", "x86_64", "gnu", &sha(&archive))
        }],
        install_paths: vec![InstallPathSpec::HomeSubdir {
            subdir: ".my tool/bin".to_string(),
        }],
        aliases: BTreeMap::new(),
        install_updater: true,
        source: installer::github("acme", "tools"),
        ..installer::context(
            "2.1.0-rc.1",
            &format!("http://{}/ok", server.addr),
            Vec::new(),
        )
    };
    let script = dir.path().join("installer.sh");
    std::fs::write(&script, render(&ctx).unwrap()).unwrap();

    let home = tempfile::tempdir().unwrap();
    let out = Command::new(which("dash").unwrap())
        .arg(&script)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .env("TMPDIR", home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "installer: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bin = home.path().join(".my tool/bin");
    assert!(bin.join("my-tool-update").is_file());
    let config = home.path().join(".config/my-tool");

    // axoupdater's own loading: the path it reads, the JSON shape it
    // deserializes, the version and provider version it parses.
    std::env::set_var("AXOUPDATER_CONFIG_PATH", &config);
    let mut updater = AxoUpdater::new_for("my-tool");
    updater
        .load_receipt()
        .unwrap_or_else(|e| panic!("axoupdater cannot load consign's receipt: {e:?}"));
    assert_eq!(updater.name.as_deref(), Some("my-tool"));
    let source = updater.source.clone().expect("the receipt's source");
    assert_eq!(source.release_type, ReleaseSourceType::GitHub);
    assert_eq!(source.owner, "acme");
    assert_eq!(source.name, "tools");
    assert_eq!(source.app_name, "my-tool");
    assert_eq!(
        updater.install_prefix_root().unwrap().as_std_path(),
        bin.as_path()
    );
    // This test binary is not the installed app: axoupdater says so (the
    // check compares the install prefix with the running executable).
    assert!(!updater.check_receipt_is_for_this_executable().unwrap());

    // The fields axoupdater keeps private, read from the same file with
    // axoupdater's types where it has them.
    let text = std::fs::read_to_string(config.join("my-tool-receipt.json")).unwrap();
    let receipt: serde_json::Value = serde_json::from_str(&text).unwrap();
    // A `~/...` install-path is flat: the receipt records the binaries' own
    // directory, which an update passes back as the install directory.
    assert_eq!(receipt["install_layout"], "flat");
    let version = receipt["version"].as_str().unwrap();
    assert_eq!(
        Version::parse(version).unwrap(),
        Version::parse("2.1.0-rc.1").unwrap()
    );
    assert_eq!(
        receipt["binaries"],
        serde_json::json!(["my-tool", "helper"])
    );
    assert_eq!(receipt["provider"]["source"], "consign");
    assert_eq!(
        Version::parse(receipt["provider"]["version"].as_str().unwrap()).unwrap(),
        Version::parse(env!("CARGO_PKG_VERSION")).unwrap()
    );
    assert_eq!(receipt["modify_path"], true);
}
