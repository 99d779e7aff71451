//! Raw YAML -> validated [`Matrix`]: one function per rule of
//! `matrix-format.md`. Every check pushes a [`Diagnostic`] and carries on, so
//! that a file with several mistakes is reported whole in one run.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_saphyr::Spanned;
use unicode_normalization::UnicodeNormalization;

use super::raw::{RawActivity, RawMatrix, RawRules, RawText};
use crate::diag::{Code, Diagnostic, Report};
use crate::fonts;
use crate::model::{
    AccountableRule, Activity, Date, Lang, Localized, Matrix, Party, Phase, ResponsibleRule, Role, RoleCell,
    Rules, Section, Source,
};

/// Most parties a matrix may have: one printed column each.
pub const MAX_PARTIES: usize = 8;
/// Longest matrix id (it is part of every output file name).
pub const MAX_MATRIX_ID: usize = 64;

/// (line, column) of a spanned value, or `None` when the parser could not tell.
fn at<T>(s: &Spanned<T>) -> Option<(u64, u64)> {
    let l = s.referenced;
    (l.line() > 0).then(|| (l.line(), l.column()))
}

/// `[a-z0-9]` then `[a-z0-9<extra>]*`.
fn is_lower_id(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b[1..].iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(c))
}

/// `[A-Za-z0-9][A-Za-z0-9._-]*`.
fn is_activity_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
}

/// Trims a localized text and folds its line breaks: a blank line separates
/// paragraphs (kept as `"\n\n"`), any other line break becomes one space.
pub fn normalise_text(s: &str) -> String {
    if !s.contains('\n') && !s.contains('\r') {
        // One line: the loop below would only trim it.
        return s.trim().to_owned();
    }
    let unified = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in unified.split('\n') {
        let line = if current.is_empty() { line.trim() } else { line.trim_end() };
        if line.trim_start().is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else if current.is_empty() {
            current.push_str(line);
        } else {
            current.push(' ');
            current.push_str(line.trim_start());
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.join("\n\n")
}

/// Whether a line ends with a literal block indicator: `|`, `|-`, `|+2`, maybe a comment.
fn ends_with_literal_indicator(line: &str) -> bool {
    let code = line.split(" #").next().unwrap_or(line).trim_end();
    let tail = code.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
    tail.ends_with('|') && (tail.len() == 1 || tail[..tail.len() - 1].ends_with([' ', ':', '-']))
}

/// How a localized text is printed, which decides how it is normalised and
/// checked (matrix-format.md, Normalisation).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A title or a name: one line of text (every line break folded into a
    /// space), printed in the bold face as well.
    Heading,
    /// An activity text or a role description: one line of text.
    Line,
    /// An intro or a note: paragraphs separated by a blank line.
    Paragraphs,
}

/// Collects diagnostics while turning the raw matrix into the model.
struct Checker<'r> {
    report: &'r mut Report,
    languages: Vec<Lang>,
    /// Codes of the legend, in order.
    codes: Vec<char>,
    /// Which ASCII characters the glyph check accepts: `[regular][regular and bold]`.
    ascii_drawable: [[bool; 128]; 2],
}

