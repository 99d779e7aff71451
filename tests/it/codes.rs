//! Every diagnostic code the tool can emit (`raci_annex::diag::Code::ALL`) is
//! documented in docs/matrix-format.md and really produced: by an invalid
//! fixture named after it, or, where no matrix file can produce it (a bad
//! path, `--lang`, the templates), by a run described in [`RUNS`].

use std::process::Output;

use raci_annex::diag::{Code, Severity};

use crate::support::{MatrixYaml, fixture, list, root, run, run_generate, scratch, stderr};

/// How a code that no invalid fixture produces is produced end to end.
struct Case {
    code: Code,
    how: &'static str,
    run: fn() -> Output,
}

/// The codes no invalid fixture can produce, each with a run that produces it.
const RUNS: &[Case] = &[
    Case { code: Code::Read, how: "validate a path that does not exist", run: read },
    Case { code: Code::FileTooLarge, how: "validate a 17 MiB file", run: file_too_large },
    Case { code: Code::Encoding, how: "validate a file with a byte that is not UTF-8", run: encoding },
    Case {
        code: Code::UnknownLanguage,
        how: "generate --lang de for an en/fr matrix",
        run: unknown_language,
    },
    Case {
        code: Code::Template,
        how: "generate --templates with a folder that does not exist",
        run: template,
    },
    Case {
        code: Code::RulesOverride,
        how: "validate the valid fixture with a rules override",
        run: rules_override,
    },
    Case { code: Code::NoStrings, how: "generate a language without template strings (nl)", run: no_strings },
    // import (import.md): pages written in a scratch folder.
    Case {
        code: Code::NoRoleTable,
        how: "import a page of prose",
        run: || import_one("# M\n\nJust prose.\n"),
    },
    Case {
        code: Code::Page,
        how: "import a page without a title",
        run: || import_one(&BASE.replacen("# Matrice\n", "", 1)),
    },
    Case {
        code: Code::IdsFrom,
        how: "import with --ids-from a matrix without the page's language",
        run: ids_from,
    },
    Case {
        code: Code::RoleDrift,
        how: "import a translation whose cell says CI where the source says I",
        run: || import_two(&BASE.replace("| Payer | RA | I |", "| Pay | RA | CI |")),
    },
    Case {
        code: Code::StructureMismatch,
        how: "import a translation with a row missing",
        run: || import_two(&BASE.replace("| Payer | RA | I |\n", "")),
    },
    Case {
        code: Code::PageStructure,
        how: "import a page with a table-less section between phases",
        run: || import_one(&format!("{BASE}\n## Divers\n\nUn texte sans tableau.\n\n{RUN}")),
    },
    Case {
        code: Code::Untranslated,
        how: "import a translation with an empty activity cell",
        run: || import_two(&BASE.replace("| Choisir |", "|  |")),
    },
    Case {
        code: Code::DroppedCharacter,
        how: "import a page with CJK characters",
        run: || import_one(&BASE.replace("Choisir", "Choisir 漢字")),
    },
    Case {
        code: Code::FrontMatter,
        how: "import a page whose front matter names another language",
        run: || import_one(&format!("---\ntitle: T\nraci_language: en\n---\n{BASE}")),
    },
    Case {
        code: Code::SourcePage,
        how: "import a page whose front matter names another source language",
        run: || import_one(&format!("---\ntitle: T\nraci_source_language: en\n---\n{BASE}")),
    },
    Case {
        code: Code::RoleCell,
        how: "import a page whose cell holds a party name",
        run: || import_one(&BASE.replace("| RA | C |", "| RA | Kunde |")),
    },
    Case {
        code: Code::EmptyTable,
        how: "import a page with a header-only table",
        run: || {
            import_one(&format!(
                "{BASE}\n## Exploiter\n\n| Activité | Client | Fournisseur |\n| --- | --- | --- |\n"
            ))
        },
    },
    Case { code: Code::NoDate, how: "import pages without a date", run: no_date },
    Case {
        code: Code::NoLegend,
        how: "import a page without a legend",
        run: || import_one(&format!("# M\n\n{RUN}")),
    },
    Case {
        code: Code::LegendRow,
        how: "import a legend with a role twice",
        run: || {
            import_one(
                &BASE.replace(
                    "| (I) Informé | Informé |",
                    "| (I) Informé | Informé |\n| (I) Informé | encore |",
                ),
            )
        },
    },
    Case {
        code: Code::PartyColumns,
        how: "import tables with other party columns",
        run: || {
            import_one(&format!(
                "{BASE}\n## Exploiter\n\n| Activité | Client | Fournisseur | Partenaire |\n| --- | --- | --- | --- |\n| Surveiller | RA | I | C |\n"
            ))
        },
    },
    Case {
        code: Code::ActivityId,
        how: "import a page whose ID column holds an invalid id",
        run: || {
            import_one(
                &BASE
                    .replace("| Activité |", "| ID | Activité |")
                    .replace(
                        "| --- | --- | --- |\n| Choisir",
                        "| --- | --- | --- | --- |\n| bad id | Choisir",
                    )
                    .replace("| Payer |", "| X-2 | Payer |"),
            )
        },
    },
    // diff (diff.md).
    Case { code: Code::DifferentMatrix, how: "diff two matrices with different ids", run: different_matrix },
    Case {
        code: Code::VersionNotBumped,
        how: "diff two versions with one version number",
        run: version_not_bumped,
    },
    Case {
        code: Code::NoCommonLanguage,
        how: "diff --out of a French-only and a German-only version",
        run: no_common_language,
    },
];

