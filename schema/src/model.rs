//! The validated model of an events.toml: a [`Schema`] holds one [`Lake`] and its
//! [`Event`]s; an event holds its resolved [`Settings`] and its [`Field`]s (columns).
//!
//! Everything here is already checked: generators can rely on names being valid, settings
//! being in range and examples matching their types. Order is document order everywhere.

use serde::Serialize;

use crate::diag::Span;
use crate::string_enum::string_enum;
use crate::types::Type;

/// A whole, valid events.toml.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    /// The `[lake]` table.
    pub lake: Lake,
    /// The `[events.*]` tables, in document order.
    pub events: Vec<Event>,
}

impl Schema {
    /// The event called `name`.
    pub fn event(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.name == name)
    }

    /// Number of top-level columns over all events.
    pub fn column_count(&self) -> usize {
        self.events.iter().map(|e| e.fields.len()).sum()
    }
}

/// The `[lake]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lake {
    /// Lake name: the Glue database and the prefix of every resource.
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
}

/// One event type: one Kinesis stream, one Firehose delivery stream, one Glue table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Event name (the Glue table name).
    pub name: String,
    /// Free-text description (the Glue table description).
    pub description: Option<String>,
    /// Top-level field whose value is the Kinesis partition key.
    pub partition_key: Option<String>,
    /// Timestamp field holding the event time.
    pub time_field: Option<String>,
    /// Settings after applying `[lake.defaults]` and the event's own overrides.
    pub settings: Settings,
    /// Columns, in document order.
    pub fields: Vec<Field>,
    /// Where the event's table header is in the source.
    #[serde(skip)]
    pub span: Span,
}

impl Event {
    /// The top-level field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The partition columns of the event's table, coarsest first (`year`, `month`, …).
    pub fn partition_columns(&self) -> &'static [PartitionColumn] {
        self.settings.granularity.partition_columns()
    }

    /// A stable 64-bit fingerprint of the event's columns (names, JSON keys, types,
    /// nullability, enums, also inside arrays and maps of structs), printed as 16 hex digits
    /// ([`crate::fingerprint::fields`]). It changes exactly when what a producer must send
    /// changes; docs and examples do not affect it.
    pub fn fingerprint(&self) -> String {
        format!("{:016x}", crate::fingerprint::fields(&self.fields))
    }
}

/// A column or a struct field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Column name, lowercase snake case.
    pub name: String,
    /// Column type.
    #[serde(rename = "type")]
    pub ty: Type,
    /// Whether producers must always send a non-null value.
    pub required: bool,
    /// Documentation (Glue column comment).
    pub doc: Option<String>,
    /// Allowed values of a text column (empty: any value).
    #[serde(rename = "enum")]
    pub enum_values: Vec<String>,
    /// Example value, in the JSON form the producer sends.
    pub example: Option<serde_json::Value>,
    /// The JSON key the producer writes, when it differs from `name`.
    pub json: Option<String>,
    /// Where the field's key is in the source.
    #[serde(skip)]
    pub span: Span,
}

impl Field {
    /// A nullable, undocumented field, as declared inside a `struct<…>` type string.
    pub fn from_type_string(name: String, ty: Type, span: Span) -> Self {
        Self {
            name,
            ty,
            required: false,
            doc: None,
            enum_values: Vec::new(),
            example: None,
            json: None,
            span,
        }
    }

    /// The key this field has in the producer's JSON.
    pub fn json_key(&self) -> &str {
        self.json.as_deref().unwrap_or(&self.name)
    }
}

/// The settings table: every key of `[lake.defaults]` (each may be overridden on an event)
/// once, in order, with its Rust type, default, how the loader reads it (`choice` of the
/// type's spellings, an integer `range(min, max, help)`, a `boolean`, or a `cron` schedule), its
/// documentation and its line in the format's JSON Schema. [`Settings`] (here), the loader's
/// key list and per-table overrides ([`crate::load`]) and the format's `SettingsTable`
/// ([`crate::format`]) are generated from it: each passes a macro that takes the rows. One
/// row a line: `key: Type = default, how; "model doc", "JSON Schema description";`.
macro_rules! with_settings {
    ($callback:ident) => {
        $callback! {
            stream_mode: StreamMode = StreamMode::Provisioned, choice; "Kinesis capacity mode.", "Kinesis capacity mode (default `provisioned`).";
            shards: u32 = 1, range(1, 10_000, "a provisioned stream needs at least one shard; raise your account's shard quota for more"); "Shard count (provisioned streams only).", "Shards of a provisioned stream (default 1).";
            retention_hours: u32 = 24, range(24, 8760, "Kinesis keeps records for 24 hours (default) up to 365 days"); "Kinesis retention, 24..=8760 hours.", "Kinesis retention in hours (default 24).";
            buffer_interval_seconds: u32 = 60, range(0, 900, "Firehose buffers between 0 and 900 seconds"); "Firehose buffering interval, 0..=900 seconds.", "Firehose buffering interval in seconds (default 60).";
            buffer_size_mb: u32 = 64, range(64, 128, "Parquet conversion needs a buffer of at least 64 MiB; Firehose allows at most 128"); "Firehose buffering size, 64..=128 MiB (Parquet conversion needs at least 64).", "Firehose buffering size in MiB (default 64; Parquet conversion needs at least 64).";
            parquet_compression: Compression = Compression::Snappy, choice; "Parquet compression.", "Parquet compression (default `snappy`).";
            raw_retention_days: u32 = 30, range(1, 36_500, "raw backups expire after at least one day"); "Days until raw JSON backups expire.", "Days until raw JSON backups expire (default 30).";
            partitioning: Partitioning = Partitioning::Arrival, choice; "Partition by arrival time or by the event's `time_field`.", "Partition by Firehose arrival time or by the event's `time_field` (default `arrival`).";
            granularity: Granularity = Granularity::Hour, choice; "Finest time partition.", "Finest time partition (default `hour`).";
            catalog: Catalog = Catalog::Projection, choice; "How Athena finds partitions.", "Partition discovery: projection, crawler or both (default `projection`).";
            crawler_schedule: String = "cron(15,45 * * * ? *)".to_owned(), cron; "Crawler schedule, an AWS 6-field cron expression.", "Crawler schedule, AWS 6-field cron (default `cron(15,45 * * * ? *)`).";
            alarms: bool = true, boolean; "Whether the stack creates the event's CloudWatch alarms.", "CloudWatch alarms for the event, notifying the stack's SNS topic (default true).";
            alarm_no_records_minutes: u32 = 0, range(0, 1440, "0 turns the alarm off; at most one day (1440 minutes), CloudWatch evaluates at most a day of 1-minute periods"); "Minutes without incoming records before the \"no records\" alarm fires; 0 turns that one alarm off (not every event is continuous).", "Minutes without incoming records before the \"no records\" alarm fires (default 0: off, since not every event is continuous).";
        }
    };
}

