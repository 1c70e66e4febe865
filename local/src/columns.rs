//! Glue types as Arrow types, and the growable column buffers records are converted into.
//!
//! Rules of this module:
//! - the Arrow (and so Parquet) type of a column is the type mapping's
//!   (`eventlake_schema::mapping::arrow`, made concrete here): `tinyint` →
//!   Int8, …, `decimal(p,s)` → Decimal128(p,s), text → Utf8, `date` → Date32, `timestamp`
//!   → Timestamp(µs, "UTC") (Parquet `TIMESTAMP(MICROS, isAdjustedToUTC=true)`),
//!   `array<T>` → List (element field `element`), `map<K,V>` → Map (`key_value` entries,
//!   non-null keys), `struct<…>` → Struct; every column and nested field is nullable, as in
//!   Glue;
//! - a [`Col`] can be truncated back to any earlier length, so a record whose conversion
//!   fails half-way leaves no trace ([`Col::truncate`]);
//! - buffers are plain `Vec`s turned into Arrow arrays once per batch ([`Col::finish`]).

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int8Array,
    Int16Array, Int32Array, Int64Array, ListArray, MapArray, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow::buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, Fields, Schema, TimeUnit};
use arrow::error::ArrowError;

use eventlake_schema::mapping::{self, Arrow};
use eventlake_schema::{Event, Type};

/// Time zone of every timestamp column.
pub const UTC: &str = "UTC";
/// Name of a list's element field (the Parquet spec's name).
pub const LIST_ITEM: &str = "element";
/// Name of a map's entries field (the Parquet spec's name).
pub const MAP_ENTRIES: &str = "key_value";

/// The Arrow type of a Glue type (the type mapping's plain description, made concrete).
pub fn arrow_type(ty: &Type) -> DataType {
    data_type(&mapping::arrow(ty))
}

fn data_type(a: &Arrow) -> DataType {
    match a {
        Arrow::Boolean => DataType::Boolean,
        Arrow::Int8 => DataType::Int8,
        Arrow::Int16 => DataType::Int16,
        Arrow::Int32 => DataType::Int32,
        Arrow::Int64 => DataType::Int64,
        Arrow::Float32 => DataType::Float32,
        Arrow::Float64 => DataType::Float64,
        Arrow::Decimal128 { precision, scale } => {
            DataType::Decimal128(*precision, i8::try_from(*scale).unwrap_or(i8::MAX))
        }
        Arrow::Utf8 => DataType::Utf8,
        Arrow::Date32 => DataType::Date32,
        Arrow::TimestampMicrosUtc => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
        Arrow::List(items) => DataType::List(list_field(items)),
        Arrow::Map(key, value) => DataType::Map(map_entries_field(key, value), false),
        Arrow::Struct(fields) => DataType::Struct(struct_fields(fields)),
    }
}

fn list_field(items: &Arrow) -> Arc<Field> {
    Arc::new(Field::new(LIST_ITEM, data_type(items), true))
}

fn map_entries_field(key: &Arrow, value: &Arrow) -> Arc<Field> {
    Arc::new(Field::new(
        MAP_ENTRIES,
        DataType::Struct(Fields::from(vec![
            Field::new("key", data_type(key), false),
            Field::new("value", data_type(value), true),
        ])),
        false,
    ))
}

fn struct_fields(fields: &[(String, Arrow)]) -> Fields {
    fields
        .iter()
        .map(|(name, a)| Field::new(name, data_type(a), true))
        .collect()
}

/// The Arrow schema of an event's Parquet files (data columns only; partition columns live
/// in the path, as in the stack).
pub fn event_schema(event: &Event) -> Schema {
    Schema::new(
        event
            .fields
            .iter()
            .map(|f| Field::new(&f.name, arrow_type(&f.ty), true))
            .collect::<Vec<_>>(),
    )
}

/// A growable column of one Glue type.
#[derive(Debug, Clone)]
pub struct Col {
    /// One flag per slot: false for NULL.
    pub(crate) valid: Vec<bool>,
    /// The values.
    pub(crate) data: Data,
}

