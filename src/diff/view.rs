//! The amendment annex resolved for one language: what the PDF, the XLSX
//! and the CSV of `diff --out` read (diff.md, "The amendment annex").
//!
//! An [`Amendment`] is built once per language from the [`Changes`] and the
//! two matrices. It holds the header facts (title, both versions with their
//! dates and SHA-256s, the count per kind), the parties as columns (NEW's
//! order, a party only OLD has where it stood), then the changes in reading
//! order: those of the matrix as a whole, then phase by phase in NEW's order
//! with the phases NEW no longer has last. Within a phase, the consecutive
//! changes of one activity (or one section) form one [`Entry`]: a row of the
//! PDF with the activity's codes per party before and after. Each change is
//! a [`Line`]: said in words in the language ("Role of Provider changed from
//! C to CI", names and numbered headings from the matrices, never a bare id
//! where a name exists), and with the values of its CSV row.
//!
//! A back-end never looks into [`Changes`] or a matrix itself, never picks a
//! language and never words a change.

use super::{
    ActivityField, AmendmentStrings, Change, Changes, Kind, LegendChange, Lookup, PartyCodes, Place, Side,
    TextField, fill,
};
use crate::i18n::Strings;
use crate::model::{
    AccountableRule, Date, Lang, Localized, Matrix, ResponsibleRule, Rules, RulesOverride, Source,
};

/// The changes between two versions in one language, in reading order.
#[derive(Debug)]
pub struct Amendment<'a> {
    /// The language of every text below.
    pub lang: &'a Lang,
    /// The matrix id.
    pub id: &'a str,
    /// NEW's title.
    pub title: &'a str,
    /// OLD: version, date, source file.
    pub old: Version<'a>,
    /// NEW: version, date, source file.
    pub new: Version<'a>,
    /// The count per kind that occurs, in the spec's order of kinds.
    pub counts: Vec<Count>,
    /// The number of changes.
    pub total: usize,
    /// Every party of either version, one column each: NEW's order, a party
    /// only OLD has where it stood.
    pub parties: Vec<PartyColumn<'a>>,
    /// NEW's parties, in order: who signs.
    pub signers: Vec<PartyColumn<'a>>,
    /// The sentence that explains the role codes and the party columns.
    pub codes: String,
    /// The changes of the matrix as a whole (languages, title, intro,
    /// legend, rules, parties, closing notes).
    pub matrix: Vec<Entry<'a>>,
    /// The phases with changes: NEW's in NEW's order, then those only OLD has.
    pub phases: Vec<Group<'a>>,
}

/// One side of the comparison.
#[derive(Debug)]
pub struct Version<'a> {
    /// `version` as written.
    pub version: &'a str,
    /// The "as of" date.
    pub date: Date,
    /// The version and its date in words, e.g. "1.0 of 23 November 2026".
    pub label: String,
    /// The file it was read from, with its SHA-256 and bytes.
    pub source: &'a Source,
}

/// How many changes of one kind.
#[derive(Debug)]
pub struct Count {
    /// The kind.
    pub kind: Kind,
    /// Its name in the language.
    pub label: String,
    /// How many.
    pub n: usize,
}

/// A party: a column of the phase tables.
#[derive(Debug, Clone, Copy)]
pub struct PartyColumn<'a> {
    /// Stable id.
    pub id: &'a str,
    /// The name in the language (NEW's; OLD's for a party NEW no longer has).
    pub name: &'a str,
}

/// The changes within one phase.
#[derive(Debug)]
pub struct Group<'a> {
    /// The phase id.
    pub id: &'a str,
    /// The heading: NEW's number and title ("2 Build"), or OLD's title marked
    /// as no longer a phase.
    pub heading: String,
    /// Whether the phase is one only OLD has (printed after NEW's phases).
    pub old_only: bool,
    /// The rows: one per activity or section with changes.
    pub entries: Vec<Entry<'a>>,
}

/// What one row of the amendment is about: an activity, a section or an
/// aspect of the matrix, with its changes.
#[derive(Debug)]
pub struct Entry<'a> {
    /// The activity id; empty for a section or the matrix.
    pub id: &'a str,
    /// The activity's text (NEW's, OLD's for a removed one), a section's
    /// numbered heading ("2.1 Access"), or the subject of a matrix-wide change.
    pub text: String,
    /// For an activity in a subphase: the subphase's numbered heading.
    pub place: Option<String>,
    /// Its changes, in order.
    pub changes: Vec<Line<'a>>,
    /// For an activity: its codes per party of [`Amendment::parties`],
    /// before and after; empty otherwise.
    pub codes: Vec<Codes<'a>>,
}

