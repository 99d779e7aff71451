//! The page flow every PDF of the tool is composed with (the contract
//! annex, the amendment annex): text flowing down pages in the layout's
//! margins, with the rules a lawyer expects — paragraphs and headings
//! wrapped by real glyph widths, headings kept with what follows, table
//! cells wrapped inside their column, rows kept whole unless taller than a
//! page, the table header repeated on every page a table continues on, and
//! a running header and a "Page X of Y" footer on every page.
//!
//! A document module (e.g. [`super::annex`]) decides what to print; [`Flow`]
//! decides where it lands and writes it as page content streams.

use unicode_normalization::UnicodeNormalization;

use super::content::{Content, Line};
use super::tags::{Elem, Role, Tree};
use super::wrap::wrap;
use crate::fonts::{self, Face};
use crate::i18n::Strings;
use crate::layout::{Layout, Rgb};

/// Resource name of the regular face (not F1..F14, which printpdf reserves for builtin fonts).
pub(super) const FONT_REGULAR: &str = "DJVSANS";
/// Resource name of the logo image.
pub(super) const LOGO: &str = "LOGO";
/// Resource name of the bold face.
pub(super) const FONT_BOLD: &str = "DJVSANSB";

pub(super) const MM: f32 = 72.0 / 25.4;
pub(super) const PAD_X: f32 = 3.2;
const PAD_Y: f32 = 2.6;
const LINE: f32 = 1.24;

/// The composed document: page content streams, the glyphs they show and the outline marks.
pub struct Composed {
    /// Page width in points.
    pub width: f32,
    /// Page height in points.
    pub height: f32,
    /// Content stream of each page, header and footer included, showing
    /// glyph ids of the full fonts (see [`Content::finish`]).
    pub pages: Vec<Content>,
    /// Glyphs shown, per face (regular, bold): full-font glyph id → the
    /// character it shows, `None` for glyphs never shown.
    pub glyphs: [Vec<Option<char>>; 2],
    /// Outline entries in document order.
    pub outline: Vec<Mark>,
    /// The logical structure: elements in reading order, and the element
    /// of each page's marked-content sequences.
    pub(super) tree: Tree,
    /// The signature fields, in the order they are printed.
    pub(super) fields: Vec<Field>,
}

/// An empty signature field (`/FT /Sig`) and where its widget sits.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Field {
    /// The field's name, e.g. `signature-customer`.
    pub(super) name: String,
    /// Its accessible description (`/TU`), e.g. "Signature of Customer".
    pub(super) tooltip: String,
    /// 0-based page index.
    pub(super) page: usize,
    /// The widget's rectangle: left, bottom, right, top, in points.
    pub(super) rect: [f32; 4],
    /// Its [`Role::Form`] element.
    pub(super) elem: Elem,
}

/// What the text drawn next is, for the logical structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tag {
    /// Content of a structure element.
    Elem(Elem),
    /// Not content: a repeated table header, a caption saying "continued".
    Artifact,
    /// Page furniture: the running header or footer (`Header`, `Footer`).
    Pagination(&'static str),
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

/// How a run of text is set: face, size and colour.
#[derive(Clone, Copy)]
pub(super) struct Style {
    pub(super) bold: bool,
    pub(super) size: f32,
    pub(super) color: Rgb,
}

impl Style {
    pub(super) fn face(&self) -> &'static Face {
        if self.bold { fonts::bold() } else { fonts::regular() }
    }
    pub(super) fn line_height(&self) -> f32 {
        self.size * LINE
    }
}

/// Where a cell's lines sit in their column.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Align {
    Left,
    Center,
}

/// One cell's content: wrapped lines, each with its style.
#[derive(Clone)]
pub(super) struct Cell {
    pub(super) lines: Vec<(String, Style)>,
    pub(super) align: Align,
    /// A copy of a cell already printed on the page before (a split row
    /// repeats its id and roles): an artifact, read once.
    pub(super) repeated: bool,
}

impl Cell {
    pub(super) fn height(&self) -> f32 {
        self.lines.iter().map(|(_, s)| s.line_height()).sum::<f32>() + 2.0 * PAD_Y
    }
}

