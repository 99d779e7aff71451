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

pub(crate) mod amendment;
pub(crate) mod cells;
pub mod names;
pub mod scratch;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::{Format as OutputFormat, Job, Output, RenderError};
use crate::Failure;
use crate::fonts;
use crate::layout::Orientation;
use crate::model::RoleCell;
use crate::view::{Paragraphs, PhaseView, Row};
use cells::{
    BODY_PT, CELL_PADDING_CHARS, HEADING_PT, Running, Styles, TITLE_PT, WIDTH_SAFETY, column_pt, fit_row,
    lines_in, print_setup, put, put_merged, put_merged_from, wrapped_lines,
};
pub use names::sheet_names;

/// Width of the activity id column, in Excel character units.
const ID_WIDTH: f64 = 16.0;
/// Width of the note column.
const NOTE_WIDTH: f64 = 40.0;
/// Narrowest and usual widest party column.
const PARTY_WIDTH: (f64, f64) = (12.0, 16.0);
/// Widest party column, for a name with a long word ("Datenschutzbeauftragter").
const PARTY_WIDTH_MAX: f64 = 24.0;

/// Renders the workbook of one matrix in one language.
///
/// # Errors
/// [`Failure::Output`] when a scratch file of the sheets cannot be created
/// or written ([`scratch`]); [`Failure::Render`] when rust_xlsxwriter
/// refuses the content (e.g. a text over Excel's 32,767 characters or more
/// rows than a sheet holds). Never panics.
pub fn render(job: &Job<'_>) -> Result<Vec<Output>, Failure> {
    let bytes = scratch::contain(|| build(job))?.map_err(|e| match scratch::creation_failure(e) {
        Ok(scratch) => Failure::Output(scratch),
        Err(e) => Failure::Render(RenderError::new(OutputFormat::Xlsx, job, e)),
    })?;
    Ok(vec![Output { file_name: format!("{}.xlsx", job.stem()), bytes }])
}

