//! `herald serve`.

use std::io::Write;
use std::process::ExitCode;

use crate::server::{StartError, start};
use crate::settings::{LogFormat, LogSettings, ServeArgs, Settings};

/// Runs the server until SIGINT or SIGTERM, then lets in-flight requests finish.
pub(crate) fn serve(args: &ServeArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(args)?;
    init_logging(&settings.log);
    tracing::info!(?settings, "starting");
    actix_web::rt::System::new().block_on(async {
        let running = match start(&settings).await {
            Ok(running) => running,
            Err(error @ (StartError::Schemas(_) | StartError::BreakingChange(_))) => {
                writeln!(out, "{error}")?;
                return Ok(ExitCode::FAILURE);
            }
            Err(error) => return Err(error.into()),
        };
        tracing::info!(addr = %running.addr, "listening");
        writeln!(out, "Herald is listening on http://{}", running.addr)?;
        out.flush()?;
        running.server.await?;
        running.store.close().await;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Logs to standard error, as text or JSON lines, filtered by `RUST_LOG` or `[log] level`.
pub(crate) fn init_logging(log: &LogSettings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&log.filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
