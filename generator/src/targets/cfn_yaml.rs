//! The stack's YAML writer: the minijinja filters that write values and user text into
//! `cloudformation/stack.yaml.j2` (`cfn`, `cfn_text`, `cfn_block`, `yaml_block`), and the
//! placeholders of a stack ([`SubNames`]) that decide what becomes a `!Sub`.
//!
//! A value becomes serde_norway data first (`tagged`): `!Sub` and `!Join` are
//! `TaggedValue`s there, decided once; a small writer (`write_block`) then prints that data.
//! The test `written_yaml_reads_back_as_the_same_value` checks that serde_norway reads the
//! printed text back as the same data.
//!
//! Why the printing is ours rather than serde_norway's: CloudFormation reads YAML 1.1
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
use serde_norway::Value as Yaml;
use serde_norway::value::{Tag, TaggedValue};

/// Adds the filters of this module to the stack's template environment.
pub fn add_filters(env: &mut Environment<'_>) {
    env.add_filter("cfn", cfn_filter);
    env.add_filter("yaml_block", |text: String, indent| {
        yaml_block_text(&text, indent)
    });
    env.add_filter("cfn_text", cfn_text);
    env.add_filter("cfn_block", cfn_block);
}

/// `{{ value|cfn(indent) }}`: a value as block YAML under a key, each entry on its own line
/// indented by `indent` spaces; placeholder strings become `!Sub` (see [`tagged`]).
///
/// The value goes to YAML data straight from the template value (serde_json is not in
/// between, so the workspace's `arbitrary_precision` cannot turn numbers into maps).
fn cfn_filter(state: &State<'_, '_>, value: &Value, indent: usize) -> Result<String, TplError> {
    let yaml = serde_norway::to_value(value)
        .map_err(|e| TplError::new(ErrorKind::InvalidOperation, e.to_string()))?;
    let mut out = String::new();
    write_block(&tagged(yaml, &*subs_of(state)?, false), indent, &mut out);
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

/// User text as YAML data whose value is exactly `text`: a string, or a `!Join` of its
/// pieces when it holds a placeholder of the stack (see the module rules).
fn user_text(text: String, subs: &SubNames) -> Yaml {
    if !subs.has_placeholder(&text) {
        return Yaml::String(text);
    }
    let pieces = join_pieces(&text).into_iter().map(Yaml::from).collect();
    tag(
        "Join",
        Yaml::Sequence(vec![Yaml::from(""), Yaml::Sequence(pieces)]),
    )
}

fn tag(name: &str, value: Yaml) -> Yaml {
    Yaml::Tagged(Box::new(TaggedValue {
        tag: Tag::new(name),
        value,
    }))
}

/// `{{ text|cfn_text }}`: user text as a YAML value whose value is exactly `text`.
fn cfn_text(state: &State<'_, '_>, text: String) -> Result<String, TplError> {
    Ok(flow(&user_text(text, &*subs_of(state)?)))
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

/// The YAML data of a `cfn` value: a string naming placeholders of the stack becomes
/// `!Sub`, user text (`literal`, or under a [`FREE_TEXT_KEYS`] key) goes through
/// [`user_text`], everything else stays as it is.
fn tagged(v: Yaml, subs: &SubNames, literal: bool) -> Yaml {
    match v {
        Yaml::Mapping(m) => Yaml::Mapping(
            m.into_iter()
                .map(|(k, x)| {
                    let free = literal || k.as_str().is_some_and(|k| FREE_TEXT_KEYS.contains(&k));
                    (k, tagged(x, subs, free))
                })
                .collect(),
        ),
        Yaml::Sequence(a) => {
            Yaml::Sequence(a.into_iter().map(|x| tagged(x, subs, literal)).collect())
        }
        Yaml::String(s) if literal => user_text(s, subs),
        Yaml::String(s) => match subs.sub(&s) {
            Some(sub) => tag("Sub", Yaml::String(sub)),
            None => Yaml::String(s),
        },
        other => other,
    }
}

/// Writes `v` as the value of a key: a non-empty mapping or sequence as indented block
/// lines, anything else on the key's line.
fn write_block(v: &Yaml, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Yaml::Mapping(m) if !m.is_empty() => {
            for (k, x) in m {
                out.push_str(&format!("\n{pad}{}:", key(k)));
                write_block(x, indent + 2, out);
            }
        }
        Yaml::Sequence(a) if !a.is_empty() => {
            for item in a {
                out.push_str(&format!("\n{pad}-"));
                write_item(item, indent + 2, out);
            }
        }
        _ => {
            out.push(' ');
            out.push_str(&flow(v));
        }
    }
}

/// A sequence item, after its `-`. A mapping of scalars (a Glue column) goes on one line as a
/// flow mapping; another mapping starts on the `-` line.
fn write_item(v: &Yaml, indent: usize, out: &mut String) {
    let nested = |x: &Yaml| matches!(x, Yaml::Mapping(_) | Yaml::Sequence(_));
    match v {
        Yaml::Mapping(m) if !m.is_empty() && !m.values().any(nested) => {
            out.push(' ');
            out.push_str(&flow(v));
        }
        Yaml::Mapping(m) if !m.is_empty() => {
            // As a block mapping, its first entry moved up to the `-` line (no key starts
            // with a space: odd keys are quoted).
            let mut block = String::new();
            write_block(v, indent, &mut block);
            out.push(' ');
            out.push_str(block.trim_start());
        }
        _ => write_block(v, indent, out),
    }
}

/// `v` on one line: double-quoted strings, flow collections, `!Tag value`.
fn flow(v: &Yaml) -> String {
    match v {
        Yaml::String(s) => quote(s),
        Yaml::Tagged(t) => format!("{} {}", t.tag, flow(&t.value)),
        Yaml::Sequence(a) => format!("[{}]", a.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Yaml::Mapping(m) => {
            let entries: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{}: {}", key(k), flow(x)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Null => "null".to_owned(),
    }
}

/// A mapping key: plain when unambiguous, else double-quoted.
fn key(k: &Yaml) -> String {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    let Some(k) = k.as_str() else {
        return flow(k);
    };
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

    fn yaml(text: &str) -> Yaml {
        serde_norway::from_str(text).expect("valid YAML")
    }

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
        let v = yaml("{A: [{Name: x, Type: int}, s, {Deep: [1], B: true}], 'yes': {}, Num: -1}");
        let mut out = String::new();
        write_block(&v, 2, &mut out);
        assert_eq!(
            out,
            "\n  A:\n    - {Name: \"x\", Type: \"int\"}\n    - \"s\"\n    - Deep:\n        - 1\n      B: true\n  \"yes\": {}\n  Num: -1"
        );
    }

    /// What the writer writes reads back as the same data, tags and YAML 1.1 words included.
    #[test]
    fn written_yaml_reads_back_as_the_same_value() {
        let s = subs(&["Bucket"], &[]);
        let source = r##"
            Location: "s3://${Bucket}/data/"
            Description: "costs ${Bucket} and ${x}"
            Columns:
              - {Name: y, Type: "on", Comment: "yes\nno\ttab \u0001 é"}
              - {Name: "1_000", Type: "1:30", Comment: "2010-09-09"}
            "<<": {"": [], "a: b": {}, "#": [[1, 2.5], [null, false]]}
            "ColumnToJsonKeyMappings": {"off": "${Bucket}"}
        "##;
        let value = tagged(yaml(source), &s, false);
        let mut out = String::from("root:");
        write_block(&value, 2, &mut out);
        let Yaml::Mapping(read) = yaml(&out) else {
            panic!("not a mapping: {out}")
        };
        assert_eq!(read.get("root"), Some(&value), "{out}");
        assert!(out.contains("!Sub \"s3://${Bucket}/data/\""), "{out}");
        let join = r#"!Join ["", ["costs $", "{Bucket} and $", "{x}"]]"#;
        assert!(out.contains(join), "{out}");
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
        let key = |k: &str| key(&Yaml::from(k));
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
