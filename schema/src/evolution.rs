//! The vocabulary of schema evolution shared by events.toml and `eventlake diff`: the stable
//! [`ChangeCode`]s a comparison reports, and the `[[accept]]` tables that accept one change
//! on purpose.
//!
//! An acceptance names exactly one change (its code, and its event and column when the change
//! has them) and says why, so accepting a breaking change is a reviewed line in the
//! repository, never a flag. What each code means for a live lake (its level and reason) is
//! decided by the comparison in the CLI; this module only knows the names.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::Span;
use crate::string_enum::string_enum;

string_enum! {
    /// A stable identifier of one kind of change between two versions of a schema.
    ChangeCode {
        /// The lake's name changed: every bucket, the database and every stream get new names.
        LakeRenamed = "lake_renamed",
        /// An event was added.
        EventAdded = "event_added",
        /// An event was removed.
        EventRemoved = "event_removed",
        /// An event was removed and one with the same columns added: probably a rename.
        EventRenamed = "event_renamed",
        /// An optional column was added (anywhere).
        ColumnAdded = "column_added",
        /// A required column was added.
        RequiredColumnAdded = "required_column_added",
        /// A column was removed.
        ColumnRemoved = "column_removed",
        /// A column was removed and one of the same type added at its position: probably a rename.
        ColumnRenamed = "column_renamed",
        /// Columns were reordered.
        ColumnMoved = "column_moved",
        /// A field was added inside a struct (also in an array or a map).
        NestedFieldAdded = "nested_field_added",
        /// A field was removed from inside a struct.
        NestedFieldRemoved = "nested_field_removed",
        /// Fields inside a struct were reordered.
        NestedFieldMoved = "nested_field_moved",
        /// A type was widened the way Athena lists as compatible (`int` to `bigint`, …).
        TypeWidened = "type_widened",
        /// A text type changed to another text type (`string`, `varchar(n)`, `char(n)`).
        TextTypeChanged = "text_type_changed",
        /// Any other type change.
        TypeChanged = "type_changed",
        /// The JSON key producers send changed.
        JsonKeyChanged = "json_key_changed",
        /// Only the letter case of the JSON key changed.
        JsonKeyCaseChanged = "json_key_case_changed",
        /// An optional field became required.
        RequiredAdded = "required_added",
        /// A required field became optional.
        RequiredRemoved = "required_removed",
        /// An enum gained values (or lost its restriction).
        EnumValuesAdded = "enum_values_added",
        /// An enum lost values (or a field became restricted to an enum).
        EnumValuesRemoved = "enum_values_removed",
        /// A doc, description or example changed.
        DocChanged = "doc_changed",
        /// Partitioning switched between arrival time and event time.
        PartitioningChanged = "partitioning_changed",
        /// The finest time partition changed.
        GranularityChanged = "granularity_changed",
        /// `time_field` changed on an event partitioned by event time.
        PartitionTimeFieldChanged = "partition_time_field_changed",
        /// `time_field` changed on an event partitioned by arrival time.
        TimeFieldChanged = "time_field_changed",
        /// The Kinesis partition key changed.
        PartitionKeyChanged = "partition_key_changed",
        /// Partition projection was turned off (`catalog` to `crawler`).
        ProjectionDisabled = "projection_disabled",
        /// `catalog` changed and projection stays on, or was turned on.
        CatalogChanged = "catalog_changed",
        /// The crawler schedule changed.
        CrawlerScheduleChanged = "crawler_schedule_changed",
        /// The shard count changed within one `UpdateShardCount` step (half to double).
        ShardsChanged = "shards_changed",
        /// The shard count changed by more than one `UpdateShardCount` step allows.
        ShardsStepTooLarge = "shards_step_too_large",
        /// The stream switched between provisioned and on-demand.
        StreamModeChanged = "stream_mode_changed",
        /// Kinesis retention changed.
        StreamRetentionChanged = "stream_retention_changed",
        /// Firehose buffering changed.
        BufferingChanged = "buffering_changed",
        /// Parquet compression changed.
        CompressionChanged = "compression_changed",
        /// Raw backups expire sooner.
        RawRetentionLowered = "raw_retention_lowered",
        /// Raw backups are kept longer.
        RawRetentionRaised = "raw_retention_raised",
        /// An `[[accept]]` table matches no change.
        StaleAcceptance = "stale_acceptance",
    }
}

/// Keys of an `[[accept]]` table.
pub const ACCEPT_KEYS: &[&str] = &["change", "event", "column", "reason"];

/// One `[[accept]]` table: a change accepted on purpose.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Acceptance {
    /// The accepted change's code.
    pub change: ChangeCode,
    /// The change's event, when it has one.
    pub event: Option<String>,
    /// The change's column path (`items.quantity`), when it has one.
    pub column: Option<String>,
    /// Why the change is acceptable (for reviewers).
    pub reason: String,
    /// Where the table is in the source.
    #[serde(skip)]
    pub span: Span,
}

/// Spelling helper for messages: `` `order_placed`.`items.quantity` ``.
pub fn describe(event: Option<&str>, column: Option<&str>) -> Cow<'static, str> {
    match (event, column) {
        (Some(e), Some(c)) => Cow::Owned(format!("`{e}`.`{c}`")),
        (Some(e), None) => Cow::Owned(format!("`{e}`")),
        (None, Some(c)) => Cow::Owned(format!("`{c}`")),
        (None, None) => Cow::Borrowed("the lake"),
    }
}

/// Finds keys in events.toml text, parsed once; used to point a comparison's finding at the
/// line that caused it.
pub struct Locator<'s> {
    root: Spanned<DeTable<'s>>,
}

impl<'s> Locator<'s> {
    /// Parses `source` (syntax errors leave the parts that parsed).
    pub fn new(source: &'s str) -> Self {
        Self {
            root: DeTable::parse_recoverable(source).0,
        }
    }

    /// The span of the key at `path` (`["events", "order", "shards"]`), if the file spells it.
    pub fn key(&self, path: &[&str]) -> Option<Span> {
        let mut table: &DeTable<'_> = self.root.get_ref();
        let (last, init) = path.split_last()?;
        for key in init {
            let (_, v) = table.iter().find(|(k, _)| k.get_ref() == key)?;
            match v.get_ref() {
                DeValue::Table(t) => table = t,
                _ => return None,
            }
        }
        table
            .iter()
            .find(|(k, _)| k.get_ref() == last)
            .map(|(k, _)| k.span())
    }
}
