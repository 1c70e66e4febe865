//! trybuild UI tests of the derives: `ui/pass/*.rs` must build and run, `ui/fail/*.rs` must
//! fail with exactly the errors in their `.stderr` goldens (one file per error class).
//!
//! Each group needs its own `EVENTLAKE_SCHEMA` (the cargo that trybuild starts inherits this
//! process's environment, and changing the environment of a running test process is
//! `unsafe`), so `ui` starts this test binary again per group with the variable set, and the
//! child runs trybuild. Re-bless the goldens with `TRYBUILD=overwrite cargo test -p
//! eventlake-tests --test ui` (the toolchain is pinned in rust-toolchain.toml).

use std::path::Path;
use std::process::Command;

/// (fixture schema, pass glob, fail glob)
const GROUPS: &[(&str, Option<&str>, &str)] = &[
    ("fixtures/shop.toml", Some("ui/pass/*.rs"), "ui/fail/*.rs"),
    ("fixtures/malformed.toml", None, "ui/malformed/*.rs"),
];

const GROUP_VAR: &str = "EVENTLAKE_UI_GROUP";

#[test]
fn ui() {
    let exe = std::env::current_exe().expect("the test binary has a path");
    for (i, (fixture, _, _)) in GROUPS.iter().enumerate() {
        let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
        let status = Command::new(&exe)
            .args(["--exact", "trybuild_group", "--ignored", "--nocapture"])
            .env("EVENTLAKE_SCHEMA", &schema)
            .env(GROUP_VAR, i.to_string())
            .status()
            .expect("the test binary starts");
        assert!(
            status.success(),
            "UI group {fixture} failed (see the output above)"
        );
    }
}

#[test]
#[ignore = "started by `ui` with EVENTLAKE_SCHEMA set"]
fn trybuild_group() {
    let Some(group) = std::env::var(GROUP_VAR)
        .ok()
        .and_then(|g| g.parse::<usize>().ok())
        .and_then(|g| GROUPS.get(g))
    else {
        panic!("run through the `ui` test, which sets {GROUP_VAR}");
    };
    let (_, pass, fail) = group;
    let t = trybuild::TestCases::new();
    if let Some(pass) = pass {
        t.pass(pass);
    }
    t.compile_fail(fail);
}
