//! validate accepts only what gen can write: names that fit file names and AWS limits, names
//! that stay legal Rust, and layouts within AWS quotas (docs/safety-and-limits.md).

use crate::common::{eventlake, render, text};

/// Writes `schema` to a fresh folder and returns the folder and the schema path.
fn lake_file(schema: &str) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("events.toml");
    std::fs::write(&path, schema).expect("write schema");
    let p = path.to_string_lossy().into_owned();
    (tmp, p)
}

fn one_event(name: &str) -> String {
    format!("[lake]\nname = \"shop\"\n\n[events.{name}.fields]\nid = \"string\"\n")
}

#[test]
fn an_event_name_too_long_for_a_file_name_is_refused_at_validate_with_the_limit() {
    let (tmp, schema) = lake_file(&one_event(&"e".repeat(250)));
    let o = eventlake(&["validate", "--schema", &schema], tmp.path());
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at most 207"), "{stderr}");
    assert!(stderr.contains("events.toml:4:9"), "{stderr}");
}

#[test]
fn the_longest_event_name_gives_file_names_every_filesystem_accepts() {
    let name = "e".repeat(eventlake_schema::names::MAX_EVENT_NAME_LEN);
    let schema = eventlake_schema::load_str(&one_event(&name), "events.toml")
        .expect("the longest event name is valid")
        .schema;
    for a in render(&schema) {
        for part in a.path.split('/') {
            assert!(
                part.len() <= eventlake_schema::names::MAX_FILE_NAME_LEN,
                "{} has a {}-byte component",
                a.path,
                part.len()
            );
        }
    }
    let (tmp, schema) = lake_file(&one_event(&name));
    let o = eventlake(&["gen", "--schema", &schema], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn windows_device_names_are_refused_for_lakes_and_events() {
    let (tmp, schema) =
        lake_file("[lake]\nname = \"con\"\n\n[events.aux.fields]\nid = \"string\"\n");
    let o = eventlake(&["validate", "--schema", &schema], tmp.path());
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid lake name: `con` is a device name"),
        "{stderr}"
    );
    assert!(
        stderr.contains("invalid event name: `aux` is a device name"),
        "{stderr}"
    );
}

#[test]
fn rust_keywords_and_non_ascii_enum_values_give_producers_that_parse() {
    let (tmp, schema) = lake_file(
        "[lake]\nname = \"shop\"\n\n[events.self.fields]\nself = \"string\"\n\
         status = { type = \"string\", enum = [\"self\", \"Self\", \"é\", \"ü\", \"super\", \"crate\"] }\n",
    );
    let o = eventlake(&["gen", "--schema", &schema], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rust = std::fs::read_to_string(tmp.path().join("out/rust/shop.rs")).expect("rust file");
    let file = syn::parse_file(&rust).unwrap_or_else(|e| panic!("does not parse ({e}):\n{rust}"));
    let variants: Vec<String> = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Enum(e) => Some(e.variants.iter().map(|v| v.ident.to_string())),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        variants,
        ["Self_", "Self_2", "U00e9", "U00fc", "Super", "Crate"]
    );
}

#[test]
fn a_lake_needing_more_lifecycle_rules_than_s3_allows_is_refused_at_validate() {
    // 500 events with a retention below the lake's longest need 2 rules each: 1,002 in all.
    let mut toml = String::from("[lake]\nname = \"many\"\n");
    for e in 0..=500 {
        let days = if e == 500 { 60 } else { 7 };
        toml.push_str(&format!(
            "\n[events.event_{e:03}]\nraw_retention_days = {days}\n\n[events.event_{e:03}.fields]\nid = \"string\"\n"
        ));
    }
    let (tmp, schema) = lake_file(&toml);
    let o = eventlake(&["validate", "--schema", &schema], tmp.path());
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("would need 1002 lifecycle rules; S3 allows 1000 per bucket"),
        "{stderr}"
    );
}

#[test]
fn an_event_too_wide_for_one_template_is_refused_at_validate() {
    let mut toml = String::from("[lake]\nname = \"wide\"\n\n[events.wide.fields]\n");
    for c in 0..40_000 {
        toml.push_str(&format!(
            "column_{c:05} = {{ type = \"string\", doc = \"column {c}\" }}\n"
        ));
    }
    let (tmp, schema) = lake_file(&toml);
    let o = eventlake(&["validate", "--schema", &schema], tmp.path());
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("CloudFormation allows 1048576 bytes per template"),
        "{stderr}"
    );
}

#[test]
fn a_ddl_file_longer_than_athena_accepts_gets_a_warning_and_the_limit_is_botocores() {
    // Athena's own model says how long a query may be.
    let o = std::process::Command::new(crate::common::tool("python"))
        .args([
            "-c",
            "import botocore.session as s; m = s.get_session().get_service_model('athena'); \
             print(m.operation_model('StartQueryExecution').input_shape.members['QueryString'].metadata['max'])",
        ])
        .output()
        .expect("run the pinned python");
    assert_eq!(
        text(&o.stdout).trim(),
        eventlake_schema::limits::MAX_ATHENA_QUERY_BYTES.to_string(),
        "{}",
        text(&o.stderr)
    );

    // 3,000 documented columns: the stack fits in 1 MB, the DDL does not fit Athena.
    let mut schema = "[lake]\nname = \"wide\"\n\n[events.wide.fields]\n".to_owned();
    for c in 0..3_000 {
        schema.push_str(&format!(
            "column_{c:05} = {{ type = \"string\", doc = \"{}\" }}\n",
            "d".repeat(90)
        ));
    }
    let (tmp, path) = lake_file(&schema);
    let out = tmp.path().join("out");
    let o = eventlake(
        &["gen", "--schema", &path, "--out", &out.to_string_lossy()],
        tmp.path(),
    );
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let ddl = std::fs::metadata(out.join("athena/wide.ddl.sql")).expect("ddl written");
    assert!(ddl.len() > 262_144, "{}", ddl.len());
    assert!(
        stderr.contains(&format!(
            "athena/wide.ddl.sql is {} bytes, above Athena's 262144-byte query limit",
            ddl.len()
        )),
        "{stderr}"
    );
    // The example lake's DDL files are far below it: no such warning.
    let o = eventlake(
        &[
            "gen",
            "--schema",
            &crate::common::repo_root()
                .join("events.toml")
                .to_string_lossy(),
            "--out",
            &tmp.path().join("example").to_string_lossy(),
        ],
        tmp.path(),
    );
    assert!(
        !text(&o.stderr).contains("query limit"),
        "{}",
        text(&o.stderr)
    );
}