/// A party's codes in one activity, in OLD and in NEW (`""` for none, or
/// where that version lacks the activity or the party).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codes<'a> {
    /// OLD's codes.
    pub before: &'a str,
    /// NEW's codes.
    pub after: &'a str,
}

impl Codes<'_> {
    /// Whether the codes differ (as sets of letters, as `diff` compares them).
    pub fn changed(&self) -> bool {
        let set = |s: &str| s.bytes().fold(0u32, |m, b| m | 1 << (b & 31));
        set(self.before) != set(self.after)
    }
}

/// One change: in words, and as its CSV row.
#[derive(Debug)]
pub struct Line<'a> {
    /// The kind.
    pub kind: Kind,
    /// The change in words, e.g. "Role of Provider changed from C to CI".
    pub words: String,
    /// The earlier and later wording of a text changed in this language
    /// ("Previously: “…”"), printed under the words.
    pub details: Vec<String>,
    /// The phase id (NEW's place; OLD's for something removed); empty for the matrix.
    pub phase_id: &'a str,
    /// The subphase id, if any.
    pub subphase_id: &'a str,
    /// The activity id, if any.
    pub activity_id: &'a str,
    /// The activity's text in the language, if any.
    pub activity: &'a str,
    /// The party id, if any.
    pub party: &'a str,
    /// OLD's value, as the CSV gives it (codes, a text in this language, ids).
    pub old: String,
    /// NEW's value, as the CSV gives it.
    pub new: String,
    /// OLD's value for people (headings and names instead of ids, rules in words).
    pub before: String,
    /// NEW's value for people.
    pub after: String,
    /// The languages the change concerns, sorted, separated by spaces.
    pub languages: String,
}

impl<'a> Amendment<'a> {
    /// Resolves `changes` between `old` and `new` for `lang`, a language
    /// both declare, with the words of `strings`.
    pub fn new(
        changes: &'a Changes,
        old: &'a Matrix,
        new: &'a Matrix,
        lang: &'a Lang,
        strings: &Strings,
    ) -> Self {
        Self::with(changes, &Lookup::new(old), &Lookup::new(new), lang, strings)
    }

    /// Like [`Amendment::new`], with the two versions already indexed (one
    /// index serves every language of a run).
    pub fn with(
        changes: &'a Changes,
        old: &Lookup<'a>,
        new: &Lookup<'a>,
        lang: &'a Lang,
        strings: &Strings,
    ) -> Self {
        let cx = Cx { o: old, n: new, lang, w: strings.amendment() };
        let (old, new) = (old.matrix(), new.matrix());
        let version = |m: &'a Matrix| Version {
            version: &m.version,
            date: m.date,
            label: fill(&cx.w.version_of, &[("version", &m.version), ("date", &strings.date(&m.date))]),
            source: &m.source,
        };
        let parties = cx.parties();
        let matrix = changes.matrix.iter().chain(&changes.closing).map(|c| cx.matrix_entry(c)).collect();
        let mut phases: Vec<Group<'a>> = Vec::with_capacity(changes.phases.len());
        let (news, olds): (Vec<_>, Vec<_>) = changes.phases.iter().partition(|p| p.side == Side::New);
        for p in news.into_iter().chain(olds) {
            phases.push(cx.group(p.phase.as_str(), p.side, &p.changes, &parties));
        }
        let counts = changes
            .counts()
            .into_iter()
            .map(|(kind, n)| Count { kind, label: cx.w.kinds.get(kind).to_string(), n })
            .collect();
        Amendment {
            lang,
            id: &new.id,
            title: new.title.get(lang),
            old: version(old),
            new: version(new),
            counts,
            total: changes.len(),
            signers: new.parties.iter().map(|p| PartyColumn { id: &p.id, name: p.name.get(lang) }).collect(),
            codes: cx.codes(),
            parties,
            matrix,
            phases,
        }
    }

    /// `ID-changes-LANG`, the stem of every file name of this amendment.
    pub fn stem(&self) -> String {
        format!("{}-changes-{}", self.id, self.lang)
    }

    /// Every change in reading order: the matrix's, then phase by phase.
    pub fn lines(&self) -> impl Iterator<Item = &Line<'a>> {
        self.matrix.iter().chain(self.phases.iter().flat_map(|g| &g.entries)).flat_map(|e| &e.changes)
    }
}

