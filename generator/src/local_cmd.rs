//! `eventlake local ingest`, `eventlake local query` and `eventlake demo`: the local lake
//! ([`eventlake_local`]) from the command line. Built only with the `local` feature, so the
//! lean generator build never compiles the query engine.
//!
//! Exit codes follow the CLI's: 0 success; 1 some records failed conversion (they are in
//! `errors/`), a query failed, or a file could not be written; 2 invalid schema or
//! arguments.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant as Clock};

use clap::{Args, Subcommand, ValueEnum};

use eventlake_local::query::{self, Format, LakeQuery};
use eventlake_local::{IngestOptions, IngestReport, fake, ingest_bytes, parse_arrival};
use eventlake_schema::Schema;
use eventlake_schema::time::Instant;

use crate::cli::SchemaArg;
use crate::targets::{Context, athena};
use crate::{EXIT_FAILED, EXIT_INVALID, Error, RenderOptions, Term, load, output, render_all};

/// `eventlake local`
#[derive(Debug, Args)]
pub struct LocalArgs {
    /// What to do with the local lake.
    #[command(subcommand)]
    pub command: LocalCommand,
}

/// The `local` subcommands.
#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Convert JSON records into the lake's Parquet files, as Firehose would (raw/, data/,
    /// errors/ under --lake).
    Ingest(IngestArgs),
    /// Run SQL (e.g. the starter queries in out/athena/) over the lake's Parquet files.
    Query(QueryArgs),
    /// Print deterministic, type-valid fake records of an event as NDJSON (input for
    /// `ingest`, tests and benchmarks).
    Fake(FakeArgs),
}

/// `eventlake local fake`
#[derive(Debug, Args)]
pub struct FakeArgs {
    #[command(flatten)]
    #[allow(missing_docs, reason = "flattened; documented on the type")]
    pub schema: SchemaArg,

    /// The event to fake.
    #[arg(long, short = 'e', value_name = "NAME")]
    pub event: String,

    /// Number of records.
    #[arg(long, short = 'n', default_value_t = 1000)]
    pub count: usize,

    /// Seed (same seed, same records).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// The "now" the records' timestamps fall on (same day, not later) [default: now].
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

/// `eventlake local ingest`
#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    #[allow(missing_docs, reason = "flattened; documented on the type")]
    pub schema: SchemaArg,

    /// The event the records belong to.
    #[arg(long, short = 'e', value_name = "NAME")]
    pub event: String,

    /// The lake folder [default: `lake/` next to the schema].
    #[arg(long, value_name = "DIR")]
    pub lake: Option<PathBuf>,

    /// Arrival time of the batch (`2024-05-01T09:30:00Z`, `2024-05-01 09:30:00` or epoch
    /// seconds/millis) for reproducible partitions [default: now].
    #[arg(long, value_name = "TIME")]
    pub arrival_time: Option<String>,

    /// Conversion threads [default: one per core].
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    pub threads: usize,

    /// Newline-delimited or concatenated JSON records; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Output format of `local query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Aligned columns.
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON object per row.
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
        }
    }
}

/// `eventlake local query`
#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    #[allow(missing_docs, reason = "flattened; documented on the type")]
    pub schema: SchemaArg,

    /// The lake folder [default: `lake/` next to the schema].
    #[arg(long, value_name = "DIR")]
    pub lake: Option<PathBuf>,

    /// One SQL statement (or several, separated by `;`).
    #[arg(
        long,
        value_name = "SQL",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub sql: Option<String>,

    /// A file of SQL statements, e.g. out/athena/<event>.queries.sql.
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// How to print rows.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Print each statement's run time (planning and execution) to standard error.
    #[arg(long)]
    pub timing: bool,

    /// The time `current_date` and `now()` read, e.g. to run the "today" starter queries
    /// for another day (`2024-05-01T09:30:00Z`, `2024-05-01 09:30:00` or epoch
    /// seconds/millis) [default: now].
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

