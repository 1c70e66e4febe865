//! The fixture corpus: every valid lake loads; every invalid one fails with the error its
//! first line announces (`# expect: …`), every span lies inside the file, and the rendered
//! diagnostics are snapshotted.

use std::path::{Path, PathBuf};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn valid_fixtures_load_without_errors() {
    let files = fixtures("valid");
    assert!(files.len() >= 10, "keep at least 10 valid fixture lakes");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events.toml");
    for path in files.iter().chain([&example]) {
        if let Err(report) = eventlake_schema::load_path(path) {
            panic!(
                "{} should be valid:\n{}",
                path.display(),
                report.render(false)
            );
        }
    }
}

#[test]
fn invalid_fixtures_fail_with_the_announced_error() {
    let files = fixtures("invalid");
    assert!(
        files.len() >= 25,
        "keep at least 25 invalid fixtures, one per error class"
    );
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} must start with `# expect: <message>`", path.display()));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let report = match eventlake_schema::load_str(&text, &format!("fixtures/{name}")) {
            Ok(_) => panic!("{} should be invalid", path.display()),
            Err(r) => r,
        };
        assert!(report.error_count() > 0);
        for d in &report.diagnostics {
            assert!(
                d.span.start <= d.span.end && d.span.end <= text.len(),
                "{}: span {:?} outside the file",
                path.display(),
                d.span
            );
        }
        let rendered = report.render(false);
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.message.contains(expect)),
            "{}: expected an error containing {expect:?}, got:\n{rendered}",
            path.display()
        );
        insta::assert_snapshot!(
            format!("invalid__{}", name.trim_end_matches(".toml")),
            rendered
        );
    }
}

#[test]
fn diagnostics_carry_line_and_column() {
    let src = "[lake]\nname = \"shop\"\n\n[events.a.fields]\nx = \"strin\"\n";
    let report = eventlake_schema::load_str(src, "events.toml").expect_err("invalid");
    let d = &report.diagnostics[0];
    assert_eq!(d.line_col(src), (5, 6));
    assert!(report.render(false).contains("--> events.toml:5:6"));
    assert_eq!(
        d.one_line(src, "events.toml"),
        "events.toml:5:6: error: unknown type `strin` (help: did you mean `string`?)"
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let src = "[lake]\nname = \"Bad\"\n[events.a.fields]\nx = \"foo\"\ny = \"decimal(99,1)\"\nz = { type = \"int\", enum = [\"a\"] }\n";
    let report = eventlake_schema::load_str(src, "events.toml").expect_err("invalid");
    assert_eq!(report.error_count(), 4, "{}", report.render(false));
}
