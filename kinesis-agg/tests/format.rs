//! The format against hand-derived bytes and against itself.

use eventlake_kinesis_agg::{
    Aggregator, DeaggregateError, MAGIC, OVERHEAD, UserRecord, deaggregate, hash_key, is_aggregated,
};
use md5::{Digest, Md5};
use proptest::prelude::*;

#[test]
fn two_records_with_one_key_encode_as_the_format_document_says() {
    let mut agg = Aggregator::new();
    agg.push("a", b"x".to_vec());
    agg.push("a", b"y".to_vec());
    let packed = agg.finish().expect("two records");
    // partition_key_table = ["a"]: field 1, wire type 2 (0x0a), length 1, "a".
    // records[0] = {partition_key_index: 0, data: "x"}: field 3 (0x1a), length 5, then
    // field 1 varint (0x08) 0, field 3 bytes (0x1a) length 1 "x". The key is stored once.
    let proto: &[u8] = &[
        0x0a, 0x01, b'a', //
        0x1a, 0x05, 0x08, 0x00, 0x1a, 0x01, b'x', //
        0x1a, 0x05, 0x08, 0x00, 0x1a, 0x01, b'y',
    ];
    let mut want = MAGIC.to_vec();
    want.extend_from_slice(proto);
    want.extend_from_slice(&Md5::digest(proto));
    assert_eq!(packed.data, want);
    assert_eq!(packed.partition_key, "a");
    assert_eq!(packed.user_records, 2);
    assert!(is_aggregated(&packed.data));
    assert!(agg.is_empty(), "finish leaves an empty aggregator");
    assert_eq!(agg.finish(), None);
}

#[test]
fn a_lone_record_is_sent_as_it_is() {
    let mut agg = Aggregator::new();
    agg.push("k", b"{}".to_vec());
    let packed = agg.finish().expect("one record");
    assert_eq!(packed.data, b"{}");
    assert_eq!(packed.partition_key, "k");
    assert_eq!(packed.user_records, 1);
}

#[test]
fn records_without_the_format_pass_through() -> Result<(), DeaggregateError> {
    let plain = deaggregate(br#"{"a":1}"#, "pk")?;
    assert_eq!(
        plain,
        [UserRecord {
            partition_key: "pk".into(),
            explicit_hash_key: None,
            data: br#"{"a":1}"#.to_vec(),
        }]
    );
    // Magic bytes, but a checksum that does not match: passed through whole, as AWS's
    // libraries do.
    let mut agg = Aggregator::new();
    agg.push("a", b"x".to_vec());
    agg.push("b", b"y".to_vec());
    let mut data = agg.finish().expect("records").data;
    let last = data.len() - 1;
    data[last] ^= 1;
    assert!(!is_aggregated(&data));
    assert_eq!(deaggregate(&data, "outer")?[0].data, data);
    // Too short to hold a message.
    let short = [MAGIC.as_slice(), &[0u8; 16]].concat();
    assert_eq!(deaggregate(&short, "k")?.len(), 1);
    assert_eq!(deaggregate(b"", "k")?[0].data, b"");
    Ok(())
}

#[test]
fn broken_content_with_a_valid_checksum_is_an_error() {
    // One record pointing at key 3 of a one-key table.
    let proto: &[u8] = &[0x0a, 0x01, b'a', 0x1a, 0x05, 0x08, 0x03, 0x1a, 0x01, b'x'];
    let data = [MAGIC.as_slice(), proto, Md5::digest(proto).as_slice()].concat();
    let err = deaggregate(&data, "k").err();
    assert_eq!(
        err,
        Some(DeaggregateError::KeyIndex {
            record: 0,
            table: "partition_key_table",
            index: 3,
            len: 1
        })
    );
    // A length running past the end of the message.
    let proto: &[u8] = &[0x1a, 0x7f, 0x08];
    let data = [MAGIC.as_slice(), proto, Md5::digest(proto).as_slice()].concat();
    assert!(matches!(
        deaggregate(&data, "k"),
        Err(DeaggregateError::Protobuf(_))
    ));
}

#[test]
fn hash_keys_are_md5_big_endian() {
    // MD5("") = d41d8cd98f00b204e9800998ecf8427e (RFC 1321, appendix A.5).
    assert_eq!(hash_key(""), 0xd41d8cd98f00b204e9800998ecf8427e);
    assert_eq!(hash_key("abc"), 0x900150983cd24fb0d6963f7d28e17f72);
}

fn user_records() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    // Few distinct keys (so that the table is shared), some long data (multi-byte lengths).
    let key = prop_oneof!["[a-c]{1,2}", "\\PC{1,40}", Just("x".repeat(200)),];
    let data = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(any::<u8>(), 100..300),
        Just(vec![b'z'; 20_000]),
    ];
    proptest::collection::vec((key, data), 0..60)
}

proptest! {
    #[test]
    fn sizes_are_known_before_adding_and_records_come_back(records in user_records()) {
        let mut agg = Aggregator::new();
        prop_assert_eq!(agg.size(), OVERHEAD);
        for (key, data) in &records {
            let expected = agg.size_with(key, data.len());
            agg.push(key.clone(), data.clone());
            prop_assert_eq!(agg.size(), expected);
        }
        let size = agg.size();
        match agg.finish() {
            None => prop_assert!(records.is_empty()),
            Some(packed) => {
                prop_assert_eq!(packed.partition_key.as_str(), records[0].0.as_str());
                prop_assert_eq!(packed.user_records, records.len());
                if records.len() > 1 {
                    prop_assert_eq!(packed.data.len(), size);
                }
                let back = deaggregate(&packed.data, &packed.partition_key)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let back: Vec<(String, Vec<u8>)> = back
                    .into_iter()
                    .map(|r| (r.partition_key, r.data))
                    .collect();
                prop_assert_eq!(back, records);
            }
        }
    }
}
