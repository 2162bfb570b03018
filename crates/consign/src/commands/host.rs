//! `consign host`: create, upload and release on GitHub (or list the files to
//! upload for `simple` hosting). The shared setup of `host` and `announce`
//! (manifest, token, client, journal) lives here too.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use consign_manifest::DistManifest;

use crate::cli::{GlobalArgs, HostArgs, OutputFormat};
use crate::error::UserError;
use crate::host::github::{self, Client};
use crate::host::journal::Journal;
use crate::host::{self, HostOptions, HostReport, Session, Step};
use crate::output::{Printer, HEADING};
use crate::project::{self, Workspace};
use crate::settings::{Environment, HostSettings};

pub fn exec(
    global: &GlobalArgs,
    env: &Environment,
    args: &HostArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let settings = HostSettings::resolve(global, args, env);
    let setup = Setup::load(&settings)?;
    let simple = host::simple_uploads(&setup.dist, &setup.manifest);
    let mut report = if setup.repo.is_none() {
        if simple.is_empty() {
            return Err(UserError::new(
                "the manifest has neither GitHub nor `simple` hosting, so there is nowhere to host",
            )
            .hint("set `[package].repository` to the GitHub repository, or `hosting = [\"simple\"]` with `simple-download-url`")
            .into());
        }
        HostReport {
            tag: setup.tag.clone(),
            ..HostReport::default()
        }
    } else {
        let opts = HostOptions {
            steps: settings.steps.clone(),
            replace: settings.replace,
            concurrency: settings.concurrency,
            target_commit: target_commit(&setup.ws, &settings),
        };
        let bars = Bars::new(printer);
        let (client, journal) = setup.connect(&bars)?;
        let session = setup.session(&client, &journal);
        let result = host::host(&session, &opts, &bars);
        bars.clear();
        result?
    };
    report.simple_uploads = simple;
    match global.output_format {
        OutputFormat::Json => printer.machine(&(serde_json::to_string_pretty(&report)? + "\n")),
        OutputFormat::Human => printer.human(&render(&report)),
    }
    Ok(())
}

/// Everything `host` and `announce` share: the workspace, the manifest and
/// where the release goes.
pub(super) struct Setup {
    pub settings: HostSettings,
    pub ws: Workspace,
    pub dist: PathBuf,
    pub manifest: DistManifest,
    pub tag: String,
    pub repo: Option<(github::Repo, String)>,
}

impl Setup {
    pub fn load(settings: &HostSettings) -> anyhow::Result<Setup> {
        let ws = project::load(&settings.load)?;
        let dist = ws.distrib_dir();
        let manifest = host::read_manifest(&dist)?;
        let tag = host::tag(&manifest)?.to_string();
        if let Some(asked) = settings.tag.as_deref().filter(|t| *t != tag) {
            return Err(UserError::new(format!(
                "`--tag {asked}` differs from the tag `{tag}` in `{}`",
                dist.join("dist-manifest.json").display()
            ))
            .hint("build the release for that tag first, or leave out `--tag`")
            .into());
        }
        let repo = host::github_repo(&manifest);
        Ok(Setup {
            settings: settings.clone(),
            ws,
            dist,
            manifest,
            tag,
            repo,
        })
    }

    /// The client (token from the environment) and the journal.
    pub fn connect(&self, progress: &Bars) -> anyhow::Result<(Client, Journal)> {
        let (repo, web) = self.repo.clone().expect("callers check for GitHub hosting");
        let github = &self.settings.github;
        let token = github.require_token("set `GITHUB_TOKEN` to a token with the `contents: write` permission (in GitHub Actions: `GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` and `permissions: contents: write`)")?;
        let api = github.api_base(&web);
        let journal = Journal::open(
            &self.dist,
            &self.tag,
            &repo.to_string(),
            Some(token.clone()),
        )?;
        let notices = progress.notices();
        let client = Client::new(&api, repo, token, self.settings.retry).on_notice(move |text| {
            notices
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(text.to_string());
        });
        Ok((client, journal))
    }

    pub fn session<'a>(&'a self, client: &'a Client, journal: &'a Journal) -> Session<'a> {
        Session {
            manifest: &self.manifest,
            dist: &self.dist,
            client,
            journal,
            tag: &self.tag,
            local: Default::default(),
        }
    }
}

