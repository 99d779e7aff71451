//! The PDF annex read back independently (see `pdf/read.rs`): archive
//! properties, the text of every language, the outline, determinism, and the
//! hard layout cases — nothing may be drawn outside the content area.

pub(crate) mod read;
pub(crate) mod tagged;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::support::{self, MatrixYaml, llmaas, per, scratch, sha256_file, stderr};
use read::{Item, Page, Pdf, Run, collapse, num, text_string};

// ---- the layout every test checks against (templates/layout.yaml, built in) ---

const MM: f32 = 72.0 / 25.4;
const A4: (f32, f32) = (595.28, 841.89);
const LEFT: f32 = 18.0 * MM;
const RIGHT: f32 = 18.0 * MM;
const TOP: f32 = 22.0 * MM;
const BOTTOM: f32 = 20.0 * MM;
/// The running header and footer: title, version, id, date, "Page X of Y".
pub(crate) const RUNNING: usize = 5;
/// DejaVu Sans: ascender and descender in em (2048 units per em: 1901, -483).
const ASCENT: f32 = 0.928;
const DESCENT: f32 = 0.236;

// ---- what the matrices say (read with serde, not with the crate's loader) ----

type Text = BTreeMap<String, String>;

#[derive(Deserialize)]
struct Matrix {
    languages: Vec<String>,
    title: Text,
    intro: Option<Text>,
    #[serde(default)]
    notes: Vec<Text>,
    roles: Vec<Role>,
    parties: Vec<Party>,
    phases: Vec<Phase>,
}

#[derive(Deserialize)]
struct Role {
    code: String,
    name: Text,
    description: Text,
}

#[derive(Deserialize)]
struct Party {
    id: String,
    name: Text,
}

#[derive(Deserialize)]
struct Phase {
    title: Text,
    intro: Option<Text>,
    #[serde(default)]
    activities: Vec<Activity>,
    #[serde(default)]
    subphases: Vec<Phase>,
    #[serde(default)]
    notes: Vec<Text>,
}

#[derive(Deserialize)]
struct Activity {
    id: String,
    text: Text,
    #[serde(default)]
    roles: BTreeMap<String, String>,
    note: Option<Text>,
}

/// The per-language words of templates/strings/<lang>.yaml that the checks need.
#[derive(Deserialize)]
struct Strings {
    legend_heading: String,
    fingerprint_heading: String,
    notes_heading: String,
    activity_id: String,
    activity: String,
    note: String,
    continued: String,
    page_x_of_y: String,
    acceptance: Acceptance,
}

#[derive(Deserialize)]
struct Acceptance {
    heading: String,
    field: String,
}

impl Strings {
    fn load(lang: &str) -> Strings {
        let path = crate::support::root().join(format!("templates/strings/{lang}.yaml"));
        let path =
            if path.exists() { path } else { crate::support::root().join("templates/strings/en.yaml") };
        serde_saphyr::from_str(&std::fs::read_to_string(path).expect("strings file")).expect("strings parse")
    }
    fn page(&self, page: usize, pages: usize) -> String {
        self.page_x_of_y.replace("{pages}", &pages.to_string()).replace("{page}", &page.to_string())
    }
}

fn read_matrix(path: &Path) -> Matrix {
    serde_saphyr::from_str(&std::fs::read_to_string(path).expect("matrix file")).expect("matrix parses")
}

/// The text as it must appear in the PDF: NFC, white space collapsed.
fn norm(s: &str) -> String {
    collapse(&s.nfc().collect::<String>())
}

// ---- running the binary once per set of inputs, shared by the tests -----------

/// The five LLMaaS annexes, rendered once.
fn llmaas_out() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| support::generate("pdf-llmaas", "pdf", &[&llmaas()], &[]))
}

// ---- generic checks ----------------------------------------------------------

/// The body runs of a page: everything but the running header and footer,
/// which are drawn last.
fn body(p: &Page) -> &[Run] {
    &p.runs[..p.runs.len().saturating_sub(RUNNING)]
}

/// Text of the page's body only.
fn body_text(p: &Page) -> String {
    collapse(&body(p).iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join(" "))
}

/// A4, and no run outside the content area: horizontally within the margins
/// (by the embedded `/W` widths), body text between the top and bottom
/// margins, header and footer on the page, and the footer says "Page X of Y".
/// The checks every annex passes: pages, table rules, fonts, widths and texts.
fn check_document(pdf: &Pdf, m: &Matrix, lang: &str, s: &Strings, what: &str) {
    check_pages(pdf, what, s);
    check_rules(pdf, what);
    check_fonts(pdf);
    check_widths(pdf);
    check_texts(pdf, m, lang, s, what);
    check_structure(pdf, m, lang, s, what);
}

/// The acceptance block's fields (pdf-annex.md): one empty signature field
/// per party, in party order, named `signature-ID`, listed in the AcroForm,
/// each its own printed widget with an appearance stream on its page,
/// described for screen readers, and tagged: a `Form` element whose object
/// reference is the widget, which points back through its `/StructParent`.
fn check_signature_fields(pdf: &Pdf, tree: &tagged::Tree, m: &Matrix, lang: &str, s: &Strings, what: &str) {
    use lopdf::Object;
    let form = pdf.dict(pdf.catalog().get(b"AcroForm").expect("/AcroForm"));
    assert!(!form.has(b"NeedAppearances"), "{what}: PDF/A forbids NeedAppearances");
    let fields = pdf.deref(form.get(b"Fields").expect("/Fields")).as_array().expect("array");
    let names: Vec<String> = fields.iter().map(|f| text_string(pdf.dict(f).get(b"T").expect("/T"))).collect();
    let want: Vec<String> = m.parties.iter().map(|p| format!("signature-{}", p.id)).collect();
    assert_eq!(names, want, "{what}: one signature field per party");
    let annots = |page: lopdf::ObjectId| -> Vec<lopdf::ObjectId> {
        let a =
            pdf.doc.get_dictionary(page).expect("page").get(b"Annots").expect("/Annots on the field's page");
        pdf.deref(a).as_array().expect("array").iter().map(|a| a.as_reference().expect("ref")).collect()
    };
    let root = pdf.dict(pdf.catalog().get(b"StructTreeRoot").expect("root"));
    let nums = pdf.deref(pdf.dict(root.get(b"ParentTree").expect("tree")).get(b"Nums").expect("/Nums"));
    let nums = nums.as_array().expect("array");
    let forms = tree.all("Form");
    assert_eq!(forms.len(), m.parties.len(), "{what}: a Form element per field");
    for ((f, p), &e) in fields.iter().zip(&m.parties).zip(&forms) {
        let id = f.as_reference().expect("a field is an indirect object");
        let d = pdf.dict(f);
        assert_eq!(d.get(b"FT").and_then(Object::as_name).ok(), Some(&b"Sig"[..]), "{what}: /FT /Sig");
        assert!(!d.has(b"V"), "{what}: the field is empty");
        assert_eq!(d.get(b"Subtype").and_then(Object::as_name).ok(), Some(&b"Widget"[..]));
        assert_eq!(d.get(b"F").and_then(Object::as_i64).ok(), Some(4), "{what}: the widget is printed");
        assert!(pdf.dict(d.get(b"AP").expect("/AP")).has(b"N"), "{what}: an appearance stream");
        let r: Vec<f32> =
            pdf.deref(d.get(b"Rect").expect("/Rect")).as_array().expect("array").iter().map(num).collect();
        assert!(
            r[0] >= LEFT - 0.5
                && r[2] <= A4.0 - RIGHT + 0.5
                && r[1] >= BOTTOM - 0.5
                && r[3] <= A4.1 - TOP + 0.5,
            "{what}: the field {r:?} lies outside the content area"
        );
        assert!(r[2] - r[0] > 100.0 && r[3] - r[1] > 40.0, "{what}: the field {r:?} is too small to sign in");
        let page = d.get(b"P").and_then(Object::as_reference).expect("/P: the widget's page");
        assert!(annots(page).contains(&id), "{what}: the widget is in its page's /Annots");
        let name = p.name[lang].clone();
        assert_eq!(text_string(d.get(b"TU").expect("/TU")), s.acceptance.field.replace("{party}", &name));
        assert_eq!(
            tree.elems[e].kids,
            [tagged::Kid::Object(id)],
            "{what}: the Form element holds the widget"
        );
        let key = d.get(b"StructParent").and_then(Object::as_i64).expect("/StructParent");
        let at = nums.chunks(2).find(|c| c[0].as_i64().ok() == Some(key)).expect("a parent tree entry");
        assert_eq!(
            tree.by_id(at[1].as_reference().expect("ref")),
            Some(e),
            "{what}: /StructParent names the Form"
        );
    }
}

