//! `example` values: checked against the field's type and turned into the JSON the
//! producer sends (the same JSON the sample events and the JSON Schema use).
//!
//! Rules: integers must fit their width; decimals keep their exact digits (never through a
//! binary float) and are padded to the scale; timestamps may be TOML date-times or strings
//! in an OpenX-accepted form, and come out as `yyyy-MM-ddTHH:mm:ss.fffZ`; dates as
//! `yyyy-MM-dd`; text must fit `char(n)`/`varchar(n)` and the field's `enum`.

use std::str::FromStr;

use serde_json::{Map, Number, Value};
use toml::Spanned;
use toml::de::DeValue;

use crate::diag::{Diagnostic, Span};
use crate::model::Field;
use crate::time;
use crate::types::Type;

type Result<T> = std::result::Result<T, Diagnostic>;

/// Checks `value` against `ty` (and `enum_values`) and returns its JSON form.
pub fn check(ty: &Type, enum_values: &[String], value: &Spanned<DeValue<'_>>) -> Result<Value> {
    let span = value.span();
    let bad = |what: &str| {
        Diagnostic::error(
            span.clone(),
            format!("example {what} is not a valid `{ty}` value"),
        )
    };
    let v = value.get_ref();
    match ty {
        Type::Boolean => v
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| bad(v.type_str()).with_help("use `true` or `false`")),
        Type::Tinyint | Type::Smallint | Type::Int | Type::Bigint => {
            let Some(int) = v.as_integer() else {
                return Err(bad(v.type_str()).with_help("use a whole number"));
            };
            let n = i128::from_str_radix(int.as_str(), int.radix()).map_err(|_| bad("integer"))?;
            let (min, max) = ty.integer_range().unwrap_or((i64::MIN, i64::MAX));
            if n < i128::from(min) || n > i128::from(max) {
                return Err(Diagnostic::error(span, format!("example {n} does not fit in `{ty}`"))
                    .with_help(format!("`{ty}` holds {min} to {max}")));
            }
            Ok(Value::Number(Number::from(i64::try_from(n).unwrap_or(0))))
        }
        Type::Float | Type::Double => {
            let text = match v {
                DeValue::Integer(i) if i.radix() == 10 => i.as_str().to_owned(),
                DeValue::Float(f) => f.as_str().replace('_', ""),
                _ => return Err(bad(v.type_str()).with_help("use a number")),
            };
            let text = text.strip_prefix('+').unwrap_or(&text);
            let parsed: f64 = text.parse().map_err(|_| bad("number"))?;
            if !parsed.is_finite() {
                return Err(bad("non-finite number").with_help("JSON has no NaN or infinity"));
            }
            Number::from_str(text)
                .map(Value::Number)
                .map_err(|_| bad("number"))
        }
        Type::Decimal { precision, scale } => {
            let text = match v {
                DeValue::String(s) => s.to_string(),
                DeValue::Integer(i) if i.radix() == 10 => i.as_str().to_owned(),
                DeValue::Float(f) => f.as_str().replace('_', ""),
                _ => return Err(bad(v.type_str()).with_help("write the decimal as a string, e.g. \"12.50\"")),
            };
            decimal_json(&text, *precision, *scale)
                .map(Value::Number)
                .map_err(|why| {
                    Diagnostic::error(span, format!("example `{text}` is not a valid `{ty}`: {why}"))
                        .with_help("write the decimal as a string with at most the declared digits, e.g. \"12.50\"")
                })
        }
        Type::String | Type::Varchar { .. } | Type::Char { .. } => {
            let Some(s) = v.as_str() else {
                return Err(bad(v.type_str()).with_help("use a string"));
            };
            let max = match ty {
                Type::Varchar { length } | Type::Char { length } => Some(*length as usize),
                _ => None,
            };
            if let Some(max) = max {
                let n = s.chars().count();
                if n > max {
                    return Err(Diagnostic::error(
                        span,
                        format!("example is {n} characters long; `{ty}` holds at most {max}"),
                    ));
                }
            }
            if !enum_values.is_empty() && !enum_values.iter().any(|e| e == s) {
                return Err(Diagnostic::error(span, format!("example `{s}` is not one of the field's enum values"))
                    .with_help(format!("use one of: {}", enum_values.join(", "))));
            }
            Ok(Value::String(s.to_owned()))
        }
        Type::Date => {
            let text = match v {
                DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
                DeValue::String(s) => s.to_string(),
                _ => return Err(bad(v.type_str()).with_help("use a date like 2024-01-31")),
            };
            time::parse_date(&text)
                .map(|(y, m, d)| Value::String(format!("{y:04}-{m:02}-{d:02}")))
                .ok_or_else(|| bad(&format!("`{text}`")).with_help("dates are written `yyyy-MM-dd`"))
        }
        Type::Timestamp => timestamp(v)
            .map(|i| Value::String(i.format()))
            .ok_or_else(|| {
                bad(&format!("`{}`", display_value(v))).with_help(
                    "use a TOML date-time (2024-01-05T01:05:00Z) or a string Firehose accepts: `yyyy-MM-ddTHH:mm:ss[.fff]Z` or `yyyy-MM-dd HH:mm:ss[.fff]` (no `+00:00` offsets)",
                )
            }),
        Type::Array { items } => {
            let Some(arr) = v.as_array() else {
                return Err(bad(v.type_str()).with_help("use a TOML array, e.g. [1, 2]"));
            };
            arr.iter()
                .map(|item| check(items, &[], item))
                .collect::<Result<Vec<_>>>()
                .map(Value::Array)
        }
        Type::Map { key, value: value_ty } => {
            let Some(table) = v.as_table() else {
                return Err(bad(v.type_str()).with_help("use a TOML inline table, e.g. { a = 1 }"));
            };
            let mut out = Map::new();
            for (k, val) in table {
                check_map_key(key, k.get_ref(), k.span())?;
                out.insert(k.get_ref().to_string(), check(value_ty, &[], val)?);
            }
            Ok(Value::Object(out))
        }
        Type::Struct { fields } => {
            let Some(table) = v.as_table() else {
                return Err(bad(v.type_str()).with_help("use a TOML inline table with the struct's fields"));
            };
            struct_example(fields, table, span)
        }
    }
}

