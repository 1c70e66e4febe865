//! One test per conversion rule (docs/local-lake.md), each with good and bad records,
//! asserting the Parquet rows, the error documents and that nothing is lost.

use crate::common::{ARRIVAL, files_under, ingest, schema};

const SHOP: &str = r#"
[lake]
name = "shop"

[events.order.fields]
order_id = { type = "string", required = true }
total = "decimal(12,2)"
qty = "int"
small = "tinyint"
ratio = "double"
is_test = "boolean"
staff_name = { type = "string", json = "staffName" }
status = { type = "string", enum = ["new", "paid"] }
at = "timestamp"
on_day = "date"
code = "varchar(3)"
tags = "array<string>"
attrs = "map<string,int>"
ship = { type = "struct", fields = { city = "string", geo = "struct<lat:double,lon:double>" } }
"#;

fn shop() -> eventlake_schema::Schema {
    schema(SHOP)
}

/// Column indexes of SHOP.
const ORDER_ID: usize = 0;
const TOTAL: usize = 1;
const QTY: usize = 2;
const STAFF: usize = 6;
const STATUS: usize = 7;
const AT: usize = 8;
const DAY: usize = 9;
const TAGS: usize = 11;
const ATTRS: usize = 12;
const SHIP: usize = 13;

#[test]
fn keys_match_case_insensitively_at_every_level() {
    let lake = ingest(
        &shop(),
        "order",
        &[
            r#"{"ORDER_ID":"a","Total":1.5,"Ship":{"CITY":"Oslo","Geo":{"LAT":1.0}}}"#,
            r#"{"order_id":"b","ship":{"city":"Rome"}}"#,
        ],
    );
    assert_eq!(lake.column(ORDER_ID), ["a", "b"]);
    assert_eq!(lake.column(TOTAL), ["1.50", "NULL"]);
    assert_eq!(
        lake.column(SHIP),
        [
            "{city: Oslo, geo: {lat: 1.0, lon: NULL}}",
            "{city: Rome, geo: NULL}"
        ]
    );
    // Keys in any order, at every level (the lookup tries the member after the previous
    // match first, so out-of-order keys take the other path).
    let lake = ingest(
        &shop(),
        "order",
        &[r#"{"ship":{"geo":{"lon":2.0,"LAT":1.0},"City":"Oslo"},"total":1.5,"ORDER_ID":"c"}"#],
    );
    assert_eq!(lake.column(ORDER_ID), ["c"]);
    assert_eq!(lake.column(TOTAL), ["1.50"]);
    assert_eq!(
        lake.column(SHIP),
        ["{city: Oslo, geo: {lat: 1.0, lon: 2.0}}"]
    );
    // Two keys that differ only in case: undocumented, rejected (conservative), also when
    // the second one is exactly where the lookup looks first.
    for record in [
        r#"{"order_id":"a","ORDER_ID":"b"}"#,
        r#"{"total":1,"order_id":"a","Total":2}"#,
        r#"{"ship":{"geo":null,"city":"a","GEO":null}}"#,
    ] {
        let lake = ingest(&shop(), "order", &[record]);
        assert_eq!(
            lake.error_codes(),
            ["DataFormatConversion.MalformedData"],
            "{record}"
        );
    }
}

#[test]
fn json_renames_read_the_producer_key_only() {
    let lake = ingest(
        &shop(),
        "order",
        &[
            r#"{"order_id":"a","staffName":"Ann"}"#,
            r#"{"order_id":"b","STAFFNAME":"Bob"}"#,
            r#"{"order_id":"c","staff_name":"not mapped"}"#,
        ],
    );
    assert_eq!(lake.column(STAFF), ["Ann", "Bob", "NULL"]);
}

#[test]
fn unknown_keys_are_dropped_and_missing_keys_are_null() {
    let lake = ingest(
        &shop(),
        "order",
        &[
            r#"{"order_id":"a","unknown":{"deep":[1,2,{"x":null}]},"also":"x"}"#,
            r#"{"order_id":"b","qty":null,"tags":null,"ship":null}"#,
            r#"{}"#,
        ],
    );
    let rows = lake.rows();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].len(), 14, "only schema columns are written");
    assert!(rows[1][QTY..].iter().all(|c| c == "NULL"), "{:?}", rows[1]);
    assert!(rows[2].iter().all(|c| c == "NULL"), "{:?}", rows[2]);
    // A required column may be missing: stored as NULL and counted, not rejected.
    assert_eq!(lake.report.required_missing.get("order_id"), Some(&1));
}

