//! `diff OLD NEW --out DIR`, the amendment annex (../shared/spec/diff.md):
//! pairs built from `tests/fixtures/diff/v1.yaml` by small edits, run
//! through the binary, and every file read back with a reader that shares
//! no code with the tool: the CSV with `csv`, the workbook with calamine,
//! the PDF with `pdf/read.rs` and the tagged-PDF checks of
//! `pdf/tagged.rs`. The values are checked — each change in words, the
//! codes before and after per party, versions, dates, fingerprints, counts
//! — then the exit codes, `--lang`, standard input, `--attach-source`, the
//! CSV options, page breaks and determinism.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::diff::{ACC_NOTES, B02, R_SUP_01, R_SUP_02, edit, several, v1};
use crate::pdf::RUNNING;
use crate::pdf::read::{Pdf, collapse, text_string};
use crate::pdf::tagged::{Tree, check_tagged};
use crate::support::{list, run, run_with_stdin, scratch, sha256_file, stderr};

const CSV_HEADER: [&str; 12] = [
    "matrix_id",
    "old_version",
    "new_version",
    "kind",
    "phase_id",
    "subphase_id",
    "activity_id",
    "activity",
    "party",
    "old",
    "new",
    "languages",
];

/// Writes OLD and NEW into a scratch folder and runs `diff old.yaml new.yaml --out out ARGS` there.
fn annex(name: &str, old: &str, new: &str, args: &[&str]) -> (PathBuf, Output) {
    let dir = scratch(name);
    std::fs::write(dir.join("old.yaml"), old).unwrap();
    std::fs::write(dir.join("new.yaml"), new).unwrap();
    let mut all = vec!["diff", "old.yaml", "new.yaml", "--out", "out"];
    all.extend_from_slice(args);
    let o = run(&dir, &all);
    (dir, o)
}

/// As [`annex`], which must succeed; the output folder.
fn written(name: &str, old: &str, new: &str, args: &[&str]) -> PathBuf {
    let (dir, o) = annex(name, old, new, args);
    assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
    dir.join("out")
}

/// The records of a CSV file (header included), read with the csv crate.
fn csv_records(path: &Path, delimiter: u8) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(String::from_utf8(bytes.clone()).is_ok(), "{}: UTF-8", path.display());
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut r = csv::ReaderBuilder::new().has_headers(false).delimiter(delimiter).from_reader(body);
    r.records().map(|x| x.expect("an RFC 4180 record").iter().map(str::to_string).collect()).collect()
}

/// Every row of a sheet as text (numbers as integers), trailing empty cells dropped.
fn sheet(path: &Path, name: &str) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let range = wb.worksheet_range(name).unwrap_or_else(|e| panic!("{}: sheet {name}: {e}", path.display()));
    let (r0, c0) = range.start().unwrap_or((0, 0));
    assert_eq!((r0, c0), (0, 0), "{name} starts at A1");
    range
        .rows()
        .map(|row| {
            let mut cells: Vec<String> = row
                .iter()
                .map(|d| match d {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => format!("{other:?}"),
                })
                .collect();
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            cells
        })
        .collect()
}

fn sheet_names(path: &Path) -> Vec<String> {
    let wb: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    wb.sheet_names()
}

