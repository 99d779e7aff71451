//! The documentation page (`ID-LANG.md`): the matrix in one language as
//! CommonMark with GitHub tables and footnotes, for a Docusaurus-style site,
//! in exactly the page format that `raci-annex import` reads back
//! (docs/import.md, "The page format that `--format md` writes and `import`
//! reads back"): importing the pages of every language gives the matrix
//! again, so the website is generated from the same source as the annex.
//!
//! Every text of the matrix and every label of the templates goes through
//! [`escape`], so that any CommonMark renderer shows exactly the text as
//! written and no raw HTML is ever produced. The front matter is YAML, and
//! is quoted as the matrix file writer of `import` quotes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Job, Output, RenderError};
use crate::import::yaml::quote;
use crate::view::{Paragraphs, Row, SectionView};

/// Renders the page of `job.view`.
///
/// # Errors
/// None in practice: writing into a `String` cannot fail.
pub fn render(job: &Job<'_>) -> Result<Vec<Output>, RenderError> {
    let v = job.view;
    let s = job.strings;
    let mut out = String::with_capacity(size_hint(job));

    // Front matter (rule 1).
    out.push_str("---\n");
    let _ = writeln!(out, "title: {}", quote(v.title));
    let _ = writeln!(out, "raci_matrix: {}", quote(v.id));
    let _ = writeln!(out, "raci_version: {}", quote(v.version));
    let _ = writeln!(out, "date: {}", v.date);
    let _ = writeln!(out, "raci_language: {}", quote(v.lang.as_str()));
    let _ = writeln!(out, "raci_source_language: {}", quote(v.source_language.as_str()));
    list(&mut out, "raci_parties", v.parties.iter().map(|p| p.id));
    list(&mut out, "raci_sections", v.phases.iter().flat_map(|p| p.sections()).map(|s| s.id));
    out.push_str("---\n\n");

    // Title, version line, intro (rules 2 and 3).
    heading(&mut out, 1, v.title);
    let version_line = format!("{} {} · {} {}", s.version, v.version, s.as_of, s.date(&v.date));
    paragraph(&mut out, &version_line);
    if let Some(intro) = v.intro {
        paragraphs(&mut out, intro);
    }

    // Legend (rule 4).
    heading(&mut out, 2, &s.legend_heading);
    row(&mut out, [s.role.as_str(), s.description.as_str()].into_iter());
    separator(&mut out, 2);
    for r in &v.legend {
        out.push_str("| (");
        out.push(r.code);
        out.push_str(") ");
        // Inside the cell, after `(X) `: the name is not at the cell's start.
        escape_into(&mut out, r.name, false);
        out.push_str(" | ");
        escape_into(&mut out, r.description, true);
        out.push_str(" |\n");
    }
    out.push('\n');

    // Phases and subphases (rules 5 to 8).
    let mut labels = Labels::default();
    let only_phase = v.phases.len() == 1;
    for p in &v.phases {
        let own = &p.section;
        heading(&mut out, 2, own.title);
        if let Some(intro) = own.intro {
            paragraphs(&mut out, intro);
        }
        if !own.rows.is_empty() || !own.notes.is_empty() || only_phase {
            table(&mut out, job, own, &mut labels);
        }
        for sub in &p.subsections {
            heading(&mut out, 3, sub.title);
            if let Some(intro) = sub.intro {
                paragraphs(&mut out, intro);
            }
            table(&mut out, job, sub, &mut labels);
        }
    }

    // Matrix notes (rule 9).
    if !v.notes.is_empty() {
        heading(&mut out, 2, &s.notes_heading);
        for n in &v.notes {
            note(&mut out, *n);
        }
    }
    // One line end at the end of the file, not a blank line.
    out.pop();

    Ok(vec![Output { file_name: format!("{}.md", job.stem()), bytes: out.into_bytes() }])
}

