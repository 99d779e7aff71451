//! The words of the amendment annex (`diff --out`): the `amendment` group
//! of `templates/strings/LANG.yaml`, read by [`crate::i18n`] like the
//! `acceptance` group (optional in a templates folder's file, filled in from
//! the built-in words of the language, else English).
//!
//! Every word the amendment's PDF and XLSX print comes from here or from the
//! matrices; a template's placeholders (`{party}`, `{old}`, ...) are filled
//! by [`fill`]. The CSV has no words: its header and `kind` values are the
//! spec's.

use serde::Deserialize;

use super::Kind;

/// The `amendment` group of one language.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each field is the label its name says; the YAML files document them")]
pub struct AmendmentStrings {
    /// The document's name, e.g. "Amendment".
    pub title: String,
    /// The sentence under the title block: `{id}`, `{old}`, `{new}`.
    pub intro: String,
    pub previous_version: String,
    pub new_version: String,
    /// A version and its date: `{version}`, `{date}`.
    pub version_of: String,
    /// The label of a source file's SHA-256: `{version}`, `{file}`.
    pub fingerprint: String,
    pub summary_heading: String,
    pub kind: String,
    pub count: String,
    pub total: String,
    /// Printed instead of the summary and the tables when nothing changed.
    pub no_changes: String,
    /// The sentence explaining the party columns: `{codes}` is the legend
    /// ("R = Responsible, ..."), `{none}` the sign for no role.
    pub codes: String,
    /// The heading of the changes that concern the matrix as a whole.
    pub matrix_heading: String,
    pub subject: String,
    pub change: String,
    pub phase: String,
    pub party: String,
    pub before: String,
    pub after: String,
    pub languages: String,
    /// The one column of the parties' codes when they are too many for a column each.
    pub roles: String,
    /// The heading of a phase NEW no longer has: `{title}`.
    pub removed_phase: String,
    /// The heading of a phase of OLD that NEW has as a subphase: `{title}`, `{version}` (OLD's).
    pub old_phase: String,
    /// What a party column shows for no role.
    pub no_role: String,
    pub summary_sheet: String,
    pub changes_sheet: String,
    /// The sentence above the signature boxes: `{new}` (NEW's version).
    pub acceptance: String,
    /// What a matrix-wide change is about.
    pub subjects: SubjectStrings,
    /// The name of each kind of change, for the summary and the workbook's filter.
    pub kinds: KindStrings,
    /// Each change said in words.
    pub words: WordStrings,
    /// The RACI rules in words.
    pub rules: RuleStrings,
}

/// What a change of the matrix as a whole is about.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each field is the label its name says; the YAML files document them")]
pub struct SubjectStrings {
    pub title: String,
    pub intro: String,
    pub notes: String,
    pub rules: String,
    pub languages: String,
    /// `{party}`: the party's name.
    pub party: String,
    /// `{code}`, `{name}`: a role of the legend.
    pub role: String,
}

/// One name per kind of change (the keys are the spec's kinds with `_`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "one field per kind of change, named after it")]
pub struct KindStrings {
    pub activity_added: String,
    pub activity_removed: String,
    pub activity_moved: String,
    pub roles_changed: String,
    pub rules_changed: String,
    pub text_changed: String,
    pub reordered: String,
    pub phase_added: String,
    pub phase_removed: String,
    pub section_text_changed: String,
    pub party_added: String,
    pub party_removed: String,
    pub party_renamed: String,
    pub matrix_text_changed: String,
    pub legend_changed: String,
    pub matrix_rules_changed: String,
    pub languages_changed: String,
}

impl KindStrings {
    /// The name of `kind`.
    pub fn get(&self, kind: Kind) -> &str {
        match kind {
            Kind::ActivityAdded => &self.activity_added,
            Kind::ActivityRemoved => &self.activity_removed,
            Kind::ActivityMoved => &self.activity_moved,
            Kind::RolesChanged => &self.roles_changed,
            Kind::RulesChanged => &self.rules_changed,
            Kind::TextChanged => &self.text_changed,
            Kind::Reordered => &self.reordered,
            Kind::PhaseAdded => &self.phase_added,
            Kind::PhaseRemoved => &self.phase_removed,
            Kind::SectionTextChanged => &self.section_text_changed,
            Kind::PartyAdded => &self.party_added,
            Kind::PartyRemoved => &self.party_removed,
            Kind::PartyRenamed => &self.party_renamed,
            Kind::MatrixTextChanged => &self.matrix_text_changed,
            Kind::LegendChanged => &self.legend_changed,
            Kind::MatrixRulesChanged => &self.matrix_rules_changed,
            Kind::LanguagesChanged => &self.languages_changed,
        }
    }
}

