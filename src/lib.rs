//! raci-annex: one canonical RACI matrix in, a PDF contract annex, an XLSX
//! workbook and CSV files per language out.
//!
//! The pipeline, in one direction:
//! read and validate every matrix ([`load`], into the [`model`]) → pick
//! strings ([`i18n`]) and layout ([`layout`]) → resolve each matrix for each
//! language once ([`view`]) → render every view × format in memory
//! ([`render`]) → stage each file under a temporary name and, once all are
//! complete, rename them into place with `SHA256SUMS` ([`output`]: one run
//! at a time per folder, durably, unchanged files left alone).
//! The library never prints; the binary reports what it returns.

pub mod diag;
pub mod diff;
pub mod fingerprint;
pub mod fonts;
pub mod i18n;
pub mod import;
pub mod layout;
pub mod load;
pub mod model;
pub mod output;
pub mod render;
pub mod view;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use diag::{Diagnostic, Report};
use i18n::Templates;
use model::{Lang, Matrix};
use render::{Format, Job, RenderOptions};
use view::View;

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
    /// Formats to write, each once, in [`Format::ALL`] order.
    pub formats: Vec<Format>,
    /// A templates folder, or `None` for the built-in templates.
    pub templates: Option<PathBuf>,
    /// The tool's name and the back-ends' switches.
    pub render: RenderOptions,
    /// Worker threads (`--jobs`, at least 1); `None` for [`workers`]' choice.
    pub jobs: Option<usize>,
    /// When another run holds the output folder's lock: wait for it (`true`)
    /// or fail at once (`false`, `--no-wait`).
    pub wait: bool,
}

/// Worker threads for a run: `asked` (`--jobs`) when given, else one per
/// core (never more than the jobs: [`in_parallel`] and the render queue
/// clamp it).
///
/// A batch once got one worker more, to render while a workbook waited for
/// rust_xlsxwriter's thread per sheet; the sheets need no thread since
/// they are written row by row (`render::xlsx::scratch`), and `--jobs 2`
/// against 3 on the 300-matrix batch measured 0.993 (`timeit.py --vs`, 11
/// runs), so the extra worker and its memory are gone.
pub fn workers(asked: Option<usize>) -> usize {
    asked.map_or_else(cores, |n| n.max(1))
}

/// The machine's cores (1 when unknown).
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
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
    /// One matrix × language × format is rendered and staged (or found
    /// unchanged): `done` files of the run's `total` (every matrix,
    /// language and format).
    fn job_done(&self, _matrix: &str, _lang: &Lang, _format: Format, _done: usize, _total: usize) {}
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
                    diag::Code::DuplicateId,
                    None,
                    format!("another matrix file already has the id '{}'", m.id),
                )
                .about("matrix", &m.id)
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
                Diagnostic::error(diag::Code::Template, None, "the templates folder does not exist")
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
    let threads = workers(opts.jobs);
    let (loaded, templates) = if threads >= 2 {
        std::thread::scope(|s| {
            let t = s.spawn(|| templates(opts.templates.as_deref()));
            let loaded = load_all(&opts.data, threads);
            (loaded, t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        })
    } else {
        (load_all(&opts.data, threads), templates(opts.templates.as_deref()))
    };
    let (matrices, mut warnings) = loaded.map_err(Failure::Invalid)?;
    let templates = templates.map_err(Failure::Invalid)?;

    // Languages: asked-for ones must be declared by every matrix.
    let mut errors = Vec::new();
    // One view per (matrix, language), shared by every format of the pair.
    let mut pairs: Vec<(usize, Lang)> = Vec::new();
    for (mi, m) in matrices.iter().enumerate() {
        let langs = match &opts.langs {
            Some(ls) => {
                errors.extend(ls.iter().filter(|l| !m.has_language(l)).map(|l| unknown_language(m, l)));
                ls.clone()
            }
            None => m.languages.clone(),
        };
        for l in langs {
            if !templates.has_strings(&l) {
                warnings.push(no_strings(m, &l));
            }
            pairs.push((mi, l));
        }
        if opts.formats.contains(&Format::Pdf) {
            errors.extend(signatures_report(&templates, opts.templates.as_deref(), m));
        }
    }
    if !errors.is_empty() {
        return Err(Failure::Invalid(errors));
    }
    let views: Vec<View<'_>> = pairs.iter().map(|(mi, l)| View::new(&matrices[*mi], l)).collect();
    let jobs: Vec<(usize, Format)> =
        (0..views.len()).flat_map(|v| opts.formats.iter().map(move |&f| (v, f))).collect();
    let shared = format!("{:?}{:?}", templates.layout, opts.render);
    // Each language's strings as the key sees them, formatted once per
    // language rather than once per job.
    let mut strings_keys: std::collections::BTreeMap<&Lang, String> = std::collections::BTreeMap::new();
    for v in &views {
        strings_keys.entry(v.lang).or_insert_with(|| format!("{:?}", templates.strings(v.lang)));
    }
    let job = |&(v, _): &(usize, Format)| {
        let view = &views[v];
        Job { view, strings: templates.strings(view.lang), layout: &templates.layout, options: &opts.render }
    };
    let run = Run {
        out: &opts.out,
        wait: opts.wait,
        threads,
        sizes: jobs.iter().map(|&(v, format)| views[v].row_count() * format.memory_per_activity()).collect(),
        files: jobs.iter().map(|&(_, format)| format.files_per_job()).collect(),
        jobs: &jobs,
        key: &|j| {
            let v = &views[j.0];
            Some(input_key(v, j.1, strings_keys.get(v.lang).map_or("", String::as_str), &shared))
        },
        render: &|j| j.1.render(&job(j)),
        done: &|&(v, format), n, total| progress.job_done(views[v].id, views[v].lang, format, n, total),
    };
    let files = write_jobs(&run, progress)?;
    Ok(Summary { files, warnings })
}

