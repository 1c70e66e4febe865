//! The one mapping from a column [`Type`] to what every target calls it: the Glue/Hive
//! spelling (also the Athena DDL one), the Trino spelling of Athena's DML, the JSON Schema of
//! its values, the Arrow type (as plain data: this crate does not depend on arrow), the type
//! of a generated Rust producer's field, and the value family the derive's checks and the
//! runtime's marker types name.
//!
//! Rules of this module:
//! - a scalar type's names are one row of [`SCALARS`]; adding a type is adding a row (and a
//!   runtime marker named by its `family`);
//! - nested types (`array`, `map`, `struct`) are spelled by composing the rows, here and
//!   nowhere else; a target that needs another spelling of struct field names (DDL quoting)
//!   passes its own quoting to [`type_text`];
//! - other crates may still `match` over [`Type`] to walk nested types or to choose a code
//!   path, but never to spell a type.

use serde_json::{Value, json};

use crate::time::{DATE_PATTERN, TIMESTAMP_PATTERN};
use crate::types::Type;

/// What every target calls one scalar type family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scalar {
    /// Glue/Hive name, without parameters (`decimal`); also the Athena DDL name.
    pub glue: &'static str,
    /// Trino name in Athena DML (`CAST(x AS …)`), without parameters (`integer`): Athena's
    /// "Data types in Amazon Athena" page gives the DDL and DML names side by side
    /// (<https://docs.aws.amazon.com/athena/latest/ug/data-types.html>).
    pub trino: &'static str,
    /// The runtime's marker type (`eventlake::glue::Decimal`) and the suffix of the
    /// derive's shared checks (`IsDecimal`, `IsOptionalDecimal`).
    pub family: &'static str,
    /// The field type in a generated Rust producer.
    pub rust: &'static str,
    /// The Rust types the runtime accepts for a column of this type, as the derive's error
    /// messages and the runtime's documentation list them.
    pub accepts: &'static str,
}

const fn row(
    glue: &'static str,
    trino: &'static str,
    family: &'static str,
    rust: &'static str,
    accepts: &'static str,
) -> Scalar {
    Scalar {
        glue,
        trino,
        family,
        rust,
        accepts,
    }
}

const TEXT: &str = "`String`, `&str`, `Cow<str>`, `char`";

/// One row per scalar type, in [`Type`]'s order. (Unformatted: a table reads by columns.)
#[rustfmt::skip]
pub const SCALARS: [Scalar; 13] = [
    row("boolean", "boolean", "Boolean", "bool", "`bool`"),
    row("tinyint", "tinyint", "Tinyint", "i8", "`i8`"),
    row("smallint", "smallint", "Smallint", "i16", "`i16`, `i8`, `u8`"),
    row("int", "integer", "Int", "i32", "`i32`, `i16`, `i8`, `u16`, `u8`"),
    row("bigint", "bigint", "Bigint", "i64", "`i64`, `i32`, `i16`, `i8`, `u32`, `u16`, `u8`"),
    row("float", "real", "Float", "f32", "`f32`"),
    row("double", "double", "Double", "f64", "`f64`, `f32`"),
    row("decimal", "decimal", "Decimal", "::eventlake::rust_decimal::Decimal",
        "`rust_decimal::Decimal` (never a float: binary floats round)"),
    row("string", "varchar", "String", "String", TEXT),
    row("varchar", "varchar", "Varchar", "String", TEXT),
    row("char", "char", "Char", "String", TEXT),
    row("date", "date", "Date", "::eventlake::chrono::NaiveDate", "`chrono::NaiveDate`"),
    // Athena engine v3 reads Hive tables' timestamps at millisecond precision (same page).
    row("timestamp", "timestamp(3)", "Timestamp",
        "::eventlake::chrono::DateTime<::eventlake::chrono::Utc>",
        "`chrono::DateTime<Utc>`, `std::time::SystemTime`"),
];

/// The row of a scalar type; `None` for `array`, `map` and `struct`.
pub fn scalar(ty: &Type) -> Option<&'static Scalar> {
    let i = match ty {
        Type::Boolean => 0,
        Type::Tinyint => 1,
        Type::Smallint => 2,
        Type::Int => 3,
        Type::Bigint => 4,
        Type::Float => 5,
        Type::Double => 6,
        Type::Decimal { .. } => 7,
        Type::String => 8,
        Type::Varchar { .. } => 9,
        Type::Char { .. } => 10,
        Type::Date => 11,
        Type::Timestamp => 12,
        Type::Array { .. } | Type::Map { .. } | Type::Struct { .. } => return None,
    };
    SCALARS.get(i)
}

