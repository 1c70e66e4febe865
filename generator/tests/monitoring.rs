//! Monitoring in the stack: every CloudWatch alarm and every dashboard metric of every lake
//! reads a (namespace, metric, dimension, statistic) of the documented table
//! (`DOCUMENTED_METRICS`, sources in docs/operations.md); every alarm says how it treats
//! missing data and notifies the lake's topic; the settings turn alarms off and the
//! "no records" alarm on; the topic's key lets CloudWatch publish.

use serde_json::Value as Json;
use serde_norway::Value as Yaml;

use eventlake_cli::targets::monitoring::{
    self, Alarm, DOCUMENTED_METRICS, DocumentedMetric, MissingData,
};
use eventlake_cli::{RenderOptions, Target, render_all};
use eventlake_schema::Schema;

use crate::cloudformation::{get, parse};
use crate::common::{load, repo_root, valid_lakes};

/// The stacks of a lake, parsed.
fn stacks(schema: &Schema) -> Vec<(String, Yaml)> {
    let opts = RenderOptions {
        only: vec![Target::Cloudformation],
        ..RenderOptions::default()
    };
    render_all(schema, &opts)
        .unwrap_or_else(|e| panic!("render failed: {e}"))
        .into_iter()
        .map(|a| {
            let doc = parse(&a.contents, &a.path);
            (a.path, doc)
        })
        .collect()
}

/// The value under a YAML tag (`!Sub "…"` → `"…"`), or the value itself.
fn untag(v: &Yaml) -> &Yaml {
    match v {
        Yaml::Tagged(t) => &t.value,
        other => other,
    }
}

fn str_at<'a>(v: &'a Yaml, key: &str) -> &'a str {
    get(v, key)
        .map(untag)
        .and_then(Yaml::as_str)
        .unwrap_or_default()
}

/// Resources of `ty` in a stack: (logical id, properties).
fn resources<'a>(doc: &'a Yaml, ty: &str) -> Vec<(String, &'a Yaml)> {
    get(doc, "Resources")
        .and_then(Yaml::as_mapping)
        .map(|m| {
            m.iter()
                .filter(|(_, r)| str_at(r, "Type") == ty)
                .filter_map(|(k, r)| Some((k.as_str()?.to_owned(), get(r, "Properties")?)))
                .collect()
        })
        .unwrap_or_default()
}

fn documented(namespace: &str, metric: &str, dimension: &str, stat: &str) -> bool {
    DOCUMENTED_METRICS.iter().any(|m: &DocumentedMetric| {
        m.namespace == namespace
            && m.metric == metric
            && m.dimension == dimension
            && m.statistics.contains(&stat)
    })
}

fn all_lakes() -> Vec<(String, Schema)> {
    let mut lakes: Vec<(String, Schema)> = valid_lakes()
        .into_iter()
        .map(|(name, path)| (name, load(&path)))
        .collect();
    lakes.push(("example".to_owned(), load(&repo_root().join("events.toml"))));
    lakes
}

#[test]
fn every_alarm_and_dashboard_metric_is_documented() {
    let mut alarms = 0;
    let mut dashboard_metrics = 0;
    for (lake, schema) in all_lakes() {
        for (path, doc) in stacks(&schema) {
            for (id, p) in resources(&doc, "AWS::CloudWatch::Alarm") {
                alarms += 1;
                let dims = get(p, "Dimensions").and_then(Yaml::as_sequence);
                let [dim] = dims.map(Vec::as_slice).unwrap_or_default() else {
                    panic!("{lake} {path} {id}: exactly one dimension");
                };
                let triple = (
                    str_at(p, "Namespace"),
                    str_at(p, "MetricName"),
                    str_at(dim, "Name"),
                    str_at(p, "Statistic"),
                );
                assert!(
                    documented(triple.0, triple.1, triple.2, triple.3),
                    "{lake} {path} {id}: {triple:?} is not in DOCUMENTED_METRICS"
                );
                assert!(
                    ["breaching", "notBreaching"].contains(&str_at(p, "TreatMissingData")),
                    "{lake} {path} {id}: missing-data treatment"
                );
                assert!(
                    get(p, "AlarmActions")
                        .and_then(Yaml::as_sequence)
                        .is_some_and(|a| a.len() == 1),
                    "{lake} {path} {id}: notifies the topic"
                );
            }
            for (id, p) in resources(&doc, "AWS::CloudWatch::Dashboard") {
                let body: Json = serde_json::from_str(str_at(p, "DashboardBody"))
                    .unwrap_or_else(|e| panic!("{lake} {path} {id}: body is not JSON: {e}"));
                let widgets = body["widgets"].as_array().expect("widgets");
                assert!(widgets.len() <= monitoring::MAX_DASHBOARD_WIDGETS);
                for w in widgets {
                    for m in w["properties"]["metrics"].as_array().expect("metrics") {
                        dashboard_metrics += 1;
                        let s = |i: usize| m[i].as_str().unwrap_or_default();
                        let stat = m[4]["stat"].as_str().unwrap_or_default();
                        assert!(
                            documented(s(0), s(1), s(2), stat),
                            "{lake} {path} {id}: {m} is not in DOCUMENTED_METRICS"
                        );
                    }
                }
            }
        }
    }
    assert!(
        alarms > 50 && dashboard_metrics > 50,
        "{alarms} alarms, {dashboard_metrics} dashboard metrics"
    );
}

