//! The errors table of each event (`<event>__errors`): Firehose's error documents under
//! `errors/<event>/<error-type>/year=…/month=…/day=…/hour=…/`, queryable in Athena next to
//! the data. Its columns and error types come from [`eventlake_schema::errors_table`], the
//! one definition the local lake registers too; this module turns it into the Glue
//! `TableInput` (written to `glue/errors/<event>.table.json` and embedded in the stack) and
//! the Athena DDL (`athena/errors/<event>.ddl.sql`, built from that `TableInput`).
//!
//! The table is partitioned the way the error prefix is laid out (generator/src/plan.rs):
//! by error type, then by arrival hour, never by event time. Partitions are always projected,
//! with `storage.location.template`, because the error type is a plain folder name
//! (`format-conversion-failed/`), not a Hive `key=value` folder.

use minijinja::context;
use serde_json::{Map, Value, json};

use eventlake_schema::Event;
use eventlake_schema::errors_table::{
    self as def, COLUMNS, ERROR_TYPE_COLUMN, ErrorColumn, error_types,
};

use super::{Context, pretty_json};
use crate::output::Artifact;
use crate::plan::EventPlan;
use crate::render::render as render_template;

/// Template of the DDL (shared with the data tables).
const DDL_TEMPLATE: &str = super::athena::DDL_TEMPLATE;
/// Hive input format of JSON text files.
pub const TEXT_INPUT_FORMAT: &str = "org.apache.hadoop.mapred.TextInputFormat";
/// Hive output format of text files.
pub const TEXT_OUTPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
/// The OpenX JSON SerDe (matches keys case-insensitively).
pub const OPENX_SERDE: &str = "org.openx.data.jsonserde.JsonSerDe";

/// `glue/errors/<event>.table.json` and `athena/errors/<event>.ddl.sql` of every event.
pub fn render(cx: &Context<'_>) -> Result<(Vec<Artifact>, Vec<Artifact>), crate::Error> {
    let mut glue = Vec::new();
    let mut ddl = Vec::new();
    for (event, plan) in cx.schema.events.iter().zip(&cx.plan.events) {
        let table = table_input(event, plan, &cx.plan.lake_bucket.logical);
        glue.push(Artifact::new(
            format!("glue/errors/{}.table.json", event.name),
            pretty_json(&table),
        ));
        let path = format!("athena/errors/{}.ddl.sql", event.name);
        let text = render_template(&cx.env, DDL_TEMPLATE, ddl_context(cx, &table, &path))?;
        ddl.push(Artifact::new(path, text));
    }
    Ok((glue, ddl))
}

/// The table's location: `s3://${<bucket>}/errors/<event>/`.
pub fn location(bucket_logical: &str, plan: &EventPlan) -> String {
    format!("s3://${{{bucket_logical}}}/errors/{}/", plan.name)
}

/// The Glue `TableInput` of the event's errors table.
pub fn table_input(event: &Event, plan: &EventPlan, bucket_logical: &str) -> Value {
    let location = location(bucket_logical, plan);
    let hours = eventlake_schema::Granularity::Hour.partition_columns();
    let mut params = Map::new();
    params.insert("classification".into(), "json".into());
    params.insert("EXTERNAL".into(), "TRUE".into());
    params.insert("projection.enabled".into(), "true".into());
    params.insert(
        format!("projection.{ERROR_TYPE_COLUMN}.type"),
        "enum".into(),
    );
    params.insert(
        format!("projection.{ERROR_TYPE_COLUMN}.values"),
        Value::String(error_types(event).join(",")),
    );
    let mut template = format!("{location}${{{ERROR_TYPE_COLUMN}}}/");
    let mut keys = vec![json!({
        "Name": ERROR_TYPE_COLUMN,
        "Type": "string",
        "Comment": "Partition: the error-output type (the folder after errors/<event>/)",
    })];
    for p in hours {
        params.insert(format!("projection.{}.type", p.name), "integer".into());
        params.insert(
            format!("projection.{}.range", p.name),
            Value::String(format!("{},{}", p.min, p.max)),
        );
        if p.digits > 0 {
            params.insert(
                format!("projection.{}.digits", p.name),
                Value::String(p.digits.to_string()),
            );
        }
        template.push_str(&format!("{}=${{{}}}/", p.name, p.name));
        keys.push(json!({
            "Name": p.name,
            "Type": "int",
            "Comment": format!("Partition: {} of the arrival time (UTC)", p.name),
        }));
    }
    params.insert("storage.location.template".into(), Value::String(template));
    json!({
        "Name": def::table_name(&event.name),
        "Description": format!(
            "Records of {} that Firehose could not deliver: its error documents under errors/{}/",
            event.name, event.name
        ),
        "TableType": "EXTERNAL_TABLE",
        "Parameters": params,
        "PartitionKeys": keys,
        "StorageDescriptor": {
            "Columns": columns(),
            "Location": location,
            "InputFormat": TEXT_INPUT_FORMAT,
            "OutputFormat": TEXT_OUTPUT_FORMAT,
            "SerdeInfo": {
                "SerializationLibrary": OPENX_SERDE,
                "Parameters": { "case.insensitive": "TRUE" }
            },
            "Compressed": false,
            "NumberOfBuckets": -1,
            "StoredAsSubDirectories": false
        }
    })
}