/// The `unknown-language` error: `--lang` asks for `l`, which `m` does not declare.
pub(crate) fn unknown_language(m: &Matrix, l: &Lang) -> Report {
    let mut r = Report::new(&m.source.path);
    r.push(
        Diagnostic::error(
            diag::Code::UnknownLanguage,
            None,
            format!("--lang asks for '{l}', which this matrix does not declare"),
        )
        .about("matrix", &m.id)
        .help(format!(
            "ask only for its languages ({}), or translate the matrix into '{l}'",
            join(&m.languages)
        )),
    );
    r
}

/// The `no-strings` warning: the templates have no strings for `l`.
pub(crate) fn no_strings(m: &Matrix, l: &Lang) -> Report {
    let mut r = Report::new(&m.source.path);
    r.push(
        Diagnostic::warning(
            diag::Code::NoStrings,
            None,
            format!("there are no template strings for '{l}'; labels are printed in English"),
        )
        .about("matrix", &m.id)
        .help(format!("add templates/strings/{l}.yaml (copy en.yaml and translate it)")),
    );
    r
}

/// How a run renders one job into its files.
pub(crate) type RenderJob<'r, J> = dyn Fn(&J) -> Result<Vec<render::Output>, Failure> + Sync + 'r;
/// Told that a job is rendered and staged: `done` files of the run's `total`.
pub(crate) type JobDone<'r, J> = dyn Fn(&J, usize, usize) + Sync + 'r;
/// A digest of everything a job's files depend on, or `None` when its
/// files are always made anew.
pub(crate) type KeyJob<'r, J> = dyn Fn(&J) -> Option<output::InputKey> + Sync + 'r;

/// One run's writes into one output folder: the jobs and how to size, key,
/// render and report each. The one write path of `generate` and `diff --out`.
pub(crate) struct Run<'r, J> {
    /// The output folder.
    pub(crate) out: &'r Path,
    /// Wait for another run that holds the folder's lock (`false`: `--no-wait`).
    pub(crate) wait: bool,
    /// Worker threads (at least 1).
    pub(crate) threads: usize,
    /// The jobs, in the order their files are listed.
    pub(crate) jobs: &'r [J],
    /// Each job's memory estimate in bytes, for the budget.
    pub(crate) sizes: Vec<usize>,
    /// How many files each job writes, for the progress total.
    pub(crate) files: Vec<usize>,
    /// Each job's input key: a job whose key matches the folder's last run,
    /// with its files still in place, is taken as it is.
    pub(crate) key: &'r KeyJob<'r, J>,
    /// Renders one job.
    pub(crate) render: &'r RenderJob<'r, J>,
    /// Told of each finished job.
    pub(crate) done: &'r JobDone<'r, J>,
}

/// Writes a run's files, all or nothing: locks the output folder (waiting
/// or not), finishes a commit an earlier run left half-way, renders the jobs
/// on up to `threads` threads within the memory budget, stages each file as
/// soon as it is rendered, then commits them all with `SHA256SUMS`,
/// durably, leaving files whose bytes are unchanged alone.
///
/// # Errors
/// The first failure of a job, or of writing; then no output file has changed.
pub(crate) fn write_jobs<J: Sync>(
    run: &Run<'_, J>,
    progress: &dyn Progress,
) -> Result<Vec<output::Written>, Failure> {
    let notify = |lock: &Path| progress.waiting(lock);
    let wait = if run.wait { output::Wait::Block(&notify) } else { output::Wait::NoWait };
    let mut folder = output::Folder::open(run.out, wait)?;
    folder.expect(run.files.iter().sum::<usize>() + 2); // with SHA256SUMS and the manifest
    if folder.recovered() > 0 {
        progress.recovered(folder.path(), folder.recovered());
    }
    let staged = render_and_stage(run, &folder)?;
    let files = folder.commit(staged)?;
    for f in &files {
        if f.changed {
            progress.file_written(&f.path, f.size);
        } else {
            progress.file_unchanged(&f.path, f.size);
        }
    }
    Ok(files)
}

