//! One writer at a time: an advisory lock on the output folder itself (`flock` on Unix),
//! held for the whole run, so it leaves no lock file behind and nothing to commit.
//!
//! `gen` takes it exclusively and `gen --check` shared, so a check never reads a folder that
//! is half rewritten. A run that finds the folder locked says so, waits up to
//! [`LOCK_TIMEOUT`], then fails naming the folder. The lock is advisory: it orders eventlake
//! runs, not other programs. On platforms without `flock` (Windows) no lock is taken.
//!
//! Test hooks, read only in debug builds (the binary `cargo test` runs), so that the
//! concurrency tests are deterministic instead of racing:
//! - `EVENTLAKE_TEST_HOLD_LOCK=<file>`: once the lock is taken, print
//!   `test hook: holding the lock` on standard error and wait until `<file>` exists;
//! - `EVENTLAKE_TEST_LOCK_TIMEOUT_SECS=<n>`: wait at most `n` seconds instead of
//!   [`LOCK_TIMEOUT`].

use std::path::Path;
use std::time::Duration;

use crate::Error;

/// How long a run waits for another run's lock on the same folder.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// Pause between two attempts to take a busy lock.
const RETRY: Duration = Duration::from_millis(50);

/// Whether the run writes (exclusive) or only reads (shared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `gen`: no other run may read or write.
    Exclusive,
    /// `gen --check`: other checks may read at the same time.
    Shared,
}

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct Held {
    _file: Option<std::fs::File>,
}

/// Locks the folder `dir` (which must exist). `waiting` is called once, with the timeout,
/// when another run holds the lock.
pub fn acquire(dir: &Path, access: Access, waiting: impl FnOnce(Duration)) -> Result<Held, Error> {
    let held = take(dir, access, waiting)?;
    test_hooks::hold(dir);
    Ok(held)
}

#[cfg(unix)]
fn take(dir: &Path, access: Access, waiting: impl FnOnce(Duration)) -> Result<Held, Error> {
    use std::fs::TryLockError;
    use std::time::Instant;

    let file = std::fs::File::open(dir).map_err(crate::io_err(format!(
        "cannot open {} to lock it",
        dir.display()
    )))?;
    let timeout = test_hooks::timeout().unwrap_or(LOCK_TIMEOUT);
    let start = Instant::now();
    let mut waiting = Some(waiting);
    loop {
        let attempt = match access {
            Access::Exclusive => file.try_lock(),
            Access::Shared => file.try_lock_shared(),
        };
        match attempt {
            Ok(()) => return Ok(Held { _file: Some(file) }),
            Err(TryLockError::WouldBlock) if start.elapsed() >= timeout => {
                return Err(Error::Message(format!(
                    "another eventlake run is using {} and did not finish within {} s; \
                     wait for it to end (or stop it), then run again",
                    dir.display(),
                    timeout.as_secs()
                )));
            }
            Err(TryLockError::WouldBlock) => {
                if let Some(tell) = waiting.take() {
                    tell(timeout);
                }
                std::thread::sleep(RETRY);
            }
            Err(TryLockError::Error(e)) => {
                return Err(crate::io_err(format!("cannot lock {}", dir.display()))(e));
            }
        }
    }
}

#[cfg(not(unix))]
fn take(_dir: &Path, _access: Access, _waiting: impl FnOnce(Duration)) -> Result<Held, Error> {
    Ok(Held { _file: None })
}

/// The test-only hooks described in the module documentation; no-ops in release builds.
mod test_hooks {
    use std::path::Path;
    use std::time::Duration;

    /// `EVENTLAKE_TEST_LOCK_TIMEOUT_SECS`, in debug builds.
    pub(super) fn timeout() -> Option<Duration> {
        if !cfg!(debug_assertions) {
            return None;
        }
        let secs = std::env::var("EVENTLAKE_TEST_LOCK_TIMEOUT_SECS").ok()?;
        secs.parse().ok().map(Duration::from_secs)
    }

    /// `EVENTLAKE_TEST_HOLD_LOCK`, in debug builds: waits until the named file exists.
    pub(super) fn hold(dir: &Path) {
        if !cfg!(debug_assertions) {
            return;
        }
        let Some(release) = std::env::var_os("EVENTLAKE_TEST_HOLD_LOCK") else {
            return;
        };
        let release = Path::new(&release);
        eprintln!(
            "test hook: holding the lock on {} until {} exists",
            dir.display(),
            release.display()
        );
        while !release.exists() {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
