//! Helpers shared by the end-to-end tests: a scratch folder per test, ways
//! to run the binary in it (`generate` into a fresh folder among them), the
//! names of the tool's own files, SHA-256 as `sha256sum` prints it, and (in
//! `support/matrix.rs`) the one builder of the matrices the tests write.
//! Everything a second test module needs lives here, not in a test module.

#![allow(dead_code, reason = "each test module uses a different subset")]

mod matrix;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

pub(crate) use matrix::{MatrixYaml, big_matrix, llmaas_variant, per};

/// The repository root (where `data/` and `templates/` are).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The canonical matrix.
pub(crate) fn llmaas() -> PathBuf {
    root().join("data/llmaas.yaml")
}

/// A fixture under `tests/fixtures/`.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A fresh, empty folder for one test, under cargo's target tmpdir.
pub(crate) fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("it").join(format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}

/// A command for the binary, run from `cwd`.
pub(crate) fn cmd(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_raci-annex"));
    c.current_dir(cwd);
    c
}

/// The binary under a file size limit of `blocks` KiB (bash `ulimit -f`,
/// SIGXFSZ ignored, so a write past it fails with EFBIG), run from `cwd`;
/// configure it (args, env) and `.output()` it. Errs when bash is not
/// runnable, for the test to note and skip.
pub(crate) fn with_file_size_limit(cwd: &Path, blocks: u64) -> Command {
    let mut c = Command::new("bash");
    c.arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_raci-annex"))
        .current_dir(cwd);
    c
}

/// Runs the binary with `args` from `cwd`.
pub(crate) fn run(cwd: &Path, args: &[&str]) -> Output {
    cmd(cwd).args(args).output().expect("run raci-annex")
}

/// Standard error as text.
pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output as text.
pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The lock file that every run leaves in its output folder (empty, never listed in SHA256SUMS).
pub(crate) const LOCK: &str = ".raci-annex.lock";
/// The manifest of which render job made which files, left by every run (never listed in SHA256SUMS).
pub(crate) const MANIFEST: &str = ".raci-annex.manifest";

/// Every file name in `dir`, sorted, but the tool's lasting files of its own ([`LOCK`], [`MANIFEST`]).
pub(crate) fn list(dir: &Path) -> Vec<String> {
    list_all(dir).into_iter().filter(|n| n != LOCK && n != MANIFEST).collect()
}

/// Every file name in `dir`, sorted, the lock file and the manifest included.
pub(crate) fn list_all(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The start of the name of every temporary file the tool stages in an output folder.
pub(crate) const TEMP_PREFIX: &str = ".raci-annex-";
/// The journal of a commit in progress, left in the output folder only by a run killed while committing.
pub(crate) const JOURNAL: &str = ".raci-annex.journal";

/// The path as text: every test path is UTF-8, and the binary takes paths as arguments.
pub(crate) fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// The SHA-256 of `bytes` in lower-case hex, as `sha256sum` and `SHA256SUMS` write it.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of the file at `path`, as [`sha256_hex`].
pub(crate) fn sha256_file(path: &Path) -> String {
    sha256_hex(&std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

/// Writes `text` to `dir/name` (creating `dir`) and returns the path.
pub(crate) fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create folder");
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    p
}

/// Runs `generate --data DATA… --out DIR/out EXTRA…` from a fresh scratch
/// folder `DIR` named after `name`: that folder and the run, whatever its
/// exit status (the output folder is always `DIR/out`).
pub(crate) fn run_generate(name: &str, data: &[&Path], extra: &[&str]) -> (PathBuf, Output) {
    let dir = scratch(name);
    let out = dir.join("out");
    let mut args = vec!["generate"];
    for d in data {
        args.extend(["--data", s(d)]);
    }
    args.extend(["--out", s(&out)]);
    args.extend_from_slice(extra);
    let o = run(&dir, &args);
    (dir, o)
}

/// `generate --quiet --format FORMAT` of `data` (and `extra` arguments) into
/// a fresh folder, as [`run_generate`]; panics unless it exits 0. The output folder.
pub(crate) fn generate(name: &str, format: &str, data: &[&Path], extra: &[&str]) -> PathBuf {
    let mut args = vec!["--quiet", "--format", format];
    args.extend_from_slice(extra);
    let (dir, o) = run_generate(name, data, &args);
    assert_eq!(o.status.code(), Some(0), "generate {args:?} of {data:?} failed: {}", stderr(&o));
    dir.join("out")
}

/// Runs the binary from the repository root with `input` on standard input.
pub(crate) fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd(&root())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn raci-annex");
    // A refused run may exit before reading it all.
    let _ = child.stdin.take().expect("stdin").write_all(input);
    child.wait_with_output().expect("wait")
}
