//! User text is data: random printable text, rich in what each target treats specially
//! (`${`, `*/`, `--`, backticks, quotes, `!`, `#`, `|`, `<`, newlines, non-ASCII), in every
//! place events.toml accepts text (lake and event descriptions, docs, enum values, examples,
//! JSON keys). Every artefact of every generated lake is then checked by its validator, each
//! run once over all lakes: cfn-lint, sqlglot (athena dialect), serde_json, `syn::parse_file`
//! and a Markdown table check; and the stack and DDL must carry exactly the user's text.

use std::path::PathBuf;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use serde_norway::Value as Yaml;

use crate::athena::run_check;
use crate::cloudformation::{get, parse};
use crate::common::{render, tool};

/// How many random lakes one run generates (one cfn-lint and one sqlglot process for all).
const CASES: usize = 24;

/// Random text: pieces that mean something to some target, and any printable character.
fn text(max_pieces: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("${".to_owned()),
        Just("${AWS::AccountId}".to_owned()),
        Just("${Environment}".to_owned()),
        Just("${!Literal}".to_owned()),
        Just("*/".to_owned()),
        Just("/*".to_owned()),
        Just("--".to_owned()),
        Just("`".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("\n".to_owned()),
        Just("!Ref ".to_owned()),
        Just("# ".to_owned()),
        Just("|".to_owned()),
        Just("<b>".to_owned()),
        Just(": ".to_owned()),
        Just("{{ x }}".to_owned()),
        Just("é".to_owned()),
        Just("ü日本".to_owned()),
        "[ -~]{1,6}",
    ];
    prop::collection::vec(piece, 1..max_pieces).prop_map(|p| p.concat())
}

/// A TOML basic string (JSON string escapes are a subset of TOML's for printable text).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

/// One random lake: its events.toml and the user texts it holds.
#[derive(Debug, Clone)]
struct Case {
    lake_description: String,
    event_description: String,
    doc: String,
    example: String,
    enum_values: Vec<String>,
    json_key: String,
}

fn case() -> impl Strategy<Value = Case> {
    (
        text(12),
        text(12),
        text(8),
        text(6),
        prop::collection::btree_set(text(4), 1..5),
        text(4),
    )
        .prop_map(|(l, e, d, x, v, k)| Case {
            lake_description: l,
            event_description: e,
            // Glue comments are at most 255 characters.
            doc: d.chars().take(255).collect(),
            example: x,
            enum_values: v.into_iter().collect(),
            json_key: format!("k{k}"),
        })
}

impl Case {
    fn toml(&self, lake: &str) -> String {
        let values: Vec<String> = self.enum_values.iter().map(|v| toml_str(v)).collect();
        format!(
            "[lake]\nname = \"{lake}\"\ndescription = {}\n\n\
             [events.order]\ndescription = {}\npartition_key = \"id\"\n\n\
             [events.order.fields]\n\
             id = {{ type = \"string\", required = true, doc = {}, example = {} }}\n\
             status = {{ type = \"string\", enum = [{}], doc = {} }}\n\
             renamed = {{ type = \"bigint\", json = {} }}\n",
            toml_str(&self.lake_description),
            toml_str(&self.event_description),
            toml_str(&self.doc),
            toml_str(&self.example),
            values.join(", "),
            toml_str(&self.doc),
            toml_str(&self.json_key),
        )
    }
}

/// The string CloudFormation makes of a template value that must be literal text: a plain
/// string, a `!Join` of such strings with an empty delimiter, or a `!Sub` without any
/// placeholder (`${!x}` is `${x}`). Anything CloudFormation would substitute is an error.
fn literal(v: &Yaml) -> Result<String, String> {
    match v {
        Yaml::String(s) => Ok(s.clone()),
        Yaml::Tagged(t) if t.tag == "Join" => {
            let parts = t.value.as_sequence().ok_or("!Join of a non-list")?;
            match (parts.first().and_then(Yaml::as_str), parts.get(1)) {
                (Some(""), Some(Yaml::Sequence(pieces))) => pieces
                    .iter()
                    .map(literal)
                    .collect::<Result<Vec<_>, _>>()
                    .map(|p| p.concat()),
                _ => Err(format!("unexpected !Join {v:?}")),
            }
        }
        Yaml::Tagged(t) if t.tag == "Sub" => {
            let s = t.value.as_str().ok_or("!Sub of a non-string")?;
            if s.replace("${!", "").contains("${") {
                Err(format!("user text became a placeholder: !Sub {s:?}"))
            } else {
                Ok(s.replace("${!", "${"))
            }
        }
        other => Err(format!("not literal text: {other:?}")),
    }
}

