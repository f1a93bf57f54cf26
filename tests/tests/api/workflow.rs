//! The review workflow: statuses, roles, four eyes, comments, references that must be public,
//! history and audit rows, archiving and scheduling.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::TestServer;

fn banner() -> Value {
    json!({"fields": {"headline": "Summer sale", "discount": 30}})
}

/// The audit actions about an entry, newest first.
async fn audit_actions(server: &TestServer, id: &str) -> Vec<String> {
    let audit = server
        .get(&format!("/api/v1/audit?target_id={id}"))
        .await
        .body;
    audit["items"]
        .as_array()
        .expect("audit rows")
        .iter()
        .map(|r| r["action"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// An editor's and a publisher's tokens.
async fn team(server: &TestServer) -> (String, String) {
    (
        server.user_token("ed@shop.example", "editor", None).await,
        server
            .user_token("pub@shop.example", "publisher", None)
            .await,
    )
}

#[actix_web::test]
async fn a_banner_goes_from_draft_through_review_to_the_bucket() {
    let server = TestServer::start().await;
    let (editor, publisher) = team(&server).await;
    let viewer = server.user_token("view@shop.example", "viewer", None).await;
    let created = server.create("promo_banner", &banner()).await;
    let id = &created["id"];

    // promo_banner needs review: neither publishing nor approving a draft is allowed.
    server
        .step(Some(&publisher), "promo_banner", id, "publish", None)
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    server
        .step(Some(&publisher), "promo_banner", id, "approve", None)
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    server
        .step(Some(&viewer), "promo_banner", id, "submit", None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");

    let submitted = server
        .step(Some(&editor), "promo_banner", id, "submit", None)
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    assert_eq!(submitted.body["status"], "in_review");
    assert_eq!(submitted.body["version"], 2);
    assert_eq!(submitted.header("etag"), Some("\"2\""));
    server
        .step(Some(&editor), "promo_banner", id, "submit", None)
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    server
        .step(Some(&editor), "promo_banner", id, "approve", None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");

    // The admin wrote the banner, so four eyes forbids the admin to approve it.
    let own = server.step(None, "promo_banner", id, "approve", None).await;
    own.assert_error(StatusCode::CONFLICT, "four_eyes");

    let approved = server
        .step(
            Some(&publisher),
            "promo_banner",
            id,
            "approve",
            Some(&json!({"comment": "Looks good"})),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(
        approved.body["updated_by"], created["updated_by"],
        "a status change does not make its actor the last editor"
    );

    server
        .step(Some(&editor), "promo_banner", id, "publish", None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let accepted = server
        .step(Some(&publisher), "promo_banner", id, "publish", None)
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    assert_eq!(accepted.body["kind"], "publish");
    assert_eq!(accepted.body["entry_id"], *id);
    let location = accepted.header("location").expect("a Location").to_owned();
    assert_eq!(
        location,
        format!("/api/v1/publish/jobs/{}", accepted.body["id"])
    );
    let job = server.wait_job(&accepted.body["id"]).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["attempts"], 1);

    let path = format!("/api/v1/entries/promo_banner/{}", id.as_str().unwrap_or(""));
    let live = server.get(&path).await.body;
    assert_eq!(live["status"], "published");
    assert_eq!(live["version"], 4);
    assert_eq!(live["published_version"], 4);
    let object = server
        .object("content/promo_banner/en/summer-sale.json")
        .await;
    assert_eq!(object["version"], 4);
    assert_eq!(object["fields"]["headline"], "Summer sale");
    server
        .step(Some(&publisher), "promo_banner", id, "publish", None)
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");

    // Every step is in the history, with its note…
    let history = server.get(&format!("{path}/revisions")).await.body;
    let steps: Vec<(i64, &str, &str)> = history["items"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| {
            (
                r["version"].as_i64().unwrap_or(0),
                r["status"].as_str().unwrap_or(""),
                r["note"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (4, "published", "published"),
            (3, "approved", "approved: Looks good"),
            (2, "in_review", "submitted for review"),
            (1, "draft", ""),
        ]
    );
    // … and in the audit log.
    let actions = audit_actions(&server, id.as_str().unwrap_or("")).await;
    assert_eq!(
        actions,
        [
            "entry.publish",
            "entry.approve",
            "entry.submit",
            "entry.create"
        ]
    );

    // Editing the published banner starts a draft; the published version stays live.
    let edited = server
        .patch(
            &path,
            4,
            &json!({"fields": {"headline": "Summer sale, last days"}}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(edited.body["status"], "draft");
    assert_eq!(edited.body["published_version"], 4);
    let still = server
        .object("content/promo_banner/en/summer-sale.json")
        .await;
    assert_eq!(still["fields"]["headline"], "Summer sale");
    server.stop().await;
}

#[actix_web::test]
async fn reject_sends_the_entry_back_with_a_comment() {
    let server = TestServer::start().await;
    let (editor, publisher) = team(&server).await;
    let created = server.create("promo_banner", &banner()).await;
    let id = &created["id"];
    server
        .step(Some(&editor), "promo_banner", id, "submit", None)
        .await;
    let rejected = server
        .step(
            Some(&publisher),
            "promo_banner",
            id,
            "reject",
            Some(&json!({"comment": "The discount is 25 %"})),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    assert_eq!(rejected.body["status"], "draft");
    let path = format!("/api/v1/entries/promo_banner/{}", id.as_str().unwrap_or(""));
    let latest = server.get(&format!("{path}/revisions/3")).await.body;
    assert_eq!(latest["note"], "rejected: The discount is 25 %");
    let audit = server
        .get(&format!(
            "/api/v1/audit?action=entry.reject&target_id={}",
            id.as_str().unwrap_or("")
        ))
        .await
        .body;
    assert_eq!(
        audit["items"][0]["details"]["comment"],
        "The discount is 25 %"
    );
    // A draft cannot be rejected.
    server
        .step(Some(&publisher), "promo_banner", id, "reject", None)
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    server.stop().await;
}

#[actix_web::test]
async fn types_without_review_publish_straight_from_draft() {
    let server = TestServer::start().await;
    let faq = server
        .create(
            "faq",
            &json!({"fields": {"question": "Do you ship abroad?", "answer": "Yes, within 30 days of delivery."}}),
        )
        .await;
    let job = server.publish_now("faq", &faq["id"]).await;
    assert_eq!(job["kind"], "publish");
    assert!(
        server
            .bucket_json("content/faq/en/do-you-ship-abroad.json")
            .await
            .is_some()
    );
    server.stop().await;
}

/// A FAQ (a draft) and a landing page showing it.
async fn page_with_faq(server: &TestServer, title: &str, question: &str) -> (Value, Value) {
    let faq = server
        .create(
            "faq",
            &json!({"fields": {"question": question, "answer": "Yes, within 30 days of delivery."}}),
        )
        .await;
    let page = server
        .create(
            "landing_page",
            &json!({"fields": {"title": title, "sections": [
                {"kind": "faq_block", "heading": "Questions", "faqs": [{"id": faq["id"]}]}]}}),
        )
        .await;
    (faq, page)
}

#[actix_web::test]
async fn approval_needs_referenced_entries_to_be_public() {
    let server = TestServer::start().await;
    let (editor, publisher) = team(&server).await;
    let (faq, page) = page_with_faq(&server, "Summer", "Can I return sandals?").await;
    let id = &page["id"];
    server
        .step(Some(&editor), "landing_page", id, "submit", None)
        .await;
    let refused = server
        .step(Some(&publisher), "landing_page", id, "approve", None)
        .await;
    let error = refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["code"], "reference_not_published");
    assert_eq!(error["details"][0]["path"], "fields.sections[0].faqs[0]");

    server.publish_now("faq", &faq["id"]).await;
    let approved = server
        .step(Some(&publisher), "landing_page", id, "approve", None)
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    let accepted = server
        .step(Some(&publisher), "landing_page", id, "publish", None)
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    server.wait_job(&accepted.body["id"]).await;
    let object = server.object("content/landing_page/en/summer.json").await;
    assert_eq!(
        object["fields"]["sections"][0]["faqs"][0]["path"],
        "content/faq/en/can-i-return-sandals.json"
    );
    server.stop().await;
}

#[actix_web::test]
async fn workflow_requests_are_checked() {
    let server = TestServer::start().await;
    let faq = server
        .create("faq", &json!({"fields": {"question": "Gift cards?", "answer": "Yes, within 30 days of delivery."}}))
        .await;
    let id = &faq["id"];
    let path = format!("/api/v1/entries/faq/{}/publish", id.as_str().unwrap_or(""));
    server
        .post(&path, &json!({"when": "now"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unknown_field");
    let bad_time = server.post(&path, &json!({"at": "tomorrow"})).await;
    let error = bad_time.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["path"], "at");
    assert_eq!(error["details"][0]["code"], "invalid_datetime");
    let not_json = server
        .client
        .post(server.url(&path))
        .header("content-type", "text/plain")
        .body("now")
        .send()
        .await
        .expect("answers");
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    server
        .send(Method::POST, &path, None, &[("if-match", "\"7\"")])
        .await
        .assert_error(StatusCode::PRECONDITION_FAILED, "version_mismatch");
    server
        .step(None, "faq", id, "unpublish", None)
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    server
        .step(
            None,
            "faq",
            &json!("00000000-0000-0000-0000-000000000000"),
            "submit",
            None,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    server
        .step(None, "nope", id, "submit", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "unknown_content_type");
    server
        .send(Method::GET, &path, None, &[])
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    // A scoped publisher cannot touch other types.
    let scoped = server
        .user_token("banners@shop.example", "publisher", Some(&["promo_banner"]))
        .await;
    server
        .step(Some(&scoped), "faq", id, "publish", None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    server.stop().await;
}

#[actix_web::test]
async fn archiving_unpublishes_first() {
    let server = TestServer::start().await;
    let faq = server
        .create("faq", &json!({"fields": {"question": "Opening hours?", "answer": "Yes, within 30 days of delivery."}}))
        .await;
    let id = faq["id"].as_str().unwrap_or("").to_owned();
    server.publish_now("faq", &faq["id"]).await;
    let key = "content/faq/en/opening-hours.json";
    assert!(server.bucket_json(key).await.is_some());
    let archived = server
        .send(
            Method::DELETE,
            &format!("/api/v1/entries/faq/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.text);
    assert_eq!(archived.body["status"], "archived");
    assert_eq!(archived.body["published_version"], Value::Null);
    server.wait_idle().await;
    assert!(
        server.bucket_json(key).await.is_none(),
        "removed from the bucket"
    );
    let index = server.object("content/faq/en/index.json").await;
    assert_eq!(index["items"], json!([]));
    let actions = audit_actions(&server, &id).await;
    assert_eq!(
        actions[..2],
        ["entry.archive", "entry.unpublish"],
        "{actions:?}"
    );
    server
        .step(None, "faq", &faq["id"], "publish", None)
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    server.stop().await;
}

#[actix_web::test]
async fn scheduled_publication_and_unpublication_run_on_time() {
    let server = TestServer::start().await;
    let faq = server
        .create("faq", &json!({"fields": {"question": "Black Friday?", "answer": "Yes, within 30 days of delivery."}}))
        .await;
    let key = "content/faq/en/black-friday.json";
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let scheduled = server
        .step(
            None,
            "faq",
            &faq["id"],
            "publish",
            Some(&json!({"at": at_text})),
        )
        .await;
    assert_eq!(scheduled.status, StatusCode::ACCEPTED, "{}", scheduled.text);
    assert_eq!(scheduled.body["status"], "queued");
    let entry_path = format!("/api/v1/entries/faq/{}", faq["id"].as_str().unwrap_or(""));
    let waiting = server.get(&entry_path).await.body;
    assert_eq!(waiting["status"], "draft");
    assert!(waiting["publish_at"].is_string(), "{waiting}");
    assert!(
        server.bucket_json(key).await.is_none(),
        "not before its time"
    );

    let job = server.wait_job(&scheduled.body["id"]).await;
    assert_eq!(job["status"], "done", "{job}");
    let late = finished_at(&job) - at;
    assert!(
        late < chrono::Duration::seconds(5),
        "published {late} after its time"
    );
    assert!(server.bucket_json(key).await.is_some());
    let live = server.get(&entry_path).await.body;
    assert_eq!(live["status"], "published");
    assert_eq!(live["publish_at"], Value::Null);
    let audit = server.get("/api/v1/audit?action=entry.publish").await.body;
    assert_eq!(audit["items"][0]["actor_id"], "system");
    assert_eq!(audit["items"][0]["details"]["scheduled"], true);

    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let unscheduled = server
        .step(
            None,
            "faq",
            &faq["id"],
            "unpublish",
            Some(&json!({"at": at.to_rfc3339()})),
        )
        .await;
    assert_eq!(
        unscheduled.status,
        StatusCode::ACCEPTED,
        "{}",
        unscheduled.text
    );
    let job = server.wait_job(&unscheduled.body["id"]).await;
    assert_eq!(job["status"], "done", "{job}");
    let late = finished_at(&job) - at;
    assert!(
        late < chrono::Duration::seconds(5),
        "unpublished {late} after its time"
    );
    assert!(server.bucket_json(key).await.is_none());
    let after = server.get(&entry_path).await.body;
    // A FAQ needs no review: nobody approved it, so it is a draft again.
    assert_eq!(after["status"], "draft");
    assert_eq!(after["published_version"], Value::Null);
    assert_eq!(after["unpublish_at"], Value::Null);
    let audit = server
        .get("/api/v1/audit?action=entry.unpublish")
        .await
        .body;
    assert_eq!(audit["items"][0]["actor_id"], "system");
    assert_eq!(audit["items"][0]["details"]["scheduled"], true);
    server.stop().await;
}

/// When a job finished.
fn finished_at(job: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(job["finished_at"].as_str().unwrap_or(""))
        .unwrap_or_else(|_| panic!("a finished job: {job}"))
        .with_timezone(&chrono::Utc)
}

#[actix_web::test]
async fn editing_an_approved_entry_sends_it_back_to_draft() {
    let server = TestServer::start().await;
    let (editor, publisher) = team(&server).await;
    let created = server.create("promo_banner", &banner()).await;
    let id = &created["id"];
    server
        .step(Some(&editor), "promo_banner", id, "submit", None)
        .await;
    let approved = server
        .step(Some(&publisher), "promo_banner", id, "approve", None)
        .await;
    assert_eq!(approved.body["status"], "approved", "{}", approved.text);
    let path = format!("/api/v1/entries/promo_banner/{}", id.as_str().unwrap_or(""));
    let edited = server
        .patch(
            &path,
            approved.body["version"].as_i64().expect("a version"),
            &json!({"fields": {"discount": 40}}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(edited.body["status"], "draft", "what was approved changed");
    // Its approval does not carry over: it needs another review to be published.
    server
        .step(Some(&publisher), "promo_banner", id, "publish", None)
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    assert!(
        server
            .bucket_json("content/promo_banner/en/summer-sale.json")
            .await
            .is_none()
    );
    server.stop().await;
}

/// Unpublishing a published entry: back to `approved` when its type has review (the content
/// was approved and has not changed), to `draft` when it has none.
#[actix_web::test]
async fn unpublishing_goes_back_to_approved_or_to_draft() {
    let server = TestServer::start().await;
    let (editor, publisher) = team(&server).await;
    let created = server.create("promo_banner", &banner()).await;
    let id = &created["id"];
    server
        .step(Some(&editor), "promo_banner", id, "submit", None)
        .await;
    server
        .step(Some(&publisher), "promo_banner", id, "approve", None)
        .await;
    let published = server
        .step(Some(&publisher), "promo_banner", id, "publish", None)
        .await;
    assert_eq!(published.status, StatusCode::ACCEPTED, "{}", published.text);
    server.wait_job(&published.body["id"]).await;
    let offline = server
        .step(Some(&publisher), "promo_banner", id, "unpublish", None)
        .await;
    assert_eq!(offline.status, StatusCode::ACCEPTED, "{}", offline.text);
    server.wait_job(&offline.body["id"]).await;
    let path = format!("/api/v1/entries/promo_banner/{}", id.as_str().unwrap_or(""));
    let banner = server.get(&path).await.body;
    assert_eq!(banner["status"], "approved", "{banner}");
    // Published again without another review.
    let again = server
        .step(Some(&publisher), "promo_banner", id, "publish", None)
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    server.wait_job(&again.body["id"]).await;

    let faq = server
        .create(
            "faq",
            &json!({"fields": {"question": "Gift cards?", "answer": "Yes, in every shop."}}),
        )
        .await;
    server.publish_now("faq", &faq["id"]).await;
    let offline = server
        .step(None, "faq", &faq["id"], "unpublish", None)
        .await;
    assert_eq!(offline.status, StatusCode::ACCEPTED, "{}", offline.text);
    let faq_path = format!("/api/v1/entries/faq/{}", faq["id"].as_str().unwrap_or(""));
    let after = server.get(&faq_path).await.body;
    assert_eq!(after["status"], "draft", "{after}");
    let history = server.get(&format!("{faq_path}/revisions")).await.body;
    assert_eq!(history["items"][0]["note"], "unpublished");
    assert_eq!(history["items"][0]["status"], "draft");
    server.stop().await;
}

#[actix_web::test]
async fn editing_cancels_a_scheduled_publication() {
    let server = TestServer::start().await;
    let faq = server
        .create("faq", &json!({"fields": {"question": "Sizes?", "answer": "Yes, within 30 days of delivery."}}))
        .await;
    let at = chrono::Utc::now() + chrono::Duration::seconds(30);
    let scheduled = server
        .step(
            None,
            "faq",
            &faq["id"],
            "publish",
            Some(&json!({"at": at.to_rfc3339()})),
        )
        .await;
    assert_eq!(scheduled.status, StatusCode::ACCEPTED, "{}", scheduled.text);
    let path = format!("/api/v1/entries/faq/{}", faq["id"].as_str().unwrap_or(""));
    let edited = server
        .patch(
            &path,
            1,
            &json!({"fields": {"answer": "Yes, within 30 days of delivery."}}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(edited.body["publish_at"], Value::Null);
    let job = server
        .get(&format!("/api/v1/publish/jobs/{}", scheduled.body["id"]))
        .await
        .body;
    assert_eq!(job["status"], "cancelled");
    assert!(
        job["error"].as_str().unwrap_or("").contains("edited"),
        "{job}"
    );
    server.stop().await;
}

#[actix_web::test]
async fn a_scheduled_publication_whose_reference_went_offline_is_cancelled() {
    let server = TestServer::start().await;
    let (editor, publisher) = team(&server).await;
    let (faq, page) = page_with_faq(&server, "Abroad", "Do you ship abroad?").await;
    server.publish_now("faq", &faq["id"]).await;
    let id = &page["id"];
    server
        .step(Some(&editor), "landing_page", id, "submit", None)
        .await;
    let approved = server
        .step(Some(&publisher), "landing_page", id, "approve", None)
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let scheduled = server
        .step(
            Some(&publisher),
            "landing_page",
            id,
            "publish",
            Some(&json!({"at": at.to_rfc3339()})),
        )
        .await;
    assert_eq!(scheduled.status, StatusCode::ACCEPTED, "{}", scheduled.text);
    // The FAQ goes offline before the page's time comes.
    let unpublished = server
        .step(None, "faq", &faq["id"], "unpublish", None)
        .await;
    assert_eq!(
        unpublished.status,
        StatusCode::ACCEPTED,
        "{}",
        unpublished.text
    );
    server.wait_job(&unpublished.body["id"]).await;

    let job = server.wait_job(&scheduled.body["id"]).await;
    assert_eq!(job["status"], "cancelled", "{job}");
    let reason = job["error"].as_str().unwrap_or("");
    assert!(
        reason.contains("fields.sections[0].faqs[0]") && reason.contains("not published"),
        "{job}"
    );
    let entry = server
        .get(&format!(
            "/api/v1/entries/landing_page/{}",
            id.as_str().unwrap_or("")
        ))
        .await;
    assert_eq!(entry.body["status"], "approved", "{}", entry.text);
    assert_eq!(entry.body["publish_at"], Value::Null);
    assert!(
        server
            .bucket_json("content/landing_page/en/abroad.json")
            .await
            .is_none()
    );
    server.assert_bucket_consistent().await;
    server.stop().await;
}

#[actix_web::test]
async fn unpublishing_the_live_version_keeps_a_scheduled_new_one() {
    let server = TestServer::start().await;
    let faq = server
        .create(
            "faq",
            &json!({"fields": {"question": "Gift wrapping?", "answer": "Yes, for 3 euros per parcel."}}),
        )
        .await;
    server.publish_now("faq", &faq["id"]).await;
    let path = format!("/api/v1/entries/faq/{}", faq["id"].as_str().unwrap_or(""));
    let live = server.get(&path).await;
    // A new version for Monday, while the current one goes offline on Sunday (now).
    let edited = server
        .patch(
            &path,
            live.body["version"].as_i64().expect("a version"),
            &json!({"fields": {"answer": "Yes, and free for orders above 50 euros."}}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let scheduled = server
        .step(
            None,
            "faq",
            &faq["id"],
            "publish",
            Some(&json!({"at": at.to_rfc3339()})),
        )
        .await;
    assert_eq!(scheduled.status, StatusCode::ACCEPTED, "{}", scheduled.text);
    let offline = server
        .step(None, "faq", &faq["id"], "unpublish", None)
        .await;
    assert_eq!(offline.status, StatusCode::ACCEPTED, "{}", offline.text);
    server.wait_job(&offline.body["id"]).await;

    let job = server.wait_job(&scheduled.body["id"]).await;
    assert_eq!(
        job["status"], "done",
        "a status change alone does not cancel it: {job}"
    );
    let object = server.object("content/faq/en/gift-wrapping.json").await;
    assert_eq!(
        object["fields"]["answer"]["markdown"],
        "Yes, and free for orders above 50 euros."
    );
    server.assert_bucket_consistent().await;
    server.stop().await;
}

#[actix_web::test]
async fn a_campaign_end_can_be_scheduled_before_it_starts() {
    let server = TestServer::start().await;
    let faq = server
        .create(
            "faq",
            &json!({"fields": {"question": "Flash sale?", "answer": "This weekend only."}}),
        )
        .await;
    let key = "content/faq/en/flash-sale.json";
    let at = |seconds: i64| {
        (chrono::Utc::now() + chrono::Duration::seconds(seconds))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let step = async |name: &str, at: Option<String>| {
        let body = at.map(|at| json!({"at": at}));
        server
            .step(None, "faq", &faq["id"], name, body.as_ref())
            .await
    };
    // Not live and nothing scheduled: there is nothing to end.
    step("unpublish", Some(at(60)))
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");

    let starts = step("publish", Some(at(2))).await;
    assert_eq!(starts.status, StatusCode::ACCEPTED, "{}", starts.text);
    // An end before the start, or an end now, is refused; an end after it is scheduled.
    step("unpublish", Some(at(1)))
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    step("unpublish", None)
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");
    let ends = step("unpublish", Some(at(4))).await;
    assert_eq!(ends.status, StatusCode::ACCEPTED, "{}", ends.text);
    let entry_path = format!("/api/v1/entries/faq/{}", faq["id"].as_str().unwrap_or(""));
    let waiting = server.get(&entry_path).await.body;
    assert!(
        waiting["publish_at"].is_string() && waiting["unpublish_at"].is_string(),
        "{waiting}"
    );

    let published = server.wait_job(&starts.body["id"]).await;
    assert_eq!(published["status"], "done", "{published}");
    assert!(
        server.bucket_json(key).await.is_some(),
        "live from its start"
    );
    let ended = server.wait_job(&ends.body["id"]).await;
    assert_eq!(ended["status"], "done", "{ended}");
    assert!(server.bucket_json(key).await.is_none(), "gone at its end");
    let after = server.get(&entry_path).await.body;
    assert_eq!(after["published_version"], Value::Null, "{after}");
    assert_eq!(after["unpublish_at"], Value::Null, "{after}");
    server.assert_bucket_consistent().await;
    server.stop().await;
}
