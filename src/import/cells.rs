//! The small texts of a page that carry meaning: role cells (`**RA**`,
//! `C, I`, `I*`), party column headers (`Rôle Client`), legend names
//! (`(R) Réalise`) and footnote markers (`(1)`, `*`).
//!
//! Every function here takes text with the markup already removed
//! ([`super::markdown`]); none looks at Markdown syntax.

/// What a role cell of a page holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CellValue {
    /// Role codes, normalised: each letter once, in legend order (`""`: no role).
    Codes(String),
    /// Something that is not role codes (a party's name, a word): kept as written.
    Text(String),
}

/// A role cell as read: its value and how many `*` follow the codes (`I*`
/// marks the activity for the starred note under the table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cell {
    /// The codes or the text.
    pub value: CellValue,
    /// Number of trailing stars (0 for none).
    pub stars: usize,
}

/// Reads a role cell against the legend `codes` (in legend order): `RA`,
/// `C, I`, `C,I`, `C/I` and `C I` are codes; empty, `-`, `–` and `—` are no
/// role; anything else (a lowercase letter, a letter the legend lacks, a
/// word) is [`CellValue::Text`].
pub(crate) fn read_cell(shown: &str, codes: &[char]) -> Cell {
    let trimmed = shown.trim();
    let without_stars = trimmed.trim_end_matches(['*', ' ']);
    let stars = trimmed[without_stars.len()..].matches('*').count();
    let body = without_stars.trim();
    if body.is_empty() || matches!(body, "-" | "–" | "—" | "−") {
        // A star alone marks nothing: keep the cell as text if it was only stars.
        return if stars > 0 && body.is_empty() {
            Cell { value: CellValue::Text(trimmed.to_owned()), stars: 0 }
        } else {
            Cell { value: CellValue::Codes(String::new()), stars }
        };
    }
    let mut held = vec![false; codes.len()];
    for c in body.chars() {
        if matches!(c, ',' | '/' | '+' | ';' | '&') || c.is_whitespace() {
            continue;
        }
        match codes.iter().position(|&k| k == c) {
            Some(i) => held[i] = true,
            None => return Cell { value: CellValue::Text(trimmed.to_owned()), stars: 0 },
        }
    }
    let normalised: String = codes.iter().zip(&held).filter(|(_, h)| **h).map(|(c, _)| *c).collect();
    if normalised.is_empty() {
        return Cell { value: CellValue::Text(trimmed.to_owned()), stars: 0 };
    }
    Cell { value: CellValue::Codes(normalised), stars }
}

/// Words for "role" that column headers add to a party's name, in the
/// languages of the pages seen so far and their neighbours.
const ROLE_WORDS: &[&str] = &["role", "rôle", "rolle", "rol", "ruolo", "papel", "rola", "roll", "rooli"];
/// Little words left at the edge once the role word is gone (`Rol del Cliente`).
const LINK_WORDS: &[&str] = &[
    "de", "del", "du", "des", "di", "della", "dello", "of", "the", "der", "des", "von", "do", "da", "d'",
    "la", "le",
];

/// A party's name from its column header: the role word (`Rôle`, `Role`,
/// `Rolle`, `Rol`, `Ruolo`, also hyphenated as in `Cloud Temple-Rolle`) and
/// the little words it leaves at the edges are removed. A header that is
/// nothing but those words is kept as it is.
pub(crate) fn party_name(header: &str) -> String {
    let is_role = |w: &str| ROLE_WORDS.contains(&w.to_lowercase().as_str());
    let mut words: Vec<String> = Vec::new();
    let mut dropped = false;
    for w in header.split_whitespace() {
        if is_role(w.trim_matches(|c: char| c == ':' || c == '.')) {
            dropped = true;
            continue;
        }
        // `Cloud Temple-Rolle`, `Rolle-Kunde`
        let mut w = w.to_owned();
        if let Some((head, tail)) = w.rsplit_once('-')
            && is_role(tail)
            && !head.is_empty()
        {
            w = head.to_owned();
            dropped = true;
        }
        if let Some((head, tail)) = w.split_once('-')
            && is_role(head)
            && !tail.is_empty()
        {
            w = tail.to_owned();
            dropped = true;
        }
        words.push(w);
    }
    if dropped {
        let is_link = |w: &String| LINK_WORDS.contains(&w.to_lowercase().as_str());
        while words.first().is_some_and(is_link) {
            words.remove(0);
        }
        while words.last().is_some_and(is_link) {
            words.pop();
        }
    }
    let name = words.join(" ");
    if name.is_empty() { header.split_whitespace().collect::<Vec<_>>().join(" ") } else { name }
}

