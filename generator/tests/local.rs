//! The local lake end to end (feature `local`): for the example lake and every fixture
//! lake, fake events are ingested and every starter query runs unchanged and agrees with
//! what was ingested; and the `local ingest`, `local query` and `demo` commands as a user
//! meets them.

use eventlake_cli::local_cmd::all_starter_queries;
use eventlake_local::query::{Format, LakeQuery, render, split_statements};
use eventlake_local::{IngestOptions, fake, ingest_bytes};
use eventlake_schema::Schema;
use eventlake_schema::time::Instant;
use std::path::Path;

use crate::common::{eventlake, load, render_to_dir, repo_root, text, valid_lakes};

/// Fake events per event type.
const N: usize = 40;

/// The last CSV column of every data row, as a number.
fn counts(csv: &str) -> Vec<usize> {
    csv.lines()
        .skip(1)
        .map(|l| {
            l.rsplit(',')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX)
        })
        .collect()
}

/// A pinned instant (UTC); panics on a malformed constant.
fn at(text: &str) -> Instant {
    eventlake_local::parse_arrival(text).unwrap_or_else(|| panic!("not a time: {text}"))
}

/// Runs every starter query of `schema` over the lake in `dir` with the clock at `now`, and
/// checks each against `n` rows ingested "today" (rows of other days must not count).
fn check_starter_queries(name: &str, schema: &Schema, dir: &Path, now: Instant, n: usize) {
    let engine = LakeQuery::open(schema, dir)
        .expect("open lake")
        .with_clock(now);
    for (event, queries) in all_starter_queries(schema, "events.toml") {
        assert!(!queries.is_empty());
        for q in queries {
            let batches = engine
                .run(&q.sql)
                .unwrap_or_else(|e| panic!("{name}/{event}/{}: {e}\n{}", q.slug, q.sql));
            let csv = render(&batches, Format::Csv).expect("csv");
            let rows = csv.lines().count().saturating_sub(1);
            let where_ = format!(
                "{name}/{event}/{} at {}:\n{}\n{csv}",
                q.slug,
                now.format(),
                q.sql
            );
            match q.slug.as_str() {
                "count_today" => assert_eq!(counts(&csv), [n], "{where_}"),
                "latest_events" => assert_eq!(rows, n.min(100), "{where_}"),
                "per_hour" => assert_eq!(counts(&csv).iter().sum::<usize>(), n, "{where_}"),
                s if s.starts_with("by_") => {
                    let total: usize = counts(&csv).iter().sum();
                    if q.sql.contains("LIMIT") {
                        assert!(total <= n && total > 0, "{where_}");
                    } else {
                        assert_eq!(total, n, "{where_}");
                    }
                }
                s if s.starts_with("unnest_") => assert!(rows <= 100, "{where_}"),
                // Fake events never fail: the errors tables are empty.
                "failures_today" | "latest_failures" => assert_eq!(rows, 0, "{where_}"),
                other => panic!("no expectation for starter query `{other}`"),
            }
        }
    }
}

/// Ingests `n` fake events of every event that arrive at `now`, and as many that arrived a
/// day earlier (with event times of that day), into `dir`.
fn ingest_today_and_yesterday(name: &str, schema: &Schema, dir: &Path, now: Instant, n: usize) {
    let yesterday = Instant {
        secs: now.secs - 86_400,
        nanos: now.nanos,
    };
    for event in &schema.events {
        for when in [now, yesterday] {
            let bytes = fake::ndjson(event, n, 11, when);
            let opts = IngestOptions {
                lake_dir: dir.to_path_buf(),
                arrival: Some(when),
                threads: 1,
            };
            let r = ingest_bytes(schema, &event.name, &[&bytes], &opts).expect("ingest");
            assert_eq!(
                (r.converted, r.failed),
                (n, 0),
                "{name}/{}: {:?}",
                event.name,
                r.examples
            );
        }
    }
}

/// "Today" on the days a date bug hides: one-digit days and months (Firehose writes
/// `month=01/day=05`), the first of every month (yesterday is another month), the last day
/// of a year, a leap day, and instants right after and right before midnight. Runs on the
/// example lake and the seed-shaped lake (every field nested), with exact counts.
#[test]
fn today_queries_are_exact_on_every_kind_of_date() {
    let mut days = vec![
        at("2024-01-05T12:00:00Z"),
        at("2024-12-31T23:59:59.999Z"),
        at("2024-02-29T00:00:00Z"),
    ];
    for month in 1..=12 {
        days.push(at(&format!("2024-{month:02}-01T00:00:01Z")));
    }
    let lakes = [
        ("example", repo_root().join("events.toml")),
        (
            "seed_design",
            repo_root().join("schema/tests/fixtures/valid/seed_design.toml"),
        ),
    ];
    for (name, path) in lakes {
        let schema = load(&path);
        for (event, queries) in all_starter_queries(&schema, "events.toml") {
            assert!(queries.len() >= 4, "{name}/{event}: {queries:?}");
        }
        for &now in &days {
            let dir = tempfile::tempdir().expect("tempdir");
            ingest_today_and_yesterday(name, &schema, dir.path(), now, 7);
            check_starter_queries(name, &schema, dir.path(), now, 7);
        }
    }
}

