//! The command line (cli.md), with clap. Only this module knows about clap;
//! it turns what was typed into the library's options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// When another run is writing into --out, exit 3 at once instead of waiting for it.
    #[arg(long = "no-wait")]
    pub no_wait: bool,
}

/// Options of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Matrix files or folders (default: data/).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}
