//! The stream a producer writes to and the settings of a producer: PutRecords limits,
//! batching, memory bounds, retries.

use std::time::Duration;

use super::error::ConfigError;

/// Largest number of records in one PutRecords call.
pub const MAX_BATCH_RECORDS: usize = 500;
/// Largest PutRecords request, data plus partition keys: 5 MiB.
pub const MAX_BATCH_BYTES: usize = 5 * 1024 * 1024;
/// Largest record (data plus partition key) on a stream with the default
/// `MaxRecordSizeInKiB`: 1 MiB. (Firehose itself takes records of up to 1,000 KiB.)
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// Largest record any stream accepts (`MaxRecordSizeInKiB` = 10240): 10 MiB.
pub const MAX_RECORD_BYTES_RAISED: usize = 10 * 1024 * 1024;

/// The default cap of an aggregated record, data plus partition key: 51,200 bytes, the
/// KPL's `AggregationMaxSize` default.
pub const DEFAULT_AGGREGATED_RECORD_BYTES: usize = 51_200;
/// User records the sending side packs into one batch for an aggregating producer: enough
/// for a PutRecords call of 500 aggregated records of about 100 small events each; the byte
/// limit (5 MiB) usually binds first.
pub(crate) const AGGREGATING_BATCH_RECORDS: usize = 50_000;

/// The stream records go to: by name, or by ARN (the form AWS recommends).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StreamTarget {
    /// The stream's name (`StreamName`), in the client's account and region.
    Name(String),
    /// The stream's ARN (`StreamARN`).
    Arn(String),
}

impl StreamTarget {
    /// A stream given as `arn:…` (an ARN) or a bare name, checked.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        if text.starts_with("arn:") {
            Self::arn(text)
        } else {
            Self::name(text)
        }
    }

    /// A stream name: 1 to 128 characters of `[a-zA-Z0-9_.-]`.
    pub fn name(name: &str) -> Result<Self, ConfigError> {
        if valid_stream_name(name) {
            Ok(StreamTarget::Name(name.to_owned()))
        } else {
            Err(ConfigError::InvalidStreamName(name.to_owned()))
        }
    }

    /// A stream ARN: `arn:<partition>:kinesis:<region>:<account>:stream/<name>`.
    pub fn arn(arn: &str) -> Result<Self, ConfigError> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let ok = matches!(
            parts.as_slice(),
            ["arn", partition, "kinesis", region, account, resource]
                if !partition.is_empty()
                    && !region.is_empty()
                    && account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && resource.strip_prefix("stream/").is_some_and(valid_stream_name)
        );
        if ok {
            Ok(StreamTarget::Arn(arn.to_owned()))
        } else {
            Err(ConfigError::InvalidStreamArn(arn.to_owned()))
        }
    }

    /// The region of an ARN (`None` for a name).
    pub fn region(&self) -> Option<&str> {
        match self {
            StreamTarget::Name(_) => None,
            StreamTarget::Arn(arn) => arn.split(':').nth(3),
        }
    }
}

impl std::fmt::Display for StreamTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamTarget::Name(s) | StreamTarget::Arn(s) => f.write_str(s),
        }
    }
}

fn valid_stream_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The PutRecords size limits the producer keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) max_batch_records: usize,
    pub(crate) max_batch_bytes: usize,
    pub(crate) max_record_bytes: usize,
}

/// How failed entries are retried: exponential backoff with full jitter (a delay drawn
/// uniformly from zero to `min(max_backoff, base_backoff × 2^(attempt-1))`), at most
/// `max_attempts` PutRecords calls per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// PutRecords calls per record, the first one included (at least 1).
    pub max_attempts: u32,
    /// The backoff ceiling after the first failure.
    pub base_backoff: Duration,
    /// The largest backoff ceiling.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// Every setting of a producer; [`ProducerBuilder`](super::ProducerBuilder) fills it in.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) limits: Limits,
    pub(crate) linger: Duration,
    pub(crate) queue_capacity: usize,
    pub(crate) max_buffered_bytes: usize,
    pub(crate) max_in_flight: usize,
    pub(crate) retry: RetryPolicy,
    /// `Some(cap)`: pack user records into aggregated records of at most `cap` bytes (data
    /// plus partition key), grouped by shard.
    pub(crate) aggregate: Option<usize>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits: Limits {
                max_batch_records: MAX_BATCH_RECORDS,
                max_batch_bytes: MAX_BATCH_BYTES,
                max_record_bytes: MAX_RECORD_BYTES,
            },
            linger: Duration::from_millis(100),
            queue_capacity: 10_000,
            max_buffered_bytes: 64 * 1024 * 1024,
            max_in_flight: 4,
            retry: RetryPolicy::default(),
            aggregate: None,
        }
    }
}