/// `eventlake demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    #[allow(missing_docs, reason = "flattened; documented on the type")]
    pub schema: SchemaArg,

    /// Where the demo writes (`out/`, `input/`, `lake/`) [default: `eventlake-demo/` next to
    /// the schema].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Fake events per event type.
    #[arg(long, short = 'n', default_value_t = 1000)]
    pub events: usize,

    /// Seed of the fake events (same seed, same events).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// The one instant the demo runs at: the fake events' times, their arrival time and
    /// the queries' `current_date` (`2024-05-01T09:30:00Z`, `2024-05-01 09:30:00` or epoch
    /// seconds/millis) [default: now].
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

/// Reads a `--now` option: the real time when absent; `None` (after printing the error)
/// when it is not a time.
fn clock(term: &mut Term<'_>, option: &str, value: Option<&str>) -> Option<Instant> {
    match value {
        None => Some(eventlake_local::ingest::now()),
        Some(text) => {
            let parsed = parse_arrival(text);
            if parsed.is_none() {
                term.error(&format!(
                    "{option} `{text}` is not a time; use e.g. 2024-05-01T09:30:00Z, \"2024-05-01 09:30:00\" or epoch seconds"
                ));
            }
            parsed
        }
    }
}

/// `lake/` next to the schema.
fn default_lake(schema: &Path) -> PathBuf {
    match schema.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => dir.join("lake"),
        None => PathBuf::from("lake"),
    }
}

/// Runs `eventlake local …`.
pub(crate) fn local(term: &mut Term<'_>, args: &LocalArgs) -> Result<u8, Error> {
    match &args.command {
        LocalCommand::Ingest(a) => ingest(term, a),
        LocalCommand::Query(a) => query_cmd(term, a),
        LocalCommand::Fake(a) => fake_cmd(term, a),
    }
}

fn fake_cmd(term: &mut Term<'_>, args: &FakeArgs) -> Result<u8, Error> {
    let Some(loaded) = load(term, &args.schema.schema) else {
        return Ok(EXIT_INVALID);
    };
    let Some(event) = loaded.schema.event(&args.event) else {
        term.error(&format!("the schema has no event `{}`", args.event));
        return Ok(EXIT_INVALID);
    };
    let Some(now) = clock(term, "--now", args.now.as_deref()) else {
        return Ok(EXIT_INVALID);
    };
    let bytes = fake::ndjson(event, args.count, args.seed, now);
    term.out.write_all(&bytes).map_err(|source| Error::Io {
        action: "cannot write to standard output".to_owned(),
        source,
    })?;
    Ok(0)
}

fn ingest(term: &mut Term<'_>, args: &IngestArgs) -> Result<u8, Error> {
    let Some(loaded) = load(term, &args.schema.schema) else {
        return Ok(EXIT_INVALID);
    };
    let schema = &loaded.schema;
    if schema.event(&args.event).is_none() {
        let known: Vec<&str> = schema.events.iter().map(|e| e.name.as_str()).collect();
        term.error(&format!(
            "the schema has no event `{}`; its events are: {}",
            args.event,
            known.join(", ")
        ));
        return Ok(EXIT_INVALID);
    }
    let arrival = match &args.arrival_time {
        None => None,
        Some(text) => match parse_arrival(text) {
            Some(t) => Some(t),
            None => {
                term.error(&format!(
                    "--arrival-time `{text}` is not a time; use e.g. 2024-05-01T09:30:00Z, \"2024-05-01 09:30:00\" or epoch seconds"
                ));
                return Ok(EXIT_INVALID);
            }
        },
    };
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    let stdin_only = args.files.is_empty();
    for f in args
        .files
        .iter()
        .map(Some)
        .chain(stdin_only.then_some(None))
    {
        match f {
            Some(path) if path.as_os_str() != "-" => {
                inputs.push(
                    eventlake_local::read_input(path).map_err(|source| Error::Io {
                        action: format!("cannot read {}", path.display()),
                        source,
                    })?,
                );
            }
            _ => {
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(|source| Error::Io {
                        action: "cannot read standard input".to_owned(),
                        source,
                    })?;
                inputs.push(buf);
            }
        }
    }
    let lake = args
        .lake
        .clone()
        .unwrap_or_else(|| default_lake(&args.schema.schema));
    let opts = IngestOptions {
        lake_dir: lake.clone(),
        arrival,
        threads: args.threads,
    };
    let slices: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let started = Clock::now();
    let report = ingest_bytes(schema, &args.event, &slices, &opts)
        .map_err(|e| Error::Message(e.to_string()))?;
    print_report(term, &lake, &report, started.elapsed());
    Ok(if report.failed > 0 { EXIT_FAILED } else { 0 })
}

