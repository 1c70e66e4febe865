//! Typed producers for an eventlake data lake: what producer crates depend on.
//!
//! A producer describes each event as a Rust struct and derives [`DatalakeEvent`]. The derive
//! reads the lake's `events.toml` **at compile time** and refuses to compile when the struct
//! and the schema disagree: an unknown event, a column with no field, a field with no column, a
//! wrong JSON key, `required` versus `Option<…>`, a Rust type that cannot be written to the
//! column's Glue type, enum variants that are not the schema's values. Every error points at
//! the offending token.
//!
//! ```
//! use eventlake::DatalakeEvent;
//! use eventlake::chrono::{DateTime, TimeZone, Utc};
//! use eventlake::rust_decimal::Decimal;
//!
//! #[derive(DatalakeEvent)]
//! #[datalake(event = "order_placed", schema = "../tests/fixtures/tiny.toml")]
//! pub struct OrderPlaced {
//!     pub order_id: String,
//!     pub occurred_at: DateTime<Utc>,
//!     pub customer_id: i64,
//!     pub total: Decimal,
//!     pub currency: Option<String>,
//! }
//!
//! let order = OrderPlaced {
//!     order_id: "o-1".into(),
//!     occurred_at: Utc.with_ymd_and_hms(2024, 5, 1, 9, 30, 0).unwrap(),
//!     customer_id: 1042,
//!     total: Decimal::new(12990, 2),
//!     currency: None,
//! };
//! assert_eq!(order.partition_key(), "1042");
//! assert_eq!(
//!     String::from_utf8(order.to_record()).unwrap(),
//!     r#"{"order_id":"o-1","occurred_at":"2024-05-01T09:30:00.000Z","customer_id":1042,"total":129.90}"#
//! );
//! ```
//!
//! # Finding events.toml
//! In this order: `#[datalake(schema = "path/events.toml")]` (relative to the crate's
//! `Cargo.toml`), the `EVENTLAKE_SCHEMA` environment variable, the nearest `events.toml` in the
//! crate's directory or its parents. Editing the file (or the variable) rebuilds the crate.
//!
//! # Compile time
//! The derive runs in every build of a producer crate. Like sqlx's macros, it is much
//! faster when proc-macros are optimised; add this to the producer workspace's `Cargo.toml`
//! (it speeds up serde's derive too):
//!
//! ```toml
//! [profile.dev.build-override]
//! opt-level = 3
//! ```
//!
//! `docs/benchmarks.md` ("Derive") has the measurements with and without it. A producer
//! struct needs only `DatalakeEvent` (`to_record` writes the JSON itself, as the structs
//! `eventlake gen` writes do); deriving `serde::Serialize` as well is for other uses of the
//! struct, and costs about as much again in `cargo check`.
//!
//! # Attributes
//! On the struct: `event = "name"` (default: the struct name in snake case),
//! `schema = "path"`, `crate = "path::to::eventlake"` (when the crate is renamed). Nested
//! structs derive [`DatalakeStruct`] and enums derive [`DatalakeEnum`], both with
//! `#[datalake(event = "…", field = "column.sub_field")]` saying which column they stand for
//! (array items and map values are reached through the column name itself). Field names are the
//! *wire* names: `#[serde(rename = "…")]`, `#[serde(rename_all = "…")]` and
//! `#[serde(skip)]` are honoured, so a struct that also derives `serde::Serialize` sends the
//! same keys. A field's wire name must be the column's `json` key (its name when `json` is not
//! set).
//!
//! # Supported types
//! | Glue type (events.toml) | Rust types |
//! |---|---|
//! | `boolean` | `bool` |
//! | `tinyint` | `i8` |
//! | `smallint` | `i16`, `i8`, `u8` |
//! | `int` | `i32`, `i16`, `i8`, `u16`, `u8` |
//! | `bigint` | `i64`, `i32`, `i16`, `i8`, `u32`, `u16`, `u8` |
//! | `float` | `f32` |
//! | `double` | `f64`, `f32` |
//! | `decimal(p,s)` | [`rust_decimal::Decimal`] (feature `rust_decimal`) |
//! | `string`, `varchar(n)`, `char(n)` | `String`, `str`, `Cow<str>`, `char` |
//! | `date` | [`chrono::NaiveDate`] (feature `chrono`) |
//! | `timestamp` | [`chrono::DateTime<Utc>`](chrono::DateTime) (feature `chrono`), [`std::time::SystemTime`] |
//! | `array<T>` | `Vec<T>`, `[T]`, `[T; N]`, `VecDeque<T>` |
//! | `map<K,V>` | `HashMap<K, V, S>`, `BTreeMap<K, V>` (keys: text, integer or boolean types) |
//! | `struct<…>` | a struct deriving [`DatalakeStruct`] for that column |
//! | a column with `enum = [...]` | `String` and the text types above, or an enum deriving [`DatalakeEnum`] |
//!
//! Everywhere: `&T`, `Box<T>`, `Rc<T>` and `Arc<T>` of a supported `T`. A `required` column
//! takes the type itself; an optional column takes `Option<T>` (a `None` is left out of the
//! record, which Firehose stores as NULL). Integer types are accepted where every value fits
//! the column; floats never go into `decimal` columns (binary rounding). Array elements are
//! not nullable. Your own types can implement [`column::Column`].
//!
//! **Why chrono and rust_decimal.** chrono is the date-time crate most of the ecosystem speaks
//! (serde, sqlx, the AWS SDK's conversions, arrow), its `DateTime<Utc>` makes "UTC" part of
//! the type, which is exactly what a `timestamp` column stores, and it builds with
//! `default-features = false` (no clock, no time-zone database). jiff is the better-designed
//! API, but producers would mostly convert into it from chrono; a `jiff` feature can be added
//! without breaking anything. rust_decimal is the mainstream fixed-point decimal: 96-bit
//! mantissa, scale up to 28, exact `Display`; it covers every `decimal(p,s)` Firehose handles
//! in practice (`bigdecimal` is unbounded but allocates for every value).
//!
//! # The record
//! [`DatalakeEvent::to_record`] writes the exact bytes Firehose's OpenX JSON deserializer
//! converts: one JSON object whose keys are the columns' `json` keys, timestamps as
//! `yyyy-MM-ddTHH:mm:ss.fffZ` in UTC (never `+00:00`, which OpenX rejects), dates as
//! `yyyy-MM-dd`, decimals as exact JSON numbers, no floats for non-finite values (`null`).

