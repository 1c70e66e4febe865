//! The built-in templates, embedded in the binary so it stands alone. A test checks that
//! every file under `templates/` is listed here.

/// `(name, text)` of every built-in template; names are paths relative to `templates/`.
pub const EMBEDDED: &[(&str, &str)] = &[
    // TEMPLATES-BEGIN (keep sorted)
    (
        "athena/ddl.sql.j2",
        include_str!("../../templates/athena/ddl.sql.j2"),
    ),
    (
        "athena/queries.sql.j2",
        include_str!("../../templates/athena/queries.sql.j2"),
    ),
    (
        "cloudformation/stack.yaml.j2",
        include_str!("../../templates/cloudformation/stack.yaml.j2"),
    ),
    (
        "cloudformation/test_lambda.js.j2",
        include_str!("../../templates/cloudformation/test_lambda.js.j2"),
    ),
    (
        "docs/README.md.j2",
        include_str!("../../templates/docs/README.md.j2"),
    ),
    // TEMPLATES-END
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_file_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&root) {
                    on_disk.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
        embedded.sort();
        assert_eq!(
            on_disk, embedded,
            "templates/ and generator/src/templates.rs disagree"
        );
    }
}
