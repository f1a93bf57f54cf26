//! `herald import`, `herald export`, `herald schema check --database` and the refusal of
//! `herald serve` to start on a breaking schema change, run as the real binary.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use serde_json::{Value, json};

use common::{
    Database, Server, bare_herald as herald, finished, run, schema_folder, schemas, test_database,
};

const ID: &str = "0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11";

/// An export of one promo banner with two versions; its headline is 70 characters.
fn export_lines() -> Vec<Value> {
    let headline = "x".repeat(70);
    let entry = |discount: i64| json!({"headline": headline, "discount": discount, "cta_label": "Shop now", "channel": "web"});
    vec![
        json!({"kind": "entry", "id": ID, "type": "promo_banner", "locale": "en", "slug": "long-banner",
               "status": "draft", "version": 2, "fields": entry(20),
               "created_at": "2026-11-20T10:00:00Z", "created_by": "ana",
               "updated_at": "2026-11-21T09:30:00.250Z", "updated_by": "bo",
               "published_version": null, "publish_at": null, "unpublish_at": null}),
        json!({"kind": "revision", "entry_id": ID, "version": 1, "slug": "long-banner", "status": "draft",
               "fields": entry(10), "author": "ana", "created_at": "2026-11-20T10:00:00Z"}),
        json!({"kind": "revision", "entry_id": ID, "version": 2, "slug": "long-banner", "status": "draft",
               "fields": entry(20), "author": "bo", "created_at": "2026-11-21T09:30:00.250Z"}),
    ]
}

fn jsonl(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn parse_jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn import_then_export_gives_the_same_content() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().to_str().expect("utf-8 path");
    let schemas = schemas();
    let schemas = schemas.to_str().expect("utf-8 path");
    let input = export_lines();

    let imported = run(
        &mut herald(&["import", "--data-dir", data, "--schemas", schemas]),
        &jsonl(&input),
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&imported.stdout),
        "imported 1 entries and 2 revisions\n"
    );

    let exported = run(
        &mut herald(&["export", "--data-dir", data, "--schemas", schemas]),
        "",
    );
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let output = parse_jsonl(&String::from_utf8_lossy(&exported.stdout));
    let normalize = |mut v: Value| {
        for key in ["created_at", "updated_at"] {
            if let Some(t) = v.get(key).and_then(Value::as_str) {
                let t = chrono_like(t);
                v[key] = json!(t);
            }
        }
        v
    };
    assert_eq!(
        output.into_iter().map(normalize).collect::<Vec<_>>(),
        input.into_iter().map(normalize).collect::<Vec<_>>()
    );

    // Importing the same content again is refused as a whole.
    let again = run(
        &mut herald(&["import", "--data-dir", data, "--schemas", schemas]),
        &jsonl(&export_lines()),
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

/// A type with a `unique` text field without a length limit, for values longer than the
/// stored key of a unique value (512 bytes; PostgreSQL's column holds 512 characters).
const VOUCHER: &str = r#"{"name": "voucher", "label": "Voucher", "localized": true, "title_field": "title",
  "workflow": {"review": false, "four_eyes": false},
  "fields": [{"name": "title", "type": "text", "required": true},
             {"name": "code", "type": "text", "required": true, "unique": true},
             {"name": "terms", "type": "markdown"}]}"#;

