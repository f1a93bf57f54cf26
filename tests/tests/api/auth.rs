//! Signing in and out, refresh rotation and reuse detection, bad tokens, disabled users, the
//! sign-in limiter, users and API tokens, and the audit trail they leave.

use std::time::{Duration, Instant};

use herald::settings::Secret;
use herald_auth::jwt::{AUDIENCE, Claims, ISSUER, key_id};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, Response, TestServer};

const SECRET: &str = "a-test-signing-secret-of-at-least-32-bytes";

async fn login_raw(server: &TestServer, email: &str, password: &str) -> Response {
    server
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(&json!({"email": email, "password": password})),
            &[("authorization", "")],
        )
        .await
}

async fn with_token(server: &TestServer, method: Method, path: &str, token: &str) -> Response {
    let bearer = format!("Bearer {token}");
    server
        .send(method, path, None, &[("authorization", &bearer)])
        .await
}

async fn refresh(server: &TestServer, refresh_token: &str) -> Response {
    server
        .send(
            Method::POST,
            "/api/v1/auth/refresh",
            Some(&json!({"refresh_token": refresh_token})),
            &[("authorization", "")],
        )
        .await
}

fn sign(secret: &str, kid: &str, claims: &Claims) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("a signed token")
}

/// Housekeeping deletes a session only once every one of its refresh tokens has expired.
#[actix_web::test]
async fn expired_sessions_are_purged_and_live_ones_kept() {
    let server = TestServer::start().await;
    let session = login_raw(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.text);
    let first = session.body["refresh_token"].as_str().expect("refresh");
    let refreshed = refresh(&server, first).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let live = refreshed.body["refresh_token"].as_str().expect("refresh");

    // Nothing has expired: nothing goes, and the live token still works.
    let now = chrono::Utc::now();
    let purged = server.store().purge_expired_sessions(now).await;
    assert_eq!(purged.expect("purged"), 0);
    let again = refresh(&server, live).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    let live = again.body["refresh_token"].as_str().expect("refresh");

    // Seen from beyond the tokens' 14 days, both sessions (the test's own sign-in and this
    // one, three tokens) have expired: all their rows go, and the last token is unknown.
    let later = now + chrono::TimeDelta::days(15);
    let purged = server.store().purge_expired_sessions(later).await;
    assert!(purged.expect("purged") >= 3);
    refresh(&server, live)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    server.stop().await;
}

