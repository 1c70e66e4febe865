//! One record, as Firehose's OpenX JSON deserializer would read it against the Glue table:
//! JSON bytes in, one row appended to the event's [`Col`]s, or a [`Failure`] with
//! Firehose's error code and nothing appended.
//!
//! The rules (docs/aws-behaviour.md; docs/local-lake.md lists each one and every deviation):
//! - an empty or whitespace-only record fails with `DataFormatConversion.MalformedData`;
//!   bytes that are not one JSON value fail with `DataFormatConversion.ParseError`; a JSON
//!   value that is not an object fails with `MalformedData`. Syntax is checked for the whole
//!   record first, as OpenX parses before it converts: a record with both a syntax error and
//!   a type mismatch is a `ParseError`;
//! - keys are matched case-insensitively (OpenX `CaseInsensitive=true` lower-cases them),
//!   top-level columns through their `json` key (`ColumnToJsonKeyMappings`), struct fields
//!   through their name; unknown keys are dropped; missing keys and `null` give NULL;
//! - a value of the wrong JSON kind or out of range fails the whole record (MalformedData),
//!   never just the column;
//! - a scalar where an array is expected becomes a one-element array;
//! - `enum` values are not enforced (Firehose does not) but every value outside the list is
//!   counted, as is every missing or null `required` column;
//! - where Firehose's behaviour is not documented the record is rejected (conservative):
//!   numbers or booleans sent as strings, strings for numbers, fractional numbers for
//!   integer columns, decimals with more digits than the type, text longer than
//!   `varchar(n)`/`char(n)`, two keys that differ only in case, duplicate map keys.
//!
//! Parsing is a `serde` visitor over the record's bytes that appends straight into the
//! column buffers (no intermediate JSON tree), which is what makes ingest fast.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use eventlake_schema::time;
use eventlake_schema::{Event, Type};

use crate::columns::{Col, Data};

/// Firehose's error code for records that do not fit the schema.
pub const MALFORMED_DATA: &str = "DataFormatConversion.MalformedData";
/// Firehose's error code for records that are not valid JSON.
pub const PARSE_ERROR: &str = "DataFormatConversion.ParseError";
/// Error code for event-time records whose partition values cannot be extracted.
pub const METADATA_EXTRACTION_FAILED: &str = "DynamicPartitioning.MetadataExtractionFailed";

/// Firehose's message for empty records.
pub const EMPTY_MESSAGE: &str = "The record was empty or contained only whitespace.";
/// Firehose's message for invalid JSON.
pub const PARSE_MESSAGE: &str = "Encountered malformed JSON.";
/// Firehose's message for records that do not match the schema.
pub const MISMATCH_MESSAGE: &str = "Data does not match the schema.";

/// serde_json's private marker for numbers read with `arbitrary_precision` (the workspace
/// enables it so decimals keep every digit): a number arrives as a one-entry map with this
/// key and the number's text as value.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Why one record was not converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Firehose error code ([`MALFORMED_DATA`], [`PARSE_ERROR`], …).
    pub code: &'static str,
    /// Firehose's message followed by what exactly is wrong.
    pub message: String,
}

impl Failure {
    fn mismatch(detail: &str) -> Self {
        Self {
            code: MALFORMED_DATA,
            message: format!("{MISMATCH_MESSAGE} {detail}"),
        }
    }
}

/// A finding on a converted record that Firehose would not reject.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    /// A value outside the column's `enum` list.
    NotInEnum {
        /// Column path (`status`, `shipping.kind`).
        column: String,
        /// The value.
        value: String,
    },
    /// A `required` column that was missing or null.
    RequiredMissing {
        /// Column name.
        column: String,
    },
}

/// How one type node is read: the compiled form of a Glue type plus the column metadata the
/// conversion needs.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    kind: Kind,
    /// Dotted path, for messages.
    path: String,
    /// Allowed text values (empty: any).
    enum_values: Vec<String>,
}

#[derive(Debug, Clone)]
enum Kind {
    Bool,
    Int { min: i64, max: i64 },
    Float32,
    Float64,
    Decimal { precision: u8, scale: u8 },
    Text { max_chars: Option<u32> },
    Date,
    Timestamp,
    List(Box<Node>),
    Map { key: Box<Node>, value: Box<Node> },
    Struct(Vec<Member>),
}

