//! Building the hot part of the expansion (the `DatalakeEvent` impl of every struct) as a
//! `Vec<TokenTree>` rather than by interpolating `TokenStream` fragments into `quote!`.
//!
//! Inside a proc-macro every `TokenStream` operation (clone, concatenation, flushing the
//! trees `quote!` buffered) is a round trip to the compiler, while creating an `Ident`,
//! `Punct` or `Literal` and pushing it onto a `Vec` is not. Interpolating one fragment costs
//! about three round trips; a struct's impl had some thirty of them, and they were about
//! half of the derive's own time (docs/benchmarks.md, "Derive"). Only groups (`(…)`, `{…}`)
//! still need one round trip each, when their contents become a stream.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Token trees under construction, all with one span unless given another.
pub struct Trees {
    trees: Vec<TokenTree>,
    span: Span,
}

impl Trees {
    /// Empty, for tokens at `span`.
    pub fn new(span: Span) -> Self {
        Self {
            trees: Vec::new(),
            span,
        }
    }

    /// An identifier (or keyword).
    pub fn ident(&mut self, name: &str) -> &mut Self {
        self.trees.push(Ident::new(name, self.span).into());
        self
    }

    /// Operators and separators, e.g. `"::"`, `"->"`, `"&"`, `","`: every character but the
    /// last is joined to the next one.
    pub fn punct(&mut self, op: &str) -> &mut Self {
        let mut chars = op.chars().peekable();
        while let Some(c) = chars.next() {
            let spacing = if chars.peek().is_some() {
                Spacing::Joint
            } else {
                Spacing::Alone
            };
            let mut p = Punct::new(c, spacing);
            p.set_span(self.span);
            self.trees.push(p.into());
        }
        self
    }

    /// A path such as `::core::option::Option`, written as one string.
    pub fn path(&mut self, path: &str) -> &mut Self {
        let (leading, rest) = match path.strip_prefix("::") {
            Some(rest) => (true, rest),
            None => (false, path),
        };
        if leading {
            self.punct("::");
        }
        for (i, segment) in rest.split("::").enumerate() {
            if i > 0 {
                self.punct("::");
            }
            self.ident(segment);
        }
        self
    }

    /// A string literal.
    pub fn string(&mut self, value: &str) -> &mut Self {
        let mut l = Literal::string(value);
        l.set_span(self.span);
        self.trees.push(l.into());
        self
    }

    /// Any token trees, kept as they are (with their own spans).
    pub fn extend(&mut self, trees: impl IntoIterator<Item = TokenTree>) -> &mut Self {
        self.trees.extend(trees);
        self
    }

    /// A delimited group whose contents `inner` writes, at this builder's span.
    pub fn group(&mut self, delimiter: Delimiter, inner: impl FnOnce(&mut Trees)) -> &mut Self {
        let mut nested = Trees::new(self.span);
        inner(&mut nested);
        let mut g = Group::new(delimiter, nested.into_stream());
        g.set_span(self.span);
        self.trees.push(g.into());
        self
    }

    /// The trees built so far.
    pub fn into_trees(self) -> Vec<TokenTree> {
        self.trees
    }

    /// The trees as one stream (one round trip).
    pub fn into_stream(self) -> TokenStream {
        self.trees.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_what_quote_builds() {
        let mut t = Trees::new(Span::call_site());
        t.path("::core::option::Option")
            .punct("::")
            .ident("Some")
            .group(Delimiter::Parenthesis, |t| {
                t.punct("&").ident("x").punct(",").string("a\"b");
            })
            .punct("->");
        assert_eq!(
            t.into_stream().to_string(),
            quote::quote!(::core::option::Option::Some(&x, "a\"b") ->).to_string()
        );
    }
}
