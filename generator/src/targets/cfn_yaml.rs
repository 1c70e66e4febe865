//! The stack's YAML writer: the minijinja filters that write values and user text into
//! `cloudformation/stack.yaml.j2` (`cfn`, `cfn_text`, `cfn_block`, `yaml_block`), and the
//! placeholders of a stack ([`SubNames`]) that decide what becomes a `!Sub`.
//!
//! Why a small emitter of our own rather than serde_norway: CloudFormation reads YAML 1.1
//! (docs/safety-and-limits.md, "User text in the stack"), where plain `yes`, `no`, `on`,
//! `off`, `y`, `n` are booleans and `1_000`, `1:30` (base 60) integers; cfn-lint's PyYAML
//! also reads `2010-09-09` as a date. serde_norway writes YAML 1.2, leaves all of those plain
//! (the test `serde_norway_leaves_yaml_1_1_words_plain`) and has no per-scalar style, so a
//! column named `y` or a doc reading `yes` would reach CloudFormation as a boolean. This
//! writer double-quotes every string (JSON string syntax is a subset of YAML's double-quoted
//! scalars) and every key that is not plainly a name. It also writes each Glue column as one
//! flow mapping (`- {Name: "id", Type: "string"}`); serde_norway has no flow style, and three
//! lines per column would bring wide lakes to the 1 MB template limit (and the `validate`
//! check of it) much sooner. serde_norway reads the rendered stack back to count its
//! resources ([`super::cloudformation::Footprint`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use minijinja::{Environment, Error as TplError, ErrorKind, State, Value};
use serde_json::Value as Json;

/// Adds the filters of this module to the stack's template environment.
pub fn add_filters(env: &mut Environment<'_>) {
    env.add_filter("cfn", cfn_filter);
    env.add_filter("yaml_block", |text: String, indent| {
        yaml_block_text(&text, indent)
    });
    env.add_filter("cfn_text", cfn_text);
    env.add_filter("cfn_block", cfn_block);
}

/// `{{ value|cfn(indent) }}`: a JSON value as block YAML under a key, each entry on its own
/// line indented by `indent` spaces; placeholder strings become `!Sub`.
fn cfn_filter(state: &State<'_, '_>, value: &Value, indent: usize) -> Result<String, TplError> {
    let json: Json = serde_json::to_value(value)
        .map_err(|e| TplError::new(ErrorKind::InvalidOperation, e.to_string()))?;
    let subs = subs_of(state)?;
    let mut out = String::new();
    emit_value(&json, indent, &subs, false, &mut out);
    Ok(out)
}

/// Context key of the precomputed [`SubNames`] (computed once per stack, not per filter call).
const SUBS_KEY: &str = "__eventlake_subs";

/// The template context of a stack: `ctx`, its events and its placeholders.
pub fn with_subs(ctx: Value, events: Value, subs: Arc<SubNames>) -> Value {
    minijinja::context! { __eventlake_subs => Value::from_dyn_object(subs), events => events, ..ctx }
}

/// The stack's placeholders, from the template state.
fn subs_of(state: &State<'_, '_>) -> Result<Arc<SubNames>, TplError> {
    state
        .lookup(SUBS_KEY)
        .and_then(|v| v.downcast_object::<SubNames>())
        .ok_or_else(|| {
            TplError::new(
                ErrorKind::InvalidOperation,
                "the CloudFormation filters need the stack context",
            )
        })
}

/// `text` cut after each `$` that starts `${`: the pieces of a `!Join` whose value is
/// exactly `text` and none of which holds `${`.
fn join_pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices("${") {
        pieces.push(&text[start..=i]);
        start = i + 1;
    }
    pieces.push(&text[start..]);
    pieces
}

/// User text as one YAML value on the key's line (see the module rules).
fn literal_scalar(text: &str, subs: &SubNames) -> String {
    if !subs.has_placeholder(text) {
        return quote(text);
    }
    let pieces: Vec<String> = join_pieces(text).into_iter().map(quote).collect();
    format!("!Join [\"\", [{}]]", pieces.join(", "))
}

/// `{{ text|cfn_text }}`: user text as a YAML value whose value is exactly `text`.
fn cfn_text(state: &State<'_, '_>, text: String) -> Result<String, TplError> {
    Ok(literal_scalar(&text, &*subs_of(state)?))
}

