//! `cloudformation/<lake>.yaml`: the whole lake as one CloudFormation stack, deployable with
//! plain `aws cloudformation deploy --capabilities CAPABILITY_IAM` (no bootstrap).
//!
//! Rules of this module:
//! - the stack is text from the minijinja template `cloudformation/stack.yaml.j2`; the
//!   structures other artefacts also contain (the Glue `TableInput`, the Firehose
//!   `DataFormatConversionConfiguration`) are built by [`super::glue`] and written into the
//!   template with the `cfn` filter, so the stack and the JSON files cannot disagree;
//! - `cfn` ([`super::cfn_yaml`]) writes a typed value as block YAML; a string holding
//!   `${Name}` placeholders of the stack (parameters, resources, `AWS::` pseudo parameters)
//!   becomes a `!Sub`, any other `${` is escaped so CloudFormation keeps it literally;
//! - every template gets a typed context (`StackContext`, `EventContext`, …); the
//!   references to the shared part (`!GetAtt`/`!Ref`, or `!ImportValue` in an event stack)
//!   and the shared outputs they import are declared next to each other in the template;
//! - user text (descriptions, docs, enum values, examples, JSON keys) is data, never a
//!   placeholder: it is written by the `cfn_text` / `cfn_block` filters, or sits under a
//!   free-text key of a `cfn` value (`Description`, `Comment`, `ColumnToJsonKeyMappings`).
//!   Text holding `${Name}` where `Name` is a placeholder of the stack (`${AWS::AccountId}`)
//!   is written as `!Join` of pieces split after each `$`: CloudFormation joins them back
//!   into exactly the text, no piece looks like a forgotten `!Sub`, and no `!Sub` ever sees
//!   the user's text. The template's own `Description` cannot hold an intrinsic, so a lake
//!   description with such text is left out of it (it stays the Glue database's);
//! - IAM policies name resources by their deterministic ARNs (`!Sub` of the names the plan
//!   fixed), never by `!Ref`/`!GetAtt`, because the key policies name the roles and a
//!   reference back would be a dependency cycle; no statement has `Resource: "*"` except the
//!   key policies;
//! - CloudFormation limits are checked on the rendered stack, read back by serde_norway (so
//!   resources added in any template part count): above 500 resources, 200 outputs or 1 MB
//!   the lake is split into a shared stack (`<lake>.yaml`) and one stack per event
//!   (`<lake>-<event>.yaml`) that imports the shared outputs (`Fn::ImportValue`);
//!   above 51,200 bytes (the inline `--template-body` limit) a warning says to deploy with
//!   `--s3-bucket`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::Serde;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use eventlake_schema::{Settings, limits, sample};

use super::cfn_yaml::{self, SubNames};
use super::{Context, athena, errors_table, glue, monitoring};
use crate::output::Artifact;
use crate::plan::{ENV_PARAM, EventPlan, LakePlan, pascal_case, shorten};
use crate::render;

/// Template of the stack.
pub const STACK_TEMPLATE: &str = "cloudformation/stack.yaml.j2";
/// Template of the test producer's inline code.
pub const LAMBDA_TEMPLATE: &str = "cloudformation/test_lambda.js.j2";

/// Most resources one stack may declare.
pub const MAX_RESOURCES: usize = 500;
/// Most outputs one stack may declare.
pub const MAX_OUTPUTS: usize = 200;
/// Largest template CloudFormation accepts from S3 (`--s3-bucket`), in bytes.
pub const MAX_TEMPLATE_BYTES: usize = limits::MAX_TEMPLATE_BYTES;
/// Largest template CloudFormation accepts inline (`--template-body`), in bytes.
pub const MAX_INLINE_BYTES: usize = 51_200;

/// Retention of the log groups the stack creates (days).
const LOG_RETENTION_DAYS: u32 = 365;
/// Days until Athena query results expire.
const ATHENA_RESULTS_DAYS: u32 = 30;
/// Buffer size of the raw JSON backup (MiB; no conversion, so no 64 MiB floor).
const RAW_BUFFER_MB: u32 = 16;
/// Longest list of explicit stream ARNs in the producer's policy before it falls back to the
/// lake's stream-name prefix (inline role policies are limited to 10,240 characters).
const MAX_PRODUCER_ARN_CHARS: usize = 6_000;
/// Crawler `Configuration`: partitions inherit the table's schema and formats.
const CRAWLER_CONFIGURATION: &str =
    r#"{"Version":1.0,"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}}}"#;

