//! Shared helpers: ingest into a temporary lake, read its Parquet rows back as text, its
//! error documents and its raw backup, and check that nothing was lost.

#![allow(dead_code, reason = "each test module uses a different subset")]

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::Array;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use base64::prelude::{BASE64_STANDARD, Engine as _};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use eventlake_local::{IngestOptions, IngestReport, ingest_records};
use eventlake_schema::Schema;

/// The fixed arrival time of the tests.
pub const ARRIVAL: &str = "2024-05-01T09:30:00.000Z";

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A schema from text.
pub fn schema(src: &str) -> Schema {
    match eventlake_schema::load_str(src, "events.toml") {
        Ok(l) => l.schema,
        Err(r) => panic!("invalid test schema:\n{}", r.render(false)),
    }
}

/// A lake after one ingest.
pub struct Lake {
    /// Keeps the folder alive.
    pub dir: tempfile::TempDir,
    /// What the ingest reported.
    pub report: IngestReport,
    /// The event.
    pub event: String,
}

impl Lake {
    /// The lake folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Every Parquet row of the event, cells formatted as text (`NULL` for null), in file
    /// order then row order.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for file in files_under(&self.path().join("data").join(&self.event), "parquet") {
            let f = File::open(&file).expect("parquet file");
            let reader = ParquetRecordBatchReaderBuilder::try_new(f)
                .expect("parquet metadata")
                .build()
                .expect("reader");
            let options = FormatOptions::default().with_null("NULL");
            for batch in reader {
                let batch = batch.expect("batch");
                let fmts: Vec<ArrayFormatter<'_>> = batch
                    .columns()
                    .iter()
                    .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).expect("formatter"))
                    .collect();
                for row in 0..batch.num_rows() {
                    out.push(
                        batch
                            .columns()
                            .iter()
                            .zip(&fmts)
                            .map(|(c, f)| {
                                if c.is_null(row) {
                                    "NULL".to_owned()
                                } else {
                                    f.value(row).to_string()
                                }
                            })
                            .collect(),
                    );
                }
            }
        }
        out
    }

    /// Column `i` of every row.
    pub fn column(&self, i: usize) -> Vec<String> {
        self.rows().into_iter().map(|r| r[i].clone()).collect()
    }

    /// Every error document, with the error-output type it was filed under.
    pub fn errors(&self) -> Vec<(String, serde_json::Value)> {
        let root = self.path().join("errors").join(&self.event);
        let mut out = Vec::new();
        for file in files_under(&root, "") {
            let kind = file
                .strip_prefix(&root)
                .ok()
                .and_then(|p| p.components().next())
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&file).expect("error file");
            for line in text.lines() {
                out.push((
                    kind.clone(),
                    serde_json::from_str(line).expect("json document"),
                ));
            }
        }
        out
    }

    /// The error codes, in order.
    pub fn error_codes(&self) -> Vec<String> {
        self.errors()
            .iter()
            .map(|(_, d)| d["lastErrorCode"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The raw backup's bytes.
    pub fn raw(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for f in files_under(&self.path().join("raw").join(&self.event), "") {
            out.extend(std::fs::read(f).expect("raw file"));
        }
        out
    }
}

/// Files under `dir` (recursively, sorted) whose name ends with `ext` (any when empty),
/// hidden files excluded.
pub fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if !name.starts_with('.')
                && (ext.is_empty() || name.ends_with(&format!(".{ext}")))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Ingests `records` (exact Kinesis records) of `event` and checks that nothing was lost:
/// every record is in raw/, and each is a Parquet row or an error document.
pub fn ingest(schema: &Schema, event: &str, records: &[&str]) -> Lake {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = IngestOptions {
        lake_dir: dir.path().to_path_buf(),
        arrival: eventlake_local::parse_arrival(ARRIVAL),
        threads: 2,
    };
    let bytes: Vec<&[u8]> = records.iter().map(|r| r.as_bytes()).collect();
    let report = ingest_records(schema, event, &bytes, &opts).expect("ingest");
    let lake = Lake {
        dir,
        report,
        event: event.to_owned(),
    };
    let r = &lake.report;
    assert_eq!(r.records, records.len());
    assert_eq!(r.converted + r.failed, r.records, "{r:?}");
    assert_eq!(lake.rows().len(), r.converted, "Parquet rows");
    let errors = lake.errors();
    assert_eq!(errors.len(), r.failed, "error documents");
    let mut expected_raw = Vec::new();
    for rec in records {
        expected_raw.extend_from_slice(rec.as_bytes());
        if !rec.ends_with('\n') {
            expected_raw.push(b'\n');
        }
    }
    assert_eq!(lake.raw(), expected_raw, "raw/ holds every record");
    for (_, doc) in &errors {
        let raw = doc["rawData"].as_str().unwrap_or_default();
        let decoded = BASE64_STANDARD.decode(raw).expect("base64 rawData");
        let n: usize = doc["sequenceNumber"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("sequenceNumber");
        assert_eq!(decoded, records[n].as_bytes(), "rawData is record {n}");
    }
    lake
}
