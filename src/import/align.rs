//! From pages to one [`Draft`]: the source page gives the structure and every
//! role code; each translation is aligned with it by position (sections,
//! tables, rows) and gives its texts, or falls back to the source's with a
//! `structure-mismatch` warning where its structure differs. Every role cell
//! of a translation that disagrees with the source is a [`Drift`].

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;

use super::cells::{self, CellValue};
use super::draft::{
    Draft, DraftActivity, DraftParty, DraftPhase, DraftRole, DraftRules, DraftSection, Texts,
};
use super::ids::{self, Earlier, Unique};
use super::page::{Page, PageSection, PageTable};
use crate::diag::{Code, Diagnostic};
use crate::fonts;
use crate::load::validate::{MAX_PARTIES, normalise_text};
use crate::model::{Date, Lang};

/// The standard legend, per language (`templates/legend.yaml`).
const STANDARD_LEGEND: &str = include_str!("../../templates/legend.yaml");

/// One page with its language.
pub(crate) struct PageIn {
    /// The page's language.
    pub lang: Lang,
    /// The page as read.
    pub page: Page,
}

/// What the command line fixes, already checked.
pub(crate) struct Settings {
    /// Matrix id.
    pub id: String,
    /// `--version`.
    pub version: Option<String>,
    /// `--date`.
    pub date: Option<Date>,
    /// Index of the source page.
    pub source: usize,
}

/// A translated role cell that disagrees with the source page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    /// The translation's language.
    pub language: String,
    /// Activity id.
    pub activity: String,
    /// Party id.
    pub party: String,
    /// The translated cell: its codes normalised, or its text as written.
    pub page_cell: String,
    /// The source page's cell, likewise.
    pub source_cell: String,
    /// Index of the translated page.
    pub page: usize,
    /// 1-based line of the row in the translated page.
    pub line: u32,
}

/// The draft, the drift, and the warnings per page (plus one list for the run).
pub(crate) struct Assembled {
    /// The matrix.
    pub draft: Draft,
    /// Every drift cell, by page then by row.
    pub drift: Vec<Drift>,
    /// Warnings per page, in page order.
    pub warnings: Vec<Vec<Diagnostic>>,
    /// Warnings about the run (no date, `--ids-from`).
    pub general: Vec<Diagnostic>,
}

/// An error that stops the import: on a page (index, line) or of the run.
#[derive(Debug)]
pub(crate) struct AssembleError {
    /// Page index, when it is about a page.
    pub page: Option<usize>,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

/// How a text is printed, which decides how it is cleaned (as the loader
/// checks it: `matrix-format.md`, normalisation).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Title or name: one line, in the bold face too.
    Heading,
    /// Activity text or description: one line.
    Line,
    /// Intro or note: paragraphs.
    Paragraphs,
}

/// A translation's text for one field.
enum Given {
    /// The page's text, with its line.
    Text(String, Option<u32>),
    /// The page has none here: fall back, with a `missing-translation` warning.
    Missing(Option<u32>),
    /// Fall back silently (a `structure-mismatch` warning already said why).
    Fallback,
}

fn at(line: Option<u32>) -> Option<(u64, u64)> {
    line.map(|l| (u64::from(l), 1))
}

struct Ctx<'a> {
    pages: &'a [PageIn],
    src: usize,
    warnings: Vec<Vec<Diagnostic>>,
    general: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn warn(&mut self, page: usize, d: Diagnostic) {
        self.warnings[page].push(d);
    }

    fn lang(&self, page: usize) -> &Lang {
        &self.pages[page].lang
    }

    /// Cleans one text so that the loader accepts it: no tabs or control
    /// characters, normalised as the loader normalises, paragraphs folded for
    /// one-line fields, characters the PDF fonts lack dropped (with a
    /// warning). Empty when nothing is left.
    fn clean(&mut self, page: usize, line: Option<u32>, what: &str, text: &str, kind: Kind) -> String {
        let spaced: String =
            text.chars().map(|c| if c != '\n' && c.is_control() { ' ' } else { c }).collect();
        let mut t = normalise_text(&spaced);
        if kind != Kind::Paragraphs && t.contains('\n') {
            t = t.replace("\n\n", " ");
        }
        let bold = kind == Kind::Heading;
        let drawable =
            |c: char| c == '\n' || fonts::regular().covers(c) && (!bold || fonts::bold().covers(c));
        let nfc: String = t.nfc().collect();
        if nfc.chars().all(drawable) {
            return t;
        }
        let dropped: Vec<String> = {
            let mut v: Vec<char> = nfc.chars().filter(|&c| !drawable(c)).collect();
            v.sort_unstable();
            v.dedup();
            v.into_iter().map(|c| format!("U+{:04X}", c as u32)).collect()
        };
        let kept: String = nfc.chars().filter(|&c| drawable(c)).collect();
        self.warn(
            page,
            Diagnostic::warning(
                Code::DroppedCharacter,
                at(line),
                format!("{what} contains characters the PDF fonts cannot draw ({}); they are left out", dropped.join(", ")),
            )
            .help("replace them in the page with characters the fonts have (Latin, Greek, Cyrillic, common punctuation), or edit the matrix file"),
        );
        let mut t = normalise_text(&kept);
        if kind != Kind::Paragraphs {
            t = t.replace("\n\n", " ");
        }
        t
    }

    /// A localized text: the source's (which must not be empty) and each
    /// translation's, or the source's where a translation has none.
    fn texts(
        &mut self,
        what: &str,
        kind: Kind,
        source: (&str, Option<u32>),
        given: Vec<Given>,
    ) -> Result<Texts, AssembleError> {
        let src_text = self.clean(self.src, source.1, what, source.0, kind);
        if src_text.is_empty() {
            return Err(AssembleError {
                page: Some(self.src),
                line: source.1,
                message: format!("{what} is empty in the source page"),
                help: "write the text in the source page (or pick another page with --source-language)"
                    .into(),
            });
        }
        let mut out = Vec::with_capacity(self.pages.len());
        for (i, g) in given.into_iter().enumerate() {
            if i == self.src {
                out.push(src_text.clone());
                continue;
            }
            let value = match g {
                Given::Text(t, line) => {
                    let c = self.clean(i, line, what, &t, kind);
                    if c.is_empty() {
                        self.missing(i, line, what);
                        src_text.clone()
                    } else {
                        c
                    }
                }
                Given::Missing(line) => {
                    self.missing(i, line, what);
                    src_text.clone()
                }
                Given::Fallback => src_text.clone(),
            };
            out.push(value);
        }
        Ok(out)
    }

    fn missing(&mut self, page: usize, line: Option<u32>, what: &str) {
        let src = self.lang(self.src).clone();
        self.warn(
            page,
            Diagnostic::warning(
                Code::Untranslated,
                at(line),
                format!("{what} has no text on this page; the source page's ({src}) text is used"),
            )
            .help("translate the text on this page, or in the matrix file after the import"),
        );
    }

    /// `Given` for every page from a per-page lookup (`None`: missing).
    fn given(&self, mut f: impl FnMut(usize) -> Option<Given>) -> Vec<Given> {
        (0..self.pages.len())
            .map(|i| if i == self.src { Given::Fallback } else { f(i).unwrap_or(Given::Missing(None)) })
            .collect()
    }
}

