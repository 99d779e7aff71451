//! `raci-annex import`: the three real page sets (counts, texts and codes in
//! every language, the drift of network-vpc), page shapes written for the
//! tests, pages in the format `--format md` writes read back to the very
//! matrix, `--ids-from`, every error, and a fuzzer (arbitrary bytes and
//! mutated real pages: never a panic).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use raci_annex::model::{Lang, Matrix};

use crate::support::{fixture, run, scratch, stderr, stdout};

const LANGS: [&str; 5] = ["fr", "en", "de", "es", "it"];

fn pages(set: &str) -> PathBuf {
    fixture("pages").join(set)
}

fn page_args(set: &str, langs: &[&str]) -> Vec<String> {
    langs
        .iter()
        .flat_map(|l| ["--page".to_string(), format!("{l}={}", pages(set).join(format!("{l}.md")).display())])
        .collect()
}

/// Imports a page set into `dir/out.yaml` (and `dir/drift.json`).
fn import(dir: &Path, set: &str, id: &str, langs: &[&str], extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["import".into(), "--id".into(), id.into()];
    args.extend(page_args(set, langs));
    args.extend(["--out".into(), "out.yaml".into(), "--drift".into(), "drift.json".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(dir, &refs)
}

fn load(path: &Path) -> Matrix {
    match raci_annex::load::load(path) {
        Ok(l) => l.matrix,
        Err(r) => panic!("{}", r.render()),
    }
}

fn lang(l: &str) -> Lang {
    Lang::parse(l).unwrap()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "exit {:?}\n{}", o.status.code(), stderr(o));
}

/// (phases, subphases, activities)
fn counts(m: &Matrix) -> (usize, usize, usize) {
    (m.phases.len(), m.phases.iter().map(|p| p.subphases.len()).sum(), m.activity_count())
}

fn activity<'m>(m: &'m Matrix, id: &str) -> &'m raci_annex::model::Activity {
    m.phases
        .iter()
        .flat_map(|p| p.all_activities())
        .map(|(_, a)| a)
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("no activity {id}"))
}

fn codes(m: &Matrix, id: &str) -> Vec<String> {
    activity(m, id).roles.iter().map(|r| r.as_str().to_owned()).collect()
}

#[test]
fn imports_llmaas_pages_in_five_languages() {
    let dir = scratch("import-llmaas");
    let o = import(&dir, "llmaas", "llmaas", &LANGS, &["--date", "2026-11-23"]);
    ok(&o);
    let m = load(&dir.join("out.yaml"));
    assert_eq!(counts(&m), (6, 0, 24));
    assert_eq!(m.languages.iter().map(Lang::as_str).collect::<Vec<_>>(), LANGS);
    assert_eq!(m.source_language.as_str(), "fr");
    assert_eq!(m.parties.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["customer", "provider"]);
    let names: Vec<&str> = LANGS.iter().map(|l| m.parties[0].name.get(&lang(l))).collect();
    assert_eq!(names, ["Client", "Client", "Kundenrolle", "Cliente", "Cliente"]);
    let a = activity(&m, "LLMAAS-P03-06");
    let texts: Vec<&str> = LANGS.iter().map(|l| a.text.get(&lang(l))).collect();
    assert_eq!(
        texts,
        [
            "Gérer les évolutions des modèles (ajout, dépréciation)",
            "Manage model updates (additions, deprecations)",
            "Modellentwicklungen verwalten (Hinzufügung, Deprecation)",
            "Gestionar la evolución de los modelos (ajout, dépréciation)",
            "Gestire l'evoluzione dei modelli (aggiunta, deprecazione)",
        ]
    );
    // `__C, I__` is normalised to CI.
    assert_eq!(codes(&m, "LLMAAS-P03-06"), ["CI", "RA"]);
    assert_eq!(codes(&m, "LLMAAS-P02-03"), ["RA", ""]);
    assert_eq!(codes(&m, "LLMAAS-P04-04"), ["R", "A"]);
    // The legend: code from `(R)`, `__R__éalise` without its markup.
    assert_eq!(m.roles.iter().map(|r| r.code).collect::<String>(), "RACI");
    assert_eq!(m.roles[0].description.get(&lang("fr")), "Réalise le processus");
    assert_eq!(m.roles[1].name.get(&lang("de")), "Genehmigt");
    assert_eq!(m.phases[0].id(), "definir-votre-besoin");
    assert_eq!(m.title.get(&lang("fr")), "Matrice de responsabilité - LLMaaS");
    assert_eq!(m.date.to_string(), "2026-11-23");
    let drift: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("drift.json")).unwrap()).unwrap();
    assert_eq!(drift["drift"].as_array().unwrap().len(), 0, "{drift}");
}

