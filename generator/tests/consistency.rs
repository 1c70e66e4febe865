//! Cross-artefact consistency: for every event of every valid lake, the column names, order
//! and types agree between the stack's Glue table, `glue/<event>.table.json`,
//! `glue/<event>.columns.json`, the DDL (parsed with sqlglot), the JSON Schema and the
//! sample; the stack's named queries are the starter queries; every sample validates against
//! its JSON Schema (Python `jsonschema`, Draft 2020-12, formats checked); the Glue
//! `TableInput` and the Firehose conversion config validate against botocore's service
//! models. One Python process checks all lakes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use eventlake_cli::targets::athena;
use eventlake_schema::Type;
use eventlake_schema::types::parse_type;

use crate::athena::{context, run_check};
use crate::common;

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `[name, type]` pairs of a Glue column list.
fn name_types(cols: &Value, name: &str, ty: &str) -> Vec<(String, String)> {
    cols.as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    (
                        c[name].as_str().unwrap_or_default().to_owned(),
                        c[ty].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Glue tables by table name and named queries by query name, as JSON.
type StackResources = (BTreeMap<String, Value>, BTreeMap<String, Value>);

/// The Glue tables and named queries of every CloudFormation template in `dir`.
fn stack_resources(dir: &Path) -> StackResources {
    let mut tables = BTreeMap::new();
    let mut queries = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if !path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            let yaml: serde_norway::Value =
                serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let Some(resources) = yaml.get("Resources").and_then(|r| r.as_mapping()) else {
                continue;
            };
            for (_, res) in resources {
                let ty = res.get("Type").and_then(|t| t.as_str()).unwrap_or_default();
                let props = res.get("Properties");
                let plain = |v: Option<&serde_norway::Value>| -> Value {
                    v.and_then(|v| serde_json::to_value(v).ok())
                        .unwrap_or(Value::Null)
                };
                match ty {
                    "AWS::Glue::Table" => {
                        let input = plain(props.and_then(|p| p.get("TableInput")));
                        let name = input["Name"].as_str().unwrap_or_default().to_owned();
                        tables.insert(name, input);
                    }
                    "AWS::Athena::NamedQuery" => {
                        let name = plain(props.and_then(|p| p.get("Name")));
                        let sql = plain(props.and_then(|p| p.get("QueryString")));
                        queries.insert(name.as_str().unwrap_or_default().to_owned(), sql);
                    }
                    _ => {}
                }
            }
        }
    }
    (tables, queries)
}

/// The JSON types a Glue type's values may take (without `null`).
fn json_types(ty: &Type) -> &'static [&'static str] {
    match ty {
        Type::Boolean => &["boolean"],
        t if t.is_integer() => &["integer"],
        Type::Float | Type::Double | Type::Decimal { .. } => &["number"],
        Type::Timestamp => &["string", "number"],
        t if t.is_text() => &["string"],
        Type::Date => &["string"],
        Type::Array { .. } => &["array"],
        _ => &["object"],
    }
}

/// Checks one property schema against a Glue type; `required` says whether null is allowed.
fn check_property(what: &str, schema: &Value, ty: &Type, required: bool) {
    let mut types: Vec<&str> = match &schema["type"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        other => panic!("{what}: no `type` in the JSON Schema ({other})"),
    };
    let nullable = types.contains(&"null");
    types.retain(|t| *t != "null");
    assert_eq!(
        nullable, !required,
        "{what}: nullability disagrees with `required`"
    );
    assert_eq!(
        types,
        json_types(ty),
        "{what}: JSON type does not fit Glue type `{ty}`"
    );
    match ty {
        Type::Array { items } => {
            check_property(&format!("{what}[]"), &schema["items"], items, true)
        }
        Type::Map { value, .. } => {
            check_property(
                &format!("{what}{{}}"),
                &schema["additionalProperties"],
                value,
                true,
            );
        }
        Type::Struct { fields } => {
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            check_object(what, schema, &names, &BTreeMap::new(), |i| &fields[i].ty);
        }
        _ => {}
    }
}

