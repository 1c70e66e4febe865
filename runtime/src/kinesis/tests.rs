//! The producer against an in-memory [`Transport`]: batching limits, linger, retries of
//! failed entries only, failures handed back, flush, backpressure and shutdown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::config::Settings;
use super::*;

/// Stores records; fails the entries `fail` picks (by partition key and attempt number).
#[derive(Clone, Default)]
struct Memory {
    stored: Arc<Mutex<Vec<Record>>>,
    calls: Arc<Mutex<Vec<(usize, usize)>>>,
    attempts: Arc<Mutex<HashMap<String, u32>>>,
    #[allow(clippy::type_complexity)]
    fail: Option<Arc<dyn Fn(&str, u32) -> Option<&'static str> + Send + Sync>>,
    whole_call_failures: Arc<AtomicUsize>,
    delay: Duration,
    /// The stream's open shards (ListShards answers them, PutRecords names the one each
    /// entry went to); `None`: the trait's default, one shard and no shard ids.
    shards: Option<Arc<Mutex<Vec<Shard>>>>,
    list_shards_fails: bool,
}

impl Transport for Memory {
    fn put_records<'a>(
        &'a self,
        _stream: &'a StreamTarget,
        records: &'a [Record],
    ) -> BoxFuture<'a, Result<Vec<EntryResult>, TransportError>> {
        Box::pin(async move {
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            let bytes = records.iter().map(Record::size).sum();
            self.calls
                .lock()
                .expect("lock")
                .push((records.len(), bytes));
            if self.whole_call_failures.load(Ordering::SeqCst) > 0 {
                self.whole_call_failures.fetch_sub(1, Ordering::SeqCst);
                return Err(TransportError {
                    code: Some("ProvisionedThroughputExceededException".into()),
                    message: "slow down".into(),
                    retryable: true,
                });
            }
            let mut results = Vec::new();
            for r in records {
                let attempt = {
                    let mut a = self.attempts.lock().expect("lock");
                    let n = a.entry(r.partition_key().to_owned()).or_insert(0);
                    *n += 1;
                    *n
                };
                match self
                    .fail
                    .as_ref()
                    .and_then(|f| f(r.partition_key(), attempt))
                {
                    Some(code) => results.push(EntryResult::Failed {
                        code: code.into(),
                        message: format!("{code} for {}", r.partition_key()),
                    }),
                    None => {
                        self.stored.lock().expect("lock").push(r.clone());
                        let shard_id = self.shards.as_ref().map(|s| {
                            let shards = s.lock().expect("lock");
                            let h = eventlake_kinesis_agg::hash_key(r.partition_key());
                            shards
                                .iter()
                                .find(|s| s.starting_hash_key <= h && h <= s.ending_hash_key)
                                .map(|s| s.id.clone())
                                .unwrap_or_default()
                        });
                        results.push(EntryResult::Stored { shard_id });
                    }
                }
            }
            Ok(results)
        })
    }

    fn list_shards<'a>(
        &'a self,
        _stream: &'a StreamTarget,
    ) -> BoxFuture<'a, Result<Vec<Shard>, TransportError>> {
        Box::pin(async move {
            if self.list_shards_fails {
                return Err(TransportError {
                    code: Some("AccessDeniedException".into()),
                    message: "not authorized to perform kinesis:ListShards".into(),
                    retryable: false,
                });
            }
            Ok(match &self.shards {
                Some(s) => s.lock().expect("lock").clone(),
                None => vec![Shard {
                    id: "shardId-000000000000".into(),
                    starting_hash_key: 0,
                    ending_hash_key: u128::MAX,
                }],
            })
        })
    }
}

/// `n` shards splitting the hash key space evenly, named `shardId-<first>` on.
fn even_shards(n: u128, first: usize) -> Vec<Shard> {
    let step = u128::MAX / n;
    (0..n)
        .map(|i| Shard {
            id: format!("shardId-{:012}", first + i as usize),
            starting_hash_key: i * step,
            ending_hash_key: if i + 1 == n {
                u128::MAX
            } else {
                (i + 1) * step - 1
            },
        })
        .collect()
}

