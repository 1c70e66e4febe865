//! Cross-crate tests of eventlake (not published). The library holds the producer structs that
//! `eventlake gen` writes (`generator/src/targets/rust.rs`) for the example lake (`events.toml`), compiled here
//! against the `eventlake` runtime with warnings denied: if the generator ever writes code that
//! does not compile, or that the derive rejects, this crate does not build.
//!
//! The tests are under `tests/`: `ui.rs` (trybuild pass/fail cases with `.stderr` goldens),
//! `records.rs` (`to_record` bytes), `rebuild.rs` (editing events.toml rebuilds a producer).

#![deny(warnings, missing_docs)]

/// The generated producers of the example lake: the committed `out/rust/shop.rs` (kept
/// current by the freshness test in the generator).
///
/// Left out of trybuild's builds (`cfg(trybuild)`): those set `EVENTLAKE_SCHEMA` to a UI
/// fixture, which would point these derives at the wrong schema.
#[cfg(not(trybuild))]
pub mod shop {
    include!("../../out/rust/shop.rs");
}
