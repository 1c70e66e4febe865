//! `athena/<event>.ddl.sql` and `athena/<event>.queries.sql`.
//!
//! The DDL is the Glue table of [`glue::table_input`] written as `CREATE EXTERNAL TABLE`:
//! it is built from that `TableInput` value (columns, comments, partition keys, location,
//! every table parameter), so the two cannot drift apart. Identifiers are quoted with
//! backticks only where Athena needs it, struct field names included.
//!
//! The starter queries come from [`starter_queries`], the one list that both the
//! `.queries.sql` file and the stack's `AWS::Athena::NamedQuery` resources use. Their text
//! is built here (not in a template) because every choice in it (which column to break
//! down, which array to unnest, which partition predicates prune) depends on the schema;
//! the template only lays the file out. Rules for the query text:
//! - Athena engine v3 (Trino) syntax, double-quoted identifiers where needed;
//! - table names are unqualified: the named query (or the local lake) sets the database;
//! - every query filters the partition columns with equalities on parts of `current_date`,
//!   so Athena reads only today's partitions (UTC);
//! - a portable subset the local lake (DataFusion) also runs unchanged: `EXTRACT(… FROM
//!   current_date)`, `CAST`, `count(*)`, `date_trunc('hour', ts)`, `CROSS JOIN UNNEST(…)
//!   AS u(…)`, explicit `NULLS LAST`, `GROUP BY` expressions (no ordinals), `ORDER BY`
//!   output aliases.

use serde::Serialize;

use eventlake_schema::limits::MAX_ATHENA_QUERY_BYTES;
use eventlake_schema::{Event, Field, Granularity, Partitioning, Type, mapping};

use super::{Context, glue};
use crate::output::Artifact;
use crate::plan::{self, EventPlan, ddl_ident, dml_ident};
use crate::render::render as render_template;

/// Template of `athena/<event>.ddl.sql`.
pub const DDL_TEMPLATE: &str = "athena/ddl.sql.j2";
/// Template of `athena/<event>.queries.sql`.
pub const QUERIES_TEMPLATE: &str = "athena/queries.sql.j2";
/// Rows returned by the "latest events" query.
pub const LATEST_LIMIT: usize = 100;
/// Rows returned by "top values" queries over free-form text.
pub const TOP_LIMIT: usize = 20;
/// Longest `AWS::Athena::NamedQuery` `Name`.
pub const NAMED_QUERY_NAME_MAX: usize = 128;
/// Longest `AWS::Athena::NamedQuery` `Description`.
pub const NAMED_QUERY_DESCRIPTION_MAX: usize = 1024;

/// One starter query of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StarterQuery {
    /// Short id, unique within the event (`count_today`, `by_currency`, …): snake case.
    pub slug: String,
    /// Display name (`order_placed: rows today`), at most [`NAMED_QUERY_NAME_MAX`] characters.
    pub name: String,
    /// One-line description, at most [`NAMED_QUERY_DESCRIPTION_MAX`] characters.
    pub description: String,
    /// The statement, without a trailing `;`, lines separated by `\n`.
    pub sql: String,
}

/// Renders both files of every event.
pub fn render(cx: &Context<'_>) -> Result<Vec<Artifact>, crate::Error> {
    let mut out = Vec::new();
    for (index, (event, plan)) in cx.schema.events.iter().zip(&cx.plan.events).enumerate() {
        let ddl = render_template(&cx.env, DDL_TEMPLATE, data_ddl_context(cx, event, plan))?;
        out.push(Artifact::new(format!("athena/{}.ddl.sql", event.name), ddl));
        let queries = QueriesContext {
            header: cx.header("--"),
            table: &event.name,
            database: cx.humanize(&cx.plan.database_sub),
            pruned: plan
                .partitions
                .iter()
                .map(|p| p.name)
                .filter(|p| *p != "hour")
                .collect(),
            period: Planner::new(event, plan).period(),
            queries: starter_queries(cx, index),
        };
        let text = render_template(&cx.env, QUERIES_TEMPLATE, queries)?;
        out.push(Artifact::new(
            format!("athena/{}.queries.sql", event.name),
            text,
        ));
    }
    Ok(out)
}

