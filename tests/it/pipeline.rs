//! See main.rs for what belongs here.
//!
//! The `generate` pipeline end to end, with `--format csv` only (the other
//! back-ends are tested in their own modules): the files and checksums of a
//! run, reproducibility, exit statuses, and the all-or-nothing guarantee
//! under a read-only folder, a file size limit and SIGKILL.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{self, JOURNAL, TEMP_PREFIX, big_matrix, llmaas_variant, s, sha256_hex, write_file};

const LANGS: [&str; 5] = ["de", "en", "fr", "es", "it"];

/// `generate --quiet --format csv --data DATA --out OUT`.
pub(crate) fn csv_args(data: &Path, out: &Path) -> Vec<String> {
    ["generate", "--quiet", "--format", "csv", "--data", s(data), "--out", s(out)].map(String::from).to_vec()
}

pub(crate) fn run_csv(cwd: &Path, data: &Path, out: &Path) -> Output {
    support::cmd(cwd).args(csv_args(data, out)).output().expect("run raci-annex")
}

pub(crate) fn assert_exit(o: &Output, code: i32, what: &str) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "{what}: expected exit {code}\nstdout: {}\nstderr: {}",
        support::stdout(o),
        support::stderr(o)
    );
}

/// The ten CSV names of the canonical matrix, plus `SHA256SUMS`, sorted like [`support::list`].
fn llmaas_names() -> Vec<String> {
    let mut v: Vec<String> = LANGS
        .iter()
        .flat_map(|l| [format!("llmaas-{l}.csv"), format!("llmaas-{l}-legend.csv")])
        .chain(["SHA256SUMS".to_string()])
        .collect();
    v.sort();
    v
}

/// Every regular file directly in `dir` but the lock file and the manifest, name -> bytes.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_ok_and(|t| t.is_file())
                && e.file_name() != support::LOCK
                && e.file_name() != support::MANIFEST
        })
        .map(|e| {
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read output"))
        })
        .collect()
}

/// Names in `dir` that look like the tool's temporary files.
pub(crate) fn temps(dir: &Path) -> Vec<String> {
    support::list(dir).into_iter().filter(|n| n.starts_with(TEMP_PREFIX)).collect()
}

/// Asserts that `dir` holds exactly `before`, byte for byte, and no temporary file.
pub(crate) fn assert_unchanged(dir: &Path, before: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(temps(dir), Vec::<String>::new(), "{what}: temporary files left in {}", dir.display());
    let after = snapshot(dir);
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>(), "{what}: file names");
    for (name, bytes) in before {
        assert!(after[name] == *bytes, "{what}: {name} changed");
    }
}

/// Parses `SHA256SUMS`: file name -> hex digest.
pub(crate) fn parse_sums(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(|l| {
            let (hash, name) = l.split_once("  ").unwrap_or_else(|| panic!("not sha256sum format: {l:?}"));
            assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "bad digest in {l:?}");
            (name.to_string(), hash.to_string())
        })
        .collect()
}

// A CSV run writes the 10 CSV files and SHA256SUMS, which lists exactly them with correct digests and passes `sha256sum -c`.
#[test]
fn csv_run_writes_ten_csv_files_and_checksums_that_verify() {
    let dir = support::scratch("pipe-sums");
    let out = dir.join("out");
    let o = run_csv(&dir, &support::llmaas(), &out);
    assert_exit(&o, 0, "generate");
    assert_eq!(support::list(&out), llmaas_names());

    let files = snapshot(&out);
    let sums = parse_sums(std::str::from_utf8(&files["SHA256SUMS"]).expect("UTF-8 sums"));
    let listed: Vec<&String> = sums.keys().collect();
    let csvs: Vec<&String> = files.keys().filter(|n| *n != "SHA256SUMS").collect();
    assert_eq!(listed, csvs, "SHA256SUMS lists exactly the CSV files");
    for (name, hash) in &sums {
        assert_eq!(*hash, sha256_hex(&files[name]), "digest of {name}");
    }

    match Command::new("sha256sum").args(["--strict", "-c", "SHA256SUMS"]).current_dir(&out).output() {
        Ok(c) => {
            assert!(c.status.success(), "sha256sum -c failed:\n{}", String::from_utf8_lossy(&c.stdout));
            assert_eq!(
                String::from_utf8_lossy(&c.stdout).lines().filter(|l| l.ends_with(": OK")).count(),
                10
            );
        }
        Err(e) => eprintln!("note: sha256sum not runnable ({e}); checked the digests in-process only"),
    }
}