/// The commit a new tag points at: `GITHUB_SHA` in GitHub Actions, else HEAD;
/// none when `github-releases-repo` releases on another repository (GitHub
/// then tags that repository's default branch, as cargo-dist does).
fn target_commit(ws: &Workspace, settings: &HostSettings) -> Option<String> {
    if ws.config.github_releases_repo.is_some() {
        return None;
    }
    if let Some(sha) = &settings.github.sha {
        return Some(sha.clone());
    }
    crate::project::git::head(&ws.root)
}

/// Upload bars on a terminal, one line per finished asset otherwise, nothing
/// with `-q`. Bars have no color, so `NO_COLOR` needs no special case.
pub(super) struct Bars {
    printer: Printer,
    terminal: bool,
    multi: indicatif::MultiProgress,
    bars: Mutex<HashMap<String, indicatif::ProgressBar>>,
    notices: std::sync::Arc<Mutex<Vec<String>>>,
}

impl Bars {
    pub fn new(printer: &Printer) -> Bars {
        use std::io::IsTerminal as _;
        let terminal = std::io::stderr().is_terminal() && !printer.is_quiet();
        let multi = indicatif::MultiProgress::with_draw_target(if terminal {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        });
        Bars {
            printer: *printer,
            terminal,
            multi,
            bars: Mutex::new(HashMap::new()),
            notices: Default::default(),
        }
    }

    fn notices(&self) -> std::sync::Arc<Mutex<Vec<String>>> {
        self.notices.clone()
    }

    /// Print notices gathered from the client threads.
    fn flush_notices(&self) {
        let pending: Vec<String> =
            std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()));
        for n in pending {
            self.line(&format!("     note {n}"));
        }
    }

    fn line(&self, text: &str) {
        if self.printer.is_quiet() {
            return;
        }
        if self.terminal {
            let _ = self.multi.println(text);
        } else {
            self.printer.human(&format!("{text}\n"));
        }
    }

    pub fn clear(&self) {
        self.flush_notices();
        let _ = self.multi.clear();
    }
}

impl host::Progress for Bars {
    fn step(&self, step: Step, outcome: &str) {
        self.flush_notices();
        let name = match step {
            Step::Create => "create",
            Step::Upload => "upload",
            Step::Release => "release",
        };
        self.line(&format!("{HEADING}{name:>9}{HEADING:#} {outcome}"));
    }

    fn upload_start(&self, name: &str, size: u64) {
        self.flush_notices();
        if !self.terminal {
            return;
        }
        let bar = self.multi.add(indicatif::ProgressBar::new(size));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg:40!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.set_message(name.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        self.bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), bar);
    }

    fn upload_bytes(&self, name: &str, sent: u64) {
        if let Some(bar) = self
            .bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
        {
            bar.set_position(sent);
        }
    }

    fn upload_end(&self, name: &str, outcome: &str) {
        self.flush_notices();
        if let Some(bar) = self
            .bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name)
        {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.printer.verbose(&format!("{outcome} {name}"));
        if outcome != "skipped" && !self.terminal {
            self.line(&format!("{:>9} {name}", outcome));
        }
    }

    fn notice(&self, text: &str) {
        self.flush_notices();
        if !self.printer.is_quiet() {
            self.printer.warn(text);
        }
    }
}

/// The human summary.
pub(super) fn render(report: &HostReport) -> String {
    let mut out = String::new();
    if let Some(r) = &report.release {
        let state = if r.draft { "draft" } else { "published" };
        let _ = writeln!(
            out,
            "{HEADING}release{HEADING:#} `{}` ({state}): {}",
            report.tag, r.url
        );
    }
    if !report.assets.is_empty() {
        let sent = report
            .assets
            .iter()
            .filter(|a| a.outcome != "skipped")
            .count();
        let _ = writeln!(
            out,
            "{HEADING}assets{HEADING:#} {} in the release ({sent} sent now)",
            report.assets.len()
        );
    }
    for repo in &report.dispatched {
        let _ = writeln!(out, "{HEADING}notified{HEADING:#} {repo}");
    }
    if !report.simple_uploads.is_empty() {
        let _ = writeln!(
            out,
            "{HEADING}simple hosting{HEADING:#}: upload these files so that installers find them:"
        );
        for u in &report.simple_uploads {
            let _ = writeln!(out, "  {} -> {}", u.path.display(), u.url);
        }
    }
    out
}
