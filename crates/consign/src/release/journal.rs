//! The journal of `consign release`: `{target}/release-flow-journal.json`,
//! on the one [`crate::journal`] mechanism.
//!
//! It holds the last outcome of each step of the release of one commit
//! (`publish`, `tag:NAME`, `release:TAG`, `notify:TAG:REPO`, `label:NAME`).
//! Every step asks the remote first; the journal is the only record of what
//! has no remote trace, the `repository_dispatch`es. A journal of another
//! commit is started afresh.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::UserError;
use crate::host::github::Token;
use crate::journal;
pub use crate::journal::Event;

/// The journal's file name in the target directory.
pub const FILE_NAME: &str = "release-flow-journal.json";

/// The journal's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalData {
    /// The commit being released.
    pub commit: String,
    /// The last outcome of each step, by key.
    #[serde(default)]
    pub steps: BTreeMap<String, String>,
    /// Everything, oldest first.
    #[serde(default)]
    pub events: Vec<Event>,
}

journal::log_of!(
    /// The open journal.
    JournalData, Event
);

impl Journal {
    /// Open (or start) the journal in `dir` for `commit`. An unreadable
    /// journal is an error (it may hold the only record of a dispatch).
    pub fn open(dir: &Path, commit: &str, token: Option<Token>) -> Result<Journal, UserError> {
        let path = dir.join(FILE_NAME);
        let fresh = || JournalData {
            commit: commit.to_string(),
            ..JournalData::default()
        };
        let data = match journal::read::<JournalData>(&path) {
            Ok(Some(d)) if d.commit == commit => d,
            Ok(_) => fresh(),
            Err(e) => {
                let why = match e {
                    journal::ReadError::Io(e) => e.to_string(),
                    journal::ReadError::Parse(e) => e.to_string(),
                };
                return Err(UserError::new(format!("cannot read `{}`: {why}", path.display()))
                    .hint("delete it to start over: every step asks the remote again, only dispatches already sent may be sent again"));
            }
        };
        Ok(Journal::new(path, data, token))
    }

    /// Whether `key` was recorded as done.
    pub fn done(&self, key: &str) -> bool {
        self.snapshot().steps.contains_key(key)
    }

    /// Record `outcome` for the step `key`.
    pub fn record(&self, key: &str, outcome: &str) -> Result<(), UserError> {
        let event = journal::Event::now(key, outcome);
        self.append(event, |d| {
            d.steps.insert(key.to_string(), outcome.to_string());
        })
        .map_err(|e| {
            UserError::new(format!("cannot write the release journal: {e}"))
                .hint("check that the target directory is writable, then rerun: what was done is found again")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_survive_reopening_and_another_commit_starts_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path(), "abc", None).unwrap();
        j.record("notify:v1:o/r", "sent").unwrap();
        let again = Journal::open(dir.path(), "abc", None).unwrap();
        assert!(again.done("notify:v1:o/r"));
        assert!(!again.done("notify:v1:o/other"));
        let other = Journal::open(dir.path(), "def", None).unwrap();
        assert!(!other.done("notify:v1:o/r"));
        std::fs::write(dir.path().join(FILE_NAME), "nope").unwrap();
        let e = Journal::open(dir.path(), "abc", None).unwrap_err();
        assert!(e.message.contains(FILE_NAME), "{}", e.message);
    }
}