// Two identical runs give byte-identical files, and so does a run with another TZ, locale, SOURCE_DATE_EPOCH, cwd and thread count.
#[test]
fn runs_are_byte_identical_whatever_time_zone_locale_epoch_or_cwd() {
    let dir = support::scratch("pipe-determinism");
    let (out1, out2) = (dir.join("out1"), dir.join("out2"));
    assert_exit(&run_csv(&dir, &support::llmaas(), &out1), 0, "run 1");
    assert_exit(&run_csv(&dir, &support::llmaas(), &out2), 0, "run 2");
    let first = snapshot(&out1);
    assert_eq!(first.keys().cloned().collect::<Vec<_>>(), llmaas_names());
    assert_eq!(snapshot(&out2), first, "two identical runs differ");

    let elsewhere = dir.join("elsewhere/deeper");
    std::fs::create_dir_all(&elsewhere).expect("create cwd");
    let o = support::cmd(&elsewhere)
        .args(["generate", "--quiet", "--format", "csv", "--jobs", "1", "--data", s(&support::llmaas())])
        .args(["--out", "out3"])
        .env("TZ", "Pacific/Kiritimati")
        .env("LC_ALL", "fr_FR.UTF-8")
        .env("SOURCE_DATE_EPOCH", "1")
        .output()
        .expect("run 3");
    assert_exit(&o, 0, "run 3");
    assert_eq!(
        snapshot(&elsewhere.join("out3")),
        first,
        "time zone, locale, epoch or cwd changed the output"
    );
}

// An invalid matrix exits 1, says nothing was written, and does not even create the output folder.
#[test]
fn invalid_matrix_exits_1_without_creating_the_out_folder() {
    let dir = support::scratch("pipe-invalid");
    let text =
        std::fs::read_to_string(support::llmaas()).expect("read").replacen("schema: 1", "schema: 2", 1);
    let bad = write_file(&dir, "bad.yaml", &text);
    let out = dir.join("out");
    let o = run_csv(&dir, &bad, &out);
    assert_exit(&o, 1, "schema 2");
    assert!(support::stderr(&o).contains("bad.yaml"), "the message names the file");
    assert!(!out.exists(), "the output folder was created for an invalid matrix");
}

// `--lang xx` that the matrix does not declare exits 1 and writes nothing, neither in a new nor in an existing folder.
#[test]
fn undeclared_language_exits_1_and_writes_nothing() {
    let dir = support::scratch("pipe-lang");
    let out = dir.join("out");
    let mut args = csv_args(&support::llmaas(), &out);
    args.extend(["--lang".into(), "de,xx".into()]);
    let o = support::cmd(&dir).args(&args).output().expect("run");
    assert_exit(&o, 1, "--lang de,xx");
    assert!(support::stderr(&o).contains("'xx'"), "the message names the language: {}", support::stderr(&o));
    assert!(!out.exists(), "the output folder was created");

    assert_exit(&run_csv(&dir, &support::llmaas(), &out), 0, "earlier run");
    let before = snapshot(&out);
    let o = support::cmd(&dir).args(&args).output().expect("run");
    assert_exit(&o, 1, "--lang de,xx after a run");
    assert_unchanged(&out, &before, "--lang de,xx");
}

// An unknown format or an unknown option is a usage error (exit 2) that creates nothing.
#[test]
fn unknown_format_or_option_exits_2_and_writes_nothing() {
    let dir = support::scratch("pipe-usage");
    let out = dir.join("out");
    for extra in [&["--format", "docx"][..], &["--format", "csv,docx"], &["--no-such-option"]] {
        let mut args = csv_args(&support::llmaas(), &out);
        args.retain(|a| a != "--format" && a != "csv");
        args.extend(extra.iter().map(|a| a.to_string()));
        let o = support::cmd(&dir).args(&args).output().expect("run");
        assert_exit(&o, 2, &format!("{extra:?}"));
        assert!(!out.exists(), "{extra:?} created the output folder");
    }
}

