//! Three servers on one PostgreSQL database, as behind a load balancer: every publish job,
//! scheduled or not, runs exactly once, and every path is announced once. Runs only with
//! `HERALD_TEST_DATABASE=postgres` (one SQLite file belongs to one server).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Receiver, TestServer, postgres};

#[actix_web::test]
async fn three_servers_run_every_job_exactly_once() {
    if !postgres() {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: needs HERALD_TEST_DATABASE=postgres"
        );
        return;
    }
    let hook = Receiver::start(200);
    let url = hook.url.clone();
    let servers = TestServer::start_cluster(3, move |s| {
        s.publish.webhooks = vec![herald::settings::Webhook {
            url: url.parse().expect("a URL"),
            secret: herald::settings::Secret::new("cluster-hook"),
        }];
    })
    .await;

    // 30 entries published now and 6 at a time two seconds ahead, each through a server in
    // turn, all at once.
    let mut entries = Vec::new();
    for n in 0..36 {
        let server = &servers[n % 3];
        let entry = server
            .create(
                "faq",
                &json!({"fields": {"question": format!("Cluster question {n}?"),
                                   "answer": "Answered by whichever server."}}),
            )
            .await;
        entries.push(entry);
    }
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let requests = entries.iter().enumerate().map(|(n, entry)| {
        let server = &servers[n % 3];
        let body = (n >= 30).then(|| json!({"at": at}));
        async move {
            server
                .step(None, "faq", &entry["id"], "publish", body.as_ref())
                .await
        }
    });
    let accepted = futures::future::join_all(requests).await;
    let mut jobs = Vec::new();
    for response in &accepted {
        assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.text);
        jobs.push(response.body["id"].clone());
    }
    for (n, id) in jobs.iter().enumerate() {
        let job = servers[(n + 1) % 3].wait_job(id).await;
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["attempts"], 1, "ran once: {job}");
    }
    for server in &servers {
        server.wait_idle().await;
    }
    // Every notification delivered; each entry's path announced exactly once.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut announced: BTreeMap<String, usize> = BTreeMap::new();
    while Instant::now() < deadline {
        announced.clear();
        for (_, body) in hook.received() {
            let body: Value = serde_json::from_slice(&body).expect("JSON");
            for path in body["paths"].as_array().expect("paths") {
                let path = path.as_str().unwrap_or("");
                if path.starts_with("content/faq/en/cluster-question-") {
                    *announced.entry(path.to_owned()).or_default() += 1;
                }
            }
        }
        if announced.len() == entries.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(announced.len(), entries.len(), "{announced:?}");
    assert!(announced.values().all(|n| *n == 1), "{announced:?}");
    // Each scheduled publication was carried out once, by one of the servers.
    let audit = servers[0]
        .get("/api/v1/audit?action=entry.publish&actor=system&limit=100")
        .await
        .body;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(6), "{audit}");
    let index = servers[1].object("content/faq/en/index.json").await;
    assert_eq!(index["items"].as_array().map(Vec::len), Some(36));
    servers[2].assert_bucket_consistent().await;
    for server in servers.into_iter().rev() {
        server.stop().await;
    }
    hook.stop().await;
}