/// Builds the draft.
pub(crate) fn assemble(
    pages: &[PageIn],
    settings: &Settings,
    mut earlier: Option<Earlier>,
) -> Result<Assembled, AssembleError> {
    let src = settings.source;
    let mut cx = Ctx { pages, src, warnings: vec![Vec::new(); pages.len()], general: Vec::new() };
    let sp = &pages[src].page;
    let src_lang = pages[src].lang.clone();
    for (i, p) in pages.iter().enumerate() {
        for d in &p.page.warnings {
            cx.warnings[i].push(d.clone());
        }
        if let Some(l) = &p.page.front.language
            && l != p.lang.as_str()
        {
            cx.warn(
                i,
                Diagnostic::warning(
                    Code::FrontMatter,
                    None,
                    format!(
                        "the front matter says `raci_language: {l}`, but the page was given as {}",
                        p.lang
                    ),
                )
                .help("check the LANG of --page LANG=FILE"),
            );
        }
    }
    if let Some(l) = &sp.front.source_language
        && l != src_lang.as_str()
    {
        cx.general.push(
            Diagnostic::warning(
                Code::SourcePage,
                None,
                format!("the pages say the matrix's source language is '{l}', but '{src_lang}' is used"),
            )
            .help(format!("pass --source-language {l} (or give that page first) to keep it")),
        );
    }

    // Legend.
    let standard = standard_legend();
    let (codes, legend_texts) = legend(&mut cx, &standard)?;
    // Parties, per source table.
    let (parties, col_maps) = parties(&mut cx)?;
    if parties.len() > MAX_PARTIES {
        return Err(AssembleError {
            page: Some(src),
            line: sp.sections.iter().flat_map(|s| &s.tables).next().map(|t| t.line),
            message: format!(
                "the role tables have {} party columns; a matrix has at most {MAX_PARTIES}",
                parties.len()
            ),
            help: "merge or remove party columns in the source page".into(),
        });
    }
    // Translations: which section of each is paired with each source section.
    let pairing: Vec<Vec<Option<usize>>> = (0..pages.len())
        .map(|i| {
            if i == src {
                (0..sp.sections.len()).map(Some).collect()
            } else {
                align_sections(&sp.sections, &pages[i].page.sections)
            }
        })
        .collect();
    for (i, pair) in pairing.iter().enumerate() {
        if i == src {
            continue;
        }
        report_unpaired(&mut cx, i, pair);
    }

    // Matrix texts.
    let title = {
        let given = cx.given(|i| pages[i].page.title.clone().map(|t| Given::Text(t, None)));
        cx.texts("the title", Kind::Heading, (sp.title.as_deref().unwrap_or(""), None), given)?
    };
    let intro = match &sp.intro {
        Some(t) => {
            let given = cx.given(|i| pages[i].page.intro.clone().map(|t| Given::Text(t, None)));
            Some(cx.texts("the intro", Kind::Paragraphs, (t, None), given)?)
        }
        None => {
            for i in (0..pages.len()).filter(|&i| i != src && pages[i].page.intro.is_some()) {
                cx.warn(i, mismatch(None, "the page has an intro (text before the first section) that the source page lacks; it is left out"));
            }
            None
        }
    };
    let notes = notes_of(&mut cx, "closing note", &sp.notes, |i| Some(&pages[i].page.notes), None)?;

    // Party names, from each page's first table with the party.
    let mut draft_parties = Vec::new();
    for (p, name) in parties.iter().enumerate() {
        let given = cx.given(|i| {
            party_header(pages, &pairing, &col_maps, src, i, p)
                .map(|h| Given::Text(cells::party_name(&h), None))
        });
        let texts =
            cx.texts(&format!("the name of party column {}", p + 1), Kind::Heading, (name, None), given)?;
        draft_parties.push(DraftParty { id: String::new(), name: texts });
    }
    assign_party_ids(&mut draft_parties, sp, &mut earlier, src);

    // Sections.
    let mut phases: Vec<DraftPhase> = Vec::new();
    let mut drift = Vec::new();
    let mut section_ids = Unique::default();
    let fm_sections = front_sections(sp);
    let mut row_refs: Vec<RowRef> = Vec::new();
    for (k, s) in sp.sections.iter().enumerate() {
        let what = format!("the heading '{}'", s.title);
        let given = cx.given(|i| {
            pairing[i][k]
                .map(|j| {
                    let t = &pages[i].page.sections[j];
                    Given::Text(t.title.clone(), Some(t.line))
                })
                .or(Some(Given::Fallback))
        });
        let title = cx.texts(&what, Kind::Heading, (&s.title, Some(s.line)), given)?;
        let intro = match &s.intro {
            Some(t) => {
                let given = cx.given(|i| {
                    Some(match pairing[i][k] {
                        Some(j) => {
                            let ts = &pages[i].page.sections[j];
                            ts.intro
                                .clone()
                                .map_or(Given::Missing(Some(ts.line)), |t| Given::Text(t, Some(ts.line)))
                        }
                        None => Given::Fallback,
                    })
                });
                Some(cx.texts(
                    &format!("the intro of '{}'", s.title),
                    Kind::Paragraphs,
                    (t, Some(s.line)),
                    given,
                )?)
            }
            None => {
                for i in (0..pages.len()).filter(|&i| i != src) {
                    if let Some(j) = pairing[i][k]
                        && pages[i].page.sections[j].intro.is_some()
                    {
                        let line = pages[i].page.sections[j].line;
                        cx.warn(i, mismatch(Some(line), format!("the section '{}' has an intro that the source page's section lacks; it is left out", pages[i].page.sections[j].title)));
                    }
                }
                None
            }
        };
        let notes = notes_of(
            &mut cx,
            &format!("note of '{}'", s.title),
            &s.notes,
            |i| pairing[i][k].map(|j| &pages[i].page.sections[j].notes),
            Some(k),
        )?;
        // Rows.
        let row_pairing = pair_rows(&mut cx, &pairing, k);
        let mut activities = Vec::new();
        let src_rows: Vec<_> = s.rows().collect();
        let mut t_of_row = Vec::new();
        for (t, table) in s.tables.iter().enumerate() {
            t_of_row.extend(std::iter::repeat_n(t, table.rows.len()));
        }
        for (r, row) in src_rows.iter().enumerate() {
            let t = t_of_row[r];
            let map = &col_maps[k][t];
            let text_given = cx.given(|i| {
                Some(match &row_pairing[i] {
                    Some(rows) => {
                        let tr = rows[r];
                        if tr.text.is_empty() {
                            Given::Missing(Some(tr.line))
                        } else {
                            Given::Text(tr.text.clone(), Some(tr.line))
                        }
                    }
                    None => Given::Fallback,
                })
            });
            let text = cx.texts("an activity's text", Kind::Line, (&row.text, Some(row.line)), text_given)?;
            let note = match &row.note {
                Some(n) => {
                    let given = cx.given(|i| {
                        Some(match &row_pairing[i] {
                            Some(rows) => {
                                rows[r].note.clone().map_or(Given::Missing(Some(rows[r].line)), |n| {
                                    Given::Text(n, Some(rows[r].line))
                                })
                            }
                            None => Given::Fallback,
                        })
                    });
                    Some(cx.texts("an activity's note", Kind::Paragraphs, (n, Some(row.line)), given)?)
                }
                None => {
                    for i in (0..pages.len()).filter(|&i| i != src) {
                        if let Some(rows) = &row_pairing[i]
                            && rows[r].note.is_some()
                        {
                            cx.warn(
                                i,
                                mismatch(
                                    Some(rows[r].line),
                                    "this row has a note that the source page's row lacks; it is left out",
                                ),
                            );
                        }
                    }
                    None
                }
            };
            // Role codes from the source page.
            let mut roles = vec![String::new(); parties.len()];
            let mut source_cells = vec![None; parties.len()];
            for (c, shown) in row.cells.iter().enumerate() {
                let Some(&p) = map.get(c) else { continue };
                let cell = cells::read_cell(shown, &codes);
                match &cell.value {
                    CellValue::Codes(x) => roles[p] = x.clone(),
                    CellValue::Text(x) => cx.warn(src, Diagnostic::warning(Code::RoleCell, at(Some(row.line)), format!("the role cell '{x}' (column {}) holds no role codes; the party gets no role here", c + 2)).help(format!("write role letters of the legend ({}) in the source page", codes.iter().collect::<String>()))),
                }
                source_cells[p] = Some(cell.value);
            }
            row_refs.push(RowRef { section: k, row: r, page_id: row.id.clone(), line: row.line });
            activities.push((
                DraftActivity { id: String::new(), text, roles, note, rules: None },
                source_cells,
                r,
            ));
        }
        // Drift per translated row.
        let src_section_id = section_ids.take(&section_id(k, s, &fm_sections, &mut earlier, &section_ids));
        let draft_activities: Vec<DraftActivity> = activities.iter().map(|(a, _, _)| a.clone()).collect();
        let section = DraftSection { id: src_section_id, title, intro, activities: draft_activities, notes };
        let cells_for_drift: Vec<(Vec<Option<CellValue>>, usize)> =
            activities.into_iter().map(|(_, c, r)| (c, r)).collect();
        for (i, rows) in row_pairing.iter().enumerate() {
            let Some(rows) = rows else { continue };
            for (src_cells, r) in &cells_for_drift {
                let tr = rows[*r];
                let t = t_of_row[*r];
                let map = &col_maps[k][t];
                for (c, shown) in tr.cells.iter().enumerate() {
                    let Some(&p) = map.get(c) else { continue };
                    let page_cell = cells::read_cell(shown, &codes).value;
                    let source_cell = src_cells[p].clone().unwrap_or(CellValue::Codes(String::new()));
                    if page_cell != source_cell {
                        drift.push(PendingDrift {
                            page: i,
                            section: k,
                            row: *r,
                            party: p,
                            page_cell,
                            source_cell,
                            line: tr.line,
                        });
                    }
                }
            }
        }
        if s.sub {
            match phases.last_mut() {
                Some(ph) => ph.subphases.push(section),
                None => phases.push(DraftPhase { section, subphases: Vec::new() }),
            }
        } else {
            phases.push(DraftPhase { section, subphases: Vec::new() });
        }
    }

    // A section without a row cannot be in a matrix: it is left out.
    let mut dropped = Vec::new();
    for ph in &mut phases {
        ph.subphases.retain(|s| {
            let keep = !s.activities.is_empty();
            if !keep {
                dropped.push(s.title[src].clone());
            }
            keep
        });
    }
    phases.retain(|ph| {
        let keep = !ph.section.activities.is_empty() || !ph.subphases.is_empty();
        if !keep {
            dropped.push(ph.section.title[src].clone());
        }
        keep
    });
    for title in dropped {
        let line = sp.sections.iter().find(|s| s.title == title).map(|s| s.line);
        cx.warn(
            src,
            Diagnostic::warning(
                Code::EmptyTable,
                at(line),
                format!(
                    "the section '{title}' has no activity rows; it is left out of the matrix, with its texts"
                ),
            )
            .help("add rows to its table, or remove the section from the page"),
        );
    }
    if phases.is_empty() {
        return Err(AssembleError {
            page: Some(src),
            line: None,
            message: "the role tables of the page have no rows".into(),
            help: "add the activities to the tables, one row each".into(),
        });
    }

    // Activity ids, then drift with them.
    let ids = activity_ids(&mut cx, &settings.id, &phases, &row_refs, &mut earlier);
    let mut by_place: BTreeMap<(usize, usize), String> = BTreeMap::new();
    for (rr, id) in row_refs.iter().zip(&ids) {
        by_place.insert((rr.section, rr.row), id.clone());
    }
    let mut n = 0;
    for ph in &mut phases {
        for a in ph
            .section
            .activities
            .iter_mut()
            .chain(ph.subphases.iter_mut().flat_map(|s| s.activities.iter_mut()))
        {
            a.id = ids[n].clone();
            n += 1;
        }
    }
    let mut drift: Vec<Drift> = {
        let mut pending = drift;
        pending.sort_by_key(|d| (d.page, d.section, d.row, d.party));
        pending
            .into_iter()
            .map(|d| Drift {
                language: pages[d.page].lang.to_string(),
                activity: by_place.get(&(d.section, d.row)).cloned().unwrap_or_default(),
                party: draft_parties[d.party].id.clone(),
                page_cell: cell_text(&d.page_cell),
                source_cell: cell_text(&d.source_cell),
                page: d.page,
                line: d.line,
            })
            .collect()
    };
    drift.dedup();

    // Rules.
    let mut rules = None;
    let mut acc = 'A';
    let mut resp = 'R';
    if !codes.contains(&'A') || !codes.contains(&'R') {
        let mut r = DraftRules::default();
        if !codes.contains(&'A') {
            acc = codes[0];
            r.accountable = Some("any");
            r.accountable_role = Some(acc);
        }
        if !codes.contains(&'R') {
            resp = codes[0];
            r.responsible = Some("any");
            r.responsible_role = Some(resp);
        }
        cx.warn(src, Diagnostic::warning(Code::RulesOverride, None, "the legend lacks A or R; the matrix rules do not count them (`rules:` at the top of the file)").help("check the `rules:` block of the matrix file"));
        rules = Some(r);
    }
    let top_any_acc = rules.as_ref().is_some_and(|r| r.accountable.is_some());
    let top_any_resp = rules.as_ref().is_some_and(|r| r.responsible.is_some());
    for ph in &mut phases {
        let line_of = |id: &str| -> Option<u32> {
            row_refs.iter().zip(&ids).find(|(_, i)| i.as_str() == id).map(|(r, _)| r.line)
        };
        let mut overrides = Vec::new();
        for a in ph
            .section
            .activities
            .iter_mut()
            .chain(ph.subphases.iter_mut().flat_map(|s| s.activities.iter_mut()))
        {
            let holders = |c: char| a.roles.iter().filter(|r| r.contains(c)).count();
            let mut r = DraftRules::default();
            let mut why = Vec::new();
            if !top_any_acc {
                match holders(acc) {
                    0 => {
                        r.accountable = Some("at-most-one");
                        why.push(format!("no party holds '{acc}'"));
                    }
                    1 => {}
                    n => {
                        r.accountable = Some("any");
                        why.push(format!("{n} parties hold '{acc}'"));
                    }
                }
            }
            if !top_any_resp && holders(resp) == 0 {
                r.responsible = Some("any");
                why.push(format!("no party holds '{resp}'"));
            }
            if !why.is_empty() {
                overrides.push((a.id.clone(), why.join(" and ")));
                a.rules = Some(r);
            }
        }
        for (id, why) in overrides {
            let line = line_of(&id);
            cx.warn(src, Diagnostic::warning(Code::RulesOverride, at(line), format!("{why}; the activity gets a `rules:` override so that the matrix is valid")).subject(format!("activity {id}")).help("check the row: if the pages are wrong, correct the role codes in the matrix file and remove the override"));
        }
    }

    // Roles of the legend.
    let mut roles = Vec::new();
    for (ci, code) in codes.iter().enumerate() {
        let (name_src, desc_src, line) = legend_texts[src][ci].clone().ok_or_else(|| AssembleError {
            page: Some(src),
            line: None,
            message: format!("the legend has no text for role {code}"),
            help: "complete the legend table of the source page".into(),
        })?;
        let given_name = cx.given(|i| {
            legend_texts[i][ci].clone().map(|(n, _, l)| Given::Text(n, l)).or(Some(Given::Fallback))
        });
        let name =
            cx.texts(&format!("the name of role {code}"), Kind::Heading, (&name_src, line), given_name)?;
        let given_desc = cx.given(|i| {
            legend_texts[i][ci].clone().map(|(_, d, l)| Given::Text(d, l)).or(Some(Given::Fallback))
        });
        let description =
            cx.texts(&format!("the description of role {code}"), Kind::Line, (&desc_src, line), given_desc)?;
        roles.push(DraftRole { code: *code, name, description });
    }

    // Version and date.
    let version =
        settings.version.clone().or_else(|| sp.front.version.clone()).unwrap_or_else(|| "1.0".into());
    let date = match settings.date {
        Some(d) => d,
        None => match pages.iter().filter_map(|p| p.page.front.date).max() {
            Some(d) => d,
            None => {
                cx.general.push(Diagnostic::warning(Code::NoDate, None, "no page gives a date in its front matter (`date:` or `last_update:`); the matrix date is 1970-01-01").help("give the matrix date with --date YYYY-MM-DD"));
                Date { year: 1970, month: 1, day: 1 }
            }
        },
    };

    let draft = Draft {
        id: settings.id.clone(),
        version,
        date,
        source_language: src_lang,
        languages: pages.iter().map(|p| p.lang.clone()).collect(),
        title,
        intro,
        notes,
        roles,
        rules,
        parties: draft_parties,
        phases,
        imported_from: Vec::new(),
    };
    Ok(Assembled { draft, drift, warnings: cx.warnings, general: cx.general })
}

