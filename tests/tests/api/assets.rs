//! Uploads: every accepted type, mislabelled and unknown files refused, limits, unsafe names,
//! deduplication (also under concurrent uploads), uploads broken off midway, asset fields in
//! entries, the private original, search, the content-type scope, and deletion of assets any
//! version uses refused.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;

use crate::support::{Response, TestServer};

/// A PNG header of the given size (enough for type and dimensions), padded to `len` bytes.
pub(crate) fn png(width: u32, height: u32, len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    let mut n = 0u8;
    while bytes.len() < len {
        n = n.wrapping_mul(31).wrapping_add(7);
        bytes.push(n);
    }
    bytes
}

fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut bytes =
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00".to_vec();
    bytes.extend_from_slice(b"\xff\xc0\x00\x11\x08");
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9");
    bytes.resize(600, 0);
    bytes
}

fn gif(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = b"GIF89a".to_vec();
    bytes.extend_from_slice(&width.to_le_bytes());
    bytes.extend_from_slice(&height.to_le_bytes());
    bytes.extend_from_slice(&[0; 40]);
    bytes
}

fn webp(width: u32, height: u32) -> Vec<u8> {
    // VP8X: canvas size minus one, 24-bit little-endian.
    let mut bytes = b"RIFF\x30\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00".to_vec();
    bytes.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    bytes.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    bytes.resize(64, 0);
    bytes
}

/// An ISO base media file (`ftyp` box of `brand`, then padding): AVIF or MP4.
fn iso_media(brand: &[u8; 4], len: usize) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0, 0x18];
    bytes.extend_from_slice(b"ftyp");
    bytes.extend_from_slice(brand);
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(brand);
    bytes.extend_from_slice(b"isom");
    bytes.resize(len, 0);
    bytes
}

