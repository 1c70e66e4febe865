//! Athena SQL: every `.sql` file of every valid lake parses with sqlglot's `athena` dialect
//! (one Python process for all files) into the expected number of statements; the DDL
//! round-trips to the Glue `TableInput` (columns, types, comments, partition keys,
//! location, properties); the queries file is exactly the starter-query list; snapshots of
//! the example lake's SQL.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::{Value, json};

use eventlake_cli::output::Artifact;
use eventlake_cli::plan::LakePlan;
use eventlake_cli::targets::athena::{
    self, NAMED_QUERY_DESCRIPTION_MAX, NAMED_QUERY_NAME_MAX, StarterQuery,
};
use eventlake_cli::targets::{Context, Target, glue};
use eventlake_cli::{RenderOptions, render_all};
use eventlake_schema::Schema;

use crate::common;

/// A generation context for a schema, as `render_all` builds it.
pub fn context(schema: &Schema) -> Context<'_> {
    Context {
        schema,
        plan: LakePlan::new(schema),
        env: eventlake_cli::render::environment(None),
        source_name: "events.toml".to_owned(),
    }
}

/// Runs `py/check.py <command>` on a request written to a temporary file; returns its JSON.
pub fn run_check(command: &str, request: &Value) -> Value {
    // One request file per call: tests run in parallel threads of one process.
    let req = tempfile::Builder::new()
        .prefix(command)
        .suffix(".json")
        .tempfile()
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(req.path(), request.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("generator/tests/py/check.py");
    let out = std::process::Command::new(common::tool("python"))
        .arg(&script)
        .arg(command)
        .arg(req.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "check.py {command} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check.py {command} printed no JSON ({e})"))
}

/// One rendered event of one lake.
struct RenderedEvent {
    lake: String,
    index: usize,
    name: String,
    dir: PathBuf,
    /// Keeps `dir` until the lake's last event is dropped.
    _tmp: Rc<tempfile::TempDir>,
}

