//! The event fingerprint (`SCHEMA_FINGERPRINT`, the Glue table's `eventlake.fingerprint`)
//! changes whenever what a producer sends changes, also inside arrays and maps of structs,
//! and stays put for docs and examples.

use eventlake_schema::load_str;

fn fingerprint(fields: &str) -> String {
    let src = format!("[lake]\nname = 'shop'\n\n[events.order.fields]\n{fields}\n");
    match load_str(&src, "events.toml") {
        Ok(l) => l.schema.events[0].fingerprint(),
        Err(r) => panic!("{}", r.render(false)),
    }
}

/// `(what changed, before, after)`: each pair differs in one thing a producer must send.
const SEND_CHANGES: &[(&str, &str, &str)] = &[
    (
        "required inside array<struct>",
        "items = { type = 'array', items = { type = 'struct', fields = { sku = 'string' } } }",
        "items = { type = 'array', items = { type = 'struct', fields = { sku = { type = 'string', required = true } } } }",
    ),
    (
        "enum inside array<struct>",
        "items = { type = 'array', items = { type = 'struct', fields = { unit = { type = 'string', enum = ['kg'] } } } }",
        "items = { type = 'array', items = { type = 'struct', fields = { unit = { type = 'string', enum = ['kg', 'g'] } } } }",
    ),
    (
        "json key case inside array<struct>",
        "items = { type = 'array', items = { type = 'struct', fields = { sku = 'string' } } }",
        "items = { type = 'array', items = { type = 'struct', fields = { sku = { type = 'string', json = 'SKU' } } } }",
    ),
    (
        "required inside array<array<struct>>",
        "grid = { type = 'array', items = { type = 'array', items = { type = 'struct', fields = { v = 'int' } } } }",
        "grid = { type = 'array', items = { type = 'array', items = { type = 'struct', fields = { v = { type = 'int', required = true } } } } }",
    ),
    (
        "required inside struct",
        "ship = { type = 'struct', fields = { city = 'string' } }",
        "ship = { type = 'struct', fields = { city = { type = 'string', required = true } } }",
    ),
    (
        "enum values joined differently",
        "unit = { type = 'string', enum = ['a,b'] }",
        "unit = { type = 'string', enum = ['a', 'b'] }",
    ),
    (
        "top-level required",
        "id = 'string'",
        "id = { type = 'string', required = true }",
    ),
    ("top-level type", "id = 'int'", "id = 'bigint'"),
];

#[test]
fn every_change_to_what_producers_send_changes_the_fingerprint() {
    for (what, before, after) in SEND_CHANGES {
        assert_ne!(fingerprint(before), fingerprint(after), "{what}");
    }
}

/// `map<_, struct>` fields can only be written inline (`struct<…>` strings carry no
/// `required`/`enum`/`json`), so the map case is checked on the model directly.
#[test]
fn map_of_struct_values_are_looked_into() {
    let src =
        "[lake]\nname = 'shop'\n\n[events.order.fields]\nby_sku = 'map<string,struct<qty:int>>'\n";
    let loaded = load_str(src, "events.toml").expect("valid");
    let event = &loaded.schema.events[0];
    let edit = |f: &dyn Fn(&mut eventlake_schema::Field)| {
        let mut changed = event.clone();
        let eventlake_schema::Type::Map { value, .. } = &mut changed.fields[0].ty else {
            panic!("a map column")
        };
        let eventlake_schema::Type::Struct { fields } = value.as_mut() else {
            panic!("a struct value")
        };
        f(&mut fields[0]);
        changed.fingerprint()
    };
    assert_ne!(event.fingerprint(), edit(&|f| f.required = true));
    assert_ne!(
        event.fingerprint(),
        edit(&|f| f.json = Some("QTY".to_owned()))
    );
    assert_ne!(
        event.fingerprint(),
        edit(&|f| f.enum_values = vec!["x".to_owned()])
    );
    assert_eq!(
        event.fingerprint(),
        edit(&|f| f.doc = Some("Quantity".to_owned()))
    );
}

#[test]
fn docs_and_examples_leave_the_fingerprint_alone() {
    assert_eq!(
        fingerprint(
            "items = { type = 'array', items = { type = 'struct', fields = { sku = 'string' } } }"
        ),
        fingerprint(
            "items = { type = 'array', doc = 'Lines', items = { type = 'struct', fields = { sku = { type = 'string' } } } }"
        ),
    );
    assert_eq!(
        fingerprint("id = 'int'"),
        fingerprint("id = { type = 'int', doc = 'Id', example = 4 }"),
    );
}
