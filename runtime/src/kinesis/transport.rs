//! Where PutRecords calls go: [`KinesisTransport`] (the AWS SDK) or your own [`Transport`]
//! (an in-memory one for tests of code that produces events, a counting one for benchmarks).

use std::future::Future;
use std::pin::Pin;

use aws_sdk_kinesis::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;

use super::config::StreamTarget;
use super::record::Record;
use super::shards::Shard;

/// A boxed, sendable future (what [`Transport::put_records`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one PutRecords call. The producer batches, retries and reports; a transport only
/// makes the call and says, entry by entry, what happened.
pub trait Transport: Send + Sync + 'static {
    /// Puts `records` (at most 500, within the request limits) on `stream`. On success the
    /// answer has exactly one [`EntryResult`] per record, in order.
    fn put_records<'a>(
        &'a self,
        stream: &'a StreamTarget,
        records: &'a [Record],
    ) -> BoxFuture<'a, Result<Vec<EntryResult>, TransportError>>;

    /// The stream's open shards (ListShards), which an aggregating producer groups records
    /// by. The default answers one shard holding every hash key, which is what a transport
    /// without real shards (a test double, a benchmark) amounts to.
    fn list_shards<'a>(
        &'a self,
        _stream: &'a StreamTarget,
    ) -> BoxFuture<'a, Result<Vec<Shard>, TransportError>> {
        Box::pin(async {
            Ok(vec![Shard {
                id: "shardId-000000000000".into(),
                starting_hash_key: 0,
                ending_hash_key: u128::MAX,
            }])
        })
    }
}

/// What PutRecords said about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryResult {
    /// Stored (the entry has a `SequenceNumber`).
    Stored {
        /// The shard it was stored in, when the answer says (an aggregating producer
        /// compares it with the shard it predicted, to notice a resharded stream).
        shard_id: Option<String>,
    },
    /// Not stored: the entry's `ErrorCode` and `ErrorMessage`.
    Failed {
        /// `ProvisionedThroughputExceededException`, `InternalFailure`, …
        code: String,
        /// The service's message.
        message: String,
    },
}

/// A PutRecords call that failed as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// The service error code, when the service answered with one.
    pub code: Option<String>,
    /// What happened.
    pub message: String,
    /// Whether sending the same records again may succeed (throttling, a 5xx, a timeout, a
    /// dropped connection). A retried call may store records twice when the failed call had
    /// in fact stored them: Kinesis producers deliver at least once.
    pub retryable: bool,
}

/// Entry error codes worth retrying: throttling and transient service failures.
pub fn retryable_code(code: &str) -> bool {
    matches!(
        code,
        "ProvisionedThroughputExceededException"
            | "InternalFailure"
            | "InternalFailureException"
            | "ServiceUnavailable"
            | "KMSThrottlingException"
            | "ThrottlingException"
            | "LimitExceededException"
    )
}

/// [`Transport`] over the AWS SDK's Kinesis client.
///
/// The client's own retries add to the producer's: build it with
/// `RetryConfig::disabled()` (as [`ProducerBuilder::connect`](super::ProducerBuilder::connect)
/// does) so that one policy decides.
#[derive(Debug, Clone)]
pub struct KinesisTransport {
    client: aws_sdk_kinesis::Client,
}

impl KinesisTransport {
    /// Sends through `client`.
    pub fn new(client: aws_sdk_kinesis::Client) -> Self {
        KinesisTransport { client }
    }

    /// The client.
    pub fn client(&self) -> &aws_sdk_kinesis::Client {
        &self.client
    }
}

/// The request entries for `records` (copies of the data: the originals stay with the
/// producer for retries).
pub fn request_entries(records: &[Record]) -> Result<Vec<PutRecordsRequestEntry>, TransportError> {
    // Sized up front (collecting `Result`s would grow the vector step by step).
    let mut entries = Vec::with_capacity(records.len());
    for r in records {
        let entry = PutRecordsRequestEntry::builder()
            .data(Blob::new(r.data()))
            .partition_key(r.partition_key())
            .build()
            .map_err(|e| TransportError {
                code: None,
                message: format!("cannot build the request entry: {e}"),
                retryable: false,
            })?;
        entries.push(entry);
    }
    Ok(entries)
}

