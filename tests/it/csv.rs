//! See main.rs for what belongs here.
//!
//! The CSV back-end read back: every cell against the matrix as the library
//! loads it, byte-exact goldens (`UPDATE_GOLDEN=1` rewrites them), the
//! formula guard, quoting, delimiter and byte order mark.

use std::path::Path;

use raci_annex::load::{Loaded, load};
use raci_annex::model::{Lang, Matrix};

use crate::support;

const HEADER: &str = "matrix_id,matrix_version,phase_id,phase,subphase_id,subphase,activity_id,activity,customer,provider,note";
const LLMAAS_LANGS: [&str; 5] = ["de", "en", "fr", "es", "it"];
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn matrix(path: &Path) -> Matrix {
    let Loaded { matrix, .. } = load(path).unwrap_or_else(|r| panic!("{}", r.render()));
    matrix
}

/// The formula guard of cli.md, written independently of the renderer.
fn guarded(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() }
}

/// What `ID-LANG.csv` must hold, header included, from the loaded matrix.
fn expected_table(m: &Matrix, lang: &Lang) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "matrix_id",
            "matrix_version",
            "phase_id",
            "phase",
            "subphase_id",
            "subphase",
            "activity_id",
            "activity",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(m.parties.iter().map(|p| p.id.clone()))
        .chain(["note".to_string()])
        .collect(),
    ];
    for phase in &m.phases {
        for (sub, a) in phase.all_activities() {
            let mut row = vec![
                m.id.clone(),
                m.version.clone(),
                phase.section.id.clone(),
                phase.section.title.get(lang).to_owned(),
                sub.map(|s| s.id.clone()).unwrap_or_default(),
                sub.map(|s| s.title.get(lang).to_owned()).unwrap_or_default(),
                a.id.clone(),
                a.text.get(lang).to_owned(),
            ];
            row.extend(a.roles.iter().map(|r| r.as_str().to_owned()));
            row.push(a.note.as_ref().map(|n| n.get(lang).to_owned()).unwrap_or_default());
            rows.push(row.iter().map(|c| guarded(c)).collect());
        }
    }
    rows
}

/// What `ID-LANG-legend.csv` must hold, header included.
fn expected_legend(m: &Matrix, lang: &Lang) -> Vec<Vec<String>> {
    let mut rows = vec![vec!["code".to_string(), "name".to_string(), "description".to_string()]];
    for r in &m.roles {
        rows.push(vec![
            guarded(&r.code.to_string()),
            guarded(r.name.get(lang)),
            guarded(r.description.get(lang)),
        ]);
    }
    rows
}

/// Parses CSV bytes (after an optional BOM) with the `csv` crate, every row as strings.
fn records(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(body)
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
        .collect()
}

/// Compares row by row and cell by cell, naming the first difference.
fn assert_cells(file: &str, actual: &[Vec<String>], expected: &[Vec<String>]) {
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert_eq!(a.len(), e.len(), "{file}: row {i} has {} cells, expected {}: {a:?}", a.len(), e.len());
        for (j, (ac, ec)) in a.iter().zip(e).enumerate() {
            assert_eq!(ac, ec, "{file}: row {i}, column {j} ({})", expected[0][j]);
        }
    }
    assert_eq!(actual.len(), expected.len(), "{file}: number of rows (header included)");
}

/// Every line break outside quoted fields is CRLF, and the file ends with one.
fn assert_crlf_records(file: &str, bytes: &[u8]) {
    let mut quoted = false;
    let mut prev = 0u8;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => assert_eq!(prev, b'\r', "{file}: bare LF at byte {i}"),
            b'\r' if !quoted => {
                assert_eq!(bytes.get(i + 1), Some(&b'\n'), "{file}: bare CR at byte {i}")
            }
            _ => {}
        }
        prev = b;
    }
    assert!(bytes.ends_with(b"\r\n"), "{file}: does not end with CRLF");
}

/// Byte-exact comparison with `tests/golden/REL`; with `UPDATE_GOLDEN=1` the golden is rewritten.
fn assert_golden(rel: &str, actual: &[u8]) {
    let path = support::root().join("tests/golden").join(rel);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("golden has a folder")).expect("create golden folder");
        std::fs::write(&path, actual).expect("write golden");
        eprintln!("updated golden {}", path.display());
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("golden {} missing ({e}); run with UPDATE_GOLDEN=1", path.display()));
    if actual != expected {
        let (a, e) = (String::from_utf8_lossy(actual), String::from_utf8_lossy(&expected));
        let line = a.split("\r\n").zip(e.split("\r\n")).position(|(x, y)| x != y);
        panic!(
            "{rel} differs from its golden ({} vs {} bytes), first differing record {line:?}:\n\
             actual:   {:?}\nexpected: {:?}\n(rerun with UPDATE_GOLDEN=1 if the change is intended)",
            actual.len(),
            expected.len(),
            line.and_then(|l| a.split("\r\n").nth(l)),
            line.and_then(|l| e.split("\r\n").nth(l)),
        );
    }
}