/// A struct field or top-level column: its lower-cased JSON key and its node.
#[derive(Debug, Clone)]
struct Member {
    key: String,
    node: Node,
    required: bool,
}

impl Node {
    fn new(ty: &Type, path: String, enum_values: &[String]) -> Self {
        // Not a type's spelling (that is `eventlake_schema::mapping`, and the buffer each
        // value lands in is `Col::new`'s, from it): what each type accepts from JSON, kept
        // as one match so the per-value hot path branches once.
        let kind = match ty {
            Type::Boolean => Kind::Bool,
            Type::Tinyint | Type::Smallint | Type::Int | Type::Bigint => {
                let (min, max) = ty.integer_range().unwrap_or((i64::MIN, i64::MAX));
                Kind::Int { min, max }
            }
            Type::Float => Kind::Float32,
            Type::Double => Kind::Float64,
            Type::Decimal { precision, scale } => Kind::Decimal {
                precision: *precision,
                scale: *scale,
            },
            Type::String => Kind::Text { max_chars: None },
            Type::Varchar { length } | Type::Char { length } => Kind::Text {
                max_chars: Some(*length),
            },
            Type::Date => Kind::Date,
            Type::Timestamp => Kind::Timestamp,
            Type::Array { items } => {
                Kind::List(Box::new(Node::new(items, format!("{path}[]"), &[])))
            }
            Type::Map { key, value } => Kind::Map {
                key: Box::new(Node::new(key, format!("{path}{{key}}"), &[])),
                value: Box::new(Node::new(value, format!("{path}{{}}"), &[])),
            },
            Type::Struct { fields } => Kind::Struct(
                fields
                    .iter()
                    .map(|f| Member {
                        key: f.name.to_lowercase(),
                        node: Node::new(&f.ty, format!("{path}.{}", f.name), &f.enum_values),
                        required: false,
                    })
                    .collect(),
            ),
        };
        Self {
            kind,
            path,
            enum_values: enum_values.to_vec(),
        }
    }
}

/// The compiled conversion of one event: what [`Converter::convert`] needs per record.
#[derive(Debug, Clone)]
pub struct Converter {
    columns: Vec<Member>,
    /// Index of the event-time column, when partitions come from the event time.
    time_column: Option<usize>,
    /// That column's JSON key exactly as the producer sends it (the JQ query reads it so).
    time_key: String,
}

/// What a successful conversion learned besides the row itself.
#[derive(Debug, Default)]
pub struct Converted {
    /// Findings (enum values, missing required columns).
    pub findings: Vec<Finding>,
    /// The raw value of the event-time key (exact key), when asked for.
    pub time_value: Option<TimeValue>,
}

/// The event-time value as the partitioning query sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeValue {
    /// A JSON string.
    Text(String),
    /// A JSON number, as written.
    Number(String),
    /// Anything else (null, bool, object, array).
    Other,
}

impl Converter {
    /// Compiles `event`'s columns. `time_column` is the column whose exact JSON key gives
    /// the event-time partition (dynamic partitioning), if any.
    pub fn new(event: &Event, time_column: Option<&str>) -> Self {
        let columns: Vec<Member> = event
            .fields
            .iter()
            .map(|f| Member {
                key: f.json_key().to_lowercase(),
                node: Node::new(&f.ty, f.name.clone(), &f.enum_values),
                required: f.required,
            })
            .collect();
        let time_index = time_column.and_then(|t| event.fields.iter().position(|f| f.name == t));
        let time_key = time_index
            .and_then(|i| event.fields.get(i))
            .map(|f| f.json_key().to_owned())
            .unwrap_or_default();
        Self {
            columns,
            time_column: time_index,
            time_key,
        }
    }

    /// Empty column buffers for this event.
    pub fn columns(event: &Event) -> Vec<Col> {
        event.fields.iter().map(|f| Col::new(&f.ty)).collect()
    }

