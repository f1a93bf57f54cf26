//! `herald::settings`: flags over environment over `herald.toml` over defaults, and the checks
//! on each value. The environment is injected (`Settings::load_from`), so these tests neither
//! read nor change the process environment.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{CommandFactory, Parser};
use herald::settings::{
    Bucket, DatabaseKind, DatabaseUrl, Locales, LogFormat, Origin, Secret, ServeArgs, Settings,
    SettingsError,
};
use tempfile::TempDir;

/// `herald serve`'s options as clap parses them.
#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

fn args(argv: &[&str]) -> ServeArgs {
    let mut full = vec!["herald"];
    full.extend_from_slice(argv);
    Cli::try_parse_from(full).expect("valid arguments").serve
}

/// An environment holding exactly `vars`.
fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name: &str| vars.get(name).cloned()
}

fn no_env() -> impl Fn(&str) -> Option<String> {
    env(&[])
}

/// A temporary folder with `herald.toml` holding `text`.
fn config(text: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("herald.toml");
    fs::write(&path, text).expect("writing herald.toml");
    (dir, path)
}

fn load_with_config(text: &str) -> Result<Settings, SettingsError> {
    let (_dir, path) = config(text);
    let argv = ["--config", path.to_str().expect("UTF-8 temp path")];
    Settings::load_from(&args(&argv), no_env())
}

fn error_with_config(text: &str) -> String {
    let error = load_with_config(text).expect_err("the file should be refused");
    let line = error.to_string();
    assert!(!line.contains('\n'), "error is not one line: {line}");
    line
}

const FULL_FILE: &str = r#"
listen = "0.0.0.0:9000"
data_dir = "/srv/herald"
database = "postgres://herald@db.internal/herald"
bucket = "s3://shop-content/cms"
schemas = "/etc/herald/schemas"

[content]
locales = ["en", "fr", "fr-BE"]
fallbacks = { "fr-BE" = "fr" }

[limits]
max_body_bytes = 10485760
max_list_limit = 50

[shutdown]
grace_seconds = 5

[log]
format = "json"
level = "warn,herald=debug"

[publish]
purge_url = "https://cdn.example.com/purge"
purge_secret = "purge-signing-key"

[[publish.webhooks]]
url = "https://hooks.example.com/herald"
secret = "hook-one-secret"

[[publish.webhooks]]
url = "http://storefront.internal/rebuild"
secret = "hook-two-secret"
"#;

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

#[test]
fn defaults_without_flags_env_or_file() {
    // Tests run in crates/herald, which has no herald.toml.
    assert!(!Path::new("herald.toml").exists());
    let settings = Settings::load_from(&ServeArgs::default(), no_env()).expect("defaults load");

    assert_eq!(settings.config_file, None);
    assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(settings.data_dir, PathBuf::from("data"));
    assert_eq!(settings.database.as_str(), "sqlite://data/herald.db");
    assert_eq!(settings.database.kind(), DatabaseKind::Sqlite);
    assert_eq!(
        settings.database.sqlite_path(),
        Some(PathBuf::from("data/herald.db"))
    );
    assert_eq!(
        settings.bucket,
        Bucket::Folder(PathBuf::from("data/public"))
    );
    assert_eq!(settings.schemas, PathBuf::from("schemas"));
    assert_eq!(settings.locales.all, ["en"]);
    assert_eq!(settings.locales.default, "en");
    assert!(settings.locales.fallbacks.is_empty());
    assert_eq!(settings.limits.max_body_bytes, 1_048_576);
    assert_eq!(settings.limits.max_list_limit, 200);
    assert_eq!(settings.shutdown.grace, Duration::from_secs(30));
    assert_eq!(settings.log.format, LogFormat::Text);
    assert_eq!(settings.log.filter, "info");
    assert_eq!(settings.publish.purge_url, None);
    assert_eq!(settings.publish.purge_secret, None);
    assert!(settings.publish.webhooks.is_empty());
    assert_eq!(settings.auth.jwt_secret, None);
    assert_eq!(settings.auth.admin_email, None);
    assert_eq!(settings.auth.admin_password, None);

    let builtin = Settings::defaults();
    assert_eq!(format!("{builtin:?}"), format!("{settings:?}"));
}

