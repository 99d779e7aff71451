//! The amendment workbook (diff.md, `ID-changes-LANG.xlsx`), for sales and
//! GRC tools: a summary sheet (the matrix, both versions with their dates
//! and SHA-256s, the language, what the document is, the count per kind),
//! then one sheet listing every change, one row each, with a frozen and
//! filtered header: kind, phase, id, activity, the change in words, party,
//! before, after, languages.
//!
//! The cells, row heights and print setup are the annex workbook's
//! ([`super::cells`]): every text written as a string (formula-like text
//! quote-prefixed), rows tall enough for their wrapped text, one page wide,
//! the running header and footer. Dated with NEW's date: reruns are
//! byte-identical.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, Worksheet, XlsxError};

use super::cells::{
    BODY_PT, HEADING_PT, Running, Styles, TITLE_PT, column_pt, fit_row, lines_in, print_setup, put,
    put_merged, put_merged_from, wrapped_lines,
};
use crate::diff::{Amendment, fill};
use crate::fonts;
use crate::render::amendment::AmendmentJob;
use crate::render::{Format, Output, RenderError};

/// Column widths of the changes sheet, in Excel characters.
const CHANGE_COLUMNS: [f64; 9] = [20.0, 22.0, 16.0, 38.0, 46.0, 16.0, 22.0, 22.0, 11.0];

/// Renders the workbook of the amendment in one language.
///
/// # Errors
/// When rust_xlsxwriter refuses the content (e.g. a text over Excel's 32,767
/// characters); never panics.
pub(crate) fn render(job: &AmendmentJob<'_>) -> Result<Vec<Output>, RenderError> {
    let bytes = build(job).map_err(|e| job.error(Format::Xlsx, e))?;
    Ok(vec![Output { file_name: format!("{}.xlsx", job.stem()), bytes }])
}

fn build(job: &AmendmentJob<'_>) -> Result<Vec<u8>, XlsxError> {
    let v = job.view;
    let w = job.strings.amendment();
    let styles = Styles::new(job.layout);
    let versions = format!("{} → {}", v.old.version, v.new.version);
    let running = Running { title: v.title, version: &versions, date: v.new.date };

    let mut wb = Workbook::new();
    wb.set_zip_compression_level(1); // as for the annex's workbook (xlsx/mod.rs)
    wb.set_properties(&properties(job)?);

    let ws = wb.add_worksheet();
    ws.set_name(&w.summary_sheet)?;
    summary_sheet(ws, job, &styles)?;
    print_setup(ws, job.layout, job.strings, &running, false, &w.summary_sheet)?;

    let ws = wb.add_worksheet();
    ws.set_name(&w.changes_sheet)?;
    changes_sheet(ws, v, job, &styles)?;
    print_setup(ws, job.layout, job.strings, &running, true, &w.changes_sheet)?;
    ws.set_repeat_rows(0, 0)?;
    wb.save_to_buffer()
}

/// Title, subject, author and the rest, dated at NEW's date.
fn properties(job: &AmendmentJob<'_>) -> Result<DocProperties, XlsxError> {
    let v = job.view;
    let w = job.strings.amendment();
    let d = v.new.date;
    let created = ExcelDateTime::from_ymd(d.year, d.month, d.day)?.and_hms(0, 0, 0)?;
    Ok(DocProperties::new()
        .set_title(format!("{} – {}", v.title, w.title))
        .set_subject(&w.title)
        .set_author(&job.options.tool)
        .set_category("RACI")
        .set_keywords(format!("{}, {}, {}, {}", v.id, v.old.version, v.new.version, v.lang))
        .set_custom_property("Language", v.lang.as_str())
        .set_creation_datetime(&created))
}

