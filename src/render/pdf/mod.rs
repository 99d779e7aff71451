//! The PDF contract annex: laid out here, written as page content streams,
//! built into a document with printpdf and finished with lopdf.
//!
//! [`compose`] lays the pages out; [`finish`] turns them into a PDF/A-2b
//! file: subset fonts with fixed resource names, document properties and
//! XMP dated by the matrix, `/Lang`, an sRGB output intent, a nested outline
//! in document order, and a trailer `/ID` derived from the content, so that
//! the bytes depend only on the inputs.

pub mod compose;
pub mod content;
mod finish;
pub mod wrap;

use super::{Job, Output, RenderError};

/// Renders `ID-LANG.pdf`.
///
/// # Errors
/// When font subsetting or serialisation fails (a defect, reported with the job).
pub fn render(job: &Job<'_>) -> Result<Vec<Output>, RenderError> {
    let composed = compose::compose(job);
    let bytes = finish::finish(job, composed).map_err(|e| RenderError::new("pdf", job, e))?;
    Ok(vec![Output { file_name: format!("{}.pdf", job.stem()), bytes }])
}
