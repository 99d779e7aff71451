//! The `raci-annex` binary: parses the command line, runs the library, and
//! reports once, at the edge, with the exit status of cli.md
//! (0 ok, 1 invalid input, 2 usage, 3 outputs not writable; `import
//! --strict` also 4: drift).

mod authoring;
mod cli;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use raci_annex::model::Lang;
use raci_annex::render::{Format, RenderOptions};
use raci_annex::{Failure, GenerateOptions};

use cli::{Cli, Command, DiffArgs, GenerateArgs, ImportArgs, MessageFormat};

// mimalloc instead of glibc's malloc: loading a large matrix frees a parse
// tree of up to ~200 MB that glibc keeps in the main arena while the render
// threads grow arenas of their own (35,000 activities: 419 MB peak); mimalloc
// reuses and returns it, and is faster on this allocation-heavy work.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // rust_xlsxwriter panics when a write to a sheet's scratch file fails
    // (a full disk, a size limit); the library reports that as an output
    // error (exit 3), so the hook prints nothing for it, and all else as before.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !raci_annex::render::xlsx::scratch::is_contained(info.payload()) {
            hook(info);
        }
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Validate(a) => validate(&a.paths, a.message_format),
        Command::Generate(a) => generate(a),
        Command::Import(a) => import(a),
        Command::Diff(a) => diff(a),
        Command::Schema => authoring::schema(),
        Command::Completions(a) => authoring::completions(a.shell),
        Command::Manpage => authoring::manpage(),
    }
}

/// Reports progress on standard error: a progress bar (files of the whole
/// run, and the last matrix, language and format) once a run has taken more
/// than a second and standard error is a terminal; otherwise one plain line
/// per file (`wrote` or `unchanged`); nothing with --quiet but the one line
/// saying that the run waits for another (a silent wait looks like a hang).
struct Reporter {
    quiet: bool,
    tty: bool,
    start: std::time::Instant,
    bar: std::sync::OnceLock<indicatif::ProgressBar>,
}

