//! One builder for the matrices the tests write: [`MatrixYaml`]. Each test
//! says only what its matrix needs (languages, parties, phases, subphases,
//! activities, notes, intros); the builder writes a valid schema-1 file with
//! the rest (the four standard roles unless told otherwise), so that no test
//! module keeps a YAML writer of its own.

use std::path::{Path, PathBuf};

/// A localized text for [`MatrixYaml`]: the same text in every language of
/// the matrix (from `&str` or `String`), or one per language ([`per`]).
pub(crate) enum Loc<'a> {
    /// The same text in every language.
    Same(String),
    /// The text of each language, from its tag.
    Per(Box<dyn Fn(&str) -> String + 'a>),
}

impl From<&str> for Loc<'_> {
    fn from(s: &str) -> Self {
        Loc::Same(s.to_owned())
    }
}

impl From<String> for Loc<'_> {
    fn from(s: String) -> Self {
        Loc::Same(s)
    }
}

impl From<&String> for Loc<'_> {
    fn from(s: &String) -> Self {
        Loc::Same(s.clone())
    }
}

/// A text that differs per language: `f` gets the language tag.
pub(crate) fn per<'a>(f: impl Fn(&str) -> String + 'a) -> Loc<'a> {
    Loc::Per(Box::new(f))
}

/// A YAML double-quoted scalar of `s` (backslashes, quotes and line breaks escaped).
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

/// A phase or a subphase being built: its header and its own activities.
#[derive(Default)]
struct Section {
    id: String,
    title: String,
    intro: Option<String>,
    notes: Vec<String>,
    activities: Vec<Activity>,
}

/// An activity being built, its texts already written as YAML flow mappings.
struct Activity {
    id: String,
    text: String,
    roles: String,
    note: Option<String>,
}

/// A phase: its own section and its subphases.
struct Phase {
    own: Section,
    subs: Vec<Section>,
}

/// A matrix being built, written by [`MatrixYaml::build`] as schema-1 YAML.
///
/// Activities, intros and notes go to the section opened last: the phase of
/// [`MatrixYaml::phase`] until a [`MatrixYaml::subphase`] of it is opened.
/// Every text is written double-quoted, so any content (quotes, line breaks,
/// decomposed characters) reaches the loader as given.
pub(crate) struct MatrixYaml {
    langs: Vec<String>,
    id: String,
    version: String,
    date: String,
    title: String,
    intro: Option<String>,
    notes: Vec<String>,
    raw: Vec<String>,
    roles: Vec<String>,
    parties: Vec<String>,
    phases: Vec<Phase>,
    /// Whether activities go to the last subphase (true) or to the last phase's own section.
    in_sub: bool,
}

