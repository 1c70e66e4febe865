//! The generation targets. Each target turns the schema (and the shared [`LakePlan`]) into
//! artefacts; [`render_all`] runs the selected ones and is pure: it touches no files.

use std::path::Path;

use clap::ValueEnum;
use minijinja::Environment;

use eventlake_schema::Schema;

use crate::output::{self, Artifact, GENERATED_MARK};
use crate::plan::LakePlan;

pub mod athena;
pub mod cfn_yaml;
pub mod cloudformation;
pub mod deploy;
pub mod docs;
pub mod errors_table;
pub mod glue;
pub mod jsonschema;
pub mod monitoring;
pub mod rust;
pub mod samples;

/// A kind of generated artefact, selectable with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Target {
    /// `cloudformation/<lake>.yaml`: the whole stack.
    Cloudformation,
    /// `glue/<event>.table.json` and `glue/<event>.columns.json`.
    Glue,
    /// `firehose/<event>.conversion.json`.
    Firehose,
    /// `athena/<event>.ddl.sql` and `athena/<event>.queries.sql`.
    Athena,
    /// `jsonschema/<event>.schema.json`.
    Jsonschema,
    /// `samples/<event>.json`.
    Samples,
    /// `README.md`: the data dictionary.
    Docs,
    /// `rust/<lake>.rs`: typed producer structs using `#[derive(DatalakeEvent)]`.
    Rust,
}

impl Target {
    /// Every target, in output order.
    pub const ALL: &'static [Target] = &[
        Target::Cloudformation,
        Target::Glue,
        Target::Firehose,
        Target::Athena,
        Target::Jsonschema,
        Target::Samples,
        Target::Docs,
        Target::Rust,
    ];
}

/// What a target gets to work with.
pub struct Context<'a> {
    /// The validated schema.
    pub schema: &'a Schema,
    /// Names, prefixes and derived values shared by all targets.
    pub plan: LakePlan,
    /// The template engine.
    pub env: Environment<'static>,
    /// The schema's file name, for headers (`events.toml`).
    pub source_name: String,
}

impl Context<'_> {
    /// The `@generated` header line with the given comment prefix (`#`, `--`, `//`).
    pub fn header(&self, comment: &str) -> String {
        format!(
            "{comment} {GENERATED_MARK} by eventlake from {}; do not edit",
            self.source_name
        )
    }

    /// A `!Sub` string for people: `shop-<environment>-lake-<account-id>-<region>`.
    pub fn humanize(&self, s: &str) -> String {
        s.replace(&format!("${{{}}}", self.plan.env_param), "<environment>")
            .replace("${AWS::AccountId}", "<account-id>")
            .replace("${AWS::Region}", "<region>")
    }
}

/// Options of a generation run.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions<'p> {
    /// Targets to render; empty means all.
    pub only: Vec<Target>,
    /// `--templates` folder.
    pub templates: Option<&'p Path>,
    /// Schema file name used in headers.
    pub source_name: String,
}

/// Generated files plus the warnings met while generating them.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The files, in target order, then the manifest (when every target was rendered).
    pub artifacts: Vec<Artifact>,
    /// Things the user should know (e.g. a stack above the inline-template limit).
    pub warnings: Vec<String>,
}

/// What one target renders: its files and its warnings.
type TargetResult = Result<(Vec<Artifact>, Vec<String>), crate::Error>;

/// Renders the selected targets and returns only the files (see [`render`]).
pub fn render_all(
    schema: &Schema,
    opts: &RenderOptions<'_>,
) -> Result<Vec<Artifact>, crate::Error> {
    render(schema, opts).map(|r| r.artifacts)
}

/// Renders the selected targets. With all targets selected, the manifest is included.
///
/// The CloudFormation stack and the Rust producers, the heaviest targets, render on their own
/// threads while the others render on this one; the result does not depend on the
/// interleaving.
pub fn render(schema: &Schema, opts: &RenderOptions<'_>) -> Result<Rendered, crate::Error> {
    let cx = Context {
        schema,
        plan: LakePlan::new(schema),
        env: crate::render::environment(opts.templates),
        source_name: if opts.source_name.is_empty() {
            "events.toml".to_owned()
        } else {
            opts.source_name.clone()
        },
    };
    let selected = |t: Target| opts.only.is_empty() || opts.only.contains(&t);
    let render_one = |target: Target| -> TargetResult {
        Ok(match target {
            Target::Cloudformation => {
                let stacks = cloudformation::render_stacks(&cx)?;
                (stacks.artifacts, stacks.warnings)
            }
            Target::Glue => {
                let mut files = glue::render(&cx)?;
                files.extend(errors_table::render(&cx)?.0);
                (files, Vec::new())
            }
            Target::Firehose => (glue::render_firehose(&cx)?, Vec::new()),
            Target::Athena => {
                let mut files = athena::render(&cx)?;
                files.extend(errors_table::render(&cx)?.1);
                let warnings = athena::too_long_for_athena(&files);
                (files, warnings)
            }
            Target::Jsonschema => (jsonschema::render(&cx)?, Vec::new()),
            Target::Samples => (samples::render(&cx)?, Vec::new()),
            Target::Docs => (docs::render(&cx)?, Vec::new()),
            Target::Rust => (
                vec![Artifact::new(
                    format!("rust/{}.rs", schema.lake.name),
                    rust::render(schema, &cx.source_name)?,
                )],
                Vec::new(),
            ),
        })
    };
    let targets: Vec<Target> = Target::ALL
        .iter()
        .copied()
        .filter(|t| selected(*t))
        .collect();
    // The two heaviest targets each get a thread; the rest render on this one. Results are
    // collected in target order, so the output does not depend on scheduling.
    let heavy =
        |t: &Target| matches!(t, Target::Cloudformation | Target::Rust) && targets.len() > 1;
    let results: Vec<TargetResult> = std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| heavy(t).then(|| scope.spawn(move || render_one(*t))))
            .collect();
        targets
            .iter()
            .zip(handles)
            .map(|(t, handle)| match handle {
                Some(h) => h.join().unwrap_or_else(|_| {
                    Err(crate::Error::Message(format!(
                        "rendering target {t:?} panicked"
                    )))
                }),
                None => render_one(*t),
            })
            .collect()
    });
    let mut rendered = Rendered::default();
    for r in results {
        let (artifacts, warnings) = r?;
        rendered.artifacts.extend(artifacts);
        rendered.warnings.extend(warnings);
    }
    for a in &rendered.artifacts {
        debug_assert!(!a.contents.contains('\r'), "{} has CR line endings", a.path);
        debug_assert!(
            a.contents.ends_with('\n'),
            "{} lacks a final newline",
            a.path
        );
    }
    if opts.only.is_empty() {
        let manifest = output::manifest(&rendered.artifacts, &cx.source_name);
        rendered.artifacts.push(manifest);
    }
    Ok(rendered)
}

/// Pretty JSON with one final newline.
pub fn pretty_json(value: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}