/// A WebM (Matroska EBML header) file.
fn webm(len: usize) -> Vec<u8> {
    let mut bytes = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm".to_vec();
    bytes.resize(len, 0);
    bytes
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

pub(crate) async fn upload(
    server: &TestServer,
    bytes: Vec<u8>,
    filename: &str,
    content_type: &str,
    alt: Option<&str>,
) -> Response {
    let part = Part::bytes(bytes)
        .file_name(filename.to_owned())
        .mime_str(content_type)
        .expect("a media type");
    let mut form = Form::new().part("file", part);
    if let Some(alt) = alt {
        form = form.text("alt", alt.to_owned());
    }
    let response = server
        .client
        .post(server.url("/api/v1/assets"))
        .multipart(form)
        .send()
        .await
        .expect("an answer");
    Response::read(response).await
}

fn originals(server: &TestServer) -> Vec<String> {
    let dir = server.dir.path().join("assets/originals");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn public_files(server: &TestServer) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(&server.dir.path().join("public"), &mut out);
    out
}

#[actix_web::test]
async fn every_accepted_type_is_stored_with_its_size() {
    let server = TestServer::start().await;
    type Case = (
        &'static str,
        Vec<u8>,
        &'static str,
        &'static str,
        Option<(u32, u32)>,
    );
    let cases: [Case; 8] = [
        (
            "hero.png",
            png(2400, 1000, 4096),
            "image/png",
            "image/png",
            Some((2400, 1000)),
        ),
        (
            "photo.JPG",
            jpeg(640, 480),
            "image/jpeg",
            "image/jpeg",
            Some((640, 480)),
        ),
        (
            "anim.gif",
            gif(32, 16),
            "image/gif",
            "image/gif",
            Some((32, 16)),
        ),
        (
            "pic.webp",
            webp(300, 200),
            "image/webp",
            "image/webp",
            Some((300, 200)),
        ),
        (
            "terms.pdf",
            pdf(),
            "application/pdf",
            "application/pdf",
            None,
        ),
        (
            "still.avif",
            iso_media(b"avif", 700),
            "image/avif",
            "image/avif",
            None,
        ),
        (
            "teaser.mp4",
            iso_media(b"mp42", 5000),
            "video/mp4",
            "video/mp4",
            None,
        ),
        ("loop.webm", webm(3000), "video/webm", "video/webm", None),
    ];
    for (name, bytes, declared, sniffed, size) in cases {
        let length = bytes.len();
        let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
        let answer = upload(&server, bytes, name, declared, Some("A description")).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{name}: {}",
            answer.text
        );
        let asset = &answer.body;
        assert_eq!(asset["content_type"], sniffed, "{name}");
        assert_eq!(asset["bytes"], length, "{name}");
        assert_eq!(asset["sha256"], sha256, "{name}: the SHA-256 of its bytes");
        assert_eq!(asset["alt"], "A description");
        assert_eq!(
            (asset["width"].as_u64(), asset["height"].as_u64()),
            (size.map(|s| u64::from(s.0)), size.map(|s| u64::from(s.1))),
            "{name}"
        );
        // The private original answers to signed-in editors, byte for byte.
        let id = asset["id"].as_str().expect("id");
        let content = server
            .client
            .get(server.url(&format!("/api/v1/assets/{id}/content")))
            .send()
            .await
            .expect("an answer");
        assert_eq!(content.status(), StatusCode::OK);
        assert_eq!(content.headers()["content-type"], sniffed);
        assert_eq!(content.headers()["cache-control"], "private, no-store");
        assert_eq!(content.bytes().await.expect("bytes").len(), length);
        let anonymous = server
            .send(
                Method::GET,
                &format!("/api/v1/assets/{id}/content"),
                None,
                &[("authorization", "")],
            )
            .await;
        anonymous.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    assert_eq!(originals(&server).len(), 8);
    assert!(
        public_files(&server).is_empty(),
        "nothing is public before publishing"
    );
    server.stop().await;
}

#[actix_web::test]
async fn mislabelled_unknown_and_oversized_files_are_refused_and_leave_nothing() {
    let server = TestServer::start_with(|s| s.assets.max_bytes = 64 * 1024).await;
    type Refusal = (
        &'static str,
        Vec<u8>,
        &'static str,
        StatusCode,
        &'static str,
    );
    let refusals: [Refusal; 7] = [
        (
            "a PNG named .pdf",
            png(10, 10, 100),
            "application/pdf",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "HTML sent as image/png",
            b"<!doctype html><script>alert(1)</script>".repeat(4),
            "image/png",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "an SVG",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
            "image/svg+xml",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "plain text",
            b"just some words, nothing more than that".to_vec(),
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "an empty file",
            Vec::new(),
            "image/png",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "over the limit",
            png(10, 10, 200 * 1024),
            "image/png",
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "a PNG with a .jpg name",
            png(10, 10, 100),
            "application/octet-stream",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ];
    for (what, bytes, declared, status, code) in refusals {
        let name = match what {
            "a PNG named .pdf" => "brochure.pdf",
            "a PNG with a .jpg name" => "photo.jpg",
            _ => "file.png",
        };
        let answer = upload(&server, bytes, name, declared, None).await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{what}: {}",
            answer.text
        );
    }
    // An upload streamed without a length stops being read at the limit.
    let chunks = (0..64).map(|n| {
        Ok::<_, std::io::Error>(if n == 0 {
            png(10, 10, 8 * 1024)
        } else {
            vec![7u8; 8 * 1024]
        })
    });
    let part = Part::stream(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .file_name("big.png")
        .mime_str("image/png")
        .expect("a type");
    let answer = Response::read(
        server
            .client
            .post(server.url("/api/v1/assets"))
            .multipart(Form::new().part("file", part))
            .send()
            .await
            .expect("an answer"),
    )
    .await;
    answer.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // Not a form, no file, unknown parts, a bad alt.
    let not_form = server.post("/api/v1/assets", &json!({"file": "x"})).await;
    not_form.assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let no_file = Response::read(
        server
            .client
            .post(server.url("/api/v1/assets"))
            .multipart(Form::new().text("alt", "x"))
            .send()
            .await
            .expect("an answer"),
    )
    .await;
    assert_eq!(
        no_file.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")["details"][0]["path"],
        "file"
    );
    let extra = Response::read(
        server
            .client
            .post(server.url("/api/v1/assets"))
            .multipart(
                Form::new()
                    .text("owner", "me")
                    .part("file", Part::bytes(png(1, 1, 100)).file_name("a.png")),
            )
            .send()
            .await
            .expect("an answer"),
    )
    .await;
    extra.assert_error(StatusCode::BAD_REQUEST, "unknown_field");
    let long_alt = upload(
        &server,
        png(2, 2, 100),
        "a.png",
        "image/png",
        Some(&"x".repeat(1001)),
    )
    .await;
    long_alt.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    assert!(
        originals(&server).is_empty(),
        "refused uploads leave nothing: {:?}",
        originals(&server)
    );
    let listed = server.get("/api/v1/assets").await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(0));
    let uploads = server.dir.path().join("assets/uploads");
    let leftovers = std::fs::read_dir(&uploads).map(|d| d.count()).unwrap_or(0);
    assert_eq!(
        leftovers,
        0,
        "no partial upload is left in {}",
        uploads.display()
    );
    server.stop().await;
}

#[actix_web::test]
async fn file_names_are_made_safe() {
    let server = TestServer::start().await;
    for (n, (raw, safe)) in [
        ("../../etc/passwd.png", "passwd.png"),
        ("..\\..\\boot.png", "boot.png"),
        ("Été 2026 <Hero>.png", "ete-2026-hero.png"),
        ("a\tb.png", "ab.png"),
        // The extension follows the content: a PNG is never published as HTML or a script.
        ("landing.html", "landing.png"),
        ("logo.svg", "logo.png"),
        ("run.js", "run.png"),
        ("no-extension", "no-extension.png"),
    ]
    .into_iter()
    .enumerate()
    {
        // Distinct bytes each time, so no upload is a duplicate of another.
        let answer = upload(&server, png(3, 3, 100 + n), raw, "image/png", None).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{raw}: {}", answer.text);
        assert_eq!(answer.body["filename"], safe, "{raw}");
    }
    let escaped: Vec<_> = walkdir(server.dir.path())
        .into_iter()
        .filter(|p| p.contains("passwd") || p.contains("boot"))
        .collect();
    assert!(escaped.is_empty(), "names never become paths: {escaped:?}");
    server.stop().await;
}

fn walkdir(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        out.push(path.display().to_string());
        if path.is_dir() {
            out.extend(walkdir(&path));
        }
    }
    out
}