/// A source page of the import cases: a legend, one phase of two rows.
const BASE: &str = "# Matrice\n\n## Légende\n\n| Rôle | Description |\n| --- | --- |\n| (R) Réalise | Réalise |\n\
    | (A) Approuve | Approuve |\n| (C) Consulté | Consulté |\n| (I) Informé | Informé |\n\n## Construire\n\n\
    | Activité | Client | Fournisseur |\n| --- | --- | --- |\n| Choisir | RA | C |\n| Payer | RA | I |\n";

/// A second phase, for pages that need one.
const RUN: &str =
    "## Exploiter\n\n| Activité | Client | Fournisseur |\n| --- | --- | --- |\n| Surveiller | RA | I |\n";

/// `import` of one French page `page`.
fn import_one(page: &str) -> Output {
    let dir = scratch("code-import");
    std::fs::write(dir.join("fr.md"), page).unwrap();
    run(&dir, &["import", "--id", "x", "--page", "fr=fr.md", "--date", "2026-01-01"])
}

/// `import` of [`BASE`] and an English translation `translation`.
fn import_two(translation: &str) -> Output {
    let dir = scratch("code-import-two");
    std::fs::write(dir.join("fr.md"), BASE).unwrap();
    std::fs::write(dir.join("en.md"), translation).unwrap();
    run(&dir, &["import", "--id", "x", "--page", "fr=fr.md", "--page", "en=en.md", "--date", "2026-01-01"])
}

fn no_date() -> Output {
    let dir = scratch("code-no-date");
    std::fs::write(dir.join("fr.md"), BASE).unwrap();
    run(&dir, &["import", "--id", "x", "--page", "fr=fr.md"])
}

fn ids_from() -> Output {
    let dir = scratch("code-ids-from");
    std::fs::write(dir.join("fr.md"), BASE).unwrap();
    // An earlier matrix in English and German: no French text to match the page's rows with.
    let text = std::fs::read_to_string(fixture("valid/small.yaml")).unwrap();
    std::fs::write(dir.join("earlier.yaml"), text.replace("fr:", "de:").replace("[en, fr]", "[en, de]"))
        .unwrap();
    run(
        &dir,
        &["import", "--id", "x", "--page", "fr=fr.md", "--date", "2026-01-01", "--ids-from", "earlier.yaml"],
    )
}

