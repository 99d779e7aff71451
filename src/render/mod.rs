//! The back-ends: each turns one matrix in one language into finished files,
//! in memory. They never touch the file system ([`crate::output`] does), so a
//! failed run writes nothing and tests need no disk.
//!
//! Adding a format means one new module and one line in [`RENDERERS`].

pub mod csv;
pub mod pdf;
pub mod xlsx;

use crate::i18n::{Layout, Strings};
use crate::model::{Lang, Matrix};

/// Everything a back-end needs to render one matrix in one language.
pub struct Job<'a> {
    /// The validated matrix.
    pub matrix: &'a Matrix,
    /// The language to render.
    pub lang: &'a Lang,
    /// Labels in that language.
    pub strings: &'a Strings,
    /// Page and type settings.
    pub layout: &'a Layout,
    /// Format-specific switches from the command line.
    pub options: &'a RenderOptions,
}

impl Job<'_> {
    /// `ID-LANG`, the stem of every file name of this job.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.matrix.id, self.lang)
    }
}

/// Switches that only some back-ends read.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// CSV field delimiter (one ASCII byte).
    pub csv_delimiter: u8,
    /// Start CSV files with a UTF-8 byte order mark.
    pub csv_bom: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { csv_delimiter: b',', csv_bom: false }
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
    pub fn new(format: &'static str, job: &Job<'_>, message: impl std::fmt::Display) -> RenderError {
        RenderError { format, stem: job.stem(), message: message.to_string() }
    }
}

/// One registered back-end.
#[derive(Debug)]
pub struct Renderer {
    /// The name used by `--format`.
    pub name: &'static str,
    /// Renders one job into one or more files.
    pub render: fn(&Job<'_>) -> Result<Vec<Output>, RenderError>,
}

/// Every back-end, in the order their files are produced.
pub const RENDERERS: &[Renderer] = &[
    Renderer { name: "pdf", render: pdf::render },
    Renderer { name: "xlsx", render: xlsx::render },
    Renderer { name: "csv", render: csv::render },
];

/// The back-end called `name`, if there is one.
pub fn by_name(name: &str) -> Option<&'static Renderer> {
    RENDERERS.iter().find(|r| r.name == name)
}
