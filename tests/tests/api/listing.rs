//! Listing: filters, every sort, and keyset pagination that visits each entry exactly once.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::TestServer;

async fn all_pages(server: &TestServer, query: &str, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/entries/promo_banner?limit={limit}&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = server.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text);
        let batch = page.body["items"].as_array().expect("items").clone();
        assert!(batch.len() <= limit);
        items.extend(batch);
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

fn field<'a>(items: &'a [Value], key: &str) -> Vec<&'a str> {
    items
        .iter()
        .map(|i| i[key].as_str().unwrap_or(""))
        .collect()
}

fn assert_sorted<T: Ord + std::fmt::Debug + Clone>(keys: Vec<T>, descending: bool, sort: &str) {
    let mut sorted = keys.clone();
    sorted.sort();
    if descending {
        sorted.reverse();
    }
    assert_eq!(keys, sorted, "sort={sort}");
}

#[actix_web::test]
async fn filters_sorts_and_pages() {
    let server = TestServer::start().await;
    let mut ids = Vec::new();
    for n in 0..24 {
        let locale = if n % 3 == 0 { "fr" } else { "en" };
        let headline = if n % 4 == 0 {
            format!("Summer 50% sale {n}")
        } else {
            format!("Winter_offer {n}")
        };
        let entry = server
            .create(
                "promo_banner",
                &json!({"locale": locale, "fields": {"headline": headline}}),
            )
            .await;
        ids.push(entry["id"].as_str().unwrap_or("").to_owned());
    }
    for id in ids.iter().take(5) {
        let r = server
            .send(
                Method::DELETE,
                &format!("/api/v1/entries/promo_banner/{id}"),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }

    for limit in [1, 5, 7, 50] {
        let items = all_pages(&server, "", limit).await;
        let seen: HashSet<&str> = field(&items, "id").into_iter().collect();
        assert_eq!(items.len(), 24, "limit {limit}");
        assert_eq!(seen.len(), 24, "limit {limit}: an entry was repeated");
    }
    for (sort, key, descending) in [
        ("-updated_at", "updated_at", true),
        ("updated_at", "updated_at", false),
        ("-created_at", "created_at", true),
        ("created_at", "created_at", false),
        ("slug", "slug", false),
        ("-slug", "slug", true),
    ] {
        let items = all_pages(&server, &format!("sort={sort}"), 5).await;
        let keys = field(&items, key);
        if key == "slug" {
            assert_sorted(keys, descending, sort);
        } else {
            // As instants: RFC 3339 texts with different numbers of fractional digits
            // (`10:00:00.5Z`, `10:00:00.123456Z`) do not sort as text.
            let times = keys
                .iter()
                .map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("an RFC 3339 time"))
                .collect();
            assert_sorted(times, descending, sort);
        }
        assert_eq!(items.len(), 24);
    }
    // The default is -updated_at: the archived ones were updated last.
    let first = server.get("/api/v1/entries/promo_banner?limit=1").await;
    assert_eq!(first.body["items"][0]["status"], "archived");

    let french = all_pages(&server, "locale=fr", 3).await;
    assert_eq!(french.len(), 8);
    assert!(french.iter().all(|i| i["locale"] == "fr"));
    let archived = all_pages(&server, "status=archived", 2).await;
    assert_eq!(archived.len(), 5);
    let drafts_fr = all_pages(&server, "status=draft&locale=fr", 2).await;
    assert!(
        drafts_fr
            .iter()
            .all(|i| i["status"] == "draft" && i["locale"] == "fr")
    );
    assert_eq!(
        drafts_fr.len(),
        8 - french.iter().filter(|i| i["status"] == "archived").count()
    );

    let summer = all_pages(&server, "q=SUMMER", 50).await;
    assert_eq!(summer.len(), 6);
    let percent = all_pages(&server, "q=50%25", 50).await;
    assert_eq!(percent.len(), 6, "% is literal");
    let underscore = all_pages(&server, "q=r_o", 50).await;
    assert_eq!(underscore.len(), 18, "_ is literal");
    assert!(all_pages(&server, "q=r%25o", 50).await.is_empty());

    let future = all_pages(&server, "updated_since=2999-01-01T00:00:00Z", 50).await;
    assert!(future.is_empty());
    let since = first.body["items"][0]["updated_at"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let recent = all_pages(&server, &format!("updated_since={since}"), 50).await;
    assert!(!recent.is_empty() && recent.len() <= 5);

    // A cursor belongs to its sort.
    let page = server
        .get("/api/v1/entries/promo_banner?limit=2&sort=slug")
        .await;
    let cursor = page.body["next_cursor"].as_str().unwrap_or("").to_owned();
    server
        .get(&format!("/api/v1/entries/promo_banner?cursor={cursor}"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    server.stop().await;
}

#[actix_web::test]
async fn search_reaches_nested_text() {
    let server = TestServer::start().await;
    server
        .create("landing_page", &json!({"fields": {"title": "Home", "sections": [
            {"kind": "rich_text", "heading": "Sandals galore", "body": "Our **espadrilles** are back"}]}}))
        .await;
    for (q, found) in [("galore", 1), ("ESPADRILLES", 1), ("boots", 0)] {
        let page = server
            .get(&format!("/api/v1/entries/landing_page?q={q}"))
            .await;
        assert_eq!(
            page.body["items"].as_array().map(Vec::len),
            Some(found),
            "q={q}"
        );
    }
    server.stop().await;
}

/// The text index follows every write: a word an edit removes is no longer found, one it adds
/// is, and accents and case fold as in the text itself.
#[actix_web::test]
async fn search_follows_edits() {
    let server = TestServer::start().await;
    let search = |q: &'static str| {
        let server = &server;
        async move {
            let page = server
                .get(&format!("/api/v1/entries/promo_banner?q={q}"))
                .await;
            assert_eq!(page.status, StatusCode::OK, "q={q}: {}", page.text);
            field(page.body["items"].as_array().expect("items"), "id")
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        }
    };
    let entry = server
        .create(
            "promo_banner",
            &json!({"slug": "spring", "fields": {"headline": "Espadrilles for the Été"}}),
        )
        .await;
    let id = entry["id"].as_str().unwrap_or("").to_owned();
    assert_eq!(search("espadrilles").await, vec![id.clone()]);
    assert_eq!(
        search("%C3%89T%C3%89").await,
        vec![id.clone()],
        "ÉTÉ finds été"
    );

    let patched = server
        .patch(
            &format!("/api/v1/entries/promo_banner/{id}"),
            1,
            &json!({"fields": {"headline": "Linen shirts"}}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert!(search("espadrilles").await.is_empty());
    assert_eq!(search("linen%20shirts").await, vec![id.clone()]);
    assert!(
        search("shirts%20linen").await.is_empty(),
        "a phrase, in order"
    );
    server.stop().await;
}
