//! What wixl lacks, found in the WiX source: the `Environment` elements
//! (cut out of the copy wixl reads, kept as `Environment` table rows), the
//! same-version upgrade flag, the platform and the binaries' sources.

use anyhow::{anyhow, bail, Result};

use super::xml::{scan_xml, XmlElement};

/// What [`build_msi`] must do for the parts of the WiX source wixl does
/// not understand.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct WixlShims {
    /// `Package/@Platform`, if given.
    pub(super) platform: Option<String>,
    /// The source without its `Environment` elements.
    pub(super) stripped: String,
    /// One row of the `Environment` table per removed element.
    pub(super) environment: Vec<EnvironmentRow>,
    /// `MajorUpgrade/@AllowSameVersionUpgrades="yes"`.
    pub(super) allow_same_version_upgrades: bool,
    /// The `File/@Source` paths under `$(var.BinDir)`, relative to it.
    pub(super) bin_dir_files: Vec<String>,
}

/// A row of the MSI `Environment` table.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct EnvironmentRow {
    pub(super) id: String,
    /// The variable name with its flag prefix (`=-*PATH`).
    pub(super) name: String,
    pub(super) value: Option<String>,
    pub(super) component: String,
}

impl WixlShims {
    pub(super) fn from_source(source: &str) -> Result<WixlShims> {
        let elements = scan_xml(source)?;
        let mut shims = WixlShims {
            platform: None,
            stripped: String::new(),
            environment: Vec::new(),
            allow_same_version_upgrades: false,
            bin_dir_files: Vec::new(),
        };
        let mut cut = Vec::new();
        for el in &elements {
            match el.name.as_str() {
                "Package" => shims.platform = el.attr("Platform").map(str::to_string),
                "MajorUpgrade" => {
                    shims.allow_same_version_upgrades =
                        el.attr("AllowSameVersionUpgrades") == Some("yes");
                }
                "Environment" => {
                    shims.environment.push(EnvironmentRow::from_element(el)?);
                    cut.push(el.span.clone());
                }
                "File" => {
                    let relative = el.attr("Source").and_then(|s| {
                        s.strip_prefix("$(var.BinDir)/")
                            .or_else(|| s.strip_prefix("$(var.BinDir)\\"))
                    });
                    if let Some(relative) = relative {
                        shims.bin_dir_files.push(relative.to_string());
                    }
                }
                _ => {}
            }
        }
        let mut stripped = String::with_capacity(source.len());
        let mut at = 0;
        for span in cut {
            stripped.push_str(&source[at..span.start]);
            at = span.end;
        }
        stripped.push_str(&source[at..]);
        shims.stripped = stripped;
        Ok(shims)
    }
}

impl EnvironmentRow {
    /// The row WiX makes of an `Environment` element: the name prefixed
    /// with `=` (set), `+` (create) or `!` (remove), `-` (undo on
    /// uninstall, unless permanent) and `*` (system variable); the value
    /// joined to the existing one (`[~]`) for `Part="first"`/`"last"`.
    fn from_element(el: &XmlElement) -> Result<EnvironmentRow> {
        let get = |name: &str| -> Result<Option<String>> {
            match el.attr(name) {
                None => Ok(None),
                Some(v) if v.contains("$(") => bail!(
                    "Environment/@{name} `{v}` uses a preprocessor variable, which consign \
                     cannot resolve here"
                ),
                Some(v) => Ok(Some(v.replace("$$", "$"))),
            }
        };
        let id = get("Id")?.ok_or_else(|| anyhow!("an Environment element has no Id"))?;
        let name = get("Name")?.ok_or_else(|| anyhow!("Environment `{id}` has no Name"))?;
        let component = el
            .component
            .clone()
            .ok_or_else(|| anyhow!("Environment `{id}` is not inside a Component"))?;
        let yes = |v: Option<String>| v.as_deref() == Some("yes");
        let action = get("Action")?.unwrap_or_else(|| "set".to_string());
        let mut prefix = match action.as_str() {
            "set" => "=".to_string(),
            "create" => "+".to_string(),
            "remove" => "!".to_string(),
            other => bail!("Environment `{id}` has an unknown Action `{other}`"),
        };
        if action != "remove" && !yes(get("Permanent")?) {
            prefix.push('-');
        }
        if yes(get("System")?) {
            prefix.push('*');
        }
        let separator = get("Separator")?.unwrap_or_else(|| ";".to_string());
        let value = get("Value")?;
        let value = match (get("Part")?.as_deref(), value) {
            (_, None) => None,
            (None | Some("all"), Some(v)) => Some(v),
            (Some("first"), Some(v)) => Some(format!("{v}{separator}[~]")),
            (Some("last"), Some(v)) => Some(format!("[~]{separator}{v}")),
            (Some(other), _) => bail!("Environment `{id}` has an unknown Part `{other}`"),
        };
        Ok(EnvironmentRow {
            id,
            name: format!("{prefix}{name}"),
            value,
            component,
        })
    }
}