#[test]
fn the_file_overrides_defaults() {
    let (_dir, path) = config(FULL_FILE);
    let argv = ["--config", path.to_str().expect("UTF-8")];
    let settings = Settings::load_from(&args(&argv), no_env()).expect("file loads");

    assert_eq!(settings.config_file.as_deref(), Some(path.as_path()));
    assert_eq!(settings.listen.to_string(), "0.0.0.0:9000");
    assert_eq!(settings.data_dir, PathBuf::from("/srv/herald"));
    assert_eq!(
        settings.database.as_str(),
        "postgres://herald@db.internal/herald"
    );
    assert_eq!(settings.database.kind(), DatabaseKind::Postgres);
    assert_eq!(settings.database.sqlite_path(), None);
    match &settings.bucket {
        Bucket::Cloud(url) => assert_eq!(url.as_str(), "s3://shop-content/cms"),
        other => panic!("expected a cloud bucket, got {other:?}"),
    }
    assert_eq!(settings.schemas, PathBuf::from("/etc/herald/schemas"));
    assert_eq!(settings.locales.all, ["en", "fr", "fr-BE"]);
    assert_eq!(settings.locales.default, "en");
    assert_eq!(
        settings.locales.fallbacks.get("fr-BE").map(String::as_str),
        Some("fr")
    );
    assert_eq!(settings.limits.max_body_bytes, 10_485_760);
    assert_eq!(settings.limits.max_list_limit, 50);
    assert_eq!(settings.shutdown.grace, Duration::from_secs(5));
    assert_eq!(settings.log.format, LogFormat::Json);
    assert_eq!(settings.log.filter, "warn,herald=debug");
    assert_eq!(
        settings.publish.purge_url.as_ref().map(|u| u.as_str()),
        Some("https://cdn.example.com/purge")
    );
    assert_eq!(
        settings.publish.purge_secret.as_ref().map(Secret::expose),
        Some("purge-signing-key")
    );
    let hooks: Vec<(&str, &str)> = settings
        .publish
        .webhooks
        .iter()
        .map(|h| (h.url.as_str(), h.secret.expose()))
        .collect();
    assert_eq!(
        hooks,
        [
            ("https://hooks.example.com/herald", "hook-one-secret"),
            ("http://storefront.internal/rebuild", "hook-two-secret"),
        ]
    );
}

#[test]
fn an_empty_file_gives_the_defaults() {
    let settings = load_with_config("# nothing set\n").expect("empty file loads");
    assert!(settings.config_file.is_some());
    assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(settings.locales, Locales::default());
}

#[test]
fn env_overrides_the_file() {
    let (_dir, path) = config(FULL_FILE);
    let settings = Settings::load_from(
        &ServeArgs::default(),
        env(&[
            ("HERALD_CONFIG", path.to_str().expect("UTF-8")),
            ("HERALD_LISTEN", "127.0.0.1:7000"),
            ("HERALD_DATA_DIR", "/var/lib/herald"),
            ("HERALD_DATABASE_URL", "sqlite:///var/lib/herald/main.db"),
            ("HERALD_BUCKET", "gs://shop-public"),
            ("HERALD_SCHEMAS", "content-types"),
            ("RUST_LOG", "debug"),
        ]),
    )
    .expect("loads");

    assert_eq!(settings.config_file.as_deref(), Some(path.as_path()));
    assert_eq!(settings.listen.to_string(), "127.0.0.1:7000");
    assert_eq!(settings.data_dir, PathBuf::from("/var/lib/herald"));
    assert_eq!(
        settings.database.as_str(),
        "sqlite:///var/lib/herald/main.db"
    );
    assert_eq!(
        settings.database.sqlite_path(),
        Some(PathBuf::from("/var/lib/herald/main.db"))
    );
    assert!(matches!(&settings.bucket, Bucket::Cloud(url) if url.as_str() == "gs://shop-public"));
    assert_eq!(settings.schemas, PathBuf::from("content-types"));
    // RUST_LOG replaces [log] level; the format stays the file's.
    assert_eq!(settings.log.filter, "debug");
    assert_eq!(settings.log.format, LogFormat::Json);
    // Keys without an environment variable still come from the file.
    assert_eq!(settings.limits.max_list_limit, 50);
}

