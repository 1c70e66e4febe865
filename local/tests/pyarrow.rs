//! pyarrow (pinned in `.venv-tools`, installed by `scripts/setup-tools`) reads the Parquet
//! files of the example lake and of every fixture lake, and its schema must match the Glue
//! types column for column: decimal precision and scale, timestamps in UTC, nested types.

use std::process::Command;

use eventlake_schema::Type;

use crate::common::{files_under, repo_root};

/// How pyarrow prints the Arrow type of a Glue type.
fn pyarrow_type(ty: &Type) -> String {
    match ty {
        Type::Boolean => "bool".to_owned(),
        Type::Tinyint => "int8".to_owned(),
        Type::Smallint => "int16".to_owned(),
        Type::Int => "int32".to_owned(),
        Type::Bigint => "int64".to_owned(),
        Type::Float => "float".to_owned(),
        Type::Double => "double".to_owned(),
        Type::Decimal { precision, scale } => format!("decimal128({precision}, {scale})"),
        Type::String | Type::Varchar { .. } | Type::Char { .. } => "string".to_owned(),
        Type::Date => "date32[day]".to_owned(),
        Type::Timestamp => "timestamp[us, tz=UTC]".to_owned(),
        Type::Array { items } => format!("list<element: {}>", pyarrow_type(items)),
        Type::Map { key, value } => format!("map<{}, {}>", pyarrow_type(key), pyarrow_type(value)),
        Type::Struct { fields } => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.name, pyarrow_type(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The pinned Python of the test tools; missing tools are a failure, never a skip.
fn python() -> std::path::PathBuf {
    let p = repo_root().join(".venv-tools/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup-tools (the README's test command does)",
        p.display()
    );
    p
}

/// `map<string, string ('attributes')>` → `map<string, string>`.
fn strip_field_names(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(" ('") {
        out.push_str(&rest[..i]);
        rest = rest[i..].find("')").map_or("", |j| &rest[i + j + 2..]);
    }
    out.push_str(rest);
    out
}

const READER: &str = r#"
import sys, pyarrow.parquet as pq
for path in sys.argv[1:]:
    t = pq.read_table(path)
    print("FILE", path, t.num_rows)
    for f in t.schema:
        print(f.name + "\t" + str(f.type))
"#;

#[test]
fn pyarrow_reads_every_lake_with_the_glue_types() {
    let now = eventlake_local::parse_arrival("2024-05-01T09:30:00Z").expect("time");
    let mut lakes = vec![repo_root().join("events.toml")];
    lakes.extend(files_under(
        &repo_root().join("schema/tests/fixtures/valid"),
        "toml",
    ));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut expected: Vec<(std::path::PathBuf, Vec<String>)> = Vec::new();
    for (n, path) in lakes.iter().enumerate() {
        let schema = eventlake_schema::load_path(path).expect("valid").schema;
        let lake_dir = dir.path().join(n.to_string());
        for event in &schema.events {
            let bytes = eventlake_local::fake::ndjson(event, 20, 3, now);
            let opts = eventlake_local::IngestOptions {
                lake_dir: lake_dir.clone(),
                arrival: Some(now),
                threads: 1,
            };
            let r = eventlake_local::ingest_bytes(&schema, &event.name, &[&bytes], &opts)
                .expect("ingest");
            let file = r
                .files
                .iter()
                .find(|f| f.extension().is_some_and(|e| e == "parquet"))
                .expect("a parquet file");
            let lines = event
                .fields
                .iter()
                .map(|f| format!("{}\t{}", f.name, pyarrow_type(&f.ty)))
                .collect();
            expected.push((lake_dir.join(file), lines));
        }
    }
    let out = Command::new(python())
        .arg("-c")
        .arg(READER)
        .args(expected.iter().map(|(p, _)| p))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut blocks = text.split("FILE ").skip(1);
    for (path, lines) in &expected {
        let block = blocks.next().expect("one block per file");
        let mut it = block.lines();
        let header = it.next().unwrap_or_default();
        assert!(header.starts_with(&path.display().to_string()), "{header}");
        // Event-time events spread their 20 rows over several partitions (files).
        let rows: usize = header
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!((1..=20).contains(&rows), "row count: {header}");
        // pyarrow names a map's value field after the column when it reads Parquet
        // (`map<string, string ('attributes')>`); the type is the same.
        let got: Vec<String> = it.map(strip_field_names).collect();
        assert_eq!(got, *lines, "{}", path.display());
    }
}
