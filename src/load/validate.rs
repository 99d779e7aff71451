//! Raw YAML -> validated [`Matrix`]: one function per rule of
//! `matrix-format.md`.
//!
//! `validate` calls the rules in the order their findings are reported:
//! the header fields, the languages, the texts about the matrix, the legend,
//! the rules, the parties, then phase by phase each section and activity.
//! Each rule is a function that reads its part of the raw matrix and a
//! small `Context` (the report, the declared languages, the legend's
//! codes), pushes a [`Diagnostic`] for whatever is wrong and carries on, so
//! that a file with several mistakes is reported whole in one run; it
//! returns its part of the model. A new rule is one more function, called
//! from its parent in file order.

use std::collections::{BTreeMap, HashSet};

use serde_saphyr::Spanned;
use unicode_normalization::UnicodeNormalization;

use super::raw::{
    KeyedList, RawActivity, RawMatrix, RawParty, RawPhase, RawRole, RawRules, RawSubphase, RawText,
};
use crate::diag::{Code, Diagnostic, Report, Severity};
use crate::fonts;
use crate::model::{
    AccountableRule, Activity, Date, Lang, Localized, Matrix, Party, Phase, ResponsibleRule, Role, RoleCell,
    Rules, RulesOverride, Section, Source,
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

/// The pattern of matrix, phase and subphase ids, as the JSON Schema writes
/// it ([`is_lower_id`] with `-`; a test of `schema` holds them together).
pub(super) const LOWER_ID_PATTERN: &str = "^[a-z0-9][a-z0-9-]*$";
/// The pattern of party ids ([`is_lower_id`] with `_` and `-`).
pub(super) const PARTY_ID_PATTERN: &str = "^[a-z0-9][a-z0-9_-]*$";
/// The pattern of activity ids ([`is_activity_id`]).
pub(super) const ACTIVITY_ID_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]*$";

/// The words of the `accountable` rule, in the order the help lists them.
pub(super) const ACCOUNTABLE_RULES: [(&str, AccountableRule); 3] = [
    ("exactly-one", AccountableRule::ExactlyOne),
    ("at-most-one", AccountableRule::AtMostOne),
    ("any", AccountableRule::Any),
];
/// The words of the `responsible` rule.
pub(super) const RESPONSIBLE_RULES: [(&str, ResponsibleRule); 2] =
    [("at-least-one", ResponsibleRule::AtLeastOne), ("any", ResponsibleRule::Any)];

/// The rule `word` names in `table`.
fn rule_of<R: Copy>(table: &[(&str, R)], word: &str) -> Option<R> {
    table.iter().find(|(w, _)| *w == word).map(|(_, r)| *r)
}

/// The words of `table`, for a help line: `exactly-one, at-most-one, any`.
fn words<R>(table: &[(&str, R)]) -> String {
    table.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(", ")
}

/// `[a-z0-9]` then `[a-z0-9<extra>]*`.
pub(super) fn is_lower_id(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b[1..].iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(c))
}

/// `[A-Za-z0-9][A-Za-z0-9._-]*`.
pub(super) fn is_activity_id(s: &str) -> bool {
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

/// What a finding is about, printed before its message: a kind and an id
/// (`activity LLMAAS-SEC-04`, `matrix llmaas`), or a kind alone (`legend`).
#[derive(Clone, Copy)]
struct About<'a> {
    kind: &'a str,
    id: Option<&'a str>,
}

impl<'a> About<'a> {
    fn of(kind: &'a str, id: &'a str) -> Self {
        About { kind, id: Some(id) }
    }

    fn plain(kind: &'a str) -> Self {
        About { kind, id: None }
    }
}

/// What every rule reads and writes: the report its findings go to, and
/// what the earlier rules established (the declared languages, the legend).
/// Each rule below is a function that reads its part of the raw matrix and
/// this context, reports what is wrong, and returns its part of the model.
struct Context<'r> {
    report: &'r mut Report,
    /// The declared languages that are valid tags, in order.
    languages: Vec<Lang>,
    /// Codes of the legend, in order.
    codes: Vec<char>,
    /// Which ASCII characters the glyph check accepts: `[regular][regular and bold]`.
    ascii_drawable: [[bool; 128]; 2],
}

