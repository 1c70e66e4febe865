//! Fingerprints: stable 64-bit hashes of what a producer must send (names, JSON keys, types,
//! nullability, enums), the one definition used by `SCHEMA_FINGERPRINT`, the Glue table's
//! `eventlake.fingerprint` parameter and the derive's struct and enum identities.
//!
//! Rules of this module:
//! - a struct's fields are walked wherever the struct sits: a column, a struct field, the
//!   element of an `array` or the value of a `map`, at any depth, so a `required`, `enum` or
//!   `json` change inside `array<struct<…>>` changes the fingerprint;
//! - docs and examples are not part of it (they change nothing a producer sends);
//! - values are separated by a control character no name, key or enum value contains, so
//!   two different lists cannot hash alike by concatenation.

use std::fmt::Write as _;
use std::hash::Hasher as _;

use crate::model::Field;
use crate::types::Type;

/// Separates enum values (never part of a TOML-declared value in practice; unit separator).
const SEP: char = '\u{1f}';

/// Fingerprint of a list of fields (an event's columns or a struct's fields).
pub fn fields(fields: &[Field]) -> u64 {
    let mut canonical = String::new();
    write_fields(fields, &mut canonical);
    fnv1a64(canonical.as_bytes())
}

/// Fingerprint of an enum column's allowed values, in order.
pub fn enum_values(values: &[String]) -> u64 {
    fnv1a64(values.join(&SEP.to_string()).as_bytes())
}

/// The fields of the struct a type holds: the type itself, an array's element or a map's
/// value, looked through at any depth.
pub fn struct_fields(ty: &Type) -> Option<&[Field]> {
    match ty {
        Type::Struct { fields } => Some(fields),
        Type::Array { items } => struct_fields(items),
        Type::Map { value, .. } => struct_fields(value),
        _ => None,
    }
}

fn write_fields(fields: &[Field], out: &mut String) {
    for f in fields {
        let _ = write!(
            out,
            "{}|{}|{}|{}|{}",
            f.name,
            f.json_key(),
            f.ty,
            f.required,
            f.enum_values.join(&SEP.to_string())
        );
        if let Some(inner) = struct_fields(&f.ty) {
            out.push('{');
            write_fields(inner, out);
            out.push('}');
        }
        out.push(';');
    }
}

/// 64-bit FNV-1a of `bytes` (the `fnv` crate's hasher, fed the bytes alone: `Hash::hash`
/// would add a length prefix and change every committed fingerprint).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(bytes);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    /// The published FNV-1a 64 test vectors: the committed fingerprints depend on this
    /// exact variant.
    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(super::fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
