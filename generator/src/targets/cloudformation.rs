//! `cloudformation/<lake>.yaml`: the whole lake as one CloudFormation stack, deployable with
//! plain `aws cloudformation deploy --capabilities CAPABILITY_IAM` (no bootstrap).
//!
//! Rules of this module:
//! - the stack is text from the minijinja template `cloudformation/stack.yaml.j2`; the
//!   structures other artefacts also contain (the Glue `TableInput`, the Firehose
//!   `DataFormatConversionConfiguration`) are built by [`super::glue`] and written into the
//!   template with the `cfn` filter, so the stack and the JSON files cannot disagree;
//! - `cfn` writes a JSON value as block YAML; a string holding `${Name}` placeholders of the
//!   stack (parameters, resources, `AWS::` pseudo parameters) becomes a `!Sub`, any other
//!   `${` is escaped so CloudFormation keeps it literally;
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
//! - CloudFormation limits are checked on the rendered text: above 500 resources, 200
//!   outputs or 1 MB the lake is split into a shared stack (`<lake>.yaml`) and one stack per
//!   event (`<lake>-<event>.yaml`) that imports the shared outputs (`Fn::ImportValue`);
//!   above 51,200 bytes (the inline `--template-body` limit) a warning says to deploy with
//!   `--s3-bucket`.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::{Error as TplError, ErrorKind, State, Value};
use serde_json::{Value as Json, json};

use eventlake_schema::{limits, sample};

use super::{Context, athena, glue};
use crate::output::Artifact;
use crate::plan::{ENV_PARAM, EventPlan, pascal_case, shorten};
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
pub const MAX_TEMPLATE_BYTES: usize = 1_048_576;
/// Largest template CloudFormation accepts inline (`--template-body`), in bytes.
pub const MAX_INLINE_BYTES: usize = 51_200;

/// The SNS topic the alarms notify: the one the stack creates, or the given one.
const ALARM_TOPIC_VALUE: &str = "!If [CreateAlarmTopic, !Ref AlarmTopic, !Ref AlarmTopicArn]";
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