/// What building one amendment works with.
struct Cx<'a, 's> {
    o: &'s Lookup<'a>,
    n: &'s Lookup<'a>,
    lang: &'a Lang,
    w: &'s AmendmentStrings,
}

/// What consecutive changes are about: they share an [`Entry`] when it is the same.
#[derive(PartialEq, Eq)]
enum Subject<'c> {
    Activity(&'c str),
    Section(&'c Place),
}

fn subject(c: &Change) -> Subject<'_> {
    match c {
        Change::Reordered { section }
        | Change::PhaseAdded { section }
        | Change::PhaseRemoved { section }
        | Change::SectionTextChanged { section, .. } => Subject::Section(section),
        other => Subject::Activity(other.activity().unwrap_or_default()),
    }
}

fn tags(langs: &[Lang]) -> (String, String) {
    let v: Vec<&str> = langs.iter().map(Lang::as_str).collect();
    (v.join(", "), v.join(" "))
}

impl<'a> Cx<'a, '_> {
    fn text(&self, t: &'a Localized) -> &'a str {
        t.get(self.lang)
    }

    /// Every party of either version: NEW's order, OLD's others where they stood.
    fn parties(&self) -> Vec<PartyColumn<'a>> {
        let (old, new) = (self.o.matrix(), self.n.matrix());
        let col = |p: &'a crate::model::Party| PartyColumn { id: &p.id, name: p.name.get(self.lang) };
        let mut out: Vec<PartyColumn<'a>> = Vec::new();
        let mut pending: Vec<PartyColumn<'a>> = Vec::new();
        // OLD-only parties are slotted after the nearest earlier party NEW still has.
        let mut after: Vec<Vec<PartyColumn<'a>>> = vec![Vec::new(); new.parties.len()];
        let mut anchor: Option<usize> = None;
        for p in &old.parties {
            match self.n.party(&p.id) {
                Some((i, _)) => anchor = Some(i),
                None => match anchor {
                    Some(i) => after[i].push(col(p)),
                    None => pending.push(col(p)),
                },
            }
        }
        out.append(&mut pending);
        for (p, olds) in new.parties.iter().zip(after) {
            out.push(col(p));
            out.extend(olds);
        }
        out
    }

    /// "R = Responsible, A = Accountable, ...": NEW's legend, then OLD's other roles.
    fn codes(&self) -> String {
        let (old, new) = (self.o.matrix(), self.n.matrix());
        let roles = new.roles.iter().chain(old.roles.iter().filter(|r| self.n.role(r.code).is_none()));
        let list: Vec<String> = roles.map(|r| format!("{} = {}", r.code, self.text(&r.name))).collect();
        fill(&self.w.codes, &[("codes", &list.join(", ")), ("none", &self.w.no_role)])
    }

    /// A party's name: NEW's, else OLD's, else its id.
    fn party_name(&self, id: &'a str) -> &'a str {
        self.n.party(id).or_else(|| self.o.party(id)).map_or(id, |(_, p)| p.name.get(self.lang))
    }

    /// A phase's or subphase's numbered heading in `side`'s numbering: "2.1 Access".
    fn heading(&self, side: &Lookup<'a>, place: &Place) -> String {
        let id = place.subphase.as_deref().unwrap_or(&place.phase);
        match side.section(id) {
            Some(at) => {
                let n = at.phase_index + 1;
                let number = at.subphase_index.map_or(n.to_string(), |j| format!("{n}.{}", j + 1));
                format!("{number} {}", self.text(&at.section().title))
            }
            None => id.to_string(),
        }
    }

    fn group(
        &self,
        phase: &'a str,
        side: Side,
        changes: &'a [Change],
        parties: &[PartyColumn<'a>],
    ) -> Group<'a> {
        let heading = match side {
            Side::New => self.heading(self.n, &Place { phase: phase.to_string(), subphase: None }),
            Side::Old => {
                let title = self.o.section(phase).map_or(phase, |at| self.text(&at.section().title));
                if self.n.section(phase).is_some() {
                    fill(&self.w.old_phase, &[("title", title), ("version", &self.o.matrix().version)])
                } else {
                    fill(&self.w.removed_phase, &[("title", title)])
                }
            }
        };
        let mut entries: Vec<Entry<'a>> = Vec::new();
        let mut last: Option<Subject<'a>> = None;
        for c in changes {
            let line = self.line(c);
            let key = subject(c);
            if last.as_ref() == Some(&key)
                && let Some(e) = entries.last_mut()
            {
                e.changes.push(line);
                continue;
            }
            entries.push(self.entry(c, line, parties));
            last = Some(key);
        }
        Group { id: phase, heading, old_only: side == Side::Old, entries }
    }

    /// A new row for `c` (the first change of its activity or section).
    fn entry(&self, c: &'a Change, line: Line<'a>, parties: &[PartyColumn<'a>]) -> Entry<'a> {
        if let Some(id) = c.activity() {
            let (na, oa) = (self.n.activity(id), self.o.activity(id));
            let at = na.or(oa);
            let codes = parties
                .iter()
                .map(|p| Codes {
                    before: oa.map_or("", |a| self.o.codes(a.activity, p.id)),
                    after: na.map_or("", |a| self.n.codes(a.activity, p.id)),
                })
                .collect();
            let (side, place) = match (na, oa) {
                (Some(a), _) => (self.n, a.place()),
                (None, Some(a)) => (self.o, a.place()),
                (None, None) => (self.n, Place { phase: String::new(), subphase: None }),
            };
            return Entry {
                id: at.map_or("", |a| a.activity.id.as_str()),
                text: at.map_or(String::new(), |a| self.text(&a.activity.text).to_string()),
                place: place.subphase.is_some().then(|| self.heading(side, &place)),
                changes: vec![line],
                codes,
            };
        }
        let text = match c {
            Change::PhaseRemoved { section } => self.heading(self.o, section),
            Change::Reordered { section }
            | Change::PhaseAdded { section }
            | Change::SectionTextChanged { section, .. } => self.heading(self.n, section),
            _ => String::new(),
        };
        Entry { id: "", text, place: None, changes: vec![line], codes: Vec::new() }
    }

    /// A row of the matrix-wide table: its subject and its one change.
    fn matrix_entry(&self, c: &'a Change) -> Entry<'a> {
        let sub = &self.w.subjects;
        let text = match c {
            Change::MatrixTextChanged { field, .. } => match field {
                TextField::Title => sub.title.clone(),
                TextField::Intro => sub.intro.clone(),
                TextField::Notes => sub.notes.clone(),
            },
            Change::PartyAdded { party }
            | Change::PartyRemoved { party }
            | Change::PartyRenamed { party, .. } => fill(&sub.party, &[("party", self.party_name(party))]),
            Change::LegendChanged { code, .. } => {
                fill(&sub.role, &[("code", &code.to_string()), ("name", &self.role_name(*code))])
            }
            Change::MatrixRulesChanged { .. } => sub.rules.clone(),
            Change::LanguagesChanged { .. } => sub.languages.clone(),
            _ => String::new(),
        };
        Entry { id: "", text, place: None, changes: vec![self.line(c)], codes: Vec::new() }
    }

    fn role_name(&self, code: char) -> String {
        self.n
            .role(code)
            .or_else(|| self.o.role(code))
            .map_or(String::new(), |r| self.text(&r.name).to_string())
    }

    fn role_text(&self, side: &Lookup<'a>, code: char) -> String {
        side.role(code).map_or(String::new(), |r| {
            format!("{code} {}: {}", self.text(&r.name), self.text(&r.description))
        })
    }

    /// "Previously: “…”" (and "Now: “…”" where the row does not show the
    /// new text) when the text changed in this language.
    fn details(&self, languages: &[Lang], old: &str, new: &str, show_new: bool) -> Vec<String> {
        if !languages.contains(self.lang) {
            return Vec::new();
        }
        let mut out = Vec::new();
        if !old.is_empty() {
            out.push(fill(&self.w.words.previous, &[("text", old)]));
        }
        if show_new && !new.is_empty() {
            out.push(fill(&self.w.words.now, &[("text", new)]));
        }
        out
    }

    /// The roles of an added or removed activity: the CSV's `party=codes`
    /// list (every party) and, for people, "Customer: RA, Auditor: I".
    fn roles(&self, roles: &[PartyCodes]) -> (String, String) {
        let machine: Vec<String> = roles.iter().map(|p| format!("{}={}", p.party, p.codes)).collect();
        let people: Vec<String> = roles
            .iter()
            .filter(|p| !p.codes.is_empty())
            .map(|p| format!("{}: {}", self.party_name(&p.party), p.codes))
            .collect();
        (machine.join(" "), people.join(", "))
    }

    fn section_text(&self, side: &Lookup<'a>, place: &Place, field: TextField) -> String {
        let id = place.subphase.as_deref().unwrap_or(&place.phase);
        side.section(id).map_or(String::new(), |at| {
            let s = at.section();
            match field {
                TextField::Title => self.text(&s.title).to_string(),
                TextField::Intro => s.intro.as_ref().map_or(String::new(), |t| self.text(t).to_string()),
                TextField::Notes => s.notes.iter().map(|n| self.text(n)).collect::<Vec<_>>().join("\n\n"),
            }
        })
    }

    fn matrix_text(&self, m: &'a Matrix, field: TextField) -> String {
        match field {
            TextField::Title => self.text(&m.title).to_string(),
            TextField::Intro => m.intro.as_ref().map_or(String::new(), |t| self.text(t).to_string()),
            TextField::Notes => m.notes.iter().map(|n| self.text(n)).collect::<Vec<_>>().join("\n\n"),
        }
    }

    /// The phrase of one rule key, e.g. "exactly one party holds A".
    fn accountable(&self, rule: AccountableRule, code: char) -> String {
        let r = &self.w.rules;
        let t = match rule {
            AccountableRule::ExactlyOne => &r.accountable_exactly_one,
            AccountableRule::AtMostOne => &r.accountable_at_most_one,
            AccountableRule::Any => &r.accountable_any,
        };
        fill(t, &[("code", &code.to_string())])
    }

    fn responsible(&self, rule: ResponsibleRule, code: char) -> String {
        let r = &self.w.rules;
        let t = match rule {
            ResponsibleRule::AtLeastOne => &r.responsible_at_least_one,
            ResponsibleRule::Any => &r.responsible_any,
        };
        fill(t, &[("code", &code.to_string())])
    }

    /// An activity's own rules block in words, against its matrix's rules.
    fn override_words(&self, o: &RulesOverride, base: Rules) -> String {
        let r = &self.w.rules;
        let full = o.apply(base);
        let mut parts = Vec::new();
        if let Some(v) = o.accountable {
            parts.push(self.accountable(v, full.accountable_role));
        }
        if let Some(v) = o.responsible {
            parts.push(self.responsible(v, full.responsible_role));
        }
        if let Some(c) = o.accountable_role {
            parts.push(fill(&r.accountable_role, &[("code", &c.to_string())]));
        }
        if let Some(c) = o.responsible_role {
            parts.push(fill(&r.responsible_role, &[("code", &c.to_string())]));
        }
        if parts.is_empty() { r.default.clone() } else { parts.join("; ") }
    }

    /// The keys in which two matrix rules differ, in words, for each side.
    fn rules_words(&self, old: &Rules, new: &Rules) -> (String, String) {
        let r = &self.w.rules;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        if old.accountable != new.accountable || old.accountable_role != new.accountable_role {
            a.push(self.accountable(old.accountable, old.accountable_role));
            b.push(self.accountable(new.accountable, new.accountable_role));
        }
        if old.responsible != new.responsible || old.responsible_role != new.responsible_role {
            a.push(self.responsible(old.responsible, old.responsible_role));
            b.push(self.responsible(new.responsible, new.responsible_role));
        }
        if old.accountable_role != new.accountable_role {
            a.push(fill(&r.accountable_role, &[("code", &old.accountable_role.to_string())]));
            b.push(fill(&r.accountable_role, &[("code", &new.accountable_role.to_string())]));
        }
        if old.responsible_role != new.responsible_role {
            a.push(fill(&r.responsible_role, &[("code", &old.responsible_role.to_string())]));
            b.push(fill(&r.responsible_role, &[("code", &new.responsible_role.to_string())]));
        }
        (a.join("; "), b.join("; "))
    }

    /// One change in words, with its CSV values.
    fn line(&self, c: &'a Change) -> Line<'a> {
        let w = &self.w.words;
        let (o, n) = (self.o, self.n);
        let mut l = Line {
            kind: c.kind(),
            words: String::new(),
            details: Vec::new(),
            phase_id: "",
            subphase_id: "",
            activity_id: "",
            activity: "",
            party: "",
            old: String::new(),
            new: String::new(),
            before: String::new(),
            after: String::new(),
            languages: String::new(),
        };
        let place_ids = |l: &mut Line<'a>, p: &'a Place| {
            l.phase_id = &p.phase;
            l.subphase_id = p.subphase.as_deref().unwrap_or("");
        };
        // An activity's change is where the activity is: in NEW, or in OLD when removed.
        if let Some(at) = c.activity().and_then(|id| n.activity(id).or_else(|| o.activity(id))) {
            l.activity_id = &at.activity.id;
            l.activity = self.text(&at.activity.text);
            l.phase_id = at.phase.id();
            l.subphase_id = at.subphase.map_or("", |s| s.id.as_str());
        }
        match c {
            Change::ActivityAdded { place, roles, .. } => {
                l.words = fill(&w.activity_added, &[("place", &self.heading(n, place))]);
                (l.new, l.after) = self.roles(roles);
            }
            Change::ActivityRemoved { place, roles, .. } => {
                l.words = fill(&w.activity_removed, &[("place", &self.heading(o, place))]);
                (l.old, l.before) = self.roles(roles);
            }
            Change::ActivityMoved { from, to, .. } => {
                l.before = self.heading(o, from);
                l.after = self.heading(n, to);
                l.words = fill(&w.activity_moved, &[("from", &l.before), ("to", &l.after)]);
                (l.old, l.new) = (from.to_string(), to.to_string());
            }
            Change::RolesChanged { party, old, new, .. } => {
                l.party = party;
                let name = self.party_name(party);
                let t = match (old.is_empty(), new.is_empty()) {
                    (true, _) => &w.role_given,
                    (_, true) => &w.role_taken,
                    _ => &w.role_changed,
                };
                l.words = fill(t, &[("party", name), ("old", old), ("new", new)]);
                (l.old, l.new) = (old.clone(), new.clone());
                (l.before, l.after) = (old.clone(), new.clone());
            }
            Change::RulesChanged { old, new, .. } => {
                l.before = self.override_words(old, o.matrix().rules);
                l.after = self.override_words(new, n.matrix().rules);
                l.words = fill(&w.rules_changed, &[("old", &l.before), ("new", &l.after)]);
                (l.old, l.new) = (super::summary::rules_override(old), super::summary::rules_override(new));
            }
            Change::TextChanged { activity, field, languages, .. } => {
                let (na, oa) = (n.activity(activity), o.activity(activity));
                let (old, new) = match field {
                    ActivityField::Text => (
                        oa.map_or("", |a| self.text(&a.activity.text)),
                        na.map_or("", |a| self.text(&a.activity.text)),
                    ),
                    ActivityField::Note => (
                        oa.and_then(|a| a.activity.note.as_ref()).map_or("", |t| self.text(t)),
                        na.and_then(|a| a.activity.note.as_ref()).map_or("", |t| self.text(t)),
                    ),
                };
                let had = oa.is_some_and(|a| a.activity.note.is_some());
                let has = na.is_some_and(|a| a.activity.note.is_some());
                let t = match (field, had, has) {
                    (ActivityField::Text, _, _) => &w.text_changed,
                    (ActivityField::Note, false, _) => &w.note_added,
                    (ActivityField::Note, _, false) => &w.note_removed,
                    (ActivityField::Note, _, _) => &w.note_changed,
                };
                let (shown, listed) = tags(languages);
                l.words = fill(t, &[("languages", &shown)]);
                l.languages = listed;
                l.details = self.details(languages, old, new, *field == ActivityField::Note);
                (l.old, l.new) = (old.to_string(), new.to_string());
                (l.before, l.after) = (old.to_string(), new.to_string());
            }
            Change::Reordered { section } => {
                place_ids(&mut l, section);
                l.words = if section.subphase.is_some() { &w.reordered_subphase } else { &w.reordered_phase }
                    .clone();
            }
            Change::PhaseAdded { section } => {
                place_ids(&mut l, section);
                l.words = if section.subphase.is_some() { &w.subphase_added } else { &w.phase_added }.clone();
                l.new = self.section_text(n, section, TextField::Title);
                l.after = self.heading(n, section);
            }
            Change::PhaseRemoved { section } => {
                place_ids(&mut l, section);
                l.words =
                    if section.subphase.is_some() { &w.subphase_removed } else { &w.phase_removed }.clone();
                l.old = self.section_text(o, section, TextField::Title);
                l.before = self.heading(o, section);
            }
            Change::SectionTextChanged { section, field, languages } => {
                place_ids(&mut l, section);
                // The same place in OLD: the section of that id, wherever it was.
                let old = self.section_text(o, section, *field);
                let new = self.section_text(n, section, *field);
                let t = match field {
                    TextField::Title => &w.title_changed,
                    TextField::Intro => &w.intro_changed,
                    TextField::Notes => &w.notes_changed,
                };
                let (shown, listed) = tags(languages);
                l.words = fill(t, &[("languages", &shown)]);
                l.languages = listed;
                l.details = self.details(languages, &old, &new, *field != TextField::Title);
                (l.before, l.after) = (old.clone(), new.clone());
                (l.old, l.new) = (old, new);
            }
            Change::PartyAdded { party } => {
                l.party = party;
                l.words = fill(&w.party_added, &[("party", self.party_name(party))]);
                l.new = self.party_name(party).to_string();
                l.after = l.new.clone();
            }
            Change::PartyRemoved { party } => {
                l.party = party;
                l.words = fill(&w.party_removed, &[("party", self.party_name(party))]);
                l.old = self.party_name(party).to_string();
                l.before = l.old.clone();
            }
            Change::PartyRenamed { party, languages } => {
                l.party = party;
                let old = o.party(party).map_or("", |(_, p)| self.text(&p.name));
                let new = n.party(party).map_or("", |(_, p)| self.text(&p.name));
                let (shown, listed) = tags(languages);
                l.words = fill(&w.party_renamed, &[("party", new), ("languages", &shown)]);
                l.languages = listed;
                l.details = self.details(languages, old, new, false);
                (l.old, l.new) = (old.to_string(), new.to_string());
                (l.before, l.after) = (old.to_string(), new.to_string());
            }
            Change::MatrixTextChanged { field, languages } => {
                let old = self.matrix_text(o.matrix(), *field);
                let new = self.matrix_text(n.matrix(), *field);
                let t = match field {
                    TextField::Title => &w.title_changed,
                    TextField::Intro => &w.intro_changed,
                    TextField::Notes => &w.notes_changed,
                };
                let (shown, listed) = tags(languages);
                l.words = fill(t, &[("languages", &shown)]);
                l.languages = listed;
                l.details = self.details(languages, &old, &new, true);
                (l.before, l.after) = (old.clone(), new.clone());
                (l.old, l.new) = (old, new);
            }
            Change::LegendChanged { code, change, languages } => {
                let name = self.role_name(*code);
                let cs = code.to_string();
                let (shown, listed) = tags(languages);
                let t = match change {
                    LegendChange::Added => &w.role_added,
                    LegendChange::Removed => &w.role_removed,
                    LegendChange::Reworded => &w.role_reworded,
                };
                l.words = fill(t, &[("code", &cs), ("name", &name), ("languages", &shown)]);
                l.languages = listed;
                let (old, new) = (self.role_text(o, *code), self.role_text(n, *code));
                if *change == LegendChange::Reworded {
                    l.details = self.details(languages, &old, &new, true);
                }
                (l.before, l.after) = (old.clone(), new.clone());
                (l.old, l.new) = (old, new);
            }
            Change::MatrixRulesChanged { old, new } => {
                (l.before, l.after) = self.rules_words(old, new);
                l.words = fill(&w.matrix_rules_changed, &[("old", &l.before), ("new", &l.after)]);
                (l.old, l.new) = (super::summary::rules_full(old), super::summary::rules_full(new));
            }
            Change::LanguagesChanged { added, removed } => {
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(fill(&w.languages_added, &[("languages", &tags(added).0)]));
                }
                if !removed.is_empty() {
                    parts.push(fill(&w.languages_removed, &[("languages", &tags(removed).0)]));
                }
                l.words = parts.join("; ");
                let mut all: Vec<Lang> = added.iter().chain(removed).cloned().collect();
                all.sort();
                l.languages = tags(&all).1;
                let declared =
                    |m: &Matrix| m.languages.iter().map(Lang::as_str).collect::<Vec<_>>().join(" ");
                (l.old, l.new) = (declared(o.matrix()), declared(n.matrix()));
                (l.before, l.after) = (l.old.replace(' ', ", "), l.new.replace(' ', ", "));
            }
        }
        l
    }
}