impl Checker<'_> {
    /// Whether the scalar at `value` is a literal block (`|`), whose line
    /// breaks are still those of the file.
    fn is_literal_block<T>(&self, value: &Spanned<T>) -> bool {
        let (line, col) = (value.referenced.line(), value.referenced.column());
        let Some(src) = self.report.source.as_deref() else { return false };
        let Some(idx) = line.checked_sub(1).map(|i| i as usize) else { return false };
        let mut lines = src.lines().skip(idx.saturating_sub(1));
        let (before, at) = if idx == 0 { (None, lines.next()) } else { (lines.next(), lines.next()) };
        let here = at.map(|t| t.chars().skip(col.saturating_sub(1) as usize).find(|c| !c.is_whitespace()));
        // The span points at the `|` indicator or at the block's first line.
        here == Some(Some('|')) || before.is_some_and(ends_with_literal_indicator)
    }

    fn push(&mut self, d: Diagnostic) {
        self.report.push(d);
    }

    /// Checks one localized text: every language present, none blank, none
    /// extra, every character drawable by the PDF fonts (bold ones too for a
    /// heading); normalises it as its [`Kind`] says.
    fn text(&mut self, raw: &RawText, what: &str, subject: &str, kind: Kind) -> Localized {
        let bold = kind == Kind::Heading;
        let mut out = BTreeMap::new();
        for (tag, value) in raw.value.iter() {
            let known = Lang::parse(tag).filter(|l| self.languages.contains(l));
            let Some(lang) = known else {
                let declared = self.declared();
                self.push(
                    Diagnostic::error(
                        Code::UnlistedLanguage,
                        at(value),
                        format!("{what} gives a text in '{tag}', which `languages` does not list"),
                    )
                    .subject(subject)
                    .help(format!("remove the '{tag}' text, or add '{tag}' to `languages` ({declared}) and translate every text")),
                );
                continue;
            };
            let raw_text = value.value.as_deref().unwrap_or_default();
            let text = if !raw_text.contains('\n') {
                normalise_text(raw_text)
            } else if !self.is_literal_block(value) {
                // In plain, quoted and folded (`>`) scalars YAML has already folded
                // single line breaks; a line break left in the value stood for a
                // blank line in the file: the author's paragraph break.
                normalise_text(&raw_text.replace('\n', "\n\n"))
            } else {
                normalise_text(raw_text)
            };
            let text = match kind {
                // matrix-format.md, Normalisation: only intros and notes keep paragraphs.
                Kind::Heading | Kind::Line if text.contains('\n') => text.replace("\n\n", " "),
                _ => text,
            };
            if text.is_empty() {
                self.push(
                    Diagnostic::error(Code::EmptyText, at(value), format!("{what} is empty in '{tag}'"))
                        .subject(subject)
                        .help(format!(
                            "write the '{tag}' text, or remove the entry and every other '{tag}' text with it"
                        )),
                );
            } else {
                self.glyphs(&text, value, what, subject, &lang, bold);
            }
            out.insert(lang, text);
        }
        for i in 0..self.languages.len() {
            let lang = &self.languages[i];
            if !raw.value.contains_key(lang.as_str()) {
                self.push(
                    Diagnostic::error(Code::MissingTranslation, at(raw), format!("{what} has no '{lang}' text"))
                        .subject(subject)
                        .help(format!("add a line `{lang}: \"...\"` with the {lang} translation; every text needs all of: {}", self.declared())),
                );
            }
        }
        Localized::new(out)
    }

    fn declared(&self) -> String {
        self.languages.iter().map(Lang::as_str).collect::<Vec<_>>().join(", ")
    }

    /// Refuses characters the shipped fonts cannot draw (they would print as empty boxes).
    fn glyphs<T>(
        &mut self,
        text: &str,
        at_value: &Spanned<T>,
        what: &str,
        subject: &str,
        lang: &Lang,
        bold: bool,
    ) {
        if self.plainly_drawable(text, bold) {
            return;
        }
        let mut seen = HashSet::new();
        // Below U+0300 every character is NFC and has combining class 0, so the
        // quick check may start at the first byte that can begin U+0300 or above
        // (0xCC); most texts have none and skip the check.
        let tail = text.bytes().position(|b| b >= 0xCC).map_or("", |i| &text[i..]);
        let normalised: String = match unicode_normalization::is_nfc_quick(tail.chars()) {
            unicode_normalization::IsNormalized::Yes => String::new(),
            _ => text.nfc().collect(),
        };
        let chars = if normalised.is_empty() { text } else { &normalised };
        for c in chars.chars() {
            // The table lookup first: hashing every character was a tenth of loading.
            let ok = c == '\n' || fonts::regular().covers(c) && (!bold || fonts::bold().covers(c));
            if !ok && seen.insert(c) {
                self.push(
                    Diagnostic::error(
                        Code::MissingGlyph,
                        at(at_value),
                        format!(
                            "{what} ('{lang}') contains the character {} (U+{:04X}), which the PDF fonts cannot draw",
                            if c.is_control() { "<control>".to_string() } else { format!("'{c}'") },
                            c as u32
                        ),
                    )
                    .subject(subject)
                    .help("replace it with a character the fonts have (Latin, Greek, Cyrillic and common punctuation); a contract must never show an empty box"),
                );
            }
        }
    }

    /// The common case, checked in one pass before the per-character report:
    /// every character of `text` is drawable and plainly NFC (a starter the NFC
    /// quick check says yes to), so NFC would leave the text as it is and the
    /// report would find nothing. ASCII is looked up in a table, each face is
    /// fetched once. `false` only means "check properly".
    fn plainly_drawable(&self, text: &str, bold: bool) -> bool {
        use unicode_normalization::{IsNormalized, char::canonical_combining_class, is_nfc_quick};
        let ascii = &self.ascii_drawable[usize::from(bold)];
        let (regular, bold_face) = (fonts::regular(), fonts::bold());
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b.is_ascii() {
                if !ascii[usize::from(b)] {
                    return false;
                }
                i += 1;
                continue;
            }
            let Some(c) = text[i..].chars().next() else { return false };
            let nfc = c < '\u{300}'
                || canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes;
            if !nfc || !regular.covers(c) || bold && !bold_face.covers(c) {
                return false;
            }
            i += c.len_utf8();
        }
        true
    }

    fn rules(&mut self, raw: &Spanned<RawRules>, base: Rules, subject: &str) -> Rules {
        let mut rules = base;
        let r = &raw.value;
        if let Some(v) = &r.accountable {
            match v.value.as_str() {
                "exactly-one" => rules.accountable = AccountableRule::ExactlyOne,
                "at-most-one" => rules.accountable = AccountableRule::AtMostOne,
                "any" => rules.accountable = AccountableRule::Any,
                other => self.push(
                    Diagnostic::error(
                        Code::BadRule,
                        at(v),
                        format!("`accountable: {other}` is not a known rule"),
                    )
                    .subject(subject)
                    .help("write one of: exactly-one, at-most-one, any"),
                ),
            }
        }
        if let Some(v) = &r.responsible {
            match v.value.as_str() {
                "at-least-one" => rules.responsible = ResponsibleRule::AtLeastOne,
                "any" => rules.responsible = ResponsibleRule::Any,
                other => self.push(
                    Diagnostic::error(
                        Code::BadRule,
                        at(v),
                        format!("`responsible: {other}` is not a known rule"),
                    )
                    .subject(subject)
                    .help("write one of: at-least-one, any"),
                ),
            }
        }
        for (field, slot) in
            [("accountable_role", &r.accountable_role), ("responsible_role", &r.responsible_role)]
        {
            let Some(v) = slot else { continue };
            let mut chars = v.value.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if self.codes.contains(&c) => {
                    if field == "accountable_role" {
                        rules.accountable_role = c;
                    } else {
                        rules.responsible_role = c;
                    }
                }
                _ => {
                    let codes = self.codes.iter().map(char::to_string).collect::<Vec<_>>().join(", ");
                    self.push(
                        Diagnostic::error(
                            Code::BadRule,
                            at(v),
                            format!("`{field}: {}` is not a role code of the legend", v.value),
                        )
                        .subject(subject)
                        .help(format!("write one of the codes declared under `roles:` ({codes})")),
                    )
                }
            }
        }
        rules
    }
}

