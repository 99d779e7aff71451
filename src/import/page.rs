//! One page read as a RACI matrix in one language: front matter, title,
//! intro, legend, phases and subphases with their role tables and notes,
//! closing notes — the page structure of `import.md`, "Reading the pages".
//!
//! The shapes handled: H2 phases with H3 subphases; a page of H3 sections
//! only (they are the phases); one table-less H2 wrapping H3 sections
//! (`## RACI`: dropped); several table-less H2s over H3 tables (phases whose
//! activities are all in subphases); a legend anywhere or none; a column
//! headed `ID` before the activity; role cells with stars (`I*`) and their
//! starred note; GitHub footnotes (`[^1]`) in a row; numbered notes
//! (`*(1) …*`, `1. …`) after a table; a closing remark after a `---` rule
//! or in a table-less last section. What is read is recorded without
//! judging it against the other pages: [`super::align`] does that.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::cells::{self, Marker};
use super::markdown::{self, Block, Inline, Row};
use crate::diag::{Code, Diagnostic};
use crate::model::Date;

/// The keys of a page's front matter that the importer reads. Every other
/// key is ignored. The `raci_*` keys are those `generate --format md` writes
/// (docs/import.md, "The page format").
#[derive(Debug, Default, Deserialize)]
struct RawFront {
    title: Option<Scalar>,
    date: Option<DateField>,
    last_update: Option<DateField>,
    raci_matrix: Option<Scalar>,
    raci_version: Option<Scalar>,
    raci_date: Option<Scalar>,
    raci_language: Option<Scalar>,
    raci_source_language: Option<Scalar>,
    raci_parties: Option<Vec<Scalar>>,
    raci_sections: Option<Vec<Scalar>>,
}

/// A YAML scalar of any kind, read as text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

/// `date: 2026-01-31`, or Docusaurus' `last_update: {date: 2026-01-31, author: …}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DateField {
    Plain(Scalar),
    Map { date: Option<Scalar> },
}

impl DateField {
    fn text(&self) -> Option<String> {
        match self {
            DateField::Plain(s) => Some(s.text()),
            DateField::Map { date } => date.as_ref().map(Scalar::text),
        }
    }
}

/// What the front matter says, for the matrix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Front {
    /// `title`.
    pub title: Option<String>,
    /// The newer of `date` and `last_update` (its `date`), when either is a date.
    pub date: Option<Date>,
    /// `raci_matrix`: the matrix id of a page that `generate --format md` wrote.
    pub matrix: Option<String>,
    /// `raci_version`.
    pub version: Option<String>,
    /// `raci_date`.
    pub raci_date: Option<Date>,
    /// `raci_language`.
    pub language: Option<String>,
    /// `raci_source_language`.
    pub source_language: Option<String>,
    /// `raci_parties`: the party ids, one per role column.
    pub parties: Vec<String>,
    /// `raci_sections`: phase and subphase ids in page order.
    pub sections: Vec<String>,
}

/// A legend row: `(R) Réalise | __R__éalise le processus`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LegendRow {
    /// The role letter.
    pub code: char,
    /// The role's name.
    pub name: String,
    /// What it means.
    pub description: String,
    /// 1-based line.
    pub line: u32,
}

/// One role table row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PageRow {
    /// 1-based line.
    pub line: u32,
    /// The `ID` column's value, if the table has one and it is not empty.
    pub id: Option<String>,
    /// The activity text.
    pub text: String,
    /// The role cells as shown (markup removed), one per party column of its table.
    pub cells: Vec<String>,
    /// The note from a footnote (`[^n]`) in the row or a starred cell's note.
    pub note: Option<String>,
}

/// One role table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PageTable {
    /// 1-based line.
    pub line: u32,
    /// The party column headers as shown (markup removed).
    pub headers: Vec<String>,
    /// The rows.
    pub rows: Vec<PageRow>,
}

