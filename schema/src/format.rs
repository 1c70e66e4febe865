//! The events.toml format described as Rust types, for one purpose: producing its JSON
//! Schema (`eventlake schema-json`, committed as `schema/events.schema.json`) so editors
//! (Taplo, Even Better TOML) complete and check the file.
//!
//! The loader ([`crate::load`]) is the authority on what is valid; a test checks that the
//! keys listed here and the keys the loader accepts are the same.

#![allow(
    dead_code,
    reason = "these types exist only to be described by schemars"
)]

use indexmap::IndexMap;
use schemars::JsonSchema;

use crate::model::{Catalog, Compression, Granularity, Partitioning, StreamMode};

/// An eventlake schema: one lake and its events. Field order is column order everywhere.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "eventlake events.toml")]
struct EventsToml {
    /// The lake: Glue database, resource prefix and default settings.
    lake: LakeTable,
    /// Event types; each gets a Kinesis stream, a Firehose delivery stream and a Glue table.
    #[schemars(extend("propertyNames" = { "pattern": "^[a-z][a-z0-9_]{0,206}$" }), length(min = 1))]
    events: IndexMap<String, EventTable>,
    /// Changes accepted on purpose: `eventlake diff` does not fail on them, and reports an
    /// acceptance that matches no change so it can be removed.
    accept: Option<Vec<AcceptTable>>,
}

/// One accepted change, as `eventlake diff` names it.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct AcceptTable {
    /// The change's code (`eventlake diff` prints it).
    change: crate::evolution::ChangeCode,
    /// The change's event, when it has one.
    event: Option<String>,
    /// The change's column path (`items.quantity`), when it has one.
    column: Option<String>,
    /// Why the change is acceptable, for reviewers.
    #[schemars(length(min = 1))]
    reason: String,
}

/// The `[lake]` table.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct LakeTable {
    /// Lake name: lowercase snake case, at most 40 characters (it goes into bucket names).
    #[schemars(regex(pattern = r"^[a-z][a-z0-9_]{0,39}$"))]
    name: String,
    /// Free-text description (Glue database description).
    #[schemars(length(max = 2048))]
    description: Option<String>,
    /// Settings every event inherits; each may be overridden on an event.
    defaults: Option<SettingsTable>,
}

/// Settings of an event's stream, delivery and table.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct SettingsTable {
    /// Kinesis capacity mode (default `provisioned`).
    stream_mode: Option<StreamMode>,
    /// Shards of a provisioned stream (default 1).
    #[schemars(range(min = 1, max = 10000))]
    shards: Option<u32>,
    /// Kinesis retention in hours (default 24).
    #[schemars(range(min = 24, max = 8760))]
    retention_hours: Option<u32>,
    /// Firehose buffering interval in seconds (default 60).
    #[schemars(range(min = 0, max = 900))]
    buffer_interval_seconds: Option<u32>,
    /// Firehose buffering size in MiB (default 64; Parquet conversion needs at least 64).
    #[schemars(range(min = 64, max = 128))]
    buffer_size_mb: Option<u32>,
    /// Parquet compression (default `snappy`).
    parquet_compression: Option<Compression>,
    /// Days until raw JSON backups expire (default 30).
    #[schemars(range(min = 1, max = 36500))]
    raw_retention_days: Option<u32>,
    /// Partition by Firehose arrival time or by the event's `time_field` (default `arrival`).
    partitioning: Option<Partitioning>,
    /// Finest time partition (default `hour`).
    granularity: Option<Granularity>,
    /// Partition discovery: projection, crawler or both (default `projection`).
    catalog: Option<Catalog>,
    /// Crawler schedule, AWS 6-field cron (default `cron(15,45 * * * ? *)`).
    #[schemars(regex(pattern = r"^cron\(.+\)$"))]
    crawler_schedule: Option<String>,
    /// CloudWatch alarms for the event, notifying the stack's SNS topic (default true).
    alarms: Option<bool>,
    /// Minutes without incoming records before the "no records" alarm fires (default 0:
    /// off, since not every event is continuous).
    #[schemars(range(min = 0, max = 1440))]
    alarm_no_records_minutes: Option<u32>,
}

