//! Reading matrix files: size cap, YAML parsing with budgets, validation.
//!
//! [`load`] is the only way to obtain a [`Matrix`]. It reads the file (never
//! more than [`MAX_FILE_BYTES`]), parses it with serde-saphyr under a budget
//! that refuses alias bombs and deep nesting quickly, and then runs every
//! rule of `matrix-format.md`, collecting all findings in one [`Report`].

mod raw;
pub mod schema;
mod split;
pub mod validate;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic, Report};
use crate::model::{Matrix, Source};

/// Largest matrix file accepted (16 MiB, matrix-format.md).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Deepest nesting of YAML collections accepted.
pub const MAX_DEPTH: usize = 64;
/// Most YAML events replayed from aliases: plenty for shared texts, far too
/// few for a "billion laughs" file, which is refused after a few milliseconds.
/// Merge keys (`<<: *a`) buffer what they replay, a few hundred bytes per
/// event, so this cap also bounds memory: 10 000 events stay within a few MiB.
pub const MAX_ALIAS_EVENTS: usize = 10_000;

/// A matrix that passed every rule, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The validated matrix.
    pub matrix: Matrix,
    /// Warnings only (e.g. per-activity rule overrides); may be empty.
    pub report: Report,
}

/// Loads and validates one matrix file.
///
/// # Errors
/// A [`Report`] holding every error found (and any warnings), when the file
/// cannot be read, is too large, is not valid YAML of the expected shape, or
/// breaks a rule.
pub fn load(path: &Path) -> Result<Loaded, Report> {
    load_on(path, 2)
}

/// [`load`] on at most `threads` threads: a large file is parsed in two
/// halves at once when `threads` is 2 or more (see `split`); the result is
/// the same either way.
///
/// # Errors
/// As [`load`].
pub fn load_on(path: &Path, threads: usize) -> Result<Loaded, Report> {
    match read_capped(path) {
        Ok(bytes) => load_bytes(path, bytes, threads),
        Err(d) => {
            let mut report = Report::new(path);
            report.push(d);
            Err(report)
        }
    }
}

/// Loads and validates a matrix read from `reader` (standard input, say),
/// reading at most [`MAX_FILE_BYTES`] and one byte more. `name` stands for
/// the input in every message and in [`Source`] (`<stdin>`).
///
/// # Errors
/// As [`load`]; a read error is a `read` diagnostic.
pub fn load_reader(name: &Path, reader: impl Read, threads: usize) -> Result<Loaded, Report> {
    let mut bytes = Vec::new();
    if let Err(e) = reader.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
        let mut report = Report::new(name);
        report.push(
            Diagnostic::error(Code::Read, None, format!("cannot read the input: {e}"))
                .subject("file")
                .help("check that the input is readable"),
        );
        return Err(report);
    }
    load_bytes(name, bytes, threads)
}

/// Loads and validates a matrix from its bytes, on at most `threads` threads
/// (as [`load_on`]). `name` stands for the bytes in every message and in
/// [`Source`]: a path, or `<stdin>`. The SHA-256 is that of `bytes`.
///
/// # Errors
/// As [`load`]: more than [`MAX_FILE_BYTES`] is `file-too-large`.
pub fn load_bytes(name: &Path, bytes: Vec<u8>, threads: usize) -> Result<Loaded, Report> {
    let mut report = Report::new(name);
    if bytes.len() as u64 > MAX_FILE_BYTES {
        report.push(too_large(bytes.len() as u64));
        return Err(report);
    }
    let sha256 = crate::fingerprint::sha256_hex(&bytes);
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, col) = place_of_bad_utf8(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
            report.push(
                Diagnostic::error(Code::Encoding, Some((line, col)), "the file is not valid UTF-8 text")
                    .subject("file")
                    .help(
                        "save the file as UTF-8 (most editors offer this under \"Save as\" / \"Encoding\")",
                    ),
            );
            return Err(report);
        }
    };
    validate_text(name, text, sha256, threads)
}

