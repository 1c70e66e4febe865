//! The Kinesis producer against kinesalite (a real Kinesis implementation, npm), started on
//! 127.0.0.1 by each test: typed events read back exactly once, partial PutRecords failures
//! through a fault-injecting proxy, and the generated stack's test Lambda run under Node.
//!
//! Needs `node` on PATH and `scripts/setup-node-tools`; a missing tool fails the tests with
//! a message saying so.

mod events;
mod lake;
mod lambda;
mod producer;
mod proxy;
mod reshard;
mod support;