impl Context<'_> {
    /// Reports a finding of `code` (an error or a warning, as the code says).
    fn report(
        &mut self,
        code: Code,
        at: Option<(u64, u64)>,
        about: About<'_>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let d = match code.severity() {
            Severity::Error => Diagnostic::error(code, at, message),
            Severity::Warning => Diagnostic::warning(code, at, message),
        };
        let d = match about.id {
            Some(id) => d.about(about.kind, id),
            None => d.subject(about.kind),
        };
        self.report.push(d.help(help));
    }

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

    /// Checks one localized text: every language present, none blank, none
    /// extra, every character drawable by the PDF fonts (bold ones too for a
    /// heading); normalises it as its [`Kind`] says.
    fn text(&mut self, raw: &RawText, what: &str, about: About<'_>, kind: Kind) -> Localized {
        let bold = kind == Kind::Heading;
        let mut out = BTreeMap::new();
        for (tag, value) in raw.value.iter() {
            let known = Lang::parse(tag).filter(|l| self.languages.contains(l));
            let Some(lang) = known else {
                let declared = self.declared();
                self.report(
                    Code::UnlistedLanguage,
                    at(value),
                    about,
                    format!("{what} gives a text in '{tag}', which `languages` does not list"),
                    format!("remove the '{tag}' text, or add '{tag}' to `languages` ({declared}) and translate every text"),
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
                self.report(
                    Code::EmptyText,
                    at(value),
                    about,
                    format!("{what} is empty in '{tag}'"),
                    format!(
                        "write the '{tag}' text, or remove the entry and every other '{tag}' text with it"
                    ),
                );
            } else {
                self.glyphs(&text, value, what, about, &lang, bold);
            }
            out.insert(lang, text);
        }
        for i in 0..self.languages.len() {
            let lang = &self.languages[i];
            if !raw.value.contains_key(lang.as_str()) {
                let help = format!(
                    "add a line `{lang}: \"...\"` with the {lang} translation; every text needs all of: {}",
                    self.declared()
                );
                let message = format!("{what} has no '{lang}' text");
                self.report(Code::MissingTranslation, at(raw), about, message, help);
            }
        }
        Localized::new(out)
    }

    /// The declared languages, for help lines.
    fn declared(&self) -> String {
        self.languages.iter().map(Lang::as_str).collect::<Vec<_>>().join(", ")
    }

    /// The legend's codes, for help lines.
    fn legend_codes(&self) -> String {
        self.codes.iter().map(char::to_string).collect::<Vec<_>>().join(", ")
    }

    /// Refuses characters the shipped fonts cannot draw (they would print as empty boxes).
    fn glyphs<T>(
        &mut self,
        text: &str,
        at_value: &Spanned<T>,
        what: &str,
        about: About<'_>,
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
                self.report(
                    Code::MissingGlyph,
                    at(at_value),
                    about,
                    format!(
                        "{what} ('{lang}') contains the character {} (U+{:04X}), which the PDF fonts cannot draw",
                        if c.is_control() { "<control>".to_string() } else { format!("'{c}'") },
                        c as u32
                    ),
                    "replace it with a character the fonts have (Latin, Greek, Cyrillic and common punctuation); a contract must never show an empty box",
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

    /// Reads a `rules` block as written (the keys it sets): each value must
    /// be one of its words, each counted role a letter of the legend; a bad
    /// value is reported and left out.
    fn rules(&mut self, raw: &Spanned<RawRules>, about: About<'_>) -> RulesOverride {
        let mut rules = RulesOverride::default();
        let r = &raw.value;
        if let Some(v) = &r.accountable {
            match rule_of(&ACCOUNTABLE_RULES, &v.value) {
                Some(rule) => rules.accountable = Some(rule),
                None => self.report(
                    Code::BadRule,
                    at(v),
                    about,
                    format!("`accountable: {}` is not a known rule", v.value),
                    format!("write one of: {}", words(&ACCOUNTABLE_RULES)),
                ),
            }
        }
        if let Some(v) = &r.responsible {
            match rule_of(&RESPONSIBLE_RULES, &v.value) {
                Some(rule) => rules.responsible = Some(rule),
                None => self.report(
                    Code::BadRule,
                    at(v),
                    about,
                    format!("`responsible: {}` is not a known rule", v.value),
                    format!("write one of: {}", words(&RESPONSIBLE_RULES)),
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
                        rules.accountable_role = Some(c);
                    } else {
                        rules.responsible_role = Some(c);
                    }
                }
                _ => {
                    let help =
                        format!("write one of the codes declared under `roles:` ({})", self.legend_codes());
                    let message = format!("`{field}: {}` is not a role code of the legend", v.value);
                    self.report(Code::BadRule, at(v), about, message, help);
                }
            }
        }
        rules
    }
}

/// Validates `raw` into a [`Matrix`]: every rule of matrix-format.md, in the
/// order their findings are reported (the order of the file, roughly).
/// Errors and warnings go to `report`; `None` when there was at least one error.
pub(crate) fn validate(raw: RawMatrix, source: Source, report: &mut Report) -> Option<Matrix> {
    let ascii_drawable = [false, true].map(|bold| {
        std::array::from_fn(|i| {
            let c = char::from(i as u8);
            c == '\n' || fonts::regular().covers(c) && (!bold || fonts::bold().covers(c))
        })
    });
    let mut cx = Context { report, languages: Vec::new(), codes: Vec::new(), ascii_drawable };
    let cx = &mut cx;

    schema(cx, &raw.schema);
    let id = matrix_id(cx, &raw.id);
    let matrix = About::of("matrix", &id);
    let version = version(cx, &raw.version, matrix);
    let date = date(cx, &raw.date, matrix);
    let languages = languages(cx, &raw.languages, matrix);
    let source_language = source_language(cx, &raw.source_language, &languages, matrix);
    cx.languages = languages.clone();
    let title = cx.text(&raw.title, "the title", matrix, Kind::Heading);
    let intro = raw.intro.as_ref().map(|t| cx.text(t, "the intro", matrix, Kind::Paragraphs));
    let notes = notes(cx, raw.notes.as_ref(), |i| format!("closing note {i}"), matrix);
    let roles = legend(cx, &raw.roles, matrix);
    let rules = matrix_rules(cx, raw.rules.as_ref(), &raw.roles);
    let parties = parties(cx, &raw.parties, matrix);
    let phases = phases(cx, &raw.phases, &parties, rules, matrix);

    if cx.report.has_errors() {
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

/// `schema` is 1.
fn schema(cx: &mut Context<'_>, raw: &Spanned<i64>) {
    if raw.value != 1 {
        cx.report(
            Code::Schema,
            at(raw),
            About::plain("matrix"),
            format!("`schema: {}` is not supported; this tool reads schema 1", raw.value),
            "set `schema: 1` and follow the schema-1 format (docs/matrix-format.md)",
        );
    }
}

/// The matrix id matches its pattern and length.
fn matrix_id(cx: &mut Context<'_>, raw: &Spanned<String>) -> String {
    let id = raw.value.clone();
    if !is_lower_id(&id, b"-") || id.len() > MAX_MATRIX_ID {
        cx.report(
            Code::BadId,
            at(raw),
            About::plain("matrix"),
            format!("the matrix id '{id}' is not valid"),
            "use at most 64 lowercase letters, digits and hyphens, starting with a letter or digit, e.g. `llmaas`; it becomes part of every file name",
        );
    }
    id
}

/// The version is not blank, and the fonts (both faces: it is printed in bold
/// too) can draw it.
fn version(cx: &mut Context<'_>, raw: &Spanned<String>, matrix: About<'_>) -> String {
    let version = raw.value.trim().to_owned();
    if version.is_empty() {
        cx.report(
            Code::EmptyText,
            at(raw),
            matrix,
            "the version is empty",
            "write the version in quotes, e.g. `version: \"1.0\"`; it is printed on every output",
        );
    }
    let bad_glyph = version.chars().find(|&ch| !fonts::regular().covers(ch) || !fonts::bold().covers(ch));
    if let Some(ch) = bad_glyph {
        cx.report(
            Code::MissingGlyph,
            at(raw),
            matrix,
            format!(
                "the version contains the character '{ch}' (U+{:04X}), which the PDF fonts cannot draw",
                ch as u32
            ),
            "write the version with letters, digits and common punctuation, e.g. \"1.0\"",
        );
    }
    version
}

/// The date is a real calendar date.
fn date(cx: &mut Context<'_>, raw: &Spanned<String>, matrix: About<'_>) -> Option<Date> {
    let date = Date::parse_iso(raw.value.trim());
    if date.is_none() {
        cx.report(
            Code::BadDate,
            at(raw),
            matrix,
            format!("'{}' is not a calendar date in the form YYYY-MM-DD", raw.value),
            "write the \"as of\" date as year-month-day, e.g. `date: 2026-11-23`",
        );
    }
    date
}

/// Every entry of `languages` is a language tag, listed once, and there is at
/// least one. Returns the valid ones: every localized text is checked
/// against them.
fn languages(cx: &mut Context<'_>, raw: &Spanned<Vec<Spanned<String>>>, matrix: About<'_>) -> Vec<Lang> {
    let mut languages = Vec::new();
    for tag in &raw.value {
        match Lang::parse(&tag.value) {
            None => cx.report(
                Code::BadLanguage,
                at(tag),
                matrix,
                format!("'{}' is not a language tag", tag.value),
                "use a two- or three-letter lowercase BCP 47 primary tag, e.g. de, en, fr",
            ),
            Some(l) if languages.contains(&l) => cx.report(
                Code::DuplicateLanguage,
                at(tag),
                matrix,
                format!("the language '{l}' is listed twice"),
                "list each language once under `languages`",
            ),
            Some(l) => languages.push(l),
        }
    }
    if raw.value.is_empty() {
        cx.report(
            Code::BadLanguage,
            at(raw),
            matrix,
            "`languages` is empty",
            "list at least the source language, e.g. `languages: [de, en]`",
        );
    }
    languages
}

/// `source_language` is one of `languages`.
fn source_language(
    cx: &mut Context<'_>,
    raw: &Spanned<String>,
    languages: &[Lang],
    matrix: About<'_>,
) -> Option<Lang> {
    let source_language = Lang::parse(&raw.value).filter(|l| languages.contains(l));
    if source_language.is_none() {
        cx.report(
            Code::SourceLanguage,
            at(raw),
            matrix,
            format!("the source language '{}' is not listed in `languages`", raw.value),
            "add it to `languages`, or correct `source_language` to the language the text was written in",
        );
    }
    source_language
}

/// A list of notes (paragraphs), each checked as a localized text; `what`
/// names note `i` (1-based).
fn notes(
    cx: &mut Context<'_>,
    raw: Option<&Vec<RawText>>,
    what: impl Fn(usize) -> String,
    about: About<'_>,
) -> Vec<Localized> {
    raw.into_iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| cx.text(t, &what(i + 1), about, Kind::Paragraphs))
        .collect()
}

/// The legend: each code one uppercase letter, declared once, with a name
/// and a description; at least one role. Fills in the context's codes.
fn legend(cx: &mut Context<'_>, raw: &Spanned<Vec<RawRole>>, matrix: About<'_>) -> Vec<Role> {
    let mut roles = Vec::new();
    for r in &raw.value {
        let code_s = r.code.value.as_str();
        let mut chars = code_s.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(ch), None) if ch.is_ascii_uppercase() => ch,
            _ => {
                cx.report(
                    Code::BadRoleCode,
                    at(&r.code),
                    About::plain("legend"),
                    format!("the role code '{code_s}' is not one uppercase letter"),
                    "give each role a single uppercase ASCII letter, e.g. R, A, C, I",
                );
                continue;
            }
        };
        let code_id = code.to_string();
        let role = About::of("role", &code_id);
        if cx.codes.contains(&code) {
            cx.report(
                Code::DuplicateRole,
                at(&r.code),
                role,
                format!("the role code '{code}' is declared twice"),
                "give every role of the legend its own letter",
            );
            continue;
        }
        cx.codes.push(code);
        let name = cx.text(&r.name, &format!("the name of role {code}"), role, Kind::Heading);
        let description =
            cx.text(&r.description, &format!("the description of role {code}"), role, Kind::Line);
        roles.push(Role { code, name, description });
    }
    if raw.value.is_empty() {
        cx.report(
            Code::NoRoles,
            at(raw),
            matrix,
            "the legend `roles` is empty",
            "declare the roles, usually R, A, C and I, each with a name and a description",
        );
    }
    roles
}

