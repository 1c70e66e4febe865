//! One ingest: records in, the raw backup, Parquet partitions and error documents out,
//! exactly where the stack's Firehose would put them ([`crate::layout`]).
//!
//! Rules:
//! - one ingest is one Firehose buffer: every record gets the same arrival time (now, or
//!   [`IngestOptions::arrival`] for reproducible runs), and each output is one file per
//!   partition;
//! - nothing is lost: every input record is written to `raw/`, and each one is either a row
//!   in `data/` or a document in `errors/` ([`IngestReport::converted`] +
//!   [`IngestReport::failed`] = [`IngestReport::records`]);
//! - output is deterministic: the same input and arrival time give byte-identical files
//!   (records keep their input order; file names carry a hash of the input);
//! - files are written under a temporary name and renamed when complete, so a failed
//!   ingest leaves no half-written Parquet file behind.
//!
//! Conversion runs on worker threads (chunks of records), the raw backup on another, while
//! the calling thread writes the Parquet files, in input order.

use std::collections::BTreeMap;
use std::fs::File;
use std::hash::Hasher as _;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::SchemaRef;
use base64::prelude::{BASE64_STANDARD, Engine as _};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression as ParquetCompression, GzipLevel};
use parquet::file::properties::{WriterProperties, WriterVersion};
use serde_json::json;

use eventlake_schema::time::{self, Instant};
use eventlake_schema::{Compression, Event, Partitioning, Schema};

use crate::Error;
use crate::columns::{Col, event_schema};
use crate::convert::{
    Converter, Failure, Finding, METADATA_EXTRACTION_FAILED, PARSE_ERROR, TimeValue,
};
use crate::layout::{self, FORMAT_CONVERSION_FAILED, Hasher, PARTITIONING_FAILED};
use crate::split::{line_is_exact, split_lines, split_records};

/// Most records converted into one Arrow batch.
const CHUNK_RECORDS: usize = 8192;
/// Most input bytes converted into one Arrow batch (keeps text offsets far below `i32`).
const CHUNK_BYTES: usize = 64 << 20;
/// Distinct offending values remembered per enum column.
const MAX_ENUM_VALUES: usize = 20;
/// Failures kept verbatim in the report.
const MAX_EXAMPLES: usize = 10;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The lake folder (created when missing).
    pub lake_dir: PathBuf,
    /// Arrival time of the whole batch; `None` is now.
    pub arrival: Option<Instant>,
    /// Conversion threads; 0 is one per core.
    pub threads: usize,
}

/// What one ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Event name.
    pub event: String,
    /// Records read.
    pub records: usize,
    /// Records written to Parquet.
    pub converted: usize,
    /// Records written to `errors/`.
    pub failed: usize,
    /// Failed records per error code.
    pub failures_by_code: BTreeMap<String, usize>,
    /// The first few failures: (record number from 0, failure).
    pub examples: Vec<(usize, Failure)>,
    /// Values outside a column's `enum`: column → value → count (converted anyway).
    pub not_in_enum: BTreeMap<String, BTreeMap<String, usize>>,
    /// Records whose `required` column was missing or null: column → count.
    pub required_missing: BTreeMap<String, usize>,
    /// Files written, relative to the lake folder, sorted.
    pub files: Vec<PathBuf>,
    /// Partition paths that received rows (`year=2024/month=05/…`), sorted.
    pub partitions: Vec<String>,
    /// Arrival time used.
    pub arrival: String,
}

impl IngestReport {
    /// Number of values outside an `enum` list.
    pub fn not_in_enum_count(&self) -> usize {
        self.not_in_enum.values().flat_map(BTreeMap::values).sum()
    }
}

/// One chunk's conversion result.
#[derive(Default)]
struct ChunkOut {
    /// Batches per partition values.
    batches: Vec<(Vec<u32>, RecordBatch)>,
    failures: Vec<(usize, Failure)>,
    findings: Vec<Finding>,
}

