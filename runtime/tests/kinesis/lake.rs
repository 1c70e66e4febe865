//! End to end with the local lake: typed events through `Producer` into kinesalite, read back
//! from the stream, and ingested by the local lake (Firehose's conversion rules) with zero
//! conversion errors; the Parquet files hold every event once.

use std::time::Duration;

use eventlake::kinesis::{Producer, ProducerBuilder, stream_name};
use eventlake_local::{IngestOptions, ingest_records};
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::events::{orders, shop::OrderPlaced};
use crate::support::{Kinesalite, TestResult, client, create_stream, read_all, repo_root};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_read_back_from_kinesis_convert_without_errors() -> TestResult {
    let loaded =
        eventlake_schema::load_path(&repo_root().join("events.toml")).map_err(|r| r.to_string())?;
    let kinesalite = Kinesalite::start()?;
    let kinesis = client(&kinesalite.endpoint());
    let stream = stream_name::<OrderPlaced>("lake");
    create_stream(&kinesis, &stream, 2).await?;
    let events = orders(2_000);
    let producer: Producer<OrderPlaced> = ProducerBuilder::new(stream.clone())
        .linger(Duration::from_millis(10))
        .with_client(client(&kinesalite.endpoint()))?;
    for e in &events {
        producer.send(e).await?;
    }
    let report = producer.shutdown().await?;
    assert!(report.failed.is_empty());

    let stored = read_all(&kinesis, &stream).await?;
    assert_eq!(stored.len(), events.len());
    let records: Vec<&[u8]> = stored.iter().map(|s| s.data.as_slice()).collect();
    let lake = tempfile::tempdir()?;
    let opts = IngestOptions {
        lake_dir: lake.path().to_path_buf(),
        arrival: None,
        threads: 1,
    };
    let ingested = ingest_records(&loaded.schema, "order_placed", &records, &opts)?;
    assert_eq!(
        ingested.failed, 0,
        "conversion errors: {:?}",
        ingested.examples
    );
    assert!(
        ingested.required_missing.is_empty(),
        "{:?}",
        ingested.required_missing
    );
    assert!(
        ingested.not_in_enum.is_empty(),
        "{:?}",
        ingested.not_in_enum
    );
    assert_eq!(ingested.converted, events.len());
    let mut rows = 0;
    for file in ingested
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "parquet"))
    {
        let reader = SerializedFileReader::new(std::fs::File::open(lake.path().join(file))?)?;
        rows += reader.metadata().file_metadata().num_rows();
    }
    assert_eq!(rows, events.len() as i64, "Parquet rows");
    Ok(())
}
