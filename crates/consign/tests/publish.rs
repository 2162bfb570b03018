//! End-to-end tests of `consign publish` and `consign publish-status` with
//! real cargo (`cargo package`) against a loopback fake registry with
//! faults: 429s with and without `Retry-After`, 500s, dropped connections,
//! an index that shows versions late, and a version that appears while
//! consign waits. Each asserts the registry stored every crate-version at
//! most once.

mod common;
#[path = "publish/fake_registry.rs"]
mod fake_registry;
#[path = "publish/kellnr.rs"]
mod kellnr;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fake_registry::{http_date_in, Action, FakeRegistry, OIDC_REQUEST_TOKEN};

const TOKEN: &str = "cio_test_token_0123456789";

/// `[package]` with everything a publish needs.
fn manifest(name: &str, deps: &str, dev_deps: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"d\"\nlicense = \"MIT\"\nrepository = \"https://github.com/o/r\"\nrust-version = \"1.70\"\n\n[dependencies]\n{deps}\n[dev-dependencies]\n{dev_deps}"
    )
}

fn dep(name: &str) -> String {
    format!("{name} = {{ path = \"../{name}\", version = \"0.1.0\" }}\n")
}

/// A workspace of `(name, deps, dev-deps)` crates under `crates/`.
fn workspace(crates: &[(&str, &[&str], &str)]) -> TestWorkspace {
    let members: Vec<String> = crates
        .iter()
        .map(|(n, _, _)| format!("\"crates/{n}\""))
        .collect();
    let mut files = vec![(
        "Cargo.toml".to_string(),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )];
    for (name, deps, dev) in crates {
        let deps: String = deps.iter().map(|d| dep(d)).collect();
        files.push((
            format!("crates/{name}/Cargo.toml"),
            manifest(name, &deps, dev),
        ));
        files.push((
            format!("crates/{name}/src/lib.rs"),
            "pub fn f() {}\n".into(),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let ws = TestWorkspace::new(&refs);
    ws.write(".gitignore", "target\n");
    ws.lock_and_commit();
    ws
}

/// A chain `a ← b ← c`, a fan-out `d`, `e` on `a`, `f` with a versioned
/// dev-dependency on `c`, and `a` with a path-only dev-dependency on `f`
/// (stripped on publish: no cycle).
fn shaped() -> TestWorkspace {
    workspace(&[
        ("a", &[], "f = { path = \"../f\" }\n"),
        ("b", &["a"], ""),
        ("c", &["b"], ""),
        ("d", &["a"], ""),
        ("e", &["a"], ""),
        ("f", &[], "c = { path = \"../c\", version = \"0.1.0\" }\n"),
    ])
}

fn publish_cmd(ws: &TestWorkspace, reg: &FakeRegistry, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_consign"));
    cmd.args(["publish", "--only", "crates", "--index", &reg.index_url()])
        .args(extra)
        .current_dir(ws.path())
        .env("NO_COLOR", "1")
        .env("CARGO_REGISTRY_TOKEN", TOKEN)
        .env_remove("CARGO_TARGET_DIR");
    if !extra.contains(&"--timeout") {
        cmd.args(["--timeout", "20"]);
    }
    cmd
}

fn publish(ws: &TestWorkspace, reg: &FakeRegistry, extra: &[&str]) -> Run {
    Run::from(publish_cmd(ws, reg, extra).output().unwrap())
}

/// Every crate stored exactly once, and each after its dependencies were
/// visible in the index.
fn assert_published_in_order(reg: &FakeRegistry, deps: &[(&str, &[&str])]) {
    let s = reg.lock();
    for (name, ds) in deps {
        assert_eq!(
            s.stored(name, "0.1.0"),
            1,
            "{name} stored once: {:?}",
            s.requests(name)
        );
        let sent = s
            .requests(name)
            .iter()
            .map(|u| u.at)
            .min()
            .expect("uploaded");
        for d in *ds {
            let visible = s.visible_at(d, "0.1.0").expect("dependency stored");
            assert!(sent >= visible, "{name} was sent before {d} was visible");
        }
    }
}

const SHAPE: &[(&str, &[&str])] = &[
    ("a", &[]),
    ("b", &["a"]),
    ("c", &["b"]),
    ("d", &["a"]),
    ("e", &["a"]),
    ("f", &["c"]),
];

#[test]
fn publishes_in_dependency_order_and_a_rerun_uploads_nothing() {
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    reg.lock().index_delay = Duration::from_millis(300);
    // `a` has an older version: its entry exists, so polling reads it
    // conditionally while the new version is not yet visible.
    reg.seed("a", "0.0.1", Duration::ZERO);
    let run = publish(&ws, &reg, &["-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_published_in_order(&reg, SHAPE);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["crates"].as_array().unwrap().len(), 6);
    assert!(json["crates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["outcome"] == "published"));
    // Polling used ETags.
    assert!(reg.lock().not_modified > 0, "no conditional index reads");
    assert!(!run.stderr.contains(TOKEN) && !run.stdout.contains(TOKEN));
    let journal = std::fs::read_to_string(ws.path().join("target/publish-journal.json")).unwrap();
    assert!(journal.contains("\"a@0.1.0\": \"visible\""), "{journal}");
    assert!(!journal.contains(TOKEN));

    let before = reg.lock().uploads.len();
    let rerun = publish(&ws, &reg, &[]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert!(
        rerun.stderr.contains("Nothing to publish"),
        "{}",
        rerun.stderr
    );
    assert_eq!(
        reg.lock().uploads.len(),
        before,
        "a rerun uploaded something"
    );
}

#[test]
fn a_429_with_an_http_date_is_waited_out_and_one_without_stops_that_crate() {
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    let until = Instant::now() + Duration::from_secs(2);
    reg.fault(
        "b",
        Action::TooMany(Some(http_date_in(Duration::from_secs(2)))),
        1,
    );
    reg.fault("d", Action::TooMany(None), 1);
    let run = publish(&ws, &reg, &[]);
    run.fails_with(1, &["daily limit", "1 of 6 crates did not publish: d"]);
    let s = reg.lock();
    let b = s.requests("b");
    assert_eq!(b.len(), 2, "{b:?}");
    // The HTTP-date has one-second resolution.
    assert!(
        b[1].at + Duration::from_secs(1) >= until,
        "retried before Retry-After"
    );
    assert_eq!(s.stored("b", "0.1.0"), 1);
    assert_eq!(
        s.requests("d").len(),
        1,
        "a 429 without Retry-After is not retried"
    );
    for name in ["a", "c", "e", "f"] {
        assert_eq!(s.stored(name, "0.1.0"), 1, "{name}");
    }
    drop(s);
    // The rerun finishes `d` only.
    let rerun = publish(&ws, &reg, &[]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert_published_in_order(&reg, SHAPE);
}

#[test]
fn a_failed_crate_skips_its_dependents_and_the_rest_goes_on() {
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    reg.fault("b", Action::ServerError { store: false }, 10);
    let run = publish(&ws, &reg, &["--max-retries", "1"]);
    run.fails_with(1, &["answered 500", "c, f", "skipped"]);
    let s = reg.lock();
    assert_eq!(s.requests("b").len(), 2, "one try and one retry");
    assert!(s.requests("c").is_empty() && s.requests("f").is_empty());
    for name in ["a", "d", "e"] {
        assert_eq!(s.stored(name, "0.1.0"), 1, "{name}");
    }
}

#[test]
fn errors_and_lost_replies_never_store_a_crate_twice() {
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    reg.lock().index_delay = Duration::from_millis(200);
    // A 500 that did not store, a 500 that did, a dropped reply that
    // stored, and a dropped reply that did not.
    reg.fault("a", Action::ServerError { store: false }, 1);
    reg.fault("b", Action::ServerError { store: true }, 1);
    reg.fault("c", Action::Drop { store: true }, 1);
    reg.fault("d", Action::Drop { store: false }, 1);
    let run = publish(&ws, &reg, &["--timeout", "3"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_published_in_order(&reg, SHAPE);
    let s = reg.lock();
    assert_eq!(s.requests("a").len(), 2);
    assert_eq!(
        s.requests("b").len(),
        1,
        "a 500 that landed was found in the index"
    );
    assert_eq!(
        s.requests("c").len(),
        1,
        "a lost reply that landed was found in the index"
    );
    assert_eq!(
        s.requests("d").len(),
        2,
        "a lost reply that did not land is sent again"
    );
}

#[test]
fn a_version_that_appears_while_waiting_is_not_uploaded() {
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    // `a` shows in the index late; meanwhile someone else publishes `b`.
    reg.lock().index_delay = Duration::from_millis(1500);
    reg.seed("b", "0.1.0", Duration::from_millis(700));
    let run = publish(&ws, &reg, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let s = reg.lock();
    assert!(
        s.requests("b").is_empty(),
        "b was uploaded: {:?}",
        s.requests("b")
    );
    let c = s.requests("c");
    assert_eq!(c.len(), 1);
    assert!(c[0].at >= s.visible_at("a", "0.1.0").unwrap());
}

#[test]
fn killed_mid_run_a_rerun_publishes_everything_exactly_once() {
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    reg.lock().index_delay = Duration::from_millis(800);
    let mut child = publish_cmd(&ws, &reg, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while reg.lock().uploads.len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        reg.lock().uploads.len() < 6,
        "killed too late to test anything"
    );
    let run = publish(&ws, &reg, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_published_in_order(&reg, SHAPE);
}

#[test]
fn problems_are_reported_together_and_nothing_is_uploaded() {
    let ws = workspace(&[("a", &[], ""), ("b", &[], "")]);
    ws.write(
        "crates/a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nb = { path = \"../b\" }\n",
    );
    ws.write(
        "crates/b/Cargo.toml",
        &manifest("b", "", "").replace("[package]", "[package]\npublish = false"),
    );
    ws.commit();
    let reg = FakeRegistry::start(TOKEN);
    let run = publish(&ws, &reg, &[]);
    run.fails_with(
        1,
        &[
            "2 problems must be fixed",
            "lacks `description`, `license` (or `license-file`), `repository`",
            "`b` by path only",
            "declares no `rust-version`",
        ],
    );
    assert!(reg.lock().uploads.is_empty());
}

#[test]
fn a_dry_run_packages_and_uploads_nothing() {
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    let run = publish(&ws, &reg, &["--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("6 crates checked and packaged"),
        "{}",
        run.stderr
    );
    assert!(ws.path().join("target/package/f-0.1.0.crate").is_file());
    assert!(reg.lock().uploads.is_empty());
}

#[test]
fn a_cycle_through_a_versioned_dev_dependency_is_an_error() {
    let ws = workspace(&[
        ("a", &[], "b = { path = \"../b\", version = \"0.1.0\" }\n"),
        ("b", &["a"], ""),
    ]);
    let reg = FakeRegistry::start(TOKEN);
    let run = publish(&ws, &reg, &[]);
    run.fails_with(1, &["a → b → a", "hint:"]);
}

#[test]
fn trusted_publishing_mints_a_token_uses_it_and_revokes_it() {
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    for name in ["a", "b", "c", "d", "e", "f"] {
        reg.seed(name, "0.0.1", Duration::ZERO);
    }
    let oidc = |cmd: &mut Command| {
        cmd.env_remove("CARGO_REGISTRY_TOKEN")
            .env(
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                format!("{}/oidc?api-version=2.0", reg.base),
            )
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", OIDC_REQUEST_TOKEN);
    };
    let mut cmd = publish_cmd(&ws, &reg, &["--trusted-publishing"]);
    oidc(&mut cmd);
    let run = Run::from(cmd.output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_published_in_order(&reg, SHAPE);
    let s = reg.lock();
    assert_eq!(s.oidc_issued, 1);
    assert!(s.tp_valid.is_empty(), "the token was not revoked");
    assert_eq!(s.tp_revoked, ["cio_tp_secret_1"]);
    for secret in ["cio_tp_secret_1", OIDC_REQUEST_TOKEN, "jwt-1"] {
        assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    }
    drop(s);

    // A new crate cannot be published with trusted publishing: said before
    // anything is uploaded.
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    reg.seed("a", "0.0.1", Duration::ZERO);
    let mut cmd = publish_cmd(&ws, &reg, &["--trusted-publishing"]);
    oidc(&mut cmd);
    let run = Run::from(cmd.output().unwrap());
    run.fails_with(
        1,
        &[
            "trusted publishing cannot create crates",
            "b, c, f, d, e",
            "CARGO_REGISTRY_TOKEN",
        ],
    );
    assert!(reg.lock().uploads.is_empty());
    assert_eq!(reg.lock().oidc_issued, 0);
}

#[test]
fn verify_runs_the_tests_and_stops_before_uploading() {
    let ws = workspace(&[("a", &[], "")]);
    ws.write(
        "crates/a/src/lib.rs",
        "pub fn f() {}
#[test]
fn broken() { panic!(\"this test fails\") }
",
    );
    ws.commit();
    let reg = FakeRegistry::start(TOKEN);
    let run = publish(&ws, &reg, &["--verify"]);
    run.fails_with(1, &["`cargo test --locked` failed", "this test fails"]);
    assert!(reg.lock().uploads.is_empty());
}

#[test]
fn a_named_registry_comes_from_cargo_config_and_publish_lists_are_honoured() {
    let ws = workspace(&[("a", &[], ""), ("b", &["a"], ""), ("elsewhere", &[], "")]);
    let reg = FakeRegistry::start(TOKEN);
    ws.write(
        ".cargo/config.toml",
        &format!("[registries.fake]\nindex = \"{}\"\n", reg.index_url()),
    );
    let path = "crates/elsewhere/Cargo.toml";
    let text = std::fs::read_to_string(ws.path().join(path)).unwrap();
    ws.write(
        path,
        &text.replace("[package]", "[package]\npublish = [\"other\"]"),
    );
    ws.commit();
    let consign = |args: &[&str]| {
        Run::from(
            Command::new(env!("CARGO_BIN_EXE_consign"))
                .args(args)
                .args(["--registry", "fake"])
                .current_dir(ws.path())
                .env("NO_COLOR", "1")
                .env("CARGO_REGISTRIES_FAKE_TOKEN", TOKEN)
                .env_remove("CARGO_REGISTRY_TOKEN")
                .env_remove("CARGO_TARGET_DIR")
                .output()
                .unwrap(),
        )
    };
    let run = consign(&["publish", "--only", "crates"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("Publishing 2 crates to `fake`"),
        "{}",
        run.stderr
    );
    let s = reg.lock();
    assert_eq!((s.stored("a", "0.1.0"), s.stored("b", "0.1.0")), (1, 1));
    assert!(s.requests("elsewhere").is_empty());
    drop(s);
    // The human table.
    let status = consign(&["publish-status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    let row = |name: &str| {
        status
            .stderr
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{}", status.stderr))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("a"), ["a", "0.1.0", "0.1.0", "published"]);
    assert_eq!(
        row("elsewhere")[..4],
        ["elsewhere", "0.1.0", "-", "not-published"]
    );
    // A new version without the token: the error names the variable to set.
    let path = ws.path().join("crates/b/Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "version = \"0.1.0\"\nedition",
            "version = \"0.2.0\"\nedition",
        ),
    )
    .unwrap();
    ws.commit();
    let run = Run::from(
        Command::new(env!("CARGO_BIN_EXE_consign"))
            .args(["publish", "--only", "crates", "--registry", "fake"])
            .current_dir(ws.path())
            .env_remove("CARGO_REGISTRY_TOKEN")
            .env_remove("CARGO_REGISTRIES_FAKE_TOKEN")
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap(),
    );
    run.fails_with(
        1,
        &[
            "no token for the registry `fake`",
            "CARGO_REGISTRIES_FAKE_TOKEN",
        ],
    );
    assert_eq!(reg.lock().uploads.len(), 2);
}

fn status(ws: &TestWorkspace, reg: &FakeRegistry) -> serde_json::Value {
    let run = Run::from(
        Command::new(env!("CARGO_BIN_EXE_consign"))
            .args(["publish-status", "--index", &reg.index_url(), "-o", "json"])
            .current_dir(ws.path())
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn publish_status_is_cached_until_an_edit_a_commit_or_the_ttl() {
    let ws = shaped();
    let reg = FakeRegistry::start(TOKEN);
    reg.seed("a", "0.1.0", Duration::ZERO);
    reg.seed("b", "0.0.9", Duration::ZERO);
    let cold = status(&ws, &reg);
    assert_eq!(cold["cached"], false);
    let state = |s: &serde_json::Value, name: &str| {
        s["crates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(state(&cold, "a")["state"], "published");
    assert_eq!(state(&cold, "b")["state"], "update");
    assert_eq!(state(&cold, "b")["registry"], "0.0.9");
    assert_eq!(state(&cold, "c")["state"], "new");
    assert_eq!(state(&cold, "c")["blocked_by"], serde_json::json!(["b"]));
    assert_eq!(cold["new"], 4);
    assert_eq!(cold["updates"], 1);
    let reads = reg.lock().index_reads;
    let warm = status(&ws, &reg);
    assert_eq!(warm["cached"], true);
    assert_eq!(
        reg.lock().index_reads,
        reads,
        "a warm status read the index"
    );
    assert_eq!(warm["crates"], cold["crates"]);

    // An edit of a member manifest invalidates it.
    let path = ws.path().join("crates/e/Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("0.1.0\"\nedition", "0.2.0\"\nedition")).unwrap();
    let edited = status(&ws, &reg);
    assert_eq!(edited["cached"], false);
    assert_eq!(state(&edited, "e")["local"], "0.2.0");
    assert_eq!(status(&ws, &reg)["cached"], true);
    // So does a commit (HEAD moves).
    ws.commit();
    assert_eq!(status(&ws, &reg)["cached"], false);
    assert_eq!(status(&ws, &reg)["cached"], true);
    // And age: the cache is 16 minutes old.
    let cache = ws.path().join("target/consign/publish-status.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    json["created"] = (json["created"].as_u64().unwrap() - 16 * 60).into();
    std::fs::write(&cache, json.to_string()).unwrap();
    assert_eq!(status(&ws, &reg)["cached"], false);
}

/// `benches/publish.sh`: 40 crates (a 20-deep chain with a leaf hanging off
/// each link, so the longest path is 21 crates), published by `consign
/// publish` and by `cargo publish --workspace --no-verify`, each to a fresh
/// fake registry with a 0.5 s index delay and a 0.2 s upload latency, then
/// (when kellnr is installed) each to a fresh kellnr. Also the rerun and
/// `publish-status` cold and warm.
#[test]
#[ignore]
fn bench_publish_40_crates() {
    let names: Vec<(String, Vec<String>)> = (0..20)
        .flat_map(|i| {
            let chain_deps = if i == 0 {
                vec![]
            } else {
                vec![format!("chain{:02}", i - 1)]
            };
            [
                (format!("chain{i:02}"), chain_deps),
                (format!("leaf{i:02}"), vec![format!("chain{i:02}")]),
            ]
        })
        .collect();
    let deps: Vec<Vec<&str>> = names
        .iter()
        .map(|(_, d)| d.iter().map(String::as_str).collect())
        .collect();
    let crates: Vec<(&str, &[&str], &str)> = names
        .iter()
        .zip(&deps)
        .map(|((n, _), d)| (n.as_str(), d.as_slice(), ""))
        .collect();
    let ws = workspace(&crates);
    // Both tools publish to the registry named `bench` (its index comes from
    // `CARGO_REGISTRIES_BENCH_INDEX`): cargo sends path dependencies to
    // crates.io unless they name their registry.
    for (n, _) in &names {
        let path = ws.path().join(format!("crates/{n}/Cargo.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace(
                "version = \"0.1.0\" }",
                "version = \"0.1.0\", registry = \"bench\" }",
            ),
        )
        .unwrap();
    }
    ws.commit();
    let (delay, latency) = (Duration::from_millis(500), Duration::from_millis(200));
    let floor = (delay + latency) * 21;
    eprintln!(
        "critical-path floor: 21 x {:.1}s = {:.1}s",
        (delay + latency).as_secs_f64(),
        floor.as_secs_f64()
    );
    let timed = |cmd: &mut Command| {
        let start = Instant::now();
        let run = Run::from(cmd.output().unwrap());
        assert_eq!(run.code, 0, "{}", run.stderr);
        start.elapsed().as_secs_f64()
    };
    let fake = || {
        let reg = FakeRegistry::start(TOKEN);
        reg.lock().index_delay = delay;
        reg.lock().upload_latency = latency;
        reg
    };
    let clean = || {
        let _ = std::fs::remove_dir_all(ws.path().join("target"));
    };
    let tool = |program: &str, args: &[&str], index: &str, token: &str| {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .args(["--registry", "bench"])
            .env("CARGO_REGISTRIES_BENCH_INDEX", index)
            .env("CARGO_REGISTRIES_BENCH_TOKEN", token)
            .env("NO_COLOR", "1")
            .current_dir(ws.path())
            .env_remove("CARGO_TARGET_DIR");
        cmd
    };
    let consign = |index: &str, token: &str| {
        tool(
            env!("CARGO_BIN_EXE_consign"),
            &["publish", "--only", "crates"],
            index,
            token,
        )
    };
    let cargo = |index: &str, token: &str| {
        tool(
            env!("CARGO"),
            &["publish", "--workspace", "--no-verify"],
            index,
            token,
        )
    };

    clean();
    let reg = fake();
    let t = timed(&mut consign(&reg.index_url(), TOKEN));
    eprintln!(
        "fake: consign publish: {t:.2}s ({:.2}x the floor)",
        t / floor.as_secs_f64()
    );
    let rerun = timed(&mut consign(&reg.index_url(), TOKEN));
    eprintln!("fake: consign publish rerun: {rerun:.2}s");
    for name in names.iter().map(|(n, _)| n) {
        assert_eq!(reg.lock().stored(name, "0.1.0"), 1);
    }
    let status = || {
        tool(
            env!("CARGO_BIN_EXE_consign"),
            &["publish-status"],
            &reg.index_url(),
            TOKEN,
        )
    };
    let _ = std::fs::remove_file(ws.path().join("target/consign/publish-status.json"));
    let cold = timed(&mut status());
    let warm = timed(&mut status());
    eprintln!(
        "fake: publish-status cold: {:.0}ms, warm: {:.0}ms",
        cold * 1000.0,
        warm * 1000.0
    );
    clean();
    let reg = fake();
    let t = timed(&mut cargo(&reg.index_url(), TOKEN));
    eprintln!("fake: cargo publish --workspace --no-verify: {t:.2}s");

    let Some(k) = kellnr::kellnr() else { return };
    clean();
    let t = timed(&mut consign(&k.index(), kellnr::TOKEN));
    let rerun = timed(&mut consign(&k.index(), kellnr::TOKEN));
    eprintln!("kellnr: consign publish: {t:.2}s, rerun {rerun:.2}s");
    drop(k);
    let k = kellnr::kellnr().unwrap();
    clean();
    let t = timed(&mut cargo(&k.index(), kellnr::TOKEN));
    eprintln!("kellnr: cargo publish --workspace --no-verify: {t:.2}s");
}
