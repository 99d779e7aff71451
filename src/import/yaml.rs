//! The YAML writer: a [`Draft`] as a matrix file a person can keep editing.
//!
//! The field order of `data/llmaas.yaml` and `matrix-format.md`; a localized
//! text on one line in flow style (`title: {fr: "…", en: "…"}`) when it is
//! short, one language per line when it is long, and a literal block (`|`)
//! for a text with paragraphs; a header comment saying where it came from.
//! Every string is double-quoted with YAML's escapes, so that no text can be
//! read as another type, a comment, an alias or a tag; the same draft always
//! gives the same bytes.

use std::fmt::Write as _;

use super::draft::{Draft, DraftActivity, DraftRules, DraftSection, Texts};
use crate::model::Lang;

/// A localized text goes on one line when the line stays within this width.
const FLOW_WIDTH: usize = 100;

/// Writes the matrix file.
pub(crate) fn write(d: &Draft) -> String {
    let mut w = Writer { out: String::with_capacity(4096), langs: &d.languages };
    w.header(d);
    let out = &mut w.out;
    let _ = writeln!(out, "schema: 1");
    let _ = writeln!(out, "id: {}", quote(&d.id));
    let _ = writeln!(out, "version: {}", quote(&d.version));
    let _ = writeln!(out, "date: {}", d.date);
    let _ = writeln!(out, "source_language: {}", quote(d.source_language.as_str()));
    let langs: Vec<String> = d.languages.iter().map(|l| quote(l.as_str())).collect();
    let _ = writeln!(out, "languages: [{}]", langs.join(", "));
    w.out.push('\n');
    w.texts(0, "title", &d.title);
    if let Some(t) = &d.intro {
        w.texts(0, "intro", t);
    }
    w.notes(0, &d.notes);
    w.out.push_str("\nroles:\n");
    for r in &d.roles {
        let _ = writeln!(w.out, "  - code: {}", quote(&r.code.to_string()));
        w.texts(4, "name", &r.name);
        w.texts(4, "description", &r.description);
    }
    if let Some(rules) = &d.rules {
        w.out.push_str("\nrules:\n");
        for (k, v) in rule_pairs(rules) {
            let _ = writeln!(w.out, "  {k}: {v}");
        }
    }
    w.out.push_str("\nparties:\n");
    for p in &d.parties {
        let _ = writeln!(w.out, "  - id: {}", quote(&p.id));
        w.texts(4, "name", &p.name);
    }
    w.out.push_str("\nphases:\n");
    for (i, ph) in d.phases.iter().enumerate() {
        if i > 0 {
            w.out.push('\n');
        }
        w.section(2, &ph.section, d, |w| {
            if !ph.subphases.is_empty() {
                w.out.push_str("    subphases:\n");
                for s in &ph.subphases {
                    w.section(6, s, d, |_| {});
                }
            }
        });
    }
    w.out
}

struct Writer<'a> {
    out: String,
    langs: &'a [Lang],
}

