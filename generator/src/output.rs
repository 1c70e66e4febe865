//! Generated files on disk: writing them atomically, comparing them for `--check`, and
//! removing files an earlier run generated that this run no longer does.
//!
//! Rules of this module:
//! - everything is rendered in memory before the first byte is written, so an error never
//!   leaves a half-updated folder; each file is written to a temporary name and renamed;
//! - a file counts as ours when it carries the `@generated` mark in its first lines or is
//!   listed in the manifest (`.eventlake-manifest`, for JSON files that cannot carry a
//!   comment); nothing else in the folder is ever touched.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

/// The mark every generated text file carries in its header.
pub const GENERATED_MARK: &str = "@generated";
/// The manifest listing every generated file, relative to the output folder.
pub const MANIFEST: &str = ".eventlake-manifest";

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Path relative to the output folder, with `/` separators.
    pub path: String,
    /// Full contents (LF line endings, one final newline).
    pub contents: String,
}

impl Artifact {
    /// A new artifact.
    pub fn new(path: impl Into<String>, contents: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// The manifest artifact for a complete set of artifacts.
pub fn manifest(artifacts: &[Artifact], source_name: &str) -> Artifact {
    let mut text = format!(
        "# {GENERATED_MARK} by eventlake from {source_name}; do not edit\n# Files eventlake generated in this folder; `eventlake gen` removes them when they are no longer generated.\n"
    );
    let paths: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for p in paths {
        text.push_str(p);
        text.push('\n');
    }
    Artifact::new(MANIFEST, text)
}

/// What `write_all` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files created or changed.
    pub written: Vec<String>,
    /// Files already current.
    pub unchanged: Vec<String>,
    /// Previously generated files removed.
    pub removed: Vec<String>,
}

/// Writes `artifacts` under `out`; with `prune`, removes generated files no longer produced.
pub fn write_all(out: &Path, artifacts: &[Artifact], prune: bool) -> io::Result<WriteSummary> {
    let mut summary = WriteSummary::default();
    let extra = if prune {
        extra_files(out, artifacts)?
    } else {
        Vec::new()
    };
    for a in artifacts {
        let path = out.join(&a.path);
        if std::fs::read(&path).is_ok_and(|old| old == a.contents.as_bytes()) {
            summary.unchanged.push(a.path.clone());
            continue;
        }
        write_atomic(&path, a.contents.as_bytes())?;
        summary.written.push(a.path.clone());
    }
    for rel in extra {
        std::fs::remove_file(out.join(&rel))?;
        remove_empty_parents(out, &out.join(&rel));
        summary.removed.push(rel);
    }
    Ok(summary)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".eventlake-tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn remove_empty_parents(out: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == out || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Files under `out` that an earlier run generated and this set does not contain.
pub fn extra_files(out: &Path, artifacts: &[Artifact]) -> io::Result<Vec<String>> {
    let wanted: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    let listed = previous_manifest(out);
    let mut extra = Vec::new();
    for rel in files_under(out)? {
        if wanted.contains(rel.as_str()) {
            continue;
        }
        if listed.contains(&rel) || has_generated_mark(&out.join(&rel)) {
            extra.push(rel);
        }
    }
    Ok(extra)
}

fn previous_manifest(out: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(out.join(MANIFEST))
        .map(|t| {
            t.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn has_generated_mark(path: &Path) -> bool {
    let Ok(text) = std::fs::read(path) else {
        return false;
    };
    let head = &text[..text.len().min(512)];
    String::from_utf8_lossy(head)
        .lines()
        .take(3)
        .any(|l| l.contains(GENERATED_MARK))
}

fn files_under(root: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    if !root.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let ty = entry.file_type()?;
            let path = entry.path();
            if ty.is_dir() {
                stack.push(path);
            } else if let (true, Ok(rel)) = (ty.is_file(), path.strip_prefix(root)) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The outcome of `--check`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Files whose contents differ, with a unified diff (old → new).
    pub stale: Vec<(String, String)>,
    /// Files that should exist and do not.
    pub missing: Vec<String>,
    /// Generated files that should no longer exist.
    pub extra: Vec<String>,
    /// Files that are current.
    pub current: usize,
}

impl CheckReport {
    /// Whether everything is current.
    pub fn is_fresh(&self) -> bool {
        self.stale.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Compares `artifacts` with the files under `out` without writing anything.
pub fn check(out: &Path, artifacts: &[Artifact], prune: bool) -> io::Result<CheckReport> {
    let mut report = CheckReport::default();
    for a in artifacts {
        match std::fs::read(out.join(&a.path)) {
            Ok(old) if old == a.contents.as_bytes() => report.current += 1,
            Ok(old) => {
                let old = String::from_utf8_lossy(&old);
                let diff = similar::TextDiff::from_lines(old.as_ref(), a.contents.as_str())
                    .unified_diff()
                    .context_radius(2)
                    .header(
                        &format!("{} (on disk)", a.path),
                        &format!("{} (generated)", a.path),
                    )
                    .to_string();
                report.stale.push((a.path.clone(), diff));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => report.missing.push(a.path.clone()),
            Err(e) => return Err(e),
        }
    }
    if prune {
        report.extra = extra_files(out, artifacts)?;
    }
    Ok(report)
}