/// The context of [`QUERIES_TEMPLATE`].
#[derive(Serialize)]
struct QueriesContext<'a> {
    header: String,
    table: &'a str,
    database: String,
    /// The partition columns the queries filter.
    pruned: Vec<&'static str>,
    /// What the filters select (`today`, `this month`, …).
    period: &'static str,
    queries: Vec<StarterQuery>,
}

/// One column line of the DDL.
#[derive(Debug, Serialize)]
struct DdlColumn {
    name: String,
    ddl_type: String,
    comment: Option<String>,
}

/// The context of [`DDL_TEMPLATE`].
#[derive(Debug, Serialize)]
pub(crate) struct DdlContext {
    header: String,
    table: String,
    description: Option<String>,
    database: String,
    database_example: String,
    bucket_placeholder: String,
    location: String,
    columns: Vec<DdlColumn>,
    partitions: Vec<DdlColumn>,
    properties: Vec<(String, String)>,
    projection: bool,
    crawler: bool,
    /// `ROW FORMAT SERDE` of a table that is not Parquet.
    row_format_serde: Option<&'static str>,
    ddl_file: String,
}

/// The data table's DDL context.
fn data_ddl_context(cx: &Context<'_>, event: &Event, plan: &EventPlan) -> DdlContext {
    let location = glue::location(&cx.plan.lake_bucket.logical, plan);
    let table = glue::table_input(event, plan, &location);
    // The Glue type strings do not quote struct field names; the DDL must, so the type is
    // spelled from the field with the same name (the same type, see `ddl_type`).
    let ddl_type_of = |c: &glue::Column| {
        event
            .field(&c.name)
            .map(|f| ddl_type(&f.ty))
            .filter(|t| unquote_backticks(t) == c.glue_type)
    };
    let file = format!("athena/{}.ddl.sql", event.name);
    ddl_context(
        cx,
        table,
        ddl_type_of,
        (!plan.projection.is_empty(), plan.crawler),
        file,
    )
}

/// The DDL template's context, written from a Glue `TableInput`; `ddl_type_of` spells a
/// data column's type where the Glue spelling is not valid DDL; `(projection, crawler)` say
/// how partitions are found.
pub(crate) fn ddl_context(
    cx: &Context<'_>,
    table: glue::TableInput,
    ddl_type_of: impl Fn(&glue::Column) -> Option<String>,
    (projection, crawler): (bool, bool),
    ddl_file: String,
) -> DdlContext {
    let serde = table.serde_library();
    let columns = table
        .storage_descriptor
        .columns
        .into_iter()
        .map(|c| DdlColumn {
            ddl_type: ddl_type_of(&c).unwrap_or(c.glue_type),
            name: c.name,
            comment: c.comment,
        })
        .collect();
    let partitions = table
        .partition_keys
        .into_iter()
        .map(|c| DdlColumn {
            name: c.name,
            ddl_type: c.glue_type,
            comment: c.comment,
        })
        .collect();
    let example_env = cx.plan.env_default;
    DdlContext {
        header: cx.header("--"),
        table: table.name,
        description: table.description,
        database: cx.humanize(&cx.plan.database_sub),
        database_example: cx
            .plan
            .database_sub
            .replace(&format!("${{{}}}", cx.plan.env_param), example_env),
        bucket_placeholder: format!("${{{}}}", cx.plan.lake_bucket.logical),
        location: table.storage_descriptor.location,
        columns,
        partitions,
        properties: table.parameters,
        projection,
        crawler,
        row_format_serde: (serde != glue::PARQUET_SERDE).then_some(serde),
        ddl_file,
    }
}

/// The DDL spelling of a type: the Glue spelling with struct field names quoted by
/// [`ddl_ident`] where needed (`struct<`select`:string>`).
pub fn ddl_type(ty: &Type) -> String {
    mapping::type_text(ty, mapping::Dialect::Glue, &ddl_ident)
}

