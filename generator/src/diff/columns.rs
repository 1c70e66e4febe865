//! Column comparison: added, removed, probably renamed and moved fields, type changes,
//! JSON keys, `required` and enums, at the top level and inside structs (also those inside
//! arrays and maps; the path skips the array or map, as in `items.quantity`).
//!
//! Rules (sources in docs/schema-evolution.md):
//! - Athena reads Parquet by name: adding, removing and reordering top-level columns keeps old
//!   files readable; renaming hides the old column's history;
//! - type changes work only on partitioned tables and only for the widenings Athena lists
//!   (tinyint→smallint/int/bigint, smallint→int/bigint, int→bigint, float→double); a widening
//!   on this lake's tables is `warning` because their partitions carry no schema of their own
//!   (projection, or a crawler that makes partitions inherit the table's), which the listed
//!   rule relies on: unverified;
//! - Athena's documentation on nested updates is not conclusive, so additions, removals and
//!   moves inside structs are `warning` (unverified), and other nested type changes breaking;
//! - Firehose's OpenX deserializer reads JSON keys case-insensitively: a key change other
//!   than letter case makes running producers' values land as NULL.

use eventlake_schema::diag::plural;
use eventlake_schema::evolution::ChangeCode as C;
use eventlake_schema::{Field, Span, Type};

use super::{At, Cx};

/// Where the fields being compared are.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// Event name.
    pub event: &'a str,
    /// Path prefix of the fields (`""` for columns, `"items."` inside `items`).
    pub prefix: &'a str,
    /// Span of the event's header in the new file (for findings about removed fields).
    pub new_event_span: &'a Span,
}

impl<'a> Scope<'a> {
    fn nested(&self) -> bool {
        !self.prefix.is_empty()
    }

    /// A change of the field at `path`, at `new` and `old` in the two files.
    fn at<'p>(&self, path: &'p str, new: Option<Span>, old: Option<Span>) -> At<'p>
    where
        'a: 'p,
    {
        At {
            event: Some(self.event),
            column: Some(path),
            new,
            old,
        }
    }
}

/// Compares two field lists (an event's columns, or a struct's fields).
pub fn compare_fields(cx: &mut Cx<'_>, scope: Scope<'_>, old: &[Field], new: &[Field]) {
    let in_new = |name: &str| new.iter().any(|f| f.name == name);
    let in_old = |name: &str| old.iter().any(|f| f.name == name);
    let removed: Vec<(usize, &Field)> = old
        .iter()
        .enumerate()
        .filter(|(_, f)| !in_new(&f.name))
        .collect();
    let mut added: Vec<(usize, &Field)> = new
        .iter()
        .enumerate()
        .filter(|(_, f)| !in_old(&f.name))
        .collect();
    let nested = scope.nested();

    for (i, gone) in removed {
        // A removal paired with an addition of the same type at the same position is most
        // likely a rename: report it once, as a rename.
        if let Some(k) = added.iter().position(|(j, f)| *j == i && f.ty == gone.ty) {
            let (_, renamed) = added.remove(k);
            let path = format!("{}{}", scope.prefix, renamed.name);
            cx.push(
                C::ColumnRenamed,
                &scope.at(&path, Some(renamed.span.clone()), Some(gone.span.clone())),
                format!(
                    "`{}{}` is probably renamed to `{path}` (same type, same position): Athena reads Parquet columns by name, so every row written before reads NULL under the new name",
                    scope.prefix, gone.name
                ),
                Some(format!(
                    "to keep the history readable, keep the name `{}` (add `json = \"{}\"` if only the producers' key changes{}), or keep `{}` next to `{}` and read `COALESCE({}, {})`",
                    gone.name,
                    renamed.json_key(),
                    if nested { "; nested keys may differ in case only" } else { "" },
                    gone.name,
                    renamed.name,
                    renamed.name,
                    gone.name
                )),
            );
            continue;
        }
        let path = format!("{}{}", scope.prefix, gone.name);
        if nested {
            cx.push(
                C::NestedFieldRemoved,
                &scope.at(&path, Some(scope.new_event_span.clone()), Some(gone.span.clone())),
                format!("struct field `{path}` is removed: old files keep it but the table no longer shows it, and Firehose drops it from what producers still send; Athena documents column removal for top-level Parquet columns only (unverified inside structs)"),
                Some("if its values still matter, keep the field; stop producers sending it first".to_owned()),
            );
        } else {
            cx.push(
                C::ColumnRemoved,
                &scope.at(&path, Some(scope.new_event_span.clone()), Some(gone.span.clone())),
                format!("column `{path}` is removed: Athena reads Parquet by name, so old files stay readable but the table no longer shows the column's history, and Firehose drops the key from what producers still send"),
                Some("if the history still matters, keep the column; to stop new values, stop sending it and leave it nullable".to_owned()),
            );
        }
    }

    for (i, f) in added {
        let path = format!("{}{}", scope.prefix, f.name);
        let place = if i + 1 == new.len() {
            "at the end"
        } else {
            "in the middle"
        };
        if nested {
            cx.push(
                C::NestedFieldAdded,
                &scope.at(&path, Some(f.span.clone()), None),
                format!("struct field `{path}` is added {place}: old rows should read NULL for it, but Athena documents adding columns for top-level Parquet columns only (unverified inside structs)"),
                Some("query an old partition after deploying to confirm it still reads".to_owned()),
            );
        } else if f.required {
            cx.push(
                C::RequiredColumnAdded,
                &scope.at(&path, Some(f.span.clone()), None),
                format!("required column `{path}` is added {place}: Athena reads Parquet by name, so rows written before read NULL although the column is required, and every producer must now send it"),
                Some("update the producers before deploying; queries must still expect NULL in old rows".to_owned()),
            );
        } else {
            cx.push(
                C::ColumnAdded,
                &scope.at(&path, Some(f.span.clone()), None),
                format!("column `{path}` is added {place}: Athena reads Parquet by name, so old rows read NULL for it"),
                None,
            );
        }
    }

    moved(cx, scope, old, new);

    for o in old {
        if let Some(n) = new.iter().find(|n| n.name == o.name) {
            compare_field(cx, scope, o, n);
        }
    }
}

