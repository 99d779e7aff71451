//! The XLSX workbook (cli.md, `ID-LANG.xlsx`): a legend sheet first, then one
//! sheet per phase, each ready to print on its own.
//!
//! Layout of a phase sheet, top to bottom (the tests read it back this way):
//! - row 1: the header (ID, activity, one column per party, and a note column
//!   only when an activity of the phase has a note); frozen, filtered and
//!   repeated on every printed page;
//! - the phase intro, if any, as one merged row;
//! - the phase's own activities, one row each;
//! - per subphase: its title as a bold, filled, merged row, its intro (if
//!   any) as a filled merged row, its activities, then its notes as merged
//!   rows;
//! - after one empty row, the phase notes under a heading.
//!
//! Excel does not grow rows for wrapped text by itself (nor does
//! rust_xlsxwriter), so every row gets a height estimated from the shipped
//! DejaVu Sans metrics, which are wider than Excel's Calibri and equal to what
//! LibreOffice falls back to where Calibri is missing: rows err on the tall
//! side rather than clip a clause of a contract.
//!
//! Every text is written with `write_string` (shared strings, never a
//! formula); a text that Excel would run as a formula once a user edits the
//! cell (`=`, `+`, `-`, `@`) also gets the "quote prefix" style.
//! The creation date is the matrix date, so reruns are byte-identical.

use std::collections::{HashMap, HashSet};

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::{Job, Output, RenderError};
use crate::fonts::{self, Face};
use crate::i18n::{Orientation, Paper};
use crate::model::{Activity, Localized, Phase, RoleCell};

/// Excel's limit on a sheet name, in UTF-16 code units.
pub const SHEET_NAME_MAX: usize = 31;
/// The name Excel reserves for its change history; no sheet may take it.
const RESERVED_SHEET_NAME: &str = "history";

/// Width of the activity id column, in Excel character units.
const ID_WIDTH: f64 = 16.0;
/// Width of the note column.
const NOTE_WIDTH: f64 = 40.0;
/// Narrowest and usual widest party column.
const PARTY_WIDTH: (f64, f64) = (12.0, 16.0);
/// Widest party column, for a name with a long word ("Datenschutzbeauftragter").
const PARTY_WIDTH_MAX: f64 = 24.0;
/// Body font size of the workbook (Excel's default, Calibri 11).
const BODY_PT: f32 = 11.0;
/// Line height of the body font: Excel's default row height.
const LINE_PT: f64 = 15.0;
/// Excel's tallest row.
const MAX_ROW_PT: f64 = 409.0;
/// Excel's limit on a header or footer, in UTF-16 units, control codes included.
const HEADER_FOOTER_MAX: usize = 255;

/// Renders the workbook of one matrix in one language.
///
/// # Errors
/// When rust_xlsxwriter refuses the content (e.g. a text over Excel's 32,767
/// characters or more rows than a sheet holds); never panics.
pub fn render(job: &Job<'_>) -> Result<Vec<Output>, RenderError> {
    let bytes = build(job).map_err(|e| RenderError::new("xlsx", job, e))?;
    Ok(vec![Output { file_name: format!("{}.xlsx", job.stem()), bytes }])
}

fn build(job: &Job<'_>) -> Result<Vec<u8>, XlsxError> {
    let m = job.matrix;
    let lang = job.lang;
    let styles = Styles::new(job);
    let names = sheet_names(
        std::iter::once((job.strings.legend_sheet.as_str(), "Legend"))
            .chain(m.phases.iter().map(|p| (p.section.title.get(lang), p.section.id.as_str()))),
    );

    let mut wb = Workbook::new();
    // zlib's fastest level, as for the PDF streams: a batch of 900
    // workbooks takes 0.34 s less CPU (a fifth of their time), files are a
    // quarter larger (16.5 KB -> 20.5 KB for 60 activities).
    wb.set_zip_compression_level(1);
    wb.set_properties(&properties(job)?);

    let ws = wb.add_worksheet();
    ws.set_name(&names[0])?;
    legend_sheet(ws, job, &styles)?;
    print_setup(ws, job, job.layout.orientation == Orientation::Landscape, &job.strings.legend_sheet)?;

    for (phase, name) in m.phases.iter().zip(&names[1..]) {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        phase_sheet(ws, job, phase, &styles)?;
        let landscape = job.layout.orientation == Orientation::Landscape || m.parties.len() > 3;
        print_setup(ws, job, landscape, phase.section.title.get(lang))?;
        ws.set_repeat_rows(0, 0)?;
    }
    wb.save_to_buffer()
}