fn unquote_backticks(s: &str) -> String {
    s.replace("``", "\u{0}")
        .replace('`', "")
        .replace('\u{0}', "`")
}

/// The starter queries of event number `event_index` (in schema order); empty when there
/// is no such event.
pub fn starter_queries(cx: &Context<'_>, event_index: usize) -> Vec<StarterQuery> {
    match (
        cx.schema.events.get(event_index),
        cx.plan.events.get(event_index),
    ) {
        (Some(event), Some(plan)) => {
            let mut queries = Planner::new(event, plan).queries();
            queries.extend(super::errors_table::starter_queries(event));
            queries
        }
        _ => Vec::new(),
    }
}

/// A warning for each file Athena would refuse to run: longer than its query-string limit
/// ([`MAX_ATHENA_QUERY_BYTES`]).
pub fn too_long_for_athena(files: &[Artifact]) -> Vec<String> {
    files
        .iter()
        .filter(|f| f.contents.len() > MAX_ATHENA_QUERY_BYTES)
        .map(|f| {
            format!(
                "{} is {} bytes, above Athena's {MAX_ATHENA_QUERY_BYTES}-byte query limit: it cannot be \
                 run in Athena; create the table with the stack or from the glue/ TableInput instead",
                f.path,
                f.contents.len()
            )
        })
        .collect()
}

/// A simple `SELECT` statement, printed one clause per line.
#[derive(Default)]
struct Select {
    columns: Vec<String>,
    from: String,
    joins: Vec<String>,
    filters: Vec<String>,
    group_by: Vec<String>,
    order_by: Vec<String>,
    limit: Option<usize>,
}

impl Select {
    fn sql(&self) -> String {
        let mut s = format!("SELECT {}\nFROM {}", self.columns.join(", "), self.from);
        for j in &self.joins {
            s.push('\n');
            s.push_str(j);
        }
        for (i, f) in self.filters.iter().enumerate() {
            s.push_str(if i == 0 { "\nWHERE " } else { "\n  AND " });
            s.push_str(f);
        }
        if !self.group_by.is_empty() {
            s.push_str("\nGROUP BY ");
            s.push_str(&self.group_by.join(", "));
        }
        if !self.order_by.is_empty() {
            s.push_str("\nORDER BY ");
            s.push_str(&self.order_by.join(", "));
        }
        if let Some(n) = self.limit {
            s.push_str(&format!("\nLIMIT {n}"));
        }
        s
    }
}

/// A scalar column a query reads: a top-level column, or a field inside struct columns,
/// read by its dotted path (`metadata.eventtype`) in Athena and in the local lake alike.
#[derive(Clone)]
struct Column<'a> {
    field: &'a Field,
    /// Names from the top-level column down to the field itself.
    path: Vec<&'a str>,
}

impl<'a> Column<'a> {
    fn top(field: &'a Field) -> Self {
        Self {
            field,
            path: vec![field.name.as_str()],
        }
    }

    fn is_nested(&self) -> bool {
        self.path.len() > 1
    }

    /// The column in SQL, after `qualifier` (`e.` in joins, else empty).
    fn sql(&self, qualifier: &str) -> String {
        let path: Vec<String> = self.path.iter().map(|p| dml_ident(p)).collect();
        format!("{qualifier}{}", path.join("."))
    }

    /// The path for people: `metadata.eventtype`.
    fn label(&self) -> String {
        self.path.join(".")
    }

    /// The path in a query's slug: `metadata_eventtype`.
    fn slug(&self) -> String {
        self.path.join("_")
    }

    /// Whether the column looks like an identifier, which is a poor thing to count by.
    fn looks_like_id(&self, partition_key: Option<&str>) -> bool {
        let f = self.field;
        let camel_id = f
            .json
            .as_deref()
            .is_some_and(|k| k.ends_with("Id") || k.ends_with("ID"));
        f.name == "id"
            || f.name.ends_with("_id")
            || camel_id
            || (!self.is_nested() && partition_key == Some(f.name.as_str()))
    }