/// Validates `raw` (parsed from `source_text`) into a [`Matrix`]. Errors and
/// warnings go to `report`; `None` when there was at least one error.
pub(crate) fn validate(raw: RawMatrix, source: Source, report: &mut Report) -> Option<Matrix> {
    let ascii_drawable = [false, true].map(|bold| {
        std::array::from_fn(|i| {
            let c = char::from(i as u8);
            c == '\n' || fonts::regular().covers(c) && (!bold || fonts::bold().covers(c))
        })
    });
    let mut c = Checker { report, languages: Vec::new(), codes: Vec::new(), ascii_drawable };

    if raw.schema.value != 1 {
        c.push(
            Diagnostic::error(
                Code::Schema,
                at(&raw.schema),
                format!("`schema: {}` is not supported; this tool reads schema 1", raw.schema.value),
            )
            .subject("matrix")
            .help("set `schema: 1` and follow the schema-1 format (docs/matrix-format.md)"),
        );
    }
    let id = raw.id.value.clone();
    if !is_lower_id(&id, b"-") || id.len() > MAX_MATRIX_ID {
        c.push(
            Diagnostic::error(Code::BadId, at(&raw.id), format!("the matrix id '{id}' is not valid"))
                .subject("matrix")
                .help("use at most 64 lowercase letters, digits and hyphens, starting with a letter or digit, e.g. `llmaas`; it becomes part of every file name"),
        );
    }
    let subject_m = format!("matrix {id}");
    let version = raw.version.value.trim().to_owned();
    if version.is_empty() {
        c.push(
            Diagnostic::error(Code::EmptyText, at(&raw.version), "the version is empty")
                .subject(&subject_m)
                .help("write the version in quotes, e.g. `version: \"1.0\"`; it is printed on every output"),
        );
    }
    let bad_glyph = version.chars().find(|&ch| !fonts::regular().covers(ch) || !fonts::bold().covers(ch));
    if let Some(ch) = bad_glyph {
        {
            c.push(
                Diagnostic::error(
                    Code::MissingGlyph,
                    at(&raw.version),
                    format!("the version contains the character '{ch}' (U+{:04X}), which the PDF fonts cannot draw", ch as u32),
                )
                .subject(&subject_m)
                .help("write the version with letters, digits and common punctuation, e.g. \"1.0\""),
            );
        }
    }
    let date = Date::parse_iso(raw.date.value.trim());
    if date.is_none() {
        c.push(
            Diagnostic::error(
                Code::BadDate,
                at(&raw.date),
                format!("'{}' is not a calendar date in the form YYYY-MM-DD", raw.date.value),
            )
            .subject(&subject_m)
            .help("write the \"as of\" date as year-month-day, e.g. `date: 2026-11-23`"),
        );
    }

    // Languages first: every localized text is checked against them.
    let mut languages = Vec::new();
    for tag in &raw.languages.value {
        match Lang::parse(&tag.value) {
            None => c.push(
                Diagnostic::error(
                    Code::BadLanguage,
                    at(tag),
                    format!("'{}' is not a language tag", tag.value),
                )
                .subject(&subject_m)
                .help("use a two- or three-letter lowercase BCP 47 primary tag, e.g. de, en, fr"),
            ),
            Some(l) if languages.contains(&l) => c.push(
                Diagnostic::error(
                    Code::DuplicateLanguage,
                    at(tag),
                    format!("the language '{l}' is listed twice"),
                )
                .subject(&subject_m)
                .help("list each language once under `languages`"),
            ),
            Some(l) => languages.push(l),
        }
    }
    if raw.languages.value.is_empty() {
        c.push(
            Diagnostic::error(Code::BadLanguage, at(&raw.languages), "`languages` is empty")
                .subject(&subject_m)
                .help("list at least the source language, e.g. `languages: [de, en]`"),
        );
    }
    let source_language = Lang::parse(&raw.source_language.value).filter(|l| languages.contains(l));
    if source_language.is_none() {
        c.push(
            Diagnostic::error(
                Code::SourceLanguage,
                at(&raw.source_language),
                format!("the source language '{}' is not listed in `languages`", raw.source_language.value),
            )
            .subject(&subject_m)
            .help(
                "add it to `languages`, or correct `source_language` to the language the text was written in",
            ),
        );
    }
    c.languages = languages.clone();

    let title = c.text(&raw.title, "the title", &subject_m, Kind::Heading);
    let intro = raw.intro.as_ref().map(|t| c.text(t, "the intro", &subject_m, Kind::Paragraphs));
    let notes = raw
        .notes
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| c.text(t, &format!("closing note {}", i + 1), &subject_m, Kind::Paragraphs))
        .collect();

    // Legend.
    let mut roles = Vec::new();
    for r in &raw.roles.value {
        let code_s = r.code.value.as_str();
        let mut chars = code_s.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(ch), None) if ch.is_ascii_uppercase() => ch,
            _ => {
                c.push(
                    Diagnostic::error(
                        Code::BadRoleCode,
                        at(&r.code),
                        format!("the role code '{code_s}' is not one uppercase letter"),
                    )
                    .subject("legend")
                    .help("give each role a single uppercase ASCII letter, e.g. R, A, C, I"),
                );
                continue;
            }
        };
        if c.codes.contains(&code) {
            c.push(
                Diagnostic::error(
                    Code::DuplicateRole,
                    at(&r.code),
                    format!("the role code '{code}' is declared twice"),
                )
                .subject(format!("role {code}"))
                .help("give every role of the legend its own letter"),
            );
            continue;
        }
        c.codes.push(code);
        let subject = format!("role {code}");
        let name = c.text(&r.name, &format!("the name of role {code}"), &subject, Kind::Heading);
        let description =
            c.text(&r.description, &format!("the description of role {code}"), &subject, Kind::Line);
        roles.push(Role { code, name, description });
    }
    if raw.roles.value.is_empty() {
        c.push(
            Diagnostic::error(Code::NoRoles, at(&raw.roles), "the legend `roles` is empty")
                .subject(&subject_m)
                .help("declare the roles, usually R, A, C and I, each with a name and a description"),
        );
    }

    let rules = match &raw.rules {
        Some(r) => c.rules(r, Rules::default(), "matrix rules"),
        None => Rules::default(),
    };
    for (field, code) in
        [("accountable_role", rules.accountable_role), ("responsible_role", rules.responsible_role)]
    {
        let explicit = raw.rules.as_ref().is_some_and(|r| {
            if field == "accountable_role" {
                r.value.accountable_role.is_some()
            } else {
                r.value.responsible_role.is_some()
            }
        });
        if !explicit && !c.codes.contains(&code) && !c.codes.is_empty() {
            c.push(
                Diagnostic::error(
                    Code::BadRule,
                    raw.rules.as_ref().and_then(at).or(at(&raw.roles)),
                    format!("the rules count role '{code}' ({field}), but the legend does not declare it"),
                )
                .subject("matrix rules")
                .help(format!("declare '{code}' under `roles:`, or set `rules.{field}` to a declared code")),
            );
        }
    }

    // Parties.
    let mut parties: Vec<Party> = Vec::new();
    for p in &raw.parties.value {
        let pid = p.id.value.clone();
        if !is_lower_id(&pid, b"_-") {
            c.push(
                Diagnostic::error(Code::BadId, at(&p.id), format!("the party id '{pid}' is not valid"))
                    .subject(format!("party {pid}"))
                    .help("use lowercase letters, digits, '-' and '_', starting with a letter or digit, e.g. `customer`"),
            );
        }
        if parties.iter().any(|q| q.id == pid) {
            c.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    at(&p.id),
                    format!("the party id '{pid}' is used twice"),
                )
                .subject(format!("party {pid}"))
                .help("give every party its own id"),
            );
            continue;
        }
        let name =
            c.text(&p.name, &format!("the name of party {pid}"), &format!("party {pid}"), Kind::Heading);
        parties.push(Party { id: pid, name });
    }
    let n = raw.parties.value.len();
    if n == 0 || n > MAX_PARTIES {
        c.push(
            Diagnostic::error(
                Code::PartyCount,
                at(&raw.parties),
                format!("the matrix has {n} parties; it must have 1 to {MAX_PARTIES}"),
            )
            .subject(&subject_m)
            .help("declare between one and eight parties under `parties:`; each becomes a column"),
        );
    }

    // Phases and activities.
    let mut section_ids: HashMap<String, ()> = HashMap::new();
    let mut activity_ids: HashSet<String> = HashSet::new();
    let mut phases = Vec::new();
    let party_index: HashMap<&str, usize> =
        parties.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let mut ctx = ActivityCtx {
        party_index: &party_index,
        party_count: parties.len(),
        rules,
        activity_ids: &mut activity_ids,
    };

    let mut section_id = |c: &mut Checker<'_>, s: &Spanned<String>, kind: &str| -> String {
        let sid = s.value.clone();
        if !is_lower_id(&sid, b"-") {
            c.push(
                Diagnostic::error(Code::BadId, at(s), format!("the {kind} id '{sid}' is not valid"))
                    .subject(format!("{kind} {sid}"))
                    .help("use lowercase letters, digits and hyphens, starting with a letter or digit, e.g. `define-needs`"),
            );
        }
        if section_ids.insert(sid.clone(), ()).is_some() {
            c.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    at(s),
                    format!("the id '{sid}' is used by another phase or subphase"),
                )
                .subject(format!("{kind} {sid}"))
                .help("give every phase and subphase its own id"),
            );
        }
        sid
    };

    // A phase and a subphase are checked alike: id, title, intro, activities,
    // then (for a phase after its subphases) the notes, in the file's order.
    let mut section = |c: &mut Checker<'_>, kind: &str, raw: RawSection<'_>| -> Section {
        let sid = section_id(c, raw.id, kind);
        let subject = format!("{kind} {sid}");
        let title = c.text(raw.title, &format!("the title of {kind} {sid}"), &subject, Kind::Heading);
        let intro =
            raw.intro.map(|t| c.text(t, &format!("the intro of {kind} {sid}"), &subject, Kind::Paragraphs));
        let activities = raw.activities.iter().map(|a| activity(c, &mut ctx, a)).collect();
        Section { id: sid, title, intro, activities, notes: Vec::new() }
    };
    let section_notes =
        |c: &mut Checker<'_>, kind: &str, id: &str, raw: Option<&Vec<RawText>>| -> Vec<Localized> {
            let subject = format!("{kind} {id}");
            raw.into_iter()
                .flatten()
                .enumerate()
                .map(|(i, t)| {
                    c.text(t, &format!("note {} of {kind} {id}", i + 1), &subject, Kind::Paragraphs)
                })
                .collect()
        };

    for p in &raw.phases.value {
        let own = p.activities.as_deref().unwrap_or_default();
        let raw_phase = RawSection { id: &p.id, title: &p.title, intro: p.intro.as_ref(), activities: own };
        let mut phase = section(&mut c, "phase", raw_phase);
        let mut subphases = Vec::new();
        for s in p.subphases.iter().flatten() {
            let raw_sub = RawSection {
                id: &s.id,
                title: &s.title,
                intro: s.intro.as_ref(),
                activities: &s.activities.value,
            };
            let mut sub = section(&mut c, "subphase", raw_sub);
            if s.activities.value.is_empty() {
                c.push(
                    Diagnostic::error(
                        Code::EmptySection,
                        at(&s.activities),
                        format!("subphase {} has no activity", sub.id),
                    )
                    .subject(format!("subphase {}", sub.id))
                    .help("add at least one activity under `activities:`, or remove the subphase"),
                );
            }
            sub.notes = section_notes(&mut c, "subphase", &sub.id, s.notes.as_ref());
            subphases.push(sub);
        }
        let in_subs: usize = p.subphases.iter().flatten().map(|s| s.activities.value.len()).sum();
        if own.len() + in_subs == 0 {
            c.push(
                Diagnostic::error(
                    Code::EmptySection,
                    at(&p.id),
                    format!("phase {} has no activity", phase.id),
                )
                .subject(format!("phase {}", phase.id))
                .help(
                    "add at least one activity to the phase or to one of its subphases, or remove the phase",
                ),
            );
        }
        phase.notes = section_notes(&mut c, "phase", &phase.id, p.notes.as_ref());
        phases.push(Phase { section: phase, subphases });
    }
    if raw.phases.value.is_empty() {
        c.push(
            Diagnostic::error(Code::NoPhases, at(&raw.phases), "the matrix has no phase")
                .subject(&subject_m)
                .help("add at least one phase with at least one activity under `phases:`"),
        );
    }

    if c.report.has_errors() {
        return None;
    }
    Some(Matrix {
        id,
        version,
        date: date?,
        source_language: source_language?,
        languages,
        title,
        intro,
        notes,
        roles,
        rules,
        parties,
        phases,
        source,
    })
}

