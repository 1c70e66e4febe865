//! The checks that compare a Rust item with events.toml, each recording a spanned error.
//!
//! Rules of this module:
//! - names are compared as they travel: a field's serde wire name against a column's `json`
//!   key (its name when there is no `json`), an enum variant's serde name against the
//!   column's `enum` values;
//! - every check carries on after a mistake, so one build lists every problem;
//! - where a message can say what to write instead (a `rename`, a close name), it does;
//! - type compatibility is *not* checked here: the expansion leaves it to rustc through trait
//!   bounds on each field's type (see `expand`).

use eventlake_schema::diag::did_you_mean;
use eventlake_schema::{Event, Field, Schema};
use syn::LitStr;

use crate::attr::{Errors, WireField, WireVariant, is_option};

/// The event named by `#[datalake(event = "…")]`, or by the struct name in snake case.
pub fn find_event<'s>(
    schema: &'s Schema,
    attr: Option<&LitStr>,
    ident: &syn::Ident,
    errors: &mut Errors,
) -> Option<&'s Event> {
    let (name, span, derived) = match attr {
        Some(lit) => (lit.value(), lit.span(), false),
        None => (
            eventlake_schema::names::to_snake_case(&ident.to_string()),
            ident.span(),
            true,
        ),
    };
    if let Some(e) = schema.event(&name) {
        return Some(e);
    }
    let names: Vec<&str> = schema.events.iter().map(|e| e.name.as_str()).collect();
    let hint = match did_you_mean(&name, names.iter().copied()) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    };
    let how = if derived {
        " (the event name comes from the struct name; set it with `#[datalake(event = \"…\")]`)"
            .to_owned()
    } else {
        String::new()
    };
    errors.at(
        span,
        format!(
            "unknown event `{name}`{hint}{how}; events.toml declares {}",
            list(&names)
        ),
    );
    None
}

/// The field at `event.a.b` named by `#[datalake(field = "a.b")]` (column names, not JSON
/// keys; array items and map values are reached through the column itself).
pub fn resolve_field<'s>(event: &'s Event, lit: &LitStr, errors: &mut Errors) -> Option<&'s Field> {
    let path = lit.value();
    let mut fields: &[Field] = &event.fields;
    let mut found: Option<&Field> = None;
    let mut walked = event.name.clone();
    for seg in path.split('.') {
        if found.is_some() {
            match found.map(|f| struct_fields(&f.ty)) {
                Some(Some(inner)) => fields = inner,
                _ => {
                    errors.spanned(
                        lit,
                        format!("`{walked}` is not a struct column, so it has no field `{seg}`"),
                    );
                    return None;
                }
            }
        }
        let Some(f) = fields.iter().find(|f| f.name == seg) else {
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            let hint = match did_you_mean(seg, names.iter().copied()) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => format!("; it has {}", list(&names)),
            };
            errors.spanned(lit, format!("`{walked}` has no field `{seg}`{hint}"));
            return None;
        };
        walked.push('.');
        walked.push_str(seg);
        found = Some(f);
    }
    found
}

/// The fields of a struct type, looking through arrays and map values.
pub use eventlake_schema::fingerprint::struct_fields;

/// A Rust field matched with its column.
pub struct Matched<'a, 's> {
    /// The Rust field.
    pub field: &'a WireField<'a>,
    /// Its column.
    pub column: &'s Field,
}

/// Matches fields with columns by wire name. `owner` names the event or struct column in
/// messages (`event `order_placed``); `ident` is the struct name (for missing columns).
pub fn match_fields<'a, 's>(
    columns: &'s [Field],
    fields: &'a [WireField<'a>],
    owner: &str,
    ident: &syn::Ident,
    errors: &mut Errors,
) -> Vec<Matched<'a, 's>> {
    let mut matched: Vec<Matched<'a, 's>> = Vec::new();
    // Columns an unknown field was pointed at ("did you mean"): not reported again as missing.
    let mut claimed: Vec<&str> = Vec::new();
    for f in fields.iter().filter(|f| !f.skipped) {
        if f.flatten {
            errors.spanned(
                &f.ident,
                "`#[serde(flatten)]` is not supported: each column is one field (use a struct column instead)",
            );
            continue;
        }
        let Some(column) = columns.iter().find(|c| c.json_key() == f.wire) else {
            let (message, meant) = unknown_field_message(columns, f, owner);
            errors.at(f.ident.span(), message);
            claimed.extend(meant);
            continue;
        };
        if let Some(prev) = matched.iter().find(|m| m.column.name == column.name) {
            errors.at(
                f.ident.span(),
                format!(
                    "fields `{}` and `{}` are both sent as `{}`; column `{}` can take only one",
                    prev.field.ident, f.ident, f.wire, column.name
                ),
            );
            continue;
        }
        if column.required && is_option(f.ty) {
            errors.spanned(
                f.ty,
                format!(
                    "column `{}` is required in events.toml, so the field cannot be an `Option`; use the value type itself (or drop `required = true` from the column)",
                    column.name
                ),
            );
            continue;
        }
        matched.push(Matched { field: f, column });
    }
    let missing: Vec<&Field> = columns
        .iter()
        .filter(|c| {
            !matched.iter().any(|m| m.column.name == c.name)
                && !claimed.contains(&c.name.as_str())
                && !fields.iter().any(|f| !f.skipped && f.wire == c.json_key())
        })
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing
            .iter()
            .map(|c| {
                let key = if c.json_key() == c.name {
                    String::new()
                } else {
                    format!(", sent as `{}`", c.json_key())
                };
                let req = if c.required { "required " } else { "optional " };
                format!("`{}` ({req}`{}`{key})", c.name, c.ty)
            })
            .collect();
        let s = if missing.len() == 1 { "" } else { "s" };
        errors.at(
            ident.span(),
            format!(
                "`{ident}` has no field for column{s} {} of {owner}; add {} (an optional column takes an `Option<…>`)",
                names.join(", "),
                if missing.len() == 1 { "it" } else { "them" }
            ),
        );
    }
    matched
}