/// Title, subject, author and the rest, dated at the matrix date so that two
/// runs give the same bytes.
///
/// Author is the tool (the workbook is generated, not typed); company is the
/// provider: the first party whose id is not `customer`, else empty.
fn properties(job: &Job<'_>) -> Result<DocProperties, XlsxError> {
    let m = job.matrix;
    let d = m.date;
    let created = ExcelDateTime::from_ymd(d.year, d.month, d.day)?.and_hms(0, 0, 0)?;
    let company = m.parties.iter().find(|p| p.id != "customer").map_or("", |p| p.name.get(job.lang));
    Ok(DocProperties::new()
        .set_title(m.title.get(job.lang))
        .set_subject(&job.strings.document_kind)
        .set_author(crate::TOOL)
        .set_company(company)
        .set_category("RACI")
        .set_keywords(format!("{}, {}, {}", m.id, m.version, job.lang))
        .set_custom_property("Language", job.lang.as_str())
        .set_creation_datetime(&created))
}

/// Every cell format of the workbook, built once per workbook.
struct Styles {
    title: Format,
    heading: Format,
    label: Format,
    plain: Format,
    header: Format,
    cell: Format,
    role_accountable: Format,
    role_responsible: Format,
    role_other: Format,
    role_none: Format,
    phase_intro: Format,
    subphase: Format,
    subphase_intro: Format,
    subphase_note: Format,
}

impl Styles {
    fn new(job: &Job<'_>) -> Styles {
        let c = job.layout.colors;
        let rgb = |v: crate::i18n::Rgb| Color::RGB(v.hex());
        let wrap = || Format::new().set_text_wrap().set_align(FormatAlign::Top).set_font_color(rgb(c.text));
        let cell = || wrap().set_border(FormatBorder::Thin).set_border_color(rgb(c.grid));
        let role = || cell().set_align(FormatAlign::Center);
        Styles {
            title: wrap().set_bold().set_font_size(TITLE_PT).set_font_color(rgb(c.accent)),
            heading: Format::new().set_bold().set_font_size(HEADING_PT).set_font_color(rgb(c.accent)),
            label: wrap().set_bold(),
            plain: wrap(),
            header: cell().set_bold().set_font_color(rgb(c.accent)).set_background_color(rgb(c.header_fill)),
            cell: cell(),
            role_accountable: role().set_background_color(rgb(c.accountable_fill)),
            role_responsible: role().set_background_color(rgb(c.responsible_fill)),
            role_other: role().set_background_color(rgb(c.other_fill)),
            role_none: role(),
            phase_intro: cell().set_italic(),
            subphase: cell()
                .set_bold()
                .set_font_color(rgb(c.accent))
                .set_background_color(rgb(c.subphase_fill)),
            subphase_intro: cell().set_italic().set_background_color(rgb(c.subphase_fill)),
            subphase_note: cell().set_italic().set_font_color(rgb(c.muted)),
        }
    }

    /// The fill that tells a role cell's weight at a glance: accountable,
    /// else responsible, else any other role, else none.
    fn role(&self, cell: &RoleCell, job: &Job<'_>) -> &Format {
        let rules = &job.matrix.rules;
        if cell.contains(rules.accountable_role) {
            &self.role_accountable
        } else if cell.contains(rules.responsible_role) {
            &self.role_responsible
        } else if cell.as_str().is_empty() {
            &self.role_none
        } else {
            &self.role_other
        }
    }
}

/// Font size of the legend sheet's title.
const TITLE_PT: f32 = 14.0;
/// Font size of headings ("Roles", "Notes").
const HEADING_PT: f32 = 12.0;

/// Whether Excel would take `s` for a formula once a user edits its cell.
fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@'])
}

/// Writes `text` as a string; formula-like text also gets Excel's quote
/// prefix so that editing the cell keeps it text.
fn put(ws: &mut Worksheet, row: u32, col: u16, text: &str, fmt: &Format) -> Result<(), XlsxError> {
    if formula_like(text) {
        ws.write_string_with_format(row, col, text, &fmt.clone().set_quote_prefix())?;
    } else {
        ws.write_string_with_format(row, col, text, fmt)?;
    }
    Ok(())
}

