//! The JSON Schema (draft 2020-12) of the matrix format, printed by
//! `raci-annex schema` for editors (the YAML language server completes field
//! names, shows their help on hover, underlines mistakes while people type)
//! and for CI.
//!
//! It is generated with schemars from the loader's own raw structs
//! (`raw.rs`), so the fields, which of them are required, and that no
//! other field is allowed are the loader's by construction. The
//! descriptions are the words of docs/matrix-format.md, kept as the doc
//! comments of those structs. The scalar types below say what JSON Schema
//! can say about one value, from the validator's own definitions: the id,
//! language-tag and role-code patterns, the rule words, `schema: 1`. What it
//! cannot say (one A per activity, translations complete for the declared
//! languages, ids unique, glyphs the fonts have) stays with `validate`.
//!
//! The loader reads any YAML scalar where it expects text (`version: 1.0`
//! is the text `1.0`), so the schema accepts numbers and booleans there too;
//! only strings are checked against a pattern.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings, json_schema};
use serde_json::Value;

use super::raw::RawMatrix;
use super::validate::{
    ACCOUNTABLE_RULES, ACTIVITY_ID_PATTERN, LOWER_ID_PATTERN, MAX_MATRIX_ID, PARTY_ID_PATTERN,
    RESPONSIBLE_RULES,
};

/// A language tag: two or three lowercase ASCII letters ([`crate::model::Lang::parse`]).
pub(super) const LANGUAGE_TAG_PATTERN: &str = "^[a-z]{2,3}$";
/// A legend code, and a role counted by the rules: one uppercase ASCII letter.
pub(super) const ROLE_CODE_PATTERN: &str = "^[A-Z]$";
/// A role cell: letters, commas and white space (which letters: the legend's, checked by `validate`).
pub(super) const ROLE_CELL_PATTERN: &str = "^[A-Za-z,\\s]*$";
/// A date `YYYY-MM-DD` between 1900 and 9999, outer white space allowed (the
/// loader trims it); whether the day exists in that month is left to `validate`.
pub(super) const DATE_PATTERN: &str =
    "^\\s*(19[0-9]{2}|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\\s*$";
/// Text that is not empty or blank.
const NOT_BLANK_PATTERN: &str = "\\S";
/// What the loader reads as text: any YAML scalar.
const TEXT_TYPES: [&str; 3] = ["string", "number", "boolean"];

