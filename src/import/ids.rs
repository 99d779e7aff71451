//! Ids for what the pages do not name: ASCII slugs of headings for phases,
//! subphases and parties, `<ID>-Pnn-mm` / `<ID>-Pnn-Sss-mm` for activities,
//! and the ids of an earlier import (`--ids-from`) kept where the
//! source-language text is unchanged, so that GRC keys stay stable.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use unicode_normalization::UnicodeNormalization;

use crate::model::{Lang, Matrix};

/// Longest phase, subphase or party id written.
pub(crate) const MAX_SLUG: usize = 64;

/// An ASCII slug of `text`: accents dropped (`é` → `e`, `œ` → `oe`, `ß` →
/// `ss`), lower case, every run of other characters one `-`, no `-` at either
/// end, at most [`MAX_SLUG`] characters. Empty when nothing is left.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.nfd() {
        let mapped: &str = match c {
            'ß' => "ss",
            'æ' | 'Æ' => "ae",
            'œ' | 'Œ' => "oe",
            'ø' | 'Ø' => "o",
            'đ' | 'Đ' | 'ð' | 'Ð' => "d",
            'ł' | 'Ł' => "l",
            'þ' | 'Þ' => "th",
            'ı' => "i",
            _ => "",
        };
        if !mapped.is_empty() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push_str(mapped);
        } else if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else if unicode_normalization::char::is_combining_mark(c) {
            // The accent of a decomposed letter: dropped.
        } else {
            dash = true;
        }
    }
    cut(&out, MAX_SLUG)
}

/// `s` cut to at most `max` bytes (ASCII), without a trailing `-`.
fn cut(s: &str, max: usize) -> String {
    let mut s = s.get(..max.min(s.len())).unwrap_or(s).to_owned();
    while s.ends_with('-') {
        s.pop();
    }
    s
}

/// Hands out unique ids: the wanted one, or it with `-2`, `-3`, … (cut so
/// that the whole stays within [`MAX_SLUG`]).
#[derive(Debug, Default)]
pub(crate) struct Unique {
    used: BTreeSet<String>,
}

impl Unique {
    /// Marks `id` as taken.
    pub(super) fn reserve(&mut self, id: &str) {
        self.used.insert(id.to_owned());
    }

    /// Whether `id` is taken.
    pub(super) fn taken(&self, id: &str) -> bool {
        self.used.contains(id)
    }

    /// `wanted`, or the first free `wanted-N`; taken from then on.
    pub(super) fn take(&mut self, wanted: &str) -> String {
        if !self.used.contains(wanted) {
            self.used.insert(wanted.to_owned());
            return wanted.to_owned();
        }
        for n in 2.. {
            let suffix = format!("-{n}");
            let candidate = format!("{}{suffix}", cut(wanted, MAX_SLUG - suffix.len()));
            if !self.used.contains(&candidate) {
                self.used.insert(candidate.clone());
                return candidate;
            }
        }
        unreachable!("the ids are finite")
    }
}

/// The activity id the spec gives a row: `<ID>-Pnn-mm` for a phase's own
/// row, `<ID>-Pnn-Sss-mm` for a subphase's (numbers from 1, two digits at least).
pub(crate) fn activity_id(matrix: &str, phase: usize, sub: Option<usize>, row: usize) -> String {
    let prefix = matrix.to_ascii_uppercase();
    match sub {
        Some(s) => format!("{prefix}-P{phase:02}-S{s:02}-{row:02}"),
        None => format!("{prefix}-P{phase:02}-{row:02}"),
    }
}

/// The ids an earlier matrix gives, looked up by source-language text.
#[derive(Debug, Default)]
pub(crate) struct Earlier {
    /// Activity text → ids, in the earlier file's order.
    activities: BTreeMap<String, VecDeque<String>>,
    /// (is a subphase, title) → ids.
    sections: BTreeMap<(bool, String), VecDeque<String>>,
    /// Party name → id.
    parties: BTreeMap<String, VecDeque<String>>,
    /// Every activity id of the earlier file: never given to a new row.
    pub all_activity_ids: BTreeSet<String>,
}

