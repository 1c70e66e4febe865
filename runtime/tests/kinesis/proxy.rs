//! Partial PutRecords failures: a loopback HTTP proxy in front of kinesalite marks a random
//! subset of each PutRecords call's entries as `ProvisionedThroughputExceededException` and
//! forwards only the other entries, so the failed ones are really not stored. The producer
//! must resend exactly those: nothing lost, nothing duplicated, retries bounded, and records
//! that keep failing handed back with their error.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

use eventlake::DatalakeEvent;
use eventlake::kinesis::{Producer, ProducerBuilder, RecordError, RetryPolicy, stream_name};

use crate::events::{orders, shop::OrderPlaced};
use crate::support::{Kinesalite, TestResult, client, create_stream, read_all};

const THROTTLED: &str = "ProvisionedThroughputExceededException";

/// Which entries the proxy fails.
struct Faults {
    /// Partition keys whose entries always fail.
    poison: HashSet<String>,
    /// Chance that any other entry fails, while it has failed fewer than `max_random` times.
    rate: f64,
    max_random: u32,
    rng: Mutex<fastrand::Rng>,
}

#[derive(Default)]
struct Counts {
    put_calls: AtomicU64,
    entries: AtomicU64,
    injected: AtomicU64,
    forwarded: AtomicU64,
    /// Calls per record (by its data).
    attempts: Mutex<HashMap<Vec<u8>, u32>>,
}

struct State {
    upstream: u16,
    faults: Faults,
    counts: Counts,
}

impl Faults {
    /// A number in `[0, 1)`, reproducible from the seed.
    fn roll(&self) -> f64 {
        self.rng.lock().expect("lock").f64()
    }
}

/// Starts the proxy on 127.0.0.1 (a free port) in front of `upstream`; it lives as long as
/// the test's runtime.
async fn start_proxy(upstream: u16, faults: Faults) -> TestResult<(u16, Arc<State>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let state = Arc::new(State {
        upstream,
        faults,
        counts: Counts::default(),
    });
    let shared = Arc::clone(&state);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let st = Arc::clone(&shared);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(req, Arc::clone(&st)));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    Ok((port, state))
}

