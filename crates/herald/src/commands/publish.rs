//! `herald publish rebuild [--type T]`: queues a rebuild (or finds the unfinished one of the
//! same scope, which it resumes) and works on it in this process, drawing its progress on
//! standard error. When a running server holds the job, it shows that server's progress.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use herald_publish::Renderer;
use herald_store::{Actor, Job, JobStatus};

use crate::cli::Rebuild;
use crate::server::{asset_storage, join_processes, load_schemas, open_store, publisher};
use crate::settings::Settings;

/// Width of the bar, in characters.
const BAR: usize = 30;

pub(crate) fn rebuild(args: &Rebuild, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&args.settings)?;
    super::serve::init_logging(&settings.log);
    actix_web::rt::System::new().block_on(async {
        let schemas = Arc::new(load_schemas(&settings)?);
        if let Some(type_name) = &args.type_name
            && schemas.get(type_name).is_none()
        {
            writeln!(
                out,
                "no content type `{type_name}`; the types are {}",
                schemas.names().collect::<Vec<_>>().join(", ")
            )?;
            return Ok(ExitCode::FAILURE);
        }
        let store = open_store(&settings, &schemas).await?;
        let _processes = join_processes(&settings, &store).await?;
        let renderer = Arc::new(Renderer::new(schemas.clone())?);
        let publisher = publisher(&settings, &store, asset_storage(&settings)?, renderer)?;
        let actor = Actor {
            id: "cli".to_owned(),
            label: "herald publish rebuild".to_owned(),
            ip: None,
            content_types: None,
        };
        let (job, created) = store
            .enqueue_rebuild(args.type_name.as_deref(), &actor)
            .await?;
        let scope = args.type_name.as_deref().unwrap_or("every type");
        writeln!(
            out,
            "{} the rebuild of {scope} (job {}) into {}",
            if created { "Starting" } else { "Resuming" },
            job.id,
            publisher.bucket().label()
        )?;
        out.flush()?;
        let started = Instant::now();
        let mut bar = ProgressBar::new();
        let job = publisher.drive(job.id, |job| bar.show(job)).await?;
        bar.done();
        store.close().await;
        match job.status {
            JobStatus::Done => {
                let result = job.result.unwrap_or_default();
                let seconds = started.elapsed().as_secs_f64();
                let objects = result["written_count"].as_u64().unwrap_or_default();
                writeln!(
                    out,
                    "Rebuilt {objects} objects in {seconds:.1} s ({:.0}/s); the bucket is at revision {}",
                    objects as f64 / seconds.max(0.001),
                    result["revision"]
                )?;
                if let Some(skipped) = result["skipped"].as_array().filter(|s| !s.is_empty()) {
                    writeln!(out, "{} entries could not be rendered:", skipped.len())?;
                    for line in skipped {
                        writeln!(out, "  {}", line.as_str().unwrap_or_default())?;
                    }
                    return Ok(ExitCode::FAILURE);
                }
                Ok(ExitCode::SUCCESS)
            }
            other => {
                writeln!(
                    out,
                    "The rebuild {}: {}",
                    other.as_str(),
                    job.error.as_deref().unwrap_or("no reason given")
                )?;
                Ok(ExitCode::FAILURE)
            }
        }
    })
}

/// A progress bar on standard error: redrawn in place on a terminal, else a line every few
/// seconds (logs, CI).
struct ProgressBar {
    terminal: bool,
    started: Instant,
    last: Option<Instant>,
    first_done: Option<u64>,
}

impl ProgressBar {
    fn new() -> Self {
        ProgressBar {
            terminal: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last: None,
            first_done: None,
        }
    }

    fn show(&mut self, job: &Job) {
        let progress = job.progress.as_ref();
        let number = |key: &str| progress.and_then(|p| p.get(key)).and_then(|v| v.as_u64());
        let finished = job
            .result
            .as_ref()
            .and_then(|r| r.get("written_count"))
            .and_then(|v| v.as_u64());
        let (done, total) = match (number("done"), number("total"), finished) {
            (_, _, Some(all)) if job.status == JobStatus::Done => (all, all),
            (Some(done), Some(total), _) => (done, total),
            _ => return,
        };
        let interval = if self.terminal {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(2)
        };
        if self.last.is_some_and(|at| at.elapsed() < interval) && done < total {
            return;
        }
        self.last = Some(Instant::now());
        let first = *self.first_done.get_or_insert(done);
        let rate = (done - first) as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let filled = (done as usize * BAR)
            .checked_div(total as usize)
            .unwrap_or(BAR);
        let line = format!(
            "[{}{}] {:>3}% {done}/{total} entries, {rate:.0}/s",
            "#".repeat(filled.min(BAR)),
            "-".repeat(BAR - filled.min(BAR)),
            (done * 100).checked_div(total).unwrap_or(100),
        );
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    fn done(&self) {
        if self.terminal && self.last.is_some() {
            let _ = writeln!(std::io::stderr());
        }
    }
}
