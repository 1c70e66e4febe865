//! Column types: the Glue/Hive type language (`decimal(12,2)`, `array<struct<a:int>>`, …),
//! its parser, and its canonical spelling.
//!
//! Rules of this module:
//! - input is case-insensitive and may contain whitespace; [`Type`]'s `Display` is the one
//!   canonical form (lowercase, no spaces) written to Glue, DDL and everywhere else;
//! - types Firehose's JSON → Parquet conversion cannot fill (`binary`, `uniontype`, `set`, …)
//!   are rejected with the reason, and common aliases from other systems get a suggestion;
//! - a parse error points at the offending characters inside the string.

use std::fmt;
use std::ops::Range;

use crate::model::Field;
use crate::names;

/// Deepest nesting of `array`/`map`/`struct` accepted (guards the recursive parser).
pub const MAX_DEPTH: usize = 32;

/// A column type, as Glue stores it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Type {
    /// `boolean`
    Boolean,
    /// `tinyint`, 8-bit signed
    Tinyint,
    /// `smallint`, 16-bit signed
    Smallint,
    /// `int`, 32-bit signed
    Int,
    /// `bigint`, 64-bit signed
    Bigint,
    /// `float`, 32-bit IEEE
    Float,
    /// `double`, 64-bit IEEE
    Double,
    /// `decimal(precision,scale)`
    Decimal {
        /// Total digits, 1..=38.
        precision: u8,
        /// Digits after the point, 0..=precision.
        scale: u8,
    },
    /// `string`
    String,
    /// `varchar(n)`, 1..=65535
    Varchar {
        /// Maximum length in characters.
        length: u32,
    },
    /// `char(n)`, 1..=255
    Char {
        /// Fixed length in characters.
        length: u32,
    },
    /// `date`, a calendar date
    Date,
    /// `timestamp`, an instant (UTC)
    Timestamp,
    /// `array<T>`
    Array {
        /// Element type.
        items: Box<Type>,
    },
    /// `map<K,V>`; K is primitive
    Map {
        /// Key type.
        key: Box<Type>,
        /// Value type.
        value: Box<Type>,
    },
    /// `struct<a:T,…>`
    Struct {
        /// Fields, in order.
        fields: Vec<Field>,
    },
}

impl Type {
    /// Whether the type is a scalar (not array, map or struct).
    pub fn is_primitive(&self) -> bool {
        !matches!(
            self,
            Type::Array { .. } | Type::Map { .. } | Type::Struct { .. }
        )
    }

    /// Whether values are text (`string`, `varchar(n)`, `char(n)`).
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            Type::String | Type::Varchar { .. } | Type::Char { .. }
        )
    }

    /// Whether values are whole numbers.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            Type::Tinyint | Type::Smallint | Type::Int | Type::Bigint
        )
    }

    /// Inclusive value range of an integer type.
    pub fn integer_range(&self) -> Option<(i64, i64)> {
        match self {
            Type::Tinyint => Some((i8::MIN.into(), i8::MAX.into())),
            Type::Smallint => Some((i16::MIN.into(), i16::MAX.into())),
            Type::Int => Some((i32::MIN.into(), i32::MAX.into())),
            Type::Bigint => Some((i64::MIN, i64::MAX)),
            _ => None,
        }
    }

    /// The canonical Glue/Hive spelling (same as `Display`).
    pub fn glue(&self) -> String {
        self.to_string()
    }

    /// Nesting depth: 0 for a primitive, 1 for `array<int>`, and so on.
    pub fn depth(&self) -> usize {
        match self {
            Type::Array { items } => 1 + items.depth(),
            Type::Map { key, value } => 1 + key.depth().max(value.depth()),
            Type::Struct { fields } => 1 + fields.iter().map(|f| f.ty.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::mapping::glue(self))
    }
}

