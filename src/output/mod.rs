//! Writing a run's files into the output folder: all or nothing, durably,
//! one run at a time, unchanged files left alone (cli.md, "Guarantees").
//!
//! The whole interface is [`Folder`]:
//!
//! ```no_run
//! # fn main() -> Result<(), raci_annex::output::OutputError> {
//! use raci_annex::output::{Folder, Wait};
//! let folder = Folder::open("out".as_ref(), Wait::Block(&|lock| eprintln!("waiting for {}", lock.display())))?;
//! let staged = vec![folder.stage("a-de.csv", b"...")?, folder.stage("a-en.csv", b"...")?];
//! for written in folder.commit(staged)? {
//!     println!("{} {}", if written.changed { "wrote" } else { "unchanged" }, written.path.display());
//! }
//! # Ok(()) }
//! ```
//!
//! - [`Folder::open`] creates the folder if needed and takes an advisory
//!   lock on `DIR/.raci-annex.lock` (waiting for another run, or failing at
//!   once with [`Wait::NoWait`]); the lock is held until the folder is
//!   committed or dropped, and dies with the process, so a lock file left by
//!   a killed run blocks nothing. Under the lock it first finishes a commit
//!   that a killed run left half-way ([`journal`]), then removes the
//!   temporary files of dead runs.
//! - [`Folder::stage`] (from any number of threads) writes one file
//!   completely under a hidden temporary name, unless the file in place
//!   already has exactly these bytes: that one is left alone (its mtime
//!   stays).
//! - [`Folder::stage_keyed`] does the same and records the [`InputKey`]
//!   (a digest of everything the file was made from) in the manifest;
//!   [`Folder::reuse`] gives back a key's files of the last run, when all
//!   are still in place with the recorded bytes, so that the caller need
//!   not make them again ([`manifest`]).
//! - Every staged file is flushed to disk: by background threads (`fsync`)
//!   while the run renders on, or, for a batch of many files, by one
//!   `syncfs` at the commit ([`durable`]).
//! - [`Folder::commit`] adds `SHA256SUMS` (and the manifest), waits until
//!   every new file is flushed, writes and flushes the journal, flushes the
//!   folder, renames every file into place (`SHA256SUMS` last), flushes the
//!   folder again and removes the journal. When nothing changed, nothing is
//!   written, flushed or renamed.
//!
//! A run that fails before its renames (disk full, a size limit, a
//! read-only folder) removes its temporary files and leaves every file in
//! place as it was. A rename within one folder is atomic, so a reader sees
//! the previous file or the new one, never a part.

mod durable;
pub mod journal;
pub mod manifest;

pub use manifest::InputKey;

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// Name of the checksum file written with every run.
pub const SUMS: &str = "SHA256SUMS";
/// Name of the lock file in the output folder (hidden, stays behind, never listed).
pub const LOCK: &str = ".raci-annex.lock";
/// Start of every temporary file's name: `.raci-annex-PID-N.tmp`.
pub const TEMP_PREFIX: &str = ".raci-annex-";

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

