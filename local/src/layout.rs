//! Where files go in a local lake: the same keys the stack's Firehose prefixes produce
//! (`generator/src/plan.rs`), with the lake folder standing in for the buckets.
//!
//! - `data/<event>/year=2024/month=05/day=01/hour=09/<stem>.parquet`: converted records,
//!   partitioned down to the event's granularity, by arrival time or event time;
//! - `raw/<event>/year=…/month=…/day=…/hour=…/<stem>`: every input record (the raw backup,
//!   always by arrival hour);
//! - `errors/<event>/<error-type>/year=…/month=…/day=…/hour=…/<stem>`: one Firehose-shaped
//!   JSON document per failed record (by arrival hour), outside every table location.
//!
//! Partition values are zero-padded as in the stack (`month=05`); the Glue partition
//! columns are `int`.

use eventlake_schema::time::Instant;
use eventlake_schema::{Granularity, PartitionColumn};

/// Error-output types: records that failed conversion, and event-time records whose
/// partition values could not be extracted (one definition, shared with the errors tables).
pub use eventlake_schema::errors_table::{FORMAT_CONVERSION_FAILED, PARTITIONING_FAILED};

/// Partition values of an instant, coarsest first, for `columns`.
pub fn partition_values(columns: &[PartitionColumn], at: Instant) -> Vec<u32> {
    let (y, mo, d, h, _, _) = at.civil();
    columns
        .iter()
        .map(|c| match c.name {
            "year" => u32::try_from(y).unwrap_or(0),
            "month" => mo,
            "day" => d,
            _ => h,
        })
        .collect()
}

/// `year=2024/month=05/` for `columns` and their `values`.
pub fn partition_path(columns: &[PartitionColumn], values: &[u32]) -> String {
    columns
        .iter()
        .zip(values)
        .map(|(c, v)| format!("{}={:0width$}/", c.name, v, width = usize::from(c.digits)))
        .collect()
}

/// The hour-level path of an arrival instant (raw/ and errors/).
pub fn arrival_path(at: Instant) -> String {
    let cols = Granularity::Hour.partition_columns();
    partition_path(cols, &partition_values(cols, at))
}

/// The stem of every file one ingest writes: `<event>-yyyy-MM-dd-HH-mm-ss-<hash>`, like
/// Firehose's `<stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid>` object names. The hash is of
/// the input, so re-ingesting the same bytes at the same arrival time rewrites the same
/// files instead of duplicating rows.
pub fn file_stem(event: &str, at: Instant, hash: u64) -> String {
    let (y, mo, d, h, mi, s) = at.civil();
    format!("{event}-{y:04}-{mo:02}-{d:02}-{h:02}-{mi:02}-{s:02}-{hash:016x}")
}

/// The hash that names one ingest's files: xxHash64 (fast, not cryptographic).
pub type Hasher = twox_hash::XxHash64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_zero_padded_like_the_stack() {
        let at = eventlake_schema::time::parse_timestamp_str("2024-05-01T09:30:00Z");
        let at = at.unwrap_or(Instant { secs: 0, nanos: 0 });
        assert_eq!(arrival_path(at), "year=2024/month=05/day=01/hour=09/");
        let day = Granularity::Day.partition_columns();
        assert_eq!(
            partition_path(day, &partition_values(day, at)),
            "year=2024/month=05/day=01/"
        );
        assert_eq!(
            file_stem("e", at, 1),
            "e-2024-05-01-09-30-00-0000000000000001"
        );
    }
}
