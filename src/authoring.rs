//! The commands for the people who write matrices (`../shared/spec/authoring.md`):
//! `schema` (the JSON Schema for editors).

use std::io::Write;
use std::process::ExitCode;

/// Writes `bytes` to standard output; exit status 3 (cli.md: outputs not
/// writable) when that fails, e.g. on a full disk.
fn emit(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            ExitCode::from(3)
        }
    }
}

/// `raci-annex schema`.
pub fn schema() -> ExitCode {
    emit(raci_annex::load::schema::json().as_bytes())
}
