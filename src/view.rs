//! The matrix resolved for one language, in print order: what every
//! back-end reads.
//!
//! A [`View`] is built once per (matrix, language) and shared by every
//! format of that pair. It holds the texts of one language only, already
//! normalised by the loader (trimmed, line breaks folded; paragraphs kept
//! only where the format allows them, as [`Paragraphs`]), the legend and the
//! parties in column order, and the sections in the order they are printed:
//! each phase with its heading number ("2"), its own rows, then its
//! subsections ("2.1", "2.2"), then its notes. A back-end therefore never
//! walks [`Matrix`] itself, never picks a language out of a
//! [`crate::model::Localized`], and never decides what comes first.
//!
//! The view borrows from the matrix: building it copies no text.

use crate::model::{Date, Lang, Localized, Matrix, RoleCell, Rules, Section, Source};

/// One matrix in one language, in print order.
#[derive(Debug)]
pub struct View<'m> {
    /// The language of every text below.
    pub lang: &'m Lang,
    /// The matrix id (stable, not translated).
    pub id: &'m str,
    /// The language the matrix was written in (the Markdown pages name it).
    pub source_language: &'m Lang,
    /// The matrix version, printed on every output.
    pub version: &'m str,
    /// The "as of" date: the only date any output carries.
    pub date: Date,
    /// The matrix file's name and SHA-256, for fingerprints and document ids.
    pub source: &'m Source,
    /// The matrix title.
    pub title: &'m str,
    /// The text printed before the legend.
    pub intro: Option<Paragraphs<'m>>,
    /// The legend, in print order.
    pub legend: Vec<LegendRow<'m>>,
    /// The matrix-wide rules (which codes mark accountable and responsible).
    pub rules: Rules,
    /// The parties, one column each, in column order.
    pub parties: Vec<PartyColumn<'m>>,
    /// The phases, in print order.
    pub phases: Vec<PhaseView<'m>>,
    /// Closing remarks printed after the last phase.
    pub notes: Vec<Paragraphs<'m>>,
}

/// One role of the legend.
#[derive(Debug)]
pub struct LegendRow<'m> {
    /// One uppercase letter.
    pub code: char,
    /// The role's name.
    pub name: &'m str,
    /// What holding the role means.
    pub description: &'m str,
}

/// One party: a column of every table.
#[derive(Debug)]
pub struct PartyColumn<'m> {
    /// Stable id (the CSV column header).
    pub id: &'m str,
    /// The party's name (the column title of the PDF and the workbook).
    pub name: &'m str,
}

/// A phase: its own section, then its subsections. The phase's notes
/// (`section.notes`) are printed after the subsections.
#[derive(Debug)]
pub struct PhaseView<'m> {
    /// Heading number "N", title, intro, own rows and notes of the phase.
    pub section: SectionView<'m>,
    /// The subphases, numbered "N.1", "N.2", ...
    pub subsections: Vec<SectionView<'m>>,
}

/// A heading with its intro, its table rows and its footnotes: a phase's
/// own part or a subphase.
#[derive(Debug)]
pub struct SectionView<'m> {
    /// Stable id of the phase or subphase.
    pub id: &'m str,
    /// The heading number: "2" for the second phase, "2.1" for its first subphase.
    pub number: String,
    /// The heading text.
    pub title: &'m str,
    /// The paragraph printed under the heading.
    pub intro: Option<Paragraphs<'m>>,
    /// The activities, one table row each (a phase's own list may be empty).
    pub rows: Vec<Row<'m>>,
    /// Footnotes printed under the table.
    pub notes: Vec<Paragraphs<'m>>,
}

/// One activity: a table row.
#[derive(Debug)]
pub struct Row<'m> {
    /// Stable id (GRC tools key on it).
    pub id: &'m str,
    /// What is done, on one line (no line breaks).
    pub text: &'m str,
    /// One cell per party, in column order, codes in legend order.
    pub roles: &'m [RoleCell],
    /// The remark printed with the activity.
    pub note: Option<Paragraphs<'m>>,
}

/// A text that may hold paragraphs, separated by exactly one blank line
/// (`"\n\n"`) and without any other line break (the loader's normalisation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paragraphs<'m>(&'m str);

impl<'m> Paragraphs<'m> {
    /// The whole text, paragraphs separated by `"\n\n"`.
    pub fn as_str(&self) -> &'m str {
        self.0
    }

    /// Each paragraph, in order (at least one).
    pub fn iter(&self) -> impl Iterator<Item = &'m str> + use<'m> {
        self.0.split("\n\n")
    }
}