/// The stacks of a lake and the warnings about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stacks {
    /// `cloudformation/<lake>.yaml` and, when split, `cloudformation/<lake>-<event>.yaml`.
    pub artifacts: Vec<Artifact>,
    /// Things the user must know (template above the inline limit, lake split).
    pub warnings: Vec<String>,
}

/// Size figures of one rendered template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Declared resources.
    pub resources: usize,
    /// Declared outputs.
    pub outputs: usize,
    /// Bytes of the template body.
    pub bytes: usize,
}

/// The sections of a template that CloudFormation limits by count (their entries are
/// skipped, not built).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Sections {
    #[serde(default)]
    resources: BTreeMap<String, IgnoredAny>,
    #[serde(default)]
    outputs: BTreeMap<String, IgnoredAny>,
}

impl Footprint {
    /// Measures a rendered template: its resources and outputs as a YAML reader sees them.
    pub fn of(text: &str) -> Result<Self, serde_norway::Error> {
        let sections: Sections = serde_norway::from_str(text)?;
        Ok(Self {
            resources: sections.resources.len(),
            outputs: sections.outputs.len(),
            bytes: text.len(),
        })
    }

    /// The first hard CloudFormation limit this template breaks, as a phrase.
    pub fn exceeded(&self) -> Option<String> {
        if self.resources > MAX_RESOURCES {
            Some(format!(
                "{} resources, above CloudFormation's {MAX_RESOURCES} per stack",
                self.resources
            ))
        } else if self.outputs > MAX_OUTPUTS {
            Some(format!(
                "{} outputs, above CloudFormation's {MAX_OUTPUTS} per stack",
                self.outputs
            ))
        } else if self.bytes > MAX_TEMPLATE_BYTES {
            Some(format!(
                "{} bytes, above CloudFormation's {MAX_TEMPLATE_BYTES}-byte template limit",
                self.bytes
            ))
        } else {
            None
        }
    }
}

/// Which stack is being rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Everything in one stack.
    Single,
    /// The shared part of a split lake.
    Shared,
    /// One event of a split lake.
    Event(usize),
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Single => "single",
            Mode::Shared => "shared",
            Mode::Event(_) => "event",
        }
    }
}

