//! Parsing a large matrix on two cores.
//!
//! serde-saphyr parses one document on one thread, and for a large matrix
//! that parse is most of the run before any rendering can start (about a
//! third of the wall time of a 10,000-activity job). A matrix is mostly its
//! `phases` list, so a large file whose `phases` is the last top-level key is
//! parsed as two documents at once, cut between two phases:
//!
//! * the head: the file up to the cut (every other field and the first phases);
//! * the tail: the same file with every line before the cut turned into a
//!   comment (its first character replaced by `#`, so that every later line,
//!   column and character offset stays what it is in the file), except the
//!   `phases:` line itself; it parses as `{phases: [the later phases]}`.
//!
//! The tail's phases are appended to the head's. Whenever the file has
//! anything that could make the two differ from one parse (anchors and
//! aliases, several documents or directives, another key after `phases`, a
//! flow-style list) or either half does not parse, the whole file is parsed
//! the usual way, so results and every error message are those of one
//! parse. Tests compare both ways on every fixture.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::raw::RawPhase;

/// Below this size the second thread is not worth starting.
pub(crate) const MIN_BYTES: usize = 256 * 1024;

/// The tail document: `{phases: [the phases after the cut]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Tail {
    pub phases: Spanned<Vec<RawPhase>>,
}

/// Where to cut `text` (a byte offset at the start of a phase item near the
/// middle) and the tail document, or `None` when the file does not qualify.
pub(crate) fn halves(text: &str) -> Option<(usize, String)> {
    halves_at(text, MIN_BYTES)
}

fn halves_at(text: &str, min_bytes: usize) -> Option<(usize, String)> {
    if text.len() < min_bytes || text.contains(['&', '*']) {
        return None;
    }
    let mut phases_line: Option<usize> = None; // byte offset of the `phases:` line
    let mut indent: Option<usize> = None; // of the phase items
    let mut items: Vec<usize> = Vec::new(); // byte offsets of the phase items' lines
    for (start, line) in lines(text) {
        let body = line.trim_end_matches(['\n', '\r']);
        let content = body.trim_start_matches(' ');
        let spaces = body.len() - content.len();
        let blank = content.is_empty() || content.starts_with('#');
        if body.starts_with("---") || body.starts_with("...") || body.starts_with('%') {
            return None; // several documents, or directives
        }
        match (phases_line, indent) {
            (None, _) if is_phases_key(body) => phases_line = Some(start),
            (None, _) => {}
            (Some(_), None) if !blank => {
                // The first item fixes the indentation of the list.
                if !content.starts_with("- ") {
                    return None; // a flow list, or no list
                }
                indent = Some(spaces);
                items.push(start);
            }
            (Some(_), Some(i)) if !blank => {
                if spaces == i && content.starts_with("- ") {
                    items.push(start);
                } else if spaces < i || (spaces == i && i == 0) {
                    return None; // another key after `phases`, or a less indented line
                }
            }
            _ => {}
        }
    }
    let phases_line = phases_line?;
    // The item nearest the middle, never the first (the head keeps at least one phase).
    let middle = text.len() / 2;
    let cut = items.iter().skip(1).copied().min_by_key(|&at| at.abs_diff(middle))?;

    let mut tail = String::with_capacity(text.len());
    for (start, mut line) in lines(&text[..cut]) {
        if start == 0 && line.starts_with('\u{feff}') {
            tail.push('\u{feff}');
            line = &line['\u{feff}'.len_utf8()..];
        }
        let first = line.chars().next();
        match first {
            _ if start == phases_line => tail.push_str(line),
            None | Some('\n') | Some('\r') => tail.push_str(line),
            Some(c) if c.is_ascii() => {
                tail.push('#');
                tail.push_str(&line[1..]);
            }
            Some(_) => return None, // a line starting with a wider character: keep offsets simple
        }
    }
    tail.push_str(&text[cut..]);
    Some((cut, tail))
}

/// Each line of `text` with its byte offset, line break included.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |at, line| {
        let start = *at;
        *at += line.len();
        Some((start, line))
    })
}

