//! AWS quotas that a lake's layout can exceed, checked on the model so that `validate`
//! refuses a lake `gen` could not deploy (the table with sources is in
//! docs/safety-and-limits.md, "AWS limits").
//!
//! Rules of this module:
//! - each quota is one constant here; the generator lays resources out with the functions
//!   below, so what is checked is what is generated;
//! - counts come from the model (events, retentions, columns), never from rendered text.

use crate::model::{Event, Field};

/// Most rules in one S3 bucket's lifecycle configuration.
pub const MAX_LIFECYCLE_RULES: usize = 1_000;

/// Largest CloudFormation template body read from S3, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 1_048_576;

/// Longest query string Athena runs, in bytes; AWS cannot raise it. A longer DDL file still
/// describes the right table (the stack and `glue/<event>.table.json` create it), but
/// cannot be pasted into Athena, so `gen` warns.
pub const MAX_ATHENA_QUERY_BYTES: usize = 262_144;

/// How the raw-backup bucket expires objects while keeping every event's prefixes
/// (`raw/<event>/`, `errors/<event>/raw-backup/`): one bucket-wide rule expires everything
/// after the longest `raw_retention_days` of the lake, and each event with a shorter
/// retention gets two rules of its own (its raw prefix and its raw-error prefix). S3 applies
/// the shortest expiration among the rules that match an object, so every event keeps
/// exactly its own retention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawExpiration {
    /// Days of the bucket-wide rule: the longest retention of the lake.
    pub bucket_days: u32,
    /// Indexes (in schema order) of the events with a shorter retention.
    pub own_rules: Vec<usize>,
}

impl RawExpiration {
    /// The layout for `events`.
    pub fn of(events: &[Event]) -> Self {
        let bucket_days = events
            .iter()
            .map(|e| e.settings.raw_retention_days)
            .max()
            .unwrap_or(1);
        let own_rules = events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.settings.raw_retention_days < bucket_days)
            .map(|(i, _)| i)
            .collect();
        Self {
            bucket_days,
            own_rules,
        }
    }

    /// Rules of the raw bucket: the upload/old-version rule, the bucket-wide expiration and
    /// two per event with its own retention.
    pub fn rule_count(&self) -> usize {
        2 + 2 * self.own_rules.len()
    }
}

/// Bytes an event's columns take in its CloudFormation template at the least: each column
/// is a line `- {Name: "…", Type: "…", Comment: "…"}` of the Glue table, indented by 12.
/// A lower bound, so a lake refused for it can never fit; `gen` checks the rendered size.
pub fn event_template_floor(event: &Event) -> usize {
    event.fields.iter().map(column_floor).sum()
}

fn column_floor(f: &Field) -> usize {
    const LINE: usize = "            - {Name: \"\", Type: \"\"}\n".len();
    const COMMENT: usize = ", Comment: \"\"".len();
    LINE + f.name.len() + f.ty.glue().len() + f.doc.as_ref().map_or(0, |d| COMMENT + d.len())
}
