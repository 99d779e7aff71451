//! The comparison itself: two validated matrices in, [`Changes`] out.
//!
//! Everything is matched by id. Sequences (phases, subphases, activities,
//! parties, roles) are walked in NEW's order; an item only OLD has is slotted
//! in right after the nearest item before it in OLD that NEW still has in
//! the same sequence (at the start when there is none), so that it appears
//! where it stood. Texts are compared as the loader normalised them, in the
//! languages both versions declare.

use super::lookup::{ActivityAt, Lookup};
use super::{ActivityField, Change, Changes, LegendChange, PartyCodes, PhaseChanges, Place, Side, TextField};
use crate::model::{Activity, Lang, Localized, Matrix, Phase, Section};

/// Compares OLD with NEW. The same two matrices always give the same
/// changes in the same order; a matrix compared with itself gives none.
pub fn compare(old: &Matrix, new: &Matrix) -> Changes {
    let o = Lookup::new(old);
    let n = Lookup::new(new);
    let mut langs: Vec<Lang> = new.languages.iter().filter(|l| old.has_language(l)).cloned().collect();
    langs.sort();
    let parties = merge(
        new.parties.len(),
        old.parties.len(),
        |j| n.party(&old.parties[j].id).map(|(i, _)| i),
        |_| true,
    )
    .into_iter()
    .map(|s| match s {
        Slot::New(i) => new.parties[i].id.as_str(),
        Slot::Old(j) => old.parties[j].id.as_str(),
    })
    .collect();
    let cx = Cx { old, new, o, n, langs, parties };
    Changes { matrix: cx.matrix_head(), phases: cx.phases(), closing: cx.closing() }
}

/// An item of a merged sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// NEW's item at this index.
    New(usize),
    /// OLD's item at this index, which NEW does not have here.
    Old(usize),
}

/// NEW's `new_len` items in order, with OLD's items for which `listed(j)`
/// holds slotted in where they stood. `at_new(j)` is the NEW index of OLD's
/// item `j` when NEW has it in this sequence; such items anchor the others.
fn merge(
    new_len: usize,
    old_len: usize,
    at_new: impl Fn(usize) -> Option<usize>,
    listed: impl Fn(usize) -> bool,
) -> Vec<Slot> {
    let mut first = Vec::new();
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); new_len];
    let mut anchor = None;
    for j in 0..old_len {
        match at_new(j) {
            Some(i) => anchor = Some(i),
            None if listed(j) => match anchor {
                None => first.push(j),
                Some(i) => after[i].push(j),
            },
            None => {}
        }
    }
    let mut out = Vec::with_capacity(new_len + first.len());
    out.extend(first.into_iter().map(Slot::Old));
    for (i, olds) in after.into_iter().enumerate() {
        out.push(Slot::New(i));
        out.extend(olds.into_iter().map(Slot::Old));
    }
    out
}

/// The role letters of a cell as a set (bit n = the n-th letter of the
/// alphabet): a legend reordered changes the spelling `RA`/`AR`, not the roles.
fn letters(codes: &str) -> u32 {
    codes.bytes().filter(u8::is_ascii_uppercase).fold(0, |m, b| m | 1 << (b - b'A'))
}

/// What one comparison works with.
struct Cx<'m> {
    old: &'m Matrix,
    new: &'m Matrix,
    o: Lookup<'m>,
    n: Lookup<'m>,
    /// The languages both versions declare, sorted: the only ones whose texts are compared.
    langs: Vec<Lang>,
    /// Every party id, NEW's order with OLD-only ones where they stood.
    parties: Vec<&'m str>,
}

impl<'m> Cx<'m> {
    /// The languages where `a` and `b` differ.
    fn differing(&self, a: &Localized, b: &Localized) -> Vec<Lang> {
        self.langs.iter().filter(|l| a.get(l) != b.get(l)).cloned().collect()
    }

    /// As [`Cx::differing`] for an optional text: one present and one absent differ everywhere.
    fn differing_opt(&self, a: Option<&Localized>, b: Option<&Localized>) -> Vec<Lang> {
        match (a, b) {
            (Some(a), Some(b)) => self.differing(a, b),
            (None, None) => Vec::new(),
            _ => self.langs.clone(),
        }
    }

