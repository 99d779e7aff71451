//! Words and layout that are not in the matrix: per-language strings
//! (`templates/strings/<lang>.yaml`) and the layout (`templates/layout.yaml`).
//!
//! Built-in copies of the shipped files are compiled into the binary, so the
//! tool works without the folder; a `--templates` folder overrides them file
//! by file. A language with no strings anywhere falls back to English, with
//! a warning, so that a matrix in any language can still be rendered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Diagnostic, Report};
use crate::model::{Date, Lang};

/// The built-in strings, one YAML text per language.
const BUILTIN_STRINGS: &[(&str, &str)] = &[
    ("de", include_str!("../templates/strings/de.yaml")),
    ("en", include_str!("../templates/strings/en.yaml")),
    ("es", include_str!("../templates/strings/es.yaml")),
    ("fr", include_str!("../templates/strings/fr.yaml")),
    ("it", include_str!("../templates/strings/it.yaml")),
];
/// The built-in layout.
const BUILTIN_LAYOUT: &str = include_str!("../templates/layout.yaml");

/// Every word an output prints in one language that the matrix does not give.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each field is the label its name says; the YAML files document them")]
pub struct Strings {
    pub language_name: String,
    pub document_kind: String,
    pub matrix_id: String,
    pub version: String,
    pub as_of: String,
    pub language: String,
    pub legend_heading: String,
    pub legend_intro: String,
    pub code: String,
    pub role: String,
    pub description: String,
    pub activity_id: String,
    pub activity: String,
    pub note: String,
    pub notes_heading: String,
    pub contents_heading: String,
    pub fingerprint_heading: String,
    pub fingerprint_text: String,
    pub page_x_of_y: String,
    pub legend_sheet: String,
    pub continued: String,
    pub date_format: String,
    pub months: Vec<String>,
}

impl Strings {
    /// The date written the way the language writes dates, e.g. "23. November 2026".
    pub fn date(&self, d: &Date) -> String {
        let month = self.months.get(usize::from(d.month) - 1).cloned().unwrap_or_default();
        self.date_format
            .replace("{day2}", &format!("{:02}", d.day))
            .replace("{day}", &d.day.to_string())
            .replace("{month2}", &format!("{:02}", d.month))
            .replace("{month}", &month)
            .replace("{year}", &d.year.to_string())
    }

    /// "Page X of Y" in the language.
    pub fn page_x_of_y(&self, page: usize, pages: usize) -> String {
        self.page_x_of_y.replace("{pages}", &pages.to_string()).replace("{page}", &page.to_string())
    }

    /// The fingerprint sentence with tool, matrix id and version filled in.
    pub fn fingerprint(&self, tool: &str, id: &str, version: &str) -> String {
        self.fingerprint_text.replace("{tool}", tool).replace("{id}", id).replace("{version}", version)
    }

    fn check(&self) -> Result<(), String> {
        if self.months.len() != 12 {
            return Err(format!("`months` has {} names; it needs 12", self.months.len()));
        }
        let sheet = &self.legend_sheet;
        if sheet.is_empty()
            || sheet.chars().count() > 31
            || sheet.contains(['[', ']', ':', '*', '?', '/', '\\'])
        {
            return Err("`legend_sheet` must be 1 to 31 characters without any of []:*?/\\".into());
        }
        Ok(())
    }
}

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
struct RawLayout {
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
}

/// Where the logo file is and how wide it is printed.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoSpec {
    /// A PNG file, relative to the templates folder.
    file: PathBuf,
    /// Printed width in millimetres (the height follows the aspect ratio).
    width_mm: f32,
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
}

impl Logo {
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
        Ok(Logo { png: png_bytes, width_px: w, height_px: h, rgb, alpha, width_mm })
    }
}