/// Writes `text` into one row merged over columns `0..=last_col`.
fn put_merged(
    ws: &mut Worksheet,
    row: u32,
    last_col: u16,
    text: &str,
    fmt: &Format,
) -> Result<(), XlsxError> {
    if last_col == 0 {
        return put(ws, row, 0, text, fmt);
    }
    if formula_like(text) {
        ws.merge_range(row, 0, row, last_col, text, &fmt.clone().set_quote_prefix())?;
    } else {
        ws.merge_range(row, 0, row, last_col, text, fmt)?;
    }
    Ok(())
}

/// Sets the height of `row` for `lines` lines of `size_pt` text.
fn fit_row(ws: &mut Worksheet, row: u32, lines: usize, size_pt: f32) -> Result<(), XlsxError> {
    let line = LINE_PT * f64::from(size_pt) / f64::from(BODY_PT);
    ws.set_row_height(row, row_height(lines, line))?;
    Ok(())
}

/// Height in points of a row of `lines` lines, with a little air under the
/// last line (a bare 15 pt row looks cramped between borders), within Excel's limit.
fn row_height(lines: usize, line_pt: f64) -> f64 {
    (lines.max(1) as f64 * line_pt + ROW_AIR_PT).min(MAX_ROW_PT)
}

/// Extra height of every row.
const ROW_AIR_PT: f64 = 3.0;

/// Usable text width, in points at [`BODY_PT`] of DejaVu Sans, of a column
/// `width` Excel characters wide.
///
/// An Excel column width counts digits of the workbook's default font
/// (Calibri 11 in Excel; LibreOffice uses its substitute's digits, here
/// DejaVu Sans). Text measured in digits of its own font is within a few
/// per cent the same for Calibri and DejaVu, so measuring DejaVu against
/// DejaVu's digit predicts both; [`WIDTH_SAFETY`] covers the difference.
fn column_pt(width: f64) -> f32 {
    let digit = fonts::regular().width("0", BODY_PT);
    ((width - CELL_PADDING_CHARS) as f32 * digit / WIDTH_SAFETY).max(1.0)
}

/// Cell padding, in digits (Excel leaves about 5 px of a 7 px digit).
const CELL_PADDING_CHARS: f64 = 0.8;
/// Measured text is taken this much wider than it is, so that rows err on the tall side.
const WIDTH_SAFETY: f32 = 1.05;

/// How many lines `text` takes when wrapped into `width_pt` points at
/// `size_pt` in `face`: greedy wrapping at spaces, words longer than a line
/// broken anywhere, every `\n` a line break (so a paragraph break `"\n\n"`
/// adds an empty line), as Excel and LibreOffice do.
pub fn wrapped_lines(text: &str, width_pt: f32, face: &Face, size_pt: f32) -> usize {
    let width = width_pt.max(1.0);
    let space = face.width(" ", size_pt);
    text.split('\n')
        .map(|line| {
            let mut lines = 1;
            let mut x: Option<f32> = None; // width used on the current line, None when empty
            for word in line.split(' ').filter(|w| !w.is_empty()) {
                let w = face.width(word, size_pt);
                if let Some(used) = x {
                    if used + space + w <= width {
                        x = Some(used + space + w);
                        continue;
                    }
                    lines += 1;
                }
                if w <= width {
                    x = Some(w);
                } else {
                    let extra = (w / width).ceil() as usize;
                    lines += extra - 1;
                    x = Some(w - (extra - 1) as f32 * width);
                }
            }
            lines
        })
        .sum()
}

/// Lines of a body cell `width` characters wide.
fn lines_in(text: &str, width: f64, bold: bool) -> usize {
    let face = if bold { fonts::bold() } else { fonts::regular() };
    wrapped_lines(text, column_pt(width), face, BODY_PT)
}

