//! Kill at every step: a command is SIGKILLed at its Nth file write or its
//! Nth outgoing request, for every N up to the end (an uninterrupted run
//! counts the points first), then rerun to completion. After each kill and
//! rerun:
//! - the final state equals the uninterrupted run's: the same files byte for
//!   byte (so no temporary file is left behind either), the same remote state;
//! - nothing was sent twice: every state-changing request the remote acted on
//!   is distinct.
//!
//! File writes are killed by the test hook in `consign::fs`
//! (`CONSIGN_TEST_KILL_AT_WRITE`, `CONSIGN_TEST_WRITE_LOG`); requests from
//! outside: the fake GitHub holds the Nth request (before or after acting on
//! it) and the harness SIGKILLs the process.
//!
//! Covered: `build -a local`, `build -a global` (writes) and `host` (writes and
//! requests, against `tests/host/fake_github.rs`). The fixture is built once;
//! every run starts from a restored copy of `target/distrib`, with cargo's
//! build already warm, so a run is cheap.

mod common;
#[path = "host/fake_github.rs"]
mod fake_github;
#[path = "publish/fake_npm_registry.rs"]
mod fake_npm_registry;
#[path = "publish/fake_registry.rs"]
mod fake_registry;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::tools::{self, require_tools};
use common::{bare_tap, git_in as git, single_app, TestWorkspace};
use fake_github::{Action, FakeGithub, Fault};
use fake_npm_registry::{npm_registry, Registry};
use fake_registry::FakeRegistry;

const HOST: &str = "x86_64-unknown-linux-gnu";
const TOKEN: &str = "ghs_test_token_0123456789";
const CARGO_TOKEN: &str = "cio_test_token_0123456789";

type Files = BTreeMap<String, Vec<u8>>;

/// Every file under `dir`, by path relative to it.
fn snapshot(dir: &Path) -> Files {
    fn walk(root: &Path, dir: &Path, out: &mut Files) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = Files::new();
    walk(dir, dir, &mut out);
    out
}

/// Make `dir` hold exactly `files`.
fn restore(dir: &Path, files: &Files) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    for (rel, data) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
}

/// The differences between two snapshots, by name (empty when equal).
fn differences(expected: &Files, actual: &Files) -> Vec<String> {
    let mut out = Vec::new();
    for (name, data) in expected {
        match actual.get(name) {
            None => out.push(format!("missing {name}")),
            Some(d) if d != data => {
                // The first differing line, for text files.
                let (a, b) = (String::from_utf8_lossy(data), String::from_utf8_lossy(d));
                let first = a
                    .lines()
                    .zip(b.lines())
                    .find(|(x, y)| x != y)
                    .map(|(x, y)| format!(": expected `{x}`, got `{y}`"))
                    .unwrap_or_default();
                out.push(format!("differs {name}{first}"))
            }
            Some(_) => {}
        }
    }
    for name in actual.keys().filter(|n| !expected.contains_key(*n)) {
        out.push(format!("left behind {name}"));
    }
    out
}

struct Fixture {
    ws: TestWorkspace,
    scratch: tempfile::TempDir,
    npm: Arc<Mutex<Registry>>,
}

