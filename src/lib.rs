//! raci-annex: one canonical RACI matrix in, a PDF contract annex, an XLSX
//! workbook and CSV files per language out.
//!
//! The pipeline, in one direction:
//! read and validate every matrix ([`load`]) → pick strings and layout
//! ([`i18n`]) → render every matrix × language × format in memory
//! ([`render`]) → stage each file under a temporary name and, once all are
//! complete, rename them into place with `SHA256SUMS` ([`output`]: one run
//! at a time per folder, durably, unchanged files left alone).
//! The library never prints; the binary reports what it returns.

pub mod diag;
pub mod fonts;
pub mod i18n;
pub mod load;
pub mod model;
pub mod output;
pub mod render;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use diag::{Diagnostic, Report};
use i18n::Templates;
use model::{Lang, Matrix};
use render::{Job, RenderOptions, Renderer};

/// The tool's name and version, printed into document properties.
pub const TOOL: &str = concat!("raci-annex ", env!("CARGO_PKG_VERSION"));

/// What `generate` was asked to do, already checked for form by the CLI.
#[derive(Debug)]
pub struct GenerateOptions {
    /// Matrix files and folders.
    pub data: Vec<PathBuf>,
    /// The output folder.
    pub out: PathBuf,
    /// Languages to render; `None` means every language of each matrix.
    pub langs: Option<Vec<Lang>>,
    /// Back-ends to run, in [`render::RENDERERS`] order.
    pub formats: Vec<&'static Renderer>,
    /// A templates folder, or `None` for the built-in templates.
    pub templates: Option<PathBuf>,
    /// Back-end switches.
    pub render: RenderOptions,
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// When another run holds the output folder's lock: wait for it (`true`)
    /// or fail at once (`false`, `--no-wait`).
    pub wait: bool,
}

/// Why a run failed; each kind maps to one exit status of cli.md.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A matrix or template is invalid (exit 1); nothing was written.
    #[error("invalid input")]
    Invalid(Vec<Report>),
    /// A back-end failed on valid input: a defect, reported by the CLI with
    /// exit 1 and a request to report it; nothing was written.
    #[error(transparent)]
    Render(#[from] render::RenderError),
    /// The outputs could not be written (exit 3); earlier files are intact.
    #[error(transparent)]
    Output(#[from] output::OutputError),
}

/// Told about a run's progress; the library itself never prints.
pub trait Progress: Sync {
    /// Another run holds the output folder's lock (`lock`); this run waits
    /// for it. Told once, before waiting.
    fn waiting(&self, _lock: &Path) {}
    /// A commit that a killed run left half-way in `dir` was finished
    /// (`files` renamed into place) before this run started writing.
    fn recovered(&self, _dir: &Path, _files: usize) {}
    /// One matrix × language × format is rendered and staged: `done` files
    /// of the run's `total` (every matrix, language and format).
    fn job_done(&self, _matrix: &str, _lang: &Lang, _format: &str, _done: usize, _total: usize) {}
    /// A file is in place, with its size in bytes.
    fn file_written(&self, _path: &Path, _size: u64) {}
    /// A file already held this run's bytes and was left alone (its mtime kept).
    fn file_unchanged(&self, _path: &Path, _size: u64) {}
}

/// Progress that is not reported.
pub struct Silent;
impl Progress for Silent {}

/// What a successful run did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Every file of the run, written or left unchanged, `SHA256SUMS` last.
    pub files: Vec<output::Written>,
    /// Warnings found while loading (e.g. rule overrides, missing strings).
    pub warnings: Vec<Report>,
}

/// Loads and validates every matrix of `paths` (files or folders) on up to
/// `threads` threads: one file alone is parsed on all of them
/// ([`load::load_on`]), several files are loaded side by side, one per
/// thread. Reports and matrices keep the files' order.
///
/// # Errors
/// Every report with an error, when any file is invalid.
pub fn load_all(paths: &[PathBuf], threads: usize) -> Result<(Vec<Matrix>, Vec<Report>), Vec<Report>> {
    let files = load::discover(paths).map_err(|r| vec![r])?;
    let loaded = match files.as_slice() {
        [one] => vec![load::load_on(one, threads)],
        _ => in_parallel(&files, threads, |f| load::load_on(f, 1)),
    };
    let mut matrices = Vec::new();
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for l in loaded {
        match l {
            Ok(l) => {
                if !l.report.diagnostics.is_empty() {
                    warnings.push(l.report);
                }
                matrices.push(l.matrix);
            }
            Err(r) => errors.push(r),
        }
    }
    // Two files with one id would write the same output names.
    let mut seen = BTreeSet::new();
    for m in &matrices {
        if !seen.insert(m.id.clone()) {
            let mut r = Report::new(&m.source.path);
            r.push(
                Diagnostic::error(
                    "duplicate-id",
                    None,
                    format!("another matrix file already has the id '{}'", m.id),
                )
                .subject(format!("matrix {}", m.id))
                .help("give every matrix its own id: the id names the output files"),
            );
            errors.push(r);
        }
    }
    if errors.is_empty() { Ok((matrices, warnings)) } else { Err(errors) }
}