/// The fields a raw phase and a raw subphase share.
struct RawSection<'r> {
    id: &'r Spanned<String>,
    title: &'r RawText,
    intro: Option<&'r RawText>,
    activities: &'r [RawActivity],
}

struct ActivityCtx<'a> {
    party_index: &'a HashMap<&'a str, usize>,
    party_count: usize,
    rules: Rules,
    activity_ids: &'a mut HashSet<String>,
}

fn activity(c: &mut Checker<'_>, ctx: &mut ActivityCtx<'_>, a: &RawActivity) -> Activity {
    let aid = a.id.value.clone();
    let subject = format!("activity {aid}");
    if !is_activity_id(&aid) {
        c.push(
            Diagnostic::error(Code::BadId, at(&a.id), format!("the activity id '{aid}' is not valid"))
                .subject(&subject)
                .help("use letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. `LLMAAS-SEC-04`"),
        );
    }
    if !ctx.activity_ids.insert(aid.clone()) {
        c.push(
            Diagnostic::error(
                Code::DuplicateId,
                at(&a.id),
                format!("the activity id '{aid}' is used twice in this file"),
            )
            .subject(&subject)
            .help(
                "give every activity its own id, and never reuse an id once published: GRC tools key on it",
            ),
        );
    }
    let text = c.text(&a.text, &format!("the text of activity {aid}"), &subject, Kind::Line);
    let note = a
        .note
        .as_ref()
        .map(|t| c.text(t, &format!("the note of activity {aid}"), &subject, Kind::Paragraphs));

    let mut cells = vec![RoleCell::default(); ctx.party_count];
    if let Some(roles) = &a.roles {
        for (party, cell) in roles.value.iter() {
            let Some(&i) = ctx.party_index.get(party.as_str()) else {
                let known: Vec<&str> = ctx
                    .party_index
                    .keys()
                    .copied()
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                c.push(
                    Diagnostic::error(
                        Code::UnknownParty,
                        at(cell).or(at(roles)),
                        format!("the roles name the party '{party}', which `parties` does not declare"),
                    )
                    .subject(&subject)
                    .help(format!(
                        "use one of the declared party ids ({}), or declare '{party}' under `parties:`",
                        known.join(", ")
                    )),
                );
                continue;
            };
            cells[i] = role_cell(c, cell, &subject, party);
        }
    }

    let rules = match &a.rules {
        Some(r) => {
            let rules = c.rules(r, ctx.rules, &subject);
            c.push(
                Diagnostic::warning(
                    Code::RulesOverride,
                    at(r),
                    format!("this activity overrides the matrix rules ({})", describe_rules(&r.value)),
                )
                .subject(&subject)
                .help("intended exceptions are fine; make sure the contract means it"),
            );
            Some(rules)
        }
        None => None,
    };
    let effective = rules.unwrap_or(ctx.rules);
    check_rules(c, a, &cells, effective, &subject, ctx.party_index);
    Activity { id: aid, text, roles: cells, note, rules_override: rules }
}