/// A phase (`sub == false`) or subphase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PageSection {
    /// Whether this is a subphase of the phase before it.
    pub sub: bool,
    /// The heading.
    pub title: String,
    /// 1-based line of the heading.
    pub line: u32,
    /// Text between the heading and the first table.
    pub intro: Option<String>,
    /// The role tables (usually one; none for a phase whose activities are
    /// all in subphases).
    pub tables: Vec<PageTable>,
    /// Text after the tables, one entry per note.
    pub notes: Vec<String>,
}

impl PageSection {
    /// Every row of every table, in order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = &PageRow> {
        self.tables.iter().flat_map(|t| t.rows.iter())
    }
}

/// A page read as one language of a matrix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Page {
    /// What the front matter says.
    pub front: Front,
    /// The H1, else the front matter's title.
    pub title: Option<String>,
    /// The text before the first section.
    pub intro: Option<String>,
    /// The legend, when the page has one.
    pub legend: Option<Vec<LegendRow>>,
    /// Phases and subphases in page order.
    pub sections: Vec<PageSection>,
    /// Closing remarks.
    pub notes: Vec<String>,
    /// What the reader noticed (all warnings).
    pub warnings: Vec<Diagnostic>,
}

/// Why a page cannot be read as a matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PageError {
    /// 1-based line, when there is a place to point at.
    pub line: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

/// A section of the page between two headings, before it is given a role.
#[derive(Debug)]
struct Raw {
    level: u8,
    title: String,
    line: u32,
    blocks: Vec<Block>,
    /// Index of the enclosing section (smaller level), if any.
    parent: Option<usize>,
    has_table: bool,
}

/// How the reader treats a raw section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Phase,
    Sub,
    /// Its heading becomes a paragraph of the section above.
    Content,
    /// Table-less: text only.
    Text,
    /// The legend's section: only its table is read.
    Legend,
    /// A single table-less H2 over the H3 phases: dropped.
    Wrapper,
}

fn warn(line: u32, message: impl Into<String>, help: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(Code::PageStructure, Some((u64::from(line), 1)), message).help(help)
}