/// The user records in what `memory` stored (de-aggregated).
fn user_records_stored(memory: &Memory) -> Vec<Record> {
    memory
        .stored
        .lock()
        .expect("lock")
        .iter()
        .flat_map(|r| {
            deaggregate(r.data(), r.partition_key())
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .map(|u| Record::new(u.data, u.partition_key))
        })
        .collect()
}

/// 300-byte records over 97 keys, each distinct.
fn small_events(n: usize, tag: &str) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let mut data = format!("{tag}-{i}-").into_bytes();
            data.resize(300, b'x');
            Record::new(data, format!("customer-{}", i % 97))
        })
        .collect()
}

fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
    }
}

fn records(n: usize, size: usize) -> Vec<Record> {
    (0..n)
        .map(|i| Record::new(vec![b'x'; size], format!("k{i}")))
        .collect()
}

#[tokio::test]
async fn batches_keep_to_the_record_and_byte_limits() -> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory::default();
    let p: RecordProducer = ProducerBuilder::new("s")
        .linger(Duration::from_secs(60))
        .with_transport(memory.clone())?;
    // 1,200 small records: 500 + 500 + 200 (the last one sent by flush).
    for r in records(1200, 10) {
        p.send_record(r).await?;
    }
    assert!(p.flush().await?.is_empty());
    let calls = memory.calls.lock().expect("lock").clone();
    assert_eq!(
        calls.iter().map(|c| c.0).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    // 100 KiB records: 51 of them make 5,100 KiB + keys, over 5 MiB; 50 fit.
    memory.calls.lock().expect("lock").clear();
    for r in records(120, 100 * 1024) {
        p.send_record(r).await?;
    }
    p.flush().await?;
    let calls = memory.calls.lock().expect("lock").clone();
    assert!(calls.iter().all(|c| c.1 <= MAX_BATCH_BYTES), "{calls:?}");
    assert_eq!(calls.iter().map(|c| c.0).collect::<Vec<_>>(), [51, 51, 18]);
    let report = p.shutdown().await?;
    assert_eq!(report.stats.delivered, 1320);
    assert_eq!(memory.stored.lock().expect("lock").len(), 1320);
    Ok(())
}

#[tokio::test]
async fn oversized_records_and_bad_keys_are_refused_before_sending()
-> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory::default();
    let p: RecordProducer = ProducerBuilder::new("s").with_transport(memory.clone())?;
    let too_big = Record::new(vec![b'x'; MAX_RECORD_BYTES], "k");
    let err = p.send_record(too_big).await.err();
    assert!(
        matches!(err, Some(SendError::RecordTooLarge { size, limit, .. }) if size == MAX_RECORD_BYTES + 1 && limit == MAX_RECORD_BYTES),
        "{err:?}"
    );
    let msg = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        msg.contains("1048577 bytes") && msg.contains("1048576"),
        "{msg}"
    );
    let err = p.send_record(Record::new(*b"{}", "")).await.err();
    assert!(matches!(
        err,
        Some(SendError::InvalidPartitionKey { chars: 0 })
    ));
    p.shutdown().await?;
    assert!(memory.calls.lock().expect("lock").is_empty());
    Ok(())
}

