//! Integration tests of the local lake's ingest, one binary: one test per conversion rule
//! (good and bad records), asserting the Parquet content, the error documents and that
//! nothing is lost; the layout; determinism; and pyarrow as an independent reader.

mod common;
mod kinesis;
mod pyarrow;
mod rules;