/// A table of the structure tree: its header cells, then each body row's cells, as text.
struct TableText {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn tables(pdf: &Pdf, tree: &Tree) -> Vec<TableText> {
    tree.all("Table")
        .into_iter()
        .map(|t| {
            let parts = tree.children(t);
            let cells = |tr: usize| tree.children(tr).iter().map(|&c| tree.text(pdf, c)).collect::<Vec<_>>();
            TableText {
                header: cells(tree.children(parts[0])[0]),
                rows: tree.children(parts[1]).into_iter().map(cells).collect(),
            }
        })
        .collect()
}

/// The texts of the elements of `role`, in reading order.
fn texts(pdf: &Pdf, tree: &Tree, role: &str) -> Vec<String> {
    tree.all(role).iter().map(|&e| tree.text(pdf, e)).collect()
}

/// Reads `ID-changes-LANG.pdf`, runs the tagged-PDF checks and returns it with its tree.
fn open_pdf(out: &Path, lang: &str) -> (Pdf, Tree) {
    let what = format!("change-changes-{lang}.pdf");
    let pdf = Pdf::open(&out.join(&what));
    let tree = check_tagged(&pdf, lang, RUNNING, &what);
    (pdf, tree)
}

/// One expected CSV row: kind, phase_id, subphase_id, activity_id, activity, party, old, new, languages.
type Row = [&'static str; 9];

/// A pair that differs in one kind of change (and what that change brings
/// with it: a phase added brings its activity), what the CSV must hold, and
/// the change in words as the English PDF and workbook must say it.
struct Case {
    name: &'static str,
    new: String,
    rows: Vec<Row>,
    /// The words of each row, then its details ("Previously: …"), as printed.
    words: Vec<Vec<&'static str>>,
    /// Rows of a phase table: (id, activity cell, the party cells).
    cells: Vec<(&'static str, &'static str, [&'static str; 3])>,
}

fn cases() -> Vec<Case> {
    let base = v1();
    let e = |edits: &[(&str, &str)]| edit(&base, edits);
    let b02_roles = "roles: {customer: RA, provider: R, auditor: I}";
    let exit = "  - id: exit\n    title: {fr: \"Sortir\", en: \"Exit\"}\n    activities:\n      - {id: E-01, text: {fr: \"Rendre les données\", en: \"Return the data\"}, roles: {customer: A, provider: R}}\n";
    let run_at = base.find("  - id: run\n").expect("the run phase");
    vec![
        Case {
            name: "roles-changed",
            new: e(&[("roles: {customer: RA, provider: CI}", "roles: {customer: RA, provider: C}")]),
            rows: vec![[
                "roles-changed",
                "build",
                "",
                "B-01",
                "Choose the service",
                "provider",
                "CI",
                "C",
                "",
            ]],
            words: vec![vec!["Role of Provider changed from CI to C"]],
            cells: vec![("B-01", "Choose the service", ["RA", "CI → C", "–"])],
        },
        Case {
            name: "role-taken",
            new: e(&[(b02_roles, "roles: {customer: RA, provider: R}")]),
            rows: vec![["roles-changed", "build", "", "B-02", "Sign the contract", "auditor", "I", "", ""]],
            words: vec![vec!["Auditor no longer holds a role (before: I)"]],
            cells: vec![("B-02", "Sign the contract", ["RA", "R", "I → –"])],
        },
        Case {
            name: "role-given",
            new: e(&[("roles: {customer: RA}\n", "roles: {customer: RA, provider: I}\n")]),
            rows: vec![[
                "roles-changed",
                "build",
                "build-access",
                "B-ACC-02",
                "Revoke keys",
                "provider",
                "",
                "I",
                "",
            ]],
            words: vec![vec!["Provider now holds I (no role before)"]],
            cells: vec![("B-ACC-02", "1.1 Access Revoke keys", ["RA", "– → I", "–"])],
        },
        Case {
            name: "activity-added",
            new: e(&[(
                ACC_NOTES,
                &format!(
                    "          - id: B-ACC-03\n            text: {{fr: \"Auditer les accès\", en: \"Audit access\"}}\n            roles: {{customer: RA, auditor: I}}\n{ACC_NOTES}"
                ),
            )]),
            rows: vec![[
                "activity-added",
                "build",
                "build-access",
                "B-ACC-03",
                "Audit access",
                "",
                "",
                "customer=RA provider= auditor=I",
                "",
            ]],
            words: vec![vec!["Activity added in 1.1 Access"]],
            cells: vec![("B-ACC-03", "1.1 Access Audit access", ["– → RA", "–", "– → I"])],
        },
        Case {
            name: "activity-removed",
            new: e(&[(B02, "")]),
            rows: vec![[
                "activity-removed",
                "build",
                "",
                "B-02",
                "Sign the contract",
                "",
                "customer=RA provider=R auditor=I",
                "",
                "",
            ]],
            words: vec![vec!["Activity removed from 1 Build"]],
            cells: vec![("B-02", "Sign the contract", ["RA → –", "R → –", "I → –"])],
        },
        Case {
            name: "activity-moved",
            new: e(&[(R_SUP_02, ""), (ACC_NOTES, &format!("{R_SUP_02}{ACC_NOTES}"))]),
            rows: vec![[
                "activity-moved",
                "build",
                "build-access",
                "R-SUP-02",
                "Close incidents",
                "",
                "run/run-support",
                "build/build-access",
                "",
            ]],
            words: vec![vec!["Moved from 2.1 Support to 1.1 Access"]],
            cells: vec![("R-SUP-02", "1.1 Access Close incidents", ["C", "RA", "–"])],
        },
        Case {
            name: "rules-changed",
            new: e(&[(
                &format!("{b02_roles}\n"),
                &format!("{b02_roles}\n        rules: {{responsible: any}}\n"),
            )]),
            rows: vec![[
                "rules-changed",
                "build",
                "",
                "B-02",
                "Sign the contract",
                "",
                "{}",
                "{responsible: any}",
                "",
            ]],
            words: vec![vec![
                "Rules of this activity changed from “the rules of the matrix” to “any number of parties hold R”",
            ]],
            cells: vec![("B-02", "Sign the contract", ["RA", "R", "I"])],
        },
        Case {
            name: "text-changed",
            new: e(&[("en: \"Choose the service\"", "en: \"Pick the service\"")]),
            rows: vec![[
                "text-changed",
                "build",
                "",
                "B-01",
                "Pick the service",
                "",
                "Choose the service",
                "Pick the service",
                "en",
            ]],
            words: vec![vec!["Text changed (en)", "Previously: “Choose the service”"]],
            cells: vec![("B-01", "Pick the service", ["RA", "CI", "–"])],
        },
        Case {
            name: "note-removed",
            new: e(&[("        note: {fr: \"Voir l’offre.\", en: \"See the offer.\"}\n", "")]),
            rows: vec![[
                "text-changed",
                "build",
                "",
                "B-01",
                "Choose the service",
                "",
                "See the offer.",
                "",
                "en fr",
            ]],
            words: vec![vec!["Note removed (en, fr)", "Previously: “See the offer.”"]],
            cells: vec![],
        },
        Case {
            name: "reordered",
            new: e(&[(&format!("{R_SUP_01}{R_SUP_02}"), &format!("{R_SUP_02}{R_SUP_01}"))]),
            rows: vec![["reordered", "run", "run-support", "", "", "", "", "", ""]],
            words: vec![vec!["Order of the activities changed"]],
            cells: vec![("", "2.1 Support", ["", "", ""])],
        },
        Case {
            name: "phase-added",
            new: format!("{base}{exit}"),
            rows: vec![
                ["phase-added", "exit", "", "", "", "", "", "Exit", ""],
                [
                    "activity-added",
                    "exit",
                    "",
                    "E-01",
                    "Return the data",
                    "",
                    "",
                    "customer=A provider=R auditor=",
                    "",
                ],
            ],
            words: vec![vec!["Phase added"], vec!["Activity added in 3 Exit"]],
            cells: vec![("", "3 Exit", ["", "", ""]), ("E-01", "Return the data", ["– → A", "– → R", "–"])],
        },
        Case {
            name: "phase-removed",
            new: base[..run_at].to_string(),
            rows: vec![
                ["phase-removed", "run", "", "", "", "", "Run", "", ""],
                ["phase-removed", "run", "run-support", "", "", "", "Support", "", ""],
                [
                    "activity-removed",
                    "run",
                    "run-support",
                    "R-SUP-01",
                    "Handle incidents",
                    "",
                    "customer=I provider=RA auditor=",
                    "",
                    "",
                ],
                [
                    "activity-removed",
                    "run",
                    "run-support",
                    "R-SUP-02",
                    "Close incidents",
                    "",
                    "customer=C provider=RA auditor=",
                    "",
                    "",
                ],
            ],
            words: vec![
                vec!["Phase removed"],
                vec!["Subphase removed"],
                vec!["Activity removed from 2.1 Support"],
                vec!["Activity removed from 2.1 Support"],
            ],
            cells: vec![("R-SUP-01", "2.1 Support Handle incidents", ["I → –", "RA → –", "–"])],
        },
        Case {
            name: "section-text-changed",
            new: e(&[("en: \"Run\"", "en: \"Operate\"")]),
            rows: vec![["section-text-changed", "run", "", "", "", "", "Run", "Operate", "en"]],
            words: vec![vec!["Title changed (en)", "Previously: “Run”"]],
            cells: vec![("", "2 Operate", ["", "", ""])],
        },
        Case {
            name: "party-added",
            new: e(&[
                (
                    "  - {id: auditor, name: {fr: Auditeur, en: Auditor}}\n",
                    "  - {id: auditor, name: {fr: Auditeur, en: Auditor}}\n  - {id: broker, name: {fr: Courtier, en: Broker}}\n",
                ),
                (b02_roles, "roles: {customer: RA, provider: R, auditor: I, broker: I}"),
            ]),
            rows: vec![
                ["party-added", "", "", "", "", "broker", "", "Broker", ""],
                ["roles-changed", "build", "", "B-02", "Sign the contract", "broker", "", "I", ""],
            ],
            words: vec![vec!["Party Broker added"], vec!["Broker now holds I (no role before)"]],
            cells: vec![],
        },
        Case {
            name: "party-removed",
            new: e(&[
                ("  - {id: auditor, name: {fr: Auditeur, en: Auditor}}\n", ""),
                (b02_roles, "roles: {customer: RA, provider: R}"),
                ("roles: {customer: RA, auditor: C}", "roles: {customer: RA}"),
            ]),
            rows: vec![
                ["party-removed", "", "", "", "", "auditor", "Auditor", "", ""],
                ["roles-changed", "build", "", "B-02", "Sign the contract", "auditor", "I", "", ""],
                [
                    "roles-changed",
                    "build",
                    "build-access",
                    "B-ACC-01",
                    "Manage API keys",
                    "auditor",
                    "C",
                    "",
                    "",
                ],
            ],
            words: vec![
                vec!["Party Auditor removed"],
                vec!["Auditor no longer holds a role (before: I)"],
                vec!["Auditor no longer holds a role (before: C)"],
            ],
            // The removed party keeps its column, where it stood.
            cells: vec![("B-02", "Sign the contract", ["RA", "R", "I → –"])],
        },
        Case {
            name: "party-renamed",
            new: e(&[("en: Auditor}", "en: External auditor}")]),
            rows: vec![["party-renamed", "", "", "", "", "auditor", "Auditor", "External auditor", "en"]],
            words: vec![vec!["Name of party External auditor changed (en)", "Previously: “Auditor”"]],
            cells: vec![],
        },
        Case {
            name: "matrix-text-changed",
            new: e(&[("en: \"Who does what.\"", "en: \"Who does what, and when.\"")]),
            rows: vec![[
                "matrix-text-changed",
                "",
                "",
                "",
                "",
                "",
                "Who does what.",
                "Who does what, and when.",
                "en",
            ]],
            words: vec![vec![
                "Introduction changed (en)",
                "Previously: “Who does what.”",
                "Now: “Who does what, and when.”",
            ]],
            cells: vec![],
        },
        Case {
            name: "legend-changed",
            new: e(&[("en: \"Is consulted\"", "en: \"Is consulted before the decision\"")]),
            rows: vec![[
                "legend-changed",
                "",
                "",
                "",
                "",
                "",
                "C Consulted: Is consulted",
                "C Consulted: Is consulted before the decision",
                "en",
            ]],
            words: vec![vec![
                "Name or description of role C (Consulted) changed (en)",
                "Previously: “C Consulted: Is consulted”",
                "Now: “C Consulted: Is consulted before the decision”",
            ]],
            cells: vec![],
        },
        Case {
            name: "matrix-rules-changed",
            new: e(&[("\nparties:\n", "\nrules: {responsible: any}\n\nparties:\n")]),
            rows: vec![[
                "matrix-rules-changed",
                "",
                "",
                "",
                "",
                "",
                "accountable: exactly-one, responsible: at-least-one, accountable_role: A, responsible_role: R",
                "accountable: exactly-one, responsible: any, accountable_role: A, responsible_role: R",
                "",
            ]],
            words: vec![vec![
                "Rules of the matrix changed from “at least one party holds R” to “any number of parties hold R”",
            ]],
            cells: vec![],
        },
    ]
}

// Each kind of change alone: the CSV row with its values, the workbook's
// row with the change in words, and the PDF's tagged table row with the
// words and each party's codes before → after.
#[test]
fn each_change_kind_alone_is_worded_and_listed_in_every_format() {
    let base = v1();
    for case in cases() {
        let name = case.name;
        let out = written(&format!("am-{name}"), &base, &case.new, &["--lang", "en"]);
        assert_eq!(
            list(&out),
            ["SHA256SUMS", "change-changes-en.csv", "change-changes-en.pdf", "change-changes-en.xlsx"],
            "{name}"
        );

        let records = csv_records(&out.join("change-changes-en.csv"), b',');
        assert_eq!(records[0], CSV_HEADER, "{name}: the spec's columns");
        let want: Vec<Vec<String>> = case
            .rows
            .iter()
            .map(|r| {
                let mut row = vec!["change".to_string(), "1.0".into(), "1.0".into()];
                row.extend(r.iter().map(|c| c.to_string()));
                row
            })
            .collect();
        assert_eq!(records[1..], want[..], "{name}: CSV rows");

        let xlsx = out.join("change-changes-en.xlsx");
        assert_eq!(sheet_names(&xlsx), ["Summary", "Changes"], "{name}");
        let changes = sheet(&xlsx, "Changes");
        assert_eq!(
            changes[0],
            ["Kind of change", "Phase", "ID", "Activity", "Change", "Party", "Before", "After", "Languages"],
            "{name}"
        );
        assert_eq!(changes.len() - 1, case.rows.len(), "{name}: one workbook row per change");
        for ((row, words), csv) in changes[1..].iter().zip(&case.words).zip(&case.rows) {
            assert_eq!(row[4], words.join("\n"), "{name}: the change in words");
            assert_eq!(row.get(2).map_or("", String::as_str), csv[3], "{name}: the id");
            if csv[0] == "roles-changed" {
                assert_eq!(
                    (row[6].as_str(), row.get(7).map_or("", String::as_str)),
                    (csv[6], csv[7]),
                    "{name}"
                );
            }
        }

        let (pdf, tree) = open_pdf(&out, "en");
        let all = tables(&pdf, &tree);
        // The summary: one row per kind that occurs, and the total.
        let summary = &all[0];
        assert_eq!(summary.header, ["Kind of change", "Number"], "{name}");
        assert_eq!(summary.rows.last().expect("total"), &["Total", &case.rows.len().to_string()], "{name}");
        // Every change's words (and details) are in a table cell, in order.
        let cells: Vec<&String> = all[1..].iter().flat_map(|t| &t.rows).flatten().collect();
        let joined = collapse(&cells.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" | "));
        let mut at = 0;
        for w in case.words.iter().flatten() {
            let w = collapse(w);
            match joined[at..].find(&w) {
                Some(i) => at += i + w.len(),
                None => panic!("{name}: {w:?} not in the tables (after byte {at}): {joined}"),
            }
        }
        for (id, activity, parties) in &case.cells {
            let row = all[1..]
                .iter()
                .filter(|t| t.header.len() == 6)
                .flat_map(|t| &t.rows)
                .find(|r| r[0] == *id && r[1] == *activity)
                .unwrap_or_else(|| panic!("{name}: no row {id:?} {activity:?} in {joined}"));
            assert_eq!(row[3..], parties[..], "{name}: {id}: codes per party");
        }
    }
}

// The French annex words the same change in French, from the strings.
#[test]
fn the_change_is_worded_in_the_language_of_the_annex() {
    let base = v1();
    let new = edit(&base, &[("roles: {customer: RA, provider: CI}", "roles: {customer: RA, provider: C}")]);
    let out = written("am-fr", &base, &new, &[]);
    let (pdf, tree) = open_pdf(&out, "fr");
    let text = pdf.text();
    for want in [
        "AVENANT",
        "Fournisseur : rôle modifié, CI devient C",
        "Récapitulatif des modifications",
        "Rôles modifiés",
        "Acceptation",
    ] {
        assert!(text.contains(want), "{want:?} not in {text}");
    }
    let t = tables(&pdf, &tree);
    assert_eq!(t[1].header, ["ID", "Activité", "Modification", "Client", "Fournisseur", "Auditeur"]);
    assert_eq!(t[1].rows[0][3..], ["RA", "CI → C", "–"]);
    // Both languages by default: every language both versions declare.
    assert_eq!(
        list(&out),
        [
            "SHA256SUMS",
            "change-changes-en.csv",
            "change-changes-en.pdf",
            "change-changes-en.xlsx",
            "change-changes-fr.csv",
            "change-changes-fr.pdf",
            "change-changes-fr.xlsx"
        ]
    );
    let changes = sheet(&out.join("change-changes-fr.xlsx"), "Modifications");
    assert_eq!(changes[1][4], "Fournisseur\u{a0}: rôle modifié, CI devient C");
}

/// Every text of `m` in one language removed (v1 writes each text as `{fr: ..., en: ...}`, en last).
fn without_english(m: &str) -> String {
    let mut out = String::new();
    let mut rest = m;
    while let Some(i) = rest.find(", en: ") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').expect("a closing brace");
        rest = &rest[i + end..];
    }
    out.push_str(rest);
    out.replace("languages: [fr, en]", "languages: [fr]")
}

// A language dropped: languages-changed, worded in the language both keep;
// the default languages are those both declare; --lang naming one either
// lacks is refused with the standard diagnostic, nothing written.
#[test]
fn languages_changed_and_languages_both_versions_declare() {
    let base = v1();
    let new = without_english(&base);
    let out = written("am-lang", &base, &new, &[]);
    assert_eq!(
        list(&out),
        ["SHA256SUMS", "change-changes-fr.csv", "change-changes-fr.pdf", "change-changes-fr.xlsx"],
        "only the language both declare"
    );
    let records = csv_records(&out.join("change-changes-fr.csv"), b',');
    assert_eq!(
        records[1..],
        [["change", "1.0", "1.0", "languages-changed", "", "", "", "", "", "fr en", "fr", "en"]]
    );
    let (pdf, _) = open_pdf(&out, "fr");
    assert!(collapse(&pdf.text()).contains("Langues supprimées : en"), "{}", pdf.text());

    for (args, sides) in [(&["--lang", "en"][..], 1), (&["--lang", "fr,de"][..], 2)] {
        let (dir, o) = annex("am-lang-refused", &base, &new, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.matches("error[unknown-language]").count(), sides, "{args:?}: {err}");
        assert!(err.contains("new.yaml"), "{err}");
        assert!(!dir.join("out").exists(), "{args:?}: nothing written");
    }
}

// Several changes at once: the facts (versions, dates, fingerprints), the
// count per kind, the headings in order (bookmarks too), a signature field
// per party; the workbook's summary sheet says the same.
#[test]
fn several_changes_with_the_facts_counts_headings_and_signature_fields() {
    let base = v1();
    let new = edit(&several(&base), &[("date: 2026-11-23", "date: 2027-01-15")]);
    let out = written("am-several", &base, &new, &["--lang", "en"]);
    let dir = out.parent().expect("parent").to_path_buf();
    let (old_sha, new_sha) = (sha256_file(&dir.join("old.yaml")), sha256_file(&dir.join("new.yaml")));
    let (pdf, tree) = open_pdf(&out, "en");
    let text = collapse(&pdf.text());
    for want in [
        "AMENDMENT",
        "Previous version 1.0 of 23 November 2026",
        "New version 1.1 of 15 January 2027",
        &format!("SHA-256 of version 1.0 (old.yaml) {old_sha}"),
        &format!("SHA-256 of version 1.1 (new.yaml) {new_sha}"),
        "This amendment lists every change from version 1.0 to version 1.1 of the responsibility matrix change.",
        "By signing below, each party accepts the changes listed in this amendment",
        "As of 15 January 2027",
        "Version 1.0 → 1.1",
    ] {
        assert!(text.contains(want), "{want:?} not in {text}");
    }
    assert_eq!(texts(&pdf, &tree, "H1"), ["Matrix – Changes"]);
    let h2 = ["Summary of changes", "The matrix as a whole", "1 Build", "2 Operate", "Acceptance"];
    assert_eq!(texts(&pdf, &tree, "H2"), h2);
    let outline: Vec<String> = pdf.outline().into_iter().map(|i| i.title).collect();
    assert_eq!(outline, h2, "a bookmark per heading");
    let t = tables(&pdf, &tree);
    let counts: Vec<Vec<String>> = t[0].rows.clone();
    let want: Vec<Vec<String>> = [
        ("Activities added", 1),
        ("Activities removed", 1),
        ("Roles changed", 1),
        ("Phase texts changed", 1),
        ("Parties renamed", 1),
        ("Matrix texts changed", 1),
        ("Total", 6),
    ]
    .iter()
    .map(|(k, n)| vec![k.to_string(), n.to_string()])
    .collect();
    assert_eq!(counts, want);
    // The matrix as a whole: the renamed party and the closing notes.
    assert_eq!(t[1].header, ["Subject", "Change"]);
    assert_eq!(t[1].rows.len(), 2);
    assert!(
        t[1].rows[0][0] == "Party External auditor" && t[1].rows[1][0] == "Closing notes",
        "{:?}",
        t[1].rows
    );
    // The build table: the removed B-01 where it stood, then B-00, then B-02.
    let ids: Vec<&str> = t[2].rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["B-01", "B-00", "B-02"]);
    assert_eq!(t[2].header[3..], ["Customer", "Provider", "External auditor"]);

    // One empty signature field per party of NEW, named after it.
    let form = pdf.dict(pdf.catalog().get(b"AcroForm").expect("/AcroForm"));
    let fields = pdf.deref(form.get(b"Fields").expect("/Fields")).as_array().expect("array");
    let names: Vec<String> = fields.iter().map(|f| text_string(pdf.dict(f).get(b"T").expect("/T"))).collect();
    assert_eq!(names, ["signature-customer", "signature-provider", "signature-auditor"]);
    assert!(fields.iter().all(|f| !pdf.dict(f).has(b"V")), "empty fields");
    assert_eq!(tree.all("Form").len(), 3);
    let info = pdf.info();
    assert_eq!(text_string(info.get(b"CreationDate").expect("date")), "D:20270115000000Z", "NEW's date");

    let xlsx = out.join("change-changes-en.xlsx");
    let summary = sheet(&xlsx, "Summary");
    let find = |label: &str| -> String {
        summary.iter().find(|r| r.first().is_some_and(|c| c == label)).map_or(String::new(), |r| r[1].clone())
    };
    assert_eq!(find("Matrix ID"), "change");
    assert_eq!(find("Previous version"), "1.0 of 23 November 2026");
    assert_eq!(find("New version"), "1.1 of 15 January 2027");
    assert_eq!(find("SHA-256 of version 1.0 (old.yaml)"), old_sha);
    assert_eq!(find("SHA-256 of version 1.1 (new.yaml)"), new_sha);
    assert_eq!(find("Roles changed"), "1");
    assert_eq!(find("Total"), "6");
    let changes = sheet(&xlsx, "Changes");
    assert_eq!(changes.len(), 7);
    let records = csv_records(&out.join("change-changes-en.csv"), b',');
    let kinds: Vec<&str> = records[1..].iter().map(|r| r[3].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "party-renamed",
            "matrix-text-changed",
            "activity-removed",
            "activity-added",
            "roles-changed",
            "section-text-changed"
        ],
        "the reading order of the annex: the matrix as a whole first, then phase by phase"
    );
    assert!(records[1..].iter().all(|r| r[1] == "1.0" && r[2] == "1.1"));
}

