//! See main.rs for what belongs here.
//!
//! `generate --format md` read back two ways:
//! - **the round trip** (import.md, "Round trip"): the pages of every
//!   language, imported with `raci-annex import`, give the very matrix the
//!   pages came from, compared as loaded [`Matrix`] values (ids, texts, role
//!   codes, notes, order), for the shipped matrix, every valid fixture and
//!   the md fixtures built for the hard cases;
//! - **a second parser** (comrak; the importer uses pulldown-cmark): every
//!   heading, paragraph, quote, table cell and footnote of every page is
//!   exactly the matrix's text, block by block, and the page holds no other
//!   markup (no emphasis, code, HTML, lists, rules).
//!
//! Also: the pages the format's contract was written with
//! (`tests/fixtures/pages/md-format/`) are what the back-end writes, byte for
//! byte; `md` is not in the default formats; it is listed in SHA256SUMS,
//! reproducible and all or nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use raci_annex::i18n::{Strings, Templates};
use raci_annex::model::{AccountableRule, Lang, Matrix, ResponsibleRule, Rules, RulesOverride, Source};
use raci_annex::render::{Format, Job, RenderOptions};
use raci_annex::view::View;

use crate::support::{fixture, generate, list, llmaas, run, scratch, stderr};

/// Every matrix the round trip is run on: the shipped one, every valid
/// fixture, the md fixtures and the matrix of the hand-written md pages.
fn matrices() -> Vec<PathBuf> {
    let mut v = vec![llmaas()];
    for sub in ["valid", "md"] {
        v.extend(
            list(&fixture(sub)).into_iter().filter(|n| n.ends_with(".yaml")).map(|n| fixture(sub).join(n)),
        );
    }
    v.push(fixture("pages/md-format/hard/matrix.yaml"));
    v
}

fn load(path: &Path) -> Matrix {
    raci_annex::load::load(path).unwrap_or_else(|r| panic!("{}", r.render())).matrix
}

/// `--page LANG=FILE` for every language of `m`, in the order of `languages`.
fn page_args(m: &Matrix, out: &Path) -> Vec<String> {
    m.languages
        .iter()
        .flat_map(|l| {
            ["--page".to_string(), format!("{l}={}", out.join(format!("{}-{l}.md", m.id)).display())]
        })
        .collect()
}

/// What the page format carries of a matrix: everything but where the file
/// came from, the matrix-wide `rules` and the per-activity `rules:`
/// overrides. The pages hold no rules: `import` applies the default rules
/// and gives an activity that breaks them the smallest override that makes
/// it valid (no `A`: `accountable: at-most-one`; two: `any`; no `R`:
/// `responsible: any`). So the matrix the round trip must give back is the
/// original with exactly that done to its rules, which this function does
/// independently of the importer.
pub(crate) fn carried(m: &Matrix) -> Matrix {
    let mut m = m.clone();
    m.source = Source::default();
    m.rules = Rules::default();
    for p in &mut m.phases {
        let sections = std::iter::once(&mut p.section).chain(p.subphases.iter_mut());
        for a in sections.flat_map(|s| s.activities.iter_mut()) {
            let holders = |c: char| a.roles.iter().filter(|r| r.contains(c)).count();
            let accountable = match holders('A') {
                0 => AccountableRule::AtMostOne,
                1 => AccountableRule::ExactlyOne,
                _ => AccountableRule::Any,
            };
            let responsible =
                if holders('R') == 0 { ResponsibleRule::Any } else { ResponsibleRule::AtLeastOne };
            // The importer writes only the keys it needs, as the file would say them.
            let o = RulesOverride {
                accountable: (accountable != AccountableRule::ExactlyOne).then_some(accountable),
                responsible: (responsible != ResponsibleRule::AtLeastOne).then_some(responsible),
                ..RulesOverride::default()
            };
            a.rules_override = (o != RulesOverride::default()).then_some(o);
        }
    }
    m
}

/// Whether the page format carries `m` whole: the default rules, and only
/// the overrides that `import` gives back (see [`carried`]).
fn carried_whole(m: &Matrix) -> bool {
    let mut original = m.clone();
    original.source = carried(m).source;
    carried(m) == original
}

