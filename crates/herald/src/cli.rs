//! The command line, as in contract §2. Every option also reads `HERALD_<OPTION>`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::settings::ServeArgs;

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
    Serve(ServeArgs),
    /// Write all content (entries and their revisions) to standard output as JSON Lines.
    Export(ServeArgs),
    /// Read content written by `herald export` from standard input, all or nothing.
    Import(ServeArgs),
    /// Check schema files and generate artefacts from them.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Manage users from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Publishing tasks.
    #[command(subcommand)]
    Publish(PublishCommand),
}

#[derive(Debug, Subcommand)]
pub enum PublishCommand {
    /// Re-render every published entry into the bucket, with a progress bar. Resumes an
    /// interrupted rebuild of the same scope (progress is kept in the database).
    Rebuild(Rebuild),
}

#[derive(Debug, Args)]
pub struct Rebuild {
    /// Only this content type; every type when absent.
    #[arg(long = "type", value_name = "TYPE")]
    pub type_name: Option<String>,
    #[command(flatten)]
    pub settings: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --password-stdin a password is generated and printed once.
    Add(UserAdd),
    /// Sign-in sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// End every user's session at once (audited): everyone signs in again. API tokens are
    /// not affected; revoke them with DELETE /api/v1/tokens/{id}.
    RevokeAll(ServeArgs),
}

#[derive(Debug, Args)]
pub struct UserAdd {
    /// The user's e-mail address (their sign-in name).
    #[arg(long)]
    pub email: String,
    /// viewer, editor, publisher or admin.
    #[arg(long, value_parser = ["viewer", "editor", "publisher", "admin"])]
    pub role: String,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// Limit the user to this content type (repeat for several); all types when absent.
    #[arg(long = "content-type", value_name = "TYPE")]
    pub content_types: Vec<String>,
    #[command(flatten)]
    pub settings: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Validate the schema files: exit 0 with a summary per type, or 1 listing every problem.
    /// With --database, also report changes that would break stored entries.
    Check(Check),
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
pub struct Check {
    #[command(flatten)]
    pub schemas: SchemaDir,
    /// Compare with the schema set this database last ran with and list the stored entries a
    /// breaking change would break (sqlite://… or postgres://…). Nothing is created or migrated.
    #[arg(long, value_name = "URL", env = "HERALD_DATABASE_URL")]
    pub database: Option<String>,
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
