//! Integration tests of the eventlake CLI, one binary (faster to link): each module is a
//! topic; `common` holds the shared helpers (fixtures, rendering, external tools).

mod artefacts;
mod athena;
mod cli;
mod cloudformation;
mod common;
mod consistency;
mod diff;
mod event_time;
mod freshness;
mod limits;
#[cfg(feature = "local")]
mod local;
mod monitoring;
#[cfg(unix)]
mod safety;
mod user_text;
