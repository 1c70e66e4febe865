//! Every type prints canonically and re-parses to the same type, whatever the case and
//! spacing of the input.

use eventlake_schema::types::parse_type;
use eventlake_schema::{Field, Type};
use proptest::prelude::*;

fn ty() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Boolean),
        Just(Type::Tinyint),
        Just(Type::Smallint),
        Just(Type::Int),
        Just(Type::Bigint),
        Just(Type::Float),
        Just(Type::Double),
        (1u8..=38)
            .prop_flat_map(|p| (Just(p), 0..=p))
            .prop_map(|(precision, scale)| Type::Decimal { precision, scale }),
        Just(Type::String),
        (1u32..=65_535).prop_map(|length| Type::Varchar { length }),
        (1u32..=255).prop_map(|length| Type::Char { length }),
        Just(Type::Date),
        Just(Type::Timestamp),
    ];
    let primitive = leaf.clone();
    leaf.prop_recursive(4, 32, 4, move |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|t| Type::Array { items: Box::new(t) }),
            (primitive.clone(), inner.clone()).prop_map(|(k, v)| Type::Map {
                key: Box::new(k),
                value: Box::new(v)
            }),
            prop::collection::vec(inner, 1..4).prop_map(|tys| Type::Struct {
                fields: tys
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| Field::from_type_string(format!("f{i}"), t, 0..0))
                    .collect(),
            }),
        ]
    })
}

/// Re-spells a canonical type string with random case and spaces around punctuation.
fn scramble(canonical: &str, upper: bool, spaces: bool) -> String {
    let mut out = String::new();
    for c in canonical.chars() {
        if spaces && matches!(c, '<' | '>' | ',' | ':' | '(' | ')') {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    if upper {
        // Keywords are case-insensitive; field names are not, so only upper-case keywords.
        for kw in [
            "struct",
            "array",
            "map",
            "decimal",
            "varchar",
            "char",
            "string",
            "bigint",
            "timestamp",
        ] {
            out = out.replace(kw, &kw.to_ascii_uppercase());
        }
        out = out.replace("VARCHAR", "VarChar");
    }
    out
}

proptest! {
    #[test]
    fn canonical_text_round_trips(t in ty(), upper in any::<bool>(), spaces in any::<bool>()) {
        let canonical = t.to_string();
        let reparsed = parse_type(&canonical, 0..0);
        prop_assert_eq!(reparsed.as_ref(), Ok(&t));
        let messy = scramble(&canonical, upper, spaces);
        let reparsed = parse_type(&messy, 0..0).map(|t| t.to_string());
        prop_assert_eq!(reparsed, Ok(canonical));
    }
}
