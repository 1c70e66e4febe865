//! Finding events.toml at compile time, and parsing it once per file version.
//!
//! Rules of this module:
//! - the schema is, in this order: `#[datalake(schema = "…")]` relative to the user crate's
//!   `CARGO_MANIFEST_DIR` (absolute paths are rejected: they only work on one machine), the
//!   `EVENTLAKE_SCHEMA` environment variable (relative to the same directory), or the nearest
//!   `events.toml` in that directory or its parents;
//! - the environment is read only through [`env_opt`], and the expansion names every file and
//!   variable it depended on (`include_bytes!`, `option_env!`) so cargo rebuilds on a change;
//! - parsed schemas (and their errors) are cached per canonical path, keyed by modification
//!   time and length, because every derive in a crate runs in the same loaded library.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use eventlake_schema::{Report, Schema};
use proc_macro2::Span;
use syn::LitStr;

/// The environment variable that overrides where events.toml is.
pub const ENV_SCHEMA: &str = "EVENTLAKE_SCHEMA";

/// The one place the derive reads the environment.
#[expect(
    clippy::disallowed_methods,
    reason = "this is the single, documented environment read"
)]
pub fn env_opt(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Where the schema is.
#[derive(Debug, Clone)]
pub struct Located {
    /// Canonical absolute path (for `include_bytes!` and the cache).
    pub path: PathBuf,
    /// How to show the path in messages: relative to the crate when possible.
    pub display: String,
    /// The span schema errors are reported at.
    pub span: Span,
}

/// Finds the schema file, or explains what was tried.
pub fn locate(schema_attr: Option<&LitStr>, item_span: Span) -> Result<Located, syn::Error> {
    let manifest_dir = env_opt("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let base = manifest_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if let Some(lit) = schema_attr {
        let rel = lit.value();
        if Path::new(&rel).is_absolute() {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "`schema` must be relative to the crate's Cargo.toml; absolute paths only work on one machine (found `{rel}`)"
                ),
            ));
        }
        return existing(&base.join(&rel), &rel, &base, lit.span()).ok_or_else(|| {
            syn::Error::new(
                lit.span(),
                format!(
                    "schema file `{rel}` does not exist (paths are relative to the crate's Cargo.toml)"
                ),
            )
        });
    }
    if let Some(env) = env_opt(ENV_SCHEMA) {
        let candidate = base.join(&env);
        return existing(&candidate, &env, &base, item_span).ok_or_else(|| {
            syn::Error::new(
                item_span,
                format!(
                    "{ENV_SCHEMA} is set to `{env}`, but there is no such file; fix or unset the variable"
                ),
            )
        });
    }
    let mut tried = Vec::new();
    for dir in base.ancestors() {
        let candidate = dir.join("events.toml");
        if let Some(found) = existing(&candidate, "events.toml", &base, item_span) {
            return Ok(found);
        }
        tried.push(candidate.display().to_string());
    }
    Err(syn::Error::new(
        item_span,
        format!(
            "cannot find events.toml; looked for {}. Add `#[datalake(schema = \"path/to/events.toml\")]` or set {ENV_SCHEMA}",
            tried.join(", ")
        ),
    ))
}

fn existing(candidate: &Path, given: &str, base: &Path, span: Span) -> Option<Located> {
    let path = candidate.canonicalize().ok()?;
    if !path.is_file() {
        return None;
    }
    let display = base
        .canonicalize()
        .ok()
        .and_then(|b| path.strip_prefix(b).ok().map(|p| p.display().to_string()))
        .unwrap_or_else(|| {
            if Path::new(given).is_absolute() {
                given.to_owned()
            } else {
                path.display().to_string()
            }
        });
    Some(Located {
        path,
        display,
        span,
    })
}

/// A parsed schema, or the report of why it is invalid (with the display path).
pub type Loaded = Result<Arc<Schema>, Arc<Report>>;

type CacheKey = (Option<SystemTime>, u64);

static CACHE: Mutex<BTreeMap<PathBuf, (CacheKey, Loaded)>> = Mutex::new(BTreeMap::new());

/// Parses the schema at `located`, or returns the cached result for the same file version.
pub fn load(located: &Located) -> Loaded {
    let key: CacheKey = std::fs::metadata(&located.path)
        .map(|m| (m.modified().ok(), m.len()))
        .unwrap_or((None, 0));
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((k, loaded)) = cache.get(&located.path)
        && *k == key
        && key.0.is_some()
    {
        return loaded.clone();
    }
    let loaded = match eventlake_schema::load_path(&located.path) {
        Ok(l) => Ok(Arc::new(l.schema)),
        Err(mut report) => {
            report.path.clone_from(&located.display);
            Err(Arc::new(report))
        }
    };
    cache.insert(located.path.clone(), (key, loaded.clone()));
    loaded
}