// Each of the five LLMaaS CSVs and legends equals, cell by cell, the matrix as the library loads it; CRLF, UTF-8, no BOM.
#[test]
fn llmaas_csv_matches_the_loaded_matrix_cell_by_cell_in_every_language() {
    let m = matrix(&support::llmaas());
    let out = support::generate("csv-cells", "csv", &[&support::llmaas()], &[]);
    assert_eq!(m.activity_count(), 24, "the canonical matrix changed; this test assumes 24 activities");
    for tag in LLMAAS_LANGS {
        let lang = Lang::parse(tag).expect("tag");
        for (file, expected) in [
            (format!("llmaas-{tag}.csv"), expected_table(&m, &lang)),
            (format!("llmaas-{tag}-legend.csv"), expected_legend(&m, &lang)),
        ] {
            let bytes = read(&out.join(&file));
            assert!(!bytes.starts_with(BOM), "{file}: starts with a BOM without --csv-bom");
            let text = std::str::from_utf8(&bytes).unwrap_or_else(|e| panic!("{file}: not UTF-8: {e}"));
            assert_crlf_records(&file, &bytes);
            let first = text.split("\r\n").next().unwrap_or_default();
            if file.ends_with("-legend.csv") {
                assert_eq!(first, "code,name,description", "{file}: header");
            } else {
                assert_eq!(first, HEADER, "{file}: header");
                assert_eq!(text.matches("\r\n").count(), 25, "{file}: header + 24 activity records");
            }
            assert_cells(&file, &records(&bytes, b','), &expected);
        }
    }
}

// The German LLMaaS CSV and legend are byte-identical to the reviewed goldens.
#[test]
fn llmaas_german_csv_equals_the_golden_files() {
    let out = support::generate("csv-golden", "csv", &[&support::llmaas()], &["--lang", "de"]);
    assert_eq!(support::list(&out), ["SHA256SUMS", "llmaas-de-legend.csv", "llmaas-de.csv"]);
    assert_golden("llmaas/de.csv", &read(&out.join("llmaas-de.csv")));
    assert_golden("llmaas/de-legend.csv", &read(&out.join("llmaas-de-legend.csv")));
}

// Subphases, notes with paragraph breaks, formula-like texts, quotes and commas: goldens, guard and RFC 4180 quoting.
#[test]
fn edge_fixture_csv_guards_formulas_quotes_fields_and_leaves_own_activities_without_subphase() {
    let fixture = support::fixture("valid/csv-edge.yaml");
    let m = matrix(&fixture);
    let out = support::generate("csv-edge", "csv", &[&fixture], &[]);
    assert_eq!(
        support::list(&out),
        [
            "SHA256SUMS",
            "csv-edge-de-legend.csv",
            "csv-edge-de.csv",
            "csv-edge-en-legend.csv",
            "csv-edge-en.csv"
        ]
    );
    for tag in ["en", "de"] {
        let lang = Lang::parse(tag).expect("tag");
        let table = read(&out.join(format!("csv-edge-{tag}.csv")));
        let legend = read(&out.join(format!("csv-edge-{tag}-legend.csv")));
        assert_golden(&format!("csv-edge/{tag}.csv"), &table);
        assert_golden(&format!("csv-edge/{tag}-legend.csv"), &legend);
        assert_crlf_records(tag, &table);
        assert_crlf_records(tag, &legend);
        assert_cells(tag, &records(&table, b','), &expected_table(&m, &lang));
        assert_cells(tag, &records(&legend, b','), &expected_legend(&m, &lang));
    }

    // Independent spot checks on the English file, so that a wrong golden cannot hide a defect.
    let rows = records(&read(&out.join("csv-edge-en.csv")), b',');
    let by_id = |id: &str| rows.iter().find(|r| r[6] == id).unwrap_or_else(|| panic!("no row {id}")).clone();
    let own = by_id("EDGE-OWN-01");
    assert_eq!((own[4].as_str(), own[5].as_str()), ("", ""), "phase-own activity has no subphase");
    assert_eq!(own[1], "'=1.0", "matrix_version is guarded");
    assert_eq!(own[3], "'=Build phase");
    assert_eq!(own[7], "'+Add the first account");
    assert_eq!(own[10], "First paragraph of the note.\n\nSecond paragraph, after a blank line.");
    let sub1 = by_id("EDGE-SUB-01");
    assert_eq!((sub1[4].as_str(), sub1[5].as_str()), ("access", "'-Access management"));
    assert_eq!(sub1[7], "'@mention the \"owner\", then confirm");
    let sub2 = by_id("EDGE-SUB-02");
    assert_eq!(
        (sub2[7].as_str(), sub2[10].as_str()),
        ("'-1 means disabled, a=b is harmless", "'=SUM(A1:A3)")
    );
    let sub3 = by_id("EDGE-SUB-03");
    assert_eq!(
        (sub3[4].as_str(), sub3[5].as_str(), sub3[8].as_str()),
        ("monitoring", "Monitoring, alerting", "")
    );
    assert_eq!(
        rows.iter().skip(1).map(|r| r[6].as_str()).collect::<Vec<_>>(),
        ["EDGE-OWN-01", "EDGE-SUB-01", "EDGE-SUB-02", "EDGE-SUB-03"]
    );

    // The raw bytes: quotes doubled, fields with commas or line breaks quoted, the guard inside the quotes.
    let raw = String::from_utf8(read(&out.join("csv-edge-en.csv"))).expect("UTF-8");
    assert!(raw.contains(",\"'@mention the \"\"owner\"\", then confirm\","), "{raw}");
    assert!(
        raw.contains(",\"First paragraph of the note.\n\nSecond paragraph, after a blank line.\"\r\n"),
        "{raw}"
    );
    assert!(raw.contains(",\"Monitoring, alerting\","), "{raw}");
    assert!(raw.contains(",'=SUM(A1:A3)\r\n"), "{raw}");
    let legend = String::from_utf8(read(&out.join("csv-edge-en-legend.csv"))).expect("UTF-8");
    assert!(
        legend.starts_with("code,name,description\r\nR,Responsible,'=Carries out the process\r\n"),
        "{legend}"
    );
    assert!(legend.contains("A,'@Accountable,\"Approves, \"\"signs\"\" the result\"\r\n"), "{legend}");
}