/// Loads and validates a matrix given as text, as if read from `path`: what
/// `import` uses to check the file it is about to write.
///
/// # Errors
/// As [`load`].
pub fn load_text(path: &Path, text: String) -> Result<Loaded, Report> {
    let sha256 = crate::fingerprint::sha256_hex(text.as_bytes());
    validate_text(path, text, sha256, 1)
}

fn validate_text(name: &Path, text: String, sha256: String, threads: usize) -> Result<Loaded, Report> {
    let mut report = Report::new(name);
    report.source = Some(text);
    let text = report.source.as_deref().unwrap_or_default();
    let raw = match parse_matrix(text, threads) {
        Ok(r) => r,
        Err(mut d) => {
            if let Some(id) = d.line.and_then(|l| nearest_id(text, l, d.column.unwrap_or(u64::MAX))) {
                d = d.about("near id", id);
            }
            report.push(d);
            return Err(report);
        }
    };
    let source = Source {
        path: name.to_path_buf(),
        file_name: name.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        sha256,
        text: std::sync::Arc::from(""),
    };
    match validate::validate(raw, source, &mut report) {
        Some(mut matrix) => {
            // The text moves into the matrix; a report that will quote it keeps a copy.
            let text = report.source.take().unwrap_or_default();
            if !report.diagnostics.is_empty() {
                report.source = Some(text.clone());
            }
            matrix.source.text = std::sync::Arc::from(text);
            Ok(Loaded { matrix, report })
        }
        None => Err(report),
    }
}

/// (line, column) just after `valid`, the UTF-8 prefix of a file before its first bad
/// byte. The column counts characters, as the parser's columns and editors do, not bytes.
pub(crate) fn place_of_bad_utf8(valid: &[u8]) -> (u64, u64) {
    let line = 1 + valid.iter().filter(|&&b| b == b'\n').count() as u64;
    let start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let chars = std::str::from_utf8(&valid[start..]).map_or(0, |s| s.chars().count());
    (line, 1 + chars as u64)
}

/// Reads at most [`MAX_FILE_BYTES`]; a larger file is refused before any parsing.
#[allow(clippy::result_large_err, reason = "called once per file; the diagnostic is the point")]
fn read_capped(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let file = File::open(path).map_err(|e| {
        Diagnostic::error(Code::Read, None, format!("cannot open the file: {e}"))
            .subject("file")
            .help("check the path and that you may read the file")
    })?;
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(Diagnostic::error(Code::Read, None, "this is a folder, not a matrix file")
                .subject("file")
                .help("name a .yaml file, or a folder of them with --data"));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_large(meta.len()));
        }
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| {
        Diagnostic::error(Code::Read, None, format!("cannot read the file: {e}"))
            .subject("file")
            .help("check that the file is readable")
    })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The `file-too-large` error for `size` bytes (at least, for a stream cut off one byte past the limit).
fn too_large(size: u64) -> Diagnostic {
    let size = if size == MAX_FILE_BYTES + 1 {
        "more than 16 MiB".to_string()
    } else {
        format!("{:.1} MiB", size as f64 / 1_048_576.0)
    };
    Diagnostic::error(Code::FileTooLarge, None, format!("the file is {size}; a matrix may be at most 16 MiB"))
        .subject("file")
        .help("split the matrix into several files (one per service offer), or shorten it")
}

/// The value of the closest `id:` at or above `line` whose key starts at or
/// left of `column`: structural errors carry no id of their own, and a person
/// finds the place faster by its id. An `id:` indented deeper than the error
/// belongs to a nested item (a top-level field missing is not "near" the last
/// party), so it is skipped.
fn nearest_id(text: &str, line: u64, column: u64) -> Option<String> {
    let upto = usize::try_from(line).ok()?;
    text.lines().take(upto).collect::<Vec<_>>().iter().rev().find_map(|l| {
        let t = l.trim_start().trim_start_matches("- ").trim_start();
        let key_column = 1 + (l.len() - t.len()) as u64;
        let v = t.strip_prefix("id:")?;
        // A trailing `# comment` is not part of the id.
        let v = v.split(" #").next().unwrap_or(v).trim().trim_matches(['"', '\'']);
        (!v.is_empty() && key_column <= column).then(|| v.to_string())
    })
}

