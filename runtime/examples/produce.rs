//! Sends events of the example lake (`events.toml`) to a Kinesis stream with
//! `eventlake::kinesis::Producer`: typed sample events, or the records of an NDJSON file.
//!
//! ```text
//! cargo run -p eventlake --features kinesis --example produce -- [options]
//!
//!   --event NAME         order_placed (default), payment_captured or staff_updated
//!   --environment ENV    send to the stack's stream `shop-ENV-<event>` (default: dv)
//!   --stream NAME|ARN    send to this stream instead
//!   --count N            typed sample events to send (default 10)
//!   --ndjson FILE        send each line of FILE (one JSON object per line) instead; the
//!                        partition key is the event's `partition_key` field (events.toml)
//!   --schema PATH        the events.toml for --ndjson (default: the repository's)
//!   --endpoint URL       a local Kinesis such as kinesalite (static test credentials unless
//!                        AWS_ACCESS_KEY_ID is set); otherwise the SDK's configuration chain
//!   --region REGION      default: the ARN's region, else the SDK's chain (us-east-1 locally)
//!   --create-stream N    create the stream with N shards first (for local testing)
//!   --aggregate          pack the events into KPL aggregated records (needs
//!                        kinesis:ListShards; see docs/kinesis-aggregation.md)
//! ```
//!
//! Prints the producer's counters; exits with status 1 when a record failed for good.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use eventlake::DatalakeEvent;
use eventlake::chrono::{Duration, TimeZone, Utc};
use eventlake::kinesis::{
    Producer, ProducerBuilder, Record, RecordProducer, ShutdownReport, StreamTarget,
};
use eventlake::rust_decimal::Decimal;

#[allow(dead_code, missing_docs)]
mod shop {
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../out/rust/shop.rs"));
}
use shop::*;

type Error = Box<dyn std::error::Error + Send + Sync>;

struct Args {
    event: String,
    environment: String,
    stream: Option<String>,
    count: usize,
    ndjson: Option<PathBuf>,
    schema: PathBuf,
    endpoint: Option<String>,
    region: Option<String>,
    create_shards: Option<i32>,
    aggregate: bool,
}

fn parse_args() -> Result<Args, Error> {
    let mut args = Args {
        event: "order_placed".into(),
        environment: "dv".into(),
        stream: None,
        count: 10,
        ndjson: None,
        schema: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../events.toml")),
        endpoint: None,
        region: None,
        create_shards: None,
        aggregate: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(
                "usage: produce [--event NAME] [--environment ENV | --stream NAME|ARN] \
                        [--count N | --ndjson FILE [--schema PATH]] [--endpoint URL] \
                        [--region REGION] [--create-stream SHARDS] [--aggregate]"
                    .into(),
            );
        }
        if flag == "--aggregate" {
            args.aggregate = true;
            continue;
        }
        const FLAGS: [&str; 9] = [
            "--event",
            "--environment",
            "--stream",
            "--count",
            "--ndjson",
            "--schema",
            "--endpoint",
            "--region",
            "--create-stream",
        ];
        if !FLAGS.contains(&flag.as_str()) {
            return Err(format!("unknown option {flag} (try --help)").into());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--event" => args.event = value,
            "--environment" => args.environment = value,
            "--stream" => args.stream = Some(value),
            "--count" => args.count = value.parse().map_err(|e| format!("--count {value}: {e}"))?,
            "--ndjson" => args.ndjson = Some(value.into()),
            "--schema" => args.schema = value.into(),
            "--endpoint" => args.endpoint = Some(value),
            "--region" => args.region = Some(value),
            "--create-stream" => {
                args.create_shards = Some(
                    value
                        .parse()
                        .map_err(|e| format!("--create-stream {value}: {e}"))?,
                )
            }
            other => return Err(format!("unknown option {other} (try --help)").into()),
        }
    }
    Ok(args)
}

fn builder(args: &Args, stream: &str) -> ProducerBuilder {
    let mut b = ProducerBuilder::new(stream);
    if let Some(url) = &args.endpoint {
        b = b.endpoint_url(url.clone());
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            b = b.static_credentials("test", "test");
        }
        if args.region.is_none() {
            b = b.region("us-east-1");
        }
    }
    if let Some(region) = &args.region {
        b = b.region(region.clone());
    }
    b.aggregate(args.aggregate)
}

/// Creates the stream (and waits for it) with the producer's own client configuration.
async fn create_stream(builder: &ProducerBuilder, stream: &str, shards: i32) -> Result<(), Error> {
    let StreamTarget::Name(name) = StreamTarget::parse(stream)? else {
        return Err("--create-stream needs a stream name, not an ARN".into());
    };
    let client = builder.sdk_client().await?;
    match client
        .create_stream()
        .stream_name(&name)
        .shard_count(shards)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if format!("{e:?}").contains("ResourceInUseException") => {}
        Err(e) => return Err(format!("CreateStream {name}: {e:?}").into()),
    }
    for _ in 0..100 {
        let d = client.describe_stream().stream_name(&name).send().await?;
        let status = d
            .stream_description()
            .map(|s| s.stream_status().as_str().to_owned());
        if status.as_deref() == Some("ACTIVE") {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("stream {name} is not ACTIVE").into())
}

