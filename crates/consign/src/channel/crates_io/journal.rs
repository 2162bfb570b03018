//! The publish journal: `{target}/publish-journal.json`, what this and
//! earlier runs did (uploads started, finished, failed, seen in the index).
//!
//! It is a record, never the truth: every decision asks the index first, so
//! deleting the journal loses nothing. **Invariant:** rewritten whole and
//! atomically after every event; no secret is written (text passes through
//! the token's redaction).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::build::checksum::write_atomic;
use crate::host::github::Token;

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

/// The open journal, shared between publishing threads.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    token: Option<Token>,
    data: Mutex<JournalData>,
}

impl Journal {
    /// Open (or start) the journal in `dir` for the index `index`; a journal
    /// of another index, or an unreadable one, is started afresh (it is only
    /// a record).
    pub fn open(dir: &Path, index: &str, token: Option<Token>) -> Journal {
        let path = dir.join(FILE_NAME);
        let data = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<JournalData>(&b).ok())
            .filter(|d| d.index == index)
            .unwrap_or_else(|| JournalData {
                index: index.to_string(),
                ..Default::default()
            });
        Journal {
            path,
            token,
            data: Mutex::new(data),
        }
    }

    /// Record `outcome` for `krate` and write the journal. A failed write is
    /// returned as text for a warning: the index stays the truth.
    pub fn record(&self, krate: &str, outcome: &str) -> Result<(), String> {
        let mut data = self.data.lock().expect("no poisoned lock");
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        data.crates.insert(krate.to_string(), outcome.to_string());
        data.events.push(Event {
            at,
            krate: krate.to_string(),
            outcome: outcome.to_string(),
        });
        let excess = data.events.len().saturating_sub(2000);
        data.events.drain(..excess);
        let text = serde_json::to_string_pretty(&*data).expect("the journal serializes");
        let text = match &self.token {
            Some(t) => t.redact(&text),
            None => text,
        };
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        write_atomic(&self.path, text.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", self.path.display()))
    }

    /// What the journal says now.
    pub fn snapshot(&self) -> JournalData {
        self.data.lock().expect("no poisoned lock").clone()
    }
}