    /// Converts one record and appends one row to `cols` (one buffer per column, as made by
    /// [`Converter::columns`]). On failure nothing is appended.
    pub fn convert(&self, record: &[u8], cols: &mut [Col]) -> Result<Converted, Failure> {
        if record.iter().all(u8::is_ascii_whitespace) {
            return Err(Failure {
                code: MALFORMED_DATA,
                message: EMPTY_MESSAGE.to_owned(),
            });
        }
        let rows = cols.first().map_or(0, Col::len);
        let mut cx = Cx::default();
        // Valid UTF-8 (checked once for the whole record) lets the parser skip checking
        // every string; other records take the byte path, which reports the bad bytes.
        let parsed = match std::str::from_utf8(record) {
            Ok(text) => self.parse(&mut serde_json::Deserializer::from_str(text), cols, &mut cx),
            Err(_) => self.parse(
                &mut serde_json::Deserializer::from_slice(record),
                cols,
                &mut cx,
            ),
        };
        let failure = match parsed {
            Err(e) => Some(Failure {
                code: PARSE_ERROR,
                message: format!("{PARSE_MESSAGE} {e}"),
            }),
            Ok(()) => cx.error.take().map(|d| Failure::mismatch(&d)),
        };
        if let Some(f) = failure {
            for c in cols.iter_mut() {
                c.truncate(rows);
            }
            return Err(f);
        }
        Ok(Converted {
            findings: cx.findings,
            time_value: cx.time_value,
        })
    }
}

impl Converter {
    /// Parses one whole JSON value into `cols`, then checks that nothing follows it.
    fn parse<'de, R: serde_json::de::Read<'de>>(
        &self,
        de: &mut serde_json::Deserializer<R>,
        cols: &mut [Col],
        cx: &mut Cx,
    ) -> Result<(), serde_json::Error> {
        de.deserialize_any(RecordVisitor {
            conv: self,
            cols,
            cx,
        })?;
        de.end()
    }
}

/// State of one record's conversion.
#[derive(Default)]
struct Cx {
    /// The first mismatch (the record fails once parsing has finished).
    error: Option<String>,
    findings: Vec<Finding>,
    time_value: Option<TimeValue>,
}

impl Cx {
    fn fail(&mut self, path: &str, why: impl fmt::Display) {
        if self.error.is_none() {
            self.error = Some(format!("column `{path}`: {why}"));
        }
    }
}

/// What a JSON value is, for messages.
#[derive(Clone, Copy)]
enum Got<'a> {
    Bool(bool),
    Number(&'a str),
    Str(&'a str),
    Null,
    Array,
    Object,
}

impl fmt::Display for Got<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Got::Bool(b) => write!(f, "boolean {b}"),
            Got::Number(n) => write!(f, "number {n}"),
            Got::Str(s) => {
                let short: String = s.chars().take(40).collect();
                let more = if short.len() < s.len() { "…" } else { "" };
                write!(f, "string \"{short}{more}\"")
            }
            Got::Null => f.write_str("null"),
            Got::Array => f.write_str("an array"),
            Got::Object => f.write_str("an object"),
        }
    }
}

type DeResult<T, E> = Result<T, E>;

/// The top-level object of a record.
struct RecordVisitor<'a> {
    conv: &'a Converter,
    cols: &'a mut [Col],
    cx: &'a mut Cx,
}

impl RecordVisitor<'_> {
    fn not_object(self, got: Got<'_>) {
        if self.cx.error.is_none() {
            self.cx.error = Some(format!("The record is {got}, not a JSON object."));
        }
    }
}

