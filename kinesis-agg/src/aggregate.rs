//! Packing user records into one aggregated record, with its exact size known before each
//! record is added (so that a caller can keep within Kinesis's 1 MiB per record or a smaller
//! cap).
//!
//! A record whose partition key equals the previous record's shares its table entry; other
//! keys get an entry each, even when they appeared earlier. The format allows both (the
//! format document: "implementations can simply store the keys of every record as a separate
//! entry"). Looking every key up in a map, as the KPL does, measured about 100 ns per record
//! (docs/benchmarks.md) to save a few bytes per short key.

use md5::{Digest, Md5};
use prost::Message;
use prost::encoding::{encoded_len_varint, key_len};

use crate::proto::{AggregatedRecord, Record};
use crate::{DIGEST_LEN, MAGIC, OVERHEAD};

/// Collects user records for one aggregated record.
#[derive(Debug, Default, Clone)]
pub struct Aggregator {
    message: AggregatedRecord,
    /// The encoded length of `message`, kept up to date by `push`.
    proto_len: usize,
}

/// A finished Kinesis record: what to put on the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    /// The record's data: an aggregated record, or the user record's own data when it was
    /// alone (as the KPL sends a lone record unaggregated).
    pub data: Vec<u8>,
    /// The record's partition key: the first user record's, so that Kinesis routes the
    /// record to the shard its first user record belongs to.
    pub partition_key: String,
    /// How many user records it carries.
    pub user_records: usize,
}

/// Bytes that a length-delimited field of `len` bytes takes (tag, length, payload).
fn field_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new() -> Self {
        Self::default()
    }

    /// User records added so far.
    pub fn len(&self) -> usize {
        self.message.records.len()
    }

    /// Whether no user record was added.
    pub fn is_empty(&self) -> bool {
        self.message.records.is_empty()
    }

    /// The size of the aggregated record as it stands (magic, protobuf, MD5).
    pub fn size(&self) -> usize {
        OVERHEAD + self.proto_len
    }

    /// What [`size`](Self::size) would be after [`push`](Self::push)ing a record of
    /// `data_len` bytes with `partition_key`.
    pub fn size_with(&self, partition_key: &str, data_len: usize) -> usize {
        self.size() + self.growth(partition_key, data_len).0
    }

    /// The bytes a record adds to the protobuf message, and its key's table index (a new one
    /// when the key is not in the table yet).
    fn growth(&self, partition_key: &str, data_len: usize) -> (usize, u64, bool) {
        let table = &self.message.partition_key_table;
        let (index, table) = match table.last() {
            Some(last) if last == partition_key => (table.len() as u64 - 1, 0),
            _ => (table.len() as u64, field_len(1, partition_key.len())),
        };
        let record = key_len(1) + encoded_len_varint(index) + field_len(3, data_len);
        (table + field_len(3, record), index, table > 0)
    }

    /// Adds a user record.
    pub fn push(&mut self, partition_key: impl Into<String>, data: Vec<u8>) {
        let partition_key = partition_key.into();
        let (growth, index, new_key) = self.growth(&partition_key, data.len());
        if new_key {
            self.message.partition_key_table.push(partition_key);
        }
        self.message.records.push(Record {
            partition_key_index: index,
            explicit_hash_key_index: None,
            data,
            tags: Vec::new(),
        });
        self.proto_len += growth;
    }

    /// The Kinesis record to put, and an empty aggregator. `None` when nothing was added.
    pub fn finish(&mut self) -> Option<Packed> {
        let mut message = std::mem::take(&mut self.message);
        let proto_len = std::mem::take(&mut self.proto_len);
        let user_records = message.records.len();
        let first = message.records.first()?.partition_key_index;
        let partition_key = message
            .partition_key_table
            .get(first as usize)
            .cloned()
            .unwrap_or_default();
        if user_records == 1 {
            let data = message.records.pop().map(|r| r.data).unwrap_or_default();
            return Some(Packed {
                data,
                partition_key,
                user_records,
            });
        }
        let mut data = Vec::with_capacity(OVERHEAD + proto_len);
        data.extend_from_slice(&MAGIC);
        // Encoding into a Vec cannot run out of room.
        let _ = message.encode(&mut data);
        let digest = Md5::digest(&data[MAGIC.len()..]);
        data.extend_from_slice(&digest);
        debug_assert_eq!(data.len(), OVERHEAD + proto_len);
        debug_assert_eq!(digest.len(), DIGEST_LEN);
        Some(Packed {
            data,
            partition_key,
            user_records,
        })
    }
}