fn struct_example(fields: &[Field], table: &toml::de::DeTable<'_>, span: Span) -> Result<Value> {
    let mut out = Map::new();
    for (k, val) in table {
        let key = k.get_ref();
        let Some(field) = fields
            .iter()
            .find(|f| f.name == key.as_ref() || f.json_key() == key.as_ref())
        else {
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            return Err(
                Diagnostic::error(k.span(), format!("the struct has no field `{key}`"))
                    .with_help_opt(
                        crate::diag::did_you_mean(key, names.iter().copied())
                            .map(|s| format!("did you mean `{s}`?")),
                    )
                    .with_label("not a field of this struct"),
            );
        };
        out.insert(
            field.json_key().to_owned(),
            check(&field.ty, &field.enum_values, val)?,
        );
    }
    let missing: Vec<&str> = fields
        .iter()
        .filter(|f| f.required && !out.contains_key(f.json_key()))
        .map(|f| f.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Diagnostic::error(
            span,
            format!(
                "example lacks required struct field(s): {}",
                missing.join(", ")
            ),
        ));
    }
    Ok(Value::Object(out))
}

fn check_map_key(key_ty: &Type, key: &str, span: Span) -> Result<()> {
    let ok = match key_ty {
        Type::Boolean => key == "true" || key == "false",
        t if t.is_integer() => key.parse::<i64>().is_ok_and(|n| {
            let (min, max) = t.integer_range().unwrap_or((i64::MIN, i64::MAX));
            (min..=max).contains(&n)
        }),
        Type::Float | Type::Double => key.parse::<f64>().is_ok_and(f64::is_finite),
        Type::Decimal { precision, scale } => decimal_json(key, *precision, *scale).is_ok(),
        Type::Date => time::parse_date(key).is_some(),
        Type::Timestamp => time::parse_timestamp_str(key).is_some(),
        Type::Varchar { length } | Type::Char { length } => key.chars().count() <= *length as usize,
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(Diagnostic::error(
            span,
            format!("map key `{key}` is not a valid `{key_ty}`"),
        ))
    }
}

