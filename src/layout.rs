//! The page layout (`templates/layout.yaml`): paper, orientation, margins,
//! type sizes, colours and the optional logo, read by the PDF and XLSX
//! back-ends.
//!
//! The built-in copy of the shipped file is compiled into the binary; a
//! `layout.yaml` in a `--templates` folder overrides it key by key.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The built-in layout.
const BUILTIN_LAYOUT: &str = include_str!("../templates/layout.yaml");

/// Paper size of the PDF and of the XLSX print setup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// ISO A4, 210 × 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

/// Page orientation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Taller than wide.
    #[default]
    Portrait,
    /// Wider than tall.
    Landscape,
}

/// Page margins in millimetres.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "the four sides")]
pub struct Margins {
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
}

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// As `0xRRGGBB`.
    pub fn hex(self) -> u32 {
        (u32::from(self.0) << 16) | (u32::from(self.1) << 8) | u32::from(self.2)
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let h = s.strip_prefix('#').unwrap_or(&s);
        if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(serde::de::Error::custom(format!("'{s}' is not a colour of the form \"#RRGGBB\"")));
        }
        let v = u32::from_str_radix(h, 16).map_err(serde::de::Error::custom)?;
        Ok(Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8))
    }
}

/// Colours used by the PDF and XLSX renderers.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "documented in templates/layout.yaml")]
pub struct Colors {
    pub text: Rgb,
    pub accent: Rgb,
    pub muted: Rgb,
    pub header_fill: Rgb,
    pub subphase_fill: Rgb,
    pub grid: Rgb,
    pub accountable_fill: Rgb,
    pub responsible_fill: Rgb,
    pub other_fill: Rgb,
}

/// The layout file as written: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLayout {
    paper: Option<Paper>,
    orientation: Option<Orientation>,
    margins_mm: Option<Margins>,
    body_size: Option<f32>,
    table_size: Option<f32>,
    title_size: Option<f32>,
    heading_size: Option<f32>,
    subheading_size: Option<f32>,
    colors: Option<Colors>,
    logo: Option<LogoSpec>,
    signatures: Option<Vec<String>>,
}

/// Page and type settings.
#[derive(Clone, Debug)]
#[allow(missing_docs, reason = "documented in templates/layout.yaml")]
pub struct Layout {
    pub paper: Paper,
    pub orientation: Orientation,
    pub margins_mm: Margins,
    pub body_size: f32,
    pub table_size: f32,
    pub title_size: f32,
    pub heading_size: f32,
    pub subheading_size: f32,
    pub colors: Colors,
    /// An optional logo printed at the top of the PDF's first page and on the legend sheet.
    pub logo: Option<std::sync::Arc<Logo>>,
    /// The ids of the parties that sign the annex, in order; `None`: every
    /// party of the matrix; empty: no acceptance block.
    pub signatures: Option<Vec<String>>,
}

/// Where the logo file is and how wide it is printed.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoSpec {
    /// A PNG file, relative to the templates folder.
    file: PathBuf,
    /// Printed width in millimetres (the height follows the aspect ratio).
    width_mm: f32,
    /// What the logo shows, for screen readers: one text, or one per language.
    alt: Option<AltText>,
}

/// A figure's alternate text: the same in every language, or per language.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum AltText {
    /// One text for every language.
    Every(String),
    /// A text per language tag, e.g. `{en: "Cloud Temple logo", de: "Logo von Cloud Temple"}`.
    PerLanguage(std::collections::BTreeMap<String, String>),
}

/// A decoded PNG logo.
#[derive(Debug)]
pub struct Logo {
    /// The PNG file as given (embedded as is in the XLSX).
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
    /// 8-bit RGB samples, row by row.
    pub rgb: Vec<u8>,
    /// 8-bit alpha samples, when the PNG has transparency.
    pub alpha: Option<Vec<u8>>,
    /// Printed width in millimetres.
    pub width_mm: f32,
    /// The alternate text given in the layout file, if any.
    pub alt: Option<AltText>,
}

