//! The `eventlake` binary as a user meets it: exit codes, messages, `--help`, `init`,
//! `schema-json`, `validate`, and `gen` refusing to write anything for an invalid schema.

use std::path::{Path, PathBuf};

use crate::common::{eventlake, repo_root, text};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = repo_root().join("schema/tests/fixtures").join(kind);
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    v
}

#[test]
fn invalid_schemas_exit_2_with_located_errors_and_write_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for path in fixtures("invalid") {
        let out = tmp.path().join("out");
        let out_s = out.to_string_lossy().into_owned();
        let schema = path.to_string_lossy().into_owned();
        let o = eventlake(&["gen", "--schema", &schema, "--out", &out_s], tmp.path());
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}: {}",
            path.display(),
            text(&o.stderr)
        );
        let stderr = text(&o.stderr);
        assert!(
            stderr.contains(" --> ") || stderr.contains("-->"),
            "{}: no location in\n{stderr}",
            path.display()
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            !out.exists(),
            "{}: output written for an invalid schema",
            path.display()
        );
        let v = eventlake(&["validate", "--schema", &schema], tmp.path());
        assert_eq!(v.status.code(), Some(2));
        assert!(
            v.stdout.is_empty(),
            "validate printed a summary for an invalid schema"
        );
    }
}

