//! End to end with the local lake: typed events through an aggregating `Producer` into
//! kinesalite, read back from the stream, de-aggregated and ingested by the local lake
//! (`ingest_kinesis_records`: Firehose's de-aggregation and conversion rules) with zero
//! conversion errors, and then the committed starter queries (`out/athena/order_placed.queries.sql`,
//! unchanged) answered over the result: they count every event once and return the values
//! the producer sent.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use eventlake::DatalakeEvent;
use eventlake::kinesis::{Producer, ProducerBuilder, stream_name};
use eventlake_local::query::{Format, LakeQuery, Statement, render, split_statements};
use eventlake_local::{IngestOptions, KinesisRecord, ingest_kinesis_records};
use parquet::file::reader::{FileReader, SerializedFileReader};
use serde_json::Value;

use crate::events::{orders, shop::OrderPlaced};
use crate::support::{Kinesalite, Stored, TestResult, client, create_stream, read_all, repo_root};

/// Events sent; more than the 100 rows the `LIMIT 100` queries return.
const N: usize = 2_000;

/// Sends `events` through an aggregating `Producer` into a fresh kinesalite stream and reads
/// the stream back: the stored (aggregated) records, in shard order.
fn through_kinesis(events: &[OrderPlaced]) -> TestResult<Vec<Stored>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let kinesalite = Kinesalite::start()?;
        let kinesis = client(&kinesalite.endpoint());
        let stream = stream_name::<OrderPlaced>("lake");
        create_stream(&kinesis, &stream, 2).await?;
        let producer: Producer<OrderPlaced> = ProducerBuilder::new(stream.clone())
            .linger(Duration::from_millis(10))
            .aggregate(true)
            .with_client(client(&kinesalite.endpoint()))?;
        for e in events {
            producer.send(e).await?;
        }
        let report = producer.shutdown().await?;
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        read_all(&kinesis, &stream).await
    })
}

/// Rows of a query as JSON objects (the `--format json` rendering of `eventlake local query`).
fn rows(
    engine: &LakeQuery,
    statement: &Statement,
) -> TestResult<Vec<serde_json::Map<String, Value>>> {
    let batches = engine
        .run(&statement.sql)
        .map_err(|e| format!("{e}\n{}", statement.sql))?;
    render(&batches, Format::Json)?
        .lines()
        .map(|l| match serde_json::from_str(l)? {
            Value::Object(o) => Ok(o),
            other => Err(format!("not a row: {other}").into()),
        })
        .collect()
}

fn text(row: &serde_json::Map<String, Value>, column: &str) -> String {
    match row.get(column) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "NULL".to_owned(),
        Some(other) => other.to_string(),
    }
}

fn count(row: &serde_json::Map<String, Value>) -> u64 {
    row.get("events")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX)
}