/// About the page's length, a little more, so that a page is written into
/// one allocation (a large matrix's page is megabytes): every text once,
/// an eighth more for escapes, and the table's pipes and spaces.
fn size_hint(job: &Job<'_>) -> usize {
    let v = job.view;
    let text = |t: &str| t.len() + t.len() / 8;
    let row = |r: &Row<'_>| {
        let note = r.note.map_or(0, |n| text(n.as_str()) + 2 * r.id.len() + 16);
        text(r.id) + text(r.text) + 8 + 4 * v.parties.len() + note
    };
    let sections: usize = v
        .phases
        .iter()
        .flat_map(|p| p.sections())
        .map(|s| {
            let notes: usize = s.notes.iter().map(|n| text(n.as_str()) + 8).sum();
            let header = 40 + v.parties.iter().map(|p| text(p.name) + 9).sum::<usize>();
            text(s.title)
                + s.intro.map_or(0, |i| text(i.as_str()))
                + header
                + notes
                + s.rows.iter().map(row).sum::<usize>()
        })
        .sum();
    let legend: usize = v.legend.iter().map(|r| text(r.name) + text(r.description) + 16).sum();
    4096 + legend
        + sections
        + v.intro.map_or(0, |i| text(i.as_str()))
        + v.notes.iter().map(|n| text(n.as_str()) + 8).sum::<usize>()
}

/// `key: ["a", "b"]`, a flow list of quoted ids.
fn list<'a>(out: &mut String, key: &str, items: impl Iterator<Item = &'a str>) {
    out.push_str(key);
    out.push_str(": [");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&quote(item));
    }
    out.push_str("]\n");
}

/// `## Title`, then a blank line.
fn heading(out: &mut String, level: usize, text: &str) {
    for _ in 0..level {
        out.push('#');
    }
    out.push(' ');
    escape_into(out, text, true);
    out.push_str("\n\n");
}

/// One paragraph (one line), then a blank line.
fn paragraph(out: &mut String, text: &str) {
    escape_into(out, text, true);
    out.push_str("\n\n");
}

/// Each paragraph of a text as a paragraph of the page.
fn paragraphs(out: &mut String, text: Paragraphs<'_>) {
    for p in text.iter() {
        paragraph(out, p);
    }
}

/// A phase, subphase or matrix note (rule 8): one paragraph, or a block
/// quote holding its paragraphs, so that the reader takes it as one note.
fn note(out: &mut String, text: Paragraphs<'_>) {
    if !text.as_str().contains("\n\n") {
        paragraph(out, text.as_str());
        return;
    }
    for (i, p) in text.iter().enumerate() {
        if i > 0 {
            out.push_str(">\n");
        }
        out.push_str("> ");
        escape_into(out, p, true);
        out.push('\n');
    }
    out.push('\n');
}

/// One table row of escaped cells (a header row).
fn row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for c in cells {
        out.push_str("| ");
        escape_into(out, c, true);
        out.push(' ');
    }
    out.push_str("|\n");
}

/// `| --- | --- |` for `n` columns.
fn separator(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push_str("| --- ");
    }
    out.push_str("|\n");
}

/// A section's table (its header row only when it has no rows), the
/// footnote definitions of its activity notes, then its notes.
fn table(out: &mut String, job: &Job<'_>, section: &SectionView<'_>, labels: &mut Labels) {
    let v = job.view;
    out.push_str("| ID ");
    row(out, std::iter::once(job.strings.activity.as_str()).chain(v.parties.iter().map(|p| p.name)));
    separator(out, 2 + v.parties.len());
    let mut noted: Vec<(&Row<'_>, String)> = Vec::new();
    for r in &section.rows {
        out.push_str("| ");
        escape_into(out, r.id, true);
        out.push_str(" | ");
        escape_into(out, r.text, true);
        if r.note.is_some() {
            let label = labels.take(r.id);
            out.push_str("[^");
            out.push_str(&label);
            out.push(']');
            noted.push((r, label));
        }
        out.push(' ');
        for cell in r.roles {
            // Role codes are uppercase letters of the legend: nothing to escape.
            out.push_str("| ");
            out.push_str(cell.as_str());
            out.push(' ');
        }
        out.push_str("|\n");
    }
    out.push('\n');
    // Activity notes (rule 7): the first paragraph on the label's line,
    // further ones indented by four spaces.
    for (r, label) in noted {
        let Some(n) = r.note else { continue };
        for (i, p) in n.iter().enumerate() {
            if i == 0 {
                out.push_str("[^");
                out.push_str(&label);
                out.push_str("]: ");
            } else {
                out.push_str("    ");
            }
            escape_into(out, p, true);
            out.push_str("\n\n");
        }
    }
    for n in &section.notes {
        note(out, *n);
    }
}

/// Footnote labels of one page. CommonMark matches labels without regard to
/// case, so the second id that differs from an earlier one only in case
/// gets `~2`, the third `~3` (`~` is never part of an id).
#[derive(Default)]
struct Labels {
    seen: BTreeMap<String, usize>,
}

impl Labels {
    fn take(&mut self, id: &str) -> String {
        if !id.bytes().any(|b| b.is_ascii_uppercase()) && !self.seen.contains_key(id) {
            // The common case (lowercase or unseen): no allocation for the key twice.
            self.seen.insert(id.to_owned(), 1);
            return id.to_owned();
        }
        let n = self.seen.entry(id.to_ascii_lowercase()).or_insert(0);
        *n += 1;
        if *n == 1 { id.to_owned() } else { format!("{id}~{n}") }
    }
}

/// The characters escaped wherever they occur (docs/import.md, rule 10).
fn always(b: u8) -> bool {
    matches!(
        b,
        b'\\'
            | b'`'
            | b'*'
            | b'_'
            | b'{'
            | b'}'
            | b'['
            | b']'
            | b'<'
            | b'>'
            | b'|'
            | b'#'
            | b'!'
            | b'~'
            | b'&'
            | b'$'
    )
}

/// Appends `text` escaped (docs/import.md, rule 10): a backslash before each
/// of ``\ ` * _ { } [ ] < > | # ! ~ & $``, and, when `at_start` says the text
/// starts a paragraph, heading or cell, before a leading `-`, `+`, `=` or
/// `:` and before the `.` or `)` that follows leading digits. Every escaped
/// character is ASCII, so the text is copied in slices between them.
pub fn escape_into(out: &mut String, text: &str, at_start: bool) {
    let bytes = text.as_bytes();
    let mut from = 0;
    if at_start {
        match bytes.first() {
            Some(b'-' | b'+' | b'=' | b':') => out.push('\\'),
            Some(b'0'..=b'9') => {
                let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
                if matches!(bytes.get(digits), Some(b'.' | b')')) {
                    out.push_str(&text[..digits]);
                    out.push('\\');
                    from = digits;
                }
            }
            _ => {}
        }
    }
    let mut start = from;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        if always(b) {
            out.push_str(&text[start..i]);
            out.push('\\');
            start = i;
        }
    }
    out.push_str(&text[start..]);
}

