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
        if let Some(ci) = m.ci.as_ref().and_then(|c| c.github.as_ref()) {
            let matrix = ci.artifacts_matrix.as_ref().expect("matrix");
            assert!(!matrix.include.is_empty(), "{config}");
        }
    }
}

#[test]
fn a_built_manifest_reads_with_cargo_dist_schema() {
    let ws = single_app(
        "installers = [\"shell\", \"npm\", \"homebrew\"]\ntargets = [\"x86_64-unknown-linux-gnu\"]\nomnibor = true\n",
    );
    ws.lock_and_commit();
    let run = ws.consign(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json =
        std::fs::read_to_string(ws.path().join("target/distrib/dist-manifest.json")).unwrap();
    let m = parses(&json, "built manifest");
    let archive = &m.artifacts["tool-x86_64-unknown-linux-gnu.tar.xz"];
    assert!(archive.path.is_some());
    assert!(archive.checksums.contains_key("sha256"));
}
