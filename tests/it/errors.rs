//! Invalid matrices and what `validate` / `generate` say about them, plus a
//! fuzz harness that feeds mutated matrices to the loader and to `diff` (and
//! those that load to the md back-end and back through `import`).
//!
//! Every file `tests/fixtures/invalid/<code>--<case>.yaml` breaks exactly one
//! rule; the test below picks new files up by itself. A line of a fixture that
//! ends in `# <- error` is where the loader must report the error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::{fixture, list, llmaas, root, run, run_generate, scratch, stderr, stdout};

/// What the first `error[<code>]` line of each invalid fixture must contain
/// besides the code and the path: the id concerned (activity, phase, party...)
/// or, where the file has no such id, the offending value.
const EXPECTED: &[(&str, &[&str])] = &[
    ("accountable-count--no-a", &["activity S-BUILD-02", "no party holds 'A'"]),
    ("accountable-count--two-a", &["activity S-BUILD-02", "customer, provider"]),
    ("alias-budget--billion-laughs", &["near id S-BUILD-01"]),
    ("bad-date--day-first", &["matrix small", "'23.11.2026'"]),
    ("bad-date--february-30", &["matrix small", "'2026-02-30'"]),
    ("bad-id--activity-leading-underscore", &["activity _S-RUN-01", "'_S-RUN-01'"]),
    ("bad-id--matrix-too-long", &["matrix id 'sssssssss"]),
    ("bad-id--matrix-uppercase", &["matrix id 'Small'"]),
    ("bad-id--party-space", &["party end user", "'end user'"]),
    ("bad-id--phase-underscore", &["phase run_phase", "'run_phase'"]),
    ("bad-id--subphase-uppercase", &["subphase Access", "'Access'"]),
    ("bad-language--full-name", &["matrix small", "'english'"]),
    ("bad-role-code--lowercase", &["legend", "'s'"]),
    ("bad-role-code--two-letters", &["legend", "'SU'"]),
    ("bad-rule--accountable-value", &["matrix rules", "exactly-two"]),
    ("bad-rule--override-value", &["activity S-RUN-01", "responsible: always"]),
    ("bad-rule--undeclared-role", &["matrix rules", "accountable_role: X"]),
    ("duplicate-id--activity", &["activity S-BUILD-01", "'S-BUILD-01'"]),
    ("duplicate-id--party", &["party customer", "'customer'"]),
    ("duplicate-id--phase", &["phase build", "'build'"]),
    ("duplicate-id--subphase-as-phase", &["subphase run", "'run'"]),
    ("duplicate-key--language-in-text", &["near id S-RUN-01", "`en`"]),
    ("duplicate-key--party-in-roles", &["near id S-BUILD-02", "`customer`"]),
    ("duplicate-language--fr-twice", &["matrix small", "'fr'"]),
    ("duplicate-role--i-twice", &["role I", "'I'"]),
    ("empty-section--empty-phase", &["phase close"]),
    ("empty-section--empty-subphase", &["subphase access"]),
    ("empty-text--blank-fr", &["activity S-ACC-01", "'fr'"]),
    ("empty-text--no-value", &["activity S-RUN-01", "'fr'"]),
    ("empty-text--version", &["matrix small", "version"]),
    ("missing-field--activity-text", &["near id S-RUN-01", "`text`"]),
    ("missing-field--matrix-date", &["near id small", "`date`"]),
    ("missing-glyph--cjk", &["activity S-BUILD-02", "'平'", "U+5E73"]),
    ("missing-translation--no-fr", &["activity S-RUN-01", "'fr'"]),
    ("no-phases--empty", &["matrix small"]),
    ("no-roles--empty-legend", &["matrix small"]),
    ("party-count--nine", &["matrix small", "9 parties"]),
    ("party-count--zero", &["matrix small", "0 parties"]),
    ("repeated-role--c-twice", &["activity S-BUILD-01", "party provider", "'C'"]),
    ("responsible-missing--nobody-r", &["activity S-RUN-01", "'R'"]),
    ("schema--schema-2", &["schema: 2"]),
    ("source-language--not-listed", &["matrix small", "'de'"]),
    ("too-deep--nested-merge", &["near id S-BUILD-01"]),
    ("unknown-field--activities-typo", &["near id run", "`activites`"]),
    ("unknown-field--activity-owner", &["near id S-BUILD-02", "`owner`"]),
    ("unknown-field--subphase-in-subphase", &["near id access", "`subphases`"]),
    ("unknown-party--ghost", &["activity S-BUILD-02", "'ghost'"]),
    ("unknown-role--x", &["activity S-BUILD-01", "party provider", "'X'"]),
    ("unlisted-language--german-text", &["activity S-BUILD-02", "'de'"]),
    ("wrong-type--role-cell-is-list", &["near id S-BUILD-02"]),
    ("wrong-type--schema-is-text", &["file: "]),
    ("wrong-type--text-is-list", &["near id S-BUILD-01"]),
    ("yaml-syntax--missing-colon", &["near id S-BUILD-01"]),
    ("yaml-syntax--tab-indent", &["near id S-BUILD-01", "tab"]),
    ("yaml-syntax--unclosed-quote", &["near id S-BUILD-02"]),
];