    /// As [`Cx::differing`] for a list of texts (notes), compared language by language.
    fn differing_list(&self, a: &[Localized], b: &[Localized]) -> Vec<Lang> {
        self.langs
            .iter()
            .filter(|l| a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.get(l) != y.get(l)))
            .cloned()
            .collect()
    }

    /// Languages, title, intro, legend, rules and parties, in that order.
    fn matrix_head(&self) -> Vec<Change> {
        let (old, new) = (self.old, self.new);
        let mut out = Vec::new();
        let sorted = |v: Vec<Lang>| {
            let mut v = v;
            v.sort();
            v
        };
        let added = sorted(new.languages.iter().filter(|l| !old.has_language(l)).cloned().collect());
        let removed = sorted(old.languages.iter().filter(|l| !new.has_language(l)).cloned().collect());
        if !added.is_empty() || !removed.is_empty() {
            out.push(Change::LanguagesChanged { added, removed });
        }
        let title = self.differing(&old.title, &new.title);
        if !title.is_empty() {
            out.push(Change::MatrixTextChanged { field: TextField::Title, languages: title });
        }
        let intro = self.differing_opt(old.intro.as_ref(), new.intro.as_ref());
        if !intro.is_empty() {
            out.push(Change::MatrixTextChanged { field: TextField::Intro, languages: intro });
        }

        let legend = merge(
            new.roles.len(),
            old.roles.len(),
            |j| new.roles.iter().position(|r| r.code == old.roles[j].code),
            |_| true,
        );
        for slot in legend {
            let change = match slot {
                Slot::New(i) => {
                    let r = &new.roles[i];
                    match self.o.role(r.code) {
                        None => Some((r.code, LegendChange::Added, self.langs.clone())),
                        Some(or) => {
                            let langs: Vec<Lang> = self
                                .langs
                                .iter()
                                .filter(|l| {
                                    or.name.get(l) != r.name.get(l)
                                        || or.description.get(l) != r.description.get(l)
                                })
                                .cloned()
                                .collect();
                            (!langs.is_empty()).then_some((r.code, LegendChange::Reworded, langs))
                        }
                    }
                }
                Slot::Old(j) => Some((old.roles[j].code, LegendChange::Removed, self.langs.clone())),
            };
            if let Some((code, change, languages)) = change {
                out.push(Change::LegendChanged { code, change, languages });
            }
        }

        if old.rules != new.rules {
            out.push(Change::MatrixRulesChanged { old: old.rules, new: new.rules });
        }

        for &id in &self.parties {
            let party = id.to_owned();
            match (self.o.party(id), self.n.party(id)) {
                (None, _) => out.push(Change::PartyAdded { party }),
                (_, None) => out.push(Change::PartyRemoved { party }),
                (Some((_, op)), Some((_, np))) => {
                    let languages = self.differing(&op.name, &np.name);
                    if !languages.is_empty() {
                        out.push(Change::PartyRenamed { party, languages });
                    }
                }
            }
        }
        out
    }

    /// The matrix's closing notes.
    fn closing(&self) -> Vec<Change> {
        let languages = self.differing_list(&self.old.notes, &self.new.notes);
        if languages.is_empty() {
            Vec::new()
        } else {
            vec![Change::MatrixTextChanged { field: TextField::Notes, languages }]
        }
    }

    /// Phase by phase: NEW's phases, and OLD's phases that are not phases of NEW where they stood.
    fn phases(&self) -> Vec<PhaseChanges> {
        let (old, new) = (self.old, self.new);
        let is_new_phase = |id: &str| self.n.section(id).filter(|s| s.is_phase());
        let slots = merge(
            new.phases.len(),
            old.phases.len(),
            |j| is_new_phase(old.phases[j].id()).map(|s| s.phase_index),
            |j| is_new_phase(old.phases[j].id()).is_none(),
        );
        let mut out = Vec::new();
        for slot in slots {
            let (phase, side, changes) = match slot {
                Slot::New(i) => (&new.phases[i], Side::New, self.new_phase(&new.phases[i])),
                Slot::Old(j) => (&old.phases[j], Side::Old, self.old_phase(&old.phases[j])),
            };
            if !changes.is_empty() {
                out.push(PhaseChanges { phase: phase.id().to_owned(), side, changes });
            }
        }
        out
    }

    /// A phase of NEW: its heading, order, own activities, subphases (with
    /// OLD's removed ones where they stood) and notes.
    fn new_phase(&self, p: &'m Phase) -> Vec<Change> {
        let mut out = Vec::new();
        let place = Place { phase: p.id().to_owned(), subphase: None };
        let old_at = self.o.section(p.id());
        let old_sec = old_at.map(|s| s.section());
        // Only a phase of OLD has subphases to compare with.
        let old_phase = old_at.filter(|s| s.is_phase()).map(|s| s.phase);
        let old_subs: &[Section] = old_phase.map_or(&[], |q| &q.subphases);

        self.section_head(&mut out, &place, &p.section, old_sec);
        if let Some(os) = old_sec {
            let subs_same = match old_phase {
                Some(q) => shared_subphases(&p.subphases, q.id(), &self.o).eq(shared_subphases(
                    old_subs,
                    p.id(),
                    &self.n,
                )),
                None => true,
            };
            if !subs_same || !self.same_order(&p.section, os) {
                out.push(Change::Reordered { section: place.clone() });
            }
        }
        self.activities(&mut out, &p.section, old_sec);

        let slots = merge(
            p.subphases.len(),
            old_subs.len(),
            |j| {
                self.n
                    .section(&old_subs[j].id)
                    .filter(|s| s.phase.id() == p.id())
                    .and_then(|s| s.subphase_index)
            },
            |j| self.n.section(&old_subs[j].id).is_none(),
        );
        for slot in slots {
            match slot {
                Slot::New(i) => {
                    let x = &p.subphases[i];
                    let place = Place { phase: p.id().to_owned(), subphase: Some(x.id.clone()) };
                    let ox = self.o.section(&x.id).map(|s| s.section());
                    self.section_head(&mut out, &place, x, ox);
                    if ox.is_some_and(|ox| !self.same_order(x, ox)) {
                        out.push(Change::Reordered { section: place.clone() });
                    }
                    self.activities(&mut out, x, ox);
                    self.section_notes(&mut out, &place, x, ox);
                }
                Slot::Old(j) => {
                    // Only listed when NEW has no section of that id: a removed subphase of this phase.
                    let x = &old_subs[j];
                    let parent = old_phase.map_or(p.id(), Phase::id);
                    self.removed_section(&mut out, parent, Some(x));
                }
            }
        }
        self.section_notes(&mut out, &place, &p.section, old_sec);
        out
    }

    /// A phase of OLD that is not a phase of NEW: removed (with its
    /// subphases and activities), or now a subphase, in which case only its
    /// subphases NEW lacks are listed here (the rest is where NEW has it).
    fn old_phase(&self, q: &'m Phase) -> Vec<Change> {
        let mut out = Vec::new();
        if self.n.section(q.id()).is_none() {
            self.removed_section(&mut out, q.id(), None);
        }
        for x in q.subphases.iter().filter(|x| self.n.section(&x.id).is_none()) {
            self.removed_section(&mut out, q.id(), Some(x));
        }
        out
    }

    /// `phase-removed` for OLD's phase `phase` (`sub: None`) or its subphase
    /// `sub`, then `activity-removed` for each of its activities NEW lacks.
    fn removed_section(&self, out: &mut Vec<Change>, phase: &str, sub: Option<&'m Section>) {
        let section = match sub {
            Some(s) => s,
            None => match self.o.section(phase) {
                Some(at) => at.section(),
                None => return,
            },
        };
        out.push(Change::PhaseRemoved {
            section: Place { phase: phase.to_owned(), subphase: sub.map(|s| s.id.clone()) },
        });
        for a in section.activities.iter().filter(|a| self.n.activity(&a.id).is_none()) {
            if let Some(at) = self.o.activity(&a.id) {
                out.push(self.removed(at));
            }
        }
    }

    /// `phase-added`, or the changes of its title and intro.
    fn section_head(&self, out: &mut Vec<Change>, place: &Place, new: &Section, old: Option<&Section>) {
        let Some(old) = old else {
            out.push(Change::PhaseAdded { section: place.clone() });
            return;
        };
        let title = self.differing(&old.title, &new.title);
        if !title.is_empty() {
            out.push(Change::SectionTextChanged {
                section: place.clone(),
                field: TextField::Title,
                languages: title,
            });
        }
        let intro = self.differing_opt(old.intro.as_ref(), new.intro.as_ref());
        if !intro.is_empty() {
            out.push(Change::SectionTextChanged {
                section: place.clone(),
                field: TextField::Intro,
                languages: intro,
            });
        }
    }

    /// The change of a section's notes, if any.
    fn section_notes(&self, out: &mut Vec<Change>, place: &Place, new: &Section, old: Option<&Section>) {
        if let Some(old) = old {
            let languages = self.differing_list(&old.notes, &new.notes);
            if !languages.is_empty() {
                out.push(Change::SectionTextChanged {
                    section: place.clone(),
                    field: TextField::Notes,
                    languages,
                });
            }
        }
    }

    /// Whether the activities the two versions of a section share come in the same order.
    fn same_order(&self, new: &Section, old: &Section) -> bool {
        let in_section = |lookup: &Lookup<'m>, id: &str, section: &str| {
            lookup.activity(id).is_some_and(|at| at.section().id == section)
        };
        let shared_new = new.activities.iter().filter(|a| in_section(&self.o, &a.id, &old.id));
        let shared_old = old.activities.iter().filter(|a| in_section(&self.n, &a.id, &new.id));
        shared_new.map(|a| &a.id).eq(shared_old.map(|a| &a.id))
    }

    /// NEW's activities of a section, each with its changes, and OLD's
    /// activities of the section of that id that NEW lacks, where they stood.
    fn activities(&self, out: &mut Vec<Change>, new: &'m Section, old: Option<&'m Section>) {
        let old_acts: &[Activity] = old.map_or(&[], |s| &s.activities);
        let slots = merge(
            new.activities.len(),
            old_acts.len(),
            |j| self.n.activity(&old_acts[j].id).filter(|at| at.section().id == new.id).map(|at| at.index),
            |j| self.n.activity(&old_acts[j].id).is_none(),
        );
        for slot in slots {
            match slot {
                Slot::New(i) => {
                    let a = &new.activities[i];
                    let Some(na) = self.n.activity(&a.id) else { continue };
                    match self.o.activity(&a.id) {
                        None => out.push(Change::ActivityAdded {
                            activity: a.id.clone(),
                            place: na.place(),
                            roles: roles(&self.n, a),
                        }),
                        Some(oa) => self.activity_changes(out, oa, na),
                    }
                }
                Slot::Old(j) => {
                    if let Some(oa) = self.o.activity(&old_acts[j].id) {
                        out.push(self.removed(oa));
                    }
                }
            }
        }
    }

    /// `activity-removed` for an activity of OLD.
    fn removed(&self, at: ActivityAt<'m>) -> Change {
        Change::ActivityRemoved {
            activity: at.activity.id.clone(),
            place: at.place(),
            roles: roles(&self.o, at.activity),
        }
    }

    /// The changes of one activity both versions have: moved, roles per
    /// party, rules, text, note.
    fn activity_changes(&self, out: &mut Vec<Change>, oa: ActivityAt<'m>, na: ActivityAt<'m>) {
        let id = &na.activity.id;
        if !oa.same_place(&na) {
            out.push(Change::ActivityMoved { activity: id.clone(), from: oa.place(), to: na.place() });
        }
        for &party in &self.parties {
            let old = self.o.codes(oa.activity, party);
            let new = self.n.codes(na.activity, party);
            if letters(old) != letters(new) {
                out.push(Change::RolesChanged {
                    activity: id.clone(),
                    party: party.to_owned(),
                    old: old.to_owned(),
                    new: new.to_owned(),
                });
            }
        }
        let (old_rules, new_rules) =
            (oa.activity.rules_override.unwrap_or_default(), na.activity.rules_override.unwrap_or_default());
        if old_rules != new_rules {
            out.push(Change::RulesChanged { activity: id.clone(), old: old_rules, new: new_rules });
        }
        let source = &self.new.source_language;
        let text = self.differing(&oa.activity.text, &na.activity.text);
        if !text.is_empty() {
            out.push(Change::TextChanged {
                activity: id.clone(),
                field: ActivityField::Text,
                source_changed: text.contains(source),
                languages: text,
            });
        }
        let note = self.differing_opt(oa.activity.note.as_ref(), na.activity.note.as_ref());
        if !note.is_empty() {
            out.push(Change::TextChanged {
                activity: id.clone(),
                field: ActivityField::Note,
                source_changed: note.contains(source),
                languages: note,
            });
        }
    }
}

