//! What checking a request's credentials costs (issue target: under 20 µs per request).
//!
//! Run: `cargo bench -p herald-auth --bench verify`.
//!
//! - `jwt verify`: signature and claims of an access token (HS256), nothing else.
//! - `authenticate (warm)`: what the guard does on a request: verify the JWT, then find the
//!   session and user in the few-seconds cache (the steady state of a busy client).
//! - `authenticate api token (warm)`: the same for an `hrld_…` API token (a SHA-256 and the
//!   cache).
//! - `authenticate (cold)`: with the cache off, so the user and the session are read from
//!   SQLite every time; for comparison only.

// As in the `herald` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use herald_auth::jwt::Keys;
use herald_auth::{Auth, AuthConfig, NewToken, NewUserRequest, Role};
use herald_store::{Actor, Store};

const SECRET: &[u8] = b"a-benchmark-signing-secret-32-bytes-long";
const PASSWORD: &str = "a long enough passphrase";

struct Fixture {
    _dir: tempfile::TempDir,
    auth: Auth,
    access: String,
    api_token: String,
}

async fn fixture(recheck_after: Duration) -> Fixture {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let store = Store::connect(&url).await.expect("a database");
    let config = AuthConfig {
        recheck_after,
        ..AuthConfig::default()
    };
    let auth = Auth::new(store, Keys::new(SECRET, &[]).expect("keys"), config).expect("auth");
    let actor = Actor::system();
    auth.create_user(
        NewUserRequest {
            email: "bench@shop.example".into(),
            password: PASSWORD.into(),
            role: Role::Editor,
            content_types: None,
        },
        &actor,
    )
    .await
    .expect("a user");
    let session = auth
        .login("bench@shop.example", PASSWORD.into(), Some("127.0.0.1"))
        .await
        .expect("a session");
    let (_, api_token) = auth
        .create_token(
            NewToken {
                name: "bench".into(),
                role: Role::Viewer,
                content_types: None,
                expires_at: None,
            },
            &actor,
        )
        .await
        .expect("a token");
    Fixture {
        _dir: dir,
        auth,
        access: session.access_token,
        api_token,
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // As long as the server allows (one access-token lifetime): the cache never expires
    // during a run, so the warm figures are the cache's alone.
    let warm = runtime.block_on(fixture(AuthConfig::default().access_ttl));
    let cold = runtime.block_on(fixture(Duration::ZERO));

    c.bench_function("jwt verify", |b| {
        b.iter(|| {
            warm.auth
                .keys()
                .verify(black_box(&warm.access))
                .expect("valid")
        })
    });
    c.bench_function("authenticate (warm)", |b| {
        b.iter(|| {
            runtime
                .block_on(warm.auth.authenticate(black_box(&warm.access)))
                .expect("valid")
        })
    });
    c.bench_function("authenticate api token (warm)", |b| {
        b.iter(|| {
            runtime
                .block_on(warm.auth.authenticate(black_box(&warm.api_token)))
                .expect("valid")
        })
    });
    c.bench_function("authenticate (cold)", |b| {
        b.iter(|| {
            runtime
                .block_on(cold.auth.authenticate(black_box(&cold.access)))
                .expect("valid")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