/// Whether this is the first expansion on this thread that depends on `path`: only that one
/// names the file and `EVENTLAKE_SCHEMA` in its output (`include_bytes!`, `option_env!`).
///
/// rustc expands one crate per process, on one thread, so every crate that derives from a
/// schema gets the dependency exactly once (emitting it per struct made rustc embed and hash
/// the whole file once per struct: about a tenth of the derive's cost). Unit tests run each
/// test on its own thread, so each test's first expansion has it.
pub fn first_dependency(path: &Path) -> bool {
    thread_local! {
        static NAMED: std::cell::RefCell<std::collections::BTreeSet<PathBuf>> =
            const { std::cell::RefCell::new(std::collections::BTreeSet::new()) };
    }
    NAMED.with(|named| named.borrow_mut().insert(path.to_owned()))
}

/// How many times the schema at `path` was parsed (for the cache test).
#[cfg(test)]
pub fn cached(path: &Path) -> bool {
    CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains_key(path)
}

/// The schema's errors as compile errors at `span`: `path:line:col: error: …`, then the
/// source line with a caret.
pub fn report_errors(report: &Report, span: Span) -> syn::Error {
    let mut all: Option<syn::Error> = None;
    for d in report
        .diagnostics
        .iter()
        .filter(|d| d.severity == eventlake_schema::Severity::Error)
    {
        let mut msg = d.one_line(&report.source, &report.path);
        if let Some(snippet) = snippet(&report.source, d.span.clone()) {
            msg.push('\n');
            msg.push_str(&snippet);
        }
        let e = syn::Error::new(span, msg);
        match &mut all {
            Some(a) => a.combine(e),
            None => all = Some(e),
        }
    }
    all.unwrap_or_else(|| syn::Error::new(span, format!("{} is invalid", report.path)))
}

/// The source line of `span` with a caret line under it.
fn snippet(source: &str, span: std::ops::Range<usize>) -> Option<String> {
    if source.is_empty() {
        return None;
    }
    let (line, col) = eventlake_schema::diag::line_col(source, span.start);
    let text = source.lines().nth(line - 1)?;
    let width = source
        .get(span.clone())
        .map_or(1, |s| s.lines().next().unwrap_or("").chars().count().max(1));
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    Some(format!(
        "{pad} |\n{num} | {text}\n{pad} | {}{}",
        " ".repeat(col - 1),
        "^".repeat(width)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_points_at_the_span() {
        let src = "a = 1\nbb = \"x\"\n";
        assert_eq!(
            snippet(src, 11..14).as_deref(),
            Some("  |\n2 | bb = \"x\"\n  |      ^^^")
        );
    }

    #[test]
    fn absolute_schema_paths_are_rejected() {
        let lit = LitStr::new("/etc/events.toml", Span::call_site());
        let err = locate(Some(&lit), Span::call_site()).unwrap_err();
        assert!(err.to_string().contains("must be relative"), "{err}");
    }

    #[test]
    fn missing_schema_files_are_named() {
        let lit = LitStr::new("no/such/events.toml", Span::call_site());
        let err = locate(Some(&lit), Span::call_site()).unwrap_err();
        assert!(
            err.to_string()
                .contains("`no/such/events.toml` does not exist"),
            "{err}"
        );
    }

    #[test]
    fn parses_are_cached_per_file_version() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("events.toml");
        std::fs::write(
            &file,
            "[lake]\nname = \"a\"\n[events.e.fields]\nx = \"int\"\n",
        )
        .unwrap();
        let located = Located {
            path: file.canonicalize().unwrap(),
            display: "events.toml".into(),
            span: Span::call_site(),
        };
        let first = load(&located).unwrap();
        assert!(cached(&located.path));
        let second = load(&located).unwrap();
        assert!(
            Arc::ptr_eq(&first, &second),
            "same version must come from the cache"
        );
        // A new version (different length, so the key changes even within one mtime tick).
        std::fs::write(
            &file,
            "[lake]\nname = \"a\"\n[events.e.fields]\nx = \"bigint\"\n",
        )
        .unwrap();
        let third = load(&located).unwrap();
        assert!(!Arc::ptr_eq(&first, &third));
        assert_eq!(third.events[0].fields[0].ty.to_string(), "bigint");
        std::fs::write(&file, "[lake\n").unwrap();
        let broken = load(&located).unwrap_err();
        assert_eq!(broken.path, "events.toml");
    }
}
