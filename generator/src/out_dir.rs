//! Choosing the output folder and refusing obviously wrong ones.
//!
//! Rules of this module:
//! - the default folder is `out/` next to the schema, which only makes sense for a schema
//!   that is a regular file outside the device folders: `--schema /dev/stdin` needs `--out`;
//! - a filesystem root, a device or kernel folder (`/dev`, `/proc`, `/sys` and anything under
//!   them) and the user's home folder itself are never output folders. Paths are resolved
//!   first (symbolic links, `..`), so `--out /tmp/..` is the root. Everything else is
//!   protected by the rules of [`crate::output`] (only eventlake's own files are touched).

use std::path::{Component, Path, PathBuf};

use crate::Error;

/// Folders (with everything under them) that hold devices or kernel state, never files
/// anyone generates.
#[cfg(unix)]
const SYSTEM_FOLDERS: &[&str] = &["/dev", "/proc", "/sys"];
#[cfg(not(unix))]
const SYSTEM_FOLDERS: &[&str] = &[];

/// The default output folder: `out/` next to `schema`. A schema that is not a regular file
/// (standard input, a pipe, a device) has no folder of its own, so `--out` is required.
pub fn default_for(schema: &Path) -> Result<PathBuf, Error> {
    let dir = match schema.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::from("."),
    };
    let candidate = dir.join("out");
    let regular = std::fs::metadata(schema).is_ok_and(|m| m.is_file());
    if !regular || refusal(&candidate, None).is_some() {
        return Err(Error::Invalid(format!(
            "{} is not a regular file in a project folder, so there is no `out/` next to it; \
             say where to write with --out DIR",
            schema.display()
        )));
    }
    Ok(if dir == Path::new(".") {
        PathBuf::from("out")
    } else {
        candidate
    })
}

/// Refuses `out` when it is a filesystem root, a device or kernel folder, or the user's
/// home folder itself (exit code 2).
pub fn vet(out: &Path) -> Result<(), Error> {
    let home = std::env::home_dir();
    match refusal(out, home.as_deref()) {
        Some(why) => Err(Error::Invalid(format!(
            "refusing to use {} as the output folder: it is {why}; \
             generate into a folder of its own with --out DIR (e.g. --out out)",
            out.display()
        ))),
        None => Ok(()),
    }
}

/// Why `out` is not an acceptable output folder, or `None` when it is. Only reads the
/// filesystem (to resolve links), so tests can ask about `/` safely.
pub fn refusal(out: &Path, home: Option<&Path>) -> Option<String> {
    let resolved = resolve(out);
    if resolved.parent().is_none() {
        return Some("a filesystem root".to_owned());
    }
    if let Some(system) = SYSTEM_FOLDERS
        .iter()
        .find(|d| resolved.starts_with(Path::new(d)))
    {
        return Some(format!(
            "inside {system}, which holds devices or kernel state"
        ));
    }
    if home.is_some_and(|h| resolve(h) == resolved) {
        return Some("your home folder itself".to_owned());
    }
    None
}

/// `path` made absolute with symbolic links and `..` resolved as far as the path exists;
/// the part that does not exist yet is appended as written.
pub fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut resolved = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => resolved.push(component),
            Component::CurDir => {}
            // `resolved` is canonical whenever it exists, so dropping its last component is
            // the real parent.
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(name) => {
                resolved.push(name);
                if let Ok(canonical) = resolved.canonicalize() {
                    resolved = canonical;
                }
            }
        }
    }
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn roots_and_system_folders_are_refused_without_touching_them() {
        for p in ["/", "/tmp/..", "/dev", "/dev/out", "/proc/self", "/sys/x/y"] {
            assert!(
                refusal(Path::new(p), None).is_some(),
                "{p} should be refused"
            );
        }
        assert!(refusal(Path::new("/tmp/eventlake-out"), None).is_none());
    }

    #[test]
    fn the_home_folder_itself_is_refused_but_not_its_subfolders() {
        let home = tempfile::tempdir().expect("tempdir");
        let h = home.path();
        assert!(refusal(h, Some(h)).is_some());
        assert!(refusal(&h.join("sub/.."), Some(h)).is_some());
        assert!(refusal(&h.join("lake/out"), Some(h)).is_none());
    }

    #[test]
    fn the_default_needs_a_regular_schema_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let schema = dir.path().join("events.toml");
        std::fs::write(&schema, "").expect("write");
        assert_eq!(
            default_for(&schema).ok(),
            Some(dir.path().join("out")),
            "out/ next to a regular file"
        );
        assert!(default_for(Path::new("/dev/stdin")).is_err());
        assert!(default_for(Path::new("/dev/null")).is_err());
        assert!(default_for(&dir.path().join("missing.toml")).is_err());
    }
}
