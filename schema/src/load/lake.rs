//! The document root and `[lake]`: the schema as a whole, the lake's name, description and
//! default settings, and the AWS limits over all events.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::settings::SettingsOverride;
use super::{Cx, LAKE_KEYS, MAX_DESCRIPTION_LEN, ROOT_KEYS, SETTINGS_KEYS};
use crate::diag::{Diagnostic, Span};
use crate::limits;
use crate::model::{Event, Lake, Schema, Settings};
use crate::names::{self, MAX_LAKE_NAME_LEN};

impl Cx<'_> {
    pub(super) fn schema(&mut self, root: &Spanned<DeTable<'_>>) -> Option<Schema> {
        let table = root.get_ref();
        self.unknown_keys(table, ROOT_KEYS, "the document", None);
        let (lake, defaults) = match Self::get(table, "lake") {
            Some((_, v)) => self.lake(v),
            None => {
                self.push(
                    Diagnostic::error(0..0, "missing `[lake]` table")
                        .with_help("start the file with `[lake]` and `name = \"my_lake\"`"),
                );
                (None, SettingsOverride::default())
            }
        };
        let mut base = Settings::default();
        defaults.apply(&mut base);
        self.check_settings_scope(&defaults, &base, "[lake.defaults]");
        let events = match Self::get(table, "events") {
            Some((k, v)) => {
                let events = self.events(k.span(), v, &base);
                if let Some(events) = &events {
                    self.check_aws_limits(k.span(), events);
                }
                events
            }
            None => {
                self.push(
                    Diagnostic::error(root.span().end..root.span().end, "the lake has no events")
                        .with_help("add at least one `[events.<name>.fields]` table"),
                );
                None
            }
        };
        Some(Schema {
            lake: lake?,
            events: events?,
        })
    }

    /// Quotas of the lake as a whole (see [`crate::limits`]).
    pub(super) fn check_aws_limits(&mut self, events_span: Span, events: &[Event]) {
        let raw = limits::RawExpiration::of(events);
        if raw.rule_count() > limits::MAX_LIFECYCLE_RULES {
            self.push(
                Diagnostic::error(
                    events_span,
                    format!(
                        "the raw-backup bucket would need {} lifecycle rules; S3 allows {} per bucket",
                        raw.rule_count(),
                        limits::MAX_LIFECYCLE_RULES
                    ),
                )
                .with_help(format!(
                    "events with the lake's longest `raw_retention_days` ({} days) share one rule, every other event needs two: give more events that retention, or split the lake",
                    raw.bucket_days
                )),
            );
        }
        for e in events {
            let floor = limits::event_template_floor(e);
            if floor > limits::MAX_TEMPLATE_BYTES {
                self.push(
                    Diagnostic::error(
                        e.span.clone(),
                        format!(
                            "event `{}` has {} columns, which take at least {floor} bytes of its CloudFormation template; CloudFormation allows {} bytes per template",
                            e.name,
                            e.fields.len(),
                            limits::MAX_TEMPLATE_BYTES
                        ),
                    )
                    .with_help("split the event into several events, or shorten docs and names"),
                );
            }
        }
    }

    pub(super) fn lake(&mut self, v: &Spanned<DeValue<'_>>) -> (Option<Lake>, SettingsOverride) {
        let Some(table) = self.expect_table(v, "`lake`") else {
            return (None, SettingsOverride::default());
        };
        self.unknown_keys(table, LAKE_KEYS, "[lake]", None);
        let name = match Self::get(table, "name") {
            Some((_, nv)) => {
                let name = self.string(nv, "`lake.name`");
                if let Some(n) = &name
                    && let Some(problem) = names::name_problem(n, MAX_LAKE_NAME_LEN)
                {
                    self.push(
                            Diagnostic::error(nv.span(), format!("invalid lake name: {problem}")).with_help(format!(
                                "the lake name becomes the Glue database and part of S3 bucket names: lowercase snake case, at most {MAX_LAKE_NAME_LEN} characters; try `{}`",
                                names::to_snake_case(n).chars().take(MAX_LAKE_NAME_LEN).collect::<String>()
                            )),
                        );
                } else if let Some(n) = &name
                    && let Some(problem) = names::file_name_problem(n)
                {
                    self.push(
                        Diagnostic::error(nv.span(), format!("invalid lake name: {problem}"))
                            .with_help(format!("rename the lake, e.g. `{n}_lake`")),
                    );
                }
                name
            }
            None => {
                self.push(
                    Diagnostic::error(v.span(), "`[lake]` has no `name`")
                        .with_help("add `name = \"shop\"`; it names the Glue database and prefixes every resource"),
                );
                None
            }
        };
        let description = Self::get(table, "description")
            .and_then(|(_, d)| self.text_limit(d, "`lake.description`", MAX_DESCRIPTION_LEN));
        let defaults = match Self::get(table, "defaults") {
            Some((_, d)) => match self.expect_table(d, "`lake.defaults`") {
                Some(t) => {
                    self.unknown_keys(t, SETTINGS_KEYS, "[lake.defaults]", None);
                    self.settings(t)
                }
                None => SettingsOverride::default(),
            },
            None => SettingsOverride::default(),
        };
        (name.map(|name| Lake { name, description }), defaults)
    }
}