impl<'de> Visitor<'de> for RecordVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> DeResult<(), E> {
        self.not_object(Got::Bool(v));
        Ok(())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> DeResult<(), E> {
        self.not_object(Got::Number("…"));
        Ok(())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> DeResult<(), E> {
        self.not_object(Got::Number("…"));
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> DeResult<(), E> {
        self.not_object(Got::Number("…"));
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> DeResult<(), E> {
        self.not_object(Got::Str(v));
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> DeResult<(), E> {
        self.not_object(Got::Null);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> DeResult<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.not_object(Got::Array);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> DeResult<(), A::Error> {
        let conv = self.conv;
        let rows = self.cols.first().map_or(0, Col::len);
        let mut seen = Seen::new(conv.columns.len());
        let mut first = true;
        let mut hint = 0;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if first && key == NUMBER_TOKEN {
                let text: String = map.next_value()?;
                self.not_object(Got::Number(&text));
                return Ok(());
            }
            first = false;
            let Some(i) = find_member(&conv.columns, &key, hint) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            hint = i + 1;
            if seen.get(i) {
                map.next_value::<IgnoredAny>()?;
                self.cx.fail(
                    &conv.columns[i].node.path,
                    format_args!("the record has two keys for it (`{key}` and another that differs only in case)"),
                );
                continue;
            }
            seen.set(i);
            if conv.time_column == Some(i) && key == conv.time_key.as_str() {
                let value: TimeProbe = map.next_value_seed(TimeProbeSeed {
                    node: &conv.columns[i].node,
                    col: &mut self.cols[i],
                    cx: self.cx,
                })?;
                self.cx.time_value = Some(value.0);
            } else {
                map.next_value_seed(ValueSeed {
                    node: &conv.columns[i].node,
                    col: &mut self.cols[i],
                    cx: self.cx,
                })?;
            }
        }
        for (i, col) in self.cols.iter_mut().enumerate() {
            let member = &conv.columns[i];
            if !seen.get(i) {
                col.push_null();
            }
            if member.required && !col.valid.get(rows).copied().unwrap_or(false) {
                self.cx.findings.push(Finding::RequiredMissing {
                    column: member.node.path.clone(),
                });
            }
        }
        Ok(())
    }
}

/// The member that reads `key`, trying `hint` first: producers usually send keys in the
/// schema's order, so passing the index after the previous match finds most keys with one
/// comparison instead of a scan from the first member (a profile of `local ingest` showed
/// the scan). The loader rejects two fields reading the same key, so the first match is
/// the only one and the hint cannot change the answer.
fn find_member(members: &[Member], key: &str, hint: usize) -> Option<usize> {
    if key.is_ascii() {
        // Most producers send the keys in lower case: an exact comparison (memcmp) first.
        if members
            .get(hint)
            .is_some_and(|m| m.key == key || m.key.eq_ignore_ascii_case(key))
        {
            return Some(hint);
        }
        members.iter().position(|m| m.key.eq_ignore_ascii_case(key))
    } else {
        let lower = key.to_lowercase();
        members.iter().position(|m| m.key == lower)
    }
}

/// Reads an object key without copying when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// The time column's value, converted like any column and also kept raw for partitioning.
struct TimeProbe(TimeValue);

struct TimeProbeSeed<'a> {
    node: &'a Node,
    col: &'a mut Col,
    cx: &'a mut Cx,
}

impl<'de> DeserializeSeed<'de> for TimeProbeSeed<'_> {
    type Value = TimeProbe;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<TimeProbe, D::Error> {
        let mut raw = TimeValue::Other;
        ValueSeed {
            node: self.node,
            col: self.col,
            cx: self.cx,
        }
        .deserialize_with_probe(d, Some(&mut raw))?;
        Ok(TimeProbe(raw))
    }
}

/// Appends exactly one slot to `col` from one JSON value.
struct ValueSeed<'a> {
    node: &'a Node,
    col: &'a mut Col,
    cx: &'a mut Cx,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize_with_probe(d, None)
    }
}

impl ValueSeed<'_> {
    fn deserialize_with_probe<'de, D: Deserializer<'de>>(
        self,
        d: D,
        probe: Option<&mut TimeValue>,
    ) -> Result<(), D::Error> {
        d.deserialize_any(ValueVisitor {
            node: self.node,
            col: self.col,
            cx: self.cx,
            probe,
        })
    }
}

struct ValueVisitor<'a, 'p> {
    node: &'a Node,
    col: &'a mut Col,
    cx: &'a mut Cx,
    probe: Option<&'p mut TimeValue>,
}

impl ValueVisitor<'_, '_> {
    /// Appends NULL and records the mismatch.
    fn mismatch(self, got: Got<'_>) {
        let expected = expected(&self.node.kind);
        self.cx.fail(
            &self.node.path,
            format_args!("expected {expected}, got {got}"),
        );
        self.col.push_null();
    }