/// Two versions of `valid/small.yaml`: the second made by `edit`.
fn diff_of(name: &str, edit: impl Fn(&str) -> String) -> Output {
    let dir = scratch(name);
    let text = std::fs::read_to_string(fixture("valid/small.yaml")).unwrap();
    std::fs::write(dir.join("old.yaml"), &text).unwrap();
    std::fs::write(dir.join("new.yaml"), edit(&text)).unwrap();
    run(&dir, &["diff", "old.yaml", "new.yaml"])
}

fn different_matrix() -> Output {
    diff_of("code-different-matrix", |t| t.replacen("\nid: ", "\nid: other-", 1))
}

fn version_not_bumped() -> Output {
    diff_of("code-version-not-bumped", |t| {
        t.replacen("roles:", "notes:\n  - {en: A closing remark, fr: Une remarque}\nroles:", 1)
    })
}

/// Codes that no input can produce: safeguards against defects of the tool.
const UNREACHABLE: &[(Code, &str)] = &[
    (
        Code::DuplicateOutput,
        "output names are built from validated matrix ids (unique per run) and language tags of two or \
         three letters, so no two outputs of a run can share a name",
    ),
    (
        Code::Defect,
        "import writes its matrix from what it read and loads it again before writing it; the fuzz \
         tests of tests/it/import.rs check that every page that imports gives a matrix that loads",
    ),
];

fn read() -> Output {
    run(&root(), &["validate", "tests/fixtures/no-such-file.yaml"])
}

fn file_too_large() -> Output {
    let dir = scratch("code-too-large");
    let mut text = std::fs::read_to_string(fixture("valid/small.yaml")).unwrap();
    text.push_str(&format!("# {}\n", "x".repeat(17 * 1024 * 1024)));
    std::fs::write(dir.join("huge.yaml"), text).unwrap();
    run(&dir, &["validate", "huge.yaml"])
}

fn encoding() -> Output {
    let dir = scratch("code-encoding");
    let mut bytes = std::fs::read(fixture("valid/small.yaml")).unwrap();
    bytes.extend_from_slice(b"# \xFF\n");
    std::fs::write(dir.join("latin.yaml"), bytes).unwrap();
    run(&dir, &["validate", "latin.yaml"])
}

fn unknown_language() -> Output {
    let small = fixture("valid/small.yaml");
    run_generate("code-unknown-language", &[&small], &["--format", "csv", "--lang", "de"]).1
}

fn template() -> Output {
    let small = fixture("valid/small.yaml");
    run_generate("code-template", &[&small], &["--format", "csv", "--templates", "no-such-folder"]).1
}

fn rules_override() -> Output {
    run(&root(), &["validate", "tests/fixtures/valid/full.yaml"])
}

fn no_strings() -> Output {
    let dir = scratch("code-no-strings");
    let text = std::fs::read_to_string(fixture("valid/small.yaml")).unwrap();
    let dutch = text.replace("fr:", "nl:").replace("[en, fr]", "[en, nl]");
    std::fs::write(dir.join("nl.yaml"), dutch).unwrap();
    run(&dir, &["generate", "--data", "nl.yaml", "--out", "out", "--format", "csv", "--lang", "nl"])
}

/// Whether a run printed a diagnostic of `code` with that code's severity.
fn produced(o: &Output, code: Code) -> bool {
    let kind = match code.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    stderr(o).lines().any(|l| l.starts_with(&format!("{kind}[{code}]: ")))
}

/// The invalid fixtures named `<code>--<case>.yaml` for `code`.
fn fixtures_of(code: Code) -> Vec<String> {
    list(&fixture("invalid"))
        .into_iter()
        .filter(|n| n.starts_with(&format!("{code}--")) && n.ends_with(".yaml"))
        .collect()
}