/// Parses a matrix file: a large one in two halves on two threads when it
/// qualifies (see [`split`]), else, or when a half fails, in one piece.
#[allow(clippy::result_large_err, reason = "called once per file; the diagnostic is the point")]
fn parse_matrix(text: &str, threads: usize) -> Result<raw::RawMatrix, Diagnostic> {
    // Only cut when there is a second thread: finding the cut reads the whole file.
    if let Some((cut, tail)) = (threads >= 2).then(|| split::halves(text)).flatten() {
        let (head, rest) = std::thread::scope(|s| {
            let rest = s.spawn(|| parse::<split::Tail>(&tail));
            (parse::<raw::RawMatrix>(&text[..cut]), rest.join())
        });
        if let (Ok(mut head), Ok(Ok(rest))) = (head, rest) {
            head.phases.value.extend(rest.phases.value);
            return Ok(head);
        }
    }
    parse::<raw::RawMatrix>(text)
}

/// Parses YAML text under the budget, mapping parser errors to diagnostics.
#[allow(clippy::result_large_err, reason = "called once per file; the diagnostic is the point")]
pub(crate) fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Diagnostic> {
    let mut options = serde_saphyr::Options::default();
    options.budget = serde_saphyr::budget! {
        max_depth: MAX_DEPTH,
        max_events: 20_000_000,
        max_nodes: 10_000_000,
        max_aliases: 10_000,
        max_anchors: 10_000,
    };
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.alias_limits.max_total_replayed_events = MAX_ALIAS_EVENTS;
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|e| yaml_diagnostic(&e, text))
}

/// Turns a serde-saphyr error into a plain-words diagnostic with its location.
fn yaml_diagnostic(e: &serde_saphyr::Error, text: &str) -> Diagnostic {
    let at = e.location().filter(|l| l.line() > 0).map(|l| (l.line(), l.column()));
    let mut opts = serde_saphyr::RenderOptions::default();
    opts.formatter = &serde_saphyr::UserMessageFormatter;
    opts.snippets = serde_saphyr::SnippetMode::Off;
    let full = e.render_with_options(opts);
    let msg = strip_location(full.trim());
    let lower = msg.to_lowercase();
    // The scanner's own messages ("simple key expected ':'") mention "expected"
    // too; they are syntax errors whatever they say. A scalar that does not
    // parse as the field's type ("invalid i64" for `schema: one`) is a type error.
    let mut inner = e;
    while let serde_saphyr::Error::WithSnippet { error, .. } | serde_saphyr::Error::AliasError { error, .. } =
        inner
    {
        inner = error;
    }
    let scanner = matches!(inner, serde_saphyr::Error::ExternalMessage { source, .. }
        if matches!(**source, serde_saphyr::ExternalMessageSource::Parser(_)));
    let bad_scalar = matches!(inner, serde_saphyr::Error::InvalidScalar { .. });
    let (code, help) = if lower.contains("duplicate") {
        (Code::DuplicateKey, "a key appears twice in the same block; keep one of them (the other is probably a copy-paste slip)".to_string())
    } else if lower.contains("unknown field") || lower.contains("unknown variant") {
        (
            Code::UnknownField,
            format!(
                "check the spelling of the field name; the allowed fields are listed in docs/matrix-format.md{}",
                expected_hint(&msg)
            ),
        )
    } else if lower.contains("missing field") || lower.contains("missing required") {
        (
            Code::MissingField,
            "add the missing field; docs/matrix-format.md lists the required fields".to_string(),
        )
    } else if lower.contains("depth") || lower.contains("nesting") {
        (Code::TooDeep, format!("the file nests deeper than {MAX_DEPTH} levels; a matrix needs at most 7"))
    } else if lower.contains("alias")
        || lower.contains("budget")
        || lower.contains("anchor")
        || lower.contains("replay")
    {
        (Code::AliasBudget, "the file uses YAML aliases (*name) that expand to far more data than a matrix holds; write the texts out instead of expanding aliases".to_string())
    } else if !scanner
        && (bad_scalar
            || lower.contains("invalid type")
            || lower.contains("expected") && !lower.contains("while"))
    {
        (Code::WrongType, "the value has the wrong kind here (e.g. a list where a text is expected); compare with docs/matrix-format.md".to_string())
    } else {
        (Code::YamlSyntax, "fix the YAML syntax at this place (indentation, a missing colon or an unclosed quote are the usual causes)".to_string())
    };
    // Say it in the reader's words where the parser's are technical.
    let msg = match code {
        Code::TooDeep => format!("the file nests lists and blocks deeper than {MAX_DEPTH} levels ({msg})"),
        Code::AliasBudget => format!(
            "the YAML aliases (*name) of this file expand to more than {MAX_ALIAS_EVENTS} parse events ({msg})"
        ),
        Code::WrongType => match at.and_then(|(l, c)| key_at(text, l, c)) {
            Some(key) => format!("the value of `{key}` has the wrong kind: {msg}"),
            None => msg,
        },
        _ => msg,
    };
    Diagnostic::error(code, at, msg).subject("file").help(help)
}

