//! SQL over a local lake with Apache DataFusion: every event is a Hive-partitioned Parquet
//! table, registered as `<lake>.<event>` and, because the lake is the default schema, as
//! plain `<event>` too, the way Athena's named queries run inside the lake's database.
//!
//! Rules:
//! - partition columns (`year`, `month`, …) are `int`, as in Glue, read from the
//!   zero-padded `name=value` folders Firehose writes; predicates on them prune folders
//!   ([`padded_partitions`] keeps `day = 7` from missing `day=07/`);
//! - `current_date` and `now()` read the lake's clock: the real time, or the instant
//!   given to [`LakeQuery::with_clock`], so that "today" can be pinned;
//! - the starter queries in `out/athena/<event>.queries.sql` run unchanged; the few Trino
//!   forms DataFusion spells differently are translated by [`trino_compat`], which lists
//!   each one (docs/local-lake.md too);
//! - each event's errors table, `<event>__errors`, reads `errors/<event>/` ([`errors_table`]),
//!   and Trino's `from_base64` / `from_utf8` are registered ([`trino_udfs`]), so the errors
//!   tables' starter queries run unchanged too;
//! - a file of statements is split on `;` outside strings, quoted identifiers and comments;
//!   the comment lines right before a statement are its title.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::catalog::MemTable;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};

use eventlake_schema::Schema;
use eventlake_schema::model::PARTITION_TYPE;
use eventlake_schema::time::Instant;

use crate::Error;
use crate::columns::{arrow_type, event_schema};

pub mod errors_table;
pub mod padded_partitions;
pub mod trino_udfs;

use padded_partitions::PaddedPartitions;

/// Name of DataFusion's catalog.
const CATALOG: &str = "datafusion";

/// A lake opened for queries.
pub struct LakeQuery {
    ctx: SessionContext,
    runtime: tokio::runtime::Runtime,
    /// The instant `current_date` and `now()` read; the real time when `None`.
    clock: Option<chrono::DateTime<chrono::Utc>>,
    /// The registered tables, `<lake>.<event>`, then the errors tables `<lake>.<event>__errors`.
    pub tables: Vec<String>,
}

fn query_err(e: impl std::fmt::Display) -> Error {
    Error::Query(e.to_string())
}