impl Footprint {
    /// Measures a rendered template.
    pub fn of(text: &str) -> Self {
        Self {
            resources: count_section_entries(text, "Resources:"),
            outputs: count_section_entries(text, "Outputs:"),
            bytes: text.len(),
        }
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

/// Renders the target; warnings go to stderr.
/// Renders the stack, or the shared stack and the event stacks when one stack would break a
/// CloudFormation limit.
pub fn render_stacks(cx: &Context<'_>) -> Result<Stacks, crate::Error> {
    let mut env = cx.env.clone();
    env.add_filter("cfn", cfn_filter);
    env.add_filter("yaml_block", yaml_block);
    env.add_filter("cfn_text", cfn_text);
    env.add_filter("cfn_block", cfn_block);
    let lake = &cx.plan.name;
    let events = event_contexts(cx);
    // Converted to template values once: every stack reuses them (cheap `Arc` clones).
    let event_values: Vec<Value> = events.iter().map(to_value).collect();
    let events_of = |mode: Mode| -> Value {
        match mode {
            Mode::Event(i) => event_values.get(i).cloned().into_iter().collect(),
            _ => event_values.iter().cloned().collect(),
        }
    };
    let lake_json = lake_summary(&cx.plan);
    let lambda_code = test_lambda_code(cx)?;
    // Renders one stack; a template above the inline limit is rendered again with a deploy
    // command that uploads it through `--s3-bucket`, and comes with a warning.
    let render_one = |mode: Mode, path: &str, split_reason: &str| {
        let mut ctx = stack_context(cx, &lake_json, mode, &events, &lambda_code, split_reason);
        let text = render::render(&env, STACK_TEMPLATE, with_subs(&ctx, events_of(mode)))?;
        if text.len() <= MAX_INLINE_BYTES {
            return Ok::<_, crate::Error>((text, None));
        }
        let warning = format!(
            "{path} is {} bytes, above CloudFormation's {MAX_INLINE_BYTES}-byte limit for an \
             inline template: deploy it with `aws cloudformation deploy --s3-bucket <bucket> …`",
            text.len()
        );
        ctx["over_inline_limit"] = Json::Bool(true);
        Ok((
            render::render(&env, STACK_TEMPLATE, with_subs(&ctx, events_of(mode)))?,
            Some(warning),
        ))
    };

    let path = format!("cloudformation/{lake}.yaml");
    // Measure the single stack first (one render); only a stack that stays whole gets the
    // second, annotated render when it is above the inline limit.
    let single_ctx = stack_context(cx, &lake_json, Mode::Single, &events, &lambda_code, "");
    let single = render::render(
        &env,
        STACK_TEMPLATE,
        with_subs(&single_ctx, events_of(Mode::Single)),
    )?;
    let Some(reason) = Footprint::of(&single).exceeded() else {
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
        if let Some(problem) = Footprint::of(&text).exceeded() {
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

/// The test producer's inline JavaScript (CommonJS, AWS SDK v3).
pub fn test_lambda_code(cx: &Context<'_>) -> Result<String, crate::Error> {
    let prefix = name_prefix(cx);
    let events: Vec<Json> = cx
        .schema
        .events
        .iter()
        .zip(&cx.plan.events)
        .map(|(e, p)| {
            let suffix = p
                .stream_name_sub
                .strip_prefix(&prefix)
                .unwrap_or(&p.stream_name_sub);
            json!({
                "name": e.name,
                "stream_suffix": suffix,
                "partition_key": p.partition_key_json,
                "sample": serde_json::to_string(&sample::sample_event(e)).unwrap_or_default(),
            })
        })
        .collect();
    let ctx = json!({ "lake": cx.plan.name, "events": events });
    render::render(&cx.env, LAMBDA_TEMPLATE, to_value(&ctx))
}

/// `<lake>-${Environment}-`: the prefix of every stream, delivery stream and function name.
fn name_prefix(cx: &Context<'_>) -> String {
    format!("{}-${{{ENV_PARAM}}}-", cx.plan.name)
}

/// Counts the two-space-indented keys of a top-level section (`Resources:`, `Outputs:`).
fn count_section_entries(text: &str, section: &str) -> usize {
    let mut inside = false;
    let mut n = 0;
    for line in text.lines() {
        if !line.starts_with([' ', '#']) && !line.is_empty() {
            inside = line.trim_end() == section;
            continue;
        }
        if inside
            && let Some(rest) = line.strip_prefix("  ")
            && rest.starts_with(|c: char| c.is_ascii_alphanumeric())
            && rest.trim_end().ends_with(':')
        {
            n += 1;
        }
    }
    n
}

/// Per-event template values, in schema order.
fn event_contexts(cx: &Context<'_>) -> Vec<Json> {
    let lake_bucket = &cx.plan.lake_bucket;
    let raw_bucket = &cx.plan.raw_bucket;
    let db = &cx.plan.database_sub;
    let arn = |service: &str, rest: &str| {
        format!("arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{rest}")
    };
    let raw = limits::RawExpiration::of(&cx.schema.events);
    let mut out = Vec::new();
    for (i, (e, p)) in cx.schema.events.iter().zip(&cx.plan.events).enumerate() {
        let role_arn = format!("${{{}FirehoseRole.Arn}}", p.logical);
        // Policy names are limited to 128 characters, lifecycle rule ids to 255.
        let rule_id = shorten(&e.name, 100);
        out.push(json!({
            "name": e.name,
            "logical": p.logical,
            "plan": p,
            "settings": e.settings,
            "rule_id": rule_id,
            "table_input": glue::table_input(e, p, &glue::location(&lake_bucket.logical, p)),
            "errors_table_input": super::errors_table::table_input(e, p, &lake_bucket.logical),
            "alarms": super::monitoring::alarm_values(e, p),
            "conversion": glue::conversion_config(e, p, db, &role_arn, "${AWS::Region}"),
            "stream_arn_sub": arn("kinesis", &format!("stream/{}", p.stream_name_sub)),
            "glue_arns": [
                arn("glue", "catalog"),
                arn("glue", &format!("database/{db}")),
                arn("glue", &format!("table/{db}/{}", e.name)),
            ],
            "object_arns": [
                format!("arn:${{AWS::Partition}}:s3:::{}/{}*", lake_bucket.name_sub, p.data_prefix),
                format!("arn:${{AWS::Partition}}:s3:::{}/errors/{}/*", lake_bucket.name_sub, e.name),
                format!("arn:${{AWS::Partition}}:s3:::{}/raw/{}/*", raw_bucket.name_sub, e.name),
                format!("arn:${{AWS::Partition}}:s3:::{}/errors/{}/*", raw_bucket.name_sub, e.name),
            ],
            "data_objects_arn_sub": format!(
                "arn:${{AWS::Partition}}:s3:::{}/{}*",
                lake_bucket.name_sub, p.data_prefix
            ),
            "log_streams_arn_sub": arn("logs", &format!("log-group:{}:log-stream:*", p.log_group_sub)),
            "own_raw_rule": raw.own_rules.contains(&i),
            "raw_rule_prefix": format!("raw/{}/", e.name),
            "raw_error_rule_prefix": format!("errors/{}/raw-backup/", e.name),
            "queries": named_queries(cx, i),
        }));
    }
    out
}

/// The event's starter queries (from the Athena target) as `AWS::Athena::NamedQuery` values.
fn named_queries(cx: &Context<'_>, event_index: usize) -> Vec<Json> {
    let Some(plan) = cx.plan.events.get(event_index) else {
        return Vec::new();
    };
    athena::starter_queries(cx, event_index)
        .into_iter()
        .map(|q| {
            json!({
                "logical": format!(
                    "{}Query{}",
                    plan.logical,
                    shorten(&pascal_case(&q.slug), 60).replace('-', "")
                ),
                "name": truncate(&q.name, athena::NAMED_QUERY_NAME_MAX),
                "description": truncate(&q.description, athena::NAMED_QUERY_DESCRIPTION_MAX),
                "sql": q.sql,
            })
        })
        .collect()
}

/// The whole template context of one stack.
fn stack_context(
    cx: &Context<'_>,
    lake_json: &Json,
    mode: Mode,
    events: &[Json],
    lambda_code: &str,
    split_reason: &str,
) -> Json {
    let plan = &cx.plan;
    let lake = &plan.name;
    let prefix = name_prefix(cx);
    let events: Vec<&Json> = match mode {
        Mode::Event(i) => events.get(i).into_iter().collect(),
        _ => events.iter().collect(),
    };
    let (shared_part, event_part) = match mode {
        Mode::Single => (true, true),
        Mode::Shared => (true, false),
        Mode::Event(_) => (false, true),
    };
    let import = |name: &str| format!("!ImportValue {{\"Fn::Sub\": \"${{SharedStack}}-{name}\"}}");
    let refs = if matches!(mode, Mode::Event(_)) {
        json!({
            "lake_key_arn": import("LakeKeyArn"),
            "stream_key_arn": import("StreamKeyArn"),
            "lake_bucket_arn": import("LakeBucketArn"),
            "raw_bucket_arn": import("RawBucketArn"),
            "database": import("GlueDatabaseName"),
            "workgroup": import("AthenaWorkGroupName"),
            "alarm_topic": import("AlarmTopicArn"),
        })
    } else {
        json!({
            "lake_key_arn": "!GetAtt LakeKey.Arn",
            "stream_key_arn": "!GetAtt StreamKey.Arn",
            "lake_bucket_arn": format!("!GetAtt {}.Arn", plan.lake_bucket.logical),
            "raw_bucket_arn": format!("!GetAtt {}.Arn", plan.raw_bucket.logical),
            "database": "!Ref GlueDatabase",
            "workgroup": "!Ref AthenaWorkGroup",
            "alarm_topic": ALARM_TOPIC_VALUE,
        })
    };
    // `${Name}` placeholders the `cfn` filter may turn into `!Sub` references.
    let mut sub_names: Vec<String> = vec![ENV_PARAM.to_owned()];
    let mut sub_renames = serde_json::Map::new();
    for e in &events {
        if let Some(l) = e.get("logical").and_then(Json::as_str) {
            sub_names.push(format!("{l}FirehoseRole"));
        }
    }
    if shared_part {
        sub_names.push(plan.lake_bucket.logical.clone());
    } else {
        // The event stack has no bucket resource; the bucket's name is deterministic.
        sub_renames.insert(
            plan.lake_bucket.logical.clone(),
            Json::String(plan.lake_bucket.name_sub.clone()),
        );
    }
    let buckets = json!([
        { "kind": "lake", "logical": plan.lake_bucket.logical, "name_sub": plan.lake_bucket.name_sub, "noncurrent_days": 30 },
        { "kind": "raw", "logical": plan.raw_bucket.logical, "name_sub": plan.raw_bucket.name_sub, "noncurrent_days": 1 },
        { "kind": "athena", "logical": plan.athena_bucket.logical, "name_sub": plan.athena_bucket.name_sub, "noncurrent_days": 1 },
    ]);
    let producer_name = format!("{prefix}producer");
    let mut producer_stream_arns: Vec<String> = plan
        .events
        .iter()
        .map(|e| {
            format!(
                "arn:${{AWS::Partition}}:kinesis:${{AWS::Region}}:${{AWS::AccountId}}:stream/{}",
                e.stream_name_sub
            )
        })
        .collect();
    if producer_stream_arns.iter().map(String::len).sum::<usize>() > MAX_PRODUCER_ARN_CHARS {
        producer_stream_arns = vec![format!(
            "arn:${{AWS::Partition}}:kinesis:${{AWS::Region}}:${{AWS::AccountId}}:stream/{prefix}*"
        )];
    }
    let output = |name: &str, description: &str, value: String| json!({ "name": name, "description": description, "value": value });
    let shared_outputs = vec![
        output(
            "LakeBucketName",
            "Data-lake bucket (Parquet under data/, Firehose errors under errors/)",
            format!("!Ref {}", plan.lake_bucket.logical),
        ),
        output(
            "LakeBucketArn",
            "Data-lake bucket ARN",
            format!("!GetAtt {}.Arn", plan.lake_bucket.logical),
        ),
        output(
            "RawBucketName",
            "Raw JSON backup bucket",
            format!("!Ref {}", plan.raw_bucket.logical),
        ),
        output(
            "RawBucketArn",
            "Raw JSON backup bucket ARN",
            format!("!GetAtt {}.Arn", plan.raw_bucket.logical),
        ),
        output(
            "AthenaResultsBucketName",
            "Athena query-results bucket",
            format!("!Ref {}", plan.athena_bucket.logical),
        ),
        output(
            "LakeKeyArn",
            "KMS key of the buckets and log groups",
            "!GetAtt LakeKey.Arn".to_owned(),
        ),
        output(
            "StreamKeyArn",
            "KMS key of the Kinesis streams",
            "!GetAtt StreamKey.Arn".to_owned(),
        ),
        output(
            "GlueDatabaseName",
            "Glue database of the lake's tables",
            "!Ref GlueDatabase".to_owned(),
        ),
        output(
            "AthenaWorkGroupName",
            "Athena workgroup (engine v3, encrypted results)",
            "!Ref AthenaWorkGroup".to_owned(),
        ),
        output(
            "TestProducerFunctionName",
            "Lambda that publishes test events",
            "!Ref TestProducerFunction".to_owned(),
        ),
    ];
    let any_alarms = cx.schema.events.iter().any(|e| e.settings.alarms);
    let mut shared_outputs = shared_outputs;
    if any_alarms {
        shared_outputs.push(output(
            "AlarmTopicArn",
            "SNS topic the lake's alarms notify",
            ALARM_TOPIC_VALUE.to_owned(),
        ));
    }
    let dashboards: Vec<Json> = if shared_part {
        let bodies = super::monitoring::dashboard_bodies(&plan.events);
        let several = bodies.len() > 1;
        bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| {
                let n = if several { format!("{}", i + 1) } else { String::new() };
                json!({
                    "logical": format!("Dashboard{n}"),
                    "name_sub": format!("{}-${{{ENV_PARAM}}}{}", lake, if several { format!("-{n}") } else { String::new() }),
                    "body": body,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let file = match mode {
        Mode::Event(i) => plan
            .events
            .get(i)
            .map(|e| format!("cloudformation/{}", event_stack_file(lake, e)))
            .unwrap_or_default(),
        _ => format!("cloudformation/{lake}.yaml"),
    };
    let stack_example = match mode {
        Mode::Event(i) => plan
            .events
            .get(i)
            .map(|e| {
                format!(
                    "{}-{}-{}",
                    lake.replace('_', "-"),
                    crate::plan::DEFAULT_ENV,
                    e.name.replace('_', "-")
                )
            })
            .unwrap_or_default(),
        _ => format!("{}-{}", lake.replace('_', "-"), crate::plan::DEFAULT_ENV),
    };
    let description = match mode {
        Mode::Event(i) => format!(
            "eventlake {lake}: event {} (stream, delivery, table); imports the shared stack",
            plan.events
                .get(i)
                .map(|e| e.name.as_str())
                .unwrap_or_default()
        ),
        _ => match &plan.description {
            // The template's `Description` is a literal string, never an intrinsic, so text
            // that CloudFormation tools would read as a placeholder cannot be escaped there.
            Some(d) if !d.contains("${") => format!("eventlake {lake}: {d}"),
            _ => format!(
                "eventlake {lake}: streaming data lake (Kinesis, Firehose, S3, Glue, Athena)"
            ),
        },
    };
    json!({
        "header": cx.header("#"),
        "mode": mode.name(),
        "shared_part": shared_part,
        "event_part": event_part,
        "split_reason": split_reason,
        "over_inline_limit": false,
        "file": file,
        "stack_example": truncate(&stack_example, 128),
        "shared_stack_example": format!("{}-{}", lake.replace('_', "-"), crate::plan::DEFAULT_ENV),
        "description": truncate(&description, 1024),
        "database_description": truncate(
            plan.description.as_deref().unwrap_or("eventlake data lake tables"),
            2048,
        ),
        // The lake without its events: each stack gets only its own events below (passing
        // every event's plan to every stack would make a split lake quadratic).
        "lake": lake_json,
        "refs": refs,
        "buckets": buckets,
        "name_prefix": prefix,
        "producer_name": producer_name,
        "producer_stream_arns": producer_stream_arns,
        "lake_bucket_arn_sub": format!("arn:${{AWS::Partition}}:s3:::{}", plan.lake_bucket.name_sub),
        "raw_bucket_arn_sub": format!("arn:${{AWS::Partition}}:s3:::{}", plan.raw_bucket.name_sub),
        "lambda_code": lambda_code,
        "log_retention_days": LOG_RETENTION_DAYS,
        "athena_results_days": ATHENA_RESULTS_DAYS,
        "raw_bucket_days": limits::RawExpiration::of(&cx.schema.events).bucket_days,
        "raw_buffer_mb": RAW_BUFFER_MB,
        "crawler_configuration": CRAWLER_CONFIGURATION,
        "shared_outputs": shared_outputs,
        "any_alarms": any_alarms,
        "dashboards": dashboards,
        "sub_names": sub_names,
        "sub_renames": sub_renames,
    })
}

/// The lake's plan without the per-event part.
fn lake_summary(plan: &crate::plan::LakePlan) -> Json {
    let mut v = serde_json::to_value(plan).unwrap_or(Json::Null);
    if let Some(m) = v.as_object_mut() {
        m.remove("events");
    }
    v
}

/// A template value of a JSON value. (Serialising `serde_json::Value` straight into
/// minijinja would turn numbers into maps: the workspace enables serde_json's
/// `arbitrary_precision`.)
pub fn to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::from(()),
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.to_string())
            }
        }
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(a) => a.iter().map(to_value).collect(),
        Json::Object(m) => Value::from_pairs(m.iter().map(|(k, v)| (k.as_str(), to_value(v)))),
    }
}

/// At most `max` characters of `s`.
fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

// ---------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------

/// `{{ value|cfn(indent) }}`: a JSON value as block YAML under a key, each entry on its own
/// line indented by `indent` spaces; placeholder strings become `!Sub`.
fn cfn_filter(state: &State<'_, '_>, value: &Value, indent: usize) -> Result<String, TplError> {
    let json: Json = serde_json::to_value(value)
        .map_err(|e| TplError::new(ErrorKind::InvalidOperation, e.to_string()))?;
    let subs = subs_of(state)?;
    let mut out = String::new();
    emit_value(&json, indent, &subs, false, &mut out);
    Ok(out)
}

/// Context key of the precomputed [`SubNames`] (computed once per stack, not per filter call).
const SUBS_KEY: &str = "__eventlake_subs";

/// The template context of a stack: `ctx`, its events and its [`SubNames`].
fn with_subs(ctx: &Json, events: Value) -> Value {
    let subs = Value::from_object(SubNames::from_context(ctx));
    minijinja::context! { __eventlake_subs => subs, events => events, ..to_value(ctx) }
}

/// `{{ text|yaml_block(indent) }}`: a literal block scalar (`|-`) when the text can be one
/// exactly, else a double-quoted scalar.
fn yaml_block(value: &Value, indent: usize) -> Result<String, TplError> {
    let text = value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string());
    Ok(yaml_block_text(&text, indent))
}

/// The stack's placeholders, from the template state.
fn subs_of(state: &State<'_, '_>) -> Result<std::sync::Arc<SubNames>, TplError> {
    state
        .lookup(SUBS_KEY)
        .and_then(|v| v.downcast_object::<SubNames>())
        .ok_or_else(|| {
            TplError::new(
                ErrorKind::InvalidOperation,
                "the CloudFormation filters need the stack context",
            )
        })
}

/// `text` cut after each `$` that starts `${`: the pieces of a `!Join` whose value is
/// exactly `text` and none of which holds `${`.
fn join_pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices("${") {
        pieces.push(&text[start..=i]);
        start = i + 1;
    }
    pieces.push(&text[start..]);
    pieces
}

/// User text as one YAML value on the key's line (see the module rules).
fn literal_scalar(text: &str, subs: &SubNames) -> String {
    if !subs.has_placeholder(text) {
        return quote(text);
    }
    let pieces: Vec<String> = join_pieces(text).into_iter().map(quote).collect();
    format!("!Join [\"\", [{}]]", pieces.join(", "))
}

/// `{{ text|cfn_text }}`: user text as a YAML value whose value is exactly `text`.
fn cfn_text(state: &State<'_, '_>, value: &Value) -> Result<String, TplError> {
    let text = value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string());
    Ok(literal_scalar(&text, &*subs_of(state)?))
}

/// `{{ text|cfn_block(indent) }}`: as [`yaml_block`], for text that may hold user text; a
/// `!Join` of double-quoted pieces when it holds a placeholder of the stack.
fn cfn_block(state: &State<'_, '_>, value: &Value, indent: usize) -> Result<String, TplError> {
    let text = value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string());
    if !subs_of(state)?.has_placeholder(&text) {
        return Ok(yaml_block_text(&text, indent));
    }
    let pad = " ".repeat(indent);
    let mut out = format!("!Join\n{pad}- \"\"\n{pad}- ");
    for (i, piece) in join_pieces(&text).into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
            out.push_str("  ");
        }
        out.push_str("- ");
        out.push_str(&quote(piece));
    }
    Ok(out)
}

