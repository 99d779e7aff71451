//! See main.rs for what belongs here.
//!
//! Batch runs into shared folders (cli.md, "Guarantees" and "Many matrices
//! in one run"): one run at a time per folder (the lock, `--no-wait`),
//! unchanged files left alone, an interrupted commit finished by the next
//! run (the journal, written here by hand from its documented format), a
//! folder of 300 matrices validated as a whole, and a full disk or a size
//! limit late in a 300-matrix run.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use crate::pipeline::{
    assert_exit, assert_unchanged, csv_args, parse_sums, run_csv, snapshot, temps, wait_bounded,
    wait_for_staging,
};
use crate::support::{self, JOURNAL, TEMP_PREFIX, big_matrix, llmaas_variant, s, sha256_hex, write_file};

const WAITING: &str = "waiting for another raci-annex run to finish writing into";

/// Every file but the lock: name -> modification time.
fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    support::list(dir)
        .into_iter()
        .map(|n| {
            let t = fs::metadata(dir.join(&n)).and_then(|m| m.modified()).expect("mtime");
            (n, t)
        })
        .collect()
}

/// Checks `SHA256SUMS` against the files next to it, with coreutils' `sha256sum -c` when there is one,
/// and always by reading every listed file back.
fn assert_sums_verify(dir: &Path) {
    let sums = parse_sums(&fs::read_to_string(dir.join("SHA256SUMS")).expect("SHA256SUMS"));
    for (name, digest) in &sums {
        assert_eq!(&sha256_hex(&fs::read(dir.join(name)).expect("listed file")), digest, "{name}");
    }
    match Command::new("sha256sum")
        .args(["--strict", "--quiet", "-c", "SHA256SUMS"])
        .current_dir(dir)
        .output()
    {
        Ok(o) => assert!(o.status.success(), "sha256sum -c: {}{}", support::stdout(&o), support::stderr(&o)),
        Err(e) => eprintln!("note: sha256sum not runnable ({e}); checked the digests only"),
    }
}

/// A pid that no process has now: one of a child that has exited.
fn dead_pid() -> u32 {
    let mut c = Command::new(env!("CARGO_BIN_EXE_raci-annex"))
        .arg("--version")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    c.wait().expect("wait");
    c.id()
}

// Two runs into one folder at once: the second waits for the first (saying so once), both succeed, and the
// folder ends consistent: the second run's SHA256SUMS verifies, no temporary file or journal is left.
#[test]
fn two_runs_into_one_folder_at_once_both_succeed_one_after_the_other() {
    let dir = support::scratch("batch-two");
    let big = write_file(&dir.join("big"), "big.yaml", &big_matrix("big", "1.0", 20_000));
    let out = dir.join("out");
    fs::create_dir_all(&out).expect("mkdir");
    // The first run is long (5 workbooks of 20,000 rows); the second is the small canonical matrix.
    let mut first = support::cmd(&dir)
        .args(["generate", "--quiet", "--format", "csv,xlsx", "--data", s(&big), "--out", s(&out)])
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the first run");
    assert!(wait_for_staging(&mut first, &out), "the first run never staged a file");
    let second = support::cmd(&dir)
        .args(["generate", "--format", "csv", "--data", s(&support::llmaas()), "--out", s(&out)])
        .output()
        .expect("run the second");
    assert!(wait_bounded(&mut first, Duration::from_secs(300)).success(), "the first run failed");
    assert_exit(&second, 0, "the second run");
    let err = support::stderr(&second);
    assert_eq!(err.matches(WAITING).count(), 1, "the second run says once that it waits:\n{err}");
    assert!(err.starts_with(WAITING), "it says so before anything else:\n{err}");

    let sums = parse_sums(&fs::read_to_string(out.join("SHA256SUMS")).expect("sums"));
    assert!(
        sums.keys().all(|n| n.starts_with("llmaas-")) && sums.len() == 10,
        "the second run's sums: {sums:?}"
    );
    assert_sums_verify(&out);
    assert_eq!(temps(&out), Vec::<String>::new());
    let names = support::list_all(&out);
    assert!(!names.iter().any(|n| n == JOURNAL), "{names:?}");
    assert!(names.iter().any(|n| n == support::LOCK), "the lock file stays behind");
    assert_eq!(
        names.iter().filter(|n| n.starts_with("big-")).count(),
        15,
        "the first run's files stay: {names:?}"
    );
}

