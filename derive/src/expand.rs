//! The expansion: from a derive input to the impls, or to spanned errors.
//!
//! Rules of this module:
//! - runtime items are named by absolute path (`::eventlake::…`, or the `crate = "…"`
//!   override); `DatalakeEvent` expands to one impl at the crate's level (no `const _: () =
//!   { … }` around it, which would be one more body per struct for rustc to check), and the
//!   nested derives' impls sit in such a block;
//! - the first expansion in a crate that finds a schema file names it and the
//!   `EVENTLAKE_SCHEMA` variable (`include_bytes!`, `option_env!`), even when the file is
//!   invalid, so cargo rebuilds the crate when either changes (see `locate::first_dependency`);
//! - the `DatalakeEvent` impl is one constant (`__META`) and one method (`__columns`); the
//!   trait provides `LAKE`, `EVENT`, `STREAM`, `SCHEMA_FINGERPRINT`, `partition_key` and
//!   `to_record` from them. `scripts/bench-derive-floor` measures what rustc spends on it;
//! - type compatibility is left to rustc, and each column costs one call in one function
//!   nested in `__columns`: `__eventlake_columns<r#total, …>` has a type parameter named after
//!   each column and calls the shared runtime trait of the column's Glue type family
//!   (`eventlake::column::check::IsDecimal::<r#total, 12, 2>::write(&__s.total, …)`), whose
//!   `#[diagnostic::on_unimplemented]` message prints the column name from that parameter.
//!   The argument's tokens carry the field type's first and last spans, so the one error of a
//!   mismatch is reported at the field's type. Nothing is declared per column, so rustc has no
//!   per-column items to resolve, coherence-check or type-check (docs/benchmarks.md, "Derive");
//! - columns the shared traits cannot describe (arrays, maps, structs, enum values, and every
//!   field of a nested `DatalakeStruct`, whose message names the dotted path) get a local
//!   trait with the whole Glue type in its message, implemented (with
//!   `#[diagnostic::do_not_recommend]`) for every `Column<G>` of that type;
//! - after a mistake the impls are still emitted for what matched, so rustc's type errors and
//!   the derive's own errors arrive in the same build.

use proc_macro2::{Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{DeriveInput, LitStr};

use eventlake_schema::{Event, Field, Type, mapping};

use crate::attr::{self, Errors, Wire, WireField};
use crate::checks;
use crate::locate;

/// Which derive is expanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `DatalakeEvent`
    Event,
    /// `DatalakeStruct`
    Struct,
    /// `DatalakeEnum`
    Enum,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Event => "DatalakeEvent",
            Kind::Struct => "DatalakeStruct",
            Kind::Enum => "DatalakeEnum",
        }
    }
}

/// Expands one derive; never panics, errors become `compile_error!`s in the output.
pub fn derive(kind: Kind, input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let body = expand(kind, &input, &mut errors);
    let errs = errors.to_compile_errors();
    if body.is_empty() {
        return errs;
    }
    if kind == Kind::Event {
        // One impl at the crate's level, no `const _` block: that block is a body of its own
        // for rustc to check, for every struct (docs/benchmarks.md, "Derive").
        return concat(errs, body);
    }
    quote! {
        #errs
        #[allow(non_camel_case_types, non_snake_case, unused_qualifications, clippy::all)]
        const _: () = {
            #body
        };
    }
}