fn describe_rules(r: &RawRules) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("accountable", &r.accountable),
        ("responsible", &r.responsible),
        ("accountable_role", &r.accountable_role),
        ("responsible_role", &r.responsible_role),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}: {}", v.value));
        }
    }
    parts.join(", ")
}

/// Parses one role cell: letters of the legend, each at most once, separated
/// by nothing, commas or spaces, any case; returns them in legend order.
fn role_cell(c: &mut Checker<'_>, cell: &Spanned<Option<String>>, subject: &str, party: &str) -> RoleCell {
    let raw = cell.value.as_deref().unwrap_or("");
    let mut held = vec![false; c.codes.len()];
    for ch in raw.chars() {
        if ch == ',' || ch.is_whitespace() {
            continue;
        }
        let up = ch.to_ascii_uppercase();
        match c.codes.iter().position(|&k| k == up) {
            Some(i) if held[i] => c.push(
                Diagnostic::error(
                    Code::RepeatedRole,
                    at(cell),
                    format!("party {party} holds '{up}' twice in '{raw}'"),
                )
                .subject(subject)
                .help(format!("write each letter once, e.g. `{party}: {}`", dedup(raw))),
            ),
            Some(i) => held[i] = true,
            None => {
                let codes = c.codes.iter().map(char::to_string).collect::<Vec<_>>().join(", ");
                c.push(
                    Diagnostic::error(
                        Code::UnknownRole,
                        at(cell),
                        format!(
                            "party {party} has the role letter '{ch}', which the legend does not declare"
                        ),
                    )
                    .subject(subject)
                    .help(format!(
                        "use only the letters declared under `roles:` ({codes}), or add '{ch}' to the legend"
                    )),
                )
            }
        }
    }
    RoleCell::from_normalised(c.codes.iter().zip(&held).filter(|(_, h)| **h).map(|(k, _)| *k).collect())
}

