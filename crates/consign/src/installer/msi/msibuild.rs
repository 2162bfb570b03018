//! The SQL that completes what wixl built (run with `msibuild`): the
//! `Environment` table and its actions, and the `VersionMaxInclusive` bit on
//! the upgrade row.

use std::path::Path;
use std::process::Command;

use anyhow::{ensure, Context as _, Result};

use super::build::{run_tool, tool_stderr, MISSING_MSITOOLS};
use super::shims::WixlShims;

impl WixlShims {
    /// The SQL statements that complete the MSI.
    pub(super) fn queries(&self, upgrade_rows: &[UpgradeRow]) -> Result<Vec<String>> {
        let mut queries = Vec::new();
        if !self.environment.is_empty() {
            queries.push(
                "CREATE TABLE `Environment` (`Environment` CHAR(72) NOT NULL, \
                 `Name` CHAR(255) NOT NULL LOCALIZABLE, `Value` CHAR(255) LOCALIZABLE, \
                 `Component_` CHAR(72) NOT NULL PRIMARY KEY `Environment`)"
                    .to_string(),
            );
            for row in &self.environment {
                queries.push(format!(
                    "INSERT INTO `Environment` (`Environment`, `Name`, `Value`, `Component_`) \
                     VALUES ({}, {}, {}, {})",
                    sql_string(&row.id)?,
                    sql_string(&row.name)?,
                    row.value
                        .as_deref()
                        .map_or(Ok("NULL".to_string()), sql_string)?,
                    sql_string(&row.component)?,
                ));
            }
            // The standard sequence numbers of these two actions.
            for (action, sequence) in [
                ("RemoveEnvironmentStrings", 3300),
                ("WriteEnvironmentStrings", 5200),
            ] {
                queries.push(format!(
                    "INSERT INTO `InstallExecuteSequence` (`Action`, `Sequence`) \
                     VALUES ('{action}', {sequence})"
                ));
            }
        }
        if self.allow_same_version_upgrades {
            // The attributes are part of the Upgrade table's key, so the row
            // is replaced rather than updated.
            const VERSION_MAX_INCLUSIVE: u32 = 0x200;
            for row in upgrade_rows {
                if row.action_property != "WIX_UPGRADE_DETECTED"
                    || row.attributes & VERSION_MAX_INCLUSIVE != 0
                {
                    continue;
                }
                queries.push(format!(
                    "DELETE FROM `Upgrade` WHERE `ActionProperty` = {}",
                    sql_string(&row.action_property)?
                ));
                let mut columns = vec!["`UpgradeCode`", "`Attributes`", "`ActionProperty`"];
                let mut values = vec![
                    sql_string(&row.upgrade_code)?,
                    (row.attributes | VERSION_MAX_INCLUSIVE).to_string(),
                    sql_string(&row.action_property)?,
                ];
                for (column, value) in [
                    ("`VersionMin`", &row.version_min),
                    ("`VersionMax`", &row.version_max),
                    ("`Language`", &row.language),
                    ("`Remove`", &row.remove),
                ] {
                    if let Some(value) = value {
                        columns.push(column);
                        values.push(sql_string(value)?);
                    }
                }
                queries.push(format!(
                    "INSERT INTO `Upgrade` ({}) VALUES ({})",
                    columns.join(", "),
                    values.join(", ")
                ));
            }
        }
        Ok(queries)
    }

    /// Complete the MSI at `msi` (see the module docs).
    pub(super) fn apply(&self, msi: &Path) -> Result<()> {
        let upgrade_rows = if self.allow_same_version_upgrades {
            let mut cmd = Command::new("msiinfo");
            cmd.arg("export").arg(msi).arg("Upgrade");
            let output = run_tool(&mut cmd, "msiinfo", MISSING_MSITOOLS)?;
            ensure!(
                output.status.success(),
                "msiinfo could not read the Upgrade table of {} ({}){}",
                msi.display(),
                output.status,
                tool_stderr(&output)
            );
            parse_upgrade_table(&String::from_utf8_lossy(&output.stdout))?
        } else {
            Vec::new()
        };
        let queries = self.queries(&upgrade_rows)?;
        if queries.is_empty() {
            return Ok(());
        }
        let mut cmd = Command::new("msibuild");
        cmd.arg(msi);
        for q in &queries {
            cmd.arg("-q").arg(q);
        }
        let output = run_tool(&mut cmd, "msibuild", MISSING_MSITOOLS)?;
        ensure!(
            output.status.success(),
            "msibuild could not add the PATH entry and upgrade rules to {} ({}){}",
            msi.display(),
            output.status,
            tool_stderr(&output)
        );
        Ok(())
    }
}

/// A row of the MSI `Upgrade` table, as `msiinfo export` prints it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct UpgradeRow {
    pub(super) upgrade_code: String,
    pub(super) version_min: Option<String>,
    pub(super) version_max: Option<String>,
    pub(super) language: Option<String>,
    pub(super) attributes: u32,
    pub(super) remove: Option<String>,
    pub(super) action_property: String,
}

/// Parse `msiinfo export MSI Upgrade`: three header lines (column names,
/// column types, table name and key), then one tab-separated row a line.
pub(super) fn parse_upgrade_table(text: &str) -> Result<Vec<UpgradeRow>> {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    ensure!(
        header
            == [
                "UpgradeCode",
                "VersionMin",
                "VersionMax",
                "Language",
                "Attributes",
                "Remove",
                "ActionProperty"
            ],
        "unexpected Upgrade table columns: {header:?}"
    );
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    lines
        .skip(2)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            ensure!(f.len() == 7, "unexpected Upgrade table row: {line:?}");
            Ok(UpgradeRow {
                upgrade_code: f[0].to_string(),
                version_min: opt(f[1]),
                version_max: opt(f[2]),
                language: opt(f[3]),
                attributes: f[4]
                    .parse()
                    .with_context(|| format!("unexpected Upgrade attributes in {line:?}"))?,
                remove: opt(f[5]),
                action_property: f[6].to_string(),
            })
        })
        .collect()
}

/// `s` as an SQL string literal for msibuild, which has no escape for
/// quotes.
pub(super) fn sql_string(s: &str) -> Result<String> {
    ensure!(
        !s.contains(['\'', '\n', '\r']),
        "`{}` cannot be written into the MSI: it contains a quote or a line break",
        s.escape_debug()
    );
    Ok(format!("'{s}'"))
}
