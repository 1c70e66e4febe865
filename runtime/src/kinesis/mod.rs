//! A Kinesis Data Streams producer for [`DatalakeEvent`](crate::DatalakeEvent)s (feature
//! `kinesis`), and the KPL aggregated-record format (feature `aggregation`, which needs no
//! AWS SDK): [`deaggregate`] for consumers of the stream.
//!
//! [`Producer::send`] serialises an event with [`to_record`](crate::DatalakeEvent::to_record),
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
//! # Aggregation
//! With [`ProducerBuilder::aggregate`] the background task packs the records of a batch into
//! KPL aggregated records of at most 51,200 bytes (the KPL's default), one group per shard
//! (ListShards, listed again when a record lands in a shard it did not predict), and sends
//! those. Firehose de-aggregates them; other consumers call [`deaggregate`]. A failed entry
//! is a whole aggregated record and is resent whole; records that fail for good are handed
//! back one user record at a time. Facts, sources and the ordering that remains:
//! `docs/kinesis-aggregation.md`.
//!
//! ```
//! use eventlake::kinesis::{Aggregator, deaggregate};
//!
//! let mut agg = Aggregator::new();
//! agg.push("k1", br#"{"a":1}"#.to_vec());
//! agg.push("k2", br#"{"a":2}"#.to_vec());
//! let record = agg.finish().expect("two records");
//! let events = deaggregate(&record.data, &record.partition_key).expect("well formed");
//! assert_eq!(events[1].data, br#"{"a":2}"#);
//! ```
//!
//! # Local testing
//! [`ProducerBuilder::endpoint_url`] (or the `AWS_ENDPOINT_URL_KINESIS` variable, which the
//! SDK reads itself) points the producer at kinesalite or another local Kinesis.

#[cfg(feature = "kinesis")]
mod backoff;
#[cfg(feature = "kinesis")]
mod config;
#[cfg(feature = "kinesis")]
mod error;
#[cfg(feature = "kinesis")]
mod pack;
#[cfg(feature = "kinesis")]
mod producer;
#[cfg(feature = "kinesis")]
mod queue;
#[cfg(feature = "kinesis")]
mod record;
#[cfg(feature = "kinesis")]
mod shards;
#[cfg(feature = "kinesis")]
mod transport;
#[cfg(feature = "kinesis")]
mod worker;

#[cfg(all(test, feature = "kinesis"))]
mod tests;

#[cfg(feature = "kinesis")]
pub use config::{
    DEFAULT_AGGREGATED_RECORD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_RECORD_BYTES,
    MAX_RECORD_BYTES_RAISED, RetryPolicy, StreamTarget,
};
#[cfg(feature = "kinesis")]
pub use error::{ConfigError, FailedRecord, RecordError, SendError};
#[cfg(feature = "kinesis")]
pub use producer::{Producer, ProducerBuilder, RecordProducer, ShutdownReport, Stats, stream_name};
#[cfg(feature = "kinesis")]
pub use record::Record;
#[cfg(feature = "kinesis")]
pub use shards::Shard;
#[cfg(feature = "kinesis")]
pub use transport::{
    BoxFuture, EntryResult, KinesisTransport, Transport, TransportError, request_entries,
    retryable_code,
};

#[cfg(feature = "kinesis")]
pub use aws_sdk_kinesis;

pub use eventlake_kinesis_agg::{
    Aggregator, DeaggregateError, Packed, UserRecord, deaggregate, hash_key, is_aggregated,
};