#[test]
fn validate_prints_a_summary_for_valid_lakes() {
    let mut lines = Vec::new();
    for path in std::iter::once(repo_root().join("events.toml")).chain(fixtures("valid")) {
        let o = eventlake(
            &["validate", "--schema", &path.to_string_lossy()],
            &repo_root(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        lines.push(format!("{name}: {}", text(&o.stdout).trim()));
    }
    insta::assert_snapshot!("validate_summaries", lines.join("\n"));
}

#[test]
fn missing_schema_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = eventlake(&["validate", "--schema", "nope.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("cannot read nope.toml"), "{stderr}");
    assert!(stderr.contains("eventlake init"), "{stderr}");
}

#[test]
fn help_reads_well() {
    let o = eventlake(&["--help"], &repo_root());
    assert_eq!(o.status.code(), Some(0));
    // The `local` feature adds the local lake's two commands and nothing else: one snapshot
    // of the rest serves both builds (so no build leaves a snapshot unasserted), and the
    // added lines are checked here.
    let help = text(&o.stdout);
    let added = |l: &&str| l.starts_with("  local ") || l.starts_with("  demo ");
    let local: Vec<&str> = help.lines().filter(added).collect();
    if cfg!(feature = "local") {
        assert!(
            local.len() == 2 && local[0].contains("The local lake"),
            "{help}"
        );
        assert!(local[1].contains("The whole walkthrough"), "{help}");
    } else {
        assert!(local.is_empty(), "{help}");
    }
    let rest: Vec<&str> = help.lines().filter(|l| !added(l)).collect();
    insta::assert_snapshot!("help", rest.join("\n"));
    let o = eventlake(&["gen", "--help"], &repo_root());
    insta::assert_snapshot!("gen_help", text(&o.stdout));
    let o = eventlake(&["--version"], &repo_root());
    assert_eq!(
        text(&o.stdout).trim(),
        format!("eventlake {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn cli_definition_is_consistent() {
    use clap::CommandFactory;
    eventlake_cli::Cli::command().debug_assert();
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = eventlake(&["init"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let path = tmp.path().join("events.toml");
    let written = std::fs::read_to_string(&path).expect("written");
    assert!(eventlake_schema::load_str(&written, "events.toml").is_ok());
    let v = eventlake(&["validate"], tmp.path());
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    std::fs::write(&path, "# mine\n").expect("write");
    let again = eventlake(&["init"], tmp.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("refusing to overwrite"));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "# mine\n");
}

#[test]
fn schema_json_matches_the_committed_file() {
    let o = eventlake(&["schema-json"], &repo_root());
    let committed =
        std::fs::read_to_string(repo_root().join("schema/events.schema.json")).expect("committed");
    assert_eq!(text(&o.stdout), committed);
}

#[test]
fn gen_is_deterministic_and_prunes_only_its_own_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let schema = tmp.path().join("events.toml");
    std::fs::copy(repo_root().join("events.toml"), &schema).expect("copy");
    let first = eventlake(&["gen"], tmp.path());
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let out = tmp.path().join("out");
    let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p
                        .strip_prefix(dir)
                        .expect("under")
                        .to_string_lossy()
                        .into_owned();
                    files.push((rel, std::fs::read(&p).expect("read")));
                }
            }
        }
        files.sort();
        files
    };
    let before = snapshot(&out);
    for (path, bytes) in &before {
        assert!(!bytes.contains(&b'\r'), "{path} has CR line endings");
        assert!(
            !String::from_utf8_lossy(bytes).contains(&*tmp.path().to_string_lossy()),
            "{path} contains an absolute path"
        );
    }
    // A user file and a file generated by an earlier run for an event that no longer exists.
    std::fs::write(out.join("notes.md"), "mine\n").expect("write");
    std::fs::write(out.join("samples/old_event.json"), "{}\n").expect("write");
    let manifest = std::fs::read_to_string(out.join(".eventlake-manifest")).expect("manifest");
    std::fs::write(
        out.join(".eventlake-manifest"),
        manifest + "samples/old_event.json\n",
    )
    .expect("write");
    let second = eventlake(&["gen"], tmp.path());
    assert_eq!(second.status.code(), Some(0));
    let stdout = text(&second.stdout);
    assert!(stdout.contains("removed"), "{stdout}");
    assert!(!out.join("samples/old_event.json").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.md")).expect("kept"),
        "mine\n"
    );
    std::fs::remove_file(out.join("notes.md")).expect("rm");
    assert_eq!(snapshot(&out), before, "a second run changed the output");
}

/// `gen --check` on a folder in each state: exit code plus what it prints (temp paths
/// replaced by `[DIR]`).
#[test]
fn check_reports_fresh_stale_missing_and_extra_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let schema = tmp.path().join("events.toml");
    std::fs::copy(
        repo_root().join("schema/tests/fixtures/valid/minimal.toml"),
        &schema,
    )
    .expect("copy");
    assert_eq!(eventlake(&["gen"], tmp.path()).status.code(), Some(0));
    let dir = tmp.path().to_string_lossy().into_owned();
    let check = |label: &str| {
        let o = eventlake(&["gen", "--check"], tmp.path());
        let shown = format!(
            "exit code: {:?}\n--- stdout\n{}--- stderr\n{}",
            o.status.code(),
            text(&o.stdout),
            text(&o.stderr)
        )
        .replace(&dir, "[DIR]");
        insta::assert_snapshot!(format!("check_{label}"), shown);
        o.status.code()
    };
    let out = tmp.path().join("out");
    assert_eq!(check("fresh"), Some(0));

    let columns = out.join("glue/ping.columns.json");
    let original = std::fs::read_to_string(&columns).expect("read");
    std::fs::write(&columns, original.replace("\"string\"", "\"int\"")).expect("write");
    assert_eq!(check("one_stale"), Some(1));
    std::fs::write(&columns, &original).expect("restore");

    std::fs::remove_file(out.join("samples/ping.json")).expect("rm");
    assert_eq!(check("one_missing"), Some(1));
    assert_eq!(eventlake(&["gen"], tmp.path()).status.code(), Some(0));

    std::fs::write(
        out.join("athena/old.ddl.sql"),
        "-- @generated by eventlake from events.toml; do not edit\n",
    )
    .expect("write");
    assert_eq!(check("one_extra"), Some(1));
}

#[test]
fn exit_code_flag_fails_only_when_files_changed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        repo_root().join("schema/tests/fixtures/valid/minimal.toml"),
        tmp.path().join("events.toml"),
    )
    .expect("copy");
    let first = eventlake(&["gen", "--exit-code"], tmp.path());
    assert_eq!(first.status.code(), Some(1), "new files are a change");
    assert!(text(&first.stderr).contains("generated files changed"));
    let second = eventlake(&["gen", "--exit-code"], tmp.path());
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
}
