//! The matrix as written in YAML: a serde mirror of `matrix-format.md`, field
//! for field, with source locations kept wherever a later rule may need to
//! point at a value. Structural problems (wrong type, unknown or missing
//! field, duplicate key) are caught here by the deserialiser; every other
//! rule lives in [`super::validate`].

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

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
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Whether `key` has an entry.
    pub fn contains_key(&self, key: &str) -> bool {
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
    pub activities: Option<Vec<RawActivity>>,
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
    pub activities: Spanned<Vec<RawActivity>>,
    pub notes: Option<Vec<RawText>>,
}

/// One activity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawActivity {
    pub id: Spanned<String>,
    pub text: RawText,
    pub roles: Option<Spanned<KeyedList<Spanned<Option<String>>>>>,
    pub note: Option<RawText>,
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