/// Words that name the customer in a column header.
const CUSTOMER_WORDS: &[&str] = &[
    "client",
    "clients",
    "customer",
    "customers",
    "kunde",
    "kunden",
    "kundenrolle",
    "cliente",
    "clientes",
    "klant",
    "klient",
    "cliente/utente",
    "utente",
    "usuario",
    "user",
    "auftraggeber",
];
/// Words that name the provider in a column header.
const PROVIDER_WORDS: &[&str] = &[
    "provider",
    "fournisseur",
    "prestataire",
    "anbieter",
    "dienstleister",
    "proveedor",
    "fornitore",
    "leverancier",
    "supplier",
    "vendor",
];

/// Which standard party a header names, if any: `customer` or `provider`.
pub(crate) fn standard_party(name: &str) -> Option<&'static str> {
    let words: Vec<String> =
        name.split(|c: char| !c.is_alphanumeric() && c != '/').map(str::to_lowercase).collect();
    if words.iter().any(|w| CUSTOMER_WORDS.contains(&w.as_str())) {
        Some("customer")
    } else if words.iter().any(|w| PROVIDER_WORDS.contains(&w.as_str())) {
        Some("provider")
    } else {
        None
    }
}

/// A legend row's first cell: `(R) Réalise` gives `('R', "Réalise")`.
pub(crate) fn legend_name(cell: &str) -> Option<(char, String)> {
    let rest = cell.trim().strip_prefix('(')?;
    let mut chars = rest.chars();
    let code = chars.next().filter(char::is_ascii_uppercase)?;
    let rest = chars.as_str().strip_prefix(')')?;
    let name = rest.trim().trim_start_matches([':', '-', '–', '—']).trim();
    Some((code, name.to_owned()))
}

/// What a note line starts with, if it is a footnote marker: a starred one
/// (`*`, `**`, `(*)`: the number of stars) or a numbered one (`(1)`, `1)`,
/// `[1]`, `¹`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    /// `*` … : the starred note for cells with that many stars.
    Stars(usize),
    /// `(1)` …
    Numbered,
}

/// The footnote marker a line of note text starts with.
pub(crate) fn marker(line: &str) -> Option<Marker> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("(*") {
        let more = rest.chars().take_while(|&c| c == '*').count();
        return rest[more..].starts_with(')').then_some(Marker::Stars(1 + more));
    }
    let stars = t.chars().take_while(|&c| c == '*').count();
    if stars > 0 {
        return Some(Marker::Stars(stars));
    }
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
    if let Some(rest) = t.strip_prefix('(').or_else(|| t.strip_prefix('[')) {
        let n = digits(rest);
        return (n > 0 && rest[n..].starts_with([')', ']'])).then_some(Marker::Numbered);
    }
    let n = digits(t);
    if n > 0 && t[n..].starts_with(')') {
        return Some(Marker::Numbered);
    }
    t.starts_with(['¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹', '†', '‡']).then_some(Marker::Numbered)
}

