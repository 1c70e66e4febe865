//! `to_record()` of the generated producer structs: the bytes Firehose's OpenX JSON
//! deserializer receives.
//!
//! Each test builds the struct the generator wrote for the example lake, filled with the same
//! values as `eventlake_schema::sample::sample_event` (an independent implementation that
//! walks the schema, not the Rust struct), and compares the records. On top, it asserts the
//! properties Firehose depends on: keys are the columns' JSON keys, timestamps are in an
//! OpenX-accepted form with `Z`, dates are `yyyy-MM-dd`, decimals are exact JSON numbers, and
//! every record validates against the event's generated JSON Schema
//! (`out/jsonschema/<event>.schema.json`, compiled with the `jsonschema` crate, formats
//! checked).

use std::collections::BTreeMap;
use std::str::FromStr;

use eventlake::DatalakeEvent;
use eventlake::chrono::{DateTime, NaiveDate, Utc};
use eventlake::rust_decimal::Decimal;
use eventlake_schema::{Event, Schema, Type};
use eventlake_tests::shop::*;
use serde_json::Value;

fn schema() -> Schema {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events.toml");
    eventlake_schema::load_path(&path)
        .expect("the example lake is valid")
        .schema
}

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid RFC 3339")
        .with_timezone(&Utc)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("valid decimal")
}

fn order() -> OrderPlaced {
    OrderPlaced {
        order_id: "5f0c6d1e-8a4b-4c8e-9d7a-2b1f3e4a5c6d".into(),
        occurred_at: ts("2024-05-01T09:30:00Z"),
        customer_id: 1042,
        total: dec("129.90"),
        currency: Some(OrderPlacedCurrency::Eur),
        items: Some(vec![OrderPlacedItems {
            sku: Some("sku example".into()),
            quantity: Some(42),
            unit_price: Some(dec("1.50")),
        }]),
        shipping: Some(OrderPlacedShipping {
            city: Some("city example".into()),
            zip: Some("zip example".into()),
            geo: Some(OrderPlacedShippingGeo {
                lat: Some(1.5),
                lon: Some(1.5),
            }),
        }),
        attributes: Some(BTreeMap::from([(
            "key example".to_owned(),
            "attributes example".to_owned(),
        )])),
        is_test: Some(true),
    }
}

/// An order with only its required columns.
fn minimal_order() -> OrderPlaced {
    OrderPlaced {
        items: None,
        shipping: None,
        attributes: None,
        currency: None,
        is_test: None,
        ..order()
    }
}

fn payment() -> PaymentCaptured {
    PaymentCaptured {
        payment_id: "payment_id example".into(),
        order_id: "order_id example".into(),
        captured_at: ts(eventlake_schema::sample::SAMPLE_TIMESTAMP),
        amount: dec("129.90"),
        method: PaymentCapturedMethod::Card,
        merchant_id: Some(42),
        date: NaiveDate::from_ymd_opt(2024, 5, 2),
        attempt: Some(1),
        installments: Some(42),
        fee_rate: Some(1.5),
        risk_score: Some(1.5),
        processor_ref: Some("processor_ref example".into()),
        country: Some("DE".into()),
    }
}

fn staff() -> StaffUpdated {
    StaffUpdated {
        staff_name: "Balu Vyamajala".into(),
        staff_id: 4,
        email_id: Some("balu@initechglobal.com".into()),
        status: Some(StaffUpdatedStatus::Active),
        source_timestamp: ts("2020-01-05T01:05:00.000Z"),
        metadata: Some(StaffUpdatedMetadata {
            appname: Some("appname example".into()),
            eventtype: Some("eventtype example".into()),
        }),
    }
}

fn record<E: DatalakeEvent>(e: &E) -> (String, Value) {
    let bytes = e.to_record();
    let text = String::from_utf8(bytes).expect("records are UTF-8");
    let value: Value = serde_json::from_str(&text).expect("records are one JSON value");
    assert!(value.is_object(), "a record is one JSON object: {text}");
    assert!(!text.ends_with('\n'));
    (text, value)
}

/// Replaces every timestamp string by its canonical form, so the comparison with the sample
/// does not depend on how an example instant was spelled.
fn canonical_timestamps(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some(i) = eventlake_schema::time::parse_timestamp_str(s) {
                *s = i.format();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(canonical_timestamps),
        Value::Object(o) => o.values_mut().for_each(canonical_timestamps),
        _ => {}
    }
}

