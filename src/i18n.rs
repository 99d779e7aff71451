//! Words that are not in the matrix: the per-language strings
//! (`templates/strings/<lang>.yaml`), and the templates folder that holds
//! them beside the layout ([`crate::layout`], `templates/layout.yaml`).
//!
//! Built-in copies of the shipped files are compiled into the binary, so the
//! tool works without the folder; a `--templates` folder overrides them file
//! by file. A language with no strings anywhere falls back to English, with
//! a warning, so that a matrix in any language can still be rendered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Diagnostic, Report};
use crate::layout::{Layout, RawLayout};
use crate::model::{Date, Lang};

/// The built-in strings, one YAML text per language.
const BUILTIN_STRINGS: &[(&str, &str)] = &[
    ("de", include_str!("../templates/strings/de.yaml")),
    ("en", include_str!("../templates/strings/en.yaml")),
    ("es", include_str!("../templates/strings/es.yaml")),
    ("fr", include_str!("../templates/strings/fr.yaml")),
    ("it", include_str!("../templates/strings/it.yaml")),
];

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
    /// The acceptance block where the parties sign. Optional in a
    /// templates folder's file: the built-in words of the language (else
    /// English) fill it in.
    #[serde(default)]
    pub acceptance: Option<AcceptanceStrings>,
    /// The words of the amendment annex of `diff --out`. Optional in a
    /// templates folder's file, filled in like [`Strings::acceptance`].
    #[serde(default)]
    pub amendment: Option<crate::diff::AmendmentStrings>,
}

/// The words of the acceptance block that ends an annex (pdf-annex.md, "A place to sign").
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each field is the label its name says; the YAML files document them")]
pub struct AcceptanceStrings {
    pub heading: String,
    /// The sentence above the boxes of the contract annex.
    pub intro: String,
    pub name: String,
    pub function: String,
    pub date: String,
    pub place: String,
    pub signature: String,
    /// The signature field's accessible description; `{party}` is the party's name.
    pub field: String,
}

impl Strings {
    /// The words of the acceptance block (the built-in English ones if none were loaded).
    pub fn acceptance(&self) -> &AcceptanceStrings {
        static ENGLISH: std::sync::LazyLock<Option<AcceptanceStrings>> =
            std::sync::LazyLock::new(|| builtin("en").and_then(|s| s.acceptance));
        match (&self.acceptance, &*ENGLISH) {
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => unreachable!("the built-in English strings have an acceptance block (tested)"),
        }
    }

    /// The words of the amendment annex (the built-in English ones if none were loaded).
    pub fn amendment(&self) -> &crate::diff::AmendmentStrings {
        static ENGLISH: std::sync::LazyLock<Option<crate::diff::AmendmentStrings>> =
            std::sync::LazyLock::new(|| builtin("en").and_then(|s| s.amendment));
        match (&self.amendment, &*ENGLISH) {
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => unreachable!("the built-in English strings have an amendment group (tested)"),
        }
    }

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
        if let Some(a) = &self.amendment {
            a.check()?;
        }
        Ok(())
    }
}

/// The built-in strings of `tag`, parsed.
fn builtin(tag: &str) -> Option<Strings> {
    let text = BUILTIN_STRINGS.iter().find(|(t, _)| *t == tag)?.1;
    serde_saphyr::from_str::<Strings>(text).ok()
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
                    Ok(mut s) => {
                        // Groups added after a folder's file was written: the built-in words.
                        if s.acceptance.is_none() {
                            s.acceptance = builtin(&tag).or_else(|| builtin("en")).and_then(|b| b.acceptance);
                        }
                        if s.amendment.is_none() {
                            s.amendment = builtin(&tag).or_else(|| builtin("en")).and_then(|b| b.amendment);
                        }
                        t.strings.insert(tag, s);
                    }
                    Err((at, msg)) => reports.push(template_report(&f, at, msg)),
                }
            }
        }
        let layout_file = dir.join("layout.yaml");
        if layout_file.exists() {
            match read_yaml::<RawLayout>(&layout_file) {
                Ok(raw) => match Layout::from_file(raw, dir, t.layout.clone()) {
                    Ok(layout) => t.layout = layout,
                    Err(problems) => {
                        reports.extend(problems.into_iter().map(|m| template_report(&layout_file, None, m)));
                    }
                },
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
