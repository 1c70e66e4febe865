//! Loading: TOML text → validated [`Schema`], or every problem found.
//!
//! Rules of this module:
//! - nothing returns early on a user mistake: each problem becomes a [`Diagnostic`] with the
//!   span of the offending key or value, and the walk carries on with the next item, so one
//!   run reports everything;
//! - a TOML syntax error stops before the semantic checks (a half-parsed document would only
//!   produce noise);
//! - the keys accepted in each table are listed once here (`*_KEYS`; the settings' keys come
//!   from the settings table) and a test checks them against the JSON Schema of the format
//!   ([`crate::format`]).
//!
//! The walk is one context, [`Cx`], whose methods are split by what they read: TOML values
//! (`values`), the root and `[lake]` (`lake`), settings (`settings`), events (`events`),
//! fields and their types (`fields`), and the `[[accept]]` tables (`accept`).

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Report, Span};
use crate::evolution;
use crate::model::Schema;

mod accept;
mod events;
mod fields;
mod lake;
mod settings;
mod values;

pub use settings::SETTINGS_KEYS;

/// Keys of the document root.
pub const ROOT_KEYS: &[&str] = &["lake", "events", "accept"];
/// Keys of `[lake]`.
pub const LAKE_KEYS: &[&str] = &["name", "description", "defaults"];
/// Keys of `[events.<name>]` besides the settings keys.
pub const EVENT_KEYS: &[&str] = &["description", "partition_key", "time_field", "fields"];
/// Keys of a field given as a table.
pub const FIELD_KEYS: &[&str] = &[
    "type", "required", "doc", "enum", "example", "json", "fields", "items",
];
/// Keys of an array's `items` table.
pub const ITEMS_KEYS: &[&str] = &["type", "fields", "items"];

/// Longest Glue column comment.
const MAX_DOC_LEN: usize = 255;
/// Longest Glue table/database description.
const MAX_DESCRIPTION_LEN: usize = 2048;
/// Longest Glue column type string.
const MAX_TYPE_LEN: usize = 131_072;

/// A valid schema and the warnings found while loading it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The schema.
    pub schema: Schema,
    /// Warnings (no errors: with errors, loading fails).
    pub warnings: Report,
}

/// Reads (at most [`crate::input::MAX_INPUT_BYTES`]) and validates the events.toml at `path`.
pub fn load_path(path: &std::path::Path) -> Result<Loaded, Report> {
    let display = path.display().to_string();
    match crate::input::read_bounded(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => load_str(&text, &display),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                Err(Report {
                    path: display,
                    source: text,
                    diagnostics: vec![
                        Diagnostic::error(valid..valid + 1, "the file is not valid UTF-8")
                            .with_help("TOML files must be UTF-8; re-save the file as UTF-8"),
                    ],
                })
            }
        },
        Err(e) => Err(Report {
            path: display.clone(),
            source: String::new(),
            diagnostics: vec![
                Diagnostic::error(0..0, format!("cannot read {display}: {e}")).with_help(
                    match e.kind() {
                        std::io::ErrorKind::NotFound => {
                            "check the path, or create a starter schema with `eventlake init`"
                        }
                        std::io::ErrorKind::FileTooLarge => {
                            "an events.toml of 40,000 columns is about 1 MB; check that --schema names the schema"
                        }
                        _ => "check the file's permissions",
                    },
                ),
            ],
        }),
    }
}

/// Validates events.toml text; `path` is only used in messages.
pub fn load_str(source: &str, path: &str) -> Result<Loaded, Report> {
    let (schema, _, mut cx) = read(source, path)?;
    match schema {
        Some(schema) if !cx.has_errors() => Ok(Loaded {
            schema,
            warnings: cx.report(path),
        }),
        _ => Err(cx.report(path)),
    }
}

/// Reads the text: the model (when one can be built), the `[[accept]]` tables that are valid,
/// and the loader holding every problem found, in file order. A TOML syntax error is the whole
/// report: a half-parsed document would only produce noise.
fn read<'s>(
    source: &'s str,
    path: &str,
) -> Result<(Option<Schema>, Vec<evolution::Acceptance>, Cx<'s>), Report> {
    let mut cx = Cx::new(source);
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    if !syntax_errors.is_empty() {
        for e in syntax_errors {
            let span = e.span().unwrap_or(0..0);
            cx.diags.push(
                Diagnostic::error(span, format!("invalid TOML: {}", first_line(e.message())))
                    .with_help("fix the TOML syntax; https://toml.io describes it"),
            );
        }
        return Err(cx.report(path));
    }
    let schema = cx.schema(&root);
    let accepted = cx.acceptances(root.get_ref());
    if schema.is_none() && !cx.has_errors() {
        // Defensive: every `None` is paired with an error diagnostic.
        cx.diags
            .push(Diagnostic::error(0..0, "the schema is incomplete"));
    }
    cx.diags.sort_by_key(|d| (d.span.start, d.span.end));
    Ok((schema, accepted, cx))
}

/// A schema read for comparison by `eventlake diff`: the model even when today's validation
/// finds errors in it (an old version may predate a stricter rule), those problems, and the
/// file's `[[accept]]` tables.
#[derive(Debug, Clone)]
pub struct Lenient {
    /// The model built from the valid parts of the file.
    pub schema: Schema,
    /// Every error and warning today's validation finds (shown as notes by `diff`).
    pub problems: Report,
    /// The `[[accept]]` tables that are valid.
    pub accepted: Vec<evolution::Acceptance>,
}

/// Reads events.toml text for comparison: fails only when no model can be built (a TOML
/// syntax error, no `[lake]` name, an event whose name or columns cannot be read); every
/// other problem is returned in [`Lenient::problems`].
pub fn load_lenient(source: &str, path: &str) -> Result<Lenient, Report> {
    let (schema, accepted, mut cx) = read(source, path)?;
    match schema {
        Some(schema) => Ok(Lenient {
            schema,
            problems: cx.report(path),
            accepted,
        }),
        None => Err(cx.report(path)),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

type Entry<'a, 'i> = (&'a Spanned<Cow<'i, str>>, &'a Value<'i>);
/// A TOML value with its span.
type Value<'i> = Spanned<DeValue<'i>>;

/// The loader's state: the text (for spans inside strings) and the problems found so far.
struct Cx<'s> {
    source: &'s str,
    diags: Vec<Diagnostic>,
}

impl<'s> Cx<'s> {
    fn new(source: &'s str) -> Self {
        Self {
            source,
            diags: Vec::new(),
        }
    }

    fn report(&mut self, path: &str) -> Report {
        Report {
            path: path.to_owned(),
            source: self.source.to_owned(),
            diagnostics: std::mem::take(&mut self.diags),
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(span, message));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn has_errors(&self) -> bool {
        let error = |d: &Diagnostic| d.severity == crate::diag::Severity::Error;
        self.diags.iter().any(error)
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }
}