/// Reads one page. `codes` are the role letters to recognise in role cells
/// (the source page's legend, or R, A, C, I): only to find starred cells.
pub(crate) fn read(text: &str) -> Result<Page, PageError> {
    let parsed = markdown::parse(text);
    let mut page = Page::default();
    if let Some((yaml, line)) = &parsed.front_matter {
        page.front = front(yaml, *line, &mut page.warnings);
    }
    let mut blocks = parsed.blocks;
    // Footnote definitions: referenced from a row they are its note; else
    // they stay in place as text.
    let mut footnotes = BTreeMap::new();
    collect_footnotes(&blocks, &mut footnotes);
    let referenced = referenced_labels(&blocks);
    remove_referenced(&mut blocks, &referenced);

    // Title: a first heading of level 1.
    let first_heading = blocks.iter().position(|b| matches!(b, Block::Heading { .. }));
    if let Some(i) = first_heading
        && let Block::Heading { level: 1, text, .. } = &blocks[i]
    {
        page.title = Some(text.plain()).filter(|t| !t.is_empty());
        blocks.remove(i);
    }
    if page.title.is_none() {
        page.title = page.front.title.clone().filter(|t| !t.trim().is_empty()).map(|t| t.trim().to_owned());
    }
    // A page that `--format md` wrote has a version line under the title.
    if let Some(version) = &page.front.version {
        let first = blocks.iter().position(|b| !matches!(b, Block::Html { .. }));
        if let Some(i) = first
            && let Block::Paragraph { text, .. } = &blocks[i]
            && text.plain().contains(version.as_str())
        {
            blocks.remove(i);
        }
    }

    // Split at headings.
    let mut preamble = Vec::new();
    let mut raws: Vec<Raw> = Vec::new();
    for b in blocks {
        match b {
            Block::Heading { level, text, line } => {
                let parent = raws.iter().rposition(|r| r.level < level);
                raws.push(Raw {
                    level,
                    title: text.plain(),
                    line,
                    blocks: Vec::new(),
                    parent,
                    has_table: false,
                });
            }
            other => match raws.last_mut() {
                Some(r) => r.blocks.push(other),
                None => preamble.push(other),
            },
        }
    }

    // The legend: the first table whose rows all read `(X) Name`.
    let mut legend_owner: Option<Option<usize>> = None;
    if let Some(rows) = take_legend(&mut preamble) {
        page.legend = Some(rows);
        legend_owner = Some(None);
    } else {
        for (i, r) in raws.iter_mut().enumerate() {
            if let Some(rows) = take_legend(&mut r.blocks) {
                page.legend = Some(rows);
                legend_owner = Some(Some(i));
                break;
            }
        }
    }
    for r in &mut raws {
        r.has_table = r.blocks.iter().any(|b| matches!(b, Block::Table { .. }));
    }
    // A table before any heading (besides the legend) is a phase of its own,
    // named after the page.
    if preamble.iter().any(|b| matches!(b, Block::Table { .. })) {
        let at = preamble.iter().position(|b| matches!(b, Block::Table { .. })).unwrap_or(0);
        let line = preamble[at].line();
        let rest = preamble.split_off(at);
        raws.insert(
            0,
            Raw {
                level: 2,
                title: page.title.clone().unwrap_or_default(),
                line,
                blocks: rest,
                parent: None,
                has_table: true,
            },
        );
        for r in raws.iter_mut().skip(1) {
            r.parent = r.parent.map(|p| p + 1);
        }
        if let Some(Some(i)) = legend_owner.as_mut() {
            *i += 1;
        }
        page.warnings.push(warn(
            line,
            "a role table comes before any section heading; it is read as a phase named after the page",
            "put a `## Heading` above the table to name its phase",
        ));
    }

    let roles = assign_roles(&raws, legend_owner.flatten())
        .ok_or_else(|| PageError {
            line: None,
            message: "the page has no role table (a table with an activity column and one column per party)"
                .into(),
            help: "check that this is a RACI page, and that its tables are GitHub tables (a header row, then a `| --- |` row)".into(),
        })?;

    build(&mut page, preamble, raws, &roles, &footnotes);
    if page.title.is_none() {
        return Err(PageError {
            line: None,
            message: "the page has no title: neither a `# Title` heading nor a `title:` in its front matter"
                .into(),
            help: "add a `# Title` line at the top of the page, or `title: ...` to its front matter".into(),
        });
    }
    Ok(page)
}

/// Parses the front matter; a front matter that is not YAML is ignored with a warning.
fn front(yaml: &str, line: u32, warnings: &mut Vec<Diagnostic>) -> Front {
    let raw: RawFront = if yaml.trim().is_empty() {
        RawFront::default()
    } else {
        match crate::load::parse::<RawFront>(yaml) {
            Ok(r) => r,
            Err(d) => {
                let at = d.line.map_or(line, |l| line + u32::try_from(l).unwrap_or(0).saturating_sub(1));
                warnings.push(warn(
                    at,
                    format!("the front matter is not read: {}", d.message),
                    "fix the YAML between the two `---` lines at the top of the page",
                ));
                return Front::default();
            }
        }
    };
    let date_of = |f: &Option<DateField>| f.as_ref().and_then(DateField::text).and_then(|t| parse_date(&t));
    let date = match (date_of(&raw.date), date_of(&raw.last_update)) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    for (key, field) in [("date", &raw.date), ("last_update", &raw.last_update)] {
        if let Some(t) = field.as_ref().and_then(DateField::text)
            && parse_date(&t).is_none()
        {
            warnings.push(warn(
                line,
                format!("the front matter's `{key}: {t}` is not a YYYY-MM-DD date; it is not used"),
                "write the date as YYYY-MM-DD, or give the matrix date with --date",
            ));
        }
    }
    let list = |v: &Option<Vec<Scalar>>| {
        v.as_ref().map(|v| v.iter().map(Scalar::text).collect()).unwrap_or_default()
    };
    Front {
        title: raw.title.as_ref().map(Scalar::text),
        date,
        matrix: raw.raci_matrix.as_ref().map(Scalar::text),
        version: raw.raci_version.as_ref().map(Scalar::text),
        raci_date: raw.raci_date.as_ref().and_then(|s| parse_date(&s.text())),
        language: raw.raci_language.as_ref().map(Scalar::text),
        source_language: raw.raci_source_language.as_ref().map(Scalar::text),
        parties: list(&raw.raci_parties),
        sections: list(&raw.raci_sections),
    }
}