// `--out` naming an existing file (or a path below one) exits 3, leaves that file and the earlier outputs intact, no temp file.
#[test]
fn out_path_that_is_a_file_exits_3_and_changes_nothing() {
    let dir = support::scratch("pipe-out-file");
    let out = dir.join("out");
    assert_exit(&run_csv(&dir, &support::llmaas(), &out), 0, "earlier run");
    let file = write_file(&dir, "not-a-folder", "precious\n");
    let before_out = snapshot(&out);
    let before_dir = snapshot(&dir);
    for target in [file.clone(), file.join("below")] {
        let o = run_csv(&dir, &support::llmaas(), &target);
        assert_exit(&o, 3, &format!("--out {}", target.display()));
        assert!(
            support::stderr(&o).contains(s(&file)),
            "the message names the path: {}",
            support::stderr(&o)
        );
        assert_unchanged(&dir, &before_dir, "parent folder");
        assert_unchanged(&out, &before_out, "earlier outputs");
    }
}

/// How this test process can run the binary without write permission on a root-owned folder.
enum Unprivileged {
    /// Not root: a folder without write permission is enough.
    AlreadyUnprivileged,
    /// Root: drop to `nobody` with this command prefix.
    Prefix(Vec<&'static str>),
}

fn unprivileged(probe_dir: &Path) -> Option<Unprivileged> {
    let probe = write_file(probe_dir, "uid-probe", "");
    if std::fs::metadata(&probe).expect("stat probe").uid() != 0 {
        return Some(Unprivileged::AlreadyUnprivileged);
    }
    let candidates: [Vec<&'static str>; 2] = [
        vec!["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"],
        vec!["runuser", "-u", "nobody", "--"],
    ];
    candidates.into_iter().find_map(|prefix| {
        let ok = Command::new(prefix[0])
            .args(&prefix[1..])
            .args(["test", "!", "-w", "/root"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|st| st.success());
        ok.then_some(Unprivileged::Prefix(prefix))
    })
}

// A read-only output folder exits 3 (as a non-root user), leaving the earlier outputs byte-identical and no temp file.
#[test]
fn read_only_out_folder_exits_3_and_keeps_earlier_outputs() {
    let scratch = support::scratch("pipe-readonly");
    let Some(how) = unprivileged(&scratch) else {
        eprintln!(
            "note: running as root with no way to drop privileges (setpriv, runuser); read-only test skipped"
        );
        return;
    };
    // Root drops to `nobody`, who must reach the binary, the matrix and the folder: use a world-readable tree.
    let base = match how {
        Unprivileged::AlreadyUnprivileged => scratch.clone(),
        Unprivileged::Prefix(_) => {
            std::env::temp_dir().join(format!("raci-annex-it-ro-{}", std::process::id()))
        }
    };
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("create base");
    let _cleanup = (base != scratch).then(|| RemoveOnDrop(base.clone()));
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).expect("chmod base");
    let bin = base.join("raci-annex");
    std::fs::copy(env!("CARGO_BIN_EXE_raci-annex"), &bin).expect("copy binary");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod binary");
    let data = write_file(&base, "llmaas.yaml", &llmaas_variant("llmaas", "2.0"));
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o644)).expect("chmod matrix");
    let out = base.join("out");

    assert_exit(&run_csv(&base, &support::llmaas(), &out), 0, "earlier run");
    let before = snapshot(&out);
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).expect("chmod out");

    let mut c = match &how {
        Unprivileged::AlreadyUnprivileged => Command::new(&bin),
        Unprivileged::Prefix(p) => {
            eprintln!("note: read-only test runs the binary as nobody via {}", p[0]);
            let mut c = Command::new(p[0]);
            c.args(&p[1..]).arg(&bin);
            c
        }
    };
    let o = c.current_dir(&base).args(csv_args(&data, &out)).output().expect("run unprivileged");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).expect("restore chmod");
    assert_exit(&o, 3, "read-only output folder");
    assert!(support::stderr(&o).contains(s(&out)), "the message names the folder: {}", support::stderr(&o));
    assert!(support::stderr(&o).contains("permission denied"), "the message gives the cause");
    assert_unchanged(&out, &before, "read-only folder");
}

