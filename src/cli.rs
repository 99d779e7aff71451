//! The command line (cli.md), with clap. Only this module knows about clap;
//! it turns what was typed into the library's options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turns one canonical RACI matrix into PDF contract annexes, XLSX workbooks
/// and CSV files, per language.
#[derive(Debug, Parser)]
#[command(name = "raci-annex", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the matrices, then write PDF, XLSX and CSV for every language.
    Generate(GenerateArgs),
    /// Check matrix files without writing anything.
    Validate(ValidateArgs),
    /// Print the JSON Schema of the matrix format, for editors and CI.
    Schema,
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page (roff; view it with `man -l -`).
    Manpage,
}

/// Options of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// A matrix file, or a folder whose *.yaml / *.yml files are all matrices (repeatable).
    #[arg(long = "data", value_name = "PATH", default_value = "data")]
    pub data: Vec<PathBuf>,
    /// Where the outputs go; created if missing.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Comma-separated language tags (default: every language each matrix declares).
    #[arg(long = "lang", value_name = "LANGS", value_delimiter = ',')]
    pub lang: Option<Vec<String>>,
    /// Comma-separated subset of pdf,xlsx,csv.
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
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// Options of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Matrix files or folders (default: data/).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// How findings are printed: for people, as JSON lines, or as GitHub Actions commands.
    #[arg(long = "message-format", value_name = "FORMAT", value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

/// How `validate` prints its findings (authoring.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Each finding with its place, the quoted line and what to do, on standard error.
    Human,
    /// One JSON object per finding, then one per file, on standard output.
    Json,
    /// GitHub Actions workflow commands, on standard output.
    Github,
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