impl Writer<'_> {
    fn header(&mut self, d: &Draft) {
        self.out.push_str("# Imported by `raci-annex import` from the pages\n");
        for p in &d.imported_from {
            let _ = writeln!(self.out, "#   {}", comment_safe(p));
        }
        let _ = writeln!(
            self.out,
            "# with the structure and role codes of the '{}' page. From now on this file\n\
             # is the source: edit it, and generate the pages from it (`generate --format md`).",
            d.source_language
        );
    }

    /// `  - id: …` and the rest of a phase or subphase at `indent` (the dash's column).
    fn section(&mut self, indent: usize, s: &DraftSection, d: &Draft, subphases: impl FnOnce(&mut Self)) {
        let pad = " ".repeat(indent);
        let _ = writeln!(self.out, "{pad}- id: {}", quote(&s.id));
        let inner = indent + 2;
        self.texts(inner, "title", &s.title);
        if let Some(t) = &s.intro {
            self.texts(inner, "intro", t);
        }
        if !s.activities.is_empty() {
            let _ = writeln!(self.out, "{pad}  activities:");
            for a in &s.activities {
                self.activity(inner + 2, a, d);
            }
        }
        subphases(self);
        self.notes(inner, &s.notes);
    }

    fn activity(&mut self, indent: usize, a: &DraftActivity, d: &Draft) {
        let pad = " ".repeat(indent);
        let _ = writeln!(self.out, "{pad}- id: {}", quote(&a.id));
        let inner = indent + 2;
        self.texts(inner, "text", &a.text);
        if a.roles.iter().any(|r| !r.is_empty()) {
            let _ = writeln!(self.out, "{pad}  roles:");
            for (p, codes) in d.parties.iter().zip(&a.roles) {
                if !codes.is_empty() {
                    let _ = writeln!(self.out, "{pad}    {}: {}", key(&p.id), quote(codes));
                }
            }
        }
        if let Some(n) = &a.note {
            self.texts(inner, "note", n);
        }
        if let Some(r) = &a.rules {
            let pairs: Vec<String> = rule_pairs(r).into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let _ = writeln!(self.out, "{pad}  rules: {{{}}}", pairs.join(", "));
        }
    }

    fn notes(&mut self, indent: usize, notes: &[Texts]) {
        if notes.is_empty() {
            return;
        }
        let pad = " ".repeat(indent);
        let _ = writeln!(self.out, "{pad}notes:");
        for n in notes {
            self.list_texts(indent + 2, n);
        }
    }

    /// `key: {fr: "…", en: "…"}` or the block form, at `indent`.
    fn texts(&mut self, indent: usize, name: &str, t: &Texts) {
        let pad = " ".repeat(indent);
        let flow = self.flow(t);
        if let Some(flow) = flow.filter(|f| indent + name.len() + 2 + f.chars().count() <= FLOW_WIDTH) {
            let _ = writeln!(self.out, "{pad}{name}: {flow}");
            return;
        }
        let _ = writeln!(self.out, "{pad}{name}:");
        self.block_entries(indent + 2, t, false);
    }

    /// A list item of a localized text (a note): `- {fr: "…"}` or a block mapping.
    fn list_texts(&mut self, indent: usize, t: &Texts) {
        let pad = " ".repeat(indent);
        if let Some(flow) = self.flow(t).filter(|f| indent + 2 + f.chars().count() <= FLOW_WIDTH) {
            let _ = writeln!(self.out, "{pad}- {flow}");
            return;
        }
        self.out.push_str(&pad);
        self.out.push_str("- ");
        self.block_entries(indent + 2, t, true);
    }

    /// One `lang: value` line (or literal block) per language; the first
    /// line's indentation already written when `first_inline`.
    fn block_entries(&mut self, indent: usize, t: &Texts, first_inline: bool) {
        let pad = " ".repeat(indent);
        for (i, (lang, text)) in self.langs.iter().zip(t).enumerate() {
            if !(first_inline && i == 0) {
                self.out.push_str(&pad);
            }
            let k = key(lang.as_str());
            if text.contains('\n') && literal_safe(text) {
                let _ = writeln!(self.out, "{k}: |");
                for line in text.split('\n') {
                    if line.is_empty() {
                        self.out.push('\n');
                    } else {
                        let _ = writeln!(self.out, "{pad}  {line}");
                    }
                }
            } else {
                let _ = writeln!(self.out, "{k}: {}", quote(text));
            }
        }
    }

    /// The flow form of a text, when no language has a line break.
    fn flow(&self, t: &Texts) -> Option<String> {
        if t.iter().any(|s| s.contains('\n')) {
            return None;
        }
        let parts: Vec<String> =
            self.langs.iter().zip(t).map(|(l, s)| format!("{}: {}", key(l.as_str()), quote(s))).collect();
        Some(format!("{{{}}}", parts.join(", ")))
    }
}

fn rule_pairs(r: &DraftRules) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    if let Some(a) = r.accountable {
        v.push(("accountable", a.to_owned()));
    }
    if let Some(a) = r.responsible {
        v.push(("responsible", a.to_owned()));
    }
    if let Some(c) = r.accountable_role {
        v.push(("accountable_role", quote(&c.to_string())));
    }
    if let Some(c) = r.responsible_role {
        v.push(("responsible_role", quote(&c.to_string())));
    }
    v
}

/// Whether YAML may print `c` as it is (its `c-printable` set, less the
/// line separators that some readers fold).
fn printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// A text with paragraphs can be a literal block when every character is
/// printable and no line has outer white space (which the block would keep
/// or, on the first line, misread as indentation).
fn literal_safe(text: &str) -> bool {
    text.chars().all(printable)
        && text.split('\n').all(|l| l.trim() == l)
        && !text.starts_with('\n')
        && !text.ends_with('\n')
}

/// A double-quoted YAML scalar: `\` and `"` escaped, and every character
/// outside YAML's printable set as `\n`, `\t`, `\xNN` or `\uNNNN`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if printable(c) => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// A mapping key: plain when it is a lowercase word YAML reads as a string
/// in every schema, else quoted.
fn key(k: &str) -> String {
    let plain = k.starts_with(|c: char| c.is_ascii_lowercase())
        && k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && !matches!(k, "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null");
    if plain { k.to_owned() } else { quote(k) }
}

