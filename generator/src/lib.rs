//! The eventlake command-line tool as a library: argument types ([`Cli`]), [`run`], and the
//! pure generation entry point [`render_all`] that tests and other tools call directly.
//!
//! Not a public API; versioned with the workspace.
//!
//! Exit codes: 0 success; 1 the operation failed or `--check` found stale files; 2 the input
//! (schema or arguments) is invalid.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

pub mod cli;
pub mod diff;
#[cfg(feature = "local")]
pub mod local_cmd;
pub mod lock;
pub mod out_dir;
pub mod output;
pub mod plan;
pub mod render;
pub mod targets;
pub mod templates;

pub use cli::Cli;
pub use targets::{RenderOptions, Target, render_all};

use cli::{ColorChoice, Command, GenArgs, InitArgs, SchemaJsonArgs, ValidateArgs};
use eventlake_schema::{Loaded, Report};

/// Exit code for invalid input.
pub const EXIT_INVALID: u8 = 2;
/// Exit code for a failed operation or a failed `--check`.
pub const EXIT_FAILED: u8 = 1;

/// Errors of the CLI (schema problems are a [`Report`], rendered separately).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A template failed to render.
    #[error("template `{name}` failed to render:\n{detail}")]
    Template {
        /// Template name.
        name: String,
        /// Message with source context.
        detail: String,
    },
    /// A file operation failed.
    #[error("{action}: {source}")]
    Io {
        /// What was being done.
        action: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Invalid input or arguments (exit code [`EXIT_INVALID`]), already phrased for the user.
    #[error("{0}")]
    Invalid(String),
    /// eventlake refused to touch files that are not its own (exit code [`EXIT_FAILED`]).
    #[error("{what}:{}\n{fix}", .problems.iter().map(|p| format!("\n  {p}")).collect::<String>())]
    Refused {
        /// What was refused, e.g. "refusing to write to out".
        what: String,
        /// One line per offending path: the path and why.
        problems: Vec<String>,
        /// How to proceed.
        fix: String,
    },
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Message(String),
}

impl Error {
    /// The exit code this error ends the run with.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) => EXIT_INVALID,
            _ => EXIT_FAILED,
        }
    }
}

pub(crate) fn io_err(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let action = action.into();
    move |source| Error::Io { action, source }
}

/// Where a command writes: standard output and error (or buffers, in tests), and whether
/// to use colour.
pub struct Term<'w> {
    out: &'w mut dyn Write,
    err: &'w mut dyn Write,
    color: bool,
}

impl<'w> Term<'w> {
    /// A terminal over the given writers.
    pub fn new(out: &'w mut dyn Write, err: &'w mut dyn Write, color: bool) -> Self {
        Self { out, err, color }
    }

    fn error(&mut self, msg: &str) {
        if self.color {
            let _ = writeln!(self.err, "\x1b[1;31merror\x1b[0m\x1b[1m: {msg}\x1b[0m");
        } else {
            let _ = writeln!(self.err, "error: {msg}");
        }
    }

    fn warning(&mut self, msg: &str) {
        if self.color {
            let _ = writeln!(self.err, "\x1b[1;33mwarning\x1b[0m\x1b[1m: {msg}\x1b[0m");
        } else {
            let _ = writeln!(self.err, "warning: {msg}");
        }
    }

    fn report(&mut self, report: &Report) {
        let _ = write!(self.err, "{}", report.render(self.color));
    }
}

/// Whether to colour output for `choice` when writing to the process's standard error.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
        }
    }
}

/// Runs the CLI on the process's standard output and error; returns the exit code.
pub fn run(cli: &Cli) -> ExitCode {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    let mut term = Term::new(&mut out, &mut err, use_color(cli.color));
    ExitCode::from(run_with(cli, &mut term))
}