#[test]
fn flags_override_env() {
    let (_dir, path) = config(FULL_FILE);
    let (_other, other_path) = config("listen = \"127.0.0.1:1\"\n");
    let argv = [
        "--config",
        path.to_str().expect("UTF-8"),
        "--listen",
        "[::1]:8443",
        "--data-dir",
        "flag-data",
        "--database",
        "sqlite://flag.db",
        "--bucket",
        "flag-bucket",
        "--schemas",
        "flag-schemas",
    ];
    let settings = Settings::load_from(
        &args(&argv),
        env(&[
            ("HERALD_CONFIG", other_path.to_str().expect("UTF-8")),
            ("HERALD_LISTEN", "127.0.0.1:7000"),
            ("HERALD_DATA_DIR", "env-data"),
            ("HERALD_DATABASE_URL", "sqlite://env.db"),
            ("HERALD_BUCKET", "env-bucket"),
            ("HERALD_SCHEMAS", "env-schemas"),
        ]),
    )
    .expect("loads");

    assert_eq!(settings.config_file.as_deref(), Some(path.as_path()));
    assert_eq!(settings.listen.to_string(), "[::1]:8443");
    assert_eq!(settings.data_dir, PathBuf::from("flag-data"));
    assert_eq!(settings.database.as_str(), "sqlite://flag.db");
    assert_eq!(
        settings.bucket,
        Bucket::Folder(PathBuf::from("flag-bucket"))
    );
    assert_eq!(settings.schemas, PathBuf::from("flag-schemas"));
}

#[test]
fn an_empty_variable_counts_as_unset() {
    let settings = Settings::load_from(
        &ServeArgs::default(),
        env(&[("HERALD_LISTEN", ""), ("HERALD_CONFIG", "")]),
    )
    .expect("loads");
    assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(settings.config_file, None);
}

#[test]
fn an_empty_flag_is_an_error() {
    // clap already refuses `--data-dir ""`; a caller building the arguments itself is checked too.
    assert!(Cli::try_parse_from(["herald", "--data-dir", ""]).is_err());
    let empty = ServeArgs {
        data_dir: Some(PathBuf::new()),
        ..ServeArgs::default()
    };
    let error = Settings::load_from(&empty, no_env())
        .expect_err("empty data dir")
        .to_string();
    assert_eq!(error, "--data-dir: must not be empty");
    let line = error_with_config("schemas = \"\"\n");
    assert!(
        line.ends_with("herald.toml: schemas: must not be empty"),
        "{line}"
    );
}

// ---------------------------------------------------------------------------------------------
// Derived defaults
// ---------------------------------------------------------------------------------------------

#[test]
fn database_and_bucket_follow_the_data_dir() {
    let settings =
        Settings::load_from(&args(&["--data-dir", "/srv/herald"]), no_env()).expect("loads");
    assert_eq!(settings.database.as_str(), "sqlite:///srv/herald/herald.db");
    assert_eq!(
        settings.database.sqlite_path(),
        Some(PathBuf::from("/srv/herald/herald.db"))
    );
    assert_eq!(
        settings.bucket,
        Bucket::Folder(PathBuf::from("/srv/herald/public"))
    );

    // Also when the data dir comes from the environment or the file.
    let settings = Settings::load_from(&ServeArgs::default(), env(&[("HERALD_DATA_DIR", "state")]))
        .expect("loads");
    assert_eq!(settings.database.as_str(), "sqlite://state/herald.db");
    assert_eq!(
        settings.bucket,
        Bucket::Folder(PathBuf::from("state/public"))
    );

    let settings = load_with_config("data_dir = \"var\"\n").expect("loads");
    assert_eq!(settings.database.as_str(), "sqlite://var/herald.db");
    assert_eq!(settings.bucket, Bucket::Folder(PathBuf::from("var/public")));
}

#[test]
fn an_explicit_database_or_bucket_does_not_follow_the_data_dir() {
    let settings = Settings::load_from(
        &args(&["--data-dir", "/srv/herald"]),
        env(&[
            ("HERALD_DATABASE_URL", "postgres://app@pg/herald"),
            ("HERALD_BUCKET", "az://content/published"),
        ]),
    )
    .expect("loads");
    assert_eq!(settings.database.as_str(), "postgres://app@pg/herald");
    assert!(matches!(settings.bucket, Bucket::Cloud(_)));
    assert_eq!(settings.data_dir, PathBuf::from("/srv/herald"));
}

