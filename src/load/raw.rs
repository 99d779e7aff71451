//! The matrix as written in YAML: a serde mirror of `matrix-format.md`, field
//! for field, with source locations kept wherever a later rule may need to
//! point at a value. Structural problems (wrong type, unknown or missing
//! field, duplicate key) are caught here by the deserialiser; every other
//! rule lives in [`super::validate`]. The same structs generate the JSON
//! Schema of the format ([`super::schema`]).

use std::fmt;

use schemars::JsonSchema;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use super::schema;

/// A localized text as written: language tag -> text. A language given with no
/// value (`fr:`) is `None`, reported as an empty text rather than a YAML error.
pub(crate) type RawText = Spanned<KeyedList<Spanned<Option<String>>>>;

/// The entries of a small YAML mapping, sorted by key: what a `BTreeMap` gives
/// (same order, same "a map" type error, a repeated key keeps the last value;
/// serde-saphyr refuses repeated keys before that anyway), without allocating
/// a B-tree node for the two to four entries of a text or of a role row.
#[derive(Debug)]
pub(crate) struct KeyedList<V>(Vec<(String, V)>);

impl<V> KeyedList<V> {
    /// The entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Whether `key` has an entry.
    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for KeyedList<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyedListVisitor<V>(std::marker::PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for KeyedListVisitor<V> {
            type Value = KeyedList<V>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a map") // as serde's BTreeMap says
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, V)> = Vec::with_capacity(4);
                while let Some(entry) = map.next_entry::<String, V>()? {
                    entries.push(entry);
                }
                // Stable, then the last of equal keys kept: n log n, whatever
                // a hostile file puts in one mapping.
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                entries.dedup_by(|later, kept| {
                    let same = later.0 == kept.0;
                    if same {
                        std::mem::swap(later, kept);
                    }
                    same
                });
                Ok(KeyedList(entries))
            }
        }

        deserializer.deserialize_map(KeyedListVisitor(std::marker::PhantomData))
    }
}

// The doc comments of the structs and fields below are also the
// descriptions of the JSON Schema (`super::schema`, `raci-annex schema`),
// shown by editors on hover: they are written for the people who edit
// matrices, in the words of docs/matrix-format.md. The `schemars(with)`
// types say what the schema checks of each value.

/// One RACI responsibility matrix (schema 1): who does what (the parties and
/// activities), what the role letters mean (the legend), and every text in
/// every language. Reference: docs/matrix-format.md of raci-annex.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Matrix", title = "raci-annex matrix (schema 1)")]
pub(crate) struct RawMatrix {
    /// The format version. Only `1` is accepted.
    #[schemars(with = "schema::SchemaVersion")]
    pub schema: Spanned<i64>,
    /// Names the output files (`ID-LANG.pdf`, ...) and fills the `matrix_id` CSV column. Lowercase
    /// letters, digits and hyphens, not starting with a hyphen (`[a-z0-9][a-z0-9-]*`), at most 64
    /// characters. When several matrices are generated together, each needs its own id.
    #[schemars(with = "schema::MatrixId")]
    pub id: Spanned<String>,
    /// Free text, e.g. `"1.0"` or `"2026-Q4 draft"`, printed on every output and in the
    /// `matrix_version` CSV column. It must not be blank. Write it in quotes so that YAML keeps it
    /// as text.
    #[schemars(with = "schema::Text")]
    pub version: Spanned<String>,
    /// The "as of" date printed on every output, as `YYYY-MM-DD`: a real calendar date between
    /// 1900 and 9999. It is the only date that goes into the outputs, which is why they are
    /// reproducible.
    #[schemars(with = "schema::DateText")]
    pub date: Spanned<String>,
    /// The language the texts were first written in. It must be one of `languages`.
    #[schemars(with = "schema::LanguageTag")]
    pub source_language: Spanned<String>,
    /// Every language the matrix is translated into (BCP 47 primary tags: two or three lowercase
    /// letters, such as `de`, `en`, `fr`). At least one, none twice. Every text of the file must
    /// be given in each of them, and in no other.
    #[schemars(with = "Vec<schema::LanguageTag>", length(min = 1), extend("uniqueItems" = true))]
    pub languages: Spanned<Vec<Spanned<String>>>,
    /// The document title.
    #[schemars(with = "schema::LocalizedText")]
    pub title: RawText,
    /// A text printed before the legend. A blank line inside it separates paragraphs (write it
    /// as a literal block, `|`).
    #[schemars(with = "Option<schema::LocalizedText>")]
    pub intro: Option<RawText>,
    /// Closing remarks, printed after the last phase.
    #[schemars(with = "Option<Vec<schema::LocalizedText>>")]
    pub notes: Option<Vec<RawText>>,
    /// The legend, in print order. At least one role; the usual legend is R, A, C, I.
    #[schemars(with = "Vec<RawRole>", length(min = 1))]
    pub roles: Spanned<Vec<RawRole>>,
    /// The RACI rules every activity must obey. Without it the defaults apply (exactly one party
    /// holds `A`, at least one holds `R`).
    #[schemars(with = "Option<RawRules>")]
    pub rules: Option<Spanned<RawRules>>,
    /// The parties of the contract, one column each, in this order. 1 to 8.
    #[schemars(with = "Vec<RawParty>", length(min = 1, max = 8))]
    pub parties: Spanned<Vec<RawParty>>,
    /// The sections of the matrix, in print order. At least one.
    #[schemars(with = "Vec<RawPhase>", length(min = 1))]
    pub phases: Spanned<Vec<RawPhase>>,
}

