//! JSON Schema (draft 2020-12) of each event as the producer sends it: JSON keys (not
//! column names), the value forms Firehose's OpenX deserializer accepts, nullability from
//! `required`, and no unknown keys (Firehose would silently drop them).

use serde_json::{Map, Value, json};

use eventlake_schema::{Event, Field, Type, mapping, sample};

use super::{Context, pretty_json};
use crate::output::Artifact;

/// `jsonschema/<event>.schema.json`.
pub fn render(cx: &Context<'_>) -> Result<Vec<Artifact>, crate::Error> {
    Ok(cx
        .schema
        .events
        .iter()
        .map(|e| {
            Artifact::new(
                format!("jsonschema/{}.schema.json", e.name),
                pretty_json(&event_schema(
                    e,
                    cx.header("").trim_start(),
                    &cx.schema.lake.name,
                )),
            )
        })
        .collect())
}

/// The JSON Schema of one event.
pub fn event_schema(event: &Event, comment: &str, lake: &str) -> Value {
    let mut root = Map::new();
    root.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    root.insert(
        "$id".into(),
        Value::String(format!("urn:eventlake:{lake}:{}", event.name)),
    );
    root.insert("$comment".into(), Value::String(comment.to_owned()));
    root.insert("title".into(), Value::String(event.name.clone()));
    if let Some(d) = &event.description {
        root.insert("description".into(), Value::String(d.clone()));
    }
    for (k, v) in object_schema(&event.fields) {
        root.insert(k, v);
    }
    root.insert(
        "examples".into(),
        Value::Array(vec![sample::sample_event(event)]),
    );
    Value::Object(root)
}

fn object_schema(fields: &[Field]) -> Map<String, Value> {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in fields {
        props.insert(f.json_key().to_owned(), field_schema(f));
        if f.required {
            required.push(Value::String(f.json_key().to_owned()));
        }
    }
    let mut out = Map::new();
    out.insert("type".into(), "object".into());
    out.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    out.insert("additionalProperties".into(), Value::Bool(false));
    out
}

fn field_schema(f: &Field) -> Value {
    let mut s = type_schema(&f.ty);
    if !f.enum_values.is_empty() {
        let mut values: Vec<Value> = f.enum_values.iter().cloned().map(Value::String).collect();
        if !f.required {
            values.push(Value::Null);
        }
        s.insert("enum".into(), Value::Array(values));
    }
    if !f.required {
        make_nullable(&mut s);
    }
    if let Some(doc) = &f.doc {
        s.insert("description".into(), Value::String(doc.clone()));
    }
    if let Some(ex) = &f.example {
        s.insert("examples".into(), Value::Array(vec![ex.clone()]));
    }
    Value::Object(s)
}

/// Adds `"null"` to the `type` this module has just built for the field (a name, or a list
/// of names for timestamps).
fn make_nullable(s: &mut Map<String, Value>) {
    match s.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            s.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(ts)) => ts.push("null".into()),
        _ => {}
    }
}

/// The schema of one Glue type's JSON value (non-null): the scalars' from the type
/// mapping, composed here for arrays, maps and structs.
pub fn type_schema(ty: &Type) -> Map<String, Value> {
    let v = match ty {
        Type::Array { items } => json!({"type": "array", "items": type_schema(items)}),
        Type::Map { key, value } => match mapping::json_key_pattern(key) {
            Some(pattern) => json!({
                "type": "object",
                "additionalProperties": type_schema(value),
                "propertyNames": {"pattern": pattern},
            }),
            None => json!({"type": "object", "additionalProperties": type_schema(value)}),
        },
        Type::Struct { fields } => Value::Object(object_schema(fields)),
        scalar => mapping::json_schema(scalar).unwrap_or_default(),
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