/// Issue 3: `herald export` from SQLite, `herald import` into PostgreSQL, export again, import
/// into a new SQLite file, export again: the three exports are the same bytes. The content is
/// made by a real server: several types and locales, edits, a restore, a publication, an
/// archived entry, one in review, and a unique value longer than its stored key. Needs
/// `HERALD_TEST_POSTGRES_URL` (`.ci/run` sets it); skipped without.
#[actix_web::test]
async fn round_trip_through_postgres_gives_identical_exports() {
    let Ok(admin_url) = std::env::var("HERALD_TEST_POSTGRES_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the SQLite → PostgreSQL → SQLite round trip needs HERALD_TEST_POSTGRES_URL"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let schema_dir = dir.path().join("schemas");
    fs::create_dir_all(&schema_dir).expect("a folder");
    for file in fs::read_dir(schemas()).expect("schemas") {
        let file = file.expect("a file").path();
        if file.extension().is_some_and(|e| e == "json") {
            fs::copy(&file, schema_dir.join(file.file_name().expect("a name"))).expect("copy");
        }
    }
    fs::write(schema_dir.join("voucher.json"), VOUCHER).expect("write");
    let config = dir.path().join("herald.toml");
    fs::write(&config, "[content]\nlocales = [\"en\", \"fr\"]\n").expect("the config");
    let data = dir.path().join("data");

    let mut command = Server::command(&data);
    command
        .env("HERALD_SCHEMAS", &schema_dir)
        .env("HERALD_CONFIG", &config);
    let server = Server::spawn(command).await;
    // 600 characters: an import that stored it whole would overflow PostgreSQL's column.
    let long_code = "Ω".repeat(600);
    server
        .post(
            "/api/v1/entries/voucher",
            json!({"fields": {"title": "Winter voucher", "code": long_code, "terms": "Valid **once**."}}),
        )
        .await;
    let fr_voucher = server
        .post(
            "/api/v1/entries/voucher",
            json!({"locale": "fr", "fields": {"title": "Bon d'hiver", "code": "HIVER-2026"}}),
        )
        .await;
    let fr_path = format!(
        "/api/v1/entries/voucher/{}",
        fr_voucher["id"].as_str().unwrap_or("")
    );
    server
        .edit(
            reqwest::Method::PATCH,
            &fr_path,
            Some(json!({"fields": {"terms": "Une fois."}})),
        )
        .await;
    server
        .edit(
            reqwest::Method::PATCH,
            &fr_path,
            Some(json!({"slug": "bon-hiver"})),
        )
        .await;
    server
        .post(&format!("{fr_path}/revisions/1/restore"), json!({}))
        .await;

    let mut faqs = Vec::new();
    for (locale, question) in [
        ("en", "Can I pay later?"),
        ("fr", "Puis-je payer plus tard ?"),
    ] {
        let faq = server
            .post(
                "/api/v1/entries/faq",
                json!({"locale": locale, "fields": {"question": question, "answer": "Yes, within thirty days."}}),
            )
            .await;
        let path = format!("/api/v1/entries/faq/{}", faq["id"].as_str().unwrap_or(""));
        let job = server.post(&format!("{path}/publish"), json!({})).await;
        let job = server.wait_for(&job["id"], finished).await;
        assert_eq!(job["status"], "done", "{job}");
        faqs.push(path);
    }
    // The English one gets a draft over its live version; the French one is archived.
    server
        .edit(
            reqwest::Method::PATCH,
            &faqs[0],
            Some(json!({"fields": {"answer": "Yes, within thirty days of delivery."}})),
        )
        .await;
    server.edit(reqwest::Method::DELETE, &faqs[1], None).await;
    let banner = server
        .post(
            "/api/v1/entries/promo_banner",
            json!({"locale": "fr", "fields": {"headline": "Soldes d'hiver", "discount": 30}}),
        )
        .await;
    server
        .post(
            &format!(
                "/api/v1/entries/promo_banner/{}/submit",
                banner["id"].as_str().unwrap_or("")
            ),
            json!({}),
        )
        .await;
    server.stop();

    let schema_dir = schema_dir.to_str().expect("utf-8");
    let config = config.to_str().expect("utf-8");
    let herald_data = |command: &str, database: &str, stdin: &str| -> String {
        let data = data.to_str().expect("utf-8");
        let output = run(
            &mut herald(&[
                command,
                "--data-dir",
                data,
                "--database",
                database,
                "--schemas",
                schema_dir,
                "--config",
                config,
            ]),
            stdin,
        );
        assert!(
            output.status.success(),
            "herald {command} on {database}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let sqlite = format!("sqlite://{}/herald.db", data.display());
    let first = herald_data("export", &sqlite, "");

    let postgres = Database::create(&admin_url, "herald_d").await;
    let imported = herald_data("import", &postgres.url, &first);
    let second = herald_data("export", &postgres.url, "");
    postgres.drop().await;
    let again = format!("sqlite://{}/again/herald.db", dir.path().display());
    herald_data("import", &again, &second);
    let third = herald_data("export", &again, "");

    // The content is what was made: 5 entries, each with its history.
    let lines = parse_jsonl(&first);
    let entries: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "entry").collect();
    let statuses: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or(""),
                e["locale"].as_str().unwrap_or(""),
                e["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    for expected in [
        ("voucher", "en", "draft"),
        ("voucher", "fr", "draft"),
        ("faq", "en", "draft"),
        ("faq", "fr", "archived"),
        ("promo_banner", "fr", "in_review"),
    ] {
        assert!(statuses.contains(&expected), "{expected:?} in {statuses:?}");
    }
    assert_eq!(entries.len(), 5, "{statuses:?}");
    let live = entries
        .iter()
        .find(|e| e["type"] == "faq" && e["locale"] == "en")
        .expect("the English FAQ");
    assert!(live["published_version"].as_i64().is_some(), "{live}");
    assert!(first.contains(&long_code));
    assert!(first.contains("restored from version 1"));
    assert_eq!(
        imported,
        format!(
            "imported 5 entries and {} revisions\n",
            lines.iter().filter(|l| l["kind"] == "revision").count()
        )
    );

    assert!(
        second == first,
        "PostgreSQL's export differs:\n{first}\n---\n{second}"
    );
    assert!(
        third == first,
        "the second SQLite's export differs:\n{first}\n---\n{third}"
    );
}

/// An export pages by id: more entries than a page (200) come out once each, in id order,
/// each followed by its revision.
#[test]
fn export_pages_through_every_entry() {
    let dir = tempfile::tempdir().expect("a temp dir");
    common::import(dir.path(), 450);
    let exported = run(&mut common::herald(dir.path(), &["export"]), "");
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let lines = parse_jsonl(&String::from_utf8_lossy(&exported.stdout));
    assert_eq!(lines.len(), 900);
    let ids: Vec<&str> = lines
        .chunks(2)
        .map(|pair| {
            assert_eq!(
                (&pair[0]["kind"], &pair[1]["kind"]),
                (&json!("entry"), &json!("revision"))
            );
            assert_eq!(pair[0]["id"], pair[1]["entry_id"]);
            pair[0]["id"].as_str().unwrap_or("")
        })
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in id order, none twice"
    );
}

/// Timestamps compare as instants: `10:00:00Z` and `10:00:00.000000Z` are the same.
fn chrono_like(text: &str) -> String {
    let (date_time, _) = text.split_once('Z').unwrap_or((text, ""));
    let (whole, fraction) = date_time.split_once('.').unwrap_or((date_time, "0"));
    let micros: String = format!("{fraction:0<6}").chars().take(6).collect();
    format!("{whole}.{micros}Z")
}

/// A breaking change that stored entries violate: `herald schema check --database` lists them
/// and `herald serve` refuses to start. On PostgreSQL too when the run is
/// (`HERALD_TEST_DATABASE=postgres`, as in `.ci/run`).
#[test]
fn breaking_schema_change_is_reported_and_refused() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().to_str().expect("utf-8 path").to_owned();
    let system = actix_web::rt::System::new();
    let (database, postgres) = system.block_on(test_database(dir.path(), "herald_b"));
    let original = schemas();
    let imported = run(
        &mut herald(&[
            "import",
            "--data-dir",
            &data,
            "--database",
            &database,
            "--schemas",
            original.to_str().expect("utf-8"),
        ]),
        &jsonl(&export_lines()),
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );

    // The same schemas, but headlines at most 60 characters: the stored 70 breaks it.
    let promo = fs::read_to_string(original.join("promo_banner.json")).expect("read");
    let promo = promo.replacen("\"max_length\": 80", "\"max_length\": 60", 1);
    let changed = schema_folder(
        &dir.path().join("schemas"),
        &[("promo_banner.json", &promo)],
    );
    let changed = changed.to_str().expect("utf-8").to_owned();

    let check = run(
        &mut herald(&[
            "schema",
            "check",
            "--dir",
            &changed,
            "--database",
            &database,
        ]),
        "",
    );
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{stdout}");
    assert!(
        stdout
            .contains("BREAKING: promo_banner: fields.headline: max_length lowered from 80 to 60"),
        "{stdout}"
    );
    assert!(stdout.contains(ID), "{stdout}");
    assert!(stdout.contains("1 affected entries"), "{stdout}");

    let serve = run(
        &mut herald(&[
            "serve",
            "--data-dir",
            &data,
            "--database",
            &database,
            "--schemas",
            &changed,
            "--listen",
            "127.0.0.1:0",
        ]),
        "",
    );
    let stdout = String::from_utf8_lossy(&serve.stdout);
    assert_eq!(serve.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(ID), "{stdout}");

    // A backup is always possible: the export skips the review, with a warning.
    let export = run(
        &mut herald(&[
            "export",
            "--data-dir",
            &data,
            "--database",
            &database,
            "--schemas",
            &changed,
        ]),
        "",
    );
    let stderr = String::from_utf8_lossy(&export.stderr);
    assert!(export.status.success(), "{stderr}");
    assert!(stderr.contains("breaking changes"), "{stderr}");
    let exported = parse_jsonl(&String::from_utf8_lossy(&export.stdout));
    assert_eq!(exported.len(), 3, "the entry and its two revisions");
    assert_eq!(exported[0]["id"], ID);

    // With the original schemas the same database is fine.
    let ok = run(
        &mut herald(&[
            "schema",
            "check",
            "--database",
            &database,
            "--dir",
            original.to_str().expect("utf-8"),
        ]),
        "",
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    if let Some(postgres) = postgres {
        system.block_on(postgres.drop());
    }
}

/// Issue 3: `unique` added to a field that stored entries already use is enforced from the
/// next start on (the start stores the values the entries have), for new entries and edits
/// alike, and `unique` taken away releases the values. `herald import` stores them too, and
/// refuses two entries sharing one. On PostgreSQL too when the run is.
#[actix_web::test]
async fn unique_added_to_a_stored_field_is_enforced_from_the_next_start() {
    use reqwest::{Method, StatusCode};

    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let plain = VOUCHER.replacen(", \"unique\": true", "", 1);
    assert_ne!(plain, VOUCHER);
    let without = schema_folder(&dir.path().join("without"), &[("voucher.json", &plain)]);
    let with = schema_folder(&dir.path().join("with"), &[("voucher.json", VOUCHER)]);
    let config = dir.path().join("herald.toml");
    fs::write(&config, "[content]\nlocales = [\"en\", \"fr\"]\n").expect("the config");
    let (database, postgres) = test_database(dir.path(), "herald_u").await;
    let start = |schemas: &Path, database: &str| {
        let mut command = Server::command(&data);
        command
            .env("HERALD_SCHEMAS", schemas)
            .env("HERALD_DATABASE_URL", database)
            .env("HERALD_CONFIG", &config);
        Server::spawn(command)
    };
    let voucher = |locale: &str, title: &str, code: &str| json!({"locale": locale, "fields": {"title": title, "code": code}});
    let code_taken = |(status, body): (StatusCode, Value)| {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "validation_failed", "{body}");
        assert_eq!(body["error"]["details"][0]["path"], "fields.code", "{body}");
        assert_eq!(body["error"]["details"][0]["code"], "not_unique", "{body}");
    };

    let server = start(&without, &database).await;
    let spring = server
        .post("/api/v1/entries/voucher", voucher("en", "Spring", "SPRING"))
        .await;
    let summer = server
        .post("/api/v1/entries/voucher", voucher("en", "Summer", "SUMMER"))
        .await;
    server
        .post(
            "/api/v1/entries/voucher",
            voucher("fr", "Printemps", "SPRING"),
        )
        .await;
    server.stop();
    let spring = format!(
        "/api/v1/entries/voucher/{}",
        spring["id"].as_str().unwrap_or("")
    );
    let summer = format!(
        "/api/v1/entries/voucher/{}",
        summer["id"].as_str().unwrap_or("")
    );

    let server = start(&with, &database).await;
    for locale in ["en", "fr"] {
        code_taken(
            server
                .send(
                    Method::POST,
                    "/api/v1/entries/voucher",
                    Some(voucher(locale, "Again", "SPRING")),
                )
                .await,
        );
    }
    code_taken(
        server
            .send(
                Method::PATCH,
                &summer,
                Some(json!({"fields": {"code": "SPRING"}})),
            )
            .await,
    );
    // Its own value is no conflict for an entry; a new value frees the old one.
    server
        .edit(
            Method::PATCH,
            &spring,
            Some(json!({"fields": {"title": "Spring sale"}})),
        )
        .await;
    server
        .edit(
            Method::PATCH,
            &spring,
            Some(json!({"fields": {"code": "WINTER"}})),
        )
        .await;
    server
        .post(
            "/api/v1/entries/voucher",
            voucher("en", "Spring again", "SPRING"),
        )
        .await;
    server.stop();

    // An export imported elsewhere brings its unique values along; two entries sharing a
    // value are refused as a whole.
    let herald_data = |command: &str, database: &str, stdin: &str| {
        run(
            &mut herald(&[
                command,
                "--data-dir",
                data.to_str().expect("utf-8"),
                "--database",
                database,
                "--schemas",
                with.to_str().expect("utf-8"),
                "--config",
                config.to_str().expect("utf-8"),
            ]),
            stdin,
        )
    };
    let export = herald_data("export", &database, "");
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let export = String::from_utf8(export.stdout).expect("UTF-8");
    let (copy, copy_postgres) = test_database(dir.path(), "herald_uc").await;
    let mut twin: Value = parse_jsonl(&export)
        .into_iter()
        .find(|l| l["kind"] == "entry" && l["fields"]["code"] == "SUMMER")
        .expect("the summer voucher");
    twin["id"] = json!("0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9aff");
    twin["slug"] = json!("summer-twin");
    let refused = herald_data("import", &copy, &format!("{export}{twin}\n"));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains("fields.code: another entry of this type and locale has this value"),
        "{stderr}"
    );
    let imported = herald_data("import", &copy, &export);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let server = start(&with, &copy).await;
    code_taken(
        server
            .send(
                Method::POST,
                "/api/v1/entries/voucher",
                Some(voucher("en", "Summer again", "SUMMER")),
            )
            .await,
    );
    server.stop();

    // Not unique any more: the values are released.
    let server = start(&without, &database).await;
    server
        .post(
            "/api/v1/entries/voucher",
            voucher("en", "Summer again", "SUMMER"),
        )
        .await;
    server.stop();
    // And unique again: refused, for two entries now share SUMMER.
    let output = run(
        &mut herald(&[
            "schema",
            "check",
            "--dir",
            with.to_str().expect("utf-8"),
            "--database",
            &database,
        ]),
        "",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("made unique"), "{stdout}");

    for postgres in [postgres, copy_postgres].into_iter().flatten() {
        postgres.drop().await;
    }
}

