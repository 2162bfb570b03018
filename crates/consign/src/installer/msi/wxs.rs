//! Rendering `main.wxs` (WiX 3 source) from an [`MsiContext`]: every value
//! is checked and escaped here, the template only loops and branches.

use std::collections::BTreeSet;

use anyhow::{anyhow, bail, ensure, Result};

use super::guid::{component_guid, normalize_guid};
use super::{msi_version, Arch, MsiContext};

const TEMPLATE: &str = include_str!("../../../templates/main.wxs.j2");
const TEMPLATE_NAME: &str = "main.wxs.j2";

struct TemplateBinary {
    component: String,
    file: String,
    guid: String,
    name: String,
}

struct TemplateContext {
    app_name: String,
    version: String,
    manufacturer: String,
    summary: String,
    comments: String,
    description: Option<String>,
    homepage: Option<String>,
    upgrade_guid: String,
    path_guid: String,
    platform: &'static str,
    program_files: &'static str,
    win64: &'static str,
    binaries: Vec<TemplateBinary>,
}

impl TemplateContext {
    fn into_value(self) -> minijinja::Value {
        use minijinja::context;

        let binaries: Vec<minijinja::Value> = self
            .binaries
            .into_iter()
            .map(|b| {
                context! {
                    component => b.component,
                    file => b.file,
                    guid => b.guid,
                    name => b.name,
                }
            })
            .collect();
        context! {
            app_name => self.app_name,
            version => self.version,
            manufacturer => self.manufacturer,
            summary => self.summary,
            comments => self.comments,
            description => self.description,
            homepage => self.homepage,
            upgrade_guid => self.upgrade_guid,
            path_guid => self.path_guid,
            platform => self.platform,
            program_files => self.program_files,
            win64 => self.win64,
            binaries => binaries,
        }
    }
}

/// Render `main.wxs`, WiX 3 source for `ctx` (see the module docs for what
/// it declares).
///
/// Fails when the context cannot make a working package: a version that
/// does not fit an MSI version, GUIDs that are not GUIDs, no binaries,
/// binary names that are not distinct Windows `.exe` file names, an app
/// name that cannot name a directory, a target that is not Windows on
/// x86_64, i686 or aarch64, or text containing control characters, `$(` or
/// `!(`. Characters of free text that code page 1252 lacks become `?`.
pub fn render_wxs(ctx: &MsiContext) -> Result<String> {
    let arch = Arch::for_target(&ctx.target)?;
    let version = msi_version(&ctx.app_version)?;
    let upgrade_guid = normalize_guid(&ctx.upgrade_guid)
        .ok_or_else(|| anyhow!("upgrade GUID `{}` is not a GUID", ctx.upgrade_guid))?;
    let path_guid = normalize_guid(&ctx.path_guid)
        .ok_or_else(|| anyhow!("path GUID `{}` is not a GUID", ctx.path_guid))?;
    ensure!(
        upgrade_guid != path_guid,
        "the upgrade GUID and the path GUID must differ (both are {upgrade_guid})"
    );

    check_file_name("app name", &ctx.app_name)?;
    ensure!(
        !ctx.binaries.is_empty(),
        "an MSI for {} needs at least one binary",
        ctx.app_name
    );
    let mut seen = BTreeSet::new();
    let mut binaries = Vec::with_capacity(ctx.binaries.len());
    for (i, name) in ctx.binaries.iter().enumerate() {
        check_file_name("binary name", name)?;
        ensure!(
            name.to_ascii_lowercase().ends_with(".exe") && name.len() > 4,
            "binary name `{name}` must be a Windows file name ending in .exe"
        );
        ensure!(
            seen.insert(name.to_lowercase()),
            "binary `{name}` is listed twice (Windows file names ignore case)"
        );
        binaries.push(TemplateBinary {
            component: format!("binary{i}"),
            file: format!("binary{i}.exe"),
            guid: component_guid(&upgrade_guid, arch.program_files(), name),
            name: wix_attr("binary name", name)?,
        });
    }

    let manufacturer = free_text(&ctx.manufacturer);
    let manufacturer = if manufacturer.is_empty() {
        ctx.app_name.clone()
    } else {
        manufacturer
    };
    let description = ctx
        .description
        .as_deref()
        .map(free_text)
        .filter(|d| !d.is_empty());
    let license = ctx
        .license
        .as_deref()
        .map(free_text)
        .filter(|l| !l.is_empty());
    let homepage = ctx
        .homepage
        .as_deref()
        .map(free_text)
        .filter(|h| !h.is_empty());

    // No version here: the source outlives versions (`$(var.Version)` is
    // given to wixl by `build_msi`).
    let mut comments = format!("{} for {}", ctx.app_name, ctx.target);
    if let Some(license) = &license {
        comments.push_str(&format!(", licensed under {license}"));
    }
    let summary = description.clone().unwrap_or_else(|| ctx.app_name.clone());

    let data = TemplateContext {
        app_name: wix_attr("app name", &ctx.app_name)?,
        version: version.version,
        manufacturer: wix_attr("manufacturer", &manufacturer)?,
        summary: wix_attr("description", &summary)?,
        comments: wix_attr("comments", &free_text(&comments))?,
        description: description
            .as_deref()
            .map(|d| wix_attr("description", d))
            .transpose()?,
        homepage: homepage
            .as_deref()
            .map(|h| wix_attr("homepage", h))
            .transpose()?,
        upgrade_guid,
        path_guid,
        platform: arch.platform(),
        program_files: arch.program_files(),
        win64: if arch.win64() { "yes" } else { "no" },
        binaries,
    };
    crate::installer::render_template(TEMPLATE_NAME, TEMPLATE, data.into_value())
}

