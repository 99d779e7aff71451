//! `raci-annex import`: the documentation pages of one matrix (one Markdown
//! page per language) in, one canonical matrix file out, with a drift report
//! of every translated role cell that disagrees with the source page
//! (`../shared/spec/import.md`, docs/import.md).
//!
//! The pipeline: read every page ([`markdown`] parses, [`page`] gives the
//! blocks their meaning), build one [`draft::Draft`] from the source page's
//! structure and codes and every page's texts ([`align`], with [`ids`] and
//! [`cells`]), write it as YAML ([`yaml`]), then load that text with the
//! crate's own loader: a result that would not pass `validate` is never
//! written. Nothing touches the file system until every check has passed;
//! [`write()`] then puts the files in place, each under a temporary name first.

pub mod align;
mod cells;
mod draft;
mod ids;
mod markdown;
mod page;
pub(crate) mod yaml;

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use align::Drift;
pub use ids::is_matrix_id;

use crate::diag::{Code, Diagnostic, Report};
use crate::model::{Date, Lang};

/// Largest page read (the matrix file's limit).
pub const MAX_PAGE_BYTES: u64 = crate::load::MAX_FILE_BYTES;

/// What `import` was asked to do, as typed (checked by [`import`]).
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// `--page LANG=FILE`, in order.
    pub pages: Vec<String>,
    /// `--id`.
    pub id: String,
    /// `--source-language`.
    pub source_language: Option<String>,
    /// `--version`.
    pub version: Option<String>,
    /// `--date`.
    pub date: Option<String>,
    /// `--ids-from`.
    pub ids_from: Option<PathBuf>,
    /// `--out` (standard output when `None`).
    pub out: Option<PathBuf>,
    /// `--drift`.
    pub drift: Option<PathBuf>,
}

/// Why an import failed; each kind is one exit status of the spec.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The command line is wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A page or the `--ids-from` matrix cannot be used (exit 1); nothing was written.
    #[error("invalid input")]
    Invalid(Vec<Report>),
    /// The output files could not be written (exit 3).
    #[error("{0}")]
    Output(String),
}

/// A finished import, in memory.
#[derive(Debug)]
pub struct Imported {
    /// The matrix file.
    pub yaml: String,
    /// The drift report (`--drift`), as JSON.
    pub drift_json: String,
    /// Every drift cell.
    pub drift: Vec<Drift>,
    /// One `warning[role-drift]: …` line per drift cell.
    pub drift_lines: Vec<String>,
    /// Warnings per page (and about the run), to print.
    pub warnings: Vec<Report>,
    /// The matrix as the loader reads it back: the proof it is valid.
    pub matrix: crate::model::Matrix,
}