#[test]
fn records_read_back_from_kinesis_convert_without_errors_and_the_starter_queries_count_them()
-> TestResult {
    let loaded =
        eventlake_schema::load_path(&repo_root().join("events.toml")).map_err(|r| r.to_string())?;
    let events = orders(N);
    let stored = through_kinesis(&events)?;
    assert!(
        stored.len() < events.len() / 50,
        "aggregated: {} Kinesis records for {} events",
        stored.len(),
        events.len()
    );

    // Firehose's side: the records as read from the stream, de-aggregated and converted
    // with its rules.
    let records: Vec<KinesisRecord<'_>> = stored
        .iter()
        .map(|s| KinesisRecord {
            data: &s.data,
            partition_key: &s.partition_key,
        })
        .collect();
    let lake = tempfile::tempdir()?;
    // One pinned instant for the arrival and the queries' `current_date`: a one-digit day
    // and month, the folders (`month=01/day=05`) that an unpadded listing prefix misses.
    let now = eventlake_local::parse_arrival("2024-01-05T00:00:30Z").ok_or("pinned time")?;
    let opts = IngestOptions {
        lake_dir: lake.path().to_path_buf(),
        arrival: Some(now),
        threads: 1,
    };
    let ingested = ingest_kinesis_records(&loaded.schema, "order_placed", &records, &opts)?;
    assert_eq!(
        ingested.failed, 0,
        "conversion errors: {:?}",
        ingested.examples
    );
    assert!(
        ingested.required_missing.is_empty(),
        "{:?}",
        ingested.required_missing
    );
    assert!(
        ingested.not_in_enum.is_empty(),
        "{:?}",
        ingested.not_in_enum
    );
    assert_eq!(ingested.converted, events.len());
    let mut parquet_rows = 0;
    for file in ingested
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "parquet"))
    {
        let reader = SerializedFileReader::new(std::fs::File::open(lake.path().join(file))?)?;
        parquet_rows += reader.metadata().file_metadata().num_rows();
    }
    assert_eq!(parquet_rows, events.len() as i64, "Parquet rows");

    // Athena's side: the committed starter queries, unchanged, over the lake.
    let file = repo_root().join("out/athena/order_placed.queries.sql");
    let statements = split_statements(&std::fs::read_to_string(&file)?);
    let engine = LakeQuery::open(&loaded.schema, lake.path())?.with_clock(now);
    let mut newest_first: Vec<&OrderPlaced> = events.iter().collect();
    newest_first.sort_by_key(|e| std::cmp::Reverse(e.occurred_at));
    let mut checked = Vec::new();
    for statement in &statements {
        let title = statement.title.first().cloned().unwrap_or_default();
        let got = rows(&engine, statement)?;
        let context = format!("{title}\n{}\n{got:#?}", statement.sql);
        if title.ends_with("rows today") {
            assert_eq!(got.len(), 1, "{context}");
            assert_eq!(count(&got[0]), N as u64, "{context}");
        } else if title.contains("latest 100 events") {
            let ids: Vec<String> = got.iter().map(|r| text(r, "order_id")).collect();
            let expected: Vec<String> = newest_first
                .iter()
                .take(100)
                .map(|e| e.order_id.clone())
                .collect();
            assert_eq!(ids, expected, "{context}");
        } else if title.contains("rows by currency") {
            let mut expected: BTreeMap<String, u64> = BTreeMap::new();
            for e in &events {
                let record: Value = serde_json::from_slice(&e.to_record())?;
                let currency = match &record["currency"] {
                    Value::String(s) => s.clone(),
                    _ => "NULL".to_owned(),
                };
                *expected.entry(currency).or_default() += 1;
            }
            let got: BTreeMap<String, u64> = got
                .iter()
                .map(|r| (text(r, "currency"), count(r)))
                .collect();
            assert_eq!(got, expected, "{context}");
        } else if title.contains("rows per hour") {
            let mut expected: BTreeMap<String, u64> = BTreeMap::new();
            for e in &events {
                let hour = e.occurred_at.format("%Y-%m-%dT%H:00:00").to_string();
                *expected.entry(hour).or_default() += 1;
            }
            let got: BTreeMap<String, u64> = got
                .iter()
                .map(|r| {
                    let hour = text(r, "hour_start").replace(' ', "T");
                    (hour.chars().take(19).collect(), count(r))
                })
                .collect();
            assert_eq!(got, expected, "{context}");
        } else if title.contains("elements of items") {
            // Every order's items as (order, sku, quantity, price), newest order first.
            let expected: Vec<[String; 4]> = newest_first
                .iter()
                .flat_map(|e| {
                    e.items.iter().flatten().map(|item| {
                        [
                            e.order_id.clone(),
                            item.sku.clone().unwrap_or_default(),
                            item.quantity.map_or("NULL".into(), |q| q.to_string()),
                            item.unit_price.map_or("NULL".into(), |p| p.to_string()),
                        ]
                    })
                })
                .collect();
            let got: Vec<[String; 4]> = got
                .iter()
                .map(|r| {
                    [
                        text(r, "order_id"),
                        text(r, "sku"),
                        text(r, "quantity"),
                        text(r, "unit_price"),
                    ]
                })
                .collect();
            // `ORDER BY occurred_at DESC LIMIT 100` orders the orders, not the rows of one
            // order: the orders match row for row, the rows are distinct elements that were sent.
            let orders =
                |rows: &[[String; 4]]| rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>();
            assert_eq!(
                orders(&got),
                orders(&expected[..expected.len().min(100)]),
                "{context}"
            );
            let distinct: BTreeSet<_> = got.iter().collect();
            assert_eq!(distinct.len(), got.len(), "{context}");
            assert!(got.iter().all(|row| expected.contains(row)), "{context}");
        } else if title.contains("failed records") {
            // The errors table's queries (today's failures by error, the latest failures):
            // every record converted, so the errors table has no row.
            assert!(got.is_empty(), "{context}");
        } else {
            panic!("no expectation for starter query `{title}`");
        }
        checked.push(title);
    }
    assert_eq!(checked.len(), 7, "{checked:?}");
    Ok(())
}