/// Removes a folder outside cargo's target folder when the test ends, passed or failed.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// A write that hits the file size limit (SIGXFSZ ignored) exits 3 naming path and cause, earlier outputs intact, no temp file.
#[test]
fn write_failing_at_the_file_size_limit_exits_3_and_keeps_earlier_outputs() {
    const LIMIT_BLOCKS: u64 = 16; // bash `ulimit -f` counts 1024-byte blocks
    const LIMIT: u64 = LIMIT_BLOCKS * 1024;
    let dir = support::scratch("pipe-fsize");
    let v1 = write_file(&dir.join("v1"), "big.yaml", &big_matrix("big", "1.0", 400));
    let v2 = write_file(&dir.join("v2"), "big.yaml", &big_matrix("big", "2.0", 400));
    let out = dir.join("out");
    assert_exit(&run_csv(&dir, &v1, &out), 0, "earlier run");
    let before = snapshot(&out);
    assert_eq!(before.len(), 11);
    for (name, bytes) in &before {
        let small = name.ends_with("-legend.csv") || name == "SHA256SUMS";
        let size = bytes.len() as u64;
        assert!(
            if small { size < LIMIT } else { size > LIMIT },
            "{name} is {size} bytes: pick another limit"
        );
    }

    let o = match support::with_file_size_limit(&dir, LIMIT_BLOCKS).args(csv_args(&v2, &out)).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("note: bash not runnable ({e}); file size limit test skipped");
            return;
        }
    };
    assert_exit(&o, 3, "file size limit");
    let err = support::stderr(&o);
    assert!(err.contains(&format!("{}/big-", s(&out))), "the message names the file: {err}");
    assert!(err.contains("file size limit"), "the message gives the cause: {err}");
    assert_unchanged(&out, &before, "after the size limit");
}

