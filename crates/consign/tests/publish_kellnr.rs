//! `consign publish` against a real registry: kellnr (installed by
//! `.ci/run`), bound to 127.0.0.1 on a free port with a temporary data
//! directory and an admin token. kellnr serves a sparse index, checks the
//! token, and refuses a duplicate version with a 400, so a second upload of
//! any crate-version would show in the journal as "already uploaded".

mod common;
#[path = "publish/kellnr.rs"]
mod kellnr;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use kellnr::{kellnr, Kellnr, TOKEN};

fn shaped() -> TestWorkspace {
    let manifest = |name: &str, deps: &str, dev: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"d\"\nlicense = \"MIT\"\nrepository = \"https://github.com/o/r\"\nrust-version = \"1.70\"\n\n[dependencies]\n{deps}\n[dev-dependencies]\n{dev}"
        )
    };
    let dep = |n: &str| format!("{n} = {{ path = \"../{n}\", version = \"0.1.0\" }}\n");
    // A chain, a fan-out, a versioned dev-dependency (`f` on `c`) and a
    // path-only dev-dependency back edge (`a` on `f`).
    let crates: Vec<(&str, String, String)> = vec![
        ("ka", String::new(), "kf = { path = \"../kf\" }\n".into()),
        ("kb", dep("ka"), String::new()),
        ("kc", dep("kb"), String::new()),
        ("kd", dep("ka"), String::new()),
        ("ke", dep("ka"), String::new()),
        ("kf", String::new(), dep("kc")),
    ];
    let mut files = vec![(
        "Cargo.toml".to_string(),
        "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n".to_string(),
    )];
    for (n, d, dev) in &crates {
        files.push((format!("crates/{n}/Cargo.toml"), manifest(n, d, dev)));
        files.push((format!("crates/{n}/src/lib.rs"), "pub fn f() {}\n".into()));
    }
    files.push((".gitignore".into(), "target\n".into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let ws = TestWorkspace::new(&refs);
    ws.lock_and_commit();
    ws
}

const EDGES: &[(&str, &str)] = &[
    ("kb", "ka"),
    ("kc", "kb"),
    ("kd", "ka"),
    ("ke", "ka"),
    ("kf", "kc"),
];

fn publish(ws: &TestWorkspace, k: &Kellnr) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_consign"));
    cmd.args([
        "publish",
        "--only",
        "crates",
        "--index",
        &k.index(),
        "--timeout",
        "60",
    ])
    .current_dir(ws.path())
    .env("NO_COLOR", "1")
    .env("CARGO_REGISTRY_TOKEN", TOKEN)
    .env_remove("CARGO_TARGET_DIR");
    cmd
}

/// The journal's events: (crate, outcome), oldest first.
fn events(ws: &TestWorkspace) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(ws.path().join("target/publish-journal.json")).unwrap();
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    j["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["krate"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches("@0.1.0")
                    .to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn in_index(k: &Kellnr, name: &str) -> bool {
    // Two-letter names live under `2/` in a sparse index.
    let url = format!("http://127.0.0.1:{}/api/v1/crates/2/{name}", k.port);
    let Ok(mut r) = ureq::get(&url).call() else {
        return false;
    };
    r.body_mut()
        .read_to_string()
        .unwrap()
        .contains("\"vers\":\"0.1.0\"")
}

fn assert_all_once(ws: &TestWorkspace, k: &Kellnr) {
    let ev = events(ws);
    for name in ["ka", "kb", "kc", "kd", "ke", "kf"] {
        assert!(in_index(k, name), "{name} is not in kellnr's index");
    }
    // kellnr answers a duplicate with a 400 we would journal.
    assert!(
        !ev.iter().any(|(_, o)| o.contains("already uploaded")),
        "something was sent twice: {ev:?}"
    );
    assert_eq!(
        ev.iter().filter(|(_, o)| o == "uploaded").count(),
        6,
        "{ev:?}"
    );
    // The order kellnr saw: a dependent's upload began after its
    // dependency was visible.
    let pos = |n: &str, o: &str| ev.iter().position(|(c, e)| c == n && e == o);
    for (child, parent) in EDGES {
        let sent = pos(child, "uploading").unwrap();
        let visible = pos(parent, "visible").unwrap();
        assert!(
            sent > visible,
            "{child} went before {parent} was visible: {ev:?}"
        );
    }
}

#[test]
fn publishes_to_kellnr_in_order_and_a_rerun_uploads_nothing() {
    let Some(k) = kellnr() else { return };
    let ws = shaped();
    let run = Run::from(publish(&ws, &k).output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_all_once(&ws, &k);
    assert!(!run.stderr.contains(TOKEN));
    let before = events(&ws).len();
    let rerun = Run::from(publish(&ws, &k).output().unwrap());
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert!(
        rerun.stderr.contains("Nothing to publish"),
        "{}",
        rerun.stderr
    );
    assert_eq!(events(&ws).len(), before, "a rerun did something");
}

#[test]
fn killed_mid_publish_a_rerun_publishes_everything_exactly_once() {
    let Some(k) = kellnr() else { return };
    let ws = shaped();
    let mut child = publish(&ws, &k)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = ws.path().join("target/publish-journal.json");
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline
        && !std::fs::read_to_string(&journal).is_ok_and(|t| t.contains("\"uploaded\""))
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let run = Run::from(publish(&ws, &k).output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ev = events(&ws);
    for name in ["ka", "kb", "kc", "kd", "ke", "kf"] {
        assert!(in_index(&k, name), "{name} is not in kellnr's index");
    }
    assert!(
        !ev.iter().any(|(_, o)| o.contains("already uploaded")),
        "something was sent twice: {ev:?}"
    );
    // Each crate was uploaded by one of the runs, or found present.
    for name in ["ka", "kb", "kc", "kd", "ke", "kf"] {
        let ups = ev
            .iter()
            .filter(|(c, o)| c == name && o == "uploaded")
            .count();
        assert!(ups <= 1, "{name} uploaded {ups} times: {ev:?}");
    }
}
