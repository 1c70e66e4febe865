//! The `eventlake diff` command: read both schemas, compare, print, choose the exit code
//! (0 nothing unaccepted at the failing level, 1 something is, 2 the input cannot be compared).

use super::source::{Against, Old};
use super::{Level, Side, compare, old_problems, report};
use crate::cli::{DiffArgs, DiffFormat, FailOn};
use crate::{EXIT_FAILED, EXIT_INVALID, Error, Term};

/// Runs `eventlake diff`.
pub fn run(term: &mut Term<'_>, args: &DiffArgs) -> Result<u8, Error> {
    let schema_path = &args.schema.schema;
    let new_name = schema_path.display().to_string();
    let new_text = match std::fs::read(schema_path) {
        Ok(b) => match String::from_utf8(b) {
            Ok(t) => t,
            Err(_) => {
                term.error(&format!("{new_name} is not valid UTF-8"));
                return Ok(EXIT_INVALID);
            }
        },
        Err(e) => {
            term.error(&format!("cannot read {new_name}: {e}"));
            return Ok(EXIT_INVALID);
        }
    };
    // The new schema is what gets deployed: it must pass today's validation.
    let new = match eventlake_schema::load_lenient(&new_text, &new_name) {
        Ok(l) if l.problems.error_count() == 0 => l,
        Ok(l) => {
            term.report(&l.problems);
            return Ok(EXIT_INVALID);
        }
        Err(report) => {
            term.report(&report);
            return Ok(EXIT_INVALID);
        }
    };
    if !new.problems.diagnostics.is_empty() {
        term.report(&new.problems);
    }

    let (old_text, old_name) =
        match super::source::read(&Against::parse(&args.against), schema_path) {
            Ok(Old::Text { text, name }) => (text, name),
            Ok(Old::Missing(note)) => {
                match args.format {
                    DiffFormat::Text => {
                        let _ = writeln!(term.out, "note: {note}");
                    }
                    DiffFormat::Json => {
                        let doc = serde_json::json!({
                            "old": serde_json::Value::Null,
                            "new": new_name,
                            "changes": [],
                            "notes": [note],
                            "summary": { "breaking": 0, "warning": 0, "safe": 0, "accepted": 0 },
                        });
                        let _ = writeln!(
                            term.out,
                            "{}",
                            serde_json::to_string_pretty(&doc).unwrap_or_default()
                        );
                    }
                }
                return Ok(0);
            }
            Err(e) => {
                term.error(&e.message);
                if let Some(help) = e.help {
                    let _ = writeln!(term.err, "  = help: {help}");
                }
                return Ok(EXIT_INVALID);
            }
        };
    // The old schema may predate today's stricter rules: compare it if it parses at all.
    let old = match eventlake_schema::load_lenient(&old_text, &old_name) {
        Ok(l) => l,
        Err(report) => {
            term.report(&report);
            term.error(&format!("{old_name} cannot be compared: it does not parse"));
            return Ok(EXIT_INVALID);
        }
    };
    let mut notes = Vec::new();
    let old_errors = old.problems.error_count();
    if old_errors > 0 {
        notes.push(format!(
            "{old_name} fails today's validation ({old_errors} error{}); it is compared as written",
            eventlake_schema::diag::plural(old_errors)
        ));
        notes.extend(
            old_problems(&old.problems)
                .into_iter()
                .map(|p| format!("  {p}")),
        );
    }

    let outcome = compare(
        &Side {
            schema: &old.schema,
            source: &old_text,
            path: &old_name,
        },
        &Side {
            schema: &new.schema,
            source: &new_text,
            path: &new_name,
        },
        &new.accepted,
    );
    let files = report::Files {
        new_source: &new_text,
        new_path: &new_name,
        old_source: &old_text,
        old_path: &old_name,
    };
    match args.format {
        DiffFormat::Text => {
            let _ = write!(
                term.out,
                "{}",
                report::text(&outcome, &files, &notes, term.color)
            );
        }
        DiffFormat::Json => {
            let doc = report::json(&outcome, &files, &notes);
            let _ = writeln!(
                term.out,
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            );
        }
    }
    let threshold = match args.fail_on {
        FailOn::Breaking => Level::Breaking,
        FailOn::Warning => Level::Warning,
    };
    let failing = outcome.unaccepted_at_least(threshold);
    if failing > 0 {
        term.error(&format!(
            "{failing} {} change{} not accepted; fix {}, or accept {} on purpose with an `[[accept]]` table in {new_name} (docs/schema-evolution.md)",
            threshold.name(),
            eventlake_schema::diag::plural(failing),
            if failing == 1 { "it" } else { "them" },
            if failing == 1 { "it" } else { "each" },
        ));
        return Ok(EXIT_FAILED);
    }
    Ok(0)
}