struct PendingDrift {
    page: usize,
    section: usize,
    row: usize,
    party: usize,
    page_cell: CellValue,
    source_cell: CellValue,
    line: u32,
}

/// Where an activity came from in the source page.
struct RowRef {
    section: usize,
    row: usize,
    page_id: Option<String>,
    line: u32,
}

fn cell_text(c: &CellValue) -> String {
    match c {
        CellValue::Codes(s) | CellValue::Text(s) => s.clone(),
    }
}

fn mismatch(line: Option<u32>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(Code::StructureMismatch, at(line), message).help(
        "make the page's sections, tables and rows match the source page's, or fix the texts in the matrix file after the import",
    )
}

type LegendTexts = Vec<Vec<Option<(String, String, Option<u32>)>>>;

/// The legend codes (from the source page, else R, A, C, I) and, per page
/// and code, the name and description.
fn legend(
    cx: &mut Ctx<'_>,
    standard: &BTreeMap<String, BTreeMap<char, (String, String)>>,
) -> Result<(Vec<char>, LegendTexts), AssembleError> {
    let src = cx.src;
    let sp = &cx.pages[src].page;
    let codes: Vec<char> = match &sp.legend {
        Some(rows) => {
            let mut v: Vec<char> = Vec::new();
            for r in rows {
                if v.contains(&r.code) {
                    cx.warn(
                        src,
                        Diagnostic::warning(
                            Code::LegendRow,
                            at(Some(r.line)),
                            format!("role {} is in the legend twice; the first row is used", r.code),
                        )
                        .help("remove the repeated legend row"),
                    );
                } else {
                    v.push(r.code);
                }
            }
            v
        }
        None => vec!['R', 'A', 'C', 'I'],
    };
    let mut texts: LegendTexts = Vec::new();
    for i in 0..cx.pages.len() {
        let p = &cx.pages[i].page;
        let lang = cx.pages[i].lang.clone();
        let mut row: Vec<Option<(String, String, Option<u32>)>> = Vec::new();
        match &p.legend {
            Some(rows) => {
                for c in &codes {
                    let found = rows
                        .iter()
                        .find(|r| r.code == *c)
                        .map(|r| (r.name.clone(), r.description.clone(), Some(r.line)));
                    if found.is_none() && i != src {
                        cx.warn(
                            i,
                            mismatch(
                                None,
                                format!("the legend has no row for role {c}; the source page's text is used"),
                            ),
                        );
                    }
                    row.push(found);
                }
            }
            None => {
                let std = standard.get(lang.as_str());
                let fallback = if std.is_some() { None } else { standard.get("en") };
                cx.warn(
                    i,
                    Diagnostic::warning(
                        Code::NoLegend,
                        None,
                        match (std, i == src) {
                            (Some(_), _) => format!("the page has no legend table; the standard R, A, C, I legend in '{lang}' is used"),
                            (None, true) => format!("the page has no legend table, and there is no standard legend in '{lang}'; the English one is used"),
                            (None, false) => format!("the page has no legend table, and there is no standard legend in '{lang}'; the source page's is used"),
                        },
                    )
                    .help("add a legend table (`| (R) Name | description |` rows) to the page, or edit the roles in the matrix file"),
                );
                for c in &codes {
                    let from = std.or(if i == src { fallback } else { None });
                    row.push(from.and_then(|m| m.get(c)).map(|(n, d)| (n.clone(), d.clone(), None)));
                }
            }
        }
        texts.push(row);
    }
    Ok((codes, texts))
}