// `--csv-delimiter ';'` separates the fields of both files with ';' and keeps the content.
#[test]
fn semicolon_delimiter_applies_to_table_and_legend() {
    let m = matrix(&support::llmaas());
    let lang = Lang::parse("fr").expect("tag");
    let out = support::generate(
        "csv-semicolon",
        "csv",
        &[&support::llmaas()],
        &["--lang", "fr", "--csv-delimiter", ";"],
    );
    let table = read(&out.join("llmaas-fr.csv"));
    let legend = read(&out.join("llmaas-fr-legend.csv"));
    assert!(table.starts_with(HEADER.replace(',', ";").as_bytes()), "table header uses ';'");
    assert!(legend.starts_with(b"code;name;description\r\n"), "legend header uses ';'");
    assert_cells("llmaas-fr.csv", &records(&table, b';'), &expected_table(&m, &lang));
    assert_cells("llmaas-fr-legend.csv", &records(&legend, b';'), &expected_legend(&m, &lang));
}

// `--csv-bom` starts both files with EF BB BF followed by the same content as without it.
#[test]
fn csv_bom_starts_both_files_with_a_byte_order_mark() {
    let plain = support::generate("csv-nobom", "csv", &[&support::llmaas()], &["--lang", "it"]);
    let bom = support::generate("csv-bom", "csv", &[&support::llmaas()], &["--lang", "it", "--csv-bom"]);
    for file in ["llmaas-it.csv", "llmaas-it-legend.csv"] {
        let with = read(&bom.join(file));
        let without = read(&plain.join(file));
        assert!(with.starts_with(BOM), "{file}: no BOM with --csv-bom");
        assert!(!without.starts_with(BOM), "{file}: BOM without --csv-bom");
        assert_eq!(&with[3..], &without[..], "{file}: the BOM is the only difference");
    }
}

// A delimiter that is not exactly one ASCII character is a usage error (exit 2) and writes nothing.
#[test]
fn csv_delimiter_that_is_not_one_ascii_character_exits_2() {
    for bad in ["ab", "é", ""] {
        let (dir, o) = support::run_generate(
            "csv-bad-delimiter",
            &[&support::llmaas()],
            &["--format", "csv", "--csv-delimiter", bad],
        );
        let out = dir.join("out");
        assert_eq!(o.status.code(), Some(2), "--csv-delimiter {bad:?}: {}", support::stderr(&o));
        assert!(support::stderr(&o).contains("--csv-delimiter"), "the message names the option");
        assert!(!out.exists(), "--csv-delimiter {bad:?} created the output folder");
    }
}