/// Checks an object schema: its property keys are, in order, the JSON keys of `columns`
/// (a key maps to a column when it is the column name up to case, or by `mappings`, the
/// Firehose `ColumnToJsonKeyMappings`).
fn check_object<'t>(
    what: &str,
    schema: &Value,
    columns: &[&str],
    mappings: &BTreeMap<String, String>,
    ty_of: impl Fn(usize) -> &'t Type,
) {
    let props = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: no `properties`"));
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        props.len(),
        columns.len(),
        "{what}: property count vs column count"
    );
    for (i, ((key, prop), column)) in props.iter().zip(columns).enumerate() {
        let lower = key.to_lowercase();
        let maps = lower == *column || mappings.get(*column) == Some(&lower);
        assert!(
            maps,
            "{what}: JSON key `{key}` (position {i}) does not map to column `{column}`"
        );
        check_property(
            &format!("{what}.{key}"),
            prop,
            ty_of(i),
            required.contains(&key.as_str()),
        );
    }
}

/// Checks that the sample has the schema's keys in order, recursively through objects.
fn check_sample_keys(what: &str, sample: &Value, schema: &Value) {
    let (Some(obj), Some(props)) = (sample.as_object(), schema["properties"].as_object()) else {
        return;
    };
    let keys: Vec<&String> = obj.keys().collect();
    let want: Vec<&String> = props.keys().collect();
    assert_eq!(keys, want, "{what}: sample keys vs JSON Schema properties");
    for (k, v) in obj {
        check_sample_keys(&format!("{what}.{k}"), v, &props[k]);
        if let (Some(items), Some(item_schema)) = (v.as_array(), props[k].get("items")) {
            for item in items {
                check_sample_keys(&format!("{what}.{k}[]"), item, item_schema);
            }
        }
    }
}

struct EventFiles {
    id: String,
    lake: String,
    index: usize,
    name: String,
    dir: PathBuf,
}

