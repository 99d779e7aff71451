//! The validated matrix: what every renderer reads.
//!
//! Values of these types only come out of [`crate::load`], which checks every
//! rule of `matrix-format.md` first; a renderer can therefore trust that ids
//! match their patterns, every localized text has every language, and every
//! role cell holds declared letters in legend order. Nothing here does I/O.

use std::collections::BTreeMap;
use std::fmt;

/// A BCP 47 primary language tag (two or three lowercase ASCII letters).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lang(String);

impl Lang {
    /// Accepts a tag of two or three lowercase ASCII letters; anything else is `None`.
    pub fn parse(tag: &str) -> Option<Lang> {
        let ok = (2..=3).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_lowercase());
        ok.then(|| Lang(tag.to_owned()))
    }

    /// The tag as written, e.g. `de`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A text given in every language of its matrix, already normalised: outer
/// white space trimmed, paragraphs separated by exactly one blank line
/// (`"\n\n"`), every other line break folded into a space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Localized(BTreeMap<Lang, String>);

impl Localized {
    /// Builds a localized text from already-normalised values (used by the loader).
    pub(crate) fn new(values: BTreeMap<Lang, String>) -> Localized {
        Localized(values)
    }

    /// The text in `lang`. Validation guarantees every language of the matrix is present;
    /// for any other tag this returns the empty string rather than panicking.
    pub fn get(&self, lang: &Lang) -> &str {
        self.0.get(lang).map(String::as_str).unwrap_or("")
    }

    /// Every (language, text) pair, in tag order.
    pub fn iter(&self) -> impl Iterator<Item = (&Lang, &str)> {
        self.0.iter().map(|(l, s)| (l, s.as_str()))
    }
}

/// The calendar date a matrix is "as of": the only date that enters any output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year, e.g. 2026.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31 (valid for the month).
    pub day: u8,
}

impl Date {
    /// Parses a strict ISO 8601 calendar date `YYYY-MM-DD` (years 1900 to 9999).
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &s[r];
            part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1900..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        if day > days[month as usize - 1] {
            return None;
        }
        Some(Date { year: year as u16, month: month as u8, day: day as u8 })
    }

    /// Seconds since 1970-01-01T00:00:00Z at midnight UTC of this date.
    pub fn unix_midnight(&self) -> i64 {
        // Days from civil (Howard Hinnant's algorithm), exact for the proleptic Gregorian calendar.
        let (y, m, d) = (i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) * 86_400
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One role of the legend, e.g. `R` = Responsible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// One uppercase ASCII letter, unique in the legend.
    pub code: char,
    /// The role's localized name.
    pub name: Localized,
    /// What holding this role means, localized.
    pub description: Localized,
}

/// How many parties may or must hold the accountable role per activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountableRule {
    /// Exactly one party holds it (the default).
    ExactlyOne,
    /// No party, or one.
    AtMostOne,
    /// No constraint.
    Any,
}

/// How many parties must hold the responsible role per activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponsibleRule {
    /// At least one party holds it (the default).
    AtLeastOne,
    /// No constraint.
    Any,
}

/// The RACI rules an activity must obey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Count rule for the accountable role.
    pub accountable: AccountableRule,
    /// Count rule for the responsible role.
    pub responsible: ResponsibleRule,
    /// Which role code counts as accountable.
    pub accountable_role: char,
    /// Which role code counts as responsible.
    pub responsible_role: char,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            accountable: AccountableRule::ExactlyOne,
            responsible: ResponsibleRule::AtLeastOne,
            accountable_role: 'A',
            responsible_role: 'R',
        }
    }
}

/// An activity's own `rules:` block, as written: the keys it sets (each
/// `None` keeps the matrix's value). Kept as written, not only merged into
/// [`Rules`], because `diff` reports a change of the override itself
/// (`{accountable: any}` added) rather than of every rule it leaves alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RulesOverride {
    /// `accountable`, if the block sets it.
    pub accountable: Option<AccountableRule>,
    /// `responsible`, if the block sets it.
    pub responsible: Option<ResponsibleRule>,
    /// `accountable_role`, if the block sets it.
    pub accountable_role: Option<char>,
    /// `responsible_role`, if the block sets it.
    pub responsible_role: Option<char>,
}

impl RulesOverride {
    /// `base` with the keys this block sets replaced.
    pub fn apply(&self, base: Rules) -> Rules {
        Rules {
            accountable: self.accountable.unwrap_or(base.accountable),
            responsible: self.responsible.unwrap_or(base.responsible),
            accountable_role: self.accountable_role.unwrap_or(base.accountable_role),
            responsible_role: self.responsible_role.unwrap_or(base.responsible_role),
        }
    }
}

/// A party of the contract, printed as one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// Stable id, used as the CSV column header.
    pub id: String,
    /// The party's localized name, used as the column title in PDF and XLSX.
    pub name: Localized,
}

/// The role codes one party holds for one activity, normalised to legend order
/// (`"CI"`, never `"IC"`); empty when the party holds no role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleCell(String);

impl RoleCell {
    /// Builds a cell from letters already checked against the legend and ordered by it.
    pub(crate) fn from_normalised(codes: String) -> RoleCell {
        RoleCell(codes)
    }

    /// The codes, e.g. `"RA"`, or `""`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the party holds `code` here.
    pub fn contains(&self, code: char) -> bool {
        self.0.contains(code)
    }
}