fn dedup(raw: &str) -> String {
    let mut out = String::new();
    for ch in raw.chars().filter(|c| c.is_ascii_alphabetic()).map(|c| c.to_ascii_uppercase()) {
        if !out.contains(ch) {
            out.push(ch);
        }
    }
    out
}

fn check_rules(
    c: &mut Checker<'_>,
    a: &RawActivity,
    cells: &[RoleCell],
    rules: Rules,
    subject: &str,
    party_index: &HashMap<&str, usize>,
) {
    let mut names = vec![""; cells.len()];
    for (id, &i) in party_index {
        names[i] = id;
    }
    let holders = |code: char| -> Vec<&str> {
        cells.iter().enumerate().filter(|(_, r)| r.contains(code)).map(|(i, _)| names[i]).collect()
    };
    let place = a.roles.as_ref().and_then(at).or(at(&a.id));
    let a = rules.accountable_role;
    let holding_a = holders(a);
    let bad_a = match rules.accountable {
        AccountableRule::ExactlyOne => holding_a.len() != 1,
        AccountableRule::AtMostOne => holding_a.len() > 1,
        AccountableRule::Any => false,
    };
    if bad_a {
        let (msg, help) = if holding_a.is_empty() {
            (
                format!("no party holds '{a}' (accountable); exactly one must"),
                format!(
                    "give '{a}' to the one party that answers for this activity; if the contract deliberately names nobody, add `rules: {{accountable: at-most-one}}` to this activity"
                ),
            )
        } else {
            (
                format!(
                    "{} parties hold '{a}' (accountable): {}; {} may",
                    holding_a.len(),
                    holding_a.join(", "),
                    if rules.accountable == AccountableRule::ExactlyOne {
                        "exactly one"
                    } else {
                        "at most one"
                    }
                ),
                format!(
                    "keep '{a}' for the one party that answers for this activity and remove it from the others; if shared accountability is intended, add `rules: {{accountable: any}}` to this activity"
                ),
            )
        };
        c.push(Diagnostic::error(Code::AccountableCount, place, msg).subject(subject).help(help));
    }
    let r = rules.responsible_role;
    if rules.responsible == ResponsibleRule::AtLeastOne && holders(r).is_empty() {
        c.push(
            Diagnostic::error(Code::ResponsibleMissing, place, format!("no party holds '{r}' (responsible); at least one must"))
                .subject(subject)
                .help(format!("give '{r}' to the party that carries the activity out; if that is intended, add `rules: {{responsible: any}}` to this activity")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_line_breaks_and_keeps_paragraphs() {
        assert_eq!(normalise_text("  a\nb  "), "a b");
        assert_eq!(normalise_text("a\n\nb\n"), "a\n\nb");
        assert_eq!(normalise_text("a\r\n\r\nb\r\nc"), "a\n\nb c");
        assert_eq!(normalise_text("a\n \n\n b"), "a\n\nb");
        assert_eq!(normalise_text("keep  inner   spaces"), "keep  inner   spaces");
        assert_eq!(normalise_text(" \n "), "");
    }

    /// Parses and validates `yaml`, returning the codes of every error found.
    fn error_codes(yaml: &str) -> Vec<Code> {
        let mut report = Report::new(std::path::Path::new("t.yaml"));
        let raw = match super::super::parse::<RawMatrix>(yaml) {
            Ok(r) => r,
            Err(d) => return vec![d.code],
        };
        let source = Source { path: "t.yaml".into(), file_name: "t.yaml".into(), sha256: String::new() };
        let _ = validate(raw, source, &mut report);
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn a_language_given_without_a_value_is_an_empty_text_and_checking_goes_on() {
        let yaml = |a: &str, b: &str| {
            format!(
                "schema: 1\nid: t\nversion: \"1\"\ndate: 2026-01-01\nsource_language: en\nlanguages: [en, fr]\n\
                 title: {{en: T, fr: T}}\n\
                 roles:\n  - {{code: R, name: {{en: R, fr: R}}, description: {{en: R, fr: R}}}}\n\
                 \x20 - {{code: A, name: {{en: A, fr: A}}, description: {{en: A, fr: A}}}}\n\
                 parties:\n  - {{id: c, name: {{en: C, fr: C}}}}\n\
                 phases:\n  - id: p\n    title: {{en: P, fr: P}}\n    activities:\n\
                 \x20     - {{id: A-1, text: {{en: X, {a}}}, roles: {{c: RA}}}}\n\
                 \x20     - {{id: A-2, text: {{en: X, {b}}}, roles: {{c: RA}}}}\n"
            )
        };
        assert_eq!(error_codes(&yaml("fr: x", "fr: y")), Vec::<Code>::new());
        assert_eq!(error_codes(&yaml("fr:", "fr: ~")), [Code::EmptyText, Code::EmptyText]);
    }

    #[test]
    fn recognises_literal_block_indicators() {
        for yes in ["  en: |", "  en: |-", "en: |+2", "- |", "  de: | # comment"] {
            assert!(ends_with_literal_indicator(yes), "{yes}");
        }
        for no in ["  en: >", "  en: \"a|\"", "  en: a|b", "  en: >-"] {
            assert!(!ends_with_literal_indicator(no), "{no}");
        }
    }

    #[test]
    fn checks_id_patterns() {
        assert!(is_lower_id("llmaas", b"-"));
        assert!(is_lower_id("9a-b", b"-"));
        assert!(!is_lower_id("-a", b"-"));
        assert!(!is_lower_id("A", b"-"));
        assert!(!is_lower_id("a_b", b"-"));
        assert!(is_lower_id("a_b", b"_-"));
        assert!(is_activity_id("LLMAAS-SEC-04"));
        assert!(is_activity_id("a.b_c-1"));
        assert!(!is_activity_id(".a"));
        assert!(!is_activity_id("a b"));
        assert!(!is_activity_id(""));
    }
}
