//! The matrix as written in YAML: a serde mirror of `matrix-format.md`, field
//! for field, with source locations kept wherever a later rule may need to
//! point at a value. Structural problems (wrong type, unknown or missing
//! field, duplicate key) are caught here by the deserialiser; every other
//! rule lives in [`super::validate`].

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// A localized text as written: language tag -> text. A language given with no
/// value (`fr:`) is `None`, reported as an empty text rather than a YAML error.
pub(crate) type RawText = Spanned<BTreeMap<String, Spanned<Option<String>>>>;

/// The top level of a matrix file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMatrix {
    pub schema: Spanned<i64>,
    pub id: Spanned<String>,
    pub version: Spanned<String>,
    pub date: Spanned<String>,
    pub source_language: Spanned<String>,
    pub languages: Spanned<Vec<Spanned<String>>>,
    pub title: RawText,
    pub intro: Option<RawText>,
    pub notes: Option<Vec<RawText>>,
    pub roles: Spanned<Vec<RawRole>>,
    pub rules: Option<Spanned<RawRules>>,
    pub parties: Spanned<Vec<RawParty>>,
    pub phases: Spanned<Vec<RawPhase>>,
}

/// One legend entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRole {
    pub code: Spanned<String>,
    pub name: RawText,
    pub description: RawText,
}

/// The RACI rules block, at the top or per activity.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRules {
    pub accountable: Option<Spanned<String>>,
    pub responsible: Option<Spanned<String>>,
    pub accountable_role: Option<Spanned<String>>,
    pub responsible_role: Option<Spanned<String>>,
}

/// One party.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawParty {
    pub id: Spanned<String>,
    pub name: RawText,
}

/// One phase.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPhase {
    pub id: Spanned<String>,
    pub title: RawText,
    pub intro: Option<RawText>,
    pub activities: Option<Vec<Spanned<RawActivity>>>,
    pub subphases: Option<Vec<RawSubphase>>,
    pub notes: Option<Vec<RawText>>,
}

/// One subphase (one level only: it has no `subphases` field, so nesting is an unknown field).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSubphase {
    pub id: Spanned<String>,
    pub title: RawText,
    pub intro: Option<RawText>,
    pub activities: Spanned<Vec<Spanned<RawActivity>>>,
    pub notes: Option<Vec<RawText>>,
}

/// One activity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawActivity {
    pub id: Spanned<String>,
    pub text: RawText,
    pub roles: Option<Spanned<BTreeMap<String, Spanned<Option<String>>>>>,
    pub note: Option<RawText>,
    pub rules: Option<Spanned<RawRules>>,
}
