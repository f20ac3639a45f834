//! The web app at `/`: served from the binary with strict security headers,
//! hashed assets cached for a year, `index.html` revalidated, and the API
//! untouched by it.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::common::TestApp;

crate::on_both_backends!(
    the_app_is_served_at_the_root_with_security_headers,
    hashed_assets_are_immutable_with_their_content_type,
    unknown_assets_are_404_and_the_api_still_answers_problems,
    the_service_worker_is_at_the_root_revalidated_and_names_the_shell,
    the_app_crosses_the_network_compressed,
);

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'self'; object-src 'none'";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

fn assert_secure(headers: &HeaderMap) {
    assert_eq!(header(headers, "content-security-policy"), CSP);
    assert_eq!(header(headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(headers, "referrer-policy"), "no-referrer");
    assert!(headers.get("set-cookie").is_none(), "no cookies");
}

/// GET `path`: status, headers, body.
async fn fetch(app: &TestApp, path: &str) -> (StatusCode, HeaderMap, String) {
    let res = app.http.get(app.url(path)).send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

/// The asset paths `index.html` names, in order (stylesheet, script).
fn assets_of(html: &str) -> Vec<String> {
    html.split("\"/assets/")
        .skip(1)
        .map(|rest| format!("/assets/{}", rest.split('"').next().unwrap()))
        .collect()
}

async fn the_app_is_served_at_the_root_with_security_headers(app: TestApp) {
    let (status, headers, html) = fetch(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert_secure(&headers);
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("<div id=\"app\"></div>"), "{html}");
    assert!(!html.contains("<style"), "no inline style: {html}");
    assert!(!html.contains("<script>"), "no inline script: {html}");
    assert_eq!(assets_of(&html).len(), 2, "{html}");
}

async fn hashed_assets_are_immutable_with_their_content_type(app: TestApp) {
    let (_, _, html) = fetch(&app, "/").await;
    let assets = assets_of(&html);
    let css = assets.iter().find(|a| a.ends_with(".css")).unwrap();
    let js = assets.iter().find(|a| a.ends_with(".js")).unwrap();
    for (path, ctype) in [
        (css, "text/css; charset=utf-8"),
        (js, "text/javascript; charset=utf-8"),
    ] {
        let name = path.trim_start_matches("/assets/");
        assert!(
            name.starts_with("app-") && name.len() > "app-.js".len() + 6,
            "content hash in the name: {name}"
        );
        let (status, headers, body) = fetch(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, "content-type"), ctype, "{path}");
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_secure(&headers);
        assert!(!body.is_empty(), "{path}");
    }
}

async fn unknown_assets_are_404_and_the_api_still_answers_problems(app: TestApp) {
    for path in [
        "/assets/app-NOSUCHHASH.js",
        "/assets/index.html",
        "/assets/..%2Findex.html",
    ] {
        let (status, headers, body) = fetch(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(header(&headers, "content-type"), "application/problem+json");
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
        assert_secure(&headers);
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["code"], "no_such_route", "{path}");
    }
    // The app takes `/` only: other paths are still the API's.
    let (status, _, body) = fetch(&app, "/index.html").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["code"], "no_such_route");
    let (status, headers, _) = fetch(&app, "/healthz").await;
    assert!(status.is_success(), "{status}");
    assert!(headers.get("content-security-policy").is_none());
}

async fn the_service_worker_is_at_the_root_revalidated_and_names_the_shell(app: TestApp) {
    let (_, _, html) = fetch(&app, "/").await;
    let (status, headers, script) = fetch(&app, "/sw.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header(&headers, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert_secure(&headers);
    for asset in assets_of(&html) {
        assert!(script.contains(&asset), "{asset} in the shell: {script}");
    }
}

async fn the_app_crosses_the_network_compressed(app: TestApp) {
    let (_, _, html) = fetch(&app, "/").await;
    for path in assets_of(&html)
        .iter()
        .map(String::as_str)
        .chain(["/", "/sw.js"])
    {
        let (_, plain_headers, plain) = fetch(&app, path).await;
        assert!(plain_headers.get("content-encoding").is_none(), "{path}");
        let res = app
            .http
            .get(app.url(path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let headers = res.headers().clone();
        assert_eq!(header(&headers, "content-encoding"), "gzip", "{path}");
        assert!(
            header(&headers, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding")
        );
        assert_secure(&headers);
        let gzipped = res.bytes().await.unwrap();
        assert!(
            gzipped.len() < plain.len(),
            "{path}: {} >= {}",
            gzipped.len(),
            plain.len()
        );
    }
}
