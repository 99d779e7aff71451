//! The machine-readable forms of a [`Report`], for pipelines
//! (`validate --message-format json`) and for GitHub Actions
//! (`--message-format github`), as `../shared/spec/authoring.md` defines them.
//! They carry what the human form prints: the same code, place and id.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Diagnostic, Report, Severity};

/// One finding, one JSON object per line; the fields in the order of the spec.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    severity: &'static str,
    code: &'static str,
    file: &'a str,
    line: Option<u64>,
    column: Option<u64>,
    id: Option<&'a str>,
    message: &'a str,
    help: &'a str,
}

/// The summary of one file, after its findings.
#[derive(Serialize)]
struct JsonFile<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    file: &'a str,
    ok: bool,
    errors: usize,
    warnings: usize,
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// (line, column) as the human form prints them: both, or neither.
fn place(d: &Diagnostic) -> Option<(u64, u64)> {
    match (d.line, d.column) {
        (Some(l), Some(c)) if l > 0 => Some((l, c)),
        _ => None,
    }
}

impl Report {
    /// Every finding as one JSON object per line (`"type": "diagnostic"`),
    /// then one line for the file (`"type": "file"`, `ok`, `errors`, `warnings`).
    pub fn to_json_lines(&self) -> String {
        let file = self.path.display().to_string();
        let mut out = String::new();
        for d in &self.diagnostics {
            let at = place(d);
            let line = JsonDiagnostic {
                kind: "diagnostic",
                severity: severity_name(d.severity),
                code: d.code.as_str(),
                file: &file,
                line: at.map(|a| a.0),
                column: at.map(|a| a.1),
                id: d.id.as_deref(),
                message: &d.message,
                help: &d.help,
            };
            push_json(&mut out, &line);
        }
        let errors = self.error_count();
        let summary = JsonFile {
            kind: "file",
            file: &file,
            ok: errors == 0,
            errors,
            warnings: self.diagnostics.len() - errors,
        };
        push_json(&mut out, &summary);
        out
    }

    /// Every finding as a GitHub Actions workflow command
    /// (`::error file=F,line=L,col=C,title=CODE::SUBJECT: message`, the help
    /// on a second line), so that a pull request shows it on its line.
    pub fn to_github_commands(&self) -> String {
        let file = escape_property(&self.path.display().to_string());
        let mut out = String::new();
        for d in &self.diagnostics {
            let _ = write!(out, "::{} file={file}", severity_name(d.severity));
            if let Some((line, col)) = place(d) {
                let _ = write!(out, ",line={line},col={col}");
            }
            let mut text = match &d.subject {
                Some(s) => format!("{s}: {}", d.message),
                None => d.message.clone(),
            };
            if !d.help.is_empty() {
                let _ = write!(text, "\nhelp: {}", d.help);
            }
            let _ = writeln!(out, ",title={}::{}", escape_property(d.code.as_str()), escape_data(&text));
        }
        out
    }
}

fn push_json(out: &mut String, value: &impl Serialize) {
    // Serialising these structs of strings and numbers cannot fail.
    if let Ok(s) = serde_json::to_string(value) {
        out.push_str(&s);
        out.push('\n');
    }
}

/// A command's message, escaped as GitHub's toolkit does (`%`, CR, LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A command's property value: also `:` and `,`, which end a property.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use super::*;
    use crate::diag::Code;

    fn report() -> Report {
        let mut r = Report::new(Path::new("data/a,b:c.yaml"));
        r.push(
            Diagnostic::error(
                Code::AccountableCount,
                Some((31, 16)),
                "2 parties hold 'A': 100% sure\nreally",
            )
            .about("activity", "BKP-OPS-02")
            .help("keep one"),
        );
        r.push(Diagnostic::warning(Code::RulesOverride, None, "overrides").subject("legend"));
        r
    }

    #[test]
    fn json_lines_carry_code_place_id_and_a_file_summary() {
        let text = report().to_json_lines();
        let lines: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[0],
            serde_json::json!({"type": "diagnostic", "severity": "error", "code": "accountable-count",
                "file": "data/a,b:c.yaml", "line": 31, "column": 16, "id": "BKP-OPS-02",
                "message": "2 parties hold 'A': 100% sure\nreally", "help": "keep one"})
        );
        assert_eq!(lines[1]["severity"], "warning");
        assert_eq!(
            (&lines[1]["line"], &lines[1]["column"], &lines[1]["id"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
        assert_eq!(
            lines[2],
            serde_json::json!({"type": "file", "file": "data/a,b:c.yaml", "ok": false, "errors": 1, "warnings": 1})
        );
        let keys: Vec<&str> =
            text.lines().next().unwrap().split("\":").map(|k| k.rsplit('"').next().unwrap()).collect();
        assert_eq!(
            keys[..9],
            ["type", "severity", "code", "file", "line", "column", "id", "message", "help"]
        );
    }

    #[test]
    fn github_commands_escape_data_and_properties() {
        let text = report().to_github_commands();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=data/a%2Cb%3Ac.yaml,line=31,col=16,title=accountable-count::activity BKP-OPS-02: \
             2 parties hold 'A': 100%25 sure%0Areally%0Ahelp: keep one"
        );
        assert_eq!(lines[1], "::warning file=data/a%2Cb%3Ac.yaml,title=rules-override::legend: overrides");
        assert_eq!(lines.len(), 2);
    }
}