fn timestamp(v: &DeValue<'_>) -> Option<time::Instant> {
    match v {
        DeValue::Datetime(dt) => {
            let (date, t) = (dt.date?, dt.time?);
            let base = time::days_from_civil(
                i64::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            )? * 86_400
                + i64::from(t.hour) * 3600
                + i64::from(t.minute) * 60
                + i64::from(t.second.unwrap_or(0));
            let offset = match dt.offset {
                Some(toml::value::Offset::Custom { minutes }) => i64::from(minutes) * 60,
                _ => 0,
            };
            Some(time::Instant {
                secs: base - offset,
                nanos: t.nanosecond.unwrap_or(0),
            })
        }
        DeValue::String(s) => time::parse_timestamp_str(s),
        DeValue::Integer(i) if i.radix() == 10 => time::parse_epoch(i.as_str()),
        DeValue::Float(f) => time::parse_epoch(f.as_str()),
        _ => None,
    }
}

fn display_value(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => s.to_string(),
        DeValue::Integer(i) => i.to_string(),
        DeValue::Float(f) => f.to_string(),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => d.to_string(),
        DeValue::Array(_) => "array".to_owned(),
        DeValue::Table(_) => "table".to_owned(),
    }
}

/// Checks a decimal literal against `decimal(precision,scale)` and returns it as an exact
/// JSON number padded to the scale (`12.5` → `12.50`).
pub fn decimal_json(text: &str, precision: u8, scale: u8) -> std::result::Result<Number, String> {
    let canonical = canonical_decimal(text, precision, scale)?;
    Number::from_str(&canonical).map_err(|e| e.to_string())
}

/// A decimal literal that fits `decimal(precision,scale)`, as [`decimal_parts`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalParts<'a> {
    /// Below zero (`-0.00` is not).
    pub negative: bool,
    /// Digits before the point, without leading zeros (empty for zero).
    pub int: &'a str,
    /// Digits after the point, without trailing zeros (at most `scale` of them).
    pub frac: &'a str,
}

/// Checks a decimal literal against `decimal(precision,scale)` without allocating (the
/// local lake reads one per decimal value). Errors say why the value does not fit.
pub fn decimal_parts(
    text: &str,
    precision: u8,
    scale: u8,
) -> std::result::Result<DecimalParts<'_>, String> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("not a plain decimal number".to_owned());
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    if frac.len() > usize::from(scale) {
        return Err(format!("more than {scale} digit(s) after the point"));
    }
    let max_int = usize::from(precision.saturating_sub(scale));
    if int.len() > max_int {
        return Err(format!("more than {max_int} digit(s) before the point"));
    }
    Ok(DecimalParts {
        negative: neg && !(int.is_empty() && frac.is_empty()),
        int,
        frac,
    })
}

/// The canonical text of a decimal: optional `-`, no leading zeros, exactly `scale` digits
/// after the point. Errors say why the value does not fit.
pub fn canonical_decimal(
    text: &str,
    precision: u8,
    scale: u8,
) -> std::result::Result<String, String> {
    let parts = decimal_parts(text, precision, scale)?;
    let mut out = String::new();
    if parts.negative {
        out.push('-');
    }
    out.push_str(if parts.int.is_empty() { "0" } else { parts.int });
    if scale > 0 {
        out.push('.');
        out.push_str(parts.frac);
        for _ in parts.frac.len()..usize::from(scale) {
            out.push('0');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_digits() {
        assert_eq!(canonical_decimal("12.5", 12, 2).as_deref(), Ok("12.50"));
        assert_eq!(canonical_decimal("-0.00", 5, 2).as_deref(), Ok("0.00"));
        assert_eq!(canonical_decimal("007", 3, 0).as_deref(), Ok("7"));
        assert_eq!(
            canonical_decimal("12345678901234567890.12", 38, 2).as_deref(),
            Ok("12345678901234567890.12")
        );
        assert!(canonical_decimal("1.234", 12, 2).is_err());
        assert!(canonical_decimal("1234", 5, 2).is_err());
        assert!(canonical_decimal("1e3", 5, 0).is_err());
        assert_eq!(
            decimal_parts("-0012.500", 12, 2),
            Ok(DecimalParts {
                negative: true,
                int: "12",
                frac: "5"
            })
        );
        assert_eq!(
            decimal_parts("-0.0", 12, 2).map(|p| (p.negative, p.int, p.frac)),
            Ok((false, "", ""))
        );
        assert_eq!(
            decimal_json("12345678901234567890.12", 38, 2)
                .map(|n| n.to_string())
                .as_deref(),
            Ok("12345678901234567890.12"),
            "serde_json must keep decimal digits exactly (arbitrary_precision)"
        );
    }
}
