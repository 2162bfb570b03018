//! End-to-end tests of `consign host` and `consign announce` against a
//! loopback fake of the GitHub REST API, with faults injected: a 500 on an
//! upload, a 429 with `Retry-After`, a connection dropped mid-upload, and the
//! process killed mid-upload and between upload and release. After each, a
//! rerun must leave exactly one release holding exactly one copy of each
//! file, byte-identical to `target/distrib`.

mod common;
#[path = "host/fake_github.rs"]
mod fake_github;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fake_github::{Action, FakeGithub, Fault};
use serde_json::Value;
use sha2::{Digest, Sha256};

const TOKEN: &str = "ghs_test_token_0123456789";
const TAG: &str = "v1.2.3";

/// A planned release whose files are written straight into `target/distrib`
/// (no compiling): the real plan's manifest, with checksums filled in.
fn released(config: &str) -> TestWorkspace {
    let ws = single_app(&format!(
        "{TARGETS}installers = [\"shell\", \"powershell\"]\n{config}"
    ));
    let mut manifest = ws.plan_json(&[]);
    let dist = ws.path().join("target/distrib");
    std::fs::create_dir_all(&dist).unwrap();
    let names = artifact_names(&manifest);
    for (i, name) in names.iter().enumerate() {
        // Distinct, non-trivial contents (tens of KiB) for each file.
        let data: Vec<u8> = format!("{name} {i}\n").repeat(2000 + i * 97).into_bytes();
        std::fs::write(dist.join(name), &data).unwrap();
        manifest["artifacts"][name]["checksums"]["sha256"] =
            Value::String(hex::encode(Sha256::digest(&data)));
    }
    std::fs::write(
        dist.join("dist-manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    ws
}

fn dist(ws: &TestWorkspace) -> PathBuf {
    ws.path().join("target/distrib")
}

/// Every file the release must hold: the manifest's artifacts and the manifest.
fn expected_files(ws: &TestWorkspace) -> BTreeMap<String, Vec<u8>> {
    let text = std::fs::read_to_string(dist(ws).join("dist-manifest.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    let mut files: BTreeMap<String, Vec<u8>> = artifact_names(&manifest)
        .into_iter()
        .map(|n| {
            let data = std::fs::read(dist(ws).join(&n)).unwrap();
            (n, data)
        })
        .collect();
    files.insert("dist-manifest.json".into(), text.into_bytes());
    files
}

fn consign(ws: &TestWorkspace, gh: &FakeGithub, token: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_consign"));
    cmd.args(args)
        .current_dir(ws.path())
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_SHA")
        .env("GITHUB_API_URL", &gh.url)
        .env("GITHUB_TOKEN", token);
    cmd
}

fn run(ws: &TestWorkspace, gh: &FakeGithub, args: &[&str]) -> Run {
    Run::from(consign(ws, gh, TOKEN, args).output().unwrap())
}

fn ok(run: &Run) {
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
}

/// Exactly one release for the tag, in the expected state, with exactly one
/// copy of each file, byte-identical to `target/distrib`.
fn assert_complete(gh: &FakeGithub, ws: &TestWorkspace, published: bool) {
    let expected = expected_files(ws);
    let s = gh.lock();
    let releases: Vec<_> = s.releases.iter().filter(|r| r.tag == TAG).collect();
    assert_eq!(
        releases.len(),
        1,
        "releases: {:#?}",
        s.releases
            .iter()
            .map(|r| (r.id, r.draft))
            .collect::<Vec<_>>()
    );
    let r = releases[0];
    assert_eq!(r.draft, !published, "draft state of the release");
    let mut names: Vec<&str> = r.assets.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        expected.keys().map(String::as_str).collect::<Vec<_>>()
    );
    for a in &r.assets {
        assert_eq!(a.state, "uploaded", "{}", a.name);
        assert!(
            a.data == expected[&a.name],
            "`{}` differs from target/distrib",
            a.name
        );
    }
}

/// A fresh release and server.
fn fresh() -> (TestWorkspace, FakeGithub) {
    (released(""), FakeGithub::start(TOKEN))
}

/// A fresh release and server, with `fault` injected.
fn with_fault(
    method: &'static str,
    path: &'static str,
    nth: usize,
    action: Action,
) -> (TestWorkspace, FakeGithub) {
    let (ws, gh) = fresh();
    gh.fault(Fault::new(method, path, nth, action));
    (ws, gh)
}

/// Spawn `consign host`, wait until the server holds a request, SIGKILL it.
fn kill_when_hanging(ws: &TestWorkspace, gh: &FakeGithub, args: &[&str]) {
    let mut child = consign(ws, gh, TOKEN, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let hung = gh.wait_for(Duration::from_secs(120), |s| s.hanging);
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(hung, "the server never saw the request to hold");
    assert!(!status.success());
    gh.lock().hanging = false;
}

#[test]
fn host_creates_uploads_publishes_and_a_rerun_changes_nothing() {
    let (ws, gh) = fresh();
    let first = run(&ws, &gh, &["host", "-o", "json"]);
    ok(&first);
    assert_complete(&gh, &ws, true);
    let report: Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(report["release"]["draft"], false);
    assert_eq!(report["steps"].as_array().unwrap().len(), 3);

    {
        let s = gh.lock();
        let r = &s.releases[0];
        // Title, body, target commit and latest flag come from the manifest and the repository.
        assert_eq!(r.name, "v1.2.3");
        let head = String::from_utf8(
            Command::new("git")
                .args(["rev-parse", "HEAD"])
                .current_dir(ws.path())
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        assert_eq!(r.target, head.trim());
        assert_eq!(r.make_latest.as_deref(), Some("true"));
        assert!(!r.prerelease);
        for needle in [
            "## Release Notes",
            "- fixed things",
            "tool-installer.sh | sh",
            "irm ",
            "cargo binstall tool@1.2.3",
            "| File | Platform | SHA256 |",
        ] {
            assert!(
                r.body.contains(needle),
                "body lacks {needle:?}:\n{}",
                r.body
            );
        }
        let archive = r
            .assets
            .iter()
            .find(|a| a.name.ends_with(".tar.xz"))
            .unwrap();
        let sum = hex::encode(Sha256::digest(&archive.data));
        assert!(r.body.contains(&sum), "the body has the archive's checksum");
        // Uploads carry the right media types.
        let ct = |n: &str| {
            r.assets
                .iter()
                .find(|a| a.name.ends_with(n))
                .unwrap()
                .content_type
                .clone()
        };
        assert_eq!(ct(".tar.xz"), "application/x-xz");
        assert_eq!(ct(".zip"), "application/zip");
        assert_eq!(ct("installer.sh"), "text/x-shellscript");
        assert_eq!(ct("dist-manifest.json"), "application/json");
        // Exactly one create, one upload per file, one publish.
        let posts = s
            .requests
            .iter()
            .filter(|q| q.method == "POST" && q.path.ends_with("/releases"))
            .count();
        assert_eq!(posts, 1);
    }
    let uploads = gh.count("POST", "/assets");
    assert_eq!(uploads, expected_files(&ws).len());
    let journal = std::fs::read_to_string(dist(&ws).join("release-journal.json")).unwrap();
    let journal: Value = serde_json::from_str(&journal).unwrap();
    assert_eq!(journal["published"], true);
    assert_eq!(journal["assets"].as_object().unwrap().len(), uploads);

    // A rerun finds everything done: no create, no upload, no second release.
    let again = run(&ws, &gh, &["host"]);
    ok(&again);
    assert!(
        again.stderr.contains("already published"),
        "{}",
        again.stderr
    );
    assert_eq!(gh.count("POST", "/assets"), uploads);
    assert_eq!(gh.count("POST", "/releases"), 1 + uploads);
    assert_complete(&gh, &ws, true);
}

#[test]
fn a_500_on_the_third_upload_is_retried_or_finished_by_a_rerun() {
    let (ws, gh) = fresh();
    gh.fault(Fault::new(
        "POST",
        "/assets",
        3,
        Action::Reply(500, vec![], "{\"message\":\"Server Error\"}".into()),
    ));
    let first = run(&ws, &gh, &["host", "--concurrency", "2"]);
    ok(&first);
    assert!(
        first.stderr.contains("GitHub answered 500"),
        "the retry is reported:\n{}",
        first.stderr
    );
    assert_complete(&gh, &ws, true);

    // Without retries the run fails, leaves a draft, and a rerun finishes it.
    let (ws, gh) = fresh();
    gh.fault(Fault::new(
        "POST",
        "/assets",
        3,
        Action::Reply(500, vec![], "{\"message\":\"Server Error\"}".into()),
    ));
    let failed = run(&ws, &gh, &["host", "--retries", "0", "--concurrency", "1"]);
    failed.fails_with(
        1,
        &[
            "uploading `",
            "GitHub answered 500",
            "run the command again",
        ],
    );
    assert!(
        gh.lock().releases[0].draft,
        "a failed upload never publishes"
    );
    ok(&run(&ws, &gh, &["host"]));
    assert_complete(&gh, &ws, true);
}

#[test]
fn a_429_with_retry_after_is_waited_out() {
    let (ws, gh) = fresh();
    let limited = Action::Reply(
        429,
        vec![
            ("Retry-After".into(), "2".into()),
            ("X-RateLimit-Remaining".into(), "0".into()),
        ],
        "{\"message\":\"API rate limit exceeded\"}".into(),
    );
    gh.fault(Fault::new("POST", "/assets", 2, limited));
    let start = Instant::now();
    let r = run(&ws, &gh, &["host", "--concurrency", "1"]);
    ok(&r);
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "Retry-After was not honoured"
    );
    assert!(r.stderr.contains("retrying in 2.0s"), "{}", r.stderr);
    assert_complete(&gh, &ws, true);
}

#[test]
fn a_connection_dropped_mid_upload_is_repaired() {
    // Retried within the run: the partial asset is found, deleted and uploaded again.
    let (ws, gh) = with_fault("POST", "/assets", 2, Action::DropMidUpload);
    ok(&run(&ws, &gh, &["host"]));
    assert_complete(&gh, &ws, true);
    assert!(
        gh.count("DELETE", "/releases/assets/") >= 1,
        "the partial asset was deleted"
    );

    // With no retries: the run fails, leaving a `starter` asset; the rerun repairs it.
    let (ws, gh) = with_fault("POST", "/assets", 2, Action::DropMidUpload);
    let failed = run(&ws, &gh, &["host", "--retries", "0", "--concurrency", "1"]);
    failed.fails_with(1, &["no response from GitHub"]);
    assert!(gh.has_partial_asset());
    ok(&run(&ws, &gh, &["host"]));
    assert_complete(&gh, &ws, true);
}

#[test]
fn a_lost_create_reply_does_not_make_a_second_draft() {
    // GitHub made the draft, but the reply never arrived: the retry finds it.
    let (ws, gh) = with_fault("POST", "/releases", 1, Action::ActThenDrop);
    ok(&run(&ws, &gh, &["host"]));
    assert_complete(&gh, &ws, true);
}

#[test]
fn killed_mid_upload_a_rerun_resumes_from_the_remote_state() {
    let (ws, gh) = with_fault("POST", "/assets", 3, Action::HangMidUpload);
    kill_when_hanging(&ws, &gh, &["host", "--concurrency", "1"]);
    assert!(gh.has_partial_asset());
    // Even without the journal, the draft is found by listing (the by-tag
    // endpoint does not return drafts), so no second release is created.
    std::fs::remove_file(dist(&ws).join("release-journal.json")).unwrap();
    let before = gh.count("POST", "/assets");
    ok(&run(&ws, &gh, &["host"]));
    assert_complete(&gh, &ws, true);
    let reuploaded = gh.count("POST", "/assets") - before;
    assert_eq!(
        reuploaded,
        expected_files(&ws).len() - 2,
        "finished uploads are not repeated"
    );
    assert_eq!(
        gh.count("POST", "/releases")
            .saturating_sub(gh.count("POST", "/assets")),
        1
    );
}

#[test]
fn killed_between_upload_and_release_a_rerun_publishes() {
    let (ws, gh) = with_fault("PATCH", "/releases/", 1, Action::Hang);
    kill_when_hanging(&ws, &gh, &["host"]);
    assert_complete(&gh, &ws, false);
    let uploads = gh.count("POST", "/assets");
    let again = run(&ws, &gh, &["host"]);
    ok(&again);
    assert_eq!(
        gh.count("POST", "/assets"),
        uploads,
        "nothing is uploaded twice"
    );
    assert_complete(&gh, &ws, true);
}

#[test]
fn publishing_a_draft_with_missing_files_is_refused() {
    let (ws, gh) = fresh();
    ok(&run(&ws, &gh, &["host", "--steps", "create"]));
    let r = run(&ws, &gh, &["host", "--steps", "release"]);
    r.fails_with(
        1,
        &[
            "refusing to publish",
            "dist-manifest.json",
            "--steps upload",
        ],
    );
    ok(&run(&ws, &gh, &["host", "--steps", "upload,release"]));
    assert_complete(&gh, &ws, true);
}

#[test]
fn unauthorized_names_the_missing_scope() {
    let (ws, gh) = fresh();
    let r = Run::from(consign(&ws, &gh, "ghp_wrong", &["host"]).output().unwrap());
    r.fails_with(
        1,
        &[
            "GitHub answered 401",
            "Bad credentials",
            "`GITHUB_TOKEN`",
            "`contents: write`",
            "`repo` scope",
        ],
    );
    assert!(gh.lock().releases.is_empty());

    let no_token = consign(&ws, &gh, "", &["host"])
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    Run::from(no_token).fails_with(1, &["neither `GITHUB_TOKEN` nor `GH_TOKEN` is set"]);
}

#[test]
fn the_token_is_never_shown_journaled_or_written() {
    let canary = "ghp_CANARY_b8e1d2f0c4a7";
    let ws = released("");
    let gh = FakeGithub::start(canary);
    // A hostile server echoes the Authorization header back in its errors.
    gh.fault(Fault::new(
        "POST",
        "/assets",
        1,
        Action::Reply(500, vec![], "{\"message\":\"boom {auth}\"}".into()),
    ));
    gh.fault(Fault::new(
        "POST",
        "/assets",
        2,
        Action::Reply(403, vec![], "{\"message\":\"denied for {auth}\"}".into()),
    ));
    let r = Run::from(
        consign(
            &ws,
            &gh,
            canary,
            &["host", "-v", "--concurrency", "1", "-o", "json"],
        )
        .output()
        .unwrap(),
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("denied for Bearer ***"),
        "the error is shown, redacted:\n{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains(canary) && !r.stdout.contains(canary),
        "{}\n{}",
        r.stderr,
        r.stdout
    );
    for entry in std::fs::read_dir(dist(&ws)).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(canary),
            "{} holds the token",
            path.display()
        );
    }
    let journal = std::fs::read_to_string(dist(&ws).join("release-journal.json")).unwrap();
    assert!(
        journal.contains("***"),
        "the failure is journaled, redacted:\n{journal}"
    );
}

#[test]
fn an_already_published_release_is_reported_not_duplicated() {
    let (ws, gh) = fresh();
    let files = expected_files(&ws);
    let seeded: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect();
    gh.seed_release(TAG, false, &seeded);
    let r = run(&ws, &gh, &["host"]);
    ok(&r);
    assert!(r.stderr.contains("already published"), "{}", r.stderr);
    assert_eq!(
        gh.count("POST", "/releases"),
        0,
        "nothing created or uploaded"
    );
    assert_eq!(gh.count("PATCH", "/releases/"), 0);
    assert_complete(&gh, &ws, true);
}

#[test]
fn a_different_asset_is_an_error_unless_replace() {
    let (ws, gh) = fresh();
    ok(&run(&ws, &gh, &["host", "--steps", "create,upload"]));
    // Someone changed a file on the release.
    {
        let mut s = gh.lock();
        let a = s.releases[0]
            .assets
            .iter_mut()
            .find(|a| a.name.ends_with(".zip"))
            .unwrap();
        a.data = b"not what we built".to_vec();
    }
    let r = run(&ws, &gh, &["host"]);
    r.fails_with(
        1,
        &[
            "already has different files",
            "tool-x86_64-pc-windows-msvc.zip",
            "--replace",
            "nothing was uploaded",
        ],
    );
    ok(&run(&ws, &gh, &["host", "--replace"]));
    assert_complete(&gh, &ws, true);
}

#[test]
fn announce_publishes_and_notifies_each_repository_once() {
    let ws = released("dispatch-repositories = [\"acme/docs\", \"acme/homebrew-tap\"]\n");
    let gh = FakeGithub::start(TOKEN);
    let none = run(&ws, &gh, &["announce"]);
    none.fails_with(1, &["no release for `v1.2.3`", "consign host"]);

    ok(&run(&ws, &gh, &["host", "--steps", "create,upload"]));
    assert_complete(&gh, &ws, false);
    let r = run(&ws, &gh, &["announce", "-o", "json"]);
    ok(&r);
    assert_complete(&gh, &ws, true);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        report["dispatched"],
        serde_json::json!(["acme/docs", "acme/homebrew-tap"])
    );
    {
        let s = gh.lock();
        assert_eq!(s.dispatches.len(), 2);
        let (repo, body) = &s.dispatches[0];
        assert_eq!(repo, "acme/docs");
        assert_eq!(body["event_type"], "consign-release");
        assert_eq!(body["client_payload"]["tag"], TAG);
        assert_eq!(body["client_payload"]["version"], "1.2.3");
        assert_eq!(body["client_payload"]["repository"], "acme/tools");
    }
    // Again: already public, nobody notified twice.
    ok(&run(&ws, &gh, &["announce"]));
    assert_eq!(gh.lock().dispatches.len(), 2);
    assert_eq!(gh.count("PATCH", "/releases/"), 1);
}

#[test]
fn simple_hosting_lists_where_each_file_goes() {
    let ws = released(
        "hosting = [\"simple\"]\nsimple-download-url = \"https://dl.example.com/tool/{version}\"\n",
    );
    let gh = FakeGithub::start(TOKEN);
    let r = Run::from(
        consign(&ws, &gh, "", &["host", "-o", "json"])
            .env_remove("GITHUB_TOKEN")
            .output()
            .unwrap(),
    );
    ok(&r);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let uploads = report["simple_uploads"].as_array().unwrap();
    assert_eq!(uploads.len(), expected_files(&ws).len());
    assert!(uploads
        .iter()
        .any(|u| u["url"] == "https://dl.example.com/tool/1.2.3/tool-installer.sh"));
    assert!(
        gh.lock().requests.is_empty(),
        "simple hosting talks to no API"
    );
}

#[test]
fn hosts_the_output_of_a_real_build() {
    let ws = single_app("targets = [\"x86_64-unknown-linux-gnu\"]\ninstallers = [\"shell\"]\n");
    ws.lock_and_commit();
    let build = ws.consign(&["build"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    let gh = FakeGithub::start(TOKEN);
    ok(&run(&ws, &gh, &["host"]));
    assert_complete(&gh, &ws, true);
    let s = gh.lock();
    let body = &s.releases[0].body;
    let manifest: Value =
        serde_json::from_slice(&expected_files(&ws)["dist-manifest.json"]).unwrap();
    let sum = manifest["artifacts"]["tool-x86_64-unknown-linux-gnu.tar.xz"]["checksums"]["sha256"]
        .as_str()
        .unwrap();
    assert!(
        body.contains(sum),
        "the body lists the built archive's checksum:\n{body}"
    );
}

/// `benches/host.sh`: 40 files of 5 MB hosted by consign, against the same
/// bytes sent with a `curl` loop, to the same loopback server.
#[test]
#[ignore = "benchmark; run benches/host.sh"]
fn bench_host_40_files_of_5_mb() {
    let ws = released("");
    let path = dist(&ws).join("dist-manifest.json");
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut blobs = Vec::new();
    for i in 0..40u32 {
        let name = format!("blob-{i:02}.tar.gz");
        let mut data = vec![0u8; 5 * 1024 * 1024];
        for (j, b) in data.iter_mut().enumerate() {
            *b = (j as u32)
                .wrapping_mul(2654435761)
                .wrapping_add(i)
                .to_le_bytes()[3];
        }
        std::fs::write(dist(&ws).join(&name), &data).unwrap();
        manifest["artifacts"][&name] = serde_json::json!({"kind": "executable-zip"});
        blobs.push(name);
    }
    std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();

    for concurrency in ["1", "4", "8"] {
        let _ = std::fs::remove_file(dist(&ws).join("release-journal.json"));
        let gh = FakeGithub::start(TOKEN);
        let start = Instant::now();
        ok(&run(&ws, &gh, &["host", "--concurrency", concurrency]));
        let took = start.elapsed();
        assert_complete(&gh, &ws, true);
        eprintln!(
            "consign host --concurrency {concurrency}: {:.2}s for {} files",
            took.as_secs_f64(),
            expected_files(&ws).len()
        );
    }

    let gh = FakeGithub::start(TOKEN);
    let id = gh.seed_release("curl", true, &[]);
    let start = Instant::now();
    for name in &blobs {
        let status = Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "-X", "POST", "-H"])
            .arg(format!("Authorization: Bearer {TOKEN}"))
            // `Expect:` off: the loopback server does not send `100 Continue`,
            // and curl would wait a second for it on every file.
            .args([
                "-H",
                "Expect:",
                "-H",
                "Content-Type: application/gzip",
                "--data-binary",
            ])
            .arg(format!("@{}", dist(&ws).join(name).display()))
            .arg(format!(
                "{}/repos/acme/tools/releases/{id}/assets?name={name}",
                gh.url
            ))
            .status()
            .unwrap();
        assert!(status.success());
    }
    eprintln!(
        "curl loop (40 blobs only, sequential): {:.2}s",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(gh.lock().releases[0].assets.len(), 40);
}

/// `--concurrency 0` would hang or do nothing: it is a usage error (exit
/// code 2) naming the flag, before anything is loaded or sent, for `host`
/// and for crates publishing alike.
#[test]
fn zero_concurrency_is_a_usage_error() {
    let ws = released("");
    for args in [
        &["host", "--concurrency", "0"][..],
        &["publish", "--only", "crates", "--concurrency", "0"][..],
        &["release", "--concurrency", "0"][..],
    ] {
        let run = ws.consign(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("'--concurrency <N>': it must be at least 1"),
            "{args:?}: {}",
            run.stderr
        );
    }
}