    /// A scalar arrived where an array is expected: a one-element array (OpenX).
    fn promote(self, got: Got<'_>) {
        let Kind::List(item) = &self.node.kind else {
            return;
        };
        let Data::List {
            offsets,
            item: item_col,
            ..
        } = &mut self.col.data
        else {
            return;
        };
        scalar(item, item_col, self.cx, got);
        let end = i32::try_from(item_col.len()).unwrap_or(i32::MAX);
        offsets.push(end);
        self.col.valid.push(true);
    }

    fn scalar(self, got: Got<'_>) {
        if let Some(p) = self.probe {
            *p = match got {
                Got::Str(s) => TimeValue::Text(s.to_owned()),
                Got::Number(n) => TimeValue::Number(n.to_owned()),
                _ => TimeValue::Other,
            };
        }
        if matches!(got, Got::Null) {
            self.col.push_null();
            return;
        }
        if matches!(self.node.kind, Kind::List(_)) {
            return ValueVisitor {
                node: self.node,
                col: self.col,
                cx: self.cx,
                probe: None,
            }
            .promote(got);
        }
        scalar(self.node, self.col, self.cx, got);
    }
}

/// What a node expects, for messages.
fn expected(kind: &Kind) -> &'static str {
    match kind {
        Kind::Bool => "a boolean",
        Kind::Int { .. } => "a whole number",
        Kind::Float32 | Kind::Float64 => "a number",
        Kind::Decimal { .. } => "a number",
        Kind::Text { .. } => "a string",
        Kind::Date => "a date string yyyy-MM-dd",
        Kind::Timestamp => {
            "a timestamp (yyyy-MM-ddTHH:mm:ss[.f]Z, yyyy-MM-dd HH:mm:ss[.f] or epoch seconds/millis)"
        }
        Kind::List(_) => "an array",
        Kind::Map { .. } => "an object (map)",
        Kind::Struct(_) => "an object (struct)",
    }
}

/// Appends one non-null scalar to a scalar column, or NULL plus a mismatch.
fn scalar(node: &Node, col: &mut Col, cx: &mut Cx, got: Got<'_>) {
    let fail = |cx: &mut Cx, why: String| cx.fail(&node.path, why);
    let mismatch = |cx: &mut Cx| {
        cx.fail(
            &node.path,
            format_args!("expected {}, got {got}", expected(&node.kind)),
        );
    };
    let ok = match (&node.kind, &mut col.data, got) {
        (Kind::Bool, Data::Bool(v), Got::Bool(b)) => {
            v.push(b);
            true
        }
        (Kind::Int { min, max }, data, Got::Number(text)) => match parse_int(text) {
            Some(n) if n >= *min && n <= *max => push_int(data, n),
            Some(n) => {
                fail(cx, format!("{n} is out of range ({min} to {max})"));
                false
            }
            None => {
                mismatch(cx);
                false
            }
        },
        (Kind::Float32, Data::Float32(v), Got::Number(text)) => match text.parse::<f32>() {
            Ok(x) if x.is_finite() => {
                v.push(x);
                true
            }
            _ => {
                fail(cx, format!("{text} does not fit a float"));
                false
            }
        },
        (Kind::Float64, Data::Float64(v), Got::Number(text)) => match text.parse::<f64>() {
            Ok(x) if x.is_finite() => {
                v.push(x);
                true
            }
            _ => {
                fail(cx, format!("{text} does not fit a double"));
                false
            }
        },
        (Kind::Decimal { precision, scale }, Data::Decimal { values, .. }, Got::Number(text)) => {
            match decimal_units(text, *precision, *scale) {
                Ok(n) => {
                    values.push(n);
                    true
                }
                Err(why) => {
                    fail(
                        cx,
                        format!("{text} is not a decimal({precision},{scale}): {why}"),
                    );
                    false
                }
            }
        }
        (Kind::Text { max_chars }, Data::Text { offsets, bytes }, Got::Str(s)) => {
            if let Some(max) = max_chars
                && s.chars().count() > *max as usize
            {
                fail(cx, format!("{got} is longer than {max} characters"));
                false
            } else {
                bytes.extend_from_slice(s.as_bytes());
                offsets.push(i32::try_from(bytes.len()).unwrap_or(i32::MAX));
                if !node.enum_values.is_empty() && !node.enum_values.iter().any(|e| e == s) {
                    cx.findings.push(Finding::NotInEnum {
                        column: node.path.clone(),
                        value: s.to_owned(),
                    });
                }
                true
            }
        }
        (Kind::Date, Data::Date(v), Got::Str(s)) => {
            match time::date_to_days(s).and_then(|d| i32::try_from(d).ok()) {
                Some(d) => {
                    v.push(d);
                    true
                }
                None => {
                    mismatch(cx);
                    false
                }
            }
        }
        (Kind::Timestamp, Data::Timestamp(v), Got::Str(s)) => match time::parse_timestamp_str(s) {
            Some(i) => {
                v.push(i.micros());
                true
            }
            None => {
                mismatch(cx);
                false
            }
        },
        (Kind::Timestamp, Data::Timestamp(v), Got::Number(text)) => match time::parse_epoch(text) {
            Some(i) => {
                v.push(i.micros());
                true
            }
            None => {
                mismatch(cx);
                false
            }
        },
        _ => {
            mismatch(cx);
            false
        }
    };
    if ok {
        col.valid.push(true);
    } else {
        col.push_null();
    }
}