#[test]
fn timestamp_forms_accepted_and_rejected() {
    let good = [
        r#"{"at":"2024-01-05T01:05:00.000Z"}"#,
        r#"{"at":"2024-01-05T01:05:00Z"}"#,
        r#"{"at":"2024-01-05 01:05:00.5"}"#,
        r#"{"at":"2024-1-5 01:05:00"}"#,
        r#"{"at":1704416700}"#,
        r#"{"at":1704416700123}"#,
        r#"{"at":1704416700.25}"#,
    ];
    let lake = ingest(&shop(), "order", &good);
    assert_eq!(
        lake.column(AT),
        [
            "2024-01-05T01:05:00Z",
            "2024-01-05T01:05:00Z",
            "2024-01-05T01:05:00.500Z",
            "2024-01-05T01:05:00Z",
            "2024-01-05T01:05:00Z",
            "2024-01-05T01:05:00.123Z",
            "2024-01-05T01:05:00.250Z",
        ]
    );
    let bad = [
        r#"{"at":"2024-01-05T01:05:00+00:00"}"#,
        r#"{"at":"2024-01-05"}"#,
        r#"{"at":"2024-01-05T01:05:00"}"#,
        r#"{"at":"1704416700"}"#,
        r#"{"at":true}"#,
        r#"{"at":1e9}"#,
    ];
    let lake = ingest(&shop(), "order", &bad);
    assert_eq!(lake.report.converted, 0);
    assert!(
        lake.error_codes()
            .iter()
            .all(|c| c == "DataFormatConversion.MalformedData")
    );
    let docs = lake.errors();
    let msg = docs[0].1["lastErrorMessage"].as_str().unwrap_or_default();
    assert!(msg.starts_with("Data does not match the schema."), "{msg}");
    assert!(msg.contains("column `at`"), "{msg}");
}

#[test]
fn a_type_mismatch_fails_only_that_record() {
    let lake = ingest(
        &shop(),
        "order",
        &[
            r#"{"order_id":"ok1","qty":3}"#,
            r#"{"order_id":"bad","qty":"3"}"#,
            r#"{"order_id":"ok2","qty":4}"#,
            r#"{"order_id":"bad2","ship":{"geo":{"lat":"north"}}}"#,
            r#"{"order_id":"bad3","tags":[1,"a"]}"#,
        ],
    );
    assert_eq!(lake.column(ORDER_ID), ["ok1", "ok2"]);
    assert_eq!(lake.column(QTY), ["3", "4"]);
    let docs = lake.errors();
    assert_eq!(docs.len(), 3);
    for (kind, doc) in &docs {
        assert_eq!(kind, "format-conversion-failed");
        assert_eq!(doc["lastErrorCode"], "DataFormatConversion.MalformedData");
    }
    assert!(
        docs[1].1["lastErrorMessage"]
            .as_str()
            .unwrap_or_default()
            .contains("ship.geo.lat")
    );
}