/// Walks a record along the schema: keys are exactly the JSON keys (in column order), and
/// every value has the wire form of its Glue type. Returns the number of values checked.
fn check_wire_forms(fields: &[eventlake_schema::Field], v: &Value, path: &str) -> usize {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{path} is not an object: {v}"));
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    let expected: Vec<&str> = fields
        .iter()
        .map(|f| f.json_key())
        .filter(|k| obj.contains_key(*k))
        .collect();
    assert_eq!(
        keys, expected,
        "keys of {path} are the JSON keys, in column order"
    );
    fields
        .iter()
        .filter_map(|f| obj.get(f.json_key()).map(|val| (f, val)))
        .map(|(f, val)| check_value(&f.ty, val, &format!("{path}.{}", f.name)))
        .sum()
}

fn check_value(ty: &Type, v: &Value, path: &str) -> usize {
    match ty {
        Type::Timestamp => {
            let s = v.as_str().unwrap_or_else(|| panic!("{path}: {v}"));
            assert!(
                eventlake_schema::time::parse_timestamp_str(s).is_some(),
                "{path}: `{s}` is not an OpenX timestamp form"
            );
            assert!(
                s.ends_with('Z') && !s.contains('+'),
                "{path}: `{s}` must be UTC with `Z`"
            );
            1
        }
        Type::Date => {
            let s = v.as_str().unwrap_or_else(|| panic!("{path}: {v}"));
            assert!(
                eventlake_schema::time::parse_date(s).is_some(),
                "{path}: `{s}`"
            );
            1
        }
        Type::Decimal { scale, .. } => {
            let n = v
                .as_number()
                .unwrap_or_else(|| panic!("{path}: a decimal is a JSON number, got {v}"));
            let text = n.to_string();
            let digits = text.split_once('.').map_or(0, |(_, f)| f.len());
            assert!(
                !text.contains(['e', 'E']),
                "{path}: `{text}` has an exponent"
            );
            assert!(
                digits <= usize::from(*scale),
                "{path}: `{text}` has more than {scale} decimals"
            );
            1
        }
        Type::Array { items } => v
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {v}"))
            .iter()
            .map(|item| check_value(items, item, path))
            .sum(),
        Type::Map { value, .. } => v
            .as_object()
            .unwrap_or_else(|| panic!("{path}: {v}"))
            .values()
            .map(|item| check_value(value, item, path))
            .sum(),
        Type::Struct { fields } => check_wire_forms(fields, v, path),
        Type::Boolean => usize::from(v.is_boolean()),
        t if t.is_integer() => usize::from(v.as_i64().is_some()),
        t if t.is_text() => usize::from(v.is_string()),
        _ => usize::from(v.is_number()),
    }
}

/// The generated JSON Schema of `event`, compiled, with `format` checked (2020-12 only
/// annotates formats by default).
fn json_schema(event: &str) -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../out/jsonschema")
        .join(format!("{event}.schema.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `eventlake gen`)", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("the generated schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} compiles: {e}", path.display()))
}

