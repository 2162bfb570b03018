//! The release journal: `target/distrib/release-journal.json`.
//!
//! Every remote outcome of `consign host` and `consign announce` is recorded
//! here as it happens: the release id we created or found, each asset's
//! upload (started, finished, skipped, failed), publishing, and each
//! dispatch. A rerun reads it back beside the remote state: the release id
//! finds our draft among others with the same tag, an asset recorded as
//! uploaded with a checksum vouches for a remote asset GitHub gave no digest
//! for, and a downstream repository already notified is not notified twice.
//!
//! **Invariant:** the file is rewritten whole, atomically (temporary file +
//! rename), under a lock, after every event; a crash leaves the previous
//! complete journal. **Invariant:** no secret is written: the text passes
//! through the token's redaction on its way to disk.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::github::Token;
use crate::error::UserError;
use crate::journal;
pub use crate::journal::Event;

/// The journal's file name in the distrib directory.
pub const FILE_NAME: &str = "release-journal.json";

/// What we know about one asset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetState {
    /// An upload started and has not been seen to finish.
    #[default]
    Uploading,
    /// We uploaded it, and GitHub confirmed.
    Uploaded,
    /// It was already there, identical.
    Present,
    /// The last upload failed.
    Failed,
}

/// One asset's record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRecord {
    /// Where it stands.
    pub state: AssetState,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the local file.
    pub sha256: String,
    /// GitHub's asset id, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<u64>,
}

/// The journal's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalData {
    /// The announcement tag.
    pub tag: String,
    /// `owner/repo`.
    pub repository: String,
    /// The release, once created or found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<u64>,
    /// Its web page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_url: Option<String>,
    /// Whether we saw it published.
    #[serde(default)]
    pub published: bool,
    /// Assets by name.
    #[serde(default)]
    pub assets: BTreeMap<String, AssetRecord>,
    /// Repositories that got their `repository_dispatch`.
    #[serde(default)]
    pub dispatched: BTreeSet<String>,
    /// Publishing to channels (`homebrew:owner/tap`, `npm:name@version`):
    /// what the last run found or did. The remote stays the truth.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channels: BTreeMap<String, String>,
    /// Everything that happened, oldest first.
    #[serde(default)]
    pub events: Vec<Event>,
}

journal::log_of!(
    /// The open journal (the one [`crate::journal`] mechanism). Cheap to share
    /// between upload threads.
    JournalData, Event
);

impl Journal {
    /// Open the journal in `dir` for `tag` on `repository`. A journal for a
    /// different tag or repository is set aside (renamed with a `.old`
    /// suffix) and a fresh one started; an unreadable one is an error.
    pub fn open(
        dir: &Path,
        tag: &str,
        repository: &str,
        token: Option<Token>,
    ) -> Result<Journal, UserError> {
        let path = dir.join(FILE_NAME);
        let fresh = JournalData {
            tag: tag.to_string(),
            repository: repository.to_string(),
            ..JournalData::default()
        };
        let data = match journal::read::<JournalData>(&path) {
            Ok(Some(old)) if old.tag == tag && old.repository == repository => old,
            Ok(Some(old)) => {
                let aside = path.with_extension("json.old");
                std::fs::rename(&path, &aside).map_err(|e| {
                    UserError::new(format!(
                        "cannot move the journal of `{}` aside to `{}`: {e}",
                        old.tag,
                        aside.display()
                    ))
                })?;
                fresh
            }
            Ok(None) => fresh,
            Err(journal::ReadError::Parse(e)) => {
                return Err(UserError::new(format!(
                    "`{}` is not a release journal: {e}",
                    path.display()
                ))
                .hint("delete it to start the journal over; the remote release is checked again either way"))
            }
            Err(journal::ReadError::Io(e)) => {
                return Err(UserError::new(format!(
                    "cannot read `{}`: {e}",
                    path.display()
                )))
            }
        };
        Ok(Journal::new(path, data, token))
    }

    /// Change the journal, add an event, and write it to disk.
    pub fn record(
        &self,
        step: &str,
        outcome: &str,
        change: impl FnOnce(&mut JournalData),
    ) -> Result<(), UserError> {
        let event = journal::Event::now(step, outcome);
        self.append(event, change).map_err(|e| {
            UserError::new(format!("cannot write the release journal: {e}"))
                .hint("check that `target/distrib` is writable")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_reopening_and_other_tags_start_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path(), "v1", "o/r", None).unwrap();
        j.record("create", "created", |d| d.release_id = Some(7))
            .unwrap();
        let again = Journal::open(dir.path(), "v1", "o/r", None).unwrap();
        assert_eq!(again.snapshot().release_id, Some(7));
        assert_eq!(again.snapshot().events[0].outcome, "created");
        let other = Journal::open(dir.path(), "v2", "o/r", None).unwrap();
        assert_eq!(other.snapshot().release_id, None);
        assert!(dir.path().join("release-journal.json.old").exists());
    }

    #[test]
    fn the_token_never_reaches_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let token = Token::new("ghp_canary_journal", "GITHUB_TOKEN");
        let j = Journal::open(dir.path(), "v1", "o/r", Some(token)).unwrap();
        j.record("upload", "failed: echo ghp_canary_journal", |_| {})
            .unwrap();
        let text = std::fs::read_to_string(j.path()).unwrap();
        assert!(!text.contains("ghp_canary_journal"), "{text}");
        assert!(text.contains("echo ***"), "{text}");
    }

    #[test]
    fn a_broken_journal_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "{ nope").unwrap();
        let e = Journal::open(dir.path(), "v1", "o/r", None).unwrap_err();
        assert!(e.message.contains("release-journal.json"), "{}", e.message);
        assert!(e.hint.unwrap().contains("delete it"));
    }
}