// A blank line in a note separates paragraphs whatever the YAML style (plain,
// quoted, folded or literal), and other line breaks fold into spaces: the CSV
// keeps the paragraph break as one blank line inside the cell.
#[test]
fn paragraph_breaks_survive_every_yaml_scalar_style() {
    let dir = support::scratch("paragraphs");
    let yaml = r#"schema: 1
id: para
version: "1"
date: 2026-01-02
source_language: en
languages: [en]
title: {en: T}
roles:
  - {code: R, name: {en: R}, description: {en: d}}
  - {code: A, name: {en: A}, description: {en: d}}
parties:
  - {id: p, name: {en: P}}
phases:
  - id: ph
    title: {en: Ph}
    activities:
      - id: X-1
        text: {en: t}
        roles: {p: RA}
        note:
          en: plain one
            continues

            new para
      - id: X-2
        text: {en: t}
        roles: {p: RA}
        note:
          en: "quoted one
            continues

            new para"
      - id: X-3
        text: {en: t}
        roles: {p: RA}
        note:
          en: >
            folded one
            continues

            new para
      - id: X-4
        text: {en: t}
        roles: {p: RA}
        note:
          en: |
            literal one
            continues

            new para
"#;
    let path = support::write_file(&dir, "para.yaml", yaml);
    let out = support::generate("paragraphs-out", "csv", &[&path], &[]);
    let mut r = csv::Reader::from_path(out.join("para-en.csv")).expect("csv");
    let notes: Vec<String> = r.records().map(|rec| rec.expect("record")[9].to_string()).collect();
    assert_eq!(
        notes,
        vec![
            "plain one continues\n\nnew para",
            "quoted one continues\n\nnew para",
            "folded one continues\n\nnew para",
            "literal one continues\n\nnew para",
        ]
    );
}

// matrix-format.md, Normalisation: only intros and notes keep paragraph
// breaks. A blank line written into a title, an activity text, a party's or
// a role's name or a description is folded into one space in every output
// that prints the text as a cell (CSV, both files, and the workbook).
#[test]
fn blank_lines_in_titles_texts_names_and_descriptions_fold_into_one_space() {
    use calamine::{Reader, Xlsx, open_workbook};
    let dir = support::scratch("fold-lines");
    let yaml = r#"schema: 1
id: fold
version: "1"
date: 2026-01-02
source_language: en
languages: [en]
title: {en: "Title one\n\ntitle two"}
roles:
  - code: R
    name: {en: "Does\n\nit"}
    description:
      en: |
        Carries

        it out
  - {code: A, name: {en: A}, description: {en: d}}
parties:
  - {id: p, name: {en: "Party\n\nname"}}
phases:
  - id: ph
    title:
      en: >
        Phase one

        phase two
    activities:
      - id: X-1
        text: {en: "Line one\n\nline two"}
        roles: {p: RA}
      - id: X-2
        text:
          en: Plain one

            plain two
        roles: {p: RA}
"#;
    let path = support::write_file(&dir, "fold.yaml", yaml);
    let out = support::generate("fold-lines-out", "csv,xlsx", &[&path], &[]);
    let mut r = csv::Reader::from_path(out.join("fold-en.csv")).expect("csv");
    let rows: Vec<csv::StringRecord> = r.records().map(|rec| rec.expect("record")).collect();
    assert_eq!(&rows[0][3], "Phase one phase two");
    assert_eq!(&rows[0][7], "Line one line two");
    assert_eq!(&rows[1][7], "Plain one plain two");
    let mut r = csv::Reader::from_path(out.join("fold-en-legend.csv")).expect("csv");
    let legend: Vec<csv::StringRecord> = r.records().map(|rec| rec.expect("record")).collect();
    assert_eq!((&legend[0][1], &legend[0][2]), ("Does it", "Carries it out"));

    let mut wb: Xlsx<_> = open_workbook(out.join("fold-en.xlsx")).expect("xlsx");
    let names = wb.sheet_names();
    assert_eq!(names[1], "Phase one phase two", "sheet name");
    let legend = wb.worksheet_range(&names[0]).expect("legend sheet");
    assert_eq!(legend.get_value((0, 0)).map(ToString::to_string).as_deref(), Some("Title one title two"));
    let cells: Vec<String> = legend.rows().flatten().map(ToString::to_string).collect();
    assert!(cells.iter().any(|c| c == "Does it") && cells.iter().any(|c| c == "Carries it out"), "{cells:?}");
    let sheet = wb.worksheet_range(&names[1]).expect("phase sheet");
    let at = |r: u32, c: u32| sheet.get_value((r, c)).map(ToString::to_string).unwrap_or_default();
    assert_eq!(at(0, 2), "Party name");
    assert_eq!(at(1, 1), "Line one line two");
    assert_eq!(at(2, 1), "Plain one plain two");
    for c in &cells {
        assert!(!c.contains('\n'), "a line break left in the legend sheet: {c:?}");
    }
}