impl LakeQuery {
    /// Registers every event of `schema` over `lake_dir/data/<event>/`.
    pub fn open(schema: &Schema, lake_dir: &Path) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(std::thread::available_parallelism().map_or(2, usize::from))
            .build()
            .map_err(Error::io("tokio runtime"))?;
        let lake = &schema.lake.name;
        let config = SessionConfig::new()
            .with_default_catalog_and_schema(CATALOG, lake)
            .with_create_default_catalog_and_schema(true)
            .with_information_schema(true);
        let ctx = SessionContext::new_with_config(config);
        let mut tables = Vec::new();
        for event in &schema.events {
            let data_schema = Arc::new(query_schema(event));
            let partition_cols: Vec<(String, DataType)> = event
                .partition_columns()
                .iter()
                .map(|p| (p.name.to_owned(), arrow_type(&PARTITION_TYPE)))
                .collect();
            let dir = lake_dir.join("data").join(&event.name);
            let reference = TableReference::partial(lake.as_str(), event.name.as_str());
            if dir.is_dir() {
                let abs = std::fs::canonicalize(&dir).map_err(Error::io(&dir))?;
                let url = format!("{}/", abs.display());
                let url = ListingTableUrl::parse(&url).map_err(query_err)?;
                let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                    .with_file_extension(".parquet")
                    .with_table_partition_cols(partition_cols);
                let config = ListingTableConfig::new(url)
                    .with_listing_options(options)
                    .with_schema(data_schema);
                let table = ListingTable::try_new(config).map_err(query_err)?;
                let names = event
                    .partition_columns()
                    .iter()
                    .map(|p| p.name.to_owned())
                    .collect();
                let table = PaddedPartitions::new(Arc::new(table), names);
                ctx.register_table(reference, Arc::new(table))
                    .map_err(query_err)?;
            } else {
                // No data yet: an empty table with the same columns.
                let mut fields: Vec<arrow::datatypes::FieldRef> =
                    data_schema.fields().iter().cloned().collect();
                for (name, ty) in partition_cols {
                    fields.push(Arc::new(arrow::datatypes::Field::new(name, ty, false)));
                }
                let full = Arc::new(arrow::datatypes::Schema::new(fields));
                let table = MemTable::try_new(full, vec![vec![]]).map_err(query_err)?;
                ctx.register_table(reference, Arc::new(table))
                    .map_err(query_err)?;
            }
            tables.push(format!("{lake}.{}", event.name));
        }
        for udf in trino_udfs::udfs() {
            ctx.register_udf(udf);
        }
        for (index, event) in schema.events.iter().enumerate() {
            let name =
                runtime.block_on(errors_table::register(&ctx, lake, event, index, lake_dir))?;
            tables.push(name);
        }
        Ok(Self {
            ctx,
            runtime,
            clock: None,
            tables,
        })
    }

    /// Pins the clock: every later statement reads `now` as `current_date`, `now()` and
    /// `current_timestamp`, the way Athena reads the query's start time.
    #[must_use]
    pub fn with_clock(mut self, now: Instant) -> Self {
        self.clock = chrono::DateTime::from_timestamp(now.secs, now.nanos);
        self
    }

    /// Runs one statement and returns its rows.
    pub fn run(&self, sql: &str) -> Result<Vec<RecordBatch>, Error> {
        use datafusion::dataframe::DataFrame;
        use datafusion::logical_expr::LogicalPlan;

        let sql = trino_compat(sql);
        self.runtime.block_on(async {
            // `SessionContext::sql` stamps the real time on a fresh copy of the session's
            // state for every statement; planning through our own copy is the only way
            // for a pinned time to reach `current_date`.
            let mut state = self.ctx.state();
            if let Some(now) = self.clock {
                let props = state.execution_props_mut();
                props.query_execution_start_time = Some(now);
            }
            let plan = state.create_logical_plan(&sql).await.map_err(query_err)?;
            let df = match plan {
                // Statements that change the session (DDL, SET) go through the context.
                LogicalPlan::Ddl(_) | LogicalPlan::Statement(_) => self
                    .ctx
                    .execute_logical_plan(plan)
                    .await
                    .map_err(query_err)?,
                plan => DataFrame::new(state, plan),
            };
            df.collect().await.map_err(query_err)
        })
    }
}

/// The table schema of an event for DataFusion: the files' schema ([`event_schema`]) with
/// top-level text columns read as `Utf8View`, which decodes dictionary pages without
/// copying and groups, compares and sorts short strings faster than `Utf8`. Values and
/// their rendering are unchanged; nested text stays `Utf8`.
fn query_schema(event: &eventlake_schema::Event) -> arrow::datatypes::Schema {
    let files = event_schema(event);
    let fields: Vec<arrow::datatypes::FieldRef> = files
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => Arc::new(f.as_ref().clone().with_data_type(DataType::Utf8View)),
            _ => f.clone(),
        })
        .collect();
    arrow::datatypes::Schema::new_with_metadata(fields, files.metadata().clone())
}

/// Column that carries the unnested element in the rewritten query.
const UNNEST_ITEM: &str = "__eventlake_item";