// `--no-wait` against a held lock exits 3 at once and changes nothing; without it the run waits until the lock
// is released; a lock file whose holder was killed (SIGKILL) blocks nothing.
#[test]
fn no_wait_against_a_held_lock_exits_3_and_changes_nothing() {
    let dir = support::scratch("batch-nowait");
    let out = dir.join("out");
    assert_exit(&run_csv(&dir, &support::llmaas(), &out), 0, "earlier run");
    let v2 = write_file(&dir, "v2.yaml", &llmaas_variant("llmaas", "2.0"));
    let before = snapshot(&out);
    let times = mtimes(&out);

    let holder = fs::File::open(out.join(support::LOCK)).expect("open the lock file");
    holder.lock().expect("hold the lock");
    let mut args = csv_args(&v2, &out);
    args.push("--no-wait".into());
    let started = std::time::Instant::now();
    let o = support::cmd(&dir).args(&args).output().expect("run");
    assert_exit(&o, 3, "--no-wait against a held lock");
    assert!(started.elapsed() < Duration::from_secs(20), "it did not wait");
    let err = support::stderr(&o);
    assert!(
        err.contains("--no-wait") && err.contains(s(&out)),
        "the message names the folder and why: {err}"
    );
    assert!(err.contains("the files of earlier runs are unchanged"), "{err}");
    assert_unchanged(&out, &before, "--no-wait");
    assert_eq!(mtimes(&out), times, "--no-wait touched no file");

    // Without --no-wait it waits (saying so), and runs once the lock is released.
    let mut args = csv_args(&v2, &out);
    args.retain(|a| a != "--quiet");
    let mut waiting = support::cmd(&dir).args(&args).stderr(Stdio::piped()).spawn().expect("spawn");
    std::thread::sleep(Duration::from_millis(500));
    assert!(waiting.try_wait().expect("poll").is_none(), "the run waits while the lock is held");
    assert_unchanged(&out, &before, "while waiting");
    drop(holder);
    let status = wait_bounded(&mut waiting, Duration::from_secs(120));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut waiting.stderr.take().expect("stderr"), &mut err)
        .expect("read stderr");
    assert!(status.success(), "{err}");
    assert_eq!(err.matches(WAITING).count(), 1, "{err}");
    assert_ne!(snapshot(&out), before, "the waiting run wrote version 2");

    // A run killed while it holds the lock leaves the lock file, which blocks nothing.
    let big = write_file(&dir.join("big"), "big.yaml", &big_matrix("big", "1.0", 20_000));
    let mut killed = support::cmd(&dir).args(csv_args(&big, &out)).spawn().expect("spawn");
    assert!(wait_for_staging(&mut killed, &out), "the run to kill never staged a file");
    let _ = killed.kill();
    let _ = killed.wait();
    let mut args = csv_args(&support::llmaas(), &out);
    args.push("--no-wait".into());
    assert_exit(
        &support::cmd(&dir).args(&args).output().expect("run"),
        0,
        "--no-wait after the holder was killed",
    );
}

