//! The one journal mechanism: an append-and-snapshot record of what remote
//! steps did, kept beside the remote state.
//!
//! A [`Journal<D>`] holds the contents `D` of one JSON file (a summary plus a
//! list of events, see [`Log`]). [`Journal::append`] changes the summary,
//! adds an event, and rewrites the file whole; [`Journal::snapshot`] reads
//! the current contents. Each user owns its record type and file name:
//! `host::journal` (`release-journal.json`), `channel::crates_io::journal`
//! (`publish-journal.json`) and `release::journal`
//! (`release-flow-journal.json`).
//!
//! **Invariant:** the file is rewritten whole and atomically
//! ([`crate::fs::write_atomic`]) under a lock after every event, so a crash
//! (SIGKILL too) leaves the previous complete journal. **Invariant:** no
//! secret is written: the text passes through the token's redaction on its
//! way to disk. **Invariant:** a journal is a record, never the truth; every
//! step asks the remote first.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::fs::write_atomic;
use crate::host::github::Token;

/// How many events a journal keeps (the oldest are dropped first).
pub const MAX_EVENTS: usize = 2000;

/// A journal's contents: whatever summary the user keeps, and its events.
pub trait Log: Serialize + DeserializeOwned + Clone {
    /// One thing that happened.
    type Event;
    /// The events, oldest first.
    fn events(&mut self) -> &mut Vec<Self::Event>;
}

/// Makes `$data` a [`Log`] of `$event`s kept in its `events` field, and
/// `Journal` (with the docs given) the open journal of it: how each record
/// type declares itself, in one line.
macro_rules! log_of {
    ($(#[$doc:meta])* $data:ident, $event:ty) => {
        impl $crate::journal::Log for $data {
            type Event = $event;
            fn events(&mut self) -> &mut Vec<$event> {
                &mut self.events
            }
        }

        $(#[$doc])*
        pub type Journal = $crate::journal::Journal<$data>;
    };
}
pub(crate) use log_of;

/// Why a journal file could not be read back.
#[derive(Debug)]
pub enum ReadError {
    /// The file exists but cannot be read.
    Io(io::Error),
    /// The file is not this kind of journal.
    Parse(serde_json::Error),
}

/// Read the journal at `path`: `None` when there is none yet.
pub fn read<D: DeserializeOwned>(path: &Path) -> Result<Option<D>, ReadError> {
    // A killed run's half-written journal: this run owns the journal now.
    crate::fs::remove_stale_temps(path);
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(ReadError::Parse),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReadError::Io(e)),
    }
}

/// One thing a step did: the event of the release and release-flow journals.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// Unix seconds.
    pub at: u64,
    /// The step (`create`, `upload`, `tag:v1.2.3`, ...).
    pub step: String,
    /// What happened (`created`, `uploaded x`, `failed: ...`).
    pub outcome: String,
}

impl Event {
    /// `step` did `outcome`, now.
    pub fn now(step: &str, outcome: &str) -> Event {
        Event {
            at: now(),
            step: step.to_string(),
            outcome: outcome.to_string(),
        }
    }
}

/// Seconds since the Unix epoch, for event stamps.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An open journal. Cheap to share between threads.
#[derive(Debug)]
pub struct Journal<D> {
    path: PathBuf,
    token: Option<Token>,
    data: Mutex<D>,
}

impl<D: Log> Journal<D> {
    /// A journal at `path` starting from `data` (read back or fresh). Text
    /// written passes through `token`'s redaction.
    pub fn new(path: PathBuf, data: D, token: Option<Token>) -> Journal<D> {
        Journal {
            path,
            token,
            data: Mutex::new(data),
        }
    }

    /// Where the journal is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A copy of the current contents.
    pub fn snapshot(&self) -> D {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, D> {
        // A panicking worker thread must not stop the others from journaling.
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Apply `change`, add `event` (keeping the last [`MAX_EVENTS`]), and
    /// write the whole journal atomically. Errors name the file.
    pub fn append(&self, event: D::Event, change: impl FnOnce(&mut D)) -> io::Result<()> {
        let mut data = self.lock();
        change(&mut data);
        let events = data.events();
        events.push(event);
        let excess = events.len().saturating_sub(MAX_EVENTS);
        events.drain(..excess);
        let mut text = serde_json::to_string_pretty(&*data).expect("a journal serializes");
        text.push('\n');
        if let Some(token) = &self.token {
            text = token.redact(&text);
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot create `{}`: {e}", dir.display()))
            })?;
        }
        write_atomic(&self.path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Data {
        count: u32,
        events: Vec<String>,
    }

    impl Log for Data {
        type Event = String;
        fn events(&mut self) -> &mut Vec<String> {
            &mut self.events
        }
    }

    #[test]
    fn appends_are_on_disk_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/j.json");
        assert!(read::<Data>(&path).unwrap().is_none());
        let j = Journal::new(path.clone(), Data::default(), None);
        j.append("one".into(), |d| d.count += 1).unwrap();
        j.append("two".into(), |d| d.count += 1).unwrap();
        let back: Data = read(&path).unwrap().unwrap();
        assert_eq!(back, j.snapshot());
        assert_eq!(back.count, 2);
        assert_eq!(back.events, ["one", "two"]);
        // Nothing but the journal is left in the directory (no temp files).
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["j.json"]);
    }

    #[test]
    fn keeps_the_last_events_only() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("j.json"), Data::default(), None);
        for i in 0..MAX_EVENTS + 5 {
            j.append(i.to_string(), |_| {}).unwrap();
        }
        let events = j.snapshot().events;
        assert_eq!(events.len(), MAX_EVENTS);
        assert_eq!(events[0], "5");
    }

    #[test]
    fn secrets_are_redacted_and_bad_files_are_parse_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.json");
        let token = Token::new("ghp_generic_canary", "GITHUB_TOKEN");
        let j = Journal::new(path.clone(), Data::default(), Some(token));
        j.append("saw ghp_generic_canary".into(), |_| {}).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("ghp_generic_canary"), "{text}");
        std::fs::write(&path, "{ nope").unwrap();
        assert!(matches!(read::<Data>(&path), Err(ReadError::Parse(_))));
    }
}