fn assert_valid_against_json_schema(text: &str, value: &Value, event: &str) {
    let errors: Vec<String> = json_schema(event)
        .iter_errors(value)
        .map(|e| format!("{e} at `{}`", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "record of {event} does not match out/jsonschema/{event}.schema.json: {errors:#?}\n{text}"
    );
}

fn assert_matches_sample<E: DatalakeEvent>(e: &E, event: &Event) {
    let (text, mut got) = record(e);
    assert_valid_against_json_schema(&text, &got, &event.name);
    let fields = check_wire_forms(&event.fields, &got, &event.name);
    assert!(
        fields >= event.fields.len(),
        "every column was checked in {text}"
    );
    let mut want = eventlake_schema::sample::sample_event(event);
    canonical_timestamps(&mut got);
    canonical_timestamps(&mut want);
    assert_eq!(
        got, want,
        "record of {} differs from the schema's sample",
        event.name
    );
}

#[test]
fn records_equal_the_schema_samples() {
    let schema = schema();
    let event = |n: &str| schema.event(n).cloned().expect("declared");
    assert_matches_sample(&order(), &event("order_placed"));
    assert_matches_sample(&payment(), &event("payment_captured"));
    assert_matches_sample(&staff(), &event("staff_updated"));
}

#[test]
fn every_record_validates_against_its_json_schema() {
    let schema = schema();
    let minimal = minimal_order();
    let mut precise = order();
    precise.occurred_at = ts("2024-05-01T09:30:00.123456789Z");
    precise.total = dec("-9999999999.99");
    let records: Vec<(&str, Vec<u8>)> = vec![
        (OrderPlaced::EVENT, order().to_record()),
        (OrderPlaced::EVENT, minimal.to_record()),
        (OrderPlaced::EVENT, precise.to_record()),
        (PaymentCaptured::EVENT, payment().to_record()),
        (StaffUpdated::EVENT, staff().to_record()),
    ];
    for e in &schema.events {
        assert!(
            records.iter().any(|(name, _)| *name == e.name),
            "no record of event `{}` is validated",
            e.name
        );
    }
    for (event, bytes) in records {
        let text = String::from_utf8(bytes).expect("UTF-8");
        let value: Value = serde_json::from_str(&text).expect("JSON");
        assert_valid_against_json_schema(&text, &value, event);
    }
    // The check is not a rubber stamp: an offset timestamp (which OpenX rejects) fails it.
    let mut bad: Value = serde_json::from_slice(&order().to_record()).expect("JSON");
    bad["occurred_at"] = Value::from("2024-05-01T09:30:00+00:00");
    assert!(!json_schema(OrderPlaced::EVENT).is_valid(&bad), "{bad}");
}

#[test]
fn exact_bytes_of_a_record() {
    let (text, _) = record(&staff());
    assert_eq!(
        text,
        r#"{"staffName":"Balu Vyamajala","staffId":4,"emailId":"balu@initechglobal.com","status":"Active","sourceTimestamp":"2020-01-05T01:05:00.000Z","metadata":{"appName":"appname example","eventType":"eventtype example"}}"#
    );
}

#[test]
fn decimals_are_exact_and_timestamps_keep_their_precision() {
    let mut o = order();
    o.total = dec("9999999999.99");
    o.occurred_at = ts("2024-05-01T09:30:00.123456Z");
    let (text, _) = record(&o);
    assert!(text.contains(r#""total":9999999999.99,"#), "{text}");
    assert!(
        text.contains(r#""occurred_at":"2024-05-01T09:30:00.123456Z""#),
        "{text}"
    );
    // An offset in the input never reaches the record: the type is `DateTime<Utc>`.
    o.occurred_at = ts("2024-05-01T11:30:00+02:00");
    let (text, _) = record(&o);
    assert!(
        text.contains(r#""occurred_at":"2024-05-01T09:30:00.000Z""#),
        "{text}"
    );
}

#[test]
fn none_leaves_columns_out() {
    let mut o = order();
    o.items = None;
    o.shipping = None;
    o.attributes = None;
    o.currency = None;
    o.is_test = None;
    let (_, v) = record(&o);
    let keys: Vec<&str> = v
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(keys, ["order_id", "occurred_at", "customer_id", "total"]);
}

#[test]
fn event_constants_and_partition_keys() {
    let schema = schema();
    assert_eq!(OrderPlaced::EVENT, "order_placed");
    assert_eq!(OrderPlaced::LAKE, "shop");
    assert_eq!(OrderPlaced::STREAM, "shop-order_placed");
    assert_eq!(
        OrderPlaced::SCHEMA_FINGERPRINT,
        schema
            .event("order_placed")
            .map(Event::fingerprint)
            .unwrap_or_default()
    );
    assert_ne!(
        OrderPlaced::SCHEMA_FINGERPRINT,
        PaymentCaptured::SCHEMA_FINGERPRINT
    );
    assert_eq!(order().partition_key(), "1042");
    assert_eq!(payment().partition_key(), "order_id example");
    assert_eq!(staff().partition_key(), "4");
}

/// The bytes the generated producers send convert in the local lake (the same OpenX rules
/// as Firehose) without a single failure, missing required column or unknown enum value.
#[test]
fn records_ingest_into_the_local_lake_without_errors() {
    let schema = schema();
    let minimal = minimal_order();
    let batches: Vec<(&str, Vec<Vec<u8>>)> = vec![
        (
            OrderPlaced::EVENT,
            vec![order().to_record(), minimal.to_record()],
        ),
        (PaymentCaptured::EVENT, vec![payment().to_record()]),
        (StaffUpdated::EVENT, vec![staff().to_record()]),
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    let lake = tmp.path().to_path_buf();
    let opts = eventlake_local::IngestOptions {
        lake_dir: lake.clone(),
        // A pinned arrival: the partitions do not depend on the day the test runs.
        arrival: eventlake_local::parse_arrival("2024-01-05T00:00:30Z"),
        threads: 1,
    };
    for (event, records) in &batches {
        let slices: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let report = eventlake_local::ingest_records(&schema, event, &slices, &opts)
            .unwrap_or_else(|e| panic!("ingest of {event} failed: {e}"));
        assert_eq!(report.failed, 0, "{event}: {:?}", report.examples);
        assert!(
            report.required_missing.is_empty(),
            "{event}: {:?}",
            report.required_missing
        );
        assert_eq!(
            report.not_in_enum_count(),
            0,
            "{event}: {:?}",
            report.not_in_enum
        );
        assert_eq!(report.converted, records.len());
        assert!(!report.files.is_empty());
    }
}