/// Renders the stack, or the shared stack and the event stacks when one stack would break a
/// CloudFormation limit. Warnings go to stderr.
pub fn render_stacks(cx: &Context<'_>) -> Result<Stacks, crate::Error> {
    let mut env = cx.env.clone();
    cfn_yaml::add_filters(&mut env);
    let lake = &cx.plan.name;
    // Converted to template values once: every stack reuses them (cheap `Arc` clones).
    let event_values: Vec<Value> = event_contexts(cx)
        .iter()
        .map(|e| Value::from(Serde(e)))
        .collect();
    let events_of = |mode: Mode| -> Value {
        match mode {
            Mode::Event(i) => event_values.get(i).cloned().into_iter().collect(),
            _ => event_values.iter().cloned().collect(),
        }
    };
    let lambda_code = test_lambda_code(cx)?;
    let render_ctx = |ctx: &StackContext<'_>, mode: Mode| {
        let subs = Arc::new(sub_names(&cx.plan, mode));
        let value = cfn_yaml::with_subs(Value::from(Serde(ctx)), events_of(mode), subs);
        render::render(&env, STACK_TEMPLATE, value)
    };
    // Renders one stack; a template above the inline limit is rendered again with a deploy
    // command that uploads it through `--s3-bucket`, and comes with a warning.
    let render_one = |mode: Mode, path: &str, split_reason: &str| {
        let mut ctx = stack_context(cx, mode, &lambda_code, split_reason);
        let text = render_ctx(&ctx, mode)?;
        if text.len() <= MAX_INLINE_BYTES {
            return Ok::<_, crate::Error>((text, None));
        }
        let warning = format!(
            "{path} is {} bytes, above CloudFormation's {MAX_INLINE_BYTES}-byte limit for an \
             inline template: deploy it with `aws cloudformation deploy --s3-bucket <bucket> …`",
            text.len()
        );
        ctx.over_inline_limit = true;
        Ok((render_ctx(&ctx, mode)?, Some(warning)))
    };

    let path = format!("cloudformation/{lake}.yaml");
    // Measure the single stack first (one render); only a stack that stays whole gets the
    // second, annotated render when it is above the inline limit.
    let single = render_ctx(
        &stack_context(cx, Mode::Single, &lambda_code, ""),
        Mode::Single,
    )?;
    // Only a template override can make the stack unreadable; say which file and where.
    let measure = |text: &str, path: &str| {
        Footprint::of(text).map_err(|e| crate::Error::Template {
            name: STACK_TEMPLATE.to_owned(),
            detail: format!("{path} as rendered is not valid YAML: {e}"),
        })
    };
    let Some(reason) = measure(&single, &path)?.exceeded() else {
        let (single, warning) = if single.len() <= MAX_INLINE_BYTES {
            (single, None)
        } else {
            render_one(Mode::Single, &path, "")?
        };
        return Ok(Stacks {
            artifacts: vec![Artifact::new(path, single)],
            warnings: warning.into_iter().collect(),
        });
    };

    let mut warnings = vec![format!(
        "one stack for lake `{lake}` would have {reason}; writing a shared stack \
         (cloudformation/{lake}.yaml) and one stack per event that imports its outputs: \
         deploy the shared stack first"
    )];
    let mut pieces = vec![(Mode::Shared, path)];
    for (i, e) in cx.plan.events.iter().enumerate() {
        pieces.push((
            Mode::Event(i),
            format!("cloudformation/{}", event_stack_file(lake, e)),
        ));
    }
    let mut artifacts = Vec::new();
    for (mode, path) in pieces {
        let (text, warning) = render_one(mode, &path, &reason)?;
        warnings.extend(warning);
        if let Some(problem) = measure(&text, &path)?.exceeded() {
            return Err(crate::Error::Message(format!(
                "{path} would have {problem} even after splitting the lake into one stack per \
                 event; split events.toml into several lakes (fewer events or fields per lake)"
            )));
        }
        artifacts.push(Artifact::new(path, text));
    }
    Ok(Stacks {
        artifacts,
        warnings,
    })
}

/// File name of an event's stack in a split lake: `<lake>-<event>.yaml`, the event part
/// shortened so that the name and its temporary sibling fit a file name.
pub fn event_stack_file(lake: &str, event: &EventPlan) -> String {
    use eventlake_schema::names::{MAX_FILE_NAME_LEN, TEMP_FILE_SUFFIX_ROOM};
    let room = MAX_FILE_NAME_LEN - TEMP_FILE_SUFFIX_ROOM - lake.len() - "-.yaml".len();
    format!("{lake}-{}.yaml", shorten(&event.name, room))
}

/// The context of [`LAMBDA_TEMPLATE`].
#[derive(Serialize)]
struct LambdaContext<'a> {
    lake: &'a str,
    events: Vec<LambdaEvent<'a>>,
}

/// One event the test producer can publish.
#[derive(Serialize)]
struct LambdaEvent<'a> {
    name: &'a str,
    stream_suffix: &'a str,
    partition_key: Option<&'a str>,
    sample: String,
}

/// The test producer's inline JavaScript (CommonJS, AWS SDK v3).
pub fn test_lambda_code(cx: &Context<'_>) -> Result<String, crate::Error> {
    let prefix = name_prefix(cx);
    let events = cx
        .schema
        .events
        .iter()
        .zip(&cx.plan.events)
        .map(|(e, p)| LambdaEvent {
            name: &e.name,
            stream_suffix: p
                .stream_name_sub
                .strip_prefix(&prefix)
                .unwrap_or(&p.stream_name_sub),
            partition_key: p.partition_key_json.as_deref(),
            sample: serde_json::to_string(&sample::sample_event(e)).unwrap_or_default(),
        })
        .collect();
    let ctx = LambdaContext {
        lake: &cx.plan.name,
        events,
    };
    render::render(&cx.env, LAMBDA_TEMPLATE, ctx)
}

