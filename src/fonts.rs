//! The shipped fonts (DejaVu Sans regular and bold, from Debian's
//! fonts-dejavu-core, see `templates/fonts/LICENSE-DejaVu.txt`): which
//! characters they can draw and how wide each one is.
//!
//! The same metrics serve the validator (refuse characters that would print
//! as empty boxes), the PDF layout (wrap by real glyph widths) and the XLSX
//! row heights, so that the three never disagree.

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
    /// (code point, glyph, advance) above the dense range, sorted by code point.
    sparse: Vec<(u32, u16, u16)>,
}

impl Face {
    fn parse(bytes: &'static [u8]) -> Face {
        // Read cmap and hmtx straight into flat tables with allsorts (printpdf's
        // ParsedFont would first copy the 750 KB file and fill two BTreeMaps of
        // every glyph: a third of a small run's start-up).
        Self::read(bytes).expect("the shipped DejaVu font parses")
    }

    fn read(bytes: &'static [u8]) -> Option<Face> {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::tables::cmap::Cmap;
        use allsorts::tables::{FontTableProvider, HeadTable, HheaTable, HmtxTable, MaxpTable};
        use allsorts::tag;

        let data = ReadScope::new(bytes).read::<FontData<'_>>().ok()?;
        let provider = data.table_provider(0).ok()?;
        let head_data = provider.read_table_data(tag::HEAD).ok()?;
        let head = ReadScope::new(&head_data).read::<HeadTable>().ok()?;
        let hhea_data = provider.read_table_data(tag::HHEA).ok()?;
        let hhea = ReadScope::new(&hhea_data).read::<HheaTable>().ok()?;
        let maxp_data = provider.read_table_data(tag::MAXP).ok()?;
        let maxp = ReadScope::new(&maxp_data).read::<MaxpTable>().ok()?;
        let hmtx_data = provider.read_table_data(tag::HMTX).ok()?;
        let hmtx = ReadScope::new(&hmtx_data)
            .read_dep::<HmtxTable<'_>>((usize::from(maxp.num_glyphs), usize::from(hhea.num_h_metrics)))
            .ok()?;
        let cmap_data = provider.read_table_data(tag::CMAP).ok()?;
        let cmap = ReadScope::new(&cmap_data).read::<Cmap<'_>>().ok()?;
        let (_, subtable) = allsorts::font::read_cmap_subtable(&cmap).ok()??;

        let mut dense_gid = vec![MISSING; DENSE];
        let mut dense_adv = vec![0; DENSE];
        let mut sparse = Vec::new();
        subtable
            .mappings_fn(|cp, gid| {
                if gid == 0 {
                    return;
                }
                let adv = hmtx.horizontal_advance(gid).unwrap_or(0);
                if (cp as usize) < DENSE {
                    dense_gid[cp as usize] = gid;
                    dense_adv[cp as usize] = adv;
                } else {
                    sparse.push((cp, gid, adv));
                }
            })
            .ok()?;
        sparse.sort_unstable();
        Some(Face {
            bytes,
            units_per_em: head.units_per_em,
            ascent: hhea.ascender,
            descent: hhea.descender,
            dense_gid,
            dense_adv,
            sparse,
        })
    }

    fn find(&self, cp: u32) -> Option<&(u32, u16, u16)> {
        self.sparse.binary_search_by_key(&cp, |e| e.0).ok().map(|i| &self.sparse[i])
    }

    /// The glyph id of `c`, if the face has one.
    pub fn glyph(&self, c: char) -> Option<u16> {
        let cp = c as usize;
        if cp < DENSE {
            let g = self.dense_gid[cp];
            (g != MISSING).then_some(g)
        } else {
            self.find(cp as u32).map(|e| e.1)
        }
    }

    /// Whether the face draws `c` (a real glyph, not the .notdef box).
    pub fn covers(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// Advance of `c` in font units (0 for a character the face lacks).
    pub fn advance(&self, c: char) -> u16 {
        let cp = c as usize;
        if cp < DENSE { self.dense_adv[cp] } else { self.find(cp as u32).map_or(0, |e| e.2) }
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