#[test]
fn an_undocumented_triple_is_caught() {
    // The table is what the check above relies on: a wrong dimension or statistic of a real
    // metric is not in it.
    let schema = load(&repo_root().join("events.toml"));
    let plan = eventlake_cli::plan::LakePlan::new(&schema);
    let mut alarm: Alarm = monitoring::alarms(&schema.events[0], &plan.events[0])
        .into_iter()
        .next()
        .expect("alarms are on by default");
    assert!(monitoring::documented(&alarm).is_some());
    alarm.dimension = monitoring::STREAM_NAME;
    assert!(monitoring::documented(&alarm).is_none());
    alarm.dimension = monitoring::DELIVERY_STREAM_NAME;
    alarm.statistic = "Average";
    assert!(monitoring::documented(&alarm).is_none());
}

fn lake_with(settings: &str) -> Schema {
    let src = format!(
        "[lake]\nname = \"ops\"\n\n[lake.defaults]\n{settings}\n\n\
         [events.a.fields]\nid = \"string\"\n\n\
         [events.b]\npartitioning = \"event_time\"\ntime_field = \"at\"\n[events.b.fields]\nat = {{ type = \"timestamp\", required = true }}\n"
    );
    match eventlake_schema::load_str(&src, "events.toml") {
        Ok(l) => l.schema,
        Err(r) => panic!("{}", r.render(false)),
    }
}

fn alarm_ids(schema: &Schema) -> Vec<String> {
    stacks(schema)
        .iter()
        .flat_map(|(_, doc)| resources(doc, "AWS::CloudWatch::Alarm"))
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn settings_turn_alarms_off_and_the_no_records_alarm_on() {
    let default = alarm_ids(&lake_with(""));
    // Arrival-time `a`: 5 alarms; event-time `b`: 6 (the partition limit too).
    assert_eq!(default.len(), 11, "{default:?}");
    assert!(default.contains(&"BPartitionLimitAlarm".to_owned()));
    assert!(!default.contains(&"APartitionLimitAlarm".to_owned()));
    assert!(!default.iter().any(|id| id.ends_with("NoRecordsAlarm")));

    assert!(alarm_ids(&lake_with("alarms = false")).is_empty());

    let schema = lake_with("alarm_no_records_minutes = 30");
    let plan = eventlake_cli::plan::LakePlan::new(&schema);
    let no_records: Vec<Alarm> = monitoring::alarms(&schema.events[0], &plan.events[0])
        .into_iter()
        .filter(|a| a.metric == "IncomingRecords")
        .collect();
    let [a] = no_records.as_slice() else {
        panic!("{no_records:?}");
    };
    // Kinesis publishes no datapoint when nothing was put: silence must breach.
    assert_eq!(a.treat_missing_data, MissingData::Breaching);
    assert_eq!((a.period, a.evaluation_periods), (60, 30));
}

#[test]
fn the_topic_is_encrypted_with_a_key_cloudwatch_may_use() {
    let schema = load(&repo_root().join("events.toml"));
    let docs = stacks(&schema);
    let (_, doc) = &docs[0];
    let topics = resources(doc, "AWS::SNS::Topic");
    let [(_, topic)] = topics.as_slice() else {
        panic!("one topic");
    };
    let key_ref = get(topic, "KmsMasterKeyId").expect("a KMS key");
    let key_id = untag(key_ref).as_str().expect("!Ref of the key");
    assert!(!key_id.starts_with("alias/aws/"), "not the AWS-managed key");
    let keys = resources(doc, "AWS::KMS::Key");
    let (_, key) = keys
        .iter()
        .find(|(id, _)| id == key_id)
        .expect("the topic's key is in the stack");
    let statements = get(get(key, "KeyPolicy").expect("policy"), "Statement")
        .and_then(Yaml::as_sequence)
        .expect("statements");
    assert!(
        statements.iter().any(|s| {
            let principal = get(s, "Principal").map(|p| str_at(p, "Service"));
            let actions: Vec<&str> = get(s, "Action")
                .and_then(Yaml::as_sequence)
                .map(|a| a.iter().filter_map(Yaml::as_str).collect())
                .unwrap_or_default();
            principal == Some("cloudwatch.amazonaws.com")
                && actions.contains(&"kms:Decrypt")
                && actions.contains(&"kms:GenerateDataKey*")
        }),
        "CloudWatch may use the topic's key"
    );
}

#[test]
fn a_big_lake_gets_several_dashboards_within_the_quotas() {
    let n = monitoring::EVENTS_PER_DASHBOARD + 5;
    let mut src = String::from("[lake]\nname = \"big\"\n");
    for i in 0..n {
        src.push_str(&format!("\n[events.e{i:03}.fields]\nid = \"string\"\n"));
    }
    let schema = match eventlake_schema::load_str(&src, "events.toml") {
        Ok(l) => l.schema,
        Err(r) => panic!("{}", r.render(false)),
    };
    let plan = eventlake_cli::plan::LakePlan::new(&schema);
    let bodies = monitoring::dashboard_bodies(&plan.events);
    assert_eq!(bodies.len(), 2);
    let mut titles = 0;
    for body in &bodies {
        let body: Json = serde_json::from_str(body).expect("JSON");
        let widgets = body["widgets"].as_array().expect("widgets");
        assert!(widgets.len() <= monitoring::MAX_DASHBOARD_WIDGETS);
        let metrics: usize = widgets
            .iter()
            .map(|w| w["properties"]["metrics"].as_array().map_or(0, Vec::len))
            .sum();
        assert!(metrics <= monitoring::MAX_DASHBOARD_METRICS);
        titles += widgets.len();
    }
    // Every event has its row of four widgets, in one of the dashboards.
    assert_eq!(titles, 4 * n);
}
