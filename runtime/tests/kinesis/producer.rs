//! 10,000 typed events through `Producer` into a 4-shard stream, read back over every shard:
//! each event exactly once, bytes equal to `to_record`, keyed by `partition_key`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use eventlake::DatalakeEvent;
use eventlake::kinesis::{Producer, ProducerBuilder, stream_name};

use crate::events::{orders, shop::OrderPlaced};
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