/// The ids of `subs` that the other version (`other`) has as subphases of its phase `phase`, in order.
fn shared_subphases<'a>(
    subs: &'a [Section],
    phase: &'a str,
    other: &'a Lookup<'_>,
) -> impl Iterator<Item = &'a str> {
    subs.iter()
        .filter(move |s| other.section(&s.id).is_some_and(|at| !at.is_phase() && at.phase.id() == phase))
        .map(|s| s.id.as_str())
}

/// An activity's codes, one entry per party of its matrix, in party order.
fn roles(lookup: &Lookup<'_>, a: &Activity) -> Vec<PartyCodes> {
    lookup
        .matrix()
        .parties
        .iter()
        .zip(&a.roles)
        .map(|(p, c)| PartyCodes { party: p.id.clone(), codes: c.as_str().to_owned() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Kind;

    const V1: &str = include_str!("../../tests/fixtures/diff/v1.yaml");

    fn matrix(text: &str) -> Matrix {
        match crate::load::load_bytes(std::path::Path::new("t.yaml"), text.as_bytes().to_vec(), 1) {
            Ok(l) => l.matrix,
            Err(r) => panic!("{}", r.render()),
        }
    }

    fn edit(base: &str, from: &str, to: &str) -> String {
        assert_eq!(base.matches(from).count(), 1, "{from:?}");
        base.replacen(from, to, 1)
    }

    #[test]
    fn a_matrix_against_itself_has_no_changes() {
        let m = matrix(V1);
        let c = compare(&m, &m);
        assert!(c.is_empty() && c.iter().count() == c.len() && c.counts().is_empty(), "{c:?}");
    }

    #[test]
    fn a_reordered_legend_or_party_list_changes_no_role() {
        let base = matrix(V1);
        // I first: every cell is spelt in the new legend order (`IC`, no longer `CI`), the letters are the same.
        let legend = V1.find("  - {code: R,").unwrap();
        let i_line = V1.find("  - {code: I,").unwrap();
        let i_end = i_line + V1[i_line..].find('\n').unwrap() + 1;
        let reordered =
            format!("{}{}{}{}", &V1[..legend], &V1[i_line..i_end], &V1[legend..i_line], &V1[i_end..]);
        let m = matrix(&reordered);
        assert_eq!(m.phases[0].section.activities[0].roles[1].as_str(), "IC");
        assert!(compare(&base, &m).is_empty(), "{:?}", compare(&base, &m));
        let parties = edit(
            V1,
            "  - {id: customer, name: {fr: Client, en: Customer}}\n  - {id: provider, name: {fr: Fournisseur, en: Provider}}\n",
            "  - {id: provider, name: {fr: Fournisseur, en: Provider}}\n  - {id: customer, name: {fr: Client, en: Customer}}\n",
        );
        assert!(compare(&base, &matrix(&parties)).is_empty());
    }

    #[test]
    fn subphases_in_another_order_reorder_their_phase() {
        let two = edit(
            V1,
            "    notes:\n      - {fr: \"Une phase par contrat.\"",
            "      - id: build-exit\n        title: {fr: S, en: E}\n        activities:\n          - {id: B-EX-01, text: {fr: P, en: L}, roles: {customer: RA}}\n    notes:\n      - {fr: \"Une phase par contrat.\"",
        );
        let access = two.find("      - id: build-access\n").unwrap();
        let exit = two.find("      - id: build-exit\n").unwrap();
        let notes = two.find("    notes:\n      - {fr: \"Une phase").unwrap();
        let swapped =
            format!("{}{}{}{}", &two[..access], &two[exit..notes], &two[access..exit], &two[notes..]);
        let c = compare(&matrix(&two), &matrix(&swapped));
        assert_eq!(
            c.iter().cloned().collect::<Vec<_>>(),
            [Change::Reordered { section: Place { phase: "build".into(), subphase: None } }]
        );
    }

    #[test]
    fn a_removed_subphase_of_a_phase_that_became_a_subphase_is_listed_under_the_old_phase() {
        // OLD: build (with build-access), run (with run-support). NEW: run is a subphase of build, and
        // run-support is gone (its activities moved into build-access).
        let old = matrix(V1);
        let run = V1.find("  - id: run\n").unwrap();
        let support: String = V1[V1.find("          - id: R-SUP-01").unwrap()..].to_string();
        let new_text = edit(
            &V1[..run],
            "    notes:\n      - {fr: \"Une phase par contrat.\"",
            "      - id: run\n        title: {fr: \"Exploiter\", en: \"Run\"}\n        activities:\n          - {id: R-00, text: {fr: a, en: b}, roles: {customer: RA}}\n    notes:\n      - {fr: \"Une phase par contrat.\"",
        );
        let new_text = edit(
            &new_text,
            "        notes:\n          - {fr: \"Rotation",
            &format!("{support}        notes:\n          - {{fr: \"Rotation"),
        );
        let c = compare(&old, &matrix(&new_text));
        let last = c.phases.last().expect("a group for OLD's run");
        assert_eq!((last.phase.as_str(), last.side), ("run", Side::Old));
        assert_eq!(
            last.changes,
            [Change::PhaseRemoved {
                section: Place { phase: "run".into(), subphase: Some("run-support".into()) }
            }]
        );
        let kinds: Vec<Kind> = c.iter().map(Change::kind).collect();
        assert_eq!(kinds.iter().filter(|k| **k == Kind::ActivityMoved).count(), 2, "{c:?}");
        assert_eq!(kinds.iter().filter(|k| **k == Kind::ActivityAdded).count(), 1, "{c:?}");
    }

    #[test]
    fn merge_slots_removed_items_after_their_predecessor_in_old() {
        // NEW: b d e; OLD: a b c d f (a, c, f removed; e added).
        let new = ["b", "d", "e"];
        let old = ["a", "b", "c", "d", "f"];
        let slots = merge(new.len(), old.len(), |j| new.iter().position(|x| *x == old[j]), |_| true);
        let names: Vec<&str> = slots
            .iter()
            .map(|s| match s {
                Slot::New(i) => new[*i],
                Slot::Old(j) => old[*j],
            })
            .collect();
        assert_eq!(names, ["a", "b", "c", "d", "f", "e"]);
    }

    #[test]
    fn merge_follows_old_order_for_anchors_and_skips_unlisted_items() {
        // NEW reordered: d b; OLD: b x d y. x anchors on b, y on d; "z" is not listed.
        let new = ["d", "b"];
        let old = ["b", "x", "d", "y", "z"];
        let slots = merge(new.len(), old.len(), |j| new.iter().position(|x| *x == old[j]), |j| old[j] != "z");
        assert_eq!(slots, [Slot::New(0), Slot::Old(3), Slot::New(1), Slot::Old(1)]);
    }

    #[test]
    fn role_cells_compare_as_sets_of_letters() {
        assert_eq!(letters("RA"), letters("AR"));
        assert_ne!(letters("RA"), letters("R"));
        assert_eq!(letters(""), 0);
        assert_eq!(letters("Z"), 1 << 25);
    }
}
