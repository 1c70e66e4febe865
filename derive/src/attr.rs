//! `#[datalake(...)]` and `#[serde(...)]` on the derived item.
//!
//! Rules of this module (serde's `attr.rs` rule): nothing here returns early on a user
//! mistake. Every bad attribute is recorded in [`Errors`] with the span of the offending token
//! and parsing carries on, so one build shows every problem. Attribute keys are the `*`
//! constants below. Serde attributes are read by `serde_derive_internals`, exactly as
//! `#[derive(Serialize)]` reads them, so the names compared with events.toml are the wire
//! names.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use serde_derive_internals::{Ctxt, Derive, ast};
use syn::{DeriveInput, LitStr};

/// `#[datalake(event = "…")]`
pub const EVENT: &str = "event";
/// `#[datalake(schema = "…")]`
pub const SCHEMA: &str = "schema";
/// `#[datalake(field = "…")]`
pub const FIELD: &str = "field";
/// `#[datalake(crate = "…")]`
pub const CRATE: &str = "crate";

/// Collected errors; `into_result` combines them into one `syn::Error`.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Records an error at `span`.
    pub fn at(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }

    /// Records an error spanning `tokens`.
    pub fn spanned(&mut self, tokens: impl ToTokens, msg: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, msg));
    }

    /// Records a ready error.
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// The errors as `compile_error!` invocations (empty when there are none).
    pub fn to_compile_errors(&self) -> TokenStream {
        self.0
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}

/// `#[datalake(...)]` on the item.
#[derive(Default)]
pub struct Container {
    /// `event = "…"`
    pub event: Option<LitStr>,
    /// `schema = "…"`
    pub schema: Option<LitStr>,
    /// `field = "…"`
    pub field: Option<LitStr>,
    /// `crate = "…"`, parsed
    pub krate: Option<syn::Path>,
}

/// Which keys a derive accepts.
pub fn allowed_keys(nested: bool) -> &'static [&'static str] {
    if nested {
        &[EVENT, FIELD, SCHEMA, CRATE]
    } else {
        &[EVENT, SCHEMA, CRATE]
    }
}

/// Reads every `#[datalake(...)]` on the item; also rejects `#[datalake]` on fields and
/// variants, which has no meaning.
pub fn container(input: &DeriveInput, nested: bool, errors: &mut Errors) -> Container {
    let mut out = Container::default();
    let allowed = allowed_keys(nested);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("datalake")) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(ident) = meta.path.get_ident() else {
                errors.spanned(&meta.path, "expected a key such as `event`");
                return skip_value(&meta);
            };
            let key = ident.to_string();
            if !allowed.contains(&key.as_str()) {
                let hint = eventlake_schema::diag::did_you_mean(&key, allowed.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let expected = allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                errors.at(
                    ident.span(),
                    format!(
                        "unknown datalake attribute `{key}`{hint} (expected one of {expected})"
                    ),
                );
                return skip_value(&meta);
            }
            let lit: LitStr = meta.value()?.parse()?;
            let slot = match key.as_str() {
                EVENT => &mut out.event,
                SCHEMA => &mut out.schema,
                FIELD => &mut out.field,
                _ => {
                    if out.krate.is_some() {
                        errors.at(ident.span(), "duplicate datalake attribute `crate`");
                    } else {
                        match lit.parse::<syn::Path>() {
                            Ok(p) => out.krate = Some(p),
                            Err(_) => {
                                errors.spanned(&lit, "`crate` must be a path such as `::eventlake`")
                            }
                        }
                    }
                    return Ok(());
                }
            };
            if slot.is_some() {
                errors.at(
                    ident.span(),
                    format!("duplicate datalake attribute `{key}`"),
                );
            } else if lit.value().is_empty() {
                errors.spanned(&lit, format!("`{key}` cannot be empty"));
            } else {
                *slot = Some(lit);
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    let members: Vec<&Vec<syn::Attribute>> = match &input.data {
        syn::Data::Struct(s) => s.fields.iter().map(|f| &f.attrs).collect(),
        syn::Data::Enum(e) => e.variants.iter().map(|v| &v.attrs).collect(),
        syn::Data::Union(_) => Vec::new(),
    };
    for attrs in members {
        for a in attrs.iter().filter(|a| a.path().is_ident("datalake")) {
            errors.spanned(
                a,
                "`#[datalake]` goes on the struct or enum, not on fields or variants; rename fields with `#[serde(rename = \"…\")]`",
            );
        }
    }
    out
}

/// Consumes `= value` after an unknown key so parsing can go on.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    }
    Ok(())
}

