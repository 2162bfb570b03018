//! The artifacts cargo-dist's extra keys ask for, built with the tools
//! cargo-dist uses:
//!
//! - `extra-artifacts`: the configured command runs in the global step and
//!   its files are released under their file names;
//! - `cargo-cyclonedx`: `cargo cyclonedx` writes `{app}.cdx.xml`;
//! - `omnibor`: `{artifact}.omnibor` holds the artifact's gitoid (the SHA-256
//!   of `blob {len}\0{bytes}`, as git hashes a blob), computed here;
//! - `install-updater`: `cargo install axoupdater-cli` for the target gives
//!   `{app}-{target}-update`.
//!
//! A missing tool or a failing command is an error naming it and how to fix
//! it, never a silently missing artifact.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest as _, Sha256};

use super::{checksum, file_size, record, Run};
use crate::error::UserError;

/// The axoupdater-cli release the updater is built from.
pub const AXOUPDATER_CLI_VERSION: &str = "0.10.3";

/// The OmniBOR artifact ID (gitoid URI, SHA-256) of a file's bytes.
pub fn gitoid_sha256(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    format!("gitoid:blob:sha256:{}", hex::encode(h.finalize()))
}

fn run_tool(mut cmd: Command, what: &str, missing_hint: &str) -> anyhow::Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().map_err(|e| {
        UserError::new(format!("cannot run {what} (`{shown}`): {e}")).hint(missing_hint.to_string())
    })?;
    if !status.success() {
        return Err(
            UserError::new(format!("{what} failed ({status}): `{shown}`"))
                .hint(missing_hint.to_string())
                .into(),
        );
    }
    Ok(())
}

/// Copy `from` to the release directory as `name`, atomically, and record it.
fn release_file(run: &mut Run<'_>, from: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let bytes = std::fs::read(from).map_err(|e| {
        UserError::new(format!("cannot read `{}`: {e}", from.display()))
            .hint("check that the command that makes it writes it there")
    })?;
    let dest = run.dist.join(name);
    checksum::write_atomic(&dest, &bytes)?;
    run.outcome.written.push((dest.clone(), file_size(&dest)));
    record(&mut run.outcome, name, &dest, None, run.opts.no_local_paths);
    Ok(dest)
}

impl Run<'_> {
    /// `extra-artifacts` and `cargo-cyclonedx` SBOMs (global step).
    pub(super) fn extra_artifacts(&mut self) -> anyhow::Result<()> {
        let plan = self.plan;
        for extra in plan.extras() {
            let Some((program, args)) = extra.command.split_first() else {
                continue;
            };
            let step = format!("running `{}` (extra-artifacts)", extra.command.join(" "));
            self.progress.start(&step);
            let mut cmd = Command::new(program);
            cmd.args(args).current_dir(&extra.dir);
            run_tool(
                cmd,
                "the `extra-artifacts` build command",
                "fix the command in `extra-artifacts` (it runs in the workspace root, or `working-dir`)",
            )?;
            self.progress.done(&step, "");
            for (rel, name) in &extra.files {
                release_file(self, &extra.dir.join(rel), name)?;
            }
        }
        for sbom in plan.sboms() {
            let step = format!("cargo cyclonedx ({})", sbom.name);
            self.progress.start(&step);
            let mut cmd = Command::new(&self.opts.toolchain.cargo);
            cmd.args(["cyclonedx", "--format", "xml", "--manifest-path"])
                .arg(&sbom.manifest_path);
            run_tool(
                cmd,
                "`cargo cyclonedx`",
                "install it with `cargo install cargo-cyclonedx --locked`, or set `cargo-cyclonedx = false`",
            )?;
            self.progress.done(&step, "");
            release_file(self, &sbom.written_to, &sbom.name)?;
        }
        Ok(())
    }

    /// `{app}-{target}-update`: axoupdater-cli built for the target (local step).
    pub(super) fn updaters(&mut self) -> anyhow::Result<()> {
        let plan = self.plan;
        for updater in plan.updaters() {
            let target = &updater.target;
            let root = self.dist.join(".consign").join("updater").join(target);
            let exe = if target.contains("windows") {
                ".exe"
            } else {
                ""
            };
            let bin = root.join("bin").join(format!("axoupdater{exe}"));
            if !bin.is_file() {
                let step = format!(
                    "cargo install axoupdater-cli {AXOUPDATER_CLI_VERSION} --target {target}"
                );
                self.progress.start(&step);
                let mut cmd = Command::new(&self.opts.toolchain.cargo);
                cmd.args([
                    "install",
                    "axoupdater-cli",
                    "--locked",
                    "--version",
                    AXOUPDATER_CLI_VERSION,
                    "--target",
                    target,
                    "--root",
                ])
                .arg(&root);
                run_tool(
                    cmd,
                    "building the updater (axoupdater-cli)",
                    "the updater is built from crates.io: check the network and that the target's Rust standard library is installed (`rustup target add`), or set `install-updater = false`",
                )?;
                self.progress.done(&step, "");
            }
            let dest = release_file(self, &bin, &updater.name)?;
            super::set_executable(&dest)?;
            // The installers verify the updater as they verify archives.
            if let Some(algo) = plan.checksum {
                let hex = checksum::hash_file(&dest, algo)?;
                record(
                    &mut self.outcome,
                    &updater.name,
                    &dest,
                    Some((algo.as_str(), &hex)),
                    self.opts.no_local_paths,
                );
            }
        }
        Ok(())
    }

    /// `{artifact}.omnibor` for the planned OmniBOR IDs of this phase
    /// (local: archives, MSIs; global: the source tarball).
    pub(super) fn omnibor_ids(&mut self, local: bool) -> anyhow::Result<()> {
        let plan = self.plan;
        for id in plan.omnibor_ids().filter(|o| o.local == local) {
            let path = self.dist.join(&id.subject);
            let bytes = std::fs::read(&path).map_err(|e| {
                UserError::new(format!(
                    "cannot read `{}` for its OmniBOR ID: {e}",
                    path.display()
                ))
                .hint("build the artifact first (`consign build`)")
            })?;
            let dest = self.dist.join(&id.name);
            checksum::write_atomic(&dest, format!("{}\n", gitoid_sha256(&bytes)).as_bytes())?;
            self.outcome.written.push((dest.clone(), file_size(&dest)));
            record(
                &mut self.outcome,
                &id.name,
                &dest,
                None,
                self.opts.no_local_paths,
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gitoid of a blob is git's own object id with SHA-256: checked
    /// against `git hash-object` in a SHA-256 repository.
    #[test]
    fn gitoid_matches_git_sha256_blob_ids() {
        let dir = tempfile::tempdir().unwrap();
        let init = Command::new("git")
            .args(["init", "-q", "--object-format=sha256"])
            .current_dir(dir.path())
            .status()
            .expect("install git (see .ci/run)");
        assert!(init.success());
        let file = dir.path().join("f");
        std::fs::write(&file, b"hello omnibor\n").unwrap();
        let out = Command::new("git")
            .args(["hash-object", "f"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let git = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(git.len(), 64, "{git}");
        assert_eq!(
            gitoid_sha256(b"hello omnibor\n"),
            format!("gitoid:blob:sha256:{git}")
        );
    }
}