#[tokio::test]
async fn linger_sends_a_partial_batch() -> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory::default();
    let p: RecordProducer = ProducerBuilder::new("s")
        .linger(Duration::from_millis(20))
        .with_transport(memory.clone())?;
    for r in records(3, 10) {
        p.send_record(r).await?;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while memory.stored.lock().expect("lock").len() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "linger never fired");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(memory.calls.lock().expect("lock").len(), 1);
    p.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn only_failed_entries_are_resent() -> Result<(), Box<dyn std::error::Error>> {
    // Every third key is throttled on its first two attempts.
    let memory = Memory {
        fail: Some(Arc::new(|key: &str, attempt| {
            let n: usize = key[1..].parse().unwrap_or(0);
            (n.is_multiple_of(3) && attempt <= 2)
                .then_some("ProvisionedThroughputExceededException")
        })),
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .retry(fast_retry(5))
        .with_transport(memory.clone())?;
    for r in records(300, 10) {
        p.send_record(r).await?;
    }
    let failed = p.flush().await?;
    assert!(failed.is_empty(), "{failed:?}");
    let calls: Vec<usize> = memory
        .calls
        .lock()
        .expect("lock")
        .iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(
        calls,
        [300, 100, 100],
        "the whole batch, then only the 100 throttled"
    );
    let mut stored: Vec<String> = memory
        .stored
        .lock()
        .expect("lock")
        .iter()
        .map(|r| r.partition_key().to_owned())
        .collect();
    stored.sort();
    stored.dedup();
    assert_eq!(stored.len(), 300);
    assert_eq!(
        memory.stored.lock().expect("lock").len(),
        300,
        "no duplicates"
    );
    let stats = p.stats();
    assert_eq!(
        (stats.retried, stats.throttled, stats.max_attempts),
        (200, 200, 3)
    );
    p.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn records_that_keep_failing_are_handed_back() -> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory {
        fail: Some(Arc::new(|key: &str, _| match key {
            "k1" => Some("ProvisionedThroughputExceededException"),
            "k2" => Some("SomethingPermanent"),
            _ => None,
        })),
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .retry(fast_retry(4))
        .with_transport(memory.clone())?;
    for r in records(5, 10) {
        p.send_record(r).await?;
    }
    let mut failed = p.flush().await?;
    failed.sort_by(|a, b| a.record.partition_key().cmp(b.record.partition_key()));
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0].record.partition_key(), "k1");
    assert_eq!(failed[0].attempts, 4, "retried up to max_attempts");
    assert!(
        matches!(&failed[0].error, RecordError::Rejected { code, .. } if code == "ProvisionedThroughputExceededException")
    );
    assert_eq!(failed[1].record.partition_key(), "k2");
    assert_eq!(
        failed[1].attempts, 1,
        "an unknown error code is not retried"
    );
    assert_eq!(
        failed[1].record.data(),
        &[b'x'; 10][..],
        "the record comes back whole"
    );
    assert!(failed[0].to_string().contains("after 4 attempt(s)"));
    // Handed back once: the next flush has none.
    assert!(p.flush().await?.is_empty());
    let report = p.shutdown().await?;
    assert!(report.failed.is_empty());
    assert_eq!((report.stats.delivered, report.stats.failed), (3, 2));
    Ok(())
}

