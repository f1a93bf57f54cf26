//! `herald user sessions revoke-all`: beside a running server, every session ends (refresh and
//! access tokens), the command is audited, and signing in again works. Rotating the signing
//! secret, by the environment or by the secret file, signs no one out.

mod common;

use std::path::Path;
use std::process::Command;

use herald_auth::jwt::key_id;
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

/// The `kid` in an access token's header.
fn kid(access_token: &str) -> String {
    jsonwebtoken::decode_header(access_token)
        .expect("a JWT header")
        .kid
        .expect("a kid")
}

/// Spends `refresh_token`; the new pair.
async fn refresh(base: &str, refresh_token: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": refresh_token}))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK, "the session survives");
    response.json().await.expect("a token pair")
}

async fn me(base: &str, access_token: &str) -> StatusCode {
    status_of(
        reqwest::Client::new()
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(access_token),
    )
    .await
}

/// How a phase of a rotation gives the server its secrets: the one that signs, and the old
/// one still accepted (if any).
type Secrets<'a> = &'a dyn Fn(&mut Command, &str, Option<&str>);

/// The rotation of security.md, in three restarts: signed with `old`; `new` signs and `old` is
/// still accepted; `old` is dropped. Tokens signed with the old secret keep working until the
/// last step, new ones name the new key, and the session (its refresh token) survives.
async fn rotate(data: &Path, old: &str, new: &str, secrets: Secrets<'_>) {
    let start = |current: &str, previous: Option<&str>| {
        let mut command = Server::command(data);
        secrets(&mut command, current, previous);
        Server::spawn(command)
    };
    let server = start(old, None).await;
    let base = server.base().to_owned();
    let before = sign_in(&base).await;
    let old_access = before["access_token"].as_str().expect("access").to_owned();
    assert_eq!(kid(&old_access), key_id(old.as_bytes()));
    assert_eq!(me(&base, &old_access).await, StatusCode::OK);
    server.stop();

    let server = start(new, Some(old)).await;
    let base = server.base().to_owned();
    assert_eq!(
        me(&base, &old_access).await,
        StatusCode::OK,
        "a token signed with the previous secret still works"
    );
    let signed_in = sign_in(&base).await;
    let new_access = signed_in["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    assert_eq!(kid(&new_access), key_id(new.as_bytes()));
    assert_eq!(me(&base, &new_access).await, StatusCode::OK);
    let refreshed = refresh(&base, before["refresh_token"].as_str().expect("refresh")).await;
    let refreshed_access = refreshed["access_token"].as_str().expect("access");
    assert_eq!(kid(refreshed_access), key_id(new.as_bytes()));
    server.stop();

    let server = start(new, None).await;
    let base = server.base().to_owned();
    assert_eq!(
        me(&base, &old_access).await,
        StatusCode::UNAUTHORIZED,
        "the old secret is no longer accepted"
    );
    assert_eq!(me(&base, &new_access).await, StatusCode::OK);
    assert_eq!(me(&base, refreshed_access).await, StatusCode::OK);
    // The session opened before the rotation is still there.
    let again = refresh(&base, refreshed["refresh_token"].as_str().expect("refresh")).await;
    assert_eq!(
        kid(again["access_token"].as_str().expect("access")),
        key_id(new.as_bytes())
    );
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signing_secret_rotates_by_the_environment() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let old = "the-old-signing-secret-of-at-least-32-bytes";
    let new = "the-new-signing-secret-of-at-least-32-bytes";
    rotate(
        &dir.path().join("data"),
        old,
        new,
        &|command, current, previous| {
            command.env("HERALD_JWT_SECRET", current);
            if let Some(previous) = previous {
                // Several previous secrets are separated by spaces.
                let older = "an-even-older-signing-secret-of-32-bytes";
                command.env("HERALD_JWT_PREVIOUS_SECRETS", format!("{older} {previous}"));
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signing_secret_rotates_by_the_secret_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    // The first start creates the file with a random secret: that is the old one.
    drop(Server::spawn(Server::command(&data)).await);
    let file = data.join("jwt-secret");
    let old = std::fs::read_to_string(&file).expect("the secret file");
    let old = old.trim().to_owned();
    let new = "the-new-signing-secret-of-at-least-32-bytes";
    rotate(&data, &old, new, &|_, current, previous| {
        let lines = match previous {
            Some(previous) => format!("{current}\n{previous}\n"),
            None => format!("{current}\n"),
        };
        std::fs::write(&file, lines).expect("the secret file written");
    })
    .await;
}
