//! The `raci-annex` binary: parses the command line, runs the library, and
//! reports once, at the edge, with the exit status of cli.md
//! (0 ok, 1 invalid input, 2 usage, 3 outputs not writable).

mod cli;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use raci_annex::model::Lang;
use raci_annex::render::{self, RenderOptions};
use raci_annex::{Failure, GenerateOptions};

use cli::{Cli, Command, GenerateArgs};

// mimalloc instead of glibc's malloc: loading a large matrix frees a parse
// tree of up to ~200 MB that glibc keeps in the main arena while the render
// threads grow arenas of their own (35,000 activities: 419 MB peak); mimalloc
// reuses and returns it, and is faster on this allocation-heavy work.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Validate(a) => validate(&a.paths),
        Command::Generate(a) => generate(a),
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

    fn job_done(&self, matrix: &str, lang: &Lang, format: &str, done: usize, total: usize) {
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

fn validate(paths: &[PathBuf]) -> ExitCode {
    let paths = if paths.is_empty() { vec![PathBuf::from("data")] } else { paths.to_vec() };
    let files = match raci_annex::load::discover(&paths) {
        Ok(f) => f,
        Err(r) => {
            print_reports(&[r]);
            return ExitCode::from(1);
        }
    };
    let mut failed = 0;
    for f in &files {
        match raci_annex::load::load(f) {
            Ok(l) => {
                print_reports(&[l.report]);
                let m = &l.matrix;
                println!(
                    "ok: {}: {} phases, {} activities, {} languages",
                    f.display(),
                    m.phases.len(),
                    m.activity_count(),
                    m.languages.len()
                );
            }
            Err(r) => {
                failed += 1;
                print_reports(std::slice::from_ref(&r));
                eprintln!("invalid: {}: {} error(s)", f.display(), r.error_count());
            }
        }
    }
    ExitCode::from(if failed > 0 { 1 } else { 0 })
}

fn generate(a: GenerateArgs) -> ExitCode {
    let delimiter = match a.csv_delimiter.as_bytes() {
        [b] if b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r') => *b,
        _ => {
            return usage(&format!(
                "--csv-delimiter must be one ASCII character other than '\"' and line breaks, not '{}'",
                a.csv_delimiter
            ));
        }
    };
    let mut formats = Vec::new();
    for f in &a.format {
        match render::by_name(f.trim()) {
            Some(r) => formats.push(r),
            None => {
                return usage(&format!(
                    "unknown format '{f}' in --format; use a comma-separated subset of pdf,xlsx,csv"
                ));
            }
        }
    }
    formats.sort_by_key(|r| render::RENDERERS.iter().position(|x| x.name == r.name));
    formats.dedup_by_key(|r| r.name);
    let langs = match &a.lang {
        None => None,
        Some(ls) => {
            let mut out: Vec<Lang> = Vec::new();
            for l in ls {
                match Lang::parse(l.trim()) {
                    Some(l) if !out.contains(&l) => out.push(l),
                    Some(_) => {}
                    None => {
                        return usage(&format!(
                            "'{l}' in --lang is not a language tag (two or three lowercase letters, e.g. de)"
                        ));
                    }
                }
            }
            Some(out)
        }
    };
    let templates =
        a.templates.clone().or_else(|| Path::new("templates").is_dir().then(|| PathBuf::from("templates")));
    let opts = GenerateOptions {
        data: a.data,
        out: a.out,
        langs,
        formats,
        templates,
        render: RenderOptions { csv_delimiter: delimiter, csv_bom: a.csv_bom },
        jobs: a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1),
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
        Err(Failure::Invalid(reports)) => {
            print_reports(&reports);
            eprintln!("nothing was written: fix the errors above and run again");
            ExitCode::from(1)
        }
        Err(Failure::Render(e)) => {
            eprintln!(
                "error: {e}\nnothing was written; this is a defect of raci-annex, please report it with the matrix file"
            );
            ExitCode::from(1)
        }
        Err(Failure::Output(e)) => {
            eprintln!("error: {e}\nthe files of earlier runs are unchanged");
            ExitCode::from(3)
        }
    }
}