impl Transport for KinesisTransport {
    fn put_records<'a>(
        &'a self,
        stream: &'a StreamTarget,
        records: &'a [Record],
    ) -> BoxFuture<'a, Result<Vec<EntryResult>, TransportError>> {
        Box::pin(async move {
            let entries = request_entries(records)?;
            let call = self.client.put_records().set_records(Some(entries));
            let call = match stream {
                StreamTarget::Name(name) => call.stream_name(name),
                StreamTarget::Arn(arn) => call.stream_arn(arn),
            };
            let output = call.send().await.map_err(transport_error)?;
            let results: Vec<EntryResult> = output
                .records()
                .iter()
                .map(|e| match e.error_code() {
                    None => EntryResult::Stored {
                        shard_id: e.shard_id().map(str::to_owned),
                    },
                    Some(code) => EntryResult::Failed {
                        code: code.to_owned(),
                        message: e.error_message().unwrap_or_default().to_owned(),
                    },
                })
                .collect();
            Ok(results)
        })
    }

    fn list_shards<'a>(
        &'a self,
        stream: &'a StreamTarget,
    ) -> BoxFuture<'a, Result<Vec<Shard>, TransportError>> {
        Box::pin(async move {
            let mut shards = Vec::new();
            let mut next_token: Option<String> = None;
            loop {
                // A call with a NextToken must name no stream.
                let call = self.client.list_shards();
                let call = match (&next_token, stream) {
                    (Some(token), _) => call.next_token(token),
                    (None, StreamTarget::Name(name)) => call.stream_name(name),
                    (None, StreamTarget::Arn(arn)) => call.stream_arn(arn),
                };
                let output = call.send().await.map_err(transport_error)?;
                for shard in output.shards() {
                    // Closed shards (parents of a split or a merge) take no more records.
                    let closed = shard
                        .sequence_number_range()
                        .and_then(|r| r.ending_sequence_number())
                        .is_some();
                    if closed {
                        continue;
                    }
                    let range = shard.hash_key_range();
                    let key = |text: Option<&str>| {
                        text.and_then(|t| t.parse::<u128>().ok())
                            .ok_or_else(|| TransportError {
                                code: None,
                                message: format!(
                                    "ListShards: shard {} has no valid hash key range",
                                    shard.shard_id()
                                ),
                                retryable: false,
                            })
                    };
                    shards.push(Shard {
                        id: shard.shard_id().to_owned(),
                        starting_hash_key: key(range.map(|r| r.starting_hash_key()))?,
                        ending_hash_key: key(range.map(|r| r.ending_hash_key()))?,
                    });
                }
                next_token = output.next_token().map(str::to_owned);
                if next_token.is_none() {
                    return Ok(shards);
                }
            }
        })
    }
}

/// A failed call's error: retryable when the service says so (throttling, a 5xx), or when
/// the call may not have reached it (timeouts, dropped connections).
fn transport_error<E>(err: SdkError<E>) -> TransportError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().map(str::to_owned);
            let message = e.message().unwrap_or("(no message)").to_owned();
            let retryable = code.as_deref().is_some_and(retryable_code)
                || service.raw().status().is_server_error();
            TransportError {
                code,
                message,
                retryable,
            }
        }
        // Request timeouts, dropped connections, unreadable responses: may succeed again.
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            TransportError {
                code: None,
                message: error_chain(&err),
                retryable: true,
            }
        }
        // The request could not even be built: sending it again changes nothing.
        _ => TransportError {
            code: None,
            message: error_chain(&err),
            retryable: false,
        },
    }
}

/// An error and its sources on one line (the SDK's top-level messages are terse).
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
