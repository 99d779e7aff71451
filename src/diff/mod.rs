//! What changed between two versions of one matrix (`raci-annex diff`,
//! `../shared/spec/diff.md`).
//!
//! [`compare()`] matches activities, phases, subphases, parties and roles by
//! id, never by text or position, and returns every [`Change`] in the fixed
//! order of the spec: NEW's print order, a removed item where it stood in
//! OLD. Each change carries the ids (and the role codes) that a reader needs;
//! texts are looked up in OLD or NEW with a [`Lookup`], so that each output
//! (the terminal [`summary()`], [`json()`], the amendment annex per language)
//! says it in its own words. Nothing here does I/O except [`load_pair`].

mod compare;
mod json;
mod lookup;
mod out;
mod pair;
mod strings;
mod summary;
mod view;

pub use compare::compare;
pub use json::json;
pub use lookup::{ActivityAt, Lookup, SectionAt};
pub use out::{AmendmentOptions, write_amendment};
pub use pair::{Input, Pair, PairError, STDIN_NAME, load_pair, version_warning};
pub use strings::{AmendmentStrings, KindStrings, RuleStrings, SubjectStrings, WordStrings, fill};
pub use summary::summary;
pub use view::{Amendment, Codes, Count, Entry, Group, Line, PartyColumn, Version};

use crate::model::{Lang, Rules, RulesOverride};

/// Where an activity or a section is: a phase, and the subphase within it
/// (`None` for the phase's own activities, or for the phase itself).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The phase id.
    pub phase: String,
    /// The subphase id, if any.
    pub subphase: Option<String>,
}

/// `phase` or `phase/subphase`, as the terminal summary writes it.
impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.subphase {
            Some(s) => write!(f, "{}/{s}", self.phase),
            None => f.write_str(&self.phase),
        }
    }
}

/// The codes one party holds in one activity (`""` for none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyCodes {
    /// The party id.
    pub party: String,
    /// Normalised role codes, e.g. `"CI"`.
    pub codes: String,
}

/// A localized text of the matrix or of a section that can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextField {
    /// `title`.
    Title,
    /// `intro`.
    Intro,
    /// `notes`.
    Notes,
}

/// A localized text of an activity that can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityField {
    /// `text`.
    Text,
    /// `note` (added, removed or reworded).
    Note,
}

impl TextField {
    /// The field's name in the matrix file and the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TextField::Title => "title",
            TextField::Intro => "intro",
            TextField::Notes => "notes",
        }
    }
}

impl ActivityField {
    /// The field's name in the matrix file and the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityField::Text => "text",
            ActivityField::Note => "note",
        }
    }
}

/// How a role of the legend changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegendChange {
    /// Only NEW declares the code.
    Added,
    /// Only OLD declares the code.
    Removed,
    /// Its name or description differs in some language.
    Reworded,
}

