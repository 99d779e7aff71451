//! The canonical LLMaaS matrix (data/llmaas.yaml) against the German seed it
//! was transcribed from (../shared/seeds/000_16e158c8cf28d883.txt).

use raci_annex::load::load;
use raci_annex::model::{Localized, Matrix};

use crate::support::llmaas;

/// One row of the seed: (activity id, customer's roles, provider's roles).
type Row = (&'static str, &'static str, &'static str);

/// The seed's tables, phase by phase: (phase id, rows).
/// A cell "C, I" is written "CI"; an empty cell "".
const SEED: &[(&str, &[Row])] = &[
    ("define-needs", &[("LLMAAS-NEED-01", "RA", "CI"), ("LLMAAS-NEED-02", "RA", "I")]),
    (
        "implement",
        &[
            ("LLMAAS-IMPL-01", "I", "RA"),
            ("LLMAAS-IMPL-02", "I", "RA"),
            ("LLMAAS-IMPL-03", "RA", ""),
            ("LLMAAS-IMPL-04", "RA", ""),
        ],
    ),
    (
        "recurring",
        &[
            ("LLMAAS-RUN-01", "I", "RA"),
            ("LLMAAS-RUN-02", "I", "RA"),
            ("LLMAAS-RUN-03", "I", "RA"),
            ("LLMAAS-RUN-04", "I", "RA"),
            ("LLMAAS-RUN-05", "I", "RA"),
            ("LLMAAS-RUN-06", "CI", "RA"),
            ("LLMAAS-RUN-07", "RA", "I"),
        ],
    ),
    (
        "security",
        &[
            ("LLMAAS-SEC-01", "I", "RA"),
            ("LLMAAS-SEC-02", "RA", ""),
            ("LLMAAS-SEC-03", "RA", "C"),
            ("LLMAAS-SEC-04", "R", "A"),
            ("LLMAAS-SEC-05", "RA", "I"),
        ],
    ),
    ("continuity", &[("LLMAAS-BCP-01", "I", "RA"), ("LLMAAS-BCP-02", "RA", ""), ("LLMAAS-BCP-03", "RA", "")]),
    (
        "reversibility",
        &[("LLMAAS-REV-01", "RA", "C"), ("LLMAAS-REV-02", "RA", ""), ("LLMAAS-REV-03", "RA", "")],
    ),
];

fn canonical() -> Matrix {
    match load(&llmaas()) {
        Ok(l) => l.matrix,
        Err(r) => panic!("data/llmaas.yaml does not load:\n{}", r.render()),
    }
}

// The canonical matrix has the seed's phases and, per phase, the seed's 24 activities in order with their role cells.
#[test]
fn canonical_matrix_matches_the_seed_row_by_row() {
    let m = canonical();
    let parties: Vec<&str> = m.parties.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(parties, ["customer", "provider"]);
    let phases: Vec<&str> = m.phases.iter().map(|p| p.id()).collect();
    let seed_phases: Vec<&str> = SEED.iter().map(|(p, _)| *p).collect();
    assert_eq!(phases, seed_phases);
    for (phase, (_, rows)) in m.phases.iter().zip(SEED) {
        let got: Vec<(&str, &str, &str)> = phase
            .all_activities()
            .map(|(_, a)| (a.id.as_str(), a.roles[0].as_str(), a.roles[1].as_str()))
            .collect();
        assert_eq!(got, rows.to_vec(), "phase {}", phase.id());
    }
    assert_eq!(m.activity_count(), 24);
    assert_eq!(SEED.iter().map(|(_, r)| r.len()).sum::<usize>(), 24);
}

// The confidentiality row is the seed's one split row: the customer carries it out (R), the provider answers for it (A).
#[test]
fn confidentiality_row_is_customer_r_and_provider_a() {
    let m = canonical();
    let (_, a) = m
        .phases
        .iter()
        .flat_map(|p| p.all_activities())
        .find(|(_, a)| a.id == "LLMAAS-SEC-04")
        .expect("LLMAAS-SEC-04 exists");
    assert_eq!(a.roles[0].as_str(), "R");
    assert_eq!(a.roles[1].as_str(), "A");
    assert!(a.text.get(&m.source_language).contains("Vertraulichkeit"), "{:?}", a.text);
    assert!(a.rules_override.is_none(), "SEC-04 satisfies the default rules without an override");
}

// The matrix declares the five languages with German as the source, and the legend is R, A, C, I in that order.
#[test]
fn canonical_matrix_declares_five_languages_and_the_raci_legend() {
    let m = canonical();
    let langs: Vec<&str> = m.languages.iter().map(|l| l.as_str()).collect();
    assert_eq!(langs, ["de", "en", "fr", "es", "it"]);
    assert_eq!(m.source_language.as_str(), "de");
    let codes: String = m.roles.iter().map(|r| r.code).collect();
    assert_eq!(codes, "RACI");
}

// Every localized text of the canonical matrix (titles, intros, notes, legend, parties, activities) has all 5 languages, none blank.
#[test]
fn every_localized_text_has_the_five_languages() {
    let m = canonical();
    let mut texts: Vec<(String, &Localized)> = vec![("title".into(), &m.title)];
    texts.extend(m.intro.iter().map(|t| ("intro".to_string(), t)));
    texts.extend(m.notes.iter().map(|t| ("note".to_string(), t)));
    for r in &m.roles {
        texts.push((format!("role {} name", r.code), &r.name));
        texts.push((format!("role {} description", r.code), &r.description));
    }
    texts.extend(m.parties.iter().map(|p| (format!("party {}", p.id), &p.name)));
    for p in &m.phases {
        for (sub, s) in p.sections() {
            let kind = if sub.is_some() { "subphase" } else { "phase" };
            texts.push((format!("{kind} {}", s.id), &s.title));
            texts.extend(s.intro.iter().map(|t| (format!("{kind} {} intro", s.id), t)));
            texts.extend(s.notes.iter().map(|t| (format!("{kind} {} note", s.id), t)));
        }
        for (_, a) in p.all_activities() {
            texts.push((format!("activity {}", a.id), &a.text));
            texts.extend(a.note.iter().map(|t| (format!("activity {} note", a.id), t)));
        }
    }
    // 1 title + 1 intro + 8 legend texts + 2 parties + 6 phases + 24 activities at least.
    assert!(texts.len() >= 42, "only {} texts", texts.len());
    for (what, t) in texts {
        let langs: Vec<&str> = t.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(langs.len(), 5, "{what}: {langs:?}");
        for l in &m.languages {
            assert!(!t.get(l).trim().is_empty(), "{what} is blank in {l}");
        }
    }
}