/// Reports the fields whose order relative to the others changed: those outside a longest
/// common subsequence of the two orders.
fn moved(cx: &mut Cx<'_>, scope: Scope<'_>, old: &[Field], new: &[Field]) {
    let a: Vec<&str> = old
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| new.iter().any(|f| f.name == *n))
        .collect();
    let b: Vec<&str> = new
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| old.iter().any(|f| f.name == *n))
        .collect();
    if a == b {
        return;
    }
    let stay = lcs(&a, &b);
    for f in new {
        if !b.contains(&f.name.as_str()) || stay.contains(&f.name.as_str()) {
            continue;
        }
        let path = format!("{}{}", scope.prefix, f.name);
        let old_span = old
            .iter()
            .find(|o| o.name == f.name)
            .map(|o| o.span.clone());
        if scope.nested() {
            cx.push(
                C::NestedFieldMoved,
                &scope.at(&path, Some(f.span.clone()), old_span),
                format!("struct field `{path}` moved: Athena documents reordering for top-level Parquet columns only (unverified inside structs)"),
                None,
            );
        } else {
            cx.push(
                C::ColumnMoved,
                &scope.at(&path, Some(f.span.clone()), old_span),
                format!("column `{path}` moved: Athena reads Parquet by name, so the order of columns does not matter to old files"),
                None,
            );
        }
    }
}