/// Waits for `child` with a deadline, killing it if it hangs.
pub(crate) fn wait_bounded(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            return st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("raci-annex did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Polls `out` until a temporary file of process `pid` exists or the child exits;
/// returns whether one was seen.
pub(crate) fn wait_for_staging(child: &mut std::process::Child, out: &Path) -> bool {
    let mine = format!("{TEMP_PREFIX}{}-", child.id());
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if support::list(out).iter().any(|n| n.starts_with(&mine)) {
            return true;
        }
        if child.try_wait().expect("wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    false
}

// SIGKILL at various moments of a large run leaves every output either the old or the new complete file;
// the next run into the folder (here one that writes only the German files) first finishes a commit that was
// killed half-way, so the other languages' files are then all old or all new, never a mix; it removes dead
// runs' temp files only.
#[test]
fn sigkill_mid_run_leaves_only_whole_files_and_the_next_run_removes_dead_temps() {
    const ACTIVITIES: usize = 20_000;
    let dir = support::scratch("pipe-sigkill");
    let v1 = write_file(&dir.join("v1"), "big.yaml", &big_matrix("big", "1.0", ACTIVITIES));
    let v2 = write_file(&dir.join("v2"), "big.yaml", &big_matrix("big", "2.0", ACTIVITIES));
    let size = std::fs::metadata(&v1).expect("stat").len();
    assert!(size < 16 * 1024 * 1024, "the generated matrix is {size} bytes, over the 16 MiB cap");

    // The expected bytes of both versions, from complete runs; time the second run's staging window.
    let out = dir.join("out");
    assert_exit(&run_csv(&dir, &v1, &out), 0, "first run");
    let old = snapshot(&out);
    let new_dir = dir.join("complete-v2");
    std::fs::create_dir_all(&new_dir).expect("mkdir");
    let mut child = support::cmd(&dir).args(csv_args(&v2, &new_dir)).spawn().expect("spawn");
    let staged = wait_for_staging(&mut child, &new_dir);
    let t0 = Instant::now();
    assert!(wait_bounded(&mut child, Duration::from_secs(60)).success(), "complete second run");
    let window = t0.elapsed();
    assert!(staged, "never saw a temporary file of the complete run");
    let new = snapshot(&new_dir);
    assert_eq!(old.keys().collect::<Vec<_>>(), new.keys().collect::<Vec<_>>());
    assert!(
        old.iter().filter(|(n, b)| new[*n] != **b).count() >= 6,
        "the versions differ in every table and SHA256SUMS"
    );

    // Kill once right after start, then at spread points of the staging-to-exit window.
    let mut killed = 0;
    let mut with_temps = 0;
    let mut replaced = Vec::new();
    let mut dead_pids = Vec::new();
    let (mut journals, mut finished) = (0, 0);
    for fraction in [None, Some(0.0), Some(0.15), Some(0.3), Some(0.5), Some(0.7), Some(0.9)] {
        for (name, bytes) in &old {
            std::fs::write(out.join(name), bytes).expect("restore the first run's file");
        }
        let mut child = support::cmd(&dir)
            .args(csv_args(&v2, &out))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        match fraction {
            None => std::thread::sleep(Duration::from_millis(10)),
            Some(f) => {
                wait_for_staging(&mut child, &out);
                std::thread::sleep(window.mul_f64(f));
            }
        }
        let _ = child.kill(); // SIGKILL
        let status = wait_bounded(&mut child, Duration::from_secs(60));
        dead_pids.push(child.id());
        if status.code().is_none() {
            killed += 1;
        }

        let now = snapshot(&out);
        let left: Vec<&String> = now.keys().filter(|n| n.starts_with(TEMP_PREFIX)).collect();
        with_temps +=
            usize::from(left.iter().any(|n| n.starts_with(&format!("{TEMP_PREFIX}{}-", child.id()))));
        journals += usize::from(now.contains_key(JOURNAL));
        for (name, bytes) in now.iter().filter(|(n, _)| !n.starts_with(TEMP_PREFIX) && *n != JOURNAL) {
            assert!(
                old.get(name) == Some(bytes) || new.get(name) == Some(bytes),
                "after a kill at {fraction:?}, {name} is neither the old nor the new complete file"
            );
        }
        for name in old.keys() {
            assert!(now.contains_key(name), "after a kill at {fraction:?}, {name} disappeared");
        }
        replaced.push(new.iter().filter(|(n, b)| old[*n] != **b && now[*n] == **b).count());
        if now["SHA256SUMS"] == new["SHA256SUMS"] {
            for (name, bytes) in &new {
                assert!(now[name] == *bytes, "new SHA256SUMS in place but {name} is old");
            }
        }

        // The next run, German only, first finishes what the killed one had begun renaming.
        let mut args = csv_args(&v2, &out);
        args.extend(["--lang".into(), "de".into()]);
        assert_exit(&support::cmd(&dir).args(&args).output().expect("run"), 0, "German run after the kill");
        let after = snapshot(&out);
        assert!(!after.contains_key(JOURNAL), "the journal is gone once its commit is finished");
        let others: Vec<&String> =
            old.keys().filter(|n| n.starts_with("big-") && !n.starts_with("big-de")).collect();
        let new_ones = others.iter().filter(|n| after[**n] == new[**n]).count();
        let old_ones = others.iter().filter(|n| after[**n] == old[**n]).count();
        assert!(
            new_ones == others.len() || old_ones == others.len(),
            "after a kill at {fraction:?} and one more run, {new_ones} of the other languages' files are new and \
             {old_ones} old: a mix"
        );
        finished += usize::from(new_ones == others.len() && replaced.last() != Some(&(new.len() - 1)));
    }
    eprintln!(
        "sigkill: staging window {window:?}; {killed} of 7 runs killed mid-way, {with_temps} left temporary \
         files, {journals} a journal; new files in place after each kill: {replaced:?}; commits finished by the \
         next run: {finished}"
    );
    assert!(killed >= 4, "only {killed} of 7 runs were still running when killed: the delays are too long");

    // A planted temp of a dead process goes too; one of a live process (this test) stays.
    let dead = *dead_pids.last().expect("a pid");
    let planted_dead = format!("{TEMP_PREFIX}{dead}-planted.tmp");
    let planted_live = format!("{TEMP_PREFIX}{}-live.tmp", std::process::id());
    write_file(&out, &planted_dead, "partial");
    write_file(&out, &planted_live, "in use");
    assert_exit(&run_csv(&dir, &v2, &out), 0, "run after the kills");
    assert_eq!(
        temps(&out),
        std::slice::from_ref(&planted_live),
        "the run kept stale temps or removed a live one"
    );
    std::fs::remove_file(out.join(&planted_live)).expect("remove planted file");
    assert_eq!(snapshot(&out), new, "the run after the kills wrote the complete new files");
}

// A nested `--out` path that does not exist yet is created with every output in it.
#[test]
fn missing_nested_out_folder_is_created() {
    let dir = support::scratch("pipe-nested");
    let out = dir.join("a/b/c");
    assert_exit(&run_csv(&dir, &support::llmaas(), &out), 0, "generate");
    assert_eq!(support::list(&out), llmaas_names());
}

// `--data FOLDER` holding two matrices with different ids writes both, with one SHA256SUMS listing all 20 CSV files.
#[test]
fn data_folder_with_two_matrices_writes_both() {
    let dir = support::scratch("pipe-two");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::copy(support::llmaas(), data.join("llmaas.yaml")).expect("copy");
    write_file(&data, "other.yml", &llmaas_variant("other", "1.0"));
    let out = dir.join("out");
    assert_exit(&run_csv(&dir, &data, &out), 0, "generate");
    let mut expected = llmaas_names();
    expected.extend(
        llmaas_names().iter().filter(|n| n.starts_with("llmaas-")).map(|n| n.replacen("llmaas", "other", 1)),
    );
    expected.sort();
    assert_eq!(support::list(&out), expected);
    let sums = parse_sums(&std::fs::read_to_string(out.join("SHA256SUMS")).expect("read sums"));
    let listed: BTreeSet<&str> = sums.keys().map(String::as_str).collect();
    assert_eq!(listed, expected.iter().map(String::as_str).filter(|n| *n != "SHA256SUMS").collect());
}

// Two matrix files with the same id exit 1 naming the id, and nothing is written.
#[test]
fn two_files_with_one_matrix_id_exit_1_and_write_nothing() {
    let dir = support::scratch("pipe-dup");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::copy(support::llmaas(), data.join("a.yaml")).expect("copy");
    write_file(&data, "b.yaml", &llmaas_variant("llmaas", "2.0"));
    let out = dir.join("out");
    let o = run_csv(&dir, &data, &out);
    assert_exit(&o, 1, "duplicate id");
    assert!(support::stderr(&o).contains("'llmaas'"), "the message names the id: {}", support::stderr(&o));
    assert!(!out.exists(), "the output folder was created");
}

// `--quiet` prints nothing at all on success.
#[test]
fn quiet_run_prints_nothing() {
    let dir = support::scratch("pipe-quiet");
    let o = run_csv(&dir, &support::llmaas(), &dir.join("out"));
    assert_exit(&o, 0, "generate --quiet");
    assert_eq!((support::stdout(&o), support::stderr(&o)), (String::new(), String::new()));
}

// Without `--quiet`, standard error has exactly one line per written file, naming its path and its size.
#[test]
fn progress_has_one_line_per_file_with_path_and_size() {
    let dir = support::scratch("pipe-progress");
    let out = dir.join("out");
    let mut args = csv_args(&support::llmaas(), &out);
    args.retain(|a| a != "--quiet");
    let o = support::cmd(&dir).args(&args).output().expect("run");
    assert_exit(&o, 0, "generate");
    assert_eq!(support::stdout(&o), "", "progress goes to standard error");
    let err = support::stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    let names = support::list(&out);
    assert_eq!(lines.len(), names.len(), "one line per file:\n{err}");
    for name in &names {
        let path = out.join(name);
        let size = std::fs::metadata(&path).expect("stat").len().to_string();
        let hits: Vec<&&str> = lines
            .iter()
            .filter(|l| {
                let rest = l.split_once(s(&path)).map(|(_, r)| r);
                rest.is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '.'))
                    && l.split(|c: char| !c.is_ascii_digit()).any(|t| t == size)
            })
            .collect();
        assert_eq!(hits.len(), 1, "{name} ({size} bytes) should be on exactly one line:\n{err}");
    }
}

// Outputs get the usual mode of a new file, 0666 less the umask (not tempfile's owner-only 0600).
#[test]
fn outputs_are_created_with_the_umask_permissions() {
    let dir = support::scratch("pipe-umask");
    for (umask, mode) in [("022", 0o644), ("077", 0o600)] {
        let out = dir.join(format!("out-{umask}"));
        let o = match Command::new("bash")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_raci-annex"))
            .args(csv_args(&support::llmaas(), &out))
            .args(["--lang", "de"])
            .current_dir(&dir)
            .output()
        {
            Ok(o) => o,
            Err(e) => {
                eprintln!("note: bash not runnable ({e}); umask test skipped");
                return;
            }
        };
        assert_exit(&o, 0, &format!("umask {umask}"));
        assert_eq!(support::list(&out).len(), 3, "umask {umask}: two CSV files and SHA256SUMS");
        for name in support::list(&out) {
            let got = std::fs::metadata(out.join(&name)).expect("stat").permissions().mode() & 0o777;
            assert_eq!(got, mode, "umask {umask}: {name} has mode {got:o}");
        }
    }
}

// Optimisations must not change a byte: the digests of every LLMaaS output
// (PDF, XLSX, CSV in five languages) equal the recorded ones, whatever the
// number of worker threads. A deliberate change of the outputs updates them
// with UPDATE_GOLDEN=1.
#[test]
fn outputs_match_the_recorded_digests() {
    let golden = crate::support::root().join("tests/golden/llmaas/SHA256SUMS");
    for jobs in ["1", "2"] {
        let dir = crate::support::scratch("digests");
        let out = dir.join("out");
        let o = crate::support::run(
            &crate::support::root(),
            &[
                "generate",
                "-q",
                "--jobs",
                jobs,
                "--data",
                crate::support::llmaas().to_str().expect("utf-8"),
                "--out",
                out.to_str().expect("utf-8"),
            ],
        );
        assert!(o.status.success(), "{}", crate::support::stderr(&o));
        let sums = std::fs::read_to_string(out.join("SHA256SUMS")).expect("SHA256SUMS");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &sums).expect("update golden digests");
        }
        let expected = std::fs::read_to_string(&golden).expect("golden digests");
        assert_eq!(
            sums, expected,
            "outputs changed (--jobs {jobs}); if intended, rerun with UPDATE_GOLDEN=1"
        );
    }
}

