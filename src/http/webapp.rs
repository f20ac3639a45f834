//! The web app (docs/webapp.md): `web/dist/`, built from `web/src/` and
//! embedded in the binary, served at `/` with its assets under `/assets/`.
//! The app is a client of the public API and nothing else, so these routes
//! are not part of the API and not in the OpenAPI document.
//!
//! Every answer carries the same security headers: a strict
//! Content-Security-Policy (no inline script or style, no eval, requests
//! only to this origin, never framed), `nosniff` and `no-referrer`. Assets
//! have content hashes in their names and are cached for a year;
//! `index.html`, which names them, is revalidated on every load, and so is
//! the service worker `/sw.js` (it caches the app shell for offline use;
//! docs/webapp.md).

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Compress;
use actix_web::{HttpResponse, ResponseError, web};
use rust_embed::RustEmbed;

use super::problem::ApiError;
use crate::problem_code::ProblemCode;

/// The built app. `debug-embed` embeds it in debug builds too.
#[derive(RustEmbed)]
#[folder = "web/dist/"]
struct Dist;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'; object-src 'none'";

/// Hashed assets never change under their name.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `index.html` names the current assets: always revalidated.
const REVALIDATE: &str = "no-cache";

/// Registers `/`, `/sw.js` and `/assets/{name}` (GET and HEAD), each
/// compressed (brotli, zstd or gzip, as the browser accepts): the app's
/// budget of 200 KB is for what crosses the network on first load.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .wrap(Compress::default())
            .route(web::get().to(index))
            .route(web::head().to(index)),
    )
    .service(
        web::resource("/sw.js")
            .wrap(Compress::default())
            .route(web::get().to(service_worker))
            .route(web::head().to(service_worker)),
    )
    .service(
        web::resource("/assets/{name}")
            .wrap(Compress::default())
            .route(web::get().to(asset))
            .route(web::head().to(asset)),
    );
}

async fn index() -> HttpResponse {
    root_file("index.html", "text/html; charset=utf-8")
}

/// The service worker, at the root so that its scope is the whole app.
async fn service_worker() -> HttpResponse {
    root_file("sw.js", "text/javascript; charset=utf-8")
}

/// A file at the root of `web/dist/`, revalidated on every load.
fn root_file(name: &str, content_type: &'static str) -> HttpResponse {
    match Dist::get(name) {
        Some(file) => file_response(file.data.into_owned(), content_type, REVALIDATE),
        None => missing(&format!(
            "the web app was not built into this binary (web/dist/{name})"
        )),
    }
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    let name = name.into_inner();
    let file = content_type(&name).and_then(|ctype| {
        Dist::get(&format!("assets/{name}")).map(|file| (file.data.into_owned(), ctype))
    });
    match file {
        Some((bytes, ctype)) => file_response(bytes, ctype, IMMUTABLE),
        None => missing(&format!("/assets/{name} is not an asset of the web app")),
    }
}

/// The types the build writes; anything else is not served.
fn content_type(name: &str) -> Option<&'static str> {
    let (_, extension) = name.rsplit_once('.')?;
    match extension {
        "js" => Some("text/javascript; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        "svg" => Some("image/svg+xml"),
        "png" => Some("image/png"),
        "woff2" => Some("font/woff2"),
        _ => None,
    }
}

fn file_response(bytes: Vec<u8>, content_type: &'static str, cache: &'static str) -> HttpResponse {
    let mut response = HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(bytes);
    secure(&mut response);
    response
}

/// The API's 404 problem, with the app's headers and not cached.
fn missing(detail: &str) -> HttpResponse {
    let mut response = ApiError::not_found(ProblemCode::NoSuchRoute, detail).error_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    secure(&mut response);
    response
}

fn secure(response: &mut HttpResponse) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_is_embedded_and_names_only_embedded_assets() {
        let index = Dist::get("index.html").expect("web/dist/index.html is embedded");
        let html = String::from_utf8(index.data.into_owned()).unwrap();
        let named: Vec<&str> = html
            .split("/assets/")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        assert_eq!(named.len(), 2, "one script and one stylesheet: {html}");
        for name in named {
            assert!(content_type(name).is_some(), "{name}");
            assert!(Dist::get(&format!("assets/{name}")).is_some(), "{name}");
        }
        assert!(!html.contains("<style"), "no inline style");
        assert!(!html.contains("<script>"), "no inline script");
    }

    #[test]
    fn the_policy_allows_nothing_inline() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }
}