/// `<lake>-${Environment}-`: the prefix of every stream, delivery stream and function name.
fn name_prefix(cx: &Context<'_>) -> String {
    format!("{}-${{{ENV_PARAM}}}-", cx.plan.name)
}

/// One event in the stack template.
#[derive(Serialize)]
struct EventContext<'a> {
    name: &'a str,
    logical: &'a str,
    plan: &'a EventPlan,
    settings: &'a Settings,
    /// The event's name in policy names (at most 128 characters) and rule ids (255).
    rule_id: String,
    table_input: glue::TableInput,
    errors_table_input: glue::TableInput,
    alarms: Vec<monitoring::Alarm>,
    conversion: glue::ConversionConfig,
    stream_arn_sub: String,
    glue_arns: [String; 3],
    object_arns: [String; 4],
    data_objects_arn_sub: String,
    log_streams_arn_sub: String,
    own_raw_rule: bool,
    raw_rule_prefix: String,
    raw_error_rule_prefix: String,
    queries: Vec<NamedQuery>,
}

/// An `AWS::Athena::NamedQuery` of a starter query.
#[derive(Serialize)]
struct NamedQuery {
    logical: String,
    name: String,
    description: String,
    sql: String,
}

/// Per-event template values, in schema order.
fn event_contexts<'a>(cx: &'a Context<'_>) -> Vec<EventContext<'a>> {
    let lake_bucket = &cx.plan.lake_bucket.name_sub;
    let raw_bucket = &cx.plan.raw_bucket.name_sub;
    let db = &cx.plan.database_sub;
    let arn = |service: &str, rest: &str| {
        format!("arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{rest}")
    };
    let s3 = |bucket: &str, rest: &str| format!("arn:${{AWS::Partition}}:s3:::{bucket}/{rest}");
    let raw = limits::RawExpiration::of(&cx.schema.events);
    let events = cx.schema.events.iter().zip(&cx.plan.events).enumerate();
    events
        .map(|(i, (e, p))| EventContext {
            name: &e.name,
            logical: &p.logical,
            plan: p,
            settings: &e.settings,
            rule_id: shorten(&e.name, 100),
            table_input: glue::table_input(e, p, &glue::location(&cx.plan.lake_bucket.logical, p)),
            errors_table_input: errors_table::table_input(e, p, &cx.plan.lake_bucket.logical),
            alarms: monitoring::alarms(e, p),
            conversion: glue::conversion_config(
                e,
                p,
                db,
                &format!("${{{}FirehoseRole.Arn}}", p.logical),
                "${AWS::Region}",
            ),
            stream_arn_sub: arn("kinesis", &format!("stream/{}", p.stream_name_sub)),
            glue_arns: [
                arn("glue", "catalog"),
                arn("glue", &format!("database/{db}")),
                arn("glue", &format!("table/{db}/{}", e.name)),
            ],
            object_arns: [
                s3(lake_bucket, &format!("{}*", p.data_prefix)),
                s3(lake_bucket, &format!("errors/{}/*", e.name)),
                s3(raw_bucket, &format!("raw/{}/*", e.name)),
                s3(raw_bucket, &format!("errors/{}/*", e.name)),
            ],
            data_objects_arn_sub: s3(lake_bucket, &format!("{}*", p.data_prefix)),
            log_streams_arn_sub: arn(
                "logs",
                &format!("log-group:{}:log-stream:*", p.log_group_sub),
            ),
            own_raw_rule: raw.own_rules.contains(&i),
            raw_rule_prefix: format!("raw/{}/", e.name),
            raw_error_rule_prefix: format!("errors/{}/raw-backup/", e.name),
            queries: named_queries(cx, i),
        })
        .collect()
}

/// The event's starter queries (from the Athena target) as `AWS::Athena::NamedQuery` values.
fn named_queries(cx: &Context<'_>, event_index: usize) -> Vec<NamedQuery> {
    let Some(plan) = cx.plan.events.get(event_index) else {
        return Vec::new();
    };
    athena::starter_queries(cx, event_index)
        .into_iter()
        .map(|q| NamedQuery {
            logical: format!(
                "{}Query{}",
                plan.logical,
                shorten(&pascal_case(&q.slug), 60).replace('-', "")
            ),
            name: truncate(&q.name, athena::NAMED_QUERY_NAME_MAX),
            description: truncate(&q.description, athena::NAMED_QUERY_DESCRIPTION_MAX),
            sql: q.sql,
        })
        .collect()
}

