//! Page composition: turns one matrix in one language into page content
//! streams, with the layout rules a lawyer expects — text wrapped inside
//! its cell, rows kept whole unless taller than a page, the table header
//! repeated on every page a table continues on, headings kept with what
//! follows, a running header and a "Page X of Y" footer on every page.

use unicode_normalization::UnicodeNormalization;

use super::content::Content;
use super::wrap::wrap;
use crate::fonts::{self, Face};
use crate::i18n::Rgb;
use crate::model::{Activity, Localized, Phase};
use crate::render::Job;

/// Resource name of the regular face (not F1..F14, which printpdf reserves for builtin fonts).
pub const FONT_REGULAR: &str = "DJVSANS";
/// Resource name of the logo image.
pub const LOGO: &str = "LOGO";
/// Resource name of the bold face.
pub const FONT_BOLD: &str = "DJVSANSB";

const MM: f32 = 72.0 / 25.4;
const PAD_X: f32 = 3.2;
const PAD_Y: f32 = 2.6;
const LINE: f32 = 1.24;

/// The composed document: page content streams, the glyphs they show and the outline marks.
pub struct Composed {
    /// Page width in points.
    pub width: f32,
    /// Page height in points.
    pub height: f32,
    /// Content stream of each page, header and footer included, showing
    /// glyph ids of the full fonts (see [`Content::renumber_glyphs`]).
    pub pages: Vec<Content>,
    /// Glyphs shown, per face (regular, bold): full-font glyph id → the
    /// character it shows, `None` for glyphs never shown.
    pub glyphs: [Vec<Option<char>>; 2],
    /// Outline entries in document order.
    pub outline: Vec<Mark>,
}

/// One outline entry: where a heading landed.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// The heading's text.
    pub title: String,
    /// 0 for sections, 1 for subphases.
    pub level: u8,
    /// 0-based page index.
    pub page: usize,
    /// Top of the heading, in points from the bottom of the page.
    pub y: f32,
}

#[derive(Clone, Copy)]
struct Style {
    bold: bool,
    size: f32,
    color: Rgb,
}

impl Style {
    fn face(&self) -> &'static Face {
        if self.bold { fonts::bold() } else { fonts::regular() }
    }
    fn line_height(&self) -> f32 {
        self.size * LINE
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
}

/// One cell's content: wrapped lines, each with its style.
#[derive(Clone)]
struct Cell {
    lines: Vec<(String, Style)>,
    align: Align,
}

impl Cell {
    fn height(&self) -> f32 {
        self.lines.iter().map(|(_, s)| s.line_height()).sum::<f32>() + 2.0 * PAD_Y
    }
}

/// Column widths and header of one table.
struct Table {
    widths: Vec<f32>,
    header: Vec<Cell>,
    /// Printed above the repeated header on continuation pages.
    caption: String,
}

/// NFC, without the cost of recomposing text that is already NFC (nearly all of it).
fn nfc(s: &str) -> String {
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_string(),
        _ => s.nfc().collect(),
    }
}

fn color(c: Rgb) -> [f32; 3] {
    [f32::from(c.0) / 255.0, f32::from(c.1) / 255.0, f32::from(c.2) / 255.0]
}

struct Composer<'a> {
    job: &'a Job<'a>,
    width: f32,
    height: f32,
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
    y: f32,
    page: Content,
    pages: Vec<Content>,
    glyphs: [Vec<Option<char>>; 2],
    outline: Vec<Mark>,
    fill: Option<Rgb>,
    stroke: Option<(Rgb, f32)>,
    /// Inside an open text object, with the font (bold, size) last set in it.
    text_font: Option<Option<(bool, f32)>>,
    /// Start of the last line shown in the open text object (`Td` is relative to it).
    text_origin: (f32, f32),
    /// The open table segment on this page: column rule positions and its top.
    segment: Option<(Vec<f32>, f32)>,
    /// A table header was just drawn and no row under it yet.
    empty_header: bool,
    body: Style,
    small: Style,
    table_text: Style,
    table_bold: Style,
    note_style: Style,
    /// Width of the id column, the same in every table of the annex.
    id_width: std::cell::OnceCell<f32>,
}

