//! Where templates come from: the built-in ones, embedded in the binary so it stands alone
//! (a test checks that every file under `templates/` is listed here), or a file of the same
//! name in the `--templates` folder, read like any input: a regular file of at most
//! [`eventlake_schema::input::MAX_INPUT_BYTES`], in UTF-8.

use std::path::Path;

use crate::Error;

/// `(name, text)` of every built-in template; names are paths relative to `templates/`.
pub const EMBEDDED: &[(&str, &str)] = &[
    // TEMPLATES-BEGIN (keep sorted)
    (
        "athena/ddl.sql.j2",
        include_str!("../../templates/athena/ddl.sql.j2"),
    ),
    (
        "athena/queries.sql.j2",
        include_str!("../../templates/athena/queries.sql.j2"),
    ),
    (
        "cloudformation/stack.yaml.j2",
        include_str!("../../templates/cloudformation/stack.yaml.j2"),
    ),
    (
        "cloudformation/monitoring.yaml.j2",
        include_str!("../../templates/cloudformation/monitoring.yaml.j2"),
    ),
    (
        "cloudformation/test_lambda.js.j2",
        include_str!("../../templates/cloudformation/test_lambda.js.j2"),
    ),
    (
        "docs/README.md.j2",
        include_str!("../../templates/docs/README.md.j2"),
    ),
    // TEMPLATES-END
];

/// Checks the `--templates` folder before anything is rendered: it must be a folder, and
/// every override in it must be readable (exit code 2 otherwise, with every problem).
pub fn check_overrides(dir: &Path) -> Result<(), Error> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::Invalid(format!(
                "--templates {} is not a folder; point it at a folder laid out like templates/",
                dir.display()
            )));
        }
        Err(e) => {
            return Err(Error::Invalid(format!(
                "--templates {}: {e}; point it at a folder laid out like templates/",
                dir.display()
            )));
        }
    }
    let problems: Vec<String> = EMBEDDED
        .iter()
        .filter_map(|(name, _)| read_override(dir, name).err())
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems.join("\n")))
    }
}

/// The template `name` from the `--templates` folder `dir`, or `None` when the folder has
/// no such file (the built-in one is used).
pub fn read_override(dir: &Path, name: &str) -> Result<Option<String>, String> {
    let path = dir.join(name);
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read template {}: {e}", path.display())),
    };
    if !meta.is_file() {
        return Err(format!(
            "template {} is not a regular file (a folder, a device or a pipe)",
            path.display()
        ));
    }
    let bytes = eventlake_schema::input::read_bounded(&path)
        .map_err(|e| format!("cannot read template {}: {e}", path.display()))?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| format!("template {} is not valid UTF-8", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_file_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&root) {
                    on_disk.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
        embedded.sort();
        assert_eq!(
            on_disk, embedded,
            "templates/ and generator/src/templates.rs disagree"
        );
    }
}
