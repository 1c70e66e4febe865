//! The JSON Schema of the events.toml format: the committed copy is current, it accepts
//! every valid fixture, and it lists exactly the keys the loader accepts.

use std::path::Path;

use eventlake_schema::load;

fn schema() -> serde_json::Value {
    eventlake_schema::format::json_schema()
}

#[test]
fn committed_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("events.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == eventlake_schema::format::json_schema_text(),
        "schema/events.schema.json is stale: run `cargo run -- schema-json --out schema/events.schema.json`"
    );
}

fn toml_to_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("readable");
    let value: toml::Value = toml::from_str(&text).expect("valid TOML");
    serde_json::to_value(value).expect("convertible")
}

#[test]
fn valid_lakes_match_the_format_schema() {
    let validator = jsonschema::validator_for(&schema()).expect("the format schema compiles");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![root.join("../events.toml")];
    for e in std::fs::read_dir(root.join("tests/fixtures/valid")).expect("fixtures") {
        paths.push(e.expect("entry").path());
    }
    for p in paths {
        let doc = toml_to_json(&p);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", p.display());
    }
}

#[test]
fn format_schema_rejects_unknown_keys() {
    let validator = jsonschema::validator_for(&schema()).expect("compiles");
    let doc = serde_json::json!({"lake": {"name": "shop", "shard": 1}, "events": {"a": {"fields": {"x": "int"}}}});
    assert!(!validator.is_valid(&doc));
    let doc = serde_json::json!({"lake": {"name": "shop"}, "events": {"a": {"fields": {"x": {"type": "int", "requird": true}}}}});
    assert!(!validator.is_valid(&doc));
}

fn property_names(def: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = def["properties"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
}

fn sorted(keys: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = keys.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

#[test]
fn format_schema_and_loader_accept_the_same_keys() {
    let s = schema();
    let defs = &s["$defs"];
    assert_eq!(property_names(&s), sorted(load::ROOT_KEYS));
    assert_eq!(property_names(&defs["LakeTable"]), sorted(load::LAKE_KEYS));
    assert_eq!(
        property_names(&defs["SettingsTable"]),
        sorted(load::SETTINGS_KEYS)
    );
    assert_eq!(
        property_names(&defs["FieldTable"]),
        sorted(load::FIELD_KEYS)
    );
    assert_eq!(
        property_names(&defs["ItemsTable"]),
        sorted(load::ITEMS_KEYS)
    );
    assert_eq!(
        property_names(&defs["AcceptTable"]),
        sorted(eventlake_schema::evolution::ACCEPT_KEYS)
    );
    let mut event_keys: Vec<&str> = load::EVENT_KEYS.to_vec();
    event_keys.extend(load::SETTINGS_KEYS);
    let event = &defs["EventTable"];
    let mut names = property_names(event);
    // flattened settings appear through `allOf`/`$ref` or inline depending on schemars
    if let Some(all) = event["allOf"].as_array() {
        for part in all {
            if let Some(r) = part["$ref"].as_str() {
                let name = r.trim_start_matches("#/$defs/");
                names.extend(property_names(&defs[name]));
            }
        }
    }
    names.sort();
    assert_eq!(names, sorted(&event_keys));
}

#[test]
fn format_schema_limits_event_names_as_the_loader_does() {
    let pattern = schema()["properties"]["events"]["propertyNames"]["pattern"].clone();
    let max = eventlake_schema::names::MAX_EVENT_NAME_LEN;
    assert_eq!(pattern, format!("^[a-z][a-z0-9_]{{0,{}}}$", max - 1));
}

/// Every key of the format (the `properties` of every definition), every enumerated value
/// and every type name, collected from the committed JSON Schema and the type table.
fn documented_words() -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(props) = m.get("properties").and_then(|p| p.as_object()) {
                    out.extend(props.keys().cloned());
                }
                if let Some(values) = m.get("enum").and_then(|e| e.as_array()) {
                    out.extend(values.iter().filter_map(|x| x.as_str().map(str::to_owned)));
                }
                if let Some(c) = m.get("const").and_then(|c| c.as_str()) {
                    out.push(c.to_owned());
                }
                m.values().for_each(|x| walk(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("events.schema.json");
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON");
    let mut words = Vec::new();
    walk(&committed, &mut words);
    words.extend(
        eventlake_schema::types::type_names()
            .into_iter()
            .map(str::to_owned),
    );
    words.sort();
    words.dedup();
    words
}

#[test]
fn the_schema_reference_page_describes_every_key_value_and_type() {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schema-reference.md");
    let text = std::fs::read_to_string(&page).expect("docs/schema-reference.md");
    let words = documented_words();
    assert!(words.len() > 40, "too few keys found: {words:?}");
    let missing: Vec<&String> = words
        .iter()
        .filter(|w| {
            !text.contains(&format!("`{w}`"))
                && !text.contains(&format!("`{w}<"))
                && !text.contains(&format!("`{w}("))
                && !text.contains(&format!("\"{w}\""))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/schema-reference.md does not mention {missing:?}"
    );
}