    /// Whether the name suggests a few distinct values (a type, status, kind…).
    fn looks_like_category(&self) -> bool {
        const CATEGORY_WORDS: [&str; 5] = ["type", "status", "kind", "category", "state"];
        CATEGORY_WORDS.iter().any(|w| self.field.name.ends_with(w))
    }
}

/// Every scalar field inside the struct columns of `fields` (not inside arrays or maps,
/// which a dotted path cannot reach), depth first, in schema order.
fn nested_columns<'a>(fields: &'a [Field], parents: &[&'a str], out: &mut Vec<Column<'a>>) {
    for f in fields {
        let mut path = parents.to_vec();
        path.push(f.name.as_str());
        match &f.ty {
            Type::Struct { fields } => nested_columns(fields, &path, out),
            ty if ty.is_primitive() && !parents.is_empty() => out.push(Column { field: f, path }),
            _ => {}
        }
    }
}

/// Chooses the columns and predicates of one event's starter queries.
struct Planner<'a> {
    event: &'a Event,
    plan: &'a EventPlan,
    /// Every name a query could confuse with an alias: columns and partition columns.
    taken: Vec<String>,
    /// The event timestamp column: the time field, else the first top-level timestamp,
    /// else the first timestamp inside a struct.
    time: Option<Column<'a>>,
    /// The scalar fields inside struct columns.
    nested: Vec<Column<'a>>,
}

impl<'a> Planner<'a> {
    fn new(event: &'a Event, plan: &'a EventPlan) -> Self {
        let mut nested = Vec::new();
        nested_columns(&event.fields, &[], &mut nested);
        let time = event
            .time_field
            .as_deref()
            .and_then(|tf| event.field(tf))
            .filter(|f| f.ty == Type::Timestamp)
            .or_else(|| event.fields.iter().find(|f| f.ty == Type::Timestamp))
            .map(Column::top)
            .or_else(|| {
                nested
                    .iter()
                    .find(|c| c.field.ty == Type::Timestamp)
                    .cloned()
            });
        let mut taken: Vec<String> = event.fields.iter().map(|f| f.name.clone()).collect();
        taken.extend(Granularity::all_partition_column_names().map(str::to_owned));
        taken.push(event.name.clone());
        Self {
            event,
            plan,
            taken,
            time,
            nested,
        }
    }

    /// An alias based on `base` that no column or table name uses.
    fn alias(&self, base: &str) -> String {
        let mut name = base.to_owned();
        while self.taken.contains(&name) {
            name.push('_');
        }
        name
    }

    fn table(&self) -> String {
        dml_ident(&self.event.name)
    }

    /// Whether partitions alone select one UTC day.
    fn day_partitions(&self) -> bool {
        self.plan.partitions.iter().any(|p| p.name == "day")
    }

