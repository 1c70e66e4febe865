//! Benchmark of the Kinesis producer (documented in docs/benchmarks.md, not a timed test).
//!
//! ```text
//! cargo run --release -p eventlake --features kinesis --example producer_bench [-- N]
//! ```
//!
//! 1. Per-record CPU cost on one thread (its on-CPU time, so that other processes on a
//!    shared machine count less), for the same `order_placed` events: plain
//!    `serde_json::to_vec`; `to_record`; and the whole client-side path of
//!    `Producer::send` (serialise, check, queue, batch within the PutRecords limits, build the
//!    SDK request entries, settle) over a transport that answers every call at once.
//!    The same with KPL aggregation on (over a 4-shard map), and how many 300-byte events
//!    one aggregated record holds at the default cap.
//! 2. Against kinesalite (started here on 127.0.0.1, as the tests do): N events through
//!    `Producer` into a 4-shard stream, without and with aggregation: Kinesis records,
//!    PutRecords calls, the shard-seconds those records need at 1,000 records/s and
//!    1 MiB/s per shard, and the producer process's CPU per event.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use eventlake::chrono::{DateTime, Duration as Span, TimeZone, Utc};
use eventlake::kinesis::{
    BoxFuture, EntryResult, Producer, ProducerBuilder, Record, RecordProducer, Shard, Stats,
    StreamTarget, Transport, TransportError, request_entries,
};
use eventlake::rust_decimal::Decimal;
use eventlake::{DatalakeEvent, DatalakeStruct};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// `order_placed`, serialisable both ways.
#[derive(serde::Serialize, DatalakeEvent)]
#[datalake(event = "order_placed")]
struct Order {
    order_id: String,
    occurred_at: DateTime<Utc>,
    customer_id: i64,
    total: Decimal,
    currency: Option<String>,
    items: Option<Vec<Line>>,
    shipping: Option<Shipping>,
    attributes: Option<std::collections::BTreeMap<String, String>>,
    is_test: Option<bool>,
}

#[derive(serde::Serialize, DatalakeStruct)]
#[datalake(event = "order_placed", field = "items")]
struct Line {
    sku: Option<String>,
    quantity: Option<i32>,
    unit_price: Option<Decimal>,
}

#[derive(serde::Serialize, DatalakeStruct)]
#[datalake(event = "order_placed", field = "shipping")]
struct Shipping {
    city: Option<String>,
    zip: Option<String>,
    geo: Option<Geo>,
}

#[derive(serde::Serialize, DatalakeStruct)]
#[datalake(event = "order_placed", field = "shipping.geo")]
struct Geo {
    lat: Option<f64>,
    lon: Option<f64>,
}

fn orders(n: usize) -> Vec<Order> {
    let t0 = Utc
        .with_ymd_and_hms(2024, 5, 1, 9, 30, 0)
        .single()
        .unwrap_or_default();
    (0..n)
        .map(|i| Order {
            order_id: format!("5f0c6d1e-8a4b-4c8e-9d7a-{i:012}"),
            occurred_at: t0 + Span::milliseconds(i as i64 * 37),
            customer_id: 1000 + (i as i64 * 7919) % 997,
            total: Decimal::new(12990 + i as i64, 2),
            currency: Some(["EUR", "USD", "GBP"][i % 3].to_owned()),
            items: Some(
                (0..2)
                    .map(|k| Line {
                        sku: Some(format!("sku-{k}")),
                        quantity: Some(k + 1),
                        unit_price: Some(Decimal::new(4995, 2)),
                    })
                    .collect(),
            ),
            shipping: Some(Shipping {
                city: Some("Berlin".into()),
                zip: Some("10115".into()),
                geo: Some(Geo {
                    lat: Some(52.52),
                    lon: Some(13.405),
                }),
            }),
            attributes: None,
            is_test: Some(false),
        })
        .collect()
}

/// Answers every PutRecords at once, after building the SDK's request entries exactly as
/// `KinesisTransport` does (the copy of each record into the request is part of the cost).
struct Instant200;

