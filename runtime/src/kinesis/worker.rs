//! The producer's background task: takes the batches `send` packed (see `queue`) off the
//! channel, takes the open batch itself when it has lingered, keeps at most `max_in_flight`
//! calls going, resends only the entries that failed, and answers `flush` and `shutdown` once
//! every record sent before them is settled (stored, or failed for good).
//!
//! Memory is bounded twice: every record holds a permit of the `slots` semaphore
//! (`queue_capacity`) from `send` until the task takes its batch, and its size in permits of
//! the `buffer` semaphore from `send` until it is settled, so open, queued, in-flight and
//! retrying records together stay within `max_buffered_bytes`. The task stops taking batches
//! while one waits for a call slot, so a slow stream fills the queue and `send` waits:
//! backpressure.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::{Id, JoinSet};
use tokio::time::Instant;

use eventlake_kinesis_agg::deaggregate;

use super::backoff::Jitter;
use super::config::{Settings, StreamTarget};
use super::error::{FailedRecord, RecordError};
use super::pack::{Meta, pack};
use super::queue::Queue;
use super::record::{Batch, Record};
use super::shards::{Router, ShardMap};
use super::transport::{EntryResult, Transport, retryable_code};

/// What the producer asks of its task.
pub(crate) enum Msg {
    /// Checked records within the PutRecords limits; each holds a `slots` permit and its
    /// size in `buffer` permits.
    Batch(Batch),
    /// Answer once every record queued before is settled, with the failures so far.
    Flush(oneshot::Sender<Vec<FailedRecord>>),
    /// Take nothing more, deliver what is queued, answer with the failures and stop.
    Shutdown(oneshot::Sender<Vec<FailedRecord>>),
}

/// A callback for records that failed for good.
pub(crate) type OnFailure = Box<dyn Fn(FailedRecord) + Send + Sync>;

/// State shared by the producer handle and its task.
pub(crate) struct Shared {
    pub(crate) counters: Counters,
    /// Permits = bytes (data plus partition keys) the producer may still hold.
    pub(crate) buffer: Semaphore,
    /// Permits = records that may still wait for the task (`queue_capacity`).
    pub(crate) slots: Semaphore,
    /// The open batch and the channel to the task.
    pub(crate) queue: Queue,
    pub(crate) on_failure: Option<OnFailure>,
}

/// Counters behind [`Stats`](super::Stats).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) calls: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) max_attempts: AtomicU64,
    pub(crate) lost_to_panic: AtomicU64,
    pub(crate) kinesis_records: AtomicU64,
    pub(crate) kinesis_bytes: AtomicU64,
    pub(crate) list_shards_calls: AtomicU64,
}

/// What a batch task hands back when every one of its records is settled.
struct Outcome {
    failed: Vec<FailedRecord>,
}

/// What the task knows about an in-flight batch (to settle it even if its task panicked).
struct InFlight {
    epoch: u64,
    records: usize,
    bytes: usize,
}

pub(crate) struct Worker {
    rx: mpsc::UnboundedReceiver<Msg>,
    transport: Arc<dyn Transport>,
    stream: Arc<StreamTarget>,
    settings: Arc<Settings>,
    shared: Arc<Shared>,
    /// The shard map, for an aggregating producer.
    router: Option<Arc<Router>>,
    /// When the open batch (on the sending side) has lingered.
    deadline: Option<Instant>,
    /// Sealed batches waiting for a call slot, with their epoch.
    ready: VecDeque<(u64, Batch)>,
    inflight: JoinSet<Outcome>,
    inflight_meta: HashMap<Id, InFlight>,
    /// Unsettled records per epoch (an epoch ends at each flush), oldest first; the last
    /// entry is the current epoch.
    epochs: VecDeque<(u64, usize)>,
    flush_waiters: Vec<(u64, oneshot::Sender<Vec<FailedRecord>>)>,
    shutdown_waiters: Vec<oneshot::Sender<Vec<FailedRecord>>>,
    failures: Vec<FailedRecord>,
    /// The queue is closed and drained: no more messages.
    drained: bool,
}

impl Worker {
    pub(crate) fn new(
        rx: mpsc::UnboundedReceiver<Msg>,
        transport: Arc<dyn Transport>,
        stream: Arc<StreamTarget>,
        settings: Settings,
        shared: Arc<Shared>,
    ) -> Self {
        Worker {
            rx,
            transport,
            stream,
            router: settings.aggregate.map(|_| Arc::new(Router::default())),
            settings: Arc::new(settings),
            shared,
            deadline: None,
            ready: VecDeque::new(),
            inflight: JoinSet::new(),
            inflight_meta: HashMap::new(),
            epochs: VecDeque::from([(0, 0)]),
            flush_waiters: Vec::new(),
            shutdown_waiters: Vec::new(),
            failures: Vec::new(),
            drained: false,
        }
    }

