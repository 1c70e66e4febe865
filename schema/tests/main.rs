//! Integration tests of the schema language: the fixture corpus (valid and invalid), the
//! loader's robustness on arbitrary input, the type-string round trip, and the JSON Schema
//! of the format. One binary, one module per topic.

mod fingerprint;
mod fixtures;
mod format_schema;
mod robustness;
mod type_round_trip;
