//! The commands for the people who write matrices (`../shared/spec/authoring.md`):
//! `schema` (the JSON Schema for editors), `completions SHELL` and `manpage`.
//! The completions and the manual page are generated from the same clap
//! definition as `--help` (`cli.rs`), so they list every subcommand and
//! option `--help` lists.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;

/// The binary's name, as completions and the manual page call it.
const BIN: &str = "raci-annex";

/// Writes `bytes` to standard output; exit status 3 (cli.md: outputs not
/// writable) when that fails, e.g. on a full disk.
fn emit(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            ExitCode::from(3)
        }
    }
}

/// `raci-annex schema`.
pub(crate) fn schema() -> ExitCode {
    emit(raci_annex::load::schema::json().as_bytes())
}

/// `raci-annex completions SHELL`.
pub(crate) fn completions(shell: clap_complete::Shell) -> ExitCode {
    emit(&completion_script(shell))
}

/// `raci-annex manpage`.
pub(crate) fn manpage() -> ExitCode {
    emit(&manual_page())
}

/// The completion script for `shell`.
fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    script
}

/// One manual page for the whole tool: clap_mangen's title, name,
/// synopsis, description and options of the top-level command, then a
/// section per subcommand (`RACI-ANNEX GENERATE`) with its synopsis,
/// description and options as subsections, so that `man raci-annex`
/// documents every option in one page.
fn manual_page() -> Vec<u8> {
    let mut cmd = Cli::command().name(BIN).disable_help_subcommand(true);
    cmd.build(); // gives each subcommand its full name, `raci-annex generate`
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    // Writing into a Vec cannot fail; each render call starts with the same
    // two-line preamble (a quote string for groff), kept only once.
    let mut parts = Vec::new();
    let _ = man.render_title(&mut parts);
    let _ = man.render_name_section(&mut parts);
    let _ = man.render_synopsis_section(&mut parts);
    let _ = man.render_description_section(&mut parts);
    let _ = man.render_options_section(&mut parts);
    let _ = man.render_version_section(&mut parts);
    push_roff(&mut page, &parts, false);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_uppercase();
        let _ = writeln!(page, ".SH \"{name}\"");
        let man = clap_mangen::Man::new(sub.clone());
        let mut parts = Vec::new();
        let _ = man.render_synopsis_section(&mut parts);
        let _ = man.render_description_section(&mut parts);
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            let _ = man.render_options_section(&mut parts);
        }
        push_roff(&mut page, &parts, true);
    }
    page
}

/// Appends roff `text`, without the repeats of the preamble (after the
/// first), and with `.SH` headings as `.SS` subsections if `nested`.
fn push_roff(page: &mut Vec<u8>, text: &[u8], nested: bool) {
    let text = String::from_utf8_lossy(text);
    let mut seen = page.starts_with(b".ie ");
    for line in text.lines() {
        if line.starts_with(".ie \\n(.g ") || line.starts_with(".el .ds Aq ") {
            if seen {
                continue;
            }
            if line.starts_with(".el ") {
                seen = true;
            }
        }
        let line = match line.strip_prefix(".SH ") {
            Some(h) if nested => format!(".SS {h}"),
            _ => line.to_string(),
        };
        let _ = writeln!(page, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    /// The subcommands `--help` lists (every one but clap's own `help`).
    fn subcommands() -> Vec<clap::Command> {
        Cli::command().get_subcommands().filter(|s| !s.is_hide_set()).cloned().collect()
    }

    /// `--long` of every option of `cmd`.
    fn long_options(cmd: &clap::Command) -> Vec<String> {
        cmd.get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long())
            .map(|l| format!("--{l}"))
            .collect()
    }

    // Every subcommand, and every option of every subcommand, is in the script of every shell.
    #[test]
    fn completions_name_every_subcommand_and_option() {
        assert!(
            subcommands().len() >= 5,
            "{:?}",
            subcommands().iter().map(|s| s.get_name()).collect::<Vec<_>>()
        );
        for shell in clap_complete::Shell::value_variants() {
            let script = String::from_utf8(completion_script(*shell)).expect("UTF-8");
            for sub in subcommands() {
                assert!(script.contains(sub.get_name()), "{shell}: no `{}`", sub.get_name());
                for long in long_options(&sub) {
                    // fish writes `-l data` for `--data`.
                    let written = match shell {
                        clap_complete::Shell::Fish => format!("-l {}", &long[2..]),
                        _ => long.clone(),
                    };
                    assert!(script.contains(&written), "{shell}: no `{written}` of `{}`", sub.get_name());
                }
            }
        }
    }

    // The manual page has a section for every subcommand, with each of its options.
    #[test]
    fn manual_page_documents_every_subcommand_and_option() {
        let page = String::from_utf8(manual_page()).expect("UTF-8");
        assert!(page.contains("\n.TH raci-annex 1 "), "{page}");
        for sub in subcommands() {
            let heading = format!(".SH \"RACI-ANNEX {}\"", sub.get_name().to_uppercase());
            let at = page.find(&heading).unwrap_or_else(|| panic!("no {heading} in:\n{page}"));
            let section = &page[at..];
            let section = &section[..section[1..].find("\n.SH ").map_or(section.len(), |e| e + 1)];
            for long in long_options(&sub) {
                // roff escapes the hyphens of an option: \-\-data.
                let roff = long.replace('-', "\\-");
                assert!(section.contains(&roff), "{heading}: no `{long}` in:\n{section}");
            }
        }
    }
}