/// The context of [`STACK_TEMPLATE`] (its events and placeholders are added by
/// [`cfn_yaml::with_subs`]).
#[derive(Serialize)]
struct StackContext<'a> {
    header: String,
    mode: &'static str,
    shared_part: bool,
    event_part: bool,
    split_reason: &'a str,
    over_inline_limit: bool,
    file: String,
    stack_example: String,
    shared_stack_example: String,
    description: String,
    database_description: String,
    /// The lake without its events (see [`LakePlan::events`]).
    lake: &'a LakePlan,
    name_prefix: String,
    producer_name: String,
    producer_stream_arns: Vec<String>,
    lake_bucket_arn_sub: String,
    raw_bucket_arn_sub: String,
    lambda_code: &'a str,
    log_retention_days: u32,
    athena_results_days: u32,
    raw_bucket_days: u32,
    raw_buffer_mb: u32,
    crawler_configuration: &'static str,
    /// Whether any event has alarms (the stack then has the alarm topic and its parameters).
    any_alarms: bool,
    dashboards: Vec<Dashboard>,
}

/// An `AWS::CloudWatch::Dashboard` of the lake (several when the events do not fit one).
#[derive(Serialize)]
struct Dashboard {
    logical: String,
    name_sub: String,
    body: String,
}

/// The lake's dashboards, in the stack that holds the shared part.
fn dashboards(plan: &LakePlan) -> Vec<Dashboard> {
    let bodies = monitoring::dashboard_bodies(&plan.events);
    let several = bodies.len() > 1;
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let n = if several {
                (i + 1).to_string()
            } else {
                String::new()
            };
            let suffix = if several { "-" } else { "" };
            Dashboard {
                logical: format!("Dashboard{n}"),
                name_sub: format!("{}-${{{ENV_PARAM}}}{suffix}{n}", plan.name),
                body,
            }
        })
        .collect()
}

/// The `${Name}` placeholders the `cfn` filter may turn into `!Sub` references in a stack.
fn sub_names(plan: &LakePlan, mode: Mode) -> SubNames {
    let mut names = BTreeSet::from([ENV_PARAM.to_owned()]);
    let mut renames = BTreeMap::new();
    let events = match mode {
        Mode::Event(i) => plan.events.get(i..=i).unwrap_or_default(),
        _ => &plan.events,
    };
    names.extend(events.iter().map(|e| format!("{}FirehoseRole", e.logical)));
    if matches!(mode, Mode::Event(_)) {
        // The event stack has no bucket resource; the bucket's name is deterministic.
        renames.insert(
            plan.lake_bucket.logical.clone(),
            plan.lake_bucket.name_sub.clone(),
        );
    } else {
        names.insert(plan.lake_bucket.logical.clone());
    }
    SubNames::new(names, renames)
}

