//! One timestamp grammar (`eventlake_schema::time`), and everything that restates it held to
//! one table of accepted and rejected values (`schema/tests/fixtures/timestamps.json`): the
//! parser, the JSON Schema of a `timestamp` column (its `pattern` checks the layout only),
//! and the runtime's writer. The stack's JQ query is held to the same table in the
//! generator's tests (`event_time.rs`).

use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use eventlake::column::{Column, JsonWriter};
use eventlake::glue;
use eventlake_schema::time::{Instant, parse_epoch, parse_timestamp_str};
use eventlake_schema::{Type, mapping};

/// One row of the table.
struct Case {
    /// The value as a producer sends it (JSON text).
    json: String,
    /// The instant the grammar reads, in the canonical form; `None` when it rejects it.
    instant: Option<String>,
    /// Whether the JSON Schema accepts it (by default: whether the grammar does).
    schema: bool,
    note: String,
}

fn cases() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schema/tests/fixtures/timestamps.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows: Vec<Value> = serde_json::from_str(&text).expect("the table is JSON");
    rows.iter()
        .map(|r| {
            let instant = r["instant"].as_str().map(str::to_owned);
            Case {
                json: r["json"].as_str().expect("json").to_owned(),
                schema: r["schema"].as_bool().unwrap_or(instant.is_some()),
                instant,
                note: r["note"].as_str().expect("note").to_owned(),
            }
        })
        .collect()
}

/// What the grammar reads from a JSON value.
fn parse(json: &str) -> Option<Instant> {
    match serde_json::from_str::<Value>(json).ok()? {
        Value::String(s) => parse_timestamp_str(&s),
        Value::Number(_) => parse_epoch(json),
        _ => None,
    }
}

#[test]
fn the_grammar_and_the_json_schema_of_a_timestamp_read_the_table() {
    let schema = mapping::json_schema(&Type::Timestamp).expect("a scalar");
    let validator = jsonschema::validator_for(&schema).expect("the fragment compiles");
    let mut wrong = Vec::new();
    for c in cases() {
        let got = parse(&c.json).map(|i| i.format());
        if got != c.instant {
            wrong.push(format!(
                "{} ({}): grammar {got:?}, want {:?}",
                c.json, c.note, c.instant
            ));
        }
        let valid = validator.is_valid(&serde_json::from_str(&c.json).expect("JSON"));
        if valid != c.schema {
            wrong.push(format!(
                "{} ({}): JSON Schema valid {valid}",
                c.json, c.note
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_runtime_writes_what_the_grammar_reads_back() {
    let schema = mapping::json_schema(&Type::Timestamp).expect("a scalar");
    let validator = jsonschema::validator_for(&schema).expect("the fragment compiles");
    let accepted: Vec<Instant> = cases().iter().filter_map(|c| parse(&c.json)).collect();
    assert!(accepted.len() >= 10, "the table has accepted values");
    for at in accepted {
        let time = if at.secs >= 0 {
            UNIX_EPOCH + Duration::new(at.secs.unsigned_abs(), at.nanos)
        } else {
            UNIX_EPOCH - Duration::from_secs(at.secs.unsigned_abs())
                + Duration::from_nanos(at.nanos.into())
        };
        let mut out = JsonWriter::with_capacity(32);
        Column::<glue::Timestamp>::write_json(&time, &mut out);
        let written = String::from_utf8(out.into_bytes()).expect("UTF-8");
        assert_eq!(
            written,
            format!("\"{}\"", at.format()),
            "the canonical form"
        );
        assert_eq!(parse(&written), Some(at), "{written} reads back");
        let value: Value = serde_json::from_str(&written).expect("JSON");
        assert!(validator.is_valid(&value), "{written} fits the JSON Schema");
    }
}