/// A page path for the header comment: one line, no control characters.
fn comment_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_everything_that_yaml_could_misread() {
        assert_eq!(quote("plain"), "\"plain\"");
        assert_eq!(quote("a \"b\" \\ c"), "\"a \\\"b\\\" \\\\ c\"");
        assert_eq!(quote("x\u{7}y\u{85}z\u{feff}"), "\"x\\x07y\\x85z\\uFEFF\"");
        assert_eq!(quote("- # : & * ! | > ' %"), "\"- # : & * ! | > ' %\"");
        assert_eq!(quote("line\nbreak"), "\"line\\nbreak\"");
    }

    #[test]
    fn keys_are_plain_only_when_safe() {
        assert_eq!(key("customer"), "customer");
        assert_eq!(key("no"), "\"no\"");
        assert_eq!(key("1st"), "\"1st\"");
        assert_eq!(key("sub_contractor"), "sub_contractor");
    }

    use crate::import::draft::{DraftParty, DraftPhase, DraftRole};
    use crate::load::validate::normalise_text;
    use crate::model::{Date, Lang};
    use proptest::prelude::*;

    /// Characters YAML gives meaning to, and some it must keep as they are.
    const ALPHABET: &[char] = &[
        'a', 'Z', '0', ' ', ' ', '"', '\'', '#', ':', '-', '*', '&', '!', '|', '>', '%', '@', '`', '\\', '{',
        '}', '[', ']', ',', '?', '~', 'é', 'ß', '€', '“', '«', '\u{a0}', '\n', '\u{85}', '\u{2028}',
        '\u{7f}', '\u{1}', '\t', '\r', 'Ω', 'Ж',
    ];

    /// A text as the importer hands it to the writer: normalised, no tabs or
    /// control characters, only characters the fonts have, not empty.
    fn as_imported(raw: &str, paragraphs: bool) -> String {
        let spaced: String = raw
            .chars()
            .map(|c| if c != '\n' && c.is_control() || matches!(c, '\u{2028}') { ' ' } else { c })
            .collect();
        let mut t = normalise_text(&spaced);
        if !paragraphs {
            t = t.replace("\n\n", " ");
        }
        if t.is_empty() { "x".into() } else { t }
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ALPHABET), 0..40)
            .prop_map(|v| v.into_iter().collect())
    }

    fn draft(texts: &[String]) -> Draft {
        let t = |i: usize, p: bool| {
            vec![as_imported(&texts[i % texts.len()], p), as_imported(&texts[(i + 1) % texts.len()], p)]
        };
        let section = |id: &str, i: usize| DraftSection {
            id: id.into(),
            title: t(i, false),
            intro: Some(t(i + 1, true)),
            activities: vec![DraftActivity {
                id: format!("{id}-1"),
                text: t(i + 2, false),
                roles: vec!["RA".into(), String::new()],
                note: Some(t(i + 3, true)),
                rules: None,
            }],
            notes: vec![t(i + 4, true), t(i + 5, true)],
        };
        Draft {
            id: "fuzz".into(),
            version: "1.0".into(),
            date: Date { year: 2026, month: 1, day: 2 },
            source_language: Lang::parse("fr").unwrap(),
            languages: vec![Lang::parse("fr").unwrap(), Lang::parse("no").unwrap()],
            title: t(0, false),
            intro: Some(t(1, true)),
            notes: vec![t(2, true)],
            roles: vec![
                DraftRole { code: 'R', name: t(3, false), description: t(4, false) },
                DraftRole { code: 'A', name: t(5, false), description: t(6, false) },
            ],
            rules: None,
            parties: vec![
                DraftParty { id: "customer".into(), name: t(7, false) },
                DraftParty { id: "on".into(), name: t(8, false) },
            ],
            phases: vec![DraftPhase { section: section("p", 9), subphases: vec![section("s", 15)] }],
            imported_from: vec!["fr=a\nb.md".into()],
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]
        // Whatever the texts, the file loads with the crate's loader and
        // gives back every text exactly.
        #[test]
        fn every_text_survives_the_writer_and_the_loader(texts in proptest::collection::vec(text(), 1..12)) {
            let d = draft(&texts);
            let yaml = write(&d);
            let loaded = crate::load::load_text(std::path::Path::new("fuzz.yaml"), yaml.clone());
            let m = match loaded {
                Ok(l) => l.matrix,
                Err(r) => return Err(TestCaseError::fail(format!("{}\n{yaml}", r.render()))),
            };
            let langs = d.languages.clone();
            let same = |want: &Texts, got: &crate::model::Localized| -> Result<(), TestCaseError> {
                for (l, w) in langs.iter().zip(want) {
                    prop_assert_eq!(got.get(l), w.as_str(), "{}", yaml);
                }
                Ok(())
            };
            same(&d.title, &m.title)?;
            same(d.intro.as_ref().unwrap(), m.intro.as_ref().unwrap())?;
            same(&d.notes[0], &m.notes[0])?;
            for (r, dr) in m.roles.iter().zip(&d.roles) {
                same(&dr.name, &r.name)?;
                same(&dr.description, &r.description)?;
            }
            same(&d.parties[1].name, &m.parties[1].name)?;
            prop_assert_eq!(&m.parties[1].id, "on");
            let (ds, ms) = (&d.phases[0].subphases[0], &m.phases[0].subphases[0]);
            same(&ds.title, &ms.title)?;
            same(ds.intro.as_ref().unwrap(), ms.intro.as_ref().unwrap())?;
            same(&ds.activities[0].text, &ms.activities[0].text)?;
            same(ds.activities[0].note.as_ref().unwrap(), ms.activities[0].note.as_ref().unwrap())?;
            same(&ds.notes[1], &ms.notes[1])?;
            prop_assert_eq!(write(&d), yaml, "byte-reproducible");
        }
    }

    #[test]
    fn literal_blocks_only_for_clean_paragraphs() {
        assert!(literal_safe("a\n\nb"));
        assert!(!literal_safe("a\n\n b"));
        assert!(!literal_safe("a\u{85}\n\nb"));
    }
}