/// See [`yaml_block`].
pub fn yaml_block_text(text: &str, indent: usize) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let representable = !body.is_empty()
        && !body.starts_with([' ', '\n'])
        && !body.ends_with('\n')
        && body.lines().all(|l| l == l.trim_end())
        && !body
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{feff}');
    if !representable {
        return quote(text);
    }
    let pad = " ".repeat(indent);
    let chomp = if text.ends_with('\n') { "|" } else { "|-" };
    let mut out = String::from(chomp);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

/// The placeholders a stack declares, read from the template context.
#[derive(Debug)]
struct SubNames {
    names: BTreeSet<String>,
    renames: BTreeMap<String, String>,
}

impl minijinja::value::Object for SubNames {}

impl SubNames {
    fn from_context(ctx: &Json) -> Self {
        let names = ctx["sub_names"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let renames = ctx["sub_renames"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Self { names, renames }
    }

    fn known(&self, inner: &str) -> bool {
        inner.starts_with("AWS::")
            || self.names.contains(inner)
            || inner
                .split_once('.')
                .is_some_and(|(resource, _)| self.names.contains(resource))
    }

    /// Whether `text` holds `${Name}` with `Name` a placeholder of this stack: such text,
    /// when it is the user's, must not be written as a plain string (see the module rules).
    fn has_placeholder(&self, text: &str) -> bool {
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            if let Some(end) = after.find('}') {
                let inner = &after[..end];
                if self.renames.contains_key(inner) || self.known(inner) {
                    return true;
                }
            }
            rest = after;
        }
        false
    }

    /// `Some(sub text)` when `s` references the stack, `None` for a plain string.
    fn sub(&self, s: &str) -> Option<String> {
        let mut out = String::with_capacity(s.len() + 8);
        let mut has_ref = false;
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) if after.starts_with('!') => {
                    out.push_str(&rest[start..start + 2 + end + 1]);
                    rest = &after[end + 1..];
                }
                Some(end) if self.renames.contains_key(&after[..end]) => {
                    has_ref = true;
                    out.push_str(&self.renames[&after[..end]]);
                    rest = &after[end + 1..];
                }
                Some(end) if self.known(&after[..end]) => {
                    has_ref = true;
                    out.push_str(&rest[start..start + 2 + end + 1]);
                    rest = &after[end + 1..];
                }
                _ => {
                    out.push_str("${!");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        has_ref.then_some(out)
    }
}

/// Keys of `cfn` values whose strings (the whole subtree) are the user's text.
const FREE_TEXT_KEYS: &[&str] = &["Description", "Comment", "ColumnToJsonKeyMappings"];

/// Whether the value under key `k` is user text (inside user text, everything is).
fn free_text(literal: bool, k: &str) -> bool {
    literal || FREE_TEXT_KEYS.contains(&k)
}

fn emit_value(v: &Json, indent: usize, subs: &SubNames, literal: bool, out: &mut String) {
    match v {
        Json::Object(m) if !m.is_empty() => {
            for (k, val) in m {
                out.push('\n');
                push_indent(out, indent);
                out.push_str(&key(k));
                out.push(':');
                emit_value(val, indent + 2, subs, free_text(literal, k), out);
            }
        }
        Json::Array(a) if !a.is_empty() => {
            for item in a {
                out.push('\n');
                push_indent(out, indent);
                out.push('-');
                emit_item(item, indent + 2, subs, literal, out);
            }
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(v, subs, literal));
        }
    }
}