/// `herald schema check --database` looks at the database as it is: a mistyped SQLite path is
/// an error (not a new, empty database), an empty database is reported as such and left
/// empty (no migration runs), and `HERALD_DATABASE_URL` names the database too.
#[test]
fn schema_check_creates_and_migrates_nothing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let schemas = schemas();
    let schemas = schemas.to_str().expect("utf-8");
    let check = |database: &str| {
        run(
            &mut herald(&["schema", "check", "--dir", schemas, "--database", database]),
            "",
        )
    };

    let missing = dir.path().join("typo/herald.db");
    let output = check(&format!("sqlite://{}", missing.display()));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no SQLite database at"), "{stderr}");
    assert!(!missing.exists() && !dir.path().join("typo").exists());

    let empty = dir.path().join("empty.db");
    fs::write(&empty, b"").expect("an empty file");
    let output = check(&format!("sqlite://{}", empty.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("the database has no Herald tables yet"),
        "{stdout}"
    );
    assert_eq!(
        fs::metadata(&empty).expect("the file").len(),
        0,
        "nothing was written"
    );

    // A database the server ran on, named by the environment.
    let data = dir.path().join("data");
    let imported = run(
        &mut herald(&[
            "import",
            "--data-dir",
            data.to_str().expect("utf-8"),
            "--schemas",
            schemas,
        ]),
        &jsonl(&export_lines()),
    );
    assert!(imported.status.success());
    let output = run(
        herald(&["schema", "check", "--dir", schemas]).env(
            "HERALD_DATABASE_URL",
            format!("sqlite://{}/herald.db", data.display()),
        ),
        "",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("0 changes since the database's last run"),
        "{stdout}"
    );

    // As if the last migration came with a newer Herald: reported, not applied.
    let url = format!("sqlite://{}/herald.db", data.display());
    let sql = |statement: &'static str| {
        let url = url.clone();
        actix_web::rt::System::new().block_on(async move {
            let pool = sea_orm::sqlx::SqlitePool::connect(&url)
                .await
                .expect("SQLite");
            let rows: Vec<(String,)> = sea_orm::sqlx::query_as(statement)
                .fetch_all(&pool)
                .await
                .expect(statement);
            pool.close().await;
            rows
        })
    };
    let last = sql("SELECT MAX(version) FROM seaql_migrations");
    sql(
        "DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations) RETURNING version",
    );
    let output = check(&url);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let pending = format!(
        "1 migration pending, applied by the next `herald serve`: {}",
        last[0].0
    );
    assert!(stdout.contains(&pending), "{stdout}");
    assert_ne!(
        sql("SELECT MAX(version) FROM seaql_migrations"),
        last,
        "not migrated"
    );
}

