//! 10,000 typed events through `Producer` into a 4-shard stream, read back over every shard:
//! each event exactly once, bytes equal to `to_record`, keyed by `partition_key`; the same
//! with aggregation (de-aggregated, each user record in the shard its key hashes to); and the
//! warning for aggregation on an event-time event's stream.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use eventlake::DatalakeEvent;
use eventlake::kinesis::{
    DEFAULT_AGGREGATED_RECORD_BYTES, Producer, ProducerBuilder, aws_sdk_kinesis, deaggregate,
    hash_key, stream_name,
};

use crate::events::{
    orders,
    shop::{OrderPlaced, PaymentCaptured},
};
use crate::support::{Kinesalite, TestResult, client, create_stream, read_all};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_typed_events_arrive_exactly_once() -> TestResult {
    let kinesalite = Kinesalite::start()?;
    let kinesis = client(&kinesalite.endpoint());
    let stream = stream_name::<OrderPlaced>("test");
    assert_eq!(stream, "shop-test-order_placed");
    create_stream(&kinesis, &stream, 4).await?;

    let events = orders(10_000);
    let producer: Producer<OrderPlaced> = ProducerBuilder::for_event::<OrderPlaced>("test")
        .endpoint_url(kinesalite.endpoint())
        .region("us-east-1")
        .static_credentials("test", "test")
        .linger(Duration::from_millis(20))
        .connect()
        .await?;
    let started = Instant::now();
    for event in &events {
        producer.send(event).await?;
    }
    let report = producer.shutdown().await?;
    let elapsed = started.elapsed();
    assert!(
        report.failed.is_empty(),
        "failed: {:?}",
        report.failed.first()
    );
    assert_eq!(report.stats.accepted, 10_000);
    assert_eq!(report.stats.delivered, 10_000);
    assert!(
        report.stats.put_records_calls >= 20,
        "at most 500 records per call: {:?}",
        report.stats
    );
    eprintln!(
        "10,000 events in {elapsed:?} ({:.0} records/s), {:?}",
        10_000.0 / elapsed.as_secs_f64(),
        report.stats
    );

    let stored = read_all(&kinesis, &stream).await?;
    assert_eq!(stored.len(), 10_000, "records read back");
    let mut expected: HashMap<Vec<u8>, (String, usize)> = events
        .iter()
        .map(|e| (e.to_record(), (e.partition_key(), 0)))
        .collect();
    assert_eq!(expected.len(), 10_000, "the test events are distinct");
    for s in &stored {
        let Some((key, seen)) = expected.get_mut(&s.data) else {
            return Err(format!(
                "a record that was never sent: {}",
                String::from_utf8_lossy(&s.data)
            )
            .into());
        };
        assert_eq!(&s.partition_key, key);
        *seen += 1;
    }
    let wrong: Vec<_> = expected.values().filter(|(_, n)| *n != 1).collect();
    assert!(
        wrong.is_empty(),
        "{} events not seen exactly once",
        wrong.len()
    );
    let shards: std::collections::BTreeSet<&str> =
        stored.iter().map(|s| s.shard.as_str()).collect();
    assert_eq!(shards.len(), 4, "997 keys spread over every shard");
    Ok(())
}

/// The open shards' hash key ranges of `stream` (to check where records landed).
pub async fn shard_ranges(
    kinesis: &aws_sdk_kinesis::Client,
    stream: &str,
) -> TestResult<Vec<(String, u128, u128)>> {
    let d = kinesis.describe_stream().stream_name(stream).send().await?;
    let mut out = Vec::new();
    for s in d
        .stream_description()
        .map(|d| d.shards())
        .unwrap_or_default()
    {
        let range = s.hash_key_range().ok_or("no hash key range")?;
        out.push((
            s.shard_id().to_owned(),
            range.starting_hash_key().parse()?,
            range.ending_hash_key().parse()?,
        ));
    }
    Ok(out)
}

/// The shard of `ranges` whose range holds `key`'s hash key, among `candidates`.
pub fn home_shard<'a>(ranges: &'a [(String, u128, u128)], key: &str) -> Vec<&'a str> {
    let h = hash_key(key);
    ranges
        .iter()
        .filter(|(_, lo, hi)| *lo <= h && h <= *hi)
        .map(|(id, _, _)| id.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregated_events_arrive_exactly_once_in_their_shard() -> TestResult {
    let kinesalite = Kinesalite::start()?;
    let kinesis = client(&kinesalite.endpoint());
    let stream = stream_name::<OrderPlaced>("agg");
    create_stream(&kinesis, &stream, 4).await?;
    let events = orders(10_000);
    let producer: Producer<OrderPlaced> = ProducerBuilder::new(stream.clone())
        .linger(Duration::from_millis(20))
        .aggregate(true)
        .with_client(client(&kinesalite.endpoint()))?;
    for event in &events {
        producer.send(event).await?;
    }
    let report = producer.shutdown().await?;
    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
    assert_eq!(report.stats.delivered, 10_000);
    assert_eq!(report.stats.list_shards_calls, 1);

    let stored = read_all(&kinesis, &stream).await?;
    assert_eq!(stored.len() as u64, report.stats.kinesis_records);
    // ~380-byte events in records of at most 51,200 bytes, over 4 shards.
    assert!(
        stored.len() < 10_000 / 50,
        "{} Kinesis records for 10,000 events",
        stored.len()
    );
    let ranges = shard_ranges(&kinesis, &stream).await?;
    let mut expected: HashMap<Vec<u8>, (String, usize)> = events
        .iter()
        .map(|e| (e.to_record(), (e.partition_key(), 0)))
        .collect();
    for s in &stored {
        assert!(s.data.len() + s.partition_key.len() <= DEFAULT_AGGREGATED_RECORD_BYTES);
        for user in deaggregate(&s.data, &s.partition_key)? {
            let Some((key, seen)) = expected.get_mut(&user.data) else {
                return Err("a user record that was never sent".into());
            };
            assert_eq!(&user.partition_key, key);
            // Every user record is in the shard its own key hashes to.
            assert_eq!(home_shard(&ranges, key), [s.shard.as_str()]);
            *seen += 1;
        }
    }
    let wrong = expected.values().filter(|(_, n)| *n != 1).count();
    assert_eq!(wrong, 0, "events not seen exactly once");
    Ok(())
}

#[test]
fn aggregation_for_an_event_time_event_warns() {
    let warnings = ProducerBuilder::for_event::<PaymentCaptured>("dv")
        .aggregate(true)
        .warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("payment_captured") && warnings[0].contains("dynamic partitioning"),
        "{warnings:?}"
    );
    // Not without aggregation, and not for an event partitioned by arrival time.
    assert!(
        ProducerBuilder::for_event::<PaymentCaptured>("dv")
            .warnings()
            .is_empty()
    );
    assert!(
        ProducerBuilder::for_event::<OrderPlaced>("dv")
            .aggregate(true)
            .warnings()
            .is_empty()
    );
}
