//! The publish journal: `{target}/publish-journal.json`, what this and
//! earlier runs did (uploads started, finished, failed, seen in the index).
//!
//! It is a record, never the truth: every decision asks the index first, so
//! deleting the journal loses nothing. **Invariant:** rewritten whole and
//! atomically after every event; no secret is written (text passes through
//! the token's redaction).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::host::github::Token;
use crate::journal;

/// The journal's file name in the target directory.
pub const FILE_NAME: &str = "publish-journal.json";

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Unix seconds.
    pub at: u64,
    /// `name@version`.
    pub krate: String,
    /// What happened.
    pub outcome: String,
}

/// The journal's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalData {
    /// The registry's index URL.
    pub index: String,
    /// The last outcome of each `name@version`.
    #[serde(default)]
    pub crates: BTreeMap<String, String>,
    /// Everything, oldest first (at most 2000).
    #[serde(default)]
    pub events: Vec<Event>,
}

journal::log_of!(
    /// The open journal (the one [`crate::journal`] mechanism), shared between
    /// publishing threads.
    JournalData, Event
);

impl Journal {
    /// Open (or start) the journal in `dir` for the index `index`; a journal
    /// of another index, or an unreadable one, is started afresh (it is only
    /// a record).
    pub fn open(dir: &Path, index: &str, token: Option<Token>) -> Journal {
        let data = journal::read::<JournalData>(&dir.join(FILE_NAME))
            .ok()
            .flatten()
            .filter(|d| d.index == index)
            .unwrap_or_else(|| JournalData {
                index: index.to_string(),
                ..Default::default()
            });
        Journal::new(dir.join(FILE_NAME), data, token)
    }

    /// Record `outcome` for `krate` and write the journal. A failed write is
    /// returned as text for a warning: the index stays the truth.
    pub fn record(&self, krate: &str, outcome: &str) -> Result<(), String> {
        let event = Event {
            at: journal::now(),
            krate: krate.to_string(),
            outcome: outcome.to_string(),
        };
        self.append(event, |d| {
            d.crates.insert(krate.to_string(), outcome.to_string());
        })
        .map_err(|e| format!("cannot write `{}`: {e}", self.path().display()))
    }
}
