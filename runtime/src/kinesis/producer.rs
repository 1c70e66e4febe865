//! The producer's handle ([`Producer`]) and its settings ([`ProducerBuilder`]): what `send`
//! does on the caller's side before the background task (`worker`) takes over.

use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{AcquireError, Semaphore, SemaphorePermit, TryAcquireError, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::config::{DEFAULT_AGGREGATED_RECORD_BYTES, RetryPolicy, Settings, StreamTarget};
use super::error::{ConfigError, FailedRecord, SendError};
use super::queue::Queue;
use super::record::Record;
use super::transport::{KinesisTransport, Transport};
use super::worker::{self, Counters, Msg, Shared, Worker};
use crate::DatalakeEvent;

/// Sends events of type `E` to one Kinesis stream, batched and retried.
///
/// Share it between tasks behind an `Arc`: every method takes `&self`. A producer of
/// pre-serialised records is a `Producer<Record>` ([`RecordProducer`]).
///
/// End with [`shutdown`](Self::shutdown). A producer dropped without it still delivers what
/// is queued in the background (while the runtime runs), but records that then fail for good
/// reach only an [`on_failure`](ProducerBuilder::on_failure) callback.
pub struct Producer<E: ?Sized> {
    shared: Arc<Shared>,
    settings: Settings,
    stream: Arc<StreamTarget>,
    worker: Mutex<Option<JoinHandle<()>>>,
    warnings: Vec<String>,
    _event: PhantomData<fn(&E)>,
}

/// A producer of records serialised elsewhere (for example an NDJSON file).
pub type RecordProducer = Producer<Record>;

impl<E: ?Sized> std::fmt::Debug for Producer<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("stream", &self.stream)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Counters of a producer since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records accepted by `send` (user records, when aggregating).
    pub accepted: u64,
    /// Records Kinesis stored (user records, when aggregating).
    pub delivered: u64,
    /// Records that failed for good (handed back; user records, when aggregating).
    pub failed: u64,
    /// PutRecords calls made, retries included.
    pub put_records_calls: u64,
    /// Entries (Kinesis records, aggregated or not) sent again after a failed entry or call.
    pub retried: u64,
    /// Entries answered with `ProvisionedThroughputExceededException`.
    pub throttled: u64,
    /// The most PutRecords calls any record needed.
    pub max_attempts: u64,
    /// Records whose call panicked inside a custom [`Transport`] (never with the SDK's).
    pub lost_to_panic: u64,
    /// Kinesis records stored: equal to `delivered` without aggregation, far fewer with it.
    pub kinesis_records: u64,
    /// Bytes (data plus partition keys) of the Kinesis records stored: what the shards'
    /// 1 MiB/s write limit counts.
    pub kinesis_bytes: u64,
    /// ListShards calls (aggregation only: once at the start, again after a reshard).
    pub list_shards_calls: u64,
}

/// What [`Producer::shutdown`] reports.
#[derive(Debug, Default)]
pub struct ShutdownReport {
    /// The records that failed for good and were not yet handed out by `flush`.
    pub failed: Vec<FailedRecord>,
    /// The producer's counters at the end.
    pub stats: Stats,
}

impl<E: DatalakeEvent + ?Sized> Producer<E> {
    /// Serialises `event` and queues it, waiting while the queue or the buffer is full.
    ///
    /// Returns once the record is queued, not once it is stored: [`flush`](Self::flush) waits
    /// for that. Fails at once, without queuing, for a record over the size limit or with an
    /// invalid partition key.
    pub async fn send(&self, event: &E) -> Result<(), SendError> {
        self.send_record(Record::of(event)).await
    }

    /// [`send`](Self::send) without waiting: [`SendError::QueueFull`] when it would wait.
    pub fn try_send(&self, event: &E) -> Result<(), SendError> {
        self.try_send_record(Record::of(event))
    }
}

impl<E: ?Sized> Producer<E> {
    /// Queues a record serialised elsewhere (checked like [`send`](Self::send)).
    pub async fn send_record(&self, record: Record) -> Result<(), SendError> {
        record.check(&self.settings.limits)?;
        let shared = &*self.shared;
        let slot = acquire(shared, &shared.slots, 1).await?;
        let bytes = acquire(shared, &shared.buffer, permits_of(&record)).await?;
        self.accept(record, slot, bytes)
    }

