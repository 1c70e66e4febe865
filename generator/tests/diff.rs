//! `eventlake diff`: a corpus of one-edit pairs covering every change code, each with its
//! expected level and the asserted exit code; acceptances; the git forms in a throw-away
//! repository; and the create-only properties the rules rely on, checked against the
//! resource schemas bundled with cfn-lint.

use std::collections::BTreeSet;
use std::path::Path;

use eventlake_schema::evolution::ChangeCode;

use crate::common::{eventlake, repo_root, text};

/// The lake every pair starts from.
const BASE: &str = r#"[lake]
name = "shop"
description = "A shop"

[lake.defaults]
shards = 2
retention_hours = 24
buffer_interval_seconds = 60
parquet_compression = "snappy"
raw_retention_days = 30

[events.order]
partition_key = "id"
time_field = "at"

[events.order.fields]
id = { type = "string", required = true }
at = { type = "timestamp", required = true }
shipped_at = "timestamp"
qty = "int"
small = "tinyint"
mid = "smallint"
ratio = "float"
price = "decimal(12,2)"
note = { type = "string", doc = "Free text" }
code = "varchar(10)"
status = { type = "string", enum = ["new", "paid"] }
staff = { type = "string", json = "staffName" }
items = { type = "array", items = { type = "struct", fields = { sku = "string", quantity = "int" } } }
ship = { type = "struct", fields = { city = "string", zip = "string" } }
tags = "map<string,struct<weight:int>>"

[events.refund]
time_field = "at"
partitioning = "event_time"

[events.refund.fields]
id = { type = "string", required = true }
at = { type = "timestamp", required = true }
settled_at = { type = "timestamp", required = true }
amount = "decimal(12,2)"
"#;

/// One edit: replace every `from` in [`BASE`] with `to`; expect exactly these
/// `(code, level)` pairs and this exit code.
struct Case {
    name: &'static str,
    from: &'static str,
    to: &'static str,
    expect: &'static [(&'static str, &'static str)],
    exit: i32,
    args: &'static [&'static str],
}

const fn case(
    name: &'static str,
    from: &'static str,
    to: &'static str,
    expect: &'static [(&'static str, &'static str)],
    exit: i32,
) -> Case {
    Case {
        name,
        from,
        to,
        expect,
        exit,
        args: &[],
    }
}

const S: &str = "safe";
const W: &str = "warning";
const B: &str = "breaking";

