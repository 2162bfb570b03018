//! `wix/main.wxs` beside each app whose installers include `msi`, rendered
//! with [`crate::installer::msi::render_wxs`] for the app's first Windows
//! target. The GUIDs come from `[package.metadata.wix]`; [`super::generate`]
//! writes missing ones there only after every check passed.

use std::path::PathBuf;

use super::CiInputs;
use crate::error::UserError;
use crate::installer::msi::{self, MsiContext};
use crate::project::config::InstallerKind;
use crate::project::{Package, Workspace};
use crate::targets;

/// The apps with an MSI installer and their Windows target.
fn msi_apps(ws: &Workspace) -> Vec<(&Package, String)> {
    ws.packages
        .iter()
        .filter(|p| crate::plan::is_app(ws, p))
        .filter_map(|p| {
            let config = ws.config.overlay(&p.config);
            let wants = config
                .installers
                .as_ref()
                .is_some_and(|i| i.contains(&InstallerKind::Msi));
            let target = config
                .targets
                .iter()
                .flatten()
                .find(|t| targets::info(t).is_windows())?
                .clone();
            wants.then_some((p, target))
        })
        .collect()
}

/// Whether any app has an MSI installer (and a Windows target).
pub(super) fn wants_msi(ws: &Workspace) -> bool {
    !msi_apps(ws).is_empty()
}

/// Each MSI app's manifest and the GUIDs it already has.
pub(super) fn read_guids(ws: &Workspace) -> Result<Vec<super::MsiGuids>, UserError> {
    msi_apps(ws)
        .into_iter()
        .map(|(p, _)| {
            let file = crate::project::config::SourceFile::read(&p.manifest_path)?;
            let doc = file.parse()?;
            let wix = doc
                .get("package")
                .and_then(|p| p.get("metadata"))
                .and_then(|m| m.get("wix"));
            let get = |key: &str| {
                wix.and_then(|w| w.get(key))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let guids = get("upgrade-guid").zip(get("path-guid"));
            Ok((p.manifest_path.clone(), guids))
        })
        .collect()
}

/// `(path, contents)` of each app's `wix/main.wxs`. An app without GUIDs yet
/// is rendered with fresh ones, so that its file reads as stale until
/// `generate` stores them.
pub(super) fn render(
    ws: &Workspace,
    inputs: &CiInputs,
) -> Result<Vec<(PathBuf, String)>, UserError> {
    msi_apps(ws)
        .into_iter()
        .map(|(p, target)| {
            let (upgrade_guid, path_guid) = inputs
                .msi_guids
                .iter()
                .find(|(path, _)| *path == p.manifest_path)
                .and_then(|(_, g)| g.clone())
                .unwrap_or_else(|| (msi::new_guid(), msi::new_guid()));
            let binaries = p.binaries.iter().map(|b| format!("{b}.exe")).collect();
            let ctx = MsiContext {
                app_name: p.name.clone(),
                app_version: p.version.to_string(),
                manufacturer: msi::manufacturer(&p.authors, &p.name),
                description: p.description.clone(),
                license: p.license.clone(),
                homepage: p.homepage.clone(),
                upgrade_guid,
                path_guid,
                binaries,
                target,
            };
            let text = msi::render_wxs(&ctx).map_err(|e| {
                UserError::new(format!(
                    "cannot write `wix/main.wxs` for `{}`: {e:#}",
                    p.name
                ))
                .hint(format!(
                    "fix the value named above in `{}`",
                    p.manifest_path.display()
                ))
            })?;
            Ok((p.dir.join("wix/main.wxs"), text))
        })
        .collect()
}

/// Store GUIDs for the MSI apps that lack them; `true` when any were written.
pub(super) fn write_missing_guids(inputs: &CiInputs) -> Result<bool, UserError> {
    let mut wrote = false;
    for (manifest, guids) in &inputs.msi_guids {
        if guids.is_none() {
            msi::ensure_guids(manifest).map_err(|e| UserError::new(format!("{e:#}")))?;
            wrote = true;
        }
    }
    Ok(wrote)
}