/// A struct field as serde serializes it.
pub struct WireField<'a> {
    /// The field's name in Rust (its ident).
    pub ident: syn::Ident,
    /// The name on the wire.
    pub wire: String,
    /// The field's type.
    pub ty: &'a syn::Type,
    /// `#[serde(skip)]` / `skip_serializing`.
    pub skipped: bool,
    /// `#[serde(flatten)]`.
    pub flatten: bool,
}

/// An enum variant as serde serializes it.
pub struct WireVariant {
    /// The variant ident.
    pub ident: syn::Ident,
    /// The name on the wire.
    pub wire: String,
    /// `#[serde(skip)]` / `skip_serializing`.
    pub skipped: bool,
    /// Whether it has no fields.
    pub unit: bool,
}

/// The item as serde sees it.
pub enum Wire<'a> {
    /// A struct with named fields.
    Struct(Vec<WireField<'a>>),
    /// An enum.
    Enum(Vec<WireVariant>),
    /// Something that is neither (already reported).
    Unsupported,
}

/// Reads `#[serde(...)]` through serde_derive_internals.
pub fn wire<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Wire<'a> {
    // No `#[serde]` anywhere on a struct: the wire names are the field names, and serde's own
    // attribute parser (the slowest part of the derive in a debug build) has nothing to read.
    let is_serde = |a: &syn::Attribute| a.path().is_ident("serde");
    if let syn::Data::Struct(syn::DataStruct {
        fields: syn::Fields::Named(named),
        ..
    }) = &input.data
        && !input.attrs.iter().any(is_serde)
        && !named.named.iter().any(|f| f.attrs.iter().any(is_serde))
    {
        return Wire::Struct(
            named
                .named
                .iter()
                .filter_map(|f| {
                    let ident = f.ident.clone()?;
                    Some(WireField {
                        wire: syn::ext::IdentExt::unraw(&ident).to_string(),
                        ident,
                        ty: &f.ty,
                        skipped: false,
                        flatten: false,
                    })
                })
                .collect(),
        );
    }
    let cx = Ctxt::new();
    let private = syn::Ident::new("__private", Span::call_site());
    let container = ast::Container::from_ast(&cx, input, Derive::Serialize, &private);
    let out = match &container {
        None => Wire::Unsupported,
        Some(c) => match &c.data {
            ast::Data::Struct(ast::Style::Struct, fields) => Wire::Struct(
                fields
                    .iter()
                    .filter_map(|f| {
                        let ident = match &f.member {
                            syn::Member::Named(i) => i.clone(),
                            syn::Member::Unnamed(_) => return None,
                        };
                        Some(WireField {
                            ident,
                            wire: f.attrs.name().serialize_name().value.clone(),
                            ty: f.ty,
                            skipped: f.attrs.skip_serializing(),
                            flatten: f.attrs.flatten(),
                        })
                    })
                    .collect(),
            ),
            ast::Data::Struct(..) => {
                errors.at(
                    input.ident.span(),
                    "only structs with named fields can stand for events and struct columns",
                );
                Wire::Unsupported
            }
            ast::Data::Enum(variants) => Wire::Enum(
                variants
                    .iter()
                    .map(|v| WireVariant {
                        ident: v.ident.clone(),
                        wire: v.attrs.name().serialize_name().value.clone(),
                        skipped: v.attrs.skip_serializing(),
                        unit: matches!(v.style, ast::Style::Unit),
                    })
                    .collect(),
            ),
        },
    };
    if let Err(e) = cx.check() {
        errors.push(e);
    }
    out
}

/// Whether `ty` is written `Option<…>` (the last path segment is `Option` with one argument).
pub fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            s.ident == "Option"
                && matches!(&s.arguments, syn::PathArguments::AngleBracketed(a) if a.args.len() == 1)
        }),
        syn::Type::Group(g) => is_option(&g.elem),
        syn::Type::Paren(p) => is_option(&p.elem),
        _ => false,
    }
}