/// One row of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    /// Stable id, unique in the file; GRC tools key on it.
    pub id: String,
    /// What is done, localized.
    pub text: Localized,
    /// One cell per party, in the order of [`Matrix::parties`].
    pub roles: Vec<RoleCell>,
    /// Optional remark printed with the activity.
    pub note: Option<Localized>,
    /// The activity's own `rules:` block, as written, when it has one;
    /// [`Activity::rules`] gives the rules it was checked against.
    pub rules_override: Option<RulesOverride>,
}

impl Activity {
    /// The rules this activity obeys: the matrix's, with its own block applied.
    pub fn rules(&self, matrix: Rules) -> Rules {
        self.rules_override.map_or(matrix, |o| o.apply(matrix))
    }
}

/// What a phase and a subphase share: a heading, an optional intro, the
/// activities and the footnotes printed under them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Id, unique among phases and subphases.
    pub id: String,
    /// Localized heading.
    pub title: Localized,
    /// Optional paragraph under the heading.
    pub intro: Option<Localized>,
    /// The section's activities, in print order. A subphase has at least one;
    /// a phase's own list may be empty when its subphases hold them.
    pub activities: Vec<Activity>,
    /// Footnotes printed under the section's table.
    pub notes: Vec<Localized>,
}

/// A phase of the service life cycle, printed as one section (PDF) or sheet
/// (XLSX): its own section, then its subsections, one level deep (a
/// subphase is a plain [`Section`], so it cannot have subphases of its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase {
    /// The phase's heading, intro, own activities (printed before the
    /// subphases) and notes (printed after them).
    pub section: Section,
    /// Subsections, in print order.
    pub subphases: Vec<Section>,
}

impl Phase {
    /// The phase's id.
    pub fn id(&self) -> &str {
        &self.section.id
    }

    /// Each section with activities in print order: the phase's own (with
    /// `None`), then every subphase (with `Some(subphase)`).
    pub fn sections(&self) -> impl Iterator<Item = (Option<&Section>, &Section)> {
        std::iter::once((None, &self.section)).chain(self.subphases.iter().map(|s| (Some(s), s)))
    }

    /// Every activity of the phase in print order, with the subphase it belongs to.
    pub fn all_activities(&self) -> impl Iterator<Item = (Option<&Section>, &Activity)> {
        self.sections().flat_map(|(sub, s)| s.activities.iter().map(move |a| (sub, a)))
    }

    /// Number of activities, own and in subphases.
    pub fn activity_count(&self) -> usize {
        self.sections().map(|(_, s)| s.activities.len()).sum()
    }
}

/// A validated, normalised responsibility matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    /// Id used in output file names: `[a-z0-9][a-z0-9-]*`, at most 64 characters.
    pub id: String,
    /// Free-text version printed on every output.
    pub version: String,
    /// The "as of" date.
    pub date: Date,
    /// The language the text was written in.
    pub source_language: Lang,
    /// Every language the matrix gives, in the order declared.
    pub languages: Vec<Lang>,
    /// Localized title.
    pub title: Localized,
    /// Optional text printed before the legend.
    pub intro: Option<Localized>,
    /// Closing remarks printed after the last phase.
    pub notes: Vec<Localized>,
    /// The legend, in print order.
    pub roles: Vec<Role>,
    /// The matrix-wide RACI rules.
    pub rules: Rules,
    /// 1 to 8 parties, in column order.
    pub parties: Vec<Party>,
    /// At least one phase, in print order.
    pub phases: Vec<Phase>,
    /// Where the matrix came from and its SHA-256, for the source fingerprint.
    pub source: Source,
}

impl Matrix {
    /// Number of activities in all phases.
    pub fn activity_count(&self) -> usize {
        self.phases.iter().map(Phase::activity_count).sum()
    }

    /// Whether the matrix declares `lang`.
    pub fn has_language(&self, lang: &Lang) -> bool {
        self.languages.contains(lang)
    }
}

/// Provenance of a matrix file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    /// The path as given on the command line, for messages.
    pub path: std::path::PathBuf,
    /// File name only, printed in the PDF fingerprint (never an absolute path: reproducible).
    pub file_name: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The file's text, byte for byte (a validated file is UTF-8): what
    /// `--attach-source` embeds in the annex.
    pub text: std::sync::Arc<str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_real_calendar_dates() {
        assert_eq!(Date::parse_iso("2026-11-23"), Some(Date { year: 2026, month: 11, day: 23 }));
        assert!(Date::parse_iso("2026-02-29").is_none());
        assert!(Date::parse_iso("2024-02-29").is_some());
        assert!(Date::parse_iso("2026-13-01").is_none());
        assert!(Date::parse_iso("2026-1-01").is_none());
        assert!(Date::parse_iso("+026-01-01").is_none());
    }

    #[test]
    fn computes_unix_midnight() {
        assert_eq!(Date::parse_iso("1970-01-01").unwrap().unix_midnight(), 0);
        assert_eq!(Date::parse_iso("2026-01-01").unwrap().unix_midnight(), 1_767_225_600);
    }

    #[test]
    fn language_tags_are_two_or_three_lowercase_letters() {
        assert!(Lang::parse("de").is_some());
        assert!(Lang::parse("gsw").is_some());
        assert!(Lang::parse("DE").is_none());
        assert!(Lang::parse("de-CH").is_none());
        assert!(Lang::parse("d").is_none());
    }
}
