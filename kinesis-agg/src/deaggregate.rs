//! Reading an aggregated record back into its user records, as AWS's libraries do: a record
//! is aggregated when it starts with the magic bytes and ends with the MD5 of what lies
//! between; any other record (including one whose checksum does not match) is a user record
//! of its own, passed through unchanged.

use md5::{Digest, Md5};
use prost::Message;

use crate::proto::AggregatedRecord;
use crate::{DIGEST_LEN, MAGIC};

/// One user record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserRecord {
    /// Its partition key.
    pub partition_key: String,
    /// Its explicit hash key (a decimal 128-bit number), when the producer set one.
    pub explicit_hash_key: Option<String>,
    /// Its data.
    pub data: Vec<u8>,
}

/// An aggregated record (magic bytes and a matching MD5) whose content is broken: the
/// producer that wrote it is at fault, not the transport.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeaggregateError {
    /// The protobuf message cannot be decoded.
    #[error("aggregated record with a valid checksum but an undecodable protobuf message: {0}")]
    Protobuf(String),
    /// A user record points past the end of a key table.
    #[error(
        "aggregated record: user record {record} points to entry {index} of {table}, which has \
         {len} entries"
    )]
    KeyIndex {
        /// The user record's position in the aggregated record.
        record: usize,
        /// `partition_key_table` or `explicit_hash_key_table`.
        table: &'static str,
        /// The index it holds.
        index: u64,
        /// The table's length.
        len: usize,
    },
}

/// The protobuf message of an aggregated record, when `data` is one (magic bytes, and an MD5
/// that matches).
fn message(data: &[u8]) -> Option<&[u8]> {
    let rest = data.strip_prefix(&MAGIC)?;
    // AWS's libraries need at least one byte of message.
    if rest.len() <= DIGEST_LEN {
        return None;
    }
    let (message, digest) = rest.split_at(rest.len() - DIGEST_LEN);
    (Md5::digest(message).as_slice() == digest).then_some(message)
}

/// Whether `data` is an aggregated record (magic bytes and a matching MD5).
pub fn is_aggregated(data: &[u8]) -> bool {
    message(data).is_some()
}

/// The user records in the Kinesis record `data` with `partition_key`: those it aggregates,
/// in order, or the record itself when it is not an aggregated record.
///
/// Like AWS's libraries (the KCL, `aws-kinesis-agg`), a record whose MD5 does not match is
/// passed through whole. Unlike `aws-kinesis-agg`, which then passes the record through or
/// stops with a log line, an aggregated record whose checksum matches but whose content is
/// broken is an error: it was written wrongly, and its user records cannot be recovered.
pub fn deaggregate(data: &[u8], partition_key: &str) -> Result<Vec<UserRecord>, DeaggregateError> {
    let Some(message) = message(data) else {
        return Ok(vec![UserRecord {
            partition_key: partition_key.to_owned(),
            explicit_hash_key: None,
            data: data.to_vec(),
        }]);
    };
    let aggregated =
        AggregatedRecord::decode(message).map_err(|e| DeaggregateError::Protobuf(e.to_string()))?;
    let AggregatedRecord {
        partition_key_table: keys,
        explicit_hash_key_table: hash_keys,
        records,
    } = aggregated;
    let lookup = |table: &'static str, entries: &[String], record: usize, index: u64| {
        entries
            .get(index as usize)
            .cloned()
            .ok_or(DeaggregateError::KeyIndex {
                record,
                table,
                index,
                len: entries.len(),
            })
    };
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(UserRecord {
                partition_key: lookup("partition_key_table", &keys, i, r.partition_key_index)?,
                explicit_hash_key: r
                    .explicit_hash_key_index
                    .map(|h| lookup("explicit_hash_key_table", &hash_keys, i, h))
                    .transpose()?,
                data: r.data,
            })
        })
        .collect()
}
