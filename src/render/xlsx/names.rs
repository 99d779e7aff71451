//! Sheet names that Excel accepts (cli.md, "XLSX sheet names"): at most 31
//! UTF-16 units, none of `[]:*?/\`, no edge apostrophes, unique, the start of
//! the title kept.

use std::collections::{HashMap, HashSet};

/// Excel's limit on a sheet name, in UTF-16 code units.
pub const SHEET_NAME_MAX: usize = 31;
/// The name Excel reserves for its change history; no sheet may take it.
const RESERVED_SHEET_NAME: &str = "history";

/// Legal, unique sheet names for `wanted` (title, fallback) pairs, in order:
/// each title made legal for Excel, the fallback used when nothing of the
/// title is left, and a short ` (2)`, ` (3)`… suffix on a name already taken.
///
/// Legal means at most [`SHEET_NAME_MAX`] UTF-16 units, none of `[]:*?/\`
/// (brackets become parentheses, the rest `-`), no control characters, no
/// leading or trailing `'`, not blank, not Excel's reserved "History", and
/// unique case-insensitively. The start of the title is kept. Linear in the
/// number of names: taken names live in a set, and the next free suffix of
/// each base name is remembered.
pub fn sheet_names<'a>(wanted: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::from([RESERVED_SHEET_NAME.to_string()]);
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    wanted
        .into_iter()
        .map(|(title, fallback)| {
            let mut base = legal_base(title);
            if base.is_empty() {
                base = legal_base(fallback);
            }
            if base.is_empty() {
                base = "Sheet".to_string();
            }
            let key = base.to_lowercase();
            if taken.insert(key.clone()) {
                return base;
            }
            let mut k = next_suffix.get(&key).copied().unwrap_or(2);
            loop {
                let suffix = format!(" ({k})");
                let candidate = format!("{}{suffix}", shorten(&base, SHEET_NAME_MAX - suffix.len()));
                k += 1;
                if taken.insert(candidate.to_lowercase()) {
                    next_suffix.insert(key, k);
                    return candidate;
                }
            }
        })
        .collect()
}

/// `s` made legal as a sheet name, uniqueness aside; may be empty.
fn legal_base(s: &str) -> String {
    let mut replaced = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '[' => replaced.push('('),
            ']' => replaced.push(')'),
            // "Plan: Kosten" reads best as "Plan - Kosten".
            ':' => replaced.push_str(" -"),
            '*' | '?' | '/' | '\\' => replaced.push('-'),
            c if c.is_control() => replaced.push(' '),
            c => replaced.push(c),
        }
    }
    let flat = replaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = flat.trim_matches(|c: char| c == '\'' || c.is_whitespace());
    shorten(trimmed, SHEET_NAME_MAX)
}

/// `s` if it has at most `max` UTF-16 units, else its start cut to fit with
/// "…" appended (so a reader sees the name was shortened). `s` must not
/// start with `'`; the result then neither starts nor ends with one.
fn shorten(s: &str, max: usize) -> String {
    if s.encode_utf16().count() <= max {
        return s.to_string();
    }
    let stem = truncate_utf16(s, max.saturating_sub(1)).trim_end();
    format!("{stem}…")
}

/// The longest prefix of `s` of at most `max` UTF-16 units, on a character boundary.
fn truncate_utf16(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(titles: &[&str]) -> Vec<String> {
        sheet_names(std::iter::once(("Legende", "Legend")).chain(titles.iter().map(|t| (*t, "fallback"))))
    }

    fn utf16(s: &str) -> usize {
        s.encode_utf16().count()
    }

    // Plain titles pass unchanged, the legend first.
    #[test]
    fn keeps_legal_titles() {
        assert_eq!(
            names(&["Ihren Bedarf definieren", "Betrieb"]),
            ["Legende", "Ihren Bedarf definieren", "Betrieb"]
        );
    }

    // Each of []:*?/\ is replaced; control characters and runs of spaces fold.
    #[test]
    fn replaces_illegal_characters() {
        let n = names(&["a[b]c:d*e?f/g\\h", "x\n\ny\tz"]);
        assert_eq!(n[1], "a(b)c -d-e-f-g-h");
        assert_eq!(n[2], "x y z");
    }

    // Leading and trailing apostrophes go; inner ones stay.
    #[test]
    fn strips_edge_apostrophes() {
        assert_eq!(names(&["'Kunde's Teil'"])[1], "Kunde's Teil");
        assert_eq!(names(&["' ' x ' '"])[1], "x");
    }

    // Long titles keep their start within 31 UTF-16 units, even with astral characters.
    #[test]
    fn shortens_to_31_utf16_units() {
        let long = "Betriebskontinuität und Wiederherstellung im Notfall";
        let n = names(&[long, &"😀".repeat(20)]);
        assert_eq!(n[1], "Betriebskontinuität und Wieder…");
        assert_eq!(utf16(&n[1]), 31);
        assert_eq!(n[2], format!("{}…", "😀".repeat(15)));
        assert_eq!(names(&["Plan: Kosten"])[1], "Plan - Kosten");
    }

    // Duplicates, case-insensitively, get a suffix that still fits in 31 units.
    #[test]
    fn makes_names_unique() {
        let long = "A".repeat(40);
        let n = names(&["Betrieb", "betrieb", "BETRIEB", &long, &long, "Legende"]);
        assert_eq!(n[1..4], ["Betrieb", "betrieb (2)", "BETRIEB (3)"]);
        assert_eq!(n[4], format!("{}…", "A".repeat(30)));
        assert_eq!(n[5], format!("{}… (2)", "A".repeat(26)));
        assert_eq!(utf16(&n[5]), 31);
        assert_eq!(n[6], "Legende (2)");
    }

    // "History" is reserved by Excel in any case.
    #[test]
    fn avoids_history() {
        assert_eq!(names(&["History", "HISTORY"])[1..], ["History (2)", "HISTORY (3)"]);
    }

    // A title with nothing legal left falls back to the phase id.
    #[test]
    fn falls_back_when_blank() {
        assert_eq!(names(&["'''", "  "])[1..], ["fallback", "fallback (2)"]);
    }

    // A suffix never collides with a title that already looks suffixed.
    #[test]
    fn skips_suffixes_already_taken() {
        let n = names(&["X (2)", "X", "X", "X"]);
        assert_eq!(n[1..], ["X (2)", "X", "X (3)", "X (4)"]);
    }

    // Every produced name passes rust_xlsxwriter's own checks, and none repeats.
    #[test]
    fn every_name_is_accepted_by_the_writer() {
        let titles = ["'[x]'", "History", &"é".repeat(40), "a/b", "'", "Legende", "legende", "x'"];
        let n = names(&titles);
        let mut seen = HashSet::new();
        for name in &n {
            rust_xlsxwriter::utility::check_sheet_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(seen.insert(name.to_lowercase()), "{name} repeats");
            assert_ne!(name.to_lowercase(), "history");
        }
    }

    // Many identical titles stay cheap (no quadratic search) and unique.
    #[test]
    fn many_duplicates_are_linear() {
        let titles = vec!["Phase"; 5000];
        let n = names(&titles);
        assert_eq!(n.iter().map(|s| s.to_lowercase()).collect::<HashSet<_>>().len(), 5001);
        assert_eq!(n[5000], "Phase (5000)");
    }
}
