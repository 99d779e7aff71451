//! The shipped fonts (DejaVu Sans regular and bold, from Debian's
//! fonts-dejavu-core, see `templates/fonts/LICENSE-DejaVu.txt`): which
//! characters they can draw and how wide each one is.
//!
//! The same metrics serve the validator (refuse characters that would print
//! as empty boxes), the PDF layout (wrap by real glyph widths) and the XLSX
//! row heights, so that the three never disagree.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// DejaVu Sans, regular.
pub const REGULAR_TTF: &[u8] = include_bytes!("../templates/fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold.
pub const BOLD_TTF: &[u8] = include_bytes!("../templates/fonts/DejaVuSans-Bold.ttf");
/// The PostScript names written into the PDF.
pub const REGULAR_NAME: &str = "DejaVuSans";
/// The PostScript name of the bold face.
pub const BOLD_NAME: &str = "DejaVuSans-Bold";

/// Code points below this are looked up in flat tables (Latin, Greek,
/// Cyrillic, general punctuation, currency): the hot path of measuring.
const DENSE: usize = 0x2200;
const MISSING: u16 = u16::MAX;

/// One face's character coverage and advance widths.
pub struct Face {
    /// The whole TrueType file.
    pub bytes: &'static [u8],
    /// Font units per em.
    pub units_per_em: u16,
    /// Ascender and descender in font units (descender negative).
    pub ascent: i16,
    /// Descender in font units (negative).
    pub descent: i16,
    dense_gid: Vec<u16>,
    dense_adv: Vec<u16>,
    sparse: BTreeMap<u32, (u16, u16)>,
}

impl Face {
    fn parse(bytes: &'static [u8]) -> Face {
        let mut warnings = Vec::new();
        // The fonts are compiled in and known good; a failure here is a build defect.
        let parsed = printpdf::ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .expect("the shipped DejaVu font parses");
        let mut dense_gid = vec![MISSING; DENSE];
        let mut dense_adv = vec![0; DENSE];
        let mut sparse = BTreeMap::new();
        for (&cp, &gid) in &parsed.codepoint_to_glyph {
            if gid == 0 {
                continue;
            }
            let adv = parsed.glyph_widths.get(&gid).copied().unwrap_or(0);
            if (cp as usize) < DENSE {
                dense_gid[cp as usize] = gid;
                dense_adv[cp as usize] = adv;
            } else {
                sparse.insert(cp, (gid, adv));
            }
        }
        Face {
            bytes,
            units_per_em: parsed.units_per_em,
            ascent: parsed.font_metrics.ascent,
            descent: parsed.font_metrics.descent,
            dense_gid,
            dense_adv,
            sparse,
        }
    }

    /// The glyph id of `c`, if the face has one.
    pub fn glyph(&self, c: char) -> Option<u16> {
        let cp = c as usize;
        if cp < DENSE {
            let g = self.dense_gid[cp];
            (g != MISSING).then_some(g)
        } else {
            self.sparse.get(&(cp as u32)).map(|e| e.0)
        }
    }

    /// Whether the face draws `c` (a real glyph, not the .notdef box).
    pub fn covers(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// Advance of `c` in font units (0 for a character the face lacks).
    pub fn advance(&self, c: char) -> u16 {
        let cp = c as usize;
        if cp < DENSE { self.dense_adv[cp] } else { self.sparse.get(&(cp as u32)).map_or(0, |e| e.1) }
    }

    /// Width of `s` in points at `size` points (no kerning: printpdf applies none either).
    pub fn width(&self, s: &str, size: f32) -> f32 {
        let units: u32 = s.chars().map(|c| u32::from(self.advance(c))).sum();
        units as f32 * size / f32::from(self.units_per_em)
    }
}

/// The regular face, parsed once per process.
pub fn regular() -> &'static Face {
    static FACE: OnceLock<Face> = OnceLock::new();
    FACE.get_or_init(|| Face::parse(REGULAR_TTF))
}

/// The bold face, parsed once per process.
pub fn bold() -> &'static Face {
    static FACE: OnceLock<Face> = OnceLock::new();
    FACE.get_or_init(|| Face::parse(BOLD_TTF))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_the_scripts_and_punctuation_of_contracts() {
        for c in "äöüßéèàçñłőŁŐǅ ΑΩαω АЯая –—‘’“”„«»…•€§\u{a0}".chars()
        {
            assert!(regular().covers(c), "regular lacks {c:?}");
            assert!(bold().covers(c), "bold lacks {c:?}");
        }
    }

    #[test]
    fn lacks_what_it_cannot_draw() {
        assert!(!regular().covers('\u{915}'));
        assert!(!regular().covers('\u{4e2d}'));
    }

    #[test]
    fn measures_wider_text_as_wider() {
        let f = regular();
        assert!(f.width("WWW", 10.0) > f.width("iii", 10.0));
        assert!((f.width("", 10.0)).abs() < f32::EPSILON);
    }
}