/// `herald user add` creates users with a checked password, or generates one and prints it
/// once; `herald serve` on an empty database creates the first admin and prints its generated
/// password once, never again.
#[test]
fn users_from_the_command_line_and_the_first_admin() {
    use std::io::{BufRead, BufReader};

    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8");
    let schemas = schemas();
    let schemas = schemas.to_str().expect("utf-8");
    let add = |extra: &[&str], stdin: &str| {
        let mut args = vec!["user", "add", "--data-dir", data, "--schemas", schemas];
        args.extend_from_slice(extra);
        run(&mut herald(&args), stdin)
    };

    let created = add(
        &[
            "--email",
            "Marie@Shop.example",
            "--role",
            "publisher",
            "--password-stdin",
        ],
        "a long enough passphrase\n",
    );
    let stdout = String::from_utf8_lossy(&created.stdout);
    assert_eq!(
        created.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(
        stdout.starts_with("Created marie@shop.example (publisher), id "),
        "{stdout}"
    );
    assert!(!stdout.contains("passphrase"));

    let again = add(
        &[
            "--email",
            "marie@shop.example",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        "another long passphrase\n",
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("email: another user has this e-mail address")
    );

    let weak = add(
        &[
            "--email",
            "bo@shop.example",
            "--role",
            "editor",
            "--password-stdin",
        ],
        "Summer2026!!\n",
    );
    assert_eq!(weak.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&weak.stdout).starts_with("password: too common"));

    let unknown_type = add(
        &[
            "--email",
            "bo@shop.example",
            "--role",
            "editor",
            "--content-type",
            "nope",
        ],
        "",
    );
    assert_eq!(unknown_type.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown_type.stderr).contains("no content type `nope`"));

    let generated = add(
        &[
            "--email",
            "bo@shop.example",
            "--role",
            "editor",
            "--content-type",
            "faq",
        ],
        "",
    );
    let stdout = String::from_utf8_lossy(&generated.stdout);
    assert_eq!(generated.status.code(), Some(0), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Password, shown this once: "))
        .expect("a generated password");
    assert!(password.len() >= 40, "{password}");

    // A fresh data dir: the first start creates the admin and shows the password once.
    let fresh = dir.path().join("fresh");
    let fresh = fresh.to_str().expect("utf-8");
    let serve_once = || {
        let mut child = herald(&[
            "serve",
            "--data-dir",
            fresh,
            "--schemas",
            schemas,
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("herald serve runs");
        let mut lines = Vec::new();
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("a line") == 0 {
                break;
            }
            let listening = line.starts_with("Herald is listening");
            lines.push(line);
            if listening {
                break;
            }
        }
        child.kill().expect("stopped");
        child.wait().expect("reaped");
        lines.concat()
    };
    let first = serve_once();
    assert!(
        first.contains("Created the first admin: admin@herald.local"),
        "{first}"
    );
    assert!(first.contains("Its password, shown this once"), "{first}");
    let secret = fs::metadata(Path::new(fresh).join("jwt-secret")).expect("the signing secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(secret.permissions().mode() & 0o777, 0o600);
    }
    let second = serve_once();
    assert!(second.contains("Herald is listening"), "{second}");
    assert!(!second.contains("password"), "shown once only: {second}");
}
