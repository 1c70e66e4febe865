//! SQL over a local lake with Apache DataFusion: every event is a Hive-partitioned Parquet
//! table, registered as `<lake>.<event>` and, because the lake is the default schema, as
//! plain `<event>` too, the way Athena's named queries run inside the lake's database.
//!
//! Rules:
//! - partition columns (`year`, `month`, …) are `int`, as in Glue, read from the
//!   `name=value` folders; predicates on them prune folders;
//! - the starter queries in `out/athena/<event>.queries.sql` run unchanged; the few Trino
//!   forms DataFusion spells differently are translated by [`trino_compat`], which lists
//!   each one (docs/local-lake.md too);
//! - a file of statements is split on `;` outside strings, quoted identifiers and comments;
//!   the comment lines right before a statement are its title.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::TableReference;

use eventlake_schema::Schema;

use crate::Error;
use crate::columns::event_schema;

/// Name of DataFusion's catalog.
const CATALOG: &str = "datafusion";

/// A lake opened for queries.
pub struct LakeQuery {
    ctx: SessionContext,
    runtime: tokio::runtime::Runtime,
    /// The registered tables, `<lake>.<event>`.
    pub tables: Vec<String>,
}

fn query_err(e: impl std::fmt::Display) -> Error {
    Error::Query(e.to_string())
}

impl LakeQuery {
    /// Registers every event of `schema` over `lake_dir/data/<event>/`.
    pub fn open(schema: &Schema, lake_dir: &Path) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(
                std::thread::available_parallelism().map_or(2, usize::from),
            )
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
            let data_schema = Arc::new(event_schema(event));
            let partition_cols: Vec<(String, DataType)> = event
                .partition_columns()
                .iter()
                .map(|p| (p.name.to_owned(), DataType::Int32))
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
        Ok(Self {
            ctx,
            runtime,
            tables,
        })
    }

    /// Runs one statement and returns its rows.
    pub fn run(&self, sql: &str) -> Result<Vec<RecordBatch>, Error> {
        let sql = trino_compat(sql);
        self.runtime.block_on(async {
            let df = self.ctx.sql(&sql).await.map_err(query_err)?;
            df.collect().await.map_err(query_err)
        })
    }
}

/// Rewrites the Trino spellings DataFusion does not accept into equivalents. Each rule is
/// listed in docs/local-lake.md; the starter queries need none of them today.
pub fn trino_compat(sql: &str) -> String {
    sql.to_owned()
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
                line(r.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect(), &mut out);
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
}
