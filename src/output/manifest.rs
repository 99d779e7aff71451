//! The manifest: which files each render job of the last run produced, so
//! that a run with unchanged inputs does not render them again.
//!
//! A caller that can name everything a group of files depends on (for
//! `generate`: the tool build, the back-end, the language, the matrix file,
//! the templates and the options) digests it into an [`InputKey`] and stages
//! the group's files with it ([`super::Folder::stage_keyed`]). The commit
//! writes `DIR/.raci-annex.manifest` (hidden, never in `SHA256SUMS`):
//!
//! ```text
//! raci-annex manifest 1
//! <input key>\t<sha256>\t<size>\t<file name>
//! ...
//! end\t<entries>\t<sha256 hex of every byte above this line>
//! ```
//!
//! The next run asks [`super::Folder::reuse`] for a key before rendering: if
//! the manifest lists files for it and every one of them is in place with
//! the recorded size and SHA-256 (read back and hashed, so an edited or
//! replaced file is never trusted), the files are taken as they are. The
//! same key means the same inputs and so the same bytes; anything else
//! (another key, a missing or changed file, a damaged manifest) means the
//! job is rendered as usual. The manifest can only save work, never change
//! a byte.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::journal::{is_hex64, seal, unseal};

/// File name of the manifest in the output folder (hidden).
pub const NAME: &str = ".raci-annex.manifest";
const HEADER: &str = "raci-annex manifest 1\n";

/// A digest of everything that determines the bytes of a group of files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InputKey(pub(super) [u8; 32]);

impl InputKey {
    /// The SHA-256 of `parts`, each length-prefixed (so that no two lists of
    /// parts give the same key by running into each other).
    pub fn new<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> InputKey {
        let mut h = Sha256::new();
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        InputKey(h.finalize().into())
    }

    pub(super) fn hex(&self) -> String {
        crate::fingerprint::hex(&self.0)
    }
}

/// One file of a keyed group, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Final file name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256.
    pub sha256: String,
}

/// The manifest's bytes: `(key, file)` in staging order.
pub fn encode<'a>(entries: impl Iterator<Item = (&'a InputKey, &'a Recorded)>) -> Vec<u8> {
    seal(HEADER, entries.map(|(k, r)| format!("{}\t{}\t{}\t{}", k.hex(), r.sha256, r.size, r.name)))
}

/// The groups of a complete, well-formed manifest (files in their recorded
/// order); empty for anything else.
pub fn decode(bytes: &[u8]) -> HashMap<InputKey, Vec<Recorded>> {
    let mut groups: HashMap<InputKey, Vec<Recorded>> = HashMap::new();
    let Some(lines) = unseal(HEADER, bytes) else { return groups };
    for line in lines {
        let mut f = line.split('\t');
        let (Some(key), Some(sha256), Some(size), Some(name), None) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            return HashMap::new();
        };
        let (Some(key), true, Ok(size), Ok(())) =
            (parse_key(key), is_hex64(sha256), size.parse::<u64>(), super::check_name(name))
        else {
            return HashMap::new();
        };
        groups.entry(key).or_default().push(Recorded {
            name: name.to_owned(),
            size,
            sha256: sha256.to_owned(),
        });
    }
    groups
}

fn parse_key(hex: &str) -> Option<InputKey> {
    if !is_hex64(hex) {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(InputKey(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_and_a_damaged_one_reads_as_empty() {
        let (a, b) = (InputKey::new([b"a".as_slice()]), InputKey::new([b"b".as_slice()]));
        let r = |n: &str| Recorded { name: n.into(), size: 3, sha256: "f".repeat(64) };
        let (r1, r2, r3) = (r("x.csv"), r("x-legend.csv"), r("y.pdf"));
        let bytes = encode([(&a, &r1), (&a, &r2), (&b, &r3)].into_iter());
        let groups = decode(&bytes);
        assert_eq!(groups[&a], [r1, r2]);
        assert_eq!(groups[&b], [r3]);
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_empty(), "cut at {len}");
        }
        let escape = encode([(&a, &r("../x"))].into_iter());
        assert!(decode(&escape).is_empty(), "names are plain");
    }

    #[test]
    fn keys_tell_apart_parts_that_run_into_each_other() {
        assert_ne!(InputKey::new([b"ab".as_slice(), b"c"]), InputKey::new([b"a".as_slice(), b"bc"]));
        assert_eq!(InputKey::new([b"ab".as_slice()]), InputKey::new([b"ab".as_slice()]));
    }
}
