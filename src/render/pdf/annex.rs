//! The contract annex, section by section (cli.md, `ID-LANG.pdf`): a title
//! block (document kind, logo, title, id, version, date, language, intro),
//! the legend, one numbered section per phase with its table (subphases as
//! numbered subsections, notes under their table), the closing notes, the
//! source fingerprint and the acceptance block with a signature field per
//! signing party (pdf-annex.md). Where each piece lands on the page is
//! [`Flow`]'s business.

use std::cell::OnceCell;

use super::flow::{Align, Cell, Composed, Flow, LOGO, MM, PAD_X, Running, Style, Table, Tag, nfc};
use super::tags::Role;
use super::wrap::wrap;
use crate::i18n::AcceptanceStrings;
use crate::render::Job;
use crate::view::{Paragraphs, PhaseView, Row, SectionView};

/// Lays out the whole annex of `job`.
pub fn compose(job: &Job<'_>) -> Composed {
    let l = job.layout;
    let table_size = match job.view.parties.len() {
        0..=3 => l.table_size,
        4..=5 => l.table_size - 0.5,
        _ => l.table_size - 1.0,
    };
    let mut annex = Annex { f: Flow::new(l, job.strings, table_size), job, id_width: OnceCell::new() };
    annex.document();
    let (v, s) = (job.view, job.strings);
    let running = Running {
        title: v.title,
        version: format!("{} {}", s.version, v.version),
        id: v.id,
        date: format!("{} {}", s.as_of, s.date(&v.date)),
    };
    annex.f.finish(&running)
}

/// The annex being composed.
struct Annex<'a> {
    f: Flow<'a>,
    job: &'a Job<'a>,
    /// Width of the id column, the same in every table of the annex.
    id_width: OnceCell<f32>,
}