fn standard_legend() -> BTreeMap<String, BTreeMap<char, (String, String)>> {
    #[derive(serde::Deserialize)]
    struct Entry {
        name: String,
        description: String,
    }
    let raw: BTreeMap<String, BTreeMap<String, Entry>> =
        crate::load::parse(STANDARD_LEGEND).unwrap_or_default();
    raw.into_iter()
        .map(|(lang, m)| {
            let m = m
                .into_iter()
                .filter_map(|(k, e)| Some((k.chars().next()?, (e.name, e.description))))
                .collect();
            (lang, m)
        })
        .collect()
}

/// The parties (their source-page names) and, per source section and table,
/// which party each column is.
#[allow(clippy::type_complexity, reason = "a list per section of a list per table")]
fn parties(cx: &mut Ctx<'_>) -> Result<(Vec<String>, Vec<Vec<Vec<usize>>>), AssembleError> {
    let sp = &cx.pages[cx.src].page;
    let tables: Vec<&PageTable> = sp.sections.iter().flat_map(|s| &s.tables).collect();
    let counts: Vec<usize> = tables.iter().map(|t| t.headers.len()).collect();
    let positional = counts.windows(2).all(|w| w[0] == w[1]);
    let mut names: Vec<String> = Vec::new();
    let mut maps = Vec::new();
    if positional {
        let first = tables.first().map(|t| t.headers.clone()).unwrap_or_default();
        for (c, h) in first.iter().enumerate() {
            let n = cells::party_name(h);
            if n.is_empty() {
                return Err(AssembleError {
                    page: Some(cx.src),
                    line: tables.first().map(|t| t.line),
                    message: format!("party column {} of the role table has no header", c + 1),
                    help: "write the party's name in the header row".into(),
                });
            }
            names.push(n);
        }
        for s in &sp.sections {
            maps.push(s.tables.iter().map(|t| (0..t.headers.len()).collect()).collect());
        }
    } else {
        let mut keys: Vec<String> = Vec::new();
        for s in &sp.sections {
            let mut per = Vec::new();
            for t in &s.tables {
                let mut m = Vec::new();
                for h in &t.headers {
                    let n = cells::party_name(h);
                    let k = n.to_lowercase();
                    let p = match keys.iter().position(|x| *x == k) {
                        Some(p) => p,
                        None => {
                            if n.is_empty() {
                                return Err(AssembleError {
                                    page: Some(cx.src),
                                    line: Some(t.line),
                                    message: "a party column of this role table has no header".into(),
                                    help: "write the party's name in the header row".into(),
                                });
                            }
                            keys.push(k);
                            names.push(n);
                            keys.len() - 1
                        }
                    };
                    m.push(p);
                }
                per.push(m);
            }
            maps.push(per);
        }
        cx.warn(cx.src, Diagnostic::warning(Code::PartyColumns, None, format!("the role tables do not all have the same columns; the parties are told apart by their headers ({})", names.join(", "))).help("check that each party has one header, spelt the same in every table"));
    }
    if names.is_empty() {
        return Err(AssembleError {
            page: Some(cx.src),
            line: tables.first().map(|t| t.line),
            message: "the role tables have no party column (only the activity column)".into(),
            help: "add one column per party, headed with the party's name".into(),
        });
    }
    Ok((names, maps))
}