    /// "today" when the filter selects one day, else the partition period.
    fn period(&self) -> &'static str {
        if self.day_partitions() || self.time.is_some() {
            "today"
        } else if self.plan.partitions.iter().any(|p| p.name == "month") {
            "this month"
        } else {
            "this year"
        }
    }

    /// What the partitions are based on, for descriptions.
    fn basis(&self) -> &'static str {
        if self.event.settings.partitioning == Partitioning::EventTime {
            "event time"
        } else {
            "arrival time"
        }
    }

    /// Filters that select today's partitions (`qualifier` is `e.` in joins), plus an
    /// event-time filter when partitions are coarser than a day.
    fn today_filters(&self, qualifier: &str) -> Vec<String> {
        let mut filters: Vec<String> = self
            .plan
            .partitions
            .iter()
            .filter(|p| p.name != "hour")
            .map(|p| {
                format!(
                    "{qualifier}{} = EXTRACT({} FROM current_date)",
                    dml_ident(p.name),
                    p.name.to_ascii_uppercase()
                )
            })
            .collect();
        if !self.day_partitions()
            && let Some(ts) = &self.time
        {
            filters.push(format!(
                "CAST({} AS {}) = current_date",
                ts.sql(qualifier),
                mapping::trino(&Type::Date)
            ));
        }
        filters
    }

    /// `what` of `event` (what = `rows`, …), shortened to fit a named query.
    fn name(&self, what: &str) -> String {
        let room = NAMED_QUERY_NAME_MAX.saturating_sub(what.chars().count() + 2);
        let mut name = format!("{}: {what}", plan::shorten(&self.event.name, room.max(16)));
        if name.len() > NAMED_QUERY_NAME_MAX {
            name = plan::shorten(&name, NAMED_QUERY_NAME_MAX);
        }
        name
    }

    fn query(
        &self,
        slug: String,
        what: &str,
        description: String,
        select: &Select,
    ) -> StarterQuery {
        // One line (enum values are user text) within the named-query limit.
        let mut description: String = description
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        // Bytes, not characters: the stricter reading of the limit.
        if description.len() > NAMED_QUERY_DESCRIPTION_MAX {
            while description.len() > NAMED_QUERY_DESCRIPTION_MAX - 3 {
                description.pop();
            }
            description.push_str("...");
        }
        StarterQuery {
            slug,
            name: self.name(what),
            description,
            sql: select.sql(),
        }
    }

    fn pruning_note(&self) -> String {
        let names: Vec<&str> = self
            .plan
            .partitions
            .iter()
            .filter(|p| p.name != "hour")
            .map(|p| p.name)
            .collect();
        let whose = match self.period() {
            "today" => "today's",
            "this month" => "this month's",
            _ => "this year's",
        };
        format!(
            "reads only {whose} partitions ({} of the {}, UTC)",
            names.join(", "),
            self.basis()
        )
    }

    fn queries(&self) -> Vec<StarterQuery> {
        let mut out = vec![self.count_today(), self.latest()];
        out.extend(self.breakdown());
        out.extend(self.per_hour());
        out.extend(self.unnest());
        out
    }

    fn count_today(&self) -> StarterQuery {
        let n = self.alias("events");
        let select = Select {
            columns: vec![format!("count(*) AS {}", dml_ident(&n))],
            from: self.table(),
            filters: self.today_filters(""),
            ..Select::default()
        };
        let period = self.period();
        self.query(
            "count_today".to_owned(),
            &format!("rows {period}"),
            format!(
                "Number of {} rows {period}; {}.",
                self.event.name,
                self.pruning_note()
            ),
            &select,
        )
    }

    fn latest(&self) -> StarterQuery {
        // Without a timestamp column, the only order left inside the filtered period is the
        // partitions finer than the filter (the hour).
        let unfiltered: Vec<&str> = self
            .plan
            .partitions
            .iter()
            .map(|p| p.name)
            .filter(|p| *p == "hour")
            .collect();
        let (order_by, how) = match &self.time {
            Some(ts) => (
                vec![format!("{} DESC NULLS LAST", ts.sql(""))],
                format!(
                    "The {LATEST_LIMIT} most recent {} rows of {}, by {}",
                    self.event.name,
                    self.period(),
                    ts.label()
                ),
            ),
            None if !unfiltered.is_empty() => (
                unfiltered
                    .iter()
                    .map(|p| format!("{} DESC", dml_ident(p)))
                    .collect(),
                format!(
                    "{LATEST_LIMIT} {} rows of {}, latest hour first (the event has no timestamp column)",
                    self.event.name,
                    self.period()
                ),
            ),
            None => (
                Vec::new(),
                format!(
                    "{LATEST_LIMIT} {} rows of {} (the event has no timestamp column to order by)",
                    self.event.name,
                    self.period()
                ),
            ),
        };
        let select = Select {
            columns: vec!["*".to_owned()],
            from: self.table(),
            filters: self.today_filters(""),
            order_by,
            limit: Some(LATEST_LIMIT),
            ..Select::default()
        };
        self.query(
            "latest_events".to_owned(),
            &format!("latest {LATEST_LIMIT} events"),
            format!("{how}; {}.", self.pruning_note()),
            &select,
        )
    }

    /// The column to break rows down by: an enum column, else a text column that does not
    /// look like an id, else any text column, else a boolean column. Top-level columns
    /// come first; text fields inside structs (the original design nests every field)
    /// come before a top-level boolean, and among them a name like `…type` or `status`
    /// first.
    fn breakdown_column(&self) -> Option<Column<'a>> {
        let key = self.event.partition_key.as_deref();
        let top: Vec<Column<'a>> = self.event.fields.iter().map(Column::top).collect();
        let text = |c: &&Column<'a>| c.field.ty.is_text();
        let tiers: [&dyn Fn(&Column<'a>) -> bool; 3] = [
            &|c| !c.field.enum_values.is_empty(),
            &|c| !c.looks_like_id(key),
            &|_| true,
        ];
        let nested_tiers: [&dyn Fn(&Column<'a>) -> bool; 4] = [
            &|c| !c.field.enum_values.is_empty(),
            &|c| c.looks_like_category() && !c.looks_like_id(key),
            &|c| !c.looks_like_id(key),
            &|_| true,
        ];
        tiers
            .iter()
            .find_map(|t| top.iter().filter(text).find(|c| t(c)))
            .or_else(|| {
                nested_tiers
                    .iter()
                    .find_map(|t| self.nested.iter().filter(text).find(|c| t(c)))
            })
            .or_else(|| top.iter().find(|c| c.field.ty == Type::Boolean))
            .cloned()
    }

    fn breakdown(&self) -> Option<StarterQuery> {
        let col = self.breakdown_column()?;
        let n = self.alias("events");
        let c = col.sql("");
        let is_enum = !col.field.enum_values.is_empty();
        // A nested field is shown under its own name (Trino would call it `_col0`).
        let (shown, output) = if col.is_nested() {
            let alias = dml_ident(&self.alias(col.field.name.as_str()));
            (format!("{c} AS {alias}"), alias)
        } else {
            (c.clone(), c.clone())
        };
        let select = Select {
            columns: vec![shown, format!("count(*) AS {}", dml_ident(&n))],
            from: self.table(),
            filters: self.today_filters(""),
            group_by: vec![c.clone()],
            order_by: vec![
                format!("{} DESC", dml_ident(&n)),
                format!("{output} NULLS LAST"),
            ],
            limit: (!is_enum && col.field.ty != Type::Boolean).then_some(TOP_LIMIT),
            ..Select::default()
        };
        let values = if is_enum {
            format!(" (one of {})", col.field.enum_values.join(", "))
        } else {
            String::new()
        };
        let top = if select.limit.is_some() {
            format!("the {TOP_LIMIT} most frequent values of ")
        } else {
            String::new()
        };
        Some(self.query(
            format!("by_{}", col.slug()),
            &format!("rows by {}", col.label()),
            format!(
                "{} rows of {} per {top}{}{values}; {}.",
                self.event.name,
                self.period(),
                col.label(),
                self.pruning_note()
            ),
            &select,
        ))
    }

    fn per_hour(&self) -> Option<StarterQuery> {
        let ts = self.time.as_ref()?;
        let n = self.alias("events");
        let hour = self.alias("hour_start");
        let trunc = format!("date_trunc('hour', {})", ts.sql(""));
        let select = Select {
            columns: vec![
                format!("{trunc} AS {}", dml_ident(&hour)),
                format!("count(*) AS {}", dml_ident(&n)),
            ],
            from: self.table(),
            filters: self.today_filters(""),
            group_by: vec![trunc],
            order_by: vec![format!("{} NULLS LAST", dml_ident(&hour))],
            ..Select::default()
        };
        Some(self.query(
            "per_hour".to_owned(),
            &format!("rows per hour of {}", ts.label()),
            format!(
                "{} rows of {} per hour of {} (UTC); {}.",
                self.event.name,
                self.period(),
                ts.label(),
                self.pruning_note()
            ),
            &select,
        ))
    }

    /// The array to unnest: the first with scalar elements, else the first.
    fn array_column(&self) -> Option<(&'a Field, &'a Type)> {
        let arrays = || {
            self.event.fields.iter().filter_map(|f| match &f.ty {
                Type::Array { items } => Some((f, items.as_ref())),
                _ => None,
            })
        };
        arrays()
            .find(|(_, items)| items.is_primitive())
            .or_else(|| arrays().next())
    }

    fn unnest(&self) -> Option<StarterQuery> {
        let (array, items) = self.array_column()?;
        let e = self.alias("e");
        let u = self.alias("u");
        let q = format!("{}.", dml_ident(&e));
        let uq = |name: &str| format!("{}.{}", dml_ident(&u), dml_ident(name));
        let from = format!("{} AS {}", self.table(), dml_ident(&e));
        if items.is_primitive() {
            let item = "item";
            let n = self.alias("events");
            let join = format!(
                "CROSS JOIN UNNEST({q}{}) AS {}({})",
                dml_ident(&array.name),
                dml_ident(&u),
                dml_ident(item)
            );
            let select = Select {
                columns: vec![uq(item), format!("count(*) AS {}", dml_ident(&n))],
                from,
                joins: vec![join],
                filters: self.today_filters(&q),
                group_by: vec![uq(item)],
                order_by: vec![
                    format!("{} DESC", dml_ident(&n)),
                    format!("{} NULLS LAST", uq(item)),
                ],
                limit: Some(TOP_LIMIT),
            };
            return Some(self.query(
                format!("unnest_{}", array.name),
                &format!("values in {}", array.name),
                format!(
                    "The {TOP_LIMIT} most frequent elements of the array {} in {} rows of {}; {}.",
                    array.name,
                    self.event.name,
                    self.period(),
                    self.pruning_note()
                ),
                &select,
            ));
        }
        // Trino unnests an array of rows into one column per row field.
        let element_columns: Vec<String> = match items {
            Type::Struct { fields } => fields.iter().map(|f| f.name.clone()).collect(),
            _ => vec!["item".to_owned()],
        };
        let join = format!(
            "CROSS JOIN UNNEST({q}{}) AS {}({})",
            dml_ident(&array.name),
            dml_ident(&u),
            element_columns
                .iter()
                .map(|c| dml_ident(c))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut columns: Vec<String> = self
            .event
            .fields
            .iter()
            .find(|f| f.ty.is_primitive())
            .map(|f| format!("{q}{}", dml_ident(&f.name)))
            .into_iter()
            .collect();
        columns.extend(element_columns.iter().map(|c| uq(c)));
        let order_by = self
            .time
            .as_ref()
            .map(|ts| vec![format!("{} DESC NULLS LAST", ts.sql(&q))])
            .unwrap_or_default();
        let select = Select {
            columns,
            from,
            joins: vec![join],
            filters: self.today_filters(&q),
            order_by,
            limit: Some(LATEST_LIMIT),
            ..Select::default()
        };
        Some(self.query(
            format!("unnest_{}", array.name),
            &format!("elements of {}", array.name),
            format!(
                "One row per element of the array {} ({LATEST_LIMIT} rows) in {} rows of {}; {}.",
                array.name,
                self.event.name,
                self.period(),
                self.pruning_note()
            ),
            &select,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(source: &str) -> Option<Context<'static>> {
        let loaded = eventlake_schema::load_str(source, "events.toml").ok()?;
        let schema: &'static eventlake_schema::Schema = Box::leak(Box::new(loaded.schema));
        Some(Context {
            schema,
            plan: crate::plan::LakePlan::new(schema),
            env: crate::render::environment(None),
            source_name: "events.toml".to_owned(),
        })
    }

    #[test]
    fn struct_fields_are_quoted_in_ddl_types() {
        let cx = context(
            "[lake]\nname = \"l\"\n[events.e.fields]\nt = \"struct<select:string,b:array<struct<date:date>>>\"\n",
        );
        let cx = cx.expect("valid schema");
        let ty = &cx.schema.events[0].fields[0].ty;
        assert_eq!(
            ddl_type(ty),
            "struct<`select`:string,b:array<struct<`date`:date>>>"
        );
        assert_eq!(unquote_backticks(&ddl_type(ty)), ty.glue());
    }

    #[test]
    fn queries_quote_reserved_names_and_prune() {
        let cx = context(
            "[lake]\nname = \"l\"\n[events.order.fields]\ndate = { type = \"timestamp\", required = true }\nvalues = \"array<string>\"\n",
        )
        .expect("valid schema");
        let qs = starter_queries(&cx, 0);
        let slugs: Vec<&str> = qs.iter().map(|q| q.slug.as_str()).collect();
        assert_eq!(
            slugs,
            [
                "count_today",
                "latest_events",
                "per_hour",
                "unnest_values",
                "failures_today",
                "latest_failures"
            ]
        );
        // The last two read the errors table (`order__errors`, not a reserved word).
        assert!(qs[4..].iter().all(|q| q.sql.contains("FROM order__errors")));
        for q in &qs[..4] {
            assert!(q.sql.contains("\"order\""), "{}", q.sql);
            assert!(
                q.sql.contains("EXTRACT(DAY FROM current_date)"),
                "{}",
                q.sql
            );
            assert!(q.name.len() <= NAMED_QUERY_NAME_MAX);
        }
        assert!(qs[2].sql.contains("date_trunc('hour', \"date\")"));
        assert!(starter_queries(&cx, 1).is_empty());
    }

    #[test]
    fn nested_only_events_break_down_and_count_by_dotted_paths() {
        let cx = context(concat!(
            "[lake]\nname = \"l\"\n[events.staff.fields]\n",
            "event = { type = \"struct\", fields = { staffname = { type = \"string\", json = \"staffName\" }, staffid = { type = \"string\", json = \"staffId\" }, status = \"string\" } }\n",
            "metadata = { type = \"struct\", fields = { eventtype = { type = \"string\", json = \"eventType\" }, sourcetimestamp = { type = \"timestamp\", json = \"sourceTimestamp\" } } }\n",
        ))
        .expect("valid schema");
        let qs = starter_queries(&cx, 0);
        let slugs: Vec<&str> = qs.iter().map(|q| q.slug.as_str()).collect();
        assert_eq!(
            slugs,
            [
                "count_today",
                "latest_events",
                "by_event_status",
                "per_hour",
                "failures_today",
                "latest_failures"
            ]
        );
        assert!(
            qs[1]
                .sql
                .contains("ORDER BY metadata.sourcetimestamp DESC NULLS LAST"),
            "{}",
            qs[1].sql
        );
        assert!(
            qs[2]
                .sql
                .starts_with("SELECT event.status AS status, count(*)"),
            "{}",
            qs[2].sql
        );
        assert!(
            qs[2].sql.contains("GROUP BY event.status\n"),
            "{}",
            qs[2].sql
        );
        assert!(
            qs[3]
                .sql
                .contains("date_trunc('hour', metadata.sourcetimestamp)"),
            "{}",
            qs[3].sql
        );
    }

    #[test]
    fn long_names_fit_named_query_limits() {
        let event = "e".repeat(eventlake_schema::names::MAX_EVENT_NAME_LEN);
        let column = "c".repeat(eventlake_schema::names::MAX_NAME_LEN);
        let cx = context(&format!(
            "[lake]\nname = \"l\"\n[events.{event}.fields]\n{column} = \"string\"\n"
        ))
        .expect("valid schema");
        for q in starter_queries(&cx, 0) {
            assert!(q.name.len() <= NAMED_QUERY_NAME_MAX, "{}", q.name);
            assert!(q.description.len() <= NAMED_QUERY_DESCRIPTION_MAX);
        }
    }
}
