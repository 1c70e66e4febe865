//! The `eventlake` binary: parses arguments and hands over to [`eventlake_cli::run`].

use clap::Parser;

fn main() -> std::process::ExitCode {
    eventlake_cli::run(&eventlake_cli::Cli::parse())
}
