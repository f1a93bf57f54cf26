//! The command line, as in contract §2. Every option also reads `HERALD_<OPTION>`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Herald: a headless CMS. IT defines content types as files; marketers edit, review and
/// publish entries; storefronts read the published JSON from a bucket.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: API, admin UI, publishing worker and scheduler.
    Serve,
    /// Check schema files and generate artefacts from them.
    #[command(subcommand)]
    Schema(SchemaCommand),
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Validate the schema files: exit 0 with a summary per type, or 1 listing every problem.
    Check(SchemaDir),
    /// Write TypeScript definitions of the published JSON (one `.d.ts` per type).
    Types(Generate),
    /// Write the JSON Schema (draft 2020-12) of each type's published JSON.
    JsonSchema(Generate),
    /// Compare an older schema folder with the current one; exit 1 if a change is breaking.
    Diff(Diff),
}

#[derive(Debug, Args)]
pub struct SchemaDir {
    /// The folder of schema files.
    #[arg(
        long = "dir",
        alias = "schemas",
        env = "HERALD_SCHEMAS",
        default_value = "schemas"
    )]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct Generate {
    #[command(flatten)]
    pub schemas: SchemaDir,
    /// The folder to write to (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct Diff {
    #[command(flatten)]
    pub schemas: SchemaDir,
    /// The older schema folder, e.g. the main branch's `schemas/` checked out elsewhere.
    #[arg(long)]
    pub from: PathBuf,
}
