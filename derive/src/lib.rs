//! The derive macros of eventlake: `DatalakeEvent`, `DatalakeStruct` and `DatalakeEnum`.
//!
//! Use them through the `eventlake` crate (`eventlake::DatalakeEvent`), whose docs describe
//! the attributes and the supported types. This crate holds only the entry points; the logic
//! lives in modules that work on `proc_macro2` so it can be unit-tested:
//! [`locate`](crate) finds and caches events.toml, `attr` reads `#[datalake]` and
//! `#[serde]`, `checks` compares the Rust item with the schema, `expand` writes the impls.
//! Not a public API beyond the three derives; versioned with the workspace.

mod attr;
mod checks;
mod expand;
mod locate;

use proc_macro::TokenStream;

/// Checks an event struct against its event in events.toml and implements
/// `eventlake::DatalakeEvent` for it.
#[proc_macro_derive(DatalakeEvent, attributes(datalake, serde))]
pub fn derive_datalake_event(input: TokenStream) -> TokenStream {
    expand::derive(expand::Kind::Event, input.into()).into()
}

/// Checks a nested struct against a `struct<…>` column (`#[datalake(event = "…",
/// field = "…")]`) and makes it writable to that column.
#[proc_macro_derive(DatalakeStruct, attributes(datalake, serde))]
pub fn derive_datalake_struct(input: TokenStream) -> TokenStream {
    expand::derive(expand::Kind::Struct, input.into()).into()
}

/// Checks an enum against a column's `enum = [...]` values (`#[datalake(event = "…",
/// field = "…")]`) and makes it writable to that column.
#[proc_macro_derive(DatalakeEnum, attributes(datalake, serde))]
pub fn derive_datalake_enum(input: TokenStream) -> TokenStream {
    expand::derive(expand::Kind::Enum, input.into()).into()
}
