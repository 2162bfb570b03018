//! Questions for `consign init`: asked on a terminal, or answered from a
//! script in tests. Each answer is checked by the caller, which asks again
//! (a bounded number of times) when it is not acceptable.

use std::collections::VecDeque;
use std::io::{self, BufRead as _, Write as _};

/// Something that can answer a question.
pub trait Prompter {
    /// Ask `question`; an empty answer means `default`. `None` means the
    /// input ended (EOF): the caller gives up.
    fn ask(&mut self, question: &str, default: &str) -> io::Result<Option<String>>;

    /// Tell the user why an answer was not accepted.
    fn complain(&mut self, message: &str);
}

/// Asks on stderr and reads lines from stdin.
#[derive(Debug, Default)]
pub struct Terminal;

impl Prompter for Terminal {
    fn ask(&mut self, question: &str, default: &str) -> io::Result<Option<String>> {
        let mut err = io::stderr().lock();
        if default.is_empty() {
            write!(err, "{question}: ")?;
        } else {
            write!(err, "{question} [{default}]: ")?;
        }
        err.flush()?;
        let mut line = String::new();
        if io::stdin().lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim();
        Ok(Some(if line.is_empty() {
            default.to_string()
        } else {
            line.to_string()
        }))
    }

    fn complain(&mut self, message: &str) {
        let _ = writeln!(io::stderr().lock(), "  {message}");
    }
}

/// Answers from a list, recording the conversation (for tests).
#[derive(Debug, Default)]
pub struct Scripted {
    answers: VecDeque<String>,
    /// Every question and complaint, in order.
    pub transcript: Vec<String>,
}

impl Scripted {
    /// A script of answers; `""` takes the default.
    pub fn new<S: Into<String>>(answers: impl IntoIterator<Item = S>) -> Scripted {
        Scripted {
            answers: answers.into_iter().map(Into::into).collect(),
            transcript: Vec::new(),
        }
    }
}

impl Prompter for Scripted {
    fn ask(&mut self, question: &str, default: &str) -> io::Result<Option<String>> {
        self.transcript.push(format!("? {question} [{default}]"));
        Ok(self
            .answers
            .pop_front()
            .map(|a| if a.is_empty() { default.to_string() } else { a }))
    }

    fn complain(&mut self, message: &str) {
        self.transcript.push(format!("! {message}"));
    }
}