/// [`escape_into`] into a new string, for a text that starts a paragraph.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(&mut out, text, true);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_everywhere_and_block_starts_at_the_start() {
        assert_eq!(escape(r"a|b *c* _d_ <e> & \ `f` #g !h ~i $j {k} [l]"), {
            r"a\|b \*c\* \_d\_ \<e\> \& \\ \`f\` \#g \!h \~i \$j \{k\} \[l\]"
        });
        assert_eq!(escape("- dash - inside"), r"\- dash - inside");
        assert_eq!(escape("+ plus"), r"\+ plus");
        assert_eq!(escape("= equals"), r"\= equals");
        assert_eq!(escape(":::note"), r"\:::note");
        assert_eq!(escape("12. twelve 3. three"), r"12\. twelve 3. three");
        assert_eq!(escape("2) two"), r"2\) two");
        assert_eq!(escape("2026 is a year"), "2026 is a year");
        assert_eq!(escape("élan, « quotes » – ‘x’ \"y\" 'z'"), "élan, « quotes » – ‘x’ \"y\" 'z'");
        let mut inside = String::new();
        escape_into(&mut inside, "- not at the start", false);
        assert_eq!(inside, "- not at the start");
    }

    // The page of the shipped matrix fits the capacity reserved for it, in
    // every language: one allocation, however large a page gets.
    #[test]
    fn the_size_hint_covers_the_page() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/llmaas.yaml");
        let m = crate::load::load(&path).unwrap_or_else(|r| panic!("{}", r.render())).matrix;
        let templates = crate::i18n::Templates::builtin();
        let options = super::super::RenderOptions::new("test");
        for l in &m.languages {
            let view = crate::view::View::new(&m, l);
            let job = Job {
                view: &view,
                strings: templates.strings(l),
                layout: &templates.layout,
                options: &options,
            };
            let page = render(&job).expect("renders").remove(0).bytes;
            let hint = size_hint(&job);
            assert!(
                page.len() <= hint && hint < 2 * page.len() + 4096,
                "{l}: {} bytes, hint {hint}",
                page.len()
            );
        }
    }

    #[test]
    fn footnote_labels_differ_where_ids_differ_only_in_case() {
        let mut l = Labels::default();
        assert_eq!(l.take("a-1"), "a-1");
        assert_eq!(l.take("A-1"), "A-1~2");
        assert_eq!(l.take("B"), "B");
        assert_eq!(l.take("b"), "b~2");
        assert_eq!(l.take("x.y_z"), "x.y_z");
    }
}