/// The header of party `p` on page `i`: from the first source table with
/// the party whose paired table on page `i` has the same columns.
fn party_header(
    pages: &[PageIn],
    pairing: &[Vec<Option<usize>>],
    maps: &[Vec<Vec<usize>>],
    src: usize,
    i: usize,
    p: usize,
) -> Option<String> {
    let sp = &pages[src].page;
    for (k, s) in sp.sections.iter().enumerate() {
        for (t, table) in s.tables.iter().enumerate() {
            let Some(c) = maps[k][t].iter().position(|&x| x == p) else { continue };
            let Some(j) = pairing[i][k] else { continue };
            let Some(tt) = pages[i].page.sections[j].tables.get(t) else { continue };
            if tt.headers.len() == table.headers.len() {
                return tt.headers.get(c).cloned().filter(|h| !h.trim().is_empty());
            }
        }
    }
    None
}

/// Party ids: the front matter's `raci_parties` (a page that `--format md`
/// wrote), else the earlier matrix's id for the same source-language name,
/// else `customer` for the client column and `provider` for the provider
/// column (the first other one), else a slug of the name.
fn assign_party_ids(parties: &mut [DraftParty], sp: &Page, earlier: &mut Option<Earlier>, src: usize) {
    let fm = &sp.front.parties;
    let fm_ok = fm.len() == parties.len()
        && fm.iter().all(|id| ids::is_party_id(id))
        && fm.iter().collect::<std::collections::BTreeSet<_>>().len() == fm.len();
    if fm_ok {
        for (p, id) in parties.iter_mut().zip(fm) {
            p.id = id.clone();
        }
        return;
    }
    let mut used = Unique::default();
    for p in parties.iter_mut() {
        if let Some(e) = earlier.as_mut()
            && let Some(id) = e.party(&p.name[src])
            && !used.taken(&id)
        {
            used.reserve(&id);
            p.id = id;
        }
    }
    for p in parties.iter_mut().filter(|p| p.id.is_empty()) {
        if let Some(std) = cells::standard_party(&p.name[src])
            && !used.taken(std)
        {
            used.reserve(std);
            p.id = std.to_owned();
        }
    }
    if !used.taken("provider")
        && let Some(p) = parties.iter_mut().find(|p| p.id.is_empty())
    {
        used.reserve("provider");
        p.id = "provider".into();
    }
    for (n, p) in parties.iter_mut().enumerate() {
        if p.id.is_empty() {
            let s = ids::slug(&p.name[src]).replace('-', "_");
            let s = if s.is_empty() || !ids::is_party_id(&s) { format!("party_{}", n + 1) } else { s };
            p.id = used.take(&s);
        }
    }
}