#[test]
fn numbers_are_range_and_precision_checked() {
    let lake = ingest(
        &shop(),
        "order",
        &[
            r#"{"small":127,"total":12.5,"qty":-2147483648,"ratio":1e3}"#,
            r#"{"small":128}"#,
            r#"{"qty":1.0}"#,
            r#"{"total":1.234}"#,
            r#"{"total":"12.50"}"#,
            r#"{"total":12345678901.00}"#,
            r#"{"ratio":1e999}"#,
        ],
    );
    assert_eq!(lake.report.converted, 1);
    let row = &lake.rows()[0];
    assert_eq!(row[TOTAL], "12.50");
    assert_eq!(row[QTY], "-2147483648");
    assert_eq!(row[3], "127");
    assert_eq!(row[4], "1000.0");
    assert_eq!(lake.report.failed, 6);
}

#[test]
fn decimal_literals_become_unscaled_units() {
    use eventlake_local::convert::decimal_units;
    assert_eq!(decimal_units("12.5", 12, 2), Ok(1250));
    assert_eq!(decimal_units("-12.05", 12, 2), Ok(-1205));
    assert_eq!(decimal_units("-0.00", 5, 2), Ok(0));
    assert_eq!(decimal_units("+007", 3, 0), Ok(7));
    assert_eq!(decimal_units("1e3", 12, 2).ok(), None);
    assert_eq!(decimal_units("1.234", 12, 2).ok(), None);
    let max = "9".repeat(38);
    assert_eq!(
        decimal_units(&max, 38, 0),
        Ok(max.parse::<i128>().unwrap_or(0))
    );
    assert_eq!(
        decimal_units(&format!("-{max}"), 38, 0),
        Ok(-max.parse::<i128>().unwrap_or(0))
    );
}