impl OutputError {
    fn new(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> OutputError {
        let path = path.into();
        move |source| OutputError { action, path, source }
    }

    /// Whether another run holds the folder's lock (only with [`Wait::NoWait`]).
    pub fn is_busy(&self) -> bool {
        self.source.kind() == io::ErrorKind::WouldBlock
    }
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

/// What [`Folder::open`] does when another run holds the folder's lock.
#[derive(Clone, Copy)]
pub enum Wait<'a> {
    /// Wait for it, after calling this once with the lock file's path (to say so).
    Block(&'a dyn Fn(&Path)),
    /// Fail at once with an error for which [`OutputError::is_busy`] holds.
    NoWait,
}

/// An output folder, locked for one run. See the module documentation.
#[derive(Debug)]
pub struct Folder {
    dir: PathBuf,
    /// The folder itself, opened to flush it (`fsync`).
    handle: File,
    /// Holds the advisory lock while this value lives.
    _lock: File,
    /// Folders that [`Folder::open`] created (their parents are flushed too).
    created: Vec<PathBuf>,
    next_temp: AtomicU64,
    recovered: usize,
    /// The last run's keyed groups of files ([`manifest`]).
    manifest: HashMap<InputKey, Vec<manifest::Recorded>>,
    /// Flushes staged files while the run goes on; started by the first one.
    flusher: std::sync::OnceLock<durable::Flusher>,
    /// How many files the run expects to stage ([`Folder::expect`]), which
    /// sizes the flusher.
    expected: usize,
}

/// One file of a run, ready for [`Folder::commit`]: written completely under
/// a temporary name, or found already in place with exactly these bytes.
/// Dropping it before the commit removes its temporary file.
#[derive(Debug)]
pub struct Staged {
    file_name: String,
    size: u64,
    sha256: String,
    /// `None` when the file in place already has these bytes.
    temp: Option<Temp>,
    /// The inputs it was made from, when the caller named them ([`Folder::stage_keyed`]).
    key: Option<InputKey>,
}

impl Staged {
    /// The final file name inside the output folder.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Lowercase hex SHA-256 of the content.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Whether the file in place already has these bytes (it will not be rewritten).
    pub fn is_unchanged(&self) -> bool {
        self.temp.is_none()
    }
}

/// A file of a committed run, in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The folder joined with the file name.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// `false` when the file in place already had these bytes and was left alone.
    pub changed: bool,
}

/// A temporary file, removed when dropped unless it was renamed into place.
#[derive(Debug)]
struct Temp {
    path: PathBuf,
    name: String,
    keep: bool,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl Folder {
    /// Creates `dir` if needed, locks it (see [`Wait`]), finishes a commit
    /// that a killed run left half-way and removes dead runs' temporary files.
    ///
    /// # Errors
    /// When the folder cannot be created or is a file, the lock cannot be
    /// taken (or is held, with [`Wait::NoWait`]), or an interrupted commit
    /// cannot be finished.
    pub fn open(dir: &Path, wait: Wait<'_>) -> Result<Folder, OutputError> {
        if dir.exists() && !dir.is_dir() {
            return Err(OutputError {
                action: "use the output folder",
                path: dir.to_path_buf(),
                source: io::Error::new(io::ErrorKind::NotADirectory, "this path names an existing file"),
            });
        }
        let created: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(dir).map_err(OutputError::new("create the output folder", dir))?;
        let handle = File::open(dir).map_err(OutputError::new("open the output folder", dir))?;

        let lock_path = dir.join(LOCK);
        let lock = open_lock(&lock_path)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => match wait {
                Wait::NoWait => {
                    return Err(OutputError {
                        action: "lock the output folder",
                        path: dir.to_path_buf(),
                        source: io::Error::new(
                            io::ErrorKind::WouldBlock,
                            format!(
                                "another raci-annex run is writing into it (it holds {}) and --no-wait was given",
                                lock_path.display()
                            ),
                        ),
                    });
                }
                Wait::Block(notify) => {
                    notify(&lock_path);
                    lock.lock().map_err(OutputError::new("lock", &lock_path))?;
                }
            },
            Err(fs::TryLockError::Error(e)) => return Err(OutputError::new("lock", &lock_path)(e)),
        }

        let recovered = recover(dir, &handle)?;
        remove_stale_temps(dir);
        let manifest =
            read_small(&dir.join(manifest::NAME)).map(|b| manifest::decode(&b)).unwrap_or_default();
        Ok(Folder {
            dir: dir.to_path_buf(),
            handle,
            _lock: lock,
            created,
            next_temp: AtomicU64::new(0),
            recovered,
            manifest,
            flusher: std::sync::OnceLock::new(),
            expected: usize::MAX,
        })
    }

    /// Tells the folder how many files this run will stage (before the
    /// first): the flusher starts as many threads as that many files need
    /// (a run of a dozen files two, a batch of thousands sixteen).
    pub fn expect(&mut self, files: usize) {
        self.expected = files;
    }

