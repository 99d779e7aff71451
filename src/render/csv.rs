//! CSV for GRC tools (cli.md, "CSV columns"): `ID-LANG.csv`, one row per
//! activity, and `ID-LANG-legend.csv`. RFC 4180 with CRLF line ends, UTF-8;
//! any text cell that a spreadsheet would run as a formula gets a leading `'`.

use super::{Format, Job, Output, RenderError, RenderOptions};

/// Renders the activity table and the legend.
///
/// # Errors
/// Only if the CSV writer fails on memory, which does not happen in practice.
pub fn render(job: &Job<'_>) -> Result<Vec<Output>, RenderError> {
    let err = |e: csv::Error| RenderError::new(Format::Csv, job, e);
    let v = job.view;

    let mut w = writer(job.options);
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
    header.extend(v.parties.iter().map(|p| p.id));
    header.push("note");
    w.write_record(header.iter().map(|h| guard(h).into_owned())).map_err(err)?;
    for (phase, sub, a) in v.rows() {
        let mut row: Vec<&str> = vec![
            v.id,
            v.version,
            phase.section.id,
            phase.section.title,
            sub.map_or("", |s| s.id),
            sub.map_or("", |s| s.title),
            a.id,
            a.text,
        ];
        row.extend(a.roles.iter().map(|r| r.as_str()));
        row.push(a.note.map_or("", |n| n.as_str()));
        w.write_record(row.iter().map(|c| guard(c).into_owned())).map_err(err)?;
    }
    let table = finish(w, job)?;

    let mut w = writer(job.options);
    w.write_record(["code", "name", "description"]).map_err(err)?;
    for r in &v.legend {
        let code = r.code.to_string();
        w.write_record([
            guard(&code).into_owned(),
            guard(r.name).into_owned(),
            guard(r.description).into_owned(),
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

/// A CSV writer with the options of cli.md: CRLF, quoting only where
/// needed, the `--csv-delimiter` and, with `--csv-bom`, a byte order mark.
pub fn writer(options: &RenderOptions) -> csv::Writer<Vec<u8>> {
    let start = if options.csv_bom { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
    csv::WriterBuilder::new()
        .delimiter(options.csv_delimiter)
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(start)
}

/// The bytes of a finished CSV file.
///
/// # Errors
/// Only if flushing into memory fails, which does not happen in practice.
pub fn finish(w: csv::Writer<Vec<u8>>, job: &Job<'_>) -> Result<Vec<u8>, RenderError> {
    w.into_inner().map_err(|e| RenderError::new(Format::Csv, job, e.error()))
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