fn orders(n: usize) -> Vec<OrderPlaced> {
    let t0 = Utc
        .with_ymd_and_hms(2024, 5, 1, 9, 30, 0)
        .single()
        .unwrap_or_default();
    (0..n)
        .map(|i| OrderPlaced {
            order_id: format!("example-order-{i}"),
            occurred_at: t0 + Duration::seconds(i as i64),
            customer_id: 1042 + (i as i64 % 50),
            total: Decimal::new(12990 + i as i64, 2),
            currency: Some(OrderPlacedCurrency::Eur),
            items: Some(vec![OrderPlacedItems {
                sku: Some("sku-1".into()),
                quantity: Some(1),
                unit_price: Some(Decimal::new(12990, 2)),
            }]),
            shipping: Some(OrderPlacedShipping {
                city: Some("Berlin".into()),
                zip: Some("10115".into()),
                geo: None,
            }),
            attributes: Some(BTreeMap::from([("source".into(), "example".into())])),
            is_test: Some(true),
        })
        .collect()
}

fn payments(n: usize) -> Vec<PaymentCaptured> {
    let t0 = Utc
        .with_ymd_and_hms(2024, 5, 1, 9, 31, 0)
        .single()
        .unwrap_or_default();
    (0..n)
        .map(|i| PaymentCaptured {
            payment_id: format!("example-payment-{i}"),
            order_id: format!("example-order-{i}"),
            captured_at: t0 + Duration::seconds(i as i64),
            amount: Decimal::new(12990 + i as i64, 2),
            method: PaymentCapturedMethod::Card,
            merchant_id: Some(77),
            date: t0.date_naive().succ_opt(),
            attempt: Some(1),
            installments: None,
            fee_rate: Some(0.029),
            risk_score: Some(0.12),
            processor_ref: Some(format!("ref-{i}")),
            country: Some("DE".into()),
        })
        .collect()
}

fn staff(n: usize) -> Vec<StaffUpdated> {
    let t0 = Utc
        .with_ymd_and_hms(2020, 1, 5, 1, 5, 0)
        .single()
        .unwrap_or_default();
    (0..n)
        .map(|i| StaffUpdated {
            staff_name: format!("Staff {i}"),
            staff_id: i as i32 + 1,
            email_id: Some(format!("staff{i}@example.com")),
            status: Some(StaffUpdatedStatus::Active),
            source_timestamp: t0 + Duration::seconds(i as i64),
            metadata: Some(StaffUpdatedMetadata {
                appname: Some("WebApp".into()),
                eventtype: Some("CREATE_STAFF".into()),
            }),
        })
        .collect()
}

async fn send_typed<E: DatalakeEvent>(
    builder: ProducerBuilder,
    events: Vec<E>,
) -> Result<ShutdownReport, Error> {
    // Knowing the event lets the builder warn (aggregation on an event-time event's stream).
    let producer: Producer<E> = builder.carrying::<E>().connect().await?;
    for e in &events {
        producer.send(e).await?;
    }
    Ok(producer.shutdown().await?)
}

async fn send_ndjson(
    builder: ProducerBuilder,
    args: &Args,
    path: &PathBuf,
) -> Result<ShutdownReport, Error> {
    let loaded = eventlake_schema::load_path(&args.schema).map_err(|r| r.to_string())?;
    let event = loaded
        .schema
        .events
        .iter()
        .find(|e| e.name == args.event)
        .ok_or_else(|| format!("{} has no event {}", args.schema.display(), args.event))?;
    let key_field = event
        .partition_key
        .as_ref()
        .and_then(|k| event.fields.iter().find(|f| &f.name == k))
        .map(|f| f.json_key().to_owned());
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let producer: RecordProducer = builder.connect().await?;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        if !value.is_object() {
            return Err(format!("{}:{}: not a JSON object", path.display(), n + 1).into());
        }
        let key = key_field
            .as_deref()
            .and_then(|k| value.get(k))
            .and_then(|v| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            })
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| random_key(n));
        producer
            .send_record(Record::new(line.trim().as_bytes(), key))
            .await?;
    }
    Ok(producer.shutdown().await?)
}

/// A key for records without a partition-key value: spreads them over the shards.
fn random_key(n: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(n);
    format!("{:016x}{n:x}", h.finish())
}

async fn run(args: Args) -> Result<bool, Error> {
    let stream = match &args.stream {
        Some(s) => s.clone(),
        None => format!("shop-{}-{}", args.environment, args.event),
    };
    let b = builder(&args, &stream);
    if let Some(shards) = args.create_shards {
        create_stream(&b, &stream, shards).await?;
    }
    let started = Instant::now();
    let report = match (&args.ndjson, args.event.as_str()) {
        (Some(path), _) => send_ndjson(b, &args, path).await?,
        (None, "order_placed") => send_typed(b, orders(args.count)).await?,
        (None, "payment_captured") => send_typed(b, payments(args.count)).await?,
        (None, "staff_updated") => send_typed(b, staff(args.count)).await?,
        (None, other) => return Err(format!("no sample events for {other}").into()),
    };
    let s = report.stats;
    println!(
        "{stream}: {} delivered in {} Kinesis records, {} failed, {} PutRecords calls, \
         {} entries retried, in {:.2?}",
        s.delivered,
        s.kinesis_records,
        s.failed,
        s.put_records_calls,
        s.retried,
        started.elapsed()
    );
    for f in &report.failed {
        eprintln!("failed: {f}");
    }
    Ok(report.failed.is_empty())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