impl MatrixYaml {
    /// A matrix `id` in `langs` (the first is the source language) titled
    /// `title`; version "1", dated 2026-01-01, no parties or phases yet.
    pub(crate) fn new<'a>(id: &str, langs: &[&str], title: impl Into<Loc<'a>>) -> MatrixYaml {
        let mut m = MatrixYaml {
            langs: langs.iter().map(|l| (*l).to_owned()).collect(),
            id: id.to_owned(),
            version: "1".to_owned(),
            date: "2026-01-01".to_owned(),
            title: String::new(),
            intro: None,
            notes: Vec::new(),
            raw: Vec::new(),
            roles: Vec::new(),
            parties: Vec::new(),
            phases: Vec::new(),
            in_sub: false,
        };
        m.title = m.loc(title);
        m
    }

    /// `text` as a YAML flow mapping over the matrix's languages.
    fn loc<'a>(&self, text: impl Into<Loc<'a>>) -> String {
        let text = text.into();
        let parts: Vec<String> = self
            .langs
            .iter()
            .map(|l| {
                let t = match &text {
                    Loc::Same(s) => s.clone(),
                    Loc::Per(f) => f(l),
                };
                format!("{l}: {}", q(&t))
            })
            .collect();
        format!("{{{}}}", parts.join(", "))
    }

    /// Sets the version (written quoted).
    pub(crate) fn version(&mut self, v: &str) -> &mut Self {
        v.clone_into(&mut self.version);
        self
    }

    /// Sets the date (`YYYY-MM-DD`).
    pub(crate) fn date(&mut self, d: &str) -> &mut Self {
        d.clone_into(&mut self.date);
        self
    }

    /// The matrix's intro, before the legend.
    pub(crate) fn intro<'a>(&mut self, text: impl Into<Loc<'a>>) -> &mut Self {
        self.intro = Some(self.loc(text));
        self
    }

    /// A closing note of the whole matrix.
    pub(crate) fn note<'a>(&mut self, text: impl Into<Loc<'a>>) -> &mut Self {
        let n = self.loc(text);
        self.notes.push(n);
        self
    }

    /// A top-level line written as given (e.g. `rules: {accountable: any, responsible: any}`).
    pub(crate) fn raw(&mut self, line: &str) -> &mut Self {
        self.raw.push(line.to_owned());
        self
    }

    /// A role of the legend; without any, [`MatrixYaml::build`] writes the
    /// four standard ones (R, A, C, I) with English names.
    pub(crate) fn role<'a>(
        &mut self,
        code: &str,
        name: impl Into<Loc<'a>>,
        description: impl Into<Loc<'a>>,
    ) -> &mut Self {
        let (name, description) = (self.loc(name), self.loc(description));
        self.roles.push(format!("{{code: {}, name: {name}, description: {description}}}", q(code)));
        self
    }

    /// A party, in column order.
    pub(crate) fn party<'a>(&mut self, id: &str, name: impl Into<Loc<'a>>) -> &mut Self {
        let name = self.loc(name);
        self.parties.push(format!("{{id: {}, name: {name}}}", q(id)));
        self
    }

    /// Opens a phase: the activities, intro and notes that follow are its own.
    pub(crate) fn phase<'a>(&mut self, id: &str, title: impl Into<Loc<'a>>) -> &mut Self {
        let own = Section { id: id.to_owned(), title: self.loc(title), ..Section::default() };
        self.phases.push(Phase { own, subs: Vec::new() });
        self.in_sub = false;
        self
    }

    /// Opens a subphase of the last phase: what follows is the subphase's,
    /// until the next [`MatrixYaml::phase`] (see [`MatrixYaml::phase_note`]).
    pub(crate) fn subphase<'a>(&mut self, id: &str, title: impl Into<Loc<'a>>) -> &mut Self {
        let sub = Section { id: id.to_owned(), title: self.loc(title), ..Section::default() };
        self.last_phase().subs.push(sub);
        self.in_sub = true;
        self
    }

    fn last_phase(&mut self) -> &mut Phase {
        self.phases.last_mut().expect("a phase is opened first")
    }

    /// The section opened last.
    fn section(&mut self) -> &mut Section {
        let in_sub = self.in_sub;
        let phase = self.last_phase();
        if in_sub { phase.subs.last_mut().expect("a subphase") } else { &mut phase.own }
    }

    /// The intro of the section opened last.
    pub(crate) fn section_intro<'a>(&mut self, text: impl Into<Loc<'a>>) -> &mut Self {
        let t = self.loc(text);
        self.section().intro = Some(t);
        self
    }

    /// A note of the section opened last.
    pub(crate) fn section_note<'a>(&mut self, text: impl Into<Loc<'a>>) -> &mut Self {
        let t = self.loc(text);
        self.section().notes.push(t);
        self
    }

    /// A note of the last phase itself, even after a subphase of it was opened.
    pub(crate) fn phase_note<'a>(&mut self, text: impl Into<Loc<'a>>) -> &mut Self {
        let t = self.loc(text);
        self.last_phase().own.notes.push(t);
        self
    }

    /// An activity of the section opened last; `roles` is the inside of its
    /// roles mapping, e.g. `"customer: RA, provider: CI"`.
    pub(crate) fn activity<'a>(&mut self, id: &str, text: impl Into<Loc<'a>>, roles: &str) -> &mut Self {
        let a = Activity { id: id.to_owned(), text: self.loc(text), roles: roles.to_owned(), note: None };
        self.section().activities.push(a);
        self
    }

    /// The note of the last activity.
    pub(crate) fn activity_note<'a>(&mut self, text: impl Into<Loc<'a>>) -> &mut Self {
        let t = self.loc(text);
        self.section().activities.last_mut().expect("an activity").note = Some(t);
        self
    }

    /// The matrix as YAML.
    pub(crate) fn build(&self) -> String {
        let mut y = String::new();
        let langs: Vec<String> = self.langs.iter().map(|l| q(l)).collect();
        line(&mut y, 0, "schema: 1");
        line(&mut y, 0, &format!("id: {}", q(&self.id)));
        line(&mut y, 0, &format!("version: {}", q(&self.version)));
        line(&mut y, 0, &format!("date: {}", self.date));
        line(&mut y, 0, &format!("source_language: {}", langs[0]));
        line(&mut y, 0, &format!("languages: [{}]", langs.join(", ")));
        line(&mut y, 0, &format!("title: {}", self.title));
        if let Some(i) = &self.intro {
            line(&mut y, 0, &format!("intro: {i}"));
        }
        if !self.notes.is_empty() {
            line(&mut y, 0, &format!("notes: [{}]", self.notes.join(", ")));
        }
        for r in &self.raw {
            line(&mut y, 0, r);
        }
        line(&mut y, 0, "roles:");
        if self.roles.is_empty() {
            for (code, name) in
                [("R", "Responsible"), ("A", "Accountable"), ("C", "Consulted"), ("I", "Informed")]
            {
                let (name, description) = (self.loc(name), self.loc(format!("What the role does ({code})")));
                line(&mut y, 2, &format!("- {{code: {code}, name: {name}, description: {description}}}"));
            }
        }
        for r in &self.roles {
            line(&mut y, 2, &format!("- {r}"));
        }
        line(&mut y, 0, "parties:");
        for p in &self.parties {
            line(&mut y, 2, &format!("- {p}"));
        }
        line(&mut y, 0, "phases:");
        for p in &self.phases {
            section(&mut y, 2, &p.own);
            if !p.subs.is_empty() {
                line(&mut y, 4, "subphases:");
            }
            for s in &p.subs {
                section(&mut y, 6, s);
            }
        }
        y
    }

    /// Writes the matrix to `dir/name` (creating `dir`) and returns the path.
    pub(crate) fn write(&self, dir: &Path, name: &str) -> PathBuf {
        super::write_file(dir, name, &self.build())
    }
}

