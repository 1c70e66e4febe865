//! What can go wrong: a record refused by [`send`](super::Producer::send) ([`SendError`]), a
//! producer that cannot be built ([`ConfigError`]), and a record that Kinesis did not take after
//! every retry ([`FailedRecord`], handed back by `flush`, `shutdown` or the failure callback).

use super::record::Record;

/// Why [`Producer::send`](super::Producer::send) (or `send_record`, `try_send`) refused a
/// record. A refused record was not queued; nothing is sent for it.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The record is larger than one Kinesis record may be (data plus partition key).
    #[error(
        "record too large for Kinesis: {data_bytes} bytes of data + {key_bytes} bytes of \
         partition key = {size} bytes, over the limit of {limit} bytes per record \
         (PutRecords rejects it; split the event or raise `max_record_bytes` if the stream's \
         MaxRecordSizeInKiB allows it)"
    )]
    RecordTooLarge {
        /// Data plus partition key, in bytes.
        size: usize,
        /// The record's data, in bytes.
        data_bytes: usize,
        /// The partition key, in UTF-8 bytes.
        key_bytes: usize,
        /// The configured limit (`max_record_bytes`).
        limit: usize,
    },
    /// Kinesis accepts partition keys of 1 to 256 Unicode characters.
    #[error("invalid partition key: Kinesis needs 1 to 256 characters, this one has {chars}")]
    InvalidPartitionKey {
        /// Its length in characters.
        chars: usize,
    },
    /// `try_send` only: the queue is full (`send` would wait).
    #[error("the producer's queue is full")]
    QueueFull(Record),
    /// The producer was shut down (or its background task ended); nothing more is accepted.
    #[error("the producer is shut down")]
    Closed,
}

/// Why a [`Producer`](super::Producer) could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The stream name is not a valid Kinesis stream name.
    #[error(
        "invalid Kinesis stream name {0:?}: 1 to 128 characters of a-z, A-Z, 0-9, `_`, `.`, `-`"
    )]
    InvalidStreamName(String),
    /// The stream ARN does not look like `arn:<partition>:kinesis:<region>:<account>:stream/<name>`.
    #[error(
        "invalid Kinesis stream ARN {0:?}: expected arn:<partition>:kinesis:<region>:<account>:stream/<name>"
    )]
    InvalidStreamArn(String),
    /// A limit is out of its allowed range.
    #[error("`{name}` = {value} is out of range: allowed {min} to {max}")]
    OutOfRange {
        /// The setting.
        name: &'static str,
        /// The value given.
        value: u64,
        /// The smallest allowed value.
        min: u64,
        /// The largest allowed value.
        max: u64,
    },
    /// The producer's background task needs a Tokio runtime.
    #[error("no Tokio runtime: build the producer from within a Tokio runtime")]
    NoRuntime,
}

/// Why Kinesis did not store a record, after the producer's retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// PutRecords answered with an `ErrorCode` for this entry, and either the code is not
    /// retryable or the retries ran out.
    #[error("{code}: {message}")]
    Rejected {
        /// The entry's `ErrorCode` (`ProvisionedThroughputExceededException`, `InternalFailure`, …).
        code: String,
        /// The entry's `ErrorMessage`.
        message: String,
    },
    /// The whole PutRecords call failed (after retries when the error is transient).
    #[error("PutRecords failed{}: {message}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Request {
        /// The service error code, when the service answered.
        code: Option<String>,
        /// What happened.
        message: String,
    },
    /// Kinesis answered something a PutRecords response cannot be (for example fewer entries
    /// than were sent). The record may or may not have been stored.
    #[error("unexpected PutRecords response: {0}")]
    UnexpectedResponse(String),
}

/// A record Kinesis did not store, with the reason. The producer never drops a record
/// silently: each one that fails for good is handed back exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRecord {
    /// The record as it was sent.
    pub record: Record,
    /// Why it failed (the last error seen).
    pub error: RecordError,
    /// How many PutRecords calls carried it.
    pub attempts: u32,
}

impl std::fmt::Display for FailedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "record with partition key {:?} ({} bytes) failed after {} attempt(s): {}",
            self.record.partition_key(),
            self.record.data().len(),
            self.attempts,
            self.error
        )
    }
}

impl std::error::Error for FailedRecord {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}