/// Checks that every Markdown table row has as many cells as its table's header.
fn markdown_tables_keep_their_shape(md: &str) -> Result<(), String> {
    let cells = |line: &str| {
        let mut n = 0;
        let mut escaped = false;
        for c in line.chars() {
            match c {
                '\\' if !escaped => escaped = true,
                '|' if !escaped => n += 1,
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
        }
        n
    };
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        match header {
            None => header = Some(cells(line)),
            Some(h) if cells(line) != h => {
                return Err(format!("row {line:?} has a different cell count"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[test]
fn random_user_text_leaves_every_artefact_valid_and_exact() {
    let mut runner = TestRunner::deterministic();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut templates: Vec<PathBuf> = Vec::new();
    let mut sql: Vec<String> = Vec::new();
    let mut ddls: Vec<(String, Case)> = Vec::new();
    for i in 0..CASES {
        let case = case().new_tree(&mut runner).expect("a case").current();
        let lake = format!("fuzz_{i:02}");
        let source = case.toml(&lake);
        let schema = match eventlake_schema::load_str(&source, "events.toml") {
            Ok(l) => l.schema,
            Err(r) => panic!(
                "case {i} is not a valid lake:\n{}\n{source}",
                r.render(false)
            ),
        };
        for a in render(&schema) {
            let path = dir.path().join(&lake).join(&a.path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, &a.contents).expect("write");
            let what = format!("case {i} {}", a.path);
            if a.path.ends_with(".yaml") {
                templates.push(path.clone());
                let doc = parse(&a.contents, &what);
                let res = get(&doc, "Resources").expect("resources");
                let text = |v: Option<&Yaml>, at: &str| {
                    literal(v.unwrap_or_else(|| panic!("{what}: no {at}")))
                        .unwrap_or_else(|e| panic!("{what}: {at}: {e}"))
                };
                let props = |id: &str| get(get(res, id).expect("resource"), "Properties");
                let db = props("GlueDatabase").and_then(|p| get(p, "DatabaseInput"));
                assert_eq!(
                    text(
                        db.and_then(|d| get(d, "Description")),
                        "database description"
                    ),
                    case.lake_description,
                    "{what}"
                );
                let table = props("OrderTable").and_then(|p| get(p, "TableInput"));
                assert_eq!(
                    text(
                        table.and_then(|t| get(t, "Description")),
                        "table description"
                    ),
                    case.event_description,
                    "{what}"
                );
                let column = table
                    .and_then(|t| get(t, "StorageDescriptor"))
                    .and_then(|s| get(s, "Columns"))
                    .and_then(|c| c.as_sequence())
                    .and_then(|c| c.first());
                assert_eq!(
                    text(column.and_then(|c| get(c, "Comment")), "column comment"),
                    case.doc,
                    "{what}"
                );
            } else if a.path.ends_with(".sql") {
                sql.push(path.display().to_string());
                if a.path.ends_with(".ddl.sql") && !a.path.starts_with("athena/errors/") {
                    ddls.push((path.display().to_string(), case.clone()));
                }
            } else if a.path.ends_with(".json") {
                serde_json::from_str::<Value>(&a.contents)
                    .unwrap_or_else(|e| panic!("{what} is not JSON ({e}):\n{}", a.contents));
            } else if a.path.ends_with(".rs") {
                syn::parse_file(&a.contents)
                    .unwrap_or_else(|e| panic!("{what} does not parse ({e}):\n{}", a.contents));
            } else if a.path.ends_with(".md") {
                markdown_tables_keep_their_shape(&a.contents)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
            }
        }
    }

    let out = std::process::Command::new(tool("cfn-lint"))
        .arg("--")
        .args(&templates)
        .output()
        .expect("cfn-lint runs");
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "cfn-lint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let answer = run_check("sql", &json!({ "files": sql }));
    for path in &sql {
        let got = &answer[path.as_str()];
        assert!(
            got["error"].is_null(),
            "{path} does not parse: {}",
            got["error"]
        );
    }
    for (path, case) in &ddls {
        let ddl = &answer[path.as_str()]["ddl"];
        assert_eq!(
            ddl["comment"],
            json!(case.event_description),
            "{path}: table comment"
        );
        assert_eq!(
            ddl["columns"][0]["comment"],
            json!(case.doc),
            "{path}: column comment"
        );
    }
}