/// Lays out the whole annex.
pub fn compose(job: &Job<'_>) -> Composed {
    let l = job.layout;
    let (wmm, hmm) = l.page_mm();
    let (width, height) = (wmm * MM, hmm * MM);
    let m = l.margins_mm;
    let c = &l.colors;
    let n = job.matrix.parties.len();
    let table_size = match n {
        0..=3 => l.table_size,
        4..=5 => l.table_size - 0.5,
        _ => l.table_size - 1.0,
    };
    let mut composer = Composer {
        job,
        width,
        height,
        left: m.left * MM,
        right: width - m.right * MM,
        top: height - m.top * MM,
        bottom: m.bottom * MM,
        y: height - m.top * MM,
        page: Content::default(),
        pages: Vec::new(),
        glyphs: [Vec::new(), Vec::new()],
        outline: Vec::new(),
        fill: None,
        stroke: None,
        text_font: None,
        text_origin: (0.0, 0.0),
        segment: None,
        empty_header: false,
        body: Style { bold: false, size: l.body_size, color: c.text },
        small: Style { bold: false, size: l.body_size - 1.5, color: c.muted },
        table_text: Style { bold: false, size: table_size, color: c.text },
        table_bold: Style { bold: true, size: table_size, color: c.accent },
        note_style: Style { bold: false, size: table_size - 1.0, color: c.muted },
        id_width: std::cell::OnceCell::new(),
    };
    composer.document();
    composer.finish()
}