/// A starred note's text without its stars: `** Text` and `(*) Text` give `Text`.
pub(crate) fn strip_stars(line: &str) -> String {
    let t = line.trim_start();
    let t = if let Some(rest) = t.strip_prefix('(') {
        rest.trim_start_matches('*').strip_prefix(')').unwrap_or(t)
    } else {
        t.trim_start_matches('*')
    };
    t.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RACI: &[char] = &['R', 'A', 'C', 'I'];

    fn codes(s: &str) -> CellValue {
        read_cell(s, RACI).value
    }

    #[test]
    fn role_cells_are_normalised_to_legend_order() {
        assert_eq!(codes("RA"), CellValue::Codes("RA".into()));
        assert_eq!(codes("C, I"), CellValue::Codes("CI".into()));
        assert_eq!(codes("I,C"), CellValue::Codes("CI".into()));
        assert_eq!(codes("A R"), CellValue::Codes("RA".into()));
        assert_eq!(codes("C/I"), CellValue::Codes("CI".into()));
        for none in ["", " ", "-", "—", "–"] {
            assert_eq!(codes(none), CellValue::Codes(String::new()), "{none:?}");
        }
    }

    #[test]
    fn words_are_not_codes() {
        assert_eq!(codes("Kunde"), CellValue::Text("Kunde".into()));
        assert_eq!(codes("Cliente"), CellValue::Text("Cliente".into()));
        assert_eq!(codes("ra"), CellValue::Text("ra".into()));
        assert_eq!(codes("RX"), CellValue::Text("RX".into()));
    }

    #[test]
    fn stars_after_the_codes_are_counted() {
        assert_eq!(read_cell("I*", RACI), Cell { value: CellValue::Codes("I".into()), stars: 1 });
        assert_eq!(read_cell("C, I **", RACI), Cell { value: CellValue::Codes("CI".into()), stars: 2 });
        assert_eq!(read_cell("*", RACI).value, CellValue::Text("*".into()));
    }

    #[test]
    fn party_names_lose_the_role_word() {
        assert_eq!(party_name("Rôle Client"), "Client");
        assert_eq!(party_name("Client Role"), "Client");
        assert_eq!(party_name("Rol del Cliente"), "Cliente");
        assert_eq!(party_name("Rol de Cloud Temple"), "Cloud Temple");
        assert_eq!(party_name("Cloud Temple-Rolle"), "Cloud Temple");
        assert_eq!(party_name("Rolle Kunde"), "Kunde");
        assert_eq!(party_name("Ruolo Cliente"), "Cliente");
        assert_eq!(party_name("Kundenrolle"), "Kundenrolle");
        assert_eq!(party_name("Cloud Temple"), "Cloud Temple");
        assert_eq!(party_name("Rôle"), "Rôle");
    }

    #[test]
    fn standard_parties_are_recognised_by_name() {
        assert_eq!(standard_party("Client"), Some("customer"));
        assert_eq!(standard_party("Kundenrolle"), Some("customer"));
        assert_eq!(standard_party("Fournisseur"), Some("provider"));
        assert_eq!(standard_party("Cloud Temple"), None);
    }

    #[test]
    fn legend_names_and_markers() {
        assert_eq!(legend_name("(R) Réalise"), Some(('R', "Réalise".into())));
        assert_eq!(legend_name("(A) - Approuve"), Some(('A', "Approuve".into())));
        assert_eq!(legend_name("R Réalise"), None);
        assert_eq!(marker("(1) Le routeur"), Some(Marker::Numbered));
        assert_eq!(marker("[2] x"), Some(Marker::Numbered));
        assert_eq!(marker("3) x"), Some(Marker::Numbered));
        assert_eq!(marker("* x"), Some(Marker::Stars(1)));
        assert_eq!(marker("(**) x"), Some(Marker::Stars(2)));
        assert_eq!(marker("Le routeur (1)"), None);
        assert_eq!(strip_stars("** Le client"), "Le client");
        assert_eq!(strip_stars("(*) Le client"), "Le client");
    }
}