fn front_sections(sp: &Page) -> Option<Vec<String>> {
    let fm = &sp.front.sections;
    let ok = fm.len() == sp.sections.len()
        && fm.iter().all(|id| ids::is_section_id(id))
        && fm.iter().collect::<std::collections::BTreeSet<_>>().len() == fm.len();
    ok.then(|| fm.clone())
}

fn section_id(
    k: usize,
    s: &PageSection,
    fm: &Option<Vec<String>>,
    earlier: &mut Option<Earlier>,
    used: &Unique,
) -> String {
    if let Some(fm) = fm {
        return fm[k].clone();
    }
    if let Some(e) = earlier.as_mut()
        && let Some(id) = e.section(s.sub, &s.title)
        && !used.taken(&id)
    {
        return id;
    }
    let slug = ids::slug(&s.title);
    if slug.is_empty() { if s.sub { "subphase".into() } else { "phase".into() } } else { slug }
}

/// Activity ids in print order: the page's `ID` column, else the earlier
/// matrix's id for the same source text, else `<ID>-Pnn-mm` (the first one
/// no activity of the page or of the earlier file uses).
fn activity_ids(
    cx: &mut Ctx<'_>,
    matrix: &str,
    phases: &[DraftPhase],
    rows: &[RowRef],
    earlier: &mut Option<Earlier>,
) -> Vec<String> {
    let mut reserved = Unique::default();
    if let Some(e) = earlier.as_ref() {
        for id in &e.all_activity_ids {
            reserved.reserve(id);
        }
    }
    let mut page_id_count: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        if let Some(id) = r.page_id.as_deref().filter(|id| ids::is_activity_id(id)) {
            *page_id_count.entry(id).or_default() += 1;
            reserved.reserve(id);
        }
    }
    let mut assigned = Unique::default();
    let mut out = Vec::with_capacity(rows.len());
    // Print order: a phase's own rows, then each subphase's: the order of
    // `rows` (page order), which is the same because subphases follow their phase.
    let mut numbering: Vec<(usize, Option<usize>, usize)> = Vec::new();
    for (pi, ph) in phases.iter().enumerate() {
        for (ri, _) in ph.section.activities.iter().enumerate() {
            numbering.push((pi + 1, None, ri + 1));
        }
        for (si, s) in ph.subphases.iter().enumerate() {
            for (ri, _) in s.activities.iter().enumerate() {
                numbering.push((pi + 1, Some(si + 1), ri + 1));
            }
        }
    }
    let src_texts: Vec<String> = phases
        .iter()
        .flat_map(|ph| {
            ph.section.activities.iter().chain(ph.subphases.iter().flat_map(|s| s.activities.iter()))
        })
        .map(|a| a.text[cx.src].clone())
        .collect();
    for (n, r) in rows.iter().enumerate() {
        if let Some(id) = r.page_id.as_deref() {
            if !ids::is_activity_id(id) {
                cx.warn(
                    cx.src,
                    Diagnostic::warning(
                        Code::ActivityId,
                        at(Some(r.line)),
                        format!("'{id}' in the ID column is not a valid activity id; a new one is given"),
                    )
                    .help("ids use letters, digits, '.', '_' and '-', starting with a letter or digit"),
                );
            } else if !assigned.taken(id) {
                assigned.reserve(id);
                out.push(id.to_owned());
                continue;
            } else {
                cx.warn(
                    cx.src,
                    Diagnostic::warning(
                        Code::ActivityId,
                        at(Some(r.line)),
                        format!("the ID '{id}' is in the ID column twice; this row gets a new one"),
                    )
                    .help("give every row its own id"),
                );
            }
        }
        if let Some(e) = earlier.as_mut()
            && let Some(id) = e.activity(&src_texts[n])
            && !assigned.taken(&id)
            && !page_id_count.contains_key(id.as_str())
        {
            assigned.reserve(&id);
            out.push(id);
            continue;
        }
        let (p, s, mut m) = numbering[n];
        let id = loop {
            let id = ids::activity_id(matrix, p, s, m);
            if !assigned.taken(&id) && !reserved.taken(&id) {
                break id;
            }
            m += 1;
        };
        assigned.reserve(&id);
        out.push(id);
    }
    out
}