impl Annex<'_> {
    fn document(&mut self) {
        self.title_block();
        self.legend();
        for phase in &self.job.view.phases {
            self.phase(phase);
        }
        self.closing_notes();
        self.fingerprint();
        let v = self.job.view;
        let signing = signers(self.job.layout, v.parties.iter().map(|p| (p.id, p.name)));
        let words = self.job.strings.acceptance();
        acceptance(&mut self.f, words, &words.intro, &signing);
    }

    fn title_block(&mut self) {
        let job = self.job;
        let (v, s, l) = (job.view, job.strings, job.layout);
        let f = &mut self.f;
        let kind = Style { bold: true, size: l.body_size - 0.5, color: l.colors.muted };
        let y = f.y;
        f.tag = Tag::Elem(f.element(Role::P));
        f.line_at(f.left, y, &nfc(&s.document_kind.to_uppercase()), kind);
        let mut below = kind.line_height();
        if let Some(logo) = &l.logo {
            // Top right of the first page, above the title.
            let (w, h) = (logo.width_mm * MM, logo.height_mm() * MM);
            f.end_text();
            // printpdf's placement arithmetic (pixel size, dpi, translation), so
            // the matrix is the one its `UseXobject` operation would write.
            let transform = printpdf::XObjectTransform {
                translate_x: Some(printpdf::Pt(f.right - w)),
                translate_y: Some(printpdf::Pt(y - h)),
                dpi: Some(logo.width_px as f32 * 72.0 / w),
                ..Default::default()
            };
            let size = (printpdf::Px(logo.width_px as usize), printpdf::Px(logo.height_px as usize));
            let mut m = printpdf::CurTransMat::Identity;
            for q in transform.get_ctms(Some(size)) {
                m = printpdf::CurTransMat::Raw(printpdf::CurTransMat::combine_matrix(
                    m.as_array(),
                    q.as_array(),
                ));
            }
            let figure = f.element(Role::Figure);
            f.set_alt(figure, logo.alt(v.lang));
            f.mark(Tag::Elem(figure));
            f.page.image(LOGO, m.as_array());
            f.unmark();
            below = below.max(h);
        }
        f.y -= below + 4.0;
        let title = Style { bold: true, size: l.title_size, color: l.colors.accent };
        f.paragraph_as(Role::H1, v.title, title, 0.0);
        f.y -= 4.0;
        f.hline(f.left, f.right, f.y, l.colors.accent, 1.2);
        f.y -= 10.0;
        let lang = format!("{} ({})", s.language_name, v.lang);
        let facts = [
            (&s.matrix_id, v.id.to_string()),
            (&s.version, v.version.to_string()),
            (&s.as_of, s.date(&v.date)),
            (&s.language, lang),
        ];
        let label = Style { bold: true, ..f.body };
        let label_w =
            facts.iter().map(|(k, _)| label.face().width(&nfc(k), label.size)).fold(0.0, f32::max) + 12.0;
        for (k, value) in facts {
            let top = f.y;
            f.tag = Tag::Elem(f.element(Role::P));
            f.line_at(f.left, top, &nfc(k), label);
            let lines = wrap(&nfc(&value), f.body.face(), f.body.size, f.content_width() - label_w);
            for line in lines {
                let top = f.y;
                f.line_at(f.left + label_w, top, &line, f.body);
                f.y -= f.body.line_height();
            }
        }
        f.y -= 8.0;
        if let Some(intro) = v.intro {
            f.paragraph(intro.as_str(), f.body, 0.0);
        }
    }

    fn legend(&mut self) {
        let job = self.job;
        let (v, s) = (job.view, job.strings);
        let f = &mut self.f;
        let w = f.content_width();
        let code_w = 42.0;
        let name_w = v
            .legend
            .iter()
            .map(|r| f.table_bold.face().width(&nfc(r.name), f.table_bold.size))
            .fold(f.table_bold.face().width(&nfc(&s.role), f.table_bold.size), f32::max)
            .clamp(60.0, w * 0.3)
            + 2.0 * PAD_X;
        let widths = vec![code_w, name_w, w - code_w - name_w];
        let header = vec![
            f.cell(&s.code, f.table_bold, code_w, Align::Center),
            f.cell(&s.role, f.table_bold, name_w, Align::Left),
            f.cell(&s.description, f.table_bold, widths[2], Align::Left),
        ];
        let t = Table { widths, header, caption: s.legend_heading.clone() };
        let code_st = Style { bold: true, ..f.table_text };
        let rows: Vec<Vec<Cell>> = v
            .legend
            .iter()
            .map(|r| {
                vec![
                    f.cell(&r.code.to_string(), code_st, t.widths[0], Align::Center),
                    f.cell(r.name, code_st, t.widths[1], Align::Left),
                    f.cell(r.description, f.table_text, t.widths[2], Align::Left),
                ]
            })
            .collect();
        // Keep the intro, the table header and the first row with the heading.
        let intro_h = f.paragraph_height(&s.legend_intro, f.body) + 4.0;
        let fresh = f.top - f.bottom - f.header_space(&t);
        let first_h = rows.first().map_or(0.0, |r| {
            let h = Flow::row_height(r);
            if h <= fresh { h } else { f.min_split() }
        });
        f.heading(&s.legend_heading, 0, intro_h + Flow::row_height(&t.header) + first_h);
        f.paragraph(&s.legend_intro, f.body, 0.0);
        f.y -= 4.0;
        f.table_start(&t);
        for cells in rows {
            f.row(&t, cells);
        }
    }

    fn activity_table(&self, caption: &str) -> Table {
        let job = self.job;
        let (v, s) = (job.view, job.strings);
        let f = &self.f;
        let w = f.content_width();
        let n = v.parties.len() as f32;
        // Wide enough for the longest party name on one line where the page allows.
        let widest = v
            .parties
            .iter()
            .map(|p| f.table_bold.face().width(&nfc(p.name), f.table_bold.size))
            .fold(0.0, f32::max);
        let party_w = (widest + 2.0 * PAD_X + 4.0).clamp(34.0, ((w * 0.45) / n).max(34.0));
        // Measured over every activity of the matrix: once, not once per table.
        let id_w = *self.id_width.get_or_init(|| {
            v.rows()
                .map(|(_, _, a)| f.table_text.face().width(a.id, f.table_text.size))
                .fold(f.table_bold.face().width(&nfc(&s.activity_id), f.table_bold.size), f32::max)
                .clamp(24.0, w * 0.2)
                + 2.0 * PAD_X
        });
        let mut widths = vec![id_w, w - id_w - party_w * n];
        widths.extend(v.parties.iter().map(|_| party_w));
        let mut header = vec![
            f.cell(&s.activity_id, f.table_bold, widths[0], Align::Left),
            f.cell(&s.activity, f.table_bold, widths[1], Align::Left),
        ];
        // A narrow party column takes its name in smaller type rather than
        // breaking a word (down to 5.5 pt; below that the word is broken).
        header.extend(v.parties.iter().map(|p| {
            let name = nfc(p.name);
            let st = f.table_bold;
            let longest = name.split(' ').map(|w| st.face().width(w, st.size)).fold(0.0, f32::max);
            let room = party_w - 2.0 * PAD_X;
            let size = if longest > room { (st.size * room / longest).max(5.5) } else { st.size };
            f.cell(&name, Style { size, ..st }, party_w, Align::Center)
        }));
        Table { widths, header, caption: caption.to_string() }
    }

    fn activity_cells(&self, t: &Table, a: &Row<'_>) -> Vec<Cell> {
        let f = &self.f;
        let mut text = f.cell(a.text, f.table_text, t.widths[1], Align::Left);
        if let Some(note) = a.note {
            let note = format!("{}: {}", self.job.strings.note, note.as_str());
            let st = f.note_style;
            text.lines.push((String::new(), Style { size: st.size * 0.4, ..st }));
            text.lines.extend(
                wrap(&nfc(&note), st.face(), st.size, t.widths[1] - 2.0 * PAD_X).into_iter().map(|l| (l, st)),
            );
        }
        let mut cells = vec![f.cell(a.id, f.table_text, t.widths[0], Align::Left), text];
        let role_st = Style { bold: true, ..f.table_text };
        for (cell, w) in a.roles.iter().zip(&t.widths[2..]) {
            cells.push(f.cell(cell.as_str(), role_st, *w, Align::Center));
        }
        cells
    }

    fn rows(&mut self, t: &Table, list: &[Row<'_>]) {
        for a in list {
            let cells = self.activity_cells(t, a);
            self.f.row(t, cells);
        }
    }

    /// Room to keep for an intro under a heading (a long one flows on: its start is enough).
    fn intro_keep(&self, intro: Option<Paragraphs<'_>>) -> f32 {
        intro.map_or(0.0, |i| self.f.paragraph_height(i.as_str(), self.f.body).min(60.0) + 4.0)
    }

    /// Room to keep under a heading: its intro and the table header with the
    /// first row. A row that fits on a page is never split, so all of it is
    /// kept (less would leave the heading and an empty header behind); a
    /// taller one is split, so room for a few of its lines is enough.
    fn keep_for(&self, intro: Option<Paragraphs<'_>>, t: &Table, first: Option<&Row<'_>>) -> f32 {
        let intro_h = self.intro_keep(intro);
        let fresh = self.f.top - self.f.bottom - self.f.header_space(t);
        let first_h = first.map_or(0.0, |a| {
            let h = Flow::row_height(&self.activity_cells(t, a));
            if h <= fresh { h } else { self.f.min_split() }
        });
        intro_h + Flow::row_height(&t.header) + first_h
    }

    /// A section's heading text: its number, an en space, its title.
    fn heading_text(section: &SectionView<'_>) -> String {
        format!("{}\u{2002}{}", section.number, section.title)
    }

    fn phase(&mut self, phase: &PhaseView<'_>) {
        let own = &phase.section;
        let title = Self::heading_text(own);
        let t = self.activity_table(&title);
        let keep = match phase.subsections.first() {
            // The first subphase heading follows: keep all that it keeps.
            Some(sub) if own.rows.is_empty() => {
                let stitle = Self::heading_text(sub);
                let st = self.activity_table(&stitle);
                let (gap, h, below) = self.f.heading_space(&stitle, 1);
                self.intro_keep(own.intro) + gap + h + below + self.keep_for(sub.intro, &st, sub.rows.first())
            }
            _ => self.keep_for(own.intro, &t, own.rows.first()),
        };
        self.f.heading(&title, 0, keep);
        if let Some(intro) = own.intro {
            self.f.paragraph(intro.as_str(), self.f.body, 0.0);
            self.f.y -= 4.0;
        }
        if !own.rows.is_empty() {
            self.f.table_start(&t);
            self.rows(&t, &own.rows);
        }
        for sub in &phase.subsections {
            let stitle = Self::heading_text(sub);
            let st = self.activity_table(&stitle);
            let keep = self.keep_for(sub.intro, &st, sub.rows.first());
            self.f.heading(&stitle, 1, keep);
            if let Some(intro) = sub.intro {
                self.f.paragraph(intro.as_str(), self.f.body, 0.0);
                self.f.y -= 4.0;
            }
            self.f.table_start(&st);
            self.rows(&st, &sub.rows);
            self.notes(&sub.notes);
        }
        self.notes(&own.notes);
    }

    fn notes(&mut self, notes: &[Paragraphs<'_>]) {
        if notes.is_empty() {
            return;
        }
        let f = &mut self.f;
        f.close_segment();
        f.y -= 5.0;
        let st = Style { size: f.body.size - 1.0, ..f.body };
        for note in notes {
            f.paragraph(note.as_str(), st, 0.0);
            f.y -= 3.0;
        }
    }

    fn closing_notes(&mut self) {
        let v = self.job.view;
        let Some(first) = v.notes.first() else { return };
        let f = &mut self.f;
        let first = f.paragraph_height(first.as_str(), f.body).min(60.0);
        f.heading(&self.job.strings.notes_heading, 0, first);
        for note in &v.notes {
            f.paragraph(note.as_str(), f.body, 0.0);
            f.y -= 4.0;
        }
    }

    fn fingerprint(&mut self) {
        let job = self.job;
        let (v, s) = (job.view, job.strings);
        let f = &mut self.f;
        let text = s.fingerprint(&job.options.tool, v.id, v.version);
        let h = f.paragraph_height(&text, f.body) + 3.0 * f.body.line_height();
        f.heading(&s.fingerprint_heading, 0, h);
        f.paragraph(&text, f.body, 0.0);
        f.y -= 3.0;
        let mono = Style { bold: true, ..f.body };
        f.paragraph(&format!("SHA-256 ({})", v.source.file_name), f.small, 0.0);
        f.paragraph(&v.source.sha256, mono, 0.0);
    }
}

/// Who signs, as (id, name) in signing order: the layout's `signatures`
/// (ids of `parties`, in its order), or every party when it has none.
pub(super) fn signers<'m>(
    layout: &crate::layout::Layout,
    parties: impl Iterator<Item = (&'m str, &'m str)>,
) -> Vec<(&'m str, &'m str)> {
    let parties: Vec<(&str, &str)> = parties.collect();
    match &layout.signatures {
        None => parties,
        Some(ids) => ids.iter().filter_map(|id| parties.iter().find(|p| p.0 == id).copied()).collect(),
    }
}