impl Composer<'_> {
    fn content_width(&self) -> f32 {
        self.right - self.left
    }

    // ---- drawing primitives -------------------------------------------------

    fn set_fill(&mut self, c: Rgb) {
        if self.fill != Some(c) {
            self.page.fill_rgb(color(c));
            self.fill = Some(c);
        }
    }

    /// Shows `s` at an absolute position. Consecutive runs share one text
    /// object (BT … ET) and a font is set only when it changes: a table row
    /// costs a handful of operations instead of five per line.
    fn text(&mut self, x: f32, baseline: f32, s: &str, st: Style) {
        if s.is_empty() {
            return;
        }
        let current = match self.text_font {
            Some(f) => f,
            None => {
                self.page.begin_text();
                self.text_origin = (0.0, 0.0);
                None
            }
        };
        if current != Some((st.bold, st.size)) {
            self.page.font(if st.bold { FONT_BOLD } else { FONT_REGULAR }, st.size);
        }
        self.text_font = Some(Some((st.bold, st.size)));
        self.set_fill(st.color);
        // `Td` moves relative to the previous line's start: two numbers instead of `Tm`'s six.
        let (ox, oy) = self.text_origin;
        self.page.move_text(x - ox, baseline - oy);
        self.text_origin = (x, baseline);
        let face = st.face();
        let seen = &mut self.glyphs[usize::from(st.bold)];
        self.page.show(
            u8::from(st.bold),
            s.chars().map(|c| match face.glyph(c) {
                Some(g) => {
                    let i = usize::from(g);
                    if seen.len() <= i {
                        seen.resize(i + 1, None);
                    }
                    seen[i] = Some(c);
                    g
                }
                None => 0,
            }),
        );
    }

    /// Closes the open text object, before any path is drawn or the page ends.
    fn end_text(&mut self) {
        if self.text_font.take().is_some() {
            self.page.end_text();
        }
    }

    /// Draws one line of text whose line box starts at `top`.
    fn line_at(&mut self, x: f32, top: f32, s: &str, st: Style) {
        let baseline = top - (st.line_height() - st.size * 1.164) / 2.0 - st.size * 0.928;
        self.text(x, baseline, s, st);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        self.end_text();
        self.set_fill(fill);
        self.page.fill_rect(x, y, w, h);
    }

    fn hline(&mut self, x0: f32, x1: f32, y: f32, c: Rgb, thick: f32) {
        self.stroke(&[(x0, y), (x1, y)], c, thick);
    }

    fn stroke(&mut self, pts: &[(f32, f32)], c: Rgb, thick: f32) {
        self.end_text();
        if self.stroke.map(|s| s.0) != Some(c) {
            self.page.stroke_rgb(color(c));
        }
        if self.stroke.map(|s| s.1) != Some(thick) {
            self.page.line_width(thick);
        }
        self.stroke = Some((c, thick));
        self.page.polyline(pts);
    }

    // ---- pages and flow -------------------------------------------------------

    fn new_page(&mut self) {
        self.close_segment();
        self.end_text();
        self.pages.push(std::mem::take(&mut self.page));
        self.fill = None;
        self.stroke = None;
        self.y = self.top;
    }

    /// Starts a new page unless `space` points are left on this one.
    fn ensure(&mut self, space: f32) {
        if self.y - space < self.bottom && self.y < self.top {
            self.new_page();
        }
    }

    fn gap(&mut self, h: f32) {
        if self.y < self.top {
            self.y -= h;
        }
    }

    /// A wrapped paragraph flowing across pages line by line.
    fn paragraph(&mut self, text: &str, st: Style, indent: f32) {
        self.close_segment();
        let width = self.content_width() - indent;
        for line in wrap(&nfc(text), st.face(), st.size, width) {
            let lh = if line.is_empty() { st.line_height() * 0.5 } else { st.line_height() };
            if self.y - lh < self.bottom {
                self.new_page();
            }
            let top = self.y;
            self.line_at(self.left + indent, top, &line, st);
            self.y -= lh;
        }
    }

    fn paragraph_height(&self, text: &str, st: Style) -> f32 {
        wrap(&nfc(text), st.face(), st.size, self.content_width()).len() as f32 * st.line_height()
    }

    fn heading_style(&self, level: u8) -> Style {
        let l = self.job.layout;
        Style {
            bold: true,
            size: if level == 0 { l.heading_size } else { l.subheading_size },
            color: l.colors.accent,
        }
    }

    /// A heading's room: the gap above it, its lines, and the rule and gap below.
    fn heading_space(&self, text: &str, level: u8) -> (f32, f32, f32) {
        let st = self.heading_style(level);
        let h = wrap(&nfc(text), st.face(), st.size, self.content_width()).len() as f32 * st.line_height();
        if level == 0 { (10.0, h, 4.0 + 3.0) } else { (6.0, h, 3.0) }
    }

    /// A heading, kept on one page with at least `keep` points of what follows.
    fn heading(&mut self, text: &str, level: u8, keep: f32) {
        let l = self.job.layout;
        let st = self.heading_style(level);
        self.close_segment();
        let lines = wrap(&nfc(text), st.face(), st.size, self.content_width());
        let (gap, h, below) = self.heading_space(text, level);
        self.gap(gap);
        self.ensure(h + below + keep);
        let top = self.y;
        self.outline.push(Mark { title: nfc(text), level, page: self.pages.len(), y: top + 2.0 });
        for line in &lines {
            let y = self.y;
            self.line_at(self.left, y, line, st);
            self.y -= st.line_height();
        }
        if level == 0 {
            self.hline(self.left, self.right, self.y - 1.0, l.colors.accent, 0.6);
            self.y -= 4.0;
        }
        self.y -= 3.0;
    }

    // ---- tables ---------------------------------------------------------------

    fn cell(&self, text: &str, st: Style, width: f32, align: Align) -> Cell {
        let lines =
            wrap(&nfc(text), st.face(), st.size, width - 2.0 * PAD_X).into_iter().map(|l| (l, st)).collect();
        Cell { lines, align }
    }

    fn row_height(cells: &[Cell]) -> f32 {
        cells.iter().map(Cell::height).fold(0.0, f32::max)
    }

    fn draw_row(&mut self, t: &Table, cells: &[Cell], header: bool) {
        let c = self.job.layout.colors;
        let h = Self::row_height(cells);
        let top = self.y;
        if header {
            self.rect(self.left, top - h, t.widths.iter().sum(), h, c.header_fill);
        }
        let mut x = self.left;
        for (cell, &w) in cells.iter().zip(&t.widths) {
            let mut y = top - PAD_Y;
            for (line, st) in &cell.lines {
                let lx = match cell.align {
                    Align::Left => x + PAD_X,
                    Align::Center => x + (w - st.face().width(line, st.size)) / 2.0,
                };
                self.line_at(lx, y, line, *st);
                y -= st.line_height();
            }
            x += w;
        }
        // Grid: the row's bottom rule here; the column rules once per page
        // segment of the table (close_segment).
        let right = self.left + t.widths.iter().sum::<f32>();
        self.hline(self.left, right, top - h, c.grid, if header { 0.8 } else { 0.4 });
        if header {
            self.hline(self.left, right, top, c.grid, 0.8);
        }
        self.y = top - h;
        self.empty_header = header;
    }

    fn table_start(&mut self, t: &Table) {
        self.close_segment();
        let mut xs = vec![self.left];
        for w in &t.widths {
            xs.push(xs[xs.len() - 1] + w);
        }
        self.segment = Some((xs, self.y));
        self.draw_row(t, &t.header, true);
    }

    /// Draws the column rules of the open table segment, from its top to here.
    fn close_segment(&mut self) {
        if let Some((xs, top)) = self.segment.take() {
            let grid = self.job.layout.colors.grid;
            for x in xs {
                self.stroke(&[(x, top), (x, self.y)], grid, 0.4);
            }
        }
    }

    fn continue_table(&mut self, t: &Table) {
        self.new_page();
        if !t.caption.is_empty() {
            let st = self.small;
            let top = self.y;
            // One line: a long title is shortened, "(continued)" always shows.
            let cont = &self.job.strings.continued;
            let room = self.content_width() - st.face().width(&nfc(&format!(" {cont}")), st.size);
            let cont = nfc(&format!("{} {cont}", ellipsize(&nfc(&t.caption), st.face(), st.size, room)));
            self.line_at(self.left, top, &cont, st);
            self.y -= st.line_height() + 2.0;
        }
        self.table_start(t);
    }

    /// Space a continued table's caption and header take at the top of a page.
    fn header_space(&self, t: &Table) -> f32 {
        Self::row_height(&t.header) + self.small.line_height() + 2.0
    }

    /// The least room worth starting a split row in: three lines.
    fn min_split(&self) -> f32 {
        3.0 * self.table_text.line_height() + 2.0 * PAD_Y
    }

    /// Draws one body row: whole if it fits, on the next page (header
    /// repeated) if it fits there, split line by line only when it is taller
    /// than a page — or when moving it would leave a table header (and the
    /// heading above it) with no row under it.
    fn row(&mut self, t: &Table, cells: Vec<Cell>) {
        let mut cells = cells;
        let fresh = self.top - self.bottom - self.header_space(t);
        loop {
            let h = Self::row_height(&cells);
            let avail = self.y - self.bottom;
            if h <= avail + 0.01 {
                self.draw_row(t, &cells, false);
                return;
            }
            let at_top = self.y >= self.top - self.header_space(t) - 0.5;
            let orphan = self.empty_header && !at_top && avail >= self.min_split();
            if h <= fresh && !orphan || !at_top && avail < self.min_split() {
                self.continue_table(t);
                continue;
            }
            let (now, rest) = split(&cells, avail, fresh);
            self.draw_row(t, &now, false);
            self.continue_table(t);
            cells = rest;
        }
    }

    // ---- the document ---------------------------------------------------------

    fn document(&mut self) {
        self.title_block();
        self.legend();
        for (i, phase) in self.job.matrix.phases.iter().enumerate() {
            self.phase(i + 1, phase);
        }
        self.closing_notes();
        self.fingerprint();
    }

    fn title_block(&mut self) {
        let job = self.job;
        let (m, s, l) = (job.matrix, job.strings, job.layout);
        let kind = Style { bold: true, size: l.body_size - 0.5, color: l.colors.muted };
        let y = self.y;
        self.line_at(self.left, y, &nfc(&s.document_kind.to_uppercase()), kind);
        let mut below = kind.line_height();
        if let Some(logo) = &l.logo {
            // Top right of the first page, above the title.
            let (w, h) = (logo.width_mm * MM, logo.height_mm() * MM);
            self.end_text();
            // printpdf's placement arithmetic (pixel size, dpi, translation), so
            // the matrix is the one its `UseXobject` operation would write.
            let transform = printpdf::XObjectTransform {
                translate_x: Some(printpdf::Pt(self.right - w)),
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
            self.page.image(LOGO, m.as_array());
            below = below.max(h);
        }
        self.y -= below + 4.0;
        let title = Style { bold: true, size: l.title_size, color: l.colors.accent };
        self.paragraph(m.title.get(job.lang), title, 0.0);
        self.y -= 4.0;
        self.hline(self.left, self.right, self.y, l.colors.accent, 1.2);
        self.y -= 10.0;
        let lang = format!("{} ({})", s.language_name, job.lang);
        let facts = [
            (&s.matrix_id, m.id.clone()),
            (&s.version, m.version.clone()),
            (&s.as_of, s.date(&m.date)),
            (&s.language, lang),
        ];
        let label = Style { bold: true, ..self.body };
        let label_w =
            facts.iter().map(|(k, _)| label.face().width(&nfc(k), label.size)).fold(0.0, f32::max) + 12.0;
        for (k, v) in facts {
            let top = self.y;
            self.line_at(self.left, top, &nfc(k), label);
            let lines = wrap(&nfc(&v), self.body.face(), self.body.size, self.content_width() - label_w);
            for line in lines {
                let top = self.y;
                self.line_at(self.left + label_w, top, &line, self.body);
                self.y -= self.body.line_height();
            }
        }
        self.y -= 8.0;
        if let Some(intro) = &m.intro {
            self.paragraph(intro.get(job.lang), self.body, 0.0);
        }
    }

    fn legend(&mut self) {
        let job = self.job;
        let (m, s) = (job.matrix, job.strings);
        let w = self.content_width();
        let code_w = 42.0;
        let name_w = m
            .roles
            .iter()
            .map(|r| self.table_bold.face().width(&nfc(r.name.get(job.lang)), self.table_bold.size))
            .fold(self.table_bold.face().width(&nfc(&s.role), self.table_bold.size), f32::max)
            .clamp(60.0, w * 0.3)
            + 2.0 * PAD_X;
        let widths = vec![code_w, name_w, w - code_w - name_w];
        let header = vec![
            self.cell(&s.code, self.table_bold, code_w, Align::Center),
            self.cell(&s.role, self.table_bold, name_w, Align::Left),
            self.cell(&s.description, self.table_bold, widths[2], Align::Left),
        ];
        let t = Table { widths, header, caption: s.legend_heading.clone() };
        let code_st = Style { bold: true, ..self.table_text };
        let rows: Vec<Vec<Cell>> = m
            .roles
            .iter()
            .map(|r| {
                vec![
                    self.cell(&r.code.to_string(), code_st, t.widths[0], Align::Center),
                    self.cell(r.name.get(job.lang), code_st, t.widths[1], Align::Left),
                    self.cell(r.description.get(job.lang), self.table_text, t.widths[2], Align::Left),
                ]
            })
            .collect();
        // Keep the intro, the table header and the first row with the heading.
        let intro_h = self.paragraph_height(&s.legend_intro, self.body) + 4.0;
        let fresh = self.top - self.bottom - self.header_space(&t);
        let first_h = rows.first().map_or(0.0, |r| {
            let h = Self::row_height(r);
            if h <= fresh { h } else { self.min_split() }
        });
        self.heading(&s.legend_heading, 0, intro_h + Self::row_height(&t.header) + first_h);
        self.paragraph(&s.legend_intro, self.body, 0.0);
        self.y -= 4.0;
        self.table_start(&t);
        for cells in rows {
            self.row(&t, cells);
        }
    }

    fn activity_table(&self, caption: &str) -> Table {
        let job = self.job;
        let (m, s) = (job.matrix, job.strings);
        let w = self.content_width();
        let n = m.parties.len() as f32;
        // Wide enough for the longest party name on one line where the page allows.
        let widest = m
            .parties
            .iter()
            .map(|p| self.table_bold.face().width(&nfc(p.name.get(job.lang)), self.table_bold.size))
            .fold(0.0, f32::max);
        let party_w = (widest + 2.0 * PAD_X + 4.0).clamp(34.0, ((w * 0.45) / n).max(34.0));
        // Measured over every activity of the matrix: once, not once per table.
        let id_w = *self.id_width.get_or_init(|| {
            m.phases
                .iter()
                .flat_map(|p| p.all_activities())
                .map(|(_, a)| self.table_text.face().width(&a.id, self.table_text.size))
                .fold(self.table_bold.face().width(&nfc(&s.activity_id), self.table_bold.size), f32::max)
                .clamp(24.0, w * 0.2)
                + 2.0 * PAD_X
        });
        let mut widths = vec![id_w, w - id_w - party_w * n];
        widths.extend(m.parties.iter().map(|_| party_w));
        let mut header = vec![
            self.cell(&s.activity_id, self.table_bold, widths[0], Align::Left),
            self.cell(&s.activity, self.table_bold, widths[1], Align::Left),
        ];
        // A narrow party column takes its name in smaller type rather than
        // breaking a word (down to 5.5 pt; below that the word is broken).
        header.extend(m.parties.iter().map(|p| {
            let name = nfc(p.name.get(job.lang));
            let st = self.table_bold;
            let longest = name.split(' ').map(|w| st.face().width(w, st.size)).fold(0.0, f32::max);
            let room = party_w - 2.0 * PAD_X;
            let size = if longest > room { (st.size * room / longest).max(5.5) } else { st.size };
            self.cell(&name, Style { size, ..st }, party_w, Align::Center)
        }));
        Table { widths, header, caption: caption.to_string() }
    }

    fn activity_cells(&self, t: &Table, a: &Activity) -> Vec<Cell> {
        let job = self.job;
        let mut text = self.cell(a.text.get(job.lang), self.table_text, t.widths[1], Align::Left);
        if let Some(note) = &a.note {
            let note = format!("{}: {}", job.strings.note, note.get(job.lang));
            let st = self.note_style;
            text.lines.push((String::new(), Style { size: st.size * 0.4, ..st }));
            text.lines.extend(
                wrap(&nfc(&note), st.face(), st.size, t.widths[1] - 2.0 * PAD_X).into_iter().map(|l| (l, st)),
            );
        }
        let mut cells = vec![self.cell(&a.id, self.table_text, t.widths[0], Align::Left), text];
        let role_st = Style { bold: true, ..self.table_text };
        for (cell, w) in a.roles.iter().zip(&t.widths[2..]) {
            cells.push(self.cell(cell.as_str(), role_st, *w, Align::Center));
        }
        cells
    }

    fn activities(&mut self, t: &Table, list: &[Activity]) {
        for a in list {
            let cells = self.activity_cells(t, a);
            self.row(t, cells);
        }
    }

    /// Room to keep for an intro under a heading (a long one flows on: its start is enough).
    fn intro_keep(&self, intro: Option<&Localized>) -> f32 {
        intro.map_or(0.0, |i| self.paragraph_height(i.get(self.job.lang), self.body).min(60.0) + 4.0)
    }

    /// Room to keep under a heading: its intro and the table header with the
    /// first row. A row that fits on a page is never split, so all of it is
    /// kept (less would leave the heading and an empty header behind); a
    /// taller one is split, so room for a few of its lines is enough.
    fn keep_for(&self, intro: Option<&Localized>, t: &Table, first: Option<&Activity>) -> f32 {
        let intro_h = self.intro_keep(intro);
        let fresh = self.top - self.bottom - self.header_space(t);
        let first_h = first.map_or(0.0, |a| {
            let h = Self::row_height(&self.activity_cells(t, a));
            if h <= fresh { h } else { self.min_split() }
        });
        intro_h + Self::row_height(&t.header) + first_h
    }

    fn phase(&mut self, n: usize, phase: &Phase) {
        let lang = self.job.lang;
        let title = format!("{n}\u{2002}{}", phase.section.title.get(lang));
        let t = self.activity_table(&title);
        let keep = match phase.subphases.first() {
            // The first subphase heading follows: keep all that it keeps.
            Some(sub) if phase.section.activities.is_empty() => {
                let stitle = format!("{n}.1\u{2002}{}", sub.title.get(lang));
                let st = self.activity_table(&stitle);
                let (gap, h, below) = self.heading_space(&stitle, 1);
                self.intro_keep(phase.section.intro.as_ref())
                    + gap
                    + h
                    + below
                    + self.keep_for(sub.intro.as_ref(), &st, sub.activities.first())
            }
            _ => self.keep_for(phase.section.intro.as_ref(), &t, phase.section.activities.first()),
        };
        self.heading(&title, 0, keep);
        if let Some(intro) = &phase.section.intro {
            self.paragraph(intro.get(lang), self.body, 0.0);
            self.y -= 4.0;
        }
        if !phase.section.activities.is_empty() {
            self.table_start(&t);
            self.activities(&t, &phase.section.activities);
        }
        for (i, sub) in phase.subphases.iter().enumerate() {
            let stitle = format!("{n}.{}\u{2002}{}", i + 1, sub.title.get(lang));
            let st = self.activity_table(&stitle);
            let keep = self.keep_for(sub.intro.as_ref(), &st, sub.activities.first());
            self.heading(&stitle, 1, keep);
            if let Some(intro) = &sub.intro {
                self.paragraph(intro.get(lang), self.body, 0.0);
                self.y -= 4.0;
            }
            self.table_start(&st);
            self.activities(&st, &sub.activities);
            self.notes(&sub.notes);
        }
        self.notes(&phase.section.notes);
    }

    fn notes(&mut self, notes: &[Localized]) {
        if notes.is_empty() {
            return;
        }
        self.close_segment();
        self.y -= 5.0;
        let st = Style { size: self.body.size - 1.0, ..self.body };
        for note in notes {
            self.paragraph(note.get(self.job.lang), st, 0.0);
            self.y -= 3.0;
        }
    }

    fn closing_notes(&mut self) {
        let m = self.job.matrix;
        if m.notes.is_empty() {
            return;
        }
        let first = self.paragraph_height(m.notes[0].get(self.job.lang), self.body).min(60.0);
        self.heading(&self.job.strings.notes_heading.clone(), 0, first);
        for note in &m.notes {
            self.paragraph(note.get(self.job.lang), self.body, 0.0);
            self.y -= 4.0;
        }
    }

    fn fingerprint(&mut self) {
        let job = self.job;
        let (m, s) = (job.matrix, job.strings);
        let text = s.fingerprint(crate::TOOL, &m.id, &m.version);
        let h = self.paragraph_height(&text, self.body) + 3.0 * self.body.line_height();
        self.heading(&s.fingerprint_heading, 0, h);
        self.paragraph(&text, self.body, 0.0);
        self.y -= 3.0;
        let mono = Style { bold: true, ..self.body };
        self.paragraph(&format!("SHA-256 ({})", m.source.file_name), self.small, 0.0);
        self.paragraph(&m.source.sha256, mono, 0.0);
    }

    /// Closes the last page and adds the running header and footer to every page.
    fn finish(mut self) -> Composed {
        self.close_segment();
        self.end_text();
        self.pages.push(std::mem::take(&mut self.page));
        let total = self.pages.len();
        let job = self.job;
        let (m, s, l) = (job.matrix, job.strings, job.layout);
        let st = Style { bold: false, size: 7.5, color: l.colors.muted };
        let title = nfc(m.title.get(job.lang));
        let version = nfc(&format!("{} {}", s.version, m.version));
        let date = nfc(&format!("{} {}", s.as_of, s.date(&m.date)));
        let head_y = self.top + 20.0;
        let foot_y = self.bottom - 16.0;
        let pages = std::mem::take(&mut self.pages);
        let mut out = Vec::with_capacity(total);
        for (i, page) in pages.into_iter().enumerate() {
            self.page = page;
            self.fill = None;
            self.stroke = None;
            let face = st.face();
            let vw = face.width(&version, st.size);
            let room = self.content_width() - vw - 12.0;
            let t = ellipsize(&title, face, st.size, room);
            self.line_at(self.left, head_y, &t, st);
            self.line_at(self.right - vw, head_y, &version, st);
            self.hline(self.left, self.right, head_y - st.line_height() - 1.0, l.colors.grid, 0.5);
            self.hline(self.left, self.right, foot_y + 2.0, l.colors.grid, 0.5);
            let page = nfc(&s.page_x_of_y(i + 1, total));
            let pw = face.width(&page, st.size);
            let dw = face.width(&date, st.size);
            self.line_at(self.left, foot_y, &m.id, st);
            self.line_at(self.left + (self.content_width() - dw) / 2.0, foot_y, &date, st);
            self.line_at(self.right - pw, foot_y, &page, st);
            self.end_text();
            out.push(std::mem::take(&mut self.page));
        }
        Composed {
            width: self.width,
            height: self.height,
            pages: out,
            glyphs: self.glyphs,
            outline: self.outline,
        }
    }
}

