//! The publishing pipeline seen from the bucket: the objects a publish writes, listing pages,
//! the manifest, locale fallbacks, redirects of changed slugs, the jobs API, rebuilds and
//! the notifications. Runs against a local folder, or S3 with `HERALD_TEST_S3=1`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Receiver, TestServer, s3};

fn faq(question: &str) -> Value {
    json!({"fields": {"question": question, "answer": "Yes, within **30 days** of delivery."}})
}

fn faq_in(locale: &str, slug: &str, question: &str) -> Value {
    let mut body = faq(question);
    body["locale"] = json!(locale);
    body["slug"] = json!(slug);
    body
}

#[actix_web::test]
async fn a_publish_writes_the_entry_its_listing_schema_and_manifest() {
    let server = TestServer::start().await;
    let created = server
        .create(
            "faq",
            &faq_in("fr", "retours", "Puis-je retourner des sandales ?"),
        )
        .await;
    let job = server.publish_now("faq", &created["id"]).await;

    // The objects, in the order of the contract's layout: the entry, the fallback locale
    // showing it, both listings, the schema and the manifest.
    let keys = server.bucket_keys().await;
    insta::assert_json_snapshot!("objects_after_one_publish", keys);
    let paths = job["result"]["paths"].as_array().expect("changed paths");
    assert!(
        paths.contains(&json!("content/faq/fr/retours.json")),
        "{job}"
    );
    assert!(paths.contains(&json!("manifest.json")), "{job}");

    let object = server.object("content/faq/fr/retours.json").await;
    assert_eq!(
        object["fields"]["answer"]["html"],
        "<p>Yes, within <strong>30 days</strong> of delivery.</p>\n"
    );
    let fallback = server.object("content/faq/fr-BE/retours.json").await;
    assert_eq!(fallback["locale"], "fr-BE");
    assert_eq!(fallback["fallback_from"], "fr");
    assert_eq!(fallback["fields"], object["fields"]);
    assert!(
        server
            .bucket_json("content/faq/en/retours.json")
            .await
            .is_none()
    );

    // What storefronts read, with ids and times redacted.
    let index = server.object("content/faq/fr-BE/index.json").await;
    insta::assert_json_snapshot!("fallback_listing", index, {
        ".items[].id" => "[id]", ".items[].published_at" => "[time]"
    });
    let manifest = server.object("manifest.json").await;
    insta::assert_json_snapshot!("manifest_after_one_publish", manifest, {
        ".published_at" => "[time]", ".revision" => "[revision]"
    });
    // The published object follows the JSON Schema written next to it.
    let schema = server.object("schemas/faq.json").await;
    let validator = jsonschema::draft202012::new(&schema).expect("a valid schema");
    assert!(validator.is_valid(&object), "{object}");
    assert!(validator.is_valid(&fallback), "{fallback}");

    // Headers: set on a cloud bucket; a folder cannot keep them (the web server sets them).
    let (content_type, cache) = server
        .bucket()
        .headers("content/faq/fr/retours.json")
        .await
        .expect("the bucket answers")
        .expect("the object");
    if s3() {
        assert_eq!(content_type.as_deref(), Some("application/json"));
        assert!(cache.unwrap_or_default().starts_with("public, max-age="));
    } else {
        assert_eq!((content_type, cache), (None, None));
    }

    // The preview is exactly what was written, but for the time.
    let preview_path = format!(
        "/api/v1/entries/faq/{}/preview",
        created["id"].as_str().unwrap_or("")
    );
    let mut preview = server.get(&preview_path).await.body;
    let mut written = object.clone();
    for value in [&mut preview, &mut written] {
        value
            .as_object_mut()
            .expect("an object")
            .remove("published_at");
    }
    assert_eq!(preview, written);
    // An edit is previewed with the version its publication will carry.
    let edited = server
        .patch(
            &format!(
                "/api/v1/entries/faq/{}",
                created["id"].as_str().unwrap_or("")
            ),
            object["version"].as_i64().expect("a version"),
            &json!({"fields": {"question": "Puis-je retourner un article offert ?"}}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let preview = server.get(&preview_path).await.body;
    assert_eq!(
        preview["version"],
        json!(edited.body["version"].as_i64().expect("a version") + 1)
    );
    server.assert_bucket_consistent().await;
    server.stop().await;
}

#[actix_web::test]
async fn a_locale_of_its_own_replaces_the_fallback_and_gives_it_back() {
    let server = TestServer::start().await;
    let fr = server
        .create(
            "faq",
            &faq_in("fr", "livraison", "Livrez-vous en Belgique ?"),
        )
        .await;
    server.publish_now("faq", &fr["id"]).await;
    let be = server
        .create(
            "faq",
            &faq_in("fr-BE", "livraison", "Livrez-vous à Bruxelles ?"),
        )
        .await;
    server.publish_now("faq", &be["id"]).await;
    let own = server.object("content/faq/fr-BE/livraison.json").await;
    assert_eq!(own["id"], be["id"]);
    assert_eq!(own["fallback_from"], Value::Null);

    let job = server.step(None, "faq", &be["id"], "unpublish", None).await;
    assert_eq!(job.status, StatusCode::ACCEPTED, "{}", job.text);
    server.wait_job(&job.body["id"]).await;
    let back = server.object("content/faq/fr-BE/livraison.json").await;
    assert_eq!(back["id"], fr["id"]);
    assert_eq!(back["fallback_from"], "fr");

    let job = server.step(None, "faq", &fr["id"], "unpublish", None).await;
    server.wait_job(&job.body["id"]).await;
    assert!(
        server
            .bucket_json("content/faq/fr/livraison.json")
            .await
            .is_none()
    );
    assert!(
        server
            .bucket_json("content/faq/fr-BE/livraison.json")
            .await
            .is_none()
    );
    let manifest = server.object("manifest.json").await;
    assert_eq!(manifest["types"]["faq"]["locales"]["fr-BE"]["count"], 0);
    server.assert_bucket_consistent().await;
    server.stop().await;
}

#[actix_web::test]
async fn a_changed_slug_redirects_to_the_new_path() {
    let server = TestServer::start().await;
    let entry = server.create("faq", &faq("Returns?")).await;
    let id = entry["id"].as_str().unwrap_or("").to_owned();
    let path = format!("/api/v1/entries/faq/{id}");
    server.publish_now("faq", &entry["id"]).await;
    let mut version = server.get(&path).await.body["version"]
        .as_i64()
        .unwrap_or(0);
    for slug in ["returns-policy", "refunds"] {
        let edited = server.patch(&path, version, &json!({"slug": slug})).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
        server.publish_now("faq", &entry["id"]).await;
        version = server.get(&path).await.body["version"]
            .as_i64()
            .unwrap_or(0);
    }
    let redirects = server.object("redirects.json").await;
    assert_eq!(
        redirects,
        json!({
            "content/faq/en/returns-policy.json": "content/faq/en/refunds.json",
            "content/faq/en/returns.json": "content/faq/en/refunds.json"
        })
    );
    assert!(
        server
            .bucket_json("content/faq/en/returns.json")
            .await
            .is_none()
    );
    assert!(
        server
            .bucket_json("content/faq/en/returns-policy.json")
            .await
            .is_none()
    );
    let index = server.object("content/faq/en/index.json").await;
    let items = index["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["path"], "content/faq/en/refunds.json");
    // The old slug is free again; publishing another entry under it makes the path live
    // and drops its redirect.
    let again = server
        .create(
            "faq",
            &json!({"slug": "returns", "fields": faq("Returns again?")["fields"]}),
        )
        .await;
    server.publish_now("faq", &again["id"]).await;
    let redirects = server.object("redirects.json").await;
    assert_eq!(
        redirects,
        json!({"content/faq/en/returns-policy.json": "content/faq/en/refunds.json"})
    );
    server.assert_bucket_consistent().await;
    server.stop().await;
}

#[actix_web::test]
async fn listing_pages_are_newest_first_and_a_publish_touches_only_its_pages() {
    let server = TestServer::start_with(|s| s.publish.page_size = 2).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let entry = server
            .create("faq", &faq(&format!("Question number {n}?")))
            .await;
        server.publish_now("faq", &entry["id"]).await;
        ids.push(entry["id"].clone());
    }
    let newest = server.object("content/faq/en/index.json").await;
    assert_eq!(newest["page"], 2);
    assert_eq!(newest["next"], "content/faq/en/index-1.json");
    assert_eq!(newest["items"][0]["slug"], "question-number-4");
    let middle = server.object("content/faq/en/index-1.json").await;
    let slugs: Vec<&str> = middle["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["slug"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(slugs, ["question-number-3", "question-number-2"]);
    let oldest = server.object("content/faq/en/index-0.json").await;
    assert_eq!(oldest["next"], Value::Null);

    // Republishing the oldest entry moves it to the newest page: only the page it left and
    // the open page are written.
    let path = format!("/api/v1/entries/faq/{}", ids[0].as_str().unwrap_or(""));
    let version = server.get(&path).await.body["version"]
        .as_i64()
        .unwrap_or(0);
    server
        .patch(&path, version, &json!({"fields": {"order": 1}}))
        .await;
    let job = server.publish_now("faq", &ids[0]).await;
    let pages: Vec<&str> = job["result"]["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .filter_map(Value::as_str)
        .filter(|p| p.contains("/index"))
        .collect();
    assert_eq!(
        pages,
        [
            "content/faq/en/index-0.json",
            "content/faq/en/index-2.json",
            "content/faq/en/index.json"
        ]
    );
    let newest = server.object("content/faq/en/index.json").await;
    assert_eq!(newest["items"][0]["slug"], "question-number-0");
    assert_eq!(newest["items"][1]["slug"], "question-number-4");
    let oldest = server.object("content/faq/en/index-0.json").await;
    assert_eq!(oldest["items"].as_array().map(Vec::len), Some(1));
    let manifest = server.object("manifest.json").await;
    assert_eq!(manifest["types"]["faq"]["locales"]["en"]["count"], 5);
    assert_eq!(manifest["types"]["faq"]["locales"]["en"]["pages"], 3);
    assert_eq!(manifest["page_size"], 2);
    server.assert_bucket_consistent().await;
    server.stop().await;
}

#[actix_web::test]
async fn jobs_are_listed_and_read() {
    let server = TestServer::start().await;
    let entry = server.create("faq", &faq("Store pickup?")).await;
    let job = server.publish_now("faq", &entry["id"]).await;
    let list = server
        .get("/api/v1/publish/jobs?kind=publish&status=done")
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["items"][0]["id"], job["id"]);
    let one = server.get("/api/v1/publish/jobs?limit=1").await.body;
    assert_eq!(one["items"].as_array().map(Vec::len), Some(1));
    server
        .get("/api/v1/publish/jobs?status=sleeping")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    server
        .get("/api/v1/publish/jobs?cursor=x")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    server
        .get("/api/v1/publish/jobs/999999")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    server
        .get("/api/v1/publish/jobs/abc")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // A viewer limited to other types sees none of these jobs.
    let scoped = server
        .user_token("banners@shop.example", "viewer", Some(&["promo_banner"]))
        .await;
    let auth = format!("Bearer {scoped}");
    let hidden = server
        .send(
            Method::GET,
            "/api/v1/publish/jobs",
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(hidden.body["items"], json!([]));
    server
        .send(
            Method::GET,
            &format!("/api/v1/publish/jobs/{}", job["id"]),
            None,
            &[("authorization", &auth)],
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    server
        .send(
            Method::GET,
            "/api/v1/publish/jobs",
            None,
            &[("authorization", "")],
        )
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    server.assert_bucket_consistent().await;
    server.stop().await;
}

#[actix_web::test]
async fn a_rebuild_restores_the_bucket() {
    let server = TestServer::start().await;
    for question in ["Gift wrap?", "Price match?", "Student discount?"] {
        let entry = server.create("faq", &faq(question)).await;
        server.publish_now("faq", &entry["id"]).await;
    }
    let before = server.bucket_keys().await;
    let bucket = server.bucket();
    for key in &before {
        bucket.delete(key).await.expect("deleted");
    }
    assert!(server.bucket_keys().await.is_empty());

    let editor = server.user_token("ed@shop.example", "editor", None).await;
    let auth = format!("Bearer {editor}");
    server
        .send(
            Method::POST,
            "/api/v1/publish/rebuild",
            None,
            &[("authorization", &auth)],
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    server
        .post("/api/v1/publish/rebuild", &json!({"type": "nope"}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "unknown_content_type");
    let accepted = server
        .send(Method::POST, "/api/v1/publish/rebuild", None, &[])
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    assert_eq!(accepted.body["kind"], "rebuild");
    let job = server.wait_job(&accepted.body["id"]).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["progress"]["phase"], "indexes");
    assert_eq!(job["result"]["written_count"], 3);
    let after = server.bucket_keys().await;
    for key in &before {
        assert!(after.contains(key), "{key} is back: {after:?}");
    }
    // Every schema is written by a rebuild of every type.
    assert!(after.contains(&"schemas/promo_banner.json".to_owned()));
    let audit = server
        .get("/api/v1/audit?action=publish.rebuild")
        .await
        .body;
    assert_eq!(audit["items"][0]["target_id"], job["id"].to_string());
    server.assert_bucket_consistent().await;
    server.stop().await;
}

/// What no live entry shows any more (here an entry whose publication the database lost
/// without a job recording it) leaves the listings and the bucket with a rebuild.
/// Makes the entries `condition` selects not live in the database only, as if the worker had
/// never heard of it.
async fn unpublish_behind_the_workers_back(server: &TestServer, condition: &str) {
    use sea_orm::ConnectionTrait;

    let db = sea_orm::Database::connect(server.database_url.as_str())
        .await
        .expect("the database");
    db.execute_unprepared(&format!(
        "UPDATE entries SET published_version = NULL, published_slug = NULL, \
         published_at = NULL WHERE {condition}"
    ))
    .await
    .expect("unpublished behind the worker's back");
    db.close().await.expect("closed");
}

#[actix_web::test]
async fn a_rebuild_takes_out_what_no_live_entry_shows() {
    let server = TestServer::start().await;
    let mut entries = Vec::new();
    for question in ["Gift wrap?", "Price match?", "Student discount?"] {
        let entry = server.create("faq", &faq(question)).await;
        server.publish_now("faq", &entry["id"]).await;
        entries.push(entry);
    }
    let gone = &entries[1];
    let slug = gone["slug"].as_str().expect("slug").to_owned();
    let before = server.bucket_keys().await;
    assert!(before.iter().any(|k| k.ends_with(&format!("/{slug}.json"))));

    let id = gone["id"].as_str().expect("id");
    unpublish_behind_the_workers_back(&server, &format!("id = '{id}'")).await;

    let accepted = server
        .post("/api/v1/publish/rebuild", &json!({"type": "faq"}))
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    let job = server.wait_job(&accepted.body["id"]).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["result"]["written_count"], 2);
    let after = server.bucket_keys().await;
    assert!(
        !after.iter().any(|k| k.ends_with(&format!("/{slug}.json"))),
        "the object no entry shows is gone: {after:?}"
    );
    for kept in [&entries[0], &entries[2]] {
        let slug = kept["slug"].as_str().expect("slug");
        assert!(after.iter().any(|k| k.ends_with(&format!("/{slug}.json"))));
    }
    for key in after.iter().filter(|k| k.contains("/index")) {
        let page = server.object(key).await;
        assert!(
            !page.to_string().contains(&slug),
            "{key} still lists it: {page}"
        );
    }
    server.assert_bucket_consistent().await;

    // With no live entry left, the listing is written empty rather than left as it was.
    unpublish_behind_the_workers_back(&server, "true").await;
    let accepted = server
        .post("/api/v1/publish/rebuild", &json!({"type": "faq"}))
        .await;
    let job = server.wait_job(&accepted.body["id"]).await;
    assert_eq!(job["status"], "done", "{job}");
    let index = server.object("content/faq/en/index.json").await;
    assert_eq!(index["items"], json!([]), "{index}");
    assert_eq!(index["page"], 0, "{index}");
    let left = server.bucket_keys().await;
    assert!(
        !left
            .iter()
            .any(|k| k.starts_with("content/faq/en/index-") && k != "content/faq/en/index-0.json"),
        "{left:?}"
    );
    server.assert_bucket_consistent().await;
    server.stop().await;
}

#[actix_web::test]
async fn the_cdn_and_webhooks_hear_of_every_batch_signed() {
    let purge = Receiver::start(204);
    let hook = Receiver::start(200);
    let broken = Receiver::start(500);
    let (purge_url, hook_url, broken_url) =
        (purge.url.clone(), hook.url.clone(), broken.url.clone());
    let server = TestServer::start_with(move |s| {
        s.publish.purge_url = Some(purge_url.parse().expect("a URL"));
        s.publish.purge_secret = Some(herald::settings::Secret::new("purge-key"));
        for (url, secret) in [(hook_url, "hook-key"), (broken_url, "broken-key")] {
            s.publish.webhooks.push(herald::settings::Webhook {
                url: url.parse().expect("a URL"),
                secret: herald::settings::Secret::new(secret),
            });
        }
    })
    .await;
    let entry = server.create("faq", &faq("Click and collect?")).await;
    let published = server.publish_now("faq", &entry["id"]).await;
    let notify_path = notify_job_path(&published);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while (purge.received().is_empty() || hook.received().is_empty() || broken.received().len() < 3)
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for (receiver, secret) in [(&purge, "purge-key"), (&hook, "hook-key")] {
        let received = receiver.received();
        assert_eq!(received.len(), 1, "one delivery");
        let (headers, body) = &received[0];
        assert_eq!(
            headers
                .get("x-herald-signature")
                .and_then(|v| v.to_str().ok()),
            Some(herald_publish::signature(secret, body).as_str())
        );
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
        let body: Value = serde_json::from_slice(body).expect("JSON");
        let paths = body["paths"].as_array().expect("paths");
        assert!(
            paths.contains(&json!("content/faq/en/click-and-collect.json")),
            "{body}"
        );
        assert!(paths.contains(&json!("manifest.json")), "{body}");
        assert!(body["revision"].as_i64().is_some_and(|r| r > 0));
    }
    assert!(broken.received().len() >= 3, "tried three times at once");
    // The failure shows on the notification job, which waits for its retry.
    let mut notify = Value::Null;
    while std::time::Instant::now() < deadline {
        notify = server.get(&notify_path).await.body;
        if notify["error"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        ["queued", "running"].contains(&notify["status"].as_str().unwrap_or("")),
        "{notify}"
    );
    let error = notify["error"].as_str().unwrap_or("");
    assert!(
        error.contains("HTTP 500") && error.contains(&broken.url),
        "{error}"
    );
    assert!(!error.contains("broken-key"));
    assert_eq!(
        notify["progress"]["delivered"].as_array().map(Vec::len),
        Some(2)
    );
    server.stop().await;
    for receiver in [purge, hook, broken] {
        receiver.stop().await;
    }
}

/// `/readyz` asks the bucket itself: a cloud bucket that does not answer (here one the S3
/// server does not have) or a folder that is gone makes the server not ready.
#[actix_web::test]
async fn publishing_is_not_ready_without_its_bucket() {
    use herald::settings::Bucket;

    let server = if s3() {
        let missing = format!("s3://herald-missing-{}/x", uuid::Uuid::now_v7().simple());
        let missing = Bucket::parse(&missing).expect("an S3 URL");
        TestServer::start_with(|s| s.bucket = missing).await
    } else {
        let server = TestServer::start().await;
        let ready = server.get("/readyz").await;
        assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
        if let Bucket::Folder(folder) = &server.settings.bucket {
            std::fs::remove_dir_all(folder).expect("the folder removed");
        }
        server
    };
    let ready = server.get("/readyz").await;
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        ready.text
    );
    assert_eq!(ready.body["error"]["code"], "unavailable", "{}", ready.text);
    assert_eq!(ready.body["checks"]["database"], "ok");
    assert_ne!(ready.body["checks"]["bucket"], "ok", "{}", ready.text);
    server.stop().await;
}

/// `index` and `index-<n>` are the names of a listing's pages, next to the entries: no entry
/// may take one, given or derived, or its object would overwrite the listing.
#[actix_web::test]
async fn no_entry_takes_the_name_of_a_listing_page() {
    let server = TestServer::start().await;
    for slug in ["index", "index-2"] {
        let refused = server
            .post("/api/v1/entries/faq", &faq_in("en", slug, "Index?"))
            .await;
        let error = refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(error["details"][0]["path"], "slug", "{slug}");
        assert_eq!(error["details"][0]["code"], "invalid_slug", "{slug}");
        assert!(
            error["details"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("reserved")),
            "{error}"
        );
    }
    // A title that would derive one gets a suffix.
    let derived = server.create("faq", &faq("Index")).await;
    assert_eq!(derived["slug"], "index-page");
    let id = derived["id"].as_str().unwrap_or("").to_owned();
    let path = format!("/api/v1/entries/faq/{id}");
    let renamed = server.patch(&path, 1, &json!({"slug": "index-0"})).await;
    renamed.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    server.publish_now("faq", &derived["id"]).await;
    let listing = server.object("content/faq/en/index.json").await;
    assert_eq!(
        listing["items"][0]["path"],
        "content/faq/en/index-page.json"
    );
    server.object("content/faq/en/index-page.json").await;

    // An entry that has such a slug from before (or from an import) is not published.
    let legacy = server.create("faq", &faq("Legacy index?")).await;
    let legacy_id = legacy["id"].as_str().unwrap_or("");
    {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(server.database_url.as_str())
            .await
            .expect("the database");
        db.execute_unprepared(&format!(
            "UPDATE entries SET slug = 'index' WHERE id = '{legacy_id}'"
        ))
        .await
        .expect("the old slug");
        db.close().await.expect("closed");
    }
    let refused = server
        .step(None, "faq", &legacy["id"], "publish", None)
        .await;
    let error = refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["code"], "invalid_slug");
    let listing = server.object("content/faq/en/index.json").await;
    assert!(listing["items"].is_array(), "still the listing: {listing}");
    server.assert_bucket_consistent().await;
    server.stop().await;
}

/// The manifest names `redirects.json` from the first publish on, before any slug changed.
#[actix_web::test]
async fn redirects_exist_from_the_first_publish() {
    let server = TestServer::start().await;
    let entry = server.create("faq", &faq("Gift cards?")).await;
    server.publish_now("faq", &entry["id"]).await;
    let manifest = server.object("manifest.json").await;
    assert_eq!(manifest["redirects"], "redirects.json");
    assert_eq!(server.object("redirects.json").await, json!({}));
    server.assert_bucket_consistent().await;
    server.stop().await;
}

/// Two webhooks that differ only by their query (a token) are two targets: each is called,
/// and a failure names neither token.
#[actix_web::test]
async fn webhooks_differing_only_by_their_token_are_each_called() {
    let hook = Receiver::start(200);
    let broken = Receiver::start(500);
    let (hook_url, broken_url) = (hook.url.clone(), broken.url.clone());
    let server = TestServer::start_with(move |s| {
        for (url, secret) in [
            (format!("{hook_url}?token=first-token"), "first-key"),
            (format!("{hook_url}?token=second-token"), "second-key"),
            (format!("{broken_url}?token=broken-token"), "broken-key"),
        ] {
            s.publish.webhooks.push(herald::settings::Webhook {
                url: url.parse().expect("a URL"),
                secret: herald::settings::Secret::new(secret),
            });
        }
    })
    .await;
    let entry = server.create("faq", &faq("Gift wrap?")).await;
    let published = server.publish_now("faq", &entry["id"]).await;
    let notify_path = notify_job_path(&published);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut notify = Value::Null;
    while std::time::Instant::now() < deadline {
        notify = server.get(&notify_path).await.body;
        if notify["error"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let received = hook.received();
    assert_eq!(received.len(), 2, "both webhooks called once");
    let mut signatures: Vec<String> = received
        .iter()
        .map(|(headers, _)| {
            headers
                .get("x-herald-signature")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    signatures.sort();
    let mut expected: Vec<String> = ["first-key", "second-key"]
        .iter()
        .map(|key| herald_publish::signature(key, &received[0].1))
        .collect();
    expected.sort();
    assert_eq!(signatures, expected);
    assert_eq!(
        notify["progress"]["delivered"].as_array().map(Vec::len),
        Some(2),
        "{notify}"
    );
    let shown = notify.to_string();
    for secret in ["first-token", "second-token", "broken-token", "-key"] {
        assert!(!shown.contains(secret), "{secret} shows: {shown}");
    }
    assert!(
        notify["error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP 500")),
        "{notify}"
    );
    server.stop().await;
    for receiver in [hook, broken] {
        receiver.stop().await;
    }
}

/// A bucket that refuses writes fails the job, which shows the error and is tried again after
/// its backoff; once the bucket takes writes again, it succeeds. (A folder only: the test
/// blocks the path with a file, which the S3 server has no counterpart of.)
#[actix_web::test]
async fn a_failing_bucket_is_retried_with_backoff_until_it_works() {
    if s3() {
        return;
    }
    let server = TestServer::start().await;
    let herald::settings::Bucket::Folder(folder) = server.settings.bucket.clone() else {
        unreachable!("a folder bucket")
    };
    // A file where the folder of every entry object must go: nothing under it can be written,
    // not even by root.
    let blocker = folder.join("content");
    std::fs::write(&blocker, b"not a folder").expect("the blocking file");
    let entry = server.create("faq", &faq("Same day delivery?")).await;
    let accepted = server
        .step(None, "faq", &entry["id"], "publish", None)
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    let id = accepted.body["id"].clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let failed = loop {
        let list = server.get("/api/v1/publish/jobs?kind=publish").await.body;
        let job = list["items"]
            .as_array()
            .and_then(|items| items.iter().find(|j| j["id"] == id).cloned())
            .expect("the job is listed");
        if job["error"].is_string() {
            break job;
        }
        assert!(std::time::Instant::now() < deadline, "never failed: {job}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(failed["status"], "queued", "to be retried: {failed}");
    assert_eq!(failed["attempts"], 1, "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("bucket")),
        "{failed}"
    );
    let started = chrono::DateTime::parse_from_rfc3339(failed["started_at"].as_str().unwrap_or(""))
        .expect("a start time");
    let retry = chrono::DateTime::parse_from_rfc3339(failed["run_after"].as_str().unwrap_or(""))
        .expect("a retry time");
    assert!(
        retry - started >= chrono::Duration::milliseconds(900),
        "backs off: {failed}"
    );
    assert!(
        !folder
            .join("content/faq/en/same-day-delivery.json")
            .exists()
    );

    std::fs::remove_file(&blocker).expect("the bucket writable again");
    let done = server.wait_job(&id).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["attempts"], 2, "{done}");
    assert_eq!(done["error"], Value::Null, "{done}");
    server.object("content/faq/en/same-day-delivery.json").await;
    server.assert_bucket_consistent().await;
    server.stop().await;
}

/// Rebuild requests at the same moment share one job: no two rebuilds of a scope are ever
/// queued or running together.
#[actix_web::test]
async fn rebuild_requests_at_once_share_one_job() {
    let server = TestServer::start().await;
    let body = json!({});
    let requests = (0..8).map(|_| server.post("/api/v1/publish/rebuild", &body));
    let answers = futures::future::join_all(requests).await;
    let mut ids: Vec<i64> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
            a.body["id"].as_i64().expect("a job id")
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    // A job may finish before a later request arrives, which then gets a new one; but a new
    // one is never made while another is queued or running.
    let mut spans = Vec::new();
    for id in &ids {
        let job = server.wait_job(&json!(id)).await;
        assert_eq!(job["status"], "done", "{job}");
        let time = |key: &str| {
            chrono::DateTime::parse_from_rfc3339(job[key].as_str().unwrap_or(""))
                .unwrap_or_else(|_| panic!("{key} of {job}"))
        };
        spans.push((time("created_at"), time("finished_at")));
    }
    spans.sort();
    for pair in spans.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "two rebuilds at once: {spans:?}");
    }
    // Each request is in the audit log, those that joined a job as well.
    let audit = server
        .get("/api/v1/audit?action=publish.rebuild&limit=50")
        .await;
    let rows = audit.body["items"].as_array().expect("items");
    assert_eq!(rows.len(), 8, "{}", audit.text);
    let made = rows.iter().filter(|r| r["details"]["joined"].is_null());
    assert_eq!(made.count(), ids.len(), "{}", audit.text);
    server.stop().await;
}

/// The API path of the notification job a finished publish job names.
fn notify_job_path(published: &Value) -> String {
    format!(
        "/api/v1/publish/jobs/{}",
        published["result"]["notify_job"]
            .as_i64()
            .expect("the publish job names its notification")
    )
}