/// The acceptance block (pdf-annex.md, "A place to sign"): a heading, `intro`,
/// and for each `(id, name)` of `parties` a box with the party's name, lines
/// for name, function, date and place, and an empty signature field named
/// `signature-ID`; two boxes side by side, a box never split over pages.
/// Nothing when `parties` is empty. Shared with the amendment annex.
pub(super) fn acceptance(f: &mut Flow<'_>, words: &AcceptanceStrings, intro: &str, parties: &[(&str, &str)]) {
    if parties.is_empty() {
        return;
    }
    const GAP: f32 = 12.0;
    const PAD: f32 = 7.0;
    const FIELD_H: f32 = 22.0 * MM;
    let body = f.body;
    let label = Style { bold: true, ..body };
    let lh = body.line_height();
    let width = (f.content_width() - GAP) / 2.0;
    let names: Vec<Vec<String>> =
        parties.iter().map(|(_, n)| wrap(&nfc(n), label.face(), label.size, width - 2.0 * PAD)).collect();
    // The party's name, a blank line, four lines to write on, the signature's label and field.
    let box_h = |name_lines: usize| {
        PAD + name_lines as f32 * label.line_height() + lh + 4.0 * 2.0 * lh + lh + FIELD_H + PAD
    };
    let intro_h = f.paragraph_height(intro, body) + 6.0;
    let first = names.iter().take(2).map(Vec::len).max().unwrap_or(1);
    f.heading(&words.heading, 0, intro_h + box_h(first));
    f.paragraph(intro, body, 0.0);
    f.y -= 6.0;
    let grid = f.layout().colors.grid;
    for (pair, pair_names) in parties.chunks(2).zip(names.chunks(2)) {
        let box_h = box_h(pair_names.iter().map(Vec::len).max().unwrap_or(1));
        f.ensure(box_h);
        let top = f.y;
        for (col, ((id, name), name_lines)) in pair.iter().zip(pair_names).enumerate() {
            let x0 = f.left + col as f32 * (width + GAP);
            let x1 = x0 + width;
            f.open(Role::Div);
            let mut y = top - PAD;
            f.tag = Tag::Elem(f.element(Role::P));
            for line in name_lines {
                f.line_at(x0 + PAD, y, line, label);
                y -= label.line_height();
            }
            y -= (pair_names.iter().map(Vec::len).max().unwrap_or(1) - name_lines.len()) as f32
                * label.line_height()
                + lh;
            for line in [&words.name, &words.function, &words.date, &words.place] {
                f.tag = Tag::Elem(f.element(Role::P));
                let text = nfc(&format!("{line}:"));
                f.line_at(x0 + PAD, y, &text, body);
                let start = x0 + PAD + body.face().width(&text, body.size) + 4.0;
                let base = y - lh + 2.0;
                f.stroke(&[(start, base), (x1 - PAD, base)], grid, 0.5);
                y -= 2.0 * lh;
            }
            f.tag = Tag::Elem(f.element(Role::P));
            f.line_at(x0 + PAD, y, &nfc(&words.signature), body);
            y -= lh;
            let rect = [x0 + PAD, y - FIELD_H, x1 - PAD, y];
            f.stroke(
                &[
                    (rect[0], rect[1]),
                    (rect[2], rect[1]),
                    (rect[2], rect[3]),
                    (rect[0], rect[3]),
                    (rect[0], rect[1]),
                ],
                grid,
                0.5,
            );
            f.signature_field(&format!("signature-{id}"), &words.field.replace("{party}", name), rect);
            f.stroke(
                &[(x0, top - box_h), (x1, top - box_h), (x1, top), (x0, top), (x0, top - box_h)],
                grid,
                0.8,
            );
            f.close();
        }
        f.y = top - box_h - GAP;
    }
}
