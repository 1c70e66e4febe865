//! Where the old schema comes from: a file, or `git:REV[:path]` read with `git show`, so that
//! `diff` runs as a pre-commit hook (against `HEAD`) and in CI (against the base branch).
//!
//! Edge cases of the git form: no previous version (an unborn branch, or a file the revision
//! does not have) means there is nothing to compare; a revision missing from a shallow clone
//! is an error with a hint to fetch it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What `--against` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Against {
    /// A file.
    Path(PathBuf),
    /// A revision and, optionally, a path relative to the repository root.
    Git {
        /// Any revision `git rev-parse` understands.
        rev: String,
        /// Path in the revision's tree (default: the schema's, relative to the root).
        path: Option<String>,
    },
}

impl Against {
    /// Parses `git:REV[:path]`, or takes the text as a path.
    pub fn parse(s: &str) -> Self {
        match s.strip_prefix("git:") {
            Some(rest) => match rest.split_once(':') {
                Some((rev, path)) if !path.is_empty() => Against::Git {
                    rev: rev.to_owned(),
                    path: Some(path.to_owned()),
                },
                Some((rev, _)) => Against::Git {
                    rev: rev.to_owned(),
                    path: None,
                },
                None => Against::Git {
                    rev: rest.to_owned(),
                    path: None,
                },
            },
            None => Against::Path(PathBuf::from(s)),
        }
    }
}

/// The old schema's text, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Old {
    /// The text and how to name it in messages.
    Text {
        /// File contents.
        text: String,
        /// `events.toml`, or `git:HEAD:events.toml`.
        name: String,
    },
    /// Nothing to compare (first commit, new file): a note saying so.
    Missing(String),
}

/// A problem reading the old schema, phrased for the user (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// What went wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl SourceError {
    fn new(message: impl Into<String>, help: Option<String>) -> Self {
        Self {
            message: message.into(),
            help,
        }
    }
}

/// Reads the old schema named by `against`; `schema` is the new schema's path.
pub fn read(against: &Against, schema: &Path) -> Result<Old, SourceError> {
    match against {
        Against::Path(p) => match std::fs::read(p) {
            Ok(bytes) => Ok(Old::Text {
                text: utf8(bytes, &p.display().to_string())?,
                name: p.display().to_string(),
            }),
            Err(e) => Err(SourceError::new(
                format!("cannot read {}: {e}", p.display()),
                Some("check the path given to --against".to_owned()),
            )),
        },
        Against::Git { rev, path } => read_git(rev, path.as_deref(), schema),
    }
}

fn utf8(bytes: Vec<u8>, name: &str) -> Result<String, SourceError> {
    String::from_utf8(bytes).map_err(|_| {
        SourceError::new(
            format!("{name} is not valid UTF-8"),
            Some("TOML files must be UTF-8".to_owned()),
        )
    })
}

/// Runs git in `dir`; `Ok(stdout)` on success, `Err(stderr)` on failure.
fn git(dir: &Path, args: &[&str]) -> Result<Result<Vec<u8>, String>, SourceError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| {
            SourceError::new(
                format!("cannot run git: {e}"),
                Some(
                    "install git, or pass the old schema as a file with --against PATH".to_owned(),
                ),
            )
        })?;
    Ok(if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    })
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_owned()
}

fn read_git(rev: &str, path: Option<&str>, schema: &Path) -> Result<Old, SourceError> {
    let dir = match schema.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    let root = match git(&dir, &["rev-parse", "--show-toplevel"])? {
        Ok(out) => PathBuf::from(text(out)),
        Err(e) => {
            return Err(SourceError::new(
                format!("{} is not in a git repository ({e})", dir.display()),
                Some("pass the old schema as a file with --against PATH".to_owned()),
            ));
        }
    };
    let rel = match path {
        Some(p) => p.to_owned(),
        None => relative_to_root(schema, &root)?,
    };
    let name = format!("git:{rev}:{rel}");
    if rev.is_empty() || rev.starts_with('-') {
        return Err(SourceError::new(
            format!("`{rev}` is not a revision"),
            Some("write --against git:HEAD, git:origin/main or git:<commit>[:path]".to_owned()),
        ));
    }
    let commit = format!("{rev}^{{commit}}");
    if let Err(e) = git(&root, &["rev-parse", "--verify", "--quiet", &commit])? {
        // An unborn branch (no commit yet) has no previous version of anything.
        if git(&root, &["rev-parse", "--verify", "--quiet", "HEAD"])?.is_err() {
            return Ok(Old::Missing(format!(
                "{name}: the repository has no commit yet, so there is no previous version to compare with"
            )));
        }
        let shallow = git(&root, &["rev-parse", "--is-shallow-repository"])?
            .map(text)
            .unwrap_or_default()
            == "true";
        let help = if shallow {
            format!(
                "this is a shallow clone and `{rev}` is not in it: fetch it (`git fetch --deepen=50`, or `git fetch origin {rev}`; in GitHub Actions, `fetch-depth: 0`)"
            )
        } else {
            "check the revision (`git log --oneline`), or fetch it from the remote".to_owned()
        };
        return Err(SourceError::new(
            format!(
                "unknown revision `{rev}`{}",
                if e.is_empty() {
                    String::new()
                } else {
                    format!(" ({e})")
                }
            ),
            Some(help),
        ));
    }
    let object = format!("{rev}:{rel}");
    match git(&root, &["cat-file", "-e", &object])? {
        Ok(_) => {}
        Err(_) => {
            return Ok(Old::Missing(format!(
                "{name}: `{rel}` does not exist at `{rev}` (a new schema file), so there is no previous version to compare with"
            )));
        }
    }
    match git(&root, &["show", &object])? {
        Ok(bytes) => Ok(Old::Text {
            text: utf8(bytes, &name)?,
            name,
        }),
        Err(e) => Err(SourceError::new(format!("cannot read {name}: {e}"), None)),
    }
}

/// The schema's path relative to the repository root, with `/` separators.
fn relative_to_root(schema: &Path, root: &Path) -> Result<String, SourceError> {
    let abs = std::fs::canonicalize(schema).map_err(|e| {
        SourceError::new(
            format!("cannot read {}: {e}", schema.display()),
            Some("check the path given to --schema".to_owned()),
        )
    })?;
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let rel = abs.strip_prefix(&root).map_err(|_| {
        SourceError::new(
            format!(
                "{} is outside the repository {}",
                schema.display(),
                root.display()
            ),
            Some("name the file in the revision explicitly: --against git:REV:path".to_owned()),
        )
    })?;
    Ok(rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn against_forms() {
        assert_eq!(
            Against::parse("old.toml"),
            Against::Path(PathBuf::from("old.toml"))
        );
        assert_eq!(
            Against::parse("git:HEAD"),
            Against::Git {
                rev: "HEAD".into(),
                path: None
            }
        );
        assert_eq!(
            Against::parse("git:origin/main:lake/events.toml"),
            Against::Git {
                rev: "origin/main".into(),
                path: Some("lake/events.toml".into())
            }
        );
        assert_eq!(
            Against::parse("git:HEAD~1:"),
            Against::Git {
                rev: "HEAD~1".into(),
                path: None
            }
        );
    }
}
