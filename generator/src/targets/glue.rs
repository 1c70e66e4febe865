//! Glue and Firehose JSON: the table definition (`TableInput`) and its columns, and the
//! Firehose record-format conversion configuration, as typed values (their field names are
//! the botocore shapes', which the tests check) so that the CloudFormation stack, the DDL
//! and the data dictionary are written from exactly the same structures.

use serde::Serialize;

use eventlake_schema::Event;

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
            pretty_json(&columns(event)),
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

/// A Glue `Column` (botocore shape `Column`): a data column or a partition key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Glue (Hive) type.
    #[serde(rename = "Type")]
    pub glue_type: String,
    /// The field's doc, or what the partition holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The Glue `TableInput` (botocore shape `TableInput`), fields in output order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableInput {
    /// Table name (the event's name).
    pub name: String,
    /// The event's description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Always `EXTERNAL_TABLE`.
    pub table_type: &'static str,
    /// Table properties, in output order (see [`table_parameters`]).
    #[serde(serialize_with = "ordered_map")]
    pub parameters: Vec<(String, String)>,
    /// The partition columns.
    pub partition_keys: Vec<Column>,
    /// Columns, location and Parquet formats.
    pub storage_descriptor: StorageDescriptor,
}

/// Glue `StorageDescriptor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StorageDescriptor {
    /// The data columns.
    pub columns: Vec<Column>,
    /// `s3://…/` of the table's data (a `!Sub` string in the stack).
    pub location: String,
    /// [`PARQUET_INPUT_FORMAT`].
    pub input_format: &'static str,
    /// [`PARQUET_OUTPUT_FORMAT`].
    pub output_format: &'static str,
    /// The Parquet SerDe.
    pub serde_info: SerDeInfo,
    /// Always false: Parquet compresses its own pages.
    pub compressed: bool,
    /// Always -1: the table is not bucketed.
    pub number_of_buckets: i32,
    /// Always false.
    pub stored_as_sub_directories: bool,
}

/// Glue `SerDeInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SerDeInfo {
    /// [`PARQUET_SERDE`].
    pub serialization_library: &'static str,
    /// SerDe parameters, in output order.
    #[serde(serialize_with = "ordered_map")]
    pub parameters: Vec<(String, String)>,
}

/// Firehose `DataFormatConversionConfiguration` (botocore shape of the same name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConversionConfig {
    /// Always true.
    pub enabled: bool,
    /// Where Firehose reads the table schema.
    pub schema_configuration: SchemaConfiguration,
    /// OpenX JSON in.
    pub input_format_configuration: InputFormat,
    /// Parquet out.
    pub output_format_configuration: OutputFormat,
}

/// Firehose `SchemaConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaConfiguration {
    #[serde(rename = "DatabaseName")]
    database_name: String,
    #[serde(rename = "TableName")]
    table_name: String,
    #[serde(rename = "Region")]
    region: String,
    /// The delivery role (a placeholder: `${…FirehoseRole.Arn}` or `${FirehoseRoleArn}`).
    #[serde(rename = "RoleARN")]
    pub role_arn: String,
    #[serde(rename = "VersionId")]
    version_id: &'static str,
}

/// Firehose `InputFormatConfiguration`: `{"Deserializer": {"OpenXJsonSerDe": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InputFormat {
    deserializer: Deserializer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Deserializer {
    #[serde(rename = "OpenXJsonSerDe")]
    open_x_json_ser_de: OpenXJsonSerDe,
}

/// Firehose `OpenXJsonSerDe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
struct OpenXJsonSerDe {
    case_insensitive: bool,
    /// Column → JSON key, only for columns whose key differs (none: left out).
    #[serde(serialize_with = "ordered_map", skip_serializing_if = "Vec::is_empty")]
    column_to_json_key_mappings: Vec<(String, String)>,
    convert_dots_in_json_keys_to_underscores: bool,
}

/// Firehose `OutputFormatConfiguration`: `{"Serializer": {"ParquetSerDe": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OutputFormat {
    serializer: Serializer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Serializer {
    parquet_ser_de: ParquetSerDe,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ParquetSerDe {
    compression: &'static str,
    writer_version: &'static str,
}

/// Pairs as a JSON object, in their order (Glue and Firehose maps of strings).
fn ordered_map<S: serde::Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// Glue `Column`s of the event's data columns.
pub fn columns(event: &Event) -> Vec<Column> {
    event
        .fields
        .iter()
        .map(|f| Column {
            name: f.name.clone(),
            glue_type: f.ty.glue(),
            comment: f.doc.clone(),
        })
        .collect()
}

/// Glue `Column`s of the partition keys.
pub fn partition_keys(plan: &EventPlan) -> Vec<Column> {
    let basis = if plan.dynamic_partitioning {
        "event time"
    } else {
        "arrival time"
    };
    plan.partitions
        .iter()
        .map(|p| Column {
            name: p.name.to_owned(),
            glue_type: p.glue_type.to_owned(),
            comment: Some(format!("Partition: {} of the {basis} (UTC)", p.name)),
        })
        .collect()
}

/// The table's `Parameters`, in output order.
pub fn table_parameters(event: &Event, plan: &EventPlan) -> Vec<(String, String)> {
    let fixed = [
        ("classification", "parquet"),
        ("EXTERNAL", "TRUE"),
        (
            "parquet.compression",
            event.settings.parquet_compression.firehose(),
        ),
        ("eventlake.fingerprint", &plan.fingerprint),
    ];
    let fixed = fixed
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    fixed.chain(plan.projection.iter().cloned()).collect()
}

/// The Glue `TableInput` (for `aws glue create-table --table-input`).
pub fn table_input(event: &Event, plan: &EventPlan, location: &str) -> TableInput {
    TableInput {
        name: event.name.clone(),
        description: event.description.clone(),
        table_type: "EXTERNAL_TABLE",
        parameters: table_parameters(event, plan),
        partition_keys: partition_keys(plan),
        storage_descriptor: StorageDescriptor {
            columns: columns(event),
            location: location.to_owned(),
            input_format: PARQUET_INPUT_FORMAT,
            output_format: PARQUET_OUTPUT_FORMAT,
            serde_info: SerDeInfo {
                serialization_library: PARQUET_SERDE,
                parameters: vec![("serialization.format".to_owned(), "1".to_owned())],
            },
            compressed: false,
            number_of_buckets: -1,
            stored_as_sub_directories: false,
        },
    }
}

/// Firehose `DataFormatConversionConfiguration`: OpenX JSON in, Parquet out, schema from
/// the event's Glue table.
pub fn conversion_config(
    event: &Event,
    plan: &EventPlan,
    database: &str,
    role_arn: &str,
    region: &str,
) -> ConversionConfig {
    ConversionConfig {
        enabled: true,
        schema_configuration: SchemaConfiguration {
            database_name: database.to_owned(),
            table_name: event.name.clone(),
            region: region.to_owned(),
            role_arn: role_arn.to_owned(),
            version_id: "LATEST",
        },
        input_format_configuration: InputFormat {
            deserializer: Deserializer {
                open_x_json_ser_de: OpenXJsonSerDe {
                    case_insensitive: true,
                    column_to_json_key_mappings: plan.json_key_mappings.clone(),
                    convert_dots_in_json_keys_to_underscores: false,
                },
            },
        },
        output_format_configuration: OutputFormat {
            serializer: Serializer {
                parquet_ser_de: ParquetSerDe {
                    compression: event.settings.parquet_compression.firehose(),
                    writer_version: "V1",
                },
            },
        },
    }
}
