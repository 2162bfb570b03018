//! The steps of a release: every action the plan decided, typed.
//!
//! A [`Plan`](super::Plan) is the manifest plus an ordered list of [`Step`]s.
//! Each executor takes the steps of its phase and carries them out without
//! deciding anything again: `build` runs the [`Phase::Local`] and
//! [`Phase::Global`] steps, `publish` the [`Phase::Publish`] ones, `verify`
//! and `generate` read them. A new channel adds one variant here (or one to
//! [`PublishStep`]) and one module under [`crate::channel`].

use serde::Serialize;

use super::artifacts::{
    ArchivePlan, CargoBuild, ExtraPlan, ImagePlan, InstallerPlan, MsiPlan, OmniborPlan, SbomPlan,
    SourcePlan, UnifiedChecksumPlan, UpdaterPlan,
};
use crate::channel::{homebrew::TapPublish, npm::NpmPublish};

/// When a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// On each build machine: cargo, archives and what is built from the
    /// same binaries (images, MSIs).
    Local,
    /// Once, after the local builds are merged: the source tarball,
    /// installers and the unified checksum.
    Global,
    /// After the release is hosted: package registries and taps.
    Publish,
}

/// One thing the release does.
// A plan holds a few dozen steps, made once: boxing the big variants would
// buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// Compile binaries for one target.
    Cargo(CargoBuild),
    /// Pack an archive (and its checksum file).
    Archive(ArchivePlan),
    /// A Dockerfile (and an OCI image for static builds) beside an archive.
    Image(ImagePlan),
    /// An MSI beside a Windows archive.
    Msi(MsiPlan),
    /// The source tarball.
    Source(SourcePlan),
    /// Render an installer (shell, PowerShell, Homebrew formula, npm package).
    Installer(InstallerPlan),
    /// The unified `{algo}.sum` over every artifact whose checksum is known.
    Checksums(UnifiedChecksumPlan),
    /// `{app}-{target}-update`: axoupdater-cli built for the target.
    Updater(UpdaterPlan),
    /// Run an `extra-artifacts` command and release its files.
    Extra(ExtraPlan),
    /// `cargo cyclonedx`: an app's SBOM.
    Sbom(SbomPlan),
    /// The OmniBOR ID of an artifact (in its subject's phase).
    Omnibor(OmniborPlan),
    /// Publish to a package channel (look, act, record).
    Publish(PublishStep),
}

/// A step that publishes to a channel outside the forge's release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "channel", rename_all = "kebab-case")]
pub enum PublishStep {
    /// Commit formulas to a Homebrew tap.
    Homebrew(TapPublish),
    /// Publish an npm package to a registry.
    Npm(NpmPublish),
}

impl PublishStep {
    /// The channel's name, as `consign publish --only` spells it.
    pub fn channel(&self) -> &'static str {
        match self {
            PublishStep::Homebrew(_) => "homebrew",
            PublishStep::Npm(_) => "npm",
        }
    }
}

impl Step {
    /// The phase the step belongs to.
    pub fn phase(&self) -> Phase {
        match self {
            Step::Cargo(_)
            | Step::Archive(_)
            | Step::Image(_)
            | Step::Msi(_)
            | Step::Updater(_) => Phase::Local,
            Step::Omnibor(o) if o.local => Phase::Local,
            Step::Source(_)
            | Step::Installer(_)
            | Step::Checksums(_)
            | Step::Extra(_)
            | Step::Sbom(_)
            | Step::Omnibor(_) => Phase::Global,
            Step::Publish(_) => Phase::Publish,
        }
    }

    /// The artifact files the step writes, by name.
    pub fn outputs(&self) -> Vec<&str> {
        let mut out = Vec::new();
        match self {
            Step::Cargo(_) | Step::Publish(_) => {}
            Step::Archive(a) => {
                out.push(a.name.as_str());
                out.extend(a.checksum.as_deref());
            }
            Step::Image(i) => {
                out.push(i.dockerfile.as_str());
                out.extend(i.oci_archive.as_deref());
                out.extend(i.oci_checksum.as_deref());
            }
            Step::Msi(m) => {
                out.push(m.name.as_str());
                out.extend(m.checksum.as_deref());
            }
            Step::Source(s) => {
                out.push(s.name.as_str());
                out.extend(s.checksum.as_deref());
            }
            Step::Installer(i) => {
                out.push(i.artifact.as_str());
                out.extend(i.checksum.as_deref());
            }
            Step::Checksums(c) => out.push(c.name.as_str()),
            Step::Updater(u) => out.push(u.name.as_str()),
            Step::Extra(e) => out.extend(e.files.iter().map(|(_, n)| n.as_str())),
            Step::Sbom(s) => out.push(s.name.as_str()),
            Step::Omnibor(o) => out.push(o.name.as_str()),
        }
        out
    }
}

macro_rules! accessor {
    ($(#[$doc:meta])* $name:ident, $variant:ident, $ty:ty) => {
        $(#[$doc])*
        pub fn $name(&self) -> impl Iterator<Item = &$ty> + '_ {
            self.steps.iter().filter_map(|s| match s {
                Step::$variant(x) => Some(x),
                _ => None,
            })
        }
    };
}

impl super::Plan {
    accessor!(
        /// The cargo builds.
        builds, Cargo, CargoBuild
    );
    accessor!(
        /// The archives.
        archives, Archive, ArchivePlan
    );
    accessor!(
        /// The container images.
        images, Image, ImagePlan
    );
    accessor!(
        /// The MSIs.
        msis, Msi, MsiPlan
    );
    accessor!(
        /// The installers to render.
        installers, Installer, InstallerPlan
    );
    accessor!(
        /// The publishing steps.
        publishes, Publish, PublishStep
    );
    accessor!(
        /// The updaters to build.
        updaters, Updater, UpdaterPlan
    );
    accessor!(
        /// The `extra-artifacts` commands.
        extras, Extra, ExtraPlan
    );
    accessor!(
        /// The SBOMs.
        sboms, Sbom, SbomPlan
    );
    accessor!(
        /// The OmniBOR IDs.
        omnibor_ids, Omnibor, OmniborPlan
    );

    /// The source tarball, if planned.
    pub fn source(&self) -> Option<&SourcePlan> {
        self.steps.iter().find_map(|s| match s {
            Step::Source(x) => Some(x),
            _ => None,
        })
    }

    /// The unified checksum file, if planned.
    pub fn unified_checksum(&self) -> Option<&UnifiedChecksumPlan> {
        self.steps.iter().find_map(|s| match s {
            Step::Checksums(x) => Some(x),
            _ => None,
        })
    }

    /// Whether the plan writes the artifact `name`.
    pub fn produces(&self, name: &str) -> bool {
        self.steps.iter().any(|s| s.outputs().contains(&name))
    }
}