/// One event type.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct EventTable {
    /// Free-text description (Glue table description).
    #[schemars(length(max = 2048))]
    description: Option<String>,
    /// Top-level string or integer field used as the Kinesis partition key.
    partition_key: Option<String>,
    /// Top-level timestamp field holding the event time.
    time_field: Option<String>,
    /// Columns, in order.
    fields: FieldsTable,
    /// Per-event overrides of `[lake.defaults]`.
    #[serde(flatten)]
    settings: SettingsTable,
}

/// Fields by name (lowercase snake case).
#[derive(JsonSchema)]
#[schemars(extend("propertyNames" = { "pattern": "^[a-z][a-z0-9_]{0,254}$" }))]
struct FieldsTable(IndexMap<String, FieldSpec>);

/// A field: a type string such as `"decimal(12,2)"`, or a table.
#[derive(JsonSchema)]
#[serde(untagged)]
enum FieldSpec {
    /// A Glue type: boolean tinyint smallint int bigint float double decimal(p,s) string
    /// varchar(n) char(n) date timestamp array<T> map<K,V> struct<a:T,...>.
    Type(String),
    /// A type with options.
    Table(Box<FieldTable>),
}

/// A field with options.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct FieldTable {
    /// The Glue type; `struct` with `fields`, or `array` with `items`, for nested docs.
    #[serde(rename = "type")]
    ty: String,
    /// Producers must always send a non-null value (default false).
    required: Option<bool>,
    /// Documentation, also the Glue column comment.
    #[schemars(length(max = 255))]
    doc: Option<String>,
    /// Allowed values of a string field.
    #[serde(rename = "enum")]
    #[schemars(length(min = 1))]
    enum_values: Option<Vec<String>>,
    /// An example value of the field's type (used for sample events).
    example: Option<serde_json::Value>,
    /// The JSON key producers send, when it differs from the name (nested fields: case only).
    #[schemars(length(min = 1))]
    json: Option<String>,
    /// Fields of a `struct`.
    fields: Option<FieldsTable>,
    /// Element type of an `array`.
    items: Option<ItemsSpec>,
}

/// An array's element type: a type string or a table.
#[derive(JsonSchema)]
#[serde(untagged)]
enum ItemsSpec {
    /// A Glue type.
    Type(String),
    /// A struct or nested array.
    Table(Box<ItemsTable>),
}

/// An array's element type with nested fields or items.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
struct ItemsTable {
    /// The element type.
    #[serde(rename = "type")]
    ty: String,
    /// Fields of a struct element.
    fields: Option<FieldsTable>,
    /// Element type of a nested array.
    items: Option<ItemsSpec>,
}

/// The mark every file eventlake generates carries near its top (`@generated`, the
/// convention GitHub and many linters recognise). eventlake overwrites or removes an existing
/// file only when it carries this mark or is listed in the manifest of `eventlake gen`.
pub const GENERATED_MARK: &str = "@generated";

/// The JSON Schema (draft 2020-12) of the events.toml format. Its first key is a `$comment`
/// with the [`GENERATED_MARK`], so `eventlake schema-json --out FILE` knows the file is its
/// own and may replace it.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(EventsToml).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".to_owned(),
            serde_json::Value::String("https://eventlake.dev/events.schema.json".to_owned()),
        );
        let mut marked = serde_json::Map::new();
        marked.insert(
            "$comment".to_owned(),
            serde_json::Value::String(format!(
                "{GENERATED_MARK} by `eventlake schema-json`; do not edit"
            )),
        );
        marked.append(obj);
        *obj = marked;
    }
    schema
}

/// The JSON Schema as the committed file's text: pretty, sorted as generated, LF, one final
/// newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}
