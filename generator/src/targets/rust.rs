//! `out/rust/<lake>.rs`: typed producer structs for every event, checked by eventlake's derive.
//!
//! Rules of this module:
//! - one struct per event, one per nested `struct<…>` (also inside arrays and map values) and
//!   one enum per column with `enum` values; each derives the matching eventlake derive with
//!   the `#[datalake(event = "…", field = "…")]` location, so the file passes the derive's own
//!   checks against the same events.toml;
//! - Rust names: events and nested paths in PascalCase (`OrderPlacedShippingGeo`), fields in
//!   the column's snake case (keywords as raw identifiers), `#[serde(rename = "…")]` where the
//!   JSON key differs; required columns take the type, optional ones `Option<…>`;
//! - every public item carries a doc comment (the schema's `doc`/`description` and the Glue
//!   type) so the file compiles warning-free under `missing_docs`;
//! - the text is built with `quote`, formatted with prettyplease and starts with the
//!   `@generated` header; no inner attributes, so the file can be `include!`d.
//!
//! Needs `eventlake-schema`, `syn` (feature `full`), `quote`, `proc-macro2`, `prettyplease`.

use std::collections::BTreeSet;

use eventlake_schema::{Event, Field, Schema, Type, mapping};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::plan::pascal_case;

/// Type names the generated file uses unqualified (`Option<…>`, `String`, `Vec<…>`) or that
/// Rust reserves (`Self`): a struct, enum or variant with one of these names gets a trailing
/// `_` (`Self_`, `Option_`), so it neither shadows the prelude nor fails to parse.
pub const RESERVED_TYPE_NAMES: &[&str] = &["Option", "Self", "String", "Vec"];