/// The whole template context of one stack.
fn stack_context<'a>(
    cx: &'a Context<'_>,
    mode: Mode,
    lambda_code: &'a str,
    split_reason: &'a str,
) -> StackContext<'a> {
    let plan = &cx.plan;
    let lake = &plan.name;
    let prefix = name_prefix(cx);
    let (shared_part, event_part) = match mode {
        Mode::Single => (true, true),
        Mode::Shared => (true, false),
        Mode::Event(_) => (false, true),
    };
    let stream_arn = |name: &str| {
        format!(
            "arn:${{AWS::Partition}}:kinesis:${{AWS::Region}}:${{AWS::AccountId}}:stream/{name}"
        )
    };
    let mut producer_stream_arns: Vec<String> = plan
        .events
        .iter()
        .map(|e| stream_arn(&e.stream_name_sub))
        .collect();
    if producer_stream_arns.iter().map(String::len).sum::<usize>() > MAX_PRODUCER_ARN_CHARS {
        producer_stream_arns = vec![stream_arn(&format!("{prefix}*"))];
    }
    let shared_stack_example = format!("{}-{}", lake.replace('_', "-"), crate::plan::DEFAULT_ENV);
    let event = match mode {
        Mode::Event(i) => plan.events.get(i),
        _ => None,
    };
    let (file, stack_example, description) = match event {
        Some(e) => (
            format!("cloudformation/{}", event_stack_file(lake, e)),
            format!("{shared_stack_example}-{}", e.name.replace('_', "-")),
            format!(
                "eventlake {lake}: event {} (stream, delivery, table); imports the shared stack",
                e.name
            ),
        ),
        None => (
            format!("cloudformation/{lake}.yaml"),
            shared_stack_example.clone(),
            match &plan.description {
                // The template's `Description` is a literal string, never an intrinsic, so
                // text that CloudFormation tools would read as a placeholder cannot be
                // escaped there.
                Some(d) if !d.contains("${") => format!("eventlake {lake}: {d}"),
                _ => format!(
                    "eventlake {lake}: streaming data lake (Kinesis, Firehose, S3, Glue, Athena)"
                ),
            },
        ),
    };
    StackContext {
        header: cx.header("#"),
        mode: mode.name(),
        shared_part,
        event_part,
        split_reason,
        over_inline_limit: false,
        file,
        stack_example: truncate(&stack_example, 128),
        shared_stack_example,
        description: truncate(&description, 1024),
        database_description: truncate(
            plan.description
                .as_deref()
                .unwrap_or("eventlake data lake tables"),
            2048,
        ),
        lake: plan,
        producer_name: format!("{prefix}producer"),
        name_prefix: prefix,
        producer_stream_arns,
        lake_bucket_arn_sub: format!("arn:${{AWS::Partition}}:s3:::{}", plan.lake_bucket.name_sub),
        raw_bucket_arn_sub: format!("arn:${{AWS::Partition}}:s3:::{}", plan.raw_bucket.name_sub),
        lambda_code,
        log_retention_days: LOG_RETENTION_DAYS,
        athena_results_days: ATHENA_RESULTS_DAYS,
        raw_bucket_days: limits::RawExpiration::of(&cx.schema.events).bucket_days,
        raw_buffer_mb: RAW_BUFFER_MB,
        crawler_configuration: CRAWLER_CONFIGURATION,
        any_alarms: cx.schema.events.iter().any(|e| e.settings.alarms),
        dashboards: if shared_part {
            dashboards(plan)
        } else {
            Vec::new()
        },
    }
}

/// At most `max` characters of `s`.
fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_stack_files_fit_a_file_name_with_the_longest_names() {
        use eventlake_schema::names::{
            MAX_EVENT_NAME_LEN, MAX_FILE_NAME_LEN, MAX_LAKE_NAME_LEN, TEMP_FILE_SUFFIX_ROOM,
        };
        let src = format!(
            "[lake]\nname = \"{}\"\n[events.{}.fields]\nid = \"string\"\n",
            "l".repeat(MAX_LAKE_NAME_LEN),
            "e".repeat(MAX_EVENT_NAME_LEN)
        );
        let schema = eventlake_schema::load_str(&src, "events.toml")
            .expect("longest names are valid")
            .schema;
        let plan = crate::plan::LakePlan::new(&schema);
        let file = event_stack_file(&schema.lake.name, &plan.events[0]);
        assert!(
            file.len() + TEMP_FILE_SUFFIX_ROOM <= MAX_FILE_NAME_LEN,
            "{file} is {} bytes",
            file.len()
        );
    }

    #[test]
    fn resources_and_outputs_are_counted() {
        let t = "# h\nResources:\n  # c\n  A:\n    Type: x\n  B:\n    Type: y\n\nOutputs:\n  O:\n    Value: 1\n";
        let f = Footprint::of(t).expect("valid YAML");
        assert_eq!((f.resources, f.outputs), (2, 1));
    }

    /// Entries count as a YAML reader sees them: quoted keys and flow mappings are entries,
    /// a commented-out one is not (counting indented lines of text got (0, 0) here).
    #[test]
    fn resources_and_outputs_are_counted_as_yaml_reads_them() {
        let t = "Resources:\n  \"A\":\n    Type: x\n  # B:\n  C: {Type: y}\nOutputs: {O: {Value: 1}, P: {Value: !Ref C}}\n";
        let f = Footprint::of(t).expect("valid YAML");
        assert_eq!((f.resources, f.outputs), (2, 2));
        assert!(Footprint::of("Resources: [").is_err());
    }
}