    /// [`send_record`](Self::send_record) without waiting.
    pub fn try_send_record(&self, record: Record) -> Result<(), SendError> {
        record.check(&self.settings.limits)?;
        let shared = &*self.shared;
        let permits = shared.slots.try_acquire().and_then(|slot| {
            let bytes = shared.buffer.try_acquire_many(permits_of(&record))?;
            Ok((slot, bytes))
        });
        match permits {
            Ok((slot, bytes)) => self.accept(record, slot, bytes),
            Err(TryAcquireError::NoPermits) => {
                // Let the task take what is open, to make room.
                shared.queue.seal();
                Err(SendError::QueueFull(record))
            }
            Err(TryAcquireError::Closed) => Err(SendError::Closed),
        }
    }

    /// Packs a record whose permits are taken into the open batch.
    fn accept(
        &self,
        record: Record,
        slot: SemaphorePermit<'_>,
        bytes: SemaphorePermit<'_>,
    ) -> Result<(), SendError> {
        // On failure the permits are dropped, which returns them.
        self.shared
            .queue
            .push(record)
            .map_err(|_| SendError::Closed)?;
        slot.forget();
        bytes.forget();
        self.shared
            .counters
            .accepted
            .fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Sends what is batched now and waits until every record queued before this call is
    /// stored or has failed for good. Returns the records that failed for good since the last
    /// `flush` (none when an [`on_failure`](ProducerBuilder::on_failure) callback takes them).
    pub async fn flush(&self) -> Result<Vec<FailedRecord>, SendError> {
        let (reply, answer) = oneshot::channel();
        self.shared
            .queue
            .send(Msg::Flush(reply), false)
            .map_err(|_| SendError::Closed)?;
        answer.await.map_err(|_| SendError::Closed)
    }

    /// Stops taking records, delivers everything already queued (with retries), and stops
    /// the background task. Later `send`s fail with [`SendError::Closed`].
    pub async fn shutdown(&self) -> Result<ShutdownReport, SendError> {
        let (reply, answer) = oneshot::channel();
        self.shared
            .queue
            .send(Msg::Shutdown(reply), true)
            .map_err(|_| SendError::Closed)?;
        let failed = answer.await.map_err(|_| SendError::Closed)?;
        let handle = self.worker.lock().ok().and_then(|mut w| w.take());
        if let Some(handle) = handle {
            // The task has answered; it only has to return.
            let _ = handle.await;
        }
        Ok(ShutdownReport {
            failed,
            stats: self.stats(),
        })
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        let c: &Counters = &self.shared.counters;
        let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            accepted: get(&c.accepted),
            delivered: get(&c.delivered),
            failed: get(&c.failed),
            put_records_calls: get(&c.calls),
            retried: get(&c.retried),
            throttled: get(&c.throttled),
            max_attempts: get(&c.max_attempts),
            lost_to_panic: get(&c.lost_to_panic),
            kinesis_records: get(&c.kinesis_records),
            kinesis_bytes: get(&c.kinesis_bytes),
            list_shards_calls: get(&c.list_shards_calls),
        }
    }

    /// What was doubtful about the producer's settings when it was built
    /// ([`ProducerBuilder::warnings`]).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The stream the producer writes to.
    pub fn stream(&self) -> &StreamTarget {
        &self.stream
    }
}

impl<E: ?Sized> Drop for Producer<E> {
    fn drop(&mut self) {
        // What is open still goes (the task delivers what is queued, then ends).
        self.shared.queue.close();
    }
}

fn permits_of(record: &Record) -> u32 {
    // Checked against max_record_bytes (at most 10 MiB) before.
    u32::try_from(record.size()).unwrap_or(u32::MAX)
}

/// `permits` of `semaphore`: at once when they are free, else after sending the open batch
/// (so that the task can make room) and waiting.
async fn acquire<'a>(
    shared: &Shared,
    semaphore: &'a Semaphore,
    permits: u32,
) -> Result<SemaphorePermit<'a>, SendError> {
    match semaphore.try_acquire_many(permits) {
        Ok(permit) => Ok(permit),
        Err(TryAcquireError::Closed) => Err(SendError::Closed),
        Err(TryAcquireError::NoPermits) => {
            shared.queue.seal();
            semaphore
                .acquire_many(permits)
                .await
                .map_err(|_: AcquireError| SendError::Closed)
        }
    }
}