/// `f` of every item on up to `threads` threads (each takes the next item
/// not yet taken), results in the items' order.
fn in_parallel<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let r = f(item);
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(r);
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    slots.into_iter().filter_map(|s| s.into_inner().ok().flatten()).collect()
}

/// Loads the templates: `dir` if given, else the built-in ones.
///
/// # Errors
/// A report per broken template file.
pub fn templates(dir: Option<&Path>) -> Result<Templates, Vec<Report>> {
    match dir {
        Some(d) if !d.is_dir() => {
            let mut r = Report::new(d);
            r.push(
                Diagnostic::error("template", None, "the templates folder does not exist")
                    .subject("templates")
                    .help("name a folder holding strings/<lang>.yaml and/or layout.yaml, or leave out --templates"),
            );
            Err(vec![r])
        }
        Some(d) => Templates::load(d),
        None => Ok(Templates::builtin()),
    }
}

/// Runs `generate`: validate everything, render everything, then write all or nothing.
///
/// `progress` hears of every rendered job and of every file once it is in place.
///
/// # Errors
/// See [`Failure`]; on any error no output file has been changed.
pub fn generate(opts: &GenerateOptions, progress: &dyn Progress) -> Result<Summary, Failure> {
    // The template files do not depend on the matrices: read them on a
    // second core meanwhile (a sixth of a small run's work before rendering).
    let (loaded, templates) = if opts.jobs >= 2 {
        std::thread::scope(|s| {
            let t = s.spawn(|| templates(opts.templates.as_deref()));
            let loaded = load_all(&opts.data, opts.jobs);
            (loaded, t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        })
    } else {
        (load_all(&opts.data, opts.jobs), templates(opts.templates.as_deref()))
    };
    let (matrices, mut warnings) = loaded.map_err(Failure::Invalid)?;
    let templates = templates.map_err(Failure::Invalid)?;

    // Languages: asked-for ones must be declared by every matrix.
    let mut errors = Vec::new();
    let mut jobs: Vec<(usize, Lang, &'static Renderer)> = Vec::new();
    for (mi, m) in matrices.iter().enumerate() {
        let langs = match &opts.langs {
            Some(ls) => {
                for l in ls.iter().filter(|l| !m.has_language(l)) {
                    let mut r = Report::new(&m.source.path);
                    r.push(
                        Diagnostic::error(
                            "unknown-language",
                            None,
                            format!("--lang asks for '{l}', which this matrix does not declare"),
                        )
                        .subject(format!("matrix {}", m.id))
                        .help(format!(
                            "ask only for its languages ({}), or translate the matrix into '{l}'",
                            join(&m.languages)
                        )),
                    );
                    errors.push(r);
                }
                ls.clone()
            }
            None => m.languages.clone(),
        };
        for l in langs {
            if !templates.has_strings(&l) {
                let mut r = Report::new(&m.source.path);
                r.push(
                    Diagnostic::warning(
                        "no-strings",
                        None,
                        format!("there are no template strings for '{l}'; labels are printed in English"),
                    )
                    .subject(format!("matrix {}", m.id))
                    .help(format!("add templates/strings/{l}.yaml (copy en.yaml and translate it)")),
                );
                warnings.push(r);
            }
            for f in &opts.formats {
                jobs.push((mi, l.clone(), f));
            }
        }
    }
    if !errors.is_empty() {
        return Err(Failure::Invalid(errors));
    }

    let notify = |lock: &Path| progress.waiting(lock);
    let wait = if opts.wait { output::Wait::Block(&notify) } else { output::Wait::NoWait };
    let folder = output::Folder::open(&opts.out, wait)?;
    if folder.recovered() > 0 {
        progress.recovered(folder.path(), folder.recovered());
    }
    let staged = render_and_stage(opts, &folder, &matrices, &templates, &jobs, progress)?;
    let files = folder.commit(staged)?;
    for f in &files {
        if f.changed {
            progress.file_written(&f.path, f.size);
        } else {
            progress.file_unchanged(&f.path, f.size);
        }
    }
    Ok(Summary { files, warnings })
}

/// Renders every job on `opts.jobs` threads and stages each file as soon as
/// it is rendered, so that at most one job's output per thread is in memory.
/// The staged files come back in job order whatever the scheduling.
fn render_and_stage(
    opts: &GenerateOptions,
    folder: &output::Folder,
    matrices: &[Matrix],
    templates: &Templates,
    jobs: &[(usize, Lang, &'static Renderer)],
    progress: &dyn Progress,
) -> Result<Vec<output::Staged>, Failure> {
    let done = AtomicUsize::new(0);
    let total_files: usize = jobs.iter().map(|(_, _, r)| files_per_job(r)).sum();
    let failed = AtomicBool::new(false);
    let slots: Vec<Slot> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let sizes: Vec<usize> = jobs.iter().map(|(mi, _, r)| estimate(&matrices[*mi], r)).collect();
    let queue = Queue::new(&sizes, MEMORY_BUDGET);
    let shared = format!("{:?}{:?}", templates.layout, opts.render);
    let work = || {
        while let Some((i, _permit)) = queue.take(&failed) {
            let (mi, lang, renderer) = &jobs[i];
            let job = Job {
                matrix: &matrices[*mi],
                lang,
                strings: templates.strings(lang),
                layout: &templates.layout,
                options: &opts.render,
            };
            let key = input_key(&job, renderer, &shared);
            let result = match folder.reuse(&key) {
                Some(files) => Ok(files),
                None => (renderer.render)(&job).map_err(Failure::from).and_then(|outputs| {
                    outputs
                        .iter()
                        .map(|o| folder.stage_keyed(&key, &o.file_name, &o.bytes).map_err(Failure::from))
                        .collect::<Result<Vec<_>, _>>()
                }),
            };
            match &result {
                Err(_) => {
                    failed.store(true, Ordering::Relaxed);
                    queue.wake_all();
                }
                Ok(files) => {
                    let n = done.fetch_add(files.len(), Ordering::Relaxed) + files.len();
                    progress.job_done(&matrices[*mi].id, lang, renderer.name, n, total_files.max(n));
                }
            }
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(result);
            }
        }
    };
    let threads = opts.jobs.clamp(1, jobs.len().max(1));
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    let mut staged = Vec::new();
    let mut names = BTreeSet::new();
    for slot in slots {
        match slot.into_inner().ok().flatten() {
            Some(Ok(files)) => {
                for f in files {
                    if !names.insert(f.file_name().to_owned()) {
                        // Validated ids make this impossible; refuse rather than overwrite.
                        return Err(Failure::Invalid(vec![{
                            let mut r = Report::new(Path::new(f.file_name()));
                            r.push(Diagnostic::error(
                                "duplicate-output",
                                None,
                                "two outputs of this run would have the same name",
                            ));
                            r
                        }]));
                    }
                    staged.push(f);
                }
            }
            Some(Err(e)) => return Err(e),
            None => {} // skipped after another job failed; that failure is returned above or below
        }
    }
    Ok(staged)
}

/// A digest of everything a job's files depend on: this build of the tool
/// (sources, templates, fonts, dependencies, compiler: `build.rs`), the
/// back-end, the language, the matrix file (its SHA-256 and name, which the
/// annex prints), that language's strings, the layout and the options
/// (`shared`: their `Debug` forms, which show every field). A run into a
/// folder whose files were made from the same key takes them as they are
/// ([`output::Folder::reuse`]) instead of rendering them again.
fn input_key(job: &Job<'_>, renderer: &Renderer, shared: &str) -> output::InputKey {
    let strings = format!("{:?}", job.strings);
    output::InputKey::new([
        env!("RACI_BUILD_ID").as_bytes(),
        renderer.name.as_bytes(),
        job.lang.as_str().as_bytes(),
        job.matrix.source.sha256.as_bytes(),
        job.matrix.source.file_name.as_bytes(),
        strings.as_bytes(),
        shared.as_bytes(),
    ])
}

/// How many files one job of `r` writes, for the progress bar's total
/// (checked against the back-ends by a test).
fn files_per_job(r: &Renderer) -> usize {
    if r.name == "csv" { 2 } else { 1 }
}

/// Memory that rendering jobs may hold at once (estimated), so that a large
/// matrix does not render two 150 MB annexes side by side.
const MEMORY_BUDGET: usize = 256 * 1024 * 1024;

/// A rough upper bound of the memory one job holds while rendering, from
/// measured peaks (35,000 activities: PDF ~150 MB, XLSX ~90 MB).
fn estimate(m: &Matrix, r: &Renderer) -> usize {
    let per_activity = match r.name {
        "pdf" => 4_500,
        "xlsx" => 2_600,
        _ => 200,
    };
    m.activity_count() * per_activity
}

/// The jobs not yet started, largest first, and the memory the running ones
/// hold (estimated). A worker takes the largest job that fits the budget
/// beside the running ones (a job larger than the whole budget runs alone):
/// the long PDFs start first, so no thread is left with one at the end,
/// and a very large matrix still never renders two 150 MB annexes at once.
struct Queue<'a> {
    sizes: &'a [usize],
    budget: usize,
    state: Mutex<(Vec<usize>, usize)>,
    changed: std::sync::Condvar,
}

impl<'a> Queue<'a> {
    fn new(sizes: &'a [usize], budget: usize) -> Queue<'a> {
        let mut pending: Vec<usize> = (0..sizes.len()).collect();
        // Largest first; equal sizes in job order (a stable sort).
        pending.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
        Queue { sizes, budget, state: Mutex::new((pending, 0)), changed: std::sync::Condvar::new() }
    }

    /// The next job to run and its permit, waiting while none fits; `None`
    /// when every job is taken or one has failed.
    fn take(&self, failed: &AtomicBool) -> Option<(usize, Permit<'_, 'a>)> {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            let (pending, used) = &mut *state;
            if pending.is_empty() || failed.load(Ordering::Relaxed) {
                return None;
            }
            let fits = |&i: &usize| *used == 0 || *used + self.sizes[i] <= self.budget;
            if let Some(k) = pending.iter().position(fits) {
                let i = pending.remove(k);
                *used += self.sizes[i];
                return Some((i, Permit { queue: self, size: self.sizes[i] }));
            }
            state = self.changed.wait(state).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// Wakes the waiting workers (after a failure, so that they stop).
    fn wake_all(&self) {
        let _state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.changed.notify_all();
    }
}

/// Held while a job renders; gives its memory back when dropped.
struct Permit<'q, 'a> {
    queue: &'q Queue<'a>,
    size: usize,
}

impl Drop for Permit<'_, '_> {
    fn drop(&mut self) {
        let mut state = self.queue.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.1 -= self.size;
        self.queue.changed.notify_all();
    }
}

/// One job's result, filled in by whichever worker ran it.
type Slot = Mutex<Option<Result<Vec<output::Staged>, Failure>>>;

fn join(langs: &[Lang]) -> String {
    langs.iter().map(Lang::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_total_counts_the_files_each_back_end_writes() {
        let m = load::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/llmaas.yaml"))
            .expect("loads")
            .matrix;
        let t = Templates::builtin();
        let lang = m.languages[0].clone();
        for r in render::RENDERERS {
            let job = Job {
                matrix: &m,
                lang: &lang,
                strings: t.strings(&lang),
                layout: &t.layout,
                options: &RenderOptions::default(),
            };
            let outputs = (r.render)(&job).expect("renders");
            assert_eq!(outputs.len(), files_per_job(r), "{}", r.name);
        }
    }

    #[test]
    fn the_queue_starts_the_largest_job_that_fits() {
        // Two 150 MB annexes, two 90 MB workbooks, a small CSV; budget 256 MB.
        let sizes = [150, 90, 10, 150, 90];
        let q = Queue::new(&sizes, 256);
        let failed = AtomicBool::new(false);
        let (a, pa) = q.take(&failed).expect("a job");
        assert_eq!(a, 0, "the largest first, in job order");
        // The second annex would not fit beside the first: a workbook does.
        let (b, pb) = q.take(&failed).expect("a job");
        assert_eq!(b, 1);
        let (c, pc) = q.take(&failed).expect("a job");
        assert_eq!(c, 2, "150 + 90 + 10 fits; the other annex still does not");
        drop((pa, pc));
        let (d, _pd) = q.take(&failed).expect("a job");
        assert_eq!(d, 3, "once the first annex is done, the second");
        drop(pb);
        let (e, _pe) = q.take(&failed).expect("a job");
        assert_eq!(e, 4);
        assert!(q.take(&failed).is_none(), "all taken");
    }

    #[test]
    fn a_job_larger_than_the_budget_runs_alone_and_a_failure_stops_the_queue() {
        let sizes = [500, 10, 10];
        let q = Queue::new(&sizes, 256);
        let failed = AtomicBool::new(false);
        let (a, pa) = q.take(&failed).expect("a job");
        assert_eq!(a, 0);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| q.take(&failed).map(|(i, _)| i));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!waiter.is_finished(), "nothing runs beside a job larger than the budget");
            drop(pa);
            assert_eq!(waiter.join().expect("joins"), Some(1));
        });
        let (_, _pb) = q.take(&failed).expect("a job");
        failed.store(true, Ordering::Relaxed);
        q.wake_all();
        assert!(q.take(&failed).is_none(), "no job after a failure");
    }
}
