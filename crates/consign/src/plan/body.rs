//! The body of the GitHub Release: the one renderer. The planner renders it
//! from the planned manifest (`announcement_github_body`, checksums not yet
//! known) and `host` from the built manifest (checksums filled in), so the
//! two differ only in what the build learned.
//!
//! It holds the changelog section, the install commands of each app
//! (installer one-liners, `brew`, `npm`, and the plan's `cargo binstall`
//! command), and a table of the release's files with their checksums.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use consign_manifest::{Artifact, ArtifactKind, DistManifest, Release};

use super::notes::platform_name;

/// The checksum algorithm shown in the table when several are known.
const PREFERRED_ALGO: &str = "sha256";

/// Render the release body from `manifest`.
pub fn render(manifest: &DistManifest) -> String {
    let mut body = String::new();
    if let Some(notes) = manifest
        .announcement_changelog
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        let _ = write!(body, "## Release Notes\n\n{}\n\n", notes.trim_end());
    }
    let mut listed: BTreeSet<&str> = BTreeSet::new();
    // As cargo-dist: `display = false` leaves an app out of the notes (its
    // files are still in "Other files"); `display-name` replaces the package
    // name in the headings.
    for release in manifest
        .releases
        .iter()
        .filter(|r| r.display != Some(false))
    {
        install_section(&mut body, manifest, release);
        let files: Vec<(&str, &Artifact)> = release
            .artifacts
            .iter()
            .filter_map(|id| manifest.artifacts.get_key_value(id))
            .map(|(k, a)| (k.as_str(), a))
            .filter(|(_, a)| shows_in_table(a))
            .collect();
        listed.extend(files.iter().map(|(k, _)| *k));
        let heading = format!("Download {} {}", shown_name(release), release.app_version);
        table(&mut body, manifest, &heading, &files);
    }
    let rest: Vec<(&str, &Artifact)> = manifest
        .artifacts
        .iter()
        .map(|(k, a)| (k.as_str(), a))
        .filter(|(k, a)| !listed.contains(k) && shows_in_table(a))
        .collect();
    table(&mut body, manifest, "Other files", &rest);
    if body.is_empty() {
        let _ = writeln!(
            body,
            "Release {}.",
            manifest
                .announcement_title
                .as_deref()
                .or(manifest.announcement_tag.as_deref())
                .unwrap_or("")
        );
    }
    body.trim_end().to_string() + "\n"
}

/// The app's name in the notes: its `display-name`, else the package name.
fn shown_name(release: &Release) -> &str {
    release
        .display_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(&release.app_name)
}

/// Checksum files are covered by the checksum column.
fn shows_in_table(a: &Artifact) -> bool {
    !matches!(
        a.kind,
        ArtifactKind::Checksum | ArtifactKind::UnifiedChecksum
    )
}

