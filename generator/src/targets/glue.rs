//! Glue and Firehose JSON: the table definition (`TableInput`) and its columns, and the
//! Firehose record-format conversion configuration. Built as Rust values so that the
//! CloudFormation stack can embed exactly the same structures.

use serde_json::{Map, Value, json};

use eventlake_schema::{Event, Field};

use super::{Context, pretty_json};
use crate::output::Artifact;
use crate::plan::EventPlan;

/// Parquet input format class.
pub const PARQUET_INPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
/// Parquet output format class.
pub const PARQUET_OUTPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
/// Parquet SerDe class.
pub const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";

/// `glue/<event>.table.json` and `glue/<event>.columns.json`.
pub fn render(cx: &Context<'_>) -> Result<Vec<Artifact>, crate::Error> {
    let mut out = Vec::new();
    for (event, plan) in cx.schema.events.iter().zip(&cx.plan.events) {
        out.push(Artifact::new(
            format!("glue/{}.table.json", event.name),
            pretty_json(&table_input(
                event,
                plan,
                &location(&cx.plan.lake_bucket.logical, plan),
            )),
        ));
        out.push(Artifact::new(
            format!("glue/{}.columns.json", event.name),
            pretty_json(&Value::Array(columns(event))),
        ));
    }
    Ok(out)
}

/// `firehose/<event>.conversion.json`.
pub fn render_firehose(cx: &Context<'_>) -> Result<Vec<Artifact>, crate::Error> {
    let mut out = Vec::new();
    for (event, plan) in cx.schema.events.iter().zip(&cx.plan.events) {
        let config = conversion_config(
            event,
            plan,
            &cx.plan.database_sub,
            "${FirehoseRoleArn}",
            "${AWS::Region}",
        );
        out.push(Artifact::new(
            format!("firehose/{}.conversion.json", event.name),
            pretty_json(&config),
        ));
    }
    Ok(out)
}

/// The table location with the bucket as a `${Logical}` placeholder (a `!Sub` string).
pub fn location(bucket_logical: &str, plan: &EventPlan) -> String {
    format!("s3://${{{bucket_logical}}}/{}", plan.data_prefix)
}

/// Glue `Column`s of the event's data columns.
pub fn columns(event: &Event) -> Vec<Value> {
    event.fields.iter().map(column).collect()
}

fn column(f: &Field) -> Value {
    let mut c = Map::new();
    c.insert("Name".into(), Value::String(f.name.clone()));
    c.insert("Type".into(), Value::String(f.ty.glue()));
    if let Some(doc) = &f.doc {
        c.insert("Comment".into(), Value::String(doc.clone()));
    }
    Value::Object(c)
}

/// Glue `Column`s of the partition keys.
pub fn partition_keys(plan: &EventPlan) -> Vec<Value> {
    let basis = if plan.dynamic_partitioning {
        "event time"
    } else {
        "arrival time"
    };
    plan.partitions
        .iter()
        .map(|p| {
            json!({
                "Name": p.name,
                "Type": p.glue_type,
                "Comment": format!("Partition: {} of the {basis} (UTC)", p.name),
            })
        })
        .collect()
}

/// The table's `Parameters`.
pub fn table_parameters(event: &Event, plan: &EventPlan) -> Map<String, Value> {
    let mut params = Map::new();
    params.insert("classification".into(), "parquet".into());
    params.insert("EXTERNAL".into(), "TRUE".into());
    params.insert(
        "parquet.compression".into(),
        Value::String(event.settings.parquet_compression.firehose().to_owned()),
    );
    params.insert(
        "eventlake.fingerprint".into(),
        Value::String(plan.fingerprint.clone()),
    );
    for (k, v) in &plan.projection {
        params.insert(k.clone(), Value::String(v.clone()));
    }
    params
}

/// The Glue `TableInput` (for `aws glue create-table --table-input`).
pub fn table_input(event: &Event, plan: &EventPlan, location: &str) -> Value {
    let mut t = Map::new();
    t.insert("Name".into(), Value::String(event.name.clone()));
    if let Some(d) = &event.description {
        t.insert("Description".into(), Value::String(d.clone()));
    }
    t.insert("TableType".into(), "EXTERNAL_TABLE".into());
    t.insert(
        "Parameters".into(),
        Value::Object(table_parameters(event, plan)),
    );
    t.insert("PartitionKeys".into(), Value::Array(partition_keys(plan)));
    t.insert(
        "StorageDescriptor".into(),
        json!({
            "Columns": columns(event),
            "Location": location,
            "InputFormat": PARQUET_INPUT_FORMAT,
            "OutputFormat": PARQUET_OUTPUT_FORMAT,
            "SerdeInfo": {
                "SerializationLibrary": PARQUET_SERDE,
                "Parameters": { "serialization.format": "1" }
            },
            "Compressed": false,
            "NumberOfBuckets": -1,
            "StoredAsSubDirectories": false
        }),
    );
    Value::Object(t)
}

/// Firehose `DataFormatConversionConfiguration`: OpenX JSON in, Parquet out, schema from
/// the event's Glue table.
pub fn conversion_config(
    event: &Event,
    plan: &EventPlan,
    database: &str,
    role_arn: &str,
    region: &str,
) -> Value {
    let mut openx = Map::new();
    openx.insert("CaseInsensitive".into(), Value::Bool(true));
    if !plan.json_key_mappings.is_empty() {
        let mappings: Map<String, Value> = plan
            .json_key_mappings
            .iter()
            .map(|(col, key)| (col.clone(), Value::String(key.clone())))
            .collect();
        openx.insert("ColumnToJsonKeyMappings".into(), Value::Object(mappings));
    }
    openx.insert(
        "ConvertDotsInJsonKeysToUnderscores".into(),
        Value::Bool(false),
    );
    json!({
        "Enabled": true,
        "SchemaConfiguration": {
            "DatabaseName": database,
            "TableName": event.name,
            "Region": region,
            "RoleARN": role_arn,
            "VersionId": "LATEST"
        },
        "InputFormatConfiguration": {
            "Deserializer": { "OpenXJsonSerDe": openx }
        },
        "OutputFormatConfiguration": {
            "Serializer": {
                "ParquetSerDe": {
                    "Compression": event.settings.parquet_compression.firehose(),
                    "WriterVersion": "V1"
                }
            }
        }
    })
}
