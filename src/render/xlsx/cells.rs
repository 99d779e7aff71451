//! What every workbook of the tool shares, the contract annex's and the
//! amendment annex's: the cell formats, writing text so that Excel never runs
//! it as a formula, row heights that fit wrapped text, and the print setup
//! with its running header and footer.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use crate::fonts::{self, Face};
use crate::i18n::Strings;
use crate::layout::{Layout, Paper, Rgb};
use crate::model::{Date, RoleCell, Rules};

/// Body font size of the workbook (Excel's default, Calibri 11).
pub(crate) const BODY_PT: f32 = 11.0;
/// Line height of the body font: Excel's default row height.
pub(crate) const LINE_PT: f64 = 15.0;
/// Excel's tallest row.
pub(crate) const MAX_ROW_PT: f64 = 409.0;
/// Excel's limit on a header or footer, in UTF-16 units, control codes included.
pub(crate) const HEADER_FOOTER_MAX: usize = 255;

/// Every cell format of the workbook, built once per workbook.
pub(crate) struct Styles {
    pub(crate) title: Format,
    pub(crate) heading: Format,
    pub(crate) label: Format,
    pub(crate) plain: Format,
    pub(crate) header: Format,
    pub(crate) cell: Format,
    pub(crate) role_accountable: Format,
    pub(crate) role_responsible: Format,
    pub(crate) role_other: Format,
    pub(crate) role_none: Format,
    pub(crate) phase_intro: Format,
    pub(crate) subphase: Format,
    pub(crate) subphase_intro: Format,
    pub(crate) subphase_note: Format,
}

impl Styles {
    /// The formats in the layout's colours.
    pub(crate) fn new(layout: &Layout) -> Styles {
        let c = layout.colors;
        let rgb = |v: Rgb| Color::RGB(v.hex());
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
    pub(crate) fn role(&self, cell: &RoleCell, rules: &Rules) -> &Format {
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
pub(crate) const TITLE_PT: f32 = 14.0;
/// Font size of headings ("Roles", "Notes").
pub(crate) const HEADING_PT: f32 = 12.0;

/// Whether Excel would take `s` for a formula once a user edits its cell.
pub(crate) fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@'])
}

/// Writes `text` as a string; formula-like text also gets Excel's quote
/// prefix so that editing the cell keeps it text.
pub(crate) fn put(ws: &mut Worksheet, row: u32, col: u16, text: &str, fmt: &Format) -> Result<(), XlsxError> {
    if formula_like(text) {
        ws.write_string_with_format(row, col, text, &fmt.clone().set_quote_prefix())?;
    } else {
        ws.write_string_with_format(row, col, text, fmt)?;
    }
    Ok(())
}

/// Writes `text` into one row merged over columns `0..=last_col`.
pub(crate) fn put_merged(
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
pub(crate) fn fit_row(ws: &mut Worksheet, row: u32, lines: usize, size_pt: f32) -> Result<(), XlsxError> {
    let line = LINE_PT * f64::from(size_pt) / f64::from(BODY_PT);
    ws.set_row_height(row, row_height(lines, line))?;
    Ok(())
}

/// Height in points of a row of `lines` lines, with a little air under the
/// last line (a bare 15 pt row looks cramped between borders), within Excel's limit.
pub(crate) fn row_height(lines: usize, line_pt: f64) -> f64 {
    (lines.max(1) as f64 * line_pt + ROW_AIR_PT).min(MAX_ROW_PT)
}

/// Extra height of every row.
pub(crate) const ROW_AIR_PT: f64 = 3.0;

/// Usable text width, in points at [`BODY_PT`] of DejaVu Sans, of a column
/// `width` Excel characters wide.
///
/// An Excel column width counts digits of the workbook's default font
/// (Calibri 11 in Excel; LibreOffice uses its substitute's digits, here
/// DejaVu Sans). Text measured in digits of its own font is within a few
/// per cent the same for Calibri and DejaVu, so measuring DejaVu against
/// DejaVu's digit predicts both; [`WIDTH_SAFETY`] covers the difference.
pub(crate) fn column_pt(width: f64) -> f32 {
    let digit = fonts::regular().width("0", BODY_PT);
    ((width - CELL_PADDING_CHARS) as f32 * digit / WIDTH_SAFETY).max(1.0)
}

/// Cell padding, in digits (Excel leaves about 5 px of a 7 px digit).
pub(crate) const CELL_PADDING_CHARS: f64 = 0.8;
/// Measured text is taken this much wider than it is, so that rows err on the tall side.
pub(crate) const WIDTH_SAFETY: f32 = 1.05;

/// How many lines `text` takes when wrapped into `width_pt` points at
/// `size_pt` in `face`: greedy wrapping at spaces, words longer than a line
/// broken anywhere, every `\n` a line break (so a paragraph break `"\n\n"`
/// adds an empty line), as Excel and LibreOffice do.
pub(crate) fn wrapped_lines(text: &str, width_pt: f32, face: &Face, size_pt: f32) -> usize {
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
pub(crate) fn lines_in(text: &str, width: f64, bold: bool) -> usize {
    let face = if bold { fonts::bold() } else { fonts::regular() };
    wrapped_lines(text, column_pt(width), face, BODY_PT)
}

/// Like [`put_merged`], from column `first_col`.
pub(crate) fn put_merged_from(
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

/// What a sheet's running header says: the document's title on the left,
/// version and date on the right.
pub(crate) struct Running<'a> {
    /// The document title.
    pub(crate) title: &'a str,
    /// The matrix version.
    pub(crate) version: &'a str,
    /// The "as of" date.
    pub(crate) date: Date,
}

/// Paper, orientation, fit to one page wide, margins, running header and footer.
pub(crate) fn print_setup(
    ws: &mut Worksheet,
    layout: &Layout,
    s: &Strings,
    running: &Running<'_>,
    landscape: bool,
    footer_title: &str,
) -> Result<(), XlsxError> {
    let l = layout;
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
    let version = format!("{} {} · {}", s.version, running.version, s.date(&running.date));
    ws.set_header(header_text(running.title, &version));
    ws.set_footer(footer_text(footer_title, &s.page_x_of_y));
    Ok(())
}

/// The running header: the matrix title in bold on the left, version and
/// date on the right; within Excel's 255 units whatever the texts.
pub(crate) fn header_text(title: &str, version: &str) -> String {
    let h = format!("&L&\"-,Bold\"{}&R{}", hf_text(title, 120), hf_text(version, 100));
    debug_assert!(h.encode_utf16().count() <= HEADER_FOOTER_MAX);
    h
}

/// The running footer: the sheet's title on the left, "Page X of Y" on the right.
pub(crate) fn footer_text(title: &str, page_template: &str) -> String {
    let f = format!("&L{}&R{}", hf_text(title, 120), page_x_of_y(page_template));
    debug_assert!(f.encode_utf16().count() <= HEADER_FOOTER_MAX);
    f
}

/// `text` for a header or footer: one line, `&` escaped as `&&`, cut (with
/// "…") to at most `max` UTF-16 units so that the whole stays within Excel's
/// 255 (rust_xlsxwriter silently drops a longer one).
pub(crate) fn hf_text(text: &str, max: usize) -> String {
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
pub(crate) fn page_x_of_y(template: &str) -> String {
    let flat = template.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat: String = flat.chars().take(60).collect();
    flat.replace('&', "&&").replace("{pages}", "&N").replace("{page}", "&P")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> usize {
        s.encode_utf16().count()
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