/// A sequence item, after its `-`. A mapping of scalars (a Glue column) goes on one line as a
/// flow mapping.
fn emit_item(v: &Json, indent: usize, subs: &SubNames, literal: bool, out: &mut String) {
    match v {
        Json::Object(m) if !m.is_empty() && m.values().all(|x| !x.is_object() && !x.is_array()) => {
            out.push_str(" {");
            for (i, (k, val)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&key(k));
                out.push_str(": ");
                out.push_str(&scalar(val, subs, free_text(literal, k)));
            }
            out.push('}');
        }
        Json::Object(m) if !m.is_empty() => {
            for (i, (k, val)) in m.iter().enumerate() {
                if i == 0 {
                    out.push(' ');
                } else {
                    out.push('\n');
                    push_indent(out, indent);
                }
                out.push_str(&key(k));
                out.push(':');
                emit_value(val, indent + 2, subs, free_text(literal, k), out);
            }
        }
        _ => emit_value(v, indent, subs, literal, out),
    }
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn scalar(v: &Json, subs: &SubNames, literal: bool) -> String {
    match v {
        Json::String(s) if literal => literal_scalar(s, subs),
        Json::String(s) => match subs.sub(s) {
            Some(sub) => format!("!Sub {}", quote(&sub)),
            None => quote(s),
        },
        Json::Object(_) => "{}".to_owned(),
        Json::Array(_) => "[]".to_owned(),
        other => other.to_string(),
    }
}