/// Appends `s` to `y` as one line indented by `indent` spaces.
fn line(y: &mut String, indent: usize, s: &str) {
    y.push_str(&" ".repeat(indent));
    y.push_str(s);
    y.push('\n');
}

/// Appends a phase or subphase (a list item at `indent`) to `y`: header, then activities.
fn section(y: &mut String, indent: usize, s: &Section) {
    line(y, indent, &format!("- id: {}", q(&s.id)));
    line(y, indent + 2, &format!("title: {}", s.title));
    if let Some(i) = &s.intro {
        line(y, indent + 2, &format!("intro: {i}"));
    }
    if !s.notes.is_empty() {
        line(y, indent + 2, &format!("notes: [{}]", s.notes.join(", ")));
    }
    if !s.activities.is_empty() {
        line(y, indent + 2, "activities:");
    }
    for a in &s.activities {
        let note = a.note.as_ref().map_or(String::new(), |n| format!(", note: {n}"));
        line(
            y,
            indent + 4,
            &format!("- {{id: {}, text: {}, roles: {{{}}}{note}}}", q(&a.id), a.text, a.roles),
        );
    }
}

/// A text in the five languages of [`big_matrix`], in the order de, en, fr, es, it.
fn five(de: String, en: String, fr: String, es: String, it: String) -> Loc<'static> {
    per(move |l| {
        match l {
            "de" => &de,
            "en" => &en,
            "fr" => &fr,
            "es" => &es,
            _ => &it,
        }
        .clone()
    })
}

/// A valid matrix `id` with `activities` activities in five languages,
/// 500 per phase, for tests that need outputs far larger than the canonical matrix.
pub(crate) fn big_matrix(id: &str, version: &str, activities: usize) -> String {
    const PER_PHASE: usize = 500;
    let t = |s: &str| s.to_owned();
    let mut m = MatrixYaml::new(
        id,
        &["de", "en", "fr", "es", "it"],
        five(
            t("Große Matrix"),
            t("Large matrix"),
            t("Grande matrice"),
            t("Matriz grande"),
            t("Matrice grande"),
        ),
    );
    m.version(version).date("2026-11-23");
    for (code, name) in [("R", "Responsible"), ("A", "Accountable"), ("C", "Consulted"), ("I", "Informed")] {
        let c = |w: &str| format!("{w} {code}");
        m.role(code, name, five(c("Rolle"), c("Role"), c("Rôle"), c("Rol"), c("Ruolo")));
    }
    m.party("customer", five(t("Kunde"), t("Customer"), t("Client"), t("Cliente"), t("Cliente")));
    m.party("provider", five(t("Anbieter"), t("Provider"), t("Fournisseur"), t("Proveedor"), t("Fornitore")));
    for i in 0..activities {
        if i % PER_PHASE == 0 {
            let p = i / PER_PHASE + 1;
            let (ph, fa) = (format!("Phase {p}"), format!("Fase {p}"));
            m.phase(&format!("phase-{p}"), five(ph.clone(), ph.clone(), ph, fa.clone(), fa));
        }
        let roles = if i % 2 == 0 { "customer: RA, provider: CI" } else { "customer: C, provider: RA" };
        let text = five(
            format!("Vorgang {i} prüfen und gemäß Vertrag dokumentieren"),
            format!("Check operation {i} and document it under the contract"),
            format!("Vérifier l’opération {i} et la documenter selon le contrat"),
            format!("Verificar la operación {i} y documentarla según el contrato"),
            format!("Verificare l’operazione {i} e documentarla secondo il contratto"),
        );
        m.activity(&format!("BIG-{i:06}"), text, roles);
    }
    m.build()
}

/// A copy of the canonical matrix with its `id:` and `version:` replaced:
/// as many distinct real-sized matrices as a batch test needs.
pub(crate) fn llmaas_variant(id: &str, version: &str) -> String {
    let text = std::fs::read_to_string(super::llmaas()).expect("read llmaas.yaml");
    let out = text.replacen("id: \"llmaas\"", &format!("id: \"{id}\""), 1).replacen(
        "version: \"1.0\"",
        &format!("version: \"{version}\""),
        1,
    );
    assert!(out.contains(&format!("id: \"{id}\"")) && out.contains(&format!("version: \"{version}\"")));
    out
}