fn legend_sheet(ws: &mut Worksheet, job: &Job<'_>, st: &Styles) -> Result<(), XlsxError> {
    let m = job.matrix;
    let lang = job.lang;
    let s = job.strings;
    let widths = [20.0, 26.0, 60.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let total: f64 = widths.iter().sum();
    let last_col = (widths.len() - 1) as u16;

    let title = m.title.get(lang);
    put_merged(ws, 0, last_col, title, &st.title)?;
    let face = fonts::bold();
    fit_row(ws, 0, wrapped_lines(title, column_pt(total), face, TITLE_PT), TITLE_PT)?;

    if let Some(logo) = &job.layout.logo {
        // Right-aligned in the description column, beside the four facts rows
        // (at most their height: about 76 px), at 96 pixels per inch.
        let width_px = f64::from(logo.width_mm) / 25.4 * 96.0;
        let image = rust_xlsxwriter::Image::new_from_buffer(&logo.png)?
            .set_scale_to_size(width_px, 76.0, true)
            .set_alt_text(title);
        let scale = (width_px / image.width().max(1.0)).min(76.0 / image.height().max(1.0));
        let col_px = widths[2] * 7.0 + 5.0;
        let x = (col_px - image.width() * scale).max(0.0) as u32;
        ws.insert_image_with_offset(2, 2, &image, x, 0)?;
    }

    let mut row = 2;
    let language = format!("{} ({lang})", s.language_name);
    let date = s.date(&m.date);
    for (label, value) in [
        (&s.matrix_id, m.id.as_str()),
        (&s.version, m.version.as_str()),
        (&s.as_of, date.as_str()),
        (&s.language, language.as_str()),
    ] {
        put(ws, row, 0, label, &st.label)?;
        put_merged_from(ws, row, 1, last_col, value, &st.plain)?;
        let lines = lines_in(label, widths[0], true).max(lines_in(value, widths[1] + widths[2], false));
        fit_row(ws, row, lines, BODY_PT)?;
        row += 1;
    }
    row += 1;
    if let Some(intro) = &m.intro {
        let text = intro.get(lang);
        put_merged(ws, row, last_col, text, &st.plain)?;
        fit_row(ws, row, lines_in(text, total, false), BODY_PT)?;
        row += 2;
    }

    ws.write_string_with_format(row, 0, &s.legend_heading, &st.heading)?;
    fit_row(ws, row, 1, HEADING_PT)?;
    row += 1;
    put_merged(ws, row, last_col, &s.legend_intro, &st.plain)?;
    fit_row(ws, row, lines_in(&s.legend_intro, total, false), BODY_PT)?;
    row += 1;
    let mut lines = 1;
    for (c, h) in [&s.code, &s.role, &s.description].into_iter().enumerate() {
        put(ws, row, c as u16, h, &st.header)?;
        lines = lines.max(lines_in(h, widths[c], true));
    }
    fit_row(ws, row, lines, BODY_PT)?;
    row += 1;
    for role in &m.roles {
        let code = role.code.to_string();
        let fmt = st.role(&RoleCell::from_normalised(code.clone()), job);
        put(ws, row, 0, &code, fmt)?;
        let (name, desc) = (role.name.get(lang), role.description.get(lang));
        put(ws, row, 1, name, &st.cell)?;
        put(ws, row, 2, desc, &st.cell)?;
        fit_row(ws, row, lines_in(name, widths[1], false).max(lines_in(desc, widths[2], false)), BODY_PT)?;
        row += 1;
    }
    // The matrix's closing remarks belong to no phase: they go with the
    // other matrix-wide texts on this first sheet.
    notes_block(ws, row + 1, &m.notes, job, last_col, total, st)?;
    Ok(())
}

/// Like [`put_merged`], from column `first_col`.
fn put_merged_from(
    ws: &mut Worksheet,
    row: u32,
    first_col: u16,
    last_col: u16,
    text: &str,
    fmt: &Format,
) -> Result<(), XlsxError> {
    if first_col == last_col {
        return put(ws, row, first_col, text, fmt);
    }
    let fmt = if formula_like(text) { fmt.clone().set_quote_prefix() } else { fmt.clone() };
    ws.merge_range(row, first_col, row, last_col, text, &fmt)?;
    Ok(())
}

/// A "Notes" heading at `row` and one merged row per note under it; nothing
/// when there are no notes.
fn notes_block(
    ws: &mut Worksheet,
    mut row: u32,
    notes: &[Localized],
    job: &Job<'_>,
    last_col: u16,
    total: f64,
    st: &Styles,
) -> Result<(), XlsxError> {
    if notes.is_empty() {
        return Ok(());
    }
    ws.write_string_with_format(row, 0, &job.strings.notes_heading, &st.heading)?;
    fit_row(ws, row, 1, HEADING_PT)?;
    row += 1;
    for n in notes {
        let text = n.get(job.lang);
        put_merged(ws, row, last_col, text, &st.plain)?;
        fit_row(ws, row, lines_in(text, total, false), BODY_PT)?;
        row += 1;
    }
    Ok(())
}

/// Column widths of a phase sheet: id, activity, parties, and the note column if any.
fn phase_columns(job: &Job<'_>, has_note: bool) -> Vec<f64> {
    let parties = job.matrix.parties.len();
    // Fewer characters for the activity when the party columns need the page.
    let activity = (60.0 - 5.0 * parties.saturating_sub(3) as f64).max(40.0);
    let mut widths = vec![ID_WIDTH, activity];
    let digit = f64::from(fonts::regular().width("0", BODY_PT));
    let units = |s: &str| {
        f64::from(fonts::bold().width(s, BODY_PT) * WIDTH_SAFETY) / digit + CELL_PADDING_CHARS + 0.5
    };
    for p in &job.matrix.parties {
        // The whole name on one header line if it fits the usual width, and
        // never a word broken in the middle (up to a limit): headers wrap at spaces.
        let name = p.name.get(job.lang);
        let longest_word = name.split_whitespace().map(units).fold(0.0, f64::max);
        let w = units(name).min(PARTY_WIDTH.1).max(longest_word);
        widths.push(w.clamp(PARTY_WIDTH.0, PARTY_WIDTH_MAX).ceil());
    }
    if has_note {
        widths.push(if parties > 3 { NOTE_WIDTH - 10.0 } else { NOTE_WIDTH });
    }
    widths
}

fn phase_sheet(ws: &mut Worksheet, job: &Job<'_>, phase: &Phase, st: &Styles) -> Result<(), XlsxError> {
    let lang = job.lang;
    let s = job.strings;
    let has_note = phase.all_activities().any(|(_, a)| a.note.is_some());
    let widths = phase_columns(job, has_note);
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let last_col = (widths.len() - 1) as u16;
    let total: f64 = widths.iter().sum();

    let mut header: Vec<&str> = vec![&s.activity_id, &s.activity];
    header.extend(job.matrix.parties.iter().map(|p| p.name.get(lang)));
    if has_note {
        header.push(&s.note);
    }
    let mut lines = 1;
    for (c, h) in header.iter().enumerate() {
        put(ws, 0, c as u16, h, &st.header)?;
        lines = lines.max(lines_in(h, widths[c], true));
    }
    fit_row(ws, 0, lines, BODY_PT)?;

    let mut row = 1;
    let merged = |ws: &mut Worksheet, row: &mut u32, text: &str, fmt: &Format, bold: bool| {
        put_merged(ws, *row, last_col, text, fmt)?;
        fit_row(ws, *row, lines_in(text, total, bold), BODY_PT)?;
        *row += 1;
        Ok::<(), XlsxError>(())
    };
    if let Some(intro) = &phase.section.intro {
        merged(ws, &mut row, intro.get(lang), &st.phase_intro, false)?;
    }
    for a in &phase.section.activities {
        activity_row(ws, row, a, job, &widths, has_note, st)?;
        row += 1;
    }
    for sub in &phase.subphases {
        merged(ws, &mut row, sub.title.get(lang), &st.subphase, true)?;
        if let Some(intro) = &sub.intro {
            merged(ws, &mut row, intro.get(lang), &st.subphase_intro, false)?;
        }
        for a in &sub.activities {
            activity_row(ws, row, a, job, &widths, has_note, st)?;
            row += 1;
        }
        for n in &sub.notes {
            merged(ws, &mut row, n.get(lang), &st.subphase_note, false)?;
        }
    }
    // The filter spans the whole table, subphase rows included.
    ws.autofilter(0, 0, row - 1, last_col)?;
    ws.set_freeze_panes(1, 0)?;
    notes_block(ws, row + 1, &phase.section.notes, job, last_col, total, st)
}

fn activity_row(
    ws: &mut Worksheet,
    row: u32,
    a: &Activity,
    job: &Job<'_>,
    widths: &[f64],
    has_note: bool,
    st: &Styles,
) -> Result<(), XlsxError> {
    let text = a.text.get(job.lang);
    put(ws, row, 0, &a.id, &st.cell)?;
    put(ws, row, 1, text, &st.cell)?;
    let mut lines = lines_in(&a.id, widths[0], false).max(lines_in(text, widths[1], false));
    let mut col = 2;
    for cell in &a.roles {
        let codes = cell.as_str();
        if codes.is_empty() {
            ws.write_blank(row, col, &st.role_none)?;
        } else {
            put(ws, row, col, codes, st.role(cell, job))?;
        }
        col += 1;
    }
    if has_note {
        match &a.note {
            Some(n) => {
                let note = n.get(job.lang);
                put(ws, row, col, note, &st.cell)?;
                lines = lines.max(lines_in(note, widths[usize::from(col)], false));
            }
            None => {
                ws.write_blank(row, col, &st.cell)?;
            }
        }
    }
    fit_row(ws, row, lines, BODY_PT)
}

/// Paper, orientation, fit to one page wide, margins, running header and footer.
fn print_setup(
    ws: &mut Worksheet,
    job: &Job<'_>,
    landscape: bool,
    footer_title: &str,
) -> Result<(), XlsxError> {
    let l = job.layout;
    ws.set_paper_size(match l.paper {
        Paper::A4 => 9,
        Paper::Letter => 1,
    });
    if landscape {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_print_fit_to_pages(1, 0);
    // The running header and footer keep their size on every sheet, however
    // much a wide table is shrunk to fit the page.
    ws.set_header_footer_scale_with_doc(false);
    let inch = |mm: f32| f64::from(mm) / 25.4;
    let m = l.margins_mm;
    ws.set_margins(
        inch(m.left),
        inch(m.right),
        inch(m.top),
        inch(m.bottom),
        (inch(m.top) / 2.0).min(0.3),
        (inch(m.bottom) / 2.0).min(0.3),
    );
    let s = job.strings;
    let version = format!("{} {} · {}", s.version, job.matrix.version, s.date(&job.matrix.date));
    ws.set_header(header_text(job.matrix.title.get(job.lang), &version));
    ws.set_footer(footer_text(footer_title, &s.page_x_of_y));
    Ok(())
}

/// The running header: the matrix title in bold on the left, version and
/// date on the right; within Excel's 255 units whatever the texts.
fn header_text(title: &str, version: &str) -> String {
    let h = format!("&L&\"-,Bold\"{}&R{}", hf_text(title, 120), hf_text(version, 100));
    debug_assert!(h.encode_utf16().count() <= HEADER_FOOTER_MAX);
    h
}

/// The running footer: the sheet's title on the left, "Page X of Y" on the right.
fn footer_text(title: &str, page_template: &str) -> String {
    let f = format!("&L{}&R{}", hf_text(title, 120), page_x_of_y(page_template));
    debug_assert!(f.encode_utf16().count() <= HEADER_FOOTER_MAX);
    f
}

/// `text` for a header or footer: one line, `&` escaped as `&&`, cut (with
/// "…") to at most `max` UTF-16 units so that the whole stays within Excel's
/// 255 (rust_xlsxwriter silently drops a longer one).
fn hf_text(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let escaped = |s: &str| s.replace('&', "&&");
    let full = escaped(&flat);
    if full.encode_utf16().count() <= max {
        return full;
    }
    let mut out = String::new();
    let mut used = 1; // the ellipsis
    for c in flat.chars() {
        let units = if c == '&' { 2 } else { c.len_utf16() };
        if used + units > max {
            break;
        }
        used += units;
        out.push_str(&escaped(c.encode_utf8(&mut [0; 4])));
    }
    format!("{}…", out.trim_end())
}

/// The localized "Page {page} of {pages}" as Excel header codes (`&P`, `&N`),
/// on one line, `&` escaped, at most 60 characters of template.
fn page_x_of_y(template: &str) -> String {
    let flat = template.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat: String = flat.chars().take(60).collect();
    flat.replace('&', "&&").replace("{pages}", "&N").replace("{page}", "&P")
}

/// Legal, unique sheet names for `wanted` (title, fallback) pairs, in order:
/// each title made legal for Excel, the fallback used when nothing of the
/// title is left, and a short ` (2)`, ` (3)`… suffix on a name already taken.
///
/// Legal means at most [`SHEET_NAME_MAX`] UTF-16 units, none of `[]:*?/\`
/// (brackets become parentheses, the rest `-`), no control characters, no
/// leading or trailing `'`, not blank, not Excel's reserved "History", and
/// unique case-insensitively. The start of the title is kept. Linear in the
/// number of names: taken names live in a set, and the next free suffix of
/// each base name is remembered.
pub fn sheet_names<'a>(wanted: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::from([RESERVED_SHEET_NAME.to_string()]);
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    wanted
        .into_iter()
        .map(|(title, fallback)| {
            let mut base = legal_base(title);
            if base.is_empty() {
                base = legal_base(fallback);
            }
            if base.is_empty() {
                base = "Sheet".to_string();
            }
            let key = base.to_lowercase();
            if taken.insert(key.clone()) {
                return base;
            }
            let mut k = next_suffix.get(&key).copied().unwrap_or(2);
            loop {
                let suffix = format!(" ({k})");
                let candidate = format!("{}{suffix}", shorten(&base, SHEET_NAME_MAX - suffix.len()));
                k += 1;
                if taken.insert(candidate.to_lowercase()) {
                    next_suffix.insert(key, k);
                    return candidate;
                }
            }
        })
        .collect()
}

/// `s` made legal as a sheet name, uniqueness aside; may be empty.
fn legal_base(s: &str) -> String {
    let mut replaced = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '[' => replaced.push('('),
            ']' => replaced.push(')'),
            // "Plan: Kosten" reads best as "Plan - Kosten".
            ':' => replaced.push_str(" -"),
            '*' | '?' | '/' | '\\' => replaced.push('-'),
            c if c.is_control() => replaced.push(' '),
            c => replaced.push(c),
        }
    }
    let flat = replaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = flat.trim_matches(|c: char| c == '\'' || c.is_whitespace());
    shorten(trimmed, SHEET_NAME_MAX)
}