/// A problem in a type string, located inside the string (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    /// Byte range inside the type string.
    pub range: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl TypeError {
    fn new(range: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            range,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Names of every supported type, for suggestions and docs: the type mapping's scalars, then
/// the nested types.
pub fn type_names() -> Vec<&'static str> {
    let scalars = crate::mapping::SCALARS.iter().map(|row| row.glue);
    scalars.chain(["array", "map", "struct"]).collect()
}

/// Parses a type string such as `array<struct<sku:string,qty:int>>`.
///
/// Struct fields parsed from a string are nullable and carry no docs; their spans are
/// `field_span` (the caller's location of the whole string).
pub fn parse_type(input: &str, field_span: Range<usize>) -> Result<Type, TypeError> {
    let mut p = Parser {
        input,
        pos: 0,
        field_span,
    };
    let ty = p.parse(0)?;
    p.skip_ws();
    if p.pos < input.len() {
        return Err(TypeError::new(
            p.pos..input.len(),
            format!("unexpected `{}` after the type", &input[p.pos..]),
        )
        .help("remove the extra text; one field has exactly one type"));
    }
    Ok(ty)
}

struct Parser<'a> {
    input: &'a str,
    pos: usize,
    field_span: Range<usize>,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while let Some(c) = self.input[self.pos..].chars().next() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.input[self.pos..].chars().next()
    }

    fn here(&self) -> Range<usize> {
        let len = self.input[self.pos..]
            .chars()
            .next()
            .map_or(0, char::len_utf8);
        self.pos..self.pos + len
    }

    fn expect(&mut self, want: char, context: &str) -> Result<(), TypeError> {
        match self.peek() {
            Some(c) if c == want => {
                self.pos += c.len_utf8();
                Ok(())
            }
            Some(c) => Err(TypeError::new(
                self.here(),
                format!("expected `{want}` {context}, found `{c}`"),
            )),
            None => Err(TypeError::new(
                self.pos..self.pos,
                format!("expected `{want}` {context}, found the end of the type"),
            )),
        }
    }

    fn word(&mut self) -> Option<(Range<usize>, &str)> {
        self.skip_ws();
        let start = self.pos;
        let rest = &self.input[start..];
        let len = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return None;
        }
        self.pos += len;
        Some((start..start + len, &self.input[start..start + len]))
    }

    fn number(&mut self, what: &str) -> Result<(u64, Range<usize>), TypeError> {
        self.skip_ws();
        let start = self.pos;
        let rest = &self.input[start..];
        let len = rest
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return Err(TypeError::new(
                self.here(),
                format!("expected {what} (a whole number)"),
            ));
        }
        self.pos += len;
        let range = start..start + len;
        let value = self.input[range.clone()]
            .parse::<u64>()
            .map_err(|_| TypeError::new(range.clone(), format!("{what} is too large")))?;
        Ok((value, range))
    }

    fn parse(&mut self, depth: usize) -> Result<Type, TypeError> {
        if depth > MAX_DEPTH {
            return Err(TypeError::new(
                self.here(),
                format!("types nest deeper than {MAX_DEPTH} levels"),
            )
            .help("flatten the structure; Athena and Parquet readers handle deep nesting poorly"));
        }
        let Some((range, word)) = self.word() else {
            return Err(match self.peek() {
                None => TypeError::new(self.pos..self.pos, "expected a type, found nothing")
                    .help(format!("use one of: {}", type_names().join(", "))),
                Some(c) => TypeError::new(self.here(), format!("expected a type, found `{c}`")),
            });
        };
        let lower = word.to_ascii_lowercase();
        // The reverse of the type mapping's Glue names (`mapping::SCALARS`), which its tests
        // parse back row by row.
        let ty = match lower.as_str() {
            "boolean" => Type::Boolean,
            "tinyint" => Type::Tinyint,
            "smallint" => Type::Smallint,
            "int" => Type::Int,
            "bigint" => Type::Bigint,
            "float" => Type::Float,
            "double" => Type::Double,
            "string" => Type::String,
            "date" => Type::Date,
            "timestamp" => Type::Timestamp,
            "decimal" => self.decimal()?,
            "varchar" => Type::Varchar {
                length: self.length("varchar", 65_535)?,
            },
            "char" => Type::Char {
                length: self.length("char", 255)?,
            },
            "array" => {
                self.open(&range, "array", "array<string>")?;
                let items = self.parse(depth + 1)?;
                self.expect('>', "to close `array<`")?;
                Type::Array {
                    items: Box::new(items),
                }
            }
            "map" => {
                self.open(&range, "map", "map<string,int>")?;
                self.skip_ws();
                let key_start = self.pos;
                let key = self.parse(depth + 1)?;
                if !key.is_primitive() {
                    return Err(TypeError::new(
                        key_start..self.pos,
                        format!("map keys must be a primitive type, not `{key}`"),
                    )
                    .help(
                        "JSON object keys are strings; use `string` (or a number type) as the key",
                    ));
                }
                self.expect(',', "between the key and value types of `map<K,V>`")?;
                let value = self.parse(depth + 1)?;
                self.expect('>', "to close `map<`")?;
                Type::Map {
                    key: Box::new(key),
                    value: Box::new(value),
                }
            }
            "struct" => {
                self.open(&range, "struct", "struct<city:string,zip:string>")?;
                self.struct_fields(&range, depth)?
            }
            _ => return Err(unknown_type(range, word)),
        };
        Ok(ty)
    }

    fn open(&mut self, range: &Range<usize>, name: &str, example: &str) -> Result<(), TypeError> {
        match self.peek() {
            Some('<') => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(TypeError::new(
                range.clone(),
                format!("`{name}` needs its element types in angle brackets"),
            )
            .help(format!("write it like `{example}`"))),
        }
    }

    fn struct_fields(&mut self, range: &Range<usize>, depth: usize) -> Result<Type, TypeError> {
        let mut fields: Vec<Field> = Vec::new();
        if self.peek() == Some('>') {
            return Err(TypeError::new(
                range.start..self.pos + 1,
                "a struct needs at least one field",
            )
            .help("add a field, e.g. `struct<id:string>`, or remove the column"));
        }
        loop {
            let Some((name_range, name)) = self.word() else {
                return Err(TypeError::new(self.here(), "expected a struct field name"));
            };
            let name = name.to_owned();
            if let Some(problem) = names::name_problem(&name, names::MAX_NAME_LEN) {
                return Err(TypeError::new(name_range, format!("struct field name {problem}")).help(
                    format!(
                        "use `{}`; to accept a differently-cased JSON key, declare the struct as a table with `fields` and give the field `json = \"{name}\"`",
                        names::to_snake_case(&name)
                    ),
                ));
            }
            if fields.iter().any(|f| f.name == name) {
                return Err(TypeError::new(
                    name_range,
                    format!("struct field `{name}` is declared twice"),
                )
                .help("Glue would merge the two; rename or remove one"));
            }
            self.expect(':', &format!("after struct field name `{name}`"))?;
            let ty = self.parse(depth + 1)?;
            fields.push(Field::from_type_string(name, ty, self.field_span.clone()));
            match self.peek() {
                Some(',') => {
                    self.pos += 1;
                }
                Some('>') => {
                    self.pos += 1;
                    return Ok(Type::Struct { fields });
                }
                Some(c) => {
                    return Err(TypeError::new(
                        self.here(),
                        format!("expected `,` or `>` in the struct, found `{c}`"),
                    ));
                }
                None => {
                    return Err(TypeError::new(
                        self.pos..self.pos,
                        "expected `>` to close `struct<`, found the end of the type",
                    ));
                }
            }
        }
    }

    fn decimal(&mut self) -> Result<Type, TypeError> {
        if self.peek() != Some('(') {
            // Hive's default for a bare `decimal`.
            return Ok(Type::Decimal {
                precision: 10,
                scale: 0,
            });
        }
        self.pos += 1;
        let (precision, p_range) = self.number("the decimal precision")?;
        let (scale, s_range) = if self.peek() == Some(',') {
            self.pos += 1;
            self.number("the decimal scale")?
        } else {
            (0, p_range.clone())
        };
        self.expect(')', "to close `decimal(`")?;
        if !(1..=38).contains(&precision) {
            return Err(TypeError::new(
                p_range,
                format!("decimal precision must be between 1 and 38, not {precision}"),
            )
            .help("Glue and Athena support at most 38 digits; use `double` for larger ranges"));
        }
        if scale > precision {
            return Err(TypeError::new(
                s_range,
                format!("decimal scale {scale} is larger than the precision {precision}"),
            )
            .help("the scale counts digits after the point and must be at most the precision"));
        }
        Ok(Type::Decimal {
            precision: u8::try_from(precision).unwrap_or(38),
            scale: u8::try_from(scale).unwrap_or(0),
        })
    }

    fn length(&mut self, name: &str, max: u64) -> Result<u32, TypeError> {
        if self.peek() != Some('(') {
            return Err(TypeError::new(
                self.pos.saturating_sub(name.len())..self.pos,
                format!("`{name}` needs a length"),
            )
            .help(format!(
                "write `{name}(n)` with n from 1 to {max}, or use `string`"
            )));
        }
        self.pos += 1;
        let (n, range) = self.number(&format!("the {name} length"))?;
        self.expect(')', &format!("to close `{name}(`"))?;
        if !(1..=max).contains(&n) {
            return Err(TypeError::new(
                range,
                format!("{name} length must be between 1 and {max}, not {n}"),
            )
            .help("use `string` for text of any length"));
        }
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

fn unknown_type(range: Range<usize>, word: &str) -> TypeError {
    let lower = word.to_ascii_lowercase();
    let (message, help) = match lower.as_str() {
        "binary" | "varbinary" | "blob" | "bytes" => (
            format!("`{word}` columns cannot be filled by Firehose's JSON to Parquet conversion"),
            "JSON has no binary values; send the bytes base64-encoded in a `string` column"
                .to_owned(),
        ),
        "uniontype" => (
            "`uniontype` cannot be converted by Firehose and is not queryable in Athena".to_owned(),
            "use a `struct` with one nullable field per alternative".to_owned(),
        ),
        "set" => (
            "`set` is not a Hive type; Firehose fails every record of such a table".to_owned(),
            "use `array<T>`".to_owned(),
        ),
        "interval" | "time" => (
            format!("`{word}` cannot be stored in a Glue table for Parquet"),
            "store a duration as `bigint` (e.g. milliseconds) or a time of day as `string`"
                .to_owned(),
        ),
        "json" | "variant" | "any" | "object" => (
            format!("`{word}` is not a Glue type"),
            "declare the structure with `struct<…>`, or keep raw JSON text in a `string` column"
                .to_owned(),
        ),
        _ => {
            let alias = match lower.as_str() {
                "integer" | "int32" | "i32" => Some("int"),
                "long" | "int64" | "i64" => Some("bigint"),
                "short" | "int16" | "i16" => Some("smallint"),
                "byte" | "int8" | "i8" => Some("tinyint"),
                "bool" => Some("boolean"),
                "real" | "float32" | "f32" => Some("float"),
                "float64" | "f64" => Some("double"),
                "text" | "str" | "uuid" => Some("string"),
                "numeric" | "number" => Some("decimal(p,s)"),
                "datetime" | "timestamptz" | "instant" => Some("timestamp"),
                "list" | "vec" => Some("array<T>"),
                "row" | "record" => Some("struct<…>"),
                "dict" | "hashmap" => Some("map<K,V>"),
                _ => crate::diag::did_you_mean(word, type_names()),
            };
            (
                format!("unknown type `{word}`"),
                match alias {
                    Some(a) => format!("did you mean `{a}`?"),
                    None => format!("supported types: {}", type_names().join(", ")),
                },
            )
        }
    };
    TypeError::new(range, message).help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Type, TypeError> {
        parse_type(s, 0..0)
    }

    #[test]
    fn canonical_forms() {
        let cases = [
            ("INT", "int"),
            ("Decimal( 12 , 2 )", "decimal(12,2)"),
            ("decimal", "decimal(10,0)"),
            ("decimal(5)", "decimal(5,0)"),
            (
                "array < struct < sku : string , qty : INT > >",
                "array<struct<sku:string,qty:int>>",
            ),
            ("map<string,array<double>>", "map<string,array<double>>"),
            ("varchar(10)", "varchar(10)"),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse(input).map(|t| t.to_string()),
                Ok(want.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn errors_point_inside_the_string() {
        let e = parse("array<strin>").unwrap_err();
        assert_eq!(e.range, 6..11);
        assert_eq!(e.help.as_deref(), Some("did you mean `string`?"));
        let e = parse("decimal(40,2)").unwrap_err();
        assert_eq!(e.range, 8..10);
        let e = parse("decimal(5,7)").unwrap_err();
        assert_eq!(e.range, 10..11);
        let e = parse("map<array<int>,int>").unwrap_err();
        assert!(e.message.contains("primitive"));
        let e = parse("binary").unwrap_err();
        assert!(e.message.contains("Firehose"));
        let e = parse("struct<>").unwrap_err();
        assert!(e.message.contains("at least one field"));
        let e = parse("int int").unwrap_err();
        assert_eq!(e.range, 4..7);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let s = "array<".repeat(10_000) + "int" + &">".repeat(10_000);
        assert!(parse(&s).unwrap_err().message.contains("nest deeper"));
    }
}
