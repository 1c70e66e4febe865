//! Command-line arguments (clap derive). Only the shape of the command line lives here;
//! [`crate::run`] dispatches to the commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// eventlake turns one events.toml into a complete streaming data lake on AWS
/// (Kinesis → Firehose → S3 Parquet → Glue → Athena) and typed producers for it.
#[derive(Debug, Parser)]
#[command(name = "eventlake", version)]
#[command(after_help = "Start with `eventlake init`, then `eventlake gen --schema events.toml`.")]
pub struct Cli {
    /// When to use colours in messages: auto, always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, hide_possible_values = true)]
    pub color: ColorChoice,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colours when writing to a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check an events.toml and print every problem, or a one-line summary.
    Validate(ValidateArgs),
    /// Generate the data lake (CloudFormation, Glue, Firehose, Athena, JSON Schema, samples,
    /// docs) from an events.toml.
    Gen(GenArgs),
    /// Print the JSON Schema of the events.toml format (for editor completion).
    SchemaJson(SchemaJsonArgs),
    /// Write a commented starter events.toml.
    Init(InitArgs),
    /// Say what a schema change does to the live lake: each change as breaking, warning or
    /// safe; exit 1 on a breaking change that events.toml does not accept.
    Diff(DiffArgs),
    /// The local lake: ingest JSON records into Parquet as Firehose would, and query them
    /// with the starter SQL, with no AWS account.
    #[cfg(feature = "local")]
    Local(crate::local_cmd::LocalArgs),
    /// The whole walkthrough in one command: generate, fake events, ingest, run every
    /// starter query.
    #[cfg(feature = "local")]
    Demo(crate::local_cmd::DemoArgs),
}

/// Where the schema is.
#[derive(Debug, Args)]
pub struct SchemaArg {
    /// Path of the events.toml.
    #[arg(long, short = 's', default_value = "events.toml", value_name = "PATH")]
    pub schema: PathBuf,
}

/// `eventlake validate`
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    #[allow(missing_docs, reason = "flattened; documented on the type")]
    pub schema: SchemaArg,
}

/// `eventlake gen`
#[derive(Debug, Args)]
pub struct GenArgs {
    #[command(flatten)]
    #[allow(missing_docs, reason = "flattened; documented on the type")]
    pub schema: SchemaArg,

    /// Output folder [default: `out/` next to the schema].
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Generate only these targets (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TARGET")]
    pub only: Vec<crate::targets::Target>,

    /// Use templates from DIR where a file of the same name exists there.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Write nothing; exit 1 if any generated file is stale, missing or extra.
    #[arg(long, conflicts_with = "exit_code")]
    pub check: bool,

    /// Exit 1 when any file was written or removed (for pre-commit hooks and CI).
    #[arg(long)]
    pub exit_code: bool,
}

/// `eventlake schema-json`
#[derive(Debug, Args)]
pub struct SchemaJsonArgs {
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `eventlake init`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the starter schema (never overwritten).
    #[arg(long, short = 'o', default_value = "events.toml", value_name = "PATH")]
    pub out: PathBuf,
}

/// `eventlake diff`
#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    #[allow(missing_docs, reason = "flattened; documented on the type")]
    pub schema: SchemaArg,

    /// The old schema: a file, or `git:REV[:PATH]` (PATH defaults to the schema's path in
    /// the repository), e.g. `git:HEAD` or `git:origin/main`.
    #[arg(long, value_name = "OLD")]
    pub against: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,

    /// Exit 1 on changes of this level or worse that no `[[accept]]` table accepts.
    #[arg(long, value_enum, default_value_t = FailOn::Breaking)]
    pub fail_on: FailOn,
}

/// `diff` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// rustc-style messages for people.
    Text,
    /// A stable JSON document (docs/schema-evolution.md).
    Json,
}

/// The level at which `diff` fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on breaking changes (default).
    Breaking,
    /// Fail on warnings and breaking changes.
    Warning,
}