impl Settings {
    /// The limits `send` packs user records into batches with: the PutRecords limits, or for
    /// an aggregating producer as many records as fit in the bytes of one call (the
    /// background task then packs them into aggregated records and calls).
    pub(crate) fn send_limits(&self) -> Limits {
        match self.aggregate {
            None => self.limits,
            Some(_) => Limits {
                max_batch_records: AGGREGATING_BATCH_RECORDS,
                ..self.limits
            },
        }
    }

    /// Checks every setting against its range.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        fn range(
            name: &'static str,
            value: usize,
            min: usize,
            max: usize,
        ) -> Result<(), ConfigError> {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(ConfigError::OutOfRange {
                    name,
                    value: value as u64,
                    min: min as u64,
                    max: max as u64,
                })
            }
        }
        let l = &self.limits;
        range(
            "max_record_bytes",
            l.max_record_bytes,
            1,
            MAX_RECORD_BYTES_RAISED,
        )?;
        // A raised record size raises the request limit with it (10 MiB per request).
        let request_max = MAX_BATCH_BYTES.max(l.max_record_bytes);
        range(
            "max_batch_bytes",
            l.max_batch_bytes,
            l.max_record_bytes,
            request_max,
        )?;
        range(
            "max_batch_records",
            l.max_batch_records,
            1,
            MAX_BATCH_RECORDS,
        )?;
        range("queue_capacity", self.queue_capacity, 1, 1 << 24)?;
        // Room for at least one record of the largest size; permits are counted in u32.
        range(
            "max_buffered_bytes",
            self.max_buffered_bytes,
            l.max_record_bytes,
            u32::MAX as usize,
        )?;
        range("max_in_flight", self.max_in_flight, 1, 1024)?;
        range("max_attempts", self.retry.max_attempts as usize, 1, 1000)?;
        if let Some(cap) = self.aggregate {
            // Room for the format's 20 bytes and some records; never over a record's limit.
            range("max_aggregated_record_bytes", cap, 1024, l.max_record_bytes)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_targets() {
        assert_eq!(
            StreamTarget::parse("shop-dv-order_placed").ok(),
            Some(StreamTarget::Name("shop-dv-order_placed".into()))
        );
        let arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/shop-dv-order_placed";
        let t = StreamTarget::parse(arn).ok();
        assert_eq!(t, Some(StreamTarget::Arn(arn.into())));
        assert_eq!(t.as_ref().and_then(|t| t.region()), Some("eu-west-1"));
        for bad in [
            "",
            "has space",
            "arn:aws:kinesis:eu-west-1:123:stream/x",
            "arn:aws:s3:eu-west-1:123456789012:stream/x",
            "arn:aws:kinesis:eu-west-1:123456789012:table/x",
            "arn:aws:kinesis::123456789012:stream/x",
        ] {
            assert!(StreamTarget::parse(bad).is_err(), "{bad:?}");
        }
        assert!(StreamTarget::name(&"x".repeat(129)).is_err());
    }

    #[test]
    fn settings_ranges() {
        assert!(Settings::default().check().is_ok());
        let mut s = Settings::default();
        s.limits.max_batch_records = 501;
        assert!(matches!(
            s.check(),
            Err(ConfigError::OutOfRange {
                name: "max_batch_records",
                ..
            })
        ));
        let mut s = Settings::default();
        s.limits.max_batch_bytes = MAX_BATCH_BYTES + 1;
        assert!(s.check().is_err());
        s.limits.max_record_bytes = MAX_RECORD_BYTES_RAISED;
        s.limits.max_batch_bytes = MAX_RECORD_BYTES_RAISED;
        s.max_buffered_bytes = MAX_RECORD_BYTES_RAISED;
        assert!(
            s.check().is_ok(),
            "a raised record size raises the request limit"
        );
        let s = Settings {
            max_buffered_bytes: 10,
            ..Settings::default()
        };
        assert!(s.check().is_err(), "must hold one record");
    }
}
