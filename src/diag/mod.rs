//! Diagnostics: what went wrong in a matrix file, where, and what to do.
//!
//! The loader never stops at the first broken rule: it collects every
//! [`Diagnostic`] of a file into a [`Report`], which the binary prints once.
//! Tests and pipelines match on [`Diagnostic::code`] (a [`Code`]); the
//! wording is for people in legal and may keep improving. A report prints
//! for people ([`Report::render`]) or for machines (`machine.rs`: JSON
//! lines, GitHub workflow commands).

mod code;
mod machine;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use code::Code;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The file is refused.
    Error,
    /// The file is accepted, but something deserves a human's attention.
    Warning,
}

/// One finding about one place in a matrix file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code, printed in kebab-case, e.g. `accountable-count`.
    pub code: Code,
    /// 1-based line, when the place is known.
    pub line: Option<u64>,
    /// 1-based column, when the place is known.
    pub column: Option<u64>,
    /// What the finding is about, as printed, e.g. `activity LLMAAS-SEC-04`.
    pub subject: Option<String>,
    /// The id the subject names (`LLMAAS-SEC-04`), when it names one.
    pub id: Option<String>,
    /// What is wrong, in plain words.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl Diagnostic {
    /// An error at an optional (line, column).
    pub fn error(code: Code, at: Option<(u64, u64)>, message: impl Into<String>) -> Self {
        debug_assert_eq!(code.severity(), Severity::Error, "{code} is a warning");
        Diagnostic::new(Severity::Error, code, at, message.into())
    }

    /// A warning at an optional (line, column).
    pub fn warning(code: Code, at: Option<(u64, u64)>, message: impl Into<String>) -> Self {
        debug_assert_eq!(code.severity(), Severity::Warning, "{code} is an error");
        Diagnostic::new(Severity::Warning, code, at, message.into())
    }

    fn new(severity: Severity, code: Code, at: Option<(u64, u64)>, message: String) -> Self {
        Diagnostic {
            severity,
            code,
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
            subject: None,
            id: None,
            message,
            help: String::new(),
        }
    }

    /// Names what the finding is about when that has no id: `legend`, `file`.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Names the thing the finding is about by its kind and id, printed
    /// `KIND ID` (`activity LLMAAS-SEC-04`, `near id S-RUN-01`); machine
    /// formats give the id on its own.
    pub fn about(mut self, kind: &str, id: impl Into<String>) -> Self {
        let id = id.into();
        self.subject = Some(format!("{kind} {id}"));
        self.id = Some(id);
        self
    }

    /// Says what to do.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }
}

/// Every finding about one file, with the file's text for quoting source lines.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The file, as given by the user.
    pub path: PathBuf,
    /// The file's text, when it could be read as UTF-8.
    pub source: Option<String>,
    /// Findings in the order they were made.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// An empty report about `path`.
    pub fn new(path: &Path) -> Report {
        Report { path: path.to_path_buf(), source: None, diagnostics: Vec::new() }
    }

    /// Adds a finding.
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// Renders every finding as plain text, each with the file, line and column, the
    /// quoted source line with a caret, and the help line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // The source's lines, split once: a thousand findings in a 15 MB
        // file would otherwise each scan it from the top.
        let lines: Vec<&str> = match &self.source {
            Some(src) if self.diagnostics.iter().any(|d| d.line.is_some()) => src.lines().collect(),
            _ => Vec::new(),
        };
        for d in &self.diagnostics {
            self.render_one(d, &lines, &mut out);
        }
        out
    }

    fn render_one(&self, d: &Diagnostic, lines: &[&str], out: &mut String) {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = match (d.line, d.column) {
            (Some(l), Some(c)) if l > 0 => format!("{}:{l}:{c}", self.path.display()),
            _ => self.path.display().to_string(),
        };
        let subject = d.subject.as_deref().map(|s| format!("{s}: ")).unwrap_or_default();
        let _ = writeln!(out, "{kind}[{}]: {place}: {subject}{}", d.code, d.message);
        let quoted = match (d.line, d.column) {
            (Some(line), Some(col)) => {
                line.checked_sub(1).and_then(|i| lines.get(i as usize)).map(|t| (*t, line, col))
            }
            _ => None,
        };
        if let Some((text, line, col)) = quoted {
            let text: String = text.chars().take(160).collect();
            let num = line.to_string();
            let pad = " ".repeat(num.len());
            let caret_pad: String = text
                .chars()
                .take(col.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} |\n{num} | {text}\n{pad} | {caret_pad}^");
        }
        if !d.help.is_empty() {
            let _ = writeln!(out, "  = help: {}", d.help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_column_subject_snippet_and_help() {
        let mut r = Report::new(Path::new("data/x.yaml"));
        r.source = Some("a: 1\n  customer: RX\n".into());
        r.push(
            Diagnostic::error(Code::UnknownRole, Some((2, 13)), "letter X is not in the legend")
                .about("activity", "A-1")
                .help("use R, A, C or I"),
        );
        let text = r.render();
        assert!(text.starts_with("error[unknown-role]: data/x.yaml:2:13: activity A-1: letter X"));
        assert!(text.contains("2 |   customer: RX\n  |             ^"), "{text}");
        assert!(text.contains("= help: use R, A, C or I"));
    }
}
