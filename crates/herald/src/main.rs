//! The `herald` binary: parses the command line and runs the command.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's allocator: JSON-heavy request handling allocates many small
/// objects, and glibc's heap fragments under it. With the workspace's `override` feature it
/// serves C's `malloc` too, so SQLite's allocations use it as well (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = herald::cli::Cli::parse();
    match herald::run(cli) {
        Ok(code) => code,
        Err(error) => {
            #[allow(clippy::print_stderr)] // the one place errors reach the user
            {
                eprintln!("error: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}