#[test]
fn imports_network_vpc_with_its_drift() {
    let dir = scratch("import-vpc");
    let o = import(&dir, "network-vpc", "network-vpc", &LANGS, &[]);
    ok(&o);
    let m = load(&dir.join("out.yaml"));
    assert_eq!(counts(&m), (13, 0, 60));
    // The matrix keeps the source code; the drift names the two cells.
    assert_eq!(codes(&m, "NETWORK-VPC-P06-03"), ["RA", "C"]);
    let a = activity(&m, "NETWORK-VPC-P06-03");
    for (l, word) in [
        ("fr", "Cloud Connect"),
        ("en", "Cloud Connect"),
        ("de", "Cloud Connect"),
        ("es", "Cloud Connect"),
        ("it", "Cloud Connect"),
    ] {
        assert!(a.text.get(&lang(l)).contains(word), "{l}: {}", a.text.get(&lang(l)));
    }
    let drift: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("drift.json")).unwrap()).unwrap();
    assert_eq!(
        drift,
        serde_json::json!({"matrix": "network-vpc", "source_language": "fr", "drift": [
            {"language": "de", "activity": "NETWORK-VPC-P06-03", "party": "provider", "page_cell": "CI", "source_cell": "C"},
            {"language": "it", "activity": "NETWORK-VPC-P06-03", "party": "provider", "page_cell": "CI", "source_cell": "C"},
        ]})
    );
    let err = stderr(&o);
    let drift_lines: Vec<&str> = err.lines().filter(|l| l.starts_with("warning[role-drift]")).collect();
    assert_eq!(drift_lines.len(), 2, "{err}");
    assert!(
        drift_lines[0].contains("de.md:111") && drift_lines[0].contains("NETWORK-VPC-P06-03"),
        "{}",
        drift_lines[0]
    );
    assert!(
        drift_lines[0].contains("provider")
            && drift_lines[0].contains("'CI'")
            && drift_lines[0].contains("'C'")
    );
    // Title from the H1, intro with the quote, notes with their numbers, the closing remark.
    assert_eq!(m.title.get(&lang("fr")), "Modèle de responsabilité partagée — VPC (Virtual Private Cloud)");
    let intro = m.intro.as_ref().unwrap().get(&lang("fr"));
    assert!(intro.starts_with("Voici le modèle RACI définissant"), "{intro}");
    assert!(
        intro.contains("\n\nParticularité de l'offre VPC\n\nLe VPC est un service réseau entièrement managé"),
        "{intro}"
    );
    let security = &m.phases[4].section;
    assert_eq!(security.notes.len(), 4);
    assert!(security.notes[2].get(&lang("de")).starts_with("(5) Die anwendungsbezogene Filterung"));
    assert_eq!(m.phases[1].section.notes[0].get(&lang("es")).split(' ').next(), Some("(1)"));
    assert_eq!(m.notes.len(), 1);
    assert!(m.notes[0].get(&lang("it")).starts_with("Sono disponibili servizi professionali"));
    // Bold role cells; markup in texts removed, footnote marks kept as text.
    assert_eq!(codes(&m, "NETWORK-VPC-P01-01"), ["", "RA"]);
    assert_eq!(
        activity(&m, "NETWORK-VPC-P02-01").text.get(&lang("fr")),
        "Assurer le maintien en condition opérationnelle du routeur VPC (1)"
    );
    assert_eq!(
        m.phases[0].section.intro.as_ref().unwrap().get(&lang("en")),
        "Cloud Temple is fully responsible for the physical infrastructure and network backbone on which the VPC relies."
    );
}