/// One change between OLD and NEW. The variants are the `kind`s of the
/// spec; each holds exactly what its JSON object holds, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// An activity id only in NEW, with its codes per party of NEW (in NEW's party order).
    ActivityAdded {
        /// The activity id.
        activity: String,
        /// Where it is in NEW.
        place: Place,
        /// Its codes, one entry per party of NEW.
        roles: Vec<PartyCodes>,
    },
    /// An activity id only in OLD, with its codes per party of OLD.
    ActivityRemoved {
        /// The activity id.
        activity: String,
        /// Where it was in OLD.
        place: Place,
        /// Its codes, one entry per party of OLD.
        roles: Vec<PartyCodes>,
    },
    /// The same activity in another phase or subphase.
    ActivityMoved {
        /// The activity id.
        activity: String,
        /// Where it was in OLD.
        from: Place,
        /// Where it is in NEW.
        to: Place,
    },
    /// A party's codes in an activity differ (as sets of letters). A party
    /// added or removed gives one from or to `""` per activity where it holds codes.
    RolesChanged {
        /// The activity id.
        activity: String,
        /// The party id.
        party: String,
        /// OLD's codes, `""` for none.
        old: String,
        /// NEW's codes, `""` for none.
        new: String,
    },
    /// The activity's own `rules:` block differs (an empty block for none).
    RulesChanged {
        /// The activity id.
        activity: String,
        /// OLD's block as written.
        old: RulesOverride,
        /// NEW's block as written.
        new: RulesOverride,
    },
    /// An activity's `text` or `note` differs in some language both versions have.
    TextChanged {
        /// The activity id.
        activity: String,
        /// Which text.
        field: ActivityField,
        /// The languages where it differs, sorted.
        languages: Vec<Lang>,
        /// Whether NEW's source language is among them.
        source_changed: bool,
    },
    /// A phase or subphase holds the ids it shares with OLD in another order.
    Reordered {
        /// The section (its place in NEW).
        section: Place,
    },
    /// A phase or subphase id only in NEW.
    PhaseAdded {
        /// The section (its place in NEW).
        section: Place,
    },
    /// A phase or subphase id only in OLD.
    PhaseRemoved {
        /// The section (its place in OLD).
        section: Place,
    },
    /// A phase's or subphase's `title`, `intro` or `notes` differ.
    SectionTextChanged {
        /// The section (its place in NEW).
        section: Place,
        /// Which text.
        field: TextField,
        /// The languages where it differs, sorted.
        languages: Vec<Lang>,
    },
    /// A party id only in NEW.
    PartyAdded {
        /// The party id.
        party: String,
    },
    /// A party id only in OLD.
    PartyRemoved {
        /// The party id.
        party: String,
    },
    /// A party's name differs.
    PartyRenamed {
        /// The party id.
        party: String,
        /// The languages where it differs, sorted.
        languages: Vec<Lang>,
    },
    /// The matrix's `title`, `intro` or `notes` differ.
    MatrixTextChanged {
        /// Which text.
        field: TextField,
        /// The languages where it differs, sorted.
        languages: Vec<Lang>,
    },
    /// A role of the legend is added, removed or reworded.
    LegendChanged {
        /// The role's code.
        code: char,
        /// How.
        change: LegendChange,
        /// The languages where its name or description differs, sorted; for
        /// a role added or removed, every language both versions have.
        languages: Vec<Lang>,
    },
    /// The matrix-level `rules` differ (defaults filled in).
    MatrixRulesChanged {
        /// OLD's rules.
        old: Rules,
        /// NEW's rules.
        new: Rules,
    },
    /// The `languages` list differs as a set.
    LanguagesChanged {
        /// Languages only NEW declares, sorted.
        added: Vec<Lang>,
        /// Languages only OLD declares, sorted.
        removed: Vec<Lang>,
    },
}

/// The kinds of change, in the order of the spec's table (the order of the counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `activity-added`
    ActivityAdded,
    /// `activity-removed`
    ActivityRemoved,
    /// `activity-moved`
    ActivityMoved,
    /// `roles-changed`
    RolesChanged,
    /// `rules-changed`
    RulesChanged,
    /// `text-changed`
    TextChanged,
    /// `reordered`
    Reordered,
    /// `phase-added`
    PhaseAdded,
    /// `phase-removed`
    PhaseRemoved,
    /// `section-text-changed`
    SectionTextChanged,
    /// `party-added`
    PartyAdded,
    /// `party-removed`
    PartyRemoved,
    /// `party-renamed`
    PartyRenamed,
    /// `matrix-text-changed`
    MatrixTextChanged,
    /// `legend-changed`
    LegendChanged,
    /// `matrix-rules-changed`
    MatrixRulesChanged,
    /// `languages-changed`
    LanguagesChanged,
}

impl Kind {
    /// Every kind, in the spec's order.
    pub const ALL: [Kind; 17] = [
        Kind::ActivityAdded,
        Kind::ActivityRemoved,
        Kind::ActivityMoved,
        Kind::RolesChanged,
        Kind::RulesChanged,
        Kind::TextChanged,
        Kind::Reordered,
        Kind::PhaseAdded,
        Kind::PhaseRemoved,
        Kind::SectionTextChanged,
        Kind::PartyAdded,
        Kind::PartyRemoved,
        Kind::PartyRenamed,
        Kind::MatrixTextChanged,
        Kind::LegendChanged,
        Kind::MatrixRulesChanged,
        Kind::LanguagesChanged,
    ];

    /// The `kind` value of the JSON, e.g. `roles-changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ActivityAdded => "activity-added",
            Kind::ActivityRemoved => "activity-removed",
            Kind::ActivityMoved => "activity-moved",
            Kind::RolesChanged => "roles-changed",
            Kind::RulesChanged => "rules-changed",
            Kind::TextChanged => "text-changed",
            Kind::Reordered => "reordered",
            Kind::PhaseAdded => "phase-added",
            Kind::PhaseRemoved => "phase-removed",
            Kind::SectionTextChanged => "section-text-changed",
            Kind::PartyAdded => "party-added",
            Kind::PartyRemoved => "party-removed",
            Kind::PartyRenamed => "party-renamed",
            Kind::MatrixTextChanged => "matrix-text-changed",
            Kind::LegendChanged => "legend-changed",
            Kind::MatrixRulesChanged => "matrix-rules-changed",
            Kind::LanguagesChanged => "languages-changed",
        }
    }
}