/// The elements of a longest common subsequence of `a` and `b`.
fn lcs<'s>(a: &[&'s str], b: &[&'s str]) -> Vec<&'s str> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(a[i]);
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn compare_field(cx: &mut Cx<'_>, scope: Scope<'_>, o: &Field, n: &Field) {
    let path = format!("{}{}", scope.prefix, n.name);
    let at = scope.at(&path, Some(n.span.clone()), Some(o.span.clone()));
    if o.ty != n.ty {
        compare_types(cx, scope, &path, &o.ty, &n.ty, &at, false);
    }
    if o.json_key() != n.json_key() {
        if o.json_key().to_lowercase() == n.json_key().to_lowercase() {
            cx.push(
                C::JsonKeyCaseChanged,
                &at,
                format!("the JSON key of `{path}` changes case only (`{}` to `{}`): Firehose's OpenX deserializer matches keys case-insensitively", o.json_key(), n.json_key()),
                None,
            );
        } else {
            cx.push(
                C::JsonKeyChanged,
                &at,
                format!("the JSON key of `{path}` changes from `{}` to `{}`: Firehose now reads `{}` (ColumnToJsonKeyMappings), so values from producers still sending `{}` land as NULL", o.json_key(), n.json_key(), n.json_key(), o.json_key()),
                Some("switch every producer to the new key before deploying, or keep the old key".to_owned()),
            );
        }
    }
    match (o.required, n.required) {
        (false, true) => cx.push(
            C::RequiredAdded,
            &at,
            format!("`{path}` becomes required: producers must now always send it, and rows written before may hold NULL (Glue columns have no NOT NULL)"),
            None,
        ),
        (true, false) => cx.push(
            C::RequiredRemoved,
            &at,
            format!("`{path}` becomes optional: nothing changes in AWS (Glue has no NOT NULL); queries should expect NULL from now on"),
            None,
        ),
        _ => {}
    }
    enums(cx, &path, &at, o, n);
    if o.doc != n.doc || o.example != n.example {
        cx.push(
            C::DocChanged,
            &at,
            format!("the doc or example of `{path}` changes: the Glue column comment is updated in place"),
            None,
        );
    }
}

fn enums(cx: &mut Cx<'_>, path: &str, at: &At<'_>, o: &Field, n: &Field) {
    let (old, new) = (&o.enum_values, &n.enum_values);
    if old == new {
        return;
    }
    let gained: Vec<&str> = new
        .iter()
        .filter(|v| !old.contains(v))
        .map(String::as_str)
        .collect();
    let lost: Vec<&str> = old
        .iter()
        .filter(|v| !new.contains(v))
        .map(String::as_str)
        .collect();
    if new.is_empty() {
        cx.push(
            C::EnumValuesAdded,
            at,
            format!("`{path}` is no longer restricted to its enum: producers may send any text, and queries that expect only the listed values must change"),
            None,
        );
        return;
    }
    if old.is_empty() {
        cx.push(
            C::EnumValuesRemoved,
            at,
            format!("`{path}` becomes restricted to {}: Firehose does not check enums, so other values from running producers still land, and old rows may hold them", list(new)),
            Some("make producers send only the listed values before deploying".to_owned()),
        );
        return;
    }
    if !gained.is_empty() {
        cx.push(
            C::EnumValuesAdded,
            at,
            format!("`{path}` gains the enum value{} {}: producers built with `#[derive(DatalakeEvent)]` need the new variant{} to compile, and queries may see values they did not expect", plural(gained.len()), list(&gained), plural(gained.len())),
            None,
        );
    }
    if !lost.is_empty() {
        cx.push(
            C::EnumValuesRemoved,
            at,
            format!("`{path}` loses the enum value{} {}: Firehose does not check enums, so running producers still sending {} land it, and old rows keep it", plural(lost.len()), list(&lost), if lost.len() == 1 { "it" } else { "them" }),
            Some("stop producers sending the value before deploying".to_owned()),
        );
    }
}

fn list<S: AsRef<str>>(values: &[S]) -> String {
    values
        .iter()
        .map(|v| format!("`{}`", v.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares two types at `path`, looking through arrays and map values into structs;
/// `inside` is true below an array or a map.
fn compare_types(
    cx: &mut Cx<'_>,
    scope: Scope<'_>,
    path: &str,
    old: &Type,
    new: &Type,
    at: &At<'_>,
    inside: bool,
) {
    match (old, new) {
        (Type::Struct { fields: a }, Type::Struct { fields: b }) => {
            let prefix = format!("{path}.");
            let inner = Scope {
                prefix: &prefix,
                ..scope
            };
            compare_fields(cx, inner, a, b);
        }
        (Type::Array { items: a }, Type::Array { items: b }) => {
            compare_types(cx, scope, path, a, b, at, true);
        }
        (Type::Map { key: ka, value: va }, Type::Map { key: kb, value: vb }) if ka == kb => {
            compare_types(cx, scope, path, va, vb, at, true);
        }
        _ => {
            let nested = inside || scope.nested() || !old.is_primitive() || !new.is_primitive();
            let (code, message) = if is_listed_widening(old, new) {
                (
                    C::TypeWidened,
                    format!(
                        "`{path}` widens from `{old}` to `{new}`: Athena lists this change as compatible for partitioned Parquet tables through per-partition schemas, which this table's partitions do not have (projection, or a crawler whose partitions inherit the table's schema): unverified{}",
                        if nested {
                            "; Athena documents type changes for top-level columns only"
                        } else {
                            ""
                        }
                    ),
                )
            } else if old.is_text() && new.is_text() {
                (
                    C::TextTypeChanged,
                    format!(
                        "`{path}` changes from `{old}` to `{new}`: both are text stored as Parquet strings, but Athena does not list the change as compatible (unverified)"
                    ),
                )
            } else {
                (
                    C::TypeChanged,
                    format!(
                        "`{path}` changes from `{old}` to `{new}`: Athena reads old Parquet files only through the widenings it lists (int to bigint, float to double, …), so queries over them fail with HIVE_BAD_DATA, and running producers' values may no longer convert"
                    ),
                )
            };
            let leaf = path.rsplit('.').next().unwrap_or(path);
            let help = (code == C::TypeChanged).then(|| {
                format!("keep `{leaf}` and add a field with the new type (e.g. `{leaf}_v2`), or recreate the table over rewritten data")
            });
            cx.push(code, at, message, help);
        }
    }
}

/// The widenings Athena's "Changing a column's data type" table lists (its STRING row is for
/// text formats: Parquet stores strings as binary, which no integer reader accepts).
pub fn is_listed_widening(old: &Type, new: &Type) -> bool {
    matches!(
        (old, new),
        (Type::Tinyint, Type::Smallint | Type::Int | Type::Bigint)
            | (Type::Smallint, Type::Int | Type::Bigint)
            | (Type::Int, Type::Bigint)
            | (Type::Float, Type::Double)
    )
}