#[test]
fn every_artefact_agrees_on_the_columns() {
    let lakes: Vec<_> = common::valid_lakes()
        .into_iter()
        .map(|(lake, path)| {
            let schema = common::load(&path);
            let dir = common::render_to_dir(&schema);
            (lake, schema, dir)
        })
        .collect();
    let mut events = Vec::new();
    for (lake, schema, dir) in &lakes {
        for (index, e) in schema.events.iter().enumerate() {
            events.push(EventFiles {
                id: format!("{lake}/{}", e.name),
                lake: lake.clone(),
                index,
                name: e.name.clone(),
                dir: dir.path().to_path_buf(),
            });
        }
    }
    let file = |ev: &EventFiles, rel: String| ev.dir.join(rel).display().to_string();
    let request: Vec<Value> = events
        .iter()
        .map(|ev| {
            let n = &ev.name;
            json!({
                "id": ev.id,
                "ddl": file(ev, format!("athena/{n}.ddl.sql")),
                "table": file(ev, format!("glue/{n}.table.json")),
                "errors_table": file(ev, format!("glue/errors/{n}.table.json")),
                "conversion": file(ev, format!("firehose/{n}.conversion.json")),
                "schema": file(ev, format!("jsonschema/{n}.schema.json")),
                "sample": file(ev, format!("samples/{n}.json")),
            })
        })
        .collect();
    let answer = run_check("consistency", &json!({ "events": request }));

    let mut stacks: BTreeMap<String, StackResources> = BTreeMap::new();
    for (lake, _, dir) in &lakes {
        stacks.insert(
            lake.clone(),
            stack_resources(&dir.path().join("cloudformation")),
        );
    }
    for ev in &events {
        let what = format!("lake {}, event {}", ev.lake, ev.name);
        let got = &answer[ev.id.as_str()];
        for key in [
            "ddl_error",
            "schema_errors",
            "sample_errors",
            "glue_errors",
            "firehose_errors",
        ] {
            let v = &got[key];
            assert!(
                v.is_null() || v.as_array().is_some_and(Vec::is_empty),
                "{what}: {key}: {v:#}"
            );
        }
        let n = &ev.name;
        let table = read_json(&ev.dir.join(format!("glue/{n}.table.json")));
        let columns_json = read_json(&ev.dir.join(format!("glue/{n}.columns.json")));
        let conversion = read_json(&ev.dir.join(format!("firehose/{n}.conversion.json")));
        let schema = read_json(&ev.dir.join(format!("jsonschema/{n}.schema.json")));
        let sample = read_json(&ev.dir.join(format!("samples/{n}.json")));

        // Glue: the table's columns, the columns file, the DDL and the stack.
        let glue_cols = name_types(&table["StorageDescriptor"]["Columns"], "Name", "Type");
        let glue_parts = name_types(&table["PartitionKeys"], "Name", "Type");
        assert!(!glue_cols.is_empty(), "{what}: no columns");
        assert_eq!(
            columns_json, table["StorageDescriptor"]["Columns"],
            "{what}: columns.json vs table.json"
        );
        assert_eq!(
            name_types(&got["ddl"]["columns"], "name", "type"),
            glue_cols,
            "{what}: DDL columns"
        );
        assert_eq!(
            name_types(&got["ddl"]["partitions"], "name", "type"),
            glue_parts,
            "{what}: DDL partitions"
        );
        let (stack_tables, stack_queries) = &stacks[&ev.lake];
        let stack_table = stack_tables
            .get(n)
            .unwrap_or_else(|| panic!("{what}: no AWS::Glue::Table named {n} in the stack"));
        assert_eq!(
            name_types(&stack_table["StorageDescriptor"]["Columns"], "Name", "Type"),
            glue_cols,
            "{what}: stack columns"
        );
        assert_eq!(
            name_types(&stack_table["PartitionKeys"], "Name", "Type"),
            glue_parts,
            "{what}: stack partitions"
        );
        assert_eq!(
            conversion["SchemaConfiguration"]["TableName"],
            json!(n),
            "{what}: conversion table"
        );

        // The stack's named queries are the starter queries.
        let (_, schema_model, _) = lakes
            .iter()
            .find(|(l, _, _)| *l == ev.lake)
            .unwrap_or_else(|| panic!("{what}: lake"));
        let cx = context(schema_model);
        for q in athena::starter_queries(&cx, ev.index) {
            let sql = stack_queries
                .get(&q.name)
                .unwrap_or_else(|| panic!("{what}: no named query {:?} in the stack", q.name));
            assert_eq!(
                sql.as_str().map(str::trim_end),
                Some(q.sql.as_str()),
                "{what}: named query {}",
                q.name
            );
        }

        // JSON Schema: property keys are the columns' JSON keys, in order, with fitting types.
        let types: Vec<Type> = glue_cols
            .iter()
            .map(|(c, t)| {
                parse_type(t, 0..0)
                    .unwrap_or_else(|e| panic!("{what}: column {c}: `{t}`: {}", e.message))
            })
            .collect();
        let names: Vec<&str> = glue_cols.iter().map(|(c, _)| c.as_str()).collect();
        let mappings: BTreeMap<String, String> = conversion["InputFormatConfiguration"]["Deserializer"]
            ["OpenXJsonSerDe"]["ColumnToJsonKeyMappings"]
            .as_object()
            .unwrap_or(&Map::new())
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        check_object(&what, &schema, &names, &mappings, |i| &types[i]);

        // The sample: the schema's keys, in order.
        check_sample_keys(&what, &sample, &schema);
    }
}

#[test]
fn data_dictionary_lists_every_column_with_its_glue_type() {
    for (lake, path) in common::valid_lakes() {
        let schema = common::load(&path);
        let artifacts = common::render(&schema);
        let readme = artifacts
            .iter()
            .find(|a| a.path == "README.md")
            .unwrap_or_else(|| panic!("lake {lake}: no README.md"));
        assert!(
            readme.contents.starts_with("<!-- @generated"),
            "lake {lake}: header"
        );
        for e in &schema.events {
            assert!(
                readme.contents.contains(&format!("\n### {}\n", e.name)),
                "lake {lake}: section {}",
                e.name
            );
            for c in eventlake_cli::targets::glue::columns(e) {
                let row = format!("| `{}` | `{}` |", c.name, c.glue_type);
                assert!(
                    readme.contents.contains(&row),
                    "lake {lake}, event {}: no row {row}",
                    e.name
                );
            }
        }
    }
}