/// The matrix rules: their values, and the roles they count, which the
/// legend must declare unless `rules` names another letter.
fn matrix_rules(
    cx: &mut Context<'_>,
    raw: Option<&Spanned<RawRules>>,
    roles: &Spanned<Vec<RawRole>>,
) -> Rules {
    let about = About::plain("matrix rules");
    let rules = match raw {
        Some(r) => cx.rules(r, about).apply(Rules::default()),
        None => Rules::default(),
    };
    for (field, code) in
        [("accountable_role", rules.accountable_role), ("responsible_role", rules.responsible_role)]
    {
        let explicit = raw.is_some_and(|r| {
            if field == "accountable_role" {
                r.value.accountable_role.is_some()
            } else {
                r.value.responsible_role.is_some()
            }
        });
        if !explicit && !cx.codes.contains(&code) && !cx.codes.is_empty() {
            cx.report(
                Code::BadRule,
                raw.and_then(at).or(at(roles)),
                about,
                format!("the rules count role '{code}' ({field}), but the legend does not declare it"),
                format!("declare '{code}' under `roles:`, or set `rules.{field}` to a declared code"),
            );
        }
    }
    rules
}

/// The parties: ids matching their pattern and unique, names; 1 to 8 of them.
fn parties(cx: &mut Context<'_>, raw: &Spanned<Vec<RawParty>>, matrix: About<'_>) -> Vec<Party> {
    let mut parties: Vec<Party> = Vec::new();
    for p in &raw.value {
        let pid = p.id.value.clone();
        let party = About::of("party", &pid);
        if !is_lower_id(&pid, b"_-") {
            cx.report(
                Code::BadId,
                at(&p.id),
                party,
                format!("the party id '{pid}' is not valid"),
                "use lowercase letters, digits, '-' and '_', starting with a letter or digit, e.g. `customer`",
            );
        }
        if parties.iter().any(|q| q.id == pid) {
            cx.report(
                Code::DuplicateId,
                at(&p.id),
                party,
                format!("the party id '{pid}' is used twice"),
                "give every party its own id",
            );
            continue;
        }
        let name = cx.text(&p.name, &format!("the name of party {pid}"), party, Kind::Heading);
        parties.push(Party { id: pid, name });
    }
    let n = raw.value.len();
    if n == 0 || n > MAX_PARTIES {
        cx.report(
            Code::PartyCount,
            at(raw),
            matrix,
            format!("the matrix has {n} parties; it must have 1 to {MAX_PARTIES}"),
            "declare between one and eight parties under `parties:`; each becomes a column",
        );
    }
    parties
}