    pub(crate) async fn run(mut self) {
        let mut inbox: Vec<Msg> = Vec::new();
        let shared = Arc::clone(&self.shared);
        loop {
            self.dispatch();
            if self.drained && self.is_idle() {
                break;
            }
            // Stop taking batches while a sealed one waits for a slot (backpressure).
            let accept = !self.drained && self.ready.is_empty();
            let deadline = self.deadline;
            tokio::select! {
                biased;
                Some(done) = self.inflight.join_next_with_id(), if !self.inflight.is_empty() => {
                    self.settle(done);
                }
                // One message at a time: a batch taken may fill the call slots.
                n = self.rx.recv_many(&mut inbox, 1), if accept => {
                    if n == 0 {
                        self.drained = true;
                    }
                    for msg in inbox.drain(..) {
                        self.handle(msg);
                    }
                }
                () = shared.queue.opened.notified(), if !self.drained => {
                    self.deadline = shared.queue.deadline(self.settings.linger);
                }
                () = sleep_until(deadline), if deadline.is_some() && accept => {
                    let (batch, next) = shared.queue.take_due(
                        Instant::now(),
                        self.settings.linger,
                        &mut self.rx,
                        &mut inbox,
                    );
                    self.deadline = next;
                    for msg in inbox.drain(..) {
                        self.handle(msg);
                    }
                    if let Some(batch) = batch {
                        self.take(batch);
                    }
                }
            }
        }
        let failures = std::mem::take(&mut self.failures);
        self.answer_flushes();
        // Everything is settled: the shutdown caller(s) get the failures not yet handed out.
        let mut waiters = std::mem::take(&mut self.shutdown_waiters).into_iter();
        if let Some(first) = waiters.next() {
            let _ = first.send(failures);
        } else {
            self.report_unclaimed(failures);
        }
        for w in waiters {
            let _ = w.send(Vec::new());
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Batch(batch) => self.take(batch),
            Msg::Flush(reply) => {
                // The sending side sealed the open batch just before.
                let epoch = self.current_epoch();
                self.flush_waiters.push((epoch, reply));
                self.epochs.push_back((epoch + 1, 0));
                self.answer_flushes();
            }
            Msg::Shutdown(reply) => {
                self.shutdown_waiters.push(reply);
                // Later `send`s fail; what is already queued is still delivered.
                self.rx.close();
            }
        }
    }

    fn current_epoch(&self) -> u64 {
        self.epochs.back().map_or(0, |e| e.0)
    }

    /// Takes a batch off the sending side into the ready queue: its records leave the queue
    /// (their `slots` permits return) and count in the current epoch.
    fn take(&mut self, batch: Batch) {
        if batch.is_empty() {
            return;
        }
        self.shared.slots.add_permits(batch.len());
        if let Some(current) = self.epochs.back_mut() {
            current.1 += batch.len();
        }
        self.ready.push_back((self.current_epoch(), batch));
    }

    /// Starts calls for ready batches while slots are free.
    fn dispatch(&mut self) {
        while self.inflight.len() < self.settings.max_in_flight {
            let Some((epoch, batch)) = self.ready.pop_front() else {
                break;
            };
            let meta = InFlight {
                epoch,
                records: batch.len(),
                bytes: batch.bytes,
            };
            let task = deliver(
                Arc::clone(&self.transport),
                Arc::clone(&self.stream),
                batch.records,
                Arc::clone(&self.settings),
                self.router.clone(),
                Arc::clone(&self.shared),
            );
            let handle = self.inflight.spawn(task);
            self.inflight_meta.insert(handle.id(), meta);
        }
    }

    fn is_idle(&self) -> bool {
        self.ready.is_empty() && self.inflight.is_empty()
    }

