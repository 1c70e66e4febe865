//! Loading: TOML text → validated [`Schema`], or every problem found.
//!
//! Rules of this module:
//! - nothing returns early on a user mistake: each problem becomes a [`Diagnostic`] with the
//!   span of the offending key or value, and the walk carries on with the next item, so one
//!   run reports everything;
//! - a TOML syntax error stops before the semantic checks (a half-parsed document would only
//!   produce noise);
//! - the keys accepted in each table are listed once here (`*_KEYS`) and a test checks them
//!   against the JSON Schema of the format ([`crate::format`]).

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Report, Span, did_you_mean};
use crate::example;
use crate::model::{
    Catalog, Compression, Event, Field, Granularity, Lake, Partitioning, Schema, Settings,
    StreamMode,
};
use crate::names::{self, MAX_EVENT_NAME_LEN, MAX_LAKE_NAME_LEN, MAX_NAME_LEN};
use crate::types::{self, Type};
use crate::{cron, evolution, limits, model};

/// Keys of the document root.
pub const ROOT_KEYS: &[&str] = &["lake", "events", "accept"];
/// Keys of `[lake]`.
pub const LAKE_KEYS: &[&str] = &["name", "description", "defaults"];
/// Keys of `[lake.defaults]`; each may also be set on an event.
pub const SETTINGS_KEYS: &[&str] = &[
    "stream_mode",
    "shards",
    "retention_hours",
    "buffer_interval_seconds",
    "buffer_size_mb",
    "parquet_compression",
    "raw_retention_days",
    "partitioning",
    "granularity",
    "catalog",
    "crawler_schedule",
    "alarms",
    "alarm_no_records_minutes",
];
/// Keys of `[events.<name>]` besides the settings keys.
pub const EVENT_KEYS: &[&str] = &["description", "partition_key", "time_field", "fields"];
/// Keys of a field given as a table.
pub const FIELD_KEYS: &[&str] = &[
    "type", "required", "doc", "enum", "example", "json", "fields", "items",
];
/// Keys of an array's `items` table.
pub const ITEMS_KEYS: &[&str] = &["type", "fields", "items"];

/// Longest Glue column comment.
const MAX_DOC_LEN: usize = 255;
/// Longest Glue table/database description.
const MAX_DESCRIPTION_LEN: usize = 2048;
/// Longest Glue column type string.
const MAX_TYPE_LEN: usize = 131_072;

/// A valid schema and the warnings found while loading it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The schema.
    pub schema: Schema,
    /// Warnings (no errors: with errors, loading fails).
    pub warnings: Report,
}

/// Reads (at most [`crate::input::MAX_INPUT_BYTES`]) and validates the events.toml at `path`.
pub fn load_path(path: &std::path::Path) -> Result<Loaded, Report> {
    let display = path.display().to_string();
    match crate::input::read_bounded(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => load_str(&text, &display),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                Err(Report {
                    path: display,
                    source: text,
                    diagnostics: vec![
                        Diagnostic::error(valid..valid + 1, "the file is not valid UTF-8")
                            .with_help("TOML files must be UTF-8; re-save the file as UTF-8"),
                    ],
                })
            }
        },
        Err(e) => Err(Report {
            path: display.clone(),
            source: String::new(),
            diagnostics: vec![
                Diagnostic::error(0..0, format!("cannot read {display}: {e}")).with_help(
                    match e.kind() {
                        std::io::ErrorKind::NotFound => {
                            "check the path, or create a starter schema with `eventlake init`"
                        }
                        std::io::ErrorKind::FileTooLarge => {
                            "an events.toml of 40,000 columns is about 1 MB; check that --schema names the schema"
                        }
                        _ => "check the file's permissions",
                    },
                ),
            ],
        }),
    }
}

/// Validates events.toml text; `path` is only used in messages.
pub fn load_str(source: &str, path: &str) -> Result<Loaded, Report> {
    let mut cx = Cx {
        source,
        diags: Vec::new(),
    };
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    if !syntax_errors.is_empty() {
        for e in syntax_errors {
            let span = e.span().unwrap_or(0..0);
            cx.diags.push(
                Diagnostic::error(span, format!("invalid TOML: {}", first_line(e.message())))
                    .with_help("fix the TOML syntax; https://toml.io describes it"),
            );
        }
        return Err(cx.report(path));
    }
    let schema = cx.schema(&root);
    cx.diags.extend(evolution::read(root.get_ref()).1);
    cx.diags.sort_by_key(|d| (d.span.start, d.span.end));
    if cx
        .diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error)
    {
        return Err(cx.report(path));
    }
    match schema {
        Some(schema) => Ok(Loaded {
            schema,
            warnings: cx.report(path),
        }),
        None => {
            // Defensive: every `None` above is paired with an error diagnostic.
            cx.diags
                .push(Diagnostic::error(0..0, "the schema is incomplete"));
            Err(cx.report(path))
        }
    }
}