/// What the checks of phases, subphases and activities share: the ids seen
/// so far, the parties and the matrix rules.
struct Sections<'p> {
    /// Phase and subphase ids seen so far (one namespace for both).
    section_ids: HashSet<String>,
    /// Activity ids seen so far.
    activity_ids: HashSet<String>,
    /// The declared parties, in column order.
    parties: &'p [Party],
    /// The matrix rules every activity obeys unless it overrides them.
    rules: Rules,
}

/// The phases, in order: each phase and subphase, its activities, its notes;
/// at least one phase.
fn phases(
    cx: &mut Context<'_>,
    raw: &Spanned<Vec<RawPhase>>,
    parties: &[Party],
    rules: Rules,
    matrix: About<'_>,
) -> Vec<Phase> {
    let mut sections = Sections { section_ids: HashSet::new(), activity_ids: HashSet::new(), parties, rules };
    let phases = raw.value.iter().map(|p| phase(cx, &mut sections, p)).collect();
    if raw.value.is_empty() {
        cx.report(
            Code::NoPhases,
            at(raw),
            matrix,
            "the matrix has no phase",
            "add at least one phase with at least one activity under `phases:`",
        );
    }
    phases
}

/// One phase: its own section, its subphases, at least one activity in all,
/// then its notes.
fn phase(cx: &mut Context<'_>, sections: &mut Sections<'_>, p: &RawPhase) -> Phase {
    let own = p.activities.as_deref().unwrap_or_default();
    let raw_phase = RawSection { id: &p.id, title: &p.title, intro: p.intro.as_ref(), activities: own };
    let mut phase = section(cx, sections, "phase", raw_phase);
    let subphases = p.subphases.iter().flatten().map(|s| subphase(cx, sections, s)).collect();
    let in_subs: usize = p.subphases.iter().flatten().map(|s| s.activities.value.len()).sum();
    let about = About::of("phase", &phase.id);
    if own.len() + in_subs == 0 {
        cx.report(
            Code::EmptySection,
            at(&p.id),
            about,
            format!("phase {} has no activity", phase.id),
            "add at least one activity to the phase or to one of its subphases, or remove the phase",
        );
    }
    phase.notes = notes(cx, p.notes.as_ref(), |i| format!("note {i} of phase {}", phase.id), about);
    Phase { section: phase, subphases }
}

