//! `diff OLD NEW --out DIR`: the amendment annex written per language and
//! format (diff.md, "The amendment annex"), with the guarantees of
//! `generate` through its write path ([`crate::write_jobs`]): every check
//! before the first byte, the files rendered on all cores and staged, then
//! renamed into place with `SHA256SUMS`, all or nothing.

use std::path::PathBuf;

use super::{Amendment, Changes, Pair};
use crate::diag::{Code, Diagnostic, Report};
use crate::model::Lang;
use crate::render::amendment::{self, AmendmentJob};
use crate::render::{Format, RenderOptions};
use crate::{Failure, Progress, Summary};

/// What `diff --out` was asked to do, already checked for form by the CLI.
#[derive(Debug)]
pub struct AmendmentOptions {
    /// The output folder.
    pub out: PathBuf,
    /// Languages to write; `None`: every language both versions declare.
    pub langs: Option<Vec<Lang>>,
    /// Formats to write, each once, in [`Format::ALL`] order.
    pub formats: Vec<Format>,
    /// A templates folder, or `None` for the built-in templates.
    pub templates: Option<PathBuf>,
    /// The tool's name and the back-ends' switches.
    pub render: RenderOptions,
    /// Worker threads; `None` for [`crate::workers`]' choice.
    pub jobs: Option<usize>,
    /// When another run holds the output folder's lock: wait for it (`true`)
    /// or fail at once (`false`, `--no-wait`).
    pub wait: bool,
}

/// Writes the amendment annex of `changes` between the two versions of `pair`.
///
/// # Errors
/// [`Failure::Invalid`] for a broken template, a `--lang` that either
/// version does not declare, or two versions without a language in common;
/// [`Failure::Render`] and [`Failure::Output`] as for `generate`. On any
/// error no output file has been changed.
pub fn write_amendment(
    pair: &Pair,
    changes: &Changes,
    opts: &AmendmentOptions,
    progress: &dyn Progress,
) -> Result<Summary, Failure> {
    let (old, new) = (&pair.old.matrix, &pair.new.matrix);
    let mut errors = Vec::new();
    let templates = match crate::templates(opts.templates.as_deref()) {
        Ok(t) => Some(t),
        Err(reports) => {
            errors.extend(reports);
            None
        }
    };
    let langs: Vec<Lang> = match &opts.langs {
        Some(ls) => {
            for l in ls {
                for m in [old, new].into_iter().filter(|m| !m.has_language(l)) {
                    errors.push(crate::unknown_language(m, l));
                }
            }
            ls.clone()
        }
        None => {
            let both: Vec<Lang> = new.languages.iter().filter(|l| old.has_language(l)).cloned().collect();
            if both.is_empty() {
                let mut r = Report::new(&new.source.path);
                r.push(
                    Diagnostic::error(
                        Code::NoCommonLanguage,
                        None,
                        format!(
                            "OLD declares {} and NEW {}: no language is in both, so no change can be worded",
                            crate::join(&old.languages),
                            crate::join(&new.languages)
                        ),
                    )
                    .about("matrix", &new.id)
                    .help("compare versions that share a language"),
                );
                errors.push(r);
            }
            both
        }
    };
    let Some(templates) = templates.filter(|_| errors.is_empty()) else {
        return Err(Failure::Invalid(errors));
    };
    let warnings: Vec<Report> =
        langs.iter().filter(|l| !templates.has_strings(l)).map(|l| crate::no_strings(new, l)).collect();

    let (o, n) = (super::Lookup::new(old), super::Lookup::new(new));
    let views: Vec<Amendment<'_>> =
        langs.iter().map(|l| Amendment::with(changes, &o, &n, l, templates.strings(l))).collect();
    drop((o, n));
    let jobs: Vec<(usize, Format)> =
        (0..views.len()).flat_map(|v| opts.formats.iter().map(move |&f| (v, f))).collect();
    let render = |&(v, format): &(usize, Format)| {
        let view = &views[v];
        let job = AmendmentJob {
            view,
            strings: templates.strings(view.lang),
            layout: &templates.layout,
            options: &opts.render,
        };
        amendment::render(format, &job).map_err(Failure::from)
    };
    let name = format!("{}-changes", new.id);
    let run = crate::Run {
        out: &opts.out,
        wait: opts.wait,
        threads: crate::workers(opts.jobs),
        sizes: jobs.iter().map(|&(_, f)| (changes.len() + 1) * amendment::memory_per_change(f)).collect(),
        files: jobs.iter().map(|&(_, f)| amendment::files_per_job(f)).collect(),
        jobs: &jobs,
        // Always rendered anew (a fraction of a second); unchanged bytes are still left alone.
        key: &|_| None,
        render: &render,
        done: &|&(v, format), n, total| progress.job_done(&name, views[v].lang, format, n, total),
    };
    let files = crate::write_jobs(&run, progress)?;
    Ok(Summary { files, warnings })
}