#[test]
fn strict_exits_4_on_drift_and_still_writes_both_files() {
    let dir = scratch("import-strict");
    let o = import(&dir, "network-vpc", "network-vpc", &LANGS, &["--strict"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(dir.join("out.yaml").is_file() && dir.join("drift.json").is_file());
    let o = import(&scratch("import-strict-ok"), "llmaas", "llmaas", &LANGS, &["--strict"]);
    ok(&o);
}

#[test]
fn imports_paas_openshift_with_its_subphases() {
    let dir = scratch("import-paas");
    ok(&import(&dir, "paas-openshift", "paas-openshift", &LANGS, &[]));
    let m = load(&dir.join("out.yaml"));
    assert_eq!(counts(&m), (9, 2, 60));
    let doc = &m.phases[8];
    assert_eq!(doc.section.activities.len(), 6);
    assert_eq!(doc.subphases[0].id, "gestion-des-operateurs-openshift");
    assert_eq!(doc.subphases[0].activities.len(), 16);
    assert_eq!(doc.subphases[1].activities.len(), 1);
    assert_eq!(doc.subphases[0].title.get(&lang("it")), "Gestione degli operatori OpenShift");
    let intro = doc.subphases[0].intro.as_ref().unwrap().get(&lang("fr"));
    assert_eq!(intro.matches("\n\n").count(), 2, "{intro}");
    let note = doc.subphases[0].notes[0].get(&lang("fr"));
    assert!(note.starts_with("Note importante : Seuls les opérateurs déclaré supportés"), "{note}");
    assert_eq!(codes(&m, "PAAS-OPENSHIFT-P09-S01-15"), ["RA", "I"]);
    assert_eq!(codes(&m, "PAAS-OPENSHIFT-P09-S02-01"), ["RA", "C"]);
    assert!(
        activity(&m, "PAAS-OPENSHIFT-P01-01").text.get(&lang("es")).starts_with("Definir la arquitectura")
    );
    assert_eq!(m.notes.len(), 0);
}

#[test]
fn imported_matrices_pass_validate_and_generate_unchanged() {
    for (set, id) in
        [("llmaas", "llmaas"), ("network-vpc", "network-vpc"), ("paas-openshift", "paas-openshift")]
    {
        let dir = scratch("import-generate");
        ok(&import(&dir, set, id, &LANGS, &[]));
        let v = run(&dir, &["validate", "out.yaml"]);
        ok(&v);
        assert!(stdout(&v).contains("5 languages"));
        let g = run(&dir, &["generate", "--quiet", "--data", "out.yaml", "--out", "gen", "--format", "csv"]);
        ok(&g);
        assert!(dir.join(format!("gen/{id}-de.csv")).is_file());
    }
}

#[test]
fn the_same_pages_give_the_same_bytes() {
    let a = scratch("import-repro-a");
    let b = scratch("import-repro-b");
    ok(&import(&a, "network-vpc", "network-vpc", &LANGS, &[]));
    // Relative page paths are the same from either folder: the header comment names them.
    ok(&import(&b, "network-vpc", "network-vpc", &LANGS, &[]));
    assert_eq!(std::fs::read(a.join("out.yaml")).unwrap(), std::fs::read(b.join("out.yaml")).unwrap());
    assert_eq!(std::fs::read(a.join("drift.json")).unwrap(), std::fs::read(b.join("drift.json")).unwrap());
    let text = std::fs::read_to_string(a.join("out.yaml")).unwrap();
    assert!(text.starts_with("# Imported by `raci-annex import` from the pages\n#   fr="), "{text}");
    assert!(text.contains("date: 1970-01-01"));
    assert!(stderr(&run(&a, &["validate", "out.yaml"])).is_empty());
}

#[test]
fn without_out_the_matrix_goes_to_standard_output() {
    let dir = scratch("import-stdout");
    let mut args = vec!["import".to_string(), "--id".into(), "llmaas".into(), "--quiet".into()];
    args.extend(page_args("llmaas", &["fr", "en"]));
    let o = run(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&o);
    assert!(stdout(&o).contains("schema: 1\nid: \"llmaas\""));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    assert!(crate::support::list(&dir).is_empty());
}

// ---- page shapes ----

fn import_shape(name: &str, langs: &[&str]) -> (Matrix, String, PathBuf) {
    let dir = scratch(&format!("shape-{name}"));
    let o = import(&dir, &format!("shapes/{name}"), &format!("t-{name}"), langs, &[]);
    ok(&o);
    (load(&dir.join("out.yaml")), stderr(&o), dir)
}

#[test]
fn shape_subphases_in_several_phases() {
    let (m, err, _) = import_shape("subphases", &["fr", "en"]);
    assert_eq!(counts(&m), (3, 4, 9));
    assert_eq!(
        m.phases[0].subphases.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["reseau-de-sauvegarde", "stockage"]
    );
    assert_eq!(m.phases[2].section.activities.len(), 0, "a phase whose activities are all in a subphase");
    assert_eq!(m.phases[2].subphases[0].activities[0].id, "T-SUBPHASES-P03-S01-01");
    assert_eq!(
        m.phases[0].subphases[1].intro.as_ref().unwrap().get(&lang("en")),
        "The storage is replicated over two zones."
    );
    // The newest front-matter date (fr: last_update.date, en: date).
    assert_eq!(m.date.to_string(), "2026-03-01");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn shape_no_legend_gets_the_standard_legend_and_admonitions_their_title() {
    let (m, err, _) = import_shape("no-legend", &["fr", "en"]);
    assert_eq!(err.matches("warning[no-legend]").count(), 2, "{err}");
    assert_eq!(m.roles.iter().map(|r| r.code).collect::<String>(), "RACI");
    assert_eq!(m.roles[0].name.get(&lang("en")), "Responsible");
    assert_eq!(m.roles[3].name.get(&lang("fr")), "Informé");
    assert_eq!(m.intro.as_ref().unwrap().get(&lang("fr")), "Périmètre\n\nCe RACI ne couvre que le bastion.");
    // `-` and `—` are no role.
    assert_eq!(codes(&m, "T-NO-LEGEND-P02-01"), ["RA", ""]);
    assert_eq!(m.title.get(&lang("en")), "Responsibility matrix - Bastion");
}

#[test]
fn shape_wrapper_heading_over_h3_phases() {
    let (m, _, _) = import_shape("wrapper", &["fr", "en"]);
    assert_eq!(counts(&m), (2, 0, 3));
    assert_eq!(m.phases[0].id(), "deploiement");
    assert_eq!(
        m.intro.as_ref().unwrap().get(&lang("en")),
        "Introduction of the page.\n\nThe following table allocates the tasks."
    );
    assert_eq!(m.roles[1].description.get(&lang("en")), "Approves it");
    assert_eq!(m.notes.len(), 1);
    assert_eq!(m.notes[0].get(&lang("fr")), "Les rôles sont revus chaque année.");
    assert_eq!(m.title.get(&lang("fr")), "Modèle de responsabilité — Kubernetes");
}

#[test]
fn shape_all_h3_sections_are_phases() {
    let (m, _, _) = import_shape("all-h3", &["fr"]);
    assert_eq!(counts(&m), (2, 0, 2));
    assert_eq!(m.title.get(&lang("fr")), "Matrice - DNS");
}

#[test]
fn shape_starred_cells_take_the_starred_note() {
    let (m, _, _) = import_shape("starred", &["fr", "en"]);
    let a = activity(&m, "T-STARRED-P01-02");
    assert_eq!(codes(&m, "T-STARRED-P01-02"), ["I", "RA"]);
    assert_eq!(a.note.as_ref().unwrap().get(&lang("fr")), "Le client est informé par courriel.");
    assert_eq!(a.note.as_ref().unwrap().get(&lang("en")), "The client is informed by e-mail.");
    let b = activity(&m, "T-STARRED-P01-03");
    assert_eq!(b.note.as_ref().unwrap().get(&lang("en")), "Only for major incidents.");
    assert!(activity(&m, "T-STARRED-P01-01").note.is_none());
    assert!(m.phases[0].section.notes.is_empty(), "the starred notes are not phase notes");
}

#[test]
fn shape_numbered_footnotes() {
    let (m, _, _) = import_shape("footnotes", &["fr", "en"]);
    let notes = |i: usize, l: &str| -> Vec<String> {
        m.phases[i].section.notes.iter().map(|n| n.get(&lang(l)).to_owned()).collect()
    };
    assert_eq!(notes(0, "fr"), ["(1) Le routeur est managé.", "(2) Les routes statiques seulement."]);
    assert_eq!(notes(1, "en"), ["1. Layer 4 rules.", "2. Applied within 24 h."]);
    let a = activity(&m, "T-FOOTNOTES-P03-01");
    assert_eq!(a.text.get(&lang("fr")), "Conserver les journaux");
    assert_eq!(a.note.as_ref().unwrap().get(&lang("en")), "The period is 90 days.");
    assert!(m.notes.is_empty());
}

#[test]
fn shape_party_names_in_translated_cells_are_drift() {
    let dir = scratch("shape-party-names");
    let o = import(&dir, "shapes/party-names", "objects", &["fr", "de"], &[]);
    ok(&o);
    let m = load(&dir.join("out.yaml"));
    assert_eq!(codes(&m, "OBJECTS-P01-01"), ["RA", ""]);
    assert_eq!(m.parties[0].name.get(&lang("de")), "Kunde");
    let drift: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("drift.json")).unwrap()).unwrap();
    let cells: Vec<(String, String, String)> = drift["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["activity"].as_str().unwrap().into(),
                d["page_cell"].as_str().unwrap().into(),
                d["source_cell"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("OBJECTS-P01-01".into(), "Kunde".into(), "RA".into()),
            ("OBJECTS-P01-03".into(), "Cloud Temple".into(), "RA".into())
        ]
    );
}

#[test]
fn a_translation_with_a_row_missing_falls_back_with_a_warning() {
    let dir = scratch("import-mismatch");
    let src = std::fs::read_to_string(pages("llmaas/en.md")).unwrap();
    let cut: String = src
        .lines()
        .filter(|l| !l.contains("Export the client application"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(cut.len(), src.len());
    std::fs::write(dir.join("en.md"), cut).unwrap();
    let fr = pages("llmaas/fr.md");
    let o = run(
        &dir,
        &[
            "import",
            "--id",
            "llmaas",
            "--page",
            &format!("fr={}", fr.display()),
            "--page",
            "en=en.md",
            "--out",
            "out.yaml",
        ],
    );
    ok(&o);
    let err = stderr(&o);
    assert!(err.contains("warning[structure-mismatch]: en.md:"), "{err}");
    assert!(err.contains("Reversibility") && err.contains("2 rows"), "{err}");
    let m = load(&dir.join("out.yaml"));
    let a = activity(&m, "LLMAAS-P06-02");
    assert_eq!(a.text.get(&lang("en")), a.text.get(&lang("fr")), "the source text stands in");
    assert_eq!(
        activity(&m, "LLMAAS-P05-01").text.get(&lang("en")),
        "Ensure business continuity of the LLMaaS platform"
    );
}

// ---- pages in the format `--format md` writes ----

/// Everything but the file's provenance.
fn same_matrix(a: &Matrix, b: &Matrix) {
    let strip = |m: &Matrix| {
        let mut m = m.clone();
        m.source = raci_annex::model::Source::default();
        m
    };
    let (a, b) = (strip(a), strip(b));
    assert_eq!(a.parties, b.parties);
    assert_eq!(a.roles, b.roles);
    for (x, y) in a.phases.iter().zip(&b.phases) {
        assert_eq!(x, y);
    }
    assert_eq!(a, b);
}

#[test]
fn md_format_pages_read_back_to_the_same_matrix() {
    for (name, fixture_yaml, langs) in [
        ("full", fixture("valid/full.yaml"), ["fr", "en"]),
        ("hard", pages("md-format/hard/matrix.yaml"), ["en", "de"]),
    ] {
        let dir = scratch("import-md-format");
        let o = import(&dir, &format!("md-format/{name}"), name, &langs, &[]);
        ok(&o);
        let err = stderr(&o);
        assert!(!err.contains("structure-mismatch") && !err.contains("untranslated"), "{err}");
        same_matrix(&load(&dir.join("out.yaml")), &load(&fixture_yaml));
    }
}

// ---- --ids-from ----

#[test]
fn ids_from_keeps_ids_of_unchanged_rows_and_gives_new_rows_fresh_ones() {
    let dir = scratch("import-ids-from");
    ok(&import(&dir, "llmaas", "llmaas", &["fr", "en"], &[]));
    let before = load(&dir.join("out.yaml"));
    // Reword one row, add one before it, drop another.
    let fr = std::fs::read_to_string(pages("llmaas/fr.md")).unwrap();
    let en = std::fs::read_to_string(pages("llmaas/en.md")).unwrap();
    let edit = |s: &str, reword: (&str, &str), add_before: &str, added: &str, drop: &str| -> String {
        let mut out = String::new();
        for l in s.lines() {
            if l.contains(drop) {
                continue;
            }
            if l.contains(add_before) {
                out.push_str(&format!("| {added} | RA | I |\n"));
            }
            out.push_str(&l.replace(reword.0, reword.1));
            out.push('\n');
        }
        out
    };
    std::fs::write(
        dir.join("fr.md"),
        edit(
            &fr,
            ("Gérer les incidents sur la plateforme LLMaaS", "Traiter les incidents de la plateforme LLMaaS"),
            "Assurer la disponibilité de l'API",
            "Nouvelle activité",
            "Gérer les problèmes sur",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("en.md"),
        edit(
            &en,
            ("Manage incidents on", "Handle incidents on"),
            "Ensure the availability of the LLMaaS API",
            "New activity",
            "Manage problems on",
        ),
    )
    .unwrap();
    let o = run(
        &dir,
        &[
            "import",
            "--id",
            "llmaas",
            "--page",
            "fr=fr.md",
            "--page",
            "en=en.md",
            "--ids-from",
            "out.yaml",
            "--out",
            "out.yaml",
        ],
    );
    ok(&o);
    let after = load(&dir.join("out.yaml"));
    let by_text = |m: &Matrix| -> BTreeMap<String, String> {
        m.phases
            .iter()
            .flat_map(|p| p.all_activities())
            .map(|(_, a)| (a.text.get(&lang("fr")).to_owned(), a.id.clone()))
            .collect()
    };
    let (old, new) = (by_text(&before), by_text(&after));
    for (text, id) in &new {
        if let Some(old_id) = old.get(text) {
            assert_eq!(id, old_id, "{text} kept its id");
        }
    }
    let old_ids: Vec<&String> = old.values().collect();
    for text in ["Nouvelle activité", "Traiter les incidents de la plateforme LLMaaS"] {
        let id = &new[text];
        assert!(!old_ids.contains(&id), "{text} got '{id}', an id of the earlier file");
    }
    let mut all: Vec<&String> = new.values().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), new.len(), "ids are unique");
    assert_eq!(
        after.phases.iter().map(|p| p.id()).collect::<Vec<_>>(),
        before.phases.iter().map(|p| p.id()).collect::<Vec<_>>()
    );
    // Unchanged pages through --ids-from give the file back byte for byte (but its header).
    let again = run(
        &dir,
        &[
            "import",
            "--id",
            "llmaas",
            "--page",
            "fr=fr.md",
            "--page",
            "en=en.md",
            "--ids-from",
            "out.yaml",
            "--out",
            "out.yaml",
        ],
    );
    ok(&again);
    assert_eq!(by_text(&load(&dir.join("out.yaml"))), new);
}

// ---- errors ----

fn fail(dir: &Path, args: &[&str], code: i32, needles: &[&str]) {
    let o = run(dir, args);
    assert_eq!(o.status.code(), Some(code), "{args:?}\n{}", stderr(&o));
    let err = stderr(&o);
    for n in needles {
        assert!(err.contains(n), "{args:?}: '{n}' missing in\n{err}");
    }
    assert!(
        !dir.join("out.yaml").exists() && !dir.join("drift.json").exists(),
        "nothing is written on error"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn bad_pages_are_refused_with_file_line_and_what_to_do() {
    let dir = scratch("import-errors");
    let fr = pages("llmaas/fr.md");
    let fr = format!("fr={}", fr.display());
    let base = ["import", "--id", "x", "--out", "out.yaml", "--drift", "drift.json"];
    let with = |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|s| s.to_string()).collect() };
    let call = |extra: &[&str], code: i32, needles: &[&str]| {
        let args = with(extra);
        fail(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>(), code, needles);
    };
    std::fs::write(dir.join("latin1.md"), b"---\ntitle: x\n---\n\n| Activit\xe9 | Client |\n").unwrap();
    call(&["--page", "fr=latin1.md"], 1, &["error[encoding]: latin1.md:5:", "UTF-8"]);
    std::fs::write(dir.join("prose.md"), "# Just prose\n\nNo table here.\n").unwrap();
    call(&["--page", "fr=prose.md"], 1, &["error[no-role-table]: prose.md", "no role table"]);
    call(
        &["--page", &fr, "--page", "fr=prose.md"],
        1,
        &["error[duplicate-language]: prose.md", "'fr' twice"],
    );
    call(&["--page", "fr=missing.md"], 1, &["error[read]: missing.md", "check the path"]);
    std::fs::write(dir.join("notitle.md"), "| Activité | Client |\n| --- | --- |\n| a | RA |\n").unwrap();
    call(&["--page", "fr=notitle.md"], 1, &["notitle.md", "no title"]);
    std::fs::write(dir.join("ids.yaml"), "not: a matrix\n").unwrap();
    call(&["--page", &fr, "--ids-from", "ids.yaml"], 1, &["ids.yaml"]);
    // Usage errors: exit 2.
    call(&["--page", "fr"], 2, &["LANG=FILE"]);
    call(&["--page", "FR=x.md"], 2, &["language tag"]);
    call(&["--page", &fr, "--date", "2026-02-30"], 2, &["--date"]);
    call(&["--page", &fr, "--source-language", "de"], 2, &["--source-language de"]);
    call(&["--page", &fr, "--version", " "], 2, &["--version"]);
    fail(&dir, &["import", "--id", "Bad_Id", "--page", &fr], 2, &["--id"]);
    fail(&dir, &["import", "--page", &fr], 2, &["--id"]);
    // An existing --out is refused, unless it is the --ids-from file.
    std::fs::write(dir.join("out.yaml"), "keep me").unwrap();
    let o = run(&dir, &["import", "--id", "x", "--page", &fr, "--out", "out.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("out.yaml exists"));
    assert_eq!(std::fs::read_to_string(dir.join("out.yaml")).unwrap(), "keep me");
}

#[test]
fn a_party_column_more_than_eight_is_an_error() {
    let dir = scratch("import-nine");
    let head: String = (1..=9).map(|i| format!(" P{i} |")).collect();
    let sep: String = (0..=9).map(|_| " --- |").collect();
    let row: String =
        (1..=9).map(|i| if i == 1 { " RA |".to_string() } else { " I |".to_string() }).collect();
    std::fs::write(dir.join("p.md"), format!("# T\n\n## Phase\n\n| Activité |{head}\n|{sep}\n| a |{row}\n"))
        .unwrap();
    fail(
        &dir,
        &["import", "--id", "x", "--page", "fr=p.md", "--out", "out.yaml"],
        1,
        &["p.md:5", "9 party columns", "at most 8"],
    );
}

#[test]
fn rules_broken_by_the_pages_get_an_override_and_a_warning() {
    let dir = scratch("import-rules");
    std::fs::write(dir.join("p.md"), "# T\n\n## Phase\n\n| Activité | Client | Fournisseur |\n| --- | --- | --- |\n| a | R | I |\n| b | RA | A |\n| c | A | C |\n").unwrap();
    let o =
        run(&dir, &["import", "--id", "x", "--page", "fr=p.md", "--out", "out.yaml", "--date", "2026-01-01"]);
    ok(&o);
    let err = stderr(&o);
    assert_eq!(err.matches("warning[rules-override]").count(), 3, "{err}");
    let m = load(&dir.join("out.yaml"));
    let rules = |id: &str| {
        activity(&m, id).rules_override.map(|o| o.apply(m.rules)).map(|r| (r.accountable, r.responsible))
    };
    use raci_annex::model::{AccountableRule as A, ResponsibleRule as R};
    assert_eq!(rules("X-P01-01"), Some((A::AtMostOne, R::AtLeastOne)));
    assert_eq!(rules("X-P01-02"), Some((A::Any, R::AtLeastOne)));
    assert_eq!(rules("X-P01-03"), Some((A::ExactlyOne, R::Any)));
}

// ---- fuzz ----

fn corpus() -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    for set in ["llmaas", "network-vpc", "paas-openshift"] {
        for l in LANGS {
            v.push(std::fs::read(pages(set).join(format!("{l}.md"))).unwrap());
        }
    }
    for shape in ["subphases", "no-legend", "wrapper", "starred", "footnotes", "party-names"] {
        for e in std::fs::read_dir(pages(&format!("shapes/{shape}"))).unwrap() {
            v.push(std::fs::read(e.unwrap().path()).unwrap());
        }
    }
    for m in ["full", "hard"] {
        for l in ["en", "de", "fr"] {
            if let Ok(b) = std::fs::read(pages(&format!("md-format/{m}/{l}.md"))) {
                v.push(b);
            }
        }
    }
    // Pages as `generate --format md` writes them, of the hard md fixture.
    let templates = raci_annex::i18n::Templates::builtin();
    v.extend(crate::md::pages_of(&load(&fixture("md/md-hard.yaml")), &templates).into_iter().map(|(_, b)| b));
    v
}

/// Markdown pieces a mutation inserts.
const TOKENS: &[&str] = &[
    "|",
    "| --- |",
    "\n## H\n",
    "\n### H\n",
    "# ",
    "**",
    "__",
    "*",
    "\\",
    "[^1]",
    "\n[^1]: n\n",
    "\n---\n",
    "> ",
    "\n1. x\n",
    ":::warning[T]\n",
    "\n:::\n",
    "(1) ",
    "I*",
    "`",
    "<br>",
    "{#id}",
    "\n---\ntitle: [\n---\n",
    "&amp;",
    "\u{0}",
    "\t",
    "😀",
    "\u{feff}",
    "| (R) X | y |\n",
];

#[derive(Clone, Debug)]
enum Mutation {
    Flip(proptest::sample::Index, u8),
    Insert(proptest::sample::Index, usize),
    DeleteLine(proptest::sample::Index),
    DuplicateLine(proptest::sample::Index),
    Truncate(proptest::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    use proptest::sample::Index;
    prop_oneof![
        (any::<Index>(), 1..=127u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Insert(i, t)),
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut b: Vec<u8>, m: &Mutation) -> Vec<u8> {
    if b.is_empty() {
        return b;
    }
    let line = |b: &[u8], i: &proptest::sample::Index| {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(b.iter().enumerate().filter(|(_, c)| **c == b'\n').map(|(i, _)| i + 1))
            .collect();
        let k = i.index(starts.len());
        starts[k]..starts.get(k + 1).copied().unwrap_or(b.len())
    };
    match m {
        Mutation::Flip(i, x) => {
            let k = i.index(b.len());
            b[k] ^= x;
        }
        Mutation::Insert(i, t) => {
            let k = i.index(b.len() + 1);
            b.splice(k..k, TOKENS[*t].bytes());
        }
        Mutation::DeleteLine(i) => {
            let r = line(&b, i);
            b.drain(r);
        }
        Mutation::DuplicateLine(i) => {
            let r = line(&b, i);
            let l = b[r.clone()].to_vec();
            b.splice(r.start..r.start, l);
        }
        Mutation::Truncate(i) => {
            let k = i.index(b.len());
            b.truncate(k);
        }
    }
    b
}

/// Imports `pages` (source first) in-process: an error is fine, a panic is
/// not, and a success always loads.
fn try_import(dir: &Path, pages: &[Vec<u8>]) -> Result<&'static str, TestCaseError> {
    let mut opts = raci_annex::import::ImportOptions {
        id: "fuzz".into(),
        date: Some("2026-01-01".into()),
        ..Default::default()
    };
    for (i, b) in pages.iter().enumerate() {
        let path = dir.join(format!("p{i}.md"));
        std::fs::write(&path, b).map_err(|e| TestCaseError::fail(e.to_string()))?;
        opts.pages.push(format!("{}={}", ["fr", "en", "de"][i], path.display()));
    }
    Ok(match raci_annex::import::import(&opts) {
        Ok(imp) => {
            for r in &imp.warnings {
                let _ = r.render();
            }
            prop_assert!(imp.matrix.activity_count() > 0);
            "ok"
        }
        Err(raci_annex::import::ImportError::Invalid(reports)) => {
            let all: String = reports.iter().map(|r| r.render()).collect();
            for r in &reports {
                prop_assert!(r.render().contains("error["));
            }
            prop_assert!(!all.contains("error[defect]"), "the written matrix does not load:\n{}", all);
            "invalid"
        }
        Err(e) => return Err(TestCaseError::fail(format!("unexpected {e:?}"))),
    })
}

// Mutated real pages (a source and a translation) and arbitrary bytes never make the importer panic;
// RACI_FUZZ_CASES sets the number of cases (default 64 each).
#[test]
fn fuzz_import_never_panics() {
    let cases: u32 = std::env::var("RACI_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
    let corpus = corpus();
    let dir = scratch("import-fuzz");
    let outcomes: std::cell::RefCell<BTreeMap<&'static str, u32>> = Default::default();
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = (
        0..corpus.len(),
        0..corpus.len(),
        proptest::collection::vec(mutation(), 1..4),
        proptest::collection::vec(mutation(), 0..3),
    );
    let result = runner.run(&strategy, |(a, b, ma, mb)| {
        let pa = ma.iter().fold(corpus[a].clone(), apply);
        let pb = mb.iter().fold(corpus[b].clone(), apply);
        let o = try_import(&dir, &[pa, pb])?;
        *outcomes.borrow_mut().entry(o).or_default() += 1;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let result = runner.run(&proptest::collection::vec(any::<u8>(), 0..2000), |bytes| {
        try_import(&dir, &[bytes])?;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "import fuzz: {cases} mutated pairs, {cases} byte strings; outcomes of the pairs: {:?}",
        outcomes.borrow()
    );
    assert!(outcomes.borrow().get("ok").copied().unwrap_or(0) > 0, "some mutants still import");
}