/// Settings of a [`Producer`]; every one has a default that suits one stream of the stack.
pub struct ProducerBuilder {
    stream: String,
    settings: Settings,
    endpoint_url: Option<String>,
    region: Option<String>,
    credentials: Option<(String, String)>,
    on_failure: Option<worker::OnFailure>,
    /// The event, when built with [`for_event`](Self::for_event), and whether the lake
    /// partitions it by event time.
    event: Option<(&'static str, bool)>,
}

impl std::fmt::Debug for ProducerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProducerBuilder")
            .field("stream", &self.stream)
            .field("settings", &self.settings)
            .field("endpoint_url", &self.endpoint_url)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl ProducerBuilder {
    /// A producer for the stream `stream`: a name, or an ARN (`arn:…`).
    pub fn new(stream: impl Into<String>) -> Self {
        ProducerBuilder {
            stream: stream.into(),
            settings: Settings::default(),
            endpoint_url: None,
            region: None,
            credentials: None,
            on_failure: None,
            event: None,
        }
    }

    /// A producer for the stack's stream of `E` in `environment`: `<lake>-<environment>-<event>`.
    pub fn for_event<E: DatalakeEvent + ?Sized>(environment: &str) -> Self {
        Self::new(stream_name::<E>(environment)).carrying::<E>()
    }

    /// Says that the stream carries events `E` (as [`for_event`](Self::for_event) does), so
    /// that [`warnings`](Self::warnings) can check the settings against the event.
    pub fn carrying<E: DatalakeEvent + ?Sized>(mut self) -> Self {
        self.event = Some((E::EVENT, E::EVENT_TIME_PARTITIONED));
        self
    }

    /// How long a batch waits for more records after its first one (default 100 ms). With
    /// zero a batch goes as soon as the queue is momentarily empty.
    pub fn linger(mut self, linger: Duration) -> Self {
        self.settings.linger = linger;
        self
    }

    /// Records per PutRecords call, at most 500 (the default).
    pub fn max_batch_records(mut self, records: usize) -> Self {
        self.settings.limits.max_batch_records = records;
        self
    }

    /// Bytes (data plus partition keys) per PutRecords call, at most 5 MiB (the default).
    pub fn max_batch_bytes(mut self, bytes: usize) -> Self {
        self.settings.limits.max_batch_bytes = bytes;
        self
    }

    /// Bytes (data plus partition key) per record (default 1 MiB, the stream default). Up to
    /// 10 MiB for a stream with a raised `MaxRecordSizeInKiB`; Firehose, the stack's consumer,
    /// takes records of up to 1,000 KiB.
    pub fn max_record_bytes(mut self, bytes: usize) -> Self {
        self.settings.limits.max_record_bytes = bytes;
        if self.settings.limits.max_batch_bytes < bytes {
            self.settings.limits.max_batch_bytes = bytes;
        }
        self
    }

    /// Records that may wait in the queue before `send` waits (default 10,000).
    pub fn queue_capacity(mut self, records: usize) -> Self {
        self.settings.queue_capacity = records;
        self
    }

    /// Bytes of records the producer may hold in all, queued to retrying (default 64 MiB).
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_buffered_bytes = bytes;
        self
    }

    /// PutRecords calls in flight at once (default 4; 1 keeps each key's order).
    pub fn max_in_flight(mut self, calls: usize) -> Self {
        self.settings.max_in_flight = calls;
        self
    }

    /// The retry policy (default: 10 attempts, backoff from 100 ms up to 5 s).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// Packs user records into KPL aggregated records (default off): many small events per
    /// Kinesis record, so that a shard's 1,000 records/s stop being the limit. Records are
    /// grouped by the shard their partition key hashes to (the producer calls ListShards,
    /// which needs the `kinesis:ListShards` permission, and again after a reshard), and
    /// retries resend whole aggregated records. Consumers must de-aggregate: Firehose does,
    /// and so does [`deaggregate`](super::deaggregate). See docs/kinesis-aggregation.md.
    pub fn aggregate(mut self, on: bool) -> Self {
        self.settings.aggregate = match (on, self.settings.aggregate) {
            (false, _) => None,
            (true, Some(cap)) => Some(cap),
            (true, None) => Some(DEFAULT_AGGREGATED_RECORD_BYTES),
        };
        self
    }

    /// The largest aggregated record, data plus partition key (default 51,200 bytes, the
    /// KPL's `AggregationMaxSize`; at most `max_record_bytes`). Turns aggregation on.
    pub fn max_aggregated_record_bytes(mut self, bytes: usize) -> Self {
        self.settings.aggregate = Some(bytes);
        self
    }

    /// Records that fail for good go to `callback` (called on the producer's task; keep it
    /// short) instead of being kept for `flush` and `shutdown`.
    pub fn on_failure(mut self, callback: impl Fn(FailedRecord) + Send + Sync + 'static) -> Self {
        self.on_failure = Some(Box::new(callback));
        self
    }