fn summary_sheet(ws: &mut Worksheet, job: &AmendmentJob<'_>, st: &Styles) -> Result<(), XlsxError> {
    let (v, s) = (job.view, job.strings);
    let w = s.amendment();
    let widths = [34.0, 14.0, 58.0];
    for (c, width) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    let total: f64 = widths.iter().sum();
    let last_col = (widths.len() - 1) as u16;

    let title = format!("{} – {}", w.title, v.title);
    put_merged(ws, 0, last_col, &title, &st.title)?;
    fit_row(ws, 0, wrapped_lines(&title, column_pt(total), fonts::bold(), TITLE_PT), TITLE_PT)?;

    let mut row = 2;
    let language = format!("{} ({})", s.language_name, v.lang);
    let fp = |side: &crate::diff::Version<'_>| {
        fill(&w.fingerprint, &[("version", side.version), ("file", &side.source.file_name)])
    };
    let facts = [
        (s.matrix_id.clone(), v.id.to_string()),
        (w.previous_version.clone(), v.old.label.clone()),
        (w.new_version.clone(), v.new.label.clone()),
        (fp(&v.old), v.old.source.sha256.clone()),
        (fp(&v.new), v.new.source.sha256.clone()),
        (s.language.clone(), language),
    ];
    for (label, value) in &facts {
        put(ws, row, 0, label, &st.label)?;
        put_merged_from(ws, row, 1, last_col, value, &st.plain)?;
        let lines = lines_in(label, widths[0], true).max(lines_in(value, widths[1] + widths[2], false));
        fit_row(ws, row, lines, BODY_PT)?;
        row += 1;
    }
    row += 1;
    let intro = fill(&w.intro, &[("id", v.id), ("old", v.old.version), ("new", v.new.version)]);
    put_merged(ws, row, last_col, &intro, &st.plain)?;
    fit_row(ws, row, lines_in(&intro, total, false), BODY_PT)?;
    row += 2;

    ws.write_string_with_format(row, 0, &w.summary_heading, &st.heading)?;
    fit_row(ws, row, 1, HEADING_PT)?;
    row += 1;
    if v.total == 0 {
        put_merged(ws, row, last_col, &w.no_changes, &st.plain)?;
        fit_row(ws, row, lines_in(&w.no_changes, total, false), BODY_PT)?;
        return Ok(());
    }
    put(ws, row, 0, &w.kind, &st.header)?;
    put(ws, row, 1, &w.count, &st.header)?;
    fit_row(ws, row, lines_in(&w.kind, widths[0], true).max(lines_in(&w.count, widths[1], true)), BODY_PT)?;
    row += 1;
    for c in &v.counts {
        put(ws, row, 0, &c.label, &st.cell)?;
        ws.write_number_with_format(row, 1, c.n as f64, &st.cell)?;
        fit_row(ws, row, lines_in(&c.label, widths[0], false), BODY_PT)?;
        row += 1;
    }
    let bold = st.cell.clone().set_bold();
    put(ws, row, 0, &w.total, &bold)?;
    ws.write_number_with_format(row, 1, v.total as f64, &bold)?;
    fit_row(ws, row, 1, BODY_PT)?;
    row += 2;
    put_merged(ws, row, last_col, &v.codes, &st.plain)?;
    fit_row(ws, row, lines_in(&v.codes, total, false), BODY_PT)?;
    Ok(())
}

fn changes_sheet(
    ws: &mut Worksheet,
    v: &Amendment<'_>,
    job: &AmendmentJob<'_>,
    st: &Styles,
) -> Result<(), XlsxError> {
    let (s, w) = (job.strings, job.strings.amendment());
    for (c, width) in CHANGE_COLUMNS.iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    let header = [
        &w.kind,
        &w.phase,
        &s.activity_id,
        &s.activity,
        &w.change,
        &w.party,
        &w.before,
        &w.after,
        &w.languages,
    ];
    let mut lines = 1;
    for (c, h) in header.iter().enumerate() {
        put(ws, 0, c as u16, h, &st.header)?;
        lines = lines.max(lines_in(h, CHANGE_COLUMNS[c], true));
    }
    fit_row(ws, 0, lines, BODY_PT)?;

    let party =
        |id: &str| v.parties.iter().find(|p| p.id == id).map_or(id.to_string(), |p| p.name.to_string());
    let groups = std::iter::once((w.matrix_heading.as_str(), &v.matrix))
        .chain(v.phases.iter().map(|g| (g.heading.as_str(), &g.entries)));
    let mut row = 1u32;
    for (phase, entries) in groups {
        for e in entries {
            for l in &e.changes {
                let mut change = l.words.clone();
                for d in &l.details {
                    change.push('\n');
                    change.push_str(d);
                }
                let languages = l.languages.replace(' ', ", ");
                let cells = [
                    w.kinds.get(l.kind).to_string(),
                    phase.to_string(),
                    e.id.to_string(),
                    e.text.clone(),
                    change,
                    if l.party.is_empty() { String::new() } else { party(l.party) },
                    l.before.clone(),
                    l.after.clone(),
                    languages,
                ];
                let mut n = 1;
                for (c, text) in cells.iter().enumerate() {
                    if text.is_empty() {
                        ws.write_blank(row, c as u16, &st.cell)?;
                    } else {
                        put(ws, row, c as u16, text, &st.cell)?;
                        n = n.max(lines_in(text, CHANGE_COLUMNS[c], false));
                    }
                }
                fit_row(ws, row, n, BODY_PT)?;
                row += 1;
            }
        }
    }
    ws.autofilter(0, 0, row.max(1) - 1, (CHANGE_COLUMNS.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}
