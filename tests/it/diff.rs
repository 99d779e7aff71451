//! `raci-annex diff` end to end (../shared/spec/diff.md): pairs of matrices
//! built from `tests/fixtures/diff/v1.yaml` by small edits, run through the
//! binary, the JSON read back with serde_json; the terminal summary, the
//! exit codes, standard input, invalid and mismatched inputs, the
//! version warning; and a model-based check on random pairs.

use std::collections::BTreeSet;
use std::process::{Output, Stdio};

use serde_json::{Value, json};

use crate::support::{
    MatrixYaml, cmd, fixture, llmaas, root, run, run_with_stdin, scratch, sha256_hex, stderr, stdout,
};

/// The OLD version every case starts from.
pub(crate) fn v1() -> String {
    std::fs::read_to_string(fixture("diff/v1.yaml")).expect("read v1.yaml")
}

/// `base` with each `(from, to)` replaced; each `from` must occur exactly once.
pub(crate) fn edit(base: &str, edits: &[(&str, &str)]) -> String {
    let mut s = base.to_string();
    for (from, to) in edits {
        assert_eq!(s.matches(from).count(), 1, "{from:?} must occur once");
        s = s.replacen(from, to, 1);
    }
    s
}

/// Writes OLD and NEW into a scratch folder and runs `diff old.yaml new.yaml ARGS` there.
fn diff(name: &str, old: &str, new: &str, args: &[&str]) -> Output {
    let dir = scratch(name);
    std::fs::write(dir.join("old.yaml"), old).unwrap();
    std::fs::write(dir.join("new.yaml"), new).unwrap();
    let mut all = vec!["diff", "old.yaml", "new.yaml"];
    all.extend_from_slice(args);
    run(&dir, &all)
}

