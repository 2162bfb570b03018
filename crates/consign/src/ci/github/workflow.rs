//! The release workflow's text: [`Workflow`] holds every decision
//! [`super::plan`] made, and [`render`] lays it out with
//! `templates/release.yml.j2`. Nothing here reads the workspace or the config.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::UserError;

const TEMPLATE: &str = include_str!("../../../templates/release.yml.j2");
const RELEASE_PR_TEMPLATE: &str = include_str!("../../../templates/release-pr.yml.j2");
/// Steps both workflows share (installing consign).
const STEPS_TEMPLATE: &str = include_str!("../../../templates/steps.yml.j2");

/// What the release-PR workflow is rendered from: every decision made,
/// every value quoted for YAML (or the shell).
#[derive(Debug, Serialize)]
pub(crate) struct ReleasePrWorkflow {
    /// The branch pushes prepare from and the PR merges into.
    pub(crate) base: String,
    /// `release-pr-paths`, quoted.
    pub(crate) paths: Vec<String>,
    /// The release branch, quoted for YAML and the shell.
    pub(crate) branch: String,
    /// The release branch as a GitHub expression string literal.
    pub(crate) branch_expr: String,
    pub(crate) runner: String,
    pub(crate) consign_version: String,
    pub(crate) install: Install,
    pub(crate) actions: BTreeMap<&'static str, String>,
}

/// Lay out the release-PR workflow with `templates/release-pr.yml.j2`.
pub(crate) fn render_release_pr(workflow: &ReleasePrWorkflow) -> Result<String, UserError> {
    render_named("release-pr.yml.j2", RELEASE_PR_TEMPLATE, workflow)
}

/// Every decision of the release workflow, quoted for YAML where needed.
#[derive(Debug, Serialize)]
pub(crate) struct Workflow {
    pub(crate) tag_push: bool,
    pub(crate) tag_patterns: Vec<String>,
    pub(crate) pull_request: bool,
    pub(crate) dispatch: bool,
    pub(crate) tag_expression: String,
    pub(crate) consign_version: String,
    pub(crate) install: Install,
    pub(crate) global_runner: String,
    pub(crate) working_directory: Option<String>,
    pub(crate) dist_dir: String,
    pub(crate) target_dir: String,
    pub(crate) plan_manifest_path: String,
    pub(crate) actions: BTreeMap<&'static str, String>,
    pub(crate) container: bool,
    pub(crate) fail_fast: &'static str,
    pub(crate) cache: bool,
    pub(crate) build_setup: Option<BuildSetup>,
    pub(crate) apt: Option<String>,
    pub(crate) brew: Option<String>,
    pub(crate) choco: Vec<Choco>,
    pub(crate) verify: bool,
    pub(crate) attest: Option<Attest>,
    pub(crate) attest_phase: &'static str,
    /// The channels' `publish-{channel}` jobs (their subjects quoted for YAML).
    pub(crate) channels: Vec<crate::channel::CiJob>,
    pub(crate) custom_publish: Vec<CustomJob>,
    pub(crate) post_announce: Vec<CustomJob>,
    pub(crate) plan_jobs: Vec<CustomJob>,
    pub(crate) local_jobs: Vec<CustomJob>,
    pub(crate) global_jobs: Vec<CustomJob>,
    pub(crate) host_jobs: Vec<CustomJob>,
    pub(crate) build_local: bool,
    /// The token `host` and `announce` use: `GH_RELEASES_TOKEN` when
    /// `github-releases-repo` releases on another repository.
    pub(crate) release_token: &'static str,
    /// `rust-toolchain-version`, installed before building.
    pub(crate) rust_toolchain: Option<String>,
    pub(crate) build_local_needs: String,
    pub(crate) build_global_needs: String,
    pub(crate) build_local_if: String,
    pub(crate) build_global_if: String,
    pub(crate) publish_if: String,
    pub(crate) package_publish_if: String,
    pub(crate) host_needs: String,
    pub(crate) announce_needs: String,
}

/// How each job gets consign (`consign-install`).
#[derive(Debug, Serialize)]
pub(crate) struct Install {
    /// `prebuilt`, `cargo-install` or `source`.
    pub(crate) mode: &'static str,
    /// `prebuilt`: the directory of consign's release files, quoted for YAML.
    pub(crate) url: String,
    /// `source`: the `consign` package's directory, relative to the
    /// working directory (for `cargo install --path`).
    pub(crate) path: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct BuildSetup {
    pub(crate) path: String,
    pub(crate) steps: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Choco {
    pub(crate) name: String,
    pub(crate) args: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Attest {
    pub(crate) subjects: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct CustomJob {
    pub(crate) id: String,
    pub(crate) uses: String,
    /// `[job, ...]` this job waits for.
    pub(crate) needs: String,
    /// The job's `if:`.
    pub(crate) condition: String,
    /// `permissions:` as (name, level), from `github-custom-job-permissions`
    /// or the phase's default.
    pub(crate) permissions: Vec<(String, String)>,
}

/// Render the workflow body (without the marker line).
pub(crate) fn render(workflow: &Workflow) -> Result<String, UserError> {
    render_named("release.yml.j2", TEMPLATE, workflow)
}

fn render_named(
    name: &'static str,
    template: &'static str,
    context: &impl Serialize,
) -> Result<String, UserError> {
    let bug = |e: minijinja::Error| {
        UserError::new(format!(
            "rendering `{name}` failed: {e:#} (this is a bug in consign)"
        ))
    };
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .variable_delimiters("[=", "=]")
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(bug)?;
    env.set_syntax(syntax);
    env.add_template("steps.yml.j2", STEPS_TEMPLATE)
        .map_err(bug)?;
    env.add_template(name, template).map_err(bug)?;
    let text = env
        .get_template(name)
        .and_then(|t| t.render(minijinja::value::Serde(context)))
        .map_err(bug)?;
    // Collapse the blank lines that skipped sections leave behind.
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let is_blank = line.trim().is_empty();
        if is_blank && blank {
            continue;
        }
        blank = is_blank;
        out.push_str(if is_blank { "" } else { line });
        out.push('\n');
    }
    Ok(out.trim_end().to_string() + "\n")
}

/// `s` as a YAML scalar: plain when that is safe, else single-quoted.
pub(crate) fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_strings_are_quoted_when_needed() {
        assert_eq!(yaml_str("ubuntu-22.04"), "ubuntu-22.04");
        assert_eq!(yaml_str("acme/homebrew-tap"), "acme/homebrew-tap");
        assert_eq!(yaml_str("on"), "'on'");
        assert_eq!(yaml_str("1.0"), "'1.0'");
        assert_eq!(yaml_str("my runner: 'big'"), "'my runner: ''big'''");
        assert_eq!(yaml_str("${{ x }}"), "'${{ x }}'");
    }
}
