//! The tools for the people who write matrices (`../shared/spec/authoring.md`):
//! `raci-annex schema` checked against the fixtures with an independent JSON
//! Schema validator, `validate --message-format json|github` against the
//! human messages, and the completions and manual page against `--help`.

use std::path::Path;
use std::process::Output;

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use raci_annex::diag::Severity;
use serde_json::Value;

use crate::errors::{VALID_SEEDS, apply, corpus, mutation};
use crate::support::{fixture, list, llmaas, root, run, scratch, stderr, stdout};

/// The schema as `raci-annex schema` prints it.
fn schema() -> Value {
    let o = run(&root(), &["schema"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    serde_json::from_slice(&o.stdout).expect("schema prints JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).expect("the schema compiles")
}

/// A matrix file read as JSON, as an editor's YAML language server sees it
/// (YAML 1.2: `2026-11-23` is a string); `Err` when the YAML reader refuses
/// it under the loader's limits (duplicate keys, depth, aliases).
fn as_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut options = serde_saphyr::Options::default();
    options.budget = serde_saphyr::budget! { max_depth: 64, max_aliases: 10_000, max_anchors: 10_000 };
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.alias_limits.max_total_replayed_events = 10_000;
    serde_saphyr::from_str_with_options(&text, options).map_err(|e| e.to_string())
}

/// Why an invalid fixture's defect is beyond JSON Schema: it depends on other
/// values of the file, or on the fonts. `validate` refuses each of them.
const BEYOND_THE_SCHEMA: &[(&str, &str)] = &[
    ("accountable-count--no-a", "counting the parties that hold A"),
    ("accountable-count--two-a", "counting the parties that hold A"),
    ("bad-date--february-30", "the days of each month"),
    ("bad-rule--undeclared-role", "the letters the legend declares"),
    ("duplicate-id--activity", "ids unique across the file"),
    ("duplicate-id--party", "ids unique across the file"),
    ("duplicate-id--phase", "ids unique across the file"),
    ("duplicate-id--subphase-as-phase", "ids unique across the file"),
    ("duplicate-role--i-twice", "codes unique across the legend"),
    ("missing-glyph--cjk", "the glyphs of the fonts"),
    ("missing-translation--no-fr", "the languages `languages` declares"),
    ("repeated-role--c-twice", "a letter twice in one cell"),
    ("responsible-missing--nobody-r", "counting the parties that hold R"),
    ("source-language--not-listed", "the languages `languages` declares"),
    ("unknown-party--ghost", "the parties `parties` declares"),
    ("unknown-role--x", "the letters the legend declares"),
    ("unlisted-language--german-text", "the languages `languages` declares"),
];

/// Codes whose fixtures a YAML reader refuses before any schema applies (the
/// YAML language server reports these itself).
const YAML_LEVEL: &[&str] = &["yaml-syntax", "duplicate-key", "too-deep", "alias-budget"];

// `schema` prints a draft 2020-12 schema that the validator's meta-schema accepts, with `schema: 1` and
// the allowed field names of the top level.
#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(jsonschema::meta::is_valid(&s), "the meta-schema refuses it");
    assert_eq!(s["properties"]["schema"]["const"], 1);
    assert_eq!(s["additionalProperties"], false);
    let names: Vec<&str> = s["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    for field in ["schema", "id", "version", "date", "languages", "title", "roles", "parties", "phases"] {
        assert!(names.contains(&field), "{field} not in {names:?}");
    }
    // Byte-identical on every run: editors and CI cache it.
    assert_eq!(run(&root(), &["schema"]).stdout, run(&root(), &["schema"]).stdout);
}

// Every valid fixture and the shipped matrix, read as JSON, satisfy the schema.
#[test]
fn schema_accepts_every_valid_fixture_and_the_shipped_matrix() {
    let v = validator();
    let mut files: Vec<_> = list(&fixture("valid")).into_iter().map(|n| fixture("valid").join(n)).collect();
    files.push(llmaas());
    assert!(files.len() >= 5);
    for f in files {
        let doc = as_json(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let errors: Vec<String> =
            v.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
}

// Each invalid fixture is refused by the schema, unless its defect is one JSON Schema cannot express (listed
// with the reason, and then accepted: the list is exact) or the YAML reader refuses it first.
#[test]
fn schema_refuses_each_invalid_fixture_whose_defect_it_can_express() {
    let v = validator();
    let mut problems = Vec::new();
    let mut refused = 0;
    for name in list(&fixture("invalid")).into_iter().filter(|n| n.ends_with(".yaml")) {
        let stem = name.trim_end_matches(".yaml");
        let code = stem.split_once("--").map_or("", |(c, _)| c);
        let beyond = BEYOND_THE_SCHEMA.iter().any(|(f, _)| *f == stem);
        match (as_json(&fixture("invalid").join(&name)), YAML_LEVEL.contains(&code)) {
            (Err(_), true) => {}
            (Ok(_), true) => problems.push(format!("{name}: the YAML reader accepts it")),
            (Err(e), false) => problems.push(format!("{name}: not readable as JSON: {e}")),
            (Ok(doc), false) => match (v.is_valid(&doc), beyond) {
                (false, false) => refused += 1,
                (true, true) => {}
                (true, false) => problems.push(format!("{name}: the schema accepts it")),
                (false, true) => problems.push(format!(
                    "{name}: the schema refuses it; remove it from BEYOND_THE_SCHEMA: {:?}",
                    v.iter_errors(&doc).map(|e| e.to_string()).collect::<Vec<_>>()
                )),
            },
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(refused >= 25, "only {refused} fixtures refused");
}

/// One human header, `kind[code]: file[:line:column]: subject: message`, split up.
struct Header {
    severity: String,
    code: String,
    place: Option<(u64, u64)>,
    rest: String,
}

fn headers(text: &str, file: &str) -> Vec<Header> {
    text.lines()
        .filter(|l| l.starts_with("error[") || l.starts_with("warning["))
        .map(|l| {
            let (severity, after) = l.split_once('[').unwrap();
            let (code, after) = after.split_once("]: ").unwrap();
            let after = after.strip_prefix(file).unwrap_or_else(|| panic!("`{l}` does not name {file}"));
            let (place, rest) = match after.strip_prefix(": ") {
                Some(rest) => (None, rest),
                None => {
                    let (l, after) = after[1..].split_once(':').unwrap();
                    let (c, rest) = after.split_once(": ").unwrap();
                    (Some((l.parse().unwrap(), c.parse().unwrap())), rest)
                }
            };
            Header { severity: severity.into(), code: code.into(), place, rest: rest.into() }
        })
        .collect()
}

/// Subjects that name no id: a JSON diagnostic about them has `"id": null`.
const ID_LESS: &[&str] = &["file", "folder", "legend", "matrix", "matrix rules", "template", "templates"];

/// Checks that the JSON lines say what the human headers say: same findings
/// in the same order, same code, severity, place, message, and the id the
/// subject names. Returns what differs.
fn compare(human: &[Header], json: &[Value], file: &str) -> Vec<String> {
    let diags: Vec<&Value> = json.iter().filter(|d| d["type"] == "diagnostic").collect();
    let mut problems = Vec::new();
    if diags.len() != human.len() {
        problems.push(format!("{} JSON diagnostics, {} human ones", diags.len(), human.len()));
    }
    for (h, d) in human.iter().zip(&diags) {
        let place = match (&d["line"], &d["column"]) {
            (Value::Null, Value::Null) => None,
            (l, c) => Some((l.as_u64().unwrap_or(0), c.as_u64().unwrap_or(0))),
        };
        let message = d["message"].as_str().unwrap_or_default();
        let subject = h
            .rest
            .strip_suffix(message.lines().next().unwrap_or_default())
            .and_then(|s| s.strip_suffix(": "));
        let id_ok = match (subject, d["id"].as_str()) {
            (Some(s), Some(id)) => s.ends_with(&format!(" {id}")),
            (Some(s), None) => ID_LESS.contains(&s),
            (None, _) => false,
        };
        if d["code"] != h.code.as_str()
            || d["severity"] != h.severity.as_str()
            || place != h.place
            || !id_ok
            || d["file"] != file
        {
            problems
                .push(format!("JSON {d} for human `{}[{}]: {:?}: {}`", h.severity, h.code, h.place, h.rest));
        }
    }
    let summary = json.last();
    let errors = human.iter().filter(|h| h.severity == "error").count();
    let want = serde_json::json!({"type": "file", "file": file, "ok": errors == 0, "errors": errors, "warnings": human.len() - errors});
    if summary != Some(&want) {
        problems.push(format!("last line {summary:?}, expected {want}"));
    }
    problems
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

// For every fixture (each code the loader and validator report has one), `--message-format json` gives
// the code, severity, line, column, message and id of each human message, in order, with the same exit
// status, nothing on stderr, and the file summary; `github` gives one command per finding on its line.
#[test]
fn json_and_github_formats_say_what_the_human_messages_say() {
    let mut files: Vec<String> = Vec::new();
    for sub in ["invalid", "multi", "valid"] {
        files.extend(list(&fixture(sub)).into_iter().map(|n| format!("tests/fixtures/{sub}/{n}")));
    }
    files.push("tests/fixtures/no-such.yaml".into());
    let mut problems = Vec::new();
    for rel in &files {
        let human = run(&root(), &["validate", rel]);
        let json = run(&root(), &["validate", "--message-format", "json", rel]);
        let github = run(&root(), &["validate", "--message-format", "github", rel]);
        let hs = headers(&stderr(&human), rel);
        if json.status.code() != human.status.code() || github.status.code() != human.status.code() {
            problems
                .push(format!("{rel}: exit {:?} / {:?} / {:?}", human.status, json.status, github.status));
        }
        if !stderr(&json).is_empty() {
            problems.push(format!("{rel}: json wrote to stderr: {}", stderr(&json)));
        }
        problems.extend(compare(&hs, &json_lines(&json), rel).into_iter().map(|p| format!("{rel}: {p}")));
        let commands: Vec<String> =
            stdout(&github).lines().filter(|l| l.starts_with("::")).map(str::to_owned).collect();
        if commands.len() != hs.len() {
            problems.push(format!("{rel}: {} commands for {} findings", commands.len(), hs.len()));
        }
        for (h, c) in hs.iter().zip(&commands) {
            let place = h.place.map(|(l, c)| format!(",line={l},col={c}")).unwrap_or_default();
            let want = format!("::{} file={rel}{place},title={}::", h.severity, h.code);
            if !c.starts_with(&want) || !c.contains(&h.rest.replace('%', "%25")) {
                problems.push(format!("{rel}: `{c}` for `{want}` {}", h.rest));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// On mutated matrices (the loader fuzzer's mutations), the JSON lines of each report say what its human
// rendering says. RACI_FUZZ_CASES sets the number of cases (default 64).
#[test]
fn json_lines_match_the_human_report_on_mutated_matrices() {
    let cases: u32 = std::env::var("RACI_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
    let corpus = corpus();
    let dir = scratch("json-fuzz");
    let path = dir.join("mutated.yaml");
    let file = path.display().to_string();
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let seed = proptest::prop_oneof![0..VALID_SEEDS, 0..corpus.len()];
    let strategy = (seed, proptest::collection::vec(mutation(), 1..4));
    let result = runner.run(&strategy, |(which, mutations)| {
        let bytes = mutations.iter().fold(corpus[which].1.clone(), apply);
        std::fs::write(&path, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let report = match raci_annex::load::load(&path) {
            Ok(l) => l.report,
            Err(r) => r,
        };
        let json: Vec<Value> =
            report.to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let problems = compare(&headers(&report.render(), &file), &json, &file);
        proptest::prop_assert!(problems.is_empty(), "{}", problems.join("\n"));
        let errors = report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        proptest::prop_assert_eq!(&json.last().unwrap()["errors"], &Value::from(errors));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The subcommands `raci-annex --help` lists.
fn subcommands() -> Vec<String> {
    let help = stdout(&run(&root(), &["--help"]));
    let section = help.split("Commands:").nth(1).expect("a Commands: section");
    let section = section.split("\n\n").next().unwrap_or_default();
    // A command's line starts two spaces in; a wrapped description, further.
    section
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_owned)
        .collect()
}

// `completions SHELL` for every shell and `manpage` name every subcommand `--help` lists; the bash script
// parses; an unknown shell is a usage error.
#[test]
fn completions_and_manual_page_cover_every_subcommand_of_help() {
    let subs = subcommands();
    for expected in ["generate", "validate", "schema", "completions", "manpage"] {
        assert!(subs.iter().any(|s| s == expected), "{expected} not in --help: {subs:?}");
    }
    let dir = scratch("completions");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run(&root(), &["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        for sub in &subs {
            assert!(script.contains(sub.as_str()), "{shell}: no {sub}");
        }
        std::fs::write(dir.join(shell), &o.stdout).unwrap();
    }
    if Path::new("/bin/bash").exists() {
        let o = std::process::Command::new("/bin/bash").arg("-n").arg(dir.join("bash")).output().unwrap();
        assert!(o.status.success(), "bash -n: {}", stderr(&o));
    }
    let o = run(&root(), &["manpage"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(page.contains("\n.TH raci-annex 1 "), "{page}");
    for sub in &subs {
        let heading = format!(".SH \"RACI-ANNEX {}\"", sub.to_uppercase());
        assert!(page.contains(&heading), "no {heading}");
    }
    // groff, where installed, formats the page without a warning (`man -l` uses it).
    if Path::new("/usr/bin/groff").exists() {
        std::fs::write(dir.join("raci-annex.1"), &o.stdout).unwrap();
        let g = std::process::Command::new("/usr/bin/groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(dir.join("raci-annex.1"))
            .output()
            .unwrap();
        assert!(g.status.success() && g.stderr.is_empty(), "groff: {}", stderr(&g));
    }
    assert_eq!(run(&root(), &["completions", "tcsh"]).status.code(), Some(2));
}
