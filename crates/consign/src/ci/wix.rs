//! `wix/main.wxs` beside each app whose installers include `msi`, rendered
//! with [`crate::installer::msi::render_wxs`] from the plan's MSI for the
//! app's first Windows target: the same binaries (`[[dist.bin]]` and
//! `only-platforms` applied) the build puts in that MSI. The GUIDs come from
//! `[package.metadata.wix]`; [`super::generate`] writes missing ones there
//! only after every check passed.

use std::path::PathBuf;

use super::CiInputs;
use crate::error::UserError;
use crate::installer::msi;
use crate::plan::{MsiPlan, Plan};

/// The plan's MSI of each app for its first Windows target.
fn msi_apps(plan: &Plan) -> Vec<&MsiPlan> {
    let mut seen: Vec<&MsiPlan> = Vec::new();
    for m in plan.msis() {
        if !seen.iter().any(|s| s.app == m.app) {
            seen.push(m);
        }
    }
    seen
}

/// Whether any app has an MSI installer (and a Windows target).
pub(super) fn wants_msi(plan: &Plan) -> bool {
    plan.msis().next().is_some()
}

/// Each MSI app's manifest and the GUIDs it has on disk now.
pub(super) fn read_guids(plan: &Plan) -> Result<Vec<super::MsiGuids>, UserError> {
    msi_apps(plan)
        .into_iter()
        .map(|m| {
            let file = crate::project::config::SourceFile::read(&m.manifest_path)?;
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
            Ok((m.manifest_path.clone(), guids))
        })
        .collect()
}

/// `(path, contents)` of each app's `wix/main.wxs`. An app without GUIDs yet
/// is rendered with fresh ones, so that its file reads as stale until
/// `generate` stores them.
pub(super) fn render(plan: &Plan, inputs: &CiInputs) -> Result<Vec<(PathBuf, String)>, UserError> {
    msi_apps(plan)
        .into_iter()
        .map(|m| {
            let guids = inputs
                .msi_guids
                .iter()
                .find(|(path, _)| *path == m.manifest_path)
                .and_then(|(_, g)| g.clone())
                .unwrap_or_else(|| (msi::new_guid(), msi::new_guid()));
            let text = msi::render_wxs(&m.wix_context(guids)).map_err(|e| {
                UserError::new(format!(
                    "cannot write `wix/main.wxs` for `{}`: {e:#}",
                    m.app
                ))
                .hint(format!(
                    "fix the value named above in `{}`",
                    m.manifest_path.display()
                ))
            })?;
            Ok((m.wxs.clone(), text))
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