/// The logical structure of the annex (PDF/UA-1): the generic checks of
/// `tagged.rs`, then what this document says in which element: the title
/// as the one `H1`; the section headings as `H2` in order (legend, each
/// phase with its number, notes, fingerprint); each subphase as `H3`; one
/// `Table` for the legend and one per section with activities, however
/// many pages each spans, with a row per role or activity whose cells hold
/// the code, the id and the role codes of each party.
fn check_structure(pdf: &Pdf, m: &Matrix, lang: &str, s: &Strings, what: &str) {
    let tree = tagged::check_tagged(pdf, lang, RUNNING, what);
    let texts = |role: &str| -> Vec<String> { tree.all(role).iter().map(|&e| tree.text(pdf, e)).collect() };
    assert_eq!(texts("H1"), [norm(&m.title[lang])], "{what}: the title is the one H1");
    let mut h2 = vec![norm(&s.legend_heading)];
    h2.extend(m.phases.iter().enumerate().map(|(n, p)| norm(&format!("{} {}", n + 1, p.title[lang]))));
    if !m.notes.is_empty() {
        h2.push(norm(&s.notes_heading));
    }
    h2.push(norm(&s.fingerprint_heading));
    h2.push(norm(&s.acceptance.heading));
    assert_eq!(texts("H2"), h2, "{what}: H2 per section, in order");
    check_signature_fields(pdf, &tree, m, lang, s, what);
    let h3: Vec<String> = m
        .phases
        .iter()
        .enumerate()
        .flat_map(|(n, p)| {
            p.subphases
                .iter()
                .enumerate()
                .map(move |(k, sp)| norm(&format!("{}.{} {}", n + 1, k + 1, sp.title[lang])))
        })
        .collect();
    assert_eq!(texts("H3"), h3, "{what}: H3 per subphase, in order");

    // The tables and their rows: (first cell, every cell but the first two) of each row.
    let tables = tree.all("Table");
    let mut want: Vec<Vec<(String, Vec<String>)>> =
        vec![m.roles.iter().map(|r| (r.code.clone(), vec![norm(&r.description[lang])])).collect()];
    for p in &m.phases {
        for acts in std::iter::once(&p.activities).chain(p.subphases.iter().map(|s| &s.activities)) {
            if acts.is_empty() {
                continue;
            }
            want.push(
                acts.iter()
                    .map(|a| {
                        let roles = m.parties.iter().map(|pt| {
                            let cell = a.roles.get(&pt.id).map(String::as_str).unwrap_or_default();
                            let letters: String = m
                                .roles
                                .iter()
                                .map(|r| r.code.as_str())
                                .filter(|c| cell.contains(c))
                                .collect();
                            letters
                        });
                        (a.id.clone(), roles.collect())
                    })
                    .collect(),
            );
        }
    }
    assert_eq!(tables.len(), want.len(), "{what}: one Table for the legend and per section with activities");
    for (t, rows) in tables.iter().zip(&want) {
        let body = tree.children(*t)[1];
        let got: Vec<(String, Vec<String>)> = tree
            .children(body)
            .iter()
            .map(|&tr| {
                let cells: Vec<String> = tree.children(tr).iter().map(|&td| tree.text(pdf, td)).collect();
                (cells[0].clone(), cells[2..].to_vec())
            })
            .collect();
        assert_eq!(&got, rows, "{what}: the rows of a table");
    }
}

fn check_pages(pdf: &Pdf, what: &str, strings: &Strings) {
    assert!(!pdf.pages.is_empty(), "{what}: no pages");
    let n = pdf.pages.len();
    for (i, p) in pdf.pages.iter().enumerate() {
        let at = format!("{what}, page {}", i + 1);
        assert!(
            (p.width - A4.0).abs() < 0.5 && (p.height - A4.1).abs() < 0.5,
            "{at}: not A4: {p:?}",
            p = (p.width, p.height)
        );
        assert!(p.runs.len() > RUNNING, "{at}: nothing but the running header and footer");
        let last = p.runs.last().expect("runs");
        assert_eq!(last.text, strings.page(i + 1, n).nfc().collect::<String>(), "{at}: footer");
        for (k, r) in p.runs.iter().enumerate() {
            assert!(!r.text.contains('\u{FFFD}'), "{at}: undecodable text {r:?}");
            assert!(r.x >= LEFT - 1.0, "{at}: starts left of the margin: {r:?}");
            assert!(
                r.x + r.width <= p.width - RIGHT + 1.0,
                "{at}: runs past the right margin by {:.1}pt: {r:?}",
                r.x + r.width - (p.width - RIGHT)
            );
            assert!(
                r.y - DESCENT * r.size >= 0.0 && r.y + ASCENT * r.size <= p.height,
                "{at}: off the page: {r:?}"
            );
            if k < p.runs.len() - RUNNING {
                assert!(r.y - DESCENT * r.size >= BOTTOM - 0.5, "{at}: body text in the footer area: {r:?}");
                assert!(
                    r.y + ASCENT * r.size <= p.height - TOP + 0.5,
                    "{at}: body text in the header area: {r:?}"
                );
            }
        }
    }
}

/// No text crosses a drawn rule: a column rule of a table (text running out
/// of its cell into the next) or a row or heading rule (text running into
/// the line above or below).
fn check_rules(pdf: &Pdf, what: &str) {
    assert!(
        pdf.pages.iter().all(|p| p.rules.len() >= 2),
        "{what}: a page without its header and footer rules"
    );
    for (i, p) in pdf.pages.iter().enumerate() {
        for r in &p.runs {
            let (bottom, top) = (r.y - DESCENT * r.size, r.y + ASCENT * r.size);
            let (left, right) = (r.x, r.x + r.width);
            for g in &p.rules {
                let (lo_y, hi_y) = (g.y0.min(g.y1), g.y0.max(g.y1));
                let (lo_x, hi_x) = (g.x0.min(g.x1), g.x0.max(g.x1));
                let vertical = (g.x0 - g.x1).abs() < 0.01;
                let crosses = if vertical {
                    left + 0.3 < g.x0 && g.x0 < right - 0.3 && lo_y < r.y && r.y < hi_y
                } else {
                    bottom + 0.3 < g.y0 && g.y0 < top - 0.3 && lo_x < right && left < hi_x
                };
                assert!(!crosses, "{what}, page {}: {r:?} crosses the rule {g:?}", i + 1);
            }
        }
    }
}