/// A scalar type's parameters, in the order every spelling writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// A decimal's precision or scale.
    U8(u8),
    /// A `varchar`/`char` length.
    U32(u32),
}

/// The parameters of a scalar type: `[precision, scale]`, `[length]` or none.
pub fn params(ty: &Type) -> Vec<Param> {
    match ty {
        Type::Decimal { precision, scale } => vec![Param::U8(*precision), Param::U8(*scale)],
        Type::Varchar { length } | Type::Char { length } => vec![Param::U32(*length)],
        _ => Vec::new(),
    }
}

/// The two SQL type languages eventlake writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Glue's catalog and Athena DDL (Hive): `array<struct<a:int>>`.
    Glue,
    /// Athena DML (Trino): `array(row(a integer))`.
    Trino,
}

/// A type's text in `dialect`, with struct field names passed through `name` (quoting).
pub fn type_text(ty: &Type, dialect: Dialect, name: &dyn Fn(&str) -> String) -> String {
    let text = |t: &Type| type_text(t, dialect, name);
    match (ty, dialect) {
        (Type::Array { items }, Dialect::Glue) => format!("array<{}>", text(items)),
        (Type::Array { items }, Dialect::Trino) => format!("array({})", text(items)),
        (Type::Map { key, value }, Dialect::Glue) => format!("map<{},{}>", text(key), text(value)),
        (Type::Map { key, value }, Dialect::Trino) => {
            format!("map({}, {})", text(key), text(value))
        }
        (Type::Struct { fields }, _) => {
            let (open, sep, between, close) = match dialect {
                Dialect::Glue => ("struct<", ":", ",", ">"),
                Dialect::Trino => ("row(", " ", ", ", ")"),
            };
            let inner: Vec<String> = fields
                .iter()
                .map(|f| format!("{}{sep}{}", name(&f.name), text(&f.ty)))
                .collect();
            format!("{open}{}{close}", inner.join(between))
        }
        (scalar_ty, _) => {
            let Some(row) = scalar(scalar_ty) else {
                return String::new();
            };
            let base = match dialect {
                Dialect::Glue => row.glue,
                Dialect::Trino => row.trino,
            };
            let params: Vec<String> = params(scalar_ty)
                .into_iter()
                .map(|p| match p {
                    Param::U8(n) => n.to_string(),
                    Param::U32(n) => n.to_string(),
                })
                .collect();
            if params.is_empty() {
                base.to_owned()
            } else {
                format!("{base}({})", params.join(","))
            }
        }
    }
}

/// The canonical Glue/Hive spelling (`Type`'s `Display`).
pub fn glue(ty: &Type) -> String {
    type_text(ty, Dialect::Glue, &str::to_owned)
}

/// The Athena engine v3 (Trino) spelling used in DML, e.g. in `CAST(x AS …)`.
pub fn trino(ty: &Type) -> String {
    type_text(ty, Dialect::Trino, &str::to_owned)
}

/// The JSON Schema of a scalar type's JSON value (non-null), as Firehose's OpenX
/// deserializer reads it; `None` for nested types, whose schema the caller composes.
pub fn json_schema(ty: &Type) -> Option<Value> {
    Some(match ty {
        Type::Boolean => json!({"type": "boolean"}),
        Type::Tinyint | Type::Smallint | Type::Int | Type::Bigint => {
            let (min, max) = ty.integer_range().unwrap_or((i64::MIN, i64::MAX));
            json!({"type": "integer", "minimum": min, "maximum": max})
        }
        Type::Float | Type::Double => json!({"type": "number"}),
        Type::Decimal { precision, scale } => {
            // Exact bounds however large: `arbitrary_precision` keeps the digits.
            let bound = |sign: &str| {
                format!("{sign}1{}", "0".repeat(usize::from(precision - scale)))
                    .parse::<serde_json::Number>()
                    .map_or(Value::Null, Value::Number)
            };
            json!({
                "type": "number",
                "exclusiveMinimum": bound("-"),
                "exclusiveMaximum": bound(""),
                "$comment": format!("decimal({precision},{scale}): at most {scale} digit(s) after the point; send an exact JSON number"),
            })
        }
        Type::String => json!({"type": "string"}),
        Type::Varchar { length } | Type::Char { length } => {
            json!({"type": "string", "maxLength": length})
        }
        Type::Date => json!({"type": "string", "pattern": DATE_PATTERN, "format": "date"}),
        Type::Timestamp => json!({
            "type": ["string", "number"],
            "pattern": TIMESTAMP_PATTERN,
            "$comment": "UTC: yyyy-MM-ddTHH:mm:ss[.fff]Z, yyyy-MM-dd HH:mm:ss[.fff], or epoch seconds/milliseconds; offsets like +00:00 are rejected by Firehose"
        }),
        Type::Array { .. } | Type::Map { .. } | Type::Struct { .. } => return None,
    })
}

