//! The manifest reads with cargo-dist's own schema crate (`cargo-dist-schema`
//! 0.34.0, which axoupdater, oranda and other tools use): plan manifests of
//! several configurations, and a built one.

mod common;

use common::*;

fn parses(json: &str, what: &str) -> cargo_dist_schema::DistManifest {
    serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("{what}: cargo-dist-schema rejects the manifest: {e}\n{json}"))
}

#[test]
fn plan_manifests_read_with_cargo_dist_schema() {
    let configs = [
        format!("ci = [\"github\"]\nallow-dirty = [\"ci\"]\ninstallers = [\"shell\", \"powershell\", \"homebrew\", \"npm\", \"msi\"]\ntap = \"acme/homebrew-tap\"\n{TARGETS}"),
        format!("ci = [\"github\"]\nallow-dirty = [\"ci\"]\ninstallers = [\"shell\"]\n{TARGETS}install-updater = true\nomnibor = true\ncargo-cyclonedx = true\nchecksum = \"sha512\"\nmerge-tasks = true\n\
                 github-custom-runners = {{ x86_64-unknown-linux-gnu = {{ runner = \"buildjet-8vcpu-ubuntu-2204\", host = \"x86_64-unknown-linux-gnu\", container = {{ image = \"quay.io/pypa/manylinux_2_28_x86_64\" }} }} }}\n\
                 [[workspace.metadata.dist.extra-artifacts]]\nartifacts = [\"schema.json\"]\nbuild = [\"true\"]\n"),
        format!("installers = [\"shell\"]\n{TARGETS}hosting = [\"simple\", \"github\"]\nsimple-download-url = \"https://dl.example.com/{{tag}}\"\nsource-tarball = false\n"),
    ];
    for config in &configs {
        let ws = single_app(config);
        let run = ws.consign(&["plan", "-o", "json"]);
        assert_eq!(run.code, 0, "{config}: {}", run.stderr);
        let m = parses(&run.stdout, config);
        assert!(!m.artifacts.is_empty(), "{config}");
        let release = &m.releases[0];
        let env = release.env.as_ref().expect("env");
        assert_eq!(env.github_token_env_var, "TOOL_GITHUB_TOKEN");
        assert_eq!(env.ghe_base_url_env_var, "TOOL_INSTALLER_GHE_BASE_URL");
        // cargo-dist always says how the notes show the app.
        assert_eq!(release.display_name.as_deref(), Some("tool"));
        assert_eq!(release.display, Some(true));
        if let Some(ci) = m.ci.as_ref().and_then(|c| c.github.as_ref()) {
            let matrix = ci.artifacts_matrix.as_ref().expect("matrix");
            assert!(!matrix.include.is_empty(), "{config}");
        }
    }
}

#[test]
fn a_built_manifest_reads_with_cargo_dist_schema() {
    let ws = single_app(
        "installers = [\"shell\", \"npm\", \"homebrew\"]\ntargets = [\"x86_64-unknown-linux-gnu\"]\nomnibor = true\n\
         tap = \"acme/homebrew-tap\"\ndisplay-name = \"The Tool\"\n",
    );
    ws.lock_and_commit();
    let run = ws.consign(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dist = ws.path().join("target/distrib");
    let json = std::fs::read_to_string(dist.join("dist-manifest.json")).unwrap();
    let m = parses(&json, "built manifest");
    let archive = &m.artifacts["tool-x86_64-unknown-linux-gnu.tar.xz"];
    assert!(archive.path.is_some());
    assert!(archive.checksums.contains_key("sha256"));

    // cargo-dist's fields, with its meaning.
    // `systems`: this build machine.
    assert_eq!(m.systems.len(), 1, "{json}");
    let (id, system) = m.systems.iter().next().unwrap();
    // `consign build` builds the host's artifacts by default, as `dist build` does.
    assert_eq!(id.as_str(), "build:host:x86_64-unknown-linux-gnu");
    assert!(system
        .cargo_version_line
        .as_deref()
        .is_some_and(|l| l.starts_with("cargo ")));
    match &system.build_environment {
        cargo_dist_schema::BuildEnvironment::Linux { glibc_version } => {
            let v = glibc_version.as_ref().expect("this gnu host has a glibc");
            assert_eq!(v.major, 2);
        }
        other => panic!("a Linux build machine, not {other:?}"),
    }
    // `upload_files`: the local path of every file the build wrote.
    let uploads: Vec<&str> = m.upload_files.iter().map(String::as_str).collect();
    for name in [
        "tool-x86_64-unknown-linux-gnu.tar.xz",
        "tool-installer.sh",
        "tool.rb",
        "tool-npm-package.tar.gz",
        "source.tar.gz",
    ] {
        let path = dist.join(name);
        assert!(
            uploads.contains(&path.to_str().unwrap()),
            "{name} not in {uploads:?}"
        );
    }
    assert!(uploads.iter().all(|p| std::path::Path::new(p).is_file()));
    // `display_name` on the release, `install_hint` on the Homebrew installer.
    assert_eq!(m.releases[0].display_name.as_deref(), Some("The Tool"));
    let formula = &m.artifacts["tool.rb"];
    assert_eq!(
        formula.install_hint.as_deref(),
        Some("brew install acme/tap/tool")
    );
    assert!(formula.description.is_some());
    // `assets` on the npm package: the files in it.
    let npm = &m.artifacts["tool-npm-package.tar.gz"];
    let mut paths: Vec<&str> = npm
        .assets
        .iter()
        .filter_map(|a| a.path.as_deref())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "README.md",
            "install.js",
            "npm-shrinkwrap.json",
            "package.json",
            "run-tool.js"
        ]
    );
    assert!(npm
        .assets
        .iter()
        .all(|a| matches!(a.kind, cargo_dist_schema::AssetKind::Unknown)));

    // `--no-local-paths` (CI): no local paths, so nothing to list.
    let run = ws.consign(&["build", "--no-local-paths"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = std::fs::read_to_string(dist.join("dist-manifest.json")).unwrap();
    let m = parses(&json, "built manifest without local paths");
    assert!(m.upload_files.is_empty(), "{json}");
    assert_eq!(m.systems.len(), 1);
}
