//! Event-time partitioning: the stack's JQ `MetadataExtractionQuery`, run by libjq (the `jq`
//! package in the test venv), puts a record in the partition the schema's timestamp model
//! computes (`eventlake_schema::time`, which the local lake partitions with) for every
//! form OpenX accepts — canonical `…Z`, the space form with one-digit month and day, epoch
//! seconds, milliseconds and fractional seconds — and fails on values with no time part,
//! so Firehose sends those records to the error prefix instead of a wrong partition.

use serde_json::{Value, json};

use eventlake_cli::plan::LakePlan;
use eventlake_schema::time::{Instant, parse_timestamp_str};
use eventlake_schema::{PartitionColumn, Partitioning};

use crate::athena::run_check;
use crate::common::{load, valid_lakes};

/// The timestamp table every restatement of the grammar is held to: (JSON text, the instant
/// the grammar reads, whether the JQ must fail on it). The JQ is not asked to reject what the
/// grammar rejects but has a time part (`…+00:00`): OpenX's conversion sends those records to
/// the error prefix after partitioning. (The grammar itself is checked against the table in
/// tests/tests/timestamps.rs.)
fn table() -> Vec<(String, Option<Instant>, bool)> {
    let path = crate::common::repo_root().join("schema/tests/fixtures/timestamps.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows: Vec<Value> = serde_json::from_str(&text).expect("the table is JSON");
    rows.iter()
        .map(|r| {
            (
                r["json"].as_str().expect("json").to_owned(),
                r["instant"].as_str().and_then(parse_timestamp_str),
                r["jq"] == "error",
            )
        })
        .collect()
}

/// `{"year": "2024", "month": "05", …}`: the partition values of `at`, as the prefix
/// writes them.
fn expected(columns: &[PartitionColumn], at: Instant) -> Value {
    let (y, mo, d, h, _, _) = at.civil();
    let mut out = serde_json::Map::new();
    for c in columns {
        let v = match c.name {
            "year" => u32::try_from(y).unwrap_or(0),
            "month" => mo,
            "day" => d,
            _ => h,
        };
        let width = usize::from(c.digits);
        out.insert(c.name.to_owned(), json!(format!("{v:0width$}")));
    }
    Value::Object(out)
}

#[test]
fn the_jq_query_partitions_every_accepted_time_form_like_the_local_lake() {
    let table = table();
    let checked: Vec<_> = table.iter().filter(|c| c.1.is_some() || c.2).collect();
    let mut cases = Vec::new();
    let mut expectations = Vec::new();
    for (lake, path) in valid_lakes() {
        let schema = load(&path);
        let plan = LakePlan::new(&schema);
        for (event, ep) in schema.events.iter().zip(&plan.events) {
            if event.settings.partitioning != Partitioning::EventTime {
                assert!(ep.jq_query.is_none(), "{lake}/{}", event.name);
                continue;
            }
            let query = ep
                .jq_query
                .clone()
                .expect("event-time events have a JQ query");
            let field = event
                .time_field
                .as_deref()
                .and_then(|f| event.field(f))
                .expect("event-time events have a time field");
            for (i, (value, at, _)) in checked.iter().copied().enumerate() {
                let record: Value =
                    serde_json::from_str(&format!("{{{}: {value}}}", json!(field.json_key())))
                        .expect("record");
                let id = format!("{lake}/{}/{i}", event.name);
                let want = at.map(|at| expected(event.partition_columns(), at));
                cases.push(json!({"id": id, "query": query, "record": record}));
                expectations.push((id, value.clone(), want));
            }
        }
    }
    assert!(
        expectations.len() >= checked.len() * 2,
        "the fixtures have event-time events"
    );
    let answers = run_check("jq", &json!({ "cases": cases }));
    let mut wrong = Vec::new();
    for (id, value, want) in expectations {
        let answer = &answers[&id];
        let got = (answer["error"].is_null()).then(|| answer["result"].clone());
        if got != want {
            wrong.push(format!(
                "{id}: {value} → JQ {got:?} (error {}), the local lake {want:?}",
                answer["error"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
