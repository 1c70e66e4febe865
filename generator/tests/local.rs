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
        stdout.contains("the 13 starter queries (out/athena/*.queries.sql), run locally at 2024-01-05T00:00:30.000Z:"),
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
