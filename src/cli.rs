//! The command line (cli.md), with clap. Only this module knows about clap;
//! it turns what was typed into the library's options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turns one canonical RACI matrix into PDF contract annexes, XLSX workbooks
/// and CSV files, per language.
#[derive(Debug, Parser)]
#[command(name = "raci-annex", version, about, long_about = None)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate the matrices, then write PDF, XLSX and CSV (and, asked for, Markdown pages) for every language.
    Generate(GenerateArgs),
    /// Check matrix files without writing anything.
    Validate(ValidateArgs),
    /// Turn the Markdown pages of one matrix (one per language) into one matrix file.
    Import(ImportArgs),
    /// Compare two versions of a matrix: what changed, by id.
    Diff(DiffArgs),
    /// Print the JSON Schema of the matrix format, for editors and CI.
    Schema,
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page (roff; view it with `man -l -`).
    Manpage,
}

/// Options of `generate`.
#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// A matrix file, or a folder whose *.yaml / *.yml files are all matrices (repeatable).
    #[arg(long = "data", value_name = "PATH", default_value = "data")]
    pub data: Vec<PathBuf>,
    /// Where the outputs go; created if missing.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Comma-separated language tags (default: every language each matrix declares).
    #[arg(long = "lang", value_name = "LANGS", value_delimiter = ',')]
    pub lang: Option<Vec<String>>,
    /// Comma-separated subset of pdf,xlsx,csv,md (md: the documentation pages that `import` reads back; not in the default).
    #[arg(long, value_name = "FORMATS", value_delimiter = ',', default_value = "pdf,xlsx,csv")]
    pub format: Vec<String>,
    /// Per-language strings and layout (default: templates/ if present, else built-in).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// One ASCII character separating CSV fields, e.g. ';'.
    #[arg(long = "csv-delimiter", value_name = "CHAR", default_value = ",")]
    pub csv_delimiter: String,
    /// Start both CSV files with a UTF-8 byte order mark.
    #[arg(long = "csv-bom")]
    pub csv_bom: bool,
    /// Embed in each PDF the matrix file and the CSV of its language (PDF/A-3a).
    #[arg(long = "attach-source")]
    pub attach_source: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// When another run is writing into --out, exit 3 at once instead of waiting for it.
    #[arg(long = "no-wait")]
    pub no_wait: bool,
}

/// Options of `validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Matrix files or folders (default: data/).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// How findings are printed: for people, as JSON lines, or as GitHub Actions commands.
    #[arg(long = "message-format", value_name = "FORMAT", value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

/// How `validate` prints its findings (authoring.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum MessageFormat {
    /// Each finding with its place, the quoted line and what to do, on standard error.
    Human,
    /// One JSON object per finding, then one per file, on standard output.
    Json,
    /// GitHub Actions workflow commands, on standard output.
    Github,
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options of `import` (import.md).
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// One page per language, e.g. fr=docs/raci.md (repeatable; the first is the source by default).
    #[arg(long = "page", value_name = "LANG=FILE", required = true)]
    pub pages: Vec<String>,
    /// The matrix id; it also prefixes the activity ids.
    #[arg(long, value_name = "ID")]
    pub id: String,
    /// The page whose structure and role codes are authoritative (default: the first --page).
    #[arg(long = "source-language", value_name = "LANG")]
    pub source_language: Option<String>,
    /// The matrix version (default: the pages' raci_version, else "1.0").
    #[arg(long, value_name = "TEXT")]
    pub version: Option<String>,
    /// The matrix date (default: the newest front-matter date of the pages, else 1970-01-01).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// An earlier matrix whose ids are kept where the source-language text is unchanged.
    #[arg(long = "ids-from", value_name = "FILE")]
    pub ids_from: Option<PathBuf>,
    /// Where the matrix goes (refused if it exists, unless it is the --ids-from file; default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the drift report as JSON.
    #[arg(long, value_name = "FILE")]
    pub drift: Option<PathBuf>,
    /// Exit 4 when a translation's role cell disagrees with the source page.
    #[arg(long)]
    pub strict: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `diff` (diff.md). The `--out` form's options are checked for
/// form here; clap refuses them without `--out`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The earlier version: a matrix file, or - for standard input.
    #[arg(value_name = "OLD")]
    pub old: std::ffi::OsString,
    /// The later version: a matrix file, or - for standard input (not both).
    #[arg(value_name = "NEW")]
    pub new: std::ffi::OsString,
    /// Print one JSON object instead of the summary.
    #[arg(long, conflicts_with = "out")]
    pub json: bool,
    /// Exit with 4 when the two versions differ (0 when they do not).
    #[arg(long = "exit-code")]
    pub exit_code: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write the amendment annex (PDF, XLSX, CSV per language) into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// With --out: comma-separated language tags (default: every language both versions declare).
    #[arg(long = "lang", value_name = "LANGS", value_delimiter = ',', requires = "out")]
    pub lang: Option<Vec<String>>,
    /// With --out: comma-separated subset of pdf,xlsx,csv.
    #[arg(long, value_name = "FORMATS", value_delimiter = ',', requires = "out")]
    pub format: Option<Vec<String>>,
    /// With --out: per-language strings and layout (default: templates/ if present, else built-in).
    #[arg(long, value_name = "DIR", requires = "out")]
    pub templates: Option<PathBuf>,
    /// With --out: one ASCII character separating CSV fields, e.g. ';'.
    #[arg(long = "csv-delimiter", value_name = "CHAR", requires = "out")]
    pub csv_delimiter: Option<String>,
    /// With --out: start the CSV file with a UTF-8 byte order mark.
    #[arg(long = "csv-bom", requires = "out")]
    pub csv_bom: bool,
    /// With --out: embed in each PDF both matrix files and the CSV of its language (PDF/A-3a).
    #[arg(long = "attach-source", requires = "out")]
    pub attach_source: bool,
    /// With --out: when another run is writing into DIR, exit 3 at once instead of waiting for it.
    #[arg(long = "no-wait", requires = "out")]
    pub no_wait: bool,
}