impl Layout {
    fn from_raw(r: RawLayout, base: Layout) -> Layout {
        Layout {
            logo: base.logo,
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

/// Strings for every language that may be asked for, plus the layout.
#[derive(Clone, Debug)]
pub struct Templates {
    strings: BTreeMap<String, Strings>,
    /// Page and type settings.
    pub layout: Layout,
}

impl Templates {
    /// The built-in templates only.
    pub fn builtin() -> Templates {
        let mut t = Templates { strings: BTreeMap::new(), layout: Layout::builtin() };
        t.add_builtin_strings();
        t
    }

    /// The built-in strings of every language that has none yet (a template
    /// folder's file replaces the built-in one whole, so that one is not parsed).
    fn add_builtin_strings(&mut self) {
        for (tag, text) in BUILTIN_STRINGS {
            if self.strings.contains_key(*tag) {
                continue;
            }
            // The built-in files are tested (see tests below); parsing cannot fail at run time.
            if let Ok(s) = serde_saphyr::from_str::<Strings>(text) {
                self.strings.insert((*tag).to_string(), s);
            }
        }
    }

    /// The built-in templates overridden by the files present in `dir`.
    ///
    /// # Errors
    /// A report per file that exists but does not parse or breaks a rule.
    pub fn load(dir: &Path) -> Result<Templates, Vec<Report>> {
        let mut t = Templates { strings: BTreeMap::new(), layout: Layout::builtin() };
        let mut reports = Vec::new();
        let strings_dir = dir.join("strings");
        if let Ok(entries) = std::fs::read_dir(&strings_dir) {
            let mut files: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            for f in files.into_iter().filter(|f| f.extension().is_some_and(|x| x == "yaml")) {
                let Some(tag) = f.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else { continue };
                if Lang::parse(&tag).is_none() {
                    continue;
                }
                match read_yaml::<Strings>(&f).and_then(|s| s.check().map(|()| s).map_err(|m| (None, m))) {
                    Ok(s) => {
                        t.strings.insert(tag, s);
                    }
                    Err((at, msg)) => reports.push(template_report(&f, at, msg)),
                }
            }
        }
        let layout_file = dir.join("layout.yaml");
        if layout_file.exists() {
            match read_yaml::<RawLayout>(&layout_file) {
                Ok(mut raw) => {
                    let logo = raw.logo.take().map(|spec| load_logo(dir, &spec));
                    let mut layout = Layout::from_raw(raw, t.layout.clone());
                    match logo {
                        Some(Ok(l)) => layout.logo = Some(std::sync::Arc::new(l)),
                        Some(Err(m)) => reports.push(template_report(&layout_file, None, m)),
                        None => {}
                    }
                    match layout.check() {
                        Ok(()) => t.layout = layout,
                        Err(m) => reports.push(template_report(&layout_file, None, m)),
                    }
                }
                Err((at, msg)) => reports.push(template_report(&layout_file, at, msg)),
            }
        }
        t.add_builtin_strings();
        if reports.is_empty() { Ok(t) } else { Err(reports) }
    }

    /// The strings for `lang`, or English when there are none for it.
    pub fn strings(&self, lang: &Lang) -> &Strings {
        self.strings
            .get(lang.as_str())
            .or_else(|| self.strings.get("en"))
            .or_else(|| self.strings.values().next())
            .expect("the built-in English strings exist")
    }

    /// Whether `lang` has its own strings (else English is used).
    pub fn has_strings(&self, lang: &Lang) -> bool {
        self.strings.contains_key(lang.as_str())
    }

    /// Every language with its own strings.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.strings.keys().map(String::as_str)
    }
}

impl Layout {
    /// The built-in layout (`templates/layout.yaml` as compiled in).
    fn builtin() -> Layout {
        let raw: RawLayout = serde_saphyr::from_str(BUILTIN_LAYOUT).unwrap_or_default();
        Layout::from_raw(raw, Layout::fallback())
    }

    /// Used only if the built-in layout file were unreadable (it is tested not to be).
    fn fallback() -> Layout {
        let g = Rgb(0x9A, 0xA8, 0xC2);
        Layout {
            logo: None,
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
    Logo::decode(bytes, spec.width_mm).map_err(|e| format!("the logo {}: {e}", path.display()))
}

type YamlError = (Option<(u64, u64)>, String);

fn read_yaml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, YamlError> {
    let meta = std::fs::metadata(path).map_err(|e| (None, format!("cannot read the file: {e}")))?;
    if meta.len() > 1024 * 1024 {
        return Err((None, "a template file may be at most 1 MiB".into()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| (None, format!("cannot read the file: {e}")))?;
    serde_saphyr::from_str::<T>(&text).map_err(|e| {
        let at = e.location().filter(|l| l.line() > 0).map(|l| (l.line(), l.column()));
        let mut opts = serde_saphyr::RenderOptions::default();
        opts.formatter = &serde_saphyr::UserMessageFormatter;
        opts.snippets = serde_saphyr::SnippetMode::Off;
        (at, e.render_with_options(opts))
    })
}

fn template_report(path: &Path, at: Option<(u64, u64)>, msg: String) -> Report {
    let mut r = Report::new(path);
    r.source = std::fs::read_to_string(path).ok();
    r.push(Diagnostic::error(crate::diag::Code::Template, at, msg).subject("template").help(
        "compare the file with the shipped one in templates/ (every key of a strings file is required)",
    ));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder's strings file replaces that language's built-in strings;
    /// every other language keeps its built-in ones.
    #[test]
    fn a_template_folder_overrides_only_its_languages() {
        let dir = std::env::temp_dir().join(format!("raci-templates-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("strings")).expect("folder");
        let de = BUILTIN_STRINGS.iter().find(|(t, _)| *t == "de").expect("de").1;
        let changed = de.replacen("Seite {page} von {pages}", "S. {page}/{pages}", 1);
        assert_ne!(changed, de, "the German footer text moved; update this test");
        std::fs::write(dir.join("strings/de.yaml"), changed).expect("write");
        let t = Templates::load(&dir).expect("loads");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(t.languages().count(), 5);
        assert_eq!(t.strings(&Lang::parse("de").expect("de")).page_x_of_y, "S. {page}/{pages}");
        let builtin = Templates::builtin();
        for tag in ["en", "fr", "es", "it"] {
            let l = Lang::parse(tag).expect("tag");
            assert_eq!(t.strings(&l).page_x_of_y, builtin.strings(&l).page_x_of_y, "{tag}");
        }
    }

    #[test]
    fn builtin_strings_exist_for_the_five_languages_and_pass_their_checks() {
        for (tag, text) in BUILTIN_STRINGS {
            let s: Strings = serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{tag}: {e}"));
            s.check().unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert!(s.page_x_of_y.contains("{page}") && s.page_x_of_y.contains("{pages}"), "{tag}");
        }
        assert_eq!(Templates::builtin().languages().count(), 5);
    }

    #[test]
    fn builtin_layout_parses_and_is_sane() {
        let raw: RawLayout = serde_saphyr::from_str(BUILTIN_LAYOUT).unwrap();
        let l = Layout::from_raw(raw, Layout::fallback());
        l.check().unwrap();
        assert_eq!(l.page_mm(), (210.0, 297.0));
    }

    #[test]
    fn writes_dates_the_way_each_language_does() {
        let t = Templates::builtin();
        let d = Date { year: 2026, month: 11, day: 3 };
        let s = |l: &str| t.strings(&Lang::parse(l).unwrap()).date(&d);
        assert_eq!(s("de"), "3. November 2026");
        assert_eq!(s("en"), "3 November 2026");
        assert_eq!(s("fr"), "3 novembre 2026");
        assert_eq!(s("es"), "3 de noviembre de 2026");
        assert_eq!(s("it"), "3 novembre 2026");
    }

    #[test]
    fn falls_back_to_english_for_a_language_without_strings() {
        let t = Templates::builtin();
        let el = Lang::parse("el").unwrap();
        assert!(!t.has_strings(&el));
        assert_eq!(t.strings(&el).language_name, "English");
    }
}
