//! CSV for GRC tools (cli.md, "CSV columns"): `ID-LANG.csv`, one row per
//! activity, and `ID-LANG-legend.csv`. RFC 4180 with CRLF line ends, UTF-8;
//! any text cell that a spreadsheet would run as a formula gets a leading `'`.

use super::{Job, Output, RenderError};

/// Renders the activity table and the legend.
///
/// # Errors
/// Only if the CSV writer fails on memory, which does not happen in practice.
pub fn render(job: &Job<'_>) -> Result<Vec<Output>, RenderError> {
    let err = |e: csv::Error| RenderError::new("csv", job, e);
    let m = job.matrix;
    let lang = job.lang;

    let mut w = writer(job);
    let mut header = vec![
        "matrix_id",
        "matrix_version",
        "phase_id",
        "phase",
        "subphase_id",
        "subphase",
        "activity_id",
        "activity",
    ];
    header.extend(m.parties.iter().map(|p| p.id.as_str()));
    header.push("note");
    w.write_record(header.iter().map(|h| guard(h).into_owned())).map_err(err)?;
    for phase in &m.phases {
        for (sub, a) in phase.all_activities() {
            let mut row: Vec<&str> = vec![
                &m.id,
                &m.version,
                &phase.section.id,
                phase.section.title.get(lang),
                sub.map_or("", |s| s.id.as_str()),
                sub.map_or("", |s| s.title.get(lang)),
                &a.id,
                a.text.get(lang),
            ];
            row.extend(a.roles.iter().map(|r| r.as_str()));
            row.push(a.note.as_ref().map_or("", |n| n.get(lang)));
            w.write_record(row.iter().map(|c| guard(c).into_owned())).map_err(err)?;
        }
    }
    let table = finish(w, job)?;

    let mut w = writer(job);
    w.write_record(["code", "name", "description"]).map_err(err)?;
    for r in &m.roles {
        let code = r.code.to_string();
        w.write_record([
            guard(&code).into_owned(),
            guard(r.name.get(lang)).into_owned(),
            guard(r.description.get(lang)).into_owned(),
        ])
        .map_err(err)?;
    }
    let legend = finish(w, job)?;

    let stem = job.stem();
    Ok(vec![
        Output { file_name: format!("{stem}.csv"), bytes: table },
        Output { file_name: format!("{stem}-legend.csv"), bytes: legend },
    ])
}

fn writer(job: &Job<'_>) -> csv::Writer<Vec<u8>> {
    let start = if job.options.csv_bom { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
    csv::WriterBuilder::new()
        .delimiter(job.options.csv_delimiter)
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(start)
}

fn finish(w: csv::Writer<Vec<u8>>, job: &Job<'_>) -> Result<Vec<u8>, RenderError> {
    w.into_inner().map_err(|e| RenderError::new("csv", job, e.error()))
}

/// OWASP's advice against CSV injection: a cell that begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is prefixed with `'`.
pub fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_cells_a_spreadsheet_would_run() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard(bad), format!("'{bad}"));
        }
        for ok in ["", "RA", "Überprüfen", "a=b", " =x", "'quoted"] {
            assert_eq!(guard(ok), ok);
        }
    }
}