fn expand(kind: Kind, input: &DeriveInput, errors: &mut Errors) -> TokenStream {
    let nested = kind != Kind::Event;
    let cont = attr::container(input, nested, errors);
    let wire = attr::wire(input, errors);
    // `::eventlake`, or the `crate = "…"` override.
    let krate = cont
        .krate
        .as_ref()
        .map_or_else(|| quote!(::eventlake), ToTokens::to_token_stream);
    match (&wire, kind) {
        (Wire::Struct(_), Kind::Event | Kind::Struct) | (Wire::Enum(_), Kind::Enum) => {}
        (Wire::Unsupported, _) => return TokenStream::new(),
        (_, Kind::Enum) => {
            errors.at(input.ident.span(), "`DatalakeEnum` derives on enums only");
            return TokenStream::new();
        }
        (_, _) => {
            errors.at(
                input.ident.span(),
                format!(
                    "`{}` derives on structs with named fields only; enum columns take `DatalakeEnum`",
                    kind.name()
                ),
            );
            return TokenStream::new();
        }
    }
    for p in &input.generics.params {
        if !matches!(p, syn::GenericParam::Lifetime(_)) {
            errors.spanned(
                p,
                "type and const parameters are not supported: every field's type must be concrete to be checked against events.toml",
            );
            return TokenStream::new();
        }
    }
    if nested && (cont.event.is_none() || cont.field.is_none()) {
        errors.at(
            input.ident.span(),
            format!(
                "`{}` needs to know which column it stands for: add `#[datalake(event = \"…\", field = \"column\")]`",
                kind.name()
            ),
        );
        return TokenStream::new();
    }

    let span = cont
        .schema
        .as_ref()
        .map_or_else(Span::call_site, LitStr::span);
    let located = match locate::locate(cont.schema.as_ref(), input.ident.span()) {
        Ok(l) => l,
        Err(e) => {
            errors.push(e);
            return TokenStream::new();
        }
    };
    let path_str = located.path.display().to_string();
    let env = locate::ENV_SCHEMA;
    // Once per crate is enough for cargo's dep-info, and each copy costs rustc the whole file.
    let tracking = if locate::first_dependency(&located.path) {
        quote! {
            const _: (&[u8], ::core::option::Option<&str>) =
                (::core::include_bytes!(#path_str), ::core::option_env!(#env));
        }
    } else {
        TokenStream::new()
    };
    let schema = match locate::load(&Located::with_span(located, span)) {
        Ok(s) => s,
        Err(report) => {
            errors.push(locate::report_errors(&report, span));
            return tracking;
        }
    };
    let Some(event) = checks::find_event(&schema, cont.event.as_ref(), &input.ident, errors) else {
        return tracking;
    };
    let cx = Cx {
        krate,
        input,
        event,
    };
    let body = match (kind, &wire, &cont.field) {
        (Kind::Event, Wire::Struct(fields), _) => {
            let owner = format!("event `{}`", event.name);
            let matched = checks::match_fields(&event.fields, fields, &owner, &input.ident, errors);
            cx.event_impl(&schema.lake.name, &matched)
        }
        (Kind::Struct, Wire::Struct(fields), Some(lit)) => {
            let Some(column) = checks::resolve_field(event, lit, errors) else {
                return tracking;
            };
            let Some(columns) = checks::struct_fields(&column.ty) else {
                errors.spanned(
                    lit,
                    format!(
                        "column `{}` is `{}`, not a struct; `DatalakeStruct` stands for `struct<…>` columns",
                        lit.value(),
                        column.ty
                    ),
                );
                return tracking;
            };
            let path = format!("{}.{}", event.name, lit.value());
            let owner = format!("struct column `{path}`");
            let matched = checks::match_fields(columns, fields, &owner, &input.ident, errors);
            cx.struct_impl(&path, columns, &matched)
        }
        (Kind::Enum, Wire::Enum(variants), Some(lit)) => {
            let Some(column) = checks::resolve_field(event, lit, errors) else {
                return tracking;
            };
            let path = format!("{}.{}", event.name, lit.value());
            let _ok = checks::match_variants(column, &path, variants, &input.ident, lit, errors);
            if column.enum_values.is_empty() {
                return tracking;
            }
            cx.enum_impl(column, variants)
        }
        _ => TokenStream::new(),
    };
    concat(tracking, body)
}

/// `a` then `b`, without a round trip to the compiler when `a` is empty (the usual case).
fn concat(a: TokenStream, b: TokenStream) -> TokenStream {
    if a.is_empty() {
        return b;
    }
    let mut a = a;
    a.extend(b);
    a
}

use locate::Located;

impl Located {
    fn with_span(mut self, span: Span) -> Self {
        self.span = span;
        self
    }
}

struct Cx<'a> {
    krate: TokenStream,
    input: &'a DeriveInput,
    event: &'a Event,
}

impl Cx<'_> {
    fn private(&self) -> TokenStream {
        let k = &self.krate;
        quote!(#k::__private)
    }

    /// How each matched column is checked and written: the local column traits (only for
    /// columns the shared checks cannot express), the write statements (reading `__s`, writing
    /// to `__out`), the type parameters named after shared-checked columns, and the partition
    /// key expression (reading `self`) when `partition_key` names a matched column.
    fn columns(
        &self,
        path_prefix: &str,
        matched: &[checks::Matched<'_, '_>],
        shared: bool,
        partition_key: Option<&str>,
    ) -> Columns {
        let p = self.private();
        let mut out = Columns::default();
        for m in matched {
            let column = m.column;
            let WireField { ident, ty, .. } = m.field;
            let key = column.json_key();
            let (first, arg) = field_arg(ty, ident);
            let is_key = partition_key == Some(column.name.as_str());
            let family = shared
                .then(|| family(&column.ty, &column.enum_values))
                .flatten()
                .zip(column_param(&column.name, &self.input.ident));
            if let Some(((name, consts), param)) = family {
                // One call per column through a shared runtime trait whose message names the
                // column through the type parameter `param`:
                // `__eventlake_p::IsX::<param, consts…, __eventlake_p::Key>::write(&__s.f, "key", __out);`
                let tr = if column.required { "Is" } else { "IsOptional" };
                let tr = syn::Ident::new(&format!("{tr}{name}"), first);
                let k = is_key.then(|| quote_spanned!(first=> , __eventlake_p::Key));
                let check = quote_spanned!(first=> __eventlake_p::#tr::<#param #(, #consts)* #k>);
                out.writes.extend(quote_spanned! {first=>
                    #check::write(#(#arg)*, #key, __out);
                });
                if is_key {
                    // The same predicate at the same span as the write, in the same function:
                    // rustc reports a mismatch once.
                    out.key = Some(quote_spanned!(first=> #check::key(#(#arg)*)));
                }
                out.params.push(param);
                continue;
            }
            let path = format!("{path_prefix}{}", column.name);
            let tr = format_ident!("__eventlake_column_{}", column.name);
            out.traits.extend(local_trait(
                &p,
                column,
                &path,
                &self.event.name,
                &tr,
                is_key,
            ));
            out.writes.extend(quote_spanned! {first=>
                #tr::__eventlake_write(#(#arg)*, #key, __out);
            });
            if is_key {
                out.key = Some(quote_spanned!(first=> #tr::__eventlake_partition_key(#(#arg)*)));
            }
        }
        out
    }

    fn event_impl(&self, lake: &str, matched: &[checks::Matched<'_, '_>]) -> TokenStream {
        let pk = self.event.partition_key.as_deref();
        let Columns {
            traits,
            writes,
            params,
            key,
        } = self.columns("", matched, true, pk);
        let event = &self.event.name;
        let key = key.unwrap_or_else(|| quote!(__eventlake_p::random_partition_key()));
        let k = &self.krate;
        let p = self.private();
        let ident = &self.input.ident;
        let (impl_g, ty_g, where_c) = self.input.generics.split_for_impl();
        let stream = format!("{lake}-{event}");
        let fingerprint = self.event.fingerprint();
        let capacity = Literal::usize_unsuffixed(32 * matched.len().max(1));
        let event_time =
            self.event.settings.partitioning == eventlake_schema::Partitioning::EventTime;
        let lifetimes = self.input.generics.params.iter();
        let turbofish = (!params.is_empty()).then(|| {
            let units = params.iter().map(|_| quote!(()));
            quote!(::<#(#units,)*>)
        });
        // The alias `__eventlake_p` is declared in `__columns`, where no column names a type
        // parameter; the nested function reaches the writer through it, as it must: a relative
        // `crate = "…"` path could start with the name of one of its type parameters (a
        // column's name). One function per struct does all the column work, for the record and
        // for the key: its type parameters are named after the columns (the shared checks
        // print them), and the partition key column's check is the same predicate at the same
        // span in the same body as its write, so a mismatch is reported once. It cannot name
        // `Self`; the struct's own generics are lifetimes only.
        quote! {
            #[automatically_derived]
            #[allow(unused_qualifications, clippy::all)]
            impl #impl_g #k::DatalakeEvent for #ident #ty_g #where_c {
                const __META: #p::EventMeta = #p::EventMeta {
                    lake: #lake,
                    event: #event,
                    stream: #stream,
                    fingerprint: #fingerprint,
                    capacity: #capacity,
                    event_time: #event_time
                };
                fn __columns(
                    &self,
                    __out: ::core::option::Option<&mut #p::JsonWriter>
                ) -> ::std::string::String {
                    use #p as __eventlake_p;
                    #traits
                    #[allow(non_camel_case_types, non_snake_case)]
                    fn __eventlake_columns<#(#lifetimes,)* #(#params,)*>(
                        __s: &#ident #ty_g,
                        __out: ::core::option::Option<&mut __eventlake_p::JsonWriter>
                    ) -> ::std::string::String #where_c {
                        let ::core::option::Option::Some(__out) = __out else {
                            return #key;
                        };
                        #writes
                        ::std::string::String::new()
                    }
                    __eventlake_columns #turbofish (self, __out)
                }
            }
        }
    }

    fn struct_impl(
        &self,
        path: &str,
        columns: &[Field],
        matched: &[checks::Matched<'_, '_>],
    ) -> TokenStream {
        let k = &self.krate;
        let p = self.private();
        let ident = &self.input.ident;
        let (impl_g, ty_g, where_c) = self.input.generics.split_for_impl();
        let prefix = format!("{}.", path.split_once('.').map_or(path, |(_, rest)| rest));
        let Columns { traits, writes, .. } = self.columns(&prefix, matched, false, None);
        let id = checks::struct_id(columns);
        quote! {
            #traits
            #[automatically_derived]
            impl #impl_g #k::DatalakeStruct for #ident #ty_g #where_c {
                const PATH: &'static str = #path;
            }
            #[automatically_derived]
            impl #impl_g #p::Column<#p::glue::Struct<#id>> for #ident #ty_g #where_c {
                fn write_json(&self, __out: &mut #p::JsonWriter) {
                    let __s = self;
                    __out.begin_object();
                    #writes
                    __out.end_object();
                }
            }
        }
    }

    fn enum_impl(&self, column: &Field, variants: &[attr::WireVariant]) -> TokenStream {
        let k = &self.krate;
        let p = self.private();
        let ident = &self.input.ident;
        let (impl_g, ty_g, where_c) = self.input.generics.split_for_impl();
        let id = checks::enum_id(&column.enum_values);
        let arms = variants.iter().map(|v| {
            let (vi, wire) = (&v.ident, &v.wire);
            quote!(Self::#vi { .. } => #wire,)
        });
        let body = if variants.is_empty() {
            quote!(match *self {})
        } else {
            quote!(match self { #(#arms)* })
        };
        quote! {
            #[automatically_derived]
            impl #impl_g #k::DatalakeEnum for #ident #ty_g #where_c {
                fn as_str(&self) -> &'static str {
                    #body
                }
            }
            #[automatically_derived]
            impl #impl_g #p::Column<#p::glue::Enum<#id>> for #ident #ty_g #where_c {
                fn write_json(&self, __out: &mut #p::JsonWriter) {
                    __out.string(#p::DatalakeEnum::as_str(self));
                }
            }
            #[automatically_derived]
            impl #impl_g #p::PartitionValue for #ident #ty_g #where_c {
                fn partition_value(&self) -> ::core::option::Option<::std::string::String> {
                    ::core::option::Option::Some(::std::string::String::from(#p::DatalakeEnum::as_str(self)))
                }
            }
        }
    }
}

/// What [`Cx::columns`] produces.
#[derive(Default)]
struct Columns {
    traits: TokenStream,
    writes: TokenStream,
    params: Vec<syn::Ident>,
    key: Option<TokenStream>,
}

/// The shared check family of a column (`IsX`/`IsOptionalX` in `__private`) and its const
/// arguments, for the Glue types those traits spell; `None` for arrays, maps, structs and
/// enum columns, whose messages need the whole type.
fn family(ty: &Type, enum_values: &[String]) -> Option<(&'static str, Vec<Literal>)> {
    if !enum_values.is_empty() {
        return None;
    }
    let row = mapping::scalar(ty)?;
    Some((row.family, params(ty, false)))
}

/// A scalar type's const arguments (`12, 2` of `decimal(12,2)`), suffixed (`12u8`) as the
/// marker types' generics are spelled, or not, as the shared checks' are.
fn params(ty: &Type, suffixed: bool) -> Vec<Literal> {
    let literal = |p| match (p, suffixed) {
        (mapping::Param::U8(n), true) => Literal::u8_suffixed(n),
        (mapping::Param::U8(n), false) => Literal::u8_unsuffixed(n),
        (mapping::Param::U32(n), true) => Literal::u32_suffixed(n),
        (mapping::Param::U32(n), false) => Literal::u32_unsuffixed(n),
    };
    mapping::params(ty).into_iter().map(literal).collect()
}

/// The type parameter standing for a column in the shared checks: the column name itself,
/// which rustc prints in the `on_unimplemented` message. Always a raw identifier (`r#total`):
/// column names are `[a-z][a-z0-9_]*`, so some are Rust keywords, rustc prints raw names
/// without `r#`, and no keyword list is needed (nor `syn`'s parser, per column). `None` when
/// the name cannot be one (`self`, `crate`, `super`) or would hide the struct's name in the
/// function's signature. Nothing else inside that function is named by a relative path.
fn column_param(name: &str, struct_ident: &syn::Ident) -> Option<syn::Ident> {
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid || matches!(name, "self" | "Self" | "crate" | "super") || struct_ident == name {
        return None;
    }
    Some(syn::Ident::new_raw(name, Span::call_site()))
}

/// `&__s.field`, with `&` at the first token of the field's type and `field` at its last:
/// rustc reports a failed bound at the argument that fixed `Self`, and the argument's span
/// then covers the whole type (on stable a proc macro cannot join spans itself). Also returns
/// the first token's span, for the rest of the call.
fn field_arg(ty: &syn::Type, ident: &syn::Ident) -> (Span, [TokenTree; 4]) {
    use proc_macro2::{Punct, Spacing};
    let (first, last) = type_spans(ty);
    let mut amp = Punct::new('&', Spacing::Alone);
    amp.set_span(first);
    let mut dot = Punct::new('.', Spacing::Alone);
    dot.set_span(first);
    let mut member = ident.clone();
    member.set_span(last);
    let arg = [
        TokenTree::Punct(amp),
        TokenTree::Ident(syn::Ident::new("__s", first)),
        TokenTree::Punct(dot),
        TokenTree::Ident(member),
    ];
    (first, arg)
}

/// The spans of a type's first and last tokens. Plain paths and references (nearly every
/// field) are read from syn's tree; anything else is turned back into tokens, which costs a
/// round trip through the compiler per token.
fn type_spans(ty: &syn::Type) -> (Span, Span) {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            let segments = &p.path.segments;
            let first = match (&p.path.leading_colon, segments.first()) {
                (Some(colon), _) => Some(colon.spans[0]),
                (None, seg) => seg.map(|seg| seg.ident.span()),
            };
            let last = segments.last().and_then(|seg| match &seg.arguments {
                syn::PathArguments::None => Some(seg.ident.span()),
                syn::PathArguments::AngleBracketed(a) => Some(a.gt_token.span),
                syn::PathArguments::Parenthesized(_) => None,
            });
            first.zip(last).unwrap_or_else(|| token_spans(ty))
        }
        syn::Type::Reference(r) => (r.and_token.span, type_spans(&r.elem).1),
        _ => token_spans(ty),
    }
}

fn token_spans(ty: &syn::Type) -> (Span, Span) {
    let mut tokens = ty.to_token_stream().into_iter();
    let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let last = tokens.last().map_or(first, |t| t.span());
    (first, last)
}

/// A local trait for one column, implemented for the Rust types of its Glue type, whose
/// `on_unimplemented` message spells the whole column type; used where the shared checks
/// cannot say it (nested paths, arrays, maps, structs, enums).
fn local_trait(
    p: &TokenStream,
    column: &Field,
    path: &str,
    event: &str,
    tr: &syn::Ident,
    is_key: bool,
) -> TokenStream {
    let glue = glue(&column.ty, &column.enum_values, &quote!(#p::glue));
    let ty_text = describe(column);
    let accepts = accepts(&column.ty, &column.enum_values, event, path);
    let (message, label, note) = if column.required {
        (
            format!(
                "column `{path}` is `{ty_text}` in events.toml; `{{Self}}` cannot be written as one"
            ),
            format!("expected a Rust type for `{ty_text}`"),
            "a required column takes the value itself, not `Option<…>`",
        )
    } else {
        (
            format!(
                "column `{path}` is an optional `{ty_text}` in events.toml; `{{Self}}` cannot be written as one"
            ),
            format!("expected `Option<T>`, T a Rust type for `{ty_text}`"),
            "an optional column takes `Option<…>`; `None` leaves the column NULL",
        )
    };
    let accepts_note = escape(&format!("`{ty_text}` accepts {accepts}"));
    let (message, label) = (escape_keep_self(&message), escape(&label));
    // The partition key column's trait also yields the key, so a wrong type is one error
    // (this one), not a second one about partition keys.
    let (key_decl, key_bound, key_fn) = if is_key {
        (
            quote!(
                fn __eventlake_partition_key(&self) -> ::std::string::String;
            ),
            quote!(+ #p::PartitionValue),
            quote! {
                #[inline]
                fn __eventlake_partition_key(&self) -> ::std::string::String {
                    #p::partition_key_of(self)
                }
            },
        )
    } else {
        (TokenStream::new(), TokenStream::new(), TokenStream::new())
    };
    let value_impl = if column.required {
        quote! {
            #[diagnostic::do_not_recommend]
            impl<T: ?::core::marker::Sized + #p::Column<#glue> #key_bound> #tr for T {
                #[inline]
                fn __eventlake_write(&self, key: &'static str, out: &mut #p::JsonWriter) {
                    out.key(key);
                    #p::Column::<#glue>::write_json(self, out);
                }
                #key_fn
            }
        }
    } else {
        quote! {
            #[diagnostic::do_not_recommend]
            impl<T: #p::Column<#glue> #key_bound> #tr for ::core::option::Option<T> {
                #[inline]
                fn __eventlake_write(&self, key: &'static str, out: &mut #p::JsonWriter) {
                    if let ::core::option::Option::Some(value) = self {
                        out.key(key);
                        #p::Column::<#glue>::write_json(value, out);
                    }
                }
                #key_fn
            }
        }
    };
    quote! {
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #accepts_note, note = #note)]
        trait #tr {
            fn __eventlake_write(&self, key: &'static str, out: &mut #p::JsonWriter);
            #key_decl
        }
        #value_impl
    }
}

/// The Glue marker type of a column, as a type path under `g` (`…::glue`).
fn glue(ty: &Type, enum_values: &[String], g: &TokenStream) -> TokenStream {
    if !enum_values.is_empty() && ty.is_text() {
        let id = checks::enum_id(enum_values);
        return quote!(#g::Enum<#id>);
    }
    match ty {
        Type::Array { items } => {
            let i = glue(items, &[], g);
            quote!(#g::Array<#i>)
        }
        Type::Map { key, value } => {
            let (k, v) = (glue(key, &[], g), glue(value, &[], g));
            quote!(#g::Map<#k, #v>)
        }
        Type::Struct { fields } => {
            let id = checks::struct_id(fields);
            quote!(#g::Struct<#id>)
        }
        scalar => {
            let Some(row) = mapping::scalar(scalar) else {
                return TokenStream::new();
            };
            let name = syn::Ident::new(row.family, Span::call_site());
            let params = params(scalar, true);
            if params.is_empty() {
                quote!(#g::#name)
            } else {
                quote!(#g::#name<#(#params),*>)
            }
        }
    }
}

/// The column's type as shown in messages: the Glue spelling, plus enum values.
fn describe(column: &Field) -> String {
    if column.enum_values.is_empty() {
        column.ty.to_string()
    } else {
        format!("{} (enum {})", column.ty, column.enum_values.join(" | "))
    }
}

/// What Rust types a column accepts, for the error note.
fn accepts(ty: &Type, enum_values: &[String], event: &str, path: &str) -> String {
    let nested = |what: &str| {
        let (article, derive) = if what == "struct" {
            ("a", "DatalakeStruct")
        } else {
            ("an", "DatalakeEnum")
        };
        format!(
            "{article} {what} deriving `{derive}` with `#[datalake(event = \"{event}\", field = \"{path}\")]`"
        )
    };
    if !enum_values.is_empty() && ty.is_text() {
        return format!("`String` (or `&str`, `Cow<str>`) or {}", nested("enum"));
    }
    match ty {
        Type::Array { items } => format!(
            "`Vec<T>` (or `[T]`, `[T; N]`, `VecDeque<T>`) where T is {}",
            accepts(items, &[], event, path)
        ),
        Type::Map { key, value } => format!(
            "`HashMap<K, V>` or `BTreeMap<K, V>` where K is {} and V is {}",
            accepts(key, &[], event, path),
            accepts(value, &[], event, path)
        ),
        Type::Struct { .. } => nested("struct"),
        scalar => mapping::scalar(scalar).map_or_else(String::new, |row| row.accepts.to_owned()),
    }
}

/// Escapes `{`/`}` for `on_unimplemented` format strings.
fn escape(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

/// Like [`escape`], but keeps the `{Self}` placeholder.
fn escape_keep_self(s: &str) -> String {
    s.split("{Self}")
        .map(escape)
        .collect::<Vec<_>>()
        .join("{Self}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expands, formats with prettyplease and replaces the absolute schema path.
    fn expand_pretty(kind: Kind, input: TokenStream) -> String {
        let out = derive(kind, input);
        let file: syn::File = syn::parse2(out).expect("the expansion parses as a file");
        let text = prettyplease::unparse(&file);
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/shop.toml")
            .canonicalize()
            .expect("fixture exists");
        text.replace(&fixture.display().to_string(), "[fixtures]/shop.toml")
    }

    #[test]
    fn event_expansion() {
        insta::assert_snapshot!(expand_pretty(
            Kind::Event,
            quote! {
                #[datalake(schema = "../tests/fixtures/shop.toml")]
                #[serde(rename_all = "camelCase")]
                pub struct StaffUpdated<'a> {
                    staff_name: &'a str,
                    staff_id: i32,
                    email_id: Option<String>,
                    status: Option<String>,
                    source_timestamp: std::time::SystemTime,
                    metadata: Option<Meta>,
                    #[serde(skip)]
                    internal: u8,
                }
            }
        ));
    }

    #[test]
    fn struct_and_enum_expansion() {
        insta::assert_snapshot!(expand_pretty(
            Kind::Struct,
            quote! {
                #[datalake(schema = "../tests/fixtures/shop.toml", event = "order_placed", field = "shipping.geo")]
                struct Geo { lat: Option<f64>, lon: Option<f64> }
            }
        ));
        // The second expansion on this thread with the same schema: no `include_bytes!`.
        insta::assert_snapshot!(expand_pretty(
            Kind::Enum,
            quote! {
                #[datalake(schema = "../tests/fixtures/shop.toml", event = "order_placed", field = "currency", crate = "el")]
                enum Currency { #[serde(rename = "USD")] Usd, #[serde(rename = "EUR")] Eur, #[serde(rename = "GBP")] Gbp }
            }
        ));
    }

    /// The messages of every `compile_error!` in the expansion, read from the tokens (not
    /// from their text, whose spacing is the printer's choice).
    fn errors_of(kind: Kind, input: TokenStream) -> Vec<String> {
        fn collect(tokens: TokenStream, out: &mut Vec<String>) {
            let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
            for (i, tree) in tokens.iter().enumerate() {
                let proc_macro2::TokenTree::Group(group) = tree else {
                    continue;
                };
                let is_call = matches!(
                    tokens.get(i.wrapping_sub(2)..i),
                    Some([proc_macro2::TokenTree::Ident(name), proc_macro2::TokenTree::Punct(bang)])
                        if name == "compile_error" && bang.as_char() == '!'
                );
                match syn::parse2::<syn::LitStr>(group.stream()) {
                    Ok(message) if is_call => out.push(message.value()),
                    _ => collect(group.stream(), out),
                }
            }
        }
        let mut messages = Vec::new();
        collect(derive(kind, input), &mut messages);
        messages
    }

    #[test]
    fn every_problem_is_reported_in_one_expansion() {
        let errs = errors_of(
            Kind::Event,
            quote! {
                #[datalake(schema = "../tests/fixtures/shop.toml", event = "order_placed", evnt = "x")]
                #[datalake(event = "again")]
                struct OrderPlaced {
                    order_id: Option<String>,
                    custmer_id: i64,
                    #[datalake(skip)]
                    total: f64,
                }
            },
        );
        let all = errs.join("\n");
        assert!(
            all.contains("unknown datalake attribute `evnt`; did you mean `event`?"),
            "{all}"
        );
        assert!(
            all.contains("duplicate datalake attribute `event`"),
            "{all}"
        );
        assert!(all.contains("`#[datalake]` goes on the struct"), "{all}");
        assert!(all.contains("column `order_id` is required"), "{all}");
        assert!(all.contains("did you mean `customer_id`?"), "{all}");
        assert!(
            all.contains("has no field for columns `occurred_at`"),
            "{all}"
        );
        assert_eq!(errs.len(), 6, "{all}");
    }

    #[test]
    fn unknown_events_and_camel_case_keys() {
        let errs = errors_of(
            Kind::Event,
            quote! {
                #[datalake(schema = "../tests/fixtures/shop.toml")]
                struct OrderPlace { order_id: String }
            },
        );
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].contains("unknown event `order_place`; did you mean `order_placed`?"),
            "{errs:?}"
        );

        let errs = errors_of(
            Kind::Event,
            quote! {
                #[datalake(schema = "../tests/fixtures/shop.toml")]
                struct StaffUpdated { staff_name: String }
            },
        );
        assert!(
            errs[0].contains("add `#[serde(rename = \"staffName\")]`"),
            "{errs:?}"
        );
    }

    #[test]
    fn schema_errors_keep_the_rebuild_dependency() {
        let out = derive(
            Kind::Event,
            quote! {
                #[datalake(schema = "../tests/fixtures/malformed.toml")]
                struct OrderPlaced { order_id: String }
            },
        )
        .to_string();
        assert!(out.contains("include_bytes"), "{out}");
        assert!(out.contains("malformed.toml:"), "{out}");
        let missing = derive(
            Kind::Event,
            quote! {
                #[datalake(schema = "nope.toml")]
                struct OrderPlaced { order_id: String }
            },
        )
        .to_string();
        assert!(!missing.contains("include_bytes"), "{missing}");
    }

    #[test]
    fn on_unimplemented_strings_are_escaped() {
        assert_eq!(escape_keep_self("a {Self} b {x}"), "a {Self} b {{x}}");
    }
}
