//! A Kinesis Data Streams producer for [`DatalakeEvent`]s (feature `kinesis`).
//!
//! [`Producer::send`] serialises an event with [`to_record`](DatalakeEvent::to_record),
//! checks it against the per-record limits, and packs it into the open batch of at most 500
//! records and 5 MiB (data plus partition keys). A background task sends each batch as one
//! PutRecords call when it is full or when its first record has waited `linger`. PutRecords
//! answers entry by entry; the producer resends **only the entries that failed** (by
//! `ErrorCode`: throttling and internal failures), with exponential backoff and full jitter,
//! at most `max_attempts` times per record. A record that fails for good is handed back with
//! its error, by [`Producer::flush`], [`Producer::shutdown`] or the
//! [`on_failure`](ProducerBuilder::on_failure) callback; none is dropped silently.
//!
//! Memory is bounded: at most `queue_capacity` records wait for the background task (in the
//! open batch or sealed) and at most `max_buffered_bytes` of records are held in all (queued,
//! batched, in flight, waiting to be retried). When either bound is reached `send` waits (backpressure) and
//! [`try_send`](Producer::try_send) returns [`SendError::QueueFull`].
//!
//! ```no_run
//! # use eventlake::DatalakeEvent;
//! # async fn demo<E: DatalakeEvent>(events: Vec<E>) -> Result<(), Box<dyn std::error::Error>> {
//! use eventlake::kinesis::ProducerBuilder;
//!
//! // The stack's stream for E in environment `dv` (`<lake>-dv-<event>`), or any name or ARN
//! // with `ProducerBuilder::new`.
//! let producer = ProducerBuilder::for_event::<E>("dv").connect::<E>().await?;
//! for event in &events {
//!     producer.send(event).await?;
//! }
//! let report = producer.shutdown().await?; // delivers everything still queued
//! for failed in &report.failed {
//!     eprintln!("not stored: {failed}");
//! }
//! # Ok(()) }
//! ```
//!
//! # Delivery guarantees
//! At least once, like every Kinesis producer: entries are resent only when PutRecords says
//! they failed, but a whole call that fails in a way that may have stored its records (a
//! timeout, a dropped connection, a 5xx) is sent again, which can store those records twice.
//! Consumers deduplicate on a key of the event when that matters. Records of one partition key
//! keep their order when `max_in_flight` is 1 (a batch and its retries finish before the next
//! batch is sent); with more calls in flight, retries can reorder them.
//!
//! # Local testing
//! [`ProducerBuilder::endpoint_url`] (or the `AWS_ENDPOINT_URL_KINESIS` variable, which the
//! SDK reads itself) points the producer at kinesalite or another local Kinesis.

mod backoff;
mod config;
mod error;
mod queue;
mod record;
mod transport;
mod worker;

#[cfg(test)]
mod tests;

use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{AcquireError, Semaphore, SemaphorePermit, TryAcquireError, mpsc, oneshot};
use tokio::task::JoinHandle;

pub use config::{
    MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_RECORD_BYTES, MAX_RECORD_BYTES_RAISED, RetryPolicy,
    StreamTarget,
};
pub use error::{ConfigError, FailedRecord, RecordError, SendError};
pub use record::Record;
pub use transport::{
    BoxFuture, EntryResult, KinesisTransport, Transport, TransportError, request_entries,
    retryable_code,
};

pub use aws_sdk_kinesis;

use crate::DatalakeEvent;
use config::Settings;
use queue::Queue;
use worker::{Counters, Msg, Shared, Worker};

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
    /// Records accepted by `send`.
    pub accepted: u64,
    /// Records Kinesis stored.
    pub delivered: u64,
    /// Records that failed for good (handed back).
    pub failed: u64,
    /// PutRecords calls made, retries included.
    pub put_records_calls: u64,
    /// Entries sent again after a failed entry or call.
    pub retried: u64,
    /// Entries answered with `ProvisionedThroughputExceededException`.
    pub throttled: u64,
    /// The most PutRecords calls any record needed.
    pub max_attempts: u64,
    /// Records whose call panicked inside a custom [`Transport`] (never with the SDK's).
    pub lost_to_panic: u64,
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
        }
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
        }
    }

    /// A producer for the stack's stream of `E` in `environment`: `<lake>-<environment>-<event>`.
    pub fn for_event<E: DatalakeEvent + ?Sized>(environment: &str) -> Self {
        Self::new(stream_name::<E>(environment))
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
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ConfigError::NoRuntime)?;
        let settings = self.settings;
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            counters: Counters::default(),
            buffer: Semaphore::new(settings.max_buffered_bytes),
            slots: Semaphore::new(settings.queue_capacity),
            queue: Queue::new(settings.limits, tx),
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
            _event: PhantomData,
        })
    }
}

/// The stack's stream name of `E` in `environment`: `<lake>-<environment>-<event>`.
pub fn stream_name<E: DatalakeEvent + ?Sized>(environment: &str) -> String {
    format!("{}-{environment}-{}", E::LAKE, E::EVENT)
}