fn install_section(body: &mut String, manifest: &DistManifest, release: &Release) {
    let mut commands: Vec<(String, &'static str, String)> = Vec::new();
    for a in release
        .artifacts
        .iter()
        .filter_map(|id| manifest.artifacts.get(id))
    {
        let Some(hint) = a.install_hint.as_deref().filter(|h| !h.trim().is_empty()) else {
            continue;
        };
        let lang = if hint.starts_with("powershell") {
            "powershell"
        } else {
            "sh"
        };
        let title = a
            .description
            .clone()
            .unwrap_or_else(|| "Install".to_string());
        commands.push((title, lang, hint.to_string()));
    }
    if let Some(hint) = &release.binstall_hint {
        commands.push((
            "Install prebuilt binaries with cargo-binstall".to_string(),
            "sh",
            hint.clone(),
        ));
    }
    if commands.is_empty() {
        return;
    }
    let _ = write!(
        body,
        "## Install {} {}\n\n",
        shown_name(release),
        release.app_version
    );
    for (title, lang, command) in commands {
        let _ = write!(body, "### {title}\n\n```{lang}\n{command}\n```\n\n");
    }
}

fn table(body: &mut String, manifest: &DistManifest, heading: &str, files: &[(&str, &Artifact)]) {
    if files.is_empty() {
        return;
    }
    let algo = files
        .iter()
        .flat_map(|(_, a)| a.checksums.keys())
        .map(String::as_str)
        .find(|k| *k == PREFERRED_ALGO)
        .or_else(|| {
            files
                .iter()
                .find_map(|(_, a)| a.checksums.keys().next().map(String::as_str))
        })
        .unwrap_or(PREFERRED_ALGO);
    let _ = write!(
        body,
        "## {heading}\n\n| File | Platform | {} |\n|------|----------|------|\n",
        algo.to_uppercase()
    );
    for (name, a) in files {
        let link = match download_url(manifest, name, a) {
            Some(url) => format!("[{name}]({url})"),
            None => name.to_string(),
        };
        let platform = if a.target_triples.is_empty() {
            "any".to_string()
        } else {
            a.target_triples
                .iter()
                .map(|t| platform_name(t))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sum = a
            .checksums
            .get(algo)
            .map(|s| format!("`{s}`"))
            .unwrap_or_else(|| "-".to_string());
        let _ = writeln!(body, "| {link} | {platform} | {sum} |");
    }
    body.push('\n');
}

/// The artifact's URL, else the first release's GitHub download path.
fn download_url(manifest: &DistManifest, name: &str, a: &Artifact) -> Option<String> {
    if let Some(url) = &a.url {
        return Some(url.clone());
    }
    manifest.releases.iter().find_map(|r| {
        r.hosting.github.as_ref().map(|g| {
            format!(
                "{}{}/{name}",
                g.artifact_base_url.trim_end_matches('/'),
                g.artifact_download_path
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use consign_manifest::{GithubHosting, Hosting};

    fn manifest() -> DistManifest {
        let mut m = DistManifest {
            announcement_tag: Some("v1.0.0".into()),
            announcement_title: Some("v1.0.0".into()),
            announcement_changelog: Some("- fixed things".into()),
            ..Default::default()
        };
        let mut archive = Artifact {
            kind: ArtifactKind::ExecutableZip,
            target_triples: vec!["x86_64-unknown-linux-gnu".into()],
            checksum: Some("app-x86_64-unknown-linux-gnu.tar.xz.sha256".into()),
            ..Default::default()
        };
        archive.checksums.insert("sha256".into(), "ab12".into());
        m.artifacts
            .insert("app-x86_64-unknown-linux-gnu.tar.xz".into(), archive);
        m.artifacts.insert(
            "app-x86_64-unknown-linux-gnu.tar.xz.sha256".into(),
            Artifact {
                kind: ArtifactKind::Checksum,
                ..Default::default()
            },
        );
        for (name, hint, desc) in [
            (
                "app-installer.sh",
                "curl --proto '=https' --tlsv1.2 -LsSf https://x/app-installer.sh | sh",
                "Install prebuilt binaries via shell script",
            ),
            (
                "app-installer.ps1",
                "powershell -ExecutionPolicy Bypass -c \"irm https://x/app-installer.ps1 | iex\"",
                "Install prebuilt binaries via powershell script",
            ),
            (
                "app.rb",
                "brew install acme/tap/app",
                "Install prebuilt binaries via Homebrew",
            ),
            (
                "app-npm-package.tar.gz",
                "npm install app@1.0.0",
                "Install prebuilt binaries into your npm project",
            ),
        ] {
            m.artifacts.insert(
                name.into(),
                Artifact {
                    kind: ArtifactKind::Installer,
                    install_hint: Some(hint.into()),
                    description: Some(desc.into()),
                    ..Default::default()
                },
            );
        }
        m.artifacts.insert(
            "source.tar.gz".into(),
            Artifact {
                kind: ArtifactKind::SourceTarball,
                ..Default::default()
            },
        );
        m.releases.push(Release {
            app_name: "app".into(),
            app_version: "1.0.0".into(),
            artifacts: m
                .artifacts
                .keys()
                .filter(|k| k.starts_with("app"))
                .cloned()
                .collect(),
            hosting: Hosting {
                github: Some(GithubHosting {
                    artifact_base_url: "https://github.com".into(),
                    artifact_download_path: "/acme/app/releases/download/v1.0.0".into(),
                    owner: "acme".into(),
                    repo: "app".into(),
                }),
                simple: None,
            },
            binstall_hint: Some("cargo binstall app@1.0.0".into()),
            ..Default::default()
        });
        m
    }

    #[test]
    fn body_has_notes_every_install_command_and_checksums() {
        let body = render(&manifest());
        for needle in [
            "## Release Notes\n\n- fixed things",
            "## Install app 1.0.0",
            "| sh",
            "irm https://x/app-installer.ps1 | iex",
            "brew install acme/tap/app",
            "npm install app@1.0.0",
            "cargo binstall app@1.0.0",
            "| File | Platform | SHA256 |",
            "| [app-x86_64-unknown-linux-gnu.tar.xz](https://github.com/acme/app/releases/download/v1.0.0/app-x86_64-unknown-linux-gnu.tar.xz) | x64 Linux | `ab12` |",
            "## Other files",
            "| [source.tar.gz](https://github.com/acme/app/releases/download/v1.0.0/source.tar.gz) | any | - |",
        ] {
            assert!(body.contains(needle), "missing {needle:?} in:\n{body}");
        }
        assert!(
            !body.contains(".sha256]"),
            "checksum files are not rows:\n{body}"
        );
    }

    #[test]
    fn display_name_replaces_the_package_name_and_display_false_hides_the_app() {
        let mut m = manifest();
        m.releases[0].display_name = Some("The App".into());
        let body = render(&m);
        assert!(body.contains("## Install The App 1.0.0"), "{body}");
        assert!(body.contains("## Download The App 1.0.0"), "{body}");
        assert!(!body.contains("Install app 1.0.0"), "{body}");

        // A second, hidden app: no install section or heading of its own;
        // its files are still listed.
        m.artifacts.insert(
            "helper-installer.sh".into(),
            Artifact {
                kind: ArtifactKind::Installer,
                install_hint: Some("curl https://x/helper-installer.sh | sh".into()),
                description: Some("Install helper".into()),
                ..Default::default()
            },
        );
        m.releases.push(Release {
            app_name: "helper".into(),
            app_version: "2.0.0".into(),
            display: Some(false),
            artifacts: vec!["helper-installer.sh".into()],
            ..Default::default()
        });
        let body = render(&m);
        assert!(!body.contains("helper 2.0.0"), "{body}");
        assert!(!body.contains("helper-installer.sh | sh"), "{body}");
        assert!(body.contains("## Install The App 1.0.0"), "{body}");
        assert!(body.contains("| [helper-installer.sh]("), "{body}");
        m.releases[1].display = Some(true);
        let body = render(&m);
        assert!(body.contains("## Install helper 2.0.0"), "{body}");
    }

    #[test]
    fn an_empty_release_still_has_a_body() {
        let m = DistManifest {
            announcement_title: Some("lib v0.1.0".into()),
            ..Default::default()
        };
        assert_eq!(render(&m), "Release lib v0.1.0.\n");
    }
}