#[actix_web::test]
async fn sign_in_refresh_rotation_reuse_and_sign_out() {
    let server = TestServer::start().await;
    let wrong = login_raw(&server, ADMIN_EMAIL, "not the password at all").await;
    wrong.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(
        wrong
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer"))
    );

    let session = login_raw(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.text);
    assert_eq!(session.body["token_type"], "Bearer");
    assert_eq!(session.body["expires_in"], 900);
    assert_eq!(session.header("cache-control"), Some("no-store"));
    assert!(session.body["user"].get("password_hash").is_none());
    let access = session.body["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let first = session.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let me = with_token(&server, Method::GET, "/api/v1/me", &access).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["email"], ADMIN_EMAIL);
    assert_eq!(me.body["role"], "admin");

    // Each refresh spends the token and hands out the next one.
    let second = refresh(&server, &first).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let second_refresh = second.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let second_access = second.body["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    assert_ne!(second_refresh, first);
    let third = refresh(&server, &second_refresh).await;
    assert_eq!(third.status, StatusCode::OK);
    let third_refresh = third.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    // The spent first token comes back: someone copied it. The whole session ends.
    refresh(&server, &first)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    refresh(&server, &third_refresh)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    with_token(&server, Method::GET, "/api/v1/me", &second_access)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    refresh(&server, "hrt_made-up")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    // Sign-out ends the session: its access and refresh tokens stop working.
    let session = login_raw(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = session.body["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let refresh_token = session.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let out = with_token(&server, Method::POST, "/api/v1/auth/logout", &access).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    with_token(&server, Method::GET, "/api/v1/me", &access)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    refresh(&server, &refresh_token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // Other sessions of the same user are untouched.
    assert_eq!(server.get("/api/v1/me").await.status, StatusCode::OK);
    server.stop().await;
}

/// However often it is refreshed, a session ends at its maximum age.
#[actix_web::test]
async fn a_session_ends_at_its_maximum_age_however_often_it_is_refreshed() {
    let max_age = Duration::from_secs(3);
    let server = TestServer::start_with(|s| s.auth.max_session_age = max_age).await;
    let opened = Instant::now();
    let session = login_raw(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut token = session.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    for _ in 0..2 {
        actix_web::rt::time::sleep(Duration::from_millis(700)).await;
        let next = refresh(&server, &token).await;
        assert_eq!(next.status, StatusCode::OK, "within its age: {}", next.text);
        token = next.body["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned();
    }
    actix_web::rt::time::sleep(
        max_age.saturating_sub(opened.elapsed()) + Duration::from_millis(500),
    )
    .await;
    refresh(&server, &token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    // A new sign-in opens a new session.
    let again = login_raw(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    server.stop().await;
}

#[actix_web::test]
async fn forged_expired_and_foreign_tokens_are_refused() {
    let server = TestServer::start_with(|s| s.auth.jwt_secret = Some(Secret::new(SECRET))).await;
    let me = server.get("/api/v1/me").await;
    let user_id = me.body["id"].as_str().expect("an id").to_owned();
    // A real session id, so only the property under test is wrong.
    let real = server.token.clone();
    let real_claims: Value = {
        use base64::Engine;
        let payload = real.split('.').nth(1).expect("a payload");
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .expect("base64"),
        )
        .expect("claims")
    };
    let sid = real_claims["sid"].as_str().expect("sid").to_owned();
    let now = chrono::Utc::now().timestamp();
    let claims = |nbf: i64, exp: i64| Claims {
        sub: user_id.clone(),
        sid: sid.clone(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        nbf: now + nbf,
        exp: now + exp,
    };
    let kid = key_id(SECRET.as_bytes());
    let valid = sign(SECRET, &kid, &claims(0, 60));
    assert_eq!(
        with_token(&server, Method::GET, "/api/v1/me", &valid)
            .await
            .status,
        StatusCode::OK,
        "a correctly signed token works"
    );

    let expired = sign(SECRET, &kid, &claims(-7200, -3600));
    with_token(&server, Method::GET, "/api/v1/me", &expired)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "token_expired");

    let mut wrong_audience = claims(0, 60);
    wrong_audience.aud = "storefront".into();
    let mut wrong_issuer = claims(0, 60);
    wrong_issuer.iss = "someone-else".into();
    // The expired token brought back to life by a new `exp`: its subject and session are
    // real and every claim is right, so only its signature can refuse it.
    let mut extended: Vec<String> = expired.split('.').map(str::to_owned).collect();
    {
        use base64::Engine;
        extended[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&claims(-7200, 3600)).expect("json"));
    }
    assert_eq!(
        with_token(
            &server,
            Method::GET,
            "/api/v1/me",
            &sign(SECRET, &kid, &claims(-7200, 3600))
        )
        .await
        .status,
        StatusCode::OK,
        "the same claims, correctly signed, are accepted"
    );
    let alg_none = {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            engine.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#)),
            engine.encode(serde_json::to_vec(&claims(0, 60)).expect("json"))
        )
    };
    // Signed with the right key, but naming a session that was never opened.
    let mut unknown_session = claims(0, 60);
    unknown_session.sid = uuid::Uuid::now_v7().to_string();
    let cases = [
        ("unknown session", sign(SECRET, &kid, &unknown_session)),
        ("not yet valid", sign(SECRET, &kid, &claims(3600, 7200))),
        ("wrong audience", sign(SECRET, &kid, &wrong_audience)),
        ("wrong issuer", sign(SECRET, &kid, &wrong_issuer)),
        ("tampered payload (expiry extended)", extended.join(".")),
        ("alg none", alg_none),
        (
            "wrong key, right kid",
            sign(
                "another-secret-that-is-32-bytes-long!!",
                &kid,
                &claims(0, 60),
            ),
        ),
        (
            "unknown kid",
            sign(
                "another-secret-that-is-32-bytes-long!!",
                "0011223344556677",
                &claims(0, 60),
            ),
        ),
        ("garbage", "not.a.jwt".to_owned()),
        ("unknown API token", "hrld_not-a-real-token".to_owned()),
    ];
    for (name, token) in cases {
        let answer = with_token(&server, Method::GET, "/api/v1/me", &token).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::UNAUTHORIZED, "unauthenticated"),
            "{name}: {}",
            answer.text
        );
    }
    for header in ["Basic YWRtaW46cGFzcw==", "Bearer", "Bearer  ", "token abc"] {
        let answer = server
            .send(
                Method::GET,
                "/api/v1/me",
                None,
                &[("authorization", header)],
            )
            .await;
        answer.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    server.stop().await;
}

#[actix_web::test]
async fn disabling_a_user_or_changing_a_password_ends_their_sessions() {
    let server = TestServer::start().await;
    let token = server.user_token("ed@shop.example", "editor", None).await;
    let me = with_token(&server, Method::GET, "/api/v1/me", &token).await;
    let id = me.body["id"].as_str().expect("an id").to_owned();
    let session = login_raw(&server, "ed@shop.example", "a long enough passphrase").await;
    let refresh_token = session.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    // A role change applies to the next request.
    let demoted = server
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&json!({"role": "viewer"})),
            &[],
        )
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.text);
    let create = server
        .send(
            Method::POST,
            "/api/v1/entries/faq",
            Some(&json!({"fields": {"question": "Q?", "answer": "A."}})),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    create.assert_error(StatusCode::FORBIDDEN, "forbidden");

    let disabled = server
        .send(Method::DELETE, &format!("/api/v1/users/{id}"), None, &[])
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert_eq!(disabled.body["disabled"], true);
    with_token(&server, Method::GET, "/api/v1/me", &token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    refresh(&server, &refresh_token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    login_raw(&server, "ed@shop.example", "a long enough passphrase")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    // Re-enabled with a new password: the old one no longer works.
    let back = server
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&json!({"disabled": false, "password": "another long passphrase"})),
            &[],
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    login_raw(&server, "ed@shop.example", "a long enough passphrase")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(
        login_raw(&server, "ed@shop.example", "another long passphrase")
            .await
            .status,
        StatusCode::OK
    );
    server.stop().await;
}

/// The two limits apart: each attempt comes from its own address (the server trusts
/// `X-Forwarded-For`), so that only the limit under test can refuse.
#[actix_web::test]
async fn brute_force_is_limited_per_account_and_per_address() {
    let server = TestServer::start_with(|s| {
        s.auth.login_window = Duration::from_secs(3);
        s.auth.trust_forwarded_for = true;
    })
    .await;
    // Per account: five failures from five addresses.
    for n in 1..=5 {
        refused_from(
            &server,
            &format!("10.0.0.{n}"),
            ADMIN_EMAIL,
            &format!("wrong password {n}"),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    // The sixth try is refused from a fresh address, even with the right password.
    let limited = login_from(&server, "10.0.0.6", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=3).contains(&retry), "Retry-After {retry}");
    // The message says the same wait, not one truncated to a second less.
    let message = limited.body["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.ends_with(&format!("try again in {retry} s")),
        "Retry-After {retry}, message {message:?}"
    );
    // Those addresses are not limited: another account from one of them is checked.
    refused_from(
        &server,
        "10.0.0.1",
        "someone@shop.example",
        "whatever it may be",
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;

    // Per address: five failures for five accounts from one address.
    for n in 1..=4 {
        refused_from(
            &server,
            "10.9.9.9",
            &format!("user{n}@shop.example"),
            "whatever it may be",
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    refused_from(
        &server,
        "10.9.9.9",
        "someone@shop.example",
        "whatever it may be",
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // Any account from there is refused now, a fresh one too; the same account from
    // elsewhere is still checked (it has two failures).
    refused_from(
        &server,
        "10.9.9.9",
        "fresh@shop.example",
        "whatever it may be",
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    refused_from(
        &server,
        "10.0.0.7",
        "someone@shop.example",
        "whatever it may be",
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;

    actix_web::rt::time::sleep(Duration::from_secs(retry + 1)).await;
    let after = login_from(&server, "10.0.0.6", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        after.status,
        StatusCode::OK,
        "after the window: {}",
        after.text
    );
    server.stop().await;
}

/// Sends a sign-in as if from `ip` (the server trusts `X-Forwarded-For`).
async fn login_from(server: &TestServer, ip: &str, email: &str, password: &str) -> Response {
    server
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(&json!({"email": email, "password": password})),
            &[("authorization", ""), ("x-forwarded-for", ip)],
        )
        .await
}

/// Signs in as if from `ip`, expecting a refusal with `status` and `code`.
async fn refused_from(
    server: &TestServer,
    ip: &str,
    email: &str,
    password: &str,
    status: StatusCode,
    code: &str,
) {
    login_from(server, ip, email, password)
        .await
        .assert_error(status, code);
}

/// A password typed into the e-mail field must not land in the audit log: a failed sign-in
/// keeps the address tried only when it is one, lower-cased, and the per-account limit still
/// counts by that address.
#[actix_web::test]
async fn a_failed_sign_in_keeps_only_a_real_e_mail_address() {
    let server = TestServer::start_with(|s| s.auth.trust_forwarded_for = true).await;
    let typed = ["Sup3r Secret Passw0rd", "hunter2@home"];
    for (n, input) in typed.iter().enumerate() {
        refused_from(
            &server,
            &format!("10.0.0.{n}"),
            input,
            "whatever it may be",
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    refused_from(
        &server,
        "10.0.1.1",
        " Admin@Shop.Example ",
        "a wrong password",
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;

    let failed = server.get("/api/v1/audit?action=auth.login_failed").await;
    assert_eq!(failed.status, StatusCode::OK, "{}", failed.text);
    for input in typed {
        assert!(
            !failed.text.to_lowercase().contains(&input.to_lowercase()),
            "{input:?} is in the audit log: {}",
            failed.text
        );
    }
    let rows: Vec<(&str, &str)> = failed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["actor_label"].as_str().unwrap_or_default(),
                r["target_id"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (ADMIN_EMAIL, ADMIN_EMAIL),
            ("(not an e-mail)", "(not an e-mail)"),
            ("(not an e-mail)", "(not an e-mail)"),
        ]
    );

    // The account's failures are still counted by its address, from wherever they come.
    for n in 2..=5 {
        refused_from(
            &server,
            &format!("10.0.1.{n}"),
            ADMIN_EMAIL,
            "a wrong password",
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    refused_from(
        &server,
        "10.0.2.1",
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    server.stop().await;
}

/// A sign-in refused by the limiter leaves one audit row per refusing key and window, however
/// many are refused, and those rows are not failures: they do not prolong the block.
#[actix_web::test]
async fn refused_sign_ins_are_audited_once_per_key_and_window() {
    // Long enough for the ten password checks below, even on a busy machine.
    let window = Duration::from_secs(5);
    let server = TestServer::start_with(|s| {
        s.auth.login_window = window;
        s.auth.trust_forwarded_for = true;
    })
    .await;
    let started = Instant::now();
    // Five failures for one account, each from its own address; then five for five
    // accounts from one address.
    for n in 1..=5 {
        refused_from(
            &server,
            &format!("10.1.0.{n}"),
            ADMIN_EMAIL,
            "a wrong password",
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
        refused_from(
            &server,
            "10.2.0.1",
            &format!("user{n}@shop.example"),
            "a wrong password",
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    for _ in 0..3 {
        refused_from(
            &server,
            "10.1.1.1",
            ADMIN_EMAIL,
            ADMIN_PASSWORD,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
        )
        .await;
        refused_from(
            &server,
            "10.2.0.1",
            "other@shop.example",
            "a wrong password",
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
        )
        .await;
    }
    let limited = server
        .get("/api/v1/audit?action=auth.login_rate_limited")
        .await;
    assert_eq!(limited.status, StatusCode::OK, "{}", limited.text);
    let rows: Vec<(&str, &str, &str, &str)> = limited.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["target_type"].as_str().unwrap_or_default(),
                r["target_id"].as_str().unwrap_or_default(),
                r["details"]["limit"].as_str().unwrap_or_default(),
                r["ip"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("address", "10.2.0.1", "address", "10.2.0.1"),
            ("user", ADMIN_EMAIL, "account", "10.1.1.1"),
        ],
        "one row per refusing key, newest first: {}",
        limited.text
    );
    let failed = server.get("/api/v1/audit?action=auth.login_failed").await;
    assert_eq!(failed.body["items"].as_array().map(Vec::len), Some(10));

    // Once the window of the first failures has passed, the account signs in again.
    actix_web::rt::time::sleep(window.saturating_sub(started.elapsed()) + Duration::from_secs(1))
        .await;
    let after = login_from(&server, "10.1.1.1", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
    server.stop().await;
}

#[actix_web::test]
async fn a_burst_of_simultaneous_guesses_gets_no_more_than_the_limit() {
    let server = TestServer::start().await;
    let guesses = (0..20).map(|n| {
        let server = &server;
        async move { login_raw(server, ADMIN_EMAIL, &format!("guess number {n} of many")).await }
    });
    let answers = futures::future::join_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNAUTHORIZED)
        .count();
    let limited = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        checked <= 5,
        "{checked} of 20 simultaneous guesses had their password checked"
    );
    assert_eq!(
        checked + limited,
        20,
        "every other guess is refused with 429"
    );
    server.stop().await;
}

/// A flood of sign-ins from many addresses for many accounts (which the limiter lets through)
/// queues at the password hasher: one hash at a time here, a bounded queue, `429` beyond it.
/// Meanwhile requests that need no hash are answered while the flood is still being hashed.
#[actix_web::test]
async fn a_sign_in_flood_is_queued_and_leaves_other_requests_answered() {
    let server = TestServer::start_with(|s| {
        s.auth.hash_concurrency = 1;
        s.auth.trust_forwarded_for = true;
    })
    .await;
    let started = Instant::now();
    let flood = futures::future::join_all((0..40).map(|n| {
        let server = &server;
        async move {
            let answer = login_from(
                server,
                &format!("10.1.{}.{}", n / 200, n % 200 + 1),
                &format!("flood{n}@shop.example"),
                "a guess that is long enough",
            )
            .await;
            (answer, started.elapsed())
        }
    }));
    let probes = async {
        // Once the flood has reached the hasher.
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        let mut answered = Vec::new();
        for path in ["/healthz", "/api/v1/me", "/api/v1/entries/faq"] {
            let sent = Instant::now();
            let answer = server.get(path).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
            let took = sent.elapsed();
            assert!(
                took < Duration::from_secs(2),
                "{path} took {took:?} during the flood"
            );
            answered.push(started.elapsed());
        }
        answered
    };
    let (flood, answered) = futures::join!(flood, probes);
    let last_sign_in = flood.iter().map(|(_, at)| *at).max().unwrap_or_default();
    let last_probe = answered.iter().copied().max().unwrap_or_default();
    assert!(
        last_probe < last_sign_in,
        "the probes were answered at {last_probe:?}, after the flood ({last_sign_in:?})"
    );
    let mut checked = 0;
    let mut queued_out = 0;
    for (answer, _) in &flood {
        match answer.status {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                answer.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
                assert_eq!(answer.header("retry-after"), Some("1"), "{}", answer.text);
                assert_eq!(
                    answer.body["error"]["message"],
                    "too many sign-ins at once; try again in 1 s"
                );
                queued_out += 1;
            }
            other => panic!("a sign-in in the flood got {other}: {}", answer.text),
        }
    }
    // One hash running and 16 waiting: at least those are checked, the rest may be refused.
    assert!(checked >= 17, "only {checked} of 40 sign-ins were checked");
    assert!(
        queued_out > 0,
        "no sign-in was refused: is the hasher's queue bounded?"
    );
    // The hasher is free again: a correct sign-in works.
    let again = login_raw(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    server.stop().await;
}

#[actix_web::test]
async fn an_admin_limited_to_some_types_cannot_hand_out_or_take_more() {
    let server = TestServer::start().await;
    let scoped = server
        .post(
            "/api/v1/tokens",
            &json!({"name": "faq admin", "role": "admin", "content_types": ["faq"]}),
        )
        .await;
    let secret = scoped.body["secret"].as_str().expect("a secret").to_owned();
    let bearer = format!("Bearer {secret}");
    let as_scoped = |method: Method, path: &'static str, body: Value| {
        let bearer = bearer.clone();
        let server = &server;
        async move {
            server
                .send(method, path, Some(&body), &[("authorization", &bearer)])
                .await
        }
    };
    // What it makes stays within its own scope: none asked for means its own.
    let token = as_scoped(
        Method::POST,
        "/api/v1/tokens",
        json!({"name": "made by faq admin", "role": "admin"}),
    )
    .await;
    assert_eq!(token.status, StatusCode::CREATED, "{}", token.text);
    assert_eq!(token.body["content_types"], json!(["faq"]));
    as_scoped(
        Method::POST,
        "/api/v1/tokens",
        json!({"name": "wider", "role": "admin", "content_types": ["faq", "promo_banner"]}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let user = as_scoped(
        Method::POST,
        "/api/v1/users",
        json!({"email": "faq-editor@shop.example", "password": "a long enough passphrase 1", "role": "editor"}),
    )
    .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.text);
    assert_eq!(user.body["content_types"], json!(["faq"]));
    // It cannot manage anyone who reaches further, such as the unscoped first admin.
    let me = server.get("/api/v1/me").await;
    let admin_path = format!("/api/v1/users/{}", me.body["id"].as_str().expect("an id"));
    for (method, body) in [
        (
            Method::PATCH,
            Some(json!({"password": "taken over by a faq admin"})),
        ),
        (Method::DELETE, None),
    ] {
        server
            .send(
                method,
                &admin_path,
                body.as_ref(),
                &[("authorization", &bearer)],
            )
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
    }
    let widen = format!("/api/v1/users/{}", user.body["id"].as_str().expect("an id"));
    server
        .send(
            Method::PATCH,
            &widen,
            Some(&json!({"content_types": null})),
            &[("authorization", &bearer)],
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // A rebuild of everything reaches beyond faq; one of faq does not.
    as_scoped(Method::POST, "/api/v1/publish/rebuild", json!({}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let rebuild = as_scoped(
        Method::POST,
        "/api/v1/publish/rebuild",
        json!({"type": "faq"}),
    )
    .await;
    assert_eq!(rebuild.status, StatusCode::ACCEPTED, "{}", rebuild.text);

    // A scope limits content, not oversight (security.md): it still sees every user, every
    // token and the whole audit log, rows about other types included.
    let banner = server
        .create(
            "promo_banner",
            &json!({"fields": {"headline": "Beyond faq"}}),
        )
        .await;
    let overseen = |path: &'static str| with_token(&server, Method::GET, path, &secret);
    let users = overseen("/api/v1/users").await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text);
    assert!(users.text.contains(ADMIN_EMAIL), "{}", users.text);
    let tokens = overseen("/api/v1/tokens").await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    assert!(tokens.text.contains("\"faq admin\""), "{}", tokens.text);
    assert!(!tokens.text.contains(&secret), "never the secret");
    let audit = overseen("/api/v1/audit?action=entry.create").await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    assert_eq!(
        audit.body["items"][0]["target_id"], banner["id"],
        "{}",
        audit.text
    );
    server.stop().await;
}

#[actix_web::test]
async fn unknown_e_mail_and_wrong_password_look_the_same() {
    let server = TestServer::start_with(|s| s.auth.login_attempts = 100).await;
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for n in 0..4 {
        let start = Instant::now();
        let a = login_raw(
            &server,
            &format!("nobody{n}@shop.example"),
            "some password here",
        )
        .await;
        unknown.push(start.elapsed());
        let start = Instant::now();
        let b = login_raw(&server, ADMIN_EMAIL, "some password here").await;
        wrong.push(start.elapsed());
        assert_eq!((a.status, &a.body), (b.status, &b.body), "the same answer");
    }
    unknown.sort();
    wrong.sort();
    // Both check an argon2id hash (the unknown e-mail a decoy): medians within a factor 3.
    let (u, w) = (unknown[2].as_secs_f64(), wrong[2].as_secs_f64());
    assert!(u > w / 3.0 && w > u / 3.0, "unknown {u:.4}s, wrong {w:.4}s");
    server.stop().await;
}

#[actix_web::test]
async fn users_api_enforces_the_password_policy_and_keeps_an_admin() {
    let server = TestServer::start().await;
    let weak = server
        .post(
            "/api/v1/users",
            &json!({"email": "new@shop.example", "password": "Summer2026!", "role": "editor"}),
        )
        .await;
    let error = weak.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["path"], "password");
    assert_eq!(error["details"][0]["code"], "weak_password");
    for (body, path, code) in [
        (
            json!({"email": "not-an-email", "password": "a fine long passphrase", "role": "editor"}),
            "email",
            "invalid_email",
        ),
        (
            json!({"email": ADMIN_EMAIL.to_uppercase(), "password": "a fine long passphrase", "role": "editor"}),
            "email",
            "not_unique",
        ),
        (
            json!({"email": "x@shop.example", "password": "a fine long passphrase", "role": "editor", "content_types": ["nope"]}),
            "content_types[0]",
            "not_in_enum",
        ),
        (
            json!({"email": "x@shop.example", "password": "x@shop.example-long", "role": "editor"}),
            "password",
            "weak_password",
        ),
    ] {
        let answer = server.post("/api/v1/users", &body).await;
        let error = answer.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            (
                error["details"][0]["path"].as_str(),
                error["details"][0]["code"].as_str()
            ),
            (Some(path), Some(code)),
            "{body}"
        );
    }
    server
        .post(
            "/api/v1/users",
            &json!({"email": "x@shop.example", "password": "p", "role": "owner"}),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_json");
    server
        .post("/api/v1/users", &json!({"email": "x@shop.example", "password": "a fine long passphrase", "role": "editor", "is_admin": true}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unknown_field");

    // The last active admin cannot be demoted or disabled.
    let me = server.get("/api/v1/me").await;
    let admin_path = format!("/api/v1/users/{}", me.body["id"].as_str().expect("id"));
    let demote = server
        .send(
            Method::PATCH,
            &admin_path,
            Some(&json!({"role": "editor"})),
            &[],
        )
        .await;
    let error = demote.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["code"], "last_admin");
    let disable = server.send(Method::DELETE, &admin_path, None, &[]).await;
    disable.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // Listing pages in e-mail order and never shows a hash.
    for n in 0..3 {
        let created = server
            .post("/api/v1/users", &json!({"email": format!("u{n}@shop.example"), "password": "a fine long passphrase", "role": "viewer"}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    let page = server.get("/api/v1/users?limit=2").await;
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = page.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let next = server
        .get(&format!("/api/v1/users?limit=10&cursor={cursor}"))
        .await;
    let emails: Vec<&str> = next.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails, ["u1@shop.example", "u2@shop.example"]);
    assert!(!page.text.contains("argon2") && !next.text.contains("password"));
    server.stop().await;
}

#[actix_web::test]
async fn api_tokens_are_shown_once_scoped_expiring_and_revocable() {
    let server = TestServer::start().await;
    let created = server
        .post(
            "/api/v1/tokens",
            &json!({"name": "preview", "role": "viewer", "content_types": ["faq"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let secret = created.body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("hrld_") && secret.len() > 40);
    assert_eq!(created.body["prefix"].as_str(), Some(&secret[..9]));
    let id = created.body["id"].as_str().expect("id").to_owned();

    let listed = server.get("/api/v1/tokens").await;
    assert!(!listed.text.contains(&secret), "the secret is never listed");
    assert_eq!(listed.body["items"][0]["name"], "preview");

    let faq = with_token(&server, Method::GET, "/api/v1/entries/faq", &secret).await;
    assert_eq!(faq.status, StatusCode::OK, "{}", faq.text);
    with_token(
        &server,
        Method::GET,
        "/api/v1/entries/promo_banner",
        &secret,
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let types = with_token(&server, Method::GET, "/api/v1/content-types", &secret).await;
    let names: Vec<&str> = types.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["faq"], "a scoped token sees only its types");
    let write = server
        .send(
            Method::POST,
            "/api/v1/entries/faq",
            Some(&json!({"fields": {"question": "Q?", "answer": "A."}})),
            &[("authorization", &format!("Bearer {secret}"))],
        )
        .await;
    write.assert_error(StatusCode::FORBIDDEN, "forbidden");

    let revoked = server
        .send(Method::DELETE, &format!("/api/v1/tokens/{id}"), None, &[])
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert!(revoked.body["revoked_at"].is_string());
    with_token(&server, Method::GET, "/api/v1/entries/faq", &secret)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    let past = server
        .post(
            "/api/v1/tokens",
            &json!({"name": "old", "role": "viewer", "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    past.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let soon = chrono::Utc::now() + chrono::TimeDelta::seconds(3);
    let expiring = server
        .post(
            "/api/v1/tokens",
            &json!({"name": "short", "role": "viewer", "expires_at": soon.to_rfc3339()}),
        )
        .await;
    assert_eq!(expiring.status, StatusCode::CREATED, "{}", expiring.text);
    let short = expiring.body["secret"].as_str().expect("secret").to_owned();
    assert_eq!(
        with_token(&server, Method::GET, "/api/v1/me", &short)
            .await
            .status,
        StatusCode::OK
    );
    // Just past its expiry, though the check above is trusted for `recheck_seconds` (5 s):
    // an API token has no clock-skew tolerance, and no remembered check outlives it.
    let until_expiry = (soon - chrono::Utc::now()).to_std().unwrap_or_default();
    assert!(
        until_expiry < Duration::from_secs(5),
        "the token expires within the recheck time"
    );
    actix_web::rt::time::sleep(until_expiry + Duration::from_millis(300)).await;
    with_token(&server, Method::GET, "/api/v1/me", &short)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    server.stop().await;
}

#[actix_web::test]
async fn every_security_and_content_action_is_audited_without_secrets() {
    let server = TestServer::start().await;
    login_raw(&server, ADMIN_EMAIL, "a wrong password here").await;
    let user = server
        .post("/api/v1/users", &json!({"email": "aud@shop.example", "password": "a fine long passphrase", "role": "editor"}))
        .await;
    let user_id = user.body["id"].as_str().expect("id").to_owned();
    server
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{user_id}"),
            Some(&json!({"role": "publisher"})),
            &[],
        )
        .await;
    let token = server
        .post("/api/v1/tokens", &json!({"name": "ci", "role": "editor"}))
        .await;
    let secret = token.body["secret"].as_str().expect("secret").to_owned();
    let token_id = token.body["id"].as_str().expect("id").to_owned();
    server
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{token_id}"),
            None,
            &[],
        )
        .await;
    let entry = server
        .create(
            "faq",
            &json!({"fields": {"question": "Shipping?", "answer": "Free above 50 euros."}}),
        )
        .await;
    let path = format!("/api/v1/entries/faq/{}", entry["id"].as_str().expect("id"));
    let patched = server
        .patch(
            &path,
            1,
            &json!({"fields": {"answer": "Free above 40 euros."}}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    server
        .send(
            Method::POST,
            &format!("{path}/revisions/1/restore"),
            None,
            &[],
        )
        .await;
    server.send(Method::DELETE, &path, None, &[]).await;
    let uploaded = crate::assets::upload(
        &server,
        crate::assets::png(4, 4, 200),
        "logo.png",
        "image/png",
        None,
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text);
    let asset_path = format!(
        "/api/v1/assets/{}",
        uploaded.body["id"].as_str().expect("an asset id")
    );
    let deleted = server.send(Method::DELETE, &asset_path, None, &[]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let rebuild = server
        .send(Method::POST, "/api/v1/publish/rebuild", None, &[])
        .await;
    assert_eq!(rebuild.status, StatusCode::ACCEPTED, "{}", rebuild.text);
    let job_id = rebuild.body["id"].as_i64().expect("a job id");
    // A spent refresh token coming back.
    let stolen = login_raw(&server, "aud@shop.example", "a fine long passphrase").await;
    let spent = stolen.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let rotated = refresh(&server, &spent).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let rotated = rotated.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    refresh(&server, &spent)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let session = login_raw(&server, "aud@shop.example", "a fine long passphrase").await;
    let access = session.body["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    with_token(&server, Method::POST, "/api/v1/auth/logout", &access).await;

    let log = server.get("/api/v1/audit?limit=200").await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let actions: Vec<&str> = log.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    for expected in [
        "user.create",
        "auth.login",
        "auth.login_failed",
        "user.update",
        "token.create",
        "token.revoke",
        "entry.create",
        "entry.update",
        "entry.restore",
        "entry.archive",
        "asset.upload",
        "asset.delete",
        "publish.rebuild",
        "auth.refresh_reused",
        "auth.logout",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let first = &log.body["items"][0];
    assert_eq!(first["action"], "auth.logout", "newest first");
    assert_eq!(first["actor_label"], "aud@shop.example");
    assert_eq!(first["ip"], "127.0.0.1");
    for secret in [
        secret.as_str(),
        ADMIN_PASSWORD,
        "a fine long passphrase",
        "a wrong password here",
        access.as_str(),
        spent.as_str(),
        rotated.as_str(),
    ] {
        assert!(!log.text.contains(secret), "the audit log holds a secret");
    }
    let row = |action: &str| {
        log.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|r| r["action"] == action))
            .cloned()
            .unwrap_or_default()
    };
    let reused = row("auth.refresh_reused");
    assert_eq!(reused["target_type"], "session");
    assert_eq!(reused["details"]["effect"], "session revoked");
    assert_eq!(reused["actor_id"], user_id.as_str());
    let upload = row("asset.upload");
    assert_eq!(upload["target_id"], uploaded.body["id"]);
    assert_eq!(upload["actor_label"], ADMIN_EMAIL);
    assert_eq!(row("asset.delete")["target_id"], uploaded.body["id"]);
    let rebuilt = row("publish.rebuild");
    assert_eq!(rebuilt["target_type"], "job");
    assert_eq!(rebuilt["target_id"], job_id.to_string());
    assert_eq!(rebuilt["actor_label"], ADMIN_EMAIL);
    assert_eq!(rebuilt["ip"], "127.0.0.1");
    assert_eq!(rebuilt["details"], json!({"type": null}));

    // Filters and paging.
    let failed = server.get("/api/v1/audit?action=auth.login_failed").await;
    assert_eq!(failed.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(failed.body["items"][0]["target_id"], ADMIN_EMAIL);
    let entries = server
        .get(&format!(
            "/api/v1/audit?target_type=entry&target_id={}",
            entry["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(entries.body["items"].as_array().map(Vec::len), Some(4));
    let prefix = server.get("/api/v1/audit?action=entry.&limit=3").await;
    assert_eq!(prefix.body["items"].as_array().map(Vec::len), Some(3));
    let cursor = prefix.body["next_cursor"]
        .as_str()
        .expect("more")
        .to_owned();
    let rest = server
        .get(&format!("/api/v1/audit?action=entry.&cursor={cursor}"))
        .await;
    assert_eq!(rest.body["items"].as_array().map(Vec::len), Some(1));
    server
        .get("/api/v1/audit?since=yesterday")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    server
        .get("/api/v1/audit?cursor=abc")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    server.stop().await;
}

#[actix_web::test]
async fn the_audit_log_is_append_only_in_the_database() {
    use sea_orm::ConnectionTrait;
    let server = TestServer::start().await;
    let db = sea_orm::Database::connect(server.database_url.as_str())
        .await
        .expect("a direct connection");
    let mut refused_statements = vec![
        "UPDATE audit_log SET action = 'nothing'",
        "DELETE FROM audit_log",
    ];
    // TRUNCATE fires no row trigger (SQLite has no TRUNCATE).
    if crate::support::postgres() {
        refused_statements.push("TRUNCATE audit_log");
    }
    for sql in refused_statements {
        let refused = db.execute_unprepared(sql).await;
        assert!(refused.is_err(), "{sql} must be refused");
    }
    let rows = server.get("/api/v1/audit").await;
    assert!(
        rows.body["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty())
    );
    db.close().await.ok();
    server.stop().await;
}