/// The mapping key whose value starts at (line, column), e.g. `schema` for
/// `schema: [1]`, so that a type error can name the field.
fn key_at(text: &str, line: u64, column: u64) -> Option<String> {
    let l = text.lines().nth(usize::try_from(line.checked_sub(1)?).ok()?)?;
    let before: String = l.chars().take(usize::try_from(column.saturating_sub(1)).ok()?).collect();
    let key = before.trim_end().strip_suffix(':')?.trim().trim_start_matches("- ").trim();
    let key = key.rsplit(['{', ',']).next()?.trim().trim_matches(['"', '\'']);
    (!key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
        .then(|| key.to_string())
}

/// Drops a trailing " at line X column Y" that the parser adds: we print the place ourselves.
fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains("column") => msg[..i].trim_end_matches([',', ' ']).to_string(),
        _ => msg.to_string(),
    }
}

fn expected_hint(msg: &str) -> String {
    msg.find("expected").map(|i| format!(" ({})", msg[i..].trim_end_matches('.'))).unwrap_or_default()
}

/// Expands the `--data` / `validate` arguments: a file stands for itself, a
/// folder for every `*.yaml` / `*.yml` file directly in it, sorted by name.
///
/// # Errors
/// A report naming the path that does not exist or cannot be listed.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Report> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| {
                let mut r = Report::new(p);
                r.push(
                    Diagnostic::error(Code::Read, None, format!("cannot list the folder: {e}"))
                        .subject("folder"),
                );
                r
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|f| {
                    f.is_file() && matches!(f.extension().and_then(|x| x.to_str()), Some("yaml" | "yml"))
                })
                .collect();
            files.sort();
            if files.is_empty() {
                let mut r = Report::new(p);
                r.push(
                    Diagnostic::error(Code::Read, None, "the folder holds no .yaml or .yml file")
                        .subject("folder")
                        .help("put matrix files in it, or name a file directly"),
                );
                return Err(r);
            }
            out.extend(files);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            let mut r = Report::new(p);
            r.push(
                Diagnostic::error(Code::Read, None, "no such file or folder")
                    .subject("file")
                    .help("check the path; without arguments the tool reads data/"),
            );
            return Err(r);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_billion_laughs_quickly_even_where_any_value_is_accepted() {
        let mut s = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        let mut prev = 'a';
        for n in "bcdefghi".chars() {
            s.push_str(&format!("{n}: &{n} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
            prev = n;
        }
        let start = std::time::Instant::now();
        let d = parse::<serde::de::IgnoredAny>(&s).unwrap_err();
        assert_eq!(d.code, Code::AliasBudget, "{d:?}");
        assert!(start.elapsed().as_secs_f32() < 1.0);
    }

    #[test]
    fn refuses_nesting_deeper_than_the_budget() {
        let s = format!("x: {}{}\n", "[".repeat(MAX_DEPTH + 10), "]".repeat(MAX_DEPTH + 10));
        assert_eq!(parse::<serde::de::IgnoredAny>(&s).unwrap_err().code, Code::TooDeep);
    }

    #[test]
    fn names_the_key_of_a_value() {
        assert_eq!(key_at("schema: [1]\n", 1, 9).as_deref(), Some("schema"));
        assert_eq!(key_at("  - {id: x, text: [a]}\n", 1, 19).as_deref(), Some("text"));
        assert_eq!(key_at("- [a]\n", 1, 3), None);
    }

    #[test]
    fn names_the_nearest_id_above_a_line() {
        let t = "phases:\n  - id: a\n    activities:\n      - id: \"X-1\"\n        txt: 1\n";
        assert_eq!(nearest_id(t, 5, 9).as_deref(), Some("X-1"));
        assert_eq!(nearest_id(t, 1, 1), None);
    }

    #[test]
    fn leaves_a_trailing_comment_out_of_the_nearest_id() {
        let t = "  - id: X-1  # added in 1.1\n    txt: 1\n";
        assert_eq!(nearest_id(t, 2, 5).as_deref(), Some("X-1"));
        assert_eq!(nearest_id("  - id: \"X-2\" # c\n", 1, 5).as_deref(), Some("X-2"));
    }

    #[test]
    fn skips_ids_of_nested_items_deeper_than_the_error() {
        // A top-level field missing is reported at a column-1 key: the party id above is not "near" it.
        let t = "id: m\nparties:\n  - id: provider\nphases:\n";
        assert_eq!(nearest_id(t, 4, 1).as_deref(), Some("m"));
        // A field of a subphase is nearer its subphase than the subphase's last activity.
        let t = "  - id: sub\n    activities:\n      - id: A-1\n    extra: 1\n";
        assert_eq!(nearest_id(t, 4, 5).as_deref(), Some("sub"));
    }

    #[test]
    fn classifies_a_non_number_schema_as_wrong_type() {
        #[derive(Debug, serde::Deserialize)]
        struct S {
            #[allow(dead_code, reason = "only the error matters")]
            schema: i64,
        }
        assert_eq!(parse::<S>("schema: one\n").unwrap_err().code, Code::WrongType);
    }

    #[test]
    fn classifies_a_scanner_error_mentioning_expected_as_syntax() {
        let d = parse::<serde::de::IgnoredAny>("a:\n  b: 1\n  c 2\n  d: 3\n").unwrap_err();
        assert_eq!(d.code, Code::YamlSyntax, "{d:?}");
    }

    #[test]
    fn refuses_a_merge_key_bomb_before_it_buffers_much() {
        // Merge keys buffer every replayed entry; 4 levels of 9 replay ~60 000 events (tens of MiB).
        let mut s = String::from("m:\n  <<:\n    - &a {k: v, l: w}\n");
        let mut prev = 'a';
        for n in "bcde".chars() {
            s.push_str(&format!("    - &{n} {{<<: [{}]}}\n", vec![format!("*{prev}"); 9].join(", ")));
            prev = n;
        }
        let d = parse::<std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>>(&s)
            .unwrap_err();
        assert_eq!(d.code, Code::AliasBudget, "{d:?}");
    }

    #[test]
    fn places_a_bad_utf8_byte_by_line_and_character_column() {
        // "clés d’" is 7 characters but 10 bytes: the column must count characters.
        assert_eq!(place_of_bad_utf8("a: 1\nx: clés d’".as_bytes()), (2, 11));
        assert_eq!(place_of_bad_utf8(b""), (1, 1));
        assert_eq!(place_of_bad_utf8(b"a\n"), (2, 1));
    }

    #[test]
    fn strips_the_parsers_own_location_suffix() {
        assert_eq!(strip_location("invalid u32 at line 3 column 4"), "invalid u32");
        assert_eq!(strip_location("no place here"), "no place here");
    }
}