/// The invalid fixtures, as paths relative to the repository root, sorted.
fn invalid_fixtures() -> Vec<String> {
    list(&fixture("invalid"))
        .into_iter()
        .filter(|n| n.ends_with(".yaml"))
        .map(|n| format!("tests/fixtures/invalid/{n}"))
        .collect()
}

/// Splits a diagnostic header `kind[code]: <path>[:L:C]: rest` into its place and rest,
/// given the path printed. `None` when the line does not start with that path.
fn place_of<'a>(line: &'a str, path: &str) -> Option<(Option<(u64, u64)>, &'a str)> {
    let after = &line[line.find("]: ")? + 3..];
    let after = after.strip_prefix(path)?;
    if let Some(rest) = after.strip_prefix(": ") {
        return Some((None, rest));
    }
    let after = after.strip_prefix(':')?;
    let (l, after) = after.split_once(':')?;
    let (c, rest) = after.split_once(": ")?;
    Some((Some((l.parse().ok()?, c.parse().ok()?)), rest))
}

/// The 1-based line ending in `# <- error`, if the fixture marks one.
fn marked_line(text: &str) -> Option<u64> {
    text.lines().position(|l| l.trim_end().ends_with("# <- error")).map(|i| i as u64 + 1)
}

/// Every `error[` line of a run.
fn error_lines(o: &Output) -> Vec<String> {
    stderr(o).lines().filter(|l| l.starts_with("error[")).map(str::to_owned).collect()
}

/// Checks one invalid fixture; returns what is wrong with the run, if anything.
fn check_invalid_fixture(rel: &str, expected: &BTreeMap<&str, &[&str]>) -> Vec<String> {
    let mut problems = Vec::new();
    let stem = Path::new(rel).file_stem().unwrap().to_string_lossy().into_owned();
    let Some((code, _case)) = stem.split_once("--") else {
        return vec![format!("{rel}: the file name must be <code>--<case>.yaml")];
    };
    let o = run(&root(), &["validate", rel]);
    let err = stderr(&o);
    if o.status.code() != Some(1) {
        problems.push(format!("exit status {:?}, expected 1", o.status.code()));
    }
    if !stdout(&o).is_empty() {
        problems.push(format!("stdout is not empty: {}", stdout(&o)));
    }
    let errors = error_lines(&o);
    let tag = format!("error[{code}]: ");
    let Some(first) = errors.iter().find(|l| l.starts_with(&tag)) else {
        return vec![format!("{rel}: no `{tag}` line in:\n{err}")];
    };
    // One broken rule per file: no error of any other code.
    for other in errors.iter().filter(|l| !l.starts_with(&tag)) {
        problems.push(format!("an error of another code: {other}"));
    }
    match place_of(first, rel) {
        None => problems.push(format!("the message does not name the file as `{rel}[:L:C]: `: {first}")),
        Some((place, rest)) => {
            let text = std::fs::read_to_string(root().join(rel)).unwrap_or_default();
            match (marked_line(&text), place) {
                (Some(want), Some((line, _))) if line != want => {
                    problems.push(format!("reported at line {line}, the fixture marks line {want}"))
                }
                (Some(want), None) => problems.push(format!("no line given; the fixture marks line {want}")),
                (_, Some((line, col))) if line == 0 || col == 0 => {
                    problems.push(format!("line and column are 1-based, got {line}:{col}"))
                }
                _ => {}
            }
            match expected.get(stem.as_str()) {
                None => {
                    problems.push("no entry in EXPECTED: add the substrings its message must hold".into())
                }
                Some(subs) => {
                    for s in subs.iter().filter(|s| !rest.contains(*s)) {
                        problems.push(format!("the message lacks `{s}`: {first}"));
                    }
                }
            }
        }
    }
    if !err.contains("  = help: ") {
        problems.push("no `= help:` line saying what to do".into());
    }
    problems.into_iter().map(|p| format!("{rel}: {p}")).collect()
}