fn build(job: &Job<'_>) -> Result<Vec<u8>, XlsxError> {
    let v = job.view;
    let styles = Styles::new(job.layout);
    let names = sheet_names(
        std::iter::once((job.strings.legend_sheet.as_str(), "Legend"))
            .chain(v.phases.iter().map(|p| (p.section.title, p.section.id))),
    );
    let running = Running { title: v.title, version: v.version, date: v.date };

    let mut wb = Workbook::new();
    // zlib's fastest level, as for the PDF streams: a fifth less CPU for a
    // batch of workbooks, files a quarter larger (docs/performance.md).
    wb.set_zip_compression_level(1);
    wb.set_properties(&properties(job)?);

    // Low-memory sheets, written row by row to scratch files ([`scratch`]):
    // no thread per sheet, a sixth less wall time for a batch.
    let ws = wb.add_worksheet_with_low_memory()?;
    ws.set_name(&names[0])?;
    legend_sheet(ws, job, &styles)?;
    let landscape = job.layout.orientation == Orientation::Landscape;
    print_setup(ws, job.layout, job.strings, &running, landscape, &job.strings.legend_sheet)?;

    for (phase, name) in v.phases.iter().zip(&names[1..]) {
        let ws = wb.add_worksheet_with_low_memory()?;
        ws.set_name(name)?;
        phase_sheet(ws, job, phase, &styles)?;
        let landscape = job.layout.orientation == Orientation::Landscape || v.parties.len() > 3;
        print_setup(ws, job.layout, job.strings, &running, landscape, phase.section.title)?;
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
    let v = job.view;
    let d = v.date;
    let created = ExcelDateTime::from_ymd(d.year, d.month, d.day)?.and_hms(0, 0, 0)?;
    let company = v.parties.iter().find(|p| p.id != "customer").map_or("", |p| p.name);
    Ok(DocProperties::new()
        .set_title(v.title)
        .set_subject(&job.strings.document_kind)
        .set_author(&job.options.tool)
        .set_company(company)
        .set_category("RACI")
        .set_keywords(format!("{}, {}, {}", v.id, v.version, v.lang))
        .set_custom_property("Language", v.lang.as_str())
        .set_creation_datetime(&created))
}

fn legend_sheet(ws: &mut Worksheet, job: &Job<'_>, st: &Styles) -> Result<(), XlsxError> {
    let v = job.view;
    let lang = v.lang;
    let s = job.strings;
    let widths = [20.0, 26.0, 60.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let total: f64 = widths.iter().sum();
    let last_col = (widths.len() - 1) as u16;

    let title = v.title;
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
    let date = s.date(&v.date);
    for (label, value) in [
        (&s.matrix_id, v.id),
        (&s.version, v.version),
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
    if let Some(intro) = v.intro {
        let text = intro.as_str();
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
    for role in &v.legend {
        let code = role.code.to_string();
        let fmt = st.role(&RoleCell::from_normalised(code.clone()), &v.rules);
        put(ws, row, 0, &code, fmt)?;
        let (name, desc) = (role.name, role.description);
        put(ws, row, 1, name, &st.cell)?;
        put(ws, row, 2, desc, &st.cell)?;
        fit_row(ws, row, lines_in(name, widths[1], false).max(lines_in(desc, widths[2], false)), BODY_PT)?;
        row += 1;
    }
    // The matrix's closing remarks belong to no phase: they go with the
    // other matrix-wide texts on this first sheet.
    notes_block(ws, row + 1, &v.notes, job, last_col, total, st)?;
    Ok(())
}

/// A "Notes" heading at `row` and one merged row per note under it; nothing
/// when there are no notes.
fn notes_block(
    ws: &mut Worksheet,
    mut row: u32,
    notes: &[Paragraphs<'_>],
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
        let text = n.as_str();
        put_merged(ws, row, last_col, text, &st.plain)?;
        fit_row(ws, row, lines_in(text, total, false), BODY_PT)?;
        row += 1;
    }
    Ok(())
}

/// Column widths of a phase sheet: id, activity, parties, and the note column if any.
fn phase_columns(job: &Job<'_>, has_note: bool) -> Vec<f64> {
    let parties = job.view.parties.len();
    // Fewer characters for the activity when the party columns need the page.
    let activity = (60.0 - 5.0 * parties.saturating_sub(3) as f64).max(40.0);
    let mut widths = vec![ID_WIDTH, activity];
    let digit = f64::from(fonts::regular().width("0", BODY_PT));
    let units = |s: &str| {
        f64::from(fonts::bold().width(s, BODY_PT) * WIDTH_SAFETY) / digit + CELL_PADDING_CHARS + 0.5
    };
    for p in &job.view.parties {
        // The whole name on one header line if it fits the usual width, and
        // never a word broken in the middle (up to a limit): headers wrap at spaces.
        let name = p.name;
        let longest_word = name.split_whitespace().map(units).fold(0.0, f64::max);
        let w = units(name).min(PARTY_WIDTH.1).max(longest_word);
        widths.push(w.clamp(PARTY_WIDTH.0, PARTY_WIDTH_MAX).ceil());
    }
    if has_note {
        widths.push(if parties > 3 { NOTE_WIDTH - 10.0 } else { NOTE_WIDTH });
    }
    widths
}

fn phase_sheet(
    ws: &mut Worksheet,
    job: &Job<'_>,
    phase: &PhaseView<'_>,
    st: &Styles,
) -> Result<(), XlsxError> {
    let s = job.strings;
    let has_note = phase.has_note();
    let widths = phase_columns(job, has_note);
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let last_col = (widths.len() - 1) as u16;
    let total: f64 = widths.iter().sum();

    let mut header: Vec<&str> = vec![&s.activity_id, &s.activity];
    header.extend(job.view.parties.iter().map(|p| p.name));
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
    // The phase's own part, then each subphase headed by a merged row; the
    // phase's notes go under the table (below), a subphase's under its rows.
    for (i, section) in phase.sections().enumerate() {
        let own = i == 0;
        if !own {
            merged(ws, &mut row, section.title, &st.subphase, true)?;
        }
        if let Some(intro) = section.intro {
            let fmt = if own { &st.phase_intro } else { &st.subphase_intro };
            merged(ws, &mut row, intro.as_str(), fmt, false)?;
        }
        for a in &section.rows {
            activity_row(ws, row, a, job, &widths, has_note, st)?;
            row += 1;
        }
        if !own {
            for n in &section.notes {
                merged(ws, &mut row, n.as_str(), &st.subphase_note, false)?;
            }
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
    a: &Row<'_>,
    job: &Job<'_>,
    widths: &[f64],
    has_note: bool,
    st: &Styles,
) -> Result<(), XlsxError> {
    let text = a.text;
    put(ws, row, 0, a.id, &st.cell)?;
    put(ws, row, 1, text, &st.cell)?;
    let mut lines = lines_in(a.id, widths[0], false).max(lines_in(text, widths[1], false));
    let mut col = 2;
    for cell in a.roles {
        let codes = cell.as_str();
        if codes.is_empty() {
            ws.write_blank(row, col, &st.role_none)?;
        } else {
            put(ws, row, col, codes, st.role(cell, &job.view.rules))?;
        }
        col += 1;
    }
    if has_note {
        match a.note {
            Some(n) => {
                let note = n.as_str();
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

#[cfg(test)]
mod tests {
    use super::*;

    // A typical activity fits one line of the 60-character column; four of them need four lines or more.
    #[test]
    fn sixty_character_column_holds_a_typical_sentence_line() {
        let text = "Überprüfen, ob der LLMaaS-Service dem Anwendungsbedarf entspricht";
        assert_eq!(lines_in(text, 60.0, false), 1);
        assert_eq!(lines_in("LLMAAS-NEED-01", ID_WIDTH, false), 1);
        assert!(lines_in(&[text; 4].join(" "), 60.0, false) >= 4);
    }
}