    /// The Kinesis endpoint, e.g. `http://127.0.0.1:4567` for kinesalite ([`connect`](Self::connect) only).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// The AWS region ([`connect`](Self::connect) only; default: the stream ARN's region,
    /// else the SDK's region chain).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Static credentials instead of the SDK's credential chain ([`connect`](Self::connect)
    /// only; for local Kinesis implementations, which accept any).
    pub fn static_credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some((access_key_id.into(), secret_access_key.into()));
        self
    }

    /// What is doubtful about these settings (also printed to stderr when the producer is
    /// built): aggregation for an event the lake partitions by event time, for which AWS
    /// does not document that Firehose de-aggregates before dynamic partitioning
    /// (docs/kinesis-aggregation.md).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let (Some(_), Some((event, true))) = (self.settings.aggregate, self.event) {
            out.push(format!(
                "aggregation is on for `{event}`, which the lake partitions by event time \
                 (Firehose dynamic partitioning); AWS documents that Firehose de-aggregates \
                 KPL records before delivery and before a transform Lambda, but not that it \
                 does so before dynamic partitioning reads the time field: check the \
                 delivery stream's error prefix after turning it on, or send this event \
                 unaggregated"
            ));
        }
        out
    }

    /// Builds a producer with the client of [`sdk_client`](Self::sdk_client).
    pub async fn connect<E: ?Sized>(self) -> Result<Producer<E>, ConfigError> {
        let client = self.sdk_client().await?;
        self.with_transport(KinesisTransport::new(client))
    }

    /// The Kinesis client [`connect`](Self::connect) uses: the SDK's configuration chain (the
    /// `AWS_*` variables, profiles, instance roles) with the endpoint, region and credentials
    /// set here, and the SDK's own retries off (the producer retries).
    pub async fn sdk_client(&self) -> Result<aws_sdk_kinesis::Client, ConfigError> {
        let target = StreamTarget::parse(&self.stream)?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = self
            .region
            .clone()
            .or_else(|| target.region().map(str::to_owned))
        {
            loader = loader.region(aws_config::Region::new(region));
        }
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some((id, secret)) = &self.credentials {
            loader = loader.credentials_provider(aws_sdk_kinesis::config::Credentials::new(
                id.clone(),
                secret.clone(),
                None,
                None,
                "eventlake-static",
            ));
        }
        let sdk = loader.load().await;
        let conf = aws_sdk_kinesis::config::Builder::from(&sdk)
            .retry_config(aws_sdk_kinesis::config::retry::RetryConfig::disabled())
            .timeout_config(
                aws_sdk_kinesis::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            )
            .build();
        Ok(aws_sdk_kinesis::Client::from_conf(conf))
    }

    /// Builds a producer that sends through `client` (its retry settings add to the
    /// producer's; see [`KinesisTransport`]).
    pub fn with_client<E: ?Sized>(
        self,
        client: aws_sdk_kinesis::Client,
    ) -> Result<Producer<E>, ConfigError> {
        self.with_transport(KinesisTransport::new(client))
    }

    /// Builds a producer that sends through `transport`. Must be called within a Tokio
    /// runtime, which runs the producer's task.
    pub fn with_transport<E: ?Sized>(
        self,
        transport: impl Transport,
    ) -> Result<Producer<E>, ConfigError> {
        let stream = Arc::new(StreamTarget::parse(&self.stream)?);
        self.settings.check()?;
        let warnings = self.warnings();
        for w in &warnings {
            eprintln!("warning: eventlake producer for {stream}: {w}");
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ConfigError::NoRuntime)?;
        let settings = self.settings;
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            counters: Counters::default(),
            buffer: Semaphore::new(settings.max_buffered_bytes),
            slots: Semaphore::new(settings.queue_capacity),
            queue: Queue::new(settings.send_limits(), tx),
            on_failure: self.on_failure,
        });
        let worker = Worker::new(
            rx,
            Arc::new(transport),
            Arc::clone(&stream),
            settings.clone(),
            Arc::clone(&shared),
        );
        let handle = runtime.spawn(worker.run());
        Ok(Producer {
            shared,
            settings,
            stream,
            worker: Mutex::new(Some(handle)),
            warnings,
            _event: PhantomData,
        })
    }
}

/// The stack's stream name of `E` in `environment`: `<lake>-<environment>-<event>`.
pub fn stream_name<E: DatalakeEvent + ?Sized>(environment: &str) -> String {
    format!("{}-{environment}-{}", E::LAKE, E::EVENT)
}