/// One subphase: its section, at least one activity, then its notes.
fn subphase(cx: &mut Context<'_>, sections: &mut Sections<'_>, s: &RawSubphase) -> Section {
    let raw_sub =
        RawSection { id: &s.id, title: &s.title, intro: s.intro.as_ref(), activities: &s.activities.value };
    let mut sub = section(cx, sections, "subphase", raw_sub);
    let about = About::of("subphase", &sub.id);
    if s.activities.value.is_empty() {
        cx.report(
            Code::EmptySection,
            at(&s.activities),
            about,
            format!("subphase {} has no activity", sub.id),
            "add at least one activity under `activities:`, or remove the subphase",
        );
    }
    sub.notes = notes(cx, s.notes.as_ref(), |i| format!("note {i} of subphase {}", sub.id), about);
    sub
}

/// The fields a raw phase and a raw subphase share.
struct RawSection<'r> {
    id: &'r Spanned<String>,
    title: &'r RawText,
    intro: Option<&'r RawText>,
    activities: &'r [RawActivity],
}

/// What a phase and a subphase share, checked alike: the id, the title, the
/// intro, the activities (notes come after a phase's subphases: the caller's).
fn section(cx: &mut Context<'_>, sections: &mut Sections<'_>, kind: &str, raw: RawSection<'_>) -> Section {
    let sid = section_id(cx, sections, raw.id, kind);
    let about = About::of(kind, &sid);
    let title = cx.text(raw.title, &format!("the title of {kind} {sid}"), about, Kind::Heading);
    let intro = raw.intro.map(|t| cx.text(t, &format!("the intro of {kind} {sid}"), about, Kind::Paragraphs));
    let activities = raw.activities.iter().map(|a| activity(cx, sections, a)).collect();
    Section { id: sid, title, intro, activities, notes: Vec::new() }
}