/// The embedded widths agree with the metrics the layout used: the crate's
/// measurements are only valid if the file draws what was measured.
fn check_widths(pdf: &Pdf) {
    for r in pdf.pages.iter().flat_map(|p| &p.runs) {
        let face = if r.bold() { raci_annex::fonts::bold() } else { raci_annex::fonts::regular() };
        let w = face.width(&r.text, r.size);
        assert!(
            (w - r.width).abs() < 0.05 + r.width * 0.002,
            "/W width {} != layout width {w} for {r:?}",
            r.width
        );
    }
}

/// Fonts: DejaVu Sans and its bold face, both embedded as tagged subsets with a ToUnicode map.
fn check_fonts(pdf: &Pdf) {
    let fonts = pdf.type0_fonts();
    let mut names = Vec::new();
    for f in fonts {
        let base =
            String::from_utf8_lossy(f.get(b"BaseFont").and_then(lopdf::Object::as_name).expect("BaseFont"))
                .into_owned();
        let (tag, name) = base.split_once('+').unwrap_or_else(|| panic!("{base}: no subset tag"));
        assert!(tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()), "{base}: bad subset tag");
        let tu = pdf.deref(f.get(b"ToUnicode").expect("ToUnicode"));
        assert!(matches!(tu, lopdf::Object::Stream(_)), "{base}: ToUnicode is not a stream");
        let desc = pdf.deref(f.get(b"DescendantFonts").expect("DescendantFonts")).as_array().expect("array");
        let cid = pdf.dict(&desc[0]);
        let fd = pdf.dict(cid.get(b"FontDescriptor").expect("FontDescriptor"));
        let ff = pdf.deref(fd.get(b"FontFile2").expect("FontFile2: the font is embedded"));
        assert!(matches!(ff, lopdf::Object::Stream(_)), "{base}: FontFile2 is not a stream");
        let fname =
            String::from_utf8_lossy(fd.get(b"FontName").and_then(lopdf::Object::as_name).expect("FontName"))
                .into_owned();
        assert_eq!(fname, base, "FontName and BaseFont differ");
        names.push(name.to_string());
    }
    names.sort();
    assert_eq!(names, ["DejaVuSans", "DejaVuSans-Bold"]);
}

/// The run of a heading on `page`: bold, heading-sized, the first line of `title`.
fn heading_run<'a>(p: &'a Page, title: &str) -> Option<&'a Run> {
    body(p).iter().find(|r| {
        let t = collapse(&r.text);
        r.bold() && r.size > 10.0 && r.size < 13.0 && !t.is_empty() && title.starts_with(&t)
    })
}

/// Every outline item lands on its heading: the page where the heading's
/// text is drawn, y at most 20pt above its baseline.
fn check_targets(pdf: &Pdf, items: &[Item]) {
    for it in items {
        let title = collapse(&it.title);
        let p = &pdf.pages[it.page];
        let Some(r) = heading_run(p, &title) else {
            panic!("outline item {title:?} points to page {} where its heading is not drawn", it.page + 1)
        };
        let above = it.y - r.y;
        assert!(
            (0.0..=20.0).contains(&above),
            "outline item {title:?}: y {} is {above:.1}pt above the baseline",
            it.y
        );
        check_targets(pdf, &it.kids);
    }
}

/// The outline (legend, the phases in order, closing notes if any,
/// fingerprint), each entry landing on its heading, headings kept with what
/// follows, and the tables; returns the outline for further checks.
fn check_outline_and_tables(pdf: &Pdf, m: &Matrix, lang: &str, s: &Strings, what: &str) -> Vec<Item> {
    let outline = pdf.outline();
    let mut want = vec![norm(&s.legend_heading)];
    want.extend(m.phases.iter().enumerate().map(|(n, p)| norm(&format!("{} {}", n + 1, p.title[lang]))));
    if !m.notes.is_empty() {
        want.push(norm(&s.notes_heading));
    }
    want.push(norm(&s.fingerprint_heading));
    want.push(norm(&s.acceptance.heading));
    assert_eq!(outline_titles(&outline), want, "{what}: outline");
    check_targets(pdf, &outline);
    check_keeps(pdf, m, lang, &outline, what);
    check_tables(pdf, m, s, what);
    outline
}

fn outline_titles(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| collapse(&i.title)).collect()
}

/// Where each body text is drawn: collapsed text -> (page, baseline), in drawing order.
fn places(pdf: &Pdf) -> BTreeMap<String, Vec<(usize, f32)>> {
    let mut map: BTreeMap<String, Vec<(usize, f32)>> = BTreeMap::new();
    for (i, p) in pdf.pages.iter().enumerate() {
        for r in body(p) {
            map.entry(collapse(&r.text)).or_default().push((i, r.y));
        }
    }
    map
}

/// The body words of the document in order, each with its page.
struct Words {
    words: Vec<(usize, String)>,
    at: BTreeMap<String, Vec<usize>>,
}

impl Words {
    fn of(pdf: &Pdf) -> Words {
        let mut words = Vec::new();
        let mut at: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in pdf.pages.iter().enumerate() {
            for w in body(p).iter().flat_map(|r| r.text.split_whitespace()) {
                at.entry(w.to_string()).or_default().push(words.len());
                words.push((i, w.to_string()));
            }
        }
        Words { words, at }
    }

    /// Whether `want` is drawn as one sequence of words: contiguous, except
    /// that it may resume on a later page after at most 80 other words (a row
    /// split across pages, with the caption, the repeated header and the
    /// row's short cells in between).
    fn drawn(&self, want: &str) -> bool {
        let want: Vec<&str> = want.split_whitespace().collect();
        let Some(starts) = self.at.get(want[0]) else { return false };
        'start: for &s in starts {
            let (mut i, mut j) = (s, 0);
            while j < want.len() {
                if i < self.words.len() && self.words[i].1 == want[j] {
                    i += 1;
                    j += 1;
                    continue;
                }
                let page = self.words[i - 1].0;
                let resume = self
                    .at
                    .get(want[j])
                    .and_then(|v| v.iter().find(|&&k| k >= i && k <= i + 80 && self.words[k].0 > page));
                match resume {
                    Some(&k) => i = k,
                    None => continue 'start,
                }
            }
            return true;
        }
        false
    }
}