fn parse_int(text: &str) -> Option<i64> {
    // A byte test: `str::contains` with a set of chars decodes each one (in the profile).
    if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        return None;
    }
    text.parse().ok()
}

fn push_int(data: &mut Data, n: i64) -> bool {
    match data {
        Data::Int8(v) => i8::try_from(n).map(|x| v.push(x)).is_ok(),
        Data::Int16(v) => i16::try_from(n).map(|x| v.push(x)).is_ok(),
        Data::Int32(v) => i32::try_from(n).map(|x| v.push(x)).is_ok(),
        Data::Int64(v) => {
            v.push(n);
            true
        }
        _ => false,
    }
}

/// The unscaled value of a decimal literal (`12.5` as decimal(12,2) → 1250), read from its
/// checked digits without building another string (one per decimal value ingested).
pub fn decimal_units(text: &str, precision: u8, scale: u8) -> Result<i128, String> {
    let parts = eventlake_schema::example::decimal_parts(text, precision, scale)?;
    // The fraction's missing trailing zeros, up to the scale.
    let padding = usize::from(scale).saturating_sub(parts.frac.len());
    let digits = parts
        .int
        .bytes()
        .chain(parts.frac.bytes())
        .chain(std::iter::repeat_n(b'0', padding));
    let mut units: i128 = 0;
    for b in digits {
        units = units
            .checked_mul(10)
            .and_then(|u| u.checked_add(i128::from(b - b'0')))
            .ok_or_else(|| format!("`{text}` does not fit 128 bits"))?;
    }
    Ok(if parts.negative { -units } else { units })
}

/// Which members of an object have been read: bits on the stack for up to 128 members
/// (no allocation per object), a vector beyond.
enum Seen {
    Bits(u128),
    Many(Vec<bool>),
}

impl Seen {
    fn new(members: usize) -> Self {
        if members <= 128 {
            Self::Bits(0)
        } else {
            Self::Many(vec![false; members])
        }
    }

    fn get(&self, i: usize) -> bool {
        match self {
            Self::Bits(bits) => i < 128 && (bits >> i) & 1 == 1,
            Self::Many(v) => v.get(i).copied().unwrap_or(false),
        }
    }

    fn set(&mut self, i: usize) {
        match self {
            Self::Bits(bits) => {
                if i < 128 {
                    *bits |= 1 << i;
                }
            }
            Self::Many(v) => {
                if let Some(s) = v.get_mut(i) {
                    *s = true;
                }
            }
        }
    }
}

