//! Generated files on disk: writing them atomically, comparing them for `--check`, and
//! removing files an earlier run generated that this run no longer does.
//!
//! Rules of this module (docs/safety-and-limits.md, "What `gen` writes and deletes"):
//! - everything is rendered in memory and the whole folder is surveyed before the first byte
//!   is written, so a refusal or an error found by the survey leaves the folder untouched;
//!   each file is written to a temporary name (`<file>.eventlake-tmp-<pid>`) and renamed;
//! - the manifest is extended with every file a run may write before the first of them is
//!   written, so files of a run that failed halfway are still known as ours;
//! - a file counts as ours when it carries the `@generated` mark in its first lines or is
//!   listed in the manifest (`.eventlake-manifest`, for JSON files that cannot carry a
//!   comment). An existing file that is not ours is never overwritten, and never removed:
//!   the run is refused, naming every such file;
//! - the schema (`--schema`) is never written or removed, even when it looks like ours;
//! - nothing is written, read for comparison or removed through a symbolic link inside the
//!   output folder (the folder itself may be a link), and every write goes to a folder whose
//!   resolved path is under the resolved output folder;
//! - temporary files left by an interrupted run are removed by the next `gen` and reported by
//!   `--check`;
//! - the caller holds the folder's lock ([`crate::lock`]) for the whole run;
//! - an I/O error names the file and what was being done to it.

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::{Error, io_err};

pub use eventlake_schema::format::GENERATED_MARK;

/// The manifest listing every generated file, relative to the output folder.
pub const MANIFEST: &str = ".eventlake-manifest";

/// What the name of a temporary file contains, between the file's name and the process id.
pub const TMP_MARK: &str = ".eventlake-tmp-";

/// How many bytes at the top of a file are searched for the [`GENERATED_MARK`].
const MARK_WINDOW: u64 = 512;

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
    manifest_of(artifacts.iter().map(|a| a.path.as_str()), source_name)
}

fn manifest_of<'p>(paths: impl Iterator<Item = &'p str>, source_name: &str) -> Artifact {
    let mut text = format!(
        "# {GENERATED_MARK} by eventlake from {source_name}; do not edit\n# Files eventlake generated in this folder; `eventlake gen` removes them when they are no longer generated.\n"
    );
    let paths: BTreeSet<&str> = paths.collect();
    for p in paths {
        text.push_str(p);
        text.push('\n');
    }
    Artifact::new(MANIFEST, text)
}

/// How a run treats the output folder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Every target was rendered: generated files this run does not produce are removed
    /// (`gen`) or reported (`--check`).
    pub prune: bool,
    /// A file that is never written or removed: the schema.
    pub protect: Option<&'a Path>,
    /// The schema's file name, for the manifest a partial run (`--only`) updates.
    pub source_name: &'a str,
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
    /// Temporary files of an interrupted run, removed.
    pub leftovers: Vec<String>,
}

/// Writes `artifacts` under `out`, which must exist; with `opts.prune`, removes generated
/// files no longer produced. Refuses, writing nothing, when any file it would overwrite or
/// remove is not its own.
pub fn write_all(
    out: &Path,
    artifacts: &[Artifact],
    opts: &Options<'_>,
) -> Result<WriteSummary, Error> {
    let survey = survey(out, artifacts, opts)?;
    if !survey.problems.is_empty() {
        return Err(refused(out, survey.problems));
    }
    let root = out
        .canonicalize()
        .map_err(io_err(format!("cannot resolve {}", out.display())))?;
    let mut summary = WriteSummary::default();
    for rel in survey.leftovers {
        let path = out.join(&rel);
        std::fs::remove_file(&path).map_err(io_err(format!(
            "cannot remove the leftover temporary file {}",
            path.display()
        )))?;
        summary.leftovers.push(rel);
    }
    // Before any file is written, the manifest lists every file this run may write (JSON
    // files carry no mark), so a run that fails halfway leaves files the next run knows as
    // its own. A full run ends by writing the exact manifest, one of its artifacts; a
    // partial run (`--only`) keeps this one.
    let has_manifest = artifacts.iter().any(|a| a.path == MANIFEST);
    let mut intended = survey.listed.clone();
    intended.extend(
        artifacts
            .iter()
            .filter(|a| a.path != MANIFEST)
            .map(|a| a.path.clone()),
    );
    if intended != survey.listed {
        let m = manifest_of(intended.iter().map(String::as_str), opts.source_name);
        write_under(out, &root, &m.path, m.contents.as_bytes())?;
        if !has_manifest {
            summary.written.push(m.path);
        }
    }
    for (a, state) in artifacts.iter().zip(&survey.states) {
        if *state == State::Current {
            summary.unchanged.push(a.path.clone());
        } else {
            write_under(out, &root, &a.path, a.contents.as_bytes())?;
            summary.written.push(a.path.clone());
        }
    }
    for rel in survey.extra {
        let path = out.join(&rel);
        std::fs::remove_file(&path).map_err(io_err(format!("cannot remove {}", path.display())))?;
        remove_empty_parents(out, &path);
        summary.removed.push(rel);
    }
    Ok(summary)
}