/// Every text of the matrix appears, in `lang`, NFC, whole: title, intro,
/// legend rows, party names, phase and subphase titles and intros, every
/// activity row (id, text, note, each party's roles in legend order), notes.
fn check_texts(pdf: &Pdf, m: &Matrix, lang: &str, s: &Strings, what: &str) {
    let words = Words::of(pdf);
    let pages: Vec<String> = pdf.pages.iter().map(body_text).collect();
    let squeezed: Vec<String> = pages.iter().map(|p| p.split_whitespace().collect()).collect();
    // Whole on a page; or word by word, resuming on a later page; or, for a
    // word broken between characters in a narrow cell, whole on a page once
    // white space is ignored.
    let find = |want: &str, kind: &str| {
        let want = norm(want);
        let tight: String = want.split_whitespace().collect();
        assert!(
            pages.iter().any(|t| t.contains(&want))
                || words.drawn(&want)
                || squeezed.iter().any(|t| t.contains(&tight)),
            "{what}: {kind} {want:?} is not drawn"
        );
    };
    find(&m.title[lang], "title");
    if let Some(i) = &m.intro {
        find(&i[lang], "intro");
    }
    for r in &m.roles {
        find(&format!("{} {} {}", r.code, r.name[lang], r.description[lang]), "legend row");
    }
    for p in &m.parties {
        find(&p.name[lang], "party");
    }
    let order: Vec<char> = m.roles.iter().filter_map(|r| r.code.chars().next()).collect();
    let activities = |list: &[Activity]| {
        for a in list {
            let mut row = format!("{} {}", a.id, a.text[lang]);
            if let Some(note) = &a.note {
                row = format!("{row} {}: {}", s.note, note[lang]);
            }
            for p in &m.parties {
                let cell = a.roles.get(&p.id).map(String::as_str).unwrap_or("").to_uppercase();
                let codes: String = order.iter().filter(|c| cell.contains(**c)).collect();
                if !codes.is_empty() {
                    row = format!("{row} {codes}");
                }
            }
            find(&row, "activity row");
        }
    };
    for (n, ph) in m.phases.iter().enumerate() {
        find(&format!("{} {}", n + 1, ph.title[lang]), "phase title");
        if let Some(i) = &ph.intro {
            find(&i[lang], "phase intro");
        }
        activities(&ph.activities);
        for (k, sub) in ph.subphases.iter().enumerate() {
            find(&format!("{}.{} {}", n + 1, k + 1, sub.title[lang]), "subphase title");
            if let Some(i) = &sub.intro {
                find(&i[lang], "subphase intro");
            }
            activities(&sub.activities);
            for note in &sub.notes {
                find(&note[lang], "subphase note");
            }
        }
        for note in &ph.notes {
            find(&note[lang], "phase note");
        }
    }
    for note in &m.notes {
        find(&note[lang], "closing note");
    }
}

/// Headings are kept with what follows: a phase heading with its first row
/// (or its first subphase heading), a subphase heading with its first row.
fn check_keeps(pdf: &Pdf, m: &Matrix, lang: &str, outline: &[Item], what: &str) {
    let bad = keeps(pdf, m, lang, outline);
    assert!(bad.is_empty(), "{what}: headings apart from what follows:\n{}", bad.join("\n"));
}

/// Every heading of `check_keeps` that is not on the page of what follows it.
fn keeps(pdf: &Pdf, m: &Matrix, lang: &str, outline: &[Item]) -> Vec<String> {
    let at = places(pdf);
    let page_of = |id: &str| at.get(id).map(|v| v[0].0);
    let mut bad = Vec::new();
    let role = norm(&m.roles[0].name[lang]);
    if page_of(&role) != Some(outline[0].page) {
        bad.push(format!(
            "{:?} on page {}, {role:?} on page {}",
            outline[0].title,
            outline[0].page + 1,
            page_of(&role).map_or(0, |p| p + 1)
        ));
    }
    for (it, ph) in outline[1..].iter().zip(&m.phases) {
        assert_eq!(it.kids.len(), ph.subphases.len(), "{:?} has not one nested item per subphase", it.title);
        let (follower, page) = match ph.activities.first() {
            Some(a) => (a.id.clone(), page_of(&a.id)),
            None => (it.kids[0].title.clone(), Some(it.kids[0].page)),
        };
        if page != Some(it.page) {
            bad.push(format!(
                "{:?} on page {}, {follower:?} on page {}",
                it.title,
                it.page + 1,
                page.map_or(0, |p| p + 1)
            ));
        }
        for (kid, sub) in it.kids.iter().zip(&ph.subphases) {
            let a = &sub.activities[0];
            if page_of(&a.id) != Some(kid.page) {
                bad.push(format!(
                    "{:?} on page {}, {} on page {}",
                    kid.title,
                    kid.page + 1,
                    a.id,
                    page_of(&a.id).map_or(0, |p| p + 1)
                ));
            }
        }
    }
    bad
}

/// Every page holding rows of a table shows the table header (ID and
/// activity labels above the rows) and, after the table's first page, the
/// "(continued)" caption; the rows come in matrix order.
fn check_tables(pdf: &Pdf, m: &Matrix, s: &Strings, what: &str) {
    let at = places(pdf);
    let mut tables: Vec<(String, &[Activity])> = Vec::new();
    for (n, ph) in m.phases.iter().enumerate() {
        if !ph.activities.is_empty() {
            tables.push((format!("{}", n + 1), &ph.activities));
        }
        for (k, sub) in ph.subphases.iter().enumerate() {
            tables.push((format!("{}.{}", n + 1, k + 1), &sub.activities));
        }
    }
    let (id_label, act_label) = (norm(&s.activity_id), norm(&s.activity));
    let continued = norm(&s.continued);
    for (num, rows) in tables {
        let mut last = (0usize, f32::INFINITY);
        let mut tops: BTreeMap<usize, f32> = BTreeMap::new();
        for a in rows {
            let &(page, y) = at
                .get(&a.id)
                .and_then(|v| v.first())
                .unwrap_or_else(|| panic!("{what}: row {} not drawn", a.id));
            assert!(page > last.0 || page == last.0 && y < last.1, "{what}: row {} out of order", a.id);
            last = (page, y);
            let top = tops.entry(page).or_insert(y);
            *top = top.max(y);
        }
        let first = *tops.keys().next().expect("rows");
        for (&page, &top) in &tops {
            let p = &pdf.pages[page];
            let label_above =
                |label: &str| body(p).iter().any(|r| r.bold() && collapse(&r.text) == label && r.y > top);
            assert!(
                label_above(&id_label) && label_above(&act_label),
                "{what}: table {num}: no header above the rows on page {}",
                page + 1
            );
            if page != first {
                let caption = body(p).iter().any(|r| {
                    let t = collapse(&r.text);
                    !r.bold() && t.starts_with(&format!("{num} ")) && t.ends_with(&continued) && r.y > top
                });
                assert!(caption, "{what}: table {num}: no \"{continued}\" caption on page {}", page + 1);
            }
        }
    }
}

/// Rows that fit on a page are never split: every activity id is drawn once
/// (a split row repeats its id on the next page).
fn check_whole_rows(pdf: &Pdf, m: &Matrix, what: &str) {
    let at = places(pdf);
    for ph in &m.phases {
        for a in ph.activities.iter().chain(ph.subphases.iter().flat_map(|s| &s.activities)) {
            let n = at.get(&a.id).map_or(0, Vec::len);
            assert_eq!(n, 1, "{what}: row {} drawn {n} times (split over pages?)", a.id);
        }
    }
}

// ---- 1. the LLMaaS annex in each language -------------------------------------