// Every invalid fixture exits 1 with error[<code from its name>] naming the file, the marked line and the id concerned.
#[test]
fn every_invalid_fixture_is_refused_with_its_code_place_and_id() {
    let files = invalid_fixtures();
    assert!(files.len() >= 30, "only {} invalid fixtures", files.len());
    let expected: BTreeMap<&str, &[&str]> = EXPECTED.iter().copied().collect();
    let names: Vec<String> =
        files.iter().map(|f| Path::new(f).file_stem().unwrap().to_string_lossy().into_owned()).collect();
    let mut problems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(files.len().div_ceil(8))
            .map(|chunk| {
                let expected = &expected;
                s.spawn(move || {
                    chunk.iter().flat_map(|f| check_invalid_fixture(f, expected)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    for stale in expected.keys().filter(|k| !names.iter().any(|n| n == *k)) {
        problems.push(format!("EXPECTED names {stale}, which has no fixture"));
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

// A file with three independently broken activities gets all three errors in one run.
#[test]
fn reports_every_error_of_a_file_in_one_run() {
    let rel = "tests/fixtures/multi/three-broken-activities.yaml";
    let o = run(&root(), &["validate", rel]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let errors = error_lines(&o);
    assert_eq!(errors.len(), 3, "{}", stderr(&o));
    for (code, id) in [
        ("unknown-role", "activity S-BUILD-01"),
        ("accountable-count", "activity S-BUILD-02"),
        ("missing-translation", "activity S-RUN-01"),
    ] {
        assert!(
            errors.iter().any(|l| l.starts_with(&format!("error[{code}]: {rel}:")) && l.contains(id)),
            "no {code} error for {id} in:\n{}",
            stderr(&o)
        );
    }
    assert!(stderr(&o).contains(&format!("invalid: {rel}: 3 error(s)")), "{}", stderr(&o));
}

// A valid matrix prints exactly one ok line with its counts on stdout, nothing on stderr, and exits 0.
#[test]
fn validate_prints_the_ok_line_for_a_valid_file() {
    let rel = "tests/fixtures/valid/small.yaml";
    let o = run(&root(), &["validate", rel]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("ok: {rel}: 2 phases, 4 activities, 2 languages\n"));
    assert_eq!(stderr(&o), "");
}

// The matrix using every optional feature is valid, and its per-activity rules override is shown as a warning.
#[test]
fn full_matrix_validates_with_a_rules_override_warning() {
    let rel = "tests/fixtures/valid/full.yaml";
    let o = run(&root(), &["validate", rel]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("ok: {rel}: 2 phases, 4 activities, 2 languages\n"));
    let err = stderr(&o);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning[")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].starts_with(&format!("warning[rules-override]: {rel}:")), "{err}");
    assert!(warnings[0].contains("activity F-BUILD-02") && warnings[0].contains("accountable: any"), "{err}");
    assert!(!err.contains("error["), "{err}");
}

// Several paths in one run: the valid one gets its ok line, the invalid one its errors, and the exit status is 1.
#[test]
fn validate_reports_each_of_several_files() {
    let good = "tests/fixtures/valid/small.yaml";
    let bad = "tests/fixtures/invalid/unknown-role--x.yaml";
    let o = run(&root(), &["validate", good, bad]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), format!("ok: {good}: 2 phases, 4 activities, 2 languages\n"));
    assert!(stderr(&o).contains(&format!("error[unknown-role]: {bad}:")), "{}", stderr(&o));
}

// Without arguments, `validate` run from the repository root checks data/ and prints exactly one ok line.
#[test]
fn validate_without_arguments_checks_the_data_folder() {
    let o = run(&root(), &["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "ok: data/llmaas.yaml: 6 phases, 24 activities, 5 languages\n");
    assert_eq!(stderr(&o), "");
}

// A file over 16 MiB is refused with file-too-large, naming the file, in under a second.
#[test]
fn refuses_a_17_mib_file_quickly() {
    let dir = scratch("too-large");
    let path = dir.join("huge.yaml");
    let mut text = std::fs::read_to_string(fixture("valid/small.yaml")).unwrap();
    let filler = format!("# {}\n", "x".repeat(1021));
    while text.len() < 17 * 1024 * 1024 {
        text.push_str(&filler);
    }
    std::fs::write(&path, &text).unwrap();
    let start = Instant::now();
    let o = run(&dir, &["validate", "huge.yaml"]);
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[file-too-large]: huge.yaml: "), "{}", stderr(&o));
    assert!(stderr(&o).contains("17.0 MiB"), "{}", stderr(&o));
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

/// Peak resident memory of running the binary with `args` from the repository root, in KiB,
/// with its output; `None` for the memory when it cannot be measured.
fn run_measuring_peak_rss(args: &[&str]) -> (Output, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let dir = scratch("rss");
        let report = dir.join("rss.txt");
        let o = std::process::Command::new(time)
            .args(["-f", "%M", "-o"])
            .arg(&report)
            .arg(env!("CARGO_BIN_EXE_raci-annex"))
            .args(args)
            .current_dir(root())
            .output()
            .expect("run /usr/bin/time");
        let text = std::fs::read_to_string(&report).unwrap_or_default();
        let kib = text.lines().filter_map(|l| l.trim().parse().ok()).next_back();
        return (o, kib);
    }
    // Fallback: poll the child's high-water mark until it exits (may miss the very end).
    let mut child = crate::support::cmd(&root())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn raci-annex");
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak = None;
    while child.try_wait().ok().flatten().is_none() {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            let hwm = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok());
            peak = peak.max(hwm);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    (child.wait_with_output().expect("wait for raci-annex"), peak)
}

// The alias bomb under `roles` is refused with alias-budget in under a second and under 50 MiB peak memory.
#[test]
fn refuses_the_alias_bomb_quickly_and_in_little_memory() {
    let rel = "tests/fixtures/invalid/alias-budget--billion-laughs.yaml";
    let start = Instant::now();
    let (o, kib) = run_measuring_peak_rss(&["validate", rel]);
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("error[alias-budget]: {rel}:")), "{}", stderr(&o));
    assert!(took < Duration::from_secs(1), "took {took:?}");
    match kib {
        Some(kib) => assert!(kib < 50 * 1024, "peak RSS {kib} KiB"),
        None => eprintln!("peak memory not measurable here (no /usr/bin/time, process too short for /proc)"),
    }
}

// A byte sequence that is not UTF-8 is refused with code `encoding` at its line and character column.
#[test]
fn refuses_invalid_utf8_with_the_encoding_code() {
    let dir = scratch("encoding");
    let mut bytes = std::fs::read(fixture("valid/small.yaml")).unwrap();
    // After "Gérer les clés d’", whose accents take more bytes than characters.
    let mark = "’API".as_bytes();
    let at = bytes.windows(mark.len()).position(|w| w == mark).unwrap() + "’".len();
    let start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    let col = 1 + std::str::from_utf8(&bytes[start..at]).unwrap().chars().count();
    assert!(col < 1 + at - start, "the line before the bad byte must hold multi-byte characters");
    bytes.splice(at..at, [0xC3, 0x28, 0xFF]);
    std::fs::write(dir.join("latin.yaml"), &bytes).unwrap();
    let o = run(&dir, &["validate", "latin.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let want = format!("error[encoding]: latin.yaml:{line}:{col}: ");
    assert!(stderr(&o).contains(&want), "expected `{want}` in:\n{}", stderr(&o));
}

// `generate` on an invalid matrix exits 1 and creates nothing in --out.
#[test]
fn generate_on_an_invalid_matrix_writes_nothing() {
    for rel in [
        "tests/fixtures/invalid/accountable-count--two-a.yaml",
        "tests/fixtures/invalid/yaml-syntax--unclosed-quote.yaml",
    ] {
        let (dir, o) = run_generate("generate-invalid", &[&root().join(rel)], &[]);
        let out = dir.join("out");
        assert_eq!(o.status.code(), Some(1), "{rel}: {}", stderr(&o));
        assert!(stderr(&o).contains("error["), "{rel}: {}", stderr(&o));
        assert!(list(&out).is_empty(), "{rel}: wrote {:?}", list(&out));
        assert_eq!(list(&dir), Vec::<String>::new(), "{rel}: left files next to --out");
    }
}

// `generate` with one valid and one invalid matrix writes nothing either (all or nothing).
#[test]
fn generate_with_one_invalid_matrix_among_valid_ones_writes_nothing() {
    let good = fixture("valid/small.yaml");
    let bad = fixture("invalid/unknown-party--ghost.yaml");
    let (dir, o) = run_generate("generate-mixed", &[&good, &bad], &["--format", "csv"]);
    let out = dir.join("out");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[unknown-party]"), "{}", stderr(&o));
    assert!(list(&out).is_empty(), "wrote {:?}", list(&out));
}

// Wrong command-line usage (unknown subcommand, unknown flag, no subcommand) exits 2.
#[test]
fn usage_errors_exit_2() {
    for args in [
        &["frobnicate"][..],
        &["validate", "--frobnicate"],
        &["generate", "--no-such-flag"],
        &["generate", "--format", "docx"],
        &[],
    ] {
        let o = run(&root(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty(), "{args:?}: no message on stderr");
    }
}

// A path that does not exist is invalid input (exit 1) with a message naming it, not a usage error.
#[test]
fn validate_of_a_missing_path_names_it() {
    let o = run(&root(), &["validate", "tests/fixtures/no-such.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("tests/fixtures/no-such.yaml"), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------
// Fuzzing the loader.

/// YAML fragments that tend to reach unusual parser and validator paths.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    "&a ", "*a", "&a [x, *a]", "[", "]", "{", "}", ": ", "- ", "\t", "? ", "!!str ", "!!binary ", "<<: *a",
    "<<: ", "|", ">-", "'", "\"", "#", "---\n", "...\n", "%YAML 1.2\n", "\\u0000", "\u{0}", "\u{FEFF}",
    "\u{2028}", "平", "é", "\u{301}", "😀", "\r", "\r\n", "~", "null", "0x1F", "1e999", ".nan", "-", "  ",
    "\n", "id: ", "roles: ", "rules: {accountable: any}", "RACI", "\"\"", "''", "[]", "{}", "&b {", "RA", "CI",
    "\"C, I\"", "A", "X", "ghost: R", "any", "at-most-one", "2026-02-29", "2024-02-29", "zz", "[en]", "{en: x}",
    "S-BUILD-01", "run", "customer", "99999999999999999999", "-1",
];

/// One change to a matrix file. Positions are `Index` values, scaled to the file at hand.
#[derive(Clone, Debug)]
pub(crate) enum Mutation {
    FlipByte(Index, u8),
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    InsertToken(Index, usize),
    ReplaceLineTail(Index, usize),
    Truncate(Index),
    InsertBytes(Index, Vec<u8>),
}

/// Weighted so that most mutants stay UTF-8 and get past the parser: flipping low bits keeps
/// ASCII ASCII; raw byte insertions (mostly `encoding` errors) are rare.
pub(crate) fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 1..=127u8).prop_map(|(i, x)| Mutation::FlipByte(i, x)),
        2 => any::<Index>().prop_map(Mutation::DeleteLine),
        2 => any::<Index>().prop_map(Mutation::DuplicateLine),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        3 => (any::<Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        4 => (any::<Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::ReplaceLineTail(i, t)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
    ]
}

/// Byte offsets where each line starts, and the length.
fn line_starts(b: &[u8]) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(b.iter().enumerate().filter(|(_, c)| **c == b'\n').map(|(i, _)| i + 1));
    v
}

fn line_range(b: &[u8], i: &Index) -> std::ops::Range<usize> {
    let starts = line_starts(b);
    let k = i.index(starts.len());
    let end = starts.get(k + 1).copied().unwrap_or(b.len());
    starts[k]..end
}

pub(crate) fn apply(mut b: Vec<u8>, m: &Mutation) -> Vec<u8> {
    if b.is_empty() {
        return b;
    }
    match m {
        Mutation::FlipByte(i, x) => {
            let k = i.index(b.len());
            b[k] ^= x;
        }
        Mutation::DeleteLine(i) => {
            let r = line_range(&b, i);
            b.drain(r);
        }
        Mutation::DuplicateLine(i) => {
            let r = line_range(&b, i);
            let line = b[r.clone()].to_vec();
            b.splice(r.start..r.start, line);
        }
        Mutation::SwapLines(i, j) => {
            let (r1, r2) = (line_range(&b, i), line_range(&b, j));
            let (a, c) = if r1.start <= r2.start { (r1, r2) } else { (r2, r1) };
            if a.end <= c.start {
                let (la, lc) = (b[a.clone()].to_vec(), b[c.clone()].to_vec());
                b.splice(c, la);
                b.splice(a, lc);
            }
        }
        Mutation::InsertToken(i, t) => {
            let k = i.index(b.len() + 1);
            b.splice(k..k, TOKENS[*t].bytes());
        }
        Mutation::ReplaceLineTail(i, t) => {
            // Keep the indentation and key of a line, replace what follows `: ` with a token.
            let r = line_range(&b, i);
            let cut = b[r.clone()].windows(2).position(|w| w == b": ").map_or(r.start, |p| r.start + p + 2);
            let end = if r.end > cut && b[r.end - 1] == b'\n' { r.end - 1 } else { r.end.max(cut) };
            b.splice(cut..end, TOKENS[*t].bytes());
        }
        Mutation::Truncate(i) => {
            let k = i.index(b.len());
            b.truncate(k);
        }
        Mutation::InsertBytes(i, bytes) => {
            let k = i.index(b.len() + 1);
            b.splice(k..k, bytes.iter().copied());
        }
    }
    b
}

/// Number of valid files at the start of [`corpus`].
pub(crate) const VALID_SEEDS: usize = 4;

/// Every matrix the fuzzer starts from: the valid ones first (canonical, small, full, md-hard), then every fixture.
pub(crate) fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files =
        vec![llmaas(), fixture("valid/small.yaml"), fixture("valid/full.yaml"), fixture("md/md-hard.yaml")];
    for sub in ["invalid", "multi"] {
        files.extend(list(&fixture(sub)).into_iter().map(|n| fixture(sub).join(n)));
    }
    files
        .into_iter()
        .map(|f| (f.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&f).unwrap()))
        .collect()
}

/// `diff` on a mutant that loaded: against the valid seed it came from (both ways) and against itself, the
/// comparison, the summary (with and without colours) and the JSON never panic; the JSON parses, holds one
/// object per change, and a matrix against itself has none.
fn check_diff(
    seed: Option<&raci_annex::model::Matrix>,
    mutant: &raci_annex::model::Matrix,
) -> Result<(), TestCaseError> {
    use raci_annex::diff;
    let same = diff::compare(mutant, mutant);
    prop_assert!(same.is_empty(), "a matrix differs from itself: {:?}", same);
    for (old, new) in seed.into_iter().flat_map(|s| [(s, mutant), (mutant, s)]).chain([(mutant, mutant)]) {
        let changes = diff::compare(old, new);
        let _ = diff::summary(&new.id, &changes, true);
        let _ = diff::summary(&new.id, &changes, false);
        let json = diff::json(old, new, &changes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let v: serde_json::Value =
            serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(v["changes"].as_array().map(Vec::len), Some(changes.len()));
        check_amendment(old, new, &changes)?;
    }
    Ok(())
}

/// The amendment annex of a pair, in the first language both declare: the
/// view and every format render without a panic, the CSV holds one record per change.
fn check_amendment(
    old: &raci_annex::model::Matrix,
    new: &raci_annex::model::Matrix,
    changes: &raci_annex::diff::Changes,
) -> Result<(), TestCaseError> {
    use raci_annex::render::amendment::{AmendmentJob, render};
    use raci_annex::render::{Format, RenderOptions};
    static TEMPLATES: std::sync::LazyLock<raci_annex::i18n::Templates> =
        std::sync::LazyLock::new(raci_annex::i18n::Templates::builtin);
    let Some(lang) = new.languages.iter().find(|l| old.has_language(l)) else { return Ok(()) };
    let strings = TEMPLATES.strings(lang);
    let view = raci_annex::diff::Amendment::new(changes, old, new, lang, strings);
    prop_assert_eq!(view.lines().count(), changes.len());
    let options = RenderOptions { attach_source: true, ..RenderOptions::new("fuzz") };
    let job = AmendmentJob { view: &view, strings, layout: &TEMPLATES.layout, options: &options };
    for format in Format::DEFAULT {
        let files = render(format, &job).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if format == Format::Csv {
            let records = csv::ReaderBuilder::new().from_reader(&files[0].bytes[..]).records().count();
            prop_assert_eq!(records, changes.len());
        }
    }
    Ok(())
}

// Mutated matrices (byte flips, line edits, inserted YAML tokens) never make the loader, the report renderer or
// `diff` panic, and every refusal carries at least one error; every mutant that loads renders to md and its pages
// import back to the same matrix (crate::md::round_trip). RACI_FUZZ_CASES sets the number of cases (default 64).
#[test]
fn fuzz_loader_never_panics_on_mutated_matrices() {
    let cases: u32 = std::env::var("RACI_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
    let corpus = corpus();
    let seeds: Vec<raci_annex::model::Matrix> = corpus[..VALID_SEEDS]
        .iter()
        .map(|(name, bytes)| match raci_annex::load::load_bytes(Path::new(name), bytes.clone(), 1) {
            Ok(l) => l.matrix,
            Err(r) => panic!("seed {name} does not load:\n{}", r.render()),
        })
        .collect();
    let dir = scratch("fuzz");
    let path = dir.join("mutated.yaml");
    let earlier_path = dir.join("earlier.yaml");
    let pages = dir.join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    let templates = raci_annex::i18n::Templates::builtin();
    let outcomes: std::cell::RefCell<BTreeMap<String, u64>> = Default::default();
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    // Valid seeds half the time: their mutants reach the validator's rules more often.
    let seed = prop_oneof![0..VALID_SEEDS, 0..corpus.len()];
    let strategy = (seed, proptest::collection::vec(mutation(), 1..4));
    let start = Instant::now();
    let result = runner.run(&strategy, |(which, mutations)| {
        let bytes = mutations.iter().fold(corpus[which].1.clone(), apply);
        std::fs::write(&path, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // An earlier stage of the same mutant (the seed itself after one mutation) as the other side of a diff.
        let earlier = mutations[..mutations.len() / 2].iter().fold(corpus[which].1.clone(), apply);
        std::fs::write(&earlier_path, &earlier).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // The binary on the pair (earlier, mutant): compared (0 or 4) or refused (1), never a panic.
        let o = run(&dir, &["diff", "earlier.yaml", "mutated.yaml", "--exit-code", "--json"]);
        prop_assert!(
            matches!(o.status.code(), Some(0 | 1 | 4)),
            "diff exited {:?}: {}",
            o.status.code(),
            stderr(&o)
        );
        prop_assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        let outcome = match raci_annex::load::load(&path) {
            Ok(l) => {
                prop_assert!(
                    !l.report.has_errors(),
                    "a loaded matrix carries errors: {:?}",
                    l.report.diagnostics
                );
                prop_assert!(l.matrix.activity_count() > 0);
                let _ = l.report.render();
                check_diff(seeds.get(which), &l.matrix)?;
                if let Ok(e) = raci_annex::load::load_bytes(Path::new("earlier.yaml"), earlier, 1) {
                    check_diff(Some(&e.matrix), &l.matrix)?;
                }
                // Whatever loads renders to md, and its pages import back to it.
                let same =
                    crate::md::round_trip(&pages, &l.matrix, &templates).map_err(TestCaseError::fail)?;
                if same { "ok".to_string() } else { "ok, md beyond the reader".to_string() }
            }
            Err(r) => {
                prop_assert!(r.has_errors(), "refused without an error (base {}): {:?}", corpus[which].0, r);
                let text = r.render();
                prop_assert!(text.contains("error["));
                r.diagnostics
                    .iter()
                    .find(|d| d.severity == raci_annex::diag::Severity::Error)
                    .unwrap()
                    .code
                    .to_string()
            }
        };
        *outcomes.borrow_mut().entry(outcome).or_default() += 1;
        Ok(())
    });
    let took = start.elapsed();
    eprintln!("fuzz: {cases} cases in {:.1} s; outcomes: {:?}", took.as_secs_f64(), outcomes.borrow());
    if let Err(e) = result {
        panic!("{e}");
    }
}