/// `{{ text|cfn_block(indent) }}`: as `yaml_block` ([`yaml_block_text`]), for text that may hold user text; a
/// `!Join` of double-quoted pieces when it holds a placeholder of the stack.
fn cfn_block(state: &State<'_, '_>, text: String, indent: usize) -> Result<String, TplError> {
    if !subs_of(state)?.has_placeholder(&text) {
        return Ok(yaml_block_text(&text, indent));
    }
    let pad = " ".repeat(indent);
    let pieces: Vec<String> = join_pieces(&text).into_iter().map(quote).collect();
    let pieces = pieces.join(&format!("\n{pad}  - "));
    Ok(format!("!Join\n{pad}- \"\"\n{pad}- - {pieces}"))
}

/// `{{ text|yaml_block(indent) }}`: a literal block scalar (`|-`) when the text can be one
/// exactly, else a double-quoted scalar.
pub fn yaml_block_text(text: &str, indent: usize) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let representable = !body.is_empty()
        && !body.starts_with([' ', '\n'])
        && !body.ends_with('\n')
        && body.lines().all(|l| l == l.trim_end())
        && !body
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{feff}');
    if !representable {
        return quote(text);
    }
    let pad = " ".repeat(indent);
    let chomp = if text.ends_with('\n') { "|" } else { "|-" };
    let lines: Vec<String> = body
        .split('\n')
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect();
    format!("{chomp}\n{}", lines.join("\n"))
}

/// The placeholders a stack declares.
#[derive(Debug, Default)]
pub struct SubNames {
    names: BTreeSet<String>,
    renames: BTreeMap<String, String>,
}

impl minijinja::value::Object for SubNames {}

impl SubNames {
    /// The placeholders `names` (parameters, resources) and `renames` (a placeholder
    /// written as another text: a resource of the shared stack, named in an event stack).
    pub fn new(names: BTreeSet<String>, renames: BTreeMap<String, String>) -> Self {
        Self { names, renames }
    }

    fn known(&self, inner: &str) -> bool {
        inner.starts_with("AWS::")
            || self.names.contains(inner)
            || inner
                .split_once('.')
                .is_some_and(|(resource, _)| self.names.contains(resource))
    }

    /// Whether `text` holds `${Name}` with `Name` a placeholder of this stack: such text,
    /// when it is the user's, must not be written as a plain string (see the module rules).
    fn has_placeholder(&self, text: &str) -> bool {
        self.sub(text).is_some()
    }

    /// `Some(sub text)` when `s` references the stack, `None` for a plain string.
    fn sub(&self, s: &str) -> Option<String> {
        let mut out = String::with_capacity(s.len() + 8);
        let mut has_ref = false;
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) if after.starts_with('!') => {
                    out.push_str(&rest[start..start + 2 + end + 1]);
                    rest = &after[end + 1..];
                }
                Some(end) if self.renames.contains_key(&after[..end]) => {
                    has_ref = true;
                    out.push_str(&self.renames[&after[..end]]);
                    rest = &after[end + 1..];
                }
                Some(end) if self.known(&after[..end]) => {
                    has_ref = true;
                    out.push_str(&rest[start..start + 2 + end + 1]);
                    rest = &after[end + 1..];
                }
                _ => {
                    out.push_str("${!");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        has_ref.then_some(out)
    }
}

/// Keys of `cfn` values whose strings (the whole subtree) are the user's text.
const FREE_TEXT_KEYS: &[&str] = &["Description", "Comment", "ColumnToJsonKeyMappings"];

/// Whether the value under key `k` is user text (inside user text, everything is).
fn free_text(literal: bool, k: &str) -> bool {
    literal || FREE_TEXT_KEYS.contains(&k)
}

fn emit_value(v: &Json, indent: usize, subs: &SubNames, literal: bool, out: &mut String) {
    match v {
        Json::Object(m) if !m.is_empty() => {
            for (k, val) in m {
                out.push('\n');
                push_indent(out, indent);
                out.push_str(&key(k));
                out.push(':');
                emit_value(val, indent + 2, subs, free_text(literal, k), out);
            }
        }
        Json::Array(a) if !a.is_empty() => {
            for item in a {
                out.push('\n');
                push_indent(out, indent);
                out.push('-');
                emit_item(item, indent + 2, subs, literal, out);
            }
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(v, subs, literal));
        }
    }
}