impl Logo {
    /// The alternate text in `lang` (the tagged PDF's `Figure /Alt`): the
    /// layout's text for the language, else its English one, else "Logo".
    pub fn alt(&self, lang: &crate::model::Lang) -> &str {
        match &self.alt {
            Some(AltText::Every(s)) => s,
            Some(AltText::PerLanguage(m)) => m
                .get(lang.as_str())
                .or_else(|| m.get("en"))
                .or_else(|| m.values().next())
                .map_or("Logo", |s| s),
            None => "Logo",
        }
    }

    /// Printed height in millimetres.
    pub fn height_mm(&self) -> f32 {
        self.width_mm * self.height_px as f32 / self.width_px.max(1) as f32
    }

    /// Decodes a PNG (any colour type and depth) into 8-bit RGB plus alpha.
    fn decode(png_bytes: Vec<u8>, width_mm: f32) -> Result<Logo, String> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&png_bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().map_err(|e| format!("not a readable PNG: {e}"))?;
        let (w, h) = reader.info().size();
        if w == 0 || h == 0 || u64::from(w) * u64::from(h) > 4_000_000 {
            return Err(format!("the logo is {w} × {h} pixels; use at most 4 megapixels"));
        }
        let size = reader.output_buffer_size().ok_or("the PNG is too large to decode")?;
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).map_err(|e| format!("not a readable PNG: {e}"))?;
        buf.truncate(info.buffer_size());
        let px = (w * h) as usize;
        let (rgb, alpha) = match info.color_type {
            png::ColorType::Rgb => (buf, None),
            png::ColorType::Rgba => {
                let rgb = buf.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
                (rgb, Some(buf.chunks_exact(4).map(|p| p[3]).collect()))
            }
            png::ColorType::Grayscale => (buf.iter().flat_map(|&g| [g, g, g]).collect(), None),
            png::ColorType::GrayscaleAlpha => {
                let rgb = buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect();
                (rgb, Some(buf.chunks_exact(2).map(|p| p[1]).collect()))
            }
            png::ColorType::Indexed => return Err("indexed PNG could not be expanded".into()),
        };
        if rgb.len() != px * 3 {
            return Err("the PNG's pixel data is incomplete".into());
        }
        Ok(Logo { png: png_bytes, width_px: w, height_px: h, rgb, alpha, width_mm, alt: None })
    }
}

impl Layout {
    fn from_raw(r: RawLayout, base: Layout) -> Layout {
        Layout {
            logo: base.logo,
            signatures: r.signatures.or(base.signatures),
            paper: r.paper.unwrap_or(base.paper),
            orientation: r.orientation.unwrap_or(base.orientation),
            margins_mm: r.margins_mm.unwrap_or(base.margins_mm),
            body_size: r.body_size.unwrap_or(base.body_size),
            table_size: r.table_size.unwrap_or(base.table_size),
            title_size: r.title_size.unwrap_or(base.title_size),
            heading_size: r.heading_size.unwrap_or(base.heading_size),
            subheading_size: r.subheading_size.unwrap_or(base.subheading_size),
            colors: r.colors.unwrap_or(base.colors),
        }
    }

    /// Page width and height in millimetres, orientation applied.
    pub fn page_mm(&self) -> (f32, f32) {
        let (w, h) = match self.paper {
            Paper::A4 => (210.0, 297.0),
            Paper::Letter => (215.9, 279.4),
        };
        match self.orientation {
            Orientation::Portrait => (w, h),
            Orientation::Landscape => (h, w),
        }
    }

    fn check(&self) -> Result<(), String> {
        let sizes =
            [self.body_size, self.table_size, self.title_size, self.heading_size, self.subheading_size];
        if sizes.iter().any(|s| !(4.0..=40.0).contains(s)) {
            return Err("font sizes must lie between 4 and 40 pt".into());
        }
        let m = self.margins_mm;
        let (w, h) = self.page_mm();
        let all = [m.top, m.bottom, m.left, m.right];
        if all.iter().any(|v| !(0.0..=60.0).contains(v))
            || w - m.left - m.right < 100.0
            || h - m.top - m.bottom < 120.0
        {
            return Err(
                "margins must lie between 0 and 60 mm and leave at least 100 × 120 mm for the text".into()
            );
        }
        Ok(())
    }
}

