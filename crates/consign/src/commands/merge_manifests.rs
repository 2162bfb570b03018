//! `consign merge-manifests`: merge the manifests of several build machines
//! (the rule is [`consign_manifest::DistManifest::merge`]).

use std::path::{Path, PathBuf};

use consign_manifest::DistManifest;

use crate::build::checksum;
use crate::error::UserError;
use crate::output::Printer;

pub fn exec(inputs: &[PathBuf], output: Option<&Path>, printer: &Printer) -> anyhow::Result<()> {
    let mut merged = DistManifest::default();
    for path in inputs {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UserError::new(format!("failed to read `{}`: {e}", path.display())))?;
        let m: DistManifest = serde_json::from_str(&text).map_err(|e| {
            UserError::new(format!(
                "`{}` is not a valid dist manifest: {e}",
                path.display()
            ))
        })?;
        merged
            .merge(&m)
            .map_err(|e| UserError::new(format!("cannot merge `{}`: {e}", path.display())))?;
    }
    let json = merged.to_json_pretty();
    match output {
        Some(path) => {
            checksum::write_atomic(path, json.as_bytes())?;
            printer.human(&format!(
                "merged {} manifests into {}\n",
                inputs.len(),
                path.display()
            ));
        }
        None => printer.machine(&json),
    }
    Ok(())
}
