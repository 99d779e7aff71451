//! The PDF contract annex: composed here, written as page content streams,
//! built into a document with printpdf and finished with lopdf.
//!
//! - [`annex`] decides what the annex says, section by section, from the view;
//! - `flow` decides where it lands: pages, wrapping, tables that break over
//!   pages with their header repeated, running header and footer (the page
//!   composition every PDF of the tool shares);
//! - [`content`] writes the page content streams, [`wrap`] breaks lines;
//! - `tags` is the logical structure (PDF/UA-1): elements in reading order,
//!   marked content, the parent tree;
//! - `write` serialises the finished document: streams, object streams, a
//!   compressed cross-reference stream;
//! - `finish` turns the pages into a tagged PDF/A-2a file: subset fonts with fixed
//!   resource names, document properties and XMP dated by the matrix,
//!   `/Lang`, an sRGB output intent, a nested outline in document order, and
//!   a trailer `/ID` derived from the content, so that the bytes depend only
//!   on the inputs.

pub mod amendment;
pub mod annex;
pub mod content;
mod finish;
mod flow;
mod tags;
pub mod wrap;
mod write;

use super::{Format, Job, Output, RenderError};

/// Renders `ID-LANG.pdf`.
///
/// # Errors
/// When font subsetting or serialisation fails (a defect, reported with the job).
pub fn render(job: &Job<'_>) -> Result<Vec<Output>, RenderError> {
    let composed = annex::compose(job);
    let v = job.view;
    let meta = finish::Meta {
        title: v.title,
        subject: format!("{} – {} {}", job.strings.legend_heading, v.id, v.version),
        keywords: vec!["RACI".to_string(), v.id.to_string(), v.version.to_string(), v.lang.to_string()],
        lang: v.lang,
        date: v.date,
        tool: &job.options.tool,
        seed: vec![&v.source.sha256, v.lang.as_str(), &job.options.tool],
        attachments: if job.options.attach_source { sources(job)? } else { Vec::new() },
    };
    let bytes =
        finish::finish(&meta, job.layout, composed).map_err(|e| RenderError::new(Format::Pdf, job, e))?;
    Ok(vec![Output { file_name: format!("{}.pdf", job.stem()), bytes }])
}

/// What `--attach-source` embeds: the matrix file, byte for byte, as the
/// annex's source, and the CSV of the same language and options as its data
/// (the same bytes as the run's `ID-LANG.csv`).
fn sources(job: &Job<'_>) -> Result<Vec<finish::Attachment>, RenderError> {
    let v = job.view;
    let csv = super::csv::render(job)?.into_iter().next().map(|o| (o.file_name, o.bytes));
    let mut files = vec![finish::Attachment {
        name: v.source.file_name.clone(),
        body: finish::packed(&v.source.sha256, &v.source.text),
        mime: "application/yaml",
        relationship: "Source",
        description: format!("{} {}, {}", v.id, v.version, job.strings.legend_heading),
    }];
    if let Some((name, bytes)) = csv {
        files.push(finish::Attachment {
            name,
            body: finish::Body::Plain(bytes),
            mime: "text/csv",
            relationship: "Data",
            description: format!("{} {} ({})", v.id, v.version, v.lang),
        });
    }
    Ok(files)
}
