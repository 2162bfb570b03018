//! Carrying out the publish steps: parallel by readiness.
//!
//! A crate starts as soon as every crate it waits for is visible in the
//! index; independent branches never wait for each other. At most
//! `concurrency` uploads are in flight (waiting for the index holds no
//! slot). A crate that fails for good skips its dependents, and the rest
//! goes on.
//!
//! Each crate is look, act, record: ask the index whether the version
//! exists (skip it if so), upload, then poll the index until the version is
//! visible. Faults:
//! - 429 with `Retry-After`: wait until then (plus jitter), retry the same
//!   crate, at most `max_retries` times; 429 without it stops the crate;
//! - 5xx: back off, ask the index (it may have landed), retry;
//! - no reply: watch the index for the version (up to the visibility
//!   timeout) before sending it again;
//! - "already uploaded": success.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::index::{Index, Poll};
use super::journal::Journal;
use super::registry::{Registry, UploadError, Uploaded};
use super::CrateStep;
use crate::host::github::backoff;

/// How the executor behaves.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Uploads in flight at most.
    pub concurrency: usize,
    /// Retries of one crate after a 429, 5xx or lost reply.
    pub max_retries: u32,
    /// Polling the index for visibility.
    pub poll: Poll,
    /// The first backoff after a 5xx (doubles, with jitter).
    pub base_delay: Duration,
    /// The longest `Retry-After` we wait out.
    pub max_rate_wait: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            concurrency: 4,
            max_retries: 5,
            poll: Poll::default(),
            base_delay: Duration::from_millis(500),
            max_rate_wait: Duration::from_secs(30 * 60),
        }
    }
}

/// How one crate ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome", content = "detail")]
pub enum Outcome {
    /// We uploaded it and the index shows it.
    Published,
    /// The index already had it (an earlier run, someone else, or a reply we
    /// lost).
    Present,
    /// It failed for good.
    Failed(String),
    /// Not attempted: these crates it waits for failed.
    Skipped(Vec<String>),
}

impl Outcome {
    /// Published or present.
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Published | Outcome::Present)
    }
}

/// What the executor tells the user as it goes (already redacted).
pub trait Observer: Sync {
    /// `name` moved on: `message` says how.
    fn event(&self, name: &str, message: &str);
}

/// A counting semaphore for upload slots.
struct Slots {
    free: Mutex<usize>,
    cv: Condvar,
}

impl Slots {
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        let mut free = self.free.lock().expect("no poisoned lock");
        while *free == 0 {
            free = self.cv.wait(free).expect("no poisoned lock");
        }
        *free -= 1;
        drop(free);
        let out = f();
        *self.free.lock().expect("no poisoned lock") += 1;
        self.cv.notify_one();
        out
    }
}

/// The context every crate's thread shares.
pub struct Context<'a> {
    /// The index (truth).
    pub index: &'a Index,
    /// The upload API.
    pub registry: &'a Registry,
    /// The record.
    pub journal: &'a Journal,
    /// The upload body of a step (`.crate` plus metadata).
    pub body: &'a (dyn Fn(&CrateStep) -> Result<Vec<u8>, String> + Sync),
    /// Progress.
    pub observer: &'a dyn Observer,
    /// Behaviour.
    pub options: Options,
}

/// Publish `steps` (dependencies first; deps outside `steps` count as
/// visible). Returns each crate's outcome, in `steps` order.
pub fn run(steps: &[CrateStep], ctx: &Context<'_>) -> Vec<(String, Outcome)> {
    let slots = Slots {
        free: Mutex::new(ctx.options.concurrency.max(1)),
        cv: Condvar::new(),
    };
    let names: BTreeSet<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    let mut outcomes: BTreeMap<&str, Outcome> = BTreeMap::new();
    let mut started: BTreeSet<&str> = BTreeSet::new();
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    std::thread::scope(|scope| {
        loop {
            // Start or skip everything whose dependencies are settled.
            let mut progressed = true;
            while progressed {
                progressed = false;
                for (i, step) in steps.iter().enumerate() {
                    let name = step.name.as_str();
                    if started.contains(name) {
                        continue;
                    }
                    let inner: Vec<&str> = step
                        .deps
                        .iter()
                        .map(String::as_str)
                        .filter(|d| names.contains(d))
                        .collect();
                    let failed: Vec<String> = inner
                        .iter()
                        .filter(|d| outcomes.get(*d).is_some_and(|o| !o.is_ok()))
                        .map(|d| d.to_string())
                        .collect();
                    if !failed.is_empty() {
                        started.insert(name);
                        ctx.observer.event(
                            name,
                            &format!(
                                "skipped: waits for {} which did not publish",
                                failed.join(", ")
                            ),
                        );
                        outcomes.insert(name, Outcome::Skipped(failed));
                        progressed = true;
                    } else if inner
                        .iter()
                        .all(|d| outcomes.get(*d).is_some_and(Outcome::is_ok))
                    {
                        started.insert(name);
                        let tx = tx.clone();
                        let slots = &slots;
                        scope.spawn(move || {
                            // A panic must still report, or the loop would
                            // wait for this crate forever.
                            let outcome =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    publish_one(step, ctx, slots)
                                }))
                                .unwrap_or_else(|_| {
                                    Outcome::Failed("consign panicked (a bug in consign)".into())
                                });
                            let _ = tx.send((i, outcome));
                        });
                    }
                }
            }
            if outcomes.len() == steps.len() {
                break;
            }
            let Ok((i, outcome)) = rx.recv() else { break };
            outcomes.insert(steps[i].name.as_str(), outcome);
        }
    });
    steps
        .iter()
        .map(|s| {
            let o = outcomes
                .remove(s.name.as_str())
                .unwrap_or_else(|| Outcome::Failed("never started (a bug in consign)".into()));
            (s.name.clone(), o)
        })
        .collect()
}