// A run with unchanged input rewrites nothing (every mtime kept, every line says `unchanged`); after one
// language's text changes, exactly the files whose bytes changed get a new mtime.
#[test]
fn unchanged_files_keep_their_mtime_and_only_changed_files_are_rewritten() {
    let dir = support::scratch("batch-mtime");
    let original = fs::read_to_string(support::llmaas()).expect("read");
    let data = write_file(&dir.join("m"), "llmaas.yaml", &original);
    let out = dir.join("out");
    let args = ["generate", "--data", s(&data), "--out", s(&out)];
    assert_exit(&support::run(&dir, &args), 0, "first run");
    let first = snapshot(&out);
    let first_times = mtimes(&out);
    assert_eq!(first.len(), 21, "5 languages × (PDF, XLSX, 2 CSV) and SHA256SUMS");
    std::thread::sleep(Duration::from_millis(50));

    let o = support::run(&dir, &args);
    assert_exit(&o, 0, "same input");
    assert_eq!(mtimes(&out), first_times, "nothing rewritten");
    assert_eq!(snapshot(&out), first);
    let err = support::stderr(&o);
    for name in first.keys() {
        assert!(
            err.contains(&format!("unchanged {} (", s(&out.join(name)))),
            "no `unchanged` line for {name}:\n{err}"
        );
    }
    assert!(!err.contains("wrote "), "{err}");

    // One English text changes.
    let en = "en: \"Verify that the LLMaaS service meets the application’s needs\"";
    assert!(original.contains(en));
    write_file(
        &dir.join("m"),
        "llmaas.yaml",
        &original.replacen(en, "en: \"Check that the LLMaaS service fits\"", 1),
    );
    let o = support::run(&dir, &args);
    assert_exit(&o, 0, "one English text changed");
    let third = snapshot(&out);
    let third_times = mtimes(&out);
    let err = support::stderr(&o);
    for (name, bytes) in &third {
        let changed = first[name] != *bytes;
        assert_eq!(
            third_times[name] != first_times[name],
            changed,
            "{name}: bytes changed {changed}, mtime?"
        );
        let line = format!("{} {} (", if changed { "wrote" } else { "unchanged" }, s(&out.join(name)));
        assert!(err.contains(&line), "{line}… missing:\n{err}");
    }
    let changed: Vec<&String> = third.keys().filter(|n| first[*n] != third[*n]).collect();
    for name in ["llmaas-en.csv", "llmaas-en.xlsx", "SHA256SUMS"] {
        assert!(changed.contains(&&name.to_string()), "{name} should have changed: {changed:?}");
    }
    for name in ["llmaas-de.csv", "llmaas-de.xlsx", "llmaas-fr.csv", "llmaas-en-legend.csv"] {
        assert!(!changed.contains(&&name.to_string()), "{name} should be left alone: {changed:?}");
    }
    assert_sums_verify(&out);
}

/// `n` copies of the canonical matrix, ids `m-001`…, in `dir`; returns the folder.
fn many_matrices(dir: &Path, n: usize, version: &str) -> PathBuf {
    for i in 1..=n {
        write_file(dir, &format!("m-{i:03}.yaml"), &llmaas_variant(&format!("m-{i:03}"), version));
    }
    dir.to_path_buf()
}

// A folder of 300 matrices with three invalid files: one run reports every error of all three, naming file,
// line and column, and writes nothing; fixed, one run writes all 300 matrices' files and their checksums.
#[test]
fn three_invalid_files_among_300_are_all_reported_and_nothing_is_written() {
    let dir = support::scratch("batch-300");
    let data = many_matrices(&dir.join("data"), 300, "1.0");
    let good = |i: usize| llmaas_variant(&format!("m-{i:03}"), "1.0");
    let broken = [
        (17, good(17).replacen("customer: \"RA\"", "customer: \"RZ\"", 1)),
        (150, good(150).replacen("\"LLMAAS-NEED-02\"", "\"LLMAAS-NEED-01\"", 1)),
        (299, good(299).replacen("version: \"1.0\"", "version: [1.0", 1)),
    ];
    for (i, text) in &broken {
        write_file(&data, &format!("m-{i:03}.yaml"), text);
    }
    let out = dir.join("out");
    let o = support::run(
        &dir,
        &["generate", "--format", "csv", "--lang", "de", "--data", s(&data), "--out", s(&out)],
    );
    assert_exit(&o, 1, "three invalid files");
    assert!(!out.exists(), "nothing was written, not even the folder");
    let err = support::stderr(&o);
    for (i, text) in &broken {
        let path = data.join(format!("m-{i:03}.yaml"));
        // The line of the change (the first byte that differs from the valid file).
        let at = text.bytes().zip(good(*i).bytes()).position(|(a, b)| a != b).expect("a change");
        let line = 1 + text[..at].matches('\n').count();
        assert!(
            err.contains(&format!("{}:{line}:", s(&path))),
            "m-{i:03}.yaml line {line} is not reported:\n{err}"
        );
    }
    for i in (1..=300).filter(|i| !broken.iter().any(|b| b.0 == *i)) {
        assert!(!err.contains(&format!("m-{i:03}.yaml")), "m-{i:03}.yaml is valid but named:\n{err}");
    }
    assert!(err.contains("nothing was written"), "{err}");

    for (i, _) in &broken {
        write_file(&data, &format!("m-{i:03}.yaml"), &good(*i));
    }
    let o = support::run(
        &dir,
        &["generate", "-q", "--format", "csv", "--lang", "de", "--data", s(&data), "--out", s(&out)],
    );
    assert_exit(&o, 0, "300 valid matrices");
    assert_eq!(support::list(&out).len(), 601, "300 × 2 CSV files and SHA256SUMS");
    let sums = parse_sums(&fs::read_to_string(out.join("SHA256SUMS")).expect("sums"));
    assert_eq!(sums.len(), 600);
    assert_sums_verify(&out);
}