/// Splits `input` into records ([`split_records`]) and ingests them.
///
/// The records are first taken one per line ([`split_lines`]), which costs a newline
/// search instead of a bracket scan of every byte. Only a line that fails to parse can
/// hold something else (two values, or a part of a pretty-printed one); when such a line
/// is not the record [`split_records`] would make ([`line_is_exact`]), nothing is kept and
/// the input is split and ingested again with [`split_records`].
pub fn ingest_bytes(
    schema: &Schema,
    event: &str,
    inputs: &[&[u8]],
    opts: &IngestOptions,
) -> Result<IngestReport, Error> {
    let mut records: Vec<&[u8]> = Vec::new();
    let mut origins: Vec<(usize, Range<usize>)> = Vec::new();
    for (k, input) in inputs.iter().enumerate() {
        for r in split_lines(input) {
            records.push(&input[r.clone()]);
            origins.push((k, r));
        }
    }
    let exact = |i: usize| {
        origins
            .get(i)
            .is_some_and(|(k, r)| line_is_exact(inputs[*k], r.clone()))
    };
    if let Some(report) = ingest(schema, event, &records, opts, Some(&exact))? {
        return Ok(report);
    }
    records.clear();
    for input in inputs {
        records.extend(
            split_records(input)
                .into_iter()
                .map(|r: Range<usize>| &input[r]),
        );
    }
    ingest_records(schema, event, &records, opts)
}

/// One record as read from a Kinesis data stream (GetRecords): its data and partition key.
#[derive(Debug, Clone, Copy)]
pub struct KinesisRecord<'a> {
    /// The record's data: one event, or a KPL aggregated record of many.
    pub data: &'a [u8],
    /// Its partition key.
    pub partition_key: &'a str,
}

/// Ingests records read from a Kinesis data stream as Firehose does with a stream as its
/// source: KPL aggregated records are de-aggregated first (their MD5 checked; a record
/// without the format is one event), then each user record is ingested as
/// [`ingest_records`] does. A record with the format's magic bytes and checksum whose
/// content is broken is an error naming it.
pub fn ingest_kinesis_records(
    schema: &Schema,
    event: &str,
    records: &[KinesisRecord<'_>],
    opts: &IngestOptions,
) -> Result<IngestReport, Error> {
    let mut users = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let user = eventlake_kinesis_agg::deaggregate(r.data, r.partition_key).map_err(|e| {
            Error::Message(format!(
                "Kinesis record {i} (partition key {:?}): {e}",
                r.partition_key
            ))
        })?;
        users.extend(user);
    }
    let data: Vec<&[u8]> = users.iter().map(|u| u.data.as_slice()).collect();
    ingest_records(schema, event, &data, opts)
}

/// Ingests records exactly as given (one Kinesis record each; an empty slice is an empty
/// record).
pub fn ingest_records(
    schema: &Schema,
    event_name: &str,
    records: &[&[u8]],
    opts: &IngestOptions,
) -> Result<IngestReport, Error> {
    ingest(schema, event_name, records, opts, None)?
        .ok_or_else(|| Error::Message("an ingest without a record check was abandoned".into()))
}

/// Whether record `i` that failed to parse is a record as cut (see [`ingest_bytes`]).
type RecordCheck<'a> = &'a dyn Fn(usize) -> bool;

