//! `herald schema …`: check the schema files, generate TypeScript and JSON Schema, compare two
//! versions.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use herald_model::compat::{self, Impact};
use herald_model::{ContentType, SchemaProblems, SchemaSet, json_schema, typescript};

use crate::cli::{Check, Diff, Generate};
use crate::settings::{ServeArgs, Settings};

/// `herald schema check`: one line per type when all is well, else one line per problem.
pub(crate) fn check(check: &Check, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let args = &check.schemas;
    match SchemaSet::load_dir(&args.dir) {
        Ok(set) => {
            let width = set.names().map(str::len).max().unwrap_or(0);
            for content_type in set.iter() {
                writeln!(
                    out,
                    "ok  {:width$}  {}",
                    content_type.name,
                    summary(content_type)
                )?;
            }
            writeln!(
                out,
                "{} content type{} in {} checked, no problems",
                set.len(),
                if set.len() == 1 { "" } else { "s" },
                args.dir.display()
            )?;
            match &check.database {
                Some(url) => check_database(&set, url, out),
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Err(problems) => {
            report(&problems, out)?;
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The schema changes since the database's last run, and the entries breaking ones would break.
fn check_database(set: &SchemaSet, url: &str, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let default_locale = Settings::load(&ServeArgs::default())
        .map(|settings| settings.locales.default)
        .unwrap_or_else(|_| "en".to_owned());
    actix_web::rt::System::new().block_on(async {
        // As the database is: a check creates nothing and migrates nothing.
        let (store, pending) = herald_store::Store::open_existing(url).await?;
        if pending.len() == herald_store::Store::migration_count() {
            store.close().await;
            writeln!(
                out,
                "the database has no Herald tables yet: the server will create them and record this schema set"
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        if !pending.is_empty() {
            writeln!(
                out,
                "{} migration{} pending, applied by the next `herald serve`: {}",
                pending.len(),
                if pending.len() == 1 { "" } else { "s" },
                pending.join(", ")
            )?;
        }
        let review = store.review_schema_set(set, &default_locale).await;
        store.close().await;
        let review = review?;
        if review.first_use {
            writeln!(out, "the database has no schema set yet: the server will record this one")?;
            return Ok(ExitCode::SUCCESS);
        }
        for change in &review.changes {
            writeln!(out, "{change}")?;
        }
        if review.is_acceptable() {
            let breaking = review.changes.iter().filter(|c| c.is_breaking()).count();
            writeln!(
                out,
                "{} change{} since the database's last run, {breaking} breaking, no stored entry affected",
                review.changes.len(),
                if review.changes.len() == 1 { "" } else { "s" }
            )?;
            Ok(ExitCode::SUCCESS)
        } else {
            writeln!(out, "{}", crate::server::breaking_report(&review))?;
            Ok(ExitCode::FAILURE)
        }
    })
}

fn report(problems: &SchemaProblems, out: &mut impl Write) -> anyhow::Result<()> {
    for problem in &problems.0 {
        writeln!(out, "{problem}")?;
    }
    let mut files: Vec<&str> = problems.0.iter().map(|p| p.file.as_str()).collect();
    files.dedup();
    let n = problems.0.len();
    writeln!(
        out,
        "{n} problem{} in {} file{}",
        if n == 1 { "" } else { "s" },
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    )?;
    Ok(())
}

/// `"Promo banner", 8 fields, localized, review with four eyes, slug from headline`.
fn summary(content_type: &ContentType) -> String {
    let mut parts = vec![
        format!("{:?}", content_type.label),
        format!(
            "{} field{}",
            content_type.fields.len(),
            if content_type.fields.len() == 1 {
                ""
            } else {
                "s"
            }
        ),
    ];
    if content_type.localized {
        parts.push("localized".to_owned());
    }
    parts.push(
        match (
            content_type.workflow.review,
            content_type.workflow.four_eyes,
        ) {
            (true, true) => "review with four eyes",
            (true, false) => "review",
            (false, _) => "no review",
        }
        .to_owned(),
    );
    match &content_type.title_field {
        Some(title) => parts.push(format!("slug from {title}")),
        None => parts.push("slug given by editors".to_owned()),
    }
    parts.join(", ")
}

/// Loads the set or prints its problems; `None` means exit 1.
fn load_or_report(dir: &Path, out: &mut impl Write) -> anyhow::Result<Option<SchemaSet>> {
    match SchemaSet::load_dir(dir) {
        Ok(set) => Ok(Some(set)),
        Err(problems) => {
            report(&problems, out)?;
            Ok(None)
        }
    }
}

/// `herald schema types --out D`.
pub(crate) fn types(args: &Generate, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let Some(set) = load_or_report(&args.schemas.dir, out)? else {
        return Ok(ExitCode::FAILURE);
    };
    write_files(&args.out, typescript::render(&set), out)
}

/// `herald schema json-schema --out D`.
pub(crate) fn json_schemas(args: &Generate, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let Some(set) = load_or_report(&args.schemas.dir, out)? else {
        return Ok(ExitCode::FAILURE);
    };
    let files = set
        .iter()
        .map(|content_type| {
            let schema = json_schema::published_entry(content_type);
            let text = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
            (format!("{}.json", content_type.name), text)
        })
        .collect();
    write_files(&args.out, files, out)
}

fn write_files(
    dir: &Path,
    files: Vec<(String, String)>,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, contents) in &files {
        let path = dir.join(name);
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    writeln!(out, "wrote {} files to {}", files.len(), dir.display())?;
    Ok(ExitCode::SUCCESS)
}

/// `herald schema diff --from OLD`: every change, safe or breaking; exit 1 on a breaking one.
pub(crate) fn diff(args: &Diff, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let (Some(old), Some(new)) = (
        load_or_report(&args.from, out)?,
        load_or_report(&args.schemas.dir, out)?,
    ) else {
        return Ok(ExitCode::FAILURE);
    };
    let changes = compat::compare(&old, &new);
    for change in &changes {
        writeln!(out, "{change}")?;
    }
    let breaking = changes
        .iter()
        .filter(|c| c.impact == Impact::Breaking)
        .count();
    writeln!(
        out,
        "{} change{}, {breaking} breaking",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    )?;
    Ok(if breaking > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