/// Runs the import in memory: reads and checks everything, writes nothing.
///
/// # Errors
/// [`ImportError::Usage`] for a malformed option, [`ImportError::Invalid`]
/// with every report for a page or an `--ids-from` file that cannot be used.
pub fn import(opts: &ImportOptions) -> Result<Imported, ImportError> {
    let usage = ImportError::Usage;
    if !ids::is_matrix_id(&opts.id) {
        return Err(usage(format!(
            "--id '{}' is not a matrix id: use at most 64 lowercase letters, digits and hyphens, starting with a letter or digit (e.g. network-vpc)",
            opts.id
        )));
    }
    let version = match &opts.version {
        Some(v) => {
            let v = v.trim();
            if v.is_empty()
                || v.chars().any(|c| {
                    c.is_control() || !crate::fonts::regular().covers(c) || !crate::fonts::bold().covers(c)
                })
            {
                return Err(usage(format!(
                    "--version '{v}' must be a non-empty text of printable characters the PDF fonts have, e.g. 1.0"
                )));
            }
            Some(v.to_owned())
        }
        None => None,
    };
    let date = match &opts.date {
        Some(d) => Some(Date::parse_iso(d.trim()).ok_or_else(|| {
            usage(format!(
                "--date '{d}' is not a real calendar date YYYY-MM-DD between 1900 and 9999, e.g. 2026-11-23"
            ))
        })?),
        None => None,
    };
    if opts.pages.is_empty() {
        return Err(usage("give at least one page: --page LANG=FILE (e.g. --page fr=raci.md)".into()));
    }
    let mut specs: Vec<(Lang, PathBuf)> = Vec::new();
    let mut errors: Vec<Report> = Vec::new();
    for p in &opts.pages {
        let Some((lang, file)) = p.split_once('=') else {
            return Err(usage(format!("--page '{p}' must be LANG=FILE, e.g. --page fr=docs/raci.md")));
        };
        let Some(lang) = Lang::parse(lang.trim()) else {
            return Err(usage(format!(
                "'{lang}' in --page '{p}' is not a language tag (two or three lowercase letters, e.g. fr)"
            )));
        };
        if file.is_empty() {
            return Err(usage(format!("--page '{p}' names no file after '='")));
        }
        let path = PathBuf::from(file);
        if let Some((_, first)) = specs.iter().find(|(l, _)| *l == lang) {
            let mut r = Report::new(&path);
            r.push(
                Diagnostic::error(
                    Code::DuplicateLanguage,
                    None,
                    format!("--page gives the language '{lang}' twice (also for {})", first.display()),
                )
                .subject("file")
                .help(format!("give one page per language: keep one of the two --page {lang}=… options")),
            );
            errors.push(r);
            continue;
        }
        specs.push((lang, path));
    }
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }
    let source = match &opts.source_language {
        None => 0,
        Some(s) => {
            let lang = Lang::parse(s.trim()).ok_or_else(|| {
                usage(format!(
                    "--source-language '{s}' is not a language tag (two or three lowercase letters)"
                ))
            })?;
            specs.iter().position(|(l, _)| *l == lang).ok_or_else(|| {
                usage(format!(
                    "--source-language {lang} names no page: give --page {lang}=FILE, or pick one of {}",
                    specs.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", ")
                ))
            })?
        }
    };
    if let Some(out) = &opts.out
        && out.exists()
        && !same_file(out, opts.ids_from.as_deref())
    {
        return Err(usage(format!(
            "--out {} exists; import does not overwrite a matrix file (unless it is the --ids-from file): remove it, or write elsewhere",
            out.display()
        )));
    }
    if let (Some(out), Some(drift)) = (&opts.out, &opts.drift)
        && (out == drift || same_file(drift, Some(out)))
    {
        return Err(usage("--out and --drift name the same file".into()));
    }

    // Read every page; report every page that cannot be read at once.
    let mut pages = Vec::new();
    let mut texts = Vec::new();
    for (lang, path) in &specs {
        match read_page(path) {
            Ok((text, page)) => {
                pages.push(align::PageIn { lang: lang.clone(), page });
                texts.push(text);
            }
            Err(r) => errors.push(r),
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }
    let earlier = match &opts.ids_from {
        None => None,
        Some(f) => {
            let loaded = crate::load::load(f).map_err(|r| ImportError::Invalid(vec![r]))?;
            let src_lang = &specs[source].0;
            match ids::Earlier::new(&loaded.matrix, src_lang) {
                Some(e) => Some(e),
                None => {
                    let mut r = Report::new(f);
                    r.push(
                        Diagnostic::error(
                            Code::IdsFrom,
                            None,
                            format!("the matrix has no '{src_lang}' texts, so its ids cannot be matched with the '{src_lang}' page"),
                        )
                        .subject("file")
                        .help("use --ids-from with a matrix in the source page's language, or pick that language with --source-language"),
                    );
                    return Err(ImportError::Invalid(vec![r]));
                }
            }
        }
    };
    let settings = align::Settings { id: opts.id.clone(), version, date, source };
    let assembled = align::assemble(&pages, &settings, earlier).map_err(|e| {
        let (path, text) = match e.page {
            Some(i) => (specs[i].1.clone(), Some(texts[i].clone())),
            None => (PathBuf::from(format!("matrix {}", opts.id)), None),
        };
        let mut r = Report::new(&path);
        r.source = text;
        r.push(
            Diagnostic::error(Code::Page, e.line.map(|l| (u64::from(l), 1)), e.message)
                .subject("page")
                .help(e.help),
        );
        ImportError::Invalid(vec![r])
    })?;
    let mut draft = assembled.draft;
    draft.imported_from = specs.iter().map(|(l, p)| format!("{l}={}", p.display())).collect();
    let yaml = yaml::write(&draft);

    // The proof: the crate's own loader accepts the file.
    let out_name = opts.out.clone().unwrap_or_else(|| PathBuf::from(format!("{}.yaml", opts.id)));
    let matrix = match crate::load::load_text(&out_name, yaml.clone()) {
        Ok(l) => l.matrix,
        Err(r) => {
            let mut bug = Report::new(&out_name);
            bug.push(
                Diagnostic::error(
                    Code::Defect,
                    None,
                    "the matrix written from these pages does not load; this is a defect of raci-annex",
                )
                .subject("file")
                .help("please report it with the pages; the loader said what follows"),
            );
            return Err(ImportError::Invalid(vec![bug, r]));
        }
    };

    let mut warnings = Vec::new();
    for ((diags, (_, path)), text) in assembled.warnings.into_iter().zip(&specs).zip(&texts) {
        if diags.is_empty() {
            continue;
        }
        let mut r = Report::new(path);
        r.source = Some(text.clone());
        r.diagnostics = diags;
        warnings.push(r);
    }
    if !assembled.general.is_empty() {
        let mut r = Report::new(Path::new(&format!("matrix {}", opts.id)));
        r.diagnostics = assembled.general;
        warnings.push(r);
    }
    let src_lang = specs[source].0.clone();
    let drift_lines = assembled
        .drift
        .iter()
        .map(|d| {
            format!(
                "warning[{}]: {}:{}: language {}, activity {}, party {}: the page has '{}' where the {} page has '{}'",
                Code::RoleDrift,
                specs[d.page].1.display(),
                d.line,
                d.language,
                d.activity,
                d.party,
                d.page_cell,
                src_lang,
                d.source_cell
            )
        })
        .collect();
    let drift_json = drift_json(&opts.id, &src_lang, &assembled.drift);
    Ok(Imported { yaml, drift_json, drift: assembled.drift, drift_lines, warnings, matrix })
}