/// A journal in the format of docs/cli.md for renaming `temp` files to `name`s.
fn journal(entries: &[(&[u8], String, String)]) -> Vec<u8> {
    let mut text = String::from("raci-annex journal 1\n");
    for (bytes, temp, name) in entries {
        text.push_str(&format!("{}\t{}\t{temp}\t{name}\n", sha256_hex(bytes), bytes.len()));
    }
    let digest = sha256_hex(text.as_bytes());
    text.push_str(&format!("end\t{}\t{digest}\n", entries.len()));
    text.into_bytes()
}

// A commit killed half-way (journal written, some files renamed, the others still temporary files) is finished
// by the next run into the folder, here one that writes only the German files; a journal cut short is ignored
// (its run had renamed nothing) and its temporary files removed.
#[test]
fn a_journal_left_by_a_killed_commit_is_finished_by_the_next_run() {
    let dir = support::scratch("batch-journal");
    let v2 = write_file(&dir, "v2.yaml", &llmaas_variant("llmaas", "2.0"));
    let complete = dir.join("complete-v2");
    assert_exit(&run_csv(&dir, &v2, &complete), 0, "complete version 2");
    let new = snapshot(&complete);
    let order: Vec<String> = fs::read_to_string(complete.join("SHA256SUMS"))
        .expect("sums")
        .lines()
        .map(|l| l.split_once("  ").expect("sums line").1.to_string())
        .chain(["SHA256SUMS".to_string()])
        .collect();

    for cut_short in [false, true] {
        let out = dir.join(format!("out-{cut_short}"));
        assert_exit(&run_csv(&dir, &support::llmaas(), &out), 0, "version 1");
        let old = snapshot(&out);
        // The killed version-2 commit: every changed file staged, the journal written, the first half renamed.
        let pid = dead_pid();
        let changed: Vec<&String> = order.iter().filter(|n| old[*n] != new[*n]).collect();
        assert!(changed.len() >= 6, "version 2 changes the data CSV files and SHA256SUMS: {changed:?}");
        let entries: Vec<(&[u8], String, String)> = changed
            .iter()
            .enumerate()
            .map(|(i, n)| (new[*n].as_slice(), format!("{TEMP_PREFIX}{pid}-{i}.tmp"), (*n).clone()))
            .collect();
        for (bytes, temp, _) in &entries {
            fs::write(out.join(temp), bytes).expect("stage");
        }
        let mut j = journal(&entries);
        if cut_short {
            j.truncate(j.len() - 20); // killed while writing it: no rename had begun
        } else {
            for (_, temp, name) in &entries[..entries.len() / 2] {
                fs::rename(out.join(temp), out.join(name)).expect("rename");
            }
        }
        fs::write(out.join(JOURNAL), &j).expect("journal");

        let mut args = csv_args(&support::llmaas(), &out);
        args.retain(|a| a != "--quiet");
        args.extend(["--lang".into(), "de".into()]);
        let o = support::cmd(&dir).args(&args).output().expect("run");
        assert_exit(&o, 0, "the run after the kill");
        let err = support::stderr(&o);
        assert_eq!(err.contains("finished the commit of an interrupted earlier run"), !cut_short, "{err}");
        let now = snapshot(&out);
        assert!(!now.contains_key(JOURNAL), "journal removed");
        assert_eq!(temps(&out), Vec::<String>::new(), "no temporary file left");
        for name in old.keys().filter(|n| n.starts_with("llmaas-") && !n.starts_with("llmaas-de")) {
            let expected = if cut_short { &old[name] } else { &new[name] };
            assert!(now[name] == *expected, "{name}: expected version {}", if cut_short { 1 } else { 2 });
        }
        for name in ["llmaas-de.csv", "llmaas-de-legend.csv"] {
            assert!(now[name] == old[name], "{name} is this run's (version 1)");
        }
        assert_sums_verify(&out);
    }
}