/// Renders the producer structs of `schema` as one formatted Rust file; `source_name` is the
/// schema's file name for the `@generated` header. Tokens that do not parse as a Rust file are
/// a bug of this module, reported as an error rather than written.
pub fn render(schema: &Schema, source_name: &str) -> Result<String, crate::Error> {
    let mut cx = Cx {
        items: Vec::new(),
        names: BTreeSet::new(),
    };
    for event in &schema.events {
        cx.event(&schema.lake.name, event);
    }
    let items = &cx.items;
    let tokens = quote!(#(#items)*);
    let file = syn::parse2::<syn::File>(tokens).map_err(|e| {
        crate::Error::Message(format!(
            "bug: the generated rust/{}.rs does not parse as Rust ({e}); please report it with \
             your events.toml",
            schema.lake.name
        ))
    })?;
    // A blank line between top-level items (prettyplease puts none).
    let body = prettyplease::unparse(&file).replace("\n}\n", "\n}\n\n");
    Ok(format!(
        "// {} by eventlake from {source_name}; do not edit\n\n{}\n",
        crate::output::GENERATED_MARK,
        body.trim_end()
    ))
}

/// `name`, or `name_` when it is one of [`RESERVED_TYPE_NAMES`].
fn unreserved(name: String) -> String {
    if RESERVED_TYPE_NAMES.contains(&name.as_str()) {
        name + "_"
    } else {
        name
    }
}

struct Cx {
    items: Vec<TokenStream>,
    names: BTreeSet<String>,
}

impl Cx {
    /// A type name not used yet in the file.
    fn unique(&mut self, base: String) -> Ident {
        let base = unreserved(base);
        let mut name = base.clone();
        let mut n = 2;
        while !self.names.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        Ident::new(&name, Span::call_site())
    }

    fn event(&mut self, lake: &str, event: &Event) {
        let name = self.unique(pascal_case(&event.name));
        let doc = match &event.description {
            Some(d) => format!(" {d}."),
            None => format!(" Event `{}`.", event.name),
        };
        let doc = doc.replace("..", ".");
        let about = format!(
            " Event `{}` of lake `{lake}`; one record of its Kinesis stream and Glue table.",
            event.name
        );
        let slot = self.reserve();
        let fields = self.fields(
            event,
            name.to_string().trim_end_matches('_'),
            "",
            &event.fields,
        );
        let event_name = &event.name;
        self.items[slot] = quote! {
            #[doc = #doc]
            #[doc = ""]
            #[doc = #about]
            #[derive(Debug, Clone, PartialEq, ::eventlake::DatalakeEvent)]
            #[datalake(event = #event_name)]
            pub struct #name {
                #(#fields)*
            }
        };
    }

    /// Keeps a place for an item whose nested types are pushed after it.
    fn reserve(&mut self) -> usize {
        self.items.push(TokenStream::new());
        self.items.len() - 1
    }

    /// The field declarations of a struct; nested types are pushed as items on the way.
    fn fields(
        &mut self,
        event: &Event,
        owner: &str,
        path: &str,
        fields: &[Field],
    ) -> Vec<TokenStream> {
        fields
            .iter()
            .map(|f| {
                let field_path = if path.is_empty() {
                    f.name.clone()
                } else {
                    format!("{path}.{}", f.name)
                };
                let base = format!("{owner}{}", pascal_case(&f.name));
                let inner = self.rust_type(event, &base, &field_path, f, &f.ty);
                let ty = if f.required {
                    inner
                } else {
                    quote!(Option<#inner>)
                };
                let (ident, renamed) = field_ident(&f.name);
                let rename = (renamed || f.json_key() != f.name).then(|| {
                    let key = f.json_key();
                    quote!(#[serde(rename = #key)])
                });
                let mut doc = match &f.doc {
                    Some(d) => format!(" {d}"),
                    None => format!(" Column `{}`.", f.name),
                };
                if !doc.ends_with('.') {
                    doc.push('.');
                }
                let kind = format!(
                    " `{}`, {}{}.",
                    f.ty,
                    if f.required { "required" } else { "optional" },
                    if f.json_key() == f.name {
                        String::new()
                    } else {
                        format!(", sent as `{}`", f.json_key())
                    }
                );
                quote! {
                    #[doc = #doc]
                    #[doc = ""]
                    #[doc = #kind]
                    #rename
                    pub #ident: #ty,
                }
            })
            .collect()
    }

    fn rust_type(
        &mut self,
        event: &Event,
        base: &str,
        path: &str,
        field: &Field,
        ty: &Type,
    ) -> TokenStream {
        if !field.enum_values.is_empty() && ty.is_text() && std::ptr::eq(ty, &field.ty) {
            return self.enumeration(event, base, path, field);
        }
        match ty {
            Type::Array { items } => {
                let inner = self.rust_type(event, base, path, field, items);
                quote!(Vec<#inner>)
            }
            Type::Map { key, value } => {
                let k = self.rust_type(event, base, path, field, key);
                let v = self.rust_type(event, base, path, field, value);
                quote!(::std::collections::BTreeMap<#k, #v>)
            }
            Type::Struct { fields } => self.structure(event, base, path, field, fields),
            scalar => mapping::scalar(scalar)
                .and_then(|row| syn::parse_str::<syn::Type>(row.rust).ok())
                .map(|t| quote!(#t))
                .unwrap_or_default(),
        }
    }

    fn structure(
        &mut self,
        event: &Event,
        base: &str,
        path: &str,
        field: &Field,
        fields: &[Field],
    ) -> TokenStream {
        let name = self.unique(base.to_owned());
        let doc = match &field.doc {
            Some(d) => format!(" {d} (column `{}.{path}`).", event.name),
            None => format!(" The `struct` of column `{}.{path}`.", event.name),
        };
        let slot = self.reserve();
        let decls = self.fields(event, name.to_string().trim_end_matches('_'), path, fields);
        let event_name = &event.name;
        self.items[slot] = quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq, ::eventlake::DatalakeStruct)]
            #[datalake(event = #event_name, field = #path)]
            pub struct #name {
                #(#decls)*
            }
        };
        quote!(#name)
    }

    fn enumeration(&mut self, event: &Event, base: &str, path: &str, field: &Field) -> TokenStream {
        let name = self.unique(base.to_owned());
        let doc = format!(" The values of column `{}.{path}`.", event.name);
        let mut used = BTreeSet::new();
        let variants = field.enum_values.iter().map(|value| {
            let base = unreserved(variant_name(value));
            let mut ident = base.clone();
            let mut n = 2;
            while !used.insert(ident.clone()) {
                ident = format!("{base}{n}");
                n += 1;
            }
            let ident = Ident::new(&ident, Span::call_site());
            let vdoc = format!(" `{value}`");
            quote! {
                #[doc = #vdoc]
                #[serde(rename = #value)]
                #ident,
            }
        });
        let event_name = &event.name;
        self.items.push(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::eventlake::DatalakeEnum)]
            #[datalake(event = #event_name, field = #path)]
            pub enum #name {
                #(#variants)*
            }
        });
        quote!(#name)
    }
}