// A --templates folder that does not exist is an input error (exit 1) that
// names the folder, and nothing is written.
#[test]
fn missing_templates_folder_is_refused() {
    let dir = crate::support::scratch("no-templates");
    let out = dir.join("out");
    let o = crate::support::run(
        &dir,
        &[
            "generate",
            "--templates",
            "no-such-folder",
            "--data",
            crate::support::llmaas().to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(crate::support::stderr(&o).contains("no-such-folder"), "{}", crate::support::stderr(&o));
    assert!(!out.exists());
}

// A matrix large enough to be parsed in two halves (256 KiB or more) gives
// the same files with one thread (one parse) as with two.
#[test]
fn a_large_matrix_gives_the_same_files_parsed_whole_or_in_halves() {
    let dir = crate::support::scratch("halves");
    let text = big_matrix("halves", "1.0", 1_200);
    assert!(text.len() >= 256 * 1024, "{} bytes: too small to be split", text.len());
    let data = write_file(&dir, "halves.yaml", &text);
    let mut outs = Vec::new();
    for jobs in ["1", "2"] {
        let out = dir.join(format!("out-{jobs}"));
        let o = crate::support::run(
            &crate::support::root(),
            &["generate", "-q", "--format", "csv", "--jobs", jobs, "--data", s(&data), "--out", s(&out)],
        );
        assert_exit(&o, 0, &format!("--jobs {jobs}"));
        outs.push(snapshot(&out));
    }
    assert_eq!(outs[0].len(), 11, "matrix and legend CSV in 5 languages, and SHA256SUMS");
    assert!(outs[0] == outs[1], "the files differ between --jobs 1 and --jobs 2");
}