/// Glue `Column`s of the error document.
pub fn columns() -> Vec<Value> {
    COLUMNS
        .iter()
        .map(|c: &ErrorColumn| json!({ "Name": c.name(), "Type": c.glue_type(), "Comment": c.comment }))
        .collect()
}

/// The DDL template's context, read from the `TableInput` value.
fn ddl_context(cx: &Context<'_>, table: &Value, path: &str) -> minijinja::Value {
    let str_at = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let list = |v: Option<&Value>| -> Vec<minijinja::Value> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|c| {
                        context! {
                            name => str_at(c, "Name"),
                            ddl_type => str_at(c, "Type"),
                            comment => str_at(c, "Comment"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let sd = table.get("StorageDescriptor");
    let properties: Vec<(String, String)> = table
        .get("Parameters")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let env_placeholder = format!("${{{}}}", cx.plan.env_param);
    context! {
        header => cx.header("--"),
        table => str_at(table, "Name"),
        description => str_at(table, "Description"),
        database => cx.plan.database_sub.replace(&env_placeholder, "<environment>"),
        database_example => cx.plan.database_sub.replace(&env_placeholder, cx.plan.env_default),
        bucket_placeholder => format!("${{{}}}", cx.plan.lake_bucket.logical),
        location => sd.and_then(|s| str_at(s, "Location")),
        columns => list(sd.and_then(|s| s.get("Columns"))),
        partitions => list(table.get("PartitionKeys")),
        properties => minijinja::Value::from(minijinja::value::Serde(&properties)),
        projection => true,
        crawler => false,
        row_format_serde => sd.and_then(|s| s.get("SerdeInfo")).and_then(|s| str_at(s, "SerializationLibrary")),
        ddl_file => path,
    }
}

/// Rows of the "latest failed records" query.
pub const LATEST_FAILURES_LIMIT: usize = 20;

/// The errors table's starter queries for `event`: today's failures by code and message,
/// and the latest failed records with their raw data decoded. Same rules as the data
/// tables' queries ([`super::athena`]): Trino SQL the local lake runs unchanged, today's
/// partitions only (arrival time, UTC).
pub fn starter_queries(event: &Event) -> Vec<super::athena::StarterQuery> {
    use def::{ERROR_CODE_SQL, ERROR_MESSAGE_SQL};
    let table = crate::plan::dml_ident(&def::table_name(&event.name));
    let today = "WHERE year = EXTRACT(YEAR FROM current_date)\n  \
                 AND month = EXTRACT(MONTH FROM current_date)\n  \
                 AND day = EXTRACT(DAY FROM current_date)";
    let by_error = format!(
        "SELECT {ERROR_CODE_SQL} AS error_code, {ERROR_MESSAGE_SQL} AS error_message, \
         count(*) AS failures\nFROM {table}\n{today}\n\
         GROUP BY {ERROR_CODE_SQL}, {ERROR_MESSAGE_SQL}\n\
         ORDER BY failures DESC, error_code NULLS LAST, error_message NULLS LAST"
    );
    let latest = format!(
        "SELECT from_unixtime(arrivaltimestamp / 1000) AS arrived_at, {ERROR_TYPE_COLUMN}, \
         {ERROR_CODE_SQL} AS error_code, {ERROR_MESSAGE_SQL} AS error_message, \
         from_utf8(from_base64(rawdata)) AS raw_record\nFROM {table}\n{today}\n\
         ORDER BY arrivaltimestamp DESC, sequencenumber DESC\nLIMIT {LATEST_FAILURES_LIMIT}"
    );
    let name = |what: &str| {
        crate::plan::shorten(
            &format!("{}: {what}", event.name),
            super::athena::NAMED_QUERY_NAME_MAX,
        )
    };
    vec![
        super::athena::StarterQuery {
            slug: "failures_today".to_owned(),
            name: name("failed records today by error"),
            description: format!(
                "Records of {} that failed today (arrival time, UTC), per error code and \
                 message, from the errors table {}.",
                event.name,
                def::table_name(&event.name)
            ),
            sql: by_error,
        },
        super::athena::StarterQuery {
            slug: "latest_failures".to_owned(),
            name: name(&format!("latest {LATEST_FAILURES_LIMIT} failed records")),
            description: format!(
                "The {LATEST_FAILURES_LIMIT} most recent failed records of {} today, with the \
                 record as sent (rawData decoded), from the errors table {}.",
                event.name,
                def::table_name(&event.name)
            ),
            sql: latest,
        },
    ]
}