// ---------------------------------------------------------------------------------------------
// The settings file
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unknown_key_names_the_key_and_the_file() {
    let (_dir, path) = config("listen = \"127.0.0.1:8080\"\nlsten = \"0.0.0.0:80\"\n");
    let argv = ["--config", path.to_str().expect("UTF-8")];
    let error = Settings::load_from(&args(&argv), no_env()).expect_err("unknown key");
    let line = error.to_string();
    assert!(line.contains("lsten"), "{line}");
    assert!(line.contains(&path.display().to_string()), "{line}");
    assert!(line.contains(":2:"), "names the line: {line}");
    assert!(line.contains("unknown key"), "{line}");
    assert!(!line.contains('\n'), "{line}");

    let line = error_with_config("[content]\nlocals = [\"en\"]\n");
    assert!(line.contains("locals"), "{line}");
    assert!(line.contains("locales"), "suggests the known keys: {line}");

    let line = error_with_config("[limits]\nmax_body = 5\n");
    assert!(line.contains("max_body"), "{line}");

    let line = error_with_config(
        "[[publish.webhooks]]\nurl = \"https://x.example\"\nsecret = \"s\"\nsigned = true\n",
    );
    assert!(line.contains("signed"), "{line}");

    // A table where a value is expected: the line points at it.
    let line = error_with_config("[database]\nurl = \"sqlite://x.db\"\n");
    assert!(line.contains("herald.toml:1:"), "{line}");
}

#[test]
fn a_value_of_the_wrong_type_is_an_error() {
    let line = error_with_config("[limits]\nmax_body_bytes = \"1MB\"\n");
    assert!(line.contains("herald.toml:2:"), "{line}");

    let line = error_with_config("[log]\nformat = \"yaml\"\n");
    assert!(line.contains("yaml"), "{line}");

    let line = error_with_config("[shutdown]\ngrace_seconds = -1\n");
    assert!(line.contains("herald.toml:2:"), "{line}");

    let line = error_with_config("listen = \n");
    assert!(line.contains("herald.toml:1:"), "{line}");
}