/// A mapping key: plain when unambiguous, else double-quoted.
fn key(k: &str) -> String {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    let plain = k.starts_with(|c: char| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !WORDS.contains(&k.to_ascii_lowercase().as_str());
    if plain { k.to_owned() } else { quote(k) }
}

/// A double-quoted YAML scalar (JSON string syntax is a subset of it).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(names: &[&str], renames: &[(&str, &str)]) -> SubNames {
        SubNames {
            names: names.iter().map(|s| (*s).to_owned()).collect(),
            renames: renames
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn placeholders_become_sub_and_the_rest_stays_literal() {
        let s = subs(&["LakeBucket", "Role"], &[]);
        assert_eq!(s.sub("plain"), None);
        assert_eq!(s.sub("a ${x} b"), None);
        assert_eq!(
            s.sub("s3://${LakeBucket}/${x}/${AWS::Region}/${Role.Arn}")
                .as_deref(),
            Some("s3://${LakeBucket}/${!x}/${AWS::Region}/${Role.Arn}")
        );
        let r = subs(&[], &[("LakeBucket", "lake-${Environment}")]);
        assert_eq!(
            r.sub("s3://${LakeBucket}/").as_deref(),
            Some("s3://lake-${Environment}/")
        );
    }

    #[test]
    fn values_render_as_block_yaml() {
        let v = json!({"A": [{"Name": "x", "Type": "int"}, "s", {"Deep": [1], "B": true}], "yes": {}, "Num": -1});
        let mut out = String::new();
        emit_value(&v, 2, &subs(&[], &[]), false, &mut out);
        assert_eq!(
            out,
            "\n  A:\n    - {Name: \"x\", Type: \"int\"}\n    - \"s\"\n    - Deep:\n        - 1\n      B: true\n  \"yes\": {}\n  Num: -1"
        );
    }

    #[test]
    fn block_scalars_only_when_exact() {
        assert_eq!(yaml_block_text("a\n  b\n", 4), "|\n    a\n      b");
        assert_eq!(yaml_block_text("a\n\nb", 2), "|-\n  a\n\n  b");
        assert_eq!(yaml_block_text(" lead", 2), "\" lead\"");
        assert_eq!(yaml_block_text("trailing \nx", 2), "\"trailing \\nx\"");
    }

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
        let f = Footprint::of(t);
        assert_eq!((f.resources, f.outputs), (2, 1));
    }
}
