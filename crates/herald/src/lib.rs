//! The `herald` command (contract §2): `serve`, `schema check`, `schema types`, and the
//! other commands. `main.rs` only parses the command line and calls [`run`]; tests call the
//! same functions.

pub mod cli;
mod commands;
pub mod housekeeping;
pub mod server;
pub mod settings;

use std::io::Write;
use std::process::ExitCode;

use cli::{Cli, Command, PublishCommand, SchemaCommand, SessionsCommand, UserCommand};

/// Runs a parsed command line, writing its report to standard output.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = match cli.command {
        Command::Schema(SchemaCommand::Check(args)) => commands::schema::check(&args, &mut out)?,
        Command::Serve(args) => commands::serve::serve(&args, &mut out)?,
        Command::Export(args) => commands::data::export(&args, &mut out)?,
        Command::Import(args) => commands::data::import(&args, std::io::stdin().lock(), &mut out)?,
        Command::Schema(SchemaCommand::Types(args)) => commands::schema::types(&args, &mut out)?,
        Command::Schema(SchemaCommand::JsonSchema(args)) => {
            commands::schema::json_schemas(&args, &mut out)?
        }
        Command::Schema(SchemaCommand::Diff(args)) => commands::schema::diff(&args, &mut out)?,
        Command::User(UserCommand::Add(args)) => {
            commands::user::add(&args, std::io::stdin().lock(), &mut out)?
        }
        Command::User(UserCommand::Sessions(SessionsCommand::RevokeAll(args))) => {
            commands::user::revoke_all_sessions(&args, &mut out)?
        }
        Command::Publish(PublishCommand::Rebuild(args)) => {
            commands::publish::rebuild(&args, &mut out)?
        }
    };
    out.flush()?;
    Ok(code)
}