impl<'m> View<'m> {
    /// Resolves `matrix` for `lang`, one of its languages.
    pub fn new(matrix: &'m Matrix, lang: &'m Lang) -> View<'m> {
        let text = |t: &'m Localized| t.get(lang);
        let paragraphs = |t: &'m Localized| Paragraphs(t.get(lang));
        let section = |s: &'m Section, number: String| SectionView {
            id: &s.id,
            number,
            title: text(&s.title),
            intro: s.intro.as_ref().map(paragraphs),
            rows: s
                .activities
                .iter()
                .map(|a| Row {
                    id: &a.id,
                    text: text(&a.text),
                    roles: &a.roles,
                    note: a.note.as_ref().map(paragraphs),
                })
                .collect(),
            notes: s.notes.iter().map(paragraphs).collect(),
        };
        let phases = matrix
            .phases
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let n = i + 1;
                PhaseView {
                    section: section(&p.section, n.to_string()),
                    subsections: p
                        .subphases
                        .iter()
                        .enumerate()
                        .map(|(j, s)| section(s, format!("{n}.{}", j + 1)))
                        .collect(),
                }
            })
            .collect();
        View {
            lang,
            id: &matrix.id,
            source_language: &matrix.source_language,
            version: &matrix.version,
            date: matrix.date,
            source: &matrix.source,
            title: text(&matrix.title),
            intro: matrix.intro.as_ref().map(paragraphs),
            legend: matrix
                .roles
                .iter()
                .map(|r| LegendRow { code: r.code, name: text(&r.name), description: text(&r.description) })
                .collect(),
            rules: matrix.rules,
            parties: matrix.parties.iter().map(|p| PartyColumn { id: &p.id, name: text(&p.name) }).collect(),
            phases,
            notes: matrix.notes.iter().map(paragraphs).collect(),
        }
    }

    /// `ID-LANG`, the stem of every file name of this view.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.id, self.lang)
    }

    /// Every row of the matrix in print order, with its phase and, for a
    /// subphase's row, the subphase.
    pub fn rows(&self) -> impl Iterator<Item = (&PhaseView<'m>, Option<&SectionView<'m>>, &Row<'m>)> {
        self.phases.iter().flat_map(|p| p.rows().map(move |(sub, r)| (p, sub, r)))
    }

    /// Number of rows (activities) in all phases.
    pub fn row_count(&self) -> usize {
        self.phases.iter().map(|p| p.sections().map(|s| s.rows.len()).sum::<usize>()).sum()
    }
}

impl<'m> PhaseView<'m> {
    /// The phase's own section, then each subsection.
    pub fn sections(&self) -> impl Iterator<Item = &SectionView<'m>> {
        std::iter::once(&self.section).chain(&self.subsections)
    }

    /// Every row of the phase in print order, with the subsection it belongs
    /// to (`None` for the phase's own rows).
    pub fn rows(&self) -> impl Iterator<Item = (Option<&SectionView<'m>>, &Row<'m>)> {
        let own = self.section.rows.iter().map(|r| (None, r));
        own.chain(self.subsections.iter().flat_map(|s| s.rows.iter().map(move |r| (Some(s), r))))
    }

    /// Whether any row of the phase has a note.
    pub fn has_note(&self) -> bool {
        self.rows().any(|(_, r)| r.note.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix() -> Matrix {
        let yaml = r#"schema: 1
id: v
version: "2"
date: 2026-03-04
source_language: en
languages: [en, de]
title: {en: Title, de: Titel}
intro: {en: "One\n\nTwo", de: "Eins"}
roles:
  - {code: R, name: {en: Does, de: Macht}, description: {en: d, de: d}}
  - {code: A, name: {en: Answers, de: Haftet}, description: {en: d, de: d}}
parties:
  - {id: c, name: {en: Customer, de: Kunde}}
  - {id: p, name: {en: Provider, de: Anbieter}}
phases:
  - id: one
    title: {en: First, de: Erste}
    activities:
      - {id: A-1, text: {en: a1, de: a1}, roles: {c: RA}}
    subphases:
      - id: one-sub
        title: {en: Sub, de: Unter}
        activities:
          - {id: A-2, text: {en: a2, de: a2}, roles: {p: RA}, note: {en: n, de: n}}
    notes: [{en: phase note, de: Notiz}]
  - id: two
    title: {en: Second, de: Zweite}
    subphases:
      - id: two-a
        title: {en: A, de: A}
        activities:
          - {id: A-3, text: {en: a3, de: a3}, roles: {c: R, p: A}}
"#;
        let dir = std::env::temp_dir().join(format!("raci-view-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("folder");
        let path = dir.join("v.yaml");
        std::fs::write(&path, yaml).expect("write");
        let m = crate::load::load(&path).unwrap_or_else(|r| panic!("{}", r.render())).matrix;
        let _ = std::fs::remove_dir_all(&dir);
        m
    }

    // The view numbers headings, keeps print order (own rows, then each
    // subphase's) and resolves every text in its language.
    #[test]
    fn resolves_one_language_in_print_order_with_heading_numbers() {
        let m = matrix();
        let de = Lang::parse("de").expect("de");
        let v = View::new(&m, &de);
        assert_eq!(v.stem(), "v-de");
        assert_eq!(v.source_language.as_str(), "en");
        assert_eq!(v.title, "Titel");
        assert_eq!(v.parties.iter().map(|p| p.name).collect::<Vec<_>>(), ["Kunde", "Anbieter"]);
        let numbers: Vec<(&str, &str)> =
            v.phases.iter().flat_map(|p| p.sections()).map(|s| (s.number.as_str(), s.title)).collect();
        assert_eq!(numbers, [("1", "Erste"), ("1.1", "Unter"), ("2", "Zweite"), ("2.1", "A")]);
        let rows: Vec<(&str, Option<&str>, &str)> =
            v.rows().map(|(p, s, r)| (p.section.id, s.map(|s| s.id), r.id)).collect();
        assert_eq!(
            rows,
            [("one", None, "A-1"), ("one", Some("one-sub"), "A-2"), ("two", Some("two-a"), "A-3")]
        );
        assert_eq!(v.row_count(), 3);
        assert!(v.phases[0].has_note() && !v.phases[1].has_note());
        assert_eq!(v.phases[0].section.notes[0].as_str(), "Notiz");
        let en = Lang::parse("en").expect("en");
        let v = View::new(&m, &en);
        assert_eq!(v.intro.expect("intro").iter().collect::<Vec<_>>(), ["One", "Two"]);
        assert_eq!(v.phases[1].subsections[0].rows[0].roles[1].as_str(), "A");
    }
}