/// `2026-01-31`, also at the start of a timestamp (`2026-01-31T10:00:00Z`).
fn parse_date(t: &str) -> Option<Date> {
    let t = t.trim();
    Date::parse_iso(t.get(..10)?).filter(|_| t.len() == 10 || t[10..].starts_with(['T', ' ', 't']))
}

fn collect_footnotes(blocks: &[Block], out: &mut BTreeMap<String, (Vec<Block>, u32)>) {
    for b in blocks {
        match b {
            Block::Footnote { label, blocks, line } => {
                out.entry(fold_label(label)).or_insert_with(|| (blocks.clone(), *line));
            }
            Block::Quote { blocks, .. } => collect_footnotes(blocks, out),
            Block::List { items, .. } => items.iter().for_each(|i| collect_footnotes(&i.blocks, out)),
            _ => {}
        }
    }
}

/// Labels match as CommonMark link labels do: case-insensitively.
fn fold_label(l: &str) -> String {
    l.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Labels referenced from a table row.
fn referenced_labels(blocks: &[Block]) -> Vec<String> {
    let mut v = Vec::new();
    for b in blocks {
        if let Block::Table { rows, .. } = b {
            for r in rows {
                for c in &r.cells {
                    v.extend(c.refs.iter().map(|l| fold_label(l)));
                }
            }
        }
    }
    v
}

fn remove_referenced(blocks: &mut Vec<Block>, referenced: &[String]) {
    blocks.retain(|b| !matches!(b, Block::Footnote { label, .. } if referenced.contains(&fold_label(label))));
}

/// Takes the legend table out of `blocks`, if there is one.
fn take_legend(blocks: &mut Vec<Block>) -> Option<Vec<LegendRow>> {
    let at = blocks.iter().position(|b| match b {
        Block::Table { rows, head, .. } => {
            head.cells.len() >= 2
                && !rows.is_empty()
                && rows
                    .iter()
                    .all(|r| r.cells.first().is_some_and(|c| cells::legend_name(&c.plain()).is_some()))
        }
        _ => false,
    })?;
    let Block::Table { rows, .. } = blocks.remove(at) else { return None };
    Some(
        rows.iter()
            .filter_map(|r| {
                let (code, name) = cells::legend_name(&r.cells.first()?.plain())?;
                let description = r.cells.get(1).map(Inline::plain).unwrap_or_default();
                Some(LegendRow { code, name, description, line: r.line })
            })
            .collect(),
    )
}

/// Decides which raw sections are phases, subphases, text or dropped.
/// `None` when no section has a role table.
fn assign_roles(raws: &[Raw], legend: Option<usize>) -> Option<Vec<Role>> {
    let is_table = |i: usize| raws[i].has_table && Some(i) != legend;
    let mut level = (0..raws.len()).filter(|&i| is_table(i)).map(|i| raws[i].level).min()?;
    let ancestors = |mut i: usize| {
        let mut v = Vec::new();
        while let Some(p) = raws[i].parent {
            v.push(p);
            i = p;
        }
        v
    };
    let mut wrapper = None;
    // Table-less sections one level up that hold tables below them: one is a
    // wrapper (dropped), several are phases whose activities are all in subphases.
    while level > 1 {
        let mut holders: Vec<usize> = (0..raws.len())
            .filter(|&i| is_table(i))
            .flat_map(ancestors)
            .filter(|&a| raws[a].level == level - 1 && Some(a) != legend)
            .collect();
        holders.sort_unstable();
        holders.dedup();
        match holders.len() {
            0 => break,
            1 => {
                wrapper = holders.first().copied();
                break;
            }
            _ => level -= 1,
        }
    }
    let mut roles = Vec::with_capacity(raws.len());
    for (i, r) in raws.iter().enumerate() {
        let role = if Some(i) == legend {
            Role::Legend
        } else if Some(i) == wrapper {
            Role::Wrapper
        } else if r.level == level {
            if is_table(i) || has_table_below(raws, i, legend) { Role::Phase } else { Role::Text }
        } else if r.level == level + 1 {
            let under_phase = r.parent.is_some_and(|p| raws[p].level == level);
            match (is_table(i), under_phase) {
                (true, true) => Role::Sub,
                (true, false) => Role::Phase,
                (false, _) => Role::Text,
            }
        } else if r.level > level + 1 {
            Role::Content
        } else {
            // Above the phases and not the wrapper: text.
            Role::Text
        };
        roles.push(role);
    }
    Some(roles)
}

fn has_table_below(raws: &[Raw], i: usize, legend: Option<usize>) -> bool {
    raws.iter()
        .enumerate()
        .skip(i + 1)
        .take_while(|(_, r)| r.level > raws[i].level)
        .any(|(j, r)| r.has_table && Some(j) != legend)
}

/// A structural section being filled.
struct Building {
    section: PageSection,
    /// Index into `page.sections`.
    at: usize,
}

fn build(
    page: &mut Page,
    preamble: Vec<Block>,
    raws: Vec<Raw>,
    roles: &[Role],
    footnotes: &BTreeMap<String, (Vec<Block>, u32)>,
) {
    let mut intro: Vec<String> = blocks_text(&preamble, &mut page.warnings);
    // The last role table, after which a `---` rule starts the closing notes.
    let last_table = raws
        .iter()
        .enumerate()
        .filter(|(i, _)| matches!(roles[*i], Role::Phase | Role::Sub | Role::Content))
        .filter(|(_, r)| r.has_table)
        .map(|(i, _)| i)
        .next_back();
    let mut current: Option<Building> = None;
    let mut seen_phase = false;
    for (i, r) in raws.into_iter().enumerate() {
        let after_last = last_table.is_some_and(|l| i > l);
        match roles[i] {
            Role::Legend => {}
            Role::Wrapper => {
                let text = blocks_text(&r.blocks, &mut page.warnings);
                if seen_phase {
                    if let Some(b) = current.as_mut() {
                        b.section.notes.extend(text);
                    }
                } else {
                    intro.extend(text);
                }
            }
            Role::Phase | Role::Sub => {
                if let Some(b) = current.take() {
                    page.sections[b.at] = b.section;
                }
                seen_phase = true;
                let mut section = PageSection {
                    sub: roles[i] == Role::Sub,
                    title: r.title.clone(),
                    line: r.line,
                    intro: None,
                    tables: Vec::new(),
                    notes: Vec::new(),
                };
                let split_notes = Some(i) == last_table;
                let closing = fill(&mut section, r.blocks, footnotes, split_notes, &mut page.warnings);
                page.notes.extend(closing);
                if section.title.is_empty() {
                    page.warnings.push(warn(r.line, "this heading is empty", "write the section's title"));
                }
                page.sections.push(section.clone());
                current = Some(Building { section, at: page.sections.len() - 1 });
            }
            Role::Content => {
                // A deeper heading: its title and text continue the section above.
                let mut text = Vec::new();
                if !r.title.is_empty() {
                    text.push(r.title.clone());
                }
                let has_table = r.has_table;
                match current.as_mut() {
                    Some(b) if has_table => {
                        let split_notes = Some(i) == last_table;
                        let closing =
                            fill(&mut b.section, r.blocks, footnotes, split_notes, &mut page.warnings);
                        page.notes.extend(closing);
                    }
                    Some(b) => {
                        text.extend(blocks_text(&r.blocks, &mut page.warnings));
                        if b.section.tables.is_empty() {
                            push_intro(&mut b.section, text);
                        } else {
                            b.section.notes.extend(text);
                        }
                    }
                    None => {
                        intro.extend(text);
                        intro.extend(blocks_text(&r.blocks, &mut page.warnings));
                    }
                }
            }
            Role::Text => {
                let text = blocks_text(&r.blocks, &mut page.warnings);
                if !seen_phase {
                    intro.extend(text);
                } else if after_last {
                    page.notes.extend(text);
                } else if let Some(b) = current.as_mut() {
                    page.warnings.push(warn(
                        r.line,
                        format!("the section '{}' has no role table; its text is kept as a note of the section before it", r.title),
                        "give the section a role table, or make its heading part of the section above",
                    ));
                    b.section.notes.extend(text);
                }
            }
        }
    }
    if let Some(b) = current.take() {
        page.sections[b.at] = b.section;
    }
    page.intro = join(intro);
    page.notes.retain(|n| !n.is_empty());
}

fn push_intro(s: &mut PageSection, text: Vec<String>) {
    let mut all: Vec<String> = s.intro.take().into_iter().collect();
    all.extend(text);
    s.intro = join(all);
}

fn join(parts: Vec<String>) -> Option<String> {
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.trim().is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// Fills a phase or subphase from its blocks: intro, tables, notes, starred
/// notes. Returns the closing notes (after a `---` rule following the last
/// table of the page) when `closing` says this section holds that table.
fn fill(
    s: &mut PageSection,
    blocks: Vec<Block>,
    footnotes: &BTreeMap<String, (Vec<Block>, u32)>,
    closing: bool,
    warnings: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut before: Vec<Block> = Vec::new();
    let mut after: Vec<Block> = Vec::new();
    let mut tail: Vec<Block> = Vec::new();
    let mut seen_table = !s.tables.is_empty();
    let tables_total = blocks.iter().filter(|b| matches!(b, Block::Table { .. })).count();
    let mut tables_seen = 0;
    let mut in_tail = false;
    for b in blocks {
        match b {
            Block::Table { head, rows, line } => {
                tables_seen += 1;
                seen_table = true;
                s.tables.push(table(&head, &rows, line, footnotes, warnings));
            }
            Block::Rule { .. } if closing && seen_table && tables_seen == tables_total => in_tail = true,
            Block::Rule { .. } => {}
            other if !seen_table => before.push(other),
            other if in_tail => tail.push(other),
            other => after.push(other),
        }
    }
    let intro = blocks_text(&before, warnings);
    push_intro(s, intro);
    // Notes: one per footnote line, list item, quote or paragraph.
    let mut notes: Vec<(String, Option<usize>)> = Vec::new();
    for b in &after {
        notes.extend(block_notes(b, warnings));
    }
    // Starred cells take the starred notes.
    let starred: Vec<usize> = {
        let mut v: Vec<usize> = s
            .tables
            .iter()
            .flat_map(|t| t.rows.iter())
            .flat_map(|r| r.cells.iter())
            .map(|c| stars_of(c))
            .filter(|&n| n > 0)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut star_notes: BTreeMap<usize, String> = BTreeMap::new();
    notes.retain(|(text, stars)| match stars {
        Some(n) if starred.contains(n) => {
            star_notes
                .entry(*n)
                .and_modify(|t| {
                    t.push_str("\n\n");
                    t.push_str(&cells::strip_stars(text));
                })
                .or_insert_with(|| cells::strip_stars(text));
            false
        }
        _ => true,
    });
    for t in &mut s.tables {
        for r in &mut t.rows {
            let mut n: Vec<usize> = r.cells.iter().map(|c| stars_of(c)).filter(|&n| n > 0).collect();
            n.dedup();
            for k in n {
                match star_notes.get(&k) {
                    Some(text) => {
                        r.note = Some(match r.note.take() {
                            Some(prev) => format!("{prev}\n\n{text}"),
                            None => text.clone(),
                        });
                    }
                    None => warnings.push(warn(
                        r.line,
                        format!(
                            "a cell of this row is marked with {} but no note under the table starts with it",
                            "*".repeat(k)
                        ),
                        "add the starred note under the table, or remove the star",
                    )),
                }
            }
        }
    }
    s.notes.extend(notes.into_iter().map(|(t, _)| t).filter(|t| !t.is_empty()));
    let mut closing_notes = Vec::new();
    for b in &tail {
        closing_notes.extend(block_notes(b, warnings).into_iter().map(|(t, _)| t));
    }
    closing_notes
}

/// The number of stars after a role cell's codes (`I*`: 1).
fn stars_of(cell: &str) -> usize {
    let t = cell.trim();
    let body = t.trim_end_matches(['*', ' ']);
    if body.is_empty() || body.chars().any(|c| c.is_lowercase()) {
        return 0;
    }
    t[body.len()..].matches('*').count()
}

fn table(
    head: &Row,
    rows: &[Row],
    line: u32,
    footnotes: &BTreeMap<String, (Vec<Block>, u32)>,
    warnings: &mut Vec<Diagnostic>,
) -> PageTable {
    let header: Vec<String> = head.cells.iter().map(Inline::plain).collect();
    let has_id = header.len() >= 3 && header[0].trim().eq_ignore_ascii_case("id");
    let first = usize::from(has_id);
    let headers: Vec<String> = header.iter().skip(first + 1).cloned().collect();
    let mut out = Vec::new();
    for r in rows {
        let cell = |k: usize| r.cells.get(k).map(Inline::plain).unwrap_or_default();
        let id = has_id.then(|| cell(0)).filter(|s| !s.is_empty());
        let text = cell(first);
        let cells: Vec<String> = (0..headers.len()).map(|k| cell(first + 1 + k)).collect();
        let mut notes = Vec::new();
        for c in &r.cells {
            for l in &c.refs {
                if let Some((blocks, _)) = footnotes.get(&fold_label(l)) {
                    notes.extend(blocks_text(blocks, warnings));
                }
            }
        }
        if text.is_empty() && cells.iter().all(String::is_empty) && id.is_none() {
            warnings.push(warn(r.line, "an empty table row is skipped", "remove the empty row"));
            continue;
        }
        out.push(PageRow { line: r.line, id, text, cells, note: join(notes) });
    }
    PageTable { line, headers, rows: out }
}

/// The text of blocks, one entry per block, paragraphs inside an entry
/// separated by a blank line.
fn blocks_text(blocks: &[Block], warnings: &mut Vec<Diagnostic>) -> Vec<String> {
    let mut out = Vec::new();
    for b in blocks {
        if let Some(t) = block_text(b, warnings)
            && !t.is_empty()
        {
            out.push(t);
        }
    }
    out
}

fn block_text(b: &Block, warnings: &mut Vec<Diagnostic>) -> Option<String> {
    match b {
        Block::Paragraph { text, .. } => join(paragraph_parts(text)),
        Block::Heading { text, .. } => Some(text.plain()),
        Block::Quote { blocks, .. } | Block::Footnote { blocks, .. } => join(blocks_text(blocks, warnings)),
        Block::List { items, .. } => {
            let parts = items
                .iter()
                .filter_map(|i| {
                    let body = join(blocks_text(&i.blocks, warnings))?;
                    Some(format!("{} {body}", i.marker))
                })
                .collect();
            join(parts)
        }
        Block::Code { text, .. } => Some(text.trim().to_owned()),
        Block::Table { head, rows, line } => {
            warnings.push(warn(
                *line,
                "a table inside a quote or a list is not a role table; its cells are kept as text",
                "move the table out of the quote or list if it is a role table",
            ));
            let mut lines: Vec<String> =
                vec![head.cells.iter().map(Inline::plain).collect::<Vec<_>>().join(" | ")];
            lines.extend(
                rows.iter().map(|r| r.cells.iter().map(Inline::plain).collect::<Vec<_>>().join(" | ")),
            );
            join(lines)
        }
        Block::Html { line } => {
            warnings.push(warn(
                *line,
                "raw HTML is not read",
                "write the text as Markdown if it should be in the matrix",
            ));
            None
        }
        Block::Rule { .. } => None,
    }
}

/// A paragraph's text: soft line breaks are spaces, hard ones paragraph
/// breaks; Docusaurus admonition lines (`:::warning[Title]`, `:::`) give
/// their title as a paragraph and are otherwise dropped.
fn paragraph_parts(text: &Inline) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for l in &text.lines {
        let t = l.text.trim();
        if let Some(title) = admonition(l) {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            if let Some(title) = title {
                parts.push(title);
            }
            continue;
        }
        if l.hard && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        if t.is_empty() {
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(t);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// `Some(title)` when the line is an admonition fence as written (an
/// escaped `\:::` is text): `:::tip[Title]` or `:::tip Title` give the title.
fn admonition(l: &markdown::Line) -> Option<Option<String>> {
    let t = l.text.trim_start();
    if !t.starts_with(":::") {
        return None;
    }
    // The parser undoes escapes: only a fence typed as such counts.
    if !l.fence {
        return None;
    }
    let rest = t.trim_start_matches(':');
    let name_len = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .map(char::len_utf8)
        .sum::<usize>();
    let rest = rest[name_len..].trim();
    let title = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(rest).trim();
    Some((!title.is_empty()).then(|| title.to_owned()))
}

/// The notes one block after a table gives, each with its stars when it is
/// a starred note.
fn block_notes(b: &Block, warnings: &mut Vec<Diagnostic>) -> Vec<(String, Option<usize>)> {
    match b {
        Block::Paragraph { text, .. } => {
            // A new note at every line that starts with a footnote marker; a
            // hard line break inside a note is a paragraph break.
            let mut notes: Vec<(String, Option<usize>)> = Vec::new();
            for l in &text.lines {
                if admonition(l).is_some() {
                    continue;
                }
                let t = l.text.trim();
                let m = cells::marker(t);
                if m.is_some() || notes.is_empty() {
                    let stars = match m {
                        Some(Marker::Stars(n)) => Some(n),
                        _ => None,
                    };
                    notes.push((String::new(), stars));
                }
                if let Some((n, _)) = notes.last_mut()
                    && !t.is_empty()
                {
                    if !n.is_empty() {
                        n.push_str(if l.hard { "\n\n" } else { " " });
                    }
                    n.push_str(t);
                }
            }
            notes.retain(|(t, _)| !t.is_empty());
            notes
        }
        Block::List { items, .. } => items
            .iter()
            .filter_map(|i| {
                let body = join(blocks_text(&i.blocks, warnings))?;
                let numbered = i.marker.starts_with(|c: char| c.is_ascii_digit());
                if i.marker == "*" && cells::marker(&body).is_none() {
                    // `* note` under a table with starred cells: a starred note.
                    return Some((body, Some(1)));
                }
                let stars = match cells::marker(&body) {
                    Some(Marker::Stars(n)) => Some(n),
                    _ => None,
                };
                Some((if numbered { format!("{} {body}", i.marker) } else { body }, stars))
            })
            .collect(),
        Block::Footnote { blocks, .. } => blocks.iter().flat_map(|b| block_notes(b, warnings)).collect(),
        other => block_text(other, warnings).map(|t| vec![(t, None)]).unwrap_or_default(),
    }
}