impl Layout {
    /// The built-in layout (`templates/layout.yaml` as compiled in).
    pub(crate) fn builtin() -> Layout {
        let raw: RawLayout = serde_saphyr::from_str(BUILTIN_LAYOUT).unwrap_or_default();
        Layout::from_raw(raw, Layout::fallback())
    }

    /// Used only if the built-in layout file were unreadable (it is tested not to be).
    fn fallback() -> Layout {
        let g = Rgb(0x9A, 0xA8, 0xC2);
        Layout {
            logo: None,
            signatures: None,
            paper: Paper::A4,
            orientation: Orientation::Portrait,
            margins_mm: Margins { top: 22.0, bottom: 20.0, left: 18.0, right: 18.0 },
            body_size: 9.5,
            table_size: 8.5,
            title_size: 17.0,
            heading_size: 12.5,
            subheading_size: 10.5,
            colors: Colors {
                text: Rgb(0x1A, 0x1A, 0x1A),
                accent: Rgb(0x1F, 0x38, 0x64),
                muted: Rgb(0x59, 0x59, 0x59),
                header_fill: Rgb(0xD9, 0xE1, 0xF2),
                subphase_fill: Rgb(0xEE, 0xF2, 0xF8),
                grid: g,
                accountable_fill: Rgb(0xFB, 0xE2, 0xD5),
                responsible_fill: Rgb(0xE2, 0xEF, 0xDA),
                other_fill: Rgb(0xF7, 0xF7, 0xF7),
            },
        }
    }
}

impl Layout {
    /// `base` with every key that the layout file `raw` (in the templates
    /// folder `dir`) sets, its logo decoded, checked for sense.
    ///
    /// # Errors
    /// Every problem found (an unreadable logo, sizes or margins out of range).
    pub(crate) fn from_file(mut raw: RawLayout, dir: &Path, base: Layout) -> Result<Layout, Vec<String>> {
        let mut problems = Vec::new();
        let logo = raw.logo.take().map(|spec| load_logo(dir, &spec));
        let mut layout = Layout::from_raw(raw, base);
        match logo {
            Some(Ok(l)) => layout.logo = Some(std::sync::Arc::new(l)),
            Some(Err(m)) => problems.push(m),
            None => {}
        }
        if let Err(m) = layout.check() {
            problems.push(m);
        }
        if problems.is_empty() { Ok(layout) } else { Err(problems) }
    }
}

/// Reads and decodes the logo named by the layout file.
fn load_logo(dir: &Path, spec: &LogoSpec) -> Result<Logo, String> {
    if !(5.0..=120.0).contains(&spec.width_mm) {
        return Err(format!("logo.width_mm is {}; use 5 to 120 mm", spec.width_mm));
    }
    let path = dir.join(&spec.file);
    let len =
        std::fs::metadata(&path).map_err(|e| format!("cannot read the logo {}: {e}", path.display()))?.len();
    if len > 2 * 1024 * 1024 {
        return Err(format!("the logo {} is larger than 2 MiB", path.display()));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read the logo {}: {e}", path.display()))?;
    let mut logo =
        Logo::decode(bytes, spec.width_mm).map_err(|e| format!("the logo {}: {e}", path.display()))?;
    logo.alt.clone_from(&spec.alt);
    Ok(logo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_layout_parses_and_is_sane() {
        let raw: RawLayout = serde_saphyr::from_str(BUILTIN_LAYOUT).unwrap();
        let l = Layout::from_raw(raw, Layout::fallback());
        l.check().unwrap();
        assert_eq!(l.page_mm(), (210.0, 297.0));
    }
}
