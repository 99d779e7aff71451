//! The matrix being imported, in every language, before it is written as
//! YAML: the fields of `matrix-format.md` in their order, texts as one
//! string per language (in the order of [`Draft::languages`]).

use crate::model::{Date, Lang};

/// A localized text: one string per language of the draft, in its order.
pub(crate) type Texts = Vec<String>;

/// The whole matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Draft {
    /// Matrix id.
    pub id: String,
    /// Version text.
    pub version: String,
    /// As-of date.
    pub date: Date,
    /// The source page's language.
    pub source_language: Lang,
    /// Every page's language, in the order the pages were given.
    pub languages: Vec<Lang>,
    /// Title.
    pub title: Texts,
    /// Intro.
    pub intro: Option<Texts>,
    /// Closing notes.
    pub notes: Vec<Texts>,
    /// The legend.
    pub roles: Vec<DraftRole>,
    /// Matrix-wide rules, when the legend needs them.
    pub rules: Option<DraftRules>,
    /// Parties, one per role column.
    pub parties: Vec<DraftParty>,
    /// Phases.
    pub phases: Vec<DraftPhase>,
    /// `LANG=FILE` of every page, for the header comment.
    pub imported_from: Vec<String>,
}

/// A legend entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DraftRole {
    /// The letter.
    pub code: char,
    /// Name.
    pub name: Texts,
    /// Description.
    pub description: Texts,
}

/// Rules keys to write; `None` keeps the default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DraftRules {
    /// `accountable:` value.
    pub accountable: Option<&'static str>,
    /// `responsible:` value.
    pub responsible: Option<&'static str>,
    /// `accountable_role:` letter.
    pub accountable_role: Option<char>,
    /// `responsible_role:` letter.
    pub responsible_role: Option<char>,
}

/// A party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DraftParty {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Texts,
}

/// A phase and its subphases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DraftPhase {
    /// The phase's own fields and activities.
    pub section: DraftSection,
    /// Subphases.
    pub subphases: Vec<DraftSection>,
}

/// What a phase and a subphase share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DraftSection {
    /// Id.
    pub id: String,
    /// Heading.
    pub title: Texts,
    /// Intro.
    pub intro: Option<Texts>,
    /// Activities.
    pub activities: Vec<DraftActivity>,
    /// Notes.
    pub notes: Vec<Texts>,
}

/// One activity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DraftActivity {
    /// Id.
    pub id: String,
    /// Text.
    pub text: Texts,
    /// Normalised codes per party (in [`Draft::parties`] order; `""`: no role).
    pub roles: Vec<String>,
    /// Note.
    pub note: Option<Texts>,
    /// Rules override that makes the activity valid.
    pub rules: Option<DraftRules>,
}
