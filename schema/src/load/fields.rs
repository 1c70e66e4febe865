//! Fields: the column tables and type strings of an event, struct fields, array items, enum
//! values and JSON keys.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::values::wrong_kind;
use super::{Cx, FIELD_KEYS, ITEMS_KEYS, MAX_DOC_LEN, MAX_TYPE_LEN, Value};
use crate::diag::{Diagnostic, Span};
use crate::example;
use crate::model::Field;
use crate::names::{self, MAX_NAME_LEN};
use crate::types::{self, Type};

impl Cx<'_> {
    /// A `fields` table: top level (columns) or a struct's fields; `None` if any is invalid.
    pub(super) fn fields(
        &mut self,
        key_span: Span,
        v: &Spanned<DeValue<'_>>,
        top_level: bool,
        depth: usize,
    ) -> Option<Vec<Field>> {
        let (fields, failed) = self.fields_partial(key_span, v, top_level, depth)?;
        failed.is_empty().then_some(fields)
    }

    /// The valid fields of a `fields` table and the names of the invalid ones (already
    /// reported), so that checks on the whole event can still run.
    pub(super) fn fields_partial(
        &mut self,
        key_span: Span,
        v: &Spanned<DeValue<'_>>,
        top_level: bool,
        depth: usize,
    ) -> Option<(Vec<Field>, Vec<String>)> {
        let table = self.expect_table(v, "`fields`")?;
        if table.is_empty() {
            let what = if top_level {
                "an event needs at least one column"
            } else {
                "a struct needs at least one field"
            };
            self.push(
                Diagnostic::error(key_span, format!("`fields` is empty: {what}"))
                    .with_help("add a field, e.g. `id = \"string\"`"),
            );
            return None;
        }
        let mut out = Vec::new();
        let mut failed = Vec::new();
        for (k, fv) in table {
            match self.field(k, fv, top_level, depth) {
                Some(f) => out.push(f),
                None => failed.push(k.get_ref().to_string()),
            }
        }
        self.check_json_keys(&out, top_level);
        Some((out, failed))
    }

    /// Two fields must not read the same JSON key: OpenX lowercases keys before matching.
    /// One pass with a map of the keys seen so far, so wide events stay linear.
    pub(super) fn check_json_keys(&mut self, fields: &[Field], top_level: bool) {
        let mut seen: std::collections::HashMap<String, &Field> =
            std::collections::HashMap::with_capacity(fields.len());
        for f in fields {
            let key = f.json_key().to_lowercase();
            if let Some(prev) = seen.get(&key).copied() {
                let what = if top_level { "column" } else { "struct field" };
                self.push(
                    Diagnostic::error(
                        f.span.clone(),
                        format!("{what} `{}` reads JSON key `{}`, which `{}` already reads", f.name, f.json_key(), prev.name),
                    )
                    .with_help("Firehose matches JSON keys case-insensitively, so both would get the same value; give one of them a different `json` key"),
                );
            } else {
                seen.insert(key, f);
            }
        }
    }

    pub(super) fn field(
        &mut self,
        key: &Spanned<Cow<'_, str>>,
        v: &Spanned<DeValue<'_>>,
        top_level: bool,
        depth: usize,
    ) -> Option<Field> {
        let what = if top_level { "column" } else { "struct field" };
        let name_ok = self.check_name(key, what, MAX_NAME_LEN);
        let name = key.get_ref().to_string();
        let mut field = match v.get_ref() {
            DeValue::String(s) => {
                let ty = self.type_string(s, v.span(), depth)?;
                Field::from_type_string(name.clone(), ty, key.span())
            }
            DeValue::Table(t) => self.field_table(key, t, v.span(), top_level, depth)?,
            _ => {
                self.push(wrong_kind(v, &format!("field `{name}`"), "a type string or a table").with_help(format!("write `{name} = \"string\"` or `{name} = {{ type = \"string\", required = true }}`")));
                return None;
            }
        };
        field.span = key.span();
        let glue = field.ty.to_string();
        if glue.len() > MAX_TYPE_LEN {
            self.push(Diagnostic::error(
                v.span(),
                format!(
                    "the type of `{name}` is {} characters long; Glue allows {MAX_TYPE_LEN}",
                    glue.len()
                ),
            ));
        }
        name_ok.then_some(field)
    }

    pub(super) fn type_string(&mut self, s: &str, span: Span, depth: usize) -> Option<Type> {
        let ty = types::parse_type(s, span.clone());
        match ty {
            Ok(t) if t.depth() + depth > types::MAX_DEPTH => {
                self.push(Diagnostic::error(
                    span,
                    format!("types nest deeper than {} levels", types::MAX_DEPTH),
                ));
                None
            }
            Ok(t) => Some(t),
            Err(e) => {
                let inner = match self.string_body_offset(&span, s) {
                    Some(base) => base + e.range.start..base + e.range.end.max(e.range.start + 1),
                    None => span,
                };
                self.push(
                    Diagnostic::error(inner, e.message)
                        .with_label("in this type")
                        .with_help_opt(e.help),
                );
                None
            }
        }
    }

    /// Byte offset in the source of the first character of a string value, when the source
    /// spells the string without escapes (so offsets inside it map one to one).
    pub(super) fn string_body_offset(&self, span: &Span, value: &str) -> Option<usize> {
        let raw = self.source.get(span.clone())?;
        for quote in ["\"\"\"", "'''", "\"", "'"] {
            if let Some(body) = raw.strip_prefix(quote).and_then(|r| r.strip_suffix(quote)) {
                return (body == value).then_some(span.start + quote.len());
            }
        }
        None
    }

    pub(super) fn field_table(
        &mut self,
        key: &Spanned<Cow<'_, str>>,
        t: &DeTable<'_>,
        span: Span,
        top_level: bool,
        depth: usize,
    ) -> Option<Field> {
        let name = key.get_ref().to_string();
        self.unknown_keys(t, FIELD_KEYS, &format!("field `{name}`"), None);
        let Some((_, type_v)) = Self::get(t, "type") else {
            self.push(
                Diagnostic::error(key.span(), format!("field `{name}` has no `type`"))
                    .with_help("add `type = \"string\"` (or another type)"),
            );
            return None;
        };
        let ty_text = self.string(type_v, "`type`")?;
        let nested = Self::get(t, "fields");
        let items = Self::get(t, "items");
        let bare = ty_text.trim().to_ascii_lowercase();
        let ty = if bare == "struct" {
            if let Some((ik, _)) = items {
                self.error(
                    ik.span(),
                    "`items` belongs to `type = \"array\"`, not to a struct",
                );
            }
            let (fk, fv) = self.present(
                nested,
                type_v,
                format!("struct field `{name}` has no `fields`"),
                "add `fields = { city = \"string\" }`, or write the type inline: `struct<city:string>`",
            )?;
            Type::Struct {
                fields: self.fields(fk.span(), fv, false, depth + 1)?,
            }
        } else if bare == "array" {
            if let Some((fk, _)) = nested {
                self.error(fk.span(), "`fields` belongs to `type = \"struct\"`; put it inside `items` for an array of structs");
            }
            let (_, iv) = self.present(
                items,
                type_v,
                format!("array field `{name}` has no `items`"),
                "add `items = \"string\"` (or a table), or write the type inline: `array<string>`",
            )?;
            Type::Array {
                items: Box::new(self.items(iv, depth + 1)?),
            }
        } else {
            if let Some((fk, _)) = nested {
                self.push(Diagnostic::error(
                    fk.span(),
                    format!("`fields` is only allowed with `type = \"struct\"`, not `{ty_text}`"),
                ));
            }
            if let Some((ik, _)) = items {
                self.push(Diagnostic::error(
                    ik.span(),
                    format!("`items` is only allowed with `type = \"array\"`, not `{ty_text}`"),
                ));
            }
            self.type_string(&ty_text, type_v.span(), depth)?
        };

        let required = match Self::get(t, "required") {
            Some((_, v)) => self.boolean(v, "`required`").unwrap_or(false),
            None => false,
        };
        let doc = Self::get(t, "doc")
            .and_then(|(_, v)| self.text_limit(v, "`doc` (the Glue column comment)", MAX_DOC_LEN));
        let enum_values = match Self::get(t, "enum") {
            Some((_, v)) => self.enum_values(v, &ty).unwrap_or_default(),
            None => Vec::new(),
        };
        let json = match Self::get(t, "json") {
            Some((_, v)) => self.json_key(v, &name, top_level),
            None => None,
        };
        let example = match Self::get(t, "example") {
            Some((_, v)) => match example::check(&ty, &enum_values, v) {
                Ok(ex) => Some(ex),
                Err(d) => {
                    self.push(d);
                    None
                }
            },
            None => None,
        };
        Some(Field {
            name,
            ty,
            required,
            doc,
            enum_values,
            example,
            json,
            span,
        })
    }

    pub(super) fn items(&mut self, v: &Spanned<DeValue<'_>>, depth: usize) -> Option<Type> {
        match v.get_ref() {
            DeValue::String(s) => self.type_string(s, v.span(), depth),
            DeValue::Table(t) => {
                self.unknown_keys(t, ITEMS_KEYS, "`items`", Some("array items take only `type`, `fields` (structs) and `items` (nested arrays); put docs and enums on the array field"));
                let Some((_, tv)) = Self::get(t, "type") else {
                    self.push(
                        Diagnostic::error(v.span(), "`items` has no `type`").with_help(
                            "add `type = \"struct\"` with `fields`, or write `items = \"string\"`",
                        ),
                    );
                    return None;
                };
                let ty_text = self.string(tv, "`type`")?;
                match ty_text.trim().to_ascii_lowercase().as_str() {
                    "struct" => {
                        let Some((fk, fv)) = Self::get(t, "fields") else {
                            self.push(
                                Diagnostic::error(tv.span(), "struct items have no `fields`")
                                    .with_help("add `fields = { sku = \"string\" }`"),
                            );
                            return None;
                        };
                        Some(Type::Struct {
                            fields: self.fields(fk.span(), fv, false, depth + 1)?,
                        })
                    }
                    "array" => {
                        let Some((_, iv)) = Self::get(t, "items") else {
                            self.push(Diagnostic::error(tv.span(), "array items have no `items`"));
                            return None;
                        };
                        Some(Type::Array {
                            items: Box::new(self.items(iv, depth + 1)?),
                        })
                    }
                    _ => self.type_string(&ty_text, tv.span(), depth),
                }
            }
            _ => {
                self.push(wrong_kind(v, "`items`", "a type string or a table"));
                None
            }
        }
    }

    pub(super) fn enum_values(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        ty: &Type,
    ) -> Option<Vec<String>> {
        if !ty.is_text() {
            self.push(
                Diagnostic::error(
                    v.span(),
                    format!("`enum` is only allowed on string fields, not on `{ty}`"),
                )
                .with_help("remove `enum`, or make the field a `string`"),
            );
            return None;
        }
        let DeValue::Array(arr) = v.get_ref() else {
            self.push(wrong_kind(v, "`enum`", "an array of strings"));
            return None;
        };
        if arr.is_empty() {
            self.push(
                Diagnostic::error(v.span(), "`enum` is empty")
                    .with_help("list the allowed values, or remove `enum`"),
            );
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        for item in arr.iter() {
            let Some(s) = self.string(item, "an `enum` value") else {
                continue;
            };
            if s.is_empty() {
                self.error(item.span(), "an `enum` value cannot be empty");
            } else if out.contains(&s) {
                self.error(item.span(), format!("`enum` value `{s}` is listed twice"));
            } else {
                if let Type::Varchar { length } | Type::Char { length } = ty
                    && s.chars().count() > *length as usize
                {
                    self.error(
                        item.span(),
                        format!("`enum` value `{s}` is longer than `{ty}` allows"),
                    );
                }
                out.push(s);
            }
        }
        Some(out)
    }

    pub(super) fn json_key(&mut self, v: &Value<'_>, name: &str, top: bool) -> Option<String> {
        let key = self.string(v, "`json`")?;
        if key.is_empty() {
            self.error(v.span(), "`json` cannot be empty");
            return None;
        }
        if !top && !key.eq_ignore_ascii_case(name) {
            self.push(
                Diagnostic::error(v.span(), format!("nested field `{name}` cannot be read from JSON key `{key}`"))
                    .with_help(format!(
                        "Firehose's OpenX deserializer matches nested keys case-insensitively but can rename only top-level columns; rename the field to `{}` or have the producer send `{name}`",
                        names::to_snake_case(&key)
                    )),
            );
            return None;
        }
        if key == name {
            self.push(
                Diagnostic::warning(
                    v.span(),
                    format!("`json = \"{key}\"` is the field's own name"),
                )
                .with_help("remove it"),
            );
            return None;
        }
        Some(key)
    }
}