impl Earlier {
    /// Indexes `m` by its texts in `lang`. `None` when `m` has no `lang` texts.
    pub(crate) fn new(m: &Matrix, lang: &Lang) -> Option<Earlier> {
        if !m.has_language(lang) {
            return None;
        }
        let mut e = Earlier::default();
        for p in &m.parties {
            e.parties.entry(p.name.get(lang).to_owned()).or_default().push_back(p.id.clone());
        }
        for ph in &m.phases {
            for (sub, s) in ph.sections() {
                e.sections
                    .entry((sub.is_some(), s.title.get(lang).to_owned()))
                    .or_default()
                    .push_back(s.id.clone());
                for a in &s.activities {
                    e.activities.entry(a.text.get(lang).to_owned()).or_default().push_back(a.id.clone());
                    e.all_activity_ids.insert(a.id.clone());
                }
            }
        }
        Some(e)
    }

    /// The earlier id of the next activity with this source text, if any.
    pub(crate) fn activity(&mut self, text: &str) -> Option<String> {
        self.activities.get_mut(text)?.pop_front()
    }

    /// The earlier id of the next phase (or subphase) with this title.
    pub(crate) fn section(&mut self, sub: bool, title: &str) -> Option<String> {
        self.sections.get_mut(&(sub, title.to_owned()))?.pop_front()
    }

    /// The earlier id of the next party with this name.
    pub(crate) fn party(&mut self, name: &str) -> Option<String> {
        self.parties.get_mut(name)?.pop_front()
    }
}

/// Whether `s` is a valid phase/subphase id (`[a-z0-9][a-z0-9-]*`).
pub(crate) fn is_section_id(s: &str) -> bool {
    is_lower(s, b"-")
}

/// Whether `s` is a valid party id (`[a-z0-9][a-z0-9_-]*`).
pub(crate) fn is_party_id(s: &str) -> bool {
    is_lower(s, b"_-")
}

/// Whether `s` is a valid matrix id (`[a-z0-9][a-z0-9-]*`, at most 64).
pub fn is_matrix_id(s: &str) -> bool {
    s.len() <= 64 && is_lower(s, b"-")
}

fn is_lower(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b[1..].iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(c))
}

/// Whether `s` is a valid activity id (`[A-Za-z0-9][A-Za-z0-9._-]*`).
pub(crate) fn is_activity_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_lowercase_and_dashed() {
        assert_eq!(slug("Définition des rôles"), "definition-des-roles");
        assert_eq!(
            slug("Infrastructure VPC (routeur, gateway & IPAM)"),
            "infrastructure-vpc-routeur-gateway-ipam"
        );
        assert_eq!(slug("Mettre en œuvre — Straße"), "mettre-en-oeuvre-strasse");
        assert_eq!(slug("  ¿Qué?  "), "que");
        assert_eq!(slug("日本"), "");
        assert_eq!(slug(&"a".repeat(100)).len(), 64);
        assert_eq!(slug(&format!("{}-b", "a".repeat(63))), "a".repeat(63));
    }

    #[test]
    fn repeats_get_a_number() {
        let mut u = Unique::default();
        assert_eq!(u.take("run"), "run");
        assert_eq!(u.take("run"), "run-2");
        assert_eq!(u.take("run"), "run-3");
        let long = "a".repeat(64);
        assert_eq!(u.take(&long), long);
        let second = u.take(&long);
        assert_eq!(second.len(), 64);
        assert!(second.ends_with("-2"));
    }

    #[test]
    fn activity_ids_follow_the_spec() {
        assert_eq!(activity_id("network-vpc", 6, None, 3), "NETWORK-VPC-P06-03");
        assert_eq!(activity_id("paas", 9, Some(1), 12), "PAAS-P09-S01-12");
        assert_eq!(activity_id("x", 100, None, 7), "X-P100-07");
    }
}