/// A schema read for comparison by `eventlake diff`: the model even when today's validation
/// finds errors in it (an old version may predate a stricter rule), those problems, and the
/// file's `[[accept]]` tables.
#[derive(Debug, Clone)]
pub struct Lenient {
    /// The model built from the valid parts of the file.
    pub schema: Schema,
    /// Every error and warning today's validation finds (shown as notes by `diff`).
    pub problems: Report,
    /// The `[[accept]]` tables that are valid.
    pub accepted: Vec<evolution::Acceptance>,
}

/// Reads events.toml text for comparison: fails only when no model can be built (a TOML
/// syntax error, no `[lake]` name, an event whose name or columns cannot be read); every
/// other problem is returned in [`Lenient::problems`].
pub fn load_lenient(source: &str, path: &str) -> Result<Lenient, Report> {
    let mut cx = Cx {
        source,
        diags: Vec::new(),
    };
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    if !syntax_errors.is_empty() {
        // The same report as `load_str` gives for a syntax error.
        return match load_str(source, path) {
            Err(report) => Err(report),
            Ok(_) => Err(cx.report(path)),
        };
    }
    let schema = cx.schema(&root);
    let (accepted, accept_diags) = evolution::read(root.get_ref());
    cx.diags.extend(accept_diags);
    cx.diags.sort_by_key(|d| (d.span.start, d.span.end));
    match schema {
        Some(schema) => Ok(Lenient {
            schema,
            problems: cx.report(path),
            accepted,
        }),
        None => {
            if cx.diags.is_empty() {
                cx.diags
                    .push(Diagnostic::error(0..0, "the schema is incomplete"));
            }
            Err(cx.report(path))
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

type Entry<'a, 'i> = (&'a Spanned<Cow<'i, str>>, &'a Spanned<DeValue<'i>>);

struct Cx<'s> {
    source: &'s str,
    diags: Vec<Diagnostic>,
}

/// Settings as written in one table, each with the span of its value.
#[derive(Default)]
struct SettingsOverride {
    stream_mode: Option<(StreamMode, Span)>,
    shards: Option<(u32, Span)>,
    retention_hours: Option<(u32, Span)>,
    buffer_interval_seconds: Option<(u32, Span)>,
    buffer_size_mb: Option<(u32, Span)>,
    parquet_compression: Option<(Compression, Span)>,
    raw_retention_days: Option<(u32, Span)>,
    partitioning: Option<(Partitioning, Span)>,
    granularity: Option<(Granularity, Span)>,
    catalog: Option<(Catalog, Span)>,
    crawler_schedule: Option<(String, Span)>,
    alarms: Option<(bool, Span)>,
    alarm_no_records_minutes: Option<(u32, Span)>,
}

impl SettingsOverride {
    fn apply(&self, base: &mut Settings) {
        macro_rules! take {
            ($($k:ident),*) => { $( if let Some((v, _)) = &self.$k { base.$k = v.clone(); } )* };
        }
        take!(
            stream_mode,
            shards,
            retention_hours,
            buffer_interval_seconds,
            buffer_size_mb,
            parquet_compression,
            raw_retention_days,
            partitioning,
            granularity,
            catalog,
            crawler_schedule,
            alarms,
            alarm_no_records_minutes
        );
    }
}

impl<'s> Cx<'s> {
    fn report(&mut self, path: &str) -> Report {
        Report {
            path: path.to_owned(),
            source: self.source.to_owned(),
            diagnostics: std::mem::take(&mut self.diags),
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(span, message));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Reports keys not in `allowed`, with a suggestion.
    fn unknown_keys(
        &mut self,
        table: &DeTable<'_>,
        allowed: &[&str],
        what: &str,
        extra_help: Option<&str>,
    ) {
        for (k, _) in table {
            let key = k.get_ref();
            if allowed.contains(&key.as_ref()) {
                continue;
            }
            let help = match did_you_mean(key, allowed.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => match extra_help {
                    Some(h) => h.to_owned(),
                    None => format!("allowed keys in {what}: {}", allowed.join(", ")),
                },
            };
            self.push(
                Diagnostic::error(k.span(), format!("unknown key `{key}` in {what}"))
                    .with_label("not recognised")
                    .with_help(help),
            );
        }
    }

    fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<Entry<'a, 'i>> {
        table.iter().find(|(k, _)| k.get_ref().as_ref() == key)
    }

    fn expect_table<'a, 'i>(
        &mut self,
        v: &'a Spanned<DeValue<'i>>,
        what: &str,
    ) -> Option<&'a DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                let msg = format!("{what} must be a table, found {}", other.type_str());
                self.error(v.span(), msg);
                None
            }
        }
    }

    fn string(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                let msg = format!("{what} must be a string, found {}", other.type_str());
                self.error(v.span(), msg);
                None
            }
        }
    }

    fn boolean(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let msg = format!(
                    "{what} must be `true` or `false`, found {}",
                    other.type_str()
                );
                self.error(v.span(), msg);
                None
            }
        }
    }

    fn int_in(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        what: &str,
        min: u32,
        max: u32,
        why: &str,
    ) -> Option<u32> {
        let n = match v.get_ref() {
            DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        };
        match n {
            Some(n) if n >= i128::from(min) && n <= i128::from(max) => u32::try_from(n).ok(),
            Some(n) => {
                self.push(
                    Diagnostic::error(
                        v.span(),
                        format!("`{what}` must be between {min} and {max}, not {n}"),
                    )
                    .with_help(why.to_owned()),
                );
                None
            }
            None => {
                let msg = format!(
                    "`{what}` must be a whole number, found {}",
                    v.get_ref().type_str()
                );
                self.error(v.span(), msg);
                None
            }
        }
    }

    fn choice<T>(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        what: &str,
        names: &[&str],
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let s = self.string(v, &format!("`{what}`"))?;
        match parse(&s) {
            Some(t) => Some(t),
            None => {
                let help = match did_you_mean(&s, names.iter().copied()) {
                    Some(m) => format!("did you mean `{m}`?"),
                    None => format!("use one of: {}", names.join(", ")),
                };
                self.push(
                    Diagnostic::error(v.span(), format!("`{s}` is not a valid `{what}`"))
                        .with_help(help),
                );
                None
            }
        }
    }

    fn text_limit(&mut self, v: &Spanned<DeValue<'_>>, what: &str, max: usize) -> Option<String> {
        let s = self.string(v, what)?;
        let n = s.chars().count();
        if n > max {
            self.push(
                Diagnostic::error(
                    v.span(),
                    format!("{what} is {n} characters long; AWS allows at most {max}"),
                )
                .with_help("shorten it"),
            );
        }
        Some(s)
    }

    fn check_name(&mut self, key: &Spanned<Cow<'_, str>>, what: &str, max: usize) -> bool {
        match names::name_problem(key.get_ref(), max) {
            None => true,
            Some(problem) => {
                let fix: String = names::to_snake_case(key.get_ref())
                    .chars()
                    .take(max)
                    .collect();
                self.push(
                    Diagnostic::error(key.span(), format!("invalid {what} name: {problem}"))
                        .with_help(format!(
                            "names are lowercase snake case (`^[a-z][a-z0-9_]*$`); try `{fix}`{}",
                            if what == "column" || what == "struct field" {
                                format!(
                                    " and, if producers send `{}`, add `json = \"{}\"`",
                                    key.get_ref(),
                                    key.get_ref()
                                )
                            } else {
                                String::new()
                            }
                        )),
                );
                false
            }
        }
    }

    // ---- document structure ------------------------------------------------------------

    fn schema(&mut self, root: &Spanned<DeTable<'_>>) -> Option<Schema> {
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
    fn check_aws_limits(&mut self, events_span: Span, events: &[Event]) {
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

    fn lake(&mut self, v: &Spanned<DeValue<'_>>) -> (Option<Lake>, SettingsOverride) {
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

    fn settings(&mut self, table: &DeTable<'_>) -> SettingsOverride {
        let mut s = SettingsOverride::default();
        for (k, v) in table {
            let span = v.span();
            match k.get_ref().as_ref() {
                "stream_mode" => s.stream_mode = self.choice(v, "stream_mode", StreamMode::NAMES, StreamMode::from_name).map(|x| (x, span)),
                "shards" => s.shards = self.int_in(v, "shards", 1, 10_000, "a provisioned stream needs at least one shard; raise your account's shard quota for more").map(|x| (x, span)),
                "retention_hours" => s.retention_hours = self.int_in(v, "retention_hours", 24, 8760, "Kinesis keeps records for 24 hours (default) up to 365 days").map(|x| (x, span)),
                "buffer_interval_seconds" => s.buffer_interval_seconds = self.int_in(v, "buffer_interval_seconds", 0, 900, "Firehose buffers between 0 and 900 seconds").map(|x| (x, span)),
                "buffer_size_mb" => s.buffer_size_mb = self.int_in(v, "buffer_size_mb", 64, 128, "Parquet conversion needs a buffer of at least 64 MiB; Firehose allows at most 128").map(|x| (x, span)),
                "parquet_compression" => s.parquet_compression = self.choice(v, "parquet_compression", Compression::NAMES, Compression::from_name).map(|x| (x, span)),
                "raw_retention_days" => s.raw_retention_days = self.int_in(v, "raw_retention_days", 1, 36_500, "raw backups expire after at least one day").map(|x| (x, span)),
                "partitioning" => s.partitioning = self.choice(v, "partitioning", Partitioning::NAMES, Partitioning::from_name).map(|x| (x, span)),
                "granularity" => s.granularity = self.choice(v, "granularity", Granularity::NAMES, Granularity::from_name).map(|x| (x, span)),
                "catalog" => s.catalog = self.choice(v, "catalog", Catalog::NAMES, Catalog::from_name).map(|x| (x, span)),
                "alarms" => s.alarms = self.boolean(v, "`alarms`").map(|x| (x, span)),
                "alarm_no_records_minutes" => s.alarm_no_records_minutes = self.int_in(v, "alarm_no_records_minutes", 0, 1440, "0 turns the alarm off; at most one day (1440 minutes), CloudWatch evaluates at most a day of 1-minute periods").map(|x| (x, span)),
                "crawler_schedule" => {
                    if let Some(expr) = self.string(v, "`crawler_schedule`") {
                        match cron::check_schedule(&expr) {
                            Ok(()) => s.crawler_schedule = Some((expr, span)),
                            Err(why) => self.push(
                                Diagnostic::error(span, format!("invalid crawler schedule: {why}"))
                                    .with_help("AWS cron: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, e.g. `cron(15,45 * * * ? *)`"),
                            ),
                        }
                    }
                }
                _ => {}
            }
        }
        s
    }

    /// Checks combinations that are wrong within one table (defaults or one event).
    fn check_settings_scope(&mut self, own: &SettingsOverride, resolved: &Settings, scope: &str) {
        if let Some((_, span)) = &own.shards
            && resolved.stream_mode == StreamMode::OnDemand
        {
            self.push(
                    Diagnostic::error(span.clone(), format!("`shards` is set in {scope} but the stream mode is `on_demand`"))
                        .with_help("on-demand streams scale by themselves; remove `shards` or use `stream_mode = \"provisioned\"`"),
                );
        }
        if resolved.partitioning == Partitioning::EventTime && resolved.buffer_interval_seconds < 60
        {
            let span = match (&own.buffer_interval_seconds, &own.partitioning) {
                (Some((_, s)), _) | (None, Some((_, s))) => Some(s.clone()),
                (None, None) => None,
            };
            if let Some(span) = span {
                self.push(
                    Diagnostic::error(
                        span,
                        "event-time partitioning needs `buffer_interval_seconds` of at least 60",
                    )
                    .with_help("Firehose's dynamic partitioning does not support zero buffering"),
                );
            }
        }
    }

    fn events(
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

    fn event(
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
        if key.get_ref().ends_with(crate::errors_table::TABLE_SUFFIX) {
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
                .with_help(format!(
                    "rename the event, e.g. `{}`",
                    key.get_ref()
                        .trim_end_matches(crate::errors_table::TABLE_SUFFIX)
                        .to_owned()
                        + "_failures"
                )),
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
    fn check_event_fields(
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

    /// A `fields` table: top level (columns) or a struct's fields; `None` if any is invalid.
    fn fields(
        &mut self,
        key_span: Span,
        v: &Spanned<DeValue<'_>>,
        top_level: bool,
        depth: usize,
    ) -> Option<Vec<Field>> {
        let (fields, failed) = self.fields_partial(key_span, v, top_level, depth)?;
        failed.is_empty().then_some(fields)
    }

    /// The valid fields of a `fields` table and the names of the invalid ones (already
    /// reported), so that checks on the whole event can still run.
    fn fields_partial(
        &mut self,
        key_span: Span,
        v: &Spanned<DeValue<'_>>,
        top_level: bool,
        depth: usize,
    ) -> Option<(Vec<Field>, Vec<String>)> {
        let table = self.expect_table(v, "`fields`")?;
        if table.is_empty() {
            let what = if top_level {
                "an event needs at least one column"
            } else {
                "a struct needs at least one field"
            };
            self.push(
                Diagnostic::error(key_span, format!("`fields` is empty: {what}"))
                    .with_help("add a field, e.g. `id = \"string\"`"),
            );
            return None;
        }
        let mut out = Vec::new();
        let mut failed = Vec::new();
        for (k, fv) in table {
            match self.field(k, fv, top_level, depth) {
                Some(f) => out.push(f),
                None => failed.push(k.get_ref().to_string()),
            }
        }
        self.check_json_keys(&out, top_level);
        Some((out, failed))
    }

    /// Two fields must not read the same JSON key: OpenX lowercases keys before matching.
    /// One pass with a map of the keys seen so far, so wide events stay linear.
    fn check_json_keys(&mut self, fields: &[Field], top_level: bool) {
        let mut seen: std::collections::HashMap<String, &Field> =
            std::collections::HashMap::with_capacity(fields.len());
        for f in fields {
            let key = f.json_key().to_lowercase();
            if let Some(prev) = seen.get(&key).copied() {
                let what = if top_level { "column" } else { "struct field" };
                self.push(
                    Diagnostic::error(
                        f.span.clone(),
                        format!("{what} `{}` reads JSON key `{}`, which `{}` already reads", f.name, f.json_key(), prev.name),
                    )
                    .with_help("Firehose matches JSON keys case-insensitively, so both would get the same value; give one of them a different `json` key"),
                );
            } else {
                seen.insert(key, f);
            }
        }
    }

    fn field(
        &mut self,
        key: &Spanned<Cow<'_, str>>,
        v: &Spanned<DeValue<'_>>,
        top_level: bool,
        depth: usize,
    ) -> Option<Field> {
        let what = if top_level { "column" } else { "struct field" };
        let name_ok = self.check_name(key, what, MAX_NAME_LEN);
        let name = key.get_ref().to_string();
        let mut field = match v.get_ref() {
            DeValue::String(s) => {
                let ty = self.type_string(s, v.span(), depth)?;
                Field::from_type_string(name.clone(), ty, key.span())
            }
            DeValue::Table(t) => self.field_table(key, t, v.span(), top_level, depth)?,
            other => {
                let msg = format!(
                    "field `{name}` must be a type string or a table, found {}",
                    other.type_str()
                );
                self.push(Diagnostic::error(v.span(), msg).with_help(format!("write `{name} = \"string\"` or `{name} = {{ type = \"string\", required = true }}`")));
                return None;
            }
        };
        field.span = key.span();
        let glue = field.ty.to_string();
        if glue.len() > MAX_TYPE_LEN {
            self.push(Diagnostic::error(
                v.span(),
                format!(
                    "the type of `{name}` is {} characters long; Glue allows {MAX_TYPE_LEN}",
                    glue.len()
                ),
            ));
        }
        name_ok.then_some(field)
    }

    fn type_string(&mut self, s: &str, span: Span, depth: usize) -> Option<Type> {
        let ty = types::parse_type(s, span.clone());
        match ty {
            Ok(t) if t.depth() + depth > types::MAX_DEPTH => {
                self.push(Diagnostic::error(
                    span,
                    format!("types nest deeper than {} levels", types::MAX_DEPTH),
                ));
                None
            }
            Ok(t) => Some(t),
            Err(e) => {
                let inner = match self.string_body_offset(&span, s) {
                    Some(base) => base + e.range.start..base + e.range.end.max(e.range.start + 1),
                    None => span,
                };
                self.push(
                    Diagnostic::error(inner, e.message)
                        .with_label("in this type")
                        .with_help_opt(e.help),
                );
                None
            }
        }
    }

    /// Byte offset in the source of the first character of a string value, when the source
    /// spells the string without escapes (so offsets inside it map one to one).
    fn string_body_offset(&self, span: &Span, value: &str) -> Option<usize> {
        let raw = self.source.get(span.clone())?;
        for quote in ["\"\"\"", "'''", "\"", "'"] {
            if let Some(body) = raw.strip_prefix(quote).and_then(|r| r.strip_suffix(quote)) {
                return (body == value).then_some(span.start + quote.len());
            }
        }
        None
    }

    fn field_table(
        &mut self,
        key: &Spanned<Cow<'_, str>>,
        t: &DeTable<'_>,
        span: Span,
        top_level: bool,
        depth: usize,
    ) -> Option<Field> {
        let name = key.get_ref().to_string();
        self.unknown_keys(t, FIELD_KEYS, &format!("field `{name}`"), None);
        let Some((_, type_v)) = Self::get(t, "type") else {
            self.push(
                Diagnostic::error(key.span(), format!("field `{name}` has no `type`"))
                    .with_help("add `type = \"string\"` (or another type)"),
            );
            return None;
        };
        let ty_text = self.string(type_v, "`type`")?;
        let nested = Self::get(t, "fields");
        let items = Self::get(t, "items");
        let bare = ty_text.trim().to_ascii_lowercase();
        let ty = if bare == "struct" {
            if let Some((ik, _)) = items {
                self.error(
                    ik.span(),
                    "`items` belongs to `type = \"array\"`, not to a struct",
                );
            }
            let Some((fk, fv)) = nested else {
                self.push(
                    Diagnostic::error(type_v.span(), format!("struct field `{name}` has no `fields`"))
                        .with_help("add `fields = { city = \"string\" }`, or write the type inline: `struct<city:string>`"),
                );
                return None;
            };
            Type::Struct {
                fields: self.fields(fk.span(), fv, false, depth + 1)?,
            }
        } else if bare == "array" {
            if let Some((fk, _)) = nested {
                self.error(fk.span(), "`fields` belongs to `type = \"struct\"`; put it inside `items` for an array of structs");
            }
            let Some((_, iv)) = items else {
                self.push(
                    Diagnostic::error(type_v.span(), format!("array field `{name}` has no `items`"))
                        .with_help("add `items = \"string\"` (or a table), or write the type inline: `array<string>`"),
                );
                return None;
            };
            Type::Array {
                items: Box::new(self.items(iv, depth + 1)?),
            }
        } else {
            if let Some((fk, _)) = nested {
                self.push(Diagnostic::error(
                    fk.span(),
                    format!("`fields` is only allowed with `type = \"struct\"`, not `{ty_text}`"),
                ));
            }
            if let Some((ik, _)) = items {
                self.push(Diagnostic::error(
                    ik.span(),
                    format!("`items` is only allowed with `type = \"array\"`, not `{ty_text}`"),
                ));
            }
            self.type_string(&ty_text, type_v.span(), depth)?
        };

        let required = match Self::get(t, "required") {
            Some((_, v)) => self.boolean(v, "`required`").unwrap_or(false),
            None => false,
        };
        let doc = Self::get(t, "doc")
            .and_then(|(_, v)| self.text_limit(v, "`doc` (the Glue column comment)", MAX_DOC_LEN));
        let enum_values = match Self::get(t, "enum") {
            Some((_, v)) => self.enum_values(v, &ty).unwrap_or_default(),
            None => Vec::new(),
        };
        let json = match Self::get(t, "json") {
            Some((_, v)) => self.json_key(v, &name, top_level),
            None => None,
        };
        let example = match Self::get(t, "example") {
            Some((_, v)) => match example::check(&ty, &enum_values, v) {
                Ok(ex) => Some(ex),
                Err(d) => {
                    self.push(d);
                    None
                }
            },
            None => None,
        };
        Some(Field {
            name,
            ty,
            required,
            doc,
            enum_values,
            example,
            json,
            span,
        })
    }

    fn items(&mut self, v: &Spanned<DeValue<'_>>, depth: usize) -> Option<Type> {
        match v.get_ref() {
            DeValue::String(s) => self.type_string(s, v.span(), depth),
            DeValue::Table(t) => {
                self.unknown_keys(t, ITEMS_KEYS, "`items`", Some("array items take only `type`, `fields` (structs) and `items` (nested arrays); put docs and enums on the array field"));
                let Some((_, tv)) = Self::get(t, "type") else {
                    self.push(
                        Diagnostic::error(v.span(), "`items` has no `type`").with_help(
                            "add `type = \"struct\"` with `fields`, or write `items = \"string\"`",
                        ),
                    );
                    return None;
                };
                let ty_text = self.string(tv, "`type`")?;
                match ty_text.trim().to_ascii_lowercase().as_str() {
                    "struct" => {
                        let Some((fk, fv)) = Self::get(t, "fields") else {
                            self.push(
                                Diagnostic::error(tv.span(), "struct items have no `fields`")
                                    .with_help("add `fields = { sku = \"string\" }`"),
                            );
                            return None;
                        };
                        Some(Type::Struct {
                            fields: self.fields(fk.span(), fv, false, depth + 1)?,
                        })
                    }
                    "array" => {
                        let Some((_, iv)) = Self::get(t, "items") else {
                            self.push(Diagnostic::error(tv.span(), "array items have no `items`"));
                            return None;
                        };
                        Some(Type::Array {
                            items: Box::new(self.items(iv, depth + 1)?),
                        })
                    }
                    _ => self.type_string(&ty_text, tv.span(), depth),
                }
            }
            other => {
                let msg = format!(
                    "`items` must be a type string or a table, found {}",
                    other.type_str()
                );
                self.error(v.span(), msg);
                None
            }
        }
    }

    fn enum_values(&mut self, v: &Spanned<DeValue<'_>>, ty: &Type) -> Option<Vec<String>> {
        if !ty.is_text() {
            self.push(
                Diagnostic::error(
                    v.span(),
                    format!("`enum` is only allowed on string fields, not on `{ty}`"),
                )
                .with_help("remove `enum`, or make the field a `string`"),
            );
            return None;
        }
        let DeValue::Array(arr) = v.get_ref() else {
            let msg = format!(
                "`enum` must be an array of strings, found {}",
                v.get_ref().type_str()
            );
            self.error(v.span(), msg);
            return None;
        };
        if arr.is_empty() {
            self.push(
                Diagnostic::error(v.span(), "`enum` is empty")
                    .with_help("list the allowed values, or remove `enum`"),
            );
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        for item in arr.iter() {
            let Some(s) = self.string(item, "an `enum` value") else {
                continue;
            };
            if s.is_empty() {
                self.error(item.span(), "an `enum` value cannot be empty");
            } else if out.contains(&s) {
                self.error(item.span(), format!("`enum` value `{s}` is listed twice"));
            } else {
                if let Type::Varchar { length } | Type::Char { length } = ty
                    && s.chars().count() > *length as usize
                {
                    self.error(
                        item.span(),
                        format!("`enum` value `{s}` is longer than `{ty}` allows"),
                    );
                }
                out.push(s);
            }
        }
        Some(out)
    }

    fn json_key(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        name: &str,
        top_level: bool,
    ) -> Option<String> {
        let key = self.string(v, "`json`")?;
        if key.is_empty() {
            self.error(v.span(), "`json` cannot be empty");
            return None;
        }
        if !top_level && !key.eq_ignore_ascii_case(name) {
            self.push(
                Diagnostic::error(v.span(), format!("nested field `{name}` cannot be read from JSON key `{key}`"))
                    .with_help(format!(
                        "Firehose's OpenX deserializer matches nested keys case-insensitively but can rename only top-level columns; rename the field to `{}` or have the producer send `{name}`",
                        names::to_snake_case(&key)
                    )),
            );
            return None;
        }
        if key == name {
            self.push(
                Diagnostic::warning(
                    v.span(),
                    format!("`json = \"{key}\"` is the field's own name"),
                )
                .with_help("remove it"),
            );
            return None;
        }
        Some(key)
    }
}

/// Compile-time reminder that `model::Settings` and `SETTINGS_KEYS` list the same keys.
#[allow(
    dead_code,
    reason = "exists only to fail the build when a setting is added in one place only"
)]
fn settings_fields_match(s: &model::Settings) -> [&str; 13] {
    let model::Settings {
        stream_mode: _,
        shards: _,
        retention_hours: _,
        buffer_interval_seconds: _,
        buffer_size_mb: _,
        parquet_compression: _,
        raw_retention_days: _,
        partitioning: _,
        granularity: _,
        catalog: _,
        crawler_schedule: _,
        alarms: _,
        alarm_no_records_minutes: _,
    } = s;
    [""; 13]
}
