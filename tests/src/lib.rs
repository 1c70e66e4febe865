//! Cross-crate tests of eventlake (not published). The library holds the producer structs that
//! `generator/src/rust_producers.rs` writes for the example lake (`events.toml`), compiled here
//! against the `eventlake` runtime with warnings denied: if the generator ever writes code that
//! does not compile, or that the derive rejects, this crate does not build.
//!
//! The tests are under `tests/`: `ui.rs` (trybuild pass/fail cases with `.stderr` goldens),
//! `records.rs` (`to_record` bytes), `rebuild.rs` (editing events.toml rebuilds a producer).

#![deny(warnings, missing_docs)]

/// The generated producers of the example lake (`out/rust/shop.rs` once the CLI writes it).
///
/// Left out of trybuild's builds (`cfg(trybuild)`): those set `EVENTLAKE_SCHEMA` to a UI
/// fixture, which would point these derives at the wrong schema.
#[cfg(not(trybuild))]
pub mod shop {
    include!(concat!(env!("OUT_DIR"), "/shop.rs"));
}