// Every LLMaaS annex: A4 pages, subset fonts, every text of the matrix in its language, footers, PDF/A metadata, outline.
#[test]
fn llmaas_annex_in_every_language() {
    let src = llmaas();
    let m = read_matrix(&src);
    assert_eq!(m.languages.len(), 5);
    for lang in &m.languages {
        let path = llmaas_out().join(format!("llmaas-{lang}.pdf"));
        let pdf = Pdf::open(&path);
        let s = Strings::load(lang);
        let what = format!("llmaas-{lang}.pdf");

        assert!(pdf.bytes.len() < 120 * 1024, "{what}: {} bytes", pdf.bytes.len());
        assert!(
            pdf.bytes.starts_with(b"%PDF-1.7"),
            "{what}: header {:?}",
            String::from_utf8_lossy(&pdf.bytes[..8])
        );
        check_document(&pdf, &m, lang, &s, &what);

        // Catalog, Info and XMP.
        let cat = pdf.catalog();
        assert_eq!(text_string(cat.get(b"Lang").expect("/Lang")), *lang, "{what}: /Lang");
        let xmp = String::from_utf8(pdf.stream_bytes(cat.get(b"Metadata").expect("/Metadata")))
            .expect("XMP is UTF-8");
        for want in [
            "pdfaid:part>2<",
            "pdfaid:conformance>A<",
            "pdfuaid:part>1<",
            "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>",
            "xmp:CreateDate>2026-11-23T00:00:00Z<",
            &m.title[lang],
        ] {
            assert!(xmp.contains(want), "{what}: XMP lacks {want:?}:\n{xmp}");
        }
        let info = pdf.info();
        assert_eq!(text_string(info.get(b"CreationDate").expect("CreationDate")), "D:20261123000000Z");
        assert!(!info.has(b"GTS_PDFXVersion"), "{what}: PDF/X key in a PDF/A file");
        let intents =
            pdf.deref(cat.get(b"OutputIntents").expect("/OutputIntents")).as_array().expect("array");
        let intent = pdf.dict(&intents[0]);
        assert_eq!(intent.get(b"S").and_then(lopdf::Object::as_name).expect("/S"), b"GTS_PDFA1");
        let icc = pdf.dict(intent.get(b"DestOutputProfile").expect("DestOutputProfile"));
        assert_eq!(num(icc.get(b"N").expect("/N")), 3.0);
        assert!(!pdf.stream_bytes(intent.get(b"DestOutputProfile").expect("profile")).is_empty());
        let id = pdf.doc.trailer.get(b"ID").expect("trailer /ID").as_array().expect("array");
        assert_eq!(id.len(), 2);
        let (lopdf::Object::String(a, _), lopdf::Object::String(b, _)) = (&id[0], &id[1]) else {
            panic!("/ID strings")
        };
        assert!(a.len() == 16 && a == b, "{what}: /ID {id:?}");

        check_outline_and_tables(&pdf, &m, lang, &s, &what);
        check_whole_rows(&pdf, &m, &what);
    }
}

// ---- 2. the fingerprint ---------------------------------------------------------

// The SHA-256 of data/llmaas.yaml is printed in the annex (every language),
// after the last phase and before the acceptance block.
#[test]
fn fingerprint_is_the_sha256_of_the_matrix_file() {
    let sha = sha256_file(&llmaas());
    for lang in ["de", "en", "fr", "es", "it"] {
        let pdf = Pdf::open(&llmaas_out().join(format!("llmaas-{lang}.pdf")));
        let text: String = pdf.pages.iter().map(body_text).collect::<Vec<_>>().join(" ");
        let at = text.find(&sha).unwrap_or_else(|| panic!("llmaas-{lang}.pdf: {sha} not printed"));
        let accept = text.rfind(&Strings::load(lang).acceptance.heading).expect("the acceptance heading");
        assert!(at < accept, "llmaas-{lang}.pdf: the fingerprint comes after the acceptance block");
    }
}

// ---- 3. determinism ---------------------------------------------------------------

// Same inputs, same bytes: twice alone, after another language, on 1 or 2 threads, and as part of the full run.
#[test]
fn identical_bytes_whatever_the_run() {
    let src = llmaas();
    let read = |out: PathBuf| std::fs::read(out.join("llmaas-de.pdf")).expect("llmaas-de.pdf");
    let a = read(support::generate("pdf-det-a", "pdf", &[&src], &["--lang", "de"]));
    let b = read(support::generate("pdf-det-b", "pdf", &[&src], &["--lang", "de"]));
    assert!(a == b, "two runs differ");
    for jobs in ["1", "2"] {
        let c = read(support::generate("pdf-det-c", "pdf", &[&src], &["--lang", "fr,de", "--jobs", jobs]));
        assert!(a == c, "llmaas-de.pdf differs when rendered after fr with --jobs {jobs}");
    }
    assert!(a == read(llmaas_out().to_path_buf()), "llmaas-de.pdf differs in the run of all languages");
}

// ---- 4. hard cases ------------------------------------------------------------------

/// Words `Tag0001 Tag0002 …` up to `chars` characters: each word unique.
fn numbered(tag: &str, chars: usize) -> String {
    let mut s = String::new();
    let mut i = 1;
    while s.chars().count() < chars {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("{tag}{i:04}"));
        i += 1;
    }
    s
}

/// A matrix of the hard cases: version 2.0 of 2026-11-23, the four roles
/// named in Russian where `ru` is among `langs` (Cyrillic in the legend too).
fn hard_matrix(id: &str, langs: &[&str], title: &str) -> MatrixYaml {
    let mut y = MatrixYaml::new(id, langs, title);
    y.version("2.0").date("2026-11-23");
    for (code, en, ru) in [
        ("R", "Responsible", "Исполняет"),
        ("A", "Accountable", "Утверждает"),
        ("C", "Consulted", "Консультирует"),
        ("I", "Informed", "Информируется"),
    ] {
        let name = per(move |l| if l == "ru" { ru } else { en }.to_string());
        let description = per(move |l| {
            format!("{} ({code})", if l == "ru" { "Описание роли" } else { "What the role does" })
        });
        y.role(code, name, description);
    }
    y
}

const LONG_TEXT: usize = 3000;
const LONG_WORD: usize = 300;
/// A long subphase title (its table continues: the caption must be cut), written decomposed.
const CONTINUITY: &str = "Contro\u{302}le: operational continuity, backup and restoration of customer workloads, including disaster recovery exercises, regular reporting and documented escalation paths";

/// Eight parties with long names, a 3,000-character text, a 300-character
/// word, Greek and Cyrillic, decomposed input, notes of every kind,
/// subphases (one with a long title and a table over several pages), and a
/// phase made of subphases only.
fn hard_text(dir: &Path) -> PathBuf {
    let mut y = hard_matrix("hard-text", &["en", "ru"], "Hard cases – wrapping, scripts and notes");
    y.intro("An intro before the legend.\n\nA second paragraph, INTRO-PARA-2.");
    y.note("Closing note CLOSE-NOTE-A applies to every phase.");
    y.note("Closing note CLOSE-NOTE-B ends the annex.");
    for k in 0..8 {
        y.party(&format!("p{k}"), format!("Contracting Party Number {k} GmbH"));
    }
    let roles = "p0: RA, p1: C, p2: I, p3: CI, p4: I, p5: C, p6: I, p7: CI";
    y.phase("long", "Long texts").section_intro("Phase intro PHASE-INTRO-1.");
    y.activity("HT-LONG-3000", numbered("Clause", LONG_TEXT), roles)
        .activity_note("Activity note NOTE-LONG.");
    let word = "W".repeat(LONG_WORD);
    y.activity("HT-WORD-300", format!("Before {word} after"), roles)
        .activity_note(format!("Note word {word}"));
    let scripts = per(|l| {
        if l == "ru" {
            "Управление доступом"
        } else {
            "Διαχείριση πρόσβασης"
        }
        .into()
    });
    y.activity("HT-SCRIPTS", scripts, roles).activity_note("Σημείωση – «Управление»");
    // Written decomposed (e + U+0301, e + U+0300): the PDF must carry NFC.
    y.activity("HT-NFD", "Ve\u{301}rifier l’acce\u{300}s – „Anführung“ € § …", roles);
    y.subphase("access", "Access management – Управление доступом");
    y.section_intro("Subphase intro SUB-INTRO-1.").section_note("Subphase note SUB-NOTE-1.");
    y.activity(
        "HT-SUB-01",
        "Διαχείριση πρόσβασης και ταυτοτήτων / Управление доступом и учётными записями",
        roles,
    );
    y.subphase("continuity", CONTINUITY);
    for i in 1..=40 {
        let text = format!("Continuity task {i} with enough words to wrap inside the narrow activity column");
        y.activity(&format!("HT-CONT-{i:02}"), text, roles);
    }
    y.phase_note("Phase note PHASE-NOTE-1.").phase_note("Phase note PHASE-NOTE-2.");
    y.phase("only-subs", "Subphases only");
    for k in 1..=2 {
        y.subphase(&format!("sub-{k}"), format!("Subphase {k}")).section_intro(format!(
            "Intro of subphase {k}, long enough to take two lines when the page is narrow, which it is not, so one."
        ));
        y.activity(&format!("HT-ONLY-{k}"), "Only-subphase activity", roles);
    }
    y.write(dir, "hard-text.yaml")
}