/// A phase or subphase id matches its pattern and no other phase or subphase has it.
fn section_id(
    cx: &mut Context<'_>,
    sections: &mut Sections<'_>,
    raw: &Spanned<String>,
    kind: &str,
) -> String {
    let sid = raw.value.clone();
    let about = About::of(kind, &sid);
    if !is_lower_id(&sid, b"-") {
        cx.report(
            Code::BadId,
            at(raw),
            about,
            format!("the {kind} id '{sid}' is not valid"),
            "use lowercase letters, digits and hyphens, starting with a letter or digit, e.g. `define-needs`",
        );
    }
    if !sections.section_ids.insert(sid.clone()) {
        cx.report(
            Code::DuplicateId,
            at(raw),
            about,
            format!("the id '{sid}' is used by another phase or subphase"),
            "give every phase and subphase its own id",
        );
    }
    sid
}

/// One activity: its id, text and note, its role row, its rules override,
/// and the RACI rules it must obey.
fn activity(cx: &mut Context<'_>, sections: &mut Sections<'_>, a: &RawActivity) -> Activity {
    let aid = a.id.value.clone();
    let about = About::of("activity", &aid);
    activity_id(cx, sections, &a.id, about);
    let text = cx.text(&a.text, &format!("the text of activity {aid}"), about, Kind::Line);
    let note =
        a.note.as_ref().map(|t| cx.text(t, &format!("the note of activity {aid}"), about, Kind::Paragraphs));
    let cells = role_row(cx, sections.parties, a.roles.as_ref(), about);
    let rules = a.rules.as_ref().map(|r| rules_override(cx, r, about));
    let effective = rules.map_or(sections.rules, |o| o.apply(sections.rules));
    let place = a.roles.as_ref().and_then(at).or(at(&a.id));
    accountable_count(cx, &cells, sections.parties, effective, place, about);
    responsible_missing(cx, &cells, effective, place, about);
    Activity { id: aid, text, roles: cells, note, rules_override: rules }
}