/// [`ingest_records`], or `None` (and nothing written) as soon as a record that failed to
/// parse does not pass `check`.
fn ingest(
    schema: &Schema,
    event_name: &str,
    records: &[&[u8]],
    opts: &IngestOptions,
    check: Option<RecordCheck<'_>>,
) -> Result<Option<IngestReport>, Error> {
    let event = schema
        .event(event_name)
        .ok_or_else(|| Error::UnknownEvent {
            name: event_name.to_owned(),
            known: schema.events.iter().map(|e| e.name.clone()).collect(),
        })?;
    let arrival = opts.arrival.unwrap_or_else(now);
    let event_time = event.settings.partitioning == Partitioning::EventTime;
    let time_column = if event_time {
        event.time_field.as_deref()
    } else {
        None
    };
    let converter = Converter::new(event, time_column);
    let arrow_schema: SchemaRef = Arc::new(event_schema(event));
    let part_cols = event.partition_columns();
    let arrival_parts = layout::partition_values(part_cols, arrival);

    // Chunk boundaries: by record count and by bytes.
    let mut chunks: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, r) in records.iter().enumerate() {
        if i > start && (i - start >= CHUNK_RECORDS || bytes + r.len() > CHUNK_BYTES) {
            chunks.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += r.len();
    }
    if start < records.len() {
        chunks.push(start..records.len());
    }

    let chunks = &chunks;
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        n => n,
    }
    .clamp(1, chunks.len().max(1));

    let stage = Stage::new(&opts.lake_dir, event, arrival)?;
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<(usize, Result<ChunkOut, Error>)>(threads * 2);
    let process = |k: usize| -> Result<ChunkOut, Error> {
        let range = chunks[k].clone();
        convert_chunk(
            &converter,
            event,
            &arrow_schema,
            &records[range.clone()],
            range.start,
            event_time,
            &arrival_parts,
        )
    };

    let mut report = IngestReport {
        event: event.name.clone(),
        records: records.len(),
        arrival: arrival.format(),
        ..IngestReport::default()
    };
    let mut writers = Writers::new(
        &stage,
        event,
        &schema.lake.name,
        records,
        arrow_schema.clone(),
    );
    writers.check = check;

    let outcome: Result<(), Error> = std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            let process = &process;
            s.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= chunks.len() {
                        break;
                    }
                    if tx.send((k, process(k))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // The raw backup is written next to the Parquet files, on its own thread.
        let raw = s.spawn(|| stage.write_raw(records));
        let received = take_in_order(rx, &mut writers, &mut report);
        if received.is_err() {
            stage.stopped.store(true, Ordering::Relaxed);
        }
        received?;
        writers.hash = raw
            .join()
            .map_err(|_| Error::Message("the raw-backup thread panicked".to_owned()))??;
        Ok(())
    });
    if writers.abandoned {
        // The stage's temporary files go with it.
        return Ok(None);
    }
    outcome?;
    writers.finish(&mut report)?;
    report.files.sort();
    report.partitions.sort();
    report.partitions.dedup();
    Ok(Some(report))
}

/// Reads a whole input file, its halves on two threads: the copy out of the page cache
/// and the page faults of the new buffer are a tenth of a large ingest, all of it before
/// the first record can be converted.
pub fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Read as _, Seek as _};
    use std::os::unix::fs::FileExt as _;
    let mut file = File::open(path)?;
    let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
    if len < READ_IN_HALVES_MIN_BYTES {
        let mut buf = Vec::new();
        file.read_to_end(&mut buf)?;
        return Ok(buf);
    }
    let mut buf = vec![0u8; len];
    let (first, second) = buf.split_at_mut(len / 2);
    let offset = first.len() as u64;
    let second_len = second.len() as u64;
    std::thread::scope(|s| {
        let second_half = s.spawn(|| file.read_exact_at(second, offset));
        file.read_exact_at(first, 0)?;
        second_half
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("a reading thread panicked")))
    })?;
    // A file that grew while it was read: the rest too, as `read_to_end` would.
    let mut rest = Vec::new();
    file.seek(std::io::SeekFrom::Start(offset + second_len))?;
    file.read_to_end(&mut rest)?;
    buf.extend(rest);
    Ok(buf)
}

/// Smaller files are read on the calling thread.
const READ_IN_HALVES_MIN_BYTES: usize = 16 << 20;

/// Hands the converted chunks to `writers` in input order. The receiver is dropped on
/// return, so that after an error every worker's next send fails and it stops, instead of
/// waiting forever for room in the channel.
fn take_in_order(
    rx: mpsc::Receiver<(usize, Result<ChunkOut, Error>)>,
    writers: &mut Writers<'_>,
    report: &mut IngestReport,
) -> Result<(), Error> {
    let mut pending: BTreeMap<usize, Result<ChunkOut, Error>> = BTreeMap::new();
    let mut want = 0;
    for (k, out) in rx {
        pending.insert(k, out);
        while let Some(out) = pending.remove(&want) {
            writers.take(out?, report)?;
            want += 1;
        }
    }
    Ok(())
}

/// The current time, to the millisecond.
pub fn now() -> Instant {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Instant {
        secs: i64::try_from(d.as_secs()).unwrap_or(0),
        nanos: d.subsec_millis() * 1_000_000,
    }
}

/// Parses an `--arrival-time` value: any OpenX timestamp form.
pub fn parse_arrival(text: &str) -> Option<Instant> {
    time::parse_timestamp_str(text).or_else(|| time::parse_epoch(text))
}