/// Equality, range and `IN` filters on zero-padded partition folders.
#[test]
fn partition_filters_read_zero_padded_folders() {
    let schema = load(&repo_root().join("events.toml"));
    let dir = tempfile::tempdir().expect("tempdir");
    let event = schema.event("order_placed").expect("order_placed");
    for (when, n) in [("2024-03-05T08:00:00Z", 3), ("2024-03-07T09:00:00Z", 4)] {
        let now = at(when);
        let opts = IngestOptions {
            lake_dir: dir.path().to_path_buf(),
            arrival: Some(now),
            threads: 1,
        };
        let bytes = fake::ndjson(event, n, 1, now);
        ingest_bytes(&schema, "order_placed", &[&bytes], &opts).expect("ingest");
    }
    let engine = LakeQuery::open(&schema, dir.path()).expect("open lake");
    let count = |filter: &str| {
        let sql = format!("SELECT count(*) AS n FROM order_placed WHERE {filter}");
        let batches = engine.run(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        counts(&render(&batches, Format::Csv).expect("csv"))
    };
    assert_eq!(count("year = 2024 AND month = 3 AND day = 5"), [3]);
    assert_eq!(
        count("year = 2024 AND month = 3 AND day = 7 AND hour = 9"),
        [4]
    );
    assert_eq!(count("month = 3 AND day = 6"), [0]);
    assert_eq!(count("5 = day"), [3]);
    assert_eq!(count("day IN (5, 7)"), [7]);
    assert_eq!(count("day BETWEEN 6 AND 9"), [4]);
    assert_eq!(count("day >= 5 AND month = 3"), [7]);
    assert_eq!(count("month = 3 AND (day = 5 OR day = 7)"), [7]);
}

#[test]
fn starter_queries_run_on_every_lake_and_agree_with_the_ingest() {
    let now = at("2024-05-01T09:30:00Z");
    for (name, path) in valid_lakes() {
        let schema = load(&path);
        let dir = tempfile::tempdir().expect("tempdir");
        for event in &schema.events {
            let bytes = fake::ndjson(event, N, 11, now);
            let opts = IngestOptions {
                lake_dir: dir.path().to_path_buf(),
                arrival: Some(now),
                threads: 1,
            };
            let r = ingest_bytes(&schema, &event.name, &[&bytes], &opts).expect("ingest");
            assert_eq!(
                (r.converted, r.failed),
                (N, 0),
                "{name}/{}: {:?}",
                event.name,
                r.examples
            );
        }
        check_starter_queries(&name, &schema, dir.path(), now, N);
    }
}

#[test]
fn the_generated_queries_file_runs_unchanged() {
    let schema = load(&repo_root().join("events.toml"));
    let out = render_to_dir(&schema);
    let lake = tempfile::tempdir().expect("tempdir");
    let engine = LakeQuery::open(&schema, lake.path())
        .expect("open empty lake")
        .with_clock(at("2024-01-07T12:00:00Z"));
    for event in &schema.events {
        let file = out
            .path()
            .join(format!("athena/{}.queries.sql", event.name));
        let sql = std::fs::read_to_string(&file).expect("queries file");
        let statements = split_statements(&sql);
        assert!(statements.len() >= 3, "{}", file.display());
        for s in statements {
            assert!(
                !s.title.is_empty(),
                "every starter query has a title comment"
            );
            engine
                .run(&s.sql)
                .unwrap_or_else(|e| panic!("{}: {e}\n{}", file.display(), s.sql));
        }
    }
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn ingest_and_query_commands() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let schema = repo_root().join("events.toml");
    let schema = schema.to_string_lossy();
    let lake = tmp.path().join("lake");
    let lake_s = lake.to_string_lossy();
    let input = tmp.path().join("in.ndjson");
    std::fs::write(
        &input,
        concat!(
            "{\"staffName\":\"Ann\",\"staffId\":1,\"status\":\"Active\",\"sourceTimestamp\":\"2024-05-01T09:00:00Z\"}\n",
            "{\"staffName\":\"Bob\",\"staffId\":\"two\",\"sourceTimestamp\":\"2024-05-01T09:00:00Z\"}\n",
            "{\"staffName\":\"Cy\",\"staffId\":3,\"status\":\"Retired\",\"sourceTimestamp\":1714554000}\n",
        ),
    )
    .expect("write input");
    let o = eventlake(
        &[
            "local",
            "ingest",
            "--schema",
            &schema,
            "--event",
            "staff_updated",
            "--lake",
            &lake_s,
            "--arrival-time",
            "2024-05-01T09:30:00Z",
            &input.to_string_lossy(),
        ],
        tmp.path(),
    );
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(
        o.status.code(),
        Some(1),
        "a failed record exits 1\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("staff_updated: 3 records → 2 converted, 1 failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("data/staff_updated/year=2024/month=05/day=01/hour=09/"),
        "{stdout}"
    );
    assert!(
        stderr.contains("column `status` got values outside its enum"),
        "{stderr}"
    );
    assert!(
        stderr.contains("record 2: DataFormatConversion.MalformedData"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let sql = "SELECT staff_name, status, year, month FROM shop.staff_updated ORDER BY staff_id";
    let q = |format: &str| {
        eventlake(
            &[
                "local", "query", "--schema", &schema, "--lake", &lake_s, "--sql", sql, "--format",
                format,
            ],
            tmp.path(),
        )
    };
    let table = q("table");
    assert_eq!(table.status.code(), Some(0), "{}", text(&table.stderr));
    assert_eq!(
        text(&table.stdout),
        "staff_name | status  | year | month\n-----------+---------+------+------\nAnn        | Active  | 2024 | 5\nCy         | Retired | 2024 | 5\n(2 rows)\n"
    );
    let csv = q("csv");
    assert_eq!(
        text(&csv.stdout),
        "staff_name,status,year,month\nAnn,Active,2024,5\nCy,Retired,2024,5\n"
    );
    let json = q("json");
    assert_eq!(
        text(&json.stdout),
        "{\"staff_name\":\"Ann\",\"status\":\"Active\",\"year\":2024,\"month\":5}\n{\"staff_name\":\"Cy\",\"status\":\"Retired\",\"year\":2024,\"month\":5}\n"
    );
    let bad = eventlake(
        &[
            "local",
            "query",
            "--schema",
            &schema,
            "--lake",
            &lake_s,
            "--sql",
            "SELECT nope FROM staff_updated",
        ],
        tmp.path(),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("query failed"),
        "{}",
        text(&bad.stderr)
    );
    let unknown = eventlake(
        &[
            "local", "ingest", "--schema", &schema, "--event", "nope", "--lake", &lake_s,
        ],
        tmp.path(),
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("no event `nope`"),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn demo_runs_every_starter_query() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let schema = repo_root().join("events.toml");
    let dir = tmp.path().join("demo");
    let o = eventlake(
        &[
            "demo",
            "--schema",
            &schema.to_string_lossy(),
            "--dir",
            &dir.to_string_lossy(),
            "-n",
            "30",
            "--now",
            "2024-01-05T00:00:30Z",
        ],
        tmp.path(),
    );
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("the 19 starter queries (out/athena/*.queries.sql), run locally at 2024-01-05T00:00:30.000Z:"),
        "{stdout}"
    );
    // The demo's one deliberately broken record, labelled, and found by the errors queries
    // with its code and its text decoded.
    assert!(
        stdout.contains("+ 1 deliberately broken order_placed record (demo only, for the errors queries): 1 failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("DataFormatConversion.ParseError")
            && stdout.contains("{\"demo\": \"this record is deliberately broken\""),
        "{stdout}"
    );
    // Every event's "rows today" counts all 30 events of the pinned day.
    assert_eq!(stdout.matches("rows today\n").count(), 3, "{stdout}");
    assert_eq!(
        stdout.matches("\nevents\n------\n30\n(1 row)\n").count(),
        3,
        "{stdout}"
    );
    let bad = eventlake(
        &[
            "demo",
            "--schema",
            &schema.to_string_lossy(),
            "--now",
            "yesterday",
        ],
        tmp.path(),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("--now `yesterday` is not a time"));
    assert!(
        !stderr.contains('\r'),
        "no progress bar when not on a terminal"
    );
    assert!(dir.join("out/athena/order_placed.queries.sql").exists());
    assert!(dir.join("input/order_placed.ndjson").exists());
    // Fake events are deterministic: the same seed and "now" give the same bytes.
    let fake = |seed: &str| {
        let o = eventlake(
            &[
                "local",
                "fake",
                "--schema",
                &schema.to_string_lossy(),
                "--event",
                "order_placed",
                "-n",
                "50",
                "--seed",
                seed,
                "--now",
                "2024-05-01T12:00:00Z",
            ],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        o.stdout
    };
    assert_eq!(fake("1"), fake("1"));
    assert_ne!(fake("1"), fake("2"));
    assert_eq!(fake("1").iter().filter(|b| **b == b'\n').count(), 50);
}

/// Rows of a query as JSON objects.
fn json_rows(engine: &LakeQuery, sql: &str) -> Vec<serde_json::Value> {
    let batches = engine.run(sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    render(&batches, Format::Json)
        .expect("json")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect()
}

/// The errors tables end to end: good and bad records are ingested (plus a bad one of the
/// day before, and a document written with the other documented key spelling), and the
/// errors starter queries return exactly today's bad records, with their error codes and
/// their text decoded from `rawData`.
#[test]
fn errors_starter_queries_return_exactly_the_bad_records() {
    use base64::prelude::{BASE64_STANDARD, Engine as _};
    let schema = load(&repo_root().join("events.toml"));
    let lake = tempfile::tempdir().expect("tempdir");
    let now = at("2024-03-05T10:20:00Z");
    let yesterday = at("2024-03-04T10:20:00Z");
    let ingest = |event: &str, bytes: &[u8], when: Instant| {
        let opts = IngestOptions {
            lake_dir: lake.path().to_path_buf(),
            arrival: Some(when),
            threads: 1,
        };
        ingest_bytes(&schema, event, &[bytes], &opts).expect("ingest")
    };
    let order = schema.event("order_placed").expect("example event");
    let bad = [
        r#"{"order_id": "o-1", "total": "#,
        r#"[1, 2]"#,
        r#""just a string""#,
    ];
    let mut input = fake::ndjson(order, 5, 11, now);
    for b in bad {
        input.extend_from_slice(b.as_bytes());
        input.push(b'\n');
    }
    let today_report = ingest("order_placed", &input, now);
    assert_eq!((today_report.converted, today_report.failed), (5, 3));
    let old = ingest("order_placed", b"{\"order_id\": \"yesterday\"", yesterday);
    assert_eq!(old.failed, 1);
    // Firehose's current documentation spells the keys `ErrorCode` / `ErrorMessage`; the
    // local lake writes `lastErrorCode` / `lastErrorMessage`. One document of the other
    // spelling, whose raw data is not valid UTF-8 (0xff).
    let raw = b"{\"note\": \"caf\xc3\xa9 \xff\"}";
    let doc = serde_json::json!({
        "attemptsMade": 1,
        "arrivalTimestamp": now.secs * 1000,
        "ErrorCode": "DataFormatConversion.MalformedData",
        "ErrorMessage": "written with the other key spelling",
        "attemptEndingTimestamp": now.secs * 1000,
        "rawData": BASE64_STANDARD.encode(raw),
        "sequenceNumber": "999",
        "subSequenceNumber": 0,
        "dataCatalogTable": {"catalogId": "1", "databaseName": "shop", "tableName": "order_placed", "region": "eu-west-1", "versionId": "0", "catalogArn": "arn:aws:glue:eu-west-1:1:catalog"},
    });
    let dir = lake
        .path()
        .join("errors/order_placed/format-conversion-failed/year=2024/month=03/day=05/hour=10");
    std::fs::write(dir.join("other-spelling"), format!("{doc}\n")).expect("write document");

    let engine = LakeQuery::open(&schema, lake.path())
        .expect("open lake")
        .with_clock(now);
    let queries = all_starter_queries(&schema, "events.toml");
    let query = |slug: &str| {
        queries
            .iter()
            .find(|(e, _)| e == "order_placed")
            .and_then(|(_, qs)| qs.iter().find(|q| q.slug == slug))
            .map(|q| q.sql.clone())
            .unwrap_or_else(|| panic!("no starter query {slug}"))
    };

    // Today's failures by error: every code of today's bad records, none of yesterday's.
    let by_error = json_rows(&engine, &query("failures_today"));
    let mut expected: std::collections::BTreeMap<String, u64> = today_report
        .failures_by_code
        .iter()
        .map(|(code, n)| (code.clone(), *n as u64))
        .collect();
    *expected
        .entry("DataFormatConversion.MalformedData".to_owned())
        .or_default() += 1;
    let mut seen: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for row in &by_error {
        let code = row["error_code"]
            .as_str()
            .expect("every row has a code")
            .to_owned();
        *seen.entry(code).or_default() += row["failures"].as_u64().expect("a count");
        assert!(row["error_message"].is_string(), "{row}");
    }
    assert_eq!(seen, expected, "{by_error:?}");
    assert!(
        by_error
            .iter()
            .any(|r| r["error_message"] == "written with the other key spelling"),
        "{by_error:?}"
    );

    // The latest failures: exactly today's four bad records, decoded.
    let latest = json_rows(&engine, &query("latest_failures"));
    let mut raw_records: Vec<String> = latest
        .iter()
        .map(|r| {
            r["raw_record"]
                .as_str()
                .expect("decoded raw data")
                .to_owned()
        })
        .collect();
    raw_records.sort();
    let mut want: Vec<String> = bad.iter().map(|s| (*s).to_owned()).collect();
    want.push("{\"note\": \"café \u{FFFD}\"}".to_owned());
    want.sort();
    assert_eq!(raw_records, want);
    assert!(
        latest
            .iter()
            .all(|r| r["error_type"] == "format-conversion-failed" && r["error_code"].is_string()),
        "{latest:?}"
    );

    // An event-time event: a record without its time field fails partitioning, and its
    // errors table finds it under the other error type.
    let payment = schema.event("payment_captured").expect("example event");
    let mut input = fake::ndjson(payment, 2, 11, now);
    input.extend_from_slice(b"{\"payment_id\": \"no time\"}\n");
    let report = ingest("payment_captured", &input, now);
    assert_eq!((report.converted, report.failed), (2, 1));
    let engine = LakeQuery::open(&schema, lake.path())
        .expect("open lake")
        .with_clock(now);
    let sql = queries
        .iter()
        .find(|(e, _)| e == "payment_captured")
        .and_then(|(_, qs)| qs.iter().find(|q| q.slug == "latest_failures"))
        .map(|q| q.sql.clone())
        .expect("starter query");
    let rows = json_rows(&engine, &sql);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["error_type"], "partitioning-failed");
    assert_eq!(
        rows[0]["error_code"],
        "DynamicPartitioning.MetadataExtractionFailed"
    );
    assert_eq!(rows[0]["raw_record"], "{\"payment_id\": \"no time\"}");
}

mod trino_udfs {
    //! Trino's `from_base64` / `from_utf8` as the local lake registers them
    //! (local/src/query/trino_udfs.rs), against Trino's documented behaviour.
    use eventlake_local::query::{Format, LakeQuery, render};

    fn engine() -> (tempfile::TempDir, LakeQuery) {
        let src = "[lake]\nname = \"t\"\n\n[events.e.fields]\nid = \"string\"\n";
        let schema = match eventlake_schema::load_str(src, "events.toml") {
            Ok(l) => l.schema,
            Err(r) => panic!("{r}"),
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = LakeQuery::open(&schema, dir.path()).expect("open");
        (dir, engine)
    }

    fn one(engine: &LakeQuery, sql: &str) -> String {
        let batches = engine.run(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let csv = render(&batches, Format::Csv).expect("csv");
        csv.lines().nth(1).unwrap_or_default().to_owned()
    }

    #[test]
    fn decode_base64_then_utf8_like_trino() {
        let (_dir, e) = engine();
        // RFC 4648 test vectors ("foobar" family), through both functions.
        for (b64, text) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(
                one(&e, &format!("SELECT from_utf8(from_base64('{b64}')) AS t")),
                text,
                "{b64}"
            );
        }
        // Multi-byte UTF-8 survives: "café" is 63 61 66 c3 a9.
        assert_eq!(
            one(&e, "SELECT from_utf8(from_base64('Y2Fmw6k=')) AS t"),
            "café"
        );
    }

    #[test]
    fn invalid_utf8_becomes_the_replacement_character() {
        let (_dir, e) = engine();
        // 0xff is never valid UTF-8; "a\xffb" is Yf9i.
        assert_eq!(
            one(&e, "SELECT from_utf8(from_base64('Yf9i')) AS t"),
            "a\u{FFFD}b"
        );
    }

    #[test]
    fn invalid_base64_is_an_error_and_null_stays_null() {
        let (_dir, e) = engine();
        let err = e
            .run("SELECT from_base64('not base64!') AS t")
            .map(|_| ())
            .expect_err("not base64 must fail, as in Trino");
        assert!(err.to_string().contains("not valid base64"), "{err}");
        assert_eq!(
            one(
                &e,
                "SELECT from_utf8(from_base64(CAST(NULL AS varchar))) IS NULL AS t"
            ),
            "true"
        );
    }
}
