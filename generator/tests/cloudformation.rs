//! The CloudFormation stack: cfn-lint (0 errors, 0 warnings) and checkov (0 failed checks)
//! over every lake, a tag-preserving parse in which every `!Ref`/`!GetAtt`/`!Sub`/`DependsOn`
//! target exists, the Glue table and the Firehose conversion equal what `glue` builds,
//! least-privilege IAM, the split of lakes too large for one stack, the test Lambda's
//! behaviour (run under node with a stub SDK), a snapshot, and determinism.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value as Json;
use serde_norway::Value as Yaml;

use eventlake_cli::output::Artifact;
use eventlake_cli::plan::LakePlan;
use eventlake_cli::targets::{cloudformation, glue};
use eventlake_cli::{RenderOptions, Target, render_all};
use eventlake_schema::Schema;

use crate::common::{load, tool, valid_lakes};

/// Renders only the CloudFormation target.
fn stacks(schema: &Schema) -> Vec<Artifact> {
    let opts = RenderOptions {
        only: vec![Target::Cloudformation],
        ..RenderOptions::default()
    };
    render_all(schema, &opts).unwrap_or_else(|e| panic!("render failed: {e}"))
}

/// Every fixture lake plus one with the longest names the schema accepts (a 40-character
/// lake, 207-character events), which exercise every shortening rule.
fn lakes() -> Vec<(String, Schema)> {
    let mut out: Vec<(String, Schema)> = valid_lakes()
        .into_iter()
        .map(|(name, path)| (name, load(&path)))
        .collect();
    out.push(("longest_names".to_owned(), longest_names_lake()));
    out
}

fn longest_names_lake() -> Schema {
    let lake = "l".repeat(40);
    let mut toml = format!("[lake]\nname = \"{lake}\"\n\n[lake.defaults]\ncatalog = \"both\"\n");
    for (i, partitioning) in ["event_time", "arrival"].iter().enumerate() {
        let event = format!(
            "e{i}{}",
            "x".repeat(eventlake_schema::names::MAX_EVENT_NAME_LEN - 2)
        );
        toml.push_str(&format!(
            "\n[events.{event}]\npartitioning = \"{partitioning}\"\ntime_field = \"ts\"\n\n[events.{event}.fields]\nts = {{ type = \"timestamp\", required = true }}\n{} = \"string\"\n",
            "c".repeat(255)
        ));
    }
    match eventlake_schema::load_str(&toml, "longest.toml") {
        Ok(l) => l.schema,
        Err(r) => panic!("{}", r.render(false)),
    }
}

/// Writes every lake's stacks under one fresh folder; returns the folder and the files.
fn write_all_stacks() -> (tempfile::TempDir, Vec<PathBuf>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let mut files = Vec::new();
    for (name, schema) in lakes() {
        for a in stacks(&schema) {
            let file = a.path.trim_start_matches("cloudformation/");
            let p = dir.join(&name).join(file);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, &a.contents).expect("write");
            files.push(p);
        }
    }
    (tmp, files)
}

pub fn parse(text: &str, what: &str) -> Yaml {
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("{what} is not valid YAML: {e}"))
}

pub fn get<'a>(v: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    v.as_mapping().and_then(|m| m.get(key))
}

fn keys(v: Option<&Yaml>) -> BTreeSet<String> {
    v.and_then(Yaml::as_mapping)
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The YAML as JSON with intrinsic tags dropped (`!Sub "x"` becomes `"x"`), and `!Join` of
/// plain strings with an empty delimiter (how user text with placeholders is written) joined.
/// A typed artefact as a JSON value, to compare with what the stack holds.
fn to_json(v: &impl serde::Serialize) -> Json {
    serde_json::to_value(v).expect("artefacts serialise")
}

fn untag(v: &Yaml) -> Json {
    match v {
        Yaml::Tagged(t) if t.tag == "Join" => match untag(&t.value) {
            Json::Array(a) if a.len() == 2 && a[0] == "" => match &a[1] {
                Json::Array(pieces) => Json::String(
                    pieces
                        .iter()
                        .map(|p| p.as_str().expect("a !Join piece is a string"))
                        .collect(),
                ),
                other => panic!("!Join of {other}"),
            },
            other => panic!("!Join {other}"),
        },
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(*b),
        Yaml::Number(n) => serde_json::from_str(&n.to_string()).expect("number"),
        Yaml::String(s) => Json::String(s.clone()),
        Yaml::Sequence(s) => Json::Array(s.iter().map(untag).collect()),
        Yaml::Mapping(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.as_str().expect("string key").to_owned(), untag(v)))
                .collect(),
        ),
        Yaml::Tagged(t) => untag(&t.value),
    }
}

