//! The generation targets. Each target turns the schema (and the shared [`LakePlan`]) into
//! artefacts; [`render_all`] runs the selected ones and is pure: it touches no files.

use std::path::Path;

use clap::ValueEnum;
use minijinja::Environment;

use eventlake_schema::Schema;

use crate::output::{self, Artifact, GENERATED_MARK};
use crate::plan::LakePlan;

pub mod athena;
pub mod cloudformation;
pub mod docs;
pub mod glue;
pub mod jsonschema;
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

/// Renders the selected targets. With all targets selected, the manifest is included.
pub fn render_all(
    schema: &Schema,
    opts: &RenderOptions<'_>,
) -> Result<Vec<Artifact>, crate::Error> {
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
    let mut out = Vec::new();
    for &target in Target::ALL {
        if !selected(target) {
            continue;
        }
        match target {
            Target::Glue => out.extend(glue::render(&cx)?),
            Target::Firehose => out.extend(glue::render_firehose(&cx)?),
            Target::Jsonschema => out.extend(jsonschema::render(&cx)?),
            Target::Samples => out.extend(samples::render(&cx)?),
            Target::Cloudformation => out.extend(cloudformation::render(&cx)?),
            Target::Athena => out.extend(athena::render(&cx)?),
            Target::Docs => out.extend(docs::render(&cx)?),
            Target::Rust => out.push(Artifact::new(
                format!("rust/{}.rs", schema.lake.name),
                rust::render(schema, &cx.source_name),
            )),
        }
    }
    for a in &out {
        debug_assert!(!a.contents.contains('\r'), "{} has CR line endings", a.path);
        debug_assert!(
            a.contents.ends_with('\n'),
            "{} lacks a final newline",
            a.path
        );
    }
    if opts.only.is_empty() {
        let manifest = output::manifest(&out, &cx.source_name);
        out.push(manifest);
    }
    Ok(out)
}

/// Pretty JSON with one final newline.
pub fn pretty_json(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}
