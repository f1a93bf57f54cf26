//! `herald serve`.

use std::io::Write;
use std::process::ExitCode;

use crate::server::{Running, StartError, start};
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
        if let Some(admin) = &running.first_admin {
            writeln!(out, "Created the first admin: {}", admin.email)?;
            if let Some(password) = &admin.generated_password {
                writeln!(
                    out,
                    "Its password, shown this once (change it after signing in): {password}"
                )?;
            }
        }
        tracing::info!(addr = %running.addr, "listening");
        writeln!(out, "Herald is listening on http://{}", running.addr)?;
        out.flush()?;
        let (handle, state) = (running.handle.clone(), running.state.clone());
        actix_web::rt::spawn(async move {
            let signal = shutdown_signal().await;
            tracing::info!(signal, "shutting down: finishing in-flight requests");
            Running::shut_down(&handle, &state).await;
        });
        running.server.await?;
        running.worker.stop(settings.shutdown.grace).await;
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

/// Waits for SIGINT (Ctrl-C) or SIGTERM and names it.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