impl Change {
    /// The change's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Change::ActivityAdded { .. } => Kind::ActivityAdded,
            Change::ActivityRemoved { .. } => Kind::ActivityRemoved,
            Change::ActivityMoved { .. } => Kind::ActivityMoved,
            Change::RolesChanged { .. } => Kind::RolesChanged,
            Change::RulesChanged { .. } => Kind::RulesChanged,
            Change::TextChanged { .. } => Kind::TextChanged,
            Change::Reordered { .. } => Kind::Reordered,
            Change::PhaseAdded { .. } => Kind::PhaseAdded,
            Change::PhaseRemoved { .. } => Kind::PhaseRemoved,
            Change::SectionTextChanged { .. } => Kind::SectionTextChanged,
            Change::PartyAdded { .. } => Kind::PartyAdded,
            Change::PartyRemoved { .. } => Kind::PartyRemoved,
            Change::PartyRenamed { .. } => Kind::PartyRenamed,
            Change::MatrixTextChanged { .. } => Kind::MatrixTextChanged,
            Change::LegendChanged { .. } => Kind::LegendChanged,
            Change::MatrixRulesChanged { .. } => Kind::MatrixRulesChanged,
            Change::LanguagesChanged { .. } => Kind::LanguagesChanged,
        }
    }

    /// The activity the change is about, if it is about one.
    pub fn activity(&self) -> Option<&str> {
        match self {
            Change::ActivityAdded { activity, .. }
            | Change::ActivityRemoved { activity, .. }
            | Change::ActivityMoved { activity, .. }
            | Change::RolesChanged { activity, .. }
            | Change::RulesChanged { activity, .. }
            | Change::TextChanged { activity, .. } => Some(activity),
            _ => None,
        }
    }
}

/// Which version to look a phase up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// OLD: the phase is not a phase of NEW (removed, or now a subphase).
    Old,
    /// NEW.
    New,
}

/// The changes within one phase, in print order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhaseChanges {
    /// The phase id.
    pub phase: String,
    /// Whether the phase is one of NEW (in NEW's order) or only of OLD
    /// (where it stood in OLD).
    pub side: Side,
    /// Its changes: the phase's own (added, texts, order), its activities,
    /// its subphases with theirs, its notes.
    pub changes: Vec<Change>,
}

/// Every change between two versions, grouped as a reader meets them:
/// the matrix as a whole, then phase by phase, then the closing notes.
/// [`Changes::iter`] gives the fixed order of the JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Before the phases: languages, title, intro, legend, rules, parties.
    pub matrix: Vec<Change>,
    /// The phases with changes: NEW's phases in NEW's order, each OLD-only
    /// phase where it stood in OLD.
    pub phases: Vec<PhaseChanges>,
    /// After the phases: the matrix's closing notes.
    pub closing: Vec<Change>,
}

impl Changes {
    /// Every change in the fixed order.
    pub fn iter(&self) -> impl Iterator<Item = &Change> {
        self.matrix.iter().chain(self.phases.iter().flat_map(|p| &p.changes)).chain(&self.closing)
    }

    /// Whether the two versions are the same (for `diff`: no change of any kind).
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The number of changes.
    pub fn len(&self) -> usize {
        self.matrix.len() + self.phases.iter().map(|p| p.changes.len()).sum::<usize>() + self.closing.len()
    }

    /// How many changes of each kind, for the kinds that occur, in [`Kind::ALL`] order.
    pub fn counts(&self) -> Vec<(Kind, usize)> {
        let mut n = [0usize; Kind::ALL.len()];
        for c in self.iter() {
            n[c.kind() as usize] += 1;
        }
        Kind::ALL.iter().zip(n).filter(|(_, n)| *n > 0).map(|(k, n)| (*k, n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_listed_in_declaration_order_with_distinct_names() {
        for (i, k) in Kind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k:?}");
        }
        let names: std::collections::BTreeSet<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), Kind::ALL.len());
    }
}