impl Transport for Instant200 {
    fn put_records<'a>(
        &'a self,
        _stream: &'a StreamTarget,
        records: &'a [Record],
    ) -> BoxFuture<'a, Result<Vec<EntryResult>, TransportError>> {
        Box::pin(async move {
            let entries = request_entries(records)?;
            std::hint::black_box(&entries);
            Ok(vec![EntryResult::Stored { shard_id: None }; entries.len()])
        })
    }

    /// Four shards of equal hash key ranges, like the kinesalite stream of part 2.
    fn list_shards<'a>(
        &'a self,
        _stream: &'a StreamTarget,
    ) -> BoxFuture<'a, Result<Vec<Shard>, TransportError>> {
        Box::pin(async {
            let step = u128::MAX / 4;
            Ok((0..4u128)
                .map(|i| Shard {
                    id: format!("shardId-{i:012}"),
                    starting_hash_key: i * step,
                    ending_hash_key: if i == 3 {
                        u128::MAX
                    } else {
                        (i + 1) * step - 1
                    },
                })
                .collect())
        })
    }
}

/// CPU per event of `Producer::send` over `Instant200`, best of 5, and the last run's stats.
fn producer_cpu(rt: &tokio::runtime::Runtime, events: &[Order], aggregate: bool) -> (f64, Stats) {
    let n = events.len();
    let mut stats = Stats::default();
    let ns = best_ns(5, n, || {
        rt.block_on(async {
            let p: Producer<Order> = match ProducerBuilder::new("bench")
                .linger(Duration::from_secs(1))
                .aggregate(aggregate)
                .with_transport(Instant200)
            {
                Ok(p) => p,
                Err(e) => panic!("{e}"),
            };
            // The producer's task runs on this thread too (current-thread runtime).
            let t = Mark::now();
            for e in events {
                if let Err(e) = p.send(e).await {
                    panic!("{e}");
                }
            }
            let report = p.shutdown().await;
            let elapsed = t.elapsed();
            match report {
                Ok(r) if r.stats.delivered == n as u64 => stats = r.stats,
                other => panic!("not all delivered: {other:?}"),
            }
            elapsed
        })
    });
    (ns, stats)
}