#[actix_web::test]
async fn the_same_bytes_are_one_asset_even_when_uploaded_at_once() {
    let server = TestServer::start().await;
    let bytes = png(100, 50, 30_000);
    let first = upload(&server, bytes.clone(), "one.png", "image/png", None).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = upload(&server, bytes.clone(), "two.png", "image/png", None).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["id"], first.body["id"]);

    let other = png(100, 51, 30_000);
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let client = server.client.clone();
            let url = server.url("/api/v1/assets");
            let bytes = other.clone();
            actix_web::rt::spawn(async move {
                let part = Part::bytes(bytes)
                    .file_name(format!("same-{n}.png"))
                    .mime_str("image/png")
                    .expect("type");
                let form = Form::new()
                    .text("alt", format!("Upload number {n}"))
                    .part("file", part);
                Response::read(
                    client
                        .post(url)
                        .multipart(form)
                        .send()
                        .await
                        .expect("an answer"),
                )
                .await
            })
        })
        .collect();
    let mut answers = Vec::new();
    let mut created = 0;
    for task in tasks {
        let answer = task.await.expect("an upload");
        assert!(answer.status.is_success(), "{}", answer.text);
        created += usize::from(answer.status == StatusCode::CREATED);
        answers.push(answer.body);
    }
    assert_eq!(created, 1, "created once");
    // Every answer is the one stored asset, with the name and alt text of the upload that
    // created it; the others' names and alt texts are not stored anywhere.
    let stored = server
        .get(&format!(
            "/api/v1/assets/{}",
            answers[0]["id"].as_str().expect("id")
        ))
        .await;
    for answer in &answers {
        for key in ["id", "filename", "alt", "created_at"] {
            assert_eq!(answer[key], stored.body[key], "{key}: {answer}");
        }
    }
    let name = stored.body["filename"].as_str().expect("a name");
    let n = name
        .trim_start_matches("same-")
        .trim_end_matches(".png")
        .to_owned();
    assert_eq!(stored.body["alt"], format!("Upload number {n}"), "{name}");
    assert_eq!(originals(&server).len(), 2, "two distinct files stored");
    let listed = server.get("/api/v1/assets").await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(2));
    server.stop().await;
}

/// Deleting an asset while the same bytes are uploaded again, in whatever order the two land:
/// an asset that exists afterwards always has its original, and no original outlives its last
/// asset.
#[actix_web::test]
async fn deleting_while_the_same_file_is_uploaded_again_never_loses_the_file() {
    let server = TestServer::start().await;
    for round in 0..12 {
        let bytes = png(40, 40, 5_000 + round);
        let first = upload(&server, bytes.clone(), "race.png", "image/png", None).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        let id = first.body["id"].as_str().expect("id").to_owned();
        let path = format!("/api/v1/assets/{id}");
        let (deleted, again) = tokio::join!(
            server.send(Method::DELETE, &path, None, &[]),
            upload(&server, bytes.clone(), "race.png", "image/png", None),
        );
        assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
        assert!(again.status.is_success(), "{}", again.text);
        let sha = first.body["sha256"].as_str().expect("sha256");
        let again_id = again.body["id"].as_str().expect("id");
        let exists = server.get(&format!("/api/v1/assets/{again_id}")).await;
        if exists.status == StatusCode::OK {
            // Uploaded after the delete: a new asset, whose file must be there.
            let content = server
                .client
                .get(server.url(&format!("/api/v1/assets/{again_id}/content")))
                .send()
                .await
                .expect("an answer");
            assert_eq!(content.status(), StatusCode::OK, "round {round}");
            assert_eq!(content.bytes().await.expect("bytes").as_ref(), &bytes[..]);
            let gone = server
                .send(
                    Method::DELETE,
                    &format!("/api/v1/assets/{again_id}"),
                    None,
                    &[],
                )
                .await;
            assert_eq!(gone.status, StatusCode::OK, "{}", gone.text);
        } else {
            // Answered with the asset the delete then removed.
            assert_eq!(exists.status, StatusCode::NOT_FOUND, "{}", exists.text);
        }
        assert!(
            !originals(&server).contains(&sha.to_owned()),
            "round {round}: the file outlived its last asset"
        );
    }
    server.stop().await;
}