// Each code is produced by an invalid fixture of its name, or by its run in RUNS, or is listed as unreachable.
#[test]
fn every_code_is_produced_by_a_fixture_or_a_run() {
    let mut problems = Vec::new();
    for &code in Code::ALL {
        let fixtures = fixtures_of(code);
        let runs: Vec<&Case> = RUNS.iter().filter(|c| c.code == code).collect();
        let unreachable = UNREACHABLE.iter().any(|(c, _)| *c == code);
        match (fixtures.first(), runs.as_slice(), unreachable) {
            (Some(first), [], false) => {
                let rel = format!("tests/fixtures/invalid/{first}");
                let o = run(&root(), &["validate", &rel]);
                if !produced(&o, code) {
                    problems.push(format!("{code}: {rel} does not produce it:\n{}", stderr(&o)));
                }
            }
            (None, [case], false) => {
                let o = (case.run)();
                if !produced(&o, code) {
                    problems.push(format!("{code}: \"{}\" does not produce it:\n{}", case.how, stderr(&o)));
                }
            }
            (None, [], true) => {}
            (None, [], false) => problems.push(format!(
                "{code}: nothing produces it: add tests/fixtures/invalid/{code}--CASE.yaml, or a run to RUNS"
            )),
            _ => problems.push(format!(
                "{code}: give it one producer: {} fixture(s), {} run(s), unreachable: {unreachable}",
                fixtures.len(),
                runs.len()
            )),
        }
    }
    // Fixture names must name a code, so a typo does not leave a code uncovered unnoticed.
    for name in list(&fixture("invalid")).into_iter().filter(|n| n.ends_with(".yaml")) {
        let code = name.split_once("--").map_or("", |(c, _)| c);
        if !Code::ALL.iter().any(|c| c.as_str() == code) {
            problems.push(format!("tests/fixtures/invalid/{name}: `{code}` is not a code"));
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

/// (code, severity) of every row of the tables under `## Errors` and `## Warnings`.
fn documented_codes(doc: &str) -> Vec<(String, Severity)> {
    let mut out = Vec::new();
    let mut section = None;
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = match h.trim() {
                "Errors" => Some(Severity::Error),
                "Warnings" => Some(Severity::Warning),
                _ => None,
            };
        } else if let (Some(severity), Some(cell)) = (section, line.strip_prefix("| `"))
            && let Some((code, _)) = cell.split_once("` |")
        {
            out.push((code.to_string(), severity));
        }
    }
    out
}

// Each code has a row in docs/matrix-format.md, among the errors or the warnings as its severity says, and every
// documented code is one the tool has.
#[test]
fn every_code_has_a_row_in_the_matrix_format_documentation() {
    let doc = std::fs::read_to_string(root().join("docs/matrix-format.md")).unwrap();
    let rows = documented_codes(&doc);
    assert!(rows.len() >= Code::ALL.len(), "only {} rows found: {rows:?}", rows.len());
    let mut problems = Vec::new();
    for &code in Code::ALL {
        if !rows.iter().any(|(c, s)| c == code.as_str() && *s == code.severity()) {
            problems.push(format!("{code} ({:?}): no row in docs/matrix-format.md", code.severity()));
        }
    }
    for (c, _) in &rows {
        if !Code::ALL.iter().any(|code| code.as_str() == c) {
            problems.push(format!("docs/matrix-format.md documents `{c}`, which the tool does not have"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A one-language matrix in `lang` (title, legend, one party, one activity).
fn one_language(lang: &str) -> String {
    let mut m = MatrixYaml::new("one", &[lang], "T");
    m.party("customer", "C").phase("p", "P").activity("X-1", "t", "customer: RA");
    m.build()
}

fn no_common_language() -> Output {
    let dir = scratch("code-no-common-language");
    std::fs::write(dir.join("old.yaml"), one_language("fr")).unwrap();
    std::fs::write(dir.join("new.yaml"), one_language("de")).unwrap();
    run(&dir, &["diff", "old.yaml", "new.yaml", "--out", "out"])
}