/// Renders every job on `threads` threads and stages each file as soon as
/// it is rendered, so that at most one job's output per thread is in memory.
/// The staged files come back in job order whatever the scheduling.
fn render_and_stage<J: Sync>(
    run: &Run<'_, J>,
    folder: &output::Folder,
) -> Result<Vec<output::Staged>, Failure> {
    let jobs = run.jobs;
    let done = AtomicUsize::new(0);
    let total_files: usize = run.files.iter().sum();
    let failed = AtomicBool::new(false);
    let slots: Vec<Slot> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let queue = Queue::new(&run.sizes, MEMORY_BUDGET);
    let work = || {
        while let Some((i, _permit)) = queue.take(&failed) {
            let key = (run.key)(&jobs[i]);
            let result = match key.as_ref().and_then(|k| folder.reuse(k)) {
                Some(files) => Ok(files),
                None => (run.render)(&jobs[i]).and_then(|outputs| {
                    outputs
                        .iter()
                        .map(|o| match &key {
                            Some(k) => folder.stage_keyed(k, &o.file_name, &o.bytes),
                            None => folder.stage(&o.file_name, &o.bytes),
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(Failure::from)
                }),
            };
            match &result {
                Err(_) => {
                    failed.store(true, Ordering::Relaxed);
                    queue.wake_all();
                }
                Ok(files) => {
                    let n = done.fetch_add(files.len(), Ordering::Relaxed) + files.len();
                    (run.done)(&jobs[i], n, total_files.max(n));
                }
            }
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(result);
            }
        }
    };
    let threads = run.threads.clamp(1, jobs.len().max(1));
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
                                diag::Code::DuplicateOutput,
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

/// An error when the layout's `signatures` name a party that `m` does not
/// declare: its acceptance block would silently lack a signature.
pub fn signatures_report(templates: &Templates, dir: Option<&Path>, m: &Matrix) -> Option<Report> {
    let ids = templates.layout.signatures.as_ref()?;
    let unknown: Vec<&String> = ids.iter().filter(|id| !m.parties.iter().any(|p| &p.id == *id)).collect();
    if unknown.is_empty() {
        return None;
    }
    let path = dir.map_or_else(|| PathBuf::from("layout.yaml"), |d| d.join("layout.yaml"));
    let mut r = Report::new(&path);
    let known = m.parties.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ");
    for id in unknown {
        r.push(
            Diagnostic::error(
                diag::Code::UnknownParty,
                None,
                format!("`signatures` lists the party '{id}', which matrix {} does not declare", m.id),
            )
            .subject("layout signatures")
            .help(format!(
                "list the ids of parties that sign ({known}), or `signatures: []` for no acceptance block"
            )),
        );
    }
    Some(r)
}

/// A digest of everything a job's files depend on: this build of the tool
/// (sources, templates, fonts, dependencies, compiler: `build.rs`), the
/// back-end, the language, the matrix file (its SHA-256 and name, which the
/// annex prints), that language's strings (`strings`), the layout and the
/// options (`shared`): their `Debug` forms, which show every field. A run into a
/// folder whose files were made from the same key takes them as they are
/// ([`output::Folder::reuse`]) instead of rendering them again.
fn input_key(view: &View<'_>, format: Format, strings: &str, shared: &str) -> output::InputKey {
    output::InputKey::new([
        env!("RACI_BUILD_ID").as_bytes(),
        format.name().as_bytes(),
        view.lang.as_str().as_bytes(),
        view.source.sha256.as_bytes(),
        view.source.file_name.as_bytes(),
        strings.as_bytes(),
        shared.as_bytes(),
    ])
}

/// Memory that rendering jobs may hold at once (estimated), so that a large
/// matrix does not render two 150 MB annexes side by side.
const MEMORY_BUDGET: usize = 256 * 1024 * 1024;

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

pub(crate) fn join(langs: &[Lang]) -> String {
    langs.iter().map(Lang::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_gets_one_worker_per_core_and_jobs_given_are_kept() {
        assert_eq!(workers(None), cores());
        assert_eq!(workers(Some(3)), 3);
        assert_eq!(workers(Some(0)), 1);
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
