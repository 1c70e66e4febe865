//! Sample values: what one valid event looks like on the wire. The `example` of a field
//! wins; otherwise a deterministic, type-valid value is made up. Every field, optional or
//! not, is present so a sample shows every column.

use serde_json::{Map, Number, Value};

use crate::model::{Event, Field};
use crate::types::Type;

/// The sample instant, used for `timestamp` fields without an example.
pub const SAMPLE_TIMESTAMP: &str = "2024-01-31T12:34:56.789Z";
/// The sample date, used for `date` fields without an example.
pub const SAMPLE_DATE: &str = "2024-01-31";

/// One sample record of `event`, keyed by JSON keys, in column order.
pub fn sample_event(event: &Event) -> Value {
    sample_object(&event.fields)
}

fn sample_object(fields: &[Field]) -> Value {
    let mut out = Map::new();
    for f in fields {
        out.insert(f.json_key().to_owned(), sample_field(f));
    }
    Value::Object(out)
}

/// The sample value of one field: its example, or a made-up value of its type.
pub fn sample_field(field: &Field) -> Value {
    if let Some(example) = &field.example {
        return example.clone();
    }
    if let Some(first) = field.enum_values.first() {
        return Value::String(first.clone());
    }
    sample_of_type(&field.ty, &field.name)
}

/// A made-up, valid value of `ty`; `name` flavours text values.
pub fn sample_of_type(ty: &Type, name: &str) -> Value {
    match ty {
        Type::Boolean => Value::Bool(true),
        Type::Tinyint | Type::Smallint | Type::Int | Type::Bigint => {
            Value::Number(Number::from(42))
        }
        Type::Float | Type::Double => number("1.5"),
        Type::Decimal { precision, scale } => {
            let int = if precision > scale { "1" } else { "0" };
            let mut text = int.to_owned();
            if *scale > 0 {
                text.push_str(".5");
                text.push_str(&"0".repeat(usize::from(*scale) - 1));
            }
            number(&text)
        }
        Type::String => Value::String(format!("{name} example")),
        Type::Varchar { length } | Type::Char { length } => Value::String(
            format!("{name} example")
                .chars()
                .take(*length as usize)
                .collect(),
        ),
        Type::Date => Value::String(SAMPLE_DATE.to_owned()),
        Type::Timestamp => Value::String(SAMPLE_TIMESTAMP.to_owned()),
        Type::Array { items } => Value::Array(vec![sample_of_type(items, name)]),
        Type::Map { key, value } => {
            let mut m = Map::new();
            m.insert(sample_map_key(key), sample_of_type(value, name));
            Value::Object(m)
        }
        Type::Struct { fields } => sample_object(fields),
    }
}

/// A valid JSON object key for a map whose key type is `key`.
pub fn sample_map_key(key: &Type) -> String {
    match sample_of_type(key, "key") {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn number(text: &str) -> Value {
    text.parse::<Number>().map_or(Value::Null, Value::Number)
}