/// The values of a [`Col`]; a NULL slot holds a default value (or nothing, for nested).
#[derive(Debug, Clone)]
pub(crate) enum Data {
    Bool(Vec<bool>),
    Int8(Vec<i8>),
    Int16(Vec<i16>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Float32(Vec<f32>),
    Float64(Vec<f64>),
    Decimal {
        values: Vec<i128>,
        precision: u8,
        scale: u8,
    },
    Text {
        offsets: Vec<i32>,
        bytes: Vec<u8>,
    },
    Date(Vec<i32>),
    Timestamp(Vec<i64>),
    List {
        offsets: Vec<i32>,
        item: Box<Col>,
        field: Arc<Field>,
    },
    Map {
        offsets: Vec<i32>,
        keys: Box<Col>,
        values: Box<Col>,
        entries: Arc<Field>,
    },
    Struct {
        children: Vec<Col>,
        fields: Fields,
    },
}

impl Col {
    /// An empty column of type `ty`.
    pub fn new(ty: &Type) -> Self {
        Self::of(&mapping::arrow(ty))
    }

    fn of(a: &Arrow) -> Self {
        let data = match a {
            Arrow::Boolean => Data::Bool(Vec::new()),
            Arrow::Int8 => Data::Int8(Vec::new()),
            Arrow::Int16 => Data::Int16(Vec::new()),
            Arrow::Int32 => Data::Int32(Vec::new()),
            Arrow::Int64 => Data::Int64(Vec::new()),
            Arrow::Float32 => Data::Float32(Vec::new()),
            Arrow::Float64 => Data::Float64(Vec::new()),
            Arrow::Decimal128 { precision, scale } => Data::Decimal {
                values: Vec::new(),
                precision: *precision,
                scale: *scale,
            },
            Arrow::Utf8 => Data::Text {
                offsets: vec![0],
                bytes: Vec::new(),
            },
            Arrow::Date32 => Data::Date(Vec::new()),
            Arrow::TimestampMicrosUtc => Data::Timestamp(Vec::new()),
            Arrow::List(items) => Data::List {
                offsets: vec![0],
                item: Box::new(Col::of(items)),
                field: list_field(items),
            },
            Arrow::Map(key, value) => Data::Map {
                offsets: vec![0],
                keys: Box::new(Col::of(key)),
                values: Box::new(Col::of(value)),
                entries: map_entries_field(key, value),
            },
            Arrow::Struct(fields) => Data::Struct {
                children: fields.iter().map(|(_, a)| Col::of(a)).collect(),
                fields: struct_fields(fields),
            },
        };
        Self {
            valid: Vec::new(),
            data,
        }
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.valid.len()
    }

    /// Whether the column has no slots.
    pub fn is_empty(&self) -> bool {
        self.valid.is_empty()
    }

    /// Appends a NULL slot.
    pub fn push_null(&mut self) {
        self.valid.push(false);
        match &mut self.data {
            Data::Bool(v) => v.push(false),
            Data::Int8(v) => v.push(0),
            Data::Int16(v) => v.push(0),
            Data::Int32(v) | Data::Date(v) => v.push(0),
            Data::Int64(v) | Data::Timestamp(v) => v.push(0),
            Data::Float32(v) => v.push(0.0),
            Data::Float64(v) => v.push(0.0),
            Data::Decimal { values, .. } => values.push(0),
            Data::Text { offsets, .. } | Data::List { offsets, .. } | Data::Map { offsets, .. } => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
            }
            Data::Struct { children, .. } => {
                for c in children {
                    c.push_null();
                }
            }
        }
    }

    /// Cuts the column back to `len` slots (nested children included).
    pub fn truncate(&mut self, len: usize) {
        if self.valid.len() <= len {
            return;
        }
        self.valid.truncate(len);
        match &mut self.data {
            Data::Bool(v) => v.truncate(len),
            Data::Int8(v) => v.truncate(len),
            Data::Int16(v) => v.truncate(len),
            Data::Int32(v) | Data::Date(v) => v.truncate(len),
            Data::Int64(v) | Data::Timestamp(v) => v.truncate(len),
            Data::Float32(v) => v.truncate(len),
            Data::Float64(v) => v.truncate(len),
            Data::Decimal { values, .. } => values.truncate(len),
            Data::Text { offsets, bytes } => {
                offsets.truncate(len + 1);
                bytes.truncate(end_of(offsets));
            }
            Data::List { offsets, item, .. } => {
                offsets.truncate(len + 1);
                item.truncate(end_of(offsets));
            }
            Data::Map {
                offsets,
                keys,
                values,
                ..
            } => {
                offsets.truncate(len + 1);
                let end = end_of(offsets);
                keys.truncate(end);
                values.truncate(end);
            }
            Data::Struct { children, .. } => {
                for c in children {
                    c.truncate(len);
                }
            }
        }
    }