/// Look, act, record for one crate.
fn publish_one(step: &CrateStep, ctx: &Context<'_>, slots: &Slots) -> Outcome {
    let key = format!("{}@{}", step.name, step.version);
    let name = step.name.as_str();
    let record = |outcome: &str| {
        if let Err(e) = ctx.journal.record(&key, outcome) {
            ctx.observer.event(name, &format!("warning: {e}"));
        }
    };
    let fail = |msg: String| {
        let msg = ctx.registry.redact(&msg);
        record(&format!("failed: {msg}"));
        ctx.observer.event(name, &format!("failed: {msg}"));
        Outcome::Failed(msg)
    };
    // Look.
    match ctx.index.has(name, &step.version) {
        Ok(true) => {
            record("present");
            ctx.observer.event(name, "already in the registry");
            return Outcome::Present;
        }
        Ok(false) => {}
        Err(e) => return fail(format!("cannot read the index: {e}")),
    }
    let body = match (ctx.body)(step) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let opts = ctx.options;
    let mut retries = 0u32;
    let out_of_retries = |retries: u32| retries >= opts.max_retries;
    loop {
        record("uploading");
        ctx.observer.event(name, "uploading");
        match slots.with(|| ctx.registry.upload(&body)) {
            Ok(Uploaded::New) => {
                record("uploaded");
                break;
            }
            Ok(Uploaded::AlreadyThere) => {
                record("already uploaded (the registry said so)");
                break;
            }
            Err(UploadError::RateLimited {
                until: None,
                message,
            }) => {
                return fail(format!(
                    "the registry answered 429 without `Retry-After` ({message}): on crates.io this is the daily limit of new versions of one crate; run again later, finished crates are kept"
                ));
            }
            Err(UploadError::RateLimited {
                until: Some(t),
                message,
            }) => {
                if out_of_retries(retries) {
                    return fail(format!(
                        "still rate limited after {retries} retries ({message}); run again later, finished crates are kept"
                    ));
                }
                let wait = t.duration_since(SystemTime::now()).unwrap_or_default()
                    + Duration::from_millis(fastrand::u64(50..=500));
                if wait > opts.max_rate_wait {
                    return fail(format!(
                        "rate limited for {}s, longer than consign waits ({message}); run again then, finished crates are kept",
                        wait.as_secs()
                    ));
                }
                ctx.observer.event(
                    name,
                    &format!(
                        "rate limited; retrying in {:.1}s (as `Retry-After` asks)",
                        wait.as_secs_f64()
                    ),
                );
                std::thread::sleep(wait);
            }
            Err(UploadError::Server(status, message)) => {
                if out_of_retries(retries) {
                    return fail(format!(
                        "the registry answered {status} ({message}) after {retries} retries"
                    ));
                }
                let wait = backoff(opts.base_delay, retries);
                ctx.observer.event(
                    name,
                    &format!("the registry answered {status}; checking the index, then retrying in {:.1}s", wait.as_secs_f64()),
                );
                std::thread::sleep(wait);
                if ctx.index.has(name, &step.version).unwrap_or(false) {
                    record("landed despite the error reply");
                    break;
                }
            }
            Err(UploadError::Lost(message)) => {
                ctx.observer.event(
                    name,
                    &format!("no reply ({message}); watching the index before sending again"),
                );
                let watch = Poll {
                    timeout: opts.poll.timeout,
                    ..opts.poll
                };
                match ctx.index.wait_for(name, &step.version, watch) {
                    Ok(true) => {
                        record("landed (seen in the index after a lost reply)");
                        break;
                    }
                    Ok(false) => {}
                    Err(e) => return fail(format!("cannot read the index: {e}")),
                }
                if out_of_retries(retries) {
                    return fail(format!(
                        "no reply from the registry after {retries} retries: {message}"
                    ));
                }
            }
            Err(UploadError::Rejected(status, message)) => {
                let hint = match status {
                    401 | 403 => format!(
                        "; check the token in `{}` (it needs the publish-new or publish-update scope for this crate)",
                        ctx.registry.token_source()
                    ),
                    _ => String::new(),
                };
                return fail(format!(
                    "the registry refused it with {status}: {message}{hint}"
                ));
            }
        }
        retries += 1;
    }
    // Record: the index must show it before dependents go.
    ctx.observer.event(name, "waiting for the index");
    match ctx.index.wait_for(name, &step.version, opts.poll) {
        Ok(true) => {
            record("visible");
            ctx.observer.event(name, "published");
            Outcome::Published
        }
        Ok(false) => fail(format!(
            "uploaded, but the index did not show it within {}s; run again to wait longer (nothing is re-sent)",
            opts.poll.timeout.as_secs()
        )),
        Err(e) => fail(format!("cannot read the index: {e}")),
    }
}
