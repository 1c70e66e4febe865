//! One Kinesis record (data and partition key) and the batch a PutRecords call carries, with
//! the size accounting of the PutRecords limits.

use super::config::Limits;
use super::error::SendError;

/// One Kinesis record: the bytes Firehose receives and the key that picks the shard.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    data: Vec<u8>,
    partition_key: String,
}

impl Record {
    /// A record of `data` keyed by `partition_key`. Checked against the limits when it is
    /// sent, not here.
    pub fn new(data: impl Into<Vec<u8>>, partition_key: impl Into<String>) -> Self {
        Record {
            data: data.into(),
            partition_key: partition_key.into(),
        }
    }

    /// The record of a typed event: [`to_record`](crate::DatalakeEvent::to_record) and
    /// [`partition_key`](crate::DatalakeEvent::partition_key).
    pub fn of<E: crate::DatalakeEvent + ?Sized>(event: &E) -> Self {
        Record {
            data: event.to_record(),
            partition_key: event.partition_key(),
        }
    }

    /// The data (for an event: one JSON object).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The partition key.
    pub fn partition_key(&self) -> &str {
        &self.partition_key
    }

    /// The data and the partition key.
    pub fn into_parts(self) -> (Vec<u8>, String) {
        (self.data, self.partition_key)
    }

    /// What the record counts against the PutRecords size limits: data plus partition key
    /// (UTF-8 bytes).
    pub fn size(&self) -> usize {
        self.data.len() + self.partition_key.len()
    }

    /// Checks the record against the per-record limits: a partition key of 1 to 256
    /// characters, data plus key within `limits.max_record_bytes`.
    pub(crate) fn check(&self, limits: &Limits) -> Result<(), SendError> {
        let key_bytes = self.partition_key.len();
        // Up to 256 characters: at most 1024 UTF-8 bytes, at least 256 bytes.
        if key_bytes == 0 || (key_bytes > 256 && self.partition_key.chars().count() > 256) {
            return Err(SendError::InvalidPartitionKey {
                chars: self.partition_key.chars().count(),
            });
        }
        let size = self.size();
        if size > limits.max_record_bytes {
            return Err(SendError::RecordTooLarge {
                size,
                data_bytes: self.data.len(),
                key_bytes,
                limit: limits.max_record_bytes,
            });
        }
        Ok(())
    }
}

/// Records for one PutRecords call, within the request limits.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) records: Vec<Record>,
    /// Data plus partition keys of all records.
    pub(crate) bytes: usize,
}

impl Batch {
    pub(crate) fn with_capacity(records: usize) -> Self {
        Batch {
            // An aggregating producer's batches may hold 50,000 records, but rarely do.
            records: Vec::with_capacity(records.min(super::config::MAX_BATCH_RECORDS)),
            bytes: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Whether `record` fits without breaking the request limits.
    pub(crate) fn fits(&self, record: &Record, limits: &Limits) -> bool {
        self.records.len() < limits.max_batch_records
            && self.bytes + record.size() <= limits.max_batch_bytes
    }

    /// Whether the batch is as full as it can usefully get: no record could be added.
    pub(crate) fn is_full(&self, limits: &Limits) -> bool {
        self.records.len() >= limits.max_batch_records || self.bytes >= limits.max_batch_bytes
    }

    pub(crate) fn push(&mut self, record: Record) {
        self.bytes += record.size();
        self.records.push(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_batch_records: 3,
            max_batch_bytes: 100,
            max_record_bytes: 60,
        }
    }

    #[test]
    fn record_limits() {
        let l = limits();
        assert!(Record::new(vec![b'x'; 59], "k").check(&l).is_ok());
        assert!(matches!(
            Record::new(vec![b'x'; 60], "k").check(&l),
            Err(SendError::RecordTooLarge {
                size: 61,
                data_bytes: 60,
                key_bytes: 1,
                limit: 60
            })
        ));
        assert!(matches!(
            Record::new(vec![], "").check(&l),
            Err(SendError::InvalidPartitionKey { chars: 0 })
        ));
        let big = Limits {
            max_record_bytes: 10_000,
            ..l
        };
        // 256 characters of 4 bytes each are fine, 257 ASCII characters are not.
        assert!(Record::new(vec![], "𝄞".repeat(256)).check(&big).is_ok());
        assert!(matches!(
            Record::new(vec![], "k".repeat(257)).check(&big),
            Err(SendError::InvalidPartitionKey { chars: 257 })
        ));
    }

    #[test]
    fn batch_limits() {
        let l = limits();
        let mut b = Batch::default();
        let r = Record::new(vec![b'x'; 39], "k"); // 40 bytes
        assert!(b.fits(&r, &l));
        b.push(r.clone());
        b.push(r.clone());
        assert_eq!(b.bytes, 80);
        assert!(!b.fits(&r, &l), "would be 120 bytes");
        assert!(
            b.fits(&Record::new(vec![b'x'; 19], "k"), &l),
            "exactly 100 bytes"
        );
        b.push(Record::new(vec![b'x'; 9], "k"));
        assert!(b.is_full(&l), "3 records");
        assert_eq!(b.len(), 3);
    }
}