/// Runs the CLI on `term`; returns the exit code (0, [`EXIT_FAILED`] or [`EXIT_INVALID`]).
pub fn run_with(cli: &Cli, term: &mut Term<'_>) -> u8 {
    let result = match &cli.command {
        Command::Validate(a) => validate(term, a),
        Command::Gen(a) => generate(term, a),
        Command::SchemaJson(a) => schema_json(term, a),
        Command::Init(a) => init(term, a),
        Command::Diff(a) => diff::command::run(term, a),
        #[cfg(feature = "local")]
        Command::Local(a) => local_cmd::local(term, a),
        #[cfg(feature = "local")]
        Command::Demo(a) => local_cmd::demo(term, a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            term.error(&e.to_string());
            e.exit_code()
        }
    }
}

/// Loads a schema, printing diagnostics; `None` means it was invalid (already reported).
fn load(term: &mut Term<'_>, path: &Path) -> Option<Loaded> {
    match eventlake_schema::load_path(path) {
        Ok(loaded) => {
            if !loaded.warnings.diagnostics.is_empty() {
                term.report(&loaded.warnings);
            }
            Some(loaded)
        }
        Err(report) => {
            term.report(&report);
            None
        }
    }
}

fn validate(term: &mut Term<'_>, args: &ValidateArgs) -> Result<u8, Error> {
    let Some(loaded) = load(term, &args.schema.schema) else {
        return Ok(EXIT_INVALID);
    };
    let s = &loaded.schema;
    let _ = writeln!(
        term.out,
        "ok: lake {}, {} event{}, {} column{}",
        s.lake.name,
        s.events.len(),
        eventlake_schema::diag::plural(s.events.len()),
        s.column_count(),
        eventlake_schema::diag::plural(s.column_count()),
    );
    Ok(0)
}

fn generate(term: &mut Term<'_>, args: &GenArgs) -> Result<u8, Error> {
    let schema_path = &args.schema.schema;
    if let Some(dir) = &args.templates {
        templates::check_overrides(dir)?;
    }
    let Some(loaded) = load(term, schema_path) else {
        return Ok(EXIT_INVALID);
    };
    let out_dir = match &args.out {
        Some(dir) => dir.clone(),
        None => out_dir::default_for(schema_path)?,
    };
    out_dir::vet(&out_dir)?;
    let source_name = schema_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "events.toml".to_owned());
    let opts = RenderOptions {
        only: args.only.clone(),
        templates: args.templates.as_deref(),
        source_name: source_name.clone(),
    };
    let rendered = targets::render(&loaded.schema, &opts)?;
    for w in &rendered.warnings {
        term.warning(w);
    }
    let artifacts = rendered.artifacts;
    let out_opts = output::Options {
        prune: args.only.is_empty(),
        protect: Some(schema_path),
        source_name: &source_name,
    };
    if args.check {
        // A folder that does not exist has nothing to lock, and everything is missing.
        let _lock = match out_dir.is_dir() {
            true => Some(lock_out_dir(term, &out_dir, lock::Access::Shared)?),
            false => None,
        };
        let report = output::check(&out_dir, &artifacts, &out_opts)?;
        return Ok(print_check(term, &out_dir, schema_path, &report));
    }
    std::fs::create_dir_all(&out_dir).map_err(io_err(format!(
        "cannot create the output folder {}",
        out_dir.display()
    )))?;
    let _lock = lock_out_dir(term, &out_dir, lock::Access::Exclusive)?;
    let summary = output::write_all(&out_dir, &artifacts, &out_opts)?;
    for p in &summary.leftovers {
        let _ = writeln!(
            term.out,
            "  removed  {} (left by an interrupted run)",
            out_dir.join(p).display()
        );
    }
    for p in &summary.written {
        let _ = writeln!(term.out, "  wrote    {}", out_dir.join(p).display());
    }
    for p in &summary.removed {
        let _ = writeln!(term.out, "  removed  {}", out_dir.join(p).display());
    }
    let _ = writeln!(
        term.out,
        "{}: {} written, {} unchanged, {} removed",
        out_dir.display(),
        summary.written.len(),
        summary.unchanged.len(),
        summary.removed.len()
    );
    if args.exit_code && !(summary.written.is_empty() && summary.removed.is_empty()) {
        term.error(&format!(
            "generated files changed; review and stage them (`git add {}`), then commit again",
            out_dir.display()
        ));
        return Ok(EXIT_FAILED);
    }
    Ok(0)
}