/// Asserts that `back` is `original` as far as the pages carry it, naming
/// the first field that differs.
pub(crate) fn assert_round_trip(original: &Matrix, back: &Matrix, what: &str) {
    let (a, b) = (carried(original), carried_rules_kept(back));
    assert_eq!(
        (&a.id, &a.version, a.date, &a.source_language, &a.languages),
        (&b.id, &b.version, b.date, &b.source_language, &b.languages),
        "{what}: the matrix's fields"
    );
    assert_eq!((&a.title, &a.intro, &a.notes), (&b.title, &b.intro, &b.notes), "{what}: title, intro, notes");
    assert_eq!(a.roles, b.roles, "{what}: the legend");
    assert_eq!(a.parties, b.parties, "{what}: the parties");
    assert_eq!(a.rules, b.rules, "{what}: the matrix rules");
    assert_eq!(a.phases.len(), b.phases.len(), "{what}: the number of phases");
    for (x, y) in a.phases.iter().zip(&b.phases) {
        assert_eq!(x.section.id, y.section.id, "{what}: phase ids");
        for ((_, s), (_, t)) in x.sections().zip(y.sections()) {
            assert_eq!(
                (&s.id, &s.title, &s.intro, &s.notes),
                (&t.id, &t.title, &t.intro, &t.notes),
                "{what}"
            );
            assert_eq!(s.activities.len(), t.activities.len(), "{what}: rows of {}", s.id);
            for (p, q) in s.activities.iter().zip(&t.activities) {
                assert_eq!(p, q, "{what}: activity {}", p.id);
            }
        }
        assert_eq!(x, y, "{what}: phase {}", x.section.id);
    }
    assert_eq!(a, b, "{what}");
}

/// The imported matrix with only its file's name and digest removed: its
/// rules are compared as they came back.
fn carried_rules_kept(m: &Matrix) -> Matrix {
    let mut m = m.clone();
    m.source = carried(&m).source;
    m
}

// ---- the round trip ----

