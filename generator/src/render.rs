//! The template engine: one minijinja [`Environment`] with the settings and filters every
//! text template uses.
//!
//! Rules of this module:
//! - undefined values are errors (`UndefinedBehavior::Strict`), never empty strings;
//! - there is no auto-escaping; templates quote explicitly with the filters below:
//!   `yaml_str` (a double-quoted YAML scalar), `ddl_ident` / `dml_ident` (Athena DDL and DML
//!   identifiers, quoted only when needed), `sql_str` (a single-quoted SQL literal),
//!   `ddl_str` (a single-quoted Hive/Athena DDL literal, backslash escapes) and `json`
//!   (compact JSON);
//! - templates come from the binary (`templates/` embedded at build time) unless
//!   `--templates DIR` has a file of the same name.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};

use crate::plan;
use crate::templates::EMBEDDED;

/// Builds the environment; `overrides` is the `--templates` folder.
pub fn environment(overrides: Option<&Path>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_auto_escape_callback(|_| AutoEscape::None);
    let overrides: Option<PathBuf> = overrides.map(Path::to_path_buf);
    env.set_loader(move |name| {
        if let Some(dir) = &overrides {
            let text = crate::templates::read_override(dir, name)
                .map_err(|e| Error::new(ErrorKind::InvalidOperation, e))?;
            if text.is_some() {
                return Ok(text);
            }
        }
        Ok(EMBEDDED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| (*text).to_owned()))
    });
    env.add_filter("yaml_str", yaml_str);
    env.add_filter("ddl_ident", |s: String| plan::ddl_ident(&s));
    env.add_filter("dml_ident", |s: String| plan::dml_ident(&s));
    env.add_filter("sql_str", sql_str);
    env.add_filter("ddl_str", ddl_str);
    env.add_filter("json", json);
    env
}

/// A template value as text: a string as it is, anything else as minijinja prints it.
fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// A double-quoted YAML scalar. JSON string syntax is a subset of YAML's double-quoted
/// style, so serde_json's escaping is exact.
pub fn yaml_str(value: &Value) -> Result<String, Error> {
    let s = text(value);
    serde_json::to_string(&s).map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))
}

/// A single-quoted SQL string literal (`'it''s'`).
pub fn sql_str(value: &Value) -> String {
    let s = text(value);
    format!("'{}'", s.replace('\'', "''"))
}

/// A single-quoted string literal for Athena DDL (Hive syntax): Hive reads `''` as two
/// adjacent literals (`'it''s'` is `its`), so quotes and backslashes are escaped with a
/// backslash, and line breaks and tabs are written as `\n`, `\r`, `\t`.
pub fn ddl_str(value: &Value) -> String {
    let s = text(value);
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Compact JSON of any value.
pub fn json(value: &Value) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))
}

/// Renders template `name` with `ctx`, mapping errors to a message with the template's
/// source context.
pub fn render(
    env: &Environment<'_>,
    name: &str,
    ctx: impl serde::Serialize,
) -> Result<String, crate::Error> {
    let ctx = Value::from(minijinja::value::Serde(ctx));
    let result = env.get_template(name).and_then(|t| t.render(ctx));
    result.map_err(|e| crate::Error::Template {
        name: name.to_owned(),
        detail: format!("{:#}", e.display_debug_info()).trim().to_owned() + "\n" + &e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_strings_escape_everything_yaml_cares_about() {
        let v = Value::from("a: \"b\" #c\n\t!Ref");
        assert_eq!(
            yaml_str(&v).ok().as_deref(),
            Some(r#""a: \"b\" #c\n\t!Ref""#)
        );
    }

    #[test]
    fn sql_strings_double_single_quotes() {
        assert_eq!(sql_str(&Value::from("it's")), "'it''s'");
    }

    #[test]
    fn ddl_strings_escape_with_backslashes() {
        assert_eq!(ddl_str(&Value::from("it's a \\ \n")), r"'it\'s a \\ \n'");
    }

    #[test]
    fn undefined_values_are_errors() {
        let mut env = environment(None);
        env.add_template("t", "{{ missing }}")
            .expect("the template parses");
        let out = env.get_template("t").and_then(|t| t.render(()));
        assert!(out.is_err());
    }
}