const CASES: &[Case] = &[
    // columns
    case(
        "add column at the end",
        "tags = \"map<string,struct<weight:int>>\"\n",
        "tags = \"map<string,struct<weight:int>>\"\nextra = \"string\"\n",
        &[("column_added", S)],
        0,
    ),
    case(
        "add column in the middle",
        "qty = \"int\"\n",
        "qty = \"int\"\nextra = \"string\"\n",
        &[("column_added", S)],
        0,
    ),
    case(
        "add required column",
        "qty = \"int\"\n",
        "qty = \"int\"\nextra = { type = \"string\", required = true }\n",
        &[("required_column_added", W)],
        0,
    ),
    case(
        "remove column",
        "code = \"varchar(10)\"\n",
        "",
        &[("column_removed", W)],
        0,
    ),
    case(
        "rename column",
        "note = {",
        "remark = {",
        &[("column_renamed", B)],
        1,
    ),
    case(
        "reorder columns",
        "shipped_at = \"timestamp\"\nqty = \"int\"\n",
        "qty = \"int\"\nshipped_at = \"timestamp\"\n",
        &[("column_moved", S)],
        0,
    ),
    // widenings Athena lists
    case(
        "tinyint to smallint",
        "small = \"tinyint\"",
        "small = \"smallint\"",
        &[("type_widened", W)],
        0,
    ),
    case(
        "tinyint to int",
        "small = \"tinyint\"",
        "small = \"int\"",
        &[("type_widened", W)],
        0,
    ),
    case(
        "tinyint to bigint",
        "small = \"tinyint\"",
        "small = \"bigint\"",
        &[("type_widened", W)],
        0,
    ),
    case(
        "smallint to int",
        "mid = \"smallint\"",
        "mid = \"int\"",
        &[("type_widened", W)],
        0,
    ),
    case(
        "smallint to bigint",
        "mid = \"smallint\"",
        "mid = \"bigint\"",
        &[("type_widened", W)],
        0,
    ),
    case(
        "int to bigint",
        "qty = \"int\"",
        "qty = \"bigint\"",
        &[("type_widened", W)],
        0,
    ),
    case(
        "float to double",
        "ratio = \"float\"",
        "ratio = \"double\"",
        &[("type_widened", W)],
        0,
    ),
    // changes Athena does not list
    case(
        "int to smallint",
        "qty = \"int\"",
        "qty = \"smallint\"",
        &[("type_changed", B)],
        1,
    ),
    case(
        "int to double",
        "qty = \"int\"",
        "qty = \"double\"",
        &[("type_changed", B)],
        1,
    ),
    case(
        "int to string",
        "qty = \"int\"",
        "qty = \"string\"",
        &[("type_changed", B)],
        1,
    ),
    case(
        "string to int",
        "note = { type = \"string\"",
        "note = { type = \"int\"",
        &[("type_changed", B)],
        1,
    ),
    case(
        "decimal scale",
        "price = \"decimal(12,2)\"",
        "price = \"decimal(12,3)\"",
        &[("type_changed", B)],
        1,
    ),
    case(
        "decimal precision",
        "price = \"decimal(12,2)\"",
        "price = \"decimal(18,2)\"",
        &[("type_changed", B)],
        1,
    ),
    case(
        "varchar longer",
        "code = \"varchar(10)\"",
        "code = \"varchar(20)\"",
        &[("text_type_changed", W)],
        0,
    ),
    case(
        "varchar to string",
        "code = \"varchar(10)\"",
        "code = \"string\"",
        &[("text_type_changed", W)],
        0,
    ),
    // inside struct, array and map
    case(
        "struct field added",
        "city = \"string\", zip = \"string\"",
        "city = \"string\", zip = \"string\", country = \"string\"",
        &[("nested_field_added", W)],
        0,
    ),
    case(
        "struct field removed",
        "city = \"string\", zip = \"string\"",
        "city = \"string\"",
        &[("nested_field_removed", W)],
        0,
    ),
    case(
        "struct field renamed",
        "city = \"string\", zip = \"string\"",
        "city = \"string\", postcode = \"string\"",
        &[("column_renamed", B)],
        1,
    ),
    case(
        "struct fields reordered",
        "city = \"string\", zip = \"string\"",
        "zip = \"string\", city = \"string\"",
        &[("nested_field_moved", W)],
        0,
    ),
    case(
        "array<struct> widening",
        "quantity = \"int\"",
        "quantity = \"bigint\"",
        &[("type_widened", W)],
        0,
    ),
    case(
        "array<struct> type change",
        "quantity = \"int\"",
        "quantity = \"string\"",
        &[("type_changed", B)],
        1,
    ),
    case(
        "map<_,struct> type change",
        "struct<weight:int>",
        "struct<weight:double>",
        &[("type_changed", B)],
        1,
    ),
    case(
        "array<struct> required",
        "quantity = \"int\"",
        "quantity = { type = \"int\", required = true }",
        &[("required_added", W)],
        0,
    ),
    // json, required, enum (both directions)
    case(
        "json key changed",
        "json = \"staffName\"",
        "json = \"staff_name\"",
        &[("json_key_changed", B)],
        1,
    ),
    case(
        "json key removed",
        "staff = { type = \"string\", json = \"staffName\" }",
        "staff = { type = \"string\" }",
        &[("json_key_changed", B)],
        1,
    ),
    case(
        "json key added",
        "qty = \"int\"",
        "qty = { type = \"int\", json = \"quantity\" }",
        &[("json_key_changed", B)],
        1,
    ),
    case(
        "json key case",
        "json = \"staffName\"",
        "json = \"StaffName\"",
        &[("json_key_case_changed", S)],
        0,
    ),
    case(
        "json key on struct field case",
        "zip = \"string\" }",
        "zip = { type = \"string\", json = \"ZIP\" } }",
        &[("json_key_case_changed", S)],
        0,
    ),
    case(
        "required added",
        "qty = \"int\"",
        "qty = { type = \"int\", required = true }",
        &[("required_added", W)],
        0,
    ),
    case(
        "required removed",
        "settled_at = { type = \"timestamp\", required = true }",
        "settled_at = \"timestamp\"",
        &[("required_removed", S)],
        0,
    ),
    case(
        "enum value added",
        "enum = [\"new\", \"paid\"]",
        "enum = [\"new\", \"paid\", \"refunded\"]",
        &[("enum_values_added", W)],
        0,
    ),
    case(
        "enum value removed",
        "enum = [\"new\", \"paid\"]",
        "enum = [\"new\"]",
        &[("enum_values_removed", W)],
        0,
    ),
    case(
        "enum restriction added",
        "note = { type = \"string\",",
        "note = { type = \"string\", enum = [\"a\"],",
        &[("enum_values_removed", W)],
        0,
    ),
    case(
        "enum restriction removed",
        "status = { type = \"string\", enum = [\"new\", \"paid\"] }",
        "status = \"string\"",
        &[("enum_values_added", W)],
        0,
    ),
    case(
        "doc changed",
        "doc = \"Free text\"",
        "doc = \"Anything the customer wrote\"",
        &[("doc_changed", S)],
        0,
    ),
    // partitions and catalog
    case(
        "partitioning to event time",
        "partition_key = \"id\"\n",
        "partition_key = \"id\"\npartitioning = \"event_time\"\n",
        &[("partitioning_changed", B)],
        1,
    ),
    case(
        "partitioning to arrival",
        "partitioning = \"event_time\"\n",
        "",
        &[("partitioning_changed", B)],
        1,
    ),
    case(
        "granularity",
        "partition_key = \"id\"\n",
        "partition_key = \"id\"\ngranularity = \"day\"\n",
        &[("granularity_changed", B)],
        1,
    ),
    case(
        "time_field, arrival",
        "time_field = \"at\"\n\n[events.order.fields]",
        "time_field = \"shipped_at\"\n\n[events.order.fields]",
        &[("time_field_changed", S)],
        0,
    ),
    case(
        "time_field, event time",
        "time_field = \"at\"\npartitioning",
        "time_field = \"settled_at\"\npartitioning",
        &[("partition_time_field_changed", W)],
        0,
    ),
    case(
        "partition_key",
        "partition_key = \"id\"",
        "partition_key = \"qty\"",
        &[("partition_key_changed", W)],
        0,
    ),
    case(
        "catalog to crawler",
        "shards = 2\n",
        "shards = 2\ncatalog = \"crawler\"\n",
        &[("projection_disabled", W), ("projection_disabled", W)],
        0,
    ),
    case(
        "catalog to both",
        "shards = 2\n",
        "shards = 2\ncatalog = \"both\"\n",
        &[("catalog_changed", S), ("catalog_changed", S)],
        0,
    ),
    case(
        "crawler schedule",
        "shards = 2\n",
        "shards = 2\ncrawler_schedule = \"cron(0 * * * ? *)\"\n",
        &[
            ("crawler_schedule_changed", S),
            ("crawler_schedule_changed", S),
        ],
        0,
    ),
    // events and the lake
    case(
        "add event",
        "[events.refund]\n",
        "[events.ping.fields]\nid = \"string\"\n\n[events.refund]\n",
        &[("event_added", S)],
        0,
    ),
    case(
        "remove event",
        "[events.refund]\ntime_field = \"at\"\npartitioning = \"event_time\"\n\n[events.refund.fields]\nid = { type = \"string\", required = true }\nat = { type = \"timestamp\", required = true }\nsettled_at = { type = \"timestamp\", required = true }\namount = \"decimal(12,2)\"\n",
        "",
        &[("event_removed", B)],
        1,
    ),
    case(
        "rename event",
        "events.refund",
        "events.refund_issued",
        &[("event_renamed", B)],
        1,
    ),
    case(
        "rename lake",
        "name = \"shop\"",
        "name = \"store\"",
        &[("lake_renamed", B)],
        1,
    ),
    case(
        "lake description",
        "description = \"A shop\"",
        "description = \"The shop\"",
        &[("doc_changed", S)],
        0,
    ),
    // settings
    case(
        "shards doubled",
        "shards = 2",
        "shards = 4",
        &[("shards_changed", S), ("shards_changed", S)],
        0,
    ),
    case(
        "shards halved",
        "shards = 2",
        "shards = 1",
        &[("shards_changed", S), ("shards_changed", S)],
        0,
    ),
    case(
        "shards x4",
        "shards = 2",
        "shards = 8",
        &[("shards_step_too_large", W), ("shards_step_too_large", W)],
        0,
    ),
    case(
        "stream mode",
        "shards = 2",
        "stream_mode = \"on_demand\"",
        &[("stream_mode_changed", S), ("stream_mode_changed", S)],
        0,
    ),
    case(
        "stream retention",
        "retention_hours = 24",
        "retention_hours = 48",
        &[
            ("stream_retention_changed", S),
            ("stream_retention_changed", S),
        ],
        0,
    ),
    case(
        "buffering",
        "buffer_interval_seconds = 60",
        "buffer_interval_seconds = 300",
        &[("buffering_changed", S), ("buffering_changed", S)],
        0,
    ),
    case(
        "compression",
        "parquet_compression = \"snappy\"",
        "parquet_compression = \"gzip\"",
        &[("compression_changed", S), ("compression_changed", S)],
        0,
    ),
    case(
        "raw retention raised",
        "raw_retention_days = 30",
        "raw_retention_days = 90",
        &[("raw_retention_raised", S), ("raw_retention_raised", S)],
        0,
    ),
    case(
        "raw retention lowered",
        "raw_retention_days = 30",
        "raw_retention_days = 7",
        &[("raw_retention_lowered", W), ("raw_retention_lowered", W)],
        0,
    ),
    // acceptances
    case(
        "stale acceptance",
        "[events.order]\n",
        "[[accept]]\nchange = \"column_renamed\"\nevent = \"order\"\ncolumn = \"remark\"\nreason = \"reviewed\"\n\n[events.order]\n",
        &[("stale_acceptance", W)],
        0,
    ),
    Case {
        name: "a warning fails with --fail-on warning",
        from: "code = \"varchar(10)\"\n",
        to: "",
        expect: &[("column_removed", W)],
        exit: 1,
        args: &["--fail-on", "warning"],
    },
    case("no change", "", "", &[], 0),
];