/// The schema as printed by `raci-annex schema`: pretty JSON, one final newline.
pub fn json() -> String {
    let mut text = serde_json::to_string_pretty(&value()).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema as a JSON value.
pub fn value() -> Value {
    let generator = SchemaGenerator::new(SchemaSettings::draft2020_12().for_deserialize());
    let mut schema = generator.into_root_schema_for::<RawMatrix>().to_value();
    unwrap_descriptions(&mut schema);
    schema
}

/// Joins the lines of every description into one paragraph (doc comments
/// are wrapped at the source width; editors wrap by themselves). A blank
/// line stays a paragraph break.
fn unwrap_descriptions(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::String(s) if k == "description" => {
                        *s = s.split("\n\n").map(|p| p.replace('\n', " ")).collect::<Vec<_>>().join("\n\n");
                    }
                    _ => unwrap_descriptions(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// One scalar type of the schema: a unit struct whose `JsonSchema` is the JSON written here,
/// inlined where a field uses it (the field's doc comment becomes its description).
macro_rules! scalar {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        pub(super) struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

scalar!(
    /// `schema: 1`.
    SchemaVersion,
    json_schema!({ "type": "integer", "const": 1 })
);
scalar!(
    /// Free text, not blank.
    Text,
    json_schema!({ "type": TEXT_TYPES, "pattern": NOT_BLANK_PATTERN })
);
scalar!(
    /// The matrix id.
    MatrixId,
    json_schema!({ "type": TEXT_TYPES, "pattern": LOWER_ID_PATTERN, "maxLength": MAX_MATRIX_ID })
);
scalar!(
    /// A phase or subphase id.
    SectionId,
    json_schema!({ "type": TEXT_TYPES, "pattern": LOWER_ID_PATTERN })
);
scalar!(
    /// A party id.
    PartyId,
    json_schema!({ "type": TEXT_TYPES, "pattern": PARTY_ID_PATTERN })
);
scalar!(
    /// An activity id.
    ActivityId,
    json_schema!({ "type": TEXT_TYPES, "pattern": ACTIVITY_ID_PATTERN })
);
scalar!(
    /// The "as of" date.
    DateText,
    json_schema!({ "type": "string", "pattern": DATE_PATTERN })
);
scalar!(
    /// A language tag.
    LanguageTag,
    json_schema!({ "type": "string", "pattern": LANGUAGE_TAG_PATTERN })
);
scalar!(
    /// A legend code or a role letter counted by the rules.
    RoleCode,
    json_schema!({ "type": "string", "pattern": ROLE_CODE_PATTERN })
);
scalar!(
    /// A word of the `accountable` rule.
    AccountableWord,
    json_schema!({ "type": "string", "enum": ACCOUNTABLE_RULES.map(|(w, _)| w) })
);
scalar!(
    /// A word of the `responsible` rule.
    ResponsibleWord,
    json_schema!({ "type": "string", "enum": RESPONSIBLE_RULES.map(|(w, _)| w) })
);

/// A localized text: language tag -> text, for every language of `languages`.
pub(super) struct LocalizedText;

impl JsonSchema for LocalizedText {
    fn schema_name() -> Cow<'static, str> {
        "LocalizedText".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A text in every language of `languages` and in no other: a mapping from \
                language tag to text, e.g. `{de: \"...\", en: \"...\"}`. No value may be empty or blank.",
            "type": "object",
            "minProperties": 1,
            "propertyNames": { "pattern": LANGUAGE_TAG_PATTERN },
            "additionalProperties": { "type": TEXT_TYPES, "pattern": NOT_BLANK_PATTERN },
        })
    }
}

/// An activity's `roles:`: party id -> role cell.
pub(super) struct RoleRow;

impl JsonSchema for RoleRow {
    fn schema_name() -> Cow<'static, str> {
        "RoleRow".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Which roles each party holds: party id -> role letters. A party that is \
                not listed holds no role.",
            "type": "object",
            "propertyNames": { "pattern": PARTY_ID_PATTERN },
            "additionalProperties": {
                "description": "The role letters the party holds, in any order and either case, \
                    separated by nothing, commas or spaces: `CI`, `IC`, `C, I`, `c i` all mean the \
                    same. Each letter at most once, and only letters of the legend. Empty or null: no role.",
                "type": ["string", "null"],
                "pattern": ROLE_CELL_PATTERN,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde::de::{self, Deserialize, Deserializer, Visitor};
    use serde_json::json;

    use super::super::raw::{RawActivity, RawParty, RawPhase, RawRole, RawRules, RawSubphase};
    use super::super::validate::{is_activity_id, is_lower_id};
    use super::*;
    use crate::diag::{Code, Report, Severity};
    use crate::model::{Date, Lang, Source};

    /// A deserializer that only records the field names a derived struct asks for.
    struct FieldNames<'a>(&'a mut Vec<&'static str>);

    impl<'de> Deserializer<'de> for FieldNames<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("only structs"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.extend(fields);
            Err(de::Error::custom("recorded"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
            unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    /// The fields serde reads for `T`: what the loader accepts, and all it accepts.
    fn serde_fields<T: for<'de> Deserialize<'de>>() -> BTreeSet<&'static str> {
        let mut names = Vec::new();
        let _ = T::deserialize(FieldNames(&mut names));
        names.into_iter().collect()
    }

    /// The properties the schema lists for the object `schema`.
    fn schema_fields(schema: &Value) -> BTreeSet<&str> {
        schema["properties"].as_object().expect("properties").keys().map(String::as_str).collect()
    }

    // Every field serde reads of every raw struct is a property of the schema, and there are no others;
    // every object refuses other properties.
    #[test]
    fn every_field_of_every_raw_struct_is_a_property_and_no_other_is() {
        let schema = value();
        let defs = &schema["$defs"];
        let pairs: [(&Value, BTreeSet<&str>); 7] = [
            (&schema, serde_fields::<RawMatrix>()),
            (&defs[RawRole::schema_name().as_ref()], serde_fields::<RawRole>()),
            (&defs[RawRules::schema_name().as_ref()], serde_fields::<RawRules>()),
            (&defs[RawParty::schema_name().as_ref()], serde_fields::<RawParty>()),
            (&defs[RawPhase::schema_name().as_ref()], serde_fields::<RawPhase>()),
            (&defs[RawSubphase::schema_name().as_ref()], serde_fields::<RawSubphase>()),
            (&defs[RawActivity::schema_name().as_ref()], serde_fields::<RawActivity>()),
        ];
        for (object, fields) in pairs {
            assert!(fields.len() >= 2, "{fields:?}");
            assert_eq!(schema_fields(object), fields, "{object}");
            assert_eq!(object["additionalProperties"], json!(false), "{object}");
        }
        assert!(serde_fields::<RawMatrix>().contains("phases"));
    }

    // Every property of every object has a description for the editor's hover.
    #[test]
    fn every_property_is_described() {
        fn walk(v: &Value, path: &str, missing: &mut Vec<String>) {
            if let Some(props) = v.get("properties").and_then(Value::as_object) {
                for (k, p) in props {
                    let described =
                        p.get("description").and_then(Value::as_str).is_some_and(|d| d.len() > 10);
                    if !described {
                        missing.push(format!("{path}/{k}"));
                    }
                }
            }
            if let Some(map) = v.as_object() {
                for (k, child) in map {
                    walk(child, &format!("{path}/{k}"), missing);
                }
            }
        }
        let mut missing = Vec::new();
        walk(&value(), "#", &mut missing);
        // The properties inside the phase's `anyOf` only restate `activities` and `subphases`.
        missing.retain(|p| !p.contains("/anyOf/"));
        assert!(missing.is_empty(), "no description: {missing:?}");
        assert!(!json().contains("\n   \"description\": \"\""));
    }

    fn pattern(p: &str) -> jsonschema::Validator {
        jsonschema::draft202012::new(&json!({"type": "string", "pattern": p})).expect("a valid pattern")
    }

    /// Every string of up to `n` characters over `alphabet`.
    fn strings(alphabet: &str, n: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..n {
            last = last.iter().flat_map(|s| alphabet.chars().map(move |c| format!("{s}{c}"))).collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    // The id, language-tag and role-code patterns accept exactly what the validator accepts.
    #[test]
    fn patterns_are_the_validators_rules() {
        let (lower, party, activity) =
            (pattern(LOWER_ID_PATTERN), pattern(PARTY_ID_PATTERN), pattern(ACTIVITY_ID_PATTERN));
        let (tag, code) = (pattern(LANGUAGE_TAG_PATTERN), pattern(ROLE_CODE_PATTERN));
        for s in strings("aZ0-_. é\n", 4) {
            let v = json!(s);
            assert_eq!(lower.is_valid(&v), is_lower_id(&s, b"-"), "section id {s:?}");
            assert_eq!(party.is_valid(&v), is_lower_id(&s, b"_-"), "party id {s:?}");
            assert_eq!(activity.is_valid(&v), is_activity_id(&s), "activity id {s:?}");
        }
        for s in strings("azAZ0é-", 4) {
            let v = json!(s);
            assert_eq!(tag.is_valid(&v), Lang::parse(&s).is_some(), "language {s:?}");
            let one_upper = s.len() == 1 && s.as_bytes()[0].is_ascii_uppercase();
            assert_eq!(code.is_valid(&v), one_upper, "role code {s:?}");
        }
    }

    // Every date the loader accepts matches the date pattern; the pattern refuses what is not YYYY-MM-DD.
    #[test]
    fn the_date_pattern_accepts_every_date_the_loader_accepts() {
        let date = pattern(DATE_PATTERN);
        for year in [1899, 1900, 1999, 2000, 2024, 2026, 9999] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let s = format!("{year:04}-{month:02}-{day:02}");
                    if Date::parse_iso(&s).is_some() {
                        assert!(date.is_valid(&json!(s)), "{s}");
                        assert!(date.is_valid(&json!(format!(" {s} "))), "{s} with spaces");
                    }
                }
            }
        }
        for bad in
            ["23.11.2026", "2026-1-01", "1899-12-31", "2026-13-01", "2026-00-10", "2026-01-32", "20261-01-01"]
        {
            assert!(!date.is_valid(&json!(bad)), "{bad}");
            assert!(Date::parse_iso(bad.trim()).is_none(), "{bad}");
        }
    }

    // The rule enumerations are the validator's words.
    #[test]
    fn rule_values_are_the_validators_words() {
        let rules = &value()["$defs"]["Rules"]["properties"];
        let words = |v: &Value| -> Vec<String> {
            v["enum"].as_array().unwrap().iter().filter_map(|w| w.as_str().map(str::to_owned)).collect()
        };
        assert_eq!(words(&rules["accountable"]), ["exactly-one", "at-most-one", "any"]);
        assert_eq!(words(&rules["responsible"]), ["at-least-one", "any"]);
    }

    /// The codes of the errors the loader reports for `text`.
    fn loader_codes(text: &str) -> Vec<Code> {
        let raw = match super::super::parse::<RawMatrix>(text) {
            Ok(r) => r,
            Err(d) => return vec![d.code],
        };
        let mut report = Report::new(std::path::Path::new("t.json"));
        let source = Source { path: "t.json".into(), file_name: "t.json".into(), ..Source::default() };
        let _ = super::super::validate::validate(raw, source, &mut report);
        report.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.code).collect()
    }

    /// The codes whose every instance the schema refuses.
    const EXPRESSED: &[Code] = &[
        Code::WrongType,
        Code::UnknownField,
        Code::MissingField,
        Code::Schema,
        Code::BadId,
        Code::EmptyText,
        Code::BadLanguage,
        Code::DuplicateLanguage,
        Code::BadRoleCode,
        Code::NoRoles,
        Code::PartyCount,
        Code::NoPhases,
        Code::EmptySection,
    ];

    /// The codes of which the schema refuses some instances: a text or role-row key that is not a
    /// language tag or party id, a role cell with a character that is not a letter, a date not
    /// written YYYY-MM-DD, a rule word outside its set. The rest (one A per activity, the
    /// declared languages, unique ids, glyphs) it cannot say.
    const PARTLY_EXPRESSED: &[Code] =
        &[Code::UnlistedLanguage, Code::UnknownParty, Code::UnknownRole, Code::BadDate, Code::BadRule];

    /// Every mutant of `v`: each key of each object removed, an unknown key
    /// added to each object, each value replaced by one of another kind, each
    /// list emptied.
    fn mutants(v: &Value, out: &mut Vec<(String, Value)>, path: &str) {
        let wrong_kind = |v: &Value| match v {
            Value::Object(_) | Value::Array(_) => json!("text"),
            _ => json!([]),
        };
        match v {
            Value::Object(map) => {
                let mut extra = map.clone();
                extra.insert("unknown_field".into(), json!(1));
                out.push((format!("{path}: + unknown_field"), Value::Object(extra)));
                for (k, child) in map {
                    let mut less = map.clone();
                    less.remove(k);
                    out.push((format!("{path}: - {k}"), Value::Object(less)));
                    let mut other = map.clone();
                    other.insert(k.clone(), wrong_kind(child));
                    out.push((format!("{path}/{k} = {}", wrong_kind(child)), Value::Object(other)));
                    let mut inner = Vec::new();
                    mutants(child, &mut inner, &format!("{path}/{k}"));
                    for (what, m) in inner {
                        let mut with = map.clone();
                        with.insert(k.clone(), m);
                        out.push((what, Value::Object(with)));
                    }
                }
            }
            Value::Array(items) => {
                if !items.is_empty() {
                    out.push((format!("{path} = []"), json!([])));
                }
                for (i, child) in items.iter().enumerate() {
                    let mut inner = Vec::new();
                    mutants(child, &mut inner, &format!("{path}/{i}"));
                    for (what, m) in inner {
                        let mut with = items.clone();
                        with[i] = m;
                        out.push((what, Value::Array(with)));
                    }
                }
            }
            _ => {}
        }
    }

    // On every structural mutant of the fixture that uses every optional field, the schema refuses the file
    // exactly when the loader reports an error of a kind the schema expresses.
    #[test]
    fn schema_and_loader_agree_on_every_structural_mutant() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/valid/full.yaml"))
                .expect("fixture");
        let doc: Value = serde_saphyr::from_str(&text).expect("YAML");
        let validator = jsonschema::draft202012::new(&value()).expect("schema");
        assert!(validator.is_valid(&doc));
        assert_eq!(loader_codes(&serde_json::to_string(&doc).unwrap()), []);
        let mut all = Vec::new();
        mutants(&doc, &mut all, "");
        assert!(all.len() > 300, "{}", all.len());
        let mut problems = Vec::new();
        for (what, m) in &all {
            let codes = loader_codes(&serde_json::to_string(m).unwrap());
            let valid = validator.is_valid(m);
            let expressed = codes.iter().any(|c| EXPRESSED.contains(c));
            let partly = codes.iter().any(|c| PARTLY_EXPRESSED.contains(c));
            // Refused by the schema exactly when the loader refuses it for a reason the schema
            // expresses; either way when the reason is one the schema expresses in part.
            if expressed == valid && (expressed || !partly) {
                problems.push(format!("{what}: schema valid {valid}, loader {codes:?}"));
            }
        }
        assert!(
            problems.is_empty(),
            "{} of {} mutants disagree:\n{}",
            problems.len(),
            all.len(),
            problems.join("\n")
        );
    }
}
