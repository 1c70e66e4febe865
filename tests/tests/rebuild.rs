//! Rebuild tracking on stable Rust: a producer crate is checked, its events.toml is edited,
//! and the next `cargo check` (with no change to the Rust source) must fail at the field that
//! no longer fits; restoring the file, or pointing `EVENTLAKE_SCHEMA` elsewhere, must rebuild
//! too. This is what `include_bytes!` / `option_env!` in the expansion buy.
//!
//! The probe crate lives under `CARGO_TARGET_TMPDIR` with its own target directory (a nested
//! cargo on the outer target directory would wait for its lock), and reuses the workspace's
//! Cargo.lock so no new versions are resolved.

use std::path::{Path, PathBuf};
use std::process::Command;

const SCHEMA: &str = r#"
[lake]
name = "probe"

[events.ping]
partition_key = "id"

[events.ping.fields]
id = { type = "string", required = true }
n = { type = "bigint" }
"#;

const LIB: &str = r#"
use eventlake::DatalakeEvent;

#[derive(DatalakeEvent)]
pub struct Ping {
    pub id: String,
    pub n: Option<i64>,
}
"#;

fn cargo_check(dir: &Path, schema_env: Option<&Path>) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.arg("check")
        .arg("--quiet")
        .arg("--message-format=short")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("EVENTLAKE_SCHEMA")
        .env_remove("RUSTFLAGS");
    if let Some(p) = schema_env {
        cmd.env("EVENTLAKE_SCHEMA", p);
    }
    let out = cmd.output().expect("cargo runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

#[test]
fn editing_events_toml_rebuilds_the_producer() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .canonicalize()
        .expect("workspace path");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rebuild-probe");
    std::fs::create_dir_all(dir.join("src")).expect("probe dir");
    let runtime = workspace.join("runtime");
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"rebuild-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\neventlake = {{ path = {:?}, default-features = false, features = [\"derive\"] }}\n\n\
             [workspace]\n",
            runtime.display().to_string()
        ),
    );
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock file");
    write(&dir.join("src/lib.rs"), LIB);
    let schema = dir.join("events.toml");
    write(&schema, SCHEMA);

    let (ok, err) = cargo_check(&dir, None);
    assert!(ok, "the probe must build against its schema:\n{err}");

    // The column changes type: the unchanged struct must now fail at `n`'s type.
    write(
        &schema,
        &SCHEMA.replace("n = { type = \"bigint\" }", "n = { type = \"timestamp\" }"),
    );
    let (ok, err) = cargo_check(&dir, None);
    assert!(!ok, "editing events.toml must rebuild and fail");
    assert!(
        err.contains("src/lib.rs:7:12") && err.contains("column `n` is an optional `timestamp`"),
        "the error points at the field's type:\n{err}"
    );

    // A column is renamed: the error moves to the field and the struct.
    write(&schema, &SCHEMA.replace("\nn = ", "\ncount = "));
    let (ok, err) = cargo_check(&dir, None);
    assert!(!ok);
    assert!(
        err.contains("field `n` (sent as `n`) has no column in event `ping`"),
        "{err}"
    );

    // Restored: builds again.
    write(&schema, SCHEMA);
    let (ok, err) = cargo_check(&dir, None);
    assert!(ok, "{err}");

    // The environment variable is tracked as well.
    let other = dir.join("other.toml");
    write(
        &other,
        &SCHEMA
            .replace("[events.ping]", "[events.pong]")
            .replace("events.ping.fields", "events.pong.fields"),
    );
    let (ok, err) = cargo_check(&dir, Some(&other));
    assert!(!ok, "setting EVENTLAKE_SCHEMA must rebuild");
    assert!(
        err.contains("unknown event `ping`; did you mean `pong`?"),
        "{err}"
    );
    let (ok, err) = cargo_check(&dir, None);
    assert!(ok, "unsetting it must rebuild again:\n{err}");
}
