//! The stable code of every diagnostic the tool can emit.
//!
//! A code is what people search for in `docs/matrix-format.md` and what
//! pipelines match on (`validate --message-format json`); the wording of a
//! message may keep improving, its code does not change. Every code is listed
//! once, in `codes!` below, with its kebab-case name, its severity and one
//! line saying what it means; the end-to-end tests check that each has a row
//! in the documentation and a fixture or a run that produces it.

use std::fmt;

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident, $description:literal;)*) => {
        /// A stable diagnostic code, printed as `error[CODE]` / `warning[CODE]`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $description] $variant,)*
        }

        impl Code {
            /// Every code, in the order of the documentation's tables.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The kebab-case name, e.g. `accountable-count`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// One line saying what the code means.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $description,)*
                }
            }

            /// Whether a finding of this code refuses the input or only warns.
            pub const fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

codes! {
    // Reading the file.
    Read = "read", Error,
        "the path does not exist or cannot be read, or is a folder with no matrix file in it";
    FileTooLarge = "file-too-large", Error, "the file is larger than 16 MiB";
    Encoding = "encoding", Error, "the file is not valid UTF-8";

    // Structure (YAML).
    YamlSyntax = "yaml-syntax", Error, "the file is not valid YAML";
    WrongType = "wrong-type", Error, "a value has the wrong kind, e.g. a list where a text is expected";
    UnknownField = "unknown-field", Error, "a field name the format does not have";
    MissingField = "missing-field", Error, "a required field is missing";
    DuplicateKey = "duplicate-key", Error, "the same key appears twice in one mapping";
    TooDeep = "too-deep", Error, "lists and mappings nest more than 64 levels deep";
    AliasBudget = "alias-budget", Error,
        "YAML aliases expand to far more data than a matrix holds, or a parser ceiling was hit";

    // Content.
    Schema = "schema", Error, "`schema` is not 1";
    BadId = "bad-id", Error, "an id does not match its pattern";
    DuplicateId = "duplicate-id", Error,
        "two parties, two phases or subphases, two activities, or two matrix files share an id";
    EmptyText = "empty-text", Error, "the version, or one language of a localized text, is empty or blank";
    BadDate = "bad-date", Error, "`date` is not a real YYYY-MM-DD date between 1900 and 9999";
    BadLanguage = "bad-language", Error, "an entry of `languages` is not a language tag, or `languages` is empty";
    DuplicateLanguage = "duplicate-language", Error, "a language appears twice in `languages`";
    SourceLanguage = "source-language", Error, "`source_language` is not one of `languages`";
    MissingTranslation = "missing-translation", Error,
        "a localized text lacks one of the languages of `languages`";
    UnlistedLanguage = "unlisted-language", Error,
        "a localized text gives a language that `languages` does not list";
    MissingGlyph = "missing-glyph", Error, "a text contains a character the PDF fonts cannot draw";
    BadRoleCode = "bad-role-code", Error, "a legend code is not exactly one uppercase ASCII letter";
    DuplicateRole = "duplicate-role", Error, "two legend entries have the same code";
    NoRoles = "no-roles", Error, "`roles` is an empty list";
    BadRule = "bad-rule", Error,
        "a `rules` value is not an allowed word, or a counted role is not a legend letter";
    PartyCount = "party-count", Error, "there are no parties, or more than 8";
    NoPhases = "no-phases", Error, "`phases` is an empty list";
    EmptySection = "empty-section", Error, "a phase or a subphase has no activity";
    UnknownParty = "unknown-party", Error, "an activity's `roles:` names a party that `parties` does not declare";
    UnknownRole = "unknown-role", Error,
        "a role cell holds a letter the legend does not declare, or a character that is not a letter";
    RepeatedRole = "repeated-role", Error, "a role cell gives the same letter twice";
    AccountableCount = "accountable-count", Error,
        "an activity breaks the `accountable` rule (nobody, or too many parties, hold the letter)";
    ResponsibleMissing = "responsible-missing", Error, "no party holds the responsible letter of an activity";

    // A `generate` run.
    UnknownLanguage = "unknown-language", Error, "`--lang` asks for a language that a matrix does not declare";
    Template = "template", Error,
        "a template file cannot be read, has a missing or unknown key, or breaks a limit";
    DuplicateOutput = "duplicate-output", Error,
        "two outputs of one run would have the same name (a safeguard: valid ids rule it out)";

    // Warnings.
    RulesOverride = "rules-override", Warning, "an activity overrides the matrix rules";
    NoStrings = "no-strings", Warning,
        "a language has no template strings, so its labels are printed in English";

    // An `import` run (import.md).
    NoRoleTable = "no-role-table", Error, "a page has no table of role codes";
    Page = "page", Error, "a page cannot be read as a matrix: no title, or more than 8 party columns";
    IdsFrom = "ids-from", Error, "the `--ids-from` matrix cannot be matched with the source page";
    Defect = "defect", Error,
        "the matrix written from the pages does not load (a safeguard: a defect of the tool)";
    RoleDrift = "role-drift", Warning, "a translated page's role cell differs from the source page's";
    StructureMismatch = "structure-mismatch", Warning,
        "a translated page's sections, tables or rows differ from the source page's; its texts there are the source's";
    PageStructure = "page-structure", Warning,
        "a part of a page that import does not read as a matrix (a table-less section, a stray heading)";
    Untranslated = "untranslated", Warning, "a text has no translation on a page; the source page's text is used";
    DroppedCharacter = "dropped-character", Warning,
        "a page's text holds characters the PDF fonts cannot draw; they are left out";
    FrontMatter = "front-matter", Warning, "a page's front matter disagrees with how the page was given";
    SourcePage = "source-page", Warning, "the pages name another source language than the one used";
    RoleCell = "role-cell", Warning, "a source page's role cell holds no role codes; the party gets none";
    EmptyTable = "empty-table", Warning, "a page's section has no activity rows; it is left out";
    NoDate = "no-date", Warning, "no page gives a date; the matrix is dated 1970-01-01";
    NoLegend = "no-legend", Warning, "a page has no legend table; the standard R, A, C, I legend is used";
    LegendRow = "legend-row", Warning, "a legend row repeats a role or cannot be read";
    PartyColumns = "party-columns", Warning, "the role tables of a page do not all have the same columns";
    ActivityId = "activity-id", Warning, "an ID column holds an invalid or repeated id; the row gets a new one";

    // A `diff` run (diff.md).
    DifferentMatrix = "different-matrix", Error, "OLD and NEW are not versions of the same matrix (other ids)";
    NoCommonLanguage = "no-common-language", Error,
        "`diff --out` without `--lang`: OLD and NEW share no language to word the changes in";
    VersionNotBumped = "version-not-bumped", Warning, "the content changed but `version` did not";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_described() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        for n in &names {
            assert!(
                n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                    && !n.starts_with('-')
                    && !n.ends_with('-'),
                "{n}"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len(), "a name is used twice");
        assert!(Code::ALL.iter().all(|c| !c.description().is_empty()));
        assert_eq!(Code::AccountableCount.to_string(), "accountable-count");
    }
}
