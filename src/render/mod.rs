//! The back-ends: each turns one [`View`] (a matrix in one language) into
//! finished files, in memory. They write no output ([`crate::output`]
//! does), so a failed run writes nothing and tests need no output folder;
//! the one file they touch is the workbook's anonymous scratch file per
//! sheet in the temporary folder ([`xlsx::scratch`]), which no one else sees.
//!
//! # Adding a back-end
//!
//! 1. Write a module here with
//!    `pub fn render(job: &Job<'_>) -> Result<Vec<Output>, RenderError>`
//!    that reads `job.view` (texts, legend, parties, sections in print
//!    order), `job.strings` (labels), `job.layout` (page and colours) and
//!    `job.options` (tool name, format switches). Name its files
//!    `{job.view.stem()}.EXT`.
//! 2. Add a variant to [`Format`] and an arm to each of its `match`es
//!    (name, render, memory estimate): the compiler lists every place.
//! 3. Test it in `tests/it/` by reading its files back with an independent
//!    reader.

pub mod amendment;
pub mod csv;
pub mod md;
pub mod pdf;
pub mod xlsx;

use crate::Failure;
use crate::i18n::Strings;
use crate::layout::Layout;
use crate::view::View;

/// Everything a back-end needs to render one matrix in one language.
pub struct Job<'a> {
    /// The matrix resolved for the language, in print order.
    pub view: &'a View<'a>,
    /// Labels in that language.
    pub strings: &'a Strings,
    /// Page and type settings.
    pub layout: &'a Layout,
    /// The tool's name and the format-specific switches from the command line.
    pub options: &'a RenderOptions,
}

impl Job<'_> {
    /// `ID-LANG`, the stem of every file name of this job.
    pub fn stem(&self) -> String {
        self.view.stem()
    }
}

/// What the back-ends are told besides the matrix and the templates.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// The producing tool's name and version (`raci-annex 0.1.0`), printed
    /// into document properties and the PDF's fingerprint sentence.
    pub tool: String,
    /// CSV field delimiter (one ASCII byte).
    pub csv_delimiter: u8,
    /// Start CSV files with a UTF-8 byte order mark.
    pub csv_bom: bool,
    /// Embed the matrix file and the CSV of the same language in each PDF
    /// (PDF/A-3a associated files).
    pub attach_source: bool,
}

impl RenderOptions {
    /// The defaults of cli.md (`,`, no byte order mark) for files made by `tool`.
    pub fn new(tool: impl Into<String>) -> RenderOptions {
        RenderOptions { tool: tool.into(), csv_delimiter: b',', csv_bom: false, attach_source: false }
    }
}

/// One finished file: its name inside the output folder and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// File name, built only from validated ids and language tags.
    pub file_name: String,
    /// The complete content.
    pub bytes: Vec<u8>,
}

/// A back-end failed on input the validator accepted: a defect to report, never a panic.
#[derive(Debug, thiserror::Error)]
#[error("could not render {format} for {stem}: {message}")]
pub struct RenderError {
    /// The back-end's name.
    pub format: &'static str,
    /// `ID-LANG`.
    pub stem: String,
    /// What went wrong.
    pub message: String,
}

impl RenderError {
    /// A failure of `format` on `job`.
    pub fn new(format: Format, job: &Job<'_>, message: impl std::fmt::Display) -> RenderError {
        RenderError { format: format.name(), stem: job.stem(), message: message.to_string() }
    }
}

/// An output format of `generate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// The contract annex (`ID-LANG.pdf`).
    Pdf,
    /// The workbook (`ID-LANG.xlsx`).
    Xlsx,
    /// The activity table and the legend (`ID-LANG.csv`, `ID-LANG-legend.csv`).
    Csv,
    /// The documentation page (`ID-LANG.md`) that `import` reads back; not
    /// in the default set of `--format`.
    Md,
}

impl Format {
    /// Every format, in the order their files are produced.
    pub const ALL: [Format; 4] = [Format::Pdf, Format::Xlsx, Format::Csv, Format::Md];

    /// The formats written when `--format` is not given (and the only ones
    /// of the amendment annex): the Markdown pages are asked for.
    pub const DEFAULT: [Format; 3] = [Format::Pdf, Format::Xlsx, Format::Csv];

    /// The name used by `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Md => "md",
        }
    }

    /// The format called `name` in `--format`, if there is one.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Renders one job into this format's files.
    ///
    /// # Errors
    /// [`Failure::Render`] when the back-end fails on valid input (a defect,
    /// reported with the job); [`Failure::Output`] when the workbook's
    /// scratch files cannot be written ([`xlsx::scratch`]).
    pub fn render(self, job: &Job<'_>) -> Result<Vec<Output>, Failure> {
        Ok(match self {
            Format::Pdf => pdf::render(job)?,
            Format::Xlsx => xlsx::render(job)?,
            Format::Csv => csv::render(job)?,
            Format::Md => md::render(job)?,
        })
    }

    /// How many files one job of this format writes (the CSV: the table and
    /// the legend), for the progress bar's total; a test renders each.
    pub fn files_per_job(self) -> usize {
        match self {
            Format::Csv => 2,
            Format::Pdf | Format::Xlsx | Format::Md => 1,
        }
    }

    /// A rough upper bound of the memory one job of this format holds per
    /// activity while rendering, from measured peaks (35,000 activities:
    /// PDF ~150 MB, XLSX ~90 MB; a Markdown page of 10,000 activities is
    /// 1.5 MB, written into one reserved buffer), so that the scheduler does
    /// not render two large annexes side by side.
    pub fn memory_per_activity(self) -> usize {
        match self {
            Format::Pdf => 4_500,
            Format::Xlsx => 2_600,
            Format::Csv => 200,
            Format::Md => 200,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