/// Replaces the single file `path` with `bytes` when it does not exist or is a previous
/// output (it carries the [`GENERATED_MARK`]); refuses otherwise. `producer` names the
/// command in the message (`eventlake schema-json`).
pub fn write_own_file(path: &Path, bytes: &[u8], producer: &str) -> Result<(), Error> {
    let why = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_err(format!("cannot inspect {}", path.display()))(e)),
        Ok(m) if m.file_type().is_symlink() => Some(SYMLINK.to_owned()),
        Ok(m) if !m.is_file() => Some("exists and is not a regular file".to_owned()),
        Ok(_) if has_generated_mark(path)? => None,
        Ok(_) => Some(format!(
            "exists and is not a previous output of `{producer}` (it has no {GENERATED_MARK} mark)"
        )),
    };
    if let Some(why) = why {
        return Err(Error::Refused {
            what: format!("refusing to overwrite {}", path.display()),
            problems: vec![format!("{}: {why}", path.display())],
            fix: "choose another --out FILE, or move the file away first".to_owned(),
        });
    }
    write_atomic(path, bytes)
}

/// The outcome of `--check`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Files whose contents differ, with what differs: a unified diff (old → new), or a note
    /// when only the line endings do.
    pub stale: Vec<(String, String)>,
    /// Files that should exist and do not.
    pub missing: Vec<String>,
    /// Generated files that should no longer exist.
    pub extra: Vec<String>,
    /// Temporary files of an interrupted run.
    pub leftovers: Vec<String>,
    /// Paths `gen` would refuse to touch, each with the reason.
    pub conflicts: Vec<String>,
    /// Files that are current.
    pub current: usize,
}

impl CheckReport {
    /// Whether everything is current.
    pub fn is_fresh(&self) -> bool {
        self.stale.is_empty()
            && self.missing.is_empty()
            && self.extra.is_empty()
            && self.leftovers.is_empty()
            && self.conflicts.is_empty()
    }
}

/// Compares `artifacts` with the files under `out` without writing anything.
pub fn check(out: &Path, artifacts: &[Artifact], opts: &Options<'_>) -> Result<CheckReport, Error> {
    let survey = survey(out, artifacts, opts)?;
    let mut report = CheckReport {
        extra: survey.extra,
        leftovers: survey.leftovers,
        conflicts: survey.problems,
        ..CheckReport::default()
    };
    for (a, state) in artifacts.iter().zip(survey.states) {
        match state {
            State::Current => report.current += 1,
            State::Missing => report.missing.push(a.path.clone()),
            State::Blocked => {}
            State::Differs(old) => report.stale.push((a.path.clone(), difference(a, &old))),
        }
    }
    Ok(report)
}

/// What differs between the file on disk and the generated one.
fn difference(a: &Artifact, old: &[u8]) -> String {
    let old = String::from_utf8_lossy(old);
    if old.replace("\r\n", "\n") == a.contents {
        return "only the line endings differ: CRLF on disk, LF generated (git may be \
                converting them: set `eol=lf` for this folder in .gitattributes)"
            .to_owned();
    }
    similar::TextDiff::from_lines(old.as_ref(), a.contents.as_str())
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{} (on disk)", a.path),
            &format!("{} (generated)", a.path),
        )
        .to_string()
}

/// The state of one artifact's path.
#[derive(Debug, PartialEq, Eq)]
enum State {
    /// Nothing there yet.
    Missing,
    /// Same bytes.
    Current,
    /// Ours, with these different bytes.
    Differs(Vec<u8>),
    /// Something that is not ours is in the way (listed in the problems).
    Blocked,
}

