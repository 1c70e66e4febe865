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

/// The format's side of the settings table ([`crate::model::with_settings`]): one optional
/// property per setting, with the loader's range or the cron pattern.
macro_rules! settings_table {
    ($($name:ident: $ty:ident = $default:expr, $kind:ident $(($($arg:tt)*))?; $doc:tt, $schema_doc:tt;)+) => {
        settings_table!(@munch [] $($name: $ty, $kind $(($($arg)*))?; $schema_doc;)+);
    };
    (@munch [$($out:tt)*]) => {
        /// Settings of an event's stream, delivery and table.
        #[derive(JsonSchema)]
        #[serde(deny_unknown_fields)]
        struct SettingsTable {
            $($out)*
        }
    };
    (@munch [$($out:tt)*] $name:ident: $ty:ident, range($min:tt, $max:tt, $help:tt); $doc:tt; $($rest:tt)*) => {
        settings_table!(@munch [$($out)*
            #[doc = $doc]
            #[schemars(range(min = $min, max = $max))]
            $name: Option<$ty>,
        ] $($rest)*);
    };
    (@munch [$($out:tt)*] $name:ident: $ty:ident, cron; $doc:tt; $($rest:tt)*) => {
        settings_table!(@munch [$($out)*
            #[doc = $doc]
            #[schemars(regex(pattern = r"^cron\(.+\)$"))]
            $name: Option<$ty>,
        ] $($rest)*);
    };
    // `choice` and `boolean`: the type itself says what is allowed.
    (@munch [$($out:tt)*] $name:ident: $ty:ident, $kind:ident; $doc:tt; $($rest:tt)*) => {
        settings_table!(@munch [$($out)* #[doc = $doc] $name: Option<$ty>,] $($rest)*);
    };
}

crate::model::with_settings!(settings_table);

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