/// An activity id matches its pattern and is unique in the file.
fn activity_id(cx: &mut Context<'_>, sections: &mut Sections<'_>, raw: &Spanned<String>, about: About<'_>) {
    let aid = &raw.value;
    if !is_activity_id(aid) {
        cx.report(
            Code::BadId,
            at(raw),
            about,
            format!("the activity id '{aid}' is not valid"),
            "use letters, digits, '.', '_' and '-', starting with a letter or digit, e.g. `LLMAAS-SEC-04`",
        );
    }
    if !sections.activity_ids.insert(aid.clone()) {
        cx.report(
            Code::DuplicateId,
            at(raw),
            about,
            format!("the activity id '{aid}' is used twice in this file"),
            "give every activity its own id, and never reuse an id once published: GRC tools key on it",
        );
    }
}

/// An activity's `roles:`: every party named is declared, every cell is
/// valid. Returns one cell per declared party, in column order.
fn role_row(
    cx: &mut Context<'_>,
    parties: &[Party],
    raw: Option<&Spanned<KeyedList<Spanned<Option<String>>>>>,
    about: About<'_>,
) -> Vec<RoleCell> {
    let mut cells = vec![RoleCell::default(); parties.len()];
    let Some(roles) = raw else { return cells };
    for (party, cell) in roles.value.iter() {
        let Some(i) = parties.iter().position(|p| p.id == *party) else {
            let mut known: Vec<&str> = parties.iter().map(|p| p.id.as_str()).collect();
            known.sort_unstable();
            cx.report(
                Code::UnknownParty,
                at(cell).or(at(roles)),
                about,
                format!("the roles name the party '{party}', which `parties` does not declare"),
                format!(
                    "use one of the declared party ids ({}), or declare '{party}' under `parties:`",
                    known.join(", ")
                ),
            );
            continue;
        };
        cells[i] = role_cell(cx, cell, about, party);
    }
    cells
}