fn convert_chunk(
    converter: &Converter,
    event: &Event,
    schema: &SchemaRef,
    records: &[&[u8]],
    first: usize,
    event_time: bool,
    arrival_parts: &[u32],
) -> Result<ChunkOut, Error> {
    let mut cols: Vec<Col> = Converter::columns(event);
    let mut keys: Vec<Vec<u32>> = Vec::new();
    let mut out = ChunkOut::default();
    let part_cols = event.partition_columns();
    for (i, record) in records.iter().enumerate() {
        let rows = cols.first().map_or(0, Col::len);
        match converter.convert(record, &mut cols) {
            Err(f) => out.failures.push((first + i, f)),
            Ok(converted) => {
                if event_time {
                    match event_partition(part_cols, converted.time_value.as_ref()) {
                        Ok(k) => keys.push(k),
                        Err(f) => {
                            for c in &mut cols {
                                c.truncate(rows);
                            }
                            out.failures.push((first + i, f));
                            continue;
                        }
                    }
                }
                out.findings.extend(converted.findings);
            }
        }
    }
    if cols.first().is_none_or(Col::is_empty) {
        return Ok(out);
    }
    let arrays: Vec<ArrayRef> = cols.iter_mut().map(Col::finish).collect::<Result<_, _>>()?;
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    if !event_time {
        out.batches.push((arrival_parts.to_vec(), batch));
        return Ok(out);
    }
    // Group rows by partition, keeping input order within each.
    let mut groups: BTreeMap<&Vec<u32>, Vec<u32>> = BTreeMap::new();
    for (row, k) in keys.iter().enumerate() {
        groups
            .entry(k)
            .or_default()
            .push(u32::try_from(row).unwrap_or(u32::MAX));
    }
    if groups.len() == 1 {
        if let Some((k, _)) = groups.into_iter().next() {
            out.batches.push((k.clone(), batch));
        }
        return Ok(out);
    }
    for (k, rows) in groups {
        let idx = UInt32Array::from(rows);
        out.batches
            .push((k.clone(), take_record_batch(&batch, &idx)?));
    }
    Ok(out)
}

/// The event-time partition values the stack's JQ query extracts (plan.rs): epoch numbers
/// through `todate`, strings split into their date and time parts (one-digit month and day
/// are padded, as the prefix writes them). Both equal the parts of the instant OpenX reads,
/// which `generator/tests/event_time.rs` checks by running the JQ query with libjq.
fn event_partition(
    cols: &[eventlake_schema::PartitionColumn],
    value: Option<&TimeValue>,
) -> Result<Vec<u32>, Failure> {
    let fail = |why: &str| Failure {
        code: METADATA_EXTRACTION_FAILED,
        message: format!("Could not extract the partition values from the event time: {why}"),
    };
    match value {
        None => Err(fail(
            "the time field's key is missing (the partitioning query reads it case-sensitively)",
        )),
        Some(TimeValue::Other) => Err(fail("the time field is null or not a string or number")),
        Some(TimeValue::Number(n)) => time::parse_epoch(n)
            .map(|i| layout::partition_values(cols, i))
            .ok_or_else(|| fail("not an epoch time")),
        Some(TimeValue::Text(s)) => time::parse_timestamp_str(s)
            .map(|i| layout::partition_values(cols, i))
            .ok_or_else(|| fail("not a timestamp")),
    }
}

