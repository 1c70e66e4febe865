//! An aggregating producer and a shard split in the middle of the stream (kinesalite's
//! SplitShard): nothing is lost or duplicated, the producer lists the shards again once a
//! record lands in a shard it did not predict, and from then on every user record is in the
//! shard its key hashes to.

use std::collections::HashMap;
use std::time::Duration;

use eventlake::DatalakeEvent;
use eventlake::kinesis::{Producer, ProducerBuilder, deaggregate, stream_name};

use crate::events::{orders, shop::OrderPlaced};
use crate::producer::{home_shard, shard_ranges};
use crate::support::{Kinesalite, TestResult, client, read_all};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_shard_is_noticed_and_nothing_is_lost() -> TestResult {
    let kinesalite = Kinesalite::start()?;
    let kinesis = client(&kinesalite.endpoint());
    let stream = stream_name::<OrderPlaced>("split");
    crate::support::create_stream(&kinesis, &stream, 1).await?;
    let events = orders(6_000);
    let (before, rest) = events.split_at(2_000);
    let (during, after) = rest.split_at(2_000);
    let producer: Producer<OrderPlaced> = ProducerBuilder::new(stream.clone())
        .linger(Duration::from_millis(10))
        .aggregate(true)
        .max_in_flight(1)
        .with_client(client(&kinesalite.endpoint()))?;
    for e in before {
        producer.send(e).await?;
    }
    assert!(producer.flush().await?.is_empty());
    assert_eq!(producer.stats().list_shards_calls, 1);

    // Split the one shard in the middle of the hash key space and wait for the children.
    kinesis
        .split_shard()
        .stream_name(&stream)
        .shard_to_split("shardId-000000000000")
        .new_starting_hash_key((u128::MAX / 2 + 1).to_string())
        .send()
        .await?;
    wait_active(&kinesis, &stream).await?;

    // In calls of 200 events: only the first goes out with the stale map.
    for chunk in during.chunks(200) {
        for e in chunk {
            producer.send(e).await?;
        }
        assert!(producer.flush().await?.is_empty());
    }
    for e in after {
        producer.send(e).await?;
    }
    let report = producer.shutdown().await?;
    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
    assert_eq!(report.stats.delivered, 6_000);
    assert_eq!(
        report.stats.list_shards_calls, 2,
        "listed again after the split: {:?}",
        report.stats
    );

    let ranges = shard_ranges(&kinesis, &stream).await?;
    let open: Vec<_> = ranges
        .iter()
        .filter(|(id, _, _)| id != "shardId-000000000000")
        .cloned()
        .collect();
    assert_eq!(open.len(), 2, "two children: {ranges:?}");
    let phase: HashMap<Vec<u8>, usize> = [before, during, after]
        .iter()
        .enumerate()
        .flat_map(|(p, es)| es.iter().map(move |e| (e.to_record(), p)))
        .collect();
    let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut misplaced = [0usize; 3];
    for s in read_all(&kinesis, &stream).await? {
        for user in deaggregate(&s.data, &s.partition_key)? {
            let p = *phase.get(&user.data).ok_or("a record never sent")?;
            let home = if p == 0 {
                vec!["shardId-000000000000"]
            } else {
                home_shard(&open, &user.partition_key)
            };
            if home != [s.shard.as_str()] {
                misplaced[p] += 1;
            }
            *seen.entry(user.data).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), 6_000, "every event stored");
    assert!(seen.values().all(|n| *n == 1), "none stored twice");
    // Before the split everything is in the one shard; after the new listing, every user
    // record is in its own shard. Only calls sent with the stale map (the first call after
    // the split) can put a user record in its sibling shard.
    assert_eq!(misplaced[0], 0);
    assert!(
        misplaced[1] <= 200,
        "{} misplaced: more than one call",
        misplaced[1]
    );
    assert_eq!(misplaced[2], 0, "after the new listing");
    eprintln!(
        "user records in a sibling shard while the map was stale: {} of 2,000; {:?}",
        misplaced[1], report.stats
    );
    Ok(())
}

async fn wait_active(
    kinesis: &eventlake::kinesis::aws_sdk_kinesis::Client,
    stream: &str,
) -> TestResult {
    use eventlake::kinesis::aws_sdk_kinesis::types::StreamStatus;
    for _ in 0..400 {
        let d = kinesis.describe_stream().stream_name(stream).send().await?;
        if d.stream_description().map(|s| s.stream_status()) == Some(&StreamStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err("the stream never became ACTIVE after the split".into())
}