/// 2,000 activities in one phase (rows of one to four lines), then a short phase.
fn hard_rows(dir: &Path) -> PathBuf {
    let mut y = hard_matrix("hard-rows", &["en"], "Two thousand rows");
    y.party("customer", "Customer").party("provider", "Provider").party("auditor", "External auditor");
    y.phase("bulk", "Bulk operations").section_intro("Every operation of the service, one row each.");
    for i in 1..=2000 {
        let filler = " with a longer description of what is done".repeat(i % 9);
        y.activity(
            &format!("ROW-{i:04}"),
            format!("Operation {i}{filler}"),
            "customer: RA, provider: C, auditor: I",
        );
    }
    y.phase("after", "After the bulk");
    y.activity("AFTER-01", "The last activity", "customer: RA");
    y.write(dir, "hard-rows.yaml")
}

/// 40 phases with intros of varying length, some with a tall first row,
/// some made of subphases only, some with notes: headings land everywhere on
/// the page. Then four phases whose first row nearly fills a page.
fn hard_phases(dir: &Path) -> PathBuf {
    let mut y = hard_matrix("hard-phases", &["en"], "Forty phases");
    y.note("The closing note of forty phases.");
    y.party("customer", "Customer").party("provider", "Provider");
    for k in 1..=40usize {
        y.phase(&format!("phase-{k}"), format!("Phase number {k}"));
        if k % 3 != 1 {
            y.section_intro(numbered(&format!("Intro{k}x"), (k * 37) % 400 + 10));
        }
        if k % 3 == 0 {
            y.section_note(format!("Note of phase {k}: it applies to the whole phase."));
        }
        if k % 4 == 0 {
            for s in 1..=2 {
                y.subphase(&format!("phase-{k}-{s}"), format!("Part {s} of phase {k}"));
                y.section_intro(numbered(&format!("Sub{k}x{s}x"), (k * 11 * s) % 200 + 10));
                for a in 1..=3 {
                    y.activity(
                        &format!("P{k}-S{s}-{a}"),
                        format!("Activity {a} of part {s} of phase {k}"),
                        "customer: RA, provider: CI",
                    );
                }
            }
        } else {
            for a in 1..=(1 + k % 5) {
                let len = if a == 1 && k % 5 == 0 { 1500 } else { 40 + (k * a * 29) % 200 };
                y.activity(
                    &format!("P{k}-A{a}"),
                    numbered(&format!("T{k}x{a}x"), len),
                    "customer: RA, provider: I",
                );
                if a == 2 {
                    y.activity_note("An activity note.");
                }
            }
        }
    }
    // First rows that fit on a page, but not below a heading, an intro and the table header.
    for (k, len) in [(41, 3650), (42, 3800), (43, 3950), (44, 4100)] {
        y.phase(&format!("phase-{k}"), format!("Phase number {k}")).section_intro("A one-line intro.");
        y.activity(&format!("P{k}-A1"), numbered(&format!("T{k}x"), len), "customer: RA, provider: I");
    }
    y.write(dir, "hard-phases.yaml")
}

/// The three hard matrices, generated and rendered once.
fn hard() -> &'static (PathBuf, PathBuf) {
    static OUT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = scratch("pdf-hard-data");
        let files = [hard_text(&dir), hard_rows(&dir), hard_phases(&dir)];
        let out = support::generate(
            "pdf-hard",
            "pdf",
            &files.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
            &[],
        );
        (dir, out)
    })
}

/// Reads `ID-LANG.pdf` of the hard cases and runs every generic check on it.
fn check_hard(id: &str, lang: &str) -> (Matrix, Pdf, Vec<Item>, Strings) {
    let (data, out) = hard();
    let m = read_matrix(&data.join(format!("{id}.yaml")));
    let what = format!("{id}-{lang}.pdf");
    let pdf = Pdf::open(&out.join(&what));
    let s = Strings::load(lang);
    check_document(&pdf, &m, lang, &s, &what);
    let outline = check_outline_and_tables(&pdf, &m, lang, &s, &what);
    for (it, ph) in outline[1..].iter().zip(&m.phases) {
        let kids: Vec<String> = ph.subphases.iter().map(|s| s.title[lang].clone()).collect();
        let got: Vec<String> = it.kids.iter().map(|k| collapse(&k.title)).collect();
        let n = collapse(&it.title).split(' ').next().expect("number").to_string();
        let want: Vec<String> =
            kids.iter().enumerate().map(|(k, t)| norm(&format!("{n}.{} {t}", k + 1))).collect();
        assert_eq!(got, want, "{what}: subphases of {:?} in the outline", it.title);
    }
    assert!(pdf.text().contains(&sha256_file(&data.join(format!("{id}.yaml")))), "{what}: no fingerprint");
    (m, pdf, outline, s)
}

// Long text (3,000 characters, split over pages, every word in order), a 300-character word, Greek, Cyrillic, NFD input, all notes; nothing drawn outside the content area.
#[test]
fn hard_texts_stay_inside_the_page() {
    for lang in ["en", "ru"] {
        let (_, pdf, _, _) = check_hard("hard-text", lang);
        let what = format!("hard-text-{lang}.pdf");
        let words = Words::of(&pdf);
        let clauses: Vec<&str> =
            words.words.iter().map(|(_, w)| w.as_str()).filter(|w| w.starts_with("Clause")).collect();
        let want = numbered("Clause", LONG_TEXT);
        assert_eq!(
            clauses,
            want.split(' ').collect::<Vec<_>>(),
            "{what}: the long text is not drawn whole and in order"
        );
        let pages: std::collections::BTreeSet<usize> =
            words.words.iter().filter(|(_, w)| w.starts_with("Clause")).map(|(p, _)| *p).collect();
        assert!(pages.len() >= 2, "{what}: the 3,000-character text with 8 parties should span pages");
        let squeezed: String =
            pdf.pages.iter().map(body_text).collect::<String>().split_whitespace().collect();
        let word = "W".repeat(LONG_WORD);
        assert!(squeezed.contains(&format!("Before{word}after")), "{what}: the long word is not drawn whole");
        assert!(
            squeezed.contains(&format!("Noteword{word}")),
            "{what}: the long word of the note is not drawn whole"
        );
        let text = pdf.text();
        for want in [
            "Διαχείριση πρόσβασης",
            "Управление доступом",
            "Vérifier l’accès – „Anführung“ € § …",
            "CLOSE-NOTE-A",
            "SUB-NOTE-1",
            "PHASE-NOTE-2",
            "NOTE-LONG",
            "INTRO-PARA-2",
        ] {
            assert!(text.contains(want), "{what}: {want:?} not drawn");
        }
        let outline: Vec<String> = pdf
            .outline()
            .iter()
            .flat_map(|i| std::iter::once(i).chain(&i.kids))
            .map(|i| i.title.clone())
            .collect();
        for t in std::iter::once(&text).chain(&outline) {
            assert!(
                !t.contains(['\u{300}', '\u{301}', '\u{302}']),
                "{what}: decomposed text reached the PDF: {t:?}"
            );
        }
        assert!(
            outline.iter().any(|t| t.contains("Contrôle")),
            "{what}: no NFC subphase title in the outline"
        );
    }
}