/// The output folders of one ingest and their temporary files.
struct Stage {
    root: PathBuf,
    event: String,
    arrival: Instant,
    arrival_path: String,
    /// (temporary path, final path without the stem, suffix).
    pending: std::sync::Mutex<Vec<(PathBuf, PathBuf, &'static str)>>,
    /// Set when the ingest fails or is abandoned: the raw backup stops early.
    stopped: std::sync::atomic::AtomicBool,
}

impl Stage {
    fn new(root: &Path, event: &Event, arrival: Instant) -> Result<Self, Error> {
        std::fs::create_dir_all(root).map_err(Error::io(root))?;
        Ok(Self {
            root: root.to_path_buf(),
            event: event.name.clone(),
            arrival,
            arrival_path: layout::arrival_path(arrival),
            pending: std::sync::Mutex::new(Vec::new()),
            stopped: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Creates a temporary file for the final folder `dir` (relative to the root).
    fn create(&self, dir: &str, suffix: &'static str) -> Result<BufWriter<File>, Error> {
        let folder = self.root.join(dir);
        std::fs::create_dir_all(&folder).map_err(Error::io(&folder))?;
        let mut pending = self
            .pending
            .lock()
            .map_err(|_| Error::Message("a writer thread panicked".to_owned()))?;
        let n = pending.len();
        let tmp = folder.join(format!(".{}-{}-{n}.tmp", self.event, std::process::id()));
        let file = File::create(&tmp).map_err(Error::io(&tmp))?;
        pending.push((tmp, PathBuf::from(dir), suffix));
        Ok(BufWriter::with_capacity(1 << 20, file))
    }

    /// Writes every record to `raw/`, one per line, and returns the input's hash.
    fn write_raw(&self, records: &[&[u8]]) -> Result<u64, Error> {
        let dir = format!("raw/{}/{}", self.event, self.arrival_path);
        let mut w = self.create(&dir, "")?;
        let mut hasher = Hasher::default();
        hasher.write(self.event.as_bytes());
        // The error (and its path text) is built only on failure, not once per record.
        let written: std::io::Result<()> = records.iter().try_for_each(|r| {
            if self.stopped.load(Ordering::Relaxed) {
                return Err(std::io::Error::other("the ingest stopped"));
            }
            hasher.write(r);
            // The length too, so that the same bytes cut into other records hash apart.
            hasher.write_u64(r.len() as u64);
            w.write_all(r)?;
            if r.last() != Some(&b'\n') {
                w.write_all(b"\n")?;
            }
            Ok(())
        });
        written.and_then(|()| w.flush()).map_err(Error::io(&dir))?;
        Ok(hasher.finish())
    }

    /// Renames every temporary file to `<dir>/<stem><suffix>` and returns the final paths
    /// relative to the root.
    fn commit(&self, hash: u64) -> Result<Vec<PathBuf>, Error> {
        let stem = layout::file_stem(&self.event, self.arrival, hash);
        let mut out = Vec::new();
        let mut pending = self
            .pending
            .lock()
            .map_err(|_| Error::Message("a writer thread panicked".to_owned()))?;
        for (tmp, dir, suffix) in pending.drain(..) {
            let rel = dir.join(format!("{stem}{suffix}"));
            let dest = self.root.join(&rel);
            std::fs::rename(&tmp, &dest).map_err(Error::io(&dest))?;
            out.push(rel);
        }
        Ok(out)
    }
}

impl Drop for Stage {
    /// Removes the temporary files of an ingest that did not commit (an error, or an
    /// abandoned first attempt), so that it leaves nothing behind.
    fn drop(&mut self) {
        if let Ok(pending) = self.pending.get_mut() {
            for (tmp, _, _) in pending.drain(..) {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

/// The Parquet writers (one per partition) and the error file of one ingest.
struct Writers<'s> {
    stage: &'s Stage,
    event: &'s Event,
    lake: &'s str,
    records: &'s [&'s [u8]],
    schema: SchemaRef,
    props: WriterProperties,
    parquet: BTreeMap<Vec<u32>, ArrowWriter<BufWriter<File>>>,
    errors: BTreeMap<&'static str, BufWriter<File>>,
    hash: u64,
    /// Applied to every record that failed to parse; one that does not pass abandons the
    /// ingest.
    check: Option<RecordCheck<'s>>,
    abandoned: bool,
}

impl<'s> Writers<'s> {
    fn new(
        stage: &'s Stage,
        event: &'s Event,
        lake: &'s str,
        records: &'s [&'s [u8]],
        schema: SchemaRef,
    ) -> Self {
        let compression = match event.settings.parquet_compression {
            Compression::Snappy => ParquetCompression::SNAPPY,
            Compression::Gzip => ParquetCompression::GZIP(GzipLevel::default()),
            Compression::Uncompressed => ParquetCompression::UNCOMPRESSED,
        };
        let props = WriterProperties::builder()
            .set_compression(compression)
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_created_by(format!(
                "eventlake-local version {} (parquet-rs)",
                env!("CARGO_PKG_VERSION")
            ))
            .build();
        Self {
            stage,
            event,
            lake,
            records,
            schema,
            props,
            parquet: BTreeMap::new(),
            errors: BTreeMap::new(),
            hash: 0,
            check: None,
            abandoned: false,
        }
    }

    fn take(&mut self, out: ChunkOut, report: &mut IngestReport) -> Result<(), Error> {
        if let Some(check) = self.check
            && out
                .failures
                .iter()
                .any(|(i, f)| f.code == PARSE_ERROR && !check(*i))
        {
            self.abandoned = true;
            return Err(Error::Message("abandoned".to_owned()));
        }
        for (key, batch) in out.batches {
            report.converted += batch.num_rows();
            let writer = match self.parquet.entry(key) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let path = layout::partition_path(self.event.partition_columns(), e.key());
                    let dir = format!("data/{}/{path}", self.event.name);
                    report
                        .partitions
                        .push(path.trim_end_matches('/').to_owned());
                    let file = self.stage.create(&dir, ".parquet")?;
                    e.insert(ArrowWriter::try_new(
                        file,
                        self.schema.clone(),
                        Some(self.props.clone()),
                    )?)
                }
            };
            writer.write(&batch)?;
        }
        for (index, failure) in out.failures {
            report.failed += 1;
            *report
                .failures_by_code
                .entry(failure.code.to_owned())
                .or_default() += 1;
            let kind = if failure.code == METADATA_EXTRACTION_FAILED {
                PARTITIONING_FAILED
            } else {
                FORMAT_CONVERSION_FAILED
            };
            let raw = self.record_bytes(index);
            let w = match self.errors.entry(kind) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let dir = format!(
                        "errors/{}/{kind}/{}",
                        self.event.name, self.stage.arrival_path
                    );
                    e.insert(self.stage.create(&dir, "")?)
                }
            };
            let doc = error_document(self.stage, self.lake, index, &failure, raw);
            serde_json::to_writer(&mut *w, &doc).map_err(|e| Error::Message(e.to_string()))?;
            w.write_all(b"\n").map_err(Error::io("errors/"))?;
            if report.examples.len() < MAX_EXAMPLES {
                report.examples.push((index, failure));
            }
        }
        for f in out.findings {
            match f {
                Finding::NotInEnum { column, value } => {
                    let values = report.not_in_enum.entry(column).or_default();
                    if values.len() < MAX_ENUM_VALUES || values.contains_key(&value) {
                        *values.entry(value).or_default() += 1;
                    } else {
                        *values.entry("(other values)".to_owned()).or_default() += 1;
                    }
                }
                Finding::RequiredMissing { column } => {
                    *report.required_missing.entry(column).or_default() += 1;
                }
            }
        }
        Ok(())
    }

