//! The loader never panics: arbitrary text and arbitrary TOML documents either load or
//! produce diagnostics whose spans lie inside the input.

use proptest::prelude::*;

fn check(src: &str) {
    if let Err(report) = eventlake_schema::load_str(src, "fuzz.toml") {
        assert!(report.error_count() > 0);
        for d in &report.diagnostics {
            assert!(
                d.span.start <= d.span.end && d.span.end <= src.len(),
                "span {:?} outside input of {} bytes",
                d.span,
                src.len()
            );
        }
        let _ = report.render(false);
    }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("lake".to_owned()),
        Just("events".to_owned()),
        Just("name".to_owned()),
        Just("fields".to_owned()),
        Just("type".to_owned()),
        Just("items".to_owned()),
        Just("example".to_owned()),
        Just("enum".to_owned()),
        Just("json".to_owned()),
        Just("required".to_owned()),
        Just("partition_key".to_owned()),
        Just("time_field".to_owned()),
        Just("defaults".to_owned()),
        Just("shards".to_owned()),
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
    ]
}

fn value() -> impl Strategy<Value = toml::Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(toml::Value::Boolean),
        any::<i64>().prop_map(toml::Value::Integer),
        any::<f64>().prop_map(toml::Value::Float),
        prop_oneof![
            Just("string".to_owned()),
            Just("int".to_owned()),
            Just("timestamp".to_owned()),
            Just("struct".to_owned()),
            Just("array".to_owned()),
            Just("decimal(12,2)".to_owned()),
            Just("array<struct<a:int,b:map<string,date>>>".to_owned()),
            Just("on_demand".to_owned()),
            Just("event_time".to_owned()),
            ".{0,20}",
        ]
        .prop_map(toml::Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| toml::Value::Table(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        check(&src);
    }

    #[test]
    fn arbitrary_toml_never_panics(doc in prop::collection::vec((key(), value()), 0..4)) {
        let table: toml::Table = doc.into_iter().collect();
        let src = toml::to_string(&table).expect("a generated TOML table serialises");
        check(&src);
    }

    #[test]
    fn lake_shaped_documents_never_panic(fields in prop::collection::vec((key(), value()), 1..6), settings in prop::collection::vec((key(), value()), 0..3)) {
        let mut event = toml::Table::new();
        event.insert("fields".into(), toml::Value::Table(fields.into_iter().collect()));
        for (k, v) in settings {
            event.insert(k, v);
        }
        let mut events = toml::Table::new();
        events.insert("e".into(), toml::Value::Table(event));
        let mut lake = toml::Table::new();
        lake.insert("name".into(), toml::Value::String("shop".into()));
        let mut root = toml::Table::new();
        root.insert("lake".into(), toml::Value::Table(lake));
        root.insert("events".into(), toml::Value::Table(events));
        let src = toml::to_string(&root).expect("a generated TOML table serialises");
        check(&src);
    }
}