/// Escape `s` for XML text or a double- or single-quoted attribute (the
/// five predefined entities).
pub(super) fn xml_escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// `s` as a WiX attribute value: no control characters, no `$(` or `!(`
/// (variable references to WiX, which wixl cannot escape), every `$`
/// doubled (the WiX preprocessor's escape), then XML-escaped.
pub(super) fn wix_attr(what: &str, s: &str) -> Result<String> {
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        bail!(
            "the {what} `{}` contains a control character ({c:?})",
            s.escape_debug()
        );
    }
    for pattern in ["$(", "!("] {
        ensure!(
            !s.contains(pattern),
            "the {what} `{s}` contains `{pattern}`, which WiX reads as a variable reference"
        );
    }
    Ok(xml_escape(&s.replace('$', "$$")))
}

/// Free text made fit for the MSI database: whitespace runs (newlines
/// included) become one space, other control characters are dropped, and
/// characters code page 1252 cannot encode become `?`.
pub(super) fn free_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()).map(|c| {
            if in_cp1252(c) {
                c
            } else {
                '?'
            }
        }));
    }
    out
}

/// Whether Windows code page 1252 can encode `c`.
pub(super) fn in_cp1252(c: char) -> bool {
    const EXTRA: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";
    (c as u32) < 0x80 || (0xA0..=0xFF).contains(&(c as u32)) || EXTRA.contains(c)
}

/// Check that `name` can be a Windows file or directory name stored in a
/// code page 1252 MSI database.
pub(super) fn check_file_name(what: &str, name: &str) -> Result<()> {
    ensure!(!name.trim().is_empty(), "the {what} is empty");
    ensure!(
        name != "." && name != "..",
        "the {what} `{name}` cannot be a file name"
    );
    if let Some(c) = name
        .chars()
        .find(|c| c.is_control() || "\\/:*?\"<>|".contains(*c))
    {
        bail!(
            "the {what} `{}` cannot be a Windows file name: it contains {c:?}",
            name.escape_debug()
        );
    }
    ensure!(
        !name.ends_with('.') && !name.ends_with(' '),
        "the {what} `{name}` cannot be a Windows file name: it ends in a dot or a space"
    );
    if let Some(c) = name.chars().find(|c| !in_cp1252(*c)) {
        bail!("the {what} `{name}` contains {c:?}, which an MSI database (code page 1252) cannot hold");
    }
    Ok(())
}