/// Notes of one place: the translation's when it has as many as the
/// source, else the source's with a `structure-mismatch` warning.
fn notes_of<'p>(
    cx: &mut Ctx<'p>,
    what: &str,
    source: &[String],
    page_notes: impl Fn(usize) -> Option<&'p Vec<String>>,
    section: Option<usize>,
) -> Result<Vec<Texts>, AssembleError> {
    let mut per_page: Vec<Option<&Vec<String>>> = Vec::new();
    for i in 0..cx.pages.len() {
        if i == cx.src {
            per_page.push(None);
            continue;
        }
        let n = page_notes(i);
        match n {
            Some(list) if list.len() != source.len() => {
                let place = match section {
                    Some(k) => format!("the section '{}'", cx.pages[cx.src].page.sections[k].title),
                    None => "the page's closing remarks".into(),
                };
                cx.warn(i, mismatch(None, format!("{place}: the page has {} notes, the source page {}; the source page's notes are used", list.len(), source.len())));
                per_page.push(None);
            }
            other => per_page.push(other),
        }
    }
    let mut out = Vec::new();
    for (ni, s) in source.iter().enumerate() {
        let given =
            cx.given(|i| Some(per_page[i].map_or(Given::Fallback, |l| Given::Text(l[ni].clone(), None))));
        out.push(cx.texts(&format!("{what} {}", ni + 1), Kind::Paragraphs, (s, None), given)?);
    }
    Ok(out)
}