// ---------------------------------------------------------------------------------------
// External validators
// ---------------------------------------------------------------------------------------

#[test]
fn cfn_lint_reports_no_errors_and_no_warnings_for_any_lake() {
    let (_dir, files) = write_all_stacks();
    let out = Command::new(tool("cfn-lint"))
        .arg("--")
        .args(&files)
        .output()
        .expect("cfn-lint runs");
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "cfn-lint found problems in {} templates:\n{report}",
        files.len()
    );
}

#[test]
fn checkov_reports_no_failed_checks_for_any_lake() {
    let (dir, files) = write_all_stacks();
    let out = Command::new(tool("checkov"))
        .env("BC_SKIP_MAPPING", "TRUE")
        .args(["-d"])
        .arg(dir.path())
        .args([
            "--framework",
            "cloudformation",
            "--skip-download",
            "--quiet",
            "--compact",
            "-o",
            "json",
        ])
        .output()
        .expect("checkov runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Json = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let reports = match &report {
        Json::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut passed = 0;
    for r in &reports {
        let summary = r.get("summary").unwrap_or(r);
        let failed = summary
            .get("failed")
            .and_then(Json::as_u64)
            .expect("summary.failed");
        assert_eq!(
            failed,
            0,
            "checkov failed checks:\n{}",
            serde_json::to_string_pretty(r.get("results").unwrap_or(r)).unwrap_or_default()
        );
        passed += summary.get("passed").and_then(Json::as_u64).unwrap_or(0);
        assert_eq!(
            summary
                .get("parsing_errors")
                .and_then(Json::as_u64)
                .unwrap_or(0),
            0,
            "{r}"
        );
    }
    // A single or shared stack gets dozens of checks, an event stack of a split lake about
    // a dozen (its stream, role, log group, delivery stream, alarms).
    assert!(
        passed > 10 * files.len() as u64,
        "checkov checked too little: {passed} passed for {} templates",
        files.len()
    );
}

// ---------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------

struct Declared {
    names: BTreeSet<String>,
    resources: BTreeSet<String>,
}

impl Declared {
    fn of(doc: &Yaml) -> Self {
        let params = keys(get(doc, "Parameters"));
        let resources = keys(get(doc, "Resources"));
        Self {
            names: params.union(&resources).cloned().collect(),
            resources,
        }
    }

    fn is_name(&self, n: &str) -> bool {
        n.starts_with("AWS::") || self.names.contains(n)
    }
}

/// The `${X}` names of a `Fn::Sub` string (`${!X}` is a literal).
fn sub_names(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let end = after
            .find('}')
            .unwrap_or_else(|| panic!("unclosed ${{ in {s:?}"));
        if !after.starts_with('!') {
            out.push(after[..end].to_owned());
        }
        rest = &after[end + 1..];
    }
    out
}

fn check_sub(arg: &Yaml, d: &Declared, errors: &mut Vec<String>) {
    let (text, vars) = match arg {
        Yaml::String(s) => (s.as_str(), BTreeSet::new()),
        Yaml::Sequence(seq) if seq.len() == 2 => {
            (seq[0].as_str().unwrap_or_default(), keys(seq.get(1)))
        }
        other => {
            errors.push(format!("malformed Sub {other:?}"));
            return;
        }
    };
    for name in sub_names(text) {
        let head = name.split('.').next().unwrap_or_default();
        let ok = vars.contains(&name)
            || if name.contains('.') && !name.starts_with("AWS::") {
                d.resources.contains(head)
            } else {
                d.is_name(&name)
            };
        if !ok {
            errors.push(format!("!Sub {text:?} references undeclared `{name}`"));
        }
    }
}

