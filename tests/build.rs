//! Declares the `trybuild` cfg: trybuild compiles this crate as a dependency of its UI cases
//! with `--cfg trybuild`, and `src/lib.rs` then leaves out the generated producers.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(trybuild)");
}
