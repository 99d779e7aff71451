//! One version of a matrix indexed by id: where each activity and section
//! is, and each party and role. [`super::compare()`] matches by these ids, and
//! whoever renders a [`super::Change`] looks its texts up here, in OLD or NEW.

use std::collections::HashMap;

use super::Place;
use crate::model::{Activity, Matrix, Party, Phase, Role, Section};

/// An activity and where it is.
#[derive(Clone, Copy, Debug)]
pub struct ActivityAt<'m> {
    /// The activity.
    pub activity: &'m Activity,
    /// Its phase.
    pub phase: &'m Phase,
    /// Its subphase, or `None` when it is one of the phase's own.
    pub subphase: Option<&'m Section>,
    /// Its position among the activities of its section.
    pub index: usize,
}

impl<'m> ActivityAt<'m> {
    /// The section that lists it: the subphase, or the phase's own section.
    pub fn section(&self) -> &'m Section {
        self.subphase.unwrap_or(&self.phase.section)
    }

    /// Its place, owned.
    pub fn place(&self) -> Place {
        Place { phase: self.phase.id().to_owned(), subphase: self.subphase.map(|s| s.id.clone()) }
    }

    /// Whether it is at `other`'s place (same phase id and subphase id).
    pub fn same_place(&self, other: &ActivityAt<'_>) -> bool {
        self.phase.id() == other.phase.id() && self.subphase.map(|s| &s.id) == other.subphase.map(|s| &s.id)
    }
}

/// A phase or subphase and where it is.
#[derive(Clone, Copy, Debug)]
pub struct SectionAt<'m> {
    /// The phase, or the subphase's phase.
    pub phase: &'m Phase,
    /// The phase's position in the matrix.
    pub phase_index: usize,
    /// The subphase's position in its phase; `None` for a phase.
    pub subphase_index: Option<usize>,
}

impl<'m> SectionAt<'m> {
    /// The section itself.
    pub fn section(&self) -> &'m Section {
        match self.subphase_index {
            Some(i) => &self.phase.subphases[i],
            None => &self.phase.section,
        }
    }

    /// Whether this is a phase rather than a subphase.
    pub fn is_phase(&self) -> bool {
        self.subphase_index.is_none()
    }

    /// Its place, owned.
    pub fn place(&self) -> Place {
        Place {
            phase: self.phase.id().to_owned(),
            subphase: self.subphase_index.map(|i| self.phase.subphases[i].id.clone()),
        }
    }
}

/// One version of a matrix, indexed by the ids `diff` matches on. Lookups
/// only: nothing iterates the hash maps, so no output depends on their order.
#[derive(Debug)]
pub struct Lookup<'m> {
    matrix: &'m Matrix,
    activities: HashMap<&'m str, ActivityAt<'m>>,
    sections: HashMap<&'m str, SectionAt<'m>>,
    parties: HashMap<&'m str, usize>,
}

impl<'m> Lookup<'m> {
    /// Indexes `matrix` (validated, so every id is unique).
    pub fn new(matrix: &'m Matrix) -> Lookup<'m> {
        let mut activities = HashMap::with_capacity(matrix.activity_count());
        let mut sections = HashMap::new();
        for (phase_index, phase) in matrix.phases.iter().enumerate() {
            sections.insert(phase.id(), SectionAt { phase, phase_index, subphase_index: None });
            for (i, sub) in phase.subphases.iter().enumerate() {
                sections.insert(sub.id.as_str(), SectionAt { phase, phase_index, subphase_index: Some(i) });
            }
            for (subphase, section) in phase.sections() {
                for (index, activity) in section.activities.iter().enumerate() {
                    activities.insert(activity.id.as_str(), ActivityAt { activity, phase, subphase, index });
                }
            }
        }
        let parties = matrix.parties.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
        Lookup { matrix, activities, sections, parties }
    }

    /// The matrix indexed.
    pub fn matrix(&self) -> &'m Matrix {
        self.matrix
    }

    /// The activity with this id, and where it is.
    pub fn activity(&self, id: &str) -> Option<ActivityAt<'m>> {
        self.activities.get(id).copied()
    }

    /// The phase or subphase with this id, and where it is.
    pub fn section(&self, id: &str) -> Option<SectionAt<'m>> {
        self.sections.get(id).copied()
    }

    /// The party with this id and its column.
    pub fn party(&self, id: &str) -> Option<(usize, &'m Party)> {
        self.parties.get(id).map(|&i| (i, &self.matrix.parties[i]))
    }

    /// The role of the legend with this code.
    pub fn role(&self, code: char) -> Option<&'m Role> {
        self.matrix.roles.iter().find(|r| r.code == code)
    }

    /// The codes `party` holds in `activity` (an activity of this matrix);
    /// `""` when the party holds none or this version has no such party.
    pub fn codes(&self, activity: &'m Activity, party: &str) -> &'m str {
        self.parties.get(party).and_then(|&i| activity.roles.get(i)).map_or("", |c| c.as_str())
    }
}