/// A sequence item, after its `-`. A mapping of scalars (a Glue column) goes on one line as a
/// flow mapping.
fn emit_item(v: &Json, indent: usize, subs: &SubNames, literal: bool, out: &mut String) {
    match v {
        Json::Object(m) if !m.is_empty() && m.values().all(|x| !x.is_object() && !x.is_array()) => {
            out.push_str(" {");
            for (i, (k, val)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&key(k));
                out.push_str(": ");
                out.push_str(&scalar(val, subs, free_text(literal, k)));
            }
            out.push('}');
        }
        Json::Object(m) if !m.is_empty() => {
            for (i, (k, val)) in m.iter().enumerate() {
                if i == 0 {
                    out.push(' ');
                } else {
                    out.push('\n');
                    push_indent(out, indent);
                }
                out.push_str(&key(k));
                out.push(':');
                emit_value(val, indent + 2, subs, free_text(literal, k), out);
            }
        }
        _ => emit_value(v, indent, subs, literal, out),
    }
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn scalar(v: &Json, subs: &SubNames, literal: bool) -> String {
    match v {
        Json::String(s) if literal => literal_scalar(s, subs),
        Json::String(s) => match subs.sub(s) {
            Some(sub) => format!("!Sub {}", quote(&sub)),
            None => quote(s),
        },
        Json::Object(_) => "{}".to_owned(),
        Json::Array(_) => "[]".to_owned(),
        other => other.to_string(),
    }
}

/// A mapping key: plain when unambiguous, else double-quoted.
fn key(k: &str) -> String {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    let plain = k.starts_with(|c: char| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !WORDS.contains(&k.to_ascii_lowercase().as_str());
    if plain { k.to_owned() } else { quote(k) }
}

/// A double-quoted YAML scalar (JSON string syntax is a subset of it).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subs(names: &[&str], renames: &[(&str, &str)]) -> SubNames {
        SubNames {
            names: names.iter().map(|s| (*s).to_owned()).collect(),
            renames: renames
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn placeholders_become_sub_and_the_rest_stays_literal() {
        let s = subs(&["LakeBucket", "Role"], &[]);
        assert_eq!(s.sub("plain"), None);
        assert_eq!(s.sub("a ${x} b"), None);
        assert_eq!(
            s.sub("s3://${LakeBucket}/${x}/${AWS::Region}/${Role.Arn}")
                .as_deref(),
            Some("s3://${LakeBucket}/${!x}/${AWS::Region}/${Role.Arn}")
        );
        let r = subs(&[], &[("LakeBucket", "lake-${Environment}")]);
        assert_eq!(
            r.sub("s3://${LakeBucket}/").as_deref(),
            Some("s3://lake-${Environment}/")
        );
    }

    #[test]
    fn values_render_as_block_yaml() {
        let v = json!({"A": [{"Name": "x", "Type": "int"}, "s", {"Deep": [1], "B": true}], "yes": {}, "Num": -1});
        let mut out = String::new();
        emit_value(&v, 2, &subs(&[], &[]), false, &mut out);
        assert_eq!(
            out,
            "\n  A:\n    - {Name: \"x\", Type: \"int\"}\n    - \"s\"\n    - Deep:\n        - 1\n      B: true\n  \"yes\": {}\n  Num: -1"
        );
    }

    #[test]
    fn block_scalars_only_when_exact() {
        assert_eq!(yaml_block_text("a\n  b\n", 4), "|\n    a\n      b");
        assert_eq!(yaml_block_text("a\n\nb", 2), "|-\n  a\n\n  b");
        assert_eq!(yaml_block_text(" lead", 2), "\" lead\"");
        assert_eq!(yaml_block_text("trailing \nx", 2), "\"trailing \\nx\"");
    }

    #[test]
    fn yaml_1_1_words_and_odd_keys_are_quoted() {
        for word in ["y", "N", "yes", "No", "on", "OFF", "true", "null"] {
            assert_eq!(key(word), format!("\"{word}\""));
        }
        assert_eq!(key("Name"), "Name");
        assert_eq!(key("parquet.compression"), "parquet.compression");
        assert_eq!(key("1_000"), "\"1_000\"");
        assert_eq!(key("<<"), "\"<<\"");
        assert_eq!(quote("1:30"), "\"1:30\"");
    }

    /// The reason this module exists: if serde_norway ever quotes these, it can replace the
    /// emitter.
    #[test]
    fn serde_norway_leaves_yaml_1_1_words_plain() {
        for word in [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "1_000",
            "1:30",
            "2010-09-09",
            "<<",
        ] {
            let text = serde_norway::to_string(word).expect("a string serialises");
            assert_eq!(text.trim_end(), word, "serde_norway now quotes {word}");
        }
    }
}
