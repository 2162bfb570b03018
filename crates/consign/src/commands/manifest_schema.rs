//! `consign manifest-schema`: print the JSON Schema of `dist-manifest.json`.

use consign_manifest::DistManifest;

use crate::output::Printer;

pub fn exec(printer: &Printer) -> anyhow::Result<()> {
    let mut schema = DistManifest::json_schema();
    schema.push('\n');
    printer.machine(&schema);
    Ok(())
}
