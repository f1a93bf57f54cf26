//! The `herald` binary: parses the command line and runs the command.

use std::process::ExitCode;

use clap::Parser;

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
