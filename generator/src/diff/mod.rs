//! `eventlake diff`: what a change of events.toml does to a live lake.
//!
//! The comparison works on the two models and their deployment plans (names, prefixes,
//! partitions), never on rendered artefacts, so it stays fast. Each finding is a [`Change`]
//! with a stable [`ChangeCode`], a [`Level`] fixed by that code ([`level`]), the event and
//! column path it concerns, a one-line reason naming the AWS behaviour, and where it is in the
//! new (and old) file. The rule table with its AWS sources is docs/schema-evolution.md.
//!
//! Modules: [`columns`] compares fields (nested ones too), [`events`] compares the lake, its
//! events and their settings, [`source`] reads the old schema (a path or `git:REV[:path]`),
//! [`report`] prints text or JSON.

pub mod columns;
pub mod command;
pub mod events;
pub mod report;
pub mod source;

use eventlake_schema::diag::Span;
use eventlake_schema::evolution::{Acceptance, ChangeCode, Locator};
use eventlake_schema::{Report, Schema};
use serde::Serialize;

/// How much a change matters to a live lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Nothing to do.
    Safe,
    /// Legal, but someone must act (a producer should change, old rows hold NULLs).
    Warning,
    /// Data becomes unreadable, invisible or mis-partitioned, or running producers lose data.
    Breaking,
}

impl Level {
    /// `safe`, `warning`, `breaking`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Safe => "safe",
            Level::Warning => "warning",
            Level::Breaking => "breaking",
        }
    }
}

/// The level of every code: one table, documented in docs/schema-evolution.md.
pub fn level(code: ChangeCode) -> Level {
    use ChangeCode as C;
    match code {
        C::LakeRenamed
        | C::EventRemoved
        | C::EventRenamed
        | C::ColumnRenamed
        | C::TypeChanged
        | C::JsonKeyChanged
        | C::PartitioningChanged
        | C::GranularityChanged => Level::Breaking,
        C::RequiredColumnAdded
        | C::ColumnRemoved
        | C::NestedFieldAdded
        | C::NestedFieldRemoved
        | C::NestedFieldMoved
        | C::TypeWidened
        | C::TextTypeChanged
        | C::RequiredAdded
        | C::EnumValuesAdded
        | C::EnumValuesRemoved
        | C::PartitionTimeFieldChanged
        | C::PartitionKeyChanged
        | C::ProjectionDisabled
        | C::ShardsStepTooLarge
        | C::RawRetentionLowered
        | C::StaleAcceptance => Level::Warning,
        C::EventAdded
        | C::ColumnAdded
        | C::ColumnMoved
        | C::JsonKeyCaseChanged
        | C::RequiredRemoved
        | C::DocChanged
        | C::TimeFieldChanged
        | C::CatalogChanged
        | C::CrawlerScheduleChanged
        | C::ShardsChanged
        | C::StreamModeChanged
        | C::StreamRetentionChanged
        | C::BufferingChanged
        | C::CompressionChanged
        | C::RawRetentionRaised => Level::Safe,
    }
}

/// One difference between the old and the new lake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Stable identifier.
    pub code: ChangeCode,
    /// The event, when the change concerns one.
    pub event: Option<String>,
    /// The column path (`items.quantity`), when the change concerns one.
    pub column: Option<String>,
    /// One line: what changed and the AWS behaviour that makes it matter.
    pub message: String,
    /// How to avoid the harm, when there is a way.
    pub help: Option<String>,
    /// Where in the new file.
    pub new_span: Option<Span>,
    /// Where in the old file.
    pub old_span: Option<Span>,
    /// The reason of the `[[accept]]` table that accepts the change.
    pub accepted: Option<String>,
}

impl Change {
    /// The change's level ([`level`] of its code).
    pub fn level(&self) -> Level {
        level(self.code)
    }
}

/// One side of the comparison: a schema, its text and how to name it.
pub struct Side<'s> {
    /// The model.
    pub schema: &'s Schema,
    /// The file's text.
    pub source: &'s str,
    /// How the file is named in messages (`events.toml`, `git:HEAD:events.toml`).
    pub path: &'s str,
}

/// Everything `diff` found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The changes, breaking first, then in schema order.
    pub changes: Vec<Change>,
}

impl Outcome {
    /// Changes at `level` or above that no `[[accept]]` table accepts.
    pub fn unaccepted_at_least(&self, level: Level) -> usize {
        self.changes
            .iter()
            .filter(|c| c.level() >= level && c.accepted.is_none())
            .count()
    }
}

/// Collects changes with their locations in both files.
pub struct Cx<'a> {
    /// Key lookup in the old file.
    pub old: Locator<'a>,
    /// Key lookup in the new file.
    pub new: Locator<'a>,
    /// What was found so far.
    pub changes: Vec<Change>,
}

/// What a change concerns and where it is in both files.
#[derive(Debug, Clone, Default)]
pub struct At<'a> {
    /// The event, when the change concerns one.
    pub event: Option<&'a str>,
    /// The column path, when the change concerns one.
    pub column: Option<&'a str>,
    /// Where in the new file.
    pub new: Option<Span>,
    /// Where in the old file.
    pub old: Option<Span>,
}

impl Cx<'_> {
    /// Records a change of `code` at `at`.
    pub fn push(&mut self, code: ChangeCode, at: &At<'_>, message: String, help: Option<String>) {
        self.changes.push(Change {
            code,
            event: at.event.map(str::to_owned),
            column: at.column.map(str::to_owned),
            message,
            help,
            new_span: at.new.clone(),
            old_span: at.old.clone(),
            accepted: None,
        });
    }
}

/// Compares two lakes and applies the new file's acceptances.
pub fn compare(old: &Side<'_>, new: &Side<'_>, accepted: &[Acceptance]) -> Outcome {
    let mut cx = Cx {
        old: Locator::new(old.source),
        new: Locator::new(new.source),
        changes: Vec::new(),
    };
    events::compare_lakes(&mut cx, old.schema, new.schema);
    let mut changes = cx.changes;
    for a in accepted {
        let mut matched = false;
        for c in changes.iter_mut().filter(|c| {
            c.code == a.change
                && c.event.as_deref() == a.event.as_deref()
                && c.column.as_deref() == a.column.as_deref()
        }) {
            c.accepted = Some(a.reason.clone());
            matched = true;
        }
        if !matched {
            changes.push(Change {
                code: ChangeCode::StaleAcceptance,
                event: a.event.clone(),
                column: a.column.clone(),
                message: format!(
                    "this acceptance of `{}` at {} matches no change between the two versions",
                    a.change.name(),
                    eventlake_schema::evolution::describe(a.event.as_deref(), a.column.as_deref())
                ),
                help: Some(
                    "remove it once the accepted change is in the compared version; if it should match, copy `change`, `event` and `column` from `eventlake diff`'s output".to_owned(),
                ),
                new_span: Some(a.span.clone()),
                old_span: None,
                accepted: None,
            });
        }
    }
    // Breaking first; within a level, the order the comparison walked the schema.
    changes.sort_by_key(|c| std::cmp::Reverse(c.level()));
    Outcome { changes }
}

/// The problems today's validation finds in the old schema, shown as notes.
pub fn old_problems(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| d.one_line(&report.source, &report.path))
        .collect()
}