/// `phases:` at the start of a line, with nothing after it but a comment.
fn is_phases_key(body: &str) -> bool {
    body.strip_prefix("phases:").is_some_and(|rest| {
        let rest = rest.trim_start_matches(' ');
        rest.is_empty() || rest.starts_with('#')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse;
    use crate::load::raw::RawMatrix;

    /// Whenever both halves parse, one parse of the whole file succeeds too
    /// and gives the same matrix, locations included.
    fn agrees(text: &str) -> bool {
        let Some((cut, tail)) = halves_at(text, 0) else { return false };
        let (Ok(mut head), Ok(rest)) = (parse::<RawMatrix>(&text[..cut]), parse::<Tail>(&tail)) else {
            return false;
        };
        head.phases.value.extend(rest.phases.value);
        let whole = parse::<RawMatrix>(text)
            .unwrap_or_else(|d| panic!("halves parse, whole does not: {d:?}\n{text}"));
        assert_eq!(format!("{head:?}"), format!("{whole:?}"), "{text}");
        true
    }

    #[test]
    fn halves_give_what_one_parse_gives_on_every_fixture() {
        let mut split = 0;
        for dir in ["data", "tests/fixtures/valid", "tests/fixtures/invalid", "tests/fixtures/multi"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            for entry in std::fs::read_dir(&dir).expect("fixtures") {
                let path = entry.expect("entry").path();
                if let Ok(text) = std::fs::read_to_string(&path) {
                    split += usize::from(agrees(&text));
                }
            }
        }
        assert!(split >= 3, "only {split} fixtures were split");
    }

    /// Mutations of the LLMaaS matrix (lines deleted, doubled, swapped,
    /// characters inserted): halves never accept what one parse reads otherwise.
    #[test]
    fn halves_give_what_one_parse_gives_on_mutants() {
        let base = include_str!("../../data/llmaas.yaml");
        let lines: Vec<&str> = base.split_inclusive('\n').collect();
        let inserts = [
            " ",
            "  ",
            "- ",
            ":",
            "#",
            "'",
            "\"",
            "\n",
            "{",
            "}",
            "|",
            ">",
            "\t",
            "é",
            "- id: X\n",
            "phases:\n",
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut split = 0;
        for _ in 0..3000 {
            let mut ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            for _ in 0..1 + next(3) {
                let i = next(ls.len());
                match next(4) {
                    0 => {
                        ls.remove(i);
                    }
                    1 => ls.insert(i, ls[i].clone()),
                    2 => {
                        let j = next(ls.len());
                        ls.swap(i, j);
                    }
                    _ => {
                        let l = &mut ls[i];
                        let mut at = next(l.len() + 1);
                        while !l.is_char_boundary(at) {
                            at -= 1;
                        }
                        l.insert_str(at, inserts[next(inserts.len())]);
                    }
                }
            }
            split += usize::from(agrees(&ls.concat()));
        }
        assert!(split > 300, "only {split} mutants were split");
    }

    fn big(phases: usize) -> String {
        let mut s = String::from("schema: 1\nid: x\nphases:\n");
        for p in 0..phases {
            s.push_str(&format!("  - id: p{p}\n    title: {{de: Phase {p}}}\n    activities:\n"));
            for a in 0..200 {
                s.push_str(&format!(
                    "      - id: A-{p}-{a}\n        text: {{de: 'Tätigkeit {a} über - id: nichts'}}\n"
                ));
            }
        }
        s
    }

    #[test]
    fn cuts_between_two_phases_and_keeps_every_offset() {
        let text = big(40);
        let (cut, tail) = halves(&text).expect("qualifies");
        assert!(text[cut..].starts_with("  - id: p"), "{}", &text[cut..cut + 20]);
        assert!(cut > 0 && cut.abs_diff(text.len() / 2) < text.len() / 20);
        // Same lines, same characters per line, the head commented out.
        assert_eq!(tail.lines().count(), text.lines().count());
        for (t, o) in tail.lines().zip(text.lines()) {
            assert_eq!(t.chars().count(), o.chars().count());
        }
        assert!(tail.contains("\nphases:\n#"));
        assert!(tail.ends_with(&text[cut..]));
    }

    #[test]
    fn refuses_what_one_parse_could_read_differently() {
        let text = big(40);
        assert!(halves(&text.replacen("schema: 1", "schema: &a 1", 1)).is_none(), "anchor");
        assert!(halves(&format!("{text}notes: []\n")).is_none(), "a key after phases");
        assert!(halves(&format!("---\n{text}")).is_none(), "document marker");
        assert!(halves(&text.replacen("phases:\n", "phases: [\n", 1)).is_none(), "flow list");
        assert!(halves(&text[..1000]).is_none(), "too small");
    }
}