// No change at all: the annex says so, the CSV has its header only, and the
// parties still sign.
#[test]
fn identical_versions_give_an_annex_that_says_there_are_no_changes() {
    let base = v1();
    let (dir, o) = annex("am-none", &base, &base, &["--lang", "en", "--exit-code"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.join("out");
    let (pdf, tree) = open_pdf(&out, "en");
    assert!(pdf.text().contains("There are no changes between the two versions"), "{}", pdf.text());
    assert_eq!(texts(&pdf, &tree, "H2"), ["Acceptance"]);
    assert!(tree.all("Table").is_empty());
    assert_eq!(csv_records(&out.join("change-changes-en.csv"), b','), [CSV_HEADER]);
    let summary = sheet(&out.join("change-changes-en.xlsx"), "Summary");
    assert!(summary.iter().flatten().any(|c| c.starts_with("There are no changes")), "{summary:?}");
    assert_eq!(sheet(&out.join("change-changes-en.xlsx"), "Changes").len(), 1, "the header only");
}

// Exit codes: 1 for invalid input or a different matrix (nothing written),
// 2 for usage, 3 when the folder cannot be written, 4 with --exit-code once written.
#[test]
fn exit_codes_of_diff_out() {
    let base = v1();
    let new = several(&base);
    let (dir, o) = annex("am-invalid", &base, "schema: 1\nid: change\n", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!dir.join("out").exists());
    let (dir, o) = annex("am-other", &base, &edit(&new, &[("id: change", "id: other")]), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[different-matrix]") && !dir.join("out").exists());

    for args in [
        &["--attach-source"][..],
        &["--out", "x", "--format", "docx"],
        &["--out", "x", "--lang", "EN"],
        &["--out", "x", "--csv-delimiter", "ab"],
    ] {
        let dir = scratch("am-usage");
        std::fs::write(dir.join("old.yaml"), &base).unwrap();
        std::fs::write(dir.join("new.yaml"), &new).unwrap();
        let mut all = vec!["diff", "old.yaml", "new.yaml"];
        all.extend_from_slice(args);
        let o = run(&dir, &all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!dir.join("x").exists(), "{args:?}");
    }

    // --out names a file: exit 3, and the file is as it was.
    let dir = scratch("am-file");
    std::fs::write(dir.join("old.yaml"), &base).unwrap();
    std::fs::write(dir.join("new.yaml"), &new).unwrap();
    std::fs::write(dir.join("out"), "keep me").unwrap();
    let o = run(&dir, &["diff", "old.yaml", "new.yaml", "--out", "out"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("earlier runs are unchanged"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.join("out")).unwrap(), "keep me");

    let o = run(&dir, &["diff", "old.yaml", "new.yaml", "--out", "annex", "--exit-code", "--quiet"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(o.stderr.is_empty() && o.stdout.is_empty(), "--quiet: {}", stderr(&o));
    assert_eq!(list(&dir.join("annex")).len(), 7, "written, then 4");
}

// The same inputs give the same bytes; SHA256SUMS lists exactly the files.
#[test]
fn the_annex_is_reproducible_and_listed_in_sha256sums() {
    let base = v1();
    let new = several(&base);
    let a = written("am-det-a", &base, &new, &["--attach-source"]);
    let b = written("am-det-b", &base, &new, &["--attach-source"]);
    let names = list(&a);
    assert_eq!(names, list(&b));
    for n in &names {
        assert!(std::fs::read(a.join(n)).unwrap() == std::fs::read(b.join(n)).unwrap(), "{n} differs");
    }
    let sums = std::fs::read_to_string(a.join("SHA256SUMS")).unwrap();
    let listed: BTreeMap<String, String> = sums
        .lines()
        .map(|l| {
            let (h, n) = l.split_once("  ").expect("HASH  NAME");
            (n.to_string(), h.to_string())
        })
        .collect();
    assert_eq!(listed.len(), names.len() - 1);
    for (n, h) in &listed {
        assert_eq!(&sha256_file(&a.join(n)), h, "{n}");
    }
}

// --attach-source: OLD (here from standard input) and NEW byte for byte as
// sources, the run's CSV as data, PDF/A-3a.
#[test]
fn attach_source_embeds_both_versions_and_the_csv() {
    use lopdf::Object;
    let base = v1();
    let new = several(&base);
    let dir = scratch("am-attach");
    std::fs::write(dir.join("new.yaml"), &new).unwrap();
    let out = dir.join("out");
    let (n, o) = (new.as_bytes(), out.to_str().unwrap());
    let new_path = dir.join("new.yaml");
    let args = [
        "diff",
        "-",
        new_path.to_str().unwrap(),
        "--out",
        o,
        "--attach-source",
        "--lang",
        "en",
        "--csv-delimiter",
        ";",
    ];
    let run = run_with_stdin(&args, base.as_bytes());
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let pdf = Pdf::open(&out.join("change-changes-en.pdf"));
    let cat = pdf.catalog();
    let xmp = String::from_utf8(pdf.stream_bytes(cat.get(b"Metadata").expect("XMP"))).expect("UTF-8");
    assert!(xmp.contains("pdfaid:part>3<") && xmp.contains("pdfaid:conformance>A<"), "PDF/A-3a");
    let af = pdf.deref(cat.get(b"AF").expect("/AF")).as_array().expect("array").clone();
    let csv = std::fs::read(out.join("change-changes-en.csv")).unwrap();
    let want = [
        ("change.yaml", "Source", "application/yaml", base.as_bytes()),
        ("new.yaml", "Source", "application/yaml", n),
        ("change-changes-en.csv", "Data", "text/csv", &csv[..]),
    ];
    assert_eq!(af.len(), 3);
    for (spec, (name, rel, mime, bytes)) in af.iter().zip(want) {
        let spec = pdf.dict(spec);
        assert_eq!(text_string(spec.get(b"UF").expect("/UF")), name);
        assert_eq!(spec.get(b"AFRelationship").and_then(Object::as_name).ok(), Some(rel.as_bytes()));
        let ef = pdf.dict(spec.get(b"EF").expect("/EF")).get(b"F").expect("/EF /F");
        assert_eq!(pdf.dict(ef).get(b"Subtype").and_then(Object::as_name).ok(), Some(mime.as_bytes()));
        assert!(pdf.stream_bytes(ef) == bytes, "{name} is not embedded byte for byte");
    }
    check_tagged(&pdf, "en", RUNNING, "attached");
    let records = csv_records(&out.join("change-changes-en.csv"), b';');
    assert_eq!(records[0], CSV_HEADER);
    assert_eq!(records.len(), 7);
}

// --csv-delimiter and --csv-bom; CRLF line ends; the formula guard.
#[test]
fn csv_options_line_ends_and_formula_guard() {
    let base = v1();
    let new = edit(&base, &[("en: \"Choose the service\"", "en: \"=HYPERLINK(1)\"")]);
    let out = written(
        "am-csv",
        &base,
        &new,
        &["--lang", "en", "--format", "csv", "--csv-delimiter", ";", "--csv-bom"],
    );
    assert_eq!(list(&out), ["SHA256SUMS", "change-changes-en.csv"]);
    let bytes = std::fs::read(out.join("change-changes-en.csv")).unwrap();
    assert!(bytes.starts_with("\u{feff}matrix_id;old_version;".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.matches("\r\n").count(), text.matches('\n').count(), "CRLF only");
    let records = csv_records(&out.join("change-changes-en.csv"), b';');
    assert_eq!(records[1][7], "'=HYPERLINK(1)", "a formula-like activity is guarded");
    assert_eq!(records[1][10], "'=HYPERLINK(1)");
}

// Many changes with long texts: the phase table continues over pages (one
// Table element, its header repeated as an artifact), every run and rule
// stays on the page inside the margins, the running header is on every page.
#[test]
fn a_long_amendment_breaks_over_pages_inside_the_margins() {
    const MM: f32 = 72.0 / 25.4;
    let base = v1();
    let mut added = String::new();
    for i in 0..70 {
        added.push_str(&format!(
            "      - id: B-LONG-{i:02}\n        text: {{fr: \"Activité {i}\", en: \"Review, approve and archive the quarterly capacity plan number {i} with every stakeholder named in the service description and its annexes\"}}\n        roles: {{customer: RA, provider: C}}\n"
        ));
    }
    let new = edit(&base, &[(B02, &format!("{B02}{added}"))]);
    let out = written("am-long", &base, &new, &["--lang", "en", "--format", "pdf"]);
    let (pdf, tree) = open_pdf(&out, "en");
    assert!(pdf.pages.len() >= 4, "{} pages", pdf.pages.len());
    let t = tables(&pdf, &tree);
    assert_eq!(t.len(), 2, "the summary and one table for the build phase");
    assert_eq!(t[1].rows.len(), 70);
    let total = pdf.pages.len();
    for (i, p) in pdf.pages.iter().enumerate() {
        let text = p.text();
        assert!(
            text.contains("Matrix – Changes – Amendment") && text.contains("Version 1.0 → 1.0"),
            "page {i}"
        );
        assert!(text.contains(&format!("Page {} of {total}", i + 1)), "page {i}: {text}");
        for r in &p.runs {
            assert!(
                r.x >= 18.0 * MM - 0.5 && r.x + r.width <= p.width - 18.0 * MM + 0.5,
                "page {i}: {:?} runs off the page",
                r.text
            );
            assert!(r.y >= 10.0 * MM && r.y <= p.height - 10.0 * MM, "page {i}: {:?} off the page", r.text);
        }
        for rule in &p.rules {
            assert!(
                rule.x0.min(rule.x1) >= 18.0 * MM - 1.0 && rule.x0.max(rule.x1) <= p.width - 18.0 * MM + 1.0
            );
        }
        // From the second page of the table on, its header is repeated (an artifact).
        if i > 0 && i + 1 < total {
            assert!(text.contains("ID Activity Change Customer Provider Auditor"), "page {i}: {text}");
        }
    }
}

// More parties than columns can hold: one column lists each party holding a
// role with its codes before → after; the table stays tagged, a cell per column.
#[test]
fn many_parties_are_listed_in_one_roles_column() {
    let extra = "  - {id: dpo, name: {fr: Délégué à la protection des données, en: Data protection officer}}\n  - {id: soc, name: {fr: Centre des opérations, en: Security operations centre}}\n  - {id: broker, name: {fr: Courtier, en: Broker}}\n";
    let auditor = "  - {id: auditor, name: {fr: Auditeur, en: Auditor}}\n";
    let old = edit(&v1(), &[(auditor, &format!("{auditor}{extra}"))]);
    let new = edit(
        &old,
        &[("roles: {customer: RA, provider: CI}", "roles: {customer: RA, provider: CI, dpo: C, broker: I}")],
    );
    let out = written("am-parties", &old, &new, &["--lang", "en", "--format", "pdf"]);
    let (pdf, tree) = open_pdf(&out, "en");
    let t = tables(&pdf, &tree);
    assert_eq!(t[1].header, ["ID", "Activity", "Change", "Roles (before → after)"]);
    assert_eq!(t[1].rows[0][0], "B-01");
    assert_eq!(
        t[1].rows[0][3], "Customer: RA Provider: CI Data protection officer: – → C Broker: – → I",
        "the parties holding a role, in column order; the others left out"
    );
    assert_eq!(
        t[1].rows[0][2],
        "Data protection officer now holds C (no role before) Broker now holds I (no role before)"
    );
}

// --templates: a strings file without the amendment group keeps the
// built-in words; one with it changes them; an incomplete group is a
// template error; layout.yaml's signatures choose who signs.
#[test]
fn templates_override_the_words_and_who_signs() {
    let base = v1();
    let new = edit(&base, &[("roles: {customer: RA, provider: CI}", "roles: {customer: RA, provider: C}")]);
    let en = std::fs::read_to_string(crate::support::root().join("templates/strings/en.yaml")).unwrap();
    let without = &en[..en.find("\n# The amendment annex").expect("the amendment group")];
    let custom = en.replace(
        "role_changed: \"Role of {party} changed from {old} to {new}\"",
        "role_changed: \"{party}: {old} becomes {new}\"",
    );
    assert_ne!(custom, en);
    for (name, strings, layout, words, fields) in [
        ("am-tpl-builtin", without.to_string(), "", "Role of Provider changed from CI to C", 3),
        ("am-tpl-custom", custom, "signatures: [provider, customer]\n", "Provider: CI becomes C", 2),
    ] {
        let dir = scratch(name);
        std::fs::create_dir_all(dir.join("tpl/strings")).unwrap();
        std::fs::write(dir.join("tpl/strings/en.yaml"), strings).unwrap();
        std::fs::write(dir.join("tpl/layout.yaml"), layout).unwrap();
        std::fs::write(dir.join("old.yaml"), &base).unwrap();
        std::fs::write(dir.join("new.yaml"), &new).unwrap();
        let o = run(
            &dir,
            &[
                "diff",
                "old.yaml",
                "new.yaml",
                "--out",
                "out",
                "--lang",
                "en",
                "--format",
                "pdf",
                "--templates",
                "tpl",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let (pdf, tree) = open_pdf(&dir.join("out"), "en");
        assert!(collapse(&pdf.text()).contains(words), "{name}: {}", pdf.text());
        assert_eq!(tree.all("Form").len(), fields, "{name}: signature fields");
    }
    let broken = en.replace("    role_given: \"{party} now holds {new} (no role before)\"\n", "");
    assert_ne!(broken, en);
    let dir = scratch("am-tpl-broken");
    std::fs::create_dir_all(dir.join("tpl/strings")).unwrap();
    std::fs::write(dir.join("tpl/strings/en.yaml"), broken).unwrap();
    std::fs::write(dir.join("old.yaml"), &base).unwrap();
    std::fs::write(dir.join("new.yaml"), &new).unwrap();
    let o = run(&dir, &["diff", "old.yaml", "new.yaml", "--out", "out", "--templates", "tpl"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[template]") && stderr(&o).contains("role_given"), "{}", stderr(&o));
    assert!(!dir.join("out").exists());
}
