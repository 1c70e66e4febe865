//! Snapshots of every generated artefact of every fixture lake (the example lake's are in
//! the topic modules). Review changes with `cargo insta review`. The two size fixtures
//! (`many_events`, 32 events, and `huge`, 60 × 40) are left out: their artefacts repeat the
//! same shapes hundreds of times, and their behaviour is tested in `cloudformation`
//! (splitting) and by the benchmarks.

use crate::common::{load, render, valid_lakes};

#[test]
fn every_artefact_of_every_fixture_lake() {
    for (name, path) in valid_lakes() {
        if matches!(name.as_str(), "example" | "many_events" | "huge") {
            continue;
        }
        let schema = load(&path);
        for artefact in render(&schema) {
            insta::assert_snapshot!(format!("{name}__{}", artefact.path), artefact.contents);
        }
    }
}