/// The message for a field with no column, and the column it probably meant.
fn unknown_field_message<'s>(
    columns: &'s [Field],
    f: &WireField<'_>,
    owner: &str,
) -> (String, Option<&'s str>) {
    let rust_name = f.ident.to_string();
    let rust_name = rust_name.strip_prefix("r#").unwrap_or(&rust_name);
    if let Some(c) = columns
        .iter()
        .find(|c| c.name == f.wire || c.name == rust_name)
    {
        let message = format!(
            "field `{}` is sent as `{}`, but column `{}` of {owner} is sent as `{}` (its `json` key in events.toml); add `#[serde(rename = \"{}\")]` to the field",
            f.ident,
            f.wire,
            c.name,
            c.json_key(),
            c.json_key()
        );
        return (message, Some(&c.name));
    }
    let keys: Vec<&str> = columns.iter().map(Field::json_key).collect();
    match did_you_mean(&f.wire, keys.iter().copied()) {
        Some(s) => (
            format!(
                "field `{}` (sent as `{}`) has no column in {owner}; did you mean `{s}`?",
                f.ident, f.wire
            ),
            columns
                .iter()
                .find(|c| c.json_key() == s)
                .map(|c| c.name.as_str()),
        ),
        None => (
            format!(
                "field `{}` (sent as `{}`) has no column in {owner}; its columns are {} (skip a field with `#[serde(skip)]`)",
                f.ident,
                f.wire,
                list(&keys)
            ),
            None,
        ),
    }
}

/// Checks enum variants against the column's values; returns (variant, value) pairs.
pub fn match_variants<'v>(
    column: &Field,
    path: &str,
    variants: &'v [WireVariant],
    ident: &syn::Ident,
    field_lit: &LitStr,
    errors: &mut Errors,
) -> Vec<&'v WireVariant> {
    if column.enum_values.is_empty() {
        errors.spanned(
            field_lit,
            format!(
                "column `{path}` has no `enum` values in events.toml, so it takes a `String`, not an enum"
            ),
        );
        return Vec::new();
    }
    let values: Vec<&str> = column.enum_values.iter().map(String::as_str).collect();
    let mut ok = Vec::new();
    for v in variants.iter().filter(|v| !v.skipped) {
        if !v.unit {
            errors.spanned(&v.ident, "enum columns take unit variants only (no fields)");
            continue;
        }
        if values.contains(&v.wire.as_str()) {
            if ok.iter().any(|o: &&WireVariant| o.wire == v.wire) {
                errors.spanned(&v.ident, format!("two variants are sent as `{}`", v.wire));
            } else {
                ok.push(v);
            }
            continue;
        }
        let hint = match did_you_mean(&v.wire, values.iter().copied()) {
            Some(s) => format!("; did you mean `{s}`? (rename with `#[serde(rename = \"{s}\")]`)"),
            None => String::new(),
        };
        errors.spanned(
            &v.ident,
            format!(
                "variant `{}` is sent as `{}`, which is not a value of column `{path}`{hint}; allowed values: {}",
                v.ident,
                v.wire,
                list(&values)
            ),
        );
    }
    let missing: Vec<&str> = values
        .iter()
        .copied()
        .filter(|val| !variants.iter().any(|v| !v.skipped && v.wire == *val))
        .collect();
    if !missing.is_empty() {
        errors.at(
            ident.span(),
            format!(
                "`{ident}` has no variant for the value{} {} of column `{path}`; the enum must list exactly the schema's values",
                if missing.len() == 1 { "" } else { "s" },
                list(&missing)
            ),
        );
    }
    ok
}

/// A fingerprint of a struct type: field names, JSON keys, types, nullability and enums
/// (the schema crate's one definition, [`eventlake_schema::fingerprint::fields`]).
pub fn struct_id(fields: &[Field]) -> u64 {
    eventlake_schema::fingerprint::fields(fields)
}

/// A fingerprint of an enum column's values ([`eventlake_schema::fingerprint::enum_values`]).
pub fn enum_id(values: &[String]) -> u64 {
    eventlake_schema::fingerprint::enum_values(values)
}

/// `` `a`, `b` and `c` ``
pub fn list(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_owned(),
        [one] => format!("`{one}`"),
        [init @ .., last] => format!(
            "{} and `{last}`",
            init.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_naturally() {
        assert_eq!(list(&[]), "nothing");
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }

    #[test]
    fn struct_ids_change_with_json_keys_and_nullability() {
        let load = |src: &str| {
            eventlake_schema::load_str(src, "t.toml")
                .unwrap()
                .schema
                .events[0]
                .fields
                .clone()
        };
        let base = load(
            "[lake]\nname='a'\n[events.e.fields]\ns = { type = 'struct', fields = { a = 'int' } }\n",
        );
        let renamed = load(
            "[lake]\nname='a'\n[events.e.fields]\ns = { type = 'struct', fields = { a = { type = 'int', json = 'A' } } }\n",
        );
        let required = load(
            "[lake]\nname='a'\n[events.e.fields]\ns = { type = 'struct', fields = { a = { type = 'int', required = true } } }\n",
        );
        let id = |f: &[Field]| struct_fields(&f[0].ty).map(struct_id);
        assert_ne!(id(&base), id(&renamed));
        assert_ne!(id(&base), id(&required));
        assert_eq!(id(&base), id(&base.clone()));
    }
}