    /// A batch task ended: release its bytes, count its records settled, keep its failures.
    fn settle(&mut self, done: Result<(Id, Outcome), tokio::task::JoinError>) {
        let (id, failed, panicked) = match done {
            Ok((id, outcome)) => (id, outcome.failed, false),
            // Only a panicking transport gets here; its records are unaccounted for.
            Err(e) => (e.id(), Vec::new(), true),
        };
        let Some(meta) = self.inflight_meta.remove(&id) else {
            return;
        };
        if panicked {
            let lost = meta.records as u64;
            self.shared
                .counters
                .lost_to_panic
                .fetch_add(lost, Ordering::Relaxed);
        }
        self.shared.buffer.add_permits(meta.bytes);
        if let Some(e) = self.epochs.iter_mut().find(|e| e.0 == meta.epoch) {
            e.1 = e.1.saturating_sub(meta.records);
        }
        for f in failed {
            match &self.shared.on_failure {
                Some(callback) => callback(f),
                None => self.failures.push(f),
            }
        }
        self.answer_flushes();
    }

    /// Answers every flush whose records are all settled.
    fn answer_flushes(&mut self) {
        let current = self.current_epoch();
        while let Some(&(epoch, unsettled)) = self.epochs.front() {
            if unsettled == 0 && epoch < current {
                self.epochs.pop_front();
            } else {
                break;
            }
        }
        let oldest_open = self.epochs.front().map_or(current, |e| e.0);
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.flush_waiters)
            .into_iter()
            .partition(|(epoch, _)| *epoch < oldest_open);
        self.flush_waiters = waiting;
        for (_, reply) in done {
            let failures = std::mem::take(&mut self.failures);
            if let Err(unclaimed) = reply.send(failures) {
                // The flush caller went away: keep the failures for the next one.
                self.failures = unclaimed;
            }
        }
    }

    /// Failures nobody can be given any more (every handle dropped without `shutdown`).
    fn report_unclaimed(&self, failures: Vec<FailedRecord>) {
        for f in failures {
            if let Some(callback) = &self.shared.on_failure {
                callback(f);
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Sends a batch of user records until each is stored or has failed for good: as they are,
/// or (with a router) packed into aggregated records by shard first.
async fn deliver(
    transport: Arc<dyn Transport>,
    stream: Arc<StreamTarget>,
    records: Vec<Record>,
    settings: Arc<Settings>,
    router: Option<Arc<Router>>,
    shared: Arc<Shared>,
) -> Outcome {
    let c = &shared.counters;
    let mut failed = Vec::new();
    let (records, meta, map) = match (&router, settings.aggregate) {
        (Some(router), Some(cap)) => {
            match router
                .current(&*transport, &stream, &settings.retry, c)
                .await
            {
                Ok(map) => {
                    let (records, meta) = pack(records, &map, cap);
                    (records, meta, Some(map))
                }
                Err(e) => {
                    let error = RecordError::Request {
                        code: e.code,
                        message: format!(
                            "ListShards failed, so the records could not be grouped by shard \
                             for aggregation (the producer needs kinesis:ListShards): {}",
                            e.message
                        ),
                    };
                    failed.extend(records.into_iter().map(|record| FailedRecord {
                        record,
                        error: error.clone(),
                        attempts: 0,
                    }));
                    c.failed.fetch_add(failed.len() as u64, Ordering::Relaxed);
                    return Outcome { failed };
                }
            }
        }
        _ => {
            let meta = vec![Meta::plain(); records.len()];
            (records, meta, None)
        }
    };
    send_all(
        &*transport,
        &stream,
        records,
        meta,
        &settings,
        map,
        router,
        c,
        &mut failed,
    )
    .await;
    c.failed.fetch_add(failed.len() as u64, Ordering::Relaxed);
    Outcome { failed }
}

/// Adds a record that failed for good to `failed`: an aggregated record as the user records
/// it carries, each with the error.
fn fail(failed: &mut Vec<FailedRecord>, record: Record, meta: Meta, error: &RecordError) {
    let attempts = meta.attempts;
    if meta.users > 1 {
        // The producer wrote it, so it de-aggregates (tested); were it not to, it is handed
        // back whole below.
        if let Ok(users) = deaggregate(record.data(), record.partition_key()) {
            failed.extend(users.into_iter().map(|u| FailedRecord {
                record: Record::new(u.data, u.partition_key),
                error: error.clone(),
                attempts,
            }));
            return;
        }
    }
    failed.push(FailedRecord {
        record,
        error: error.clone(),
        attempts,
    });
}

/// Sends Kinesis records in calls within the PutRecords limits, resending the entries that
/// failed (whole aggregated records) with backoff, up to `max_attempts` calls per record.
#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
async fn send_all(
    transport: &dyn Transport,
    stream: &StreamTarget,
    mut records: Vec<Record>,
    mut meta: Vec<Meta>,
    settings: &Settings,
    map: Option<Arc<ShardMap>>,
    router: Option<Arc<Router>>,
    c: &Counters,
    failed: &mut Vec<FailedRecord>,
) {
    let policy = settings.retry;
    let limits = settings.limits;
    let mut jitter: Option<Jitter> = None;
    let mut stale = false;
    while !records.is_empty() {
        // The next call: the longest prefix within the limits (everything, unless an
        // aggregating producer packed more than one call's worth).
        let mut n = 0;
        let mut bytes = 0;
        while n < records.len()
            && n < limits.max_batch_records
            && (n == 0 || bytes + records[n].size() <= limits.max_batch_bytes)
        {
            bytes += records[n].size();
            n += 1;
        }
        let (call, call_meta) = if n == records.len() {
            (std::mem::take(&mut records), std::mem::take(&mut meta))
        } else {
            let rest = records.split_off(n);
            let rest_meta = meta.split_off(n);
            (
                std::mem::replace(&mut records, rest),
                std::mem::replace(&mut meta, rest_meta),
            )
        };
        let mut attempt = 0;
        let call_meta: Vec<Meta> = call_meta
            .into_iter()
            .map(|m| {
                let m = Meta {
                    attempts: m.attempts + 1,
                    ..m
                };
                attempt = attempt.max(m.attempts);
                m
            })
            .collect();
        c.calls.fetch_add(1, Ordering::Relaxed);
        c.max_attempts
            .fetch_max(u64::from(attempt), Ordering::Relaxed);
        let sent = call.len();
        let mut retry = Vec::new();
        let mut retry_meta = Vec::new();
        match transport.put_records(stream, &call).await {
            Ok(results) if results.len() == sent => {
                let mut delivered = 0u64;
                let mut stored = 0u64;
                let mut stored_bytes = 0u64;
                for ((record, m), result) in call.into_iter().zip(call_meta).zip(results) {
                    match result {
                        EntryResult::Stored { shard_id } => {
                            delivered += m.users as u64;
                            stored += 1;
                            stored_bytes += record.size() as u64;
                            let predicted =
                                map.as_deref().zip(m.shard).and_then(|(map, i)| map.id(i));
                            if let (Some(predicted), Some(actual)) =
                                (predicted, shard_id.as_deref())
                            {
                                stale |= predicted != actual;
                            }
                        }
                        EntryResult::Failed { code, message } => {
                            if code == "ProvisionedThroughputExceededException" {
                                c.throttled.fetch_add(1, Ordering::Relaxed);
                            }
                            if m.attempts < policy.max_attempts && retryable_code(&code) {
                                retry.push(record);
                                retry_meta.push(m);
                            } else {
                                fail(failed, record, m, &RecordError::Rejected { code, message });
                            }
                        }
                    }
                }
                c.delivered.fetch_add(delivered, Ordering::Relaxed);
                c.kinesis_records.fetch_add(stored, Ordering::Relaxed);
                c.kinesis_bytes.fetch_add(stored_bytes, Ordering::Relaxed);
            }
            Ok(results) => {
                // Not retried: some of these may be stored.
                let error = RecordError::UnexpectedResponse(format!(
                    "{} entries answered for {sent} sent",
                    results.len()
                ));
                for (record, m) in call.into_iter().zip(call_meta) {
                    fail(failed, record, m, &error);
                }
            }
            Err(e) => {
                let error = RecordError::Request {
                    code: e.code,
                    message: e.message,
                };
                for (record, m) in call.into_iter().zip(call_meta) {
                    if e.retryable && m.attempts < policy.max_attempts {
                        retry.push(record);
                        retry_meta.push(m);
                    } else {
                        fail(failed, record, m, &error);
                    }
                }
            }
        }
        if stale {
            // The stream was resharded: the next batch lists the shards again.
            if let (Some(router), Some(map)) = (&router, &map) {
                router.invalidate(map).await;
            }
        }
        if retry.is_empty() {
            continue;
        }
        c.retried.fetch_add(retry.len() as u64, Ordering::Relaxed);
        let after = retry_meta.iter().map(|m| m.attempts).max().unwrap_or(1);
        let wait = jitter
            .get_or_insert_with(Jitter::new)
            .backoff(&policy, after);
        tokio::time::sleep(wait).await;
        // The retries go first, then what was not sent yet.
        retry.append(&mut records);
        retry_meta.append(&mut meta);
        records = retry;
        meta = retry_meta;
    }
}
