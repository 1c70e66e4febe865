//! `out/` is what `eventlake gen --schema events.toml` writes today (the prost `bootstrap`
//! pattern): a stale committed output fails here with the command that fixes it.

use eventlake_cli::output;

use crate::common::{load, render, repo_root};

#[test]
fn committed_out_folder_is_current() {
    let schema = load(&repo_root().join("events.toml"));
    let artifacts = render(&schema);
    let opts = output::Options {
        prune: true,
        ..output::Options::default()
    };
    let report = output::check(&repo_root().join("out"), &artifacts, &opts).expect("readable");
    assert!(
        report.is_fresh(),
        "out/ is stale (stale: {:?}, missing: {:?}, extra: {:?}); run `cargo run -- gen --schema events.toml` and commit",
        report.stale.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        report.missing,
        report.extra
    );
}