    /// The flusher, started with threads for the expected files.
    fn flusher(&self) -> &durable::Flusher {
        self.flusher.get_or_init(|| durable::Flusher::for_files(self.expected, &self.dir))
    }

    /// The folder's path, as given to [`Folder::open`].
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// How many files of an interrupted earlier commit [`Folder::open`] renamed into place (usually 0).
    pub fn recovered(&self) -> usize {
        self.recovered
    }

    /// Stages `bytes` as `file_name`: leaves the file in place alone if it
    /// already holds exactly these bytes, else writes them completely to a
    /// new temporary file in the folder, which background threads then
    /// flush to disk. Safe to call from several threads at once.
    ///
    /// # Errors
    /// When `file_name` is not a plain file name (or is one of this module's
    /// own names), a folder is in its place, or the temporary file cannot be
    /// created or written (permissions, disk full, size limit).
    pub fn stage(&self, file_name: &str, bytes: &[u8]) -> Result<Staged, OutputError> {
        check_name(file_name).map_err(OutputError::new("write", self.dir.join(file_name)))?;
        self.stage_any(file_name, bytes)
    }

    /// [`Folder::stage`], recording that the file was made from the inputs
    /// digested in `key`, so that a later run with the same key can
    /// [`Folder::reuse`] it without making it again.
    ///
    /// # Errors
    /// As [`Folder::stage`].
    pub fn stage_keyed(&self, key: &InputKey, file_name: &str, bytes: &[u8]) -> Result<Staged, OutputError> {
        let mut staged = self.stage(file_name, bytes)?;
        staged.key = Some(*key);
        Ok(staged)
    }

    /// The files that the last run into this folder made from `key`, staged
    /// as unchanged, when every one of them is still in place with the bytes
    /// recorded (each is read back and hashed); `None` otherwise, and the
    /// caller makes them. Safe to call from several threads at once.
    pub fn reuse(&self, key: &InputKey) -> Option<Vec<Staged>> {
        let group = self.manifest.get(key)?;
        group
            .iter()
            .map(|r| {
                let path = self.dir.join(&r.name);
                let there = fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() == r.size);
                (there && sha256_of(&path).is_ok_and(|h| h == r.sha256)).then(|| Staged {
                    file_name: r.name.clone(),
                    size: r.size,
                    sha256: r.sha256.clone(),
                    temp: None,
                    key: Some(*key),
                })
            })
            .collect()
    }

