//! `[events.<name>]`: each event's keys, settings, partition key and time field.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::DeValue;

use super::{Cx, EVENT_KEYS, MAX_DESCRIPTION_LEN, SETTINGS_KEYS};
use crate::diag::{Diagnostic, Span, did_you_mean};
use crate::model::{Event, Field, Partitioning, Settings};
use crate::names::{self, MAX_EVENT_NAME_LEN};
use crate::types::Type;

impl Cx<'_> {
    pub(super) fn events(
        &mut self,
        key_span: Span,
        v: &Spanned<DeValue<'_>>,
        base: &Settings,
    ) -> Option<Vec<Event>> {
        let table = self.expect_table(v, "`events`")?;
        if table.is_empty() {
            self.push(
                Diagnostic::error(key_span, "the lake has no events")
                    .with_help("add at least one `[events.<name>.fields]` table"),
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (k, ev) in table {
            match self.event(k, ev, base) {
                Some(e) => out.push(e),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    pub(super) fn event(
        &mut self,
        key: &Spanned<Cow<'_, str>>,
        v: &Spanned<DeValue<'_>>,
        base: &Settings,
    ) -> Option<Event> {
        let mut name_ok = self.check_name(key, "event", MAX_EVENT_NAME_LEN);
        if let Some(problem) = names::file_name_problem(key.get_ref()) {
            name_ok = false;
            self.push(
                Diagnostic::error(key.span(), format!("invalid event name: {problem}"))
                    .with_help(format!("rename the event, e.g. `{}_event`", key.get_ref())),
            );
        }
        if let Some(stem) = key
            .get_ref()
            .strip_suffix(crate::errors_table::TABLE_SUFFIX)
        {
            // `<event>__errors` is the errors table of `<event>` (see `errors_table`).
            name_ok = false;
            self.push(
                Diagnostic::error(
                    key.span(),
                    format!(
                        "invalid event name: `{}` ends with `{}`, which names the errors table of \
                         another event",
                        key.get_ref(),
                        crate::errors_table::TABLE_SUFFIX
                    ),
                )
                .with_help(format!("rename the event, e.g. `{stem}_failures`")),
            );
        }
        let table = self.expect_table(v, &format!("event `{}`", key.get_ref()))?;
        let allowed: Vec<&str> = EVENT_KEYS.iter().chain(SETTINGS_KEYS).copied().collect();
        self.unknown_keys(
            table,
            &allowed,
            &format!("[events.{}]", key.get_ref()),
            None,
        );
        let own = self.settings(table);
        let mut settings = base.clone();
        own.apply(&mut settings);
        self.check_settings_scope(&own, &settings, &format!("[events.{}]", key.get_ref()));

        let description = Self::get(table, "description")
            .and_then(|(_, d)| self.text_limit(d, "`description`", MAX_DESCRIPTION_LEN));
        let partition_key = Self::get(table, "partition_key")
            .and_then(|(_, p)| self.string(p, "`partition_key`").map(|s| (s, p.span())));
        let time_field = Self::get(table, "time_field")
            .and_then(|(_, t)| self.string(t, "`time_field`").map(|s| (s, t.span())));

        let fields = match Self::get(table, "fields") {
            Some((fk, fv)) => self.fields_partial(fk.span(), fv, true, 0),
            None => {
                self.push(
                    Diagnostic::error(
                        key.span(),
                        format!("event `{}` has no `fields` table", key.get_ref()),
                    )
                    .with_help(format!(
                        "add `[events.{}.fields]` with at least one column",
                        key.get_ref()
                    )),
                );
                None
            }
        };
        let (fields, failed) = fields?;
        self.check_event_fields(
            key.get_ref(),
            key.span(),
            &fields,
            &failed,
            &settings,
            partition_key.as_ref(),
            time_field.as_ref(),
        );
        if !name_ok || !failed.is_empty() {
            return None;
        }
        Some(Event {
            name: key.get_ref().to_string(),
            description,
            partition_key: partition_key.map(|(s, _)| s),
            time_field: time_field.map(|(s, _)| s),
            settings,
            fields,
            span: key.span(),
        })
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is a distinct part of the event being checked"
    )]
    pub(super) fn check_event_fields(
        &mut self,
        event: &str,
        event_span: Span,
        fields: &[Field],
        failed: &[String],
        settings: &Settings,
        partition_key: Option<&(String, Span)>,
        time_field: Option<&(String, Span)>,
    ) {
        let find = |name: &str| fields.iter().find(|f| f.name == name);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        if let Some((pk, span)) = partition_key {
            match find(pk) {
                None if failed.contains(pk) => {}
                None => self.push(
                    Diagnostic::error(span.clone(), format!("`partition_key` names `{pk}`, which is not a field of `{event}`"))
                        .with_help_opt(did_you_mean(pk, names.iter().copied()).map(|s| format!("did you mean `{s}`?"))),
                ),
                Some(f) if !(f.ty.is_text() || f.ty.is_integer()) => self.push(
                    Diagnostic::error(span.clone(), format!("`partition_key` field `{pk}` is `{}`; it must be a string or integer field", f.ty))
                        .with_help("Kinesis partition keys are strings; pick an id-like field"),
                ),
                Some(f) if !f.required => self.push(
                    Diagnostic::warning(span.clone(), format!("`partition_key` field `{pk}` is optional"))
                        .with_help("records without it get a random partition key; mark the field `required = true` to keep per-key ordering"),
                ),
                Some(_) => {}
            }
        }
        match time_field {
            Some((tf, span)) => match find(tf) {
                None if failed.contains(tf) => {}
                None => self.push(
                    Diagnostic::error(span.clone(), format!("`time_field` names `{tf}`, which is not a field of `{event}`"))
                        .with_help_opt(did_you_mean(tf, names.iter().copied()).map(|s| format!("did you mean `{s}`?"))),
                ),
                Some(f) if f.ty != Type::Timestamp => self.push(
                    Diagnostic::error(span.clone(), format!("`time_field` field `{tf}` is `{}`; it must be a `timestamp`", f.ty))
                        .with_help("point `time_field` at the event's timestamp column"),
                ),
                Some(f) if !f.required && settings.partitioning == Partitioning::EventTime => self.push(
                    Diagnostic::error(span.clone(), format!("`time_field` field `{tf}` must be `required = true` for event-time partitioning"))
                        .with_help("Firehose sends records without a partition value to the error prefix"),
                ),
                Some(_) => {}
            },
            None if settings.partitioning == Partitioning::EventTime => self.push(
                Diagnostic::error(event_span.clone(), format!("event `{event}` uses `partitioning = \"event_time\"` but has no `time_field`"))
                    .with_help("add `time_field = \"<timestamp field>\"` to the event"),
            ),
            None => {}
        }
        for part in settings.granularity.partition_columns() {
            if let Some(f) = find(part.name) {
                self.push(
                    Diagnostic::error(f.span.clone(), format!("column `{}` collides with the `{}` partition column", f.name, part.name))
                        .with_help(format!(
                            "the table is partitioned by {}; rename the field (e.g. `event_{}` with `json = \"{}\"`)",
                            settings.granularity.partition_columns().iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
                            f.name,
                            f.json_key()
                        )),
                );
            }
        }
    }

    // ---- fields --------------------------------------------------------------------------
}