/// Rewrites the Trino forms DataFusion reads differently into equivalents; the text is
/// returned unchanged when no rule applies. The rules (also in docs/local-lake.md):
///
/// 1. `FROM t AS e CROSS JOIN UNNEST(e.arr) AS u(x)`: DataFusion cannot plan an `UNNEST`
///    relation that refers to the table before it (a lateral reference), but it unnests in
///    the select list. The pair becomes the derived table
///    `(SELECT e.*, unnest(e.arr) AS __eventlake_item FROM t AS e) AS e`, and `u.x` becomes
///    `e.__eventlake_item`. For an array of rows (`AS u(sku, quantity)`, one column per row
///    field in Trino) `u.sku` becomes the struct field `e.__eventlake_item.sku`. A bare
///    `u.x` in the select list keeps its name (`AS x`). Only qualified references (`u.x`)
///    are rewritten.
pub fn trino_compat(sql: &str) -> String {
    use datafusion::sql::sqlparser::ast::Statement as Ast;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    let Ok(mut statements) = Parser::parse_sql(&GenericDialect {}, sql) else {
        return sql.to_owned();
    };
    let mut changed = false;
    for st in &mut statements {
        if let Ast::Query(q) = st {
            changed |= lateral_unnest(q);
        }
    }
    if !changed {
        return sql.to_owned();
    }
    statements
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(";\n")
}

/// Rule 1 of [`trino_compat`] on one query.
fn lateral_unnest(q: &mut datafusion::sql::sqlparser::ast::Query) -> bool {
    use std::ops::ControlFlow;

    use datafusion::sql::sqlparser::ast::{
        Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments,
        Ident, JoinOperator, ObjectName, ObjectNamePart, Query, Select, SelectFlavor, SelectItem,
        SelectItemQualifiedWildcardKind, SetExpr, TableAlias, TableFactor, TableWithJoins,
        visit_expressions_mut,
    };

    let SetExpr::Select(select) = q.body.as_mut() else {
        return false;
    };
    // (unnest alias, its columns, base alias) of every rewritten pair.
    let mut rewritten: Vec<(String, Vec<String>, Ident)> = Vec::new();
    for twj in &mut select.from {
        let [join] = twj.joins.as_slice() else {
            continue;
        };
        let (
            TableFactor::Table {
                name,
                alias: base_alias,
                ..
            },
            TableFactor::UNNEST {
                alias: Some(u_alias),
                array_exprs,
                with_offset: false,
                with_ordinality: false,
                ..
            },
        ) = (&twj.relation, &join.relation)
        else {
            continue;
        };
        if !matches!(join.join_operator, JoinOperator::CrossJoin(_)) || array_exprs.len() != 1 {
            continue;
        }
        let base = match base_alias {
            Some(a) => a.name.clone(),
            None => match name.0.last() {
                Some(ObjectNamePart::Identifier(i)) => i.clone(),
                _ => continue,
            },
        };
        let columns: Vec<String> = u_alias
            .columns
            .iter()
            .map(|c| c.name.value.clone())
            .collect();
        let u_name = u_alias.name.value.clone();
        let unnest_call = Expr::Function(Function {
            name: ObjectName::from(vec![Ident::new("unnest")]),
            uses_odbc_syntax: false,
            parameters: FunctionArguments::None,
            args: FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment: None,
                args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(
                    array_exprs[0].clone(),
                ))],
                clauses: vec![],
            }),
            filter: None,
            null_treatment: None,
            over: None,
            within_group: vec![],
        });
        let inner = Select {
            select_token: select.select_token.clone(),
            optimizer_hints: Vec::new(),
            distinct: None,
            select_modifiers: None,
            top: None,
            top_before_distinct: false,
            projection: vec![
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(ObjectName::from(vec![
                        base.clone(),
                    ])),
                    Default::default(),
                ),
                SelectItem::ExprWithAlias {
                    expr: unnest_call,
                    alias: Ident::new(UNNEST_ITEM),
                },
            ],
            exclude: None,
            into: None,
            from: vec![TableWithJoins {
                relation: twj.relation.clone(),
                joins: vec![],
            }],
            lateral_views: vec![],
            prewhere: None,
            selection: None,
            connect_by: vec![],
            group_by: datafusion::sql::sqlparser::ast::GroupByExpr::Expressions(vec![], vec![]),
            cluster_by: vec![],
            distribute_by: vec![],
            sort_by: vec![],
            having: None,
            named_window: vec![],
            qualify: None,
            window_before_qualify: false,
            value_table_mode: None,
            flavor: SelectFlavor::Standard,
        };
        let subquery = Query {
            with: None,
            body: Box::new(SetExpr::Select(Box::new(inner))),
            order_by: None,
            limit_clause: None,
            fetch: None,
            locks: vec![],
            for_clause: None,
            settings: None,
            format_clause: None,
            pipe_operators: vec![],
        };
        twj.relation = TableFactor::Derived {
            lateral: false,
            subquery: Box::new(subquery),
            alias: Some(TableAlias {
                explicit: true,
                name: base.clone(),
                columns: vec![],
                at: None,
            }),
            sample: None,
        };
        twj.joins.clear();
        rewritten.push((u_name, columns, base));
    }
    if rewritten.is_empty() {
        return false;
    }
    let target = |parts: &[Ident]| -> Option<(Vec<Ident>, Ident)> {
        let [table, field] = parts else {
            return None;
        };
        rewritten.iter().find_map(|(u, columns, base)| {
            if !u.eq_ignore_ascii_case(&table.value) || !columns.contains(&field.value) {
                return None;
            }
            let mut path = vec![base.clone(), Ident::new(UNNEST_ITEM)];
            if columns.len() > 1 {
                path.push(field.clone());
            }
            Some((path, field.clone()))
        })
    };
    for item in &mut select.projection {
        if let SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) = item
            && let Some((_, field)) = target(parts)
        {
            *item = SelectItem::ExprWithAlias {
                expr: Expr::CompoundIdentifier(parts.clone()),
                alias: field,
            };
        }
    }
    let _ = visit_expressions_mut(q, |e| {
        if let Expr::CompoundIdentifier(parts) = e
            && let Some((path, _)) = target(parts)
        {
            *parts = path;
        }
        ControlFlow::<()>::Continue(())
    });
    true
}