/// Takes the output folder's lock, telling the user when another run makes this one wait.
fn lock_out_dir(
    term: &mut Term<'_>,
    out_dir: &Path,
    access: lock::Access,
) -> Result<lock::Held, Error> {
    lock::acquire(out_dir, access, |timeout| {
        let _ = writeln!(
            term.err,
            "waiting for another eventlake run to finish with {} (up to {} s)",
            out_dir.display(),
            timeout.as_secs()
        );
    })
}

fn print_check(
    term: &mut Term<'_>,
    out_dir: &Path,
    schema: &Path,
    report: &output::CheckReport,
) -> u8 {
    if report.is_fresh() {
        let _ = writeln!(
            term.out,
            "{}: all {} generated files are current",
            out_dir.display(),
            report.current
        );
        return 0;
    }
    let color = term.color;
    let err = &mut term.err;
    for (path, diff) in &report.stale {
        let _ = writeln!(err, "stale:   {}", out_dir.join(path).display());
        for line in diff.lines().take(40) {
            let colored = match line.as_bytes().first() {
                Some(b'+') if color && !line.starts_with("+++") => format!("\x1b[32m{line}\x1b[0m"),
                Some(b'-') if color && !line.starts_with("---") => format!("\x1b[31m{line}\x1b[0m"),
                _ => line.to_owned(),
            };
            let _ = writeln!(err, "    {colored}");
        }
        if diff.lines().count() > 40 {
            let _ = writeln!(err, "    … (diff truncated)");
        }
    }
    for path in &report.missing {
        let _ = writeln!(err, "missing: {}", out_dir.join(path).display());
    }
    for path in &report.extra {
        let _ = writeln!(
            err,
            "extra:   {} (no longer generated)",
            out_dir.join(path).display()
        );
    }
    for path in &report.leftovers {
        let _ = writeln!(
            err,
            "leftover: {} (a temporary file of an interrupted run; `eventlake gen` removes it)",
            out_dir.join(path).display()
        );
    }
    for problem in &report.conflicts {
        let _ = writeln!(
            err,
            "blocked: {problem} (`eventlake gen` would refuse to run until it is moved)"
        );
    }
    let n = report.stale.len()
        + report.missing.len()
        + report.extra.len()
        + report.leftovers.len()
        + report.conflicts.len();
    term.error(&format!(
        "{n} generated file{} out of date; run `eventlake gen --schema {}` and commit the result",
        eventlake_schema::diag::plural(n),
        schema.display()
    ));
    EXIT_FAILED
}

fn schema_json(term: &mut Term<'_>, args: &SchemaJsonArgs) -> Result<u8, Error> {
    let text = eventlake_schema::format::json_schema_text();
    match &args.out {
        Some(path) => output::write_own_file(path, text.as_bytes(), "eventlake schema-json")?,
        None => {
            let _ = write!(term.out, "{text}");
        }
    }
    Ok(0)
}

/// The commented starter schema `eventlake init` writes.
pub const STARTER_SCHEMA: &str = include_str!("starter.toml");

fn init(term: &mut Term<'_>, args: &InitArgs) -> Result<u8, Error> {
    let path = &args.out;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    match file {
        Ok(mut f) => {
            f.write_all(STARTER_SCHEMA.as_bytes())
                .map_err(io_err(format!("cannot write {}", path.display())))?;
            // The `#:schema` directive is relative to the schema's own folder.
            let json = path
                .parent()
                .unwrap_or(Path::new(""))
                .join("events.schema.json");
            let _ = writeln!(
                term.out,
                "wrote {}; next: edit it, then `eventlake gen --schema {}`\n\
                 completion in editors (Taplo, Even Better TOML): \
                 `eventlake schema-json --out {}`, then make `#:schema ./events.schema.json` \
                 the first line of {}",
                path.display(),
                path.display(),
                json.display(),
                path.display()
            );
            Ok(0)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Message(format!(
            "{} already exists; refusing to overwrite it (choose another path with --out)",
            path.display()
        ))),
        Err(e) => Err(io_err(format!("cannot create {}", path.display()))(e)),
    }
}