#[actix_web::test]
async fn asset_fields_check_type_and_size_and_used_assets_cannot_be_deleted() {
    let server = TestServer::start().await;
    let image = upload(
        &server,
        png(2400, 1000, 2048),
        "hero.png",
        "image/png",
        Some("Beach at noon"),
    )
    .await;
    let image_id = image.body["id"].as_str().expect("id").to_owned();
    let document = upload(&server, pdf(), "terms.pdf", "application/pdf", None).await;
    let pdf_id = document.body["id"].as_str().expect("id").to_owned();

    // promo_banner.hero accepts PNG, JPEG and WebP images up to 8 MiB.
    let wrong = server
        .post(
            "/api/v1/entries/promo_banner",
            &json!({"fields": {"headline": "Docs", "hero": {"id": pdf_id}}}),
        )
        .await;
    let error = wrong.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["path"], "fields.hero");
    assert_eq!(error["details"][0]["code"], "asset_type_not_accepted");
    let missing = server
        .post(
            "/api/v1/entries/promo_banner",
            &json!({"fields": {"headline": "Ghost", "hero": {"id": "0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11"}}}),
        )
        .await;
    let error = missing.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["code"], "asset_not_found");

    let entry = server
        .create(
            "promo_banner",
            &json!({"fields": {"headline": "Summer", "hero": {"id": image_id}}}),
        )
        .await;
    let entry_id = entry["id"].as_str().expect("id");
    let preview = server
        .get(&format!("/api/v1/entries/promo_banner/{entry_id}/preview"))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    let hero = &preview.body["fields"]["hero"];
    let sha = image.body["sha256"].as_str().expect("sha");
    assert_eq!(
        hero,
        &json!({"url": format!("assets/{sha}/hero.png"), "content_type": "image/png", "bytes": 2048,
                "width": 2400, "height": 1000, "alt": "Beach at noon"})
    );

    let detail = server.get(&format!("/api/v1/assets/{image_id}")).await;
    assert_eq!(detail.body["used_by"][0]["id"], entry["id"]);
    let refused = server
        .send(
            Method::DELETE,
            &format!("/api/v1/assets/{image_id}"),
            None,
            &[],
        )
        .await;
    let error = refused.assert_error(StatusCode::CONFLICT, "asset_in_use");
    assert_eq!(
        error["details"][0]["path"],
        format!("promo_banner/en/{}", entry["slug"].as_str().expect("slug"))
    );
    assert_eq!(error["details"][0]["code"], "in_use");

    // Once the entry no longer uses it, its first version still does: the asset stays, so
    // that version can be restored.
    let cleared = server
        .patch(
            &format!("/api/v1/entries/promo_banner/{entry_id}"),
            1,
            &json!({"fields": {"hero": null}}),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    let kept = server
        .send(
            Method::DELETE,
            &format!("/api/v1/assets/{image_id}"),
            None,
            &[],
        )
        .await;
    let error = kept.assert_error(StatusCode::CONFLICT, "asset_in_use");
    assert!(
        error["details"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("earlier version")),
        "{error}"
    );
    assert!(originals(&server).contains(&sha.to_owned()));

    // An asset no version ever used can go, and its original with it.
    let pdf_sha = document.body["sha256"].as_str().expect("sha");
    let deleted = server
        .send(
            Method::DELETE,
            &format!("/api/v1/assets/{pdf_id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert!(!originals(&server).contains(&pdf_sha.to_owned()));
    server
        .get(&format!("/api/v1/assets/{pdf_id}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    server.stop().await;
}

#[actix_web::test]
async fn listing_searches_names_and_types_and_pages() {
    let server = TestServer::start().await;
    for (n, name) in ["summer-hero.png", "winter-hero.png", "summer-terms.pdf"]
        .iter()
        .enumerate()
    {
        let bytes = if name.ends_with(".pdf") {
            pdf()
        } else {
            png(10, 10, 200 + n)
        };
        let declared = if name.ends_with(".pdf") {
            "application/pdf"
        } else {
            "image/png"
        };
        assert_eq!(
            upload(&server, bytes, name, declared, None).await.status,
            StatusCode::CREATED
        );
    }
    let names = |answer: &Response| -> Vec<String> {
        answer.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|a| a["filename"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        names(&server.get("/api/v1/assets?q=summer").await),
        ["summer-terms.pdf", "summer-hero.png"]
    );
    assert_eq!(
        names(&server.get("/api/v1/assets?type=image/").await),
        ["winter-hero.png", "summer-hero.png"]
    );
    assert_eq!(
        names(&server.get("/api/v1/assets?type=application/pdf").await),
        ["summer-terms.pdf"]
    );
    let page = server.get("/api/v1/assets?limit=2").await;
    let cursor = page.body["next_cursor"].as_str().expect("more").to_owned();
    assert_eq!(
        names(
            &server
                .get(&format!("/api/v1/assets?limit=2&cursor={cursor}"))
                .await
        ),
        ["summer-hero.png"]
    );
    server
        .get("/api/v1/assets?sort=name")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    let viewer = server
        .user_token("viewer-assets@shop.example", "viewer", None)
        .await;
    let denied: Value = server
        .send(
            Method::GET,
            "/api/v1/assets",
            None,
            &[("authorization", &format!("Bearer {viewer}"))],
        )
        .await
        .body;
    assert_eq!(denied["error"]["code"], "forbidden");
    server.stop().await;
}

#[actix_web::test]
async fn an_asset_goes_public_only_with_a_published_entry_that_uses_it() {
    let server = TestServer::start().await;
    let launch = png(800, 600, 50_000);
    let embargoed = upload(&server, launch.clone(), "launch.png", "image/png", None).await;
    let other = upload(&server, png(40, 40, 900), "draft.png", "image/png", None).await;
    let (launch_sha, draft_sha) = (
        embargoed.body["sha256"].as_str().expect("sha").to_owned(),
        other.body["sha256"].as_str().expect("sha").to_owned(),
    );
    let published = server
        .create(
            "author",
            &json!({"fields": {"name": "Ada Launch", "email": "ada@example.com",
                               "avatar": {"id": embargoed.body["id"], "alt": "Ada"}}}),
        )
        .await;
    server
        .create(
            "author",
            &json!({"fields": {"name": "Bo Draft", "email": "bo@example.com",
                               "avatar": {"id": other.body["id"]}}}),
        )
        .await;
    let assets_public = |keys: &[String]| -> Vec<String> {
        keys.iter()
            .filter(|k| k.starts_with("assets/"))
            .cloned()
            .collect()
    };
    assert!(
        assets_public(&server.bucket_keys().await).is_empty(),
        "nothing is public before publishing"
    );

    server.publish_now("author", &published["id"]).await;
    let key = format!("assets/{launch_sha}/launch.png");
    assert_eq!(
        assets_public(&server.bucket_keys().await),
        std::slice::from_ref(&key),
        "only the published entry's file is public; the draft's ({draft_sha}) is not"
    );
    let object = server
        .object(&format!(
            "content/author/en/{}.json",
            published["slug"].as_str().expect("slug")
        ))
        .await;
    assert_eq!(
        object["fields"]["avatar"],
        json!({"url": key, "content_type": "image/png", "bytes": 50_000, "width": 800,
               "height": 600, "alt": "Ada"})
    );
    let copy = server.bucket().get(&key).await.expect("the bucket answers");
    assert_eq!(copy.as_deref(), Some(launch.as_slice()), "the very bytes");
    if crate::support::s3() {
        let (content_type, cache) = server
            .bucket()
            .headers(&key)
            .await
            .expect("the bucket answers")
            .expect("the object");
        assert_eq!(content_type.as_deref(), Some("image/png"));
        assert_eq!(
            cache.as_deref(),
            Some("public, max-age=31536000, immutable")
        );
    }
    server.assert_bucket_consistent().await;

    // A new draft that drops the image does not free it: the live version still shows it.
    let entry_path = format!(
        "/api/v1/entries/author/{}",
        published["id"].as_str().expect("id")
    );
    let current = server.get(&entry_path).await;
    let version = current.body["version"].as_i64().expect("a version");
    let dropped = server
        .patch(&entry_path, version, &json!({"fields": {"avatar": null}}))
        .await;
    assert_eq!(dropped.status, StatusCode::OK, "{}", dropped.text);
    let asset_path = format!(
        "/api/v1/assets/{}",
        embargoed.body["id"].as_str().expect("id")
    );
    let detail = server.get(&asset_path).await;
    assert_eq!(detail.body["used_by"][0]["id"], published["id"]);
    server
        .send(Method::DELETE, &asset_path, None, &[])
        .await
        .assert_error(StatusCode::CONFLICT, "asset_in_use");
    server.stop().await;
}

#[actix_web::test]
async fn a_file_leaves_the_public_bucket_once_no_published_entry_shows_it() {
    use sea_orm::ConnectionTrait;

    let server = TestServer::start().await;
    let image = upload(&server, png(64, 64, 2_000), "face.png", "image/png", None).await;
    let key = format!(
        "assets/{}/face.png",
        image.body["sha256"].as_str().expect("sha")
    );
    let author = |name: &str, email: &str| json!({"fields": {"name": name, "email": email, "avatar": {"id": image.body["id"]}}});
    let ada = server
        .create("author", &author("Ada", "ada@example.com"))
        .await;
    let bo = server
        .create("author", &author("Bo", "bo@example.com"))
        .await;
    server.publish_now("author", &ada["id"]).await;
    server.publish_now("author", &bo["id"]).await;
    let public = |keys: Vec<String>| keys.contains(&key);
    assert!(public(server.bucket_keys().await));

    let unpublish = async |entry: &Value| {
        let job = server
            .step(None, "author", &entry["id"], "unpublish", None)
            .await;
        assert_eq!(job.status, StatusCode::ACCEPTED, "{}", job.text);
        let job = server.wait_job(&job.body["id"]).await;
        assert_eq!(job["status"], "done", "{job}");
        job
    };
    unpublish(&ada).await;
    assert!(
        public(server.bucket_keys().await),
        "Bo's published entry still shows it"
    );

    // Bo's new version drops the picture: once it is live, nothing shows the file.
    let path = format!("/api/v1/entries/author/{}", bo["id"].as_str().expect("id"));
    let version = server.get(&path).await.body["version"]
        .as_i64()
        .expect("a version");
    let dropped = server
        .patch(&path, version, &json!({"fields": {"avatar": null}}))
        .await;
    assert_eq!(dropped.status, StatusCode::OK, "{}", dropped.text);
    let job = server.publish_now("author", &bo["id"]).await;
    assert!(
        !public(server.bucket_keys().await),
        "withdrawn with the version that dropped it"
    );
    assert!(
        job["result"]["deleted"]
            .as_array()
            .is_some_and(|d| d.contains(&json!(key))),
        "the CDN hears of it: {job}"
    );
    server.assert_bucket_consistent().await;

    // A bucket written before files were recorded keeps them until a rebuild has recorded
    // every object's: no file an unrecorded object shows is withdrawn.
    server.publish_now("author", &ada["id"]).await;
    assert!(public(server.bucket_keys().await), "public again");
    let db = sea_orm::Database::connect(server.database_url.as_str())
        .await
        .expect("the database");
    for statement in [
        "DELETE FROM published_assets",
        "UPDATE publish_state SET assets_recorded = FALSE",
    ] {
        db.execute_unprepared(statement)
            .await
            .expect("as an older version left it");
    }
    db.close().await.expect("closed");
    let rebuild = server.post("/api/v1/publish/rebuild", &json!({})).await;
    assert_eq!(server.wait_job(&rebuild.body["id"]).await["status"], "done");
    unpublish(&ada).await;
    assert!(
        !public(server.bucket_keys().await),
        "the rebuild recorded Ada's file, so it went with her entry"
    );
    server.assert_bucket_consistent().await;
    server.stop().await;
}

#[actix_web::test]
async fn a_type_the_settings_leave_out_is_refused() {
    let server =
        TestServer::start_with(|s| s.assets.allowed_types = vec!["image/png".to_owned()]).await;
    let refused = upload(&server, jpeg(64, 48), "photo.jpg", "image/jpeg", None).await;
    let error = refused.assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("image/jpeg"),
        "{error}"
    );
    assert!(originals(&server).is_empty(), "nothing kept");
    let allowed = upload(&server, png(8, 8, 200), "dot.png", "image/png", None).await;
    assert_eq!(allowed.status, StatusCode::CREATED, "{}", allowed.text);
    server.stop().await;
}

#[actix_web::test]
async fn an_asset_field_refuses_a_file_over_its_max_bytes() {
    let server = TestServer::start().await;
    // author.avatar takes images up to 2 MiB.
    let big = upload(
        &server,
        png(1200, 1200, 2 * 1024 * 1024 + 1),
        "big.png",
        "image/png",
        None,
    )
    .await;
    let small = upload(&server, png(120, 120, 4096), "small.png", "image/png", None).await;
    let refused = server
        .post(
            "/api/v1/entries/author",
            &json!({"fields": {"name": "Cy Large", "email": "cy@example.com",
                               "avatar": {"id": big.body["id"]}}}),
        )
        .await;
    let error = refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["path"], "fields.avatar", "{error}");
    assert_eq!(error["details"][0]["code"], "asset_too_large", "{error}");
    let accepted = server
        .post(
            "/api/v1/entries/author",
            &json!({"fields": {"name": "Cy Small", "email": "cy@example.com",
                               "avatar": {"id": small.body["id"]}}}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
    server.stop().await;
}

/// An `alt` part over the limit is `too_long` at `alt`, whatever its characters: a long run
/// of multibyte characters, read in chunks that may end inside one, is never "not UTF-8".
#[actix_web::test]
async fn an_alt_text_too_long_is_too_long_whatever_its_characters() {
    let server = TestServer::start().await;
    // Long enough to arrive in several chunks; each offset puts the chunk ends elsewhere in
    // the four bytes of a crab.
    for pad in 0..4 {
        let alt = format!("{}{}", "x".repeat(pad), "🦀".repeat(100_000));
        let answer = upload(
            &server,
            png(4, 4, 300 + pad),
            "a.png",
            "image/png",
            Some(&alt),
        )
        .await;
        let error = answer.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(error["details"][0]["path"], "alt", "{error}");
        assert_eq!(error["details"][0]["code"], "too_long", "{error}");
    }
    // Short in bytes but over 1,000 characters; and exactly 1,000 four-byte characters.
    let answer = upload(
        &server,
        png(4, 4, 310),
        "a.png",
        "image/png",
        Some(&"é".repeat(1001)),
    )
    .await;
    let error = answer.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["code"], "too_long", "{error}");
    let longest = "🦀".repeat(1000);
    let answer = upload(
        &server,
        png(4, 4, 320),
        "a.png",
        "image/png",
        Some(&longest),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.body["alt"], longest.as_str());
    assert_eq!(originals(&server).len(), 1, "refused uploads leave nothing");
    server.stop().await;
}

/// Every version stays restorable: an asset an earlier version uses is not deleted, and
/// restoring that version brings it back.
#[actix_web::test]
async fn an_asset_an_earlier_version_uses_is_kept_so_that_version_can_be_restored() {
    let server = TestServer::start().await;
    let first = upload(&server, png(800, 400, 3000), "first.png", "image/png", None).await;
    let second = upload(
        &server,
        png(800, 401, 3000),
        "second.png",
        "image/png",
        None,
    )
    .await;
    let (first_id, second_id) = (
        first.body["id"].as_str().expect("id").to_owned(),
        second.body["id"].as_str().expect("id").to_owned(),
    );
    let entry = server
        .create(
            "promo_banner",
            &json!({"fields": {"headline": "Spring", "hero": {"id": first_id}}}),
        )
        .await;
    let path = format!(
        "/api/v1/entries/promo_banner/{}",
        entry["id"].as_str().expect("id")
    );
    let replaced = server
        .patch(&path, 1, &json!({"fields": {"hero": {"id": second_id}}}))
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);

    let asset_path = format!("/api/v1/assets/{first_id}");
    let detail = server.get(&asset_path).await;
    assert_eq!(
        detail.body["used_by"],
        json!([{"id": entry["id"], "type": "promo_banner", "locale": "en",
                "slug": entry["slug"], "current": false}])
    );
    let refused = server.send(Method::DELETE, &asset_path, None, &[]).await;
    let error = refused.assert_error(StatusCode::CONFLICT, "asset_in_use");
    assert_eq!(
        error["details"][0]["path"],
        format!("promo_banner/en/{}", entry["slug"].as_str().expect("slug"))
    );
    assert_eq!(error["details"][0]["code"], "in_use");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("restored")),
        "{error}"
    );

    let restored = server
        .send(
            Method::POST,
            &format!("{path}/revisions/1/restore"),
            None,
            &[],
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    assert_eq!(restored.body["fields"]["hero"]["id"], first_id.as_str());
    let preview = server.get(&format!("{path}/preview")).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert_eq!(preview.body["fields"]["hero"]["width"], 800);
    assert_eq!(
        server.get(&asset_path).await.body["used_by"][0]["current"],
        true
    );
    server.stop().await;
}

/// An import records what every imported version uses, so the assets of restorable versions
/// stay on the new server too.
#[actix_web::test]
async fn an_import_keeps_the_assets_of_earlier_versions() {
    let source = TestServer::start().await;
    let image = upload(&source, png(60, 60, 1500), "old.png", "image/png", None).await;
    let image_id = image.body["id"].as_str().expect("id").to_owned();
    let entry = source
        .create(
            "promo_banner",
            &json!({"fields": {"headline": "Then", "hero": {"id": image_id}}}),
        )
        .await;
    let path = format!(
        "/api/v1/entries/promo_banner/{}",
        entry["id"].as_str().expect("id")
    );
    let dropped = source
        .patch(&path, 1, &json!({"fields": {"hero": null}}))
        .await;
    assert_eq!(dropped.status, StatusCode::OK, "{}", dropped.text);
    let mut lines = Vec::new();
    source
        .store()
        .export(|line| {
            lines.push(line);
            Ok(())
        })
        .await
        .expect("exported");
    source.stop().await;

    let target = TestServer::start().await;
    let schemas = herald_model::SchemaSet::load_dir(&crate::support::example_schemas())
        .expect("the example schemas");
    let summary = target
        .store()
        .import(&schemas, lines.into_iter().enumerate())
        .await
        .expect("imported");
    assert_eq!((summary.assets, summary.revisions), (1, 2));
    let refused = target
        .send(
            Method::DELETE,
            &format!("/api/v1/assets/{image_id}"),
            None,
            &[],
        )
        .await;
    refused.assert_error(StatusCode::CONFLICT, "asset_in_use");
    target.stop().await;
}

/// A caller limited to some content types sees the assets it uploaded and those entries of
/// its types use; another type's files, embargoed ones included, stay out of its reach.
#[actix_web::test]
async fn a_scoped_editor_reaches_only_its_uploads_and_its_types_assets() {
    let server = TestServer::start().await;
    let upload_as = async |token: Option<&str>, bytes: Vec<u8>, name: &str| {
        let part = Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str("image/png")
            .expect("a type");
        let mut request = server
            .client
            .post(server.url("/api/v1/assets"))
            .multipart(Form::new().part("file", part));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Response::read(request.send().await.expect("an answer")).await
    };
    let id_of = |answer: &Response| answer.body["id"].as_str().expect("an id").to_owned();

    // The admin (every type): an embargoed launch image for a banner, a spare upload no entry
    // uses yet, and a portrait for an author.
    let launch = upload_as(None, png(1600, 900, 4000), "launch.png").await;
    let spare_bytes = png(300, 300, 4001);
    let spare = upload_as(None, spare_bytes.clone(), "spare.png").await;
    let face = upload_as(None, png(200, 200, 4002), "face.png").await;
    let (launch_id, spare_id, face_id) = (id_of(&launch), id_of(&spare), id_of(&face));
    server
        .create(
            "promo_banner",
            &json!({"fields": {"headline": "Launch", "hero": {"id": launch_id}}}),
        )
        .await;
    let author = server
        .create(
            "author",
            &json!({"fields": {"name": "Ada Face", "email": "ada@example.com",
                               "avatar": {"id": face_id}}}),
        )
        .await;

    // An editor limited to authors uploads one of its own.
    let scoped = server
        .user_token("authors-only@shop.example", "editor", Some(&["author"]))
        .await;
    let mine = upload_as(Some(&scoped), png(64, 64, 4003), "mine.png").await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.text);
    let mine_id = id_of(&mine);
    let as_scoped = async |method: Method, path: &str| {
        server
            .send(
                method,
                path,
                None,
                &[("authorization", &format!("Bearer {scoped}"))],
            )
            .await
    };
    let names = |answer: &Response| -> Vec<String> {
        answer.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|a| a["filename"].as_str().map(str::to_owned))
            .collect()
    };

    let listed = as_scoped(Method::GET, "/api/v1/assets").await;
    assert_eq!(names(&listed), ["mine.png", "face.png"], "{}", listed.text);
    // Keyset paging walks the same set.
    let page = as_scoped(Method::GET, "/api/v1/assets?limit=1").await;
    assert_eq!(names(&page), ["mine.png"]);
    let cursor = page.body["next_cursor"].as_str().expect("more").to_owned();
    let next = as_scoped(
        Method::GET,
        &format!("/api/v1/assets?limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(names(&next), ["face.png"]);
    let cursor = next.body["next_cursor"].as_str().expect("more").to_owned();
    let last = as_scoped(
        Method::GET,
        &format!("/api/v1/assets?limit=1&cursor={cursor}"),
    )
    .await;
    assert!(names(&last).is_empty(), "{}", last.text);
    assert_eq!(
        names(&as_scoped(Method::GET, "/api/v1/assets?q=launch").await),
        Vec::<String>::new()
    );

    // The embargoed image and the spare upload are as if they did not exist: no metadata, no
    // original, no deletion.
    for id in [&launch_id, &spare_id] {
        for path in [
            format!("/api/v1/assets/{id}"),
            format!("/api/v1/assets/{id}/content"),
        ] {
            as_scoped(Method::GET, &path)
                .await
                .assert_error(StatusCode::NOT_FOUND, "not_found");
        }
        as_scoped(Method::DELETE, &format!("/api/v1/assets/{id}"))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        assert_eq!(
            server.get(&format!("/api/v1/assets/{id}")).await.status,
            StatusCode::OK,
            "still there"
        );
    }
    // Nor can an entry of its types name them: that would make them its own to see.
    let write_author = async |avatar: &str| {
        server
            .send(
                Method::POST,
                "/api/v1/entries/author",
                Some(
                    &json!({"fields": {"name": "Grace", "email": "grace@example.com",
                                        "avatar": {"id": avatar}}}),
                ),
                &[("authorization", &format!("Bearer {scoped}"))],
            )
            .await
    };
    let hidden = write_author(&launch_id).await;
    let error = hidden.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["path"], "fields.avatar", "{error}");
    assert_eq!(error["details"][0]["code"], "asset_not_found", "{error}");
    as_scoped(Method::GET, &format!("/api/v1/assets/{launch_id}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    // The author's portrait is visible, with its original.
    let detail = as_scoped(Method::GET, &format!("/api/v1/assets/{face_id}")).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(detail.body["used_by"][0]["id"], author["id"]);
    let content = as_scoped(Method::GET, &format!("/api/v1/assets/{face_id}/content")).await;
    assert_eq!(content.status, StatusCode::OK);

    // A banner starts using the portrait and the editor's own upload: the editor learns that
    // other entries use them, not which.
    let shared = server
        .create(
            "promo_banner",
            &json!({"fields": {"headline": "Faces", "hero": {"id": face_id}}}),
        )
        .await;
    server
        .create(
            "promo_banner",
            &json!({"fields": {"headline": "Mine", "hero": {"id": mine_id}}}),
        )
        .await;
    let detail = as_scoped(Method::GET, &format!("/api/v1/assets/{face_id}")).await;
    assert_eq!(
        detail.body["used_by"].as_array().map(Vec::len),
        Some(1),
        "{}",
        detail.text
    );
    let everyone = server.get(&format!("/api/v1/assets/{face_id}")).await;
    assert!(
        everyone.body["used_by"]
            .as_array()
            .is_some_and(|u| u.iter().any(|e| e["id"] == shared["id"])),
        "{}",
        everyone.text
    );
    let refused = as_scoped(Method::DELETE, &format!("/api/v1/assets/{mine_id}")).await;
    let error = refused.assert_error(StatusCode::CONFLICT, "asset_in_use");
    assert!(error.get("details").is_none(), "no entry named: {error}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("outside your scope")),
        "{error}"
    );

    // Uploading the spare file's bytes again proves the editor has them: it gets the asset
    // and may see it from then on.
    let again = upload_as(Some(&scoped), spare_bytes, "copy.png").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["id"], spare_id.as_str());
    let seen = as_scoped(Method::GET, &format!("/api/v1/assets/{spare_id}")).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);

    // An editor of every type sees every asset.
    let unscoped = server
        .user_token("all-types@shop.example", "editor", None)
        .await;
    let all = server
        .send(
            Method::GET,
            "/api/v1/assets",
            None,
            &[("authorization", &format!("Bearer {unscoped}"))],
        )
        .await;
    assert_eq!(
        names(&all),
        ["mine.png", "face.png", "spare.png", "launch.png"]
    );
    // Its own upload, an entry of its types may name.
    let own = write_author(&mine_id).await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.text);
    server.stop().await;
}