/// A variant identifier for an enum value: `bank_transfer` → `BankTransfer`, `USD` → `Usd`.
/// Each non-ASCII letter or digit becomes a word of its own, `U` and its code point in hex
/// (`é` → `U00e9`, `café` → `CafU00e9`), so values that differ only there stay distinct;
/// other punctuation separates words; nothing left gives `Empty`.
fn variant_name(value: &str) -> String {
    let mut spelled = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_ascii() {
            spelled.push(c);
        } else if c.is_alphanumeric() {
            spelled.push_str(&format!(" U{:04X} ", u32::from(c)));
        } else {
            spelled.push(' ');
        }
    }
    let words: Vec<String> = spelled
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .flat_map(split_camel)
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut cs = lower.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect();
    let name = words.concat();
    match name.chars().next() {
        None => "Empty".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("V{name}"),
        Some(_) => name,
    }
}

/// `OnLeave` → `On`, `Leave`; `USD` stays one word.
fn split_camel(word: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = word.chars().collect();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_ascii_uppercase()
            && (chars[i - 1].is_ascii_lowercase()
                || chars.get(i + 1).is_some_and(char::is_ascii_lowercase)
                    && chars[i - 1].is_ascii_uppercase());
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The field identifier for a column name, and whether it differs from the name.
fn field_ident(name: &str) -> (Ident, bool) {
    match name {
        "self" | "super" | "crate" | "_" => (format_ident!("{name}_"), true),
        _ if syn::parse_str::<Ident>(name).is_err() => {
            (Ident::new_raw(name, Span::call_site()), false)
        }
        _ => (Ident::new(name, Span::call_site()), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(variant_name("USD"), "Usd");
        assert_eq!(variant_name("bank_transfer"), "BankTransfer");
        assert_eq!(variant_name("OnLeave"), "OnLeave");
        assert_eq!(variant_name("2fa"), "V2fa");
        assert_eq!(variant_name("--"), "Empty");
        assert_eq!(field_ident("type").0.to_string(), "r#type");
        assert_eq!(field_ident("self"), (format_ident!("self_"), true));
        assert_eq!(field_ident("date").0.to_string(), "date");
    }

    #[test]
    fn keywords_and_non_ascii_values_give_a_parsing_file_with_distinct_names() {
        let src = r#"
[lake]
name = "shop"
[events.self.fields]
self = "string"
crate = "string"
status = { type = "string", enum = ["self", "Self", "é", "ü", "crate", "super", "café"] }
[events.option.fields]
id = "string"
[events.string.fields]
id = "string"
[events.vec.fields]
id = "string"
"#;
        let loaded = eventlake_schema::load_str(src, "events.toml").expect("valid");
        let text = render(&loaded.schema, "events.toml").expect("renders");
        let file = syn::parse_file(&text).expect("the generated file parses");
        let mut names = Vec::new();
        for item in &file.items {
            match item {
                syn::Item::Struct(s) => names.push(s.ident.to_string()),
                syn::Item::Enum(e) => {
                    names.push(e.ident.to_string());
                    let variants: Vec<String> =
                        e.variants.iter().map(|v| v.ident.to_string()).collect();
                    assert_eq!(
                        variants,
                        [
                            "Self_", "Self_2", "U00e9", "U00fc", "Crate", "Super", "CafU00e9"
                        ]
                    );
                }
                _ => {}
            }
        }
        assert_eq!(
            names,
            ["Self_", "SelfStatus", "Option_", "String_", "Vec_"],
            "{text}"
        );
        assert!(text.contains("pub self_: Option<String>,"), "{text}");
    }

    #[test]
    fn renders_the_example_lake() {
        let loaded = eventlake_schema::load_path(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/events.toml"
        )))
        .expect("the example lake is valid");
        let text = render(&loaded.schema, "events.toml").expect("renders");
        assert!(text.starts_with("// @generated by eventlake from events.toml; do not edit"));
        for needle in [
            "pub struct OrderPlaced {",
            "pub struct OrderPlacedShippingGeo {",
            "pub struct OrderPlacedItems {",
            "pub enum PaymentCapturedMethod {",
            "#[serde(rename = \"bank_transfer\")]",
            "#[serde(rename = \"staffName\")]",
            "pub total: ::eventlake::rust_decimal::Decimal,",
            "pub items: Option<Vec<OrderPlacedItems>>,",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }
}