/// One statement of a SQL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The comment lines right before it, without `--`.
    pub title: Vec<String>,
    /// The statement, without the `;`.
    pub sql: String,
}

/// Splits a SQL text into statements (see the module rules).
pub fn split_statements(text: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                current.push(c);
                while let Some(d) = chars.next() {
                    current.push(d);
                    if d == c {
                        if chars.peek() == Some(&c) {
                            if let Some(e) = chars.next() {
                                current.push(e);
                            }
                        } else {
                            break;
                        }
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                current.push(c);
                for d in chars.by_ref() {
                    current.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                current.push(c);
                let mut prev = ' ';
                for d in chars.by_ref() {
                    current.push(d);
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            ';' => {
                push_statement(&mut out, &current);
                current.clear();
            }
            _ => current.push(c),
        }
    }
    push_statement(&mut out, &current);
    out
}

fn push_statement(out: &mut Vec<Statement>, chunk: &str) {
    let mut title = Vec::new();
    let mut body = Vec::new();
    for line in chunk.lines() {
        let trimmed = line.trim();
        if body.is_empty() {
            if trimmed.is_empty() {
                title.clear();
                continue;
            }
            if let Some(comment) = trimmed.strip_prefix("--") {
                title.push(comment.trim().to_owned());
                continue;
            }
        }
        body.push(line);
    }
    let sql = body.join("\n").trim().to_owned();
    if !sql.is_empty() {
        out.push(Statement { title, sql });
    }
}

/// How `eventlake local query` prints rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns with a header and a row count.
    Table,
    /// RFC 4180 CSV with a header.
    Csv,
    /// One JSON object per row (NDJSON).
    Json,
}

/// Renders rows in `format`.
pub fn render(batches: &[RecordBatch], format: Format) -> Result<String, Error> {
    let Some(first) = batches.first() else {
        return Ok(match format {
            Format::Table => "(0 rows)\n".to_owned(),
            _ => String::new(),
        });
    };
    let schema = first.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let options = FormatOptions::default().with_null("NULL");
    let mut rows: Vec<Vec<Option<String>>> = Vec::new();
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .zip(&formatters)
                    .map(|(c, f)| (!c.is_null(row)).then(|| f.value(row).to_string()))
                    .collect(),
            );
        }
    }
    let mut out = String::new();
    match format {
        Format::Table => {
            let mut widths: Vec<usize> = names.iter().map(|n| n.chars().count()).collect();
            for r in &rows {
                for (w, v) in widths.iter_mut().zip(r) {
                    *w = (*w).max(v.as_deref().unwrap_or("NULL").chars().count());
                }
            }
            let line = |cells: Vec<&str>, out: &mut String| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                out.push_str(padded.join(" | ").trim_end());
                out.push('\n');
            };
            line(names.iter().map(String::as_str).collect(), &mut out);
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("-+-"));
            out.push('\n');
            for r in &rows {
                line(
                    r.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect(),
                    &mut out,
                );
            }
            out.push_str(&format!(
                "({} row{})\n",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            ));
        }
        Format::Csv => {
            let esc = |s: &str| {
                if s.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.to_owned()
                }
            };
            out.push_str(&names.iter().map(|n| esc(n)).collect::<Vec<_>>().join(","));
            out.push('\n');
            for r in &rows {
                let cells: Vec<String> = r
                    .iter()
                    .map(|v| v.as_deref().map(esc).unwrap_or_default())
                    .collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        Format::Json => {
            let kinds: Vec<bool> = schema
                .fields()
                .iter()
                .map(|f| f.data_type().is_numeric() || *f.data_type() == DataType::Boolean)
                .collect();
            for r in &rows {
                let mut obj = serde_json::Map::new();
                for ((name, v), numeric) in names.iter().zip(r).zip(&kinds) {
                    let value = match v {
                        None => serde_json::Value::Null,
                        Some(s) if *numeric => serde_json::from_str(s)
                            .unwrap_or_else(|_| serde_json::Value::String(s.clone())),
                        Some(s) => serde_json::Value::String(s.clone()),
                    };
                    obj.insert(name.clone(), value);
                }
                out.push_str(&serde_json::Value::Object(obj).to_string());
                out.push('\n');
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_outside_strings_and_comments() {
        let text = "-- one\n-- first query\nSELECT ';' AS \"a;b\" FROM t;\n\n/* x; */ SELECT 2;\n-- trailing comment only\n";
        let s = split_statements(text);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].title, ["one", "first query"]);
        assert_eq!(s[0].sql, "SELECT ';' AS \"a;b\" FROM t");
        assert_eq!(s[1].sql, "/* x; */ SELECT 2");
    }

    #[test]
    fn lateral_unnest_becomes_a_derived_table() {
        let sql = "SELECT e.id, u.sku, u.qty FROM t AS e CROSS JOIN UNNEST(e.items) AS u(sku, qty) WHERE u.qty > 1 ORDER BY u.sku";
        let out = trino_compat(sql);
        assert_eq!(
            out,
            "SELECT e.id, e.__eventlake_item.sku AS sku, e.__eventlake_item.qty AS qty FROM (SELECT e.*, unnest(e.items) AS __eventlake_item FROM t AS e) AS e WHERE e.__eventlake_item.qty > 1 ORDER BY e.__eventlake_item.sku"
        );
        let plain = "SELECT u.x, count(*) FROM t CROSS JOIN UNNEST(t.tags) AS u(x) GROUP BY u.x";
        assert_eq!(
            trino_compat(plain),
            "SELECT t.__eventlake_item AS x, count(*) FROM (SELECT t.*, unnest(t.tags) AS __eventlake_item FROM t) AS t GROUP BY t.__eventlake_item"
        );
        let untouched = "SELECT 1 FROM t";
        assert_eq!(trino_compat(untouched), untouched);
    }
}