#[test]
fn a_missing_explicit_config_file_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("prod.toml");
    let shown = missing.display().to_string();

    let error =
        Settings::load_from(&args(&["--config", &shown]), no_env()).expect_err("missing --config");
    assert!(matches!(
        &error,
        SettingsError::ConfigNotFound {
            origin: Origin::Flag("--config"),
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        format!("config file {shown} not found (given by --config)")
    );

    let error = Settings::load_from(&ServeArgs::default(), env(&[("HERALD_CONFIG", &shown)]))
        .expect_err("missing HERALD_CONFIG");
    assert_eq!(
        error.to_string(),
        format!("config file {shown} not found (given by HERALD_CONFIG)")
    );
}

#[test]
fn limits_are_checked() {
    let line = error_with_config("[limits]\nmax_body_bytes = 100\n");
    assert!(
        line.ends_with("herald.toml: limits.max_body_bytes = 100: must be at least 1024"),
        "{line}"
    );
    load_with_config("[limits]\nmax_body_bytes = 1024\n").expect("the minimum is accepted");

    let line = error_with_config("[limits]\nmax_list_limit = 0\n");
    assert!(line.contains("limits.max_list_limit = 0"), "{line}");

    let settings = load_with_config("[shutdown]\ngrace_seconds = 0\n").expect("no grace");
    assert_eq!(settings.shutdown.grace, Duration::ZERO);
}

/// A check trusted longer than an access token lives would let another instance honour a
/// disabled user, an ended session or a revoked token past one token's lifetime.
#[test]
fn recheck_seconds_is_at_most_one_access_token_lifetime() {
    let line = error_with_config("[auth]\naccess_token_minutes = 1\nrecheck_seconds = 61\n");
    assert!(
        line.ends_with(
            "herald.toml: auth.recheck_seconds = 61: must be at most the access-token \
             lifetime (60 s, auth.access_token_minutes)"
        ),
        "{line}"
    );
    let line = error_with_config("[auth]\nrecheck_seconds = 901\n");
    assert!(line.contains("auth.recheck_seconds = 901"), "{line}");
    let settings = load_with_config("[auth]\naccess_token_minutes = 1\nrecheck_seconds = 60\n")
        .expect("one lifetime is accepted");
    assert_eq!(settings.auth.recheck_after, Duration::from_secs(60));
}

#[test]
fn the_maximum_session_age_is_in_days_and_positive() {
    let settings = Settings::load_from(&args(&[]), no_env()).expect("defaults");
    assert_eq!(
        settings.auth.max_session_age,
        Duration::from_secs(30 * 24 * 3600)
    );
    let settings = load_with_config("[auth]\nmax_session_days = 7\n").expect("7 days");
    assert_eq!(
        settings.auth.max_session_age,
        Duration::from_secs(7 * 24 * 3600)
    );
    let line = error_with_config("[auth]\nmax_session_days = 0\n");
    assert!(
        line.ends_with("auth.max_session_days = 0: must be at least 1"),
        "{line}"
    );
}

#[test]
fn log_level_is_checked_and_rust_log_wins() {
    let line = error_with_config("[log]\nlevel = \"verbose\"\n");
    assert!(line.contains("log.level = \"verbose\""), "{line}");

    for level in [
        "debug",
        "WARN",
        "info,herald=debug",
        "herald_store=trace,off",
    ] {
        let settings =
            load_with_config(&format!("[log]\nlevel = {level:?}\n")).expect("valid level");
        assert_eq!(settings.log.filter, level);
    }

    let (_dir, path) = config("[log]\nlevel = \"warn\"\n");
    let settings = Settings::load_from(
        &args(&["--config", path.to_str().expect("UTF-8")]),
        env(&[("RUST_LOG", "herald=trace")]),
    )
    .expect("loads");
    assert_eq!(settings.log.filter, "herald=trace");
}

#[test]
fn publish_urls_are_checked() {
    let line = error_with_config("[publish]\npurge_url = \"not a url\"\n");
    assert!(line.contains("publish.purge_url"), "{line}");

    let line = error_with_config("[publish]\npurge_url = \"ftp://cdn.example.com/purge\"\n");
    assert!(line.contains("http"), "{line}");

    let line = error_with_config(
        "[[publish.webhooks]]\nurl = \"https://a.example\"\nsecret = \"s\"\n\
         [[publish.webhooks]]\nurl = \"mailto:ops@example.com\"\nsecret = \"s\"\n",
    );
    assert!(line.contains("publish.webhooks[1].url"), "{line}");

    let line =
        error_with_config("[[publish.webhooks]]\nurl = \"https://a.example\"\nsecret = \"\"\n");
    assert!(
        line.contains("publish.webhooks[0].secret: must not be empty"),
        "{line}"
    );

    let line = error_with_config("[[publish.webhooks]]\nurl = \"https://a.example\"\n");
    assert!(line.contains("secret"), "a webhook needs a secret: {line}");
}

// ---------------------------------------------------------------------------------------------
// Values from each source are checked and the source is named
// ---------------------------------------------------------------------------------------------

#[test]
fn a_bad_listen_address_names_its_source() {
    let error = Settings::load_from(&args(&["--listen", "localhost"]), no_env())
        .expect_err("bad flag")
        .to_string();
    assert!(
        error.starts_with("--listen \"localhost\": expected"),
        "{error}"
    );

    let error = Settings::load_from(&ServeArgs::default(), env(&[("HERALD_LISTEN", "8080")]))
        .expect_err("bad env")
        .to_string();
    assert!(
        error.starts_with("HERALD_LISTEN=\"8080\": expected"),
        "{error}"
    );

    let line = error_with_config("listen = \"*:80\"\n");
    assert!(
        line.contains("herald.toml: listen = \"*:80\": expected"),
        "{line}"
    );
}

#[test]
fn database_urls_are_checked() {
    let error = Settings::load_from(
        &ServeArgs::default(),
        env(&[("HERALD_DATABASE_URL", "mysql://root@db/herald")]),
    )
    .expect_err("mysql")
    .to_string();
    assert!(
        error.starts_with("HERALD_DATABASE_URL=\"mysql://root@db/herald\""),
        "{error}"
    );
    assert!(
        error.contains("postgres://"),
        "says what is accepted: {error}"
    );

    for url in [
        "postgresql://u@h/db",
        "sqlite::memory:",
        "sqlite:herald.db?mode=rwc",
    ] {
        let parsed = DatabaseUrl::parse(url).expect("accepted");
        assert_eq!(parsed.as_str(), url);
    }
    assert_eq!(
        DatabaseUrl::parse("sqlite::memory:")
            .expect("ok")
            .sqlite_path(),
        None
    );
    assert_eq!(
        DatabaseUrl::parse("sqlite:herald.db?mode=rwc")
            .expect("ok")
            .sqlite_path(),
        Some(PathBuf::from("herald.db"))
    );
    assert!(DatabaseUrl::parse("sqlite://").is_err());
    assert!(DatabaseUrl::parse("postgres://").is_err());
}

#[test]
fn buckets_are_folders_or_cloud_urls() {
    assert_eq!(
        Bucket::parse("/var/www/cdn").expect("folder"),
        Bucket::Folder(PathBuf::from("/var/www/cdn"))
    );
    assert_eq!(
        Bucket::parse("file:///var/www/cdn").expect("file URL"),
        Bucket::Folder(PathBuf::from("/var/www/cdn"))
    );
    for url in ["s3://b", "s3://b/prefix/", "gs://b/p", "az://container/p"] {
        assert!(matches!(Bucket::parse(url), Ok(Bucket::Cloud(_))), "{url}");
    }
    assert!(Bucket::parse("s3://").is_err());

    let error = Settings::load_from(&args(&["--bucket", "ftp://files/x"]), no_env())
        .expect_err("ftp")
        .to_string();
    assert!(
        error.starts_with("--bucket \"ftp://files/x\": unsupported"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// Locales
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_locales_are_refused() {
    for bad in [
        "EN",
        "english",
        "e",
        "en_US",
        "fr-",
        "fr-B",
        "fr-BELGIUM12",
        "zh-Hans-",
        "",
    ] {
        let line = error_with_config(&format!("[content]\nlocales = [\"en\", {bad:?}]\n"));
        assert!(line.contains("content.locales"), "{bad}: {line}");
        assert!(line.contains(&format!("{bad:?}")), "{bad}: {line}");
    }
    for good in ["de", "fil", "fr-BE", "zh-Hans-CN", "es-419", "en-gb"] {
        load_with_config(&format!("[content]\nlocales = [{good:?}]\n")).expect(good);
    }

    let line = error_with_config("[content]\nlocales = []\n");
    assert!(
        line.contains("content.locales: at least one locale"),
        "{line}"
    );

    let line = error_with_config("[content]\nlocales = [\"en\", \"fr-BE\", \"fr-be\"]\n");
    assert!(line.contains("\"fr-be\" is listed twice"), "{line}");
}

#[test]
fn a_fallback_to_an_unknown_locale_is_refused() {
    let line = error_with_config(
        "[content]\nlocales = [\"en\", \"fr\", \"fr-BE\"]\nfallbacks = { \"fr-BE\" = \"de\" }\n",
    );
    assert!(line.contains("content.fallbacks"), "{line}");
    assert!(line.contains("\"de\" is not in content.locales"), "{line}");

    let line = error_with_config(
        "[content]\nlocales = [\"en\", \"fr\"]\nfallbacks = { \"nl\" = \"en\" }\n",
    );
    assert!(line.contains("\"nl\" is not in content.locales"), "{line}");

    // Fallbacks without locales are checked against the default ["en"].
    let line = error_with_config("[content]\nfallbacks = { \"fr\" = \"en\" }\n");
    assert!(
        line.contains("\"fr\" is not in content.locales (en)"),
        "{line}"
    );
}

#[test]
fn a_fallback_cycle_is_refused() {
    let line = error_with_config(
        "[content]\nlocales = [\"en\", \"fr\", \"fr-BE\"]\n\
         fallbacks = { \"fr-BE\" = \"fr\", \"fr\" = \"fr-BE\" }\n",
    );
    assert!(
        line.contains("content.fallbacks: fallbacks form a cycle"),
        "{line}"
    );
    assert!(line.contains("fr → fr-BE → fr"), "{line}");

    let line =
        error_with_config("[content]\nlocales = [\"en\"]\nfallbacks = { \"en\" = \"en\" }\n");
    assert!(line.contains("cycle: en → en"), "{line}");

    let mut fallbacks = BTreeMap::new();
    for (from, to) in [("aa", "bb"), ("bb", "cc"), ("cc", "aa")] {
        fallbacks.insert(from.to_owned(), to.to_owned());
    }
    let all = ["en", "aa", "bb", "cc"].map(String::from).to_vec();
    let error = Locales::new(all, fallbacks).expect_err("three-locale cycle");
    assert_eq!(error.key, "content.fallbacks");
    assert!(
        error.message.contains("aa → bb → cc → aa"),
        "{}",
        error.message
    );
}

#[test]
fn fallback_chains() {
    let fallbacks: BTreeMap<String, String> = [("fr-BE", "fr"), ("fr", "en"), ("de-CH", "de")]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
    let all = ["en", "fr", "fr-BE", "de", "de-CH", "nl"]
        .map(String::from)
        .to_vec();
    let locales = Locales::new(all, fallbacks).expect("valid");

    assert_eq!(locales.default, "en");
    assert_eq!(locales.fallback_chain("fr-BE"), ["fr-BE", "fr", "en"]);
    assert_eq!(locales.fallback_chain("fr"), ["fr", "en"]);
    assert_eq!(locales.fallback_chain("de-CH"), ["de-CH", "de"]);
    assert_eq!(locales.fallback_chain("nl"), ["nl"]);
    assert_eq!(locales.fallback_chain("en"), ["en"]);
    assert!(locales.fallback_chain("it").is_empty());

    assert!(locales.contains("fr-BE"));
    assert!(!locales.contains("fr-be"));
    assert!(!locales.contains("it"));
    assert_eq!(locales.canonical("fr-be"), Some("fr-BE"));
    assert_eq!(locales.canonical("it"), None);
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

#[test]
fn secrets_are_not_in_debug_output() {
    let (_dir, path) = config(
        r#"
database = "postgres://herald:db-password-123@db.internal/herald"
[publish]
purge_url = "https://cdn-user:purge-url-password@cdn.example.com/purge"
purge_secret = "purge-secret-456"
[[publish.webhooks]]
url = "https://hook-user:hook-url-password@hooks.example.com/x"
secret = "webhook-secret-789"
"#,
    );
    let settings = Settings::load_from(
        &args(&["--config", path.to_str().expect("UTF-8")]),
        env(&[
            ("HERALD_JWT_SECRET", "jwt-secret-abc"),
            ("HERALD_ADMIN_EMAIL", "admin@example.com"),
            ("HERALD_ADMIN_PASSWORD", "admin-password-def"),
        ]),
    )
    .expect("loads");

    let debug = format!("{settings:?} {settings:#?}");
    for secret in [
        "db-password-123",
        "purge-url-password",
        "purge-secret-456",
        "hook-url-password",
        "webhook-secret-789",
        "jwt-secret-abc",
        "admin-password-def",
    ] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(debug.contains("***"));
    assert!(debug.contains("db.internal"), "the rest is shown: {debug}");
    assert!(debug.contains("admin@example.com"));
    assert!(!settings.database.to_string().contains("db-password-123"));

    // The values are still there for the code that needs them.
    assert_eq!(
        settings.database.as_str(),
        "postgres://herald:db-password-123@db.internal/herald"
    );
    assert_eq!(
        settings.auth.jwt_secret.as_ref().map(Secret::expose),
        Some("jwt-secret-abc")
    );
    assert_eq!(
        settings.auth.admin_password.as_ref().map(Secret::expose),
        Some("admin-password-def")
    );
    assert_eq!(
        settings.publish.webhooks[0].secret.expose(),
        "webhook-secret-789"
    );
    assert_eq!(format!("{:?}", Secret::new("x")), "***");

    // Nor in the parsed flags, nor in an error about the database URL.
    let parsed = args(&["--database", "postgres://u:flag-password@h/db"]);
    assert!(!format!("{parsed:?}").contains("flag-password"));
    let error = Settings::load_from(
        &args(&["--database", "mysql://u:flag-password@h/db"]),
        no_env(),
    )
    .expect_err("mysql");
    assert!(!error.to_string().contains("flag-password"), "{error}");
    assert!(!format!("{error:?}").contains("flag-password"), "{error:?}");
}

// ---------------------------------------------------------------------------------------------
// Help
// ---------------------------------------------------------------------------------------------

#[test]
fn help_names_every_flag_its_variable_and_default() {
    let help = Cli::command().render_long_help().to_string();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for (flag, var, default) in [
        ("--listen", "HERALD_LISTEN", "127.0.0.1:8080"),
        ("--data-dir", "HERALD_DATA_DIR", "data"),
        (
            "--database",
            "HERALD_DATABASE_URL",
            "sqlite://<data-dir>/herald.db",
        ),
        ("--bucket", "HERALD_BUCKET", "<data-dir>/public"),
        ("--schemas", "HERALD_SCHEMAS", "schemas"),
        ("--config", "HERALD_CONFIG", "herald.toml if present"),
    ] {
        assert!(help.contains(flag), "{flag} missing: {help}");
        assert!(
            help.contains(&format!("[env: {var}]")),
            "{var} missing: {help}"
        );
        assert!(
            help.contains(&format!("[default: {default}]")),
            "{default} missing: {help}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The operator's guide
// ---------------------------------------------------------------------------------------------

/// The example `herald.toml` in docs/operations.md sets every key and is accepted as written.
#[test]
fn the_example_in_the_operations_guide_loads() {
    let guide = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/operations.md");
    let guide = fs::read_to_string(&guide).expect("reading docs/operations.md");
    let start = guide.find("```toml\n").expect("a ```toml block") + "```toml\n".len();
    let end = start + guide[start..].find("```").expect("the block's end");
    let example = &guide[start..end];

    let settings = load_with_config(example).expect("the example loads");
    assert_eq!(settings.listen.to_string(), "0.0.0.0:8080");
    assert_eq!(settings.database.kind(), DatabaseKind::Postgres);
    assert!(matches!(settings.bucket, Bucket::Cloud(_)));
    assert_eq!(settings.locales.fallback_chain("fr-BE"), ["fr-BE", "fr"]);
    assert_eq!(settings.limits.max_body_bytes, 10_485_760);
    assert_eq!(settings.shutdown.grace, Duration::from_secs(20));
    assert_eq!(settings.log.format, LogFormat::Json);
    assert!(settings.publish.purge_url.is_some());
    assert!(settings.publish.purge_secret.is_some());
    assert_eq!(settings.publish.webhooks.len(), 2);

    // Every key of the file is in the example.
    for key in [
        "listen =",
        "data_dir =",
        "database =",
        "bucket =",
        "schemas =",
        "[content]",
        "locales =",
        "fallbacks =",
        "[limits]",
        "max_body_bytes =",
        "max_list_limit =",
        "[shutdown]",
        "grace_seconds =",
        "[log]",
        "format =",
        "level =",
        "[publish]",
        "purge_url =",
        "purge_secret =",
        "[[publish.webhooks]]",
        "url =",
        "secret =",
    ] {
        assert!(example.contains(key), "the example lacks {key}");
    }
}

#[test]
fn the_private_asset_store_never_lies_in_the_public_bucket() {
    for store in [
        "data/public",
        "./data/./public",
        "data/public/private",
        "data/other/../public/x",
        "data",
    ] {
        let message = error_with_config(&format!("[assets]\nstore = {store:?}\n"));
        assert!(
            message.contains("assets.store") && message.contains("private until published"),
            "{store}: {message}"
        );
    }
    // Beside the bucket is fine.
    let settings = load_with_config("[assets]\nstore = \"data/private\"\n").expect("accepted");
    assert_eq!(settings.assets.store, Bucket::Folder("data/private".into()));

    let cloud = |bucket: &str, store: &str| {
        let (_dir, path) = config(&format!("[assets]\nstore = {store:?}\n"));
        let argv = [
            "--config",
            path.to_str().expect("UTF-8 temp path"),
            "--bucket",
            bucket,
        ];
        Settings::load_from(&args(&argv), no_env())
    };
    assert!(cloud("s3://shop/cdn", "s3://shop").is_err());
    assert!(cloud("s3://shop", "s3://shop/private").is_err());
    assert!(cloud("s3://shop/cdn", "s3://shop/private").is_ok());
    assert!(cloud("s3://shop", "s3://shop-private").is_ok());

    // The default store, `<data-dir>/assets`, inside a bucket that is the data folder itself.
    let error = Settings::load_from(&args(&["--bucket", "data"]), no_env())
        .expect_err("refused")
        .to_string();
    assert!(error.contains("would contain the private store"), "{error}");
}
