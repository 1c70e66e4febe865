//! The KPL aggregated-record format of Amazon Kinesis Data Streams, without the AWS SDK.
//!
//! The Kinesis Producer Library (KPL) packs many *user records* into one Kinesis record: the
//! magic bytes `F3 89 9A C2`, a protobuf `AggregatedRecord` (a partition key table, an
//! explicit hash key table and the records, each pointing into the tables), and the MD5 of
//! the protobuf bytes. Firehose, the KCL and AWS's Lambda libraries de-aggregate such records.
//! The format and its sources are in `docs/kinesis-aggregation.md`.
//!
//! This crate is the format alone (prost and md-5), so that consumers (a Lambda reading the
//! stream, the local lake) can use it without the AWS SDK. The `eventlake` runtime re-exports
//! it as `eventlake::kinesis::{deaggregate, …}` and its producer aggregates with [`Aggregator`].
//!
//! ```
//! use eventlake_kinesis_agg::{Aggregator, deaggregate};
//!
//! let mut agg = Aggregator::new();
//! agg.push("customer-1", br#"{"n":1}"#.to_vec());
//! agg.push("customer-2", br#"{"n":2}"#.to_vec());
//! let size = agg.size();
//! let packed = agg.finish().unwrap();
//! assert_eq!(packed.user_records, 2);
//! assert_eq!(packed.data.len(), size);
//! assert_eq!(packed.partition_key, "customer-1"); // routed like its first record
//!
//! let records = deaggregate(&packed.data, &packed.partition_key).unwrap();
//! assert_eq!(records[1].partition_key, "customer-2");
//! assert_eq!(records[1].data, br#"{"n":2}"#);
//!
//! // A record without the magic bytes is a user record of its own.
//! let plain = deaggregate(br#"{"n":3}"#, "customer-3").unwrap();
//! assert_eq!(plain.len(), 1);
//! ```

mod aggregate;
mod deaggregate;
mod hash;
mod proto;

pub use aggregate::{Aggregator, Packed};
pub use deaggregate::{DeaggregateError, UserRecord, deaggregate, is_aggregated};
pub use hash::hash_key;

/// The four bytes an aggregated record starts with.
pub const MAGIC: [u8; 4] = [0xF3, 0x89, 0x9A, 0xC2];

/// The length of the MD5 checksum an aggregated record ends with.
pub const DIGEST_LEN: usize = 16;

/// The bytes an aggregated record adds around its protobuf message (magic and checksum).
pub const OVERHEAD: usize = MAGIC.len() + DIGEST_LEN;
