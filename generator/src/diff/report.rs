//! `diff`'s output: rustc-style text for people (the same renderer as `validate`), or a
//! stable JSON document for tools.
//!
//! JSON (documented in docs/schema-evolution.md):
//! `{"old", "new", "changes": [{"level", "code", "event", "column", "message", "help",
//! "accepted", "location", "old_location"}], "notes": [...], "summary": {"breaking",
//! "warning", "safe", "accepted"}}`; `location` is `{"path", "line", "column"}` or null.

use annotate_snippets::{AnnotationKind, Group, Level as Lvl, Renderer, Snippet};
use eventlake_schema::Span;
use eventlake_schema::diag::{clamp_span, line_col};
use serde_json::{Value, json};

use super::{Change, Level, Outcome};

/// The two files, for locations.
pub struct Files<'a> {
    /// The new file's text.
    pub new_source: &'a str,
    /// The new file's name.
    pub new_path: &'a str,
    /// The old file's text.
    pub old_source: &'a str,
    /// The old file's name (`git:HEAD:events.toml`).
    pub old_path: &'a str,
}

/// Line starts of a text, so that locating hundreds of changes in a large schema costs a
/// binary search each instead of a scan from the start.
struct Lines<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(source: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Self { source, starts }
    }

    /// 0-based index of the line holding byte `offset`.
    fn index(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// 1-based line and character column of `offset` (as `diag::line_col` counts them).
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let i = self.index(offset);
        let start = self.starts[i];
        (i + 1, line_col(&self.source[start..], offset - start).1)
    }

    /// The whole lines a span touches, their first line number, and the span inside them.
    fn excerpt(&self, span: &Span) -> (&'a str, usize, Span) {
        let span = clamp_span(self.source, span);
        let first = self.index(span.start);
        let last = self.index(span.end.max(span.start));
        let start = self.starts[first];
        let end = self
            .starts
            .get(last + 1)
            .copied()
            .unwrap_or(self.source.len());
        let text = &self.source[start..end];
        (text, first + 1, span.start - start..span.end - start)
    }
}

/// Counts per level, and accepted changes.
fn counts(outcome: &Outcome) -> (usize, usize, usize, usize) {
    let n = |l: Level| outcome.changes.iter().filter(|c| c.level() == l).count();
    let accepted = outcome
        .changes
        .iter()
        .filter(|c| c.accepted.is_some())
        .count();
    (
        n(Level::Breaking),
        n(Level::Warning),
        n(Level::Safe),
        accepted,
    )
}

/// The text report.
pub fn text(outcome: &Outcome, files: &Files<'_>, notes: &[String], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let (new_lines, old_lines) = (Lines::new(files.new_source), Lines::new(files.old_source));
    let mut out = String::new();
    for note in notes {
        out.push_str(&format!("note: {note}\n"));
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    for c in &outcome.changes {
        if c.level() == Level::Safe && c.accepted.is_none() {
            let at = c
                .new_span
                .as_ref()
                .map(|s| {
                    let (l, col) = new_lines.line_col(s.start);
                    format!(" ({}:{l}:{col})", files.new_path)
                })
                .unwrap_or_default();
            out.push_str(&format!("safe[{}]: {}{at}\n", c.code.name(), c.message));
            continue;
        }
        out.push_str(
            &renderer
                .render(&[group(c, files, &new_lines, &old_lines)])
                .to_string(),
        );
        out.push_str("\n\n");
    }
    let (b, w, s, a) = counts(outcome);
    if outcome.changes.is_empty() {
        out.push_str(&format!(
            "no changes between {} and {}\n",
            files.old_path, files.new_path
        ));
    } else {
        out.push_str(&format!(
            "{}{b} breaking, {w} warning{}, {s} safe{} between {} and {}\n",
            if out.ends_with("\n\n") || out.is_empty() {
                ""
            } else {
                "\n"
            },
            if w == 1 { "" } else { "s" },
            if a > 0 {
                format!(" ({a} accepted in {})", files.new_path)
            } else {
                String::new()
            },
            files.old_path,
            files.new_path
        ));
    }
    out
}

fn group<'a>(
    c: &'a Change,
    files: &'a Files<'a>,
    new_lines: &Lines<'a>,
    old_lines: &Lines<'a>,
) -> Group<'a> {
    let level = match c.level() {
        Level::Breaking => Lvl::ERROR.with_name("breaking"),
        Level::Warning => Lvl::WARNING,
        Level::Safe => Lvl::INFO.with_name("safe"),
    };
    let mut g = Group::with_title(level.primary_title(c.message.as_str()).id(c.code.name()));
    // Only the lines of the span go to the renderer: it walks the whole text it is given.
    if let Some(span) = &c.new_span {
        let (text, line, span) = new_lines.excerpt(span);
        g = g.element(
            Snippet::source(text)
                .line_start(line)
                .path(files.new_path)
                .fold(true)
                .annotation(AnnotationKind::Primary.span(span)),
        );
    }
    if let Some(span) = &c.old_span {
        let (text, line, span) = old_lines.excerpt(span);
        g = g.element(
            Snippet::source(text)
                .line_start(line)
                .path(files.old_path)
                .fold(true)
                .annotation(AnnotationKind::Context.span(span).label("before")),
        );
    }
    if let Some(help) = &c.help {
        g = g.element(Lvl::HELP.message(help.as_str()));
    }
    if let Some(reason) = &c.accepted {
        g = g.element(Lvl::NOTE.message(format!("accepted in {}: {reason}", files.new_path)));
    }
    g
}

fn location(lines: &Lines<'_>, path: &str, span: Option<&Span>) -> Value {
    match span {
        Some(s) => {
            let (line, column) = lines.line_col(s.start);
            json!({ "path": path, "line": line, "column": column })
        }
        None => Value::Null,
    }
}

/// The JSON report.
pub fn json(outcome: &Outcome, files: &Files<'_>, notes: &[String]) -> Value {
    let (new_lines, old_lines) = (Lines::new(files.new_source), Lines::new(files.old_source));
    let changes: Vec<Value> = outcome
        .changes
        .iter()
        .map(|c| {
            json!({
                "level": c.level().name(),
                "code": c.code.name(),
                "event": c.event,
                "column": c.column,
                "message": c.message,
                "help": c.help,
                "accepted": c.accepted.as_ref().map(|r| json!({ "reason": r })),
                "location": location(&new_lines, files.new_path, c.new_span.as_ref()),
                "old_location": location(&old_lines, files.old_path, c.old_span.as_ref()),
            })
        })
        .collect();
    let (b, w, s, a) = counts(outcome);
    json!({
        "old": files.old_path,
        "new": files.new_path,
        "changes": changes,
        "notes": notes,
        "summary": { "breaking": b, "warning": w, "safe": s, "accepted": a },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_the_diagnostics_line_col() {
        let src = "a = 1\nbé = \"x\"\n\nlast";
        let lines = Lines::new(src);
        for offset in 0..=src.len() {
            if src.is_char_boundary(offset) {
                assert_eq!(lines.line_col(offset), line_col(src, offset), "{offset}");
            }
        }
        let (text, line, span) = lines.excerpt(&(7..9));
        assert_eq!((text, line, span), ("bé = \"x\"\n", 2, 1..3));
    }
}