/// Parses one role cell: letters of the legend, each at most once, separated
/// by nothing, commas or spaces, any case; returns them in legend order.
fn role_cell(
    cx: &mut Context<'_>,
    cell: &Spanned<Option<String>>,
    about: About<'_>,
    party: &str,
) -> RoleCell {
    let raw = cell.value.as_deref().unwrap_or("");
    let mut held = vec![false; cx.codes.len()];
    for ch in raw.chars() {
        if ch == ',' || ch.is_whitespace() {
            continue;
        }
        let up = ch.to_ascii_uppercase();
        match cx.codes.iter().position(|&k| k == up) {
            Some(i) if held[i] => cx.report(
                Code::RepeatedRole,
                at(cell),
                about,
                format!("party {party} holds '{up}' twice in '{raw}'"),
                format!("write each letter once, e.g. `{party}: {}`", dedup(raw)),
            ),
            Some(i) => held[i] = true,
            None => {
                let help = format!(
                    "use only the letters declared under `roles:` ({}), or add '{ch}' to the legend",
                    cx.legend_codes()
                );
                let message =
                    format!("party {party} has the role letter '{ch}', which the legend does not declare");
                cx.report(Code::UnknownRole, at(cell), about, message, help);
            }
        }
    }
    RoleCell::from_normalised(cx.codes.iter().zip(&held).filter(|(_, h)| **h).map(|(k, _)| *k).collect())
}

/// `raw` without repeated letters, upper case: the help of `repeated-role`.
fn dedup(raw: &str) -> String {
    let mut out = String::new();
    for ch in raw.chars().filter(|c| c.is_ascii_alphabetic()).map(|c| c.to_ascii_uppercase()) {
        if !out.contains(ch) {
            out.push(ch);
        }
    }
    out
}

/// An activity's own `rules:`, on top of the matrix rules, reported as a
/// warning so that the exception stays visible.
fn rules_override(cx: &mut Context<'_>, raw: &Spanned<RawRules>, about: About<'_>) -> RulesOverride {
    let rules = cx.rules(raw, about);
    cx.report(
        Code::RulesOverride,
        at(raw),
        about,
        format!("this activity overrides the matrix rules ({})", describe_rules(&raw.value)),
        "intended exceptions are fine; make sure the contract means it",
    );
    rules
}

/// The keys a `rules` block sets, as written: `accountable: any, ...`.
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

/// The ids of the parties whose cell holds `code`, in column order.
fn holders<'p>(cells: &[RoleCell], parties: &'p [Party], code: char) -> Vec<&'p str> {
    cells.iter().zip(parties).filter(|(r, _)| r.contains(code)).map(|(_, p)| p.id.as_str()).collect()
}

/// The `accountable` rule: how many parties may hold the accountable letter.
fn accountable_count(
    cx: &mut Context<'_>,
    cells: &[RoleCell],
    parties: &[Party],
    rules: Rules,
    place: Option<(u64, u64)>,
    about: About<'_>,
) {
    let a = rules.accountable_role;
    let holding_a = holders(cells, parties, a);
    let bad_a = match rules.accountable {
        AccountableRule::ExactlyOne => holding_a.len() != 1,
        AccountableRule::AtMostOne => holding_a.len() > 1,
        AccountableRule::Any => false,
    };
    if !bad_a {
        return;
    }
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
                if rules.accountable == AccountableRule::ExactlyOne { "exactly one" } else { "at most one" }
            ),
            format!(
                "keep '{a}' for the one party that answers for this activity and remove it from the others; if shared accountability is intended, add `rules: {{accountable: any}}` to this activity"
            ),
        )
    };
    cx.report(Code::AccountableCount, place, about, msg, help);
}

/// The `responsible` rule: at least one party holds the responsible letter.
fn responsible_missing(
    cx: &mut Context<'_>,
    cells: &[RoleCell],
    rules: Rules,
    place: Option<(u64, u64)>,
    about: About<'_>,
) {
    let r = rules.responsible_role;
    if rules.responsible == ResponsibleRule::AtLeastOne && !cells.iter().any(|c| c.contains(r)) {
        cx.report(
            Code::ResponsibleMissing,
            place,
            about,
            format!("no party holds '{r}' (responsible); at least one must"),
            format!("give '{r}' to the party that carries the activity out; if that is intended, add `rules: {{responsible: any}}` to this activity"),
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
        let source = Source { path: "t.yaml".into(), file_name: "t.yaml".into(), ..Source::default() };
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