type RowPairing<'p> = Vec<Option<Vec<&'p super::page::PageRow>>>;

/// Per page, the translated row paired with each source row of section `k`,
/// or `None` where the tables differ (the texts fall back).
fn pair_rows<'p>(cx: &mut Ctx<'p>, pairing: &[Vec<Option<usize>>], k: usize) -> RowPairing<'p> {
    let pages = cx.pages;
    let s = &pages[cx.src].page.sections[k];
    let mut out = Vec::new();
    for i in 0..pages.len() {
        if i == cx.src {
            out.push(None);
            continue;
        }
        let Some(j) = pairing[i][k] else {
            out.push(None);
            continue;
        };
        let t = &pages[i].page.sections[j];
        let same_tables = t.tables.len() == s.tables.len();
        let differs = if !same_tables {
            Some(format!("it has {} role tables, the source page's {}", t.tables.len(), s.tables.len()))
        } else {
            s.tables.iter().zip(&t.tables).find_map(|(a, b)| {
                if a.rows.len() != b.rows.len() {
                    Some(format!("its table has {} rows, the source page's {}", b.rows.len(), a.rows.len()))
                } else if a.headers.len() != b.headers.len() {
                    Some(format!(
                        "its table has {} party columns, the source page's {}",
                        b.headers.len(),
                        a.headers.len()
                    ))
                } else {
                    None
                }
            })
        };
        match differs {
            Some(why) => {
                cx.warn(i, mismatch(Some(t.line), format!("the section '{}' differs from the source page's '{}': {why}; its activity texts and notes are the source page's, and its role cells are not compared", t.title, s.title)));
                out.push(None);
            }
            None => out.push(Some(t.rows().collect())),
        }
    }
    out
}

/// Pairs each source section with a translated one: by position when the
/// shapes agree, else along the longest common run of sections of the same
/// shape (level and row counts), the gaps between paired by position.
fn align_sections(src: &[PageSection], tr: &[PageSection]) -> Vec<Option<usize>> {
    let n = src.len();
    let m = tr.len();
    if n == m && src.iter().zip(tr).all(|(a, b)| a.sub == b.sub) {
        return (0..n).map(Some).collect();
    }
    let key = |s: &PageSection| (s.sub, s.tables.iter().map(|t| t.rows.len()).collect::<Vec<_>>());
    let mut pair = vec![None; n];
    if n.saturating_mul(m) <= 4_000_000 {
        let sk: Vec<_> = src.iter().map(key).collect();
        let tk: Vec<_> = tr.iter().map(key).collect();
        // LCS table, then walk back.
        let mut dp = vec![0u32; (n + 1) * (m + 1)];
        let idx = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                dp[idx(i, j)] = if sk[i] == tk[j] {
                    dp[idx(i + 1, j + 1)] + 1
                } else {
                    dp[idx(i + 1, j)].max(dp[idx(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if sk[i] == tk[j] {
                pair[i] = Some(j);
                i += 1;
                j += 1;
            } else if dp[idx(i + 1, j)] >= dp[idx(i, j + 1)] {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    // Gaps: between anchors, pair by position where the levels agree.
    let mut anchors: Vec<(usize, usize)> =
        pair.iter().enumerate().filter_map(|(i, p)| p.map(|j| (i, j))).collect();
    anchors.push((n, m));
    let (mut si, mut ti) = (0usize, 0usize);
    for (ai, aj) in anchors {
        let (mut i, mut j) = (si, ti);
        while i < ai && j < aj {
            if src[i].sub == tr[j].sub {
                pair[i] = Some(j);
            }
            i += 1;
            j += 1;
        }
        si = ai + 1;
        ti = aj + 1;
    }
    pair
}

fn report_unpaired(cx: &mut Ctx<'_>, i: usize, pair: &[Option<usize>]) {
    let src_sections = &cx.pages[cx.src].page.sections;
    let tr = &cx.pages[i].page.sections;
    let mut messages = Vec::new();
    for (k, p) in pair.iter().enumerate() {
        if p.is_none() {
            messages.push((None, format!("the page has no section matching the source page's '{}'; its texts are the source page's", src_sections[k].title)));
        }
    }
    for (j, t) in tr.iter().enumerate() {
        if !pair.contains(&Some(j)) {
            messages.push((
                Some(t.line),
                format!("the section '{}' has no match in the source page; it is left out", t.title),
            ));
        }
    }
    for (line, m) in messages {
        cx.warn(i, mismatch(line, m));
    }
}