/// `s` if it has at most `max` UTF-16 units, else its start cut to fit with
/// "…" appended (so a reader sees the name was shortened). `s` must not
/// start with `'`; the result then neither starts nor ends with one.
fn shorten(s: &str, max: usize) -> String {
    if s.encode_utf16().count() <= max {
        return s.to_string();
    }
    let stem = truncate_utf16(s, max.saturating_sub(1)).trim_end();
    format!("{stem}…")
}

/// The longest prefix of `s` of at most `max` UTF-16 units, on a character boundary.
fn truncate_utf16(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(titles: &[&str]) -> Vec<String> {
        sheet_names(std::iter::once(("Legende", "Legend")).chain(titles.iter().map(|t| (*t, "fallback"))))
    }

    fn utf16(s: &str) -> usize {
        s.encode_utf16().count()
    }

    // Plain titles pass unchanged, the legend first.
    #[test]
    fn keeps_legal_titles() {
        assert_eq!(
            names(&["Ihren Bedarf definieren", "Betrieb"]),
            ["Legende", "Ihren Bedarf definieren", "Betrieb"]
        );
    }

    // Each of []:*?/\ is replaced; control characters and runs of spaces fold.
    #[test]
    fn replaces_illegal_characters() {
        let n = names(&["a[b]c:d*e?f/g\\h", "x\n\ny\tz"]);
        assert_eq!(n[1], "a(b)c -d-e-f-g-h");
        assert_eq!(n[2], "x y z");
    }

    // Leading and trailing apostrophes go; inner ones stay.
    #[test]
    fn strips_edge_apostrophes() {
        assert_eq!(names(&["'Kunde's Teil'"])[1], "Kunde's Teil");
        assert_eq!(names(&["' ' x ' '"])[1], "x");
    }

    // Long titles keep their start within 31 UTF-16 units, even with astral characters.
    #[test]
    fn shortens_to_31_utf16_units() {
        let long = "Betriebskontinuität und Wiederherstellung im Notfall";
        let n = names(&[long, &"😀".repeat(20)]);
        assert_eq!(n[1], "Betriebskontinuität und Wieder…");
        assert_eq!(utf16(&n[1]), 31);
        assert_eq!(n[2], format!("{}…", "😀".repeat(15)));
        assert_eq!(names(&["Plan: Kosten"])[1], "Plan - Kosten");
    }

    // Duplicates, case-insensitively, get a suffix that still fits in 31 units.
    #[test]
    fn makes_names_unique() {
        let long = "A".repeat(40);
        let n = names(&["Betrieb", "betrieb", "BETRIEB", &long, &long, "Legende"]);
        assert_eq!(n[1..4], ["Betrieb", "betrieb (2)", "BETRIEB (3)"]);
        assert_eq!(n[4], format!("{}…", "A".repeat(30)));
        assert_eq!(n[5], format!("{}… (2)", "A".repeat(26)));
        assert_eq!(utf16(&n[5]), 31);
        assert_eq!(n[6], "Legende (2)");
    }

    // "History" is reserved by Excel in any case.
    #[test]
    fn avoids_history() {
        assert_eq!(names(&["History", "HISTORY"])[1..], ["History (2)", "HISTORY (3)"]);
    }

    // A title with nothing legal left falls back to the phase id.
    #[test]
    fn falls_back_when_blank() {
        assert_eq!(names(&["'''", "  "])[1..], ["fallback", "fallback (2)"]);
    }

    // A suffix never collides with a title that already looks suffixed.
    #[test]
    fn skips_suffixes_already_taken() {
        let n = names(&["X (2)", "X", "X", "X"]);
        assert_eq!(n[1..], ["X (2)", "X", "X (3)", "X (4)"]);
    }

    // Every produced name passes rust_xlsxwriter's own checks, and none repeats.
    #[test]
    fn every_name_is_accepted_by_the_writer() {
        let titles = ["'[x]'", "History", &"é".repeat(40), "a/b", "'", "Legende", "legende", "x'"];
        let n = names(&titles);
        let mut seen = HashSet::new();
        for name in &n {
            rust_xlsxwriter::utility::check_sheet_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(seen.insert(name.to_lowercase()), "{name} repeats");
            assert_ne!(name.to_lowercase(), "history");
        }
    }

    // Many identical titles stay cheap (no quadratic search) and unique.
    #[test]
    fn many_duplicates_are_linear() {
        let titles = vec!["Phase"; 5000];
        let n = names(&titles);
        assert_eq!(n.iter().map(|s| s.to_lowercase()).collect::<HashSet<_>>().len(), 5001);
        assert_eq!(n[5000], "Phase (5000)");
    }

    // One short line is one line; wrapping, long words and paragraphs add lines.
    #[test]
    fn estimates_wrapped_lines() {
        let f = fonts::regular();
        assert_eq!(wrapped_lines("Kunde", 100.0, f, 11.0), 1);
        assert_eq!(wrapped_lines("", 100.0, f, 11.0), 1);
        let word = f.width("word", 11.0);
        // Three words where two fit per line: two lines.
        assert_eq!(wrapped_lines("word word word", word * 2.0 + f.width(" ", 11.0) + 0.1, f, 11.0), 2);
        // A paragraph break is two line breaks: text, empty line, text.
        assert_eq!(wrapped_lines("a\n\nb", 100.0, f, 11.0), 3);
        // A word three lines wide is broken over three lines.
        assert_eq!(wrapped_lines(&"m".repeat(30), f.width(&"m".repeat(10), 11.0) + 0.1, f, 11.0), 3);
    }

    // A typical activity fits one line of the 60-character column; four of them need four lines or more.
    #[test]
    fn sixty_character_column_holds_a_typical_sentence_line() {
        let text = "Überprüfen, ob der LLMaaS-Service dem Anwendungsbedarf entspricht";
        assert_eq!(lines_in(text, 60.0, false), 1);
        assert_eq!(lines_in("LLMAAS-NEED-01", ID_WIDTH, false), 1);
        assert!(lines_in(&[text; 4].join(" "), 60.0, false) >= 4);
    }

    // Heights grow with lines and stop at Excel's maximum.
    #[test]
    fn row_heights_grow_and_cap() {
        assert_eq!(row_height(1, LINE_PT), 18.0);
        assert_eq!(row_height(3, LINE_PT), 48.0);
        assert_eq!(row_height(1000, LINE_PT), MAX_ROW_PT);
    }

    // Header and footer texts escape & and stay within their budget.
    #[test]
    fn header_footer_text_is_escaped_and_bounded() {
        assert_eq!(hf_text("R&D  Team\n\nx", 50), "R&&D Team x");
        let long = hf_text(&"&".repeat(300), 100);
        assert!(utf16(&long) <= 100, "{}", utf16(&long));
        // Cut between escaped pairs, never inside one: an even number of & before the ellipsis.
        assert!(long.ends_with('…'));
        assert_eq!(long.trim_end_matches('…').len() % 2, 0);
    }

    // Header and footer fit Excel's limit even for absurdly long texts.
    #[test]
    fn header_and_footer_fit_excels_limit() {
        let long = "&é😀 ".repeat(200);
        assert!(utf16(&header_text(&long, &long)) <= HEADER_FOOTER_MAX);
        assert!(utf16(&footer_text(&long, &long)) <= HEADER_FOOTER_MAX);
        assert_eq!(footer_text("Betrieb", "Seite {page} von {pages}"), "&LBetrieb&RSeite &P von &N");
    }

    // "Page {page} of {pages}" becomes Excel's page codes, in each language.
    #[test]
    fn page_numbers_use_excel_codes() {
        assert_eq!(page_x_of_y("Page {page} of {pages}"), "Page &P of &N");
        assert_eq!(page_x_of_y("Seite {page} von {pages}"), "Seite &P von &N");
        assert_eq!(page_x_of_y("{page}/{pages}"), "&P/&N");
        assert_eq!(page_x_of_y("S&P {page}"), "S&&P &P");
    }
}
