//! The errors table of each event, `<event>__errors`, over the local lake's
//! `errors/<event>/<error-type>/year=…/month=…/day=…/hour=…/` documents: the same columns and
//! partitions as the stack's Glue table (both come from [`eventlake_schema::errors_table`]),
//! so the errors tables' starter queries run unchanged.
//!
//! DataFusion reads JSON keys case-sensitively, where Athena's OpenX SerDe does not: each
//! error-type folder is registered as a hidden table whose columns are the document's keys
//! as written (`lastErrorCode`), and the errors table is a view that renames them to the
//! Glue columns (`lasterrorcode`) and adds the `error_type` partition column from the
//! folder name.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, Schema as ArrowSchema};
use datafusion::catalog::MemTable;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;

use eventlake_schema::errors_table::{
    COLUMNS, DATA_CATALOG_TABLE_KEYS, ERROR_TYPE_COLUMN, ErrorColumnType, error_types, table_name,
};
use eventlake_schema::{Event, Granularity};

use super::padded_partitions::PaddedPartitions;
use super::query_err;
use crate::Error;

/// Registers the errors table of `event` in schema `lake`, over `lake_dir/errors/<event>/`.
/// Returns the view's qualified name.
pub async fn register(
    ctx: &SessionContext,
    lake: &str,
    event: &Event,
    event_index: usize,
    lake_dir: &std::path::Path,
) -> Result<String, Error> {
    let hours = Granularity::Hour.partition_columns();
    let partition_cols: Vec<(String, DataType)> = hours
        .iter()
        .map(|p| (p.name.to_owned(), DataType::Int32))
        .collect();
    let mut branches = Vec::new();
    for (type_index, error_type) in error_types(event).into_iter().enumerate() {
        let hidden = format!("__eventlake_errors_{event_index}_{type_index}");
        let reference = TableReference::partial(lake, hidden.as_str());
        let dir = lake_dir.join("errors").join(&event.name).join(error_type);
        if dir.is_dir() {
            let abs = std::fs::canonicalize(&dir).map_err(Error::io(&dir))?;
            let url = ListingTableUrl::parse(format!("{}/", abs.display())).map_err(query_err)?;
            // Error files have no extension (like Firehose's objects).
            let options = ListingOptions::new(Arc::new(JsonFormat::default()))
                .with_file_extension("")
                .with_table_partition_cols(partition_cols.clone());
            let config = ListingTableConfig::new(url)
                .with_listing_options(options)
                .with_schema(Arc::new(document_schema()));
            let table = ListingTable::try_new(config).map_err(query_err)?;
            let names = hours.iter().map(|p| p.name.to_owned()).collect();
            let table = PaddedPartitions::new(Arc::new(table), names);
            ctx.register_table(reference, Arc::new(table))
                .map_err(query_err)?;
        } else {
            let mut fields: Vec<Field> = document_schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            for (name, ty) in &partition_cols {
                fields.push(Field::new(name, ty.clone(), false));
            }
            let schema = Arc::new(ArrowSchema::new(fields));
            let table = MemTable::try_new(schema, vec![vec![]]).map_err(query_err)?;
            ctx.register_table(reference, Arc::new(table))
                .map_err(query_err)?;
        }
        branches.push(branch_sql(lake, &hidden, error_type));
    }
    let view = table_name(&event.name);
    let sql = format!(
        "CREATE VIEW {}.{} AS {}",
        quote(lake),
        quote(&view),
        branches.join(" UNION ALL ")
    );
    ctx.sql(&sql).await.map_err(query_err)?;
    Ok(format!("{lake}.{view}"))
}

/// The columns of an error document, named by their JSON keys, all nullable (a document
/// has one of the two spellings of the code and message).
pub fn document_schema() -> ArrowSchema {
    let fields: Vec<Field> = COLUMNS
        .iter()
        .map(|c| {
            let ty = match c.ty {
                ErrorColumnType::Bigint => DataType::Int64,
                ErrorColumnType::String => DataType::Utf8,
                ErrorColumnType::CatalogTable => DataType::Struct(Fields::from(
                    DATA_CATALOG_TABLE_KEYS
                        .iter()
                        .map(|k| Field::new(*k, DataType::Utf8, true))
                        .collect::<Vec<_>>(),
                )),
            };
            Field::new(c.json_key, ty, true)
        })
        .collect();
    ArrowSchema::new(fields)
}

/// One `SELECT` of the view: the hidden table's columns under their Glue names.
fn branch_sql(lake: &str, hidden: &str, error_type: &str) -> String {
    let mut items: Vec<String> = COLUMNS
        .iter()
        .map(|c| match c.ty {
            ErrorColumnType::CatalogTable => {
                let parts: Vec<String> = DATA_CATALOG_TABLE_KEYS
                    .iter()
                    .map(|k| format!("'{}', {}['{k}']", k.to_ascii_lowercase(), quote(c.json_key)))
                    .collect();
                format!("named_struct({}) AS {}", parts.join(", "), c.name())
            }
            _ => format!("{} AS {}", quote(c.json_key), c.name()),
        })
        .collect();
    items.push(format!("'{error_type}' AS {ERROR_TYPE_COLUMN}"));
    for p in Granularity::Hour.partition_columns() {
        items.push(p.name.to_owned());
    }
    format!(
        "SELECT {} FROM {}.{}",
        items.join(", "),
        quote(lake),
        quote(hidden)
    )
}

/// A double-quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
