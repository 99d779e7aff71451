//! The terminal summary of `diff`, for the person who edits the YAML: one
//! line per change with the ids, the party and the codes before and after
//! (`roles-changed LLMAAS-SEC-03 provider: C -> CI`), the matrix's own
//! changes first, then phase by phase in NEW's order, then the count per
//! kind; `no changes` when there are none.
//!
//! Each line starts with the kind, so `grep '^roles-changed'` finds them;
//! headings end in `:` and the count line starts with a digit. Colours
//! (ANSI, through anstyle) mark the kind of added, removed and changed
//! items when the caller asks for them.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::{Change, Changes, LegendChange, PartyCodes, Side};
use crate::model::{Lang, Rules, RulesOverride};

/// The summary, ending in a line break; with `color`, ANSI colours.
pub fn summary(matrix_id: &str, changes: &Changes, color: bool) -> String {
    if changes.is_empty() {
        return "no changes\n".to_string();
    }
    let paint = Paint { color };
    let mut out = String::new();
    let own: Vec<&Change> = changes.matrix.iter().chain(&changes.closing).collect();
    if !own.is_empty() {
        let _ = writeln!(out, "{}", paint.heading(&format!("matrix {matrix_id}:")));
        for c in own {
            line(&mut out, c, &paint);
        }
    }
    for p in &changes.phases {
        if !out.is_empty() {
            out.push('\n');
        }
        let heading = match p.side {
            Side::New => format!("phase {}:", p.phase),
            Side::Old => format!("phase {} (only in OLD):", p.phase),
        };
        let _ = writeln!(out, "{}", paint.heading(&heading));
        for c in &p.changes {
            line(&mut out, c, &paint);
        }
    }
    let n = changes.len();
    let counts: Vec<String> = changes.counts().iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
    let _ = writeln!(out, "\n{n} change{}: {}", if n == 1 { "" } else { "s" }, counts.join(", "));
    out
}

/// Whether and how to colour.
struct Paint {
    color: bool,
}

impl Paint {
    fn styled(&self, style: Style, text: &str) -> String {
        if self.color { format!("{style}{text}{style:#}") } else { text.to_string() }
    }

    fn heading(&self, text: &str) -> String {
        self.styled(Style::new().bold(), text)
    }

    /// The kind word: green for something added, red for something removed, yellow for a change.
    fn kind(&self, c: &Change) -> String {
        let colour = match c {
            Change::ActivityAdded { .. } | Change::PhaseAdded { .. } | Change::PartyAdded { .. } => {
                AnsiColor::Green
            }
            Change::LegendChanged { change: LegendChange::Added, .. } => AnsiColor::Green,
            Change::ActivityRemoved { .. } | Change::PhaseRemoved { .. } | Change::PartyRemoved { .. } => {
                AnsiColor::Red
            }
            Change::LegendChanged { change: LegendChange::Removed, .. } => AnsiColor::Red,
            _ => AnsiColor::Yellow,
        };
        self.styled(Style::new().fg_color(Some(colour.into())), c.kind().as_str())
    }
}

/// `""` is shown as `-`.
fn codes(c: &str) -> &str {
    if c.is_empty() { "-" } else { c }
}

fn tags(langs: &[Lang]) -> String {
    format!("[{}]", langs.iter().map(Lang::as_str).collect::<Vec<_>>().join(", "))
}

fn roles(r: &[PartyCodes]) -> String {
    r.iter().map(|p| format!("{}: {}", p.party, codes(&p.codes))).collect::<Vec<_>>().join(", ")
}

pub(super) fn rules_override(o: &RulesOverride) -> String {
    let mut parts = Vec::new();
    if let Some(v) = o.accountable {
        parts.push(format!("accountable: {}", super::json::accountable(v)));
    }
    if let Some(v) = o.responsible {
        parts.push(format!("responsible: {}", super::json::responsible(v)));
    }
    if let Some(v) = o.accountable_role {
        parts.push(format!("accountable_role: {v}"));
    }
    if let Some(v) = o.responsible_role {
        parts.push(format!("responsible_role: {v}"));
    }
    format!("{{{}}}", parts.join(", "))
}

/// Every key of the matrix rules, as the JSON names them.
pub(super) fn rules_full(r: &Rules) -> String {
    format!(
        "accountable: {}, responsible: {}, accountable_role: {}, responsible_role: {}",
        super::json::accountable(r.accountable),
        super::json::responsible(r.responsible),
        r.accountable_role,
        r.responsible_role
    )
}

fn rules_delta(old: &Rules, new: &Rules) -> String {
    let mut parts = Vec::new();
    if old.accountable != new.accountable {
        parts.push(format!(
            "accountable: {} -> {}",
            super::json::accountable(old.accountable),
            super::json::accountable(new.accountable)
        ));
    }
    if old.responsible != new.responsible {
        parts.push(format!(
            "responsible: {} -> {}",
            super::json::responsible(old.responsible),
            super::json::responsible(new.responsible)
        ));
    }
    if old.accountable_role != new.accountable_role {
        parts.push(format!("accountable_role: {} -> {}", old.accountable_role, new.accountable_role));
    }
    if old.responsible_role != new.responsible_role {
        parts.push(format!("responsible_role: {} -> {}", old.responsible_role, new.responsible_role));
    }
    parts.join(", ")
}

/// One change, one line.
fn line(out: &mut String, c: &Change, paint: &Paint) {
    let kind = paint.kind(c);
    let rest = match c {
        Change::ActivityAdded { activity, place, roles: r }
        | Change::ActivityRemoved { activity, place, roles: r } => {
            format!("{activity} in {place}: {}", roles(r))
        }
        Change::ActivityMoved { activity, from, to } => {
            format!("{activity}: {from} -> {to}")
        }
        Change::RolesChanged { activity, party, old, new } => {
            format!("{activity} {party}: {} -> {}", codes(old), codes(new))
        }
        Change::RulesChanged { activity, old, new } => {
            format!("{activity}: {} -> {}", rules_override(old), rules_override(new))
        }
        Change::TextChanged { activity, field, languages, source_changed } => format!(
            "{activity} {} {}{}",
            field.as_str(),
            tags(languages),
            if *source_changed { " (source language)" } else { "" }
        ),
        Change::Reordered { section } | Change::PhaseAdded { section } | Change::PhaseRemoved { section } => {
            section.to_string()
        }
        Change::SectionTextChanged { section, field, languages } => {
            format!("{section} {} {}", field.as_str(), tags(languages))
        }
        Change::PartyAdded { party } | Change::PartyRemoved { party } => party.clone(),
        Change::PartyRenamed { party, languages } => format!("{party} {}", tags(languages)),
        Change::MatrixTextChanged { field, languages } => format!("{} {}", field.as_str(), tags(languages)),
        Change::LegendChanged { code, change, languages } => match change {
            LegendChange::Added => format!("{code} added"),
            LegendChange::Removed => format!("{code} removed"),
            LegendChange::Reworded => format!("{code} {}", tags(languages)),
        },
        Change::MatrixRulesChanged { old, new } => rules_delta(old, new),
        Change::LanguagesChanged { added, removed } => {
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!("added {}", tags(added)));
            }
            if !removed.is_empty() {
                parts.push(format!("removed {}", tags(removed)));
            }
            parts.join(", ")
        }
    };
    let _ = writeln!(out, "{kind} {rest}");
}