/// Each change in words. Placeholders: `{place}`, `{from}`, `{to}` (a
/// numbered heading, "2.1 Access"), `{party}` (a name), `{old}`, `{new}`
/// (codes, rules or texts), `{languages}` ("en, fr"), `{code}`, `{name}`,
/// `{text}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each field is the sentence its name says; the YAML files document them")]
pub struct WordStrings {
    pub activity_added: String,
    pub activity_removed: String,
    pub activity_moved: String,
    pub role_changed: String,
    pub role_given: String,
    pub role_taken: String,
    pub rules_changed: String,
    pub text_changed: String,
    pub note_added: String,
    pub note_removed: String,
    pub note_changed: String,
    /// The earlier wording of a text that changed in the document's language: `{text}`.
    pub previous: String,
    /// The new wording of such a text, where the row does not show it: `{text}`.
    pub now: String,
    pub reordered_phase: String,
    pub reordered_subphase: String,
    pub phase_added: String,
    pub subphase_added: String,
    pub phase_removed: String,
    pub subphase_removed: String,
    pub title_changed: String,
    pub intro_changed: String,
    pub notes_changed: String,
    pub party_added: String,
    pub party_removed: String,
    pub party_renamed: String,
    pub role_added: String,
    pub role_removed: String,
    pub role_reworded: String,
    pub matrix_rules_changed: String,
    pub languages_added: String,
    pub languages_removed: String,
}

/// The RACI rules in words (matrix-format.md, "Rules").
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each field is the phrase its name says; the YAML files document them")]
pub struct RuleStrings {
    pub accountable_exactly_one: String,
    pub accountable_at_most_one: String,
    pub accountable_any: String,
    pub responsible_at_least_one: String,
    pub responsible_any: String,
    /// `{code}`.
    pub accountable_role: String,
    /// `{code}`.
    pub responsible_role: String,
    /// An activity without its own rules follows the matrix's.
    pub default: String,
}

impl AmendmentStrings {
    /// The checks a workbook needs of the sheet names (Excel's rules).
    pub(crate) fn check(&self) -> Result<(), String> {
        for (key, name) in [("summary_sheet", &self.summary_sheet), ("changes_sheet", &self.changes_sheet)] {
            if name.is_empty()
                || name.chars().count() > 31
                || name.contains(['[', ']', ':', '*', '?', '/', '\\'])
            {
                return Err(format!("`amendment.{key}` must be 1 to 31 characters without any of []:*?/\\"));
            }
        }
        if self.summary_sheet.to_lowercase() == self.changes_sheet.to_lowercase() {
            return Err("`amendment.summary_sheet` and `amendment.changes_sheet` must differ".into());
        }
        Ok(())
    }
}

/// `template` with each `{key}` replaced by its value, in one pass (a value
/// that contains `{new}` is not filled again).
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let value = after.find('}').and_then(|end| {
            let key = &after[..end];
            values.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v, end))
        });
        match value {
            Some((v, end)) => {
                out.push_str(v);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Templates;
    use crate::model::Lang;

    #[test]
    fn fills_placeholders_once_and_keeps_unknown_ones() {
        assert_eq!(
            fill("Role of {party} from {old} to {new}", &[("party", "X"), ("old", "C"), ("new", "CI")]),
            "Role of X from C to CI"
        );
        assert_eq!(fill("{a}{a} {b}", &[("a", "{b}")]), "{b}{b} {b}");
        assert_eq!(fill("{unclosed", &[]), "{unclosed");
        assert_eq!(fill("é {x} ü", &[("x", "ß")]), "é ß ü");
    }

    // Every shipped language has the whole group, and its sheet names pass Excel's rules.
    #[test]
    fn the_five_languages_have_an_amendment_group() {
        let t = Templates::builtin();
        for tag in ["de", "en", "es", "fr", "it"] {
            let s = t.strings(&Lang::parse(tag).expect("tag"));
            let a = s.amendment.as_ref().unwrap_or_else(|| panic!("{tag}: no amendment group"));
            a.check().unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert!(
                a.words.role_changed.contains("{party}") && a.words.role_changed.contains("{new}"),
                "{tag}"
            );
            assert!(a.intro.contains("{old}") && a.intro.contains("{new}"), "{tag}");
        }
    }
}