pub(crate) use with_settings;

/// Defines [`Settings`] and its defaults from the settings table.
macro_rules! settings_struct {
    ($($name:ident: $ty:ident = $default:expr, $kind:ident $(($($arg:tt)*))?; $doc:tt, $schema_doc:tt;)+) => {
        /// Per-event settings; every key can be set in `[lake.defaults]` and overridden per
        /// event.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        pub struct Settings {
            $(#[doc = $doc] pub $name: $ty,)+
        }

        impl Default for Settings {
            fn default() -> Self {
                Self { $($name: $default,)+ }
            }
        }
    };
}

with_settings!(settings_struct);

string_enum! {
    /// Kinesis capacity mode.
    StreamMode { /// Fixed shard count.
        Provisioned = "provisioned", /// Scales automatically.
        OnDemand = "on_demand" }
}

string_enum! {
    /// Parquet compression codec.
    Compression { /// Snappy (Firehose's default).
        Snappy = "snappy", /// Gzip.
        Gzip = "gzip", /// None.
        Uncompressed = "uncompressed" }
}

impl Compression {
    /// The `ParquetSerDe.Compression` value Firehose expects.
    pub fn firehose(self) -> &'static str {
        match self {
            Compression::Snappy => "SNAPPY",
            Compression::Gzip => "GZIP",
            Compression::Uncompressed => "UNCOMPRESSED",
        }
    }
}

string_enum! {
    /// What time partitions are based on.
    Partitioning { /// Firehose arrival time (`!{timestamp:…}`), as the seed design.
        Arrival = "arrival", /// The event's `time_field`, through dynamic partitioning.
        EventTime = "event_time" }
}

string_enum! {
    /// Finest time partition.
    Granularity { /// `year=`
        Year = "year", /// `year=/month=`
        Month = "month", /// `year=/month=/day=`
        Day = "day", /// `year=/month=/day=/hour=`
        Hour = "hour" }
}

string_enum! {
    /// How the Glue table learns about partitions.
    Catalog { /// Athena partition projection (no crawler needed).
        Projection = "projection", /// A Glue crawler on the table.
        Crawler = "crawler", /// Both.
        Both = "both" }
}

impl Catalog {
    /// Whether partition projection properties are set on the table.
    pub fn projection(self) -> bool {
        matches!(self, Catalog::Projection | Catalog::Both)
    }

    /// Whether a crawler is generated.
    pub fn crawler(self) -> bool {
        matches!(self, Catalog::Crawler | Catalog::Both)
    }
}

/// The type of every time partition column: Glue's `int` in the stack and the DDL, Arrow's
/// `Int32` in the local lake (both from [`crate::mapping`]).
pub const PARTITION_TYPE: Type = Type::Int;

/// A time partition column (`year`, `month`, `day`, `hour`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PartitionColumn {
    /// Column name.
    pub name: &'static str,
    /// Java `DateTimeFormatter` pattern Firehose evaluates (`yyyy`, `MM`, `dd`, `HH`).
    pub pattern: &'static str,
    /// `strftime` pattern for the same value (jq in dynamic partitioning, local lake).
    pub strftime: &'static str,
    /// Smallest value.
    pub min: u32,
    /// Largest value.
    pub max: u32,
    /// Zero-padded width in paths (`01`), 0 for none.
    pub digits: u8,
}

const PARTITION_COLUMNS: [PartitionColumn; 4] = [
    PartitionColumn {
        name: "year",
        pattern: "yyyy",
        strftime: "%Y",
        min: 2020,
        max: 2100,
        digits: 0,
    },
    PartitionColumn {
        name: "month",
        pattern: "MM",
        strftime: "%m",
        min: 1,
        max: 12,
        digits: 2,
    },
    PartitionColumn {
        name: "day",
        pattern: "dd",
        strftime: "%d",
        min: 1,
        max: 31,
        digits: 2,
    },
    PartitionColumn {
        name: "hour",
        pattern: "HH",
        strftime: "%H",
        min: 0,
        max: 23,
        digits: 2,
    },
];

impl Granularity {
    /// The partition columns down to this granularity.
    pub fn partition_columns(self) -> &'static [PartitionColumn] {
        let n = match self {
            Granularity::Year => 1,
            Granularity::Month => 2,
            Granularity::Day => 3,
            Granularity::Hour => 4,
        };
        &PARTITION_COLUMNS[..n]
    }

    /// Every partition column name any granularity may use.
    pub fn all_partition_column_names() -> impl Iterator<Item = &'static str> {
        PARTITION_COLUMNS.iter().map(|c| c.name)
    }
}