#![deny(missing_docs)]

pub mod column;
pub mod glue;
#[cfg(feature = "aggregation")]
pub mod kinesis;

#[doc(hidden)]
pub mod __private;

#[cfg(feature = "chrono")]
pub use chrono;
#[cfg(feature = "rust_decimal")]
pub use rust_decimal;

#[cfg(feature = "derive")]
pub use eventlake_derive::{DatalakeEnum, DatalakeEvent, DatalakeStruct};

/// An event of the lake, checked against events.toml at compile time.
///
/// Derive it; the derive fills in every item from the schema. The derive implements only the
/// two hidden items; the rest are provided from them (one constant and one method per struct
/// keep the expansion, and so `cargo check` of a producer crate, small: docs/benchmarks.md).
pub trait DatalakeEvent {
    /// Everything the schema says about the event, as one constant.
    #[doc(hidden)]
    const __META: __private::EventMeta;

    /// The lake name (`[lake] name`).
    const LAKE: &'static str = Self::__META.lake;
    /// The event name (`[events.<name>]`), also the Glue table name.
    const EVENT: &'static str = Self::__META.event;
    /// The logical name of the event's Kinesis stream, `<lake>-<event>`. The deployed
    /// stream's name adds the environment; see the stack outputs.
    const STREAM: &'static str = Self::__META.stream;
    /// Fingerprint of the event's columns when the producer was compiled: it changes exactly
    /// when what a producer must send changes (see `Event::fingerprint` in eventlake-schema).
    const SCHEMA_FINGERPRINT: &'static str = Self::__META.fingerprint;
    /// Whether the lake partitions the event by its own time field (`partitioning =
    /// "event_time"`), which Firehose does with dynamic partitioning.
    const EVENT_TIME_PARTITIONED: bool = Self::__META.event_time;

    /// Writes the columns into `Some(out)` (returning an empty string), or, given `None`,
    /// returns the partition key. One function for both, so a partition-key column with the
    /// wrong type is one error, not two.
    #[doc(hidden)]
    fn __columns(&self, out: Option<&mut __private::JsonWriter>) -> String;

    /// The Kinesis partition key: the value of the schema's `partition_key` field, or a
    /// random key when the event has none (or the field is `None`).
    fn partition_key(&self) -> String {
        self.__columns(None)
    }

    /// The record exactly as Firehose receives it: one JSON object, no trailing newline.
    fn to_record(&self) -> Vec<u8> {
        let mut out = __private::JsonWriter::with_capacity(Self::__META.capacity);
        out.begin_object();
        self.__columns(Some(&mut out));
        out.end_object();
        out.into_bytes()
    }
}

/// A struct standing for a `struct<…>` column (or the items of an `array<struct<…>>`, or the
/// values of a `map<…,struct<…>>`). Derive it with `#[datalake(event = "…", field = "…")]`.
pub trait DatalakeStruct {
    /// The column path the struct was derived for, `event.column[.field…]`.
    const PATH: &'static str;
}

/// An enum standing for a column with `enum = [...]` values. Derive it with
/// `#[datalake(event = "…", field = "…")]`; its serde names must be exactly the schema's values.
pub trait DatalakeEnum {
    /// The value written for this variant.
    fn as_str(&self) -> &'static str;
}