/// 300 copies of the canonical matrix in `dir/data-VERSION`.
fn batch_of_300(dir: &Path, version: &str) -> PathBuf {
    many_matrices(&dir.join(format!("data-{version}")), 300, version)
}

// A file size limit reached late in a 300-matrix run (by SHA256SUMS, the last file staged, 600 files after the
// first) exits 3 naming the cause; every earlier file stays as it was (bytes and mtime), no temporary file left.
#[test]
fn a_size_limit_late_in_a_300_matrix_run_leaves_the_earlier_files() {
    const LIMIT_BLOCKS: u64 = 16;
    let dir = support::scratch("batch-fsize");
    let (v1, v2) = (batch_of_300(&dir, "1.0"), batch_of_300(&dir, "2.0"));
    let out = dir.join("out");
    let args = |data: &Path| -> Vec<String> {
        let mut a = csv_args(data, &out);
        a.extend(["--lang".into(), "de".into()]);
        a
    };
    assert_exit(&support::cmd(&dir).args(args(&v1)).output().expect("run"), 0, "version 1");
    let before = snapshot(&out);
    let times = mtimes(&out);
    let biggest_csv =
        before.iter().filter(|(n, _)| n.ends_with(".csv")).map(|(_, b)| b.len()).max().unwrap_or(0);
    assert!(biggest_csv < 16 * 1024 && before["SHA256SUMS"].len() > 16 * 1024, "pick another limit");

    let o = match support::with_file_size_limit(&dir, LIMIT_BLOCKS).args(args(&v2)).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("note: bash not runnable ({e}); size limit test skipped");
            return;
        }
    };
    assert_exit(&o, 3, "size limit");
    let err = support::stderr(&o);
    assert!(err.contains("SHA256SUMS") && err.contains("file size limit"), "{err}");
    assert_unchanged(&out, &before, "after the size limit");
    assert_eq!(mtimes(&out), times);
    assert!(!support::list_all(&out).iter().any(|n| n == JOURNAL));
}

// A disk that fills up half-way through a 300-matrix run (a small tmpfs, in a mount namespace of its own:
// needs root and unshare, else skipped) exits 3 with "the disk is full"; every earlier file stays as it was.
#[test]
fn a_full_disk_in_a_300_matrix_run_leaves_the_earlier_files() {
    let dir = support::scratch("batch-full");
    let probe = Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "note: cannot mount a tmpfs in a mount namespace (needs root and unshare); full-disk test skipped"
        );
        return;
    }
    let (v1, v2) = (batch_of_300(&dir, "1.0"), batch_of_300(&dir, "2.0"));
    let mnt = dir.join("mnt");
    fs::create_dir_all(&mnt).expect("mkdir");
    let report = dir.join("report");
    fs::create_dir_all(&report).expect("mkdir");
    // 300 × (3.2 KB + 0.2 KB in 4 KB pages) ≈ 2.4 MB for version 1; version 2 needs as much again while staging.
    let script = r#"set -u
