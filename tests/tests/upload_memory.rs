//! An upload far over the limit is refused without the server holding it in memory. Its own
//! test binary, so that the process's peak RSS reflects this upload alone: the real server
//! runs in-process and the client generates the body lazily, chunk by chunk.

#[path = "api/support.rs"]
mod support;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use support::{Response, TestServer};

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

#[actix_web::test]
async fn an_upload_over_the_limit_does_not_grow_memory_by_its_size() {
    let server = TestServer::start_with(|s| s.assets.max_bytes = 1024 * 1024).await;
    // Warm up: one accepted upload, so allocator pools exist before measuring.
    let small = Part::stream(lazy_png(4))
        .file_name("small.png")
        .mime_str("image/png")
        .expect("type");
    let warm = Response::read(
        server
            .client
            .post(server.url("/api/v1/assets"))
            .multipart(Form::new().part("file", small))
            .send()
            .await
            .expect("an answer"),
    )
    .await;
    assert_eq!(warm.status, StatusCode::CREATED, "{}", warm.text);

    let before = peak_rss_kib();
    // 256 MiB, sent without a Content-Length, so only reading it shows its size.
    let huge = Part::stream(lazy_png(4096))
        .file_name("huge.png")
        .mime_str("image/png")
        .expect("type");
    let refused = Response::read(
        server
            .client
            .post(server.url("/api/v1/assets"))
            .multipart(Form::new().part("file", huge))
            .send()
            .await
            .expect("an answer"),
    )
    .await;
    refused.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "peak RSS grew by {grown} KiB for a refused 256 MiB upload"
    );
    server.stop().await;
}
