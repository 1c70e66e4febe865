//! The format crate's tests: exact bytes of a small aggregated record (derived by hand from
//! the protobuf encoding rules), sizes known before adding, round trips, pass-through of
//! records that are not aggregated, and interop with AWS's own Python library
//! (`aws-kinesis-agg`, pinned in scripts/requirements-tools.txt).

mod format;
mod interop;