/// The JSON of `diff --json`, which must exit 0 and print one object.
fn json_of(name: &str, old: &str, new: &str) -> Value {
    let o = diff(name, old, new, &["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&o)))
}

/// The `changes` array of `diff --json`.
fn changes(name: &str, old: &str, new: &str) -> Vec<Value> {
    json_of(name, old, new)["changes"].as_array().expect("changes is an array").clone()
}

pub(crate) const B02: &str = "      - id: B-02
        text: {fr: \"Signer le contrat\", en: \"Sign the contract\"}
        roles: {customer: RA, provider: R, auditor: I}
";
pub(crate) const R_SUP_01: &str = "          - id: R-SUP-01
            text: {fr: \"Traiter les incidents\", en: \"Handle incidents\"}
            roles: {customer: I, provider: RA}
";
pub(crate) const R_SUP_02: &str = "          - id: R-SUP-02
            text: {fr: \"Clore les incidents\", en: \"Close incidents\"}
            roles: {customer: C, provider: RA}
";
pub(crate) const ACC_NOTES: &str = "        notes:
          - {fr: \"Rotation tous les 90 jours.\", en: \"Rotation every 90 days.\"}
";

fn roles(customer: &str, provider: &str, auditor: &str) -> Value {
    json!({"customer": customer, "provider": provider, "auditor": auditor})
}

// Each kind of change alone gives exactly its JSON object, with the spec's fields and values.
#[test]
fn each_change_kind_alone_gives_exactly_its_json_object() {
    let base = v1();
    let all_rules = |responsible: &str| json!({"accountable": "exactly-one", "responsible": responsible, "accountable_role": "A", "responsible_role": "R"});
    let cases: Vec<(&str, String, Vec<Value>)> = vec![
        (
            "roles-changed",
            edit(&base, &[("roles: {customer: RA, provider: CI}", "roles: {customer: RA, provider: C}")]),
            vec![
                json!({"kind": "roles-changed", "activity": "B-01", "party": "provider", "old": "CI", "new": "C"}),
            ],
        ),
        (
            "roles-changed-to-none",
            edit(
                &base,
                &[("roles: {customer: RA, provider: R, auditor: I}", "roles: {customer: RA, provider: R}")],
            ),
            vec![
                json!({"kind": "roles-changed", "activity": "B-02", "party": "auditor", "old": "I", "new": ""}),
            ],
        ),
        (
            "activity-added",
            edit(
                &base,
                &[(
                    ACC_NOTES,
                    &format!(
                        "          - id: B-ACC-03\n            text: {{fr: \"Auditer les accès\", en: \"Audit access\"}}\n            roles: {{customer: RA, auditor: I}}\n{ACC_NOTES}"
                    ),
                )],
            ),
            vec![
                json!({"kind": "activity-added", "activity": "B-ACC-03", "phase": "build", "subphase": "build-access",
                        "roles": roles("RA", "", "I")}),
            ],
        ),
        (
            "activity-removed",
            edit(&base, &[(B02, "")]),
            vec![json!({"kind": "activity-removed", "activity": "B-02", "phase": "build", "subphase": null,
                        "roles": roles("RA", "R", "I")})],
        ),
        (
            "activity-moved",
            edit(&base, &[(R_SUP_02, ""), (ACC_NOTES, &format!("{R_SUP_02}{ACC_NOTES}"))]),
            vec![json!({"kind": "activity-moved", "activity": "R-SUP-02",
                        "from": {"phase": "run", "subphase": "run-support"},
                        "to": {"phase": "build", "subphase": "build-access"}})],
        ),
        (
            "rules-changed",
            edit(&base, &[("rules: {accountable: any}", "rules: {accountable: any, responsible: any}")]),
            vec![json!({"kind": "rules-changed", "activity": "B-03",
                        "old": {"accountable": "any"}, "new": {"accountable": "any", "responsible": "any"}})],
        ),
        (
            "rules-changed-from-none",
            edit(
                &base,
                &[(
                    "roles: {customer: RA, provider: R, auditor: I}",
                    "roles: {customer: RA, provider: R, auditor: I}\n        rules: {responsible: any}",
                )],
            ),
            vec![
                json!({"kind": "rules-changed", "activity": "B-02", "old": {}, "new": {"responsible": "any"}}),
            ],
        ),
        (
            "text-changed",
            edit(&base, &[("en: \"Sign the contract\"", "en: \"Sign the service contract\"")]),
            vec![json!({"kind": "text-changed", "activity": "B-02", "field": "text", "languages": ["en"],
                        "source_changed": false})],
        ),
        (
            "text-changed-source",
            edit(
                &base,
                &[(
                    "{fr: \"Signer le contrat\", en: \"Sign the contract\"}",
                    "{fr: \"Signer\", en: \"Sign\"}",
                )],
            ),
            vec![
                json!({"kind": "text-changed", "activity": "B-02", "field": "text", "languages": ["en", "fr"],
                        "source_changed": true}),
            ],
        ),
        (
            "note-removed",
            edit(&base, &[("        note: {fr: \"Voir l’offre.\", en: \"See the offer.\"}\n", "")]),
            vec![
                json!({"kind": "text-changed", "activity": "B-01", "field": "note", "languages": ["en", "fr"],
                        "source_changed": true}),
            ],
        ),
        (
            "reordered",
            edit(&base, &[(&format!("{R_SUP_01}{R_SUP_02}"), &format!("{R_SUP_02}{R_SUP_01}"))]),
            vec![json!({"kind": "reordered", "phase": "run", "subphase": "run-support"})],
        ),
        (
            "phase-added",
            format!(
                "{base}  - id: close\n    title: {{fr: \"Clore\", en: \"Close\"}}\n    activities:\n      - id: C-01\n        text: {{fr: \"Rendre les données\", en: \"Return the data\"}}\n        roles: {{customer: A, provider: R}}\n"
            ),
            vec![
                json!({"kind": "phase-added", "phase": "close", "subphase": null}),
                json!({"kind": "activity-added", "activity": "C-01", "phase": "close", "subphase": null,
                       "roles": roles("A", "R", "")}),
            ],
        ),
        (
            "subphase-added",
            edit(
                &base,
                &[(
                    "    notes:\n      - {fr: \"Une phase par contrat.\"",
                    "      - id: build-exit\n        title: {fr: \"Sortie\", en: \"Exit\"}\n        activities:\n          - id: B-EX-01\n            text: {fr: \"Partir\", en: \"Leave\"}\n            roles: {customer: RA}\n    notes:\n      - {fr: \"Une phase par contrat.\"",
                )],
            ),
            vec![
                json!({"kind": "phase-added", "phase": "build", "subphase": "build-exit"}),
                json!({"kind": "activity-added", "activity": "B-EX-01", "phase": "build", "subphase": "build-exit",
                       "roles": roles("RA", "", "")}),
            ],
        ),
        (
            "phase-removed",
            base[..base.find("  - id: run\n").unwrap()].to_string(),
            vec![
                json!({"kind": "phase-removed", "phase": "run", "subphase": null}),
                json!({"kind": "phase-removed", "phase": "run", "subphase": "run-support"}),
                json!({"kind": "activity-removed", "activity": "R-SUP-01", "phase": "run", "subphase": "run-support",
                       "roles": roles("I", "RA", "")}),
                json!({"kind": "activity-removed", "activity": "R-SUP-02", "phase": "run", "subphase": "run-support",
                       "roles": roles("C", "RA", "")}),
            ],
        ),
        (
            "section-text-changed",
            edit(
                &base,
                &[("en: \"Build\"", "en: \"Build phase\""), ("Rotation every 90", "Rotation every 30")],
            ),
            vec![
                json!({"kind": "section-text-changed", "phase": "build", "subphase": null, "field": "title",
                       "languages": ["en"]}),
                json!({"kind": "section-text-changed", "phase": "build", "subphase": "build-access",
                       "field": "notes", "languages": ["en"]}),
            ],
        ),
        (
            "section-intro-removed",
            edit(&base, &[("    intro: {fr: \"Avant la mise en service.\", en: \"Before go-live.\"}\n", "")]),
            vec![
                json!({"kind": "section-text-changed", "phase": "build", "subphase": null, "field": "intro",
                        "languages": ["en", "fr"]}),
            ],
        ),
        (
            "party-added",
            edit(
                &base,
                &[
                    ("  - {id: auditor,", "  - {id: dpo, name: {fr: DPD, en: DPO}}\n  - {id: auditor,"),
                    (
                        "roles: {customer: RA, provider: R, auditor: I}",
                        "roles: {customer: RA, provider: R, auditor: I, dpo: I}",
                    ),
                ],
            ),
            vec![
                json!({"kind": "party-added", "party": "dpo"}),
                json!({"kind": "roles-changed", "activity": "B-02", "party": "dpo", "old": "", "new": "I"}),
            ],
        ),
        (
            "party-removed",
            edit(
                &base,
                &[
                    ("  - {id: auditor, name: {fr: Auditeur, en: Auditor}}\n", ""),
                    ("roles: {customer: RA, provider: R, auditor: I}", "roles: {customer: RA, provider: R}"),
                    ("roles: {customer: RA, auditor: C}", "roles: {customer: RA}"),
                ],
            ),
            vec![
                json!({"kind": "party-removed", "party": "auditor"}),
                json!({"kind": "roles-changed", "activity": "B-02", "party": "auditor", "old": "I", "new": ""}),
                json!({"kind": "roles-changed", "activity": "B-ACC-01", "party": "auditor", "old": "C", "new": ""}),
            ],
        ),
        (
            "party-renamed",
            edit(&base, &[("en: Auditor}", "en: External auditor}")]),
            vec![json!({"kind": "party-renamed", "party": "auditor", "languages": ["en"]})],
        ),
        (
            "matrix-text-changed",
            edit(&base, &[("fr: \"Matrice – Changements\"", "fr: \"Matrice des changements\"")]),
            vec![json!({"kind": "matrix-text-changed", "field": "title", "languages": ["fr"]})],
        ),
        (
            "matrix-intro-removed",
            edit(&base, &[("intro: {fr: \"Qui fait quoi.\", en: \"Who does what.\"}\n", "")]),
            vec![json!({"kind": "matrix-text-changed", "field": "intro", "languages": ["en", "fr"]})],
        ),
        (
            "matrix-notes-changed",
            edit(&base, &[("reviewed every year", "reviewed twice a year")]),
            vec![json!({"kind": "matrix-text-changed", "field": "notes", "languages": ["en"]})],
        ),
        (
            "legend-changed",
            edit(&base, &[("en: \"Is consulted\"", "en: \"Is consulted beforehand\"")]),
            vec![json!({"kind": "legend-changed", "code": "C", "languages": ["en"]})],
        ),
        (
            "legend-role-added",
            edit(
                &base,
                &[(
                    "\nparties:",
                    "  - {code: S, name: {fr: Soutient, en: Supports}, description: {fr: \"Aide\", en: \"Helps\"}}\n\nparties:",
                )],
            ),
            vec![json!({"kind": "legend-changed", "code": "S", "languages": ["en", "fr"]})],
        ),
        (
            "matrix-rules-changed",
            edit(&base, &[("\nparties:", "rules: {responsible: any}\n\nparties:")]),
            vec![
                json!({"kind": "matrix-rules-changed", "old": all_rules("at-least-one"), "new": all_rules("any")}),
            ],
        ),
    ];
    for (name, new, expected) in cases {
        let got = changes(name, &base, &new);
        assert_eq!(got, expected, "{name}: {}", serde_json::to_string_pretty(&got).unwrap());
    }
}

/// `base` without its `en` texts: only French remains.
fn without_english(base: &str) -> String {
    let mut out = String::new();
    for line in base.lines() {
        let mut l = line.to_string();
        // `, en: "..."` or `, en: Word}` inside a one-line mapping.
        while let Some(i) = l.find(", en: ") {
            let rest = &l[i + 6..];
            let end = if let Some(r) = rest.strip_prefix('"') {
                i + 6 + 1 + r.find('"').unwrap() + 1
            } else {
                i + 6 + rest.find(['}', ',']).unwrap()
            };
            l.replace_range(i..end, "");
        }
        out.push_str(&l);
        out.push('\n');
    }
    edit(&out, &[("languages: [fr, en]", "languages: [fr]")])
}

// A language only one version declares is reported as such and its texts are not compared; the shared ones are.
#[test]
fn languages_changed_and_texts_of_a_language_only_one_side_has_are_not_compared() {
    let base = v1();
    let fr_only = without_english(&base);
    assert_eq!(
        changes("lang-removed", &base, &fr_only),
        vec![json!({"kind": "languages-changed", "added": [], "removed": ["en"]})]
    );
    assert_eq!(
        changes("lang-added", &fr_only, &base),
        vec![json!({"kind": "languages-changed", "added": ["en"], "removed": []})]
    );
    let fr_changed = edit(&fr_only, &[("fr: \"Signer le contrat\"", "fr: \"Signer\"")]);
    assert_eq!(
        changes("lang-and-text", &base, &fr_changed),
        vec![
            json!({"kind": "languages-changed", "added": [], "removed": ["en"]}),
            json!({"kind": "text-changed", "activity": "B-02", "field": "text", "languages": ["fr"],
                   "source_changed": true}),
        ]
    );
}

// Rewrapping a text over lines, another spelling of the same role letters, and quoting are no change.
#[test]
fn rewrapped_texts_and_respelled_role_cells_are_no_change() {
    let base = v1();
    let new = edit(
        &base,
        &[
            (
                "text: {fr: \"Signer le contrat\", en: \"Sign the contract\"}",
                "text:\n          fr: >\n            Signer\n            le contrat\n          en: \"Sign   \n            the contract \"",
            ),
            ("roles: {customer: RA, provider: CI}", "roles: {customer: \"a, r\", provider: IC}"),
        ],
    );
    assert_ne!(new, base);
    let o = diff("rewrap", &base, &new, &["--exit-code"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "no changes\n");
    assert!(!stderr(&o).contains("version-not-bumped"), "{}", stderr(&o));
}

/// OLD → NEW with one change in each group: a party, the first activity replaced, a role, a phase title, the closing notes.
pub(crate) fn several(base: &str) -> String {
    let b01 = "      - id: B-01
        text: {fr: \"Choisir le service\", en: \"Choose the service\"}
        roles: {customer: RA, provider: CI}
        note: {fr: \"Voir l’offre.\", en: \"See the offer.\"}
";
    let b00 = "      - id: B-00
        text: {fr: \"Lire l’offre\", en: \"Read the offer\"}
        roles: {customer: RA}
";
    edit(
        base,
        &[
            ("version: \"1.0\"", "version: \"1.1\""),
            ("en: Auditor}", "en: External auditor}"),
            (b01, b00),
            (
                "roles: {customer: RA, provider: R, auditor: I}",
                "roles: {customer: RA, provider: RC, auditor: I}",
            ),
            ("en: \"Run\"", "en: \"Operate\""),
            ("reviewed every year", "reviewed twice a year"),
        ],
    )
}

// Several changes at once come in the fixed order: NEW's print order, a removed activity where it stood in OLD.
#[test]
fn several_changes_come_in_print_order_with_removed_items_where_they_stood() {
    let base = v1();
    let got = changes("several", &base, &several(&base));
    assert_eq!(
        got,
        vec![
            json!({"kind": "party-renamed", "party": "auditor", "languages": ["en"]}),
            json!({"kind": "activity-removed", "activity": "B-01", "phase": "build", "subphase": null,
                   "roles": roles("RA", "CI", "")}),
            json!({"kind": "activity-added", "activity": "B-00", "phase": "build", "subphase": null,
                   "roles": roles("RA", "", "")}),
            json!({"kind": "roles-changed", "activity": "B-02", "party": "provider", "old": "R", "new": "RC"}),
            json!({"kind": "section-text-changed", "phase": "run", "subphase": null, "field": "title",
                   "languages": ["en"]}),
            json!({"kind": "matrix-text-changed", "field": "notes", "languages": ["en"]}),
        ]
    );
    // A removal in the middle stays in the middle, after the activity before it; no `reordered` for it.
    let new = edit(&base, &[(B02, "")]);
    let new = edit(&new, &[("roles: {customer: RA, provider: A}", "roles: {customer: RA, provider: AC}")]);
    let kinds: Vec<(String, String)> = changes("middle", &base, &new)
        .iter()
        .map(|c| (c["kind"].as_str().unwrap().to_string(), c["activity"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("activity-removed".to_string(), "B-02".to_string()),
            ("roles-changed".to_string(), "B-03".to_string())
        ]
    );
}

// The JSON object: matrix id, both versions with date and the SHA-256 of each file's bytes; same bytes on every run.
#[test]
fn json_names_both_versions_with_their_fingerprints_and_is_reproducible() {
    let base = v1();
    let new = several(&base);
    let doc = json_of("json-head", &base, &new);
    assert_eq!(doc["matrix"], "change");
    assert_eq!(
        doc["old"],
        json!({"version": "1.0", "date": "2026-11-23", "sha256": sha256_hex(base.as_bytes())})
    );
    assert_eq!(
        doc["new"],
        json!({"version": "1.1", "date": "2026-11-23", "sha256": sha256_hex(new.as_bytes())})
    );
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    let a = diff("json-twice", &base, &new, &["--json"]);
    let b = diff("json-twice", &base, &new, &["--json"]);
    assert_eq!(a.stdout, b.stdout);
    assert!(a.stdout.ends_with(b"}\n"));
    // Identical versions: an empty list.
    assert_eq!(json_of("json-none", &base, &base)["changes"], json!([]));
}

// The summary: one line per change with ids, party and codes, grouped by phase in NEW's order, then the counts.
#[test]
fn summary_lists_each_change_grouped_by_phase_then_the_counts() {
    let base = v1();
    let o = diff("summary", &base, &several(&base), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "matrix change:
party-renamed auditor [en]
matrix-text-changed notes [en]

phase build:
activity-removed B-01 in build: customer: RA, provider: CI, auditor: -
activity-added B-00 in build: customer: RA, provider: -, auditor: -
roles-changed B-02 provider: R -> RC

phase run:
section-text-changed run title [en]

6 changes: 1 activity-added, 1 activity-removed, 1 roles-changed, 1 section-text-changed, 1 party-renamed, 1 matrix-text-changed
"
    );
    assert!(!o.stdout.contains(&0x1b), "no colours when standard output is not a terminal");
    let none = diff("summary-none", &base, &base, &[]);
    assert_eq!(stdout(&none), "no changes\n");
}

/// `text` without ANSI escape sequences (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// Colours: forced with CLICOLOR_FORCE (and on a terminal), never with NO_COLOR; the text is the same.
#[test]
fn summary_colours_added_removed_and_changed_unless_no_color() {
    let base = v1();
    let new = several(&base);
    let dir = scratch("colours");
    std::fs::write(dir.join("old.yaml"), &base).unwrap();
    std::fs::write(dir.join("new.yaml"), &new).unwrap();
    let plain = run(&dir, &["diff", "old.yaml", "new.yaml"]);
    let forced =
        cmd(&dir).args(["diff", "old.yaml", "new.yaml"]).env("CLICOLOR_FORCE", "1").output().unwrap();
    let text = stdout(&forced);
    assert!(text.contains("\u{1b}[32mactivity-added\u{1b}[0m"), "added in green: {text:?}");
    assert!(text.contains("\u{1b}[31mactivity-removed\u{1b}[0m"), "removed in red: {text:?}");
    assert!(text.contains("\u{1b}[33mroles-changed\u{1b}[0m"), "changed in yellow: {text:?}");
    assert_eq!(strip_ansi(&text), stdout(&plain));
    let no_color = cmd(&dir)
        .args(["diff", "old.yaml", "new.yaml"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(no_color.stdout, plain.stdout, "NO_COLOR wins");
    // On a real terminal (util-linux `script` gives the command a pseudo-terminal).
    let bin = env!("CARGO_BIN_EXE_raci-annex");
    let on_tty = |no_color: bool| {
        let mut c = std::process::Command::new("script");
        c.current_dir(&dir).args(["-qec", &format!("{bin} diff old.yaml new.yaml"), "/dev/null"]);
        c.env_remove("CLICOLOR_FORCE").env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        c.stdin(Stdio::null()).output()
    };
    match (on_tty(false), on_tty(true)) {
        (Ok(tty), Ok(tty_no_color)) if tty.status.success() => {
            assert!(stdout(&tty).contains("\u{1b}[32mactivity-added"), "{:?}", stdout(&tty));
            assert!(!tty_no_color.stdout.contains(&0x1b), "{:?}", stdout(&tty_no_color));
        }
        _ => eprintln!("note: `script` is not available; the pseudo-terminal half of this test was skipped"),
    }
}

// Exit codes: 0 compared, 4 with --exit-code when they differ (0 when not), 2 for usage, 1 for different matrices.
#[test]
fn exit_codes() {
    let base = v1();
    let new = several(&base);
    assert_eq!(diff("exit-0", &base, &new, &[]).status.code(), Some(0));
    assert_eq!(diff("exit-4", &base, &new, &["--exit-code"]).status.code(), Some(4));
    assert_eq!(diff("exit-4-json", &base, &new, &["--exit-code", "--json"]).status.code(), Some(4));
    assert_eq!(diff("exit-same", &base, &base, &["--exit-code"]).status.code(), Some(0));
    for args in [
        &["--frobnicate"][..],
        &["--lang", "fr"],
        &["--format", "pdf"],
        &["--csv-bom"],
        &["--out", "annex", "--format", "docx"],
        &["--out", "annex", "--lang", "FR"],
        &["--out", "annex", "--csv-delimiter", ";;"],
        &["--out", "annex", "--json"],
    ] {
        let o = diff("usage", &base, &new, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty(), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    let o = run(&root(), &["diff", "data/llmaas.yaml"]);
    assert_eq!(o.status.code(), Some(2), "NEW missing: {}", stderr(&o));
}

// Either input may be standard input, named <stdin> in messages, fingerprinted by its bytes; not both.
#[test]
fn either_input_may_be_standard_input_but_not_both() {
    let base = v1();
    let new = several(&base);
    let dir = scratch("stdin");
    std::fs::write(dir.join("old.yaml"), &base).unwrap();
    let old_path = dir.join("old.yaml");
    let old = old_path.to_str().unwrap();
    let o = run_with_stdin(&["diff", old, "-", "--json"], new.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["new"]["sha256"], sha256_hex(new.as_bytes()));
    assert_eq!(doc["changes"].as_array().unwrap().len(), 6);
    assert!(stderr(&o).contains("warning[rules-override]: <stdin>:"), "{}", stderr(&o));

    let o = run_with_stdin(&["diff", "-", old, "--json"], new.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["old"]["sha256"], sha256_hex(new.as_bytes()));
    assert_eq!(doc["old"]["version"], "1.1");

    let broken = edit(&new, &[("roles: {customer: RA, provider: RC, auditor: I}", "roles: {customer: RX}")]);
    let o = run_with_stdin(&["diff", old, "-"], broken.as_bytes());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[unknown-role]: <stdin>:"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());

    let o = run_with_stdin(&["diff", "-", "-"], new.as_bytes());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("'-'"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

// Both inputs are validated; every error of both is reported in one run, then exit 1 with nothing on stdout.
#[test]
fn invalid_inputs_on_both_sides_are_reported_at_once() {
    let old = "tests/fixtures/invalid/unknown-role--x.yaml";
    let new = "tests/fixtures/multi/three-broken-activities.yaml";
    let o = run(&root(), &["diff", old, new, "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error[")).collect();
    assert!(errors.iter().any(|l| l.contains(old)), "{errors:?}");
    assert_eq!(errors.iter().filter(|l| l.contains(new)).count(), 3, "{errors:?}");
    // The same as validate reports for each file.
    for f in [old, new] {
        let v = run(&root(), &["validate", f]);
        for l in stderr(&v).lines().filter(|l| l.starts_with("error[")) {
            assert!(errors.contains(&l), "validate says {l:?}, diff did not");
        }
    }
    // A missing file is an input error too, named.
    let o = run(&root(), &["diff", "tests/fixtures/no-such.yaml", "data/llmaas.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[read]: tests/fixtures/no-such.yaml"), "{}", stderr(&o));
}

// Two matrices with different ids are different matrices: exit 1, with the ids named.
#[test]
fn different_matrix_ids_are_refused() {
    let o = run(&root(), &["diff", "tests/fixtures/valid/small.yaml", "data/llmaas.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[different-matrix]"), "{}", stderr(&o));
    assert!(stderr(&o).contains("'small'") && stderr(&o).contains("'llmaas'"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

// Content changed but version not: a warning on stderr (not with --quiet, which prints nothing but errors).
#[test]
fn version_not_bumped_is_a_warning() {
    let base = v1();
    let changed = edit(&base, &[("en: Auditor}", "en: External auditor}")]);
    let o = diff("not-bumped", &base, &changed, &["--json"]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning[version-not-bumped]")).collect();
    assert_eq!(warnings.len(), 1, "{}", stderr(&o));
    assert!(warnings[0].contains("new.yaml") && warnings[0].contains("'1.0'"), "{warnings:?}");
    let bumped = edit(&changed, &[("version: \"1.0\"", "version: \"1.1\"")]);
    assert!(!stderr(&diff("bumped", &base, &bumped, &[])).contains("version-not-bumped"));
    assert!(!stderr(&diff("same", &base, &base, &[])).contains("version-not-bumped"));
    // A new version alone is no change.
    let only_version =
        edit(&base, &[("version: \"1.0\"", "version: \"1.1\""), ("date: 2026-11-23", "date: 2027-01-15")]);
    assert_eq!(stdout(&diff("only-version", &base, &only_version, &[])), "no changes\n");
    let quiet = diff("quiet", &base, &changed, &["--quiet", "--exit-code"]);
    assert_eq!(quiet.status.code(), Some(4));
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty(), "{}{}", stdout(&quiet), stderr(&quiet));
}

// The canonical matrix against itself: no changes; against an edited copy on stdin, as in the spec's recipe.
#[test]
fn canonical_matrix_against_itself_and_an_edit() {
    let path = llmaas();
    let p = path.to_str().unwrap();
    let o = run(&root(), &["diff", p, p, "--exit-code"]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "no changes\n"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find("id: \"LLMAAS-SEC-03\"").unwrap();
    let cell = at + text[at..].find("provider: \"C\"").unwrap();
    let edited = format!("{}provider: \"CI\"{}", &text[..cell], &text[cell + "provider: \"C\"".len()..]);
    let o = run_with_stdin(&["diff", p, "-"], edited.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).lines().any(|l| l == "roles-changed LLMAAS-SEC-03 provider: C -> CI"),
        "{}",
        stdout(&o)
    );
}

// ---------------------------------------------------------------------------
// Random pairs against an independent model of what diff must find.

/// A tiny deterministic generator (xorshift64*), so that a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const CELLS: &[&str] = &["", "R", "A", "C", "I", "RA", "CI", "RCI"];
const PARTIES: &[&str] = &["c", "p", "x"];

#[derive(Clone, Debug)]
struct Act {
    id: String,
    text: String,
    /// Party id → codes (only non-empty ones are written).
    cells: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
struct Sec {
    id: String,
    acts: Vec<Act>,
}

#[derive(Clone, Debug)]
struct Ph {
    own: Sec,
    subs: Vec<Sec>,
}

#[derive(Clone, Debug)]
struct Model {
    parties: Vec<String>,
    phases: Vec<Ph>,
}

impl Model {
    fn random(rng: &mut Rng, next_id: &mut usize, next_sec: &mut usize) -> Model {
        let mut act = |rng: &mut Rng| {
            *next_id += 1;
            Act { id: format!("A-{next_id:03}"), text: format!("Task {next_id}"), cells: random_cells(rng) }
        };
        let mut phases = Vec::new();
        for _ in 0..1 + rng.below(3) {
            *next_sec += 1;
            let own = Sec { id: format!("s{next_sec}"), acts: (0..rng.below(4)).map(|_| act(rng)).collect() };
            let mut subs = Vec::new();
            for _ in 0..rng.below(3) {
                *next_sec += 1;
                subs.push(Sec {
                    id: format!("s{next_sec}"),
                    acts: (0..1 + rng.below(3)).map(|_| act(rng)).collect(),
                });
            }
            if own.acts.is_empty() && subs.is_empty() {
                let mut own = own;
                own.acts.push(act(rng));
                phases.push(Ph { own, subs });
            } else {
                phases.push(Ph { own, subs });
            }
        }
        let mut parties: Vec<String> = PARTIES.iter().map(|p| p.to_string()).collect();
        if rng.chance(30) {
            parties.remove(rng.below(parties.len()));
        }
        Model { parties, phases }
    }

    /// Every activity with (phase id, subphase id) in print order.
    fn activities(&self) -> Vec<(&Act, &str, Option<&str>)> {
        let mut out = Vec::new();
        for ph in &self.phases {
            out.extend(ph.own.acts.iter().map(|a| (a, ph.own.id.as_str(), None)));
            for s in &ph.subs {
                out.extend(s.acts.iter().map(|a| (a, ph.own.id.as_str(), Some(s.id.as_str()))));
            }
        }
        out
    }

    fn sections_mut(&mut self) -> Vec<&mut Sec> {
        self.phases.iter_mut().flat_map(|p| std::iter::once(&mut p.own).chain(p.subs.iter_mut())).collect()
    }

    fn yaml(&self) -> String {
        let mut m = MatrixYaml::new("rnd", &["en"], "Random");
        m.raw("rules: {accountable: any, responsible: any}");
        for p in &self.parties {
            m.party(p, format!("Party {p}"));
        }
        let acts = |m: &mut MatrixYaml, acts: &[Act]| {
            for a in acts {
                let cells: Vec<String> = a
                    .cells
                    .iter()
                    .filter(|(p, c)| !c.is_empty() && self.parties.contains(p))
                    .map(|(p, c)| format!("{p}: {c}"))
                    .collect();
                m.activity(&a.id, &a.text, &cells.join(", "));
            }
        };
        for ph in &self.phases {
            m.phase(&ph.own.id, "T");
            acts(&mut m, &ph.own.acts);
            for s in &ph.subs {
                m.subphase(&s.id, "T");
                acts(&mut m, &s.acts);
            }
        }
        m.build()
    }
}

fn random_cells(rng: &mut Rng) -> Vec<(String, String)> {
    PARTIES.iter().map(|p| (p.to_string(), CELLS[rng.below(CELLS.len())].to_string())).collect()
}

/// NEW: OLD after a few random edits of the kinds diff reports.
fn mutate(old: &Model, rng: &mut Rng, next_id: &mut usize, next_sec: &mut usize) -> Model {
    let mut m = old.clone();
    for _ in 0..rng.below(6) {
        let n_secs = m.sections_mut().len();
        match rng.below(11) {
            0 => {
                // remove an activity (keeping every section valid is the YAML writer's problem: see below)
                let s = rng.below(n_secs);
                let sec = &mut m.sections_mut()[s];
                if !sec.acts.is_empty() {
                    let i = rng.below(sec.acts.len());
                    sec.acts.remove(i);
                }
            }
            1 => {
                *next_id += 1;
                let a = Act {
                    id: format!("A-{next_id:03}"),
                    text: format!("Task {next_id}"),
                    cells: random_cells(rng),
                };
                let s = rng.below(n_secs);
                let sec = &mut m.sections_mut()[s];
                let at = rng.below(sec.acts.len() + 1);
                sec.acts.insert(at, a);
            }
            2 => {
                // move an activity to another section
                let (from, to) = (rng.below(n_secs), rng.below(n_secs));
                let mut secs = m.sections_mut();
                if !secs[from].acts.is_empty() {
                    let i = rng.below(secs[from].acts.len());
                    let a = secs[from].acts.remove(i);
                    let at = rng.below(secs[to].acts.len() + 1);
                    secs[to].acts.insert(at, a);
                }
            }
            3 | 4 => {
                let s = rng.below(n_secs);
                let sec = &mut m.sections_mut()[s];
                if !sec.acts.is_empty() {
                    let i = rng.below(sec.acts.len());
                    let cell = rng.below(PARTIES.len());
                    sec.acts[i].cells[cell].1 = CELLS[rng.below(CELLS.len())].to_string();
                }
            }
            5 => {
                let s = rng.below(n_secs);
                let sec = &mut m.sections_mut()[s];
                if sec.acts.len() >= 2 {
                    let (i, j) = (rng.below(sec.acts.len()), rng.below(sec.acts.len()));
                    sec.acts.swap(i, j);
                }
            }
            6 => {
                let s = rng.below(n_secs);
                let sec = &mut m.sections_mut()[s];
                if !sec.acts.is_empty() {
                    let i = rng.below(sec.acts.len());
                    sec.acts[i].text.push_str(" (changed)");
                }
            }
            7 => {
                // a party leaves or (back) in
                if m.parties.len() > 1 && rng.chance(50) {
                    let i = rng.below(m.parties.len());
                    m.parties.remove(i);
                } else if m.parties.len() < PARTIES.len() {
                    let missing: Vec<&str> =
                        PARTIES.iter().copied().filter(|p| !m.parties.iter().any(|q| q == p)).collect();
                    m.parties.push(missing[rng.below(missing.len())].to_string());
                }
            }
            9 => {
                // a subphase moves to another phase, or becomes a phase of its own
                let from = rng.below(m.phases.len());
                if !m.phases[from].subs.is_empty() {
                    let i = rng.below(m.phases[from].subs.len());
                    let sub = m.phases[from].subs.remove(i);
                    if rng.chance(50) {
                        let to = rng.below(m.phases.len());
                        let at = rng.below(m.phases[to].subs.len() + 1);
                        m.phases[to].subs.insert(at, sub);
                    } else {
                        let at = rng.below(m.phases.len() + 1);
                        m.phases.insert(at, Ph { own: sub, subs: Vec::new() });
                    }
                }
            }
            10 => {
                // a phase without subphases becomes a subphase of another
                let from = rng.below(m.phases.len());
                if m.phases.len() >= 2
                    && m.phases[from].subs.is_empty()
                    && !m.phases[from].own.acts.is_empty()
                {
                    let ph = m.phases.remove(from);
                    let to = rng.below(m.phases.len());
                    let at = rng.below(m.phases[to].subs.len() + 1);
                    m.phases[to].subs.insert(at, ph.own);
                }
            }
            _ => {
                // a phase added, or one removed
                if rng.chance(50) || m.phases.len() == 1 {
                    let fresh = Model::random(rng, next_id, next_sec);
                    let at = rng.below(m.phases.len() + 1);
                    m.phases.insert(at, fresh.phases[0].clone());
                } else {
                    let i = rng.below(m.phases.len());
                    m.phases.remove(i);
                }
            }
        }
    }
    // Keep it valid: a subphase needs an activity, a phase needs one somewhere.
    for ph in &mut m.phases {
        ph.subs.retain(|s| !s.acts.is_empty());
    }
    m.phases.retain(|p| !p.own.acts.is_empty() || !p.subs.is_empty());
    if m.phases.is_empty() {
        m.phases.push(old.phases[0].clone());
    }
    m
}

/// A section of a model: (id, parent phase for a subphase, activity ids, subphase ids).
type SectionRow = (String, Option<String>, Vec<String>, Vec<String>);

/// What diff must find, as (kind, key) pairs, computed from the two models alone.
fn expected(old: &Model, new: &Model) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let (oa, na) = (old.activities(), new.activities());
    fn find<'a>(
        v: &[(&'a Act, &'a str, Option<&'a str>)],
        id: &str,
    ) -> Option<(&'a Act, &'a str, Option<&'a str>)> {
        v.iter().find(|(a, _, _)| a.id == id).copied()
    }
    let cell = |m: &Model, a: &Act, p: &str| -> BTreeSet<char> {
        if !m.parties.iter().any(|q| q == p) {
            return BTreeSet::new();
        }
        a.cells.iter().find(|(q, _)| q == p).map_or(BTreeSet::new(), |(_, c)| c.chars().collect())
    };
    for (a, phase, sub) in &na {
        match find(&oa, &a.id) {
            None => {
                out.insert(("activity-added".into(), a.id.clone()));
            }
            Some((o, ophase, osub)) => {
                if (ophase, osub) != (*phase, *sub) {
                    out.insert(("activity-moved".into(), a.id.clone()));
                }
                for p in PARTIES {
                    if cell(old, o, p) != cell(new, a, p) {
                        out.insert(("roles-changed".into(), format!("{} {p}", a.id)));
                    }
                }
                if o.text != a.text {
                    out.insert(("text-changed".into(), a.id.clone()));
                }
            }
        }
    }
    for (a, _, _) in &oa {
        if find(&na, &a.id).is_none() {
            out.insert(("activity-removed".into(), a.id.clone()));
        }
    }
    let secs = |m: &Model| -> Vec<SectionRow> {
        let mut v = Vec::new();
        for ph in &m.phases {
            v.push((
                ph.own.id.clone(),
                None,
                ph.own.acts.iter().map(|a| a.id.clone()).collect(),
                ph.subs.iter().map(|s| s.id.clone()).collect(),
            ));
            for s in &ph.subs {
                v.push((
                    s.id.clone(),
                    Some(ph.own.id.clone()),
                    s.acts.iter().map(|a| a.id.clone()).collect(),
                    vec![],
                ));
            }
        }
        v
    };
    let (os, ns) = (secs(old), secs(new));
    for (id, parent, acts, subs) in &ns {
        match os.iter().find(|s| &s.0 == id) {
            None => {
                out.insert(("phase-added".into(), id.clone()));
            }
            Some((_, oparent, oacts, osubs)) => {
                let shared = |a: &[String], b: &[String]| {
                    a.iter().filter(|x| b.contains(x)).cloned().collect::<Vec<_>>()
                };
                let mut differ = shared(acts, oacts) != shared(oacts, acts);
                if parent.is_none() && oparent.is_none() {
                    differ |= shared(subs, osubs) != shared(osubs, subs);
                }
                if differ {
                    out.insert(("reordered".into(), id.clone()));
                }
            }
        }
    }
    for (id, ..) in &os {
        if !ns.iter().any(|s| &s.0 == id) {
            out.insert(("phase-removed".into(), id.clone()));
        }
    }
    for p in &new.parties {
        if !old.parties.contains(p) {
            out.insert(("party-added".into(), p.clone()));
        }
    }
    for p in &old.parties {
        if !new.parties.contains(p) {
            out.insert(("party-removed".into(), p.clone()));
        }
    }
    out
}

/// The (kind, key) pairs of diff's JSON, keyed as [`expected`] keys them.
fn found(changes: &[Value]) -> Vec<(String, String)> {
    changes
        .iter()
        .map(|c| {
            let kind = c["kind"].as_str().unwrap().to_string();
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            let key = match kind.as_str() {
                "roles-changed" => format!("{} {}", s("activity"), s("party")),
                "phase-added" | "phase-removed" | "reordered" => {
                    if c["subphase"].is_null() {
                        s("phase")
                    } else {
                        s("subphase")
                    }
                }
                "party-added" | "party-removed" => s("party"),
                _ => s("activity"),
            };
            (kind, key)
        })
        .collect()
}

// On random pairs (a matrix and the same after random edits), diff finds exactly what an independent model of
// the two versions says, each change once; a version against itself gives none. RACI_FUZZ_CASES sets the count.
#[test]
fn random_pairs_match_an_independent_model() {
    let cases: u64 = std::env::var("RACI_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48);
    let dir = scratch("model");
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    for seed in 1..=cases {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let (mut next_id, mut next_sec) = (0, 0);
        let old = Model::random(&mut rng, &mut next_id, &mut next_sec);
        let new = mutate(&old, &mut rng, &mut next_id, &mut next_sec);
        let (oy, ny) = (old.yaml(), new.yaml());
        std::fs::write(dir.join("old.yaml"), &oy).unwrap();
        std::fs::write(dir.join("new.yaml"), &ny).unwrap();
        let o = run(&dir, &["diff", "old.yaml", "new.yaml", "--json", "--exit-code"]);
        let context = || format!("seed {seed}\n--- OLD\n{oy}--- NEW\n{ny}--- stderr\n{}", stderr(&o));
        assert!(matches!(o.status.code(), Some(0 | 4)), "{}", context());
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", context()));
        let got = found(doc["changes"].as_array().unwrap());
        let unique: BTreeSet<(String, String)> = got.iter().cloned().collect();
        assert_eq!(unique.len(), got.len(), "a change reported twice: {got:?}\n{}", context());
        assert_eq!(unique, expected(&old, &new), "{}", context());
        for (kind, _) in &got {
            *seen.entry(kind.clone()).or_default() += 1;
        }
        assert_eq!(o.status.code() == Some(4), !got.is_empty(), "{}", context());
        // NEW's activities come in NEW's print order.
        let order: Vec<&str> = new.activities().iter().map(|(a, _, _)| a.id.as_str()).collect();
        let positions: Vec<usize> = doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] != "activity-removed")
            .filter_map(|c| c["activity"].as_str())
            .filter_map(|id| order.iter().position(|x| *x == id))
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] <= w[1]),
            "not in NEW's order: {positions:?}\n{}",
            context()
        );
        let same = run(&dir, &["diff", "new.yaml", "new.yaml", "--json"]);
        let same: Value = serde_json::from_slice(&same.stdout).unwrap();
        assert_eq!(same["changes"], json!([]), "{}", context());
    }
    eprintln!("model: {cases} pairs; changes found: {seen:?}");
    if cases >= 48 {
        for kind in [
            "activity-added",
            "activity-removed",
            "activity-moved",
            "roles-changed",
            "text-changed",
            "reordered",
        ]
        .into_iter()
        .chain(["phase-added", "phase-removed", "party-added", "party-removed"])
        {
            assert!(seen.contains_key(kind), "no pair exercised {kind}: {seen:?}");
        }
    }
}