    /// Bytes held by text values in this column and its children (to bound batch size).
    pub fn text_bytes(&self) -> usize {
        match &self.data {
            Data::Text { bytes, .. } => bytes.len(),
            Data::List { item, .. } => item.text_bytes(),
            Data::Map { keys, values, .. } => keys.text_bytes() + values.text_bytes(),
            Data::Struct { children, .. } => children.iter().map(Col::text_bytes).sum(),
            _ => 0,
        }
    }

    /// Moves the buffered values into an Arrow array and leaves the column empty.
    pub fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let valid = std::mem::take(&mut self.valid);
        let nulls = if valid.iter().all(|v| *v) {
            None
        } else {
            Some(NullBuffer::from(valid))
        };
        let array: ArrayRef = match &mut self.data {
            Data::Bool(v) => Arc::new(BooleanArray::new(std::mem::take(v).into(), nulls)),
            Data::Int8(v) => Arc::new(Int8Array::new(take_buf(v), nulls)),
            Data::Int16(v) => Arc::new(Int16Array::new(take_buf(v), nulls)),
            Data::Int32(v) => Arc::new(Int32Array::new(take_buf(v), nulls)),
            Data::Int64(v) => Arc::new(Int64Array::new(take_buf(v), nulls)),
            Data::Float32(v) => Arc::new(Float32Array::new(take_buf(v), nulls)),
            Data::Float64(v) => Arc::new(Float64Array::new(take_buf(v), nulls)),
            Data::Date(v) => Arc::new(Date32Array::new(take_buf(v), nulls)),
            Data::Timestamp(v) => {
                Arc::new(TimestampMicrosecondArray::new(take_buf(v), nulls).with_timezone(UTC))
            }
            Data::Decimal {
                values,
                precision,
                scale,
            } => Arc::new(
                Decimal128Array::new(take_buf(values), nulls).with_precision_and_scale(
                    *precision,
                    i8::try_from(*scale).unwrap_or(i8::MAX),
                )?,
            ),
            Data::Text { offsets, bytes } => {
                let offsets = take_offsets(offsets);
                let bytes = Buffer::from_vec(std::mem::take(bytes));
                Arc::new(StringArray::try_new(offsets, bytes, nulls)?)
            }
            Data::List {
                offsets,
                item,
                field,
            } => {
                let offsets = take_offsets(offsets);
                let values = item.finish()?;
                Arc::new(ListArray::try_new(field.clone(), offsets, values, nulls)?)
            }
            Data::Map {
                offsets,
                keys,
                values,
                entries,
            } => {
                let offsets = take_offsets(offsets);
                let DataType::Struct(entry_fields) = entries.data_type() else {
                    return Err(ArrowError::SchemaError(
                        "map entries must be a struct".into(),
                    ));
                };
                let entry = StructArray::try_new(
                    entry_fields.clone(),
                    vec![keys.finish()?, values.finish()?],
                    None,
                )?;
                Arc::new(MapArray::try_new(
                    entries.clone(),
                    offsets,
                    entry,
                    nulls,
                    false,
                )?)
            }
            Data::Struct { children, fields } => {
                let arrays = children
                    .iter_mut()
                    .map(Col::finish)
                    .collect::<Result<Vec<_>, _>>()?;
                Arc::new(StructArray::try_new(fields.clone(), arrays, nulls)?)
            }
        };
        Ok(array)
    }
}

fn end_of(offsets: &[i32]) -> usize {
    offsets
        .last()
        .map_or(0, |o| usize::try_from(*o).unwrap_or(0))
}

fn take_buf<T: arrow::datatypes::ArrowNativeType>(v: &mut Vec<T>) -> ScalarBuffer<T> {
    ScalarBuffer::from(std::mem::take(v))
}

/// Takes the offsets and leaves `[0]` behind, ready for the next batch.
fn take_offsets(offsets: &mut Vec<i32>) -> OffsetBuffer<i32> {
    let taken = std::mem::replace(offsets, vec![0]);
    OffsetBuffer::new(ScalarBuffer::from(taken))
}