/// Asset fields are checked on every write, at their own path: in lists of objects, against
/// a family (`image/*`), and on updates as on creation.
#[actix_web::test]
async fn asset_fields_are_checked_in_lists_and_on_updates() {
    let server = TestServer::start().await;
    let picture = upload(&server, gif(40, 20), "picture.gif", "image/gif", None).await;
    let document = upload(&server, pdf(), "terms.pdf", "application/pdf", None).await;
    let big = upload(
        &server,
        png(2000, 2000, 2 * 1024 * 1024 + 1),
        "big.png",
        "image/png",
        None,
    )
    .await;
    let section = |id: &Value| json!({"kind": "rich_text", "heading": "Hi", "image": {"id": id}});
    // landing_page.sections[].image accepts `image/*` up to 8 MiB: a GIF is one.
    let page = server
        .create(
            "landing_page",
            &json!({"fields": {"title": "Home", "sections": [
                {"kind": "rich_text", "heading": "Top"}, section(&picture.body["id"])]}}),
        )
        .await;
    let path = format!(
        "/api/v1/entries/landing_page/{}",
        page["id"].as_str().expect("id")
    );
    let refused = server
        .patch(
            &path,
            1,
            &json!({"fields": {"sections": [section(&picture.body["id"]), section(&document.body["id"])]}}),
        )
        .await;
    let error = refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        error["details"],
        json!([{"path": "fields.sections[1].image", "code": "asset_type_not_accepted",
                "message": error["details"][0]["message"]}]),
        "{error}"
    );

    // author.avatar: images up to 2 MiB; an update breaking both rules hears of both.
    let author = server
        .create(
            "author",
            &json!({"fields": {"name": "Bo Small", "email": "bo@example.com"}}),
        )
        .await;
    let author_path = format!(
        "/api/v1/entries/author/{}",
        author["id"].as_str().expect("id")
    );
    let refused = server
        .patch(
            &author_path,
            1,
            &json!({"fields": {"avatar": {"id": big.body["id"]}}}),
        )
        .await;
    let error = refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["path"], "fields.avatar", "{error}");
    assert_eq!(error["details"][0]["code"], "asset_too_large", "{error}");
    let refused = server
        .patch(
            &author_path,
            1,
            &json!({"fields": {"avatar": {"id": document.body["id"]}}}),
        )
        .await;
    let error = refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        error["details"][0]["code"], "asset_type_not_accepted",
        "{error}"
    );
    let unchanged = server.get(&author_path).await;
    assert_eq!(unchanged.body["version"], 1, "nothing written");
    server.stop().await;
}

