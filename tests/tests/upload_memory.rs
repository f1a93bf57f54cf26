//! Uploads do not grow the server's memory by their size: neither an accepted 20 MiB file nor
//! one far over the limit. Its own test binary, so that the process's peak RSS reflects these
//! uploads alone: the real server runs in-process, the client generates each body lazily,
//! chunk by chunk, and the tests take turns, each measuring from a peak reset to the memory
//! in use when it starts.

#[path = "api/support.rs"]
mod support;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use support::{Response, TestServer};

/// One test at a time: the peak is the whole process's.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak to the memory in use now (Linux's `clear_refs`), and returns it in KiB.
fn reset_peak_rss_kib() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").expect("the peak RSS can be reset");
    peak_rss_kib()
}

/// A body of `chunks` × 64 KiB starting like a PNG, made as it is sent.
fn lazy_png(chunks: usize) -> reqwest::Body {
    let stream = futures::stream::iter((0..chunks).map(|n| {
        let mut chunk = vec![(n % 251) as u8; 64 * 1024];
        if n == 0 {
            chunk[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
        }
        Ok::<_, std::io::Error>(chunk)
    }));
    reqwest::Body::wrap_stream(stream)
}

async fn upload(server: &TestServer, part: Part) -> Response {
    Response::read(
        server
            .client
            .post(server.url("/api/v1/assets"))
            .multipart(Form::new().part("file", part))
            .send()
            .await
            .expect("an answer"),
    )
    .await
}

/// An upload of `chunks` × 64 KiB whose length is announced, as browsers send files.
fn announced(chunks: usize, name: &str) -> Part {
    Part::stream_with_length(lazy_png(chunks), chunks as u64 * 64 * 1024)
        .file_name(name.to_owned())
        .mime_str("image/png")
        .expect("type")
}

/// Warm up: one accepted upload of 1 MiB (two parts of the local store), so that allocator
/// pools and blocking threads exist before measuring. Small, so that a server holding files
/// in memory cannot hide behind it.
async fn warm_up(server: &TestServer) {
    let warm = upload(server, announced(16, "warm.png")).await;
    assert_eq!(warm.status, StatusCode::CREATED, "{}", warm.text);
}

#[actix_web::test]
async fn an_accepted_20_mib_upload_grows_memory_by_less_than_10_mib() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = TestServer::start().await;
    warm_up(&server).await;

    let before = reset_peak_rss_kib();
    let stored = upload(&server, announced(320, "photo.png")).await;
    let grown = peak_rss_kib().saturating_sub(before);
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text);
    assert_eq!(stored.body["bytes"], 20 * 1024 * 1024);
    assert!(
        grown < 10 * 1024,
        "peak RSS grew by {grown} KiB for an accepted 20 MiB upload"
    );
    server.stop().await;
}

#[actix_web::test]
async fn an_upload_over_the_limit_does_not_grow_memory_by_its_size() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = TestServer::start_with(|s| s.assets.max_bytes = 1024 * 1024).await;
    warm_up(&server).await;

    let before = reset_peak_rss_kib();
    // 256 MiB, sent without a Content-Length, so only reading it shows its size.
    let huge = Part::stream(lazy_png(4096))
        .file_name("huge.png")
        .mime_str("image/png")
        .expect("type");
    let refused = upload(&server, huge).await;
    refused.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "peak RSS grew by {grown} KiB for a refused 256 MiB upload"
    );
    server.stop().await;
}