/// User records of exactly 300 bytes per Kinesis record at the default aggregation cap.
fn packing_of_300_byte_events(rt: &tokio::runtime::Runtime) -> Result<f64, Error> {
    rt.block_on(async {
        let p: RecordProducer = ProducerBuilder::new("bench")
            .aggregate(true)
            .with_transport(Instant200)?;
        for i in 0..100_000u32 {
            let mut data = format!(r#"{{"n":{i},"pad":""#).into_bytes();
            data.resize(298, b'x');
            data.extend_from_slice(b"\"}");
            p.send_record(Record::new(data, format!("customer-{}", i % 997)))
                .await?;
        }
        let s = p.shutdown().await?.stats;
        Ok(s.delivered as f64 / s.kinesis_records as f64)
    })
}

/// Shard-seconds a shard needs for `stats`' Kinesis records: the larger of records / 1,000
/// and bytes / 1 MiB (the per-shard write limits).
fn shard_seconds(stats: &Stats) -> f64 {
    (stats.kinesis_records as f64 / 1000.0).max(stats.kinesis_bytes as f64 / (1024.0 * 1024.0))
}

/// The time this thread spent on a CPU, in nanoseconds (the first field of
/// /proc/thread-self/schedstat): unlike wall time it leaves out the time the thread waits
/// while other processes run, which on a shared machine is most of the noise.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// A start mark like `Instant`, measuring the thread's CPU time (wall time where
/// /proc/thread-self/schedstat cannot be read).
struct Mark {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Mark {
    fn now() -> Self {
        Mark {
            cpu: thread_cpu(),
            wall: Instant::now(),
        }
    }

    fn elapsed(&self) -> Duration {
        match (self.cpu, thread_cpu()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => self.wall.elapsed(),
        }
    }
}

/// The best of `runs` timings of `f`, per event, in nanoseconds.
fn best_ns(runs: usize, n: usize, mut f: impl FnMut() -> Duration) -> f64 {
    (0..runs)
        .map(|_| f().as_nanos() as f64 / n as f64)
        .fold(f64::INFINITY, f64::min)
}

/// User plus system CPU time of this process (from /proc/self/stat, in clock ticks of 10 ms).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn main() -> Result<(), Error> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let events = orders(n);
    let bytes: usize = events.iter().map(|e| e.to_record().len()).sum();
    println!(
        "{n} order_placed events, {:.0} bytes per record on average",
        bytes as f64 / n as f64
    );

    // 1. CPU per record, one thread.
    let serde = best_ns(5, n, || {
        let t = Mark::now();
        for e in &events {
            std::hint::black_box(serde_json::to_vec(e).unwrap_or_default());
        }
        t.elapsed()
    });
    let to_record = best_ns(5, n, || {
        let t = Mark::now();
        for e in &events {
            std::hint::black_box(e.to_record());
        }
        t.elapsed()
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (producer_ns, _) = producer_cpu(&rt, &events, false);
    let (aggregated_ns, agg_stats) = producer_cpu(&rt, &events, true);
    let per_record_300 = packing_of_300_byte_events(&rt)?;
    println!("CPU per record (best of 5, on-CPU time of the one thread):");
    println!("  serde_json::to_vec            {serde:8.0} ns");
    println!(
        "  DatalakeEvent::to_record      {to_record:8.0} ns  ({:.2}x serde_json)",
        to_record / serde
    );
    println!(
        "  Producer::send, batched       {producer_ns:8.0} ns  ({:.2}x serde_json; batching adds {:.0} ns)",
        producer_ns / serde,
        producer_ns - to_record
    );
    println!(
        "  Producer::send, aggregated    {aggregated_ns:8.0} ns  ({:.2}x the unaggregated send; \
         {} events in {} Kinesis records, {:.0} per record)",
        aggregated_ns / producer_ns,
        agg_stats.delivered,
        agg_stats.kinesis_records,
        agg_stats.delivered as f64 / agg_stats.kinesis_records as f64
    );
    println!("  300-byte events per aggregated record at the default cap: {per_record_300:.1}");

    // 2. Throughput against kinesalite.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut child = Command::new("node")
        .arg(format!("{root}/scripts/node-tools/kinesalite-server.js"))
        .env(
            "NODE_PATH",
            format!("{root}/scripts/node-tools/node_modules"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot start kinesalite with node ({e}); run scripts/setup-node-tools")
        })?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("kinesalite did not start: {line:?}"))?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut rows = Vec::new();
    for aggregate in [false, true] {
        let name = if aggregate {
            "bench-agg"
        } else {
            "bench-plain"
        };
        let result = rt.block_on(async {
            let builder = ProducerBuilder::new(name)
                .endpoint_url(endpoint.clone())
                .region("us-east-1")
                .static_credentials("test", "test")
                .linger(Duration::from_millis(20))
                .aggregate(aggregate);
            let client = builder.sdk_client().await?;
            client
                .create_stream()
                .stream_name(name)
                .shard_count(4)
                .send()
                .await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            let p: Producer<Order> = builder.connect().await?;
            let cpu0 = process_cpu();
            let t = Instant::now();
            for e in &events {
                p.send(e).await?;
            }
            let report = p.shutdown().await?;
            let wall = t.elapsed();
            let cpu = process_cpu().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
            Ok::<_, Error>((wall, cpu, report))
        });
        match result {
            Ok(r) => rows.push((aggregate, r)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "kinesalite (4 shards, 127.0.0.1), {n} events of {:.0} bytes:",
        bytes as f64 / n as f64
    );
    println!(
        "  aggregation | Kinesis records | PutRecords calls | failed | shard-seconds needed | records/s | producer CPU per event"
    );
    for (aggregate, (wall, cpu, report)) in &rows {
        let s = &report.stats;
        println!(
            "  {:11} | {:15} | {:16} | {:6} | {:20.1} | {:9.0} | {}",
            if *aggregate { "on" } else { "off" },
            s.kinesis_records,
            s.put_records_calls,
            s.failed,
            shard_seconds(s),
            n as f64 / wall.as_secs_f64(),
            cpu.map_or("n/a".to_owned(), |c| format!(
                "{:.2} µs",
                c.as_secs_f64() * 1e6 / n as f64
            )),
        );
    }
    Ok(())
}