async fn handle(
    req: Request<Incoming>,
    st: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    match proxy(req, &st).await {
        Ok(r) => Ok(r),
        Err(e) => {
            let mut r = Response::new(Full::new(Bytes::from(format!("test proxy: {e}"))));
            *r.status_mut() = StatusCode::BAD_GATEWAY;
            Ok(r)
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn proxy(req: Request<Incoming>, st: &State) -> Result<Response<Full<Bytes>>, BoxError> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes();
    let is_put_records = parts
        .headers
        .get("x-amz-target")
        .is_some_and(|t| t == "Kinesis_20131202.PutRecords");
    if !is_put_records {
        return forward(st.upstream, &parts, body).await;
    }
    st.counts.put_calls.fetch_add(1, Ordering::Relaxed);
    let mut request: Value = serde_json::from_slice(&body)?;
    let entries = request["Records"].as_array().cloned().unwrap_or_default();
    st.counts
        .entries
        .fetch_add(entries.len() as u64, Ordering::Relaxed);
    // Decide which entries fail.
    let mut fail = Vec::with_capacity(entries.len());
    {
        let mut attempts = st.counts.attempts.lock().expect("lock");
        for e in &entries {
            let key = e["PartitionKey"].as_str().unwrap_or_default();
            let data = e["Data"].as_str().unwrap_or_default().as_bytes().to_vec();
            let n = attempts.entry(data).or_insert(0);
            *n += 1;
            let f = &st.faults;
            fail.push(f.poison.contains(key) || (*n <= f.max_random && f.roll() < f.rate));
        }
    }
    let keep: Vec<Value> = entries
        .iter()
        .zip(&fail)
        .filter(|(_, f)| !**f)
        .map(|(e, _)| e.clone())
        .collect();
    let injected = fail.iter().filter(|f| **f).count() as u64;
    st.counts.injected.fetch_add(injected, Ordering::Relaxed);
    st.counts
        .forwarded
        .fetch_add(keep.len() as u64, Ordering::Relaxed);

    let (mut upstream_failed, mut stored, headers) = if keep.is_empty() {
        // Nothing to store: answer without asking kinesalite (it refuses empty calls).
        (0, Vec::new(), None)
    } else {
        request["Records"] = Value::Array(keep);
        let upstream = forward(
            st.upstream,
            &parts,
            Bytes::from(serde_json::to_vec(&request)?),
        )
        .await?;
        if upstream.status() != StatusCode::OK {
            return Ok(upstream);
        }
        let (up_parts, up_body) = upstream.into_parts();
        let answer: Value = serde_json::from_slice(&up_body.collect().await?.to_bytes())?;
        let failed = answer["FailedRecordCount"].as_u64().unwrap_or(0);
        let records = answer["Records"].as_array().cloned().unwrap_or_default();
        (failed, records, Some(up_parts.headers))
    };
    // Merge: the injected failures in their places, kinesalite's answers for the rest.
    stored.reverse();
    let mut merged = Vec::with_capacity(entries.len());
    for f in &fail {
        if *f {
            merged.push(json!({
                "ErrorCode": THROTTLED,
                "ErrorMessage": "Rate exceeded for shard shardId-000000000000 in stream test under account 000000000000 (injected by the test proxy).",
            }));
        } else {
            merged.push(
                stored
                    .pop()
                    .ok_or("kinesalite answered fewer entries than sent")?,
            );
        }
    }
    upstream_failed += injected;
    let body =
        serde_json::to_vec(&json!({ "FailedRecordCount": upstream_failed, "Records": merged }))?;
    let mut response = Response::new(Full::new(Bytes::from(body)));
    if let Some(h) = headers {
        *response.headers_mut() = h;
        response.headers_mut().remove(hyper::header::CONTENT_LENGTH);
        response
            .headers_mut()
            .remove(hyper::header::TRANSFER_ENCODING);
    } else {
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/x-amz-json-1.1"),
        );
    }
    Ok(response)
}

/// Sends the request to kinesalite on a fresh connection (content length fixed for `body`).
async fn forward(
    upstream: u16,
    parts: &hyper::http::request::Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, BoxError> {
    let tcp = TcpStream::connect(("127.0.0.1", upstream)).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.clone());
    for (name, value) in &parts.headers {
        if name != hyper::header::CONTENT_LENGTH && name != hyper::header::TRANSFER_ENCODING {
            req = req.header(name, value);
        }
    }
    let req = req
        .header(hyper::header::CONTENT_LENGTH, body.len())
        .body(Full::new(body))?;
    let response = sender.send_request(req).await?;
    let (mut parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    parts.headers.remove(hyper::header::CONTENT_LENGTH);
    parts.headers.remove(hyper::header::TRANSFER_ENCODING);
    Ok(Response::from_parts(parts, Full::new(body)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_entries_are_resent_alone_until_stored() -> TestResult {
    let kinesalite = Kinesalite::start()?;
    let direct = client(&kinesalite.endpoint());
    let stream = stream_name::<OrderPlaced>("faults");
    create_stream(&direct, &stream, 2).await?;
    let events = orders(3_000);
    // Customer 1000's orders always fail; any other entry fails 30% of the time, at most 3
    // times per record.
    let poison_key = "1000";
    let poisoned: Vec<&OrderPlaced> = events
        .iter()
        .filter(|e| e.partition_key() == poison_key)
        .collect();
    assert!(poisoned.len() >= 2);
    let (port, proxy) = start_proxy(
        kinesalite.port,
        Faults {
            poison: HashSet::from([poison_key.to_owned()]),
            rate: 0.3,
            max_random: 3,
            rng: Mutex::new(fastrand::Rng::with_seed(7)),
        },
    )
    .await?;

    let max_attempts = 12;
    let producer: Producer<OrderPlaced> = ProducerBuilder::new(stream.clone())
        .retry(RetryPolicy {
            max_attempts,
            base_backoff: Duration::from_millis(2),
            max_backoff: Duration::from_millis(40),
        })
        .linger(Duration::from_millis(10))
        .max_batch_records(250)
        .with_client(client(&format!("http://127.0.0.1:{port}")))?;
    for e in &events {
        producer.send(e).await?;
    }
    let failed = producer.flush().await?;
    let stats = producer.shutdown().await?.stats;

    // The records that kept failing come back, whole, with the throttling error.
    assert_eq!(failed.len(), poisoned.len(), "{failed:?}");
    let failed_data: HashSet<&[u8]> = failed.iter().map(|f| f.record.data()).collect();
    for e in &poisoned {
        assert!(failed_data.contains(e.to_record().as_slice()));
    }
    for f in &failed {
        assert_eq!(f.attempts, max_attempts);
        assert_eq!(f.record.partition_key(), poison_key);
        assert!(
            matches!(&f.error, RecordError::Rejected { code, .. } if code == THROTTLED),
            "{f}"
        );
    }

    // Everything else is stored exactly once; nothing failed is stored.
    let stored = read_all(&direct, &stream).await?;
    let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
    for s in &stored {
        *seen.entry(s.data.clone()).or_default() += 1;
    }
    for e in &events {
        let n = seen.get(&e.to_record()).copied().unwrap_or(0);
        let want = usize::from(e.partition_key() != poison_key);
        assert_eq!(n, want, "order {} stored {n} times", e.order_id);
    }
    assert_eq!(stored.len(), events.len() - poisoned.len());

    // Retries: only failed entries were resent, and no record took more than its bound.
    let injected = proxy.counts.injected.load(Ordering::Relaxed);
    let entries = proxy.counts.entries.load(Ordering::Relaxed);
    assert!(injected > 500, "the proxy failed {injected} entries");
    assert_eq!(
        entries,
        events.len() as u64 + injected - failed.len() as u64
    );
    assert_eq!(stats.throttled, injected);
    assert_eq!(stats.retried, injected - failed.len() as u64);
    assert_eq!(stats.max_attempts, u64::from(max_attempts));
    let attempts = proxy.counts.attempts.lock().expect("lock");
    let worst_healthy = events
        .iter()
        .filter(|e| e.partition_key() != poison_key)
        .map(|e| {
            attempts
                .get(BASE64_STANDARD.encode(e.to_record()).as_bytes())
                .copied()
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    assert!(
        (2..=4).contains(&worst_healthy),
        "a healthy record took {worst_healthy} calls"
    );
    assert_eq!(
        stats.put_records_calls,
        proxy.counts.put_calls.load(Ordering::Relaxed)
    );
    eprintln!("{stats:?}; the proxy failed {injected} of {entries} entries");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregated_records_failed_at_random_are_resent_whole() -> TestResult {
    let kinesalite = Kinesalite::start()?;
    let direct = client(&kinesalite.endpoint());
    let stream = stream_name::<OrderPlaced>("aggfaults");
    create_stream(&direct, &stream, 2).await?;
    let events = orders(3_000);
    // Aggregated records keyed 1000 (their first user record's key: the first event sent,
    // so the first aggregated record of its shard) always fail; any other fails 30% of the
    // time, at most 3 times per record.
    let poison_key = "1000";
    assert_eq!(events[0].partition_key(), poison_key);
    let (port, proxy) = start_proxy(
        kinesalite.port,
        Faults {
            poison: HashSet::from([poison_key.to_owned()]),
            rate: 0.3,
            max_random: 3,
            rng: Mutex::new(fastrand::Rng::with_seed(11)),
        },
    )
    .await?;
    let max_attempts = 6;
    let producer: Producer<OrderPlaced> = ProducerBuilder::new(stream.clone())
        .retry(RetryPolicy {
            max_attempts,
            base_backoff: Duration::from_millis(2),
            max_backoff: Duration::from_millis(40),
        })
        .linger(Duration::from_millis(10))
        .max_aggregated_record_bytes(8 * 1024)
        .with_client(client(&format!("http://127.0.0.1:{port}")))?;
    for e in &events {
        producer.send(e).await?;
    }
    let failed = producer.flush().await?;
    let stats = producer.shutdown().await?.stats;

    // What failed for good comes back as the user records (events), not aggregated bytes.
    assert!(failed.len() > 1, "{} failed", failed.len());
    let sent: HashMap<Vec<u8>, String> = events
        .iter()
        .map(|e| (e.to_record(), e.partition_key()))
        .collect();
    for f in &failed {
        assert_eq!(f.attempts, max_attempts);
        assert!(matches!(&f.error, RecordError::Rejected { code, .. } if code == THROTTLED));
        assert_eq!(
            sent.get(f.record.data()).map(String::as_str),
            Some(f.record.partition_key()),
            "a failed record is an event as sent"
        );
    }
    assert!(
        failed
            .iter()
            .any(|f| f.record.partition_key() == poison_key)
    );

    // Stored (de-aggregated) plus failed: every event exactly once.
    let stored = read_all(&direct, &stream).await?;
    let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
    for s in &stored {
        for user in eventlake::kinesis::deaggregate(&s.data, &s.partition_key)? {
            *seen.entry(user.data).or_default() += 1;
        }
    }
    for f in &failed {
        *seen.entry(f.record.data().to_vec()).or_default() += 1;
    }
    assert_eq!(seen.len(), events.len());
    assert!(seen.values().all(|n| *n == 1), "nothing lost or duplicated");

    // Whole aggregated records were resent: every entry the proxy saw is a stored Kinesis
    // record, an injected failure, and nothing else.
    let injected = proxy.counts.injected.load(Ordering::Relaxed);
    let entries = proxy.counts.entries.load(Ordering::Relaxed);
    assert!(injected > 5, "the proxy failed {injected} entries");
    assert_eq!(entries, stored.len() as u64 + injected);
    assert_eq!(stats.kinesis_records, stored.len() as u64);
    assert_eq!(stats.throttled, injected);
    assert_eq!(stats.delivered + stats.failed, events.len() as u64);
    assert_eq!(
        stats.put_records_calls,
        proxy.counts.put_calls.load(Ordering::Relaxed)
    );
    eprintln!("{stats:?}; the proxy failed {injected} of {entries} entries");
    Ok(())
}