/// Writes the outputs: `--drift` first, then the matrix (to `--out` or
/// standard output), each file under a temporary name in its folder first
/// and renamed into place, so that no half-written file is ever seen.
///
/// # Errors
/// [`ImportError::Output`] naming the file that could not be written.
pub fn write(opts: &ImportOptions, imported: &Imported) -> Result<(), ImportError> {
    let mut staged = Vec::new();
    if let Some(d) = &opts.drift {
        staged.push((stage(d, imported.drift_json.as_bytes())?, d.clone()));
    }
    if let Some(o) = &opts.out {
        staged.push((stage(o, imported.yaml.as_bytes())?, o.clone()));
    }
    for (tmp, dest) in staged {
        tmp.persist(&dest)
            .map_err(|e| ImportError::Output(format!("cannot write {}: {}", dest.display(), e.error)))?;
    }
    if opts.out.is_none() {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(imported.yaml.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| ImportError::Output(format!("cannot write the matrix to standard output: {e}")))?;
    }
    Ok(())
}

fn stage(dest: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, ImportError> {
    use std::io::Write;
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |e: std::io::Error| ImportError::Output(format!("cannot write {}: {e}", dest.display()));
    let mut tmp = tempfile::Builder::new().prefix(".raci-import-").tempfile_in(&dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    Ok(tmp)
}

/// Whether `a` and `b` are the same existing file.
fn same_file(a: &Path, b: Option<&Path>) -> bool {
    let Some(b) = b else { return false };
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Reads one page: at most [`MAX_PAGE_BYTES`], UTF-8 (a BOM is dropped), then
/// the page structure.
fn read_page(path: &Path) -> Result<(String, page::Page), Report> {
    let mut r = Report::new(path);
    let fail = |r: &mut Report, code: Code, at: Option<(u64, u64)>, msg: String, help: &str| {
        r.push(Diagnostic::error(code, at, msg).subject("page").help(help));
    };
    let bytes = match std::fs::File::open(path) {
        Err(e) => {
            fail(
                &mut r,
                Code::Read,
                None,
                format!("cannot open the page: {e}"),
                "check the path after --page LANG= and that you may read the file",
            );
            return Err(r);
        }
        Ok(f) => {
            if f.metadata().is_ok_and(|m| m.is_dir()) {
                fail(
                    &mut r,
                    Code::Read,
                    None,
                    "this is a folder, not a page".into(),
                    "name the Markdown file of the page",
                );
                return Err(r);
            }
            let mut bytes = Vec::new();
            if let Err(e) = f.take(MAX_PAGE_BYTES + 1).read_to_end(&mut bytes) {
                fail(
                    &mut r,
                    Code::Read,
                    None,
                    format!("cannot read the page: {e}"),
                    "check that the file is readable",
                );
                return Err(r);
            }
            bytes
        }
    };
    if bytes.len() as u64 > MAX_PAGE_BYTES {
        fail(
            &mut r,
            Code::FileTooLarge,
            None,
            "the page is over 16 MiB".into(),
            "a RACI page is a few kilobytes: check that this is the right file",
        );
        return Err(r);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = crate::load::place_of_bad_utf8(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
            fail(
                &mut r,
                Code::Encoding,
                Some(at),
                "the page is not valid UTF-8 text".into(),
                "save the page as UTF-8 (most editors offer this under \"Save as\" / \"Encoding\")",
            );
            return Err(r);
        }
    };
    let text = text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text);
    match page::read(&text) {
        Ok(p) => Ok((text, p)),
        Err(e) => {
            r.source = Some(text);
            let code = if e.message.contains("no role table") { Code::NoRoleTable } else { Code::Page };
            fail(&mut r, code, e.line.map(|l| (u64::from(l), 1)), e.message, &e.help);
            Err(r)
        }
    }
}

/// The drift report of the spec, one drift cell per line.
fn drift_json(matrix: &str, source: &Lang, drift: &[Drift]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{{\"matrix\": {}, \"source_language\": {},\n \"drift\": [",
        json(matrix),
        json(source.as_str())
    );
    for (i, d) in drift.iter().enumerate() {
        let _ = write!(
            s,
            "{}\n  {{\"language\": {}, \"activity\": {}, \"party\": {}, \"page_cell\": {}, \"source_cell\": {}}}",
            if i > 0 { "," } else { "" },
            json(&d.language),
            json(&d.activity),
            json(&d.party),
            json(&d.page_cell),
            json(&d.source_cell)
        );
    }
    if !drift.is_empty() {
        s.push_str("\n ");
    }
    s.push_str("]}\n");
    s
}

/// A JSON string literal.
fn json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