/// A client that breaks off mid-upload leaves no file (not even a partial one) and no row.
#[actix_web::test]
async fn an_upload_broken_off_midway_leaves_nothing() {
    use tokio::io::AsyncWriteExt;

    let server = TestServer::start().await;
    let uploads = server.dir.path().join("assets/uploads");
    let files_in = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address)
        .await
        .expect("a connection");
    let boundary = "herald-broken-off";
    let preamble = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"cut.png\"\r\n\
         content-type: image/png\r\n\r\n"
    );
    let head = format!(
        "POST /api/v1/assets HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\n\
         content-type: multipart/form-data; boundary={boundary}\r\ncontent-length: {}\r\n\r\n",
        server.token,
        8 * 1024 * 1024
    );
    socket
        .write_all(format!("{head}{preamble}").as_bytes())
        .await
        .expect("sent");
    socket
        .write_all(&png(100, 100, 1024 * 1024))
        .await
        .expect("sent");
    socket.flush().await.expect("flushed");
    // The server is receiving it: a partial file is there.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while files_in(&uploads).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(socket);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !files_in(&uploads).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "left in {}: {:?}",
            uploads.display(),
            files_in(&uploads)
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(originals(&server).is_empty(), "{:?}", originals(&server));
    let listed = server.get("/api/v1/assets").await;
    assert_eq!(listed.body["items"], json!([]), "{}", listed.text);
    server.stop().await;
}