#[test]
fn empty_non_object_and_invalid_records_fail_with_firehose_codes() {
    let lake = ingest(
        &shop(),
        "order",
        &[
            "",
            "   \n",
            "42",
            "\"text\"",
            "[1,2]",
            "null",
            "{\"order_id\":",
            "{\"a\":1} x",
            "{\"order_id\":\"ok\"}",
        ],
    );
    assert_eq!(lake.column(ORDER_ID), ["ok"]);
    assert_eq!(
        lake.error_codes(),
        [
            "DataFormatConversion.MalformedData",
            "DataFormatConversion.MalformedData",
            "DataFormatConversion.MalformedData",
            "DataFormatConversion.MalformedData",
            "DataFormatConversion.MalformedData",
            "DataFormatConversion.MalformedData",
            "DataFormatConversion.ParseError",
            "DataFormatConversion.ParseError",
        ]
    );
    let docs = lake.errors();
    assert_eq!(
        docs[0].1["lastErrorMessage"],
        "The record was empty or contained only whitespace."
    );
    assert!(
        docs[6].1["lastErrorMessage"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Encountered malformed JSON.")
    );
    // Syntax wins over a type mismatch, as OpenX parses before converting.
    let lake = ingest(&shop(), "order", &[r#"{"qty":"x","#]);
    assert_eq!(lake.error_codes(), ["DataFormatConversion.ParseError"]);
}

#[test]
fn error_documents_have_firehose_shape() {
    let lake = ingest(&shop(), "order", &[r#"{"qty":"x"}"#]);
    let docs = lake.errors();
    let doc = docs[0].1.as_object().expect("object");
    let keys: Vec<&str> = doc.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "attemptsMade",
            "arrivalTimestamp",
            "lastErrorCode",
            "lastErrorMessage",
            "attemptEndingTimestamp",
            "rawData",
            "sequenceNumber",
            "subSequenceNumber",
            "dataCatalogTable"
        ]
    );
    assert_eq!(doc["attemptsMade"], 1);
    assert_eq!(doc["arrivalTimestamp"], 1_714_555_800_000_i64);
    assert_eq!(doc["rawData"], "eyJxdHkiOiJ4In0=");
    assert_eq!(doc["dataCatalogTable"]["databaseName"], "shop");
    assert_eq!(doc["dataCatalogTable"]["tableName"], "order");
    let files = files_under(&lake.path().join("errors"), "");
    let rel = files[0].strip_prefix(lake.path()).expect("under lake");
    assert!(
        rel.starts_with("errors/order/format-conversion-failed/year=2024/month=05/day=01/hour=09"),
        "{}",
        rel.display()
    );
}

#[test]
fn a_scalar_where_an_array_is_expected_becomes_one_element() {
    let lake = ingest(
        &shop(),
        "order",
        &[
            r#"{"tags":"solo"}"#,
            r#"{"tags":["a","b"]}"#,
            r#"{"tags":[]}"#,
            r#"{"tags":[null]}"#,
            r#"{"tags":{"not":"scalar"}}"#,
        ],
    );
    assert_eq!(lake.column(TAGS), ["[solo]", "[a, b]", "[]", "[NULL]"]);
    assert_eq!(lake.rows().len(), 4);
    assert_eq!(lake.error_codes(), ["DataFormatConversion.MalformedData"]);
}

#[test]
fn enum_values_are_not_enforced_but_counted() {
    let lake = ingest(
        &shop(),
        "order",
        &[
            r#"{"status":"new"}"#,
            r#"{"status":"shipped"}"#,
            r#"{"status":"shipped"}"#,
            r#"{"status":"NEW"}"#,
        ],
    );
    assert_eq!(lake.column(STATUS), ["new", "shipped", "shipped", "NEW"]);
    assert_eq!(lake.report.not_in_enum_count(), 3);
    assert_eq!(lake.report.not_in_enum["status"]["shipped"], 2);
}

#[test]
fn maps_dates_and_text_lengths() {
    let lake = ingest(
        &shop(),
        "order",
        &[
            r#"{"attrs":{"a":1,"B":2},"on_day":"2024-02-29","code":"abc"}"#,
            r#"{"attrs":{"a":1,"a":2}}"#,
            r#"{"on_day":"2023-02-29"}"#,
            r#"{"code":"abcd"}"#,
            r#"{"attrs":{"a":"1"}}"#,
        ],
    );
    assert_eq!(lake.column(ATTRS), ["{a: 1, B: 2}"]);
    assert_eq!(lake.column(DAY), ["2024-02-29"]);
    assert_eq!(lake.report.failed, 4);
}

#[test]
fn arrival_partitions_and_layout() {
    let lake = ingest(
        &shop(),
        "order",
        &[r#"{"order_id":"a"}"#, r#"{"qty":"bad"}"#],
    );
    let mut rel: Vec<String> = lake
        .report
        .files
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    rel.sort();
    assert_eq!(rel.len(), 3, "{rel:?}");
    assert!(
        rel[0]
            .starts_with("data/order/year=2024/month=05/day=01/hour=09/order-2024-05-01-09-30-00-"),
        "{rel:?}"
    );
    assert!(rel[0].ends_with(".parquet"));
    assert!(
        rel[1].starts_with(
            "errors/order/format-conversion-failed/year=2024/month=05/day=01/hour=09/"
        )
    );
    assert!(rel[2].starts_with("raw/order/year=2024/month=05/day=01/hour=09/"));
    assert_eq!(lake.report.arrival, ARRIVAL);
    assert_eq!(
        lake.report.partitions,
        ["year=2024/month=05/day=01/hour=09"]
    );
}

#[test]
fn event_time_partitions_follow_the_time_field() {
    let s = schema(
        r#"
[lake]
name = "pay"
[events.paid]
time_field = "at"
partitioning = "event_time"
granularity = "day"
[events.paid.fields]
at = { type = "timestamp", json = "paidAt", required = true }
n = "int"
"#,
    );
    let lake = ingest(
        &s,
        "paid",
        &[
            r#"{"paidAt":"2024-03-01T10:00:00Z","n":1}"#,
            r#"{"paidAt":"2024-03-02 23:59:59","n":2}"#,
            r#"{"paidAt":1709251200000,"n":3}"#,
            r#"{"paidat":"2024-03-01T10:00:00Z","n":4}"#,
            r#"{"paidAt":"2024-3-1 10:00:00","n":5}"#,
            r#"{"n":6}"#,
        ],
    );
    assert_eq!(
        lake.report.partitions,
        ["year=2024/month=03/day=01", "year=2024/month=03/day=02"]
    );
    // One-digit month and day (`2024-3-1 …`, as java.sql.Timestamp writes them) land in
    // `month=03/day=01` like the JQ query puts them; a missing or differently cased key
    // fails partitioning.
    assert_eq!(lake.report.converted, 4);
    let kinds: Vec<String> = lake.errors().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["partitioning-failed"; 2]);
    assert_eq!(
        lake.error_codes(),
        ["DynamicPartitioning.MetadataExtractionFailed"; 2]
    );
}

#[test]
fn output_is_deterministic() {
    let records = [r#"{"order_id":"a","total":1}"#, r#"{"qty":"x"}"#];
    let a = ingest(&shop(), "order", &records);
    let b = ingest(&shop(), "order", &records);
    let read = |l: &crate::common::Lake| -> Vec<(String, Vec<u8>)> {
        files_under(l.path(), "")
            .into_iter()
            .map(|p| {
                let rel = p
                    .strip_prefix(l.path())
                    .map(|r| r.display().to_string())
                    .unwrap_or_default();
                (rel, std::fs::read(&p).unwrap_or_default())
            })
            .collect()
    };
    assert_eq!(read(&a), read(&b));
}

#[test]
fn files_split_into_records_like_a_producer_sends_them() {
    let s = shop();
    let input = b"{\"order_id\":\"a\"}\n\n{\"order_id\":\n  \"b\"}{\"order_id\":\"c\"}\nbroken {\n{\"order_id\":\"d\"}\n";
    let (r, _) = ingest_both_ways(&s, input);
    assert_eq!((r.records, r.converted, r.failed), (5, 4, 1));
}

/// Every file (hidden ones too) under `dir`, relative, with its content.
fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("under").display().to_string();
                out.push((rel, std::fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}

/// Ingests `input` with `ingest_bytes` (records cut per line, checked) and with
/// `ingest_records` over `split_records` (the bracket scan), asserts that both give the
/// same report and byte-identical files, and returns the first report and its files.
fn ingest_both_ways(
    schema: &eventlake_schema::Schema,
    input: &[u8],
) -> (eventlake_local::IngestReport, Vec<(String, Vec<u8>)>) {
    let run = |by_lines: bool| {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = eventlake_local::IngestOptions {
            lake_dir: dir.path().to_path_buf(),
            arrival: eventlake_local::parse_arrival(ARRIVAL),
            threads: 2,
        };
        let report = if by_lines {
            eventlake_local::ingest_bytes(schema, "order", &[input], &opts)
        } else {
            let records: Vec<&[u8]> = eventlake_local::split::split_records(input)
                .into_iter()
                .map(|r| &input[r])
                .collect();
            eventlake_local::ingest_records(schema, "order", &records, &opts)
        };
        (report.expect("ingest"), tree(dir.path()))
    };
    let (a, b) = (run(true), run(false));
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert!(
        a.1.iter().all(|(name, _)| !name.contains(".tmp")),
        "{:?}",
        a.1.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    a
}

#[test]
fn every_layout_is_cut_like_the_bracket_scan() {
    let s = shop();
    let mut ndjson = String::new();
    for i in 0..20_000 {
        ndjson.push_str(&format!("{{\"order_id\":\"o{i}\",\"total\":{i}}}\r\n"));
        if i % 997 == 0 {
            // Broken lines that stay one record each: the first attempt keeps going.
            ndjson.push_str("{\"order_id\":\"cut\n{\"order_id\": 1}\n  \nnot json\n");
        }
    }
    let (r, files) = ingest_both_ways(&s, ndjson.as_bytes());
    assert_eq!((r.records, r.converted, r.failed), (20_063, 20_000, 63));
    assert!(files.iter().any(|(n, _)| n.starts_with("errors/")));

    // Two records on one line, far into the file: the first attempt is abandoned after
    // writing, and nothing of it stays.
    let mut late = ndjson.clone();
    late.push_str("{\"order_id\":\"x\"}{\"order_id\":\"y\"}\n");
    let (r, _) = ingest_both_ways(&s, late.as_bytes());
    assert_eq!((r.records, r.converted), (20_065, 20_002));

    // Pretty-printed objects.
    let pretty = "{\n  \"order_id\": \"p\",\n  \"total\": 1\n}\n".repeat(3_000);
    let (r, _) = ingest_both_ways(&s, pretty.as_bytes());
    assert_eq!((r.records, r.converted, r.failed), (3_000, 3_000, 0));
}

#[test]
fn fake_events_ingest_without_errors_for_every_fixture() {
    let now = eventlake_local::parse_arrival("2024-05-01T09:30:00Z").expect("time");
    let mut lakes = vec![crate::common::repo_root().join("events.toml")];
    lakes.extend(files_under(
        &crate::common::repo_root().join("schema/tests/fixtures/valid"),
        "toml",
    ));
    for path in lakes {
        let loaded = eventlake_schema::load_path(&path).expect("valid fixture");
        for event in &loaded.schema.events {
            let bytes = eventlake_local::fake::ndjson(event, 50, 7, now);
            let dir = tempfile::tempdir().expect("tempdir");
            let opts = eventlake_local::IngestOptions {
                lake_dir: dir.path().to_path_buf(),
                arrival: Some(now),
                threads: 1,
            };
            let r = eventlake_local::ingest_bytes(&loaded.schema, &event.name, &[&bytes], &opts)
                .expect("ingest");
            assert_eq!(
                (r.records, r.failed),
                (50, 0),
                "{} / {}: {:?}",
                path.display(),
                event.name,
                r.examples
            );
            assert_eq!(r.not_in_enum_count(), 0);
        }
    }
}

#[test]
fn large_inputs_are_read_whole() {
    // Above the size read in two halves, odd-sized, and a small one read in one go.
    let dir = tempfile::tempdir().expect("tempdir");
    for len in [(16 << 20) + 7, 1000] {
        let content: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        let path = dir.path().join(format!("in-{len}.ndjson"));
        std::fs::write(&path, &content).expect("write");
        let read = eventlake_local::read_input(&path).expect("read");
        assert!(read == content, "{len} bytes: read {}", read.len());
    }
    let missing = eventlake_local::read_input(&dir.path().join("missing.ndjson"));
    assert!(missing.is_err());
}

#[test]
fn a_large_pretty_printed_file_is_not_left_waiting() {
    // Far more chunks of lines than the channel holds: the first attempt is abandoned at
    // its first chunk, and its workers must stop rather than wait for room forever. A
    // hang fails the test after minutes instead of blocking the suite.
    let pretty = "{\n  \"order_id\": \"p\",\n  \"total\": 1\n}\n".repeat(40_000);
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let s = shop();
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = eventlake_local::IngestOptions {
            lake_dir: dir.path().to_path_buf(),
            arrival: eventlake_local::parse_arrival(ARRIVAL),
            threads: 2,
        };
        let r = eventlake_local::ingest_bytes(&s, "order", &[pretty.as_bytes()], &opts);
        let left = tree(dir.path());
        let _ = done.send((r.map(|r| (r.records, r.converted)).ok(), left));
    });
    let (counts, files) = result
        .recv_timeout(std::time::Duration::from_secs(300))
        .expect("the ingest finished");
    assert_eq!(counts, Some((40_000, 40_000)));
    assert!(files.iter().all(|(name, _)| !name.contains(".tmp")));
}
