//! Values per type are made in three places (the sample events, the `example` checks, the
//! local lake's fakes); they are held to each other here, for every type the mapping knows:
//! the sample record and fake records of an event with every type convert through the local
//! lake's model of Firehose's OpenX reader without a failure or a finding, into columns of
//! the Arrow types the type mapping gives; and every sample value, written as an `example`,
//! passes the example check and comes out unchanged.

use eventlake_local::Converter;
use eventlake_local::columns::{Col, arrow_type};
use eventlake_local::fake;
use eventlake_schema::mapping::SCALARS;
use eventlake_schema::time::Instant;
use eventlake_schema::{Event, load_str, sample};

/// A lake with one event holding a column of every scalar type, alone, in an array, as a map
/// key and value, and in a struct.
fn every_type() -> Event {
    let mut toml = String::from("[lake]\nname = \"values\"\n\n[events.every_type.fields]\n");
    for (i, row) in SCALARS.iter().enumerate() {
        let ty = match row.glue {
            "decimal" => "decimal(12,2)".to_owned(),
            "varchar" | "char" => format!("{}(8)", row.glue),
            other => other.to_owned(),
        };
        toml.push_str(&format!("c{i} = {{ type = \"{ty}\", required = true }}\n"));
        toml.push_str(&format!("a{i} = \"array<{ty}>\"\n"));
        toml.push_str(&format!("m{i} = \"map<{ty},{ty}>\"\n"));
        toml.push_str(&format!("s{i} = \"struct<v:{ty},w:array<{ty}>>\"\n"));
    }
    let loaded = load_str(&toml, "events.toml").unwrap_or_else(|r| panic!("{r:?}\n{toml}"));
    loaded.schema.events[0].clone()
}

fn convert(event: &Event, converter: &Converter, cols: &mut [Col], record: &[u8]) {
    let text = String::from_utf8_lossy(record);
    match converter.convert(record, cols) {
        Ok(c) => assert!(c.findings.is_empty(), "{text}: {:?}", c.findings),
        Err(f) => panic!("{}: {text}: {f:?}", event.name),
    }
}

#[test]
fn samples_and_fakes_of_every_type_convert_cleanly() {
    let event = every_type();
    let converter = Converter::new(&event, None);
    let mut cols = Converter::columns(&event);
    let sample = serde_json::to_vec(&sample::sample_event(&event)).expect("JSON");
    convert(&event, &converter, &mut cols, &sample);
    let now = Instant {
        secs: 1_714_555_800,
        nanos: 0,
    };
    let records = fake::ndjson(&event, 200, 7, now);
    for line in records.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        convert(&event, &converter, &mut cols, line);
    }
    for (col, field) in cols.iter().zip(&event.fields) {
        assert_eq!(col.len(), 201, "{}", field.name);
    }
}

#[test]
fn columns_have_the_arrow_types_of_the_mapping() {
    let event = every_type();
    for (col, field) in Converter::columns(&event).into_iter().zip(&event.fields) {
        let mut col = col;
        let array = col.finish().expect("an empty column finishes");
        assert_eq!(array.data_type(), &arrow_type(&field.ty), "{}", field.name);
    }
}

#[test]
fn sample_values_pass_the_example_check_unchanged() {
    let event = every_type();
    let mut toml = String::from("[lake]\nname = \"values\"\n\n[events.examples.fields]\n");
    // Scalars and arrays: their JSON text is also a TOML value.
    let fields: Vec<_> = event
        .fields
        .iter()
        .filter(|f| f.ty.is_primitive() || f.name.starts_with('a'))
        .collect();
    assert_eq!(fields.len(), 2 * SCALARS.len());
    for f in &fields {
        let sample = sample::sample_of_type(&f.ty, &f.name);
        toml.push_str(&format!(
            "{} = {{ type = \"{}\", example = {sample} }}\n",
            f.name, f.ty
        ));
    }
    let loaded = load_str(&toml, "events.toml").unwrap_or_else(|r| panic!("{r:?}\n{toml}"));
    for (loaded, f) in loaded.schema.events[0].fields.iter().zip(&fields) {
        let sample = sample::sample_of_type(&f.ty, &f.name);
        assert_eq!(loaded.example.as_ref(), Some(&sample), "{}", f.ty);
    }
}