/// One legend entry: a role letter, its name and what holding it means.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Role")]
pub(crate) struct RawRole {
    /// One uppercase ASCII letter (`A` to `Z`), unique in the legend. Role cells use these
    /// letters.
    #[schemars(with = "schema::RoleCode")]
    pub code: Spanned<String>,
    /// The role's name, e.g. "Responsible". Printed in bold.
    #[schemars(with = "schema::LocalizedText")]
    pub name: RawText,
    /// What holding the role means.
    #[schemars(with = "schema::LocalizedText")]
    pub description: RawText,
}

/// The RACI rules: how many parties may or must hold the accountable and the responsible role
/// in each activity. Each key is optional; a key left out keeps its default (at the top level)
/// or the matrix rule (in an activity).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Rules")]
pub(crate) struct RawRules {
    /// How many parties hold the accountable letter: `exactly-one` (the default), `at-most-one`
    /// (no party or one) or `any` (no constraint).
    #[schemars(with = "Option<schema::AccountableWord>")]
    pub accountable: Option<Spanned<String>>,
    /// How many parties hold the responsible letter: `at-least-one` (the default) or `any` (no
    /// constraint).
    #[schemars(with = "Option<schema::ResponsibleWord>")]
    pub responsible: Option<Spanned<String>>,
    /// Which legend letter counts as accountable (default `A`).
    #[schemars(with = "Option<schema::RoleCode>")]
    pub accountable_role: Option<Spanned<String>>,
    /// Which legend letter counts as responsible (default `R`).
    #[schemars(with = "Option<schema::RoleCode>")]
    pub responsible_role: Option<Spanned<String>>,
}

/// One party of the contract: a column of the matrix.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Party")]
pub(crate) struct RawParty {
    /// Lowercase letters, digits, `_` and `-`, starting with a letter or digit
    /// (`[a-z0-9][a-z0-9_-]*`), unique. Used as the key in activities' `roles:` and as the CSV
    /// column header, so it is never translated.
    #[schemars(with = "schema::PartyId")]
    pub id: Spanned<String>,
    /// The column title in the PDF and XLSX. Printed in bold.
    #[schemars(with = "schema::LocalizedText")]
    pub name: RawText,
}

