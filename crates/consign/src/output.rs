//! The one place output goes through.
//!
//! Human text, warnings and errors go to stderr; machine output (JSON) goes to
//! stdout. Color follows `--color`, and `auto` respects `NO_COLOR` and whether
//! stderr is a terminal (anstream decides).

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Mutex;

use anstyle::{AnsiColor, Style};

use crate::cli::ColorChoice;
use crate::error::UserError;

/// `-v` and `-q`, for the executors that print without a [`Printer`] (child
/// processes' command lines and output).
static VERBOSITY: AtomicU8 = AtomicU8::new(0);
static QUIET: AtomicBool = AtomicBool::new(false);
/// The spinner on screen, if any: child output is printed above it, never
/// over it.
static ACTIVE_BAR: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Print one line on stderr above the active spinner (or plainly when there
/// is none), so the spinner never overwrites it.
pub fn line_above_progress(line: &str) {
    let bar = ACTIVE_BAR.lock().ok().and_then(|b| b.clone());
    match bar {
        Some(bar) => bar.suspend(|| {
            let _ = writeln!(anstream::stderr(), "{line}");
        }),
        None => {
            let _ = writeln!(anstream::stderr(), "{line}");
        }
    }
}

/// With `-v`, show a command about to run (`running: cargo build ...`).
pub fn show_command(cmd: &std::process::Command) {
    if VERBOSITY.load(Ordering::Relaxed) == 0 || QUIET.load(Ordering::Relaxed) {
        return;
    }
    let words: Vec<String> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|w| {
            let w = w.to_string_lossy();
            if w.is_empty() || w.contains(|c: char| c.is_whitespace() || "'\"$".contains(c)) {
                format!("'{}'", w.replace('\'', "'\\''"))
            } else {
                w.into_owned()
            }
        })
        .collect();
    line_above_progress(&format!("{DIM}running: {}{DIM:#}", words.join(" ")));
}

/// Whether stderr shows color (after `--color`, `NO_COLOR` and terminal
/// detection): what child processes are told with their own `--color`.
pub fn stderr_has_color() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Where command output goes.
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    quiet: bool,
    verbose: u8,
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const HINT: Style = AnsiColor::Cyan.on_default().bold();
/// Style for headings in human output.
pub const HEADING: Style = AnsiColor::Green.on_default().bold();
/// Style for secondary text in human output.
pub const DIM: Style = Style::new().dimmed();

impl Printer {
    /// Set up output; call once, before printing.
    pub fn new(color: ColorChoice, quiet: bool, verbose: u8) -> Printer {
        let choice = match color {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
        VERBOSITY.store(verbose, Ordering::Relaxed);
        QUIET.store(quiet, Ordering::Relaxed);
        Printer { quiet, verbose }
    }

    /// Whether `-q` was given.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Progress for long steps: a spinner on a terminal, plain lines otherwise, nothing with `-q`.
    pub fn progress(&self) -> StepProgress {
        use std::io::IsTerminal as _;
        StepProgress {
            quiet: self.quiet,
            bar: std::cell::RefCell::new(None),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Human text on stderr (silenced by `-q`).
    pub fn human(&self, text: &str) {
        if !self.quiet {
            let _ = write!(anstream::stderr(), "{text}");
        }
    }

    /// Extra detail, shown with `-v`.
    pub fn verbose(&self, text: &str) {
        if self.verbose > 0 && !self.quiet {
            line_above_progress(&format!("{DIM}{text}{DIM:#}"));
        }
    }

    /// A warning on stderr (silenced by `-q`).
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(anstream::stderr(), "{WARNING}warning{WARNING:#}: {text}");
        }
    }

    /// Machine output on stdout.
    pub fn machine(&self, text: &str) {
        let mut out = anstream::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Render an error: `error:`, its causes, and a `hint:` when one is known.
    pub fn error(&self, err: &anyhow::Error) {
        let mut stderr = anstream::stderr();
        let _ = writeln!(stderr, "{ERROR}error{ERROR:#}: {err}");
        for cause in err.chain().skip(1) {
            let _ = writeln!(stderr, "  Caused by: {cause}");
        }
        if let Some(hint) = err
            .chain()
            .find_map(|e| e.downcast_ref::<UserError>())
            .and_then(|u| u.hint.as_ref())
        {
            let _ = writeln!(stderr, "{HINT}hint{HINT:#}: {hint}");
        }
    }
}
/// Step progress for [`crate::build::Progress`].
pub struct StepProgress {
    quiet: bool,
    terminal: bool,
    bar: std::cell::RefCell<Option<indicatif::ProgressBar>>,
}

impl crate::build::Progress for StepProgress {
    fn start(&self, step: &str) {
        if self.quiet {
            return;
        }
        if self.terminal {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .expect("a valid template"),
            );
            bar.set_message(step.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            if let Ok(mut active) = ACTIVE_BAR.lock() {
                *active = Some(bar.clone());
            }
            *self.bar.borrow_mut() = Some(bar);
        } else {
            let _ = writeln!(anstream::stderr(), "{HEADING}  started{HEADING:#} {step}");
        }
    }

    fn done(&self, step: &str, detail: &str) {
        if self.quiet {
            return;
        }
        if let Some(bar) = self.bar.borrow_mut().take() {
            if let Ok(mut active) = ACTIVE_BAR.lock() {
                *active = None;
            }
            bar.finish_and_clear();
        }
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(" ({detail})")
        };
        let _ = writeln!(
            anstream::stderr(),
            "{HEADING}     done{HEADING:#} {step}{detail}"
        );
    }
}
