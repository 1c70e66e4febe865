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

/// The Glue `TableInput` (botocore shape `TableInput`), fields in output order; the
/// parameters are [`table_parameters`], the partition keys [`partition_keys`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableInput {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    table_type: &'static str,
    #[serde(serialize_with = "ordered_map")]
    pub(crate) parameters: Vec<(String, String)>,
    pub(crate) partition_keys: Vec<Column>,
    pub(crate) storage_descriptor: StorageDescriptor,
}

/// Glue `StorageDescriptor`: the data columns, the location (a `!Sub` string in the stack)
/// and the Parquet formats; not bucketed, not compressed (Parquet compresses its pages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StorageDescriptor {
    pub(crate) columns: Vec<Column>,
    pub(crate) location: String,
    input_format: &'static str,
    output_format: &'static str,
    serde_info: SerDeInfo,
    compressed: bool,
    number_of_buckets: i32,
    stored_as_sub_directories: bool,
}

/// Glue `SerDeInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SerDeInfo {
    serialization_library: &'static str,
    #[serde(serialize_with = "ordered_map")]
    parameters: Vec<(String, String)>,
}

/// Firehose `DataFormatConversionConfiguration` (botocore shape of the same name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConversionConfig {
    enabled: bool,
    schema_configuration: SchemaConfiguration,
    input_format_configuration: InputFormat,
    output_format_configuration: OutputFormat,
}

/// Firehose `SchemaConfiguration`: the table Firehose reads the schema of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SchemaConfiguration {
    database_name: String,
    table_name: String,
    region: String,
    #[serde(rename = "RoleARN")]
    role_arn: String,
    version_id: &'static str,
}

/// Firehose `InputFormatConfiguration`: `{"Deserializer": {"OpenXJsonSerDe": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
struct InputFormat {
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
struct OutputFormat {
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
    TableInput::external(
        event.name.clone(),
        event.description.clone(),
        table_parameters(event, plan),
        partition_keys(plan),
        columns(event),
        location.to_owned(),
        Formats::PARQUET,
    )
}

/// The file formats of a table: input, output and SerDe with its parameters.
#[derive(Debug, Clone, Copy)]
pub struct Formats {
    /// Hive input format class.
    pub input: &'static str,
    /// Hive output format class.
    pub output: &'static str,
    /// SerDe class.
    pub serde: &'static str,
    /// SerDe parameters, in output order.
    pub serde_parameters: &'static [(&'static str, &'static str)],
}

impl Formats {
    /// Parquet files (the data tables).
    pub const PARQUET: Formats = Formats {
        input: PARQUET_INPUT_FORMAT,
        output: PARQUET_OUTPUT_FORMAT,
        serde: PARQUET_SERDE,
        serde_parameters: &[("serialization.format", "1")],
    };
}

impl TableInput {
    /// An external, unbucketed, uncompressed table (Parquet compresses its own pages; the
    /// error documents are plain JSON).
    pub fn external(
        name: String,
        description: Option<String>,
        parameters: Vec<(String, String)>,
        partition_keys: Vec<Column>,
        columns: Vec<Column>,
        location: String,
        formats: Formats,
    ) -> Self {
        let owned = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        TableInput {
            name,
            description,
            table_type: "EXTERNAL_TABLE",
            parameters,
            partition_keys,
            storage_descriptor: StorageDescriptor {
                columns,
                location,
                input_format: formats.input,
                output_format: formats.output,
                serde_info: SerDeInfo {
                    serialization_library: formats.serde,
                    parameters: owned(formats.serde_parameters),
                },
                compressed: false,
                number_of_buckets: -1,
                stored_as_sub_directories: false,
            },
        }
    }

    /// The SerDe class, for the DDL's `ROW FORMAT SERDE` of non-Parquet tables.
    pub fn serde_library(&self) -> &'static str {
        self.storage_descriptor.serde_info.serialization_library
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
