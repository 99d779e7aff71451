//! All-or-nothing writing of a run's files (cli.md, "Guarantees").
//!
//! Each file is written completely to a hidden temporary file in the output
//! folder ([`stage`]); only when every file of the run is staged are they
//! renamed into place ([`commit`]). A rename within one folder is atomic, so a
//! reader sees either the previous file or the new one, never a part, even if
//! the process is killed. Temporary files of a failed run are removed when
//! their [`Staged`] handles drop.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Name of the checksum file written with every run.
pub const SUMS: &str = "SHA256SUMS";
const TEMP_PREFIX: &str = ".raci-annex-";

/// The output folder could not be prepared or a file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {}", path.display(), cause(source))]
pub struct OutputError {
    /// What was being done, e.g. "write".
    pub action: &'static str,
    /// The path concerned.
    pub path: PathBuf,
    /// The operating system's error.
    pub source: io::Error,
}

fn cause(e: &io::Error) -> String {
    let plain = match e.kind() {
        io::ErrorKind::StorageFull => "the disk is full",
        io::ErrorKind::FileTooLarge => "the file size limit was reached",
        io::ErrorKind::PermissionDenied => "permission denied",
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only",
        io::ErrorKind::NotADirectory => "a part of the path is a file, not a folder",
        _ => return e.to_string(),
    };
    format!("{plain} ({e})")
}

/// A file written completely under a temporary name, waiting to be renamed into place.
#[derive(Debug)]
pub struct Staged {
    /// Final file name inside the output folder.
    pub file_name: String,
    /// Size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    temp: tempfile::TempPath,
}

/// Creates the output folder if needed and checks that it is a folder.
///
/// # Errors
/// When the folder cannot be created, or the path is a file.
pub fn prepare(dir: &Path) -> Result<(), OutputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(OutputError {
            action: "use the output folder",
            path: dir.to_path_buf(),
            source: io::Error::new(io::ErrorKind::NotADirectory, "it is a file, not a folder"),
        });
    }
    fs::create_dir_all(dir).map_err(|source| OutputError {
        action: "create the output folder",
        path: dir.to_path_buf(),
        source,
    })?;
    remove_stale_temps(dir);
    Ok(())
}

/// Writes `bytes` to a new temporary file in `dir`, to be renamed to `file_name` by [`commit`].
///
/// # Errors
/// When the temporary file cannot be created or written (permissions, disk full, size limit).
pub fn stage(dir: &Path, file_name: &str, bytes: &[u8]) -> Result<Staged, OutputError> {
    let final_path = dir.join(file_name);
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Like any file a program creates: 0666 less the umask. tempfile's own
    // default, 0600, would leave the outputs readable by their author only.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut file = builder.tempfile_in(dir).map_err(|source| OutputError {
        action: "create a temporary file for",
        path: final_path.clone(),
        source,
    })?;
    file.write_all(bytes).and_then(|()| file.flush()).map_err(|source| OutputError {
        action: "write",
        path: final_path.clone(),
        source,
    })?;
    Ok(Staged {
        file_name: file_name.to_owned(),
        size: bytes.len() as u64,
        sha256: crate::fingerprint::sha256_hex(bytes),
        temp: file.into_temp_path(),
    })
}

/// Stages `SHA256SUMS` for `files`, then renames every staged file into place.
/// Returns the final paths with their sizes, in order, `SHA256SUMS` last.
///
/// # Errors
/// When the checksum file cannot be written or a rename fails; the
/// temporaries not yet renamed are removed.
pub fn commit(dir: &Path, mut files: Vec<Staged>) -> Result<Vec<(PathBuf, u64)>, OutputError> {
    let sums: String = files.iter().map(|f| format!("{}  {}\n", f.sha256, f.file_name)).collect();
    files.push(stage(dir, SUMS, sums.as_bytes())?);
    let mut done = Vec::with_capacity(files.len());
    for f in files {
        let path = dir.join(&f.file_name);
        f.temp.persist(&path).map_err(|e| OutputError {
            action: "rename into place",
            path: path.clone(),
            source: e.error,
        })?;
        done.push((path, f.size));
    }
    Ok(done)
}

/// Removes temporary files that a killed earlier run left behind (their
/// process no longer exists). Best effort: a failure here changes nothing.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        let alive = pid == std::process::id()
            || Path::new("/proc").join(pid.to_string()).exists()
            || !Path::new("/proc/self").exists();
        if !alive {
            let _ = fs::remove_file(e.path());
        }
    }
}
