//! Reading TOML values: tables and their keys, strings, booleans, integers in a range,
//! choices, bounded text and names, each reporting a located error when the value is wrong.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Cx, Entry, Value};
use crate::diag::{Diagnostic, did_you_mean};
use crate::names;

impl Cx<'_> {
    /// Reports keys not in `allowed`, with a suggestion.
    pub(super) fn unknown_keys(
        &mut self,
        table: &DeTable<'_>,
        allowed: &[&str],
        what: &str,
        extra_help: Option<&str>,
    ) {
        for (k, _) in table {
            let key = k.get_ref();
            if allowed.contains(&key.as_ref()) {
                continue;
            }
            let help = match did_you_mean(key, allowed.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => match extra_help {
                    Some(h) => h.to_owned(),
                    None => format!("allowed keys in {what}: {}", allowed.join(", ")),
                },
            };
            self.push(
                Diagnostic::error(k.span(), format!("unknown key `{key}` in {what}"))
                    .with_label("not recognised")
                    .with_help(help),
            );
        }
    }

    /// `entry`, or `None` and an error at `at` saying what is missing.
    pub(super) fn present<T>(
        &mut self,
        entry: Option<T>,
        at: &Value<'_>,
        missing: String,
        help: &str,
    ) -> Option<T> {
        if entry.is_none() {
            self.push(Diagnostic::error(at.span(), missing).with_help(help));
        }
        entry
    }

    pub(super) fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<Entry<'a, 'i>> {
        table.iter().find(|(k, _)| k.get_ref().as_ref() == key)
    }

    pub(super) fn expect_table<'a, 'i>(
        &mut self,
        v: &'a Spanned<DeValue<'i>>,
        what: &str,
    ) -> Option<&'a DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.push(wrong_kind(v, what, "a table"));
                None
            }
        }
    }

    pub(super) fn string(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.push(wrong_kind(v, what, "a string"));
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.push(wrong_kind(v, what, "`true` or `false`"));
                None
            }
        }
    }

    pub(super) fn int_in(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        what: &str,
        min: u32,
        max: u32,
        why: &str,
    ) -> Option<u32> {
        let n = match v.get_ref() {
            DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        };
        match n {
            Some(n) if n >= i128::from(min) && n <= i128::from(max) => u32::try_from(n).ok(),
            Some(n) => {
                self.push(
                    Diagnostic::error(
                        v.span(),
                        format!("`{what}` must be between {min} and {max}, not {n}"),
                    )
                    .with_help(why.to_owned()),
                );
                None
            }
            None => {
                self.push(wrong_kind(v, &format!("`{what}`"), "a whole number"));
                None
            }
        }
    }

    pub(super) fn choice<T>(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        what: &str,
        names: &[&str],
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let s = self.string(v, &format!("`{what}`"))?;
        match parse(&s) {
            Some(t) => Some(t),
            None => {
                let help = match did_you_mean(&s, names.iter().copied()) {
                    Some(m) => format!("did you mean `{m}`?"),
                    None => format!("use one of: {}", names.join(", ")),
                };
                self.push(
                    Diagnostic::error(v.span(), format!("`{s}` is not a valid `{what}`"))
                        .with_help(help),
                );
                None
            }
        }
    }

    pub(super) fn text_limit(&mut self, v: &Value<'_>, what: &str, max: usize) -> Option<String> {
        let s = self.string(v, what)?;
        let n = s.chars().count();
        if n > max {
            self.push(
                Diagnostic::error(
                    v.span(),
                    format!("{what} is {n} characters long; AWS allows at most {max}"),
                )
                .with_help("shorten it"),
            );
        }
        Some(s)
    }

    pub(super) fn check_name(
        &mut self,
        key: &Spanned<Cow<'_, str>>,
        what: &str,
        max: usize,
    ) -> bool {
        match names::name_problem(key.get_ref(), max) {
            None => true,
            Some(problem) => {
                let fix: String = names::to_snake_case(key.get_ref())
                    .chars()
                    .take(max)
                    .collect();
                self.push(
                    Diagnostic::error(key.span(), format!("invalid {what} name: {problem}"))
                        .with_help(format!(
                            "names are lowercase snake case (`^[a-z][a-z0-9_]*$`); try `{fix}`{}",
                            if what == "column" || what == "struct field" {
                                format!(
                                    " and, if producers send `{}`, add `json = \"{}\"`",
                                    key.get_ref(),
                                    key.get_ref()
                                )
                            } else {
                                String::new()
                            }
                        )),
                );
                false
            }
        }
    }

    // ---- document structure ------------------------------------------------------------
}

/// "`what` must be `expected`, found a table": the error for a value of the wrong TOML kind.
pub(super) fn wrong_kind(v: &Spanned<DeValue<'_>>, what: &str, expected: &str) -> Diagnostic {
    let found = v.get_ref().type_str();
    Diagnostic::error(
        v.span(),
        format!("{what} must be {expected}, found {found}"),
    )
}