/// Prints what an ingest did: counts, files, findings, the first failures.
fn print_report(term: &mut Term<'_>, lake: &Path, r: &IngestReport, took: Duration) {
    let _ = writeln!(
        term.out,
        "{}: {} record{} → {} converted, {} failed ({:.2} s, arrival {})",
        r.event,
        r.records,
        eventlake_schema::diag::plural(r.records),
        r.converted,
        r.failed,
        took.as_secs_f64(),
        r.arrival
    );
    for f in &r.files {
        let _ = writeln!(term.out, "  wrote {}", lake.join(f).display());
    }
    for (column, values) in &r.not_in_enum {
        let list: Vec<String> = values.iter().map(|(v, n)| format!("{v:?} ×{n}")).collect();
        warn(
            term,
            &format!(
                "{}: column `{column}` got values outside its enum (stored as sent; Firehose does not enforce enums): {}",
                r.event,
                list.join(", ")
            ),
        );
    }
    for (column, n) in &r.required_missing {
        warn(
            term,
            &format!(
                "{}: required column `{column}` was missing or null in {n} record{} (stored as NULL; Firehose does not enforce it)",
                r.event,
                eventlake_schema::diag::plural(*n)
            ),
        );
    }
    if r.failed > 0 {
        let codes: Vec<String> = r
            .failures_by_code
            .iter()
            .map(|(c, n)| format!("{n} × {c}"))
            .collect();
        term.error(&format!(
            "{}: {} record{} failed conversion ({}); their error documents are under {}",
            r.event,
            r.failed,
            eventlake_schema::diag::plural(r.failed),
            codes.join(", "),
            lake.join("errors").join(&r.event).display()
        ));
        let err = &mut term.err;
        for (i, f) in &r.examples {
            let _ = writeln!(err, "  record {}: {}: {}", i + 1, f.code, f.message);
        }
        if r.failed > r.examples.len() {
            let _ = writeln!(err, "  … and {} more", r.failed - r.examples.len());
        }
    }
}

fn query_cmd(term: &mut Term<'_>, args: &QueryArgs) -> Result<u8, Error> {
    let Some(loaded) = load(term, &args.schema.schema) else {
        return Ok(EXIT_INVALID);
    };
    let text = match (&args.sql, &args.file) {
        (Some(sql), _) => sql.clone(),
        (None, Some(path)) => std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: format!("cannot read {}", path.display()),
            source,
        })?,
        (None, None) => {
            term.error("give --sql or --file");
            return Ok(EXIT_INVALID);
        }
    };
    let Some(now) = clock(term, "--now", args.now.as_deref()) else {
        return Ok(EXIT_INVALID);
    };
    let lake = args
        .lake
        .clone()
        .unwrap_or_else(|| default_lake(&args.schema.schema));
    let engine = LakeQuery::open(&loaded.schema, &lake)
        .map_err(|e| Error::Message(e.to_string()))?
        .with_clock(now);
    let statements = query::split_statements(&text);
    if statements.is_empty() {
        term.error("no SQL statement given");
        return Ok(EXIT_INVALID);
    }
    let format = Format::from(args.format);
    let mut failed = 0;
    let several = statements.len() > 1;
    for s in &statements {
        if several && format == Format::Table {
            for line in &s.title {
                let _ = writeln!(term.out, "-- {line}");
            }
            if s.title.is_empty() {
                let _ = writeln!(term.out, "-- {}", first_line(&s.sql));
            }
        }
        let started = Clock::now();
        let result = engine.run(&s.sql);
        if args.timing {
            let _ = writeln!(
                term.err,
                "time: {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        match result.and_then(|b| query::render(&b, format)) {
            Ok(out) => {
                let _ = write!(term.out, "{out}");
            }
            Err(e) => {
                failed += 1;
                term.error(&format!("query failed: {e}\n{}", s.sql));
            }
        }
        if several && format == Format::Table {
            let _ = writeln!(term.out);
        }
    }
    Ok(if failed > 0 { EXIT_FAILED } else { 0 })
}

