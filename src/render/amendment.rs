//! The amendment annex of `diff --out` (diff.md, "The amendment annex"):
//! one [`Amendment`] (the changes resolved for one language) into
//! `ID-changes-LANG.pdf`, `.xlsx` and `.csv`, in memory, like the contract
//! annex's back-ends. The PDF is [`super::pdf::amendment`], the workbook
//! [`super::xlsx::amendment`]; the CSV, a few lines, is here.

use super::{Format, Output, RenderError, RenderOptions, csv};
use crate::diff::Amendment;
use crate::i18n::Strings;
use crate::layout::Layout;

/// Everything a back-end needs to render the amendment in one language.
pub struct AmendmentJob<'a> {
    /// The changes resolved for the language, in reading order.
    pub view: &'a Amendment<'a>,
    /// Labels in that language (the `amendment` group among them).
    pub strings: &'a Strings,
    /// Page and type settings.
    pub layout: &'a Layout,
    /// The tool's name and the format switches (CSV delimiter and byte
    /// order mark, `--attach-source`).
    pub options: &'a RenderOptions,
}

impl AmendmentJob<'_> {
    /// `ID-changes-LANG`, the stem of every file name of this job.
    pub fn stem(&self) -> String {
        self.view.stem()
    }

    /// A failure of `format` on this job.
    pub(crate) fn error(&self, format: Format, message: impl std::fmt::Display) -> RenderError {
        RenderError { format: format.name(), stem: self.stem(), message: message.to_string() }
    }
}

/// Renders one job into `format`'s file.
///
/// # Errors
/// When the back-end fails on valid input (a defect, reported with the job).
pub fn render(format: Format, job: &AmendmentJob<'_>) -> Result<Vec<Output>, RenderError> {
    match format {
        Format::Pdf => super::pdf::amendment::render(job),
        Format::Xlsx => super::xlsx::amendment::render(job),
        Format::Csv => Ok(vec![changes_csv(job)?]),
        // Refused on the command line: the amendment has no Markdown page.
        Format::Md => Err(job.error(format, "the amendment annex has no Markdown form")),
    }
}

/// How many files one amendment job of `format` writes (one each).
pub fn files_per_job(format: Format) -> usize {
    match format {
        Format::Pdf | Format::Xlsx | Format::Csv | Format::Md => 1,
    }
}

/// A rough upper bound of the memory one job holds per change while
/// rendering (a change is a table row with a few wrapped lines).
pub fn memory_per_change(format: Format) -> usize {
    match format {
        Format::Pdf => 6_000,
        Format::Xlsx => 3_000,
        Format::Csv | Format::Md => 300,
    }
}

/// The columns of `ID-changes-LANG.csv`, as diff.md lists them.
pub const CSV_HEADER: [&str; 12] = [
    "matrix_id",
    "old_version",
    "new_version",
    "kind",
    "phase_id",
    "subphase_id",
    "activity_id",
    "activity",
    "party",
    "old",
    "new",
    "languages",
];

/// `ID-changes-LANG.csv`: one row per change, in the amendment's reading
/// order; RFC 4180, CRLF, the formula guard and the `--csv-*` options of
/// `generate`.
///
/// # Errors
/// Only if the CSV writer fails on memory, which does not happen in practice.
pub fn changes_csv(job: &AmendmentJob<'_>) -> Result<Output, RenderError> {
    let err = |e: ::csv::Error| job.error(Format::Csv, e);
    let v = job.view;
    let mut w = csv::writer(job.options);
    w.write_record(CSV_HEADER).map_err(err)?;
    for l in v.lines() {
        let row: [&str; 12] = [
            v.id,
            v.old.version,
            v.new.version,
            l.kind.as_str(),
            l.phase_id,
            l.subphase_id,
            l.activity_id,
            l.activity,
            l.party,
            &l.old,
            &l.new,
            &l.languages,
        ];
        w.write_record(row.iter().map(|c| csv::guard(c).into_owned())).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| job.error(Format::Csv, e.error()))?;
    Ok(Output { file_name: format!("{}.csv", job.stem()), bytes })
}
