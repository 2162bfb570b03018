//! The OCI image archive read back by a real container tool: `skopeo inspect`
//! must accept it and report the platform, labels and one layer, and `skopeo
//! copy` must unpack it into a directory whose layer holds the binary with
//! the right mode and owner.
//!
//! Needs `skopeo` (Debian package `skopeo`); without it the test fails (see
//! `common::tools`).

mod common;

use std::fs;
use std::io::Read as _;
use std::path::Path;
use std::process::Command;

use common::tools::{self, require_tools, stdout_ok as run};
use consign::installer::oci::{archive_name, write_oci_archive, ImageContext};

/// A static "hello" program: compiled with `cc -static` when that works,
/// else a shell script (enough for inspecting the image).
fn make_binary(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("hello");
    let src = dir.join("hello.c");
    fs::write(
        &src,
        "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n",
    )
    .unwrap();
    let compiled = Command::new("cc")
        .arg("-static")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .output()
        .is_ok_and(|o| o.status.success());
    if !compiled {
        fs::write(&bin, "#!/bin/sh\necho hello\n").unwrap();
    }
    bin
}

#[test]
fn skopeo_reads_the_archive() {
    require_tools!("skopeo");
    let dir = tempfile::tempdir().unwrap();
    let bin = make_binary(dir.path());
    let ctx = ImageContext {
        app_name: "hello".into(),
        app_version: "0.4.2".into(),
        target: "x86_64-unknown-linux-musl".into(),
        binaries: vec![("hello".into(), bin)],
        entrypoint: "hello".into(),
        static_binary: true,
        source: Some("https://github.com/example/hello".into()),
        license: Some("MIT".into()),
        mtime: 1_700_000_000,
    };
    let archive = dir.path().join(archive_name(&ctx));
    let manifest_digest = write_oci_archive(&ctx, &archive).unwrap();
    assert!(manifest_digest.starts_with("sha256:"));
    let reference = format!("oci-archive:{}", archive.display());

    let inspect: serde_json::Value =
        serde_json::from_str(&run(Command::new("skopeo").arg("inspect").arg(&reference))).unwrap();
    assert_eq!(inspect["Architecture"], "amd64", "{inspect:#}");
    assert_eq!(inspect["Os"], "linux", "{inspect:#}");
    assert_eq!(inspect["Digest"], manifest_digest.as_str(), "{inspect:#}");
    assert_eq!(inspect["Created"], "2023-11-14T22:13:20Z", "{inspect:#}");
    let labels = &inspect["Labels"];
    assert_eq!(labels["org.opencontainers.image.title"], "hello");
    assert_eq!(labels["org.opencontainers.image.version"], "0.4.2");
    assert_eq!(
        labels["org.opencontainers.image.source"],
        "https://github.com/example/hello"
    );
    assert_eq!(labels["org.opencontainers.image.licenses"], "MIT");
    assert_eq!(
        inspect["Layers"].as_array().map(Vec::len),
        Some(1),
        "{inspect:#}"
    );

    // Copy it out into a plain directory and look inside the layer.
    let copied = dir.path().join("copied");
    run(Command::new("skopeo")
        .arg("--insecure-policy")
        .arg("copy")
        .arg("--quiet")
        .arg(&reference)
        .arg(format!("dir:{}", copied.display())));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(copied.join("manifest.json")).unwrap()).unwrap();
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest:#}");
    let hex = layers[0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:");
    let mut layer_tar = Vec::new();
    flate2::read::GzDecoder::new(fs::File::open(copied.join(hex)).unwrap())
        .read_to_end(&mut layer_tar)
        .unwrap();
    let layer_path = dir.path().join("layer.tar");
    fs::write(&layer_path, &layer_tar).unwrap();
    let listing = run(Command::new("tar")
        .arg("--numeric-owner")
        .arg("-tvf")
        .arg(&layer_path));
    let line = listing
        .lines()
        .find(|l| l.ends_with(" usr/local/bin/hello"))
        .unwrap_or_else(|| panic!("no usr/local/bin/hello in the layer:\n{listing}"));
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[0], "-rwxr-xr-x", "{line}");
    assert_eq!(fields[1], "0/0", "{line}");
    for dir in ["usr/", "usr/local/", "usr/local/bin/"] {
        let line = listing
            .lines()
            .find(|l| l.ends_with(&format!(" {dir}")))
            .unwrap_or_else(|| panic!("no {dir} in the layer:\n{listing}"));
        assert!(line.starts_with("drwxr-xr-x 0/0 "), "{line}");
    }
}
