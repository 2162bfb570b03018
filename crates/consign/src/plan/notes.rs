//! Release notes: the announcement's title and its changelog section (the
//! body of the GitHub Release is rendered from them by [`super::body`]).

use super::announcement::Selection;
use super::AppRelease;
use crate::changelog;
use crate::project::Workspace;

pub(crate) struct Notes {
    pub title: String,
    pub changelog: Option<String>,
}

pub(crate) fn release_notes(
    ws: &Workspace,
    selection: &Selection,
    apps: &[AppRelease<'_>],
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

    Notes { title, changelog }
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