    /// [`Folder::stage`] without the check of the name (for the manifest).
    fn stage_any(&self, file_name: &str, bytes: &[u8]) -> Result<Staged, OutputError> {
        let final_path = self.dir.join(file_name);
        let sha256 = crate::fingerprint::hex(&Sha256::digest(bytes));
        let size = bytes.len() as u64;
        match fs::symlink_metadata(&final_path) {
            Ok(m) if m.is_dir() => {
                return Err(OutputError::new("replace", &final_path)(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "a folder has this name",
                )));
            }
            Ok(m) if m.is_file() && m.len() == size && same_content(&final_path, bytes) => {
                return Ok(Staged { file_name: file_name.to_owned(), size, sha256, temp: None, key: None });
            }
            _ => {}
        }
        let (mut file, temp) =
            self.create_temp().map_err(OutputError::new("create a temporary file for", &final_path))?;
        file.write_all(bytes)
            .and_then(|()| self.flusher().flush(file, &temp.path))
            .map_err(OutputError::new("write", &final_path))?;
        Ok(Staged { file_name: file_name.to_owned(), size, sha256, temp: Some(temp), key: None })
    }

    /// A new, empty temporary file `.raci-annex-PID-N.tmp` (mode 0666 less the umask).
    fn create_temp(&self) -> io::Result<(File, Temp)> {
        loop {
            let n = self.next_temp.fetch_add(1, Ordering::Relaxed);
            let name = format!("{TEMP_PREFIX}{}-{n}.tmp", std::process::id());
            let path = self.dir.join(&name);
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            // Like any file a program creates: 0666 less the umask.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o666);
            match options.open(&path) {
                Ok(f) => return Ok((f, Temp { path, name, keep: false })),
                // Left by a dead process that had this process's id: try the next number.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Stages `SHA256SUMS` for `files` (in their order) and puts every new
    /// file in place: flush the new files, write the journal, rename them
    /// (`SHA256SUMS` last), flush the folder, remove the journal. Files that
    /// were unchanged are left alone. Returns every file of the run, in
    /// order, `SHA256SUMS` last.
    ///
    /// # Errors
    /// When `SHA256SUMS` or the journal cannot be written or flushing fails
    /// (nothing was renamed: every file in place is as it was), or when a
    /// rename fails (the journal stays, and the next run into the folder
    /// finishes the commit).
    pub fn commit(mut self, mut files: Vec<Staged>) -> Result<Vec<Written>, OutputError> {
        let mut names = BTreeSet::new();
        if let Some(f) = files.iter().find(|f| f.file_name == SUMS || !names.insert(f.file_name.as_str())) {
            return Err(OutputError::new("write", self.dir.join(&f.file_name))(io::Error::new(
                io::ErrorKind::InvalidInput,
                "two files of this run have this name",
            )));
        }
        let mut sums = String::with_capacity(files.len() * 100);
        for f in &files {
            sums.push_str(&f.sha256);
            sums.push_str("  ");
            sums.push_str(&f.file_name);
            sums.push('\n');
        }
        let sums = self.stage(SUMS, sums.as_bytes())?;
        let written: Vec<Written> = files
            .iter()
            .chain([&sums])
            .map(|f| Written { path: self.dir.join(&f.file_name), size: f.size, changed: f.temp.is_some() })
            .collect();
        // The manifest of the keyed files, before SHA256SUMS (renamed last);
        // it is the tool's own file, not one of the run's.
        let keyed: Vec<(InputKey, manifest::Recorded)> = files
            .iter()
            .filter_map(|f| {
                let r =
                    manifest::Recorded { name: f.file_name.clone(), size: f.size, sha256: f.sha256.clone() };
                f.key.map(|k| (k, r))
            })
            .collect();
        if !keyed.is_empty() {
            let bytes = manifest::encode(keyed.iter().map(|(k, r)| (k, r)));
            files.push(self.stage_any(manifest::NAME, &bytes)?);
        }
        files.push(sums);

        let entries: Vec<journal::Entry> = files
            .iter()
            .filter_map(|f| {
                f.temp.as_ref().map(|t| journal::Entry {
                    sha256: f.sha256.clone(),
                    size: f.size,
                    temp: t.name.clone(),
                    name: f.file_name.clone(),
                })
            })
            .collect();
        if entries.is_empty() {
            return Ok(written); // nothing changed: nothing to flush or rename
        }

        // The journal joins the files being flushed (with the folders holding
        // the ones this run created); once all are on the disk, the folder
        // (the temporary names and the journal's): from here on, the renames
        // below can be finished by any later run. (A power cut before that
        // can leave a whole journal beside a temporary file that is not:
        // recovery then renames nothing, see `recover`.)
        let journal_path = self.dir.join(journal::NAME);
        let journal = Temp { path: journal_path.clone(), name: journal::NAME.to_owned(), keep: false };
        let flusher = self.flusher();
        write_new(&journal_path, &journal::encode(&entries))
            .and_then(|f| flusher.flush(f, &journal_path))
            .map_err(OutputError::new("write", &journal_path))?;
        for created in &self.created {
            let parent = created.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            File::open(parent)
                .and_then(|f| flusher.flush(f, parent))
                .map_err(OutputError::new("flush the folder", parent))?;
        }
        if let Some(flusher) = self.flusher.take() {
            flusher
                .finish(&self.handle, &self.dir)
                .map_err(|(path, e)| OutputError::new("flush", path)(e))?;
        }
        durable::sync(&self.handle).map_err(OutputError::new("flush the output folder", &self.dir))?;

        let mut journal = journal;
        journal.keep = true; // from here on, an interrupted commit is finished by the next run
        for f in &mut files {
            let Some(temp) = &mut f.temp else { continue };
            let path = self.dir.join(&f.file_name);
            if let Err(e) = fs::rename(&temp.path, &path) {
                for f in &mut files {
                    if let Some(t) = &mut f.temp {
                        t.keep = true; // the next run renames the rest (they were flushed)
                    }
                }
                return Err(OutputError::new(
                    "rename into place (the next run into this folder finishes the commit)",
                    path,
                )(e));
            }
            temp.keep = true;
        }
        self.flush_folder()?;
        fs::remove_file(&journal_path)
            .map_err(OutputError::new("remove the finished journal", &journal_path))?;
        Ok(written)
    }

    /// Flushes the folder (its entries renamed into place).
    fn flush_folder(&self) -> Result<(), OutputError> {
        durable::sync(&self.handle).map_err(OutputError::new("flush the output folder", &self.dir))
    }
}

/// Opens (creating it if needed) the lock file; a read-only folder still
/// lets an existing lock file be opened for reading, which is enough to lock.
fn open_lock(path: &Path) -> Result<File, OutputError> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o666);
    match options.open(path) {
        Ok(f) => Ok(f),
        Err(e) => File::open(path).map_err(|_| OutputError::new("create the lock file", path)(e)),
    }
}