impl Reporter {
    fn new(quiet: bool) -> Reporter {
        use std::io::IsTerminal;
        Reporter {
            quiet,
            tty: std::io::stderr().is_terminal(),
            start: std::time::Instant::now(),
            bar: std::sync::OnceLock::new(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

impl Reporter {
    fn line(&self, text: String) {
        match self.bar.get() {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }
}

impl raci_annex::Progress for Reporter {
    fn waiting(&self, lock: &Path) {
        eprintln!(
            "waiting for another raci-annex run to finish writing into {} (it holds {})",
            lock.parent().unwrap_or(lock).display(),
            lock.display()
        );
    }

    fn recovered(&self, dir: &Path, files: usize) {
        if !self.quiet {
            self.line(format!(
                "finished the commit of an interrupted earlier run in {}: {files} file(s) renamed into place",
                dir.display()
            ));
        }
    }

    fn job_done(&self, matrix: &str, lang: &Lang, format: Format, done: usize, total: usize) {
        if self.quiet || !self.tty || (self.bar.get().is_none() && self.start.elapsed().as_secs_f32() < 1.0) {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let bar = indicatif::ProgressBar::new(total as u64).with_elapsed(self.start.elapsed());
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        bar.set_position(done as u64);
        bar.set_message(format!("{matrix}-{lang}.{format}"));
    }

    fn file_written(&self, path: &Path, size: u64) {
        if !self.quiet {
            self.line(format!("wrote {} ({size} bytes)", path.display()));
        }
    }

    fn file_unchanged(&self, path: &Path, size: u64) {
        if !self.quiet {
            self.line(format!("unchanged {} ({size} bytes)", path.display()));
        }
    }
}

/// `--csv-delimiter`: one ASCII character other than `"` and line breaks.
fn csv_delimiter(d: &str) -> Result<u8, String> {
    match d.as_bytes() {
        [b] if b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r') => Ok(*b),
        _ => Err(format!(
            "--csv-delimiter must be one ASCII character other than '\"' and line breaks, not '{d}'"
        )),
    }
}

/// `--format`: known names, in [`Format::ALL`] order, each once.
fn formats(names: &[String]) -> Result<Vec<Format>, String> {
    let mut formats = Vec::new();
    for f in names {
        match Format::from_name(f.trim()) {
            Some(format) => formats.push(format),
            None => {
                return Err(format!(
                    "unknown format '{f}' in --format; use a comma-separated subset of pdf,xlsx,csv,md (default pdf,xlsx,csv)"
                ));
            }
        }
    }
    formats.sort();
    formats.dedup();
    Ok(formats)
}

/// `--lang`: language tags, each once, in the order given.
fn langs(tags: Option<&[String]>) -> Result<Option<Vec<Lang>>, String> {
    let Some(tags) = tags else { return Ok(None) };
    let mut out: Vec<Lang> = Vec::new();
    for l in tags {
        match Lang::parse(l.trim()) {
            Some(l) if !out.contains(&l) => out.push(l),
            Some(_) => {}
            None => {
                return Err(format!(
                    "'{l}' in --lang is not a language tag (two or three lowercase letters, e.g. de)"
                ));
            }
        }
    }
    Ok(Some(out))
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}\n\nFor more information, try '--help'.");
    ExitCode::from(2)
}

fn print_reports(reports: &[raci_annex::diag::Report]) {
    let mut err = std::io::stderr().lock();
    for r in reports {
        let _ = err.write_all(r.render().as_bytes());
    }
}

fn validate(paths: &[PathBuf], format: MessageFormat) -> ExitCode {
    // Human: findings on stderr, `ok:` on stdout, `invalid:` on stderr. JSON:
    // only JSON lines, on stdout. GitHub: workflow commands on stdout instead
    // of the human findings, the same ok/invalid lines.
    let show = |r: &raci_annex::diag::Report| match format {
        MessageFormat::Human => print_reports(std::slice::from_ref(r)),
        MessageFormat::Json => print!("{}", r.to_json_lines()),
        MessageFormat::Github => print!("{}", r.to_github_commands()),
    };
    let human = format != MessageFormat::Json;
    let paths = if paths.is_empty() { vec![PathBuf::from("data")] } else { paths.to_vec() };
    let files = match raci_annex::load::discover(&paths) {
        Ok(f) => f,
        Err(r) => {
            show(&r);
            return ExitCode::from(1);
        }
    };
    let mut failed = 0;
    for f in &files {
        match raci_annex::load::load(f) {
            Ok(l) => {
                show(&l.report);
                let m = &l.matrix;
                if human {
                    println!(
                        "ok: {}: {} phases, {} activities, {} languages",
                        f.display(),
                        m.phases.len(),
                        m.activity_count(),
                        m.languages.len()
                    );
                }
            }
            Err(r) => {
                failed += 1;
                show(&r);
                if human {
                    eprintln!("invalid: {}: {} error(s)", f.display(), r.error_count());
                }
            }
        }
    }
    ExitCode::from(if failed > 0 { 1 } else { 0 })
}

fn generate(a: GenerateArgs) -> ExitCode {
    let delimiter = match csv_delimiter(&a.csv_delimiter) {
        Ok(d) => d,
        Err(msg) => return usage(&msg),
    };
    let formats = match formats(&a.format) {
        Ok(f) => f,
        Err(msg) => return usage(&msg),
    };
    let langs = match langs(a.lang.as_deref()) {
        Ok(l) => l,
        Err(msg) => return usage(&msg),
    };
    let templates =
        a.templates.clone().or_else(|| Path::new("templates").is_dir().then(|| PathBuf::from("templates")));
    let opts = GenerateOptions {
        data: a.data,
        out: a.out,
        langs,
        formats,
        templates,
        render: RenderOptions {
            csv_delimiter: delimiter,
            csv_bom: a.csv_bom,
            attach_source: a.attach_source,
            ..RenderOptions::new(raci_annex::TOOL)
        },
        jobs: a.jobs,
        wait: !a.no_wait,
    };
    let quiet = a.quiet;
    let progress = Reporter::new(quiet);
    match raci_annex::generate(&opts, &progress) {
        Ok(summary) => {
            progress.finish();
            if !quiet {
                print_reports(&summary.warnings);
            }
            ExitCode::SUCCESS
        }
        Err(e) => failure(e),
    }
}

/// Reports why a run wrote nothing, with its exit status (1 input or defect, 3 output).
fn failure(e: Failure) -> ExitCode {
    match e {
        Failure::Invalid(reports) => {
            print_reports(&reports);
            eprintln!("nothing was written: fix the errors above and run again");
            ExitCode::from(1)
        }
        Failure::Render(e) => {
            eprintln!(
                "error: {e}\nnothing was written; this is a defect of raci-annex, please report it with the matrix file"
            );
            ExitCode::from(1)
        }
        Failure::Output(e) => {
            eprintln!("error: {e}\nthe files of earlier runs are unchanged");
            ExitCode::from(3)
        }
    }
}

fn import(a: ImportArgs) -> ExitCode {
    use raci_annex::import::{self, ImportError, ImportOptions};
    let opts = ImportOptions {
        pages: a.pages,
        id: a.id,
        source_language: a.source_language,
        version: a.version,
        date: a.date,
        ids_from: a.ids_from,
        out: a.out,
        drift: a.drift,
    };
    let imported = match import::import(&opts) {
        Ok(i) => i,
        Err(ImportError::Usage(msg)) => return usage(&msg),
        Err(ImportError::Invalid(reports)) => {
            print_reports(&reports);
            eprintln!("nothing was written: fix the errors above and run again");
            return ExitCode::from(1);
        }
        Err(ImportError::Output(msg)) => {
            eprintln!("error: {msg}");
            return ExitCode::from(3);
        }
    };
    if !a.quiet {
        print_reports(&imported.warnings);
        let mut err = std::io::stderr().lock();
        for l in &imported.drift_lines {
            let _ = writeln!(err, "{l}");
        }
    }
    if let Err(e) = import::write(&opts, &imported) {
        eprintln!("error: {e}\nnothing was written");
        return ExitCode::from(3);
    }
    if !a.quiet
        && let Some(out) = &opts.out
    {
        let m = &imported.matrix;
        eprintln!(
            "wrote {}: {} phases, {} activities, {} languages; {} drift cell(s)",
            out.display(),
            m.phases.len(),
            m.activity_count(),
            m.languages.len(),
            imported.drift.len()
        );
    }
    if a.strict && !imported.drift.is_empty() {
        return ExitCode::from(4);
    }
    ExitCode::SUCCESS
}

// ---------------------------------------------------------------------------
// `diff` (diff.md): two versions in, the changes out, exit 0/1/2/4.

/// Whether standard output gets colours: a terminal, and `NO_COLOR` unset
/// or empty (no-color.org); `CLICOLOR_FORCE` (set, not `0`) forces them
/// for a pager such as `less -R`. `NO_COLOR` wins.
fn stdout_colours() -> bool {
    use std::io::IsTerminal;
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && (set("CLICOLOR_FORCE") || std::io::stdout().is_terminal())
}

fn diff(a: DiffArgs) -> ExitCode {
    use raci_annex::diff::{self, Input};
    let (old, new) = (Input::from_arg(&a.old), Input::from_arg(&a.new));
    if old == Input::Stdin && new == Input::Stdin {
        return usage("OLD and NEW cannot both be '-': standard input can be read only once");
    }
    // The `--out` form's options, checked for form like generate's.
    let checked = a.csv_delimiter.as_deref().map_or(Ok(b','), csv_delimiter).and_then(|d| {
        let f = a.format.as_deref().map_or(Ok(Format::DEFAULT.to_vec()), formats)?;
        if f.contains(&Format::Md) {
            return Err(
                "diff --out writes the amendment annex as pdf, xlsx and csv; md is a format of generate"
                    .into(),
            );
        }
        Ok((d, f, langs(a.lang.as_deref())?))
    });
    let (delimiter, out_formats, out_langs) = match checked {
        Ok(c) => c,
        Err(msg) => return usage(&msg),
    };
    // The amendment annex renders after loading: load one version at a time
    // so that the run's peak stays that of one parse tree.
    let pair = match diff::load_pair(&old, &new, a.out.is_some()) {
        Ok(p) => p,
        Err(e) => {
            print_reports(e.reports());
            if let diff::PairError::Invalid(reports) = &e {
                for r in reports.iter().filter(|r| r.has_errors()) {
                    eprintln!("invalid: {}: {} error(s)", r.path.display(), r.error_count());
                }
            }
            return ExitCode::from(1);
        }
    };
    let changes = diff::compare(&pair.old.matrix, &pair.new.matrix);
    if let Some(out) = a.out {
        let opts = diff::AmendmentOptions {
            out,
            langs: out_langs,
            formats: out_formats,
            templates: a
                .templates
                .or_else(|| Path::new("templates").is_dir().then(|| PathBuf::from("templates"))),
            render: RenderOptions {
                csv_delimiter: delimiter,
                csv_bom: a.csv_bom,
                attach_source: a.attach_source,
                ..RenderOptions::new(raci_annex::TOOL)
            },
            jobs: None,
            wait: !a.no_wait,
        };
        return amendment(&pair, &changes, &opts, a.quiet, a.exit_code);
    }
    if !a.quiet {
        print_reports(std::slice::from_ref(&pair.old.report));
        print_reports(std::slice::from_ref(&pair.new.report));
        if let Some(w) = diff::version_warning(&pair, &changes) {
            print_reports(&[w]);
        }
        let text = if a.json {
            match diff::json(&pair.old.matrix, &pair.new.matrix, &changes) {
                Ok(j) => j,
                Err(e) => {
                    eprintln!(
                        "error: could not write the JSON: {e}; this is a defect of raci-annex, please report it"
                    );
                    return ExitCode::from(1);
                }
            }
        } else {
            diff::summary(&pair.new.matrix.id, &changes, stdout_colours())
        };
        // A closed pipe (`| head`) is not an error of the comparison.
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
    ExitCode::from(if a.exit_code && !changes.is_empty() { 4 } else { 0 })
}

/// `diff --out`: the warnings of both files, then the amendment annex written
/// (exit 0, or 4 with `--exit-code` when the versions differ), or why not (1, 3).
fn amendment(
    pair: &raci_annex::diff::Pair,
    changes: &raci_annex::diff::Changes,
    opts: &raci_annex::diff::AmendmentOptions,
    quiet: bool,
    exit_code: bool,
) -> ExitCode {
    use raci_annex::diff;
    if !quiet {
        print_reports(std::slice::from_ref(&pair.old.report));
        print_reports(std::slice::from_ref(&pair.new.report));
        if let Some(w) = diff::version_warning(pair, changes) {
            print_reports(&[w]);
        }
    }
    let progress = Reporter::new(quiet);
    let result = diff::write_amendment(pair, changes, opts, &progress);
    progress.finish();
    match result {
        Ok(summary) => {
            if !quiet {
                print_reports(&summary.warnings);
            }
        }
        Err(e) => return failure(e),
    }
    ExitCode::from(if exit_code && !changes.is_empty() { 4 } else { 0 })
}
