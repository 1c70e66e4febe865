//! The runtime against the type mapping (`eventlake_schema::mapping`): the marker type the
//! derive names for each scalar type exists, and the crate documentation's table of accepted
//! Rust types says what the derive's messages say.

use eventlake::glue;
use eventlake_schema::mapping::SCALARS;

/// The derive names a column's marker by the type mapping's `family`; every row needs its
/// marker here, in the mapping's order.
#[test]
fn every_scalar_family_has_its_marker() {
    let markers = [
        core::any::type_name::<glue::Boolean>(),
        core::any::type_name::<glue::Tinyint>(),
        core::any::type_name::<glue::Smallint>(),
        core::any::type_name::<glue::Int>(),
        core::any::type_name::<glue::Bigint>(),
        core::any::type_name::<glue::Float>(),
        core::any::type_name::<glue::Double>(),
        core::any::type_name::<glue::Decimal<1, 0>>(),
        core::any::type_name::<glue::String>(),
        core::any::type_name::<glue::Varchar<1>>(),
        core::any::type_name::<glue::Char<1>>(),
        core::any::type_name::<glue::Date>(),
        core::any::type_name::<glue::Timestamp>(),
    ];
    assert_eq!(markers.len(), SCALARS.len());
    for (marker, row) in markers.iter().zip(&SCALARS) {
        let name = marker.rsplit("::").next().unwrap_or_default();
        let name = name.split('<').next().unwrap_or_default();
        assert_eq!(name, row.family, "{marker}");
    }
}

/// The backticked Rust types of a table cell or a message, without feature names
/// (`(feature `chrono`)`) and references (`&str` is `str`).
fn rust_types(text: &str) -> Vec<String> {
    let parts: Vec<&str> = text.split('`').collect();
    parts
        .iter()
        .enumerate()
        .skip(1)
        .step_by(2)
        .filter(|(i, _)| !parts[i - 1].ends_with("(feature "))
        .map(|(_, t)| t.trim_start_matches('&').to_owned())
        .collect()
}

/// The crate documentation's table of accepted Rust types says what the type mapping
/// (and so the derive's messages) says, row by row.
#[test]
fn the_documented_table_lists_what_the_type_mapping_accepts() {
    let doc = include_str!("../../runtime/src/lib.rs");
    for row in &SCALARS {
        let glue = format!("`{}", row.glue);
        let line = doc
            .lines()
            .filter_map(|l| l.strip_prefix("//! | "))
            .find(|l| l.split(" | ").next().is_some_and(|c| c.contains(&glue)));
        let Some(line) = line else {
            panic!(
                "no row for `{}` in the table of runtime/src/lib.rs",
                row.glue
            );
        };
        let documented = line.split(" | ").nth(1).unwrap_or_default();
        assert_eq!(
            rust_types(documented),
            rust_types(row.accepts),
            "{}",
            row.glue
        );
    }
}