/// Renders the Athena and Glue targets of every valid lake into fresh folders (the other
/// targets are not needed here and the stack of the largest fixture is slow in debug builds).
fn rendered_events() -> Vec<(Schema, Vec<RenderedEvent>)> {
    common::valid_lakes()
        .into_iter()
        .map(|(lake, path)| {
            let schema = common::load(&path);
            let tmp = Rc::new(tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")));
            let dir = tmp.path().to_path_buf();
            for a in render_only(&schema, &[Target::Athena, Target::Glue]) {
                let p = dir.join(&a.path);
                std::fs::create_dir_all(p.parent().unwrap_or(&dir))
                    .unwrap_or_else(|e| panic!("{e}"));
                std::fs::write(&p, a.contents).unwrap_or_else(|e| panic!("{e}"));
            }
            let events = schema
                .events
                .iter()
                .enumerate()
                .map(|(index, e)| RenderedEvent {
                    lake: lake.clone(),
                    index,
                    name: e.name.clone(),
                    dir: dir.clone(),
                    _tmp: Rc::clone(&tmp),
                })
                .collect();
            (schema, events)
        })
        .collect()
}

/// Renders only `targets` in memory.
fn render_only(schema: &Schema, targets: &[Target]) -> Vec<Artifact> {
    let opts = RenderOptions {
        only: targets.to_vec(),
        ..RenderOptions::default()
    };
    render_all(schema, &opts).unwrap_or_else(|e| panic!("render failed: {e}"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_sql_file_parses_with_sqlglot_athena() {
    let lakes = rendered_events();
    let mut expected: Vec<(String, usize)> = Vec::new();
    for (schema, events) in &lakes {
        let cx = context(schema);
        for ev in events {
            let athena = ev.dir.join("athena");
            expected.push((
                athena
                    .join(format!("{}.ddl.sql", ev.name))
                    .display()
                    .to_string(),
                1,
            ));
            expected.push((
                athena
                    .join(format!("{}.queries.sql", ev.name))
                    .display()
                    .to_string(),
                athena::starter_queries(&cx, ev.index).len(),
            ));
            // The errors table's DDL (generator/src/targets/errors_table.rs).
            expected.push((
                athena
                    .join(format!("errors/{}.ddl.sql", ev.name))
                    .display()
                    .to_string(),
                1,
            ));
        }
        // Every .sql file on disk is one we expect (no stray or missing files).
        if let Some(ev) = events.first() {
            let list = |dir: PathBuf| -> Vec<PathBuf> {
                std::fs::read_dir(dir)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .collect()
            };
            let mut on_disk = BTreeSet::new();
            for p in list(ev.dir.join("athena")) {
                if p.is_dir() {
                    on_disk.extend(list(p).iter().map(|f| f.display().to_string()));
                } else {
                    on_disk.insert(p.display().to_string());
                }
            }
            let wanted: BTreeSet<String> = expected
                .iter()
                .filter(|(p, _)| p.starts_with(&ev.dir.display().to_string()))
                .map(|(p, _)| p.clone())
                .collect();
            assert_eq!(on_disk, wanted, "lake {}: athena/ files", ev.lake);
        }
    }
    assert!(
        expected.len() >= 2 * 12,
        "expected the example and the fixture lakes"
    );
    let files: Vec<&str> = expected.iter().map(|(p, _)| p.as_str()).collect();
    let answer = run_check("sql", &json!({ "files": files }));
    for (path, statements) in &expected {
        let got = &answer[path.as_str()];
        assert!(
            got["error"].is_null(),
            "{path} does not parse: {}",
            got["error"]
        );
        assert_eq!(
            got["statements"],
            json!(statements),
            "{path}: statement count"
        );
    }
}

#[test]
fn ddl_round_trips_to_the_glue_table() {
    let lakes = rendered_events();
    let paths: Vec<String> = lakes
        .iter()
        .flat_map(|(_, evs)| evs.iter())
        .map(|ev| {
            ev.dir
                .join(format!("athena/{}.ddl.sql", ev.name))
                .display()
                .to_string()
        })
        .collect();
    let answer = run_check("sql", &json!({ "files": paths }));
    for (schema, events) in &lakes {
        let cx = context(schema);
        for ev in events {
            let event = &schema.events[ev.index];
            let plan = &cx.plan.events[ev.index];
            let what = format!("lake {}, event {}", ev.lake, ev.name);
            let path = ev
                .dir
                .join(format!("athena/{}.ddl.sql", ev.name))
                .display()
                .to_string();
            let ddl = &answer[path.as_str()]["ddl"];
            assert!(ddl.is_object(), "{what}: no CREATE TABLE in {path}");
            let table = read_json(&ev.dir.join(format!("glue/{}.table.json", ev.name)));
            let sd = &table["StorageDescriptor"];

            assert_eq!(ddl["kind"], "TABLE", "{what}");
            assert_eq!(ddl["external"], true, "{what}: EXTERNAL");
            assert_eq!(ddl["exists"], true, "{what}: IF NOT EXISTS");
            assert_eq!(ddl["format"], "PARQUET", "{what}");
            assert_eq!(ddl["table"], table["Name"], "{what}: table name");

            // Columns: name, canonical type and comment, in order; equal to glue::columns.
            let triples = |cols: &Value, name: &str, ty: &str, comment: &str| -> Vec<Value> {
                cols.as_array()
                    .map(|a| {
                        a.iter()
                            .map(|c| {
                                json!([
                                    c[name],
                                    c[ty],
                                    c.get(comment).cloned().unwrap_or(Value::Null)
                                ])
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let from_ddl = triples(&ddl["columns"], "name", "type", "comment");
            assert_eq!(
                from_ddl,
                triples(&sd["Columns"], "Name", "Type", "Comment"),
                "{what}: columns"
            );
            assert_eq!(
                from_ddl,
                triples(
                    &serde_json::to_value(glue::columns(event)).expect("columns"),
                    "Name",
                    "Type",
                    "Comment"
                ),
                "{what}: columns vs glue::columns"
            );
            assert_eq!(
                triples(&ddl["partitions"], "name", "type", "comment"),
                triples(
                    &serde_json::to_value(glue::partition_keys(plan)).expect("partition keys"),
                    "Name",
                    "Type",
                    "Comment"
                ),
                "{what}: partition keys"
            );
            assert_eq!(
                ddl["comment"],
                table.get("Description").cloned().unwrap_or(Value::Null),
                "{what}: table comment"
            );
            assert_eq!(ddl["location"], sd["Location"], "{what}: location");
            let props: Vec<Value> = table["Parameters"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| json!([k, v])).collect())
                .unwrap_or_default();
            assert_eq!(
                ddl["properties"],
                Value::Array(props),
                "{what}: TBLPROPERTIES"
            );
        }
    }
}

fn check_limits(what: &str, queries: &[StarterQuery]) {
    let slugs: BTreeSet<&str> = queries.iter().map(|q| q.slug.as_str()).collect();
    assert_eq!(slugs.len(), queries.len(), "{what}: slugs must be unique");
    let names: BTreeSet<&str> = queries.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names.len(), queries.len(), "{what}: names must be unique");
    for q in queries {
        assert!(
            !q.name.is_empty() && q.name.len() <= NAMED_QUERY_NAME_MAX,
            "{what}: name {:?}",
            q.name
        );
        assert!(
            q.description.len() <= NAMED_QUERY_DESCRIPTION_MAX,
            "{what}: description too long"
        );
        assert!(
            !q.description.contains('\n'),
            "{what}: description must be one line"
        );
        assert!(
            !q.sql.trim_end().ends_with(';'),
            "{what}: {} ends with `;`",
            q.slug
        );
        assert!(
            q.sql.contains("year = EXTRACT(YEAR FROM current_date)"),
            "{what}: {} does not prune by partition:\n{}",
            q.slug,
            q.sql
        );
    }
}

#[test]
fn queries_file_is_the_starter_query_list() {
    for (lake, path) in common::valid_lakes() {
        let schema = common::load(&path);
        let cx = context(&schema);
        let artifacts = render_only(&schema, &[Target::Athena]);
        for (i, event) in schema.events.iter().enumerate() {
            let what = format!("lake {lake}, event {}", event.name);
            let queries = athena::starter_queries(&cx, i);
            check_limits(&what, &queries);
            let slugs: Vec<&str> = queries.iter().map(|q| q.slug.as_str()).collect();
            assert_eq!(&slugs[..2], ["count_today", "latest_events"], "{what}");
            let file = artifacts
                .iter()
                .find(|a| a.path == format!("athena/{}.queries.sql", event.name))
                .unwrap_or_else(|| panic!("{what}: no queries file"));
            let mut rest = file.contents.as_str();
            for q in &queries {
                let text = format!("-- {}\n-- {}\n{};\n", q.name, q.description, q.sql);
                let at = rest
                    .find(&text)
                    .unwrap_or_else(|| panic!("{what}: {} missing or out of order", q.slug));
                rest = &rest[at + text.len()..];
            }
            assert!(
                rest.trim().is_empty(),
                "{what}: extra text after the queries: {rest:?}"
            );
        }
    }
}

#[test]
fn starter_queries_cover_the_required_shapes() {
    let schema = common::load(&common::repo_root().join("events.toml"));
    let cx = context(&schema);
    let slugs = |i: usize| -> Vec<String> {
        athena::starter_queries(&cx, i)
            .into_iter()
            .map(|q| q.slug)
            .collect()
    };
    assert_eq!(
        slugs(0),
        [
            "count_today",
            "latest_events",
            "by_currency",
            "per_hour",
            "unnest_items",
            "failures_today",
            "latest_failures"
        ]
    );
    assert_eq!(
        slugs(1),
        [
            "count_today",
            "latest_events",
            "by_method",
            "per_hour",
            "failures_today",
            "latest_failures"
        ]
    );
    assert!(athena::starter_queries(&cx, 99).is_empty());

    let reserved =
        common::load(&common::repo_root().join("schema/tests/fixtures/valid/reserved_words.toml"));
    let cx = context(&reserved);
    let queries = athena::starter_queries(&cx, 0);
    for q in &queries {
        // The errors table's name is never reserved: `__errors` ends it.
        let table = if q.slug.ends_with("failures") || q.slug.starts_with("failures") {
            "FROM order__errors"
        } else {
            "FROM \"order\""
        };
        assert!(q.sql.contains(table), "{}", q.sql);
    }
    let unnest = queries.iter().find(|q| q.slug == "unnest_values");
    assert!(
        unnest.is_some_and(|q| q.sql.contains("CROSS JOIN UNNEST(e.\"values\") AS u(item)")),
        "{queries:#?}"
    );
}
