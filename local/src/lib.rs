//! The local lake of eventlake: the stack's Firehose → S3 → Glue → Athena path on one
//! machine, with no AWS account. The same conversion rules as Firehose's OpenX JSON
//! deserializer ([`convert`]), the same S3 key layout ([`layout`]), Parquet files typed by
//! the Glue columns ([`columns`]), and, with the `query` feature, the starter SQL answered
//! by an embedded engine (Apache DataFusion, `query` module).
//!
//! Not a public API; versioned with the workspace. The CLI's `local` and `demo` commands
//! (feature `local` of `eventlake-cli`) are its user interface.
//!
//! ```no_run
//! use eventlake_local::{IngestOptions, ingest_bytes};
//!
//! let loaded = eventlake_schema::load_path("events.toml".as_ref()).expect("valid schema");
//! let input = std::fs::read("orders.ndjson").expect("readable");
//! let opts = IngestOptions { lake_dir: "lake".into(), arrival: None, threads: 0 };
//! let report = ingest_bytes(&loaded.schema, "order_placed", &[&input], &opts).expect("ingested");
//! assert_eq!(report.converted + report.failed, report.records);
//! ```
//!
//! Conversion rules and every known deviation from Firehose: `docs/local-lake.md`.

pub mod columns;
pub mod convert;
pub mod fake;
pub mod ingest;
pub mod layout;
#[cfg(feature = "query")]
pub mod query;
pub mod split;

use std::path::Path;

pub use convert::{Converter, Failure, Finding};
pub use ingest::{
    IngestOptions, IngestReport, KinesisRecord, ingest_bytes, ingest_kinesis_records,
    ingest_records, parse_arrival, read_input,
};

/// Errors of the local lake (bad records are not errors: they go to `errors/`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The schema has no such event.
    #[error("the schema has no event `{name}` (events: {})", known.join(", "))]
    UnknownEvent {
        /// The name asked for.
        name: String,
        /// The schema's events.
        known: Vec<String>,
    },
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Building Arrow data failed (a bug: conversion guarantees valid data).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Writing Parquet failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// A query failed.
    #[cfg(feature = "query")]
    #[error("{0}")]
    Query(String),
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Message(String),
}

impl Error {
    /// Maps an I/O error on `path`.
    pub fn io(path: impl AsRef<Path>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.as_ref().display().to_string();
        move |source| Error::Io { path, source }
    }
}