/// One phase: a numbered section of the matrix. It must contain at least one activity, its own
/// or in one of its subphases.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "Phase",
    extend("anyOf" = [
        {"required": ["activities"], "properties": {"activities": {"type": "array", "minItems": 1}}},
        {"required": ["subphases"], "properties": {"subphases": {"type": "array", "minItems": 1}}}
    ])
)]
pub(crate) struct RawPhase {
    /// Lowercase letters, digits and hyphens (`[a-z0-9][a-z0-9-]*`), unique among all phases and
    /// subphases together.
    #[schemars(with = "schema::SectionId")]
    pub id: Spanned<String>,
    /// The section heading. Printed in bold.
    #[schemars(with = "schema::LocalizedText")]
    pub title: RawText,
    /// A paragraph printed under the heading.
    #[schemars(with = "Option<schema::LocalizedText>")]
    pub intro: Option<RawText>,
    /// The phase's own activities, printed before any subphase.
    #[schemars(with = "Option<Vec<RawActivity>>")]
    pub activities: Option<Vec<RawActivity>>,
    /// Subsections, printed after the phase's own activities, in order. One level only.
    #[schemars(with = "Option<Vec<RawSubphase>>")]
    pub subphases: Option<Vec<RawSubphase>>,
    /// Footnotes printed under the phase's table.
    #[schemars(with = "Option<Vec<schema::LocalizedText>>")]
    pub notes: Option<Vec<RawText>>,
}

/// One subphase: a numbered subsection of a phase. It has no subphases of its own.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Subphase")]
pub(crate) struct RawSubphase {
    /// Lowercase letters, digits and hyphens (`[a-z0-9][a-z0-9-]*`), unique among all phases and
    /// subphases together.
    #[schemars(with = "schema::SectionId")]
    pub id: Spanned<String>,
    /// The subsection heading. Printed in bold.
    #[schemars(with = "schema::LocalizedText")]
    pub title: RawText,
    /// A paragraph under the heading.
    #[schemars(with = "Option<schema::LocalizedText>")]
    pub intro: Option<RawText>,
    /// The subphase's activities. At least one.
    #[schemars(with = "Vec<RawActivity>", length(min = 1))]
    pub activities: Spanned<Vec<RawActivity>>,
    /// Footnotes printed under the subphase.
    #[schemars(with = "Option<Vec<schema::LocalizedText>>")]
    pub notes: Option<Vec<RawText>>,
}

/// One activity: a row of the matrix, saying which party holds which role.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Activity")]
pub(crate) struct RawActivity {
    /// Letters of either case, digits, `.`, `_` and `-`, starting with a letter or digit
    /// (`[A-Za-z0-9][A-Za-z0-9._-]*`), unique in the file. GRC tools key on it: keep it when the
    /// wording changes, and never give a published id to a different activity.
    #[schemars(with = "schema::ActivityId")]
    pub id: Spanned<String>,
    /// What is done.
    #[schemars(with = "schema::LocalizedText")]
    pub text: RawText,
    /// Which roles each party holds: party id -> role letters, e.g. `{customer: RA, provider:
    /// "C, I"}`. A party that is not listed holds no role.
    #[schemars(with = "Option<schema::RoleRow>")]
    pub roles: Option<Spanned<KeyedList<Spanned<Option<String>>>>>,
    /// A remark printed with the activity and in the CSV `note` column.
    #[schemars(with = "Option<schema::LocalizedText>")]
    pub note: Option<RawText>,
    /// Overrides the matrix rules for this activity only, e.g. `{accountable: any}` where the
    /// contract deliberately differs. `validate` reports every override as a warning.
    #[schemars(with = "Option<RawRules>")]
    pub rules: Option<Spanned<RawRules>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_list_sorts_and_keeps_the_last_of_equal_keys() {
        use serde::de::value::{Error, MapDeserializer};
        let entries = [("fr", "a"), ("de", "b"), ("fr", "c"), ("en", "d")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()));
        let list =
            KeyedList::<String>::deserialize(MapDeserializer::<_, Error>::new(entries)).expect("a map");
        let got: Vec<(&str, &str)> = list.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, [("de", "b"), ("en", "d"), ("fr", "c")]);
        assert!(list.contains_key("en") && !list.contains_key("it"));
    }
}