/// Prints a warning the way the CLI prints errors.
fn warn(term: &mut Term<'_>, msg: &str) {
    let err = &mut term.err;
    if term.color {
        let _ = writeln!(err, "\x1b[1;33mwarning\x1b[0m\x1b[1m: {msg}\x1b[0m");
    } else {
        let _ = writeln!(err, "warning: {msg}");
    }
}

fn first_line(sql: &str) -> &str {
    sql.lines().next().unwrap_or_default()
}

/// A progress bar on standard error, drawn only on a terminal and only once the work has
/// taken more than a second.
struct Progress {
    started: Clock,
    enabled: bool,
    drawn: bool,
}

impl Progress {
    fn new() -> Self {
        Self {
            started: Clock::now(),
            enabled: std::io::stderr().is_terminal(),
            drawn: false,
        }
    }

    fn update(&mut self, done: usize, total: usize, what: &str) {
        if !self.enabled || self.started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let width = 30;
        let filled = (done * width)
            .checked_div(total)
            .unwrap_or(width)
            .min(width);
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(width - filled));
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K[{bar}] {done}/{total} {what}");
        let _ = err.flush();
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

/// Runs `eventlake demo`.
pub(crate) fn demo(term: &mut Term<'_>, args: &DemoArgs) -> Result<u8, Error> {
    let schema_path = &args.schema.schema;
    let Some(loaded) = load(term, schema_path) else {
        return Ok(EXIT_INVALID);
    };
    let schema = &loaded.schema;
    // One instant for the fake events, their arrival and the queries' "today", so that a
    // demo started just before midnight still queries the day it ingested.
    let Some(now) = clock(term, "--now", args.now.as_deref()) else {
        return Ok(EXIT_INVALID);
    };
    let dir = args.dir.clone().unwrap_or_else(|| {
        match schema_path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(d) => d.join("eventlake-demo"),
            None => PathBuf::from("eventlake-demo"),
        }
    });
    let out_dir = dir.join("out");
    let input_dir = dir.join("input");
    let lake_dir = dir.join("lake");
    let io = |action: String| move |source| Error::Io { action, source };

