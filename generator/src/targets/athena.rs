//! `athena/<event>.ddl.sql` and `athena/<event>.queries.sql`.

use super::Context;
use crate::output::Artifact;

/// Renders the target (not built yet).
pub fn render(_cx: &Context<'_>) -> Result<Vec<Artifact>, crate::Error> {
    Ok(Vec::new())
}