/// Everything a run needs to know about the output folder, found without changing it.
#[derive(Debug, Default)]
struct Survey {
    /// One per artifact, in order.
    states: Vec<State>,
    /// Generated files that are no longer produced (with `prune`).
    extra: Vec<String>,
    /// Temporary files of an interrupted run.
    leftovers: Vec<String>,
    /// The previous manifest's entries.
    listed: BTreeSet<String>,
    /// `path: reason` for every path that blocks the run.
    problems: Vec<String>,
}

const SYMLINK: &str =
    "is a symbolic link; eventlake writes nothing through links inside the output folder";

fn survey(out: &Path, artifacts: &[Artifact], opts: &Options<'_>) -> Result<Survey, Error> {
    let mut s = Survey::default();
    let exists = std::fs::metadata(out).is_ok_and(|m| m.is_dir());
    if !exists {
        s.states = artifacts.iter().map(|_| State::Missing).collect();
        return Ok(s);
    }
    let mut problems = BTreeSet::new();
    s.listed = previous_manifest(out, &mut problems)?;
    let protect = opts.protect.and_then(|p| p.canonicalize().ok());
    let is_protected = |path: &Path| {
        protect
            .as_ref()
            .is_some_and(|p| path.canonicalize().is_ok_and(|c| c == *p))
    };
    let ours = |rel: &str, path: &Path| -> Result<bool, Error> {
        Ok(s.listed.contains(rel) || has_generated_mark(path)?)
    };
    for a in artifacts {
        let path = out.join(&a.path);
        let state = if !folders_are_plain(out, &a.path, &mut problems)? {
            State::Blocked
        } else {
            match std::fs::symlink_metadata(&path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => State::Missing,
                Err(e) => return Err(io_err(format!("cannot inspect {}", path.display()))(e)),
                Ok(m) => {
                    let why = if m.file_type().is_symlink() {
                        Some(SYMLINK.to_owned())
                    } else if !m.is_file() {
                        Some("is not a regular file (a folder?) where eventlake writes one".into())
                    } else if is_protected(&path) {
                        Some(
                            "is the schema (--schema); eventlake never overwrites its input".into(),
                        )
                    } else {
                        None
                    };
                    match why {
                        Some(why) => {
                            problems.insert(format!("{}: {why}", path.display()));
                            State::Blocked
                        }
                        None if m.len() == a.contents.len() as u64
                            && read(&path)? == a.contents.as_bytes() =>
                        {
                            State::Current
                        }
                        None if ours(&a.path, &path)? => State::Differs(read(&path)?),
                        None => {
                            problems.insert(format!(
                                "{}: exists and is not eventlake's (it has no {GENERATED_MARK} \
                                 mark and {MANIFEST} does not list it)",
                                path.display()
                            ));
                            State::Blocked
                        }
                    }
                }
            }
        };
        s.states.push(state);
    }
    let wanted: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for rel in files_under(out)? {
        let path = out.join(&rel);
        if rel.contains(TMP_MARK) {
            s.leftovers.push(rel);
        } else if opts.prune && !wanted.contains(rel.as_str()) && ours(&rel, &path)? {
            if is_protected(&path) {
                problems.insert(format!(
                    "{}: is the schema (--schema); eventlake never removes its input",
                    path.display()
                ));
            } else {
                s.extra.push(rel);
            }
        }
    }
    s.problems = problems.into_iter().collect();
    Ok(s)
}

/// Whether every folder between `out` and the file `rel` is a plain folder or absent; a
/// link or a file in the way is recorded in `problems`.
fn folders_are_plain(
    out: &Path,
    rel: &str,
    problems: &mut BTreeSet<String>,
) -> Result<bool, Error> {
    let mut dir = out.to_path_buf();
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop();
    for part in parts {
        dir.push(part);
        match std::fs::symlink_metadata(&dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(true),
            Err(e) => return Err(io_err(format!("cannot inspect {}", dir.display()))(e)),
            Ok(m) if m.file_type().is_symlink() => {
                problems.insert(format!("{}: {SYMLINK}", dir.display()));
                return Ok(false);
            }
            Ok(m) if !m.is_dir() => {
                problems.insert(format!(
                    "{}: is a file where eventlake needs a folder",
                    dir.display()
                ));
                return Ok(false);
            }
            Ok(_) => {}
        }
    }
    Ok(true)
}

