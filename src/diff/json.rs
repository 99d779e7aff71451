//! `diff --json`: one JSON object, exactly the fields of the spec, keys in
//! a fixed order (`kind` first), so that the same inputs give the same bytes.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{Change, Changes, PartyCodes, Place};
use crate::model::{AccountableRule, Lang, Matrix, ResponsibleRule, Rules, RulesOverride};

/// The JSON object of a comparison, on one line, ending in a line break.
///
/// # Errors
/// Only if serde_json fails on strings, booleans and nulls, which it does not.
pub fn json(old: &Matrix, new: &Matrix, changes: &Changes) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string(&Doc { old, new, changes })?;
    s.push('\n');
    Ok(s)
}

struct Doc<'a> {
    old: &'a Matrix,
    new: &'a Matrix,
    changes: &'a Changes,
}

impl Serialize for Doc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("matrix", &self.new.id)?;
        m.serialize_entry("old", &Version(self.old))?;
        m.serialize_entry("new", &Version(self.new))?;
        m.serialize_entry("changes", &Seq(self.changes))?;
        m.end()
    }
}

struct Version<'a>(&'a Matrix);

impl Serialize for Version<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("version", &self.0.version)?;
        m.serialize_entry("date", &self.0.date.to_string())?;
        m.serialize_entry("sha256", &self.0.source.sha256)?;
        m.end()
    }
}

struct Seq<'a>(&'a Changes);

impl Serialize for Seq<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(One))
    }
}

struct One<'a>(&'a Change);

impl Serialize for One<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kind", self.0.kind().as_str())?;
        match self.0 {
            Change::ActivityAdded { activity, place, roles }
            | Change::ActivityRemoved { activity, place, roles } => {
                m.serialize_entry("activity", activity)?;
                m.serialize_entry("phase", &place.phase)?;
                m.serialize_entry("subphase", &place.subphase)?;
                m.serialize_entry("roles", &Roles(roles))?;
            }
            Change::ActivityMoved { activity, from, to } => {
                m.serialize_entry("activity", activity)?;
                m.serialize_entry("from", &At(from))?;
                m.serialize_entry("to", &At(to))?;
            }
            Change::RolesChanged { activity, party, old, new } => {
                m.serialize_entry("activity", activity)?;
                m.serialize_entry("party", party)?;
                m.serialize_entry("old", old)?;
                m.serialize_entry("new", new)?;
            }
            Change::RulesChanged { activity, old, new } => {
                m.serialize_entry("activity", activity)?;
                m.serialize_entry("old", &Override(old))?;
                m.serialize_entry("new", &Override(new))?;
            }
            Change::TextChanged { activity, field, languages, source_changed } => {
                m.serialize_entry("activity", activity)?;
                m.serialize_entry("field", field.as_str())?;
                m.serialize_entry("languages", &Tags(languages))?;
                m.serialize_entry("source_changed", source_changed)?;
            }
            Change::Reordered { section }
            | Change::PhaseAdded { section }
            | Change::PhaseRemoved { section } => {
                m.serialize_entry("phase", &section.phase)?;
                m.serialize_entry("subphase", &section.subphase)?;
            }
            Change::SectionTextChanged { section, field, languages } => {
                m.serialize_entry("phase", &section.phase)?;
                m.serialize_entry("subphase", &section.subphase)?;
                m.serialize_entry("field", field.as_str())?;
                m.serialize_entry("languages", &Tags(languages))?;
            }
            Change::PartyAdded { party } | Change::PartyRemoved { party } => {
                m.serialize_entry("party", party)?;
            }
            Change::PartyRenamed { party, languages } => {
                m.serialize_entry("party", party)?;
                m.serialize_entry("languages", &Tags(languages))?;
            }
            Change::MatrixTextChanged { field, languages } => {
                m.serialize_entry("field", field.as_str())?;
                m.serialize_entry("languages", &Tags(languages))?;
            }
            Change::LegendChanged { code, languages, .. } => {
                m.serialize_entry("code", &code.to_string())?;
                m.serialize_entry("languages", &Tags(languages))?;
            }
            Change::MatrixRulesChanged { old, new } => {
                m.serialize_entry("old", &Full(old))?;
                m.serialize_entry("new", &Full(new))?;
            }
            Change::LanguagesChanged { added, removed } => {
                m.serialize_entry("added", &Tags(added))?;
                m.serialize_entry("removed", &Tags(removed))?;
            }
        }
        m.end()
    }
}

/// `{"phase": ..., "subphase": ...}`.
struct At<'a>(&'a Place);

impl Serialize for At<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("phase", &self.0.phase)?;
        m.serialize_entry("subphase", &self.0.subphase)?;
        m.end()
    }
}

/// Party id → codes, in party order.
struct Roles<'a>(&'a [PartyCodes]);

impl Serialize for Roles<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|p| (&p.party, &p.codes)))
    }
}

/// Language tags.
struct Tags<'a>(&'a [Lang]);

impl Serialize for Tags<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Lang::as_str))
    }
}

pub(super) fn accountable(r: AccountableRule) -> &'static str {
    match r {
        AccountableRule::ExactlyOne => "exactly-one",
        AccountableRule::AtMostOne => "at-most-one",
        AccountableRule::Any => "any",
    }
}

pub(super) fn responsible(r: ResponsibleRule) -> &'static str {
    match r {
        ResponsibleRule::AtLeastOne => "at-least-one",
        ResponsibleRule::Any => "any",
    }
}

/// An activity's `rules:` block: only the keys it sets, as in the matrix file (`{}` for none).
struct Override<'a>(&'a RulesOverride);

impl Serialize for Override<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = self.0;
        let mut m = s.serialize_map(None)?;
        if let Some(v) = o.accountable {
            m.serialize_entry("accountable", accountable(v))?;
        }
        if let Some(v) = o.responsible {
            m.serialize_entry("responsible", responsible(v))?;
        }
        if let Some(v) = o.accountable_role {
            m.serialize_entry("accountable_role", &v.to_string())?;
        }
        if let Some(v) = o.responsible_role {
            m.serialize_entry("responsible_role", &v.to_string())?;
        }
        m.end()
    }
}

/// The matrix rules, every key (defaults included).
struct Full<'a>(&'a Rules);

impl Serialize for Full<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("accountable", accountable(r.accountable))?;
        m.serialize_entry("responsible", responsible(r.responsible))?;
        m.serialize_entry("accountable_role", &r.accountable_role.to_string())?;
        m.serialize_entry("responsible_role", &r.responsible_role.to_string())?;
        m.end()
    }
}
