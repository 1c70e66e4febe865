//! Records read from Kinesis, aggregated or not: de-aggregated before conversion, as
//! Firehose does with a Kinesis data stream as its source.

use eventlake_kinesis_agg::Aggregator;
use eventlake_local::{IngestOptions, KinesisRecord, ingest_kinesis_records};

use crate::common::{ARRIVAL, schema};

const TINY: &str = r#"
[lake]
name = "shop"

[events.order.fields]
order_id = { type = "string", required = true }
qty = "int"
"#;

#[test]
fn aggregated_and_plain_records_are_ingested_one_row_per_user_record() {
    let schema = schema(TINY);
    let mut agg = Aggregator::new();
    for i in 0..50 {
        agg.push(
            format!("k{}", i % 7),
            format!(r#"{{"order_id":"a{i}","qty":{i}}}"#).into_bytes(),
        );
    }
    let aggregated = agg.finish().expect("50 records");
    let plain = br#"{"order_id":"p","qty":1}"#;
    let bad = b"not json"; // a conversion failure, as in Firehose
    let records = [
        KinesisRecord {
            data: &aggregated.data,
            partition_key: &aggregated.partition_key,
        },
        KinesisRecord {
            data: plain,
            partition_key: "p",
        },
        KinesisRecord {
            data: bad,
            partition_key: "b",
        },
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = IngestOptions {
        lake_dir: dir.path().to_path_buf(),
        arrival: eventlake_local::parse_arrival(ARRIVAL),
        threads: 1,
    };
    let report = ingest_kinesis_records(&schema, "order", &records, &opts).expect("ingest");
    assert_eq!(report.records, 52);
    assert_eq!(report.converted, 51);
    assert_eq!(report.failed, 1);
}

#[test]
fn a_broken_aggregated_record_is_an_error_naming_it() {
    use md5::{Digest, Md5};
    // Magic bytes, a record pointing at partition key 5 of an empty table, a valid MD5.
    let proto: &[u8] = &[0x1a, 0x05, 0x08, 0x05, 0x1a, 0x01, b'x'];
    let data = [
        eventlake_kinesis_agg::MAGIC.as_slice(),
        proto,
        Md5::digest(proto).as_slice(),
    ]
    .concat();
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = IngestOptions {
        lake_dir: dir.path().to_path_buf(),
        arrival: eventlake_local::parse_arrival(ARRIVAL),
        threads: 1,
    };
    let records = [KinesisRecord {
        data: &data,
        partition_key: "pk",
    }];
    let err = ingest_kinesis_records(&schema(TINY), "order", &records, &opts)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("Kinesis record 0") && err.contains("partition_key_table"),
        "{err}"
    );
}
