//! The commit journal: the renames of one commit, written durably before the
//! first of them, so that a run killed half-way through its renames is
//! finished by the next run into the folder (the way SQLite rolls a hot
//! journal forward). Format in `docs/cli.md`, section *The commit journal*.
//!
//! ```text
//! raci-annex journal 1
//! <sha256 hex>\t<size>\t<temporary name>\t<final name>
//! ...
//! end\t<entries>\t<sha256 hex of every byte above this line>
//! ```
//!
//! A journal is only acted on when it is complete: the last line must be
//! the `end` line, its count must match and its digest must be that of
//! everything before it. A journal cut short (a run killed, or a power
//! cut, while it was written) fails that check and is ignored: its run had
//! not started renaming yet, so the files in place are still the previous
//! run's, whole. Names are checked too (plain names, temporary names of
//! this tool), so that even a forged journal cannot rename anything outside
//! the folder or over the lock or the journal.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// File name of the journal in the output folder (hidden).
pub const NAME: &str = ".raci-annex.journal";
const HEADER: &str = "raci-annex journal 1\n";
/// A journal larger than this is not read (a folder of a million files needs ~150 MB).
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// One rename of a commit: `temp` becomes `name`, whose content has this size and digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The temporary file's name in the folder.
    pub temp: String,
    /// The final name in the folder.
    pub name: String,
}

/// The journal's bytes for `entries`, in rename order.
pub fn encode(entries: &[Entry]) -> Vec<u8> {
    seal(HEADER, entries.iter().map(|e| format!("{}\t{}\t{}\t{}", e.sha256, e.size, e.temp, e.name)))
}

/// The entries of a complete, well-formed journal; `None` for anything else
/// (cut short, damaged, another format, names that are not plain).
pub fn decode(bytes: &[u8]) -> Option<Vec<Entry>> {
    let mut entries = Vec::new();
    for line in unseal(HEADER, bytes)? {
        let mut f = line.split('\t');
        let (Some(sha256), Some(size), Some(temp), Some(name), None) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            return None;
        };
        if !is_hex64(sha256) || !super::is_temp_name(temp) || !super::is_final_name(name) {
            return None;
        }
        entries.push(Entry {
            sha256: sha256.to_owned(),
            size: size.parse().ok()?,
            temp: temp.to_owned(),
            name: name.to_owned(),
        });
    }
    Some(entries)
}

/// Whether `s` is 64 lowercase hex digits (a SHA-256).
pub(super) fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `header` (one line, with its LF), then `lines` each ended by LF, then
/// `end\t<count>\t<sha256 of every byte above>`: a file that can be told
/// complete from cut short or damaged (the manifest has the same frame).
pub(super) fn seal(header: &str, lines: impl Iterator<Item = String>) -> Vec<u8> {
    let mut text = String::from(header);
    let mut count = 0usize;
    for line in lines {
        text.push_str(&line);
        text.push('\n');
        count += 1;
    }
    let digest = crate::fingerprint::hex(&Sha256::digest(text.as_bytes()));
    let _ = writeln!(text, "end\t{count}\t{digest}");
    text.into_bytes()
}

/// The lines between `header` and a valid `end` line of a [`seal`]ed file.
pub(super) fn unseal<'a>(header: &str, bytes: &'a [u8]) -> Option<Vec<&'a str>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let body = text.strip_suffix('\n')?;
    let i = body.rfind('\n')?;
    let (before, end) = (&text[..=i], &body[i + 1..]);
    let mut end = end.split('\t');
    let (Some("end"), Some(count), Some(digest), None) = (end.next(), end.next(), end.next(), end.next())
    else {
        return None;
    };
    if crate::fingerprint::hex(&Sha256::digest(before.as_bytes())) != digest {
        return None;
    }
    let lines: Vec<&str> = before.strip_prefix(header)?.lines().collect();
    (count.parse::<usize>().ok()? == lines.len()).then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<Entry> {
        vec![
            Entry {
                sha256: "a".repeat(64),
                size: 12,
                temp: ".raci-annex-7-0.tmp".into(),
                name: "x-de.csv".into(),
            },
            Entry {
                sha256: "0".repeat(64),
                size: 0,
                temp: ".raci-annex-7-1.tmp".into(),
                name: "SHA256SUMS".into(),
            },
        ]
    }

    #[test]
    fn a_whole_journal_reads_back() {
        let bytes = encode(&entries());
        assert_eq!(decode(&bytes), Some(entries()));
        assert_eq!(decode(&encode(&[])), Some(vec![]));
    }

    #[test]
    fn every_cut_short_or_damaged_journal_is_refused() {
        let bytes = encode(&entries());
        for len in 0..bytes.len() {
            assert_eq!(decode(&bytes[..len]), None, "cut at {len} of {}", bytes.len());
        }
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert_eq!(decode(&bad), None, "byte {i} flipped");
        }
        // A power cut can leave a file of the right size full of zeros.
        assert_eq!(decode(&vec![0; bytes.len()]), None);
    }

    #[test]
    fn names_outside_the_folder_are_refused_even_with_a_good_digest() {
        for (temp, name) in [
            (".raci-annex-7-0.tmp", "../escape"),
            (".raci-annex-7-0.tmp", "a/b"),
            (".raci-annex-7-0.tmp", ".."),
            (".raci-annex-7-0.tmp", ".raci-annex.lock"),
            (".raci-annex-7-0.tmp", NAME),
            ("../.raci-annex-7-0.tmp", "x"),
            ("other.tmp", "x"),
        ] {
            let e = Entry { sha256: "a".repeat(64), size: 1, temp: temp.into(), name: name.into() };
            assert_eq!(decode(&encode(&[e])), None, "{temp} -> {name}");
        }
    }
}