impl Fixture {
    fn dist(&self) -> PathBuf {
        self.ws.path().join("target/distrib")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_consign"));
        cmd.args(args)
            .current_dir(self.ws.path())
            .env("NO_COLOR", "1")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_SHA")
            .env_remove("CONSIGN_TEST_KILL_AT_WRITE")
            .env_remove("CONSIGN_TEST_WRITE_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    }

    /// Run to completion; panics on failure.
    fn finish(&self, mut cmd: Command, what: &str) {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The destinations of the writes an uninterrupted run makes.
    fn count_writes(&self, mut cmd: Command) -> Vec<String> {
        let log = self.scratch.path().join("writes.log");
        let _ = std::fs::remove_file(&log);
        cmd.env("CONSIGN_TEST_WRITE_LOG", &log);
        self.finish(cmd, "the uninterrupted run");
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Run `cmd` with a SIGKILL at write `n`; it must die of it.
    fn kill_at_write(&self, mut cmd: Command, n: usize, name: &str) {
        cmd.env("CONSIGN_TEST_KILL_AT_WRITE", n.to_string());
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.signal(),
            Some(9),
            "write {n} ({name}) was not killed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A one-app workspace (shell, Homebrew and npm installers, the host
/// target, both publish jobs, the loopback npm registry), locked and
/// committed.
fn fixture(npm_url: &str, npm: Arc<Mutex<Registry>>) -> Fixture {
    let ws = single_app(&format!(
        "installers = [\"shell\", \"homebrew\", \"npm\"]\ntap = \"acme/homebrew-tap\"\n\
         publish-jobs = [\"homebrew\", \"npm\"]\nnpm-registry = \"{npm_url}\"\ntargets = [\"{HOST}\"]\n"
    ));
    ws.lock_and_commit();
    Fixture {
        ws,
        scratch: tempfile::tempdir().unwrap(),
        npm,
    }
}

/// Kill `args` at every write in turn, starting each run from `before`;
/// each rerun must end in `after`, the uninterrupted run's files. Returns
/// the number of kill points.
fn every_write(f: &Fixture, args: &[&str], before: &Files) -> (usize, Files) {
    restore(&f.dist(), before);
    let writes = f.count_writes(f.command(args));
    let after = snapshot(&f.dist());
    assert!(!writes.is_empty(), "`{args:?}` wrote nothing");
    for (i, name) in writes.iter().enumerate() {
        let n = i + 1;
        restore(&f.dist(), before);
        f.kill_at_write(f.command(args), n, name);
        f.finish(
            f.command(args),
            &format!("the rerun after killing write {n}"),
        );
        let diff = differences(&after, &snapshot(&f.dist()));
        assert!(
            diff.is_empty(),
            "`consign {}` killed at write {n} ({name}), then rerun:\n{}",
            args.join(" "),
            diff.join("\n")
        );
    }
    (writes.len(), after)
}

/// What GitHub holds: each release with its assets' names, states and bytes.
fn remote(gh: &FakeGithub) -> Vec<String> {
    let s = gh.lock();
    s.releases
        .iter()
        .map(|r| {
            let mut assets: Vec<String> = r
                .assets
                .iter()
                .map(|a| {
                    format!(
                        "{} {} {} {:x?}",
                        a.name,
                        a.state,
                        a.content_type,
                        sha2_hex(&a.data)
                    )
                })
                .collect();
            assets.sort();
            format!(
                "{} {} draft={} pre={} latest={:?} title={} body={}\n{}",
                r.tag,
                r.target,
                r.draft,
                r.prerelease,
                r.make_latest,
                r.name,
                r.body,
                assets.join("\n")
            )
        })
        .collect()
}

fn sha2_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// Every state-changing request GitHub acted on (2xx), as `METHOD path name`:
/// none may appear twice.
fn acted(gh: &FakeGithub) -> Vec<String> {
    gh.lock()
        .requests
        .iter()
        .filter(|r| r.method != "GET" && (200..300).contains(&r.status))
        .map(|r| {
            // Asset ids are server-chosen; the upload's name is the identity.
            let name = r
                .query
                .split('&')
                .find_map(|kv| kv.strip_prefix("name="))
                .unwrap_or("");
            format!("{} {} {name}", r.method, r.path)
        })
        .collect()
}

fn assert_sent_once(gh: &FakeGithub, context: &str) {
    let acted = acted(gh);
    let mut seen = std::collections::BTreeSet::new();
    for a in &acted {
        assert!(
            seen.insert(a),
            "{context}: sent twice: {a}\nall: {acted:#?}"
        );
    }
}

fn host_command(f: &Fixture, gh: &FakeGithub) -> Command {
    let mut cmd = f.command(&["host"]);
    cmd.env("GITHUB_API_URL", &gh.url)
        .env("GITHUB_TOKEN", TOKEN);
    cmd
}

/// `consign host` killed at every outgoing request, once before GitHub acts
/// on it and once after, and at every write. Returns (request kill points,
/// write kill points).
fn host_every_step(f: &Fixture, built: &Files) -> (usize, usize) {
    // The uninterrupted run: its requests and the remote state it leaves.
    restore(&f.dist(), built);
    let gh = FakeGithub::start(TOKEN);
    let log = f.scratch.path().join("host-writes.log");
    let _ = std::fs::remove_file(&log);
    let mut cmd = host_command(f, &gh);
    cmd.env("CONSIGN_TEST_WRITE_LOG", &log);
    f.finish(cmd, "the uninterrupted host");
    let requests = gh.lock().requests.len();
    let writes = std::fs::read_to_string(&log).unwrap().lines().count();
    let expected = remote(&gh);
    assert_sent_once(&gh, "the uninterrupted host");
    assert!(expected.len() == 1 && expected[0].contains("draft=false"));
    drop(gh);

    let check = |gh: &FakeGithub, context: &str| {
        f.finish(host_command(f, gh), &format!("the rerun after {context}"));
        assert_eq!(remote(gh), expected, "{context}: the remote state differs");
        assert_sent_once(gh, context);
        let leftovers: Vec<String> = snapshot(&f.dist())
            .into_keys()
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{context}: left behind {leftovers:?}");
    };
    let mut request_points = 0;
    for n in 1..=requests {
        for (action, when) in [(Action::Hang, "before"), (Action::ActThenHang, "after")] {
            restore(&f.dist(), built);
            let gh = FakeGithub::start(TOKEN);
            gh.fault(Fault::new("*", "", n, action));
            let mut child = host_command(f, &gh).stderr(Stdio::null()).spawn().unwrap();
            let held = gh.wait_for(Duration::from_secs(60), |s| s.hanging);
            child.kill().unwrap();
            let status = child.wait().unwrap();
            assert!(held, "request {n} was never held");
            assert_eq!(status.signal(), Some(9));
            gh.lock().hanging = false;
            gh.lock().faults.clear();
            check(&gh, &format!("a kill at request {n}, {when} GitHub acted"));
            request_points += 1;
        }
    }
    for n in 1..=writes {
        restore(&f.dist(), built);
        let gh = FakeGithub::start(TOKEN);
        f.kill_at_write(host_command(f, &gh), n, "host");
        check(&gh, &format!("a kill at host write {n}"));
    }
    (request_points, writes)
}

/// The release files, without the journal (it records how each outcome was
/// reached, which a kill changes).
fn without_journal(mut files: Files) -> Files {
    files.remove("release-journal.json");
    files
}

/// `consign publish --only {channel}` killed at every write (the journal
/// records after the remote changed: the kill between acting and recording),
/// each with a fresh remote; the rerun must leave the remote as an
/// uninterrupted run does, having sent nothing twice. `fresh` makes the
/// remote and the command's environment; `state` reads the remote, with
/// every state change it acted on. Returns the kill points.
fn publish_every_write(
    f: &Fixture,
    channel: &str,
    extra: &[&str],
    built: &Files,
    fresh: &dyn Fn(usize) -> Vec<(String, String)>,
    state: &dyn Fn(usize) -> (String, Vec<String>),
) -> usize {
    let args = ["publish", "--only", channel];
    let command = |env: &[(String, String)]| {
        let mut cmd = f.command(&args);
        cmd.args(extra).envs(env.iter().map(|(k, v)| (k, v)));
        cmd
    };
    let check = |n: usize, expected: &(String, Files), context: &str| {
        let (remote, changes) = state(n);
        assert_eq!(remote, expected.0, "{context}: the remote differs");
        let mut seen = std::collections::BTreeSet::new();
        for c in &changes {
            assert!(seen.insert(c), "{context}: sent twice: {c}");
        }
        let diff = differences(&expected.1, &without_journal(snapshot(&f.dist())));
        assert!(diff.is_empty(), "{context}:\n{}", diff.join("\n"));
        // `target/publish-journal.json` is beside the distrib directory.
        let temps: Vec<String> = std::fs::read_dir(f.ws.path().join("target"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert!(temps.is_empty(), "{context}: left behind {temps:?}");
    };
    restore(&f.dist(), built);
    let env = fresh(0);
    let writes = f.count_writes(command(&env));
    let expected = (state(0).0, without_journal(snapshot(&f.dist())));
    check(0, &expected, "the uninterrupted run");
    for n in 1..=writes.len() {
        restore(&f.dist(), built);
        let env = fresh(n);
        f.kill_at_write(command(&env), n, channel);
        f.finish(
            command(&env),
            &format!("the {channel} rerun after write {n}"),
        );
        check(
            n,
            &expected,
            &format!("{channel} killed at write {n}, then rerun"),
        );
    }
    writes.len()
}

fn homebrew_every_write(f: &Fixture, built: &Files) -> usize {
    let tap = |n: usize| f.scratch.path().join(format!("tap-{n}"));
    let fresh = |n: usize| {
        let root = tap(n);
        std::fs::create_dir_all(&root).unwrap();
        let bare = bare_tap(&root);
        vec![(
            "CONSIGN_HOMEBREW_TAP_URL".to_string(),
            bare.display().to_string(),
        )]
    };
    let state = |n: usize| {
        let bare = tap(n).join("homebrew-tap.git");
        let log = git(&bare, &["log", "--format=%s", "main"]);
        let formula = git(&bare, &["show", "main:Formula/tool.rb"]);
        // Each commit is a change the tap accepted.
        let changes = log.lines().map(str::to_string).collect();
        (format!("{log}\n{formula}"), changes)
    };
    publish_every_write(f, "homebrew", &[], built, &fresh, &state)
}

fn npm_env() -> Vec<(String, String)> {
    vec![("NPM_TOKEN".to_string(), "npm-token-for-tests".to_string())]
}

fn npm_state(npm: &Mutex<Registry>) -> (String, Vec<String>) {
    let st = npm.lock().unwrap();
    (format!("{:?}", st.versions), st.puts.clone())
}

fn npm_reset(npm: &Mutex<Registry>) {
    let mut st = npm.lock().unwrap();
    st.versions.clear();
    st.puts.clear();
}

/// npm: killed at every write, and once while the registry holds the reply
/// to the publish it has stored. Returns the kill points.
fn npm_every_step(f: &Fixture, built: &Files) -> usize {
    let fresh = |_| {
        npm_reset(&f.npm);
        npm_env()
    };
    let state = |_| npm_state(&f.npm);
    let writes = publish_every_write(f, "npm", &[], built, &fresh, &state);
    let expected = {
        restore(&f.dist(), built);
        npm_reset(&f.npm);
        let mut cmd = f.command(&["publish", "--only", "npm"]);
        cmd.envs(npm_env());
        f.finish(cmd, "the uninterrupted npm publish");
        npm_state(&f.npm).0
    };

    // The request kill: the registry stored the package; consign (and npm,
    // its child: the whole process group) dies before the reply.
    restore(&f.dist(), built);
    npm_reset(&f.npm);
    f.npm.lock().unwrap().hold_replies = true;
    let mut cmd = f.command(&["publish", "--only", "npm"]);
    cmd.envs(npm_env()).stderr(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().unwrap();
    let mut held = false;
    for _ in 0..3000 {
        if f.npm.lock().unwrap().holding {
            held = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    assert!(killed.success(), "cannot kill the process group");
    let status = child.wait().unwrap();
    f.npm.lock().unwrap().hold_replies = false;
    assert!(held, "the registry never held a publish");
    assert_eq!(status.signal(), Some(9));
    let mut cmd = f.command(&["publish", "--only", "npm"]);
    cmd.envs(npm_env());
    f.finish(cmd, "the npm rerun after the held publish");
    let (remote, puts) = npm_state(&f.npm);
    assert_eq!(remote, expected);
    assert_eq!(puts.len(), 1, "published twice: {puts:?}");
    writes + 1
}

/// `publish --only crates` to the loopback cargo registry, killed at every
/// write (`target/publish-journal.json`, written after each upload).
fn crates_every_write(f: &Fixture, built: &Files) -> usize {
    let reg = FakeRegistry::start(CARGO_TOKEN);
    let index = reg.index_url();
    let journal = f.ws.path().join("target/publish-journal.json");
    let fresh = |_| {
        let _ = std::fs::remove_file(&journal);
        let mut s = reg.lock();
        s.crates.clear();
        s.uploads.clear();
        vec![("CARGO_REGISTRY_TOKEN".to_string(), CARGO_TOKEN.to_string())]
    };
    let state = |_| {
        let s = reg.lock();
        let stored: Vec<String> = s
            .crates
            .iter()
            .flat_map(|(name, vs)| vs.iter().map(move |v| format!("{name}@{}", v.vers)))
            .collect();
        let uploads = s
            .uploads
            .iter()
            .filter(|u| u.stored)
            .map(|u| format!("{}@{}", u.name, u.vers))
            .collect();
        (format!("{stored:?}"), uploads)
    };
    publish_every_write(
        f,
        "crates",
        &["--index", &index, "--timeout", "20"],
        built,
        &fresh,
        &state,
    )
}

#[test]
fn build_host_and_publish_killed_at_every_step_finish_on_a_rerun() {
    require_tools!("git", "node", "npm");
    let npm = Arc::new(Mutex::new(Registry::default()));
    let (npm_url, npm_thread, npm_server) = npm_registry(npm.clone());
    let f = fixture(&npm_url, npm);
    // Warm cargo's build (the runs below reuse its binaries).
    f.finish(f.command(&["build", "-a", "local", "-t", HOST]), "warm-up");
    let empty = Files::new();
    let (local_points, local) = every_write(&f, &["build", "-a", "local", "-t", HOST], &empty);
    // Regression (found here): a rebuild that reuses the finished archive
    // left it out of the manifest's `upload_files`.
    f.finish(
        f.command(&["build", "-a", "local", "-t", HOST]),
        "a rebuild",
    );
    let rebuilt = differences(&local, &snapshot(&f.dist()));
    assert!(
        rebuilt.is_empty(),
        "a rebuild changed:\n{}",
        rebuilt.join("\n")
    );
    let (global_points, built) = every_write(&f, &["build", "-a", "global"], &local);
    let (request_points, host_writes) = host_every_step(&f, &built);
    let homebrew_points = homebrew_every_write(&f, &built);
    let npm_points = npm_every_step(&f, &built);
    let crates_points = crates_every_write(&f, &built);
    npm_server.unblock();
    npm_thread.join().unwrap();
    eprintln!(
        "kill points: build -a local {local_points} writes; build -a global {global_points} writes; \
         host {request_points} requests (before and after acting) + {host_writes} writes; \
         publish homebrew {homebrew_points} writes; publish npm {npm_points} (writes + the held publish); \
         publish crates {crates_points} writes"
    );
}