#[tokio::test]
async fn whole_call_failures_are_retried_then_reported() -> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory {
        whole_call_failures: Arc::new(AtomicUsize::new(2)),
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .retry(fast_retry(3))
        .with_transport(memory.clone())?;
    for r in records(10, 10) {
        p.send_record(r).await?;
    }
    assert!(
        p.flush().await?.is_empty(),
        "two failed calls, the third succeeds"
    );
    memory.whole_call_failures.store(100, Ordering::SeqCst);
    for r in records(10, 10) {
        p.send_record(r).await?;
    }
    let failed = p.flush().await?;
    assert_eq!(failed.len(), 10);
    assert!(failed.iter().all(|f| f.attempts == 3
        && matches!(&f.error, RecordError::Request { code: Some(c), .. } if c == "ProvisionedThroughputExceededException")));
    p.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn failure_callback_takes_the_failures() -> Result<(), Box<dyn std::error::Error>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let memory = Memory {
        fail: Some(Arc::new(|_: &str, _| Some("InvalidArgumentException"))),
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .on_failure(move |f| sink.lock().expect("lock").push(f))
        .with_transport(memory)?;
    for r in records(7, 10) {
        p.send_record(r).await?;
    }
    assert!(p.flush().await?.is_empty());
    assert_eq!(seen.lock().expect("lock").len(), 7);
    p.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn a_full_queue_pushes_back() -> Result<(), Box<dyn std::error::Error>> {
    // One slow call in flight, one batch of 10 waiting, a queue of 5: the rest must wait.
    let memory = Memory {
        delay: Duration::from_millis(200),
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .max_in_flight(1)
        .max_batch_records(10)
        .queue_capacity(5)
        .with_transport(memory.clone())?;
    let mut accepted = 0;
    let mut full = None;
    for r in records(100, 10) {
        match p.try_send_record(r) {
            Ok(()) => accepted += 1,
            Err(e) => {
                full = Some(e);
                break;
            }
        }
        tokio::task::yield_now().await;
    }
    assert!(matches!(full, Some(SendError::QueueFull(_))), "{full:?}");
    assert!(accepted <= 10 + 10 + 5 + 256, "accepted {accepted}");
    // `send` waits instead, and everything arrives.
    for r in records(30, 10) {
        p.send_record(r).await?;
    }
    let report = p.shutdown().await?;
    assert_eq!(report.stats.delivered, accepted + 30);
    Ok(())
}

#[tokio::test]
async fn the_byte_budget_pushes_back() -> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory {
        delay: Duration::from_millis(100),
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .max_record_bytes(1000)
        .max_buffered_bytes(5000)
        .linger(Duration::ZERO)
        .with_transport(memory.clone())?;
    let mut accepted = 0u64;
    for r in records(10, 998) {
        if p.try_send_record(r).is_ok() {
            accepted += 1;
        }
    }
    assert_eq!(
        accepted, 5,
        "5 records of 1000 bytes fill a 5000-byte budget"
    );
    let report = p.shutdown().await?;
    assert_eq!(report.stats.delivered, 5);
    Ok(())
}

#[tokio::test]
async fn shutdown_delivers_what_is_queued_and_closes() -> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory::default();
    let p: RecordProducer = ProducerBuilder::new("s")
        .linger(Duration::from_secs(3600))
        .with_transport(memory.clone())?;
    for r in records(42, 10) {
        p.send_record(r).await?;
    }
    let report = p.shutdown().await?;
    assert_eq!(memory.stored.lock().expect("lock").len(), 42);
    assert_eq!(report.stats.accepted, 42);
    assert!(matches!(
        p.send_record(Record::new(*b"{}", "k")).await,
        Err(SendError::Closed)
    ));
    assert!(matches!(p.flush().await, Err(SendError::Closed)));
    Ok(())
}

#[tokio::test]
async fn flush_waits_for_retries_of_earlier_records() -> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory {
        fail: Some(Arc::new(|_: &str, attempt| {
            (attempt < 3).then_some("InternalFailure")
        })),
        delay: Duration::from_millis(5),
        ..Memory::default()
    };
    let p = Arc::new(
        ProducerBuilder::new("s")
            .retry(fast_retry(5))
            .with_transport::<Record>(memory.clone())?,
    );
    for r in records(50, 10) {
        p.send_record(r).await?;
    }
    assert!(p.flush().await?.is_empty());
    assert_eq!(memory.stored.lock().expect("lock").len(), 50);
    p.shutdown().await?;
    Ok(())
}

#[test]
fn building_needs_a_runtime_and_valid_settings() {
    let err = ProducerBuilder::new("s")
        .with_transport::<Record>(Memory::default())
        .err();
    assert!(matches!(err, Some(ConfigError::NoRuntime)), "{err:?}");
    let err = ProducerBuilder::new("not a name")
        .with_transport::<Record>(Memory::default())
        .err();
    assert!(
        matches!(err, Some(ConfigError::InvalidStreamName(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_queue_smaller_than_a_batch_does_not_wait_for_the_linger()
-> Result<(), Box<dyn std::error::Error>> {
    // `send` waiting for room sends the open batch, so the task can take it at once.
    let memory = Memory::default();
    let p: RecordProducer = ProducerBuilder::new("s")
        .linger(Duration::from_secs(3600))
        .queue_capacity(3)
        .with_transport(memory.clone())?;
    let sending = async {
        for r in records(10, 10) {
            p.send_record(r).await?;
        }
        p.flush().await
    };
    let failed = tokio::time::timeout(Duration::from_secs(5), sending).await??;
    assert!(failed.is_empty());
    assert_eq!(memory.stored.lock().expect("lock").len(), 10);
    let calls = memory.calls.lock().expect("lock").clone();
    assert!(calls.iter().all(|c| c.0 <= 3), "{calls:?}");
    p.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn a_dropped_producer_still_delivers_its_open_batch() -> Result<(), Box<dyn std::error::Error>>
{
    let memory = Memory::default();
    let p: RecordProducer = ProducerBuilder::new("s")
        .linger(Duration::from_secs(3600))
        .with_transport(memory.clone())?;
    for r in records(7, 10) {
        p.send_record(r).await?;
    }
    drop(p);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while memory.stored.lock().expect("lock").len() < 7 {
        assert!(tokio::time::Instant::now() < deadline, "never delivered");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_senders_and_flushes_lose_nothing() -> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory::default();
    let p = Arc::new(
        ProducerBuilder::new("s")
            .linger(Duration::from_millis(2))
            .max_batch_records(50)
            .queue_capacity(100)
            .with_transport::<Record>(memory.clone())?,
    );
    let mut tasks = Vec::new();
    for t in 0..4 {
        let p = Arc::clone(&p);
        let memory = memory.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..500 {
                let r = Record::new(vec![b'x'; 10], format!("t{t}-{i}"));
                p.send_record(r).await?;
                if i % 100 == 99 {
                    // Everything this task sent so far is stored once flush returns.
                    assert!(p.flush().await?.is_empty());
                    let stored = memory.stored.lock().expect("lock").clone();
                    let mine = stored
                        .iter()
                        .filter(|r| r.partition_key().starts_with(&format!("t{t}-")))
                        .count();
                    assert!(mine > i, "task {t}: {mine} stored after {} sent", i + 1);
                }
            }
            Ok::<_, SendError>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let report = p.shutdown().await?;
    assert_eq!(report.stats.delivered, 2000);
    assert_eq!(memory.stored.lock().expect("lock").len(), 2000);
    Ok(())
}

#[tokio::test]
async fn aggregation_packs_small_events_and_loses_none() -> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory {
        shards: Some(Arc::new(Mutex::new(even_shards(4, 0)))),
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .linger(Duration::from_secs(60))
        .aggregate(true)
        .with_transport(memory.clone())?;
    let sent = small_events(5000, "a");
    for r in sent.clone() {
        p.send_record(r).await?;
    }
    assert!(p.flush().await?.is_empty());
    let stats = p.shutdown().await?.stats;
    let stored = memory.stored.lock().expect("lock").clone();
    // 5,000 × ~315 bytes = ~1.6 MB: one call of ~4 shards × 8 records of at most 51,200 bytes.
    assert_eq!(stats.put_records_calls, 1, "{stats:?}");
    assert!(
        stored
            .iter()
            .all(|r| r.size() <= DEFAULT_AGGREGATED_RECORD_BYTES)
    );
    assert!(stored.len() <= 40, "{} Kinesis records", stored.len());
    assert_eq!(stats.kinesis_records, stored.len() as u64);
    assert_eq!((stats.accepted, stats.delivered), (5000, 5000));
    assert_eq!(stats.list_shards_calls, 1);
    let mut got = user_records_stored(&memory);
    let mut want = sent;
    got.sort_by(|a, b| a.data().cmp(b.data()));
    want.sort_by(|a, b| a.data().cmp(b.data()));
    assert_eq!(got, want, "every user record exactly once");
    Ok(())
}

#[tokio::test]
async fn aggregated_records_are_retried_whole_and_failures_name_user_records()
-> Result<(), Box<dyn std::error::Error>> {
    // Kinesis records keyed (by their first user record) customer-0 always fail: the first
    // record sent, so the first aggregated record of its shard starts with it. The first two
    // Kinesis records keyed with any other customer fail once each, then are stored.
    let memory = Memory {
        shards: Some(Arc::new(Mutex::new(even_shards(8, 0)))),
        fail: Some(Arc::new(|key: &str, attempt| match key {
            "customer-0" => Some("ProvisionedThroughputExceededException"),
            _ if attempt <= 2 => Some("InternalFailure"),
            _ => None,
        })),
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .linger(Duration::from_secs(60))
        .max_aggregated_record_bytes(4096)
        .retry(fast_retry(4))
        .with_transport(memory.clone())?;
    let sent = small_events(3000, "b");
    for r in sent.clone() {
        p.send_record(r).await?;
    }
    let failed = p.flush().await?;
    let stats = p.shutdown().await?.stats;
    assert!(!failed.is_empty());
    // Failures are user records (not aggregated records), each after 4 attempts.
    for f in &failed {
        assert!(!is_aggregated(f.record.data()));
        assert_eq!(f.record.data().len(), 300);
        assert_eq!(f.attempts, 4);
        assert!(
            matches!(&f.error, RecordError::Rejected { code, .. } if code == "ProvisionedThroughputExceededException")
        );
    }
    assert!(
        failed
            .iter()
            .any(|f| f.record.partition_key() == "customer-0")
    );
    assert!(
        failed
            .iter()
            .any(|f| f.record.partition_key() != "customer-0"),
        "the other user records of the failed aggregated records are named too"
    );
    // Stored and failed together are what was sent, each exactly once.
    let mut got = user_records_stored(&memory);
    got.extend(failed.iter().map(|f| f.record.clone()));
    let mut want = sent;
    got.sort_by(|a, b| a.data().cmp(b.data()));
    want.sort_by(|a, b| a.data().cmp(b.data()));
    assert_eq!(got, want);
    assert_eq!(stats.delivered + stats.failed, 3000);
    assert_eq!(stats.failed, failed.len() as u64);
    assert!(stats.retried > 0);
    Ok(())
}

#[tokio::test]
async fn a_resharded_stream_is_listed_again() -> Result<(), Box<dyn std::error::Error>> {
    let shards = Arc::new(Mutex::new(even_shards(1, 0)));
    let memory = Memory {
        shards: Some(Arc::clone(&shards)),
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .linger(Duration::from_secs(60))
        .aggregate(true)
        .max_in_flight(1)
        .with_transport(memory.clone())?;
    for r in small_events(500, "before") {
        p.send_record(r).await?;
    }
    p.flush().await?;
    assert_eq!(p.stats().list_shards_calls, 1);
    // The shard splits in two children: the producer's map is stale until a record lands
    // in a shard it did not predict.
    *shards.lock().expect("lock") = even_shards(2, 1);
    for r in small_events(500, "during") {
        p.send_record(r).await?;
    }
    p.flush().await?;
    for r in small_events(500, "after") {
        p.send_record(r).await?;
    }
    p.flush().await?;
    let stats = p.shutdown().await?.stats;
    assert_eq!(stats.list_shards_calls, 2, "listed again after the split");
    assert_eq!(stats.delivered, 1500);
    // After the new listing, every aggregated record holds user records of one shard.
    let map = shards.lock().expect("lock").clone();
    let shard_of = |key: &str| {
        let h = eventlake_kinesis_agg::hash_key(key);
        map.iter()
            .position(|s| s.starting_hash_key <= h && h <= s.ending_hash_key)
    };
    let stored = memory.stored.lock().expect("lock").clone();
    let after: Vec<&Record> = stored
        .iter()
        .filter(|r| {
            deaggregate(r.data(), r.partition_key()).is_ok_and(|u| u[0].data.starts_with(b"after-"))
        })
        .collect();
    assert!(after.len() >= 2);
    for r in after {
        let users = deaggregate(r.data(), r.partition_key())?;
        let home = shard_of(r.partition_key());
        assert!(users.iter().all(|u| shard_of(&u.partition_key) == home));
    }
    Ok(())
}

#[tokio::test]
async fn without_list_shards_aggregated_records_fail_with_a_clear_error()
-> Result<(), Box<dyn std::error::Error>> {
    let memory = Memory {
        list_shards_fails: true,
        ..Memory::default()
    };
    let p: RecordProducer = ProducerBuilder::new("s")
        .aggregate(true)
        .with_transport(memory.clone())?;
    for r in small_events(10, "c") {
        p.send_record(r).await?;
    }
    let failed = p.flush().await?;
    assert_eq!(failed.len(), 10);
    let message = failed[0].to_string();
    assert!(message.contains("kinesis:ListShards"), "{message}");
    assert!(memory.calls.lock().expect("lock").is_empty());
    p.shutdown().await?;
    Ok(())
}

#[test]
fn the_aggregation_cap_is_checked() {
    let s = Settings {
        aggregate: Some(MAX_RECORD_BYTES + 1),
        ..Settings::default()
    };
    assert!(matches!(
        s.check(),
        Err(ConfigError::OutOfRange {
            name: "max_aggregated_record_bytes",
            ..
        })
    ));
}
