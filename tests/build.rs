//! Writes the producer structs of the example lake (`../events.toml`) to `OUT_DIR/shop.rs`
//! with the generator's own `rust_producers::render`, so `src/lib.rs` compiles exactly what
//! `eventlake gen` writes to `out/rust/`.

#[path = "../generator/src/rust_producers.rs"]
#[allow(
    dead_code,
    reason = "only `render` is used here; the module's tests run in the generator"
)]
mod rust_producers;

use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let schema_path = manifest.join("../events.toml");
    println!("cargo:rerun-if-changed={}", schema_path.display());
    println!("cargo:rerun-if-changed=../generator/src/rust_producers.rs");
    // trybuild builds this crate with `--cfg trybuild` (see src/lib.rs).
    println!("cargo::rustc-check-cfg=cfg(trybuild)");
    let loaded = match eventlake_schema::load_path(&schema_path) {
        Ok(l) => l,
        Err(report) => {
            eprintln!("{}", report.render(false));
            std::process::exit(1);
        }
    };
    let text = rust_producers::render(&loaded.schema);
    let out =
        PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("shop.rs");
    if let Err(e) = std::fs::write(&out, text) {
        eprintln!("cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
