//! The tools for the people who write matrices (`../shared/spec/authoring.md`):
//! `raci-annex schema` checked against the fixtures with an independent JSON
//! Schema validator.

use std::path::Path;

use serde_json::Value;

use crate::support::{fixture, list, llmaas, root, run, stderr};

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
