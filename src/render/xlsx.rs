//! Placeholder until the xlsx back-end lands.

use super::{Job, Output, RenderError};

/// Not written yet: refuses with a clear message.
///
/// # Errors
/// Always.
pub fn render(job: &Job<'_>) -> Result<Vec<Output>, RenderError> {
    Err(RenderError::new("xlsx", job, "this format is not implemented yet"))
}