// Every matrix → `generate --format md` → `import` of all its pages (in the
// order of `languages`, the source language named) → the same matrix.
#[test]
fn every_matrix_round_trips_through_its_pages() {
    let mut whole = 0;
    for path in matrices() {
        let original = load(&path);
        let out = generate("md-round-trip", "md", &[&path], &[]);
        let dir = out.parent().expect("the scratch folder");
        let mut args: Vec<String> = vec!["import".into(), "--id".into(), original.id.clone()];
        args.extend(page_args(&original, &out));
        args.extend(["--source-language".into(), original.source_language.to_string()]);
        args.extend(["--out".into(), "back.yaml".into()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(dir, &refs);
        assert!(o.status.success(), "import of the pages of {}: {}", path.display(), stderr(&o));
        let err = stderr(&o);
        for code in
            ["structure", "missing-translation", "role-drift", "dropped-character", "no-legend", "cell"]
        {
            assert!(!err.contains(&format!("warning[{code}")), "{}: {err}", path.display());
        }
        let back = load(&dir.join("back.yaml"));
        assert!(!beyond_the_reader(&original), "{}", path.display());
        assert_round_trip(&original, &back, &path.display().to_string());
        whole += usize::from(carried_whole(&original));
    }
    // Only md-hard.yaml has an override the pages cannot carry (`any` where
    // `at-most-one` would do): every other matrix comes back whole.
    assert_eq!(whole, matrices().len() - 1);
}

// Without --source-language, the first page is the source: the shipped
// matrix (source de, listed first) comes back with its source language;
// and so it does with --ids-from the matrix itself (the spec's other way).
#[test]
fn the_first_page_is_the_source_by_default() {
    let original = load(&llmaas());
    let out = generate("md-round-trip-default", "md", &[&llmaas()], &[]);
    let dir = out.parent().expect("the scratch folder");
    let ids_from = llmaas().display().to_string();
    for extra in [&[][..], &["--ids-from", ids_from.as_str()]] {
        let mut args: Vec<String> = vec!["import".into(), "--id".into(), "llmaas".into()];
        args.extend(page_args(&original, &out));
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(["--out".into(), "back.yaml".into()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = std::fs::remove_file(dir.join("back.yaml"));
        let o = run(dir, &refs);
        assert!(o.status.success(), "{extra:?}: {}", stderr(&o));
        assert_round_trip(&original, &load(&dir.join("back.yaml")), &format!("llmaas {extra:?}"));
    }
    assert!(carried_whole(&original));
}

/// The pages of `m` rendered in-process, in the order of `languages`.
pub(crate) fn pages_of(m: &Matrix, templates: &Templates) -> Vec<(Lang, Vec<u8>)> {
    try_pages_of(m, templates).unwrap_or_else(|e| panic!("{e}"))
}

/// [`pages_of`], a back-end failure as an error (for the fuzzers).
fn try_pages_of(m: &Matrix, templates: &Templates) -> Result<Vec<(Lang, Vec<u8>)>, String> {
    let options = RenderOptions::new("raci-annex test");
    m.languages
        .iter()
        .map(|l| {
            let view = View::new(m, l);
            let job = Job {
                view: &view,
                strings: templates.strings(l),
                layout: &templates.layout,
                options: &options,
            };
            let files = Format::Md.render(&job).map_err(|e| e.to_string())?;
            match &files[..] {
                [f] if f.file_name == format!("{}-{l}.md", m.id) => Ok((l.clone(), f.bytes.clone())),
                _ => Err(format!("md wrote {:?}", files.iter().map(|f| &f.file_name).collect::<Vec<_>>())),
            }
        })
        .collect()
}

/// The round trip in-process, for the fuzzers: `m` renders to md, its
/// pages import, and the import is `m` as far as the pages carry it (see
/// [`carried`]). `Ok(false)` when `m` holds a text [`beyond_the_reader`]
/// and the import differs (not compared further).
///
/// # Errors
/// What failed: the back-end, the importer, or the first difference.
pub(crate) fn round_trip(dir: &Path, m: &Matrix, templates: &Templates) -> Result<bool, String> {
    let pages = try_pages_of(m, templates)?;
    let back = import_pages(dir, m, &pages).map_err(|e| format!("the pages do not import: {e}"))?;
    match compare(m, &back) {
        Ok(()) => Ok(true),
        Err(_) if beyond_the_reader(m) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `Ok` when `back` is `m` as far as the pages carry it, else the first
/// difference, with some context.
fn compare(m: &Matrix, back: &Matrix) -> Result<(), String> {
    let (a, b) = (carried(m), carried_rules_kept(back));
    if a == b {
        return Ok(());
    }
    let (a, b) = (format!("{a:#?}"), format!("{b:#?}"));
    let at = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
    let context = |t: &str| t.lines().skip(at.saturating_sub(6)).take(8).collect::<Vec<_>>().join("\n");
    Err(format!("the import differs:\n--- the matrix\n{}\n--- imported\n{}", context(&a), context(&b)))
}

/// Texts the importer's reading of real pages changes (docs/import.md,
/// "How a page is read"), which no escape can protect because the reader
/// decides on the text it sees: a role name starting with a dash or a colon
/// (`(R) - Name` reads as `Name`) and a party name with a word for "role"
/// (`Rôle Client` reads as `Client`).
pub(crate) fn beyond_the_reader(m: &Matrix) -> bool {
    const ROLE_WORDS: &[&str] = &["role", "rôle", "rolle", "rol", "ruolo", "papel", "rola", "roll", "rooli"];
    let legend = m.roles.iter().flat_map(|r| r.name.iter()).any(|(_, n)| n.starts_with(['-', '–', '—', ':']));
    let party = m.parties.iter().flat_map(|p| p.name.iter()).any(|(_, n)| {
        n.split(|c: char| c.is_whitespace() || c == '-')
            .any(|w| ROLE_WORDS.contains(&w.trim_matches([':', '.']).to_lowercase().as_str()))
    });
    legend || party
}

/// Imports `pages` in-process from files in `dir`, the source language named.
///
/// # Errors
/// The importer's refusal, rendered.
pub(crate) fn import_pages(dir: &Path, m: &Matrix, pages: &[(Lang, Vec<u8>)]) -> Result<Matrix, String> {
    let mut opts = raci_annex::import::ImportOptions {
        id: m.id.clone(),
        source_language: Some(m.source_language.to_string()),
        ..Default::default()
    };
    for (l, bytes) in pages {
        let path = dir.join(format!("{l}.md"));
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
        opts.pages.push(format!("{l}={}", path.display()));
    }
    match raci_annex::import::import(&opts) {
        Ok(imp) => Ok(imp.matrix),
        Err(raci_annex::import::ImportError::Invalid(reports)) => {
            Err(reports.iter().map(|r| r.render()).collect::<Vec<_>>().join("\n"))
        }
        Err(e) => Err(format!("{e:?}")),
    }
}

// The in-process path the fuzzers use gives the same round trip as the binary.
#[test]
fn in_process_pages_round_trip_too() {
    let templates = Templates::builtin();
    let dir = scratch("md-in-process");
    for path in matrices() {
        let original = load(&path);
        let pages = pages_of(&original, &templates);
        let back =
            import_pages(&dir, &original, &pages).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_round_trip(&original, &back, &path.display().to_string());
        assert_eq!(round_trip(&dir, &original, &templates), Ok(true), "{}", path.display());
    }
}

// The two texts the reader changes (see beyond_the_reader) really do not
// come back; `round_trip` reports any other difference.
#[test]
fn what_the_reader_changes_is_named_and_nothing_else_passes() {
    let templates = Templates::builtin();
    let dir = scratch("md-beyond");
    let yaml = std::fs::read_to_string(fixture("md/md-hard.yaml")).unwrap();
    for (from, to, lost) in [
        ("fr: \"+ Réalise\"", "fr: \"- Réalise\"", "- Réalise"),
        ("en: \"Party #4\"", "en: \"Role owner\"", "Role owner"),
    ] {
        assert!(yaml.contains(from));
        let path = dir.join("m.yaml");
        std::fs::write(&path, yaml.replace(from, to)).unwrap();
        let m = load(&path);
        assert!(beyond_the_reader(&m));
        let back = import_pages(&dir, &m, &pages_of(&m, &templates)).unwrap();
        assert_ne!(
            carried(&m),
            carried_rules_kept(&back),
            "{lost} came back: drop it from beyond_the_reader"
        );
    }
    // A difference of any other kind is an error.
    let m = load(&fixture("md/md-hard.yaml"));
    let back = import_pages(&dir, &m, &pages_of(&m, &templates)).unwrap();
    assert_eq!(compare(&m, &back), Ok(()));
    let mut other = m.clone();
    let a = &mut other.phases[0].section.activities[0];
    a.roles[0] = a.roles[1].clone();
    let e = compare(&other, &back).unwrap_err();
    assert!(e.contains("the import differs") && e.contains("RoleCell"), "{e}");
}

// ---- the pages themselves ----

// The hand-written pages of docs/import.md's page format are exactly what
// the back-end writes for their matrices.
#[test]
fn the_pages_of_the_format_contract_are_written_byte_for_byte() {
    for (set, matrix, langs) in [
        ("full", fixture("valid/full.yaml"), ["fr", "en"]),
        ("hard", fixture("pages/md-format/hard/matrix.yaml"), ["en", "de"]),
    ] {
        let out = generate("md-contract", "md", &[&matrix], &[]);
        for l in langs {
            let written = std::fs::read_to_string(out.join(format!("{set}-{l}.md"))).unwrap();
            let contract =
                std::fs::read_to_string(fixture(&format!("pages/md-format/{set}/{l}.md"))).unwrap();
            assert_eq!(written, contract, "{set}-{l}.md");
        }
    }
}

// `md` is a fourth format, not a default one; with it every file is listed
// in SHA256SUMS, and two runs give the same bytes.
#[test]
fn md_is_asked_for_listed_in_the_sums_and_reproducible() {
    let dir = scratch("md-format-set");
    let data = llmaas();
    let data = data.to_str().unwrap();
    let o = run(&dir, &["generate", "-q", "--format", "csv", "--data", data, "--out", "default"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&dir, &["generate", "-q", "--data", data, "--out", "default", "--format", "pdf,xlsx,csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(list(&dir.join("default")).iter().all(|n| !n.ends_with(".md")), "md is not a default format");
    for out in ["a", "b"] {
        let o = run(&dir, &["generate", "-q", "--format", "csv,md", "--data", data, "--out", out]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let names = list(&dir.join("a"));
    let md: Vec<&String> = names.iter().filter(|n| n.ends_with(".md")).collect();
    assert_eq!(md, ["llmaas-de.md", "llmaas-en.md", "llmaas-es.md", "llmaas-fr.md", "llmaas-it.md"]);
    let sums = std::fs::read_to_string(dir.join("a/SHA256SUMS")).unwrap();
    for n in &md {
        assert!(sums.lines().any(|l| l.ends_with(&format!("  {n}"))), "{n} in SHA256SUMS");
    }
    for n in &names {
        assert_eq!(
            std::fs::read(dir.join("a").join(n)).unwrap(),
            std::fs::read(dir.join("b").join(n)).unwrap(),
            "{n}"
        );
    }
    assert_eq!(names, list(&dir.join("b")));
    // An unknown format names md among the formats.
    let o = run(&dir, &["generate", "--format", "html", "--data", data, "--out", "c"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pdf,xlsx,csv,md"), "{}", stderr(&o));
    assert!(!dir.join("c").exists());
}

// A run with --format md and one invalid matrix writes nothing.
#[test]
fn md_is_all_or_nothing() {
    let dir = scratch("md-all-or-nothing");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::copy(llmaas(), dir.join("data/llmaas.yaml")).unwrap();
    std::fs::copy(fixture("invalid/no-phases--empty.yaml"), dir.join("data/bad.yaml")).unwrap();
    let o = run(&dir, &["generate", "-q", "--format", "md", "--data", "data", "--out", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!dir.join("out").exists() || list(&dir.join("out")).is_empty());
}

// ---- a second parser: comrak ----

/// A block of a page as comrak reads it.
#[derive(Debug, PartialEq, Eq)]
enum Block {
    Heading(u8, String),
    Paragraph(String),
    /// A block quote of paragraphs.
    Quote(Vec<String>),
    /// Rows of cells, the header first.
    Table(Vec<Vec<Cell>>),
}

/// A table cell: its text, and the footnote labels referenced in it.
#[derive(Debug, PartialEq, Eq)]
struct Cell {
    text: String,
    refs: Vec<String>,
}

impl Cell {
    fn plain(text: &str) -> Cell {
        Cell { text: text.to_owned(), refs: Vec::new() }
    }
}

/// A page as comrak reads it: the front matter, the blocks in order, and the
/// footnote definitions (comrak moves them to the end) by label.
struct Read {
    front: String,
    blocks: Vec<Block>,
    footnotes: BTreeMap<String, Vec<String>>,
}

/// `autolinks`: GFM's autolink literals (GitHub's and remark-gfm's bare
/// URLs), which are not CommonMark.
fn comrak_read(page: &str, what: &str, autolinks: bool) -> Read {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.footnotes = true;
    options.extension.strikethrough = true;
    options.extension.autolink = autolinks;
    options.extension.front_matter_delimiter = Some("---".into());
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, page, &options);
    let mut read = Read { front: String::new(), blocks: Vec::new(), footnotes: BTreeMap::new() };
    for node in root.children() {
        let value = node.data.borrow().value.clone();
        use comrak::nodes::NodeValue as N;
        match value {
            N::FrontMatter(f) => read.front = f,
            N::Heading(h) => read.blocks.push(Block::Heading(h.level, inline(node, what).text)),
            N::Paragraph => read.blocks.push(Block::Paragraph(inline(node, what).text)),
            N::BlockQuote => read.blocks.push(Block::Quote(paragraphs(node, what))),
            N::Table(_) => {
                let rows =
                    node.children().map(|row| row.children().map(|c| inline(c, what)).collect()).collect();
                read.blocks.push(Block::Table(rows));
            }
            N::FootnoteDefinition(d) => {
                let before = read.footnotes.insert(d.name.clone(), paragraphs(node, what));
                assert!(before.is_none(), "{what}: footnote {} defined twice", d.name);
            }
            other => panic!("{what}: a block comrak reads as {other:?}"),
        }
    }
    read
}

/// The paragraphs inside a quote or a footnote definition.
fn paragraphs<'a>(node: &'a comrak::nodes::AstNode<'a>, what: &str) -> Vec<String> {
    node.children()
        .map(|c| {
            let v = c.data.borrow().value.clone();
            assert!(matches!(v, comrak::nodes::NodeValue::Paragraph), "{what}: {v:?} in a quote or footnote");
            inline(c, what).text
        })
        .collect()
}

/// The text of inline content; any markup but a footnote reference or a
/// bare URL made a link (its text is the URL as written) fails the test.
fn inline<'a>(node: &'a comrak::nodes::AstNode<'a>, what: &str) -> Cell {
    let mut cell = Cell::plain("");
    fn walk<'a>(node: &'a comrak::nodes::AstNode<'a>, cell: &mut Cell, what: &str) {
        for c in node.children() {
            let v = c.data.borrow().value.clone();
            use comrak::nodes::NodeValue as N;
            match v {
                N::Text(t) => cell.text.push_str(&t),
                N::FootnoteReference(r) => cell.refs.push(r.name.clone()),
                N::Link(l) => {
                    let mut inner = Cell::plain("");
                    walk(c, &mut inner, what);
                    assert!(l.url.ends_with(&inner.text), "{what}: a link {l:?} that is not an autolink");
                    cell.text.push_str(&inner.text);
                }
                other => panic!("{what}: inline markup {other:?} around {:?}", cell.text),
            }
        }
    }
    walk(node, &mut cell, what);
    cell
}

/// A note as the page must show it: one paragraph, or a quote of several.
fn note_block(text: &str) -> Block {
    let paras: Vec<String> = text.split("\n\n").map(str::to_owned).collect();
    if paras.len() == 1 { Block::Paragraph(paras[0].clone()) } else { Block::Quote(paras) }
}

/// What comrak must read on the page of `m` in `l`, built from the matrix
/// and the labels, independently of the back-end: the blocks in order and
/// the footnotes by label.
fn expected(m: &Matrix, l: &Lang, s: &Strings) -> (Vec<Block>, BTreeMap<String, Vec<String>>) {
    let mut blocks = vec![
        Block::Heading(1, m.title.get(l).to_owned()),
        Block::Paragraph(format!("{} {} · {} {}", s.version, m.version, s.as_of, s.date(&m.date))),
    ];
    let paras = |t: &str| t.split("\n\n").map(|p| Block::Paragraph(p.to_owned())).collect::<Vec<_>>();
    if let Some(i) = &m.intro {
        blocks.extend(paras(i.get(l)));
    }
    blocks.push(Block::Heading(2, s.legend_heading.clone()));
    let mut legend = vec![vec![Cell::plain(&s.role), Cell::plain(&s.description)]];
    for r in &m.roles {
        legend.push(vec![
            Cell::plain(&format!("({}) {}", r.code, r.name.get(l))),
            Cell::plain(r.description.get(l)),
        ]);
    }
    blocks.push(Block::Table(legend));
    let mut footnotes = BTreeMap::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let header: Vec<String> = ["ID".to_string(), s.activity.clone()]
        .into_iter()
        .chain(m.parties.iter().map(|p| p.name.get(l).to_owned()))
        .collect();
    for p in &m.phases {
        for (sub, sec) in p.sections() {
            blocks.push(Block::Heading(if sub.is_some() { 3 } else { 2 }, sec.title.get(l).to_owned()));
            if let Some(i) = &sec.intro {
                blocks.extend(paras(i.get(l)));
            }
            let table =
                sub.is_some() || !sec.activities.is_empty() || !sec.notes.is_empty() || m.phases.len() == 1;
            if !table {
                continue;
            }
            let mut rows = vec![header.iter().map(|h| Cell::plain(h)).collect::<Vec<_>>()];
            for a in &sec.activities {
                let mut text = Cell::plain(a.text.get(l));
                if let Some(n) = &a.note {
                    let k = seen.entry(a.id.to_lowercase()).or_insert(0);
                    *k += 1;
                    let label = if *k == 1 { a.id.clone() } else { format!("{}~{k}", a.id) };
                    footnotes.insert(label.clone(), n.get(l).split("\n\n").map(str::to_owned).collect());
                    text.refs.push(label);
                }
                let mut row = vec![Cell::plain(&a.id), text];
                row.extend(a.roles.iter().map(|r| Cell::plain(r.as_str())));
                rows.push(row);
            }
            blocks.push(Block::Table(rows));
            blocks.extend(sec.notes.iter().map(|n| note_block(n.get(l))));
        }
    }
    if !m.notes.is_empty() {
        blocks.push(Block::Heading(2, s.notes_heading.clone()));
        blocks.extend(m.notes.iter().map(|n| note_block(n.get(l))));
    }
    (blocks, footnotes)
}

/// The quoted scalar of YAML, read back with the YAML loader of the crate.
fn yaml_text(v: &str) -> String {
    serde_saphyr::from_str::<String>(v).unwrap_or_else(|e| panic!("{v}: {e}"))
}

// Every page of every matrix, read by comrak: the front matter's keys in
// order with the matrix's values, then every block and footnote exactly the
// matrix's texts in that language.
#[test]
fn comrak_reads_every_text_of_every_page_as_written() {
    let templates = Templates::builtin();
    let mut checked = 0;
    for path in matrices() {
        let m = load(&path);
        for (l, bytes) in pages_of(&m, &templates) {
            let what = format!("{}-{l}.md", m.id);
            let page = String::from_utf8(bytes).expect("UTF-8");
            assert!(page.ends_with('\n') && !page.ends_with("\n\n"), "{what}: one line end at the end");
            let read = comrak_read(&page, &what, false);
            // Front matter: the keys of rule 1, in order, with their values.
            let lines: Vec<&str> = read.front.lines().filter(|x| !x.is_empty() && *x != "---").collect();
            let keys: Vec<&str> = lines.iter().map(|x| x.split_once(": ").expect("key: value").0).collect();
            assert_eq!(
                keys,
                [
                    "title",
                    "raci_matrix",
                    "raci_version",
                    "date",
                    "raci_language",
                    "raci_source_language",
                    "raci_parties",
                    "raci_sections"
                ],
                "{what}"
            );
            let value = |k: usize| lines[k].split_once(": ").unwrap().1;
            assert_eq!(yaml_text(value(0)), m.title.get(&l), "{what}");
            assert_eq!(yaml_text(value(1)), m.id);
            assert_eq!(yaml_text(value(2)), m.version);
            assert_eq!(value(3), m.date.to_string());
            assert_eq!(yaml_text(value(4)), l.as_str());
            assert_eq!(yaml_text(value(5)), m.source_language.as_str());
            let ids = |v: &str| serde_saphyr::from_str::<Vec<String>>(v).unwrap();
            assert_eq!(ids(value(6)), m.parties.iter().map(|p| p.id.clone()).collect::<Vec<_>>());
            let sections: Vec<String> =
                m.phases.iter().flat_map(|p| p.sections()).map(|(_, s)| s.id.clone()).collect();
            assert_eq!(ids(value(7)), sections);
            // The blocks and footnotes.
            let (blocks, footnotes) = expected(&m, &l, templates.strings(&l));
            for (k, (got, want)) in read.blocks.iter().zip(&blocks).enumerate() {
                if let (Block::Table(g), Block::Table(w)) = (got, want) {
                    for (r, (gr, wr)) in g.iter().zip(w).enumerate() {
                        assert_eq!(gr, wr, "{what}: block {k}, table row {r}");
                    }
                }
                assert_eq!(got, want, "{what}: block {k}");
            }
            assert_eq!(read.blocks.len(), blocks.len(), "{what}: the number of blocks");
            assert_eq!(read.footnotes, footnotes, "{what}: the footnotes");
            checked += 1;
        }
    }
    assert_eq!(checked, matrices().iter().map(|p| load(p).languages.len()).sum::<usize>());
}

/// Whether a text holds something GFM's autolink literals take for a URL.
fn has_bare_url(text: &str) -> bool {
    text.contains("://") || text.contains("www.") || text.contains('@')
}

// With GFM's autolink literals on (GitHub, Docusaurus' remark-gfm: not
// CommonMark), a bare URL becomes a link and swallows a backslash escape
// inside or right after it (`<https://example.com\>` shows `…com\>`): the
// limitation of the page format there. Every other block of every page is
// still exactly the matrix's text, and such a block is one with a URL.
#[test]
fn with_gfm_autolinks_only_texts_with_a_bare_url_differ() {
    let templates = Templates::builtin();
    let mut differ = Vec::new();
    for path in matrices() {
        let m = load(&path);
        for (l, bytes) in pages_of(&m, &templates) {
            let what = format!("{}-{l}.md", m.id);
            let read = comrak_read(std::str::from_utf8(&bytes).unwrap(), &what, true);
            let (blocks, footnotes) = expected(&m, &l, templates.strings(&l));
            assert_eq!(read.blocks.len(), blocks.len(), "{what}");
            assert_eq!(read.footnotes, footnotes, "{what}");
            for (got, want) in read.blocks.iter().zip(&blocks) {
                if got != want {
                    let text = format!("{want:?}");
                    assert!(has_bare_url(&text), "{what}: {got:?} is not {want:?}");
                    differ.push(what.clone());
                }
            }
        }
    }
    // md-hard's `<https://example.com>` in English (the other languages have no URL).
    assert_eq!(differ, ["md-hard-en.md"]);
}
