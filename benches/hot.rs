//! Micro-benchmarks of the hot paths the profile named (callgrind on a
//! 1,000-activity annex): loading and validating YAML, line breaking, and
//! each back-end rendering one language. Run with `cargo bench`; the
//! side-by-side comparison with other tools is `scripts/bench.sh`.

use std::fmt::Write as _;
use std::path::PathBuf;

use raci_annex::i18n::Templates;
use raci_annex::model::{Lang, Matrix};
use raci_annex::render::{Format, Job, RenderOptions};
use raci_annex::view::View;

fn main() {
    divan::main();
}

/// A valid matrix with `n` activities over 6 phases, 3 languages, texts of
/// about 100 characters with accents, written to a temporary file.
fn matrix_file(n: usize) -> PathBuf {
    let mut y = String::from(
        "schema: 1\nid: bench\nversion: \"1.0\"\ndate: 2026-11-23\nsource_language: de\nlanguages: [de, en, fr]\n\
         title: {de: \"Matrix – Bench\", en: \"Matrix – Bench\", fr: \"Matrice – Bench\"}\nroles:\n",
    );
    for c in ["R", "A", "C", "I"] {
        let _ = writeln!(
            y,
            "  - {{code: {c}, name: {{de: {c}, en: {c}, fr: {c}}}, description: {{de: d, en: d, fr: d}}}}"
        );
    }
    y.push_str("parties:\n  - {id: customer, name: {de: Kunde, en: Customer, fr: Client}}\n  - {id: provider, name: {de: Anbieter, en: Provider, fr: Fournisseur}}\nphases:\n");
    for p in 0..6 {
        let _ = writeln!(
            y,
            "  - id: p{p}\n    title: {{de: \"Phase {p} – Betrieb\", en: \"Phase {p}\", fr: \"Phase {p} – Exploitation\"}}\n    activities:"
        );
        for i in (0..n).filter(|i| i % 6 == p) {
            let _ = writeln!(
                y,
                "      - id: B-{i:06}\n        text: {{de: \"Überprüfen, ob der Dienst in Zürich und Kraków den Anforderungen entspricht, Nummer {i}\", \
                 en: \"Check that the service in Zürich and Kraków meets the requirements, number {i}\", \
                 fr: \"Vérifier que le service à Zürich et Kraków répond aux exigences, numéro {i}\"}}\n        roles: {{customer: RA, provider: CI}}"
            );
        }
    }
    let path = std::env::temp_dir().join(format!("raci-bench-{n}-{}.yaml", std::process::id()));
    std::fs::write(&path, y).expect("write bench matrix");
    path
}

fn loaded(n: usize) -> Matrix {
    let path = matrix_file(n);
    let m = raci_annex::load::load(&path).expect("bench matrix is valid").matrix;
    let _ = std::fs::remove_file(path);
    m
}

/// Parse and validate (serde-saphyr with spans, every rule, glyph coverage).
#[divan::bench(args = [1000, 10000])]
fn load(bencher: divan::Bencher, n: usize) {
    let path = matrix_file(n);
    bencher.bench(|| raci_annex::load::load(&path).expect("valid"));
    let _ = std::fs::remove_file(path);
}

/// Greedy line breaking by DejaVu glyph widths.
#[divan::bench]
fn wrap_paragraph() -> usize {
    let text =
        "Überprüfen, ob der LLMaaS-Service dem Anwendungsbedarf entspricht und die Daten in Zürich bleiben";
    raci_annex::render::pdf::wrap::wrap(divan::black_box(text), raci_annex::fonts::regular(), 8.5, 250.0)
        .len()
}

/// One back-end rendering one language of a 1,000-activity matrix.
#[divan::bench(args = ["pdf", "xlsx", "csv"])]
fn render_1000(bencher: divan::Bencher, format: &str) {
    let m = loaded(1000);
    let t = Templates::builtin();
    let de = Lang::parse("de").expect("tag");
    let options = RenderOptions::new(raci_annex::TOOL);
    let view = View::new(&m, &de);
    let job = Job { view: &view, strings: t.strings(&de), layout: &t.layout, options: &options };
    let format = Format::from_name(format).expect("a format");
    bencher.bench(|| format.render(&job).expect("renders"));
}