mount -t tmpfs -o size=3600k tmpfs "$MNT" || exit 90
cd "$MNT"
"$BIN" generate -q --format csv --lang de --data "$V1" --out out 2>"$REPORT/v1.err"; echo $? >"$REPORT/v1.code"
(cd out && ls -A | sort >"$REPORT/v1.ls" && sha256sum * >"$REPORT/v1.sums" && stat -c '%n %Y.%y' * >"$REPORT/v1.times")
"$BIN" generate -q --format csv --lang de --data "$V2" --out out 2>"$REPORT/v2.err"; echo $? >"$REPORT/v2.code"
(cd out && ls -A | sort >"$REPORT/v2.ls" && sha256sum * >"$REPORT/v2.sums" && stat -c '%n %Y.%y' * >"$REPORT/v2.times")
"#;
    let o = Command::new("unshare")
        .args(["-m", "bash", "-c", script])
        .env("MNT", &mnt)
        .env("BIN", env!("CARGO_BIN_EXE_raci-annex"))
        .env("V1", &v1)
        .env("V2", &v2)
        .env("REPORT", &report)
        .output()
        .expect("run the script");
    assert!(o.status.success(), "script: {}", support::stderr(&o));
    let read = |n: &str| fs::read_to_string(report.join(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
    assert_eq!(read("v1.code").trim(), "0", "version 1 fits: {}", read("v1.err"));
    assert_eq!(read("v2.code").trim(), "3", "version 2 fills the disk: {}", read("v2.err"));
    assert!(read("v2.err").contains("the disk is full"), "{}", read("v2.err"));
    assert_eq!(read("v1.ls").lines().count(), 603, "600 CSV files, SHA256SUMS, the lock and the manifest");
    assert_eq!(read("v2.ls"), read("v1.ls"), "no temporary file or journal left");
    assert_eq!(read("v2.sums"), read("v1.sums"), "every file as it was");
    assert_eq!(read("v2.times"), read("v1.times"), "every mtime as it was");
}

/// Copies the shipped `templates/strings` and `templates/layout.yaml` into `dir`.
fn copy_templates(dir: &Path) {
    fs::create_dir_all(dir.join("strings")).expect("mkdir");
    for e in fs::read_dir(support::root().join("templates/strings")).expect("list").flatten() {
        fs::copy(e.path(), dir.join("strings").join(e.file_name())).expect("copy");
    }
    fs::copy(support::root().join("templates/layout.yaml"), dir.join("layout.yaml")).expect("copy");
}

// A run into a folder of earlier outputs may take files made from the same inputs as they are (the manifest),
// but never a file that was changed in place, nor one whose templates, options or matrix changed, nor after the
// manifest is damaged: after each change, the folder equals a fresh run into an empty folder.
#[test]
fn a_rerun_reuses_files_only_while_their_inputs_and_bytes_are_unchanged() {
    let dir = support::scratch("batch-reuse");
    let templates = dir.join("templates");
    copy_templates(&templates);
    let out = dir.join("out");
    let data = support::llmaas();
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec!["generate", "--format", "csv,xlsx", "--lang", "de,en"];
        args.extend(["--data", s(&data), "--templates", s(&templates), "--out", s(out)]);
        args.extend(extra);
        let o = support::run(&dir, &args);
        assert_exit(&o, 0, &format!("generate {extra:?}"));
        support::stderr(&o)
    };
    let fresh = |name: &str, extra: &[&str]| {
        let f = dir.join(name);
        run(&f, extra);
        snapshot(&f)
    };
    run(&out, &[]);
    assert!(support::list_all(&out).iter().any(|n| n == support::MANIFEST), "the manifest is written");
    assert!(!fs::read_to_string(out.join("SHA256SUMS")).expect("sums").contains(support::MANIFEST));

    // A file changed in place (same size) is made again.
    let csv = out.join("llmaas-de.csv");
    let mut bytes = fs::read(&csv).expect("read");
    let last = bytes.len() - 3;
    bytes[last] ^= 0x01;
    fs::write(&csv, &bytes).expect("tamper");
    let err = run(&out, &[]);
    assert!(err.contains(&format!("wrote {} (", s(&csv))), "{err}");
    assert!(err.contains(&format!("unchanged {} (", s(&out.join("llmaas-en.csv")))), "{err}");
    assert_eq!(snapshot(&out), fresh("fresh-1", &[]));

    // Another German label: the German files change, as in a fresh run.
    let de = templates.join("strings/de.yaml");
    let text = fs::read_to_string(&de).expect("read");
    fs::write(&de, text.replacen("activity: \"", "activity: \"Tätigkeit / ", 1)).expect("edit");
    let err = run(&out, &[]);
    assert_eq!(snapshot(&out), fresh("fresh-2", &[]), "after a template change");
    assert!(err.contains(&format!("wrote {} (", s(&out.join("llmaas-de.xlsx")))), "{err}");
    assert!(err.contains(&format!("unchanged {} (", s(&out.join("llmaas-en.xlsx")))), "{err}");

    // Other options.
    run(&out, &["--csv-delimiter", ";"]);
    assert_eq!(snapshot(&out), fresh("fresh-3", &["--csv-delimiter", ";"]), "after --csv-delimiter");

    // A damaged manifest is ignored.
    let manifest = out.join(support::MANIFEST);
    let m = fs::read(&manifest).expect("manifest");
    fs::write(&manifest, &m[..m.len() / 2]).expect("cut");
    fs::write(&csv, b"not the file").expect("replace");
    run(&out, &[]);
    assert_eq!(snapshot(&out), fresh("fresh-4", &[]), "after a damaged manifest");
    assert_sums_verify(&out);
}