/// Writes `bytes` to `path` (created or truncated); returns the file, to be flushed.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<File> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    Ok(f)
}

/// Whether the file at `path` holds exactly `bytes` (its size is known to match).
fn same_content(path: &Path, bytes: &[u8]) -> bool {
    let Ok(mut f) = File::open(path) else { return false };
    let mut buf = vec![0u8; 64 * 1024];
    let mut rest = bytes;
    loop {
        match f.read(&mut buf) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if n <= rest.len() && buf[..n] == rest[..n] => rest = &rest[n..],
            Ok(_) => return false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Lowercase hex SHA-256 of the file at `path`.
fn sha256_of(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) => return Ok(crate::fingerprint::hex(&hasher.finalize())),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Refuses names that are not one plain file name, or that are this module's own.
fn check_name(name: &str) -> io::Result<()> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.bytes().any(|b| matches!(b, b'/' | b'\\' | 0 | b'\t' | b'\n' | b'\r'));
    if plain
        && name != LOCK
        && name != journal::NAME
        && name != manifest::NAME
        && !name.starts_with(TEMP_PREFIX)
    {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, "not a plain file name of its own"))
    }
}

/// Whether a journal may rename a file to `name`: a plain name, or the manifest.
fn is_final_name(name: &str) -> bool {
    check_name(name).is_ok() || name == manifest::NAME
}

/// The whole file at `path`, if it exists and is at most [`journal::MAX_BYTES`].
fn read_small(path: &Path) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path).ok()?.take(journal::MAX_BYTES).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Whether `name` is one of this tool's temporary file names.
fn is_temp_name(name: &str) -> bool {
    name.strip_prefix(TEMP_PREFIX).is_some_and(|rest| {
        rest.ends_with(".tmp")
            && !rest.is_empty()
            && !rest.bytes().any(|b| matches!(b, b'/' | b'\\' | 0 | b'\t' | b'\n' | b'\r'))
    })
}