/// The pattern a map's JSON keys (always strings) must match for key type `key`; `None`
/// when any string is a valid key.
pub fn json_key_pattern(key: &Type) -> Option<&'static str> {
    match key {
        t if t.is_integer() => Some(r"^-?\d+$"),
        Type::Boolean => Some("^(true|false)$"),
        Type::Date => Some(DATE_PATTERN),
        Type::Float | Type::Double | Type::Decimal { .. } => {
            Some(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
        }
        _ => None,
    }
}

/// An Arrow type as plain data (the local lake turns it into `arrow::datatypes::DataType`).
/// Every column and nested field is nullable, as in Glue, except map keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrow {
    /// `Boolean`
    Boolean,
    /// `Int8`
    Int8,
    /// `Int16`
    Int16,
    /// `Int32`
    Int32,
    /// `Int64`
    Int64,
    /// `Float32`
    Float32,
    /// `Float64`
    Float64,
    /// `Decimal128(precision, scale)`
    Decimal128 {
        /// Total digits.
        precision: u8,
        /// Digits after the point.
        scale: u8,
    },
    /// `Utf8`
    Utf8,
    /// `Date32` (days since the epoch)
    Date32,
    /// `Timestamp(Microsecond, "UTC")`: Parquet `TIMESTAMP(MICROS, isAdjustedToUTC=true)`
    TimestampMicrosUtc,
    /// `List` of the element type
    List(Box<Arrow>),
    /// `Map` of key and value types
    Map(Box<Arrow>, Box<Arrow>),
    /// `Struct` of named fields
    Struct(Vec<(String, Arrow)>),
}

/// The Arrow (and so Parquet) type of a Glue type.
pub fn arrow(ty: &Type) -> Arrow {
    match ty {
        Type::Boolean => Arrow::Boolean,
        Type::Tinyint => Arrow::Int8,
        Type::Smallint => Arrow::Int16,
        Type::Int => Arrow::Int32,
        Type::Bigint => Arrow::Int64,
        Type::Float => Arrow::Float32,
        Type::Double => Arrow::Float64,
        Type::Decimal { precision, scale } => Arrow::Decimal128 {
            precision: *precision,
            scale: *scale,
        },
        Type::String | Type::Varchar { .. } | Type::Char { .. } => Arrow::Utf8,
        Type::Date => Arrow::Date32,
        Type::Timestamp => Arrow::TimestampMicrosUtc,
        Type::Array { items } => Arrow::List(Box::new(arrow(items))),
        Type::Map { key, value } => Arrow::Map(Box::new(arrow(key)), Box::new(arrow(value))),
        Type::Struct { fields } => Arrow::Struct(
            fields
                .iter()
                .map(|f| (f.name.clone(), arrow(&f.ty)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::parse_type;

    fn ty(s: &str) -> Type {
        parse_type(s, 0..0).unwrap_or(Type::Boolean)
    }

    #[test]
    fn every_scalar_has_its_row_and_its_name_parses_back() {
        for (i, row) in SCALARS.iter().enumerate() {
            let text = match row.glue {
                "decimal" => "decimal(12,2)".to_owned(),
                "varchar" | "char" => format!("{}(7)", row.glue),
                other => other.to_owned(),
            };
            let parsed = ty(&text);
            assert_eq!(scalar(&parsed), Some(&SCALARS[i]), "{text}");
            assert_eq!(glue(&parsed), text);
        }
    }

    #[test]
    fn spellings() {
        let t = ty("struct<a:int,b:array<float>,c:map<string,decimal(5,1)>,d:timestamp>");
        assert_eq!(
            glue(&t),
            "struct<a:int,b:array<float>,c:map<string,decimal(5,1)>,d:timestamp>"
        );
        assert_eq!(
            trino(&t),
            "row(a integer, b array(real), c map(varchar, decimal(5,1)), d timestamp(3))"
        );
        let quoted = type_text(&t, Dialect::Glue, &|n| format!("`{n}`"));
        assert!(
            quoted.starts_with("struct<`a`:int,`b`:array<float>"),
            "{quoted}"
        );
    }

    #[test]
    fn arrow_types() {
        assert_eq!(
            arrow(&ty("map<string,array<decimal(5,1)>>")),
            Arrow::Map(
                Box::new(Arrow::Utf8),
                Box::new(Arrow::List(Box::new(Arrow::Decimal128 {
                    precision: 5,
                    scale: 1
                })))
            )
        );
        assert_eq!(arrow(&ty("char(3)")), Arrow::Utf8);
    }
}
