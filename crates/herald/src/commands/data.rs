//! `herald export` and `herald import`: all content as JSON Lines.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;
use herald_store::{ExportLine, Store, StoreError};

use crate::commands::serve::init_logging;
use crate::server::{load_schemas, open_store};
use crate::settings::{ServeArgs, Settings};

/// Writes every entry and its revisions to `out`, one JSON object per line. A backup must
/// always be possible: the export reads the database as it is, whatever the schema folder
/// says. Schema files with problems, or with breaking changes that stored entries violate
/// (which stop `herald serve`), only get a warning, and the export records no schema set.
pub(crate) fn export(args: &ServeArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(args)?;
    init_logging(&settings.log);
    actix_web::rt::System::new().block_on(async {
        let store = Store::connect(settings.database.as_str()).await?;
        match load_schemas(&settings) {
            Ok(schemas) => {
                let review = store
                    .review_schema_set(&schemas, &settings.locales.default)
                    .await?;
                if !review.is_acceptable() {
                    tracing::warn!(
                        affected = review.affected.len(),
                        "the schema files contain breaking changes that stored entries would \
                         violate, and `herald serve` will not start with them \
                         (`herald schema check --database` lists the entries); exporting anyway"
                    );
                }
            }
            Err(error) => {
                tracing::warn!(%error, "exporting anyway");
            }
        }
        let mut lines = 0u64;
        store
            .export(|line| {
                serde_json::to_writer(&mut *out, &line)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                out.write_all(b"\n")
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                lines += 1;
                Ok(())
            })
            .await?;
        out.flush()?;
        store.close().await;
        tracing::info!(lines, "exported");
        Ok(ExitCode::SUCCESS)
    })
}

/// Reads lines written by `herald export` from `input` into the database, all or nothing.
pub(crate) fn import(
    args: &ServeArgs,
    input: impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(args)?;
    let mut lines = Vec::new();
    for (index, line) in input.lines().enumerate() {
        let line = line.context("reading the import")?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: ExportLine = serde_json::from_str(&line)
            .with_context(|| format!("line {}: not a line of `herald export`", index + 1))?;
        lines.push((index + 1, parsed));
    }
    actix_web::rt::System::new().block_on(async {
        let schemas = load_schemas(&settings)?;
        let store = open_store(&settings, &schemas).await?;
        let summary = store.import(&schemas, lines).await?;
        store.close().await;
        if summary.assets > 0 {
            writeln!(out, "imported {} assets", summary.assets)?;
        }
        writeln!(
            out,
            "imported {} entries and {} revisions",
            summary.entries, summary.revisions
        )?;
        Ok(ExitCode::SUCCESS)
    })
}
