//! Diagnostics: what is wrong, where (a byte span in the source), and how to fix it.
//!
//! Every check in this crate records a [`Diagnostic`] and carries on, so one run reports every
//! problem. Rendering is rustc-like (`annotate-snippets`): message, `--> file:line:col`, the
//! source line with a caret under the span, and a help line. Line and column are computed
//! here, once, for every consumer (CLI, derive, tests).

use std::fmt;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// A byte range in the events.toml source.
pub type Span = Range<usize>;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The schema is usable, but something is probably not what the author meant.
    Warning,
    /// The schema is invalid; nothing is generated.
    Error,
}

/// One problem found in a schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, lower case, no trailing period.
    pub message: String,
    /// Where, as a byte range into the source.
    pub span: Span,
    /// A short label printed under the caret.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
            help: None,
        }
    }

    /// A new warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(span, message)
        }
    }

    /// Adds a label shown under the caret.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a help line saying how to fix the problem.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line only when `help` is `Some`.
    #[must_use]
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// 1-based line and column (in characters) of the start of the span.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span.start)
    }

    /// Renders the diagnostic like rustc does, with the source line and a caret.
    pub fn render(&self, source: &str, path: &str, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let span = clamp_span(source, &self.span);
        let mut annotation = AnnotationKind::Primary.span(span);
        if let Some(label) = &self.label {
            annotation = annotation.label(label.as_str());
        }
        let mut group: Group<'_> = level.primary_title(self.message.as_str()).element(
            Snippet::source(source)
                .path(path)
                .fold(true)
                .annotation(annotation),
        );
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&[group]).to_string()
    }

    /// A one-line form, `path:line:col: error: message`, for places without room for a
    /// snippet (compiler errors from the derive, CI logs).
    pub fn one_line(&self, source: &str, path: &str) -> String {
        let (line, col) = self.line_col(source);
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("{path}:{line}:{col}: {severity}: {}", self.message);
        if let Some(help) = &self.help {
            out.push_str(" (help: ");
            out.push_str(help);
            out.push(')');
        }
        out
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Keeps a span inside the source and on character boundaries, so rendering never panics.
pub fn clamp_span(source: &str, span: &Span) -> Span {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let mut end = span.end.clamp(start, source.len());
    while end < source.len() && !source.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// All diagnostics of one schema file, with the source needed to render them.
#[derive(Debug, Clone)]
pub struct Report {
    /// The path as the user gave it (used in `-->` lines).
    pub path: String,
    /// The file's text.
    pub source: String,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }

    /// Renders every diagnostic, then a closing count line.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&d.render(&self.source, &self.path, color));
            out.push_str("\n\n");
        }
        let errors = self.error_count();
        let warnings = self.warning_count();
        if errors > 0 {
            out.push_str(&format!(
                "error: {} is invalid: {errors} error{}{}\n",
                self.path,
                plural(errors),
                if warnings > 0 {
                    format!(", {warnings} warning{}", plural(warnings))
                } else {
                    String::new()
                }
            ));
        }
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Report {}

/// `"s"` unless `n == 1`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The closest candidate to `word`, if one is close enough to suggest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word_lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let src = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        // `=` after the two-character key `bé` (three bytes)
        assert_eq!(line_col(src, 10), (2, 4));
        assert_eq!(line_col(src, 10_000), (3, 1));
    }

    #[test]
    fn rendering_never_panics_on_bad_spans() {
        let src = "é";
        let d = Diagnostic::error(1..99, "bad");
        assert!(d.render(src, "x.toml", false).contains("bad"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("shard", ["shards", "stream_mode"]),
            Some("shards")
        );
        assert_eq!(did_you_mean("zzz", ["shards"]), None);
    }
}
