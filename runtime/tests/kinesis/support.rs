//! Test support: kinesalite started on 127.0.0.1 (a free port, stopped when dropped), a
//! Kinesis client for it, stream creation, and reading a whole stream back over all shards.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_kinesis::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kinesis::types::{ShardIteratorType, StreamStatus};
use eventlake::kinesis::aws_sdk_kinesis;

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The repository root (runtime/..).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `scripts/node-tools/node_modules`, or a failure that says how to install it.
pub fn node_modules() -> TestResult<PathBuf> {
    let dir = repo_root().join("scripts/node-tools/node_modules");
    for package in [
        "kinesalite",
        "@aws-sdk/client-kinesis",
        "@smithy/node-http-handler",
    ] {
        if !dir.join(package).join("package.json").is_file() {
            return Err(format!(
                "the Node package `{package}` is not installed in {}: run `scripts/setup-node-tools` \
                 (needs node and npm on PATH)",
                dir.display()
            )
            .into());
        }
    }
    Ok(dir)
}

/// `node` from PATH, or a failure that says so.
pub fn node() -> TestResult<Command> {
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => Ok(Command::new("node")),
        Ok(out) => Err(format!(
            "`node --version` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into()),
        Err(e) => Err(format!(
            "cannot run `node` ({e}): the Kinesis tests need Node.js (18 or later) on PATH and \
             `scripts/setup-node-tools`"
        )
        .into()),
    }
}

/// A kinesalite process; killed when dropped.
pub struct Kinesalite {
    child: Child,
    pub port: u16,
}

impl Kinesalite {
    pub fn start() -> TestResult<Self> {
        let modules = node_modules()?;
        let script = repo_root().join("scripts/node-tools/kinesalite-server.js");
        let mut child = node()?
            .arg(&script)
            .env("NODE_PATH", &modules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start kinesalite ({}): {e}", script.display()))?;
        let stdout = child.stdout.take().ok_or("kinesalite has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok());
        match port {
            Some(port) => Ok(Kinesalite { child, port }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("kinesalite did not start (said {line:?})").into())
            }
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Kinesalite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client for a local endpoint: fixed region and credentials (kinesalite checks neither),
/// no SDK retries.
pub fn client(endpoint: &str) -> aws_sdk_kinesis::Client {
    let conf = aws_sdk_kinesis::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .retry_config(aws_sdk_kinesis::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_kinesis::Client::from_conf(conf)
}

/// Creates `name` with `shards` shards and waits until it is ACTIVE.
pub async fn create_stream(
    client: &aws_sdk_kinesis::Client,
    name: &str,
    shards: i32,
) -> TestResult {
    client
        .create_stream()
        .stream_name(name)
        .shard_count(shards)
        .send()
        .await?;
    for _ in 0..200 {
        let d = client.describe_stream().stream_name(name).send().await?;
        if d.stream_description().map(|s| s.stream_status()) == Some(&StreamStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(format!("stream {name} never became ACTIVE").into())
}

/// One record read back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stored {
    pub shard: String,
    pub partition_key: String,
    pub data: Vec<u8>,
}

/// Every record of `stream`, shard by shard from TRIM_HORIZON (GetShardIterator, GetRecords).
pub async fn read_all(client: &aws_sdk_kinesis::Client, stream: &str) -> TestResult<Vec<Stored>> {
    let d = client.describe_stream().stream_name(stream).send().await?;
    let shards: Vec<String> = d
        .stream_description()
        .map(|s| s.shards().iter().map(|s| s.shard_id().to_owned()).collect())
        .unwrap_or_default();
    if shards.is_empty() {
        return Err(format!("stream {stream} has no shards").into());
    }
    let mut out = Vec::new();
    for shard in shards {
        let mut iterator = client
            .get_shard_iterator()
            .stream_name(stream)
            .shard_id(&shard)
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await?
            .shard_iterator()
            .map(str::to_owned);
        // An open shard always has a next iterator: stop at the first empty, caught-up answer.
        for _ in 0..10_000 {
            let Some(it) = iterator.take() else { break };
            let r = client
                .get_records()
                .shard_iterator(it)
                .limit(10_000)
                .send()
                .await?;
            let records = r.records();
            for rec in records {
                out.push(Stored {
                    shard: shard.clone(),
                    partition_key: rec.partition_key().unwrap_or_default().to_owned(),
                    data: rec.data().as_ref().to_vec(),
                });
            }
            if records.is_empty() && r.millis_behind_latest().unwrap_or(0) == 0 {
                break;
            }
            iterator = r.next_shard_iterator().map(str::to_owned);
        }
    }
    Ok(out)
}