    /// The raw bytes of record `index` (for the error document).
    fn record_bytes(&self, index: usize) -> &'s [u8] {
        self.records.get(index).copied().unwrap_or_default()
    }

    fn finish(mut self, report: &mut IngestReport) -> Result<(), Error> {
        for (_, w) in std::mem::take(&mut self.parquet) {
            w.close()?;
        }
        for (_, mut w) in std::mem::take(&mut self.errors) {
            w.flush().map_err(Error::io("errors/"))?;
        }
        report.files = self.stage.commit(self.hash)?;
        Ok(())
    }
}

/// A failed record as Firehose writes it under its error prefix (docs/aws-behaviour.md,
/// "Error documents of failed records").
fn error_document(
    stage: &Stage,
    lake: &str,
    index: usize,
    failure: &Failure,
    raw: &[u8],
) -> serde_json::Value {
    let millis = stage.arrival.secs * 1000 + i64::from(stage.arrival.nanos / 1_000_000);
    json!({
        "attemptsMade": 1,
        "arrivalTimestamp": millis,
        "lastErrorCode": failure.code,
        "lastErrorMessage": failure.message,
        "attemptEndingTimestamp": millis,
        "rawData": BASE64_STANDARD.encode(raw),
        "sequenceNumber": index.to_string(),
        "subSequenceNumber": 0,
        "dataCatalogTable": {
            "catalogId": "local",
            "databaseName": lake,
            "tableName": stage.event,
            "region": "local",
            "versionId": "LATEST",
        },
    })
}