fn refused(out: &Path, problems: Vec<String>) -> Error {
    let n = problems.len();
    Error::Refused {
        what: format!(
            "refusing to write to {}: {n} path{} in the way {} not eventlake's to replace",
            out.display(),
            eventlake_schema::diag::plural(n),
            if n == 1 { "is" } else { "are" }
        ),
        problems,
        fix: "nothing was written; move or rename these paths, or generate into a folder of \
              its own with --out DIR"
            .to_owned(),
    }
}

/// The previous manifest's entries. A manifest that is a link or not a regular file is a
/// problem; one larger than the input limit is invalid input.
fn previous_manifest(
    out: &Path,
    problems: &mut BTreeSet<String>,
) -> Result<BTreeSet<String>, Error> {
    let path = out.join(MANIFEST);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(io_err(format!("cannot inspect {}", path.display()))(e)),
        Ok(m) if m.file_type().is_symlink() => {
            problems.insert(format!("{}: {SYMLINK}", path.display()));
            return Ok(BTreeSet::new());
        }
        Ok(m) if !m.is_file() => {
            problems.insert(format!("{}: is not a regular file", path.display()));
            return Ok(BTreeSet::new());
        }
        Ok(_) => {}
    }
    let bytes = eventlake_schema::input::read_bounded(&path).map_err(|e| {
        if e.kind() == io::ErrorKind::FileTooLarge {
            Error::Invalid(format!(
                "{} is {e}; it is not a manifest eventlake wrote: move it away",
                path.display()
            ))
        } else {
            io_err(format!("cannot read {}", path.display()))(e)
        }
    })?;
    if !carries_mark(&bytes) {
        problems.insert(format!(
            "{}: exists and is not eventlake's (it has no {GENERATED_MARK} mark)",
            path.display()
        ));
        return Ok(BTreeSet::new());
    }
    Ok(String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_owned)
        .collect())
}

/// Whether the regular file `path` carries the [`GENERATED_MARK`] in its first three lines.
pub fn has_generated_mark(path: &Path) -> Result<bool, Error> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MARK_WINDOW).read_to_end(&mut head))
        .map_err(io_err(format!("cannot read {}", path.display())))?;
    Ok(carries_mark(&head))
}

/// Whether the [`GENERATED_MARK`] is in the first three lines of the first bytes of `text`.
fn carries_mark(text: &[u8]) -> bool {
    let head = &text[..text.len().min(MARK_WINDOW as usize)];
    String::from_utf8_lossy(head)
        .lines()
        .take(3)
        .any(|l| l.contains(GENERATED_MARK))
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(io_err(format!("cannot read {}", path.display())))
}

/// Writes `rel` under `out` (whose resolved path is `root`), refusing when its folder
/// resolves anywhere else.
fn write_under(out: &Path, root: &Path, rel: &str, bytes: &[u8]) -> Result<(), Error> {
    let path = out.join(rel);
    let rel_dir = Path::new(rel).parent().unwrap_or(Path::new(""));
    let dir = out.join(rel_dir);
    std::fs::create_dir_all(&dir).map_err(io_err(format!(
        "cannot create the folder {} for {}",
        dir.display(),
        path.display()
    )))?;
    let resolved = dir
        .canonicalize()
        .map_err(io_err(format!("cannot resolve {}", dir.display())))?;
    if resolved != root.join(rel_dir) {
        return Err(Error::Refused {
            what: format!("refusing to write {}", path.display()),
            problems: vec![format!(
                "{}: resolves to {}, outside the output folder",
                dir.display(),
                resolved.display()
            )],
            fix: "remove the link, then run again".to_owned(),
        });
    }
    write_atomic(&path, bytes)
}

/// Writes `bytes` to a new temporary file next to `path`, then renames it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!("{TMP_MARK}{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    // `create_new` never opens an existing file or follows a link planted at that name.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| io::Write::write_all(&mut f, bytes));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(format!("cannot write {}", path.display()))(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_err(format!(
            "cannot rename {} to {}",
            tmp.display(),
            path.display()
        ))(e)
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

/// The regular files under `root`, relative, with `/` separators; links are neither
/// followed nor listed.
fn files_under(root: &Path) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(io_err(format!("cannot list {}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(io_err(format!("cannot list {}", dir.display())))?;
            let path = entry.path();
            let ty = entry
                .file_type()
                .map_err(io_err(format!("cannot inspect {}", path.display())))?;
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
