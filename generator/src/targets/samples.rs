//! Sample events: one valid record per event, as the producer sends it (from the schema's
//! `example` values, else made-up values of the right type).

use eventlake_schema::sample;

use super::{Context, pretty_json};
use crate::output::Artifact;

/// `samples/<event>.json`.
pub fn render(cx: &Context<'_>) -> Result<Vec<Artifact>, crate::Error> {
    Ok(cx
        .schema
        .events
        .iter()
        .map(|e| {
            Artifact::new(
                format!("samples/{}.json", e.name),
                pretty_json(&sample::sample_event(e)),
            )
        })
        .collect())
}