impl<'de> Visitor<'de> for ValueVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(expected(&self.node.kind))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(Got::Bool(v));
        Ok(())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(Got::Number(&v.to_string()));
        Ok(())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(Got::Number(&v.to_string()));
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.scalar(Got::Number(&v.to_string()));
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.scalar(Got::Str(v));
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.scalar(Got::Null);
        Ok(())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.scalar(Got::Null);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (
            Kind::List(item),
            Data::List {
                offsets,
                item: item_col,
                ..
            },
        ) = (&self.node.kind, &mut self.col.data)
        else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            self.mismatch(Got::Array);
            return Ok(());
        };
        while seq
            .next_element_seed(ValueSeed {
                node: item,
                col: item_col,
                cx: self.cx,
            })?
            .is_some()
        {}
        offsets.push(i32::try_from(item_col.len()).unwrap_or(i32::MAX));
        self.col.valid.push(true);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some(first) = map.next_key_seed(KeySeed)? else {
            // `{}`
            return self.object(map, None);
        };
        if first == NUMBER_TOKEN {
            let text: String = map.next_value()?;
            self.scalar(Got::Number(&text));
            return Ok(());
        }
        self.object(map, Some(first))
    }
}

impl ValueVisitor<'_, '_> {
    /// A JSON object whose first key (if any) has been read.
    fn object<'de, A: MapAccess<'de>>(
        self,
        mut map: A,
        first: Option<Cow<'de, str>>,
    ) -> Result<(), A::Error> {
        match (&self.node.kind, &mut self.col.data) {
            (Kind::Struct(members), Data::Struct { children, .. }) => {
                let mut seen = Seen::new(members.len());
                let mut key = first;
                let mut hint = 0;
                while let Some(k) = key {
                    match find_member(members, &k, hint) {
                        Some(i) if !seen.get(i) => {
                            seen.set(i);
                            hint = i + 1;
                            map.next_value_seed(ValueSeed {
                                node: &members[i].node,
                                col: &mut children[i],
                                cx: self.cx,
                            })?;
                        }
                        Some(i) => {
                            map.next_value::<IgnoredAny>()?;
                            self.cx.fail(
                                &members[i].node.path,
                                format_args!("the object has two keys for it (`{k}` and another that differs only in case)"),
                            );
                        }
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    key = map.next_key_seed(KeySeed)?;
                }
                for (i, c) in children.iter_mut().enumerate() {
                    if !seen.get(i) {
                        c.push_null();
                    }
                }
                self.col.valid.push(true);
                Ok(())
            }
            (
                Kind::Map {
                    key: key_node,
                    value: value_node,
                },
                Data::Map {
                    offsets,
                    keys,
                    values,
                    ..
                },
            ) => {
                let mut seen_keys: Vec<Cow<'de, str>> = Vec::new();
                let mut key = first;
                while let Some(k) = key {
                    if seen_keys.contains(&k) {
                        self.cx
                            .fail(&self.node.path, format_args!("map key `{k}` appears twice"));
                    }
                    map_key(key_node, keys, self.cx, &k);
                    map.next_value_seed(ValueSeed {
                        node: value_node,
                        col: values,
                        cx: self.cx,
                    })?;
                    seen_keys.push(k);
                    key = map.next_key_seed(KeySeed)?;
                }
                offsets.push(i32::try_from(keys.len()).unwrap_or(i32::MAX));
                self.col.valid.push(true);
                Ok(())
            }
            _ => {
                if first.is_some() {
                    map.next_value::<IgnoredAny>()?;
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                }
                self.mismatch(Got::Object);
                Ok(())
            }
        }
    }
}

/// Converts a map key (always a JSON string) to the key type.
fn map_key(node: &Node, col: &mut Col, cx: &mut Cx, key: &str) {
    let got = match node.kind {
        Kind::Bool => match key {
            "true" => Got::Bool(true),
            "false" => Got::Bool(false),
            _ => Got::Str(key),
        },
        Kind::Int { .. } | Kind::Float32 | Kind::Float64 | Kind::Decimal { .. } => {
            if key.parse::<f64>().is_ok() {
                Got::Number(key)
            } else {
                Got::Str(key)
            }
        }
        _ => Got::Str(key),
    };
    let before = cx.error.is_some();
    scalar(node, col, cx, got);
    if !before && cx.error.is_some() {
        // Map keys cannot be NULL; the record fails anyway, keep a valid slot.
        if let Some(v) = col.valid.last_mut() {
            *v = true;
        }
    }
}
