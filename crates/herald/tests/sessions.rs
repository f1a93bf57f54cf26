//! `herald user sessions revoke-all`: beside a running server, every session ends (refresh and
//! access tokens), the command is audited, and signing in again works.

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{EMAIL, PASSWORD, Server, herald, run};

async fn sign_in(base: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a token pair")
}

async fn status_of(request: reqwest::RequestBuilder) -> StatusCode {
    request.send().await.expect("the server answers").status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_all_ends_every_session_and_is_audited() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    // Checks are not kept in memory, so the running server sees the change at once.
    let config = dir.path().join("herald.toml");
    std::fs::write(&config, "[auth]\nrecheck_seconds = 0\n").expect("herald.toml");
    let mut command = Server::command(&data);
    command.env("HERALD_CONFIG", &config);
    let server = Server::spawn(command).await;
    let base = server.base().to_owned();
    let client = reqwest::Client::new();
    let pair = sign_in(&base).await;
    let access = pair["access_token"].as_str().expect("access").to_owned();
    let refresh = pair["refresh_token"].as_str().expect("refresh").to_owned();
    let me = || client.get(format!("{base}/api/v1/me")).bearer_auth(&access);
    assert_eq!(status_of(me()).await, StatusCode::OK);

    let mut revoke = herald(&data, &["user", "sessions", "revoke-all"]);
    revoke.env("HERALD_CONFIG", &config);
    let output = run(&mut revoke, "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The server's own sign-in and this one.
    assert!(stdout.starts_with("Ended 2 sessions"), "{stdout}");

    assert_eq!(status_of(me()).await, StatusCode::UNAUTHORIZED);
    let refreshed = client
        .post(format!("{base}/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": refresh}));
    assert_eq!(status_of(refreshed).await, StatusCode::UNAUTHORIZED);

    // Signing in again works, and the audit log names the command.
    let again = sign_in(&base).await;
    let token = again["access_token"].as_str().expect("a new session");
    let audit: Value = client
        .get(format!("{base}/api/v1/audit?action=auth.sessions_revoked"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("JSON");
    let row = &audit["items"][0];
    assert_eq!(row["actor_id"], "cli", "{audit}");
    assert_eq!(row["actor_label"], "herald user sessions revoke-all");
    assert_eq!(row["details"], json!({"scope": "all", "sessions": 2}));
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(1));
    server.stop();
}
