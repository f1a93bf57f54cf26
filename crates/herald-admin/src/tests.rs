use actix_web::App;
use actix_web::http::{StatusCode, header};
use actix_web::test::{TestRequest, call_service, init_service, read_body};

use super::{CONTENT_SECURITY_POLICY, STATIC_FILES, routes};

#[actix_web::test]
async fn shell_is_served_with_a_strict_policy() {
    let app = init_service(App::new().configure(routes)).await;
    for path in ["/admin", "/admin/"] {
        let res = call_service(&app, TestRequest::get().uri(path).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let headers = res.headers();
        assert_eq!(
            headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"text/html; charset=utf-8"[..])
        );
        assert_eq!(
            headers
                .get(header::CONTENT_SECURITY_POLICY)
                .map(|v| v.as_bytes()),
            Some(CONTENT_SECURITY_POLICY.as_bytes())
        );
        assert_eq!(
            headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert!(headers.contains_key(header::CACHE_CONTROL));
        let body = read_body(res).await;
        let html = String::from_utf8_lossy(&body);
        assert!(html.contains("/admin/static/app.js"));
    }
}

#[actix_web::test]
async fn assets_have_their_media_type() {
    let app = init_service(App::new().configure(routes)).await;
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/admin/static/views/entry.js")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes()),
        Some(&b"text/javascript; charset=utf-8"[..])
    );
    assert!(res.headers().contains_key(header::ETAG));
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/admin/static/../Cargo.toml")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[test]
fn no_inline_script_or_style() {
    let html = super::files::INDEX_HTML;
    assert!(!html.contains("style="), "inline style attribute");
    assert!(!html.contains("<style"), "inline style element");
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
        assert!(tag.contains("src="), "inline script: {tag}");
    }
    for file in STATIC_FILES.iter().filter(|f| f.path.ends_with(".js")) {
        assert!(
            !file.body.contains("style=\""),
            "{} writes a style attribute",
            file.path
        );
        assert!(!file.body.contains("eval("), "{} uses eval", file.path);
    }
}

/// Every file under `static/` is embedded (a file missing from `files.rs` would 404 in the
/// browser while every Rust test passes).
#[test]
fn every_static_file_is_embedded() {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("static dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    let mut found = Vec::new();
    walk(&root, &root, &mut found);
    for path in found.iter().filter(|p| p.as_str() != "index.html") {
        assert!(
            STATIC_FILES.iter().any(|f| f.path == path),
            "static/{path} is not listed in files.rs"
        );
    }
}

/// Every relative `import … from './x.js'` names an embedded file.
#[test]
fn every_import_resolves() {
    for file in STATIC_FILES.iter().filter(|f| f.path.ends_with(".js")) {
        let dir: Vec<&str> = file.path.split('/').collect();
        let dir = &dir[..dir.len() - 1];
        for (i, _) in file.body.match_indices(" from '") {
            let rest = &file.body[i + 7..];
            let Some(end) = rest.find('\'') else { continue };
            let spec = &rest[..end];
            if !spec.starts_with('.') {
                continue;
            }
            let mut parts: Vec<&str> = dir.to_vec();
            for seg in spec.split('/') {
                match seg {
                    "." => {}
                    ".." => {
                        parts.pop();
                    }
                    other => parts.push(other),
                }
            }
            let target = parts.join("/");
            assert!(
                STATIC_FILES.iter().any(|f| f.path == target),
                "{} imports {spec}, which is not embedded ({target})",
                file.path
            );
        }
    }
}