fn check_getatt(arg: &Yaml, d: &Declared, errors: &mut Vec<String>) {
    let target = match arg {
        Yaml::String(s) => s.split('.').next().unwrap_or_default().to_owned(),
        Yaml::Sequence(s) => s
            .first()
            .and_then(Yaml::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    if !d.resources.contains(&target) {
        errors.push(format!("!GetAtt {arg:?} names no resource"));
    }
}

fn check_refs(v: &Yaml, d: &Declared, errors: &mut Vec<String>) {
    match v {
        Yaml::Tagged(t) => {
            let tag = t.tag.to_string();
            match tag.trim_start_matches('!') {
                "Ref" => match t.value.as_str() {
                    Some(n) if d.is_name(n) => {}
                    _ => errors.push(format!("!Ref {:?} names nothing declared", t.value)),
                },
                "GetAtt" => check_getatt(&t.value, d, errors),
                "Sub" => check_sub(&t.value, d, errors),
                _ => {}
            }
            check_refs(&t.value, d, errors);
        }
        Yaml::Mapping(m) => {
            for (k, val) in m {
                match k.as_str() {
                    Some("Ref") => match val.as_str() {
                        Some(n) if d.is_name(n) => {}
                        _ => errors.push(format!("Ref {val:?} names nothing declared")),
                    },
                    Some("Fn::GetAtt") => check_getatt(val, d, errors),
                    Some("Fn::Sub") => check_sub(val, d, errors),
                    _ => {}
                }
                check_refs(val, d, errors);
            }
        }
        Yaml::Sequence(s) => s.iter().for_each(|x| check_refs(x, d, errors)),
        _ => {}
    }
}

/// Every `ImportValue` of an event stack: the export suffix after `${SharedStack}-`.
fn imports(v: &Yaml, out: &mut BTreeSet<String>) {
    match v {
        Yaml::Tagged(t) => {
            if t.tag == "ImportValue" {
                let sub = get(&t.value, "Fn::Sub")
                    .and_then(Yaml::as_str)
                    .unwrap_or_default();
                out.insert(sub.trim_start_matches("${SharedStack}-").to_owned());
            }
            imports(&t.value, out);
        }
        Yaml::Mapping(m) => m.values().for_each(|x| imports(x, out)),
        Yaml::Sequence(s) => s.iter().for_each(|x| imports(x, out)),
        _ => {}
    }
}

#[test]
fn every_reference_names_a_declared_resource_or_parameter() {
    for (name, schema) in lakes() {
        let rendered = stacks(&schema);
        let mut exports = BTreeSet::new();
        let mut imported = BTreeSet::new();
        for a in &rendered {
            let doc = parse(&a.contents, &a.path);
            let d = Declared::of(&doc);
            assert!(!d.resources.is_empty(), "{name}/{}: no resources", a.path);
            let mut errors = Vec::new();
            check_refs(&doc, &d, &mut errors);
            for (id, res) in get(&doc, "Resources")
                .and_then(Yaml::as_mapping)
                .expect("resources")
            {
                let deps = match get(res, "DependsOn") {
                    Some(Yaml::String(s)) => vec![s.clone()],
                    Some(Yaml::Sequence(s)) => s
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                for dep in deps {
                    if !d.resources.contains(&dep) {
                        errors.push(format!("{id:?} DependsOn undeclared {dep}"));
                    }
                }
            }
            assert!(
                errors.is_empty(),
                "{name}/{}:\n{}",
                a.path,
                errors.join("\n")
            );
            for (k, o) in get(&doc, "Outputs")
                .and_then(Yaml::as_mapping)
                .into_iter()
                .flatten()
            {
                if get(o, "Export").is_some() {
                    exports.insert(k.as_str().unwrap_or_default().to_owned());
                }
            }
            imports(&doc, &mut imported);
        }
        let missing: Vec<_> = imported.difference(&exports).collect();
        assert!(
            missing.is_empty(),
            "{name}: imports without an export: {missing:?}"
        );
    }
}

/// Every IAM statement outside a KMS key policy names its resources.
#[test]
fn iam_policies_never_grant_every_resource() {
    fn walk(v: &Yaml, path: &str, errors: &mut Vec<String>) {
        match v {
            Yaml::Mapping(m) => {
                for (k, val) in m {
                    let k = k.as_str().unwrap_or_default();
                    if (k == "Resource" || k == "NotResource")
                        && (val.as_str() == Some("*")
                            || val
                                .as_sequence()
                                .is_some_and(|s| s.iter().any(|x| x.as_str() == Some("*"))))
                    {
                        errors.push(format!("{path}: Resource \"*\""));
                    }
                    let allow = m.get("Effect").and_then(Yaml::as_str) == Some("Allow");
                    if allow && k == "Action" && val.as_str().is_some_and(|a| a.ends_with('*')) {
                        errors.push(format!("{path}: Action {val:?}"));
                    }
                    walk(val, &format!("{path}.{k}"), errors);
                }
            }
            Yaml::Sequence(s) => s.iter().for_each(|x| walk(x, path, errors)),
            Yaml::Tagged(t) => walk(&t.value, path, errors),
            _ => {}
        }
    }
    for (name, schema) in lakes() {
        for a in stacks(&schema) {
            let doc = parse(&a.contents, &a.path);
            let mut errors = Vec::new();
            for (id, res) in get(&doc, "Resources")
                .and_then(Yaml::as_mapping)
                .expect("resources")
            {
                if get(res, "Type").and_then(Yaml::as_str) == Some("AWS::KMS::Key") {
                    continue;
                }
                walk(res, id.as_str().unwrap_or_default(), &mut errors);
            }
            assert!(
                errors.is_empty(),
                "{name}/{}:\n{}",
                a.path,
                errors.join("\n")
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Consistency with the Glue / Firehose JSON
// ---------------------------------------------------------------------------------------

#[test]
fn glue_tables_and_conversions_in_the_stack_equal_the_glue_target() {
    for (name, schema) in lakes() {
        let plan = LakePlan::new(&schema);
        let rendered = stacks(&schema);
        let docs: Vec<(String, Yaml)> = rendered
            .iter()
            .map(|a| (a.path.clone(), parse(&a.contents, &a.path)))
            .collect();
        let split = rendered.len() > 1;
        for (event, ep) in schema.events.iter().zip(&plan.events) {
            let table_id = format!("{}Table", ep.logical);
            let stream_id = format!("{}DeliveryStream", ep.logical);
            let (path, doc) = docs
                .iter()
                .find(|(_, d)| {
                    get(d, "Resources")
                        .and_then(|r| get(r, &table_id))
                        .is_some()
                })
                .unwrap_or_else(|| panic!("{name}: no {table_id}"));
            let resources = get(doc, "Resources").expect("resources");
            // In an event stack the bucket is named, not referenced.
            let bucket = if split {
                plan.lake_bucket.name_sub.clone()
            } else {
                format!("${{{}}}", plan.lake_bucket.logical)
            };
            let location = glue::location(&plan.lake_bucket.logical, ep)
                .replace(&format!("${{{}}}", plan.lake_bucket.logical), &bucket);
            let expected = to_json(&glue::table_input(event, ep, &location));
            let actual = untag(
                get(get(resources, &table_id).expect("table"), "Properties")
                    .and_then(|p| get(p, "TableInput"))
                    .expect("TableInput"),
            );
            assert_eq!(
                actual, expected,
                "{name}/{path}: {table_id} differs from glue::table_input"
            );
            let cols = actual.pointer("/StorageDescriptor/Columns").cloned();
            assert_eq!(
                cols,
                Some(to_json(&glue::columns(event))),
                "{name}: columns"
            );

            let role = format!("${{{}FirehoseRole.Arn}}", ep.logical);
            let expected = to_json(&glue::conversion_config(
                event,
                ep,
                &plan.database_sub,
                &role,
                "${AWS::Region}",
            ));
            let dest = get(resources, &stream_id)
                .and_then(|s| get(s, "Properties"))
                .and_then(|p| get(p, "ExtendedS3DestinationConfiguration"))
                .unwrap_or_else(|| panic!("{name}: {stream_id}"));
            let actual = untag(get(dest, "DataFormatConversionConfiguration").expect("conversion"));
            assert_eq!(
                actual, expected,
                "{name}/{path}: conversion of {} differs",
                event.name
            );
            // Everything but the Firehose role is the same as firehose/<event>.conversion.json.
            let json_artifact = to_json(&glue::conversion_config(
                event,
                ep,
                &plan.database_sub,
                "${FirehoseRoleArn}",
                "${AWS::Region}",
            ));
            let mut a = actual.clone();
            a["SchemaConfiguration"]["RoleARN"] = Json::Null;
            let mut b = json_artifact;
            b["SchemaConfiguration"]["RoleARN"] = Json::Null;
            assert_eq!(a, b, "{name}: conversion vs firehose JSON");

            let text = |k: &str| get(dest, k).and_then(Yaml::as_str).map(str::to_owned);
            assert_eq!(text("Prefix"), Some(ep.firehose_prefix.clone()));
            assert_eq!(text("ErrorOutputPrefix"), Some(ep.error_prefix.clone()));
            assert!(
                !ep.firehose_prefix.contains("YYYY"),
                "week-based year in {}",
                ep.firehose_prefix
            );
            assert!(
                !ep.error_prefix.starts_with(&ep.data_prefix),
                "errors inside the table location"
            );
            let backup = get(dest, "S3BackupConfiguration").expect("backup");
            assert_eq!(
                get(backup, "Prefix").and_then(Yaml::as_str),
                Some(ep.raw_prefix.as_str())
            );
            assert_eq!(text("S3BackupMode").as_deref(), Some("Enabled"));
            assert_eq!(
                get(dest, "DynamicPartitioningConfiguration").is_some(),
                ep.dynamic_partitioning,
                "{name}: dynamic partitioning of {}",
                event.name
            );
            if let Some(jq) = &ep.jq_query {
                let yaml = serde_norway::to_string(dest).expect("yaml");
                assert!(yaml.contains("JQ-1.6"), "{name}: JQ engine");
                let processors = untag(get(dest, "ProcessingConfiguration").expect("processing"));
                assert_eq!(
                    processors.pointer("/Processors/0/Parameters/0/ParameterValue"),
                    Some(&Json::String(jq.clone()))
                );
            }
            let crawler = get(resources, &format!("{}Crawler", ep.logical));
            assert_eq!(
                crawler.is_some(),
                ep.crawler,
                "{name}: crawler of {}",
                event.name
            );
            if let Some(c) = crawler {
                let c = untag(get(c, "Properties").expect("props"));
                assert_eq!(c["SchemaChangePolicy"]["DeleteBehavior"], "LOG");
                assert_eq!(
                    c["Schedule"]["ScheduleExpression"],
                    event.settings.crawler_schedule.as_str()
                );
                assert!(
                    c["Configuration"]
                        .as_str()
                        .is_some_and(|s| s.contains("InheritFromTable"))
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Limits and splitting
// ---------------------------------------------------------------------------------------

fn wide_lake(events: usize, fields: usize) -> Schema {
    let mut toml = String::from("[lake]\nname = \"wide\"\n\n[lake.defaults]\ncatalog = \"both\"\n");
    for e in 0..events {
        toml.push_str(&format!("\n[events.event_{e:03}]\npartition_key = \"id\"\n\n[events.event_{e:03}.fields]\nid = {{ type = \"string\", required = true }}\n"));
        for f in 0..fields {
            toml.push_str(&format!(
                "field_{f:03} = {{ type = \"bigint\", doc = \"Field {f} of event {e}\" }}\n"
            ));
        }
    }
    match eventlake_schema::load_str(&toml, "wide.toml") {
        Ok(l) => l.schema,
        Err(r) => panic!("{}", r.render(false)),
    }
}

/// The raw bucket's lifecycle rules of a lake: `(prefix, days)`, `None` for bucket-wide.
fn raw_expiration_rules(schema: &Schema) -> (usize, Vec<(Option<String>, u64)>) {
    let plan = LakePlan::new(schema);
    let logical = &plan.raw_bucket.logical;
    for a in stacks(schema) {
        let doc = parse(&a.contents, &a.path);
        let Some(bucket) = get(&doc, "Resources").and_then(|r| get(r, logical)) else {
            continue;
        };
        let rules = get(bucket, "Properties")
            .and_then(|p| get(p, "LifecycleConfiguration"))
            .and_then(|l| get(l, "Rules"))
            .and_then(Yaml::as_sequence)
            .expect("lifecycle rules");
        let expiring = rules
            .iter()
            .filter_map(|r| {
                let days = get(r, "ExpirationInDays")?.as_u64()?;
                Some((
                    get(r, "Prefix").and_then(|p| p.as_str().map(str::to_owned)),
                    days,
                ))
            })
            .collect();
        return (rules.len(), expiring);
    }
    panic!("no stack declares {logical}")
}

#[test]
fn raw_backups_of_500_events_fit_s3s_lifecycle_quota_and_keep_each_retention() {
    let mut toml = String::from("[lake]\nname = \"many\"\n");
    for e in 0..500 {
        let days = if e % 10 == 0 { 7 } else { 30 };
        toml.push_str(&format!(
            "\n[events.event_{e:03}]\nraw_retention_days = {days}\n\n[events.event_{e:03}.fields]\nid = \"string\"\n"
        ));
    }
    let schema = match eventlake_schema::load_str(&toml, "many.toml") {
        Ok(l) => l.schema,
        Err(r) => panic!("{}", r.render(false)),
    };
    let (count, rules) = raw_expiration_rules(&schema);
    assert!(count <= 1000, "{count} lifecycle rules; S3 allows 1,000");
    // S3 applies the shortest expiration among the rules matching an object.
    let expires = |key: &str| {
        rules
            .iter()
            .filter(|(prefix, _)| prefix.as_deref().is_none_or(|p| key.starts_with(p)))
            .map(|(_, days)| *days)
            .min()
    };
    for e in &schema.events {
        let want = u64::from(e.settings.raw_retention_days);
        for key in [
            format!("raw/{}/year=2026/x.json", e.name),
            format!("errors/{}/raw-backup/s3-failed/x", e.name),
        ] {
            assert_eq!(expires(&key), Some(want), "{key}");
        }
    }
}

#[test]
fn a_lake_too_large_for_one_stack_is_split_into_importing_event_stacks() {
    let schema = wide_lake(60, 40);
    let out = stacks(&schema);
    assert_eq!(out.len(), 61, "shared stack + one per event");
    assert_eq!(out[0].path, "cloudformation/wide.yaml");
    assert_eq!(out[1].path, "cloudformation/wide-event_000.yaml");
    for a in &out {
        let f = cloudformation::Footprint::of(&a.contents).expect("valid YAML");
        assert!(f.exceeded().is_none(), "{}: {f:?}", a.path);
        let doc = parse(&a.contents, &a.path);
        assert_eq!(
            keys(get(&doc, "Resources")).len(),
            f.resources,
            "{}: resource count",
            a.path
        );
    }
    let shared = parse(&out[0].contents, "shared");
    let shared_resources = keys(get(&shared, "Resources"));
    assert!(
        shared_resources.contains("LakeKey") && shared_resources.contains("TestProducerFunction")
    );
    assert!(
        !shared_resources.iter().any(|r| r.starts_with("Event")),
        "no event resources in the shared stack"
    );
    let event = parse(&out[1].contents, "event");
    assert!(keys(get(&event, "Parameters")).contains("SharedStack"));
    assert!(keys(get(&event, "Resources")).contains("Event000DeliveryStream"));

    // The same lake as one stack would break the resource limit: that is why it was split.
    let total: usize = out
        .iter()
        .map(|a| {
            cloudformation::Footprint::of(&a.contents)
                .expect("valid YAML")
                .resources
        })
        .sum();
    assert!(
        total > cloudformation::MAX_RESOURCES,
        "{total} resources in all"
    );
}

#[test]
fn the_huge_fixture_splits_and_the_example_does_not() {
    for (name, schema) in lakes() {
        let out = stacks(&schema);
        let total: usize = out
            .iter()
            .map(|a| {
                cloudformation::Footprint::of(&a.contents)
                    .expect("valid YAML")
                    .resources
            })
            .sum();
        let split = out.len() > 1;
        assert_eq!(
            split,
            total > cloudformation::MAX_RESOURCES
                || out.iter().map(|a| a.contents.len()).sum::<usize>()
                    > cloudformation::MAX_TEMPLATE_BYTES,
            "{name}: split = {split} with {total} resources"
        );
        if name == "huge" {
            assert!(split, "the 60-event fixture must be split");
        }
        if name == "example" {
            assert!(!split, "the example lake fits one stack");
        }
        for a in &out {
            let header: Vec<&str> = a
                .contents
                .lines()
                .take_while(|l| l.starts_with('#'))
                .collect();
            assert!(
                header
                    .iter()
                    .any(|l| l.contains("aws cloudformation deploy")),
                "{}",
                a.path
            );
            assert_eq!(
                header.iter().any(|l| l.contains("--s3-bucket")),
                a.contents.len() > cloudformation::MAX_INLINE_BYTES,
                "{}: the deploy command needs --s3-bucket exactly above the inline limit",
                a.path
            );
        }
    }
}

#[test]
fn footprint_names_the_broken_limit() {
    let f = cloudformation::Footprint {
        resources: 501,
        outputs: 3,
        bytes: 10,
    };
    assert!(f.exceeded().is_some_and(|m| m.contains("500")));
    let f = cloudformation::Footprint {
        resources: 5,
        outputs: 201,
        bytes: 10,
    };
    assert!(f.exceeded().is_some_and(|m| m.contains("200")));
    let f = cloudformation::Footprint {
        resources: 5,
        outputs: 3,
        bytes: 2_000_000,
    };
    assert!(f.exceeded().is_some_and(|m| m.contains("1048576")));
    let f = cloudformation::Footprint {
        resources: 500,
        outputs: 200,
        bytes: 1_048_576,
    };
    assert_eq!(f.exceeded(), None);
}

// ---------------------------------------------------------------------------------------
// The test Lambda
// ---------------------------------------------------------------------------------------

/// Runs the inline Lambda code under node with a stub `@aws-sdk/client-kinesis` that records
/// the `PutRecord` input instead of calling AWS.
fn run_lambda(code: &str, input: &str) -> Result<Json, String> {
    // A folder per call: the Lambda tests run in parallel threads of one process.
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("index.js"), code).expect("write");
    let harness = r#"
const Module = require("module");
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === "@aws-sdk/client-kinesis") {
    return {
      KinesisClient: class { constructor(cfg) { if (!cfg.requestHandler) throw new Error("no requestHandler"); }
        async send(cmd) { globalThis.sent = cmd.input; return { ShardId: "shardId-000000000000", SequenceNumber: "1" }; } },
      PutRecordCommand: class { constructor(input) { this.input = input; } },
    };
  }
  if (request === "@smithy/node-http-handler") return { NodeHttpHandler: class {} };
  return load.apply(this, arguments);
};
process.env.EVENTLAKE_ENVIRONMENT = "dev";
const { handler } = require(process.argv[2]);
handler(JSON.parse(process.argv[3])).then(
  (r) => console.log(JSON.stringify({ result: r, sent: { ...globalThis.sent, Data: Buffer.from(globalThis.sent.Data).toString() } })),
  (e) => { console.log(JSON.stringify({ error: String(e.message) })); }
);
"#;
    std::fs::write(dir.join("harness.js"), harness).expect("write");
    let out = Command::new("node")
        .arg(dir.join("harness.js"))
        .arg(dir.join("index.js"))
        .arg(input)
        .output()
        .expect("node is needed to test the inline Lambda (install Node.js 20+)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: Json = serde_json::from_str(stdout.trim())
        .map_err(|e| format!("{e}: {stdout}{}", String::from_utf8_lossy(&out.stderr)))?;
    match v.get("error") {
        Some(e) => Err(e.as_str().unwrap_or_default().to_owned()),
        None => Ok(v),
    }
}

#[test]
fn the_test_lambda_publishes_samples_and_payloads_with_the_partition_key() {
    let schema = load(&crate::common::repo_root().join("events.toml"));
    let text = &stacks(&schema)[0].contents;
    let doc = parse(text, "example");
    let function = get(
        get(&doc, "Resources").expect("resources"),
        "TestProducerFunction",
    )
    .expect("function");
    let props = get(function, "Properties").expect("props");
    assert_eq!(
        get(props, "Runtime").and_then(Yaml::as_str),
        Some("nodejs22.x")
    );
    assert_eq!(
        get(props, "Handler").and_then(Yaml::as_str),
        Some("index.handler")
    );
    let code = get(props, "Code")
        .and_then(|c| get(c, "ZipFile"))
        .and_then(Yaml::as_str)
        .expect("inline code");
    assert!(code.contains("exports.handler = async"));
    assert!(!code.contains("import "), "CommonJS only");

    // The sample of an event, keyed by its partition key.
    let v = run_lambda(code, r#"{"event": "order_placed"}"#).expect("sample");
    let sample = eventlake_schema::sample::sample_event(&schema.events[0]);
    assert_eq!(v["sent"]["StreamName"], "shop-dev-order_placed");
    assert_eq!(v["sent"]["PartitionKey"], "1042");
    let data: Json = serde_json::from_str(v["sent"]["Data"].as_str().expect("data")).expect("json");
    assert_eq!(data, sample);

    // A given payload; a camelCase partition key (staff_id is sent as staffId).
    let v = run_lambda(
        code,
        r#"{"event": "staff_updated", "payload": {"staffId": 7, "staffName": "x"}}"#,
    )
    .expect("payload");
    assert_eq!(v["sent"]["StreamName"], "shop-dev-staff_updated");
    assert_eq!(v["sent"]["PartitionKey"], "7");
    assert_eq!(v["sent"]["Data"], r#"{"staffId":7,"staffName":"x"}"#);
    assert_eq!(v["result"]["shardId"], "shardId-000000000000");

    // No partition-key value: a random key.
    let v =
        run_lambda(code, r#"{"event": "payment_captured", "payload": {}}"#).expect("random key");
    assert_eq!(v["sent"]["PartitionKey"].as_str().map(str::len), Some(36));

    let e = run_lambda(code, r#"{"event": "nope"}"#).expect_err("unknown event");
    assert!(
        e.contains("order_placed, payment_captured, staff_updated"),
        "{e}"
    );
    let e = run_lambda(code, r#"{"event": "order_placed", "payload": [1]}"#)
        .expect_err("array payload");
    assert!(e.contains("JSON object"), "{e}");
}

// ---------------------------------------------------------------------------------------
// The example stack and determinism
// ---------------------------------------------------------------------------------------

/// The example stack's text is the committed out/cloudformation/shop.yaml, kept current by
/// the freshness test; here, only that it is one file with the header.
#[test]
fn example_stack_is_one_file_with_the_header() {
    let schema = load(&crate::common::repo_root().join("events.toml"));
    let out = stacks(&schema);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].path, "cloudformation/shop.yaml");
    assert!(
        out[0]
            .contents
            .starts_with("# @generated by eventlake from events.toml; do not edit\n")
    );
}

#[test]
fn rendering_is_deterministic() {
    for (name, schema) in lakes() {
        assert_eq!(
            stacks(&schema),
            stacks(&schema),
            "{name}: two renders differ"
        );
    }
}
