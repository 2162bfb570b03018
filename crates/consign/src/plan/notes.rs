//! Release notes: the announcement's title, its changelog section and the
//! body of the GitHub Release.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use consign_manifest::{Artifact, ArtifactKind};

use super::announcement::Selection;
use super::{AppRelease, ResolvedHosting};
use crate::changelog;
use crate::project::Workspace;

pub(crate) struct Notes {
    pub title: String,
    pub changelog: Option<String>,
    pub body: String,
}

pub(crate) fn release_notes(
    ws: &Workspace,
    selection: &Selection,
    apps: &[AppRelease<'_>],
    artifacts: &BTreeMap<String, Artifact>,
    release_artifacts: &BTreeMap<String, Vec<String>>,
    hosting: &ResolvedHosting,
) -> Notes {
    let title = match &selection.package {
        Some(pkg) => format!("{pkg} v{}", selection.version),
        None => format!("v{}", selection.version),
    };

    // A singular announcement reads its package's changelog first; a unified
    // one the workspace's, then each app's.
    let singular_pkg = selection
        .package
        .as_ref()
        .and_then(|n| ws.packages.iter().find(|p| &p.name == n));
    let mut sources: Vec<&(String, String)> = Vec::new();
    if let Some(p) = singular_pkg {
        sources.extend(p.changelog.as_ref());
        sources.extend(ws.root_changelog.as_ref());
    } else {
        sources.extend(ws.root_changelog.as_ref());
        sources.extend(apps.iter().filter_map(|a| a.package.changelog.as_ref()));
    }
    let section = sources
        .iter()
        .find_map(|(_, text)| changelog::release_notes(text, &selection.version));
    let changelog = section.map(|s| s.body).filter(|b| !b.trim().is_empty());

    let mut body = String::new();
    if let Some(notes) = &changelog {
        let _ = write!(body, "## Release Notes\n\n{notes}\n\n");
    }
    for app in apps {
        let name = &app.package.name;
        let version = &app.package.version;
        let mine: Vec<(&String, &Artifact)> = release_artifacts
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(|id| artifacts.get_key_value(id))
            .collect();
        let hints: Vec<(&String, &Artifact)> = mine
            .iter()
            .copied()
            .filter(|(_, a)| a.install_hint.is_some())
            .collect();
        if !hints.is_empty() {
            let _ = write!(body, "## Install {name} {version}\n\n");
            for (_, a) in hints {
                let lang = if a
                    .install_hint
                    .as_deref()
                    .is_some_and(|h| h.starts_with("powershell"))
                {
                    "powershell"
                } else {
                    "sh"
                };
                let _ = write!(
                    body,
                    "### {}\n\n```{lang}\n{}\n```\n\n",
                    a.description.as_deref().unwrap_or("Install"),
                    a.install_hint.as_deref().unwrap_or_default()
                );
            }
        }
        let downloads: Vec<(&String, &Artifact)> = mine
            .iter()
            .copied()
            .filter(|(_, a)| {
                matches!(a.kind, ArtifactKind::ExecutableZip)
                    || (a.kind == ArtifactKind::Installer && a.target_triples.len() == 1)
            })
            .collect();
        if !downloads.is_empty() {
            let _ = write!(body, "## Download {name} {version}\n\n| File | Platform | Checksum |\n|------|----------|----------|\n");
            for (id, a) in downloads {
                let link = |n: &str| match hosting.download_base.as_deref() {
                    Some(base) => format!("[{n}]({base}/{n})"),
                    None => n.to_string(),
                };
                let platform = a
                    .target_triples
                    .iter()
                    .map(|t| platform_name(t))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sum = a
                    .checksum
                    .as_deref()
                    .map(|c| link(c).replace(&format!("[{c}]"), "[checksum]"))
                    .unwrap_or_default();
                let _ = writeln!(body, "| {} | {platform} | {sum} |", link(id));
            }
            body.push('\n');
        }
    }
    if body.is_empty() {
        let _ = writeln!(body, "Release {title}.");
    }
    Notes {
        title,
        changelog,
        body: body.trim_end().to_string() + "\n",
    }
}

/// A readable platform name for common targets.
pub(crate) fn platform_name(target: &str) -> String {
    let known = match target {
        "aarch64-apple-darwin" => "Apple Silicon macOS",
        "x86_64-apple-darwin" => "Intel macOS",
        "x86_64-pc-windows-msvc" => "x64 Windows",
        "i686-pc-windows-msvc" => "x86 Windows",
        "aarch64-pc-windows-msvc" => "ARM64 Windows",
        "x86_64-unknown-linux-gnu" => "x64 Linux",
        "aarch64-unknown-linux-gnu" => "ARM64 Linux",
        "i686-unknown-linux-gnu" => "x86 Linux",
        "armv7-unknown-linux-gnueabihf" => "ARMv7 Linux",
        "x86_64-unknown-linux-musl" => "x64 MUSL Linux",
        "aarch64-unknown-linux-musl" => "ARM64 MUSL Linux",
        "powerpc64le-unknown-linux-gnu" => "PPC64LE Linux",
        "riscv64gc-unknown-linux-gnu" => "RISC-V Linux",
        "s390x-unknown-linux-gnu" => "S390x Linux",
        "x86_64-unknown-freebsd" => "x64 FreeBSD",
        other => return other.to_string(),
    };
    known.to_string()
}