// 2,000 rows in one phase: more than 20 pages, each with the table header and the "(continued)" caption, rows in order.
#[test]
fn two_thousand_rows_repeat_the_header_on_every_page() {
    let (m, pdf, _, _) = check_hard("hard-rows", "en");
    assert!(pdf.pages.len() > 20, "{} pages", pdf.pages.len());
    assert_eq!(m.phases[0].activities.len(), 2000);
    check_whole_rows(&pdf, &m, "hard-rows-en.pdf");
}

// 40 phases, some of subphases only: outline in order and nested, every heading kept with its first row.
#[test]
fn forty_phases_keep_every_heading_with_its_rows() {
    let (m, _, outline, _) = check_hard("hard-phases", "en");
    assert_eq!(m.phases.len(), 44);
    assert_eq!(outline.len(), 48, "legend, 44 phases, notes, fingerprint, acceptance");
    assert_eq!(outline.iter().map(|i| i.kids.len()).sum::<usize>(), 20);
}

/// A small matrix whose headings land lower as `k` and `m` grow: the legend
/// after a title of 1 to 5 lines and an intro of 20 to 35 paragraphs, the
/// first of 1 to 4 lines (near the foot of page 1), the phases after `k`
/// rows and `m` notes more. Across the set, headings land at every position
/// on the page, a point or two apart.
fn sweep_yaml(k: usize, m: usize) -> MatrixYaml {
    let title = (1..=4 * (1 + m % 5)).map(|i| format!("Title{i:04}")).collect::<Vec<_>>().join(" ");
    let mut y = hard_matrix(&format!("sweep-{k:02}-{m}"), &["en"], &title);
    // Words per line of the intro (9.5pt, the content width), to make a paragraph of exactly n lines.
    let f = raci_annex::fonts::regular();
    let per_line = ((A4.0 - LEFT - RIGHT + f.width(" ", 9.5)) / f.width("Lorem0001 ", 9.5)) as usize;
    let lines = 1 + m / 5 + 2 * (k / 16);
    let first =
        (1..=per_line * (lines - 1) + 1).map(|i| format!("Lorem{i:04}")).collect::<Vec<_>>().join(" ");
    let rest = (0..20 + k % 16).map(|i| format!("Intro line {i}."));
    y.intro(std::iter::once(first).chain(rest).collect::<Vec<_>>().join("\n\n"));
    y.party("customer", "Customer").party("provider", "Provider");
    y.phase("fill", "Filling the page");
    for a in 0..k.max(1) {
        y.activity(&format!("F-{a:02}"), format!("Filler row {a}"), "customer: RA");
    }
    for n in 0..m {
        y.section_note(format!("Filler note {n}."));
    }
    y.phase("plain", "A phase with a table");
    y.activity("PLAIN-1", "The first row under the heading", "customer: RA");
    y.phase("tall", "A phase whose first row is tall").section_intro("A one-line intro.");
    y.activity("TALL-1", numbered("Tall", 900), "customer: RA");
    y.phase("subs", "A phase of subphases").section_intro("A one-line intro.");
    y.subphase("sub", "The only subphase").section_intro("Its own intro, one line.");
    y.activity("SUB-1", "The first row of the subphase", "customer: RA");
    y
}

// Headings at every position on the page (rows and notes before them vary by ~2pt steps): each stays with its first row or subphase.
#[test]
fn headings_stay_with_what_follows_wherever_they_land() {
    let dir = scratch("pdf-sweep-data");
    let mut n = 0;
    for k in 0..26 {
        for m in 0..8 {
            sweep_yaml(k, m).write(&dir, &format!("sweep-{k:02}-{m}.yaml"));
            n += 1;
        }
    }
    let out = support::generate("pdf-sweep", "pdf", &[&dir], &[]);
    let s = Strings::load("en");
    let mut checked = 0;
    let mut bad = Vec::new();
    for k in 0..26 {
        for m in 0..8 {
            let what = format!("sweep-{k:02}-{m}-en.pdf");
            let pdf = Pdf::open(&out.join(&what));
            let matrix = read_matrix(&dir.join(format!("sweep-{k:02}-{m}.yaml")));
            check_pages(&pdf, &what, &s);
            check_rules(&pdf, &what);
            let outline = pdf.outline();
            check_targets(&pdf, &outline);
            bad.extend(keeps(&pdf, &matrix, "en", &outline).into_iter().map(|b| format!("{what}: {b}")));
            check_tables(&pdf, &matrix, &s, &what);
            check_whole_rows(&pdf, &matrix, &what);
            checked += 1;
        }
    }
    assert_eq!(checked, n);
    assert!(bad.is_empty(), "{} headings apart from what follows:\n{}", bad.len(), bad.join("\n"));
}

/// A small RGBA PNG (a dark bar on a transparent ground), written with the png crate.
fn logo_png(path: &Path) {
    let (w, h) = (120u32, 40u32);
    let mut px = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let inside = (8..112).contains(&x) && (8..32).contains(&y);
            px.extend_from_slice(if inside { &[31, 56, 100, 255] } else { &[255, 255, 255, 0] });
        }
    }
    let file = std::fs::File::create(path).expect("create png");
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().and_then(|mut wr| wr.write_image_data(&px)).expect("write png");
}

// A logo named by templates/layout.yaml is drawn on the first page only, as
// an image with a soft mask, in the PDF and on the XLSX legend sheet, and the
// files stay byte-identical from run to run.
#[test]
fn layout_logo_is_drawn_on_the_first_page_and_the_legend_sheet() {
    let dir = scratch("logo");
    let tpl = dir.join("tpl");
    std::fs::create_dir_all(&tpl).expect("mkdir");
    logo_png(&tpl.join("logo.png"));
    std::fs::write(
        tpl.join("layout.yaml"),
        "logo: {file: logo.png, width_mm: 30, alt: {de: Logo des Anbieters, en: Provider logo}}\n",
    )
    .expect("layout");
    let mut outs = Vec::new();
    for n in 0..2 {
        let extra = ["--lang", "de", "--templates", support::s(&tpl)];
        outs.push(support::generate(&format!("logo-out{n}"), "pdf,xlsx", &[&llmaas()], &extra));
    }
    for f in ["llmaas-de.pdf", "llmaas-de.xlsx"] {
        assert_eq!(std::fs::read(outs[0].join(f)).ok(), std::fs::read(outs[1].join(f)).ok(), "{f} differs");
    }
    let pdf = Pdf::open(&outs[0].join("llmaas-de.pdf"));
    let images: Vec<(u32, lopdf::Dictionary)> = pdf
        .doc
        .get_pages()
        .into_iter()
        .map(|(n, id)| {
            let page = pdf.doc.get_dictionary(id).expect("page");
            let res = pdf.dict(page.get(b"Resources").expect("resources"));
            let xo = res.get(b"XObject").map(|x| pdf.dict(x).clone()).unwrap_or_default();
            (n, xo)
        })
        .collect();
    let first = &images[0].1;
    let img = first.iter().next().map(|(_, v)| pdf.dict(v)).expect("an XObject on page 1");
    assert_eq!(img.get(b"Subtype").and_then(lopdf::Object::as_name).ok(), Some(&b"Image"[..]));
    assert_eq!(img.get(b"Width").and_then(lopdf::Object::as_i64).ok(), Some(120));
    assert!(img.get(b"SMask").is_ok(), "the transparent ground needs a soft mask");
    let uses_image = |n: usize| {
        let content = pdf.doc.get_page_content(pdf.doc.get_pages()[&(n as u32)]);
        String::from_utf8_lossy(&content).contains(" Do")
    };
    assert!(uses_image(1), "page 1 draws the logo");
    // Tagged as the document's one Figure, with the layout's German alternate text.
    let tree = tagged::check_tagged(&pdf, "de", RUNNING, "logo");
    let figures = tree.all("Figure");
    assert_eq!(figures.len(), 1, "one Figure");
    assert_eq!(tree.elems[figures[0]].alt.as_deref(), Some("Logo des Anbieters"));
    for n in 2..=images.len() {
        assert!(!uses_image(n), "page {n} must not draw the logo");
    }
    let xlsx = std::fs::File::open(outs[0].join("llmaas-de.xlsx")).expect("xlsx");
    let mut zip = zip::ZipArchive::new(xlsx).expect("zip");
    assert!(zip.by_name("xl/media/image1.png").is_ok(), "the legend sheet embeds the logo");
}

