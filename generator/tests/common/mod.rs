//! Shared helpers: the fixture lakes, rendering them, and locating the pinned external
//! tools that `scripts/setup-tools` installs into `.venv-tools/`.

#![allow(dead_code, reason = "each test module uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use eventlake_cli::{RenderOptions, output::Artifact, render_all};
use eventlake_schema::Schema;

/// The `eventlake` binary, to run in `cwd` without colours.
pub fn command(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eventlake"));
    c.current_dir(cwd).env("NO_COLOR", "1");
    c
}

/// Runs the `eventlake` binary in `cwd` without colours.
pub fn eventlake(args: &[&str], cwd: &Path) -> Output {
    command(cwd).args(args).output().expect("the binary runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The example lake and every valid fixture lake: `(name, path)`.
pub fn valid_lakes() -> Vec<(String, PathBuf)> {
    let mut lakes = vec![("example".to_owned(), repo_root().join("events.toml"))];
    let dir = repo_root().join("schema/tests/fixtures/valid");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    fixtures.sort();
    for p in fixtures {
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        lakes.push((name, p));
    }
    lakes
}

/// Loads a schema that must be valid.
pub fn load(path: &Path) -> Schema {
    match eventlake_schema::load_path(path) {
        Ok(l) => l.schema,
        Err(r) => panic!("{} should be valid:\n{}", path.display(), r.render(false)),
    }
}

/// Renders every target of a lake in memory.
pub fn render(schema: &Schema) -> Vec<Artifact> {
    render_all(schema, &RenderOptions::default()).unwrap_or_else(|e| panic!("render failed: {e}"))
}

/// Renders a lake into a fresh temporary folder (removed when the value is dropped).
pub fn render_to_dir(schema: &Schema) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    for a in render(schema) {
        let p = dir.join(&a.path);
        std::fs::create_dir_all(p.parent().unwrap_or(dir)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&p, a.contents).unwrap_or_else(|e| panic!("{e}"));
    }
    tmp
}

/// A pinned tool from `.venv-tools/bin`. The README's test command installs them
/// (`scripts/setup-tools`); a missing tool is a failure, never a skip.
pub fn tool(name: &str) -> PathBuf {
    let p = repo_root().join(".venv-tools/bin").join(name);
    assert!(
        p.exists(),
        "{} is missing: run `scripts/setup-tools` (the README's test command does)",
        p.display()
    );
    p
}