    // 1. The lake's artefacts.
    let source_name = schema_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "events.toml".to_owned());
    let artifacts = render_all(
        schema,
        &RenderOptions {
            source_name: source_name.clone(),
            ..RenderOptions::default()
        },
    )?;
    std::fs::create_dir_all(&out_dir)
        .map_err(io(format!("cannot create {}", out_dir.display())))?;
    let out_opts = output::Options {
        prune: true,
        protect: Some(schema_path),
        source_name: &source_name,
    };
    let summary = output::write_all(&out_dir, &artifacts, &out_opts)?;
    let _ = writeln!(
        term.out,
        "1. generated {} files for lake `{}` in {} ({} written, {} unchanged)",
        artifacts.len(),
        schema.lake.name,
        out_dir.display(),
        summary.written.len(),
        summary.unchanged.len()
    );

    // 2. Fake events, ingested as Firehose would convert them.
    std::fs::create_dir_all(&input_dir)
        .map_err(io(format!("cannot create {}", input_dir.display())))?;
    let mut progress = Progress::new();
    let total = schema.events.len();
    let mut reports = Vec::new();
    let _ = writeln!(
        term.out,
        "2. {} fake events per event (seed {}), ingested into {}",
        args.events,
        args.seed,
        lake_dir.display()
    );
    for (i, event) in schema.events.iter().enumerate() {
        progress.update(i, total, &format!("ingesting {}", event.name));
        let bytes = fake::ndjson(event, args.events, args.seed, now);
        let input = input_dir.join(format!("{}.ndjson", event.name));
        std::fs::write(&input, &bytes).map_err(io(format!("cannot write {}", input.display())))?;
        let opts = IngestOptions {
            lake_dir: lake_dir.clone(),
            arrival: Some(now),
            threads: 0,
        };
        let report = ingest_bytes(schema, &event.name, &[&bytes], &opts)
            .map_err(|e| Error::Message(e.to_string()))?;
        reports.push(report);
    }
    progress.finish();
    // Demo only, labelled: one broken record, so that the errors tables' starter queries
    // have a failure to show. `local fake`, the tests and the benchmarks stay failure-free.
    let broken = match schema.events.first() {
        Some(event) => {
            let opts = IngestOptions {
                lake_dir: lake_dir.clone(),
                arrival: Some(now),
                threads: 1,
            };
            let report = ingest_bytes(schema, &event.name, &[DEMO_BROKEN_RECORD], &opts)
                .map_err(|e| Error::Message(e.to_string()))?;
            Some(report)
        }
        None => None,
    };
    for r in &reports {
        let _ = writeln!(
            term.out,
            "   {:<28} {} records → {} rows in {} partition{}, {} failed",
            r.event,
            r.records,
            r.converted,
            r.partitions.len(),
            eventlake_schema::diag::plural(r.partitions.len()),
            r.failed
        );
    }

    if let Some(r) = &broken {
        let _ = writeln!(
            term.out,
            "   + 1 deliberately broken {} record (demo only, for the errors queries): {} failed",
            r.event, r.failed
        );
    }

    // 3. Every starter query.
    let engine = LakeQuery::open(schema, &lake_dir)
        .map_err(|e| Error::Message(e.to_string()))?
        .with_clock(now);
    let queries = all_starter_queries(schema, &source_name);
    let count: usize = queries.iter().map(|(_, q)| q.len()).sum();
    let _ = writeln!(
        term.out,
        "3. the {count} starter queries (out/athena/*.queries.sql), run locally at {}:",
        now.format()
    );
    let mut failed = 0;
    let mut progress = Progress::new();
    let mut results = Vec::new();
    let mut done = 0;
    for (event, qs) in &queries {
        for q in qs {
            progress.update(done, count, &format!("{event}: {}", q.slug));
            results.push((
                q,
                engine
                    .run(&q.sql)
                    .and_then(|b| query::render(&b, Format::Table)),
            ));
            done += 1;
        }
    }
    progress.finish();
    for (q, result) in results {
        let _ = writeln!(
            term.out,
            "\n-- {}\n-- {}\n{};",
            q.name, q.description, q.sql
        );
        match result {
            Ok(table) => {
                let _ = write!(term.out, "{table}");
            }
            Err(e) => {
                failed += 1;
                term.error(&format!("query `{}` failed: {e}", q.name));
            }
        }
    }
    let failed_records: usize = reports.iter().map(|r| r.failed).sum();
    let _ = writeln!(term.out, "\nWhere things are:");
    let _ = writeln!(
        term.out,
        "  {:<10} the generated artefacts (CloudFormation, Glue, Athena SQL, …)",
        out_dir.display()
    );
    let _ = writeln!(
        term.out,
        "  {:<10} the fake events, one NDJSON file per event",
        input_dir.display()
    );
    let _ = writeln!(
        term.out,
        "  {:<10} raw/ (backup), data/ (Parquet, Hive partitions), errors/",
        lake_dir.display()
    );
    let _ = writeln!(
        term.out,
        "Try: eventlake local query --schema {} --lake {} --sql \"SELECT count(*) FROM {}\"",
        schema_path.display(),
        lake_dir.display(),
        schema.events.first().map_or("event", |e| e.name.as_str())
    );
    Ok(if failed > 0 || failed_records > 0 {
        EXIT_FAILED
    } else {
        0
    })
}

/// The demo's deliberately broken record: not JSON (an unterminated object), so Firehose
/// (and the local lake) send it to `errors/<event>/format-conversion-failed/`.
pub const DEMO_BROKEN_RECORD: &[u8] = b"{\"demo\": \"this record is deliberately broken\"";

/// The starter queries of every event, in schema order.
pub fn all_starter_queries(
    schema: &Schema,
    source_name: &str,
) -> Vec<(String, Vec<athena::StarterQuery>)> {
    let cx = Context {
        schema,
        plan: crate::plan::LakePlan::new(schema),
        env: crate::render::environment(None),
        source_name: source_name.to_owned(),
    };
    schema
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.clone(), athena::starter_queries(&cx, i)))
        .collect()
}