/// Cuts `s` to fit `width`, ending with "…" when it had to be shortened.
fn ellipsize(s: &str, face: &Face, size: f32, width: f32) -> String {
    if face.width(s, size) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let budget = width - face.width("…", size);
    let mut w = 0.0;
    for c in s.chars() {
        let cw = f32::from(face.advance(c)) * size / f32::from(face.units_per_em);
        if w + cw > budget {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Splits a row taller than a page: the lines that fit in `avail` now, the
/// rest for the next page. Short cells (id, roles) are repeated on the
/// continuation so that every part of the row says whose it is.
fn split(cells: &[Cell], avail: f32, fresh: f32) -> (Vec<Cell>, Vec<Cell>) {
    let mut now = Vec::new();
    let mut rest = Vec::new();
    for cell in cells {
        let mut h = 2.0 * PAD_Y;
        let mut k = 0;
        for (_, st) in &cell.lines {
            if h + st.line_height() > avail {
                break;
            }
            h += st.line_height();
            k += 1;
        }
        let (a, b) = cell.lines.split_at(k);
        now.push(Cell { lines: a.to_vec(), align: cell.align });
        let repeat = b.is_empty() && cell.height() <= fresh / 4.0;
        rest.push(Cell { lines: if repeat { cell.lines.clone() } else { b.to_vec() }, align: cell.align });
    }
    (now, rest)
}