/// Column widths and header of one table.
pub(super) struct Table {
    pub(super) widths: Vec<f32>,
    pub(super) header: Vec<Cell>,
    /// Printed above the repeated header on continuation pages.
    pub(super) caption: String,
}

/// The part of a table on one page: its grid is drawn once the part is
/// complete, in one artifact, so that the rows' text flows in one text object.
struct Segment {
    /// The x of every column rule, left to right.
    xs: Vec<f32>,
    /// The segment's top.
    top: f32,
    /// The row rules so far: y and thickness.
    rules: Vec<(f32, f32)>,
}

/// What the running header and footer of every page say.
pub(super) struct Running<'r> {
    /// Left of the header: the document's title (shortened with "…" to fit).
    pub(super) title: &'r str,
    /// Right of the header, e.g. "Version 1.1".
    pub(super) version: String,
    /// Left of the footer: the matrix id.
    pub(super) id: &'r str,
    /// Centre of the footer, e.g. "As of 23 November 2026".
    pub(super) date: String,
}

/// NFC, without the cost of recomposing text that is already NFC (nearly all of it).
pub(super) fn nfc(s: &str) -> String {
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_string(),
        _ => s.nfc().collect(),
    }
}

fn color(c: Rgb) -> [f32; 3] {
    [f32::from(c.0) / 255.0, f32::from(c.1) / 255.0, f32::from(c.2) / 255.0]
}

/// The pages composed so far and the place where the next line goes.
pub(super) struct Flow<'a> {
    layout: &'a Layout,
    strings: &'a Strings,
    width: f32,
    height: f32,
    pub(super) left: f32,
    pub(super) right: f32,
    pub(super) top: f32,
    pub(super) bottom: f32,
    /// The top of the next line, in points from the bottom of the page.
    pub(super) y: f32,
    /// The page being composed.
    pub(super) page: Content,
    pages: Vec<Content>,
    glyphs: [Vec<Option<char>>; 2],
    outline: Vec<Mark>,
    fill: Option<Rgb>,
    stroke: Option<(Rgb, f32)>,
    /// Inside an open text object, with the font (bold, size) last set in it.
    text_font: Option<Option<(bool, f32)>>,
    /// Start of the last line shown in the open text object (`Td` is relative to it).
    text_origin: (f32, f32),
    /// The open table segment on this page.
    segment: Option<Segment>,
    /// A table header was just drawn and no row under it yet.
    empty_header: bool,
    /// The structure tree grown so far.
    tree: Tree,
    /// The element new elements are added to, innermost last.
    containers: Vec<Elem>,
    /// What the text drawn next belongs to.
    pub(super) tag: Tag,
    /// The marked-content sequence open in the page's stream.
    marking: Option<Tag>,
    /// The open table's `Table` and `TBody` elements.
    table: Option<(Elem, Elem)>,
    /// The signature fields placed so far.
    fields: Vec<Field>,
    /// Body text.
    pub(super) body: Style,
    /// Small print (captions, the fingerprint's label).
    pub(super) small: Style,
    /// Table cells.
    pub(super) table_text: Style,
    /// Table headers.
    pub(super) table_bold: Style,
    /// Notes inside a table cell.
    pub(super) note_style: Style,
}

impl<'a> Flow<'a> {
    /// An empty first page in `layout`'s paper and margins, tables set at
    /// `table_size` points; `strings` give the words of the page furniture
    /// ("continued", "Page X of Y").
    pub(super) fn new(layout: &'a Layout, strings: &'a Strings, table_size: f32) -> Flow<'a> {
        let l = layout;
        let (wmm, hmm) = l.page_mm();
        let (width, height) = (wmm * MM, hmm * MM);
        let m = l.margins_mm;
        let c = &l.colors;
        Flow {
            layout,
            strings,
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
            tree: Tree::new(),
            containers: vec![Tree::ROOT],
            tag: Tag::Artifact,
            marking: None,
            table: None,
            fields: Vec::new(),
            body: Style { bold: false, size: l.body_size, color: c.text },
            small: Style { bold: false, size: l.body_size - 1.5, color: c.muted },
            table_text: Style { bold: false, size: table_size, color: c.text },
            table_bold: Style { bold: true, size: table_size, color: c.accent },
            note_style: Style { bold: false, size: table_size - 1.0, color: c.muted },
        }
    }
}

