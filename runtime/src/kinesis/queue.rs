//! The sending side of the producer: records are packed into batches within the PutRecords
//! limits right where `send` is called, and the background task receives whole batches (one
//! channel message per batch, not per record).
//!
//! The open batch sits behind a mutex that is never held across an `.await`. Everything that
//! goes into the channel (sealed batches, flush and shutdown requests) is sent while the lock
//! is held, so the channel's order is the order in which records and requests were accepted:
//! a flush follows every record accepted before it. The task takes an open batch itself once
//! its linger has passed, draining the channel first under the same lock for the same reason.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

use super::config::Limits;
use super::record::{Batch, Record};
use super::worker::Msg;

/// The open batch and the channel to the background task.
pub(crate) struct Queue {
    state: Mutex<State>,
    /// Wakes the task when a batch opens, so that it can time the batch's linger.
    pub(crate) opened: Notify,
    limits: Limits,
}

struct State {
    batch: Batch,
    /// When the open batch got its first record.
    opened_at: Option<Instant>,
    /// `None` once the producer is shut down or dropped: nothing more is accepted.
    tx: Option<mpsc::UnboundedSender<Msg>>,
}

/// The producer no longer accepts records (shut down, dropped, or its task ended).
#[derive(Debug)]
pub(crate) struct Closed;

impl State {
    /// Sends the open batch to the task, if it has records.
    fn seal(&mut self, limits: &Limits) -> Result<(), Closed> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(
            &mut self.batch,
            Batch::with_capacity(limits.max_batch_records),
        );
        self.opened_at = None;
        let tx = self.tx.as_ref().ok_or(Closed)?;
        tx.send(Msg::Batch(batch)).map_err(|_| Closed)
    }
}

impl Queue {
    pub(crate) fn new(limits: Limits, tx: mpsc::UnboundedSender<Msg>) -> Self {
        Queue {
            state: Mutex::new(State {
                batch: Batch::with_capacity(limits.max_batch_records),
                opened_at: None,
                tx: Some(tx),
            }),
            opened: Notify::new(),
            limits,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the lock is held but a failed allocation; the state stays
        // consistent either way.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a checked record whose permits are taken: to the open batch, after sending that
    /// batch when the record does not fit; a batch that is then full is sent at once. Hands
    /// the record back when the producer is closed.
    pub(crate) fn push(&self, record: Record) -> Result<(), Record> {
        let limits = &self.limits;
        let mut state = self.lock();
        if state.tx.is_none() {
            return Err(record);
        }
        if !state.batch.fits(&record, limits) && state.seal(limits).is_err() {
            return Err(record);
        }
        let opens = state.batch.is_empty();
        if opens {
            state.opened_at = Some(Instant::now());
        }
        state.batch.push(record);
        if state.batch.is_full(limits) {
            // The record is in the batch: if the task is gone, so is the batch (as a record
            // queued before the task ended would be).
            let _ = state.seal(limits);
        }
        drop(state);
        if opens {
            self.opened.notify_one();
        }
        Ok(())
    }

    /// Sends the open batch now (when `send` has to wait, so that the task can make room).
    pub(crate) fn seal(&self) {
        let _ = self.lock().seal(&self.limits);
    }

    /// Sends the open batch, then `msg`; with `close`, nothing is accepted afterwards.
    pub(crate) fn send(&self, msg: Msg, close: bool) -> Result<(), Closed> {
        let mut state = self.lock();
        state.seal(&self.limits)?;
        let tx = state.tx.as_ref().ok_or(Closed)?;
        tx.send(msg).map_err(|_| Closed)?;
        if close {
            state.tx = None;
        }
        Ok(())
    }

    /// Sends the open batch and accepts nothing more (the producer is dropped).
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        let _ = state.seal(&self.limits);
        state.tx = None;
    }

    /// The task's side: when the open batch has lingered `linger` at `now`, takes it, after
    /// moving every message already in the channel to `inbox` (they came first). Returns the
    /// batch taken and when to look again.
    pub(crate) fn take_due(
        &self,
        now: Instant,
        linger: Duration,
        rx: &mut mpsc::UnboundedReceiver<Msg>,
        inbox: &mut Vec<Msg>,
    ) -> (Option<Batch>, Option<Instant>) {
        let mut state = self.lock();
        match state.opened_at {
            Some(opened) if opened + linger <= now => {
                while let Ok(msg) = rx.try_recv() {
                    inbox.push(msg);
                }
                state.opened_at = None;
                let batch = std::mem::replace(
                    &mut state.batch,
                    Batch::with_capacity(self.limits.max_batch_records),
                );
                (Some(batch), None)
            }
            Some(opened) => (None, Some(opened + linger)),
            None => (None, None),
        }
    }

    /// When the open batch's linger ends (`None` when no batch is open).
    pub(crate) fn deadline(&self, linger: Duration) -> Option<Instant> {
        self.lock().opened_at.map(|t| t + linger)
    }
}