/// Runs `eventlake diff` on `old` → `new` texts in a fresh folder; returns the JSON report
/// (when any) and the exit code.
fn diff(old: &str, new: &str, args: &[&str]) -> (Option<serde_json::Value>, i32, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("old.toml"), old).expect("write");
    std::fs::write(tmp.path().join("events.toml"), new).expect("write");
    let mut all = vec![
        "diff",
        "--schema",
        "events.toml",
        "--against",
        "old.toml",
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    let o = eventlake(&all, tmp.path());
    let json = serde_json::from_slice(&o.stdout).ok();
    (json, o.status.code().unwrap_or(-1), text(&o.stderr))
}

fn codes(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["changes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    (
                        c["code"].as_str().unwrap_or("").to_owned(),
                        c["level"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn corpus_of_one_edit_pairs() {
    let mut failures = Vec::new();
    for c in CASES {
        assert!(
            BASE.contains(c.from),
            "{}: `{}` is not in the base lake",
            c.name,
            c.from
        );
        let new = if c.from.is_empty() {
            BASE.to_owned()
        } else {
            BASE.replace(c.from, c.to)
        };
        let (report, exit, stderr) = diff(BASE, &new, c.args);
        let Some(report) = report else {
            failures.push(format!("{}: no JSON (exit {exit}): {stderr}", c.name));
            continue;
        };
        let got = codes(&report);
        let mut want: Vec<(String, String)> = c
            .expect
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        want.sort();
        if got != want || exit != c.exit {
            failures.push(format!(
                "{}: expected {want:?} exit {}, got {got:?} exit {exit}\n{stderr}",
                c.name, c.exit
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_covers_every_code_and_enough_pairs() {
    let covered: BTreeSet<&str> = CASES
        .iter()
        .flat_map(|c| c.expect.iter().map(|(code, _)| *code))
        .collect();
    let all: BTreeSet<&str> = ChangeCode::NAMES.iter().copied().collect();
    let missing: Vec<&&str> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "codes without a pair: {missing:?}");
    assert!(CASES.len() >= 30, "{} pairs", CASES.len());
}

#[test]
fn locations_point_at_the_new_and_old_lines() {
    let new = BASE.replace("note = {", "remark = {");
    let (report, exit, _) = diff(BASE, &new, &[]);
    assert_eq!(exit, 1);
    let report = report.expect("json");
    let change = &report["changes"][0];
    assert_eq!(change["event"], "order");
    assert_eq!(change["column"], "remark");
    let line = BASE
        .lines()
        .position(|l| l.starts_with("note ="))
        .expect("line")
        + 1;
    assert_eq!(change["location"]["path"], "events.toml");
    assert_eq!(change["location"]["line"], line);
    assert_eq!(change["location"]["column"], 1);
    assert_eq!(change["old_location"]["path"], "old.toml");
    assert_eq!(change["old_location"]["line"], line);
    assert!(
        change["help"]
            .as_str()
            .unwrap_or("")
            .contains("COALESCE(remark, note)")
    );
}

#[test]
fn text_output_is_rustc_style_with_both_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("old.toml"), BASE).expect("write");
    std::fs::write(
        tmp.path().join("events.toml"),
        BASE.replace("qty = \"int\"", "qty = \"string\""),
    )
    .expect("write");
    let o = eventlake(
        &["diff", "--schema", "events.toml", "--against", "old.toml"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(
        out.contains("breaking[type_changed]: `qty` changes from `int` to `string`"),
        "{out}"
    );
    assert!(out.contains("--> events.toml:"), "{out}");
    assert!(out.contains("::: old.toml:"), "{out}");
    assert!(
        out.contains("1 breaking, 0 warnings, 0 safe between old.toml and events.toml"),
        "{out}"
    );
    assert!(
        text(&o.stderr).contains("[[accept]]"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn an_acceptance_lets_one_breaking_change_through_and_only_that_one() {
    let accept = "[[accept]]\nchange = \"column_renamed\"\nevent = \"order\"\ncolumn = \"remark\"\nreason = \"note was never filled; reviewed in #12\"\n\n";
    let renamed = BASE.replace("note = {", "remark = {");
    let accepted = format!("{accept}{renamed}");
    let (report, exit, _) = diff(BASE, &accepted, &[]);
    assert_eq!(exit, 0);
    let report = report.expect("json");
    assert_eq!(report["changes"][0]["code"], "column_renamed");
    assert_eq!(report["changes"][0]["level"], "breaking");
    assert_eq!(
        report["changes"][0]["accepted"]["reason"],
        "note was never filled; reviewed in #12"
    );
    assert_eq!(report["summary"]["accepted"], 1);

    // The same acceptance does not cover a second breaking change.
    let both = accepted.replace("qty = \"int\"", "qty = \"string\"");
    let (_, exit, stderr) = diff(BASE, &both, &[]);
    assert_eq!(exit, 1, "{stderr}");

    // Nor a rename of another column.
    let other = format!("{accept}{}", BASE.replace("mid = ", "middle = "));
    let (report, exit, _) = diff(BASE, &other, &[]);
    assert_eq!(exit, 1);
    let got = codes(&report.expect("json"));
    assert!(
        got.contains(&("stale_acceptance".to_owned(), "warning".to_owned())),
        "{got:?}"
    );
}

#[test]
fn invalid_acceptances_are_located_errors() {
    let bad = format!("[[accept]]\nchange = \"column_renamd\"\nreason = \"\"\n\n{BASE}");
    let (_, exit, stderr) = diff(BASE, &bad, &[]);
    assert_eq!(exit, 2);
    assert!(
        stderr.contains("`column_renamd` is not a change code"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `column_renamed`?"),
        "{stderr}"
    );
    assert!(stderr.contains("`reason` is empty"), "{stderr}");
    assert!(stderr.contains("--> events.toml:2:"), "{stderr}");
    // `validate` reports them too.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("events.toml"), &bad).expect("write");
    let o = eventlake(&["validate"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_old_schema_failing_todays_validation_is_compared_with_notes() {
    // A partition key that is not a field: an error today, but the file parses.
    let old = BASE.replace("partition_key = \"id\"", "partition_key = \"nope\"");
    let (report, exit, stderr) = diff(&old, BASE, &[]);
    let report = report.unwrap_or_else(|| panic!("no report: {stderr}"));
    assert_eq!(exit, 0);
    let notes = report["notes"].to_string();
    assert!(notes.contains("fails today's validation"), "{notes}");
    assert!(
        notes.contains("old.toml:13:17: error: `partition_key` names `nope`"),
        "{notes}"
    );
    assert_eq!(
        codes(&report),
        [("partition_key_changed".to_owned(), "warning".to_owned())]
    );
}

#[test]
fn an_old_lake_name_outside_todays_rules_never_panics() {
    let old = BASE.replace("name = \"shop\"", &format!("name = \"{}\"", "ß".repeat(50)));
    let (report, exit, stderr) = diff(&old, BASE, &[]);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(exit, 1, "{stderr}");
    let got = codes(&report.expect("json"));
    assert_eq!(got, [("lake_renamed".to_owned(), "breaking".to_owned())]);
}

#[test]
fn inputs_that_cannot_be_compared_exit_2() {
    let (_, exit, stderr) = diff("[lake\nname =", BASE, &[]);
    assert_eq!(exit, 2);
    assert!(stderr.contains("invalid TOML"), "{stderr}");
    let (_, exit, stderr) = diff(BASE, "[lake]\nname = 3\n", &[]);
    assert_eq!(exit, 2, "{stderr}");
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("events.toml"), BASE).expect("write");
    let o = eventlake(&["diff", "--against", "missing.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("cannot read missing.toml"),
        "{}",
        text(&o.stderr)
    );
}

// ---- git ---------------------------------------------------------------------------------

fn git(dir: &Path, args: &[&str]) {
    let o = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(o.status.success(), "git {args:?}: {}", text(&o.stderr));
}

#[test]
fn git_revisions_in_a_throwaway_repository() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("lake")).expect("mkdir");
    git(&repo, &["init", "-q", "-b", "main"]);
    let schema = repo.join("lake/events.toml");
    std::fs::write(&schema, BASE).expect("write");

    // No commit yet: nothing to compare, exit 0 with a note.
    let o = eventlake(
        &[
            "diff",
            "--schema",
            "lake/events.toml",
            "--against",
            "git:HEAD",
        ],
        &repo,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("no commit yet"),
        "{}",
        text(&o.stdout)
    );

    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "first"]);

    // The default path is the schema's, relative to the root, from any working directory.
    std::fs::write(&schema, BASE.replace("qty = \"int\"", "qty = \"string\"")).expect("write");
    let o = eventlake(
        &["diff", "--schema", "events.toml", "--against", "git:HEAD"],
        &repo.join("lake"),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("::: git:HEAD:lake/events.toml:"),
        "{}",
        text(&o.stdout)
    );

    // An explicit path, and a file the revision does not have (a new schema): exit 0, note.
    std::fs::write(repo.join("other.toml"), BASE).expect("write");
    let o = eventlake(
        &[
            "diff",
            "--schema",
            "other.toml",
            "--against",
            "git:HEAD:lake/events.toml",
        ],
        &repo,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = eventlake(
        &["diff", "--schema", "other.toml", "--against", "git:HEAD"],
        &repo,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("does not exist at `HEAD`"),
        "{}",
        text(&o.stdout)
    );

    // A bad revision: exit 2.
    let o = eventlake(
        &[
            "diff",
            "--schema",
            "lake/events.toml",
            "--against",
            "git:nope",
        ],
        &repo,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("unknown revision `nope`"),
        "{}",
        text(&o.stderr)
    );

    // A shallow clone without the base revision: exit 2 with a hint to fetch it.
    git(&repo, &["commit", "-q", "-am", "second"]);
    std::fs::write(&schema, BASE.replace("mid = ", "middle = ")).expect("write");
    git(&repo, &["commit", "-q", "-am", "third"]);
    let url = format!("file://{}", repo.display());
    git(
        tmp.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let shallow = tmp.path().join("shallow");
    let o = eventlake(
        &[
            "diff",
            "--schema",
            "lake/events.toml",
            "--against",
            "git:HEAD~2",
        ],
        &shallow,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("shallow clone"),
        "{}",
        text(&o.stderr)
    );
    assert!(text(&o.stderr).contains("git fetch"), "{}", text(&o.stderr));
    // …and once fetched, it compares.
    git(&shallow, &["fetch", "-q", "--deepen=5"]);
    let o = eventlake(
        &[
            "diff",
            "--schema",
            "lake/events.toml",
            "--against",
            "git:HEAD~2",
        ],
        &shallow,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
}

// ---- CloudFormation create-only properties ------------------------------------------------

/// The rules say which names are create-only (a change replaces the resource). Check them
/// against the resource provider schemas cfn-lint bundles, not from memory.
#[test]
fn create_only_properties_match_cfn_lints_resource_schemas() {
    let lib = repo_root().join(".venv-tools/lib");
    let site = std::fs::read_dir(&lib)
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/setup-tools", lib.display()))
        .filter_map(|e| {
            e.ok()
                .map(|e| e.path().join("site-packages/cfnlint/data/schemas"))
        })
        .find(|p| p.exists())
        .expect("cfn-lint's schemas in .venv-tools (scripts/setup-tools installs them)");
    let providers: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(site.join("providers/us-east-1.json")).expect("providers"),
    )
    .expect("json");
    let create_only = |ty: &str| -> Vec<String> {
        let hash = providers[ty]
            .as_str()
            .unwrap_or_else(|| panic!("{ty} not in cfn-lint"));
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(site.join(format!("resources/{hash}.json"))).expect("schema"),
        )
        .expect("json");
        schema["createOnlyProperties"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    // What docs/schema-evolution.md relies on.
    let relied: &[(&str, &str, bool)] = &[
        ("AWS::S3::Bucket", "/properties/BucketName", true),
        ("AWS::Kinesis::Stream", "/properties/Name", true),
        ("AWS::Kinesis::Stream", "/properties/ShardCount", false),
        (
            "AWS::Kinesis::Stream",
            "/properties/StreamModeDetails",
            false,
        ),
        (
            "AWS::Kinesis::Stream",
            "/properties/RetentionPeriodHours",
            false,
        ),
        (
            "AWS::KinesisFirehose::DeliveryStream",
            "/properties/DeliveryStreamName",
            true,
        ),
        (
            "AWS::KinesisFirehose::DeliveryStream",
            "/properties/KinesisStreamSourceConfiguration",
            true,
        ),
        (
            "AWS::KinesisFirehose::DeliveryStream",
            "/properties/ExtendedS3DestinationConfiguration",
            false,
        ),
        ("AWS::Glue::Table", "/properties/TableInput/Name", true),
        ("AWS::Glue::Table", "/properties/DatabaseName", true),
        ("AWS::Glue::Table", "/properties/TableInput", false),
        ("AWS::Glue::Database", "/properties/DatabaseName", true),
        ("AWS::Glue::Crawler", "/properties/Schedule", false),
        ("AWS::Athena::NamedQuery", "/properties/QueryString", true),
    ];
    for (ty, prop, expected) in relied {
        assert_eq!(
            create_only(ty).iter().any(|p| p == prop),
            *expected,
            "{ty} {prop}: create-only should be {expected}"
        );
    }
}

/// docs/schema-evolution.md's rule table lists every code with the level the CLI gives it.
#[test]
fn the_documented_rule_table_matches_the_levels() {
    let doc = std::fs::read_to_string(repo_root().join("docs/schema-evolution.md")).expect("docs");
    for code in ChangeCode::ALL {
        let row = format!("| `{}` | ", code.name());
        let line = doc
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("docs/schema-evolution.md has no row for `{}`", code.name()));
        let documented = line[row.len()..].split(' ').next().unwrap_or("");
        assert_eq!(
            documented,
            eventlake_cli::diff::level(*code).name(),
            "`{}`",
            code.name()
        );
    }
}