impl Flow<'_> {
    pub(super) fn content_width(&self) -> f32 {
        self.right - self.left
    }

    /// The page layout the flow composes in.
    pub(super) fn layout(&self) -> &Layout {
        self.layout
    }

    // ---- logical structure ----------------------------------------------------

    /// A new element of `role`, the last child of the innermost open one.
    pub(super) fn element(&mut self, role: Role) -> Elem {
        let parent = self.containers.last().copied().unwrap_or(Tree::ROOT);
        self.tree.add(parent, role)
    }

    /// Like [`Self::element`], and the elements that follow go into it until [`Self::close`].
    pub(super) fn open(&mut self, role: Role) -> Elem {
        let e = self.element(role);
        self.containers.push(e);
        e
    }

    /// Closes the innermost element opened with [`Self::open`].
    pub(super) fn close(&mut self) {
        if self.containers.len() > 1 {
            self.containers.pop();
        }
    }

    /// Gives `elem` the alternate text `alt` (a figure's description).
    pub(super) fn set_alt(&mut self, elem: Elem, alt: &str) {
        self.tree.nodes[elem].alt = Some(alt.to_string());
    }

    /// Opens the marked-content sequence of `want` in the page's stream,
    /// closing the one open before, unless it is open already.
    pub(super) fn mark(&mut self, want: Tag) {
        if self.marking == Some(want) {
            return;
        }
        self.unmark();
        match want {
            Tag::Elem(e) => {
                let mcid = self.tree.mark(e, self.pages.len());
                self.page.begin_marked(self.tree.nodes[e].role.name(), mcid);
            }
            Tag::Artifact => self.page.begin_artifact(None),
            Tag::Pagination(kind) => self.page.begin_artifact(Some(kind)),
        }
        self.marking = Some(want);
    }

    /// Closes the open marked-content sequence, if any.
    pub(super) fn unmark(&mut self) {
        if self.marking.take().is_some() {
            self.page.end_marked();
        }
    }

    /// Places an empty signature field named `name` over `rect` (left,
    /// bottom, right, top) on the current page, tagged as a `Form` element.
    pub(super) fn signature_field(&mut self, name: &str, tooltip: &str, rect: [f32; 4]) {
        let elem = self.element(Role::Form);
        let index = self.fields.len();
        let page = self.pages.len();
        self.tree.nodes[elem].kids.push(super::tags::Kid::Widget { page, index });
        self.fields.push(Field { name: name.to_string(), tooltip: tooltip.to_string(), page, rect, elem });
    }

    // ---- drawing primitives -------------------------------------------------

    pub(super) fn set_fill(&mut self, c: Rgb) {
        if self.fill != Some(c) {
            self.page.fill_rgb(color(c));
            self.fill = Some(c);
        }
    }

    /// Shows `s` at an absolute position. Consecutive runs share one text
    /// object (BT … ET) and a font is set only when it changes: a table row
    /// costs a handful of operations instead of five per line.
    pub(super) fn text(&mut self, x: f32, baseline: f32, s: &str, st: Style) {
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
        // Marked content nests inside the text object: it opens after `BT`
        // and closes before `ET` (see `end_text`).
        self.mark(self.tag);
        if current != Some((st.bold, st.size)) {
            self.page.font(if st.bold { FONT_BOLD } else { FONT_REGULAR }, st.size);
        }
        self.text_font = Some(Some((st.bold, st.size)));
        self.set_fill(st.color);
        // `Td` moves relative to the previous line's start: two numbers instead
        // of `Tm`'s six. Line starts are kept on the hundredth-of-a-point grid
        // the stream writes, so that the moves add up without drift.
        let grid = |v: f32| (v * 100.0).round() / 100.0;
        let (x, baseline) = (grid(x), grid(baseline));
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
    pub(super) fn end_text(&mut self) {
        if self.text_font.take().is_some() {
            self.unmark();
            self.page.end_text();
        }
    }

    /// Draws one line of text whose line box starts at `top`.
    pub(super) fn line_at(&mut self, x: f32, top: f32, s: &str, st: Style) {
        let baseline = top - (st.line_height() - st.size * 1.164) / 2.0 - st.size * 0.928;
        self.text(x, baseline, s, st);
    }

    /// Fills a rectangle: a cell's background, an artifact.
    pub(super) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        self.end_text();
        self.mark(Tag::Artifact);
        self.set_fill(fill);
        self.page.fill_rect(x, y, w, h);
    }

    pub(super) fn hline(&mut self, x0: f32, x1: f32, y: f32, c: Rgb, thick: f32) {
        self.stroke(&[(x0, y), (x1, y)], c, thick);
    }

    /// Ends the text, starts an artifact and sets the stroke colour and
    /// width, each only when it differs from the current one.
    fn artifact_pen(&mut self, c: Rgb, thick: f32) {
        self.end_text();
        self.mark(Tag::Artifact);
        if self.stroke.map(|s| s.0) != Some(c) {
            self.page.stroke_rgb(color(c));
        }
        if self.stroke.map(|s| s.1) != Some(thick) {
            self.page.line_width(thick);
        }
        self.stroke = Some((c, thick));
    }

    /// Strokes a polyline: a rule or a grid line, an artifact.
    pub(super) fn stroke(&mut self, pts: &[(f32, f32)], c: Rgb, thick: f32) {
        self.artifact_pen(c, thick);
        self.page.polyline(pts);
    }

    // ---- pages and flow -------------------------------------------------------

    pub(super) fn new_page(&mut self) {
        self.close_segment();
        self.end_text();
        self.unmark();
        self.pages.push(std::mem::take(&mut self.page));
        self.fill = None;
        self.stroke = None;
        self.y = self.top;
    }

    /// Starts a new page unless `space` points are left on this one.
    pub(super) fn ensure(&mut self, space: f32) {
        if self.y - space < self.bottom && self.y < self.top {
            self.new_page();
        }
    }

    pub(super) fn gap(&mut self, h: f32) {
        if self.y < self.top {
            self.y -= h;
        }
    }

    /// A wrapped text flowing across pages line by line, each of its
    /// paragraphs a `P` element.
    pub(super) fn paragraph(&mut self, text: &str, st: Style, indent: f32) {
        self.paragraph_as(Role::P, text, st, indent);
    }

    /// Like [`Self::paragraph`], each paragraph an element of `role` (the
    /// document's title is an `H1`).
    pub(super) fn paragraph_as(&mut self, role: Role, text: &str, st: Style, indent: f32) {
        self.close_segment();
        self.end_table();
        let width = self.content_width() - indent;
        self.tag = Tag::Elem(self.element(role));
        for line in wrap(&nfc(text), st.face(), st.size, width) {
            if line.is_empty() {
                self.tag = Tag::Elem(self.element(role));
            }
            let lh = if line.is_empty() { st.line_height() * 0.5 } else { st.line_height() };
            if self.y - lh < self.bottom {
                self.new_page();
            }
            let top = self.y;
            self.line_at(self.left + indent, top, &line, st);
            self.y -= lh;
        }
    }

    pub(super) fn paragraph_height(&self, text: &str, st: Style) -> f32 {
        wrap(&nfc(text), st.face(), st.size, self.content_width()).len() as f32 * st.line_height()
    }

    pub(super) fn heading_style(&self, level: u8) -> Style {
        let l = self.layout;
        Style {
            bold: true,
            size: if level == 0 { l.heading_size } else { l.subheading_size },
            color: l.colors.accent,
        }
    }

    /// A heading's room: the gap above it, its lines, and the rule and gap below.
    pub(super) fn heading_space(&self, text: &str, level: u8) -> (f32, f32, f32) {
        let st = self.heading_style(level);
        let h = wrap(&nfc(text), st.face(), st.size, self.content_width()).len() as f32 * st.line_height();
        if level == 0 { (10.0, h, 4.0 + 3.0) } else { (6.0, h, 3.0) }
    }

    /// A heading, kept on one page with at least `keep` points of what follows.
    /// Tagged `H2` (level 0) or `H3` (level 1), with an outline entry.
    pub(super) fn heading(&mut self, text: &str, level: u8, keep: f32) {
        let l = self.layout;
        let st = self.heading_style(level);
        self.close_segment();
        self.end_table();
        self.tag = Tag::Elem(self.element(if level == 0 { Role::H2 } else { Role::H3 }));
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

    pub(super) fn cell(&self, text: &str, st: Style, width: f32, align: Align) -> Cell {
        let lines =
            wrap(&nfc(text), st.face(), st.size, width - 2.0 * PAD_X).into_iter().map(|l| (l, st)).collect();
        Cell { lines, align, repeated: false }
    }

    pub(super) fn row_height(cells: &[Cell]) -> f32 {
        cells.iter().map(Cell::height).fold(0.0, f32::max)
    }

    /// Draws one row (part of one, when split) whose cells are the
    /// elements `tags` (`None`: a repeated header, an artifact).
    pub(super) fn draw_row(&mut self, t: &Table, cells: &[Cell], header: bool, tags: Option<&[Elem]>) {
        let c = self.layout.colors;
        let h = Self::row_height(cells);
        let top = self.y;
        if header {
            self.rect(self.left, top - h, t.widths.iter().sum(), h, c.header_fill);
        }
        let mut x = self.left;
        for (i, (cell, &w)) in cells.iter().zip(&t.widths).enumerate() {
            self.tag = match tags.and_then(|t| t.get(i)) {
                Some(&e) if !cell.repeated => Tag::Elem(e),
                _ => Tag::Artifact,
            };
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
        // Grid: the row rules and the column rules once per page segment of
        // the table (close_segment).
        if let Some(seg) = &mut self.segment {
            if header {
                seg.rules.push((top, 0.8));
            }
            seg.rules.push((top - h, if header { 0.8 } else { 0.4 }));
        }
        self.y = top - h;
        self.empty_header = header;
    }

    /// Starts a table (a `Table` element with its `THead` and `TBody`)
    /// with its header row.
    pub(super) fn table_start(&mut self, t: &Table) {
        self.end_table();
        let table = self.element(Role::Table);
        let head = self.tree.add(table, Role::THead);
        let tr = self.tree.add(head, Role::TR);
        let ths: Vec<Elem> = t.header.iter().map(|_| self.tree.add(tr, Role::TH)).collect();
        self.header_row(t, Some(&ths));
        let body = self.tree.add(table, Role::TBody);
        self.table = Some((table, body));
    }

    /// Ends the open table, if any: what follows is not part of it.
    pub(super) fn end_table(&mut self) {
        self.table = None;
    }

    /// Draws the header row of `t` at the top of a new table segment.
    fn header_row(&mut self, t: &Table, tags: Option<&[Elem]>) {
        self.close_segment();
        let mut xs = vec![self.left];
        for w in &t.widths {
            xs.push(xs[xs.len() - 1] + w);
        }
        self.segment = Some(Segment { xs, top: self.y, rules: Vec::new() });
        self.draw_row(t, &t.header, true, tags);
    }

    /// Draws the column rules of the open table segment, from its top to here.
    pub(super) fn close_segment(&mut self) {
        let Some(seg) = self.segment.take() else { return };
        let grid = self.layout.colors.grid;
        let (left, right) = (seg.xs[0], seg.xs[seg.xs.len() - 1]);
        let header: Vec<_> =
            seg.rules.iter().filter(|r| r.1 > 0.5).map(|r| ((left, r.0), (right, r.0))).collect();
        let mut thin: Vec<_> =
            seg.rules.iter().filter(|r| r.1 <= 0.5).map(|r| ((left, r.0), (right, r.0))).collect();
        thin.extend(seg.xs.iter().map(|&x| ((x, seg.top), (x, self.y))));
        self.lines(&header, grid, 0.8);
        self.lines(&thin, grid, 0.4);
    }

    /// Strokes separate straight lines as one path: grid lines, an artifact.
    fn lines(&mut self, lines: &[Line], c: Rgb, thick: f32) {
        if lines.is_empty() {
            return;
        }
        self.artifact_pen(c, thick);
        self.page.segments(lines);
    }

    pub(super) fn continue_table(&mut self, t: &Table) {
        self.new_page();
        if !t.caption.is_empty() {
            let st = self.small;
            let top = self.y;
            // One line: a long title is shortened, "(continued)" always shows.
            let cont = &self.strings.continued;
            let room = self.content_width() - st.face().width(&nfc(&format!(" {cont}")), st.size);
            let cont = nfc(&format!("{} {cont}", ellipsize(&nfc(&t.caption), st.face(), st.size, room)));
            self.tag = Tag::Artifact;
            self.line_at(self.left, top, &cont, st);
            self.y -= st.line_height() + 2.0;
        }
        // The same table goes on: its header is repeated as an artifact.
        self.header_row(t, None);
    }

    /// Space a continued table's caption and header take at the top of a page.
    pub(super) fn header_space(&self, t: &Table) -> f32 {
        Self::row_height(&t.header) + self.small.line_height() + 2.0
    }

    /// The least room worth starting a split row in: three lines.
    pub(super) fn min_split(&self) -> f32 {
        3.0 * self.table_text.line_height() + 2.0 * PAD_Y
    }

    /// Draws one body row: whole if it fits, on the next page (header
    /// repeated) if it fits there, split line by line only when it is taller
    /// than a page — or when moving it would leave a table header (and the
    /// heading above it) with no row under it.
    pub(super) fn row(&mut self, t: &Table, cells: Vec<Cell>) {
        let mut cells = cells;
        // One `TR` with a `TD` per cell, whichever pages the row lands on.
        let tags: Option<Vec<Elem>> = self.table.map(|(_, body)| {
            let tr = self.tree.add(body, Role::TR);
            cells.iter().map(|_| self.tree.add(tr, Role::TD)).collect()
        });
        let tags = tags.as_deref();
        let fresh = self.top - self.bottom - self.header_space(t);
        loop {
            let h = Self::row_height(&cells);
            let avail = self.y - self.bottom;
            if h <= avail + 0.01 {
                self.draw_row(t, &cells, false, tags);
                return;
            }
            let at_top = self.y >= self.top - self.header_space(t) - 0.5;
            let orphan = self.empty_header && !at_top && avail >= self.min_split();
            if h <= fresh && !orphan || !at_top && avail < self.min_split() {
                self.continue_table(t);
                continue;
            }
            let (now, rest) = split(&cells, avail, fresh);
            self.draw_row(t, &now, false, tags);
            self.continue_table(t);
            cells = rest;
        }
    }

    /// Closes the last page and adds the running header and footer to every page.
    pub(super) fn finish(mut self, running: &Running<'_>) -> Composed {
        self.close_segment();
        self.end_table();
        self.end_text();
        self.unmark();
        self.pages.push(std::mem::take(&mut self.page));
        let total = self.pages.len();
        let (s, l) = (self.strings, self.layout);
        let st = Style { bold: false, size: 7.5, color: l.colors.muted };
        let title = nfc(running.title);
        let version = nfc(&running.version);
        let date = nfc(&running.date);
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
            self.tag = Tag::Pagination("Header");
            self.line_at(self.left, head_y, &t, st);
            self.line_at(self.right - vw, head_y, &version, st);
            self.hline(self.left, self.right, head_y - st.line_height() - 1.0, l.colors.grid, 0.5);
            self.hline(self.left, self.right, foot_y + 2.0, l.colors.grid, 0.5);
            let page = nfc(&s.page_x_of_y(i + 1, total));
            let pw = face.width(&page, st.size);
            let dw = face.width(&date, st.size);
            self.tag = Tag::Pagination("Footer");
            self.line_at(self.left, foot_y, running.id, st);
            self.line_at(self.left + (self.content_width() - dw) / 2.0, foot_y, &date, st);
            self.line_at(self.right - pw, foot_y, &page, st);
            self.end_text();
            self.unmark();
            out.push(std::mem::take(&mut self.page));
        }
        Composed {
            width: self.width,
            height: self.height,
            pages: out,
            glyphs: self.glyphs,
            outline: self.outline,
            tree: self.tree,
            fields: self.fields,
        }
    }
}

/// Cuts `s` to fit `width`, ending with "…" when it had to be shortened.
pub(super) fn ellipsize(s: &str, face: &Face, size: f32, width: f32) -> String {
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
        now.push(Cell { lines: a.to_vec(), align: cell.align, repeated: cell.repeated });
        let repeat = b.is_empty() && cell.height() <= fresh / 4.0;
        let lines = if repeat { cell.lines.clone() } else { b.to_vec() };
        rest.push(Cell { lines, align: cell.align, repeated: repeat || cell.repeated });
    }
    (now, rest)
}