// ---- 6. the source inside the document ---------------------------------------------

// --attach-source: each annex carries the matrix file and the CSV of its
// language as PDF/A-3 associated files, byte for byte, dated by the matrix;
// without it nothing is attached and the file stays PDF/A-2.
#[test]
fn attach_source_embeds_the_matrix_and_the_csv_as_associated_files() {
    use lopdf::Object;
    let src = llmaas();
    let with = support::generate(
        "attach",
        "pdf",
        &[&src],
        &["--attach-source", "--lang", "de,fr", "--format", "pdf,csv", "--csv-delimiter", ";"],
    );
    for lang in ["de", "fr"] {
        let what = format!("llmaas-{lang}.pdf (attached)");
        let pdf = Pdf::open(&with.join(format!("llmaas-{lang}.pdf")));
        let cat = pdf.catalog();
        let xmp = String::from_utf8(pdf.stream_bytes(cat.get(b"Metadata").expect("XMP"))).expect("UTF-8");
        assert!(xmp.contains("pdfaid:part>3<") && xmp.contains("pdfaid:conformance>A<"), "{what}: PDF/A-3a");
        let af = pdf.deref(cat.get(b"AF").expect("/AF")).as_array().expect("array").clone();
        let names =
            pdf.dict(pdf.dict(cat.get(b"Names").expect("/Names")).get(b"EmbeddedFiles").expect("files"));
        let listed = pdf.deref(names.get(b"Names").expect("/Names")).as_array().expect("array");
        let keys: Vec<String> = listed.chunks(2).map(|c| text_string(&c[0])).collect();
        let csv_name = format!("llmaas-{lang}.csv");
        assert_eq!(keys, [csv_name.as_str(), "llmaas.yaml"], "{what}: the name tree, sorted");
        let want = [
            ("llmaas.yaml", "Source", "application/yaml", std::fs::read(&src).expect("matrix")),
            (csv_name.as_str(), "Data", "text/csv", std::fs::read(with.join(&csv_name)).expect("csv")),
        ];
        assert_eq!(af.len(), want.len(), "{what}: two associated files");
        for (spec, (name, rel, mime, bytes)) in af.iter().zip(&want) {
            let spec = pdf.dict(spec);
            assert_eq!(text_string(spec.get(b"UF").expect("/UF")), *name);
            assert_eq!(text_string(spec.get(b"F").expect("/F")), *name);
            assert_eq!(spec.get(b"AFRelationship").and_then(Object::as_name).ok(), Some(rel.as_bytes()));
            let ef = pdf.dict(spec.get(b"EF").expect("/EF")).get(b"F").expect("/EF /F");
            let stream = pdf.dict(ef);
            assert_eq!(
                stream.get(b"Subtype").and_then(Object::as_name).ok(),
                Some(mime.as_bytes()),
                "{what}"
            );
            let params = pdf.dict(stream.get(b"Params").expect("/Params"));
            assert_eq!(text_string(params.get(b"ModDate").expect("/ModDate")), "D:20261123000000Z");
            assert_eq!(params.get(b"Size").and_then(Object::as_i64).ok(), Some(bytes.len() as i64));
            assert!(pdf.stream_bytes(ef) == *bytes, "{what}: {name} is not embedded byte for byte");
        }
    }
    let without = support::generate("attach-not", "pdf", &[&src], &["--lang", "de"]);
    let pdf = Pdf::open(&without.join("llmaas-de.pdf"));
    assert!(!pdf.catalog().has(b"AF") && !pdf.catalog().has(b"Names"), "nothing attached without the option");
    let xmp =
        String::from_utf8(pdf.stream_bytes(pdf.catalog().get(b"Metadata").expect("XMP"))).expect("UTF-8");
    assert!(xmp.contains("pdfaid:part>2<"), "PDF/A-2a without attachments");
}

// layout.yaml `signatures`: which parties sign, in that order; `[]` for no
// acceptance block; a party the matrix does not declare is an error
// naming it (exit 1, nothing written) rather than a box silently missing.
#[test]
fn layout_signatures_choose_who_signs() {
    use lopdf::Object;
    let dir = scratch("signatures");
    let src = llmaas();
    let run_with = |name: &str, layout: &str| {
        let tpl = dir.join(name);
        std::fs::create_dir_all(&tpl).expect("mkdir");
        std::fs::write(tpl.join("layout.yaml"), layout).expect("layout");
        let extra = ["-q", "--format", "pdf", "--lang", "en", "--templates", support::s(&tpl)];
        let (run_dir, o) = support::run_generate(&format!("signatures-{name}"), &[&src], &extra);
        (o, run_dir.join("out"))
    };
    let fields = |out: &Path| -> Vec<String> {
        let pdf = Pdf::open(&out.join("llmaas-en.pdf"));
        tagged::check_tagged(&pdf, "en", RUNNING, "signatures");
        let Ok(form) = pdf.catalog().get(b"AcroForm") else { return Vec::new() };
        let list =
            pdf.deref(pdf.dict(form).get(b"Fields").expect("/Fields")).as_array().expect("array").clone();
        list.iter().map(|f| text_string(pdf.dict(f).get(b"T").expect("/T"))).collect()
    };
    let (o, out) = run_with("provider-only", "signatures: [provider]\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fields(&out), ["signature-provider"]);
    let (o, out) = run_with("nobody", "signatures: []\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fields(&out).is_empty(), "signatures: [] writes no field");
    let pdf = Pdf::open(&out.join("llmaas-en.pdf"));
    let s = Strings::load("en");
    assert!(!pdf.text().contains(&s.acceptance.heading), "signatures: [] writes no acceptance block");
    assert!(
        pdf.doc
            .objects
            .values()
            .all(|o| !matches!(o.as_dict().map(|d| d.get(b"FT")), Ok(Ok(Object::Name(_)))))
    );
    let (o, out) = run_with("ghost", "signatures: [customer, ghost]\n");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("layout.yaml") && err.contains("'ghost'") && err.contains("customer, provider"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}
