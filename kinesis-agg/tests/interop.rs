//! Interop with AWS's own library, `aws-kinesis-agg` (PyPI, pinned in
//! scripts/requirements-tools.txt and installed into `.venv-tools` by `scripts/setup-tools`),
//! in both directions: what this crate aggregates, AWS's library de-aggregates into exactly
//! the records sent, and what AWS's library aggregates, this crate de-aggregates.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use eventlake_kinesis_agg::{Aggregator, UserRecord, deaggregate, is_aggregated};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs interop.py under the pinned venv's Python with `request` on stdin.
fn python(request: &Value) -> Result<Value, Box<dyn std::error::Error>> {
    let python = repo_root().join(".venv-tools/bin/python");
    if !python.is_file() {
        return Err(format!(
            "{} is missing: run `scripts/setup-tools` (installs aws-kinesis-agg)",
            python.display()
        )
        .into());
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(&serde_json::to_vec(request)?)?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(format!(
            "interop.py failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    (0..text.len())
        .step_by(2)
        .map(|i| {
            Ok(u8::from_str_radix(
                text.get(i..i + 2).ok_or("odd hex")?,
                16,
            )?)
        })
        .collect()
}

fn str_field(v: &Value, key: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(v[key]
        .as_str()
        .ok_or_else(|| format!("no {key} in {v}"))?
        .to_owned())
}

/// User records with shared and distinct keys (some non-ASCII), JSON, binary and empty data,
/// and a few large ones that fill an aggregated record by themselves.
fn user_records() -> Vec<UserRecord> {
    (0..600)
        .map(|i| {
            let partition_key = match i % 5 {
                0 => format!("customer-{}", i % 37),
                1 => format!("Zürich-{}-🙂", i % 11),
                _ => format!("k{i}"),
            };
            let data = match i % 7 {
                0 => Vec::new(),
                1 => (0..=255u8).cycle().skip(i).take(300).collect(),
                2 if i % 70 == 2 => vec![b'x'; 20_000],
                _ => format!(r#"{{"order_id":"o-{i}","total":{}.99}}"#, i * 3).into_bytes(),
            };
            UserRecord {
                partition_key,
                explicit_hash_key: None,
                data,
            }
        })
        .collect()
}

#[test]
fn aws_kinesis_agg_deaggregates_what_we_aggregate() -> TestResult {
    let sent = user_records();
    let cap = 25 * 1024;
    let mut packed = Vec::new();
    let mut agg = Aggregator::new();
    for r in &sent {
        if !agg.is_empty() && agg.size_with(&r.partition_key, r.data.len()) > cap {
            packed.extend(agg.finish());
        }
        agg.push(r.partition_key.clone(), r.data.clone());
    }
    packed.extend(agg.finish());
    assert!(packed.len() > 5, "several aggregated records");
    assert!(packed.iter().all(|p| is_aggregated(&p.data)));
    let request = json!({
        "mode": "deaggregate",
        "records": packed
            .iter()
            .map(|p| json!({"pk": p.partition_key, "data": hex(&p.data)}))
            .collect::<Vec<_>>(),
    });
    let answer = python(&request)?;
    let got = answer["records"].as_array().ok_or("no records")?;
    assert_eq!(
        got.len(),
        sent.len(),
        "user records de-aggregated by AWS's library"
    );
    for (i, (g, s)) in got.iter().zip(&sent).enumerate() {
        assert_eq!(g["aggregated"], Value::Bool(true), "record {i}");
        assert_eq!(str_field(g, "pk")?, s.partition_key, "record {i}");
        assert_eq!(unhex(&str_field(g, "data")?)?, s.data, "record {i}");
        assert_eq!(g["ehk"], Value::Null, "record {i}");
    }
    Ok(())
}

#[test]
fn we_deaggregate_what_aws_kinesis_agg_aggregates() -> TestResult {
    let mut sent = user_records();
    // Some records carry an explicit hash key (a decimal 128-bit number).
    for (i, r) in sent.iter_mut().enumerate().filter(|(i, _)| i % 9 == 4) {
        r.explicit_hash_key = Some(format!("{}", u128::MAX / 600 * i as u128));
    }
    let request = json!({
        "mode": "aggregate",
        "max_size": 25 * 1024,
        "records": sent
            .iter()
            .map(|r| json!({"pk": r.partition_key, "ehk": r.explicit_hash_key, "data": hex(&r.data)}))
            .collect::<Vec<_>>(),
    });
    let answer = python(&request)?;
    let packed = answer["records"].as_array().ok_or("no records")?;
    assert!(packed.len() > 5, "AWS's library made several records");
    let mut got = Vec::new();
    for p in packed {
        let data = unhex(&str_field(p, "data")?)?;
        assert!(
            is_aggregated(&data),
            "AWS's library wrote an aggregated record"
        );
        got.extend(deaggregate(&data, &str_field(p, "pk")?)?);
    }
    assert_eq!(got.len(), sent.len());
    for (i, (g, s)) in got.iter().zip(&sent).enumerate() {
        assert_eq!(g, s, "record {i}");
    }
    Ok(())
}

#[test]
fn plain_records_pass_through_both_implementations_alike() -> TestResult {
    let plain = br#"{"a":1}"#;
    let answer = python(&json!({
        "mode": "deaggregate",
        "records": [{"pk": "k", "data": hex(plain)}],
    }))?;
    let theirs = &answer["records"][0];
    assert_eq!(theirs["aggregated"], Value::Bool(false));
    let ours = deaggregate(plain, "k")?;
    assert_eq!(ours.len(), 1);
    assert_eq!(unhex(&str_field(theirs, "data")?)?, ours[0].data);
    assert_eq!(str_field(theirs, "pk")?, ours[0].partition_key);
    Ok(())
}
