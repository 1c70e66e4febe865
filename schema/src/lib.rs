//! The events.toml schema language of eventlake: the model, loading with spans, validation
//! that reports every problem at once, and the type mapping tables every generator uses.
//!
//! This is the only crate that parses events.toml; the CLI, the derive macro and the local
//! lake all go through [`load_path`] / [`load_str`].
//!
//! ```
//! let src = r#"
//! [lake]
//! name = "shop"
//!
//! [events.order_placed.fields]
//! order_id = { type = "string", required = true }
//! total = "decimal(12,2)"
//! "#;
//! let loaded = eventlake_schema::load_str(src, "events.toml").expect("valid");
//! let event = loaded.schema.event("order_placed").expect("declared");
//! assert_eq!(event.fields[1].ty.to_string(), "decimal(12,2)");
//! ```

pub mod cron;
pub mod diag;
pub mod errors_table;
pub mod evolution;
pub mod example;
pub mod fingerprint;
pub mod format;
pub mod input;
pub mod limits;
pub mod load;
pub mod mapping;
pub mod model;
pub mod names;
pub mod sample;
mod string_enum;
pub mod time;
pub mod types;

pub use diag::{Diagnostic, Report, Severity, Span};
pub use load::{Lenient, Loaded, load_lenient, load_path, load_str};
pub use model::{
    Catalog, Compression, Event, Field, Granularity, Lake, PartitionColumn, Partitioning, Schema,
    Settings, StreamMode,
};
pub use types::Type;