/// Finishes the commit recorded in a journal left by a killed run: renames
/// every temporary file still there (after checking that its content is the
/// one recorded, and flushing it, as its run may have been killed before it
/// could), flushes the folder and removes the journal. A journal that is not
/// complete, or names a temporary file whose content is not the one
/// recorded, is removed without renaming anything: its run had not begun
/// renaming. Returns the number of files renamed.
fn recover(dir: &Path, handle: &File) -> Result<usize, OutputError> {
    let path = dir.join(journal::NAME);
    let bytes = match File::open(&path) {
        Ok(f) => {
            let mut bytes = Vec::new();
            f.take(journal::MAX_BYTES).read_to_end(&mut bytes).map_err(OutputError::new("read", &path))?;
            bytes
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(OutputError::new("read", &path)(e)),
    };
    let entries = journal::decode(&bytes).unwrap_or_default();
    let mut todo = Vec::new();
    for e in &entries {
        let temp = dir.join(&e.temp);
        let Ok(meta) = fs::symlink_metadata(&temp) else { continue }; // renamed before the kill
        if meta.is_file() && meta.len() == e.size && sha256_of(&temp).is_ok_and(|h| h == e.sha256) {
            todo.push((temp, dir.join(&e.name)));
        } else {
            // A temporary file that is not what its entry says: the run lost
            // it to a power cut before its flushes were done, so it had
            // renamed nothing yet. Abandon the commit; the files in place
            // are the previous run's.
            todo.clear();
            break;
        }
    }
    if !todo.is_empty() {
        for (temp, _) in &todo {
            durable::flush_path(temp).map_err(OutputError::new("flush", temp))?;
        }
        durable::sync(handle).map_err(OutputError::new("flush the output folder", dir))?;
        for (temp, name) in &todo {
            fs::rename(temp, name)
                .map_err(OutputError::new("finish an interrupted commit: rename into place", name))?;
        }
        durable::sync(handle).map_err(OutputError::new("flush the output folder", dir))?;
    }
    fs::remove_file(&path).map_err(OutputError::new("remove the finished journal", &path))?;
    Ok(todo.len())
}

/// Removes temporary files that dead runs left behind. Called under the
/// lock before this run writes anything, so a temporary file carrying this
/// process's id is stale too (a dead process had the same id). Best effort:
/// a failure here changes nothing.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let own = std::process::id();
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        let alive = pid != own
            && (Path::new("/proc").join(pid.to_string()).exists() || !Path::new("/proc/self").exists());
        if !alive {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("raci-annex-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn open(dir: &Path) -> Folder {
        Folder::open(dir, Wait::NoWait).expect("open")
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_commit_puts_every_file_and_the_sums_in_place_and_leaves_only_the_lock() {
        let dir = scratch("commit");
        let f = open(&dir);
        let staged = vec![f.stage("b.csv", b"bee").expect("stage"), f.stage("a.csv", b"ay").expect("stage")];
        let written = f.commit(staged).expect("commit");
        assert_eq!(
            written.iter().map(|w| w.path.clone()).collect::<Vec<_>>(),
            [dir.join("b.csv"), dir.join("a.csv"), dir.join(SUMS)]
        );
        assert!(written.iter().all(|w| w.changed));
        assert_eq!(listing(&dir), [LOCK, SUMS, "a.csv", "b.csv"]);
        let sums = fs::read_to_string(dir.join(SUMS)).expect("sums");
        assert_eq!(
            sums,
            format!(
                "{}  b.csv\n{}  a.csv\n",
                crate::fingerprint::hex(&Sha256::digest(b"bee")),
                crate::fingerprint::hex(&Sha256::digest(b"ay"))
            )
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn equal_bytes_are_left_alone_and_a_dropped_stage_leaves_nothing() {
        let dir = scratch("unchanged");
        let f = open(&dir);
        let staged = vec![f.stage("a.csv", b"one").expect("stage")];
        f.commit(staged).expect("commit");
        let f = open(&dir);
        let same = f.stage("a.csv", b"one").expect("stage");
        assert!(same.is_unchanged());
        let other = f.stage("b.csv", b"two").expect("stage");
        assert!(!other.is_unchanged());
        drop(other);
        assert_eq!(listing(&dir), [LOCK, SUMS, "a.csv"], "the dropped stage's temporary file is gone");
        let written = f.commit(vec![same]).expect("commit");
        assert!(written.iter().all(|w| !w.changed), "neither the file nor SHA256SUMS changed: {written:?}");
        let f = open(&dir);
        let shorter = f.stage("a.csv", b"on").expect("stage");
        assert!(!shorter.is_unchanged(), "same prefix, other size");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_second_open_of_a_locked_folder_waits_or_fails_at_once() {
        let dir = scratch("lock");
        let first = open(&dir);
        let err = Folder::open(&dir, Wait::NoWait).expect_err("locked");
        assert!(err.is_busy(), "{err}");
        assert!(err.to_string().contains("--no-wait"), "{err}");
        let told = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                Folder::open(
                    &dir,
                    Wait::Block(&|_| {
                        told.fetch_add(1, Ordering::Relaxed);
                    }),
                )
                .map(|_| ())
            });
            std::thread::sleep(std::time::Duration::from_millis(100));
            assert!(!waiter.is_finished(), "the second open waits while the first holds the lock");
            drop(first);
            waiter.join().expect("join").expect("the second open gets the lock");
        });
        assert_eq!(told.load(Ordering::Relaxed), 1, "told once that it waits");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_of_its_own_or_with_separators_are_refused() {
        let dir = scratch("names");
        let f = open(&dir);
        for bad in ["", ".", "..", "a/b", "../x", LOCK, journal::NAME, ".raci-annex-1-1.tmp", "a\tb", "a\nb"]
        {
            assert!(f.stage(bad, b"x").is_err(), "{bad:?}");
        }
        let sums = vec![f.stage(SUMS, b"x").expect("stage")];
        assert!(f.commit(sums).is_err(), "SHA256SUMS is the commit's own");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_journal_left_by_a_killed_commit_is_finished_by_the_next_open() {
        let dir = scratch("recover");
        let f = open(&dir);
        let staged =
            vec![f.stage("a.csv", b"old a").expect("stage"), f.stage("b.csv", b"old b").expect("stage")];
        f.commit(staged).expect("commit");
        // A commit killed after renaming a.csv: the journal and b's temporary file remain.
        let entry = |name: &str, bytes: &[u8], temp: &str| journal::Entry {
            sha256: crate::fingerprint::hex(&Sha256::digest(bytes)),
            size: bytes.len() as u64,
            temp: temp.to_owned(),
            name: name.to_owned(),
        };
        let dead = ".raci-annex-999999999-1.tmp";
        let entries =
            vec![entry("a.csv", b"new a", ".raci-annex-999999999-0.tmp"), entry("b.csv", b"new b", dead)];
        fs::write(dir.join("a.csv"), b"new a").expect("renamed before the kill");
        fs::write(dir.join(dead), b"new b").expect("not renamed yet");
        fs::write(dir.join(journal::NAME), journal::encode(&entries)).expect("journal");
        let f = open(&dir);
        assert_eq!(f.recovered(), 1);
        assert_eq!(fs::read(dir.join("b.csv")).expect("b"), b"new b");
        assert_eq!(listing(&dir), [LOCK, SUMS, "a.csv", "b.csv"], "journal and temporary file gone");
        drop(f);

        // A journal whose temporary file is not what it records (a power cut
        // before the flushes) renames nothing, not even the good ones.
        let good = ".raci-annex-999999999-2.tmp";
        let bad = ".raci-annex-999999999-3.tmp";
        let entries = vec![entry("a.csv", b"good", good), entry("b.csv", b"lost", bad)];
        fs::write(dir.join(good), b"good").expect("temp");
        fs::write(dir.join(bad), b"\0\0\0\0").expect("temp");
        fs::write(dir.join(journal::NAME), journal::encode(&entries)).expect("journal");
        let f = open(&dir);
        assert_eq!(f.recovered(), 0);
        assert_eq!(fs::read(dir.join("a.csv")).expect("a"), b"new a");
        assert_eq!(listing(&dir), [LOCK, SUMS, "a.csv", "b.csv"], "journal and temporary files gone");
        drop(f);

        // A journal cut short is ignored: nothing is renamed, the dead run's file goes.
        let bytes = journal::encode(&[entry("a.csv", b"newer", dead)]);
        fs::write(dir.join(dead), b"newer").expect("temp");
        fs::write(dir.join(journal::NAME), &bytes[..bytes.len() - 3]).expect("journal");
        let f = open(&dir);
        assert_eq!(f.recovered(), 0);
        assert_eq!(fs::read(dir.join("a.csv")).expect("a"), b"new a");
        assert_eq!(listing(&dir), [LOCK, SUMS, "a.csv", "b.csv"]);
        let _ = fs::remove_dir_all(&dir);
    }
}
